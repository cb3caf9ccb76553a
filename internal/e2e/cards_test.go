package e2e_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/auth/authtest"
	"yingji/internal/kit/demo"
)

// TestOverdueHazardShowsRedCardToItsTown: a hazard of 籍山镇 ordered with
// a deadline already past gets a red card at once; the town's user sees
// it on the cards page, in red, with the hazard named; another town's
// card is not shown to them.
func TestOverdueHazardShowsRedCardToItsTown(t *testing.T) {
	exe := chromiumPath(t)
	ctx := budget(t)
	a, base := startApp(t, ctx)

	// The town user records a hazard at the market, orders it with a
	// deadline three days ago; the bureau records one in another town.
	town, zhifa := authtest.Principal(t, a.Auth, "town"), authtest.Principal(t, a.Auth, "zhifa")
	day := func(d int) string { return hazard.Date(time.Now().AddDate(0, 0, d)) }
	overdue := func(p string, desc, place, townCode string) {
		t.Helper()
		who := town
		if p == "zhifa" {
			who = zhifa
		}
		h, err := a.Hazard.Report(ctx, who, hazard.NewHazard{PlaceName: place, TownCode: townCode, Source: hazard.SourceInspection,
			Category: hazard.CatThing, Description: desc, FoundOn: day(-20)})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range []hazard.StepInput{{Action: hazard.ActGrade, Grade: hazard.General},
			{Action: hazard.ActOrder, Deadline: day(-3), DocNumber: "（示）应急责改〔2022〕E1号"}} {
			if _, err := a.Hazard.Do(ctx, who, h.ID, st, nil); err != nil {
				t.Fatalf("%s: %v", st.Action, err)
			}
		}
	}
	overdue("town", "农贸市场消防通道被占用", "籍山镇农贸市场", "349901100")
	overdue("zhifa", "仓库疏散指示标志损坏", "弋江镇物流仓库", "349901101")
	// The orders gave the red cards at once; the deadline sweep that
	// follows finds nothing to change.
	if red, _, err := a.Supervise.CardCounts(ctx, zhifa); err != nil || red != 2 {
		t.Fatalf("red cards after the orders: %d %v", red, err)
	}
	r, err := a.Supervise.SweepCounty(ctx, "349901", a.Now())
	if err != nil || r.Changed() {
		t.Fatalf("sweep: %v %+v", err, r)
	}

	b := newTab(t, ctx, exe, base)
	b.signIn("town", demo.Password)
	b.openOK("/cards")
	if got := b.text("#red-count"); got != "1" {
		t.Errorf("red cards of 籍山镇 = %q, want 1", got)
	}
	rows := b.column("#cards-table", 2)
	if len(rows) != 1 || rows[0] != "籍山镇农贸市场" {
		t.Fatalf("cards shown to the town user: %q", rows)
	}
	if card := b.text("#cards-table tbody tr td:first-child .sup-card"); card != "红牌" {
		t.Errorf("card shown as %q, want 红牌", card)
	}
	if !b.reallyVisible("#cards-table tbody tr td:first-child .sup-card.red") {
		t.Error("the red card is not visible")
	}
	if got := b.text("#cards-table tbody tr td:nth-child(5)"); !strings.Contains(got, "农贸市场消防通道被占用") {
		t.Errorf("reason column = %q, want the hazard named", got)
	}
	// The red card is red: the stylesheet of the page is loaded.
	bg := js[string](b, "card colour", `getComputedStyle(document.querySelector("#cards-table .sup-card.red")).backgroundColor`)
	if bg != "rgb(198, 40, 40)" {
		t.Errorf("red card background = %s", bg)
	}
	b.screenshot("cards-town.png")
}

// TestSupervisionScreenshots saves full-page screenshots of the card and
// supervision pages of a running Yingji with the demo loaded, for a
// person to look at: YINGJI_SUP_URL=http://127.0.0.1:18322 and
// YINGJI_SCREENSHOTS=DIR. Skipped otherwise.
func TestSupervisionScreenshots(t *testing.T) {
	base := os.Getenv("YINGJI_SUP_URL")
	if base == "" {
		t.Skip("YINGJI_SUP_URL not set")
	}
	exe := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for _, who := range []struct {
		user, password string
		pages          []string
	}{
		{"admin", demo.Password, []string{"/cards", "/cards/monthly?year=2022", "/settings/cards", "/supervision", "/supervision?tab=listings",
			"/supervision?tab=extensions", "/supervision?tab=proposals", "/supervision/letters/new", "/supervision/listings/new"}},
		{"town", demo.Password, []string{"/cards"}},
		{"qiye", demo.Password, []string{"/cards", "/supervision?tab=listings"}},
	} {
		b := newTab(t, ctx, exe, strings.TrimSuffix(base, "/"))
		b.signIn(who.user, who.password)
		for i, p := range who.pages {
			b.openOK(p)
			time.Sleep(300 * time.Millisecond) // charts draw after load
			b.screenshot(fmt.Sprintf("sup-%s-%02d.png", who.user, i))
		}
		// The first letter and listing of the lists.
		if who.user == "admin" {
			for _, list := range []string{"/supervision?tab=letters", "/supervision?tab=listings", "/supervision?tab=extensions"} {
				b.openOK(list)
				href := js[string](b, "first link", `(document.querySelector("table.grid tbody a") || {}).getAttribute?.("href") || ""`)
				if href != "" {
					b.openOK(href)
					b.screenshot("sup-detail-" + strings.NewReplacer("/", "-", "?", "-", "=", "-").Replace(list) + ".png")
				}
			}
		}
	}
}
