package prepare

import (
	"net/http"
	"strconv"
	"strings"

	"yingji/internal/kit/web"
)

// ---- drills ----

func (h *Handlers) drills(w http.ResponseWriter, r *http.Request) {
	f := DrillFilterOf(r.URL.Query())
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.Size, pg.Offset()
	list, total, err := h.Svc.ListDrills(r.Context(), web.PrincipalFrom(r.Context()), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data := h.lookups(r)
	data["Drills"], data["Pager"] = list, web.PagerOf(pg, total)
	h.UI.Show(w, r, http.StatusOK, "prep_drills", "prepare.drills", "prep_drills", data, nil)
}

func (h *Handlers) drillForm(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	h.UI.Show(w, r, status, "prep_drill_form", "prepare.drill_new", "prep_drills", h.lookups(r), f)
}

func (h *Handlers) newDrill(w http.ResponseWriter, r *http.Request) {
	h.drillForm(w, r, http.StatusOK, web.EmptyForm(map[string]string{"drill_on": h.Svc.Today(), "form": "tabletop"}))
}

func atoi(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0
	}
	return n
}

func (h *Handlers) createDrill(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	d := Drill{Name: f.Get("name"), DrillOn: f.Get("drill_on"), Form: f.Get("form"), RegionCode: f.Get("region_code"), Units: f.Get("units"),
		Participants: atoi(f.Get("participants")), Evaluation: f.Get("evaluation"), PlanID: f.Get("plan_id")}
	if f.Get("participants") != "" && strconv.Itoa(d.Participants) != strings.TrimSpace(f.Get("participants")) {
		d.Participants = -1
	}
	for i := 1; i <= 3; i++ {
		n := strconv.Itoa(i)
		d.Tasks = append(d.Tasks, DrillTask{Problem: f.Get("problem" + n), Owner: f.Get("owner" + n), DueOn: f.Get("due" + n)})
	}
	d, err := h.Svc.CreateDrill(r.Context(), web.PrincipalFrom(r.Context()), d)
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.HasFieldErrors, func(status int) { h.drillForm(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/drills/"+d.ID, "action.saved")
}

func (h *Handlers) drill(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	d, err := h.Svc.GetDrill(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data := h.lookups(r)
	data["D"], data["CanWrite"] = d, CanWriteRow(p, d.RegionCode, d.EnterpriseID)
	h.UI.Show(w, r, http.StatusOK, "prep_drill", "prepare.drill", "prep_drills", data, nil)
}

func (h *Handlers) taskDone(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	on := f.Get("done_on")
	if on == "" {
		on = h.Svc.Today()
	}
	err := h.Svc.CloseTask(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), r.PathValue("task"), on)
	h.UI.Done(w, r, err, "/drills/"+r.PathValue("id"), "action.saved")
}
