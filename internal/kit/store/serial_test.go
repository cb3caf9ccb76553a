package store_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

// A long write marked Serial is not starved on PostgreSQL by short writes
// that keep committing to the audit head while it runs: it waits its turn
// and commits, and the short writes go on.
func TestSerialLongWriteIsNotStarved(t *testing.T) {
	db := storetest.Postgres(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bump := func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE audit_head SET seq = seq + 1 WHERE id = 1`)
		return err
	}
	var wg sync.WaitGroup
	var short, shortFailed atomic.Int64
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if err := db.InTx(ctx, bump); err != nil {
					if ctx.Err() == nil {
						shortFailed.Add(1)
					}
					continue
				}
				short.Add(1)
				time.Sleep(time.Millisecond)
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	// The long write reads first and touches the head last, 400 ms later,
	// as an import does; without waiting its turn every attempt meets a
	// head changed since its snapshot.
	err := db.InTx(store.Serial(ctx), func(tx *store.Tx) error {
		var n int64
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM audit_log`).Scan(&n); err != nil {
			return err
		}
		time.Sleep(400 * time.Millisecond)
		return bump(tx)
	})
	cancel()
	wg.Wait()
	if err != nil {
		t.Fatalf("the long write failed against %d short ones: %v", short.Load(), err)
	}
	// The short writes go on around it (they retry when the long one
	// held the head; giving up is for a machine far busier than this).
	if short.Load() == 0 || shortFailed.Load()*100 > short.Load() {
		t.Fatalf("short writes: %d committed, %d gave up", short.Load(), shortFailed.Load())
	}
}

// On PostgreSQL, twelve writers (web.Admit's limit) that keep colliding on
// the audit head all commit within their retries.
func TestCollidingWritersAllCommitOnPostgres(t *testing.T) {
	db := storetest.Postgres(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	var failed atomic.Int64
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 15 {
				err := db.InTx(ctx, func(tx *store.Tx) error {
					var seq int64
					if err := tx.QueryRowContext(ctx, `SELECT seq FROM audit_head WHERE id = 1`).Scan(&seq); err != nil {
						return err
					}
					time.Sleep(3 * time.Millisecond) // the work of a write, between its snapshot and the head
					_, err := tx.ExecContext(ctx, `UPDATE audit_head SET seq = $1 WHERE id = 1`, seq+1)
					return err
				})
				if err != nil {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Fatalf("%d of 180 colliding writes failed", n)
	}
}
