package supervise_test

import (
	"context"
	"testing"

	"yingji/internal/bureau/hazard"
	"yingji/internal/bureau/hazard/supervise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

// A letter on a general hazard is a letter, not a 重大事故隐患督办函: the
// statistics split letters by the grade of their hazard, and the register
// filters by it.
func TestLetterStatsByGrade(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		leader := f.p(t, "leader")
		g := f.ordered(t, "井下安全出口标识缺失", "2022-05-01", "2022-05-20", hazard.General)
		m := f.ordered(t, "主井提升机制动闸瓦磨损超限", "2022-05-01", "2022-05-20", hazard.Major)
		lg, err := f.svc.IssueLetter(ctx, leader, supervise.LetterInput{HazardID: g.ID, IssuedOn: "2022-06-01", Deadline: "2022-06-08", Measures: "设置标识"})
		if err != nil {
			t.Fatal(err)
		}
		lm, err := f.svc.IssueLetter(ctx, leader, supervise.LetterInput{HazardID: m.ID, IssuedOn: "2022-06-01", Deadline: "2022-06-08", Measures: "更换闸瓦"})
		if err != nil {
			t.Fatal(err)
		}
		f.close(t, g.ID, "2022-06-07")
		f.clock.set("2022-06-10")
		f.sweep(t)
		st, err := f.svc.LetterStats(ctx, leader, "2022-01-01", "2022-06-30")
		if err != nil || st.Issued != 2 || st.Rectified != 1 || st.Overdue != 1 {
			t.Fatalf("all letters: %v %+v", err, st)
		}
		if st.Major.Issued != 1 || st.Major.Rectified != 0 || st.Major.Overdue != 1 || st.General.Issued != 1 || st.General.Rectified != 1 || st.General.Overdue != 0 {
			t.Fatalf("letters by grade: %+v", st)
		}
		list, total, err := f.svc.Letters(ctx, leader, supervise.LetterFilter{Grade: hazard.Major})
		if err != nil || total != 1 || list[0].ID != lm.ID {
			t.Fatalf("major letters: %v %d %+v", err, total, list)
		}
		list, total, _ = f.svc.Letters(ctx, leader, supervise.LetterFilter{Grade: hazard.General})
		if total != 1 || list[0].ID != lg.ID {
			t.Fatalf("general letters: %d %+v", total, list)
		}
	})
}

// The periods of the bureau's clocks are county settings (default 10
// working days each) that reach the hazard loop's board.
func TestClockSettings(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		admin := &auth.Principal{UserID: "admin", Username: "admin", Role: auth.RoleAdmin, CountyCode: "349901"}
		set, err := f.svc.Settings(ctx, "349901")
		if err != nil || set.ListWithin != 10 || set.VerifyWithin != 10 {
			t.Fatalf("defaults: %v %+v", err, set)
		}
		set.ListWithin, set.VerifyWithin = 0, 61
		if _, err := f.svc.SaveSettings(ctx, admin, set); len(errs.Fields(err)) != 2 {
			t.Fatalf("bad periods: %v", err)
		}
		set.ListWithin, set.VerifyWithin = 5, 15
		if _, err := f.svc.SaveSettings(ctx, admin, set); err != nil {
			t.Fatal(err)
		}
		c, err := f.svc.Clocks(ctx, "349901", hazard.DefaultClocks().Calendar)
		if err != nil || c.ListWithin != 5 || c.VerifyWithin != 15 {
			t.Fatalf("clocks: %v %+v", err, c)
		}
	})
}
