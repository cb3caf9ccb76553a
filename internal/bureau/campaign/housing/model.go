// Package housing runs the self-built housing survey (自建房安全专项排查整治):
// a campaign holds buildings; each building goes through the stages
// 排查 → 初判 → 技术判定 → 鉴定 → 整治 → 销号, every stage dated, so the
// progress at any cut-off date is computed from the dates.
//
// The rules in this file are pure functions:
//
//   - 初判 (preliminary finding) follows 排查 and records the national
//     grading (无隐患 / 一般隐患 / 存在倒塌风险) and the three check items of
//     国办发明电〔2022〕10号 (结构安全, 经营安全, 手续合法: 无问题 / 存在问题 /
//     不涉及): 无隐患 ends the building's work (排查完成, stage no_hazard)
//     and has no item with a problem; a hazard makes it suspected and has at
//     least one.
//   - 技术判定 (technical judgement by experts or a third party) follows an
//     有隐患 初判: 需鉴定 (needs professional appraisal) or 无需鉴定.
//   - 鉴定 (appraisal, JGJ 125-2016 grade A/B/C/D, agency, date, report
//     file) only after 技术判定 = 需鉴定.
//   - 整治 (remediation: 拆除, 加固, 停用, 限用, with its completion date)
//     only for C and D grades; a D grade (整幢危房, the whole building
//     dangerous) may not be merely 限用 (restricted use).
//   - 销号 (closure) after an A or B appraisal, or after the remediation of
//     a C or D building. A building judged not to need an appraisal
//     (无需鉴定) still carries its 初判 hazard (一般隐患 or 存在倒塌风险): it
//     is remediated (整治) before it is closed; only a legacy record
//     without a grading closes directly.
//   - Every step's date is a valid day, not in the future and not before
//     the previous step's date.
package housing

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"yingji/internal/bureau/campaign/day"
	"yingji/internal/kit/codes"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/person"
)

// Stage of a building.
type Stage string

const (
	Surveyed      Stage = "surveyed"       // 已排查（待初判）
	NoHazard      Stage = "no_hazard"      // 初判无隐患（排查完成）— final
	Suspected     Stage = "suspected"      // 初判有隐患（待技术判定）
	NoAppraisal   Stage = "no_appraisal"   // 技术判定无需鉴定（待销号）
	NeedAppraisal Stage = "need_appraisal" // 需专业鉴定（待鉴定）
	Appraised     Stage = "appraised"      // 已鉴定（A/B 待销号，C/D 待整治）
	Remediated    Stage = "remediated"     // 已整治（待销号）
	Closed        Stage = "closed"         // 已销号 — final
)

// Stages in the order of the work.
var Stages = []Stage{Surveyed, NoHazard, Suspected, NoAppraisal, NeedAppraisal, Appraised, Remediated, Closed}

// ValidStage reports a known stage.
func ValidStage(s Stage) bool {
	for _, x := range Stages {
		if x == s {
			return true
		}
	}
	return false
}

// Final reports a stage with no further step.
func (s Stage) Final() bool { return s == NoHazard || s == Closed }

// Action is a step of the work.
type Action string

const (
	ActJudge     Action = "judge"     // 初判
	ActAssess    Action = "assess"    // 技术判定
	ActAppraise  Action = "appraise"  // 专业鉴定
	ActRemediate Action = "remediate" // 整治
	ActClose     Action = "close"     // 销号
)

// Actions in the order of the work.
var Actions = []Action{ActJudge, ActAssess, ActAppraise, ActRemediate, ActClose}

// 初判 gradings (国办发明电〔2022〕10号, the national 归集平台's grades).
const (
	LevelNone     = "none"     // 无隐患
	LevelGeneral  = "general"  // 一般隐患
	LevelCollapse = "collapse" // 存在倒塌风险
)

// Levels with Chinese and English labels.
var Levels = codes.Triples([][3]string{
	{LevelNone, "无隐患", "No hazard"},
	{LevelGeneral, "一般隐患", "General hazard"},
	{LevelCollapse, "存在倒塌风险", "Collapse risk"},
})

// Results of a check item.
const (
	CheckOK      = "ok"      // 无问题
	CheckProblem = "problem" // 存在问题
	CheckNA      = "na"      // 不涉及
)

// CheckResults with Chinese and English labels.
var CheckResults = codes.Triples([][3]string{
	{CheckOK, "无问题", "No problem"},
	{CheckProblem, "存在问题", "Problem"},
	{CheckNA, "不涉及", "Not applicable"},
})

// Check items of the 初判 (the three things the survey checks).
const (
	ItemStructure = "structure" // 结构安全
	ItemBusiness  = "business"  // 经营安全
	ItemLegal     = "legal"     // 手续合法（建设合法合规）
)

// Items with Chinese and English labels.
var Items = codes.Triples([][3]string{
	{ItemStructure, "结构安全", "Structural safety"},
	{ItemBusiness, "经营安全", "Business safety"},
	{ItemLegal, "手续合法", "Legal permits"},
})

// LevelOf finds a grading by code or label.
func LevelOf(s string) (string, bool) { return Levels.Lookup(s) }

// CheckOf finds a check result by code or label.
func CheckOf(s string) (string, bool) { return CheckResults.Lookup(s) }

// Grades of JGJ 125-2016.
var Grades = []string{"A", "B", "C", "D"}

// Measures of remediation.
const (
	MeasureDemolish  = "demolish"  // 拆除
	MeasureReinforce = "reinforce" // 加固
	MeasureStopUse   = "stop_use"  // 停用
	MeasureRestrict  = "restrict"  // 限用
)

// Measures with Chinese and English labels.
var Measures = codes.Triples([][3]string{
	{MeasureDemolish, "拆除", "Demolish"},
	{MeasureReinforce, "加固", "Reinforce"},
	{MeasureStopUse, "停用", "Stop use"},
	{MeasureRestrict, "限用", "Restrict use"},
})

// Assessors: who made the technical judgement.
var Assessors = codes.Triples([][3]string{
	{"expert", "技术专家", "Experts"},
	{"third_party", "第三方机构", "Third party"},
})

// Structures are the structure types of the survey.
var Structures = []string{"砖混", "砖木", "框架", "钢结构", "土木", "石结构", "其他"}

// BusinessTypes are the kinds of commercial use (经营性) the survey knows.
var BusinessTypes = []string{"餐饮", "住宿", "商超", "生产加工", "仓储", "教育培训", "医疗养老", "休闲娱乐", "其他"}

// Building is one surveyed building with its stage dates.
type Building struct {
	ID           string   `json:"id"`
	CampaignID   string   `json:"campaign_id"`
	CountyCode   string   `json:"county_code"`
	Code         string   `json:"code"`
	TownCode     string   `json:"town_code"`
	VillageCode  string   `json:"village_code,omitempty"`
	Urban        bool     `json:"urban"`
	Address      string   `json:"address"`
	Lat          *float64 `json:"lat,omitempty"`
	Lng          *float64 `json:"lng,omitempty"`
	Structure    string   `json:"structure,omitempty"`
	Storeys      int      `json:"storeys,omitempty"`
	YearBuilt    int      `json:"year_built,omitempty"`
	FloorArea    float64  `json:"floor_area,omitempty"` // m²
	Business     bool     `json:"business"`
	BusinessType string   `json:"business_type,omitempty"`
	// Owner is the owner's personal data; OwnerMasked tells whether the
	// fields hold the masked form (who may read them in clear: see
	// Service.SeesOwner).
	Owner       Owner `json:"owner"`
	OwnerMasked bool  `json:"owner_masked"`

	Stage      Stage  `json:"stage"`
	SurveyedOn string `json:"surveyed_on"`
	JudgedOn   string `json:"judged_on,omitempty"`
	Hazard     bool   `json:"hazard"`
	// 初判 grading and check items ("" on records judged before they
	// were kept).
	HazardLevel    string `json:"hazard_level,omitempty"`
	CheckStructure string `json:"check_structure,omitempty"`
	CheckBusiness  string `json:"check_business,omitempty"`
	CheckLegal     string `json:"check_legal,omitempty"`
	AssessedOn     string `json:"assessed_on,omitempty"`
	NeedAppraisal  bool   `json:"need_appraisal"`
	AssessedBy     string `json:"assessed_by,omitempty"`
	AppraisedOn    string `json:"appraised_on,omitempty"`
	Grade          string `json:"grade,omitempty"`
	Agency         string `json:"agency,omitempty"`
	Measure        string `json:"measure,omitempty"`
	RemediatedOn   string `json:"remediated_on,omitempty"`
	ClosedOn       string `json:"closed_on,omitempty"`
}

// Owner is a building owner's personal data (sealed at rest).
type Owner struct {
	Name     string `json:"name,omitempty"`
	Phone    string `json:"phone,omitempty"`
	IDNumber string `json:"id_number,omitempty"`
}

// Step is a requested stage change with what it carries.
type Step struct {
	Action Action `json:"action"`
	On     string `json:"on"`                     // the step's day
	Hazard *bool  `json:"hazard,omitempty"`       // judge (implied by Level)
	Level  string `json:"hazard_level,omitempty"` // judge: none | general | collapse
	// judge: the check items, ok | problem | na (a 无隐患 judgement
	// defaults them to 无问题, 经营安全 to 不涉及 for a building not in
	// business use).
	CheckStructure string `json:"check_structure,omitempty"`
	CheckBusiness  string `json:"check_business,omitempty"`
	CheckLegal     string `json:"check_legal,omitempty"`
	Need           *bool  `json:"need,omitempty"`        // assess
	AssessedBy     string `json:"assessed_by,omitempty"` // assess: expert | third_party
	Grade          string `json:"grade,omitempty"`       // appraise
	Agency         string `json:"agency,omitempty"`      // appraise
	Measure        string `json:"measure,omitempty"`     // remediate
	Note           string `json:"note,omitempty"`
}

// rule returns the error that names the rule a step breaks.
func rule(id string, args map[string]any) *errs.Error {
	return &errs.Error{Kind: errs.Conflict, Message: "housing.rule." + id, Args: args}
}

// Allowed lists the actions a building in its stage may take next.
func Allowed(b Building) []Action {
	switch b.Stage {
	case Surveyed:
		return []Action{ActJudge}
	case Suspected:
		return []Action{ActAssess}
	case NoAppraisal:
		if HazardNeedsRemediation(b) {
			return []Action{ActRemediate}
		}
		return []Action{ActClose}
	case NeedAppraisal:
		return []Action{ActAppraise}
	case Appraised:
		if NeedsRemediation(b.Grade) {
			return []Action{ActRemediate}
		}
		return []Action{ActClose}
	case Remediated:
		return []Action{ActClose}
	}
	return nil
}

// HazardNeedsRemediation reports a building judged not to need an
// appraisal whose 初判 found a hazard (一般隐患 or 存在倒塌风险): it must be
// remediated before closure. A legacy record without a grading does not.
func HazardNeedsRemediation(b Building) bool {
	return b.Stage == NoAppraisal && (b.HazardLevel == LevelGeneral || b.HazardLevel == LevelCollapse)
}

// NeedsRemediation reports a grade that must be remediated before closure.
func NeedsRemediation(grade string) bool { return grade == "C" || grade == "D" }

// LastDay is the day of the building's latest step.
func LastDay(b Building) string {
	last := b.SurveyedOn
	for _, d := range []string{b.JudgedOn, b.AssessedOn, b.AppraisedOn, b.RemediatedOn, b.ClosedOn} {
		if d > last {
			last = d
		}
	}
	return last
}

// NormalizeGrade reads a grade as typed (a, Ａ, A级).
func NormalizeGrade(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	s = strings.TrimSuffix(s, "级")
	s = strings.Map(func(r rune) rune {
		if r >= 'Ａ' && r <= 'Ｚ' {
			return r - 'Ａ' + 'A'
		}
		return r
	}, s)
	return s
}

// ValidGrade reports a JGJ 125 grade.
func ValidGrade(g string) bool {
	for _, x := range Grades {
		if x == g {
			return true
		}
	}
	return false
}

// MeasureOf finds a measure by code or label.
func MeasureOf(s string) (string, bool) { return Measures.Lookup(s) }

// AssessorOf finds an assessor by code or label.
func AssessorOf(s string) (string, bool) { return Assessors.Lookup(s) }

// Apply checks a step against the building's stage and the rules and,
// when it is allowed, returns the building with the step recorded. The
// building passed in is not changed. today bounds the step's date.
func Apply(b Building, s Step, today string) (Building, error) {
	switch s.Action {
	case ActJudge, ActAssess, ActAppraise, ActRemediate, ActClose:
	default:
		return b, errs.Field("action", "housing.action_unknown", nil)
	}
	if b.Stage.Final() {
		if b.Stage == NoHazard {
			return b, rule("no_hazard_final", nil)
		}
		return b, rule("closed_final", nil)
	}
	allowed := false
	for _, a := range Allowed(b) {
		allowed = allowed || a == s.Action
	}
	if !allowed {
		return b, refusal(b, s.Action)
	}
	var fe errs.FieldErrors
	on, err := day.Parse(s.On)
	switch {
	case strings.TrimSpace(s.On) == "":
		fe = append(fe, errs.Field("on", "field.required", nil))
	case err != nil:
		fe = append(fe, errs.Field("on", "housing.date_invalid", nil))
	case today != "" && on > today:
		fe = append(fe, errs.Field("on", "housing.date_future", map[string]any{"Today": today}))
	case on < LastDay(b):
		fe = append(fe, errs.Field("on", "housing.date_before_previous", map[string]any{"Prev": LastDay(b)}))
	}
	next := b
	switch s.Action {
	case ActJudge:
		j, jfe := judgement(b, s)
		if len(jfe) > 0 {
			fe = append(fe, jfe...)
			break
		}
		next.JudgedOn, next.Hazard = on, j.HazardLevel != LevelNone
		next.HazardLevel, next.CheckStructure, next.CheckBusiness, next.CheckLegal = j.HazardLevel, j.CheckStructure, j.CheckBusiness, j.CheckLegal
		next.Stage = NoHazard
		if next.Hazard {
			next.Stage = Suspected
		}
	case ActAssess:
		if s.Need == nil {
			fe = append(fe, errs.Field("need", "housing.need_required", nil))
		}
		by := ""
		if s.AssessedBy != "" {
			c, ok := AssessorOf(s.AssessedBy)
			if !ok {
				fe = append(fe, errs.Field("assessed_by", "field.invalid", nil))
			}
			by = c
		}
		if s.Need != nil {
			next.AssessedOn, next.NeedAppraisal, next.AssessedBy = on, *s.Need, by
			next.Stage = NoAppraisal
			if *s.Need {
				next.Stage = NeedAppraisal
			}
		}
	case ActAppraise:
		g := NormalizeGrade(s.Grade)
		switch {
		case g == "":
			fe = append(fe, errs.Field("grade", "housing.grade_required", nil))
		case !ValidGrade(g):
			fe = append(fe, errs.Field("grade", "housing.grade_invalid", map[string]any{"Grade": s.Grade}))
		}
		agency := strings.TrimSpace(s.Agency)
		if agency == "" {
			fe = append(fe, errs.Field("agency", "housing.agency_required", nil))
		} else if utf8.RuneCountInString(agency) > 100 {
			fe = append(fe, errs.Field("agency", "housing.too_long", map[string]any{"Max": 100}))
		}
		next.AppraisedOn, next.Grade, next.Agency = on, g, agency
		next.Stage = Appraised
	case ActRemediate:
		m, ok := MeasureOf(s.Measure)
		switch {
		case strings.TrimSpace(s.Measure) == "":
			fe = append(fe, errs.Field("measure", "housing.measure_required", nil))
		case !ok:
			fe = append(fe, errs.Field("measure", "field.invalid", nil))
		case b.Grade == "D" && m == MeasureRestrict:
			if len(fe) == 0 {
				return b, rule("d_not_restrict", nil)
			}
		case b.Stage == NoAppraisal && b.HazardLevel == LevelCollapse && m == MeasureRestrict:
			if len(fe) == 0 {
				return b, rule("collapse_not_restrict", nil)
			}
		}
		next.Measure, next.RemediatedOn = m, on
		next.Stage = Remediated
	case ActClose:
		next.ClosedOn = on
		next.Stage = Closed
	}
	if len(fe) > 0 {
		return b, fe.Err()
	}
	return next, nil
}

// judgement reads the grading and the check items of a 初判 step and
// checks that they agree: 无隐患 with no item found wanting, a hazard with
// at least one. Only the grading fields are set on the result.
func judgement(b Building, s Step) (Building, errs.FieldErrors) {
	var fe errs.FieldErrors
	var out Building
	level := ""
	switch {
	case strings.TrimSpace(s.Level) != "":
		l, ok := LevelOf(s.Level)
		if !ok {
			return out, append(fe, errs.Field("hazard_level", "field.invalid", nil))
		}
		level = l
	case s.Hazard != nil && !*s.Hazard:
		level = LevelNone // 无隐患 is unambiguous
	case s.Hazard != nil:
		return out, append(fe, errs.Field("hazard_level", "housing.level_required_hazard", nil))
	default:
		return out, append(fe, errs.Field("hazard_level", "housing.level_required", nil))
	}
	if s.Hazard != nil && *s.Hazard != (level != LevelNone) {
		return out, append(fe, errs.Field("hazard_level", "housing.level_hazard_mismatch", nil))
	}
	out.HazardLevel = level
	items := []struct {
		field, in string
		dst       *string
		def       string
	}{
		{"check_structure", s.CheckStructure, &out.CheckStructure, CheckOK},
		{"check_business", s.CheckBusiness, &out.CheckBusiness, map[bool]string{true: CheckOK, false: CheckNA}[b.Business]},
		{"check_legal", s.CheckLegal, &out.CheckLegal, CheckOK},
	}
	problems := 0
	for _, it := range items {
		v := strings.TrimSpace(it.in)
		switch {
		case v == "" && level == LevelNone:
			*it.dst = it.def
		case v == "":
			fe = append(fe, errs.Field(it.field, "housing.check_required", nil))
		default:
			c, ok := CheckOf(v)
			if !ok {
				fe = append(fe, errs.Field(it.field, "field.invalid", nil))
				continue
			}
			*it.dst = c
			if c == CheckProblem {
				problems++
			}
		}
	}
	if len(fe) > 0 {
		return out, fe
	}
	switch {
	case level == LevelNone && problems > 0:
		fe = append(fe, errs.Field("hazard_level", "housing.level_none_with_problem", nil))
	case level != LevelNone && problems == 0:
		fe = append(fe, errs.Field("hazard_level", "housing.level_without_problem", map[string]any{"Level": Levels.Label(level, "zh")}))
	}
	return out, fe
}

// refusal names the rule that refuses an action in the building's stage:
// a skipped stage says which stage must come first.
func refusal(b Building, a Action) error {
	switch a {
	case ActJudge:
		return rule("judge", nil)
	case ActAssess:
		if b.Stage == Surveyed {
			return rule("assess_needs_judge", nil)
		}
		return rule("assess", nil)
	case ActAppraise:
		switch b.Stage {
		case Surveyed, Suspected:
			return rule("appraise_needs_assessment", nil)
		case NoAppraisal:
			return rule("appraise_not_needed", nil)
		}
		return rule("appraise", nil)
	case ActRemediate:
		if b.Stage == NoAppraisal {
			return rule("remediate_no_hazard_level", nil)
		}
		if b.Stage == Appraised && !NeedsRemediation(b.Grade) {
			return rule("remediate_grade", map[string]any{"Grade": b.Grade})
		}
		if b.Stage == Remediated {
			return rule("remediate", nil)
		}
		return rule("remediate_needs_appraisal", nil)
	case ActClose:
		if b.Stage == Appraised && NeedsRemediation(b.Grade) {
			return rule("close_needs_remediation", map[string]any{"Grade": b.Grade})
		}
		if HazardNeedsRemediation(b) {
			return rule("close_needs_remediation_hazard", map[string]any{"Level": Levels.Label(b.HazardLevel, "zh")})
		}
		return rule("close", nil)
	}
	return rule("order", nil)
}

// StepsOf turns a building's recorded stage fields into the steps that
// would have produced them, in order (demo records, tests); Replay
// applies them.
func StepsOf(b Building) []Step {
	var out []Step
	if b.JudgedOn != "" {
		h := b.Hazard
		out = append(out, Step{Action: ActJudge, On: b.JudgedOn, Hazard: &h, Level: b.HazardLevel,
			CheckStructure: b.CheckStructure, CheckBusiness: b.CheckBusiness, CheckLegal: b.CheckLegal})
	}
	if b.AssessedOn != "" {
		n := b.NeedAppraisal
		out = append(out, Step{Action: ActAssess, On: b.AssessedOn, Need: &n, AssessedBy: b.AssessedBy})
	}
	if b.AppraisedOn != "" || b.Grade != "" {
		out = append(out, Step{Action: ActAppraise, On: b.AppraisedOn, Grade: b.Grade, Agency: b.Agency})
	}
	if b.RemediatedOn != "" || b.Measure != "" {
		out = append(out, Step{Action: ActRemediate, On: b.RemediatedOn, Measure: b.Measure})
	}
	if b.ClosedOn != "" {
		out = append(out, Step{Action: ActClose, On: b.ClosedOn})
	}
	return out
}

// Replay applies steps to a building from its survey on (its stage
// fields are reset first) and returns the building at the end. On a
// refused step it returns that step's index and the rule's error.
func Replay(b Building, steps []Step, today string) (Building, int, error) {
	cur := b
	cur.Stage = Surveyed
	cur.JudgedOn, cur.Hazard, cur.AssessedOn, cur.NeedAppraisal, cur.AssessedBy = "", false, "", false, ""
	cur.HazardLevel, cur.CheckStructure, cur.CheckBusiness, cur.CheckLegal = "", "", "", ""
	cur.AppraisedOn, cur.Grade, cur.Agency, cur.Measure, cur.RemediatedOn, cur.ClosedOn = "", "", "", "", "", ""
	for i, s := range steps {
		next, err := Apply(cur, s, today)
		if err != nil {
			return b, i, err
		}
		cur = next
	}
	return cur, -1, nil
}

// Validate checks a building's own fields (not its references or its
// stages).
func Validate(b *Building, today string) error {
	var fe errs.FieldErrors
	b.Code = strings.ToUpper(strings.TrimSpace(b.Code))
	b.Address = strings.TrimSpace(b.Address)
	switch {
	case b.Code == "":
		fe = append(fe, errs.Field("code", "field.required", nil))
	case !CodeOK(b.Code):
		fe = append(fe, errs.Field("code", "housing.code_invalid", nil))
	}
	if b.TownCode == "" {
		fe = append(fe, errs.Field("town_code", "field.required", nil))
	}
	if b.VillageCode != "" && !strings.HasPrefix(b.VillageCode, b.TownCode) {
		fe = append(fe, errs.Field("village_code", "housing.village_not_in_town", nil))
	}
	if d, err := day.Parse(b.SurveyedOn); err != nil {
		fe = append(fe, errs.Field("surveyed_on", "housing.date_invalid", nil))
	} else if today != "" && d > today {
		fe = append(fe, errs.Field("surveyed_on", "housing.date_future", map[string]any{"Today": today}))
	} else {
		b.SurveyedOn = d
	}
	if b.Storeys < 0 || b.Storeys > 200 {
		fe = append(fe, errs.Field("storeys", "housing.storeys_invalid", nil))
	}
	if b.YearBuilt != 0 && (b.YearBuilt < 1800 || (today != "" && fmt.Sprint(b.YearBuilt) > today[:4])) {
		fe = append(fe, errs.Field("year_built", "housing.year_invalid", nil))
	}
	if b.FloorArea < 0 || b.FloorArea > 1e6 {
		fe = append(fe, errs.Field("floor_area", "housing.area_invalid", nil))
	}
	if (b.Lat == nil) != (b.Lng == nil) {
		fe = append(fe, errs.Field("lat", "housing.latlng_pair", nil))
	} else if b.Lat != nil && (*b.Lat < -90 || *b.Lat > 90 || *b.Lng < -180 || *b.Lng > 180) {
		fe = append(fe, errs.Field("lat", "housing.latlng_invalid", nil))
	}
	if !b.Business {
		b.BusinessType = ""
	}
	if utf8.RuneCountInString(b.Address) > 200 {
		fe = append(fe, errs.Field("address", "housing.too_long", map[string]any{"Max": 200}))
	}
	if b.Owner.Phone != "" && !phoneOK(b.Owner.Phone) {
		fe = append(fe, errs.Field("owner_phone", "housing.phone_invalid", nil))
	}
	if b.Owner.IDNumber != "" && !IDNumberOK(b.Owner.IDNumber) {
		fe = append(fe, errs.Field("owner_id_number", "housing.id_number_invalid", nil))
	}
	return fe.Err()
}

// CodeOK accepts building codes of 4 to 40 letters, digits and - _.
func CodeOK(s string) bool {
	if len(s) < 4 || len(s) > 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func phoneOK(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '-' || r == ' ' || r == '+':
		default:
			return false
		}
	}
	return digits >= 7 && digits <= 15
}

// IDNumberOK checks an 18-character resident ID number's form and check
// character (GB 11643, see person.IDNumberOK).
func IDNumberOK(s string) bool { return person.IDNumberOK(s) }

// Mask returns the masked forms of an owner's data: 张*, 139****5678,
// 3401**********1234 (the shared masks of internal/kit/person).
func Mask(o Owner) Owner {
	return Owner{Name: person.MaskName(o.Name), Phone: person.MaskPhone(o.Phone), IDNumber: person.MaskID(o.IDNumber)}
}

// OwnerMask is the one-line masked owner kept for lists and exports.
func OwnerMask(o Owner) string {
	m := Mask(o)
	parts := make([]string, 0, 2)
	for _, x := range []string{m.Name, m.Phone} {
		if x != "" {
			parts = append(parts, x)
		}
	}
	return strings.Join(parts, " ")
}
