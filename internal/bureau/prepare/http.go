package prepare

import (
	"context"
	"embed"
	"net/http"
	"net/url"
	"strings"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/org"
	"yingji/internal/kit/web"
)

// Templates and Locales of the preparedness pages.
//
//go:embed templates/*.html
var Templates embed.FS

//go:embed locales/*.json
var Locales embed.FS

// Handlers serve the preparedness pages and API.
type Handlers struct {
	UI  *web.UI
	Svc *Service
	Org *org.Service
}

var (
	allRoles = []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer, auth.RoleDuty, auth.RoleTown,
		auth.RoleDepartment, auth.RoleEnterprise, auth.RoleReadOnly}
	staff   = []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer, auth.RoleDuty, auth.RoleTown, auth.RoleDepartment, auth.RoleReadOnly}
	writers = []auth.Role{auth.RoleAdmin, auth.RoleSection, auth.RoleTown, auth.RoleEnterprise}
	bureau  = []auth.Role{auth.RoleAdmin, auth.RoleSection}
	judges  = []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection}
	// importers load plans, drills and teams from Excel (town staff their
	// town's); the expert pool is imported by the bureau.
	importers = []auth.Role{auth.RoleAdmin, auth.RoleSection, auth.RoleTown}
)

// Routes declares the preparedness routes. Everyone reads plans, drills
// and teams in scope (enterprise accounts their own); administrators,
// section staff, town staff (their town) and enterprise accounts (their
// own) write them; the bureau (administrators, section staff) records
// 备案 and assessments, keeps the expert pool and sends the 督促.
func (h *Handlers) Routes() web.Routes {
	return web.Routes{
		{Pattern: "GET /preparedness", Roles: allRoles, Handler: h.overview},
		{Pattern: "GET /plans", Roles: allRoles, Handler: h.plans},
		{Pattern: "GET /plans/new", Roles: writers, Handler: h.newPlan},
		{Pattern: "POST /plans", Roles: writers, Handler: h.createPlan},
		{Pattern: "GET /plans/{id}", Roles: allRoles, Handler: h.plan},
		{Pattern: "POST /plans/{id}/steps", Roles: writers, Handler: h.step},
		{Pattern: "POST /plans/{id}/files", Roles: writers, Handler: h.upload},
		{Pattern: "GET /plans/{id}/files/{file}", Roles: allRoles, Handler: h.download},
		{Pattern: "GET /plans/export", Roles: staff},
		{Pattern: "GET /plans/template", Roles: importers},
		{Pattern: "GET /plans/import", Roles: importers},
		{Pattern: "POST /plans/import", Roles: importers},
		{Pattern: "GET /drills", Roles: allRoles, Handler: h.drills},
		{Pattern: "GET /drills/new", Roles: writers, Handler: h.newDrill},
		{Pattern: "POST /drills", Roles: writers, Handler: h.createDrill},
		{Pattern: "GET /drills/{id}", Roles: allRoles, Handler: h.drill},
		{Pattern: "POST /drills/{id}/tasks/{task}/done", Roles: writers, Handler: h.taskDone},
		{Pattern: "GET /drills/export", Roles: staff},
		{Pattern: "GET /drills/template", Roles: importers},
		{Pattern: "GET /drills/import", Roles: importers},
		{Pattern: "POST /drills/import", Roles: importers},
		{Pattern: "GET /teams", Roles: allRoles, Handler: h.teams},
		{Pattern: "GET /teams/new", Roles: writers, Handler: h.newTeam},
		{Pattern: "POST /teams", Roles: writers, Handler: h.createTeam},
		{Pattern: "GET /teams/{id}", Roles: allRoles, Handler: h.team},
		{Pattern: "GET /teams/{id}/edit", Roles: writers, Handler: h.editTeam},
		{Pattern: "POST /teams/{id}", Roles: writers, Handler: h.updateTeam},
		{Pattern: "POST /teams/{id}/rollcalls", Roles: writers, Handler: h.rollCall},
		{Pattern: "GET /teams/export", Roles: staff},
		{Pattern: "GET /teams/template", Roles: importers},
		{Pattern: "GET /teams/import", Roles: importers},
		{Pattern: "POST /teams/import", Roles: importers},
		{Pattern: "GET /experts", Roles: staff, Handler: h.experts},
		{Pattern: "GET /experts/new", Roles: bureau, Handler: h.newExpert},
		{Pattern: "POST /experts", Roles: bureau, Handler: h.createExpert},
		{Pattern: "GET /experts/export", Roles: staff},
		{Pattern: "GET /experts/template", Roles: bureau},
		{Pattern: "GET /experts/import", Roles: bureau},
		{Pattern: "POST /experts/import", Roles: bureau},
		{Pattern: "GET /preparedness/resources", Roles: judges, Handler: h.resources},
		{Pattern: "POST /preparedness/resources/remind", Roles: bureau, Handler: h.remind},
		{Pattern: "GET /preparedness/resources/bulletin.pdf", Roles: judges, Handler: h.bulletinPDF},
		{Pattern: "GET /preparedness/resources/bulletin.xlsx", Roles: judges, Handler: h.bulletinXLSX},
		{Pattern: "GET /api/v1/plans", Out: web.PagedList[Plan]{}, Roles: allRoles, Handler: web.PagedJSON(h.UI, func(r *http.Request, pg web.Paging) ([]Plan, int, error) {
			f := PlanFilterOf(r.URL.Query())
			f.Limit, f.Offset = pg.Size, pg.Offset()
			return h.Svc.ListPlans(r.Context(), web.PrincipalFrom(r.Context()), f)
		}), API: "应急预案台账（category, state, flood, q, page, size） / List emergency plans"},
		{Pattern: "POST /api/v1/plans", In: Plan{}, Out: Plan{}, Roles: writers, Handler: web.BodyJSON(h.UI, http.StatusCreated, func(ctx context.Context, p *auth.Principal, in Plan) (Plan, error) {
			in.ID = ""
			return h.Svc.CreatePlan(ctx, p, in)
		}), API: "登记预案（起草） / Register a plan (draft)"},
		{Pattern: "GET /api/v1/plans/{id}", Out: Plan{}, Roles: allRoles, Handler: web.GetJSON(h.UI, h.Svc.GetPlan), API: "预案详情 / One plan"},
		{Pattern: "GET /api/v1/plans/{id}/steps", Out: []PlanStep{}, Roles: allRoles, Handler: web.GetJSON(h.UI, h.Svc.PlanSteps), API: "预案流程记录 / A plan's lifecycle steps"},
		{Pattern: "POST /api/v1/plans/{id}/steps", In: Step{}, Out: Plan{}, Roles: writers, Handler: web.BodyJSONByID(h.UI, http.StatusOK, h.Svc.TakeStep), API: "预案流程（to, on, experts, minutes, body, trigger …） / Take a lifecycle step"},
		{Pattern: "GET /api/v1/drills", Out: web.PagedList[Drill]{}, Roles: allRoles, Handler: web.PagedJSON(h.UI, func(r *http.Request, pg web.Paging) ([]Drill, int, error) {
			f := DrillFilterOf(r.URL.Query())
			f.Limit, f.Offset = pg.Size, pg.Offset()
			return h.Svc.ListDrills(r.Context(), web.PrincipalFrom(r.Context()), f)
		}), API: "演练台账（form, from, to） / List drills"},
		{Pattern: "POST /api/v1/drills", In: Drill{}, Out: Drill{}, Roles: writers, Handler: web.BodyJSON(h.UI, http.StatusCreated, func(ctx context.Context, p *auth.Principal, in Drill) (Drill, error) {
			in.ID = ""
			return h.Svc.CreateDrill(ctx, p, in)
		}), API: "登记演练及整改任务 / Record a drill and its follow-up tasks"},
		{Pattern: "GET /api/v1/drills/{id}", Out: Drill{}, Roles: allRoles, Handler: web.GetJSON(h.UI, h.Svc.GetDrill), API: "演练详情 / One drill"},
		{Pattern: "GET /api/v1/teams", Out: web.PagedList[Team]{}, Roles: allRoles, Handler: web.PagedJSON(h.UI, func(r *http.Request, pg web.Paging) ([]Team, int, error) {
			f := TeamFilterOf(r.URL.Query())
			f.Limit, f.Offset = pg.Size, pg.Offset()
			return h.Svc.ListTeams(r.Context(), web.PrincipalFrom(r.Context()), f)
		}), API: "救援队伍（kind, level, town） / List rescue teams"},
		{Pattern: "POST /api/v1/teams", In: Team{}, Out: Team{}, Roles: writers, Handler: web.BodyJSON(h.UI, http.StatusCreated, func(ctx context.Context, p *auth.Principal, in Team) (Team, error) {
			in.ID = ""
			return h.Svc.SaveTeam(ctx, p, "", in)
		}), API: "登记队伍 / Register a team"},
		{Pattern: "GET /api/v1/teams/{id}", Out: Team{}, Roles: allRoles, Handler: web.GetJSON(h.UI, h.Svc.GetTeam), API: "队伍详情 / One team"},
		{Pattern: "PUT /api/v1/teams/{id}", In: Team{}, Out: Team{}, Roles: writers, Handler: web.BodyJSONByID(h.UI, http.StatusOK, h.Svc.SaveTeam), API: "修改队伍 / Update a team"},
		{Pattern: "GET /api/v1/teams/{id}/rollcalls", Out: []RollCall{}, Roles: allRoles, Handler: web.GetJSON(h.UI, h.Svc.RollCalls), API: "点验记录 / A team's roll calls"},
		{Pattern: "POST /api/v1/teams/{id}/rollcalls", In: RollCall{}, Out: RollCall{}, Roles: writers, Handler: web.BodyJSONByID(h.UI, http.StatusCreated, h.Svc.AddRollCall), API: "登记点验 / Record a roll call"},
		{Pattern: "GET /api/v1/experts", Out: web.PagedList[Expert]{}, Roles: staff, Handler: web.PagedJSON(h.UI, func(r *http.Request, pg web.Paging) ([]Expert, int, error) {
			q := r.URL.Query()
			return h.Svc.ListExperts(r.Context(), web.PrincipalFrom(r.Context()), ExpertFilter{Q: q.Get("q"), Field: q.Get("field"), Limit: pg.Size, Offset: pg.Offset()})
		}), API: "专家库（field, q） / List experts"},
		{Pattern: "POST /api/v1/experts", In: Expert{}, Out: Expert{}, Roles: bureau, Handler: web.BodyJSON(h.UI, http.StatusCreated, func(ctx context.Context, p *auth.Principal, in Expert) (Expert, error) {
			in.ID = ""
			return h.Svc.CreateExpert(ctx, p, in)
		}), API: "登记专家 / Add an expert"},
		{Pattern: "GET /preparedness/reminders", Roles: judges, Handler: h.reminders},
		{Pattern: "GET /api/v1/preparedness/reminders", Out: web.PagedList[Reminder]{}, Roles: judges, Handler: web.PagedJSON(h.UI, func(r *http.Request, pg web.Paging) ([]Reminder, int, error) {
			q := r.URL.Query()
			return h.Svc.ListReminders(r.Context(), web.PrincipalFrom(r.Context()), q.Get("kind"), q.Get("from"), q.Get("to"), pg.Size, pg.Offset())
		}), API: "督促及期限提醒记录（kind, from, to） / Reminders sent"},
		{Pattern: "GET /api/v1/preparedness/assessment", Out: Assessment{}, Roles: judges, Handler: func(w http.ResponseWriter, r *http.Request) {
			a, err := h.assessment(r)
			if err != nil {
				h.UI.Error(w, r, err)
				return
			}
			web.JSON(w, http.StatusOK, a)
		}, API: "应急资源月考核（month=YYYY-MM） / Monthly assessment of enterprise resources"},
	}
}

// PlanFilterOf reads the plan filter from query parameters.
func PlanFilterOf(q url.Values) PlanFilter {
	return PlanFilter{Q: q.Get("q"), Category: q.Get("category"), State: q.Get("state"), Flood: q.Get("flood") == "1",
		Enterprise: q.Get("enterprise"), Overdue: q.Get("overdue") == "1", Deliberated: q.Get("deliberated"),
		DraftedFrom: q.Get("drafted_from"), DraftedTo: q.Get("drafted_to"), County: q.Get("county") == "1", AssessDue: q.Get("assess_due") == "1"}
}

// DrillFilterOf reads the drill filter from query parameters.
func DrillFilterOf(q url.Values) DrillFilter {
	return DrillFilter{Q: q.Get("q"), Form: q.Get("form"), From: q.Get("from"), To: q.Get("to"), OpenTasks: q.Get("open_tasks") == "1"}
}

// regionNames maps the county's town and village codes to names.
func (h *Handlers) regionNames(r *http.Request) (map[string]string, []org.Region) {
	p := web.PrincipalFrom(r.Context())
	all, _ := h.Org.ListRegions(r.Context(), &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}, org.RegionFilter{})
	names := map[string]string{}
	var towns []org.Region
	for _, x := range all {
		names[x.Code] = x.Name
		if x.Level == org.LevelTown && strings.HasPrefix(x.Code, p.RegionPrefix()) {
			towns = append(towns, x)
		}
	}
	return names, towns
}

func (h *Handlers) lookups(r *http.Request) map[string]any {
	names, towns := h.regionNames(r)
	return map[string]any{"RegionNames": names, "Towns": towns, "Categories": Categories, "States": States, "TeamKinds": TeamKinds,
		"Levels": Levels, "Readiness": Readiness, "DrillForms": DrillForms, "ExpertFields": ExpertFields, "Triggers": Triggers, "Today": h.Svc.Today(),
		"Three": []string{"1", "2", "3"}, "ReminderKinds": []string{"resources", "filing", "assessment", "task"}, "PlanKeys": []string{"county", "deliberated", "drafted_from", "drafted_to", "enterprise"},
		"TeamKeys": []string{"until", "established_from", "supplies_from", "supplies_to", "enterprise", "rollcall_from", "rollcall_to"}}
}

// fail answers an error; an enterprise account reaching for another
// enterprise's record is audited by the web layer (OutOfScope).
func (h *Handlers) fail(w http.ResponseWriter, r *http.Request, err error) { h.UI.Error(w, r, err) }
