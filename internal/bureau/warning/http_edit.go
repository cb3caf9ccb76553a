package warning

import (
	"net/http"
	"strings"
	"time"

	"yingji/internal/kit/notify"
	"yingji/internal/kit/web"
)

func formValues(x Warning) map[string]string {
	v := map[string]string{"source": x.Source, "type": x.Type, "level": x.Level, "towns": strings.Join(x.Towns, ","), "area_desc": x.AreaDesc,
		"sectors": strings.Join(x.Sectors, ","), "headline": x.Headline, "description": x.Description, "instruction": x.Instruction,
		"headline_en": x.HeadlineEN, "description_en": x.DescriptionEN, "instruction_en": x.InstructionEN}
	if x.Departments {
		v["departments"] = "1"
	}
	if !x.EffectiveAt.IsZero() {
		v["effective_at"] = x.EffectiveAt.In(cst).Format("2006-01-02T15:04")
	}
	if !x.ExpiresAt.IsZero() {
		v["expires_at"] = x.ExpiresAt.In(cst).Format("2006-01-02T15:04")
	}
	return v
}

func fromForm(f *web.Form) (Warning, error) {
	in := Input{Source: f.Get("source"), Type: f.Get("type"), Level: f.Get("level"), AreaDesc: f.Get("area_desc"),
		Departments: f.Get("departments") == "1", EffectiveAt: f.Get("effective_at"), ExpiresAt: f.Get("expires_at"),
		Headline: f.Get("headline"), Description: f.Get("description"), Instruction: f.Get("instruction"),
		HeadlineEN: f.Get("headline_en"), DescriptionEN: f.Get("description_en"), InstructionEN: f.Get("instruction_en")}
	if s := f.Get("towns"); s != "" {
		in.Towns = strings.Split(s, ",")
	}
	if s := f.Get("sectors"); s != "" {
		in.Sectors = strings.Split(s, ",")
	}
	return in.Warning()
}

func (h *Handlers) form(w http.ResponseWriter, r *http.Request, status int, f *web.Form, orig *Warning) {
	data := h.lookups(r)
	data["Orig"] = orig
	title := "warning.new"
	if orig != nil {
		title = "warning.update_title"
	}
	h.UI.Show(w, r, status, "warning_form", title, "warnings", data, f)
}

func (h *Handlers) newForm(w http.ResponseWriter, r *http.Request) {
	now := h.Svc.clock()
	start := now.Truncate(time.Hour).Add(time.Hour)
	h.form(w, r, http.StatusOK, web.EmptyForm(formValues(Warning{Source: "县气象局", Departments: true,
		EffectiveAt: start, ExpiresAt: start.Add(24 * time.Hour)})), nil)
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := web.NewForm(r)
	x, err := fromForm(f)
	if err == nil {
		x, err = h.Svc.Draft(r.Context(), p, x)
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) { h.form(w, r, status, f, nil) })
		return
	}
	h.UI.Redirect(w, r, "/warnings/"+x.ID, "warning.drafted")
}

func (h *Handlers) updateForm(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	x, err := h.Svc.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	v := formValues(x)
	v["headline"], v["headline_en"] = "", ""
	h.form(w, r, http.StatusOK, web.EmptyForm(v), &x)
}

func (h *Handlers) updatePost(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	orig, err := h.Svc.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	f := web.NewForm(r)
	x, err := fromForm(f)
	if err == nil {
		x, err = h.Svc.FollowUp(r.Context(), p, orig.ID, MsgUpdate, x)
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) { h.form(w, r, status, f, &orig) })
		return
	}
	h.UI.Redirect(w, r, "/warnings/"+x.ID, "warning.drafted")
}

func (h *Handlers) cancelPost(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := web.NewForm(r)
	x, err := h.Svc.FollowUp(r.Context(), p, r.PathValue("id"), MsgCancel, Warning{Description: f.Get("description"), Instruction: f.Get("instruction")})
	h.UI.Done(w, r, err, "/warnings/"+x.ID, "warning.drafted")
}

// step posts a state change from the detail page.
func (h *Handlers) step(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := web.PrincipalFrom(r.Context())
		id := r.PathValue("id")
		var err error
		switch action {
		case "approve":
			_, err = h.Svc.Approve(r.Context(), p, id)
		case "withdraw":
			_, err = h.Svc.Withdraw(r.Context(), p, id)
		case "publish":
			_, err = h.Svc.Publish(r.Context(), p, id)
		case "ack":
			_, err = h.Svc.Ack(r.Context(), p, id)
		}
		h.UI.Done(w, r, err, "/warnings/"+id, "warning.done_"+action)
	}
}

// Detail is the detail page's data.
type Detail struct {
	W          Warning
	Orig       *Warning
	FollowUps  []Warning
	Recipients []Recipient
	Unacked    []Recipient
	Shown      []Recipient // the recipients the 签收 filter (?ack=open|acked) keeps
	Ack        string      // that filter
	Mine       *Recipient
	Delivered  map[notify.DeliveryState]int
	Deliveries []notify.LogEntry
	UnitOf     map[string]string // recipient account → unit name (delivery log)
	Active     bool
}

func (h *Handlers) show(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	x, err := h.Svc.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	d := Detail{W: x, Active: x.Active(h.Svc.clock())}
	if d.Recipients, err = h.Svc.Recipients(r.Context(), p, x.ID); err != nil {
		h.UI.Error(w, r, err)
		return
	}
	kind, ref := unitOf(p)
	d.Ack = r.URL.Query().Get("ack")
	for i, rc := range d.Recipients {
		if !rc.Acked() {
			d.Unacked = append(d.Unacked, rc)
		}
		if d.Ack == "" || (d.Ack == "open") != rc.Acked() {
			d.Shown = append(d.Shown, rc)
		}
		if rc.Kind == kind && rc.Ref == ref {
			d.Mine = &d.Recipients[i]
		}
	}
	if x.RefID != "" {
		if o, err := h.Svc.Get(r.Context(), p, x.RefID); err == nil {
			d.Orig = &o
		}
	}
	if d.FollowUps, err = h.Svc.FollowUps(r.Context(), p, x.ID); err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if Staff(p) && h.Notify != nil && !x.PublishedAt.IsZero() {
		page, err := h.Notify.DeliveryLog(r.Context(), notify.LogFilter{CountyCode: x.CountyCode, Entity: "warning", EntityID: x.ID, Limit: 100})
		if err != nil {
			h.UI.Error(w, r, err)
			return
		}
		d.Delivered, d.Deliveries = page.Counts, page.Entries
		d.UnitOf = map[string]string{}
		if units, err := h.Svc.resolve(r.Context(), x.CountyCode, x); err == nil {
			for _, u := range units {
				for _, uid := range u.UserIDs {
					d.UnitOf[uid] = u.Name
				}
			}
		}
	}
	data := h.lookups(r)
	data["D"] = d
	h.UI.Show(w, r, http.StatusOK, "warning", "warning.detail", "warnings", data, nil)
}
