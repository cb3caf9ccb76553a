package prepare_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/bureau/prepare"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/calendar"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

// BenchmarkMonthlyAssessment5000 computes the monthly assessment (and its
// town and section ranking) over 5,000 enterprises, half with a filed
// plan and a third with a team, recorded through the services.
func BenchmarkMonthlyAssessment5000(b *testing.B) {
	storetest.BenchEngines(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2022, 6, 30, 10, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		o := org.New(db, clock)
		admin := &auth.Principal{UserID: "u-admin", Username: "admin", Role: auth.RoleAdmin, CountyCode: county}
		filer := &auth.Principal{UserID: "u-filer", Username: "jg1", Role: auth.RoleAdmin, CountyCode: county}
		towns := []string{"100", "101", "102", "103", "104", "105", "106", "107", "400"}
		if _, err := o.SaveRegion(ctx, admin, org.Region{Code: county, Kind: "县", Name: "示例县"}); err != nil {
			b.Fatal(err)
		}
		for _, t := range towns {
			if _, err := o.SaveRegion(ctx, admin, org.Region{Code: county + t, Kind: "镇", Name: "镇" + t}); err != nil {
				b.Fatal(err)
			}
		}
		ent := enterprise.New(db, o, clock, nil)
		svc := prepare.New(db, ent, nil, clock, func(context.Context, string) (calendar.Calendar, error) { return calendar.New(nil, nil), nil })
		supplied := map[string]prepare.SupplyFacts{}
		svc.Supplies = func(context.Context, string, string) (map[string]prepare.SupplyFacts, error) { return supplied, nil }
		sectors := []string{"mine", "chem_trade", "machinery", "light", "textile", "commerce"}
		for i := 0; i < 5000; i++ {
			e, err := ent.Create(ctx, admin, enterprise.Enterprise{Name: fmt.Sprintf("示例县第%05d号有限公司", i), CreditCode: enterprise.DemoCreditCode(county, 300000+i),
				TownCode: county + towns[i%len(towns)], Sector: sectors[i%len(sectors)], Scale: enterprise.ScaleBelow, PrincipalName: "王建国", SafetyName: "李志强"})
			if err != nil {
				b.Fatal(err)
			}
			if i%4 == 0 {
				supplied[e.ID] = prepare.SupplyFacts{Has: true, UpdatedOn: "2022-05-01"}
			}
			if i%2 == 0 {
				p, err := svc.CreatePlan(ctx, admin, prepare.Plan{Name: e.Name + "应急预案", Category: prepare.CatEnterprise, EnterpriseID: e.ID, DraftedOn: "2021-10-01"})
				if err != nil {
					b.Fatal(err)
				}
				for _, st := range []prepare.Step{{To: prepare.StateReview, On: "2021-11-01", Experts: "专家", Minutes: "纪要"}, {To: prepare.StatePublished, On: "2021-11-10"}} {
					if p, err = svc.TakeStep(ctx, admin, p.ID, st); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := svc.TakeStep(ctx, filer, p.ID, prepare.Step{To: prepare.StateFiled, On: "2021-11-20"}); err != nil {
					b.Fatal(err)
				}
			}
			if i%3 == 0 {
				if _, err := svc.SaveTeam(ctx, admin, "", prepare.Team{Name: e.Name + "救援队", Kind: prepare.KindEnterprise, Level: "town", EnterpriseID: e.ID,
					Headcount: 10, EstablishedOn: "2021-03-01"}); err != nil {
					b.Fatal(err)
				}
			}
		}
		if db.Engine == store.Postgres {
			_, _ = db.W().Exec("ANALYZE")
		}
		b.ResetTimer()
		for b.Loop() {
			a, err := svc.Assess(ctx, admin, "2022-06", nil)
			if err != nil {
				b.Fatal(err)
			}
			if len(a.Enterprises) != 5000 || len(a.Towns) != len(towns) {
				b.Fatalf("assessed %d enterprises, %d towns", len(a.Enterprises), len(a.Towns))
			}
		}
	})
}
