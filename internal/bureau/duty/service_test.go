package duty_test

import (
	"context"
	"testing"
	"time"

	"yingji/internal/bureau/duty"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/calendar"
	"yingji/internal/kit/clocktest"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/figure"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

const county = "349901"

var cst = time.FixedZone("CST", 8*3600)

type fixture struct {
	db                   *store.DB
	svc                  *duty.Service
	n                    *notify.Service
	clock                *clocktest.Clock
	admin, zhiban, other *auth.Principal
	leader, town, qiye   *auth.Principal
}

func setup(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{db: db, clock: clocktest.New(time.Date(2022, 6, 15, 10, 0, 0, 0, cst))}
	n, err := notify.New(db, notify.Config{Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	f.n = n
	f.svc = duty.New(db, n, f.clock.Now, func(context.Context, string) (calendar.Calendar, error) { return calendar.New(nil, nil), nil },
		func(context.Context, string) ([]string, error) { return []string{"u-leader", "u-leader2"}, nil })
	p := func(id string, r auth.Role) *auth.Principal {
		return &auth.Principal{UserID: id, Username: id, Role: r, CountyCode: county}
	}
	f.admin, f.zhiban, f.other, f.leader = p("u-admin", auth.RoleAdmin), p("u-zhiban", auth.RoleDuty), p("u-zhiban2", auth.RoleDuty), p("u-leader", auth.RoleLeader)
	f.town = p("u-town", auth.RoleTown)
	f.town.RegionCode = county + "100"
	f.qiye = p("u-qiye", auth.RoleEnterprise)
	return f
}

func (f *fixture) shift(t *testing.T, start time.Time, leader, leaderID string, officers ...string) duty.Shift {
	t.Helper()
	sh := duty.Shift{StartsAt: start, EndsAt: start.Add(24 * time.Hour), Members: []duty.Assignment{{Position: duty.PosLeader, Slot: 0, Name: leader, UserID: leaderID}}}
	for i, o := range officers {
		sh.Members = append(sh.Members, duty.Assignment{Position: duty.PosOfficer, Slot: i + 1, Name: o})
	}
	out, err := f.svc.CreateShift(context.Background(), f.zhiban, sh)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func kindOf(err error) string {
	if e, ok := errs.As(err); ok {
		return string(e.Kind) + ":" + e.Message
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestRosterStore(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		st := duty.DefaultSettings()
		st.Leaders = []duty.Person{{Name: "王局长", UserID: "u-leader"}, {Name: "张副局长"}, {Name: "李副局长"}}
		st.Officers = []duty.Person{{Name: "周值班", UserID: "u-zhiban"}, {Name: "陈晓"}, {Name: "吴敏"}, {Name: "郑磊"}}
		if _, err := f.svc.SaveSettings(ctx, f.town, st); !errs.Is(err, errs.Forbidden) {
			t.Errorf("town saves settings: %v", err)
		}
		if _, err := f.svc.SaveSettings(ctx, f.zhiban, st); err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, m := range []string{"2022-01", "2022-02", "2022-03", "2022-04", "2022-05", "2022-06"} {
			shifts, err := f.svc.GenerateMonth(ctx, f.zhiban, m)
			if err != nil {
				t.Fatal(m, err)
			}
			total += len(shifts)
		}
		if total != 181 {
			t.Errorf("%d shifts Jan–Jun", total)
		}
		if _, err := f.svc.GenerateMonth(ctx, f.zhiban, "2022-06"); kindOf(err) != "conflict:duty.month_exists" {
			t.Errorf("generating a month twice: %v", err)
		}
		n, idl, err := f.svc.PersonShifts(ctx, county, "2022-01-01", "2022-06-30", true)
		if err != nil || n != 543 || len(idl) != 543 {
			t.Errorf("person-shifts %d (%d ids) %v", n, len(idl), err)
		}
		// The rotation carried on across months: February starts with the
		// leader after January's last.
		feb, err := f.svc.Shifts(ctx, f.town, "2022-02-01", "2022-02-01")
		if err != nil || len(feb) != 1 {
			t.Fatal(feb, err)
		}
		if l, _ := feb[0].Leader(); l.Name != st.Leaders[31%3].Name {
			t.Errorf("1 February leader %s", l.Name)
		}
		// On duty now (15 June 10:00) is the shift of 15 June.
		now, ok, err := f.svc.NowOnDuty(ctx, f.qiye)
		if err != nil || !ok || now.Day != "2022-06-15" || len(now.Members) != 3 {
			t.Errorf("on duty now: %+v %v %v", now, ok, err)
		}
		// A hand-made shift overlapping the roster is refused; one without a
		// leader is refused naming the rule.
		_, err = f.svc.CreateShift(ctx, f.zhiban, duty.Shift{StartsAt: now.StartsAt.Add(time.Hour), EndsAt: now.EndsAt,
			Members: []duty.Assignment{{Position: duty.PosLeader, Name: "王"}, {Position: duty.PosOfficer, Slot: 1, Name: "周"}}})
		if kindOf(err) != "conflict:duty.shift_overlaps" {
			t.Errorf("overlap: %v", err)
		}
		_, err = f.svc.CreateShift(ctx, f.zhiban, duty.Shift{StartsAt: time.Date(2022, 7, 1, 8, 30, 0, 0, cst), EndsAt: time.Date(2022, 7, 2, 8, 30, 0, 0, cst),
			Members: []duty.Assignment{{Position: duty.PosOfficer, Slot: 1, Name: "周"}}})
		if kindOf(err) != "invalid:duty.shift_no_leader" {
			t.Errorf("no leader: %v", err)
		}
		var rows int
		if err := f.svc.EachPersonShift(ctx, f.town, "2022-06-01", "2022-06-30", func(duty.PersonShift) error { rows++; return nil }); err != nil || rows != 90 {
			t.Errorf("June person-shifts %d %v", rows, err)
		}
		if err := f.svc.EachPersonShift(ctx, f.qiye, "", "", func(duty.PersonShift) error { return nil }); !errs.Is(err, errs.Forbidden) {
			t.Errorf("enterprise reads the roster: %v", err)
		}
	})
}

func TestSwapFourEyesStore(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		a := f.shift(t, time.Date(2022, 6, 20, 8, 30, 0, 0, cst), "王局长", "u-leader", "周值班", "陈晓")
		b := f.shift(t, time.Date(2022, 6, 21, 8, 30, 0, 0, cst), "张副局长", "", "吴敏")
		sw, err := f.svc.RequestSwap(ctx, f.zhiban, duty.Swap{AssignmentID: a.Members[1].ID, WithID: b.Members[1].ID, Reason: "家中有事"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.DecideSwap(ctx, f.zhiban, sw.ID, true); kindOf(err) != "conflict:duty.swap_self_approval" {
			t.Fatalf("self approval: %v", err)
		}
		if _, err := f.svc.DecideSwap(ctx, f.town, sw.ID, true); !errs.Is(err, errs.Forbidden) {
			t.Errorf("town approves: %v", err)
		}
		n, _ := f.svc.PendingSwapsFor(ctx, f.zhiban)
		m, _ := f.svc.PendingSwapsFor(ctx, f.leader)
		if n != 0 || m != 1 {
			t.Errorf("pending for requester %d, for the leader %d", n, m)
		}
		got, err := f.svc.DecideSwap(ctx, f.leader, sw.ID, true)
		if err != nil || got.State != duty.SwapApproved || got.DecidedBy != "u-leader" {
			t.Fatalf("approve: %+v %v", got, err)
		}
		a2, _ := f.svc.Shift(ctx, f.town, a.ID)
		b2, _ := f.svc.Shift(ctx, f.town, b.ID)
		if a2.Members[1].Name != "吴敏" || b2.Members[1].Name != "周值班" {
			t.Errorf("after the swap: %s / %s", a2.Members[1].Name, b2.Members[1].Name)
		}
		if _, err := f.svc.DecideSwap(ctx, f.other, sw.ID, false); kindOf(err) != "conflict:duty.swap_not_pending" {
			t.Errorf("decided twice: %v", err)
		}
		// A substitution that would put someone on a shift twice breaks a
		// roster rule and is refused at approval.
		sw2, err := f.svc.RequestSwap(ctx, f.zhiban, duty.Swap{AssignmentID: a.Members[2].ID, SubstituteFor: "吴敏", Reason: "替班"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.DecideSwap(ctx, f.other, sw2.ID, true); kindOf(err) != "conflict:duty.swap_breaks_rule" {
			t.Errorf("rule broken by swap: %v", err)
		}
		// Exchanging a leader with an officer is refused at request.
		if _, err := f.svc.RequestSwap(ctx, f.zhiban, duty.Swap{AssignmentID: a.Members[0].ID, WithID: b.Members[1].ID, Reason: "x"}); kindOf(err) != "invalid:duty.swap_position_differs" {
			t.Errorf("leader with officer: %v", err)
		}
	})
}

func TestLogFreezesAtHandover(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		sh := f.shift(t, time.Date(2022, 6, 15, 8, 30, 0, 0, cst), "王局长", "u-leader", "周值班")
		call, err := f.svc.AddLog(ctx, f.zhiban, duty.LogEntry{Kind: duty.LogCall, At: f.clock.Now().Add(-time.Hour), Caller: "李先生 11010519491231002X",
			Unit: "南塘村", Nature: "落石", Action: "已通知镇政府"})
		if err != nil {
			t.Fatal(err)
		}
		if call.ShiftID != sh.ID || call.Frozen {
			t.Errorf("entry on shift %q frozen %v", call.ShiftID, call.Frozen)
		}
		// Before the handover it may be changed.
		call.Action = "已通知镇政府和自然资源局"
		if _, err := f.svc.UpdateLog(ctx, f.zhiban, call.ID, call); err != nil {
			t.Fatal(err)
		}
		// Readers who may not see ID numbers see them masked.
		got, err := f.svc.Log(ctx, f.town, call.ID)
		if err != nil || got.Caller == call.Caller || got.Action != "已通知镇政府和自然资源局" {
			t.Errorf("town reads %q %q %v", got.Caller, got.Action, err)
		}
		f.clock.Add(20 * time.Hour)
		if _, err := f.svc.Handover(ctx, f.zhiban, sh.ID, "本班接报来电1起，已处置"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Handover(ctx, f.other, sh.ID, "again"); kindOf(err) != "conflict:duty.already_handed_over" {
			t.Errorf("second handover: %v", err)
		}
		call.Action = "changed afterwards"
		if _, err := f.svc.UpdateLog(ctx, f.zhiban, call.ID, call); kindOf(err) != "conflict:duty.log_frozen" {
			t.Fatalf("changing a frozen entry: %v", err)
		}
		fix, err := f.svc.AddLog(ctx, f.zhiban, duty.LogEntry{Corrects: call.ID, At: call.At, Caller: "李先生", Unit: "南塘村村委会", Nature: "落石",
			Action: "已通知镇政府和自然资源局"})
		if err != nil {
			t.Fatal(err)
		}
		if fix.Kind != duty.LogCall || fix.ShiftID != sh.ID || !fix.Frozen {
			t.Errorf("correction %+v", fix)
		}
		old, _ := f.svc.Log(ctx, f.zhiban, call.ID)
		if old.Unit != "南塘村" || old.CorrectedBy != fix.ID || !old.Frozen {
			t.Errorf("the old entry stays: %+v", old)
		}
		list, total, err := f.svc.Logs(ctx, f.zhiban, duty.LogFilter{ShiftID: sh.ID})
		if err != nil || total != 3 || len(list) != 3 {
			t.Errorf("shift log %d %v", total, err)
		}
		if _, err := f.svc.AddLog(ctx, f.town, duty.LogEntry{Kind: duty.LogEvent, At: f.clock.Now(), Content: "x"}); !errs.Is(err, errs.Forbidden) {
			t.Errorf("town writes the log: %v", err)
		}
	})
}

func newIncident(t *testing.T, f *fixture, level string, received time.Time) duty.Incident {
	t.Helper()
	in, err := f.svc.CreateIncident(context.Background(), f.zhiban, duty.Incident{Title: "某厂机械伤害", ReceivedAt: received, Source: "企业报告",
		Category: "accident", Subtype: "work_safety", Level: level, TownCode: county + "100", Injuries: 1})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func TestIncidentChainAndOnTime(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		rec := time.Date(2022, 6, 15, 9, 10, 0, 0, cst)
		in := newIncident(t, f, "general", rec)
		if !in.NextDue.Equal(rec.Add(2 * time.Hour)) {
			t.Errorf("first report due %s", in.NextDue)
		}
		rep := func(kind string, at time.Time) (duty.Report, error) {
			return f.svc.AddReport(ctx, f.zhiban, in.ID, duty.Report{Kind: kind, ReportedAt: at, To: "市应急管理局", Via: "phone", Content: "情况", Injuries: 1})
		}
		if _, err := rep(duty.Follow, rec.Add(30*time.Minute)); kindOf(err) != "conflict:duty.report_before_first" {
			t.Fatalf("续报 before 首报: %v", err)
		}
		r1, err := rep(duty.First, rec.Add(40*time.Minute))
		if err != nil || !r1.OnTime || r1.Seq != 1 {
			t.Fatalf("首报 %+v %v", r1, err)
		}
		f.clock.Set(time.Date(2022, 6, 15, 18, 0, 0, 0, cst))
		r2, err := rep(duty.Follow, time.Date(2022, 6, 15, 17, 20, 0, 0, cst))
		if err != nil || r2.OnTime || r2.Seq != 2 {
			t.Fatalf("late 续报 (due 17:00) %+v %v", r2, err)
		}
		d, err := f.svc.Incident(ctx, f.town, in.ID)
		if err != nil || d.OnTime || d.Reports != 2 || len(d.ReportList) != 2 || d.Closed {
			t.Errorf("after a late report: %+v %v", d.Incident, err)
		}
		f.clock.Set(time.Date(2022, 6, 16, 12, 0, 0, 0, cst))
		if _, err := rep(duty.Final, time.Date(2022, 6, 16, 11, 0, 0, 0, cst)); err != nil {
			t.Fatal(err)
		}
		if _, err := rep(duty.Follow, f.clock.Now()); kindOf(err) != "conflict:duty.report_after_final" {
			t.Errorf("after 终报: %v", err)
		}
		// Filters: on time / late and the figure.
		in2 := newIncident(t, f, "general", time.Date(2022, 6, 16, 9, 0, 0, 0, cst))
		if _, err := f.svc.AddReport(ctx, f.zhiban, in2.ID, duty.Report{Kind: duty.First, ReportedAt: time.Date(2022, 6, 16, 9, 30, 0, 0, cst), To: "市局", Via: "written", Content: "x"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AddReport(ctx, f.zhiban, in2.ID, duty.Report{Kind: duty.Final, ReportedAt: time.Date(2022, 6, 16, 11, 40, 0, 0, cst), To: "市局", Via: "written", Content: "x"}); err != nil {
			t.Fatal(err)
		}
		period, _ := figure.NewPeriod("2022-01-01", "2022-06-30")
		fig := f.svc.Figures()[0]
		v, err := fig.Count(ctx, figure.Query{Period: period, P: f.leader, Records: true})
		if err != nil {
			t.Fatal(err)
		}
		if v.Get("incidents").Value != 2 || v.Get("incidents_on_time").Value != 1 || v.Get("incidents_on_time").Records[0] != in2.ID {
			t.Errorf("figure %+v", v)
		}
		if fig.ID != "F-DUTY-1" || v.Get("incidents").Link != "/duty/incidents?from=2022-01-01&to=2022-06-30" {
			t.Errorf("figure id %s link %s", fig.ID, v.Get("incidents").Link)
		}
		// A town sees its own town's incidents only.
		other := f.town
		other.RegionCode = county + "101"
		if _, err := f.svc.Incident(ctx, other, in.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("another town reads: %v", err)
		}
	})
}

func TestOverdueRaisedToLeaderOnDuty(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		f.shift(t, time.Date(2022, 6, 15, 8, 30, 0, 0, cst), "王局长", "u-leader", "周值班")
		in := newIncident(t, f, "large", time.Date(2022, 6, 15, 9, 0, 0, 0, cst))
		if _, err := f.svc.AddReport(ctx, f.zhiban, in.ID, duty.Report{Kind: duty.First, ReportedAt: time.Date(2022, 6, 15, 9, 40, 0, 0, cst),
			To: "市应急管理局", Via: "phone", Content: "首报"}); err != nil {
			t.Fatal(err)
		}
		// 续报 due at 17:00 (较大: 08:00 and 17:00). Before then: nothing.
		f.clock.Set(time.Date(2022, 6, 15, 16, 59, 0, 0, cst))
		if n, err := f.svc.Sweep(ctx); err != nil || n != 0 {
			t.Fatalf("before the deadline: %d %v", n, err)
		}
		todo, _ := f.svc.Todo(ctx, f.leader)
		if len(todo) == 0 || todo[0].Label != "duty.todo_overdue" || todo[0].Count != 0 {
			t.Errorf("leader's todo before: %+v", todo)
		}
		f.clock.Set(time.Date(2022, 6, 15, 17, 1, 0, 0, cst))
		n, err := f.svc.Sweep(ctx)
		if err != nil || n != 1 {
			t.Fatalf("sweep after the deadline: %d %v", n, err)
		}
		if n, _ := f.svc.Sweep(ctx); n != 0 {
			t.Errorf("second sweep notified %d", n)
		}
		inbox, err := f.n.Inbox(ctx, "u-leader", true, 10)
		if err != nil || len(inbox) != 1 || inbox[0].Link != "/duty/incidents/"+in.ID {
			t.Fatalf("leader's inbox %+v %v", inbox, err)
		}
		if other, _ := f.n.Inbox(ctx, "u-leader2", true, 10); len(other) != 0 {
			t.Errorf("a leader not on duty was told: %+v", other)
		}
		todo, _ = f.svc.Todo(ctx, f.leader)
		if todo[0].Label != "duty.todo_overdue" || todo[0].Count != 1 {
			t.Errorf("leader's todo after: %+v", todo)
		}
		d, _ := f.svc.Incident(ctx, f.leader, in.ID)
		if !d.Overdue || d.OnTime {
			t.Errorf("incident overdue %v on time %v", d.Overdue, d.OnTime)
		}
		// No shift covers the next day: the county's leaders are told.
		f.clock.Set(time.Date(2022, 6, 17, 9, 0, 0, 0, cst))
		if n, err := f.svc.Sweep(ctx); err != nil || n != 1 {
			t.Errorf("without a shift: %d %v", n, err)
		}
		if other, _ := f.n.Inbox(ctx, "u-leader2", true, 10); len(other) != 1 {
			t.Errorf("without a shift the leaders are told: %+v", other)
		}
		// The stat on every home page.
		stats, err := f.svc.Stats(ctx, f.qiye)
		if err != nil || stats[0].Label != "duty.home_now_none" {
			t.Errorf("no shift now: %+v %v", stats, err)
		}
		f.clock.Set(time.Date(2022, 6, 15, 12, 0, 0, 0, cst))
		stats, _ = f.svc.Stats(ctx, f.qiye)
		if stats[0].Value != 2 || stats[0].Detail != "带班 王局长、周值班" {
			t.Errorf("on duty now stat %+v", stats)
		}
	})
}

func TestIncidentLevelRaisedMovesDeadline(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		rec := time.Date(2022, 6, 15, 9, 0, 0, 0, cst)
		in := newIncident(t, f, "general", rec)
		// Three dead: the incident is 较大, the first report is due within the hour.
		in.Level, in.Deaths = "large", 3
		got, err := f.svc.UpdateIncident(ctx, f.zhiban, in.ID, in)
		if err != nil || !got.NextDue.Equal(rec.Add(time.Hour)) || got.Deaths != 3 {
			t.Fatalf("raised: %s %v", got.NextDue, err)
		}
		if _, err := f.svc.UpdateIncident(ctx, f.town, in.ID, in); !errs.Is(err, errs.Forbidden) {
			t.Errorf("town edits: %v", err)
		}
		for _, k := range []string{duty.First, duty.Final} {
			if _, err := f.svc.AddReport(ctx, f.zhiban, in.ID, duty.Report{Kind: k, ReportedAt: rec.Add(30 * time.Minute), To: "市局", Via: "phone", Content: "x"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.svc.UpdateIncident(ctx, f.zhiban, in.ID, in); kindOf(err) != "conflict:duty.incident_closed" {
			t.Errorf("closed incident edited: %v", err)
		}
	})
}
