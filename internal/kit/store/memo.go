package store

import (
	"errors"
	"sync"
	"time"
)

// generations count the committed write transactions that touched each
// kind of record (the audit entity: "enterprise", "certificate" …). Every
// audited write touches its kind (audit.Record calls Tx.Touch), so a
// figure computed from some kinds stays true until one of their counts
// moves. The counts live in this process: another process writing the
// same PostgreSQL database is not seen, which Memo's age limit bounds.
type generations struct {
	mu  sync.Mutex
	m   map[string]uint64
	all uint64 // committed transactions that touched any kind
}

func (g *generations) bump(kinds []string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.m == nil {
		g.m = map[string]uint64{}
	}
	for _, k := range kinds {
		g.m[k]++
	}
	g.all++
}

func (g *generations) sum(kinds []string) uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(kinds) == 0 {
		return g.all
	}
	var n uint64
	for _, k := range kinds {
		n += g.m[k]
	}
	return n
}

// Touch records that this transaction writes records of kind; once it
// commits, Generation(kind) moves and Memos over kind recompute.
func (tx *Tx) Touch(kind string) {
	if tx.db == nil {
		return
	}
	for _, k := range tx.touched {
		if k == kind {
			return
		}
	}
	if len(tx.touched) == 0 {
		tx.AfterCommit(func() { tx.db.gens.bump(tx.touched) })
	}
	tx.touched = append(tx.touched, kind)
}

// Generation is the number of committed transactions that touched any of
// kinds (see Tx.Touch); with no kinds, that touched anything.
func (db *DB) Generation(kinds ...string) uint64 { return db.gens.sum(kinds) }

// Memo keeps values computed from records of some kinds (home-page counts,
// surveys) until a write touches one of those kinds, or MaxAge passes.
// Keys name everything else the value depends on (the user, the day).
// A memo of no kinds follows every write.
//
// Concurrent Gets of one key compute it once: the others wait for that
// computation (singleflight) or, when the memo has a staleness bound
// (SetStale) and the kept value is younger than it, take the kept value
// while the one refresh runs. A Get with no refresh running always
// computes a value that a write has made stale, so a user who reloads
// after a write sees it.
type Memo[V any] struct {
	db     *DB
	kinds  []string
	maxAge time.Duration
	stale  time.Duration
	mu     sync.Mutex
	m      map[string]memoEntry[V]
	calls  map[string]*memoCall[V]
}

type memoEntry[V any] struct {
	gen uint64
	at  time.Time
	v   V
}

// memoCall is one computation under way, which other Gets of its key join.
type memoCall[V any] struct {
	done chan struct{}
	v    V
	err  error
}

// memoMaxKeys bounds a memo's size: past it the memo starts afresh.
const memoMaxKeys = 10000

// NewMemo returns a memo of values computed from records of kinds, kept
// at most maxAge (the bound on staleness from writes it cannot see).
func NewMemo[V any](db *DB, maxAge time.Duration, kinds ...string) *Memo[V] {
	return &Memo[V]{db: db, kinds: kinds, maxAge: maxAge, m: map[string]memoEntry[V]{}, calls: map[string]*memoCall[V]{}}
}

// SetStale lets Gets that arrive while another Get of the same key is
// recomputing it take the kept value instead of waiting, when that value
// was computed less than d ago (and is otherwise still kept). 0, the
// default, makes them wait.
func (m *Memo[V]) SetStale(d time.Duration) { m.stale = d }

// Get returns the value kept under key, or computes, keeps and returns it
// when there is none, a write has touched one of the memo's kinds since,
// or it is older than the memo's age limit. Errors are not kept.
func (m *Memo[V]) Get(key string, compute func() (V, error)) (V, error) {
	gen := m.db.Generation(m.kinds...) // read before computing: a write meanwhile makes the next Get recompute
	now := time.Now()
	m.mu.Lock()
	e, ok := m.m[key]
	if ok && e.gen == gen && now.Sub(e.at) < m.maxAge {
		m.mu.Unlock()
		return e.v, nil
	}
	if c := m.calls[key]; c != nil {
		if ok && m.stale > 0 && now.Sub(e.at) < m.stale {
			m.mu.Unlock()
			return e.v, nil
		}
		m.mu.Unlock()
		<-c.done
		return c.v, c.err
	}
	c := &memoCall[V]{done: make(chan struct{})}
	m.calls[key] = c
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		delete(m.calls, key)
		if c.err == nil {
			if len(m.m) >= memoMaxKeys {
				m.m = map[string]memoEntry[V]{}
			}
			m.m[key] = memoEntry[V]{gen: gen, at: now, v: c.v}
		}
		m.mu.Unlock()
		close(c.done)
	}()
	c.err = errMemoPanicked // until compute returns
	c.v, c.err = compute()
	return c.v, c.err
}

// errMemoPanicked is what Gets joined to a computation that panicked get.
var errMemoPanicked = errors.New("memo: the computation panicked")
