// Package enterprise holds the register of 生产经营单位 (production and
// business units) the bureau supervises: identity and credit code, place,
// supervised sector, scale, special categories, supervising section,
// responsible people, status and risk level; the change history; and the
// approval of key-field changes asked for by enterprise accounts.
package enterprise

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"yingji/internal/kit/codes"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/org"
	"yingji/internal/kit/person"
)

// creditChars are the 31 characters of GB 32100-2015 (no I, O, S, V, Z).
const creditChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// CreditCheckChar computes the check character of the first 17 characters
// of a 统一社会信用代码; ok is false when a character is not allowed.
func CreditCheckChar(first17 string) (byte, bool) {
	if len(first17) != 17 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(creditChars, first17[i])
		if v < 0 {
			return 0, false
		}
		sum += v * creditWeights[i]
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	return creditChars[c], true
}

// CheckCreditCode validates a unified social credit code (GB 32100): 18
// characters from the allowed set, the administrative-division digits in
// positions 3–8, and the check character. It returns a Chinese reason.
func CheckCreditCode(code string) (string, bool) {
	if len(code) != 18 {
		return "统一社会信用代码应为 18 位", false
	}
	for i := 0; i < 18; i++ {
		if strings.IndexByte(creditChars, code[i]) < 0 {
			return fmt.Sprintf("第 %d 位字符「%s」不允许（不能含 I、O、S、V、Z 或小写字母）", i+1, code[i:i+1]), false
		}
	}
	for i := 2; i < 8; i++ {
		if code[i] < '0' || code[i] > '9' {
			return "第 3–8 位应为行政区划代码（数字）", false
		}
	}
	want, _ := CreditCheckChar(code[:17])
	if code[17] != want {
		return "校验位错误：第 18 位应为「" + string(want) + "」", false
	}
	return "", true
}

// NormalizeCreditCode trims and upper-cases a code as typed.
func NormalizeCreditCode(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, s)
}

// Scale of an enterprise.
const (
	ScaleAbove = "above" // 规上 above designated size
	ScaleBelow = "below" // 规下
)

// Statuses.
const (
	StatusOperating = "operating" // 在营
	StatusSuspended = "suspended" // 停产整顿 suspended for rectification
	StatusClosed    = "closed"    // 关闭
)

// Risk levels (安全风险等级) with their colours.
const (
	RiskMajor   = "major"   // 重大 red
	RiskLarge   = "large"   // 较大 orange
	RiskGeneral = "general" // 一般 yellow
	RiskLow     = "low"     // 低 blue
)

// Code lists: code, Chinese, English (and the colour of a risk as its tag).
var (
	Scales   = codes.Triples([][3]string{{ScaleAbove, "规上", "Above designated size"}, {ScaleBelow, "规下", "Below designated size"}})
	Statuses = codes.Triples([][3]string{{StatusOperating, "在营", "Operating"}, {StatusSuspended, "停产整顿", "Suspended for rectification"}, {StatusClosed, "关闭", "Closed"}})
	Risks    = codes.Quads([][4]string{{RiskMajor, "重大", "Major", "red"}, {RiskLarge, "较大", "Large", "orange"}, {RiskGeneral, "一般", "General", "yellow"}, {RiskLow, "低", "Low", "blue"}})
	// Specials are the 专项 categories an enterprise may fall under.
	Specials = codes.Triples([][3]string{
		{"dust", "粉尘涉爆", "Combustible dust"},
		{"ammonia", "涉氨制冷", "Ammonia refrigeration"},
		{"confined", "有限空间作业", "Confined-space work"},
		{"smelting", "金属冶炼", "Metal smelting"},
		{"major_hazard", "重大危险源", "Major hazard source"},
	})
)

// ScaleLabel, StatusLabel, SpecialLabel return labels.
func ScaleLabel(c, lang string) string   { return Scales.Label(c, lang) }
func StatusLabel(c, lang string) string  { return Statuses.Label(c, lang) }
func SpecialLabel(c, lang string) string { return Specials.Label(c, lang) }

// RiskLabel returns a risk level's label and colour.
func RiskLabel(c, lang string) (string, string) {
	return Risks.Label(c, lang), Risks.Tag(c)
}

// riskColourZH is the one-character Chinese name of a risk colour, which
// an Excel file may give for the level (红 for 重大).
var riskColourZH = map[string]string{"red": "红", "orange": "橙", "yellow": "黄", "blue": "蓝"}

// riskOf reads a risk level: its code or name, the name with 风险, or
// its colour in Chinese.
func riskOf(s string) (string, bool) {
	if v, ok := Risks.Lookup(s); ok {
		return v, true
	}
	s = strings.TrimSpace(s)
	for _, r := range Risks {
		if r.ZH+"风险" == s || s == riskColourZH[r.Tag] {
			return r.Value, true
		}
	}
	return "", false
}

// Enterprise is one 生产经营单位.
type Enterprise struct {
	ID             string    `json:"id"`
	CountyCode     string    `json:"county_code"`
	Name           string    `json:"name"`
	CreditCode     string    `json:"credit_code"`
	Address        string    `json:"address"`
	TownCode       string    `json:"town_code"`
	VillageCode    string    `json:"village_code,omitempty"`
	Lat            *float64  `json:"lat,omitempty"`
	Lng            *float64  `json:"lng,omitempty"`
	Sector         string    `json:"sector"`
	Scale          string    `json:"scale"`
	Specials       []string  `json:"specials,omitempty"`
	SectionID      string    `json:"section_id,omitempty"` // supervising bureau section (unit)
	PrincipalName  string    `json:"principal_name"`
	PrincipalPhone string    `json:"principal_phone"`
	SafetyName     string    `json:"safety_name"`
	SafetyPhone    string    `json:"safety_phone"`
	Status         string    `json:"status"`
	Risk           string    `json:"risk"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// KeyFields are the fields an enterprise account may not change itself:
// its change goes to the supervising section for approval.
var KeyFields = []string{"name", "credit_code", "sector"}

// Bounds is the county's extent: a latitude/longitude box, and, when the
// county's outline is known, the exact test of being inside it.
type Bounds struct {
	MinLat, MinLng, MaxLat, MaxLng float64
	// Inside tests a point against the county's outline (nil: the box only).
	Inside func(lat, lng float64) bool
}

// Contains reports whether a point lies in the county.
func (b Bounds) Contains(lat, lng float64) bool {
	if lat < b.MinLat || lat > b.MaxLat || lng < b.MinLng || lng > b.MaxLng {
		return false
	}
	return b.Inside == nil || b.Inside(lat, lng)
}

// Validate checks an enterprise's fields (not references to other rows).
// bounds may be nil when the county's extent is unknown.
func Validate(e *Enterprise, bounds *Bounds) error {
	var fe errs.FieldErrors
	e.Name = strings.TrimSpace(e.Name)
	e.CreditCode = NormalizeCreditCode(e.CreditCode)
	if e.Name == "" {
		fe = append(fe, errs.Field("name", "field.required", nil))
	}
	if reason, ok := CheckCreditCode(e.CreditCode); !ok {
		fe = append(fe, errs.Field("credit_code", "enterprise.credit_code_invalid", map[string]any{"Reason": reason}))
	}
	if e.TownCode == "" {
		fe = append(fe, errs.Field("town_code", "field.required", nil))
	}
	if e.VillageCode != "" && !strings.HasPrefix(e.VillageCode, e.TownCode) {
		fe = append(fe, errs.Field("village_code", "enterprise.village_not_in_town", nil))
	}
	if org.SectorLabel(e.Sector, "zh") == e.Sector {
		fe = append(fe, errs.Field("sector", "enterprise.sector_invalid", nil))
	}
	if e.Scale == "" {
		e.Scale = ScaleBelow
	}
	if _, ok := Scales.Lookup(e.Scale); !ok {
		fe = append(fe, errs.Field("scale", "field.invalid", nil))
	}
	for _, s := range e.Specials {
		if _, ok := Specials.Lookup(s); !ok {
			fe = append(fe, errs.Field("specials", "field.invalid", nil))
		}
	}
	if e.Status == "" {
		e.Status = StatusOperating
	}
	if _, ok := Statuses.Lookup(e.Status); !ok {
		fe = append(fe, errs.Field("status", "field.invalid", nil))
	}
	if e.Risk == "" {
		e.Risk = RiskLow
	}
	if _, ok := riskOf(e.Risk); !ok {
		fe = append(fe, errs.Field("risk", "field.invalid", nil))
	}
	if (e.Lat == nil) != (e.Lng == nil) {
		fe = append(fe, errs.Field("lat", "enterprise.latlng_pair", nil))
	} else if e.Lat != nil {
		switch {
		case math.IsNaN(*e.Lat) || *e.Lat < -90 || *e.Lat > 90 || math.IsNaN(*e.Lng) || *e.Lng < -180 || *e.Lng > 180:
			fe = append(fe, errs.Field("lat", "enterprise.latlng_invalid", nil))
		case bounds != nil && !bounds.Contains(*e.Lat, *e.Lng):
			field := "lat" // name the coordinate that is out
			if *e.Lat >= bounds.MinLat && *e.Lat <= bounds.MaxLat {
				field = "lng"
			}
			fe = append(fe, errs.Field(field, "enterprise.latlng_outside", map[string]any{
				"MinLat": bounds.MinLat, "MaxLat": bounds.MaxLat, "MinLng": bounds.MinLng, "MaxLng": bounds.MaxLng}))
		}
	}
	for _, p := range []struct{ field, v string }{{"principal_phone", e.PrincipalPhone}, {"safety_phone", e.SafetyPhone}} {
		if p.v != "" && !person.PhoneOK(p.v) {
			fe = append(fe, errs.Field(p.field, "enterprise.phone_invalid", nil))
		}
	}
	slices.Sort(e.Specials)
	e.Specials = slices.Compact(e.Specials)
	return fe.Err()
}

// FieldLabel is the Chinese name of a key field (notifications name the
// fields of a change request).
func FieldLabel(key string) string {
	switch key {
	case "name":
		return "企业名称"
	case "credit_code":
		return "统一社会信用代码"
	case "sector":
		return "监管行业"
	}
	return key
}

// KeyChanges returns the key fields that differ between before and after.
func KeyChanges(before, after Enterprise) []string {
	var out []string
	if before.Name != after.Name {
		out = append(out, "name")
	}
	if before.CreditCode != after.CreditCode {
		out = append(out, "credit_code")
	}
	if before.Sector != after.Sector {
		out = append(out, "sector")
	}
	return out
}
