package prepare

import (
	"testing"

	"yingji/internal/kit/calendar"
	"yingji/internal/kit/errs"
)

// TestLifecycleRules walks the plan lifecycle table: every allowed step
// and the refusals with their rule (409) or field (422).
func TestLifecycleRules(t *testing.T) {
	cal := calendar.New(nil, nil)
	full := Step{Experts: "专家甲、专家乙", Minutes: "纪要", Body: "县政府常务会议", Trigger: "law"}
	with := func(to, on string) Step { s := full; s.To, s.On = to, on; return s }
	cases := []struct {
		name     string
		plan     Plan
		step     Step
		state    string // expected state after ("" when refused)
		conflict string // expected rule code
		field    string // expected field error
	}{
		{"draft to consultation", Plan{Category: CatSpecial, State: StateDraft}, with(StateConsultation, "2022-03-01"), StateConsultation, "", ""},
		{"draft to review", Plan{Category: CatSpecial, State: StateDraft}, with(StateReview, "2022-03-01"), StateReview, "", ""},
		{"review needs experts", Plan{Category: CatSpecial, State: StateDraft}, Step{To: StateReview, On: "2022-03-01", Minutes: "x"}, "", "", "experts"},
		{"评审 needs minutes", Plan{Category: CatEnterprise, ReviewKind: ReviewExpert, State: StateDraft}, Step{To: StateReview, On: "2022-03-01", Experts: "x"}, "", "", "minutes"},
		{"论证 without minutes", Plan{Category: CatEnterprise, ReviewKind: ReviewDemo, State: StateDraft}, Step{To: StateReview, On: "2022-03-01", Experts: "x"}, StateReview, "", ""},
		{"special plan published without review", Plan{Category: CatSpecial, State: StateDraft}, with(StatePublished, "2022-03-01"), "", "prepare.rule.review_required", ""},
		{"enterprise plan published without review", Plan{Category: CatEnterprise, State: StateConsultation}, with(StatePublished, "2022-03-01"), "", "prepare.rule.review_required", ""},
		{"department plan published without review", Plan{Category: CatDepartment, State: StateDraft}, with(StatePublished, "2022-03-01"), "", "prepare.rule.review_required", ""},
		{"town plan published without review", Plan{Category: CatTown, State: StateDraft}, with(StatePublished, "2022-03-01"), StatePublished, "", ""},
		{"special plan published without deliberation", Plan{Category: CatSpecial, State: StateReview, ReviewedOn: "2022-03-01"}, with(StatePublished, "2022-03-05"), "", "prepare.rule.deliberation_required", ""},
		{"department plan published after review", Plan{Category: CatDepartment, State: StateReview, ReviewedOn: "2022-03-01"}, with(StatePublished, "2022-03-05"), StatePublished, "", ""},
		{"deliberation needs a body", Plan{Category: CatOverall, State: StateReview, ReviewedOn: "2022-03-01"}, Step{To: StateDeliberation, On: "2022-03-05"}, "", "", "body"},
		{"deliberation then publish", Plan{Category: CatOverall, State: StateDeliberation, ReviewedOn: "2022-03-01", DeliberatedOn: "2022-03-05"}, with(StatePublished, "2022-03-08"), StatePublished, "", ""},
		{"filing from draft refused", Plan{Category: CatSpecial, State: StateDraft}, with(StateFiled, "2022-03-01"), "", "prepare.rule.transition", ""},
		{"filing after publication", Plan{Category: CatSpecial, State: StatePublished, PublishedOn: "2022-03-01"}, with(StateFiled, "2022-03-10"), StateFiled, "", ""},
		{"revision needs a trigger", Plan{Category: CatSpecial, State: StateFiled, FiledOn: "2022-03-01"}, Step{To: StateRevising, On: "2022-04-01"}, "", "", "trigger"},
		{"revision", Plan{Category: CatSpecial, State: StateFiled, FiledOn: "2022-03-01", Version: 1}, with(StateRevising, "2022-04-01"), StateRevising, "", ""},
		{"assessment of an enterprise plan refused", Plan{Category: CatEnterprise, State: StateFiled}, with(StepAssess, "2022-04-01"), "", "prepare.rule.assess_government_only", ""},
		{"assessment keeps the state", Plan{Category: CatDepartment, State: StateFiled}, with(StepAssess, "2022-04-01"), StateFiled, "", ""},
		{"date before the previous step", Plan{Category: CatSpecial, State: StatePublished, PublishedOn: "2022-03-10"}, with(StateFiled, "2022-03-01"), "", "", "on"},
		{"bad date", Plan{Category: CatSpecial, State: StateDraft}, with(StateConsultation, "2022-13-01"), "", "", "on"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := c.plan
			err := Apply(&p, c.step, cal)
			switch {
			case c.conflict != "":
				e, ok := errs.As(err)
				if !ok || e.Kind != errs.Conflict || e.Message != c.conflict {
					t.Fatalf("err = %v, want 409 %s", err, c.conflict)
				}
			case c.field != "":
				if fe := errs.Fields(err); len(fe) == 0 || fe[0].Field != c.field {
					t.Fatalf("err = %v, want a field error on %s", err, c.field)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				if p.State != c.state {
					t.Fatalf("state = %s, want %s", p.State, c.state)
				}
			}
		})
	}
}

func TestRevisionStartsAVersion(t *testing.T) {
	p := Plan{Category: CatSpecial, State: StateFiled, Version: 1, ReviewedOn: "2019-01-01", DeliberatedOn: "2019-02-01", PublishedOn: "2019-03-01", FiledOn: "2019-03-15"}
	if err := Apply(&p, Step{To: StateRevising, On: "2022-02-14", Trigger: "law"}, calendar.New(nil, nil)); err != nil {
		t.Fatal(err)
	}
	if p.Version != 2 || !p.Revised || p.ReviewedOn != "" || p.PublishedOn != "" || p.DraftedOn != "2022-02-14" {
		t.Fatalf("after revision: %+v", p)
	}
	// The new version may not be published on the old review.
	if err := Apply(&p, Step{To: StatePublished, On: "2022-03-01"}, calendar.New(nil, nil)); errs.KindOf(err) != errs.Conflict {
		t.Fatalf("publish without a new review: %v", err)
	}
}

// TestFilingDeadline: 备案 within 20 working days of publication, with the
// public holidays and make-up working days of the calendar.
func TestFilingDeadline(t *testing.T) {
	cal := calendar.New(nil, nil)
	cases := []struct{ published, due string }{
		{"2022-04-28", "2022-05-30"}, // 劳动节 4/30–5/4 off, 4/24 and 5/7 make-up days
		{"2022-06-01", "2022-06-30"}, // 端午 6/3 off
		{"2022-03-01", "2022-03-29"}, // no holiday: 4 weeks
	}
	for _, c := range cases {
		if got := FilingDue(cal, c.published); got != c.due {
			t.Errorf("FilingDue(%s) = %s, want %s", c.published, got, c.due)
		}
	}
	extra := calendar.New([]string{"2022-03-10"}, nil) // a county holiday moves the limit by a day
	if got := FilingDue(extra, "2022-03-01"); got != "2022-03-30" {
		t.Errorf("with a county holiday: %s", got)
	}
	p := Plan{Category: CatSpecial, State: StateDeliberation, ReviewedOn: "2022-04-01", DeliberatedOn: "2022-04-22"}
	if err := Apply(&p, Step{To: StatePublished, On: "2022-04-28"}, cal); err != nil {
		t.Fatal(err)
	}
	if p.FilingDue != "2022-05-30" || p.NextAssessment != "2025-04-28" {
		t.Fatalf("due %s, next assessment %s", p.FilingDue, p.NextAssessment)
	}
	if !p.FilingOverdue("2022-05-31") || p.FilingOverdue("2022-05-30") {
		t.Fatal("overdue only after the last day")
	}
	if AddYears("2020-02-29", 3) != "2023-02-28" {
		t.Fatal("29 February")
	}
}

func TestTeamValidation(t *testing.T) {
	ok := func() Team {
		return Team{Name: "籍山镇防汛抢险队", Kind: "防汛抢险", Level: "town", RegionCode: "340222100", Headcount: 35, Phone: "13955300001",
			EstablishedOn: "2022-05-10"}
	}
	cases := []struct {
		name  string
		edit  func(*Team)
		field string
	}{
		{"valid", func(*Team) {}, ""},
		{"negative headcount", func(t *Team) { t.Headcount = -3 }, "headcount"},
		{"zero headcount", func(t *Team) { t.Headcount = 0 }, "headcount"},
		{"unknown kind", func(t *Team) { t.Kind = "x" }, "kind"},
		{"bad phone", func(t *Team) { t.Phone = "12345" }, "phone"},
		{"patrol without section", func(t *Team) { t.Kind, t.PatrolLine = KindDykePatrol, 1 }, "dyke_section"},
		{"patrol line 4", func(t *Team) { t.Kind, t.DykeSection, t.PatrolLine = KindDykePatrol, "长江干堤K1", 4 }, "patrol_line"},
		{"enterprise team without enterprise", func(t *Team) { t.Kind = KindEnterprise }, "enterprise_id"},
		{"town team without town", func(t *Team) { t.RegionCode = "" }, "region_code"},
		{"bad date", func(t *Team) { t.EstablishedOn = "2022-02-30" }, "established_on"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := ok()
			c.edit(&x)
			err := ValidateTeam(&x)
			if c.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				if x.Kind != KindFloodRescue {
					t.Fatalf("kind = %s", x.Kind)
				}
				return
			}
			fe := errs.Fields(err)
			found := false
			for _, f := range fe {
				found = found || f.Field == c.field
			}
			if !found {
				t.Fatalf("err = %v, want a field error on %s", err, c.field)
			}
		})
	}
	r := RollCall{OnDate: "2022-05-24", Present: 61, Result: "pass"}
	if err := ValidateRollCall(&r, Team{Headcount: 60}); err == nil {
		t.Fatal("more present than the headcount")
	}
}

func TestReviewKindAndRanking(t *testing.T) {
	if ReviewKindFor("chem_trade", "below") != ReviewExpert || ReviewKindFor("trade", "below") != ReviewDemo || ReviewKindFor("trade", "above") != ReviewExpert {
		t.Fatal("review kinds")
	}
	scores := []Score{{TownCode: "a", Score: 100, Freshness: 10}, {TownCode: "a", Score: 40, Freshness: 30}, {TownCode: "b", Score: 70, Freshness: 5},
		{TownCode: "c", Score: 70, Freshness: 50}}
	r := rank(scores, func(s Score) string { return s.TownCode }, nil)
	if len(r) != 3 || r[0].Key != "b" || r[1].Key != "a" || r[2].Key != "c" || r[1].Complete != 1 || r[1].Score != 70 {
		t.Fatalf("ranking = %+v", r)
	}
}
