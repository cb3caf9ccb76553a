package e2e_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"yingji/internal/app"
	"yingji/internal/bureau/campaign/housing"
	"yingji/internal/kit/demo"
	"yingji/internal/kit/web"
)

// startHousingApp opens a fresh Yingji with the demo county and the demo
// housing survey (128,053 buildings) and returns the app and its URL.
func startHousingApp(t *testing.T, ctx context.Context) (*app.App, string) {
	t.Helper()
	a := openApp(t, ctx)
	loadCounty(t, ctx, a)
	if err := a.Campaign.Housing.Demo(ctx, io.Discard, a.Cfg.County); err != nil {
		t.Fatalf("load demo buildings: %v", err)
	}
	return a, serve(t, a)
}

// TestHousingTownAppraisal: a town user sees only the town's buildings,
// records an appraisal with its grade and report file, and the county's
// progress counts it.
func TestHousingTownAppraisal(t *testing.T) {
	exe := chromiumPath(t)
	ctx := budget(t)
	a, base := startHousingApp(t, ctx)
	c, err := a.Campaign.Housing.CampaignByName(ctx, a.System(), housing.DemoCampaign)
	if err != nil {
		t.Fatal(err)
	}
	before, err := a.Campaign.Housing.Progress(ctx, a.System(), c.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	b := newTab(t, ctx, exe, base)

	// The town's staff: their town's buildings only, no town filter.
	b.signIn("town", demo.Password)
	b.openOK("/housing/" + c.ID + "/buildings?stage=need_appraisal")
	towns := b.column("#buildings-table", 4)
	if len(towns) != housing.DemoPendingAppraisal {
		t.Fatalf("buildings waiting for an appraisal: %d, want %d", len(towns), housing.DemoPendingAppraisal)
	}
	for _, x := range towns {
		if x != "籍山镇" {
			t.Fatalf("a town user sees a building of %s", x)
		}
	}
	if b.count("#f-town") != 0 {
		t.Fatal("a town user is offered other towns")
	}
	b.openOK("/housing/" + c.ID + "/buildings")
	if got := b.text(".pager span"); !strings.Contains(got, "18,200") {
		t.Fatalf("the town's buildings: %q, want 18,200 (4,200 urban + 14,000 rural)", got)
	}

	// Record the appraisal of the first waiting building, with its report.
	b.openOK("/housing/" + c.ID + "/buildings?stage=need_appraisal")
	b.do("open the building", chromedp.Click(chromedp.CSS("#buildings-table tbody tr:first-child a")), chromedp.WaitVisible(chromedp.CSS("#step-form")))
	code := b.text("h1 .mono")
	report := filepath.Join(t.TempDir(), "鉴定报告.pdf")
	if err := os.WriteFile(report, []byte("%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.choose("#s-grade", "C")
	b.fill("#s-agency", "芜湖市建设工程质量检测中心")
	b.do("choose the report", chromedp.SetUploadFiles(chromedp.CSS("#s-report"), []string{report}))
	if st := b.submit("record the appraisal", "#step-save"); st != 200 {
		t.Fatalf("record the appraisal: status %d", st)
	}
	if got := b.text(".flash.ok"); !strings.Contains(got, "专业鉴定") {
		t.Fatalf("flash after the appraisal: %q", got)
	}
	if got := b.text("#timeline li[data-step=appraise]"); !strings.Contains(got, "C 级") || !strings.Contains(got, "鉴定报告.pdf") {
		t.Fatalf("timeline: %q", got)
	}
	if n := b.count("a.report-file"); n != 1 {
		t.Fatalf("report files shown: %d", n)
	}
	b.screenshot("housing-building.png")

	// The county's progress counts it.
	b.do("log out", chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#username")))
	b.loginOK("leader", demo.Password)
	b.openOK("/housing/" + c.ID)
	got := b.text(`#progress-total td[data-m="appraised"][data-part="total"]`)
	want := before.ByTotal[housing.MAppraised].Total() + 1
	if got != web.Num(want) {
		t.Fatalf("county appraised: %s, want %s (building %s)", got, web.Num(want), code)
	}
	if got := b.text(`#progress-table a[href$="town=349901100"]`); got != "籍山镇" {
		t.Fatalf("progress rows: %q", got)
	}
	if n := b.count("#warnings li"); n != 2 { // F-HOUSE-5: 385 + 310 ≠ 685, and 310 rural against 300 recorded
		t.Fatalf("consistency warnings: %d, want 2", n)
	}
	if !b.reallyVisible(".chart canvas") {
		t.Fatal("the progress chart is not drawn")
	}
	b.screenshot("housing-progress.png")
}
