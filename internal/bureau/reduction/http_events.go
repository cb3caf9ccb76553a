package reduction

import (
	"net/http"
	"strconv"

	"yingji/internal/kit/errs"
	"yingji/internal/kit/web"
)

// 灾情报送: events, their towns' report chains, the reports list.

func (h *Handlers) events(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f, pg := pagedFilter(r)
	list, total, err := h.Svc.ListEvents(r.Context(), p, f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	v := listView{Heading: h.tr(r, "reduction.events"), Action: "/reduction/events", Pager: web.PagerOf(pg, total),
		Filters: []Field{{Name: "q", Label: h.tr(r, "reduction.search")},
			{Name: "kind", Type: "select", Label: h.tr(r, "reduction.hazard_kind"), Options: h.opts(r, "reduction.hazard.", HazardKinds.Values(), "reduction.all")},
			{Name: "from", Type: "date", Label: h.tr(r, "reduction.from")}, {Name: "to", Type: "date", Label: h.tr(r, "reduction.to")}}}
	v.Links = []Link{{ID: "reports", Label: h.tr(r, "reduction.reports"), Href: "/reduction/reports"}}
	if h.can(r, "POST /reduction/events") {
		v.Links = append(v.Links, Link{ID: "new", Label: h.tr(r, "reduction.event_new"), Href: "/reduction/events/new"})
	}
	v.Table = Table{ID: "events-table", Cols: []string{h.tr(r, "reduction.event_name"), h.tr(r, "reduction.hazard_kind"), h.tr(r, "reduction.started_at"), h.tr(r, "reduction.stable_on")}}
	for _, e := range list {
		v.Table.Rows = append(v.Table.Rows, []Cell{{Text: e.Name, Link: "/reduction/events/" + e.ID}, {Text: h.tr(r, "reduction.hazard."+e.HazardKind)},
			{Text: clock(e.StartedAt)}, {Text: orDefault(e.StableOn, h.tr(r, "reduction.ongoing"))}})
	}
	h.renderList(w, r, "reduction-events", v)
}

func (h *Handlers) eventFields(r *http.Request, prefix string) []Field {
	return []Field{{Name: prefix + "name", Label: h.tr(r, "reduction.event_name"), Required: true, Wide: true},
		{Name: prefix + "hazard_kind", Type: "select", Label: h.tr(r, "reduction.hazard_kind"), Options: h.opts(r, "reduction.hazard.", HazardKinds.Values(), "")},
		{Name: prefix + "started_at", Type: "datetime", Label: h.tr(r, "reduction.started_at"), Required: true},
		{Name: prefix + "stable_on", Type: "date", Label: h.tr(r, "reduction.stable_on"), Help: h.tr(r, "reduction.stable_help")},
		{Name: prefix + "note", Label: h.tr(r, "reduction.note"), Wide: true}}
}

func (h *Handlers) eventForm(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	h.renderForm(w, r, status, "reduction-events", formView{Heading: h.tr(r, "reduction.event_new"), ID: "event-form", Action: "/reduction/events",
		Back: "/reduction/events", Fields: h.eventFields(r, "")}, f)
}

func (h *Handlers) eventNew(w http.ResponseWriter, r *http.Request) {
	h.eventForm(w, r, http.StatusOK, web.EmptyForm(map[string]string{"hazard_kind": "rainstorm_flood"}))
}

func eventFromForm(f *web.Form, prefix string) (Event, error) {
	e := Event{Name: f.Get(prefix + "name"), HazardKind: f.Get(prefix + "hazard_kind"), StableOn: f.Get(prefix + "stable_on"), Note: f.Get(prefix + "note")}
	if s := f.Get(prefix + "started_at"); s != "" {
		t, ok := parseTime(s)
		if !ok {
			return e, errs.Field(prefix+"started_at", "reduction.date_invalid", nil)
		}
		e.StartedAt = t
	}
	return e, nil
}

func (h *Handlers) eventCreate(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	e, err := eventFromForm(f, "")
	if err == nil {
		e, err = h.Svc.CreateEvent(r.Context(), web.PrincipalFrom(r.Context()), e)
	}
	if err != nil {
		h.failed(w, r, f, err, func(status int) { h.eventForm(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/reduction/events/"+e.ID, "action.saved")
}

func (h *Handlers) eventUpdate(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f := web.NewForm(r)
	e, err := eventFromForm(f, "ev_")
	if err == nil {
		_, err = h.Svc.UpdateEvent(r.Context(), web.PrincipalFrom(r.Context()), id, e)
	}
	if err != nil {
		h.failed(w, r, f, prefixErr(err), func(status int) { h.showEvent(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/reduction/events/"+id, "action.saved")
}

// prefixErr names the event form's fields as posted (ev_…).
func prefixErr(err error) error {
	fe := errs.Fields(err)
	if fe == nil {
		return err
	}
	out := make(errs.FieldErrors, len(fe))
	for i, e := range fe {
		c := *e
		c.Field = "ev_" + c.Field
		out[i] = &c
	}
	return out
}

func (h *Handlers) eventShow(w http.ResponseWriter, r *http.Request) {
	h.showEvent(w, r, http.StatusOK, nil)
}

// reportCols are the columns of a table of reports.
func (h *Handlers) reportCols(r *http.Request, withEvent bool) []string {
	var cols []string
	if withEvent {
		cols = append(cols, h.tr(r, "reduction.event_name"))
	}
	cols = append(cols, h.tr(r, "reduction.town"), h.tr(r, "reduction.report_kind"), h.tr(r, "reduction.reported_at"))
	for _, k := range IndicatorKeys {
		cols = append(cols, h.tr(r, "reduction.ind."+k))
	}
	return append(cols, h.tr(r, "reduction.late"), h.tr(r, "reduction.explanation"))
}

func (h *Handlers) reportRow(r *http.Request, x Report, names map[string]string, eventName string) []Cell {
	var row []Cell
	if eventName != "" {
		row = append(row, Cell{Text: eventName, Link: "/reduction/events/" + x.EventID})
	}
	kind := h.tr(r, "reduction.kind."+x.Kind)
	if x.Kind == KindFollowup {
		kind = h.tr(r, "reduction.kind_followup_n", "N", x.Seq-1)
	}
	if x.Zero {
		kind += "（" + h.tr(r, "reduction.zero") + "）"
	}
	row = append(row, Cell{Text: names[x.TownCode]}, Cell{Text: kind}, Cell{Text: clock(x.ReportedAt)})
	for _, k := range IndicatorKeys {
		v := x.Get(k)
		txt := strconv.FormatInt(v, 10)
		switch k {
		case "crop_tenths":
			txt = Tenths(v)
		case "loss_fen":
			txt = Yuan(v)
		}
		row = append(row, Cell{Text: txt, Class: "num"})
	}
	late := ""
	if x.Late {
		late = h.tr(r, "reduction.late")
	}
	return append(row, Cell{Text: late}, Cell{Text: x.Explanation})
}

func (h *Handlers) reportFields(r *http.Request) []Field {
	fields := []Field{
		{Name: "town_code", Type: "select", Label: h.tr(r, "reduction.town"), Options: h.townOpts(r, "reduction.choose"), Required: true},
		{Name: "kind", Type: "select", Label: h.tr(r, "reduction.report_kind"), Options: h.opts(r, "reduction.kind.", ReportKinds.Values(), "")},
		{Name: "reported_at", Type: "datetime", Label: h.tr(r, "reduction.reported_at"), Required: true},
		{Name: "reporter", Label: h.tr(r, "reduction.reporter")},
	}
	for _, k := range IndicatorKeys {
		fields = append(fields, Field{Name: k, Type: "number", Label: h.tr(r, "reduction.ind."+k)})
	}
	return append(fields, Field{Name: "explanation", Type: "textarea", Label: h.tr(r, "reduction.explanation"), Help: h.tr(r, "reduction.explanation_help"), Wide: true},
		Field{Name: "note", Label: h.tr(r, "reduction.note"), Wide: true})
}

func (h *Handlers) showEvent(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	e, err := h.Svc.GetEvent(r.Context(), p, id)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	towns, err := h.Svc.Towns(r.Context(), p, id)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	names := h.names(r.Context(), p)
	v := showView{Heading: e.Name, Pairs: [][2]string{{h.tr(r, "reduction.hazard_kind"), h.tr(r, "reduction.hazard."+e.HazardKind)},
		{h.tr(r, "reduction.started_at"), clock(e.StartedAt)}, {h.tr(r, "reduction.stable_on"), orDefault(e.StableOn, h.tr(r, "reduction.ongoing"))},
		{h.tr(r, "reduction.note"), e.Note}}}
	v.Links = []Link{{ID: "export", Label: h.tr(r, "action.export"), Href: "/" + KindReports + "/export?event=" + e.ID}}
	st := Table{ID: "towns-table", Title: h.tr(r, "reduction.town_status"), Cols: []string{h.tr(r, "reduction.town"), h.tr(r, "reduction.state"),
		h.tr(r, "reduction.latest"), h.tr(r, "reduction.ind.affected"), h.tr(r, "reduction.next_due")}}
	chain := Table{ID: "reports-table", Title: h.tr(r, "reduction.reports"), Cols: h.reportCols(r, false)}
	missing := 0
	for _, t := range towns {
		latest, affected := "", ""
		if t.Latest != nil {
			latest = h.tr(r, "reduction.kind."+t.Latest.Kind) + " · " + clock(t.Latest.ReportedAt)
			affected = strconv.FormatInt(t.Latest.Affected, 10)
		}
		due := clock(t.Due)
		if t.Overdue {
			due += " " + h.tr(r, "reduction.overdue")
		}
		if t.State == "none" {
			missing++
		}
		st.Rows = append(st.Rows, []Cell{{Text: t.TownName}, {Text: h.tr(r, "reduction.state."+t.State), Class: "state-" + t.State}, {Text: latest}, {Text: affected, Class: "num"}, {Text: due}})
		for _, x := range t.Reports {
			chain.Rows = append(chain.Rows, h.reportRow(r, x, names, ""))
		}
	}
	v.Notes = append(v.Notes, h.tr(r, "reduction.towns_missing", "N", missing, "Total", len(towns)))
	v.Tables = []Table{st, chain}
	values := map[string]string{"kind": KindInitial, "reported_at": h.Svc.now().In(shanghai).Format("2006-01-02T15:04"),
		"ev_name": e.Name, "ev_hazard_kind": e.HazardKind, "ev_started_at": e.StartedAt.In(shanghai).Format("2006-01-02T15:04"), "ev_stable_on": e.StableOn, "ev_note": e.Note}
	if p.Role == "town" {
		values["town_code"] = p.RegionCode
		for _, t := range towns {
			if t.TownCode == p.RegionCode && len(t.Reports) > 0 {
				values["kind"] = KindFollowup // the 初报 is in: the next one follows up
			}
		}
	}
	if f == nil {
		f = web.EmptyForm(values)
	} else {
		for k, x := range values {
			if _, ok := f.Values[k]; !ok {
				f.Values[k] = x
			}
		}
	}
	if h.can(r, "POST /reduction/events/{id}/reports") {
		v.Forms = append(v.Forms, FormSpec{ID: "report-form", Title: h.tr(r, "reduction.report_new"), Action: "/reduction/events/" + e.ID + "/reports",
			Fields: h.reportFields(r), Submit: h.tr(r, "reduction.submit_report"), Help: h.tr(r, "reduction.report_help")})
	}
	if h.can(r, "POST /reduction/events/{id}") {
		v.Forms = append(v.Forms, FormSpec{ID: "event-form", Title: h.tr(r, "reduction.event_edit"), Action: "/reduction/events/" + e.ID,
			Fields: h.eventFields(r, "ev_"), Submit: h.tr(r, "action.save")})
	}
	h.renderShow(w, r, status, "reduction-events", v, f)
}

// reportFromForm reads a report; the crop area is in hectares with one
// decimal, the loss in yuan with two.
func reportFromForm(f *web.Form) (Report, error) {
	var fe errs.FieldErrors
	x := Report{TownCode: f.Get("town_code"), Kind: f.Get("kind"), Reporter: f.Get("reporter"), Explanation: f.Get("explanation"), Note: f.Get("note")}
	for _, k := range IndicatorKeys {
		switch k {
		case "crop_tenths":
			x.CropTenths = decimal(f, k, 1, &fe)
		case "loss_fen":
			x.LossFen = decimal(f, k, 2, &fe)
		default:
			x.Set(k, num(f, k, &fe))
		}
	}
	if s := f.Get("reported_at"); s != "" {
		t, ok := parseTime(s)
		if !ok {
			fe = append(fe, errs.Field("reported_at", "reduction.date_invalid", nil))
		}
		x.ReportedAt = t
	}
	return x, fe.Err()
}

func (h *Handlers) reportCreate(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f := web.NewForm(r)
	x, err := reportFromForm(f)
	if err == nil {
		x, err = h.Svc.AddReport(r.Context(), web.PrincipalFrom(r.Context()), id, x)
	}
	if err != nil {
		if errs.KindOf(err) == errs.NotFound {
			h.UI.Error(w, r, err)
			return
		}
		h.failed(w, r, f, err, func(status int) { h.showEvent(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/reduction/events/"+id, "reduction.report_saved", "Kind", h.tr(r, "reduction.kind."+x.Kind))
}

func (h *Handlers) reports(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f, pg := pagedFilter(r)
	list, total, err := h.Svc.ListReports(r.Context(), p, f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	events, _, err := h.Svc.ListEvents(r.Context(), p, Filter{Limit: -1})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	evName := map[string]string{}
	evOpts := []Opt{{"", h.tr(r, "reduction.all_events")}}
	for _, e := range events {
		evName[e.ID] = e.Name
		evOpts = append(evOpts, Opt{e.ID, e.Name})
	}
	names := h.names(r.Context(), p)
	v := listView{Heading: h.tr(r, "reduction.reports"), Action: "/reduction/reports", Pager: web.PagerOf(pg, total),
		Filters: h.filterFields(r, false, Field{Name: "event", Type: "select", Label: h.tr(r, "reduction.event_name"), Options: evOpts},
			Field{Name: "kind", Type: "select", Label: h.tr(r, "reduction.report_kind"), Options: h.opts(r, "reduction.kind.", ReportKinds.Values(), "reduction.all")})}
	v.Links = h.listLinks(r, "/reduction/reports", KindReports, false)
	v.Table = Table{ID: "reports-table", Cols: h.reportCols(r, true)}
	for _, x := range list {
		v.Table.Rows = append(v.Table.Rows, h.reportRow(r, x, names, orDefault(evName[x.EventID], x.EventID)))
	}
	h.renderList(w, r, "reduction-events", v)
}
