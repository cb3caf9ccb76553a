package prepare_test

import (
	"context"
	"testing"

	"yingji/internal/bureau/prepare"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

// TestHomeStats: the preparedness home figures count plans awaiting 备案
// (and those past the limit), assessments due, drills with open tasks and
// teams not roll-called this year, from records, in scope; and each link
// lists exactly what was counted.
func TestHomeStats(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		town := county + "100"
		// A town plan needs no review: drafted, published, maybe filed (by another person).
		plan := func(name, drafted, published, filed string) {
			t.Helper()
			p, err := f.svc.CreatePlan(ctx, f.admin, prepare.Plan{Name: name, Category: prepare.CatTown, RegionCode: town, OwnerUnit: "籍山镇人民政府", DraftedOn: drafted})
			if err != nil {
				t.Fatal(err)
			}
			if p, err = f.svc.TakeStep(ctx, f.admin, p.ID, prepare.Step{To: prepare.StatePublished, On: published}); err != nil {
				t.Fatal(err)
			}
			if filed != "" {
				if _, err = f.svc.TakeStep(ctx, f.sec, p.ID, prepare.Step{To: prepare.StateFiled, On: filed}); err != nil {
					t.Fatal(err)
				}
			}
		}
		// A department plan is reviewed, and assessed every 3 years from publication.
		dept := func(name, drafted, reviewed, published, filed string) {
			t.Helper()
			p, err := f.svc.CreatePlan(ctx, f.admin, prepare.Plan{Name: name, Category: prepare.CatDepartment, OwnerUnit: "县水利局", DraftedOn: drafted})
			if err != nil {
				t.Fatal(err)
			}
			if p, err = f.svc.TakeStep(ctx, f.admin, p.ID, prepare.Step{To: prepare.StateReview, On: reviewed, Experts: "张明", Minutes: "纪要"}); err != nil {
				t.Fatal(err)
			}
			if p, err = f.svc.TakeStep(ctx, f.admin, p.ID, prepare.Step{To: prepare.StatePublished, On: published}); err != nil {
				t.Fatal(err)
			}
			if filed != "" {
				if _, err = f.svc.TakeStep(ctx, f.sec, p.ID, prepare.Step{To: prepare.StateFiled, On: filed}); err != nil {
					t.Fatal(err)
				}
			}
		}
		plan("籍山镇防汛预案", "2022-06-01", "2022-06-20", "")                            // awaiting 备案, within the limit
		plan("籍山镇地质灾害预案", "2022-04-01", "2022-04-20", "")                          // awaiting 备案, past the limit
		plan("籍山镇总体预案", "2022-01-01", "2022-01-20", "2022-02-10")                  // filed; a town plan has no 3-year assessment
		dept("县水利局森林防火预案", "2019-05-01", "2019-06-01", "2019-07-20", "2019-08-01") // assessment due 2022-07-20
		dept("县水利局地质灾害预案", "2021-05-01", "2021-06-01", "2021-07-20", "2021-08-01") // assessment far off

		d1, err := f.svc.CreateDrill(ctx, f.admin, prepare.Drill{Name: "籍山镇防汛演练", DrillOn: "2022-05-20", Form: "field", RegionCode: town,
			Tasks: []prepare.DrillTask{{Problem: "通信不畅", Owner: "籍山镇", DueOn: "2022-07-20"}}})
		if err != nil {
			t.Fatal(err)
		}
		d2, err := f.svc.CreateDrill(ctx, f.admin, prepare.Drill{Name: "籍山镇桌面推演", DrillOn: "2022-04-10", Form: "tabletop", RegionCode: town,
			Tasks: []prepare.DrillTask{{Problem: "分工不清", Owner: "籍山镇", DueOn: "2022-05-10"}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.CloseTask(ctx, f.admin, d2.ID, d2.Tasks[0].ID, "2022-05-08"); err != nil {
			t.Fatal(err)
		}
		var teams []prepare.Team
		for _, name := range []string{"籍山镇综合救援队", "籍山镇防汛抢险队"} {
			tm, err := f.svc.SaveTeam(ctx, f.admin, "", prepare.Team{Name: name, Kind: prepare.KindComprehensive, Level: "town", RegionCode: town, Headcount: 30,
				Leader: "王建华", Phone: "13955301234", EstablishedOn: "2021-03-01"})
			if err != nil {
				t.Fatal(err)
			}
			teams = append(teams, tm)
		}
		if _, err := f.svc.AddRollCall(ctx, f.admin, teams[0].ID, prepare.RollCall{OnDate: "2022-05-24", Present: 28, Result: "pass"}); err != nil {
			t.Fatal(err)
		}

		stats, err := f.svc.HomeStats(ctx, f.admin)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]struct {
			n    int
			link string
		}{
			"prepare.home_to_file":        {2, "/plans?state=published"},
			"prepare.home_filing_overdue": {1, "/plans?overdue=1"},
			"prepare.home_assess_due":     {1, "/plans?assess_due=1"},
			"prepare.home_open_tasks":     {1, "/drills?open_tasks=1"},
			"prepare.home_no_rollcall":    {1, "/teams?no_rollcall=2022"},
		}
		if len(stats) != len(want) {
			t.Errorf("stats: %+v", stats)
		}
		for _, st := range stats {
			w, ok := want[st.Label]
			if !ok || st.Value != w.n || st.Link != w.link {
				t.Errorf("%s = %d %s, want %d %s", st.Label, st.Value, st.Link, w.n, w.link)
			}
			if st.Label == "prepare.home_filing_overdue" && st.Tone != "alert" {
				t.Errorf("overdue tone %q", st.Tone)
			}
		}
		// The links' filters list exactly what was counted.
		if l, _ := f.svc.AllPlans(ctx, f.admin, prepare.PlanFilter{AssessDue: true}); len(l) != 1 || l[0].Name != "县水利局森林防火预案" {
			t.Errorf("assessment due: %+v", l)
		}
		if l, _ := f.svc.AllDrills(ctx, f.admin, prepare.DrillFilter{OpenTasks: true}); len(l) != 1 || l[0].ID != d1.ID {
			t.Errorf("open tasks: %+v", l)
		}
		if l, _ := f.svc.AllTeams(ctx, f.admin, prepare.TeamFilter{NoRollCall: "2022"}); len(l) != 1 || l[0].ID != teams[1].ID {
			t.Errorf("no roll call: %+v", l)
		}
		if l, _ := f.svc.AllTeams(ctx, f.admin, prepare.TeamFilter{NoRollCall: "2021"}); len(l) != 2 {
			t.Errorf("no roll call in 2021: %d teams", len(l))
		}
		// Scope: the mill's account counts its own enterprise's records only (none here).
		own, err := f.svc.HomeStats(ctx, f.millAcct)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range own {
			if st.Value != 0 {
				t.Errorf("enterprise account sees %s = %d", st.Label, st.Value)
			}
		}
		// Read-only staff get no preparedness figures.
		if ro, _ := f.svc.HomeStats(ctx, f.ro); len(ro) != 0 {
			t.Errorf("read-only: %+v", ro)
		}
	})
}
