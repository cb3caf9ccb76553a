package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

// A copy moves every row, parents first, with booleans and timestamps in
// PostgreSQL's types; a second copy into the same database is refused and
// changes nothing.
func TestCopySQLiteToPostgres(t *testing.T) {
	ctx := context.Background()
	src := storetest.SQLite(t)
	dst := storetest.Postgres(t)
	at := time.Date(2022, 6, 30, 8, 15, 30, 123456000, time.UTC)
	err := src.InTx(ctx, func(tx *store.Tx) error {
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO region (code, county_code, parent_code, level, kind, name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`, []any{"349901", "349901", nil, "county", "县", "示例县", at}},
			{`INSERT INTO region (code, county_code, parent_code, level, kind, name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`, []any{"349901101", "349901", "349901", "town", "镇", "籍山镇", at}},
		} {
			if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var copied []string
	if err := store.CopySQLiteToPostgres(ctx, src, dst, func(table string, n int64) { copied = append(copied, table) }); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := dst.R().QueryRowContext(ctx, "SELECT count(*) FROM region").Scan(&n); err != nil || n != 2 {
		t.Fatalf("regions in the target: %d %v", n, err)
	}
	var got time.Time
	var parent *string
	if err := dst.R().QueryRowContext(ctx, "SELECT created_at, parent_code FROM region WHERE code = $1", "349901").Scan(&got, &parent); err != nil {
		t.Fatal(err)
	}
	if !got.Equal(at) || parent != nil {
		t.Errorf("county row: created_at %v (want %v), parent %v", got, at, parent)
	}
	// The tallies are tables like any other (kept in Go): copied.
	for _, d := range []string{"hazard_tally", "hazard_month", "housing_daily"} {
		if !slices.Contains(copied, d) {
			t.Errorf("tally %s was not copied (copied: %v)", d, copied)
		}
	}
	err = store.CopySQLiteToPostgres(ctx, src, dst, nil)
	if !errors.Is(err, store.ErrTargetNotEmpty) || !strings.Contains(err.Error(), "region") {
		t.Fatalf("second copy: %v", err)
	}
}
