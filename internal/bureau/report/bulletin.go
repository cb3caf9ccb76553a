package report

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"time"

	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/pdfdoc"
	"yingji/internal/kit/store"
	"yingji/internal/kit/xlsx"
)

// Table is one ranked table of a monthly bulletin (月通报): red and yellow
// cards by town, resource completeness by section …
type Table struct {
	Title  string     `json:"title"`
	Header []string   `json:"header"`
	Rows   [][]string `json:"rows"`
	Note   string     `json:"note,omitempty"`
}

// BulletinPart gives a module's tables of a month (YYYY-MM), for the
// county as p sees it.
type BulletinPart func(ctx context.Context, p *auth.Principal, month string) ([]Table, error)

// Bulletin is an issued monthly bulletin.
type Bulletin struct {
	ID         string    `json:"id"`
	Month      string    `json:"month"`
	Title      string    `json:"title"`
	Tables     []Table   `json:"tables"`
	Recipients int       `json:"recipients"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
}

// Bulletins issues and keeps the monthly bulletins.
type Bulletins struct {
	DB    *store.DB
	Now   func() time.Time
	Parts []BulletinPart
	// Send tells the units (towns, sections, leaders) in the same
	// transaction, through the outbox; it returns how many were told.
	Send func(ctx context.Context, tx *store.Tx, b Bulletin) (int, error)
	// Title names a month's bulletin (e.g. "示例县应急管理局2022年6月通报").
	Title func(month string) string
}

var monthRE = regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])$`)

// ErrIssued refuses a second bulletin for a month.
var ErrIssued = errs.New(errs.Conflict, "report.bulletin_issued")

// Issue builds the month's tables from the records, stores them and tells
// the units. A month has one bulletin: a second is refused (409).
func (s *Bulletins) Issue(ctx context.Context, p *auth.Principal, month string) (Bulletin, error) {
	if !monthRE.MatchString(month) {
		return Bulletin{}, errs.Field("month", "report.bad_month", nil)
	}
	now := s.Now()
	if month >= now.In(cst8).Format("2006-01") {
		return Bulletin{}, errs.Field("month", "report.month_not_over", nil)
	}
	b := Bulletin{ID: ids.New(), Month: month, Title: s.Title(month), Tables: []Table{}, CreatedBy: p.UserID, CreatedAt: now}
	for _, part := range s.Parts {
		ts, err := part(ctx, p, month)
		if err != nil {
			return Bulletin{}, err
		}
		b.Tables = append(b.Tables, ts...)
	}
	tables, err := json.Marshal(b.Tables)
	if err != nil {
		return Bulletin{}, err
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM report_bulletin WHERE county_code = $1 AND month = $2`, p.CountyCode, month).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrIssued
		}
		if s.Send != nil {
			if b.Recipients, err = s.Send(ctx, tx, b); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO report_bulletin (id, county_code, month, title, tables, recipients, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, b.ID, p.CountyCode, month, b.Title, string(tables), b.Recipients, p.UserID, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "report_bulletin", EntityID: b.ID, Action: "create",
			After: map[string]any{"month": month, "title": b.Title, "recipients": b.Recipients}})
	})
	if err != nil {
		return Bulletin{}, fmt.Errorf("issue bulletin %s: %w", month, err)
	}
	return b, nil
}

var cst8 = time.FixedZone("CST", 8*3600)

// List returns the county's bulletins, newest month first.
func (s *Bulletins) List(ctx context.Context, p *auth.Principal) ([]Bulletin, error) {
	out, err := store.QueryAll(ctx, s.DB.R(), func(r *sql.Rows) (Bulletin, error) { return scanBulletin(r) },
		`SELECT `+bulletinCols+` FROM report_bulletin WHERE county_code = $1 ORDER BY month DESC`, p.CountyCode)
	if err != nil {
		return nil, fmt.Errorf("bulletins: %w", err)
	}
	return store.NonNil(out), nil
}

// Get returns one bulletin of p's county.
func (s *Bulletins) Get(ctx context.Context, p *auth.Principal, id string) (Bulletin, error) {
	b, err := scanBulletin(s.DB.R().QueryRowContext(ctx, `SELECT `+bulletinCols+` FROM report_bulletin WHERE id = $1 AND county_code = $2`, id, p.CountyCode))
	if errors.Is(err, sql.ErrNoRows) {
		return Bulletin{}, errs.New(errs.NotFound, "not_found")
	}
	return b, err
}

// Has reports whether the month's bulletin was issued.
func (s *Bulletins) Has(ctx context.Context, county, month string) (bool, error) {
	var n int
	err := s.DB.R().QueryRowContext(ctx, `SELECT count(*) FROM report_bulletin WHERE county_code = $1 AND month = $2`, county, month).Scan(&n)
	return n > 0, err
}

const bulletinCols = `id, month, title, tables, recipients, created_by, created_at`

func scanBulletin(r interface{ Scan(...any) error }) (Bulletin, error) {
	var b Bulletin
	var tables string
	if err := r.Scan(&b.ID, &b.Month, &b.Title, &tables, &b.Recipients, &b.CreatedBy, &b.CreatedAt); err != nil {
		return Bulletin{}, err
	}
	if err := json.Unmarshal([]byte(tables), &b.Tables); err != nil {
		return Bulletin{}, fmt.Errorf("bulletin %s: %w", b.ID, err)
	}
	return b, nil
}

// PDF prints the bulletin: its tables one after the other.
func (b Bulletin) PDF(w io.Writer, issuer string) error {
	d := pdfdoc.Doc{Issuer: issuer, Title: b.Title}
	for _, t := range b.Tables {
		d.Blocks = append(d.Blocks, pdfdoc.Heading{Text: t.Title}, pdfdoc.Table{Header: t.Header, Rows: t.Rows})
		if t.Note != "" {
			d.Blocks = append(d.Blocks, pdfdoc.Paragraph{Text: t.Note})
		}
	}
	return pdfdoc.Render(w, d)
}

// maxCols is the widest bulletin table the Excel sheet holds.
const maxCols = 8

// BulletinSchema is the Excel sheet of a bulletin: the table's title,
// then its cells (a table's first row is its header).
func BulletinSchema() xlsx.Schema {
	cols := []xlsx.Column{{Key: "table", Header: "表", HeaderEN: "Table", Width: 24}}
	for i := 1; i <= maxCols; i++ {
		cols = append(cols, xlsx.Column{Key: fmt.Sprintf("c%d", i), Header: fmt.Sprintf("列%d", i), HeaderEN: fmt.Sprintf("Column %d", i), Width: 14})
	}
	return xlsx.Schema{Name: "月通报", Columns: cols}
}

// WriteXLSX writes the bulletin's tables.
func (b Bulletin) WriteXLSX(xw *xlsx.Writer) error {
	for _, t := range b.Tables {
		for _, row := range append([][]string{t.Header}, t.Rows...) {
			vals := []any{t.Title}
			for i := range maxCols {
				v := ""
				if i < len(row) {
					v = row[i]
				}
				vals = append(vals, v)
			}
			if err := xw.Write(vals...); err != nil {
				return err
			}
		}
	}
	return nil
}
