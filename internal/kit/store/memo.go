package store

import (
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
	mu sync.Mutex
	m  map[string]uint64
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
}

func (g *generations) sum(kinds []string) uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
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
// kinds (see Tx.Touch).
func (db *DB) Generation(kinds ...string) uint64 { return db.gens.sum(kinds) }

// Memo keeps values computed from records of some kinds (home-page counts,
// surveys) until a write touches one of those kinds, or MaxAge passes.
// Keys name everything else the value depends on (the user, the day).
type Memo[V any] struct {
	db     *DB
	kinds  []string
	maxAge time.Duration
	mu     sync.Mutex
	m      map[string]memoEntry[V]
}

type memoEntry[V any] struct {
	gen uint64
	at  time.Time
	v   V
}

// memoMaxKeys bounds a memo's size: past it the memo starts afresh.
const memoMaxKeys = 10000

// NewMemo returns a memo of values computed from records of kinds, kept
// at most maxAge (the bound on staleness from writes it cannot see).
func NewMemo[V any](db *DB, maxAge time.Duration, kinds ...string) *Memo[V] {
	return &Memo[V]{db: db, kinds: kinds, maxAge: maxAge, m: map[string]memoEntry[V]{}}
}

// Get returns the value kept under key, or computes, keeps and returns it
// when there is none, a write has touched one of the memo's kinds since,
// or it is older than the memo's age limit. Errors are not kept.
func (m *Memo[V]) Get(key string, compute func() (V, error)) (V, error) {
	gen := m.db.Generation(m.kinds...) // read before computing: a write meanwhile makes the next Get recompute
	now := time.Now()
	m.mu.Lock()
	e, ok := m.m[key]
	m.mu.Unlock()
	if ok && e.gen == gen && now.Sub(e.at) < m.maxAge {
		return e.v, nil
	}
	v, err := compute()
	if err != nil {
		return v, err
	}
	m.mu.Lock()
	if len(m.m) >= memoMaxKeys {
		m.m = map[string]memoEntry[V]{}
	}
	m.m[key] = memoEntry[V]{gen: gen, at: now, v: v}
	m.mu.Unlock()
	return v, nil
}
