package prepare

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/attach"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/calendar"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/person"
	"yingji/internal/kit/store"
)

// SupplyFacts is what the supplies module says of one enterprise's own
// stores on a day: whether they held anything and when they last moved.
type SupplyFacts struct {
	Has       bool
	UpdatedOn string // YYYY-MM-DD, '' when never
}

// SuppliesFunc tells, for every enterprise of a county keeping emergency
// supplies, whether its stores held anything on asOf and the date they
// were last updated (enterprises without stores are absent). It is the
// only way this module asks the supplies module; nil means unknown
// (counted as missing).
type SuppliesFunc func(ctx context.Context, county, asOf string) (map[string]SupplyFacts, error)

// CalendarFunc returns a county's working-day calendar.
type CalendarFunc func(ctx context.Context, county string) (calendar.Calendar, error)

// Recipients returns the users to remind about a plan or an enterprise:
// the enterprise's accounts (enterpriseID set) or the bureau's plan
// staff.
type Recipients func(ctx context.Context, county, enterpriseID string) ([]string, error)

// Service keeps the preparedness registers within the caller's scope.
type Service struct {
	db         *store.DB
	ent        *enterprise.Service
	notify     *notify.Service
	now        func() time.Time
	cal        CalendarFunc
	Supplies   SuppliesFunc    // optional hook into the supplies module
	Recipients Recipients      // optional: whom reminders go to
	Files      *attach.Service // plan files (nil: no uploads)
}

// New returns a Service.
func New(db *store.DB, ent *enterprise.Service, n *notify.Service, now func() time.Time, cal CalendarFunc) *Service {
	if cal == nil {
		cal = func(context.Context, string) (calendar.Calendar, error) { return calendar.New(nil, nil), nil }
	}
	return &Service{db: db, ent: ent, notify: n, now: now, cal: cal}
}

// Today is the service's current date (YYYY-MM-DD, China Standard Time).
func (s *Service) Today() string { return calendar.Today(s.now()).Format(calendar.DateLayout) }

// Who may do what.

// SeesPhone reports whether p reads phone numbers in full; others read
// 138****5678.
func SeesPhone(p *auth.Principal) bool {
	return p.Is(auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer, auth.RoleDuty, auth.RoleTown)
}

// CanWriteRow reports whether p may change a row of the given town and
// enterprise: administrators and section staff (enterprise rows in their
// sectors, checked by scope); town staff their town's rows; enterprise
// accounts their own enterprise's rows.
func CanWriteRow(p *auth.Principal, region, enterpriseID string) bool {
	switch p.Role {
	case auth.RoleAdmin, auth.RoleSection:
		return true
	case auth.RoleTown:
		return region != "" && strings.HasPrefix(region, p.RegionCode) && enterpriseID == ""
	case auth.RoleEnterprise:
		return enterpriseID != "" && enterpriseID == p.EnterpriseID
	}
	return false
}

// CanFile reports whether p records the bureau's steps: a 备案 received,
// an assessment (administrators and section staff).
func CanFile(p *auth.Principal) bool { return p.Is(auth.RoleAdmin, auth.RoleSection) }

// scope limits rows with region_code and enterprise_id columns to p.
func scope(p *auth.Principal, w *store.Where) {
	w.Add("county_code = ?", p.CountyCode)
	switch p.Role {
	case auth.RoleEnterprise:
		w.Add("enterprise_id = ?", p.EnterpriseID)
	case auth.RoleTown:
		c, args := enterprise.ScopeSQL(p, "enterprise_id")
		w.Add("((enterprise_id = '' AND region_code LIKE ?) OR (enterprise_id <> '' AND "+c+"))", append([]any{p.RegionCode + "%"}, args...)...)
	case auth.RoleSection:
		c, args := enterprise.ScopeSQL(p, "enterprise_id")
		w.Add("(enterprise_id = '' OR "+c+")", args...)
	}
}

// inScope reports whether a row of region/enterprise is in p's scope
// (the same rule as scope, for rows already read).
func (s *Service) inScope(ctx context.Context, p *auth.Principal, county, region, enterpriseID string) (bool, error) {
	if county != p.CountyCode {
		return false, nil
	}
	switch p.Role {
	case auth.RoleEnterprise:
		return enterpriseID == p.EnterpriseID, nil
	case auth.RoleTown:
		if enterpriseID == "" {
			return strings.HasPrefix(region, p.RegionCode) && region != "", nil
		}
	case auth.RoleSection:
		if enterpriseID == "" {
			return true, nil
		}
	default:
		return true, nil
	}
	_, err := s.ent.Get(ctx, p, enterpriseID)
	if errs.Is(err, errs.NotFound) || errs.Is(err, errs.Forbidden) {
		return false, nil
	}
	return err == nil, err
}

// checkEnterprise checks that an enterprise row's enterprise exists in p's
// scope.
func (s *Service) checkEnterprise(ctx context.Context, p *auth.Principal, id string) error {
	if id == "" {
		return nil
	}
	if p.Role == auth.RoleEnterprise && id != p.EnterpriseID {
		return errs.Field("enterprise_id", "prepare.enterprise_unknown", nil)
	}
	if _, err := s.ent.Get(ctx, p, id); err != nil {
		if errs.Is(err, errs.NotFound) || errs.Is(err, errs.Forbidden) {
			return errs.Field("enterprise_id", "prepare.enterprise_unknown", nil)
		}
		return err
	}
	return nil
}

func (s *Service) record(ctx context.Context, tx *store.Tx, p *auth.Principal, entity, id, action string, before, after any) error {
	return audit.Record(ctx, tx, s.now(), p.Actor(), audit.Entry{Entity: entity, EntityID: id, Action: action, Before: before, After: after})
}

// RecordDenied audits an out-of-scope attempt.
func (s *Service) RecordDenied(ctx context.Context, p *auth.Principal, entity, id, attempt string) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		return s.record(ctx, tx, p, entity, id, "denied", nil, map[string]any{"attempt": attempt})
	})
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return errs.New(errs.NotFound, "not_found")
	}
	return err
}

// ---- plans ----

const planCols = `id, county_code, name, category, owner_unit, region_code, enterprise_id, flood, review_kind, state, version, drafted_on,
	revised, revision_trigger, reviewed_on, review_experts, review_minutes, review_opinions, review_online, deliberated_on, deliberation_body,
	published_on, filing_due, filed_on, filed_to, assessed_on, next_assessment, created_by, created_at, updated_at`

func scanPlan(row interface{ Scan(...any) error }) (Plan, error) {
	var x Plan
	err := row.Scan(&x.ID, &x.CountyCode, &x.Name, &x.Category, &x.OwnerUnit, &x.RegionCode, &x.EnterpriseID, &x.Flood, &x.ReviewKind, &x.State,
		&x.Version, &x.DraftedOn, &x.Revised, &x.RevisionTrigger, &x.ReviewedOn, &x.ReviewExperts, &x.ReviewMinutes, &x.ReviewOpinions,
		&x.ReviewOnline, &x.DeliberatedOn, &x.DeliberationBody, &x.PublishedOn, &x.FilingDue, &x.FiledOn, &x.FiledTo, &x.AssessedOn,
		&x.NextAssessment, &x.CreatedBy, &x.CreatedAt, &x.UpdatedAt)
	return x, err
}

func planArgs(x Plan) []any {
	return []any{x.ID, x.CountyCode, x.Name, x.Category, x.OwnerUnit, x.RegionCode, x.EnterpriseID, x.Flood, x.ReviewKind, x.State,
		x.Version, x.DraftedOn, x.Revised, x.RevisionTrigger, x.ReviewedOn, x.ReviewExperts, x.ReviewMinutes, x.ReviewOpinions,
		x.ReviewOnline, x.DeliberatedOn, x.DeliberationBody, x.PublishedOn, x.FilingDue, x.FiledOn, x.FiledTo, x.AssessedOn,
		x.NextAssessment, x.CreatedBy, x.CreatedAt, x.UpdatedAt}
}

func placeholders(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "$%d", i)
	}
	return b.String()
}

// PlanFilter selects plans.
type PlanFilter struct {
	Q             string
	Category      string
	State         string
	Flood         bool
	Enterprise    string
	Overdue       bool   // published, not filed, past the 备案 limit
	Deliberated   string // "from..to": deliberated in the period (figure link)
	DraftedFrom   string
	DraftedTo     string
	County        bool // county plans only (no town, village or enterprise)
	AssessDue     bool // filed, the 3-year assessment due within AssessSoon days or past
	Limit, Offset int
}

// AssessSoon is how many days ahead a plan's assessment counts as due
// (home figure, list filter; the reminder goes at the same distance).
const AssessSoon = 30

func (s *Service) planWhere(p *auth.Principal, f PlanFilter) *store.Where {
	var w store.Where
	scope(p, &w)
	if q := strings.TrimSpace(f.Q); q != "" {
		w.Add(`(name LIKE ? ESCAPE '\' OR owner_unit LIKE ? ESCAPE '\')`, store.Like(q), store.Like(q))
	}
	if f.Category != "" {
		w.Add("category = ?", f.Category)
	}
	if f.State != "" {
		w.Add("state = ?", f.State)
	}
	if f.Flood {
		w.Add("flood = ?", true)
	}
	if f.Enterprise != "" {
		w.Add("enterprise_id = ?", f.Enterprise)
	}
	if f.Overdue {
		w.Add("state = ? AND filing_due <> '' AND filing_due < ?", StatePublished, s.Today())
	}
	if from, to, ok := strings.Cut(f.Deliberated, ".."); ok {
		w.Add("deliberated_on >= ? AND deliberated_on <= ? AND reviewed_on <> ''", from, to)
	}
	if f.DraftedFrom != "" {
		w.Add("drafted_on >= ?", f.DraftedFrom)
	}
	if f.DraftedTo != "" {
		w.Add("drafted_on <= ?", f.DraftedTo)
	}
	if f.County {
		w.Add("category IN (?, ?, ?)", CatOverall, CatSpecial, CatDepartment)
	}
	if f.AssessDue {
		w.Add("state = ? AND next_assessment <> '' AND next_assessment <= ?", StateFiled, calendar.Day(s.Today()).AddDate(0, 0, AssessSoon).Format(calendar.DateLayout))
	}
	return &w
}

// ListPlans returns a page of plans and the total.
func (s *Service) ListPlans(ctx context.Context, p *auth.Principal, f PlanFilter) ([]Plan, int, error) {
	w := s.planWhere(p, f)
	var total int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM prep_plan`+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count plans: %w", err)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 50
	}
	lim, off := w.Arg(f.Limit), w.Arg(f.Offset)
	list, err := s.queryPlans(ctx, `SELECT `+planCols+` FROM prep_plan`+w.SQL()+` ORDER BY category, name, id LIMIT `+lim+` OFFSET `+off, w.Args())
	return list, total, err
}

// AllPlans returns every plan matching f (exports, figures).
func (s *Service) AllPlans(ctx context.Context, p *auth.Principal, f PlanFilter) ([]Plan, error) {
	w := s.planWhere(p, f)
	return s.queryPlans(ctx, `SELECT `+planCols+` FROM prep_plan`+w.SQL()+` ORDER BY category, name, id`, w.Args())
}

// placed is a record with a place: its county, region and enterprise.
type placed interface {
	place() (county, region, enterpriseID string)
}

func (x Plan) place() (string, string, string)  { return x.CountyCode, x.RegionCode, x.EnterpriseID }
func (x Team) place() (string, string, string)  { return x.CountyCode, x.RegionCode, x.EnterpriseID }
func (x Drill) place() (string, string, string) { return x.CountyCode, x.RegionCode, x.EnterpriseID }

// getScoped scans the record id of table from row and refuses it when it
// is not found or lies outside p's scope.
func getScoped[T placed](ctx context.Context, s *Service, p *auth.Principal, table, id string, scan func(interface{ Scan(...any) error }) (T, error), row *sql.Row) (T, error) {
	var zero T
	x, err := scan(row)
	if err != nil {
		return x, notFound(err)
	}
	county, region, ent := x.place()
	ok, err := s.inScope(ctx, p, county, region, ent)
	if err != nil {
		return x, err
	}
	if !ok {
		return zero, errs.OutOfScope(table, id)
	}
	return x, nil
}

func (s *Service) queryPlans(ctx context.Context, q string, args []any) ([]Plan, error) {
	out, err := store.QueryAll(ctx, s.db.R(), func(r *sql.Rows) (Plan, error) { return scanPlan(r) }, q, args...)
	if err != nil {
		return nil, fmt.Errorf("plans: %w", err)
	}
	return out, nil
}

func (s *Service) getPlan(ctx context.Context, q store.Querier, p *auth.Principal, id string) (Plan, error) {
	return getScoped(ctx, s, p, "prep_plan", id, scanPlan, q.QueryRowContext(ctx, `SELECT `+planCols+` FROM prep_plan WHERE id = $1`, id))
}

// GetPlan returns a plan in scope.
func (s *Service) GetPlan(ctx context.Context, p *auth.Principal, id string) (Plan, error) {
	return s.getPlan(ctx, s.db.R(), p, id)
}

// PlanStep is a recorded lifecycle step.
type PlanStep struct {
	ID           string    `json:"id"`
	Seq          int       `json:"seq"`
	Version      int       `json:"version"`
	Step         string    `json:"step"`
	OnDate       string    `json:"on_date"`
	Detail       string    `json:"detail"`
	AttachmentID string    `json:"attachment_id,omitempty"`
	RecordedName string    `json:"recorded_name"`
	RecordedAt   time.Time `json:"recorded_at"`
}

// PlanSteps returns a plan's steps, oldest first.
func (s *Service) PlanSteps(ctx context.Context, p *auth.Principal, id string) ([]PlanStep, error) {
	if _, err := s.GetPlan(ctx, p, id); err != nil {
		return nil, err
	}
	out, err := store.QueryAll(ctx, s.db.R(), func(rows *sql.Rows) (PlanStep, error) {
		var x PlanStep
		return x, rows.Scan(&x.ID, &x.Seq, &x.Version, &x.Step, &x.OnDate, &x.Detail, &x.AttachmentID, &x.RecordedName, &x.RecordedAt)
	}, `SELECT id, seq, version, step, on_date, detail, attachment_id, recorded_name, recorded_at
		FROM prep_plan_step WHERE plan_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("plan steps: %w", err)
	}
	return store.NonNil(out), nil
}

// CreatePlan registers a plan in its first state (起草, version 1).
func (s *Service) CreatePlan(ctx context.Context, p *auth.Principal, x Plan) (Plan, error) {
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		x, err = s.createPlanTx(ctx, tx, p, x)
		return err
	})
	return x, err
}

func (s *Service) createPlanTx(ctx context.Context, tx *store.Tx, p *auth.Principal, x Plan) (Plan, error) {
	if p.Role == auth.RoleEnterprise {
		x.Category, x.EnterpriseID = CatEnterprise, p.EnterpriseID
	}
	if p.Role == auth.RoleTown && x.RegionCode == "" {
		x.RegionCode = p.RegionCode
	}
	x.CountyCode, x.State, x.Version = p.CountyCode, StateDraft, 1
	if x.DraftedOn == "" {
		x.DraftedOn = s.Today()
	}
	if err := ValidatePlan(&x); err != nil {
		return x, err
	}
	if err := s.checkEnterprise(ctx, p, x.EnterpriseID); err != nil {
		return x, err
	}
	if x.Category == CatEnterprise {
		e, err := s.ent.Get(ctx, &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}, x.EnterpriseID)
		if err != nil {
			return x, err
		}
		x.ReviewKind = ReviewKindFor(e.Sector, e.Scale)
		if x.OwnerUnit == "" {
			x.OwnerUnit = e.Name
		}
		x.RegionCode = e.TownCode
	}
	if !CanWriteRow(p, x.RegionCode, x.EnterpriseID) {
		return x, errs.New(errs.Forbidden, "forbidden")
	}
	now := s.now().UTC()
	if x.ID == "" {
		x.ID = ids.New()
	}
	x.CreatedBy, x.CreatedAt, x.UpdatedAt = p.UserID, now, now
	_, err := tx.ExecContext(ctx, `INSERT INTO prep_plan (`+planCols+`) VALUES (`+placeholders(30)+`)`, planArgs(x)...)
	if store.IsUniqueViolation(err) {
		return x, errs.Field("name", "prepare.name_taken", nil)
	}
	if err != nil {
		return x, fmt.Errorf("insert plan: %w", err)
	}
	if err := s.insertStep(ctx, tx, p, x, Step{To: StateDraft, On: x.DraftedOn}); err != nil {
		return x, err
	}
	return x, s.record(ctx, tx, p, "prep_plan", x.ID, "create", nil, x)
}

func (s *Service) insertStep(ctx context.Context, tx *store.Tx, p *auth.Principal, x Plan, st Step) error {
	var seq int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM prep_plan_step WHERE plan_id = $1`, x.ID).Scan(&seq); err != nil {
		return err
	}
	on, _ := calendar.NormalizeDay(st.On)
	detail := stepDetail(st)
	_, err := tx.ExecContext(ctx, `INSERT INTO prep_plan_step (id, county_code, plan_id, seq, version, step, on_date, detail, attachment_id,
		recorded_by, recorded_name, recorded_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
		ids.New(), x.CountyCode, x.ID, seq+1, x.Version, st.To, on, detail, "", p.UserID, p.DisplayName, s.now().UTC())
	if err != nil {
		return fmt.Errorf("insert plan step: %w", err)
	}
	return nil
}

// stepDetail is the one-line record of a step (experts, body, trigger …).
func stepDetail(st Step) string {
	var parts []string
	add := func(k, v string) {
		if strings.TrimSpace(v) != "" {
			parts = append(parts, k+"："+strings.TrimSpace(v))
		}
	}
	add("专家", st.Experts)
	add("纪要", st.Minutes)
	add("意见", st.Opinion)
	add("审议", st.Body)
	add("备案机关", st.FiledTo)
	add("修订情形", st.Trigger)
	add("备注", st.Note)
	if st.Online {
		parts = append(parts, "线上评审")
	}
	return strings.Join(parts, "；")
}

// UpdatePlan changes a plan's register fields (not its lifecycle).
func (s *Service) UpdatePlan(ctx context.Context, p *auth.Principal, id string, in Plan) (Plan, error) {
	var out Plan
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		x, err := s.getPlan(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if !CanWriteRow(p, x.RegionCode, x.EnterpriseID) {
			return errs.New(errs.Forbidden, "forbidden")
		}
		before := x
		x.Name, x.OwnerUnit, x.Flood = in.Name, in.OwnerUnit, in.Flood
		if err := ValidatePlan(&x); err != nil {
			return err
		}
		x.UpdatedAt = s.now().UTC()
		if _, err := tx.ExecContext(ctx, `UPDATE prep_plan SET name = $1, owner_unit = $2, flood = $3, updated_at = $4 WHERE id = $5`,
			x.Name, x.OwnerUnit, x.Flood, x.UpdatedAt, x.ID); err != nil {
			if store.IsUniqueViolation(err) {
				return errs.Field("name", "prepare.name_taken", nil)
			}
			return err
		}
		out = x
		return s.record(ctx, tx, p, "prep_plan", x.ID, "update", before, x)
	})
	return out, err
}

// TakeStep moves a plan along its lifecycle (Apply), records the step and
// audits it. The bureau's steps (备案 received, assessment) are recorded
// by administrators and section staff, and never by the plan's own
// author (four eyes).
func (s *Service) TakeStep(ctx context.Context, p *auth.Principal, id string, st Step) (Plan, error) {
	var out Plan
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		x, err := s.getPlan(ctx, tx, p, id)
		if err != nil {
			return err
		}
		out, err = s.takeStepTx(ctx, tx, p, x, st)
		return err
	})
	return out, err
}

func (s *Service) takeStepTx(ctx context.Context, tx *store.Tx, p *auth.Principal, x Plan, st Step) (Plan, error) {
	bureau := st.To == StateFiled || st.To == StepAssess
	switch {
	case bureau && !CanFile(p):
		return x, errs.New(errs.Forbidden, "prepare.bureau_step")
	case bureau && x.CreatedBy == p.UserID && p.UserID != "system":
		return x, conflict("four_eyes")
	case !bureau && !CanWriteRow(p, x.RegionCode, x.EnterpriseID):
		return x, errs.New(errs.Forbidden, "forbidden")
	}
	cal, err := s.cal(ctx, x.CountyCode)
	if err != nil {
		return x, err
	}
	before := x
	if err := Apply(&x, st, cal); err != nil {
		return before, err
	}
	x.UpdatedAt = s.now().UTC()
	if _, err := tx.ExecContext(ctx, `UPDATE prep_plan SET (`+planCols+`) = (`+placeholders(30)+`) WHERE id = $1`, planArgs(x)...); err != nil {
		return before, fmt.Errorf("update plan: %w", err)
	}
	if err := s.insertStep(ctx, tx, p, x, st); err != nil {
		return before, err
	}
	return x, s.record(ctx, tx, p, "prep_plan", x.ID, "step_"+st.To, before, x)
}

// ---- teams ----

const teamCols = `id, county_code, name, kind, level, region_code, enterprise_id, headcount, leader, phone, equipment, readiness,
	dyke_section, patrol_line, lat, lng, established_on, supplies_updated_on, created_at, updated_at`

func scanTeam(row interface{ Scan(...any) error }) (Team, error) {
	var x Team
	var lat, lng sql.NullFloat64
	err := row.Scan(&x.ID, &x.CountyCode, &x.Name, &x.Kind, &x.Level, &x.RegionCode, &x.EnterpriseID, &x.Headcount, &x.Leader, &x.Phone,
		&x.Equipment, &x.Readiness, &x.DykeSection, &x.PatrolLine, &lat, &lng, &x.EstablishedOn, &x.SuppliesUpdatedOn, &x.CreatedAt, &x.UpdatedAt)
	if lat.Valid && lng.Valid {
		x.Lat, x.Lng = &lat.Float64, &lng.Float64
	}
	return x, err
}

func teamArgs(x Team) []any {
	var lat, lng any
	if x.Lat != nil && x.Lng != nil {
		lat, lng = *x.Lat, *x.Lng
	}
	return []any{x.ID, x.CountyCode, x.Name, x.Kind, x.Level, x.RegionCode, x.EnterpriseID, x.Headcount, x.Leader, x.Phone,
		x.Equipment, x.Readiness, x.DykeSection, x.PatrolLine, lat, lng, x.EstablishedOn, x.SuppliesUpdatedOn, x.CreatedAt, x.UpdatedAt}
}

// teamFor masks the phone unless p may read it (an enterprise account
// reads its own teams' phones).
func teamFor(p *auth.Principal, t Team) Team {
	if SeesPhone(p) || (p.Role == auth.RoleEnterprise && t.EnterpriseID == p.EnterpriseID) {
		return t
	}
	if t.Phone != "" {
		t.Phone, t.PhoneMasked = person.MaskPhone(t.Phone), true
	}
	return t
}

// TeamFilter selects teams.
type TeamFilter struct {
	Q             string
	Kind          string
	Level         string
	Town          string
	Enterprise    string
	SuppliesFrom  string // supplies updated in [SuppliesFrom, SuppliesTo]
	SuppliesTo    string
	Until         string // established on or before
	From          string // established on or after
	RollCallFrom  string // passed a roll call in [RollCallFrom, RollCallTo]
	RollCallTo    string
	NoRollCall    string // a year (YYYY): teams without any roll call (点验) that year
	Limit, Offset int
}

func teamWhere(p *auth.Principal, f TeamFilter) *store.Where {
	var w store.Where
	scope(p, &w)
	if q := strings.TrimSpace(f.Q); q != "" {
		w.Add(`(name LIKE ? ESCAPE '\' OR dyke_section LIKE ? ESCAPE '\')`, store.Like(q), store.Like(q))
	}
	if f.Kind != "" {
		w.In("kind", strings.Split(f.Kind, ","))
	}
	if f.RollCallFrom != "" && f.RollCallTo != "" {
		w.Add("id IN (SELECT team_id FROM prep_rollcall WHERE result = 'pass' AND on_date >= ? AND on_date <= ?)", f.RollCallFrom, f.RollCallTo)
	}
	if f.Level != "" {
		w.Add("level = ?", f.Level)
	}
	if y := f.NoRollCall; len(y) == 4 {
		w.Add("id NOT IN (SELECT team_id FROM prep_rollcall WHERE on_date >= ? AND on_date <= ?)", y+"-01-01", y+"-12-31")
	}
	if f.Town != "" {
		w.Add("region_code LIKE ?", f.Town+"%")
	}
	if f.Enterprise != "" {
		w.Add("enterprise_id = ?", f.Enterprise)
	}
	if f.SuppliesFrom != "" {
		w.Add("supplies_updated_on >= ?", f.SuppliesFrom)
	}
	if f.SuppliesTo != "" {
		w.Add("supplies_updated_on <> '' AND supplies_updated_on <= ?", f.SuppliesTo)
	}
	if f.Until != "" {
		w.Add("established_on <= ?", f.Until)
	}
	if f.From != "" {
		w.Add("established_on >= ?", f.From)
	}
	return &w
}

// TeamFilterOf reads a team filter from query parameters.
func TeamFilterOf(q map[string][]string) TeamFilter {
	g := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	return TeamFilter{Q: g("q"), Kind: g("kind"), Level: g("level"), Town: g("town"), Enterprise: g("enterprise"),
		SuppliesFrom: g("supplies_from"), SuppliesTo: g("supplies_to"), Until: g("until"), From: g("established_from"),
		RollCallFrom: g("rollcall_from"), RollCallTo: g("rollcall_to"), NoRollCall: g("no_rollcall")}
}

// ListTeams returns a page of teams and the total.
func (s *Service) ListTeams(ctx context.Context, p *auth.Principal, f TeamFilter) ([]Team, int, error) {
	w := teamWhere(p, f)
	var total int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM prep_team`+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count teams: %w", err)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 50
	}
	lim, off := w.Arg(f.Limit), w.Arg(f.Offset)
	list, err := s.queryTeams(ctx, p, `SELECT `+teamCols+` FROM prep_team`+w.SQL()+` ORDER BY level, kind, name, id LIMIT `+lim+` OFFSET `+off, w.Args())
	return list, total, err
}

// AllTeams returns every team matching f.
func (s *Service) AllTeams(ctx context.Context, p *auth.Principal, f TeamFilter) ([]Team, error) {
	w := teamWhere(p, f)
	return s.queryTeams(ctx, p, `SELECT `+teamCols+` FROM prep_team`+w.SQL()+` ORDER BY level, kind, name, id`, w.Args())
}

func (s *Service) queryTeams(ctx context.Context, p *auth.Principal, q string, args []any) ([]Team, error) {
	out, err := store.QueryAll(ctx, s.db.R(), func(r *sql.Rows) (Team, error) {
		x, err := scanTeam(r)
		return teamFor(p, x), err
	}, q, args...)
	if err != nil {
		return nil, fmt.Errorf("teams: %w", err)
	}
	return out, nil
}

func (s *Service) getTeam(ctx context.Context, q store.Querier, p *auth.Principal, id string) (Team, error) {
	return getScoped(ctx, s, p, "prep_team", id, scanTeam, q.QueryRowContext(ctx, `SELECT `+teamCols+` FROM prep_team WHERE id = $1`, id))
}

// GetTeam returns a team in scope (phone masked for p).
func (s *Service) GetTeam(ctx context.Context, p *auth.Principal, id string) (Team, error) {
	x, err := s.getTeam(ctx, s.db.R(), p, id)
	return teamFor(p, x), err
}

// auditedTeam is a team as written to the audit log (the phone masked:
// leaders and read-only users read the log).
func auditedTeam(t Team) Team {
	if t.Phone != "" {
		t.Phone = person.MaskPhone(t.Phone)
	}
	return t
}

// SaveTeam creates (id "") or updates a team.
func (s *Service) SaveTeam(ctx context.Context, p *auth.Principal, id string, x Team) (Team, error) {
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		x, err = s.saveTeamTx(ctx, tx, p, id, x)
		return err
	})
	return teamFor(p, x), err
}

func (s *Service) saveTeamTx(ctx context.Context, tx *store.Tx, p *auth.Principal, id string, x Team) (Team, error) {
	if p.Role == auth.RoleEnterprise {
		x.Kind, x.EnterpriseID = KindEnterprise, p.EnterpriseID
		if x.Level == "" {
			x.Level = "town"
		}
	}
	if p.Role == auth.RoleTown && x.RegionCode == "" {
		x.RegionCode = p.RegionCode
	}
	if x.EstablishedOn == "" {
		x.EstablishedOn = s.Today()
	}
	if x.EnterpriseID != "" && x.RegionCode == "" {
		if e, err := s.ent.Get(ctx, &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}, x.EnterpriseID); err == nil {
			x.RegionCode = e.TownCode
		}
	}
	if err := ValidateTeam(&x); err != nil {
		return x, err
	}
	if err := s.checkEnterprise(ctx, p, x.EnterpriseID); err != nil {
		return x, err
	}
	now := s.now().UTC()
	x.CountyCode, x.UpdatedAt = p.CountyCode, now
	if id == "" {
		if !CanWriteRow(p, x.RegionCode, x.EnterpriseID) {
			return x, errs.New(errs.Forbidden, "forbidden")
		}
		if x.ID == "" {
			x.ID = ids.New()
		}
		x.CreatedAt = now
		_, err := tx.ExecContext(ctx, `INSERT INTO prep_team (`+teamCols+`) VALUES (`+placeholders(20)+`)`, teamArgs(x)...)
		if store.IsUniqueViolation(err) {
			return x, errs.Field("name", "prepare.name_taken", nil)
		}
		if err != nil {
			return x, fmt.Errorf("insert team: %w", err)
		}
		return x, s.record(ctx, tx, p, "prep_team", x.ID, "create", nil, auditedTeam(x))
	}
	old, err := s.getTeam(ctx, tx, p, id)
	if err != nil {
		return x, err
	}
	if !CanWriteRow(p, old.RegionCode, old.EnterpriseID) || !CanWriteRow(p, x.RegionCode, x.EnterpriseID) {
		return x, errs.New(errs.Forbidden, "forbidden")
	}
	x.ID, x.CreatedAt = old.ID, old.CreatedAt
	if x.Phone == "" || strings.Contains(x.Phone, "*") {
		x.Phone = old.Phone // a masked phone sent back keeps the stored one
	}
	if _, err := tx.ExecContext(ctx, `UPDATE prep_team SET (`+teamCols+`) = (`+placeholders(20)+`) WHERE id = $1`, teamArgs(x)...); err != nil {
		if store.IsUniqueViolation(err) {
			return x, errs.Field("name", "prepare.name_taken", nil)
		}
		return x, fmt.Errorf("update team: %w", err)
	}
	return x, s.record(ctx, tx, p, "prep_team", x.ID, "update", auditedTeam(old), auditedTeam(x))
}

// RollCalls returns a team's roll calls, newest first.
func (s *Service) RollCalls(ctx context.Context, p *auth.Principal, teamID string) ([]RollCall, error) {
	if _, err := s.GetTeam(ctx, p, teamID); err != nil {
		return nil, err
	}
	out, err := store.QueryAll(ctx, s.db.R(), func(rows *sql.Rows) (RollCall, error) {
		var r RollCall
		return r, rows.Scan(&r.ID, &r.TeamID, &r.OnDate, &r.Present, &r.Result, &r.Note, &r.RecordedAt)
	}, `SELECT id, team_id, on_date, present, result, note, recorded_at FROM prep_rollcall
		WHERE team_id = $1 ORDER BY on_date DESC, recorded_at DESC`, teamID)
	if err != nil {
		return nil, fmt.Errorf("roll calls: %w", err)
	}
	return store.NonNil(out), nil
}

// AddRollCall records a 点验 of a team.
func (s *Service) AddRollCall(ctx context.Context, p *auth.Principal, teamID string, r RollCall) (RollCall, error) {
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		t, err := s.getTeam(ctx, tx, p, teamID)
		if err != nil {
			return err
		}
		if !CanWriteRow(p, t.RegionCode, t.EnterpriseID) {
			return errs.New(errs.Forbidden, "forbidden")
		}
		if err := ValidateRollCall(&r, t); err != nil {
			return err
		}
		r.ID, r.TeamID, r.RecordedAt = ids.New(), t.ID, s.now().UTC()
		if _, err := tx.ExecContext(ctx, `INSERT INTO prep_rollcall (id, county_code, team_id, on_date, present, result, note, recorded_by, recorded_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`, r.ID, t.CountyCode, t.ID, r.OnDate, r.Present, r.Result, r.Note, p.UserID, r.RecordedAt); err != nil {
			return fmt.Errorf("insert roll call: %w", err)
		}
		return s.record(ctx, tx, p, "prep_team", t.ID, "rollcall", nil, r)
	})
	return r, err
}

// ---- drills ----

const drillCols = `id, county_code, name, plan_id, drill_on, form, region_code, enterprise_id, units, participants, evaluation, created_at, updated_at`

func scanDrill(row interface{ Scan(...any) error }) (Drill, error) {
	var x Drill
	err := row.Scan(&x.ID, &x.CountyCode, &x.Name, &x.PlanID, &x.DrillOn, &x.Form, &x.RegionCode, &x.EnterpriseID, &x.Units, &x.Participants,
		&x.Evaluation, &x.CreatedAt, &x.UpdatedAt)
	return x, err
}

// DrillFilter selects drills.
type DrillFilter struct {
	Q             string
	Form          string
	From, To      string
	OpenTasks     bool // drills with follow-up tasks (整改任务) not done
	Limit, Offset int
}

func drillWhere(p *auth.Principal, f DrillFilter) *store.Where {
	var w store.Where
	scope(p, &w)
	if q := strings.TrimSpace(f.Q); q != "" {
		w.Add(`(name LIKE ? ESCAPE '\' OR units LIKE ? ESCAPE '\')`, store.Like(q), store.Like(q))
	}
	if f.Form != "" {
		w.Add("form = ?", f.Form)
	}
	if f.From != "" {
		w.Add("drill_on >= ?", f.From)
	}
	if f.To != "" {
		w.Add("drill_on <= ?", f.To)
	}
	if f.OpenTasks {
		w.Add("id IN (SELECT drill_id FROM prep_drill_task WHERE done_on = '')")
	}
	return &w
}

// ListDrills returns a page of drills and the total.
func (s *Service) ListDrills(ctx context.Context, p *auth.Principal, f DrillFilter) ([]Drill, int, error) {
	w := drillWhere(p, f)
	var total int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM prep_drill`+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count drills: %w", err)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 50
	}
	lim, off := w.Arg(f.Limit), w.Arg(f.Offset)
	list, err := s.queryDrills(ctx, `SELECT `+drillCols+` FROM prep_drill`+w.SQL()+` ORDER BY drill_on DESC, id LIMIT `+lim+` OFFSET `+off, w.Args())
	return list, total, err
}

// AllDrills returns every drill matching f.
func (s *Service) AllDrills(ctx context.Context, p *auth.Principal, f DrillFilter) ([]Drill, error) {
	w := drillWhere(p, f)
	return s.queryDrills(ctx, `SELECT `+drillCols+` FROM prep_drill`+w.SQL()+` ORDER BY drill_on DESC, id`, w.Args())
}

func (s *Service) queryDrills(ctx context.Context, q string, args []any) ([]Drill, error) {
	out, err := store.QueryAll(ctx, s.db.R(), func(r *sql.Rows) (Drill, error) { return scanDrill(r) }, q, args...)
	if err != nil {
		return nil, fmt.Errorf("drills: %w", err)
	}
	return out, nil
}

// GetDrill returns a drill in scope with its tasks.
func (s *Service) GetDrill(ctx context.Context, p *auth.Principal, id string) (Drill, error) {
	x, err := getScoped(ctx, s, p, "prep_drill", id, scanDrill, s.db.R().QueryRowContext(ctx, `SELECT `+drillCols+` FROM prep_drill WHERE id = $1`, id))
	if err != nil {
		return x, err
	}
	x.Tasks, err = store.QueryAll(ctx, s.db.R(), func(rows *sql.Rows) (DrillTask, error) {
		var t DrillTask
		return t, rows.Scan(&t.ID, &t.DrillID, &t.Problem, &t.Owner, &t.DueOn, &t.DoneOn)
	}, `SELECT id, drill_id, problem, owner, due_on, done_on FROM prep_drill_task WHERE drill_id = $1 ORDER BY due_on, id`, id)
	return x, err
}

// CreateDrill records a drill and its follow-up tasks.
func (s *Service) CreateDrill(ctx context.Context, p *auth.Principal, x Drill) (Drill, error) {
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		x, err = s.createDrillTx(ctx, tx, p, x)
		return err
	})
	return x, err
}

func (s *Service) createDrillTx(ctx context.Context, tx *store.Tx, p *auth.Principal, x Drill) (Drill, error) {
	if p.Role == auth.RoleEnterprise {
		x.EnterpriseID = p.EnterpriseID
	}
	if p.Role == auth.RoleTown && x.RegionCode == "" {
		x.RegionCode = p.RegionCode
	}
	if err := ValidateDrill(&x); err != nil {
		return x, err
	}
	if err := s.checkEnterprise(ctx, p, x.EnterpriseID); err != nil {
		return x, err
	}
	if !CanWriteRow(p, x.RegionCode, x.EnterpriseID) {
		return x, errs.New(errs.Forbidden, "forbidden")
	}
	if x.PlanID != "" {
		if _, err := s.getPlan(ctx, tx, p, x.PlanID); err != nil {
			return x, errs.Field("plan_id", "prepare.plan_unknown", nil)
		}
	}
	now := s.now().UTC()
	if x.ID == "" {
		x.ID = ids.New()
	}
	x.CountyCode, x.CreatedAt, x.UpdatedAt = p.CountyCode, now, now
	if _, err := tx.ExecContext(ctx, `INSERT INTO prep_drill (`+drillCols+`) VALUES (`+placeholders(13)+`)`, x.ID, x.CountyCode, x.Name, x.PlanID,
		x.DrillOn, x.Form, x.RegionCode, x.EnterpriseID, x.Units, x.Participants, x.Evaluation, x.CreatedAt, x.UpdatedAt); err != nil {
		return x, fmt.Errorf("insert drill: %w", err)
	}
	var kept []DrillTask
	for _, t := range x.Tasks {
		if strings.TrimSpace(t.Problem) == "" {
			continue
		}
		t.ID, t.DrillID = ids.New(), x.ID
		if _, err := tx.ExecContext(ctx, `INSERT INTO prep_drill_task (id, county_code, drill_id, problem, owner, due_on, done_on, created_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, t.ID, x.CountyCode, x.ID, t.Problem, t.Owner, t.DueOn, t.DoneOn, now); err != nil {
			return x, fmt.Errorf("insert drill task: %w", err)
		}
		kept = append(kept, t)
	}
	x.Tasks = kept
	return x, s.record(ctx, tx, p, "prep_drill", x.ID, "create", nil, x)
}

// CloseTask marks a drill's follow-up task done.
func (s *Service) CloseTask(ctx context.Context, p *auth.Principal, drillID, taskID, on string) error {
	d, err := s.GetDrill(ctx, p, drillID)
	if err != nil {
		return err
	}
	if !CanWriteRow(p, d.RegionCode, d.EnterpriseID) {
		return errs.New(errs.Forbidden, "forbidden")
	}
	day, err := calendar.NormalizeDay(on)
	if err != nil {
		return errs.Field("done_on", "prepare.date_invalid", nil)
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE prep_drill_task SET done_on = $1 WHERE id = $2 AND drill_id = $3 AND done_on = ''`, day, taskID, drillID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return conflict("task_done")
		}
		return s.record(ctx, tx, p, "prep_drill", drillID, "task_done", nil, map[string]any{"task": taskID, "done_on": day})
	})
}

// ---- experts ----

const expertCols = `id, county_code, name, field, unit, title, phone, created_at, updated_at`

func expertFor(p *auth.Principal, e Expert) Expert {
	if !SeesPhone(p) && e.Phone != "" {
		e.Phone, e.PhoneMasked = person.MaskPhone(e.Phone), true
	}
	return e
}

// ExpertFilter selects experts.
type ExpertFilter struct {
	Q, Field      string
	Limit, Offset int
}

// ListExperts returns a page of experts and the total (every role of the
// county reads the pool; phones masked for roles without permission).
func (s *Service) ListExperts(ctx context.Context, p *auth.Principal, f ExpertFilter) ([]Expert, int, error) {
	var w store.Where
	w.Add("county_code = ?", p.CountyCode)
	if q := strings.TrimSpace(f.Q); q != "" {
		w.Add(`(name LIKE ? ESCAPE '\' OR unit LIKE ? ESCAPE '\')`, store.Like(q), store.Like(q))
	}
	if f.Field != "" {
		w.Add("field = ?", f.Field)
	}
	var total int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM prep_expert`+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 || f.Limit > 10000 {
		f.Limit = 50
	}
	lim, off := w.Arg(f.Limit), w.Arg(f.Offset)
	out, err := store.QueryAll(ctx, s.db.R(), func(rows *sql.Rows) (Expert, error) {
		var e Expert
		err := rows.Scan(&e.ID, &e.CountyCode, &e.Name, &e.Field, &e.Unit, &e.Title, &e.Phone, &e.CreatedAt, &e.UpdatedAt)
		return expertFor(p, e), err
	}, `SELECT `+expertCols+` FROM prep_expert`+w.SQL()+` ORDER BY field, name, id LIMIT `+lim+` OFFSET `+off, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("experts: %w", err)
	}
	return out, total, nil
}

// CreateExpert adds an expert to the pool (administrators, section staff).
func (s *Service) CreateExpert(ctx context.Context, p *auth.Principal, e Expert) (Expert, error) {
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		e, err = s.createExpertTx(ctx, tx, p, e)
		return err
	})
	return expertFor(p, e), err
}

func (s *Service) createExpertTx(ctx context.Context, tx *store.Tx, p *auth.Principal, e Expert) (Expert, error) {
	if !CanFile(p) {
		return e, errs.New(errs.Forbidden, "forbidden")
	}
	if err := ValidateExpert(&e); err != nil {
		return e, err
	}
	now := s.now().UTC()
	if e.ID == "" {
		e.ID = ids.New()
	}
	e.CountyCode, e.CreatedAt, e.UpdatedAt = p.CountyCode, now, now
	_, err := tx.ExecContext(ctx, `INSERT INTO prep_expert (`+expertCols+`) VALUES (`+placeholders(9)+`)`, e.ID, e.CountyCode, e.Name, e.Field,
		e.Unit, e.Title, e.Phone, e.CreatedAt, e.UpdatedAt)
	if store.IsUniqueViolation(err) {
		return e, errs.Field("name", "prepare.name_taken", nil)
	}
	if err != nil {
		return e, fmt.Errorf("insert expert: %w", err)
	}
	a := e
	a.Phone = person.MaskPhone(a.Phone)
	return e, s.record(ctx, tx, p, "prep_expert", e.ID, "create", nil, a)
}
