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

// Listing is a major hazard under listed supervision (挂牌督办).
type Listing struct {
	ID                    string    `json:"id"`
	CountyCode            string    `json:"county_code"`
	HazardID              string    `json:"hazard_id"`
	EnterpriseID          string    `json:"enterprise_id,omitempty"`
	PlaceName             string    `json:"place_name"`
	TownCode              string    `json:"town_code"`
	Sector                string    `json:"sector,omitempty"`
	UnitID                string    `json:"unit_id,omitempty"`
	Level                 string    `json:"level"`
	Issuer                string    `json:"issuer"`
	Responsible           string    `json:"responsible"`
	Number                string    `json:"number"`
	NumberYear            int       `json:"number_year,omitempty"`
	NumberSerial          int       `json:"number_serial,omitempty"`
	ListedOn              string    `json:"listed_on"`
	Deadline              string    `json:"deadline"`
	Requirements          string    `json:"requirements,omitempty"`
	PublishedOn           string    `json:"published_on,omitempty"`
	AcceptanceRequestedOn string    `json:"acceptance_requested_on,omitempty"`
	AcceptedOn            string    `json:"accepted_on,omitempty"`
	AcceptedBy            string    `json:"accepted_by,omitempty"`
	AcceptanceNote        string    `json:"acceptance_note,omitempty"`
	DelistedOn            string    `json:"delisted_on,omitempty"`
	State                 string    `json:"state"`
	CreatedBy             string    `json:"created_by"`
	CreatedAt             time.Time `json:"created_at"`
	UpdatedAt             time.Time `json:"updated_at"`
}

const listingCols = `id, county_code, hazard_id, enterprise_id, place_name, town_code, sector, unit_id, level, issuer, responsible, number,
	number_year, number_serial, listed_on, deadline, requirements, published_on, acceptance_requested_on, accepted_on, accepted_by,
	acceptance_note, delisted_on, state, created_by, created_at, updated_at`

func scanListing(sc interface{ Scan(...any) error }) (Listing, error) {
	var l Listing
	var y, n int64
	err := sc.Scan(&l.ID, &l.CountyCode, &l.HazardID, &l.EnterpriseID, &l.PlaceName, &l.TownCode, &l.Sector, &l.UnitID, &l.Level, &l.Issuer,
		&l.Responsible, &l.Number, &y, &n, &l.ListedOn, &l.Deadline, &l.Requirements, &l.PublishedOn, &l.AcceptanceRequestedOn, &l.AcceptedOn,
		&l.AcceptedBy, &l.AcceptanceNote, &l.DelistedOn, &l.State, &l.CreatedBy, &l.CreatedAt, &l.UpdatedAt)
	l.NumberYear, l.NumberSerial = int(y), int(n)
	return l, err
}

func listingArgs(l Listing) []any {
	return []any{l.ID, l.CountyCode, l.HazardID, l.EnterpriseID, l.PlaceName, l.TownCode, l.Sector, l.UnitID, l.Level, l.Issuer, l.Responsible,
		l.Number, l.NumberYear, l.NumberSerial, l.ListedOn, l.Deadline, l.Requirements, l.PublishedOn, l.AcceptanceRequestedOn, l.AcceptedOn,
		l.AcceptedBy, l.AcceptanceNote, l.DelistedOn, l.State, l.CreatedBy, l.CreatedAt, l.UpdatedAt}
}

// ListingInput is a listing as typed. The deadline is the hazard's.
type ListingInput struct {
	HazardID     string `json:"hazard_id"`
	Level        string `json:"level"`
	Issuer       string `json:"issuer"`      // default: the county's issuer (县安委办)
	Responsible  string `json:"responsible"` // default: the enterprise
	Number       string `json:"number"`      // default for county level: the next 示安委办挂〔year〕n号
	ListedOn     string `json:"listed_on"`
	Requirements string `json:"requirements"`
	PublishedOn  string `json:"published_on"`
}

var errListed = errors.New("hazard listed meanwhile")

// ListHazard puts a major hazard under listed supervision (section staff,
// leaders, administrators) and marks it listed on the hazard.
func (s *Service) ListHazard(ctx context.Context, p *auth.Principal, in ListingInput) (Listing, error) {
	if !p.Is(Deciders...) {
		return Listing{}, errs.New(errs.Forbidden, "forbidden")
	}
	var fe errs.FieldErrors
	listedOn, err := parseDay("listed_on", in.ListedOn, true)
	if err != nil {
		fe = append(fe, err.(*errs.Error))
	}
	published, err := parseDay("published_on", in.PublishedOn, false)
	if err != nil {
		fe = append(fe, err.(*errs.Error))
	}
	if !contains(Levels, in.Level) {
		fe = append(fe, errs.Field("level", "field.invalid", nil))
	}
	if err := fe.Err(); err != nil {
		return Listing{}, err
	}
	var l Listing
	for attempt := 0; attempt < 5; attempt++ {
		err := s.cfg.DB.InTx(ctx, func(tx *store.Tx) error {
			h, err := s.hazardInScope(ctx, tx, p, in.HazardID)
			if err != nil {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM listing WHERE hazard_id = $1`, h.ID).Scan(&n); err != nil {
				return err
			}
			today := s.today()
			if err := CheckListing(h, listedOn, today, n > 0); err != nil {
				return err
			}
			if published != "" && (published < listedOn || published > today) {
				return rule("published_on", "publish_day", "Listed", listedOn)
			}
			set, err := s.settings(ctx, tx, h.CountyCode)
			if err != nil {
				return err
			}
			now := s.now().UTC()
			l = Listing{ID: ids.New(), CountyCode: h.CountyCode, HazardID: h.ID, EnterpriseID: h.EnterpriseID, PlaceName: h.PlaceName,
				TownCode: h.TownCode, Sector: h.Sector, UnitID: h.UnitID, Level: in.Level, Issuer: strings.TrimSpace(in.Issuer),
				Responsible: strings.TrimSpace(in.Responsible), Number: strings.TrimSpace(in.Number), ListedOn: listedOn, Deadline: h.Deadline,
				Requirements: strings.TrimSpace(in.Requirements), PublishedOn: published, State: ListingListed, CreatedBy: p.UserID,
				CreatedAt: now, UpdatedAt: now}
			if l.Issuer == "" {
				if l.Level != LevelCounty {
					return errs.Field("issuer", "field.required", nil)
				}
				l.Issuer = set.Issuer
			}
			if l.Responsible == "" {
				l.Responsible = h.PlaceName
			}
			assigned := false
			if l.Number == "" {
				if l.Level != LevelCounty {
					return errs.Field("number", "supervise.number_required", nil)
				}
				year := day(listedOn).Year()
				serial, err := nextSerial(ctx, tx, "listing", h.CountyCode, year)
				if err != nil {
					return err
				}
				l.Number, l.NumberYear, l.NumberSerial, assigned = FormatNumber(set.ListingPrefix, year, serial), year, serial, true
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO listing (`+listingCols+`) VALUES `+placeholders(1, 27, 0), listingArgs(l)...)
			if store.IsUniqueViolation(err) {
				var taken int
				if e := tx.QueryRowContext(ctx, `SELECT count(*) FROM listing WHERE hazard_id = $1`, h.ID).Scan(&taken); e == nil && taken > 0 {
					return errListed
				}
				if assigned {
					return errNumberTaken
				}
				return errs.Field("number", "supervise.number_taken", map[string]any{"Number": l.Number})
			}
			if err != nil {
				return fmt.Errorf("insert listing: %w", err)
			}
			if _, err := s.cfg.Hazard.SetListedTx(ctx, tx, coreActor(p), h.ID, true); err != nil {
				return err
			}
			if err := addEvent(ctx, tx, now, l.CountyCode, "listing", l.ID, "list", listedOn, p, l.Number); err != nil {
				return err
			}
			if published != "" {
				if err := addEvent(ctx, tx, now, l.CountyCode, "listing", l.ID, "publish", published, p, ""); err != nil {
					return err
				}
			}
			return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "listing", EntityID: l.ID, Action: "create", After: l})
		})
		switch {
		case errors.Is(err, errListed):
			return l, rule("hazard_id", "already_listed")
		case !errors.Is(err, errNumberTaken):
			return l, err
		}
	}
	return l, errs.New(errs.Conflict, "supervise.number_busy")
}

// getListingTx reads a listing in scope inside tx.
func (s *Service) getListingTx(ctx context.Context, q store.Querier, p *auth.Principal, id string) (Listing, hazard.Record, error) {
	l, err := scanListing(q.QueryRowContext(ctx, `SELECT `+listingCols+` FROM listing WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return l, hazard.Record{}, errs.New(errs.NotFound, "not_found")
	}
	if err != nil {
		return l, hazard.Record{}, fmt.Errorf("listing: %w", err)
	}
	h, err := getHazard(ctx, q, l.HazardID)
	if err != nil {
		return l, h, err
	}
	if !hazard.CanSee(p, h) {
		return l, h, errs.OutOfScope("listing", id)
	}
	return l, h, nil
}

// StepInput is a step of a listing (publish, request acceptance, accept,
// delist), as typed.
type StepInput struct {
	On        string `json:"on"`
	Note      string `json:"note"`
	DocNumber string `json:"doc_number"` // 验收: the review document (整改复查意见书)
	Pass      bool   `json:"pass"`       // 验收 passed (false: returned for more work)
}

// listingStep runs one step of a listing in a transaction: check decides
// (and may apply hazard steps), then the listing row, its event and the
// audit entry are written.
func (s *Service) listingStep(ctx context.Context, p *auth.Principal, id, action string, in StepInput,
	check func(tx *store.Tx, l *Listing, h hazard.Record, on string) error) (Listing, error) {
	on, err := parseDay("on", in.On, false)
	if err != nil {
		return Listing{}, err
	}
	if on == "" {
		on = s.today()
	}
	var l Listing
	err = s.cfg.DB.InTx(ctx, func(tx *store.Tx) error {
		var h hazard.Record
		var err error
		if l, h, err = s.getListingTx(ctx, tx, p, id); err != nil {
			return err
		}
		if on > s.today() {
			return errs.Field("on", "supervise.date_future", nil)
		}
		before := l
		if err := check(tx, &l, h, on); err != nil {
			return err
		}
		now := s.now().UTC()
		l.UpdatedAt = now
		if _, err := tx.ExecContext(ctx, `UPDATE listing SET published_on = $1, acceptance_requested_on = $2, accepted_on = $3, accepted_by = $4,
			acceptance_note = $5, delisted_on = $6, state = $7, deadline = $8, updated_at = $9 WHERE id = $10`,
			l.PublishedOn, l.AcceptanceRequestedOn, l.AcceptedOn, l.AcceptedBy, l.AcceptanceNote, l.DelistedOn, l.State, l.Deadline, now, l.ID); err != nil {
			return fmt.Errorf("update listing: %w", err)
		}
		if err := addEvent(ctx, tx, now, l.CountyCode, "listing", l.ID, action, on, p, strings.TrimSpace(strings.Join([]string{in.DocNumber, in.Note}, " "))); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "listing", EntityID: l.ID, Action: action,
			Before: map[string]any{"state": before.State}, After: map[string]any{"state": l.State, "on": on, "note": in.Note}})
	})
	return l, err
}

// Publish records the day the listing was made public (公开); later than
// PublishWithin working days after listing is shown as a warning.
func (s *Service) Publish(ctx context.Context, p *auth.Principal, id string, in StepInput) (Listing, error) {
	if !p.Is(Deciders...) {
		return Listing{}, errs.New(errs.Forbidden, "forbidden")
	}
	return s.listingStep(ctx, p, id, "publish", in, func(tx *store.Tx, l *Listing, h hazard.Record, on string) error {
		switch {
		case l.PublishedOn != "":
			return rule("on", "already_published", "On", l.PublishedOn)
		case on < l.ListedOn:
			return rule("on", "publish_day", "Listed", l.ListedOn)
		}
		l.PublishedOn = on
		return nil
	})
}

// RequestAcceptance asks for the acceptance check (验收申请) once the
// rectification was reported with its evidence on the hazard (待复查).
// The enterprise may ask for its own hazard.
func (s *Service) RequestAcceptance(ctx context.Context, p *auth.Principal, id string, in StepInput) (Listing, error) {
	if !p.Is(append(Deciders, auth.RoleEnterprise)...) {
		return Listing{}, errs.New(errs.Forbidden, "forbidden")
	}
	return s.listingStep(ctx, p, id, "request_acceptance", in, func(tx *store.Tx, l *Listing, h hazard.Record, on string) error {
		switch {
		case l.State != ListingListed:
			return rule("on", "listing_state", "State", l.State)
		case l.AcceptanceRequestedOn != "":
			return rule("on", "acceptance_requested", "On", l.AcceptanceRequestedOn)
		case h.State != hazard.PendingReview:
			return rule("on", "acceptance_not_rectified")
		case on < l.ListedOn:
			return rule("on", "before_listing", "Listed", l.ListedOn)
		}
		l.AcceptanceRequestedOn = on
		return nil
	})
}

// Accept records the acceptance check (验收). Passed, the hazard is
// verified (复查) through the hazard loop; failed, it is returned for more
// work (退回) with the reason and a new request is needed.
func (s *Service) Accept(ctx context.Context, p *auth.Principal, id string, in StepInput) (Listing, error) {
	if !p.Is(Deciders...) {
		return Listing{}, errs.New(errs.Forbidden, "forbidden")
	}
	action := "accept"
	if !in.Pass {
		action = "accept_failed"
	}
	return s.listingStep(ctx, p, id, action, in, func(tx *store.Tx, l *Listing, h hazard.Record, on string) error {
		switch {
		case l.State != ListingListed:
			return rule("on", "listing_state", "State", l.State)
		case l.AcceptanceRequestedOn == "":
			return rule("on", "acceptance_not_requested")
		case on < l.AcceptanceRequestedOn:
			return rule("on", "before_request", "Requested", l.AcceptanceRequestedOn)
		}
		if !in.Pass {
			if strings.TrimSpace(in.Note) == "" {
				return errs.Field("note", "supervise.reason_required", nil)
			}
			if _, err := s.cfg.Hazard.DoTx(ctx, tx, coreActor(p), h.ID, hazard.StepInput{Action: hazard.ActReturn, On: on,
				Reason: "挂牌督办验收未通过：" + strings.TrimSpace(in.Note)}, nil); err != nil {
				return err
			}
			l.AcceptanceRequestedOn = ""
			return nil
		}
		if _, err := s.cfg.Hazard.DoTx(ctx, tx, coreActor(p), h.ID, hazard.StepInput{Action: hazard.ActVerify, On: on,
			DocNumber: in.DocNumber, Reason: strings.TrimSpace("挂牌督办验收通过 " + strings.TrimSpace(in.Note))}, nil); err != nil {
			return err
		}
		name := p.DisplayName
		if name == "" {
			name = p.Username
		}
		l.State, l.AcceptedOn, l.AcceptedBy, l.AcceptanceNote = ListingAccepted, on, name, strings.TrimSpace(in.Note)
		return nil
	})
}

// Delist takes the listing down (摘牌销号): the hazard is closed (销号)
// through the hazard loop, its card cleared and its letters rectified.
func (s *Service) Delist(ctx context.Context, p *auth.Principal, id string, in StepInput) (Listing, error) {
	if !p.Is(Deciders...) {
		return Listing{}, errs.New(errs.Forbidden, "forbidden")
	}
	return s.listingStep(ctx, p, id, "delist", in, func(tx *store.Tx, l *Listing, h hazard.Record, on string) error {
		switch {
		case l.State != ListingAccepted:
			return rule("on", "delist_not_accepted")
		case on < l.AcceptedOn:
			return rule("on", "before_acceptance", "Accepted", l.AcceptedOn)
		}
		if _, err := s.cfg.Hazard.DoTx(ctx, tx, coreActor(p), h.ID, hazard.StepInput{Action: hazard.ActClose, On: on,
			Reason: strings.TrimSpace("挂牌督办摘牌销号 " + strings.TrimSpace(in.Note))}, nil); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE supervision_letter SET state = $1, rectified_on = $2, updated_at = $3 WHERE hazard_id = $4 AND state <> $1`,
			LetterRectified, on, s.now().UTC(), h.ID); err != nil {
			return err
		}
		l.State, l.DelistedOn = ListingDelisted, on
		return nil
	})
}

// ListingFilter selects listings.
type ListingFilter struct {
	State    string
	Level    string
	From, To string // listed_on in [From, To]
	HazardID string
	Q        string
	Limit    int
	Offset   int
}

// ListingFilterOf reads the filter from query parameters.
func ListingFilterOf(q url.Values) ListingFilter {
	return ListingFilter{State: q.Get("state"), Level: q.Get("level"), From: q.Get("from"), To: q.Get("to"), HazardID: q.Get("hazard"), Q: q.Get("q")}
}

func (f ListingFilter) where(p *auth.Principal) *store.Where {
	var w store.Where
	scope(p, &w, "")
	if f.State != "" {
		w.Add("state = ?", f.State)
	}
	if f.Level != "" {
		w.Add("level = ?", f.Level)
	}
	if f.From != "" {
		w.Add("listed_on >= ?", f.From)
	}
	if f.To != "" {
		w.Add("listed_on <= ?", f.To)
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

// Listings lists listings in scope, newest first, and the total.
func (s *Service) Listings(ctx context.Context, p *auth.Principal, f ListingFilter) ([]Listing, int, error) {
	return listingRegister.page(ctx, s.cfg.DB.R(), f.where(p), f.Limit, f.Offset)
}

// EachListing streams the listings of the filter (exports).
func (s *Service) EachListing(ctx context.Context, p *auth.Principal, f ListingFilter, fn func(Listing) error) error {
	return listingRegister.each(ctx, s.cfg.DB.R(), f.where(p), "", fn)
}

// ListingView is a listing with its hazard, steps, extension requests and
// the publication warning.
type ListingView struct {
	Listing
	Hazard      hazard.Record `json:"hazard"`
	Events      []Event       `json:"events"`
	Extensions  []Extension   `json:"extensions"`
	PublishLate bool          `json:"publish_late"`
	PublishBy   string        `json:"publish_by"` // last day to publish (PublishWithin working days)
}

// GetListing returns a listing in scope with its context.
func (s *Service) GetListing(ctx context.Context, p *auth.Principal, id string) (ListingView, error) {
	l, h, err := s.getListingTx(ctx, s.cfg.DB.R(), p, id)
	if err != nil {
		return ListingView{}, err
	}
	v := ListingView{Listing: l, Hazard: h, PublishLate: PublishLate(s.cfg.Calendar, l.ListedOn, l.PublishedOn, s.today())}
	v.PublishBy = hazard.Date(addWorkingDays(s.cfg.Calendar, day(l.ListedOn), PublishWithin))
	if v.Events, err = s.events(ctx, "listing", l.ID); err != nil {
		return v, err
	}
	v.Extensions, _, err = s.Extensions(ctx, p, ExtensionFilter{HazardID: h.ID, Limit: 100})
	return v, err
}

// addWorkingDays is the n-th working day after from.
func addWorkingDays(cal Workdays, from time.Time, n int) time.Time {
	d := from
	for i := 0; i < 60 && cal.WorkingDaysBetween(from, d) < n; i++ {
		d = d.AddDate(0, 0, 1)
	}
	return d
}
