package campaign

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"yingji/internal/bureau/campaign/special"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/org"
	"yingji/internal/kit/web"
	"yingji/internal/kit/xlsx"
)

// specialRow is a campaign in the list with its coverage.
type specialRow struct {
	special.Campaign
	Cov special.Coverage
}

func (h *Handlers) specials(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	list, err := h.Svc.Special.Campaigns(r.Context(), p)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	rows := make([]specialRow, 0, len(list))
	for _, c := range list {
		cov, err := h.Svc.Special.Coverage(r.Context(), p, c)
		if err != nil {
			h.UI.Error(w, r, err)
			return
		}
		rows = append(rows, specialRow{Campaign: c, Cov: cov})
	}
	h.render(w, r, http.StatusOK, "specials", h.t(r, "special.title"), map[string]any{"Campaigns": rows}, nil)
}

func (h *Handlers) specialNew(w http.ResponseWriter, r *http.Request) {
	h.specialNewPage(w, r, http.StatusOK, web.EmptyForm(map[string]string{"starts_on": h.Svc.Special.Today(), "rounds": "1", "scope_kind": special.ScopeEnterprises}))
}

func (h *Handlers) specialNewPage(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	towns, err := h.Org.ListRegions(r.Context(), &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.render(w, r, status, "special_new", h.t(r, "special.new"), map[string]any{"Towns": towns, "Sectors": org.Sectors}, f)
}

// placesOf reads the places typed one a line: 名称，乡镇[，地址].
func (h *Handlers) placesOf(r *http.Request, text string) ([]special.Place, error) {
	p := web.PrincipalFrom(r.Context())
	towns, err := h.Org.ListRegions(r.Context(), &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		return nil, err
	}
	byName := map[string]string{}
	for _, t := range towns {
		byName[t.Name], byName[t.Code] = t.Code, t.Code
	}
	var out []special.Place
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		parts := strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == '，' || r == '\t' || r == '、' })
		pl := special.Place{Name: strings.TrimSpace(parts[0])}
		if len(parts) > 1 {
			t := strings.TrimSpace(parts[1])
			code, ok := byName[t]
			if !ok {
				return nil, errs.Field("places", "special.place_town_unknown", map[string]any{"Line": i + 1, "Name": pl.Name})
			}
			pl.Town = code
		}
		if len(parts) > 2 {
			pl.Address = strings.TrimSpace(strings.Join(parts[2:], "，"))
		}
		out = append(out, pl)
	}
	return out, nil
}

func (h *Handlers) specialCreate(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	rounds, _ := strconv.Atoi(f.Get("rounds"))
	in := special.NewCampaign{Name: f.Get("name"), StartsOn: f.Get("starts_on"), EndsOn: f.Get("ends_on"), Note: f.Get("note"),
		ScopeKind: f.Get("scope_kind"), Sector: f.Get("sector"), Town: f.Get("town"), Rounds: rounds, HazardCampaign: f.Get("hazard_campaign")}
	if f.Get("rounds") != "" && rounds == 0 {
		in.Rounds = -1
	}
	var err error
	if in.ScopeKind == special.ScopePlaces {
		in.Places, err = h.placesOf(r, r.PostForm.Get("places"))
	}
	var c special.Campaign
	if err == nil {
		c, err = h.Svc.Special.Create(r.Context(), web.PrincipalFrom(r.Context()), in)
	}
	if err != nil {
		f.Values["places"] = r.PostForm.Get("places")
		h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) { h.specialNewPage(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/special-campaigns/"+c.ID, "special.created", "Name", c.Name)
}

func (h *Handlers) specialPage(w http.ResponseWriter, r *http.Request) {
	h.specialPageWith(w, r, http.StatusOK, nil)
}

func (h *Handlers) specialPageWith(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	ctx := r.Context()
	c, err := h.Svc.Special.Campaign(ctx, p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	cov, err := h.Svc.Special.Coverage(ctx, p, c)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	pg := web.PagingOf(r)
	targets, total, err := h.Svc.Special.Targets(ctx, p, c, special.TargetFilter{Town: q.Get("town"), State: q.Get("state"), Q: q.Get("q"),
		Limit: pg.Size, Offset: pg.Offset()})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	checks, err := h.Svc.Special.Checks(ctx, p, c, 20)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	towns, _, names, err := h.regionLookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if f == nil {
		f = web.EmptyForm(map[string]string{"checked_on": h.Svc.Special.Today(), "round": "1", "target_id": q.Get("target")})
	}
	canCheck := p.Is(auth.RoleAdmin, auth.RoleSection, auth.RoleEnforcer, auth.RoleTown, auth.RoleDepartment)
	hazards, open := -1, 0
	if h.HazardCount != nil && c.HazardCampaign != "" {
		if hazards, open, err = h.HazardCount(ctx, p, c.HazardCampaign); err != nil {
			h.UI.Error(w, r, err)
			return
		}
	}
	data := map[string]any{"C": c, "Cov": cov, "Hazards": hazards, "HazardsOpen": open, "Targets": targets, "Pager": web.PagerOf(pg, total), "Checks": checks, "Towns": towns,
		"Names": names, "CanCheck": canCheck, "Today": h.Svc.Special.Today()}
	h.render(w, r, status, "special", c.Name, data, f)
}

func checkOf(f *web.Form) special.Check {
	round, err := strconv.Atoi(f.Get("round"))
	if err != nil {
		round = 0
	}
	findings, err := strconv.Atoi(strings.TrimSpace(f.Get("findings")))
	if err != nil && f.Get("findings") != "" {
		findings = -1
	}
	return special.Check{TargetID: f.Get("target_id"), CheckedOn: f.Get("checked_on"), Round: round, CheckedBy: f.Get("checked_by"),
		Findings: findings, Note: f.Get("note")}
}

func (h *Handlers) specialCheck(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	_, err := h.Svc.Special.RecordCheck(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), checkOf(f))
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.IsInvalid, func(status int) { h.specialPageWith(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/special-campaigns/"+r.PathValue("id"), "special.check_recorded")
}

func (h *Handlers) specialExport(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	c, err := h.Svc.Special.Campaign(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	targets, _, err := h.Svc.Special.Targets(r.Context(), p, c, special.TargetFilter{Limit: 5000, Town: r.URL.Query().Get("town"), State: r.URL.Query().Get("state")})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	_, _, names, err := h.regionLookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	cols := []xlsx.Column{{Key: "name", Header: h.t(r, "special.target"), Width: 30}, {Key: "town", Header: h.t(r, "housing.town"), Width: 12},
		{Key: "address", Header: h.t(r, "housing.address"), Width: 28}}
	for i := 1; i <= c.Rounds; i++ {
		cols = append(cols, xlsx.Column{Key: fmt.Sprintf("round_%d", i), Header: h.t(r, "special.round_n", "N", i), Width: 12})
	}
	h.UI.SendXLSX(w, r, c.Name+"-检查覆盖.xlsx", h.xlsxWriter(xlsx.Schema{Name: "检查覆盖", Columns: cols}), func(xw *xlsx.Writer) error {
		for _, t := range targets {
			vals := []any{t.Name, names[t.TownCode], t.Address}
			for _, d := range t.Rounds {
				if d == "" {
					vals = append(vals, h.t(r, "special.unchecked"))
				} else {
					vals = append(vals, d)
				}
			}
			if err := xw.Write(vals...); err != nil {
				return err
			}
		}
		return nil
	})
}

func (h *Handlers) apiSpecial(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	c, err := h.Svc.Special.Campaign(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	cov, err := h.Svc.Special.Coverage(r.Context(), p, c)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, SpecialCoverage{Campaign: c, Coverage: cov})
}
