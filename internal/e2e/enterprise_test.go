package e2e_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/xlsx/xlsxtest"
)

// startFullApp opens a fresh Yingji with all demo records and the job
// runner (imports run as background jobs) and returns its base URL.
func startFullApp(t *testing.T, ctx context.Context) string {
	t.Helper()
	a := openApp(t, ctx)
	if err := a.LoadDemo(ctx, io.Discard); err != nil {
		t.Fatalf("load demo: %v", err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	if err := a.Start(runCtx); err != nil {
		stop()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop()
		a.Stop()
	})
	return serve(t, a)
}

// ledgerFile writes rows under the enterprise template's header to a file.
func ledgerFile(t *testing.T, name string, rows [][]any) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, xlsxtest.Fill(t, enterprise.Schema(), rows), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestEnterpriseImportMapExport: import a template with one bad row → the
// error is shown with its row → fix → import → the enterprise is on the
// list and on the map → export → the export re-reads to the same rows.
func TestEnterpriseImportMapExport(t *testing.T) {
	exe := chromiumPath(t)
	ctx := budget(t)
	base := startFullApp(t, ctx)
	b := newTab(t, ctx, exe, base)
	b.signIn("admin", adminPassword)
	good1 := enterprise.DemoCreditCode("349901", 7001)
	good2 := enterprise.DemoCreditCode("349901", 7002)
	bad := good2[:17] + map[bool]string{true: "1", false: "2"}[good2[17] != '1']
	row := func(name, code, town string) []any {
		return []any{name, code, town, "", "工业大道8号", 118.30, 30.90, "机械", "规上", "粉尘涉爆", "监管二股", "孙厂长", "13912345678", "钱安全", "13812345678", "在营", "一般"}
	}
	rows := [][]any{row("示例县浏览器测试机械有限公司", good1, "三里镇"), row("示例县浏览器测试二号机械有限公司", bad, "三里镇")}
	// Give the rows points inside 三里镇: ask the map outline for one.
	pt := await[[]float64](b, "point in 三里镇", `(async () => {
		const r = await fetch('/map/outline.geojson'); const g = await r.json();
		const f = g.features.find(f => f.properties.code === '349901105');
		const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
		let x = 0, y = 0; for (const p of ring) { x += p[0]; y += p[1]; }
		return [y / ring.length, x / ring.length];
	})()`)
	for _, r := range rows {
		r[5], r[6] = pt[1], pt[0]
	}

	upload := func(path string) {
		b.openOK("/enterprises/import")
		b.do("choose file", chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{path}))
		if st := b.submit("upload", "#import-submit"); st != 200 {
			t.Fatalf("upload: status %d", st)
		}
		if !strings.HasPrefix(b.path(), "/jobs/") {
			t.Fatalf("upload should lead to the job page, got %s", b.path())
		}
	}
	waitFor := func(css string) {
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			if b.count(css) > 0 {
				return
			}
			time.Sleep(300 * time.Millisecond)
		}
		t.Fatalf("%s did not appear on %s: %s", css, b.path(), b.text("#content"))
	}

	upload(ledgerFile(t, "bad.xlsx", rows))
	waitFor("#import-rows-invalid")
	errRow := b.column("#import-errors", 1)
	errCol := b.column("#import-errors", 3)
	if len(errRow) != 1 || errRow[0] != "3" || !strings.Contains(errCol[0], "统一社会信用代码") {
		t.Fatalf("error table: rows %v columns %v", errRow, errCol)
	}
	if b.count("#error-report") != 1 || b.count("#import-only-valid") != 1 {
		t.Fatal("the error report link and the only-valid button must be offered")
	}
	b.openOK("/enterprises?q=" + good1)
	if b.count("#enterprises-table") != 0 {
		t.Fatal("a file with a bad row committed its good row")
	}

	// Fix the row and import again.
	rows[1][1] = good2
	upload(ledgerFile(t, "fixed.xlsx", rows))
	waitFor("#import-ok")

	b.openOK("/enterprises?q=" + "浏览器测试")
	names := b.column("#enterprises-table", 1)
	if len(names) != 2 {
		t.Fatalf("list after import: %v", names)
	}

	// On the map: the points endpoint behind the page finds both.
	b.openOK("/map?q=" + "浏览器测试")
	waitFor("#map canvas")
	n := await[float64](b, "map points", `(async () => {
		const r = await fetch('/api/v1/map/points?layer=enterprises&q=' + encodeURIComponent('浏览器测试'));
		const j = await r.json(); return j.layers[0].points.length; })()`)
	if n != 2 {
		t.Fatalf("map points: %v, want 2", n)
	}
	summary := b.text("#map-summary")
	if !strings.Contains(summary, "2") {
		t.Fatalf("map summary: %q", summary)
	}
	b.screenshot("enterprise-map.png")

	// Export the filtered list; it re-reads to the same rows.
	data := await[string](b, "export", `(async () => {
		const r = await fetch('/enterprises/export?q=' + encodeURIComponent('浏览器测试'));
		const buf = new Uint8Array(await r.arrayBuffer()); let s = '';
		for (let i = 0; i < buf.length; i++) s += String.fromCharCode(buf[i]);
		return btoa(s); })()`)
	raw, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("export is not a workbook: %v", err)
	}
	got, _ := x.GetRows(x.GetSheetName(0))
	if len(got) != 3 {
		t.Fatalf("export rows: %v", got)
	}
	byCode := map[string][]string{}
	for _, r := range got[1:] {
		byCode[r[1]] = r
	}
	for _, want := range rows {
		r := byCode[want[1].(string)]
		if r == nil || r[0] != want[0] || r[2] != "三里镇" || r[7] != "机械" || r[10] != "监管二股" || r[16] != "一般" {
			t.Fatalf("exported row for %s: %v", want[1], r)
		}
	}
}

// await evaluates an async JavaScript expression and decodes its result.
func await[T any](b *tab, what, expr string) T {
	b.t.Helper()
	return get(b, what, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}
