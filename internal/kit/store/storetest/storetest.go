// Package storetest runs a store test on SQLite always and on PostgreSQL
// when YINGJI_TEST_POSTGRES holds a URL. Under CI=true a missing PostgreSQL
// URL fails the test instead of skipping it.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"yingji/internal/kit/ids"
	"yingji/internal/kit/store"
)

// Engines runs fn once per available engine, each with a fresh, migrated
// database.
func Engines(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// BenchEngines is Engines for benchmarks: it runs fn once per available
// engine, each with a fresh, migrated database.
func BenchEngines(b *testing.B, fn func(b *testing.B, db *store.DB)) {
	b.Helper()
	b.Run("sqlite", func(b *testing.B) { fn(b, SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { fn(b, Postgres(b)) })
}

// SQLite returns a fresh migrated SQLite database in a temp dir.
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	db := open(t, store.Options{SQLitePath: filepath.Join(t.TempDir(), "test.db")})
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// PostgresURL returns the test server URL, skipping (or, under CI, failing)
// when none is configured.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("YINGJI_TEST_POSTGRES")
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("YINGJI_TEST_POSTGRES is not set but CI is: PostgreSQL tests must run in CI")
		}
		t.Skip("YINGJI_TEST_POSTGRES not set")
	}
	return u
}

// Postgres returns a fresh migrated database in its own schema on the test
// server; the schema is dropped when the test ends.
func Postgres(t testing.TB) *store.DB {
	t.Helper()
	base := PostgresURL(t)
	db, _ := PostgresSchema(t, base)
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// PostgresSchema creates an empty schema and returns a DB whose search_path
// is that schema, plus the URL to reach it (for a second instance).
func PostgresSchema(t testing.TB, base string) (*store.DB, string) {
	t.Helper()
	ctx := context.Background()
	schema := "t_" + strings.ToLower(ids.New())
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema on %s: %v", base, err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	})
	u, err := withSearchPath(base, schema)
	if err != nil {
		t.Fatal(err)
	}
	return open(t, store.Options{URL: u}), u
}

// Shared runs fn once per available engine with two store.DB on one fresh,
// migrated database (one SQLite file, one PostgreSQL schema), so fn can act
// as two instances.
func Shared(t *testing.T, fn func(t *testing.T, db1, db2 *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		db1, db2 := SharedSQLite(t)
		fn(t, db1, db2)
	})
	t.Run("postgres", func(t *testing.T) {
		db1, db2 := SharedPostgres(t)
		fn(t, db1, db2)
	})
}

// SharedSQLite returns two store.DB on one fresh, migrated SQLite file.
func SharedSQLite(t testing.TB) (*store.DB, *store.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "shared.db")
	db1 := open(t, store.Options{SQLitePath: path})
	if err := db1.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db1, open(t, store.Options{SQLitePath: path})
}

// SharedPostgres returns two store.DB on one fresh, migrated schema of the
// test server, skipping like Postgres when none is configured.
func SharedPostgres(t testing.TB) (*store.DB, *store.DB) {
	t.Helper()
	db1, u := PostgresSchema(t, PostgresURL(t))
	if err := db1.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db1, open(t, store.Options{URL: u})
}

// open opens a store.DB that is closed when the test ends.
func open(t testing.TB, o store.Options) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func withSearchPath(base, schema string) (string, error) {
	pu, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("parse YINGJI_TEST_POSTGRES: %w", err)
	}
	q := pu.Query()
	q.Set("search_path", schema)
	pu.RawQuery = q.Encode()
	return pu.String(), nil
}
