package e2e_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"yingji/internal/kit/demo"
)

// TestWarningDraftApproveAckOnPhone: the duty officer drafts a warning →
// the leader approves (the author cannot) → the officer publishes → a town
// user acknowledges on a 390 px phone → the officer sees who has not.
func TestWarningDraftApproveAckOnPhone(t *testing.T) {
	exe := chromiumPath(t)
	ctx := budget(t)
	a, base := startApp(t, ctx)
	county := a.Cfg.County
	cst := time.FixedZone("CST", 8*3600)
	eff := time.Now().In(cst).Add(time.Hour).Format("2006-01-02T15:04")
	exp := time.Now().In(cst).Add(25 * time.Hour).Format("2006-01-02T15:04")

	// The officer drafts.
	ob := newTab(t, ctx, exe, base)
	ob.signIn("zhiban", demo.Password)
	ob.openOK("/warnings")
	if st := ob.submit("open the form", "#new-warning"); st != 200 {
		t.Fatalf("form: %d", st)
	}
	ob.choose("#f-type", "暴雨")
	ob.choose("#f-level", "橙色")
	js[bool](ob, "set times and area", fmt.Sprintf(`(() => {
		document.querySelector("#f-effective_at").value = %s;
		document.querySelector("#f-expires_at").value = %s;
		for (const c of ["%[3]s100", "%[3]s101"]) document.querySelector('#f-towns input[value="' + c + '"]').checked = true;
		return true })()`, jsString(eff), jsString(exp), county))
	ob.fill("#f-instruction", "转移低洼地带群众，防汛责任人上岗到位")
	if st := ob.submit("save the draft", "#warning-save"); st != 200 {
		t.Fatalf("save: %d (%s)", st, ob.text("body"))
	}
	path := ob.path()
	if !strings.HasPrefix(path, "/warnings/") || ob.count("#approve") != 0 || ob.count("#four-eyes") != 1 {
		t.Fatalf("after drafting: %s, approve buttons %d", path, ob.count("#approve"))
	}

	// The leader approves.
	lb := newTab(t, ctx, exe, base)
	lb.signIn("leader", demo.Password)
	lb.openOK(path)
	if st := lb.submit("approve", "#approve"); st != 200 {
		t.Fatalf("approve: %d", st)
	}
	if !strings.Contains(lb.text("#approver"), "王局长") {
		t.Fatalf("approver: %q", lb.text("#approver"))
	}

	// The officer publishes.
	ob.openOK(path)
	if st := ob.submit("publish", "#publish"); st != 200 {
		t.Fatalf("publish: %d", st)
	}
	if n := ob.count("#recipients-table tbody tr"); n < 3 {
		t.Fatalf("recipients: %d", n)
	}

	// The town acknowledges on a phone.
	tb := newTab(t, ctx, exe, base)
	tb.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	tb.signIn("town", demo.Password)
	tb.openOK("/warnings")
	if st := tb.submit("open the warning", "#warnings-table tbody a"); st != 200 {
		t.Fatalf("open: %d", st)
	}
	if sw := js[int](tb, "page width", `document.documentElement.scrollWidth`); sw > 390 {
		t.Errorf("the warning page is %dpx wide on a 390px phone", sw)
	}
	if !tb.reallyVisible("#ack") {
		t.Fatal("the 签收 button is not visible on the phone")
	}
	if st := tb.submit("acknowledge", "#ack"); st != 200 {
		t.Fatalf("ack: %d", st)
	}
	if !strings.Contains(tb.text("#my-ack"), "签收") {
		t.Fatalf("after ack: %q", tb.text("#my-ack"))
	}
	tb.screenshot("warning-ack-phone.png")

	// The officer sees who has not.
	ob.openOK(path)
	open := ob.text("#unacked")
	if strings.Contains(open, "籍山镇") || !strings.Contains(open, "弋江镇") {
		t.Fatalf("unacknowledged: %q", open)
	}
	ob.screenshot("warning-unacked.png")
}
