package supervise

import (
	"net/http"

	"yingji/internal/kit/errs"
	"yingji/internal/kit/web"
)

// Extensions

func (h *Handlers) extensionForm(w http.ResponseWriter, r *http.Request) {
	v := map[string]string{"hazard_id": r.URL.Query().Get("hazard"), "requested_on": h.Svc.today()}
	h.formPage(w, r, http.StatusOK, "extension", "sup_extension_form", "supervise.extension_new", web.EmptyForm(v), nil)
}

func (h *Handlers) requestExtension(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	e, err := h.Svc.RequestExtension(r.Context(), web.PrincipalFrom(r.Context()), ExtensionInput{HazardID: f.Get("hazard_id"),
		RequestedOn: f.Get("requested_on"), RequestedDeadline: f.Get("requested_deadline"), Reason: r.PostForm.Get("reason")})
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.IsInvalid, func(status int) {
			h.formPage(w, r, status, "extension", "sup_extension_form", "supervise.extension_new", f, nil)
		})
		return
	}
	h.UI.Redirect(w, r, "/supervision/extensions/"+e.ID, "supervise.extension_requested")
}

func (h *Handlers) extensionPage(w http.ResponseWriter, r *http.Request, status int, id string, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	v, err := h.Svc.GetExtension(r.Context(), p, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data, err := h.lookups(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if f == nil {
		f = web.EmptyForm(map[string]string{"on": h.Svc.today(), "approve": "1"})
	}
	data["V"] = v
	if v.State == ExtPending {
		// The four-eyes rule: the form only for who may decide; the others
		// are told who does.
		switch err := h.Svc.MayDecide(r.Context(), p, v.Extension, v.Hazard); {
		case err == nil:
			data["CanDecide"] = true
		case errs.Is(err, errs.Conflict):
			lang := web.Lang(r.Context())
			note := h.UI.Message(lang, err)
			if set, serr := h.Svc.Settings(r.Context(), p.CountyCode); serr == nil && v.Hazard.Listed && p.Role != set.ListedApprover {
				// Tell who decides a listed hazard's request.
				note += " " + h.UI.Message(lang, conflict("listed_approver", "RoleZH", set.ListedApprover.Label("zh"), "RoleEN", set.ListedApprover.Label("en")))
			}
			data["DecideNote"] = note
		case !errs.Is(err, errs.Forbidden):
			h.fail(w, r, err)
			return
		}
	}
	page := h.UI.NewPage(r, "", data)
	page.Title = page.T("supervise.extension")
	page.Active = "supervision"
	page.Form = f
	h.UI.Render(w, r, status, "sup_extension", page)
}

func (h *Handlers) extension(w http.ResponseWriter, r *http.Request) {
	h.extensionPage(w, r, http.StatusOK, r.PathValue("id"), nil)
}

func (h *Handlers) decide(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	id := r.PathValue("id")
	approve := f.Get("approve") == "1"
	_, err := h.Svc.DecideExtension(r.Context(), web.PrincipalFrom(r.Context()), id, DecisionInput{Approve: approve, On: f.Get("on"),
		Reason: r.PostForm.Get("reason")})
	if err != nil {
		// A refusal by the four-eyes rule (409) is shown on the request's
		// page with the rule, like a refusal of the form.
		onPage := func(err error) bool { return web.IsInvalid(err) || errs.Is(err, errs.Conflict) }
		h.UI.FormFailed(w, r, f, err, onPage, func(status int) {
			h.withMessage(r, f, err)
			h.extensionPage(w, r, status, id, f)
		})
		return
	}
	msg := "supervise.extension_refused"
	if approve {
		msg = "supervise.extension_approved"
	}
	h.UI.Redirect(w, r, "/supervision/extensions/"+id, msg)
}
