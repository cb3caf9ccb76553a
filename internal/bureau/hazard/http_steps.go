package hazard

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"yingji/internal/kit/attach"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/web"
)

// actionForm is one allowed action's form on the detail page.
type actionForm struct {
	Action Action
	Form   *web.Form
}

func (h *Handlers) show(w http.ResponseWriter, r *http.Request) {
	h.detail(w, r, http.StatusOK, "", nil)
}

// detail renders the hazard page; failed names the action whose form is
// shown again with what was typed and the error.
func (h *Handlers) detail(w http.ResponseWriter, r *http.Request, status int, failed Action, ff *web.Form) {
	p := web.PrincipalFrom(r.Context())
	rec, tl, err := h.hazardOf(r, p)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.lookups(r.Context(), p)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	today := h.Svc.Today()
	var forms []actionForm
	for _, a := range Allowed(rec.Rules()) {
		if !MayAct(p, rec, a) {
			continue
		}
		f := web.EmptyForm(h.stepDefaults(rec, a, today))
		if a == failed && ff != nil {
			f = ff
		}
		forms = append(forms, actionForm{Action: a, Form: f})
	}
	data["H"], data["Timeline"], data["Forms"], data["Failed"] = rec, tl, forms, failed
	if ff != nil && ff.Error != "" && !slices.ContainsFunc(forms, func(x actionForm) bool { return x.Action == failed }) {
		// The step is no longer possible (a colleague acted first, a page
		// left open): say why above the steps that are.
		data["StaleError"] = ff.Error
	}
	card, err := h.Svc.CardOf(r.Context(), rec)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data["Card"], data["Days"] = card, DaysOverdue(rec, today)
	// 延期: a request to the approver, not a step (package supervise).
	data["CanRequestExtension"] = p.Is(ExtensionRequesters...) && (rec.State == Ordered || rec.State == Rectifying)
	data["ClauseText"], data["Clauses"] = ClauseText(rec.Clause), ClausesOn(rec.Sector, rec.FoundOn)
	data["CanSeeEnterprise"] = rec.EnterpriseID != ""
	page := h.UI.NewPage(r, rec.PlaceName, data)
	page.Active = "hazards"
	if ff != nil {
		page.Form = ff
	}
	h.UI.Render(w, r, status, "hazard", page)
}

// hazardOf reads the path's hazard and its timeline.
func (h *Handlers) hazardOf(r *http.Request, p *auth.Principal) (Record, []Event, error) {
	rec, err := h.Svc.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return rec, nil, err
	}
	tl, err := h.Svc.Timeline(r.Context(), p, rec.ID)
	return rec, tl, err
}

// stepDefaults fills an action's form: today, a deadline two weeks on,
// the plan already entered.
func (h *Handlers) stepDefaults(rec Record, a Action, today string) map[string]string {
	v := map[string]string{"on": today, "action": string(a)}
	switch a {
	case ActGrade:
		v["grade"] = string(General)
	case ActOrder:
		v["deadline"] = Date(mustDate(today).AddDate(0, 0, 15))
	}
	if a == ActGrade || a == ActOrder {
		v["plan_measures"], v["plan_funds"], v["plan_deadline"], v["plan_person"], v["plan_emergency"] =
			rec.PlanMeasures, rec.PlanFunds, rec.PlanDeadline, rec.PlanPerson, rec.PlanEmergency
		v["clause"] = rec.Clause
	}
	return v
}

// invalidOrRefused is the step form's onForm: a bad field (422) and a
// step the hazard refuses (409) are both shown on the form, with what was
// typed.
func invalidOrRefused(err error) bool {
	k := errs.KindOf(err)
	return k == errs.Invalid || k == errs.Conflict
}

// stepOf reads a step from a form.
func stepOf(f *web.Form) StepInput {
	clause, _ := FindClause(f.Get("clause"))
	return StepInput{Action: Action(f.Get("action")), On: f.Get("on"), Grade: Grade(f.Get("grade")), Clause: clause, Deadline: f.Get("deadline"),
		OnSite: f.Get("on_site") == "on" || f.Get("on_site") == "1", DocNumber: f.Get("doc_number"), Reason: f.Get("reason"),
		PlanMeasures: f.Get("plan_measures"), PlanFunds: f.Get("plan_funds"), PlanDeadline: f.Get("plan_deadline"),
		PlanPerson: f.Get("plan_person"), PlanEmergency: f.Get("plan_emergency")}
}

func (h *Handlers) step(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	f, files, done, err := parseForm(w, r)
	defer done()
	in := stepOf(f)
	if err == nil {
		_, err = h.Svc.Do(r.Context(), p, id, in, files)
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, invalidOrRefused, func(status int) {
			if e, ok := errs.As(err); ok && f.Error == "" {
				f.Error = h.UI.Message(web.Lang(r.Context()), e)
			}
			h.detail(w, r, status, in.Action, f)
		})
		return
	}
	h.UI.Redirect(w, r, "/hazards/"+id, "hazard.step_done", "Action", h.UI.I18n.T(web.Lang(r.Context()), "hazard.action."+string(in.Action), nil))
}

func (h *Handlers) file(w http.ResponseWriter, r *http.Request) {
	a, rc, err := h.Svc.File(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	defer rc.Close()
	disp := "attachment"
	if strings.HasPrefix(a.ContentType, "image/") || a.ContentType == attach.TypePDF {
		disp = "inline"
	}
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Length", strconv.FormatInt(a.Size, 10))
	w.Header().Set("Content-Disposition", disp+"; filename*=UTF-8''"+url.PathEscape(a.Filename))
	w.Header().Set("Cache-Control", "private, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = io.Copy(w, rc)
}
