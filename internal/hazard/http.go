package hazard

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"yingji/internal/attach"
	"yingji/internal/auth"
	"yingji/internal/enterprise"
	"yingji/internal/errs"
	"yingji/internal/org"
	"yingji/internal/web"
	"yingji/internal/xlsx"
)

// Templates, Locales and the pages' stylesheet.
//
//go:embed templates/*.html
var Templates embed.FS

//go:embed locales/*.json
var Locales embed.FS

//go:embed assets/hazard.css
var css []byte

// Handlers serve the hazard pages and API.
type Handlers struct {
	UI  *web.UI
	Svc *Service
	Org *org.Service
	Ent *enterprise.Service
}

// Role groups of the policy.
var (
	readers = []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer, auth.RoleDuty, auth.RoleTown,
		auth.RoleDepartment, auth.RoleEnterprise, auth.RoleReadOnly}
	staffReaders = []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer, auth.RoleDuty, auth.RoleTown,
		auth.RoleDepartment, auth.RoleReadOnly}
	// actors report hazards and take steps (MayAct decides which).
	actors = []auth.Role{auth.RoleAdmin, auth.RoleSection, auth.RoleEnforcer, auth.RoleTown, auth.RoleDepartment, auth.RoleEnterprise}
)

// Routes declares the hazard routes, each once: pattern, roles, handler and
// API summary (the Excel routes are the ledger kit's: no handler here).
func (h *Handlers) Routes() web.Routes {
	enterprise := []auth.Role{auth.RoleEnterprise}
	return web.Routes{
		{Pattern: "GET /hazards", Roles: readers, Handler: h.list},
		{Pattern: "GET /hazards/new", Roles: actors, Handler: h.newForm},
		{Pattern: "POST /hazards", Roles: actors, Handler: h.create},
		{Pattern: "GET /hazards/{id}", Roles: readers, Handler: h.show},
		{Pattern: "POST /hazards/{id}/steps", Roles: actors, Handler: h.step},
		{Pattern: "GET /hazards/files/{id}", Roles: readers, Handler: h.file},
		{Pattern: "GET /hazards/overdue", Roles: readers, Handler: h.overdue},
		{Pattern: "GET /hazards/stats", Roles: readers, Handler: h.stats},
		{Pattern: "GET /hazards/stats/export", Roles: readers, Handler: h.statsExport},
		{Pattern: "GET /hazards/enterprises", Roles: actors, Handler: h.enterprises},
		{Pattern: "GET /hazards/hazard.css", Roles: web.AnyUser, Handler: h.stylesheet},
		{Pattern: "GET /hazards/export", Roles: readers},
		{Pattern: "GET /hazards/template", Roles: Importers},
		{Pattern: "GET /hazards/import", Roles: Importers},
		{Pattern: "POST /hazards/import", Roles: Importers},
		{Pattern: "GET /self-reports", Roles: readers, Handler: h.selfReports},
		{Pattern: "POST /self-reports", Roles: enterprise, Handler: h.submitSelf},
		{Pattern: "GET /self-reports/export", Roles: staffReaders},
		{Pattern: "GET /api/v1/hazards", Roles: readers, Handler: h.apiList, API: "隐患台账（town, sector, grade, state, open, source, overdue, card, from, to, enterprise, campaign, listed, extended, unit, q, page, size），" +
			"附筛选结果的统计 counts / The hazard ledger with the counts of the filtered set"},
		{Pattern: "POST /api/v1/hazards", Roles: actors, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.Svc.Report), API: "上报隐患（enterprise_id 或 place_name+town_code, source, description, found_on …） / Report a hazard"},
		{Pattern: "GET /api/v1/hazards/{id}", Roles: readers, Handler: h.apiGet, API: "隐患详情、全过程记录与当前可执行的操作 / A hazard with its timeline and allowed actions"},
		{Pattern: "POST /api/v1/hazards/{id}/steps", Roles: actors, Handler: web.BodyJSONByID(h.UI, http.StatusOK, h.apiStep), API: "执行一步（action: grade, order, start, submit, verify, return, close, self_done；照片须通过网页表单上传；延期须经 /api/v1/supervision/extensions 申请并审批） / Take a step (files only through the web form; extensions only through an approved extension request)"},
		{Pattern: "GET /api/v1/hazards/stats", Roles: readers, Handler: h.apiStats, API: "隐患统计（by=grade|source|sector|town_code|state|campaign|category，from, to 及台账筛选条件） / Statistics for a period"},
		{Pattern: "GET /api/v1/hazards/clauses", Roles: readers, Handler: h.apiClauses, API: "重大事故隐患判定标准条款（q 关键词, found 发现日期：只列当日施行的标准） / Determination-standard clauses"},
		{Pattern: "GET /api/v1/self-reports", Roles: readers, Handler: h.apiSelfReports, API: "企业隐患自查自报（period=2022Q1|2022, town, sector, state） / Enterprise self-reports of a period"},
		{Pattern: "POST /api/v1/self-reports", Roles: enterprise, Handler: web.BodyJSON(h.UI, http.StatusOK, h.Svc.SubmitSelfReport), API: "企业报送季度或年度隐患统计（period, found, rectified, major, major_rectified, signed_by） / Submit a self-report"},
	}
}

func (h *Handlers) stylesheet(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(css)
}

// lookups are the code lists and names the pages need.
func (h *Handlers) lookups(ctx context.Context, p *auth.Principal) (map[string]any, error) {
	towns, err := h.Org.ListRegions(ctx, p, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		return nil, err
	}
	all := &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}
	regions, err := h.Org.ListRegions(ctx, all, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, x := range regions {
		names[x.Code] = x.Name
	}
	units, err := h.Org.ListUnits(ctx, all, org.UnitFilter{})
	if err != nil {
		return nil, err
	}
	unitNames, sectionOf := map[string]string{}, map[string]string{}
	var recorders []org.Unit
	for _, u := range units {
		unitNames[u.ID] = u.Name
		if u.Kind == org.UnitSection {
			for _, sc := range u.Sectors {
				sectionOf[sc] = u.Name
			}
		}
		if u.Kind == org.UnitSection || u.Kind == org.UnitDepartment || u.Kind == org.UnitTown {
			recorders = append(recorders, u)
		}
	}
	sectors := org.Sectors
	if p.Role == auth.RoleSection {
		sectors = nil
		for _, s := range org.Sectors {
			for _, x := range p.Sectors {
				if x == s[0] {
					sectors = append(sectors, s)
				}
			}
		}
	}
	campaigns, err := h.Svc.Campaigns(ctx, p)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Towns": towns, "RegionNames": names, "UnitNames": unitNames, "SectionOf": sectionOf, "Units": recorders,
		"Sectors": sectors, "Sources": Sources, "Grades": []Grade{General, Major}, "States": States, "Categories": Categories,
		"Cards": []Card{Yellow, Red}, "Campaigns": campaigns, "Today": h.Svc.Today()}, nil
}

// Row is a ledger row with what the page computes.
type Row struct {
	R    Record
	Card Card // the card on today's date (the sweep may not have run)
	Days int  // days overdue
}

// rows computes the rows' cards under the county's card rules.
func (h *Handlers) rows(ctx context.Context, p *auth.Principal, list []Record) ([]Row, error) {
	today := h.Svc.Today()
	rules, err := h.Svc.CardRules(ctx, p.CountyCode)
	if err != nil {
		return nil, err
	}
	out := make([]Row, len(list))
	for i, r := range list {
		out[i] = Row{R: r, Card: CardFor(r.Rules(), mustDate(today), rules), Days: DaysOverdue(r, today)}
	}
	return out, nil
}

func (h *Handlers) render(w http.ResponseWriter, r *http.Request, status int, name, titleID, active string, data map[string]any, f *web.Form) {
	h.UI.Show(w, r, status, name, titleID, active, data, f)
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := FilterOf(r.URL.Query(), h.Svc.Today())
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.Size, pg.Offset()
	list, counts, err := h.Svc.Page(r.Context(), p, f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.lookups(r.Context(), p)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if f.Enterprise != "" {
		if n, err := h.Ent.Names(r.Context(), p, []string{f.Enterprise}); err == nil {
			data["EnterpriseName"] = n[f.Enterprise]
		}
	}
	rows, err := h.rows(r.Context(), p, list)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data["Rows"], data["Counts"], data["Pager"] = rows, counts, web.PagerOf(pg, counts.Found)
	h.render(w, r, http.StatusOK, "hazards", "hazard.ledger_title", "hazards", data, nil)
}

// Forms

// newValues are the report form's initial values.
func (h *Handlers) newValues(r *http.Request) map[string]string {
	p := web.PrincipalFrom(r.Context())
	v := map[string]string{"found_on": h.Svc.Today(), "source": string(SourceInspection), "enterprise_id": r.URL.Query().Get("enterprise"),
		"campaign": r.URL.Query().Get("campaign")}
	switch p.Role {
	case auth.RoleDepartment:
		v["source"], v["where"] = string(SourceDepartment), "place"
	case auth.RoleTown:
		v["town_code"] = p.RegionCode
	case auth.RoleEnterprise:
		v["source"], v["enterprise_id"] = string(SourceSelfCheck), p.EnterpriseID
	}
	if v["enterprise_id"] != "" {
		v["where"] = "enterprise"
	}
	return v
}

func (h *Handlers) newForm(w http.ResponseWriter, r *http.Request) {
	h.reportForm(w, r, http.StatusOK, web.EmptyForm(h.newValues(r)))
}

func (h *Handlers) reportForm(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	data, err := h.lookups(r.Context(), p)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if id := f.Get("enterprise_id"); id != "" {
		if e, err := h.Ent.Get(r.Context(), p, id); err == nil {
			data["Enterprise"] = e
		}
	}
	// The form offers only the sources the user may record (a department
	// is not offered 企业自查).
	data["Sources"] = SourcesFor(p.Role)
	h.render(w, r, status, "hazard_form", "hazard.new", "hazards", data, f)
}

// maxUpload bounds a form with photos.
const maxUpload = 64 << 20

// parseForm reads a urlencoded or multipart form; the files of field
// "photos" become uploads (closed by the returned function).
func parseForm(w http.ResponseWriter, r *http.Request) (*web.Form, []attach.Upload, func(), error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	done := func() {}
	if err := r.ParseMultipartForm(8 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return web.NewForm(r), nil, done, errs.Field("photos", "hazard.upload_failed", nil)
	}
	f := web.NewForm(r)
	var ups []attach.Upload
	var opened []multipart.File
	done = func() {
		for _, o := range opened {
			o.Close()
		}
		if r.MultipartForm != nil {
			_ = r.MultipartForm.RemoveAll()
		}
	}
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["photos"] {
			if fh.Size == 0 && fh.Filename == "" {
				continue
			}
			file, err := fh.Open()
			if err != nil {
				done()
				return f, nil, func() {}, errs.Field("photos", "hazard.upload_failed", nil)
			}
			opened = append(opened, file)
			ups = append(ups, attach.Upload{Filename: fh.Filename, Reader: file})
		}
	}
	return f, ups, done, nil
}

func newHazardOf(f *web.Form) NewHazard {
	return NewHazard{EnterpriseID: f.Get("enterprise_id"), PlaceName: f.Get("place_name"), TownCode: f.Get("town_code"),
		Source: Source(f.Get("source")), SourceRef: f.Get("source_ref"), Campaign: f.Get("campaign"), Category: Category(f.Get("category")),
		Description: f.Get("description"), Place: f.Get("place"), Responsible: f.Get("responsible"), Measures: f.Get("measures"),
		FoundOn: f.Get("found_on")}
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f, files, done, err := parseForm(w, r)
	defer done()
	var rec Record
	if err == nil {
		in := newHazardOf(f)
		if f.Get("where") == "place" {
			in.EnterpriseID = ""
		} else if in.EnterpriseID != "" {
			in.PlaceName = ""
		}
		rec, err = h.Svc.ReportFiles(r.Context(), p, in, files)
	}
	if err != nil {
		notInternal := func(err error) bool { return errs.KindOf(err) != errs.Internal }
		h.UI.FormFailed(w, r, f, err, notInternal, func(status int) {
			if len(errs.Fields(err)) > 0 {
				f.Error = h.UI.I18n.T(web.Lang(r.Context()), "form.invalid", nil)
			}
			h.reportForm(w, r, status, f)
		})
		return
	}
	h.UI.Redirect(w, r, "/hazards/"+rec.ID, "hazard.reported")
}

// Detail

// actionForm is one allowed action's form on the detail page.
type actionForm struct {
	Action Action
	Form   *web.Form
}

func (h *Handlers) show(w http.ResponseWriter, r *http.Request) {
	h.detail(w, r, http.StatusOK, "", nil)
}

// detail renders the hazard page; failed names the action whose form is
// shown again with what was typed and the error.
func (h *Handlers) detail(w http.ResponseWriter, r *http.Request, status int, failed Action, ff *web.Form) {
	p := web.PrincipalFrom(r.Context())
	rec, tl, err := h.hazardOf(r, p)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.lookups(r.Context(), p)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	today := h.Svc.Today()
	var forms []actionForm
	for _, a := range Allowed(rec.Rules()) {
		if !MayAct(p, rec, a) {
			continue
		}
		f := web.EmptyForm(h.stepDefaults(rec, a, today))
		if a == failed && ff != nil {
			f = ff
		}
		forms = append(forms, actionForm{Action: a, Form: f})
	}
	data["H"], data["Timeline"], data["Forms"], data["Failed"] = rec, tl, forms, failed
	if ff != nil && ff.Error != "" && !slices.ContainsFunc(forms, func(x actionForm) bool { return x.Action == failed }) {
		// The step is no longer possible (a colleague acted first, a page
		// left open): say why above the steps that are.
		data["StaleError"] = ff.Error
	}
	card, err := h.Svc.CardOf(r.Context(), rec)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data["Card"], data["Days"] = card, DaysOverdue(rec, today)
	// 延期: a request to the approver, not a step (package supervise).
	data["CanRequestExtension"] = p.Is(ExtensionRequesters...) && (rec.State == Ordered || rec.State == Rectifying)
	data["ClauseText"], data["Clauses"] = ClauseText(rec.Clause), ClausesOn(rec.Sector, rec.FoundOn)
	data["CanSeeEnterprise"] = rec.EnterpriseID != ""
	page := h.UI.NewPage(r, rec.PlaceName, data)
	page.Active = "hazards"
	if ff != nil {
		page.Form = ff
	}
	h.UI.Render(w, r, status, "hazard", page)
}

// hazardOf reads the path's hazard and its timeline.
func (h *Handlers) hazardOf(r *http.Request, p *auth.Principal) (Record, []Event, error) {
	rec, err := h.Svc.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return rec, nil, err
	}
	tl, err := h.Svc.Timeline(r.Context(), p, rec.ID)
	return rec, tl, err
}

// stepDefaults fills an action's form: today, a deadline two weeks on,
// the plan already entered.
func (h *Handlers) stepDefaults(rec Record, a Action, today string) map[string]string {
	v := map[string]string{"on": today, "action": string(a)}
	switch a {
	case ActGrade:
		v["grade"] = string(General)
	case ActOrder:
		v["deadline"] = Date(mustDate(today).AddDate(0, 0, 15))
	}
	if a == ActGrade || a == ActOrder {
		v["plan_measures"], v["plan_funds"], v["plan_deadline"], v["plan_person"], v["plan_emergency"] =
			rec.PlanMeasures, rec.PlanFunds, rec.PlanDeadline, rec.PlanPerson, rec.PlanEmergency
		v["clause"] = rec.Clause
	}
	return v
}

// invalidOrRefused is the step form's onForm: a bad field (422) and a
// step the hazard refuses (409) are both shown on the form, with what was
// typed.
func invalidOrRefused(err error) bool {
	k := errs.KindOf(err)
	return k == errs.Invalid || k == errs.Conflict
}

// stepOf reads a step from a form.
func stepOf(f *web.Form) StepInput {
	clause, _ := FindClause(f.Get("clause"))
	return StepInput{Action: Action(f.Get("action")), On: f.Get("on"), Grade: Grade(f.Get("grade")), Clause: clause, Deadline: f.Get("deadline"),
		OnSite: f.Get("on_site") == "on" || f.Get("on_site") == "1", DocNumber: f.Get("doc_number"), Reason: f.Get("reason"),
		PlanMeasures: f.Get("plan_measures"), PlanFunds: f.Get("plan_funds"), PlanDeadline: f.Get("plan_deadline"),
		PlanPerson: f.Get("plan_person"), PlanEmergency: f.Get("plan_emergency")}
}

func (h *Handlers) step(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	f, files, done, err := parseForm(w, r)
	defer done()
	in := stepOf(f)
	if err == nil {
		_, err = h.Svc.Do(r.Context(), p, id, in, files)
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, invalidOrRefused, func(status int) {
			if e, ok := errs.As(err); ok && f.Error == "" {
				f.Error = h.UI.Message(web.Lang(r.Context()), e)
			}
			h.detail(w, r, status, in.Action, f)
		})
		return
	}
	h.UI.Redirect(w, r, "/hazards/"+id, "hazard.step_done", "Action", h.UI.I18n.T(web.Lang(r.Context()), "hazard.action."+string(in.Action), nil))
}

func (h *Handlers) file(w http.ResponseWriter, r *http.Request) {
	a, rc, err := h.Svc.File(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	defer rc.Close()
	disp := "attachment"
	if strings.HasPrefix(a.ContentType, "image/") || a.ContentType == attach.TypePDF {
		disp = "inline"
	}
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Length", strconv.FormatInt(a.Size, 10))
	w.Header().Set("Content-Disposition", disp+"; filename*=UTF-8''"+url.PathEscape(a.Filename))
	w.Header().Set("Cache-Control", "private, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = io.Copy(w, rc)
}

// enterprises answers the report form's enterprise search: the
// enterprises in scope whose name contains q (or with that credit code),
// as JSON, or as <option> elements for htmx.
func (h *Handlers) enterprises(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	list, _, err := h.Ent.List(r.Context(), p, enterprise.Filter{Q: q, Limit: 20})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	type item struct {
		ID         string `json:"id"`
		Name       string `json:"name"`
		CreditCode string `json:"credit_code"`
		TownCode   string `json:"town_code"`
		Sector     string `json:"sector"`
	}
	items := []item{}
	for _, e := range list {
		items = append(items, item{e.ID, e.Name, e.CreditCode, e.TownCode, e.Sector})
	}
	if r.Header.Get("HX-Request") == "" {
		web.JSON(w, http.StatusOK, map[string]any{"items": items})
		return
	}
	var b strings.Builder
	lang := web.Lang(r.Context())
	if len(items) == 0 {
		b.WriteString(`<option value="">` + html.EscapeString(h.UI.I18n.T(lang, "hazard.no_enterprise_found", nil)) + `</option>`)
	}
	for _, it := range items {
		fmt.Fprintf(&b, `<option value="%s">%s（%s）</option>`, html.EscapeString(it.ID), html.EscapeString(it.Name), html.EscapeString(it.CreditCode))
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = io.WriteString(w, b.String())
}

// Overdue board

// overdueGroup is one town's or section's overdue hazards.
type overdueGroup struct {
	Key, Name string
	Rows      []Row
	MaxDays   int
}

func (h *Handlers) overdue(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	q := r.URL.Query()
	f := FilterOf(q, h.Svc.Today())
	list, total, err := h.Svc.OverdueList(r.Context(), p, f, 2000)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.lookups(r.Context(), p)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	by := q.Get("by")
	if by != "section" {
		by = "town"
	}
	names, sectionOf, units := data["RegionNames"].(map[string]string), data["SectionOf"].(map[string]string), data["UnitNames"].(map[string]string)
	groups := map[string]*overdueGroup{}
	var order []*overdueGroup
	rows, err := h.rows(r.Context(), p, list)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	for _, row := range rows {
		key, name := row.R.TownCode, names[row.R.TownCode]
		if by == "section" {
			key = sectionOf[row.R.Sector]
			if key == "" {
				key = units[row.R.UnitID]
			}
			name = key
		}
		g := groups[key]
		if g == nil {
			g = &overdueGroup{Key: key, Name: name}
			groups[key] = g
			order = append(order, g)
		}
		g.Rows = append(g.Rows, row)
		g.MaxDays = max(g.MaxDays, row.Days)
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i].MaxDays > order[j].MaxDays })
	data["Groups"], data["Total"], data["Shown"], data["By"] = order, total, len(list), by
	// The bureau's own clocks (not the enterprise's card): majors not
	// listed for supervision in time, rectifications not verified in time.
	if p.Role != auth.RoleEnterprise {
		unlisted, err := h.Svc.LateListings(r.Context(), p, f)
		if err != nil {
			h.UI.Error(w, r, err)
			return
		}
		reviews, err := h.Svc.LateReviews(r.Context(), p, f)
		if err != nil {
			h.UI.Error(w, r, err)
			return
		}
		clocks, err := h.Svc.clocksOf(r.Context(), p.CountyCode)
		if err != nil {
			h.UI.Error(w, r, err)
			return
		}
		data["LateListings"], data["LateReviews"], data["Clocks"] = unlisted, reviews, clocks
	}
	h.render(w, r, http.StatusOK, "hazard_overdue", "hazard.overdue_title", "hazards_overdue", data, nil)
}

// Statistics

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

func (h *Handlers) selfReports(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	if p.Role == auth.RoleEnterprise {
		h.selfForm(w, r, http.StatusOK, nil)
		return
	}
	q := r.URL.Query()
	now := h.Svc.now()
	per, err := ParsePeriod(q.Get("period"))
	if err != nil {
		per = h.Svc.LatestReportedPeriod(r.Context(), p, now)
	}
	list, counts, err := h.Svc.SelfReportStatuses(r.Context(), p, per, SelfFilter{Town: q.Get("town"), Sector: q.Get("sector"), State: q.Get("state"), Q: q.Get("q")}, now)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.lookups(r.Context(), p)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	pg := web.PagingOf(r)
	from, to := min(pg.Offset(), len(list)), min(pg.Offset()+pg.Size, len(list))
	data["Period"], data["Due"], data["Statuses"], data["SelfCounts"] = per.String(), Date(per.Due()), list[from:to], counts
	data["Periods"], data["Pager"] = PeriodsEnded(day(now).Year()-5, now), web.PagerOf(pg, len(list))
	data["SelfStates"] = []string{SelfMissing, SelfLate, SelfOnTime, "submitted", SelfPending}
	data["PeriodLabel"] = per.Label(web.Lang(r.Context()))
	h.render(w, r, http.StatusOK, "self_reports", "hazard.self_title", "self_reports", data, nil)
}

// periodRow is one period on an enterprise's self-report page.
type periodRow struct {
	Period string
	Label  string
	Due    string
	State  string
	Report *SelfReport
}

// selfForm is the enterprise's page: its periods and the submit form of
// one (?period=, by default the latest one not reported yet, else the
// latest).
func (h *Handlers) selfForm(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	now := h.Svc.now()
	today := Date(now)
	reports, err := h.Svc.SelfReportsOf(r.Context(), p, p.EnterpriseID)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	var rows []periodRow
	chosen := r.URL.Query().Get("period")
	if f != nil {
		chosen = f.Get("period")
	}
	// Periods of the last four years, and back to the enterprise's first
	// report; the form opens on the latest period not yet reported.
	from := day(now).Year() - 4
	for k := range reports {
		if per, err := ParsePeriod(k); err == nil && per.Year < from {
			from = per.Year
		}
	}
	ent, err := h.Ent.Get(r.Context(), p, p.EnterpriseID)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	latestMissing := ""
	for _, per := range PeriodsEnded(from, now) {
		if _, ok := reports[per.String()]; !ok && !Obliged(ent, per) {
			continue // before the enterprise was registered
		}
		row := periodRow{Period: per.String(), Label: per.Label(web.Lang(r.Context())), Due: Date(per.Due())}
		if rep, ok := reports[row.Period]; ok {
			row.Report = &rep
			row.State = SelfOnTime
			if rep.SubmittedOn > row.Due {
				row.State = SelfLate
			}
		} else {
			row.State = SelfPending
			if today > row.Due {
				row.State = SelfMissing
			}
			if latestMissing == "" {
				latestMissing = row.Period
			}
		}
		rows = append(rows, row)
	}
	if chosen == "" {
		chosen = latestMissing
		if chosen == "" && len(rows) > 0 {
			chosen = rows[0].Period
		}
	}
	if f == nil {
		v := map[string]string{"period": chosen}
		if per, err := ParsePeriod(chosen); err == nil {
			in, err := h.Svc.SelfFigures(r.Context(), p, p.EnterpriseID, per)
			if err != nil {
				h.UI.Error(w, r, err)
				return
			}
			if rep, ok := reports[chosen]; ok {
				in = SelfReportInput{Found: rep.Found, Rectified: rep.Rectified, Major: rep.Major, MajorRectified: rep.MajorRectified,
					SignedBy: rep.SignedBy, Note: rep.Note}
			} else {
				in.SignedBy = ent.PrincipalName
			}
			v["found"], v["rectified"], v["major"], v["major_rectified"] = strconv.Itoa(in.Found), strconv.Itoa(in.Rectified),
				strconv.Itoa(in.Major), strconv.Itoa(in.MajorRectified)
			v["signed_by"], v["note"] = in.SignedBy, in.Note
			v["due"] = Date(per.Due())
		}
		f = web.EmptyForm(v)
	}
	_, resubmit := reports[chosen]
	data := map[string]any{"Rows": rows, "Chosen": chosen, "Resubmit": resubmit, "ChosenLabel": chosen}
	if reg := Registered(ent); !reg.IsZero() {
		// The first period the enterprise owes: the quarter of its registration.
		first := Period{Year: reg.Year(), Quarter: (int(reg.Month())-1)/3 + 1}
		data["Registered"], data["FirstPeriod"], data["FirstDue"] = Date(reg), first.Label(web.Lang(r.Context())), Date(first.Due())
	}
	if per, err := ParsePeriod(chosen); err == nil {
		data["ChosenLabel"] = per.Label(web.Lang(r.Context()))
	}
	h.render(w, r, status, "self_report_form", "hazard.self_title", "self_reports", data, f)
}

func atoiField(f *web.Form, name string, fe *errs.FieldErrors) int {
	v := strings.TrimSpace(f.Get(name))
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		*fe = append(*fe, errs.Field(name, "hazard.self_number", nil))
	}
	return n
}

func (h *Handlers) submitSelf(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := web.NewForm(r)
	var fe errs.FieldErrors
	in := SelfReportInput{Period: f.Get("period"), Found: atoiField(f, "found", &fe), Rectified: atoiField(f, "rectified", &fe),
		Major: atoiField(f, "major", &fe), MajorRectified: atoiField(f, "major_rectified", &fe), SignedBy: f.Get("signed_by"), Note: f.Get("note")}
	err := fe.Err()
	if err == nil {
		_, err = h.Svc.SubmitSelfReport(r.Context(), p, in)
	}
	if err != nil {
		onForm := func(err error) bool { return errs.Fields(err) != nil || errs.KindOf(err) == errs.Invalid }
		h.UI.FormFailed(w, r, f, err, onForm, func(status int) {
			f.Error = h.UI.I18n.T(web.Lang(r.Context()), "form.invalid", nil)
			h.selfForm(w, r, status, f)
		})
		return
	}
	h.UI.Redirect(w, r, "/self-reports?period="+url.QueryEscape(in.Period), "hazard.self_submitted", "Period", in.Period)
}

// API

func (h *Handlers) apiList(w http.ResponseWriter, r *http.Request) {
	f := FilterOf(r.URL.Query(), h.Svc.Today())
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.Size, pg.Offset()
	list, counts, err := h.Svc.Page(r.Context(), web.PrincipalFrom(r.Context()), f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if list == nil {
		list = []Record{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": list, "total": counts.Found, "counts": counts, "page": pg.Page, "size": pg.Size})
}

func (h *Handlers) apiGet(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	rec, tl, err := h.hazardOf(r, p)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	allowed := []Action{}
	for _, a := range Allowed(rec.Rules()) {
		if MayAct(p, rec, a) {
			allowed = append(allowed, a)
		}
	}
	if tl == nil {
		tl = []Event{}
	}
	card, err := h.Svc.CardOf(r.Context(), rec)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, map[string]any{"hazard": rec, "timeline": tl, "allowed": allowed, "card": card, "clause": ClauseText(rec.Clause)})
}

// apiStep takes a step sent as JSON (no files: those only through the
// web form); the clause may be given by its number or text.
func (h *Handlers) apiStep(ctx context.Context, p *auth.Principal, id string, in StepInput) (Record, error) {
	in.Clause, _ = FindClause(in.Clause)
	return h.Svc.Do(ctx, p, id, in, nil)
}

func (h *Handlers) apiStats(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := h.statsFilter(r.Context(), p, r.URL.Query())
	rows, err := h.Svc.StatsBy(r.Context(), p, f, r.URL.Query().Get("by"))
	if err != nil {
		h.UI.Error(w, r, errs.Field("by", "field.invalid", nil))
		return
	}
	if rows == nil {
		rows = []StatRow{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"from": f.From, "to": f.To, "by": r.URL.Query().Get("by"), "rows": rows})
}

func (h *Handlers) apiClauses(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	list := []Clause{}
	for _, c := range SearchClauses(q.Get("q")) {
		// found: only the clauses in force on that finding day.
		if ClauseInForce(c.Code, q.Get("found")) {
			list = append(list, c)
		}
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": list, "standards": Standards, "periods": standardPeriods})
}

func (h *Handlers) apiSelfReports(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	q := r.URL.Query()
	now := h.Svc.now()
	per, err := ParsePeriod(q.Get("period"))
	if err != nil {
		per = h.Svc.LatestReportedPeriod(r.Context(), p, now)
	}
	list, counts, err := h.Svc.SelfReportStatuses(r.Context(), p, per, SelfFilter{Town: q.Get("town"), Sector: q.Get("sector"), State: q.Get("state"), Q: q.Get("q")}, now)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if list == nil {
		list = []SelfReportStatus{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"period": per.String(), "due": Date(per.Due()), "items": list, "counts": counts})
}
