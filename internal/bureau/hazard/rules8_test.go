package hazard_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/attach"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/demo"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
	"yingji/internal/kit/xlsx"
)

// twoEnterprises returns two enterprises of the demo register.
func twoEnterprises(t *testing.T, f *fx) (a, b enterprise.Enterprise) {
	t.Helper()
	var list []enterprise.Enterprise
	if err := f.ent.Each(context.Background(), f.p(t, "leader"), enterprise.Filter{}, func(e enterprise.Enterprise) error {
		list = append(list, e)
		return nil
	}); err != nil || len(list) < 2 {
		t.Fatalf("enterprises: %v %d", err, len(list))
	}
	return list[0], list[1]
}

// A row whose name and credit code name two different enterprises is
// refused naming both; a code with a wrong check character is reported
// as such.
func TestImportNameAndCodeMustAgree(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		sec := f.p(t, "zhifa")
		a, b := twoEnterprises(t, f)
		badCheck := b.CreditCode[:17] + string("0123456789ABCDEFGHJKLMNPQRTUWXY"[(strings.IndexByte("0123456789ABCDEFGHJKLMNPQRTUWXY", b.CreditCode[17])+1)%31])
		rowWith := func(name, code, desc string) []any {
			return []any{name, code, "", "", "", "一般", "", "", desc, "", "", "", "2022-03-01", "", "", "", "", ""}
		}
		file := ledgerFile(t, [][]any{
			rowWith(a.Name, b.CreditCode, "名称与代码不符"),
			rowWith("", badCheck, "校验位错误"),
			rowWith(a.Name, a.CreditCode, "一致"),
		})
		res, err := ledger.Run(ctx, f.svc.Ledger(), sec, bytes.NewReader(file), ledger.Options{}, nil)
		if !errs.Is(err, errs.Invalid) || res == nil || len(res.Errors) != 2 {
			t.Fatalf("want 2 refused rows: %v %+v", err, res)
		}
		mismatch, check := res.Errors[0], res.Errors[1]
		if mismatch.Row != 2 || !strings.Contains(mismatch.Reason, a.Name) || !strings.Contains(mismatch.Reason, b.Name) ||
			!strings.Contains(mismatch.Reason, b.CreditCode) {
			t.Errorf("mismatch must name both enterprises: %+v", mismatch)
		}
		if check.Row != 3 || !strings.Contains(check.Reason, "校验位") || strings.Contains(check.Reason, "没有此") {
			t.Errorf("a bad check character must be reported as such: %+v", check)
		}
		if n := countRows(t, db, "hazard"); n != 0 {
			t.Fatalf("a refused file committed %d hazards", n)
		}
	})
}

// A clause of a standard not in force on the finding day is refused (the
// 2022 mine standard applies from 2022-09-01, 98号 until 2022-08-31), in
// the rules and in the import.
func TestClauseNotInForceRefused(t *testing.T) {
	d := func(s string) time.Time { x, _ := hazard.ParseDate(s); return x }
	h := hazard.Hazard{State: hazard.Reported, Source: hazard.SourceInspection, FoundOn: d("2022-03-15")}
	_, err := hazard.Apply(h, hazard.Step{Action: hazard.ActGrade, Grade: hazard.Major, Clause: "ks88-d-1", On: d("2022-03-16")})
	var re *hazard.RuleError
	if !errors.As(err, &re) || re.Rule != "hazard.rule.clause_not_in_force" || re.Args["From"] != "2022-09-01" {
		t.Fatalf("88号 before 2022-09-01: %v", err)
	}
	if _, err := hazard.Apply(h, hazard.Step{Action: hazard.ActGrade, Grade: hazard.Major, Clause: "ks98-d-1", On: d("2022-03-16")}); err != nil {
		t.Fatalf("98号 in 2022-03: %v", err)
	}
	late := h
	late.FoundOn = d("2022-09-01")
	if _, err := hazard.Apply(late, hazard.Step{Action: hazard.ActGrade, Grade: hazard.Major, Clause: "ks98-d-1", On: d("2022-09-02")}); !errors.As(err, &re) {
		t.Fatalf("98号 after it was replaced: %v", err)
	}
	if _, err := hazard.Apply(late, hazard.Step{Action: hazard.ActGrade, Grade: hazard.Major, Clause: "ks88-d-1", On: d("2022-09-02")}); err != nil {
		t.Fatalf("88号 from 2022-09-01: %v", err)
	}
	if _, err := hazard.Apply(h, hazard.Step{Action: hazard.ActGrade, Grade: hazard.Major, Clause: "gm10-3-1"}); !errors.As(err, &re) {
		t.Fatalf("10号令 before 2023-05-15: %v", err)
	}
	for _, c := range hazard.ClausesOn("mine", "2022-03-15") {
		if strings.HasPrefix(c.Code, "ks88") {
			t.Errorf("a mine hazard of 2022-03 is offered %s", c.Code)
		}
	}
	n := map[string]int{}
	for _, c := range hazard.Clauses {
		n[hazard.StandardOf(c.Code)]++
	}
	if n["hg"] != 20 || n["yh"] != 20 {
		t.Errorf("化工 and 烟花爆竹 have 20 items each: %v", n)
	}

	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		file := ledgerFile(t, [][]any{row("示例县兆丰矿业有限公司", "", "", "", "重大", "ks88-d-1", "安全出口不足", "2022-03-01", "", "", "")})
		res, err := ledger.Run(context.Background(), f.svc.Ledger(), f.p(t, "jg1"), bytes.NewReader(file), ledger.Options{}, nil)
		if !errs.Is(err, errs.Invalid) || res == nil || len(res.Errors) != 1 || res.Errors[0].Col != "G" || !strings.Contains(res.Errors[0].Reason, "2022-09-01") {
			t.Fatalf("import of a clause not in force: %v %+v", err, res)
		}
	})
}

// An enterprise may not grade its own self-check (neither 定级 nor 重大):
// the step is not offered and the rules refuse it. A department is not
// offered the source 企业自查, in the form and in the rules.
func TestEnterpriseCannotGradeDepartmentCannotSelfCheck(t *testing.T) {
	d := func(s string) time.Time { x, _ := hazard.ParseDate(s); return x }
	self := hazard.Hazard{State: hazard.Reported, Source: hazard.SourceSelfCheck, FoundOn: d("2022-03-15")}
	for _, g := range []hazard.Grade{hazard.Major, hazard.General} {
		_, err := hazard.Apply(self, hazard.Step{Action: hazard.ActGrade, Grade: g, Clause: "hg-20", ByEnterprise: true})
		var re *hazard.RuleError
		if !errors.As(err, &re) || re.Rule != "hazard.rule.enterprise_cannot_grade" {
			t.Errorf("enterprise grades its self-check %s: %v", g, err)
		}
	}
	if slices.Contains(hazard.SourcesFor(auth.RoleDepartment), hazard.SourceSelfCheck) || !slices.Contains(hazard.SourcesFor(auth.RoleSection), hazard.SourceSelfCheck) {
		t.Error("sources offered to a department")
	}
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		qiye, dept := f.p(t, "qiye"), f.p(t, "dept")
		r, err := f.svc.Report(ctx, qiye, hazard.NewHazard{Description: "配电箱门未关闭", FoundOn: "2022-06-01", Source: hazard.SourceSelfCheck})
		if err != nil {
			t.Fatal(err)
		}
		if hazard.MayAct(qiye, r, hazard.ActGrade) {
			t.Error("an enterprise is offered 定级 on its own self-check")
		}
		if _, err := f.svc.Do(ctx, qiye, r.ID, hazard.StepInput{Action: hazard.ActGrade, Grade: hazard.Major, Clause: "hg-20"}, nil); err == nil {
			t.Error("an enterprise graded its self-check major")
		}
		if _, err := f.svc.Do(ctx, qiye, r.ID, hazard.StepInput{Action: hazard.ActSelfDone}, []attach.Upload{photo(t)}); err != nil {
			t.Errorf("an enterprise closes its general self-check: %v", err)
		}
		_, err = f.svc.Report(ctx, dept, hazard.NewHazard{EnterpriseID: demo.EnterpriseID, Description: "消防通道堵塞", FoundOn: "2022-06-01", Source: hazard.SourceSelfCheck})
		if fe := errs.Fields(err); len(fe) != 1 || fe[0].Field != "source" {
			t.Errorf("a department recorded a self-check: %v", err)
		}
		file := ledgerFile(t, [][]any{row("示例县兆丰矿业有限公司", "", "", "企业自查", "一般", "", "消防通道堵塞", "2022-03-01", "", "", "")})
		res, err := ledger.Run(ctx, f.svc.Ledger(), dept, bytes.NewReader(file), ledger.Options{}, nil)
		if !errs.Is(err, errs.Invalid) || res == nil || len(res.Errors) != 1 || res.Errors[0].Col != "E" {
			t.Errorf("a department imported a self-check: %v %+v", err, res)
		}
	})
}

// Filter.Extended selects the hazards with an extension granted by To
// (the data call's 延期整改 figure).
func TestFilterExtendedByTo(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		jg1 := f.p(t, "jg1")
		r, err := f.svc.Report(ctx, jg1, hazard.NewHazard{EnterpriseID: demo.EnterpriseID, Source: hazard.SourceInspection, Campaign: "大检查",
			Description: "第二安全出口与设计不一致", FoundOn: "2022-03-01"})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range []hazard.StepInput{
			{Action: hazard.ActGrade, On: "2022-03-01", Grade: hazard.Major, Clause: "ks98-d-1", PlanMeasures: "m", PlanFunds: "f", PlanDeadline: "2022-05-01", PlanPerson: "p", PlanEmergency: "e"},
			{Action: hazard.ActOrder, On: "2022-03-02", Deadline: "2022-05-01", DocNumber: "（示）应急责改〔2022〕1号"},
		} {
			if _, err := f.svc.Do(ctx, jg1, r.ID, st, nil); err != nil {
				t.Fatalf("%s: %v", st.Action, err)
			}
		}
		// The deadline moves as an approved extension request moves it.
		err = db.InTx(ctx, func(tx *store.Tx) error {
			_, err := f.svc.ExtendTx(ctx, tx, jg1, r.ID, hazard.Extension{RequestID: "req-1", On: "2022-04-20", Deadline: "2022-06-30", Reason: "设备到货延迟"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		count := func(to string) int {
			rows, err := f.svc.StatsBy(ctx, jg1, hazard.Filter{Campaign: "大检查", To: to, Extended: true}, "")
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, x := range rows {
				n += x.Major
			}
			return n
		}
		if a, b := count("2022-03-31"), count("2022-04-30"); a != 0 || b != 1 {
			t.Fatalf("extended by 03-31: %d, by 04-30: %d", a, b)
		}
	})
}

// The export carries the state, the days overdue and the card after the
// template's columns; importing the exported file again ignores them and
// gives the same hazards.
func TestExportExtraColumnsRoundTrip(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db) // today is 2022-06-09
		jg1 := f.p(t, "jg1")
		const mine = "示例县兆丰矿业有限公司"
		file := ledgerFile(t, [][]any{
			row(mine, "", "", "", "一般", "", "配电箱未上锁", "2022-03-01", "2022-05-31", "未整改", ""),
			row(mine, "", "", "", "一般", "", "灭火器过期", "2022-03-02", "", "已整改", "2022-03-10"),
		})
		if res, err := ledger.Run(ctx, f.svc.Ledger(), jg1, bytes.NewReader(file), ledger.Options{}, nil); err != nil || res.Imported != 2 {
			t.Fatalf("import: %v %+v", err, res)
		}
		l := f.svc.Ledger()
		var out bytes.Buffer
		w, err := xlsx.NewWriter(&out, l.ExportSchema())
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Export(ctx, jg1, nil, w); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		// Read every column back, the extra ones included.
		byDesc := map[string]map[string]string{}
		rep, err := xlsx.Parse(bytes.NewReader(out.Bytes()), l.ExportSchema(), func(r xlsx.Row) []xlsx.CellError {
			byDesc[r.Values["description"]] = r.Values
			return nil
		})
		if err != nil || rep.Rows != 2 {
			t.Fatalf("export: %v %+v", err, rep)
		}
		open, done := byDesc["配电箱未上锁"], byDesc["灭火器过期"]
		if open["x_state"] != hazard.StateLabel(hazard.Ordered, "zh") || open["x_days_overdue"] != "9" || open["x_card"] != "红牌" {
			t.Errorf("open row: %v", open)
		}
		if done["x_state"] != hazard.StateLabel(hazard.Closed, "zh") || done["x_days_overdue"] != "0" || done["x_card"] != "" {
			t.Errorf("closed row: %v", done)
		}
		// Re-import: the extra columns are ignored; the hazards are the same.
		res, err := ledger.Run(ctx, l, jg1, bytes.NewReader(out.Bytes()), ledger.Options{}, nil)
		if err != nil || res.Imported != 2 {
			t.Fatalf("re-import: %v %+v", err, res)
		}
		list, counts, err := f.svc.Page(ctx, jg1, hazard.Filter{Q: "配电箱未上锁"})
		if err != nil || counts.Found != 2 || list[0].State != list[1].State || list[0].Deadline != list[1].Deadline {
			t.Fatalf("round trip: %v %+v %+v", err, counts, list)
		}
		list, _, _ = f.svc.Page(ctx, jg1, hazard.Filter{Q: "灭火器过期"})
		if len(list) != 2 || list[0].State != hazard.Closed || list[1].State != hazard.Closed || list[0].ClosedOn != list[1].ClosedOn {
			t.Fatalf("round trip of the closed row: %+v", list)
		}
	})
}

// A major hazard not listed for supervision within the county's period
// (10 working days by default) is on the board; listing it takes it off.
// A rectification not verified within its period is on the department's
// board and leaves the enterprise's card alone.
func TestLateListingsAndReviews(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db) // today is 2022-06-09 (Thursday; 2022-06-03 端午 is a holiday)
		jg1, qiye := f.p(t, "jg1"), f.p(t, "qiye")
		report := func(desc, found string) hazard.Record {
			r, err := f.svc.Report(ctx, jg1, hazard.NewHazard{EnterpriseID: demo.EnterpriseID, Source: hazard.SourceInspection, Description: desc, FoundOn: found})
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		do := func(r hazard.Record, who *auth.Principal, st hazard.StepInput, files ...attach.Upload) {
			t.Helper()
			if _, err := f.svc.Do(ctx, who, r.ID, st, files); err != nil {
				t.Fatalf("%s: %v", st.Action, err)
			}
		}
		grade := hazard.StepInput{Action: hazard.ActGrade, Grade: hazard.Major, Clause: "ks98-d-2"}
		old := report("井下使用淘汰设备", "2022-05-20")
		grade.On = "2022-05-20" // + 10 working days (端午 off) = 2022-06-06
		do(old, jg1, grade)
		recent := report("井下使用淘汰空压机", "2022-05-30")
		grade.On = "2022-05-30" // + 10 working days = 2022-06-14: not late
		do(recent, jg1, grade)
		late, err := f.svc.LateListings(ctx, jg1, hazard.Filter{})
		if err != nil || len(late) != 1 || late[0].R.ID != old.ID || late[0].Due != "2022-06-06" || late[0].Days != 3 {
			t.Fatalf("late listings: %v %+v", err, late)
		}
		if due, _ := hazard.LateDue(hazard.DefaultClocks().Calendar, "2022-05-30", 10, "2022-06-09"); due != "2022-06-14" {
			t.Fatalf("due %s", due)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := f.svc.SetListedTx(ctx, tx, jg1, old.ID, true)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if late, _ := f.svc.LateListings(ctx, jg1, hazard.Filter{}); len(late) != 0 {
			t.Fatalf("a listed hazard is still late: %+v", late)
		}
		// Verification: reported done on 2022-05-23, due 2022-06-07.
		g := report("配电箱未接地", "2022-05-10")
		do(g, jg1, hazard.StepInput{Action: hazard.ActGrade, On: "2022-05-10", Grade: hazard.General})
		do(g, jg1, hazard.StepInput{Action: hazard.ActOrder, On: "2022-05-10", Deadline: "2022-05-31", DocNumber: "（示）应急责改〔2022〕9号"})
		do(g, qiye, hazard.StepInput{Action: hazard.ActSubmit, On: "2022-05-23"}, photo(t))
		reviews, err := f.svc.LateReviews(ctx, jg1, hazard.Filter{})
		if err != nil || len(reviews) != 1 || reviews[0].R.ID != g.ID || reviews[0].Due != "2022-06-07" || reviews[0].Days != 2 {
			t.Fatalf("late reviews: %v %+v", err, reviews)
		}
		if c := hazard.CardFor(reviews[0].R.Rules(), today, hazard.DefaultCardRules()); c != hazard.NoCard {
			t.Fatalf("a late review gave the enterprise a %s card", c)
		}
		if r, _ := f.svc.LateReviews(ctx, qiye, hazard.Filter{}); len(r) != 1 {
			t.Fatalf("the enterprise's scope: %+v", r)
		}
		// A county's own period.
		f.svc.WithClocks(func(context.Context, string) (hazard.Clocks, error) {
			c := hazard.DefaultClocks()
			c.VerifyWithin = 15
			return c, nil
		})
		if r, _ := f.svc.LateReviews(ctx, jg1, hazard.Filter{}); len(r) != 0 {
			t.Fatalf("late under a 15-day period: %+v", r)
		}
	})
}

// One term per concept on the hazard pages: 一般隐患 and 重大隐患, not
// 一般事故隐患 or 普通隐患 (official document titles such as
// 重大事故隐患督办函 and the names of regulations excepted).
func TestOneTermPerGrade(t *testing.T) {
	for _, dir := range []string{"locales", "templates", "supervise/locales", "supervise/templates", "../campaign/msg/locales", "../campaign/templates"} {
		files, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			b, err := os.ReadFile(filepath.Join(dir, f.Name()))
			if err != nil {
				t.Fatal(err)
			}
			for _, bad := range []string{"一般事故隐患", "普通隐患", "一般性隐患"} {
				if strings.Contains(string(b), bad) {
					t.Errorf("%s/%s says %s (use 一般隐患)", dir, f.Name(), bad)
				}
			}
			for _, line := range strings.Split(string(b), "\n") {
				if strings.Contains(line, "重大事故隐患") && !strings.Contains(line, "重大事故隐患督办函") && !strings.Contains(line, "判定标准") {
					t.Errorf("%s/%s: %s (use 重大隐患)", dir, f.Name(), strings.TrimSpace(line))
				}
			}
		}
	}
}
