package relief

import (
	"net/http"
	"strconv"
	"strings"

	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/web"
)

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

// HouseholdDetail is everything a household's page or API answer
// (GET /api/v1/relief/households/{id}) shows.
type HouseholdDetail struct {
	Household  Household   `json:"household"`
	Programme  Programme   `json:"programme"`
	Steps      []StepDone  `json:"steps"`
	Objections []Objection `json:"objections"`
	Payments   []Payment   `json:"payments"`
	Next       string      `json:"next_step,omitempty"`
}

func (h *Handlers) detailOf(r *http.Request, id string) (HouseholdDetail, error) {
	p := web.PrincipalFrom(r.Context())
	var d HouseholdDetail
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
	return HouseholdDetail{Household: hh, Programme: g, Steps: steps, Objections: obj, Payments: pays, Next: NextStep(hh.Step)}, nil
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
