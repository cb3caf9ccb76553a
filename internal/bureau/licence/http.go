package licence

import (
	"context"
	"embed"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/org"
	"yingji/internal/kit/pdfdoc"
	"yingji/internal/kit/store"
	"yingji/internal/kit/web"
)

// Templates and Locales of the licence pages.
//
//go:embed templates/*.html
var Templates embed.FS

//go:embed locales/*.json
var Locales embed.FS

// Handlers serve the licence pages and API.
type Handlers struct {
	UI  *web.UI
	DB  *store.DB
	Svc *Service
	Org *org.Service
	Ent *enterprise.Service

	pdfOnce sync.Once
	pdf     *pdfdoc.Renderer
	pdfErr  error
}

// Roles of the licence routes.
var (
	// readers: the bureau's staff, towns and departments within their
	// scope, and enterprise accounts for their own enterprise.
	readers = []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer, auth.RoleDuty, auth.RoleTown,
		auth.RoleDepartment, auth.RoleEnterprise, auth.RoleReadOnly}
	// writers take the county's steps: administrators and the sections.
	writers = []auth.Role{auth.RoleAdmin, auth.RoleSection}
	// deciders record the licensing decision: writers and leaders.
	deciders = []auth.Role{auth.RoleAdmin, auth.RoleSection, auth.RoleLeader}
	// submitters file applications: writers, and enterprises for themselves.
	submitters = []auth.Role{auth.RoleAdmin, auth.RoleSection, auth.RoleEnterprise}
)

// actionRoutes maps the application step routes to their actions.
var actionRoutes = map[string]string{
	"accept": ActAccept, "not-accept": ActNotAccept, "review": ActReview, "decide": ActDecide, "issue": ActIssue,
	"preliminary": ActPrelim, "forward": ActForward, "city-result": ActCityResult,
}

// Routes declares the licence routes, each once: pattern, roles, handler and
// API summary (the Excel routes are the ledger kit's: no handler here).
func (h *Handlers) Routes() web.Routes {
	rs := web.Routes{
		{Pattern: "GET /licences", Roles: readers, Handler: h.licences},
		{Pattern: "GET /licences/{id}", Roles: readers, Handler: h.licence},
		{Pattern: "GET /licences/{id}/pdf", Roles: readers, Handler: h.licencePDF},
		{Pattern: "POST /licences/{id}/cancel", Roles: writers, Handler: h.cancel},
		{Pattern: "GET /licences/export", Roles: readers},
		{Pattern: "GET /licences/template", Roles: writers},
		{Pattern: "GET /licences/import", Roles: writers},
		{Pattern: "POST /licences/import", Roles: writers},
		{Pattern: "GET /licence-applications", Roles: readers, Handler: h.applications},
		{Pattern: "GET /licence-applications/export", Roles: readers},
		{Pattern: "GET /licence-applications/new", Roles: submitters, Handler: h.newForm},
		{Pattern: "POST /licence-applications", Roles: submitters, Handler: h.create},
		{Pattern: "GET /licence-applications/{id}", Roles: readers, Handler: h.application},
		{Pattern: "GET /licence-applications/{id}/decision.pdf", Roles: readers, Handler: h.decisionPDF},
		{Pattern: "GET /licence-settings", Roles: []auth.Role{auth.RoleAdmin}, Handler: h.settingsForm},
		{Pattern: "POST /licence-settings", Roles: []auth.Role{auth.RoleAdmin}, Handler: h.saveSettings},
		{Pattern: "GET /api/v1/licences", Out: web.PagedList[LicRow]{}, Roles: readers, Handler: web.PagedJSON(h.UI, h.licencesOf), API: "许可证台账（type, status, town, enterprise, q, from, to, within） / Licence register"},
		{Pattern: "GET /api/v1/licences/{id}", Out: LicView{}, Roles: readers, Handler: web.GetJSON(h.UI, h.Svc.GetLicence), API: "许可证详情 / One licence"},
		{Pattern: "GET /api/v1/licence-applications", Out: web.PagedList[AppRow]{}, Roles: readers, Handler: web.PagedJSON(h.UI, h.applicationsOf), API: "许可申请（type, kind, state, open, town, enterprise, q, from, to） / Licence applications"},
		{Pattern: "POST /api/v1/licence-applications", In: NewApplication{}, Out: Application{}, Roles: submitters, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.Svc.CreateApplication), API: "登记许可申请 / File an application"},
		{Pattern: "GET /api/v1/licence-applications/{id}", Out: AppView{}, Roles: readers, Handler: web.GetJSON(h.UI, h.apiApplication), API: "许可申请详情、计时、办理过程 / An application with its clock and timeline"},
		{Pattern: "POST /api/v1/licence-applications/{id}/actions", In: Action{}, Out: Application{}, Roles: deciders, Handler: web.BodyJSONByID(h.UI, http.StatusOK, h.Svc.Act), API: "办理一个环节（accept, not_accept, review, decide, issue, preliminary, forward, city_result） / Take a step"},
	}
	// The application's steps, one route each.
	for seg, act := range actionRoutes {
		roles := writers
		if Decider(act) {
			roles = deciders
		}
		rs = append(rs, web.Endpoint{Pattern: "POST /licence-applications/{id}/" + seg, Roles: roles, Handler: h.act(act)})
	}
	return rs
}

// lookups are the code lists the pages need.
func (h *Handlers) lookups(r *http.Request) (map[string]any, error) {
	p := web.PrincipalFrom(r.Context())
	towns, err := h.Org.ListRegions(r.Context(), p, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, t := range towns {
		names[t.Code] = t.Name
	}
	return map[string]any{"Towns": towns, "RegionNames": names, "Types": Types, "Kinds": Kinds, "States": States, "Shows": Shows,
		"Today": Today(h.Svc.now()).Format(DateLayout)}, nil
}

func (h *Handlers) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data map[string]any, f *web.Form) {
	page := h.UI.NewPage(r, title, data)
	page.Title = page.T(title) // a message ID, or a literal title passed through
	page.Active = "licences"
	page.Form = f
	h.UI.Render(w, r, status, name, page)
}

func (h *Handlers) licences(w http.ResponseWriter, r *http.Request) {
	pg := web.PagingOf(r)
	list, total, err := h.licencesOf(r, pg)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.listLookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data["Licences"], data["Pager"] = list, web.PagerOf(pg, total)
	h.render(w, r, http.StatusOK, "licences", "nav.licences", data, nil)
}

// listLookups are the lookups of a list page, with the enterprise the
// list is filtered by (?enterprise=) when there is one.
func (h *Handlers) listLookups(r *http.Request) (map[string]any, error) {
	data, err := h.lookups(r)
	if err != nil {
		return nil, err
	}
	if id := r.URL.Query().Get("enterprise"); id != "" {
		if e, err := h.Ent.Get(r.Context(), web.PrincipalFrom(r.Context()), id); err == nil {
			data["Enterprise"] = e
		}
	}
	return data, nil
}

func (h *Handlers) licence(w http.ResponseWriter, r *http.Request) {
	h.licencePage(w, r, http.StatusOK, nil)
}

func (h *Handlers) licencePage(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	v, err := h.Svc.GetLicence(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	hist, err := audit.ForEntity(r.Context(), h.DB.R(), "licence", v.ID)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if f == nil {
		f = web.EmptyForm(map[string]string{"date": data["Today"].(string)})
	}
	data["L"], data["History"] = v, hist
	data["CanApply"] = v.Status == LicenceActive && CanSubmit(p, v.Enterprise)
	// An expired licence cannot be extended (延期 is asked for before it
	// expires): the enterprise applies anew.
	today := Today(h.Svc.now())
	data["Expired"] = Show(v.Licence, today) == ShowExpired
	// 延期 of a 危险化学品经营许可证 is offered from 3 months before expiry;
	// before that the page says when it opens.
	data["RenewalOpen"] = RenewalOpen(v.Licence, today)
	if opens, ok := RenewalOpensOn(v.Type, v.ValidTo); ok {
		data["RenewalOpens"] = opens.Format(DateLayout)
	}
	h.render(w, r, status, "licence", v.Number, data, f)
}

// onForm tells the errors a licence form shows: field errors, and a
// conflict with the application's or licence's state.
func onForm(err error) bool { return errs.Fields(err) != nil || errs.KindOf(err) == errs.Conflict }

func (h *Handlers) cancel(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	_, err := h.Svc.CancelLicence(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), f.Get("date"), f.Get("reason"))
	if err != nil {
		h.UI.FormFailed(w, r, f, err, onForm, func(status int) { h.licencePage(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/licences/"+r.PathValue("id"), "licence.cancelled")
}

// renderer returns the PDF renderer, parsing the font on first use.
func (h *Handlers) renderer() (*pdfdoc.Renderer, error) {
	h.pdfOnce.Do(func() { h.pdf, h.pdfErr = pdfdoc.NewRenderer() })
	return h.pdf, h.pdfErr
}

func (h *Handlers) sendPDF(w http.ResponseWriter, r *http.Request, name string, d pdfdoc.Doc) {
	h.UI.SendPDF(w, r, name+".pdf", func(out io.Writer) error {
		rd, err := h.renderer()
		if err != nil {
			return err
		}
		return rd.Render(out, d)
	})
}

func (h *Handlers) licencePDF(w http.ResponseWriter, r *http.Request) {
	v, err := h.Svc.GetLicence(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	set, err := h.Svc.Settings(r.Context(), v.CountyCode)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.sendPDF(w, r, "许可证-"+v.Number, LicenceDoc(v.Licence, v.Enterprise, set.IssuerName, Today(h.Svc.now())))
}

func (h *Handlers) decisionPDF(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	v, err := h.Svc.GetApplication(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if v.Decision == "" {
		h.UI.Error(w, r, errs.New(errs.Conflict, "licence.no_decision"))
		return
	}
	set, err := h.Svc.Settings(r.Context(), v.CountyCode)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.sendPDF(w, r, "行政许可决定书-"+v.DecisionNumber, DecisionDoc(v.Application, v.Enterprise, v.Licence, set))
}

func (h *Handlers) applications(w http.ResponseWriter, r *http.Request) {
	pg := web.PagingOf(r)
	list, total, err := h.applicationsOf(r, pg)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.listLookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data["Applications"], data["Pager"] = list, web.PagerOf(pg, total)
	h.render(w, r, http.StatusOK, "licence_applications", "licence.applications", data, nil)
}

// candidates are the enterprises the principal may file an application
// for, by sector.
func (h *Handlers) candidates(ctx context.Context, p *auth.Principal) ([]enterprise.Enterprise, error) {
	var out []enterprise.Enterprise
	seen := map[string]bool{}
	for _, t := range Types {
		for _, sector := range t.Sectors {
			if seen[sector] {
				continue
			}
			seen[sector] = true
			err := h.Ent.Each(ctx, p, enterprise.Filter{Sector: sector}, func(e enterprise.Enterprise) error {
				if CanSubmit(p, e) {
					out = append(out, e)
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func (h *Handlers) form(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	ents, err := h.candidates(r.Context(), p)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data["Enterprises"] = ents
	if p.Role == auth.RoleEnterprise {
		if e, err := h.Ent.Get(r.Context(), p, p.EnterpriseID); err == nil {
			data["Own"] = e
		}
	}
	h.render(w, r, status, "licence_application_form", "licence.new_application", data, f)
}

func (h *Handlers) newForm(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := map[string]string{"kind": KindNew, "type": TypeFireworksRetail, "submitted_on": Today(h.Svc.now()).Format(DateLayout)}
	for _, k := range []string{"enterprise_id", "type", "kind", "prev_number"} {
		if x := q.Get(k); x != "" {
			v[k] = x
		}
	}
	h.form(w, r, http.StatusOK, web.EmptyForm(v))
}

func newAppOf(f *web.Form) NewApplication {
	return NewApplication{EnterpriseID: f.Get("enterprise_id"), Type: f.Get("type"), Kind: f.Get("kind"), PrevNumber: f.Get("prev_number"),
		SubmittedOn: f.Get("submitted_on"), Scope: f.Get("scope"), Note: f.Get("note")}
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	a, err := h.Svc.CreateApplication(r.Context(), web.PrincipalFrom(r.Context()), newAppOf(f))
	if err != nil {
		h.UI.FormFailed(w, r, f, err, onForm, func(status int) { h.form(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/licence-applications/"+a.ID, "licence.submitted")
}

// actionDefaults are the initial values of a step's form.
func actionDefaults(v AppView, set Settings, today string) map[string]string {
	m := map[string]string{"date": today, "scope": v.Scope}
	if from, err := ParseDay(today); err == nil {
		m["valid_from"] = today
		m["valid_to"] = AddYears(from, set.Years(v.Type)).Format(DateLayout)
	}
	if v.Kind == KindExtension && v.Prev != nil {
		// An extension continues from the day after the old licence ends.
		if end, err := ParseDay(v.Prev.ValidTo); err == nil {
			next := end.AddDate(0, 0, 1)
			if next.Format(DateLayout) > today {
				m["valid_from"] = next.Format(DateLayout)
				m["valid_to"] = AddYears(next, set.Years(v.Type)).Format(DateLayout)
			}
		}
	}
	return m
}

func (h *Handlers) application(w http.ResponseWriter, r *http.Request) {
	h.applicationPage(w, r, http.StatusOK, "", nil)
}

// applicationPage shows an application; posted (the form of act) is shown
// again with its errors after a refused step.
func (h *Handlers) applicationPage(w http.ResponseWriter, r *http.Request, status int, act string, posted *web.Form) {
	p := web.PrincipalFrom(r.Context())
	v, err := h.Svc.GetApplication(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	set, err := h.Svc.Settings(r.Context(), v.CountyCode)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	hist, err := audit.ForEntity(r.Context(), h.DB.R(), "licence_application", v.ID)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	forms := map[string]*web.Form{}
	defaults := actionDefaults(v, set, data["Today"].(string))
	for _, a := range v.Allowed {
		forms[a] = web.EmptyForm(defaults)
	}
	if posted != nil {
		forms[act] = posted
	}
	// The clock as it would stand if the decision were taken today.
	if v.Timer != nil && !v.Timer.Stopped && v.Timer.Overdue {
		data["LateToday"] = true
	}
	typ, _ := TypeOf(v.Type)
	data["V"], data["T"], data["Forms"], data["Act"], data["History"], data["Settings"] = v, typ, forms, act, hist, set
	data["NumberSample"] = fmt.Sprintf("（%s）%s〔%d〕N号", set.IssuerAbbr, typ.Prefix, Today(h.Svc.now()).Year())
	f := posted
	if f == nil {
		f = web.EmptyForm(nil)
	}
	title := v.Enterprise.Name + " · " + h.UI.I18n.T(web.Lang(r.Context()), "licence.type."+v.Type, nil)
	h.render(w, r, status, "licence_application", title, data, f)
}

func actionOf(name string, f *web.Form) Action {
	return Action{Name: name, Date: f.Get("date"), Note: f.Get("note"), Reason: f.Get("reason"), Decision: f.Get("decision"),
		OverdueReason: f.Get("overdue_reason"), Opinion: f.Get("opinion"), ValidFrom: f.Get("valid_from"), ValidTo: f.Get("valid_to"),
		Number: f.Get("number"), Scope: f.Get("scope")}
}

func (h *Handlers) act(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f := web.NewForm(r)
		_, err := h.Svc.Act(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), actionOf(name, f))
		if err != nil {
			h.UI.FormFailed(w, r, f, err, onForm, func(status int) {
				if len(f.Errors) > 0 {
					f.Error = h.UI.I18n.T(web.Lang(r.Context()), "form.invalid", nil)
				}
				h.applicationPage(w, r, status, name, f)
			})
			return
		}
		h.UI.Redirect(w, r, "/licence-applications/"+r.PathValue("id"), "licence.done."+name)
	}
}

func settingsValues(s Settings) map[string]string {
	v := map[string]string{"issuer_abbr": s.IssuerAbbr, "issuer_name": s.IssuerName, "city_name": s.CityName,
		"extra_holidays": strings.Join(s.ExtraHolidays, "\n"), "extra_workdays": strings.Join(s.ExtraWorkdays, "\n")}
	for _, t := range Types {
		v["limit_"+t.Code] = strconv.Itoa(s.Limit(t.Code))
		v["validity_"+t.Code] = strconv.Itoa(s.Years(t.Code))
	}
	return v
}

func (h *Handlers) settingsPage(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	data := map[string]any{"Types": Types, "Sample": FormatNumber(f.Get("issuer_abbr"), "LS", Today(h.Svc.now()).Year(), 1)}
	h.render(w, r, status, "licence_settings", "licence.settings", data, f)
}

func (h *Handlers) settingsForm(w http.ResponseWriter, r *http.Request) {
	s, err := h.Svc.Settings(r.Context(), web.PrincipalFrom(r.Context()).CountyCode)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.settingsPage(w, r, http.StatusOK, web.EmptyForm(settingsValues(s)))
}

func (h *Handlers) saveSettings(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	s := Settings{IssuerAbbr: f.Get("issuer_abbr"), IssuerName: f.Get("issuer_name"), CityName: f.Get("city_name"),
		Limits: map[string]int{}, Validity: map[string]int{},
		ExtraHolidays: SplitDates(r.PostForm.Get("extra_holidays")), ExtraWorkdays: SplitDates(r.PostForm.Get("extra_workdays"))}
	for _, t := range Types {
		s.Limits[t.Code], _ = strconv.Atoi(f.Get("limit_" + t.Code))
		s.Validity[t.Code], _ = strconv.Atoi(f.Get("validity_" + t.Code))
	}
	if _, err := h.Svc.SaveSettings(r.Context(), web.PrincipalFrom(r.Context()), s); err != nil {
		h.UI.FormFailed(w, r, f, err, web.HasFieldErrors, func(status int) { h.settingsPage(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/licence-settings", "action.saved")
}

// API

// licencesOf reads the page pg of the licences the request's query
// selects (for the page and the API).
func (h *Handlers) licencesOf(r *http.Request, pg web.Paging) ([]LicRow, int, error) {
	f := LicFilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	return h.Svc.ListLicences(r.Context(), web.PrincipalFrom(r.Context()), f)
}

// applicationsOf reads the page pg of the applications the request's
// query selects (for the page and the API).
func (h *Handlers) applicationsOf(r *http.Request, pg web.Paging) ([]AppRow, int, error) {
	f := AppFilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	return h.Svc.ListApplications(r.Context(), web.PrincipalFrom(r.Context()), f)
}

// apiApplication is an application with its events and allowed steps as
// lists (never null).
func (h *Handlers) apiApplication(ctx context.Context, p *auth.Principal, id string) (AppView, error) {
	v, err := h.Svc.GetApplication(ctx, p, id)
	if v.Events == nil {
		v.Events = []Event{}
	}
	if v.Allowed == nil {
		v.Allowed = []string{}
	}
	return v, err
}
