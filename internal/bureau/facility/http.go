package facility

import (
	"context"
	"embed"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/org"
	"yingji/internal/kit/web"
)

// Templates and Locales of the facility pages.
//
//go:embed templates/*.html
var Templates embed.FS

//go:embed locales/*.json
var Locales embed.FS

// Handlers serve the facility pages and API.
type Handlers struct {
	UI  *web.UI
	Svc *Service
	Ent *enterprise.Service
	Org *org.Service
}

// Routes declares the facility routes, each once: pattern, roles, handler and
// API summary (the Excel routes are the ledger kit's: no handler here).
func (h *Handlers) Routes() web.Routes {
	readers := []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer, auth.RoleDuty, auth.RoleTown,
		auth.RoleDepartment, auth.RoleEnterprise, auth.RoleReadOnly}
	staffReaders := []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer, auth.RoleDuty, auth.RoleTown,
		auth.RoleDepartment, auth.RoleReadOnly}
	writers := []auth.Role{auth.RoleAdmin, auth.RoleSection}
	return web.Routes{
		{Pattern: "GET /facilities", Roles: readers, Handler: h.list},
		{Pattern: "GET /facilities/new", Roles: writers, Handler: h.newForm},
		{Pattern: "POST /facilities", Roles: writers, Handler: h.create},
		{Pattern: "GET /facilities/{id}", Roles: readers, Handler: h.show},
		{Pattern: "GET /facilities/{id}/edit", Roles: writers, Handler: h.editForm},
		{Pattern: "POST /facilities/{id}", Roles: writers, Handler: h.update},
		{Pattern: "POST /facilities/{id}/status", Roles: writers, Handler: h.changeStatus},
		{Pattern: "GET /facilities/export", Roles: staffReaders},
		{Pattern: "GET /facilities/template", Roles: writers},
		{Pattern: "GET /facilities/import", Roles: writers},
		{Pattern: "POST /facilities/import", Roles: writers},
		{Pattern: "GET /api/v1/facilities", Out: web.PagedList[Facility]{}, Roles: readers, Handler: web.PagedJSON(h.UI, h.apiList), API: "设施列表（kind, status, town, enterprise, q, page, size） / List facilities"},
		{Pattern: "POST /api/v1/facilities", In: apiInput{}, Out: Facility{}, Roles: writers, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.apiCreate), API: "登记设施（含初始状态 status、status_date） / Register a facility"},
		{Pattern: "GET /api/v1/facilities/counts", Out: CountsAnswer{}, Roles: readers, Handler: h.apiCounts, API: "某日各类设施按状态的数量（date=YYYY-MM-DD，默认今天） / Facilities by kind and status at a date"},
		{Pattern: "GET /api/v1/facilities/changes", Out: ChangesAnswer{}, Roles: readers, Handler: h.apiChanges, API: "期间内的状态变更（from, to, kind, status） / Status changes in a period"},
		{Pattern: "GET /api/v1/facilities/{id}", Out: Facility{}, Roles: readers, Handler: h.apiGet, API: "设施详情 / One facility"},
		{Pattern: "PUT /api/v1/facilities/{id}", In: Facility{}, Out: Facility{}, Roles: writers, Handler: web.BodyJSONByID(h.UI, http.StatusOK, h.Svc.Update), API: "修改设施信息（状态须通过状态变更） / Update a facility"},
		{Pattern: "GET /api/v1/facilities/{id}/statuses", Out: web.ItemList[StatusChange]{}, Roles: readers, Handler: h.apiHistory, API: "设施状态变更记录 / A facility's status history"},
		{Pattern: "POST /api/v1/facilities/{id}/statuses", In: StatusInput{}, Out: StatusChange{}, Roles: writers, Handler: web.BodyJSONByID(h.UI, http.StatusCreated, h.Svc.ChangeStatus), API: "变更设施状态（status, date, note） / Change a facility's status"},
	}
}

// lookups are the code lists the pages need.
func (h *Handlers) lookups(r *http.Request) (map[string]any, error) {
	p := web.PrincipalFrom(r.Context())
	towns, err := h.Org.ListRegions(r.Context(), p, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		return nil, err
	}
	all, err := h.Org.ListRegions(r.Context(), &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, x := range all {
		names[x.Code] = x.Name
	}
	var kinds []map[string]any
	for _, k := range Kinds {
		kinds = append(kinds, map[string]any{"Kind": k.Value, "Statuses": Rules[k.Value].Statuses})
	}
	return map[string]any{"Towns": towns, "RegionNames": names, "Kinds": kinds, "Grades": Grades, "Levels": Levels}, nil
}

// enterprises returns the enterprises in the principal's scope by id.
func (h *Handlers) enterprises(r *http.Request) (map[string]enterprise.Enterprise, error) {
	out := map[string]enterprise.Enterprise{}
	err := h.Ent.Each(r.Context(), web.PrincipalFrom(r.Context()), enterprise.Filter{}, func(e enterprise.Enterprise) error {
		out[e.ID] = e
		return nil
	})
	return out, err
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := FilterOf(r.URL.Query())
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.Size, pg.Offset()
	list, total, err := h.Svc.List(r.Context(), p, f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	facets, err := h.Svc.Facets(r.Context(), p, f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	ents, err := h.enterprises(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	towns := map[string]string{}
	for _, x := range list {
		towns[x.ID] = ents[x.EnterpriseID].TownCode
	}
	if f.Enterprise != "" {
		if e, ok := ents[f.Enterprise]; ok {
			data["Enterprise"] = e
			data["CanAdd"] = CanWrite(p, e)
		}
	}
	data["Facilities"], data["Pager"], data["Facets"], data["FacilityTowns"] = list, web.PagerOf(pg, total), facets, towns
	h.UI.Show(w, r, http.StatusOK, "facilities", "nav.facilities", "facilities", data, nil)
}

func (h *Handlers) show(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, nil)
}

// render shows a facility's page; form holds a refused status change.
func (h *Handlers) render(w http.ResponseWriter, r *http.Request, status int, form *web.Form) {
	p := web.PrincipalFrom(r.Context())
	f, e, ok := h.get(w, r)
	if !ok {
		return
	}
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	hist, err := h.Svc.History(r.Context(), f.ID)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	rows, err := h.Svc.Audit(r.Context(), f.ID)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	// The timeline reads newest first.
	for i, j := 0, len(hist)-1; i < j; i, j = i+1, j-1 {
		hist[i], hist[j] = hist[j], hist[i]
	}
	if form == nil {
		form = web.EmptyForm(map[string]string{"date": DateOf(h.Svc.now().In(web.Shanghai))})
	}
	data["F"], data["E"], data["History"], data["Audit"] = f, e, hist, rows
	data["CanWrite"], data["Next"], data["Final"] = CanWrite(p, e), NextStatuses(f.Kind, f.Status), IsFinal(f.Kind, f.Status)
	data["Rule"] = Rules[f.Kind].Text[0]
	if strings.HasPrefix(web.Lang(r.Context()), "en") {
		data["Rule"] = Rules[f.Kind].Text[1]
	}
	page := h.UI.NewPage(r, f.Name, data)
	page.Form = form
	page.Active = "facilities"
	h.UI.Render(w, r, status, "facility", page)
}

// get reads the path's facility; when it cannot, the error is answered
// (an enterprise account's reach into another enterprise is audited) and
// ok is false.
func (h *Handlers) get(w http.ResponseWriter, r *http.Request) (f Facility, e enterprise.Enterprise, ok bool) {
	id := r.PathValue("id")
	f, e, err := h.Svc.Get(r.Context(), web.PrincipalFrom(r.Context()), id)
	if err != nil {
		if !h.denied(w, r, id, err) {
			h.UI.Error(w, r, err)
		}
		return f, e, false
	}
	return f, e, true
}

// denied answers an enterprise account reaching for another enterprise's
// facility: 403, and the attempt is audited.
func (h *Handlers) denied(w http.ResponseWriter, r *http.Request, id string, err error) bool {
	p := web.PrincipalFrom(r.Context())
	if p.Role != auth.RoleEnterprise || !errs.Is(err, errs.Forbidden) {
		return false
	}
	if e := h.Svc.RecordDenied(r.Context(), p, id, r.Method+" "+r.URL.Path); e != nil {
		h.UI.Log.Error("audit denied", "err", e)
	}
	h.UI.Fail(w, r, http.StatusForbidden, "facility.other_forbidden")
	return true
}

// formValues turns a facility into form values.
func formValues(f Facility, creditCode string) map[string]string {
	v := map[string]string{"name": f.Name, "kind": f.Kind, "enterprise": creditCode, "mineral": f.Mineral, "substances": f.Substances,
		"status": f.Status, "status_date": f.StatusDate}
	fl := func(k string, x *float64) {
		if x != nil {
			v[k] = strconv.FormatFloat(*x, 'f', -1, 64)
		}
	}
	fl("lat", f.Lat)
	fl("lng", f.Lng)
	fl("capacity", f.Capacity)
	fl("design_capacity", f.DesignCapacity)
	fl("dam_height", f.DamHeight)
	if f.Grade > 0 {
		v["grade"] = strconv.Itoa(f.Grade)
	}
	if f.Level > 0 {
		v["level"] = strconv.Itoa(f.Level)
	}
	return v
}

// fromForm reads a facility from a posted form; numbers that are not
// numbers and an unknown enterprise are field errors.
func (h *Handlers) fromForm(r *http.Request, f *web.Form) (Facility, string, error) {
	fac := Facility{Name: f.Get("name"), Kind: f.Get("kind"), Mineral: f.Get("mineral"), Substances: f.Get("substances"),
		Status: f.Get("status"), StatusDate: f.Get("status_date")}
	var fe errs.FieldErrors
	number := func(key string) *float64 {
		x := f.Get(key)
		if x == "" {
			return nil
		}
		n, err := strconv.ParseFloat(x, 64)
		if err != nil {
			fe = append(fe, errs.Field(key, "facility.number_invalid", nil))
			return nil
		}
		return &n
	}
	fac.Capacity, fac.DesignCapacity, fac.DamHeight = number("capacity"), number("design_capacity"), number("dam_height")
	if f.Get("lat") != "" || f.Get("lng") != "" {
		la, err1 := strconv.ParseFloat(f.Get("lat"), 64)
		lo, err2 := strconv.ParseFloat(f.Get("lng"), 64)
		if err1 != nil || err2 != nil {
			fe = append(fe, errs.Field("lat", "enterprise.latlng_invalid", nil))
		} else {
			fac.Lat, fac.Lng = &la, &lo
		}
	}
	fac.Grade, _ = strconv.Atoi(f.Get("grade"))
	fac.Level, _ = strconv.Atoi(f.Get("level"))
	if x := f.Get("enterprise"); x != "" {
		id, err := h.resolveEnterprise(r, x)
		if err != nil {
			return fac, "", err
		}
		if id == "" {
			fe = append(fe, errs.Field("enterprise_id", "facility.enterprise_unknown", nil))
		}
		fac.EnterpriseID = id
	}
	return fac, f.Get("note"), fe.Err()
}

// resolveEnterprise finds an enterprise in scope by credit code or exact
// name ("" when none).
func (h *Handlers) resolveEnterprise(r *http.Request, s string) (string, error) {
	s = strings.TrimSpace(s)
	code := enterprise.NormalizeCreditCode(s)
	ents, err := h.enterprises(r)
	if err != nil {
		return "", err
	}
	if _, ok := ents[s]; ok {
		return s, nil
	}
	for _, e := range ents {
		if e.CreditCode == code || e.Name == s {
			return e.ID, nil
		}
	}
	return "", nil
}

// form renders the new/edit form.
func (h *Handlers) form(w http.ResponseWriter, r *http.Request, status int, f *web.Form, fac *Facility) {
	p := web.PrincipalFrom(r.Context())
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	ents, err := h.enterprises(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	var choices []enterprise.Enterprise
	for _, e := range ents {
		if CanWrite(p, e) {
			choices = append(choices, e)
		}
	}
	sortByName(choices)
	data["F"], data["Choices"], data["Statuses"] = fac, choices, Statuses
	title := "facility.new"
	if fac != nil {
		title = "facility.edit"
	}
	h.UI.Show(w, r, status, "facility_form", title, "facilities", data, f)
}

func sortByName(list []enterprise.Enterprise) {
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
}

func (h *Handlers) newForm(w http.ResponseWriter, r *http.Request) {
	v := map[string]string{"kind": r.URL.Query().Get("kind"), "status_date": DateOf(h.Svc.now().In(web.Shanghai))}
	if v["kind"] == "" {
		v["kind"] = KindUnderground
	}
	if id := r.URL.Query().Get("enterprise"); id != "" {
		if e, err := h.Ent.Get(r.Context(), web.PrincipalFrom(r.Context()), id); err == nil {
			v["enterprise"] = e.CreditCode
		}
	}
	h.form(w, r, http.StatusOK, web.EmptyForm(v), nil)
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	fac, note, err := h.fromForm(r, f)
	if err == nil {
		fac, err = h.Svc.Create(r.Context(), web.PrincipalFrom(r.Context()), fac, note)
	}
	if err != nil {
		// An enterprise out of the writer's reach is shown on the form too.
		onForm := func(err error) bool { return errs.Fields(err) != nil || errs.Is(err, errs.Forbidden) }
		h.UI.FormFailed(w, r, f, err, onForm, func(status int) { h.form(w, r, status, f, nil) })
		return
	}
	h.UI.Redirect(w, r, "/facilities/"+fac.ID, "facility.created", "Name", fac.Name)
}

func (h *Handlers) editForm(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	fac, e, err := h.Svc.Get(r.Context(), p, id)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if !CanWrite(p, e) {
		h.UI.Fail(w, r, http.StatusForbidden, "facility.write_forbidden")
		return
	}
	h.form(w, r, http.StatusOK, web.EmptyForm(formValues(fac, e.CreditCode)), &fac)
}

func (h *Handlers) update(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	f := web.NewForm(r)
	in, _, err := h.fromForm(r, f)
	if err == nil {
		in.Status = "" // the status changes only through a status change
		_, err = h.Svc.Update(r.Context(), p, id, in)
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.HasFieldErrors, func(status int) {
			fac, _, gerr := h.Svc.Get(r.Context(), p, id)
			if gerr != nil {
				h.UI.Error(w, r, gerr)
				return
			}
			h.form(w, r, status, f, &fac)
		})
		return
	}
	h.UI.Redirect(w, r, "/facilities/"+id, "action.saved")
}

func (h *Handlers) changeStatus(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	f := web.NewForm(r)
	c, err := h.Svc.ChangeStatus(r.Context(), p, id, StatusInput{Status: f.Get("status"), Date: f.Get("date"), Note: f.Get("note")})
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.HasFieldErrors, func(status int) { h.render(w, r, status, f) })
		return
	}
	page := h.UI.NewPage(r, "", nil)
	h.UI.Redirect(w, r, "/facilities/"+id, "facility.status_changed", "Status", page.T("facility.status."+c.Status), "Date", c.Date)
}

// API

func (h *Handlers) apiList(r *http.Request, pg web.Paging) ([]Facility, int, error) {
	f := FilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	return h.Svc.List(r.Context(), web.PrincipalFrom(r.Context()), f)
}

func (h *Handlers) apiGet(w http.ResponseWriter, r *http.Request) {
	if f, _, ok := h.get(w, r); ok {
		web.JSON(w, http.StatusOK, f)
	}
}

func (h *Handlers) apiHistory(w http.ResponseWriter, r *http.Request) {
	f, _, ok := h.get(w, r)
	if !ok {
		return
	}
	hist, err := h.Svc.History(r.Context(), f.ID)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if hist == nil {
		hist = []StatusChange{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": hist})
}

// apiInput is a facility as sent to the API: the facility's fields plus
// a note for the first status.
type apiInput struct {
	Facility
	Note string `json:"note"`
}

// apiCreate registers a facility; an ID in the body is ignored.
func (h *Handlers) apiCreate(ctx context.Context, p *auth.Principal, in apiInput) (Facility, error) {
	in.ID = ""
	return h.Svc.Create(ctx, p, in.Facility, in.Note)
}

// dateParam reads a YYYY-MM-DD query parameter (def when absent).
func dateParam(q url.Values, key, def string) (string, error) {
	v := q.Get(key)
	if v == "" {
		return def, nil
	}
	d, ok := ParseDate(v)
	if !ok {
		return "", errs.Field(key, "facility.date_invalid", nil)
	}
	return d, nil
}

func (h *Handlers) apiCounts(w http.ResponseWriter, r *http.Request) {
	d, err := dateParam(r.URL.Query(), "date", h.Svc.today())
	if err == nil {
		var c Counts
		t, _ := parseDay(d)
		c, err = h.Svc.CountsAt(r.Context(), web.PrincipalFrom(r.Context()), t)
		if err == nil {
			web.JSON(w, http.StatusOK, CountsAnswer{Counts: c, Date: d, Kinds: c.ByKind()})
			return
		}
	}
	h.UI.Error(w, r, err)
}

func (h *Handlers) apiChanges(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	today := h.Svc.today()
	from, err := dateParam(q, "from", today[:4]+"-01-01")
	var to string
	if err == nil {
		to, err = dateParam(q, "to", today)
	}
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	ft, _ := parseDay(from)
	tt, _ := parseDay(to)
	list, err := h.Svc.StatusChangesBetween(r.Context(), web.PrincipalFrom(r.Context()), ft, tt, q.Get("kind"), q.Get("status"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, ChangesAnswer{From: from, Items: list, To: to, Total: len(list)})
}
