package e2e_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"yingji/internal/kit/demo"
)

// TestLeaderReadsAndWritesTheHalfYearReport: the leader opens the
// half-year report written from the demo records, clicks a figure and sees
// exactly the records it counts, writes a paragraph and saves it as a
// version, and downloads the PDF and the DOCX, which carry the figures
// and the words.
func TestLeaderReadsAndWritesTheHalfYearReport(t *testing.T) {
	exe := chromiumPath(t)
	// The whole demo (128,053 buildings) loads first: a longer budget.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(func() {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			t.Error("the test ran out of its budget")
		}
		cancel()
	})
	a := openApp(t, ctx)
	if err := a.LoadDemo(ctx, io.Discard); err != nil {
		t.Fatal(err)
	}
	base := serve(t, a)
	b := newTab(t, ctx, exe, base)
	b.signIn("leader", demo.Password)
	b.openOK("/reports?from=2022-01-01&to=2022-06-30")
	if txt := b.text("#report-text"); !strings.Contains(txt, "排查问题隐患90条") || !strings.Contains(txt, "128053栋") {
		t.Fatalf("report text: %s", txt)
	}
	// The 90 of the mines' full check opens the 90 hazards it counts.
	if st := b.submit("click the figure 90", `[data-figure="F-MINE-3"] a.fig[href*="third_party"]`); st != http.StatusOK {
		t.Fatalf("figure link: %d", st)
	}
	if got := b.text("#count-found"); got != "90" {
		t.Errorf("the figure's records: %s hazards at %s", got, b.path())
	}
	b.openOK("/reports?from=2022-01-01&to=2022-06-30")
	js[bool](b, "open the editor", `(() => { document.querySelector("#report-editor").open = true; return true })()`)
	b.fill(`textarea[name="narrative.intro"]`, "上半年，全县应急管理工作稳中有进。")
	b.fill(`textarea[name="narrative.housing"]`, "自建房专项整治按期推进。")
	if st := b.submit("save the draft", "#draft-save"); st != http.StatusOK {
		t.Fatalf("save: %d", st)
	}
	if search := js[string](b, "location", "location.search"); !strings.Contains(search, "draft=") ||
		!strings.Contains(b.text("#report-text"), "自建房专项整治按期推进。全县共排查自建房128053栋") {
		t.Fatalf("saved version: %s %s", search, b.text("#report-text"))
	}
	if n := b.count("#report-versions a"); n != 1 {
		t.Errorf("versions listed: %d", n)
	}
	// The exports of this version, fetched with the browser's session.
	for _, c := range []struct{ css, want string }{{"#export-pdf", "application/pdf"}, {"#export-docx", "wordprocessingml"}} {
		href := js[string](b, "export link", `document.querySelector("`+c.css+`").href`)
		typ := await[string](b, "fetch "+c.css, `fetch(`+jsString(href)+`).then(r => r.headers.get("Content-Type"))`)
		if !strings.Contains(typ, c.want) {
			t.Errorf("%s: %s", c.css, typ)
		}
	}
	// The scope is chosen from a list: 籍山镇's report counts only its records.
	b.openOK("/reports?from=2022-01-01&to=2022-06-30")
	if n := b.count("#report-scope option"); n != 10 {
		t.Errorf("scope choices: %d (the county and nine towns)", n)
	}
	js[bool](b, "choose 籍山镇", `(() => { document.querySelector("#report-scope").value = "349901100"; return true })()`)
	if st := b.submit("show the town's report", `#report-filter button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("town report: %d", st)
	}
	if search := js[string](b, "location", "location.search"); !strings.Contains(search, "region=349901100") ||
		strings.Contains(b.text("#report-text"), "128053栋") || !strings.Contains(b.text("#report-text"), "共排查自建房") {
		t.Errorf("town report: %s %s", search, b.text("#report-text"))
	}
}
