package duty

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"yingji/internal/kit/errs"
	"yingji/internal/kit/web"
)

// ---- Incidents ----

func (h *Handlers) incidents(w http.ResponseWriter, r *http.Request) {
	pg := web.PagingOf(r)
	f := IncidentFilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	list, total, err := h.Svc.Incidents(r.Context(), web.PrincipalFrom(r.Context()), f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data := h.common(r)
	data["Towns"], data["TownNames"] = h.towns(r)
	data["Rows"], data["Pager"], data["Total"] = list, web.PagerOf(pg, total), total
	h.UI.Show(w, r, http.StatusOK, "duty_incidents", "duty.nav_incidents", "duty_incidents", data, nil)
}

func (h *Handlers) incidentForm(w http.ResponseWriter, r *http.Request) {
	h.showIncidentForm(w, r, http.StatusOK, web.EmptyForm(map[string]string{"received_at": localInput(h.Svc.Now()), "level": "general",
		"category": "accident", "source": "电话报告"}))
}

func (h *Handlers) showIncidentForm(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	data := h.common(r)
	data["Towns"], _ = h.towns(r)
	title := "duty.new_incident"
	if f.Get("id") != "" {
		title = "duty.edit_incident"
	}
	h.UI.Show(w, r, status, "duty_incident_form", title, "duty_incidents", data, f)
}

func incidentFromForm(f *web.Form) (Incident, error) {
	var fe errs.FieldErrors
	cat, sub, _ := strings.Cut(f.Get("category"), "/")
	in := Incident{Title: f.Get("title"), ReceivedAt: timeField(f, "received_at", &fe), OccurredAt: timeField(f, "occurred_at", &fe),
		Source: f.Get("source"), Category: cat, Subtype: sub, Level: f.Get("level"), TownCode: f.Get("town_code"), Place: f.Get("place"),
		Lat: floatField(f, "lat", &fe), Lng: floatField(f, "lng", &fe), Deaths: intField(f, "deaths", &fe), Injuries: intField(f, "injuries", &fe),
		Missing: intField(f, "missing", &fe), Summary: f.Get("summary"), AccidentID: f.Get("accident_id")}
	return in, fe.Err()
}

func (h *Handlers) createIncident(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	in, err := incidentFromForm(f)
	if err == nil {
		in, err = h.Svc.CreateIncident(r.Context(), web.PrincipalFrom(r.Context()), in)
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) { h.showIncidentForm(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/duty/incidents/"+in.ID, "duty.incident_saved")
}

func (h *Handlers) editIncident(w http.ResponseWriter, r *http.Request) {
	d, err := h.Svc.Incident(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	cat := d.Category
	if d.Subtype != "" {
		cat += "/" + d.Subtype
	}
	lat, lng := "", ""
	if d.Lat != 0 || d.Lng != 0 {
		lat, lng = strconv.FormatFloat(d.Lat, 'f', -1, 64), strconv.FormatFloat(d.Lng, 'f', -1, 64)
	}
	f := web.EmptyForm(map[string]string{"title": d.Title, "received_at": localInput(d.ReceivedAt), "occurred_at": localInput(d.OccurredAt),
		"source": d.Source, "category": cat, "level": d.Level, "town_code": d.TownCode, "place": d.Place, "lat": lat, "lng": lng,
		"deaths": strconv.Itoa(d.Deaths), "injuries": strconv.Itoa(d.Injuries), "missing": strconv.Itoa(d.Missing), "summary": d.Summary,
		"accident_id": d.AccidentID, "id": d.ID})
	h.showIncidentForm(w, r, http.StatusOK, f)
}

func (h *Handlers) updateIncident(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	f.Values["id"] = r.PathValue("id")
	in, err := incidentFromForm(f)
	if err == nil {
		_, err = h.Svc.UpdateIncident(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), in)
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, func(e error) bool { return errs.Is(e, errs.Invalid) || errs.Is(e, errs.Conflict) },
			func(status int) { h.showIncidentForm(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/duty/incidents/"+r.PathValue("id"), "duty.incident_updated")
}

func (h *Handlers) incidentPage(w http.ResponseWriter, r *http.Request) {
	h.showIncident(w, r, http.StatusOK, web.EmptyForm(map[string]string{"reported_at": localInput(h.Svc.Now()), "via": "phone",
		"to": "市应急管理局总值班室", "given_at": localInput(h.Svc.Now())}))
}

func (h *Handlers) showIncident(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	d, err := h.Svc.Incident(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if f.Get("deaths") == "" {
		f.Values["deaths"], f.Values["injuries"], f.Values["missing"] = strconv.Itoa(d.Deaths), strconv.Itoa(d.Injuries), strconv.Itoa(d.Missing)
	}
	data := h.common(r)
	_, names := h.towns(r)
	data["I"], data["TownName"] = d, names[d.TownCode]
	page := h.UI.NewPage(r, d.Title, data)
	page.Active, page.Form = "duty_incidents", f
	h.UI.Render(w, r, status, "duty_incident", page)
}

func (h *Handlers) incidentPDF(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	d, err := h.Svc.Incident(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.SendPDF(w, r, "信息专报-"+d.ReceivedAt.In(Shanghai).Format("20060102")+".pdf", func(out io.Writer) error {
		return IncidentPDF(out, h.issuer(r.Context(), p.CountyCode), d, h.Svc.Now())
	})
}

func (h *Handlers) addReport(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	var fe errs.FieldErrors
	rep := Report{Kind: f.Get("kind"), ReportedAt: timeField(f, "reported_at", &fe), To: f.Get("to"), Via: f.Get("via"), Content: f.Get("report_content"),
		Deaths: intField(f, "deaths", &fe), Injuries: intField(f, "injuries", &fe), Missing: intField(f, "missing", &fe)}
	err := fe.Err()
	if err == nil {
		_, err = h.Svc.AddReport(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), rep)
	}
	if e, ok := errs.As(err); ok && e.Field == "content" {
		e.Field = "report_content"
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, func(e error) bool { return errs.Is(e, errs.Invalid) || errs.Is(e, errs.Conflict) },
			func(status int) { h.showIncident(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/duty/incidents/"+r.PathValue("id"), "duty.report_saved")
}

func (h *Handlers) addInstruction(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	var fe errs.FieldErrors
	x := Instruction{GivenBy: f.Get("given_by"), GivenAt: timeField(f, "given_at", &fe), Content: f.Get("instruction"), Assignee: f.Get("assignee")}
	err := fe.Err()
	if err == nil {
		_, err = h.Svc.AddInstruction(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), x)
	}
	if e, ok := errs.As(err); ok && e.Field == "content" {
		e.Field = "instruction"
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.IsInvalid, func(status int) { h.showIncident(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/duty/incidents/"+r.PathValue("id"), "duty.instruction_saved")
}

func (h *Handlers) doneInstruction(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	x, err := h.Svc.DoneInstruction(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), f.Get("done_note"))
	h.UI.Done(w, r, err, "/duty/incidents/"+x.IncidentID, "duty.instruction_done")
}
