package enterprise

import (
	"context"
	"embed"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
	"yingji/internal/kit/web"
)

// Templates and Locales of the enterprise pages.
//
//go:embed templates/*.html
var Templates embed.FS

//go:embed locales/*.json
var Locales embed.FS

// Related is a count of another domain's records for an enterprise, shown
// on its page (facilities, licences, certificates, hazards …).
type Related struct {
	Label string // message ID
	Count int
	Link  string
	Warn  bool // show in red (e.g. an expired certificate)
}

// RelatedFunc gives another domain's records of an enterprise.
type RelatedFunc func(ctx context.Context, p *auth.Principal, e Enterprise) ([]Related, error)

// Handlers serve the enterprise pages and API.
type Handlers struct {
	UI      *web.UI
	DB      *store.DB
	Svc     *Service
	Org     *org.Service
	Related func() []RelatedFunc
}

// Routes declares the enterprise routes, each once: pattern, roles, handler and
// API summary (the Excel routes are the ledger kit's: no handler here).
func (h *Handlers) Routes() web.Routes {
	readers := []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer, auth.RoleDuty, auth.RoleTown,
		auth.RoleDepartment, auth.RoleEnterprise, auth.RoleReadOnly}
	staffReaders := []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer, auth.RoleDuty, auth.RoleTown,
		auth.RoleDepartment, auth.RoleReadOnly}
	creators := []auth.Role{auth.RoleAdmin, auth.RoleSection, auth.RoleTown}
	editors := []auth.Role{auth.RoleAdmin, auth.RoleSection, auth.RoleTown, auth.RoleEnterprise}
	approvers := []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection}
	return web.Routes{
		{Pattern: "GET /enterprises", Roles: staffReaders, Handler: h.list},
		{Pattern: "GET /enterprises/new", Roles: creators, Handler: h.newForm},
		{Pattern: "POST /enterprises", Roles: creators, Handler: h.create},
		{Pattern: "GET /enterprises/{id}", Roles: readers, Handler: h.show},
		{Pattern: "GET /enterprises/{id}/edit", Roles: editors, Handler: h.editForm},
		{Pattern: "POST /enterprises/{id}", Roles: editors, Handler: h.update},
		{Pattern: "GET /my-enterprise", Roles: []auth.Role{auth.RoleEnterprise}, Handler: h.mine},
		{Pattern: "GET /enterprise-changes", Roles: approvers, Handler: h.changes},
		{Pattern: "POST /enterprise-changes/{id}/approve", Roles: approvers, Handler: h.decide(true)},
		{Pattern: "POST /enterprise-changes/{id}/reject", Roles: approvers, Handler: h.decide(false)},
		{Pattern: "GET /enterprises/export", Roles: staffReaders},
		{Pattern: "GET /enterprises/template", Roles: creators},
		{Pattern: "GET /enterprises/import", Roles: creators},
		{Pattern: "POST /enterprises/import", Roles: creators},
		{Pattern: "GET /api/v1/enterprises", Out: web.PagedList[Enterprise]{}, Roles: readers, Handler: web.PagedJSON(h.UI, h.enterprisesOf)},
		{Pattern: "POST /api/v1/enterprises", In: Enterprise{}, Out: Enterprise{}, Roles: creators, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.apiCreate)},
		{Pattern: "GET /api/v1/enterprises/{id}", Out: Enterprise{}, Roles: readers, Handler: web.GetJSON(h.UI, h.Svc.Get)},
		{Pattern: "PUT /api/v1/enterprises/{id}", In: Enterprise{}, Out: Enterprise{}, Roles: editors, Handler: h.apiUpdate},
	}
}

// FilterOf reads the list filter from query parameters.
func FilterOf(q url.Values) Filter {
	return Filter{Q: q.Get("q"), Town: q.Get("town"), Sector: q.Get("sector"), Scale: q.Get("scale"), Special: q.Get("special"),
		Section: q.Get("section"), Status: q.Get("status"), Risk: q.Get("risk")}
}

// lookups are the code lists the pages need.
func (h *Handlers) lookups(r *http.Request) (map[string]any, error) {
	p := web.PrincipalFrom(r.Context())
	towns, err := h.Org.ListRegions(r.Context(), p, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		return nil, err
	}
	sections, err := h.Org.ListUnits(r.Context(), &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}, org.UnitFilter{Kind: org.UnitSection})
	if err != nil {
		return nil, err
	}
	all, err := h.Org.ListRegions(r.Context(), &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}, org.RegionFilter{})
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, x := range all {
		names[x.Code] = x.Name
	}
	secNames := map[string]string{}
	for _, x := range sections {
		secNames[x.ID] = x.Name
	}
	sectors := org.Sectors
	if p.Role == auth.RoleSection {
		sectors = org.Sectors.Subset(p.Sectors)
	}
	return map[string]any{"Towns": towns, "Sections": sections, "SectionNames": secNames, "RegionNames": names,
		"Sectors": sectors, "Scales": Scales, "Statuses": Statuses, "Risks": Risks, "Specials": Specials, "Regions": all}, nil
}

// enterprisesOf reads the page pg of the enterprises the request's query
// selects (for the page and the API).
func (h *Handlers) enterprisesOf(r *http.Request, pg web.Paging) ([]Enterprise, int, error) {
	f := FilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	return h.Svc.List(r.Context(), web.PrincipalFrom(r.Context()), f)
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	pg := web.PagingOf(r)
	list, total, err := h.enterprisesOf(r, pg)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data["Enterprises"], data["Pager"] = list, web.PagerOf(pg, total)
	h.UI.Show(w, r, http.StatusOK, "enterprises", "nav.enterprises", "enterprises", data, nil)
}

func (h *Handlers) form(w http.ResponseWriter, r *http.Request, status int, f *web.Form, e *Enterprise) {
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data["E"] = e
	title := "enterprise.new"
	if e != nil {
		title = "enterprise.edit"
	}
	h.UI.Show(w, r, status, "enterprise_form", title, "enterprises", data, f)
}

// formValues turns an enterprise into form values.
func formValues(e Enterprise) map[string]string {
	v := map[string]string{"name": e.Name, "credit_code": e.CreditCode, "address": e.Address, "town_code": e.TownCode,
		"village_code": e.VillageCode, "sector": e.Sector, "scale": e.Scale, "specials": strings.Join(e.Specials, ","),
		"section_id": e.SectionID, "principal_name": e.PrincipalName, "principal_phone": e.PrincipalPhone,
		"safety_name": e.SafetyName, "safety_phone": e.SafetyPhone, "status": e.Status, "risk": e.Risk}
	if e.Lat != nil {
		v["lat"] = strconv.FormatFloat(*e.Lat, 'f', -1, 64)
		v["lng"] = strconv.FormatFloat(*e.Lng, 'f', -1, 64)
	}
	return v
}

// fromForm reads an enterprise from a posted form; a coordinate that is not
// a number is a field error.
func fromForm(f *web.Form, r *http.Request) (Enterprise, error) {
	e := Enterprise{Name: f.Get("name"), CreditCode: f.Get("credit_code"), Address: f.Get("address"), TownCode: f.Get("town_code"),
		VillageCode: f.Get("village_code"), Sector: f.Get("sector"), Scale: f.Get("scale"), Specials: r.PostForm["specials"],
		SectionID: f.Get("section_id"), PrincipalName: f.Get("principal_name"), PrincipalPhone: f.Get("principal_phone"),
		SafetyName: f.Get("safety_name"), SafetyPhone: f.Get("safety_phone"), Status: f.Get("status"), Risk: f.Get("risk")}
	lat, lng := f.Get("lat"), f.Get("lng")
	if lat != "" || lng != "" {
		la, err1 := strconv.ParseFloat(lat, 64)
		lo, err2 := strconv.ParseFloat(lng, 64)
		if err1 != nil || err2 != nil {
			return e, errs.FieldErrors{errs.Field("lat", "enterprise.latlng_invalid", nil)}.Err()
		}
		e.Lat, e.Lng = &la, &lo
	}
	return e, nil
}

func (h *Handlers) newForm(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	v := map[string]string{"status": StatusOperating, "risk": RiskLow, "scale": ScaleBelow}
	if p.Role == auth.RoleTown {
		v["town_code"] = p.RegionCode
	}
	h.form(w, r, http.StatusOK, web.EmptyForm(v), nil)
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	e, err := fromForm(f, r)
	if err == nil {
		e, err = h.Svc.Create(r.Context(), web.PrincipalFrom(r.Context()), e)
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) { h.form(w, r, status, f, nil) })
		return
	}
	h.UI.Redirect(w, r, "/enterprises/"+e.ID, "enterprise.created", "Name", e.Name)
}

func (h *Handlers) show(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	e, err := h.Svc.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	hist, err := audit.ForEntity(r.Context(), h.DB.R(), "enterprise", e.ID)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	reqs, err := h.Svc.ChangeRequests(r.Context(), p, "", e.ID)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	var related []Related
	if h.Related != nil {
		for _, f := range h.Related() {
			more, err := f(r.Context(), p, e)
			if err != nil {
				h.UI.Error(w, r, err)
				return
			}
			related = append(related, more...)
		}
	}
	data["E"], data["History"], data["Requests"], data["Related"] = e, hist, reqs, related
	data["CanEdit"], data["CanApprove"] = CanEdit(p, e), CanApprove(p, e)
	page := h.UI.NewPage(r, e.Name, data)
	page.Active = "enterprises"
	h.UI.Render(w, r, http.StatusOK, "enterprise", page)
}

// mine shows the enterprise account's own enterprise in place (no
// redirect: under load a second request queues a second time).
func (h *Handlers) mine(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	r.SetPathValue("id", p.EnterpriseID)
	h.show(w, r)
}

// denied answers an enterprise account reaching for another enterprise:
// 403, and the attempt is audited.
func (h *Handlers) denied(w http.ResponseWriter, r *http.Request, id string, err error) bool {
	p := web.PrincipalFrom(r.Context())
	if p.Role != auth.RoleEnterprise || id == p.EnterpriseID || errs.KindOf(err) == errs.Invalid {
		return false
	}
	if e := h.Svc.RecordDenied(r.Context(), p, id, r.Method+" "+r.URL.Path); e != nil {
		h.UI.Log.Error("audit denied", "err", e)
	}
	h.UI.Fail(w, r, http.StatusForbidden, "enterprise.other_forbidden")
	return true
}

func (h *Handlers) editForm(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	e, err := h.Svc.Get(r.Context(), p, id)
	if err != nil {
		if h.denied(w, r, id, err) {
			return
		}
		h.UI.Error(w, r, err)
		return
	}
	if !CanEdit(p, e) {
		h.UI.Fail(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	h.form(w, r, http.StatusOK, web.EmptyForm(formValues(e)), &e)
}

func (h *Handlers) update(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	f := web.NewForm(r)
	in, err := fromForm(f, r)
	var res UpdateResult
	if err == nil {
		res, err = h.Svc.Update(r.Context(), p, id, in)
	}
	if err != nil {
		if h.denied(w, r, id, err) {
			return
		}
		h.UI.FormFailed(w, r, f, err, fieldsOrConflict, func(status int) {
			e, gerr := h.Svc.Get(r.Context(), p, id)
			if gerr != nil {
				h.UI.Error(w, r, gerr)
				return
			}
			h.form(w, r, status, f, &e)
		})
		return
	}
	if res.Request != nil {
		h.UI.Redirect(w, r, "/enterprises/"+id, "enterprise.change_requested")
		return
	}
	h.UI.Redirect(w, r, "/enterprises/"+id, "action.saved")
}

// fieldsOrConflict tells the errors the edit form shows: field errors, and
// a change request already pending.
func fieldsOrConflict(err error) bool {
	return errs.Fields(err) != nil || errs.KindOf(err) == errs.Conflict
}

func (h *Handlers) changes(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	state := r.URL.Query().Get("state")
	if _, ok := r.URL.Query()["state"]; !ok {
		state = ChangePending
	}
	list, err := h.Svc.ChangeRequests(r.Context(), p, state, "")
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data := map[string]any{"Requests": list, "State": state}
	h.UI.Show(w, r, http.StatusOK, "enterprise_changes", "nav.enterprise_changes", "enterprise_changes", data, nil)
}

func (h *Handlers) decide(approve bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f := web.NewForm(r)
		if err := h.Svc.Decide(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), approve, f.Get("reason")); err != nil {
			h.UI.Error(w, r, err)
			return
		}
		msg := "enterprise.change_rejected"
		if approve {
			msg = "enterprise.change_approved"
		}
		back := f.Get("back")
		if !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") {
			back = "/enterprise-changes"
		}
		h.UI.Redirect(w, r, back, msg)
	}
}

// API

// apiCreate creates an enterprise; an ID in the body is ignored.
func (h *Handlers) apiCreate(ctx context.Context, p *auth.Principal, in Enterprise) (Enterprise, error) {
	in.ID = ""
	return h.Svc.Create(ctx, p, in)
}

func (h *Handlers) apiUpdate(w http.ResponseWriter, r *http.Request) {
	var in Enterprise
	if !h.UI.ReadJSON(w, r, &in) {
		return
	}
	id := r.PathValue("id")
	res, err := h.Svc.Update(r.Context(), web.PrincipalFrom(r.Context()), id, in)
	if err != nil {
		p := web.PrincipalFrom(r.Context())
		if p.Role == auth.RoleEnterprise && id != p.EnterpriseID {
			_ = h.Svc.RecordDenied(r.Context(), p, id, r.Method+" "+r.URL.Path)
		}
		h.UI.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, res)
}
