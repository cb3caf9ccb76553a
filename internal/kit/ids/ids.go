// Package ids makes ULID text keys in Go, so no table needs a sequence.
package ids

import (
	"crypto/rand"
	"time"

	"github.com/oklog/ulid/v2"
)

// monotonic makes the keys one process creates within the same millisecond
// strictly increasing, so "ORDER BY at, id" lists records in the order they
// were written even when a test clock (or a fast machine) gives them the same
// timestamp. It is the one process-wide value in the code base: like
// crypto/rand itself, an entropy source has no per-request state to pass
// around, and the locked reader is safe for concurrent use.
var monotonic = &ulid.LockedMonotonicReader{MonotonicReader: ulid.Monotonic(rand.Reader, 0)}

// New returns a new ULID string (26 characters, sortable by time; strictly
// increasing within one process).
func New() string {
	return ulid.MustNew(ulid.Timestamp(time.Now()), monotonic).String()
}

// NewAt returns a ULID for the given time (used by imports of old records).
// Keys for past times are random within their millisecond.
func NewAt(t time.Time) string {
	return ulid.MustNew(ulid.Timestamp(t), rand.Reader).String()
}
