package app_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"yingji/internal/app"
	"yingji/internal/bureau/province"
	"yingji/internal/bureau/report"
	"yingji/internal/kit/config"
	"yingji/internal/kit/figure"
	"yingji/internal/kit/store/storetest"
)

// BenchmarkProvinceRollup measures the province roll-up of issue 15 on
// PostgreSQL: the demo county (SQLite, kept in $YINGJI_BENCH_DIR/province-demo)
// publishes its half-year five times (one report Build, build_ms, and the
// write, write_ms: publish_ms is the median of both), then its figures are published under 100
// county codes with varied values (each number scaled by a county's own
// factor, 0.3–3.0), and the half-year roll-up runs five times: load and
// sum (rollup_ms), and the same plus the text, JSON and Excel writers
// (rollup_all_ms); medians. The goal is 2 s for the roll-up.
//
//	YINGJI_TEST_POSTGRES=postgres://… go test ./internal/app -run '^$' -bench ProvinceRollup -benchtime 1x
func BenchmarkProvinceRollup(b *testing.B) {
	ctx := context.Background()
	base := storetest.PostgresURL(b)
	dir := os.Getenv("YINGJI_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "yingji-bench")
	}
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: filepath.Join(dir, "province-demo"), County: "349901", CountyName: "示例县",
		AdminPassword: "Admin2022x", LogLevel: "error"}
	marker := filepath.Join(cfg.DataDir, "fixture-done")
	if _, err := os.Stat(marker); err != nil {
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
	if _, err := os.Stat(marker); err != nil {
		if err := a.LoadDemo(ctx, io.Discard); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(marker, nil, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	pdb, _ := storetest.PostgresSchema(b, base)
	if err := province.Migrate(ctx, pdb); err != nil {
		b.Fatal(err)
	}
	half, _ := figure.NewPeriod("2022-01-01", "2022-06-30")
	msgs, err := province.LoadMessages()
	if err != nil {
		b.Fatal(err)
	}
	median := func(ds []time.Duration) float64 {
		slices.Sort(ds)
		return float64(ds[len(ds)/2].Microseconds()) / 1000
	}
	for range b.N {
		var publish, build, write []time.Duration
		var pub province.Publication
		for range 5 {
			t0 := time.Now()
			pub, err = a.Publication(ctx, half)
			if err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			if err := province.Publish(ctx, pdb, pub, t1); err != nil {
				b.Fatal(err)
			}
			build, write, publish = append(build, t1.Sub(t0)), append(write, time.Since(t1)), append(publish, time.Since(t0))
		}
		t0 := time.Now()
		var want int64
		for i := range 100 {
			c := pub
			c.County = province.County{Code: fmt.Sprintf("34%04d", 1000+i), Name: fmt.Sprintf("第%d县", i+1)}
			factor := 3 + int64(i*7%28) // tenths: 0.3 … 3.0
			c.Rows = make([]province.Row, len(pub.Rows))
			for j, r := range pub.Rows {
				if r.Unit != province.WordUnit {
					r.Value = r.Value * factor / 10
					if r.LastYear != nil {
						ly := *r.LastYear * factor / 10
						r.LastYear = &ly
					}
				}
				c.Rows[j] = r
				if r.FigureID == "F-BIG-1" && r.Key == "general" {
					want += r.Value
				}
			}
			if err := province.Publish(ctx, pdb, c, time.Now()); err != nil {
				b.Fatal(err)
			}
		}
		load100 := time.Since(t0)
		var roll, all []time.Duration
		for range 5 {
			t0 := time.Now()
			r, err := province.Load(ctx, pdb, half, report.Sections)
			if err != nil {
				b.Fatal(err)
			}
			roll = append(roll, time.Since(t0))
			if len(r.Published) != 101 {
				b.Fatalf("%d counties published", len(r.Published))
			}
			for _, s := range r.Figures {
				if n, ok := s.Number("general"); ok && s.Def.ID == "F-BIG-1" && n.Total != want+n.ByCounty["349901"] {
					b.Fatalf("F-BIG-1 general: %d, want %d", n.Total, want+n.ByCounty["349901"])
				}
			}
			_ = r.Text(msgs, "zh")
			_ = r.JSON(msgs, "zh")
			if err := r.XLSX(io.Discard, msgs, "zh"); err != nil {
				b.Fatal(err)
			}
			all = append(all, time.Since(t0))
		}
		b.ReportMetric(median(publish), "publish_ms")
		b.ReportMetric(median(build), "build_ms")
		b.ReportMetric(median(write), "write_ms")
		b.ReportMetric(float64(load100.Milliseconds()), "publish100_ms")
		b.ReportMetric(median(roll), "rollup_ms")
		b.ReportMetric(median(all), "rollup_all_ms")
		b.ReportMetric(float64(len(pub.Rows)*101), "rows")
		b.Logf("publish %v (build %v, write %v); 100 counties written in %v; roll-up %v; with writers %v", publish, build, write, load100, roll, all)
	}
}
