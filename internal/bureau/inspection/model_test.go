package inspection

import (
	"fmt"
	"slices"
	"testing"

	"yingji/internal/kit/errs"
)

func ruleOf(err error) string {
	if e, ok := errs.As(err); ok {
		if fs := errs.Fields(err); len(fs) > 0 {
			return fs[0].Field + ":" + fs[0].Message
		}
		return e.Message
	}
	return ""
}

func TestCheckOfficers(t *testing.T) {
	a := Officer{UserID: "a", Name: "甲", CertNo: "1"}
	b := Officer{UserID: "b", Name: "乙", CertNo: "2"}
	cases := []struct {
		name string
		kind Kind
		in   []Officer
		want string
	}{
		{"two certified", KindPlan, []Officer{a, b}, ""},
		{"one", KindPlan, []Officer{a}, "officers:inspection.two_officers"},
		{"same twice", KindRandom, []Officer{a, a}, "officers:inspection.two_officers"},
		{"no certificate", KindPlan, []Officer{a, {UserID: "c", Name: "丙"}}, "officers:inspection.officer_no_cert"},
		{"third party without officers", KindThirdParty, nil, ""},
		{"superior with one", KindSuperior, []Officer{a}, ""},
		{"external officer typed", KindJoint, []Officer{a, {Name: "住建局 王某", CertNo: "JZ001"}}, ""},
	}
	for _, c := range cases {
		if got := ruleOf(CheckOfficers(c.kind, c.in)); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestCheckInspection(t *testing.T) {
	ok := func() InspectionInput {
		return InspectionInput{Kind: KindPlan, On: "2022-06-01", EnterpriseID: "e1",
			Officers: []Officer{{UserID: "a", Name: "甲", CertNo: "1"}, {UserID: "b", Name: "乙", CertNo: "2"}}}
	}
	cases := []struct {
		name string
		edit func(*InspectionInput)
		want string
	}{
		{"ok", func(*InspectionInput) {}, ""},
		{"bad kind", func(in *InspectionInput) { in.Kind = "x" }, "kind:field.invalid"},
		{"future", func(in *InspectionInput) { in.On = "2022-07-01" }, "on:inspection.date_future"},
		{"bad date", func(in *InspectionInput) { in.On = "2022-13-01" }, "on:inspection.date_invalid"},
		{"no place", func(in *InspectionInput) { in.EnterpriseID = "" }, "enterprise_id:inspection.enterprise_or_place"},
		{"place and town", func(in *InspectionInput) {
			in.EnterpriseID, in.PlaceName, in.TownCode = "", "某村山塘", "349901100"
		}, ""},
		{"bad result", func(in *InspectionInput) { in.Items = []Item{{Code: "x", Result: "maybe"}} }, "items:field.invalid"},
		{"government finding outside 督查", func(in *InspectionInput) {
			in.Findings = []Finding{{Party: PartyGovernment, PartyName: "县政府", Text: "x"}}
		}, "findings:inspection.government_only_superior"},
		{"government finding of 督查", func(in *InspectionInput) {
			in.Kind, in.Findings = KindSuperior, []Finding{{Party: PartyGovernment, PartyName: "县政府", Text: "x"}}
		}, ""},
		{"government finding without party", func(in *InspectionInput) {
			in.Kind, in.Findings = KindSuperior, []Finding{{Party: PartyGovernment, Text: "x"}}
		}, "findings:inspection.party_name_required"},
	}
	for _, c := range cases {
		in := ok()
		c.edit(&in)
		if got := ruleOf(CheckInspection(&in, "2022-06-30")); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	in := ok()
	in.Findings = []Finding{{Text: "  "}, {Text: "问题"}}
	if err := CheckInspection(&in, "2022-06-30"); err != nil || len(in.Findings) != 1 || in.Findings[0].Party != PartyEnterprise {
		t.Errorf("blank findings dropped, party defaults to enterprise: %+v %v", in.Findings, err)
	}
}

func TestWorkdaysAndPlan(t *testing.T) {
	if got := Workdays(250, 4, 180, 300); got != 520 {
		t.Errorf("workdays %d", got)
	}
	if got := Workdays(250, 1, 300, 0); got != 0 {
		t.Errorf("workdays never negative: %d", got)
	}
	cases := []struct {
		name string
		p    Plan
		want string
	}{
		{"ok", Plan{Year: 2022, SectionID: "s", Key: []string{"a"}, General: []string{"b"}}, ""},
		{"empty", Plan{Year: 2022, SectionID: "s"}, "key:inspection.plan_empty"},
		{"both", Plan{Year: 2022, SectionID: "s", Key: []string{"a"}, General: []string{"a"}}, "general:inspection.key_and_general"},
		{"share", Plan{Year: 2022, SectionID: "s", Key: []string{"a"}, RandomShare: 120}, "random_share:inspection.share_range"},
		{"monthly sum", Plan{Year: 2022, SectionID: "s", Key: []string{"a", "b"}, Monthly: [12]int{1}}, "monthly:inspection.monthly_sum"},
		{"no section", Plan{Year: 2022, Key: []string{"a"}}, "section_id:field.required"},
	}
	for _, c := range cases {
		if got := ruleOf(CheckPlan(&c.p)); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	p := Plan{Year: 2022, SectionID: "s", Key: make([]string, 0), General: nil, Statutory: 250, Staff: 4, OtherDays: 180, NonEnfDays: 300}
	for i := range 92 {
		p.General = append(p.General, fmt.Sprint("e", i))
	}
	if err := CheckPlan(&p); err != nil || p.Workdays != 520 || p.Monthly[0] != 8 || p.Monthly[11] != 7 {
		t.Errorf("plan: %v %+v", err, p.Monthly)
	}
	done := map[string]bool{}
	for i := range 51 {
		done[fmt.Sprint("e", i)] = true
	}
	done["other"] = true // an enterprise outside the plan does not count
	if pr := ProgressOf(p.General, done); pr != (Progress{Planned: 92, Done: 51, Percent: 55}) {
		t.Errorf("progress %+v", pr)
	}
}

func pool(n, m int) ([]PoolEnterprise, []Inspector) {
	var es []PoolEnterprise
	for i := range n {
		es = append(es, PoolEnterprise{ID: fmt.Sprintf("e%05d", i), Name: fmt.Sprintf("企业%05d", i)})
	}
	var xs []Inspector
	for i := range m {
		xs = append(xs, Inspector{UserID: fmt.Sprintf("u%03d", i), Name: fmt.Sprintf("执法%03d", i), CertNo: fmt.Sprint(1000 + i), Active: true})
	}
	return es, xs
}

func TestDrawReplayAndAvoidance(t *testing.T) {
	es, xs := pool(50, 6)
	xs[0].Related = []string{"e00001", "e00002"}
	in := DrawInput{Seed: SeedOf("2022-1"), Enterprises: es, Inspectors: xs, Count: 20, PerTask: 2}
	a, err := Draw(in)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Draw(in)
	if !slices.EqualFunc(a, b, func(x, y Task) bool {
		return x.EnterpriseID == y.EnterpriseID && slices.Equal(x.Inspectors, y.Inspectors)
	}) {
		t.Fatal("the same input drew differently")
	}
	in2 := in
	in2.Seed = SeedOf("2022-2")
	c, _ := Draw(in2)
	if slices.EqualFunc(a, c, func(x, y Task) bool { return x.EnterpriseID == y.EnterpriseID }) {
		t.Error("another seed drew the same")
	}
	seen := map[string]bool{}
	for _, task := range a {
		if seen[task.EnterpriseID] {
			t.Errorf("enterprise drawn twice: %s", task.EnterpriseID)
		}
		seen[task.EnterpriseID] = true
		if len(task.Inspectors) != 2 || task.Inspectors[0] == task.Inspectors[1] {
			t.Errorf("task %+v", task)
		}
	}
	// A related inspector is never drawn for the enterprise, whatever the seed.
	for s := range 200 {
		in.Seed = uint64(s)
		tasks, err := Draw(in)
		if err != nil {
			t.Fatal(err)
		}
		for _, task := range tasks {
			if (task.EnterpriseID == "e00001" || task.EnterpriseID == "e00002") && slices.Contains(task.Inspectors, "u000") {
				t.Fatalf("seed %d: related inspector drawn for %s", s, task.EnterpriseID)
			}
		}
	}
	// Not the same inspector twice running.
	in.Count, in.AvoidRepeat, in.Last = 50, true, map[string][]string{"e00003": {"u001", "u002"}}
	for s := range 50 {
		in.Seed = uint64(s)
		tasks, _ := Draw(in)
		for _, task := range tasks {
			if task.EnterpriseID == "e00003" && (slices.Contains(task.Inspectors, "u001") || slices.Contains(task.Inspectors, "u002")) {
				t.Fatalf("seed %d: the last inspectors drawn again", s)
			}
		}
	}
}

func TestDrawRefusals(t *testing.T) {
	es, xs := pool(5, 3)
	cases := []struct {
		name string
		edit func(*DrawInput)
		want string
	}{
		{"empty pool", func(in *DrawInput) { in.Enterprises = nil }, "inspection.rule.empty_pool"},
		{"single inspector", func(in *DrawInput) { in.PerTask = 1 }, "per_task:inspection.rule.two_inspectors"},
		{"too many", func(in *DrawInput) { in.Count = 6 }, "count:inspection.rule.count_range"},
		{"pool of inspectors too small", func(in *DrawInput) { in.Inspectors = in.Inspectors[:1] }, "inspection.rule.too_few_inspectors"},
		{"inactive don't count", func(in *DrawInput) {
			in.Inspectors = slices.Clone(in.Inspectors)
			in.Inspectors[0].Active, in.Inspectors[1].CertNo = false, ""
		}, "inspection.rule.too_few_inspectors"},
		{"avoidance leaves one", func(in *DrawInput) {
			in.Inspectors = slices.Clone(in.Inspectors)
			in.Inspectors[0].Related = []string{"e00000", "e00001", "e00002", "e00003", "e00004"}
			in.Inspectors[1].Related = in.Inspectors[0].Related
		}, "inspection.rule.avoidance_leaves_too_few"},
	}
	for _, c := range cases {
		in := DrawInput{Seed: 1, Enterprises: es, Inspectors: xs, Count: 5, PerTask: 2}
		c.edit(&in)
		_, err := Draw(in)
		if got := ruleOf(err); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	if err := CheckTaskInspectors("e1", []Officer{{UserID: "u1", Name: "甲"}}, []Inspector{{UserID: "u1", Related: []string{"e1"}}}); ruleOf(err) != "inspection.rule.related_inspector" {
		t.Errorf("related inspector on a task: %v", err)
	}
}

func TestChecklists(t *testing.T) {
	want := map[string]bool{"gm10": true, "hg": true, "yh": true, "ks88": true, "general": true}
	for _, c := range Checklists() {
		if want[c.Code] && len(c.Items) == 0 {
			t.Errorf("checklist %s is empty", c.Code)
		}
		delete(want, c.Code)
		for _, it := range c.Items {
			if c.Code != "general" && it.Clause == "" {
				t.Errorf("%s item %s cites no clause", c.Code, it.Code)
			}
		}
	}
	if len(want) > 0 {
		t.Errorf("missing checklists %v", want)
	}
	cases := map[[2]string]string{
		{"mine", "2022-03-10"}: "ks98", {"mine", "2022-10-01"}: "ks88", {"machinery", "2022-06-01"}: "gm17",
		{"machinery", "2023-06-01"}: "gm10", {"chem_produce", "2022-06-01"}: "hg", {"fireworks_retail", "2022-01-20"}: "yh", {"other", "2022-01-01"}: "general",
	}
	for k, v := range cases {
		if got := TemplateFor(k[0], k[1]); got != v {
			t.Errorf("TemplateFor(%s, %s) = %s, want %s", k[0], k[1], got, v)
		}
	}
	tpl, _ := TemplateOf("ks98")
	items := FillItems(tpl, []Item{{Code: "ks98-d-1", Text: "伪造", Clause: "hg-1", Result: Fail}, {Code: "x", Result: Fail}, {Code: "y", Text: "自定义", Result: Fail}})
	if len(items) != 2 || items[0].Clause != "ks98-d-1" || items[0].Text == "伪造" || items[1].Clause != "" {
		t.Errorf("FillItems %+v", items)
	}
}

// BenchmarkDraw: a 双随机 draw from 10,000 enterprises and 200 inspectors,
// and its replay.
func BenchmarkDraw(b *testing.B) {
	es, xs := pool(10000, 200)
	for i := range xs {
		xs[i].Related = []string{es[i*7].ID, es[i*13].ID}
	}
	last := map[string][]string{}
	for i := 0; i < len(es); i += 3 {
		last[es[i].ID] = []string{xs[i%200].UserID, xs[(i+1)%200].UserID}
	}
	for _, count := range []int{500, 3334} { // a batch; a third of the pool (Henan's yearly share)
		b.Run(fmt.Sprint("count=", count), func(b *testing.B) {
			in := DrawInput{Seed: SeedOf("bench"), Enterprises: es, Inspectors: xs, Count: count, PerTask: 2, AvoidRepeat: true, Last: last}
			first, err := Draw(in)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				again, err := Draw(in)
				if err != nil || len(again) != len(first) || again[0].EnterpriseID != first[0].EnterpriseID || again[count-1].Inspectors[1] != first[count-1].Inspectors[1] {
					b.Fatal("replay differs")
				}
			}
		})
	}
}
