package hazard_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/demo"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
	"yingji/internal/kit/xlsx"
)

// ledgerFile writes rows in the hazard ledger's layout.
func ledgerFile(t testing.TB, rows [][]any) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := xlsx.NewWriter(&b, hazard.Schema())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := w.Write(r...); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// row builds a ledger row from the columns that matter. A row with a
// deadline or rectified carries the order's number (整改指令书编号), a
// rectified one the review's (复查意见书编号), as the rules ask.
func row(ent, place, town, source, grade, clause, desc, found, deadline, status, done string) []any {
	order, review := "", ""
	if deadline != "" || done != "" {
		order = "示应急责改〔2022〕1号"
	}
	if done != "" {
		review = "示应急复查〔2022〕1号"
	}
	return []any{ent, "", place, town, source, grade, clause, "", desc, "", "", "", found, deadline, status, done, "", "2022年安全生产大检查", order, review}
}

func countRows(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.R().QueryRowContext(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportRefusesBadRowsAndCommitsGoodFiles(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		dept := f.p(t, "dept")
		const mine = "示例县兆丰矿业有限公司"
		bad := ledgerFile(t, [][]any{
			row("不存在的公司", "", "", "", "一般", "", "a", "2022-03-01", "", "", ""),
			row("", "某工地", "火星镇", "", "一般", "", "b", "2022-03-01", "", "", ""),
			row(mine, "", "", "", "一般", "", "c", "2022-13-45", "", "", ""),
			row(mine, "", "", "", "一般", "", "d", "2022-03-01", "2022-02-01", "", ""),
			row(mine, "", "", "", "重大", "", "e", "2022-03-01", "", "", ""),
			row(mine, "", "", "", "一般", "", "f", "2022-03-01", "", "已整改", ""),
			row(mine, "", "", "", "一般", "", "g", "2022-03-01", "", "已整改", "2022-02-20"),
			row(mine, "", "", "", "一般", "", "h", "2022-03-01", "2022-03-20", "未整改", ""),
		})
		res, err := ledger.Run(ctx, f.svc.Ledger(), dept, bytes.NewReader(bad), ledger.Options{}, nil)
		if !errs.Is(err, errs.Invalid) || res == nil || res.Committed {
			t.Fatalf("bad file: %v %+v", err, res)
		}
		want := []struct {
			row       int
			col, text string
		}{
			{2, "A", "没有此企业"}, {3, "D", "未知乡镇"}, {4, "M", "日期格式不正确"}, {5, "N", "整改期限早于发现日期"},
			{6, "G", "重大隐患必须填写判定依据"}, {7, "P", "必须填写整改完成日期"}, {8, "P", "整改完成日期早于发现日期"},
		}
		if len(res.Errors) != len(want) {
			t.Fatalf("errors: %+v", res.Errors)
		}
		for i, w := range want {
			e := res.Errors[i]
			if e.Row != w.row || e.Col != w.col || !strings.Contains(e.Reason, w.text) {
				t.Errorf("error %d: %+v, want row %d col %s %q", i, e, w.row, w.col, w.text)
			}
		}
		if n := countRows(t, db, "hazard"); n != 0 {
			t.Fatalf("a bad file committed %d hazards", n)
		}

		good := ledgerFile(t, [][]any{
			row(mine, "", "", "", "一般", "", "配电箱未上锁", "2022-03-01", "2022-03-20", "未整改", ""),
			row("", "城东安置房二期建筑工地", "籍山镇", "部门检查", "", "", "脚手架连墙件不足", "2022-03-02", "", "已整改", "2022-03-10"),
			row(mine, "", "", "", "重大", "化工121号第二十项", "仓库混存", "2022-03-03", "", "", ""),
		})
		res, err = ledger.Run(ctx, f.svc.Ledger(), dept, bytes.NewReader(good), ledger.Options{}, nil)
		if err != nil || res.Imported != 3 {
			t.Fatalf("good file: %v %+v", err, res)
		}
		list, counts, err := f.svc.Page(ctx, dept, hazard.Filter{Campaign: "2022年安全生产大检查"})
		if err != nil || counts.Found != 3 || counts.Open != 2 || counts.Major != 1 {
			t.Fatalf("imported: %v %+v", err, counts)
		}
		byDesc := map[string]hazard.Record{}
		for _, r := range list {
			byDesc[r.Description] = r
			if r.UnitID != dept.UnitID || r.Source != hazard.SourceDepartment {
				t.Errorf("recorded by the department: %+v", r)
			}
		}
		states := map[string]hazard.State{"配电箱未上锁": hazard.Ordered, "脚手架连墙件不足": hazard.Closed, "仓库混存": hazard.Graded}
		events := map[string][]hazard.Action{"配电箱未上锁": {hazard.ActReport, hazard.ActGrade, hazard.ActOrder},
			"脚手架连墙件不足": {hazard.ActReport, hazard.ActGrade, hazard.ActOrder, hazard.ActSubmit, hazard.ActVerify, hazard.ActClose},
			"仓库混存":     {hazard.ActReport, hazard.ActGrade}}
		for d, st := range states {
			r := byDesc[d]
			if r.State != st {
				t.Errorf("%s: state %s, want %s", d, r.State, st)
			}
			tl, err := f.svc.Timeline(ctx, dept, r.ID)
			if err != nil || len(tl) != len(events[d]) {
				t.Fatalf("%s timeline: %v %+v", d, err, tl)
			}
			for i, a := range events[d] {
				if tl[i].Action != a || tl[i].Note != hazard.ImportNote || tl[i].ByUser != dept.UserID {
					t.Errorf("%s event %d: %+v", d, i, tl[i])
				}
			}
		}
		if r := byDesc["脚手架连墙件不足"]; r.ClosedOn != "2022-03-10" || r.Deadline != "2022-03-10" || r.TownCode != "349901100" || r.EnterpriseID != "" {
			t.Errorf("closed row: %+v", r)
		}
		if r := byDesc["仓库混存"]; r.Clause != "hg-20" || r.Grade != hazard.Major || r.Sector != "mine" {
			t.Errorf("major row: %+v", r)
		}
		if res, _ := audit.Verify(ctx, db.R()); !res.OK() {
			t.Fatalf("audit: %+v", res)
		}
		// The export reads back in the same layout.
		var out bytes.Buffer
		w, _ := xlsx.NewWriter(&out, f.svc.Ledger().ExportSchema())
		if err := f.svc.Ledger().Export(ctx, dept, nil, w); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		rep, err := xlsx.Parse(bytes.NewReader(out.Bytes()), hazard.Schema(), nil)
		if err != nil || rep.Rows != 3 || !rep.OK() {
			t.Fatalf("export: %v %+v", err, rep)
		}
		// A town may import only its own town's hazards; a section only
		// its sectors' enterprises.
		town := f.p(t, "town")
		res, err = ledger.Run(ctx, f.svc.Ledger(), town, bytes.NewReader(ledgerFile(t, [][]any{
			row("", "弋江镇某工地", "弋江镇", "", "", "", "x", "2022-03-01", "", "", "")})), ledger.Options{}, nil)
		if err == nil || len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Reason, "只能导入本乡镇") {
			t.Fatalf("town import: %v %+v", err, res)
		}
		jg2 := f.p(t, "jg2")
		res, err = ledger.Run(ctx, f.svc.Ledger(), jg2, bytes.NewReader(ledgerFile(t, [][]any{
			row(mine, "", "", "", "", "", "x", "2022-03-01", "", "", "")})), ledger.Options{}, nil)
		if err == nil || len(res.Errors) != 1 || res.Errors[0].Col != "A" {
			t.Fatalf("section import of another sector: %v %+v", err, res)
		}
		if _, err := f.svc.Ledger().NewImport(ctx, f.p(t, "qiye"), ""); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("enterprise import: %v", err)
		}
	})
}

func TestSelfReportsAndTheMissingList(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db) // today is 2022-06-09
		qiye, jg1 := f.p(t, "qiye"), f.p(t, "jg1")
		q1 := hazard.Period{Year: 2022, Quarter: 1}
		// A hazard of the quarter fills in the form.
		_, err := f.svc.Report(ctx, jg1, hazard.NewHazard{EnterpriseID: demo.EnterpriseID, Source: hazard.SourceInspection, Description: "x", FoundOn: "2022-03-01"})
		if err != nil {
			t.Fatal(err)
		}
		in, err := f.svc.SelfFigures(ctx, qiye, demo.EnterpriseID, q1)
		if err != nil || in.Found != 1 || in.Rectified != 0 {
			t.Fatalf("figures: %v %+v", err, in)
		}
		// Before the due day nothing is missing; after it, every operating
		// mine of the section is.
		if list, err := f.svc.MissingSelfReports(ctx, jg1, q1, day("2022-04-10")); err != nil || len(list) != 0 {
			t.Fatalf("missing before the due day: %v %d", err, len(list))
		}
		missing, err := f.svc.MissingSelfReports(ctx, jg1, q1, day("2022-06-09"))
		if err != nil || len(missing) == 0 || !has(missing, demo.EnterpriseID) {
			t.Fatalf("missing: %v %+v", err, missing)
		}
		for _, m := range missing {
			if m.State != hazard.SelfMissing || m.Due != "2022-04-15" {
				t.Errorf("missing row: %+v", m)
			}
		}
		// Refused: not an enterprise account; a period not ended; figures
		// that do not add up.
		if _, err := f.svc.SubmitSelfReport(ctx, jg1, hazard.SelfReportInput{Period: "2022Q1", SignedBy: "x"}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("staff submitting: %v", err)
		}
		if _, err := f.svc.SubmitSelfReport(ctx, qiye, hazard.SelfReportInput{Period: "2022Q2", SignedBy: "x"}); errs.Fields(err) == nil {
			t.Fatal("a period not ended yet was accepted")
		}
		_, err = f.svc.SubmitSelfReport(ctx, qiye, hazard.SelfReportInput{Period: "2022Q1", Found: 1, Rectified: 2, SignedBy: "张三"})
		if fe := errs.Fields(err); len(fe) != 1 || fe[0].Field != "rectified" {
			t.Fatalf("rectified > found: %v", err)
		}
		_, err = f.svc.SubmitSelfReport(ctx, qiye, hazard.SelfReportInput{Period: "2022Q1", Found: 1099511627776, SignedBy: "张三"})
		if fe := errs.Fields(err); len(fe) != 1 || fe[0].Field != "found" || fe[0].Message != "hazard.self_too_many" || fe[0].Args["Max"] != hazard.MaxSelfReportCount {
			t.Fatalf("1,099,511,627,776 hazards: %v", err)
		}
		rep, err := f.svc.SubmitSelfReport(ctx, qiye, hazard.SelfReportInput{Period: "2022q1", Found: 3, Rectified: 2, SignedBy: "张三"})
		if err != nil || rep.Period != "2022Q1" || rep.SubmittedOn != "2022-06-09" {
			t.Fatalf("submit: %v %+v", err, rep)
		}
		// Corrected later: the first submission day stays.
		rep2, err := f.svc.SubmitSelfReport(ctx, qiye, hazard.SelfReportInput{Period: "2022Q1", Found: 4, Rectified: 4, SignedBy: "张三"})
		if err != nil || rep2.ID != rep.ID || rep2.Found != 4 || rep2.SubmittedOn != "2022-06-09" {
			t.Fatalf("correction: %v %+v", err, rep2)
		}
		missing2, _ := f.svc.MissingSelfReports(ctx, jg1, q1, day("2022-06-09"))
		if has(missing2, demo.EnterpriseID) || len(missing2) != len(missing)-1 {
			t.Fatalf("after submitting: %d (was %d)", len(missing2), len(missing))
		}
		list, c, err := f.svc.SelfReportStatuses(ctx, jg1, q1, hazard.SelfFilter{State: "submitted"}, day("2022-06-09"))
		if err != nil || len(list) != 1 || list[0].State != hazard.SelfLate || c.Late != 1 || c.Missing != len(missing2) {
			t.Fatalf("statuses: %v %+v %+v", err, list, c)
		}
		// Scope: section 2 does not list the mine; the enterprise sees only itself.
		if l, _ := f.svc.MissingSelfReports(ctx, f.p(t, "jg2"), q1, day("2022-06-09")); has(l, demo.EnterpriseID) {
			t.Fatal("section 2 lists a mine")
		}
		if l, _, _ := f.svc.SelfReportStatuses(ctx, qiye, q1, hazard.SelfFilter{}, day("2022-06-09")); len(l) != 1 {
			t.Fatalf("enterprise sees %d", len(l))
		}
		var n int
		_ = db.R().QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE entity = 'hazard_self_report'`).Scan(&n)
		if n != 2 {
			t.Fatalf("audit entries: %d", n)
		}
	})
}

func has(list []hazard.SelfReportStatus, id string) bool {
	for _, x := range list {
		if x.EnterpriseID == id {
			return true
		}
	}
	return false
}

// processCPU is the CPU time (user and system) this process has used.
func processCPU() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

func day(s string) time.Time {
	d, err := hazard.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d.Add(10 * time.Hour)
}

// BenchmarkImport10k imports a 10,000-row hazard ledger (a department's
// return: half of the rows rectified, i.e. six dated events each) into
// the demo county: every row checked, then one transaction with batched
// inserts and the audit entries.
func BenchmarkImport10k(b *testing.B) {
	var rows [][]any
	towns := []string{"籍山镇", "弋江镇", "许镇镇", "家发镇", "工山镇", "三里镇", "何湾镇", "烟墩镇", "经济开发区"}
	for i := 0; i < 10000; i++ {
		status, done := "未整改", ""
		if i%2 == 0 {
			status, done = "已整改", "2022-04-20"
		}
		rows = append(rows, row("", fmt.Sprintf("第%05d号建筑工地", i), towns[i%len(towns)], "部门检查", "一般", "", "脚手架连墙件设置不足",
			"2022-04-01", "2022-04-30", status, done))
	}
	storetest.BenchEngines(b, func(b *testing.B, db *store.DB) {
		f := setup(b, db)
		file := ledgerFile(b, rows)
		dept := f.p(b, "dept")
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			t0, cpu0 := time.Now(), processCPU()
			res, err := ledger.Run(context.Background(), f.svc.Ledger(), dept, bytes.NewReader(file), ledger.Options{}, nil)
			if err != nil || res.Imported != 10000 {
				b.Fatalf("%v %+v", err, res)
			}
			b.ReportMetric(time.Since(t0).Seconds(), "s/import")
			// CPU of this process (with SQLite: the database's work too): on
			// a shared machine the wall clock is mostly the others' load.
			b.ReportMetric((processCPU() - cpu0).Seconds(), "cpu-s/import")
		}
	})
}

// The demo alone (without the supervision demo) leaves the major hazards
// ordered, with complete plans, open and not listed; its figures hold.
func TestDemoHandsOverOpenMajors(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		who := hazard.DemoPeople{Section1: f.p(t, "jg1"), Section2: f.p(t, "jg2"), Enforcer: f.p(t, "zhifa"), Town: f.p(t, "town"),
			Department: f.p(t, "dept"), Enterprise: f.p(t, "qiye")}
		var out bytes.Buffer
		if err := f.svc.Demo(ctx, &out, "349901", who); err != nil {
			t.Fatal(err)
		}
		t.Log(out.String())
		if err := f.svc.Demo(ctx, &out, "349901", who); err != nil || !strings.Contains(out.String(), "0 hazards created") {
			t.Fatalf("second load: %v %s", err, out.String())
		}
		sys := &auth.Principal{UserID: "system", Role: auth.RoleAdmin, CountyCode: "349901"}
		for _, id := range append(append([]string{}, hazard.DemoMineMajorIDs...), hazard.DemoBigMajorIDs...) {
			r, err := f.svc.Get(ctx, sys, id)
			if err != nil || r.Grade != hazard.Major || r.State != hazard.Ordered || !r.PlanComplete() || r.Listed || r.Clause == "" || r.Deadline == "" {
				t.Errorf("major %s: %v %+v", id, err, r)
			}
		}
		rows, err := f.svc.StatsBy(ctx, sys, hazard.Filter{Campaign: hazard.CampaignBig, From: "2022-01-01", To: "2022-05-31"}, "grade")
		if err != nil || len(rows) != 2 || rows[0].Key != "general" || rows[0].Found != 3265 || rows[0].Rectified != 2979 || rows[1].Found != 3 || rows[1].Rectified != 0 {
			t.Fatalf("F-BIG-1: %v %+v", err, rows)
		}
		// The demo enterprise's showcase: one hazard in each open state.
		qiye := f.p(t, "qiye")
		for _, st := range []hazard.State{hazard.Ordered, hazard.Rectifying, hazard.PendingReview} {
			if c, _ := f.svc.Counts(ctx, qiye, hazard.Filter{State: st, From: "2022-06-16", To: "2022-06-16"}); c.Found != 1 {
				t.Errorf("showcase %s: %+v", st, c)
			}
		}
	})
}
