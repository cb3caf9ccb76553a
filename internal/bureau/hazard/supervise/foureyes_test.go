package supervise_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/xuri/excelize/v2"

	"yingji/internal/bureau/hazard"
	"yingji/internal/bureau/hazard/supervise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/demo"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

// TestExtensionFourEyes: nobody approves their own extension request; a
// listed hazard's request is decided by the leaders (the body that listed
// it), who find it in their pending list and are told of it; approval
// moves the hazard's deadline, the listing's deadline and the extension
// count in one transaction; a deadline never moves by a step of its own.
func TestExtensionFourEyes(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		jg1, leader, qiye := f.p(t, "jg1"), f.p(t, "leader"), f.p(t, "qiye")
		admin := &auth.Principal{UserID: "admin", Username: "admin", Role: auth.RoleAdmin, CountyCode: county}
		major := f.ordered(t, "第二安全出口与设计不一致", "2022-05-01", "2022-07-31", hazard.Major)
		l, err := f.svc.ListHazard(ctx, leader, supervise.ListingInput{HazardID: major.ID, Level: supervise.LevelCounty, ListedOn: "2022-05-10"})
		if err != nil {
			t.Fatal(err)
		}
		// The extend step is not available: neither offered nor taken.
		if a := hazard.Allowed(f.get(t, major.ID).Rules()); len(a) == 0 || containsAction(a, hazard.ActExtend) {
			t.Fatalf("allowed steps: %v", a)
		}
		_, err = f.hz.Do(ctx, jg1, major.ID, hazard.StepInput{Action: hazard.ActExtend, Deadline: "2032-12-31", Reason: "x"}, nil)
		if e, ok := errs.As(err); !ok || e.Kind != errs.Conflict || e.Message != "hazard.rule.extend_needs_request" {
			t.Fatalf("direct extension: %v", err)
		}
		if h := f.get(t, major.ID); h.Deadline != "2022-07-31" || h.Extensions != 0 {
			t.Fatalf("the refused extension moved the deadline: %+v", h)
		}

		x, err := f.svc.RequestExtension(ctx, jg1, supervise.ExtensionInput{HazardID: major.ID, RequestedDeadline: "2022-10-31", Reason: "设备供货周期长"})
		if err != nil {
			t.Fatal(err)
		}
		// The leaders are told and find it in their list; jg1 does not.
		if n := f.count(t, `SELECT count(*) FROM notification WHERE topic = 'hazard.extension.request' AND recipient_user_id = $1`, leader.UserID); n != 1 {
			t.Fatalf("the leader was told %d times", n)
		}
		if n := f.count(t, `SELECT count(*) FROM notification WHERE topic = 'hazard.extension.request' AND recipient_user_id = $1`, jg1.UserID); n != 0 {
			t.Fatalf("the requester was told of their own request: %d", n)
		}
		if list, err := f.svc.PendingExtensionsFor(ctx, leader); err != nil || len(list) != 1 || list[0].ID != x.ID {
			t.Fatalf("leader's pending list: %v %+v", err, list)
		}
		for _, p := range []*auth.Principal{jg1, admin, qiye} {
			if list, err := f.svc.PendingExtensionsFor(ctx, p); err != nil || len(list) != 0 {
				t.Fatalf("%s's pending list: %v %+v", p.Role, err, list)
			}
		}
		// The requester may not approve it; nor may anyone but the body
		// that listed it.
		_, err = f.svc.DecideExtension(ctx, jg1, x.ID, supervise.DecisionInput{Approve: true})
		if e, ok := errs.As(err); !ok || e.Kind != errs.Conflict || e.Message != "supervise.rule.own_request" {
			t.Fatalf("self-approval: %v", err)
		}
		_, err = f.svc.DecideExtension(ctx, admin, x.ID, supervise.DecisionInput{Approve: true})
		if e, ok := errs.As(err); !ok || e.Kind != errs.Conflict || e.Message != "supervise.rule.listed_approver" {
			t.Fatalf("approval by the administrator of a listed hazard: %v", err)
		}
		if h := f.get(t, major.ID); h.Deadline != "2022-07-31" {
			t.Fatalf("a refused decision moved the deadline: %s", h.Deadline)
		}
		if _, err := f.svc.DecideExtension(ctx, leader, x.ID, supervise.DecisionInput{Approve: true, Reason: "同意"}); err != nil {
			t.Fatal(err)
		}
		h := f.get(t, major.ID)
		v, err := f.svc.GetListing(ctx, leader, l.ID)
		c, _ := f.svc.CountExtensions(ctx, leader, major.ID)
		if err != nil || h.Deadline != "2022-10-31" || v.Deadline != "2022-10-31" || h.Extensions != 1 || c.Approved != 1 {
			t.Fatalf("after approval: hazard %s ×%d, listing %s, approved %d: %v", h.Deadline, h.Extensions, v.Deadline, c.Approved, err)
		}
		if n := f.count(t, `SELECT count(*) FROM notification WHERE topic = 'hazard.extension.decision' AND recipient_user_id = $1`, jg1.UserID); n != 1 {
			t.Fatalf("the requester was told of the decision %d times", n)
		}
		if list, _ := f.svc.PendingExtensionsFor(ctx, leader); len(list) != 0 {
			t.Fatalf("still pending: %+v", list)
		}

		// A hazard not listed: section staff decide, but not their own.
		general := f.ordered(t, "井口未设置栅栏", "2022-05-01", "2022-06-30", hazard.General)
		y, err := f.svc.RequestExtension(ctx, qiye, supervise.ExtensionInput{HazardID: general.ID, RequestedDeadline: "2022-07-31", Reason: "施工队伍未到位"})
		if err != nil {
			t.Fatal(err)
		}
		if list, _ := f.svc.PendingExtensionsFor(ctx, jg1); len(list) != 1 || list[0].ID != y.ID {
			t.Fatalf("section's pending list: %+v", list)
		}
		if n := f.count(t, `SELECT count(*) FROM notification WHERE topic = 'hazard.extension.request' AND recipient_user_id = $1`, jg1.UserID); n != 1 {
			t.Fatalf("the supervising section was told %d times", n)
		}
		if _, err := f.svc.DecideExtension(ctx, jg1, y.ID, supervise.DecisionInput{Approve: true}); err != nil {
			t.Fatal(err)
		}
		z, err := f.svc.RequestExtension(ctx, jg1, supervise.ExtensionInput{HazardID: general.ID, RequestedDeadline: "2022-08-31", Reason: "再延"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.DecideExtension(ctx, jg1, z.ID, supervise.DecisionInput{Approve: false, Reason: "不同意"})
		if !errs.Is(err, errs.Conflict) {
			t.Fatalf("refusing one's own request: %v", err)
		}
		auditOK(t, db)
	})
}

func containsAction(list []hazard.Action, a hazard.Action) bool {
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}

// TestCardsSetAtOnce: a step and an import give the hazards their card in
// their own transaction, not at the next sweep.
func TestCardsSetAtOnce(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db) // 2022-06-09
		jg1 := f.p(t, "jg1")
		// Ordered when already overdue: red at once.
		h := f.ordered(t, "主通风机未设反风装置", "2022-05-01", "2022-06-01", hazard.General)
		if c := f.get(t, h.ID); c.Card != hazard.Red || c.CardSince != "2022-06-02" {
			t.Fatalf("after the order: %q since %s", c.Card, c.CardSince)
		}
		if red, _, err := f.svc.CardCounts(ctx, jg1); err != nil || red != 1 {
			t.Fatalf("red cards after the order: %d %v", red, err)
		}
		// Imported: the overdue rows red, the others as the rule says.
		xf := excelize.NewFile()
		sh := xf.GetSheetName(0)
		head := []any{"企业名称", "统一社会信用代码", "场所名称", "所在乡镇", "隐患来源", "隐患等级", "判定依据", "隐患类别", "隐患描述", "隐患部位",
			"整改责任人", "整改措施", "发现日期", "整改期限", "整改状态", "整改完成日期", "检查单位", "专项行动", "整改指令书编号"}
		admin := &auth.Principal{UserID: "admin", Username: "admin", Role: auth.RoleAdmin, CountyCode: county}
		e, err := f.ent.Get(ctx, admin, demo.EnterpriseID)
		if err != nil {
			t.Fatal(err)
		}
		rows := [][]any{head,
			{e.Name, "", "", "", "", "", "", "", "脚手架未设剪刀撑", "", "", "", "2022-05-01", "2022-05-20", "", "", "县住建局", "", "住建责改〔2022〕1号"},
			{e.Name, "", "", "", "", "", "", "", "临边未设防护栏杆", "", "", "", "2022-05-01", "2022-06-10", "", "", "县住建局", "", "住建责改〔2022〕2号"},
			{e.Name, "", "", "", "", "", "", "", "配电箱无门", "", "", "", "2022-06-01", "2022-07-30", "", "", "县住建局", "", "住建责改〔2022〕3号"}}
		for i, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := xf.SetSheetRow(sh, cell, &r); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		if err := xf.Write(&buf); err != nil {
			t.Fatal(err)
		}
		if res, err := ledger.Run(ctx, f.hz.Ledger(), admin, bytes.NewReader(buf.Bytes()), ledger.Options{}, nil); err != nil || res.Imported != 3 {
			t.Fatalf("import: %v %+v", err, res)
		}
		want := map[string]hazard.Card{"脚手架未设剪刀撑": hazard.Red, "临边未设防护栏杆": hazard.Yellow, "配电箱无门": hazard.NoCard}
		for desc, card := range want {
			var got string
			if err := db.R().QueryRowContext(ctx, `SELECT card FROM hazard WHERE description = $1`, desc).Scan(&got); err != nil || hazard.Card(got) != card {
				t.Fatalf("%s after the import: %q, want %q (%v)", desc, got, card, err)
			}
		}
		if n := f.count(t, `SELECT count(*) FROM hazard_card_event e JOIN hazard h ON h.id = e.hazard_id WHERE h.description = $1 AND e.card = 'red'
			AND e.cleared_on = ''`, "脚手架未设剪刀撑"); n != 1 {
			t.Fatalf("red card events of the imported hazard: %d", n)
		}
		if c, err := f.hz.Counts(ctx, admin, hazard.Filter{}); err != nil || c.Overdue != 2 {
			t.Fatalf("overdue: %+v %v", c, err)
		}
		if red, _, _ := f.svc.CardCounts(ctx, admin); red != 2 {
			t.Fatalf("red cards after the import: %d, want as many as overdue (2)", red)
		}
		if r := f.sweep(t); r.Red+r.Yellow+r.Cleared != 0 {
			t.Fatalf("the sweep after the import changed cards: %+v", r)
		}
	})
}

// TestNoSelfReportCardsBeforeRegistration: an enterprise owes self-reports
// from the period in which it was registered; no card for an earlier one.
func TestNoSelfReportCardsBeforeRegistration(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db) // the enterprises are registered on 2022-06-09
		svc := supervise.New(supervise.Config{DB: db, Hazard: f.hz, Enterprise: f.ent, Org: f.org, People: f.auth, SelfReports: f.hz,
			Now: f.clock.now, CountyName: "示例县"})
		// 2022-07-16: due are 2022Q2 (07-15) and the year 2021 (2022-01-31).
		f.clock.set("2022-07-16")
		if _, err := svc.SweepCounty(ctx, county, f.clock.now()); err != nil {
			t.Fatal(err)
		}
		if n := f.count(t, `SELECT count(*) FROM hazard_card_event WHERE reason = 'self_report' AND period = '2021'`); n != 0 {
			t.Fatalf("%d self-report cards for 2021, before the enterprises were registered", n)
		}
		if n := f.count(t, `SELECT count(*) FROM hazard_card_event WHERE reason = 'self_report' AND period = '2022Q2' AND enterprise_id = $1`,
			demo.EnterpriseID); n != 1 {
			t.Fatalf("self-report cards of 2022Q2 (the quarter of registration): %d", n)
		}
	})
}
