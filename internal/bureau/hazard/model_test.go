package hazard

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"yingji/internal/kit/store"
)

func d(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02", s, shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

func TestLoopHappyPathAndRules(t *testing.T) {
	h := Hazard{State: Reported, Source: SourceInspection, FoundOn: d("2022-03-01")}
	var err error
	steps := []struct {
		s    Step
		rule string
	}{
		{Step{Action: ActGrade, Grade: Major}, "hazard.rule.major_needs_clause"},
		{Step{Action: ActOrder, Deadline: d("2022-04-01"), DocNumber: "x"}, "hazard.rule.wrong_state"},
		{Step{Action: ActGrade, Grade: General}, ""},
		{Step{Action: ActOrder, Deadline: d("2022-02-01"), DocNumber: "（示）应急责改〔2022〕1号"}, "hazard.rule.deadline_before_found"},
		{Step{Action: ActOrder, Deadline: d("2022-04-01")}, "hazard.rule.order_needs_document"},
		{Step{Action: ActOrder, Deadline: d("2022-04-01"), DocNumber: "（示）应急责改〔2022〕1号"}, ""},
		{Step{Action: ActSubmit, By: "ent"}, "hazard.rule.evidence_required"},
		{Step{Action: ActSubmit, By: "ent", Evidence: 2}, ""},
		{Step{Action: ActVerify, By: "ent"}, "hazard.rule.verifier_is_rectifier"},
		{Step{Action: ActReturn, By: "insp"}, "hazard.rule.reason_required"},
		{Step{Action: ActVerify, By: "insp"}, "hazard.rule.verify_needs_document"},
		{Step{Action: ActVerify, By: "insp", DocNumber: "（示）应急复查〔2022〕1号"}, ""},
		{Step{Action: ActClose, By: "insp"}, ""},
		{Step{Action: ActExtend, Deadline: d("2022-05-01"), Reason: "x"}, "hazard.rule.closed"},
	}
	for i, st := range steps {
		var n Hazard
		n, err = Apply(h, st.s)
		var re *RuleError
		switch {
		case st.rule == "" && err != nil:
			t.Fatalf("step %d %s: %v", i, st.s.Action, err)
		case st.rule != "" && (!errors.As(err, &re) || re.Rule != st.rule):
			t.Fatalf("step %d %s: got %v, want rule %s", i, st.s.Action, err, st.rule)
		case st.rule != "" && n != h:
			t.Fatalf("step %d: a refused step changed the hazard", i)
		}
		h = n
	}
	if h.State != Closed {
		t.Fatalf("final state %s", h.State)
	}
}

func TestSelfCheckAndMajorPlan(t *testing.T) {
	h := Hazard{State: Reported, Source: SourceSelfCheck, FoundOn: d("2022-03-01")}
	n, err := Apply(h, Step{Action: ActSelfDone, By: "ent", ByEnterprise: true, Evidence: 1})
	if err != nil || n.State != Closed || n.Grade != General {
		t.Fatalf("self done: %v %+v", err, n)
	}
	m := Hazard{State: Graded, Grade: Major, Clause: "工贸10号令 第三条(二)", Source: SourceThirdParty, FoundOn: d("2022-03-01")}
	if _, err := Apply(m, Step{Action: ActOrder, Deadline: d("2022-09-01"), DocNumber: "x"}); err == nil {
		t.Fatal("a major hazard needs its 治理方案 before the order")
	}
	m.PlanComplete = true
	if _, err := Apply(m, Step{Action: ActOrder, Deadline: d("2022-09-01"), DocNumber: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := Apply(Hazard{State: Reported, Source: SourceInspection, FoundOn: d("2022-03-01")}, Step{Action: ActGrade, Grade: Major, Clause: "c", ByEnterprise: true}); err == nil {
		t.Fatal("an enterprise may not grade an inspection's hazard")
	}
}

// TestRandomStepsNeverReachAnInvalidState is the property test: random
// sequences of steps, accepted or refused, always leave a valid hazard.
func TestRandomStepsNeverReachAnInvalidState(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	users := []string{"a", "b", "c"}
	for run := 0; run < 3000; run++ {
		h := Hazard{State: Reported, Source: Sources[r.IntN(len(Sources))], FoundOn: d("2022-01-10").AddDate(0, 0, r.IntN(100)),
			PlanComplete: r.IntN(2) == 0}
		for i := 0; i < 30; i++ {
			s := Step{Action: Actions[r.IntN(len(Actions))], By: users[r.IntN(len(users))], ByEnterprise: r.IntN(4) == 0,
				On: h.FoundOn.AddDate(0, 0, r.IntN(200)-20), Grade: []Grade{General, Major, ""}[r.IntN(3)],
				Clause: []string{"", "第三条"}[r.IntN(2)], Deadline: h.FoundOn.AddDate(0, 0, r.IntN(200)-30),
				OnSite: r.IntN(2) == 0, DocNumber: []string{"", "号"}[r.IntN(2)], Evidence: r.IntN(3), Reason: []string{"", "原因"}[r.IntN(2)]}
			if r.IntN(8) == 0 {
				s.Deadline = time.Time{}
			}
			n, err := Apply(h, s)
			if err != nil {
				var re *RuleError
				if !errors.As(err, &re) {
					t.Fatalf("non-rule error: %v", err)
				}
				if n != h {
					t.Fatalf("refused step changed the hazard: %+v → %+v", h, n)
				}
				continue
			}
			if err := Valid(n); err != nil {
				t.Fatalf("run %d step %d %+v from %+v: invalid %+v: %v", run, i, s, h, n, err)
			}
			h = n
		}
	}
}

func TestStepsKeepTheirOrder(t *testing.T) {
	h := Hazard{State: Ordered, Grade: General, FoundOn: d("2022-03-01"), Deadline: d("2022-03-20")}
	h, err := Apply(h, Step{Action: ActStart, On: d("2022-03-05")})
	if err != nil || !h.LastOn.Equal(d("2022-03-05")) {
		t.Fatalf("start: %v %v", err, h.LastOn)
	}
	_, err = Apply(h, Step{Action: ActSubmit, On: d("2022-03-04"), Evidence: 1, By: "u1"})
	var re *RuleError
	if !errors.As(err, &re) || re.Rule != "hazard.rule.before_last_step" || re.Args["Day"] != "2022-03-05" {
		t.Fatalf("a step dated before the previous one: %v", err)
	}
	if _, err := Apply(h, Step{Action: ActSubmit, On: d("2022-03-05"), Evidence: 1, By: "u1"}); err != nil {
		t.Fatalf("a step on the same day: %v", err)
	}
}

func TestCards(t *testing.T) {
	r := DefaultCardRules()
	h := Hazard{State: Rectifying, FoundOn: d("2022-03-01"), Deadline: d("2022-03-11")}
	cases := map[string]Card{"2022-03-05": NoCard, "2022-03-10": Yellow, "2022-03-11": Yellow, "2022-03-12": Red}
	for on, want := range cases {
		if got := CardFor(h, d(on), r); got != want {
			t.Errorf("%s: %q, want %q", on, got, want)
		}
	}
	h.State = Closed
	if CardFor(h, d("2022-04-01"), r) != NoCard {
		t.Error("closed hazards carry no card")
	}
	// Rectification reported: the enterprise is no longer late, however
	// long the review takes; sent back, it is late again.
	for _, s := range []State{PendingReview, Verified} {
		h.State = s
		if CardFor(h, d("2022-04-01"), r) != NoCard || Overdue(h, d("2022-04-01")) {
			t.Errorf("%s: carded or overdue after the rectification was reported", s)
		}
	}
	h.State = Rectifying
	if CardFor(h, d("2022-04-01"), r) != Red || !Overdue(h, d("2022-04-01")) {
		t.Error("sent back for rectification after the deadline: red and overdue")
	}
	if !LetterDue(d("2022-03-12"), d("2022-03-19"), r) || LetterDue(d("2022-03-12"), d("2022-03-18"), r) {
		t.Error("letter after 7 days of red")
	}
}

func TestPeriods(t *testing.T) {
	if got := (Period{2022, 1}).Due(); !got.Equal(d("2022-04-15")) {
		t.Errorf("Q1 due %v", got)
	}
	if got := (Period{2022, 4}).Due(); !got.Equal(d("2023-01-15")) {
		t.Errorf("Q4 due %v", got)
	}
	if got := (Period{2021, 0}).Due(); !got.Equal(d("2022-01-31")) {
		t.Errorf("year due %v", got)
	}
	due := PeriodsDue(2022, d("2022-07-20"))
	if len(due) != 2 || due[0].String() != "2022Q1" || due[1].String() != "2022Q2" {
		t.Errorf("periods due: %v", due)
	}
}

func TestPrefixRange(t *testing.T) {
	for _, c := range []struct{ in, sql, lo, hi string }{
		{"349901102", "town_code >= $1 AND town_code < $2", "349901102", "349901103"},
		{"349901109", "town_code >= $1 AND town_code < $2", "349901109", "34990111"},
		{"999", "town_code LIKE $1", "999%", ""},
		{"34990a", "town_code LIKE $1", "34990a%", ""},
	} {
		var w store.Where
		PrefixRange(&w, "town_code", c.in)
		if !strings.Contains(w.SQL(), c.sql) || w.Args()[0] != c.lo || (c.hi != "" && w.Args()[1] != c.hi) {
			t.Errorf("%s: %s %v", c.in, w.SQL(), w.Args())
		}
	}
}

func TestClauseFits(t *testing.T) {
	cases := []struct {
		code, sector string
		want         bool
	}{
		{"gm10-3-1", "machinery", true}, {"gm10-3-1", "mine", false}, {"ks88-d-18", "mine", true}, {"ks88-d-18", "chem_trade", false},
		{"gm10-3-1", "", true}, {"gm10-3-1", "other", true}, {"某部门自行引用的条款", "mine", true},
	}
	for _, c := range cases {
		if _, ok := ClauseOf(c.code); !ok && strings.HasPrefix(c.code, "ks88") {
			t.Fatalf("clause %s is not in the list", c.code)
		}
		if got := ClauseFits(c.code, c.sector); got != c.want {
			t.Errorf("ClauseFits(%s, %s) = %v", c.code, c.sector, got)
		}
	}
	for _, c := range ClausesFor("mine") {
		if !strings.HasPrefix(c.Code, "ks") {
			t.Errorf("a mine is offered %s", c.Code)
		}
	}
	if len(ClausesFor("")) != len(Clauses) {
		t.Error("a hazard without a sector is offered every clause")
	}
}
