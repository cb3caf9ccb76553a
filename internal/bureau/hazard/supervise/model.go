// Package supervise runs the escalation side of the hazard loop: red and
// yellow cards (红黄牌) with the periodic deadline sweep that issues and
// clears them, supervision letters (督办函) of the county safety
// committee's office on overdue hazards, listed supervision (挂牌督办) of
// major hazards from listing to acceptance (验收) and delisting (摘牌销号),
// and extension requests (延期申请) with their decisions.
//
// The hazard itself belongs to package hazard: every change of a hazard's
// state or deadline goes through hazard.Service.DoTx, so the hazard's own
// timeline shows acceptance, closure and extensions. This package only
// reads the hazard table and keeps the sweep's bookkeeping columns on it
// (yellow_on, card_basis, remind_for; see migration 00010).
//
// The rules are pure functions in this file; the service applies them in
// transactions with audit entries; refusals name the rule (message IDs
// supervise.rule.*).
package supervise

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
)

// Letter states (督办函).
const (
	LetterIssued    = "issued"    // 已发函
	LetterOverdue   = "overdue"   // 逾期未整改
	LetterRectified = "rectified" // 已整改 (the hazard is closed)
)

// LetterStates in display order.
var LetterStates = []string{LetterIssued, LetterOverdue, LetterRectified}

// Listing states (挂牌督办).
const (
	ListingListed   = "listed"   // 挂牌督办中
	ListingAccepted = "accepted" // 已验收
	ListingDelisted = "delisted" // 已摘牌销号
)

// ListingStates in display order.
var ListingStates = []string{ListingListed, ListingAccepted, ListingDelisted}

// Listing levels (督办级别).
const (
	LevelCounty   = "county"
	LevelCity     = "city"
	LevelProvince = "province"
)

// Levels in display order.
var Levels = []string{LevelCounty, LevelCity, LevelProvince}

// Extension request states (延期申请).
const (
	ExtPending  = "pending"  // 待审批
	ExtApproved = "approved" // 已批准
	ExtRefused  = "refused"  // 不予批准
)

// ExtensionStates in display order.
var ExtensionStates = []string{ExtPending, ExtApproved, ExtRefused}

// Card event reasons.
const (
	ReasonShare      = "time_share"  // most of the time allowed has passed
	ReasonOverdue    = "overdue"     // past the deadline
	ReasonSelfReport = "self_report" // periodic self-report missing (应报未报)
)

// PublishWithin is the number of working days within which a listing is
// to be made public (公开); a later or missing publication is warned
// about, not refused.
const PublishWithin = 5

// FreshDays bounds the notifications of the sweep: a card whose day of
// issue lies more than this many days back (history loaded or a sweep
// that did not run for long) is recorded but not announced.
const FreshDays = 7

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// rule is a refusal naming the rule (field is the form field to show it on).
func rule(field, id string, kv ...any) error {
	var args map[string]any
	if len(kv) > 1 {
		args = map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			args[fmt.Sprint(kv[i])] = kv[i+1]
		}
	}
	return errs.Field(field, "supervise.rule."+id, args)
}

// day parses a stored or typed date (” or a bad date gives zero).
func day(s string) time.Time {
	t, err := hazard.ParseDate(s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// addDays moves a stored date by n days (” stays ”).
func addDays(s string, n int) string {
	t := day(s)
	if t.IsZero() {
		return ""
	}
	return hazard.Date(t.AddDate(0, 0, n))
}

// parseDay reads a typed date for field; empty is an error when required.
func parseDay(field, s string, required bool) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			return "", errs.Field(field, "field.required", nil)
		}
		return "", nil
	}
	t, err := hazard.ParseDate(s)
	if err != nil {
		return "", errs.Field(field, "supervise.date_invalid", nil)
	}
	return hazard.Date(t), nil
}

// YellowOn is the first day an open hazard found on found with the given
// deadline carries a yellow card under the yellow share: the day
// hazard.CardFor starts answering Yellow.
func YellowOn(found, deadline time.Time, share float64) time.Time {
	found, deadline = hazard.Day(found), hazard.Day(deadline)
	if !deadline.After(found) {
		return found
	}
	h := hazard.Hazard{State: hazard.Ordered, FoundOn: found, Deadline: deadline}
	r := hazard.CardRules{YellowShare: share}
	total := int(math.Round(deadline.Sub(found).Hours() / 24))
	e := int(math.Floor(share * float64(total)))
	e = max(0, min(e, total))
	for e > 0 && hazard.CardFor(h, found.AddDate(0, 0, e-1), r) != hazard.NoCard {
		e--
	}
	for e < total && hazard.CardFor(h, found.AddDate(0, 0, e), r) == hazard.NoCard {
		e++
	}
	return found.AddDate(0, 0, e)
}

// CardOn is the card an open hazard carries on today, from its deadline
// and yellow day (dates as YYYY-MM-DD, compared as text). It agrees with
// hazard.CardFor when yellowOn = YellowOn(found, deadline).
func CardOn(deadline, yellowOn, today string) hazard.Card {
	switch {
	case deadline == "":
		return hazard.NoCard
	case today > deadline:
		return hazard.Red
	case yellowOn != "" && today >= yellowOn:
		return hazard.Yellow
	}
	return hazard.NoCard
}

// ValidateRules checks a county's card rules: 0.5 ≤ share < 1 and every
// number of days at least 1.
func ValidateRules(r hazard.CardRules) error {
	var fe errs.FieldErrors
	if math.IsNaN(r.YellowShare) || r.YellowShare < 0.5 || r.YellowShare >= 1 {
		fe = append(fe, errs.Field("yellow_share", "supervise.settings.share_invalid", nil))
	}
	if r.LetterAfter < 1 || r.LetterAfter > 365 {
		fe = append(fe, errs.Field("letter_after", "supervise.settings.days_invalid", nil))
	}
	if r.RemindBefore < 1 || r.RemindBefore > 90 {
		fe = append(fe, errs.Field("remind_before", "supervise.settings.days_invalid", nil))
	}
	return fe.Err()
}

// FormatNumber writes a document number: 示安委办督〔2022〕1号.
func FormatNumber(prefix string, year, serial int) string {
	return fmt.Sprintf("%s〔%d〕%d号", prefix, year, serial)
}

var numberRE = regexp.MustCompile(`^(.+?)[〔\[［(（]([0-9]{4})[〕\]］)）]0*([0-9]+)号?$`)

// ParseNumber reads a number written as FormatNumber does (also with
// ASCII brackets); ok is false for anything else.
func ParseNumber(s string) (prefix string, year, serial int, ok bool) {
	m := numberRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return "", 0, 0, false
	}
	year, _ = strconv.Atoi(m[2])
	serial, _ = strconv.Atoi(m[3])
	return m[1], year, serial, serial > 0
}

// checkOn checks the day a step happened: a date, not in the future, not
// before the hazard was found.
func checkOn(field, on, today, found string) error {
	switch {
	case on == "":
		return errs.Field(field, "field.required", nil)
	case on > today:
		return errs.Field(field, "supervise.date_future", nil)
	case found != "" && on < found:
		return rule(field, "before_found", "Found", found)
	}
	return nil
}

// CheckLetter applies the rules of a supervision letter on a hazard: the
// hazard is open and overdue on the day of issue, has no letter still
// running, the new deadline is after the day of issue and the required
// measures are written.
func CheckLetter(h hazard.Record, issuedOn, deadline, measures, today string, running bool) error {
	if h.State == hazard.Closed {
		return rule("hazard_id", "closed")
	}
	if running {
		return rule("hazard_id", "letter_running")
	}
	if h.Deadline == "" {
		return rule("hazard_id", "letter_not_ordered")
	}
	if err := checkOn("issued_on", issuedOn, today, h.FoundOn); err != nil {
		return err
	}
	if issuedOn <= h.Deadline {
		return rule("hazard_id", "letter_not_overdue", "Deadline", h.Deadline)
	}
	var fe errs.FieldErrors
	if deadline == "" {
		fe = append(fe, errs.Field("deadline", "field.required", nil))
	} else if deadline <= issuedOn {
		fe = append(fe, rule("deadline", "deadline_after_issue").(*errs.Error))
	}
	if strings.TrimSpace(measures) == "" {
		fe = append(fe, errs.Field("measures", "field.required", nil))
	}
	return fe.Err()
}

// CheckListing applies the rules of listing a hazard: an open major
// hazard, ordered with a deadline, whose 治理方案 is complete (五到位:
// measures, funds, deadline, person, emergency plan), not listed before.
func CheckListing(h hazard.Record, listedOn, today string, listed bool) error {
	switch {
	case h.State == hazard.Closed:
		return rule("hazard_id", "closed")
	case listed || h.Listed:
		return rule("hazard_id", "already_listed")
	case h.Grade != hazard.Major:
		return rule("hazard_id", "listing_not_major")
	case h.Deadline == "":
		return rule("hazard_id", "listing_not_ordered")
	case !h.PlanComplete():
		return rule("hazard_id", "plan_incomplete", "Missing", strings.Join(missingPlan(h), "、"))
	}
	return checkOn("listed_on", listedOn, today, h.FoundOn)
}

// missingPlan names the parts of the 五到位 plan not filled in.
func missingPlan(h hazard.Record) []string {
	var out []string
	for _, p := range []struct{ v, name string }{{h.PlanMeasures, "措施"}, {h.PlanFunds, "资金"}, {h.PlanDeadline, "时限"},
		{h.PlanPerson, "责任人"}, {h.PlanEmergency, "应急预案"}} {
		if strings.TrimSpace(p.v) == "" {
			out = append(out, p.name)
		}
	}
	return out
}

// Workdays counts working days; *calendar.Calendar satisfies it.
type Workdays interface {
	WorkingDaysBetween(from, to time.Time) int
}

// PublishLate reports whether a listing's publication is late on today:
// published more than PublishWithin working days after listing, or not
// published and that many working days have passed.
func PublishLate(cal Workdays, listedOn, publishedOn, today string) bool {
	l := day(listedOn)
	if l.IsZero() {
		return false
	}
	end := day(publishedOn)
	if end.IsZero() {
		end = day(today)
	}
	return cal.WorkingDaysBetween(l, end) > PublishWithin
}

// CheckExtension applies the rules of an extension request: the hazard is
// open and being rectified (ordered or rectifying), no other request is
// pending, the requested deadline is later than the current one and a
// reason is given.
func CheckExtension(h hazard.Record, requestedOn, requested, reason, today string, pending bool) error {
	switch {
	case h.State == hazard.Closed:
		return rule("hazard_id", "extension_closed")
	case pending:
		return rule("hazard_id", "extension_pending")
	case h.State != hazard.Ordered && h.State != hazard.Rectifying:
		return rule("hazard_id", "extension_state", "State", string(h.State))
	}
	if err := checkOn("requested_on", requestedOn, today, h.FoundOn); err != nil {
		return err
	}
	var fe errs.FieldErrors
	if requested == "" {
		fe = append(fe, errs.Field("requested_deadline", "field.required", nil))
	} else if requested <= h.Deadline {
		fe = append(fe, rule("requested_deadline", "extension_later", "Deadline", h.Deadline).(*errs.Error))
	}
	if strings.TrimSpace(reason) == "" {
		fe = append(fe, errs.Field("reason", "field.required", nil))
	}
	return fe.Err()
}

// conflict is a refusal of a decision that the form cannot fix (answered
// 409), naming the rule.
func conflict(id string, kv ...any) error {
	e := rule("", id, kv...).(*errs.Error)
	e.Kind, e.Field = errs.Conflict, ""
	return e
}

// CheckDecider applies the four-eyes rule (四眼原则) of an extension
// decision: nobody decides a request they filed themselves; a listed
// major hazard's request (挂牌督办) is decided by the body that listed it,
// the role the county chose (局领导 by default); any other request by the
// deciders (section staff in their sectors, leaders, administrators).
func CheckDecider(p *auth.Principal, requestedBy string, listed bool, listedApprover auth.Role) error {
	if !p.Is(Deciders...) {
		return errs.New(errs.Forbidden, "forbidden")
	}
	if p.UserID != "" && p.UserID == requestedBy {
		return conflict("own_request")
	}
	if listed && p.Role != listedApprover {
		return conflict("listed_approver", "RoleZH", listedApprover.Label("zh"), "RoleEN", listedApprover.Label("en"))
	}
	return nil
}
