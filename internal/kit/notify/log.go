package notify

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// deliveryRow scans the delivery columns
// id, notification_id, channel, address, state, attempts, next_attempt_at,
// claimed_by, last_error, sent_at, created_at.
type deliveryRow struct {
	d         Delivery
	state     string
	claimedBy sql.NullString
	sentAt    sql.NullTime
}

func (r *deliveryRow) dest() []any {
	return []any{&r.d.ID, &r.d.NotificationID, &r.d.Channel, &r.d.Address, &r.state, &r.d.Attempts, &r.d.NextAttemptAt,
		&r.claimedBy, &r.d.LastError, &r.sentAt, &r.d.CreatedAt}
}

func (r *deliveryRow) delivery() Delivery {
	d := r.d
	d.State = DeliveryState(r.state)
	d.ClaimedBy = r.claimedBy.String
	d.SentAt = nullTime(r.sentAt)
	d.NextAttemptAt = d.NextAttemptAt.UTC()
	d.CreatedAt = d.CreatedAt.UTC()
	return d
}

// LogFilter selects deliveries for the delivery log (发送记录). Empty fields
// match everything; From/To bound created_at (From inclusive, To exclusive).
type LogFilter struct {
	CountyCode string
	State      DeliveryState
	Channel    string
	// Entity and EntityID keep the deliveries of the notifications about
	// one record (a warning's delivery log per recipient).
	Entity, EntityID string
	From, To         time.Time
	Limit            int // default 50, at most 500
	Offset           int
}

// LogEntry is a delivery with its notification's summary.
type LogEntry struct {
	Delivery
	CountyCode      string
	RecipientUserID string
	Topic           string
	Title           string
}

// DeliveryLogPage is one page of the delivery log.
type DeliveryLogPage struct {
	Entries []LogEntry
	// Counts by state over the filter without its State (for tabs).
	Counts map[DeliveryState]int
	// Total matches the whole filter (for paging).
	Total int
}

// DeliveryLog returns deliveries matching f, newest first, with counts by
// state, for the admin page.
func (s *Service) DeliveryLog(ctx context.Context, f LogFilter) (*DeliveryLogPage, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.CountyCode != "" {
		add("n.county_code = $%d", f.CountyCode)
	}
	if f.Channel != "" {
		add("d.channel = $%d", f.Channel)
	}
	if f.Entity != "" {
		add("n.entity = $%d", f.Entity)
	}
	if f.EntityID != "" {
		add("n.entity_id = $%d", f.EntityID)
	}
	if !f.From.IsZero() {
		add("d.created_at >= $%d", f.From.UTC())
	}
	if !f.To.IsZero() {
		add("d.created_at < $%d", f.To.UTC())
	}
	const from = ` FROM delivery d JOIN notification n ON n.id = d.notification_id`
	cond := func() string {
		if len(where) == 0 {
			return ""
		}
		return " WHERE " + strings.Join(where, " AND ")
	}

	page := &DeliveryLogPage{Counts: make(map[DeliveryState]int, len(States))}
	sel := make([]string, len(States))
	counts := make([]any, len(States))
	cargs := append([]any(nil), args...)
	for i, st := range States {
		cargs = append(cargs, string(st))
		sel[i] = fmt.Sprintf("count(*) FILTER (WHERE d.state = $%d)", len(cargs))
		counts[i] = new(int)
	}
	if err := s.db.R().QueryRowContext(ctx, `SELECT `+strings.Join(sel, ", ")+from+cond(), cargs...).Scan(counts...); err != nil {
		return nil, fmt.Errorf("delivery log counts: %w", err)
	}
	for i, st := range States {
		c := *(counts[i].(*int))
		page.Counts[st] = c
		if f.State == "" || f.State == st {
			page.Total += c
		}
	}

	if f.State != "" {
		add("d.state = $%d", string(f.State))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	args = append(args, limit, max(f.Offset, 0))
	q := `SELECT d.id, d.notification_id, d.channel, d.address, d.state, d.attempts, d.next_attempt_at, d.claimed_by,
		d.last_error, d.sent_at, d.created_at, n.county_code, n.recipient_user_id, n.topic, n.title` + from + cond() +
		fmt.Sprintf(` ORDER BY d.created_at DESC, d.id DESC LIMIT $%d OFFSET $%d`, len(args)-1, len(args))
	rows, err := s.db.R().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("delivery log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			r deliveryRow
			e LogEntry
		)
		if err := rows.Scan(append(r.dest(), &e.CountyCode, &e.RecipientUserID, &e.Topic, &e.Title)...); err != nil {
			return nil, fmt.Errorf("delivery log: %w", err)
		}
		e.Delivery = r.delivery()
		page.Entries = append(page.Entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("delivery log: %w", err)
	}
	return page, nil
}

// Deliveries returns the delivery rows of one notification (for its detail
// page), oldest first.
func (s *Service) Deliveries(ctx context.Context, notificationID string) ([]Delivery, error) {
	rows, err := s.db.R().QueryContext(ctx, `SELECT id, notification_id, channel, address, state, attempts, next_attempt_at,
		claimed_by, last_error, sent_at, created_at FROM delivery WHERE notification_id = $1 ORDER BY created_at, id`, notificationID)
	if err != nil {
		return nil, fmt.Errorf("deliveries of %s: %w", notificationID, err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		var r deliveryRow
		if err := rows.Scan(r.dest()...); err != nil {
			return nil, fmt.Errorf("deliveries of %s: %w", notificationID, err)
		}
		out = append(out, r.delivery())
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("deliveries of %s: %w", notificationID, err)
	}
	return out, nil
}
