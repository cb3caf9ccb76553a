// Package e2e_test drives Yingji in a real headless Chromium: it logs in,
// fills the server-rendered forms, switches the language and checks what a
// town's staff member can see, as a person would.
//
// Run: go test -count=1 -v ./internal/e2e/ (YINGJI_SCREENSHOTS=/tmp/shots
// keeps the screenshots; YINGJI_CHROMIUM names another browser). Without
// Chromium the tests skip, unless CI is set, where they fail.
package e2e_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"yingji/internal/kit/demo"
)

// The town user the administrator creates.
const (
	townUser     = "yjzhen"
	townName     = "弋江镇安监员"
	townPassword = "Yijiang2024"
	townCode     = "349901101"
	townLabel    = "弋江镇"
	townUnit     = "弋江镇人民政府"
)

func TestAdminCreatesTownUserWhoSeesOnlyTheTown(t *testing.T) {
	started := time.Now()
	b := setup(t)

	// --- The administrator logs in, first with a wrong password.
	b.openOK("/login")
	if got := b.lang(); got != "zh-CN" {
		t.Errorf("login page lang = %q, want zh-CN (Chinese is the default)", got)
	}
	if st := b.login("admin", "Wrong2022x"); st != 401 {
		t.Errorf("wrong password: status %d, want 401", st)
	}
	if got := b.text("#login-error"); got != "用户名或密码错误" {
		t.Errorf("login error = %q, want the generic 用户名或密码错误", got)
	}
	if got := b.value("#username"); got != "admin" {
		t.Errorf("username field after a failed login = %q, want the typed admin", got)
	}
	if got := b.value("#password"); got != "" {
		t.Errorf("password field after a failed login = %q, want it empty", got)
	}
	b.loginOK("admin", adminPassword)
	if p := b.path(); p != "/" {
		t.Fatalf("after login the browser is on %s, want /", p)
	}
	if got := b.lang(); got != "zh-CN" {
		t.Errorf("home lang = %q, want zh-CN", got)
	}
	if got := b.text("main h1"); got != "系统管理员，您好" {
		t.Errorf("home greeting = %q, want 系统管理员，您好", got)
	}
	if got := b.text("#scope-line"); !strings.Contains(got, "全县") {
		t.Errorf("admin scope line = %q, want it to name 全县", got)
	}
	if got := b.text("#sidenav"); !strings.Contains(got, "用户管理") || !strings.Contains(got, "行政区划") {
		t.Errorf("Chinese navigation = %q, want 用户管理 and 行政区划", got)
	}
	if n := b.count(`#sidenav a[href="/"]`); n != 1 {
		t.Errorf("the navigation has %d links to the home page 首页, want 1 (nav: %q)", n, b.text("#sidenav"))
	}

	// --- English and back to Chinese.
	if got := b.text("#lang-switch"); got != "English" {
		t.Errorf("language switch reads %q, want English", got)
	}
	if st := b.submit("switch to English", "#lang-switch"); st != 200 {
		t.Fatalf("switch to English: status %d", st)
	}
	if p := b.path(); p != "/" {
		t.Errorf("after switching language the browser is on %s, want / (the page it was on)", p)
	}
	if got := b.lang(); got != "en" {
		t.Errorf("lang after switching = %q, want en", got)
	}
	nav := b.text("#sidenav")
	for _, want := range []string{"Users", "Regions"} {
		if !strings.Contains(nav, want) {
			t.Errorf("English navigation = %q, want %q in it", nav, want)
		}
	}
	if strings.Contains(nav, "用户管理") {
		t.Errorf("English navigation still has Chinese labels: %q", nav)
	}
	if got := b.text("#scope-line"); !strings.Contains(got, "Whole county") {
		t.Errorf("English scope line = %q, want Whole county", got)
	}
	if got := b.text("#lang-switch"); got != "中文" {
		t.Errorf("language switch in English reads %q, want 中文", got)
	}
	if st := b.submit("switch back to Chinese", "#lang-switch"); st != 200 {
		t.Fatalf("switch back to Chinese: status %d", st)
	}
	if got := b.lang(); got != "zh-CN" {
		t.Errorf("lang after switching back = %q, want zh-CN", got)
	}
	if got := b.text("#sidenav"); !strings.Contains(got, "用户管理") {
		t.Errorf("navigation after switching back = %q, want 用户管理", got)
	}

	// --- A new user: a weak password first.
	b.openOK("/users")
	b.do("wait for the new-user link", chromedp.WaitVisible(chromedp.ID("new-user")))
	if st := b.submit("open the new-user form", "#new-user"); st != 200 {
		t.Fatalf("new-user form: status %d", st)
	}
	if p := b.path(); p != "/users/new" {
		t.Fatalf("the new-user link led to %s, want /users/new", p)
	}
	b.fill("#f-username", townUser)
	b.fill("#f-display_name", townName)
	b.choose("#f-unit", townUnit)
	b.fill("#f-password", "abc")
	if st := b.submit("save with a weak password", "#user-save"); st != 422 {
		t.Errorf("weak password: status %d, want 422", st)
	}
	if p := b.path(); p != "/users" {
		t.Errorf("the invalid form is shown at %s, want /users (the POST target)", p)
	}
	if got := b.text("#user-form .fielderr"); got != "密码至少 8 位，且须同时包含字母和数字" {
		t.Errorf("password field error = %q", got)
	}
	if n := b.count("#user-form .fielderr"); n != 1 {
		t.Errorf("%d field errors shown, want only the password's", n)
	}
	if n := b.count("label:has(#f-password) .fielderr"); n != 1 {
		t.Errorf("the password error is not next to the password field")
	}
	if got := b.value("#f-username"); got != townUser {
		t.Errorf("username after the failed save = %q, want %q kept", got, townUser)
	}
	if got := b.value("#f-display_name"); got != townName {
		t.Errorf("display name after the failed save = %q, want %q kept", got, townName)
	}
	if got := b.selectedText("#f-unit"); got != townUnit {
		t.Errorf("unit after the failed save = %q, want %q kept", got, townUnit)
	}
	if got := b.value("#f-password"); got != "" {
		t.Errorf("password after the failed save = %q, want it not echoed", got)
	}

	// --- The valid save: role town, region 弋江镇.
	b.choose("#f-role", "town")
	b.choose("#f-region", townCode)
	b.fill("#f-password", townPassword)
	st := b.submit("save the town user", "#user-save")
	if p := b.path(); !strings.HasPrefix(p, "/users/") || p == "/users/new" {
		t.Fatalf("after saving the browser is on %s (status %d), want the user's page /users/{id}", p, st)
	}
	if got := b.text("main .flash.ok"); !strings.Contains(got, "用户已创建") {
		t.Errorf("flash after saving = %q, want 用户已创建", got)
	}
	// The user's page: checked without stopping the test, so that the town
	// user's part below still runs when only this page is broken.
	if st != 200 || b.count("dl.kv") == 0 {
		t.Errorf("the new user's page %s: status %d, want 200 with the user's details; it shows %q",
			b.path(), st, b.text("main"))
	} else {
		if got := b.text("main h1"); !strings.Contains(got, townName) || !strings.Contains(got, townUser) {
			t.Errorf("user page heading = %q, want %s and %s", got, townName, townUser)
		}
		kv := b.text("dl.kv")
		for _, want := range []string{townLabel, "乡镇人员", townUnit} {
			if !strings.Contains(kv, want) {
				t.Errorf("user page details = %q, want %q in them", kv, want)
			}
		}
	}

	// The administrator's list of users, with the new one.
	b.openOK("/users")
	// It has users of other towns and of the bureau, whom the town user
	// must not see below.
	if users := b.column("#users-table", 1); !slices.Contains(users, townUser) || !slices.Contains(users, "admin") || !slices.Contains(users, "town") {
		t.Errorf("admin's user list = %v, want %s, admin and town in it", users, townUser)
	}
	b.screenshot("admin-users.png")

	// --- Log out; the town user logs in.
	if st := b.submit("log out", "#logout"); st != 200 {
		t.Fatalf("log out: status %d", st)
	}
	if p := b.path(); p != "/login" {
		t.Fatalf("after logging out the browser is on %s, want /login", p)
	}
	b.loginOK(townUser, townPassword)
	if p := b.path(); p != "/" {
		t.Fatalf("after the town user's login the browser is on %s, want /", p)
	}
	if got := b.text("#scope-line"); !strings.Contains(got, townLabel) || strings.Contains(got, "全县") {
		t.Errorf("town user's scope line = %q, want %s (and not 全县)", got, townLabel)
	}
	if n := b.count(`#sidenav a[href="/audit"]`); n != 0 {
		t.Errorf("the town user's navigation links to /audit")
	}
	b.screenshot("town-home.png")

	// /regions: the town and its villages only.
	b.openOK("/regions")
	codes := b.column("#regions-table", 1)
	if len(codes) == 0 {
		t.Fatalf("the town user's /regions lists nothing")
	}
	villages := 0
	for _, c := range codes {
		if !strings.HasPrefix(c, townCode) {
			t.Errorf("the town user's /regions lists %s, outside %s", c, townCode)
		}
		if len(c) == 12 {
			villages++
		}
	}
	if !slices.Contains(codes, townCode) {
		t.Errorf("the town user's /regions does not list the town %s itself: %v", townCode, codes)
	}
	if villages == 0 {
		t.Errorf("the town user's /regions lists no village: %v", codes)
	}

	// /users: the town's users only.
	b.openOK("/users")
	users := b.column("#users-table", 1)
	if !slices.Contains(users, townUser) {
		t.Errorf("the town user's /users = %v, want %s in it", users, townUser)
	}
	for i, region := range b.column("#users-table", 5) {
		if region != townLabel {
			t.Errorf("the town user's /users lists %s of %q, not of %s", users[i], region, townLabel)
		}
	}
	for _, other := range []string{"admin", "leader", "town"} {
		if slices.Contains(users, other) {
			t.Errorf("the town user's /users lists %s, who is not of %s", other, townLabel)
		}
	}
	if n := b.count("#new-user"); n != 0 {
		t.Errorf("the town user sees the new-user link")
	}

	// /audit: forbidden.
	if st := b.open("/audit"); st != 403 {
		t.Errorf("the town user's /audit: status %d, want 403", st)
	}
	if got := b.text(".errorpage h1"); got != "403" {
		t.Errorf("the 403 page heading = %q", got)
	}
	if got := b.text(".errorpage .lead"); got != "您没有权限访问此页面" {
		t.Errorf("the 403 page message = %q", got)
	}
	t.Logf("the whole test took %s", time.Since(started).Round(time.Millisecond))
}

func TestPhoneLayoutNavigation(t *testing.T) {
	exe := chromiumPath(t)
	ctx := budget(t)
	a, base := startApp(t, ctx)
	// A demo database runs on a business date, shown as a badge in the top
	// bar: the bar must still fit a phone.
	if err := a.SetBusinessDate(ctx, "2022-06-30"); err != nil {
		t.Fatal(err)
	}
	b := newTab(t, ctx, exe, base)

	b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	b.signIn("town", demo.Password) // the longest name and scope of the demo users
	if p := b.path(); p != "/" {
		t.Fatalf("after login the browser is on %s, want /", p)
	}
	if w := js[int](b, "viewport width", `innerWidth`); w != 390 {
		t.Fatalf("viewport width %d, want 390", w)
	}

	// The menu is closed: the toggle shows, the navigation does not.
	const toggle = `.navtoggle[data-toggle="nav"]`
	const regionsLink = `#sidenav a[href="/regions"]`
	if !b.reallyVisible(toggle) {
		t.Fatalf("the menu toggle is not visible at 390×844")
	}
	if b.reallyVisible("#sidenav") || b.reallyVisible(regionsLink) {
		t.Errorf("the side navigation shows before the toggle is clicked")
	}
	if sw := js[int](b, "page width", `document.documentElement.scrollWidth`); sw > 390 {
		t.Errorf("the home page is %dpx wide on a 390px phone (horizontal scrolling)", sw)
	}

	// Every control of the top bar stays on one line inside the bar.
	for _, problem := range js[[]string](b, "measure the top bar", topbarProblemsJS) {
		t.Errorf("top bar at 390px: %s", problem)
	}
	if !b.reallyVisible("#business-date") || !js[bool](b, "the business date is whole", `(() => { const e = document.getElementById("business-date"); return e.scrollWidth <= e.clientWidth && e.textContent.includes("2022-06-30"); })()`) {
		t.Errorf("the business date badge is hidden or cut at 390px")
	}
	b.screenshot("phone-home.png")

	// Open it: the link to /regions shows and works.
	b.do("open the menu", chromedp.Click(chromedp.CSS(toggle)))
	b.do("wait for the menu to slide in", chromedp.Poll[chromedp.Void](
		`document.body.classList.contains("nav-open") && document.getElementById("sidenav").getBoundingClientRect().left >= 0`,
		chromedp.WithPollingTimeout(5*time.Second)))
	// The menu scrolls on its own: bring the link into view as a finger would.
	js[bool](b, "scroll the menu to the link", `(() => { document.querySelector('#sidenav a[href="/regions"]').scrollIntoView({block: "center"}); return true; })()`)
	if !b.reallyVisible(regionsLink) {
		t.Fatalf("after opening the menu the link to /regions is not visible")
	}
	b.screenshot("phone-menu-open.png")
	if st := b.submit("follow the regions link", regionsLink); st != 200 {
		t.Fatalf("regions link: status %d", st)
	}
	if p := b.path(); p != "/regions" {
		t.Fatalf("the regions link led to %s, want /regions", p)
	}
	if n := len(b.column("#regions-table", 1)); n == 0 {
		t.Errorf("/regions on the phone lists nothing")
	}
	if b.reallyVisible("#sidenav") {
		t.Errorf("the menu is still open on the new page")
	}
	if !b.reallyVisible(toggle) {
		t.Errorf("the menu toggle is not visible on /regions")
	}
}

// topbarProblemsJS lists the visible links and buttons of the top bar whose
// text wraps onto more than one line or that stick out of the bar.
const topbarProblemsJS = `(() => {
	const bar = document.querySelector(".topbar").getBoundingClientRect();
	const out = [];
	for (const e of document.querySelectorAll(".topbar a, .topbar button")) {
		const box = e.getBoundingClientRect();
		if (box.width === 0 || box.height === 0) continue;
		const name = (e.id ? "#" + e.id : "." + (e.className || e.tagName)) + " " + JSON.stringify(e.textContent.trim());
		if (box.top < bar.top - 1 || box.bottom > bar.bottom + 1) {
			out.push(name + " sticks out of the bar (" + Math.round(box.top) + "–" + Math.round(box.bottom) + "px, bar " + Math.round(bar.top) + "–" + Math.round(bar.bottom) + "px)");
		}
		const r = document.createRange();
		r.selectNodeContents(e);
		let lines = 0, last = -1e9;
		for (const x of Array.from(r.getClientRects()).filter(x => x.width > 0).sort((a, b) => a.top - b.top)) {
			if (x.top > last + 8) { lines++; last = x.top; }
		}
		if (lines > 1) out.push(name + " wraps onto " + lines + " lines (" + Math.round(box.width) + "px wide)");
	}
	return out;
})()`
