package campaign

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"yingji/internal/bureau/campaign/day"
	"yingji/internal/bureau/campaign/housing"
	"yingji/internal/kit/attach"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/org"
	"yingji/internal/kit/web"
	"yingji/internal/kit/xlsx"
)

// maxReport bounds an uploaded appraisal report.
const maxReport = 20 << 20

// campaignRow is a campaign in the list with its building count.
type campaignRow struct {
	housing.Campaign
	Buildings int64
}

func (h *Handlers) housingList(w http.ResponseWriter, r *http.Request) {
	h.housingListPage(w, r, http.StatusOK, nil)
}

func (h *Handlers) housingListPage(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	list, err := h.Svc.Housing.Campaigns(r.Context(), p)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	rows := make([]campaignRow, 0, len(list))
	for _, c := range list {
		tot, err := h.Svc.Housing.Totals(r.Context(), p, c.ID)
		if err != nil {
			h.UI.Error(w, r, err)
			return
		}
		var n int64
		for _, v := range tot {
			n += v
		}
		rows = append(rows, campaignRow{Campaign: c, Buildings: n})
	}
	if f == nil {
		f = web.EmptyForm(map[string]string{"starts_on": h.Svc.Housing.Today()})
	}
	h.render(w, r, status, "housing_list", h.t(r, "housing.title"), map[string]any{"Campaigns": rows, "CanManage": housing.MayManage(p)}, f)
}

func (h *Handlers) housingCreate(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	c, err := h.Svc.Housing.CreateCampaign(r.Context(), web.PrincipalFrom(r.Context()), housing.Campaign{Name: f.Get("name"),
		StartsOn: f.Get("starts_on"), EndsOn: f.Get("ends_on"), Note: f.Get("note")})
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) { h.housingListPage(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/housing/"+c.ID, "housing.campaign_created", "Name", c.Name)
}

// metricLabels are the progress columns' message IDs.
func metricLabel(m housing.Metric) string { return "housing.metric." + string(m) }

// chartOf is the progress chart's ECharts option: the work after the
// survey, by town.
func (h *Handlers) chartOf(r *http.Request, pr housing.Progress) string {
	var names []string
	for _, t := range pr.Towns {
		names = append(names, t.Name)
	}
	var series []map[string]any
	for _, m := range pr.Metrics[1:] {
		var data []int64
		for _, t := range pr.Towns {
			data = append(data, t.By[m].Total())
		}
		series = append(series, map[string]any{"name": h.t(r, metricLabel(m)), "type": "bar", "data": data})
	}
	opt := map[string]any{
		"tooltip": map[string]any{"trigger": "axis"},
		"legend":  map[string]any{"top": 0},
		"grid":    map[string]any{"left": 48, "right": 12, "top": 36, "bottom": 56},
		"xAxis":   map[string]any{"type": "category", "data": names, "axisLabel": map[string]any{"rotate": 30, "interval": 0}},
		"yAxis":   map[string]any{"type": "value"},
		"series":  series,
	}
	b, _ := json.Marshal(opt)
	return string(b)
}

// reportedValues turns reported figures into form values.
func reportedValues(rep *housing.Reported) map[string]string {
	v := map[string]string{}
	if rep == nil {
		return v
	}
	v["as_of"], v["note"] = rep.AsOf, rep.Note
	for m, f := range rep.Figures {
		for part, x := range map[string]*int64{"total": f.Total, "urban": f.Urban, "rural": f.Rural} {
			if x != nil {
				v[string(m)+"_"+part] = strconv.FormatInt(*x, 10)
			}
		}
	}
	return v
}

func (h *Handlers) housingCampaign(w http.ResponseWriter, r *http.Request) {
	h.housingCampaignPage(w, r, http.StatusOK, nil)
}

func (h *Handlers) housingCampaignPage(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	ctx := r.Context()
	c, err := h.Svc.Housing.Campaign(ctx, p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	on := r.URL.Query().Get("on")
	badOn := false
	if on != "" {
		if d, err := day.Parse(on); err == nil {
			on = d
		} else {
			on, badOn = "", true
		}
	}
	pr, err := h.Svc.Housing.Progress(ctx, p, c.ID, on)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	warns, err := h.Svc.Housing.Warnings(ctx, p, c)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if f == nil {
		f = web.EmptyForm(reportedValues(c.Reported))
		if f.Values["as_of"] == "" {
			f.Values["as_of"] = pr.On
		}
	}
	data := map[string]any{"C": c, "P": pr, "Warnings": warns, "Chart": h.chartOf(r, pr), "CanManage": housing.MayManage(p),
		"BadOn": badOn, "Metrics": housing.ProgressMetrics, "Today": h.Svc.Housing.Today()}
	h.render(w, r, status, "housing_campaign", c.Name, data, f)
}

// parseReported reads the reported figures form.
func parseReported(f *web.Form) (housing.Reported, error) {
	rep := housing.Reported{AsOf: f.Get("as_of"), Note: f.Get("note"), Figures: map[housing.Metric]housing.ReportedFigure{}}
	var fe errs.FieldErrors
	for _, m := range housing.ProgressMetrics {
		var fig housing.ReportedFigure
		for _, part := range []string{"total", "urban", "rural"} {
			key := string(m) + "_" + part
			s := strings.TrimSpace(f.Get(key))
			if s == "" {
				continue
			}
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				fe = append(fe, errs.Field(key, "housing.count_invalid", nil))
				continue
			}
			switch part {
			case "total":
				fig.Total = &n
			case "urban":
				fig.Urban = &n
			case "rural":
				fig.Rural = &n
			}
		}
		if fig.Total != nil || fig.Urban != nil || fig.Rural != nil {
			rep.Figures[m] = fig
		}
	}
	return rep, fe.Err()
}

func (h *Handlers) housingReported(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	rep, err := parseReported(f)
	if err == nil {
		_, err = h.Svc.Housing.SetReported(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), rep)
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.IsInvalid, func(status int) { h.housingCampaignPage(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/housing/"+r.PathValue("id")+"?on="+url.QueryEscape(rep.AsOf), "action.saved")
}

// progressSchema is the progress table's Excel layout.
func (h *Handlers) progressSchema(r *http.Request) xlsx.Schema {
	cols := []xlsx.Column{{Key: "town", Header: h.t(r, "housing.town"), Width: 14}}
	for _, m := range housing.ProgressMetrics {
		label := h.t(r, metricLabel(m))
		cols = append(cols,
			xlsx.Column{Key: string(m) + "_urban", Header: label + "-" + h.t(r, "housing.urban"), Width: 12},
			xlsx.Column{Key: string(m) + "_rural", Header: label + "-" + h.t(r, "housing.rural"), Width: 12},
			xlsx.Column{Key: string(m) + "_total", Header: label + "-" + h.t(r, "housing.total"), Width: 12})
	}
	return xlsx.Schema{Name: "分乡镇进度", Columns: cols}
}

func (h *Handlers) housingProgressXLSX(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	c, err := h.Svc.Housing.Campaign(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	on, _ := day.Parse(r.URL.Query().Get("on"))
	pr, err := h.Svc.Housing.Progress(r.Context(), p, c.ID, on)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.SendXLSX(w, r, fmt.Sprintf("%s-进度-截至%s.xlsx", c.Name, pr.On), h.xlsxWriter(h.progressSchema(r)), func(xw *xlsx.Writer) error {
		row := func(name string, cells []housing.Split) error {
			vals := []any{name}
			for _, s := range cells {
				vals = append(vals, s.Urban, s.Rural, s.Total())
			}
			return xw.Write(vals...)
		}
		for _, t := range pr.Towns {
			if err := row(t.Name, t.Cells); err != nil {
				return err
			}
		}
		return row(h.t(r, "housing.total"), pr.Total)
	})
}

// xlsxWriter opens a spreadsheet of schema s (for UI.SendXLSX).
func (h *Handlers) xlsxWriter(s xlsx.Schema) func(io.Writer) (*xlsx.Writer, error) {
	return func(w io.Writer) (*xlsx.Writer, error) { return xlsx.NewWriter(w, s) }
}

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
			o = housing.Label(housing.Levels, b.HazardLevel, lang)
		}
		out = append(out, timelineItem{Step: "judge", On: b.JudgedOn, Outcome: o, Event: byAction[housing.ActJudge]})
	}
	if b.AssessedOn != "" {
		o := yes(b.NeedAppraisal, "housing.need_yes", "housing.need_no")
		if b.AssessedBy != "" {
			o += "（" + housing.Label(housing.Assessors, b.AssessedBy, lang) + "）"
		}
		out = append(out, timelineItem{Step: "assess", On: b.AssessedOn, Outcome: o, Event: byAction[housing.ActAssess]})
	}
	if b.AppraisedOn != "" {
		out = append(out, timelineItem{Step: "appraise", On: b.AppraisedOn, Outcome: h.t(r, "housing.grade_of", "Grade", b.Grade) + " · " + b.Agency,
			Event: byAction[housing.ActAppraise]})
	}
	if b.RemediatedOn != "" {
		out = append(out, timelineItem{Step: "remediate", On: b.RemediatedOn, Outcome: housing.Label(housing.Measures, b.Measure, lang), Event: byAction[housing.ActRemediate]})
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

// --- API

func (h *Handlers) apiHousingCampaign(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	c, err := h.Svc.Housing.Campaign(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	on := r.URL.Query().Get("on")
	if on != "" {
		d, err := day.Parse(on)
		if err != nil {
			h.UI.Error(w, r, errs.Field("on", "housing.date_invalid", nil))
			return
		}
		on = d
	}
	pr, err := h.Svc.Housing.Progress(r.Context(), p, c.ID, on)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	warns, err := h.Svc.Housing.Warnings(r.Context(), p, c)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if warns == nil {
		warns = []housing.Warning{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"campaign": c, "progress": pr, "warnings": warns})
}

func (h *Handlers) apiHousingBuildings(r *http.Request, pg web.Paging) ([]housing.Row, int, error) {
	f := housing.FilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	return h.Svc.Housing.List(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), f)
}

// apiHousingCreateBuilding adds a building to the campaign {id}; an ID or
// stage in the body is ignored.
func (h *Handlers) apiHousingCreateBuilding(ctx context.Context, p *auth.Principal, campaignID string, in housing.Building) (housing.Building, error) {
	in.ID, in.Stage = "", ""
	return h.Svc.Housing.Create(ctx, p, campaignID, in)
}

func (h *Handlers) apiHousingBuilding(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	b, err := h.Svc.Housing.Get(r.Context(), p, r.PathValue("id"), r.PathValue("bid"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	events, err := h.Svc.Housing.Events(r.Context(), p, b)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if events == nil {
		events = []housing.Event{}
	}
	next := housing.Allowed(b)
	if next == nil {
		next = []housing.Action{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"building": b, "events": events, "next": next})
}

// apiHousingStep takes a step sent as JSON, or as multipart/form-data
// with the page's fields and the report files (field "report"): an
// appraisal needs its report, which JSON cannot carry.
func (h *Handlers) apiHousingStep(w http.ResponseWriter, r *http.Request) {
	var in housing.Step
	var files []attach.Upload
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		list, closers, ok := h.reportFiles(w, r)
		defer closeAll(closers)
		if !ok {
			return
		}
		in, files = stepOf(web.NewForm(r)), list
	} else if !h.UI.ReadJSON(w, r, &in) {
		return
	}
	b, err := h.Svc.Housing.Do(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), r.PathValue("bid"), in, files)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, b)
}
