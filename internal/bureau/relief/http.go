package relief

import (
	"embed"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/org"
	"yingji/internal/kit/pdfdoc"
	"yingji/internal/kit/store"
	"yingji/internal/kit/web"
	"yingji/internal/kit/xlsx"
)

// Templates and Locales of the relief pages.
//
//go:embed templates/*.html
var Templates embed.FS

//go:embed locales/*.json
var Locales embed.FS

// Handlers serve the relief pages and API.
type Handlers struct {
	UI  *web.UI
	DB  *store.DB
	Svc *Service
	Org *org.Service

	pdfOnce sync.Once
	pdf     *pdfdoc.Renderer
	pdfErr  error
}

// Routes declares the relief routes. Who reads: the bureau's staff and
// the towns (their town), read-only accounts; enterprises, departments,
// enforcement and duty officers have no business with relief lists.
// Inside a route the service applies the step's rule (the 县定 is the
// leader's or the 救灾减灾股's; 村评/公示/乡审 the town's).
func (h *Handlers) Routes() web.Routes {
	readers := []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleTown, auth.RoleReadOnly}
	enterers := []auth.Role{auth.RoleAdmin, auth.RoleTown}
	managers := []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection}
	steppers := []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleTown}
	payers := []auth.Role{auth.RoleAdmin, auth.RoleSection, auth.RoleTown}
	return web.Routes{
		{Pattern: "GET /relief/programmes", Roles: readers, Handler: h.programmes},
		{Pattern: "GET /relief/programmes/new", Roles: managers, Handler: h.programmeForm},
		{Pattern: "POST /relief/programmes", Roles: managers, Handler: h.createProgramme},
		{Pattern: "GET /relief/programmes/{id}", Roles: readers, Handler: h.programme},
		{Pattern: "GET /relief/households", Roles: readers, Handler: h.households},
		{Pattern: "GET /relief/households/new", Roles: enterers, Handler: h.householdForm},
		{Pattern: "POST /relief/households", Roles: enterers, Handler: h.createHousehold},
		{Pattern: "GET /relief/households/{id}", Roles: readers, Handler: h.household},
		{Pattern: "GET /relief/households/{id}/edit", Roles: enterers, Handler: h.editForm},
		{Pattern: "POST /relief/households/{id}", Roles: enterers, Handler: h.updateHousehold},
		{Pattern: "POST /relief/households/{id}/return", Roles: steppers, Handler: h.sendBack},
		{Pattern: "GET /relief/publicity", Roles: readers, Handler: h.publicity},
		{Pattern: "POST /relief/households/{id}/steps", Roles: steppers, Handler: h.step},
		{Pattern: "POST /relief/households/{id}/objections", Roles: enterers, Handler: h.objection},
		{Pattern: "POST /relief/households/{id}/payments", Roles: payers, Handler: h.pay},
		{Pattern: "GET /relief/payments", Roles: readers, Handler: h.payments},
		{Pattern: "GET /relief/duplicates", Roles: readers, Handler: h.duplicates},
		{Pattern: "GET /" + PaymentsKind + "/export", Roles: readers},
		{Pattern: "GET /" + HouseholdsKind + "/export", Roles: readers},
		{Pattern: "GET /" + HouseholdsKind + "/template", Roles: enterers},
		{Pattern: "GET /" + HouseholdsKind + "/import", Roles: enterers},
		{Pattern: "POST /" + HouseholdsKind + "/import", Roles: enterers},
		{Pattern: "GET /api/v1/relief/programmes", Roles: readers, Handler: web.ItemsJSON(h.UI, h.Svc.Programmes), API: "Relief programmes (救助项目) with their standards"},
		{Pattern: "POST /api/v1/relief/programmes", Roles: managers, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.Svc.CreateProgramme), API: "Create a relief programme"},
		{Pattern: "GET /api/v1/relief/programmes/{id}", Roles: readers, Handler: h.apiProgramme, API: "A programme with its totals by town and category"},
		{Pattern: "GET /api/v1/relief/households", Roles: readers, Handler: web.PagedJSON(h.UI, h.householdsOf), API: "Households on relief lists (ID numbers masked unless the role may see them)"},
		{Pattern: "POST /api/v1/relief/households", Roles: enterers, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.Svc.CreateHousehold), API: "Enter a household (户报)"},
		{Pattern: "GET /api/v1/relief/households/{id}", Roles: readers, Handler: h.apiHousehold, API: "A household with its members, steps, objections and payments"},
		{Pattern: "PUT /api/v1/relief/households/{id}", Roles: enterers, Handler: web.BodyJSONByID(h.UI, http.StatusOK, h.Svc.UpdateHousehold), API: "Change a household's entries (at 户报 or 村评, or after it was sent back)"},
		{Pattern: "POST /api/v1/relief/households/{id}/return", Roles: steppers, Handler: web.BodyJSONByID(h.UI, http.StatusOK, h.Svc.ReturnHousehold), API: "Send a household at 公示 or 乡审 back to 户报 (退回) with a reason"},
		{Pattern: "POST /api/v1/relief/households/{id}/steps", Roles: steppers, Handler: web.BodyJSONByID(h.UI, http.StatusOK, h.Svc.TakeStep), API: "Take the next approval step (村评, 公示, 乡审, 县定)"},
		{Pattern: "POST /api/v1/relief/households/{id}/objections", Roles: enterers, Handler: web.BodyJSONByID(h.UI, http.StatusCreated, h.Svc.RecordObjection), API: "Record or resolve an objection raised during the 公示"},
		{Pattern: "POST /api/v1/relief/households/{id}/payments", Roles: payers, Handler: web.BodyJSONByID(h.UI, http.StatusCreated, h.Svc.Pay), API: "Record a payment (money in 分 or goods)"},
		{Pattern: "GET /api/v1/relief/payments", Roles: readers, Handler: web.PagedJSON(h.UI, h.paymentsOf), API: "Payments"},
		{Pattern: "GET /api/v1/relief/totals", Roles: readers, Handler: h.apiTotals, API: "Totals by town, category and programme kind"},
		{Pattern: "GET /api/v1/relief/duplicates", Roles: readers, Handler: web.ItemsJSON(h.UI, h.Svc.Flags), API: "People flagged in two programmes of one kind with overlapping periods"},
	}
}

// lookups are the code lists and names the pages need.
func (h *Handlers) lookups(r *http.Request) (map[string]any, error) {
	p := web.PrincipalFrom(r.Context())
	towns, err := h.Org.ListRegions(r.Context(), p, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		return nil, err
	}
	villages, err := h.Org.ListRegions(r.Context(), p, org.RegionFilter{Level: org.LevelVillage})
	if err != nil {
		return nil, err
	}
	progs, err := h.Svc.Programmes(r.Context(), p)
	if err != nil {
		return nil, err
	}
	names := h.Svc.Places(r.Context(), p)
	progNames := map[string]string{}
	for _, g := range progs {
		progNames[g.ID] = g.Name
	}
	return map[string]any{"Towns": towns, "Villages": villages, "Names": names, "Programmes": progs, "ProgrammeNames": progNames,
		"Kinds": Kinds, "Categories": Categories, "Steps": Steps, "Modes": Modes, "Today": h.Svc.Today(),
		"SeesFullID": SeesFullID(p), "CanEnter": CanEnter(p), "CanManage": CanManage(p), "CanPay": CanPay(p)}, nil
}

func (h *Handlers) programmes(w http.ResponseWriter, r *http.Request) {
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	p := web.PrincipalFrom(r.Context())
	t, err := h.Svc.Totals(r.Context(), p, PaymentFilter{})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	byProg := map[string]Total{}
	for _, g := range data["Programmes"].([]Programme) {
		x, err := h.Svc.Totals(r.Context(), p, PaymentFilter{ProgrammeID: g.ID})
		if err != nil {
			h.UI.Error(w, r, err)
			return
		}
		byProg[g.ID] = x.All
	}
	data["Totals"], data["ByProgramme"] = t, byProg
	h.UI.Show(w, r, http.StatusOK, "relief_programmes", "relief.programmes_title", "relief_programmes", data, nil)
}

func (h *Handlers) showProgrammeForm(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.Show(w, r, status, "relief_programme_form", "relief.programme_new", "relief_programmes", data, f)
}

func (h *Handlers) programmeForm(w http.ResponseWriter, r *http.Request) {
	h.showProgrammeForm(w, r, http.StatusOK, web.EmptyForm(map[string]string{"kind": KindWinterSpring}))
}

// programmeFromForm reads a programme; amounts are in 元.
func programmeFromForm(f *web.Form) (Programme, error) {
	g := Programme{Name: f.Get("name"), Kind: f.Get("kind"), PeriodFrom: f.Get("period_from"), PeriodTo: f.Get("period_to"), Note: f.Get("note")}
	var fe errs.FieldErrors
	if b := f.Get("budget"); b != "" {
		v, ok := ParseYuan(b)
		if !ok {
			fe = append(fe, errs.Field("budget", "relief.amount_invalid", nil))
		}
		g.Budget = v
	}
	for _, c := range Categories {
		s := f.Get("std_" + c[0])
		if s == "" {
			continue
		}
		v, ok := ParseYuan(s)
		if !ok {
			fe = append(fe, errs.Field("std_"+c[0], "relief.amount_invalid", nil))
			continue
		}
		g.Standards = append(g.Standards, Standard{Category: c[0], Amount: v})
	}
	return g, fe.Err()
}

func (h *Handlers) createProgramme(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	g, err := programmeFromForm(f)
	if err == nil {
		g, err = h.Svc.CreateProgramme(r.Context(), web.PrincipalFrom(r.Context()), g)
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) { h.showProgrammeForm(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/relief/programmes/"+g.ID, "action.saved")
}

func (h *Handlers) programme(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	g, err := h.Svc.Programme(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	t, err := h.Svc.Totals(r.Context(), p, PaymentFilter{ProgrammeID: g.ID})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	counts, err := h.Svc.StepCounts(r.Context(), p, g.ID)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data["P"], data["Totals"], data["StepCounts"] = g, t, counts
	page := h.UI.NewPage(r, g.Name, data)
	page.Active = "relief_programmes"
	h.UI.Render(w, r, http.StatusOK, "relief_programme", page)
}

type apiProgramme struct {
	Programme
	Totals Totals `json:"totals"`
}

func (h *Handlers) apiProgramme(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	g, err := h.Svc.Programme(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	t, err := h.Svc.Totals(r.Context(), p, PaymentFilter{ProgrammeID: g.ID})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, apiProgramme{Programme: g, Totals: t})
}

func (h *Handlers) apiTotals(w http.ResponseWriter, r *http.Request) {
	t, err := h.Svc.Totals(r.Context(), web.PrincipalFrom(r.Context()), PaymentFilterOf(r.URL.Query()))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, t)
}

func (h *Handlers) householdsOf(r *http.Request, pg web.Paging) ([]Household, int, error) {
	f := HouseholdFilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	return h.Svc.Households(r.Context(), web.PrincipalFrom(r.Context()), f)
}

func (h *Handlers) households(w http.ResponseWriter, r *http.Request) {
	pg := web.PagingOf(r)
	list, total, err := h.householdsOf(r, pg)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data["Rows"], data["Pager"] = list, web.PagerOf(pg, total)
	h.UI.Show(w, r, http.StatusOK, "relief_households", "relief.households_title", "relief_households", data, nil)
}

// memberRows is how many member rows the household form offers.
const memberRows = 6

func (h *Handlers) showHouseholdForm(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	rows := make([]int, memberRows)
	for i := range rows {
		rows[i] = i
	}
	data["MemberRows"] = rows
	title := "relief.household_new"
	if id := r.PathValue("id"); id != "" {
		data["EditID"], title = id, "relief.household_edit"
	}
	h.UI.Show(w, r, status, "relief_household_form", title, "relief_households", data, f)
}

// editForm shows a household's entries for change (refused with the rule
// once its 公示 has started).
func (h *Handlers) editForm(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	hh, err := h.Svc.Household(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if err := CheckEdit(hh); err != nil {
		h.acted(w, r, web.EmptyForm(nil), err, "")
		return
	}
	h.showHouseholdForm(w, r, http.StatusOK, web.EmptyForm(householdValues(hh)))
}

// householdValues are a household's entries as the form's values.
func householdValues(hh Household) map[string]string {
	one := func(b bool) string {
		if b {
			return "1"
		}
		return ""
	}
	v := map[string]string{"programme_id": hh.ProgrammeID, "town_code": hh.TownCode, "village_code": hh.VillageCode, "head_name": hh.HeadName,
		"address": hh.Address, "extreme_poor": one(hh.ExtremePoor), "min_living": one(hh.MinLiving), "out_of_poverty": one(hh.OutOfPoverty),
		"disaster_hit": one(hh.DisasterHit), "account_holder": hh.AccountHolder, "account_no": hh.AccountNo, "note": hh.Note}
	for i, m := range hh.Members {
		k := "members." + strconv.Itoa(i) + "."
		v[k+"name"], v[k+"id_number"], v[k+"relation"] = m.Name, m.IDNumber, m.Relation
	}
	return v
}

func (h *Handlers) updateHousehold(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	hh, err := h.Svc.UpdateHousehold(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), householdFromForm(f))
	if err != nil {
		if errs.KindOf(err) == errs.Conflict { // the household's step forbids it: its page says why
			h.acted(w, r, f, err, "")
			return
		}
		h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) { h.showHouseholdForm(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/relief/households/"+hh.ID, "relief.household_updated", "Name", hh.HeadName)
}

func (h *Handlers) sendBack(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	_, err := h.Svc.ReturnHousehold(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), ReturnInput{Note: f.Get("return_note")})
	h.acted(w, r, f, err, "relief.returned")
}

func (h *Handlers) householdForm(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	v := map[string]string{"programme_id": r.URL.Query().Get("programme"), "members.0.relation": "户主"}
	if p.Role == auth.RoleTown {
		v["town_code"] = p.RegionCode
	}
	h.showHouseholdForm(w, r, http.StatusOK, web.EmptyForm(v))
}

// householdFromForm reads a household; member rows with neither a name
// nor an ID number are left out.
func householdFromForm(f *web.Form) Household {
	hh := Household{ProgrammeID: f.Get("programme_id"), TownCode: f.Get("town_code"), VillageCode: f.Get("village_code"), HeadName: f.Get("head_name"),
		Address: f.Get("address"), ExtremePoor: f.Get("extreme_poor") == "1", MinLiving: f.Get("min_living") == "1", OutOfPoverty: f.Get("out_of_poverty") == "1",
		DisasterHit: f.Get("disaster_hit") == "1", AccountHolder: f.Get("account_holder"), AccountNo: f.Get("account_no"), Note: f.Get("note")}
	for i := range memberRows {
		k := "members." + strconv.Itoa(i) + "."
		m := Member{Name: f.Get(k + "name"), IDNumber: f.Get(k + "id_number"), Relation: f.Get(k + "relation")}
		if m.Name == "" && m.IDNumber == "" {
			continue
		}
		hh.Members = append(hh.Members, m)
	}
	return hh
}

func (h *Handlers) createHousehold(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	hh, err := h.Svc.CreateHousehold(r.Context(), web.PrincipalFrom(r.Context()), householdFromForm(f))
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) { h.showHouseholdForm(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/relief/households/"+hh.ID, "relief.household_created", "Name", hh.HeadName)
}

// detail is everything a household's page or API answer shows.
type detail struct {
	Household  Household   `json:"household"`
	Programme  Programme   `json:"programme"`
	Steps      []StepDone  `json:"steps"`
	Objections []Objection `json:"objections"`
	Payments   []Payment   `json:"payments"`
	Next       string      `json:"next_step,omitempty"`
}

func (h *Handlers) detailOf(r *http.Request, id string) (detail, error) {
	p := web.PrincipalFrom(r.Context())
	var d detail
	hh, err := h.Svc.Household(r.Context(), p, id)
	if err != nil {
		return d, err
	}
	g, err := h.Svc.Programme(r.Context(), p, hh.ProgrammeID)
	if err != nil {
		return d, err
	}
	steps, obj, err := h.Svc.History(r.Context(), p, id)
	if err != nil {
		return d, err
	}
	pays, _, err := h.Svc.Payments(r.Context(), p, PaymentFilter{HouseholdID: id, Limit: 1000})
	if err != nil {
		return d, err
	}
	return detail{Household: hh, Programme: g, Steps: steps, Objections: obj, Payments: pays, Next: NextStep(hh.Step)}, nil
}

func (h *Handlers) apiHousehold(w http.ResponseWriter, r *http.Request) {
	d, err := h.detailOf(r, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, d)
}

func (h *Handlers) household(w http.ResponseWriter, r *http.Request) {
	h.showHousehold(w, r, http.StatusOK, nil)
}

// showHousehold renders a household's page; f is a refused action's
// form (its error is shown above the actions).
func (h *Handlers) showHousehold(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	d, err := h.detailOf(r, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	p := web.PrincipalFrom(r.Context())
	a := actorOf(p)
	open := 0
	for _, o := range d.Objections {
		if o.Resolution == "" {
			open++
		}
	}
	data["D"], data["OpenObjections"] = d, open
	data["MayStep"] = (d.Next == StepCounty && a.County) || (d.Next != "" && d.Next != StepCounty && a.TownStaff)
	data["OwnEntry"] = d.Household.EnteredBy == p.UserID || d.Household.EditedBy == p.UserID
	data["MayObject"] = a.TownStaff && d.Household.Step == StepPublicity
	data["MayPay"] = CanPay(p) && d.Household.Step == StepCounty
	data["MayEdit"] = CanEnter(p) && CheckEdit(d.Household) == nil
	data["MayReturn"] = CheckReturn(d.Household, a, "-") == nil
	if f == nil {
		f = web.EmptyForm(map[string]string{"paid_on": h.Svc.Today(), "raised_on": h.Svc.Today(), "mode": ModeMoney})
	}
	hist, err := audit.ForEntity(r.Context(), h.DB.R(), "relief_household", d.Household.ID)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data["History"] = hist
	page := h.UI.NewPage(r, d.Household.HeadName+" · "+d.Programme.Name, data)
	page.Active, page.Form = "relief_households", f
	h.UI.Render(w, r, status, "relief_household", page)
}

// acted ends a household action: on success back to the household with
// flash; a refused rule or a bad field is shown on the household's page
// with its status (409, 422, 403).
func (h *Handlers) acted(w http.ResponseWriter, r *http.Request, f *web.Form, err error, flash string) {
	id := r.PathValue("id")
	if err != nil {
		k := errs.KindOf(err)
		if k == errs.Invalid || k == errs.Conflict || (k == errs.Forbidden && !isRefusedScope(err)) {
			h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) { h.showHousehold(w, r, status, f) })
			return
		}
		h.UI.Error(w, r, err)
		return
	}
	h.UI.Redirect(w, r, "/relief/households/"+id, flash)
}

func isRefusedScope(err error) bool { _, ok := errs.RefusedOf(err); return ok }

func (h *Handlers) step(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	in := StepInput{Step: f.Get("step"), Approved: f.Get("decision") != "reject", Note: f.Get("note"),
		PublicityFrom: f.Get("publicity_from"), PublicityTo: f.Get("publicity_to")}
	_, err := h.Svc.TakeStep(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), in)
	h.acted(w, r, f, err, "relief.step_done")
}

func (h *Handlers) objection(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	in := ObjectionInput{ID: f.Get("objection_id"), RaisedOn: f.Get("raised_on"), Content: f.Get("content"), Resolution: f.Get("resolution")}
	_, err := h.Svc.RecordObjection(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), in)
	h.acted(w, r, f, err, "relief.objection_done")
}

func (h *Handlers) pay(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	in := PaymentInput{MemberID: f.Get("member_id"), Category: f.Get("category"), Mode: f.Get("mode"), Item: f.Get("item"),
		DispatchRef: f.Get("dispatch_ref"), PaidOn: f.Get("paid_on")}
	var err error
	if in.Mode != ModeGoods {
		v, ok := ParseYuan(f.Get("amount"))
		if !ok {
			err = errs.Field("amount", "relief.amount_invalid", nil)
		}
		in.Amount = v
	} else {
		q, perr := strconv.ParseInt(strings.TrimSpace(f.Get("quantity")), 10, 64)
		if perr != nil {
			err = errs.Field("quantity", "relief.quantity_positive", nil)
		}
		in.Quantity = q
	}
	if err == nil {
		_, err = h.Svc.Pay(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), in)
	}
	h.acted(w, r, f, err, "relief.paid")
}

func (h *Handlers) paymentsOf(r *http.Request, pg web.Paging) ([]Payment, int, error) {
	f := PaymentFilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	list, t, err := h.Svc.Payments(r.Context(), web.PrincipalFrom(r.Context()), f)
	return list, t.Payments, err
}

func (h *Handlers) payments(w http.ResponseWriter, r *http.Request) {
	pg := web.PagingOf(r)
	f := PaymentFilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	list, t, err := h.Svc.Payments(r.Context(), web.PrincipalFrom(r.Context()), f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	q.Del("page")
	data["Rows"], data["Total"], data["Pager"], data["ExportQuery"] = list, t, web.PagerOf(pg, t.Payments), q.Encode()
	h.UI.Show(w, r, http.StatusOK, "relief_payments", "relief.payments_title", "relief_payments", data, nil)
}

func (h *Handlers) duplicates(w http.ResponseWriter, r *http.Request) {
	flags, err := h.Svc.Flags(r.Context(), web.PrincipalFrom(r.Context()))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data["Rows"] = flags
	h.UI.Show(w, r, http.StatusOK, "relief_duplicates", "relief.duplicates_title", "relief_households", data, nil)
}

// Link builds a list link with query values (figures, home).
func Link(path string, kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return path
	}
	return fmt.Sprintf("%s?%s", path, q.Encode())
}

// publicity shows the 公示 list of a programme for a town or village, and
// prints it (format=pdf) or exports it (format=xlsx). ID numbers are
// masked whatever the reader's role: the list is posted publicly.
func (h *Handlers) publicity(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	q := r.URL.Query()
	town := q.Get("town")
	if town == "" && p.Role == auth.RoleTown {
		town = p.RegionCode
	}
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data["Town"] = town
	if prog := q.Get("programme"); prog != "" {
		l, err := h.Svc.Publicity(r.Context(), p, prog, town, q.Get("village"), q.Get("contact"))
		if err != nil {
			h.UI.Error(w, r, err)
			return
		}
		name := l.Programme.Name + "-公示-" + l.Place
		switch q.Get("format") {
		case "pdf":
			h.UI.SendPDF(w, r, name+".pdf", func(out io.Writer) error {
				h.pdfOnce.Do(func() { h.pdf, h.pdfErr = pdfdoc.NewRenderer() })
				if h.pdfErr != nil {
					return h.pdfErr
				}
				return h.pdf.Render(out, l.Doc())
			})
			return
		case "xlsx":
			h.UI.SendXLSX(w, r, name+".xlsx", func(out io.Writer) (*xlsx.Writer, error) { return xlsx.NewWriter(out, PublicitySchema()) },
				l.WriteXLSX)
			return
		}
		data["List"] = l
	}
	h.UI.Show(w, r, http.StatusOK, "relief_publicity", "relief.publicity_title", "relief_households", data, nil)
}
