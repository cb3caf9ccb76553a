package e2e_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"yingji/internal/kit/demo"
)

// setOffline switches the tab's network off (navigator.onLine and every
// request) or on again.
func setOffline(b *tab, off bool) {
	b.t.Helper()
	b.do("network offline="+map[bool]string{true: "yes", false: "no"}[off], chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, t, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			EmulateOfflineServiceWorker: &off,
			MatchedNetworkConditions:    []*network.Conditions{{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}}}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: off, DownloadThroughput: -1, UploadThroughput: -1})
		return err
	}))
}

// waitJS waits until expr holds, across the navigations a script makes.
func waitJS(b *tab, what, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(8 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.t.Fatalf("waiting for %s: timed out (page %s)", what, b.where())
}

// TestInspectionOnPhoneOffline: on a 390 px phone, section staff register
// inspectors, draw up a plan, draw 双随机 tasks, inspect a drawn mine with
// a failed checklist item (a hazard is created); then an inspection filled
// with the network off waits in the browser, is sent once when the network
// returns, and a resend of it is not saved twice.
func TestInspectionOnPhoneOffline(t *testing.T) {
	exe := chromiumPath(t)
	ctx := budget(t)
	a, base := startApp(t, ctx)
	if err := a.Enterprise.Demo(ctx, io.Discard, "349901", demo.EnterpriseID, nil); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		var n int
		if err := a.DB.R().QueryRowContext(ctx, `SELECT count(*) FROM inspection`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	b := newTab(t, ctx, exe, base)
	b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	b.signIn("jg1", demo.Password)

	planPath, _ := planDrawInspect(t, b)

	b.openOK(planPath)
	if b.text("#plan-done") != "1" {
		t.Errorf("plan done after the inspection: %s", b.text("#plan-done"))
	}

	// Offline: the form is filled without network and waits in the browser.
	before := count()
	b.openOK("/inspections/new")
	b.do("service worker ready", chromedp.Poll[chromedp.Void](`navigator.serviceWorker && navigator.serviceWorker.controller !== undefined`, chromedp.WithPollingTimeout(5*time.Second)))
	setOffline(b, true)
	if !js[bool](b, "offline seen", `!navigator.onLine`) {
		t.Fatal("navigator.onLine is still true")
	}
	js[bool](b, "fill offline", `(() => { const s = document.getElementById('f-enterprise'); s.selectedIndex = 1;
		document.querySelectorAll('input[name=officers]').forEach(c => c.checked = true);
		const t = document.getElementById('f-template'); t.value = 'general'; t.dispatchEvent(new Event('change')); return true; })()`)
	b.do("save offline", chromedp.Click(chromedp.CSS("#inspection-save")))
	b.do("queued", chromedp.Poll[chromedp.Void](`!document.getElementById('offline-queue').hidden && document.querySelectorAll('#offline-queue .queued-item').length === 1`,
		chromedp.WithPollingTimeout(5*time.Second)))
	b.screenshot("phone-inspection-offline.png")
	if count() != before {
		t.Fatal("an inspection arrived while offline")
	}
	queued := get(b, "queued entry", chromedp.Evaluate[string](`window.yingjiInspectionQueue.all().then(l => JSON.stringify(l.map(e => ({client_id: e.client_id, user: e.user, fields: e.fields, at: e.at, label: e.label, files: []}))))`, chromedp.EvalAwaitPromise))
	setOffline(b, false)
	b.do("sent when online", chromedp.Poll[chromedp.Void](`document.getElementById('offline-queue').hidden`, chromedp.WithPollingTimeout(8*time.Second)))
	if got := count(); got != before+1 {
		t.Fatalf("after going online: %d inspections, want %d", got, before+1)
	}
	// The same entry sent again (its answer was lost): not saved twice.
	get(b, "resend", chromedp.Evaluate[bool](`(() => { const l = JSON.parse(`+jsString(queued)+`); const r = indexedDB.open('yingji-inspections', 1);
		return new Promise(ok => { r.onsuccess = () => { const tx = r.result.transaction('queue', 'readwrite'); tx.objectStore('queue').put(l[0]);
		tx.oncomplete = () => window.yingjiInspectionQueue.flush().then(() => ok(true)); }; }); })()`, chromedp.EvalAwaitPromise))
	if got := count(); got != before+1 {
		t.Fatalf("after the resend: %d inspections, want %d", got, before+1)
	}

	// A refused inspection (one officer) is not queued: the rule shows.
	b.openOK("/inspections/new")
	js[bool](b, "one officer", `(() => { document.getElementById('f-enterprise').selectedIndex = 1;
		const cs = document.querySelectorAll('input[name=officers]'); cs.forEach((c, i) => c.checked = i === 0); return true; })()`)
	b.do("save with one officer", chromedp.Click(chromedp.CSS("#inspection-save")))
	waitJS(b, "the refusal", `(() => { const n = document.getElementById('offline-note'); return !n.hidden && n.className.includes('err') && n.textContent.includes('2'); })()`)
	if got := count(); got != before+1 {
		t.Fatalf("a refused inspection was saved: %d", got)
	}
	if n := js[int](b, "queue after the refusal", `document.querySelectorAll('#offline-queue .queued-item').length`); n != 0 {
		t.Errorf("the refused inspection waits in the queue (%d)", n)
	}

	// Another user's entry left on the phone is neither shown nor sent.
	get(b, "another user's entry", chromedp.Evaluate[bool](`(() => { const l = JSON.parse(`+jsString(queued)+`); l[0].client_id = 'c-other-user'; l[0].user = 'someone-else';
		const r = indexedDB.open('yingji-inspections', 1);
		return new Promise(ok => { r.onsuccess = () => { const tx = r.result.transaction('queue', 'readwrite'); tx.objectStore('queue').put(l[0]);
		tx.oncomplete = () => window.yingjiInspectionQueue.flush().then(() => ok(true)); }; }); })()`, chromedp.EvalAwaitPromise))
	if n := await[int](b, "own queue", `window.yingjiInspectionQueue.all().then(l => l.length)`); n != 0 {
		t.Errorf("another user's entry is in this user's queue (%d)", n)
	}
	if got := count(); got != before+1 {
		t.Fatalf("another user's entry was sent: %d inspections, want %d", got, before+1)
	}

	// Logging out empties the pages kept for offline use.
	if n := await[int](b, "offline caches", `caches.keys().then(k => k.filter(x => x.startsWith('yingji-')).length)`); n == 0 {
		t.Fatal("no page was kept for offline use")
	}
	if st := b.submit("log out", "#logout"); st != 200 {
		t.Fatalf("log out: %d", st)
	}
	if n := await[int](b, "offline caches after logout", `caches.keys().then(k => k.filter(x => x.startsWith('yingji-')).length)`); n != 0 {
		t.Errorf("%d offline caches left after logout", n)
	}
}

// planDrawInspect registers jg1 and zhifa as inspectors, writes the
// 监管一股 plan of the 9 mines, draws 2 of them with 2 inspectors each
// (the draw replays), and inspects the first task on the phone with one
// failed checklist item, which raises a hazard; it ends on the hazard's
// page and returns the plan's and the inspection's paths.
func planDrawInspect(t *testing.T, b *tab) (planPath, inspPath string) {
	t.Helper()
	// Inspector register: jg1 and zhifa with their 执法证号.
	for _, who := range []struct{ user, cert string }{{"jg1", "皖应急执字001"}, {"zhifa", "皖应急执字003"}} {
		b.openOK("/inspectors")
		js[bool](b, "choose "+who.user, `(() => { const s = document.querySelector('#inspector-form select[name=user_id]');
			for (const o of s.options) if (o.text.includes('(`+who.user+`)') || o.text.includes('（`+who.user+`）')) { s.value = o.value; return true; } return false; })()`)
		b.fill(`#inspector-form input[name=cert_no]`, who.cert)
		if st := b.submit("save inspector", `#inspector-form button[type=submit]`); st != 200 {
			t.Fatalf("save inspector: %d", st)
		}
	}
	if n := b.count("#inspectors-table tbody tr"); n != 2 {
		t.Fatalf("register has %d inspectors", n)
	}

	// The 监管一股 plan: the 9 mines, 4 key and 5 general.
	b.openOK("/inspection-plans/new")
	if n := js[int](b, "mark the mines", `(() => { let n = 0; document.querySelectorAll('#plan-form tr').forEach(tr => {
		if (!tr.textContent.includes('矿') && !tr.textContent.includes('石')) return; const s = tr.querySelector('select'); if (!s || n >= 9) return;
		s.value = n < 4 ? 'key' : 'general'; n++; }); return n; })()`); n != 9 {
		t.Fatalf("marked %d mines", n)
	}
	if st := b.submit("save plan", "#plan-save"); st != 200 || !strings.HasPrefix(b.path(), "/inspection-plans/") {
		t.Fatalf("save plan: %d on %s", st, b.path())
	}
	if b.text("#plan-planned") != "9" || b.text("#plan-done") != "0" {
		t.Fatalf("plan progress %s/%s", b.text("#plan-planned"), b.text("#plan-done"))
	}
	planPath = b.path()

	// 双随机: 2 of the plan's general enterprises, 2 inspectors each.
	b.openOK("/inspection-draws?plan=" + strings.TrimPrefix(planPath, "/inspection-plans/"))
	b.fill("#f-count", "2")
	if st := b.submit("draw", "#draw-submit"); st != 200 || b.count("#tasks-table tbody tr") != 2 {
		t.Fatalf("draw: %d, %d tasks", st, b.count("#tasks-table tbody tr"))
	}
	b.openOK(b.path() + "?replay=1")
	if !strings.Contains(b.text("#replay-result"), "一致") {
		t.Errorf("replay: %s", b.text("#replay-result"))
	}

	// Inspect the first task: both drawn officers are ticked; one item fails.
	if st := b.submit("open the task", ".task-inspect"); st != 200 {
		t.Fatalf("task form: %d", st)
	}
	if n := js[int](b, "officers ticked", `document.querySelectorAll('input[name=officers]:checked').length`); n != 2 {
		t.Fatalf("%d officers ticked", n)
	}
	if sw := js[int](b, "form width", `document.documentElement.scrollWidth`); sw > 390 {
		t.Errorf("the inspection form is %dpx wide on a 390px phone", sw)
	}
	js[bool](b, "fail the first item", `(() => { const fs = [...document.querySelectorAll('fieldset.checklist')].find(f => !f.hidden);
		const r = fs.querySelector('input[type=radio][value=fail]'); r.click(); return r.checked; })()`)
	b.screenshot("phone-inspection-form.png")
	b.do("save the inspection", chromedp.Click(chromedp.CSS("#inspection-save")))
	waitJS(b, "the inspection page", `location.pathname.startsWith('/inspections/') && location.pathname !== '/inspections/new' && !!document.getElementById('insp-hazards')`)
	if h := b.text("#insp-hazards"); h != "1" {
		t.Fatalf("hazards raised: %s", h)
	}
	inspPath = b.path()
	if st := b.submit("open the hazard", ".hazard-link"); st != 200 || !strings.HasPrefix(b.path(), "/hazards/") {
		t.Fatalf("hazard page: %d %s", st, b.path())
	}
	return planPath, inspPath
}
