package duty

import (
	"testing"
	"time"

	"yingji/internal/kit/calendar"
	"yingji/internal/kit/errs"
)

func msg(err error) string {
	if err == nil {
		return ""
	}
	e, ok := errs.As(err)
	if !ok {
		return err.Error()
	}
	return e.Message
}

func TestCheckShiftRules(t *testing.T) {
	start := time.Date(2022, 6, 1, 8, 30, 0, 0, Shanghai)
	end := start.Add(24 * time.Hour)
	L := func(n string) Assignment { return Assignment{Position: PosLeader, Name: n} }
	O := func(n string) Assignment { return Assignment{Position: PosOfficer, Name: n} }
	cases := []struct {
		name    string
		members []Assignment
		end     time.Time
		want    string
		field   string
	}{
		{"leader and one officer", []Assignment{L("王"), O("周")}, end, "", ""},
		{"leader and two officers", []Assignment{L("王"), O("周"), O("陈")}, end, "", ""},
		{"no leader", []Assignment{O("周"), O("陈")}, end, "duty.shift_no_leader", "leader"},
		{"two leaders", []Assignment{L("王"), L("张"), O("周")}, end, "duty.shift_two_leaders", "leader"},
		{"no officer", []Assignment{L("王")}, end, "duty.shift_no_officer", "officer1"},
		{"three officers", []Assignment{L("王"), O("周"), O("陈"), O("吴")}, end, "duty.shift_too_many_officers", "officer2"},
		{"same person twice", []Assignment{L("王"), O("王")}, end, "duty.shift_person_twice", "members"},
		{"blank names ignored", []Assignment{L("王"), O("周"), O(" ")}, end, "", ""},
		{"ends before start", []Assignment{L("王"), O("周")}, start, "duty.shift_ends_before", "ends_at"},
		{"unknown position", []Assignment{L("王"), {Position: "guest", Name: "x"}}, end, "duty.position_unknown", "members"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckShift(Shift{StartsAt: start, EndsAt: c.end, Members: c.members})
			if msg(err) != c.want {
				t.Fatalf("got %v, want %q", err, c.want)
			}
			if e, ok := errs.As(err); ok && (e.Field != c.field || e.Kind != errs.Invalid) {
				t.Errorf("field %q kind %s, want %q invalid", e.Field, e.Kind, c.field)
			}
		})
	}
}

func TestGenerateMonth(t *testing.T) {
	st := DefaultSettings()
	st.Leaders = []Person{{Name: "王局长", UserID: "u1"}, {Name: "张副局长"}, {Name: "李副局长"}}
	st.Officers = []Person{{Name: "周"}, {Name: "陈"}, {Name: "吴"}, {Name: "郑"}, {Name: "孙"}}
	st.OfficersWorkday, st.OfficersHoliday = 1, 2
	cal := calendar.New(nil, nil)
	june := time.Date(2022, 6, 1, 0, 0, 0, 0, time.UTC)
	shifts, la, oa, err := Generate(june, st, cal, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(shifts) != 30 {
		t.Fatalf("%d shifts in June", len(shifts))
	}
	people, holidays := 0, 0
	for i, s := range shifts {
		if err := CheckShift(s); err != nil {
			t.Errorf("shift %s: %v", s.Day, err)
		}
		l, _ := s.Leader()
		if want := st.Leaders[i%3].Name; l.Name != want {
			t.Errorf("%s leader %s, want %s (rotation)", s.Day, l.Name, want)
		}
		if s.Holiday != !cal.IsWorkingDay(calendar.Day(s.Day)) {
			t.Errorf("%s holiday flag %v", s.Day, s.Holiday)
		}
		want := 1
		if s.Holiday {
			want = 2
			holidays++
		}
		if n := len(s.Officers()); n != want {
			t.Errorf("%s has %d officers, want %d", s.Day, n, want)
		}
		if got := s.StartsAt.In(Shanghai).Format("2006-01-02 15:04"); got != s.Day+" 08:30" || s.EndsAt.Sub(s.StartsAt) != 24*time.Hour {
			t.Errorf("%s starts %s ends %s", s.Day, got, s.EndsAt)
		}
		people += len(s.Members)
	}
	// June 2022: 端午 on 3 June and the weekends are not working days.
	if holidays == 0 || !shifts[2].Holiday || shifts[0].Holiday {
		t.Errorf("holiday shifts: %d; 6-1 %v 6-3 %v", holidays, shifts[0].Holiday, shifts[2].Holiday)
	}
	if people != 30+30+holidays {
		t.Errorf("%d person-shifts", people)
	}
	if la != 0 || oa != (30+holidays)%5 {
		t.Errorf("rotation continues at leader %d officer %d", la, oa)
	}
	// The next month carries on from there.
	july, _, _, err := Generate(june.AddDate(0, 1, 0), st, cal, la, oa)
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := july[0].Leader(); l.Name != "王局长" || l.UserID != "u1" {
		t.Errorf("July starts with %+v", l)
	}
	// 12-hour shifts: two a day.
	st.Hours = 12
	half, _, _, err := Generate(june, st, cal, 0, 0)
	if err != nil || len(half) != 60 || half[1].StartsAt.In(Shanghai).Hour() != 20 {
		t.Errorf("12-hour shifts: %d %v", len(half), err)
	}
	// No leaders: every shift would lack one.
	st.Leaders = nil
	if _, _, _, err := Generate(june, st, cal, 0, 0); msg(err) != "duty.shift_no_leader" {
		t.Errorf("no leaders: %v", err)
	}
}

func TestSwapFourEyes(t *testing.T) {
	sw := Swap{State: SwapPending, RequestedBy: "zhiban"}
	if err := CanDecide(sw, "zhiban"); msg(err) != "duty.swap_self_approval" || !errs.Is(err, errs.Conflict) {
		t.Errorf("self approval: %v", err)
	}
	if err := CanDecide(sw, "leader"); err != nil {
		t.Errorf("another approves: %v", err)
	}
	sw.State = SwapApproved
	if err := CanDecide(sw, "leader"); msg(err) != "duty.swap_not_pending" {
		t.Errorf("decided twice: %v", err)
	}
}

func TestLogFreezes(t *testing.T) {
	if err := CanChangeLog(LogEntry{}); err != nil {
		t.Error(err)
	}
	if err := CanChangeLog(LogEntry{Frozen: true}); msg(err) != "duty.log_frozen" || !errs.Is(err, errs.Conflict) {
		t.Errorf("frozen: %v", err)
	}
	now := time.Date(2022, 6, 1, 10, 0, 0, 0, Shanghai)
	cases := []struct {
		e     LogEntry
		field string
	}{
		{LogEntry{Kind: LogCall, At: now, Caller: "李", Nature: "落石"}, ""},
		{LogEntry{Kind: LogCall, At: now, Nature: "落石"}, "caller"},
		{LogEntry{Kind: LogCall, At: now, Caller: "李"}, "nature"},
		{LogEntry{Kind: LogEvent, At: now}, "content"},
		{LogEntry{Kind: "chat", At: now, Content: "x"}, "kind"},
		{LogEntry{Kind: LogSignIn}, "at"},
		{LogEntry{Kind: LogSignIn, At: now.Add(time.Hour)}, "at"},
	}
	for i, c := range cases {
		err := CheckLog(&c.e, now)
		got := ""
		if fe := errs.Fields(err); len(fe) > 0 {
			got = fe[0].Field
		}
		if got != c.field {
			t.Errorf("case %d: field %q (%v), want %q", i, got, err, c.field)
		}
	}
}

func TestReportChainOrder(t *testing.T) {
	d := DefaultDeadlines()
	in := Incident{Category: "accident", Level: "general", ReceivedAt: time.Date(2022, 6, 1, 9, 10, 0, 0, Shanghai)}
	if _, _, err := NextReport(in, nil, Follow, d); msg(err) != "duty.report_before_first" || !errs.Is(err, errs.Conflict) {
		t.Errorf("续报 before 首报: %v", err)
	}
	if _, _, err := NextReport(in, nil, Final, d); msg(err) != "duty.report_before_first" {
		t.Errorf("终报 before 首报: %v", err)
	}
	seq, due, err := NextReport(in, nil, First, d)
	if err != nil || seq != 1 || !due.Equal(in.ReceivedAt.Add(2*time.Hour)) {
		t.Fatalf("首报: %d %s %v", seq, due, err)
	}
	first := Report{Kind: First, Seq: 1, ReportedAt: in.ReceivedAt.Add(30 * time.Minute)}
	if _, _, err := NextReport(in, []Report{first}, First, d); msg(err) != "duty.report_first_twice" {
		t.Errorf("second 首报: %v", err)
	}
	seq, due, err = NextReport(in, []Report{first}, Follow, d)
	if err != nil || seq != 2 || due.In(Shanghai).Format("01-02 15:04") != "06-01 17:00" {
		t.Errorf("续报: %d %s %v", seq, due.In(Shanghai), err)
	}
	final := Report{Kind: Final, Seq: 2, ReportedAt: in.ReceivedAt.Add(5 * time.Hour)}
	if _, _, err := NextReport(in, []Report{first, final}, Follow, d); msg(err) != "duty.report_after_final" {
		t.Errorf("after 终报: %v", err)
	}
	if _, _, err := NextReport(in, nil, "summary", d); msg(err) != "duty.report_kind_unknown" {
		t.Errorf("unknown kind: %v", err)
	}
	// Report times: not before receipt, not before the report before.
	r := Report{Kind: Follow, ReportedAt: first.ReportedAt.Add(-time.Minute), To: "市局", Via: "phone", Content: "x"}
	if fe := errs.Fields(CheckReport(&r, []Report{first}, in, in.ReceivedAt.Add(10*time.Hour))); len(fe) == 0 || fe[0].Field != "reported_at" {
		t.Errorf("report before the previous one: %v", fe)
	}
}

func TestDeadlines(t *testing.T) {
	d := DefaultDeadlines()
	for _, c := range []struct {
		cat, level string
		min        int
	}{
		{"accident", "general", 120}, {"natural", "general", 360}, {"health", "large", 60}, {"accident", "large", 60},
		{"social", "major", 40}, {"natural", "especially_major", 40},
	} {
		if got := d.FirstMinutes(c.cat, c.level); got != c.min {
			t.Errorf("%s %s: %d minutes, want %d", c.cat, c.level, got, c.min)
		}
	}
	at := func(s string) time.Time {
		t, _ := time.ParseInLocation("2006-01-02 15:04", s, Shanghai)
		return t
	}
	for _, c := range []struct {
		level, prev, want string
	}{
		{"large", "2022-06-02 11:35", "2022-06-02 17:00"},
		{"large", "2022-06-02 16:20", "2022-06-03 08:00"}, // 17:00 is within the 60-minute gap
		{"large", "2022-06-03 07:20", "2022-06-03 17:00"},
		{"general", "2022-06-02 16:00", "2022-06-03 17:00"}, // once a day, two hours at least
		{"general", "2022-06-02 09:00", "2022-06-02 17:00"},
	} {
		if got := d.NextFollow(c.level, at(c.prev)).In(Shanghai).Format("2006-01-02 15:04"); got != c.want {
			t.Errorf("%s after %s: %s, want %s", c.level, c.prev, got, c.want)
		}
	}
	// Configured: a county that wants general follow-ups at noon.
	d.Follow = []FollowRule{{Level: "general", Times: []string{"12:00"}, MinGap: 30}}
	if got := d.NextFollow("general", at("2022-06-02 11:00")).In(Shanghai).Format("15:04"); got != "12:00" {
		t.Errorf("configured follow-up: %s", got)
	}
	d.First = []FirstDeadline{{Level: "general", Minutes: 30}}
	if d.FirstMinutes("accident", "general") != 30 {
		t.Error("configured first deadline not used")
	}
}

func TestStatusComputesOnTime(t *testing.T) {
	d := DefaultDeadlines()
	in := Incident{Category: "accident", Level: "general", ReceivedAt: time.Date(2022, 6, 1, 9, 0, 0, 0, Shanghai)}
	next, overdue, onTime, closed := Status(in, nil, d, in.ReceivedAt.Add(time.Hour))
	if overdue || !onTime || closed || !next.Equal(in.ReceivedAt.Add(2*time.Hour)) {
		t.Errorf("fresh: %s %v %v %v", next, overdue, onTime, closed)
	}
	if _, overdue, onTime, _ := Status(in, nil, d, in.ReceivedAt.Add(2*time.Hour+time.Second)); !overdue || onTime {
		t.Error("past the first deadline without a report is overdue and late")
	}
	late := Report{Kind: First, ReportedAt: in.ReceivedAt.Add(3 * time.Hour), OnTime: false}
	if _, _, onTime, _ := Status(in, []Report{late}, d, late.ReportedAt); onTime {
		t.Error("a late report makes the incident late")
	}
	ok := Report{Kind: First, ReportedAt: in.ReceivedAt.Add(time.Hour), OnTime: true}
	fin := Report{Kind: Final, ReportedAt: in.ReceivedAt.Add(5 * time.Hour), OnTime: true}
	next, overdue, onTime, closed = Status(in, []Report{ok, fin}, d, in.ReceivedAt.Add(100*time.Hour))
	if !closed || overdue || !onTime || !next.IsZero() {
		t.Errorf("closed on time: %s %v %v %v", next, overdue, onTime, closed)
	}
}

func TestCheckIncident(t *testing.T) {
	now := time.Date(2022, 6, 1, 12, 0, 0, 0, Shanghai)
	good := Incident{Title: "x", ReceivedAt: now.Add(-time.Hour), Source: "电话", Category: "accident", Subtype: "fire", Level: "general"}
	if err := CheckIncident(&good, now); err != nil {
		t.Fatal(err)
	}
	for field, mut := range map[string]func(*Incident){
		"title":       func(i *Incident) { i.Title = " " },
		"received_at": func(i *Incident) { i.ReceivedAt = now.Add(time.Hour) },
		"occurred_at": func(i *Incident) { i.OccurredAt = now },
		"category":    func(i *Incident) { i.Subtype = "flood" },
		"level":       func(i *Incident) { i.Level = "huge" },
		"deaths":      func(i *Incident) { i.Deaths = -1 },
		"lat":         func(i *Incident) { i.Lat, i.Lng = 1, 1 },
		"source":      func(i *Incident) { i.Source = "" },
	} {
		in := good
		mut(&in)
		fe := errs.Fields(CheckIncident(&in, now))
		if len(fe) != 1 || fe[0].Field != field {
			t.Errorf("%s: %v", field, fe)
		}
	}
}
