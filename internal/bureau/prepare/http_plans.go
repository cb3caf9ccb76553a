package prepare

import (
	"net/http"

	"yingji/internal/kit/errs"
	"yingji/internal/kit/web"
)

func (h *Handlers) overview(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	data := h.lookups(r)
	_, np, err := h.Svc.ListPlans(r.Context(), p, PlanFilter{Limit: 1})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	_, nover, _ := h.Svc.ListPlans(r.Context(), p, PlanFilter{Overdue: true, Limit: 1})
	_, nt, _ := h.Svc.ListTeams(r.Context(), p, TeamFilter{Limit: 1})
	_, nd, _ := h.Svc.ListDrills(r.Context(), p, DrillFilter{Limit: 1})
	data["Plans"], data["Overdue"], data["Teams"], data["Drills"] = np, nover, nt, nd
	h.UI.Show(w, r, http.StatusOK, "prep_overview", "nav.preparedness", "preparedness", data, nil)
}

// ---- plans ----

func (h *Handlers) plans(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := PlanFilterOf(r.URL.Query())
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.Size, pg.Offset()
	list, total, err := h.Svc.ListPlans(r.Context(), p, f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data := h.lookups(r)
	data["Plans"], data["Pager"] = list, web.PagerOf(pg, total)
	h.UI.Show(w, r, http.StatusOK, "prep_plans", "prepare.plans", "prep_plans", data, nil)
}

func (h *Handlers) planForm(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	h.UI.Show(w, r, status, "prep_plan_form", "prepare.plan_new", "prep_plans", h.lookups(r), f)
}

func (h *Handlers) newPlan(w http.ResponseWriter, r *http.Request) {
	h.planForm(w, r, http.StatusOK, web.EmptyForm(map[string]string{"drafted_on": h.Svc.Today(), "category": CatSpecial}))
}

func (h *Handlers) createPlan(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	x := Plan{Name: f.Get("name"), Category: f.Get("category"), OwnerUnit: f.Get("owner_unit"), RegionCode: f.Get("region_code"),
		EnterpriseID: f.Get("enterprise_id"), Flood: f.Get("flood") == "1", DraftedOn: f.Get("drafted_on")}
	x, err := h.Svc.CreatePlan(r.Context(), web.PrincipalFrom(r.Context()), x)
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.HasFieldErrors, func(status int) { h.planForm(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/plans/"+x.ID, "action.saved")
}

func (h *Handlers) plan(w http.ResponseWriter, r *http.Request) {
	h.showPlan(w, r, http.StatusOK, nil)
}

func (h *Handlers) showPlan(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	x, err := h.Svc.GetPlan(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	steps, err := h.Svc.PlanSteps(r.Context(), p, x.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data := h.lookups(r)
	data["P"], data["Steps"], data["Next"], data["FilingBody"] = x, steps, NextSteps(x), FilingBody(x.Category)
	data["CanWrite"], data["CanFile"] = CanWriteRow(p, x.RegionCode, x.EnterpriseID), CanFile(p)
	data["FilingOverdue"] = x.FilingOverdue(h.Svc.Today())
	if f == nil {
		f = web.EmptyForm(map[string]string{"on": h.Svc.Today()})
	}
	h.UI.Show(w, r, status, "prep_plan", "prepare.plan", "prep_plans", data, f)
}

func (h *Handlers) step(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	st := Step{To: f.Get("to"), On: f.Get("on"), Experts: f.Get("experts"), Minutes: f.Get("minutes"), Opinion: f.Get("opinion"),
		Online: f.Get("online") == "1", Body: f.Get("body"), FiledTo: f.Get("filed_to"), Trigger: f.Get("trigger"), Note: f.Get("note")}
	id := r.PathValue("id")
	if _, err := h.Svc.TakeStep(r.Context(), web.PrincipalFrom(r.Context()), id, st); err != nil {
		onForm := func(err error) bool { return errs.Fields(err) != nil || errs.Is(err, errs.Conflict) }
		h.UI.FormFailed(w, r, f, err, onForm, func(status int) { h.showPlan(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/plans/"+id, "action.saved")
}
