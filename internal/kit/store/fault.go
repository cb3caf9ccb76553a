package store

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"yingji/internal/kit/errs"
)

// Storage faults: the disk holding the database is full, or the database
// (its file, directory or server) takes no writes. They are not bugs of the
// request: the user is told that nothing was saved and whom to ask (503),
// and the server stays up for reads.

// IsDiskFull reports a full disk: SQLITE_FULL, PostgreSQL disk_full
// (53100) or ENOSPC from the file system.
func IsDiskFull(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_FULL {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "53100" {
		return true
	}
	return errors.Is(err, syscall.ENOSPC)
}

// IsReadOnly reports a database that takes no writes: SQLITE_READONLY (a
// read-only file or directory), PostgreSQL read_only_sql_transaction
// (25006, a standby) or EROFS from the file system.
func IsReadOnly(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_READONLY {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "25006" {
		return true
	}
	return errors.Is(err, syscall.EROFS)
}

// IsUnreachable reports a database server that went away or does not take
// connections (yet): PostgreSQL connection exceptions (class 08), a server
// shutting down or starting up (57P01–57P03), a refused or reset
// connection, or a connection database/sql gave up on. A restart of the
// server shows these for a few seconds; the pool reconnects afterwards.
func IsUnreachable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	var ce *pgconn.ConnectError
	return errors.As(err, &ce) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, driver.ErrBadConn)
}

// Classify classifies a failed read or write: a full disk, a read-only or
// an unreachable database becomes errs.Unavailable with a message for the
// user; any other error is returned as it is. InTx classifies its errors;
// web.UI.Error classifies what reaches it (reads).
func Classify(err error) error {
	if err == nil || errs.KindOf(err) != errs.Internal {
		return err
	}
	switch {
	case IsDiskFull(err):
		return &errs.Error{Kind: errs.Unavailable, Message: "error.disk_full", Err: err}
	case IsReadOnly(err):
		return &errs.Error{Kind: errs.Unavailable, Message: "error.read_only", Err: err}
	case IsUnreachable(err):
		return &errs.Error{Kind: errs.Unavailable, Message: "error.db_unreachable", Err: err}
	}
	return err
}

// checkWritable makes sure that SQLite can work in dir: it keeps its
// write-ahead log and shared-memory file next to the database, so the
// directory must take a new file with some data in it, and the database
// file (when there is one) must open for writing. The error names the
// directory or file and the cause.
func checkWritable(dir, path string) error {
	f, err := os.CreateTemp(dir, ".yingji-write-check-*")
	if err == nil {
		_, err = f.Write(make([]byte, 64<<10))
		if err == nil {
			err = f.Sync()
		}
		_ = f.Close()
		_ = os.Remove(f.Name())
	}
	if err != nil {
		return fmt.Errorf("the data directory %s cannot be written: %s / 数据目录不可写: %w", dir, writeCause(err), err)
	}
	db, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("the database %s cannot be written: %s / 数据库文件不可写: %w", path, writeCause(err), err)
	}
	return db.Close()
}

// writeCause says in plain words why a write failed and what to do.
func writeCause(err error) string {
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return "the disk is full (free space on it, then start again)"
	case errors.Is(err, syscall.EROFS):
		return "the file system is mounted read-only"
	case errors.Is(err, fs.ErrPermission):
		return fmt.Sprintf("permission denied for the user running Yingji (uid %d): give it write access, or choose another directory with --data", os.Getuid())
	}
	return "the operating system refused the write"
}
