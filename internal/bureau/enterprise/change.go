package enterprise

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
	"yingji/internal/kit/errs"
	"yingji/internal/kit/store"
)

// Change request states.
const (
	ChangePending  = "pending"
	ChangeApproved = "approved"
	ChangeRejected = "rejected"
)

// FieldChange is one key field's asked-for change.
type FieldChange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// ChangeRequest is an enterprise account's request to change key fields
// (企业关键信息变更申请), decided by the supervising section.
type ChangeRequest struct {
	ID             string                 `json:"id"`
	CountyCode     string                 `json:"county_code"`
	EnterpriseID   string                 `json:"enterprise_id"`
	EnterpriseName string                 `json:"enterprise_name"`
	Fields         map[string]FieldChange `json:"fields"`
	State          string                 `json:"state"`
	RequestedBy    string                 `json:"requested_by"`
	RequestedAt    time.Time              `json:"requested_at"`
	DecidedBy      string                 `json:"decided_by,omitempty"`
	DecidedAt      *time.Time             `json:"decided_at,omitempty"`
	Reason         string                 `json:"reason,omitempty"`
}

func (s *Service) insertRequest(ctx context.Context, tx *store.Tx, p *auth.Principal, r ChangeRequest) error {
	var pending int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM enterprise_change WHERE enterprise_id = $1 AND state = 'pending'`, r.EnterpriseID).Scan(&pending); err != nil {
		return fmt.Errorf("change requests: %w", err)
	}
	if pending > 0 {
		return errs.New(errs.Conflict, "enterprise.change_pending")
	}
	fields, _ := json.Marshal(r.Fields)
	if _, err := tx.ExecContext(ctx, `INSERT INTO enterprise_change (id, county_code, enterprise_id, fields, state, requested_by, requested_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7)`, r.ID, r.CountyCode, r.EnterpriseID, string(fields), r.State, r.RequestedBy, r.RequestedAt); err != nil {
		return fmt.Errorf("insert change request: %w", err)
	}
	return audit.Record(ctx, tx, r.RequestedAt, p.Actor(), audit.Entry{Entity: "enterprise", EntityID: r.EnterpriseID, Action: "change_request", After: r.Fields})
}

const changeCols = `c.id, c.county_code, c.enterprise_id, e.name, c.fields, c.state, c.requested_by, c.requested_at, c.decided_by, c.decided_at, c.reason`

func scanChange(row interface{ Scan(...any) error }) (ChangeRequest, error) {
	var r ChangeRequest
	var fields string
	var decided sql.NullTime
	err := row.Scan(&r.ID, &r.CountyCode, &r.EnterpriseID, &r.EnterpriseName, &fields, &r.State, &r.RequestedBy, &r.RequestedAt, &r.DecidedBy, &decided, &r.Reason)
	if err == nil {
		err = json.Unmarshal([]byte(fields), &r.Fields)
	}
	if decided.Valid {
		r.DecidedAt = &decided.Time
	}
	return r, err
}

// ChangeRequests lists change requests in scope (pending first).
func (s *Service) ChangeRequests(ctx context.Context, p *auth.Principal, state, enterpriseID string) ([]ChangeRequest, error) {
	var w store.Where
	Scope(p, &w, "e.")
	if state != "" {
		w.Add("c.state = ?", state)
	}
	if enterpriseID != "" {
		w.Add("c.enterprise_id = ?", enterpriseID)
	}
	rows, err := s.db.R().QueryContext(ctx, `SELECT `+changeCols+` FROM enterprise_change c JOIN enterprise e ON e.id = c.enterprise_id`+w.SQL()+
		` ORDER BY CASE WHEN c.state = 'pending' THEN 0 ELSE 1 END, c.requested_at DESC LIMIT 500`, w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("change requests: %w", err)
	}
	defer rows.Close()
	var out []ChangeRequest
	for rows.Next() {
		r, err := scanChange(rows)
		if err != nil {
			return nil, fmt.Errorf("change requests: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Decide approves (applying the fields) or rejects a pending request.
func (s *Service) Decide(ctx context.Context, p *auth.Principal, id string, approve bool, reason string) error {
	reason = strings.TrimSpace(reason)
	if !approve && reason == "" {
		return errs.Field("reason", "enterprise.reject_reason_required", nil)
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		r, err := scanChange(tx.QueryRowContext(ctx, `SELECT `+changeCols+` FROM enterprise_change c JOIN enterprise e ON e.id = c.enterprise_id WHERE c.id = $1`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.NotFound, "not_found")
		}
		if err != nil {
			return fmt.Errorf("change request: %w", err)
		}
		ent, err := s.get(ctx, tx, r.EnterpriseID)
		if err != nil {
			return err
		}
		if !CanSee(p, ent) {
			return errs.OutOfScope("enterprise", r.EnterpriseID)
		}
		if !CanApprove(p, ent) {
			return errs.New(errs.Forbidden, "forbidden")
		}
		if r.State != ChangePending {
			return errs.New(errs.Conflict, "enterprise.change_decided")
		}
		now := s.now().UTC()
		state := ChangeRejected
		if approve {
			state = ChangeApproved
			after := ent
			for k, fc := range r.Fields {
				switch k {
				case "name":
					after.Name = fc.To
				case "credit_code":
					after.CreditCode = fc.To
				case "sector":
					after.Sector = fc.To
				}
			}
			if err := Validate(&after, s.bounds()); err != nil {
				return err
			}
			if _, err := s.write(ctx, tx, p, ent, after); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE enterprise_change SET state=$1, decided_by=$2, decided_at=$3, reason=$4 WHERE id=$5`,
			state, p.UserID, now, reason, id); err != nil {
			return fmt.Errorf("decide change request: %w", err)
		}
		r.State, r.Reason, r.DecidedBy, r.DecidedAt = state, reason, p.UserID, &now
		if err := s.announceChange(ctx, tx, ent, r); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "enterprise", EntityID: r.EnterpriseID, Action: "change_" + state,
			After: map[string]any{"request": id, "reason": reason}})
	})
}
