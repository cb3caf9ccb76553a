package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// Login throttling (登录限流) — design note.
//
// A failed login must not let anyone lock a real user out, so there is no
// account lock. Attempts are counted in buckets:
//
//   - one per (account name, client address): a budget of Budget admitted
//     attempts, after which the bucket is closed for Base, then for twice
//     as long after each further failed attempt, up to Max (back-off). The
//     right password from another address has its own bucket and logs in.
//   - one per client address across all names (the address ceiling),
//     with a larger budget, so one address cannot spray many accounts; it
//     never affects other addresses.
//
// An attempt is reserved (counted) before the password is checked, in one
// transaction that holds the buckets' rows, so parallel requests cannot all
// be checked: of N parallel wrong passwords at most Budget are evaluated.
// A success clears the (account, address) bucket and gives the address its
// reservation back. Unknown names take exactly the same path (the bucket is
// keyed by the typed name, the password is checked against a dummy hash),
// so the answers do not tell whether a name exists.

// throttlePolicy is the rule of one kind of bucket.
type throttlePolicy struct {
	Budget int           // attempts admitted before back-off starts
	Base   time.Duration // first closed period
	Max    time.Duration // longest closed period
	Forget time.Duration // a bucket idle this long starts afresh
}

// bucket is the state of one throttle bucket.
type bucket struct {
	Tries        int       // admitted attempts since the last success (or since forgotten)
	LastAt       time.Time // last admitted attempt; zero when none
	BlockedUntil time.Time // closed until then; zero when open
}

// backoff is the closed period after the n-th attempt past the budget
// (n = 0 for the attempt that used up the budget).
func (p throttlePolicy) backoff(n int) time.Duration {
	d := p.Base
	for i := 0; i < n && d < p.Max; i++ {
		d *= 2
	}
	return min(d, p.Max)
}

// admit decides one attempt at now. It returns the bucket after the
// attempt, whether the attempt may be evaluated, and when refused how long
// until the bucket opens.
func (p throttlePolicy) admit(b bucket, now time.Time) (bucket, bool, time.Duration) {
	if !b.BlockedUntil.IsZero() && now.Before(b.BlockedUntil) {
		return b, false, b.BlockedUntil.Sub(now)
	}
	if !b.LastAt.IsZero() && now.Sub(b.LastAt) >= p.Forget {
		b = bucket{}
	}
	b.Tries++
	b.LastAt = now
	b.BlockedUntil = time.Time{}
	if b.Tries >= p.Budget {
		b.BlockedUntil = now.Add(p.backoff(b.Tries - p.Budget))
	}
	return b, true, 0
}

// refund gives back one admitted attempt (a successful login on the
// address ceiling): the address is charged for failures only.
func (p throttlePolicy) refund(b bucket) bucket {
	if b.Tries > 0 {
		b.Tries--
	}
	if b.Tries < p.Budget {
		b.BlockedUntil = time.Time{}
	}
	return b
}

// throttleAccount is the bucket key of a typed user name: a hash of the
// trimmed, lower-cased name (a password typed into the name field is not
// kept in clear).
func throttleAccount(username string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(username))))
	return hex.EncodeToString(sum[:])
}
