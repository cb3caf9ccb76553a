package app_test

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"yingji/internal/app"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/backup"
	"yingji/internal/kit/config"
	"yingji/internal/kit/crypt"
)

// archiveNames lists the members of a plain backup archive.
func archiveNames(t *testing.T, file string, pass []byte) map[string]bool {
	t.Helper()
	r, closeFn, err := backup.Open(file, pass)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	gz, err := gzip.NewReader(r)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	names := map[string]bool{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names[h.Name] = true
		if strings.HasPrefix(h.Name, "attachments/") {
			names["attachments/"] = true
		}
	}
	return names
}

func restoredConfig(a *app.App, dir string) config.Config {
	c := a.Cfg
	c.DataDir = dir
	return c
}

// The whole round trip: backup of a demo installation (certificates with
// sealed ID numbers, attachments), restore into a fresh directory, and the
// certificate pages answer with the ID numbers open.
func TestBackupRestoreRoundTrip(t *testing.T) {
	a := demoApp(t, false, time.Date(2022, 9, 1, 2, 0, 0, 0, time.UTC))
	ctx := context.Background()
	admin := userToken(t, a, "admin")
	var before certList
	getJSON(t, a, "/api/v1/certificates?size=5", admin, &before)
	if before.Total == 0 || strings.Contains(before.Items[0].IDNumber, "*") {
		t.Fatalf("demo certificates: %+v", before)
	}
	file := filepath.Join(t.TempDir(), "yingji.backup")
	if _, err := a.Backup(ctx, file, nil); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(file)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("backup mode: %v %v", st.Mode(), err)
	}
	names := archiveNames(t, file, nil)
	for _, n := range []string{"manifest.json", "yingji.db", "field.key", "attachments/"} {
		if !names[n] {
			t.Errorf("archive lacks %s: %v", n, names)
		}
	}

	dir := filepath.Join(t.TempDir(), "restored")
	if _, err := app.Restore(ctx, restoredConfig(a, dir), file, app.RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	b, err := app.Open(ctx, restoredConfig(a, dir), app.Options{Now: a.Now, NoNewKey: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	tok := userToken(t, b, "admin")
	var after certList
	getJSON(t, b, "/api/v1/certificates?size=5", tok, &after)
	if after.Total != before.Total || after.Items[0].IDNumber != before.Items[0].IDNumber {
		t.Fatalf("restored certificates: %+v, want %+v", after, before)
	}
	for _, path := range []string{"/certificates", "/certificates/" + after.Items[0].ID} {
		if rec := do(b, "GET", path, tok, nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), before.Items[0].IDNumber) && path != "/certificates" {
			t.Errorf("GET %s after restore: %d", path, rec.Code)
		}
	}
	// Attachments came back: the demo's hazard photos open.
	if res, err := b.VerifyAudit(ctx); err != nil || !res.OK() {
		t.Fatalf("audit after restore: %+v %v", res, err)
	}
	// Restoring over it again without --force is refused.
	if _, err := app.Restore(ctx, restoredConfig(a, dir), file, app.RestoreOptions{}); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("restore over an installation: %v", err)
	}
}

// Restoring the database alone (the old printed procedure) no longer starts
// with a new key: the start is refused with the reason.
func TestDatabaseWithoutKeyDoesNotStart(t *testing.T) {
	a := demoApp(t, false, time.Date(2022, 9, 1, 2, 0, 0, 0, time.UTC))
	ctx := context.Background()
	if err := os.Remove(crypt.KeyPath(a.Cfg.DataDir)); err != nil {
		t.Fatal(err)
	}
	a.Close()
	_, err := app.Open(ctx, a.Cfg, app.Options{})
	if err == nil || !errors.Is(err, crypt.ErrNoKey) {
		t.Fatalf("open without the key: %v", err)
	}
	if _, e := os.Stat(crypt.KeyPath(a.Cfg.DataDir)); e == nil {
		t.Fatal("a new key was created")
	}
	// Another key (YINGJI_FIELD_KEY) does not open it either.
	c := a.Cfg
	c.FieldKey = base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	if _, err := app.Open(ctx, c, app.Options{}); !errors.Is(err, crypt.ErrWrongKey) {
		t.Fatalf("open with another key: %v", err)
	}
}

// Encrypted backups do not open without the passphrase; restore refuses a
// database whose sealed fields the key at hand does not open.
func TestBackupPassphraseAndWrongKey(t *testing.T) {
	a := openApp(t, false, app.Options{})
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "enc.backup")
	pass := []byte("县应急局 backup passphrase")
	if _, err := a.Backup(ctx, file, pass); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !backup.IsEncrypted(raw) || strings.Contains(string(raw), "SQLite format") {
		t.Fatal("archive is not encrypted")
	}
	dir := t.TempDir()
	if _, err := app.Restore(ctx, restoredConfig(a, dir), file, app.RestoreOptions{}); !errors.Is(err, backup.ErrNeedPassphrase) {
		t.Fatalf("restore without passphrase: %v", err)
	}
	if _, err := app.Restore(ctx, restoredConfig(a, dir), file, app.RestoreOptions{Passphrase: []byte("wrong")}); !errors.Is(err, backup.ErrPassphrase) {
		t.Fatalf("restore with a wrong passphrase: %v", err)
	}
	// A cut-off archive does not open either.
	cut := filepath.Join(t.TempDir(), "cut.backup")
	if err := os.WriteFile(cut, raw[:len(raw)-10], 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Restore(ctx, restoredConfig(a, t.TempDir()), cut, app.RestoreOptions{Passphrase: pass}); err == nil {
		t.Fatal("a cut-off archive was restored")
	}
	// The key at hand (YINGJI_FIELD_KEY) is not the database's: refused.
	c := restoredConfig(a, dir)
	c.FieldKey = base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	_, err = app.Restore(ctx, c, file, app.RestoreOptions{Passphrase: pass})
	if !errors.Is(err, crypt.ErrWrongKey) || !strings.Contains(err.Error(), "restore refused") {
		t.Fatalf("restore with another key: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a refused restore left %v", entries)
	}
	if _, err := app.Restore(ctx, restoredConfig(a, dir), file, app.RestoreOptions{Passphrase: pass}); err != nil {
		t.Fatal(err)
	}
	b, err := app.Open(ctx, restoredConfig(a, dir), app.Options{NoNewKey: true})
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	_ = auth.RoleAdmin
}

// On PostgreSQL the archive holds a pg_dump of the installation's schema;
// restore puts it back with pg_restore (here after the schema was lost).
func TestBackupRestorePostgres(t *testing.T) {
	if _, err := exec.LookPath("pg_restore"); err != nil && os.Getenv("CI") == "" {
		t.Skip("no pg_restore")
	}
	a := openApp(t, true, app.Options{})
	ctx := context.Background()
	var schema string
	if err := a.DB.R().QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "pg.backup")
	if _, err := a.Backup(ctx, file, []byte("pass")); err != nil {
		t.Fatal(err)
	}
	names := archiveNames(t, file, []byte("pass"))
	if !names["yingji.pgdump"] || !names["field.key"] {
		t.Fatalf("archive: %v", names)
	}
	// Restoring over the live schema needs --force.
	dir := t.TempDir()
	if _, err := app.Restore(ctx, restoredConfig(a, dir), file, app.RestoreOptions{Passphrase: []byte("pass")}); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("restore over a live database: %v", err)
	}
	if _, err := a.DB.W().ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
		t.Fatal(err)
	}
	a.Close()
	if _, err := app.Restore(ctx, restoredConfig(a, dir), file, app.RestoreOptions{Passphrase: []byte("pass")}); err != nil {
		t.Fatal(err)
	}
	b, err := app.Open(ctx, restoredConfig(a, dir), app.Options{NoNewKey: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if res, err := b.VerifyAudit(ctx); err != nil || !res.OK() || res.Checked == 0 {
		t.Fatalf("restored audit: %+v %v", res, err)
	}
}
