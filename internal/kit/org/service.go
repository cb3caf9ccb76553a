package org

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/store"
)

// Service reads and changes regions and units within the caller's scope.
type Service struct {
	db  *store.DB
	now func() time.Time
}

// New returns a Service.
func New(db *store.DB, now func() time.Time) *Service { return &Service{db: db, now: now} }

const regionCols = `code, county_code, COALESCE(parent_code, ''), level, kind, name, sort, created_at`

func scanRegion(row interface{ Scan(...any) error }) (Region, error) {
	var r Region
	err := row.Scan(&r.Code, &r.CountyCode, &r.ParentCode, &r.Level, &r.Kind, &r.Name, &r.Sort, &r.CreatedAt)
	return r, err
}

// RegionFilter selects regions.
type RegionFilter struct {
	Level  string
	Parent string
	Q      string
}

// ListRegions returns the regions in the principal's scope, in code order.
// Town staff see their town and its villages.
func (s *Service) ListRegions(ctx context.Context, p *auth.Principal, f RegionFilter) ([]Region, error) {
	w := []string{"county_code = $1", "code LIKE $2"}
	args := []any{p.CountyCode, p.RegionPrefix() + "%"}
	if f.Level != "" {
		args = append(args, f.Level)
		w = append(w, fmt.Sprintf("level = $%d", len(args)))
	}
	if f.Parent != "" {
		args = append(args, f.Parent)
		w = append(w, fmt.Sprintf("parent_code = $%d", len(args)))
	}
	if f.Q != "" {
		args = append(args, store.Like(f.Q))
		w = append(w, fmt.Sprintf(`name LIKE $%d ESCAPE '\'`, len(args)))
	}
	rows, err := s.db.R().QueryContext(ctx, `SELECT `+regionCols+` FROM region WHERE `+strings.Join(w, " AND ")+` ORDER BY code`, args...)
	if err != nil {
		return nil, fmt.Errorf("list regions: %w", err)
	}
	defer rows.Close()
	var out []Region
	for rows.Next() {
		r, err := scanRegion(rows)
		if err != nil {
			return nil, fmt.Errorf("list regions: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Region returns one region in scope.
func (s *Service) Region(ctx context.Context, p *auth.Principal, code string) (Region, error) {
	r, err := scanRegion(s.db.R().QueryRowContext(ctx, `SELECT `+regionCols+` FROM region WHERE code = $1`, code))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (r.CountyCode != p.CountyCode || !p.InRegion(r.Code))) {
		return Region{}, errs.New(errs.NotFound, "not_found")
	}
	if err != nil {
		return Region{}, fmt.Errorf("region: %w", err)
	}
	return r, nil
}

// SaveRegion creates or updates a region (administrators).
func (s *Service) SaveRegion(ctx context.Context, p *auth.Principal, r Region) (Region, error) {
	if !p.Is(auth.RoleAdmin) {
		return Region{}, errs.New(errs.Forbidden, "forbidden")
	}
	return r, s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		r, err = s.SaveRegionTx(ctx, tx, p.Actor(), r)
		return err
	})
}

// SaveRegionTx upserts a region inside tx (demo and imports use it).
func (s *Service) SaveRegionTx(ctx context.Context, tx *store.Tx, a audit.Actor, r Region) (Region, error) {
	r.Code = strings.TrimSpace(r.Code)
	r.Name = strings.TrimSpace(r.Name)
	r.Level = LevelOf(r.Code)
	if r.CountyCode == "" {
		r.CountyCode = a.CountyCode
	}
	if r.Level == LevelCounty {
		r.CountyCode = r.Code
	}
	r.ParentCode = ParentOf(r.Code)
	if err := ValidateRegion(r); err != nil {
		return r, err
	}
	if r.ParentCode != "" {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM region WHERE code = $1`, r.ParentCode).Scan(&n); err != nil {
			return r, fmt.Errorf("parent region: %w", err)
		}
		if n == 0 {
			return r, errs.Field("code", "region.parent_missing", map[string]any{"Parent": r.ParentCode})
		}
	}
	before, err := scanRegion(tx.QueryRowContext(ctx, `SELECT `+regionCols+` FROM region WHERE code = $1`, r.Code))
	exists := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("region: %w", err)
	}
	now := s.now().UTC()
	if exists {
		if before.Name == r.Name && before.Kind == r.Kind && before.Sort == r.Sort {
			return before, nil
		}
		r.CreatedAt = before.CreatedAt
		if _, err := tx.ExecContext(ctx, `UPDATE region SET name=$1, kind=$2, sort=$3 WHERE code=$4`, r.Name, r.Kind, r.Sort, r.Code); err != nil {
			return r, fmt.Errorf("update region: %w", err)
		}
		return r, audit.Record(ctx, tx, now, a, audit.Entry{Entity: "region", EntityID: r.Code, Action: "update", Before: before, After: r})
	}
	r.CreatedAt = now
	if _, err := tx.ExecContext(ctx, `INSERT INTO region (code, county_code, parent_code, level, kind, name, sort, created_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, r.Code, r.CountyCode, nullable(r.ParentCode), r.Level, r.Kind, r.Name, r.Sort, now); err != nil {
		return r, fmt.Errorf("insert region: %w", err)
	}
	return r, audit.Record(ctx, tx, now, a, audit.Entry{Entity: "region", EntityID: r.Code, Action: "create", After: r})
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

const unitCols = `id, county_code, kind, name, COALESCE(region_code, ''), sectors, phone, sort, disabled, created_at, updated_at`

func scanUnit(row interface{ Scan(...any) error }) (Unit, error) {
	var u Unit
	var sectors string
	err := row.Scan(&u.ID, &u.CountyCode, &u.Kind, &u.Name, &u.RegionCode, &sectors, &u.Phone, &u.Sort, &u.Disabled, &u.CreatedAt, &u.UpdatedAt)
	if sectors != "" {
		u.Sectors = strings.Split(sectors, ",")
	}
	return u, err
}

// UnitFilter selects units.
type UnitFilter struct {
	Kind string
	Q    string
}

// ListUnits returns units in scope: county-wide readers see all units,
// town staff the units of their town, others their own unit.
func (s *Service) ListUnits(ctx context.Context, p *auth.Principal, f UnitFilter) ([]Unit, error) {
	w := []string{"county_code = $1"}
	args := []any{p.CountyCode}
	switch {
	case p.SeesWholeCounty():
	case p.Role == auth.RoleTown:
		args = append(args, p.RegionCode+"%")
		w = append(w, fmt.Sprintf("region_code LIKE $%d", len(args)))
	default:
		args = append(args, p.UnitID)
		w = append(w, fmt.Sprintf("id = $%d", len(args)))
	}
	if f.Kind != "" {
		args = append(args, f.Kind)
		w = append(w, fmt.Sprintf("kind = $%d", len(args)))
	}
	if f.Q != "" {
		args = append(args, store.Like(f.Q))
		w = append(w, fmt.Sprintf(`name LIKE $%d ESCAPE '\'`, len(args)))
	}
	rows, err := s.db.R().QueryContext(ctx, `SELECT `+unitCols+` FROM unit WHERE `+strings.Join(w, " AND ")+` ORDER BY kind, sort, name`, args...)
	if err != nil {
		return nil, fmt.Errorf("list units: %w", err)
	}
	defer rows.Close()
	var out []Unit
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			return nil, fmt.Errorf("list units: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// Unit returns one unit in scope.
func (s *Service) Unit(ctx context.Context, p *auth.Principal, id string) (Unit, error) {
	units, err := s.ListUnits(ctx, p, UnitFilter{})
	if err != nil {
		return Unit{}, err
	}
	for _, u := range units {
		if u.ID == id {
			return u, nil
		}
	}
	return Unit{}, errs.New(errs.NotFound, "not_found")
}

// SaveUnit creates (empty ID) or updates a unit (administrators).
func (s *Service) SaveUnit(ctx context.Context, p *auth.Principal, u Unit) (Unit, error) {
	if !p.Is(auth.RoleAdmin) {
		return Unit{}, errs.New(errs.Forbidden, "forbidden")
	}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		u, err = s.SaveUnitTx(ctx, tx, p.Actor(), u)
		return err
	})
	return u, err
}

// SaveUnitTx upserts a unit inside tx; a unit without ID is matched by name
// so that loading the same list twice changes nothing.
func (s *Service) SaveUnitTx(ctx context.Context, tx *store.Tx, a audit.Actor, u Unit) (Unit, error) {
	u.Name = strings.TrimSpace(u.Name)
	if u.CountyCode == "" {
		u.CountyCode = a.CountyCode
	}
	if err := ValidateUnit(u); err != nil {
		return u, err
	}
	if u.RegionCode != "" {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM region WHERE code = $1 AND county_code = $2`, u.RegionCode, u.CountyCode).Scan(&n); err != nil {
			return u, fmt.Errorf("unit region: %w", err)
		}
		if n == 0 {
			return u, errs.Field("region_code", "region.unknown", map[string]any{"Code": u.RegionCode})
		}
	}
	var before Unit
	var err error
	if u.ID != "" {
		before, err = scanUnit(tx.QueryRowContext(ctx, `SELECT `+unitCols+` FROM unit WHERE id = $1 AND county_code = $2`, u.ID, u.CountyCode))
		if errors.Is(err, sql.ErrNoRows) {
			return u, errs.New(errs.NotFound, "not_found")
		}
	} else {
		before, err = scanUnit(tx.QueryRowContext(ctx, `SELECT `+unitCols+` FROM unit WHERE name = $1 AND county_code = $2`, u.Name, u.CountyCode))
		if errors.Is(err, sql.ErrNoRows) {
			err = nil
		}
	}
	if err != nil {
		return u, fmt.Errorf("unit: %w", err)
	}
	now := s.now().UTC()
	sectors := strings.Join(u.Sectors, ",")
	if before.ID != "" {
		u.ID, u.CreatedAt, u.UpdatedAt = before.ID, before.CreatedAt, now
		if before.Name == u.Name && before.Kind == u.Kind && before.RegionCode == u.RegionCode &&
			strings.Join(before.Sectors, ",") == sectors && before.Phone == u.Phone && before.Sort == u.Sort && before.Disabled == u.Disabled {
			return before, nil
		}
		_, err := tx.ExecContext(ctx, `UPDATE unit SET kind=$1, name=$2, region_code=$3, sectors=$4, phone=$5, sort=$6, disabled=$7, updated_at=$8 WHERE id=$9`,
			u.Kind, u.Name, nullable(u.RegionCode), sectors, u.Phone, u.Sort, u.Disabled, now, u.ID)
		if store.IsUniqueViolation(err) {
			return u, errs.Field("name", "unit.name_taken", map[string]any{"Name": u.Name})
		}
		if err != nil {
			return u, fmt.Errorf("update unit: %w", err)
		}
		return u, audit.Record(ctx, tx, now, a, audit.Entry{Entity: "unit", EntityID: u.ID, Action: "update", Before: before, After: u})
	}
	u.ID, u.CreatedAt, u.UpdatedAt = ids.New(), now, now
	_, err = tx.ExecContext(ctx, `INSERT INTO unit (id, county_code, kind, name, region_code, sectors, phone, sort, disabled, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10)`, u.ID, u.CountyCode, u.Kind, u.Name, nullable(u.RegionCode), sectors, u.Phone, u.Sort, u.Disabled, now)
	if store.IsUniqueViolation(err) {
		return u, errs.Field("name", "unit.name_taken", map[string]any{"Name": u.Name})
	}
	if err != nil {
		return u, fmt.Errorf("insert unit: %w", err)
	}
	return u, audit.Record(ctx, tx, now, a, audit.Entry{Entity: "unit", EntityID: u.ID, Action: "create", After: u})
}

// UnitInfo implements auth.OrgLookup.
func (s *Service) UnitInfo(ctx context.Context, id string) (name, kind, regionCode string, sectors []string, err error) {
	u, err := scanUnit(s.db.R().QueryRowContext(ctx, `SELECT `+unitCols+` FROM unit WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", "", nil, errs.New(errs.NotFound, "not_found")
	}
	if err != nil {
		return "", "", "", nil, fmt.Errorf("unit: %w", err)
	}
	return u.Name, u.Kind, u.RegionCode, u.Sectors, nil
}

// RegionName implements auth.OrgLookup.
func (s *Service) RegionName(ctx context.Context, code string) (string, error) {
	var name string
	err := s.db.R().QueryRowContext(ctx, `SELECT name FROM region WHERE code = $1`, code).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errs.New(errs.NotFound, "not_found")
	}
	return name, err
}

// RegionLevel implements auth.OrgLookup.
func (s *Service) RegionLevel(ctx context.Context, code string) (string, error) {
	var level string
	err := s.db.R().QueryRowContext(ctx, `SELECT level FROM region WHERE code = $1`, code).Scan(&level)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errs.New(errs.NotFound, "not_found")
	}
	return level, err
}

// Counts returns region and unit counts in scope (home page).
func (s *Service) Counts(ctx context.Context, p *auth.Principal) (towns, villages, units int, err error) {
	err = s.db.R().QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE level = 'town'), count(*) FILTER (WHERE level = 'village')
		FROM region WHERE county_code = $1 AND code LIKE $2`, p.CountyCode, p.RegionPrefix()+"%").Scan(&towns, &villages)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("region counts: %w", err)
	}
	list, err := s.ListUnits(ctx, p, UnitFilter{})
	return towns, villages, len(list), err
}

// Counties returns the county-level regions of the database (an
// installation serves one county; the app checks that it is the one it
// was created for).
func (s *Service) Counties(ctx context.Context) ([]Region, error) {
	rows, err := s.db.R().QueryContext(ctx, `SELECT `+regionCols+` FROM region WHERE level = $1 ORDER BY created_at, code`, LevelCounty)
	if err != nil {
		return nil, fmt.Errorf("counties: %w", err)
	}
	defer rows.Close()
	var out []Region
	for rows.Next() {
		r, err := scanRegion(rows)
		if err != nil {
			return nil, fmt.Errorf("counties: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Sample returns a town of the county and a village of that town (the
// first in the county's order; either may be empty), for examples such as
// the import templates' (the county's own names, not the demo's).
func (s *Service) Sample(ctx context.Context, county string) (town, village Region, err error) {
	town, err = scanRegion(s.db.R().QueryRowContext(ctx, `SELECT `+regionCols+` FROM region
		WHERE county_code = $1 AND level = $2 ORDER BY sort, code LIMIT 1`, county, LevelTown))
	if errors.Is(err, sql.ErrNoRows) {
		return Region{}, Region{}, nil
	}
	if err != nil {
		return town, village, fmt.Errorf("sample town: %w", err)
	}
	village, err = scanRegion(s.db.R().QueryRowContext(ctx, `SELECT `+regionCols+` FROM region
		WHERE parent_code = $1 AND level = $2 ORDER BY sort, code LIMIT 1`, town.Code, LevelVillage))
	if errors.Is(err, sql.ErrNoRows) {
		return town, Region{}, nil
	}
	if err != nil {
		return town, village, fmt.Errorf("sample village: %w", err)
	}
	return town, village, nil
}
