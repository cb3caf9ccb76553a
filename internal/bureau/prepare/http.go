package prepare

import (
	"context"
	"embed"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/org"
	"yingji/internal/kit/web"
	"yingji/internal/kit/xlsx"
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
		{Pattern: "GET /api/v1/plans", Roles: allRoles, Handler: web.PagedJSON(h.UI, func(r *http.Request, pg web.Paging) ([]Plan, int, error) {
			f := PlanFilterOf(r.URL.Query())
			f.Limit, f.Offset = pg.Size, pg.Offset()
			return h.Svc.ListPlans(r.Context(), web.PrincipalFrom(r.Context()), f)
		}), API: "应急预案台账（category, state, flood, q, page, size） / List emergency plans"},
		{Pattern: "POST /api/v1/plans", Roles: writers, Handler: web.BodyJSON(h.UI, http.StatusCreated, func(ctx context.Context, p *auth.Principal, in Plan) (Plan, error) {
			in.ID = ""
			return h.Svc.CreatePlan(ctx, p, in)
		}), API: "登记预案（起草） / Register a plan (draft)"},
		{Pattern: "GET /api/v1/plans/{id}", Roles: allRoles, Handler: web.GetJSON(h.UI, h.Svc.GetPlan), API: "预案详情 / One plan"},
		{Pattern: "GET /api/v1/plans/{id}/steps", Roles: allRoles, Handler: web.GetJSON(h.UI, h.Svc.PlanSteps), API: "预案流程记录 / A plan's lifecycle steps"},
		{Pattern: "POST /api/v1/plans/{id}/steps", Roles: writers, Handler: web.BodyJSONByID(h.UI, http.StatusOK, h.Svc.TakeStep), API: "预案流程（to, on, experts, minutes, body, trigger …） / Take a lifecycle step"},
		{Pattern: "GET /api/v1/drills", Roles: allRoles, Handler: web.PagedJSON(h.UI, func(r *http.Request, pg web.Paging) ([]Drill, int, error) {
			f := DrillFilterOf(r.URL.Query())
			f.Limit, f.Offset = pg.Size, pg.Offset()
			return h.Svc.ListDrills(r.Context(), web.PrincipalFrom(r.Context()), f)
		}), API: "演练台账（form, from, to） / List drills"},
		{Pattern: "POST /api/v1/drills", Roles: writers, Handler: web.BodyJSON(h.UI, http.StatusCreated, func(ctx context.Context, p *auth.Principal, in Drill) (Drill, error) {
			in.ID = ""
			return h.Svc.CreateDrill(ctx, p, in)
		}), API: "登记演练及整改任务 / Record a drill and its follow-up tasks"},
		{Pattern: "GET /api/v1/drills/{id}", Roles: allRoles, Handler: web.GetJSON(h.UI, h.Svc.GetDrill), API: "演练详情 / One drill"},
		{Pattern: "GET /api/v1/teams", Roles: allRoles, Handler: web.PagedJSON(h.UI, func(r *http.Request, pg web.Paging) ([]Team, int, error) {
			f := TeamFilterOf(r.URL.Query())
			f.Limit, f.Offset = pg.Size, pg.Offset()
			return h.Svc.ListTeams(r.Context(), web.PrincipalFrom(r.Context()), f)
		}), API: "救援队伍（kind, level, town） / List rescue teams"},
		{Pattern: "POST /api/v1/teams", Roles: writers, Handler: web.BodyJSON(h.UI, http.StatusCreated, func(ctx context.Context, p *auth.Principal, in Team) (Team, error) {
			in.ID = ""
			return h.Svc.SaveTeam(ctx, p, "", in)
		}), API: "登记队伍 / Register a team"},
		{Pattern: "GET /api/v1/teams/{id}", Roles: allRoles, Handler: web.GetJSON(h.UI, h.Svc.GetTeam), API: "队伍详情 / One team"},
		{Pattern: "PUT /api/v1/teams/{id}", Roles: writers, Handler: web.BodyJSONByID(h.UI, http.StatusOK, h.Svc.SaveTeam), API: "修改队伍 / Update a team"},
		{Pattern: "GET /api/v1/teams/{id}/rollcalls", Roles: allRoles, Handler: web.GetJSON(h.UI, h.Svc.RollCalls), API: "点验记录 / A team's roll calls"},
		{Pattern: "POST /api/v1/teams/{id}/rollcalls", Roles: writers, Handler: web.BodyJSONByID(h.UI, http.StatusCreated, h.Svc.AddRollCall), API: "登记点验 / Record a roll call"},
		{Pattern: "GET /api/v1/experts", Roles: staff, Handler: web.PagedJSON(h.UI, func(r *http.Request, pg web.Paging) ([]Expert, int, error) {
			q := r.URL.Query()
			return h.Svc.ListExperts(r.Context(), web.PrincipalFrom(r.Context()), ExpertFilter{Q: q.Get("q"), Field: q.Get("field"), Limit: pg.Size, Offset: pg.Offset()})
		}), API: "专家库（field, q） / List experts"},
		{Pattern: "POST /api/v1/experts", Roles: bureau, Handler: web.BodyJSON(h.UI, http.StatusCreated, func(ctx context.Context, p *auth.Principal, in Expert) (Expert, error) {
			in.ID = ""
			return h.Svc.CreateExpert(ctx, p, in)
		}), API: "登记专家 / Add an expert"},
		{Pattern: "GET /preparedness/reminders", Roles: judges, Handler: h.reminders},
		{Pattern: "GET /api/v1/preparedness/reminders", Roles: judges, Handler: web.PagedJSON(h.UI, func(r *http.Request, pg web.Paging) ([]Reminder, int, error) {
			q := r.URL.Query()
			return h.Svc.ListReminders(r.Context(), web.PrincipalFrom(r.Context()), q.Get("kind"), q.Get("from"), q.Get("to"), pg.Size, pg.Offset())
		}), API: "督促及期限提醒记录（kind, from, to） / Reminders sent"},
		{Pattern: "GET /api/v1/preparedness/assessment", Roles: judges, Handler: func(w http.ResponseWriter, r *http.Request) {
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

func (h *Handlers) overview(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	data := h.lookups(r)
	_, np, err := h.Svc.ListPlans(r.Context(), p, PlanFilter{Limit: 1})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	_, nover, _ := h.Svc.ListPlans(r.Context(), p, PlanFilter{Overdue: true, Limit: 1})
	_, nt, _ := h.Svc.ListTeams(r.Context(), p, TeamFilter{Limit: 1})
	_, nd, _ := h.Svc.ListDrills(r.Context(), p, DrillFilter{Limit: 1})
	data["Plans"], data["Overdue"], data["Teams"], data["Drills"] = np, nover, nt, nd
	h.UI.Show(w, r, http.StatusOK, "prep_overview", "nav.preparedness", "preparedness", data, nil)
}

// ---- plans ----

func (h *Handlers) plans(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := PlanFilterOf(r.URL.Query())
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.Size, pg.Offset()
	list, total, err := h.Svc.ListPlans(r.Context(), p, f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data := h.lookups(r)
	data["Plans"], data["Pager"] = list, web.PagerOf(pg, total)
	h.UI.Show(w, r, http.StatusOK, "prep_plans", "prepare.plans", "prep_plans", data, nil)
}

func (h *Handlers) planForm(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	h.UI.Show(w, r, status, "prep_plan_form", "prepare.plan_new", "prep_plans", h.lookups(r), f)
}

func (h *Handlers) newPlan(w http.ResponseWriter, r *http.Request) {
	h.planForm(w, r, http.StatusOK, web.EmptyForm(map[string]string{"drafted_on": h.Svc.Today(), "category": CatSpecial}))
}

func (h *Handlers) createPlan(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	x := Plan{Name: f.Get("name"), Category: f.Get("category"), OwnerUnit: f.Get("owner_unit"), RegionCode: f.Get("region_code"),
		EnterpriseID: f.Get("enterprise_id"), Flood: f.Get("flood") == "1", DraftedOn: f.Get("drafted_on")}
	x, err := h.Svc.CreatePlan(r.Context(), web.PrincipalFrom(r.Context()), x)
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.HasFieldErrors, func(status int) { h.planForm(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/plans/"+x.ID, "action.saved")
}

func (h *Handlers) plan(w http.ResponseWriter, r *http.Request) {
	h.showPlan(w, r, http.StatusOK, nil)
}

func (h *Handlers) showPlan(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	x, err := h.Svc.GetPlan(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	steps, err := h.Svc.PlanSteps(r.Context(), p, x.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data := h.lookups(r)
	data["P"], data["Steps"], data["Next"], data["FilingBody"] = x, steps, NextSteps(x), FilingBody(x.Category)
	data["CanWrite"], data["CanFile"] = CanWriteRow(p, x.RegionCode, x.EnterpriseID), CanFile(p)
	data["FilingOverdue"] = x.FilingOverdue(h.Svc.Today())
	if f == nil {
		f = web.EmptyForm(map[string]string{"on": h.Svc.Today()})
	}
	h.UI.Show(w, r, status, "prep_plan", "prepare.plan", "prep_plans", data, f)
}

func (h *Handlers) step(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	st := Step{To: f.Get("to"), On: f.Get("on"), Experts: f.Get("experts"), Minutes: f.Get("minutes"), Opinion: f.Get("opinion"),
		Online: f.Get("online") == "1", Body: f.Get("body"), FiledTo: f.Get("filed_to"), Trigger: f.Get("trigger"), Note: f.Get("note")}
	id := r.PathValue("id")
	if _, err := h.Svc.TakeStep(r.Context(), web.PrincipalFrom(r.Context()), id, st); err != nil {
		onForm := func(err error) bool { return errs.Fields(err) != nil || errs.Is(err, errs.Conflict) }
		h.UI.FormFailed(w, r, f, err, onForm, func(status int) { h.showPlan(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/plans/"+id, "action.saved")
}

// ---- drills ----

func (h *Handlers) drills(w http.ResponseWriter, r *http.Request) {
	f := DrillFilterOf(r.URL.Query())
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.Size, pg.Offset()
	list, total, err := h.Svc.ListDrills(r.Context(), web.PrincipalFrom(r.Context()), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data := h.lookups(r)
	data["Drills"], data["Pager"] = list, web.PagerOf(pg, total)
	h.UI.Show(w, r, http.StatusOK, "prep_drills", "prepare.drills", "prep_drills", data, nil)
}

func (h *Handlers) drillForm(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	h.UI.Show(w, r, status, "prep_drill_form", "prepare.drill_new", "prep_drills", h.lookups(r), f)
}

func (h *Handlers) newDrill(w http.ResponseWriter, r *http.Request) {
	h.drillForm(w, r, http.StatusOK, web.EmptyForm(map[string]string{"drill_on": h.Svc.Today(), "form": "tabletop"}))
}

func atoi(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0
	}
	return n
}

func (h *Handlers) createDrill(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	d := Drill{Name: f.Get("name"), DrillOn: f.Get("drill_on"), Form: f.Get("form"), RegionCode: f.Get("region_code"), Units: f.Get("units"),
		Participants: atoi(f.Get("participants")), Evaluation: f.Get("evaluation"), PlanID: f.Get("plan_id")}
	if f.Get("participants") != "" && strconv.Itoa(d.Participants) != strings.TrimSpace(f.Get("participants")) {
		d.Participants = -1
	}
	for i := 1; i <= 3; i++ {
		n := strconv.Itoa(i)
		d.Tasks = append(d.Tasks, DrillTask{Problem: f.Get("problem" + n), Owner: f.Get("owner" + n), DueOn: f.Get("due" + n)})
	}
	d, err := h.Svc.CreateDrill(r.Context(), web.PrincipalFrom(r.Context()), d)
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.HasFieldErrors, func(status int) { h.drillForm(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/drills/"+d.ID, "action.saved")
}

func (h *Handlers) drill(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	d, err := h.Svc.GetDrill(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data := h.lookups(r)
	data["D"], data["CanWrite"] = d, CanWriteRow(p, d.RegionCode, d.EnterpriseID)
	h.UI.Show(w, r, http.StatusOK, "prep_drill", "prepare.drill", "prep_drills", data, nil)
}

func (h *Handlers) taskDone(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	on := f.Get("done_on")
	if on == "" {
		on = h.Svc.Today()
	}
	err := h.Svc.CloseTask(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), r.PathValue("task"), on)
	h.UI.Done(w, r, err, "/drills/"+r.PathValue("id"), "action.saved")
}

// ---- teams ----

func (h *Handlers) teams(w http.ResponseWriter, r *http.Request) {
	f := TeamFilterOf(r.URL.Query())
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.Size, pg.Offset()
	list, total, err := h.Svc.ListTeams(r.Context(), web.PrincipalFrom(r.Context()), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	people := 0
	for _, t := range list {
		people += t.Headcount
	}
	data := h.lookups(r)
	data["Teams"], data["Pager"], data["People"] = list, web.PagerOf(pg, total), people
	data["Year"] = h.Svc.Today()[:4]
	if y := r.URL.Query().Get("no_rollcall"); len(y) == 4 {
		data["Year"] = y
	}
	h.UI.Show(w, r, http.StatusOK, "prep_teams", "prepare.teams", "prep_teams", data, nil)
}

func teamValues(t Team) map[string]string {
	v := map[string]string{"name": t.Name, "kind": t.Kind, "level": t.Level, "region_code": t.RegionCode, "enterprise_id": t.EnterpriseID,
		"headcount": strconv.Itoa(t.Headcount), "leader": t.Leader, "phone": t.Phone, "equipment": t.Equipment, "readiness": t.Readiness,
		"dyke_section": t.DykeSection, "patrol_line": strconv.Itoa(t.PatrolLine), "established_on": t.EstablishedOn,
		"supplies_updated_on": t.SuppliesUpdatedOn}
	if t.Lat != nil && t.Lng != nil {
		v["lat"], v["lng"] = strconv.FormatFloat(*t.Lat, 'f', -1, 64), strconv.FormatFloat(*t.Lng, 'f', -1, 64)
	}
	return v
}

// teamFromForm reads a team; a headcount that is not a whole number is a
// field error.
func teamFromForm(f *web.Form) (Team, error) {
	t := Team{Name: f.Get("name"), Kind: f.Get("kind"), Level: f.Get("level"), RegionCode: f.Get("region_code"), EnterpriseID: f.Get("enterprise_id"),
		Leader: f.Get("leader"), Phone: f.Get("phone"), Equipment: f.Get("equipment"), Readiness: f.Get("readiness"), DykeSection: f.Get("dyke_section"),
		PatrolLine: atoi(f.Get("patrol_line")), EstablishedOn: f.Get("established_on"), SuppliesUpdatedOn: f.Get("supplies_updated_on")}
	n, err := strconv.Atoi(strings.TrimSpace(f.Get("headcount")))
	if err != nil {
		return t, errs.FieldErrors{errs.Field("headcount", "prepare.headcount_required", nil)}.Err()
	}
	t.Headcount = n
	if f.Get("lat") != "" || f.Get("lng") != "" {
		la, e1 := strconv.ParseFloat(f.Get("lat"), 64)
		lo, e2 := strconv.ParseFloat(f.Get("lng"), 64)
		if e1 != nil || e2 != nil {
			return t, errs.FieldErrors{errs.Field("lat", "prepare.latlng_invalid", nil)}.Err()
		}
		t.Lat, t.Lng = &la, &lo
	}
	return t, nil
}

func (h *Handlers) teamForm(w http.ResponseWriter, r *http.Request, status int, f *web.Form, t *Team) {
	data := h.lookups(r)
	data["T"] = t
	title := "prepare.team_new"
	if t != nil {
		title = "prepare.team_edit"
	}
	h.UI.Show(w, r, status, "prep_team_form", title, "prep_teams", data, f)
}

func (h *Handlers) newTeam(w http.ResponseWriter, r *http.Request) {
	h.teamForm(w, r, http.StatusOK, web.EmptyForm(map[string]string{"established_on": h.Svc.Today(), "kind": KindFloodRescue, "level": "town",
		"readiness": "ready"}), nil)
}

func (h *Handlers) createTeam(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	t, err := teamFromForm(f)
	if err == nil {
		t, err = h.Svc.SaveTeam(r.Context(), web.PrincipalFrom(r.Context()), "", t)
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.HasFieldErrors, func(status int) { h.teamForm(w, r, status, f, nil) })
		return
	}
	h.UI.Redirect(w, r, "/teams/"+t.ID, "action.saved")
}

func (h *Handlers) team(w http.ResponseWriter, r *http.Request) {
	h.showTeam(w, r, http.StatusOK, nil)
}

func (h *Handlers) showTeam(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	t, err := h.Svc.GetTeam(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	calls, err := h.Svc.RollCalls(r.Context(), p, t.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data := h.lookups(r)
	data["T"], data["Calls"], data["CanWrite"] = t, calls, CanWriteRow(p, t.RegionCode, t.EnterpriseID)
	if f == nil {
		f = web.EmptyForm(map[string]string{"on_date": h.Svc.Today(), "present": strconv.Itoa(t.Headcount), "result": "pass"})
	}
	h.UI.Show(w, r, status, "prep_team", "prepare.team", "prep_teams", data, f)
}

func (h *Handlers) editTeam(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	t, err := h.Svc.GetTeam(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.teamForm(w, r, http.StatusOK, web.EmptyForm(teamValues(t)), &t)
}

func (h *Handlers) updateTeam(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	f := web.NewForm(r)
	t, err := teamFromForm(f)
	if err == nil {
		_, err = h.Svc.SaveTeam(r.Context(), p, id, t)
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.HasFieldErrors, func(status int) {
			old, gerr := h.Svc.GetTeam(r.Context(), p, id)
			if gerr != nil {
				h.fail(w, r, gerr)
				return
			}
			h.teamForm(w, r, status, f, &old)
		})
		return
	}
	h.UI.Redirect(w, r, "/teams/"+id, "action.saved")
}

func (h *Handlers) rollCall(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	rc := RollCall{OnDate: f.Get("on_date"), Present: atoi(f.Get("present")), Result: f.Get("result"), Note: f.Get("note")}
	id := r.PathValue("id")
	if _, err := h.Svc.AddRollCall(r.Context(), web.PrincipalFrom(r.Context()), id, rc); err != nil {
		h.UI.FormFailed(w, r, f, err, web.HasFieldErrors, func(status int) { h.showTeam(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/teams/"+id, "action.saved")
}

// ---- experts ----

func (h *Handlers) experts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pg := web.PagingOf(r)
	list, total, err := h.Svc.ListExperts(r.Context(), web.PrincipalFrom(r.Context()), ExpertFilter{Q: q.Get("q"), Field: q.Get("field"),
		Limit: pg.Size, Offset: pg.Offset()})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data := h.lookups(r)
	data["Experts"], data["Pager"] = list, web.PagerOf(pg, total)
	h.UI.Show(w, r, http.StatusOK, "prep_experts", "prepare.experts", "prep_experts", data, nil)
}

func (h *Handlers) newExpert(w http.ResponseWriter, r *http.Request) {
	h.UI.Show(w, r, http.StatusOK, "prep_expert_form", "prepare.expert_new", "prep_experts", h.lookups(r), web.EmptyForm(nil))
}

func (h *Handlers) createExpert(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	e := Expert{Name: f.Get("name"), Field: f.Get("field"), Unit: f.Get("unit"), Title: f.Get("title"), Phone: f.Get("phone")}
	if _, err := h.Svc.CreateExpert(r.Context(), web.PrincipalFrom(r.Context()), e); err != nil {
		h.UI.FormFailed(w, r, f, err, web.HasFieldErrors, func(status int) {
			h.UI.Show(w, r, status, "prep_expert_form", "prepare.expert_new", "prep_experts", h.lookups(r), f)
		})
		return
	}
	h.UI.Redirect(w, r, "/experts", "action.saved")
}

// ---- monthly assessment ----

func (h *Handlers) month(r *http.Request) string {
	if m := r.URL.Query().Get("month"); m != "" {
		return m
	}
	return h.Svc.Today()[:7]
}

func (h *Handlers) assessment(r *http.Request) (Assessment, error) {
	names, _ := h.regionNames(r)
	p := web.PrincipalFrom(r.Context())
	units, err := h.Org.ListUnits(r.Context(), p, org.UnitFilter{})
	if err == nil {
		for _, u := range units {
			names[u.ID] = u.Name
		}
	}
	return h.Svc.Assess(r.Context(), p, h.month(r), names)
}

func (h *Handlers) resources(w http.ResponseWriter, r *http.Request) {
	a, err := h.assessment(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data := h.lookups(r)
	data["A"] = a
	data["Worst"] = a.Enterprises
	if len(a.Enterprises) > 50 {
		data["Worst"] = a.Enterprises[:50]
	}
	h.UI.Show(w, r, http.StatusOK, "prep_resources", "prepare.resources", "prep_resources", data, nil)
}

func (h *Handlers) remind(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	m := f.Get("month")
	if m == "" {
		m = h.Svc.Today()[:7]
	}
	n, err := h.Svc.Remind(r.Context(), web.PrincipalFrom(r.Context()), m)
	h.UI.Done(w, r, err, "/preparedness/resources?month="+m, "prepare.reminded", "N", n)
}

func (h *Handlers) bulletinPDF(w http.ResponseWriter, r *http.Request) {
	a, err := h.assessment(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.UI.SendPDF(w, r, "应急资源月通报-"+a.Month+".pdf", func(out io.Writer) error { return BulletinPDF(out, a) })
}

func (h *Handlers) bulletinXLSX(w http.ResponseWriter, r *http.Request) {
	a, err := h.assessment(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.UI.SendXLSX(w, r, "应急资源月通报-"+a.Month+".xlsx", func(out io.Writer) (*xlsx.Writer, error) {
		return xlsx.NewWriter(out, BulletinSchema())
	}, func(xw *xlsx.Writer) error { return WriteBulletin(xw, a) })
}

func (h *Handlers) reminders(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pg := web.PagingOf(r)
	list, total, err := h.Svc.ListReminders(r.Context(), web.PrincipalFrom(r.Context()), q.Get("kind"), q.Get("from"), q.Get("to"), pg.Size, pg.Offset())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data := h.lookups(r)
	data["Reminders"], data["Pager"] = list, web.PagerOf(pg, total)
	h.UI.Show(w, r, http.StatusOK, "prep_reminders", "prepare.reminders", "prep_resources", data, nil)
}
