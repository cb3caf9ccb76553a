// Package licence is the bureau's administrative licensing (行政许可):
// the fireworks retail licence and the hazardous-chemicals operating
// licence without storage, both issued by the county; the petrol-station
// licence, which the county reviews first (初审) and forwards to the city
// (转报市局), which decides; extensions (延期) and changes (变更).
//
// An application moves through 申请 → 受理 → 审查 → 决定 (准予/不予) → 发证,
// or for petrol stations 申请 → 受理 → 初审 → 转报市局 → 市局决定. Each step
// is dated, made by a person, audited and shown on the application's
// timeline. The statutory time limit (法定时限) is counted in working days
// from acceptance; a decision after the limit needs a recorded reason
// (超期说明). Issued licences form the register (许可证台账) with expiry
// warnings at 90, 60 and 30 days.
//
// Dates of acts (申请日期, 受理日期, 有效期 …) are calendar dates in
// Asia/Shanghai, stored as TEXT 'YYYY-MM-DD' so they sort and compare as
// text on both engines and never shift with a time zone; the moments a row
// was written are TIMESTAMP in UTC.
package licence

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"yingji/internal/kit/calendar"

	"yingji/internal/kit/errs"
)

// Licence types.
const (
	TypeFireworksRetail  = "fireworks_retail"   // 烟花爆竹经营（零售）许可证
	TypeHazchemNoStorage = "hazchem_no_storage" // 危险化学品经营许可证（不带储存）
	TypePetrolStation    = "petrol_station"     // 加油站危险化学品经营许可（市局发证，县局初审）
)

// TypeInfo describes a licence type.
type TypeInfo struct {
	Code   string
	Name   string // Chinese, as printed on the licence
	NameEN string
	// CityIssues: the county only does the preliminary review (初审) and
	// forwards the application to the city, which decides and issues.
	CityIssues bool
	// Sectors are the enterprise sectors (监管行业) the licence is for.
	Sectors []string
	// Prefix is the licence number's type code: （X1）LS〔year〕serial号.
	Prefix string
	// DefaultLimit is the statutory limit in working days: for the
	// decision, or for petrol stations for the county's preliminary review.
	DefaultLimit int
	// DefaultValidity is the validity in years.
	DefaultValidity int
	// Basis names the regulations a decision cites.
	Basis string
	// RenewalMonths opens the extension (延期) window this many calendar
	// months before the last valid day; 0: an extension may be asked for
	// at any time while the licence is in force.
	RenewalMonths int
}

// Types are the licences the county handles.
var Types = []TypeInfo{
	{Code: TypeFireworksRetail, Name: "烟花爆竹经营（零售）许可证", NameEN: "Fireworks retail licence",
		Sectors: []string{"fireworks_retail"}, Prefix: "LS", DefaultLimit: 20, DefaultValidity: 2,
		Basis: "《烟花爆竹安全管理条例》和《烟花爆竹经营许可实施办法》"},
	{Code: TypeHazchemNoStorage, Name: "危险化学品经营许可证（不带储存）", NameEN: "Hazardous chemicals operating licence (no storage)",
		Sectors: []string{"chem_trade"}, Prefix: "WH安经", DefaultLimit: 30, DefaultValidity: 3, RenewalMonths: hazchemRenewalMonths,
		Basis: "《危险化学品安全管理条例》和《危险化学品经营许可证管理办法》"},
	{Code: TypePetrolStation, Name: "危险化学品经营许可证（加油站）", NameEN: "Petrol station operating licence (city)",
		CityIssues: true, Sectors: []string{"petrol"}, DefaultLimit: 20, DefaultValidity: 3, RenewalMonths: hazchemRenewalMonths,
		Basis: "《危险化学品安全管理条例》和《危险化学品经营许可证管理办法》"},
}

// hazchemRenewalMonths is the extension window of the 危险化学品经营许可证
// (总局令55号, 《危险化学品经营许可证管理办法》): valid 3 years, the
// extension (延期/换证) is applied for within the 3 months before expiry
// (domain.md §1.8, marked [V/P]: check the official text of 第二十条
// before relying on the direction of the window).
const hazchemRenewalMonths = 3

// TypeOf returns a type's description.
func TypeOf(code string) (TypeInfo, bool) {
	for _, t := range Types {
		if t.Code == code {
			return t, true
		}
	}
	return TypeInfo{}, false
}

// TypeByLabel finds a type by code, Chinese or English name.
func TypeByLabel(s string) (string, bool) {
	s = strings.TrimSpace(s)
	for _, t := range Types {
		if t.Code == s || t.Name == s || strings.EqualFold(t.NameEN, s) || strings.TrimSuffix(t.Name, "证") == s {
			return t.Code, true
		}
	}
	return "", false
}

// TypeFits reports whether a licence type is for an enterprise sector.
func TypeFits(typ, sector string) bool {
	t, ok := TypeOf(typ)
	if !ok {
		return false
	}
	for _, s := range t.Sectors {
		if s == sector {
			return true
		}
	}
	return false
}

// Application kinds.
const (
	KindNew       = "new"       // 新办
	KindExtension = "extension" // 延期
	KindChange    = "change"    // 变更
)

// Kinds in display order.
var Kinds = []string{KindNew, KindExtension, KindChange}

// Application states.
const (
	StateSubmitted   = "submitted"    // 已申请
	StateAccepted    = "accepted"     // 已受理
	StateNotAccepted = "not_accepted" // 不予受理
	StateUnderReview = "under_review" // 审查中
	StateGranted     = "granted"      // 准予许可（待发证）
	StateRefused     = "refused"      // 不予许可
	StateIssued      = "issued"       // 已发证
	StatePrelim      = "prelim"       // 已初审（加油站）
	StateForwarded   = "forwarded"    // 已转报市局
	StateCityGranted = "city_granted" // 市局准予
	StateCityRefused = "city_refused" // 市局不予
)

// States in display order.
var States = []string{StateSubmitted, StateAccepted, StateUnderReview, StateGranted, StateIssued, StatePrelim, StateForwarded,
	StateCityGranted, StateNotAccepted, StateRefused, StateCityRefused}

// OpenStates are the states of applications still in progress (办理中).
var OpenStates = []string{StateSubmitted, StateAccepted, StateUnderReview, StateGranted, StatePrelim, StateForwarded}

// IsOpen reports whether an application is still in progress.
func IsOpen(state string) bool {
	for _, s := range OpenStates {
		if s == state {
			return true
		}
	}
	return false
}

// Decisions.
const (
	DecisionGranted = "granted" // 准予
	DecisionRefused = "refused" // 不予
)

// Actions move an application from one state to the next.
const (
	ActAccept      = "accept"      // 受理
	ActNotAccept   = "not_accept"  // 不予受理
	ActReview      = "review"      // 开始审查
	ActDecide      = "decide"      // 作出决定（准予/不予）
	ActIssue       = "issue"       // 发证
	ActPrelim      = "preliminary" // 初审（加油站）
	ActForward     = "forward"     // 转报市局
	ActCityResult  = "city_result" // 登记市局决定
	ActSubmit      = "submit"      // 申请 (the first event)
	ActCancel      = "cancel"      // 注销 a licence
	ActImport      = "import"      // a licence from the Excel ledger
	ActExpiryAlert = "expiry_notice"
)

// Actions in flow order (the application page offers the allowed ones).
var Actions = []string{ActAccept, ActNotAccept, ActReview, ActDecide, ActIssue, ActPrelim, ActForward, ActCityResult}

// rule is one allowed transition: from which states, to which state, for
// which kind of type (county-issued or city-issued).
type rule struct {
	from []string
	to   string // for decide and city_result the decision picks the state
	city bool   // the action belongs to the petrol-station (city) flow
	both bool   // the action belongs to both flows
}

var rules = map[string]rule{
	ActAccept:     {from: []string{StateSubmitted}, to: StateAccepted, both: true},
	ActNotAccept:  {from: []string{StateSubmitted}, to: StateNotAccepted, both: true},
	ActReview:     {from: []string{StateAccepted}, to: StateUnderReview},
	ActDecide:     {from: []string{StateUnderReview}},
	ActIssue:      {from: []string{StateGranted}, to: StateIssued},
	ActPrelim:     {from: []string{StateAccepted}, to: StatePrelim, city: true},
	ActForward:    {from: []string{StatePrelim}, to: StateForwarded, city: true},
	ActCityResult: {from: []string{StateForwarded}, city: true},
}

// Allowed returns the actions possible on an application now, in flow
// order.
func Allowed(typ, state string) []string {
	t, ok := TypeOf(typ)
	if !ok {
		return nil
	}
	var out []string
	for _, a := range Actions {
		r := rules[a]
		if !r.both && r.city != t.CityIssues {
			continue
		}
		for _, f := range r.from {
			if f == state {
				out = append(out, a)
			}
		}
	}
	return out
}

// Decider reports an action that records the licensing decision (leaders
// may take it as well as the sections).
func Decider(action string) bool { return action == ActDecide }

// Application is a licence application (许可申请) and what happened to it.
type Application struct {
	ID            string `json:"id"`
	CountyCode    string `json:"county_code"`
	EnterpriseID  string `json:"enterprise_id"`
	Type          string `json:"type"`
	Kind          string `json:"kind"`
	State         string `json:"state"`
	PrevLicenceID string `json:"prev_licence_id,omitempty"` // the licence extended or changed
	Scope         string `json:"scope"`                     // 许可范围 asked for
	Note          string `json:"note"`
	SubmittedOn   string `json:"submitted_on"`
	AcceptedOn    string `json:"accepted_on,omitempty"`
	LimitDays     int    `json:"limit_days,omitempty"` // statutory limit fixed at acceptance
	ReviewOn      string `json:"review_on,omitempty"`
	ClosedOn      string `json:"closed_on,omitempty"` // 不予受理 date
	CloseReason   string `json:"close_reason,omitempty"`
	// County decision (准予/不予行政许可决定).
	DecidedOn      string `json:"decided_on,omitempty"`
	Decision       string `json:"decision,omitempty"`
	DecisionReason string `json:"decision_reason,omitempty"`
	DecisionNumber string `json:"decision_number,omitempty"`
	DecisionYear   int    `json:"-"`
	DecisionSerial int    `json:"-"`
	// OverdueReason (超期说明) explains a decision or preliminary review
	// made after the statutory limit.
	OverdueReason string `json:"overdue_reason,omitempty"`
	IssuedOn      string `json:"issued_on,omitempty"`
	// Petrol stations: preliminary review, forwarding, the city's result.
	PrelimOn      string    `json:"prelim_on,omitempty"`
	PrelimOpinion string    `json:"prelim_opinion,omitempty"`
	ForwardedOn   string    `json:"forwarded_on,omitempty"`
	ForwardNote   string    `json:"forward_note,omitempty"`
	CityOn        string    `json:"city_on,omitempty"`
	CityDecision  string    `json:"city_decision,omitempty"`
	CityReason    string    `json:"city_reason,omitempty"`
	LicenceID     string    `json:"licence_id,omitempty"` // the licence issued (or recorded for the city)
	CreatedBy     string    `json:"created_by"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Action is one step asked for by a user.
type Action struct {
	Name          string `json:"action"`
	Date          string `json:"date"`
	Note          string `json:"note,omitempty"`
	Reason        string `json:"reason,omitempty"`   // 不予受理 / 不予许可 reason
	Decision      string `json:"decision,omitempty"` // granted | refused (decide, city_result)
	OverdueReason string `json:"overdue_reason,omitempty"`
	Opinion       string `json:"opinion,omitempty"` // 初审意见
	ValidFrom     string `json:"valid_from,omitempty"`
	ValidTo       string `json:"valid_to,omitempty"`
	Number        string `json:"number,omitempty"` // the city's licence number
	Scope         string `json:"scope,omitempty"`
	// Limit is the statutory limit the service fixes at acceptance (from
	// the county's settings); users do not send it.
	Limit int `json:"-"`
}

// AddYears returns the last day of a validity of n years starting on
// from: 2022-03-22 + 2 years → 2024-03-21.
func AddYears(from time.Time, n int) time.Time {
	return from.AddDate(n, 0, -1)
}

// addMonths moves a date by n calendar months; a day that does not exist
// in the target month becomes its last day (2025-05-31 − 3 months is
// 2025-02-28, not 2025-03-03).
func addMonths(d time.Time, n int) time.Time {
	y, m, dd := d.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(dd, last), 0, 0, 0, 0, time.UTC)
}

// RenewalOpensOn returns the first day an extension (延期) of a licence of
// type typ valid to validTo (its last valid day) may be applied for:
// RenewalMonths calendar months before validTo. ok is false when the type
// has no window (an extension may be asked for at any time) or the date
// is bad.
func RenewalOpensOn(typ, validTo string) (time.Time, bool) {
	t, ok := TypeOf(typ)
	to, err := ParseDay(validTo)
	if !ok || err != nil || t.RenewalMonths <= 0 {
		return time.Time{}, false
	}
	return addMonths(to, -t.RenewalMonths), true
}

// RenewalOpen reports whether an extension of l may be applied for on
// day: l is in force and not expired, and day is inside the type's
// window.
func RenewalOpen(l Licence, on time.Time) bool {
	if l.Status != LicenceActive || Show(l, on) == ShowExpired {
		return false
	}
	opens, ok := RenewalOpensOn(l.Type, l.ValidTo)
	return !ok || !on.Before(opens)
}

// Overlaps reports whether two licences' validities share a day (both
// ends are valid days).
func Overlaps(aFrom, aTo, bFrom, bTo string) bool {
	return aFrom <= bTo && bFrom <= aTo
}

// Timer levels.
const (
	TimerGreen  = "green"  // under 80 % of the limit used
	TimerYellow = "yellow" // 80 % or more used
	TimerRed    = "red"    // over the limit
)

// Timer is the statutory-limit clock of an application: working days used
// since acceptance against the limit.
type Timer struct {
	Start    string `json:"start"`    // acceptance date
	End      string `json:"end"`      // the act that stopped it, or today
	Stopped  bool   `json:"stopped"`  // the decision (or 初审) was made
	Used     int    `json:"used"`     // working days used
	Limit    int    `json:"limit"`    // statutory limit in working days
	Deadline string `json:"deadline"` // last day of the limit
	Level    string `json:"level"`    // green | yellow | red
	Overdue  bool   `json:"overdue"`
}

// Level returns a timer's colour for used of limit working days.
func Level(used, limit int) string {
	switch {
	case limit > 0 && used > limit:
		return TimerRed
	case limit > 0 && used*100 >= limit*80:
		return TimerYellow
	}
	return TimerGreen
}

// stopDate is the date of the act that stops the clock: the decision for
// county licences, the preliminary review for petrol stations.
func stopDate(a Application) string {
	if t, ok := TypeOf(a.Type); ok && t.CityIssues {
		return a.PrelimOn
	}
	return a.DecidedOn
}

// TimerOf returns an application's clock as of today; ok is false before
// acceptance and for applications not accepted.
func TimerOf(a Application, cal Calendar, today time.Time) (Timer, bool) {
	if a.AcceptedOn == "" || a.LimitDays <= 0 {
		return Timer{}, false
	}
	start := day(a.AcceptedOn)
	end := today
	t := Timer{Start: a.AcceptedOn, Limit: a.LimitDays}
	if s := stopDate(a); s != "" {
		end, t.Stopped = day(s), true
	}
	t.End = end.Format(DateLayout)
	t.Used = cal.WorkingDaysBetween(start, end)
	t.Deadline = cal.AddWorkingDays(start, a.LimitDays).Format(DateLayout)
	t.Level = Level(t.Used, t.Limit)
	t.Overdue = t.Used > t.Limit
	return t, true
}

// lastDate is the date of the latest step taken (a new step may not be
// dated before it).
func lastDate(a Application) string {
	last := a.SubmittedOn
	for _, d := range []string{a.AcceptedOn, a.ReviewOn, a.DecidedOn, a.IssuedOn, a.PrelimOn, a.ForwardedOn, a.CityOn, a.ClosedOn} {
		if d > last {
			last = d
		}
	}
	return last
}

// ruleMessage names the rule an action breaks when taken in the wrong
// state.
func ruleMessage(action string) string { return "licence.rule." + action }

// Apply checks an action against the application's state and the rules
// and, when it is allowed, records it on a (state, dates, decision). It
// changes nothing when it returns an error. Numbers (decision and
// licence) are assigned by the service afterwards.
func Apply(a *Application, act Action, cal Calendar, today time.Time) error {
	r, ok := rules[act.Name]
	if !ok {
		return errs.Field("action", "licence.action_unknown", nil)
	}
	t, ok := TypeOf(a.Type)
	if !ok {
		return errs.New(errs.Invalid, "licence.type_invalid")
	}
	if !r.both && r.city != t.CityIssues {
		if t.CityIssues {
			return errs.New(errs.Conflict, "licence.rule.city_flow")
		}
		return errs.New(errs.Conflict, "licence.rule.county_flow")
	}
	allowed := false
	for _, f := range r.from {
		allowed = allowed || f == a.State
	}
	if !allowed {
		return errs.New(errs.Conflict, ruleMessage(act.Name))
	}

	var fe errs.FieldErrors
	date, err := ParseDay(act.Date)
	switch {
	case strings.TrimSpace(act.Date) == "":
		fe = append(fe, errs.Field("date", "field.required", nil))
	case err != nil:
		fe = append(fe, errs.Field("date", "licence.date_invalid", nil))
	case date.After(today):
		fe = append(fe, errs.Field("date", "licence.date_future", nil))
	case date.Format(DateLayout) < lastDate(*a):
		fe = append(fe, errs.Field("date", "licence.date_before_previous", map[string]any{"Prev": lastDate(*a)}))
	}
	if len(fe) > 0 {
		return fe.Err()
	}
	d := date.Format(DateLayout)
	act.Reason, act.OverdueReason, act.Opinion = strings.TrimSpace(act.Reason), strings.TrimSpace(act.OverdueReason), strings.TrimSpace(act.Opinion)

	// overdue checks the statutory limit for the act that stops the clock.
	overdue := func() error {
		used := cal.WorkingDaysBetween(day(a.AcceptedOn), date)
		if used > a.LimitDays && act.OverdueReason == "" {
			return errs.FieldErrors{errs.Field("overdue_reason", "licence.overdue_reason_required", map[string]any{
				"Used": used, "Limit": a.LimitDays, "Deadline": cal.AddWorkingDays(day(a.AcceptedOn), a.LimitDays).Format(DateLayout)})}.Err()
		}
		return nil
	}

	next := *a
	switch act.Name {
	case ActAccept:
		if act.Limit <= 0 {
			act.Limit = t.DefaultLimit
		}
		next.AcceptedOn, next.LimitDays = d, act.Limit
	case ActNotAccept:
		if act.Reason == "" {
			return errs.FieldErrors{errs.Field("reason", "licence.reason_required", nil)}.Err()
		}
		next.ClosedOn, next.CloseReason = d, act.Reason
	case ActReview:
		next.ReviewOn = d
	case ActDecide:
		switch act.Decision {
		case DecisionGranted:
			next.State = StateGranted
		case DecisionRefused:
			if act.Reason == "" {
				fe = append(fe, errs.Field("reason", "licence.refuse_reason_required", nil))
			}
			next.State = StateRefused
		default:
			fe = append(fe, errs.Field("decision", "licence.decision_required", nil))
		}
		if err := overdue(); err != nil {
			fe = append(fe, errs.Fields(err)...)
		}
		if len(fe) > 0 {
			return fe.Err()
		}
		next.DecidedOn, next.Decision, next.DecisionReason, next.OverdueReason = d, act.Decision, act.Reason, act.OverdueReason
		*a = next
		return nil
	case ActIssue:
		if err := validity(act); err != nil {
			return err
		}
		next.IssuedOn = d
	case ActPrelim:
		if act.Opinion == "" {
			fe = append(fe, errs.Field("opinion", "licence.opinion_required", nil))
		}
		if err := overdue(); err != nil {
			fe = append(fe, errs.Fields(err)...)
		}
		if len(fe) > 0 {
			return fe.Err()
		}
		next.PrelimOn, next.PrelimOpinion, next.OverdueReason = d, act.Opinion, act.OverdueReason
	case ActForward:
		next.ForwardedOn, next.ForwardNote = d, strings.TrimSpace(act.Note)
	case ActCityResult:
		switch act.Decision {
		case DecisionGranted:
			if strings.TrimSpace(act.Number) == "" {
				fe = append(fe, errs.Field("number", "licence.number_required", nil))
			}
			if err := validity(act); err != nil {
				fe = append(fe, errs.Fields(err)...)
			}
			next.State = StateCityGranted
		case DecisionRefused:
			if act.Reason == "" {
				fe = append(fe, errs.Field("reason", "licence.refuse_reason_required", nil))
			}
			next.State = StateCityRefused
		default:
			fe = append(fe, errs.Field("decision", "licence.decision_required", nil))
		}
		if len(fe) > 0 {
			return fe.Err()
		}
		next.CityOn, next.CityDecision, next.CityReason = d, act.Decision, act.Reason
		*a = next
		return nil
	}
	next.State = r.to
	*a = next
	return nil
}

// validity checks the validity dates of a licence issued or recorded:
// both given, and the end after the start.
func validity(act Action) error {
	var fe errs.FieldErrors
	from, err1 := ParseDay(act.ValidFrom)
	to, err2 := ParseDay(act.ValidTo)
	if err1 != nil {
		fe = append(fe, errs.Field("valid_from", "licence.date_invalid", nil))
	}
	if err2 != nil {
		fe = append(fe, errs.Field("valid_to", "licence.date_invalid", nil))
	}
	if err1 == nil && err2 == nil && !to.After(from) {
		fe = append(fe, errs.Field("valid_to", "licence.valid_to_before_from", nil))
	}
	return fe.Err()
}

// WithinValidity checks that a licence issued by the county is not valid
// longer than its type's validity in years (the county's setting; 烟花爆竹
// 零售 2 years by default): valid_to at most the day before the same date
// years later.
func WithinValidity(act Action, years int) error {
	from, err1 := ParseDay(act.ValidFrom)
	to, err2 := ParseDay(act.ValidTo)
	if err1 != nil || err2 != nil || years <= 0 {
		return nil // validity() reports bad dates
	}
	if limit := AddYears(from, years); to.After(limit) {
		return errs.Field("valid_to", "licence.valid_too_long", map[string]any{"Years": years, "Max": limit.Format(DateLayout)})
	}
	return nil
}

// Licence statuses as stored.
const (
	LicenceActive    = "active"    // in force (有效, or 即将到期 / 已过期 by date)
	LicenceCancelled = "cancelled" // 已注销
	LicenceReplaced  = "replaced"  // 已换发: superseded by an extension or change
)

// Displayed statuses (the register's filter).
const (
	ShowValid     = "valid"     // 有效
	ShowExpiring  = "expiring"  // 即将到期 (within ExpiringDays)
	ShowExpired   = "expired"   // 已过期
	ShowCancelled = "cancelled" // 已注销
	ShowReplaced  = "replaced"  // 已换发
)

// Shows are the displayed statuses in filter order.
var Shows = []string{ShowValid, ShowExpiring, ShowExpired, ShowCancelled, ShowReplaced}

// ExpiringDays is how close to expiry a licence shows 即将到期.
const ExpiringDays = 90

// Thresholds are the days before expiry at which warnings go out.
var Thresholds = []int{90, 60, 30}

// Licence is a licence in the register (许可证).
type Licence struct {
	ID            string    `json:"id"`
	CountyCode    string    `json:"county_code"`
	EnterpriseID  string    `json:"enterprise_id"`
	Type          string    `json:"type"`
	Number        string    `json:"number"`
	NumberYear    int       `json:"-"`
	NumberSerial  int       `json:"-"`
	Issuer        string    `json:"issuer"`      // county | city
	IssuerName    string    `json:"issuer_name"` // 示例县应急管理局
	Scope         string    `json:"scope"`       // 许可范围
	IssuedOn      string    `json:"issued_on"`
	ValidFrom     string    `json:"valid_from"`
	ValidTo       string    `json:"valid_to"`
	Status        string    `json:"status"`
	EndedOn       string    `json:"ended_on,omitempty"` // cancelled or replaced on
	EndReason     string    `json:"end_reason,omitempty"`
	ApplicationID string    `json:"application_id,omitempty"`
	ReplacesID    string    `json:"replaces_id,omitempty"`
	Source        string    `json:"source"` // issued | city | import
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Licence sources.
const (
	SourceIssued = "issued" // issued here after a county decision
	SourceCity   = "city"   // the city's result recorded after forwarding
	SourceImport = "import" // an existing licence from the Excel ledger
)

// Issuers.
const (
	IssuerCounty = "county"
	IssuerCity   = "city"
)

// DaysLeft is the number of days from today to the last valid day
// (0 on the last day, negative once expired).
func DaysLeft(validTo string, today time.Time) int {
	to := day(validTo)
	if to.IsZero() {
		return 0
	}
	return int(to.Sub(today).Hours() / 24)
}

// Show returns the status a licence shows today.
func Show(l Licence, today time.Time) string {
	switch l.Status {
	case LicenceCancelled:
		return ShowCancelled
	case LicenceReplaced:
		return ShowReplaced
	}
	left := DaysLeft(l.ValidTo, today)
	switch {
	case left < 0:
		return ShowExpired
	case left <= ExpiringDays:
		return ShowExpiring
	}
	return ShowValid
}

// Threshold returns the tightest warning threshold reached with daysLeft
// days to expiry (30 with 12 days left), 0 when none (more than 90 days
// left, or already expired).
func Threshold(daysLeft int) int {
	if daysLeft < 0 {
		return 0
	}
	th := 0
	for _, t := range Thresholds {
		if daysLeft <= t {
			th = t
		}
	}
	return th
}

// FormatNumber writes a number as （X1）PREFIX〔year〕serial号.
func FormatNumber(abbr, prefix string, year, serial int) string {
	return fmt.Sprintf("（%s）%s〔%d〕%d号", abbr, prefix, year, serial)
}

var numberRE = regexp.MustCompile(`^[（(]([^）)]+)[）)](.+?)[〔\[［]([0-9]{4})[〕\]］]0*([0-9]+)号?$`)

// ParseNumber reads a number written as FormatNumber does (also with
// ASCII brackets and leading zeros). ok is false when the number does not
// follow the pattern or its type code is not prefix.
func ParseNumber(prefix, s string) (year, serial int, ok bool) {
	m := numberRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil || m[2] != prefix {
		return 0, 0, false
	}
	year, _ = strconv.Atoi(m[3])
	serial, _ = strconv.Atoi(m[4])
	if serial == 0 {
		return 0, 0, false
	}
	return year, serial, true
}

// DecisionPrefix is the type code of decision numbers (准予/不予行政许可
// 决定书): （示）应急许决〔2022〕1号.
const DecisionPrefix = "应急许决"

// ValidateLicence checks a licence's own fields (import, city result).
func ValidateLicence(l *Licence) error {
	var fe errs.FieldErrors
	l.Number = strings.TrimSpace(l.Number)
	if _, ok := TypeOf(l.Type); !ok {
		fe = append(fe, errs.Field("type", "licence.type_invalid", nil))
	}
	if l.Number == "" {
		fe = append(fe, errs.Field("number", "licence.number_required", nil))
	}
	dates := []struct {
		field string
		v     *string
	}{{"issued_on", &l.IssuedOn}, {"valid_from", &l.ValidFrom}, {"valid_to", &l.ValidTo}}
	for _, x := range dates {
		n, err := NormalizeDay(*x.v)
		if err != nil {
			fe = append(fe, errs.Field(x.field, "licence.date_invalid", nil))
			continue
		}
		*x.v = n
	}
	if len(fe) == 0 && l.ValidTo <= l.ValidFrom {
		fe = append(fe, errs.Field("valid_to", "licence.valid_to_before_from", nil))
	}
	if len(fe) == 0 && l.IssuedOn > l.ValidTo {
		fe = append(fe, errs.Field("issued_on", "licence.issued_after_expiry", nil))
	}
	if l.Status == "" {
		l.Status = LicenceActive
	}
	return fe.Err()
}

// ValidateApplication checks a new application's own fields.
func ValidateApplication(a *Application, today time.Time) error {
	var fe errs.FieldErrors
	a.Scope, a.Note = strings.TrimSpace(a.Scope), strings.TrimSpace(a.Note)
	if _, ok := TypeOf(a.Type); !ok {
		fe = append(fe, errs.Field("type", "licence.type_invalid", nil))
	}
	switch a.Kind {
	case KindNew, KindExtension, KindChange:
	default:
		fe = append(fe, errs.Field("kind", "licence.kind_invalid", nil))
	}
	if a.EnterpriseID == "" {
		fe = append(fe, errs.Field("enterprise_id", "field.required", nil))
	}
	if (a.Kind == KindExtension || a.Kind == KindChange) && a.PrevLicenceID == "" {
		fe = append(fe, errs.Field("prev_number", "licence.prev_required", nil))
	}
	if d, err := ParseDay(a.SubmittedOn); err != nil {
		fe = append(fe, errs.Field("submitted_on", "licence.date_invalid", nil))
	} else if d.After(today) {
		fe = append(fe, errs.Field("submitted_on", "licence.date_future", nil))
	} else {
		a.SubmittedOn = d.Format(DateLayout)
	}
	return fe.Err()
}

// Calendar is the county's working-day calendar.
type Calendar = calendar.Calendar

// NewCalendar returns the built-in holiday table plus a county's extra days.
func NewCalendar(extraHolidays, extraWorkdays []string) Calendar {
	return calendar.New(extraHolidays, extraWorkdays)
}

// DateLayout is how calendar dates are written and stored.
const DateLayout = calendar.DateLayout

// ParseDay parses a calendar date (see calendar.ParseDay).
func ParseDay(s string) (time.Time, error) { return calendar.ParseDay(s) }

// NormalizeDay returns a date typed in any accepted form as YYYY-MM-DD.
func NormalizeDay(s string) (string, error) { return calendar.NormalizeDay(s) }

// Today returns the calendar date in Shanghai of an instant.
func Today(now time.Time) time.Time { return calendar.Today(now) }

func day(s string) time.Time { return calendar.Day(s) }
