package supervise

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"yingji/internal/kit/web"
)

// Cards

func (h *Handlers) cardFilter(r *http.Request) (CardFilter, error) {
	p := web.PrincipalFrom(r.Context())
	var sectors []string
	if sec := r.URL.Query().Get("section"); sec != "" {
		var err error
		if sectors, err = h.Svc.SectionSectors(r.Context(), p.CountyCode, sec); err != nil {
			return CardFilter{}, err
		}
	}
	return CardFilterOf(r.URL.Query(), sectors), nil
}

func (h *Handlers) cards(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	pg := web.PagingOf(r)
	list, total, err := h.cardsOf(r, pg)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	red, yellow, err := h.Svc.CardCounts(r.Context(), p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data, err := h.lookups(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rules, err := h.Svc.Rules(r.Context(), p.CountyCode)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data["Cards"], data["Pager"], data["Red"], data["Yellow"], data["Rules"] = list, web.PagerOf(pg, total), red, yellow, rules
	data["SharePct"] = int(rules.YellowShare*100 + 0.5)
	h.render(w, r, http.StatusOK, "sup_cards", "supervise.cards", data, nil)
}

func (h *Handlers) yearOf(r *http.Request) int {
	y, err := strconv.Atoi(r.URL.Query().Get("year"))
	if err != nil || y < 2000 || y > 2100 {
		y = day(h.Svc.today()).Year()
	}
	return y
}

// chart is the ECharts option of the monthly counts (stacked bars).
func chart(m Monthly, lang string) string {
	months := make([]string, 12)
	for i := range months {
		if lang == "en" {
			months[i] = time.Month(i + 1).String()[:3]
		} else {
			months[i] = strconv.Itoa(i+1) + "月"
		}
	}
	yl, rl, cl := "黄牌", "红牌", "销牌"
	if lang == "en" {
		yl, rl, cl = "Yellow", "Red", "Cleared"
	}
	opt := map[string]any{
		"animation": false,
		"tooltip":   map[string]any{"trigger": "axis"},
		"legend":    map[string]any{"data": []string{yl, rl, cl}, "top": 0},
		"grid":      map[string]any{"left": 40, "right": 20, "top": 40, "bottom": 30},
		"xAxis":     map[string]any{"type": "category", "data": months},
		"yAxis":     map[string]any{"type": "value", "minInterval": 1},
		"series": []map[string]any{
			{"name": yl, "type": "bar", "stack": "issued", "data": m.Total.Yellow, "itemStyle": map[string]any{"color": "#f9a825"}},
			{"name": rl, "type": "bar", "stack": "issued", "data": m.Total.Red, "itemStyle": map[string]any{"color": "#c62828"}},
			{"name": cl, "type": "line", "data": m.Total.Cleared, "itemStyle": map[string]any{"color": "#2e7d32"}},
		},
	}
	b, _ := json.Marshal(opt)
	return string(b)
}

func (h *Handlers) monthly(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	year := h.yearOf(r)
	m, err := h.Svc.MonthlyCounts(r.Context(), p, year)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	this := day(h.Svc.today()).Year()
	var years []int
	for y := this; y >= this-5; y-- {
		years = append(years, y)
	}
	if year < this-5 {
		years = append(years, year)
	}
	type part struct {
		Key  string
		Rows []MonthRow
	}
	data := map[string]any{"M": m, "Year": year, "Years": years, "Chart": chart(m, web.Lang(r.Context())), "Months": []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12},
		"Parts": []part{{"towns", m.Towns}, {"sections", m.Sections}}}
	h.render(w, r, http.StatusOK, "sup_monthly", "supervise.monthly", data, nil)
}
