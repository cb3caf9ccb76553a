package reduction

import (
	"testing"
	"time"

	"yingji/internal/kit/errs"
)

func at(s string) time.Time {
	t, _ := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
	return t
}

func msgOf(err error) string {
	if fe := errs.Fields(err); fe != nil {
		return fe[0].Message
	}
	if e, ok := errs.As(err); ok {
		return e.Message
	}
	return ""
}

func TestReportChain(t *testing.T) {
	ev := Event{StartedAt: at("2022-06-12 06:00")}
	stable := ev
	stable.StableOn = "2022-06-20"
	ini := Report{Kind: KindInitial, Indicators: Indicators{Affected: 1000}, ReportedAt: at("2022-06-12 07:00")}
	fol := Report{Kind: KindFollowup, Indicators: Indicators{Affected: 1100}, ReportedAt: at("2022-06-13 07:00")}
	fin := Report{Kind: KindFinal, Indicators: Indicators{Affected: 1100}, ReportedAt: at("2022-06-22 07:00")}
	cases := []struct {
		name  string
		ev    Event
		chain []Report
		r     Report
		want  string
	}{
		{"initial first", ev, nil, ini, ""},
		{"followup before initial", ev, nil, fol, "reduction.rule.initial_first"},
		{"final before initial", stable, nil, fin, "reduction.rule.initial_first"},
		{"second initial", ev, []Report{ini}, ini, "reduction.rule.initial_once"},
		{"followup", ev, []Report{ini}, fol, ""},
		{"final while ongoing", ev, []Report{ini, fol}, fin, "reduction.rule.final_needs_stable"},
		{"final when stable", stable, []Report{ini, fol}, fin, ""},
		{"after final", stable, []Report{ini, fol, fin}, fol, "reduction.rule.after_final"},
		{"jump without explanation", ev, []Report{ini}, Report{Kind: KindFollowup, Indicators: Indicators{Affected: 2000}, ReportedAt: at("2022-06-13 07:00")}, "reduction.rule.jump_explained"},
		{"jump explained", ev, []Report{ini}, Report{Kind: KindFollowup, Indicators: Indicators{Affected: 2000}, Explanation: "新增核查村组", ReportedAt: at("2022-06-13 07:00")}, ""},
		{"fall without explanation", ev, []Report{ini}, Report{Kind: KindFollowup, Indicators: Indicators{Affected: 900}, ReportedAt: at("2022-06-13 07:00")}, "reduction.rule.jump_explained"},
		{"before the event", ev, nil, Report{Kind: KindInitial, ReportedAt: at("2022-06-11 07:00")}, "reduction.report_before_event"},
		{"before previous", ev, []Report{ini}, Report{Kind: KindFollowup, Indicators: ini.Indicators, ReportedAt: at("2022-06-12 06:30")}, "reduction.report_before_previous"},
		{"negative", ev, nil, Report{Kind: KindInitial, Indicators: Indicators{Dead: -1}, ReportedAt: at("2022-06-12 07:00")}, "reduction.negative"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.r
			err := CheckReport(c.ev, c.chain, &r)
			if got := msgOf(err); got != c.want {
				t.Fatalf("got %q (%v), want %q", got, err, c.want)
			}
			if err == nil && r.Seq != len(c.chain)+1 {
				t.Errorf("seq %d", r.Seq)
			}
			if c.want == "reduction.rule.initial_first" && errs.KindOf(err) != errs.Conflict {
				t.Errorf("a refused step is a conflict (409): %v", errs.KindOf(err))
			}
		})
	}
	// zero report and lateness
	z := Report{Kind: KindInitial, ReportedAt: at("2022-06-12 09:00")}
	if err := CheckReport(ev, nil, &z); err != nil || !z.Zero || !z.Late {
		t.Errorf("zero late initial: %v %+v", err, z)
	}
}

func TestJumps(t *testing.T) {
	for _, c := range []struct {
		a, b Indicators
		n    int
	}{
		{Indicators{Affected: 1000}, Indicators{Affected: 1400}, 0},
		{Indicators{Affected: 1000}, Indicators{Affected: 1600}, 1},
		{Indicators{Affected: 10}, Indicators{Affected: 400}, 0}, // below the minimum rise
		{Indicators{Dead: 0}, Indicators{Dead: 1}, 1},
		{Indicators{LossFen: 100}, Indicators{LossFen: 50}, 1},
	} {
		if got := Jumps(c.a, c.b); len(got) != c.n {
			t.Errorf("%+v → %+v: %v", c.a, c.b, got)
		}
	}
}

func TestCommunityStages(t *testing.T) {
	full := map[string]int{}
	for _, it := range Checklist {
		full[it.Key] = it.Max
	}
	if n, err := ScoreOf(full); n != 100 || err != nil {
		t.Fatalf("full score %d %v", n, err)
	}
	if _, err := ScoreOf(map[string]int{"plan": 16}); err == nil {
		t.Error("a score above the item's maximum is refused")
	}
	cases := []struct {
		name  string
		c     Community
		d     StageDecision
		by    string
		want  string
		stage string
	}{
		{"county pass with 80", Community{Stage: StageApplied, Score: 80, CreatedBy: "u1"}, StageDecision{Stage: StageCounty, Passed: true, On: "2022-05-01"}, "u2", "", StageCounty},
		{"county pass with 79", Community{Stage: StageApplied, Score: 79, CreatedBy: "u1"}, StageDecision{Stage: StageCounty, Passed: true, On: "2022-05-01"}, "u2", "reduction.rule.score_pass", StageApplied},
		{"skip to city", Community{Stage: StageApplied, Score: 90, CreatedBy: "u1"}, StageDecision{Stage: StageCity, Passed: true, On: "2022-05-01"}, "u2", "reduction.rule.stage_order", StageApplied},
		{"own application", Community{Stage: StageApplied, Score: 90, CreatedBy: "u1"}, StageDecision{Stage: StageCounty, Passed: true, On: "2022-05-01"}, "u1", "reduction.rule.own_application", StageApplied},
		{"after refusal", Community{Stage: StageCounty, Failed: true, CreatedBy: "u1"}, StageDecision{Stage: StageCity, Passed: true, On: "2022-05-01"}, "u2", "reduction.rule.stage_failed", StageCounty},
		{"city", Community{Stage: StageCounty, Score: 88, CreatedBy: "u1"}, StageDecision{Stage: StageCity, Passed: true, On: "2022-06-20"}, "u2", "", StageCity},
		{"after national", Community{Stage: StageNational, CreatedBy: "u1"}, StageDecision{Stage: StageNational, Passed: true, On: "2022-06-20"}, "u2", "reduction.rule.stage_order", StageNational},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := c.c
			err := Decide(&x, c.d, c.by)
			if got := msgOf(err); got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
			if x.Stage != c.stage {
				t.Errorf("stage %s, want %s", x.Stage, c.stage)
			}
		})
	}
}

func TestOfficerRules(t *testing.T) {
	a := Officer{ID: "a", VillageCode: "349901100201", Name: "王立新", Phone: "13905531234", Role: RoleA}
	b := Officer{ID: "b", VillageCode: "349901100201", Name: "李明", Phone: "13905531235", Role: RoleB}
	a2 := Officer{VillageCode: "349901100201", Name: "张军", Phone: "13905531236", Role: RoleA}
	if err := ValidateOfficer(&a2, []Officer{a, b}, "2022-06-30"); msgOf(err) != "reduction.rule.one_a_per_village" {
		t.Errorf("second A: %v", err)
	}
	bad := Officer{VillageCode: "349901100201", Name: "张军", Phone: "12345", Role: RoleB}
	if err := ValidateOfficer(&bad, nil, "2022-06-30"); msgOf(err) != "reduction.phone_invalid" {
		t.Errorf("phone: %v", err)
	}
	if err := CheckRemoveOfficer(b, []Officer{b}); msgOf(err) != "reduction.rule.last_officer" {
		t.Errorf("last: %v", err)
	}
	if err := CheckRemoveOfficer(a, []Officer{a, b}); msgOf(err) != "reduction.rule.a_needs_successor" {
		t.Errorf("A: %v", err)
	}
	if err := CheckRemoveOfficer(b, []Officer{a, b}); err != nil {
		t.Errorf("B: %v", err)
	}
}

func TestScanAndTraining(t *testing.T) {
	c := Checkpoint{ActiveFrom: "2022-01-10", ActiveTo: "2022-05-31"}
	prev := []ScanCount{{ID: "x", From: "2022-02-01", To: "2022-02-28"}}
	for _, x := range []struct {
		from, to, want string
	}{{"2022-03-01", "2022-03-31", ""}, {"2022-02-15", "2022-03-15", "reduction.rule.scan_overlap"}, {"2022-01-01", "2022-01-31", "reduction.rule.scan_outside_active"}} {
		s := ScanCount{From: x.from, To: x.to, Scans: 10}
		if got := msgOf(CheckScan(c, &s, prev)); got != x.want {
			t.Errorf("%s–%s: %q want %q", x.from, x.to, got, x.want)
		}
	}
	tr := Training{Topic: "t", Organiser: "o", Audience: "officers", HeldOn: "2022-04-20", List: []string{"甲", "乙", " "}}
	if err := ValidateTraining(&tr, "2022-06-30"); err != nil || tr.Attendees != 2 {
		t.Errorf("count from list: %v %d", err, tr.Attendees)
	}
	tr2 := Training{Topic: "t", Organiser: "o", Audience: "officers", HeldOn: "2022-04-20", Attendees: 1, List: []string{"甲", "乙"}}
	if msgOf(ValidateTraining(&tr2, "2022-06-30")) != "reduction.count_below_list" {
		t.Error("a count below the list is refused")
	}
	if v, ok := ParseDecimal("12.3", 1); !ok || v != 123 {
		t.Errorf("decimal %d", v)
	}
	if _, ok := ParseDecimal("1.234", 2); ok {
		t.Error("too many decimals")
	}
}
