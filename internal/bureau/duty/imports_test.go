package duty_test

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"yingji/internal/bureau/duty"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
	"yingji/internal/kit/xlsx"
	"yingji/internal/kit/xlsx/xlsxtest"
)

// accounts are the users of every county in these tests: 张伟 twice, so a
// name alone does not tell them apart.
var accounts = []duty.Account{
	{UserID: "u-leader", Username: "leader", Name: "王局长"},
	{UserID: "u-zhiban", Username: "zhiban", Name: "周值班"},
	{UserID: "u-zhiban2", Username: "lizb", Name: "李值班"},
	{UserID: "u-zw1", Username: "zhangwei1", Name: "张伟"},
	{UserID: "u-zw2", Username: "zhangwei2", Name: "张伟"},
}

func withAccounts(f *fixture) {
	f.svc.WithAccounts(func(context.Context, string) ([]duty.Account, error) { return accounts, nil })
	f.svc.WithTowns(func(context.Context, string) (map[string]string, error) {
		return map[string]string{county + "100": "弋江镇", county + "101": "籍山镇"}, nil
	})
}

func ledgerOf(t *testing.T, svc *duty.Service, kind string) *ledger.Ledger {
	t.Helper()
	for _, l := range svc.Ledgers() {
		if l.Kind == kind {
			return l
		}
	}
	t.Fatalf("no ledger %s", kind)
	return nil
}

// export writes a ledger's export the way the web and CLI do.
func export(t *testing.T, l *ledger.Ledger, p *auth.Principal, q url.Values) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := xlsx.NewWriter(&buf, l.ExportSchema())
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Export(context.Background(), p, q, w); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// sheetRows re-reads an export with excelize (not with the kit).
func sheetRows(t *testing.T, data []byte) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func column(t *testing.T, rows [][]string, header string) int {
	t.Helper()
	for i, h := range rows[0] {
		if strings.TrimPrefix(h, "*") == header {
			return i
		}
	}
	t.Fatalf("no column %s in %v", header, rows[0])
	return -1
}

func errorsText(res *ledger.Result) string {
	var b strings.Builder
	for _, e := range res.Errors {
		b.WriteString(e.String() + "\n")
	}
	return b.String()
}

func personShifts(t *testing.T, svc *duty.Service, p *auth.Principal) []string {
	t.Helper()
	var out []string
	if err := svc.EachPersonShift(context.Background(), p, "", "", func(x duty.PersonShift) error {
		out = append(out, fmt.Sprintf("%s %s–%s %s %s %s", x.Day, x.StartsAt.In(cst).Format("01-02 15:04"), x.EndsAt.In(cst).Format("01-02 15:04"),
			x.Position, x.Name, x.UserID))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRosterImport(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		withAccounts(f)
		l := ledgerOf(t, f.svc, "shifts")
		run := func(rows [][]any) (*ledger.Result, error) {
			return ledger.Run(ctx, l, f.zhiban, bytes.NewReader(xlsxtest.Fill(t, l.Schema, rows)), ledger.Options{}, nil)
		}
		// 日期, 星期, 节假日, 开始时间, 结束时间, 岗位, 姓名, 用户名
		res, err := run([][]any{
			{"2022-06-01", "", "", "2022-06-01 08:30", "2022-06-02 08:30", "带班领导", "王局长", ""},
			{"2022-06-01", "", "", "2022-06-01 08:30", "2022-06-02 08:30", "值班员", "zhiban", ""},
			{"2022-06-01", "", "", "2022-06-01 08:30", "2022-06-02 08:30", "值班员", "张伟", "zhangwei2"},
			{"2022-06-04", "", "", "", "", "带班领导", "leader", ""}, // the settings' shift: 08:30 for 24 hours
			{"2022-06-04", "", "", "", "", "值班员", "李值班", ""},
		})
		if err != nil {
			t.Fatalf("import: %v\n%s", err, errorsText(res))
		}
		if res.Imported != 5 || !res.Committed {
			t.Fatalf("imported %d of %d", res.Imported, res.Rows)
		}
		got := strings.Join(personShifts(t, f.svc, f.zhiban), "\n")
		want := strings.Join([]string{
			"2022-06-01 06-01 08:30–06-02 08:30 leader 王局长 u-leader",
			"2022-06-01 06-01 08:30–06-02 08:30 officer 周值班 u-zhiban",
			"2022-06-01 06-01 08:30–06-02 08:30 officer 张伟 u-zw2",
			"2022-06-04 06-04 08:30–06-05 08:30 leader 王局长 u-leader",
			"2022-06-04 06-04 08:30–06-05 08:30 officer 李值班 u-zhiban2",
		}, "\n")
		if got != want {
			t.Fatalf("person-shifts:\n%s\nwant:\n%s", got, want)
		}
		shifts, err := f.svc.Shifts(ctx, f.zhiban, "2022-06-04", "2022-06-04")
		if err != nil || len(shifts) != 1 || !shifts[0].Holiday {
			t.Fatalf("2022-06-04 (a Saturday) is a holiday shift: %+v %v", shifts, err)
		}

		// Bad rows: each refused naming its row and column; nothing of the
		// file is written, not even its good shift.
		res, err = run([][]any{
			{"2022-06-10", "", "", "", "", "带班领导", "王局长", ""},
			{"2022-06-10", "", "", "", "", "值班员", "周值班", ""},
			{"2022-06-11", "", "", "", "", "值班员", "周值班", ""}, // row 4: a day without its 带班领导
			{"2022-06-11", "", "", "", "", "值班员", "李值班", ""},
			{"2022-06-12", "", "", "", "", "带班领导", "赵无名", ""}, // row 6: not a user
			{"2022-06-12", "", "", "", "", "值班员", "张伟", ""},   // row 7: two users are called 张伟
			{"2022-06-13", "", "", "", "", "带班领导", "王局长", "nobody"},
			{"2022-06-01", "", "", "", "", "带班领导", "王局长", ""}, // row 9: overlaps the shift of 06-01
			{"2022-06-01", "", "", "", "", "值班员", "周值班", ""},
			{"2022-6-31", "", "", "", "", "带班领导", "王局长", ""},
		})
		if !errorsIs(err, ledger.ErrRowsInvalid) || res.Committed {
			t.Fatalf("a file with bad rows: %v", err)
		}
		text := errorsText(res)
		for _, want := range []string{
			"第 4 行 F 列（岗位）：2022-06-11 的班次没有带班领导",
			"第 5 行 A 列（日期）：第 4 行的班次有错误，本行未导入",
			"第 6 行 G 列（姓名）：“赵无名”不是本县的用户",
			"第 7 行 G 列（姓名）：本县有 2 个用户叫“张伟”",
			"第 8 行 H 列（用户名）：本县没有用户名为“nobody”的用户",
			"第 9 行 D 列（开始时间）：与系统中已有的班次时间重叠",
			"第 11 行 A 列（日期）：日期无效",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("missing %q in\n%s", want, text)
			}
		}
		if n := len(personShifts(t, f.svc, f.zhiban)); n != 5 {
			t.Fatalf("a refused file wrote person-shifts: %d", n)
		}
		// Only the valid shifts, when asked: the shift of 06-10 alone.
		res, err = ledger.Run(ctx, l, f.zhiban, bytes.NewReader(xlsxtest.Fill(t, l.Schema, [][]any{
			{"2022-06-10", "", "", "", "", "带班领导", "王局长", ""},
			{"2022-06-10", "", "", "", "", "值班员", "周值班", ""},
			{"2022-06-11", "", "", "", "", "值班员", "周值班", ""},
			{"2022-06-11", "", "", "", "", "值班员", "李值班", ""},
		})), ledger.Options{OnlyValid: true}, nil)
		if err != nil || res.Imported != 2 || res.Skipped != 2 {
			t.Fatalf("only valid: %+v %v", res, err)
		}
		// Two leaders and the same person twice in one shift.
		res, _ = run([][]any{
			{"2022-06-20", "", "", "", "", "带班领导", "王局长", ""},
			{"2022-06-20", "", "", "", "", "带班领导", "周值班", ""},
			{"2022-06-20", "", "", "", "", "值班员", "李值班", ""},
			{"2022-06-21", "", "", "", "", "带班领导", "王局长", ""},
			{"2022-06-21", "", "", "", "", "值班员", "王局长", ""},
		})
		text = errorsText(res)
		for _, want := range []string{"第 3 行 F 列（岗位）：每班只能有 1 名带班领导", "第 6 行 G 列（姓名）：王局长 在同一班次出现两次"} {
			if !strings.Contains(text, want) {
				t.Errorf("missing %q in\n%s", want, text)
			}
		}
		// Only the duty desk imports.
		if _, err := run(nil); err != nil {
			t.Fatalf("an empty file: %v", err)
		}
		if _, err := ledger.Run(ctx, l, f.town, bytes.NewReader(xlsxtest.Fill(t, l.Schema, nil)), ledger.Options{}, nil); kindOf(err) != "forbidden:forbidden" {
			t.Fatalf("a town user imports a roster: %v", err)
		}
	})
}

func errorsIs(err, target error) bool {
	for e := err; e != nil; {
		if e == target {
			return true
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = u.Unwrap()
	}
	return false
}

// TestRosterExportImportRoundTrip: the export (one row per person-shift,
// a 日期 column) imports again as the same roster.
func TestRosterExportImportRoundTrip(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		withAccounts(f)
		st := duty.DefaultSettings()
		st.Leaders = []duty.Person{{Name: "王局长", UserID: "u-leader"}, {Name: "张伟", UserID: "u-zw1"}}
		st.Officers = []duty.Person{{Name: "周值班", UserID: "u-zhiban"}, {Name: "李值班", UserID: "u-zhiban2"}, {Name: "张伟", UserID: "u-zw2"}}
		if _, err := f.svc.SaveSettings(ctx, f.admin, st); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.GenerateMonth(ctx, f.zhiban, "2022-05"); err != nil {
			t.Fatal(err)
		}
		l := ledgerOf(t, f.svc, "shifts")
		data := export(t, l, f.zhiban, url.Values{"from": {"2022-05-01"}, "to": {"2022-05-31"}})
		rows := sheetRows(t, data)
		want := personShifts(t, f.svc, f.zhiban)
		if len(rows)-1 != len(want) || len(want) < 31*2 {
			t.Fatalf("export rows %d, person-shifts %d", len(rows)-1, len(want))
		}
		day, user := column(t, rows, "日期"), column(t, rows, "用户名")
		if rows[1][day] != "2022-05-01" || rows[1][user] != "leader" {
			t.Fatalf("first row %v", rows[1])
		}
		other := &auth.Principal{UserID: "u-zhiban", Username: "zhiban", Role: auth.RoleDuty, CountyCode: "349902"}
		res, err := ledger.Run(ctx, l, other, bytes.NewReader(data), ledger.Options{}, nil)
		if err != nil {
			t.Fatalf("re-import: %v\n%s", err, errorsText(res))
		}
		if got := personShifts(t, f.svc, other); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("round trip:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		// The template has the export's columns (and nothing else).
		var tpl bytes.Buffer
		if err := xlsx.WriteTemplate(&tpl, l.Schema); err != nil {
			t.Fatal(err)
		}
		head := sheetRows(t, tpl.Bytes())[0]
		if len(head) != len(rows[0]) || strings.TrimPrefix(head[0], "*") != "日期" {
			t.Fatalf("template header %v, export header %v", head, rows[0])
		}
	})
}

func TestDutyLogImport(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		withAccounts(f)
		at := time.Date(2022, 6, 14, 9, 15, 0, 0, cst)
		for _, e := range []duty.LogEntry{
			{Kind: duty.LogCall, At: at, Caller: "刘村长", Unit: "弋江镇某村", Place: "某村三组", Nature: "山体滑坡隐患", Action: "已通知镇应急办"},
			{Kind: duty.LogEvent, At: at.Add(time.Hour), Content: "市局视频调度，传达防汛要求"},
			{Kind: duty.LogSignIn, At: at.Add(-time.Hour), Content: "周值班"},
		} {
			if _, err := f.svc.AddLog(ctx, f.zhiban, e); err != nil {
				t.Fatal(err)
			}
		}
		l := ledgerOf(t, f.svc, "dutylog")
		data := export(t, l, f.zhiban, url.Values{})
		rows := sheetRows(t, data)
		if len(rows) != 4 {
			t.Fatalf("export rows %v", rows)
		}
		if got := rows[2][column(t, rows, "来电人")]; got != "刘村长" {
			t.Fatalf("caller %q in %v", got, rows[2])
		}
		other := &auth.Principal{UserID: "u-zhiban", Username: "zhiban", Role: auth.RoleDuty, CountyCode: "349902"}
		res, err := ledger.Run(ctx, l, other, bytes.NewReader(data), ledger.Options{}, nil)
		if err != nil || res.Imported != 3 {
			t.Fatalf("re-import: %+v %v\n%s", res, err, errorsText(res))
		}
		again := sheetRows(t, export(t, l, other, url.Values{}))
		for i := range rows {
			for _, h := range []string{"时间", "类别", "来电人", "来电单位", "地点", "事由", "处理情况", "内容"} {
				c := column(t, rows, h)
				if rows[i][c] != again[i][c] {
					t.Errorf("row %d %s: %q, re-imported %q", i+1, h, rows[i][c], again[i][c])
				}
			}
		}
		// The form's rules: a call names its caller and nature, a handover
		// is made on the shift page, no entry is in the future.
		res, err = ledger.Run(ctx, l, other, bytes.NewReader(xlsxtest.Fill(t, l.Schema, [][]any{
			{"2022-06-14 10:00", "事件", "", "", "", "", "", "上报雨情"},
			{"2022-06-14 10:05", "来电", "", "某厂", "", "", "", ""},
			{"2022-06-14 10:10", "交接班", "", "", "", "", "", "交班"},
			{"2022-06-16 10:10", "事件", "", "", "", "", "", "明天的事"},
			{"2022-06-14 25:00", "事件", "", "", "", "", "", "x"},
		})), ledger.Options{}, nil)
		if err == nil || res.Committed {
			t.Fatal("a file with bad rows was imported")
		}
		text := errorsText(res)
		for _, want := range []string{"第 3 行 C 列（来电人）：请填写来电人", "第 3 行 F 列（事由）：请填写来电事由", "第 4 行 B 列（类别）：交接班记录请在班次页面办理交班",
			"第 5 行 A 列（时间）：时间不能晚于现在", "第 6 行 A 列（时间）：时间无效"} {
			if !strings.Contains(text, want) {
				t.Errorf("missing %q in\n%s", want, text)
			}
		}
		n := 0
		_ = f.svc.EachLog(ctx, other, duty.LogFilter{}, func(duty.LogEntry) error { n++; return nil })
		if n != 3 {
			t.Fatalf("a refused file wrote entries: %d", n)
		}
	})
}

func TestIncidentImport(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		withAccounts(f)
		recv := time.Date(2022, 6, 14, 9, 0, 0, 0, cst)
		in, err := f.svc.CreateIncident(ctx, f.zhiban, duty.Incident{Title: "弋江镇某厂房火灾", ReceivedAt: recv, Source: "乡镇上报", Category: "accident",
			Subtype: "fire", Level: "general", TownCode: county + "100", Place: "工业园", Injuries: 2, Summary: "厂房起火，2 人轻伤"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AddReport(ctx, f.zhiban, in.ID, duty.Report{Kind: duty.First, ReportedAt: recv.Add(90 * time.Minute), To: "市应急管理局总值班室",
			Via: "phone", Content: "首报：厂房起火", Injuries: 2}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CreateIncident(ctx, f.zhiban, duty.Incident{Title: "籍山镇内涝", ReceivedAt: recv.Add(2 * time.Hour), Source: "电话",
			Category: "natural", Subtype: "flood", Level: "general", TownCode: county + "101"}); err != nil {
			t.Fatal(err)
		}
		l := ledgerOf(t, f.svc, "incidents")
		data := export(t, l, f.zhiban, url.Values{})
		rows := sheetRows(t, data)
		if len(rows) != 3 {
			t.Fatalf("export rows %v", rows)
		}
		if r := rows[1]; r[column(t, rows, "乡镇")] != "弋江镇" || r[column(t, rows, "首报时间")] != "2022-06-14 10:30" || r[column(t, rows, "首报报送方式")] != "电话" {
			t.Fatalf("first row %v", r)
		}
		other := &auth.Principal{UserID: "u-zhiban", Username: "zhiban", Role: auth.RoleDuty, CountyCode: county}
		// The same file again into the same county: every row is already
		// recorded.
		res, err := ledger.Run(ctx, l, other, bytes.NewReader(data), ledger.Options{}, nil)
		if err == nil || !strings.Contains(errorsText(res), "第 2 行 B 列（事件名称）：系统中已有同一接报时间和名称的事件") {
			t.Fatalf("a second import of the same incidents: %v\n%s", err, errorsText(res))
		}
		other.CountyCode = "349902"
		f.svc.WithTowns(func(context.Context, string) (map[string]string, error) {
			return map[string]string{"349902100": "弋江镇", "349902101": "籍山镇"}, nil
		})
		res, err = ledger.Run(ctx, l, other, bytes.NewReader(data), ledger.Options{}, nil)
		if err != nil || res.Imported != 2 {
			t.Fatalf("re-import: %+v %v\n%s", res, err, errorsText(res))
		}
		again := sheetRows(t, export(t, l, other, url.Values{}))
		for i := range rows {
			if strings.Join(rows[i], "|") != strings.Join(again[i], "|") {
				t.Errorf("row %d:\n%v\nre-imported:\n%v", i+1, rows[i], again[i])
			}
		}
		list, _, err := f.svc.Incidents(ctx, other, duty.IncidentFilter{})
		if err != nil || len(list) != 2 {
			t.Fatal(list, err)
		}
		for _, x := range list {
			d, err := f.svc.Incident(ctx, other, x.ID)
			if err != nil {
				t.Fatal(err)
			}
			if x.Title == "弋江镇某厂房火灾" && (len(d.ReportList) != 1 || d.ReportList[0].Kind != duty.First || !d.ReportList[0].OnTime || d.Incident.TownCode != "349902100") {
				t.Fatalf("re-imported incident %+v", d)
			}
		}
		// The form's rules, row by row; nothing written.
		res, err = ledger.Run(ctx, l, other, bytes.NewReader(xlsxtest.Fill(t, l.Schema, [][]any{
			{"2022-06-14 11:00", "某事故", "电话", "事故灾难", "洪涝", "一般", "", "", "", "", "", "", "", "", "", ""},
			{"2022-06-14 11:00", "某事故2", "电话", "事故灾难", "火灾事故", "一般", "无此镇", "", "-1", "", "", "", "", "", "", ""},
			{"2022-06-14 11:00", "某事故3", "电话", "事故灾难", "火灾事故", "一般", "", "", "", "", "", "", "2022-06-14 10:00", "市局", "电话", "首报"},
			{"2022-06-14 11:00", "某事故4", "电话", "事故灾难", "火灾事故", "一般", "", "", "", "", "", "", "2022-06-14 11:10", "", "电话", "首报"},
			{"2022-06-14 11:00", "某事故5", "电话", "事故灾难", "", "一般", "", "", "", "", "", "", "", "", "", ""},
			{"2022-06-14 11:00", "某事故5", "电话", "事故灾难", "", "一般", "", "", "", "", "", "", "", "", "", ""},
		})), ledger.Options{}, nil)
		if err == nil || res.Committed {
			t.Fatal("a file with bad rows was imported")
		}
		text := errorsText(res)
		for _, want := range []string{"第 2 行 E 列（事件类型）：事件类型与事件类别不符", "第 3 行 G 列（乡镇）：不是本县的乡镇", "第 3 行 I 列（死亡）",
			"第 4 行 M 列（首报时间）：报告时间不能早于接报时间", "第 5 行 N 列（首报报送对象）：请填写报送对象", "第 7 行 B 列（事件名称）：与第 6 行重复"} {
			if !strings.Contains(text, want) {
				t.Errorf("missing %q in\n%s", want, text)
			}
		}
		if list, _, _ := f.svc.Incidents(ctx, other, duty.IncidentFilter{}); len(list) != 2 {
			t.Fatalf("a refused file wrote incidents: %d", len(list))
		}
	})
}

// TestSwapsExport: the swap requests list exports with its state filter.
func TestSwapsExport(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		a := f.shift(t, time.Date(2022, 6, 20, 8, 30, 0, 0, cst), "王局长", "u-leader", "周值班", "陈晓")
		b := f.shift(t, time.Date(2022, 6, 21, 8, 30, 0, 0, cst), "张副局长", "", "吴敏")
		sw, err := f.svc.RequestSwap(ctx, f.zhiban, duty.Swap{AssignmentID: a.Members[1].ID, WithID: b.Members[1].ID, Reason: "家中有事"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.DecideSwap(ctx, f.leader, sw.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.RequestSwap(ctx, f.zhiban, duty.Swap{AssignmentID: a.Members[2].ID, SubstituteFor: "李四", Reason: "替班"}); err != nil {
			t.Fatal(err)
		}
		l := ledgerOf(t, f.svc, "duty-swaps")
		rows := sheetRows(t, export(t, l, f.zhiban, url.Values{}))
		if len(rows) != 3 {
			t.Fatalf("all swaps: %v", rows)
		}
		rows = sheetRows(t, export(t, l, f.zhiban, url.Values{"state": {"approved"}}))
		if len(rows) != 2 || rows[1][column(t, rows, "状态")] != "已批准" || rows[1][column(t, rows, "原班次日期")] != "2022-06-20" ||
			rows[1][column(t, rows, "对调班次日期")] != "2022-06-21" || rows[1][column(t, rows, "换班原因")] != "家中有事" || rows[1][column(t, rows, "审批人")] == "" {
			t.Fatalf("approved swaps: %v", rows)
		}
		rows = sheetRows(t, export(t, l, f.zhiban, url.Values{"state": {"pending"}}))
		if len(rows) != 2 || rows[1][column(t, rows, "对调人或替班人")] != "李四" {
			t.Fatalf("pending swaps: %v", rows)
		}
	})
}
