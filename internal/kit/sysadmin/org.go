package sysadmin

import (
	"net/http"
	"strings"

	"yingji/internal/kit/org"
	"yingji/internal/kit/web"
)

func regionFilter(r *http.Request) org.RegionFilter {
	q := r.URL.Query()
	return org.RegionFilter{Level: q.Get("level"), Parent: q.Get("parent"), Q: q.Get("q")}
}

func (h *Handlers) regionsPage(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	list, err := h.Org.ListRegions(r.Context(), p, regionFilter(r))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	all, err := h.Org.ListRegions(r.Context(), p, org.RegionFilter{})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if f == nil {
		f = web.EmptyForm(nil)
	}
	h.UI.Show(w, r, status, "regions", "nav.regions", "regions", map[string]any{"Regions": list, "Names": regionNames(all), "Kinds": org.RegionKinds}, f)
}

func (h *Handlers) regions(w http.ResponseWriter, r *http.Request) {
	h.regionsPage(w, r, http.StatusOK, nil)
}

func (h *Handlers) saveRegion(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	reg := org.Region{Code: f.Get("code"), Name: f.Get("name"), Kind: f.Get("kind"), Sort: atoi(f.Get("sort"))}
	if _, err := h.Org.SaveRegion(r.Context(), web.PrincipalFrom(r.Context()), reg); err != nil {
		h.UI.FormFailed(w, r, f, err, web.HasFieldErrors, func(status int) { h.regionsPage(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/regions", "action.saved")
}

func (h *Handlers) units(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	q := r.URL.Query()
	list, err := h.Org.ListUnits(r.Context(), p, org.UnitFilter{Kind: q.Get("kind"), Q: q.Get("q")})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	regions, err := h.Org.ListRegions(r.Context(), p, org.RegionFilter{})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.Show(w, r, http.StatusOK, "units", "nav.units", "units", map[string]any{"Units": list, "Kinds": org.UnitKinds, "RegionNames": regionNames(regions)}, nil)
}

func (h *Handlers) unitForm(w http.ResponseWriter, r *http.Request, status int, f *web.Form, id string) {
	p := web.PrincipalFrom(r.Context())
	regions, err := h.Org.ListRegions(r.Context(), p, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	title := "unit.new"
	if id != "" {
		title = "unit.edit"
	}
	h.UI.Show(w, r, status, "unit_form", title, "units", map[string]any{"ID": id, "Kinds": org.UnitKinds, "Towns": regions, "Sectors": org.Sectors}, f)
}

func (h *Handlers) newUnit(w http.ResponseWriter, r *http.Request) {
	h.unitForm(w, r, http.StatusOK, web.EmptyForm(map[string]string{"kind": org.UnitSection}), "")
}

func unitOf(f *web.Form, r *http.Request) org.Unit {
	var sectors []string
	for _, s := range r.PostForm["sectors"] {
		if s = strings.TrimSpace(s); s != "" {
			sectors = append(sectors, s)
		}
	}
	return org.Unit{Kind: f.Get("kind"), Name: f.Get("name"), RegionCode: f.Get("region_code"), Sectors: sectors,
		Phone: f.Get("phone"), Sort: atoi(f.Get("sort")), Disabled: f.Get("disabled") == "on"}
}

func (h *Handlers) createUnit(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	u := unitOf(f, r)
	if _, err := h.Org.SaveUnit(r.Context(), web.PrincipalFrom(r.Context()), u); err != nil {
		h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) { h.unitForm(w, r, status, f, "") })
		return
	}
	h.UI.Redirect(w, r, "/units", "action.saved")
}

func (h *Handlers) editUnit(w http.ResponseWriter, r *http.Request) {
	u, err := h.Org.Unit(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	disabled := ""
	if u.Disabled {
		disabled = "on"
	}
	h.unitForm(w, r, http.StatusOK, web.EmptyForm(map[string]string{"kind": u.Kind, "name": u.Name, "region_code": u.RegionCode,
		"sectors": strings.Join(u.Sectors, ","), "phone": u.Phone, "sort": itoa(u.Sort), "disabled": disabled}), u.ID)
}

func (h *Handlers) updateUnit(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f := web.NewForm(r)
	u := unitOf(f, r)
	u.ID = id
	if _, err := h.Org.SaveUnit(r.Context(), web.PrincipalFrom(r.Context()), u); err != nil {
		h.UI.FormFailed(w, r, f, err, web.HasFieldErrors, func(status int) { h.unitForm(w, r, status, f, id) })
		return
	}
	h.UI.Redirect(w, r, "/units", "action.saved")
}

func (h *Handlers) apiRegions(w http.ResponseWriter, r *http.Request) {
	list, err := h.Org.ListRegions(r.Context(), web.PrincipalFrom(r.Context()), regionFilter(r))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if list == nil {
		list = []org.Region{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": list, "total": len(list)})
}

// regionInput is the API's region request.
type regionInput struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Kind string `json:"kind"`
	Sort int64  `json:"sort"`
}

// regionList and unitList are the API's answers of the whole lists.
type (
	regionList struct {
		Items []org.Region `json:"items" schema:"notnull"`
		Total int          `json:"total"`
	}
	unitList struct {
		Items []org.Unit `json:"items" schema:"notnull"`
		Total int        `json:"total"`
	}
)

func (h *Handlers) apiSaveRegion(w http.ResponseWriter, r *http.Request) {
	var in regionInput
	if !h.UI.ReadJSON(w, r, &in) {
		return
	}
	reg, err := h.Org.SaveRegion(r.Context(), web.PrincipalFrom(r.Context()), org.Region{Code: in.Code, Name: in.Name, Kind: in.Kind, Sort: in.Sort})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, reg)
}

func (h *Handlers) apiUnits(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	list, err := h.Org.ListUnits(r.Context(), web.PrincipalFrom(r.Context()), org.UnitFilter{Kind: q.Get("kind"), Q: q.Get("q")})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if list == nil {
		list = []org.Unit{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": list, "total": len(list)})
}

type unitJSON struct {
	Kind       string   `json:"kind"`
	Name       string   `json:"name"`
	RegionCode string   `json:"region_code"`
	Sectors    []string `json:"sectors"`
	Phone      string   `json:"phone"`
	Sort       int64    `json:"sort"`
	Disabled   bool     `json:"disabled"`
}

func (u unitJSON) unit() org.Unit {
	return org.Unit{Kind: u.Kind, Name: u.Name, RegionCode: u.RegionCode, Sectors: u.Sectors, Phone: u.Phone, Sort: u.Sort, Disabled: u.Disabled}
}

func (h *Handlers) apiCreateUnit(w http.ResponseWriter, r *http.Request) {
	var in unitJSON
	if !h.UI.ReadJSON(w, r, &in) {
		return
	}
	u, err := h.Org.SaveUnit(r.Context(), web.PrincipalFrom(r.Context()), in.unit())
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, u)
}

func (h *Handlers) apiUpdateUnit(w http.ResponseWriter, r *http.Request) {
	var in unitJSON
	if !h.UI.ReadJSON(w, r, &in) {
		return
	}
	u := in.unit()
	u.ID = r.PathValue("id")
	if _, err := h.Org.Unit(r.Context(), web.PrincipalFrom(r.Context()), u.ID); err != nil {
		h.UI.Error(w, r, err)
		return
	}
	u, err := h.Org.SaveUnit(r.Context(), web.PrincipalFrom(r.Context()), u)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, u)
}

func itoa(n int64) string {
	if n == 0 {
		return ""
	}
	return strconvFormat(n)
}
