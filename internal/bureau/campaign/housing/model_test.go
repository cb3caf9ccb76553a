package housing

import (
	"testing"

	"yingji/internal/kit/errs"
)

func yes() *bool { t := true; return &t }
func no() *bool  { f := false; return &f }

// judgeGeneral is a 初判 of 一般隐患 with the structure found wanting.
func judgeGeneral(on string) Step {
	return Step{Action: ActJudge, On: on, Hazard: yes(), Level: "一般隐患", CheckStructure: "存在问题", CheckBusiness: "不涉及", CheckLegal: "无问题"}
}

func surveyed() Building {
	return Building{Code: "ZJ0001", TownCode: "349901100", SurveyedOn: "2022-05-01", Stage: Surveyed}
}

// ruleOf returns the rule message an error names ("" when not a rule).
func ruleOf(err error) string {
	if e, ok := errs.As(err); ok && e.Kind == errs.Conflict {
		return e.Message
	}
	return ""
}

func fieldOf(err error) string {
	if f := errs.Fields(err); len(f) > 0 {
		return f[0].Field + ":" + f[0].Message
	}
	return ""
}

func must(t *testing.T, b Building, s Step) Building {
	t.Helper()
	out, err := Apply(b, s, "2022-12-31")
	if err != nil {
		t.Fatalf("%s: %v", s.Action, err)
	}
	return out
}

func TestWholeWay(t *testing.T) {
	b := surveyed()
	b = must(t, b, judgeGeneral("2022-05-01"))
	if b.Stage != Suspected {
		t.Fatalf("after 初判有隐患: %s", b.Stage)
	}
	b = must(t, b, Step{Action: ActAssess, On: "2022-05-20", Need: yes(), AssessedBy: "第三方机构"})
	if b.Stage != NeedAppraisal || b.AssessedBy != "third_party" {
		t.Fatalf("after 技术判定: %s %s", b.Stage, b.AssessedBy)
	}
	if _, err := Apply(b, Step{Action: ActAppraise, On: "2022-2-30", Grade: "c", Agency: "鉴定所"}, ""); fieldOf(err) != "on:housing.date_invalid" {
		t.Fatalf("30 February: %v", err)
	}
	b = must(t, b, Step{Action: ActAppraise, On: "2022-6-1", Grade: "c", Agency: "鉴定所"})
	b = must(t, b, Step{Action: ActRemediate, On: "2022-07-01", Measure: "加固"})
	b = must(t, b, Step{Action: ActClose, On: "2022-07-02"})
	if b.Stage != Closed || b.Grade != "C" || b.Measure != MeasureReinforce || b.AppraisedOn != "2022-06-01" {
		t.Fatalf("closed: %+v", b)
	}
}

func TestSteps(t *testing.T) {
	b := surveyed()
	b = must(t, b, judgeGeneral("2022-05-01"))
	b = must(t, b, Step{Action: ActAssess, On: "2022/5/20", Need: yes()})
	if _, err := Apply(b, Step{Action: ActAppraise, On: "2022-05-19", Grade: "C", Agency: "所"}, "2022-12-31"); fieldOf(err) != "on:housing.date_before_previous" {
		t.Fatalf("date before previous: %v", err)
	}
	if _, err := Apply(b, Step{Action: ActAppraise, On: "2023-01-02", Grade: "C", Agency: "所"}, "2022-12-31"); fieldOf(err) != "on:housing.date_future" {
		t.Fatalf("future date: %v", err)
	}
	if _, err := Apply(b, Step{Action: ActAppraise, On: "2022-06-01", Grade: "E", Agency: "所"}, "2022-12-31"); fieldOf(err) != "grade:housing.grade_invalid" {
		t.Fatalf("grade E: %v", err)
	}
	if _, err := Apply(b, Step{Action: ActAppraise, On: "2022-06-01", Grade: "B"}, "2022-12-31"); fieldOf(err) != "agency:housing.agency_required" {
		t.Fatalf("no agency: %v", err)
	}
	d := must(t, b, Step{Action: ActAppraise, On: "2022-06-01", Grade: "ｄ级", Agency: "鉴定所"})
	if d.Grade != "D" || d.Stage != Appraised {
		t.Fatalf("grade ｄ级: %+v", d)
	}
	if _, err := Apply(d, Step{Action: ActClose, On: "2022-06-02"}, ""); ruleOf(err) != "housing.rule.close_needs_remediation" {
		t.Fatalf("close a D before remediation: %v", err)
	}
	if _, err := Apply(d, Step{Action: ActRemediate, On: "2022-06-02", Measure: "限用"}, ""); ruleOf(err) != "housing.rule.d_not_restrict" {
		t.Fatalf("restrict a D: %v", err)
	}
	d = must(t, d, Step{Action: ActRemediate, On: "2022-06-02", Measure: "拆除"})
	d = must(t, d, Step{Action: ActClose, On: "2022-06-03"})
	if d.Stage != Closed || !d.Stage.Final() || len(Allowed(d)) != 0 {
		t.Fatalf("closed: %+v", d)
	}
	if _, err := Apply(d, Step{Action: ActClose, On: "2022-06-04"}, ""); ruleOf(err) != "housing.rule.closed_final" {
		t.Fatalf("close twice: %v", err)
	}
	// An A or B is closed without remediation, and may not be remediated.
	a := must(t, b, Step{Action: ActAppraise, On: "2022-06-01", Grade: "B", Agency: "鉴定所"})
	if _, err := Apply(a, Step{Action: ActRemediate, On: "2022-06-02", Measure: "加固"}, ""); ruleOf(err) != "housing.rule.remediate_grade" {
		t.Fatalf("remediate a B: %v", err)
	}
	must(t, a, Step{Action: ActClose, On: "2022-06-02"})
}

func TestSkippedStages(t *testing.T) {
	b := surveyed()
	cases := []struct {
		name string
		b    Building
		s    Step
		rule string
	}{
		{"appraise right after survey", b, Step{Action: ActAppraise, On: "2022-06-01", Grade: "C", Agency: "所"}, "housing.rule.appraise_needs_assessment"},
		{"assess before 初判", b, Step{Action: ActAssess, On: "2022-06-01", Need: yes()}, "housing.rule.assess_needs_judge"},
		{"close right after survey", b, Step{Action: ActClose, On: "2022-06-01"}, "housing.rule.close"},
		{"remediate before appraisal", b, Step{Action: ActRemediate, On: "2022-06-01", Measure: "加固"}, "housing.rule.remediate_needs_appraisal"},
	}
	for _, c := range cases {
		if _, err := Apply(c.b, c.s, ""); ruleOf(err) != c.rule {
			t.Errorf("%s: got %v, want %s", c.name, err, c.rule)
		}
	}
	susp := must(t, b, judgeGeneral("2022-05-01"))
	if _, err := Apply(susp, Step{Action: ActAppraise, On: "2022-06-01", Grade: "C", Agency: "所"}, ""); ruleOf(err) != "housing.rule.appraise_needs_assessment" {
		t.Errorf("appraise without 技术判定: %v", err)
	}
	noNeed := must(t, susp, Step{Action: ActAssess, On: "2022-05-02", Need: no()})
	if _, err := Apply(noNeed, Step{Action: ActAppraise, On: "2022-06-01", Grade: "C", Agency: "所"}, ""); ruleOf(err) != "housing.rule.appraise_not_needed" {
		t.Errorf("appraise after 无需鉴定: %v", err)
	}
	// 无需鉴定 but a 一般隐患: remediated before it is closed.
	if got := Allowed(noNeed); len(got) != 1 || got[0] != ActRemediate {
		t.Errorf("allowed after 无需鉴定 with a hazard: %v", got)
	}
	if _, err := Apply(noNeed, Step{Action: ActClose, On: "2022-06-01"}, ""); ruleOf(err) != "housing.rule.close_needs_remediation_hazard" {
		t.Errorf("close a 一般隐患 without remediation: %v", err)
	}
	fixed := must(t, noNeed, Step{Action: ActRemediate, On: "2022-06-01", Measure: "加固"})
	if fixed.Stage != Remediated {
		t.Fatalf("remediated: %+v", fixed)
	}
	must(t, fixed, Step{Action: ActClose, On: "2022-06-02"})
	// 存在倒塌风险 without appraisal is not merely restricted.
	collapse := judgeGeneral("2022-05-01")
	collapse.Level = "存在倒塌风险"
	cr := must(t, must(t, b, collapse), Step{Action: ActAssess, On: "2022-05-02", Need: no()})
	if _, err := Apply(cr, Step{Action: ActRemediate, On: "2022-06-01", Measure: "限用"}, ""); ruleOf(err) != "housing.rule.collapse_not_restrict" {
		t.Errorf("restrict a collapse risk: %v", err)
	}
	// A legacy record judged before the grading was kept closes directly.
	legacy := noNeed
	legacy.HazardLevel = ""
	must(t, legacy, Step{Action: ActClose, On: "2022-06-01"})
	// 初判 无隐患 ends the work.
	clear := must(t, b, Step{Action: ActJudge, On: "2022-05-01", Hazard: no()})
	if clear.Stage != NoHazard || len(Allowed(clear)) != 0 {
		t.Fatalf("no hazard: %+v", clear)
	}
	if _, err := Apply(clear, Step{Action: ActAssess, On: "2022-05-02", Need: yes()}, ""); ruleOf(err) != "housing.rule.no_hazard_final" {
		t.Errorf("assess a no-hazard building: %v", err)
	}
	if _, err := Apply(b, Step{Action: ActJudge, On: "2022-05-01"}, ""); fieldOf(err) != "hazard_level:housing.level_required" {
		t.Errorf("judge without result: %v", err)
	}
}

func TestReplay(t *testing.T) {
	b := surveyed()
	b.JudgedOn, b.Hazard, b.AssessedOn, b.NeedAppraisal = "2022-05-01", true, "2022-05-10", true
	b.HazardLevel, b.CheckStructure, b.CheckBusiness, b.CheckLegal = LevelGeneral, CheckProblem, CheckNA, CheckOK
	b.AppraisedOn, b.Grade, b.Agency = "2022-05-20", "C", "所"
	b.Measure, b.RemediatedOn, b.ClosedOn = MeasureReinforce, "2022-06-01", "2022-06-05"
	out, i, err := Replay(b, StepsOf(b), "2022-12-31")
	if err != nil || out.Stage != Closed {
		t.Fatalf("replay: %v at %d (%s)", err, i, out.Stage)
	}
	// A grade without 技术判定 is refused on the appraisal step.
	b2 := surveyed()
	b2.JudgedOn, b2.Hazard, b2.AppraisedOn, b2.Grade, b2.Agency = "2022-05-01", true, "2022-05-20", "C", "所"
	b2.HazardLevel, b2.CheckStructure, b2.CheckBusiness, b2.CheckLegal = LevelCollapse, CheckProblem, CheckNA, CheckProblem
	if _, i, err := Replay(b2, StepsOf(b2), ""); i != 1 || ruleOf(err) != "housing.rule.appraise_needs_assessment" {
		t.Fatalf("skipped 技术判定: step %d %v", i, err)
	}
}

func TestMarksAndFacet(t *testing.T) {
	b := surveyed()
	b.Urban = true
	b.JudgedOn, b.Hazard, b.AssessedOn, b.NeedAppraisal = "2022-05-01", true, "2022-05-10", true
	b.HazardLevel, b.CheckStructure, b.CheckBusiness, b.CheckLegal = LevelGeneral, CheckProblem, CheckNA, CheckOK
	b.AppraisedOn, b.Grade, b.Agency, b.Stage = "2022-05-20", "D", "所", Appraised
	got := map[Metric]string{}
	for _, m := range Marks(b) {
		got[m.Metric] = m.On
	}
	want := map[Metric]string{MSurveyed: "2022-05-01", MJudged: "2022-05-01", MSuspected: "2022-05-01", MAssessed: "2022-05-10",
		MNeedAppraisal: "2022-05-10", MAppraised: "2022-05-20", MGradeD: "2022-05-20"}
	if len(got) != len(want) {
		t.Fatalf("marks %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("mark %s: %q want %q", k, got[k], v)
		}
	}
	if f := FacetOf(b); f.Stage != Appraised || f.Grade != "D" || !f.Urban {
		t.Fatalf("facet %+v", f)
	}
}

// TestCheckReported reproduces F-HOUSE-5: the reported split 385 + 310
// does not add up to 685, and the records say 300 rural.
func TestCheckReported(t *testing.T) {
	rep := DemoReported()
	records := map[Metric]Split{MSurveyed: {11568, 116485}, MSuspected: {750, 1468}, MNeedAppraisal: {385, 300},
		MAppraised: {170, 140}, MRemediated: {5, 4}}
	ws := Check(rep, records)
	if len(ws) != 2 {
		t.Fatalf("warnings: %+v", ws)
	}
	if w := ws[0]; w.Metric != MNeedAppraisal || w.Kind != "parts" || w.Reported != 685 || w.Records != 695 {
		t.Fatalf("parts warning: %+v", w)
	}
	if w := ws[1]; w.Metric != MNeedAppraisal || w.Kind != "records" || w.Part != "rural" || w.Reported != 310 || w.Records != 300 {
		t.Fatalf("records warning: %+v", w)
	}
}

func TestOwnerMaskAndID(t *testing.T) {
	if m := Mask(Owner{Name: "王建国", Phone: "13912345678", IDNumber: "34012319900101100X"}); m.Name != "王**" || m.Phone != "139****5678" || m.IDNumber != "3401**********100X" {
		t.Fatalf("mask %+v", m)
	}
	if !IDNumberOK("11010519491231002X") || IDNumberOK("110105194912310021") {
		t.Fatal("ID check character")
	}
}

func TestCodeAfter(t *testing.T) {
	for in, want := range map[string]string{"ZJ09": "ZJ0A", "ZJ0Z": "ZJ1", "T000": "T001", "ZZ": "", "A-1": ""} {
		got, ok := codeAfter(in)
		if got != want || ok != (want != "") {
			t.Errorf("codeAfter(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
}

// The 初判 records the national grading and the three check items, and
// they must agree: 无隐患 has no item found wanting (empty items default
// to 无问题, 经营安全 to 不涉及 off business use), a hazard has one.
func TestJudgement(t *testing.T) {
	b := surveyed()
	g := must(t, b, judgeGeneral("2022-05-01"))
	if g.Stage != Suspected || !g.Hazard || g.HazardLevel != LevelGeneral || g.CheckStructure != CheckProblem || g.CheckBusiness != CheckNA || g.CheckLegal != CheckOK {
		t.Fatalf("一般隐患: %+v", g)
	}
	n := must(t, b, Step{Action: ActJudge, On: "2022-05-01", Level: "无隐患"})
	if n.Stage != NoHazard || n.Hazard || n.HazardLevel != LevelNone || n.CheckStructure != CheckOK || n.CheckBusiness != CheckNA || n.CheckLegal != CheckOK {
		t.Fatalf("无隐患: %+v", n)
	}
	for name, c := range map[string]struct {
		s    Step
		want string
	}{
		"hazard without grading":   {Step{Action: ActJudge, On: "2022-05-01", Hazard: yes()}, "hazard_level:housing.level_required_hazard"},
		"grading unknown":          {Step{Action: ActJudge, On: "2022-05-01", Level: "重大隐患"}, "hazard_level:field.invalid"},
		"no hazard with a problem": {Step{Action: ActJudge, On: "2022-05-01", Level: "none", CheckLegal: "problem"}, "hazard_level:housing.level_none_with_problem"},
		"hazard without a problem": {Step{Action: ActJudge, On: "2022-05-01", Level: "general", CheckStructure: "ok", CheckBusiness: "na", CheckLegal: "ok"}, "hazard_level:housing.level_without_problem"},
		"hazard item missing":      {Step{Action: ActJudge, On: "2022-05-01", Level: "collapse", CheckStructure: "problem", CheckBusiness: "na"}, "check_legal:housing.check_required"},
		"hazard flag contradicts":  {Step{Action: ActJudge, On: "2022-05-01", Hazard: no(), Level: "general", CheckStructure: "problem", CheckBusiness: "na", CheckLegal: "ok"}, "hazard_level:housing.level_hazard_mismatch"},
	} {
		if _, err := Apply(b, c.s, "2022-12-31"); fieldOf(err) != c.want {
			t.Errorf("%s: %v, want %s", name, err, c.want)
		}
	}
}
