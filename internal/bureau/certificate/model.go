// Pure rules: validity, expiry, renewal, the survey and the deadline.

package certificate

import (
	"slices"
	"strings"
	"time"

	"yingji/internal/kit/codes"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/person"
)

// Kinds of certificate.
const (
	KindCompetence = "safety_competence" // 安全生产知识和管理能力考核合格证
	KindSpecial    = "special_operation" // 特种作业操作证
)

// Roles of the person at the enterprise.
const (
	RolePrincipal = "principal"        // 主要负责人
	RoleSafety    = "safety_manager"   // 安全管理人员
	RoleOperator  = "special_operator" // 特种作业人员
)

// Computed statuses.
const (
	StatusValid    = "valid"    // 有效
	StatusExpiring = "expiring" // 即将到期 (within ExpiringDays)
	StatusExpired  = "expired"  // 已过期 (or 复审 overdue)
	StatusRevoked  = "revoked"  // 注销
)

// ExpiringDays is how close to its end a certificate counts as 即将到期.
const ExpiringDays = 90

// Thresholds are the days before the end at which the expiry sweep
// notifies, nearest last.
var Thresholds = []int{90, 60, 30}

// Renewal kinds.
const (
	RenewRenew  = "renew"  // 续证/换证: new dates (and often a new number)
	RenewReview = "review" // 复审 of a special-operation certificate
)

// Code lists: code, Chinese, English.
var (
	Kinds       = codes.Triples([][3]string{{KindCompetence, "安全生产知识和管理能力考核合格证", "Safety knowledge and management competence certificate"}, {KindSpecial, "特种作业操作证", "Special operation certificate"}})
	PersonRoles = codes.Triples([][3]string{{RolePrincipal, "主要负责人", "Principal"}, {RoleSafety, "安全管理人员", "Safety manager"}, {RoleOperator, "特种作业人员", "Special operator"}})
	Statuses    = codes.Triples([][3]string{{StatusValid, "有效", "Valid"}, {StatusExpiring, "即将到期", "Expiring"}, {StatusExpired, "已过期", "Expired"}, {StatusRevoked, "注销", "Revoked"}})
	// CompetenceCategories are the 行业类别 of a competence certificate.
	CompetenceCategories = codes.Triples([][3]string{
		{"mining", "非煤矿山", "Non-coal mining"},
		{"hazchem", "危险化学品", "Hazardous chemicals"},
		{"fireworks", "烟花爆竹", "Fireworks"},
		{"smelting", "金属冶炼", "Metal smelting"},
		{"other", "其他行业", "Other (industry and trade)"},
	})
	// SpecialCategories are the 作业类别 of a special-operation certificate.
	SpecialCategories = codes.Triples([][3]string{
		{"electrician", "电工作业", "Electrical work"},
		{"welding", "焊接与热切割作业", "Welding and thermal cutting"},
		{"height", "高处作业", "Work at height"},
		{"refrigeration", "制冷与空调作业", "Refrigeration and air conditioning"},
		{"mine_safety", "金属非金属矿山安全作业", "Metal and non-metal mine safety work"},
		{"hazchem_ops", "危险化学品安全作业", "Hazardous chemicals safety work"},
		{"fireworks_ops", "烟花爆竹安全作业", "Fireworks safety work"},
		{"metallurgy_ops", "冶金（有色）生产安全作业", "Metallurgy (non-ferrous) production safety work"},
		{"other_ops", "其他特种作业", "Other special operation"},
	})
)

// KindLabel, RoleLabel, StatusLabel and CategoryLabel return labels.
func KindLabel(c, lang string) string   { return Kinds.Label(c, lang) }
func RoleLabel(c, lang string) string   { return PersonRoles.Label(c, lang) }
func StatusLabel(c, lang string) string { return Statuses.Label(c, lang) }
func CategoryLabel(kind, c, lang string) string {
	return categoriesOf(kind).Label(c, lang)
}

func categoriesOf(kind string) codes.List {
	if kind == KindSpecial {
		return SpecialCategories
	}
	return CompetenceCategories
}

// Certificate is one person's certificate.
type Certificate struct {
	ID           string    `json:"id"`
	CountyCode   string    `json:"county_code"`
	EnterpriseID string    `json:"enterprise_id"`
	PersonName   string    `json:"person_name"`
	IDNumber     string    `json:"id_number"`           // masked unless the reader may see it
	IDMasked     bool      `json:"id_masked,omitempty"` // IDNumber is the masked form
	PersonRole   string    `json:"person_role"`
	Kind         string    `json:"kind"`
	Category     string    `json:"category"` // 行业类别 or 作业类别
	Number       string    `json:"number"`
	Authority    string    `json:"authority"`
	IssuedOn     Date      `json:"issued_on"`
	ExpiresOn    Date      `json:"expires_on"`
	ReviewDueOn  Date      `json:"review_due_on"` // next 复审 (special operation)
	ValidUntil   Date      `json:"valid_until"`   // the earlier of expiry and review due
	Revoked      bool      `json:"revoked"`
	RevokedOn    Date      `json:"revoked_on"`
	RevokeReason string    `json:"revoke_reason,omitempty"`
	Verified     bool      `json:"verified"` // checked by the section (false: entered by the enterprise)
	Note         string    `json:"note,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Renewal is one 续证/换证 or 复审 of a certificate, with the dates before
// and after.
type Renewal struct {
	ID             string    `json:"id"`
	CertificateID  string    `json:"certificate_id"`
	Kind           string    `json:"kind"` // renew | review
	DoneOn         Date      `json:"done_on"`
	OldNumber      string    `json:"old_number"`
	OldIssuedOn    Date      `json:"old_issued_on"`
	OldExpiresOn   Date      `json:"old_expires_on"`
	OldReviewDueOn Date      `json:"old_review_due_on"`
	NewNumber      string    `json:"new_number"`
	NewIssuedOn    Date      `json:"new_issued_on"`
	NewExpiresOn   Date      `json:"new_expires_on"`
	NewReviewDueOn Date      `json:"new_review_due_on"`
	Note           string    `json:"note,omitempty"`
	RecordedBy     string    `json:"recorded_by"`
	RecordedByName string    `json:"recorded_by_name"`
	RecordedAt     time.Time `json:"recorded_at"`
}

// ValidityYears is the longest validity of a certificate kind: 3 years
// for a competence certificate (domain.md §1.8), 6 for a special-operation
// certificate.
func ValidityYears(kind string) int {
	if kind == KindSpecial {
		return 6
	}
	return 3
}

// EndOfYears is the last valid day of a validity of n years starting on
// from. The convention is the licences' (licence.AddYears): the end date
// is the last valid day, inclusive, so issued 2022-03-01 valid 3 years is
// valid to 2025-02-28, and expired on 2025-03-01.
func EndOfYears(from Date, n int) Date {
	if from.IsZero() {
		return from
	}
	return from.AddYears(n).AddDays(-1)
}

// DefaultExpiry is the end of validity (last valid day) printed on a
// certificate issued on issued: 3 years for a competence certificate, 6
// for a special-operation certificate.
func DefaultExpiry(kind string, issued Date) Date {
	return EndOfYears(issued, ValidityYears(kind))
}

// DefaultReviewDue is the first 复审 date of a special-operation
// certificate issued on issued (the last day of its first 3 years); none
// for other kinds.
func DefaultReviewDue(kind string, issued Date) Date {
	if kind != KindSpecial || issued.IsZero() {
		return Date{}
	}
	return EndOfYears(issued, 3)
}

// ValidUntil is the last day a certificate is valid: its expiry, or its
// 复审 date when that comes first (a special-operation certificate not
// reviewed in time is no longer valid).
func ValidUntil(expires, reviewDue Date) Date { return minDate(expires, reviewDue) }

// StatusOf computes a certificate's status on a day.
func StatusOf(c Certificate, today Date) string {
	switch {
	case c.Revoked && (c.RevokedOn.IsZero() || !today.Before(c.RevokedOn)):
		return StatusRevoked
	case c.ValidUntil.Before(today):
		return StatusExpired
	case today.DaysUntil(c.ValidUntil) <= ExpiringDays:
		return StatusExpiring
	}
	return StatusValid
}

// Threshold returns the sweep threshold (90, 60 or 30) a certificate
// ending in daysLeft days has reached; ok is false outside 0…90 days.
func Threshold(daysLeft int) (int, bool) {
	if daysLeft < 0 || daysLeft > Thresholds[0] {
		return 0, false
	}
	t := Thresholds[0]
	for _, x := range Thresholds {
		if daysLeft <= x {
			t = x
		}
	}
	return t, true
}

// Deadline is the day by which a warned enterprise must obtain the
// missing certificate: three calendar months after the warning
// (督促三个月之内通过培训取得资格).
func Deadline(warnedOn Date) Date { return warnedOn.AddMonths(3) }

// CheckID validates a citizen ID number (GB 11643) on a day (see
// person.CheckID). It returns a Chinese reason.
func CheckID(id string, today Date) (string, bool) {
	var t time.Time
	if !today.IsZero() {
		t = today.Time()
	}
	return person.CheckID(id, t)
}

// Validate checks a certificate's own fields on a day and fills in the
// defaults: the expiry (3 or 6 years after issue), the first 复审 date of
// a special-operation certificate, and the valid-until date.
func Validate(c *Certificate, today Date) error {
	var fe errs.FieldErrors
	c.PersonName = strings.TrimSpace(c.PersonName)
	c.IDNumber = person.NormalizeID(c.IDNumber)
	c.Number = strings.TrimSpace(c.Number)
	c.Authority = strings.TrimSpace(c.Authority)
	c.Note = strings.TrimSpace(c.Note)
	if c.EnterpriseID == "" {
		fe = append(fe, errs.Field("enterprise_id", "field.required", nil))
	}
	if c.PersonName == "" {
		fe = append(fe, errs.Field("person_name", "field.required", nil))
	}
	if c.IDNumber == "" {
		fe = append(fe, errs.Field("id_number", "field.required", nil))
	} else if reason, ok := CheckID(c.IDNumber, today); !ok {
		fe = append(fe, errs.Field("id_number", "certificate.id_invalid", map[string]any{"Reason": reason}))
	}
	kindOK := c.Kind == KindCompetence || c.Kind == KindSpecial
	if !kindOK {
		fe = append(fe, errs.Field("kind", "certificate.kind_invalid", nil))
	}
	if _, ok := PersonRoles.Lookup(c.PersonRole); !ok {
		fe = append(fe, errs.Field("person_role", "certificate.role_invalid", nil))
	} else if kindOK && (c.Kind == KindSpecial) != (c.PersonRole == RoleOperator) {
		fe = append(fe, errs.Field("person_role", "certificate.role_kind_mismatch", nil))
	}
	if _, ok := categoriesOf(c.Kind).Find(c.Category); kindOK && !ok {
		fe = append(fe, errs.Field("category", "certificate.category_invalid", nil))
	}
	if c.Number == "" {
		fe = append(fe, errs.Field("number", "field.required", nil))
	}
	fe = append(fe, checkDates(c.Kind, &c.IssuedOn, &c.ExpiresOn, &c.ReviewDueOn, today)...)
	if c.Revoked && c.RevokedOn.IsZero() {
		c.RevokedOn = today
	}
	c.ValidUntil = ValidUntil(c.ExpiresOn, c.ReviewDueOn)
	return fe.Err()
}

// checkDates checks the issue, expiry and review dates of a certificate
// (or of a renewal) and fills in the defaults.
func checkDates(kind string, issued, expires, review *Date, today Date) errs.FieldErrors {
	var fe errs.FieldErrors
	switch {
	case issued.IsZero():
		fe = append(fe, errs.Field("issued_on", "field.required", nil))
	case issued.After(today):
		fe = append(fe, errs.Field("issued_on", "certificate.issued_future", nil))
	}
	if expires.IsZero() {
		*expires = DefaultExpiry(kind, *issued)
	}
	if kind != KindSpecial {
		*review = Date{}
	} else if review.IsZero() {
		*review = DefaultReviewDue(kind, *issued)
	}
	if !issued.IsZero() && !expires.After(*issued) {
		fe = append(fe, errs.Field("expires_on", "certificate.expiry_before_issue", nil))
	}
	// No certificate is valid longer than its kind allows (3 / 6 years):
	// the same check for the form, the API, renewals and the Excel import.
	if max := DefaultExpiry(kind, *issued); !issued.IsZero() && (kind == KindCompetence || kind == KindSpecial) && expires.After(max) {
		fe = append(fe, errs.Field("expires_on", "certificate.validity_too_long", map[string]any{"Years": ValidityYears(kind), "Max": max.String()}))
	}
	if !review.IsZero() && !issued.IsZero() && (!review.After(*issued) || review.After(*expires)) {
		fe = append(fe, errs.Field("review_due_on", "certificate.review_out_of_range", nil))
	}
	return fe
}

// RenewInput is a 续证/换证 or 复审 as entered.
type RenewInput struct {
	Kind        string `json:"kind"` // renew | review
	DoneOn      Date   `json:"done_on"`
	Number      string `json:"number"`        // renew: the new number ('' keeps the old one)
	IssuedOn    Date   `json:"issued_on"`     // renew: new issue date (default: done_on)
	ExpiresOn   Date   `json:"expires_on"`    // renew: new expiry (default: issue + 3 or 6 years)
	ReviewDueOn Date   `json:"review_due_on"` // the next 复审 ('' after a review: none before expiry)
	Note        string `json:"note"`
}

// ApplyRenewal checks a renewal of c on a day and returns the certificate
// after it and the renewal record (without ids and recorder).
func ApplyRenewal(c Certificate, in RenewInput, today Date) (Certificate, Renewal, error) {
	var fe errs.FieldErrors
	r := Renewal{CertificateID: c.ID, Kind: in.Kind, DoneOn: in.DoneOn, Note: strings.TrimSpace(in.Note),
		OldNumber: c.Number, OldIssuedOn: c.IssuedOn, OldExpiresOn: c.ExpiresOn, OldReviewDueOn: c.ReviewDueOn}
	if c.Revoked {
		return c, r, errs.New(errs.Conflict, "certificate.renew_revoked")
	}
	switch {
	case r.DoneOn.IsZero():
		fe = append(fe, errs.Field("done_on", "field.required", nil))
	case r.DoneOn.After(today):
		fe = append(fe, errs.Field("done_on", "certificate.done_future", nil))
	case r.DoneOn.Before(c.IssuedOn):
		fe = append(fe, errs.Field("done_on", "certificate.done_before_issue", nil))
	}
	after := c
	switch in.Kind {
	case RenewRenew:
		if n := strings.TrimSpace(in.Number); n != "" {
			after.Number = n
		}
		after.IssuedOn, after.ExpiresOn, after.ReviewDueOn = in.IssuedOn, in.ExpiresOn, in.ReviewDueOn
		if after.IssuedOn.IsZero() {
			after.IssuedOn = r.DoneOn
		}
		fe = append(fe, checkDates(c.Kind, &after.IssuedOn, &after.ExpiresOn, &after.ReviewDueOn, today)...)
		if !after.IssuedOn.IsZero() && after.IssuedOn.Before(c.IssuedOn) {
			fe = append(fe, errs.Field("issued_on", "certificate.renew_earlier", nil))
		}
	case RenewReview:
		if c.Kind != KindSpecial {
			return c, r, errs.Field("kind", "certificate.review_special_only", nil)
		}
		// After a 复审 the next one is due three years on, or not before
		// expiry when the certificate ends within three years.
		after.ReviewDueOn = in.ReviewDueOn
		if after.ReviewDueOn.IsZero() && !r.DoneOn.IsZero() {
			if next := c.ReviewDueOn.AddYears(3); !c.ReviewDueOn.IsZero() && next.Before(c.ExpiresOn) {
				after.ReviewDueOn = next
			}
		}
		if !after.ReviewDueOn.IsZero() && (!after.ReviewDueOn.After(r.DoneOn) || after.ReviewDueOn.After(c.ExpiresOn)) {
			fe = append(fe, errs.Field("review_due_on", "certificate.review_out_of_range", nil))
		}
	default:
		fe = append(fe, errs.Field("kind", "field.invalid", nil))
	}
	after.ValidUntil = ValidUntil(after.ExpiresOn, after.ReviewDueOn)
	r.NewNumber, r.NewIssuedOn, r.NewExpiresOn, r.NewReviewDueOn = after.Number, after.IssuedOn, after.ExpiresOn, after.ReviewDueOn
	return after, r, fe.Err()
}

// Period is a span a certificate was valid, first and last day.
type Period struct{ From, Until Date }

// Held is a competence certificate with the periods it covered (the
// current one and those before each renewal), as the survey sees it.
type Held struct {
	ID         string
	PersonRole string
	PersonName string
	Periods    []Period
	Revoked    bool
	RevokedOn  Date
	Verified   bool
}

// Gap reasons: why a role has no valid certificate on a day.
const (
	GapNone       = "none"       // never held one
	GapExpired    = "expired"    // held one that ended on Since
	GapRevoked    = "revoked"    // held one revoked on Since
	GapUnverified = "unverified" // holds one the section has not checked yet
)

// Gap tells whether a role of an enterprise lacks a valid certificate.
type Gap struct {
	Missing bool   `json:"missing"`
	Reason  string `json:"reason,omitempty"` // none | expired | revoked | unverified
	Since   Date   `json:"since"`            // the end (expired) or revocation date
	Name    string `json:"name,omitempty"`   // holder of the certificate concerned
}

// validOn reports whether h covered day (ignoring verification).
func (h Held) validOn(day Date) bool {
	if h.Revoked && !day.Before(h.RevokedOn) {
		return false
	}
	for _, p := range h.Periods {
		if !day.Before(p.From) && !day.After(p.Until) {
			return true
		}
	}
	return false
}

// first is the day h was first issued.
func (h Held) first() Date {
	var d Date
	for _, p := range h.Periods {
		if d.IsZero() || p.From.Before(d) {
			d = p.From
		}
	}
	return d
}

// lastEnd is the last day h was valid up to day: its latest period end
// not after day, or its revocation.
func (h Held) lastEnd(day Date) (Date, string) {
	if h.Revoked && !day.Before(h.RevokedOn) {
		return h.RevokedOn, GapRevoked
	}
	var d Date
	for _, p := range h.Periods {
		if p.Until.Before(day) && (d.IsZero() || p.Until.After(d)) {
			d = p.Until
		}
	}
	return d, GapExpired
}

// Assess tells, for one role (principal or safety manager), whether the
// enterprise had a valid, checked competence certificate on day, and if
// not why. Certificates first issued after day are not considered.
func Assess(held []Held, role string, day Date) Gap {
	var existing []Held
	for _, h := range held {
		if h.PersonRole == role && !h.first().IsZero() && !h.first().After(day) {
			existing = append(existing, h)
		}
	}
	if len(existing) == 0 {
		return Gap{Missing: true, Reason: GapNone}
	}
	var unverified *Held
	for i, h := range existing {
		if h.validOn(day) {
			if h.Verified {
				return Gap{Name: h.PersonName}
			}
			unverified = &existing[i]
		}
	}
	if unverified != nil {
		return Gap{Missing: true, Reason: GapUnverified, Name: unverified.PersonName}
	}
	var g Gap
	for _, h := range existing {
		end, reason := h.lastEnd(day)
		if g.Since.IsZero() || end.After(g.Since) {
			g = Gap{Missing: true, Reason: reason, Since: end, Name: h.PersonName}
		}
	}
	return g
}

// Survey scope: the sectors whose principals and safety managers must be
// assessed whatever the enterprise's size (安全生产法 第二十七条: 危险物品的
// 生产、经营、储存单位以及矿山、金属冶炼…单位的主要负责人和安全生产管理人员
// must be certified competent; petrol stations and fireworks retailers deal
// in dangerous goods (经营危险物品) and are in), and
// the 工贸 sectors whose enterprises above designated size were surveyed
// (对规模以上工贸企业…持证情况进行了系统性的摸底).
var (
	HighRiskSectors = []string{"mine", "chem_produce", "chem_trade", "chem_use", "petrol", "fireworks_wholesale", "fireworks_retail", "metallurgy", "nonferrous"}
	IndustrySectors = []string{"metallurgy", "nonferrous", "building_materials", "machinery", "light", "textile", "tobacco", "commerce"}
)

// InSurvey reports whether an enterprise is in the default survey scope:
// a high-risk sector, or a 工贸 sector above designated size.
func InSurvey(sector, scale string) bool {
	return slices.Contains(HighRiskSectors, sector) || (scale == "above" && slices.Contains(IndustrySectors, sector))
}

// CategoryForSector is the competence category that fits an enterprise's
// sector (the form's default).
func CategoryForSector(sector string) string {
	switch sector {
	case "mine":
		return "mining"
	case "chem_produce", "chem_trade", "chem_use", "petrol":
		return "hazchem"
	case "fireworks_wholesale", "fireworks_retail":
		return "fireworks"
	case "metallurgy", "nonferrous":
		return "smelting"
	}
	return "other"
}

// Warning states.
const (
	WarningOpen    = "open"    // 整改期内
	WarningOverdue = "overdue" // 逾期未取证
	WarningCleared = "cleared" // 已取证
)

// Warning is a 警告 given to an enterprise lacking certificates, with the
// three-month deadline.
type Warning struct {
	ID           string    `json:"id"`
	CountyCode   string    `json:"county_code"`
	EnterpriseID string    `json:"enterprise_id"`
	WarnedOn     Date      `json:"warned_on"`
	Deadline     Date      `json:"deadline"`
	Missing      []string  `json:"missing"` // roles lacking a certificate when warned
	Note         string    `json:"note,omitempty"`
	IssuedBy     string    `json:"issued_by"`
	IssuedByName string    `json:"issued_by_name"`
	IssuedAt     time.Time `json:"issued_at"`
	ClearedOn    Date      `json:"cleared_on"`
	ClearedBy    string    `json:"cleared_by,omitempty"` // the certificate that cleared it
}

// StateOn is the warning's state on a day: cleared once a valid
// certificate was recorded, overdue after the deadline, open before.
func (w Warning) StateOn(day Date) string {
	switch {
	case !w.ClearedOn.IsZero() && !day.Before(w.ClearedOn):
		return WarningCleared
	case day.After(w.Deadline):
		return WarningOverdue
	}
	return WarningOpen
}

// EndsByReview reports a special-operation certificate whose validity
// ends at its 复审 date rather than at its expiry.
func (c Certificate) EndsByReview() bool {
	return !c.ReviewDueOn.IsZero() && c.ReviewDueOn.Before(c.ExpiresOn) && c.ValidUntil.Equal(c.ReviewDueOn)
}
