// Pure rules: programme kinds and categories, the approval chain, the
// payment cap, duplicate detection. No SQL, no HTTP.

package relief

import (
	"fmt"
	"strings"
	"time"

	"yingji/internal/kit/calendar"
	"yingji/internal/kit/codes"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/person"
)

// Programme kinds (the six central relief categories, 财建〔2020〕245号).
const (
	KindWinterSpring = "winter_spring" // 冬春救助
	KindEmergency    = "emergency"     // 应急救助
	KindTransition   = "transition"    // 过渡期生活救助
	KindHousing      = "housing"       // 倒损农房恢复重建
	KindDrought      = "drought"       // 旱灾
	KindBereavement  = "bereavement"   // 遇难人员家属抚慰
)

// Code lists: code, Chinese, English.
var (
	Kinds = codes.Triples([][3]string{
		{KindWinterSpring, "冬春救助", "Winter-spring relief"},
		{KindEmergency, "应急救助", "Emergency relief"},
		{KindTransition, "过渡期生活救助", "Transition-period living relief"},
		{KindHousing, "倒损农房恢复重建", "Rebuilding damaged rural housing"},
		{KindDrought, "旱灾", "Drought relief"},
		{KindBereavement, "遇难人员家属抚慰", "Consolation for victims' families"},
	})
	// Categories are what a payment is for (冬春救助: 口粮, 衣被, 取暖, 医疗).
	Categories = codes.Triples([][3]string{
		{"food", "口粮", "Food"},
		{"clothing", "衣被", "Clothing and bedding"},
		{"heating", "取暖", "Heating"},
		{"medical", "医疗", "Medical"},
		{"living", "基本生活", "Basic living"},
		{"housing", "住房", "Housing"},
		{"consolation", "抚慰金", "Consolation"},
		{"other", "其他", "Other"},
	})
	Steps = codes.Triples([][3]string{
		{StepReported, "户报", "Household applied"},
		{StepVillage, "村评", "Village assessed"},
		{StepPublicity, "公示", "Public notice"},
		{StepTown, "乡审", "Town reviewed"},
		{StepCounty, "县定", "County decided"},
		{StepRejected, "未通过", "Rejected"},
	})
	Modes = codes.Triples([][3]string{{ModeMoney, "资金", "Money"}, {ModeGoods, "物资", "Goods"}})
)

// Payment modes.
const (
	ModeMoney = "money"
	ModeGoods = "goods"
)

// Steps of the approval chain, in order. A household's step is the last
// one done; rejected ends it.
const (
	StepReported  = "reported"  // 户报: entered by the town
	StepVillage   = "village"   // 村评: the village's assessment
	StepPublicity = "publicity" // 公示: the notice period, objections recorded
	StepTown      = "town"      // 乡审: the town's review
	StepCounty    = "county"    // 县定: the county's decision
	StepRejected  = "rejected"
	// StepReturn sends a household back to 户报 (退回) from the 公示 or the
	// 乡审 so that its entries may be corrected; the chain then runs again
	// from 村评. It is recorded among the steps, never a household's step.
	StepReturn = "return"
)

// chain is the order of the steps.
var chain = []string{StepReported, StepVillage, StepPublicity, StepTown, StepCounty}

// KindLabel, CategoryLabel, StepLabel and ModeLabel return labels.
func KindLabel(c, lang string) string     { return Kinds.Label(c, lang) }
func CategoryLabel(c, lang string) string { return Categories.Label(c, lang) }
func StepLabel(c, lang string) string     { return Steps.Label(c, lang) }
func ModeLabel(c, lang string) string     { return Modes.Label(c, lang) }

// Programme is a relief programme (救助项目) with its standards.
type Programme struct {
	ID         string     `json:"id"`
	CountyCode string     `json:"county_code"`
	Name       string     `json:"name"`
	Kind       string     `json:"kind"`
	PeriodFrom string     `json:"period_from"` // YYYY-MM-DD
	PeriodTo   string     `json:"period_to"`
	Budget     int64      `json:"budget"` // 分
	Note       string     `json:"note,omitempty"`
	Standards  []Standard `json:"standards"`
	CreatedBy  string     `json:"created_by,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// Standard is the most one person may receive in a category (分).
type Standard struct {
	Category string `json:"category"`
	Amount   int64  `json:"amount"`
}

// StandardOf returns the programme's standard for a category.
func (p Programme) StandardOf(category string) (int64, bool) {
	for _, s := range p.Standards {
		if s.Category == category {
			return s.Amount, true
		}
	}
	return 0, false
}

// ValidateProgramme checks a programme's fields.
func ValidateProgramme(p *Programme) error {
	var fe errs.FieldErrors
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" {
		fe = append(fe, errs.Field("name", "field.required", nil))
	}
	if _, ok := Kinds.Lookup(p.Kind); !ok {
		fe = append(fe, errs.Field("kind", "relief.kind_invalid", nil))
	} else {
		p.Kind, _ = Kinds.Lookup(p.Kind)
	}
	from, err1 := calendar.ParseDay(p.PeriodFrom)
	to, err2 := calendar.ParseDay(p.PeriodTo)
	switch {
	case err1 != nil:
		fe = append(fe, errs.Field("period_from", "relief.date_invalid", nil))
	case err2 != nil:
		fe = append(fe, errs.Field("period_to", "relief.date_invalid", nil))
	case to.Before(from):
		fe = append(fe, errs.Field("period_to", "relief.period_reversed", nil))
	default:
		p.PeriodFrom, p.PeriodTo = from.Format(calendar.DateLayout), to.Format(calendar.DateLayout)
	}
	if p.Budget < 0 {
		fe = append(fe, errs.Field("budget", "relief.amount_negative", nil))
	}
	seen := map[string]bool{}
	var std []Standard
	for _, s := range p.Standards {
		c, ok := Categories.Lookup(s.Category)
		switch {
		case !ok:
			fe = append(fe, errs.Field("standards", "relief.category_invalid", map[string]any{"Category": s.Category}))
		case seen[c]:
			fe = append(fe, errs.Field("standards", "relief.category_twice", map[string]any{"Category": CategoryLabel(c, "zh")}))
		case s.Amount <= 0:
			fe = append(fe, errs.Field("standards", "relief.standard_positive", map[string]any{"Category": CategoryLabel(c, "zh")}))
		default:
			seen[c] = true
			std = append(std, Standard{Category: c, Amount: s.Amount})
		}
	}
	if len(p.Standards) == 0 {
		fe = append(fe, errs.Field("standards", "relief.standards_required", nil))
	}
	p.Standards = std
	return fe.Err()
}

// Household is one household on a programme's list, with its members.
type Household struct {
	ID            string `json:"id"`
	CountyCode    string `json:"county_code"`
	ProgrammeID   string `json:"programme_id"`
	TownCode      string `json:"town_code"`
	VillageCode   string `json:"village_code"`
	HeadName      string `json:"head_name"`
	Address       string `json:"address,omitempty"`
	ExtremePoor   bool   `json:"extreme_poor"`   // 特困供养
	MinLiving     bool   `json:"min_living"`     // 低保
	OutOfPoverty  bool   `json:"out_of_poverty"` // 脱贫户
	DisasterHit   bool   `json:"disaster_hit"`   // 受灾户
	AccountHolder string `json:"account_holder,omitempty"`
	AccountNo     string `json:"account_no,omitempty"` // masked unless the reader may see ID numbers
	Step          string `json:"step"`
	PublicityFrom string `json:"publicity_from,omitempty"`
	PublicityTo   string `json:"publicity_to,omitempty"`
	Note          string `json:"note,omitempty"`
	EnteredBy     string `json:"entered_by"`
	EnteredByName string `json:"entered_by_name,omitempty"`
	// EditedBy is the last user who changed the household's entries (""
	// when unchanged since entry); four eyes apply to them as to the
	// entrant.
	EditedBy  string    `json:"edited_by,omitempty"`
	Members   []Member  `json:"members"`
	Masked    bool      `json:"masked,omitempty"` // ID numbers are shown masked
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Member is a person of a household.
type Member struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	IDNumber string `json:"id_number"` // masked unless the reader may see it
	Relation string `json:"relation,omitempty"`
}

// Flags lists the household's social-assistance statuses (Chinese).
func (h Household) Flags(lang string) []string {
	var out []string
	for _, f := range []struct {
		on     bool
		zh, en string
	}{{h.ExtremePoor, "特困供养", "Extremely poor"}, {h.MinLiving, "低保", "Minimum living"}, {h.OutOfPoverty, "脱贫户", "Out of poverty"}, {h.DisasterHit, "受灾户", "Disaster-hit"}} {
		if f.on {
			if strings.HasPrefix(lang, "en") {
				out = append(out, f.en)
			} else {
				out = append(out, f.zh)
			}
		}
	}
	return out
}

// ValidateHousehold checks a household's own fields and its members' ID
// numbers (GB 11643, one person once in the household). today bounds the
// dates of birth. Field names of members are members.N.id_number.
func ValidateHousehold(h *Household, today time.Time) error {
	var fe errs.FieldErrors
	h.HeadName = strings.TrimSpace(h.HeadName)
	if h.HeadName == "" {
		fe = append(fe, errs.Field("head_name", "field.required", nil))
	}
	if h.TownCode == "" {
		fe = append(fe, errs.Field("town_code", "field.required", nil))
	}
	if h.VillageCode == "" {
		fe = append(fe, errs.Field("village_code", "field.required", nil))
	} else if h.TownCode != "" && !strings.HasPrefix(h.VillageCode, h.TownCode) {
		fe = append(fe, errs.Field("village_code", "relief.village_not_in_town", nil))
	}
	h.AccountNo = strings.ReplaceAll(strings.TrimSpace(h.AccountNo), " ", "")
	if len(h.Members) == 0 {
		fe = append(fe, errs.Field("members", "relief.members_required", nil))
	}
	seen := map[string]int{}
	for i := range h.Members {
		m := &h.Members[i]
		m.Name, m.Relation = strings.TrimSpace(m.Name), strings.TrimSpace(m.Relation)
		m.IDNumber = person.NormalizeID(m.IDNumber)
		if m.Name == "" {
			fe = append(fe, errs.Field(fmt.Sprintf("members.%d.name", i), "field.required", nil))
		}
		if reason, ok := person.CheckID(m.IDNumber, today); !ok {
			fe = append(fe, errs.Field(fmt.Sprintf("members.%d.id_number", i), "relief.id_invalid", map[string]any{"Reason": reason}))
			continue
		}
		if j, dup := seen[m.IDNumber]; dup {
			fe = append(fe, errs.Field(fmt.Sprintf("members.%d.id_number", i), "relief.id_twice_in_household", map[string]any{"Row": j + 1}))
			continue
		}
		seen[m.IDNumber] = i
	}
	return fe.Err()
}

// Actor is who takes a step, as the rules need it.
type Actor struct {
	UserID string
	// Town is the actor's town for town staff ("" for county staff).
	Town string
	// County reports the actor may take the county's decision (县定).
	County bool
	// Town reports the actor may take the town's steps (村评, 公示, 乡审).
	TownStaff bool
}

// NextStep is the step that follows a household's step ("" after the
// county's decision or a rejection).
func NextStep(step string) string {
	for i, s := range chain {
		if s == step && i+1 < len(chain) {
			return chain[i+1]
		}
	}
	return ""
}

// StepInput is a step taken on a household.
type StepInput struct {
	Step     string `json:"step"`     // village | publicity | town | county
	Approved bool   `json:"approved"` // false: rejected at this step
	Note     string `json:"note"`
	// PublicityFrom and PublicityTo are the notice period (公示 step).
	PublicityFrom string `json:"publicity_from"`
	PublicityTo   string `json:"publicity_to"`
}

// MinPublicityDays is the shortest 公示 (calendar days, both ends).
const MinPublicityDays = 5

// CheckStep decides whether a may take step in on household h on day
// today with openObjections objections not yet resolved. It returns the
// household's new step. Refusals name their rule: skipping or repeating a
// step (relief.rule.order), deciding one's own entry
// (relief.rule.four_eyes), the step's role (relief.rule.role), a notice
// period not over (relief.rule.publicity_running), open objections
// (relief.rule.objections_open).
func CheckStep(h Household, a Actor, in *StepInput, today string, openObjections int) (string, error) {
	want := NextStep(h.Step)
	if want == "" {
		return "", errs.New(errs.Conflict, "relief.rule.closed").With(map[string]any{"Step": StepLabel(h.Step, "zh")})
	}
	if in.Step != want {
		return "", errs.New(errs.Conflict, "relief.rule.order").With(map[string]any{"Step": StepLabel(in.Step, "zh"), "Want": StepLabel(want, "zh")})
	}
	switch in.Step {
	case StepVillage, StepPublicity, StepTown:
		if !a.TownStaff || (a.Town != "" && a.Town != h.TownCode) {
			return "", errs.New(errs.Forbidden, "relief.rule.role_town")
		}
	case StepCounty:
		if !a.County {
			return "", errs.New(errs.Forbidden, "relief.rule.role_county")
		}
	}
	if in.Step != StepPublicity && (a.UserID == h.EnteredBy || (h.EditedBy != "" && a.UserID == h.EditedBy)) {
		return "", errs.New(errs.Conflict, "relief.rule.four_eyes")
	}
	in.Note = strings.TrimSpace(in.Note)
	if !in.Approved && in.Note == "" {
		return "", errs.Field("note", "relief.reject_reason_required", nil)
	}
	switch in.Step {
	case StepPublicity:
		if !in.Approved {
			return StepRejected, nil
		}
		from, err1 := calendar.ParseDay(in.PublicityFrom)
		to, err2 := calendar.ParseDay(in.PublicityTo)
		switch {
		case err1 != nil:
			return "", errs.Field("publicity_from", "relief.date_invalid", nil)
		case err2 != nil:
			return "", errs.Field("publicity_to", "relief.date_invalid", nil)
		case int(to.Sub(from).Hours()/24)+1 < MinPublicityDays:
			return "", errs.Field("publicity_to", "relief.publicity_short", map[string]any{"Days": MinPublicityDays})
		}
		in.PublicityFrom, in.PublicityTo = from.Format(calendar.DateLayout), to.Format(calendar.DateLayout)
		return StepPublicity, nil
	case StepTown:
		if in.Approved && h.PublicityTo >= today {
			return "", errs.New(errs.Conflict, "relief.rule.publicity_running").With(map[string]any{"Date": h.PublicityTo})
		}
		if in.Approved && openObjections > 0 {
			return "", errs.New(errs.Conflict, "relief.rule.objections_open").With(map[string]any{"Count": openObjections})
		}
	}
	if !in.Approved {
		return StepRejected, nil
	}
	return in.Step, nil
}

// CheckEdit decides whether household h's entries may be changed: while
// it is at 户报 or 村评. Once the 公示 has started the list is public, so
// a change needs the household sent back first (relief.rule.edit_after_publicity
// names that rule); a decided or rejected household is closed.
func CheckEdit(h Household) error {
	switch h.Step {
	case StepReported, StepVillage:
		return nil
	case StepPublicity, StepTown:
		return errs.New(errs.Conflict, "relief.rule.edit_after_publicity").With(map[string]any{"Step": StepLabel(h.Step, "zh")})
	}
	return errs.New(errs.Conflict, "relief.rule.edit_closed").With(map[string]any{"Step": StepLabel(h.Step, "zh")})
}

// CheckReturn decides whether a may send household h back to 户报 (退回)
// with reason note: town staff of its town while it is at 公示 or 乡审
// (before the 县定), the county's deciders while it waits for the 县定.
// The reason is required; four eyes do not apply (sending back approves
// nothing).
func CheckReturn(h Household, a Actor, note string) error {
	switch h.Step {
	case StepPublicity, StepTown:
	case StepReported, StepVillage:
		return errs.New(errs.Conflict, "relief.rule.return_not_needed")
	default:
		return errs.New(errs.Conflict, "relief.rule.closed").With(map[string]any{"Step": StepLabel(h.Step, "zh")})
	}
	townOK := a.TownStaff && (a.Town == "" || a.Town == h.TownCode)
	if !townOK && !(a.County && h.Step == StepTown) {
		return errs.New(errs.Forbidden, "relief.rule.role_return")
	}
	if strings.TrimSpace(note) == "" {
		return errs.Field("note", "relief.return_reason_required", nil)
	}
	return nil
}

// PaymentInput is a payment to one member of a household.
type PaymentInput struct {
	MemberID    string `json:"member_id"`
	Category    string `json:"category"`
	Mode        string `json:"mode"`   // money | goods
	Amount      int64  `json:"amount"` // 分 (money)
	Item        string `json:"item"`   // goods
	Quantity    int64  `json:"quantity"`
	DispatchRef string `json:"dispatch_ref"`
	PaidOn      string `json:"paid_on"`
	// ItemID and WarehouseID choose the warehouse item and store for the
	// goods hook (IssueGoods); not stored here.
	ItemID      string `json:"item_id,omitempty"`
	WarehouseID string `json:"warehouse_id,omitempty"`
}

// Payment is a payment as recorded.
type Payment struct {
	ID          string    `json:"id"`
	ProgrammeID string    `json:"programme_id"`
	HouseholdID string    `json:"household_id"`
	MemberID    string    `json:"member_id"`
	TownCode    string    `json:"town_code"`
	Category    string    `json:"category"`
	Mode        string    `json:"mode"`
	Amount      int64     `json:"amount"`
	Item        string    `json:"item,omitempty"`
	Quantity    int64     `json:"quantity,omitempty"`
	DispatchRef string    `json:"dispatch_ref,omitempty"`
	PaidOn      string    `json:"paid_on"`
	RecordedBy  string    `json:"recorded_by"`
	RecordedAt  time.Time `json:"recorded_at"`
	// Joined for lists.
	ProgrammeName string `json:"programme_name,omitempty"`
	ProgrammeKind string `json:"programme_kind,omitempty"`
	VillageCode   string `json:"village_code,omitempty"`
	HeadName      string `json:"head_name,omitempty"`
	MemberName    string `json:"member_name,omitempty"`
	IDNumber      string `json:"id_number,omitempty"` // masked unless the reader may see it
	AccountHolder string `json:"account_holder,omitempty"`
	AccountNo     string `json:"account_no,omitempty"`
}

// CheckPayment applies the payment rules for programme prog to household
// h: the household was decided by the county, the member is one of its
// people, the category has a standard, a money payment is positive and
// not above the standard (relief.rule.above_standard), goods have an
// item and a quantity, the day lies in the programme's period.
func CheckPayment(prog Programme, h Household, in *PaymentInput) error {
	if h.Step != StepCounty {
		return errs.New(errs.Conflict, "relief.rule.not_decided").With(map[string]any{"Step": StepLabel(h.Step, "zh")})
	}
	found := false
	for _, m := range h.Members {
		if m.ID == in.MemberID {
			found = true
		}
	}
	if !found {
		return errs.Field("member_id", "relief.member_unknown", nil)
	}
	c, ok := Categories.Lookup(in.Category)
	if !ok {
		return errs.Field("category", "relief.category_invalid", map[string]any{"Category": in.Category})
	}
	in.Category = c
	std, ok := prog.StandardOf(c)
	if !ok {
		return errs.Field("category", "relief.category_no_standard", map[string]any{"Category": CategoryLabel(c, "zh")})
	}
	if in.Mode == "" {
		in.Mode = ModeMoney
	}
	if m, ok := Modes.Lookup(in.Mode); ok {
		in.Mode = m
	} else {
		return errs.Field("mode", "relief.mode_invalid", nil)
	}
	switch in.Mode {
	case ModeMoney:
		in.Item, in.Quantity, in.DispatchRef = "", 0, ""
		if in.Amount <= 0 {
			return errs.Field("amount", "relief.amount_positive", nil)
		}
		if in.Amount > std {
			return errs.New(errs.Conflict, "relief.rule.above_standard").With(map[string]any{
				"Amount": Yuan(in.Amount), "Standard": Yuan(std), "Category": CategoryLabel(c, "zh")})
		}
	case ModeGoods:
		in.Amount = 0
		in.Item, in.DispatchRef = strings.TrimSpace(in.Item), strings.TrimSpace(in.DispatchRef)
		if in.Item == "" {
			return errs.Field("item", "field.required", nil)
		}
		if in.Quantity <= 0 {
			return errs.Field("quantity", "relief.quantity_positive", nil)
		}
	}
	d, err := calendar.ParseDay(in.PaidOn)
	if err != nil {
		return errs.Field("paid_on", "relief.date_invalid", nil)
	}
	in.PaidOn = d.Format(calendar.DateLayout)
	if in.PaidOn < prog.PeriodFrom || in.PaidOn > prog.PeriodTo {
		return errs.Field("paid_on", "relief.paid_outside_period", map[string]any{"From": prog.PeriodFrom, "To": prog.PeriodTo})
	}
	return nil
}

// Yuan writes an amount in 分 as 元 with two decimals: 23110 → "231.10".
func Yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}

// ParseYuan reads an amount in 元 (up to two decimals) as 分.
func ParseYuan(s string) (int64, bool) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "元"))
	s = strings.ReplaceAll(s, ",", "")
	if s == "" {
		return 0, false
	}
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 || whole == "" {
		return 0, false
	}
	var n int64
	for _, c := range whole {
		if c < '0' || c > '9' || n > 1e13 {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	frac += strings.Repeat("0", 2-len(frac))
	for _, c := range frac {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	return n*100 + int64(frac[0]-'0')*10 + int64(frac[1]-'0'), true
}

// Person is one person on a list, for duplicate detection: the blind
// index of the ID number, and where the person stands.
type Person struct {
	Index       string
	HouseholdID string
	ProgrammeID string
}

// Duplicate is a person found in more than one household.
type Duplicate struct {
	Index      string
	Households []string // household IDs, in the order met
}

// Duplicates finds the people listed in more than one household of the
// same programme, in one pass over the list (a map by ID index): the
// check behind the import and the duplicate page.
func Duplicates(people []Person) []Duplicate {
	type key struct{ prog, idx string }
	first := make(map[key]int, len(people))
	var out []Duplicate
	at := map[key]int{} // key → index in out
	for i, p := range people {
		k := key{p.ProgrammeID, p.Index}
		j, seen := first[k]
		if !seen {
			first[k] = i
			continue
		}
		if people[j].HouseholdID == p.HouseholdID {
			continue
		}
		if o, ok := at[k]; ok {
			out[o].Households = append(out[o].Households, p.HouseholdID)
			continue
		}
		at[k] = len(out)
		out = append(out, Duplicate{Index: p.Index, Households: []string{people[j].HouseholdID, p.HouseholdID}})
	}
	return out
}

// Yuan methods write amounts for the pages.
func (x Payment) Yuan() string         { return Yuan(x.Amount) }
func (t Total) Yuan() string           { return Yuan(t.Amount) }
func (s Standard) Yuan() string        { return Yuan(s.Amount) }
func (p Programme) BudgetYuan() string { return Yuan(p.Budget) }
