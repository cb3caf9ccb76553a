package special_test

import (
	"context"
	"io"
	"testing"
	"time"

	"yingji/internal/bureau/campaign/special"
	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/demo"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

const county = "349901"

func clock() time.Time { return time.Date(2022, 6, 20, 10, 0, 0, 0, time.FixedZone("CST", 8*3600)) }

func setup(t *testing.T, db *store.DB) (*special.Service, *auth.Principal, *auth.Principal) {
	t.Helper()
	ctx := context.Background()
	o := org.New(db, clock)
	a := auth.New(db, o, clock, auth.Options{})
	if err := demo.Load(ctx, demo.Services{DB: db, Org: o, Auth: a}, county, io.Discard); err != nil {
		t.Fatal(err)
	}
	ent := enterprise.New(db, o, clock, nil)
	if err := ent.Demo(ctx, io.Discard, county, demo.EnterpriseID, nil); err != nil {
		t.Fatal(err)
	}
	town, err := a.PrincipalFor(ctx, "town")
	if err != nil {
		t.Fatal(err)
	}
	admin := &auth.Principal{UserID: "system", Username: "system", DisplayName: "系统", Role: auth.RoleAdmin, CountyCode: county}
	return special.New(db, o, ent, clock), admin, town
}

func fieldOf(err error) string {
	if f := errs.Fields(err); len(f) > 0 {
		return f[0].Field + ":" + f[0].Message
	}
	return ""
}

func TestSpecial(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc, admin, town := setup(t, db)
		if _, err := svc.Create(ctx, town, special.NewCampaign{Name: "x", StartsOn: "2022-01-01", ScopeKind: special.ScopePlaces}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("town creates: %v", err)
		}
		if _, err := svc.Create(ctx, admin, special.NewCampaign{Name: "x", StartsOn: "2022-01-01", ScopeKind: special.ScopePlaces}); fieldOf(err) != "places:special.places_required" {
			t.Fatalf("no places: %v", err)
		}
		c, err := svc.Create(ctx, admin, special.NewCampaign{Name: "烟花爆竹零售专项检查", StartsOn: "2022-01-04", ScopeKind: special.ScopeEnterprises,
			Sector: "fireworks_retail", Rounds: 2}) // not linked to the hazard ledger: findings are typed with the checks
		if err != nil {
			t.Fatal(err)
		}
		cov, err := svc.Coverage(ctx, admin, c)
		if err != nil || cov.Total.InScope != 330 || cov.Total.Any != 0 {
			t.Fatalf("coverage before checks: %v %+v", err, cov.Total)
		}
		mine, total, err := svc.Targets(ctx, town, c, special.TargetFilter{Limit: 500})
		if err != nil || total == 0 || total == 330 {
			t.Fatalf("town's targets: %v %d", err, total)
		}
		others, _, _ := svc.Targets(ctx, admin, c, special.TargetFilter{Town: county + "101", Limit: 1})
		check := special.Check{TargetID: mine[0].ID, CheckedOn: "2022-01-10", Round: 1, CheckedBy: "籍山镇安监站", Findings: 1}
		early := check
		early.CheckedOn = "2022-01-03" // the campaign starts 01-04
		if _, err := svc.RecordCheck(ctx, town, c.ID, early); fieldOf(err) != "checked_on:special.date_outside" {
			t.Fatalf("check before the campaign: %v", err)
		}
		if _, err := svc.RecordCheck(ctx, town, c.ID, special.Check{TargetID: others[0].ID, CheckedOn: "2022-01-10", Round: 1, CheckedBy: "x"}); fieldOf(err) != "target_id:special.target_unknown" {
			t.Fatalf("other town's target: %v", err)
		}
		huge := check
		huge.Findings = 1 << 40
		if _, err := svc.RecordCheck(ctx, town, c.ID, huge); fieldOf(err) != "findings:special.findings_too_many" {
			t.Fatalf("1,099,511,627,776 findings: %v", err)
		}
		bad := check
		bad.Round, bad.CheckedOn = 3, "2022-07-01"
		if err := errs.Fields(func() error { _, err := svc.RecordCheck(ctx, town, c.ID, bad); return err }()); len(err) != 2 {
			t.Fatalf("round 3 in the future: %v", err)
		}
		if _, err := svc.RecordCheck(ctx, town, c.ID, check); err != nil {
			t.Fatal(err)
		}
		check.CheckedOn = "2022-01-12" // a second check in the same round counts once
		if _, err := svc.RecordCheck(ctx, town, c.ID, check); err != nil {
			t.Fatal(err)
		}
		check.Round = 2
		if _, err := svc.RecordCheck(ctx, admin, c.ID, check); err != nil {
			t.Fatal(err)
		}
		cov, _ = svc.Coverage(ctx, admin, c)
		if cov.Total.Any != 1 || cov.Total.Checked[0] != 1 || cov.Total.Checked[1] != 1 || cov.Checks != 3 || cov.Total.Findings != 3 {
			t.Fatalf("coverage: %+v", cov)
		}
		tcov, _ := svc.Coverage(ctx, town, c)
		if len(tcov.Towns) != 1 || tcov.Towns[0].Town != county+"100" {
			t.Fatalf("town's coverage: %+v", tcov.Towns)
		}
		list, _, _ := svc.Targets(ctx, admin, c, special.TargetFilter{State: "checked", Limit: 10})
		if len(list) != 1 || list[0].Rounds[0] != "2022-01-10" || list[0].Rounds[1] != "2022-01-12" {
			t.Fatalf("checked targets: %+v", list)
		}
	})
}

func TestDemo(t *testing.T) {
	ctx := context.Background()
	svc, admin, _ := setup(t, storetest.SQLite(t))
	for i := 0; i < 2; i++ {
		if err := svc.Demo(ctx, io.Discard, county); err != nil {
			t.Fatal(err)
		}
	}
	list, err := svc.Campaigns(ctx, admin)
	if err != nil || len(list) != 2 {
		t.Fatalf("campaigns: %v %d", err, len(list))
	}
	for _, c := range list {
		cov, err := svc.Coverage(ctx, admin, c)
		if err != nil {
			t.Fatal(err)
		}
		switch c.Name {
		case special.DemoQuarantine: // F-BIG-5
			if cov.Total.InScope != 26 || cov.Total.Checked[0] != 26 || cov.Total.Checked[1] != 26 || len(cov.Rounds) != 2 {
				t.Errorf("quarantine sites: %+v", cov.Total)
			}
		case special.DemoFireworks: // F-CHEM-4
			if cov.Total.InScope != 330 || cov.Total.Any != 330 || cov.Total.Pct() != 100 {
				t.Errorf("fireworks retailers: %+v", cov.Total)
			}
		}
	}
}

// A section sees a campaign's enterprises only within its sectors — the
// enterprise register's scope rule — in the targets, the checks, the
// coverage and when recording a check; places stay visible.
func TestSpecialSectorScope(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc, admin, _ := setup(t, db)
		o := org.New(db, clock)
		a := auth.New(db, o, clock, auth.Options{})
		jg1, err := a.PrincipalFor(ctx, "jg1") // 监管一股: fireworks among its sectors
		if err != nil {
			t.Fatal(err)
		}
		jg2, err := a.PrincipalFor(ctx, "jg2") // 监管二股: 工贸 only
		if err != nil {
			t.Fatal(err)
		}
		c, err := svc.Create(ctx, admin, special.NewCampaign{Name: "烟花爆竹零售专项检查", StartsOn: "2022-01-04", ScopeKind: special.ScopeEnterprises,
			Sector: "fireworks_retail", Rounds: 1})
		if err != nil {
			t.Fatal(err)
		}
		all, total, err := svc.Targets(ctx, jg1, c, special.TargetFilter{Limit: 5})
		if err != nil || total != 330 {
			t.Fatalf("jg1 sees %d targets (%v), want 330", total, err)
		}
		if _, err := svc.RecordCheck(ctx, jg1, c.ID, special.Check{TargetID: all[0].ID, CheckedOn: "2022-01-10", Round: 1, CheckedBy: "监管一股"}); err != nil {
			t.Fatal(err)
		}
		list, total, err := svc.Targets(ctx, jg2, c, special.TargetFilter{Limit: 5})
		if err != nil || total != 0 || len(list) != 0 {
			t.Fatalf("jg2 (工贸) sees %d fireworks retailers: %+v %v", total, list, err)
		}
		if _, err := svc.RecordCheck(ctx, jg2, c.ID, special.Check{TargetID: all[1].ID, CheckedOn: "2022-01-10", Round: 1, CheckedBy: "监管二股"}); fieldOf(err) != "target_id:special.target_unknown" {
			t.Fatalf("jg2 recorded a check on a fireworks retailer: %v", err)
		}
		checks, err := svc.Checks(ctx, jg2, c, 10)
		if err != nil || len(checks) != 0 {
			t.Fatalf("jg2 sees checks: %+v %v", checks, err)
		}
		cov, err := svc.Coverage(ctx, jg2, c)
		if err != nil || cov.Total.InScope != 0 || cov.Total.Any != 0 || cov.Checks != 0 {
			t.Fatalf("jg2's coverage: %+v %v", cov.Total, err)
		}
		if cov, _ := svc.Coverage(ctx, jg1, c); cov.Total.InScope != 330 || cov.Total.Any != 1 {
			t.Fatalf("jg1's coverage: %+v", cov.Total)
		}
	})
}
