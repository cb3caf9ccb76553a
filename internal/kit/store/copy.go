package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// SeededTables get a starting row from a migration (the audit chain's
// head); a copy replaces that row with the source's.
var SeededTables = []string{"audit_head"}

// gooseTable is the migration bookkeeping table: each database keeps its own.
const gooseTable = "goose_db_version"

// CopyProgress is told after each table is copied.
type CopyProgress func(table string, rows int64)

// ErrTargetNotEmpty is returned when the target of a copy already holds
// data: a copy only fills an empty database.
var ErrTargetNotEmpty = errors.New("the target database already holds data")

// CopySQLiteToPostgres copies every table of a SQLite database into a
// migrated, empty PostgreSQL database in one transaction (all or nothing),
// parents before the rows that reference them, converting SQLite's
// booleans and timestamps to PostgreSQL's types, and then checks that every
// table holds as many rows on both sides. It is how a county moves from
// one machine to a province's PostgreSQL (`yingji migrate-data`).
func CopySQLiteToPostgres(ctx context.Context, src, dst *DB, progress CopyProgress) error {
	if src.Engine != SQLite || dst.Engine != Postgres {
		return fmt.Errorf("copy: from SQLite to PostgreSQL only (got %s to %s)", src.Engine, dst.Engine)
	}
	if progress == nil {
		progress = func(string, int64) {}
	}
	tables, err := sqliteTablesInOrder(ctx, src)
	if err != nil {
		return err
	}
	types, err := postgresColumnTypes(ctx, dst)
	if err != nil {
		return err
	}
	for _, t := range tables {
		if _, ok := types[t]; !ok {
			return fmt.Errorf("copy: table %s is not in the target database (are both on the same version of Yingji?)", t)
		}
		if slices.Contains(SeededTables, t) {
			continue
		}
		var one int
		err := dst.r.QueryRowContext(ctx, "SELECT 1 FROM "+pgx.Identifier{t}.Sanitize()+" LIMIT 1").Scan(&one)
		if err == nil {
			return fmt.Errorf("copy: %w (table %s); copy into a new, empty database", ErrTargetNotEmpty, t)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("copy: check %s: %w", t, err)
		}
	}
	conn, err := dst.w.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	counts := map[string]int64{}
	err = conn.Raw(func(driverConn any) error {
		pg := driverConn.(*stdlib.Conn).Conn()
		tx, err := pg.Begin(ctx)
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback(ctx) }()
		for _, t := range tables {
			if slices.Contains(SeededTables, t) {
				if _, err := tx.Exec(ctx, "DELETE FROM "+pgx.Identifier{t}.Sanitize()); err != nil {
					return fmt.Errorf("copy %s: %w", t, err)
				}
			}
			n, err := copyTable(ctx, src, tx, t, types[t])
			if err != nil {
				return fmt.Errorf("copy %s: %w", t, err)
			}
			counts[t] = n
			progress(t, n)
		}
		return tx.Commit(ctx)
	})
	if err != nil {
		return err
	}
	for _, t := range tables {
		var n int64
		if err := dst.r.QueryRowContext(ctx, "SELECT count(*) FROM "+pgx.Identifier{t}.Sanitize()).Scan(&n); err != nil {
			return fmt.Errorf("copy: count %s: %w", t, err)
		}
		if n != counts[t] {
			return fmt.Errorf("copy: table %s has %d rows in the target, %d were copied", t, n, counts[t])
		}
	}
	return nil
}

// sqliteTablesInOrder lists the tables to copy, each after the tables its
// foreign keys reference.
func sqliteTablesInOrder(ctx context.Context, db *DB) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid")
	if err != nil {
		return nil, err
	}
	var all []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		// Every table is copied, the tallies that modules keep of their
		// own rows (hazard_tally, housing_daily …) too: they are ordinary
		// tables written in Go in the same transactions as the rows.
		if n != gooseTable {
			all = append(all, n)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	deps := map[string][]string{}
	for _, t := range all {
		fk, err := db.r.QueryContext(ctx, "SELECT \"table\" FROM pragma_foreign_key_list($1)", t)
		if err != nil {
			return nil, err
		}
		for fk.Next() {
			var parent string
			if err := fk.Scan(&parent); err != nil {
				fk.Close()
				return nil, err
			}
			if parent != t {
				deps[t] = append(deps[t], parent)
			}
		}
		fk.Close()
	}
	var order []string
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(t string) error
	visit = func(t string) error {
		switch state[t] {
		case 1:
			return fmt.Errorf("copy: foreign keys form a cycle through %s", t)
		case 2:
			return nil
		}
		state[t] = 1
		for _, p := range deps[t] {
			if slices.Contains(all, p) {
				if err := visit(p); err != nil {
					return err
				}
			}
		}
		state[t] = 2
		order = append(order, t)
		return nil
	}
	for _, t := range all {
		if err := visit(t); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// postgresColumnTypes returns, per table of the current schema, the data
// type of each column.
func postgresColumnTypes(ctx context.Context, db *DB) (map[string]map[string]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT table_name, column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema()`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[string]string{}
	for rows.Next() {
		var t, c, typ string
		if err := rows.Scan(&t, &c, &typ); err != nil {
			return nil, err
		}
		if out[t] == nil {
			out[t] = map[string]string{}
		}
		out[t][c] = typ
	}
	return out, rows.Err()
}

// copyTable streams one table from SQLite into the target with COPY.
func copyTable(ctx context.Context, src *DB, tx pgx.Tx, table string, types map[string]string) (int64, error) {
	rows, err := src.r.QueryContext(ctx, "SELECT * FROM \""+strings.ReplaceAll(table, `"`, `""`)+"\" ORDER BY rowid")
	if err != nil {
		// WITHOUT ROWID tables have no rowid: keep their key order.
		rows, err = src.r.QueryContext(ctx, "SELECT * FROM \""+strings.ReplaceAll(table, `"`, `""`)+"\"")
		if err != nil {
			return 0, err
		}
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	for _, c := range cols {
		if _, ok := types[c]; !ok {
			return 0, fmt.Errorf("column %s is not in the target table", c)
		}
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, &sqliteRows{rows: rows, cols: cols, types: types})
	if err != nil {
		return n, err
	}
	return n, rows.Err()
}

// sqliteRows adapts *sql.Rows to pgx.CopyFromSource, converting values to
// the target column's type.
type sqliteRows struct {
	rows  *sql.Rows
	cols  []string
	types map[string]string
	vals  []any
	err   error
}

func (s *sqliteRows) Next() bool {
	if s.err != nil || !s.rows.Next() {
		return false
	}
	raw := make([]any, len(s.cols))
	ptrs := make([]any, len(s.cols))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	if err := s.rows.Scan(ptrs...); err != nil {
		s.err = err
		return false
	}
	for i, c := range s.cols {
		v, err := convertValue(raw[i], s.types[c])
		if err != nil {
			s.err = fmt.Errorf("column %s: %w", c, err)
			return false
		}
		raw[i] = v
	}
	s.vals = raw
	return true
}

func (s *sqliteRows) Values() ([]any, error) { return s.vals, nil }
func (s *sqliteRows) Err() error             { return s.err }

// sqliteTimeLayouts are the spellings of a timestamp SQLite may hold.
var sqliteTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02",
}

// convertValue turns a value read from SQLite into what the PostgreSQL
// column of type typ takes.
func convertValue(v any, typ string) (any, error) {
	if v == nil {
		return nil, nil
	}
	if b, ok := v.([]byte); ok && typ != "bytea" {
		v = string(b)
	}
	switch typ {
	case "boolean":
		switch x := v.(type) {
		case int64:
			return x != 0, nil
		case bool:
			return x, nil
		case string:
			return strconv.ParseBool(x)
		}
	case "timestamp without time zone", "timestamp with time zone", "date":
		switch x := v.(type) {
		case time.Time:
			return x.UTC(), nil
		case string:
			for _, l := range sqliteTimeLayouts {
				if t, err := time.Parse(l, x); err == nil {
					return t.UTC(), nil
				}
			}
			return nil, fmt.Errorf("%q is not a time", x)
		}
	case "bigint", "integer", "smallint":
		switch x := v.(type) {
		case int64:
			return x, nil
		case float64:
			if x != float64(int64(x)) {
				return nil, fmt.Errorf("%v is not a whole number", x)
			}
			return int64(x), nil
		case string:
			return strconv.ParseInt(x, 10, 64)
		}
	case "double precision", "real":
		switch x := v.(type) {
		case int64:
			return float64(x), nil
		case float64:
			return x, nil
		case string:
			return strconv.ParseFloat(x, 64)
		}
	case "numeric":
		switch x := v.(type) {
		case int64:
			return strconv.FormatInt(x, 10), nil
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64), nil
		case string:
			return x, nil
		}
	case "text", "character varying":
		switch x := v.(type) {
		case string:
			return x, nil
		case int64:
			return strconv.FormatInt(x, 10), nil
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64), nil
		case time.Time:
			return x.UTC().Format(time.RFC3339Nano), nil
		}
	default:
		return v, nil
	}
	return nil, fmt.Errorf("cannot store %T in a %s column", v, typ)
}
