package licence

import (
	"context"
	"fmt"
	"net/http"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/web"
)

func (h *Handlers) applications(w http.ResponseWriter, r *http.Request) {
	pg := web.PagingOf(r)
	list, total, err := h.applicationsOf(r, pg)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.listLookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data["Applications"], data["Pager"] = list, web.PagerOf(pg, total)
	h.render(w, r, http.StatusOK, "licence_applications", "licence.applications", data, nil)
}

// candidates are the enterprises the principal may file an application
// for, by sector.
func (h *Handlers) candidates(ctx context.Context, p *auth.Principal) ([]enterprise.Enterprise, error) {
	var out []enterprise.Enterprise
	seen := map[string]bool{}
	for _, t := range Types {
		for _, sector := range t.Sectors {
			if seen[sector] {
				continue
			}
			seen[sector] = true
			err := h.Ent.Each(ctx, p, enterprise.Filter{Sector: sector}, func(e enterprise.Enterprise) error {
				if CanSubmit(p, e) {
					out = append(out, e)
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func (h *Handlers) form(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	ents, err := h.candidates(r.Context(), p)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data["Enterprises"] = ents
	if p.Role == auth.RoleEnterprise {
		if e, err := h.Ent.Get(r.Context(), p, p.EnterpriseID); err == nil {
			data["Own"] = e
		}
	}
	h.render(w, r, status, "licence_application_form", "licence.new_application", data, f)
}

func (h *Handlers) newForm(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := map[string]string{"kind": KindNew, "type": TypeFireworksRetail, "submitted_on": Today(h.Svc.now()).Format(DateLayout)}
	for _, k := range []string{"enterprise_id", "type", "kind", "prev_number"} {
		if x := q.Get(k); x != "" {
			v[k] = x
		}
	}
	h.form(w, r, http.StatusOK, web.EmptyForm(v))
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	a, err := h.Svc.CreateApplication(r.Context(), web.PrincipalFrom(r.Context()), newAppOf(f))
	if err != nil {
		h.UI.FormFailed(w, r, f, err, onForm, func(status int) { h.form(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/licence-applications/"+a.ID, "licence.submitted")
}

// actionDefaults are the initial values of a step's form.
func actionDefaults(v AppView, set Settings, today string) map[string]string {
	m := map[string]string{"date": today, "scope": v.Scope}
	if from, err := ParseDay(today); err == nil {
		m["valid_from"] = today
		m["valid_to"] = AddYears(from, set.Years(v.Type)).Format(DateLayout)
	}
	if v.Kind == KindExtension && v.Prev != nil {
		// An extension continues from the day after the old licence ends.
		if end, err := ParseDay(v.Prev.ValidTo); err == nil {
			next := end.AddDate(0, 0, 1)
			if next.Format(DateLayout) > today {
				m["valid_from"] = next.Format(DateLayout)
				m["valid_to"] = AddYears(next, set.Years(v.Type)).Format(DateLayout)
			}
		}
	}
	return m
}

func (h *Handlers) application(w http.ResponseWriter, r *http.Request) {
	h.applicationPage(w, r, http.StatusOK, "", nil)
}

// applicationPage shows an application; posted (the form of act) is shown
// again with its errors after a refused step.
func (h *Handlers) applicationPage(w http.ResponseWriter, r *http.Request, status int, act string, posted *web.Form) {
	p := web.PrincipalFrom(r.Context())
	v, err := h.Svc.GetApplication(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	set, err := h.Svc.Settings(r.Context(), v.CountyCode)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	hist, err := audit.ForEntity(r.Context(), h.DB.R(), "licence_application", v.ID)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	forms := map[string]*web.Form{}
	defaults := actionDefaults(v, set, data["Today"].(string))
	for _, a := range v.Allowed {
		forms[a] = web.EmptyForm(defaults)
	}
	if posted != nil {
		forms[act] = posted
	}
	// The clock as it would stand if the decision were taken today.
	if v.Timer != nil && !v.Timer.Stopped && v.Timer.Overdue {
		data["LateToday"] = true
	}
	typ, _ := TypeOf(v.Type)
	data["V"], data["T"], data["Forms"], data["Act"], data["History"], data["Settings"] = v, typ, forms, act, hist, set
	data["NumberSample"] = fmt.Sprintf("（%s）%s〔%d〕N号", set.IssuerAbbr, typ.Prefix, Today(h.Svc.now()).Year())
	f := posted
	if f == nil {
		f = web.EmptyForm(nil)
	}
	title := v.Enterprise.Name + " · " + h.UI.I18n.T(web.Lang(r.Context()), "licence.type."+v.Type, nil)
	h.render(w, r, status, "licence_application", title, data, f)
}

func actionOf(name string, f *web.Form) Action {
	return Action{Name: name, Date: f.Get("date"), Note: f.Get("note"), Reason: f.Get("reason"), Decision: f.Get("decision"),
		OverdueReason: f.Get("overdue_reason"), Opinion: f.Get("opinion"), ValidFrom: f.Get("valid_from"), ValidTo: f.Get("valid_to"),
		Number: f.Get("number"), Scope: f.Get("scope")}
}

func (h *Handlers) act(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f := web.NewForm(r)
		_, err := h.Svc.Act(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), actionOf(name, f))
		if err != nil {
			h.UI.FormFailed(w, r, f, err, onForm, func(status int) {
				if len(f.Errors) > 0 {
					f.Error = h.UI.I18n.T(web.Lang(r.Context()), "form.invalid", nil)
				}
				h.applicationPage(w, r, status, name, f)
			})
			return
		}
		h.UI.Redirect(w, r, "/licence-applications/"+r.PathValue("id"), "licence.done."+name)
	}
}
