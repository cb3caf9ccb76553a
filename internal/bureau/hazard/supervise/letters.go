package supervise

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/store"
)

// Letter is a supervision letter (督办函) on an overdue hazard, issued in
// the name of the county safety committee's office (县安委办).
type Letter struct {
	ID           string    `json:"id"`
	CountyCode   string    `json:"county_code"`
	HazardID     string    `json:"hazard_id"`
	EnterpriseID string    `json:"enterprise_id,omitempty"`
	PlaceName    string    `json:"place_name"`
	TownCode     string    `json:"town_code"`
	Sector       string    `json:"sector,omitempty"`
	UnitID       string    `json:"unit_id,omitempty"`
	Number       string    `json:"number"`
	NumberYear   int       `json:"number_year"`
	NumberSerial int       `json:"number_serial"`
	Issuer       string    `json:"issuer"`
	IssuedOn     string    `json:"issued_on"`
	Deadline     string    `json:"deadline"`
	Measures     string    `json:"measures"`
	State        string    `json:"state"`
	RectifiedOn  string    `json:"rectified_on,omitempty"`
	CreatedBy    string    `json:"created_by"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

const letterCols = `id, county_code, hazard_id, enterprise_id, place_name, town_code, sector, unit_id, number, number_year, number_serial,
	issuer, issued_on, deadline, measures, state, rectified_on, created_by, created_at, updated_at`

func scanLetter(sc interface{ Scan(...any) error }) (Letter, error) {
	var l Letter
	var y, n int64
	err := sc.Scan(&l.ID, &l.CountyCode, &l.HazardID, &l.EnterpriseID, &l.PlaceName, &l.TownCode, &l.Sector, &l.UnitID, &l.Number, &y, &n,
		&l.Issuer, &l.IssuedOn, &l.Deadline, &l.Measures, &l.State, &l.RectifiedOn, &l.CreatedBy, &l.CreatedAt, &l.UpdatedAt)
	l.NumberYear, l.NumberSerial = int(y), int(n)
	return l, err
}

// LetterInput is a letter to issue, as typed.
type LetterInput struct {
	HazardID string `json:"hazard_id"`
	IssuedOn string `json:"issued_on"`
	Deadline string `json:"deadline"`
	Measures string `json:"measures"`
}

// errNumberTaken makes IssueLetter try the next serial (a concurrent
// writer took this one).
var errNumberTaken = errors.New("number taken")

// nextSerial is max+1 of a number serial of a county and year.
func nextSerial(ctx context.Context, tx *store.Tx, table, county string, year int) (int, error) {
	var n int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(max(number_serial), 0) + 1 FROM `+table+` WHERE county_code = $1 AND number_year = $2`,
		county, int64(year)).Scan(&n); err != nil {
		return 0, fmt.Errorf("next serial: %w", err)
	}
	return int(n), nil
}

// IssueLetter issues a supervision letter on an overdue hazard (section
// staff, leaders, administrators). The number runs per county and year.
func (s *Service) IssueLetter(ctx context.Context, p *auth.Principal, in LetterInput) (Letter, error) {
	if !p.Is(Deciders...) {
		return Letter{}, errs.New(errs.Forbidden, "forbidden")
	}
	issued, err1 := parseDay("issued_on", in.IssuedOn, true)
	deadline, err2 := parseDay("deadline", in.Deadline, true)
	if err := errors.Join(err1, err2); err != nil {
		var fe errs.FieldErrors
		for _, e := range []error{err1, err2} {
			if e != nil {
				fe = append(fe, e.(*errs.Error))
			}
		}
		return Letter{}, fe.Err()
	}
	var l Letter
	for attempt := 0; attempt < 5; attempt++ {
		err := s.cfg.DB.InTx(ctx, func(tx *store.Tx) error {
			h, err := s.hazardInScope(ctx, tx, p, in.HazardID)
			if err != nil {
				return err
			}
			var running int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM supervision_letter WHERE hazard_id = $1 AND state <> $2`,
				h.ID, LetterRectified).Scan(&running); err != nil {
				return err
			}
			if err := CheckLetter(h, issued, deadline, in.Measures, s.today(), running > 0); err != nil {
				return err
			}
			set, err := s.settings(ctx, tx, h.CountyCode)
			if err != nil {
				return err
			}
			year := day(issued).Year()
			serial, err := nextSerial(ctx, tx, "supervision_letter", h.CountyCode, year)
			if err != nil {
				return err
			}
			now := s.now().UTC()
			l = Letter{ID: ids.New(), CountyCode: h.CountyCode, HazardID: h.ID, EnterpriseID: h.EnterpriseID, PlaceName: h.PlaceName,
				TownCode: h.TownCode, Sector: h.Sector, UnitID: h.UnitID, Number: FormatNumber(set.LetterPrefix, year, serial), NumberYear: year,
				NumberSerial: serial, Issuer: set.Issuer, IssuedOn: issued, Deadline: deadline, Measures: strings.TrimSpace(in.Measures),
				State: LetterIssued, CreatedBy: p.UserID, CreatedAt: now, UpdatedAt: now}
			if deadline < s.today() {
				l.State = LetterOverdue
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO supervision_letter (`+letterCols+`) VALUES `+placeholders(1, 20, 0),
				l.ID, l.CountyCode, l.HazardID, l.EnterpriseID, l.PlaceName, l.TownCode, l.Sector, l.UnitID, l.Number, l.NumberYear, l.NumberSerial,
				l.Issuer, l.IssuedOn, l.Deadline, l.Measures, l.State, l.RectifiedOn, l.CreatedBy, l.CreatedAt, l.UpdatedAt)
			if store.IsUniqueViolation(err) {
				return errNumberTaken
			}
			if err != nil {
				return fmt.Errorf("insert letter: %w", err)
			}
			if err := addEvent(ctx, tx, now, l.CountyCode, "letter", l.ID, "issue", issued, p, l.Number); err != nil {
				return err
			}
			return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "supervision_letter", EntityID: l.ID, Action: "create", After: l})
		})
		if !errors.Is(err, errNumberTaken) {
			return l, err
		}
	}
	return l, errs.New(errs.Conflict, "supervise.number_busy")
}

// LetterFilter selects letters.
type LetterFilter struct {
	State    string
	Grade    hazard.Grade // the grade of the letter's hazard (重大事故隐患督办函: major)
	From, To string       // issued_on in [From, To]
	HazardID string
	Q        string
	Limit    int
	Offset   int
}

// LetterFilterOf reads the filter from query parameters.
func LetterFilterOf(q url.Values) LetterFilter {
	return LetterFilter{State: q.Get("state"), Grade: hazard.Grade(q.Get("grade")), From: q.Get("from"), To: q.Get("to"), HazardID: q.Get("hazard"), Q: q.Get("q")}
}

func (f LetterFilter) where(p *auth.Principal) *store.Where {
	var w store.Where
	scope(p, &w, "")
	if f.State != "" {
		w.Add("state = ?", f.State)
	}
	if f.Grade != "" {
		w.Add("EXISTS (SELECT 1 FROM hazard h WHERE h.id = hazard_id AND h.grade = ?)", string(f.Grade))
	}
	if f.From != "" {
		w.Add("issued_on >= ?", f.From)
	}
	if f.To != "" {
		w.Add("issued_on <= ?", f.To)
	}
	if f.HazardID != "" {
		w.Add("hazard_id = ?", f.HazardID)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		like := store.Like(q)
		w.Add(`(place_name LIKE ? ESCAPE '\' OR number LIKE ? ESCAPE '\')`, like, like)
	}
	return &w
}

// Letters lists letters in scope, newest first, and the total.
func (s *Service) Letters(ctx context.Context, p *auth.Principal, f LetterFilter) ([]Letter, int, error) {
	return letterRegister.page(ctx, s.cfg.DB.R(), f.where(p), f.Limit, f.Offset)
}

// EachLetter streams the letters of the filter (exports).
func (s *Service) EachLetter(ctx context.Context, p *auth.Principal, f LetterFilter, fn func(Letter) error) error {
	return letterRegister.each(ctx, s.cfg.DB.R(), f.where(p), "", fn)
}

// LetterView is a letter with its hazard and steps.
type LetterView struct {
	Letter
	Hazard hazard.Record `json:"hazard"`
	Events []Event       `json:"events"`
}

// GetLetter returns a letter in scope.
func (s *Service) GetLetter(ctx context.Context, p *auth.Principal, id string) (LetterView, error) {
	l, err := scanLetter(s.cfg.DB.R().QueryRowContext(ctx, `SELECT `+letterCols+` FROM supervision_letter WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return LetterView{}, errs.New(errs.NotFound, "not_found")
	}
	if err != nil {
		return LetterView{}, fmt.Errorf("letter: %w", err)
	}
	h, err := getHazard(ctx, s.cfg.DB.R(), l.HazardID)
	if err != nil {
		return LetterView{}, err
	}
	if !hazard.CanSee(p, h) {
		return LetterView{}, errs.OutOfScope("supervision_letter", id)
	}
	v := LetterView{Letter: l, Hazard: h}
	v.Events, err = s.events(ctx, "letter", l.ID)
	return v, err
}
