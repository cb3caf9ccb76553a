package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"yingji/internal/kit/errs"
	"yingji/internal/kit/store"
)

// Throttled is the cause carried by a throttled login's error: how long
// until the attempt may be made again (the Retry-After header).
type Throttled struct{ RetryAfter time.Duration }

func (t *Throttled) Error() string { return fmt.Sprintf("throttled for %s", t.RetryAfter) }

// ErrThrottled answers an attempt refused by the throttle (429). Use
// RetryAfter to read when to try again.
var ErrThrottled = errs.New(errs.TooMany, "login.throttled")

// throttled returns the refusal for a wait of d.
func throttled(d time.Duration) error {
	e := ErrThrottled.With(map[string]any{"Minutes": int(math.Ceil(d.Minutes()))})
	e.Err = &Throttled{RetryAfter: d}
	return e
}

// RetryAfter reports how long a throttled login must wait.
func RetryAfter(err error) (time.Duration, bool) {
	var t *Throttled
	if errors.As(err, &t) {
		return t.RetryAfter, true
	}
	return 0, false
}

// IsThrottled reports a login refused by the throttle.
func IsThrottled(err error) bool {
	_, ok := RetryAfter(err)
	return ok
}

// throttleTx runs fn in a short write transaction holding the throttle
// rows it touches. PostgreSQL runs it at READ COMMITTED: the upsert in
// lockBucket waits for a concurrent holder and the following read sees its
// committed count (no serialization failures under a burst); SQLite has
// one writer, so transactions run one after the other.
func (s *Service) throttleTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	var err error
	wait := 5 * time.Millisecond
	for range 8 {
		err = s.throttleOnce(ctx, fn)
		if err == nil || !store.IsRetryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait *= 2
	}
	return fmt.Errorf("login throttle gave up after retries: %w", err)
}

func (s *Service) throttleOnce(ctx context.Context, fn func(tx *sql.Tx) error) error {
	opts := &sql.TxOptions{}
	if s.db.Engine == store.Postgres {
		opts.Isolation = sql.LevelReadCommitted
	}
	tx, err := s.db.W().BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("throttle begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("throttle commit: %w", err)
	}
	return nil
}

// lockBucket creates the bucket if needed, locks its row for the
// transaction and returns its state.
func lockBucket(ctx context.Context, tx *sql.Tx, account, addr string) (bucket, error) {
	if _, err := tx.ExecContext(ctx, `INSERT INTO login_throttle (account, addr, tries) VALUES ($1, $2, 0)
		ON CONFLICT (account, addr) DO UPDATE SET tries = login_throttle.tries`, account, addr); err != nil {
		return bucket{}, fmt.Errorf("lock throttle: %w", err)
	}
	var b bucket
	var last, blocked sql.NullTime
	if err := tx.QueryRowContext(ctx, `SELECT tries, last_at, blocked_until FROM login_throttle WHERE account = $1 AND addr = $2`,
		account, addr).Scan(&b.Tries, &last, &blocked); err != nil {
		return bucket{}, fmt.Errorf("read throttle: %w", err)
	}
	if last.Valid {
		b.LastAt = last.Time
	}
	if blocked.Valid {
		b.BlockedUntil = blocked.Time
	}
	return b, nil
}

func saveBucket(ctx context.Context, tx *sql.Tx, account, addr string, b bucket) error {
	if _, err := tx.ExecContext(ctx, `UPDATE login_throttle SET tries = $1, last_at = $2, blocked_until = $3 WHERE account = $4 AND addr = $5`,
		b.Tries, nullTime(b.LastAt), nullTime(b.BlockedUntil), account, addr); err != nil {
		return fmt.Errorf("save throttle: %w", err)
	}
	return nil
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// reserve counts one login attempt of a typed name from an address before
// its password is checked. It returns a throttled error when either the
// address or the (name, address) bucket is closed; a refused attempt is
// not counted.
func (s *Service) reserve(ctx context.Context, account, addr string, now time.Time) error {
	var refusal error
	err := s.throttleTx(ctx, func(tx *sql.Tx) error {
		refusal = nil
		// Always the address row first, then the account's: one lock order.
		ab, err := lockBucket(ctx, tx, "", addr)
		if err != nil {
			return err
		}
		ab, ok, wait := s.addr.admit(ab, now)
		if !ok {
			refusal = throttled(wait)
			return nil
		}
		cb, err := lockBucket(ctx, tx, account, addr)
		if err != nil {
			return err
		}
		cb, ok, wait = s.acct.admit(cb, now)
		if !ok {
			refusal = throttled(wait)
			return nil
		}
		if err := saveBucket(ctx, tx, "", addr, ab); err != nil {
			return err
		}
		return saveBucket(ctx, tx, account, addr, cb)
	})
	if err != nil {
		return err
	}
	return refusal
}

// succeeded clears the (name, address) bucket after a successful login,
// gives the address its reservation back and forgets idle buckets.
func (s *Service) succeeded(ctx context.Context, account, addr string, now time.Time) error {
	return s.throttleTx(ctx, func(tx *sql.Tx) error {
		ab, err := lockBucket(ctx, tx, "", addr)
		if err != nil {
			return err
		}
		if err := saveBucket(ctx, tx, "", addr, s.addr.refund(ab)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_throttle WHERE account = $1 AND addr = $2`, account, addr); err != nil {
			return fmt.Errorf("clear throttle: %w", err)
		}
		cutoff := now.Add(-s.opt.ForgetAfter).UTC()
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_throttle WHERE (last_at IS NULL OR last_at < $1)
			AND (blocked_until IS NULL OR blocked_until < $2)`, cutoff, now.UTC()); err != nil {
			return fmt.Errorf("forget throttle: %w", err)
		}
		return nil
	})
}

// clearThrottleTx forgets every bucket of a user name (an administrator's
// password reset or re-enabling lets the user in at once).
func clearThrottleTx(ctx context.Context, tx *store.Tx, username string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM login_throttle WHERE account = $1`, throttleAccount(username)); err != nil {
		return fmt.Errorf("clear throttle: %w", err)
	}
	return nil
}
