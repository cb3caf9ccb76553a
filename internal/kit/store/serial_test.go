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
