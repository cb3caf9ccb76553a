package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/pressly/goose/v3"
)

// engineMigrations reads the engine's own migrations from
// engine_migrations/ and returns them as goose Go migrations, each running
// its Up (or Down) script in goose's transaction.
func engineMigrations(e Engine) ([]*goose.Migration, error) {
	names, err := fs.Glob(engineMigrationFS, "engine_migrations/*."+string(e)+".sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []*goose.Migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		version, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil {
			return nil, fmt.Errorf("%s: the name must start with a version number", name)
		}
		text, err := fs.ReadFile(engineMigrationFS, name)
		if err != nil {
			return nil, err
		}
		up, down, err := splitUpDown(string(text))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, goose.NewGoMigration(version, &goose.GoFunc{RunTx: execScript(up)}, &goose.GoFunc{RunTx: execScript(down)}))
	}
	return out, nil
}

// splitUpDown splits a migration file at its "-- +goose Up" and
// "-- +goose Down" markers.
func splitUpDown(text string) (up, down string, err error) {
	const upMark, downMark = "-- +goose Up", "-- +goose Down"
	u := strings.Index(text, upMark)
	d := strings.Index(text, downMark)
	if u < 0 || d < u {
		return "", "", fmt.Errorf("needs %q then %q", upMark, downMark)
	}
	return text[u+len(upMark) : d], text[d+len(downMark):], nil
}

// execScript runs a script of several statements (both drivers accept
// them in one Exec without arguments).
func execScript(script string) func(ctx context.Context, tx *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error {
		if strings.TrimSpace(script) == "" {
			return nil
		}
		_, err := tx.ExecContext(ctx, script)
		return err
	}
}
