package hazard

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
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
)

// DateLayout is how dates are stored (TEXT, Asia/Shanghai calendar days).
const DateLayout = "2006-01-02"

// Date formats a day for storage ("" for zero).
func Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return day(t).Format(DateLayout)
}

// ParseDate reads a stored or typed day ("" gives zero).
func ParseDate(s string) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, nil
	}
	return time.ParseInLocation(DateLayout, strings.TrimSpace(s), shanghai)
}

func mustDate(s string) time.Time {
	t, _ := ParseDate(s)
	return t
}

// Record is a stored hazard.
type Record struct {
	ID            string    `json:"id"`
	CountyCode    string    `json:"county_code"`
	EnterpriseID  string    `json:"enterprise_id,omitempty"`
	PlaceName     string    `json:"place_name,omitempty"`
	TownCode      string    `json:"town_code"`
	Sector        string    `json:"sector,omitempty"`
	UnitID        string    `json:"unit_id,omitempty"`
	Source        Source    `json:"source"`
	SourceRef     string    `json:"source_ref,omitempty"`
	Campaign      string    `json:"campaign,omitempty"`
	Grade         Grade     `json:"grade,omitempty"`
	Clause        string    `json:"clause,omitempty"`
	Category      Category  `json:"category,omitempty"`
	Description   string    `json:"description"`
	Place         string    `json:"place,omitempty"`
	Responsible   string    `json:"responsible,omitempty"`
	Measures      string    `json:"measures,omitempty"`
	FoundOn       string    `json:"found_on"`
	Deadline      string    `json:"deadline,omitempty"`
	State         State     `json:"state"`
	OrderNumber   string    `json:"order_number,omitempty"`
	OnSite        bool      `json:"on_site"`
	RectifiedBy   string    `json:"rectified_by,omitempty"`
	RectifiedOn   string    `json:"rectified_on,omitempty"`
	VerifiedOn    string    `json:"verified_on,omitempty"`
	ReviewNumber  string    `json:"review_number,omitempty"`
	ClosedOn      string    `json:"closed_on,omitempty"`
	PlanMeasures  string    `json:"plan_measures,omitempty"`
	PlanFunds     string    `json:"plan_funds,omitempty"`
	PlanDeadline  string    `json:"plan_deadline,omitempty"`
	PlanPerson    string    `json:"plan_person,omitempty"`
	PlanEmergency string    `json:"plan_emergency,omitempty"`
	Listed        bool      `json:"listed"`
	Extensions    int       `json:"extensions"`
	Card          Card      `json:"card,omitempty"`
	CardSince     string    `json:"card_since,omitempty"`
	ReportedBy    string    `json:"reported_by"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// PlanComplete reports a complete 治理方案 (五到位).
func (r Record) PlanComplete() bool {
	return r.PlanMeasures != "" && r.PlanFunds != "" && r.PlanDeadline != "" && r.PlanPerson != "" && r.PlanEmergency != ""
}

// Rules returns the rule view of a record.
func (r Record) Rules() Hazard {
	return Hazard{State: r.State, Grade: r.Grade, Source: r.Source, Clause: r.Clause, FoundOn: mustDate(r.FoundOn),
		Deadline: mustDate(r.Deadline), RectifiedBy: r.RectifiedBy, Listed: r.Listed, PlanComplete: r.PlanComplete()}
}

// Cols lists the hazard columns in Scan order.
const Cols = `id, county_code, enterprise_id, place_name, town_code, sector, unit_id, source, source_ref, campaign, grade, clause, category,
	description, place, responsible, measures, found_on, deadline, state, order_number, on_site, rectified_by, rectified_on, verified_on,
	review_number, closed_on, plan_measures, plan_funds, plan_deadline, plan_person, plan_emergency, listed, extensions, card, card_since,
	reported_by, created_at, updated_at`

// Scan reads a row selected with Cols.
func Scan(row interface{ Scan(...any) error }) (Record, error) {
	var r Record
	err := row.Scan(&r.ID, &r.CountyCode, &r.EnterpriseID, &r.PlaceName, &r.TownCode, &r.Sector, &r.UnitID, &r.Source, &r.SourceRef,
		&r.Campaign, &r.Grade, &r.Clause, &r.Category, &r.Description, &r.Place, &r.Responsible, &r.Measures, &r.FoundOn, &r.Deadline,
		&r.State, &r.OrderNumber, &r.OnSite, &r.RectifiedBy, &r.RectifiedOn, &r.VerifiedOn, &r.ReviewNumber, &r.ClosedOn,
		&r.PlanMeasures, &r.PlanFunds, &r.PlanDeadline, &r.PlanPerson, &r.PlanEmergency, &r.Listed, &r.Extensions, &r.Card, &r.CardSince,
		&r.ReportedBy, &r.CreatedAt, &r.UpdatedAt)
	return r, err
}

// Event is one step in a hazard's timeline.
type Event struct {
	ID        string              `json:"id"`
	HazardID  string              `json:"hazard_id"`
	Action    Action              `json:"action"`
	From      State               `json:"from"`
	To        State               `json:"to"`
	OnDay     string              `json:"on_day"`
	At        time.Time           `json:"at"`
	ByUser    string              `json:"by_user"`
	ByName    string              `json:"by_name"`
	Note      string              `json:"note,omitempty"`
	DocNumber string              `json:"doc_number,omitempty"`
	Deadline  string              `json:"deadline,omitempty"`
	Evidence  int                 `json:"evidence"`
	Files     []attach.Attachment `json:"files,omitempty"`
}

// Recipients finds the users to notify.
type Recipients interface {
	UserIDsWhere(ctx context.Context, county, enterpriseID, unitID, townCode string, roles ...auth.Role) ([]string, error)
}

// Service runs the hazard loop.
type Service struct {
	db     *store.DB
	ent    *enterprise.Service
	attach *attach.Service
	notify *notify.Service
	people Recipients
	now    func() time.Time
	org    *org.Service                                             // set by WithOrg (ledgers, demo)
	clocks func(ctx context.Context, county string) (Clocks, error) // set by WithClocks
	// changed run inside the transaction of every change to hazards (see
	// OnChange).
	changed []ChangeFunc
	// docNumbers issues the order's and the review's document number
	// (see WithDocumentNumbers); nil: the number is typed.
	docNumbers DocumentNumbers
}

// DocumentNumbers issues the number of the 责令限期整改指令书 (step
// "order") or the 整改复查意见书 (step "review") of a hazard step inside
// the step's transaction; "" leaves the step without one.
type DocumentNumbers func(ctx context.Context, tx *store.Tx, p *auth.Principal, step, enterpriseID string, hazardIDs []string) (string, error)

// WithDocumentNumbers makes the order and review steps take their
// document number from the enforcement register when none is typed (the
// enforcement module wires it); it returns s.
func (s *Service) WithDocumentNumbers(fn DocumentNumbers) *Service {
	s.docNumbers = fn
	return s
}

// ChangeFunc is told, inside the writing transaction, which hazards a
// step, a report or an import changed.
type ChangeFunc func(ctx context.Context, tx *store.Tx, hazardIDs []string) error

// New returns a Service. The county's card rules are read from the
// setting CardRulesKey (ReadCardRules).
func New(db *store.DB, ent *enterprise.Service, at *attach.Service, n *notify.Service, people Recipients, now func() time.Time) *Service {
	return &Service{db: db, ent: ent, attach: at, notify: n, people: people, now: now}
}

// OnChange registers fn to run inside the transaction of every change to
// hazards: package supervise gives the changed hazards their card there
// and then, so that no page waits for the periodic sweep (which is only
// for the time passing).
func (s *Service) OnChange(fn ChangeFunc) { s.changed = append(s.changed, fn) }

// changedTx runs the OnChange functions for ids inside tx.
func (s *Service) changedTx(ctx context.Context, tx *store.Tx, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	for _, fn := range s.changed {
		if err := fn(ctx, tx, ids); err != nil {
			return err
		}
	}
	return nil
}

// Scope adds the principal's row limits on hazards to w: county-wide
// readers see the county; section staff their sectors; town staff their
// town; department staff what their unit recorded; enterprise accounts
// their own enterprise's hazards.
func Scope(p *auth.Principal, w *store.Where) {
	w.Add("county_code = ?", p.CountyCode)
	switch p.Role {
	case auth.RoleSection:
		w.In("sector", p.Sectors)
	case auth.RoleTown:
		if IsVillageStaff(p) {
			// Village staff (村级): the hazards of their village's
			// enterprises, by the enterprise register's scope rule.
			cond, args := enterprise.ScopeSQL(p, "enterprise_id")
			w.Add(cond, args...)
			return
		}
		townCond(w, p.RegionCode)
	case auth.RoleDepartment:
		w.Add("unit_id = ?", p.UnitID)
	case auth.RoleEnterprise:
		w.Add("enterprise_id = ?", p.EnterpriseID)
	}
}

// villageCodeLen is the length of a village's region code.
const villageCodeLen = 12

// IsVillageStaff reports whether p is town staff limited to one village.
func IsVillageStaff(p *auth.Principal) bool {
	return p.Role == auth.RoleTown && len(p.RegionCode) == villageCodeLen
}

// canSee is CanSee with the one rule a hazard record alone cannot answer:
// village staff see the hazards of their village's enterprises, which only
// the enterprise register knows (a hazard of a place, with no enterprise,
// is the town's).
func (s *Service) canSee(ctx context.Context, p *auth.Principal, r Record) bool {
	if !IsVillageStaff(p) {
		return CanSee(p, r)
	}
	if r.CountyCode != p.CountyCode || r.EnterpriseID == "" || s.ent == nil {
		return false
	}
	_, err := s.ent.Get(ctx, p, r.EnterpriseID)
	return err == nil
}

// CanSee reports whether a hazard is in the principal's scope. For village
// staff it is false: whether a hazard's enterprise lies in the village is
// the enterprise register's to say (Service.Get asks it); so village staff
// read their village's hazards but take no steps on them.
func CanSee(p *auth.Principal, r Record) bool {
	if r.CountyCode != p.CountyCode {
		return false
	}
	switch p.Role {
	case auth.RoleSection:
		for _, s := range p.Sectors {
			if s == r.Sector {
				return true
			}
		}
		return false
	case auth.RoleTown:
		return strings.HasPrefix(r.TownCode, p.RegionCode)
	case auth.RoleDepartment:
		return r.UnitID == p.UnitID
	case auth.RoleEnterprise:
		return r.EnterpriseID == p.EnterpriseID
	}
	return true
}

// ExtensionRequesters may ask for an extension of a hazard's deadline
// (延期申请): the enterprise for its own hazards, section staff and
// administrators on its behalf.
var ExtensionRequesters = []auth.Role{auth.RoleAdmin, auth.RoleSection, auth.RoleEnterprise}

// supervisors may grade, order, verify and close (the government side).
var supervisors = []auth.Role{auth.RoleAdmin, auth.RoleSection, auth.RoleEnforcer, auth.RoleTown, auth.RoleDepartment}

// MayAct reports whether the principal may take an action on a hazard in
// scope: the enterprise takes its own rectification steps (and every step
// of its general self-check hazards but verification); the government
// side takes the others.
func MayAct(p *auth.Principal, r Record, a Action) bool {
	if !CanSee(p, r) {
		return false
	}
	if p.Role == auth.RoleEnterprise {
		switch a {
		case ActStart, ActSubmit, ActSelfDone:
			return true
		case ActOrder:
			return r.Source == SourceSelfCheck
		}
		// 定级 (grading, and the 判定 of a major hazard) is the
		// supervising side's: an enterprise is not offered it, even on its
		// own self-check (Apply refuses it too).
		return false
	}
	return p.Is(supervisors...)
}

// NewHazard is a reported hazard.
type NewHazard struct {
	EnterpriseID string   `json:"enterprise_id"`
	PlaceName    string   `json:"place_name"`
	TownCode     string   `json:"town_code"` // needed when there is no enterprise
	Source       Source   `json:"source"`
	SourceRef    string   `json:"source_ref"`
	Campaign     string   `json:"campaign"`
	Category     Category `json:"category"`
	Description  string   `json:"description"`
	Place        string   `json:"place"`
	Responsible  string   `json:"responsible"`
	Measures     string   `json:"measures"`
	FoundOn      string   `json:"found_on"`
}

// Report records a newly found hazard (state 已上报).
func (s *Service) Report(ctx context.Context, p *auth.Principal, in NewHazard) (Record, error) {
	return store.InTxValue(ctx, s.db, func(tx *store.Tx) (Record, error) {
		return s.ReportTx(ctx, tx, p, in)
	})
}

// ReportTx records a hazard inside tx (imports and demo data). The
// hazard's timeline starts with a "report" event.
func (s *Service) ReportTx(ctx context.Context, tx *store.Tx, p *auth.Principal, in NewHazard) (Record, error) {
	return s.reportTx(ctx, tx, p, in, nil)
}

// ReportFiles records a hazard with photos taken when it was found; the
// files belong to its "report" event.
func (s *Service) ReportFiles(ctx context.Context, p *auth.Principal, in NewHazard, files []attach.Upload) (Record, error) {
	return store.InTxValue(ctx, s.db, func(tx *store.Tx) (Record, error) {
		return s.reportTx(ctx, tx, p, in, files)
	})
}

func (s *Service) reportTx(ctx context.Context, tx *store.Tx, p *auth.Principal, in NewHazard, files []attach.Upload) (Record, error) {
	r, err := s.prepare(ctx, p, in)
	if err != nil {
		return r, err
	}
	if err := s.insert(ctx, tx, r); err != nil {
		return r, err
	}
	ev := Event{ID: ids.New(), HazardID: r.ID, Action: ActReport, To: Reported, OnDay: r.FoundOn, At: r.CreatedAt, ByUser: p.UserID,
		ByName: p.DisplayName, DocNumber: r.SourceRef, Evidence: len(files)}
	if err := insertEvent(ctx, tx, ev); err != nil {
		return r, err
	}
	if err := s.saveFiles(ctx, tx, p, r.CountyCode, ev.ID, files); err != nil {
		return r, err
	}
	if err := s.changedTx(ctx, tx, r.ID); err != nil {
		return r, err
	}
	if p.Role == auth.RoleEnterprise {
		if err := s.announceSelfReport(ctx, tx, p, r); err != nil {
			return r, err
		}
	}
	return r, audit.Record(ctx, tx, s.now(), p.Actor(), audit.Entry{Entity: "hazard", EntityID: r.ID, Action: "create",
		After: map[string]any{"hazard": r, "files": len(files)}})
}

// announceSelfReport tells the government staff who answer for an
// enterprise that it reported a hazard (企业自查上报): the staff of its
// supervising section and of its town, in their inbox through the outbox.
func (s *Service) announceSelfReport(ctx context.Context, tx *store.Tx, p *auth.Principal, r Record) error {
	if s.notify == nil || s.people == nil {
		return nil
	}
	var users []string
	if e, err := s.ent.Get(ctx, p, r.EnterpriseID); err == nil && e.SectionID != "" {
		ids, err := s.people.UserIDsWhere(ctx, r.CountyCode, "", e.SectionID, "", auth.RoleSection)
		if err != nil {
			return err
		}
		users = append(users, ids...)
	}
	if r.TownCode != "" {
		ids, err := s.people.UserIDsWhere(ctx, r.CountyCode, "", "", r.TownCode, auth.RoleTown)
		if err != nil {
			return err
		}
		users = append(users, ids...)
	}
	title := "企业上报隐患：" + r.PlaceName
	for _, u := range users {
		if _, err := s.notify.Enqueue(ctx, tx, notify.Message{CountyCode: r.CountyCode, UserID: u, Topic: "hazard.reported", Title: title,
			Body: r.Description, Link: "/hazards/" + r.ID, Entity: "hazard", EntityID: r.ID, DedupeKey: "hazard.reported:" + r.ID + ":" + u}); err != nil {
			return err
		}
	}
	return nil
}

// lastStepOn is the day of a hazard's latest step (zero when none).
func lastStepOn(ctx context.Context, tx *store.Tx, hazardID string) (time.Time, error) {
	var last string
	err := tx.QueryRowContext(ctx, `SELECT on_day FROM hazard_event WHERE hazard_id = $1 ORDER BY on_day DESC LIMIT 1`, hazardID).Scan(&last)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("hazard events: %w", err)
	}
	return mustDate(last), nil
}

// nextAt is the recording time of a hazard's next event: now, or a
// microsecond after its latest event when the clock has not moved on
// (a frozen test clock, two instances with skewed clocks), so that the
// timeline's order (at, id) is the order the steps were taken in.
func nextAt(ctx context.Context, tx *store.Tx, hazardID string, now time.Time) (time.Time, error) {
	// ORDER BY … LIMIT 1, not max(at): SQLite returns an aggregate as text.
	var last time.Time
	err := tx.QueryRowContext(ctx, `SELECT at FROM hazard_event WHERE hazard_id = $1 ORDER BY at DESC LIMIT 1`, hazardID).Scan(&last)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return now, nil
	case err != nil:
		return now, fmt.Errorf("hazard events: %w", err)
	case !now.After(last):
		return last.UTC().Add(time.Microsecond), nil
	}
	return now, nil
}

// insertEvent writes one timeline event.
func insertEvent(ctx context.Context, tx *store.Tx, ev Event) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO hazard_event (id, hazard_id, action, from_state, to_state, on_day, at, by_user, by_name, note,
		doc_number, deadline, evidence) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)`,
		ev.ID, ev.HazardID, ev.Action, ev.From, ev.To, ev.OnDay, ev.At.UTC(), ev.ByUser, ev.ByName, ev.Note, ev.DocNumber, ev.Deadline, ev.Evidence); err != nil {
		return fmt.Errorf("hazard event: %w", err)
	}
	return nil
}

// saveFiles attaches evidence to an event: photos (any image type) or
// scanned documents (PDF); other types are refused.
func (s *Service) saveFiles(ctx context.Context, tx *store.Tx, p *auth.Principal, county, eventID string, files []attach.Upload) error {
	for _, f := range files {
		f.CountyCode, f.OwnerEntity, f.OwnerID, f.UploadedBy = county, "hazard_event", eventID, p.UserID
		a, err := s.attach.Save(ctx, tx, f)
		if err != nil {
			return err
		}
		if !attach.PhotoOrPDF(a.ContentType) {
			return errs.Field("files", "hazard.file_type", map[string]any{"Name": f.Filename})
		}
	}
	return nil
}

// prepare validates a new hazard and fills in what is copied from its
// enterprise; it does not write.
func (s *Service) prepare(ctx context.Context, p *auth.Principal, in NewHazard) (Record, error) {
	var fe errs.FieldErrors
	in.Description = strings.TrimSpace(in.Description)
	if in.Description == "" {
		fe = append(fe, errs.Field("description", "field.required", nil))
	}
	found, err := ParseDate(in.FoundOn)
	switch {
	case err != nil || found.IsZero():
		fe = append(fe, errs.Field("found_on", "hazard.found_on_invalid", nil))
	case day(found).After(day(s.now())):
		fe = append(fe, errs.Field("found_on", "hazard.found_on_future", nil))
	}
	if !validSource(in.Source) {
		fe = append(fe, errs.Field("source", "field.invalid", nil))
	}
	if in.Category != "" && !validCategory(in.Category) {
		fe = append(fe, errs.Field("category", "field.invalid", nil))
	}
	if p.Role == auth.RoleEnterprise {
		in.Source, in.EnterpriseID = SourceSelfCheck, p.EnterpriseID
	} else if !SourceOffered(p.Role, in.Source) {
		// 企业自查 is the enterprise's own source: a department records
		// what it found itself (部门检查).
		fe = append(fe, errs.Field("source", "hazard.source_not_yours", map[string]any{"Source": in.Source}))
	}
	r := Record{ID: ids.New(), CountyCode: p.CountyCode, EnterpriseID: in.EnterpriseID, PlaceName: strings.TrimSpace(in.PlaceName),
		TownCode: in.TownCode, UnitID: p.UnitID, Source: in.Source, SourceRef: in.SourceRef, Campaign: in.Campaign, Category: in.Category,
		Description: in.Description, Place: in.Place, Responsible: in.Responsible, Measures: in.Measures, FoundOn: Date(found),
		State: Reported, ReportedBy: p.UserID}
	if in.EnterpriseID != "" {
		e, err := s.ent.Get(ctx, p, in.EnterpriseID)
		if err != nil {
			fe = append(fe, errs.Field("enterprise_id", "hazard.enterprise_unknown", nil))
		} else {
			r.TownCode, r.Sector = e.TownCode, e.Sector
			if r.PlaceName == "" {
				r.PlaceName = e.Name
			}
		}
	} else if r.PlaceName == "" || r.TownCode == "" {
		fe = append(fe, errs.Field("enterprise_id", "hazard.enterprise_or_place", nil))
	}
	if err := fe.Err(); err != nil {
		return r, err
	}
	if p.Role == auth.RoleTown && !strings.HasPrefix(r.TownCode, p.RegionCode) {
		return r, errs.Field("town_code", "hazard.town_not_yours", nil)
	}
	if !p.Is(append(supervisors, auth.RoleEnterprise)...) {
		return r, errs.New(errs.Forbidden, "forbidden")
	}
	now := s.now().UTC()
	r.CreatedAt, r.UpdatedAt = now, now
	return r, nil
}

func validSource(x Source) bool {
	for _, s := range Sources {
		if s == x {
			return true
		}
	}
	return false
}

func validCategory(x Category) bool {
	for _, c := range Categories {
		if c == x {
			return true
		}
	}
	return false
}

// insert writes a new hazard and counts it in the tallies.
func (s *Service) insert(ctx context.Context, tx *store.Tx, r Record) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO hazard (`+Cols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,
		$21,$22,$23,$24,$25,$26,$27,$28,$29,$30,$31,$32,$33,$34,$35,$36,$37,$38,$39)`,
		r.ID, r.CountyCode, r.EnterpriseID, r.PlaceName, r.TownCode, r.Sector, r.UnitID, r.Source, r.SourceRef, r.Campaign, r.Grade, r.Clause,
		r.Category, r.Description, r.Place, r.Responsible, r.Measures, r.FoundOn, r.Deadline, r.State, r.OrderNumber, r.OnSite, r.RectifiedBy,
		r.RectifiedOn, r.VerifiedOn, r.ReviewNumber, r.ClosedOn, r.PlanMeasures, r.PlanFunds, r.PlanDeadline, r.PlanPerson, r.PlanEmergency,
		r.Listed, r.Extensions, r.Card, r.CardSince, r.ReportedBy, r.CreatedAt, r.UpdatedAt)
	if err != nil {
		return fmt.Errorf("insert hazard: %w", err)
	}
	return tallyRecords(ctx, tx, []Record{r})
}

func (s *Service) getTx(ctx context.Context, q store.Querier, id string) (Record, error) {
	r, err := Scan(q.QueryRowContext(ctx, `SELECT `+Cols+` FROM hazard WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, errs.New(errs.NotFound, "not_found")
	}
	if err != nil {
		return r, fmt.Errorf("hazard: %w", err)
	}
	return r, nil
}

// Get returns a hazard in scope.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id string) (Record, error) {
	r, err := s.getTx(ctx, s.db.R(), id)
	if err == nil && !s.canSee(ctx, p, r) {
		return Record{}, errs.OutOfScope("hazard", id)
	}
	return r, err
}

// Timeline returns a hazard's events with their files, oldest first.
func (s *Service) Timeline(ctx context.Context, p *auth.Principal, id string) ([]Event, error) {
	if _, err := s.Get(ctx, p, id); err != nil {
		return nil, err
	}
	rows, err := s.db.R().QueryContext(ctx, `SELECT id, hazard_id, action, from_state, to_state, on_day, at, by_user, by_name, note, doc_number,
		deadline, evidence FROM hazard_event WHERE hazard_id = $1 ORDER BY at, id`, id)
	if err != nil {
		return nil, fmt.Errorf("hazard events: %w", err)
	}
	var out []Event
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.ID, &e.HazardID, &e.Action, &e.From, &e.To, &e.OnDay, &e.At, &e.ByUser, &e.ByName, &e.Note, &e.DocNumber,
			&e.Deadline, &e.Evidence); err != nil {
			rows.Close()
			return nil, fmt.Errorf("hazard events: %w", err)
		}
		out = append(out, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Evidence > 0 && s.attach != nil {
			files, err := s.attach.List(ctx, "hazard_event", out[i].ID)
			if err != nil {
				return nil, err
			}
			out[i].Files = files
		}
	}
	return out, nil
}

// StepInput is a requested step with its details, as typed.
type StepInput struct {
	Action    Action `json:"action"`
	On        string `json:"on"` // the day it happened (default today)
	Grade     Grade  `json:"grade"`
	Clause    string `json:"clause"`
	Deadline  string `json:"deadline"`
	OnSite    bool   `json:"on_site"`
	DocNumber string `json:"doc_number"`
	Reason    string `json:"reason"`
	// Plan (治理方案, major hazards) may be given with the grade or order.
	PlanMeasures  string `json:"plan_measures"`
	PlanFunds     string `json:"plan_funds"`
	PlanDeadline  string `json:"plan_deadline"`
	PlanPerson    string `json:"plan_person"`
	PlanEmergency string `json:"plan_emergency"`
}

// Do applies a step to a hazard: the rules decide; the step, its files
// and the audit entry are written in one transaction, and the enterprise
// is notified of an order. A refused step changes nothing and names the
// rule.
func (s *Service) Do(ctx context.Context, p *auth.Principal, id string, in StepInput, files []attach.Upload) (Record, error) {
	return store.InTxValue(ctx, s.db, func(tx *store.Tx) (Record, error) {
		return s.DoTx(ctx, tx, p, id, in, files)
	})
}

// DoTx applies a step inside tx. An extension (延期) is not a step one
// takes: a deadline moves only through an approved extension request
// (ExtendTx, called by package supervise when the request is approved).
func (s *Service) DoTx(ctx context.Context, tx *store.Tx, p *auth.Principal, id string, in StepInput, files []attach.Upload) (Record, error) {
	if in.Action == ActExtend {
		return Record{}, &errs.Error{Kind: errs.Conflict, Message: "hazard.rule.extend_needs_request", Field: "action"}
	}
	return s.doTx(ctx, tx, p, id, in, files, "")
}

// Extension is an approved extension request (延期申请) applied to its
// hazard.
type Extension struct {
	RequestID string // the approved request (package supervise)
	On        string // the day of the approval
	Deadline  string // the new deadline
	Reason    string
}

// ExtendTx moves a hazard's deadline inside tx for an approved extension
// request: the 延期 step on the hazard's timeline, its extension count,
// its card. Package supervise calls it when the request is approved, in
// the approval's transaction.
func (s *Service) ExtendTx(ctx context.Context, tx *store.Tx, p *auth.Principal, id string, x Extension) (Record, error) {
	if strings.TrimSpace(x.RequestID) == "" {
		return Record{}, &errs.Error{Kind: errs.Conflict, Message: "hazard.rule.extend_needs_request", Field: "action"}
	}
	return s.doTx(ctx, tx, p, id, StepInput{Action: ActExtend, On: x.On, Deadline: x.Deadline, Reason: x.Reason}, nil, x.RequestID)
}

// doTx applies a step inside tx; request is the approved extension
// request an extension carries.
func (s *Service) doTx(ctx context.Context, tx *store.Tx, p *auth.Principal, id string, in StepInput, files []attach.Upload, request string) (Record, error) {
	before, err := s.getTx(ctx, tx, id)
	if err != nil {
		return before, err
	}
	if !CanSee(p, before) {
		return before, errs.OutOfScope("hazard", id)
	}
	if !MayAct(p, before, in.Action) {
		return before, errs.New(errs.Forbidden, "hazard.action_forbidden")
	}
	on := day(s.now())
	if in.On != "" {
		if on, err = ParseDate(in.On); err != nil {
			return before, errs.Field("on", "hazard.date_invalid", nil)
		}
	}
	if day(on).After(day(s.now())) {
		return before, errs.Field("on", "hazard.date_future", nil)
	}
	deadline, err := ParseDate(in.Deadline)
	if err != nil {
		return before, errs.Field("deadline", "hazard.date_invalid", nil)
	}
	r := before
	if in.PlanMeasures != "" || in.PlanFunds != "" || in.PlanDeadline != "" || in.PlanPerson != "" || in.PlanEmergency != "" {
		r.PlanMeasures, r.PlanFunds, r.PlanDeadline, r.PlanPerson, r.PlanEmergency =
			in.PlanMeasures, in.PlanFunds, in.PlanDeadline, in.PlanPerson, in.PlanEmergency
	}
	if in.Action == ActGrade && in.Grade == Major && !ClauseFits(strings.TrimSpace(in.Clause), r.Sector) {
		// A major hazard is determined by the standard of its industry.
		c, _ := ClauseOf(strings.TrimSpace(in.Clause))
		return before, errs.Field("clause", "hazard.clause_sector", map[string]any{"Standard": c.Standard})
	}
	if s.docNumbers != nil && strings.TrimSpace(in.DocNumber) == "" && p.Role != auth.RoleEnterprise &&
		(in.Action == ActOrder && !in.OnSite || in.Action == ActVerify) {
		step := "order"
		if in.Action == ActVerify {
			step = "review"
		}
		if in.DocNumber, err = s.docNumbers(ctx, tx, p, step, r.EnterpriseID, []string{r.ID}); err != nil {
			return before, err
		}
	}
	ruleView := r.Rules()
	if ruleView.LastOn, err = lastStepOn(ctx, tx, r.ID); err != nil {
		return before, err
	}
	next, err := Apply(ruleView, Step{Action: in.Action, By: p.UserID, ByEnterprise: p.Role == auth.RoleEnterprise, On: on,
		Grade: in.Grade, Clause: in.Clause, Deadline: deadline, OnSite: in.OnSite, DocNumber: strings.TrimSpace(in.DocNumber),
		Evidence: len(files), Reason: in.Reason, Request: request})
	var re *RuleError
	if errors.As(err, &re) {
		return before, refusal(re)
	}
	if err != nil {
		return before, err
	}
	r.State, r.Grade, r.Clause, r.Deadline, r.RectifiedBy = next.State, next.Grade, next.Clause, Date(next.Deadline), next.RectifiedBy
	dayStr := Date(on)
	switch in.Action {
	case ActOrder:
		r.OrderNumber, r.OnSite = strings.TrimSpace(in.DocNumber), in.OnSite
	case ActSubmit, ActSelfDone:
		r.RectifiedOn = dayStr
	case ActVerify:
		r.VerifiedOn, r.ReviewNumber = dayStr, strings.TrimSpace(in.DocNumber)
	case ActReturn:
		r.RectifiedOn, r.VerifiedOn = "", ""
	case ActExtend:
		r.Extensions++
	}
	if r.State == Closed {
		r.ClosedOn, r.Card, r.CardSince = dayStr, NoCard, ""
		if in.Action == ActSelfDone {
			r.VerifiedOn = dayStr
		}
	}
	now := s.now().UTC()
	r.UpdatedAt = now
	if _, err := tx.ExecContext(ctx, `UPDATE hazard SET state=$1, grade=$2, clause=$3, deadline=$4, rectified_by=$5, order_number=$6, on_site=$7,
		rectified_on=$8, verified_on=$9, review_number=$10, closed_on=$11, extensions=$12, card=$13, card_since=$14, plan_measures=$15,
		plan_funds=$16, plan_deadline=$17, plan_person=$18, plan_emergency=$19, updated_at=$20 WHERE id=$21`,
		r.State, r.Grade, r.Clause, r.Deadline, r.RectifiedBy, r.OrderNumber, r.OnSite, r.RectifiedOn, r.VerifiedOn, r.ReviewNumber,
		r.ClosedOn, r.Extensions, r.Card, r.CardSince, r.PlanMeasures, r.PlanFunds, r.PlanDeadline, r.PlanPerson, r.PlanEmergency, now, r.ID); err != nil {
		return before, fmt.Errorf("update hazard: %w", err)
	}
	if err := tallyStep(ctx, tx, before, r); err != nil {
		return before, err
	}
	at, err := nextAt(ctx, tx, r.ID, now)
	if err != nil {
		return before, err
	}
	ev := Event{ID: ids.New(), HazardID: r.ID, Action: in.Action, From: before.State, To: r.State, OnDay: dayStr, At: at, ByUser: p.UserID,
		ByName: p.DisplayName, Note: strings.TrimSpace(in.Reason), DocNumber: strings.TrimSpace(in.DocNumber), Deadline: r.Deadline, Evidence: len(files)}
	if err := insertEvent(ctx, tx, ev); err != nil {
		return before, err
	}
	if err := s.saveFiles(ctx, tx, p, r.CountyCode, ev.ID, files); err != nil {
		return before, err
	}
	if err := s.changedTx(ctx, tx, r.ID); err != nil {
		return before, err
	}
	if after, err := s.getTx(ctx, tx, r.ID); err == nil {
		r.Card, r.CardSince = after.Card, after.CardSince // as the card rules set it
	}
	if err := audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "hazard", EntityID: r.ID, Action: string(in.Action),
		Before: map[string]any{"state": before.State, "deadline": before.Deadline},
		After: map[string]any{"state": r.State, "deadline": r.Deadline, "doc": ev.DocNumber, "note": ev.Note, "files": len(files),
			"extension_request": request}}); err != nil {
		return before, err
	}
	if in.Action == ActOrder && r.EnterpriseID != "" && s.notify != nil {
		if err := s.tell(ctx, tx, r, "hazard.order", "hazard.order:"+r.ID+":"+r.Deadline, "整改通知：限期整改隐患",
			fmt.Sprintf("%s：%s，整改期限 %s。", r.PlaceName, r.Description, r.Deadline)); err != nil {
			return before, err
		}
	}
	return r, nil
}

// tell notifies the hazard's enterprise users (in-app and configured
// channels) through the outbox, once per dedupe key.
func (s *Service) tell(ctx context.Context, tx *store.Tx, r Record, topic, key, title, body string) error {
	users, err := s.people.UserIDsWhere(ctx, r.CountyCode, r.EnterpriseID, "", "")
	if err != nil {
		return err
	}
	for _, u := range users {
		if _, err := s.notify.Enqueue(ctx, tx, notify.Message{CountyCode: r.CountyCode, UserID: u, Topic: topic, Title: title, Body: body,
			Link: "/hazards/" + r.ID, Entity: "hazard", EntityID: r.ID, DedupeKey: key + ":" + u}); err != nil {
			return err
		}
	}
	return nil
}

// SetListedTx marks a hazard as under listed supervision (挂牌督办) or not,
// inside tx; package supervise calls it when it lists a major hazard. It
// checks scope and audits; the listing's own rules (major, plan complete,
// not listed before) are the caller's.
func (s *Service) SetListedTx(ctx context.Context, tx *store.Tx, p *auth.Principal, id string, listed bool) (Record, error) {
	r, err := s.getTx(ctx, tx, id)
	if err != nil {
		return r, err
	}
	if !CanSee(p, r) {
		return r, errs.OutOfScope("hazard", id)
	}
	if r.Listed == listed {
		return r, nil
	}
	now := s.now().UTC()
	if _, err := tx.ExecContext(ctx, `UPDATE hazard SET listed = $1, updated_at = $2 WHERE id = $3`, listed, now, id); err != nil {
		return r, fmt.Errorf("list hazard: %w", err)
	}
	before := r.Listed
	r.Listed, r.UpdatedAt = listed, now
	return r, audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "hazard", EntityID: id, Action: "list",
		Before: map[string]any{"listed": before}, After: map[string]any{"listed": listed}})
}

// RenameEnterpriseTx gives an enterprise's hazards its new name (the
// ledger shows and searches place_name), inside the renaming transaction.
func (s *Service) RenameEnterpriseTx(ctx context.Context, tx *store.Tx, enterpriseID, name string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE hazard SET place_name = $1 WHERE enterprise_id = $2`, name, enterpriseID); err != nil {
		return fmt.Errorf("rename hazards' enterprise: %w", err)
	}
	return nil
}

// refusal is the application error of a refused step: a missing or wrong
// field is Invalid (422) naming the field; a step the hazard as it stands
// refuses (its state, the actor, its record) is a Conflict (409) naming
// the rule. Either carries the rule's code as its message.
func refusal(re *RuleError) *errs.Error {
	if f := re.Field(); f != "" {
		return &errs.Error{Kind: errs.Invalid, Message: re.Rule, Args: re.Args, Field: f, Err: re}
	}
	return &errs.Error{Kind: errs.Conflict, Message: re.Rule, Args: re.Args, Field: "action", Err: re}
}
