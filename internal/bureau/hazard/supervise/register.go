package supervise

import (
	"context"
	"database/sql"
	"fmt"

	"yingji/internal/kit/store"
)

// register is one of the supervision registers (督办函, 挂牌督办, 延期申请)
// as a list: its table, columns, order and row scanner. The three share
// how a page is counted and read and how an export streams.
type register[T any] struct {
	name  string // for errors, e.g. "letters"
	table string
	cols  string
	order string // ORDER BY clause without the keywords
	scan  func(interface{ Scan(...any) error }) (T, error)
}

// page counts the rows matching w and reads one page of them (50 rows
// when limit is not in 1…1000).
func (r register[T]) page(ctx context.Context, db *sql.DB, w *store.Where, limit, offset int) ([]T, int, error) {
	var total int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM `+r.table+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count %s: %w", r.name, err)
	}
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	lim, off := w.Arg(limit), w.Arg(offset)
	var out []T
	err := r.each(ctx, db, w, ` LIMIT `+lim+` OFFSET `+off, func(v T) error {
		out = append(out, v)
		return nil
	})
	return out, total, err
}

// each streams the rows matching w, in order, followed by tail (a LIMIT).
func (r register[T]) each(ctx context.Context, db *sql.DB, w *store.Where, tail string, fn func(T) error) error {
	rows, err := db.QueryContext(ctx, `SELECT `+r.cols+` FROM `+r.table+w.SQL()+` ORDER BY `+r.order+tail, w.Args()...)
	if err != nil {
		return fmt.Errorf("%s: %w", r.name, err)
	}
	defer rows.Close()
	for rows.Next() {
		v, err := r.scan(rows)
		if err != nil {
			return fmt.Errorf("%s: %w", r.name, err)
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	return rows.Err()
}

var (
	letterRegister    = register[Letter]{"letters", "supervision_letter", letterCols, "issued_on DESC, number_serial DESC, id", scanLetter}
	listingRegister   = register[Listing]{"listings", "listing", listingCols, "listed_on DESC, id DESC", scanListing}
	extensionRegister = register[Extension]{"extension requests", "extension_request", extensionCols,
		"CASE WHEN state = 'pending' THEN 0 ELSE 1 END, requested_on DESC, id DESC", scanExtension}
)
