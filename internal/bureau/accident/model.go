// Package accident is the register of production safety accidents
// (生产安全事故): date, place, enterprise, industry, type, deaths, serious
// injuries and direct economic loss; the level computed from the
// thresholds of 《生产安全事故报告和调查处理条例》 (国务院令第493号), the
// reporting deadlines, and the counts with 同比 for any period.
//
// Choices made here:
//
//   - The level is the highest reached by any of the three criteria;
//     "以上" includes the bound, "以下" excludes it. A level typed in a form,
//     the API or a file that contradicts the figures is refused naming the
//     rule; left empty it is computed.
//   - Money is kept in 分 (BIGINT). The day of the accident is TEXT
//     'YYYY-MM-DD' of the Asia/Shanghai calendar; its moment is a UTC
//     TIMESTAMP used for the reporting deadlines.
//   - Deadlines (493号令): the unit reports to the county within 1 hour;
//     each level of departments passes it up within 2 hours; 补报 of a
//     changed toll within 30 days (7 days for road-traffic and fire
//     accidents).
//   - The enterprise's town and sector are copied on the record (scope);
//     an accident outside any enterprise carries the town typed.
package accident

import (
	"strings"
	"time"

	"yingji/internal/kit/codes"
)

// Levels.
const (
	LevelGeneral         = "general"          // 一般
	LevelLarge           = "large"            // 较大
	LevelMajor           = "major"            // 重大
	LevelEspeciallyMajor = "especially_major" // 特别重大
)

// Levels in ascending order with their Chinese names.
var Levels = codes.Pairs([][2]string{{LevelGeneral, "一般事故"}, {LevelLarge, "较大事故"}, {LevelMajor, "重大事故"}, {LevelEspeciallyMajor, "特别重大事故"}})

// Threshold is the lower bound ("以上", included) of a level on each
// criterion.
type Threshold struct {
	Level    string
	Deaths   int64
	Injuries int64
	LossFen  int64
}

// Thresholds of 493号令, highest first (loss in 分: 1亿元 = 10¹⁰ 分).
var Thresholds = []Threshold{
	{LevelEspeciallyMajor, 30, 100, 100_000_000_00},
	{LevelMajor, 10, 50, 50_000_000_00},
	{LevelLarge, 3, 10, 10_000_000_00},
}

// LevelOf returns the level of an accident: the highest level any of the
// three criteria reaches.
func LevelOf(deaths, injuries, lossFen int64) string {
	for _, t := range Thresholds {
		if deaths >= t.Deaths || injuries >= t.Injuries || lossFen >= t.LossFen {
			return t.Level
		}
	}
	return LevelGeneral
}

// LevelLabel is a level's Chinese name.
func LevelLabel(code string) string { return Levels.ZH(code) }

// LevelCode reads a level by code or Chinese name ("较大" or "较大事故").
func LevelCode(s string) (string, bool) {
	if v, ok := Levels.Lookup(s); ok {
		return v, true
	}
	return Levels.Lookup(strings.TrimSpace(s) + "事故")
}

// Kinds are the accident types of GB 6441-86 (事故类别).
var Kinds = []string{"物体打击", "车辆伤害", "机械伤害", "起重伤害", "触电", "淹溺", "灼烫", "火灾", "高处坠落", "坍塌", "冒顶片帮", "透水",
	"放炮", "火药爆炸", "瓦斯爆炸", "锅炉爆炸", "容器爆炸", "其它爆炸", "中毒和窒息", "其它伤害"}

// Industries are the industries the bureau counts accidents by.
var Industries = []string{"非煤矿山", "危险化学品", "烟花爆竹", "冶金工贸", "建筑施工", "道路运输", "消防（火灾）", "农业机械", "其他"}

// Accident is one accident.
type Accident struct {
	ID              string     `json:"id"`
	CountyCode      string     `json:"county_code"`
	OccurredOn      string     `json:"occurred_on"`
	OccurredAt      time.Time  `json:"occurred_at"`
	ReportedAt      *time.Time `json:"reported_at,omitempty"`
	Place           string     `json:"place"`
	EnterpriseID    string     `json:"enterprise_id,omitempty"`
	EnterpriseName  string     `json:"enterprise_name,omitempty"`
	TownCode        string     `json:"town_code,omitempty"`
	Sector          string     `json:"sector,omitempty"`
	Industry        string     `json:"industry"`
	Kind            string     `json:"kind"`
	Deaths          int64      `json:"deaths"`
	SeriousInjuries int64      `json:"serious_injuries"`
	LossFen         int64      `json:"loss_fen"`
	Level           string     `json:"level"`
	Investigation   string     `json:"investigation,omitempty"`
	Summary         string     `json:"summary"`
	CreatedBy       string     `json:"created_by"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

// LevelText is the level's Chinese name.
func (a Accident) LevelText() string { return LevelLabel(a.Level) }

// LossYuan is the direct loss in 元.
func (a Accident) LossYuan() string { return yuan(a.LossFen) }

// Deadlines are the reporting deadlines of an accident.
type Deadlines struct {
	ReportBy        time.Time `json:"report_by"`        // unit → county (1 h)
	ForwardBy       time.Time `json:"forward_by"`       // county → city (2 h after the report)
	SupplementUntil time.Time `json:"supplement_until"` // 补报 (30 days; 7 for road traffic and fire)
	ReportedLate    bool      `json:"reported_late"`
}

// DeadlineRules are the reporting deadlines of 国务院令493号 (articles 9
// and 13), as GET /api/v1/accidents/deadline states them.
type DeadlineRules struct {
	ReportToCountyHours    int `json:"report_to_county_hours"`    // unit → county
	ForwardHours           int `json:"forward_hours"`             // county → city, after the report
	SupplementDays         int `json:"supplement_days"`           // 补报 of casualties
	SupplementDaysRoadFire int `json:"supplement_days_road_fire"` // 补报 for road traffic and fire
}

// Rules are the deadlines DeadlinesOf applies.
var Rules = DeadlineRules{ReportToCountyHours: 1, ForwardHours: 2, SupplementDays: 30, SupplementDaysRoadFire: 7}

// DeadlinesOf computes an accident's reporting deadlines.
func DeadlinesOf(a Accident) Deadlines {
	d := Deadlines{ReportBy: a.OccurredAt.Add(time.Duration(Rules.ReportToCountyHours) * time.Hour)}
	received := d.ReportBy
	if a.ReportedAt != nil {
		received = *a.ReportedAt
		d.ReportedLate = a.ReportedAt.After(d.ReportBy)
	}
	d.ForwardBy = received.Add(time.Duration(Rules.ForwardHours) * time.Hour)
	days := Rules.SupplementDays
	if a.Industry == "道路运输" || a.Kind == "火灾" || a.Industry == "消防（火灾）" {
		days = Rules.SupplementDaysRoadFire
	}
	d.SupplementUntil = a.OccurredAt.AddDate(0, 0, days)
	return d
}

func yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return sign + itoa(fen/100) + "." + string(rune('0'+fen%100/10)) + string(rune('0'+fen%10))
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

// ParseYuan reads an amount in 元 (up to 2 decimals, "1,000.5") as 分.
func ParseYuan(s string) (int64, bool) {
	s = strings.NewReplacer(",", "", "，", "", " ", "", "元", "").Replace(strings.TrimSpace(s))
	if s == "" {
		return 0, true
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || len(whole) > 13 {
		return 0, false
	}
	var n int64
	for _, r := range whole + (frac + "00")[:2] {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int64(r-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// Input is an accident as typed (form, API, Excel row).
type Input struct {
	OccurredOn      string `json:"occurred_on"`
	OccurredTime    string `json:"occurred_time"` // HH:MM (Asia/Shanghai)
	ReportedAt      string `json:"reported_at"`   // YYYY-MM-DD HH:MM
	Place           string `json:"place"`
	EnterpriseID    string `json:"enterprise_id"`
	TownCode        string `json:"town_code"`
	Industry        string `json:"industry"`
	Kind            string `json:"kind"`
	Deaths          int64  `json:"deaths"`
	SeriousInjuries int64  `json:"serious_injuries"`
	LossYuan        string `json:"loss_yuan"`
	Level           string `json:"level"` // optional; must agree with the figures
	Investigation   string `json:"investigation"`
	Summary         string `json:"summary"`
}

// Problem is a field refused by Validate, with its rule (message ID).
type Problem struct {
	Field string
	Rule  string
	Args  map[string]any
}

var shanghai = time.FixedZone("CST", 8*3600)

// Validate checks an input against the rules on day today (YYYY-MM-DD)
// and returns the accident's fields (without enterprise and ids).
func Validate(in Input, today string) (Accident, []Problem) {
	var ps []Problem
	bad := func(f, rule string, args map[string]any) { ps = append(ps, Problem{f, rule, args}) }
	a := Accident{Place: strings.TrimSpace(in.Place), Industry: strings.TrimSpace(in.Industry), Kind: strings.TrimSpace(in.Kind),
		Deaths: in.Deaths, SeriousInjuries: in.SeriousInjuries, Investigation: strings.TrimSpace(in.Investigation), Summary: strings.TrimSpace(in.Summary)}
	day, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(in.OccurredOn), shanghai)
	switch {
	case strings.TrimSpace(in.OccurredOn) == "":
		bad("occurred_on", "field.required", nil)
	case err != nil:
		bad("occurred_on", "accident.date_invalid", nil)
	case day.Format("2006-01-02") > today:
		bad("occurred_on", "accident.date_future", nil)
	default:
		a.OccurredOn = day.Format("2006-01-02")
		a.OccurredAt = day
		if t := strings.TrimSpace(in.OccurredTime); t != "" {
			hm, err := time.Parse("15:04", t)
			if err != nil {
				bad("occurred_time", "accident.time_invalid", nil)
			} else {
				a.OccurredAt = day.Add(time.Duration(hm.Hour())*time.Hour + time.Duration(hm.Minute())*time.Minute)
			}
		}
	}
	if r := strings.TrimSpace(in.ReportedAt); r != "" {
		t, err := time.ParseInLocation("2006-01-02 15:04", r, shanghai)
		if err != nil {
			bad("reported_at", "accident.time_invalid", nil)
		} else if !a.OccurredAt.IsZero() && t.Before(a.OccurredAt) {
			bad("reported_at", "accident.reported_before", nil)
		} else {
			a.ReportedAt = &t
		}
	}
	if a.Place == "" {
		bad("place", "field.required", nil)
	}
	if !contains(Industries, a.Industry) {
		bad("industry", "accident.industry_invalid", nil)
	}
	if !contains(Kinds, a.Kind) {
		bad("kind", "accident.kind_invalid", nil)
	}
	if a.Deaths < 0 {
		bad("deaths", "accident.negative", nil)
	}
	if a.SeriousInjuries < 0 {
		bad("serious_injuries", "accident.negative", nil)
	}
	loss, ok := ParseYuan(in.LossYuan)
	switch {
	case !ok:
		bad("loss_yuan", "accident.amount_invalid", nil)
	case loss < 0:
		bad("loss_yuan", "accident.negative", nil)
	}
	a.LossFen = loss
	a.Level = LevelOf(a.Deaths, a.SeriousInjuries, a.LossFen)
	if lv := strings.TrimSpace(in.Level); lv != "" {
		code, ok := LevelCode(lv)
		switch {
		case !ok:
			bad("level", "accident.level_invalid", nil)
		case code != a.Level:
			// The level follows from the figures (493号令, the highest of
			// the three criteria); a typed level may not contradict them.
			bad("level", "accident.rule.level_contradicts", map[string]any{"Typed": LevelLabel(code), "Computed": LevelLabel(a.Level)})
		}
	}
	return a, ps
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
