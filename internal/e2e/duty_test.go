package e2e_test

import (
	"strings"
	"testing"
	"time"

	"yingji/internal/app"
	"yingji/internal/bureau/duty"
	"yingji/internal/kit/auth/authtest"
	"yingji/internal/kit/clocktest"
	"yingji/internal/kit/config"
	"yingji/internal/kit/demo"
)

// TestIncidentFollowUpOverdueRaisedToLeader: the duty officer records an
// incident and its 首报 in the browser; the 续报 deadline passes; the
// deadline sweep raises it to the leader on duty, who sees it on the home
// page's to-do list, in the inbox and on the incident, whose countdown now
// counts the time overdue.
func TestIncidentFollowUpOverdueRaisedToLeader(t *testing.T) {
	exe := chromiumPath(t)
	ctx := budget(t)
	t0 := time.Now().Truncate(time.Minute)
	clock := clocktest.New(t0)
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), County: "349901", CountyName: "示例县",
		AdminPassword: adminPassword, LogLevel: "warn"}
	a, err := app.Open(ctx, cfg, app.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	loadCounty(t, ctx, a)
	base := serve(t, a)

	// 王局长 (the demo user leader) leads the shift on duty now.
	leader := authtest.Principal(t, a.Auth, "leader")
	svc := duty.New(a.DB, a.Notify, a.Now, a.Calendar, nil)
	start := t0.Add(-time.Hour)
	if _, err := svc.CreateShift(ctx, a.System(), duty.Shift{StartsAt: start, EndsAt: start.Add(24 * time.Hour), Members: []duty.Assignment{
		{Position: duty.PosLeader, Name: "王局长", UserID: leader.UserID}, {Position: duty.PosOfficer, Slot: 1, Name: "周值班"}}}); err != nil {
		t.Fatal(err)
	}

	b := newTab(t, ctx, exe, base)
	b.signIn("zhiban", demo.Password)
	b.openOK("/duty/incidents/new")
	b.fill("#f-title", "弋江镇某厂房火灾")
	b.choose("#f-category", "accident/fire")
	b.choose("#f-level", "large")
	b.fill("input[name=source]", "119转警")
	if st := b.submit("record the incident", "#incident-save"); st != 200 || !strings.HasPrefix(b.path(), "/duty/incidents/") {
		t.Fatalf("record incident: %d at %s", st, b.path())
	}
	// The 首报 is due within an hour (较大); it counts down.
	if got := b.text("#next-due .countdown"); !strings.Contains(got, "剩余") {
		t.Errorf("first report countdown %q", got)
	}
	b.choose("#f-kind", "first")
	b.fill("input[name=to]", "市应急管理局总值班室")
	b.fill("#f-report_content", "厂房起火，无人员被困，消防已到场。")
	if st := b.submit("record the first report", "#report-save"); st != 200 {
		t.Fatalf("首报: %d", st)
	}
	if got := b.text("#reports-table tbody tr td:first-child"); got != "首报 1" {
		t.Errorf("report chain shows %q", got)
	}
	// The 续报 is due at the next 08:00 or 17:00 at least an hour later.
	due := duty.DefaultDeadlines().NextFollow("large", t0)
	if got := b.text("#next-due .countdown"); !strings.Contains(got, "剩余") {
		t.Errorf("follow-up countdown %q", got)
	}

	// The deadline passes; the sweep raises the overdue 续报.
	clock.Set(due.Add(2 * time.Minute))
	if n, err := svc.Sweep(ctx); err != nil || n != 1 {
		t.Fatalf("sweep: %d %v", n, err)
	}

	l := newTab(t, ctx, exe, base)
	l.signIn("leader", demo.Password)
	todo := l.text("#todo")
	if !strings.Contains(todo, "1 起突发事件逾期未报") {
		t.Errorf("leader's to-do: %q", todo)
	}
	l.openOK("/inbox")
	if inbox := l.text("main"); !strings.Contains(inbox, "突发事件续报逾期：弋江镇某厂房火灾") {
		t.Errorf("leader's inbox: %q", inbox)
	}
	l.openOK("/duty/incidents?state=overdue")
	if rows := l.column("#incidents-table", 2); len(rows) != 1 || rows[0] != "弋江镇某厂房火灾" {
		t.Fatalf("overdue incidents: %q", rows)
	}
	if !l.reallyVisible("#incidents-table .tag.red") {
		t.Error("the overdue tag is not visible")
	}
	if got := l.text("#incidents-table .countdown"); !strings.Contains(got, "超时") {
		t.Errorf("countdown after the deadline %q", got)
	}
}
