// Package org holds the county's regions (county → town/zone →
// village/community, GB/T 2260-style codes) and its units: bureau sections,
// member departments of the county safety committee, town governments.
package org

import (
	"regexp"
	"strings"
	"time"

	"yingji/internal/kit/codes"
	"yingji/internal/kit/errs"
)

// Region levels.
const (
	LevelCounty  = "county"
	LevelTown    = "town"
	LevelVillage = "village"
)

// Region kinds users know.
var RegionKinds = map[string][]string{
	LevelCounty:  {"县", "区", "县级市"},
	LevelTown:    {"镇", "乡", "街道", "开发区"},
	LevelVillage: {"村", "社区"},
}

// Region is a node of the county's administrative tree.
type Region struct {
	Code       string    `json:"code"`
	CountyCode string    `json:"county_code"`
	ParentCode string    `json:"parent_code,omitempty"`
	Level      string    `json:"level"`
	Kind       string    `json:"kind"`
	Name       string    `json:"name"`
	Sort       int64     `json:"sort"`
	CreatedAt  time.Time `json:"created_at"`
}

var digits = regexp.MustCompile(`^[0-9]+$`)

// CodeLength returns the code length of a level: 6, 9 or 12 digits.
func CodeLength(level string) int {
	switch level {
	case LevelCounty:
		return 6
	case LevelTown:
		return 9
	case LevelVillage:
		return 12
	}
	return 0
}

// LevelOf infers a region's level from its code length.
func LevelOf(code string) string {
	switch len(code) {
	case 6:
		return LevelCounty
	case 9:
		return LevelTown
	case 12:
		return LevelVillage
	}
	return ""
}

// ParentOf returns the parent code implied by a code.
func ParentOf(code string) string {
	switch len(code) {
	case 9:
		return code[:6]
	case 12:
		return code[:9]
	}
	return ""
}

// ValidateRegion checks a region against the code rules: digits only, the
// length of its level, and its code starts with its parent's code.
func ValidateRegion(r Region) error {
	var fe errs.FieldErrors
	if !digits.MatchString(r.Code) || LevelOf(r.Code) == "" {
		fe = append(fe, errs.Field("code", "region.code_invalid", nil))
	} else if r.Level != LevelCounty && !strings.HasPrefix(r.Code, r.CountyCode) {
		fe = append(fe, errs.Field("code", "region.code_outside_county", map[string]any{"County": r.CountyCode}))
	}
	if strings.TrimSpace(r.Name) == "" {
		fe = append(fe, errs.Field("name", "field.required", nil))
	}
	kinds := RegionKinds[LevelOf(r.Code)]
	if r.Kind != "" && len(kinds) > 0 && !contains(kinds, r.Kind) {
		fe = append(fe, errs.Field("kind", "region.kind_invalid", map[string]any{"Kinds": strings.Join(kinds, "、")}))
	}
	return fe.Err()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Unit kinds.
const (
	UnitBureau     = "bureau"     // 局机关
	UnitSection    = "section"    // 股室 bureau section
	UnitDepartment = "department" // 成员单位 member department
	UnitTown       = "town"       // 乡镇政府 town government
	UnitVillage    = "village"    // 村（社区）
	UnitEnterprise = "enterprise" // 生产经营单位
)

// UnitKinds in display order with Chinese and English names.
var UnitKinds = codes.Triples([][3]string{
	{UnitBureau, "局机关", "Bureau"},
	{UnitSection, "股室", "Bureau section"},
	{UnitDepartment, "成员单位", "Member department"},
	{UnitTown, "乡镇政府", "Town government"},
	{UnitVillage, "村（社区）", "Village / community"},
	{UnitEnterprise, "企业", "Enterprise"},
})

// UnitKindLabel returns a unit kind's label.
func UnitKindLabel(kind, lang string) string { return UnitKinds.Label(kind, lang) }

// Unit is an organisation users belong to.
type Unit struct {
	ID         string    `json:"id"`
	CountyCode string    `json:"county_code"`
	Kind       string    `json:"kind"`
	Name       string    `json:"name"`
	RegionCode string    `json:"region_code,omitempty"`
	Sectors    []string  `json:"sectors,omitempty"`
	Phone      string    `json:"phone"`
	Sort       int64     `json:"sort"`
	Disabled   bool      `json:"disabled"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// ValidateUnit checks a unit's fields.
func ValidateUnit(u Unit) error {
	var fe errs.FieldErrors
	if strings.TrimSpace(u.Name) == "" {
		fe = append(fe, errs.Field("name", "field.required", nil))
	}
	if _, known := UnitKinds.Find(u.Kind); !known {
		fe = append(fe, errs.Field("kind", "field.invalid", nil))
	}
	if (u.Kind == UnitTown || u.Kind == UnitVillage) && u.RegionCode == "" {
		fe = append(fe, errs.Field("region_code", "unit.region_required", nil))
	}
	for _, s := range u.Sectors {
		if SectorLabel(s, "zh") == s {
			fe = append(fe, errs.Field("sectors", "unit.sector_unknown", map[string]any{"Sector": s}))
		}
	}
	return fe.Err()
}

// Sectors are the 监管行业 (supervised sectors) a bureau section covers.
var Sectors = codes.Triples([][3]string{
	{"mine", "非煤矿山", "Non-coal mining"},
	{"chem_produce", "危险化学品生产", "Hazardous chemicals: production"},
	{"chem_trade", "危险化学品经营", "Hazardous chemicals: trade"},
	{"chem_use", "危险化学品使用", "Hazardous chemicals: use"},
	{"fireworks_wholesale", "烟花爆竹批发", "Fireworks: wholesale"},
	{"fireworks_retail", "烟花爆竹零售", "Fireworks: retail"},
	{"petrol", "加油站", "Petrol stations"},
	{"metallurgy", "冶金", "Metallurgy"},
	{"nonferrous", "有色", "Non-ferrous metals"},
	{"building_materials", "建材", "Building materials"},
	{"machinery", "机械", "Machinery"},
	{"light", "轻工", "Light industry"},
	{"textile", "纺织", "Textiles"},
	{"tobacco", "烟草", "Tobacco"},
	{"commerce", "商贸", "Commerce and trade"},
	{"other", "其他", "Other"},
})

// SectorLabel returns a sector's label, or the code itself when unknown.
func SectorLabel(code, lang string) string { return Sectors.Label(code, lang) }

// SectorByLabel finds a sector code by its Chinese or English label (Excel
// import) or by its code.
func SectorByLabel(label string) (string, bool) { return Sectors.Lookup(label) }
