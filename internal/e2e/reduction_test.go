package e2e_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestTownReportsDisasterChain: section staff open a disaster event; the
// town's staff submit the 初报, are refused a 续报 whose figures jump
// without an explanation (the rule is named on the form, input kept), and
// submit it with one; the officers' coverage lists every village.
func TestTownReportsDisasterChain(t *testing.T) {
	exe := chromiumPath(t)
	ctx := budget(t)
	_, base := startApp(t, ctx)
	b := newTab(t, ctx, exe, base)
	set := func(css, v string) {
		t.Helper()
		if !js[bool](b, "set "+css, fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false; e.value = %q; return true; })()`, css, v)) {
			t.Fatalf("no field %s (page %s)", css, b.where())
		}
	}

	b.signIn("jg1", "yingji2022")
	b.openOK("/reduction/events/new")
	b.fill("#f-name", "6月25日局地强降雨")
	set("#f-started_at", "2022-06-25T08:00")
	if st := b.submit("open the event", "#event-form-save"); st != 200 {
		t.Fatalf("open event: %d", st)
	}
	event := b.path()
	if !strings.HasPrefix(event, "/reduction/events/") {
		t.Fatalf("after opening the event the page is %s", event)
	}

	b.submit("sign out", "#logout")
	b.signIn("town", "yingji2022")
	b.openOK(event)
	if got := b.selectedText("#f-town_code"); got != "籍山镇" {
		t.Fatalf("the town's report form offers %q", got)
	}
	set("#f-reported_at", "2022-06-25T09:30")
	b.fill("#f-affected", "100")
	if st := b.submit("初报", "#report-form-save"); st != 200 {
		t.Fatalf("初报: %d", st)
	}
	b.choose("#f-kind", "续报")
	set("#f-reported_at", "2022-06-26T09:30")
	b.fill("#f-affected", "900")
	if st := b.submit("续报 without an explanation", "#report-form-save"); st != 409 {
		t.Fatalf("a jump without an explanation answered %d, want 409", st)
	}
	if msg := b.text("#report-form .fielderr"); !strings.Contains(msg, "大幅变化") {
		t.Fatalf("the refusal does not name the rule: %q", msg)
	}
	if b.value("#f-affected") != "900" {
		t.Fatal("the form lost the input")
	}
	b.fill("#f-explanation", "新增核查两个村民组")
	if st := b.submit("续报 with an explanation", "#report-form-save"); st != 200 {
		t.Fatalf("续报: %d", st)
	}
	if n := b.count("#reports-table tbody tr"); n != 2 {
		t.Fatalf("the chain has %d reports, want 2", n)
	}
	b.screenshot("reduction-event-town.png")

	b.openOK("/reduction/officers/coverage")
	if n := b.count("#coverage-table tbody tr"); n != 5 { // 籍山镇's villages (none has an officer yet)
		t.Fatalf("coverage lists %d villages of the town, want 5", n)
	}
	b.screenshot("reduction-coverage-town.png")
}
