package prepare_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/bureau/prepare"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/calendar"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/figure"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
	"yingji/internal/kit/xlsx/xlsxtest"
)

const county = "349901"

type fixture struct {
	svc              *prepare.Service
	ent              *enterprise.Service
	mill, mine       enterprise.Enterprise
	admin, sec, town *auth.Principal
	millAcct, ro     *auth.Principal
}

func setup(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2022, 6, 30, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
	clock := func() time.Time { return now }
	o := org.New(db, clock)
	sys := audit.System(county)
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for _, r := range []org.Region{{Code: county, Kind: "县", Name: "示例县"}, {Code: county + "100", Kind: "镇", Name: "籍山镇"},
			{Code: county + "101", Kind: "镇", Name: "弋江镇"}} {
			if _, err := o.SaveRegionTx(ctx, tx, sys, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{ent: enterprise.New(db, o, clock, nil)}
	f.admin = &auth.Principal{UserID: "u-admin", Username: "admin", DisplayName: "管理员", Role: auth.RoleAdmin, CountyCode: county}
	mk := func(n int, name, sector, town string) enterprise.Enterprise {
		e, err := f.ent.Create(ctx, f.admin, enterprise.Enterprise{Name: name, CreditCode: enterprise.DemoCreditCode(county, n), TownCode: town,
			Sector: sector, Scale: enterprise.ScaleBelow, PrincipalName: "王建国", SafetyName: "李志强"})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	f.mill = mk(1, "示例县宏达铸造有限公司", "metallurgy", county+"100")
	f.mine = mk(2, "示例县兆丰矿业有限公司", "mine", county+"101")
	f.sec = &auth.Principal{UserID: "u-sec", Username: "jg2", Role: auth.RoleSection, CountyCode: county, Sectors: []string{"metallurgy"}}
	f.town = &auth.Principal{UserID: "u-town", Username: "town", Role: auth.RoleTown, CountyCode: county, RegionCode: county + "100"}
	f.millAcct = &auth.Principal{UserID: "u-mill", Username: "qiye", Role: auth.RoleEnterprise, CountyCode: county, EnterpriseID: f.mill.ID}
	f.ro = &auth.Principal{UserID: "u-ro", Username: "readonly", Role: auth.RoleReadOnly, CountyCode: county}
	f.svc = prepare.New(db, f.ent, nil, clock, func(context.Context, string) (calendar.Calendar, error) { return calendar.New(nil, nil), nil })
	return f
}

// TestPlanLifecycleStore takes a county plan through its lifecycle on
// both engines: the refusal of publication without a review, the 备案
// limit, four eyes on the filing, the steps recorded, and F-PLAN-1.
func TestPlanLifecycleStore(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		p, err := f.svc.CreatePlan(ctx, f.sec, prepare.Plan{Name: "示例县防汛抗旱应急预案", Category: prepare.CatSpecial, OwnerUnit: "县防指办", Flood: true, DraftedOn: "2022-02-10"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.TakeStep(ctx, f.sec, p.ID, prepare.Step{To: prepare.StatePublished, On: "2022-03-01"}); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("publish without review: %v", err)
		}
		for _, st := range []prepare.Step{{To: prepare.StateReview, On: "2022-03-21", Experts: "张建国", Minutes: "纪要", Online: true},
			{To: prepare.StateDeliberation, On: "2022-04-22", Body: "县政府常务会议"}, {To: prepare.StatePublished, On: "2022-04-28"}} {
			if p, err = f.svc.TakeStep(ctx, f.sec, p.ID, st); err != nil {
				t.Fatalf("%s: %v", st.To, err)
			}
		}
		if p.FilingDue != "2022-05-30" {
			t.Fatalf("filing due %s", p.FilingDue)
		}
		// Four eyes: the author does not record the filing.
		if _, err := f.svc.TakeStep(ctx, f.sec, p.ID, prepare.Step{To: prepare.StateFiled, On: "2022-05-20"}); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("author files: %v", err)
		}
		if _, err := f.svc.TakeStep(ctx, f.town, p.ID, prepare.Step{To: prepare.StateFiled, On: "2022-05-20"}); err == nil {
			t.Fatal("town staff files a county plan")
		}
		if p, err = f.svc.TakeStep(ctx, f.admin, p.ID, prepare.Step{To: prepare.StateFiled, On: "2022-05-20"}); err != nil {
			t.Fatal(err)
		}
		if p.FiledTo != prepare.FilingBody(prepare.CatSpecial) {
			t.Fatalf("filed to %q", p.FiledTo)
		}
		steps, err := f.svc.PlanSteps(ctx, f.ro, p.ID)
		if err != nil || len(steps) != 5 {
			t.Fatalf("steps = %d, %v", len(steps), err)
		}
		period, _ := figure.NewPeriod("2022-01-01", "2022-06-30")
		figs := f.svc.Figures(nil)
		v, err := figs[0].Count(ctx, figure.Query{Period: period, P: f.ro, Records: true})
		if err != nil || v.Get("plans").Value != 1 || v.Get("plans").Records[0] != p.ID {
			t.Fatalf("F-PLAN-1 = %+v, %v", v, err)
		}
		v, err = figs[1].Count(ctx, figure.Query{Period: period, P: f.ro})
		if err != nil || v.Get("plans").Value != 1 {
			t.Fatalf("F-FLOOD-1 = %+v, %v", v, err)
		}
	})
}

// TestScopeAndMasking: enterprise accounts see and file only their own
// plans and teams; reading another's answers 404; phones are masked for
// read-only users; a negative headcount is refused and nothing is saved.
func TestScopeAndMasking(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		own, err := f.svc.CreatePlan(ctx, f.millAcct, prepare.Plan{Name: "铸造公司综合应急预案", DraftedOn: "2022-03-01"})
		if err != nil {
			t.Fatal(err)
		}
		if own.Category != prepare.CatEnterprise || own.EnterpriseID != f.mill.ID || own.ReviewKind != prepare.ReviewExpert {
			t.Fatalf("enterprise plan = %+v", own)
		}
		other, err := f.svc.CreatePlan(ctx, f.admin, prepare.Plan{Name: "矿业公司应急预案", Category: prepare.CatEnterprise, EnterpriseID: f.mine.ID, DraftedOn: "2022-03-01"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.GetPlan(ctx, f.millAcct, other.ID); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("other enterprise's plan: %v", err)
		}
		list, total, err := f.svc.ListPlans(ctx, f.millAcct, prepare.PlanFilter{})
		if err != nil || total != 1 || list[0].ID != own.ID {
			t.Fatalf("enterprise list = %d %v", total, err)
		}
		if _, total, _ := f.svc.ListPlans(ctx, f.sec, prepare.PlanFilter{}); total != 1 {
			t.Fatalf("section (metallurgy) sees %d plans", total)
		}
		// A team with a negative headcount is refused; nothing is saved.
		_, err = f.svc.SaveTeam(ctx, f.town, "", prepare.Team{Name: "籍山镇防汛抢险队", Kind: prepare.KindFloodRescue, Level: "town", Headcount: -5})
		if fe := errs.Fields(err); len(fe) == 0 || fe[0].Field != "headcount" {
			t.Fatalf("negative headcount: %v", err)
		}
		if _, n, _ := f.svc.ListTeams(ctx, f.admin, prepare.TeamFilter{}); n != 0 {
			t.Fatal("a refused team was saved")
		}
		tm, err := f.svc.SaveTeam(ctx, f.town, "", prepare.Team{Name: "籍山镇防汛抢险队", Kind: prepare.KindFloodRescue, Level: "town", Headcount: 35,
			Leader: "王建华", Phone: "13955301234", EstablishedOn: "2022-04-01", SuppliesUpdatedOn: "2022-05-18"})
		if err != nil {
			t.Fatal(err)
		}
		if tm.RegionCode != county+"100" {
			t.Fatalf("town team region %q", tm.RegionCode)
		}
		got, err := f.svc.GetTeam(ctx, f.ro, tm.ID)
		if err != nil || got.Phone == "13955301234" || !strings.Contains(got.Phone, "*") {
			t.Fatalf("read-only reads phone %q (%v)", got.Phone, err)
		}
		if got, _ := f.svc.GetTeam(ctx, f.admin, tm.ID); got.Phone != "13955301234" {
			t.Fatalf("admin reads %q", got.Phone)
		}
		// Another town's staff may not change it.
		other2 := &auth.Principal{UserID: "u-t2", Role: auth.RoleTown, CountyCode: county, RegionCode: county + "101"}
		if _, err := f.svc.SaveTeam(ctx, other2, tm.ID, tm); err == nil {
			t.Fatal("another town changed the team")
		}
		if _, err := f.svc.AddRollCall(ctx, f.town, tm.ID, prepare.RollCall{OnDate: "2022-05-24", Present: 35, Result: "pass"}); err != nil {
			t.Fatal(err)
		}
		// Assessment: the mill has a team? no (town team); plan not filed.
		a, err := f.svc.Assess(ctx, f.admin, "2022-06", nil)
		if err != nil || len(a.Enterprises) != 2 || a.Incomplete != 2 {
			t.Fatalf("assessment = %+v, %v", a, err)
		}
		n, err := f.svc.Remind(ctx, f.admin, "2022-06")
		if err != nil || n != 2 {
			t.Fatalf("reminded %d, %v", n, err)
		}
		if n, _ := f.svc.Remind(ctx, f.admin, "2022-06"); n != 0 {
			t.Fatalf("reminded twice in a month: %d", n)
		}
		period, _ := figure.NewPeriod("2022-01-01", "2022-06-30")
		v, err := f.svc.Figures(nil)[4].Count(ctx, figure.Query{Period: period, P: f.admin})
		if err != nil || v.Get("reminders").Value != 2 || v.Get("teams_updated").Value != 1 {
			t.Fatalf("F-RES-1 = %+v, %v", v, err)
		}
	})
}

// TestDeadlineSweep: the daily sweep reminds of a 备案 limit within 5
// working days and of an assessment due within 30 days, once each.
func TestDeadlineSweep(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		mk := func(name, drafted string, steps ...prepare.Step) prepare.Plan {
			p, err := f.svc.CreatePlan(ctx, f.sec, prepare.Plan{Name: name, Category: prepare.CatDepartment, DraftedOn: drafted})
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range steps {
				if p, err = f.svc.TakeStep(ctx, f.sec, p.ID, st); err != nil {
					t.Fatalf("%s %s: %v", name, st.To, err)
				}
			}
			return p
		}
		review := prepare.Step{To: prepare.StateReview, On: "2019-05-01", Experts: "专家", Minutes: "纪要"}
		due := mk("部门预案甲", "2019-04-01", review, prepare.Step{To: prepare.StatePublished, On: "2022-06-01"})
		if due.FilingDue != "2022-06-30" {
			t.Fatalf("filing due %s", due.FilingDue)
		}
		mk("部门预案乙", "2019-04-01", review, prepare.Step{To: prepare.StatePublished, On: "2022-06-28"})        // due in July: not yet
		old := mk("部门预案丙", "2019-04-01", review, prepare.Step{To: prepare.StatePublished, On: "2019-07-15"}) // assessment due 2022-07-15
		if _, err := f.svc.TakeStep(ctx, f.admin, old.ID, prepare.Step{To: prepare.StateFiled, On: "2019-07-30"}); err != nil {
			t.Fatal(err)
		}
		// A drill's follow-up task due within 7 days; a done one is not reminded.
		if _, err := f.svc.CreateDrill(ctx, f.sec, prepare.Drill{Name: "防汛桌面推演", DrillOn: "2022-06-10", Form: "tabletop",
			Tasks: []prepare.DrillTask{{Problem: "通信保障不足", Owner: "县应急指挥中心", DueOn: "2022-07-05"},
				{Problem: "物资清单未更新", Owner: "县应急管理局", DueOn: "2022-09-30"}}}); err != nil {
			t.Fatal(err)
		}
		n, err := f.svc.Sweep(ctx)
		if err != nil || n != 3 {
			t.Fatalf("sweep sent %d, %v", n, err)
		}
		if n, _ := f.svc.Sweep(ctx); n != 0 {
			t.Fatalf("second sweep sent %d", n)
		}
		// The assessment moves the next one three years on.
		p, err := f.svc.TakeStep(ctx, f.admin, old.ID, prepare.Step{To: prepare.StepAssess, On: "2022-06-30"})
		if err != nil || p.NextAssessment != "2025-06-30" || p.State != prepare.StateFiled {
			t.Fatalf("assessed: %+v %v", p, err)
		}
	})
}

// TestTeamImport replays a teams file through the form's rules: a file
// with a negative headcount commits nothing and names row, column and
// reason; the corrected file commits every row.
func TestTeamImport(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		regionCode := func(_ context.Context, _, name string) string {
			return map[string]string{"籍山镇": county + "100", "弋江镇": county + "101"}[name]
		}
		l := f.svc.Ledgers(nil, regionCode)[2]
		if l.Kind != "teams" || l.NewImport == nil {
			t.Fatal("the teams ledger is not importable")
		}
		// Columns: 队伍名称 队伍类型 队伍级别 乡镇/村 人数 负责人 联系电话 主要装备 战备状态 巡查堤段 防线 组建日期 物资更新日期
		rows := [][]any{
			{"籍山镇巡堤查险第1队", "巡堤查险", "村级", "籍山镇", 64, "王建华", "13955300001", "救生衣", "随时可调", "长江干堤籍山镇段K1", "第1线", "2022-05-10", ""},
			{"弋江镇防汛抢险队", "防汛抢险", "乡镇级", "弋江镇", -3, "李国强", "13955300002", "冲锋舟", "", "", "", "2022-04-01", ""},
		}
		_, err := ledger.Run(ctx, l, f.admin, bytes.NewReader(xlsxtest.Fill(t, l.Schema, rows)), ledger.Options{}, nil)
		res, _ := err.(*errs.Error)
		if res == nil || errs.KindOf(err) != errs.Invalid {
			t.Fatalf("bad file: %v", err)
		}
		if _, n, _ := f.svc.ListTeams(ctx, f.admin, prepare.TeamFilter{}); n != 0 {
			t.Fatalf("a refused file committed %d teams", n)
		}
		r, _ := ledger.Run(ctx, l, f.admin, bytes.NewReader(xlsxtest.Fill(t, l.Schema, rows)), ledger.Options{}, nil)
		found := false
		for _, ce := range r.Errors {
			found = found || (ce.Row == 3 && ce.Column == "人数" && strings.Contains(ce.Reason, "负数"))
		}
		if !found {
			t.Fatalf("errors = %+v", r.Errors)
		}
		rows[1][4] = 35
		r, err = ledger.Run(ctx, l, f.admin, bytes.NewReader(xlsxtest.Fill(t, l.Schema, rows)), ledger.Options{}, nil)
		if err != nil || r.Imported != 2 {
			t.Fatalf("import: %+v %v", r, err)
		}
		list, _ := f.svc.AllTeams(ctx, f.admin, prepare.TeamFilter{Kind: prepare.KindDykePatrol})
		if len(list) != 1 || list[0].PatrolLine != 1 || list[0].RegionCode != county+"100" {
			t.Fatalf("patrol team = %+v", list)
		}
	})
}
