package relief

import (
	"strings"
	"testing"
	"time"

	"yingji/internal/kit/errs"
	"yingji/internal/kit/person"
)

func errMsg(err error) string {
	if e, ok := errs.As(err); ok {
		return string(e.Kind) + " " + e.Message
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestCheckStep walks the approval chain: each step only after the one
// before, the notice's period, objections, the roles and four eyes.
func TestCheckStep(t *testing.T) {
	town := Actor{UserID: "t1", Town: "349901100", TownStaff: true}
	town2 := Actor{UserID: "t2", Town: "349901100", TownStaff: true}
	other := Actor{UserID: "t3", Town: "349901101", TownStaff: true}
	leader := Actor{UserID: "l", County: true}
	h := func(step, pubTo string) Household {
		return Household{Step: step, TownCode: "349901100", EnteredBy: "t1", PublicityTo: pubTo}
	}
	today := "2022-06-30"
	cases := []struct {
		name string
		h    Household
		a    Actor
		in   StepInput
		open int
		want string // new step, or the error's kind and message
	}{
		{"village after the report", h(StepReported, ""), town2, StepInput{Step: StepVillage, Approved: true}, 0, StepVillage},
		{"four eyes: the entrant assesses", h(StepReported, ""), town, StepInput{Step: StepVillage, Approved: true}, 0, "conflict relief.rule.four_eyes"},
		{"skip the village", h(StepReported, ""), town2, StepInput{Step: StepTown, Approved: true}, 0, "conflict relief.rule.order"},
		{"skip to the county", h(StepVillage, ""), leader, StepInput{Step: StepCounty, Approved: true}, 0, "conflict relief.rule.order"},
		{"repeat the village", h(StepVillage, ""), town2, StepInput{Step: StepVillage, Approved: true}, 0, "conflict relief.rule.order"},
		{"another town", h(StepReported, ""), other, StepInput{Step: StepVillage, Approved: true}, 0, "forbidden relief.rule.role_town"},
		{"the county is not the town", h(StepReported, ""), leader, StepInput{Step: StepVillage, Approved: true}, 0, "forbidden relief.rule.role_town"},
		{"village rejects", h(StepReported, ""), town2, StepInput{Step: StepVillage, Note: "收入超标"}, 0, StepRejected},
		{"rejecting needs a reason", h(StepReported, ""), town2, StepInput{Step: StepVillage}, 0, "invalid relief.reject_reason_required"},
		{"the entrant may post the notice", h(StepVillage, ""), town, StepInput{Step: StepPublicity, Approved: true, PublicityFrom: "2022-06-20", PublicityTo: "2022-06-26"}, 0, StepPublicity},
		{"notice too short", h(StepVillage, ""), town, StepInput{Step: StepPublicity, Approved: true, PublicityFrom: "2022-06-20", PublicityTo: "2022-06-23"}, 0, "invalid relief.publicity_short"},
		{"notice without dates", h(StepVillage, ""), town, StepInput{Step: StepPublicity, Approved: true}, 0, "invalid relief.date_invalid"},
		{"town review after the notice", h(StepPublicity, "2022-06-26"), town2, StepInput{Step: StepTown, Approved: true}, 0, StepTown},
		{"town review during the notice", h(StepPublicity, "2022-06-30"), town2, StepInput{Step: StepTown, Approved: true}, 0, "conflict relief.rule.publicity_running"},
		{"town review with open objections", h(StepPublicity, "2022-06-26"), town2, StepInput{Step: StepTown, Approved: true}, 1, "conflict relief.rule.objections_open"},
		{"town may reject with open objections", h(StepPublicity, "2022-06-26"), town2, StepInput{Step: StepTown, Note: "异议成立"}, 1, StepRejected},
		{"town review by the entrant", h(StepPublicity, "2022-06-26"), town, StepInput{Step: StepTown, Approved: true}, 0, "conflict relief.rule.four_eyes"},
		{"county decides", h(StepTown, ""), leader, StepInput{Step: StepCounty, Approved: true}, 0, StepCounty},
		{"a town cannot decide", h(StepTown, ""), town2, StepInput{Step: StepCounty, Approved: true}, 0, "forbidden relief.rule.role_county"},
		{"the county's own entry", Household{Step: StepTown, TownCode: "349901100", EnteredBy: "l"}, leader, StepInput{Step: StepCounty, Approved: true}, 0, "conflict relief.rule.four_eyes"},
		{"decided is closed", h(StepCounty, ""), leader, StepInput{Step: StepCounty, Approved: true}, 0, "conflict relief.rule.closed"},
		{"rejected is closed", h(StepRejected, ""), town2, StepInput{Step: StepVillage, Approved: true}, 0, "conflict relief.rule.closed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := c.in
			got, err := CheckStep(c.h, c.a, &in, today, c.open)
			if err != nil {
				got = errMsg(err)
			}
			if got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

// TestCheckPayment checks the payment cap and the other payment rules.
func TestCheckPayment(t *testing.T) {
	prog := Programme{PeriodFrom: "2021-12-01", PeriodTo: "2022-05-31", Standards: []Standard{{"food", 30000}, {"clothing", 20000}}}
	h := Household{Step: StepCounty, Members: []Member{{ID: "m1"}}}
	cases := []struct {
		name string
		h    Household
		in   PaymentInput
		want string
	}{
		{"at the standard", h, PaymentInput{MemberID: "m1", Category: "food", Amount: 30000, PaidOn: "2022-01-10"}, ""},
		{"one 分 above", h, PaymentInput{MemberID: "m1", Category: "food", Amount: 30001, PaidOn: "2022-01-10"}, "conflict relief.rule.above_standard"},
		{"category by its Chinese name", h, PaymentInput{MemberID: "m1", Category: "衣被", Amount: 100, PaidOn: "2022-01-10"}, ""},
		{"no standard", h, PaymentInput{MemberID: "m1", Category: "medical", Amount: 100, PaidOn: "2022-01-10"}, "invalid relief.category_no_standard"},
		{"zero", h, PaymentInput{MemberID: "m1", Category: "food", PaidOn: "2022-01-10"}, "invalid relief.amount_positive"},
		{"goods", h, PaymentInput{MemberID: "m1", Category: "clothing", Mode: "goods", Item: "棉被", Quantity: 1, PaidOn: "2022-01-10"}, ""},
		{"goods without quantity", h, PaymentInput{MemberID: "m1", Category: "clothing", Mode: "goods", Item: "棉被", PaidOn: "2022-01-10"}, "invalid relief.quantity_positive"},
		{"outside the period", h, PaymentInput{MemberID: "m1", Category: "food", Amount: 100, PaidOn: "2022-06-01"}, "invalid relief.paid_outside_period"},
		{"not a member", h, PaymentInput{MemberID: "m9", Category: "food", Amount: 100, PaidOn: "2022-01-10"}, "invalid relief.member_unknown"},
		{"not decided", Household{Step: StepTown, Members: h.Members}, PaymentInput{MemberID: "m1", Category: "food", Amount: 100, PaidOn: "2022-01-10"}, "conflict relief.rule.not_decided"},
	}
	for _, c := range cases {
		in := c.in
		if got := errMsg(CheckPayment(prog, c.h, &in)); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

func TestValidateHousehold(t *testing.T) {
	today := time.Date(2022, 6, 30, 0, 0, 0, 0, time.UTC)
	good := Household{HeadName: "王长江", TownCode: "349901100", VillageCode: "349901100201", Members: []Member{{Name: "王长江", IDNumber: DemoID(1)}}}
	if err := ValidateHousehold(&good, today); err != nil {
		t.Fatal(err)
	}
	bad := DemoID(2)
	bad = bad[:17] + map[bool]string{true: "0", false: "X"}[bad[17] == 'X']
	h := good
	h.Members = []Member{{Name: "王长江", IDNumber: DemoID(1)}, {Name: "王小平", IDNumber: bad}, {Name: "王长江", IDNumber: " " + strings.ToLower(DemoID(1)) + " "}}
	fe := errs.Fields(ValidateHousehold(&h, today))
	if len(fe) != 2 || fe[0].Field != "members.1.id_number" || fe[0].Message != "relief.id_invalid" ||
		fe[1].Field != "members.2.id_number" || fe[1].Message != "relief.id_twice_in_household" {
		t.Fatalf("field errors: %v", fe)
	}
	h = good
	h.VillageCode = "349901101201"
	if fe := errs.Fields(ValidateHousehold(&h, today)); len(fe) != 1 || fe[0].Field != "village_code" {
		t.Fatalf("village of another town: %v", fe)
	}
}

// FuzzHouseholdID: whatever is typed as an ID number, a household is
// accepted only with a valid GB 11643 number, stored normalised.
func FuzzHouseholdID(f *testing.F) {
	for _, s := range []string{DemoID(1), DemoID(2)[:17] + "0", "34990519450101000X", "", "abc", "3499051945010100", " 349905-19450101-0001 "} {
		f.Add(s)
	}
	today := time.Date(2022, 6, 30, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, id string) {
		h := Household{HeadName: "王", TownCode: "349901100", VillageCode: "349901100201", Members: []Member{{Name: "王", IDNumber: id}}}
		err := ValidateHousehold(&h, today)
		norm := person.NormalizeID(id)
		_, valid := person.CheckID(norm, today)
		if (err == nil) != valid {
			t.Fatalf("%q: accepted %v, valid %v (%v)", id, err == nil, valid, err)
		}
		if err == nil && (h.Members[0].IDNumber != norm || !person.IDNumberOK(h.Members[0].IDNumber)) {
			t.Fatalf("%q stored as %q", id, h.Members[0].IDNumber)
		}
		if err != nil && !strings.HasPrefix(errs.Fields(err)[0].Field, "members.0.") {
			t.Fatalf("%q: error on %v", id, errs.Fields(err))
		}
	})
}

func TestDuplicates(t *testing.T) {
	people := []Person{
		{"a", "h1", "p1"}, {"b", "h1", "p1"}, {"a", "h2", "p1"}, // a in two households of p1
		{"a", "h9", "p2"},                    // another programme: not a duplicate here
		{"c", "h3", "p1"}, {"a", "h4", "p1"}, // a in a third
	}
	got := Duplicates(people)
	if len(got) != 1 || got[0].Index != "a" || strings.Join(got[0].Households, ",") != "h1,h2,h4" {
		t.Fatalf("duplicates: %+v", got)
	}
}

func TestYuan(t *testing.T) {
	for s, want := range map[string]int64{"231": 23100, "231.5": 23150, "231.05元": 23105, "1,260,000": 126000000} {
		if got, ok := ParseYuan(s); !ok || got != want {
			t.Errorf("ParseYuan(%q) = %d %v", s, got, ok)
		}
	}
	for _, s := range []string{"", "1.234", "-1", "abc", ".5"} {
		if _, ok := ParseYuan(s); ok {
			t.Errorf("ParseYuan(%q) accepted", s)
		}
	}
	if Yuan(126000000) != "1260000.00" || Yuan(5) != "0.05" {
		t.Error(Yuan(126000000), Yuan(5))
	}
}

// TestDemoAmounts: the demo's winter payments add up to 126万元 for 5452
// people, none above its standard.
func TestDemoAmounts(t *testing.T) {
	cats, amounts := DemoAmounts(DemoPeople, DemoAmount)
	prog := Programme{Standards: demoStandards}
	var sum int64
	for i, a := range amounts {
		std, ok := prog.StandardOf(cats[i])
		if !ok || a <= 0 || a > std {
			t.Fatalf("person %d: %s %d (standard %d)", i, cats[i], a, std)
		}
		sum += a
	}
	if sum != DemoAmount || len(amounts) != 5452 {
		t.Fatalf("sum %d for %d people", sum, len(amounts))
	}
	seen := map[string]bool{}
	for n := range 30000 {
		id := DemoID(n)
		if !person.IDNumberOK(id) || seen[id] {
			t.Fatalf("DemoID(%d) = %s", n, id)
		}
		seen[id] = true
	}
}

// BenchmarkDuplicates is the duplicate check across 100,000 people.
func BenchmarkDuplicates(b *testing.B) {
	people := make([]Person, 100_000)
	for i := range people {
		people[i] = Person{Index: DemoID(i % 99_000), HouseholdID: DemoID(i / 3), ProgrammeID: "p1"}
	}
	b.ResetTimer()
	for b.Loop() {
		if d := Duplicates(people); len(d) != 1000 {
			b.Fatalf("%d duplicates", len(d))
		}
	}
}

func TestCheckEditAndReturn(t *testing.T) {
	town := Actor{UserID: "u2", Town: "349901100", TownStaff: true}
	otherTown := Actor{UserID: "u3", Town: "349901101", TownStaff: true}
	county := Actor{UserID: "u4", County: true}
	for _, c := range []struct {
		step, edit string
	}{{StepReported, ""}, {StepVillage, ""}, {StepPublicity, "rule.edit_after_publicity"},
		{StepTown, "rule.edit_after_publicity"}, {StepCounty, "rule.edit_closed"}, {StepRejected, "rule.edit_closed"}} {
		if got := errMsg(CheckEdit(Household{Step: c.step})); !strings.Contains(got, c.edit) || (c.edit == "" && got != "") {
			t.Errorf("edit at %s: %q, want %q", c.step, got, c.edit)
		}
	}
	for _, c := range []struct {
		step string
		a    Actor
		note string
		want string
	}{
		{StepPublicity, town, "录错", ""},
		{StepTown, town, "录错", ""},
		{StepTown, county, "录错", ""},
		{StepPublicity, county, "录错", "rule.role_return"},
		{StepPublicity, otherTown, "录错", "rule.role_return"},
		{StepPublicity, town, " ", "return_reason_required"},
		{StepReported, town, "录错", "rule.return_not_needed"},
		{StepCounty, county, "录错", "rule.closed"},
	} {
		h := Household{Step: c.step, TownCode: "349901100", EnteredBy: "u1"}
		if got := errMsg(CheckReturn(h, c.a, c.note)); !strings.Contains(got, c.want) || (c.want == "" && got != "") {
			t.Errorf("return at %s by %+v: %q, want %q", c.step, c.a, got, c.want)
		}
	}
	// The editor is bound by four eyes like the entrant.
	h := Household{Step: StepReported, TownCode: "349901100", EnteredBy: "u1", EditedBy: "u2"}
	if _, err := CheckStep(h, town, &StepInput{Step: StepVillage, Approved: true}, "2022-06-30", 0); !strings.Contains(errMsg(err), "four_eyes") {
		t.Errorf("editor assesses: %v", err)
	}
}
