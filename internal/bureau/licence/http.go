package licence

import (
	"embed"
	"net/http"
	"sync"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/auth"
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

func newAppOf(f *web.Form) NewApplication {
	return NewApplication{EnterpriseID: f.Get("enterprise_id"), Type: f.Get("type"), Kind: f.Get("kind"), PrevNumber: f.Get("prev_number"),
		SubmittedOn: f.Get("submitted_on"), Scope: f.Get("scope"), Note: f.Get("note")}
}
