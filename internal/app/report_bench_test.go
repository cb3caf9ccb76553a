package app_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"yingji/internal/app"
	"yingji/internal/kit/config"
	"yingji/internal/kit/figure"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/store/storetest"
	"yingji/internal/kit/xlsx"
)

// reportFixture10x opens the demo county with ten times the demo's
// records in every Excel register that can be exported and imported
// again without a per-file choice: the demo, then each register's export
// imported nine more times through its own import (the rules the forms
// use; rows the register refuses a second time, such as a unique credit
// code, are skipped and counted). It is kept between runs: SQLite in
// $YINGJI_BENCH_DIR/report10x (default under the temp dir), PostgreSQL in
// the schema yingji_bench_report10x.
func reportFixture10x(b *testing.B, pg bool) *app.App {
	b.Helper()
	ctx := context.Background()
	dir := os.Getenv("YINGJI_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "yingji-bench")
	}
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: filepath.Join(dir, "report10x"), County: "349901", CountyName: "示例县",
		AdminPassword: "Admin2022x", LogLevel: "error"}
	marker := filepath.Join(cfg.DataDir, "fixture-done")
	if pg {
		base := storetest.PostgresURL(b)
		u, _ := url.Parse(base)
		q := u.Query()
		q.Set("search_path", "yingji_bench_report10x")
		u.RawQuery = q.Encode()
		cfg.DB = u.String()
		cfg.DataDir = filepath.Join(dir, "report10x-pg")
		marker = filepath.Join(cfg.DataDir, "fixture-done")
		if _, err := os.Stat(marker); err != nil {
			admin, err := sql.Open("pgx", base)
			if err != nil {
				b.Fatal(err)
			}
			defer admin.Close()
			if _, err := admin.ExecContext(ctx, "DROP SCHEMA IF EXISTS yingji_bench_report10x CASCADE; CREATE SCHEMA yingji_bench_report10x"); err != nil {
				b.Fatal(err)
			}
		}
	} else if _, err := os.Stat(marker); err != nil {
		_ = os.RemoveAll(cfg.DataDir)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		b.Fatal(err)
	}
	a, err := app.Open(ctx, cfg, app.Options{Now: func() time.Time { return time.Date(2022, 6, 30, 4, 0, 0, 0, time.UTC) }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	if _, err := os.Stat(marker); err == nil {
		if pg {
			analyze(b, cfg.DB)
		}
		return a
	}
	t0 := time.Now()
	if err := a.LoadDemo(ctx, io.Discard); err != nil {
		b.Fatal(err)
	}
	b.Logf("demo loaded in %s", time.Since(t0).Round(time.Millisecond))
	admin, err := a.Auth.PrincipalFor(ctx, "admin")
	if err != nil {
		b.Fatal(err)
	}
	for _, kind := range a.Ledgers.Kinds() {
		l, _ := a.Ledgers.Get(kind)
		if l.Export == nil || l.NewImport == nil || l.Target != nil {
			continue
		}
		var buf bytes.Buffer
		w, err := xlsx.NewWriter(&buf, l.ExportSchema())
		if err != nil {
			b.Fatal(err)
		}
		if err := l.Export(ctx, admin, url.Values{}, w); err != nil {
			b.Logf("%s: export: %v", kind, err)
			continue
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		rows := w.Rows()
		if rows == 0 {
			continue
		}
		file := buf.Bytes()
		if kind == "hazards" {
			file = withHazardDocuments(b, file)
		}
		t1 := time.Now()
		imported, skipped := 0, 0
		reasons := map[string]int{}
		for range 9 {
			res, err := ledger.Run(ctx, l, admin, bytes.NewReader(file), ledger.Options{OnlyValid: true}, nil)
			if err != nil {
				b.Logf("%s: import: %v", kind, err)
				break
			}
			imported, skipped = imported+res.Imported, skipped+res.Skipped
			for _, e := range res.Errors {
				reasons[e.Key+": "+e.Reason]++
			}
		}
		why := ""
		for r, n := range reasons {
			if len(why) < 200 {
				why += fmt.Sprintf("; %d× %s", n, r)
			}
		}
		b.Logf("%-22s %6d rows ×9: %7d imported, %7d refused again, in %s%s", kind, rows, imported, skipped, time.Since(t1).Round(time.Millisecond), why)
	}
	b.Logf("fixture built in %s", time.Since(t0).Round(time.Second))
	if err := os.WriteFile(marker, []byte(time.Now().UTC().Format(time.RFC3339)), 0o644); err != nil {
		b.Fatal(err)
	}
	return a
}

// analyze gives PostgreSQL the statistics and visibility map a served
// database has from autovacuum (a fixture just imported has none: the
// planner then takes 35,000 hazards for one row).
func analyze(b *testing.B, dsn string) {
	b.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	tables, err := db.QueryContext(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
	if err != nil {
		b.Fatal(err)
	}
	var names []string
	for tables.Next() {
		var n string
		if err := tables.Scan(&n); err != nil {
			b.Fatal(err)
		}
		names = append(names, n)
	}
	tables.Close()
	for _, n := range names {
		if _, err := db.ExecContext(ctx, `VACUUM (ANALYZE) "`+n+`"`); err != nil {
			b.Fatal(err)
		}
	}
}

// withHazardDocuments fills in the documents the hazard import asks for
// and the demo's hazards (written around the import's rules) lack: an
// order without a 整改指令书编号 becomes 现场整改, a rectified hazard
// without a 复查意见书编号 gets one; so that the import (which replays the
// forms' rules) takes the demo's hazards again nine times. Major hazards
// without their 五到位 plan are still refused.
func withHazardDocuments(b *testing.B, file []byte) []byte {
	b.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(file))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	rows, err := f.GetRows(sheet)
	if err != nil || len(rows) < 2 {
		b.Fatalf("hazard export: %d rows, %v", len(rows), err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[strings.TrimSuffix(h, "*")] = i
	}
	order, review, done := col["整改指令书编号"], col["复查意见书编号"], col["整改完成日期"]
	cell := func(r []string, i int) string {
		if i < len(r) {
			return r[i]
		}
		return ""
	}
	for n, r := range rows[1:] {
		set := func(i int, v string) {
			name, _ := excelize.CoordinatesToCellName(i+1, n+2)
			if err := f.SetCellStr(sheet, name, v); err != nil {
				b.Fatal(err)
			}
		}
		if cell(r, order) == "" {
			set(order, "现场整改")
		}
		if cell(r, done) != "" && cell(r, review) == "" {
			set(review, fmt.Sprintf("示应急复查〔2022〕F%d号", n+1))
		}
	}
	var out bytes.Buffer
	if err := f.Write(&out); err != nil {
		b.Fatal(err)
	}
	return out.Bytes()
}

// BenchmarkReportHalfYear10x measures the county's half-year report
// (2022-01-01…2022-06-30, every registered figure with last year's) at
// ten times the demo's volume, as the report page builds it (with the
// record IDs behind each figure) and as the dashboards do (without).
// Goal: ≤ 200 ms. Run:
// go test ./internal/app -run '^$' -bench ReportHalfYear10x -benchtime 10x
func BenchmarkReportHalfYear10x(b *testing.B) {
	for _, eng := range []string{"sqlite", "postgres"} {
		b.Run(eng, func(b *testing.B) {
			a := reportFixture10x(b, eng == "postgres")
			ctx := context.Background()
			leader, err := a.Auth.PrincipalFor(ctx, "leader")
			if err != nil {
				b.Fatal(err)
			}
			period, _ := figure.NewPeriod("2022-01-01", "2022-06-30")
			for _, records := range []bool{true, false} {
				var lat []time.Duration
				b.ResetTimer()
				for range b.N {
					t0 := time.Now()
					if _, err := a.Report(ctx, leader, figure.Query{Period: period, Records: records}, "zh"); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(t0))
				}
				b.StopTimer()
				sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
				p := func(q int) float64 { return float64(lat[min(len(lat)-1, len(lat)*q/100)].Microseconds()) / 1000 }
				b.Logf("%s report, records %v: p50 %.1f ms, p95 %.1f ms (n=%d)", eng, records, p(50), p(95), len(lat))
				if records {
					b.ReportMetric(p(50), "p50-ms")
					b.ReportMetric(p(95), "p95-ms")
				}
			}
			// Where the time goes: each figure alone (this year only), with
			// and without its records, the slowest first.
			type took struct {
				id string
				d  time.Duration
			}
			for _, records := range []bool{true, false} {
				var each []took
				for _, f := range a.Figures.All() {
					t0 := time.Now()
					if _, err := f.Count(ctx, figure.Query{Period: period, P: leader, Records: records}); err != nil {
						b.Fatal(err)
					}
					each = append(each, took{f.ID, time.Since(t0)})
				}
				sort.Slice(each, func(i, j int) bool { return each[i].d > each[j].d })
				var sum time.Duration
				for _, e := range each {
					sum += e.d
				}
				slowest := ""
				for _, e := range each[:min(6, len(each))] {
					slowest += fmt.Sprintf(" %s %.0f ms,", e.id, float64(e.d.Microseconds())/1000)
				}
				// One line: the benchmark's log is cut after a few lines.
				b.Logf("records %v: %d figures, %.1f ms one after the other; slowest:%s", records, len(each), float64(sum.Microseconds())/1000, strings.TrimSuffix(slowest, ","))
			}
			if load, err := os.ReadFile("/proc/loadavg"); err == nil {
				b.Logf("load average %s", strings.Join(strings.Fields(string(load))[:3], " "))
			}
		})
	}
}
