package reduction

import (
	"net/http"
	"strconv"

	"yingji/internal/kit/web"
)

// 灾害信息员: the register, its form, the coverage page.

func (h *Handlers) officers(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f, pg := pagedFilter(r)
	list, total, err := h.Svc.ListOfficers(r.Context(), p, f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	names := h.names(r.Context(), p)
	v := listView{Heading: h.tr(r, "reduction.officers"), Action: "/reduction/officers", Pager: web.PagerOf(pg, total),
		Filters: h.filterFields(r, true, Field{Name: "role", Type: "select", Label: h.tr(r, "reduction.officer_role"), Options: h.opts(r, "reduction.role.", Roles.Values(), "reduction.all")},
			Field{Name: "kind", Type: "select", Label: h.tr(r, "reduction.trained"), Options: h.opts(r, "reduction.training_state.", []string{"trained", "untrained"}, "reduction.all")})}
	v.Links = append([]Link{{ID: "coverage", Label: h.tr(r, "reduction.coverage"), Href: "/reduction/officers/coverage"}}, h.listLinks(r, "/reduction/officers", KindOfficers, true)...)
	v.Table = Table{ID: "officers-table", Cols: []string{h.tr(r, "reduction.name"), h.tr(r, "reduction.village"), h.tr(r, "reduction.officer_role"),
		h.tr(r, "reduction.position"), h.tr(r, "reduction.phone"), h.tr(r, "reduction.registered_on"), h.tr(r, "reduction.trained_on")}}
	for _, o := range list {
		v.Table.Rows = append(v.Table.Rows, []Cell{{Text: o.Name, Link: "/reduction/officers/" + o.ID}, {Text: names[o.TownCode] + " · " + names[o.VillageCode]},
			{Text: h.tr(r, "reduction.role."+o.Role)}, {Text: o.Position}, {Text: o.Phone, Class: "mono"}, {Text: o.RegisteredOn}, {Text: o.TrainedOn}})
	}
	h.renderList(w, r, "reduction-officers", v)
}

func (h *Handlers) officerFields(r *http.Request) []Field {
	return []Field{{Name: "village_code", Type: "select", Label: h.tr(r, "reduction.village"), Options: h.villageOpts(r), Required: true, Wide: true},
		{Name: "name", Label: h.tr(r, "reduction.name"), Required: true}, {Name: "phone", Label: h.tr(r, "reduction.phone"), Required: true},
		{Name: "role", Type: "select", Label: h.tr(r, "reduction.officer_role"), Options: h.opts(r, "reduction.role.", Roles.Values(), "")},
		{Name: "position", Label: h.tr(r, "reduction.position")},
		{Name: "registered_on", Type: "date", Label: h.tr(r, "reduction.registered_on")}, {Name: "trained_on", Type: "date", Label: h.tr(r, "reduction.trained_on")},
		{Name: "note", Label: h.tr(r, "reduction.note"), Wide: true}}
}

func (h *Handlers) officerForm(w http.ResponseWriter, r *http.Request, status int, f *web.Form, id string) {
	v := formView{Heading: h.tr(r, "reduction.officer_new"), ID: "officer-form", Action: "/reduction/officers", Back: "/reduction/officers",
		Fields: h.officerFields(r), Help: h.tr(r, "reduction.officer_help")}
	if id != "" {
		v.Heading, v.Action, v.Back = h.tr(r, "reduction.officer_edit"), "/reduction/officers/"+id, "/reduction/officers/"+id
	}
	h.renderForm(w, r, status, "reduction-officers", v, f)
}

func (h *Handlers) officerNew(w http.ResponseWriter, r *http.Request) {
	h.officerForm(w, r, http.StatusOK, web.EmptyForm(map[string]string{"role": RoleB, "village_code": r.URL.Query().Get("village"), "registered_on": h.Svc.Today()}), "")
}

func officerFromForm(f *web.Form) Officer {
	return Officer{VillageCode: f.Get("village_code"), Name: f.Get("name"), Phone: f.Get("phone"), Role: f.Get("role"), Position: f.Get("position"),
		RegisteredOn: f.Get("registered_on"), TrainedOn: f.Get("trained_on"), Note: f.Get("note")}
}

func (h *Handlers) officerCreate(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	o, err := h.Svc.CreateOfficer(r.Context(), web.PrincipalFrom(r.Context()), officerFromForm(f))
	if err != nil {
		h.failed(w, r, f, err, func(status int) { h.officerForm(w, r, status, f, "") })
		return
	}
	h.UI.Redirect(w, r, "/reduction/officers/"+o.ID, "action.saved")
}

func (h *Handlers) officerShow(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	o, err := h.Svc.GetOfficer(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	names := h.names(r.Context(), p)
	v := showView{Heading: o.Name, Pairs: [][2]string{{h.tr(r, "reduction.village"), names[o.TownCode] + " · " + names[o.VillageCode]},
		{h.tr(r, "reduction.officer_role"), h.tr(r, "reduction.role."+o.Role)}, {h.tr(r, "reduction.position"), o.Position},
		{h.tr(r, "reduction.phone"), o.Phone}, {h.tr(r, "reduction.registered_on"), o.RegisteredOn}, {h.tr(r, "reduction.trained_on"), o.TrainedOn},
		{h.tr(r, "reduction.note"), o.Note}}}
	if h.can(r, "POST /reduction/officers/{id}") && mayEdit(p, o.TownCode) == nil {
		v.Links = []Link{{ID: "edit", Label: h.tr(r, "action.edit"), Href: "/reduction/officers/" + o.ID + "/edit"},
			{ID: "delete", Label: h.tr(r, "action.delete"), Href: "/reduction/officers/" + o.ID + "/delete", Post: true}}
	}
	h.renderShow(w, r, http.StatusOK, "reduction-officers", v, nil)
}

func (h *Handlers) officerEdit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	o, err := h.Svc.GetOfficer(r.Context(), p, r.PathValue("id"))
	if err == nil {
		err = mayEdit(p, o.TownCode)
	}
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.officerForm(w, r, http.StatusOK, web.EmptyForm(map[string]string{"village_code": o.VillageCode, "name": o.Name, "phone": o.Phone, "role": o.Role,
		"position": o.Position, "registered_on": o.RegisteredOn, "trained_on": o.TrainedOn, "note": o.Note}), o.ID)
}

func (h *Handlers) officerUpdate(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f := web.NewForm(r)
	_, err := h.Svc.UpdateOfficer(r.Context(), web.PrincipalFrom(r.Context()), id, officerFromForm(f))
	if err != nil {
		h.failed(w, r, f, err, func(status int) { h.officerForm(w, r, status, f, id) })
		return
	}
	h.UI.Redirect(w, r, "/reduction/officers/"+id, "action.saved")
}

func (h *Handlers) officerDelete(w http.ResponseWriter, r *http.Request) {
	err := h.Svc.DeleteOfficer(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	h.UI.Done(w, r, err, "/reduction/officers", "reduction.officer_deleted")
}

func (h *Handlers) coverage(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	missing := r.URL.Query().Get("missing") == "1"
	list, err := h.Svc.Coverage(r.Context(), p, missing)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	all, err := h.Svc.Coverage(r.Context(), p, false)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	without, total := 0, 0
	for _, c := range all {
		if c.Officers == 0 {
			without++
		}
		total += c.Officers
	}
	v := listView{Heading: h.tr(r, "reduction.coverage"), Action: "/reduction/officers/coverage",
		Filters: []Field{{Name: "missing", Type: "select", Label: h.tr(r, "reduction.coverage"), Options: []Opt{{"", h.tr(r, "reduction.all_villages")}, {"1", h.tr(r, "reduction.villages_without")}}}},
		Notes:   []string{h.tr(r, "reduction.coverage_note", "Villages", len(all), "Without", without, "Officers", total)}}
	v.Pager = web.PagerOf(web.Paging{Page: 1, Size: max(len(list), 1)}, len(list))
	v.Table = Table{ID: "coverage-table", Cols: []string{h.tr(r, "reduction.town"), h.tr(r, "reduction.village"), h.tr(r, "reduction.officer_count"), h.tr(r, "reduction.has_a")}}
	for _, c := range list {
		cls := ""
		if c.Officers == 0 {
			cls = "warn"
		}
		cell := Cell{Text: strconv.Itoa(c.Officers), Class: cls, Link: "/reduction/officers?village=" + c.VillageCode}
		if c.Officers == 0 && h.can(r, "POST /reduction/officers") {
			cell = Cell{Text: h.tr(r, "reduction.none_add"), Class: "warn", Link: "/reduction/officers/new?village=" + c.VillageCode}
		}
		v.Table.Rows = append(v.Table.Rows, []Cell{{Text: c.TownName}, {Text: c.VillageName}, cell, {Text: yesNo(h, r, c.HasA)}})
	}
	h.renderList(w, r, "reduction-officers", v)
}
