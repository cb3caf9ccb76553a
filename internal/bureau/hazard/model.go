// Package hazard runs the closed loop of accident hazards (事故隐患闭环):
// report → grade → order rectification → rectify → verify → close, with
// deadlines, red and yellow cards (红黄牌), supervision letters (督办函),
// listed supervision of major hazards (挂牌督办) and extensions (延期).
// The rules are pure functions in this file; the service applies them in
// transactions and audits every step with its evidence.
package hazard

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"yingji/internal/kit/auth"
)

// State of a hazard.
type State string

const (
	Reported      State = "reported"       // 已上报
	Graded        State = "graded"         // 已定级
	Ordered       State = "ordered"        // 责令整改
	Rectifying    State = "rectifying"     // 整改中
	PendingReview State = "pending_review" // 待复查
	Verified      State = "verified"       // 已复查
	Closed        State = "closed"         // 已销号
)

// States in loop order.
var States = []State{Reported, Graded, Ordered, Rectifying, PendingReview, Verified, Closed}

// Open reports whether the hazard still needs work.
func (s State) Open() bool { return s != Closed }

// AwaitsRectification reports whether the enterprise has still to
// rectify (整改未完成): before the rectification is reported. Only such a
// hazard can be overdue (逾期未整改) and carry a card: once the
// rectification is reported on time, a late review (复查) by the bureau
// does not count against the enterprise.
func (s State) AwaitsRectification() bool {
	switch s {
	case Reported, Graded, Ordered, Rectifying:
		return true
	}
	return false
}

// Grade of a hazard.
type Grade string

const (
	General Grade = "general" // 一般事故隐患
	Major   Grade = "major"   // 重大事故隐患
)

// Source: who found the hazard.
type Source string

const (
	SourceInspection Source = "inspection"  // 监管检查
	SourceSelfCheck  Source = "self_check"  // 企业自查
	SourceExpert     Source = "expert"      // 专家检查
	SourceThirdParty Source = "third_party" // 第三方
	SourceSuperior   Source = "superior"    // 上级督查
	SourceDepartment Source = "department"  // 部门检查
	SourceComplaint  Source = "complaint"   // 群众举报
)

// Sources in display order.
var Sources = []Source{SourceInspection, SourceSelfCheck, SourceExpert, SourceThirdParty, SourceSuperior, SourceDepartment, SourceComplaint}

// SourceOffered reports whether a role may record a hazard of a source:
// 企业自查 (self-check) is the enterprise's own report, so a department
// (other departments' staff, who record what they found: 部门检查) is not
// offered it.
func SourceOffered(role auth.Role, s Source) bool {
	return !(role == auth.RoleDepartment && s == SourceSelfCheck)
}

// SourcesFor lists the sources a role is offered, in display order.
func SourcesFor(role auth.Role) []Source {
	var out []Source
	for _, s := range Sources {
		if SourceOffered(role, s) {
			out = append(out, s)
		}
	}
	return out
}

// Category of a hazard (16号令: 物的不安全状态, 人的不安全行为, 管理缺陷).
type Category string

const (
	CatThing      Category = "thing"      // 物的不安全状态
	CatBehaviour  Category = "behaviour"  // 人的不安全行为
	CatManagement Category = "management" // 管理缺陷
)

// Categories in display order.
var Categories = []Category{CatThing, CatBehaviour, CatManagement}

// Action is a step of the loop.
type Action string

const (
	ActGrade    Action = "grade"     // 定级
	ActOrder    Action = "order"     // 下达整改 (责令限期整改指令书 or on site)
	ActStart    Action = "start"     // 开始整改
	ActSubmit   Action = "submit"    // 报告整改完成 (evidence photos)
	ActVerify   Action = "verify"    // 复查 (整改复查意见书)
	ActReturn   Action = "return"    // 退回 (reopen with reason)
	ActClose    Action = "close"     // 销号
	ActExtend   Action = "extend"    // 延期 (new deadline)
	ActSelfDone Action = "self_done" // 企业自查隐患自行整改完毕 (general only, with evidence)
	// ActReport is the first event of every hazard's timeline (上报); it is
	// not a step of the loop (Allowed never offers it, Apply refuses it).
	ActReport Action = "report"
)

// Actions in display order.
var Actions = []Action{ActGrade, ActOrder, ActStart, ActSubmit, ActVerify, ActReturn, ActClose, ActExtend, ActSelfDone}

// Hazard is the part of a hazard the rules look at.
type Hazard struct {
	State        State
	Grade        Grade
	Source       Source
	Clause       string    // 判定标准 clause a major hazard cites
	FoundOn      time.Time // date found (a calendar day)
	Deadline     time.Time // zero until ordered
	RectifiedBy  string    // user who reported the rectification
	Listed       bool      // 挂牌督办 (major hazards)
	PlanComplete bool      // 治理方案 with 五到位 (measures, funds, deadline, person, plan)
	LastOn       time.Time // day of the latest step (zero before the first)
}

// Step is a requested transition with what it carries.
type Step struct {
	Action       Action
	By           string // user id
	ByEnterprise bool   // the actor is the hazard's enterprise account
	On           time.Time
	Grade        Grade
	Clause       string
	Deadline     time.Time
	OnSite       bool   // 现场整改 (no written order)
	DocNumber    string // 责令限期整改指令书 / 整改复查意见书 number
	Evidence     int    // photos or files attached to this step
	Reason       string
	Request      string // an extension: the approved extension request (延期申请) it carries out
}

// RuleError names the rule that refuses a step.
type RuleError struct {
	Rule string // message ID of the rule
	Args map[string]any
	Step Action // the step refused, when a replay of several steps names it (the import)
}

func (e *RuleError) Error() string { return "hazard rule: " + e.Rule + fmt.Sprint(e.Args) }

// Field names the field of the step a rule finds missing or wrong, or
// "" when the rule refuses the step itself (the hazard's state, the
// actor, what the record lacks). A field's fault is bad input (422, with
// the field); any other refusal is a conflict with the hazard as it
// stands (409, with the rule).
func (e *RuleError) Field() string {
	switch e.Rule {
	case "hazard.rule.grade_required":
		return "grade"
	case "hazard.rule.major_needs_clause", "hazard.rule.clause_not_in_force":
		return "clause"
	case "hazard.rule.deadline_required", "hazard.rule.deadline_before_found", "hazard.rule.extend_later":
		return "deadline"
	case "hazard.rule.order_needs_document", "hazard.rule.verify_needs_document":
		return "doc_number"
	case "hazard.rule.evidence_required":
		return "photos"
	case "hazard.rule.reason_required":
		return "reason"
	case "hazard.rule.before_found", "hazard.rule.before_last_step":
		return "on"
	}
	return ""
}

func refuse(rule string, args ...any) *RuleError {
	m := map[string]any{}
	for i := 0; i+1 < len(args); i += 2 {
		m[fmt.Sprint(args[i])] = args[i+1]
	}
	return &RuleError{Rule: rule, Args: m}
}

// from lists the states each action may start from.
var from = map[Action][]State{
	ActGrade:    {Reported},
	ActOrder:    {Graded},
	ActStart:    {Ordered},
	ActSubmit:   {Ordered, Rectifying},
	ActVerify:   {PendingReview},
	ActReturn:   {PendingReview, Verified},
	ActClose:    {Verified},
	ActExtend:   {Ordered, Rectifying},
	ActSelfDone: {Reported, Graded, Ordered, Rectifying},
}

// to is where each action leads (extend keeps the state).
var to = map[Action]State{
	ActGrade: Graded, ActOrder: Ordered, ActStart: Rectifying, ActSubmit: PendingReview,
	ActVerify: Verified, ActReturn: Rectifying, ActClose: Closed, ActSelfDone: Closed,
}

// Allowed lists the actions possible from a state (for the page's
// buttons; Apply still checks everything else).
func Allowed(h Hazard) []Action {
	var out []Action
	for _, a := range Actions {
		if a == ActExtend {
			// Not a step of its own: an approved extension request (延期申请)
			// moves the deadline.
			continue
		}
		if slices.Contains(from[a], h.State) {
			if a == ActSelfDone && (h.Source != SourceSelfCheck || h.Grade == Major) {
				continue
			}
			out = append(out, a)
		}
	}
	return out
}

// Apply checks a step against the rules and returns the hazard after it.
// It never changes its argument. A refused step returns a *RuleError
// naming the rule.
func Apply(h Hazard, s Step) (Hazard, error) {
	states, ok := from[s.Action]
	if !ok {
		return h, refuse("hazard.rule.unknown_action", "Action", s.Action)
	}
	if !slices.Contains(states, h.State) {
		if h.State == Closed {
			return h, refuse("hazard.rule.closed", "Action", s.Action)
		}
		return h, refuse("hazard.rule.wrong_state", "Action", s.Action, "State", h.State)
	}
	if !h.FoundOn.IsZero() && !s.On.IsZero() && day(s.On).Before(day(h.FoundOn)) {
		return h, refuse("hazard.rule.before_found")
	}
	if !h.LastOn.IsZero() && !s.On.IsZero() && day(s.On).Before(day(h.LastOn)) {
		// The record of the loop keeps its order: no step dated before
		// the one it follows.
		return h, refuse("hazard.rule.before_last_step", "Day", Date(h.LastOn))
	}
	n := h
	if !s.On.IsZero() {
		n.LastOn = day(s.On)
	}
	switch s.Action {
	case ActGrade:
		if s.Grade != General && s.Grade != Major {
			return h, refuse("hazard.rule.grade_required")
		}
		if s.Grade == Major && strings.TrimSpace(s.Clause) == "" {
			return h, refuse("hazard.rule.major_needs_clause")
		}
		if s.ByEnterprise {
			// 定级 is the supervising side's determination: an enterprise
			// reports its self-check hazards, and closes the general ones
			// itself (self_done), but does not grade them.
			return h, refuse("hazard.rule.enterprise_cannot_grade")
		}
		if c := strings.TrimSpace(s.Clause); c != "" && !ClauseInForce(c, Date(h.FoundOn)) {
			// A standard not yet (or no longer) in force on the finding
			// day cannot determine the hazard.
			p := PeriodOf(c)
			return h, refuse("hazard.rule.clause_not_in_force", "Standard", Standards[StandardOf(c)], "Found", Date(h.FoundOn),
				"From", p.From, "Until", p.Until)
		}
		n.Grade, n.Clause = s.Grade, strings.TrimSpace(s.Clause)
	case ActOrder:
		if s.ByEnterprise && h.Source != SourceSelfCheck {
			return h, refuse("hazard.rule.enterprise_cannot_order")
		}
		if s.Deadline.IsZero() {
			return h, refuse("hazard.rule.deadline_required")
		}
		if day(s.Deadline).Before(day(h.FoundOn)) {
			return h, refuse("hazard.rule.deadline_before_found")
		}
		if !s.OnSite && strings.TrimSpace(s.DocNumber) == "" && !s.ByEnterprise {
			return h, refuse("hazard.rule.order_needs_document")
		}
		if h.Grade == Major && !h.PlanComplete {
			return h, refuse("hazard.rule.major_needs_plan")
		}
		n.Deadline = day(s.Deadline)
	case ActSubmit:
		if s.Evidence < 1 {
			return h, refuse("hazard.rule.evidence_required")
		}
		n.RectifiedBy = s.By
	case ActVerify:
		if s.ByEnterprise {
			return h, refuse("hazard.rule.enterprise_cannot_verify")
		}
		if s.By != "" && s.By == h.RectifiedBy {
			return h, refuse("hazard.rule.verifier_is_rectifier")
		}
		if strings.TrimSpace(s.DocNumber) == "" {
			// The review is on record in a 整改复查意见书.
			return h, refuse("hazard.rule.verify_needs_document")
		}
	case ActReturn:
		if s.ByEnterprise {
			return h, refuse("hazard.rule.enterprise_cannot_verify")
		}
		if strings.TrimSpace(s.Reason) == "" {
			return h, refuse("hazard.rule.reason_required")
		}
		n.RectifiedBy = ""
	case ActClose:
		if s.ByEnterprise {
			return h, refuse("hazard.rule.enterprise_cannot_verify")
		}
	case ActExtend:
		if strings.TrimSpace(s.Request) == "" {
			return h, refuse("hazard.rule.extend_needs_request")
		}
		if s.Deadline.IsZero() || !day(s.Deadline).After(day(h.Deadline)) {
			return h, refuse("hazard.rule.extend_later")
		}
		if strings.TrimSpace(s.Reason) == "" {
			return h, refuse("hazard.rule.reason_required")
		}
		n.Deadline = day(s.Deadline)
	case ActSelfDone:
		if h.Source != SourceSelfCheck || h.Grade == Major {
			return h, refuse("hazard.rule.self_done_general_self_check")
		}
		if s.Evidence < 1 {
			return h, refuse("hazard.rule.evidence_required")
		}
		if h.Grade == "" {
			n.Grade = General
		}
		n.RectifiedBy = s.By
	}
	if st, ok := to[s.Action]; ok {
		n.State = st
	}
	return n, nil
}

// Valid checks the invariants every stored hazard keeps (the property
// test drives random steps and checks them after each).
func Valid(h Hazard) error {
	if !slices.Contains(States, h.State) {
		return fmt.Errorf("unknown state %q", h.State)
	}
	graded := h.State != Reported
	if graded && h.Grade != General && h.Grade != Major {
		return fmt.Errorf("state %s without a grade", h.State)
	}
	if h.Grade == Major && h.Clause == "" {
		return fmt.Errorf("major hazard without a clause")
	}
	ordered := slices.Contains([]State{Ordered, Rectifying, PendingReview, Verified}, h.State)
	if ordered && h.Deadline.IsZero() {
		return fmt.Errorf("state %s without a deadline", h.State)
	}
	if !h.Deadline.IsZero() && h.Deadline.Before(day(h.FoundOn)) {
		return fmt.Errorf("deadline before the finding date")
	}
	if h.State == PendingReview && h.RectifiedBy == "" {
		return fmt.Errorf("pending review without a rectifier")
	}
	return nil
}

// day truncates to the calendar day in Asia/Shanghai (dates are days).
func day(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	y, m, d := t.In(shanghai).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, shanghai)
}

var shanghai = time.FixedZone("CST", 8*3600)

// Day returns the calendar day of t in Asia/Shanghai at 00:00.
func Day(t time.Time) time.Time { return day(t) }

// Overdue reports whether a hazard still awaiting its rectification is
// past its deadline on a day (逾期未整改).
func Overdue(h Hazard, on time.Time) bool {
	return h.State.AwaitsRectification() && !h.Deadline.IsZero() && day(on).After(h.Deadline)
}
