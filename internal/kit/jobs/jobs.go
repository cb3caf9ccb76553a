// Package jobs is an in-process scheduler over a portable job table (后台任务).
//
// Every instance of the binary may run a Runner against the same database.
// Runners claim queued jobs by compare-and-swap on the row's state, hold
// them by a lease that is renewed while the handler runs, and re-queue jobs
// whose instance died. Periodic schedules enqueue one job per time slot,
// deduplicated by a unique key, so several instances create each slot once.
package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/store"
)

// State is a job's lifecycle state.
type State string

const (
	Queued    State = "queued"
	Running   State = "running"
	Done      State = "done"
	Failed    State = "failed"
	Cancelled State = "cancelled"
)

// Finished reports whether the state is final.
func (s State) Finished() bool { return s == Done || s == Failed || s == Cancelled }

// Job is a row of the job table.
type Job struct {
	ID            string          `json:"id"`
	CountyCode    string          `json:"county_code"`
	Kind          string          `json:"kind"`
	Payload       json.RawMessage `json:"payload"`
	State         State           `json:"state"`
	RunAt         time.Time       `json:"run_at"`
	Attempts      int             `json:"attempts"`
	MaxAttempts   int             `json:"max_attempts"`
	ClaimedBy     string          `json:"claimed_by,omitempty"`
	ClaimedAt     time.Time       `json:"claimed_at,omitzero"`  // zero when never claimed
	LeaseUntil    time.Time       `json:"lease_until,omitzero"` // zero when not held
	ProgressDone  int64           `json:"progress_done"`
	ProgressTotal int64           `json:"progress_total"`
	Message       string          `json:"message"`
	// Result is the handler's JSON result. A handler sets it (directly or
	// with SetResult) before returning nil; it is stored with state done.
	Result     json.RawMessage `json:"result,omitempty"`
	CreatedBy  string          `json:"created_by"`
	CreatedAt  time.Time       `json:"created_at"`
	FinishedAt time.Time       `json:"finished_at,omitzero"` // zero while not finished
	DedupeKey  string          `json:"-"`
	// Interrupts counts runs cut off by their process ending without a
	// shutdown (crash, kill -9, power loss).
	Interrupts int `json:"interrupts"`
}

// Decode unmarshals the job's JSON payload into v.
func (j *Job) Decode(v any) error {
	if len(j.Payload) == 0 {
		return nil
	}
	if err := json.Unmarshal(j.Payload, v); err != nil {
		return fmt.Errorf("job %s (%s): decode payload: %w", j.ID, j.Kind, err)
	}
	return nil
}

// SetResult marshals v as the job's result.
func (j *Job) SetResult(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("job %s (%s): encode result: %w", j.ID, j.Kind, err)
	}
	j.Result = b
	return nil
}

// Handler runs one job. It returns nil on success, an error to have the job
// retried (until max_attempts), or Permanent(err) to fail it at once. ctx is
// cancelled when a user cancels the job, when the instance loses the lease
// and when the Runner's context ends.
type Handler func(ctx context.Context, j *Job, p Progress) error

// Progress lets a handler report how far it is.
type Progress interface {
	// Set records progress and a status message (shown to users, Chinese).
	// Writes to the row are throttled; the last value is always written.
	Set(done, total int64, message string)
	// Cancelled reports whether the job was cancelled (or its lease lost);
	// the handler's ctx is cancelled then as well.
	Cancelled() bool
}

// NewJob describes a job to enqueue.
type NewJob struct {
	CountyCode string
	Kind       string
	// Payload is marshalled to JSON (a json.RawMessage is stored as is);
	// nil stores {}.
	Payload     any
	RunAt       time.Time // zero: now
	MaxAttempts int       // zero: the Runner's default
	CreatedBy   string
	// DedupeKey makes the job unique: enqueuing a second job with the same
	// key returns the first job's id and inserts nothing.
	DedupeKey string
}

// Filter selects jobs for List. Empty fields match everything.
type Filter struct {
	CountyCode string
	Kind       string
	States     []State
	CreatedBy  string
	Limit      int // default 50, at most 500
	Offset     int
}

type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks a handler error as not worth retrying: the job fails at
// once whatever its attempts.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

var (
	errNotFound = errs.New(errs.NotFound, "任务不存在")
	errFinished = errs.New(errs.Conflict, "任务已结束，无法取消")
)

// Enqueue inserts a job inside the caller's business transaction; it becomes
// visible to runners when tx commits (and wakes this Runner then). With a
// DedupeKey that already exists it inserts nothing and returns the existing
// job's id.
func (r *Runner) Enqueue(ctx context.Context, tx *store.Tx, nj NewJob) (string, error) {
	if strings.TrimSpace(nj.Kind) == "" {
		return "", fmt.Errorf("enqueue job: %w", errs.Field("kind", "任务类型不能为空", nil))
	}
	payload := []byte("{}")
	if nj.Payload != nil {
		b, err := json.Marshal(nj.Payload)
		if err != nil {
			return "", fmt.Errorf("enqueue job %s: encode payload: %w", nj.Kind, err)
		}
		payload = b
	}
	now := r.now()
	runAt := now
	if !nj.RunAt.IsZero() {
		runAt = utc(nj.RunAt)
	}
	maxAttempts := nj.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = r.cfg.MaxAttempts
	}
	id := ids.New()
	res, err := tx.ExecContext(ctx, `INSERT INTO job (id, county_code, kind, payload, state, run_at, attempts, max_attempts,
		progress_done, progress_total, message, created_by, created_at, dedupe_key)
		VALUES ($1, $2, $3, $4, $5, $6, 0, $7, 0, 0, '', $8, $9, $10)
		ON CONFLICT (dedupe_key) DO NOTHING`,
		id, nj.CountyCode, nj.Kind, string(payload), string(Queued), runAt, maxAttempts, nj.CreatedBy, now, nullString(nj.DedupeKey))
	if err != nil {
		return "", fmt.Errorf("enqueue job %s: %w", nj.Kind, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return "", fmt.Errorf("enqueue job %s: %w", nj.Kind, err)
	}
	if n == 0 {
		var existing string
		if err := tx.QueryRowContext(ctx, `SELECT id FROM job WHERE dedupe_key = $1`, nj.DedupeKey).Scan(&existing); err != nil {
			return "", fmt.Errorf("enqueue job %s: find duplicate %q: %w", nj.Kind, nj.DedupeKey, err)
		}
		return existing, nil
	}
	if !runAt.After(now) {
		tx.AfterCommit(r.Wake)
	}
	return id, nil
}

// EnqueueNow enqueues a job in a transaction of its own.
func (r *Runner) EnqueueNow(ctx context.Context, nj NewJob) (string, error) {
	var id string
	err := r.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		id, err = r.Enqueue(ctx, tx, nj)
		return err
	})
	return id, err
}

const jobColumns = `id, county_code, kind, payload, state, run_at, attempts, max_attempts, claimed_by, claimed_at,
	lease_until, progress_done, progress_total, message, result, created_by, created_at, finished_at, dedupe_key, interrupts`

type rowScanner interface{ Scan(dest ...any) error }

func scanJob(s rowScanner) (*Job, error) {
	var (
		j                                 Job
		payload, state                    string
		claimedBy, result, dedupe         sql.NullString
		claimedAt, leaseUntil, finishedAt sql.NullTime
	)
	err := s.Scan(&j.ID, &j.CountyCode, &j.Kind, &payload, &state, &j.RunAt, &j.Attempts, &j.MaxAttempts,
		&claimedBy, &claimedAt, &leaseUntil, &j.ProgressDone, &j.ProgressTotal, &j.Message, &result,
		&j.CreatedBy, &j.CreatedAt, &finishedAt, &dedupe, &j.Interrupts)
	if err != nil {
		return nil, err
	}
	j.Payload = json.RawMessage(payload)
	j.State = State(state)
	j.ClaimedBy = claimedBy.String
	j.ClaimedAt = nullTime(claimedAt)
	j.LeaseUntil = nullTime(leaseUntil)
	if result.Valid {
		j.Result = json.RawMessage(result.String)
	}
	j.FinishedAt = nullTime(finishedAt)
	j.DedupeKey = dedupe.String
	j.RunAt = j.RunAt.UTC()
	j.CreatedAt = j.CreatedAt.UTC()
	return &j, nil
}

// Get returns one job; an errs.NotFound error when there is none.
func (r *Runner) Get(ctx context.Context, id string) (*Job, error) {
	j, err := scanJob(r.db.R().QueryRowContext(ctx, `SELECT `+jobColumns+` FROM job WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("job %s: %w", id, errNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get job %s: %w", id, err)
	}
	r.overlay(j)
	return j, nil
}

// List returns jobs matching f, newest first.
func (r *Runner) List(ctx context.Context, f Filter) ([]*Job, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.CountyCode != "" {
		add("county_code = $%d", f.CountyCode)
	}
	if f.Kind != "" {
		add("kind = $%d", f.Kind)
	}
	if f.CreatedBy != "" {
		add("created_by = $%d", f.CreatedBy)
	}
	if len(f.States) > 0 {
		ph := make([]string, len(f.States))
		for i, s := range f.States {
			args = append(args, string(s))
			ph[i] = fmt.Sprintf("$%d", len(args))
		}
		where = append(where, "state IN ("+strings.Join(ph, ", ")+")")
	}
	q := `SELECT ` + jobColumns + ` FROM job`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	args = append(args, limit, max(f.Offset, 0))
	q += fmt.Sprintf(" ORDER BY created_at DESC, id DESC LIMIT $%d OFFSET $%d", len(args)-1, len(args))
	rows, err := r.db.R().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	defer rows.Close()
	var out []*Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("list jobs: %w", err)
		}
		r.overlay(j)
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	return out, nil
}

// Cancel cancels a queued or running job. A running handler sees its ctx
// cancelled at its next progress write or lease renewal. Cancelling a
// finished job is an errs.Conflict error.
func (r *Runner) Cancel(ctx context.Context, id string) error {
	now := r.now()
	return r.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE job SET state = $1, finished_at = $2, lease_until = NULL, message = $3
			WHERE id = $4 AND state IN ($5, $6)`,
			string(Cancelled), now, "已取消", id, string(Queued), string(Running))
		if err != nil {
			return fmt.Errorf("cancel job %s: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("cancel job %s: %w", id, err)
		} else if n == 1 {
			return nil
		}
		var state string
		err = tx.QueryRowContext(ctx, `SELECT state FROM job WHERE id = $1`, id).Scan(&state)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("cancel job %s: %w", id, errNotFound)
		}
		if err != nil {
			return fmt.Errorf("cancel job %s: %w", id, err)
		}
		return fmt.Errorf("cancel job %s (%s): %w", id, state, errFinished)
	})
}

func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullTime(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// clip shortens a message to at most n runes for the message column.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
