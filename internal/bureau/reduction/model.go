// Package reduction is the bureau's disaster-reduction work (防灾减灾):
// disaster reports per disaster event (灾情报送: 初报 → 续报 … → 核报 by
// town, with zero reports), the disaster information officers (灾害信息员)
// by village, the comprehensive disaster-reduction demonstration
// communities (综合减灾示范社区), the forest-fire 防火码 checkpoints with
// their scan counts, and the training and publicity records the report's
// figures come from. Relief programmes and payments are another package.
//
// This file holds the pure rules: no SQL, no HTTP.
package reduction

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"yingji/internal/kit/calendar"
	"yingji/internal/kit/codes"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/person"
)

// ---------------------------------------------------------------------
// Disaster events and reports (灾情报送, 《自然灾害情况统计调查制度》)

// Hazard kinds of an event (灾种/亚灾种, mandatory at county level).
var HazardKinds = codes.Pairs([][2]string{{"rainstorm_flood", "暴雨洪涝"}, {"wind_hail", "风雹"}, {"drought", "干旱"}, {"low_temp_freeze", "低温冷冻"},
	{"snow", "雪灾"}, {"typhoon", "台风"}, {"earthquake", "地震"}, {"geological", "地质灾害"}, {"forest_fire", "森林火灾"}, {"other", "其他"}})

// Report kinds: one 初报, any number of 续报, one 核报 per town and event.
const (
	KindInitial  = "initial"  // 初报
	KindFollowup = "followup" // 续报
	KindFinal    = "final"    // 核报
)

// ReportKinds in order.
var ReportKinds = codes.Pairs([][2]string{{KindInitial, "初报"}, {KindFollowup, "续报"}, {KindFinal, "核报"}})

// Event is one disaster process (灾害过程).
type Event struct {
	ID         string    `json:"id"`
	CountyCode string    `json:"county_code"`
	Name       string    `json:"name"`
	HazardKind string    `json:"hazard_kind"`
	StartedAt  time.Time `json:"started_at"` // when the disaster happened
	StableOn   string    `json:"stable_on"`  // day the situation became stable ("" while ongoing)
	Note       string    `json:"note"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
}

// Indicators are the standard figures of a report. Figures are the
// cumulative totals of the town for the event (each report restates them).
type Indicators struct {
	Affected   int64 `json:"affected"`    // 受灾人口 (人)
	Evacuated  int64 `json:"evacuated"`   // 紧急转移安置人口 (人)
	NeedAid    int64 `json:"need_aid"`    // 需紧急生活救助人口 (人)
	Dead       int64 `json:"dead"`        // 死亡人口 (人)
	Missing    int64 `json:"missing"`     // 失踪人口 (人)
	Collapsed  int64 `json:"collapsed"`   // 倒塌房屋 (间)
	Severe     int64 `json:"severe"`      // 严重损坏房屋 (间)
	Damaged    int64 `json:"damaged"`     // 一般损坏房屋 (间)
	CropTenths int64 `json:"crop_tenths"` // 农作物受灾面积, tenths of a hectare (0.1 公顷)
	LossFen    int64 `json:"loss_fen"`    // 直接经济损失 (分)
}

// IndicatorKeys lists the indicators in form order (their JSON names).
var IndicatorKeys = []string{"affected", "evacuated", "need_aid", "dead", "missing", "collapsed", "severe", "damaged", "crop_tenths", "loss_fen"}

// Get returns an indicator by key.
func (x Indicators) Get(k string) int64 {
	switch k {
	case "affected":
		return x.Affected
	case "evacuated":
		return x.Evacuated
	case "need_aid":
		return x.NeedAid
	case "dead":
		return x.Dead
	case "missing":
		return x.Missing
	case "collapsed":
		return x.Collapsed
	case "severe":
		return x.Severe
	case "damaged":
		return x.Damaged
	case "crop_tenths":
		return x.CropTenths
	case "loss_fen":
		return x.LossFen
	}
	return 0
}

// Set sets an indicator by key.
func (x *Indicators) Set(k string, v int64) {
	switch k {
	case "affected":
		x.Affected = v
	case "evacuated":
		x.Evacuated = v
	case "need_aid":
		x.NeedAid = v
	case "dead":
		x.Dead = v
	case "missing":
		x.Missing = v
	case "collapsed":
		x.Collapsed = v
	case "severe":
		x.Severe = v
	case "damaged":
		x.Damaged = v
	case "crop_tenths":
		x.CropTenths = v
	case "loss_fen":
		x.LossFen = v
	}
}

// Zero reports whether every indicator is zero (零报告).
func (x Indicators) Zero() bool {
	for _, k := range IndicatorKeys {
		if x.Get(k) != 0 {
			return false
		}
	}
	return true
}

// Report is one town's report on an event.
type Report struct {
	ID          string    `json:"id"`
	CountyCode  string    `json:"county_code"`
	EventID     string    `json:"event_id"`
	TownCode    string    `json:"town_code"`
	Kind        string    `json:"kind"`
	Seq         int       `json:"seq"` // 1 for the 初报, then 2, 3 … in the town's chain
	Indicators            // the standard figures
	Zero        bool      `json:"zero"`        // 零报告: nothing happened in the town
	Explanation string    `json:"explanation"` // why figures jumped (required for a large jump)
	Reporter    string    `json:"reporter"`    // the information officer or town staff who reported
	ReportedAt  time.Time `json:"reported_at"`
	Late        bool      `json:"late"` // after its deadline
	Note        string    `json:"note"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
}

// Deadlines (《自然灾害情况统计调查制度》): the county's 初报 within 2 hours
// of the disaster, a 续报 at least every 7 days while it lasts, the 核报
// within 5 days after the situation is stable.
const (
	InitialWithin  = 2 * time.Hour
	FollowupEvery  = 7 * 24 * time.Hour
	FinalWithinDay = 5
)

// DueOf returns the deadline of the next report of a town's chain given
// the reports so far (zero time: no deadline, the chain is closed).
func DueOf(e Event, chain []Report) time.Time {
	if len(chain) == 0 {
		return e.StartedAt.Add(InitialWithin)
	}
	last := chain[len(chain)-1]
	if last.Kind == KindFinal {
		return time.Time{}
	}
	if e.StableOn != "" {
		d, err := calendar.ParseDay(e.StableOn)
		if err == nil {
			return time.Date(d.Year(), d.Month(), d.Day()+FinalWithinDay+1, 0, 0, 0, 0, shanghai)
		}
	}
	return last.ReportedAt.Add(FollowupEvery)
}

var shanghai = time.FixedZone("CST", 8*3600)

// Jump thresholds: a figure that rises by more than JumpRatio of the
// previous report's figure, and by at least the indicator's minimum, is a
// large jump (大幅变化) and needs a written explanation; so does any
// figure that falls (figures are cumulative).
const JumpRatio = 0.5

// jumpMin is the smallest rise that counts as a jump, per indicator.
var jumpMin = map[string]int64{"affected": 500, "evacuated": 100, "need_aid": 100, "dead": 1, "missing": 1, "collapsed": 5,
	"severe": 10, "damaged": 20, "crop_tenths": 1000, "loss_fen": 100_000_00}

// Jumps returns the indicators whose change from prev to next is large
// (risen by more than half and by at least the minimum) or a fall.
func Jumps(prev, next Indicators) []string {
	var out []string
	for _, k := range IndicatorKeys {
		a, b := prev.Get(k), next.Get(k)
		switch {
		case b < a:
			out = append(out, k)
		case b-a >= jumpMin[k] && float64(b-a) > JumpRatio*float64(a):
			out = append(out, k)
		}
	}
	return out
}

// RuleError is a refused step naming its rule (409).
func rule(msg string, args map[string]any) error {
	return &errs.Error{Kind: errs.Conflict, Message: msg, Args: args, Field: "kind"}
}

// CheckReport checks a new report against the town's chain so far
// (oldest first) and fills its Seq, Zero and Late. The rules:
//   - the first report of a town is the 初报 (a 续报 or 核报 before it is
//     refused: reduction.rule.initial_first);
//   - one 初报 per town (reduction.rule.initial_once);
//   - nothing after the 核报 (reduction.rule.after_final);
//   - a 核报 only once the event is stable (reduction.rule.final_needs_stable);
//   - a large jump from the previous report needs an explanation
//     (reduction.rule.jump_explained);
//   - a report is not before the disaster nor before the previous one.
func CheckReport(e Event, chain []Report, r *Report) error {
	var fe errs.FieldErrors
	switch r.Kind {
	case KindInitial, KindFollowup, KindFinal:
	default:
		return errs.Field("kind", "field.invalid", nil)
	}
	for _, k := range IndicatorKeys {
		if r.Get(k) < 0 {
			fe = append(fe, errs.Field(k, "reduction.negative", nil))
		}
	}
	if r.Dead+r.Missing > r.Affected && r.Affected > 0 {
		fe = append(fe, errs.Field("dead", "reduction.dead_over_affected", nil))
	}
	if r.Evacuated > r.Affected || r.NeedAid > r.Affected {
		fe = append(fe, errs.Field("evacuated", "reduction.part_over_affected", nil))
	}
	if r.ReportedAt.IsZero() {
		fe = append(fe, errs.Field("reported_at", "field.required", nil))
	} else if r.ReportedAt.Before(e.StartedAt) {
		fe = append(fe, errs.Field("reported_at", "reduction.report_before_event", nil))
	}
	if err := checkText(&fe, map[string]*string{"reporter": &r.Reporter, "explanation": &r.Explanation, "note": &r.Note}, 500); err != nil {
		return err
	}
	if err := fe.Err(); err != nil {
		return err
	}
	r.Zero = r.Indicators.Zero()
	if len(chain) == 0 {
		if r.Kind != KindInitial {
			return rule("reduction.rule.initial_first", map[string]any{"Kind": r.Kind})
		}
	} else {
		last := chain[len(chain)-1]
		switch {
		case last.Kind == KindFinal:
			return rule("reduction.rule.after_final", nil)
		case r.Kind == KindInitial:
			return rule("reduction.rule.initial_once", nil)
		case r.ReportedAt.Before(last.ReportedAt):
			return errs.Field("reported_at", "reduction.report_before_previous", map[string]any{"Previous": last.ReportedAt.In(shanghai).Format("2006-01-02 15:04")})
		}
		if r.Kind == KindFinal && e.StableOn == "" {
			return rule("reduction.rule.final_needs_stable", nil)
		}
		if j := Jumps(last.Indicators, r.Indicators); len(j) > 0 && strings.TrimSpace(r.Explanation) == "" {
			return &errs.Error{Kind: errs.Conflict, Message: "reduction.rule.jump_explained", Field: "explanation",
				Args: map[string]any{"Fields": strings.Join(j, ", "), "Ratio": int(JumpRatio * 100)}}
		}
	}
	due := DueOf(e, chain)
	r.Seq = len(chain) + 1
	r.Late = !due.IsZero() && r.ReportedAt.After(due)
	return nil
}

// ValidateEvent checks an event.
func ValidateEvent(e *Event, now time.Time) error {
	var fe errs.FieldErrors
	e.Name = strings.TrimSpace(e.Name)
	if e.Name == "" {
		fe = append(fe, errs.Field("name", "field.required", nil))
	}
	if !known(HazardKinds, e.HazardKind) {
		fe = append(fe, errs.Field("hazard_kind", "field.invalid", nil))
	}
	switch {
	case e.StartedAt.IsZero():
		fe = append(fe, errs.Field("started_at", "field.required", nil))
	case e.StartedAt.After(now):
		fe = append(fe, errs.Field("started_at", "reduction.future", nil))
	}
	if e.StableOn != "" {
		d, err := calendar.ParseDay(e.StableOn)
		if err != nil {
			fe = append(fe, errs.Field("stable_on", "reduction.date_invalid", nil))
		} else if d.Format(calendar.DateLayout) < e.StartedAt.In(shanghai).Format(calendar.DateLayout) {
			fe = append(fe, errs.Field("stable_on", "reduction.stable_before_start", nil))
		} else {
			e.StableOn = d.Format(calendar.DateLayout)
		}
	}
	if err := checkText(&fe, map[string]*string{"note": &e.Note}, 1000); err != nil {
		return err
	}
	return fe.Err()
}

// ---------------------------------------------------------------------
// Disaster information officers (灾害信息员)

// Officer roles: A 主要信息员 (one per village), B 备用/协助信息员.
const (
	RoleA = "A"
	RoleB = "B"
)

// Roles lists the officer roles.
var Roles = codes.Pairs([][2]string{{RoleA, "A岗"}, {RoleB, "B岗"}})

// Officer is a disaster information officer of a village or community.
type Officer struct {
	ID           string    `json:"id"`
	CountyCode   string    `json:"county_code"`
	TownCode     string    `json:"town_code"`
	VillageCode  string    `json:"village_code"`
	Name         string    `json:"name"`
	Phone        string    `json:"phone"`
	PhoneMasked  bool      `json:"phone_masked,omitempty"`
	Role         string    `json:"role"`     // A or B
	Position     string    `json:"position"` // 村委会主任, 网格员 …
	RegisteredOn string    `json:"registered_on"`
	TrainedOn    string    `json:"trained_on"` // last training ("" never)
	Note         string    `json:"note"`
	CreatedBy    string    `json:"created_by"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// ValidateOfficer checks an officer's fields; others are the officers
// already registered in the same village (without this one), for the
// one-A-per-village rule.
func ValidateOfficer(o *Officer, others []Officer, today string) error {
	var fe errs.FieldErrors
	o.Name, o.Phone = strings.TrimSpace(o.Name), strings.TrimSpace(o.Phone)
	if o.Name == "" {
		fe = append(fe, errs.Field("name", "field.required", nil))
	}
	if o.Phone == "" {
		fe = append(fe, errs.Field("phone", "field.required", nil))
	} else if !person.PhoneOK(o.Phone) {
		fe = append(fe, errs.Field("phone", "reduction.phone_invalid", nil))
	}
	if len(o.VillageCode) != 12 {
		fe = append(fe, errs.Field("village_code", "field.required", nil))
	}
	if o.Role != RoleA && o.Role != RoleB {
		fe = append(fe, errs.Field("role", "field.invalid", nil))
	}
	for k, p := range map[string]*string{"registered_on": &o.RegisteredOn, "trained_on": &o.TrainedOn} {
		if *p == "" {
			continue
		}
		d, err := calendar.ParseDay(*p)
		if err != nil {
			fe = append(fe, errs.Field(k, "reduction.date_invalid", nil))
			continue
		}
		if *p = d.Format(calendar.DateLayout); *p > today {
			fe = append(fe, errs.Field(k, "reduction.future", nil))
		}
	}
	if o.RegisteredOn == "" {
		o.RegisteredOn = today
	}
	if err := checkText(&fe, map[string]*string{"position": &o.Position, "note": &o.Note}, 500); err != nil {
		return err
	}
	if err := fe.Err(); err != nil {
		return err
	}
	if o.Role == RoleA {
		for _, x := range others {
			if x.Role == RoleA && x.ID != o.ID {
				return rule("reduction.rule.one_a_per_village", map[string]any{"Name": x.Name})
			}
		}
	}
	return nil
}

// CheckRemoveOfficer refuses removing the last officer of a village (at
// least one per village) and the A officer while B officers remain.
func CheckRemoveOfficer(o Officer, villageOfficers []Officer) error {
	n := 0
	for _, x := range villageOfficers {
		if x.ID != o.ID {
			n++
		}
	}
	if n == 0 {
		return rule("reduction.rule.last_officer", nil)
	}
	if o.Role == RoleA {
		return rule("reduction.rule.a_needs_successor", nil)
	}
	return nil
}

// ---------------------------------------------------------------------
// Demonstration communities (综合减灾示范社区)

// Community stages: the application, then the county's check with its
// on-site visit, the city, the province and the national committee.
const (
	StageApplied  = "applied"
	StageCounty   = "county"
	StageCity     = "city"
	StageProvince = "province"
	StageNational = "national"
)

// Stages in order.
var Stages = codes.Pairs([][2]string{{StageApplied, "已申请"}, {StageCounty, "县级审核通过"}, {StageCity, "市级初评通过"}, {StageProvince, "省级通过"},
	{StageNational, "国家命名"}})

// Checklist is the 创建标准 scored at the county check (maximum points
// per item, 100 in all).
var Checklist = []struct {
	Key string
	Max int
}{
	{"organisation", 10}, // 组织管理机制
	{"risk_map", 15},     // 灾害风险隐患排查与风险地图
	{"plan", 15},         // 社区应急预案
	{"drills", 10},       // 应急演练
	{"shelter", 10},      // 应急避难场所
	{"supplies", 10},     // 应急物资储备
	{"officer", 10},      // 灾害信息员
	{"publicity", 10},    // 宣传教育
	{"volunteers", 5},    // 志愿者队伍
	{"participation", 5}, // 居民参与
}

// PassScore is the score a community needs (≥ 80).
const PassScore = 80

// Community is an application for demonstration status.
type Community struct {
	ID          string          `json:"id"`
	CountyCode  string          `json:"county_code"`
	TownCode    string          `json:"town_code"`
	VillageCode string          `json:"village_code"`
	Name        string          `json:"name"`
	AppliedOn   string          `json:"applied_on"`
	Scores      map[string]int  `json:"scores"`
	Score       int             `json:"score"`
	Stage       string          `json:"stage"`  // highest stage passed (applied: none yet)
	Failed      bool            `json:"failed"` // refused at the next stage
	Result      string          `json:"result"` // the last decision's text (文号, remarks)
	Decisions   []StageDecision `json:"decisions,omitempty"`
	Note        string          `json:"note"`
	CreatedBy   string          `json:"created_by"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

// StageDecision is one stage's result.
type StageDecision struct {
	Stage  string `json:"stage"`
	Passed bool   `json:"passed"`
	On     string `json:"on"`
	By     string `json:"by"`
	Note   string `json:"note"`
}

// ScoreOf checks a checklist and returns its total.
func ScoreOf(scores map[string]int) (int, error) {
	var fe errs.FieldErrors
	total := 0
	for _, it := range Checklist {
		v := scores[it.Key]
		if v < 0 || v > it.Max {
			fe = append(fe, errs.Field("score_"+it.Key, "reduction.score_range", map[string]any{"Max": it.Max}))
		}
		total += v
	}
	for k := range scores {
		if !checklistKey(k) {
			fe = append(fe, errs.Field("score_"+k, "field.invalid", nil))
		}
	}
	return total, fe.Err()
}

func checklistKey(k string) bool {
	for _, it := range Checklist {
		if it.Key == k {
			return true
		}
	}
	return false
}

// NextStage is the stage after s ("" after the last).
func NextStage(s string) string {
	for i, x := range Stages {
		if x.Value == s && i+1 < len(Stages) {
			return Stages[i+1].Value
		}
	}
	return ""
}

// Decide applies a stage decision: only the next stage may be decided
// (reduction.rule.stage_order), nothing after a refusal
// (reduction.rule.stage_failed), the county check passes only with a
// score of at least 80 (reduction.rule.score_pass), and nobody decides on
// an application they entered themselves (reduction.rule.own_application).
func Decide(c *Community, d StageDecision, byUser string) error {
	if c.Failed {
		return rule("reduction.rule.stage_failed", nil)
	}
	next := NextStage(c.Stage)
	if next == "" || d.Stage != next {
		return rule("reduction.rule.stage_order", map[string]any{"Next": next})
	}
	if byUser != "" && byUser == c.CreatedBy {
		return rule("reduction.rule.own_application", nil)
	}
	if d.Stage == StageCounty && d.Passed && c.Score < PassScore {
		return rule("reduction.rule.score_pass", map[string]any{"Score": c.Score, "Pass": PassScore})
	}
	if _, err := calendar.ParseDay(d.On); err != nil {
		return errs.Field("on", "reduction.date_invalid", nil)
	}
	if d.Passed {
		c.Stage = d.Stage
	} else {
		c.Failed = true
	}
	c.Result = d.Note
	c.Decisions = append(c.Decisions, d)
	return nil
}

// StageRanked lists the stages at or above s (a community that reached
// the city's evaluation is at city, province or national).
func StageRanked(s string) []string {
	if i := StageRank(s); i >= 0 {
		return Stages[i:].Values()
	}
	return nil
}

// StageRank orders stages (applied 0 … national 4).
func StageRank(s string) int {
	for i, x := range Stages {
		if x.Value == s {
			return i
		}
	}
	return -1
}

// ---------------------------------------------------------------------
// Forest fire: 防火码 checkpoints (卡口) and scan counts

// Checkpoint is a 防火码 checkpoint.
type Checkpoint struct {
	ID         string    `json:"id"`
	CountyCode string    `json:"county_code"`
	TownCode   string    `json:"town_code"`
	Name       string    `json:"name"`
	Place      string    `json:"place"`
	Lng        float64   `json:"lng"`
	Lat        float64   `json:"lat"`
	ActiveFrom string    `json:"active_from"`
	ActiveTo   string    `json:"active_to"` // "" open-ended
	Scans      int64     `json:"scans"`     // sum of the scan counts (lists)
	Note       string    `json:"note"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
}

// ScanCount is the number of 防火码 scans at a checkpoint over a period.
type ScanCount struct {
	ID           string    `json:"id"`
	CheckpointID string    `json:"checkpoint_id"`
	From         string    `json:"from"`
	To           string    `json:"to"`
	Scans        int64     `json:"scans"`
	CreatedBy    string    `json:"created_by"`
	CreatedAt    time.Time `json:"created_at"`
}

// ValidateCheckpoint checks a checkpoint.
func ValidateCheckpoint(c *Checkpoint) error {
	var fe errs.FieldErrors
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" {
		fe = append(fe, errs.Field("name", "field.required", nil))
	}
	if len(c.TownCode) != 9 {
		fe = append(fe, errs.Field("town_code", "field.required", nil))
	}
	if c.Lng != 0 || c.Lat != 0 {
		if c.Lng < 73 || c.Lng > 136 {
			fe = append(fe, errs.Field("lng", "reduction.lng_range", nil))
		}
		if c.Lat < 3 || c.Lat > 54 {
			fe = append(fe, errs.Field("lat", "reduction.lat_range", nil))
		}
	}
	fe = checkPeriod(fe, &c.ActiveFrom, &c.ActiveTo, "active_from", "active_to", true)
	if err := checkText(&fe, map[string]*string{"place": &c.Place, "note": &c.Note}, 500); err != nil {
		return err
	}
	return fe.Err()
}

// CheckScan checks a scan count against its checkpoint's active period
// and the counts already entered (periods may not overlap).
func CheckScan(c Checkpoint, s *ScanCount, existing []ScanCount) error {
	var fe errs.FieldErrors
	fe = checkPeriod(fe, &s.From, &s.To, "from", "to", false)
	if s.Scans < 0 {
		fe = append(fe, errs.Field("scans", "reduction.negative", nil))
	}
	if err := fe.Err(); err != nil {
		return err
	}
	if s.From < c.ActiveFrom || (c.ActiveTo != "" && s.To > c.ActiveTo) {
		return rule("reduction.rule.scan_outside_active", map[string]any{"From": c.ActiveFrom, "To": c.ActiveTo})
	}
	for _, x := range existing {
		if x.ID != s.ID && s.From <= x.To && x.From <= s.To {
			return rule("reduction.rule.scan_overlap", map[string]any{"From": x.From, "To": x.To})
		}
	}
	return nil
}

// ---------------------------------------------------------------------
// Training and publicity (宣传培训)

// Training audiences.
var Audiences = codes.Pairs([][2]string{{"officers", "灾害信息员"}, {"town_staff", "乡镇（街道）应急人员"}, {"fireworks_petrol", "烟花爆竹、加油站主要负责人"},
	{"industry", "工贸企业人员"}, {"community", "社区（村）干部群众"}, {"schools", "学校师生"}, {"public", "社会公众"}, {"other", "其他"}})

// Training is one training event.
type Training struct {
	ID         string    `json:"id"`
	CountyCode string    `json:"county_code"`
	TownCode   string    `json:"town_code"` // "" county-wide
	Topic      string    `json:"topic"`
	HeldOn     string    `json:"held_on"`
	EndsOn     string    `json:"ends_on"` // last day ("" one day)
	Organiser  string    `json:"organiser"`
	Audience   string    `json:"audience"`
	Attendees  int64     `json:"attendees"`
	List       []string  `json:"list,omitempty"` // attendee names, when kept
	HoursTenth int64     `json:"hours_tenths"`   // class hours in tenths
	Note       string    `json:"note"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
}

// ValidateTraining checks a training; with a list of names and no count,
// the count is the list's length; a count below the list's length is
// refused.
func ValidateTraining(t *Training, today string) error {
	var fe errs.FieldErrors
	t.Topic, t.Organiser = strings.TrimSpace(t.Topic), strings.TrimSpace(t.Organiser)
	if t.Topic == "" {
		fe = append(fe, errs.Field("topic", "field.required", nil))
	}
	if t.Organiser == "" {
		fe = append(fe, errs.Field("organiser", "field.required", nil))
	}
	if !known(Audiences, t.Audience) {
		fe = append(fe, errs.Field("audience", "field.invalid", nil))
	}
	fe = checkPeriod(fe, &t.HeldOn, &t.EndsOn, "held_on", "ends_on", true)
	if t.HeldOn > today {
		fe = append(fe, errs.Field("held_on", "reduction.future", nil))
	}
	var names []string
	for _, n := range t.List {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	t.List = names
	switch {
	case t.Attendees == 0 && len(names) > 0:
		t.Attendees = int64(len(names))
	case t.Attendees < 0:
		fe = append(fe, errs.Field("attendees", "reduction.negative", nil))
	case t.Attendees == 0:
		fe = append(fe, errs.Field("attendees", "field.required", nil))
	case t.Attendees < int64(len(names)):
		fe = append(fe, errs.Field("attendees", "reduction.count_below_list", map[string]any{"N": len(names)}))
	}
	if t.HoursTenth < 0 || t.HoursTenth > 2400 {
		fe = append(fe, errs.Field("hours", "reduction.hours_range", nil))
	}
	if err := checkText(&fe, map[string]*string{"note": &t.Note}, 1000); err != nil {
		return err
	}
	return fe.Err()
}

// Publicity kinds and the unit their quantity counts.
var PublicityKinds = codes.Pairs([][2]string{{"leaflets", "发放宣传单册"}, {"sms", "发送短信"}, {"quiz", "网络知识竞答"}, {"consultation", "咨询答疑"},
	{"five_into", "“五进”宣传"}, {"exhibition", "展板展览"}, {"broadcast", "广播电视"}, {"other", "其他"}})

// Publicity campaigns.
var Campaigns = codes.Pairs([][2]string{{"disaster_day", "5·12防灾减灾日"}, {"forest_fire", "森林防灭火"}, {"safety_month", "安全生产月"}, {"flood", "防汛"},
	{"other", "其他"}})

// Publicity is one publicity activity with its quantity.
type Publicity struct {
	ID         string    `json:"id"`
	CountyCode string    `json:"county_code"`
	TownCode   string    `json:"town_code"`
	Campaign   string    `json:"campaign"`
	Kind       string    `json:"kind"`
	HeldOn     string    `json:"held_on"`
	Title      string    `json:"title"`
	Quantity   int64     `json:"quantity"` // 份 / 条 / 人次 (answered) / 人 (quiz participants) / 场
	Winners    int64     `json:"winners"`  // quiz: prize winners
	Note       string    `json:"note"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
}

// ValidatePublicity checks a publicity record.
func ValidatePublicity(x *Publicity, today string) error {
	var fe errs.FieldErrors
	x.Title = strings.TrimSpace(x.Title)
	if x.Title == "" {
		fe = append(fe, errs.Field("title", "field.required", nil))
	}
	if !known(PublicityKinds, x.Kind) {
		fe = append(fe, errs.Field("kind", "field.invalid", nil))
	}
	if !known(Campaigns, x.Campaign) {
		fe = append(fe, errs.Field("campaign", "field.invalid", nil))
	}
	end := ""
	fe = checkPeriod(fe, &x.HeldOn, &end, "held_on", "", true)
	if x.HeldOn > today {
		fe = append(fe, errs.Field("held_on", "reduction.future", nil))
	}
	if x.Quantity <= 0 {
		fe = append(fe, errs.Field("quantity", "reduction.positive", nil))
	}
	if x.Winners < 0 || (x.Winners > 0 && x.Kind != "quiz") || x.Winners > x.Quantity {
		fe = append(fe, errs.Field("winners", "reduction.winners_invalid", nil))
	}
	if err := checkText(&fe, map[string]*string{"note": &x.Note}, 1000); err != nil {
		return err
	}
	return fe.Err()
}

// ---------------------------------------------------------------------
// helpers

// known reports whether s is a stored value of the list.
func known(list codes.List, s string) bool {
	_, ok := list.Find(s)
	return ok
}

// checkPeriod normalises a from/to pair of days; to may be empty unless
// !openEnd; to may not precede from.
func checkPeriod(fe errs.FieldErrors, from, to *string, fromKey, toKey string, openEnd bool) errs.FieldErrors {
	f, err := calendar.ParseDay(*from)
	if err != nil {
		return append(fe, errs.Field(fromKey, "reduction.date_invalid", nil))
	}
	*from = f.Format(calendar.DateLayout)
	if *to == "" {
		if !openEnd {
			return append(fe, errs.Field(toKey, "field.required", nil))
		}
		return fe
	}
	t, err := calendar.ParseDay(*to)
	if err != nil {
		return append(fe, errs.Field(toKey, "reduction.date_invalid", nil))
	}
	*to = t.Format(calendar.DateLayout)
	if *to < *from {
		fe = append(fe, errs.Field(toKey, "reduction.end_before_start", nil))
	}
	return fe
}

// checkText trims free-text fields and refuses over-long ones.
func checkText(fe *errs.FieldErrors, fields map[string]*string, maxRunes int) error {
	for k, p := range fields {
		*p = strings.TrimSpace(*p)
		if utf8.RuneCountInString(*p) > maxRunes {
			*fe = append(*fe, errs.Field(k, "reduction.too_long", map[string]any{"Max": maxRunes}))
		}
	}
	return nil
}

// Yuan writes an amount in 分 as 元 with two decimals.
func Yuan(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

// Tenths writes a value kept in tenths: 1234 → 123.4.
func Tenths(v int64) string { return fmt.Sprintf("%d.%d", v/10, v%10) }

// ActiveOn reports whether the checkpoint is active on day (YYYY-MM-DD):
// within its active period (an open end runs on).
func (c Checkpoint) ActiveOn(day string) bool {
	return c.ActiveFrom <= day && (c.ActiveTo == "" || day <= c.ActiveTo)
}
