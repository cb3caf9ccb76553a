package crypt

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"yingji/internal/kit/store"
)

// checkPlain is what the check value holds once opened.
const checkPlain = "yingji field key check v1"

// ErrWrongKey is returned when the key at hand cannot open the database's
// sealed values.
var ErrWrongKey = errors.New("the field key does not open this database's sealed fields")

// Verify checks the key against the database's check value. It reports
// whether there was one to check (databases written before the check
// existed have none) and fails with ErrWrongKey when it does not open.
func (s *Sealer) Verify(ctx context.Context, q store.Querier) (checked bool, err error) {
	var sealed string
	err = q.QueryRowContext(ctx, `SELECT sealed FROM field_key_check WHERE id = 1`).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read field key check: %w", err)
	}
	plain, err := s.Open(sealed)
	if err != nil || plain != checkPlain {
		return true, ErrWrongKey
	}
	return true, nil
}

// Remember verifies the key (see Verify) and, when the database has no
// check value yet, stores one sealed with this key.
func (s *Sealer) Remember(ctx context.Context, db *store.DB, now time.Time) error {
	checked, err := s.Verify(ctx, db.R())
	if err != nil || checked {
		return err
	}
	return db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO field_key_check (id, sealed, created_at) VALUES (1, $1, $2)
			ON CONFLICT (id) DO NOTHING`, s.Seal(checkPlain), now.UTC())
		if err != nil {
			return fmt.Errorf("store field key check: %w", err)
		}
		return nil
	})
}
