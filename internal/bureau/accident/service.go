package accident

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/calendar"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/figure"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/store"
)

// Service keeps the accident register within the caller's scope.
type Service struct {
	db  *store.DB
	ent *enterprise.Service
	now func() time.Time
}

// New returns a Service.
func New(db *store.DB, ent *enterprise.Service, now func() time.Time) *Service {
	return &Service{db: db, ent: ent, now: now}
}

// Today is the service's Shanghai date.
func (s *Service) Today() string { return calendar.Today(s.now()).Format(calendar.DateLayout) }

// CanWrite reports whether p records accidents: administrators, sections,
// enforcement officers and the duty office (值班员, who takes the call).
func CanWrite(p *auth.Principal) bool {
	return p.Is(auth.RoleAdmin, auth.RoleSection, auth.RoleEnforcer, auth.RoleDuty)
}

const cols = `id, county_code, occurred_on, occurred_at, reported_at, place, enterprise_id, enterprise_name, town_code, sector, industry, kind,
	deaths, serious_injuries, loss_fen, level, investigation, summary, created_by, created_at, updated_at`

func scan(row interface{ Scan(...any) error }) (Accident, error) {
	var a Accident
	var rep sql.NullTime
	err := row.Scan(&a.ID, &a.CountyCode, &a.OccurredOn, &a.OccurredAt, &rep, &a.Place, &a.EnterpriseID, &a.EnterpriseName, &a.TownCode,
		&a.Sector, &a.Industry, &a.Kind, &a.Deaths, &a.SeriousInjuries, &a.LossFen, &a.Level, &a.Investigation, &a.Summary, &a.CreatedBy,
		&a.CreatedAt, &a.UpdatedAt)
	if rep.Valid {
		t := rep.Time
		a.ReportedAt = &t
	}
	return a, err
}

func scope(p *auth.Principal, w *store.Where) {
	w.Add("county_code = ?", p.CountyCode)
	switch p.Role {
	case auth.RoleSection:
		w.In("sector", p.Sectors)
	case auth.RoleTown:
		w.Add("town_code LIKE ?", p.RegionCode+"%")
	case auth.RoleEnterprise:
		w.Add("enterprise_id = ?", p.EnterpriseID)
	}
}

func inScope(p *auth.Principal, a Accident) bool {
	if a.CountyCode != p.CountyCode {
		return false
	}
	switch p.Role {
	case auth.RoleSection:
		for _, x := range p.Sectors {
			if x == a.Sector {
				return true
			}
		}
		return false
	case auth.RoleTown:
		return strings.HasPrefix(a.TownCode, p.RegionCode)
	case auth.RoleEnterprise:
		return a.EnterpriseID == p.EnterpriseID
	}
	return true
}

// problemsErr turns Validate's problems into field errors (422); a level
// contradicting the figures names its rule.
func problemsErr(ps []Problem) error {
	var fe errs.FieldErrors
	for _, p := range ps {
		fe = append(fe, errs.Field(p.Field, p.Rule, p.Args))
	}
	return fe.Err()
}

// prepare validates an input and fills in the enterprise.
func (s *Service) prepare(ctx context.Context, p *auth.Principal, in Input) (Accident, error) {
	if !CanWrite(p) {
		return Accident{}, errs.New(errs.Forbidden, "forbidden")
	}
	a, ps := Validate(in, s.Today())
	if id := strings.TrimSpace(in.EnterpriseID); id != "" {
		e, err := s.ent.Get(ctx, p, id)
		switch {
		case errs.KindOf(err) == errs.NotFound:
			ps = append(ps, Problem{"enterprise_id", "accident.enterprise_unknown", nil})
		case err != nil:
			return a, err
		default:
			a.EnterpriseID, a.EnterpriseName, a.TownCode, a.Sector = e.ID, e.Name, e.TownCode, e.Sector
		}
	} else {
		a.TownCode = strings.TrimSpace(in.TownCode)
		if p.Role == auth.RoleSection {
			// A section sees accidents by sector: it records those of its enterprises.
			ps = append(ps, Problem{"enterprise_id", "field.required", nil})
		}
	}
	if len(ps) > 0 {
		return a, problemsErr(ps)
	}
	a.CountyCode = p.CountyCode
	return a, nil
}

// Record stores an accident.
func (s *Service) Record(ctx context.Context, p *auth.Principal, in Input) (Accident, error) {
	a, err := s.prepare(ctx, p, in)
	if err != nil {
		return a, err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error { return s.insert(ctx, tx, p, &a, "create") })
	return a, err
}

func (s *Service) insert(ctx context.Context, tx *store.Tx, p *auth.Principal, a *Accident, action string) error {
	now := s.now().UTC()
	a.ID, a.CreatedBy, a.CreatedAt, a.UpdatedAt = ids.New(), p.UserID, now, now
	var rep any
	if a.ReportedAt != nil {
		rep = a.ReportedAt.UTC()
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO accident (`+cols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21)`,
		a.ID, a.CountyCode, a.OccurredOn, a.OccurredAt.UTC(), rep, a.Place, a.EnterpriseID, a.EnterpriseName, a.TownCode, a.Sector, a.Industry,
		a.Kind, a.Deaths, a.SeriousInjuries, a.LossFen, a.Level, a.Investigation, a.Summary, a.CreatedBy, now, now); err != nil {
		return fmt.Errorf("insert accident: %w", err)
	}
	return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "accident", EntityID: a.ID, Action: action, After: *a})
}

// View is an accident with its deadlines.
type View struct {
	Accident
	Deadlines Deadlines `json:"deadlines"`
}

// Get returns an accident within p's scope.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id string) (View, error) {
	a, err := scan(s.db.R().QueryRowContext(ctx, `SELECT `+cols+` FROM accident WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) || err == nil && !inScope(p, a) {
		return View{}, errs.OutOfScope("accident", id)
	}
	return View{Accident: a, Deadlines: DeadlinesOf(a)}, err
}

// Filter selects accidents.
type Filter struct {
	From, To string
	Level    string
	Industry string
	Region   string
	Section  string // unit id: its sectors (given by the caller as Sectors)
	Sectors  []string
	Limit    int
	Offset   int
}

// FilterOf reads a filter from query parameters.
func FilterOf(q url.Values) Filter {
	return Filter{From: q.Get("from"), To: q.Get("to"), Level: q.Get("level"), Industry: q.Get("industry"), Region: q.Get("town")}
}

func (f Filter) where(p *auth.Principal) *store.Where {
	var w store.Where
	scope(p, &w)
	if f.From != "" {
		w.Add("occurred_on >= ?", f.From)
	}
	if f.To != "" {
		w.Add("occurred_on <= ?", f.To)
	}
	if f.Level != "" {
		w.Add("level = ?", f.Level)
	}
	if f.Industry != "" {
		w.Add("industry = ?", f.Industry)
	}
	if f.Region != "" {
		w.Add("town_code LIKE ?", f.Region+"%")
	}
	if f.Sectors != nil {
		w.In("sector", f.Sectors)
	}
	return &w
}

// List returns a page of accidents and the total.
func (s *Service) List(ctx context.Context, p *auth.Principal, f Filter) ([]Accident, int, error) {
	w := f.where(p)
	var total int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM accident`+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count accidents: %w", err)
	}
	q := `SELECT ` + cols + ` FROM accident` + w.SQL() + ` ORDER BY occurred_on DESC, id DESC`
	if f.Limit > 0 {
		q += ` LIMIT ` + w.Arg(int64(f.Limit)) + ` OFFSET ` + w.Arg(int64(f.Offset))
	}
	rows, err := s.db.R().QueryContext(ctx, q, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("list accidents: %w", err)
	}
	defer rows.Close()
	var out []Accident
	for rows.Next() {
		a, err := scan(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, a)
	}
	return out, total, rows.Err()
}

// Totals are an accident count with its toll.
type Totals struct {
	Accidents int64    `json:"accidents"`
	Deaths    int64    `json:"deaths"`
	Injuries  int64    `json:"serious_injuries"`
	LossFen   int64    `json:"loss_fen"`
	IDs       []string `json:"-"`
}

// Total counts the accidents of a filter.
func (s *Service) Total(ctx context.Context, p *auth.Principal, f Filter) (Totals, error) {
	w := f.where(p)
	rows, err := s.db.R().QueryContext(ctx, `SELECT id, deaths, serious_injuries, loss_fen FROM accident`+w.SQL()+` ORDER BY id`, w.Args()...)
	if err != nil {
		return Totals{}, err
	}
	defer rows.Close()
	var t Totals
	for rows.Next() {
		var id string
		var d, i, l int64
		if err := rows.Scan(&id, &d, &i, &l); err != nil {
			return t, err
		}
		t.Accidents++
		t.Deaths += d
		t.Injuries += i
		t.LossFen += l
		t.IDs = append(t.IDs, id)
	}
	return t, rows.Err()
}

// Stats are a period's totals with the same period last year (同比).
type Stats struct {
	From     string `json:"from"`
	To       string `json:"to"`
	This     Totals `json:"this"`
	LastYear Totals `json:"last_year"`
	// Changes: this − last year (negative: fewer).
	AccidentsChange int64 `json:"accidents_change"`
	DeathsChange    int64 `json:"deaths_change"`
}

// StatsFor computes a period's counts and 同比.
func (s *Service) StatsFor(ctx context.Context, p *auth.Principal, per figure.Period, f Filter) (Stats, error) {
	f.From, f.To, f.Limit = per.FromDay(), per.ToDay(), 0
	this, err := s.Total(ctx, p, f)
	if err != nil {
		return Stats{}, err
	}
	ly := per.LastYear()
	f.From, f.To = ly.FromDay(), ly.ToDay()
	last, err := s.Total(ctx, p, f)
	return Stats{From: per.FromDay(), To: per.ToDay(), This: this, LastYear: last, AccidentsChange: this.Accidents - last.Accidents,
		DeathsChange: this.Deaths - last.Deaths}, err
}

// SectorsOf returns a section's sectors (for figure.Query.Section); set
// by the app (nil: the section filter is ignored).
type SectorsOf func(ctx context.Context, sectionID string) ([]string, error)

// Figures are the register's statistics for the period report.
func (s *Service) Figures(sectors SectorsOf) []figure.Figure {
	return []figure.Figure{{ID: "F-ACC-1", Section: "accident", Order: 1, Compare: true,
		Count: func(ctx context.Context, q figure.Query) (figure.Value, error) {
			f := Filter{Region: q.Region}
			if q.Section != "" && sectors != nil {
				list, err := sectors(ctx, q.Section)
				if err != nil {
					return figure.Value{}, err
				}
				f.Sectors = append([]string{}, list...)
			}
			st, err := s.StatsFor(ctx, q.P, q.Period, f)
			if err != nil {
				return figure.Value{}, err
			}
			link := func(per figure.Period) string {
				v := url.Values{"from": {per.FromDay()}, "to": {per.ToDay()}}
				if q.Region != "" {
					v.Set("town", q.Region)
				}
				return "/accidents?" + v.Encode()
			}
			var this, last []string
			if q.Records {
				this, last = st.This.IDs, st.LastYear.IDs
			}
			return figure.Value{Numbers: []figure.Number{
				{Key: "accidents", Value: st.This.Accidents, Kind: "accident", Records: this, Link: link(q.Period)},
				{Key: "deaths", Value: st.This.Deaths, Kind: "accident", Records: this, Link: link(q.Period)},
				{Key: "accidents_last", Value: st.LastYear.Accidents, Kind: "accident", Records: last, Link: link(q.Period.LastYear())},
				{Key: "deaths_last", Value: st.LastYear.Deaths, Kind: "accident", Records: last, Link: link(q.Period.LastYear())},
			}}, nil
		}}}
}
