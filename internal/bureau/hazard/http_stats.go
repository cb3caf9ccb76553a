package hazard

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/org"
	"yingji/internal/kit/web"
	"yingji/internal/kit/xlsx"
)

// Rate formats a rectification rate: "91.2%" ("—" when nothing was found).
func Rate(done, found int) string {
	if found == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", float64(done)*100/float64(found))
}

// statsFilter reads the statistics filter: the ledger's filters and a
// period, by default the latest year with records in scope (this year on
// a live system): 1 January to its end or today.
func (h *Handlers) statsFilter(ctx context.Context, p *auth.Principal, q url.Values) Filter {
	f := FilterOf(q, h.Svc.Today())
	if f.From == "" && f.To == "" {
		y := h.Svc.LatestYear(ctx, p)
		f.From, f.To = fmt.Sprintf("%d-01-01", y), minStr(fmt.Sprintf("%d-12-31", y), h.Svc.Today())
	}
	return f
}

// statTable is one grouping of the statistics page.
type statTable struct {
	By        string
	Rows      []statRow
	Total     StatRow
	TotalRate string
}

type statRow struct {
	StatRow
	Label    string
	RateText string // 91.2%
}

func (h *Handlers) statTables(ctx context.Context, p *auth.Principal, f Filter, lang string, names map[string]string) ([]statTable, error) {
	var out []statTable
	for _, by := range []string{"grade", "source", "sector", "town_code"} {
		rows, err := h.Svc.StatsBy(ctx, p, f, by)
		if err != nil {
			return nil, err
		}
		t := statTable{By: by}
		for _, x := range rows {
			label := x.Key
			switch by {
			case "grade":
				label = GradeLabel(Grade(x.Key), lang)
				if x.Key == "" {
					label = h.UI.I18n.T(lang, "hazard.ungraded", nil)
				}
			case "source":
				label = SourceLabel(Source(x.Key), lang)
			case "sector":
				label = org.SectorLabel(x.Key, lang)
				if x.Key == "" {
					label = h.UI.I18n.T(lang, "hazard.no_sector", nil)
				}
			case "town_code":
				label = names[x.Key]
			}
			t.Rows = append(t.Rows, statRow{StatRow: x, Label: label, RateText: Rate(x.Rectified, x.Found)})
			t.Total.Found += x.Found
			t.Total.Rectified += x.Rectified
			t.Total.Major += x.Major
			t.Total.MajorDone += x.MajorDone
			t.Total.Overdue += x.Overdue
		}
		t.TotalRate = Rate(t.Total.Rectified, t.Total.Found)
		out = append(out, t)
	}
	return out, nil
}

func (h *Handlers) stats(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	lang := web.Lang(r.Context())
	f := h.statsFilter(r.Context(), p, r.URL.Query())
	data, err := h.lookups(r.Context(), p)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	tables, err := h.statTables(r.Context(), p, f, lang, data["RegionNames"].(map[string]string))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	// The chart: found and rectified by town (by sector for one town).
	var cats []string
	var found, done []int
	chartBy := tables[3]
	if len(chartBy.Rows) < 2 {
		chartBy = tables[2]
	}
	for _, x := range chartBy.Rows {
		cats = append(cats, x.Label)
		found = append(found, x.Found)
		done = append(done, x.Rectified)
	}
	t := func(id string) string { return h.UI.I18n.T(lang, id, nil) }
	opt := map[string]any{
		"tooltip": map[string]any{"trigger": "axis"},
		"title":   map[string]any{"text": t("hazard.by." + chartBy.By), "left": 8, "top": 4, "textStyle": map[string]any{"fontSize": 13}},
		"legend":  map[string]any{"data": []string{t("hazard.found"), t("hazard.rectified")}, "top": 4, "right": 8},
		"grid":    map[string]any{"left": 44, "right": 16, "bottom": 8, "top": 40, "containLabel": true},
		"xAxis":   map[string]any{"type": "category", "data": cats, "axisLabel": map[string]any{"interval": 0, "rotate": 30}},
		"yAxis":   map[string]any{"type": "value"},
		"series": []map[string]any{
			{"name": t("hazard.found"), "type": "bar", "data": found, "barMaxWidth": 36, "itemStyle": map[string]string{"color": "#1565c0"}},
			{"name": t("hazard.rectified"), "type": "bar", "data": done, "barMaxWidth": 36, "itemStyle": map[string]string{"color": "#2e7d32"}},
		},
	}
	chart, _ := json.Marshal(opt)
	year, _ := strconv.Atoi(h.Svc.Today()[:4])
	data["Tables"], data["Chart"], data["F"] = tables, string(chart), f
	data["Presets"] = statPresets(year, h.Svc.LatestYear(r.Context(), p), h.Svc.Today())
	h.render(w, r, http.StatusOK, "hazard_stats", "hazard.stats_title", "hazard_stats", data, nil)
}

// preset is a quick period link of the statistics page.
type preset struct {
	Label    string // message ID
	Year     int
	From, To string
}

// statPresets are this year to date and the halves of the latest earlier
// year with records (last year on a live system).
func statPresets(year, latest int, today string) []preset {
	y := latest
	if y >= year {
		y = year - 1
	}
	return []preset{{"hazard.preset_this_year", year, fmt.Sprintf("%d-01-01", year), today},
		{"hazard.preset_year", y, fmt.Sprintf("%d-01-01", y), fmt.Sprintf("%d-12-31", y)},
		{"hazard.preset_h1", y, fmt.Sprintf("%d-01-01", y), fmt.Sprintf("%d-06-30", y)},
		{"hazard.preset_h2", y, fmt.Sprintf("%d-07-01", y), fmt.Sprintf("%d-12-31", y)}}
}

// statsExport writes the statistics page's tables (in Chinese, like
// every ledger file) as one sheet.
func (h *Handlers) statsExport(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := h.statsFilter(r.Context(), p, r.URL.Query())
	data, err := h.lookups(r.Context(), p)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	tables, err := h.statTables(r.Context(), p, f, "zh", data["RegionNames"].(map[string]string))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	byLabel := map[string]string{"grade": "隐患等级", "source": "隐患来源", "sector": "监管行业", "town_code": "乡镇"}
	period := f.From + "至" + f.To
	name := fmt.Sprintf("隐患统计-%s.xlsx", time.Now().In(web.Shanghai).Format("20060102"))
	h.UI.SendXLSX(w, r, name, newStatsWriter, func(xw *xlsx.Writer) error {
		for _, t := range tables {
			for _, x := range t.Rows {
				if err := xw.Write(period, byLabel[t.By], x.Label, x.Found, x.Rectified, Rate(x.Rectified, x.Found), x.Major, x.MajorDone, x.Overdue); err != nil {
					return err
				}
			}
			if err := xw.Write(period, byLabel[t.By], "合计", t.Total.Found, t.Total.Rectified, Rate(t.Total.Rectified, t.Total.Found), t.Total.Major,
				t.Total.MajorDone, t.Total.Overdue); err != nil {
				return err
			}
		}
		return nil
	})
}

// Self-reports
