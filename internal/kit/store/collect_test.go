package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

func TestBatchRows(t *testing.T) {
	for _, c := range []struct {
		e          store.Engine
		width, out int
	}{
		{store.SQLite, 4, 60}, {store.SQLite, 39, 6}, {store.SQLite, 300, 1}, {store.SQLite, 0, 1},
		{store.Postgres, 4, 1000}, {store.Postgres, 100, 300}, {store.Postgres, 40000, 1},
	} {
		if got := store.BatchRows(c.e, c.width); got != c.out {
			t.Errorf("BatchRows(%v, %d) = %d, want %d", c.e, c.width, got, c.out)
		}
	}
}

func TestBulkWrite(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		per := store.BatchRows(db.Engine, 4)
		n := 3*per + 5 // three full batches through one prepared statement, then a short one
		now := time.Now().UTC()
		b := store.Bulk{Head: "INSERT INTO setting (county_code, key, value, updated_at)", Tail: " ON CONFLICT DO NOTHING", Width: 4}
		row := func(i int, args []any) []any { return append(args, "c", fmt.Sprint("k", i), fmt.Sprint(i), now) }
		var calls []int
		err := db.InTx(ctx, func(tx *store.Tx) error {
			return b.Write(ctx, tx, n, row, func(done int) error { calls = append(calls, done); return nil })
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := []int{per, 2 * per, 3 * per, n}; !slices.Equal(calls, want) {
			t.Fatalf("progress %v, want %v", calls, want)
		}
		count := func() int {
			var k int
			if err := db.R().QueryRowContext(ctx, `SELECT count(*) FROM setting WHERE county_code = 'c'`).Scan(&k); err != nil {
				t.Fatal(err)
			}
			return k
		}
		if got := count(); got != n {
			t.Fatalf("%d rows, want %d", got, n)
		}
		var last string
		if err := db.R().QueryRowContext(ctx, `SELECT value FROM setting WHERE county_code = 'c' AND key = $1`, fmt.Sprint("k", n-1)).Scan(&last); err != nil || last != fmt.Sprint(n-1) {
			t.Fatalf("last row %q %v", last, err)
		}
		// The tail applies to every statement: writing the same keys again adds nothing.
		if err := db.InTx(ctx, func(tx *store.Tx) error { return b.Write(ctx, tx, n, row, nil) }); err != nil {
			t.Fatal(err)
		}
		if got := count(); got != n {
			t.Fatalf("after the second write %d rows, want %d", got, n)
		}
		// An error from the progress callback stops the writing and rolls back.
		stop := errors.New("stop")
		b2 := store.Bulk{Head: "INSERT INTO setting (county_code, key, value, updated_at)", Width: 4}
		err = db.InTx(ctx, func(tx *store.Tx) error {
			return b2.Write(ctx, tx, n, func(i int, args []any) []any { return append(args, "d", fmt.Sprint(i), "", now) },
				func(int) error { return stop })
		})
		if !errors.Is(err, stop) {
			t.Fatalf("want the callback's error, got %v", err)
		}
		// A row of the wrong width is refused before anything is sent.
		err = db.InTx(ctx, func(tx *store.Tx) error {
			return b2.Write(ctx, tx, 2, func(i int, args []any) []any { return append(args, "d") }, nil)
		})
		if err == nil {
			t.Fatal("a short row must be refused")
		}
	})
}

func TestCollectAndInTxValue(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		n, err := store.InTxValue(ctx, db, func(tx *store.Tx) (int, error) {
			err := store.InsertRows(ctx, tx, "setting", "county_code, key, value, updated_at", 3, func(i int) []any {
				return []any{"q", fmt.Sprint("k", i), fmt.Sprint(10 * i), time.Now().UTC()}
			}, nil)
			return 3, err
		})
		if err != nil || n != 3 {
			t.Fatalf("InTxValue = %d, %v", n, err)
		}
		scan := func(r *sql.Rows) (string, error) {
			var k, v string
			err := r.Scan(&k, &v)
			return k + "=" + v, err
		}
		got, err := store.QueryAll(ctx, db.R(), scan, `SELECT key, value FROM setting WHERE county_code = $1 ORDER BY key`, "q")
		if err != nil || !slices.Equal(got, []string{"k0=0", "k1=10", "k2=20"}) {
			t.Fatalf("QueryAll = %v, %v", got, err)
		}
		none, err := store.QueryAll(ctx, db.R(), scan, `SELECT key, value FROM setting WHERE county_code = $1`, "nobody")
		if err != nil || none != nil {
			t.Fatalf("no rows: %v, %v", none, err)
		}
		if keys, err := store.QueryAll(ctx, db.R(), store.ScanString, `SELECT key FROM setting WHERE county_code = $1 ORDER BY key`, "q"); err != nil ||
			!slices.Equal(keys, []string{"k0", "k1", "k2"}) {
			t.Fatalf("ScanString = %v, %v", keys, err)
		}
		if e := store.NonNil(none); e == nil || len(e) != 0 {
			t.Fatalf("NonNil(nil) = %#v, want an empty list", e)
		}
		if k := store.NonNil(got); !slices.Equal(k, got) {
			t.Fatalf("NonNil changed a list: %v", k)
		}
		bad := errors.New("bad row")
		rows, err := db.R().QueryContext(ctx, `SELECT key FROM setting WHERE county_code = 'q'`)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.Collect(rows, func(*sql.Rows) (int, error) { return 0, bad }); !errors.Is(err, bad) {
			t.Fatalf("a scan error must come back, got %v", err)
		}
		// A failed transaction gives the zero value and writes nothing.
		v, err := store.InTxValue(ctx, db, func(tx *store.Tx) (string, error) {
			if _, err := tx.ExecContext(ctx, `DELETE FROM setting WHERE county_code = 'q'`); err != nil {
				return "", err
			}
			return "deleted", bad
		})
		if v != "" || !errors.Is(err, bad) {
			t.Fatalf("failed InTxValue = %q, %v", v, err)
		}
		if got, _ := store.QueryAll(ctx, db.R(), scan, `SELECT key, value FROM setting WHERE county_code = $1`, "q"); len(got) != 3 {
			t.Fatalf("rolled back transaction changed rows: %v", got)
		}
	})
}
