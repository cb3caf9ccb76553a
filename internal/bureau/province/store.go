package province

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/pressly/goose/v3"

	"yingji/internal/kit/figure"
	"yingji/internal/kit/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// VersionTable is where the province database records its migrations
// (apart from a county's goose_db_version, so that one database may
// hold both).
const VersionTable = "province_db_version"

// Open opens the province database: a postgres:// URL, or else the path
// of a SQLite file (created when missing). It migrates the province's
// tables.
func Open(ctx context.Context, target string) (*store.DB, error) {
	o := store.Options{SQLitePath: target}
	if strings.HasPrefix(target, "postgres://") || strings.HasPrefix(target, "postgresql://") {
		o = store.Options{URL: target}
	}
	db, err := store.Open(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("province database: %w", err)
	}
	if err := Migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Migrate creates or updates the province's tables.
func Migrate(ctx context.Context, db *store.DB) error {
	sub, err := fs.Sub(migrationFS, "migrations")
	if err != nil {
		return err
	}
	dialect := goose.DialectSQLite3
	if db.Engine == store.Postgres {
		dialect = goose.DialectPostgres
	}
	p, err := goose.NewProvider(dialect, db.W(), sub, goose.WithTableName(VersionTable), goose.WithAllowOutofOrder(true))
	if err != nil {
		return fmt.Errorf("province migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("province migrate: %w", err)
	}
	return nil
}

// Publish files a county's figures for a period: in one transaction it
// deletes what the county had published for exactly that period and
// writes the new rows, the figures' definitions and the county.
func Publish(ctx context.Context, db *store.DB, p Publication, now time.Time) error {
	if err := p.Check(); err != nil {
		return err
	}
	from, to := p.Period.FromDay(), p.Period.ToDay()
	computed, now := p.ComputedAt.UTC(), now.UTC()
	err := db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM province_number WHERE period_from = $1 AND period_to = $2 AND county_code = $3`,
			from, to, p.County.Code); err != nil {
			return fmt.Errorf("replace the county's rows: %w", err)
		}
		err := store.InsertRows(ctx, tx, "province_number",
			"period_from, period_to, county_code, figure_id, number_key, county_name, ord, value, last_year, unit, word, computed_at, version",
			len(p.Rows), func(i int) []any {
				r := p.Rows[i]
				var ly any
				if r.LastYear != nil {
					ly = *r.LastYear
				}
				return []any{from, to, p.County.Code, r.FigureID, r.Key, p.County.Name, int64(i), r.Value, ly, r.Unit, r.Word, computed, p.Version}
			}, nil)
		if err != nil {
			return err
		}
		for _, d := range p.Defs {
			_, err := tx.ExecContext(ctx, `INSERT INTO province_figure (figure_id, section, ord, compare, per_county, label_zh, label_en, text_zh, text_en, version, published_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
				ON CONFLICT (figure_id) DO UPDATE SET section = excluded.section, ord = excluded.ord, compare = excluded.compare,
					per_county = excluded.per_county, label_zh = excluded.label_zh, label_en = excluded.label_en,
					text_zh = excluded.text_zh, text_en = excluded.text_en, version = excluded.version, published_at = excluded.published_at`,
				d.ID, d.Section, int64(d.Order), d.Compare, strings.Join(d.PerCounty, ","), d.Label["zh"], d.Label["en"],
				d.Text["zh"], d.Text["en"], p.Version, now)
			if err != nil {
				return fmt.Errorf("figure %s: %w", d.ID, err)
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO province_county (county_code, county_name, first_published, last_published)
			VALUES ($1, $2, $3, $3)
			ON CONFLICT (county_code) DO UPDATE SET county_name = excluded.county_name, last_published = excluded.last_published`,
			p.County.Code, p.County.Name, now)
		if err != nil {
			return fmt.Errorf("county %s: %w", p.County.Code, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("publish %s %s…%s: %w", p.County.Code, from, to, err)
	}
	return nil
}

// Load reads what the province needs to roll up a period: the known
// counties, the figures' definitions and every row published for
// exactly that period, and sums them.
func Load(ctx context.Context, db *store.DB, period figure.Period, sections []string) (Rollup, error) {
	q := db.R()
	known, err := store.QueryAll(ctx, q, func(r *sql.Rows) (County, error) {
		var c County
		return c, r.Scan(&c.Code, &c.Name)
	}, `SELECT county_code, county_name FROM province_county ORDER BY county_code`)
	if err != nil {
		return Rollup{}, fmt.Errorf("province counties: %w", err)
	}
	defs, err := store.QueryAll(ctx, q, func(r *sql.Rows) (Def, error) {
		var d Def
		var ord int64
		var per, lzh, lEn, tzh, ten string
		err := r.Scan(&d.ID, &d.Section, &ord, &d.Compare, &per, &lzh, &lEn, &tzh, &ten)
		d.Order = int(ord)
		if per != "" {
			d.PerCounty = strings.Split(per, ",")
		}
		d.Label = map[string]string{"zh": lzh, "en": lEn}
		d.Text = map[string]string{"zh": tzh, "en": ten}
		return d, err
	}, `SELECT figure_id, section, ord, compare, per_county, label_zh, label_en, text_zh, text_en FROM province_figure`)
	if err != nil {
		return Rollup{}, fmt.Errorf("province figures: %w", err)
	}
	rows, err := store.QueryAll(ctx, q, func(r *sql.Rows) (Stored, error) {
		var s Stored
		var ord int64
		var ly sql.NullInt64
		err := r.Scan(&s.County.Code, &s.County.Name, &s.FigureID, &s.Key, &ord, &s.Value, &ly, &s.Unit, &s.Word, &s.ComputedAt, &s.Version)
		s.Ord = int(ord)
		if ly.Valid {
			s.LastYear = &ly.Int64
		}
		return s, err
	}, `SELECT county_code, county_name, figure_id, number_key, ord, value, last_year, unit, word, computed_at, version
		FROM province_number WHERE period_from = $1 AND period_to = $2`, period.FromDay(), period.ToDay())
	if err != nil {
		return Rollup{}, fmt.Errorf("province numbers %s…%s: %w", period.FromDay(), period.ToDay(), err)
	}
	return Roll(period, known, defs, rows, sections), nil
}

// HasPublished reports whether the county has published exactly the period.
func HasPublished(ctx context.Context, db *store.DB, county string, period figure.Period) (bool, error) {
	var n int
	err := db.R().QueryRowContext(ctx, `SELECT count(*) FROM province_number WHERE period_from = $1 AND period_to = $2 AND county_code = $3`,
		period.FromDay(), period.ToDay(), county).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("province: published %s %s…%s: %w", county, period.FromDay(), period.ToDay(), err)
	}
	return n > 0, nil
}
