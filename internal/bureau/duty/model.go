package duty

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"yingji/internal/kit/calendar"
	"yingji/internal/kit/errs"
)

// Shanghai is the zone duty times are shown and scheduled in.
var Shanghai = time.FixedZone("CST", 8*3600)

// Positions on a shift.
const (
	PosLeader  = "leader"  // 带班领导 leader on duty
	PosOfficer = "officer" // 值班员 duty officer
)

// Person is someone on the rotation: a name, and the user account when
// the person has one (so that the leader on duty can be told).
type Person struct {
	Name   string `json:"name"`
	UserID string `json:"user_id,omitempty"`
}

// Settings are a county's duty settings (值班设置).
type Settings struct {
	// StartsAt is the shift change time of day, "08:30".
	StartsAt string `json:"starts_at"`
	// Hours is the length of a shift (24 by default; 12 or 8 split the day).
	Hours int `json:"hours"`
	// Officers per shift on working days and on holidays (1 or 2).
	OfficersWorkday int `json:"officers_workday"`
	OfficersHoliday int `json:"officers_holiday"`
	// Rotation lists: leaders take turns one per shift, officers in order.
	Leaders  []Person `json:"leaders"`
	Officers []Person `json:"officers"`
	// Deadlines of incident reports.
	Deadlines Deadlines `json:"deadlines"`
}

// DefaultSettings are the settings before a county changes them.
func DefaultSettings() Settings {
	return Settings{StartsAt: "08:30", Hours: 24, OfficersWorkday: 2, OfficersHoliday: 2, Deadlines: DefaultDeadlines()}
}

// CheckSettings validates settings (422 naming the field).
func CheckSettings(s *Settings) error {
	var fe errs.FieldErrors
	if _, err := time.Parse("15:04", s.StartsAt); err != nil {
		fe = append(fe, errs.Field("starts_at", "duty.starts_at_invalid", nil))
	}
	if s.Hours != 24 && s.Hours != 12 && s.Hours != 8 {
		fe = append(fe, errs.Field("hours", "duty.hours_invalid", nil))
	}
	if s.OfficersWorkday < 1 || s.OfficersWorkday > 2 {
		fe = append(fe, errs.Field("officers_workday", "duty.officers_count", nil))
	}
	if s.OfficersHoliday < 1 || s.OfficersHoliday > 2 {
		fe = append(fe, errs.Field("officers_holiday", "duty.officers_count", nil))
	}
	clean := func(ps []Person) []Person {
		var out []Person
		for _, p := range ps {
			p.Name = strings.TrimSpace(p.Name)
			if p.Name != "" {
				out = append(out, p)
			}
		}
		return out
	}
	s.Leaders, s.Officers = clean(s.Leaders), clean(s.Officers)
	for _, d := range s.Deadlines.First {
		if d.Minutes <= 0 || d.Minutes > 48*60 {
			fe = append(fe, errs.Field("deadlines", "duty.deadline_minutes", nil))
			break
		}
	}
	for _, f := range s.Deadlines.Follow {
		for _, t := range f.Times {
			if _, err := time.Parse("15:04", t); err != nil {
				fe = append(fe, errs.Field("deadlines", "duty.follow_times_invalid", nil))
			}
		}
	}
	return fe.Err()
}

// Shift is one duty shift: one leader and one or two officers.
type Shift struct {
	ID           string       `json:"id"`
	CountyCode   string       `json:"county_code"`
	Day          string       `json:"day"` // the calendar day the shift starts on
	StartsAt     time.Time    `json:"starts_at"`
	EndsAt       time.Time    `json:"ends_at"`
	Holiday      bool         `json:"holiday"` // starts on a non-working day
	HandedOverAt time.Time    `json:"handed_over_at,omitzero"`
	Members      []Assignment `json:"members"`
}

// Assignment is one person on one shift (one person-shift, 人次).
type Assignment struct {
	ID       string `json:"id"`
	ShiftID  string `json:"shift_id"`
	Position string `json:"position"` // leader | officer
	Slot     int    `json:"slot"`     // 0 leader, 1–2 officers
	Name     string `json:"name"`
	UserID   string `json:"user_id,omitempty"`
}

// Leader returns the shift's leader on duty.
func (s Shift) Leader() (Assignment, bool) {
	for _, m := range s.Members {
		if m.Position == PosLeader {
			return m, true
		}
	}
	return Assignment{}, false
}

// Officers returns the shift's duty officers.
func (s Shift) Officers() []Assignment {
	var out []Assignment
	for _, m := range s.Members {
		if m.Position == PosOfficer {
			out = append(out, m)
		}
	}
	return out
}

// CheckShift applies the roster rules to a shift: it ends after it
// starts, has exactly one 带班领导 and one or two 值班员, and nobody is
// on it twice.
func CheckShift(s Shift) error {
	if !s.EndsAt.After(s.StartsAt) {
		return errs.Field("ends_at", "duty.shift_ends_before", nil)
	}
	leaders, officers := 0, 0
	seen := map[string]bool{}
	for _, m := range s.Members {
		name := strings.TrimSpace(m.Name)
		if name == "" {
			continue
		}
		if seen[name] {
			return errs.Field("members", "duty.shift_person_twice", map[string]any{"Name": name})
		}
		seen[name] = true
		switch m.Position {
		case PosLeader:
			leaders++
		case PosOfficer:
			officers++
		default:
			return errs.Field("members", "duty.position_unknown", nil)
		}
	}
	switch {
	case leaders == 0:
		return errs.Field("leader", "duty.shift_no_leader", nil)
	case leaders > 1:
		return errs.Field("leader", "duty.shift_two_leaders", nil)
	case officers == 0:
		return errs.Field("officer1", "duty.shift_no_officer", nil)
	case officers > 2:
		return errs.Field("officer2", "duty.shift_too_many_officers", nil)
	}
	return nil
}

// ShiftStart is the moment the shift of a day starts with settings st
// (the k-th shift of the day for shifts shorter than a day).
func ShiftStart(day time.Time, st Settings, k int) time.Time {
	hm, err := time.Parse("15:04", st.StartsAt)
	if err != nil {
		hm = time.Date(0, 1, 1, 8, 30, 0, 0, time.UTC)
	}
	return time.Date(day.Year(), day.Month(), day.Day(), hm.Hour(), hm.Minute(), 0, 0, Shanghai).Add(time.Duration(k*st.Hours) * time.Hour)
}

// Generate builds the shifts of the month (first day of month, any day
// of it) from the rotation lists. The rotation continues where the shifts
// before left off: leaderAt and officerAt are the positions in the lists
// of the next leader and officer. Shifts starting on a non-working day of
// the calendar are holiday shifts and get OfficersHoliday officers. A
// missing leader list is refused (a shift without a leader).
func Generate(month time.Time, st Settings, cal calendar.Calendar, leaderAt, officerAt int) ([]Shift, int, int, error) {
	if len(st.Leaders) == 0 {
		return nil, leaderAt, officerAt, errs.Field("leaders", "duty.shift_no_leader", nil)
	}
	if len(st.Officers) == 0 {
		return nil, leaderAt, officerAt, errs.Field("officers", "duty.shift_no_officer", nil)
	}
	if st.Hours <= 0 {
		st.Hours = 24
	}
	first := time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)
	var out []Shift
	for d := first; d.Month() == first.Month(); d = d.AddDate(0, 0, 1) {
		holiday := !cal.IsWorkingDay(d)
		n := st.OfficersWorkday
		if holiday {
			n = st.OfficersHoliday
		}
		n = min(max(n, 1), 2, len(st.Officers))
		for k := 0; k < 24/st.Hours; k++ {
			start := ShiftStart(d, st, k)
			s := Shift{Day: d.Format(calendar.DateLayout), StartsAt: start, EndsAt: start.Add(time.Duration(st.Hours) * time.Hour), Holiday: holiday}
			l := st.Leaders[leaderAt%len(st.Leaders)]
			leaderAt++
			s.Members = append(s.Members, Assignment{Position: PosLeader, Slot: 0, Name: l.Name, UserID: l.UserID})
			for i := 0; i < n; i++ {
				o := st.Officers[officerAt%len(st.Officers)]
				officerAt++
				if o.Name == l.Name || slices.ContainsFunc(s.Members, func(a Assignment) bool { return a.Name == o.Name }) {
					o = st.Officers[officerAt%len(st.Officers)]
					officerAt++
				}
				s.Members = append(s.Members, Assignment{Position: PosOfficer, Slot: i + 1, Name: o.Name, UserID: o.UserID})
			}
			if err := CheckShift(s); err != nil {
				return nil, leaderAt, officerAt, err
			}
			out = append(out, s)
		}
	}
	return out, leaderAt % len(st.Leaders), officerAt % len(st.Officers), nil
}

// Swap states.
const (
	SwapPending  = "pending"
	SwapApproved = "approved"
	SwapRejected = "rejected"
)

// Swap is a request to change who stands a shift (换班): the person of
// one assignment exchanges with the person of another assignment, or is
// replaced by a substitute. Someone other than the requester decides.
type Swap struct {
	ID            string    `json:"id"`
	CountyCode    string    `json:"county_code"`
	AssignmentID  string    `json:"assignment_id"`
	WithID        string    `json:"with_assignment_id,omitempty"` // exchange with this assignment
	SubstituteFor string    `json:"substitute_name,omitempty"`    // or hand the shift to this person
	SubstituteUID string    `json:"substitute_user_id,omitempty"`
	Reason        string    `json:"reason"`
	State         string    `json:"state"`
	RequestedBy   string    `json:"requested_by"`
	RequestedName string    `json:"requested_by_name"`
	RequestedAt   time.Time `json:"requested_at"`
	DecidedBy     string    `json:"decided_by,omitempty"`
	DecidedName   string    `json:"decided_by_name,omitempty"`
	DecidedAt     time.Time `json:"decided_at,omitzero"`
	// For display.
	Day      string `json:"day,omitempty"`
	Name     string `json:"name,omitempty"`
	WithDay  string `json:"with_day,omitempty"`
	WithName string `json:"with_name,omitempty"`
}

// CanDecide is the four-eyes rule of a swap: it must be pending, and the
// decider is never the requester (409 naming the rule).
func CanDecide(s Swap, deciderID string) error {
	if s.State != SwapPending {
		return errs.New(errs.Conflict, "duty.swap_not_pending")
	}
	if s.RequestedBy == deciderID {
		return errs.New(errs.Conflict, "duty.swap_self_approval")
	}
	return nil
}

// ---- Duty log (值班日志) ----

// Log entry kinds.
const (
	LogCall     = "call"     // 来电 phone call: caller, unit, time, place, nature, action
	LogEvent    = "event"    // 事件 an event noted
	LogHandover = "handover" // 交接班 handover note (freezes the shift's entries)
	LogSignIn   = "sign_in"  // 签到
	LogSignOut  = "sign_out" // 签退
)

// LogKinds lists the kinds in form order.
var LogKinds = []string{LogCall, LogEvent, LogHandover, LogSignIn, LogSignOut}

// LogEntry is one line of the duty log.
type LogEntry struct {
	ID         string    `json:"id"`
	CountyCode string    `json:"county_code"`
	ShiftID    string    `json:"shift_id,omitempty"`
	Kind       string    `json:"kind"`
	At         time.Time `json:"at"`
	Caller     string    `json:"caller,omitempty"`
	Unit       string    `json:"unit,omitempty"`
	Place      string    `json:"place,omitempty"`
	Nature     string    `json:"nature,omitempty"`
	Action     string    `json:"action,omitempty"`
	Content    string    `json:"content,omitempty"`
	// Corrects is the entry this one corrects (更正); the old one stays.
	Corrects     string    `json:"corrects,omitempty"`
	CorrectedBy  string    `json:"corrected_by,omitempty"` // the newest correction of this entry
	Frozen       bool      `json:"frozen"`
	RecordedBy   string    `json:"recorded_by"`
	RecordedName string    `json:"recorded_by_name"`
	CreatedAt    time.Time `json:"created_at"`
}

// CheckLog validates a log entry (422 naming the field).
func CheckLog(e *LogEntry, now time.Time) error {
	var fe errs.FieldErrors
	for _, p := range []*string{&e.Caller, &e.Unit, &e.Place, &e.Nature, &e.Action, &e.Content} {
		*p = strings.TrimSpace(*p)
	}
	if !slices.Contains(LogKinds, e.Kind) {
		fe = append(fe, errs.Field("kind", "duty.log_kind_unknown", nil))
	}
	if e.At.IsZero() {
		fe = append(fe, errs.Field("at", "duty.time_required", nil))
	} else if e.At.After(now.Add(5 * time.Minute)) {
		fe = append(fe, errs.Field("at", "duty.time_in_future", nil))
	}
	switch e.Kind {
	case LogCall:
		if e.Caller == "" {
			fe = append(fe, errs.Field("caller", "duty.caller_required", nil))
		}
		if e.Nature == "" {
			fe = append(fe, errs.Field("nature", "duty.nature_required", nil))
		}
	case LogEvent, LogHandover:
		if e.Content == "" {
			fe = append(fe, errs.Field("content", "duty.content_required", nil))
		}
	}
	return fe.Err()
}

// CanChangeLog reports whether an entry may still be changed: entries
// freeze at handover; a correction is then a new entry.
func CanChangeLog(e LogEntry) error {
	if e.Frozen {
		return errs.New(errs.Conflict, "duty.log_frozen")
	}
	return nil
}

// ---- Incident reports (突发事件信息报告) ----

// Categories of 突发事件 (《突发事件应对法》) with their subtypes.
var Categories = []struct {
	Code     string
	Subtypes []string
}{
	{"natural", []string{"flood", "drought", "weather", "earthquake", "geological", "forest_fire", "other"}},
	{"accident", []string{"work_safety", "traffic", "fire", "hazmat", "utility", "environment", "other"}},
	{"health", []string{"infectious", "food", "poisoning", "animal", "other"}},
	{"social", []string{"mass", "terror", "economic", "foreign", "other"}},
}

// Levels from the lowest (一般) to the highest (特别重大).
var Levels = []string{"general", "large", "major", "especially_major"}

// LevelRank is a level's place in Levels (-1 unknown).
func LevelRank(l string) int { return slices.Index(Levels, l) }

// ValidCategory reports whether category and subtype are known.
func ValidCategory(cat, sub string) bool {
	for _, c := range Categories {
		if c.Code == cat {
			return sub == "" || slices.Contains(c.Subtypes, sub)
		}
	}
	return false
}

// Report kinds: the chain 首报 → 续报 … → 终报.
const (
	First  = "first"  // 首报
	Follow = "follow" // 续报
	Final  = "final"  // 终报
)

// FirstDeadline is the deadline of the first report of a category and
// level (category "" applies to every category).
type FirstDeadline struct {
	Category string `json:"category"`
	Level    string `json:"level"`
	Minutes  int    `json:"minutes"`
}

// FollowRule is when follow-up reports are due for a level: at the
// given times of day (e.g. 08:00 and 17:00), the first such time at least
// MinGap minutes after the report before.
type FollowRule struct {
	Level  string   `json:"level"`
	Times  []string `json:"times"`
	MinGap int      `json:"min_gap"`
}

// Deadlines are the reporting deadlines (configurable per county).
type Deadlines struct {
	First  []FirstDeadline `json:"first"`
	Follow []FollowRule    `json:"follow"`
}

// DefaultDeadlines follow domain.md §1.5: a written report within 40
// minutes for 重大 and 特别重大 (the county rule; 20 min by phone), 1 hour
// for 较大, 6 hours for 一般; a 一般 work-safety accident within 2 hours
// (each level passes it up within 2 hours, 国务院令493号). Follow-ups for
// 较大 and above at 08:00 and 17:00 daily; 一般 once a day at 17:00.
func DefaultDeadlines() Deadlines {
	return Deadlines{
		First: []FirstDeadline{
			{"", "especially_major", 40}, {"", "major", 40}, {"", "large", 60}, {"", "general", 360},
			{"accident", "general", 120},
		},
		Follow: []FollowRule{
			{"especially_major", []string{"08:00", "17:00"}, 60}, {"major", []string{"08:00", "17:00"}, 60},
			{"large", []string{"08:00", "17:00"}, 60}, {"general", []string{"17:00"}, 120},
		},
	}
}

// FirstMinutes is the first report's deadline in minutes for a category
// and level: the rule for the category if there is one, else the level's.
func (d Deadlines) FirstMinutes(cat, level string) int {
	general := 0
	for _, r := range d.First {
		if r.Level != level {
			continue
		}
		if r.Category == cat {
			return r.Minutes
		}
		if r.Category == "" {
			general = r.Minutes
		}
	}
	if general == 0 {
		general = 360
	}
	return general
}

// NextFollow is when the next follow-up report is due after a report at
// prev for an incident of level.
func (d Deadlines) NextFollow(level string, prev time.Time) time.Time {
	rule := FollowRule{Times: []string{"17:00"}, MinGap: 120}
	for _, r := range d.Follow {
		if r.Level == level {
			rule = r
		}
	}
	earliest := prev.Add(time.Duration(rule.MinGap) * time.Minute)
	local := earliest.In(Shanghai)
	var best time.Time
	for day := 0; day < 3 && best.IsZero(); day++ {
		for _, t := range rule.Times {
			hm, err := time.Parse("15:04", t)
			if err != nil {
				continue
			}
			c := time.Date(local.Year(), local.Month(), local.Day()+day, hm.Hour(), hm.Minute(), 0, 0, Shanghai)
			if !c.Before(earliest) && (best.IsZero() || c.Before(best)) {
				best = c
			}
		}
	}
	if best.IsZero() {
		best = earliest.Add(24 * time.Hour)
	}
	return best
}

// Incident is a 突发事件 as received by the duty desk.
type Incident struct {
	ID          string    `json:"id"`
	CountyCode  string    `json:"county_code"`
	Title       string    `json:"title"`
	ReceivedAt  time.Time `json:"received_at"`
	OccurredAt  time.Time `json:"occurred_at,omitzero"`
	Source      string    `json:"source"` // 来源: 电话, 乡镇上报, 部门通报, 媒体 …
	Category    string    `json:"category"`
	Subtype     string    `json:"subtype"`
	Level       string    `json:"level"`
	TownCode    string    `json:"town_code"`
	Place       string    `json:"place"`
	Lat         float64   `json:"lat,omitempty"`
	Lng         float64   `json:"lng,omitempty"`
	Deaths      int       `json:"deaths"`
	Injuries    int       `json:"injuries"`
	Missing     int       `json:"missing"`
	Summary     string    `json:"summary"`
	AccidentID  string    `json:"accident_id,omitempty"` // the accident register's record (enforcement), when linked
	Closed      bool      `json:"closed"`                // 终报 made
	NextDue     time.Time `json:"next_due,omitzero"`     // the next report's deadline while open
	Overdue     bool      `json:"overdue"`               // kept by the program: past NextDue with no report
	OnTime      bool      `json:"on_time"`               // every report made by its deadline (computed)
	Reports     int       `json:"reports"`
	CreatedBy   string    `json:"created_by"`
	CreatedName string    `json:"created_by_name"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// CheckIncident validates an incident (422 naming the field).
func CheckIncident(in *Incident, now time.Time) error {
	var fe errs.FieldErrors
	in.Title, in.Source, in.Place, in.Summary = strings.TrimSpace(in.Title), strings.TrimSpace(in.Source), strings.TrimSpace(in.Place), strings.TrimSpace(in.Summary)
	if in.Title == "" {
		fe = append(fe, errs.Field("title", "duty.title_required", nil))
	}
	if in.ReceivedAt.IsZero() {
		fe = append(fe, errs.Field("received_at", "duty.time_required", nil))
	} else if in.ReceivedAt.After(now.Add(5 * time.Minute)) {
		fe = append(fe, errs.Field("received_at", "duty.time_in_future", nil))
	}
	if !in.OccurredAt.IsZero() && !in.ReceivedAt.IsZero() && in.OccurredAt.After(in.ReceivedAt) {
		fe = append(fe, errs.Field("occurred_at", "duty.occurred_after_received", nil))
	}
	if in.Source == "" {
		fe = append(fe, errs.Field("source", "duty.source_required", nil))
	}
	if !ValidCategory(in.Category, in.Subtype) {
		fe = append(fe, errs.Field("category", "duty.category_unknown", nil))
	}
	if LevelRank(in.Level) < 0 {
		fe = append(fe, errs.Field("level", "duty.level_unknown", nil))
	}
	if in.Deaths < 0 || in.Injuries < 0 || in.Missing < 0 || in.Deaths > 100000 || in.Injuries > 100000 || in.Missing > 100000 {
		fe = append(fe, errs.Field("deaths", "duty.casualties_invalid", nil))
	}
	if in.Lat != 0 || in.Lng != 0 {
		if in.Lat < 3 || in.Lat > 54 || in.Lng < 73 || in.Lng > 136 {
			fe = append(fe, errs.Field("lat", "duty.point_invalid", nil))
		}
	}
	return fe.Err()
}

// Report is one report of an incident's chain, made upward: to whom,
// when and how. Its deadline is computed when it is recorded; on time is
// computed from the two times, never ticked.
type Report struct {
	ID         string    `json:"id"`
	IncidentID string    `json:"incident_id"`
	Kind       string    `json:"kind"` // first | follow | final
	Seq        int       `json:"seq"`  // 1 for 首报, then 2, 3 …
	ReportedAt time.Time `json:"reported_at"`
	DueAt      time.Time `json:"due_at"`
	OnTime     bool      `json:"on_time"`
	To         string    `json:"to"`  // 报送对象 e.g. 市应急管理局总值班室
	Via        string    `json:"via"` // phone | written | system | fax
	Content    string    `json:"content"`
	Deaths     int       `json:"deaths"`
	Injuries   int       `json:"injuries"`
	Missing    int       `json:"missing"`
	RecordedBy string    `json:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at"`
}

// Vias are the ways a report goes up.
var Vias = []string{"phone", "written", "system", "fax"}

// NextReport is the chain rule: given the reports so far (in order), it
// refuses a report of kind that may not come next (a 续报 or 终报 before
// the 首报, a second 首报, anything after the 终报) and returns the new
// report's sequence number and deadline.
func NextReport(in Incident, prior []Report, kind string, d Deadlines) (seq int, due time.Time, err error) {
	switch kind {
	case First, Follow, Final:
	default:
		return 0, time.Time{}, errs.Field("kind", "duty.report_kind_unknown", nil)
	}
	if len(prior) == 0 {
		if kind != First {
			return 0, time.Time{}, errs.New(errs.Conflict, "duty.report_before_first")
		}
		return 1, in.ReceivedAt.Add(time.Duration(d.FirstMinutes(in.Category, in.Level)) * time.Minute), nil
	}
	last := prior[len(prior)-1]
	if last.Kind == Final {
		return 0, time.Time{}, errs.New(errs.Conflict, "duty.report_after_final")
	}
	if kind == First {
		return 0, time.Time{}, errs.New(errs.Conflict, "duty.report_first_twice")
	}
	return last.Seq + 1, d.NextFollow(in.Level, last.ReportedAt), nil
}

// CheckReport validates a report's fields against the report before it.
func CheckReport(r *Report, prior []Report, in Incident, now time.Time) error {
	var fe errs.FieldErrors
	r.To, r.Content = strings.TrimSpace(r.To), strings.TrimSpace(r.Content)
	if r.ReportedAt.IsZero() {
		fe = append(fe, errs.Field("reported_at", "duty.time_required", nil))
	} else if r.ReportedAt.After(now.Add(5 * time.Minute)) {
		fe = append(fe, errs.Field("reported_at", "duty.time_in_future", nil))
	} else if r.ReportedAt.Before(in.ReceivedAt) {
		fe = append(fe, errs.Field("reported_at", "duty.report_before_received", nil))
	} else if len(prior) > 0 && r.ReportedAt.Before(prior[len(prior)-1].ReportedAt) {
		fe = append(fe, errs.Field("reported_at", "duty.report_before_previous", nil))
	}
	if r.To == "" {
		fe = append(fe, errs.Field("to", "duty.to_required", nil))
	}
	if !slices.Contains(Vias, r.Via) {
		fe = append(fe, errs.Field("via", "duty.via_unknown", nil))
	}
	if r.Content == "" {
		fe = append(fe, errs.Field("content", "duty.content_required", nil))
	}
	if r.Deaths < 0 || r.Injuries < 0 || r.Missing < 0 {
		fe = append(fe, errs.Field("deaths", "duty.casualties_invalid", nil))
	}
	return fe.Err()
}

// Status computes an incident's deadline state from its reports at now:
// the next deadline while the chain is open, whether it has passed, and
// whether every report so far was on time (an open deadline already past
// counts as late).
func Status(in Incident, reps []Report, d Deadlines, now time.Time) (nextDue time.Time, overdue, onTime, closed bool) {
	onTime = true
	for _, r := range reps {
		if !r.OnTime {
			onTime = false
		}
		if r.Kind == Final {
			closed = true
		}
	}
	if closed {
		return time.Time{}, false, onTime, true
	}
	if len(reps) == 0 {
		nextDue = in.ReceivedAt.Add(time.Duration(d.FirstMinutes(in.Category, in.Level)) * time.Minute)
	} else {
		nextDue = d.NextFollow(in.Level, reps[len(reps)-1].ReportedAt)
	}
	overdue = now.After(nextDue)
	if overdue {
		onTime = false
	}
	return nextDue, overdue, onTime, false
}

// Instruction is a 领导批示 on an incident, tracked to done.
type Instruction struct {
	ID         string    `json:"id"`
	IncidentID string    `json:"incident_id"`
	GivenBy    string    `json:"given_by"` // the leader's name
	GivenAt    time.Time `json:"given_at"`
	Content    string    `json:"content"`
	Assignee   string    `json:"assignee"` // who carries it out
	DoneAt     time.Time `json:"done_at,omitzero"`
	DoneNote   string    `json:"done_note,omitempty"`
	RecordedBy string    `json:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at"`
}

// CheckInstruction validates a 领导批示.
func CheckInstruction(x *Instruction, now time.Time) error {
	var fe errs.FieldErrors
	x.GivenBy, x.Content, x.Assignee = strings.TrimSpace(x.GivenBy), strings.TrimSpace(x.Content), strings.TrimSpace(x.Assignee)
	if x.GivenBy == "" {
		fe = append(fe, errs.Field("given_by", "duty.given_by_required", nil))
	}
	if x.Content == "" {
		fe = append(fe, errs.Field("content", "duty.content_required", nil))
	}
	if x.GivenAt.IsZero() {
		fe = append(fe, errs.Field("given_at", "duty.time_required", nil))
	} else if x.GivenAt.After(now.Add(5 * time.Minute)) {
		fe = append(fe, errs.Field("given_at", "duty.time_in_future", nil))
	}
	return fe.Err()
}

// Countdown writes the time left to (or past) a deadline as the page
// shows it before the script takes over: "剩余 1小时05分" / "超时 12分".
func Countdown(due, now time.Time) string {
	d := due.Sub(now)
	late := d < 0
	if late {
		d = -d
	}
	h, m := int(d.Hours()), int(d.Minutes())%60
	s := fmt.Sprintf("%d分", m)
	if h > 0 {
		s = fmt.Sprintf("%d小时%02d分", h, m)
	}
	if late {
		return "超时 " + s
	}
	return "剩余 " + s
}
