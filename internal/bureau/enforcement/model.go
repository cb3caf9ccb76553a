// Package enforcement holds the bureau's enforcement documents (执法文书)
// with their numbering, administrative penalty cases (行政处罚案件) with
// the fines ledger, and the measures counted in 家次 (责令停产整顿, 约谈).
//
// Files: model.go (pure rules, table-tested), service.go (documents:
// numbering, prerequisites, scope, audit), cases.go (the case steps and
// payments, measures), settings.go, pdf.go, ledger.go, figures.go,
// http.go, demo.go.
//
// Choices made here:
//
//   - A document is numbered when it is issued, from a counter row per
//     county, kind and year raised in the issuing transaction
//     (INSERT … ON CONFLICT DO UPDATE … RETURNING): a refused or rolled-back
//     issue takes its number back with it, so the numbers of a kind and
//     year run 1, 2, 3 … without a gap; UNIQUE (county, kind, year, serial)
//     guards against a duplicate. On PostgreSQL the issuing transaction
//     queues for the audit head (store.Serial), so 50 clerks issuing at
//     once wait their turn instead of failing one another.
//   - The number reads （示）应急检记〔2022〕5号: the county abbreviation
//     (setting "enforcement", default the first character of the county's
//     name), 应急, the kind's code word (代字), the year, the serial.
//   - The enterprise's town, village, sector and supervising section are
//     copied onto documents, cases and measures when they are written, so
//     scope and the report's figures need no other module's tables.
//   - Prerequisites: a 整改复查意见书 follows a 责令限期整改指令书 or a
//     现场处理措施决定书 of the same enterprise (covering the same hazards
//     when hazards are named); the case documents follow the case's steps
//     (告知书 after 立案, 决定书 after 告知书, 结案审批表 after 决定书).
//   - Four eyes: 立案审批 and 结案审批 are approved by someone other than
//     the one who drafted them.
package enforcement

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Document kinds (执法文书) with their code words (代字).
const (
	KindInspectionRecord = "inspection_record" // 现场检查记录
	KindOrder            = "order"             // 责令限期整改指令书
	KindReview           = "review"            // 整改复查意见书
	KindOnSite           = "onsite"            // 现场处理措施决定书
	KindFiling           = "filing"            // 立案审批表
	KindNotice           = "notice"            // 行政处罚告知书
	KindDecision         = "decision"          // 行政处罚决定书
	KindClosing          = "closing"           // 结案审批表
	KindInterview        = "interview"         // 约谈记录
)

// Kind describes a document kind.
type Kind struct {
	Code  string
	Label string // Chinese title
	Word  string // 代字 in the number
	// Case kinds are issued by a case's steps (a case id is required).
	Case bool
}

// Kinds lists the document kinds in their usual order.
var Kinds = []Kind{
	{KindInspectionRecord, "现场检查记录", "检记", false},
	{KindOrder, "责令限期整改指令书", "责改", false},
	{KindReview, "整改复查意见书", "复查", false},
	{KindOnSite, "现场处理措施决定书", "现决", false},
	{KindFiling, "立案审批表", "立审", true},
	{KindNotice, "行政处罚告知书", "罚告", true},
	{KindDecision, "行政处罚决定书", "罚决", true},
	{KindClosing, "结案审批表", "结审", true},
	{KindInterview, "约谈记录", "约谈", false},
}

// KindOf returns a kind by code or by Chinese label.
func KindOf(s string) (Kind, bool) {
	s = strings.TrimSpace(s)
	for _, k := range Kinds {
		if k.Code == s || k.Label == s {
			return k, true
		}
	}
	return Kind{}, false
}

// FormatNumber writes （示）应急检记〔2022〕5号.
func FormatNumber(abbr, word string, year, serial int) string {
	return fmt.Sprintf("（%s）应急%s〔%d〕%d号", abbr, word, year, serial)
}

// Document is one issued enforcement document.
type Document struct {
	ID             string    `json:"id"`
	CountyCode     string    `json:"county_code"`
	Kind           string    `json:"kind"`
	Year           int       `json:"year"`
	Serial         int       `json:"serial"`
	Number         string    `json:"number"`
	EnterpriseID   string    `json:"enterprise_id"`
	EnterpriseName string    `json:"enterprise_name"`
	TownCode       string    `json:"town_code"`
	VillageCode    string    `json:"-"`
	Sector         string    `json:"sector"`
	SectionID      string    `json:"section_id"`
	InspectionID   string    `json:"inspection_id,omitempty"`
	CaseID         string    `json:"case_id,omitempty"`
	HazardIDs      []string  `json:"hazard_ids,omitempty"`
	IssuedOn       string    `json:"issued_on"`
	Deadline       string    `json:"deadline,omitempty"`
	Officers       string    `json:"officers"`
	Body           string    `json:"body"`
	CreatedBy      string    `json:"created_by"`
	CreatedName    string    `json:"created_name"`
	CreatedAt      time.Time `json:"created_at"`
}

// KindLabel is the Chinese title of the document's kind.
func (d Document) KindLabel() string { k, _ := KindOf(d.Kind); return k.Label }

// Covers reports whether the document names every hazard of ids (a
// document naming no hazard covers the enterprise as a whole).
func (d Document) Covers(ids []string) bool {
	if len(d.HazardIDs) == 0 {
		return true
	}
	for _, id := range ids {
		if !slices.Contains(d.HazardIDs, id) {
			return false
		}
	}
	return true
}

// RuleError is a refused step, naming its rule (a message ID).
type RuleError struct {
	Rule string
	Args map[string]any
}

func (e *RuleError) Error() string { return "enforcement rule " + e.Rule }

func refuse(rule string) error { return &RuleError{Rule: rule} }

// Prior is what already exists for a new document's prerequisites: the
// enterprise's earlier orders and on-site decisions, and its case.
type Prior struct {
	Orders []Document // 指令书 and 现场处理措施决定书 of the enterprise
	Case   *Case      // the case named by the document (nil: none)
	// CaseDocs are the kinds already issued for the case.
	CaseDocs []string
}

// CheckPrerequisites applies the ordering rules to a new document of
// kind k naming hazards.
func CheckPrerequisites(k Kind, hazards []string, pr Prior) error {
	switch k.Code {
	case KindReview:
		for _, o := range pr.Orders {
			if o.Covers(hazards) {
				return nil
			}
		}
		// 整改复查意见书 follows an issued 指令书 (or 现场处理措施决定书).
		return refuse("enforcement.rule.review_needs_order")
	case KindFiling, KindNotice, KindDecision, KindClosing:
		if pr.Case == nil {
			return refuse("enforcement.rule.case_required")
		}
		has := func(kind string) bool { return slices.Contains(pr.CaseDocs, kind) }
		if has(k.Code) {
			return refuse("enforcement.rule.case_document_exists")
		}
		switch k.Code {
		case KindNotice:
			if !has(KindFiling) || pr.Case.State == StateFiling {
				return refuse("enforcement.rule.notice_needs_filing")
			}
		case KindDecision:
			if !has(KindNotice) {
				return refuse("enforcement.rule.decision_needs_notice")
			}
		case KindClosing:
			if !has(KindDecision) {
				return refuse("enforcement.rule.closing_needs_decision")
			}
		}
	}
	return nil
}

// Case states (行政处罚案件).
const (
	StateFiling        = "filing"        // 立案待审批
	StateInvestigating = "investigating" // 调查取证
	StateNotified      = "notified"      // 已告知 (陈述申辩 / 听证)
	StateDecided       = "decided"       // 已决定, 执行中
	StateClosing       = "closing"       // 结案待审批
	StateClosed        = "closed"        // 已结案
	StateRejected      = "rejected"      // 不予立案
)

// States in order.
var States = []string{StateFiling, StateInvestigating, StateNotified, StateDecided, StateClosing, StateClosed, StateRejected}

// Payment modes of a fine.
const (
	PayOnce        = "once"        // 一次缴纳
	PayInstallment = "installment" // 分期缴纳
	PayDeferred    = "deferred"    // 延期缴纳
)

// Case is one administrative penalty case.
type Case struct {
	ID             string    `json:"id"`
	CountyCode     string    `json:"county_code"`
	EnterpriseID   string    `json:"enterprise_id"`
	EnterpriseName string    `json:"enterprise_name"`
	TownCode       string    `json:"town_code"`
	VillageCode    string    `json:"-"`
	Sector         string    `json:"sector"`
	SectionID      string    `json:"section_id"`
	InspectionID   string    `json:"inspection_id,omitempty"`
	Cause          string    `json:"cause"`
	CauseKind      string    `json:"cause_kind,omitempty"`
	LegalBasis     string    `json:"legal_basis"`
	State          string    `json:"state"`
	FoundOn        string    `json:"found_on"`
	FiledOn        string    `json:"filed_on,omitempty"`
	DraftedBy      string    `json:"drafted_by"`
	DraftedName    string    `json:"drafted_name"`
	ApprovedBy     string    `json:"approved_by,omitempty"`
	ApprovedName   string    `json:"approved_name,omitempty"`
	NotifiedOn     string    `json:"notified_on,omitempty"`
	Hearing        bool      `json:"hearing"`
	DecidedOn      string    `json:"decided_on,omitempty"`
	FineFen        int64     `json:"fine_fen"`
	Payment        string    `json:"payment,omitempty"`
	PayDue         string    `json:"pay_due,omitempty"`
	PaidFen        int64     `json:"paid_fen"`
	CloseBy        string    `json:"close_by,omitempty"`
	CloseName      string    `json:"close_name,omitempty"`
	ClosedOn       string    `json:"closed_on,omitempty"`
	ClosedBy       string    `json:"closed_by,omitempty"`
	Note           string    `json:"note"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Case actions.
const (
	ActApproveFiling = "approve_filing" // 立案审批 (another person)
	ActRejectFiling  = "reject_filing"
	ActNotify        = "notify"  // 告知 (陈述申辩 / 听证)
	ActDecide        = "decide"  // 决定 (fine)
	ActPay           = "pay"     // 缴纳 (a payment into the ledger)
	ActClose         = "close"   // 结案 request
	ActApproveClose  = "approve" // 结案审批 (another person)
)

// CaseStep is one step taken on a case.
type CaseStep struct {
	Action  string
	By      string
	On      string // YYYY-MM-DD
	Hearing bool
	FineFen int64
	Cap     int64 // the cap of the case's legal basis (0: none configured)
	Payment string
	PayDue  string
	Amount  int64 // a payment
}

// ApplyCase applies a step to a case and returns the new case; a refused
// step names its rule.
func ApplyCase(c Case, s CaseStep) (Case, error) {
	n := c
	switch s.Action {
	case ActApproveFiling, ActRejectFiling:
		if c.State != StateFiling {
			return c, refuse("enforcement.rule.not_awaiting_filing")
		}
		if s.By == c.DraftedBy {
			return c, refuse("enforcement.rule.four_eyes")
		}
		n.ApprovedBy = s.By
		n.State = StateInvestigating
		n.FiledOn = s.On
		if s.Action == ActRejectFiling {
			n.State, n.FiledOn = StateRejected, ""
		}
	case ActNotify:
		if c.State != StateInvestigating {
			return c, refuse("enforcement.rule.notify_needs_investigation")
		}
		if s.FineFen < 0 {
			return c, refuse("enforcement.rule.fine_negative")
		}
		if s.Cap > 0 && s.FineFen > s.Cap {
			return c, &RuleError{Rule: "enforcement.rule.fine_above_cap", Args: map[string]any{"Cap": Yuan(s.Cap)}}
		}
		n.State, n.NotifiedOn, n.Hearing, n.FineFen = StateNotified, s.On, s.Hearing, s.FineFen
	case ActDecide:
		if c.State != StateNotified {
			return c, refuse("enforcement.rule.decide_needs_notice")
		}
		if s.FineFen < 0 {
			return c, refuse("enforcement.rule.fine_negative")
		}
		if s.Cap > 0 && s.FineFen > s.Cap {
			return c, &RuleError{Rule: "enforcement.rule.fine_above_cap", Args: map[string]any{"Cap": Yuan(s.Cap)}}
		}
		if s.On < c.NotifiedOn {
			return c, refuse("enforcement.rule.decide_before_notice")
		}
		switch s.Payment {
		case "", PayOnce, PayInstallment, PayDeferred:
		default:
			return c, refuse("enforcement.rule.payment_invalid")
		}
		if s.Payment != PayOnce && s.Payment != "" && s.PayDue == "" {
			return c, refuse("enforcement.rule.pay_due_required")
		}
		n.State, n.DecidedOn, n.FineFen, n.Payment, n.PayDue = StateDecided, s.On, s.FineFen, s.Payment, s.PayDue
		if n.Payment == "" {
			n.Payment = PayOnce
		}
	case ActPay:
		if c.State != StateDecided {
			return c, refuse("enforcement.rule.pay_needs_decision")
		}
		if s.Amount <= 0 {
			return c, refuse("enforcement.rule.payment_positive")
		}
		if c.PaidFen+s.Amount > c.FineFen {
			return c, refuse("enforcement.rule.payment_exceeds_fine")
		}
		if c.Payment == PayOnce && s.Amount != c.FineFen {
			// 一次缴纳: the whole fine at once; 分期 / 延期 may pay parts.
			return c, refuse("enforcement.rule.pay_whole_fine")
		}
		n.PaidFen += s.Amount
	case ActClose:
		if c.State != StateDecided {
			return c, refuse("enforcement.rule.close_needs_decision")
		}
		if c.PaidFen < c.FineFen {
			return c, refuse("enforcement.rule.close_needs_payment")
		}
		n.State, n.CloseBy = StateClosing, s.By
	case ActApproveClose:
		if c.State != StateClosing {
			return c, refuse("enforcement.rule.not_awaiting_close")
		}
		if s.By == c.CloseBy {
			return c, refuse("enforcement.rule.four_eyes")
		}
		n.State, n.ClosedOn, n.ClosedBy = StateClosed, s.On, s.By
	default:
		return c, refuse("enforcement.rule.unknown_action")
	}
	return n, nil
}

// DocumentFor is the document a case step issues ("" for none).
func DocumentFor(action string) string {
	switch action {
	case ActApproveFiling:
		return KindFiling
	case ActNotify:
		return KindNotice
	case ActDecide:
		return KindDecision
	case ActApproveClose:
		return KindClosing
	}
	return ""
}

// Yuan writes 分 as 元 with two decimals ("4000.00").
func Yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}

// ParseYuan reads an amount in 元 ("4000", "4000.5", "4,000.00") as 分.
func ParseYuan(s string) (int64, error) {
	s = strings.NewReplacer(",", "", "，", "", " ", "", "元", "").Replace(strings.TrimSpace(s))
	if s == "" {
		return 0, nil
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" || len(frac) > 2 || len(whole) > 12 {
		return 0, fmt.Errorf("amount %q", s)
	}
	var n int64
	for _, r := range whole + (frac + "00")[:2] {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("amount %q", s)
		}
		n = n*10 + int64(r-'0')
	}
	if neg {
		n = -n
	}
	return n, nil
}

// Clock is a statutory time limit shown on a case.
type Clock struct {
	Label string `json:"label"` // message ID
	Due   string `json:"due"`   // YYYY-MM-DD
	Left  int    `json:"left"`  // working days left (negative: overdue)
	Done  bool   `json:"done"`
}

// Measure kinds counted in 家次.
const (
	MeasureSuspend   = "suspend"   // 责令停产整顿
	MeasureInterview = "interview" // 约谈
)

// Measure is one measure taken against an enterprise.
type Measure struct {
	ID             string    `json:"id"`
	CountyCode     string    `json:"county_code"`
	Kind           string    `json:"kind"`
	EnterpriseID   string    `json:"enterprise_id"`
	EnterpriseName string    `json:"enterprise_name"`
	TownCode       string    `json:"town_code"`
	VillageCode    string    `json:"-"`
	Sector         string    `json:"sector"`
	SectionID      string    `json:"section_id"`
	OnDay          string    `json:"on_day"`
	CaseID         string    `json:"case_id,omitempty"`
	DocumentID     string    `json:"document_id,omitempty"`
	Note           string    `json:"note"`
	CreatedBy      string    `json:"created_by"`
	CreatedAt      time.Time `json:"created_at"`
}

// FineText is the fine in 元 ("4000.00").
func (c Case) FineText() string { return Yuan(c.FineFen) }

// PaidText is what was paid, in 元.
func (c Case) PaidText() string { return Yuan(c.PaidFen) }
