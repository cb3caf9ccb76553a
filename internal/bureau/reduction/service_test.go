package reduction_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"yingji/internal/bureau/reduction"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
	"yingji/internal/kit/xlsx/xlsxtest"
)

const county = "349901"

var cst = time.FixedZone("CST", 8*3600)

type fixture struct {
	svc                       *reduction.Service
	admin, sec, town, ro, oth *auth.Principal
}

// setup: two towns with two villages each; an administrator, section
// staff, town staff of the first town, a read-only user.
func setup(t *testing.T, db *store.DB) fixture {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2022, 6, 30, 10, 0, 0, 0, cst)
	o := org.New(db, func() time.Time { return now })
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for _, r := range []org.Region{{Code: county, Kind: "县", Name: "示例县"}, {Code: county + "100", Kind: "镇", Name: "籍山镇"},
			{Code: county + "100201", Kind: "村", Name: "新林村"}, {Code: county + "100202", Kind: "社区", Name: "城东社区"},
			{Code: county + "101", Kind: "镇", Name: "弋江镇"}, {Code: county + "101201", Kind: "村", Name: "九连村"}, {Code: county + "101202", Kind: "村", Name: "奚滩村"}} {
			if _, err := o.SaveRegionTx(ctx, tx, audit.System(county), r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{svc: reduction.New(db, o, nil, func() time.Time { return now }),
		admin: &auth.Principal{UserID: "u-admin", Username: "admin", Role: auth.RoleAdmin, CountyCode: county},
		sec:   &auth.Principal{UserID: "u-sec", Username: "jg", Role: auth.RoleSection, CountyCode: county},
		town:  &auth.Principal{UserID: "u-town", Username: "town", Role: auth.RoleTown, CountyCode: county, RegionCode: county + "100"},
		ro:    &auth.Principal{UserID: "u-ro", Username: "ro", Role: auth.RoleReadOnly, CountyCode: county},
		oth:   &auth.Principal{UserID: "u-oth", Username: "oth", Role: auth.RoleTown, CountyCode: county, RegionCode: county + "101"},
	}
}

func msg(err error) string {
	if fe := errs.Fields(err); fe != nil {
		return fe[0].Message
	}
	if e, ok := errs.As(err); ok {
		return e.Message
	}
	return ""
}

func TestReportsStore(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		e, err := f.svc.CreateEvent(ctx, f.sec, reduction.Event{Name: "6月强降雨", HazardKind: "rainstorm_flood", StartedAt: time.Date(2022, 6, 12, 6, 0, 0, 0, cst)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CreateEvent(ctx, f.town, e); errs.KindOf(err) != errs.Forbidden {
			t.Errorf("town staff open events: %v", err)
		}
		// 续报 before 初报 is refused naming the rule.
		_, err = f.svc.AddReport(ctx, f.town, e.ID, reduction.Report{TownCode: county + "100", Kind: reduction.KindFollowup, ReportedAt: time.Date(2022, 6, 12, 7, 0, 0, 0, cst)})
		if msg(err) != "reduction.rule.initial_first" || errs.KindOf(err) != errs.Conflict {
			t.Fatalf("followup first: %v", err)
		}
		// The town reports for itself only.
		_, err = f.svc.AddReport(ctx, f.town, e.ID, reduction.Report{TownCode: county + "101", Kind: reduction.KindInitial, ReportedAt: time.Date(2022, 6, 12, 7, 0, 0, 0, cst)})
		if msg(err) != "reduction.town_not_yours" {
			t.Errorf("other town: %v", err)
		}
		r, err := f.svc.AddReport(ctx, f.town, e.ID, reduction.Report{TownCode: county + "100", Kind: reduction.KindInitial,
			Indicators: reduction.Indicators{Affected: 1000, CropTenths: 1234, LossFen: 1_000_000_00}, ReportedAt: time.Date(2022, 6, 12, 7, 0, 0, 0, cst)})
		if err != nil || r.Seq != 1 || r.Late {
			t.Fatalf("initial: %v %+v", err, r)
		}
		_, err = f.svc.AddReport(ctx, f.town, e.ID, reduction.Report{TownCode: county + "100", Kind: reduction.KindFollowup,
			Indicators: reduction.Indicators{Affected: 3000, CropTenths: 1234, LossFen: 1_000_000_00}, ReportedAt: time.Date(2022, 6, 13, 7, 0, 0, 0, cst)})
		if msg(err) != "reduction.rule.jump_explained" {
			t.Errorf("jump: %v", err)
		}
		// The other town reports nothing happened (零报告).
		if _, err := f.svc.AddReport(ctx, f.admin, e.ID, reduction.Report{TownCode: county + "101", Kind: reduction.KindInitial, ReportedAt: time.Date(2022, 6, 12, 7, 30, 0, 0, cst)}); err != nil {
			t.Fatal(err)
		}
		towns, err := f.svc.Towns(ctx, f.ro, e.ID)
		if err != nil || len(towns) != 2 || towns[0].State != "reported" || towns[1].State != "zero" {
			t.Fatalf("towns: %v %+v", err, towns)
		}
		// Town staff see their town's reports only.
		list, n, err := f.svc.ListReports(ctx, f.town, reduction.Filter{EventID: e.ID})
		if err != nil || n != 1 || list[0].CropTenths != 1234 || list[0].LossFen != 1_000_000_00 {
			t.Errorf("town's reports: %v %d %+v", err, n, list)
		}
		if _, err := f.svc.GetReport(ctx, f.oth, r.ID); errs.KindOf(err) != errs.NotFound {
			t.Errorf("out of scope read: %v", err)
		}
		// Both towns are late with their next report (待办); town staff count their own.
		if n, first, err := f.svc.OverdueTowns(ctx, f.admin); err != nil || n != 2 || first != e.ID {
			t.Errorf("overdue towns: %v %d %s", err, n, first)
		}
		if n, _, err := f.svc.OverdueTowns(ctx, f.town); err != nil || n != 1 {
			t.Errorf("the town's overdue reports: %v %d", err, n)
		}
		// 核报 needs the stable day.
		_, err = f.svc.AddReport(ctx, f.town, e.ID, reduction.Report{TownCode: county + "100", Kind: reduction.KindFinal,
			Indicators: reduction.Indicators{Affected: 1000, CropTenths: 1234, LossFen: 1_000_000_00}, ReportedAt: time.Date(2022, 6, 20, 7, 0, 0, 0, cst)})
		if msg(err) != "reduction.rule.final_needs_stable" {
			t.Errorf("final: %v", err)
		}
	})
}

func TestOfficersStore(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		a, err := f.svc.CreateOfficer(ctx, f.town, reduction.Officer{VillageCode: county + "100201", Name: "王立新", Phone: "13905531234", Role: reduction.RoleA})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CreateOfficer(ctx, f.town, reduction.Officer{VillageCode: county + "100201", Name: "李明", Phone: "13905531235", Role: reduction.RoleA}); msg(err) != "reduction.rule.one_a_per_village" {
			t.Errorf("second A: %v", err)
		}
		if _, err := f.svc.CreateOfficer(ctx, f.town, reduction.Officer{VillageCode: county + "101201", Name: "李明", Phone: "13905531235", Role: reduction.RoleA}); msg(err) == "" {
			t.Error("town staff register in another town")
		}
		// Phone masked for the read-only role, in full for the town.
		ro, err := f.svc.GetOfficer(ctx, f.ro, a.ID)
		if err != nil || ro.Phone != "139****1234" || !ro.PhoneMasked {
			t.Errorf("read-only: %v %+v", err, ro)
		}
		tw, err := f.svc.GetOfficer(ctx, f.town, a.ID)
		if err != nil || tw.Phone != "13905531234" {
			t.Errorf("town: %v %+v", err, tw)
		}
		if _, err := f.svc.GetOfficer(ctx, f.oth, a.ID); errs.KindOf(err) != errs.NotFound {
			t.Errorf("other town reads: %v", err)
		}
		// The last officer of a village stays.
		if err := f.svc.DeleteOfficer(ctx, f.town, a.ID); msg(err) != "reduction.rule.last_officer" {
			t.Errorf("delete last: %v", err)
		}
		cov, err := f.svc.Coverage(ctx, f.admin, true)
		if err != nil || len(cov) != 3 {
			t.Fatalf("villages without: %v %+v", err, cov)
		}
		for _, c := range cov {
			if c.VillageCode == county+"100201" {
				t.Error("a village with an officer is listed as without")
			}
		}
		mine, err := f.svc.Coverage(ctx, f.town, true)
		if err != nil || len(mine) != 1 || mine[0].VillageName != "城东社区" {
			t.Errorf("town's villages without: %v %+v", err, mine)
		}
		// The audit log keeps the phone masked.
		var summary string
		if err := db.R().QueryRowContext(ctx, `SELECT summary FROM audit_log WHERE entity = 'reduction_officer' AND entity_id = $1`, a.ID).Scan(&summary); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(summary, "13905531234") || !strings.Contains(summary, "139****1234") {
			t.Errorf("the audit log should hold the phone masked: %s", summary)
		}
	})
}

func TestCommunitiesCheckpointsTrainingsStore(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		c, err := f.svc.CreateCommunity(ctx, f.sec, reduction.Community{VillageCode: county + "100202", Name: "城东社区创建", AppliedOn: "2022-04-06"})
		if err != nil {
			t.Fatal(err)
		}
		scores := map[string]int{}
		for _, it := range reduction.Checklist {
			scores[it.Key] = it.Max - 1
		}
		c, err = f.svc.ScoreCommunity(ctx, f.admin, c.ID, scores)
		if err != nil || c.Score != 90 {
			t.Fatalf("score: %v %d", err, c.Score)
		}
		if _, err := f.svc.DecideCommunity(ctx, f.sec, c.ID, reduction.StageDecision{Stage: reduction.StageCounty, Passed: true}); msg(err) != "reduction.rule.own_application" {
			t.Errorf("own: %v", err)
		}
		if _, err := f.svc.DecideCommunity(ctx, f.admin, c.ID, reduction.StageDecision{Stage: reduction.StageCity, Passed: true}); msg(err) != "reduction.rule.stage_order" {
			t.Errorf("order: %v", err)
		}
		c, err = f.svc.DecideCommunity(ctx, f.admin, c.ID, reduction.StageDecision{Stage: reduction.StageCounty, Passed: true, Note: "通过"})
		if err != nil || c.Stage != reduction.StageCounty || len(c.Decisions) != 1 {
			t.Fatalf("county: %v %+v", err, c)
		}
		got, err := f.svc.GetCommunity(ctx, f.ro, c.ID)
		if err != nil || got.Score != 90 || got.Decisions[0].Stage != reduction.StageCounty {
			t.Errorf("read back: %v %+v", err, got)
		}

		cp, err := f.svc.CreateCheckpoint(ctx, f.town, reduction.Checkpoint{TownCode: county + "100", Name: "林场卡口", Lng: 118.2, Lat: 31.0, ActiveFrom: "2022-01-10", ActiveTo: "2022-05-31"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AddScan(ctx, f.town, cp.ID, reduction.ScanCount{From: "2022-02-01", To: "2022-02-28", Scans: 300}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AddScan(ctx, f.town, cp.ID, reduction.ScanCount{From: "2022-02-15", To: "2022-03-15", Scans: 3}); msg(err) != "reduction.rule.scan_overlap" {
			t.Errorf("overlap: %v", err)
		}
		list, n, err := f.svc.ListCheckpoints(ctx, f.ro, reduction.Filter{From: "2022-01-01", To: "2022-06-30"})
		if err != nil || n != 1 || list[0].Scans != 300 {
			t.Errorf("checkpoints: %v %d %+v", err, n, list)
		}
		if _, err := f.svc.ReportFireHazard(ctx, f.town, cp.ID, reduction.FireHazard{Description: "x", FoundOn: "2022-03-01"}); errs.KindOf(err) != errs.Unavailable {
			t.Errorf("no hazard ledger: %v", err)
		}

		tr, err := f.svc.CreateTraining(ctx, f.admin, reduction.Training{Topic: "灾害信息员培训", HeldOn: "2022-04-20", Organiser: "县应急管理局", Audience: "officers",
			List: []string{"王立新", "李明"}, HoursTenth: 40})
		if err != nil || tr.Attendees != 2 {
			t.Fatalf("training: %v %+v", err, tr)
		}
		ro, err := f.svc.GetTraining(ctx, f.ro, tr.ID)
		if err != nil || ro.List[0] != "王**" {
			t.Errorf("attendee names for read-only: %v %+v", err, ro.List)
		}
		if _, err := f.svc.CreatePublicity(ctx, f.admin, reduction.Publicity{Title: "传单", Campaign: "disaster_day", Kind: "leaflets", HeldOn: "2022-05-12", Quantity: 1200, Winners: 3}); msg(err) != "reduction.winners_invalid" {
			t.Errorf("winners on leaflets: %v", err)
		}
		x, err := f.svc.CreatePublicity(ctx, f.town, reduction.Publicity{Title: "传单", Campaign: "disaster_day", Kind: "leaflets", HeldOn: "2022-05-12", Quantity: 1200, TownCode: county + "100"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.GetPublicity(ctx, f.oth, x.ID); errs.KindOf(err) != errs.NotFound {
			t.Errorf("other town: %v", err)
		}
	})
}

func ledgerOf(t *testing.T, s *reduction.Service, kind string) *ledger.Ledger {
	for _, l := range s.Ledgers() {
		if l.Kind == kind {
			return l
		}
	}
	t.Fatalf("no ledger %s", kind)
	return nil
}

// TestImports: a file with a bad row imports nothing and names the row,
// the column and the reason; a good file goes through the forms' rules.
func TestImports(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		l := ledgerOf(t, f.svc, reduction.KindOfficers)
		schema := l.Schema
		bad := [][]any{
			{"籍山镇", "新林村", "王立新", "13905531234", "A岗", "村委会主任", "2022-03-01", "", ""},
			{"籍山镇", "新林村", "李明", "13905531235", "A岗", "", "", "", ""},  // second A in the file
			{"籍山镇", "不存在村", "张军", "13905531236", "B岗", "", "", "", ""}, // unknown village
			{"籍山镇", "城东社区", "赵四", "12345", "B岗", "", "", "", ""},       // bad phone
		}
		res, err := ledger.Run(ctx, l, f.town, bytes.NewReader(xlsxtest.Fill(t, schema, bad)), ledger.Options{}, nil)
		if err == nil || res.Committed || len(res.Errors) != 3 {
			t.Fatalf("bad file: %v %+v", err, res)
		}
		want := map[int]string{3: "role", 4: "village", 5: "phone"}
		for _, e := range res.Errors {
			if want[e.Row] != e.Key || e.Reason == "" {
				t.Errorf("error %+v", e)
			}
		}
		if _, n, _ := f.svc.ListOfficers(ctx, f.admin, reduction.Filter{}); n != 0 {
			t.Errorf("a bad file committed %d officers", n)
		}
		res, err = ledger.Run(ctx, l, f.town, bytes.NewReader(xlsxtest.Fill(t, schema, bad[:1])), ledger.Options{}, nil)
		if err != nil || res.Imported != 1 {
			t.Fatalf("good file: %v %+v", err, res)
		}
		// Another town's village is refused for town staff.
		res, err = ledger.Run(ctx, l, f.town, bytes.NewReader(xlsxtest.Fill(t, schema, [][]any{{"弋江镇", "九连村", "孙五", "13905531237", "A岗", "", "", "", ""}})), ledger.Options{}, nil)
		if err == nil || res.Committed {
			t.Errorf("other town's village: %v %+v", err, res)
		}

		tl := ledgerOf(t, f.svc, reduction.KindTrainings)
		res, err = ledger.Run(ctx, tl, f.admin, bytes.NewReader(xlsxtest.Fill(t, tl.Schema, [][]any{
			{"灾害信息员业务培训", "2022-04-20", "", "县应急管理局", "灾害信息员", "", "", "4", "王立新、李明", ""},
			{"工贸企业安全生产培训", "2022-06-10", "2022-06-11", "县应急管理局", "工贸企业人员", "", "206", "12", "", ""},
		})), ledger.Options{}, nil)
		if err != nil || res.Imported != 2 {
			t.Fatalf("trainings: %v %+v", err, res)
		}
		list, _, _ := f.svc.ListTrainings(ctx, f.admin, reduction.Filter{Audience: "officers"})
		if len(list) != 1 || list[0].Attendees != 2 || list[0].HoursTenth != 40 {
			t.Errorf("imported training: %+v", list)
		}
		pl := ledgerOf(t, f.svc, reduction.KindPublicity)
		res, err = ledger.Run(ctx, pl, f.admin, bytes.NewReader(xlsxtest.Fill(t, pl.Schema, [][]any{
			{"网络知识竞答", "5·12防灾减灾日", "网络知识竞答", "2022-05-16", "", "1260", "39", ""},
			{"传单", "5·12防灾减灾日", "发放宣传单册", "2022-05-16", "", "1000", "3", ""},
		})), ledger.Options{}, nil)
		if err == nil || len(res.Errors) != 1 || res.Errors[0].Row != 3 || res.Errors[0].Key != "winners" {
			t.Errorf("publicity: %v %+v", err, res)
		}
	})
}
