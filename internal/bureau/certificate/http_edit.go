package certificate

import (
	"net/http"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/web"
)

// denied answers an enterprise account reaching for another enterprise's
// certificate: 403, and the attempt is audited.
func (h *Handlers) denied(w http.ResponseWriter, r *http.Request, id string, err error) bool {
	p := web.PrincipalFrom(r.Context())
	e, ok := errs.As(err)
	if p.Role != auth.RoleEnterprise || !ok || e.Message != "certificate.other_forbidden" {
		return false
	}
	if err := h.Svc.RecordDenied(r.Context(), p, id, r.Method+" "+r.URL.Path); err != nil {
		h.UI.Log.Error("audit denied", "err", err)
	}
	h.UI.Fail(w, r, http.StatusForbidden, "certificate.other_forbidden")
	return true
}

// get reads a certificate again to show its form after a refused post;
// when it cannot, the error is answered (see fail) and ok is false.
func (h *Handlers) get(w http.ResponseWriter, r *http.Request, id string) (c Certificate, ok bool) {
	c, _, err := h.Svc.Get(r.Context(), web.PrincipalFrom(r.Context()), id)
	if err != nil {
		h.fail(w, r, id, err)
		return c, false
	}
	return c, true
}

// fail answers a service error, auditing an enterprise account's reach
// into another enterprise.
func (h *Handlers) fail(w http.ResponseWriter, r *http.Request, id string, err error) {
	if !h.denied(w, r, id, err) {
		h.UI.Error(w, r, err)
	}
}

func (h *Handlers) show(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	c, e, err := h.Svc.Get(r.Context(), p, id)
	if err != nil {
		h.fail(w, r, id, err)
		return
	}
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	renewals, err := h.Svc.Renewals(r.Context(), p, id)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	hist, err := audit.ForEntity(r.Context(), h.DB.R(), "certificate", id)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	today := h.Svc.Today()
	data["C"] = Row{Certificate: c, Status: StatusOf(c, today), DaysLeft: today.DaysUntil(c.ValidUntil), EnterpriseName: e.Name}
	data["E"], data["Renewals"], data["History"] = e, renewals, hist
	data["CanEdit"], data["CanCheck"] = CanEdit(p, e), CanCheck(p, e)
	page := h.UI.NewPage(r, c.PersonName+" · "+translate(r, h.UI, "certificate.kind_short."+c.Kind), data)
	page.Active = "certificates"
	h.UI.Render(w, r, http.StatusOK, "certificate", page)
}

// translate translates a message for the request's language.
func translate(r *http.Request, ui *web.UI, id string) string {
	return ui.I18n.T(web.Lang(r.Context()), id, nil)
}

// editableEnterprises are the enterprises p may record certificates for
// (the form's choice).
func (h *Handlers) editableEnterprises(r *http.Request) ([]enterprise.Enterprise, error) {
	p := web.PrincipalFrom(r.Context())
	var out []enterprise.Enterprise
	err := h.Ent.Each(r.Context(), p, enterprise.Filter{}, func(e enterprise.Enterprise) error {
		if CanEdit(p, e) && e.Status != enterprise.StatusClosed {
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

func (h *Handlers) form(w http.ResponseWriter, r *http.Request, status int, f *web.Form, c *Certificate) {
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	ents, err := h.editableEnterprises(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data["Enterprises"], data["C"] = ents, c
	title := "certificate.new"
	if c != nil {
		title = "certificate.edit"
	}
	h.UI.Show(w, r, status, "certificate_form", title, "certificates", data, f)
}

// formValues turns a certificate into form values.
func formValues(c Certificate) map[string]string {
	return map[string]string{"enterprise_id": c.EnterpriseID, "person_name": c.PersonName, "id_number": c.IDNumber,
		"person_role": c.PersonRole, "kind": c.Kind, "category": c.Category, "number": c.Number, "authority": c.Authority,
		"issued_on": c.IssuedOn.String(), "expires_on": c.ExpiresOn.String(), "review_due_on": c.ReviewDueOn.String(), "note": c.Note}
}

// dateFields reads date fields of a form; a value that is not a date is
// a field error.
func dateFields(f *web.Form, fields map[string]*Date) errs.FieldErrors {
	var fe errs.FieldErrors
	for _, k := range []string{"issued_on", "expires_on", "review_due_on", "done_on", "warned_on", "as_of"} {
		dst, ok := fields[k]
		if !ok {
			continue
		}
		d, err := ParseDate(f.Get(k))
		if err != nil {
			fe = append(fe, errs.Field(k, "certificate.date_invalid", nil))
		}
		*dst = d
	}
	return fe
}

// fromForm reads a certificate from a posted form.
func fromForm(f *web.Form) (Certificate, error) {
	c := Certificate{EnterpriseID: f.Get("enterprise_id"), PersonName: f.Get("person_name"), IDNumber: f.Get("id_number"),
		PersonRole: f.Get("person_role"), Kind: f.Get("kind"), Category: f.Get("category"), Number: f.Get("number"),
		Authority: f.Get("authority"), Note: f.Get("note")}
	fe := dateFields(f, map[string]*Date{"issued_on": &c.IssuedOn, "expires_on": &c.ExpiresOn, "review_due_on": &c.ReviewDueOn})
	return c, fe.Err()
}

func (h *Handlers) newForm(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	v := map[string]string{"kind": KindCompetence, "person_role": RolePrincipal, "category": "other", "authority": "芜湖市应急管理局"}
	ent := r.URL.Query().Get("enterprise")
	if p.Role == auth.RoleEnterprise {
		ent = p.EnterpriseID
	}
	if ent != "" {
		if e, err := h.Ent.Get(r.Context(), p, ent); err == nil {
			v["enterprise_id"], v["category"] = e.ID, CategoryForSector(e.Sector)
		}
	}
	if k := r.URL.Query().Get("kind"); k == KindSpecial {
		v["kind"], v["person_role"], v["category"], v["authority"] = KindSpecial, RoleOperator, "electrician", "安徽省应急管理厅"
	}
	h.form(w, r, http.StatusOK, web.EmptyForm(v), nil)
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := web.NewForm(r)
	c, err := fromForm(f)
	if p.Role == auth.RoleEnterprise && c.EnterpriseID == "" {
		c.EnterpriseID = p.EnterpriseID
	}
	if err == nil {
		c, err = h.Svc.Create(r.Context(), p, c)
	}
	if err != nil {
		if !h.denied(w, r, c.EnterpriseID, err) {
			h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) { h.form(w, r, status, f, nil) })
		}
		return
	}
	msg := "certificate.created"
	if !c.Verified {
		msg = "certificate.created_pending"
	}
	h.UI.Redirect(w, r, "/certificates/"+c.ID, msg, "Name", c.PersonName)
}

func (h *Handlers) editForm(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	c, e, err := h.Svc.Get(r.Context(), p, id)
	if err != nil {
		h.fail(w, r, id, err)
		return
	}
	if !CanEdit(p, e) {
		h.UI.Fail(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	h.form(w, r, http.StatusOK, web.EmptyForm(formValues(c)), &c)
}

func (h *Handlers) update(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	f := web.NewForm(r)
	in, err := fromForm(f)
	if err == nil {
		_, err = h.Svc.Update(r.Context(), p, id, in)
	}
	if err != nil {
		if !h.denied(w, r, id, err) {
			h.UI.FormFailed(w, r, f, err, web.HasFieldErrors, func(status int) {
				if c, ok := h.get(w, r, id); ok {
					h.form(w, r, status, f, &c)
				}
			})
		}
		return
	}
	h.UI.Redirect(w, r, "/certificates/"+id, "action.saved")
}

func (h *Handlers) renderRenew(w http.ResponseWriter, r *http.Request, status int, f *web.Form, c Certificate) {
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	today := h.Svc.Today()
	data["C"] = Row{Certificate: c, Status: StatusOf(c, today), DaysLeft: today.DaysUntil(c.ValidUntil)}
	page := h.UI.NewPage(r, "", data)
	page.Form = f
	page.Title = page.T("certificate.renew_title", "Name", c.PersonName)
	page.Active = "certificates"
	h.UI.Render(w, r, status, "certificate_renew", page)
}

func (h *Handlers) renewForm(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	c, e, err := h.Svc.Get(r.Context(), p, id)
	if err != nil {
		h.fail(w, r, id, err)
		return
	}
	if !CanEdit(p, e) {
		h.UI.Fail(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	kind := RenewRenew
	if c.Kind == KindSpecial && !c.ReviewDueOn.IsZero() && c.ReviewDueOn.Before(c.ExpiresOn) {
		kind = RenewReview
	}
	h.renderRenew(w, r, http.StatusOK, web.EmptyForm(map[string]string{"kind": kind, "done_on": h.Svc.Today().String()}), c)
}

// renewFromForm reads a renewal from a posted form.
func renewFromForm(f *web.Form) (RenewInput, error) {
	in := RenewInput{Kind: f.Get("kind"), Number: f.Get("number"), Note: f.Get("note")}
	fe := dateFields(f, map[string]*Date{"done_on": &in.DoneOn, "issued_on": &in.IssuedOn, "expires_on": &in.ExpiresOn, "review_due_on": &in.ReviewDueOn})
	return in, fe.Err()
}

func (h *Handlers) renew(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	f := web.NewForm(r)
	in, err := renewFromForm(f)
	if err == nil {
		_, err = h.Svc.Renew(r.Context(), p, id, in)
	}
	if err != nil {
		if !h.denied(w, r, id, err) {
			// A renewal the dates do not allow (409) is shown on the form too.
			onForm := func(err error) bool { return errs.Fields(err) != nil || errs.KindOf(err) == errs.Conflict }
			h.UI.FormFailed(w, r, f, err, onForm, func(status int) {
				if c, ok := h.get(w, r, id); ok {
					h.renderRenew(w, r, status, f, c)
				}
			})
		}
		return
	}
	msg := "certificate.renewed"
	if in.Kind == RenewReview {
		msg = "certificate.reviewed"
	}
	h.UI.Redirect(w, r, "/certificates/"+id, msg)
}

func (h *Handlers) verify(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := h.Svc.Verify(r.Context(), web.PrincipalFrom(r.Context()), id)
	h.UI.Done(w, r, err, "/certificates/"+id, "certificate.verified")
}

func (h *Handlers) revoke(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f := web.NewForm(r)
	err := h.Svc.Revoke(r.Context(), web.PrincipalFrom(r.Context()), id, f.Get("reason"))
	h.UI.Done(w, r, err, "/certificates/"+id, "certificate.revoked_done")
}
