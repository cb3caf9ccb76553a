package store

import (
	"context"
	"database/sql"
)

// Collect reads every row with scan into a slice and closes rows. A nil
// slice comes back for no rows.
func Collect[T any](rows *sql.Rows, scan func(*sql.Rows) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		x, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// QueryAll runs query on q and collects its rows with scan.
func QueryAll[T any](ctx context.Context, q Querier, scan func(*sql.Rows) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return Collect(rows, scan)
}

// InTxValue is InTx for a function that returns a value: the value of
// the attempt that committed, or the zero value with the error.
func InTxValue[T any](ctx context.Context, db *DB, fn func(tx *Tx) (T, error)) (T, error) {
	var out T
	err := db.InTx(ctx, func(tx *Tx) error {
		v, err := fn(tx)
		if err != nil {
			return err
		}
		out = v
		return nil
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return out, nil
}

// ScanString is the scan of a one-column text row, for QueryAll and Collect.
func ScanString(rows *sql.Rows) (string, error) {
	var s string
	return s, rows.Scan(&s)
}

// NonNil is list, or an empty list for nil: a JSON [] rather than null
// where an API promises a list.
func NonNil[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}
