package campaign

import (
	"html/template"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"yingji/internal/bureau/campaign/housing"
	"yingji/internal/kit/attach"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/org"
	"yingji/internal/kit/web"
)

// regionLookups returns the towns and villages in p's scope and the
// county's region names.
func (h *Handlers) regionLookups(r *http.Request) ([]org.Region, []org.Region, map[string]string, error) {
	p := web.PrincipalFrom(r.Context())
	regions, err := h.Org.ListRegions(r.Context(), p, org.RegionFilter{})
	if err != nil {
		return nil, nil, nil, err
	}
	all, err := h.Org.ListRegions(r.Context(), &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}, org.RegionFilter{})
	if err != nil {
		return nil, nil, nil, err
	}
	names := map[string]string{}
	for _, x := range all {
		names[x.Code] = x.Name
	}
	var towns, villages []org.Region
	for _, x := range regions {
		switch x.Level {
		case org.LevelTown:
			towns = append(towns, x)
		case org.LevelVillage:
			villages = append(villages, x)
		}
	}
	return towns, villages, names, nil
}

func (h *Handlers) housingBuildings(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	c, err := h.Svc.Housing.Campaign(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	f := housing.FilterOf(r.URL.Query())
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.Size, pg.Offset()
	rows, total, err := h.Svc.Housing.List(r.Context(), p, c.ID, f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	towns, villages, names, err := h.regionLookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	// The village list follows the chosen town.
	town := f.Town
	if p.Role == auth.RoleTown {
		town = p.RegionCode
	}
	var vil []org.Region
	for _, v := range villages {
		if town == "" || v.ParentCode == town {
			vil = append(vil, v)
		}
	}
	q := url.Values{}
	for k, v := range r.URL.Query() {
		if k != "page" && k != "size" {
			q[k] = v
		}
	}
	q.Set("campaign", c.ID)
	data := map[string]any{"C": c, "Rows": rows, "Pager": web.PagerOf(pg, total), "Towns": towns, "Villages": vil, "Names": names,
		"Stages": housing.Stages, "Grades": housing.Grades, "Levels": housing.Levels, "Items": housing.Items, "ExportURL": template.URL("/buildings/export?" + q.Encode()), "TownUser": p.Role == auth.RoleTown}
	h.render(w, r, http.StatusOK, "housing_buildings", h.t(r, "housing.buildings")+" · "+c.Name, data, nil)
}

// timelineItem is one stage of a building's timeline.
type timelineItem struct {
	Step    string // survey, judge, assess, appraise, remediate, close
	On      string
	Outcome string
	Event   *housing.Event
}

func (h *Handlers) timeline(r *http.Request, b housing.Building, events []housing.Event) []timelineItem {
	lang := web.Lang(r.Context())
	byAction := map[housing.Action]*housing.Event{}
	for i := range events {
		byAction[events[i].Action] = &events[i]
	}
	yes := func(v bool, a, b string) string {
		if v {
			return h.t(r, a)
		}
		return h.t(r, b)
	}
	out := []timelineItem{{Step: "survey", On: b.SurveyedOn}}
	if b.JudgedOn != "" {
		o := yes(b.Hazard, "housing.hazard_yes", "housing.hazard_no")
		if b.HazardLevel != "" {
			o = housing.Levels.Label(b.HazardLevel, lang)
		}
		out = append(out, timelineItem{Step: "judge", On: b.JudgedOn, Outcome: o, Event: byAction[housing.ActJudge]})
	}
	if b.AssessedOn != "" {
		o := yes(b.NeedAppraisal, "housing.need_yes", "housing.need_no")
		if b.AssessedBy != "" {
			o += "（" + housing.Assessors.Label(b.AssessedBy, lang) + "）"
		}
		out = append(out, timelineItem{Step: "assess", On: b.AssessedOn, Outcome: o, Event: byAction[housing.ActAssess]})
	}
	if b.AppraisedOn != "" {
		out = append(out, timelineItem{Step: "appraise", On: b.AppraisedOn, Outcome: h.t(r, "housing.grade_of", "Grade", b.Grade) + " · " + b.Agency,
			Event: byAction[housing.ActAppraise]})
	}
	if b.RemediatedOn != "" {
		out = append(out, timelineItem{Step: "remediate", On: b.RemediatedOn, Outcome: housing.Measures.Label(b.Measure, lang), Event: byAction[housing.ActRemediate]})
	}
	if b.ClosedOn != "" {
		out = append(out, timelineItem{Step: "close", On: b.ClosedOn, Event: byAction[housing.ActClose]})
	}
	return out
}

func (h *Handlers) housingBuilding(w http.ResponseWriter, r *http.Request) {
	h.housingBuildingPage(w, r, http.StatusOK, nil)
}

func (h *Handlers) housingBuildingPage(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	ctx := r.Context()
	c, err := h.Svc.Housing.Campaign(ctx, p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	b, err := h.Svc.Housing.Get(ctx, p, c.ID, r.PathValue("bid"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	events, err := h.Svc.Housing.Events(ctx, p, b)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	names, err := h.Svc.Housing.RegionNames(ctx, p)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	var next housing.Action
	if allowed := housing.Allowed(b); len(allowed) > 0 {
		next = allowed[0]
	}
	today := h.Svc.Housing.Today()
	if f == nil {
		f = web.EmptyForm(map[string]string{"on": today})
	}
	measures := housing.Measures
	if b.Grade == "D" || (b.Stage == housing.NoAppraisal && b.HazardLevel == housing.LevelCollapse) {
		measures = measures[:3]
	}
	data := map[string]any{"C": c, "B": b, "Events": events, "Timeline": h.timeline(r, b, events), "Names": names, "Next": string(next),
		"CanWrite": housing.MayWrite(p, b), "Today": today, "Grades": housing.Grades, "Measures": measures, "Assessors": housing.Assessors,
		"Structures": housing.Structures, "Levels": housing.Levels, "Checks": housing.CheckResults,
		"Judgement": [][3]string{{"check_structure", housing.ItemStructure, b.CheckStructure}, {"check_business", housing.ItemBusiness, b.CheckBusiness},
			{"check_legal", housing.ItemLegal, b.CheckLegal}}}
	h.render(w, r, status, "housing_building", b.Code, data, f)
}

// stepOf reads a step from a posted form.
func stepOf(f *web.Form) housing.Step {
	s := housing.Step{Action: housing.Action(f.Get("action")), On: f.Get("on"), AssessedBy: f.Get("assessed_by"), Grade: f.Get("grade"),
		Agency: f.Get("agency"), Measure: f.Get("measure"), Note: f.Get("note"), Level: f.Get("hazard_level"),
		CheckStructure: f.Get("check_structure"), CheckBusiness: f.Get("check_business"), CheckLegal: f.Get("check_legal")}
	yes, no := true, false
	switch f.Get("hazard") {
	case "1":
		s.Hazard = &yes
	case "0":
		s.Hazard = &no
	}
	switch f.Get("need") {
	case "1":
		s.Need = &yes
	case "0":
		s.Need = &no
	}
	return s
}

// reportFiles reads the report files (鉴定报告) of a multipart step; ok is
// false when the answer was sent. The caller closes the files.
func (h *Handlers) reportFiles(w http.ResponseWriter, r *http.Request) (files []attach.Upload, closers []multipart.File, ok bool) {
	r.Body = http.MaxBytesReader(w, r.Body, maxReport+1<<20)
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return nil, nil, true
	}
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		h.UI.Fail(w, r, http.StatusRequestEntityTooLarge, "housing.file_too_large")
		return nil, nil, false
	}
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["report"] {
			if fh.Size == 0 {
				continue
			}
			file, err := fh.Open()
			if err != nil {
				h.UI.Error(w, r, err)
				return nil, closers, false
			}
			closers = append(closers, file)
			files = append(files, attach.Upload{Filename: fh.Filename, Reader: file})
		}
	}
	return files, closers, true
}

func closeAll(list []multipart.File) {
	for _, f := range list {
		_ = f.Close()
	}
}

func (h *Handlers) housingStep(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	files, closers, ok := h.reportFiles(w, r)
	defer closeAll(closers)
	if !ok {
		return
	}
	f := web.NewForm(r)
	st := stepOf(f)
	_, err := h.Svc.Housing.Do(r.Context(), p, r.PathValue("id"), r.PathValue("bid"), st, files)
	if err != nil {
		h.UI.FormFailed(w, r, f, err, invalidOrConflict, func(status int) { h.housingBuildingPage(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, r.URL.Path[:strings.LastIndex(r.URL.Path, "/steps")], "housing.step_done",
		"Step", h.t(r, "housing.step."+string(st.Action)))
}

// invalidOrConflict tells the errors a step's form shows: invalid input,
// and a step the record's state does not allow.
func invalidOrConflict(err error) bool {
	k := errs.KindOf(err)
	return k == errs.Invalid || k == errs.Conflict
}

func (h *Handlers) housingFile(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	a, err := h.Svc.Housing.File(r.Context(), p, r.PathValue("id"), r.PathValue("bid"), r.PathValue("fid"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	_, rc, err := h.Attach.Open(r.Context(), a.ID)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(a.Filename))
	w.Header().Set("Content-Length", strconv.FormatInt(a.Size, 10))
	_, _ = io.Copy(w, rc)
}
