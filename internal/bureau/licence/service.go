package licence

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/store"
)

// Recipients returns the users to warn about an enterprise's licence: the
// supervising section's staff and the enterprise's own accounts.
type Recipients func(ctx context.Context, county, sectionID, enterpriseID string) ([]string, error)

// Config holds what the Service needs.
type Config struct {
	DB         *store.DB
	Enterprise *enterprise.Service
	Notify     *notify.Service // nil: no expiry notifications
	Now        func() time.Time
	CountyName string // for the default issuer name and abbreviation
	Recipients Recipients
}

// Service runs licence applications and the licence register within the
// caller's scope.
type Service struct {
	db         *store.DB
	ent        *enterprise.Service
	notify     *notify.Service
	now        func() time.Time
	countyName string
	recipients Recipients
}

// New returns a Service.
func New(c Config) *Service {
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Service{db: c.DB, ent: c.Enterprise, notify: c.Notify, now: c.Now, countyName: c.CountyName, recipients: c.Recipients}
}

// today is the current calendar date in Shanghai.
func (s *Service) today() time.Time { return Today(s.now()) }

// Who may do what. Everyone who may see the enterprise may read its
// licences and applications.

// CanWrite reports whether p may take the county's steps on e's
// applications and licences (administrators and the supervising section).
func CanWrite(p *auth.Principal, e enterprise.Enterprise) bool {
	return p.Is(auth.RoleAdmin, auth.RoleSection) && enterprise.CanSee(p, e)
}

// CanDecide reports whether p may record the licensing decision on e's
// applications (the writers and the bureau's leaders).
func CanDecide(p *auth.Principal, e enterprise.Enterprise) bool {
	return p.Is(auth.RoleAdmin, auth.RoleSection, auth.RoleLeader) && enterprise.CanSee(p, e)
}

// CanSubmit reports whether p may file an application for e: the writers,
// and an enterprise account for its own enterprise.
func CanSubmit(p *auth.Principal, e enterprise.Enterprise) bool {
	return CanWrite(p, e) || (p.Role == auth.RoleEnterprise && e.ID == p.EnterpriseID && enterprise.CanSee(p, e))
}

// MayAct reports whether p may take action on e's application.
func MayAct(p *auth.Principal, e enterprise.Enterprise, action string) bool {
	if Decider(action) {
		return CanDecide(p, e)
	}
	return CanWrite(p, e)
}

func nullInt(n int) any {
	if n == 0 {
		return nil
	}
	return int64(n)
}

const appCols = `id, county_code, enterprise_id, type, kind, state, prev_licence_id, scope, note, submitted_on, accepted_on, limit_days,
	review_on, closed_on, close_reason, decided_on, decision, decision_reason, decision_number, decision_year, decision_serial,
	overdue_reason, issued_on, prelim_on, prelim_opinion, forwarded_on, forward_note, city_on, city_decision, city_reason,
	licence_id, created_by, created_at, updated_at`

func scanApp(row interface{ Scan(...any) error }) (Application, error) {
	var a Application
	var limit int64
	var dy, ds sql.NullInt64
	err := row.Scan(&a.ID, &a.CountyCode, &a.EnterpriseID, &a.Type, &a.Kind, &a.State, &a.PrevLicenceID, &a.Scope, &a.Note,
		&a.SubmittedOn, &a.AcceptedOn, &limit, &a.ReviewOn, &a.ClosedOn, &a.CloseReason, &a.DecidedOn, &a.Decision, &a.DecisionReason,
		&a.DecisionNumber, &dy, &ds, &a.OverdueReason, &a.IssuedOn, &a.PrelimOn, &a.PrelimOpinion, &a.ForwardedOn, &a.ForwardNote,
		&a.CityOn, &a.CityDecision, &a.CityReason, &a.LicenceID, &a.CreatedBy, &a.CreatedAt, &a.UpdatedAt)
	a.LimitDays, a.DecisionYear, a.DecisionSerial = int(limit), int(dy.Int64), int(ds.Int64)
	return a, err
}

func appArgs(a Application) []any {
	return []any{a.ID, a.CountyCode, a.EnterpriseID, a.Type, a.Kind, a.State, a.PrevLicenceID, a.Scope, a.Note, a.SubmittedOn,
		a.AcceptedOn, int64(a.LimitDays), a.ReviewOn, a.ClosedOn, a.CloseReason, a.DecidedOn, a.Decision, a.DecisionReason,
		a.DecisionNumber, nullInt(a.DecisionYear), nullInt(a.DecisionSerial), a.OverdueReason, a.IssuedOn, a.PrelimOn,
		a.PrelimOpinion, a.ForwardedOn, a.ForwardNote, a.CityOn, a.CityDecision, a.CityReason, a.LicenceID, a.CreatedBy,
		a.CreatedAt.UTC(), a.UpdatedAt.UTC()}
}

const licCols = `id, county_code, enterprise_id, type, number, number_year, number_serial, issuer, issuer_name, scope, issued_on,
	valid_from, valid_to, status, ended_on, end_reason, application_id, replaces_id, source, created_at, updated_at`

func scanLic(row interface{ Scan(...any) error }) (Licence, error) {
	var l Licence
	var ny, ns sql.NullInt64
	err := row.Scan(&l.ID, &l.CountyCode, &l.EnterpriseID, &l.Type, &l.Number, &ny, &ns, &l.Issuer, &l.IssuerName, &l.Scope,
		&l.IssuedOn, &l.ValidFrom, &l.ValidTo, &l.Status, &l.EndedOn, &l.EndReason, &l.ApplicationID, &l.ReplacesID, &l.Source,
		&l.CreatedAt, &l.UpdatedAt)
	l.NumberYear, l.NumberSerial = int(ny.Int64), int(ns.Int64)
	return l, err
}

func licArgs(l Licence) []any {
	return []any{l.ID, l.CountyCode, l.EnterpriseID, l.Type, l.Number, nullInt(l.NumberYear), nullInt(l.NumberSerial), l.Issuer,
		l.IssuerName, l.Scope, l.IssuedOn, l.ValidFrom, l.ValidTo, l.Status, l.EndedOn, l.EndReason, l.ApplicationID, l.ReplacesID,
		l.Source, l.CreatedAt.UTC(), l.UpdatedAt.UTC()}
}

// placeholders returns "$1,$2,…,$n" starting after offset.
func placeholders(offset, n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteString(",")
		}
		b.WriteString("$" + strconv.Itoa(offset+i))
	}
	return b.String()
}

func (s *Service) getApp(ctx context.Context, q store.Querier, id string) (Application, error) {
	a, err := scanApp(q.QueryRowContext(ctx, `SELECT `+appCols+` FROM licence_application WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, errs.New(errs.NotFound, "not_found")
	}
	if err != nil {
		return a, fmt.Errorf("licence application: %w", err)
	}
	return a, nil
}

func (s *Service) getLic(ctx context.Context, q store.Querier, id string) (Licence, error) {
	l, err := scanLic(q.QueryRowContext(ctx, `SELECT `+licCols+` FROM licence WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return l, errs.New(errs.NotFound, "not_found")
	}
	if err != nil {
		return l, fmt.Errorf("licence: %w", err)
	}
	return l, nil
}

// Event is one dated step on an application's timeline.
type Event struct {
	ID            string    `json:"id"`
	ApplicationID string    `json:"application_id"`
	Action        string    `json:"action"`
	StateFrom     string    `json:"state_from"`
	StateTo       string    `json:"state_to"`
	On            string    `json:"on"`   // the date of the act
	Note          string    `json:"note"` // reason, opinion or remark
	ByUser        string    `json:"by_user"`
	ByName        string    `json:"by_name"`
	At            time.Time `json:"at"` // when it was recorded
}

func (s *Service) addEvent(ctx context.Context, tx *store.Tx, p *auth.Principal, a Application, action, from, on, note string, now time.Time) error {
	name := p.DisplayName
	if name == "" {
		name = p.Username
	}
	var seq int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(max(seq), 0) + 1 FROM licence_event WHERE application_id = $1`, a.ID).Scan(&seq); err != nil {
		return fmt.Errorf("licence event: %w", err)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO licence_event (id, county_code, application_id, seq, action, state_from, state_to, on_date, note,
		by_user, by_name, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		ids.New(), a.CountyCode, a.ID, seq, action, from, a.State, on, note, p.UserID, name, now)
	if err != nil {
		return fmt.Errorf("licence event: %w", err)
	}
	return nil
}

// Events returns an application's timeline, oldest first.
func (s *Service) events(ctx context.Context, id string) ([]Event, error) {
	rows, err := s.db.R().QueryContext(ctx, `SELECT id, application_id, action, state_from, state_to, on_date, note, by_user, by_name, at
		FROM licence_event WHERE application_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("licence events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.ID, &e.ApplicationID, &e.Action, &e.StateFrom, &e.StateTo, &e.On, &e.Note, &e.ByUser, &e.ByName, &e.At); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// enterpriseOf returns the enterprise of a record if p may see it; an
// enterprise account reaching for another enterprise's record is told so.
func (s *Service) enterpriseOf(ctx context.Context, p *auth.Principal, id string) (enterprise.Enterprise, error) {
	e, err := s.ent.Get(ctx, p, id)
	if err != nil {
		if _, refused := errs.RefusedOf(err); errs.KindOf(err) == errs.NotFound && !refused {
			return e, errs.New(errs.NotFound, "not_found")
		}
		return e, err
	}
	return e, nil
}

// AppView is an application with what its page shows.
type AppView struct {
	Application
	Enterprise enterprise.Enterprise `json:"enterprise"`
	Timer      *Timer                `json:"timer,omitempty"`
	Events     []Event               `json:"events"`
	Licence    *Licence              `json:"licence,omitempty"`
	Prev       *Licence              `json:"prev_licence,omitempty"`
	Allowed    []string              `json:"allowed"` // actions this user may take now
}

// GetApplication returns an application in scope with its timeline.
func (s *Service) GetApplication(ctx context.Context, p *auth.Principal, id string) (AppView, error) {
	a, err := s.getApp(ctx, s.db.R(), id)
	if err != nil {
		return AppView{}, err
	}
	e, err := s.enterpriseOf(ctx, p, a.EnterpriseID)
	if err != nil {
		return AppView{}, errs.Rescope(err, "licence_application", id)
	}
	set, err := s.Settings(ctx, a.CountyCode)
	if err != nil {
		return AppView{}, err
	}
	v := AppView{Application: a, Enterprise: e}
	if t, ok := TimerOf(a, set.Calendar(), s.today()); ok {
		v.Timer = &t
	}
	if v.Events, err = s.events(ctx, a.ID); err != nil {
		return v, err
	}
	for _, ref := range []struct {
		id  string
		dst **Licence
	}{{a.LicenceID, &v.Licence}, {a.PrevLicenceID, &v.Prev}} {
		if ref.id == "" {
			continue
		}
		l, err := s.getLic(ctx, s.db.R(), ref.id)
		if err != nil {
			return v, err
		}
		*ref.dst = &l
	}
	for _, act := range Allowed(a.Type, a.State) {
		if MayAct(p, e, act) {
			v.Allowed = append(v.Allowed, act)
		}
	}
	return v, nil
}

// LicView is a licence with what its page shows.
type LicView struct {
	Licence
	Enterprise  enterprise.Enterprise `json:"enterprise"`
	Show        string                `json:"display_status"`
	DaysLeft    int                   `json:"days_left"`
	Application *Application          `json:"application,omitempty"`
	ReplacedBy  *Licence              `json:"replaced_by,omitempty"`
	Replaces    *Licence              `json:"replaces,omitempty"`
	CanCancel   bool                  `json:"-"`
}

// GetLicence returns a licence in scope.
func (s *Service) GetLicence(ctx context.Context, p *auth.Principal, id string) (LicView, error) {
	l, err := s.getLic(ctx, s.db.R(), id)
	if err != nil {
		return LicView{}, err
	}
	e, err := s.enterpriseOf(ctx, p, l.EnterpriseID)
	if err != nil {
		return LicView{}, errs.Rescope(err, "licence", id)
	}
	today := s.today()
	v := LicView{Licence: l, Enterprise: e, Show: Show(l, today), DaysLeft: DaysLeft(l.ValidTo, today)}
	v.CanCancel = l.Status == LicenceActive && CanWrite(p, e)
	if l.ApplicationID != "" {
		a, err := s.getApp(ctx, s.db.R(), l.ApplicationID)
		if err != nil {
			return v, err
		}
		v.Application = &a
	}
	if l.ReplacesID != "" {
		r, err := s.getLic(ctx, s.db.R(), l.ReplacesID)
		if err != nil {
			return v, err
		}
		v.Replaces = &r
	}
	r, err := scanLic(s.db.R().QueryRowContext(ctx, `SELECT `+licCols+` FROM licence WHERE replaces_id = $1 ORDER BY issued_on DESC LIMIT 1`, l.ID))
	switch {
	case err == nil:
		v.ReplacedBy = &r
	case !errors.Is(err, sql.ErrNoRows):
		return v, fmt.Errorf("licence replaced by: %w", err)
	}
	return v, nil
}

// AppFilter selects applications for the list.
type AppFilter struct {
	Type         string
	Kind         string
	State        string
	Open         bool // only those in progress (办理中)
	Town         string
	EnterpriseID string
	Q            string // enterprise name or credit code
	From, To     string // submitted in [From, To] (YYYY-MM-DD)
	Limit        int
	Offset       int
}

// scope limits rows by enterprise to the principal's scope, plus the
// town and enterprise-name filters, which also go through the enterprise
// package.
func (s *Service) scope(ctx context.Context, p *auth.Principal, w *store.Where, town, entID, q string) error {
	w.Add("county_code = ?", p.CountyCode)
	enterprise.ScopeSubquery(p, w, "enterprise_id")
	if town != "" {
		// The enterprises of one town, as a town's staff would see them.
		enterprise.ScopeSubquery(&auth.Principal{Role: auth.RoleTown, CountyCode: p.CountyCode, RegionCode: town}, w, "enterprise_id")
	}
	if entID != "" {
		w.Add("enterprise_id = ?", entID)
	}
	if q = strings.TrimSpace(q); q != "" {
		list, _, err := s.ent.List(ctx, p, enterprise.Filter{Q: q, Limit: 500})
		if err != nil {
			return err
		}
		idList := make([]string, len(list))
		for i, e := range list {
			idList[i] = e.ID
		}
		w.In("enterprise_id", idList)
	}
	return nil
}

func (f AppFilter) where(ctx context.Context, s *Service, p *auth.Principal) (*store.Where, error) {
	var w store.Where
	if err := s.scope(ctx, p, &w, f.Town, f.EnterpriseID, f.Q); err != nil {
		return nil, err
	}
	if f.Type != "" {
		w.Add("type = ?", f.Type)
	}
	if f.Kind != "" {
		w.Add("kind = ?", f.Kind)
	}
	if f.State != "" {
		w.Add("state = ?", f.State)
	}
	if f.Open {
		w.In("state", OpenStates)
	}
	if d, err := NormalizeDay(f.From); err == nil {
		w.Add("submitted_on >= ?", d)
	}
	if d, err := NormalizeDay(f.To); err == nil {
		w.Add("submitted_on <= ?", d)
	}
	return &w, nil
}

// AppRow is an application in a list, with its enterprise and clock.
type AppRow struct {
	Application
	EnterpriseName string `json:"enterprise_name"`
	TownCode       string `json:"town_code"`
	Timer          *Timer `json:"timer,omitempty"`
}

// ListApplications returns a page of applications in scope, newest
// first, and the total.
func (s *Service) ListApplications(ctx context.Context, p *auth.Principal, f AppFilter) ([]AppRow, int, error) {
	w, err := f.where(ctx, s, p)
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM licence_application`+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count applications: %w", err)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 50
	}
	lim, off := w.Arg(f.Limit), w.Arg(f.Offset)
	var out []AppRow
	err = s.eachApp(ctx, p, `SELECT `+appCols+` FROM licence_application`+w.SQL()+` ORDER BY submitted_on DESC, id DESC LIMIT `+lim+` OFFSET `+off,
		w.Args(), func(r AppRow) error { out = append(out, r); return nil })
	return out, total, err
}

// EachApplication streams every application in scope matching f (export).
func (s *Service) EachApplication(ctx context.Context, p *auth.Principal, f AppFilter, fn func(AppRow) error) error {
	w, err := f.where(ctx, s, p)
	if err != nil {
		return err
	}
	return s.eachApp(ctx, p, `SELECT `+appCols+` FROM licence_application`+w.SQL()+` ORDER BY submitted_on DESC, id DESC`, w.Args(), fn)
}

func (s *Service) eachApp(ctx context.Context, p *auth.Principal, query string, args []any, fn func(AppRow) error) error {
	rows, err := s.db.R().QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("applications: %w", err)
	}
	var list []Application
	for rows.Next() {
		a, err := scanApp(rows)
		if err != nil {
			rows.Close()
			return fmt.Errorf("applications: %w", err)
		}
		list = append(list, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	ents, err := s.enterprises(ctx, p, len(list), func(i int) string { return list[i].EnterpriseID })
	if err != nil {
		return err
	}
	set, err := s.Settings(ctx, p.CountyCode)
	if err != nil {
		return err
	}
	cal, today := set.Calendar(), s.today()
	for _, a := range list {
		e := ents[a.EnterpriseID]
		r := AppRow{Application: a, EnterpriseName: e.Name, TownCode: e.TownCode}
		if t, ok := TimerOf(a, cal, today); ok {
			r.Timer = &t
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// enterprises returns the enterprises of n records by id (those in
// scope): one by one for a page, all in scope at once for a long list.
func (s *Service) enterprises(ctx context.Context, p *auth.Principal, n int, idOf func(int) string) (map[string]enterprise.Enterprise, error) {
	out := map[string]enterprise.Enterprise{}
	if n == 0 {
		return out, nil
	}
	if n > 500 {
		err := s.ent.Each(ctx, p, enterprise.Filter{}, func(e enterprise.Enterprise) error { out[e.ID] = e; return nil })
		return out, err
	}
	// One query for the page's enterprises (not one per row).
	seen := map[string]bool{}
	idList := make([]string, 0, n)
	for i := 0; i < n; i++ {
		if id := idOf(i); !seen[id] {
			seen[id] = true
			idList = append(idList, id)
		}
	}
	if err := s.ent.Each(ctx, p, enterprise.Filter{IDs: idList}, func(e enterprise.Enterprise) error { out[e.ID] = e; return nil }); err != nil {
		return nil, err
	}
	return out, nil
}

// LicFilter selects licences for the register.
type LicFilter struct {
	Type         string
	Show         string // valid | expiring | expired | cancelled | replaced
	Town         string
	EnterpriseID string
	Q            string // number fragment, enterprise name or credit code
	IssuedFrom   string // issued in [IssuedFrom, IssuedTo]
	IssuedTo     string
	Within       int // in force and expiring within this many days
	Limit        int
	Offset       int
}

func (f LicFilter) where(ctx context.Context, s *Service, p *auth.Principal, today time.Time) (*store.Where, error) {
	var w store.Where
	q := strings.TrimSpace(f.Q)
	if err := s.scope(ctx, p, &w, f.Town, f.EnterpriseID, ""); err != nil {
		return nil, err
	}
	if q != "" {
		list, _, err := s.ent.List(ctx, p, enterprise.Filter{Q: q, Limit: 500})
		if err != nil {
			return nil, err
		}
		cond := `number LIKE ? ESCAPE '\'`
		args := []any{store.Like(q)}
		if len(list) > 0 {
			cond += " OR enterprise_id IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(list)), ", ") + ")"
			for _, e := range list {
				args = append(args, e.ID)
			}
		}
		w.Add("("+cond+")", args...)
	}
	if f.Type != "" {
		w.Add("type = ?", f.Type)
	}
	t := today.Format(DateLayout)
	soon := today.AddDate(0, 0, ExpiringDays).Format(DateLayout)
	switch f.Show {
	case ShowValid:
		w.Add("status = ? AND valid_to > ?", LicenceActive, soon)
	case ShowExpiring:
		w.Add("status = ? AND valid_to >= ? AND valid_to <= ?", LicenceActive, t, soon)
	case ShowExpired:
		w.Add("status = ? AND valid_to < ?", LicenceActive, t)
	case ShowCancelled:
		w.Add("status = ?", LicenceCancelled)
	case ShowReplaced:
		w.Add("status = ?", LicenceReplaced)
	}
	if f.Within > 0 {
		w.Add("status = ? AND valid_to >= ? AND valid_to <= ?", LicenceActive, t, today.AddDate(0, 0, f.Within).Format(DateLayout))
	}
	if d, err := NormalizeDay(f.IssuedFrom); err == nil {
		w.Add("issued_on >= ?", d)
	}
	if d, err := NormalizeDay(f.IssuedTo); err == nil {
		w.Add("issued_on <= ?", d)
	}
	return &w, nil
}

// order sorts the register: nearest expiry first when looking for
// expiring licences, newest first otherwise.
func (f LicFilter) order() string {
	if f.Show == ShowExpiring || f.Show == ShowExpired || f.Within > 0 {
		return ` ORDER BY valid_to, number, id`
	}
	return ` ORDER BY issued_on DESC, number_serial DESC, id DESC`
}

// LicRow is a licence in the register, with its enterprise and status.
type LicRow struct {
	Licence
	EnterpriseName string `json:"enterprise_name"`
	CreditCode     string `json:"credit_code"`
	TownCode       string `json:"town_code"`
	Show           string `json:"display_status"`
	DaysLeft       int    `json:"days_left"`
}

// ListLicences returns a page of the register in scope and the total.
func (s *Service) ListLicences(ctx context.Context, p *auth.Principal, f LicFilter) ([]LicRow, int, error) {
	today := s.today()
	w, err := f.where(ctx, s, p, today)
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM licence`+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count licences: %w", err)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 50
	}
	lim, off := w.Arg(f.Limit), w.Arg(f.Offset)
	var out []LicRow
	err = s.eachLic(ctx, p, today, `SELECT `+licCols+` FROM licence`+w.SQL()+f.order()+` LIMIT `+lim+` OFFSET `+off, w.Args(),
		func(r LicRow) error { out = append(out, r); return nil })
	return out, total, err
}

// EachLicence streams every licence in scope matching f (export).
func (s *Service) EachLicence(ctx context.Context, p *auth.Principal, f LicFilter, fn func(LicRow) error) error {
	today := s.today()
	w, err := f.where(ctx, s, p, today)
	if err != nil {
		return err
	}
	return s.eachLic(ctx, p, today, `SELECT `+licCols+` FROM licence`+w.SQL()+f.order(), w.Args(), fn)
}

func (s *Service) eachLic(ctx context.Context, p *auth.Principal, today time.Time, query string, args []any, fn func(LicRow) error) error {
	rows, err := s.db.R().QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("licences: %w", err)
	}
	var list []Licence
	for rows.Next() {
		l, err := scanLic(rows)
		if err != nil {
			rows.Close()
			return fmt.Errorf("licences: %w", err)
		}
		list = append(list, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	ents, err := s.enterprises(ctx, p, len(list), func(i int) string { return list[i].EnterpriseID })
	if err != nil {
		return err
	}
	for _, l := range list {
		e := ents[l.EnterpriseID]
		r := LicRow{Licence: l, EnterpriseName: e.Name, CreditCode: e.CreditCode, TownCode: e.TownCode, Show: Show(l, today),
			DaysLeft: DaysLeft(l.ValidTo, today)}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// errNumberTaken marks a number (licence or decision) taken by a
// concurrent transaction between max+1 and the write: the whole
// transaction is run again.
var errNumberTaken = errors.New("licence: number taken concurrently")

// inTxNumbered runs fn in a transaction, again when a number it assigned
// was taken meanwhile.
func (s *Service) inTxNumbered(ctx context.Context, fn func(tx *store.Tx) error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = s.db.InTx(ctx, fn)
		if !errors.Is(err, errNumberTaken) {
			return err
		}
	}
	return fmt.Errorf("assign a number: %w", err)
}

// nextSerial returns max+1 of a serial column for a county, type and year.
func nextSerial(ctx context.Context, tx *store.Tx, table, typeCol, yearCol, serialCol, county, typ string, year int) (int, error) {
	var n int64
	q := `SELECT COALESCE(max(` + serialCol + `), 0) + 1 FROM ` + table + ` WHERE county_code = $1 AND ` + yearCol + ` = $2`
	args := []any{county, int64(year)}
	if typeCol != "" {
		q += ` AND ` + typeCol + ` = $3`
		args = append(args, typ)
	}
	if err := tx.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("next serial: %w", err)
	}
	return int(n), nil
}

// insertLicence writes a licence; a number taken by a concurrent writer
// retries the transaction when the number was assigned here (serial > 0
// and not imported), and is a field error otherwise.
func insertLicence(ctx context.Context, tx *store.Tx, l Licence, assigned bool) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO licence (`+licCols+`) VALUES (`+placeholders(0, 21)+`)`, licArgs(l)...)
	if store.IsUniqueViolation(err) {
		if assigned {
			return errNumberTaken
		}
		return errs.FieldErrors{errs.Field("number", "licence.number_taken", map[string]any{"Number": l.Number})}.Err()
	}
	if err != nil {
		return fmt.Errorf("insert licence: %w", err)
	}
	return nil
}

// numberExists reports whether a licence number is registered for a type.
func numberExists(ctx context.Context, q store.Querier, county, typ, number string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM licence WHERE county_code = $1 AND type = $2 AND number = $3`, county, typ, number).Scan(&n)
	return n > 0, err
}

// findPrev finds the licence an extension or change refers to: by number,
// of the same enterprise and type, and in force (not cancelled or
// replaced).
func (s *Service) findPrev(ctx context.Context, q store.Querier, a Application, number string) (Licence, error) {
	l, err := scanLic(q.QueryRowContext(ctx, `SELECT `+licCols+` FROM licence WHERE county_code = $1 AND enterprise_id = $2 AND type = $3 AND number = $4`,
		a.CountyCode, a.EnterpriseID, a.Type, strings.TrimSpace(number)))
	if errors.Is(err, sql.ErrNoRows) {
		return l, errs.Field("prev_number", "licence.prev_unknown", map[string]any{"Number": number})
	}
	if err != nil {
		return l, fmt.Errorf("previous licence: %w", err)
	}
	if l.Status != LicenceActive {
		return l, errs.Field("prev_number", "licence.prev_ended", map[string]any{"Number": number})
	}
	return l, nil
}

// overlapping finds a licence in force of l's enterprise and type whose
// validity shares a day with l's, other than l itself and except (the
// licence l replaces).
func overlapping(ctx context.Context, q store.Querier, l Licence, except string) (Licence, bool, error) {
	o, err := scanLic(q.QueryRowContext(ctx, `SELECT `+licCols+` FROM licence WHERE county_code = $1 AND enterprise_id = $2 AND type = $3
		AND status = $4 AND valid_from <= $5 AND valid_to >= $6 AND id <> $7 AND id <> $8 ORDER BY valid_from LIMIT 1`,
		l.CountyCode, l.EnterpriseID, l.Type, LicenceActive, l.ValidTo, l.ValidFrom, l.ID, except))
	if errors.Is(err, sql.ErrNoRows) {
		return o, false, nil
	}
	if err != nil {
		return o, false, fmt.Errorf("overlapping licence: %w", err)
	}
	return o, true, nil
}

// overlapError explains the refusal of a licence overlapping other.
func overlapError(other Licence) error {
	return errs.New(errs.Conflict, "licence.overlap").With(map[string]any{"Number": other.Number, "ValidFrom": other.ValidFrom, "ValidTo": other.ValidTo})
}

// NewApplication is what a user fills in to file an application.
type NewApplication struct {
	EnterpriseID string `json:"enterprise_id"`
	Type         string `json:"type"`
	Kind         string `json:"kind"`
	PrevNumber   string `json:"prev_number"` // the licence to extend or change
	SubmittedOn  string `json:"submitted_on"`
	Scope        string `json:"scope"`
	Note         string `json:"note"`
}

// CreateApplication files an application (申请).
func (s *Service) CreateApplication(ctx context.Context, p *auth.Principal, in NewApplication) (Application, error) {
	return store.InTxValue(ctx, s.db, func(tx *store.Tx) (Application, error) {
		return s.CreateApplicationTx(ctx, tx, p, in)
	})
}

// CreateApplicationTx files an application inside tx (demo data).
func (s *Service) CreateApplicationTx(ctx context.Context, tx *store.Tx, p *auth.Principal, in NewApplication) (Application, error) {
	now := s.now().UTC()
	if p.Role == auth.RoleEnterprise {
		in.EnterpriseID = p.EnterpriseID
	}
	a := Application{ID: ids.New(), CountyCode: p.CountyCode, EnterpriseID: in.EnterpriseID, Type: in.Type, Kind: in.Kind,
		State: StateSubmitted, Scope: in.Scope, Note: in.Note, SubmittedOn: strings.TrimSpace(in.SubmittedOn), CreatedBy: p.UserID,
		CreatedAt: now, UpdatedAt: now}
	var fe errs.FieldErrors
	var e enterprise.Enterprise
	if in.EnterpriseID != "" {
		var err error
		e, err = s.ent.Get(ctx, p, in.EnterpriseID)
		switch {
		case errs.KindOf(err) == errs.NotFound:
			fe = append(fe, errs.Field("enterprise_id", "licence.enterprise_unknown", nil))
		case err != nil:
			return a, err
		case !CanSubmit(p, e):
			return a, errs.New(errs.Forbidden, "licence.submit_forbidden")
		case in.Type != "" && !TypeFits(in.Type, e.Sector):
			fe = append(fe, errs.Field("type", "licence.type_not_for_sector", nil))
		}
	}
	if strings.TrimSpace(in.PrevNumber) != "" && e.ID != "" && (a.Kind == KindExtension || a.Kind == KindChange) {
		prev, err := s.findPrev(ctx, tx, a, in.PrevNumber)
		if err != nil {
			if errs.Fields(err) == nil {
				return a, err
			}
			fe = append(fe, errs.Fields(err)...)
		}
		a.PrevLicenceID = prev.ID
		// 延期 of a 危险化学品经营许可证 opens 3 months before expiry.
		if opens, ok := RenewalOpensOn(prev.Type, prev.ValidTo); ok && a.Kind == KindExtension && prev.ID != "" {
			if d, err := ParseDay(a.SubmittedOn); err == nil && d.Before(opens) {
				fe = append(fe, errs.Field("submitted_on", "licence.renewal_not_open", map[string]any{
					"Number": prev.Number, "ValidTo": prev.ValidTo, "Opens": opens.Format(DateLayout)}))
			}
		}
	}
	if err := ValidateApplication(&a, s.today()); err != nil {
		for _, f := range errs.Fields(err) {
			if f.Field == "prev_number" && a.PrevLicenceID == "" && strings.TrimSpace(in.PrevNumber) != "" {
				continue // already reported as unknown
			}
			fe = append(fe, f)
		}
	}
	if len(fe) > 0 {
		return a, fe.Err()
	}
	var open int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM licence_application WHERE county_code = $1 AND enterprise_id = $2 AND type = $3
		AND state IN (`+placeholders(3, len(OpenStates))+`)`, append([]any{a.CountyCode, a.EnterpriseID, a.Type}, toAny(OpenStates)...)...).Scan(&open); err != nil {
		return a, fmt.Errorf("open applications: %w", err)
	}
	if open > 0 {
		return a, errs.FieldErrors{errs.Field("type", "licence.open_exists", nil)}.Err()
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO licence_application (`+appCols+`) VALUES (`+placeholders(0, 34)+`)`, appArgs(a)...); err != nil {
		return a, fmt.Errorf("insert application: %w", err)
	}
	if err := s.addEvent(ctx, tx, p, a, ActSubmit, "", a.SubmittedOn, a.Note, now); err != nil {
		return a, err
	}
	return a, audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "licence_application", EntityID: a.ID, Action: "create", After: a})
}

func toAny(list []string) []any {
	out := make([]any, len(list))
	for i, x := range list {
		out[i] = x
	}
	return out
}

// Act takes one step on an application: it checks scope, role and the
// rules, records the step with its date and person, assigns the decision
// or licence number, and audits it, all in one transaction. A refused step
// changes nothing.
func (s *Service) Act(ctx context.Context, p *auth.Principal, id string, act Action) (Application, error) {
	var out Application
	err := s.inTxNumbered(ctx, func(tx *store.Tx) error {
		var err error
		out, err = s.ActTx(ctx, tx, p, id, act)
		return err
	})
	return out, err
}

// ActTx is Act inside tx (demo data); the caller retries on a number
// taken concurrently.
func (s *Service) ActTx(ctx context.Context, tx *store.Tx, p *auth.Principal, id string, act Action) (Application, error) {
	a, err := s.getApp(ctx, tx, id)
	if err != nil {
		return a, err
	}
	e, err := s.enterpriseOf(ctx, p, a.EnterpriseID)
	if err != nil {
		return a, errs.Rescope(err, "licence_application", id)
	}
	if !MayAct(p, e, act.Name) {
		if Decider(act.Name) {
			return a, errs.New(errs.Forbidden, "licence.decide_forbidden")
		}
		return a, errs.New(errs.Forbidden, "licence.act_forbidden")
	}
	set, err := s.settings(ctx, tx, a.CountyCode)
	if err != nil {
		return a, err
	}
	typ, _ := TypeOf(a.Type)
	now := s.now().UTC()
	if act.Name == ActAccept {
		act.Limit = set.Limit(a.Type)
	}
	if act.Name == ActIssue {
		// The validity defaults to the county's setting from the day of issue.
		if strings.TrimSpace(act.ValidFrom) == "" {
			act.ValidFrom = strings.TrimSpace(act.Date)
		}
		if from, err := ParseDay(act.ValidFrom); err == nil && strings.TrimSpace(act.ValidTo) == "" {
			act.ValidTo = AddYears(from, set.Years(a.Type)).Format(DateLayout)
		}
		if err := WithinValidity(act, set.Years(a.Type)); err != nil {
			return a, err
		}
	}
	before := a
	if err := Apply(&a, act, set.Calendar(), s.today()); err != nil {
		return before, err
	}
	note := strings.TrimSpace(act.Note)
	switch act.Name {
	case ActNotAccept:
		note = a.CloseReason
	case ActDecide:
		year := day(a.DecidedOn).Year()
		if a.DecisionSerial, err = nextSerial(ctx, tx, "licence_application", "", "decision_year", "decision_serial", a.CountyCode, "", year); err != nil {
			return before, err
		}
		a.DecisionYear = year
		a.DecisionNumber = FormatNumber(set.IssuerAbbr, DecisionPrefix, year, a.DecisionSerial)
		note = joinNote(a.DecisionReason, a.OverdueReason, note)
	case ActPrelim:
		note = joinNote(a.PrelimOpinion, a.OverdueReason, note)
	case ActCityResult:
		note = joinNote(a.CityReason, "", note)
	}
	// A licence issued by the county or recorded from the city.
	var lic *Licence
	switch {
	case act.Name == ActIssue:
		from, _ := NormalizeDay(act.ValidFrom)
		to, _ := NormalizeDay(act.ValidTo)
		year := day(a.IssuedOn).Year()
		serial, err := nextSerial(ctx, tx, "licence", "type", "number_year", "number_serial", a.CountyCode, a.Type, year)
		if err != nil {
			return before, err
		}
		lic = &Licence{Number: FormatNumber(set.IssuerAbbr, typ.Prefix, year, serial), NumberYear: year, NumberSerial: serial,
			Issuer: IssuerCounty, IssuerName: set.IssuerName, IssuedOn: a.IssuedOn, ValidFrom: from, ValidTo: to, Source: SourceIssued}
	case act.Name == ActCityResult && a.CityDecision == DecisionGranted:
		from, _ := NormalizeDay(act.ValidFrom)
		to, _ := NormalizeDay(act.ValidTo)
		lic = &Licence{Number: strings.TrimSpace(act.Number), Issuer: IssuerCity, IssuerName: set.CityName, IssuedOn: a.CityOn,
			ValidFrom: from, ValidTo: to, Source: SourceCity}
		taken, err := numberExists(ctx, tx, a.CountyCode, a.Type, lic.Number)
		if err != nil {
			return before, err
		}
		if taken {
			return before, errs.FieldErrors{errs.Field("number", "licence.number_taken", map[string]any{"Number": lic.Number})}.Err()
		}
	}
	if lic != nil {
		lic.ID, lic.CountyCode, lic.EnterpriseID, lic.Type, lic.Status = ids.New(), a.CountyCode, a.EnterpriseID, a.Type, LicenceActive
		lic.Scope = strings.TrimSpace(act.Scope)
		if lic.Scope == "" {
			lic.Scope = a.Scope
		}
		lic.ApplicationID, lic.ReplacesID, lic.CreatedAt, lic.UpdatedAt = a.ID, a.PrevLicenceID, now, now
		// One licence of a type in force at a time: a new one may not
		// overlap another unless it replaces it (延期/变更 name the old one,
		// which ends below in this transaction).
		if other, found, err := overlapping(ctx, tx, *lic, a.PrevLicenceID); err != nil {
			return before, err
		} else if found {
			return before, overlapError(other)
		}
		if a.PrevLicenceID != "" {
			prev, err := s.getLic(ctx, tx, a.PrevLicenceID)
			if err != nil {
				return before, err
			}
			if prev.Status != LicenceActive {
				return before, errs.New(errs.Conflict, "licence.prev_ended").With(map[string]any{"Number": prev.Number})
			}
			if _, err := tx.ExecContext(ctx, `UPDATE licence SET status = $1, ended_on = $2, updated_at = $3 WHERE id = $4`,
				LicenceReplaced, lic.IssuedOn, now, prev.ID); err != nil {
				return before, fmt.Errorf("replace licence: %w", err)
			}
			if err := audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "licence", EntityID: prev.ID, Action: auditAction("replace"),
				Before: map[string]any{"status": prev.Status}, After: map[string]any{"status": LicenceReplaced, "ended_on": lic.IssuedOn, "replaced_by": lic.Number}}); err != nil {
				return before, err
			}
		}
		if err := insertLicence(ctx, tx, *lic, act.Name == ActIssue); err != nil {
			return before, err
		}
		if err := audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "licence", EntityID: lic.ID, Action: "create", After: lic}); err != nil {
			return before, err
		}
		a.LicenceID = lic.ID
	}
	a.UpdatedAt = now
	res, err := tx.ExecContext(ctx, `UPDATE licence_application SET state = $1, accepted_on = $2, limit_days = $3, review_on = $4,
		closed_on = $5, close_reason = $6, decided_on = $7, decision = $8, decision_reason = $9, decision_number = $10, decision_year = $11,
		decision_serial = $12, overdue_reason = $13, issued_on = $14, prelim_on = $15, prelim_opinion = $16, forwarded_on = $17,
		forward_note = $18, city_on = $19, city_decision = $20, city_reason = $21, licence_id = $22, updated_at = $23
		WHERE id = $24 AND state = $25`,
		a.State, a.AcceptedOn, int64(a.LimitDays), a.ReviewOn, a.ClosedOn, a.CloseReason, a.DecidedOn, a.Decision, a.DecisionReason,
		a.DecisionNumber, nullInt(a.DecisionYear), nullInt(a.DecisionSerial), a.OverdueReason, a.IssuedOn, a.PrelimOn, a.PrelimOpinion,
		a.ForwardedOn, a.ForwardNote, a.CityOn, a.CityDecision, a.CityReason, a.LicenceID, now, a.ID, before.State)
	if store.IsUniqueViolation(err) {
		return before, errNumberTaken
	}
	if err != nil {
		return before, fmt.Errorf("update application: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return before, errs.New(errs.Conflict, "licence.changed_meanwhile")
	}
	on, _ := NormalizeDay(act.Date)
	if err := s.addEvent(ctx, tx, p, a, act.Name, before.State, on, note, now); err != nil {
		return before, err
	}
	b, af := changed(before, a)
	return a, audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "licence_application", EntityID: a.ID, Action: auditAction(act.Name), Before: b, After: af})
}

// auditAction names a licensing step in the audit log; the prefix keeps
// its label (audit.action.licence_…) apart from other domains' steps of
// the same name.
func auditAction(name string) string { return "licence_" + name }

// joinNote joins the non-empty parts of an event's note.
func joinNote(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "；")
}

// changed returns the fields of an application that a step changed.
func changed(before, after Application) (map[string]any, map[string]any) {
	b, a := map[string]any{}, map[string]any{}
	add := func(k string, x, y any) {
		if fmt.Sprint(x) != fmt.Sprint(y) {
			b[k], a[k] = x, y
		}
	}
	add("state", before.State, after.State)
	add("accepted_on", before.AcceptedOn, after.AcceptedOn)
	add("limit_days", before.LimitDays, after.LimitDays)
	add("review_on", before.ReviewOn, after.ReviewOn)
	add("closed_on", before.ClosedOn, after.ClosedOn)
	add("close_reason", before.CloseReason, after.CloseReason)
	add("decided_on", before.DecidedOn, after.DecidedOn)
	add("decision", before.Decision, after.Decision)
	add("decision_reason", before.DecisionReason, after.DecisionReason)
	add("decision_number", before.DecisionNumber, after.DecisionNumber)
	add("overdue_reason", before.OverdueReason, after.OverdueReason)
	add("issued_on", before.IssuedOn, after.IssuedOn)
	add("prelim_on", before.PrelimOn, after.PrelimOn)
	add("prelim_opinion", before.PrelimOpinion, after.PrelimOpinion)
	add("forwarded_on", before.ForwardedOn, after.ForwardedOn)
	add("forward_note", before.ForwardNote, after.ForwardNote)
	add("city_on", before.CityOn, after.CityOn)
	add("city_decision", before.CityDecision, after.CityDecision)
	add("city_reason", before.CityReason, after.CityReason)
	add("licence_id", before.LicenceID, after.LicenceID)
	return b, a
}

// CancelLicence records the cancellation (注销) of a licence in force.
func (s *Service) CancelLicence(ctx context.Context, p *auth.Principal, id, date, reason string) (Licence, error) {
	var out Licence
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		l, err := s.getLic(ctx, tx, id)
		if err != nil {
			return err
		}
		e, err := s.enterpriseOf(ctx, p, l.EnterpriseID)
		if err != nil {
			return errs.Rescope(err, "licence", id)
		}
		if !CanWrite(p, e) {
			return errs.New(errs.Forbidden, "licence.act_forbidden")
		}
		if l.Status != LicenceActive {
			return errs.New(errs.Conflict, "licence.rule.cancel")
		}
		var fe errs.FieldErrors
		d, derr := ParseDay(date)
		switch {
		case strings.TrimSpace(date) == "":
			fe = append(fe, errs.Field("date", "field.required", nil))
		case derr != nil:
			fe = append(fe, errs.Field("date", "licence.date_invalid", nil))
		case d.After(s.today()):
			fe = append(fe, errs.Field("date", "licence.date_future", nil))
		case d.Format(DateLayout) < l.IssuedOn:
			fe = append(fe, errs.Field("date", "licence.date_before_previous", map[string]any{"Prev": l.IssuedOn}))
		}
		if strings.TrimSpace(reason) == "" {
			fe = append(fe, errs.Field("reason", "licence.reason_required", nil))
		}
		if len(fe) > 0 {
			return fe.Err()
		}
		now := s.now().UTC()
		before := l
		l.Status, l.EndedOn, l.EndReason, l.UpdatedAt = LicenceCancelled, d.Format(DateLayout), strings.TrimSpace(reason), now
		res, err := tx.ExecContext(ctx, `UPDATE licence SET status = $1, ended_on = $2, end_reason = $3, updated_at = $4 WHERE id = $5 AND status = $6`,
			l.Status, l.EndedOn, l.EndReason, now, l.ID, LicenceActive)
		if err != nil {
			return fmt.Errorf("cancel licence: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.New(errs.Conflict, "licence.changed_meanwhile")
		}
		out = l
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "licence", EntityID: l.ID, Action: auditAction(ActCancel),
			Before: map[string]any{"status": before.Status}, After: map[string]any{"status": l.Status, "ended_on": l.EndedOn, "end_reason": l.EndReason}})
	})
	return out, err
}
