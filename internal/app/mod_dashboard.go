package app

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"yingji/internal/bureau/campaign/housing"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/dashboard"
	"yingji/internal/kit/web"
)

// dashboardModule wires the dashboard: the panels of the modules, the
// home page's figures and work waiting.
func (a *App) dashboardModule() (*module, error) {
	h := &dashboard.Handlers{Today: func() string { return a.Now().In(web.Shanghai).Format("2006-01-02") }, Now: a.Now}
	return &module{
		name:      "dashboard",
		templates: dashboard.Templates,
		locales:   dashboard.Locales,
		routes: func() web.Routes {
			// Called twice (policy, then registration): gather afresh.
			h.UI = a.UI
			h.Panels, h.Stats, h.Todos = nil, nil, nil
			for _, m := range a.mods {
				h.Panels = append(h.Panels, m.panels...)
				if m.stats != nil {
					h.Stats = append(h.Stats, m.stats)
				}
				if m.todo != nil {
					h.Todos = append(h.Todos, m.todo)
				}
			}
			return h.Routes()
		},
		panels: []dashboard.PanelFunc{a.decisionsPanel, a.hazardTrendPanel, a.openHazardsPanel, a.cardsByTownPanel, a.housingPanel},
		nav:    []navEntry{{Area: "reports", Items: []web.NavItem{{Key: "dashboard", Label: "nav.dashboard", Path: "/dashboard", Built: true}}}},
	}, nil
}

// hazardTrendPanel: hazards found (major apart) and closed per month over
// the last 12 months; a bar opens that month's hazards.
func (a *App) hazardTrendPanel(ctx context.Context, p *auth.Principal, today, lang string) (*dashboard.Panel, error) {
	// An enterprise account's trend is its own hazards (Monthly counts in
	// p's scope).
	y, _ := strconv.Atoi(today[:4])
	m, _ := strconv.Atoi(today[5:7])
	var from string
	if m == 12 {
		from = fmt.Sprintf("%04d-01-01", y)
	} else {
		from = fmt.Sprintf("%04d-%02d-01", y-1, m+1)
	}
	rows, err := a.Hazard.Monthly(ctx, p, from, today)
	if err != nil {
		return nil, err
	}
	var months, links []string
	var found, major, closed []int
	total := 0
	for _, r := range rows {
		months = append(months, r.Month)
		found, major, closed = append(found, r.Found-r.Major), append(major, r.Major), append(closed, r.Closed)
		first, _ := time.Parse("2006-01", r.Month)
		links = append(links, "/hazards?from="+r.Month+"-01&to="+first.AddDate(0, 1, -1).Format("2006-01-02"))
		total += r.Found + r.Closed
	}
	t := func(id string) string { return a.UI.I18n.T(lang, id, nil) }
	return &dashboard.Panel{ID: "hazard-trend", Title: "dashboard.hazard_trend", More: "/hazards/stats", Links: links, Empty: total == 0,
		Chart: dashboard.Option(map[string]any{
			"animation": false, "tooltip": map[string]any{"trigger": "axis"},
			"legend": map[string]any{"top": 0}, "grid": map[string]any{"left": 40, "right": 16, "top": 36, "bottom": 28},
			"xAxis": map[string]any{"type": "category", "data": months}, "yAxis": map[string]any{"type": "value", "minInterval": 1},
			"series": []map[string]any{
				{"name": t("dashboard.found"), "type": "bar", "stack": "f", "data": found, "itemStyle": map[string]any{"color": "#1565c0"}},
				{"name": t("dashboard.major"), "type": "bar", "stack": "f", "data": major, "itemStyle": map[string]any{"color": "#c62828"}},
				{"name": t("dashboard.closed"), "type": "line", "data": closed, "itemStyle": map[string]any{"color": "#2e7d32"}},
			}})}, nil
}

// cardsByTownPanel: the year's yellow and red cards per town.
func (a *App) cardsByTownPanel(ctx context.Context, p *auth.Principal, today, lang string) (*dashboard.Panel, error) {
	if p.Role == auth.RoleEnterprise {
		return nil, nil
	}
	y, _ := strconv.Atoi(today[:4])
	mc, err := a.Supervise.MonthlyCounts(ctx, p, y)
	if err != nil {
		return nil, err
	}
	var names, links []string
	var yellow, red []int
	total := 0
	for _, r := range mc.Towns {
		ys, rs := 0, 0
		for i := range 12 {
			ys, rs = ys+r.Yellow[i], rs+r.Red[i]
		}
		names, yellow, red = append(names, r.Name), append(yellow, ys), append(red, rs)
		links = append(links, "/cards?town="+r.Key)
		total += ys + rs
	}
	t := func(id string) string { return a.UI.I18n.T(lang, id, nil) }
	return &dashboard.Panel{ID: "cards-by-town", Title: "dashboard.cards_by_town", More: "/cards/monthly", Links: links, Empty: total == 0,
		Chart: dashboard.Option(map[string]any{
			"animation": false, "tooltip": map[string]any{"trigger": "axis"}, "legend": map[string]any{"top": 0},
			"grid":  map[string]any{"left": 40, "right": 16, "top": 36, "bottom": 48},
			"xAxis": map[string]any{"type": "category", "data": names, "axisLabel": map[string]any{"interval": 0, "rotate": 30}},
			"yAxis": map[string]any{"type": "value", "minInterval": 1},
			"series": []map[string]any{
				{"name": t("dashboard.yellow"), "type": "bar", "stack": "c", "data": yellow, "itemStyle": map[string]any{"color": "#f9a825"}},
				{"name": t("dashboard.red"), "type": "bar", "stack": "c", "data": red, "itemStyle": map[string]any{"color": "#c62828"}},
			}})}, nil
}

// housingPanel: the newest survey campaign's progress per town.
func (a *App) housingPanel(ctx context.Context, p *auth.Principal, today, lang string) (*dashboard.Panel, error) {
	if p.Role == auth.RoleEnterprise || a.Campaign == nil {
		return nil, nil
	}
	camps, err := a.Campaign.Housing.Campaigns(ctx, p)
	if err != nil || len(camps) == 0 {
		return nil, err
	}
	c := camps[0]
	pr, err := a.Campaign.Housing.Progress(ctx, p, c.ID, today)
	if err != nil {
		return nil, err
	}
	var names, links []string
	var surveyed, suspected, appraised []int64
	for _, tp := range pr.Towns {
		names = append(names, tp.Name)
		surveyed = append(surveyed, tp.By[housing.MSurveyed].Total())
		suspected = append(suspected, tp.By[housing.MSuspected].Total())
		appraised = append(appraised, tp.By[housing.MAppraised].Total())
		links = append(links, "/housing/"+c.ID+"/buildings?town="+tp.Town)
	}
	t := func(id string) string { return a.UI.I18n.T(lang, id, nil) }
	return &dashboard.Panel{ID: "housing", Title: "dashboard.housing_progress", More: "/housing/" + c.ID, Links: links, Empty: len(names) == 0,
		Chart: dashboard.Option(map[string]any{
			"animation": false, "tooltip": map[string]any{"trigger": "axis"}, "legend": map[string]any{"top": 0},
			"grid":  map[string]any{"left": 56, "right": 56, "top": 36, "bottom": 48},
			"xAxis": map[string]any{"type": "category", "data": names, "axisLabel": map[string]any{"interval": 0, "rotate": 30}},
			"yAxis": []map[string]any{{"type": "value"}, {"type": "value"}},
			"series": []map[string]any{
				{"name": t("dashboard.surveyed"), "type": "bar", "data": surveyed, "itemStyle": map[string]any{"color": "#90a4ae"}},
				{"name": t("dashboard.suspected"), "type": "line", "yAxisIndex": 1, "data": suspected, "itemStyle": map[string]any{"color": "#ef6c00"}},
				{"name": t("dashboard.appraised"), "type": "line", "yAxisIndex": 1, "data": appraised, "itemStyle": map[string]any{"color": "#2e7d32"}},
			}})}, nil
}
