package accident_test

import (
	"context"
	"testing"
	"time"

	"yingji/internal/bureau/accident"
	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/figure"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

const county = "349901"

func TestRegisterAndYearOnYear(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2022, 6, 30, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
		clock := func() time.Time { return now }
		o := org.New(db, clock)
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			for _, r := range []org.Region{{Code: county, Kind: "县", Name: "示例县"}, {Code: county + "100", Kind: "镇", Name: "籍山镇"}} {
				if _, err := o.SaveRegionTx(ctx, tx, audit.System(county), r); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		ent := enterprise.New(db, o, clock, nil)
		admin := &auth.Principal{UserID: "u-admin", Role: auth.RoleAdmin, CountyCode: county}
		mine, err := ent.Create(ctx, admin, enterprise.Enterprise{Name: "示例县兆丰矿业有限公司", CreditCode: enterprise.DemoCreditCode(county, 1),
			TownCode: county + "100", Sector: "mine", PrincipalName: "王建国", SafetyName: "李志强"})
		if err != nil {
			t.Fatal(err)
		}
		svc := accident.New(db, ent, clock)
		duty := &auth.Principal{UserID: "u-duty", Role: auth.RoleDuty, CountyCode: county}
		_, err = svc.Record(ctx, duty, accident.Input{OccurredOn: "2022-03-01", Place: "矿区", EnterpriseID: mine.ID, Industry: "非煤矿山",
			Kind: "物体打击", Deaths: 1, Level: "较大"})
		if errs.KindOf(err) != errs.Invalid || errs.Fields(err)[0].Message != "accident.rule.level_contradicts" {
			t.Fatalf("contradicting level: %v", err)
		}
		if _, err := svc.Record(ctx, &auth.Principal{Role: auth.RoleReadOnly, CountyCode: county}, accident.Input{}); errs.KindOf(err) != errs.Forbidden {
			t.Errorf("read-only recorded: %v", err)
		}
		for _, day := range []string{"2021-03-18", "2021-05-26", "2021-08-01"} {
			if _, err := svc.Record(ctx, duty, accident.Input{OccurredOn: day, Place: "矿区", EnterpriseID: mine.ID, Industry: "非煤矿山",
				Kind: "物体打击", Deaths: 1, LossYuan: "1200000"}); err != nil {
				t.Fatal(err)
			}
		}
		per, _ := figure.NewPeriod("2022-01-01", "2022-06-30")
		st, err := svc.StatsFor(ctx, admin, per, accident.Filter{})
		if err != nil || st.This.Accidents != 0 || st.LastYear.Accidents != 2 || st.LastYear.Deaths != 2 || st.DeathsChange != -2 {
			t.Fatalf("同比: %v %+v", err, st)
		}
		figs := svc.Figures(nil)
		v, err := figs[0].Count(ctx, figure.Query{Period: per, P: admin, Records: true})
		if err != nil || v.Get("accidents").Value != 0 || v.Get("accidents_last").Value != 2 || len(v.Get("deaths_last").Records) != 2 {
			t.Errorf("F-ACC-1: %v %+v", err, v)
		}
		// Scope: a section of other sectors sees none of the mine's accidents.
		other := &auth.Principal{UserID: "u-jg2", Role: auth.RoleSection, CountyCode: county, Sectors: []string{"metallurgy"}}
		if _, n, _ := svc.List(ctx, other, accident.Filter{}); n != 0 {
			t.Errorf("other section sees %d accidents", n)
		}
	})
}
