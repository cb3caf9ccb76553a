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

	"yingji/internal/ids"
	"yingji/internal/store"
)

// Engines runs fn once per available engine, each with a fresh, migrated
// database.
func Engines(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite returns a fresh migrated SQLite database in a temp dir.
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), store.Options{SQLitePath: filepath.Join(t.TempDir(), "test.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
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
	db, err := store.Open(ctx, store.Options{URL: u})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, u
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
