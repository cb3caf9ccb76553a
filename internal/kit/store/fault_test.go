package store_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"yingji/internal/kit/errs"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

// TestOpenRefusesADataDirectoryItCannotWrite: SQLite needs to write next to
// its database (write-ahead log, shared memory), so Open checks the data
// directory and the database file first and names them and the cause,
// instead of SQLite's "unable to open database file (14)" or a server that
// starts and then fails every write.
func TestOpenRefusesADataDirectoryItCannotWrite(t *testing.T) {
	ctx := context.Background()
	// A writable directory opens.
	ok := t.TempDir()
	db, err := store.Open(ctx, store.Options{DataDir: ok})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if left, _ := filepath.Glob(filepath.Join(ok, ".yingji-write-check-*")); len(left) > 0 {
		t.Fatalf("the write check left %v", left)
	}
	// A database that cannot be opened for writing is named.
	bad := t.TempDir()
	if err := os.Mkdir(filepath.Join(bad, "yingji.db"), 0o700); err != nil {
		t.Fatal(err)
	}
	_, err = store.Open(ctx, store.Options{DataDir: bad})
	if err == nil || !strings.Contains(err.Error(), "the database "+filepath.Join(bad, "yingji.db")+" cannot be written") {
		t.Fatalf("open with an unwritable database file: %v", err)
	}
	// A read-only directory (as a user without write access; root writes
	// anyway, scripts/fault covers it with another user).
	if os.Getuid() != 0 {
		ro := t.TempDir()
		if err := os.Chmod(ro, 0o500); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.Chmod(ro, 0o700) })
		_, err = store.Open(ctx, store.Options{DataDir: ro})
		if err == nil || !strings.Contains(err.Error(), "the data directory "+ro+" cannot be written: permission denied") {
			t.Fatalf("open in a read-only directory: %v", err)
		}
	}
}

// TestStorageFaultsAreClassified: the errors a full disk, a read-only
// database and a restarting PostgreSQL raise are told apart from other
// errors (storageError turns them into errs.Unavailable, 503).
func TestStorageFaultsAreClassified(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("commit: %w", err) }
	for _, c := range []struct {
		err                   error
		full, ro, unreachable bool
	}{
		{wrap(&pgconn.PgError{Code: "53100"}), true, false, false},
		{wrap(&os.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}), true, false, false},
		{wrap(&pgconn.PgError{Code: "25006"}), false, true, false},
		{wrap(&os.PathError{Op: "open", Path: "x", Err: syscall.EROFS}), false, true, false},
		{wrap(&pgconn.PgError{Code: "57P01"}), false, false, true},
		{wrap(&pgconn.PgError{Code: "57P03"}), false, false, true},
		{wrap(&pgconn.PgError{Code: "08006"}), false, false, true},
		{wrap(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}), false, false, true},
		{wrap(driver.ErrBadConn), false, false, true},
		{wrap(&pgconn.PgError{Code: "23505"}), false, false, false},
		{wrap(errors.New("boom")), false, false, false},
	} {
		if store.IsDiskFull(c.err) != c.full || store.IsReadOnly(c.err) != c.ro || store.IsUnreachable(c.err) != c.unreachable {
			t.Errorf("%v: full %v read-only %v unreachable %v; want %v %v %v", c.err,
				store.IsDiskFull(c.err), store.IsReadOnly(c.err), store.IsUnreachable(c.err), c.full, c.ro, c.unreachable)
		}
	}
}

// TestBusyAfterRetriesIsUnavailable: a transaction that still meets
// serialization failures after its retries wrote nothing and answers 503
// "busy, try again", not 500 (yingji load on PostgreSQL met it on the audit
// head under 10 concurrent writers).
func TestBusyAfterRetriesIsUnavailable(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		tries := 0
		err := db.InTx(context.Background(), func(tx *store.Tx) error {
			tries++
			return fmt.Errorf("audit head: %w", &pgconn.PgError{Code: "40001", Message: "could not serialize access due to concurrent update"})
		})
		if e, ok := errs.As(err); !ok || e.Kind != errs.Unavailable || e.Message != "error.busy" || tries < 2 {
			t.Fatalf("after %d tries: %v; want errs.Unavailable error.busy", tries, err)
		}
	})
}
