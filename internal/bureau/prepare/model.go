package prepare

import (
	"slices"
	"strings"
	"time"

	"yingji/internal/kit/calendar"
	"yingji/internal/kit/codes"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/person"
)

// Plan categories (预案类别).
const (
	CatOverall    = "overall"    // 总体应急预案
	CatSpecial    = "special"    // 专项应急预案
	CatDepartment = "department" // 部门应急预案
	CatTown       = "town"       // 乡镇应急预案
	CatVillage    = "village"    // 村/社区应急预案
	CatEnterprise = "enterprise" // 企业应急预案
)

// Categories in display order.
var Categories = []string{CatOverall, CatSpecial, CatDepartment, CatTown, CatVillage, CatEnterprise}

// Plan states (the lifecycle).
const (
	StateDraft        = "draft"        // 起草
	StateConsultation = "consultation" // 征求意见
	StateReview       = "review"       // 专家评审 / 论证
	StateDeliberation = "deliberation" // 审议 (e.g. 县政府常务会议)
	StatePublished    = "published"    // 发布
	StateFiled        = "filed"        // 备案
	StateRevising     = "revising"     // 修订
	StepAssess        = "assess"       // 评估 (a step, not a state)
)

// States in lifecycle order.
var States = []string{StateDraft, StateConsultation, StateReview, StateDeliberation, StatePublished, StateFiled, StateRevising}

// Review kinds of enterprise plans (《生产安全事故应急预案管理办法》).
const (
	ReviewExpert = "expert" // 评审: expert review with written minutes
	ReviewDemo   = "demo"   // 论证: the lighter demonstration
)

// Revision triggers (修订情形, 国办发〔2024〕5号).
var Triggers = []string{"law", "command", "risk", "resources", "event", "drill", "assessment", "other"}

// FilingDays is the limit for 备案 after publication, in working days.
const FilingDays = 20

// AssessYears is the interval of the plan assessment (评估).
const AssessYears = 3

// ReviewSectors are the enterprise sectors whose plans need an expert
// 评审 with minutes (mines, smelting, construction, hazardous chemicals,
// fireworks); others do a 论证 unless they are above designated size
// (规上, the register's nearest mark of medium-size or larger).
var ReviewSectors = []string{"mine", "metallurgy", "nonferrous", "construction", "chem_produce", "chem_trade", "petrol", "fireworks_wholesale"}

// ReviewKindFor is the review an enterprise plan needs.
func ReviewKindFor(sector, scale string) string {
	if slices.Contains(ReviewSectors, sector) || scale == "above" {
		return ReviewExpert
	}
	return ReviewDemo
}

// Plan is an emergency plan (应急预案) with its current version's dates.
type Plan struct {
	ID               string    `json:"id"`
	CountyCode       string    `json:"county_code"`
	Name             string    `json:"name"`
	Category         string    `json:"category"`
	OwnerUnit        string    `json:"owner_unit"`
	RegionCode       string    `json:"region_code,omitempty"`
	EnterpriseID     string    `json:"enterprise_id,omitempty"`
	Flood            bool      `json:"flood"`
	ReviewKind       string    `json:"review_kind,omitempty"`
	State            string    `json:"state"`
	Version          int       `json:"version"`
	DraftedOn        string    `json:"drafted_on"`
	Revised          bool      `json:"revised"`
	RevisionTrigger  string    `json:"revision_trigger,omitempty"`
	ReviewedOn       string    `json:"reviewed_on,omitempty"`
	ReviewExperts    string    `json:"review_experts,omitempty"`
	ReviewMinutes    string    `json:"review_minutes,omitempty"`
	ReviewOpinions   string    `json:"review_opinions,omitempty"`
	ReviewOnline     bool      `json:"review_online"`
	DeliberatedOn    string    `json:"deliberated_on,omitempty"`
	DeliberationBody string    `json:"deliberation_body,omitempty"`
	PublishedOn      string    `json:"published_on,omitempty"`
	FilingDue        string    `json:"filing_due,omitempty"`
	FiledOn          string    `json:"filed_on,omitempty"`
	FiledTo          string    `json:"filed_to,omitempty"`
	AssessedOn       string    `json:"assessed_on,omitempty"`
	NextAssessment   string    `json:"next_assessment,omitempty"`
	CreatedBy        string    `json:"-"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// Government reports whether the plan is a government or department plan
// (assessed every 3 years).
func (p Plan) Government() bool {
	return p.Category == CatOverall || p.Category == CatSpecial || p.Category == CatDepartment
}

// ReviewRequired reports whether the plan may be published only after a
// review record: every government, department and enterprise plan
// (评审 or 论证); town and village plans may be published without.
func (p Plan) ReviewRequired() bool { return p.Category != CatTown && p.Category != CatVillage }

// DeliberationRequired reports whether the plan must pass a 审议
// (overall and special plans: the county government's executive meeting).
func (p Plan) DeliberationRequired() bool {
	return p.Category == CatOverall || p.Category == CatSpecial
}

// FilingBody is whom the plan is filed with (备案, 国办发〔2024〕5号).
func FilingBody(category string) string {
	switch category {
	case CatOverall:
		return "上级人民政府"
	case CatSpecial:
		return "上级相应牵头部门"
	case CatDepartment:
		return "本级人民政府（经应急管理部门）"
	case CatTown:
		return "县人民政府"
	case CatVillage:
		return "乡镇人民政府"
	case CatEnterprise:
		return "县应急管理局"
	}
	return ""
}

// Step is one lifecycle step asked for: the state to enter (or assess),
// its date and what it records.
type Step struct {
	To      string `json:"to"`
	On      string `json:"on"`
	Experts string `json:"experts,omitempty"`  // review: the experts
	Minutes string `json:"minutes,omitempty"`  // review: 评审纪要
	Opinion string `json:"opinion,omitempty"`  // review / consultation: opinions
	Online  bool   `json:"online,omitempty"`   // review held online
	Body    string `json:"body,omitempty"`     // deliberation: e.g. 县政府常务会议
	FiledTo string `json:"filed_to,omitempty"` // filing: the body (default FilingBody)
	Trigger string `json:"trigger,omitempty"`  // revision: one of Triggers
	Note    string `json:"note,omitempty"`
}

// next lists the states a plan may go to from its state.
var next = map[string][]string{
	StateDraft:        {StateConsultation, StateReview, StatePublished},
	StateRevising:     {StateConsultation, StateReview, StatePublished},
	StateConsultation: {StateReview, StatePublished},
	StateReview:       {StateDeliberation, StatePublished},
	StateDeliberation: {StatePublished},
	StatePublished:    {StateFiled, StepAssess, StateRevising},
	StateFiled:        {StepAssess, StateRevising},
}

// NextSteps lists the steps open to a plan: the transitions from its
// state whose rules its records already satisfy (each is tried on a copy
// with a complete step record, so only the plan's own gaps — a missing
// review, deliberation — close a step).
func NextSteps(p Plan) []string {
	var out []string
	for _, s := range next[p.State] {
		if Apply(&Plan{Category: p.Category, State: p.State, ReviewedOn: p.ReviewedOn, DeliberatedOn: p.DeliberatedOn, ReviewKind: p.ReviewKind,
			PublishedOn: p.PublishedOn, DraftedOn: p.DraftedOn}, Step{To: s, On: "2999-12-31", Experts: "x", Minutes: "x", Body: "x", Trigger: "other"}, calendar.New(nil, nil)) == nil {
			out = append(out, s)
		}
	}
	return out
}

func conflict(rule string) error { return errs.New(errs.Conflict, "prepare.rule."+rule) }

// Apply takes a lifecycle step on p (the pure rule both the forms and the
// API use): it checks the step is allowed from p's state, that the step's
// record is complete, and moves the dates. cal counts the 备案 limit in
// working days. A refused step is a 409 naming the rule; a missing field
// a 422 naming the field.
func Apply(p *Plan, s Step, cal calendar.Calendar) error {
	on, err := calendar.NormalizeDay(s.On)
	if err != nil {
		return errs.Field("on", "prepare.date_invalid", nil)
	}
	if !slices.Contains(next[p.State], s.To) {
		return conflict("transition")
	}
	if last := p.lastDate(); last != "" && on < last {
		return errs.Field("on", "prepare.date_before", map[string]any{"Date": last})
	}
	switch s.To {
	case StateConsultation:
		// nothing more to record than the date and the opinions
	case StateReview:
		var fe errs.FieldErrors
		if strings.TrimSpace(s.Experts) == "" {
			fe = append(fe, errs.Field("experts", "prepare.experts_required", nil))
		}
		// 评审 needs written minutes; a 论证 may record opinions only.
		if p.ReviewKind != ReviewDemo && strings.TrimSpace(s.Minutes) == "" {
			fe = append(fe, errs.Field("minutes", "prepare.minutes_required", nil))
		}
		if err := fe.Err(); err != nil {
			return err
		}
		p.ReviewedOn, p.ReviewExperts, p.ReviewMinutes, p.ReviewOpinions, p.ReviewOnline = on, s.Experts, s.Minutes, s.Opinion, s.Online
	case StateDeliberation:
		if p.ReviewedOn == "" {
			return conflict("review_required")
		}
		if strings.TrimSpace(s.Body) == "" {
			return errs.Field("body", "prepare.body_required", nil)
		}
		p.DeliberatedOn, p.DeliberationBody = on, s.Body
	case StatePublished:
		if p.ReviewRequired() && p.ReviewedOn == "" {
			return conflict("review_required")
		}
		if p.DeliberationRequired() && p.DeliberatedOn == "" {
			return conflict("deliberation_required")
		}
		p.PublishedOn = on
		p.FilingDue = FilingDue(cal, on)
		if p.Government() {
			p.NextAssessment = AddYears(on, AssessYears)
		}
	case StateFiled:
		to := strings.TrimSpace(s.FiledTo)
		if to == "" {
			to = FilingBody(p.Category)
		}
		p.FiledOn, p.FiledTo = on, to
	case StepAssess:
		if !p.Government() {
			return conflict("assess_government_only")
		}
		p.AssessedOn, p.NextAssessment = on, AddYears(on, AssessYears)
		return nil // the state stays
	case StateRevising:
		if !slices.Contains(Triggers, s.Trigger) {
			return errs.Field("trigger", "prepare.trigger_required", nil)
		}
		p.Version++
		p.Revised, p.RevisionTrigger, p.DraftedOn = true, s.Trigger, on
		p.ReviewedOn, p.ReviewExperts, p.ReviewMinutes, p.ReviewOpinions, p.ReviewOnline = "", "", "", "", false
		p.DeliberatedOn, p.DeliberationBody, p.PublishedOn, p.FilingDue, p.FiledOn, p.FiledTo = "", "", "", "", "", ""
	}
	p.State = s.To
	return nil
}

// lastDate is the latest lifecycle date of the current version.
func (p Plan) lastDate() string {
	last := ""
	for _, d := range []string{p.DraftedOn, p.ReviewedOn, p.DeliberatedOn, p.PublishedOn, p.FiledOn} {
		if d > last {
			last = d
		}
	}
	return last
}

// FilingDue is the last day for 备案: 20 working days after publication.
func FilingDue(cal calendar.Calendar, published string) string {
	t, err := calendar.ParseDay(published)
	if err != nil {
		return ""
	}
	return cal.AddWorkingDays(t, FilingDays).Format(calendar.DateLayout)
}

// AddYears adds years to a stored date (29 February → 28 February).
func AddYears(day string, n int) string {
	t, err := calendar.ParseDay(day)
	if err != nil {
		return ""
	}
	out := time.Date(t.Year()+n, t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	if out.Month() != t.Month() {
		out = time.Date(t.Year()+n, t.Month()+1, 0, 0, 0, 0, 0, time.UTC)
	}
	return out.Format(calendar.DateLayout)
}

// FilingOverdue reports whether a published plan is past its 备案 limit
// on today without being filed.
func (p Plan) FilingOverdue(today string) bool {
	return p.State == StatePublished && p.FilingDue != "" && p.FilingDue < today
}

// Current reports whether the plan is in force and not due for its
// assessment on today (published or filed, assessment not overdue).
func (p Plan) Current(today string) bool {
	if p.State != StatePublished && p.State != StateFiled {
		return false
	}
	return p.NextAssessment == "" || p.NextAssessment >= today
}

// ValidatePlan checks a new or edited plan's fields.
func ValidatePlan(p *Plan) error {
	var fe errs.FieldErrors
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" {
		fe = append(fe, errs.Field("name", "prepare.name_required", nil))
	}
	if !slices.Contains(Categories, p.Category) {
		fe = append(fe, errs.Field("category", "prepare.category_invalid", nil))
	}
	if p.Category == CatEnterprise && p.EnterpriseID == "" {
		fe = append(fe, errs.Field("enterprise_id", "prepare.enterprise_required", nil))
	}
	if p.Category != CatEnterprise {
		p.EnterpriseID, p.ReviewKind = "", ""
	}
	if (p.Category == CatTown || p.Category == CatVillage) && p.RegionCode == "" {
		fe = append(fe, errs.Field("region_code", "prepare.region_required", nil))
	}
	if d, err := calendar.NormalizeDay(p.DraftedOn); err != nil {
		fe = append(fe, errs.Field("drafted_on", "prepare.date_invalid", nil))
	} else {
		p.DraftedOn = d
	}
	return fe.Err()
}

// Team kinds (队伍类型).
const (
	KindComprehensive = "comprehensive" // 综合性救援队伍
	KindProfessional  = "professional"  // 专业救援队伍
	KindSocial        = "social"        // 社会救援力量
	KindEnterprise    = "enterprise"    // 企业救援队伍
	KindDykePatrol    = "dyke_patrol"   // 巡堤查险队伍
	KindFloodRescue   = "flood_rescue"  // 防汛抢险队伍
)

// TeamKinds in display order, with their Chinese names (Excel).
var TeamKinds = codes.Pairs([][2]string{{KindComprehensive, "综合"}, {KindProfessional, "专业"}, {KindSocial, "社会"}, {KindEnterprise, "企业"},
	{KindDykePatrol, "巡堤查险"}, {KindFloodRescue, "防汛抢险"}})

// Levels of teams.
var Levels = codes.Pairs([][2]string{{"county", "县级"}, {"town", "乡镇级"}, {"village", "村级"}})

// Readiness values.
var Readiness = codes.Pairs([][2]string{{"ready", "随时可调"}, {"partial", "部分就绪"}, {"not_ready", "未就绪"}})

// Team is a rescue team (救援队伍); patrol teams carry their dyke section
// and line.
type Team struct {
	ID                string    `json:"id"`
	CountyCode        string    `json:"county_code"`
	Name              string    `json:"name"`
	Kind              string    `json:"kind"`
	Level             string    `json:"level"`
	RegionCode        string    `json:"region_code,omitempty"`
	EnterpriseID      string    `json:"enterprise_id,omitempty"`
	Headcount         int       `json:"headcount"`
	Leader            string    `json:"leader"`
	Phone             string    `json:"phone"`
	Equipment         string    `json:"equipment"`
	Readiness         string    `json:"readiness"`
	DykeSection       string    `json:"dyke_section,omitempty"`
	PatrolLine        int       `json:"patrol_line,omitempty"`
	Lat               *float64  `json:"lat,omitempty"`
	Lng               *float64  `json:"lng,omitempty"`
	EstablishedOn     string    `json:"established_on"`
	SuppliesUpdatedOn string    `json:"supplies_updated_on,omitempty"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
	PhoneMasked       bool      `json:"phone_masked,omitempty"`
}

// ValidateTeam checks a team: a name, a known kind and level, a
// headcount of at least 1 (a negative headcount is refused), a valid
// phone, a dyke section and line 1–3 for patrol teams, an enterprise for
// enterprise teams, a town for town and village teams.
func ValidateTeam(t *Team) error {
	var fe errs.FieldErrors
	t.Name = strings.TrimSpace(t.Name)
	if t.Name == "" {
		fe = append(fe, errs.Field("name", "prepare.name_required", nil))
	}
	if TeamKinds.Value(t.Kind) == "" {
		fe = append(fe, errs.Field("kind", "prepare.kind_invalid", nil))
	} else {
		t.Kind = TeamKinds.Value(t.Kind)
	}
	if Levels.Value(t.Level) == "" {
		fe = append(fe, errs.Field("level", "prepare.level_invalid", nil))
	} else {
		t.Level = Levels.Value(t.Level)
	}
	if t.Headcount < 0 {
		fe = append(fe, errs.Field("headcount", "prepare.headcount_negative", nil))
	} else if t.Headcount == 0 {
		fe = append(fe, errs.Field("headcount", "prepare.headcount_required", nil))
	}
	if t.Phone = strings.TrimSpace(t.Phone); t.Phone != "" && !person.PhoneOK(t.Phone) {
		fe = append(fe, errs.Field("phone", "prepare.phone_invalid", nil))
	}
	if t.Readiness == "" {
		t.Readiness = "ready"
	}
	if Readiness.Value(t.Readiness) == "" {
		fe = append(fe, errs.Field("readiness", "prepare.readiness_invalid", nil))
	} else {
		t.Readiness = Readiness.Value(t.Readiness)
	}
	if t.Kind == KindDykePatrol {
		if strings.TrimSpace(t.DykeSection) == "" {
			fe = append(fe, errs.Field("dyke_section", "prepare.dyke_section_required", nil))
		}
		if t.PatrolLine < 1 || t.PatrolLine > 3 {
			fe = append(fe, errs.Field("patrol_line", "prepare.patrol_line_invalid", nil))
		}
	} else {
		t.DykeSection, t.PatrolLine = "", 0
	}
	if t.Kind == KindEnterprise && t.EnterpriseID == "" {
		fe = append(fe, errs.Field("enterprise_id", "prepare.enterprise_required", nil))
	}
	if (t.Level == "town" || t.Level == "village") && t.RegionCode == "" {
		fe = append(fe, errs.Field("region_code", "prepare.region_required", nil))
	}
	if d, err := calendar.NormalizeDay(t.EstablishedOn); err != nil {
		fe = append(fe, errs.Field("established_on", "prepare.date_invalid", nil))
	} else {
		t.EstablishedOn = d
	}
	if t.SuppliesUpdatedOn != "" {
		if d, err := calendar.NormalizeDay(t.SuppliesUpdatedOn); err != nil {
			fe = append(fe, errs.Field("supplies_updated_on", "prepare.date_invalid", nil))
		} else {
			t.SuppliesUpdatedOn = d
		}
	}
	if (t.Lat == nil) != (t.Lng == nil) {
		fe = append(fe, errs.Field("lat", "prepare.latlng_invalid", nil))
	}
	return fe.Err()
}

// RollCall is a 点验 of a team.
type RollCall struct {
	ID         string    `json:"id"`
	TeamID     string    `json:"team_id"`
	OnDate     string    `json:"on_date"`
	Present    int       `json:"present"`
	Result     string    `json:"result"` // pass | fail
	Note       string    `json:"note,omitempty"`
	RecordedAt time.Time `json:"recorded_at"`
}

// ValidateRollCall checks a roll call against its team.
func ValidateRollCall(r *RollCall, t Team) error {
	var fe errs.FieldErrors
	if d, err := calendar.NormalizeDay(r.OnDate); err != nil {
		fe = append(fe, errs.Field("on_date", "prepare.date_invalid", nil))
	} else {
		r.OnDate = d
	}
	if r.Present < 0 || r.Present > t.Headcount {
		fe = append(fe, errs.Field("present", "prepare.present_invalid", map[string]any{"Max": t.Headcount}))
	}
	if r.Result != "pass" && r.Result != "fail" {
		fe = append(fe, errs.Field("result", "prepare.result_invalid", nil))
	}
	return fe.Err()
}

// Drill forms (演练形式).
var DrillForms = codes.Pairs([][2]string{{"tabletop", "桌面推演"}, {"field", "实战演练"}, {"county_town", "县镇联动"}, {"functional", "功能演练"}})

// Drill is a 演练.
type Drill struct {
	ID           string      `json:"id"`
	CountyCode   string      `json:"county_code"`
	Name         string      `json:"name"`
	PlanID       string      `json:"plan_id,omitempty"`
	DrillOn      string      `json:"drill_on"`
	Form         string      `json:"form"`
	RegionCode   string      `json:"region_code,omitempty"`
	EnterpriseID string      `json:"enterprise_id,omitempty"`
	Units        string      `json:"units"`
	Participants int         `json:"participants"`
	Evaluation   string      `json:"evaluation"`
	Tasks        []DrillTask `json:"tasks,omitempty"`
	CreatedAt    time.Time   `json:"created_at"`
	UpdatedAt    time.Time   `json:"updated_at"`
}

// DrillTask is a problem a drill found and its follow-up (整改任务).
type DrillTask struct {
	ID      string `json:"id"`
	DrillID string `json:"drill_id"`
	Problem string `json:"problem"`
	Owner   string `json:"owner"`
	DueOn   string `json:"due_on"`
	DoneOn  string `json:"done_on,omitempty"`
}

// ValidateDrill checks a drill and its tasks (each problem needs an owner
// and a due date not before the drill).
func ValidateDrill(d *Drill) error {
	var fe errs.FieldErrors
	if d.Name = strings.TrimSpace(d.Name); d.Name == "" {
		fe = append(fe, errs.Field("name", "prepare.name_required", nil))
	}
	if dd, err := calendar.NormalizeDay(d.DrillOn); err != nil {
		fe = append(fe, errs.Field("drill_on", "prepare.date_invalid", nil))
	} else {
		d.DrillOn = dd
	}
	if DrillForms.Value(d.Form) == "" {
		fe = append(fe, errs.Field("form", "prepare.form_invalid", nil))
	} else {
		d.Form = DrillForms.Value(d.Form)
	}
	if d.Participants < 0 {
		fe = append(fe, errs.Field("participants", "prepare.participants_invalid", nil))
	}
	for i := range d.Tasks {
		t := &d.Tasks[i]
		if strings.TrimSpace(t.Problem) == "" {
			continue
		}
		if strings.TrimSpace(t.Owner) == "" {
			fe = append(fe, errs.Field("task_owner", "prepare.task_owner_required", nil))
		}
		due, err := calendar.NormalizeDay(t.DueOn)
		if err != nil || due < d.DrillOn {
			fe = append(fe, errs.Field("task_due", "prepare.task_due_invalid", nil))
		}
		t.DueOn = due
	}
	return fe.Err()
}

// Expert is an expert of the pool (专家库).
type Expert struct {
	ID          string    `json:"id"`
	CountyCode  string    `json:"county_code"`
	Name        string    `json:"name"`
	Field       string    `json:"field"`
	Unit        string    `json:"unit"`
	Title       string    `json:"title"`
	Phone       string    `json:"phone"`
	PhoneMasked bool      `json:"phone_masked,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// ExpertFields are the fields of the expert pool.
var ExpertFields = codes.Pairs([][2]string{{"mine", "非煤矿山"}, {"chemical", "危险化学品"}, {"industry", "工贸"}, {"flood", "防汛抗旱"},
	{"fire", "森林防火"}, {"geology", "地质灾害"}, {"rescue", "应急救援"}, {"medical", "医疗救护"}})

// ValidateExpert checks an expert.
func ValidateExpert(e *Expert) error {
	var fe errs.FieldErrors
	if e.Name = strings.TrimSpace(e.Name); e.Name == "" {
		fe = append(fe, errs.Field("name", "prepare.name_required", nil))
	}
	if ExpertFields.Value(e.Field) == "" {
		fe = append(fe, errs.Field("field", "prepare.field_invalid", nil))
	} else {
		e.Field = ExpertFields.Value(e.Field)
	}
	if e.Phone = strings.TrimSpace(e.Phone); e.Phone != "" && !person.PhoneOK(e.Phone) {
		fe = append(fe, errs.Field("phone", "prepare.phone_invalid", nil))
	}
	return fe.Err()
}

// Completeness weights of an enterprise's emergency resources.
const (
	WeightPlan     = 40 // a filed, current plan
	WeightTeam     = 30 // a team (its own or an enterprise team)
	WeightSupplies = 30 // supplies recorded (asked of the supplies module)
)

// Score is an enterprise's completeness (0–100) and freshness (days since
// its latest update of plan or team; -1 when it has neither).
type Score struct {
	EnterpriseID string `json:"enterprise_id"`
	Name         string `json:"name"`
	TownCode     string `json:"town_code"`
	SectionID    string `json:"section_id"`
	Plan         bool   `json:"plan"`
	Team         bool   `json:"team"`
	Supplies     bool   `json:"supplies"`
	Score        int    `json:"score"`
	Freshness    int    `json:"freshness_days"`
}

// Completeness scores an enterprise from what it has.
func Completeness(plan, team, supplies bool) int {
	n := 0
	if plan {
		n += WeightPlan
	}
	if team {
		n += WeightTeam
	}
	if supplies {
		n += WeightSupplies
	}
	return n
}
