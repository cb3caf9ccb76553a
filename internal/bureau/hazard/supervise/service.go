package supervise

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/calendar"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
)

// Recipients finds the users to notify (auth.Service has it).
type Recipients interface {
	UserIDsWhere(ctx context.Context, county, enterpriseID, unitID, townCode string, roles ...auth.Role) ([]string, error)
}

// SelfReports tells which enterprises in the principal's scope have not
// filed a periodic hazard self-report (隐患排查治理统计分析表) that was
// due on asOf: the self-report yellow cards. *hazard.Service has it.
type SelfReports interface {
	MissingSelfReports(ctx context.Context, p *auth.Principal, period hazard.Period, asOf time.Time) ([]hazard.SelfReportStatus, error)
}

// Config is what the service needs.
type Config struct {
	DB         *store.DB
	Hazard     *hazard.Service
	Enterprise *enterprise.Service
	Org        *org.Service
	Notify     *notify.Service // nil: the sweep notifies nobody
	People     Recipients
	// SelfReports gives the missing self-reports; nil: no self-report
	// cards until the hazard ledger provides them.
	SelfReports SelfReports
	// Calendar counts working days (publication of listings); nil: the
	// built-in holiday table.
	Calendar Workdays
	Now      func() time.Time
	// CountyName is the name used when the county has no region row.
	CountyName string
	Log        *slog.Logger
	// Batch is the number of hazards written per sweep transaction
	// (default 1000).
	Batch int
	// SweepBudget bounds one sweep run: once a county's run has spent it,
	// the card pass and the reminders stop after the batch in hand (each
	// batch is committed in its own transaction) and the next run carries
	// on from where this one stopped (default 5 s; negative: unbounded).
	SweepBudget time.Duration
	// SweepRows bounds one run to about this many hazards looked at in a
	// full card pass (rounded up to a batch); 0: no bound by rows.
	SweepRows int
}

// Service runs cards, letters, listings and extensions.
type Service struct {
	cfg Config
	// afterBatch, when set (tests), is called after each committed batch
	// of the card pass with the number of hazards looked at so far.
	afterBatch func(checked int)
}

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Calendar == nil {
		cal := calendar.New(nil, nil)
		cfg.Calendar = cal
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 1000
	}
	if cfg.SweepBudget == 0 {
		cfg.SweepBudget = 5 * time.Second
	}
	s := &Service{cfg: cfg}
	if cfg.Hazard != nil {
		// Every change to a hazard gives it its card in the same
		// transaction.
		cfg.Hazard.OnChange(s.RecardTx)
	}
	return s
}

func (s *Service) now() time.Time { return s.cfg.Now() }

// today is the calendar day of now as stored (YYYY-MM-DD).
func (s *Service) today() string { return hazard.Date(s.now()) }

// Calendar returns the working-day calendar.
func (s *Service) Calendar() Workdays { return s.cfg.Calendar }

// getHazard reads a hazard (inside a transaction or from the reader).
func getHazard(ctx context.Context, q store.Querier, id string) (hazard.Record, error) {
	r, err := hazard.Scan(q.QueryRowContext(ctx, `SELECT `+hazard.Cols+` FROM hazard WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, errs.Field("hazard_id", "supervise.hazard_unknown", nil)
	}
	if err != nil {
		return r, fmt.Errorf("hazard: %w", err)
	}
	return r, nil
}

// hazardInScope reads a hazard the principal may see.
func (s *Service) hazardInScope(ctx context.Context, q store.Querier, p *auth.Principal, id string) (hazard.Record, error) {
	if strings.TrimSpace(id) == "" {
		return hazard.Record{}, errs.Field("hazard_id", "supervise.hazard_required", nil)
	}
	h, err := getHazard(ctx, q, id)
	if err != nil {
		return h, err
	}
	if !hazard.CanSee(p, h) {
		return hazard.Record{}, errs.Field("hazard_id", "supervise.hazard_unknown", nil)
	}
	return h, nil
}

// Hazard returns a hazard in the principal's scope (forms).
func (s *Service) Hazard(ctx context.Context, p *auth.Principal, id string) (hazard.Record, error) {
	return s.hazardInScope(ctx, s.cfg.DB.R(), p, id)
}

// coreActor is the principal a decision is applied to the hazard with. A
// bureau leader (局领导) decides extensions and acceptances but is not
// among the hazard loop's actors; the step is applied with county-wide
// rights in the leader's name (the audit and timeline name the leader).
func coreActor(p *auth.Principal) *auth.Principal {
	if p.Role != auth.RoleLeader {
		return p
	}
	c := *p
	c.Role = auth.RoleAdmin
	return &c
}

// Staff roles of this package's decisions.
var (
	// Deciders issue letters, list hazards, accept and decide extensions.
	Deciders = []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection}
	// Requesters may ask for an extension.
	Requesters = hazard.ExtensionRequesters
)

// Event is one step of a letter, listing or extension request.
type Event struct {
	ID     string    `json:"id"`
	Action string    `json:"action"`
	OnDay  string    `json:"on_day"`
	At     time.Time `json:"at"`
	ByUser string    `json:"by_user"`
	ByName string    `json:"by_name"`
	Note   string    `json:"note,omitempty"`
}

func addEvent(ctx context.Context, tx *store.Tx, now time.Time, county, entity, entityID, action, on string, p *auth.Principal, note string) error {
	name := p.DisplayName
	if name == "" {
		name = p.Username
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO supervision_event (id, county_code, entity, entity_id, action, on_day, at, by_user, by_name, note)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, ids.New(), county, entity, entityID, action, on, now.UTC(), p.UserID, name, strings.TrimSpace(note))
	if err != nil {
		return fmt.Errorf("supervision event: %w", err)
	}
	return nil
}

func (s *Service) events(ctx context.Context, entity, id string) ([]Event, error) {
	rows, err := s.cfg.DB.R().QueryContext(ctx, `SELECT id, action, on_day, at, by_user, by_name, note FROM supervision_event
		WHERE entity = $1 AND entity_id = $2 ORDER BY at, id`, entity, id)
	if err != nil {
		return nil, fmt.Errorf("supervision events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.ID, &e.Action, &e.OnDay, &e.At, &e.ByUser, &e.ByName, &e.Note); err != nil {
			return nil, fmt.Errorf("supervision events: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// people resolves and caches notification recipients during a sweep.
type people struct {
	s        *Service
	county   string
	ent      map[string][]string
	town     map[string][]string
	sector   map[string][]string
	sections []org.Unit
	loaded   bool
}

func (s *Service) newPeople(county string) *people {
	return &people{s: s, county: county, ent: map[string][]string{}, town: map[string][]string{}, sector: map[string][]string{}}
}

func (pp *people) enterprise(ctx context.Context, id string) ([]string, error) {
	if id == "" || pp.s.cfg.People == nil {
		return nil, nil
	}
	if v, ok := pp.ent[id]; ok {
		return v, nil
	}
	v, err := pp.s.cfg.People.UserIDsWhere(ctx, pp.county, id, "", "")
	pp.ent[id] = v
	return v, err
}

func (pp *people) townUsers(ctx context.Context, code string) ([]string, error) {
	if code == "" || pp.s.cfg.People == nil {
		return nil, nil
	}
	if v, ok := pp.town[code]; ok {
		return v, nil
	}
	v, err := pp.s.cfg.People.UserIDsWhere(ctx, pp.county, "", "", code, auth.RoleTown)
	pp.town[code] = v
	return v, err
}

// sectionUsers are the staff of the sections whose sectors contain the
// sector (the supervising section, 监管股室).
func (pp *people) sectionUsers(ctx context.Context, sector string) ([]string, error) {
	if sector == "" || pp.s.cfg.People == nil || pp.s.cfg.Org == nil {
		return nil, nil
	}
	if v, ok := pp.sector[sector]; ok {
		return v, nil
	}
	if !pp.loaded {
		units, err := pp.s.cfg.Org.ListUnits(ctx, &auth.Principal{Role: auth.RoleLeader, CountyCode: pp.county}, org.UnitFilter{Kind: org.UnitSection})
		if err != nil {
			return nil, err
		}
		pp.sections, pp.loaded = units, true
	}
	var out []string
	for _, u := range pp.sections {
		if u.Disabled || !contains(u.Sectors, sector) {
			continue
		}
		ids, err := pp.s.cfg.People.UserIDsWhere(ctx, pp.county, "", u.ID, "", auth.RoleSection)
		if err != nil {
			return nil, err
		}
		out = append(out, ids...)
	}
	pp.sector[sector] = out
	return out, nil
}

// card lists the users told of a card: the enterprise's accounts, the
// supervising section's staff and the town's staff, each once.
func (pp *people) card(ctx context.Context, enterpriseID, sector, town string) ([]string, error) {
	var all []string
	for _, f := range []func() ([]string, error){
		func() ([]string, error) { return pp.enterprise(ctx, enterpriseID) },
		func() ([]string, error) { return pp.sectionUsers(ctx, sector) },
		func() ([]string, error) { return pp.townUsers(ctx, town) },
	} {
		v, err := f()
		if err != nil {
			return nil, err
		}
		all = append(all, v...)
	}
	sort.Strings(all)
	out := all[:0]
	for i, u := range all {
		if i == 0 || u != all[i-1] {
			out = append(out, u)
		}
	}
	return out, nil
}

// tell enqueues one notification per user with a dedupe key, in tx; it
// returns how many were new.
func (s *Service) tell(ctx context.Context, tx *store.Tx, users []string, m notify.Message, key string) (int, error) {
	if s.cfg.Notify == nil {
		return 0, nil
	}
	n := 0
	for _, u := range users {
		m.UserID, m.DedupeKey = u, key+":"+u
		created, err := s.cfg.Notify.Enqueue(ctx, tx, m)
		if err != nil {
			return n, err
		}
		if created {
			n++
		}
	}
	return n, nil
}

// rowsExec writes rows (each a list of arguments in the same order) in
// tx. On PostgreSQL it runs set(n), one statement over n rows (an UPDATE
// … FROM (VALUES …) or a multi-row INSERT), per chunk of rows; on SQLite
// it runs one, the statement for one row, prepared once, per row: in
// process a row costs microseconds, while a long VALUES list is slow
// there (modernc binds $N parameters in time quadratic in their number).
// With returning, set ends in RETURNING the rows' key (their first
// argument) and rowsExec returns the keys changed; on SQLite a row
// changed when it affected a row.
func rowsExec(ctx context.Context, tx *store.Tx, rows [][]any, set func(n int) string, one string, returning bool) (map[string]bool, error) {
	done := map[string]bool{}
	if len(rows) == 0 {
		return done, nil
	}
	if tx.Engine == store.Postgres {
		per := max(1, min(1000, 60000/len(rows[0])))
		for len(rows) > 0 {
			n := min(per, len(rows))
			args := make([]any, 0, n*len(rows[0]))
			for _, r := range rows[:n] {
				args = append(args, r...)
			}
			if !returning {
				if _, err := tx.ExecContext(ctx, set(n), args...); err != nil {
					return done, err
				}
			} else {
				res, err := tx.QueryContext(ctx, set(n), args...)
				if err != nil {
					return done, err
				}
				for res.Next() {
					var k string
					if err := res.Scan(&k); err != nil {
						res.Close()
						return done, err
					}
					done[k] = true
				}
				res.Close()
				if err := res.Err(); err != nil {
					return done, err
				}
			}
			rows = rows[n:]
		}
		return done, nil
	}
	stmt, err := tx.PrepareContext(ctx, one)
	if err != nil {
		return done, err
	}
	defer stmt.Close()
	for _, r := range rows {
		res, err := stmt.ExecContext(ctx, r...)
		if err != nil {
			return done, err
		}
		if n, err := res.RowsAffected(); err == nil && n > 0 {
			done[fmt.Sprint(r[0])] = true
		}
	}
	return done, nil
}

// rowsQuery is rowsExec for statements returning columns of the rows
// they wrote (set and one end in RETURNING): scan is called for each row
// returned; on SQLite a row that returns nothing was not written.
func rowsQuery(ctx context.Context, tx *store.Tx, rows [][]any, set func(n int) string, one string, scan func(interface{ Scan(...any) error }) error) error {
	if len(rows) == 0 {
		return nil
	}
	if tx.Engine == store.Postgres {
		per := max(1, min(1000, 60000/len(rows[0])))
		for len(rows) > 0 {
			n := min(per, len(rows))
			args := make([]any, 0, n*len(rows[0]))
			for _, r := range rows[:n] {
				args = append(args, r...)
			}
			res, err := tx.QueryContext(ctx, set(n), args...)
			if err != nil {
				return err
			}
			for res.Next() {
				if err := scan(res); err != nil {
					res.Close()
					return err
				}
			}
			res.Close()
			if err := res.Err(); err != nil {
				return err
			}
			rows = rows[n:]
		}
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, one)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, r := range rows {
		res, err := stmt.QueryContext(ctx, r...)
		if err != nil {
			return err
		}
		for res.Next() {
			if err := scan(res); err != nil {
				res.Close()
				return err
			}
		}
		res.Close()
		if err := res.Err(); err != nil {
			return err
		}
	}
	return nil
}

// placeholders writes ($1,$2,…),(…) for rows of n values each, from $start+1.
func placeholders(rows, n, start int) string {
	var b strings.Builder
	k := start
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("(")
		for j := 0; j < n; j++ {
			if j > 0 {
				b.WriteString(",")
			}
			k++
			fmt.Fprintf(&b, "$%d", k)
		}
		b.WriteString(")")
	}
	return b.String()
}

// RenameEnterpriseTx gives an enterprise's cards, letters, listings and
// extension requests its new name, inside the renaming transaction.
func (s *Service) RenameEnterpriseTx(ctx context.Context, tx *store.Tx, enterpriseID, name string) error {
	for _, table := range []string{"hazard_card_event", "supervision_letter", "listing", "extension_request"} {
		if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET place_name = $1 WHERE enterprise_id = $2`, name, enterpriseID); err != nil {
			return fmt.Errorf("rename %s enterprise: %w", table, err)
		}
	}
	return nil
}
