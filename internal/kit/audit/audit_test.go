package audit_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"yingji/internal/kit/audit"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

func write(t *testing.T, db *store.DB, n int) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < n; i++ {
		err := db.InTx(ctx, func(tx *store.Tx) error {
			return audit.Record(ctx, tx, time.Now(), audit.Actor{UserID: "u1", Username: "admin", CountyCode: "340000"},
				audit.Entry{Entity: "user", EntityID: "x", Action: "update", Before: map[string]any{"n": i}, After: map[string]any{"n": i + 1}})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestVerifyDetectsChangedDeletedAndTruncatedRows(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		write(t, db, 5)
		res, err := audit.Verify(ctx, db.R())
		if err != nil || !res.OK() || res.Checked != 5 {
			t.Fatalf("fresh chain: %+v %v", res, err)
		}
		exec := func(q string) {
			if err := db.InTx(ctx, func(tx *store.Tx) error { _, err := tx.ExecContext(ctx, q); return err }); err != nil {
				t.Fatal(err)
			}
		}
		exec(`UPDATE audit_log SET summary = '{"before":null,"after":{"n":99}}' WHERE seq = 2`)
		res, _ = audit.Verify(ctx, db.R())
		if res.OK() || res.Problems[0].Seq != 2 || !strings.Contains(res.Problems[0].Reason, "changed") {
			t.Fatalf("changed row not detected: %+v", res)
		}
		exec(`DELETE FROM audit_log WHERE seq = 2`)
		res, _ = audit.Verify(ctx, db.R())
		if res.OK() || res.Problems[0].Seq != 3 || !strings.Contains(res.Problems[0].Reason, "missing") {
			t.Fatalf("deleted row not detected: %+v", res)
		}
	})
}

func TestVerifyDetectsRemovedTail(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		write(t, db, 3)
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `DELETE FROM audit_log WHERE seq = 3`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		res, _ := audit.Verify(ctx, db.R())
		if res.OK() {
			t.Fatal("removed last row not detected")
		}
	})
}

func TestConcurrentWritersKeepOneChain(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() { defer wg.Done(); write(t, db, 10) }()
		}
		wg.Wait()
		res, err := audit.Verify(context.Background(), db.R())
		if err != nil || !res.OK() || res.Checked != 40 {
			t.Fatalf("%+v %v", res, err)
		}
		rows, total, err := audit.List(context.Background(), db.R(), audit.Filter{User: "adm", Limit: 5})
		if err != nil || total != 40 || len(rows) != 5 || rows[0].Seq != 40 {
			t.Fatalf("list: total=%d len=%d err=%v", total, len(rows), err)
		}
	})
}

func TestRecordManyKeepsTheChain(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		write(t, db, 2)
		err := db.InTx(ctx, func(tx *store.Tx) error {
			var es []audit.Entry
			for i := 0; i < 5; i++ {
				es = append(es, audit.Entry{Entity: "enterprise", EntityID: "e", Action: "create", After: i})
			}
			return audit.RecordMany(ctx, tx, time.Now(), audit.Actor{UserID: "u", Username: "u", CountyCode: "c"}, es)
		})
		if err != nil {
			t.Fatal(err)
		}
		write(t, db, 1)
		res, err := audit.Verify(ctx, db.R())
		if err != nil || !res.OK() || res.Checked != 8 {
			t.Fatalf("%+v %v", res, err)
		}
	})
}

// Deleting the tail and rewriting the head to match the new last row passes
// the unkeyed check; the head's signature (key outside the database) does
// not.
func TestVerifyKeyedDetectsRemovedTailWithRewrittenHead(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		db.SetMACKey([]byte("0123456789abcdef0123456789abcdef"))
		write(t, db, 5)
		if res, err := audit.VerifyKeyed(ctx, db.R(), db.MAC); err != nil || !res.OK() {
			t.Fatalf("fresh signed chain: %+v %v", res, err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, `DELETE FROM audit_log WHERE seq > 3`); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `UPDATE audit_head SET seq = 3, hash = (SELECT hash FROM audit_log WHERE seq = 3) WHERE id = 1`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if res, _ := audit.Verify(ctx, db.R()); !res.OK() {
			t.Fatalf("the unkeyed check is expected to miss this: %+v", res)
		}
		res, err := audit.VerifyKeyed(ctx, db.R(), db.MAC)
		if err != nil || res.OK() || !strings.Contains(res.Problems[0].Reason, "not signed") {
			t.Fatalf("truncated tail with rewritten head not detected: %+v %v", res, err)
		}
		// Blanking the signature does not help either, nor does StartSigning
		// re-sign a head that was signed before.
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE audit_head SET mac = '' WHERE id = 1`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := audit.StartSigning(ctx, db, time.Now(), audit.System("340000")); err != nil {
			t.Fatal(err)
		}
		if res, _ := audit.VerifyKeyed(ctx, db.R(), db.MAC); res.OK() {
			t.Fatal("blanked head signature not detected")
		}
	})
}

// A chain written before signing existed is signed from the next start on
// and verifies.
func TestStartSigningAnchorsALegacyChain(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		write(t, db, 3) // no key yet: the head has no signature
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE audit_head SET mac = 'legacy' WHERE id = 1`) // as migration 00030 does
			return err
		}); err != nil {
			t.Fatal(err)
		}
		db.SetMACKey([]byte("0123456789abcdef0123456789abcdef"))
		if res, _ := audit.VerifyKeyed(ctx, db.R(), db.MAC); res.OK() {
			t.Fatal("an unsigned head must not pass the keyed check")
		}
		if err := audit.StartSigning(ctx, db, time.Now(), audit.System("340000")); err != nil {
			t.Fatal(err)
		}
		write(t, db, 2)
		res, err := audit.VerifyKeyed(ctx, db.R(), db.MAC)
		if err != nil || !res.OK() || res.Checked != 6 {
			t.Fatalf("legacy chain after signing started: %+v %v", res, err)
		}
	})
}

// TestSummariesMaskIDNumbers: whatever a module passes in, the stored
// summary holds no ID number in clear (the log is read by leaders), and a
// row written before that rule is masked as it is read.
func TestSummariesMaskIDNumbers(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now()
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if err := audit.Record(ctx, tx, now, audit.System("349901"), audit.Entry{Entity: "certificate", EntityID: "c1", Action: "create",
				After: map[string]any{"number": "T349901197511060130", "note": "身份证 11010519491231002X"}}); err != nil {
				return err
			}
			return audit.RecordMany(ctx, tx, now, audit.System("349901"), []audit.Entry{{Entity: "certificate", EntityID: "c2", Action: "import",
				After: map[string]any{"number": "T349901197511060130"}}})
		})
		if err != nil {
			t.Fatal(err)
		}
		var stored []string
		rows, err := db.R().QueryContext(ctx, `SELECT summary FROM audit_log ORDER BY seq`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			stored = append(stored, s)
		}
		rows.Close()
		if len(stored) != 2 || !strings.Contains(stored[0], "T3499**********0130") || !strings.Contains(stored[0], "1101**********002X") ||
			!strings.Contains(stored[1], "T3499**********0130") {
			t.Fatalf("stored summaries: %q", stored)
		}
		if res, err := audit.Verify(ctx, db.R()); err != nil || !res.OK() {
			t.Fatalf("verify: %+v %v", res, err)
		}
		// A row from before: masked when read.
		if _, err := db.W().ExecContext(ctx, `UPDATE audit_log SET summary = $1 WHERE entity_id = 'c2'`, `{"after":{"number":"T349901197511060130"}}`); err != nil {
			t.Fatal(err)
		}
		list, _, err := audit.List(ctx, db.R(), audit.Filter{EntityID: "c2"})
		if err != nil || len(list) != 1 || list[0].Summary != `{"after":{"number":"T3499**********0130"}}` {
			t.Fatalf("read back: %+v %v", list, err)
		}
	})
}
