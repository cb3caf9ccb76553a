package duty

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/calendar"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/person"
	"yingji/internal/kit/store"
)

// CalendarFunc returns a county's working-day calendar.
type CalendarFunc func(ctx context.Context, county string) (calendar.Calendar, error)

// LeadersFunc returns the user IDs of a county's bureau leaders (told of
// an overdue report when the leader on duty has no account).
type LeadersFunc func(ctx context.Context, county string) ([]string, error)

// Service is the duty desk: roster, log and incident reports.
type Service struct {
	db       *store.DB
	notify   *notify.Service
	now      func() time.Time
	calendar CalendarFunc
	leaders  LeadersFunc
	// accident checks that an incident's accident_id names a record of
	// the accident register in p's scope (nil: not checked).
	accident func(ctx context.Context, p *auth.Principal, id string) error
	// accounts lists the county's users a roster import may name (nil:
	// none, so a roster import names nobody).
	accounts AccountsFunc
	// towns are the county's towns, code → name (nil: none).
	towns func(ctx context.Context, county string) (map[string]string, error)
	// regionPeople lists the user IDs of a town's (or village's) own
	// staff: their person-shifts are the town's part of the roster (nil:
	// a town's report counts none).
	regionPeople func(ctx context.Context, county, region string) ([]string, error)
}

// WithRegionPeople lets a town's report count the person-shifts its own
// staff kept on the roster.
func (s *Service) WithRegionPeople(f func(ctx context.Context, county, region string) ([]string, error)) *Service {
	s.regionPeople = f
	return s
}

// Account is a user of the county the roster may name.
type Account struct {
	UserID   string
	Username string
	Name     string // display name
}

// AccountsFunc lists the enabled users of a county.
type AccountsFunc func(ctx context.Context, county string) ([]Account, error)

// WithAccounts lets the roster import resolve people by name or username.
func (s *Service) WithAccounts(f AccountsFunc) *Service {
	s.accounts = f
	return s
}

// WithTowns lets the incident import and export name towns.
func (s *Service) WithTowns(f func(ctx context.Context, county string) (map[string]string, error)) *Service {
	s.towns = f
	return s
}

// WithAccidents makes an incident's accident reference a checked link to
// the accident register (生产安全事故台账).
func (s *Service) WithAccidents(f func(ctx context.Context, p *auth.Principal, id string) error) *Service {
	s.accident = f
	return s
}

// checkAccident refuses an accident reference the register does not know.
func (s *Service) checkAccident(ctx context.Context, p *auth.Principal, id string) error {
	if id == "" || s.accident == nil {
		return nil
	}
	if err := s.accident(ctx, p, id); err != nil {
		if errs.Is(err, errs.NotFound) {
			return errs.Field("accident_id", "duty.accident_unknown", nil)
		}
		return err
	}
	return nil
}

// New returns a Service; cal and leaders may be nil.
func New(db *store.DB, n *notify.Service, now func() time.Time, cal CalendarFunc, leaders LeadersFunc) *Service {
	if cal == nil {
		cal = func(context.Context, string) (calendar.Calendar, error) { return calendar.New(nil, nil), nil }
	}
	if leaders == nil {
		leaders = func(context.Context, string) ([]string, error) { return nil, nil }
	}
	return &Service{db: db, notify: n, now: now, calendar: cal, leaders: leaders}
}

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// Who may do what.

// CanRead: everyone working in the bureau, towns and departments (not
// enterprise accounts) reads the roster, the log and the incidents in
// scope.
func CanRead(p *auth.Principal) bool {
	return p != nil && p.Role != auth.RoleEnterprise && p.Role != ""
}

// CanWrite: the duty desk (值班员), leaders and administrators record log
// entries, incidents and reports, and keep the roster.
func CanWrite(p *auth.Principal) bool { return p.Is(auth.RoleAdmin, auth.RoleDuty, auth.RoleLeader) }

// SeesFull: who reads callers' and reports' text unmasked (any ID number
// embedded in free text is masked for everyone else).
func SeesFull(p *auth.Principal) bool { return CanWrite(p) }

func displayName(p *auth.Principal) string {
	if p.DisplayName != "" {
		return p.DisplayName
	}
	return p.Username
}

func forbidden() error { return errs.New(errs.Forbidden, "forbidden") }

func nullTime(t sql.NullTime) time.Time {
	if t.Valid {
		return t.Time
	}
	return time.Time{}
}

// ---- Settings ----

// Settings returns a county's duty settings and rotation positions.
func (s *Service) Settings(ctx context.Context, county string) (Settings, int, int, error) {
	return s.settings(ctx, s.db.R(), county)
}

func (s *Service) settings(ctx context.Context, q store.Querier, county string) (Settings, int, int, error) {
	var raw string
	var la, oa int
	err := q.QueryRowContext(ctx, `SELECT settings, leader_at, officer_at FROM duty_setting WHERE county_code = $1`, county).Scan(&raw, &la, &oa)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultSettings(), 0, 0, nil
	}
	if err != nil {
		return Settings{}, 0, 0, fmt.Errorf("duty settings: %w", err)
	}
	st := DefaultSettings()
	if err := json.Unmarshal([]byte(raw), &st); err != nil {
		return Settings{}, 0, 0, fmt.Errorf("duty settings: %w", err)
	}
	if len(st.Deadlines.First) == 0 {
		st.Deadlines = DefaultDeadlines()
	}
	return st, la, oa, nil
}

func (s *Service) putSettings(ctx context.Context, tx *store.Tx, county string, st Settings, la, oa int) error {
	raw, err := json.Marshal(st)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO duty_setting (county_code, settings, leader_at, officer_at, updated_at) VALUES ($1,$2,$3,$4,$5)
		ON CONFLICT (county_code) DO UPDATE SET settings = $2, leader_at = $3, officer_at = $4, updated_at = $5`,
		county, string(raw), la, oa, s.now().UTC())
	if err != nil {
		return fmt.Errorf("save duty settings: %w", err)
	}
	return nil
}

// SaveSettings changes the county's duty settings.
func (s *Service) SaveSettings(ctx context.Context, p *auth.Principal, st Settings) (Settings, error) {
	if !CanWrite(p) {
		return st, forbidden()
	}
	if err := CheckSettings(&st); err != nil {
		return st, err
	}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		before, la, oa, err := s.settings(ctx, tx, p.CountyCode)
		if err != nil {
			return err
		}
		if err := s.putSettings(ctx, tx, p.CountyCode, st, la, oa); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.now(), p.Actor(), audit.Entry{Entity: "duty_setting", EntityID: p.CountyCode, Action: "update", Before: before, After: st})
	})
	return st, err
}

// ---- Roster ----

const shiftCols = `id, county_code, day, starts_at, ends_at, holiday, handed_over_at`

func scanShift(row interface{ Scan(...any) error }) (Shift, error) {
	var sh Shift
	var ho sql.NullTime
	err := row.Scan(&sh.ID, &sh.CountyCode, &sh.Day, &sh.StartsAt, &sh.EndsAt, &sh.Holiday, &ho)
	sh.HandedOverAt = nullTime(ho)
	return sh, err
}

func (s *Service) insertShift(ctx context.Context, tx *store.Tx, county string, sh *Shift) error {
	if sh.ID == "" {
		sh.ID = ids.New()
	}
	sh.CountyCode = county
	_, err := tx.ExecContext(ctx, `INSERT INTO duty_shift (`+shiftCols+`, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
		sh.ID, county, sh.Day, sh.StartsAt.UTC(), sh.EndsAt.UTC(), sh.Holiday, store.NullTime(sh.HandedOverAt), s.now().UTC())
	if store.IsUniqueViolation(err) {
		return errs.New(errs.Conflict, "duty.shift_exists")
	}
	if err != nil {
		return fmt.Errorf("insert shift: %w", err)
	}
	for i := range sh.Members {
		m := &sh.Members[i]
		if m.ID == "" {
			m.ID = ids.New()
		}
		m.ShiftID = sh.ID
		if _, err := tx.ExecContext(ctx, `INSERT INTO duty_assignment (id, shift_id, county_code, day, position, slot, person_name, user_id)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, m.ID, sh.ID, county, sh.Day, m.Position, m.Slot, strings.TrimSpace(m.Name), m.UserID); err != nil {
			return fmt.Errorf("insert assignment: %w", err)
		}
	}
	return nil
}

// CreateShift records one shift by hand (the roster rules apply).
func (s *Service) CreateShift(ctx context.Context, p *auth.Principal, sh Shift) (Shift, error) {
	if !CanWrite(p) {
		return sh, forbidden()
	}
	cal, err := s.calendar(ctx, p.CountyCode)
	if err != nil {
		return sh, err
	}
	sh, err = PrepareShift(sh, cal)
	if err != nil {
		return sh, err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error { return s.createShiftTx(ctx, tx, p, &sh) })
	return sh, err
}

// PrepareShift is the roster rule path shared by the form, the API and
// the Excel import: empty places dropped, the day taken from the start,
// the roster rules (CheckShift) applied and the holiday flag set from
// the calendar.
func PrepareShift(sh Shift, cal calendar.Calendar) (Shift, error) {
	var ms []Assignment
	for _, m := range sh.Members {
		if strings.TrimSpace(m.Name) != "" {
			ms = append(ms, m)
		}
	}
	sh.Members = ms
	if sh.Day == "" && !sh.StartsAt.IsZero() {
		sh.Day = sh.StartsAt.In(Shanghai).Format(calendar.DateLayout)
	}
	if err := CheckShift(sh); err != nil {
		return sh, err
	}
	sh.Holiday = !cal.IsWorkingDay(calendar.Day(sh.Day))
	return sh, nil
}

// overlapping counts the county's shifts overlapping [start, end).
func overlapping(ctx context.Context, q store.Querier, county string, start, end time.Time) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM duty_shift WHERE county_code = $1 AND starts_at < $2 AND ends_at > $3`,
		county, end.UTC(), start.UTC()).Scan(&n)
	return n, err
}

// createShiftTx writes a prepared shift in tx: refused when it overlaps
// another shift of the county; audited.
func (s *Service) createShiftTx(ctx context.Context, tx *store.Tx, p *auth.Principal, sh *Shift) error {
	n, err := overlapping(ctx, tx, p.CountyCode, sh.StartsAt, sh.EndsAt)
	if err != nil {
		return err
	}
	if n > 0 {
		return errs.New(errs.Conflict, "duty.shift_overlaps")
	}
	if err := s.insertShift(ctx, tx, p.CountyCode, sh); err != nil {
		return err
	}
	return audit.Record(ctx, tx, s.now(), p.Actor(), audit.Entry{Entity: "duty_shift", EntityID: sh.ID, Action: "create", After: *sh})
}

// GenerateMonth builds a month of shifts ("2022-06") from the rotation
// lists and the holiday calendar; the rotation carries on from the month
// generated before. A month that already has shifts is refused.
func (s *Service) GenerateMonth(ctx context.Context, p *auth.Principal, month string) ([]Shift, error) {
	if !CanWrite(p) {
		return nil, forbidden()
	}
	m, err := time.Parse("2006-01", strings.TrimSpace(month))
	if err != nil {
		return nil, errs.Field("month", "duty.month_invalid", nil)
	}
	cal, err := s.calendar(ctx, p.CountyCode)
	if err != nil {
		return nil, err
	}
	var out []Shift
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		st, la, oa, err := s.settings(ctx, tx, p.CountyCode)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM duty_shift WHERE county_code = $1 AND day >= $2 AND day < $3`,
			p.CountyCode, m.Format(calendar.DateLayout), m.AddDate(0, 1, 0).Format(calendar.DateLayout)).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.New(errs.Conflict, "duty.month_exists").With(map[string]any{"Month": m.Format("2006-01")})
		}
		shifts, la2, oa2, err := Generate(m, st, cal, la, oa)
		if err != nil {
			return err
		}
		for i := range shifts {
			if err := s.insertShift(ctx, tx, p.CountyCode, &shifts[i]); err != nil {
				return err
			}
		}
		if err := s.putSettings(ctx, tx, p.CountyCode, st, la2, oa2); err != nil {
			return err
		}
		out = shifts
		return audit.Record(ctx, tx, s.now(), p.Actor(), audit.Entry{Entity: "duty_shift", EntityID: m.Format("2006-01"), Action: "generate",
			After: map[string]any{"month": m.Format("2006-01"), "shifts": len(shifts)}})
	})
	return out, err
}

// members loads the people of the shifts (by shift ID).
func (s *Service) members(ctx context.Context, q store.Querier, shifts []Shift) error {
	if len(shifts) == 0 {
		return nil
	}
	idx := map[string]int{}
	var idl []string
	for i, sh := range shifts {
		idx[sh.ID] = i
		idl = append(idl, sh.ID)
	}
	for start := 0; start < len(idl); start += 500 {
		part := idl[start:min(start+500, len(idl))]
		var w store.Where
		w.In("shift_id", part)
		rows, err := q.QueryContext(ctx, `SELECT id, shift_id, position, slot, person_name, user_id FROM duty_assignment`+w.SQL()+` ORDER BY shift_id, slot`, w.Args()...)
		if err != nil {
			return fmt.Errorf("assignments: %w", err)
		}
		for rows.Next() {
			var a Assignment
			if err := rows.Scan(&a.ID, &a.ShiftID, &a.Position, &a.Slot, &a.Name, &a.UserID); err != nil {
				rows.Close()
				return err
			}
			sh := &shifts[idx[a.ShiftID]]
			sh.Members = append(sh.Members, a)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// Shifts returns the shifts whose day lies in [from, to] (YYYY-MM-DD).
func (s *Service) Shifts(ctx context.Context, p *auth.Principal, from, to string) ([]Shift, error) {
	if !CanRead(p) {
		return nil, forbidden()
	}
	out, err := store.QueryAll(ctx, s.db.R(), func(r *sql.Rows) (Shift, error) { return scanShift(r) },
		`SELECT `+shiftCols+` FROM duty_shift WHERE county_code = $1 AND day >= $2 AND day <= $3 ORDER BY starts_at`, p.CountyCode, from, to)
	if err != nil {
		return nil, fmt.Errorf("shifts: %w", err)
	}
	return out, s.members(ctx, s.db.R(), out)
}

// Shift returns one shift.
func (s *Service) Shift(ctx context.Context, p *auth.Principal, id string) (Shift, error) {
	if !CanRead(p) {
		return Shift{}, forbidden()
	}
	sh, err := s.shift(ctx, s.db.R(), id)
	if err != nil {
		return sh, err
	}
	if sh.CountyCode != p.CountyCode {
		return Shift{}, errs.OutOfScope("duty_shift", id)
	}
	return sh, nil
}

func (s *Service) shift(ctx context.Context, q store.Querier, id string) (Shift, error) {
	sh, err := scanShift(q.QueryRowContext(ctx, `SELECT `+shiftCols+` FROM duty_shift WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return sh, errs.New(errs.NotFound, "not_found")
	}
	if err != nil {
		return sh, fmt.Errorf("shift: %w", err)
	}
	list := []Shift{sh}
	if err := s.members(ctx, q, list); err != nil {
		return sh, err
	}
	return list[0], nil
}

// OnDuty returns the shift on duty at t in a county (ok false: none).
func (s *Service) OnDuty(ctx context.Context, county string, t time.Time) (Shift, bool, error) {
	sh, err := scanShift(s.db.R().QueryRowContext(ctx, `SELECT `+shiftCols+` FROM duty_shift WHERE county_code = $1 AND starts_at <= $2 AND ends_at > $2
		ORDER BY starts_at DESC LIMIT 1`, county, t.UTC()))
	if errors.Is(err, sql.ErrNoRows) {
		return Shift{}, false, nil
	}
	if err != nil {
		return Shift{}, false, fmt.Errorf("on duty: %w", err)
	}
	list := []Shift{sh}
	if err := s.members(ctx, s.db.R(), list); err != nil {
		return sh, false, err
	}
	return list[0], true, nil
}

// NowOnDuty is the shift on duty now in p's county (every role may ask:
// the duty desk's people are who to call).
func (s *Service) NowOnDuty(ctx context.Context, p *auth.Principal) (Shift, bool, error) {
	return s.OnDuty(ctx, p.CountyCode, s.now())
}

// PersonShifts counts the person-shifts (人次) of shifts whose day lies in
// [from, to], with their assignment IDs when ids is set.
func (s *Service) PersonShifts(ctx context.Context, county, from, to string, withIDs bool) (int, []string, error) {
	return s.personShifts(ctx, county, from, to, nil, withIDs)
}

// personShifts counts the person-shifts of [from, to] (of the people
// users only, when users is not nil) in SQL, with their IDs when withIDs.
func (s *Service) personShifts(ctx context.Context, county, from, to string, users []string, withIDs bool) (int, []string, error) {
	var w store.Where
	w.Add("county_code = ? AND day >= ? AND day <= ?", county, from, to)
	if users != nil {
		if len(users) == 0 {
			return 0, nil, nil
		}
		w.In("user_id", users)
	}
	if !withIDs {
		var n int
		if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM duty_assignment`+w.SQL(), w.Args()...).Scan(&n); err != nil {
			return 0, nil, fmt.Errorf("person-shifts: %w", err)
		}
		return n, nil, nil
	}
	out, err := store.QueryAll(ctx, s.db.R(), store.ScanString, `SELECT id FROM duty_assignment`+w.SQL()+` ORDER BY day, shift_id, slot`, w.Args()...)
	if err != nil {
		return 0, nil, fmt.Errorf("person-shifts: %w", err)
	}
	return len(out), out, nil
}

// PersonShift is one row of the person-shift list and export.
type PersonShift struct {
	Assignment
	Day      string    `json:"day"`
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
	Holiday  bool      `json:"holiday"`
}

// EachPersonShift streams the person-shifts of [from, to] in order.
func (s *Service) EachPersonShift(ctx context.Context, p *auth.Principal, from, to string, fn func(PersonShift) error) error {
	if !CanRead(p) {
		return forbidden()
	}
	if from == "" {
		from = "0000-00-00"
	}
	if to == "" {
		to = "9999-99-99"
	}
	rows, err := s.db.R().QueryContext(ctx, `SELECT a.id, a.shift_id, a.position, a.slot, a.person_name, a.user_id, s.day, s.starts_at, s.ends_at, s.holiday
		FROM duty_assignment a JOIN duty_shift s ON s.id = a.shift_id WHERE a.county_code = $1 AND a.day >= $2 AND a.day <= $3
		ORDER BY s.starts_at, a.slot`, p.CountyCode, from, to)
	if err != nil {
		return fmt.Errorf("person-shifts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var x PersonShift
		if err := rows.Scan(&x.ID, &x.ShiftID, &x.Position, &x.Slot, &x.Name, &x.UserID, &x.Day, &x.StartsAt, &x.EndsAt, &x.Holiday); err != nil {
			return err
		}
		if err := fn(x); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ---- Swaps ----

func (s *Service) assignment(ctx context.Context, q store.Querier, county, id string) (Assignment, string, error) {
	var a Assignment
	var c, day string
	err := q.QueryRowContext(ctx, `SELECT id, shift_id, position, slot, person_name, user_id, county_code, day FROM duty_assignment WHERE id = $1`, id).
		Scan(&a.ID, &a.ShiftID, &a.Position, &a.Slot, &a.Name, &a.UserID, &c, &day)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && c != county) {
		return a, "", errs.New(errs.NotFound, "not_found")
	}
	return a, day, err
}

// RequestSwap records a request to exchange two people's shifts, or to
// hand a shift to a substitute; someone else decides it.
func (s *Service) RequestSwap(ctx context.Context, p *auth.Principal, sw Swap) (Swap, error) {
	if !CanWrite(p) {
		return sw, forbidden()
	}
	sw.SubstituteFor, sw.Reason = strings.TrimSpace(sw.SubstituteFor), strings.TrimSpace(sw.Reason)
	if (sw.WithID == "") == (sw.SubstituteFor == "") {
		return sw, errs.Field("with_assignment_id", "duty.swap_one_of", nil)
	}
	if sw.Reason == "" {
		return sw, errs.Field("reason", "duty.reason_required", nil)
	}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		a, _, err := s.assignment(ctx, tx, p.CountyCode, sw.AssignmentID)
		if err != nil {
			return errs.Field("assignment_id", "duty.assignment_unknown", nil)
		}
		if sw.WithID != "" {
			b, _, err := s.assignment(ctx, tx, p.CountyCode, sw.WithID)
			if err != nil || b.ID == a.ID {
				return errs.Field("with_assignment_id", "duty.assignment_unknown", nil)
			}
			if b.Position != a.Position {
				return errs.Field("with_assignment_id", "duty.swap_position_differs", nil)
			}
		}
		now := s.now().UTC()
		sw.ID, sw.CountyCode, sw.State, sw.RequestedBy, sw.RequestedName, sw.RequestedAt = ids.New(), p.CountyCode, SwapPending, p.UserID, displayName(p), now
		if _, err := tx.ExecContext(ctx, `INSERT INTO duty_swap (id, county_code, assignment_id, with_assignment_id, substitute_name, substitute_user_id,
			reason, state, requested_by, requested_by_name, requested_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
			sw.ID, sw.CountyCode, sw.AssignmentID, sw.WithID, sw.SubstituteFor, sw.SubstituteUID, sw.Reason, sw.State, sw.RequestedBy, sw.RequestedName, now); err != nil {
			return fmt.Errorf("insert swap: %w", err)
		}
		if err := audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "duty_swap", EntityID: sw.ID, Action: "request", After: sw}); err != nil {
			return err
		}
		// The leaders decide swaps: tell them (never the requester).
		leaders, err := s.leaders(ctx, p.CountyCode)
		if err != nil {
			return err
		}
		var to []string
		for _, uid := range leaders {
			if uid != p.UserID {
				to = append(to, uid)
			}
		}
		return s.tell(ctx, tx, p.CountyCode, to, "duty.swap_requested", "换班申请待审批："+displayName(p),
			fmt.Sprintf("%s申请换班，理由：%s。请审批（申请人本人不能审批）。", displayName(p), sw.Reason), sw.ID)
	})
	return sw, err
}

// tell notifies users of a swap (in-app and their channels), once per
// swap, topic and user.
func (s *Service) tell(ctx context.Context, tx *store.Tx, county string, users []string, topic, title, body, swapID string) error {
	if s.notify == nil {
		return nil
	}
	for _, uid := range users {
		if uid == "" {
			continue
		}
		if _, err := s.notify.Enqueue(ctx, tx, notify.Message{CountyCode: county, UserID: uid, Topic: topic, Title: person.MaskIDsIn(title),
			Body: person.MaskIDsIn(body), Link: "/duty/swaps", Entity: "duty_swap", EntityID: swapID, DedupeKey: topic + ":" + swapID + ":" + uid}); err != nil {
			return err
		}
	}
	return nil
}

const swapCols = `id, county_code, assignment_id, with_assignment_id, substitute_name, substitute_user_id, reason, state,
	requested_by, requested_by_name, requested_at, decided_by, decided_by_name, decided_at`

func scanSwap(row interface{ Scan(...any) error }) (Swap, error) {
	var sw Swap
	var dec sql.NullTime
	err := row.Scan(&sw.ID, &sw.CountyCode, &sw.AssignmentID, &sw.WithID, &sw.SubstituteFor, &sw.SubstituteUID, &sw.Reason, &sw.State,
		&sw.RequestedBy, &sw.RequestedName, &sw.RequestedAt, &sw.DecidedBy, &sw.DecidedName, &dec)
	sw.DecidedAt = nullTime(dec)
	return sw, err
}

// DecideSwap approves or rejects a swap. The requester never decides
// their own request (409 duty.swap_self_approval). An approved exchange
// swaps the two people; a substitute takes the shift. The roster rules
// are checked again on the changed shifts.
func (s *Service) DecideSwap(ctx context.Context, p *auth.Principal, id string, approve bool) (Swap, error) {
	if !CanWrite(p) {
		return Swap{}, forbidden()
	}
	var sw Swap
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		sw, err = scanSwap(tx.QueryRowContext(ctx, `SELECT `+swapCols+` FROM duty_swap WHERE id = $1`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.NotFound, "not_found")
		}
		if err != nil {
			return err
		}
		if sw.CountyCode != p.CountyCode {
			return errs.OutOfScope("duty_swap", id)
		}
		if err := CanDecide(sw, p.UserID); err != nil {
			return err
		}
		now := s.now().UTC()
		sw.State, sw.DecidedBy, sw.DecidedName, sw.DecidedAt = SwapRejected, p.UserID, displayName(p), now
		if approve {
			sw.State = SwapApproved
			a, _, err := s.assignment(ctx, tx, p.CountyCode, sw.AssignmentID)
			if err != nil {
				return err
			}
			changed := []string{a.ShiftID}
			if sw.WithID != "" {
				b, _, err := s.assignment(ctx, tx, p.CountyCode, sw.WithID)
				if err != nil {
					return err
				}
				if err := s.setPerson(ctx, tx, a.ID, b.Name, b.UserID); err != nil {
					return err
				}
				if err := s.setPerson(ctx, tx, b.ID, a.Name, a.UserID); err != nil {
					return err
				}
				changed = append(changed, b.ShiftID)
			} else if err := s.setPerson(ctx, tx, a.ID, sw.SubstituteFor, sw.SubstituteUID); err != nil {
				return err
			}
			for _, sid := range changed {
				sh, err := s.shift(ctx, tx, sid)
				if err != nil {
					return err
				}
				if err := CheckShift(sh); err != nil {
					return errs.New(errs.Conflict, "duty.swap_breaks_rule").With(map[string]any{"Rule": errMessage(err)})
				}
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE duty_swap SET state = $1, decided_by = $2, decided_by_name = $3, decided_at = $4 WHERE id = $5`,
			sw.State, sw.DecidedBy, sw.DecidedName, now, id); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "duty_swap", EntityID: id, Action: sw.State,
			Before: map[string]any{"state": SwapPending}, After: sw}); err != nil {
			return err
		}
		verdict := "已批准"
		if !approve {
			verdict = "未批准"
		}
		return s.tell(ctx, tx, sw.CountyCode, []string{sw.RequestedBy}, "duty.swap_decided", "换班申请"+verdict,
			fmt.Sprintf("您的换班申请（%s）%s，审批人：%s。", sw.Reason, verdict, displayName(p)), sw.ID)
	})
	return sw, err
}

func errMessage(err error) string {
	if e, ok := errs.As(err); ok {
		return e.Message
	}
	return err.Error()
}

func (s *Service) setPerson(ctx context.Context, tx *store.Tx, id, name, uid string) error {
	_, err := tx.ExecContext(ctx, `UPDATE duty_assignment SET person_name = $1, user_id = $2 WHERE id = $3`, name, uid, id)
	return err
}

// Swaps lists swap requests (state "" for all), newest first, with the
// day and person of each side.
func (s *Service) Swaps(ctx context.Context, p *auth.Principal, state string, limit int) ([]Swap, error) {
	if !CanRead(p) {
		return nil, forbidden()
	}
	var w store.Where
	w.Add("county_code = ?", p.CountyCode)
	if state != "" {
		w.Add("state = ?", state)
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	out, err := store.QueryAll(ctx, s.db.R(), func(r *sql.Rows) (Swap, error) { return scanSwap(r) },
		`SELECT `+swapCols+` FROM duty_swap`+w.SQL()+` ORDER BY requested_at DESC LIMIT `+w.Arg(limit), w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("swaps: %w", err)
	}
	for i := range out {
		if a, day, err := s.assignment(ctx, s.db.R(), p.CountyCode, out[i].AssignmentID); err == nil {
			out[i].Day, out[i].Name = day, a.Name
		}
		if out[i].WithID != "" {
			if b, day, err := s.assignment(ctx, s.db.R(), p.CountyCode, out[i].WithID); err == nil {
				out[i].WithDay, out[i].WithName = day, b.Name
			}
		}
	}
	return out, nil
}

// PendingSwapsFor counts the pending swaps p may decide (not their own).
func (s *Service) PendingSwapsFor(ctx context.Context, p *auth.Principal) (int, error) {
	if !CanWrite(p) {
		return 0, nil
	}
	var n int
	err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM duty_swap WHERE county_code = $1 AND state = $2 AND requested_by <> $3`,
		p.CountyCode, SwapPending, p.UserID).Scan(&n)
	return n, err
}

// ---- Handover ----

// Handover hands a shift over (交接班): a handover note is written and
// every entry of the shift's log freezes. A shift is handed over once.
func (s *Service) Handover(ctx context.Context, p *auth.Principal, shiftID, note string) (LogEntry, error) {
	return s.handover(ctx, p, shiftID, note, s.now())
}

func (s *Service) handover(ctx context.Context, p *auth.Principal, shiftID, note string, now time.Time) (LogEntry, error) {
	if !CanWrite(p) {
		return LogEntry{}, forbidden()
	}
	var e LogEntry
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		sh, err := s.shift(ctx, tx, shiftID)
		if err != nil {
			return err
		}
		if sh.CountyCode != p.CountyCode {
			return errs.OutOfScope("duty_shift", shiftID)
		}
		if !sh.HandedOverAt.IsZero() {
			return errs.New(errs.Conflict, "duty.already_handed_over")
		}
		at := now
		if at.After(sh.EndsAt) {
			at = sh.EndsAt
		}
		if at.Before(sh.StartsAt) {
			return errs.New(errs.Conflict, "duty.handover_before_start")
		}
		e = LogEntry{Kind: LogHandover, At: at, Content: note}
		if err := CheckLog(&e, now); err != nil {
			return err
		}
		if err := s.insertLog(ctx, tx, p, &e, shiftID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE duty_shift SET handed_over_at = $1 WHERE id = $2`, now.UTC(), shiftID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE duty_log SET frozen = $1 WHERE shift_id = $2`, true, shiftID); err != nil {
			return err
		}
		e.Frozen = true
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "duty_shift", EntityID: shiftID, Action: "handover",
			After: map[string]any{"note": person.MaskIDsIn(note)}})
	})
	return e, err
}

// ---- Duty log ----

const logCols = `id, county_code, shift_id, kind, at, caller, unit, place, nature, action, content, corrects, frozen, recorded_by, recorded_by_name, created_at`

func scanLog(row interface{ Scan(...any) error }) (LogEntry, error) {
	var e LogEntry
	err := row.Scan(&e.ID, &e.CountyCode, &e.ShiftID, &e.Kind, &e.At, &e.Caller, &e.Unit, &e.Place, &e.Nature, &e.Action, &e.Content,
		&e.Corrects, &e.Frozen, &e.RecordedBy, &e.RecordedName, &e.CreatedAt)
	return e, err
}

// logFor masks ID numbers embedded in an entry's text for readers who
// may not see them.
func logFor(p *auth.Principal, e LogEntry) LogEntry {
	if SeesFull(p) {
		return e
	}
	return maskedLog(e)
}

func maskedLog(e LogEntry) LogEntry {
	for _, f := range []*string{&e.Caller, &e.Unit, &e.Place, &e.Nature, &e.Action, &e.Content} {
		*f = person.MaskIDsIn(*f)
	}
	return e
}

func (s *Service) insertLog(ctx context.Context, tx *store.Tx, p *auth.Principal, e *LogEntry, shiftID string) error {
	if shiftID == "" {
		err := tx.QueryRowContext(ctx, `SELECT id FROM duty_shift WHERE county_code = $1 AND starts_at <= $2 AND ends_at > $2 ORDER BY starts_at DESC LIMIT 1`,
			p.CountyCode, e.At.UTC()).Scan(&shiftID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	var frozen bool
	if shiftID != "" && e.Kind != LogHandover {
		var ho sql.NullTime
		if err := tx.QueryRowContext(ctx, `SELECT handed_over_at FROM duty_shift WHERE id = $1`, shiftID).Scan(&ho); err != nil {
			return err
		}
		// A late entry (a correction, a call noted afterwards) of a shift
		// already handed over is frozen at once.
		frozen = ho.Valid
	}
	now := s.now().UTC()
	e.ID, e.CountyCode, e.ShiftID, e.Frozen, e.RecordedBy, e.RecordedName, e.CreatedAt = ids.New(), p.CountyCode, shiftID, frozen, p.UserID, displayName(p), now
	_, err := tx.ExecContext(ctx, `INSERT INTO duty_log (`+logCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)`,
		e.ID, e.CountyCode, e.ShiftID, e.Kind, e.At.UTC(), e.Caller, e.Unit, e.Place, e.Nature, e.Action, e.Content, e.Corrects, e.Frozen,
		e.RecordedBy, e.RecordedName, now)
	if err != nil {
		return fmt.Errorf("insert log: %w", err)
	}
	return nil
}

// AddLog writes a duty log entry. With Corrects set it is a correction
// of that entry (the old one stays as it was). Handover entries are
// written by Handover.
func (s *Service) AddLog(ctx context.Context, p *auth.Principal, e LogEntry) (LogEntry, error) {
	if !CanWrite(p) {
		return e, forbidden()
	}
	if e.Corrects != "" {
		// A correction is of the same kind as the entry it corrects.
		var kind string
		if err := s.db.R().QueryRowContext(ctx, `SELECT kind FROM duty_log WHERE id = $1 AND county_code = $2`, e.Corrects, p.CountyCode).Scan(&kind); err == nil {
			e.Kind = kind
		}
	}
	if err := PrepareLog(&e, displayName(p), s.now()); err != nil {
		return e, err
	}
	err := s.db.InTx(ctx, func(tx *store.Tx) error { return s.addLogTx(ctx, tx, p, &e) })
	return e, err
}

// PrepareLog is the duty log rule path shared by the form, the API and
// the Excel import: handover notes only through a handover, a sign-in or
// sign-out names the writer when nothing else is said, then CheckLog. (A
// correction takes the kind of the entry it corrects, a handover's too.)
func PrepareLog(e *LogEntry, writer string, now time.Time) error {
	if e.Kind == LogHandover && e.Corrects == "" {
		return errs.Field("kind", "duty.handover_via_shift", nil)
	}
	if (e.Kind == LogSignIn || e.Kind == LogSignOut) && strings.TrimSpace(e.Content) == "" {
		e.Content = writer
	}
	return CheckLog(e, now)
}

// addLogTx writes a prepared entry (or correction) in tx, audited.
func (s *Service) addLogTx(ctx context.Context, tx *store.Tx, p *auth.Principal, e *LogEntry) error {
	if e.Corrects != "" {
		old, err := scanLog(tx.QueryRowContext(ctx, `SELECT `+logCols+` FROM duty_log WHERE id = $1`, e.Corrects))
		if errors.Is(err, sql.ErrNoRows) || (err == nil && old.CountyCode != p.CountyCode) {
			return errs.Field("corrects", "duty.log_unknown", nil)
		}
		if err != nil {
			return err
		}
		e.Kind = old.Kind
		if err := s.insertLog(ctx, tx, p, e, old.ShiftID); err != nil {
			return err
		}
	} else if err := s.insertLog(ctx, tx, p, e, ""); err != nil {
		return err
	}
	return audit.Record(ctx, tx, s.now(), p.Actor(), audit.Entry{Entity: "duty_log", EntityID: e.ID, Action: map[bool]string{true: "correct", false: "create"}[e.Corrects != ""],
		After: maskedLog(*e)})
}

// UpdateLog changes an entry not yet frozen; a frozen entry is refused
// (409 duty.log_frozen: write a correction instead).
func (s *Service) UpdateLog(ctx context.Context, p *auth.Principal, id string, in LogEntry) (LogEntry, error) {
	if !CanWrite(p) {
		return in, forbidden()
	}
	var out LogEntry
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		old, err := scanLog(tx.QueryRowContext(ctx, `SELECT `+logCols+` FROM duty_log WHERE id = $1`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.NotFound, "not_found")
		}
		if err != nil {
			return err
		}
		if old.CountyCode != p.CountyCode {
			return errs.OutOfScope("duty_log", id)
		}
		if err := CanChangeLog(old); err != nil {
			return err
		}
		in.Kind, in.ID = old.Kind, id
		if in.At.IsZero() {
			in.At = old.At
		}
		if err := CheckLog(&in, s.now()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE duty_log SET at=$1, caller=$2, unit=$3, place=$4, nature=$5, action=$6, content=$7 WHERE id=$8`,
			in.At.UTC(), in.Caller, in.Unit, in.Place, in.Nature, in.Action, in.Content, id); err != nil {
			return err
		}
		out = old
		out.At, out.Caller, out.Unit, out.Place, out.Nature, out.Action, out.Content = in.At, in.Caller, in.Unit, in.Place, in.Nature, in.Action, in.Content
		return audit.Record(ctx, tx, s.now(), p.Actor(), audit.Entry{Entity: "duty_log", EntityID: id, Action: "update", Before: maskedLog(old), After: maskedLog(out)})
	})
	return out, err
}

// LogFilter selects log entries.
type LogFilter struct {
	From, To      string // days YYYY-MM-DD (Shanghai)
	Kind          string
	ShiftID       string
	Limit, Offset int
}

func (s *Service) logWhere(p *auth.Principal, f LogFilter) *store.Where {
	var w store.Where
	w.Add("county_code = ?", p.CountyCode)
	if d, err := calendar.ParseDay(f.From); err == nil {
		w.Add("at >= ?", dayStart(d).UTC())
	}
	if d, err := calendar.ParseDay(f.To); err == nil {
		w.Add("at < ?", dayStart(d).AddDate(0, 0, 1).UTC())
	}
	if f.Kind != "" {
		w.Add("kind = ?", f.Kind)
	}
	if f.ShiftID != "" {
		w.Add("shift_id = ?", f.ShiftID)
	}
	return &w
}

func dayStart(d time.Time) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, Shanghai)
}

// Logs returns a page of log entries, newest first, and the total.
func (s *Service) Logs(ctx context.Context, p *auth.Principal, f LogFilter) ([]LogEntry, int, error) {
	if !CanRead(p) {
		return nil, 0, forbidden()
	}
	w := s.logWhere(p, f)
	var total int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM duty_log`+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 50
	}
	out, err := s.logRows(ctx, p, `SELECT `+logCols+` FROM duty_log`+w.SQL()+` ORDER BY at DESC, created_at DESC LIMIT `+w.Arg(f.Limit)+` OFFSET `+w.Arg(f.Offset), w.Args())
	return out, total, err
}

// EachLog streams the log entries of f oldest first (export).
func (s *Service) EachLog(ctx context.Context, p *auth.Principal, f LogFilter, fn func(LogEntry) error) error {
	if !CanRead(p) {
		return forbidden()
	}
	w := s.logWhere(p, f)
	out, err := s.logRows(ctx, p, `SELECT `+logCols+` FROM duty_log`+w.SQL()+` ORDER BY at, created_at`, w.Args())
	if err != nil {
		return err
	}
	for _, e := range out {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) logRows(ctx context.Context, p *auth.Principal, q string, args []any) ([]LogEntry, error) {
	out, err := store.QueryAll(ctx, s.db.R(), func(r *sql.Rows) (LogEntry, error) {
		e, err := scanLog(r)
		return logFor(p, e), err
	}, q, args...)
	if err != nil {
		return nil, fmt.Errorf("duty log: %w", err)
	}
	// Which entries have been corrected, and by which entry.
	if len(out) > 0 {
		var idl []string
		for _, e := range out {
			idl = append(idl, e.ID)
		}
		var w store.Where
		w.In("corrects", idl)
		rows, err := s.db.R().QueryContext(ctx, `SELECT corrects, id FROM duty_log`+w.SQL()+` ORDER BY created_at`, w.Args()...)
		if err != nil {
			return nil, err
		}
		by := map[string]string{}
		for rows.Next() {
			var c, id string
			if err := rows.Scan(&c, &id); err != nil {
				rows.Close()
				return nil, err
			}
			by[c] = id
		}
		rows.Close()
		for i := range out {
			out[i].CorrectedBy = by[out[i].ID]
		}
	}
	return out, nil
}

// Log returns one entry.
func (s *Service) Log(ctx context.Context, p *auth.Principal, id string) (LogEntry, error) {
	if !CanRead(p) {
		return LogEntry{}, forbidden()
	}
	out, err := s.logRows(ctx, p, `SELECT `+logCols+` FROM duty_log WHERE id = $1`, []any{id})
	if err != nil {
		return LogEntry{}, err
	}
	if len(out) == 0 {
		return LogEntry{}, errs.New(errs.NotFound, "not_found")
	}
	if out[0].CountyCode != p.CountyCode {
		return LogEntry{}, errs.OutOfScope("duty_log", id)
	}
	return out[0], nil
}
