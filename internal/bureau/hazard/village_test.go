package hazard_test

import (
	"context"
	"testing"

	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

// Village staff (a town user limited to a village) read the hazards of
// their village's enterprises — in the ledger, its counts and by ID — and
// nothing else of their town.
func TestVillageStaffSeeTheirVillagesHazards(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		jg := f.p(t, "zhifa")
		a, b := twoEnterprises(t, f)
		if a.TownCode[:9] != b.TownCode[:9] {
			// Put both in one town, so the town alone cannot tell them apart.
			if _, err := db.W().ExecContext(ctx, `UPDATE enterprise SET town_code = $1 WHERE id = $2`, a.TownCode, b.ID); err != nil {
				t.Fatal(err)
			}
		}
		village := a.TownCode[:9] + "201"
		if _, err := db.W().ExecContext(ctx, `UPDATE enterprise SET village_code = $1 WHERE id = $2`, village, a.ID); err != nil {
			t.Fatal(err)
		}
		mine, err := f.svc.Report(ctx, jg, hazard.NewHazard{EnterpriseID: a.ID, Source: hazard.SourceInspection, Category: hazard.CatThing,
			Description: "村内企业：配电箱未接地", FoundOn: "2022-06-01"})
		if err != nil {
			t.Fatal(err)
		}
		other, err := f.svc.Report(ctx, jg, hazard.NewHazard{EnterpriseID: b.ID, Source: hazard.SourceInspection, Category: hazard.CatThing,
			Description: "同镇他村企业：消防通道堵塞", FoundOn: "2022-06-01"})
		if err != nil {
			t.Fatal(err)
		}
		cun := &auth.Principal{UserID: "cun1", Username: "cun1", Role: auth.RoleTown, RegionCode: village, CountyCode: a.CountyCode}
		list, counts, err := f.svc.Page(ctx, cun, hazard.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range list {
			if r.EnterpriseID != a.ID {
				t.Errorf("village staff see %s (%s)", r.PlaceName, r.Description)
			}
		}
		if len(list) == 0 || counts.Found != len(list) {
			t.Fatalf("village ledger: %d rows, found %d", len(list), counts.Found)
		}
		if _, err := f.svc.Get(ctx, cun, mine.ID); err != nil {
			t.Fatalf("own village's hazard by ID: %v", err)
		}
		if _, err := f.svc.Get(ctx, cun, other.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("another village's hazard by ID: %v", err)
		}
		if _, err := f.svc.Do(ctx, cun, mine.ID, hazard.StepInput{Action: hazard.ActGrade, Grade: hazard.General, On: "2022-06-02"}, nil); err == nil {
			t.Fatal("village staff took a step")
		}
	})
}
