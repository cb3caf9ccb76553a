package inspection

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/attach"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/calendar"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
)

// Service runs plans, draws and inspections.
type Service struct {
	db    *store.DB
	ent   *enterprise.Service
	haz   *hazard.Service
	att   *attach.Service
	org   *org.Service
	now   func() time.Time
	cal   func(ctx context.Context, county string) (calendar.Calendar, error)
	users func(ctx context.Context, county string) ([]auth.User, error)
}

// New returns the service. cal gives a county's working-day calendar
// (App.Calendar); users lists a county's users (the inspector register
// is kept for enforcement and section staff).
func New(db *store.DB, ent *enterprise.Service, haz *hazard.Service, att *attach.Service, o *org.Service, now func() time.Time,
	cal func(ctx context.Context, county string) (calendar.Calendar, error), users func(ctx context.Context, county string) ([]auth.User, error)) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, ent: ent, haz: haz, att: att, org: o, now: now, cal: cal, users: users}
}

// Today is the business date (YYYY-MM-DD, Asia/Shanghai).
func (s *Service) Today() string { return calendar.Today(s.now()).Format(calendar.DateLayout) }

// Roles.
var (
	// Staff read plans, draws and inspections of their scope.
	Staff = []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer, auth.RoleDuty, auth.RoleTown, auth.RoleDepartment, auth.RoleReadOnly}
	// Inspectors record inspections.
	Inspectors = []auth.Role{auth.RoleAdmin, auth.RoleSection, auth.RoleEnforcer}
	// Planners keep plans, the inspector register and draws.
	Planners = []auth.Role{auth.RoleAdmin, auth.RoleSection}
	// Approvers record the county government's approval of a plan.
	Approvers = []auth.Role{auth.RoleAdmin, auth.RoleLeader}
)

func need(p *auth.Principal, roles []auth.Role) error {
	if !p.Is(roles...) {
		return errs.New(errs.Forbidden, "forbidden")
	}
	return nil
}

// ---- inspector register ----

// Inspectors returns the inspector register (执法人员库) of the county.
func (s *Service) Inspectors(ctx context.Context, p *auth.Principal) ([]Inspector, error) {
	if err := need(p, Staff); err != nil {
		return nil, err
	}
	return listInspectors(ctx, s.db.R(), p.CountyCode)
}

// Candidates are the county's enforcement and section staff who may be
// put in the register.
func (s *Service) Candidates(ctx context.Context, p *auth.Principal) ([]auth.User, error) {
	if s.users == nil {
		return nil, nil
	}
	all, err := s.users(ctx, p.CountyCode)
	if err != nil {
		return nil, err
	}
	var out []auth.User
	for _, u := range all {
		if !u.Disabled && (u.Role == auth.RoleEnforcer || u.Role == auth.RoleSection) {
			out = append(out, u)
		}
	}
	return out, nil
}

// SaveInspector puts a user in the register (or updates the entry): an
// 执法证号 is required, and only enforcement or section staff qualify.
func (s *Service) SaveInspector(ctx context.Context, p *auth.Principal, x Inspector) (Inspector, error) {
	if err := need(p, Planners); err != nil {
		return x, err
	}
	x.CertNo, x.Related = strings.TrimSpace(x.CertNo), uniq(x.Related)
	if x.CertNo == "" {
		return x, errs.Field("cert_no", "inspection.cert_required", nil)
	}
	cands, err := s.Candidates(ctx, p)
	if err != nil {
		return x, err
	}
	i := slices.IndexFunc(cands, func(u auth.User) bool { return u.ID == x.UserID })
	if i < 0 {
		return x, errs.Field("user_id", "inspection.not_enforcement_staff", nil)
	}
	x.Name, x.UnitID = cands[i].DisplayName, cands[i].UnitID
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := upsertInspector(ctx, tx, ids.New(), p.CountyCode, x, s.now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.now(), p.Actor(), audit.Entry{Entity: "inspector", EntityID: x.UserID, Action: "save", After: x})
	})
	return x, err
}

// ---- plans ----

// PlanView is a plan with its progress and enterprise names.
type PlanView struct {
	Plan
	Progress Progress          `json:"progress"`
	Names    map[string]string `json:"-"`
	Done     map[string]bool   `json:"-"`
}

// StatutoryDays counts the year's working days on the county calendar.
func (s *Service) StatutoryDays(ctx context.Context, county string, year int) (int, error) {
	cal := calendar.New(nil, nil)
	if s.cal != nil {
		var err error
		if cal, err = s.cal(ctx, county); err != nil {
			return 0, err
		}
	}
	from := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	return cal.WorkingDaysBetween(from.AddDate(0, 0, -1), time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)), nil
}

// SavePlan creates or updates a section's plan for a year.
func (s *Service) SavePlan(ctx context.Context, p *auth.Principal, in Plan) (Plan, error) {
	in, err := s.preparePlan(ctx, p, in)
	if err != nil {
		return in, err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error { return s.savePlanTx(ctx, tx, p, &in) })
	return in, err
}

// preparePlan checks a plan (no writes): role, the calendar's workdays,
// the rules, the section and the enterprises in the principal's scope.
func (s *Service) preparePlan(ctx context.Context, p *auth.Principal, in Plan) (Plan, error) {
	if err := need(p, Planners); err != nil {
		return in, err
	}
	if p.Role == auth.RoleSection {
		in.SectionID = p.UnitID
	}
	var err error
	if in.Statutory, err = s.StatutoryDays(ctx, p.CountyCode, in.Year); err != nil {
		return in, err
	}
	if err := CheckPlan(&in); err != nil {
		return in, err
	}
	name, _, _, _, err := s.org.UnitInfo(ctx, in.SectionID)
	if err != nil || name == "" {
		return in, errs.Field("section_id", "field.invalid", nil)
	}
	in.SectionName = name
	if strings.TrimSpace(in.Title) == "" {
		in.Title = fmt.Sprintf("%d年度%s安全生产监督检查计划", in.Year, name)
	}
	names, err := s.ent.Names(ctx, p, append(append([]string(nil), in.Key...), in.General...))
	if err != nil {
		return in, err
	}
	for _, id := range append(append([]string(nil), in.Key...), in.General...) {
		if _, ok := names[id]; !ok {
			return in, errs.Field("key", "inspection.enterprise_unknown", map[string]any{"ID": id})
		}
	}
	in.CountyCode = p.CountyCode
	return in, nil
}

// savePlanTx writes a prepared plan: a new one, or the section's plan of
// the year updated (its author and approval kept).
func (s *Service) savePlanTx(ctx context.Context, tx *store.Tx, p *auth.Principal, in *Plan) error {
	old, err := getPlan(ctx, tx, `county_code = $1 AND year = $2 AND section_id = $3`, p.CountyCode, in.Year, in.SectionID)
	insert := errs.Is(err, errs.NotFound)
	if err != nil && !insert {
		return err
	}
	if insert {
		in.ID, in.CreatedBy = ids.New(), p.UserID
	} else {
		in.ID, in.CreatedBy, in.ApprovedOn, in.ApprovalRef = old.ID, old.CreatedBy, old.ApprovedOn, old.ApprovalRef
	}
	if err := savePlan(ctx, tx, *in, s.now(), insert); err != nil {
		return err
	}
	return audit.Record(ctx, tx, s.now(), p.Actor(), audit.Entry{Entity: "insp_plan", EntityID: in.ID, Action: map[bool]string{true: "create", false: "update"}[insert],
		After: map[string]any{"year": in.Year, "section": in.SectionName, "key": len(in.Key), "general": len(in.General), "workdays": in.Workdays}})
}

// ApprovePlan records the county government's approval (报县政府批复):
// the date and the reply's reference. Nobody records the approval of a
// plan they drew up (four eyes).
func (s *Service) ApprovePlan(ctx context.Context, p *auth.Principal, id, on, ref string) (Plan, error) {
	if err := need(p, Approvers); err != nil {
		return Plan{}, err
	}
	if !validDay(on) {
		return Plan{}, errs.Field("approved_on", "inspection.date_invalid", nil)
	}
	if strings.TrimSpace(ref) == "" {
		return Plan{}, errs.Field("approval_ref", "field.required", nil)
	}
	var out Plan
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		x, err := getPlan(ctx, tx, `county_code = $1 AND id = $2`, p.CountyCode, id)
		if err != nil {
			return err
		}
		if x.CreatedBy == p.UserID {
			return errs.New(errs.Conflict, "inspection.rule.own_plan")
		}
		x.ApprovedOn, x.ApprovalRef = on, strings.TrimSpace(ref)
		if err := savePlan(ctx, tx, x, s.now(), false); err != nil {
			return err
		}
		out = x
		return audit.Record(ctx, tx, s.now(), p.Actor(), audit.Entry{Entity: "insp_plan", EntityID: id, Action: "approve",
			After: map[string]any{"approved_on": on, "approval_ref": ref}})
	})
	return out, err
}

// Plan returns a plan with its progress.
func (s *Service) Plan(ctx context.Context, p *auth.Principal, id string) (PlanView, error) {
	if err := need(p, Staff); err != nil {
		return PlanView{}, err
	}
	x, err := getPlan(ctx, s.db.R(), `county_code = $1 AND id = $2`, p.CountyCode, id)
	if err != nil {
		return PlanView{}, err
	}
	return s.view(ctx, p, x, "")
}

func (s *Service) view(ctx context.Context, p *auth.Principal, x Plan, until string) (PlanView, error) {
	done, err := inspectedIn(ctx, s.db.R(), x.CountyCode, x.Year, until)
	if err != nil {
		return PlanView{}, err
	}
	all := append(append([]string(nil), x.Key...), x.General...)
	v := PlanView{Plan: x, Progress: ProgressOf(all, done), Done: done}
	v.Names, err = s.ent.Names(ctx, p, all)
	return v, err
}

// Plans lists the plans of a year (0: all years) with their progress.
func (s *Service) Plans(ctx context.Context, p *auth.Principal, year int) ([]PlanView, error) {
	return s.PlansUntil(ctx, p, year, "")
}

// PlansUntil is Plans with the progress counted up to a day (a period's
// end; "" the whole year).
func (s *Service) PlansUntil(ctx context.Context, p *auth.Principal, year int, until string) ([]PlanView, error) {
	if err := need(p, Staff); err != nil {
		return nil, err
	}
	idList, err := planIDs(ctx, s.db.R(), p.CountyCode, year)
	if err != nil {
		return nil, err
	}
	var out []PlanView
	for _, id := range idList {
		x, err := getPlan(ctx, s.db.R(), `id = $1`, id)
		if err != nil {
			return nil, err
		}
		v, err := s.view(ctx, p, x, until)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// YearProgress sums the progress of a year's plans (the home figure).
func (s *Service) YearProgress(ctx context.Context, p *auth.Principal, year int) (Progress, error) {
	plans, err := s.Plans(ctx, p, year)
	if err != nil {
		return Progress{}, err
	}
	var pr Progress
	for _, v := range plans {
		pr.Planned += v.Progress.Planned
		pr.Done += v.Progress.Done
	}
	if pr.Planned > 0 {
		pr.Percent = pr.Done * 100 / pr.Planned
	}
	return pr, nil
}

// ---- draws ----

// DrawRequest asks for a 双随机 draw.
type DrawRequest struct {
	Title       string `json:"title"`
	PlanID      string `json:"plan_id"` // pool: the plan's general enterprises (一般检查 are drawn)
	Sector      string `json:"sector"`  // or: the enterprises of a sector / town in scope
	Town        string `json:"town"`
	Seed        string `json:"seed"` // "" draws a fresh seed
	Count       int    `json:"count"`
	PerTask     int    `json:"per_task"`
	AvoidRepeat bool   `json:"avoid_repeat"`
}

// NewDraw draws enterprises and inspectors and stores the seed and both
// pools with the result.
func (s *Service) NewDraw(ctx context.Context, p *auth.Principal, in DrawRequest) (DrawRecord, error) {
	if err := need(p, Planners); err != nil {
		return DrawRecord{}, err
	}
	var pool []PoolEnterprise
	if in.PlanID != "" {
		x, err := s.Plan(ctx, p, in.PlanID)
		if err != nil {
			return DrawRecord{}, errs.Field("plan_id", "field.invalid", nil)
		}
		for _, id := range x.General {
			if name, ok := x.Names[id]; ok {
				pool = append(pool, PoolEnterprise{ID: id, Name: name})
			}
		}
	} else {
		if err := s.ent.Each(ctx, p, enterprise.Filter{Sector: in.Sector, Town: in.Town, Status: enterprise.StatusOperating}, func(e enterprise.Enterprise) error {
			pool = append(pool, PoolEnterprise{ID: e.ID, Name: e.Name})
			return nil
		}); err != nil {
			return DrawRecord{}, err
		}
	}
	sort.Slice(pool, func(i, j int) bool { return pool[i].ID < pool[j].ID })
	insp, err := listInspectors(ctx, s.db.R(), p.CountyCode)
	if err != nil {
		return DrawRecord{}, err
	}
	seed := strings.TrimSpace(in.Seed)
	if seed == "" {
		seed = strconv.FormatUint(rand.Uint64(), 10)
	}
	di := DrawInput{Seed: SeedOf(seed), Enterprises: pool, Inspectors: insp, Count: in.Count, PerTask: in.PerTask, AvoidRepeat: in.AvoidRepeat}
	if in.AvoidRepeat {
		if di.Last, err = lastInspectors(ctx, s.db.R(), p.CountyCode); err != nil {
			return DrawRecord{}, err
		}
		for id := range di.Last { // keep the snapshot to the pool
			if !slices.ContainsFunc(pool, func(e PoolEnterprise) bool { return e.ID == id }) {
				delete(di.Last, id)
			}
		}
	}
	tasks, err := Draw(di)
	if err != nil {
		return DrawRecord{}, err
	}
	d := DrawRecord{ID: ids.New(), CountyCode: p.CountyCode, PlanID: in.PlanID, Title: strings.TrimSpace(in.Title), DrawnOn: s.Today(), Seed: seed,
		Input: di, Tasks: tasks, CreatedBy: p.UserID}
	if d.Title == "" {
		d.Title = d.DrawnOn + " 双随机抽查"
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := insertDraw(ctx, tx, d, s.now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.now(), p.Actor(), audit.Entry{Entity: "insp_draw", EntityID: d.ID, Action: "create",
			After: map[string]any{"seed": seed, "pool": len(pool), "inspectors": len(insp), "tasks": tasks}})
	})
	return d, err
}

// GetDraw returns a stored draw with each task's result (the inspection
// made under it, if any).
func (s *Service) GetDraw(ctx context.Context, p *auth.Principal, id string) (DrawRecord, error) {
	if err := need(p, Staff); err != nil {
		return DrawRecord{}, err
	}
	d, err := getDraw(ctx, s.db.R(), p.CountyCode, id)
	if err != nil {
		return d, err
	}
	done, _, err := listInspections(ctx, s.db.R(), p, Filter{Draw: id})
	if err != nil {
		return d, err
	}
	for i := range d.Tasks {
		for _, x := range done {
			if x.EnterpriseID == d.Tasks[i].EnterpriseID {
				d.Tasks[i].InspectionID = x.ID
			}
		}
	}
	return d, nil
}

// Draws lists the county's draws.
func (s *Service) Draws(ctx context.Context, p *auth.Principal) ([]DrawRecord, error) {
	if err := need(p, Staff); err != nil {
		return nil, err
	}
	return listDraws(ctx, s.db.R(), p.CountyCode)
}

// Replay draws again from the stored seed and snapshots and reports
// whether the result is the stored one.
func (s *Service) Replay(ctx context.Context, p *auth.Principal, id string) ([]Task, bool, error) {
	d, err := s.GetDraw(ctx, p, id)
	if err != nil {
		return nil, false, err
	}
	tasks, err := Draw(d.Input)
	if err != nil {
		return nil, false, err
	}
	same := len(tasks) == len(d.Tasks)
	for i := 0; same && i < len(tasks); i++ {
		same = tasks[i].EnterpriseID == d.Tasks[i].EnterpriseID && slices.Equal(tasks[i].Inspectors, d.Tasks[i].Inspectors)
	}
	return tasks, same, nil
}

// Publish marks the draw's task list published (一公开).
func (s *Service) Publish(ctx context.Context, p *auth.Principal, id string) (DrawRecord, error) {
	if err := need(p, Planners); err != nil {
		return DrawRecord{}, err
	}
	var d DrawRecord
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if d, err = getDraw(ctx, tx, p.CountyCode, id); err != nil {
			return err
		}
		if d.PublishedOn != "" {
			return errs.New(errs.Conflict, "inspection.rule.already_published")
		}
		d.PublishedOn = s.Today()
		if err := updateDrawTasks(ctx, tx, d); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.now(), p.Actor(), audit.Entry{Entity: "insp_draw", EntityID: id, Action: "draw_publish", After: map[string]any{"published_on": d.PublishedOn}})
	})
	return d, err
}

// ---- inspections ----

// hazardSource is the hazard source an inspection kind records.
func hazardSource(k Kind) hazard.Source {
	switch k {
	case KindExpert:
		return hazard.SourceExpert
	case KindThirdParty:
		return hazard.SourceThirdParty
	case KindSuperior:
		return hazard.SourceSuperior
	}
	return hazard.SourceInspection
}

// Create records an inspection. A client id already recorded returns the
// recorded inspection unchanged (created false): a resend from the
// offline queue is harmless. Failed checklist items (and findings marked
// to raise) become hazards in the hazard loop, in the same transaction;
// a major-hazard item is graded major citing its clause, by the hazard
// service's rules.
func (s *Service) Create(ctx context.Context, p *auth.Principal, in InspectionInput, photos []attach.Upload) (Inspection, bool, error) {
	if err := need(p, Inspectors); err != nil {
		return Inspection{}, false, err
	}
	in.ClientID = strings.TrimSpace(in.ClientID)
	if in.ClientID == "" {
		in.ClientID = ids.New()
	}
	if x, err := getInspection(ctx, s.db.R(), `county_code = $1 AND client_id = $2`, p.CountyCode, in.ClientID); err == nil {
		return x, false, nil
	}
	x, err := s.prepare(ctx, p, &in)
	if err != nil {
		return x, false, err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := getInspection(ctx, tx, `county_code = $1 AND client_id = $2`, p.CountyCode, in.ClientID); err == nil {
			return errDuplicate
		}
		return s.createTx(ctx, tx, p, &x, in, photos)
	})
	if err == errDuplicate || (err != nil && store.IsUniqueViolation(err)) {
		old, gerr := getInspection(ctx, s.db.R(), `county_code = $1 AND client_id = $2`, p.CountyCode, in.ClientID)
		if gerr == nil {
			return old, false, nil
		}
	}
	return x, err == nil, err
}

var errDuplicate = errs.New(errs.Conflict, "inspection.duplicate")

// prepare checks the input and builds the record (no writes).
func (s *Service) prepare(ctx context.Context, p *auth.Principal, in *InspectionInput) (Inspection, error) {
	// Officers in the register carry their certificate from it.
	reg, err := listInspectors(ctx, s.db.R(), p.CountyCode)
	if err != nil {
		return Inspection{}, err
	}
	for i, o := range in.Officers {
		for _, r := range reg {
			if r.UserID != "" && r.UserID == o.UserID {
				in.Officers[i] = Officer{UserID: r.UserID, Name: r.Name, CertNo: r.CertNo}
			}
		}
	}
	kept := in.Officers[:0]
	for _, o := range in.Officers {
		if strings.TrimSpace(o.UserID+o.Name) != "" {
			kept = append(kept, o)
		}
	}
	in.Officers = kept
	if err := CheckInspection(in, s.Today()); err != nil {
		return Inspection{}, err
	}
	x := Inspection{ID: ids.New(), CountyCode: p.CountyCode, ClientID: in.ClientID, Kind: in.Kind, On: in.On, PlaceName: in.PlaceName,
		TownCode: in.TownCode, UnitID: p.UnitID, PlanID: in.PlanID, DrawID: in.DrawID, Officers: in.Officers, Note: in.Note, Signer: in.Signer,
		CreatedBy: p.UserID, CreatedAt: s.now().UTC()}
	if in.EnterpriseID != "" {
		e, err := s.ent.Get(ctx, p, in.EnterpriseID)
		if err != nil {
			return x, errs.Field("enterprise_id", "inspection.enterprise_unknown", nil)
		}
		x.EnterpriseID, x.PlaceName, x.TownCode, x.Sector = e.ID, e.Name, e.TownCode, e.Sector
	}
	if in.Template == "" && len(in.Items) > 0 {
		in.Template = TemplateFor(x.Sector, in.On)
	}
	if in.Template != "" {
		tpl, ok := TemplateOf(in.Template)
		if !ok {
			return x, errs.Field("template", "field.invalid", nil)
		}
		x.Template, x.Items = tpl.Code, FillItems(tpl, in.Items)
	}
	if in.DrawID != "" {
		d, err := getDraw(ctx, s.db.R(), p.CountyCode, in.DrawID)
		if err != nil {
			return x, errs.Field("draw_id", "field.invalid", nil)
		}
		if !slices.ContainsFunc(d.Tasks, func(t Task) bool { return t.EnterpriseID == x.EnterpriseID }) {
			return x, errs.New(errs.Conflict, "inspection.rule.not_drawn")
		}
		if err := CheckTaskInspectors(x.EnterpriseID, x.Officers, reg); err != nil {
			return x, err
		}
	}
	for _, f := range in.Findings {
		f.ID = ids.New()
		if f.Party == PartyEnterprise && f.EnterpriseID == "" {
			f.EnterpriseID = x.EnterpriseID
		}
		if f.Party == PartyEnterprise && f.PartyName == "" {
			f.PartyName = x.PlaceName
		}
		x.Findings = append(x.Findings, f)
	}
	for _, it := range x.Items {
		if it.Result == Fail {
			x.Failed++
		}
	}
	return x, nil
}

func (s *Service) createTx(ctx context.Context, tx *store.Tx, p *auth.Principal, x *Inspection, in InspectionInput, photos []attach.Upload) error {
	ref := fmt.Sprintf("现场检查 %s（%s）", x.On, x.ID)
	raise := func(desc string, enterpriseID, place string) (hazard.Record, error) {
		nh := hazard.NewHazard{EnterpriseID: enterpriseID, Source: hazardSource(x.Kind), SourceRef: ref, Description: desc, FoundOn: x.On,
			Category: hazard.CatThing}
		if enterpriseID == "" {
			nh.PlaceName, nh.TownCode = place, x.TownCode
		}
		return s.haz.ReportTx(ctx, tx, p, nh)
	}
	if in.RaiseHazards {
		for i := range x.Items {
			it := &x.Items[i]
			if it.Result != Fail {
				continue
			}
			desc := it.Text
			if n := strings.TrimSpace(it.Note); n != "" {
				desc = n + "（" + it.Text + "）"
			}
			if c, ok := hazard.ClauseOf(it.Clause); ok {
				desc += "；依据：" + c.Ref()
			}
			h, err := raise(desc, x.EnterpriseID, x.PlaceName)
			if err != nil {
				return err
			}
			if it.Clause != "" {
				if _, err := s.haz.DoTx(ctx, tx, p, h.ID, hazard.StepInput{Action: hazard.ActGrade, On: x.On, Grade: hazard.Major, Clause: it.Clause}, nil); err != nil {
					return err
				}
			}
			it.HazardID = h.ID
			x.Hazards++
		}
	}
	for i := range x.Findings {
		f := &x.Findings[i]
		if !in.RaiseHazards || f.Party != PartyEnterprise || !findingRaises(in.Findings, i) {
			continue
		}
		h, err := raise(f.Text, f.EnterpriseID, f.PartyName)
		if err != nil {
			return err
		}
		f.HazardID = h.ID
		x.Hazards++
	}
	if sig := strings.TrimSpace(in.Signature); sig != "" {
		png, err := decodePNG(sig)
		if err != nil {
			return errs.Field("signature", "inspection.signature_invalid", nil)
		}
		a, err := s.att.Save(ctx, tx, attach.Upload{CountyCode: p.CountyCode, OwnerEntity: "inspection_signature", OwnerID: x.ID, Filename: "signature.png",
			Reader: bytes.NewReader(png), UploadedBy: p.UserID})
		if err != nil {
			return err
		}
		x.SignatureID = a.ID
	}
	for _, ph := range photos {
		ph.CountyCode, ph.OwnerEntity, ph.OwnerID, ph.UploadedBy = p.CountyCode, "inspection", x.ID, p.UserID
		if _, err := s.att.Save(ctx, tx, ph); err != nil {
			return err
		}
	}
	if err := insertInspection(ctx, tx, *x); err != nil {
		return err
	}
	return audit.Record(ctx, tx, s.now(), p.Actor(), audit.Entry{Entity: "inspection", EntityID: x.ID, Action: "create",
		After: map[string]any{"kind": x.Kind, "on": x.On, "place": x.PlaceName, "officers": x.Officers, "failed": x.Failed, "hazards": x.Hazards,
			"findings": len(x.Findings), "photos": len(photos), "client_id": x.ClientID}})
}

func findingRaises(sent []Finding, i int) bool { return i < len(sent) && sent[i].Raise }

func decodePNG(dataURL string) ([]byte, error) {
	const prefix = "data:image/png;base64,"
	if !strings.HasPrefix(dataURL, prefix) {
		return nil, fmt.Errorf("not a PNG data URL")
	}
	b, err := base64.StdEncoding.DecodeString(dataURL[len(prefix):])
	if err != nil || len(b) < 8 || string(b[1:4]) != "PNG" {
		return nil, fmt.Errorf("bad PNG")
	}
	return b, nil
}

// Get returns an inspection in scope (404 outside).
func (s *Service) Get(ctx context.Context, p *auth.Principal, id string) (Inspection, error) {
	if err := need(p, append(Staff, auth.RoleEnterprise)); err != nil {
		return Inspection{}, err
	}
	w := Filter{}.Where(p)
	w.Add("id = ?", id)
	x, err := getInspection(ctx, s.db.R(), strings.TrimPrefix(w.SQL(), " WHERE "), w.Args()...)
	if errs.Is(err, errs.NotFound) {
		return x, errs.OutOfScope("inspection", id)
	}
	return x, err
}

// List returns a page of inspections in scope.
func (s *Service) List(ctx context.Context, p *auth.Principal, f Filter) ([]Inspection, int, error) {
	if err := need(p, append(Staff, auth.RoleEnterprise)); err != nil {
		return nil, 0, err
	}
	return listInspections(ctx, s.db.R(), p, f)
}

// Photos lists an inspection's photos and its signature.
func (s *Service) Photos(ctx context.Context, p *auth.Principal, x Inspection) ([]attach.Attachment, error) {
	return s.att.List(ctx, "inspection", x.ID)
}

// File opens an attachment of an inspection in scope.
func (s *Service) File(ctx context.Context, p *auth.Principal, id, fileID string) (attach.Attachment, []byte, error) {
	x, err := s.Get(ctx, p, id)
	if err != nil {
		return attach.Attachment{}, nil, err
	}
	a, rc, err := s.att.Open(ctx, fileID)
	if err != nil {
		return a, nil, err
	}
	defer rc.Close()
	if a.OwnerID != x.ID {
		return a, nil, errs.OutOfScope("attachment", fileID)
	}
	var buf bytes.Buffer
	_, err = buf.ReadFrom(rc)
	return a, buf.Bytes(), err
}

// FindingCounts counts the findings of inspections matching f by party.
func (s *Service) FindingCounts(ctx context.Context, p *auth.Principal, f Filter) (map[Party]int, map[Party][]string, error) {
	w := f.Where(p)
	rows, err := s.db.R().QueryContext(ctx, `SELECT f.party, f.id FROM inspection_finding f WHERE f.inspection_id IN (SELECT id FROM inspection`+w.SQL()+`)`, w.Args()...)
	if err != nil {
		return nil, nil, fmt.Errorf("count findings: %w", err)
	}
	defer rows.Close()
	n, recs := map[Party]int{}, map[Party][]string{}
	for rows.Next() {
		var party Party
		var id string
		if err := rows.Scan(&party, &id); err != nil {
			return nil, nil, err
		}
		n[party]++
		recs[party] = append(recs[party], id)
	}
	return n, recs, rows.Err()
}

// Count counts inspections (家次) matching f, with their IDs when asked.
func (s *Service) Count(ctx context.Context, p *auth.Principal, f Filter, withIDs bool) (int, []string, error) {
	w := f.Where(p)
	if !withIDs {
		var n int
		err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM inspection`+w.SQL(), w.Args()...).Scan(&n)
		return n, nil, err
	}
	rows, err := s.db.R().QueryContext(ctx, `SELECT id FROM inspection`+w.SQL()+` ORDER BY on_day, id`, w.Args()...)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return 0, nil, err
		}
		out = append(out, id)
	}
	return len(out), out, rows.Err()
}
