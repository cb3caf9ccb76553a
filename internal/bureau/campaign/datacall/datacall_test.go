package datacall_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"yingji/internal/bureau/campaign/datacall"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/demo"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

func fieldErr(err error) string {
	if f := errs.Fields(err); len(f) > 0 {
		return f[0].Field + ":" + f[0].Message
	}
	return ""
}

func TestValidateForm(t *testing.T) {
	ok := datacall.Form{Name: "大检查", Fields: datacall.DemoFields()}
	if err := datacall.ValidateForm(&ok); err != nil {
		t.Fatalf("demo form: %v", err)
	}
	cases := map[string]struct {
		fields []datacall.Field
		want   string
	}{
		"no fields":     {nil, "fields:datacall.fields_required"},
		"duplicate key": {[]datacall.Field{{Key: "a", Label: "甲"}, {Key: "a", Label: "乙"}}, "field_2:datacall.key_taken"},
		"bad key":       {[]datacall.Field{{Key: "A-1", Label: "甲"}}, "field_1:datacall.key_invalid"},
		"no label":      {[]datacall.Field{{Key: "a"}}, "field_1:datacall.label_required"},
		"parent ?":      {[]datacall.Field{{Key: "a", Label: "甲", Parent: "zz"}}, "field_1:datacall.parent_unknown"},
		"parent self":   {[]datacall.Field{{Key: "a", Label: "甲", Parent: "a"}}, "field_1:datacall.parent_self"},
		"parent text":   {[]datacall.Field{{Key: "a", Label: "甲", Type: datacall.Text}, {Key: "b", Label: "乙", Parent: "a"}}, "field_2:datacall.parent_not_number"},
		"cycle":         {[]datacall.Field{{Key: "a", Label: "甲", Parent: "b"}, {Key: "b", Label: "乙", Parent: "a"}}, "fields:datacall.parent_cycle"},
		"bad type":      {[]datacall.Field{{Key: "a", Label: "甲", Type: "date"}}, "field_1:datacall.type_invalid"},
	}
	for name, c := range cases {
		f := datacall.Form{Name: "表", Fields: c.fields}
		if got := fieldErr(datacall.ValidateForm(&f)); got != c.want {
			t.Errorf("%s: %q, want %q", name, got, c.want)
		}
	}
	f := datacall.Form{Name: "表", Fields: []datacall.Field{{Label: "甲"}, {Label: "乙"}}}
	if err := datacall.ValidateForm(&f); err != nil || f.Fields[1].Key != "f2" || f.Fields[0].Type != datacall.Integer {
		t.Fatalf("defaults: %v %+v", err, f.Fields)
	}
}

func TestParseNumber(t *testing.T) {
	for _, c := range []struct {
		t    datacall.FieldType
		in   string
		want string
		ok   bool
	}{
		{datacall.Integer, "3265", "3265", true}, {datacall.Integer, "3,265", "3265", true}, {datacall.Integer, "３２６５", "3265", true},
		{datacall.Integer, "12.0", "12", true}, {datacall.Integer, "12.5", "", false}, {datacall.Integer, "-1", "", false},
		{datacall.Integer, "三", "", false}, {datacall.Integer, "1e3", "", false}, {datacall.Decimal, "12.50", "12.5", true},
		{datacall.Decimal, "0.0001", "0.0001", true}, {datacall.Decimal, "0.00001", "", false}, {datacall.Decimal, "12.", "", false},
	} {
		_, got, ok := datacall.ParseNumber(c.t, c.in)
		if ok != c.ok || got != c.want {
			t.Errorf("%s %q: %q %v", c.t, c.in, got, ok)
		}
	}
}

func TestCheckValues(t *testing.T) {
	f := datacall.Form{Name: "大检查", Fields: datacall.DemoFields()}
	_, err := datacall.CheckValues(f, map[string]string{"general": "十个"}, false)
	fe := errs.Fields(err)
	if len(fe) != 1 || fe[0].Field != "general" || fe[0].Message != "datacall.not_integer" || fe[0].Args["Label"] != "排查一般隐患" {
		t.Fatalf("not a number: %v", err)
	}
	_, err = datacall.CheckValues(f, map[string]string{"general": "10", "general_done": "12"}, false)
	fe = errs.Fields(err)
	if len(fe) != 1 || fe[0].Field != "general_done" || fe[0].Message != "datacall.part_exceeds" || fe[0].Args["Part"] != "一般隐患已整改" ||
		fe[0].Args["Total"] != "排查一般隐患" || fe[0].Args["PartValue"] != "12" || fe[0].Args["TotalValue"] != "10" {
		t.Fatalf("part over its total: %v", err)
	}
	if _, err = datacall.CheckValues(f, map[string]string{"general": "10"}, true); len(errs.Fields(err)) != 9 {
		t.Fatalf("submit needs every number: %v", errs.Fields(err))
	}
	vals, err := datacall.CheckValues(f, map[string]string{"general": "1,000", "note": " 无 ", "nope": "1"}, false)
	if err != nil || vals["general"] != "1000" || vals["note"] != "无" || vals["nope"] != "" {
		t.Fatalf("draft values: %v %v", err, vals)
	}
	checks := datacall.CheckTotals(f, map[string]int64{"general": 10 * datacall.Scale, "general_done": 12 * datacall.Scale})
	if checks[0].OK || !checks[1].OK {
		t.Fatalf("total checks: %+v", checks)
	}
}

type fixture struct {
	svc      *datacall.Service
	notify   *notify.Service
	now      *time.Time
	office   *auth.Principal
	deptP    *auth.Principal // 县住建局
	townP    *auth.Principal // 籍山镇
	deptUnit string
	townUnit string
	otherID  string // 弋江镇人民政府
	usersOf  map[string][]string
}

func setup(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2022, 5, 25, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	f := &fixture{now: &now}
	clock := func() time.Time { return *f.now }
	o := org.New(db, clock)
	a := auth.New(db, o, clock, auth.Options{})
	if err := demo.Load(ctx, demo.Services{DB: db, Org: o, Auth: a}, "349901", io.Discard); err != nil {
		t.Fatal(err)
	}
	n, err := notify.New(db, notify.Config{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	f.notify = n
	f.usersOf = map[string][]string{}
	for _, name := range []string{"dept", "town"} {
		p, err := a.PrincipalFor(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		f.usersOf[p.UnitID] = append(f.usersOf[p.UnitID], p.UserID)
		if name == "dept" {
			f.deptP, f.deptUnit = p, p.UnitID
		} else {
			f.townP, f.townUnit = p, p.UnitID
		}
	}
	f.office, err = a.PrincipalFor(ctx, "leader")
	if err != nil {
		t.Fatal(err)
	}
	units, err := o.ListUnits(ctx, f.office, org.UnitFilter{Kind: org.UnitTown})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range units {
		if u.Name == "弋江镇人民政府" {
			f.otherID = u.ID
		}
	}
	f.svc = datacall.New(datacall.Config{DB: db, Org: o, Notify: n, Now: clock,
		Recipients: func(ctx context.Context, county, unit string) ([]string, error) { return f.usersOf[unit], nil },
		Prefill: func(ctx context.Context, c datacall.Call, form datacall.Form, u org.Unit) (map[string]string, error) {
			if c.Campaign == "" {
				return nil, nil
			}
			return map[string]string{"general": "7", "general_done": "5"}, nil
		}})
	return f
}

func (f *fixture) inbox(t *testing.T, user string) int {
	t.Helper()
	list, err := f.notify.Inbox(context.Background(), user, false, 100)
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

func TestCalls(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		if _, err := f.svc.CreateForm(ctx, f.townP, datacall.Form{Name: "x", Fields: datacall.DemoFields()}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("town defines a form: %v", err)
		}
		form, err := f.svc.CreateForm(ctx, f.office, datacall.Form{Name: datacall.DemoForm, Fields: datacall.DemoFields()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Issue(ctx, f.office, datacall.NewCall{FormID: form.ID, Period: "2022年1-5月", Deadline: "2022-06-05"}); fieldErr(err) != "units:datacall.units_required" {
			t.Fatalf("no units: %v", err)
		}
		// Today is 2022-05-25: a deadline already past, or before the
		// period begins, is refused on the field.
		if _, err := f.svc.Issue(ctx, f.office, datacall.NewCall{FormID: form.ID, Period: "2022年1-4月", Deadline: "2022-05-20",
			Units: []string{f.deptUnit}}); fieldErr(err) != "deadline:datacall.deadline_past" {
			t.Fatalf("deadline already past: %v", err)
		}
		if _, err := f.svc.Issue(ctx, f.office, datacall.NewCall{FormID: form.ID, Period: "2022年7月", From: "2022-07-01", To: "2022-07-31",
			Deadline: "2022-06-30", Units: []string{f.deptUnit}}); fieldErr(err) != "deadline:datacall.deadline_before_period" {
			t.Fatalf("deadline before the period: %v", err)
		}
		c, err := f.svc.Issue(ctx, f.office, datacall.NewCall{FormID: form.ID, Period: "2022年1-5月", From: "2022-01-01", To: "2022-05-31",
			Deadline: "2022-06-05", Campaign: "2022年安全生产大检查", Units: []string{f.deptUnit, f.townUnit, f.otherID}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Issue(ctx, f.office, datacall.NewCall{FormID: form.ID, Period: "2022年1-5月", Deadline: "2022-06-05", Units: []string{f.deptUnit}}); fieldErr(err) != "period:datacall.period_taken" {
			t.Fatalf("same period twice: %v", err)
		}
		if f.inbox(t, f.townP.UserID) != 1 {
			t.Fatal("the town was not told of the call")
		}
		// Each unit sees its own call; the fill page is pre-filled.
		calls, err := f.svc.Calls(ctx, f.townP)
		if err != nil || len(calls) != 1 || calls[0].Mine == nil || calls[0].Mine.State != datacall.Pending {
			t.Fatalf("town's calls: %v %+v", err, calls)
		}
		_, _, row, err := f.svc.Row(ctx, f.townP, c.ID, "")
		if err != nil || row.Prefilled["general"] != "7" {
			t.Fatalf("pre-fill: %v %+v", err, row)
		}
		if _, err := f.svc.Fill(ctx, f.townP, c.ID, f.otherID, map[string]string{"general": "1"}, false); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("fills another unit's row: %v", err)
		}
		vals := map[string]string{"general": "100", "general_done": "120"}
		if _, err := f.svc.Fill(ctx, f.townP, c.ID, "", vals, false); fieldErr(err) != "general_done:datacall.part_exceeds" {
			t.Fatalf("part over total: %v", err)
		}
		vals["general_done"] = "abc"
		if _, err := f.svc.Fill(ctx, f.townP, c.ID, "", vals, false); fieldErr(err) != "general_done:datacall.not_integer" {
			t.Fatalf("not a number: %v", err)
		}
		vals["general_done"] = "90"
		if _, err := f.svc.Fill(ctx, f.townP, c.ID, "", vals, false); err != nil {
			t.Fatalf("draft: %v", err)
		}
		full := map[string]string{"general": "100", "general_done": "90", "major": "1", "major_listed": "1", "major_done": "0", "major_extended": "1",
			"self_general": "60", "self_done": "50", "stop_orders": "2", "interviews": "9"}
		*f.now = f.now.Add(24 * time.Hour)
		if _, err := f.svc.Fill(ctx, f.townP, c.ID, "", full, true); err != nil {
			t.Fatalf("submit: %v", err)
		}
		if _, err := f.svc.Fill(ctx, f.townP, c.ID, "", full, true); !errs.Is(err, errs.Conflict) {
			t.Fatalf("changed after submitting: %v", err)
		}
		// The department submits after the deadline: late.
		*f.now = time.Date(2022, 6, 7, 9, 0, 0, 0, f.now.Location())
		full["general"], full["general_done"] = "200", "150"
		if _, err := f.svc.Fill(ctx, f.deptP, c.ID, "", full, true); err != nil {
			t.Fatal(err)
		}
		ru, err := f.svc.RollUp(ctx, f.office, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ru.Units != 3 || ru.Done != 2 || ru.Late != 1 || ru.Missing != 1 || ru.Totals["general"] != "300" || ru.Totals["general_done"] != "240" {
			t.Fatalf("roll-up: %+v", ru)
		}
		for _, ch := range ru.Checks {
			if !ch.OK {
				t.Fatalf("checks: %+v", ru.Checks)
			}
		}
		mine, err := f.svc.RollUp(ctx, f.townP, c.ID)
		if err != nil || len(mine.Rows) != 1 || mine.Rows[0].UnitID != f.townUnit || !mine.Partial {
			t.Fatalf("town's roll-up: %v %+v", err, mine.Rows)
		}
		// Reminders: the missing unit only, once a day.
		f.usersOf[f.otherID] = []string{f.townP.UserID} // someone to tell
		n, err := f.svc.Remind(ctx, f.office, c.ID)
		if err != nil || n != 1 {
			t.Fatalf("remind: %d %v", n, err)
		}
		before := f.inbox(t, f.townP.UserID)
		if _, err := f.svc.Remind(ctx, f.office, c.ID); err != nil || f.inbox(t, f.townP.UserID) != before {
			t.Fatalf("second reminder the same day: %v", err)
		}
		if n, err := f.svc.Sweep(ctx); err != nil || n != 1 {
			t.Fatalf("sweep within the window: %d %v", n, err)
		}
		*f.now = time.Date(2022, 6, 20, 9, 0, 0, 0, f.now.Location())
		if n, err := f.svc.Sweep(ctx); err != nil || n != 0 {
			t.Fatalf("sweep outside the window: %d %v", n, err)
		}
		// Returned, corrected, submitted again.
		if err := f.svc.Return(ctx, f.office, c.ID, f.deptUnit, "数字有误"); err != nil {
			t.Fatal(err)
		}
		full["general_done"] = "160"
		if _, err := f.svc.Fill(ctx, f.deptP, c.ID, "", full, true); err != nil {
			t.Fatalf("resubmit: %v", err)
		}
		_, periods, err := f.svc.History(ctx, f.office, form.ID)
		if err != nil || len(periods) != 1 || periods[0].Totals["general_done"] != "250" {
			t.Fatalf("history: %v %+v", err, periods)
		}
	})
}

func TestDemoCall(t *testing.T) {
	ctx := context.Background()
	f := setup(t, storetest.SQLite(t))
	*f.now = time.Date(2022, 6, 20, 9, 0, 0, 0, f.now.Location())
	if err := f.svc.Demo(ctx, io.Discard, "349901", nil); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Demo(ctx, io.Discard, "349901", nil); err != nil {
		t.Fatal(err)
	}
	calls, err := f.svc.Calls(ctx, f.office)
	if err != nil || len(calls) != 1 {
		t.Fatalf("calls: %v %d", err, len(calls))
	}
	ru, err := f.svc.RollUp(ctx, f.office, calls[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range datacall.DemoTotals {
		if ru.Totals[k] != strings.TrimSpace(datacall.FormatNumber(v*datacall.Scale)) {
			t.Errorf("%s: %s, want %d", k, ru.Totals[k], v)
		}
	}
	if ru.Late != 2 || ru.Done != ru.Units {
		t.Errorf("late %d, done %d/%d", ru.Late, ru.Done, ru.Units)
	}
}
