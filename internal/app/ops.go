package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"yingji/internal/audit"
	"yingji/internal/errs"
	"yingji/internal/store"
)

// VerifyAudit checks the audit chain.
func (a *App) VerifyAudit(ctx context.Context) (audit.Result, error) {
	return audit.Verify(ctx, a.DB.R())
}

// Explain renders a service error for the command line in Chinese and
// English; internal errors keep their detail.
func (a *App) Explain(err error) error {
	e, ok := errs.As(err)
	if !ok || e.Kind == errs.Internal {
		return err
	}
	msg := a.UI.I18n.T("zh", e.Message, e.Args) + " / " + a.UI.I18n.T("en", e.Message, e.Args)
	for _, fe := range errs.Fields(err) {
		msg += fmt.Sprintf("\n  %s: %s / %s", fe.Field, a.UI.I18n.T("zh", fe.Message, fe.Args), a.UI.I18n.T("en", fe.Message, fe.Args))
	}
	return errors.New(msg)
}

// Backup writes a consistent copy of the database. SQLite: VACUUM INTO
// (safe while the server runs). PostgreSQL: pg_dump in custom format.
func (a *App) Backup(ctx context.Context, out string) (string, error) {
	abs, err := filepath.Abs(out)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(abs); err == nil {
		return "", fmt.Errorf("%s exists already; choose a new file name", abs)
	}
	if a.DB.Engine == store.SQLite {
		if _, err := a.DB.W().ExecContext(ctx, `VACUUM INTO $1`, abs); err != nil {
			return "", fmt.Errorf("backup: %w", err)
		}
		return "SQLite backup written to " + abs + " (restore: stop Yingji, copy it to DATA/yingji.db)", nil
	}
	pgDump, err := exec.LookPath("pg_dump")
	if err != nil {
		return "", fmt.Errorf("pg_dump not found: install the PostgreSQL client (Debian: apt-get install postgresql-client) or run: pg_dump --format=custom --file %s \"$YINGJI_DB\"", abs)
	}
	cmd := exec.CommandContext(ctx, pgDump, "--format=custom", "--file", abs, a.Cfg.DB)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("pg_dump: %v: %s", err, b)
	}
	return "PostgreSQL backup written to " + abs + " (restore: pg_restore --clean --dbname URL " + abs + ")", nil
}
