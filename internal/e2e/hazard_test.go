package e2e_test

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestEnterpriseRectifiesInspectorVerifiesAndCloses: the enterprise
// reports a rectification with a photo → an enforcement officer verifies
// → closes; the hazard is then 已销号 with the photo on its timeline.
func TestEnterpriseRectifiesInspectorVerifiesAndCloses(t *testing.T) {
	exe := chromiumPath(t)
	ctx := budget(t)
	base := startFullApp(t, ctx)
	b := newTab(t, ctx, exe, base)

	// A photo taken on site.
	img := image.NewRGBA(image.Rect(0, 0, 32, 24))
	for x := 0; x < 32; x++ {
		img.Set(x, 12, color.RGBA{200, 30, 30, 255})
	}
	photo := filepath.Join(t.TempDir(), "整改后.png")
	f, err := os.Create(photo)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()

	state := func(id string) string {
		return await[string](b, "state of "+id, `(async () => { const r = await fetch('/api/v1/hazards/`+id+`');
			const j = await r.json(); return (j.hazard && j.hazard.state) || ('HTTP ' + r.status); })()`)
	}

	b.signIn("qiye", "yingji2022")
	id := await[string](b, "a hazard in rectification", `(async () => {
		const r = await fetch('/api/v1/hazards?state=rectifying'); const j = await r.json();
		return j.items && j.items.length ? j.items[0].id : ''; })()`)
	if id == "" {
		t.Fatal("the demo enterprise has no hazard in rectification")
	}
	b.openOK("/hazards/" + id)
	b.do("attach the photo", chromedp.SetUploadFiles(chromedp.CSS("#f-photos-submit"), []string{photo}))
	if st := b.submit("report the rectification", "#do-submit"); st != 200 {
		t.Fatalf("report rectification: status %d", st)
	}
	if s := state(id); s != "pending_review" {
		t.Fatalf("after the enterprise's report the hazard is %s, want pending_review", s)
	}
	if b.count(`#timeline img, #timeline a[href^="/hazards/files/"]`) == 0 {
		t.Fatal("the photo is not on the timeline")
	}
	// The enterprise cannot verify its own rectification: no such form.
	if b.count("#do-verify") != 0 {
		t.Fatal("the enterprise is offered the verification")
	}
	if st := b.submit("log out", "#logout"); st != 200 {
		t.Fatalf("logout: %d", st)
	}

	b.loginOK("zhifa", "yingji2022")
	b.openOK("/hazards/" + id)
	js[bool](b, "unfold the verification", `(() => { document.getElementById('act-verify').open = true; return true; })()`)
	b.fill("#f-doc-verify", "（示）应急复查〔2022〕99号")
	if st := b.submit("verify", "#do-verify"); st != 200 {
		t.Fatalf("verify: status %d", st)
	}
	if s := state(id); s != "verified" {
		t.Fatalf("after verification the hazard is %s", s)
	}
	js[bool](b, "unfold closing", `(() => { document.getElementById('act-close').open = true; return true; })()`)
	if st := b.submit("close", "#do-close"); st != 200 {
		t.Fatalf("close: status %d", st)
	}
	if s := state(id); s != "closed" {
		t.Fatalf("after closing the hazard is %s", s)
	}
	if b.count("#h-closed") != 1 {
		t.Fatal("the closed date is not shown")
	}
	b.screenshot("hazard-closed.png")
}
