// Package facility holds the facilities ledger (设施台账): the mines
// (地下/露天矿山), tailings ponds (尾矿库) and major hazard sources
// (重大危险源) of the supervised enterprises, each with its current status
// and a dated, audited status history. The allowed statuses of each kind
// and the transitions between them are pure rules in this file.
package facility

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/codes"
	"yingji/internal/kit/errs"
)

// MaxFacilityNumber bounds each measured figure of a facility, well above
// the largest real one: a mine's annual capacity (生产规模, 万吨/年; the
// largest open pits produce a few thousand), a tailings pond's design
// capacity (设计库容, 万立方米) and dam height (坝高, m).
func MaxFacilityNumber(field string) float64 {
	switch field {
	case "capacity":
		return 100000
	case "design_capacity":
		return 1000000
	}
	return 1000 // dam_height
}

// Kinds of facility.
const (
	KindUnderground = "mine_underground" // 地下矿山
	KindOpenPit     = "mine_openpit"     // 露天矿山
	KindTailings    = "tailings_pond"    // 尾矿库
	KindHazard      = "major_hazard"     // 重大危险源
)

// Statuses. Codes are distinct across kinds, so a status alone says which
// kind it belongs to.
const (
	// Mines (地下矿山, 露天矿山).
	StatusProducing = "producing" // 生产
	StatusSuspended = "suspended" // 停产
	StatusClosing   = "closing"   // 关闭中
	StatusClosed    = "closed"    // 已关闭
	// Tailings ponds.
	StatusRunning  = "running"  // 运行
	StatusClosure  = "closure"  // 闭库治理
	StatusDelisted = "delisted" // 已销号
	// Major hazard sources.
	StatusInUse      = "in_use"     // 在用
	StatusEliminated = "eliminated" // 已核销 (the source was eliminated)
)

// Kinds lists the kinds: code, Chinese, English.
var Kinds = codes.Triples([][3]string{
	{KindUnderground, "地下矿山", "Underground mine"},
	{KindOpenPit, "露天矿山", "Open-pit mine"},
	{KindTailings, "尾矿库", "Tailings pond"},
	{KindHazard, "重大危险源", "Major hazard source"},
})

// Statuses lists every status: code, Chinese, English.
var Statuses = codes.Triples([][3]string{
	{StatusProducing, "生产", "Producing"},
	{StatusSuspended, "停产", "Suspended"},
	{StatusClosing, "关闭中", "Closing"},
	{StatusClosed, "已关闭", "Closed"},
	{StatusRunning, "运行", "Running"},
	{StatusClosure, "闭库治理", "Closure works"},
	{StatusDelisted, "已销号", "Delisted"},
	{StatusInUse, "在用", "In use"},
	{StatusEliminated, "已核销", "Eliminated"},
})

// Grades of a tailings pond (尾矿库等别), 1 to 5.
var Grades = []string{"一等", "二等", "三等", "四等", "五等"}

// Levels of a major hazard source (重大危险源级别), 1 (highest) to 4.
var Levels = []string{"一级", "二级", "三级", "四级"}

// Rule is the status rule of one kind: its statuses in lifecycle order
// (the first is the usual status of a new facility), the allowed moves and
// the final statuses.
type Rule struct {
	Statuses []string
	Next     map[string][]string
	// Text names the rule in refusals (Chinese, English).
	Text [2]string
}

var mineRule = Rule{
	Statuses: []string{StatusProducing, StatusSuspended, StatusClosing, StatusClosed},
	Next: map[string][]string{
		StatusProducing: {StatusSuspended, StatusClosing},
		StatusSuspended: {StatusProducing, StatusClosing},
		StatusClosing:   {StatusClosed},
	},
	Text: [2]string{"矿山状态规则：生产⇄停产；生产或停产→关闭中→已关闭；已关闭为终态",
		"mine rule: producing ⇄ suspended; producing or suspended → closing → closed; closed is final"},
}

// Rules are the status rules by kind.
var Rules = map[string]Rule{
	KindUnderground: mineRule,
	KindOpenPit:     mineRule,
	KindTailings: {
		Statuses: []string{StatusRunning, StatusClosure, StatusDelisted},
		Next: map[string][]string{
			StatusRunning: {StatusClosure},
			StatusClosure: {StatusDelisted},
		},
		Text: [2]string{"尾矿库状态规则：运行→闭库治理→已销号；已销号为终态",
			"tailings pond rule: running → closure works → delisted; delisted is final"},
	},
	KindHazard: {
		Statuses: []string{StatusInUse, StatusEliminated},
		Next:     map[string][]string{StatusInUse: {StatusEliminated}},
		Text: [2]string{"重大危险源状态规则：在用→已核销；已核销为终态",
			"major hazard source rule: in use → eliminated; eliminated is final"},
	},
}

// KindLabel and StatusLabel return labels in a language.
func KindLabel(code, lang string) string   { return Kinds.Label(code, lang) }
func StatusLabel(code, lang string) string { return Statuses.Label(code, lang) }

// KindOf and StatusOf find a code by code or label (Chinese or English).
func KindOf(s string) (string, bool)   { return Kinds.Lookup(s) }
func StatusOf(s string) (string, bool) { return Statuses.Lookup(s) }

// IsMine reports a mine kind.
func IsMine(kind string) bool { return kind == KindUnderground || kind == KindOpenPit }

// AllowedStatuses lists the statuses of a kind (nil for an unknown kind).
func AllowedStatuses(kind string) []string { return Rules[kind].Statuses }

// StatusAllowed reports whether status belongs to kind.
func StatusAllowed(kind, status string) bool {
	for _, s := range Rules[kind].Statuses {
		if s == status {
			return true
		}
	}
	return false
}

// InitialStatus is the usual status of a new facility of the kind.
func InitialStatus(kind string) string {
	if r, ok := Rules[kind]; ok {
		return r.Statuses[0]
	}
	return ""
}

// NextStatuses lists the statuses a facility of kind may move to from
// status (nil when status is final).
func NextStatuses(kind, status string) []string { return Rules[kind].Next[status] }

// IsFinal reports a status from which no move is allowed.
func IsFinal(kind, status string) bool {
	return StatusAllowed(kind, status) && len(Rules[kind].Next[status]) == 0
}

// StatusesLabel joins the labels of a kind's statuses ("生产、停产、…").
func StatusesLabel(kind, lang string) string {
	var out []string
	for _, s := range Rules[kind].Statuses {
		out = append(out, StatusLabel(s, lang))
	}
	sep := "、"
	if strings.HasPrefix(lang, "en") {
		sep = ", "
	}
	return strings.Join(out, sep)
}

// statusNotForKind is the refusal of a status that the kind does not have.
func statusNotForKind(field, kind, status string) *errs.Error {
	return errs.Field(field, "facility.status_not_for_kind", map[string]any{
		"Kind": KindLabel(kind, "zh"), "KindEN": KindLabel(kind, "en"),
		"Status": StatusLabel(status, "zh"), "StatusEN": StatusLabel(status, "en"),
		"Allowed": StatusesLabel(kind, "zh"), "AllowedEN": StatusesLabel(kind, "en")})
}

// CheckTransition checks a status change of a facility of kind from one
// status to another. A refusal names the rule (message args Rule/RuleEN).
func CheckTransition(kind, from, to string) error {
	rule, ok := Rules[kind]
	if !ok {
		return errs.Field("kind", "facility.kind_invalid", nil)
	}
	if !StatusAllowed(kind, to) {
		return statusNotForKind("status", kind, to)
	}
	args := map[string]any{
		"From": StatusLabel(from, "zh"), "FromEN": StatusLabel(from, "en"),
		"To": StatusLabel(to, "zh"), "ToEN": StatusLabel(to, "en"),
		"Rule": rule.Text[0], "RuleEN": rule.Text[1]}
	if from == to {
		return errs.Field("status", "facility.status_same", args)
	}
	if IsFinal(kind, from) {
		return errs.Field("status", "facility.status_final", args)
	}
	for _, s := range rule.Next[from] {
		if s == to {
			return nil
		}
	}
	return errs.Field("status", "facility.transition_forbidden", args)
}

// DateLayout is how effective dates are written and stored.
const DateLayout = "2006-01-02"

// ParseDate reads a calendar date written 2022-04-15, 2022/4/15, 2022.4.15,
// 20220415 or 2022年4月15日, and returns it as 2022-04-15.
func ParseDate(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	if len(s) == 8 && strings.Trim(s, "0123456789") == "" {
		s = s[:4] + "-" + s[4:6] + "-" + s[6:]
	}
	s = strings.NewReplacer("年", "-", "月", "-", "日", "", "/", "-", ".", "-").Replace(s)
	parts := strings.Split(s, "-")
	if len(parts) != 3 {
		return "", false
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return "", false
		}
		n[i] = v
	}
	if n[0] < 1900 || n[0] > 2999 {
		return "", false
	}
	t := time.Date(n[0], time.Month(n[1]), n[2], 0, 0, 0, 0, time.UTC)
	if t.Year() != n[0] || int(t.Month()) != n[1] || t.Day() != n[2] {
		return "", false // 2022-02-30 and the like
	}
	return t.Format(DateLayout), true
}

// parseDay reads a stored date.
func parseDay(s string) (time.Time, error) { return time.Parse(DateLayout, s) }

// DateOf is the calendar date of t in its own location, as stored.
func DateOf(t time.Time) string { return t.Format(DateLayout) }

// CheckEffectiveDate checks the date of a status change: a valid date, not
// after today, not before the previous status's date (prev; "" for the
// first status).
func CheckEffectiveDate(date, prev, today string) error {
	if _, ok := ParseDate(date); !ok {
		return errs.Field("date", "facility.date_invalid", nil)
	}
	if date > today {
		return errs.Field("date", "facility.date_future", map[string]any{"Today": today})
	}
	if prev != "" && date < prev {
		return errs.Field("date", "facility.date_before_previous", map[string]any{"Prev": prev})
	}
	return nil
}

// Facility is one mine, tailings pond or major hazard source.
type Facility struct {
	ID             string   `json:"id"`
	CountyCode     string   `json:"county_code"`
	EnterpriseID   string   `json:"enterprise_id"`
	EnterpriseName string   `json:"enterprise_name,omitempty"` // filled on read
	Name           string   `json:"name"`
	Kind           string   `json:"kind"`
	Lat            *float64 `json:"lat,omitempty"`
	Lng            *float64 `json:"lng,omitempty"`
	// Mines: mineral (开采矿种) and annual capacity (生产规模, 万吨/年).
	Mineral  string   `json:"mineral,omitempty"`
	Capacity *float64 `json:"capacity,omitempty"`
	// Tailings ponds: grade (等别 1–5), design capacity (设计库容, 万立方米),
	// dam height (坝高, 米).
	Grade          int      `json:"grade,omitempty"`
	DesignCapacity *float64 `json:"design_capacity,omitempty"`
	DamHeight      *float64 `json:"dam_height,omitempty"`
	// Major hazard sources: level (级别 1–4) and main substances (主要危险物质).
	Level      int    `json:"level,omitempty"`
	Substances string `json:"substances,omitempty"`
	// Current status and the date it took effect (from the history).
	Status     string    `json:"status"`
	StatusDate string    `json:"status_date"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// StatusChange is one row of a facility's status history.
type StatusChange struct {
	ID           string    `json:"id"`
	FacilityID   string    `json:"facility_id"`
	Seq          int       `json:"seq"`
	Status       string    `json:"status"`
	Date         string    `json:"date"` // the date the change took effect
	Note         string    `json:"note,omitempty"`
	RecordedBy   string    `json:"recorded_by"`
	RecordedName string    `json:"recorded_name"`
	RecordedAt   time.Time `json:"recorded_at"`
}

// GradeLabel and LevelLabel render a tailings pond's grade and a major
// hazard source's level ("四等", "二级"); "" for 0.
func GradeLabel(n int, lang string) string {
	if n < 1 || n > len(Grades) {
		return ""
	}
	if strings.HasPrefix(lang, "en") {
		return fmt.Sprintf("Grade %d", n)
	}
	return Grades[n-1]
}

func LevelLabel(n int, lang string) string {
	if n < 1 || n > len(Levels) {
		return ""
	}
	if strings.HasPrefix(lang, "en") {
		return fmt.Sprintf("Level %d", n)
	}
	return Levels[n-1]
}

// ordinalOf reads 一等/四级/4/"Grade 4" as a number from 1 to max.
func ordinalOf(s string, names []string) (int, bool) {
	s = strings.TrimSpace(s)
	for i, n := range names {
		if s == n || s == strings.TrimRight(n, "等级") {
			return i + 1, true
		}
	}
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(s), "grade"), "level"))
	if v, err := strconv.Atoi(s); err == nil && v >= 1 && v <= len(names) {
		return v, true
	}
	return 0, false
}

// GradeOf and LevelOf parse a grade or level.
func GradeOf(s string) (int, bool) { return ordinalOf(s, Grades) }
func LevelOf(s string) (int, bool) { return ordinalOf(s, Levels) }

// Validate checks a facility's own fields (not its enterprise) and clears
// the fields of other kinds. bounds may be nil when the county's extent is
// unknown. The status is not checked here (see CheckTransition and
// StatusAllowed).
func Validate(f *Facility, bounds *enterprise.Bounds) error {
	var fe errs.FieldErrors
	f.Name = strings.TrimSpace(f.Name)
	f.Mineral = strings.TrimSpace(f.Mineral)
	f.Substances = strings.TrimSpace(f.Substances)
	if f.Name == "" {
		fe = append(fe, errs.Field("name", "field.required", nil))
	}
	if f.EnterpriseID == "" {
		fe = append(fe, errs.Field("enterprise_id", "facility.enterprise_required", nil))
	}
	if _, ok := Rules[f.Kind]; !ok {
		fe = append(fe, errs.Field("kind", "facility.kind_invalid", nil))
	}
	if (f.Lat == nil) != (f.Lng == nil) {
		fe = append(fe, errs.Field("lat", "enterprise.latlng_pair", nil))
	} else if f.Lat != nil {
		switch {
		case math.IsNaN(*f.Lat) || *f.Lat < -90 || *f.Lat > 90 || math.IsNaN(*f.Lng) || *f.Lng < -180 || *f.Lng > 180:
			fe = append(fe, errs.Field("lat", "enterprise.latlng_invalid", nil))
		case bounds != nil && !bounds.Contains(*f.Lat, *f.Lng):
			fe = append(fe, errs.Field("lat", "enterprise.latlng_outside", map[string]any{
				"MinLat": bounds.MinLat, "MaxLat": bounds.MaxLat, "MinLng": bounds.MinLng, "MaxLng": bounds.MaxLng}))
		}
	}
	positive := func(field string, v *float64) {
		switch {
		case v == nil:
		case math.IsNaN(*v) || math.IsInf(*v, 0) || *v < 0:
			fe = append(fe, errs.Field(field, "facility.number_invalid", nil))
		case *v > MaxFacilityNumber(field):
			fe = append(fe, errs.Field(field, "facility.number_too_large", map[string]any{"Max": MaxFacilityNumber(field)}))
		}
	}
	if !IsMine(f.Kind) {
		f.Mineral, f.Capacity = "", nil
	}
	if f.Kind != KindTailings {
		f.Grade, f.DesignCapacity, f.DamHeight = 0, nil, nil
	}
	if f.Kind != KindHazard {
		f.Level, f.Substances = 0, ""
	}
	positive("capacity", f.Capacity)
	positive("design_capacity", f.DesignCapacity)
	positive("dam_height", f.DamHeight)
	if f.Kind == KindTailings && (f.Grade < 0 || f.Grade > len(Grades)) {
		fe = append(fe, errs.Field("grade", "facility.grade_invalid", nil))
	}
	if f.Kind == KindHazard && (f.Level < 1 || f.Level > len(Levels)) {
		fe = append(fe, errs.Field("level", "facility.level_invalid", nil))
	}
	return fe.Err()
}

// Colour is the facility's map colour: final statuses grey; a mine that
// is suspended or closing and a pond under closure works orange; a major
// hazard source in use by its level (一级 red … 四级 blue); a producing
// mine blue; a running tailings pond green.
func Colour(f Facility) string {
	switch {
	case IsFinal(f.Kind, f.Status):
		return "grey"
	case f.Status == StatusSuspended || f.Status == StatusClosing || f.Status == StatusClosure:
		return "orange"
	case f.Kind == KindHazard:
		return [...]string{"red", "red", "orange", "yellow", "blue"}[max(0, min(f.Level, 4))]
	case f.Kind == KindTailings:
		return "green"
	}
	return "blue"
}
