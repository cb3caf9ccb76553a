package org

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"yingji/internal/kit/store"
)

// The org module owns the region and unit tables. Other modules check a
// reference inside their own transaction (a town named by an enterprise,
// a section named by a hazard) with these lookups, which take the
// transaction as a querier, instead of reading the tables themselves.

// LevelIn returns the level of a region of a county read through q
// ("" when there is no such region).
func LevelIn(ctx context.Context, q store.Querier, code, county string) (string, error) {
	var level string
	err := q.QueryRowContext(ctx, `SELECT level FROM region WHERE code = $1 AND county_code = $2`, code, county).Scan(&level)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("region %s: %w", code, err)
	}
	return level, nil
}

// UnitKindIn returns the kind of a unit of a county read through q (""
// when there is no such unit).
func UnitKindIn(ctx context.Context, q store.Querier, id, county string) (string, error) {
	var kind string
	err := q.QueryRowContext(ctx, `SELECT kind FROM unit WHERE id = $1 AND county_code = $2`, id, county).Scan(&kind)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("unit %s: %w", id, err)
	}
	return kind, nil
}

// NameIn returns a region's name read through q ("" when there is none).
func NameIn(ctx context.Context, q store.Querier, code string) (string, error) {
	var name string
	err := q.QueryRowContext(ctx, `SELECT name FROM region WHERE code = $1`, code).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("region %s: %w", code, err)
	}
	return name, nil
}

// Counties lists the codes of every county in the database (instances of
// several counties may share one PostgreSQL).
func Counties(ctx context.Context, q store.Querier) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT code FROM region WHERE level = 'county' ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("counties: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("counties: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
