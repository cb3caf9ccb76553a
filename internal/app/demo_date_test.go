package app_test

import (
	"context"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"yingji/internal/app"
	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/config"
	"yingji/internal/kit/demo"
	"yingji/internal/kit/web"
)

// openDir opens an app on the SQLite database in dir with the given
// county and business date flags (a restart of the same data directory).
func openDir(t *testing.T, dir, county, asOf string) (*app.App, error) {
	t.Helper()
	return app.Open(context.Background(), config.Config{Addr: "127.0.0.1:0", DataDir: dir, County: county, AsOf: asOf,
		AdminPassword: "Admin2022x", LogLevel: "error"}, app.Options{})
}

// TestDemoRunsOnItsReportDay: a demo database runs on the business date
// 2022-06-30 — overdue hazards are counted on that day, the header shows
// the date, a restart remembers it and --as-of overrides it — and the
// demo records that were wrong are right: the two mines in their towns,
// the petrol stations' findings at petrol stations, the survey texts
// naming the county.
func TestDemoRunsOnItsReportDay(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, err := openDir(t, dir, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if a.BusinessDate() != "" {
		t.Fatalf("a new county runs on today's date, not %q", a.BusinessDate())
	}
	if err := a.LoadDemo(ctx, io.Discard); err != nil {
		a.Close()
		t.Fatal(err)
	}
	if got := a.BusinessDate(); got != demo.AsOf {
		t.Errorf("business date after loading the demo: %q, want %s", got, demo.AsOf)
	}
	if got := a.Now().In(web.Shanghai).Format(time.DateOnly); got != demo.AsOf {
		t.Errorf("the demo's clock says %s, want %s", got, demo.AsOf)
	}
	// Overdue is judged on the report's day: no hazard is overdue by more
	// days than the half year has.
	sys := a.System()
	onDay, err := a.Hazard.Counts(ctx, sys, hazard.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	toks := tokens(t, a)
	rec := do(a, "GET", "/hazards/overdue", toks[auth.RoleAdmin], nil)
	body := rec.Body.String()
	if rec.Code != 200 {
		t.Fatalf("overdue board: %d", rec.Code)
	}
	for _, m := range regexp.MustCompile(`逾期 (\d+) 天`).FindAllStringSubmatch(body, -1) {
		if n, _ := strconv.Atoi(m[1]); n > 181 {
			t.Errorf("a demo hazard is %d days overdue on %s", n, demo.AsOf)
			break
		}
	}
	// The header shows the business date.
	rec = do(a, "GET", "/", toks[auth.RoleLeader], nil)
	if !strings.Contains(rec.Body.String(), `id="business-date"`) || !strings.Contains(rec.Body.String(), "2022-06-30") {
		t.Errorf("the header does not show the business date:\n%.600s", rec.Body.String())
	}

	// The demo's records.
	var town string
	for name, want := range map[string]string{"何湾镇胜成矿业有限公司": "349901106", "家发镇恒鑫矿业有限公司": "349901103",
		"工山镇新岭石灰石厂": "349901104"} {
		if err := a.DB.R().QueryRowContext(ctx, `SELECT town_code FROM enterprise WHERE name = $1`, name).Scan(&town); err != nil || town != want {
			t.Errorf("%s is in town %s (%v), want %s", name, town, err, want)
		}
	}
	var wrong int
	if err := a.DB.R().QueryRowContext(ctx, `SELECT count(*) FROM hazard h JOIN enterprise e ON e.id = h.enterprise_id
		WHERE (h.description LIKE '%卸油%' AND e.sector <> 'petrol') OR (h.description LIKE '%烟花爆竹%' AND e.sector NOT LIKE 'fireworks%')
		   OR (h.description LIKE '%储罐区%' AND e.sector NOT LIKE 'chem%')`).Scan(&wrong); err != nil || wrong != 0 {
		t.Errorf("%d hazards found at the wrong kind of enterprise (%v)", wrong, err)
	}
	var petrol int
	if err := a.DB.R().QueryRowContext(ctx, `SELECT count(*) FROM hazard h JOIN enterprise e ON e.id = h.enterprise_id
		WHERE h.description LIKE '%卸油口%' AND e.sector = 'petrol'`).Scan(&petrol); err != nil || petrol == 0 {
		t.Errorf("no 卸油口 finding at a petrol station (%v)", err)
	}
	var stars int
	if err := a.DB.R().QueryRowContext(ctx, `SELECT (SELECT count(*) FROM housing_campaign WHERE note LIKE '%*县%')
		+ (SELECT count(*) FROM datacall_call WHERE note LIKE '%*县%')`).Scan(&stars); err != nil || stars != 0 {
		t.Errorf("%d demo texts with a literal 《*县 (%v)", stars, err)
	}

	// On the real date the same records are far more overdue.
	if err := a.SetBusinessDate(ctx, ""); err != nil {
		t.Fatal(err)
	}
	today, err := a.Hazard.Counts(ctx, sys, hazard.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if onDay.Overdue >= today.Overdue {
		t.Errorf("overdue on %s: %d, on the real date %d", demo.AsOf, onDay.Overdue, today.Overdue)
	}
	if err := a.SetBusinessDate(ctx, demo.AsOf); err != nil {
		t.Fatal(err)
	}
	a.Close()

	// A plain restart remembers the date; --as-of sets another (and it
	// is remembered); --as-of today returns to the real date.
	for _, step := range []struct{ asOf, want string }{{"", demo.AsOf}, {"2022-07-15", "2022-07-15"}, {"", "2022-07-15"}, {"today", ""}, {"", ""}} {
		a, err := openDir(t, dir, "", step.asOf)
		if err != nil {
			t.Fatal(err)
		}
		if got := a.BusinessDate(); got != step.want {
			t.Errorf("--as-of %q: business date %q, want %q", step.asOf, got, step.want)
		}
		a.Close()
	}
	if _, err := openDir(t, dir, "", "2022-13-01"); err == nil || !strings.Contains(err.Error(), "YYYY-MM-DD") {
		t.Errorf("a bad --as-of: %v", err)
	}
}

// TestCountyRemembered: a database remembers the county it was created
// for; a start without --county runs it, another --county is refused
// with the reason.
func TestCountyRemembered(t *testing.T) {
	dir := t.TempDir()
	a, err := openDir(t, dir, "522727", "")
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	a, err = openDir(t, dir, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if a.Cfg.County != "522727" || a.System().CountyCode != "522727" {
		t.Errorf("a restart without --county runs county %q", a.Cfg.County)
	}
	a.Close()
	_, err = openDir(t, dir, "349901", "")
	if err == nil || !strings.Contains(err.Error(), "522727") || !strings.Contains(err.Error(), "349901") {
		t.Fatalf("another --county on the database: %v", err)
	}
}

// TestVillageStaffOnTheUserForm: a town user limited to a village keeps
// the village on the web form (towns are followed by their villages).
func TestVillageStaffOnTheUserForm(t *testing.T) {
	a := start(t, false)
	ctx := context.Background()
	u, err := a.Auth.CreateUser(ctx, a.System(), auth.UserInput{Username: "cun1", DisplayName: "新林村安全员", Role: auth.RoleTown,
		RegionCode: "349901100203", Password: "Passw0rd9"})
	if err != nil {
		t.Fatal(err)
	}
	toks := tokens(t, a)
	rec := do(a, "GET", "/users/"+u.ID+"/edit", toks[auth.RoleAdmin], nil)
	if body := rec.Body.String(); rec.Code != 200 || !strings.Contains(body, `value="349901100203" selected`) || !strings.Contains(body, "籍山镇 · 新林村") {
		t.Errorf("the user form does not keep the village: %d", rec.Code)
	}
}
