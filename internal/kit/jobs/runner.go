package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"yingji/internal/kit/ids"
	"yingji/internal/kit/store"
)

// Config configures a Runner. Zero values take the defaults noted.
type Config struct {
	// Instance identifies this process in claimed_by (default host:pid:random).
	Instance string
	// Now is the clock used for every stored time (default time.Now).
	Now func() time.Time
	// Handlers maps a job kind to its handler. A Runner claims only the
	// kinds it has handlers for.
	Handlers map[string]Handler
	// PollInterval is the time between polls when not woken (default 1 s).
	PollInterval time.Duration
	// Concurrency is the number of handlers run at once (default 2).
	Concurrency int
	// Lease is how long a claim holds without renewal (default 30 s); it is
	// renewed every Lease/3 while the handler runs.
	Lease time.Duration
	// ProgressInterval is the least time between two progress writes of one
	// job (default 300 ms).
	ProgressInterval time.Duration
	// MaxAttempts is the default for jobs enqueued without one (default 3).
	MaxAttempts int
	// RetryBackoff is the delay before the first retry, doubled for each
	// further attempt (default 10 s), up to MaxBackoff (default 10 min).
	RetryBackoff time.Duration
	MaxBackoff   time.Duration
	// Logger receives poll and write errors (default slog.Default()).
	Logger *slog.Logger
}

// Runner claims and runs jobs of the kinds it has handlers for.
type Runner struct {
	db       *store.DB
	cfg      Config
	handlers map[string]Handler
	kinds    []string
	wake     chan struct{}
	log      *slog.Logger

	pollMu  sync.Mutex // serialises Poll; guards schedule.last and stopped
	stopped bool

	// live is the progress of the jobs running here, newer than the row
	// while a handler's own write transaction keeps the progress write
	// waiting (SQLite has one writer).
	liveMu sync.Mutex
	live   map[string]*progress

	mu        sync.Mutex
	schedules []*schedule
	running   int
	base      context.Context // parent of handler contexts
	started   bool
	stop      chan struct{}
	stopOnce  sync.Once
	loopDone  chan struct{}
	handlerWG sync.WaitGroup
}

type schedule struct {
	kind  string
	every time.Duration
	last  time.Time // last slot enqueued by this Runner
}

// New returns a Runner; call Start to run it.
func New(db *store.DB, cfg Config) *Runner {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Instance == "" {
		host, _ := os.Hostname()
		id := ids.New()
		cfg.Instance = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), id[len(id)-6:])
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 2
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 30 * time.Second
	}
	if cfg.ProgressInterval <= 0 {
		cfg.ProgressInterval = 300 * time.Millisecond
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 3
	}
	if cfg.RetryBackoff <= 0 {
		cfg.RetryBackoff = 10 * time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 10 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	r := &Runner{
		db:       db,
		cfg:      cfg,
		handlers: make(map[string]Handler, len(cfg.Handlers)),
		wake:     make(chan struct{}, 1),
		log:      cfg.Logger.With("component", "jobs", "instance", cfg.Instance),
		base:     context.Background(),
		stop:     make(chan struct{}),
		live:     map[string]*progress{},
	}
	for k, h := range cfg.Handlers {
		if h != nil {
			r.handlers[k] = h
			r.kinds = append(r.kinds, k)
		}
	}
	sort.Strings(r.kinds)
	return r
}

// Instance returns the id this Runner writes to claimed_by.
func (r *Runner) Instance() string { return r.cfg.Instance }

func (r *Runner) now() time.Time { return utc(r.cfg.Now()) }

// Every registers a periodic schedule: the Runner enqueues one job of kind
// for each slot of length interval (slots are aligned to UTC multiples of the
// interval), with dedupe key "kind@slot-start", so several instances create
// each slot once. The job for the next slot is enqueued ahead with run_at at
// the slot start; a slot missed while every instance was down runs once at
// start-up. It panics on a non-positive interval.
func (r *Runner) Every(kind string, interval time.Duration) {
	if interval <= 0 || kind == "" {
		panic(fmt.Sprintf("jobs: Every(%q, %v): kind and a positive interval are required", kind, interval))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.schedules = append(r.schedules, &schedule{kind: kind, every: interval})
}

// SlotKey returns the dedupe key of the periodic job of kind for the slot
// starting at slot.
func SlotKey(kind string, slot time.Time) string {
	return kind + "@" + slot.UTC().Format(time.RFC3339Nano)
}

// Wake makes the running loop poll at once (e.g. from tx.AfterCommit).
func (r *Runner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Start runs the poll loop in the background until ctx ends or Stop is
// called. Handlers run under ctx: cancelling it cancels them, and a job
// interrupted so is put back in the queue without counting the attempt.
func (r *Runner) Start(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		return errors.New("jobs: runner already started")
	}
	r.started = true
	r.base = ctx
	if err := r.recoverInterrupted(ctx); err != nil && ctx.Err() == nil {
		r.log.Warn("recovering jobs of a crashed process failed", "err", err)
	}
	r.loopDone = make(chan struct{})
	go r.loop(ctx)
	return nil
}

// Stop stops polling and waits for the running handlers to return.
func (r *Runner) Stop() {
	r.stopOnce.Do(func() { close(r.stop) })
	r.mu.Lock()
	done := r.loopDone
	r.mu.Unlock()
	if done != nil {
		<-done
	}
	r.pollMu.Lock()
	r.stopped = true
	r.pollMu.Unlock()
	r.handlerWG.Wait()
}

func (r *Runner) loop(ctx context.Context) {
	defer close(r.loopDone)
	t := time.NewTicker(r.cfg.PollInterval)
	defer t.Stop()
	for {
		if _, err := r.Poll(ctx); err != nil && ctx.Err() == nil {
			r.log.Warn("job poll failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-r.stop:
			return
		case <-t.C:
		case <-r.wake:
		}
	}
}

// Poll does one round of the loop: it enqueues due periodic slots,
// re-queues jobs whose lease expired and claims queued jobs up to the
// concurrency limit, starting their handlers in the background. It returns
// the number of jobs started. Start calls it; tests may call it directly.
func (r *Runner) Poll(ctx context.Context) (int, error) {
	r.pollMu.Lock()
	defer r.pollMu.Unlock()
	if r.stopped {
		return 0, nil
	}
	err1 := r.enqueueSlots(ctx)
	err2 := r.reap(ctx)
	n, err3 := r.claimDue(ctx)
	return n, errors.Join(err1, err2, err3)
}

func (r *Runner) enqueueSlots(ctx context.Context) error {
	r.mu.Lock()
	scheds := append([]*schedule(nil), r.schedules...)
	r.mu.Unlock()
	var errList []error
	for _, s := range scheds {
		now := r.now()
		slot := now.Truncate(s.every).Add(s.every)
		if slot.Equal(s.last) {
			continue
		}
		_, err := r.EnqueueNow(ctx, NewJob{Kind: s.kind, RunAt: slot, CreatedBy: "system", DedupeKey: SlotKey(s.kind, slot)})
		if err != nil {
			errList = append(errList, fmt.Errorf("periodic %s: %w", s.kind, err))
			continue
		}
		s.last = slot
	}
	return errors.Join(errList...)
}

// reap re-queues (or fails, past max_attempts) running jobs whose lease
// expired: their instance died or lost the database.
func (r *Runner) reap(ctx context.Context) error {
	now := r.now()
	rows, err := r.db.R().QueryContext(ctx, `SELECT id, attempts, max_attempts, claimed_by FROM job
		WHERE state = $1 AND lease_until < $2 ORDER BY lease_until LIMIT 100`, string(Running), now)
	if err != nil {
		return fmt.Errorf("find expired jobs: %w", err)
	}
	type expired struct {
		id, by            string
		attempts, maxAtts int
	}
	var list []expired
	for rows.Next() {
		var e expired
		var by *string
		if err := rows.Scan(&e.id, &e.attempts, &e.maxAtts, &by); err != nil {
			rows.Close()
			return fmt.Errorf("find expired jobs: %w", err)
		}
		if by != nil {
			e.by = *by
		}
		list = append(list, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("find expired jobs: %w", err)
	}
	for _, e := range list {
		err := r.db.InTx(ctx, func(tx *store.Tx) error {
			const fence = ` WHERE id = $4 AND state = $5 AND lease_until < $2 AND attempts = $6`
			var err error
			if e.attempts < e.maxAtts {
				msg := fmt.Sprintf("执行实例 %s 失联（租约过期），任务已重新排队", e.by)
				_, err = tx.ExecContext(ctx, `UPDATE job SET state = $1, run_at = $2, lease_until = NULL, message = $3`+fence,
					string(Queued), now, msg, e.id, string(Running), e.attempts)
			} else {
				msg := fmt.Sprintf("执行实例 %s 失联（租约过期），已达最大尝试次数 %d，任务失败", e.by, e.maxAtts)
				_, err = tx.ExecContext(ctx, `UPDATE job SET state = $1, finished_at = $2, lease_until = NULL, message = $3`+fence,
					string(Failed), now, msg, e.id, string(Running), e.attempts)
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("re-queue expired job %s: %w", e.id, err)
		}
		r.log.Info("job lease expired", "job", e.id, "claimed_by", e.by, "attempts", e.attempts)
	}
	return nil
}

func (r *Runner) claimDue(ctx context.Context) (int, error) {
	r.mu.Lock()
	free := r.cfg.Concurrency - r.running
	r.mu.Unlock()
	if free <= 0 || len(r.kinds) == 0 {
		return 0, nil
	}
	now := r.now()
	args := []any{string(Queued), now}
	ph := make([]string, len(r.kinds))
	for i, k := range r.kinds {
		args = append(args, k)
		ph[i] = fmt.Sprintf("$%d", len(args))
	}
	args = append(args, free*4)
	rows, err := r.db.R().QueryContext(ctx, `SELECT id FROM job WHERE state = $1 AND run_at <= $2 AND kind IN (`+
		strings.Join(ph, ", ")+fmt.Sprintf(`) ORDER BY run_at, id LIMIT $%d`, len(args)), args...)
	if err != nil {
		return 0, fmt.Errorf("find due jobs: %w", err)
	}
	var cands []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("find due jobs: %w", err)
		}
		cands = append(cands, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("find due jobs: %w", err)
	}
	started := 0
	for _, id := range cands {
		if started == free {
			break
		}
		j, err := r.claim(ctx, id)
		if err != nil {
			return started, err
		}
		if j == nil {
			continue // another instance (or a cancel) was first
		}
		r.launch(j)
		started++
	}
	return started, nil
}

// claim moves a queued job to running for this instance by compare-and-swap.
// It returns nil when the row was no longer claimable.
func (r *Runner) claim(ctx context.Context, id string) (*Job, error) {
	var j *Job
	err := r.db.InTx(ctx, func(tx *store.Tx) error {
		j = nil
		now := r.now()
		res, err := tx.ExecContext(ctx, `UPDATE job SET state = $1, claimed_by = $2, claimed_at = $3, lease_until = $4,
			attempts = attempts + 1 WHERE id = $5 AND state = $6 AND run_at <= $3`,
			string(Running), r.cfg.Instance, now, now.Add(r.cfg.Lease), id, string(Queued))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return err
		}
		j, err = scanJob(tx.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM job WHERE id = $1`, id))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim job %s: %w", id, err)
	}
	return j, nil
}

func (r *Runner) launch(j *Job) {
	r.mu.Lock()
	r.running++
	base := r.base
	r.mu.Unlock()
	r.handlerWG.Add(1)
	go func() {
		defer r.handlerWG.Done()
		r.execute(base, j)
		r.mu.Lock()
		r.running--
		r.mu.Unlock()
		r.Wake()
	}()
}

var errLost = errors.New("job cancelled or lease lost")

// progress is the Progress of one running job.
type progress struct {
	mu          sync.Mutex
	done, total int64
	msg         string
	msgSet      bool
	dirty       bool
	kick        chan struct{}
	lost        atomic.Bool
}

func (p *progress) Set(done, total int64, message string) {
	p.mu.Lock()
	p.done, p.total, p.msg, p.msgSet, p.dirty = done, total, message, true, true
	p.mu.Unlock()
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

func (p *progress) Cancelled() bool { return p.lost.Load() }

func (p *progress) snapshot() (done, total int64, msg string, msgSet bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dirty = false
	return p.done, p.total, p.msg, p.msgSet
}

func (r *Runner) execute(base context.Context, j *Job) {
	jctx, cancel := context.WithCancelCause(base)
	defer cancel(nil)
	p := &progress{done: j.ProgressDone, total: j.ProgressTotal, msg: j.Message, kick: make(chan struct{}, 1)}
	r.liveMu.Lock()
	r.live[j.ID] = p
	r.liveMu.Unlock()
	defer func() {
		r.liveMu.Lock()
		delete(r.live, j.ID)
		r.liveMu.Unlock()
	}()
	stopSup := make(chan struct{})
	supDone := make(chan struct{})
	go func() {
		defer close(supDone)
		r.supervise(jctx, cancel, j, p, stopSup)
	}()
	herr := r.call(jctx, j, p)
	close(stopSup)
	<-supDone
	if p.lost.Load() {
		r.log.Info("job stopped: cancelled or lease lost", "job", j.ID, "kind", j.Kind)
		return
	}
	wctx, wcancel := context.WithTimeout(context.WithoutCancel(base), 30*time.Second)
	defer wcancel()
	if err := r.finish(wctx, j, p, herr, base.Err() != nil); err != nil {
		r.log.Error("job finish not recorded", "job", j.ID, "kind", j.Kind, "err", err)
	}
}

// call runs the handler, turning a panic into a permanent error.
func (r *Runner) call(ctx context.Context, j *Job, p Progress) (err error) {
	h := r.handlers[j.Kind]
	if h == nil {
		return Permanent(fmt.Errorf("未注册的任务类型 %s", j.Kind))
	}
	defer func() {
		if v := recover(); v != nil {
			r.log.Error("job handler panicked", "job", j.ID, "kind", j.Kind, "panic", v, "stack", string(debug.Stack()))
			err = Permanent(fmt.Errorf("处理程序异常：%v", v))
		}
	}()
	return h(ctx, j, p)
}

// supervise writes progress (throttled) and renews the lease until stop is
// closed. When the row is no longer this claim's (cancelled, or re-claimed
// after the lease expired) it cancels the handler's context.
func (r *Runner) supervise(ctx context.Context, cancel context.CancelCauseFunc, j *Job, p *progress, stop <-chan struct{}) {
	t := time.NewTicker(r.cfg.ProgressInterval)
	defer t.Stop()
	renewEvery := r.cfg.Lease / 3
	last := time.Now()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-p.kick:
		case <-t.C:
		}
		p.mu.Lock()
		dirty := p.dirty
		p.mu.Unlock()
		since := time.Since(last)
		if since < r.cfg.ProgressInterval || (!dirty && since < renewEvery) {
			continue
		}
		ok, err := r.writeProgress(ctx, j, p)
		if err != nil {
			if ctx.Err() == nil {
				r.log.Warn("job progress/lease write failed", "job", j.ID, "err", err)
			}
			continue
		}
		last = time.Now()
		if !ok {
			p.lost.Store(true)
			cancel(errLost)
			return
		}
	}
}

// writeProgress stores progress and renews the lease; ok is false when the
// row is no longer held by this claim.
func (r *Runner) writeProgress(ctx context.Context, j *Job, p *progress) (ok bool, err error) {
	done, total, msg, _ := p.snapshot()
	err = r.db.InTx(ctx, func(tx *store.Tx) error {
		now := r.now()
		res, err := tx.ExecContext(ctx, `UPDATE job SET progress_done = $1, progress_total = $2, message = $3, lease_until = $4
			WHERE id = $5 AND state = $6 AND claimed_by = $7 AND attempts = $8`,
			done, total, clip(msg, 500), now.Add(r.cfg.Lease), j.ID, string(Running), r.cfg.Instance, j.Attempts)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		ok = n == 1
		return err
	})
	if err != nil {
		p.mu.Lock()
		p.dirty = true
		p.mu.Unlock()
		return false, fmt.Errorf("write progress of job %s: %w", j.ID, err)
	}
	return ok, nil
}

func (r *Runner) backoff(attempt int) time.Duration {
	d := r.cfg.RetryBackoff
	for i := 1; i < attempt && d < r.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, r.cfg.MaxBackoff)
}

// finish records the handler's outcome, fenced on this claim.
func (r *Runner) finish(ctx context.Context, j *Job, p *progress, herr error, shuttingDown bool) error {
	done, total, msg, msgSet := p.snapshot()
	now := r.now()
	const fence = ` WHERE id = $%d AND state = '` + string(Running) + `' AND claimed_by = $%d AND attempts = $%d`
	var (
		q    string
		args []any
		log  = r.log.With("job", j.ID, "kind", j.Kind, "attempt", j.Attempts)
	)
	switch {
	case herr == nil:
		if !msgSet || msg == "" {
			msg = "已完成"
		}
		var result any
		if len(j.Result) > 0 {
			result = string(j.Result)
		}
		q = `UPDATE job SET state = $1, progress_done = $2, progress_total = $3, message = $4, result = $5,
			finished_at = $6, lease_until = NULL` + fmt.Sprintf(fence, 7, 8, 9)
		args = []any{string(Done), done, total, clip(msg, 500), result, now}
	case shuttingDown:
		q = `UPDATE job SET state = $1, attempts = attempts - 1, run_at = $2, lease_until = NULL, message = $3,
			progress_done = $4, progress_total = $5` + fmt.Sprintf(fence, 6, 7, 8)
		args = []any{string(Queued), now, "服务停止，任务已重新排队", done, total}
		log.Info("job interrupted by shutdown, re-queued", "err", herr)
	case IsPermanent(herr) || j.Attempts >= j.MaxAttempts:
		m := fmt.Sprintf("执行失败（第 %d 次，不再重试）：%v", j.Attempts, herr)
		q = `UPDATE job SET state = $1, message = $2, finished_at = $3, lease_until = NULL,
			progress_done = $4, progress_total = $5` + fmt.Sprintf(fence, 6, 7, 8)
		args = []any{string(Failed), clip(m, 2000), now, done, total}
		log.Warn("job failed", "err", herr)
	default:
		wait := r.backoff(j.Attempts)
		m := fmt.Sprintf("第 %d 次执行失败，%s后重试：%v", j.Attempts, chineseDuration(wait), herr)
		q = `UPDATE job SET state = $1, message = $2, run_at = $3, lease_until = NULL,
			progress_done = $4, progress_total = $5` + fmt.Sprintf(fence, 6, 7, 8)
		args = []any{string(Queued), clip(m, 2000), now.Add(wait), done, total}
		log.Info("job attempt failed, will retry", "err", herr, "retry_in", wait)
	}
	args = append(args, j.ID, r.cfg.Instance, j.Attempts)
	return r.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			log.Info("job row changed meanwhile (cancelled or re-claimed); outcome dropped")
		}
		return nil
	})
}

// chineseDuration formats a retry delay for a user message.
func chineseDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%d 毫秒", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%d 秒", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d 分钟", int(d.Minutes()))
	default:
		return fmt.Sprintf("%.1f 小时", d.Hours())
	}
}

// overlay shows the in-memory progress of a job running here: the row's
// may lag while the handler's own write transaction holds the database.
func (r *Runner) overlay(j *Job) {
	if j.State != Running || j.ClaimedBy != r.cfg.Instance {
		return
	}
	r.liveMu.Lock()
	p := r.live[j.ID]
	r.liveMu.Unlock()
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	j.ProgressDone, j.ProgressTotal = p.done, p.total
	if p.msgSet {
		j.Message = p.msg
	}
}

// MaxInterrupts is how many times a job is put back in the queue after
// its process ended without a shutdown; the next interruption fails it.
const MaxInterrupts = 2

// recoverInterrupted handles, at start-up, the jobs left running by an
// earlier process of this host that is gone (crashed, killed, power lost)
// instead of waiting for their lease to expire: each is put back in the
// queue without counting the attempt, so it starts again from its stored
// input (an import re-reads its uploaded file), or fails with the reason
// once it was interrupted MaxInterrupts times. Jobs of other hosts are
// left to the lease.
func (r *Runner) recoverInterrupted(ctx context.Context) error {
	rows, err := r.db.R().QueryContext(ctx, `SELECT id, claimed_by, attempts, interrupts FROM job WHERE state = $1`, string(Running))
	if err != nil {
		return fmt.Errorf("find interrupted jobs: %w", err)
	}
	type found struct {
		id, by               string
		attempts, interrupts int
	}
	var list []found
	for rows.Next() {
		var f found
		var by *string
		if err := rows.Scan(&f.id, &by, &f.attempts, &f.interrupts); err != nil {
			rows.Close()
			return fmt.Errorf("find interrupted jobs: %w", err)
		}
		if by != nil && r.deadInstance(*by) {
			f.by = *by
			list = append(list, f)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("find interrupted jobs: %w", err)
	}
	for _, f := range list {
		now := r.now()
		err := r.db.InTx(ctx, func(tx *store.Tx) error {
			const fence = ` WHERE id = $3 AND state = $4 AND claimed_by = $5 AND attempts = $6`
			var err error
			if f.interrupts < MaxInterrupts {
				msg := fmt.Sprintf("上次执行被中断：执行实例 %s 已不在运行（服务异常退出），任务已重新排队，将从保存的数据重新开始", f.by)
				_, err = tx.ExecContext(ctx, `UPDATE job SET state = '`+string(Queued)+`', run_at = $1, message = $2, lease_until = NULL,
					attempts = attempts - 1, interrupts = interrupts + 1`+fence, now, msg, f.id, string(Running), f.by, f.attempts)
			} else {
				msg := fmt.Sprintf("执行失败：任务已 %d 次因服务异常退出而中断（最近一次在执行实例 %s 上），不再重试；请查看服务日志后重新提交", f.interrupts+1, f.by)
				_, err = tx.ExecContext(ctx, `UPDATE job SET state = '`+string(Failed)+`', finished_at = $1, message = $2, lease_until = NULL,
					interrupts = interrupts + 1`+fence, now, msg, f.id, string(Running), f.by, f.attempts)
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("recover interrupted job %s: %w", f.id, err)
		}
		r.log.Warn("job interrupted by a process that is gone", "job", f.id, "claimed_by", f.by, "interrupts", f.interrupts+1)
	}
	if len(list) > 0 {
		r.Wake()
	}
	return nil
}

// deadInstance reports whether instance (host:pid:suffix, the default
// Instance format) was a process of this host that is no longer running.
// Other formats and other hosts are not judged.
func (r *Runner) deadInstance(instance string) bool {
	if instance == r.cfg.Instance {
		return false
	}
	i := strings.LastIndexByte(instance, ':')
	if i < 0 {
		return false
	}
	rest := instance[:i]
	j := strings.LastIndexByte(rest, ':')
	if j < 0 {
		return false
	}
	host, pidText := rest[:j], rest[j+1:]
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 {
		return false
	}
	if me, _ := os.Hostname(); host != me {
		return false
	}
	if pid == os.Getpid() {
		// A container's process is pid 1 in every life: the same pid with
		// another suffix is an earlier life there. Elsewhere it is another
		// Runner of this very process.
		return pid == 1
	}
	return !processAlive(pid)
}
