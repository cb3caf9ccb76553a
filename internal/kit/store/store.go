// Package store opens the database (embedded SQLite or PostgreSQL), runs the
// embedded migrations and runs writes in transactions that retry on
// SQLITE_BUSY and serialization failures. Only portable SQL is used: $N
// placeholders, no sequences, no engine-specific functions.
package store

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"yingji/internal/kit/errs"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// engineMigrationFS holds the migrations whose SQL differs by engine
// (triggers: SQLite's trigger bodies, PostgreSQL's trigger functions), one
// file per engine: NNNNN_name.sqlite.sql and NNNNN_name.postgres.sql,
// each with goose's Up and Down markers. They run in the same numbered
// sequence as the portable migrations.
//
//go:embed engine_migrations/*.sql
var engineMigrationFS embed.FS

// Engine names the database engine.
type Engine string

const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Querier is what both *sql.DB and *sql.Tx offer.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// DB is an open database: one writer and a reader pool on SQLite, one pool
// on PostgreSQL.
type DB struct {
	Engine Engine
	w      *sql.DB
	r      *sql.DB
	desc   string
	macKey []byte // installation MAC key (see SetMACKey); nil: none
	gens   generations
	// writers is SQLite's queue of write transactions: a slot taken before
	// BEGIN and given back after COMMIT or ROLLBACK. Goroutines blocked on
	// a channel are served in arrival order, so writers wait their turn
	// (FIFO) instead of database/sql handing the one writer connection to
	// a random waiter or SQLite's busy handler retrying — under 200
	// clients that left some hazard reports waiting 10 s and more. The
	// same on PostgreSQL: every audited write updates the audit chain's
	// head, so one process's writers run one after the other there anyway;
	// queued in the process they no longer fail against each other at that
	// row (40001) and run out of retries (503 under 200 clients). Writers
	// of other processes (several instances) still meet at the head and
	// retry.
	writers chan struct{}
}

// SetMACKey gives the database handle the installation's MAC key (kept
// outside the database, derived from the field key), which transactions
// offer through Tx.MAC: the audit chain signs its head with it. Call it
// before the first write.
func (db *DB) SetMACKey(key []byte) { db.macKey = append([]byte(nil), key...) }

// MAC returns the hex HMAC-SHA256 of the parts (NUL-separated) under the
// installation's MAC key, or "" when the handle has no key.
func (db *DB) MAC(parts ...string) string { return macOf(db.macKey, parts) }

func macOf(key []byte, parts []string) string {
	if len(key) == 0 {
		return ""
	}
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return hex.EncodeToString(m.Sum(nil))
}

// Fresh reports whether the database has never been migrated (a new
// installation): no goose version table yet.
func (db *DB) Fresh(ctx context.Context) (bool, error) {
	q := `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'goose_db_version'`
	if db.Engine == Postgres {
		q = `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'goose_db_version'`
	}
	var n int
	if err := db.w.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return false, fmt.Errorf("inspect database: %w", err)
	}
	return n == 0, nil
}

// Options say which database to open.
type Options struct {
	DataDir string // SQLite: DATA/yingji.db
	URL     string // postgres://… ; takes precedence when set
	// SQLitePath overrides DATA/yingji.db (tests use a temp file).
	SQLitePath string
}

// Open opens and pings the database. It does not migrate.
func Open(ctx context.Context, o Options) (*DB, error) {
	if o.URL != "" {
		return openPostgres(ctx, o.URL)
	}
	path := o.SQLitePath
	if path == "" {
		if o.DataDir == "" {
			o.DataDir = "./data"
		}
		if err := os.MkdirAll(o.DataDir, 0o750); err != nil {
			return nil, fmt.Errorf("create data dir %s: %w", o.DataDir, err)
		}
		path = filepath.Join(o.DataDir, "yingji.db")
		if err := checkWritable(o.DataDir, path); err != nil {
			return nil, err
		}
	}
	return openSQLite(ctx, path)
}

func sqliteDSN(path string, immediate bool) string {
	v := url.Values{}
	v.Add("_pragma", "busy_timeout(10000)")
	v.Add("_pragma", "journal_mode(WAL)")
	v.Add("_pragma", "foreign_keys(1)")
	v.Add("_pragma", "synchronous(NORMAL)")
	v.Set("_time_format", "sqlite")
	if immediate {
		v.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + v.Encode()
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	w, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", sqliteDSN(path, false)+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite reader %s: %w", path, err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	return &DB{Engine: SQLite, w: w, r: r, desc: "sqlite " + path, writers: make(chan struct{}, 1)}, nil
}

func openPostgres(ctx context.Context, rawURL string) (*DB, error) {
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		return nil, fmt.Errorf("database URL is not valid: %w", err)
	}
	host := fmt.Sprintf("%s:%d", cfg.Host, cfg.Port)
	// Two pools, as on SQLite: writes (transactions) and reads. The reader
	// plans every query for its own arguments: pgx caches prepared
	// statements per connection, and after five runs PostgreSQL may switch
	// a statement to a generic plan that ignores them — a section's ledger
	// count that takes 15 ms then takes 260 ms, because a generic plan
	// cannot know how few open hazards a date range selects. The writer
	// keeps PostgreSQL's default: re-planning an import's many-row INSERTs
	// on every run made a 10,000-row import 1.5× slower. The URL may set
	// plan_cache_mode itself, for both.
	rcfg := cfg.Copy()
	if _, set := rcfg.RuntimeParams["plan_cache_mode"]; !set {
		rcfg.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
	w, r := stdlib.OpenDB(*cfg), stdlib.OpenDB(*rcfg)
	w.SetMaxOpenConns(10)
	w.SetMaxIdleConns(5)
	r.SetMaxOpenConns(20)
	r.SetMaxIdleConns(10)
	for _, p := range []*sql.DB{w, r} {
		p.SetConnMaxIdleTime(5 * time.Minute)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := w.PingContext(pctx); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("cannot connect to PostgreSQL at %s (database %q): %s: %w", host, cfg.Database, reason(err), err)
	}
	return &DB{Engine: Postgres, w: w, r: r, desc: "postgres " + host + "/" + cfg.Database, writers: make(chan struct{}, 1)}, nil
}

// reason turns a connection error into a short human reason.
func reason(err error) string {
	var ne *net.OpError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused (is the server running?)"
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case errors.As(err, &ne):
		return ne.Err.Error()
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Message
	}
	return "connection failed"
}

// String describes the database for logs (no password).
func (db *DB) String() string { return db.desc }

// Close closes all connections.
func (db *DB) Close() error {
	err := db.w.Close()
	if db.r != db.w {
		if e := db.r.Close(); err == nil {
			err = e
		}
	}
	return err
}

// R returns the reader pool: use it for queries outside a transaction.
func (db *DB) R() *sql.DB { return db.r }

// W returns the writer handle (backups and tests only; writes go via InTx).
func (db *DB) W() *sql.DB { return db.w }

// Ping checks the database answers (health check).
func (db *DB) Ping(ctx context.Context) error { return db.r.PingContext(ctx) }

// Migrate applies all embedded migrations.
func (db *DB) Migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrationFS, "migrations")
	if err != nil {
		return err
	}
	dialect := goose.DialectSQLite3
	if db.Engine == Postgres {
		dialect = goose.DialectPostgres
	}
	// Out-of-order: a migration numbered below one already applied (two
	// branches of work landing in another order) is still applied.
	engine, err := engineMigrations(db.Engine)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	p, err := goose.NewProvider(dialect, db.w, sub, goose.WithAllowOutofOrder(true), goose.WithGoMigrations(engine...))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// serialKey marks a context whose write transactions are long (imports).
type serialKey struct{}

// Serial returns a context whose write transactions (InTx) on PostgreSQL
// wait their turn for the audit chain's head before they start, instead of
// retrying against every short write that commits while they run. Imports
// use it; on SQLite, where one writer runs at a time, it changes nothing.
func Serial(ctx context.Context) context.Context { return context.WithValue(ctx, serialKey{}, true) }

func serial(ctx context.Context) bool { v, _ := ctx.Value(serialKey{}).(bool); return v }

// Tx is a write transaction.
type Tx struct {
	*sql.Tx
	Engine   Engine
	after    []func()
	rollback []func()
	macKey   []byte
	db       *DB
	touched  []string // kinds written (Touch)
}

// MAC is DB.MAC inside a transaction.
func (tx *Tx) MAC(parts ...string) string { return macOf(tx.macKey, parts) }

// OnRollback registers fn to run when this attempt of the transaction does
// not commit (fn returned an error, the commit failed, or the attempt is
// retried): e.g. to delete a file written for a row that was never stored.
func (tx *Tx) OnRollback(fn func()) { tx.rollback = append(tx.rollback, fn) }

// AfterCommit registers fn to run once the transaction has committed
// (e.g. to wake the notification sender). It never runs on rollback.
func (tx *Tx) AfterCommit(fn func()) { tx.after = append(tx.after, fn) }

// InTx runs fn in a write transaction and commits it. It retries the whole
// function on SQLITE_BUSY/LOCKED and on PostgreSQL serialization failures
// and deadlocks, so fn must have no side effects outside the transaction.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	var err error
	backoff := 5 * time.Millisecond
	for attempt := 0; attempt < 10; attempt++ {
		var after []func()
		after, err = db.once(ctx, fn)
		if err == nil {
			for _, f := range after {
				f()
			}
			return nil
		}
		if !IsRetryable(err) {
			return Classify(err)
		}
		// Jittered: writers that collided on the same row must not collide
		// again at the same instant.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff/2 + rand.N(backoff)):
		}
		backoff = min(2*backoff, time.Second)
	}
	// Still busy after the retries (a hot row under heavy concurrent
	// writes): nothing was written; the user may try again (503).
	return &errs.Error{Kind: errs.Unavailable, Message: "error.busy", Err: fmt.Errorf("transaction gave up after retries: %w", err)}
}

func (db *DB) once(ctx context.Context, fn func(tx *Tx) error) (after []func(), err error) {
	opts := &sql.TxOptions{}
	if db.Engine == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	if db.writers != nil {
		select {
		case db.writers <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		defer func() { <-db.writers }()
	}
	stx, err := db.w.BeginTx(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	if db.Engine == Postgres && serial(ctx) {
		// A long write (an import) queues for the audit chain's head
		// before its snapshot is taken — LOCK TABLE takes none, the next
		// statement does — so short writes committed meanwhile cannot make
		// it fail again and again at the head (40001) and starve it.
		if _, err := stx.ExecContext(ctx, `LOCK TABLE audit_head IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			_ = stx.Rollback()
			return nil, fmt.Errorf("queue for the audit head: %w", err)
		}
	}
	tx := &Tx{Tx: stx, Engine: db.Engine, macKey: db.macKey, db: db}
	committed := false
	defer func() {
		if committed {
			return
		}
		for _, f := range tx.rollback {
			f()
		}
	}()
	defer func() {
		if p := recover(); p != nil {
			_ = stx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = stx.Rollback()
		return nil, err
	}
	if err := stx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	committed = true
	return tx.after, nil
}

// IsRetryable reports busy/locked (SQLite) and serialization or deadlock
// failures (PostgreSQL).
func IsRetryable(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code() & 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	return false
}

// IsUniqueViolation reports a unique or primary-key constraint failure.
func IsUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	return false
}

// Like escapes a user string for a LIKE pattern used with ESCAPE '\'.
func Like(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// UTC normalises a time for writing: all timestamps are stored in UTC.
func UTC(t time.Time) time.Time { return t.UTC() }

// NullTime turns a zero time into NULL.
func NullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}
