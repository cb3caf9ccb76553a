package hazard

import (
	"context"
	"embed"
	"net/http"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/org"
	"yingji/internal/kit/web"
)

// Templates, Locales and the pages' stylesheet.
//
//go:embed templates/*.html
var Templates embed.FS

//go:embed locales/*.json
var Locales embed.FS

//go:embed assets/hazard.css
var css []byte

// Handlers serve the hazard pages and API.
type Handlers struct {
	UI  *web.UI
	Svc *Service
	Org *org.Service
	Ent *enterprise.Service
}

// Role groups of the policy.
var (
	readers = []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer, auth.RoleDuty, auth.RoleTown,
		auth.RoleDepartment, auth.RoleEnterprise, auth.RoleReadOnly}
	staffReaders = []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer, auth.RoleDuty, auth.RoleTown,
		auth.RoleDepartment, auth.RoleReadOnly}
	// actors report hazards and take steps (MayAct decides which).
	actors = []auth.Role{auth.RoleAdmin, auth.RoleSection, auth.RoleEnforcer, auth.RoleTown, auth.RoleDepartment, auth.RoleEnterprise}
)

// Routes declares the hazard routes, each once: pattern, roles, handler and
// API summary (the Excel routes are the ledger kit's: no handler here).
func (h *Handlers) Routes() web.Routes {
	enterprise := []auth.Role{auth.RoleEnterprise}
	return web.Routes{
		{Pattern: "GET /hazards", Roles: readers, Handler: h.list},
		{Pattern: "GET /hazards/new", Roles: actors, Handler: h.newForm},
		{Pattern: "POST /hazards", Roles: actors, Handler: h.create},
		{Pattern: "GET /hazards/{id}", Roles: readers, Handler: h.show},
		{Pattern: "POST /hazards/{id}/steps", Roles: actors, Handler: h.step},
		{Pattern: "GET /hazards/files/{id}", Roles: readers, Handler: h.file},
		{Pattern: "GET /hazards/overdue", Roles: readers, Handler: h.overdue},
		{Pattern: "GET /hazards/stats", Roles: readers, Handler: h.stats},
		{Pattern: "GET /hazards/stats/export", Roles: readers, Handler: h.statsExport},
		{Pattern: "GET /hazards/enterprises", Out: web.ItemList[EnterpriseChoice]{}, Roles: actors, Handler: h.enterprises},
		{Pattern: "GET /hazards/hazard.css", Roles: web.AnyUser, Handler: h.stylesheet},
		{Pattern: "GET /hazards/export", Roles: readers},
		{Pattern: "GET /hazards/template", Roles: Importers},
		{Pattern: "GET /hazards/import", Roles: Importers},
		{Pattern: "POST /hazards/import", Roles: Importers},
		{Pattern: "GET /self-reports", Roles: readers, Handler: h.selfReports},
		{Pattern: "POST /self-reports", Roles: enterprise, Handler: h.submitSelf},
		{Pattern: "GET /self-reports/export", Roles: staffReaders},
		{Pattern: "GET /api/v1/hazards", Out: ListAnswer{}, Roles: readers, Handler: h.apiList, API: "隐患台账（town, sector, grade, state, open, source, overdue, card, from, to, enterprise, campaign, listed, extended, unit, q, page, size），" +
			"附筛选结果的统计 counts / The hazard ledger with the counts of the filtered set"},
		{Pattern: "POST /api/v1/hazards", In: NewHazard{}, Out: Record{}, Roles: actors, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.Svc.Report), API: "上报隐患（enterprise_id 或 place_name+town_code, source, description, found_on …） / Report a hazard"},
		{Pattern: "GET /api/v1/hazards/{id}", Out: DetailAnswer{}, Roles: readers, Handler: h.apiGet, API: "隐患详情、全过程记录与当前可执行的操作 / A hazard with its timeline and allowed actions"},
		{Pattern: "POST /api/v1/hazards/{id}/steps", In: StepInput{}, Out: Record{}, Roles: actors, Handler: web.BodyJSONByID(h.UI, http.StatusOK, h.apiStep), API: "执行一步（action: grade, order, start, submit, verify, return, close, self_done；照片须通过网页表单上传；延期须经 /api/v1/supervision/extensions 申请并审批） / Take a step (files only through the web form; extensions only through an approved extension request)"},
		{Pattern: "GET /api/v1/hazards/stats", Out: StatsAnswer{}, Roles: readers, Handler: h.apiStats, API: "隐患统计（by=grade|source|sector|town_code|state|campaign|category，from, to 及台账筛选条件） / Statistics for a period"},
		{Pattern: "GET /api/v1/hazards/clauses", Out: ClausesAnswer{}, Roles: readers, Handler: h.apiClauses, API: "重大事故隐患判定标准条款（q 关键词, found 发现日期：只列当日施行的标准） / Determination-standard clauses"},
		{Pattern: "GET /api/v1/self-reports", Out: SelfReportsAnswer{}, Roles: readers, Handler: h.apiSelfReports, API: "企业隐患自查自报（period=2022Q1|2022, town, sector, state） / Enterprise self-reports of a period"},
		{Pattern: "POST /api/v1/self-reports", In: SelfReportInput{}, Out: SelfReport{}, Roles: enterprise, Handler: web.BodyJSON(h.UI, http.StatusOK, h.Svc.SubmitSelfReport), API: "企业报送季度或年度隐患统计（period, found, rectified, major, major_rectified, signed_by） / Submit a self-report"},
	}
}

func (h *Handlers) stylesheet(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(css)
}

// lookups are the code lists and names the pages need.
func (h *Handlers) lookups(ctx context.Context, p *auth.Principal) (map[string]any, error) {
	towns, err := h.Org.ListRegions(ctx, p, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		return nil, err
	}
	all := &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}
	regions, err := h.Org.ListRegions(ctx, all, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, x := range regions {
		names[x.Code] = x.Name
	}
	units, err := h.Org.ListUnits(ctx, all, org.UnitFilter{})
	if err != nil {
		return nil, err
	}
	unitNames, sectionOf := map[string]string{}, map[string]string{}
	var recorders []org.Unit
	for _, u := range units {
		unitNames[u.ID] = u.Name
		if u.Kind == org.UnitSection {
			for _, sc := range u.Sectors {
				sectionOf[sc] = u.Name
			}
		}
		if u.Kind == org.UnitSection || u.Kind == org.UnitDepartment || u.Kind == org.UnitTown {
			recorders = append(recorders, u)
		}
	}
	sectors := org.Sectors
	if p.Role == auth.RoleSection {
		sectors = org.Sectors.Subset(p.Sectors)
	}
	campaigns, err := h.Svc.Campaigns(ctx, p)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Towns": towns, "RegionNames": names, "UnitNames": unitNames, "SectionOf": sectionOf, "Units": recorders,
		"Sectors": sectors, "Sources": Sources, "Grades": []Grade{General, Major}, "States": States, "Categories": Categories,
		"Cards": []Card{Yellow, Red}, "Campaigns": campaigns, "Today": h.Svc.Today()}, nil
}

// Row is a ledger row with what the page computes.
type Row struct {
	R    Record
	Card Card // the card on today's date (the sweep may not have run)
	Days int  // days overdue
}

// rows computes the rows' cards under the county's card rules.
func (h *Handlers) rows(ctx context.Context, p *auth.Principal, list []Record) ([]Row, error) {
	today := h.Svc.Today()
	rules, err := h.Svc.CardRules(ctx, p.CountyCode)
	if err != nil {
		return nil, err
	}
	out := make([]Row, len(list))
	for i, r := range list {
		out[i] = Row{R: r, Card: CardFor(r.Rules(), mustDate(today), rules), Days: DaysOverdue(r, today)}
	}
	return out, nil
}

func (h *Handlers) render(w http.ResponseWriter, r *http.Request, status int, name, titleID, active string, data map[string]any, f *web.Form) {
	h.UI.Show(w, r, status, name, titleID, active, data, f)
}
