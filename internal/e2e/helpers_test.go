package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"yingji/internal/app"
	"yingji/internal/kit/config"
	"yingji/internal/kit/demo"
)

const (
	// adminPassword is the password of the bootstrap administrator.
	adminPassword = "Admin2022x"
	// testBudget bounds one whole test: app, browser and every step. A hung
	// browser fails the test instead of hanging CI.
	testBudget = 60 * time.Second
	// stepTimeout bounds one browser step (a navigation, a query, a click).
	stepTimeout = 10 * time.Second
)

// chromiumPath returns the browser to drive: $YINGJI_CHROMIUM, else Debian's
// /usr/bin/chromium, else a chromium on $PATH. When there is none the test is
// skipped on a developer's machine and fails on CI (CI set), so that a CI
// machine that lost its browser cannot pass silently.
func chromiumPath(t *testing.T) string {
	t.Helper()
	var candidates []string
	if p := os.Getenv("YINGJI_CHROMIUM"); p != "" {
		candidates = append(candidates, p)
	} else {
		candidates = append(candidates, "/usr/bin/chromium", "chromium", "chromium-browser")
	}
	for _, c := range candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	msg := fmt.Sprintf("no Chromium found (tried %s; set YINGJI_CHROMIUM or apt-get install chromium fonts-noto-cjk)", strings.Join(candidates, ", "))
	if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// startApp opens a fresh Yingji with the demo county (regions, units,
// users) on 127.0.0.1:0 and returns the app and its base URL without the
// trailing slash. It stops with the test.
func startApp(t *testing.T, ctx context.Context) (*app.App, string) {
	t.Helper()
	a := openApp(t, ctx)
	loadCounty(t, ctx, a)
	return a, serve(t, a)
}

// openApp opens a fresh, empty Yingji for the demo county (示例县); it is
// closed when the test ends.
func openApp(t *testing.T, ctx context.Context) *app.App {
	t.Helper()
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), County: "349901", CountyName: "示例县",
		AdminPassword: adminPassword, LogLevel: "warn"}
	a, err := app.Open(ctx, cfg, app.Options{})
	if err != nil {
		t.Fatalf("open app: %v", err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

// loadCounty loads the demo county: regions, units and users.
func loadCounty(t *testing.T, ctx context.Context, a *app.App) {
	t.Helper()
	if err := demo.Load(ctx, demo.Services{DB: a.DB, Org: a.Org, Auth: a.Auth}, a.Cfg.County, io.Discard); err != nil {
		t.Fatalf("load demo: %v", err)
	}
}

// serve listens on 127.0.0.1:0 and serves a until the test ends, when a
// failed shutdown or serve fails the test; it returns the base URL without
// the trailing slash.
func serve(t *testing.T, a *app.App) string {
	t.Helper()
	if err := a.Listen(); err != nil {
		t.Fatalf("listen: %v", err)
	}
	served := make(chan error, 1)
	go func() { served <- a.Serve() }()
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := a.Shutdown(sctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return strings.TrimSuffix(a.URL(), "/")
}

// lockedBuffer collects the browser's own output, written from chromedp's
// goroutines, to show it when a test fails.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 1<<20 { // keep memory bounded if the browser is chatty
		return len(p), nil
	}
	return b.buf.Write(p)
}

// tail returns the last n bytes of the output without the D-Bus noise of a
// machine that has no session bus.
func (b *lockedBuffer) tail(n int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var keep []string
	for line := range strings.Lines(b.buf.String()) {
		if !strings.Contains(line, "dbus/") {
			keep = append(keep, line)
		}
	}
	s := strings.Join(keep, "")
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}

// tab is one browser tab on the app, with helpers that fail the test with
// the name of the step that went wrong.
type tab struct {
	t    *testing.T
	ctx  context.Context // the tab's context (bounded by testBudget)
	base string          // app URL without trailing slash
}

// setup finds the browser (or skips), starts a fresh app with the demo
// county and opens a browser tab on it, all bounded by testBudget.
func setup(t *testing.T) *tab {
	t.Helper()
	exe := chromiumPath(t) // first: a skip should not start the app
	ctx := budget(t)
	_, base := startApp(t, ctx)
	return newTab(t, ctx, exe, base)
}

// newTab starts a headless Chromium (exe) with a fresh profile and opens a
// tab on base. The browser ends with the test (before its temporary
// directories are removed). ctx bounds the browser's whole life.
func newTab(t *testing.T, ctx context.Context, exe, base string) *tab {
	t.Helper()
	out := &lockedBuffer{}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox, // we run as root
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(out),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("browser output (tail):\n%s", out.tail(4000))
		}
		cancelTab()
		cancelAlloc() // waits for the browser process to end
	})
	// The first Do starts the browser and binds its life to the context it
	// gets (chromedp's docs/API.md, example 21), so it gets tabCtx itself:
	// testBudget bounds it; later steps get their own stepTimeout.
	if err := chromedp.Do(tabCtx); err != nil {
		t.Fatalf("start Chromium %s: %v\n%s", exe, err, out.tail(4000))
	}
	return &tab{t: t, ctx: tabCtx, base: base}
}

// step returns a context for one step, bounded by stepTimeout.
func (b *tab) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, stepTimeout)
}

// do runs actions that return nothing; what names the step in a failure.
func (b *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v (page %s)", what, err, b.where())
	}
}

// get runs one action and returns its value; what names the step.
func get[T any](b *tab, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v (page %s)", what, err, b.where())
	}
	return v
}

// js evaluates a JavaScript expression and decodes its value.
func js[T any](b *tab, what, expr string) T {
	b.t.Helper()
	return get(b, what, chromedp.Evaluate[T](expr))
}

// where is the current location, for failure messages; it never fails.
func (b *tab) where() string {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "?"
	}
	return loc
}

// open navigates to path (relative to the app) and returns the HTTP status
// of the document.
func (b *tab) open(path string) int64 {
	b.t.Helper()
	resp := get(b, "open "+path, chromedp.NavigateResponse(b.base+path))
	if resp == nil {
		b.t.Fatalf("open %s: no response", path)
	}
	return resp.Status
}

// openOK navigates to path and requires status 200.
func (b *tab) openOK(path string) {
	b.t.Helper()
	if st := b.open(path); st != 200 {
		b.t.Fatalf("open %s: status %d, want 200", path, st)
	}
}

// submit clicks the element (a submit button), waits for the page that the
// click loads, and returns the HTTP status of its document (after redirects).
func (b *tab) submit(what, css string) int64 {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(css)))
	if err != nil {
		b.t.Fatalf("%s: click %s: %v (page %s)", what, css, err, b.where())
	}
	if resp == nil {
		b.t.Fatalf("%s: click %s loaded no document", what, css)
	}
	return resp.Status
}

// fill replaces the value of an input by typing v into it, as a user does.
// The field is emptied with a script: chromedp v0.23's SetValue(sel, "")
// fails ("could not set value"), as its empty-string argument does not
// reach the page.
func (b *tab) fill(css, v string) {
	b.t.Helper()
	b.do("wait for "+css, chromedp.WaitVisible(chromedp.CSS(css)))
	if !js[bool](b, "empty "+css, fmt.Sprintf(`(() => {
		const e = document.querySelector(%s);
		if (!e) return false;
		e.value = "";
		return true;
	})()`, jsString(css))) {
		b.t.Fatalf("fill %s: no such field (page %s)", css, b.where())
	}
	b.do("type into "+css, chromedp.SendKeys(chromedp.CSS(css), v))
	if got := b.value(css); got != v {
		b.t.Fatalf("fill %s: the field holds %q after typing %q", css, got, v)
	}
}

// choose selects the option of a select element whose value or visible
// text is want, and fires the change event as a user's choice does.
func (b *tab) choose(css, want string) {
	b.t.Helper()
	b.do("wait for "+css, chromedp.WaitReady(chromedp.CSS(css)))
	expr := fmt.Sprintf(`(() => {
		const s = document.querySelector(%s), want = %s;
		const o = Array.from(s.options).find(o => o.value === want || o.text.trim() === want);
		if (!o) return false;
		s.value = o.value;
		s.dispatchEvent(new Event("input", {bubbles: true}));
		s.dispatchEvent(new Event("change", {bubbles: true}));
		return true;
	})()`, jsString(css), jsString(want))
	if !js[bool](b, "choose "+want+" in "+css, expr) {
		b.t.Fatalf("choose %q in %s: no such option (page %s)", want, css, b.where())
	}
}

// selectedText is the visible text of a select element's chosen option.
func (b *tab) selectedText(css string) string {
	b.t.Helper()
	return js[string](b, "selected option of "+css, fmt.Sprintf(`(() => {
		const s = document.querySelector(%s);
		return s && s.selectedIndex >= 0 ? s.options[s.selectedIndex].text.trim() : "";
	})()`, jsString(css)))
}

// text is the visible text of the first element that matches css; the
// element must appear within stepTimeout.
func (b *tab) text(css string) string {
	b.t.Helper()
	return strings.TrimSpace(get(b, "text of "+css, chromedp.Text(chromedp.CSS(css))))
}

// value is the current value of a form field.
func (b *tab) value(css string) string {
	b.t.Helper()
	return get(b, "value of "+css, chromedp.Value(chromedp.CSS(css)))
}

// count is the number of elements that match css now (no waiting).
func (b *tab) count(css string) int {
	b.t.Helper()
	return js[int](b, "count "+css, fmt.Sprintf(`document.querySelectorAll(%s).length`, jsString(css)))
}

// column returns the trimmed text of column col (1-based) of every body row
// of the table that matches tableCSS.
func (b *tab) column(tableCSS string, col int) []string {
	b.t.Helper()
	b.do("wait for "+tableCSS, chromedp.WaitReady(chromedp.CSS(tableCSS)))
	return js[[]string](b, "read column of "+tableCSS, fmt.Sprintf(
		`Array.from(document.querySelectorAll(%s)).map(td => td.textContent.trim())`,
		jsString(tableCSS+" tbody tr > td:nth-child("+fmt.Sprint(col)+")")))
}

// path is the path of the current location.
func (b *tab) path() string {
	b.t.Helper()
	loc := get(b, "location", chromedp.Location())
	u, err := url.Parse(loc)
	if err != nil {
		b.t.Fatalf("parse location %q: %v", loc, err)
	}
	return u.Path
}

// lang is the lang attribute of the document element.
func (b *tab) lang() string {
	b.t.Helper()
	return js[string](b, "document language", `document.documentElement.lang`)
}

// login fills the login form (the page must show it) and submits it; it
// returns the HTTP status of the page the browser ends on.
func (b *tab) login(user, password string) int64 {
	b.t.Helper()
	b.fill("#username", user)
	b.fill("#password", password)
	return b.submit("log in as "+user, "#login-submit")
}

// loginOK logs in (see login) and requires status 200.
func (b *tab) loginOK(user, password string) {
	b.t.Helper()
	if st := b.login(user, password); st != 200 {
		b.t.Fatalf("log in as %s: status %d, want 200", user, st)
	}
}

// signIn opens the login page and logs in, requiring status 200.
func (b *tab) signIn(user, password string) {
	b.t.Helper()
	b.openOK("/login")
	b.loginOK(user, password)
}

// reallyVisible reports whether a user can see the element: it has a size,
// it is inside the viewport, and it is the top element at its centre (not
// hidden, off-screen, or covered).
func (b *tab) reallyVisible(css string) bool {
	b.t.Helper()
	return js[bool](b, "visibility of "+css, fmt.Sprintf(`(() => {
		const e = document.querySelector(%s);
		if (!e) return false;
		const st = getComputedStyle(e);
		if (st.display === "none" || st.visibility === "hidden" || Number(st.opacity) === 0) return false;
		const r = e.getBoundingClientRect();
		if (r.width < 1 || r.height < 1) return false;
		const x = r.left + r.width / 2, y = r.top + r.height / 2;
		if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) return false;
		const top = document.elementFromPoint(x, y);
		return top === e || e.contains(top);
	})()`, jsString(css)))
}

// screenshot saves a full-page PNG as name in the screenshot directory:
// $YINGJI_SCREENSHOTS when set, else the test's temporary directory.
func (b *tab) screenshot(name string) string {
	b.t.Helper()
	png := get(b, "screenshot "+name, chromedp.FullScreenshot(100))
	if len(png) < 8 || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		b.t.Fatalf("screenshot %s: not a PNG (%d bytes)", name, len(png))
	}
	dir := os.Getenv("YINGJI_SCREENSHOTS")
	if dir == "" {
		dir = b.t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatalf("screenshot dir: %v", err)
	}
	file := filepath.Join(dir, name)
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Fatalf("write screenshot: %v", err)
	}
	b.t.Logf("screenshot %s (%d bytes)", file, len(png))
	return file
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	q, err := json.Marshal(s)
	if err != nil {
		panic(err) // a string always marshals
	}
	return string(q)
}

// budget returns the context that bounds a whole test.
func budget(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testBudget)
	t.Cleanup(func() {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			t.Errorf("the test ran out of its %s budget", testBudget)
		}
		cancel()
	})
	return ctx
}
