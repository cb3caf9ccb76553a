package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"yingji/internal/kit/store"
)

// Sender sends due deliveries. Several Senders (one per instance, or a
// periodic job calling SendDue) may work on one database: each delivery is
// claimed by compare-and-swap before it is sent.
type Sender struct {
	svc  *Service
	wake chan struct{}
}

// Wake makes Run start a round at once.
func (s *Sender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run sends due deliveries until ctx ends, every PollInterval and whenever
// woken (after a commit that enqueued deliveries).
func (s *Sender) Run(ctx context.Context) {
	t := time.NewTicker(s.svc.cfg.PollInterval)
	defer t.Stop()
	for {
		if _, _, err := s.SendDue(ctx); err != nil && ctx.Err() == nil {
			s.svc.log.Warn("notification send round failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
		}
	}
}

// SendDue sends every delivery due now and returns how many were sent and
// how many attempts failed. Deliveries claimed by another sender are skipped.
func (s *Sender) SendDue(ctx context.Context) (sent, failed int, err error) {
	cfg := s.svc.cfg
	for ctx.Err() == nil {
		ids, err := s.due(ctx)
		if err != nil {
			return sent, failed, err
		}
		if len(ids) == 0 {
			break
		}
		var (
			mu      sync.Mutex
			claimed int
			errList []error
			wg      sync.WaitGroup
			work    = make(chan string)
		)
		for range min(cfg.Workers, len(ids)) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for id := range work {
					ok, sendErr, err := s.one(ctx, id)
					mu.Lock()
					switch {
					case err != nil:
						errList = append(errList, err)
					case !ok:
					case sendErr != nil:
						claimed++
						failed++
					default:
						claimed++
						sent++
					}
					mu.Unlock()
				}
			}()
		}
	feed:
		for _, id := range ids {
			select {
			case work <- id:
			case <-ctx.Done():
				break feed
			}
		}
		close(work)
		wg.Wait()
		if err := errors.Join(errList...); err != nil {
			return sent, failed, err
		}
		if claimed == 0 || len(ids) < cfg.BatchSize {
			break
		}
	}
	return sent, failed, ctx.Err()
}

// due lists deliveries whose next attempt is due.
func (s *Sender) due(ctx context.Context) ([]string, error) {
	rows, err := s.svc.db.R().QueryContext(ctx, `SELECT id FROM delivery WHERE state IN ($1, $2) AND next_attempt_at <= $3
		ORDER BY next_attempt_at, id LIMIT $4`, string(Pending), string(Failed), s.svc.now(), s.svc.cfg.BatchSize)
	if err != nil {
		return nil, fmt.Errorf("find due deliveries: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("find due deliveries: %w", err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find due deliveries: %w", err)
	}
	return out, nil
}

// one claims, sends and records one delivery. claimed is false when another
// sender got it first; sendErr is the channel's error; err is a database
// error.
func (s *Sender) one(ctx context.Context, id string) (claimed bool, sendErr, err error) {
	d, n, err := s.claim(ctx, id)
	if err != nil || d == nil {
		return false, nil, err
	}
	sendErr = s.send(ctx, *d, *n)
	// Record even when ctx ended meanwhile: the message may have gone out.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := s.record(rctx, d, sendErr); err != nil {
		return true, sendErr, err
	}
	return true, sendErr, nil
}

// claim reserves a due delivery for this sender by compare-and-swap: the
// next attempt is pushed past the lease and attempts counts the claim.
func (s *Sender) claim(ctx context.Context, id string) (*Delivery, *Notification, error) {
	var (
		d *Delivery
		n Notification
	)
	err := s.svc.db.InTx(ctx, func(tx *store.Tx) error {
		d = nil
		now := s.svc.now()
		res, err := tx.ExecContext(ctx, `UPDATE delivery SET next_attempt_at = $1, claimed_by = $2, attempts = attempts + 1
			WHERE id = $3 AND state IN ($4, $5) AND next_attempt_at <= $6`,
			now.Add(s.svc.cfg.Lease), s.svc.cfg.Instance, id, string(Pending), string(Failed), now)
		if err != nil {
			return err
		}
		if k, err := res.RowsAffected(); err != nil || k != 1 {
			return err
		}
		var row deliveryRow
		n, err = scanNotification(tx.QueryRowContext(ctx, `SELECT `+prefixed("n.", notificationColumns)+`,
			d.id, d.notification_id, d.channel, d.address, d.state, d.attempts, d.next_attempt_at, d.claimed_by,
			d.last_error, d.sent_at, d.created_at
			FROM delivery d JOIN notification n ON n.id = d.notification_id WHERE d.id = $1`, id),
			row.dest()...)
		if err != nil {
			return err
		}
		dd := row.delivery()
		d = &dd
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("claim delivery %s: %w", id, err)
	}
	return d, &n, nil
}

func (s *Sender) send(ctx context.Context, d Delivery, n Notification) error {
	ch := s.svc.channels[d.Channel]
	if ch == nil {
		return fmt.Errorf("通知渠道 %s 未启用", d.Channel)
	}
	if base := strings.TrimRight(s.svc.cfg.LinkBase, "/"); base != "" && strings.HasPrefix(n.Link, "/") {
		n.Link = base + n.Link
	}
	sctx, cancel := context.WithTimeout(ctx, s.svc.cfg.Lease/2)
	defer cancel()
	if err := ch.Send(sctx, d, n); err != nil {
		return err
	}
	return nil
}

func (s *Sender) backoff(attempt int) time.Duration {
	d := s.svc.cfg.Backoff
	for i := 1; i < attempt && d < s.svc.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, s.svc.cfg.MaxBackoff)
}

// record stores the outcome of an attempt, fenced on this claim.
func (s *Sender) record(ctx context.Context, d *Delivery, sendErr error) error {
	cfg := s.svc.cfg
	now := s.svc.now()
	log := s.svc.log.With("delivery", d.ID, "channel", d.Channel, "attempt", d.Attempts)
	const fence = ` WHERE id = $%d AND claimed_by = $%d AND attempts = $%d`
	var (
		q    string
		args []any
	)
	switch {
	case sendErr == nil:
		q = `UPDATE delivery SET state = $1, sent_at = $2, last_error = ''` + fmt.Sprintf(fence, 3, 4, 5)
		args = []any{string(Sent), now}
	case IsPermanent(sendErr) || d.Attempts >= cfg.MaxAttempts:
		q = `UPDATE delivery SET state = $1, last_error = $2` + fmt.Sprintf(fence, 3, 4, 5)
		args = []any{string(GaveUp), clip(sendErr.Error(), 1000)}
		log.Warn("notification delivery gave up", "err", sendErr)
	default:
		q = `UPDATE delivery SET state = $1, last_error = $2, next_attempt_at = $3` + fmt.Sprintf(fence, 4, 5, 6)
		args = []any{string(Failed), clip(sendErr.Error(), 1000), now.Add(s.backoff(d.Attempts))}
		log.Info("notification delivery failed, will retry", "err", sendErr)
	}
	args = append(args, d.ID, cfg.Instance, d.Attempts)
	err := s.svc.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		if k, err := res.RowsAffected(); err == nil && k == 0 {
			log.Warn("delivery re-claimed by another sender before the outcome was recorded (lease too short?)")
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record delivery %s: %w", d.ID, err)
	}
	return nil
}

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}
