// Package audit keeps the append-only, hash-chained audit log. Every write
// in Yingji records who, when, entity, id, action and a before/after summary
// in the same transaction as the change. Each row's hash covers the previous
// row's hash, so a changed or deleted row breaks the chain and Verify finds
// it.
package audit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"yingji/internal/kit/ids"
	"yingji/internal/kit/person"
	"yingji/internal/kit/store"
)

// Actor is who made a change.
type Actor struct {
	UserID     string
	Username   string
	CountyCode string
	IP         string
}

// System is the actor for changes made by the program itself (migrations,
// demo loading, sweeps).
func System(county string) Actor {
	return Actor{UserID: "system", Username: "system", CountyCode: county}
}

// Entry is one change.
type Entry struct {
	Entity   string // e.g. "user", "enterprise"
	EntityID string
	Action   string // create | update | delete | login | …
	Before   any    // nil for create
	After    any    // nil for delete
}

// Row is a stored audit row.
type Row struct {
	Seq        int64     `json:"seq"`
	ID         string    `json:"id"`
	CountyCode string    `json:"county_code"`
	At         time.Time `json:"at"`
	UserID     string    `json:"user_id"`
	Username   string    `json:"username"`
	Entity     string    `json:"entity"`
	EntityID   string    `json:"entity_id"`
	Action     string    `json:"action"`
	Summary    string    `json:"summary"`
	IP         string    `json:"ip"`
	PrevHash   string    `json:"prev_hash"`
	Hash       string    `json:"hash"`
}

// Record appends an entry in tx. The head row update serialises concurrent
// audit writers on both engines.
func Record(ctx context.Context, tx *store.Tx, now time.Time, a Actor, e Entry) error {
	summary, err := storedSummary(e)
	if err != nil {
		return fmt.Errorf("audit summary: %w", err)
	}
	tx.Touch(e.Entity)
	var seq int64
	var prev string
	// Touch the head first so the row is locked for the rest of the tx.
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET seq = seq + 1 WHERE id = 1`); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &prev); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	r := Row{
		Seq: seq, ID: ids.New(), CountyCode: a.CountyCode, At: now.UTC().Truncate(time.Microsecond),
		UserID: a.UserID, Username: a.Username, Entity: e.Entity, EntityID: e.EntityID,
		Action: e.Action, Summary: string(summary), IP: a.IP, PrevHash: prev,
	}
	r.Hash = hashOf(r)
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log
		(seq, id, county_code, at, user_id, username, entity, entity_id, action, summary, ip, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		r.Seq, r.ID, r.CountyCode, r.At, r.UserID, r.Username, r.Entity, r.EntityID, r.Action, r.Summary, r.IP, r.PrevHash, r.Hash); err != nil {
		return fmt.Errorf("audit insert: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET hash = $1, mac = $2 WHERE id = 1`, r.Hash, headMAC(tx.MAC, r.Seq, r.Hash)); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	return nil
}

// MACFunc is the installation's keyed MAC (store.DB.MAC): hex HMAC of the
// parts, "" when there is no key.
type MACFunc func(parts ...string) string

// headMAC signs the chain's head: without the key (kept outside the
// database) nobody can move the head back after deleting the tail.
func headMAC(mac MACFunc, seq int64, hash string) string {
	return mac("yingji audit head", strconv.FormatInt(seq, 10), hash)
}

// storedSummary is the stored summary of an entry: its before and after as
// JSON, with every ID number (居民身份证号) masked wherever it appears
// (person.MaskIDsIn), so that the log, which leaders read, never holds
// one in clear whatever a module passes in.
func storedSummary(e Entry) ([]byte, error) {
	b, err := json.Marshal(map[string]any{"before": e.Before, "after": e.After})
	if err != nil {
		return nil, err
	}
	return []byte(person.MaskIDsIn(string(b))), nil
}

func hashOf(r Row) string {
	h := sha256.New()
	for _, s := range []string{
		r.PrevHash, strconv.FormatInt(r.Seq, 10), r.ID, r.CountyCode,
		r.At.UTC().Format(time.RFC3339Nano), r.UserID, r.Username,
		r.Entity, r.EntityID, r.Action, r.Summary, r.IP,
	} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Problem is one break in the chain.
type Problem struct {
	Seq    int64
	Reason string
}

// Result of Verify.
type Result struct {
	Checked  int64
	Problems []Problem
}

// OK reports an intact chain.
func (r Result) OK() bool { return len(r.Problems) == 0 }

// Verify walks the whole log in order and checks every link: a row whose
// content was changed, a missing row (gap in seq, or a broken link), and a
// removed tail (head does not match the last row). It cannot tell a
// removed tail whose head was rewritten to match: VerifyKeyed can.
func Verify(ctx context.Context, q store.Querier) (Result, error) {
	return VerifyKeyed(ctx, q, nil)
}

// VerifyKeyed is Verify that also checks the head's signature with the
// installation's MAC key, so that deleting the tail and rewriting the head
// (and any rewrite of rows with the hashes recomputed) is detected. mac nil
// (or without a key) skips the signature.
func VerifyKeyed(ctx context.Context, q store.Querier, mac MACFunc) (Result, error) {
	var res Result
	rows, err := q.QueryContext(ctx, `SELECT seq, id, county_code, at, user_id, username, entity, entity_id, action, summary, ip, prev_hash, hash
		FROM audit_log ORDER BY seq`)
	if err != nil {
		return res, fmt.Errorf("audit verify: %w", err)
	}
	defer rows.Close()
	var prevHash string
	var prevSeq int64
	for rows.Next() {
		var r Row
		if err := rows.Scan(&r.Seq, &r.ID, &r.CountyCode, &r.At, &r.UserID, &r.Username, &r.Entity, &r.EntityID, &r.Action, &r.Summary, &r.IP, &r.PrevHash, &r.Hash); err != nil {
			return res, fmt.Errorf("audit verify: %w", err)
		}
		res.Checked++
		if r.Seq != prevSeq+1 {
			res.Problems = append(res.Problems, Problem{r.Seq, fmt.Sprintf("rows %d…%d are missing", prevSeq+1, r.Seq-1)})
		} else if r.PrevHash != prevHash {
			res.Problems = append(res.Problems, Problem{r.Seq, "link to the previous row is broken"})
		}
		if hashOf(r) != r.Hash {
			res.Problems = append(res.Problems, Problem{r.Seq, "row content was changed after it was written"})
		}
		prevHash, prevSeq = r.Hash, r.Seq
	}
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("audit verify: %w", err)
	}
	var headSeq int64
	var headHash, headSig string
	if err := q.QueryRowContext(ctx, `SELECT seq, hash, mac FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash, &headSig); err != nil {
		return res, fmt.Errorf("audit verify head: %w", err)
	}
	if headSeq != prevSeq || headHash != prevHash {
		res.Problems = append(res.Problems, Problem{prevSeq + 1, fmt.Sprintf("log ends at row %d but %d rows were written", prevSeq, headSeq)})
	}
	if mac != nil && headSeq > 0 {
		if want := headMAC(mac, headSeq, headHash); want != "" && !hmac.Equal([]byte(want), []byte(headSig)) {
			res.Problems = append(res.Problems, Problem{headSeq, "the chain's head is not signed with this installation's key: rows were removed from the end, or the head or rows were rewritten"})
		}
	}
	return res, nil
}

// Filter selects audit rows for browsing.
type Filter struct {
	CountyCode string
	Entity     string
	EntityID   string
	User       string // username fragment
	Action     string
	From, To   time.Time // [From, To)
	Limit      int
	Offset     int
}

// List returns matching rows, newest first, and the total count.
func List(ctx context.Context, q store.Querier, f Filter) ([]Row, int, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.CountyCode != "" {
		add("county_code = ?", f.CountyCode)
	}
	if f.Entity != "" {
		add("entity = ?", f.Entity)
	}
	if f.EntityID != "" {
		add("entity_id = ?", f.EntityID)
	}
	if f.User != "" {
		add(`username LIKE ? ESCAPE '\'`, store.Like(f.User))
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if !f.From.IsZero() {
		add("at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		add("at < ?", f.To.UTC())
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM audit_log"+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("audit count: %w", err)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	args = append(args, f.Limit, f.Offset)
	rows, err := q.QueryContext(ctx, fmt.Sprintf(`SELECT seq, id, county_code, at, user_id, username, entity, entity_id, action, summary, ip, prev_hash, hash
		FROM audit_log%s ORDER BY seq DESC LIMIT $%d OFFSET $%d`, cond, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("audit list: %w", err)
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		var r Row
		if err := rows.Scan(&r.Seq, &r.ID, &r.CountyCode, &r.At, &r.UserID, &r.Username, &r.Entity, &r.EntityID, &r.Action, &r.Summary, &r.IP, &r.PrevHash, &r.Hash); err != nil {
			return nil, 0, fmt.Errorf("audit list: %w", err)
		}
		// Rows written before summaries were masked are masked as read.
		r.Summary = person.MaskIDsIn(r.Summary)
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// ForEntity returns an entity's change history, oldest first.
func ForEntity(ctx context.Context, q store.Querier, entity, id string) ([]Row, error) {
	rows, _, err := List(ctx, q, Filter{Entity: entity, EntityID: id, Limit: 500})
	for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
		rows[i], rows[j] = rows[j], rows[i]
	}
	return rows, err
}

// RecordMany appends several entries by one actor in tx, reading and
// moving the chain head once (bulk imports).
func RecordMany(ctx context.Context, tx *store.Tx, now time.Time, a Actor, entries []Entry) error {
	if len(entries) == 0 {
		return nil
	}
	for _, e := range entries {
		tx.Touch(e.Entity)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET seq = seq + $1 WHERE id = 1`, len(entries)); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	var last int64
	var prev string
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&last, &prev); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	seq := last - int64(len(entries))
	at := now.UTC().Truncate(time.Microsecond)
	var failed error
	err := store.InsertRows(ctx, tx, "audit_log", "seq, id, county_code, at, user_id, username, entity, entity_id, action, summary, ip, prev_hash, hash",
		len(entries), func(i int) []any {
			e := entries[i]
			summary, err := storedSummary(e)
			if err != nil && failed == nil {
				failed = err
			}
			seq++
			r := Row{Seq: seq, ID: ids.New(), CountyCode: a.CountyCode, At: at, UserID: a.UserID, Username: a.Username,
				Entity: e.Entity, EntityID: e.EntityID, Action: e.Action, Summary: string(summary), IP: a.IP, PrevHash: prev}
			r.Hash = hashOf(r)
			prev = r.Hash
			return []any{r.Seq, r.ID, r.CountyCode, r.At, r.UserID, r.Username, r.Entity, r.EntityID, r.Action, r.Summary, r.IP, r.PrevHash, r.Hash}
		}, nil)
	if failed != nil {
		return fmt.Errorf("audit summary: %w", failed)
	}
	if err != nil {
		return fmt.Errorf("audit insert: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET hash = $1, mac = $2 WHERE id = 1`, prev, headMAC(tx.MAC, last, prev)); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	return nil
}

// legacyHead marks a head written before signing existed (migration
// 00030).
const legacyHead = "legacy"

// StartSigning signs a chain written before signing existed: when the
// head is marked legacy (by the upgrade) and the installation has a MAC
// key, it records one entry "audit sign_start", which signs the head. It
// never re-signs a head that lost its signature: VerifyKeyed reports that.
func StartSigning(ctx context.Context, db *store.DB, now time.Time, a Actor) error {
	if db.MAC("probe") == "" {
		return nil
	}
	var sig string
	var seq int64
	if err := db.R().QueryRowContext(ctx, `SELECT seq, mac FROM audit_head WHERE id = 1`).Scan(&seq, &sig); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	if sig != legacyHead {
		return nil
	}
	return db.InTx(ctx, func(tx *store.Tx) error {
		return Record(ctx, tx, now, a, Entry{Entity: "audit", EntityID: "chain", Action: "sign_start", After: map[string]any{"from_seq": seq + 1}})
	})
}
