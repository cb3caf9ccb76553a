package app

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"yingji/internal/kit/backup"
	"yingji/internal/kit/config"
	"yingji/internal/kit/crypt"
	"yingji/internal/kit/store"
)

// Backup writes one archive holding a consistent copy of the database
// (SQLite: VACUUM INTO, safe while the server runs; PostgreSQL: pg_dump in
// custom format), the field key and the attachments. The file has mode
// 0600; with a passphrase it is encrypted (see package backup).
func (a *App) Backup(ctx context.Context, out string, pass []byte) (string, error) {
	abs, err := filepath.Abs(out)
	if err != nil {
		return "", err
	}
	key, err := crypt.LoadKey(a.Cfg.FieldKey, a.Cfg.DataDir, false)
	if err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	w, err := backup.Create(abs, pass)
	if err != nil {
		return "", err
	}
	ok := false
	defer func() {
		if !ok {
			w.Abort()
		}
	}()
	tmp, err := os.MkdirTemp(filepath.Dir(abs), ".yingji-backup-")
	if err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(tmp)
	m := backup.Manifest{Format: backup.Format, Version: Version, Engine: string(a.DB.Engine), County: a.Cfg.County,
		CreatedAt: a.Now().UTC(), Key: true}
	if a.DB.Engine == store.SQLite {
		m.Database = backup.SQLiteName
		dbCopy := filepath.Join(tmp, backup.SQLiteName)
		if _, err := a.DB.W().ExecContext(ctx, `VACUUM INTO $1`, dbCopy); err != nil {
			return "", fmt.Errorf("backup: %w", err)
		}
		if err := w.AddFile(backup.SQLiteName, dbCopy); err != nil {
			return "", err
		}
	} else {
		m.Database = backup.PGDumpName
		pgDump, err := exec.LookPath("pg_dump")
		if err != nil {
			return "", fmt.Errorf("pg_dump not found: install the PostgreSQL client (Debian: apt-get install postgresql-client)")
		}
		dump := filepath.Join(tmp, backup.PGDumpName)
		// Only the installation's schema (several may share a database).
		var schema string
		if err := a.DB.R().QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
			return "", fmt.Errorf("backup: %w", err)
		}
		conn, err := libpqURL(a.Cfg.DB)
		if err != nil {
			return "", err
		}
		cmd := exec.CommandContext(ctx, pgDump, "--format=custom", "--no-owner", "--schema="+schema, "--file", dump, conn)
		if b, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("pg_dump: %v: %s", err, b)
		}
		if err := w.AddFile(backup.PGDumpName, dump); err != nil {
			return "", err
		}
	}
	if err := w.AddBytes(backup.KeyName, crypt.EncodeKey(key)); err != nil {
		return "", err
	}
	// Blobs still being written (.tmp-…) are not attachments yet.
	n, err := w.AddDir(backup.AttachmentsName, filepath.Join(a.Cfg.DataDir, "attachments"), func(rel string) bool {
		return strings.HasPrefix(filepath.Base(rel), ".tmp-")
	})
	if err != nil {
		return "", fmt.Errorf("backup attachments: %w", err)
	}
	m.Attachments = n
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return "", err
	}
	if err := w.AddBytes(backup.ManifestName, mb); err != nil {
		return "", err
	}
	if err := w.Commit(); err != nil {
		return "", err
	}
	ok = true
	msg := fmt.Sprintf("backup written to %s (%s database, field key, %d attachments; mode 0600)", abs, a.DB.Engine, n)
	if len(pass) == 0 {
		msg += "\nwarning: the archive is not encrypted and holds the field key: keep it as safe as the data directory, or use --passphrase-file"
	} else {
		msg += ", encrypted with the passphrase"
	}
	return msg + "\nrestore: yingji restore " + abs + " --data DIR", nil
}

// RestoreOptions are restore's switches.
type RestoreOptions struct {
	Passphrase []byte
	// Force replaces an existing installation; its files are moved aside
	// to DATA/pre-restore-TIME/ first (SQLite), or its tables dropped by
	// pg_restore --clean (PostgreSQL).
	Force bool
	Now   func() time.Time
}

// Restore puts back what Backup wrote: the database, the field key and the
// attachments, into cfg's data directory (and cfg's PostgreSQL database for
// a pg_dump archive). It refuses a database whose sealed fields do not
// open with the key at hand (YINGJI_FIELD_KEY when set, else the
// archive's), and an existing installation without Force. It creates no
// key.
func Restore(ctx context.Context, cfg config.Config, file string, o RestoreOptions) (string, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	dataDir := cfg.DataDir
	if dataDir == "" {
		dataDir = "./data"
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return "", fmt.Errorf("restore: %w", err)
	}
	stage, err := os.MkdirTemp(dataDir, ".restore-")
	if err != nil {
		return "", fmt.Errorf("restore: %w", err)
	}
	defer os.RemoveAll(stage)
	m, err := backup.Extract(file, o.Passphrase, stage)
	if err != nil {
		return "", err
	}
	switch {
	case m.Engine == string(store.SQLite) && cfg.DB != "":
		return "", errors.New("this backup holds a SQLite database: restore it without --db / YINGJI_DB (into a data directory)")
	case m.Engine == string(store.Postgres) && cfg.DB == "":
		return "", errors.New("this backup holds a PostgreSQL dump: give the target database with --db postgres://… (or YINGJI_DB)")
	}
	// The key at hand: YINGJI_FIELD_KEY when set, else the archive's.
	var key []byte
	if cfg.FieldKey != "" {
		if key, err = crypt.ParseKey([]byte(cfg.FieldKey)); err != nil {
			return "", fmt.Errorf("YINGJI_FIELD_KEY: %w", err)
		}
	} else if b, err := os.ReadFile(filepath.Join(stage, backup.KeyName)); err == nil {
		if key, err = crypt.ParseKey(b); err != nil {
			return "", fmt.Errorf("the backup's field key: %w", err)
		}
	} else {
		return "", errors.New("the backup holds no field key and YINGJI_FIELD_KEY is not set: its sealed fields could not be opened; refused")
	}
	sealer, err := crypt.New(key)
	if err != nil {
		return "", err
	}
	if m.Engine == string(store.Postgres) {
		return restorePostgres(ctx, cfg, dataDir, stage, sealer, o)
	}
	return restoreSQLite(ctx, cfg, dataDir, stage, m, sealer, o)
}

// wrongKey is restore's refusal when the key does not open the database.
func wrongKey(err error) error {
	return fmt.Errorf("恢复被拒绝：数据库中的加密字段无法用现有密钥打开 / restore refused: %w — the key at hand (YINGJI_FIELD_KEY when set, else the backup's field.key) is not the key this database was written with; nothing was changed", err)
}

func restoreSQLite(ctx context.Context, cfg config.Config, dataDir, stage string, m backup.Manifest, sealer *crypt.Sealer, o RestoreOptions) (string, error) {
	staged := filepath.Join(stage, backup.SQLiteName)
	db, err := store.Open(ctx, store.Options{SQLitePath: staged})
	if err != nil {
		return "", fmt.Errorf("restore: the backup's database does not open: %w", err)
	}
	checked, err := sealer.Verify(ctx, db.R())
	db.Close()
	if err != nil {
		if errors.Is(err, crypt.ErrWrongKey) {
			return "", wrongKey(err)
		}
		return "", fmt.Errorf("restore: %w", err)
	}
	if !checked {
		return "", errors.New("restore refused: the backup's database has no field key check (written by an older version?); restore it by hand as described in docs/operations.md")
	}
	// What an installation consists of in the data directory.
	parts := []string{"yingji.db", "yingji.db-wal", "yingji.db-shm", crypt.KeyFile, "attachments"}
	var present []string
	for _, p := range parts {
		if _, err := os.Lstat(filepath.Join(dataDir, p)); err == nil {
			present = append(present, p)
		}
	}
	aside := ""
	if len(present) > 0 {
		if !o.Force {
			return "", fmt.Errorf("%s already holds an installation (%s): stop Yingji and restore with --force (the current files are moved aside first), or restore into an empty directory", dataDir, strings.Join(present, ", "))
		}
		aside = filepath.Join(dataDir, "pre-restore-"+o.Now().UTC().Format("20060102T150405Z"))
		if err := os.Mkdir(aside, 0o700); err != nil {
			return "", fmt.Errorf("restore: %w", err)
		}
		for _, p := range present {
			if err := os.Rename(filepath.Join(dataDir, p), filepath.Join(aside, p)); err != nil {
				return "", fmt.Errorf("restore: move aside %s: %w", p, err)
			}
		}
	}
	if err := os.Rename(staged, filepath.Join(dataDir, "yingji.db")); err != nil {
		return "", fmt.Errorf("restore database: %w", err)
	}
	if cfg.FieldKey == "" {
		if err := os.Rename(filepath.Join(stage, backup.KeyName), crypt.KeyPath(dataDir)); err != nil {
			return "", fmt.Errorf("restore field key: %w", err)
		}
	}
	if err := os.Rename(filepath.Join(stage, backup.AttachmentsName), filepath.Join(dataDir, "attachments")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("restore attachments: %w", err)
	}
	msg := fmt.Sprintf("restored into %s: SQLite database, field key, %d attachments (backup of %s, written %s by Yingji %s)",
		dataDir, m.Attachments, m.County, m.CreatedAt.Format(time.RFC3339), m.Version)
	if aside != "" {
		msg += "\nthe previous files were moved to " + aside
	}
	return msg, nil
}

func restorePostgres(ctx context.Context, cfg config.Config, dataDir, stage string, sealer *crypt.Sealer, o RestoreOptions) (string, error) {
	pgRestore, err := exec.LookPath("pg_restore")
	if err != nil {
		return "", errors.New("pg_restore not found: install the PostgreSQL client (Debian: apt-get install postgresql-client); nothing was changed")
	}
	dump := filepath.Join(stage, backup.PGDumpName)
	// Check the key against the dump before touching the database: the
	// field_key_check row, as pg_restore prints it.
	sealed, err := dumpedKeyCheck(ctx, pgRestore, dump)
	if err != nil {
		return "", err
	}
	if sealed == "" {
		return "", errors.New("restore refused: the dump has no field key check (written by an older version?); restore it by hand as described in docs/operations.md")
	}
	if plain, err := sealer.Open(sealed); err != nil || plain == "" {
		return "", wrongKey(crypt.ErrWrongKey)
	}
	if cfg.FieldKey == "" {
		if _, err := os.Lstat(crypt.KeyPath(dataDir)); err == nil && !o.Force {
			return "", fmt.Errorf("%s already holds a field key: restore with --force (it is moved aside first) or into an empty directory", dataDir)
		}
	}
	db, err := store.Open(ctx, store.Options{URL: cfg.DB})
	if err != nil {
		return "", err
	}
	fresh, err := db.Fresh(ctx)
	db.Close()
	if err != nil {
		return "", err
	}
	if !fresh && !o.Force {
		return "", errors.New("the target PostgreSQL database already holds Yingji tables: stop every instance and restore with --force (pg_restore --clean drops them), or restore into an empty database")
	}
	conn, err := libpqURL(cfg.DB)
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, pgRestore, "--clean", "--if-exists", "--no-owner", "--exit-on-error", "--dbname", conn, dump)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("pg_restore: %v: %s", err, b)
	}
	aside := ""
	if cfg.FieldKey == "" {
		kp := crypt.KeyPath(dataDir)
		if _, err := os.Lstat(kp); err == nil {
			aside = kp + ".pre-restore-" + o.Now().UTC().Format("20060102T150405Z")
			if err := os.Rename(kp, aside); err != nil {
				return "", err
			}
		}
		if err := os.Rename(filepath.Join(stage, backup.KeyName), kp); err != nil {
			return "", fmt.Errorf("restore field key: %w", err)
		}
	}
	att := filepath.Join(dataDir, "attachments")
	if _, err := os.Lstat(att); err == nil {
		if !o.Force {
			return "", fmt.Errorf("%s exists: restore with --force", att)
		}
		if err := os.Rename(att, att+".pre-restore-"+o.Now().UTC().Format("20060102T150405Z")); err != nil {
			return "", err
		}
	}
	if err := os.Rename(filepath.Join(stage, backup.AttachmentsName), att); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("restore attachments: %w", err)
	}
	msg := "restored the PostgreSQL database, the field key and the attachments into " + dataDir
	if aside != "" {
		msg += "\nthe previous field key was moved to " + aside
	}
	return msg, nil
}

// dumpedKeyCheck reads the sealed field_key_check value out of a pg_dump
// archive (pg_restore prints the table's COPY data to standard output).
func dumpedKeyCheck(ctx context.Context, pgRestore, dump string) (string, error) {
	cmd := exec.CommandContext(ctx, pgRestore, "--data-only", "--table=field_key_check", "--file=-", dump)
	outp, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("pg_restore (reading the dump): %w", err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(outp)))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	inCopy := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "COPY ") && strings.Contains(line, "field_key_check"):
			inCopy = true
		case inCopy && line == `\.`:
			return "", nil
		case inCopy:
			cols := strings.Split(line, "\t")
			if len(cols) >= 2 && cols[0] == "1" {
				return cols[1], nil
			}
		}
	}
	return "", sc.Err()
}

// libpqParams are the URL parameters libpq itself knows; the others (run-
// time settings pgx accepts in the URL, like search_path) go to libpq's
// options as -c settings, so that pg_dump and pg_restore take the URL.
var libpqParams = map[string]bool{
	"host": true, "hostaddr": true, "port": true, "dbname": true, "user": true, "password": true, "passfile": true,
	"connect_timeout": true, "client_encoding": true, "options": true, "application_name": true,
	"fallback_application_name": true, "keepalives": true, "keepalives_idle": true, "keepalives_interval": true,
	"keepalives_count": true, "tcp_user_timeout": true, "sslmode": true, "sslcompression": true, "sslcert": true,
	"sslkey": true, "sslpassword": true, "sslrootcert": true, "sslcrl": true, "sslcrldir": true, "sslsni": true,
	"requirepeer": true, "ssl_min_protocol_version": true, "ssl_max_protocol_version": true, "gssencmode": true,
	"krbsrvname": true, "gsslib": true, "service": true, "target_session_attrs": true, "load_balance_hosts": true,
	"channel_binding": true, "require_auth": true, "sslnegotiation": true, "sslcertmode": true,
}

func libpqURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("database URL is not valid: %w", err)
	}
	q := u.Query()
	var opts []string
	if o := q.Get("options"); o != "" {
		opts = append(opts, o)
	}
	for k, vs := range q {
		if libpqParams[k] {
			continue
		}
		for _, v := range vs {
			opts = append(opts, "-c "+k+"="+v)
		}
		q.Del(k)
	}
	if len(opts) > 0 {
		sort.Strings(opts)
		q.Set("options", strings.Join(opts, " "))
	}
	// libpq does not read '+' as a space.
	u.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
	return u.String(), nil
}
