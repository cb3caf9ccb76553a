package report

import (
	"context"
	"embed"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"

	"yingji/internal/auth"
	"yingji/internal/errs"
	"yingji/internal/figure"
	"yingji/internal/web"
	"yingji/internal/xlsx"
)

//go:embed templates/*.html
var Templates embed.FS

// Handlers serve the period report page, its exports and the figures API.
type Handlers struct {
	UI *web.UI
	// Build writes the report for a principal, a period and a region.
	Build func(ctx context.Context, p *auth.Principal, q figure.Query, lang string) (Report, error)
	// Today is the app's business date (YYYY-MM-DD).
	Today func() string
}

// Register adds the routes.
func (h *Handlers) Register(rt *web.Router) {
	rt.Handle("GET /reports", h.page)
	rt.Handle("GET /reports/export.json", h.exportJSON)
	rt.Handle("GET /reports/export.txt", h.exportText)
	rt.Handle("GET /reports/export.xlsx", h.exportXLSX)
	rt.Handle("GET /api/v1/reports/figures", h.exportJSON)
}

// Policy declares the routes: the bureau's staff, towns and departments
// (each in their scope); enterprise accounts have no report.
func Policy() web.Policy {
	readers := []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer, auth.RoleDuty,
		auth.RoleTown, auth.RoleDepartment, auth.RoleReadOnly}
	return web.Policy{
		"GET /reports":                readers,
		"GET /reports/export.json":    readers,
		"GET /reports/export.txt":     readers,
		"GET /reports/export.xlsx":    readers,
		"GET /api/v1/reports/figures": readers,
	}
}

// query reads ?from=&to=&region= (the half year to date by default).
func (h *Handlers) query(r *http.Request) (figure.Query, url.Values, error) {
	v := r.URL.Query()
	today := h.Today()
	if v.Get("from") == "" && v.Get("to") == "" {
		v.Set("to", today)
		if today[5:7] <= "06" {
			v.Set("from", today[:4]+"-01-01")
		} else {
			v.Set("from", today[:4]+"-07-01")
		}
	}
	p, err := figure.NewPeriod(v.Get("from"), v.Get("to"))
	if err != nil {
		return figure.Query{}, v, errs.Field("from", "report.bad_period", nil)
	}
	return figure.Query{Period: p, Region: strings.TrimSpace(v.Get("region")), P: web.PrincipalFrom(r.Context())}, v, nil
}

func (h *Handlers) build(r *http.Request, records bool) (Report, url.Values, error) {
	q, v, err := h.query(r)
	if err != nil {
		return Report{}, v, err
	}
	q.Records = records
	rep, err := h.Build(r.Context(), q.P, q, web.Lang(r.Context()))
	return rep, v, err
}

func (h *Handlers) page(w http.ResponseWriter, r *http.Request) {
	rep, v, err := h.build(r, false)
	f := web.EmptyForm(map[string]string{"from": v.Get("from"), "to": v.Get("to"), "region": v.Get("region")})
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.IsInvalid, func(status int) {
			h.UI.Show(w, r, status, "report", "report.page_title", "reports", nil, f)
		})
		return
	}
	h.UI.Show(w, r, http.StatusOK, "report", "report.page_title", "reports", map[string]any{"Report": rep, "Query": v.Encode()}, f)
}

func (h *Handlers) exportJSON(w http.ResponseWriter, r *http.Request) {
	rep, _, err := h.build(r, true)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if r.URL.Path != "/api/v1/reports/figures" {
		w.Header().Set("Content-Disposition", "attachment; filename=report.json")
	}
	_ = json.NewEncoder(w).Encode(rep.JSON())
}

func (h *Handlers) exportText(w http.ResponseWriter, r *http.Request) {
	rep, _, err := h.build(r, false)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", "attachment; filename=report.txt")
	_, _ = w.Write([]byte(rep.Text(h.UI.I18n.T(web.Lang(r.Context()), "report.title", map[string]any{"From": rep.From, "To": rep.To}))))
}

func (h *Handlers) exportXLSX(w http.ResponseWriter, r *http.Request) {
	rep, _, err := h.build(r, false)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	lang := web.Lang(r.Context())
	h.UI.SendXLSX(w, r, "report-"+rep.From+"-"+rep.To+".xlsx", func(out io.Writer) (*xlsx.Writer, error) {
		return xlsx.NewWriter(out, TableSchema(h.UI.I18n.T, lang))
	}, func(xw *xlsx.Writer) error { return WriteTable(xw, rep) })
}

// TableSchema is the figures table's columns.
func TableSchema(tr Translate, lang string) xlsx.Schema {
	col := func(key, zh, en string, w float64) xlsx.Column {
		return xlsx.Column{Key: key, Header: zh, HeaderEN: en, Width: w}
	}
	return xlsx.Schema{Name: "指标", Columns: []xlsx.Column{
		col("section", "部分", "Section", 16), col("id", "指标编号", "Figure", 12), col("key", "数项", "Number", 18),
		col("value", "数值", "Value", 12), col("last_year", "去年同期", "Same period last year", 12),
		col("sentence", "表述", "Sentence", 80), col("link", "记录链接", "Records", 40)}}
}

// WriteTable writes one row per number of every figure.
func WriteTable(xw *xlsx.Writer, rep Report) error {
	for _, p := range rep.Parts {
		for _, it := range p.Items {
			for i, n := range it.Value.Numbers {
				var last any
				if it.LastYear != nil {
					if l := it.LastYear.Get(n.Key); l.Key != "" {
						last = amount(l)
					}
				}
				sentence := ""
				if i == 0 {
					sentence = it.Sentence
				}
				if err := xw.Write(p.Title, it.ID, n.Key, amount(n), last, sentence, n.Link); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// JSON is the report as the figures API and `yingji report --format json`
// give it: every figure ID with its numbers (and the IDs of the records
// behind them), last year's where it compares, and its sentence.
func (r Report) JSON() map[string]any {
	figs := map[string]any{}
	for id, it := range r.Figures() {
		nums := map[string]any{}
		for _, n := range it.Value.Numbers {
			nums[n.Key] = map[string]any{"value": amount(n), "unit": unitName(n.Unit), "kind": n.Kind, "records": nonNil(n.Records), "link": n.Link}
		}
		f := map[string]any{"section": it.Section, "label": it.Label, "sentence": it.Sentence, "numbers": nums}
		if it.LastYear != nil {
			last := map[string]any{}
			for _, n := range it.LastYear.Numbers {
				last[n.Key] = amount(n)
			}
			f["last_year"] = last
		}
		if len(it.Value.Warnings) > 0 {
			f["warnings"] = it.Value.Warnings
		}
		if len(it.Value.Words) > 0 {
			f["words"] = it.Value.Words
		}
		if it.Problem != "" {
			f["problem"] = it.Problem
		}
		figs[id] = f
	}
	return map[string]any{"from": r.From, "to": r.To, "region": r.Region, "figures": figs}
}

func unitName(u figure.Unit) string {
	switch u {
	case figure.Fen:
		return "yuan"
	case figure.Tenth:
		return "decimal"
	}
	return "count"
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
