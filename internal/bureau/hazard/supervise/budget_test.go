package supervise_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"yingji/internal/bureau/hazard"
	"yingji/internal/bureau/hazard/supervise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

// cardState is every hazard's card and every card event, as text.
func cardState(t *testing.T, db *store.DB) string {
	t.Helper()
	var sb strings.Builder
	for _, q := range []string{
		`SELECT id, card, card_since FROM hazard ORDER BY id`,
		`SELECT event_key, hazard_id, card, reason, issued_on, cleared_on FROM hazard_card_event ORDER BY event_key`,
	} {
		rows, err := db.R().QueryContext(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			v := make([]string, len(cols))
			p := make([]any, len(cols))
			for i := range v {
				p[i] = &v[i]
			}
			if err := rows.Scan(p...); err != nil {
				t.Fatal(err)
			}
			sb.WriteString(strings.Join(v, "|") + "\n")
		}
		rows.Close()
	}
	return sb.String()
}

// auditedChanges sums the card changes the sweep's audit entries record.
func auditedChanges(t *testing.T, db *store.DB) int {
	t.Helper()
	rows, err := db.R().QueryContext(context.Background(), `SELECT summary FROM audit_log WHERE entity = 'hazard_card' AND action = 'sweep'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		var v struct {
			After struct {
				Changes [][]string `json:"changes"`
			} `json:"after"`
		}
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatalf("audit summary %s: %v", s, err)
		}
		n += len(v.After.Changes)
	}
	return n
}

func bareSweeper(t *testing.T, db *store.DB, c *clock, cfg supervise.Config) *supervise.Service {
	t.Helper()
	o := org.New(db, c.now)
	n, err := notify.New(db, notify.Config{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	cfg.DB, cfg.Org, cfg.Notify, cfg.People, cfg.Now, cfg.CountyName = db, o, n, auth.New(db, o, c.now, auth.Options{}), c.now, "示例县"
	return supervise.New(cfg)
}

// TestSweepBudgetResumes sweeps a backlog loaded around the service
// (1,200 hazards, some 360 open) with runs of about 40 hazards: the first
// run is killed (its context cancelled) after its second batch, the
// others carry on from where the last stopped until the backlog is done,
// and the cards and events are those of one unbounded sweep, each change
// written (and audited) once.
func TestSweepBudgetResumes(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		c := &clock{}
		c.set("2022-06-09")
		open := fixture(t, db, 1200, c.now())
		bounded := bareSweeper(t, db, c, supervise.Config{Batch: 20, SweepRows: 40, SweepBudget: -1})

		// A run killed mid-pass.
		ctx, cancel := context.WithCancel(context.Background())
		batches := 0
		supervise.SetAfterBatch(bounded, func(int) {
			if batches++; batches == 2 {
				cancel()
			}
		})
		if _, err := bounded.SweepCounty(ctx, county, c.now()); !errors.Is(err, context.Canceled) {
			t.Fatalf("the killed run: %v", err)
		}
		supervise.SetAfterBatch(bounded, nil)

		runs, left := 0, open+1
		for {
			runs++
			if runs > 100 {
				t.Fatal("the backlog is never done")
			}
			r, err := bounded.SweepCounty(context.Background(), county, c.now())
			if err != nil {
				t.Fatal(err)
			}
			if r.Checked > 40 {
				t.Fatalf("run %d looked at %d hazards, over its budget of 40", runs, r.Checked)
			}
			if r.Done {
				if r.Left != 0 {
					t.Fatalf("a finished run leaves %d", r.Left)
				}
				break
			}
			if r.Left >= left || !r.Resumed {
				t.Fatalf("run %d does not carry on: %+v (left before %d)", runs, r, left)
			}
			left = r.Left
		}
		if runs < open/40 {
			t.Fatalf("%d open hazards done in %d runs of 40", open, runs)
		}
		if r, err := bounded.SweepCounty(context.Background(), county, c.now()); err != nil || r.Changed() || !r.Done || r.Full {
			t.Fatalf("after the backlog, the same day's sweep is incremental and changes nothing: %+v %v", r, err)
		}
		got, gotChanges := cardState(t, db), auditedChanges(t, db)

		// The same backlog swept at once.
		for _, q := range []string{`UPDATE hazard SET card = '', card_since = ''`, `DELETE FROM hazard_card_event`,
			`DELETE FROM setting WHERE key = 'hazard.card_sweep'`} {
			if _, err := db.W().ExecContext(context.Background(), q); err != nil {
				t.Fatal(err)
			}
		}
		once := bareSweeper(t, db, c, supervise.Config{SweepBudget: -1})
		r, err := once.SweepCounty(context.Background(), county, c.now())
		if err != nil || !r.Done || r.Left != 0 || r.Resumed {
			t.Fatalf("the unbounded sweep: %+v %v", r, err)
		}
		if r.Red+r.Yellow == 0 {
			t.Fatalf("the fixture gives no card: %+v", r)
		}
		if want := cardState(t, db); got != want {
			t.Fatalf("bounded runs and one sweep disagree:\n%s", firstDiff(got, want))
		}
		if n := auditedChanges(t, db) - gotChanges; n != gotChanges {
			t.Fatalf("bounded runs wrote %d card changes, one sweep %d", gotChanges, n)
		}
		t.Logf("%s: %d open hazards, %d card changes, %d bounded runs after the killed one", db.Engine, open, gotChanges, runs)
	})
}

func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < min(len(la), len(lb)); i++ {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d: bounded %q, once %q", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("%d lines against %d", len(la), len(lb))
}

// TestSweepLetsWritesIn pauses a sweep after its first batch and reports
// and orders a hazard through the hazard service meanwhile: the write
// commits while the sweep has looked at one batch of many, so it never
// waits for the whole sweep; the sweep then finishes with every card.
func TestSweepLetsWritesIn(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		open := fixture(t, db, 600, f.clock.now())
		sw := bareSweeper(t, db, f.clock, supervise.Config{Batch: 10, SweepBudget: -1})
		paused, resume := make(chan int), make(chan struct{})
		first := true
		supervise.SetAfterBatch(sw, func(checked int) {
			if first {
				first = false
				paused <- checked
				<-resume
			}
		})
		type result struct {
			r   supervise.SweepResult
			err error
		}
		done := make(chan result, 1)
		go func() {
			r, err := sw.SweepCounty(context.Background(), county, f.clock.now())
			done <- result{r, err}
		}()
		at := <-paused
		// Due yesterday: red at once, in the write's own transaction.
		h := f.ordered(t, "消防通道堵塞", "2022-06-01", "2022-06-08", hazard.General)
		if got := f.get(t, h.ID); got.Card != hazard.Red {
			t.Fatalf("the hazard written during the sweep: card %q", got.Card)
		}
		select {
		case r := <-done:
			t.Fatalf("the sweep ended before the write was let in: %+v %v", r.r, r.err)
		default:
		}
		if at != 10 || open <= 10 {
			t.Fatalf("the write came in after %d of %d hazards, not after the first batch", at, open)
		}
		close(resume)
		r := <-done
		if r.err != nil || !r.r.Done || r.r.Checked < open {
			t.Fatalf("the sweep after the write: %+v %v", r.r, r.err)
		}
		var without int
		if err := db.R().QueryRowContext(context.Background(), `SELECT count(*) FROM hazard WHERE state <> 'closed' AND deadline > ''
			AND deadline < $1 AND card <> 'red'`, "2022-06-09").Scan(&without); err != nil || without != 0 {
			t.Fatalf("%d overdue hazards without a red card (%v)", without, err)
		}
	})
}
