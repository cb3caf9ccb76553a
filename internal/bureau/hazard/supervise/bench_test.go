package supervise_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"yingji/internal/bureau/hazard"
	"yingji/internal/bureau/hazard/supervise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

// BenchmarkSweep1M times the deadline sweep over 1,000,000 hazards (30 %
// open, deadlines within a month of today) inserted straight into the
// table without cards: the first sweep gives some 180,000 hazards their
// card; a second sweep of the same day finds nothing to do; the next
// day's sweep (a full pass) changes the cards of that day.
// Run with -bench Sweep1M -benchtime 1x (the fixture takes a while).
func BenchmarkSweep1M(b *testing.B) {
	storetest.BenchEngines(b, func(b *testing.B, db *store.DB) {
		c := &clock{}
		c.set("2022-06-09")
		start := time.Now()
		size := 1_000_000
		if v, err := strconv.Atoi(os.Getenv("YINGJI_BENCH_HAZARDS")); err == nil && v > 0 {
			size = v // a smaller fixture while tuning
		}
		open := fixture(b, db, size, c.now())
		b.Logf("%s: fixture of %d hazards (%d open) in %s", db.Engine, size, open, time.Since(start).Round(time.Millisecond))
		o := org.New(db, c.now)
		a := auth.New(db, o, c.now, auth.Options{})
		n, err := notify.New(db, notify.Config{Now: c.now})
		if err != nil {
			b.Fatal(err)
		}
		cfg := supervise.Config{DB: db, Org: o, Notify: n, People: a, Now: c.now, CountyName: "示例县"}
		if v, err := time.ParseDuration(os.Getenv("YINGJI_BENCH_SWEEP_BUDGET")); err == nil {
			cfg.SweepBudget = v // negative: one unbounded run
		}
		svc := supervise.New(cfg)
		ctx := context.Background()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			// The first sweep: bounded runs one after the other until the
			// backlog is done (what the job does).
			t0 := time.Now()
			var r1 supervise.SweepResult
			runs, longest := 0, time.Duration(0)
			for {
				tr := time.Now()
				r, err := svc.SweepCounty(ctx, county, c.now())
				if err != nil {
					b.Fatal(err)
				}
				runs++
				longest = max(longest, time.Since(tr))
				r1.Add(r)
				r1.Done, r1.Left = r.Done, r.Left
				if r.Done {
					break
				}
			}
			first := time.Since(t0)
			if i == 0 {
				b.Logf("%s first sweep in %d runs, the longest %s", db.Engine, runs, longest.Round(time.Millisecond))
				if changes := r1.Red + r1.Yellow + r1.Cleared; changes > 0 {
					b.Logf("%s first sweep: %s per card change (%d)", db.Engine, (time.Duration(r1.Seconds["cards"]*float64(time.Second)) / time.Duration(changes)).Round(time.Microsecond), changes)
				}
				b.ReportMetric(float64(runs), "first-runs")
				b.ReportMetric(longest.Seconds(), "longest-run-s")
			}
			t1 := time.Now()
			r2, err := svc.SweepCounty(ctx, county, c.now().Add(15*time.Minute))
			if err != nil {
				b.Fatal(err)
			}
			second := time.Since(t1)
			t2 := time.Now()
			r3, err := svc.SweepCounty(ctx, county, c.now().Add(24*time.Hour))
			if err != nil {
				b.Fatal(err)
			}
			nextDay := time.Since(t2)
			if i == 0 {
				b.Logf("%s first sweep %s: %+v", db.Engine, first.Round(time.Millisecond), r1)
				b.Logf("%s second sweep (same day) %s: %+v", db.Engine, second.Round(time.Millisecond), r2)
				b.Logf("%s next day's sweep %s: %+v", db.Engine, nextDay.Round(time.Millisecond), r3)
				if r2.Changed() {
					b.Fatalf("the second sweep changed something: %+v", r2)
				}
				b.ReportMetric(first.Seconds(), "first-s")
				b.ReportMetric(second.Seconds(), "second-s")
				b.ReportMetric(nextDay.Seconds(), "nextday-s")
			}
		}
	})
}

// fixture inserts n hazards; 30 % are open with deadlines from 30 days
// before to 30 days after today.
func fixture(b testing.TB, db *store.DB, n int, now time.Time) int {
	b.Helper()
	ctx := context.Background()
	rnd := rand.New(rand.NewPCG(7, 11))
	today := hazard.Day(now)
	towns := []string{"349901100", "349901101", "349901102", "349901103", "349901104", "349901105", "349901106", "349901107", "349901400"}
	sectors := []string{"mine", "chem_trade", "fireworks_retail", "metallurgy", "machinery", "light", "commerce", "building_materials"}
	ents := make([]string, 2000)
	for i := range ents {
		ents[i] = fmt.Sprintf("01J0BENCHENTERPRISE%07d", i)
	}
	const cols = `id, county_code, enterprise_id, place_name, town_code, sector, unit_id, source, grade, description, found_on, deadline,
		state, closed_on, reported_by, created_at, updated_at`
	const per = 2000
	open := 0
	one := `INSERT INTO hazard (` + cols + `) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)`
	for done := 0; done < n; {
		k := min(per, n-done)
		rows := make([][]any, 0, k)
		for i := 0; i < k; i++ {
			found := today.AddDate(0, 0, -10-rnd.IntN(400))
			state, deadline, closed := "closed", hazard.Date(found.AddDate(0, 0, 10+rnd.IntN(30))), ""
			if rnd.IntN(10) < 3 {
				open++
				state = []string{"ordered", "rectifying"}[rnd.IntN(2)]
				found = today.AddDate(0, 0, -10-rnd.IntN(80))
				d := today.AddDate(0, 0, rnd.IntN(61)-30)
				if d.Before(found) {
					d = found
				}
				deadline = hazard.Date(d)
			} else {
				closed = deadline
			}
			e := ents[rnd.IntN(len(ents))]
			ts := now.UTC().Add(-time.Duration(rnd.IntN(400*24)) * time.Hour)
			rows = append(rows, []any{ids.New(), county, e, "企业" + e[len(e)-4:], towns[rnd.IntN(len(towns))], sectors[rnd.IntN(len(sectors))], "",
				"inspection", "general", "基准测试隐患", hazard.Date(found), deadline, state, closed, "bench", ts, ts})
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			if db.Engine == store.Postgres {
				var sb strings.Builder
				args := make([]any, 0, k*17)
				for i, r := range rows {
					if i > 0 {
						sb.WriteString(",")
					}
					sb.WriteString("(")
					for j := range r {
						if j > 0 {
							sb.WriteString(",")
						}
						fmt.Fprintf(&sb, "$%d", len(args)+j+1)
					}
					sb.WriteString(")")
					args = append(args, r...)
				}
				_, err := tx.ExecContext(ctx, `INSERT INTO hazard (`+cols+`) VALUES `+sb.String(), args...)
				return err
			}
			stmt, err := tx.PrepareContext(ctx, one)
			if err != nil {
				return err
			}
			defer stmt.Close()
			for _, r := range rows {
				if _, err := stmt.ExecContext(ctx, r...); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		done += k
	}
	// The rows came in around the hazard service: count its tallies.
	if err := db.InTx(ctx, func(tx *store.Tx) error { return hazard.RebuildTallies(ctx, tx) }); err != nil {
		b.Fatal(err)
	}
	if v := os.Getenv("YINGJI_BENCH_SQLITE_CACHE"); v != "" && db.Engine == store.SQLite {
		if _, err := db.W().ExecContext(ctx, `PRAGMA cache_size = `+v); err != nil {
			b.Fatal(err)
		}
	}
	if db.Engine == store.Postgres { // what autovacuum does after a bulk load
		if _, err := db.W().ExecContext(ctx, `ANALYZE hazard`); err != nil {
			b.Fatal(err)
		}
	}
	return open
}
