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
	"yingji/internal/kit/notify"
	"yingji/internal/kit/store"
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
		if err := s.tellApprovers(ctx, tx, e, h.Listed); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "extension_request", EntityID: e.ID, Action: "create", After: e})
	})
	return e, err
}

// approvers are the users who may decide a request: for a listed hazard
// the county's approver role (局领导 by default; section staff of the
// hazard's sector when the county chose sections), otherwise the staff of
// the section supervising the hazard's sector, or the leaders when no
// section supervises it. The requester is never among them.
func (s *Service) approvers(ctx context.Context, q store.Querier, e Extension, listed bool) ([]string, error) {
	if s.cfg.People == nil {
		return nil, nil
	}
	set, err := s.settings(ctx, q, e.CountyCode)
	if err != nil {
		return nil, err
	}
	pp := s.newPeople(e.CountyCode)
	var users []string
	switch {
	case listed && set.ListedApprover != auth.RoleSection:
		users, err = s.cfg.People.UserIDsWhere(ctx, e.CountyCode, "", "", "", set.ListedApprover)
	default:
		if users, err = pp.sectionUsers(ctx, e.Sector); err == nil && len(users) == 0 && !listed {
			users, err = s.cfg.People.UserIDsWhere(ctx, e.CountyCode, "", "", "", auth.RoleLeader)
		}
	}
	if err != nil {
		return nil, err
	}
	out := users[:0:0]
	for _, u := range users {
		if u != e.RequestedBy {
			out = append(out, u)
		}
	}
	return out, nil
}

// tellApprovers notifies the approvers of a new request (outbox, sent
// after commit).
func (s *Service) tellApprovers(ctx context.Context, tx *store.Tx, e Extension, listed bool) error {
	users, err := s.approvers(ctx, tx, e, listed)
	if err != nil || len(users) == 0 {
		return err
	}
	kind := "隐患"
	if listed {
		kind = "挂牌督办隐患"
	}
	_, err = s.tell(ctx, tx, users, notify.Message{CountyCode: e.CountyCode, Topic: "hazard.extension.request", Title: "待审批：" + kind + "延期申请",
		Body: fmt.Sprintf("%s 申请将%s（%s）的整改期限由 %s 延至 %s。理由：%s", e.RequestedByName, kind, e.PlaceName, e.CurrentDeadline,
			e.RequestedDeadline, e.Reason), Link: "/supervision/extensions/" + e.ID, Entity: "extension_request", EntityID: e.ID},
		"extension.request:"+e.ID)
	return err
}

// MayDecide reports whether the principal may decide a pending request
// (the four-eyes rule, CheckDecider); nil when they may.
func (s *Service) MayDecide(ctx context.Context, p *auth.Principal, e Extension, h hazard.Record) error {
	set, err := s.settings(ctx, s.cfg.DB.R(), e.CountyCode)
	if err != nil {
		return err
	}
	return CheckDecider(p, e.RequestedBy, h.Listed, set.ListedApprover)
}

// PendingExtensionsFor lists the pending extension requests the principal
// may decide, oldest first (the approver's to-do list on the home page):
// in their scope, not filed by themselves, and for a listed hazard only
// when their role is the county's approver of listed hazards. At most 200.
func (s *Service) PendingExtensionsFor(ctx context.Context, p *auth.Principal) ([]Extension, error) {
	if !p.Is(Deciders...) {
		return []Extension{}, nil
	}
	set, err := s.settings(ctx, s.cfg.DB.R(), p.CountyCode)
	if err != nil {
		return nil, err
	}
	var w store.Where
	scope(p, &w, "e.")
	w.Add("e.state = ?", ExtPending)
	w.Add("e.requested_by <> ?", p.UserID)
	if p.Role != set.ListedApprover {
		w.Add("h.listed = ?", false)
	}
	cols := strings.Split(extensionCols, ",")
	for i, c := range cols {
		cols[i] = "e." + strings.TrimSpace(c)
	}
	rows, err := s.cfg.DB.R().QueryContext(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM extension_request e JOIN hazard h ON h.id = e.hazard_id`+w.SQL()+
		` ORDER BY e.requested_on, e.created_at, e.id LIMIT 200`, w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("pending extension requests: %w", err)
	}
	defer rows.Close()
	out := []Extension{}
	for rows.Next() {
		e, err := scanExtension(rows)
		if err != nil {
			return nil, fmt.Errorf("pending extension requests: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// DecisionInput is a decision on an extension request, as typed.
type DecisionInput struct {
	Approve bool   `json:"approve"`
	On      string `json:"on"` // default today
	Reason  string `json:"reason"`
}

// DecideExtension approves or refuses a pending request. The four-eyes
// rule applies (CheckDecider): never the requester; a listed hazard's
// request only by the county's approver of listings (局领导 by default).
// Approval moves, in one transaction, the hazard's deadline through the
// hazard loop (延期 on its timeline, its extension count, its card) and
// the deadline of its listing; a refusal needs a reason.
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
	var e Extension
	err = s.cfg.DB.InTx(ctx, func(tx *store.Tx) error {
		var h hazard.Record
		var err error
		if e, h, err = s.getExtensionTx(ctx, tx, p, id); err != nil {
			return err
		}
		set, err := s.settings(ctx, tx, e.CountyCode)
		if err != nil {
			return err
		}
		if err := CheckDecider(p, e.RequestedBy, h.Listed, set.ListedApprover); err != nil {
			return err
		}
		switch {
		case e.State != ExtPending:
			return rule("on", "extension_decided", "State", e.State)
		case on > s.today():
			return errs.Field("on", "supervise.date_future", nil)
		case on < e.RequestedOn:
			return rule("on", "before_request", "Requested", e.RequestedOn)
		case !in.Approve && strings.TrimSpace(in.Reason) == "":
			return errs.Field("reason", "supervise.reason_required", nil)
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
			if _, err := s.cfg.Hazard.ExtendTx(ctx, tx, coreActor(p), h.ID, hazard.Extension{RequestID: e.ID, On: on,
				Deadline: e.RequestedDeadline, Reason: reason}); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE listing SET deadline = $1, updated_at = $2 WHERE hazard_id = $3 AND state <> $4`,
				e.RequestedDeadline, now, h.ID, ListingDelisted); err != nil {
				return fmt.Errorf("listing deadline: %w", err)
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
		if err := s.tellRequester(ctx, tx, e); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "extension_request", EntityID: e.ID, Action: action,
			Before: map[string]any{"state": ExtPending, "deadline": e.CurrentDeadline}, After: map[string]any{"state": e.State, "deadline": e.RequestedDeadline,
				"reason": e.DecisionReason}})
	})
	return e, err
}

// tellRequester tells the requester of the decision.
func (s *Service) tellRequester(ctx context.Context, tx *store.Tx, e Extension) error {
	if e.RequestedBy == "" {
		return nil
	}
	title, body := "延期申请已批准", fmt.Sprintf("%s：整改期限延至 %s。", e.PlaceName, e.RequestedDeadline)
	if e.State == ExtRefused {
		title, body = "延期申请不予批准", fmt.Sprintf("%s：整改期限仍为 %s。理由：%s", e.PlaceName, e.CurrentDeadline, e.DecisionReason)
	}
	_, err := s.tell(ctx, tx, []string{e.RequestedBy}, notify.Message{CountyCode: e.CountyCode, Topic: "hazard.extension.decision", Title: title,
		Body: body, Link: "/supervision/extensions/" + e.ID, Entity: "extension_request", EntityID: e.ID}, "extension.decision:"+e.ID)
	return err
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
