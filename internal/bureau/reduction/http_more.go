package reduction

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"yingji/internal/kit/errs"
	"yingji/internal/kit/web"
)

// ---------------------------------------------------------------------
// 综合减灾示范社区

func (h *Handlers) communities(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f, pg := pagedFilter(r)
	list, total, err := h.Svc.ListCommunities(r.Context(), p, f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	names := h.names(r.Context(), p)
	v := listView{Heading: h.tr(r, "reduction.communities"), Action: "/reduction/communities", Pager: web.PagerOf(pg, total),
		Filters: h.filterFields(r, true, Field{Name: "stage", Type: "select", Label: h.tr(r, "reduction.stage"), Options: h.opts(r, "reduction.stage_min.", Stages[1:].Values(), "reduction.all")})}
	v.Links = h.listLinks(r, "/reduction/communities", KindCommunities, false)
	v.Table = Table{ID: "communities-table", Cols: []string{h.tr(r, "reduction.community_name"), h.tr(r, "reduction.town"), h.tr(r, "reduction.applied_on"),
		h.tr(r, "reduction.score"), h.tr(r, "reduction.stage"), h.tr(r, "reduction.result")}}
	for _, c := range list {
		v.Table.Rows = append(v.Table.Rows, []Cell{{Text: c.Name, Link: "/reduction/communities/" + c.ID}, {Text: names[c.TownCode]}, {Text: c.AppliedOn},
			{Text: strconv.Itoa(c.Score), Class: "num"}, {Text: h.stageText(r, c)}, {Text: c.Result}})
	}
	h.renderList(w, r, "reduction-communities", v)
}

func (h *Handlers) stageText(r *http.Request, c Community) string {
	s := h.tr(r, "reduction.stage."+c.Stage)
	if c.Failed {
		s += "（" + h.tr(r, "reduction.stage_failed_at", "Stage", h.tr(r, "reduction.stage."+NextStage(c.Stage))) + "）"
	}
	return s
}

func (h *Handlers) communityForm(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	h.renderForm(w, r, status, "reduction-communities", formView{Heading: h.tr(r, "reduction.community_new"), ID: "community-form", Action: "/reduction/communities",
		Back: "/reduction/communities", Fields: []Field{{Name: "village_code", Type: "select", Label: h.tr(r, "reduction.village"), Options: h.villageOpts(r), Required: true},
			{Name: "name", Label: h.tr(r, "reduction.community_name"), Required: true}, {Name: "applied_on", Type: "date", Label: h.tr(r, "reduction.applied_on"), Required: true},
			{Name: "note", Label: h.tr(r, "reduction.note"), Wide: true}}}, f)
}

func (h *Handlers) communityNew(w http.ResponseWriter, r *http.Request) {
	h.communityForm(w, r, http.StatusOK, web.EmptyForm(map[string]string{"applied_on": h.Svc.Today()}))
}

func (h *Handlers) communityCreate(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	c, err := h.Svc.CreateCommunity(r.Context(), web.PrincipalFrom(r.Context()), Community{VillageCode: f.Get("village_code"), Name: f.Get("name"),
		AppliedOn: f.Get("applied_on"), Note: f.Get("note")})
	if err != nil {
		h.failed(w, r, f, err, func(status int) { h.communityForm(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/reduction/communities/"+c.ID, "action.saved")
}

func (h *Handlers) communityShow(w http.ResponseWriter, r *http.Request) {
	h.showCommunity(w, r, http.StatusOK, nil)
}

func (h *Handlers) showCommunity(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	c, err := h.Svc.GetCommunity(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	names := h.names(r.Context(), p)
	pass := h.tr(r, "reduction.score_below")
	if c.Score >= PassScore {
		pass = h.tr(r, "reduction.score_pass")
	}
	v := showView{Heading: c.Name, Pairs: [][2]string{{h.tr(r, "reduction.village"), names[c.TownCode] + " · " + names[c.VillageCode]},
		{h.tr(r, "reduction.applied_on"), c.AppliedOn}, {h.tr(r, "reduction.score"), fmt.Sprintf("%d（%s）", c.Score, pass)},
		{h.tr(r, "reduction.stage"), h.stageText(r, c)}, {h.tr(r, "reduction.result"), c.Result}, {h.tr(r, "reduction.note"), c.Note}}}
	sc := Table{ID: "checklist-table", Title: h.tr(r, "reduction.checklist"), Cols: []string{h.tr(r, "reduction.item"), h.tr(r, "reduction.max"), h.tr(r, "reduction.points")}}
	values := map[string]string{"on": h.Svc.Today(), "stage": NextStage(c.Stage), "passed": "1"}
	for _, it := range Checklist {
		sc.Rows = append(sc.Rows, []Cell{{Text: h.tr(r, "reduction.check."+it.Key)}, {Text: strconv.Itoa(it.Max), Class: "num"}, {Text: strconv.Itoa(c.Scores[it.Key]), Class: "num"}})
		values["score_"+it.Key] = strconv.Itoa(c.Scores[it.Key])
	}
	dt := Table{ID: "decisions-table", Title: h.tr(r, "reduction.decisions"), Cols: []string{h.tr(r, "reduction.stage"), h.tr(r, "reduction.decision"),
		h.tr(r, "reduction.on"), h.tr(r, "reduction.by"), h.tr(r, "reduction.note")}}
	for _, d := range c.Decisions {
		dt.Rows = append(dt.Rows, []Cell{{Text: h.tr(r, "reduction.stage."+d.Stage)}, {Text: yesNo(h, r, d.Passed)}, {Text: d.On}, {Text: d.By}, {Text: d.Note}})
	}
	v.Tables = []Table{sc, dt}
	if f == nil {
		f = web.EmptyForm(values)
	}
	if h.can(r, "POST /reduction/communities/{id}/score") && c.Stage == StageApplied && !c.Failed {
		var fields []Field
		for _, it := range Checklist {
			fields = append(fields, Field{Name: "score_" + it.Key, Type: "number", Label: h.tr(r, "reduction.check."+it.Key) + fmt.Sprintf("（≤%d）", it.Max)})
		}
		v.Forms = append(v.Forms, FormSpec{ID: "score-form", Title: h.tr(r, "reduction.score_title"), Action: "/reduction/communities/" + c.ID + "/score",
			Fields: fields, Submit: h.tr(r, "action.save"), Help: h.tr(r, "reduction.score_help", "Pass", PassScore)})
	}
	if next := NextStage(c.Stage); next != "" && !c.Failed && h.can(r, "POST /reduction/communities/{id}/decide") {
		v.Forms = append(v.Forms, FormSpec{ID: "decide-form", Title: h.tr(r, "reduction.decide_title", "Stage", h.tr(r, "reduction.stage."+next)),
			Action: "/reduction/communities/" + c.ID + "/decide", Submit: h.tr(r, "action.save"),
			Fields: []Field{{Name: "stage", Type: "hidden"}, {Name: "passed", Type: "select", Label: h.tr(r, "reduction.decision"), Options: []Opt{{"1", h.tr(r, "reduction.passed")}, {"0", h.tr(r, "reduction.not_passed")}}},
				{Name: "on", Type: "date", Label: h.tr(r, "reduction.on")}, {Name: "note", Label: h.tr(r, "reduction.result"), Wide: true}}})
	}
	h.renderShow(w, r, status, "reduction-communities", v, f)
}

func (h *Handlers) communityScore(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f := web.NewForm(r)
	var fe errs.FieldErrors
	scores := map[string]int{}
	for _, it := range Checklist {
		scores[it.Key] = int(num(f, "score_"+it.Key, &fe))
	}
	err := fe.Err()
	if err == nil {
		_, err = h.Svc.ScoreCommunity(r.Context(), web.PrincipalFrom(r.Context()), id, scores)
	}
	if err != nil {
		h.failed(w, r, f, err, func(status int) { h.showCommunity(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/reduction/communities/"+id, "action.saved")
}

func (h *Handlers) communityDecide(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f := web.NewForm(r)
	_, err := h.Svc.DecideCommunity(r.Context(), web.PrincipalFrom(r.Context()), id, StageDecision{Stage: f.Get("stage"), Passed: f.Get("passed") == "1",
		On: f.Get("on"), Note: f.Get("note")})
	if err != nil {
		h.failed(w, r, f, err, func(status int) { h.showCommunity(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/reduction/communities/"+id, "action.saved")
}

// ---------------------------------------------------------------------
// 防火码 checkpoints

func (h *Handlers) checkpoints(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f, pg := pagedFilter(r)
	list, total, err := h.Svc.ListCheckpoints(r.Context(), p, f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	names := h.names(r.Context(), p)
	v := listView{Heading: h.tr(r, "reduction.checkpoints"), Action: "/reduction/checkpoints", Pager: web.PagerOf(pg, total), Filters: h.filterFields(r, true)}
	v.Links = h.listLinks(r, "/reduction/checkpoints", KindCheckpoints, false)
	v.Table = Table{ID: "checkpoints-table", Cols: []string{h.tr(r, "reduction.checkpoint_name"), h.tr(r, "reduction.town"), h.tr(r, "reduction.place"),
		h.tr(r, "reduction.coords"), h.tr(r, "reduction.active"), h.tr(r, "reduction.scans")}}
	for _, c := range list {
		v.Table.Rows = append(v.Table.Rows, []Cell{{Text: c.Name, Link: "/reduction/checkpoints/" + c.ID}, {Text: names[c.TownCode]}, {Text: c.Place},
			{Text: coords(c)}, {Text: c.ActiveFrom + " – " + c.ActiveTo}, {Text: strconv.FormatInt(c.Scans, 10), Class: "num"}})
	}
	h.renderList(w, r, "reduction-checkpoints", v)
}

func coords(c Checkpoint) string {
	if c.Lng == 0 && c.Lat == 0 {
		return ""
	}
	return fmt.Sprintf("%.5f, %.5f", c.Lng, c.Lat)
}

func (h *Handlers) checkpointForm(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	h.renderForm(w, r, status, "reduction-checkpoints", formView{Heading: h.tr(r, "reduction.checkpoint_new"), ID: "checkpoint-form", Action: "/reduction/checkpoints",
		Back: "/reduction/checkpoints", Fields: []Field{{Name: "town_code", Type: "select", Label: h.tr(r, "reduction.town"), Options: h.townOpts(r, "reduction.choose"), Required: true},
			{Name: "name", Label: h.tr(r, "reduction.checkpoint_name"), Required: true}, {Name: "place", Label: h.tr(r, "reduction.place"), Wide: true},
			{Name: "lng", Type: "number", Label: h.tr(r, "reduction.lng")}, {Name: "lat", Type: "number", Label: h.tr(r, "reduction.lat")},
			{Name: "active_from", Type: "date", Label: h.tr(r, "reduction.active_from"), Required: true}, {Name: "active_to", Type: "date", Label: h.tr(r, "reduction.active_to")},
			{Name: "note", Label: h.tr(r, "reduction.note"), Wide: true}}}, f)
}

func (h *Handlers) checkpointNew(w http.ResponseWriter, r *http.Request) {
	h.checkpointForm(w, r, http.StatusOK, web.EmptyForm(map[string]string{"active_from": h.Svc.Today()}))
}

func (h *Handlers) checkpointCreate(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	c := Checkpoint{TownCode: f.Get("town_code"), Name: f.Get("name"), Place: f.Get("place"), ActiveFrom: f.Get("active_from"), ActiveTo: f.Get("active_to"), Note: f.Get("note")}
	var fe errs.FieldErrors
	for k, dst := range map[string]*float64{"lng": &c.Lng, "lat": &c.Lat} {
		if s := strings.TrimSpace(f.Get(k)); s != "" {
			x, err := strconv.ParseFloat(s, 64)
			if err != nil {
				fe = append(fe, errs.Field(k, "reduction.number_invalid", nil))
			}
			*dst = x
		}
	}
	err := fe.Err()
	if err == nil {
		c, err = h.Svc.CreateCheckpoint(r.Context(), web.PrincipalFrom(r.Context()), c)
	}
	if err != nil {
		h.failed(w, r, f, err, func(status int) { h.checkpointForm(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/reduction/checkpoints/"+c.ID, "action.saved")
}

func (h *Handlers) checkpointShow(w http.ResponseWriter, r *http.Request) {
	h.showCheckpoint(w, r, http.StatusOK, nil)
}

func (h *Handlers) showCheckpoint(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	c, err := h.Svc.GetCheckpoint(r.Context(), p, id)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	scans, err := h.Svc.Scans(r.Context(), p, id)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	hz, err := h.Svc.FireHazards(r.Context(), p, id)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	names := h.names(r.Context(), p)
	v := showView{Heading: c.Name, Pairs: [][2]string{{h.tr(r, "reduction.town"), names[c.TownCode]}, {h.tr(r, "reduction.place"), c.Place},
		{h.tr(r, "reduction.coords"), coords(c)}, {h.tr(r, "reduction.active"), c.ActiveFrom + " – " + c.ActiveTo},
		{h.tr(r, "reduction.scans"), strconv.FormatInt(c.Scans, 10)}, {h.tr(r, "reduction.note"), c.Note}}}
	st := Table{ID: "scans-table", Title: h.tr(r, "reduction.scan_counts"), Cols: []string{h.tr(r, "reduction.from"), h.tr(r, "reduction.to"), h.tr(r, "reduction.scans")}}
	for _, s := range scans {
		st.Rows = append(st.Rows, []Cell{{Text: s.From}, {Text: s.To}, {Text: strconv.FormatInt(s.Scans, 10), Class: "num"}})
	}
	ht := Table{ID: "fire-hazards-table", Title: h.tr(r, "reduction.fire_hazards"), Cols: []string{h.tr(r, "reduction.hazard_record")}}
	for _, x := range hz {
		ht.Rows = append(ht.Rows, []Cell{{Text: x, Link: "/hazards/" + x}})
	}
	v.Tables = []Table{st, ht}
	if f == nil {
		f = web.EmptyForm(map[string]string{"found_on": h.Svc.Today()})
	}
	if h.can(r, "POST /reduction/checkpoints/{id}/scans") && mayEdit(p, c.TownCode) == nil {
		v.Forms = append(v.Forms, FormSpec{ID: "scan-form", Title: h.tr(r, "reduction.scan_new"), Action: "/reduction/checkpoints/" + c.ID + "/scans", Submit: h.tr(r, "action.save"),
			Fields: []Field{{Name: "from", Type: "date", Label: h.tr(r, "reduction.from"), Required: true}, {Name: "to", Type: "date", Label: h.tr(r, "reduction.to"), Required: true},
				{Name: "scans", Type: "number", Label: h.tr(r, "reduction.scans"), Required: true}}})
		v.Forms = append(v.Forms, FormSpec{ID: "fire-hazard-form", Title: h.tr(r, "reduction.fire_hazard_new"), Action: "/reduction/checkpoints/" + c.ID + "/hazards",
			Submit: h.tr(r, "reduction.to_hazard_ledger"), Help: h.tr(r, "reduction.fire_hazard_help"),
			Fields: []Field{{Name: "description", Type: "textarea", Label: h.tr(r, "reduction.description"), Required: true, Wide: true},
				{Name: "place", Label: h.tr(r, "reduction.place")}, {Name: "found_on", Type: "date", Label: h.tr(r, "reduction.found_on"), Required: true},
				{Name: "responsible", Label: h.tr(r, "reduction.responsible")}, {Name: "measures", Label: h.tr(r, "reduction.measures"), Wide: true}}})
	}
	h.renderShow(w, r, status, "reduction-checkpoints", v, f)
}

func (h *Handlers) scanCreate(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f := web.NewForm(r)
	var fe errs.FieldErrors
	s := ScanCount{From: f.Get("from"), To: f.Get("to"), Scans: num(f, "scans", &fe)}
	err := fe.Err()
	if err == nil {
		_, err = h.Svc.AddScan(r.Context(), web.PrincipalFrom(r.Context()), id, s)
	}
	if err != nil {
		h.failed(w, r, f, err, func(status int) { h.showCheckpoint(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/reduction/checkpoints/"+id, "action.saved")
}

func (h *Handlers) fireHazardCreate(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f := web.NewForm(r)
	_, err := h.Svc.ReportFireHazard(r.Context(), web.PrincipalFrom(r.Context()), id, FireHazard{Description: f.Get("description"), Place: f.Get("place"),
		FoundOn: f.Get("found_on"), Responsible: f.Get("responsible"), Measures: f.Get("measures")})
	if err != nil {
		h.failed(w, r, f, err, func(status int) { h.showCheckpoint(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/reduction/checkpoints/"+id, "reduction.fire_hazard_saved")
}

// ---------------------------------------------------------------------
// Trainings

func (h *Handlers) trainings(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f, pg := pagedFilter(r)
	list, total, err := h.Svc.ListTrainings(r.Context(), p, f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	v := listView{Heading: h.tr(r, "reduction.trainings"), Action: "/reduction/trainings", Pager: web.PagerOf(pg, total),
		Filters: h.filterFields(r, true, Field{Name: "audience", Type: "select", Label: h.tr(r, "reduction.audience"), Options: h.opts(r, "reduction.audience.", Audiences.Values(), "reduction.all")})}
	v.Links = h.listLinks(r, "/reduction/trainings", KindTrainings, true)
	v.Table = Table{ID: "trainings-table", Cols: []string{h.tr(r, "reduction.topic"), h.tr(r, "reduction.held_on"), h.tr(r, "reduction.organiser"),
		h.tr(r, "reduction.audience"), h.tr(r, "reduction.attendees"), h.tr(r, "reduction.hours")}}
	var people int64
	for _, t := range list {
		people += t.Attendees
		v.Table.Rows = append(v.Table.Rows, []Cell{{Text: t.Topic, Link: "/reduction/trainings/" + t.ID}, {Text: days(t.HeldOn, t.EndsOn)}, {Text: t.Organiser},
			{Text: h.tr(r, "reduction.audience."+t.Audience)}, {Text: strconv.FormatInt(t.Attendees, 10), Class: "num"}, {Text: Tenths(t.HoursTenth), Class: "num"}})
	}
	if total > 0 && total <= pg.Size {
		v.Notes = []string{h.tr(r, "reduction.training_sum", "N", total, "People", people)}
	}
	h.renderList(w, r, "reduction-trainings", v)
}

func days(from, to string) string {
	if to == "" || to == from {
		return from
	}
	return from + " – " + to
}

func (h *Handlers) trainingForm(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	h.renderForm(w, r, status, "reduction-trainings", formView{Heading: h.tr(r, "reduction.training_new"), ID: "training-form", Action: "/reduction/trainings",
		Back: "/reduction/trainings", Fields: []Field{{Name: "topic", Label: h.tr(r, "reduction.topic"), Required: true, Wide: true},
			{Name: "held_on", Type: "date", Label: h.tr(r, "reduction.held_on"), Required: true}, {Name: "ends_on", Type: "date", Label: h.tr(r, "reduction.ends_on")},
			{Name: "organiser", Label: h.tr(r, "reduction.organiser"), Required: true},
			{Name: "audience", Type: "select", Label: h.tr(r, "reduction.audience"), Options: h.opts(r, "reduction.audience.", Audiences.Values(), "")},
			{Name: "town_code", Type: "select", Label: h.tr(r, "reduction.town"), Options: h.townOpts(r, "")},
			{Name: "attendees", Type: "number", Label: h.tr(r, "reduction.attendees"), Help: h.tr(r, "reduction.attendees_help")},
			{Name: "hours", Type: "number", Label: h.tr(r, "reduction.hours")},
			{Name: "list", Type: "textarea", Label: h.tr(r, "reduction.attendee_list"), Wide: true},
			{Name: "note", Label: h.tr(r, "reduction.note"), Wide: true}}}, f)
}

func (h *Handlers) trainingNew(w http.ResponseWriter, r *http.Request) {
	h.trainingForm(w, r, http.StatusOK, web.EmptyForm(map[string]string{"held_on": h.Svc.Today(), "organiser": "县应急管理局", "audience": "officers"}))
}

// splitNames splits an attendee list typed one a line or separated by
// 、，, or ;.
func splitNames(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == '\n' || r == '\r' || r == '、' || r == '，' || r == ',' || r == ';' || r == '；'
	})
}

func (h *Handlers) trainingCreate(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	var fe errs.FieldErrors
	t := Training{Topic: f.Get("topic"), HeldOn: f.Get("held_on"), EndsOn: f.Get("ends_on"), Organiser: f.Get("organiser"), Audience: f.Get("audience"),
		TownCode: f.Get("town_code"), Attendees: num(f, "attendees", &fe), HoursTenth: decimal(f, "hours", 1, &fe), List: splitNames(f.Get("list")), Note: f.Get("note")}
	err := fe.Err()
	if err == nil {
		t, err = h.Svc.CreateTraining(r.Context(), web.PrincipalFrom(r.Context()), t)
	}
	if err != nil {
		h.failed(w, r, f, err, func(status int) { h.trainingForm(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/reduction/trainings/"+t.ID, "action.saved")
}

func (h *Handlers) trainingShow(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	t, err := h.Svc.GetTraining(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	names := h.names(r.Context(), p)
	v := showView{Heading: t.Topic, Pairs: [][2]string{{h.tr(r, "reduction.held_on"), days(t.HeldOn, t.EndsOn)}, {h.tr(r, "reduction.organiser"), t.Organiser},
		{h.tr(r, "reduction.audience"), h.tr(r, "reduction.audience."+t.Audience)}, {h.tr(r, "reduction.town"), orDefault(names[t.TownCode], h.tr(r, "reduction.county_wide"))},
		{h.tr(r, "reduction.attendees"), strconv.FormatInt(t.Attendees, 10)}, {h.tr(r, "reduction.hours"), Tenths(t.HoursTenth)},
		{h.tr(r, "reduction.attendee_list"), strings.Join(t.List, "、")}, {h.tr(r, "reduction.note"), t.Note}}}
	h.renderShow(w, r, http.StatusOK, "reduction-trainings", v, nil)
}

// ---------------------------------------------------------------------
// Publicity

func (h *Handlers) publicity(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f, pg := pagedFilter(r)
	list, total, err := h.Svc.ListPublicity(r.Context(), p, f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	names := h.names(r.Context(), p)
	v := listView{Heading: h.tr(r, "reduction.publicity"), Action: "/reduction/publicity", Pager: web.PagerOf(pg, total),
		Filters: h.filterFields(r, true, Field{Name: "campaign", Type: "select", Label: h.tr(r, "reduction.campaign"), Options: h.opts(r, "reduction.campaign.", Campaigns.Values(), "reduction.all")},
			Field{Name: "kind", Type: "select", Label: h.tr(r, "reduction.publicity_kind"), Options: h.opts(r, "reduction.pkind.", PublicityKinds.Values(), "reduction.all")})}
	v.Links = h.listLinks(r, "/reduction/publicity", KindPublicity, true)
	v.Table = Table{ID: "publicity-table", Cols: []string{h.tr(r, "reduction.title"), h.tr(r, "reduction.campaign"), h.tr(r, "reduction.publicity_kind"),
		h.tr(r, "reduction.held_on"), h.tr(r, "reduction.town"), h.tr(r, "reduction.quantity"), h.tr(r, "reduction.winners")}}
	var qty, winners int64
	for _, x := range list {
		qty += x.Quantity
		winners += x.Winners
		v.Table.Rows = append(v.Table.Rows, []Cell{{Text: x.Title, Link: "/reduction/publicity/" + x.ID}, {Text: h.tr(r, "reduction.campaign."+x.Campaign)},
			{Text: h.tr(r, "reduction.pkind."+x.Kind)}, {Text: x.HeldOn}, {Text: orDefault(names[x.TownCode], h.tr(r, "reduction.county_wide"))},
			{Text: strconv.FormatInt(x.Quantity, 10) + " " + h.tr(r, "reduction.unit."+x.Kind), Class: "num"}, {Text: strconv.FormatInt(x.Winners, 10), Class: "num"}})
	}
	if f.Kind != "" && total > 0 && total <= pg.Size {
		v.Notes = []string{h.tr(r, "reduction.publicity_sum", "N", total, "Quantity", qty, "Unit", h.tr(r, "reduction.unit."+f.Kind))}
	}
	h.renderList(w, r, "reduction-publicity", v)
}

func (h *Handlers) publicityForm(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	h.renderForm(w, r, status, "reduction-publicity", formView{Heading: h.tr(r, "reduction.publicity_new"), ID: "publicity-form", Action: "/reduction/publicity",
		Back: "/reduction/publicity", Fields: []Field{{Name: "title", Label: h.tr(r, "reduction.title"), Required: true, Wide: true},
			{Name: "campaign", Type: "select", Label: h.tr(r, "reduction.campaign"), Options: h.opts(r, "reduction.campaign.", Campaigns.Values(), "")},
			{Name: "kind", Type: "select", Label: h.tr(r, "reduction.publicity_kind"), Options: h.opts(r, "reduction.pkind.", PublicityKinds.Values(), "")},
			{Name: "held_on", Type: "date", Label: h.tr(r, "reduction.held_on"), Required: true},
			{Name: "town_code", Type: "select", Label: h.tr(r, "reduction.town"), Options: h.townOpts(r, "")},
			{Name: "quantity", Type: "number", Label: h.tr(r, "reduction.quantity"), Required: true, Help: h.tr(r, "reduction.quantity_help")},
			{Name: "winners", Type: "number", Label: h.tr(r, "reduction.winners"), Help: h.tr(r, "reduction.winners_help")},
			{Name: "note", Label: h.tr(r, "reduction.note"), Wide: true}}}, f)
}

func (h *Handlers) publicityNew(w http.ResponseWriter, r *http.Request) {
	h.publicityForm(w, r, http.StatusOK, web.EmptyForm(map[string]string{"held_on": h.Svc.Today(), "campaign": "disaster_day", "kind": "leaflets"}))
}

func (h *Handlers) publicityCreate(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	var fe errs.FieldErrors
	x := Publicity{Title: f.Get("title"), Campaign: f.Get("campaign"), Kind: f.Get("kind"), HeldOn: f.Get("held_on"), TownCode: f.Get("town_code"),
		Quantity: num(f, "quantity", &fe), Winners: num(f, "winners", &fe), Note: f.Get("note")}
	err := fe.Err()
	if err == nil {
		x, err = h.Svc.CreatePublicity(r.Context(), web.PrincipalFrom(r.Context()), x)
	}
	if err != nil {
		h.failed(w, r, f, err, func(status int) { h.publicityForm(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/reduction/publicity/"+x.ID, "action.saved")
}

func (h *Handlers) publicityShow(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	x, err := h.Svc.GetPublicity(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	names := h.names(r.Context(), p)
	v := showView{Heading: x.Title, Pairs: [][2]string{{h.tr(r, "reduction.campaign"), h.tr(r, "reduction.campaign."+x.Campaign)},
		{h.tr(r, "reduction.publicity_kind"), h.tr(r, "reduction.pkind."+x.Kind)}, {h.tr(r, "reduction.held_on"), x.HeldOn},
		{h.tr(r, "reduction.town"), orDefault(names[x.TownCode], h.tr(r, "reduction.county_wide"))},
		{h.tr(r, "reduction.quantity"), strconv.FormatInt(x.Quantity, 10) + " " + h.tr(r, "reduction.unit."+x.Kind)},
		{h.tr(r, "reduction.winners"), strconv.FormatInt(x.Winners, 10)}, {h.tr(r, "reduction.note"), x.Note}}}
	h.renderShow(w, r, http.StatusOK, "reduction-publicity", v, nil)
}
