package inspection

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/org"
	"yingji/internal/kit/web"
)

type ctxT = context.Context

func atoi(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}

func (h *Handlers) plans(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	year := atoi(r.URL.Query().Get("year"))
	list, err := h.Svc.Plans(r.Context(), p, year)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.Show(w, r, http.StatusOK, "insp_plans", "inspection.plans", "inspection-plans", map[string]any{"Plans": list}, nil)
}

func (h *Handlers) planFormData(r *http.Request, sectionID string) (map[string]any, error) {
	p := web.PrincipalFrom(r.Context())
	units, err := h.Org.ListUnits(r.Context(), p, org.UnitFilter{Kind: org.UnitSection})
	if err != nil {
		return nil, err
	}
	var ents []enterprise.Enterprise
	var sectors []string
	for _, u := range units {
		if u.ID == sectionID {
			sectors = u.Sectors
		}
	}
	if err := h.Ent.Each(r.Context(), p, enterprise.Filter{}, func(e enterprise.Enterprise) error {
		if sectionID == "" || len(sectors) == 0 || contains(sectors, e.Sector) {
			ents = append(ents, e)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	return map[string]any{"Units": units, "Enterprises": ents, "Months": []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}}, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (h *Handlers) planForm(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	q := r.URL.Query()
	section := q.Get("section")
	if p.Role == auth.RoleSection {
		section = p.UnitID
	}
	year := atoi(q.Get("year"))
	if year == 0 {
		year = atoi(h.Svc.Today()[:4])
	}
	vals := map[string]string{"year": strconv.Itoa(year), "section_id": section, "random_share": "70", "staff": "4", "other_days": "0", "non_enf_days": "0"}
	// Editing: the section's plan of the year fills the form.
	if plans, err := h.Svc.Plans(r.Context(), p, year); err == nil {
		for _, x := range plans {
			if x.SectionID == section {
				vals["title"], vals["random_share"], vals["staff"] = x.Title, strconv.Itoa(x.RandomShare), strconv.Itoa(x.Staff)
				vals["other_days"], vals["non_enf_days"] = strconv.Itoa(x.OtherDays), strconv.Itoa(x.NonEnfDays)
				for i, m := range x.Monthly {
					vals["m"+strconv.Itoa(i+1)] = strconv.Itoa(m)
				}
				for _, id := range x.Key {
					vals["ent_"+id] = "key"
				}
				for _, id := range x.General {
					vals["ent_"+id] = "general"
				}
			}
		}
	}
	data, err := h.planFormData(r, section)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.Show(w, r, http.StatusOK, "insp_plan_form", "inspection.plan_new", "inspection-plans", data, web.EmptyForm(vals))
}

func planOf(r *http.Request) Plan {
	pf := r.PostForm
	x := Plan{Year: atoi(pf.Get("year")), SectionID: pf.Get("section_id"), Title: pf.Get("title"), RandomShare: atoi(pf.Get("random_share")),
		Staff: atoi(pf.Get("staff")), OtherDays: atoi(pf.Get("other_days")), NonEnfDays: atoi(pf.Get("non_enf_days"))}
	for i := range x.Monthly {
		x.Monthly[i] = atoi(pf.Get("m" + strconv.Itoa(i+1)))
	}
	for k, v := range pf {
		id, ok := strings.CutPrefix(k, "ent_")
		if !ok || len(v) == 0 {
			continue
		}
		switch v[0] {
		case "key":
			x.Key = append(x.Key, id)
		case "general":
			x.General = append(x.General, id)
		}
	}
	return x
}

func (h *Handlers) savePlan(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := web.NewForm(r)
	x, err := h.Svc.SavePlan(r.Context(), p, planOf(r))
	if err == nil {
		h.UI.Redirect(w, r, "/inspection-plans/"+x.ID, "inspection.plan_saved")
		return
	}
	h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) {
		data, derr := h.planFormData(r, f.Get("section_id"))
		if derr != nil {
			h.UI.Error(w, r, derr)
			return
		}
		h.UI.Show(w, r, status, "insp_plan_form", "inspection.plan_new", "inspection-plans", data, f)
	})
}

func (h *Handlers) plan(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	x, err := h.Svc.Plan(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	type row struct {
		ID, Name, Kind string
		Done           bool
	}
	var rows []row
	for _, id := range x.Key {
		rows = append(rows, row{id, x.Names[id], "key", x.Done[id]})
	}
	for _, id := range x.General {
		rows = append(rows, row{id, x.Names[id], "general", x.Done[id]})
	}
	h.UI.Show(w, r, http.StatusOK, "insp_plan", "inspection.plan", "inspection-plans", map[string]any{"P": x, "Rows": rows,
		"Months": x.Monthly, "Today": h.Svc.Today()}, web.EmptyForm(map[string]string{"approved_on": h.Svc.Today()}))
}

func (h *Handlers) approve(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	_, err := h.Svc.ApprovePlan(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), f.Get("approved_on"), f.Get("approval_ref"))
	h.UI.Done(w, r, err, "/inspection-plans/"+r.PathValue("id"), "inspection.plan_approved")
}

// ---- draws ----

func (h *Handlers) drawsData(r *http.Request) (map[string]any, error) {
	p := web.PrincipalFrom(r.Context())
	list, err := h.Svc.Draws(r.Context(), p)
	if err != nil {
		return nil, err
	}
	plans, err := h.Svc.Plans(r.Context(), p, 0)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Draws": list, "Plans": plans, "Sectors": org.Sectors}, nil
}

func (h *Handlers) draws(w http.ResponseWriter, r *http.Request) {
	data, err := h.drawsData(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.Show(w, r, http.StatusOK, "insp_draws", "inspection.draws", "inspection-draws", data,
		web.EmptyForm(map[string]string{"count": "5", "per_task": "2", "avoid_repeat": "1"}))
}

func (h *Handlers) draw(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	in := DrawRequest{Title: f.Get("title"), PlanID: f.Get("plan_id"), Sector: f.Get("sector"), Town: f.Get("town"), Seed: f.Get("seed"),
		Count: atoi(f.Get("count")), PerTask: atoi(f.Get("per_task")), AvoidRepeat: f.Get("avoid_repeat") == "1"}
	d, err := h.Svc.NewDraw(r.Context(), web.PrincipalFrom(r.Context()), in)
	if err == nil {
		h.UI.Redirect(w, r, "/inspection-draws/"+d.ID, "inspection.drawn")
		return
	}
	h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) {
		data, derr := h.drawsData(r)
		if derr != nil {
			h.UI.Error(w, r, derr)
			return
		}
		h.UI.Show(w, r, status, "insp_draws", "inspection.draws", "inspection-draws", data, f)
	})
}

func (h *Handlers) drawPage(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	d, err := h.Svc.GetDraw(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data := map[string]any{"D": d, "Pool": len(d.Input.Enterprises), "InspPool": len(d.Input.Inspectors)}
	if r.URL.Query().Get("replay") == "1" {
		_, same, err := h.Svc.Replay(r.Context(), p, d.ID)
		if err != nil {
			h.UI.Error(w, r, err)
			return
		}
		data["Replayed"], data["Same"] = true, same
	}
	h.UI.Show(w, r, http.StatusOK, "insp_draw", "inspection.draw", "inspection-draws", data, nil)
}

func (h *Handlers) publish(w http.ResponseWriter, r *http.Request) {
	_, err := h.Svc.Publish(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	h.UI.Done(w, r, err, "/inspection-draws/"+r.PathValue("id"), "inspection.published")
}

// ---- inspectors ----

func (h *Handlers) inspectorsData(r *http.Request) (map[string]any, error) {
	p := web.PrincipalFrom(r.Context())
	list, err := h.Svc.Inspectors(r.Context(), p)
	if err != nil {
		return nil, err
	}
	data := map[string]any{"Inspectors": list}
	if p.Is(Planners...) {
		c, err := h.Svc.Candidates(r.Context(), p)
		if err != nil {
			return nil, err
		}
		data["Candidates"] = c
	}
	var idList []string
	for _, x := range list {
		idList = append(idList, x.Related...)
	}
	names, err := h.Ent.Names(r.Context(), p, idList)
	if err != nil {
		return nil, err
	}
	data["Names"] = names
	return data, nil
}

func (h *Handlers) inspectors(w http.ResponseWriter, r *http.Request) {
	data, err := h.inspectorsData(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.Show(w, r, http.StatusOK, "insp_inspectors", "inspection.inspectors", "inspectors", data, web.EmptyForm(nil))
}

func (h *Handlers) saveInspector(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := web.NewForm(r)
	var related []string
	for _, ref := range strings.FieldsFunc(f.Get("related"), func(c rune) bool { return c == ',' || c == '，' || c == '\n' || c == '、' }) {
		if id, _, _, found, err := h.Ent.Resolve(r.Context(), p.CountyCode, strings.TrimSpace(ref)); err == nil && found {
			related = append(related, id)
		} else {
			f.Errors["related"] = h.UI.I18n.T(web.Lang(r.Context()), "inspection.enterprise_unknown", map[string]any{"ID": ref})
		}
	}
	var err error
	if len(f.Errors) == 0 {
		_, err = h.Svc.SaveInspector(r.Context(), p, Inspector{UserID: f.Get("user_id"), CertNo: f.Get("cert_no"), Related: related, Active: f.Get("active") != "0"})
		if err == nil {
			h.UI.Redirect(w, r, "/inspectors", "inspection.inspector_saved")
			return
		}
		f.SetErrors(h.UI, web.Lang(r.Context()), err)
	}
	data, derr := h.inspectorsData(r)
	if derr != nil {
		h.UI.Error(w, r, derr)
		return
	}
	h.UI.Show(w, r, http.StatusUnprocessableEntity, "insp_inspectors", "inspection.inspectors", "inspectors", data, f)
}
