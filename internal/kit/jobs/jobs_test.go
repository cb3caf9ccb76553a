package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"yingji/internal/kit/clocktest"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/jobs"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

// newClock returns a test clock standing on 2024-07-01 08:30 UTC.
func newClock() *clocktest.Clock { return clocktest.New(time.Date(2024, 7, 1, 8, 30, 0, 0, time.UTC)) }

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))
}

// waitJob polls Get until ok holds, failing after a timeout.
func waitJob(t *testing.T, r *jobs.Runner, id string, what string, ok func(j *jobs.Job) bool) *jobs.Job {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		j, err := r.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if ok(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s never reached %s: state=%s attempts=%d message=%q", id, what, j.State, j.Attempts, j.Message)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func stateIs(s jobs.State) func(j *jobs.Job) bool {
	return func(j *jobs.Job) bool { return j.State == s }
}

func TestEnqueueRunsOnceWithResult(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var calls atomic.Int32
		r := jobs.New(db, jobs.Config{
			Instance:     "i1",
			PollInterval: 10 * time.Millisecond,
			Logger:       quietLogger(),
			Handlers: map[string]jobs.Handler{
				"double": func(ctx context.Context, j *jobs.Job, p jobs.Progress) error {
					calls.Add(1)
					var in struct{ N int }
					if err := j.Decode(&in); err != nil {
						return err
					}
					return j.SetResult(map[string]int{"double": 2 * in.N})
				},
			},
		})
		// A job enqueued in a rolled-back transaction does not exist.
		boom := errors.New("rollback")
		var lost string
		err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			lost, err = r.Enqueue(ctx, tx, jobs.NewJob{Kind: "double", Payload: map[string]int{"N": 1}})
			if err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if _, err := r.Get(ctx, lost); !errs.Is(err, errs.NotFound) {
			t.Fatalf("rolled-back job: want not found, got %v", err)
		}

		if err := r.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer r.Stop()
		id, err := r.EnqueueNow(ctx, jobs.NewJob{CountyCode: "341122", Kind: "double", Payload: map[string]int{"N": 21}, CreatedBy: "u1"})
		if err != nil {
			t.Fatal(err)
		}
		j := waitJob(t, r, id, "done", stateIs(jobs.Done))
		if string(j.Result) != `{"double":42}` || j.Attempts != 1 || j.Message != "已完成" || j.FinishedAt.IsZero() ||
			j.ClaimedBy != "i1" || !j.LeaseUntil.IsZero() || j.CountyCode != "341122" || j.CreatedBy != "u1" {
			t.Fatalf("unexpected finished job: %+v", j)
		}
		time.Sleep(50 * time.Millisecond) // a few more polls must not run it again
		if n := calls.Load(); n != 1 {
			t.Fatalf("handler ran %d times", n)
		}
		list, err := r.List(ctx, jobs.Filter{CountyCode: "341122", States: []jobs.State{jobs.Done}})
		if err != nil || len(list) != 1 || list[0].ID != id {
			t.Fatalf("list: %v %v", list, err)
		}
		if list, err := r.List(ctx, jobs.Filter{States: []jobs.State{jobs.Queued, jobs.Running}}); err != nil || len(list) != 0 {
			t.Fatalf("list active: %v %v", list, err)
		}
	})
}

func TestEnqueueDedupeKey(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := jobs.New(db, jobs.Config{Logger: quietLogger()})
		a, err := r.EnqueueNow(ctx, jobs.NewJob{Kind: "k", DedupeKey: "k@1"})
		if err != nil {
			t.Fatal(err)
		}
		b, err := r.EnqueueNow(ctx, jobs.NewJob{Kind: "k", DedupeKey: "k@1"})
		if err != nil || a != b {
			t.Fatalf("second enqueue: id %s (first %s), err %v", b, a, err)
		}
		if _, err := r.EnqueueNow(ctx, jobs.NewJob{}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("empty kind: %v", err)
		}
	})
}

func TestFailingHandlerRetriedWithBackoffThenFailed(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := newClock()
		var calls atomic.Int32
		r := jobs.New(db, jobs.Config{
			Now:          clk.Now,
			RetryBackoff: time.Minute,
			Logger:       quietLogger(),
			Handlers: map[string]jobs.Handler{
				"flaky": func(ctx context.Context, j *jobs.Job, p jobs.Progress) error {
					calls.Add(1)
					return errors.New("网关超时")
				},
				"bad": func(ctx context.Context, j *jobs.Job, p jobs.Progress) error {
					return jobs.Permanent(fmt.Errorf("参数错误: %w", errs.New(errs.Invalid, "x")))
				},
			},
		})
		defer r.Stop()
		id, err := r.EnqueueNow(ctx, jobs.NewJob{Kind: "flaky", MaxAttempts: 3})
		if err != nil {
			t.Fatal(err)
		}
		start := clk.Now()
		if n, err := r.Poll(ctx); err != nil || n != 1 {
			t.Fatalf("poll: %d %v", n, err)
		}
		j := waitJob(t, r, id, "queued after 1st failure", func(j *jobs.Job) bool { return j.State == jobs.Queued && j.Attempts == 1 })
		if !strings.Contains(j.Message, "网关超时") || !strings.Contains(j.Message, "第 1 次") || !j.RunAt.Equal(start.Add(time.Minute)) {
			t.Fatalf("after first failure: %+v", j)
		}
		if n, err := r.Poll(ctx); err != nil || n != 0 {
			t.Fatalf("poll before backoff elapsed started %d (%v)", n, err)
		}
		clk.Add(time.Minute)
		if n, err := r.Poll(ctx); err != nil || n != 1 {
			t.Fatalf("poll: %d %v", n, err)
		}
		j = waitJob(t, r, id, "queued after 2nd failure", func(j *jobs.Job) bool { return j.State == jobs.Queued && j.Attempts == 2 })
		if !j.RunAt.Equal(clk.Now().Add(2 * time.Minute)) {
			t.Fatalf("second backoff: run_at %v, now %v", j.RunAt, clk.Now())
		}
		clk.Add(2 * time.Minute)
		if n, err := r.Poll(ctx); err != nil || n != 1 {
			t.Fatalf("poll: %d %v", n, err)
		}
		j = waitJob(t, r, id, "failed", stateIs(jobs.Failed))
		if j.Attempts != 3 || !strings.Contains(j.Message, "网关超时") || !strings.Contains(j.Message, "不再重试") || j.FinishedAt.IsZero() {
			t.Fatalf("failed job: %+v", j)
		}
		clk.Add(time.Hour)
		if n, _ := r.Poll(ctx); n != 0 || calls.Load() != 3 {
			t.Fatalf("failed job ran again: started %d, calls %d", n, calls.Load())
		}

		// A permanent error fails at once.
		id, err = r.EnqueueNow(ctx, jobs.NewJob{Kind: "bad", MaxAttempts: 5})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Poll(ctx); err != nil {
			t.Fatal(err)
		}
		j = waitJob(t, r, id, "failed", stateIs(jobs.Failed))
		if j.Attempts != 1 || !strings.Contains(j.Message, "参数错误") {
			t.Fatalf("permanent failure: %+v", j)
		}
	})
}

func TestPanicFailsJob(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := jobs.New(db, jobs.Config{Logger: quietLogger(), Handlers: map[string]jobs.Handler{
			"boom": func(ctx context.Context, j *jobs.Job, p jobs.Progress) error { panic("炸了") },
		}})
		defer r.Stop()
		id, err := r.EnqueueNow(ctx, jobs.NewJob{Kind: "boom"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Poll(ctx); err != nil {
			t.Fatal(err)
		}
		j := waitJob(t, r, id, "failed", stateIs(jobs.Failed))
		if !strings.Contains(j.Message, "炸了") {
			t.Fatalf("message %q", j.Message)
		}
	})
}

func TestProgressVisibleWhileRunning(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		release := make(chan struct{})
		r := jobs.New(db, jobs.Config{
			Instance:         "i1",
			PollInterval:     10 * time.Millisecond,
			ProgressInterval: 20 * time.Millisecond,
			Logger:           quietLogger(),
			Handlers: map[string]jobs.Handler{
				"import": func(ctx context.Context, j *jobs.Job, p jobs.Progress) error {
					for i := int64(1); i <= 5; i++ {
						p.Set(i, 10, fmt.Sprintf("已导入 %d/10 行", i))
					}
					<-release
					p.Set(10, 10, "导入完成，共 10 行")
					return nil
				},
			},
		})
		if err := r.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer r.Stop()
		id, err := r.EnqueueNow(ctx, jobs.NewJob{Kind: "import"})
		if err != nil {
			t.Fatal(err)
		}
		j := waitJob(t, r, id, "progress 5/10", func(j *jobs.Job) bool { return j.ProgressDone == 5 })
		if j.State != jobs.Running || j.ProgressTotal != 10 || j.Message != "已导入 5/10 行" || j.ClaimedBy != "i1" ||
			!j.LeaseUntil.After(time.Now()) || j.ClaimedAt.IsZero() {
			t.Fatalf("running job: %+v", j)
		}
		close(release)
		j = waitJob(t, r, id, "done", stateIs(jobs.Done))
		if j.ProgressDone != 10 || j.Message != "导入完成，共 10 行" {
			t.Fatalf("done job: %+v", j)
		}
	})
}

func TestCancel(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		started := make(chan struct{})
		sawCancel := make(chan bool, 1)
		r := jobs.New(db, jobs.Config{
			PollInterval:     10 * time.Millisecond,
			ProgressInterval: 10 * time.Millisecond,
			Lease:            30 * time.Millisecond, // renewals every 10 ms
			Logger:           quietLogger(),
			Handlers: map[string]jobs.Handler{
				"long": func(ctx context.Context, j *jobs.Job, p jobs.Progress) error {
					p.Set(1, 100, "处理中")
					close(started)
					<-ctx.Done()
					sawCancel <- p.Cancelled()
					return ctx.Err()
				},
			},
		})
		// A queued job is cancelled before it runs and never runs.
		q, err := r.EnqueueNow(ctx, jobs.NewJob{Kind: "long", RunAt: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Cancel(ctx, q); err != nil {
			t.Fatal(err)
		}
		if j, _ := r.Get(ctx, q); j.State != jobs.Cancelled || j.FinishedAt.IsZero() {
			t.Fatalf("queued cancel: %+v", j)
		}
		if err := r.Cancel(ctx, q); !errs.Is(err, errs.Conflict) {
			t.Fatalf("cancel twice: %v", err)
		}
		if err := r.Cancel(ctx, "nope"); !errs.Is(err, errs.NotFound) {
			t.Fatalf("cancel unknown: %v", err)
		}

		if err := r.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer r.Stop()
		id, err := r.EnqueueNow(ctx, jobs.NewJob{Kind: "long"})
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-started:
		case <-time.After(20 * time.Second):
			t.Fatal("handler never started")
		}
		if err := r.Cancel(ctx, id); err != nil {
			t.Fatal(err)
		}
		select {
		case c := <-sawCancel:
			if !c {
				t.Fatal("Progress.Cancelled() false after cancel")
			}
		case <-time.After(20 * time.Second):
			t.Fatal("handler context was not cancelled")
		}
		r.Stop()
		j, err := r.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if j.State != jobs.Cancelled || j.Message != "已取消" || j.Attempts != 1 {
			t.Fatalf("cancelled running job: %+v", j)
		}
	})
}

func TestExpiredLeaseRequeued(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := newClock()
		var calls atomic.Int32
		r := jobs.New(db, jobs.Config{Instance: "alive", Now: clk.Now, Logger: quietLogger(), Handlers: map[string]jobs.Handler{
			"k": func(ctx context.Context, j *jobs.Job, p jobs.Progress) error { calls.Add(1); return nil },
		}})
		defer r.Stop()
		// Two jobs held by an instance that died a minute ago: one with
		// attempts left, one at its last attempt.
		mk := func(attempts int) string {
			id, err := r.EnqueueNow(ctx, jobs.NewJob{Kind: "k", MaxAttempts: 3})
			if err != nil {
				t.Fatal(err)
			}
			err = db.InTx(ctx, func(tx *store.Tx) error {
				_, err := tx.ExecContext(ctx, `UPDATE job SET state = 'running', claimed_by = 'dead', claimed_at = $1,
					lease_until = $2, attempts = $3 WHERE id = $4`,
					clk.Now().Add(-2*time.Minute), clk.Now().Add(-time.Minute), attempts, id)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		again, last := mk(1), mk(3)
		// A live lease is left alone.
		live := mk(1)
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE job SET claimed_by = 'other', lease_until = $1 WHERE id = $2`, clk.Now().Add(time.Minute), live)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Poll(ctx); err != nil {
			t.Fatal(err)
		}
		j := waitJob(t, r, again, "done", stateIs(jobs.Done))
		if j.Attempts != 2 || j.ClaimedBy != "alive" {
			t.Fatalf("re-queued job: %+v", j)
		}
		j = waitJob(t, r, last, "failed", stateIs(jobs.Failed))
		if !strings.Contains(j.Message, "失联") || !strings.Contains(j.Message, "dead") {
			t.Fatalf("expired at last attempt: %+v", j)
		}
		if j, _ := r.Get(ctx, live); j.State != jobs.Running || j.ClaimedBy != "other" {
			t.Fatalf("live lease touched: %+v", j)
		}
		if calls.Load() != 1 {
			t.Fatalf("calls %d", calls.Load())
		}
	})
}

func TestShutdownRequeuesWithoutCountingAttempt(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		started := make(chan struct{})
		r := jobs.New(db, jobs.Config{PollInterval: 10 * time.Millisecond, Logger: quietLogger(), Handlers: map[string]jobs.Handler{
			"k": func(ctx context.Context, j *jobs.Job, p jobs.Progress) error {
				close(started)
				<-ctx.Done()
				return ctx.Err()
			},
		}})
		id, err := r.EnqueueNow(ctx, jobs.NewJob{Kind: "k"})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Start(ctx); err != nil {
			t.Fatal(err)
		}
		<-started
		cancel()
		r.Stop()
		j, err := r.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if j.State != jobs.Queued || j.Attempts != 0 || !strings.Contains(j.Message, "重新排队") {
			t.Fatalf("after shutdown: %+v", j)
		}
	})
}

func TestPeriodicDedupeAcrossInstances(t *testing.T) {
	storetest.Shared(t, func(t *testing.T, db1, db2 *store.DB) {
		ctx := context.Background()
		clk := newClock() // 08:30
		var calls atomic.Int32
		h := map[string]jobs.Handler{"sweep": func(ctx context.Context, j *jobs.Job, p jobs.Progress) error {
			calls.Add(1)
			return nil
		}}
		r1 := jobs.New(db1, jobs.Config{Instance: "a", Now: clk.Now, Handlers: h, Logger: quietLogger()})
		r2 := jobs.New(db2, jobs.Config{Instance: "b", Now: clk.Now, Handlers: h, Logger: quietLogger()})
		defer r1.Stop()
		defer r2.Stop()
		r1.Every("sweep", time.Hour)
		r2.Every("sweep", time.Hour)
		pollBoth := func() {
			var wg sync.WaitGroup
			for _, r := range []*jobs.Runner{r1, r2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := r.Poll(ctx); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
		}
		pollBoth()
		pollBoth()
		list, err := r1.List(ctx, jobs.Filter{Kind: "sweep"})
		if err != nil {
			t.Fatal(err)
		}
		nine := time.Date(2024, 7, 1, 9, 0, 0, 0, time.UTC)
		if len(list) != 1 || list[0].DedupeKey != "sweep@2024-07-01T09:00:00Z" || !list[0].RunAt.Equal(nine) || list[0].State != jobs.Queued {
			t.Fatalf("want one queued job for the 09:00 slot, got %+v", list)
		}
		clk.Add(time.Hour) // 09:30: the 09:00 slot is due, the 10:00 slot is enqueued
		pollBoth()
		waitJob(t, r1, list[0].ID, "done", stateIs(jobs.Done))
		pollBoth()
		list, err = r1.List(ctx, jobs.Filter{Kind: "sweep"})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].DedupeKey != jobs.SlotKey("sweep", nine.Add(time.Hour)) {
			t.Fatalf("want the 10:00 slot next, got %+v", list)
		}
		if calls.Load() != 1 {
			t.Fatalf("slot ran %d times", calls.Load())
		}
	})
}

func TestTwoRunnersRunEachJobExactlyOnce(t *testing.T) {
	storetest.Shared(t, func(t *testing.T, db1, db2 *store.DB) {
		ctx := context.Background()
		const n = 200
		var (
			mu    sync.Mutex
			runs  = map[string]int{}
			byIns = map[string]int{}
		)
		handler := func(ins string) jobs.Handler {
			return func(ctx context.Context, j *jobs.Job, p jobs.Progress) error {
				mu.Lock()
				runs[j.ID]++
				byIns[ins]++
				mu.Unlock()
				time.Sleep(time.Millisecond)
				return nil
			}
		}
		mk := func(db *store.DB, ins string) *jobs.Runner {
			return jobs.New(db, jobs.Config{Instance: ins, PollInterval: 5 * time.Millisecond, Concurrency: 3, Logger: quietLogger(),
				Handlers: map[string]jobs.Handler{"count": handler(ins)}})
		}
		r1, r2 := mk(db1, "a"), mk(db2, "b")
		want := make([]string, 0, n)
		if err := db1.InTx(ctx, func(tx *store.Tx) error {
			want = want[:0]
			for i := 0; i < n; i++ {
				id, err := r1.Enqueue(ctx, tx, jobs.NewJob{Kind: "count", Payload: i})
				if err != nil {
					return err
				}
				want = append(want, id)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if err := r1.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if err := r2.Start(ctx); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(90 * time.Second)
		for {
			var done int
			if err := db1.R().QueryRowContext(ctx, `SELECT count(*) FROM job WHERE state = 'done'`).Scan(&done); err != nil {
				t.Fatal(err)
			}
			if done == n {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("only %d of %d jobs done", done, n)
			}
			time.Sleep(20 * time.Millisecond)
		}
		r1.Stop()
		r2.Stop()
		mu.Lock()
		defer mu.Unlock()
		for _, id := range want {
			if runs[id] != 1 {
				t.Errorf("job %s ran %d times", id, runs[id])
			}
		}
		if len(runs) != n {
			t.Errorf("%d distinct jobs ran, want %d", len(runs), n)
		}
		var multi int
		if err := db1.R().QueryRowContext(ctx, `SELECT count(*) FROM job WHERE attempts <> 1`).Scan(&multi); err != nil || multi != 0 {
			t.Errorf("%d jobs claimed more than once (%v)", multi, err)
		}
		t.Logf("runs by instance: %v", byIns)
	})
}

// While a handler's own write transaction holds the database (SQLite has
// one writer, so the row's progress cannot be written), the job still
// shows its progress: Get reads it from the running handler.
func TestProgressAdvancesDuringTheWritePhase(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		release := make(chan struct{})
		r := jobs.New(db, jobs.Config{
			PollInterval:     10 * time.Millisecond,
			ProgressInterval: 20 * time.Millisecond,
			Logger:           quietLogger(),
			Handlers: map[string]jobs.Handler{
				"import": func(ctx context.Context, j *jobs.Job, p jobs.Progress) error {
					return db.InTx(ctx, func(tx *store.Tx) error {
						for i := int64(1); i <= 4; i++ {
							p.Set(i*25, 100, fmt.Sprintf("正在写入 %d / 100 行", i*25))
							time.Sleep(30 * time.Millisecond)
						}
						<-release
						return nil
					})
				},
			},
		})
		if err := r.Start(ctx); err != nil {
			t.Fatal(err)
		}
		var once sync.Once
		done := func() { once.Do(func() { close(release) }) }
		defer r.Stop()
		defer done() // before Stop, also when the test fails
		id, err := r.EnqueueNow(ctx, jobs.NewJob{Kind: "import"})
		if err != nil {
			t.Fatal(err)
		}
		j := waitJob(t, r, id, "progress 100/100 while writing", func(j *jobs.Job) bool { return j.ProgressDone == 100 })
		if j.State != jobs.Running || j.ProgressTotal != 100 || j.Message != "正在写入 100 / 100 行" {
			t.Fatalf("job during its write phase: %+v", j)
		}
		list, err := r.List(ctx, jobs.Filter{})
		if err != nil || len(list) != 1 || list[0].ProgressDone != 100 {
			t.Fatalf("list during the write phase: %v %+v", err, list)
		}
		done()
		waitJob(t, r, id, "done", stateIs(jobs.Done))
	})
}

// crash leaves job id as a process that is gone would: running, claimed
// by an instance of this host whose pid does not exist, lease still valid.
func crash(t *testing.T, db *store.DB, id string, interrupts int) string {
	t.Helper()
	host, _ := os.Hostname()
	by := fmt.Sprintf("%s:%d:dead01", host, 1<<22+7) // above any pid_max
	now := time.Now().UTC()
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		_, err := tx.ExecContext(context.Background(), `UPDATE job SET state = 'running', claimed_by = $1, claimed_at = $2,
			lease_until = $3, attempts = 1, interrupts = $4, progress_done = 40, progress_total = 100, message = '正在写入 40 / 100 行'
			WHERE id = $5`, by, now, now.Add(time.Hour), interrupts, id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return by
}

// A job left running by a crashed process is started again at once on the
// next start (its attempt not counted: an import reads its stored upload
// again), without waiting for the lease.
func TestCrashedJobResumedAtStart(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var runs atomic.Int32
		r := jobs.New(db, jobs.Config{PollInterval: 10 * time.Millisecond, Logger: quietLogger(), Handlers: map[string]jobs.Handler{
			"import": func(ctx context.Context, j *jobs.Job, p jobs.Progress) error { runs.Add(1); return nil },
		}})
		id, err := r.EnqueueNow(ctx, jobs.NewJob{Kind: "import", MaxAttempts: 1})
		if err != nil {
			t.Fatal(err)
		}
		crash(t, db, id, 0)
		if err := r.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer r.Stop()
		j := waitJob(t, r, id, "done", stateIs(jobs.Done))
		if runs.Load() != 1 || j.Attempts != 1 || j.Interrupts != 1 {
			t.Fatalf("resumed job: runs=%d %+v", runs.Load(), j)
		}
	})
}

// Interrupted too often, it fails at start with the reason (shown on the
// jobs page).
func TestCrashedJobFailsWithReasonAfterRepeatedInterrupts(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var runs atomic.Int32
		r := jobs.New(db, jobs.Config{PollInterval: 10 * time.Millisecond, Logger: quietLogger(), Handlers: map[string]jobs.Handler{
			"import": func(ctx context.Context, j *jobs.Job, p jobs.Progress) error { runs.Add(1); return nil },
		}})
		id, err := r.EnqueueNow(ctx, jobs.NewJob{Kind: "import", MaxAttempts: 1})
		if err != nil {
			t.Fatal(err)
		}
		by := crash(t, db, id, jobs.MaxInterrupts)
		if err := r.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer r.Stop()
		j := waitJob(t, r, id, "failed", stateIs(jobs.Failed))
		if runs.Load() != 0 || !strings.Contains(j.Message, "异常退出") || !strings.Contains(j.Message, by) || j.FinishedAt.IsZero() {
			t.Fatalf("failed job: runs=%d %+v", runs.Load(), j)
		}
		// A job running in a live process of another host is left to its lease.
		id2, err := r.EnqueueNow(ctx, jobs.NewJob{Kind: "other"})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE job SET state = 'running', claimed_by = 'elsewhere:12:abc', lease_until = $1 WHERE id = $2`,
				time.Now().UTC().Add(time.Hour), id2)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		r2 := jobs.New(db, jobs.Config{Logger: quietLogger()})
		if err := r2.Start(ctx); err != nil {
			t.Fatal(err)
		}
		r2.Stop()
		if j, _ := r.Get(ctx, id2); j.State != jobs.Running {
			t.Fatalf("another host's job touched: %+v", j)
		}
	})
}
