package prepare

import (
	"net/http"
	"strconv"
	"strings"

	"yingji/internal/kit/errs"
	"yingji/internal/kit/web"
)

// ---- teams ----

func (h *Handlers) teams(w http.ResponseWriter, r *http.Request) {
	f := TeamFilterOf(r.URL.Query())
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.Size, pg.Offset()
	list, total, err := h.Svc.ListTeams(r.Context(), web.PrincipalFrom(r.Context()), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	people := 0
	for _, t := range list {
		people += t.Headcount
	}
	data := h.lookups(r)
	data["Teams"], data["Pager"], data["People"] = list, web.PagerOf(pg, total), people
	data["Year"] = h.Svc.Today()[:4]
	if y := r.URL.Query().Get("no_rollcall"); len(y) == 4 {
		data["Year"] = y
	}
	h.UI.Show(w, r, http.StatusOK, "prep_teams", "prepare.teams", "prep_teams", data, nil)
}

func teamValues(t Team) map[string]string {
	v := map[string]string{"name": t.Name, "kind": t.Kind, "level": t.Level, "region_code": t.RegionCode, "enterprise_id": t.EnterpriseID,
		"headcount": strconv.Itoa(t.Headcount), "leader": t.Leader, "phone": t.Phone, "equipment": t.Equipment, "readiness": t.Readiness,
		"dyke_section": t.DykeSection, "patrol_line": strconv.Itoa(t.PatrolLine), "established_on": t.EstablishedOn,
		"supplies_updated_on": t.SuppliesUpdatedOn}
	if t.Lat != nil && t.Lng != nil {
		v["lat"], v["lng"] = strconv.FormatFloat(*t.Lat, 'f', -1, 64), strconv.FormatFloat(*t.Lng, 'f', -1, 64)
	}
	return v
}

// teamFromForm reads a team; a headcount that is not a whole number is a
// field error.
func teamFromForm(f *web.Form) (Team, error) {
	t := Team{Name: f.Get("name"), Kind: f.Get("kind"), Level: f.Get("level"), RegionCode: f.Get("region_code"), EnterpriseID: f.Get("enterprise_id"),
		Leader: f.Get("leader"), Phone: f.Get("phone"), Equipment: f.Get("equipment"), Readiness: f.Get("readiness"), DykeSection: f.Get("dyke_section"),
		PatrolLine: atoi(f.Get("patrol_line")), EstablishedOn: f.Get("established_on"), SuppliesUpdatedOn: f.Get("supplies_updated_on")}
	n, err := strconv.Atoi(strings.TrimSpace(f.Get("headcount")))
	if err != nil {
		return t, errs.FieldErrors{errs.Field("headcount", "prepare.headcount_required", nil)}.Err()
	}
	t.Headcount = n
	if f.Get("lat") != "" || f.Get("lng") != "" {
		la, e1 := strconv.ParseFloat(f.Get("lat"), 64)
		lo, e2 := strconv.ParseFloat(f.Get("lng"), 64)
		if e1 != nil || e2 != nil {
			return t, errs.FieldErrors{errs.Field("lat", "prepare.latlng_invalid", nil)}.Err()
		}
		t.Lat, t.Lng = &la, &lo
	}
	return t, nil
}

func (h *Handlers) teamForm(w http.ResponseWriter, r *http.Request, status int, f *web.Form, t *Team) {
	data := h.lookups(r)
	data["T"] = t
	title := "prepare.team_new"
	if t != nil {
		title = "prepare.team_edit"
	}
	h.UI.Show(w, r, status, "prep_team_form", title, "prep_teams", data, f)
}

func (h *Handlers) newTeam(w http.ResponseWriter, r *http.Request) {
	h.teamForm(w, r, http.StatusOK, web.EmptyForm(map[string]string{"established_on": h.Svc.Today(), "kind": KindFloodRescue, "level": "town",
		"readiness": "ready"}), nil)
}

func (h *Handlers) createTeam(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	t, err := teamFromForm(f)
	if err == nil {
		t, err = h.Svc.SaveTeam(r.Context(), web.PrincipalFrom(r.Context()), "", t)
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.HasFieldErrors, func(status int) { h.teamForm(w, r, status, f, nil) })
		return
	}
	h.UI.Redirect(w, r, "/teams/"+t.ID, "action.saved")
}

func (h *Handlers) team(w http.ResponseWriter, r *http.Request) {
	h.showTeam(w, r, http.StatusOK, nil)
}

func (h *Handlers) showTeam(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	t, err := h.Svc.GetTeam(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	calls, err := h.Svc.RollCalls(r.Context(), p, t.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data := h.lookups(r)
	data["T"], data["Calls"], data["CanWrite"] = t, calls, CanWriteRow(p, t.RegionCode, t.EnterpriseID)
	if f == nil {
		f = web.EmptyForm(map[string]string{"on_date": h.Svc.Today(), "present": strconv.Itoa(t.Headcount), "result": "pass"})
	}
	h.UI.Show(w, r, status, "prep_team", "prepare.team", "prep_teams", data, f)
}

func (h *Handlers) editTeam(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	t, err := h.Svc.GetTeam(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.teamForm(w, r, http.StatusOK, web.EmptyForm(teamValues(t)), &t)
}

func (h *Handlers) updateTeam(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	f := web.NewForm(r)
	t, err := teamFromForm(f)
	if err == nil {
		_, err = h.Svc.SaveTeam(r.Context(), p, id, t)
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.HasFieldErrors, func(status int) {
			old, gerr := h.Svc.GetTeam(r.Context(), p, id)
			if gerr != nil {
				h.fail(w, r, gerr)
				return
			}
			h.teamForm(w, r, status, f, &old)
		})
		return
	}
	h.UI.Redirect(w, r, "/teams/"+id, "action.saved")
}

func (h *Handlers) rollCall(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	rc := RollCall{OnDate: f.Get("on_date"), Present: atoi(f.Get("present")), Result: f.Get("result"), Note: f.Get("note")}
	id := r.PathValue("id")
	if _, err := h.Svc.AddRollCall(r.Context(), web.PrincipalFrom(r.Context()), id, rc); err != nil {
		h.UI.FormFailed(w, r, f, err, web.HasFieldErrors, func(status int) { h.showTeam(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/teams/"+id, "action.saved")
}

// ---- experts ----

func (h *Handlers) experts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pg := web.PagingOf(r)
	list, total, err := h.Svc.ListExperts(r.Context(), web.PrincipalFrom(r.Context()), ExpertFilter{Q: q.Get("q"), Field: q.Get("field"),
		Limit: pg.Size, Offset: pg.Offset()})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data := h.lookups(r)
	data["Experts"], data["Pager"] = list, web.PagerOf(pg, total)
	h.UI.Show(w, r, http.StatusOK, "prep_experts", "prepare.experts", "prep_experts", data, nil)
}

func (h *Handlers) newExpert(w http.ResponseWriter, r *http.Request) {
	h.UI.Show(w, r, http.StatusOK, "prep_expert_form", "prepare.expert_new", "prep_experts", h.lookups(r), web.EmptyForm(nil))
}

func (h *Handlers) createExpert(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	e := Expert{Name: f.Get("name"), Field: f.Get("field"), Unit: f.Get("unit"), Title: f.Get("title"), Phone: f.Get("phone")}
	if _, err := h.Svc.CreateExpert(r.Context(), web.PrincipalFrom(r.Context()), e); err != nil {
		h.UI.FormFailed(w, r, f, err, web.HasFieldErrors, func(status int) {
			h.UI.Show(w, r, status, "prep_expert_form", "prepare.expert_new", "prep_experts", h.lookups(r), f)
		})
		return
	}
	h.UI.Redirect(w, r, "/experts", "action.saved")
}
