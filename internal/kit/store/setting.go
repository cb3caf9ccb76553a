package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// The setting table holds every module's county settings as JSON, one
// row per (county, key); each module reads and writes only its own keys
// (licence.settings, hazard.card_rules, supervise.…) through these two
// functions, which own the table's SQL.

// ReadSetting decodes a county's setting key into v; found is false (and
// v untouched) when the county saved none.
func ReadSetting(ctx context.Context, q Querier, county, key string, v any) (found bool, err error) {
	var raw string
	err = q.QueryRowContext(ctx, `SELECT value FROM setting WHERE county_code = $1 AND key = $2`, county, key).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("setting %s: %w", key, err)
	}
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		return true, fmt.Errorf("setting %s: %w", key, err)
	}
	return true, nil
}

// WriteSetting stores v as a county's setting key inside tx (the caller
// validates and audits).
func WriteSetting(ctx context.Context, tx *Tx, county, key string, v any, now time.Time) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO setting (county_code, key, value, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (county_code, key) DO UPDATE SET value = $3, updated_at = $4`, county, key, string(b), now.UTC()); err != nil {
		return fmt.Errorf("save setting %s: %w", key, err)
	}
	return nil
}
