package hazard

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

var (
	benchTowns   = []string{"100", "101", "102", "103", "104", "105", "106", "107", "400"}
	benchSectors = []string{"mine", "chem_produce", "chem_trade", "fireworks_retail", "petrol", "metallurgy", "building_materials",
		"machinery", "light", "textile", "commerce", "nonferrous", ""}
	benchUnits = []string{"U-SEC1", "U-SEC2", "U-TOWN", "U-DEPT1", "U-DEPT2", "U-DEPT3", ""}
)

// fill1M inserts n hazards straight into the table (a fixture for the
// ledger and trend benchmarks; the caller counts the tallies again), over
// 2019–2024, 90% closed, 1% major. It
// writes through the store's bulk writer (store.Bulk: one
// prepared multi-row INSERT sized by the store for the engine, reused), 20,000 rows
// a transaction; the earlier 900-parameter statements made SQLite spend
// most of its time resolving $N names and the fixture never finished.
func fill1M(b *testing.B, db *store.DB, n int) {
	b.Helper()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(4, 2022))
	now := time.Now().UTC()
	cols := `id, county_code, enterprise_id, place_name, town_code, sector, unit_id, source, campaign, grade, description, found_on, deadline,
		state, closed_on, reported_by, created_at, updated_at`
	const k, perTx = 18, 20000
	base := time.Date(2019, 1, 1, 0, 0, 0, 0, shanghai)
	descs := []string{"配电箱未设置漏电保护装置", "消防通道被货物堵塞", "灭火器压力不足", "安全出口指示标志损坏", "机械设备防护罩缺失", "特种作业人员证书过期"}
	var have int
	_ = db.R().QueryRow(`SELECT count(*) FROM hazard`).Scan(&have)
	seq := have
	for done := 0; done < n; {
		m := min(perTx, n-done)
		err := db.InTx(ctx, func(tx *store.Tx) error {
			return store.Bulk{Head: `INSERT INTO hazard (` + cols + `)`, Width: k}.Write(ctx, tx, m, func(_ int, args []any) []any {
				seq++
				found := base.AddDate(0, 0, r.IntN(6*365))
				deadline := found.AddDate(0, 0, 7+r.IntN(60))
				state, closed := Closed, Date(found.AddDate(0, 0, 1+r.IntN(40)))
				if x := r.IntN(100); x >= 90 {
					state, closed = []State{Reported, Graded, Ordered, Rectifying, PendingReview, Verified}[x%6], ""
				}
				grade := General
				if r.IntN(100) == 0 {
					grade = Major
				}
				campaign := ""
				if r.IntN(10) == 0 {
					campaign = "2022年安全生产大检查"
				}
				sector := benchSectors[r.IntN(len(benchSectors))]
				ent, place := fmt.Sprintf("E%07d", r.IntN(20000)), fmt.Sprintf("示例县第%05d号企业", r.IntN(20000))
				if sector == "" {
					ent, place = "", "某建筑工地"
				}
				return append(args, fmt.Sprintf("H%025d", seq), "349901", ent, place, "349901"+benchTowns[r.IntN(len(benchTowns))], sector,
					benchUnits[r.IntN(len(benchUnits))], Sources[r.IntN(len(Sources))], campaign, grade, descs[r.IntN(len(descs))],
					Date(found), Date(deadline), state, closed, "bench", now, now)
			}, nil)
		})
		if err != nil {
			b.Fatal(err)
		}
		done += m
		if done%200000 == 0 {
			b.Logf("%d hazards written", done)
		}
	}
}

// bench1M opens a database with 1,000,000 hazards. The fixture takes
// minutes to build, so it is kept between runs: SQLite in
// $YINGJI_BENCH_DIR (default: the temp dir's yingji-bench-hazard-1m),
// PostgreSQL in the schema yingji_bench_hazard_1m of the test server
// (drop it with DROP SCHEMA yingji_bench_hazard_1m CASCADE).
func bench1M(b *testing.B, eng string) *store.DB {
	b.Helper()
	benchMu.Lock()
	defer benchMu.Unlock()
	if db := benchDBs[eng]; db != nil {
		return db
	}
	const n = 1000000
	ctx := context.Background()
	var db *store.DB
	var err error
	if eng == "sqlite" {
		dir := os.Getenv("YINGJI_BENCH_DIR")
		if dir == "" {
			dir = filepath.Join(os.TempDir(), "yingji-bench-hazard-1m")
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		db, err = store.Open(ctx, store.Options{DataDir: dir})
	} else {
		base := storetest.PostgresURL(b)
		admin, err2 := sql.Open("pgx", base)
		if err2 != nil {
			b.Fatal(err2)
		}
		_, err2 = admin.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS yingji_bench_hazard_1m")
		admin.Close()
		if err2 != nil {
			b.Fatal(err2)
		}
		u, _ := url.Parse(base)
		q := u.Query()
		q.Set("search_path", "yingji_bench_hazard_1m")
		u.RawQuery = q.Encode()
		db, err = store.Open(ctx, store.Options{URL: u.String()})
	}
	if err != nil {
		b.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	var have int
	_ = db.R().QueryRow(`SELECT count(*) FROM hazard`).Scan(&have)
	if have < n {
		t0 := time.Now()
		// A bulk load: the secondary indexes are dropped and built again
		// afterwards (one sort each instead of a million random inserts). A
		// fill interrupted half way leaves the table without them: delete
		// the fixture then.
		restore := dropIndexes(b, db, "hazard")
		fill1M(b, db, n-have)
		restore()
		b.Logf("%s: %d hazards inserted in %s", eng, n-have, time.Since(t0).Round(time.Millisecond))
		// The rows came in around the service: count the tallies.
		t0 = time.Now()
		if err := db.InTx(ctx, func(tx *store.Tx) error { return RebuildTallies(ctx, tx) }); err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: tallies counted again in %s", eng, time.Since(t0).Round(time.Millisecond))
	}
	if db.Engine == store.Postgres {
		_, _ = db.W().Exec("VACUUM ANALYZE hazard")
		_, _ = db.W().Exec("VACUUM ANALYZE hazard_month")
	} else {
		_, _ = db.W().Exec("PRAGMA analysis_limit = 2000; ANALYZE") // sampled: a full ANALYZE of 1M rows takes minutes
	}
	benchDBs[eng] = db
	return db
}

// dropIndexes drops the secondary indexes of table and returns a func
// that creates them again from their saved definitions.
func dropIndexes(b *testing.B, db *store.DB, table string) func() {
	b.Helper()
	q := `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 AND sql IS NOT NULL`
	if db.Engine == store.Postgres {
		q = `SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = $1 AND i.schemaname = current_schema()
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`
	}
	rows, err := db.W().Query(q, table)
	if err != nil {
		b.Fatal(err)
	}
	var names, defs []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			b.Fatal(err)
		}
		names, defs = append(names, name), append(defs, def)
	}
	rows.Close()
	for _, name := range names {
		if _, err := db.W().Exec(`DROP INDEX ` + name); err != nil {
			b.Fatal(err)
		}
	}
	return func() {
		t0 := time.Now()
		for _, def := range defs {
			if _, err := db.W().Exec(def); err != nil {
				b.Fatal(err)
			}
		}
		b.Logf("%d indexes of %s built again in %s", len(defs), table, time.Since(t0).Round(time.Millisecond))
	}
}

var (
	benchMu  sync.Mutex
	benchDBs = map[string]*store.DB{}
)

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

func pctl(lat []time.Duration, p int) float64 {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return float64(lat[min(len(lat)-1, len(lat)*p/100)].Microseconds()) / 1000
}

// BenchmarkLedger1M measures the ledger page's queries (counts of the
// filtered set + one page) at 1,000,000 hazards with typical filters,
// per filter and overall (p50/p95 in ms), and StatsBy over a half year.
// Run: go test ./internal/bureau/hazard -run '^$' -bench Ledger1M -benchtime 200x
func BenchmarkLedger1M(b *testing.B) {
	for _, eng := range []string{"sqlite", "postgres"} {
		b.Run(eng, func(b *testing.B) {
			db := bench1M(b, eng)
			s := New(db, nil, nil, nil, nil, func() time.Time { return time.Date(2024, 12, 31, 10, 0, 0, 0, shanghai) })
			admin := &auth.Principal{UserID: "u", Role: auth.RoleAdmin, CountyCode: "349901"}
			section := &auth.Principal{UserID: "s", Role: auth.RoleSection, CountyCode: "349901",
				Sectors: []string{"mine", "chem_produce", "chem_trade", "fireworks_retail", "petrol"}}
			town := &auth.Principal{UserID: "t", Role: auth.RoleTown, CountyCode: "349901", RegionCode: "349901104"}
			dept := &auth.Principal{UserID: "d", Role: auth.RoleDepartment, CountyCode: "349901", UnitID: "U-DEPT2"}
			type q struct {
				name string
				p    *auth.Principal
				f    Filter
			}
			qs := []q{
				{"all, first page", admin, Filter{}},
				{"town", admin, Filter{Town: "349901102"}},
				{"sector+open", admin, Filter{Sector: "machinery", OpenOnly: true}},
				{"overdue", admin, Filter{Overdue: true}},
				{"month", admin, Filter{From: "2022-03-01", To: "2022-03-31"}},
				{"enterprise", admin, Filter{Enterprise: "E0012345"}},
				{"campaign+major", admin, Filter{Campaign: "2022年安全生产大检查", Grade: Major}},
				{"section scope, page 3", section, Filter{Offset: 100}},
				{"town scope, state", town, Filter{State: Ordered}},
				{"department scope", dept, Filter{}},
				{"source+half year", admin, Filter{Source: SourceSelfCheck, From: "2022-01-01", To: "2022-06-30"}},
			}
			ctx := context.Background()
			per := map[string][]time.Duration{}
			var all []time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				x := qs[i%len(qs)]
				x.f.Limit = 50
				t0 := time.Now()
				if _, _, err := s.Page(ctx, x.p, x.f); err != nil {
					b.Fatal(err)
				}
				d := time.Since(t0)
				per[x.name] = append(per[x.name], d)
				all = append(all, d)
			}
			b.StopTimer()
			b.ReportMetric(pctl(all, 50), "p50-ms")
			b.ReportMetric(pctl(all, 95), "p95-ms")
			for _, x := range qs {
				if l := per[x.name]; len(l) > 0 {
					b.Logf("%-24s p50 %7.1f ms  p95 %7.1f ms", x.name, pctl(l, 50), pctl(l, 95))
				}
			}
			var st []time.Duration
			for i := 0; i < 5; i++ {
				t0 := time.Now()
				for _, by := range []string{"grade", "source", "sector", "town_code"} {
					if _, err := s.StatsBy(ctx, admin, Filter{From: "2022-01-01", To: "2022-06-30"}, by); err != nil {
						b.Fatal(err)
					}
				}
				st = append(st, time.Since(t0))
			}
			b.Logf("StatsBy half year, 4 groupings (the statistics page): p50 %.1f ms", pctl(st, 50))
			var ov []time.Duration
			for i := 0; i < 5; i++ {
				t0 := time.Now()
				if _, _, err := s.OverdueList(ctx, admin, Filter{}, 2000); err != nil {
					b.Fatal(err)
				}
				ov = append(ov, time.Since(t0))
			}
			b.Logf("overdue board (2000 rows): p50 %.1f ms", pctl(ov, 50))
		})
	}
}

// BenchmarkTrend1M measures the dashboard's hazard trend (found and closed
// per month over 12 months) at 1,000,000 hazards, for the county and for a
// town; the dashboard's goal is p95 ≤ 100 ms for its slowest panel.
// Run: go test ./internal/bureau/hazard -run '^$' -bench Trend1M -benchtime 20x
func BenchmarkTrend1M(b *testing.B) {
	for _, eng := range []string{"sqlite", "postgres"} {
		b.Run(eng, func(b *testing.B) {
			db := bench1M(b, eng)
			s := New(db, nil, nil, nil, nil, func() time.Time { return time.Date(2024, 12, 31, 10, 0, 0, 0, shanghai) })
			for _, p := range []*auth.Principal{{UserID: "u", Role: auth.RoleAdmin, CountyCode: "349901"},
				{UserID: "t", Role: auth.RoleTown, CountyCode: "349901", RegionCode: "349901104"}} {
				var lat []time.Duration
				b.ResetTimer()
				cpu0 := cpuTime()
				for range b.N {
					t0 := time.Now()
					rows, err := s.Monthly(context.Background(), p, "2024-01-01", "2024-12-31")
					if err != nil || len(rows) != 12 {
						b.Fatalf("trend: %v %d", err, len(rows))
					}
					lat = append(lat, time.Since(t0))
				}
				// CPU time of this process per trend (the SQLite engine runs
				// in it; on PostgreSQL only the client's share): on a shared
				// machine the wall clock is mostly the others' load.
				cpu := float64((cpuTime() - cpu0).Microseconds()) / 1000 / float64(b.N)
				b.Logf("%s trend as %s: p50 %.1f ms, p95 %.1f ms, CPU %.1f ms each", eng, p.Role, pctl(lat, 50), pctl(lat, 95), cpu)
			}
		})
	}
}
