package main

import (
	"fmt"
	"strings"

	"yingji/internal/kit/store"
)

// migrateData copies a county's SQLite database into a new, empty
// PostgreSQL database (see store.CopySQLiteToPostgres). Attachments and the
// field key stay in the data directory, which the PostgreSQL instance keeps
// using (--data DIR --db URL).
func (e env) migrateData(args []string) error {
	var to *string
	a, rest, err := e.open("migrate-data", args, func(fs *flagSet) {
		to = fs.String("to", "", "PostgreSQL URL of the new, empty database")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if len(rest) > 0 {
		return usageError{"unexpected argument " + rest[0]}
	}
	if a.DB.Engine != store.SQLite {
		return usageError{"the source must be a SQLite data directory (--data DIR, without --db)"}
	}
	if !strings.HasPrefix(*to, "postgres://") && !strings.HasPrefix(*to, "postgresql://") {
		return usageError{"--to postgres://… names the target database"}
	}
	dst, err := store.Open(e.ctx, store.Options{URL: *to})
	if err != nil {
		return err
	}
	defer dst.Close()
	if err := dst.Migrate(e.ctx); err != nil {
		return err
	}
	var tables int
	var rows int64
	err = store.CopySQLiteToPostgres(e.ctx, a.DB, dst, func(table string, n int64) {
		tables++
		rows += n
		fmt.Fprintf(e.out, "%-32s %9d rows\n", table, n)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "copied %d rows in %d tables; every table holds as many rows in %s\n", rows, tables, dst)
	fmt.Fprintf(e.out, "start the county on PostgreSQL with the same data directory (attachments and field.key stay there):\n  yingji serve --data %s --db '%s'\n", a.Cfg.DataDir, *to)
	return nil
}
