package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

// columns lists table.column (type class) of the user tables.
func columns(t *testing.T, db *store.DB) []string {
	t.Helper()
	ctx := context.Background()
	q := `SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> 'goose_db_version'`
	if db.Engine == store.Postgres {
		q = `SELECT table_name, column_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name <> 'goose_db_version'`
	}
	rows, err := db.R().QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var tb, c string
		if err := rows.Scan(&tb, &c); err != nil {
			t.Fatal(err)
		}
		out = append(out, tb+"."+c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func TestBothEnginesHaveSameColumns(t *testing.T) {
	lite := columns(t, storetest.SQLite(t))
	if len(lite) < 20 {
		t.Fatalf("expected the core tables, got %v", lite)
	}
	pg := columns(t, storetest.Postgres(t))
	if strings.Join(lite, "\n") != strings.Join(pg, "\n") {
		t.Fatalf("schemas differ\nsqlite:   %v\npostgres: %v", lite, pg)
	}
}

func TestInTxCommitsRollsBackAndRunsAfterCommit(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2022, 6, 9, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))
		ran := 0
		err := db.InTx(ctx, func(tx *store.Tx) error {
			tx.AfterCommit(func() { ran++ })
			_, err := tx.ExecContext(ctx, `INSERT INTO setting (county_code, key, value, updated_at) VALUES ($1, $2, $3, $4)`, "340000", "k", "v", now.UTC())
			return err
		})
		if err != nil || ran != 1 {
			t.Fatalf("commit: err=%v ran=%d", err, ran)
		}
		boom := errors.New("boom")
		err = db.InTx(ctx, func(tx *store.Tx) error {
			tx.AfterCommit(func() { ran++ })
			if _, err := tx.ExecContext(ctx, `UPDATE setting SET value = $1`, "changed"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) || ran != 1 {
			t.Fatalf("rollback: err=%v ran=%d", err, ran)
		}
		var v string
		var at time.Time
		if err := db.R().QueryRowContext(ctx, `SELECT value, updated_at FROM setting WHERE key = $1`, "k").Scan(&v, &at); err != nil {
			t.Fatal(err)
		}
		if v != "v" {
			t.Fatalf("value = %q after rollback", v)
		}
		if !at.Equal(now) {
			t.Fatalf("time round trip: got %v want %v", at, now)
		}
		// Unique violations are recognised on both engines.
		err = db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO setting (county_code, key, value, updated_at) VALUES ($1, $2, $3, $4)`, "340000", "k", "v", now.UTC())
			return err
		})
		if !store.IsUniqueViolation(err) {
			t.Fatalf("want unique violation, got %v", err)
		}
	})
}

func TestConcurrentWritersAllCommit(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO setting (county_code, key, value, updated_at) VALUES ('c', 'n', '0', $1)`, time.Now().UTC())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- db.InTx(ctx, func(tx *store.Tx) error {
					var v string
					if err := tx.QueryRowContext(ctx, `SELECT value FROM setting WHERE key = 'n'`).Scan(&v); err != nil {
						return err
					}
					n := len(v) // grow the value by one character per writer
					_, err := tx.ExecContext(ctx, `UPDATE setting SET value = $1 WHERE key = 'n'`, strings.Repeat("x", n+1))
					return err
				})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		var v string
		if err := db.R().QueryRowContext(ctx, `SELECT value FROM setting WHERE key = 'n'`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		if len(v) != 21 {
			t.Fatalf("lost updates: value length %d, want 21", len(v))
		}
	})
}

func TestOpenUnreachablePostgresNamesHost(t *testing.T) {
	_, err := store.Open(context.Background(), store.Options{URL: "postgres://nobody@127.0.0.1:1/none?connect_timeout=2"})
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("want error naming host and reason, got %v", err)
	}
}

func TestInsertRows(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var calls []int
		err := db.InTx(ctx, func(tx *store.Tx) error {
			return store.InsertRows(ctx, tx, "setting", "county_code, key, value, updated_at", 7, func(i int) []any {
				return []any{"c", fmt.Sprint("k", i), fmt.Sprint(i), time.Now().UTC()}
			}, func(done int) { calls = append(calls, done) })
		})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.R().QueryRowContext(ctx, `SELECT count(*) FROM setting`).Scan(&n); err != nil || n != 7 {
			t.Fatalf("rows: %d %v", n, err)
		}
		if fmt.Sprint(calls) != "[7]" { // one statement of 7 rows on both engines
			t.Fatalf("progress: %v", calls)
		}
		err = db.InTx(ctx, func(tx *store.Tx) error {
			return store.InsertRows(ctx, tx, "setting", "county_code, key", 1, func(int) []any { return []any{"c"} }, nil)
		})
		if err == nil {
			t.Fatal("a row with the wrong number of values must be refused")
		}
	})
}

// PostgreSQL's reader pool plans every statement for its arguments (the
// ledger's counts depend on how selective a date range or scope is, which
// a generic plan of a cached statement cannot know); the writer keeps the
// default, so that imports' many-row INSERTs are not planned again on
// every run.
func TestPostgresPlansReadsForArguments(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		if db.Engine != store.Postgres {
			return
		}
		for _, c := range []struct {
			pool *sql.DB
			want string
		}{{db.R(), "force_custom_plan"}, {db.W(), "auto"}} {
			var mode string
			if err := c.pool.QueryRow(`SHOW plan_cache_mode`).Scan(&mode); err != nil || mode != c.want {
				t.Fatalf("plan_cache_mode = %q (%v), want %s", mode, err, c.want)
			}
		}
	})
}
