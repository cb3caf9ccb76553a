package supervise

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"yingji/internal/audit"
	"yingji/internal/auth"
	"yingji/internal/errs"
	"yingji/internal/hazard"
	"yingji/internal/ids"
	"yingji/internal/store"
)

// Extension is a request to move a hazard's deadline (延期申请) and its
// decision. Every request is kept: the history of a hazard's extensions.
type Extension struct {
	ID                string    `json:"id"`
	CountyCode        string    `json:"county_code"`
	HazardID          string    `json:"hazard_id"`
	EnterpriseID      string    `json:"enterprise_id,omitempty"`
	PlaceName         string    `json:"place_name"`
	TownCode          string    `json:"town_code"`
	Sector            string    `json:"sector,omitempty"`
	UnitID            string    `json:"unit_id,omitempty"`
	RequestedOn       string    `json:"requested_on"`
	CurrentDeadline   string    `json:"current_deadline"`
	RequestedDeadline string    `json:"requested_deadline"`
	Reason            string    `json:"reason"`
	State             string    `json:"state"`
	RequestedBy       string    `json:"requested_by"`
	RequestedByName   string    `json:"requested_by_name"`
	DecidedBy         string    `json:"decided_by,omitempty"`
	DecidedByName     string    `json:"decided_by_name,omitempty"`
	DecidedOn         string    `json:"decided_on,omitempty"`
	DecisionReason    string    `json:"decision_reason,omitempty"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

const extensionCols = `id, county_code, hazard_id, enterprise_id, place_name, town_code, sector, unit_id, requested_on, current_deadline,
	requested_deadline, reason, state, requested_by, requested_by_name, decided_by, decided_by_name, decided_on, decision_reason, created_at, updated_at`

func scanExtension(sc interface{ Scan(...any) error }) (Extension, error) {
	var e Extension
	err := sc.Scan(&e.ID, &e.CountyCode, &e.HazardID, &e.EnterpriseID, &e.PlaceName, &e.TownCode, &e.Sector, &e.UnitID, &e.RequestedOn,
		&e.CurrentDeadline, &e.RequestedDeadline, &e.Reason, &e.State, &e.RequestedBy, &e.RequestedByName, &e.DecidedBy, &e.DecidedByName,
		&e.DecidedOn, &e.DecisionReason, &e.CreatedAt, &e.UpdatedAt)
	return e, err
}

// ExtensionInput is a request as typed.
type ExtensionInput struct {
	HazardID          string `json:"hazard_id"`
	RequestedOn       string `json:"requested_on"` // default today
	RequestedDeadline string `json:"requested_deadline"`
	Reason            string `json:"reason"`
}

func displayName(p *auth.Principal) string {
	if p.DisplayName != "" {
		return p.DisplayName
	}
	return p.Username
}

// RequestExtension records a request to extend a hazard's deadline. An
// enterprise account may ask for its own hazards; section staff and
// administrators on an enterprise's behalf. A closed hazard, a hazard not
// being rectified and a second pending request are refused, naming the
// rule.
func (s *Service) RequestExtension(ctx context.Context, p *auth.Principal, in ExtensionInput) (Extension, error) {
	if !p.Is(Requesters...) {
		return Extension{}, errs.New(errs.Forbidden, "forbidden")
	}
	var fe errs.FieldErrors
	on, err := parseDay("requested_on", in.RequestedOn, false)
	if err != nil {
		fe = append(fe, err.(*errs.Error))
	}
	if on == "" {
		on = s.today()
	}
	requested, err := parseDay("requested_deadline", in.RequestedDeadline, true)
	if err != nil {
		fe = append(fe, err.(*errs.Error))
	}
	if err := fe.Err(); err != nil {
		return Extension{}, err
	}
	var e Extension
	err = s.cfg.DB.InTx(ctx, func(tx *store.Tx) error {
		h, err := s.hazardInScope(ctx, tx, p, in.HazardID)
		if err != nil {
			return err
		}
		var pending int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM extension_request WHERE hazard_id = $1 AND state = $2`, h.ID, ExtPending).Scan(&pending); err != nil {
			return err
		}
		if err := CheckExtension(h, on, requested, in.Reason, s.today(), pending > 0); err != nil {
			return err
		}
		now := s.now().UTC()
		e = Extension{ID: ids.New(), CountyCode: h.CountyCode, HazardID: h.ID, EnterpriseID: h.EnterpriseID, PlaceName: h.PlaceName,
			TownCode: h.TownCode, Sector: h.Sector, UnitID: h.UnitID, RequestedOn: on, CurrentDeadline: h.Deadline, RequestedDeadline: requested,
			Reason: strings.TrimSpace(in.Reason), State: ExtPending, RequestedBy: p.UserID, RequestedByName: displayName(p), CreatedAt: now, UpdatedAt: now}
		_, err = tx.ExecContext(ctx, `INSERT INTO extension_request (`+extensionCols+`) VALUES `+placeholders(1, 21, 0),
			e.ID, e.CountyCode, e.HazardID, e.EnterpriseID, e.PlaceName, e.TownCode, e.Sector, e.UnitID, e.RequestedOn, e.CurrentDeadline,
			e.RequestedDeadline, e.Reason, e.State, e.RequestedBy, e.RequestedByName, e.DecidedBy, e.DecidedByName, e.DecidedOn, e.DecisionReason,
			e.CreatedAt, e.UpdatedAt)
		if store.IsUniqueViolation(err) {
			return rule("hazard_id", "extension_pending")
		}
		if err != nil {
			return fmt.Errorf("insert extension request: %w", err)
		}
		if err := addEvent(ctx, tx, now, e.CountyCode, "extension", e.ID, "request", on, p, e.Reason); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "extension_request", EntityID: e.ID, Action: "create", After: e})
	})
	return e, err
}

// DecisionInput is a decision on an extension request, as typed.
type DecisionInput struct {
	Approve bool   `json:"approve"`
	On      string `json:"on"` // default today
	Reason  string `json:"reason"`
}

// DecideExtension approves or refuses a pending request (section staff,
// leaders, administrators). Approval moves the hazard's deadline through
// the hazard loop (延期, on its timeline, counted on the hazard) and the
// deadline of its listing; a refusal needs a reason.
func (s *Service) DecideExtension(ctx context.Context, p *auth.Principal, id string, in DecisionInput) (Extension, error) {
	if !p.Is(Deciders...) {
		return Extension{}, errs.New(errs.Forbidden, "forbidden")
	}
	on, err := parseDay("on", in.On, false)
	if err != nil {
		return Extension{}, err
	}
	if on == "" {
		on = s.today()
	}
	if !in.Approve && strings.TrimSpace(in.Reason) == "" {
		return Extension{}, errs.Field("reason", "supervise.reason_required", nil)
	}
	var e Extension
	err = s.cfg.DB.InTx(ctx, func(tx *store.Tx) error {
		var h hazard.Record
		var err error
		if e, h, err = s.getExtensionTx(ctx, tx, p, id); err != nil {
			return err
		}
		switch {
		case e.State != ExtPending:
			return rule("on", "extension_decided", "State", e.State)
		case on > s.today():
			return errs.Field("on", "supervise.date_future", nil)
		case on < e.RequestedOn:
			return rule("on", "before_request", "Requested", e.RequestedOn)
		}
		now := s.now().UTC()
		action := "refuse"
		e.State, e.DecidedBy, e.DecidedByName, e.DecidedOn, e.DecisionReason = ExtRefused, p.UserID, displayName(p), on, strings.TrimSpace(in.Reason)
		if in.Approve {
			action, e.State = "approve", ExtApproved
			if h.State == hazard.Closed {
				return rule("on", "extension_closed")
			}
			reason := "延期申请批准：" + e.Reason
			if e.DecisionReason != "" {
				reason += "（" + e.DecisionReason + "）"
			}
			if _, err := s.cfg.Hazard.DoTx(ctx, tx, coreActor(p), h.ID, hazard.StepInput{Action: hazard.ActExtend, On: on,
				Deadline: e.RequestedDeadline, Reason: reason}, nil); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE listing SET deadline = $1, updated_at = $2 WHERE hazard_id = $3 AND state <> $4`,
				e.RequestedDeadline, now, h.ID, ListingDelisted); err != nil {
				return err
			}
			if err := s.recardTx(ctx, tx, h.ID, s.now()); err != nil {
				return err
			}
		}
		e.UpdatedAt = now
		if _, err := tx.ExecContext(ctx, `UPDATE extension_request SET state = $1, decided_by = $2, decided_by_name = $3, decided_on = $4,
			decision_reason = $5, updated_at = $6 WHERE id = $7 AND state = $8`, e.State, e.DecidedBy, e.DecidedByName, e.DecidedOn, e.DecisionReason,
			now, e.ID, ExtPending); err != nil {
			return fmt.Errorf("decide extension: %w", err)
		}
		if err := addEvent(ctx, tx, now, e.CountyCode, "extension", e.ID, action, on, p, e.DecisionReason); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "extension_request", EntityID: e.ID, Action: action,
			Before: map[string]any{"state": ExtPending, "deadline": e.CurrentDeadline}, After: map[string]any{"state": e.State, "deadline": e.RequestedDeadline,
				"reason": e.DecisionReason}})
	})
	return e, err
}

func (s *Service) getExtensionTx(ctx context.Context, q store.Querier, p *auth.Principal, id string) (Extension, hazard.Record, error) {
	e, err := scanExtension(q.QueryRowContext(ctx, `SELECT `+extensionCols+` FROM extension_request WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return e, hazard.Record{}, errs.New(errs.NotFound, "not_found")
	}
	if err != nil {
		return e, hazard.Record{}, fmt.Errorf("extension request: %w", err)
	}
	h, err := getHazard(ctx, q, e.HazardID)
	if err != nil {
		return e, h, err
	}
	if !hazard.CanSee(p, h) {
		return e, h, errs.OutOfScope("extension_request", id)
	}
	return e, h, nil
}

// ExtensionView is a request with its hazard, steps and the hazard's
// other requests.
type ExtensionView struct {
	Extension
	Hazard  hazard.Record `json:"hazard"`
	Events  []Event       `json:"events"`
	History []Extension   `json:"history"` // every request on the hazard, newest first
}

// GetExtension returns a request in scope.
func (s *Service) GetExtension(ctx context.Context, p *auth.Principal, id string) (ExtensionView, error) {
	e, h, err := s.getExtensionTx(ctx, s.cfg.DB.R(), p, id)
	if err != nil {
		return ExtensionView{}, err
	}
	v := ExtensionView{Extension: e, Hazard: h}
	if v.Events, err = s.events(ctx, "extension", e.ID); err != nil {
		return v, err
	}
	v.History, _, err = s.Extensions(ctx, p, ExtensionFilter{HazardID: h.ID, Limit: 100})
	return v, err
}

// ExtensionFilter selects extension requests.
type ExtensionFilter struct {
	State    string
	From, To string // requested_on in [From, To]
	HazardID string
	Q        string
	Limit    int
	Offset   int
}

// ExtensionFilterOf reads the filter from query parameters.
func ExtensionFilterOf(q url.Values) ExtensionFilter {
	return ExtensionFilter{State: q.Get("state"), From: q.Get("from"), To: q.Get("to"), HazardID: q.Get("hazard"), Q: q.Get("q")}
}

func (f ExtensionFilter) where(p *auth.Principal) *store.Where {
	var w store.Where
	scope(p, &w, "")
	if f.State != "" {
		w.Add("state = ?", f.State)
	}
	if f.From != "" {
		w.Add("requested_on >= ?", f.From)
	}
	if f.To != "" {
		w.Add("requested_on <= ?", f.To)
	}
	if f.HazardID != "" {
		w.Add("hazard_id = ?", f.HazardID)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		w.Add(`place_name LIKE ? ESCAPE '\'`, store.Like(q))
	}
	return &w
}

// Extensions lists requests in scope, pending first then newest, and the
// total.
func (s *Service) Extensions(ctx context.Context, p *auth.Principal, f ExtensionFilter) ([]Extension, int, error) {
	return extensionRegister.page(ctx, s.cfg.DB.R(), f.where(p), f.Limit, f.Offset)
}

// EachExtension streams the requests of the filter (exports).
func (s *Service) EachExtension(ctx context.Context, p *auth.Principal, f ExtensionFilter, fn func(Extension) error) error {
	return extensionRegister.each(ctx, s.cfg.DB.R(), f.where(p), "", fn)
}

// ExtensionCounts are a hazard's requests by state (the history counted).
type ExtensionCounts struct {
	Requested int `json:"requested"`
	Approved  int `json:"approved"`
	Refused   int `json:"refused"`
	Pending   int `json:"pending"`
}

// CountExtensions counts a hazard's extension requests.
func (s *Service) CountExtensions(ctx context.Context, p *auth.Principal, hazardID string) (ExtensionCounts, error) {
	var c ExtensionCounts
	if _, err := s.Hazard(ctx, p, hazardID); err != nil {
		return c, err
	}
	err := s.cfg.DB.R().QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE state = 'approved'), count(*) FILTER (WHERE state = 'refused'),
		count(*) FILTER (WHERE state = 'pending') FROM extension_request WHERE hazard_id = $1`, hazardID).Scan(&c.Requested, &c.Approved, &c.Refused, &c.Pending)
	return c, err
}
