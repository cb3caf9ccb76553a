package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

// On SQLite, write transactions that wait for the one writer are served
// in the order they asked, not at random: a writer that has waited longest
// goes next.
func TestSQLiteWritersQueueInArrivalOrder(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	hold, held := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = db.InTx(ctx, func(tx *store.Tx) error { close(held); <-hold; return nil })
	}()
	<-held
	var mu sync.Mutex
	var order []int
	const n = 8
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := db.InTx(ctx, func(tx *store.Tx) error {
				mu.Lock()
				order = append(order, i)
				mu.Unlock()
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
		time.Sleep(30 * time.Millisecond) // writer i is waiting before i+1 asks
	}
	close(hold)
	wg.Wait()
	for i, w := range order {
		if w != i {
			t.Fatalf("writers ran in the order %v, not as they asked", order)
		}
	}
	if len(order) != n {
		t.Fatalf("%d of %d writers ran", len(order), n)
	}
}

// A writer waiting its turn gives up when its context ends, and the
// queue goes on without it.
func TestSQLiteQueuedWriterLeavesOnCancel(t *testing.T) {
	db := storetest.SQLite(t)
	hold, held := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- db.InTx(context.Background(), func(tx *store.Tx) error { close(held); <-hold; return nil })
	}()
	<-held
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	ran := false
	err := db.InTx(ctx, func(tx *store.Tx) error { ran = true; return nil })
	if ran || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("queued writer: ran=%v err=%v", ran, err)
	}
	close(hold)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := db.InTx(context.Background(), func(tx *store.Tx) error { return nil }); err != nil {
		t.Fatalf("the queue did not go on: %v", err)
	}
}
