package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/xuri/excelize/v2"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/config"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/org"
	"yingji/internal/kit/xlsx"
)

// BenchOptions tune Bench.
type BenchOptions struct {
	Quick    bool          // a small run: fewer rows, clients and seconds
	Runs     int           // cold starts to time (median reported; default 5)
	Rows     int           // enterprises imported, then listed and exported (default 100,000; quick 5,000)
	Clients  int           // concurrent clients of the load (default 200; quick 50)
	Duration time.Duration // length of the load (default 60s; quick 15s)
	DB       string        // a PostgreSQL URL (an empty database) instead of SQLite
}

// benchRow is one line of Bench's table.
type benchRow struct{ what, result, goal string }

// Bench measures, on this machine, and prints as ONE table: cold start to
// the first /healthz on an empty database, idle resident memory, an
// enterprise import of o.Rows rows against its floor (the same file read by
// the Excel kit without checks or writes), the enterprise list at that size,
// its Excel export against raw excelize writing the same cells, the key
// pages under o.Clients clients against /healthz in the same run (the
// `yingji load` mix), and the peak resident memory. It is the `yingji bench`
// verb.
func Bench(ctx context.Context, out io.Writer, o BenchOptions) error {
	if o.Runs <= 0 {
		o.Runs = 5
	}
	if o.Rows <= 0 {
		o.Rows = 100000
		if o.Quick {
			o.Rows = 5000
		}
	}
	if o.Clients <= 0 {
		o.Clients = 200
		if o.Quick {
			o.Clients = 50
		}
	}
	if o.Duration <= 0 {
		o.Duration = 60 * time.Second
		if o.Quick {
			o.Duration = 15 * time.Second
		}
	}
	engine := "SQLite"
	if o.DB != "" {
		engine = "PostgreSQL"
	}
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Fprintf(out, "yingji bench: %s, %d cores, load average %s, %s, %s; %d rows, %d clients for %v\n",
		time.Now().UTC().Format(time.RFC3339), runtime.NumCPU(), strings.Join(strings.Fields(string(load))[:min(3, len(strings.Fields(string(load))))], " "),
		runtime.Version(), engine, o.Rows, o.Clients, o.Duration)
	var rows []benchRow
	add := func(what, result, goal string) {
		rows = append(rows, benchRow{what, result, goal})
		fmt.Fprintf(out, "  … %s: %s\n", what, result)
	}

	// Cold start and idle memory, on empty SQLite databases.
	starts, idle, err := coldStarts(ctx, o.Runs)
	if err != nil {
		return err
	}
	add("cold start to first /healthz, empty SQLite", fmt.Sprintf("median %v (min %v, max %v, %d runs)",
		starts[len(starts)/2].Round(time.Millisecond), starts[0].Round(time.Millisecond), starts[len(starts)-1].Round(time.Millisecond), len(starts)), "≤ 1s")
	add("idle memory (VmRSS, one server, after GC)", idle, "≤ 60 MB")

	// The demo county, served, with its background work.
	dir, err := os.MkdirTemp("", "yingji-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintf(out, "  … loading the demo county on %s\n", engine)
	a, base, runCtx, stop, err := serveDemo(ctx, dir, o.DB, "Bench2022x")
	if err != nil {
		return err
	}
	defer stop()

	// Import vs its floor.
	file, err := a.benchWorkbook(ctx, o.Rows)
	if err != nil {
		return err
	}
	l, ok := a.Ledgers.Get("enterprises")
	if !ok {
		return errors.New("bench: no enterprise ledger")
	}
	t0 := time.Now()
	if _, err := xlsx.ParseContext(ctx, bytes.NewReader(file), l.Schema, nil); err != nil {
		return err
	}
	floor := time.Since(t0)
	t0 = time.Now()
	res, err := ledger.Run(ctx, l, a.System(), bytes.NewReader(file), ledger.Options{}, nil)
	if err != nil {
		return fmt.Errorf("bench: import: %w", err)
	}
	took := time.Since(t0)
	if !res.Committed || res.Imported != o.Rows {
		return fmt.Errorf("bench: import committed %d of %d rows", res.Imported, o.Rows)
	}
	per10k := ""
	if o.Rows >= 5000 {
		per10k = fmt.Sprintf(", ≈ %.1fs per 10k rows", took.Seconds()*10000/float64(o.Rows))
	}
	add(fmt.Sprintf("enterprise import, %d rows, vs floor", o.Rows), fmt.Sprintf("%.2f× (%v%s; floor %v = the file read by the Excel kit)",
		took.Seconds()/floor.Seconds(), took.Round(time.Millisecond), per10k, floor.Round(time.Millisecond)), "10k rows ≤ 3s")

	// The list at that size.
	total, p50, p95, err := a.benchList(ctx, base)
	if err != nil {
		return err
	}
	add(fmt.Sprintf("enterprise list at %d rows (6 filter shapes × 10)", total), fmt.Sprintf("p50 %v, p95 %v", p50.Round(100*time.Microsecond), p95.Round(100*time.Microsecond)), "≤ 50 ms")

	// Export vs raw excelize.
	exp, n, err := benchExport(ctx, a, l, dir)
	if err != nil {
		return err
	}
	sample, err := exportedCells(filepath.Join(dir, "export.xlsx"), 1000)
	if err != nil {
		return err
	}
	raw, err := benchRawExcelize(sample, n, filepath.Join(dir, "raw.xlsx"))
	if err != nil {
		return err
	}
	add(fmt.Sprintf("Excel export, %d rows, vs raw excelize", n), fmt.Sprintf("%.2f× (%v; raw %v)", exp.Seconds()/raw.Seconds(), exp.Round(time.Millisecond), raw.Round(time.Millisecond)), "≤ 1.5×")

	// Key pages under load vs /healthz, the `yingji load` mix.
	fmt.Fprintf(out, "  … %d clients for %v\n", o.Clients, o.Duration)
	lat, err := a.runLoad(runCtx, base, LoadOptions{Clients: o.Clients, Duration: o.Duration, WriteShare: 0.2, Seed: 1})
	if err != nil {
		return err
	}
	s := lat.summary()
	add(fmt.Sprintf("key pages, %d clients, p95 ÷ /healthz p95", o.Clients), fmt.Sprintf("worst %.1f× (%s, p95 %v), home %.1f×; /healthz p95 %v; %d requests, %d failed",
		s.worstRatio, s.worst, s.worstP95.Round(time.Millisecond), s.homeRatio, s.health.Round(100*time.Microsecond), s.total, s.failed), "≤ 5×, 0 failed")
	add("peak memory (VmHWM of the whole run: demo load, server, clients, fixtures)", procStatus("VmHWM"), "")
	runtime.GC()
	add("memory after the run (VmRSS, after GC)", procStatus("VmRSS"), "")

	fmt.Fprintf(out, "\nyingji bench on %s (%d cores shared with other work; compare ratios, re-run when the load average was high):\n", engine, runtime.NumCPU())
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "measure\tresult\tgoal")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.what, r.result, r.goal)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if o.Rows < 1000000 {
		fmt.Fprintf(out, "(lists at 1,000,000 rows: BenchmarkLedger1M and BenchmarkScale1M in scripts/bench; --rows 1000000 imports that many here, slowly)\n")
	}
	for _, f := range s.failures {
		fmt.Fprintln(out, "  failure under load:", f)
	}
	if s.failed > 0 {
		return fmt.Errorf("bench: %d of %d requests failed under load", s.failed, s.total)
	}
	return nil
}

// coldStarts opens runs servers on empty SQLite databases, timing each from
// Open to the first /healthz answer, and reads the idle memory with one
// server open (after GC).
func coldStarts(ctx context.Context, runs int) ([]time.Duration, string, error) {
	var starts []time.Duration
	idle := ""
	for i := 0; i < runs; i++ {
		dir, err := os.MkdirTemp("", "yingji-bench-")
		if err != nil {
			return nil, "", err
		}
		t0 := time.Now()
		a, err := Open(ctx, config.Config{Addr: "127.0.0.1:0", DataDir: dir, County: "349901", CountyName: "示例县", AdminPassword: "Bench2022x", LogLevel: "error"}, Options{})
		if err != nil {
			os.RemoveAll(dir)
			return nil, "", err
		}
		if err := a.Listen(); err != nil {
			a.Close()
			os.RemoveAll(dir)
			return nil, "", err
		}
		go func() { _ = a.Serve() }()
		res, err := http.Get(a.URL() + "healthz")
		if err == nil {
			res.Body.Close()
			starts = append(starts, time.Since(t0))
		}
		if i == 0 {
			runtime.GC()
			time.Sleep(2 * time.Second)
			idle = procStatus("VmRSS")
		}
		_ = a.Shutdown(ctx)
		a.Close()
		os.RemoveAll(dir)
		if err != nil {
			return nil, "", err
		}
	}
	slices.Sort(starts)
	return starts, idle, nil
}

// benchWorkbook writes an enterprise ledger of n rows (new credit codes, the
// demo county's towns and sectors).
func (a *App) benchWorkbook(ctx context.Context, n int) ([]byte, error) {
	towns, err := a.Org.ListRegions(ctx, a.System(), org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		return nil, err
	}
	if len(towns) == 0 {
		return nil, errors.New("bench: the demo county has no towns")
	}
	var buf bytes.Buffer
	w, err := xlsx.NewWriter(&buf, enterprise.Schema())
	if err != nil {
		return nil, err
	}
	for i := range n {
		t := towns[i%len(towns)]
		row := []any{fmt.Sprintf("示例县压测企业%07d有限公司", i), enterprise.DemoCreditCode(a.Cfg.County, 500000+i), t.Code, "",
			fmt.Sprintf("%s工业园区%d号", t.Name, i%900+1), "", "", org.Sectors[i%len(org.Sectors)].ZH}
		if err := w.Write(row...); err != nil {
			w.Discard()
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// benchList times the enterprise list page (HTML, as section staff) in six
// filter shapes, ten times each, and returns the county's total.
func (a *App) benchList(ctx context.Context, base string) (int, time.Duration, time.Duration, error) {
	user, err := a.Auth.FindByUsername(ctx, "jg1")
	if err != nil {
		return 0, 0, 0, err
	}
	_, token, err := a.Auth.CreateToken(ctx, a.System(), user.ID, "bench")
	if err != nil {
		return 0, 0, 0, err
	}
	ents, total, err := a.Enterprise.List(ctx, a.System(), enterprise.Filter{Limit: 1})
	if err != nil || len(ents) == 0 {
		return 0, 0, 0, fmt.Errorf("bench: list enterprises: %w", err)
	}
	shapes := []string{"enterprises", "enterprises?page=50", "enterprises?q=" + "压测企业00012", "enterprises?sector=" + org.Sectors[0].Value,
		"enterprises?town=" + ents[0].TownCode, "enterprises?status=suspended"}
	c := &http.Client{Timeout: 30 * time.Second}
	var d []time.Duration
	for range 10 {
		for _, s := range shapes {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+s, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			t0 := time.Now()
			res, err := c.Do(req)
			if err != nil {
				return 0, 0, 0, err
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				return 0, 0, 0, fmt.Errorf("bench: GET /%s: status %d", s, res.StatusCode)
			}
			d = append(d, time.Since(t0))
		}
	}
	slices.Sort(d)
	return total, pct(d, 50), pct(d, 95), nil
}

// benchExport times the enterprise ledger's export of every row.
func benchExport(ctx context.Context, a *App, l *ledger.Ledger, dir string) (time.Duration, int, error) {
	f, err := os.Create(filepath.Join(dir, "export.xlsx"))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	t0 := time.Now()
	w, err := xlsx.NewWriter(f, l.ExportSchema())
	if err != nil {
		return 0, 0, err
	}
	if err := l.Export(ctx, a.System(), nil, w); err != nil {
		w.Discard()
		return 0, 0, err
	}
	n := w.Rows()
	if err := w.Close(); err != nil {
		return 0, 0, err
	}
	return time.Since(t0), n, nil
}

// exportedCells reads back up to max data rows of an exported workbook's
// first sheet (the cells the raw comparison writes again).
func exportedCells(path string, max int) ([][]any, error) {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := f.Rows(f.GetSheetName(0))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]any
	for i := 0; rows.Next() && len(out) < max; i++ {
		cols, err := rows.Columns()
		if err != nil {
			return nil, err
		}
		if i == 0 {
			continue // header
		}
		row := make([]any, len(cols))
		for j, c := range cols {
			row[j] = c
		}
		out = append(out, row)
	}
	if len(out) == 0 {
		return nil, errors.New("bench: the export has no rows")
	}
	return out, nil
}

// benchRawExcelize times excelize's stream writer alone writing n rows of
// the exported cells (cycled), the floor of an export.
func benchRawExcelize(cells [][]any, n int, path string) (time.Duration, error) {
	ncol := 0
	for _, r := range cells {
		ncol = max(ncol, len(r))
	}
	t0 := time.Now()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return 0, err
	}
	row := make([]any, ncol)
	for i := range n {
		src := cells[i%len(cells)]
		for j := range row {
			row[j] = nil
			if j < len(src) {
				row[j] = src[j]
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, row); err != nil {
			return 0, err
		}
	}
	if err := sw.Flush(); err != nil {
		return 0, err
	}
	if err := f.SaveAs(path); err != nil {
		return 0, err
	}
	return time.Since(t0), nil
}

// procStatus reads one memory line (VmRSS, VmHWM) of this process's
// /proc/self/status (Linux), in MB.
func procStatus(key string) string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, key+":") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.Atoi(f[1])
				return fmt.Sprintf("%.1f MB", float64(kb)/1024)
			}
		}
	}
	return "unknown"
}
