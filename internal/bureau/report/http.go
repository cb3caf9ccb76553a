package report

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/figure"
	"yingji/internal/kit/web"
	"yingji/internal/kit/xlsx"
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
	// Drafts keeps the narrative versions.
	Drafts *Drafts
	// Issuer signs the printed report (县应急管理局).
	Issuer string
	// Scopes lists the scopes p may choose (the county, written "", and
	// its towns; a town's staff only their town).
	Scopes func(ctx context.Context, p *auth.Principal) ([]Scope, error)
	// CheckScope refuses a region p may not report on (a field error on
	// "region").
	CheckScope func(ctx context.Context, p *auth.Principal, region string) error
}

// Scope is a choice of the report's scope: a region code ("" for the
// whole county) and its name.
type Scope struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Routes declares the routes: the bureau's staff, towns and departments
// (each in their scope); enterprise accounts have no report.
func (h *Handlers) Routes() web.Routes {
	readers := []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer, auth.RoleDuty,
		auth.RoleTown, auth.RoleDepartment, auth.RoleReadOnly}
	writers := []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleTown}
	return web.Routes{
		{Pattern: "GET /reports/export.pdf", Roles: readers, Handler: h.exportPDF},
		{Pattern: "GET /reports/export.docx", Roles: readers, Handler: h.exportDOCX},
		{Pattern: "POST /reports/drafts", Roles: writers, Handler: h.saveDraft},
		{Pattern: "GET /api/v1/reports/drafts", Out: web.ItemList[Draft]{}, Roles: readers, Handler: h.apiDrafts, API: "期间报告正文版本（from, to, region）/ Saved versions of the report's text"},
		{Pattern: "GET /reports", Roles: readers, Handler: h.page},
		{Pattern: "GET /reports/export.json", Out: FiguresAnswer{}, Roles: readers, Handler: h.exportJSON},
		{Pattern: "GET /reports/export.txt", Roles: readers, Handler: h.exportText},
		{Pattern: "GET /reports/export.xlsx", Roles: readers, Handler: h.exportXLSX},
		{Pattern: "GET /api/v1/reports/figures", Out: FiguresAnswer{}, Roles: readers, Handler: h.exportJSON, API: "期间报告指标（from, to, region）/ The period report's figures: numbers, last year's, the IDs of the records behind them"},
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
	pr := web.PrincipalFrom(r.Context())
	region := strings.TrimSpace(v.Get("region"))
	if region == "" && pr.Role == auth.RoleTown && pr.RegionCode != "" {
		// A town's staff report on their town: the one scope they have.
		region = pr.RegionCode
		v.Set("region", region)
	}
	return figure.Query{Period: p, Region: region, P: pr}, v, nil
}

// scopes are the choices of the page's scope list (none when the list
// cannot be read: the page still shows the report).
func (h *Handlers) scopes(r *http.Request) []Scope {
	if h.Scopes == nil {
		return nil
	}
	list, err := h.Scopes(r.Context(), web.PrincipalFrom(r.Context()))
	if err != nil {
		return nil
	}
	return list
}

// build writes the report of the request's period and region, with the
// narrative of ?draft=ID (a saved version) when given.
func (h *Handlers) build(r *http.Request, records bool) (Report, url.Values, error) {
	q, v, err := h.query(r)
	if err != nil {
		return Report{}, v, err
	}
	q.Records = records
	rep, err := h.Build(r.Context(), q.P, q, web.Lang(r.Context()))
	if err != nil {
		return Report{}, v, err
	}
	if id := v.Get("draft"); id != "" {
		d, err := h.Drafts.Get(r.Context(), q.P, id)
		if err != nil {
			return Report{}, v, err
		}
		if d.From != rep.From || d.To != rep.To || d.Region != rep.Region {
			return Report{}, v, errs.Field("draft", "report.draft_other_period", nil)
		}
		rep = rep.WithDraft(d)
	}
	return rep, v, nil
}

func (h *Handlers) title(r *http.Request, rep Report) string {
	return h.UI.I18n.T(web.Lang(r.Context()), "report.title", map[string]any{"From": rep.From, "To": rep.To})
}

func (h *Handlers) page(w http.ResponseWriter, r *http.Request) {
	rep, v, err := h.build(r, false)
	f := web.EmptyForm(map[string]string{"from": v.Get("from"), "to": v.Get("to"), "region": v.Get("region")})
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.IsInvalid, func(status int) {
			h.UI.Show(w, r, status, "report", "report.page_title", "reports", map[string]any{"Failed": true, "Scopes": h.scopes(r)}, f)
		})
		return
	}
	h.show(w, r, http.StatusOK, rep, v, f)
}

func (h *Handlers) show(w http.ResponseWriter, r *http.Request, status int, rep Report, v url.Values, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	versions, err := h.Drafts.Versions(r.Context(), p, rep.From, rep.To, rep.Region)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	for k, t := range rep.Narrative {
		if f.Get("narrative."+k) == "" {
			f.Values["narrative."+k] = t
		}
	}
	if f.Get("title") == "" {
		f.Values["title"] = h.title(r, rep)
	}
	h.UI.Show(w, r, status, "report", "report.page_title", "reports", map[string]any{"Report": rep, "Query": v.Encode(),
		"Versions": versions, "Draft": v.Get("draft"), "CanWrite": h.UI.Policy.Allows("POST /reports/drafts", p.Role), "Scopes": h.scopes(r)}, f)
}

// saveDraft stores the narrative typed on the page as a new version; an
// invalid draft is shown again with what was typed.
func (h *Handlers) saveDraft(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	q := url.Values{"from": {f.Get("from")}, "to": {f.Get("to")}, "region": {f.Get("region")}}
	d := Draft{From: f.Get("from"), To: f.Get("to"), Region: f.Get("region"), Title: f.Get("title"), Narrative: map[string]string{}}
	for k, v := range f.Values {
		if sec, ok := strings.CutPrefix(k, "narrative."); ok {
			d.Narrative[sec] = v
		}
	}
	p := web.PrincipalFrom(r.Context())
	period, err := figure.NewPeriod(d.From, d.To)
	if err != nil {
		h.UI.Error(w, r, errs.Field("from", "report.bad_period", nil))
		return
	}
	d.From, d.To = period.FromDay(), period.ToDay()
	if h.CheckScope != nil && d.Region != "" {
		if err := h.CheckScope(r.Context(), p, d.Region); err != nil {
			h.UI.Error(w, r, err)
			return
		}
	}
	saved, err := h.Drafts.Save(r.Context(), p, d)
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.IsInvalid, func(status int) {
			rep, herr := h.Build(r.Context(), p, figure.Query{Period: period, Region: d.Region, P: p}, web.Lang(r.Context()))
			if herr != nil {
				h.UI.Error(w, r, herr)
				return
			}
			h.show(w, r, status, rep.WithDraft(d), q, f)
		})
		return
	}
	q.Set("draft", saved.ID)
	h.UI.Redirect(w, r, "/reports?"+q.Encode(), "report.saved", "Version", saved.Version)
}

func (h *Handlers) apiDrafts(w http.ResponseWriter, r *http.Request) {
	q, _, err := h.query(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	ds, err := h.Drafts.Versions(r.Context(), q.P, q.Period.FromDay(), q.Period.ToDay(), q.Region)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, web.ItemList[Draft]{Items: nonNilDrafts(ds)})
}

func nonNilDrafts(ds []Draft) []Draft {
	if ds == nil {
		return []Draft{}
	}
	return ds
}

func (h *Handlers) exportPDF(w http.ResponseWriter, r *http.Request) {
	rep, _, err := h.build(r, false)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.SendPDF(w, r, "report-"+rep.From+"-"+rep.To+".pdf", func(out io.Writer) error { return rep.PDF(out, h.Issuer, h.title(r, rep)) })
}

func (h *Handlers) exportDOCX(w http.ResponseWriter, r *http.Request) {
	rep, _, err := h.build(r, false)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := rep.DOCX(&buf, h.title(r, rep)); err != nil {
		h.UI.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape("report-"+rep.From+"-"+rep.To+".docx"))
	_, _ = w.Write(buf.Bytes())
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
	_, _ = w.Write([]byte(rep.Text(h.title(r, rep))))
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
func (r Report) JSON() FiguresAnswer {
	figs := map[string]FigureAnswer{}
	for id, it := range r.Figures() {
		nums := map[string]NumberAnswer{}
		for _, n := range it.Value.Numbers {
			nums[n.Key] = NumberAnswer{Kind: n.Kind, Link: n.Link, Records: nonNil(n.Records), Unit: unitName(n.Unit), Value: amount(n)}
		}
		f := FigureAnswer{Label: it.Label, Numbers: nums, Problem: it.Problem, Section: it.Section, Sentence: it.Sentence,
			Warnings: it.Value.Warnings, Words: it.Value.Words}
		if it.LastYear != nil {
			f.LastYear = map[string]float64{}
			for _, n := range it.LastYear.Numbers {
				f.LastYear[n.Key] = amount(n)
			}
		}
		figs[id] = f
	}
	return FiguresAnswer{Figures: figs, From: r.From, Region: r.Region, To: r.To}
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
