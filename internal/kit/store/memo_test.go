package store_test

import (
	"context"
	"errors"
	"testing"

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
