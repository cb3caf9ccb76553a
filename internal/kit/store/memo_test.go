package store_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

// A memo keeps its value until a committed write touches one of its
// kinds; writes of other kinds and rolled-back writes change nothing.
func TestMemoFollowsWritesOfItsKinds(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) { memoFollowsWrites(t, db) })
}

var errFail = errors.New("fail")

func memoFollowsWrites(t *testing.T, db *store.DB) {
	ctx := context.Background()
	m := store.NewMemo[int](db, 1<<40, "certificate", "enterprise")
	computed := 0
	get := func() int {
		t.Helper()
		v, err := m.Get("k", func() (int, error) { computed++; return computed, nil })
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	write := func(kind string, fail bool) {
		t.Helper()
		err := db.InTx(ctx, func(tx *store.Tx) error {
			tx.Touch(kind)
			if fail {
				return errFail
			}
			return nil
		})
		if (err != nil) != fail {
			t.Fatal(err)
		}
	}
	first := get()
	if second := get(); first != 1 || second != 1 {
		t.Fatal("not kept")
	}
	write("hazard", false)
	if get() != 1 {
		t.Fatal("a write of another kind made it recompute")
	}
	write("certificate", true)
	if get() != 1 {
		t.Fatal("a rolled-back write made it recompute")
	}
	write("enterprise", false)
	if get() != 2 {
		t.Fatal("a committed write of its kind did not make it recompute")
	}
	if v, _ := m.Get("other", func() (int, error) { return 99, nil }); v != 99 {
		t.Fatal("keys are not apart")
	}
}

// Concurrent Gets of one key compute it once; while a refresh runs, Gets
// take the kept value if it is younger than the staleness bound, and wait
// for the refresh otherwise; a Get with no refresh running recomputes
// what a write made stale.
func TestMemoComputesOnceAndServesBoundedStale(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	m := store.NewMemo[int](db, time.Hour)
	m.SetStale(time.Hour)
	var computed atomic.Int64
	release := make(chan struct{})
	slow := func() (int, error) { <-release; return int(computed.Add(1)), nil }
	var wg sync.WaitGroup
	got := make([]int, 10)
	for i := range got {
		wg.Add(1)
		go func() { defer wg.Done(); got[i], _ = m.Get("k", slow) }()
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	for _, v := range got {
		if v != 1 || computed.Load() != 1 {
			t.Fatalf("10 concurrent Gets: values %v, %d computations", got, computed.Load())
		}
	}
	touch := func() {
		t.Helper()
		if err := db.InTx(ctx, func(tx *store.Tx) error { tx.Touch("hazard"); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	touch() // a memo of no kinds follows every write
	// A refresh under way: other Gets take the kept value meanwhile.
	release = make(chan struct{})
	refreshed := make(chan int)
	go func() { v, _ := m.Get("k", slow); refreshed <- v }()
	time.Sleep(50 * time.Millisecond)
	if v, _ := m.Get("k", func() (int, error) { t.Error("second refresh"); return 0, nil }); v != 1 {
		t.Fatalf("during the refresh: %d, want the kept 1", v)
	}
	close(release)
	if v := <-refreshed; v != 2 {
		t.Fatalf("refresh: %d", v)
	}
	// No refresh running: a write makes the next Get compute.
	touch()
	if v, _ := m.Get("k", func() (int, error) { return 3, nil }); v != 3 {
		t.Fatalf("after a write with no refresh running: %d, want 3", v)
	}
	// Past the staleness bound, Gets wait for the refresh instead.
	m.SetStale(time.Nanosecond)
	touch()
	release = make(chan struct{})
	go func() { v, _ := m.Get("k", func() (int, error) { <-release; return 4, nil }); refreshed <- v }()
	time.Sleep(50 * time.Millisecond)
	joined := make(chan int)
	go func() { v, _ := m.Get("k", func() (int, error) { return 99, nil }); joined <- v }()
	time.Sleep(20 * time.Millisecond)
	close(release)
	if a, b := <-refreshed, <-joined; a != 4 || b != 4 {
		t.Fatalf("past the bound: refresh %d, joined %d, want 4 and 4", a, b)
	}
}
