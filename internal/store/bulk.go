package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// InsertRows inserts n rows into table with multi-row INSERT statements of
// at most per rows each (imports and demo data: far fewer round trips than
// one INSERT a row). columns is the column list as written in SQL; row(i)
// returns the values of row i in that order, as many as there are
// columns. after, when not nil, is called with the number of rows written
// so far after each statement (progress).
func InsertRows(ctx context.Context, q Querier, table, columns string, n, per int, row func(i int) []any, after func(done int)) error {
	width := len(strings.Split(columns, ","))
	if per <= 0 {
		per = 50
	}
	// PostgreSQL takes up to 65535 parameters; modernc SQLite binds $N
	// parameters in time quadratic in their number, so its statements stay
	// small (measured: 16,000 parameters took 1.6 s to bind).
	maxParams := 30000
	if tx, ok := q.(*Tx); ok && tx.Engine == SQLite {
		maxParams = 240
	}
	if per*width > maxParams {
		per = max(1, maxParams/width)
	}
	for start := 0; start < n; start += per {
		end := min(start+per, n)
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " (" + columns + ") VALUES ")
		args := make([]any, 0, (end-start)*width)
		for i := start; i < end; i++ {
			vals := row(i)
			if len(vals) != width {
				return fmt.Errorf("insert into %s: row %d has %d values for %d columns", table, i, len(vals), width)
			}
			if i > start {
				b.WriteString(",")
			}
			b.WriteString("(")
			for j := range vals {
				if j > 0 {
					b.WriteString(",")
				}
				b.WriteString("$" + strconv.Itoa(len(args)+j+1))
			}
			b.WriteString(")")
			args = append(args, vals...)
		}
		if _, err := q.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
		if after != nil {
			after(end)
		}
	}
	return nil
}
