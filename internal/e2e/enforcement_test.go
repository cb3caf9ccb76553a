package e2e_test

import (
	"io"
	"net/url"
	"strings"
	"testing"
	"yingji/internal/kit/demo"

	"github.com/chromedp/chromedp"
)

// TestOfficerIssuesOrderAndCaseIsFined: on a 390 px phone an enforcement
// officer issues a numbered 责令限期整改指令书 for an inspection, opens a
// case; the leader approves the filing (not the officer, who drafted it);
// the officer notifies and decides a fine; the case shows its documents.
func TestOfficerIssuesOrderAndCaseIsFined(t *testing.T) {
	exe := chromiumPath(t)
	ctx := budget(t)
	// The demo county and its enterprises only (the first demo loader is
	// the enterprise register's): the whole demo takes the test's budget.
	a := openApp(t, ctx)
	loadCounty(t, ctx, a)
	if err := a.DemoLoaders()[0](ctx, io.Discard); err != nil {
		t.Fatal(err)
	}
	base := serve(t, a)
	b := newTab(t, ctx, exe, base)
	b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	const mine = "示例县汇成矿业有限公司"

	b.signIn("zhifa", "yingji2022")
	b.openOK("/enforcement/documents/new?inspection=INSP-E2E")
	if v := b.value("#f-inspection"); v != "INSP-E2E" {
		t.Fatalf("the form does not carry the inspection: %q", v)
	}
	b.choose("#f-kind", "order")
	b.choose("#f-enterprise", mine)
	if st := b.submit("issue the order", "#document-save"); st != 200 {
		t.Fatalf("issue: status %d", st)
	}
	if n := b.text("#doc-number"); !strings.HasPrefix(n, "（示）应急责改〔") || !strings.HasSuffix(n, "〕1号") {
		t.Fatalf("document number %q", n)
	}
	if e := b.text("#doc-enterprise"); e != mine {
		t.Fatalf("document enterprise %q", e)
	}
	if b.count(`#print[href$="/pdf"]`) != 1 {
		t.Fatal("no print link")
	}
	// The re-inspection opinion follows the order, prefilled from it.
	if st := b.submit("follow with a review", "#follow-review"); st != 200 {
		t.Fatalf("review form: %d", st)
	}
	if k, e := b.selectedText("#f-kind"), b.selectedText("#f-enterprise"); k != "整改复查意见书" || e != mine {
		t.Fatalf("review form prefilled with %q, %q", k, e)
	}
	if st := b.submit("issue the review", "#document-save"); st != 200 {
		t.Fatalf("review: %d", st)
	}
	if n := b.text("#doc-number"); !strings.HasPrefix(n, "（示）应急复查〔") {
		t.Fatalf("review number %q", n)
	}

	caseToFine(t, b, "/enforcement/cases/new?inspection=INSP-E2E", mine)
}

// caseToFine opens a case on the enterprise as zhifa (the form at
// newCase), has the leader approve the filing, refuses a fine above the
// cap and decides a fine of 4000 元, on the phone.
func caseToFine(t *testing.T, b *tab, newCase, enterprise string) {
	t.Helper()
	b.openOK(newCase)
	b.choose("#f-enterprise", enterprise)
	b.fill("#f-cause", "值班人员脱岗")
	b.choose("#f-basis", "penalty_45")
	if st := b.submit("open the case", "#case-save"); st != 200 {
		t.Fatalf("open case: %d", st)
	}
	loc, _ := url.Parse(b.where())
	caseURL := loc.Path
	// The drafter is not offered the approval.
	if b.count(`#f-action option[value="approve_filing"]`) != 0 {
		t.Fatal("the drafter is offered the filing approval")
	}
	if st := b.submit("log out", "#logout"); st != 200 {
		t.Fatalf("logout: %d", st)
	}
	b.loginOK("leader", "yingji2022")
	b.openOK(caseURL)
	b.choose("#f-action", "approve_filing")
	if st := b.submit("approve the filing", "#step-save"); st != 200 {
		t.Fatalf("approve: %d", st)
	}
	if st := b.submit("log out", "#logout"); st != 200 {
		t.Fatalf("logout: %d", st)
	}
	b.loginOK("zhifa", "yingji2022")
	b.openOK(caseURL)
	b.choose("#f-action", "notify")
	b.fill("#f-fine", "40000")
	if st := b.submit("notify a fine above the cap", "#step-save"); st != 422 {
		t.Fatalf("a fine above the cap: status %d, want 422", st)
	}
	b.choose("#f-action", "notify")
	b.fill("#f-fine", "4000")
	if st := b.submit("notify", "#step-save"); st != 200 {
		t.Fatalf("notify: %d", st)
	}
	b.choose("#f-action", "decide")
	b.fill("#f-fine", "4000")
	if st := b.submit("decide", "#step-save"); st != 200 {
		t.Fatalf("decide: %d", st)
	}
	if f := b.text("#case-fine"); f != "4000.00" {
		t.Errorf("fine shown %q", f)
	}
	if n := b.count("#case-documents li"); n != 3 {
		t.Errorf("%d case documents, want 立案审批表, 告知书, 决定书", n)
	}
	if sw := js[int](b, "page width", `document.documentElement.scrollWidth`); sw > 390 {
		t.Errorf("the case page is %dpx wide on a 390px phone: %s", sw, js[string](b, "wide elements", `Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > 392).slice(0, 8).map(e => e.tagName + "#" + e.id + "." + e.className + ":" + Math.round(e.getBoundingClientRect().right)).join(" ")`))
	}
}

// TestPlanToFineOnPhone is the whole enforcement journey on a 390 px
// phone: plan → 双随机 draw → inspection with a failed checklist item →
// hazard raised → the inspection's 责令限期整改指令书, numbered and
// printable → case opened → fine decided.
func TestPlanToFineOnPhone(t *testing.T) {
	exe := chromiumPath(t)
	ctx := budget(t)
	a, base := startApp(t, ctx)
	if err := a.Enterprise.Demo(ctx, io.Discard, "349901", demo.EnterpriseID, nil); err != nil {
		t.Fatal(err)
	}
	b := newTab(t, ctx, exe, base)
	b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	b.signIn("jg1", demo.Password)
	_, inspPath := planDrawInspect(t, b)

	// From the inspection: its documents form, carrying the inspection,
	// the enterprise and the hazard raised; the order is issued.
	b.openOK(inspPath)
	if st := b.submit("open the documents form", "#doc-link"); st != 200 {
		t.Fatalf("documents form: %d", st)
	}
	if v := b.value("#f-inspection"); v == "" || !strings.HasSuffix(inspPath, v) {
		t.Fatalf("the form carries inspection %q (page %s)", v, inspPath)
	}
	enterprise := b.selectedText("#f-enterprise")
	b.choose("#f-kind", "order")
	if st := b.submit("issue the order", "#document-save"); st != 200 {
		t.Fatalf("issue the order: %d", st)
	}
	if n := b.text("#doc-number"); !strings.HasPrefix(n, "（示）应急责改〔") {
		t.Fatalf("order number %q", n)
	}
	if b.count(`#print[href$="/pdf"]`) != 1 {
		t.Fatal("no print link for the order")
	}
	if st := b.submit("log out", "#logout"); st != 200 {
		t.Fatalf("logout: %d", st)
	}
	b.loginOK("zhifa", demo.Password)
	caseToFine(t, b, "/enforcement/cases/new?inspection="+strings.TrimPrefix(inspPath, "/inspections/"), enterprise)
}
