package duty

import (
	"context"
	"database/sql"
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

const incidentCols = `id, county_code, title, received_at, occurred_at, source, category, subtype, level, town_code, place, lat, lng,
	deaths, injuries, missing, summary, accident_id, closed, next_due, on_time, reports, created_by, created_by_name, created_at, updated_at`

func scanIncident(row interface{ Scan(...any) error }) (Incident, error) {
	var in Incident
	var occ, due sql.NullTime
	err := row.Scan(&in.ID, &in.CountyCode, &in.Title, &in.ReceivedAt, &occ, &in.Source, &in.Category, &in.Subtype, &in.Level, &in.TownCode,
		&in.Place, &in.Lat, &in.Lng, &in.Deaths, &in.Injuries, &in.Missing, &in.Summary, &in.AccidentID, &in.Closed, &due, &in.OnTime,
		&in.Reports, &in.CreatedBy, &in.CreatedName, &in.CreatedAt, &in.UpdatedAt)
	in.OccurredAt, in.NextDue = nullTime(occ), nullTime(due)
	return in, err
}

// incidentFor masks ID numbers in free text for readers who may not see
// them, and computes the overdue flag at now.
func incidentFor(p *auth.Principal, in Incident, now time.Time) Incident {
	if !in.Closed && !in.NextDue.IsZero() && now.After(in.NextDue) {
		in.Overdue, in.OnTime = true, false
	}
	if !SeesFull(p) {
		in.Summary, in.Place, in.Title = person.MaskIDsIn(in.Summary), person.MaskIDsIn(in.Place), person.MaskIDsIn(in.Title)
	}
	return in
}

// IncidentFilter selects incidents.
type IncidentFilter struct {
	From, To string // received between these days (Shanghai)
	Category string
	Level    string
	Town     string
	State    string // open | closed | overdue
	OnTime   string // "1" on time | "0" late
	// Instructions "open": with 领导批示 not yet carried out.
	Instructions  string
	Limit, Offset int
}

func (s *Service) incidentWhere(p *auth.Principal, f IncidentFilter, now time.Time) *store.Where {
	var w store.Where
	w.Add("county_code = ?", p.CountyCode)
	if p.Role == auth.RoleTown {
		w.Add("town_code LIKE ?", p.RegionPrefix()+"%")
	}
	if d, err := calendar.ParseDay(f.From); err == nil {
		w.Add("received_at >= ?", dayStart(d).UTC())
	}
	if d, err := calendar.ParseDay(f.To); err == nil {
		w.Add("received_at < ?", dayStart(d).AddDate(0, 0, 1).UTC())
	}
	if f.Category != "" {
		w.Add("category = ?", f.Category)
	}
	if f.Level != "" {
		w.Add("level = ?", f.Level)
	}
	if f.Town != "" {
		w.Add("town_code LIKE ?", f.Town+"%")
	}
	switch f.State {
	case "open":
		w.Add("closed = ?", false)
	case "closed":
		w.Add("closed = ?", true)
	case "overdue":
		w.Add("closed = ? AND next_due < ?", false, now.UTC())
	}
	if f.Instructions == "open" {
		w.Add("EXISTS (SELECT 1 FROM duty_instruction x WHERE x.incident_id = duty_incident.id AND x.done_at IS NULL)")
	}
	switch f.OnTime {
	case "1":
		w.Add("on_time = ? AND (closed = ? OR next_due >= ?)", true, true, now.UTC())
	case "0":
		w.Add("(on_time = ? OR (closed = ? AND next_due < ?))", false, false, now.UTC())
	}
	return &w
}

// Incidents returns a page of incidents in scope, newest first.
func (s *Service) Incidents(ctx context.Context, p *auth.Principal, f IncidentFilter) ([]Incident, int, error) {
	if !CanRead(p) {
		return nil, 0, forbidden()
	}
	now := s.now()
	w := s.incidentWhere(p, f, now)
	var total int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM duty_incident`+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count incidents: %w", err)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 50
	}
	out, err := s.incidentRows(ctx, p, `SELECT `+incidentCols+` FROM duty_incident`+w.SQL()+` ORDER BY received_at DESC, id LIMIT `+w.Arg(f.Limit)+` OFFSET `+w.Arg(f.Offset), w.Args(), now)
	return out, total, err
}

// EachIncident streams the incidents of f (export), oldest first.
func (s *Service) EachIncident(ctx context.Context, p *auth.Principal, f IncidentFilter, fn func(Incident) error) error {
	if !CanRead(p) {
		return forbidden()
	}
	now := s.now()
	w := s.incidentWhere(p, f, now)
	out, err := s.incidentRows(ctx, p, `SELECT `+incidentCols+` FROM duty_incident`+w.SQL()+` ORDER BY received_at, id`, w.Args(), now)
	if err != nil {
		return err
	}
	for _, in := range out {
		if err := fn(in); err != nil {
			return err
		}
	}
	return nil
}

// CountIncidents counts incidents of f in SQL and, with withIDs, lists
// their IDs (oldest first) in the same read.
func (s *Service) CountIncidents(ctx context.Context, p *auth.Principal, f IncidentFilter, withIDs bool) (int, []string, error) {
	if !CanRead(p) {
		return 0, nil, forbidden()
	}
	w := s.incidentWhere(p, f, s.now())
	if !withIDs {
		var n int
		if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM duty_incident`+w.SQL(), w.Args()...).Scan(&n); err != nil {
			return 0, nil, fmt.Errorf("count incidents: %w", err)
		}
		return n, nil, nil
	}
	idl, err := store.QueryAll(ctx, s.db.R(), func(r *sql.Rows) (string, error) {
		var id string
		return id, r.Scan(&id)
	}, `SELECT id FROM duty_incident`+w.SQL()+` ORDER BY received_at, id`, w.Args()...)
	if err != nil {
		return 0, nil, fmt.Errorf("incident ids: %w", err)
	}
	return len(idl), idl, nil
}

func (s *Service) incidentRows(ctx context.Context, p *auth.Principal, q string, args []any, now time.Time) ([]Incident, error) {
	out, err := store.QueryAll(ctx, s.db.R(), func(r *sql.Rows) (Incident, error) {
		in, err := scanIncident(r)
		return incidentFor(p, in, now), err
	}, q, args...)
	if err != nil {
		return nil, fmt.Errorf("incidents: %w", err)
	}
	return out, nil
}

func (s *Service) incident(ctx context.Context, q store.Querier, p *auth.Principal, id string) (Incident, error) {
	in, err := scanIncident(q.QueryRowContext(ctx, `SELECT `+incidentCols+` FROM duty_incident WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return in, errs.New(errs.NotFound, "not_found")
	}
	if err != nil {
		return in, fmt.Errorf("incident: %w", err)
	}
	if in.CountyCode != p.CountyCode || (p.Role == auth.RoleTown && !strings.HasPrefix(in.TownCode, p.RegionPrefix())) {
		return Incident{}, errs.OutOfScope("duty_incident", id)
	}
	return in, nil
}

// IncidentDetail is an incident with its chain of reports and 批示.
type IncidentDetail struct {
	Incident
	ReportList   []Report      `json:"report_list"`
	Instructions []Instruction `json:"instructions"`
	// NextKind is the kind of report that may come next ("" when closed).
	NextKinds []string `json:"next_kinds,omitempty"`
}

// Incident returns an incident in scope with its reports and 批示.
func (s *Service) Incident(ctx context.Context, p *auth.Principal, id string) (IncidentDetail, error) {
	if !CanRead(p) {
		return IncidentDetail{}, forbidden()
	}
	in, err := s.incident(ctx, s.db.R(), p, id)
	if err != nil {
		return IncidentDetail{}, err
	}
	d := IncidentDetail{Incident: incidentFor(p, in, s.now())}
	if d.ReportList, err = s.reports(ctx, s.db.R(), id); err != nil {
		return d, err
	}
	if !SeesFull(p) {
		for i := range d.ReportList {
			d.ReportList[i].Content = person.MaskIDsIn(d.ReportList[i].Content)
		}
	}
	if d.Instructions, err = s.instructions(ctx, id); err != nil {
		return d, err
	}
	switch {
	case in.Closed:
	case len(d.ReportList) == 0:
		d.NextKinds = []string{First}
	default:
		d.NextKinds = []string{Follow, Final}
	}
	return d, nil
}

func (s *Service) reports(ctx context.Context, q store.Querier, id string) ([]Report, error) {
	out, err := store.QueryAll(ctx, q, func(rows *sql.Rows) (Report, error) {
		var r Report
		return r, rows.Scan(&r.ID, &r.IncidentID, &r.Kind, &r.Seq, &r.ReportedAt, &r.DueAt, &r.OnTime, &r.To, &r.Via, &r.Content,
			&r.Deaths, &r.Injuries, &r.Missing, &r.RecordedBy, &r.RecordedAt)
	}, `SELECT id, incident_id, kind, seq, reported_at, due_at, on_time, to_whom, via, content, deaths, injuries, missing,
		recorded_by, recorded_at FROM duty_report WHERE incident_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	return out, nil
}

func (s *Service) instructions(ctx context.Context, id string) ([]Instruction, error) {
	out, err := store.QueryAll(ctx, s.db.R(), func(rows *sql.Rows) (Instruction, error) {
		var x Instruction
		var done sql.NullTime
		err := rows.Scan(&x.ID, &x.IncidentID, &x.GivenBy, &x.GivenAt, &x.Content, &x.Assignee, &done, &x.DoneNote, &x.RecordedBy, &x.RecordedAt)
		x.DoneAt = nullTime(done)
		return x, err
	}, `SELECT id, incident_id, given_by, given_at, content, assignee, done_at, done_note, recorded_by, recorded_at
		FROM duty_instruction WHERE incident_id = $1 ORDER BY given_at, recorded_at`, id)
	if err != nil {
		return nil, fmt.Errorf("instructions: %w", err)
	}
	return out, nil
}

// CreateIncident records a received incident; its first report is due
// from the received time by the county's deadlines.
func (s *Service) CreateIncident(ctx context.Context, p *auth.Principal, in Incident) (Incident, error) {
	if !CanWrite(p) {
		return in, forbidden()
	}
	now := s.now()
	if err := CheckIncident(&in, now); err != nil {
		return in, err
	}
	if err := s.checkAccident(ctx, p, in.AccidentID); err != nil {
		return in, err
	}
	err := s.db.InTx(ctx, func(tx *store.Tx) error { return s.createIncidentTx(ctx, tx, p, &in, now) })
	return in, err
}

// createIncidentTx writes a checked incident in tx, its first report due
// by the county's deadlines; audited.
func (s *Service) createIncidentTx(ctx context.Context, tx *store.Tx, p *auth.Principal, inp *Incident, now time.Time) error {
	in := *inp
	st, _, _, err := s.settings(ctx, tx, p.CountyCode)
	if err != nil {
		return err
	}
	in.ID, in.CountyCode, in.CreatedBy, in.CreatedName, in.CreatedAt, in.UpdatedAt = ids.New(), p.CountyCode, p.UserID, displayName(p), now.UTC(), now.UTC()
	in.Reports, in.Closed = 0, false
	in.NextDue, _, in.OnTime, _ = Status(in, nil, st.Deadlines, now)
	in.OnTime = true // nothing has been late yet when written; the sweep and reads judge the deadline
	if _, err := tx.ExecContext(ctx, `INSERT INTO duty_incident (`+incidentCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26)`,
		in.ID, in.CountyCode, in.Title, in.ReceivedAt.UTC(), store.NullTime(in.OccurredAt.UTC()), in.Source, in.Category, in.Subtype, in.Level,
		in.TownCode, in.Place, in.Lat, in.Lng, in.Deaths, in.Injuries, in.Missing, in.Summary, in.AccidentID, in.Closed,
		store.NullTime(in.NextDue.UTC()), in.OnTime, in.Reports, in.CreatedBy, in.CreatedName, in.CreatedAt, in.UpdatedAt); err != nil {
		return fmt.Errorf("insert incident: %w", err)
	}
	*inp = in
	a := in
	a.Summary = person.MaskIDsIn(a.Summary)
	return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "duty_incident", EntityID: in.ID, Action: "create", After: a})
}

// UpdateIncident changes what is known of an open incident (its level
// may rise as casualties become known): the deadline of the next report
// follows the new category and level. A closed incident (终报 made) is
// not changed.
func (s *Service) UpdateIncident(ctx context.Context, p *auth.Principal, id string, in Incident) (Incident, error) {
	if !CanWrite(p) {
		return in, forbidden()
	}
	now := s.now()
	if err := s.checkAccident(ctx, p, in.AccidentID); err != nil {
		return in, err
	}
	var out Incident
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		before, err := s.incident(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if before.Closed {
			return errs.New(errs.Conflict, "duty.incident_closed")
		}
		in.ReceivedAt = before.ReceivedAt
		if err := CheckIncident(&in, now); err != nil {
			return err
		}
		st, _, _, err := s.settings(ctx, tx, p.CountyCode)
		if err != nil {
			return err
		}
		reps, err := s.reports(ctx, tx, id)
		if err != nil {
			return err
		}
		out = before
		out.Title, out.OccurredAt, out.Source, out.Category, out.Subtype, out.Level = in.Title, in.OccurredAt, in.Source, in.Category, in.Subtype, in.Level
		out.TownCode, out.Place, out.Lat, out.Lng, out.Summary, out.AccidentID = in.TownCode, in.Place, in.Lat, in.Lng, in.Summary, in.AccidentID
		out.Deaths, out.Injuries, out.Missing, out.UpdatedAt = in.Deaths, in.Injuries, in.Missing, now.UTC()
		out.NextDue, _, out.OnTime, _ = Status(out, reps, st.Deadlines, now)
		if !before.OnTime {
			out.OnTime = false
		}
		if _, err := tx.ExecContext(ctx, `UPDATE duty_incident SET title=$1, occurred_at=$2, source=$3, category=$4, subtype=$5, level=$6, town_code=$7,
			place=$8, lat=$9, lng=$10, summary=$11, accident_id=$12, deaths=$13, injuries=$14, missing=$15, next_due=$16, on_time=$17, updated_at=$18 WHERE id=$19`,
			out.Title, store.NullTime(out.OccurredAt.UTC()), out.Source, out.Category, out.Subtype, out.Level, out.TownCode, out.Place, out.Lat, out.Lng,
			out.Summary, out.AccidentID, out.Deaths, out.Injuries, out.Missing, store.NullTime(out.NextDue.UTC()), out.OnTime, out.UpdatedAt, id); err != nil {
			return fmt.Errorf("update incident: %w", err)
		}
		b, a := before, out
		b.Summary, a.Summary = person.MaskIDsIn(b.Summary), person.MaskIDsIn(a.Summary)
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "duty_incident", EntityID: id, Action: "update", Before: b, After: a})
	})
	return incidentFor(p, out, now), err
}

// AddReport adds the next report of the chain (首报, 续报 or 终报). The
// chain rule refuses a 续报 or 终报 before the 首报 (409); the deadline
// and whether it was met are computed from the times. The incident takes
// the report's casualty figures.
func (s *Service) AddReport(ctx context.Context, p *auth.Principal, incidentID string, r Report) (Report, error) {
	if !CanWrite(p) {
		return r, forbidden()
	}
	now := s.now()
	err := s.db.InTx(ctx, func(tx *store.Tx) error { return s.addReportTx(ctx, tx, p, incidentID, &r, now) })
	return r, err
}

// addReportTx adds the next report of an incident's chain in tx (the
// chain rule NextReport, then CheckReport); audited.
func (s *Service) addReportTx(ctx context.Context, tx *store.Tx, p *auth.Principal, incidentID string, rp *Report, now time.Time) error {
	r := *rp
	in, err := s.incident(ctx, tx, p, incidentID)
	if err != nil {
		return err
	}
	st, _, _, err := s.settings(ctx, tx, p.CountyCode)
	if err != nil {
		return err
	}
	prior, err := s.reports(ctx, tx, incidentID)
	if err != nil {
		return err
	}
	seq, due, err := NextReport(in, prior, r.Kind, st.Deadlines)
	if err != nil {
		return err
	}
	if err := CheckReport(&r, prior, in, now); err != nil {
		return err
	}
	r.ID, r.IncidentID, r.Seq, r.DueAt, r.RecordedBy, r.RecordedAt = ids.New(), incidentID, seq, due, p.UserID, now.UTC()
	r.OnTime = !r.ReportedAt.After(due)
	if _, err := tx.ExecContext(ctx, `INSERT INTO duty_report (id, incident_id, county_code, kind, seq, reported_at, due_at, on_time, to_whom, via,
		content, deaths, injuries, missing, recorded_by, recorded_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)`,
		r.ID, incidentID, p.CountyCode, r.Kind, r.Seq, r.ReportedAt.UTC(), r.DueAt.UTC(), r.OnTime, r.To, r.Via, r.Content, r.Deaths, r.Injuries,
		r.Missing, r.RecordedBy, r.RecordedAt); err != nil {
		if store.IsUniqueViolation(err) {
			return errs.New(errs.Conflict, "duty.report_race")
		}
		return fmt.Errorf("insert report: %w", err)
	}
	all := append(prior, r)
	next, _, onTime, closed := Status(in, all, st.Deadlines, r.ReportedAt)
	if _, err := tx.ExecContext(ctx, `UPDATE duty_incident SET closed = $1, next_due = $2, on_time = $3, reports = $4, deaths = $5, injuries = $6,
		missing = $7, updated_at = $8 WHERE id = $9`, closed, store.NullTime(next.UTC()), onTime, len(all), r.Deaths, r.Injuries, r.Missing,
		now.UTC(), incidentID); err != nil {
		return err
	}
	*rp = r
	a := r
	a.Content = person.MaskIDsIn(a.Content)
	return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "duty_incident", EntityID: incidentID, Action: "report_" + r.Kind, After: a})
}

// AddInstruction records a 领导批示 on an incident.
func (s *Service) AddInstruction(ctx context.Context, p *auth.Principal, incidentID string, x Instruction) (Instruction, error) {
	if !CanWrite(p) {
		return x, forbidden()
	}
	now := s.now()
	if x.GivenBy == "" && p.Role == auth.RoleLeader {
		x.GivenBy = displayName(p)
	}
	if err := CheckInstruction(&x, now); err != nil {
		return x, err
	}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := s.incident(ctx, tx, p, incidentID); err != nil {
			return err
		}
		x.ID, x.IncidentID, x.RecordedBy, x.RecordedAt, x.DoneAt, x.DoneNote = ids.New(), incidentID, p.UserID, now.UTC(), time.Time{}, ""
		if _, err := tx.ExecContext(ctx, `INSERT INTO duty_instruction (id, incident_id, county_code, given_by, given_at, content, assignee, recorded_by, recorded_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`, x.ID, incidentID, p.CountyCode, x.GivenBy, x.GivenAt.UTC(), x.Content, x.Assignee, x.RecordedBy, x.RecordedAt); err != nil {
			return fmt.Errorf("insert instruction: %w", err)
		}
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "duty_instruction", EntityID: x.ID, Action: "create", After: x})
	})
	return x, err
}

// DoneInstruction marks a 批示 carried out (落实), with what was done.
func (s *Service) DoneInstruction(ctx context.Context, p *auth.Principal, id, note string) (Instruction, error) {
	if !CanWrite(p) {
		return Instruction{}, forbidden()
	}
	note = strings.TrimSpace(note)
	if note == "" {
		return Instruction{}, errs.Field("done_note", "duty.done_note_required", nil)
	}
	var x Instruction
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var county string
		var done sql.NullTime
		err := tx.QueryRowContext(ctx, `SELECT id, incident_id, county_code, given_by, given_at, content, assignee, done_at FROM duty_instruction WHERE id = $1`, id).
			Scan(&x.ID, &x.IncidentID, &county, &x.GivenBy, &x.GivenAt, &x.Content, &x.Assignee, &done)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.NotFound, "not_found")
		}
		if err != nil {
			return err
		}
		if county != p.CountyCode {
			return errs.OutOfScope("duty_instruction", id)
		}
		if _, err := s.incident(ctx, tx, p, x.IncidentID); err != nil {
			return err
		}
		if done.Valid {
			return errs.New(errs.Conflict, "duty.instruction_done_already")
		}
		now := s.now().UTC()
		x.DoneAt, x.DoneNote = now, note
		if _, err := tx.ExecContext(ctx, `UPDATE duty_instruction SET done_at = $1, done_note = $2 WHERE id = $3`, now, note, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "duty_instruction", EntityID: id, Action: "done", After: map[string]any{"done_note": note}})
	})
	return x, err
}

// OpenInstructions counts the 批示 not yet done in p's county.
func (s *Service) OpenInstructions(ctx context.Context, p *auth.Principal) (int, error) {
	var n int
	err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM duty_instruction WHERE county_code = $1 AND done_at IS NULL`, p.CountyCode).Scan(&n)
	return n, err
}

// Overdue counts the open incidents in p's scope whose next report is
// past due.
func (s *Service) Overdue(ctx context.Context, p *auth.Principal) (int, error) {
	_, n, err := s.Incidents(ctx, p, IncidentFilter{State: "overdue", Limit: 1})
	return n, err
}

// ---- The overdue sweep ----

// SweepKind is the periodic job raising overdue reports.
const SweepKind = "duty_overdue"

// Sweep raises every open incident whose next report is past due (all
// counties): the incident is marked late (on_time false) and the leader
// on duty is told — in the inbox and on every channel the leader has —
// once per deadline (the dedupe key holds the deadline). When the leader
// on duty has no account, or no shift covers now, the county's leaders
// are told. Running it twice tells once. It returns the notifications
// written.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	now := s.now()
	due, err := store.QueryAll(ctx, s.db.R(), func(r *sql.Rows) (Incident, error) { return scanIncident(r) },
		`SELECT `+incidentCols+` FROM duty_incident WHERE closed = $1 AND next_due < $2 ORDER BY county_code, next_due`, false, now.UTC())
	if err != nil {
		return 0, fmt.Errorf("overdue incidents: %w", err)
	}
	targets := map[string][]string{}
	for _, in := range due {
		if _, ok := targets[in.CountyCode]; ok {
			continue
		}
		var users []string
		sh, ok, err := s.OnDuty(ctx, in.CountyCode, now)
		if err != nil {
			return 0, err
		}
		if l, has := sh.Leader(); ok && has && l.UserID != "" {
			users = []string{l.UserID}
		} else if users, err = s.leaders(ctx, in.CountyCode); err != nil {
			return 0, err
		}
		targets[in.CountyCode] = users
	}
	n := 0
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		n = 0
		for _, in := range due {
			if in.OnTime {
				if _, err := tx.ExecContext(ctx, `UPDATE duty_incident SET on_time = $1 WHERE id = $2`, false, in.ID); err != nil {
					return err
				}
				if err := audit.Record(ctx, tx, now, audit.Actor{UserID: "system", Username: "system", CountyCode: in.CountyCode},
					audit.Entry{Entity: "duty_incident", EntityID: in.ID, Action: "overdue", After: map[string]any{"next_due": in.NextDue}}); err != nil {
					return err
				}
			}
			if s.notify == nil {
				continue
			}
			kind := "续报"
			if in.Reports == 0 {
				kind = "首报"
			}
			title := fmt.Sprintf("突发事件%s逾期：%s", kind, person.MaskIDsIn(in.Title))
			body := fmt.Sprintf("%s（%s）应于 %s 前%s，已超时。请督促值班员立即报送。", person.MaskIDsIn(in.Title), LevelLabel(in.Level),
				in.NextDue.In(Shanghai).Format("2006-01-02 15:04"), kind)
			for _, uid := range targets[in.CountyCode] {
				created, err := s.notify.Enqueue(ctx, tx, notify.Message{CountyCode: in.CountyCode, UserID: uid, Topic: "duty.overdue",
					Title: title, Body: body, Link: "/duty/incidents/" + in.ID, Entity: "duty_incident", EntityID: in.ID,
					DedupeKey: fmt.Sprintf("duty.overdue:%s:%s:%s", in.ID, in.NextDue.UTC().Format(time.RFC3339), uid)})
				if err != nil {
					return err
				}
				if created {
					n++
				}
			}
		}
		return nil
	})
	return n, err
}
