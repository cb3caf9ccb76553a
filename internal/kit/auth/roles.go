// Package auth holds users, password hashing, sessions, API tokens, roles
// and scopes: who may see which county, town, sector or enterprise.
package auth

import (
	"slices"
	"strings"

	"yingji/internal/kit/audit"
)

// Role grants actions.
type Role string

const (
	RoleAdmin      Role = "admin"      // 系统管理员 system administrator
	RoleLeader     Role = "leader"     // 局领导 bureau leader: reads all, approves
	RoleSection    Role = "section"    // 股室人员 section staff: their sectors
	RoleEnforcer   Role = "enforcer"   // 执法人员 enforcement officer
	RoleDuty       Role = "duty"       // 值班员 duty officer
	RoleTown       Role = "town"       // 乡镇人员 town staff: their town
	RoleDepartment Role = "department" // 部门人员 member department: its reporting
	RoleEnterprise Role = "enterprise" // 企业账号 enterprise account: own enterprise only
	RoleReadOnly   Role = "readonly"   // 只读 read-only
)

// AllRoles in display order.
var AllRoles = []Role{RoleAdmin, RoleLeader, RoleSection, RoleEnforcer, RoleDuty, RoleTown, RoleDepartment, RoleEnterprise, RoleReadOnly}

// Valid reports a known role.
func (r Role) Valid() bool { return slices.Contains(AllRoles, r) }

// Label returns the role's name in Chinese or English.
func (r Role) Label(lang string) string {
	zh, en := roleLabels[r][0], roleLabels[r][1]
	if strings.HasPrefix(lang, "en") {
		return en
	}
	return zh
}

var roleLabels = map[Role][2]string{
	RoleAdmin:      {"系统管理员", "System administrator"},
	RoleLeader:     {"局领导", "Bureau leader"},
	RoleSection:    {"股室人员", "Section staff"},
	RoleEnforcer:   {"执法人员", "Enforcement officer"},
	RoleDuty:       {"值班员", "Duty officer"},
	RoleTown:       {"乡镇人员", "Town staff"},
	RoleDepartment: {"部门人员", "Department staff"},
	RoleEnterprise: {"企业账号", "Enterprise account"},
	RoleReadOnly:   {"只读", "Read-only"},
}

// Principal is the authenticated user making a request, with the scope
// that limits which rows they may see and change.
type Principal struct {
	UserID       string   `json:"user_id"`
	Username     string   `json:"username"`
	DisplayName  string   `json:"display_name"`
	Role         Role     `json:"role"`
	CountyCode   string   `json:"county_code"`
	UnitID       string   `json:"unit_id,omitempty"`
	UnitName     string   `json:"unit_name,omitempty"`
	RegionCode   string   `json:"region_code,omitempty"` // town users: their town
	RegionName   string   `json:"region_name,omitempty"`
	Sectors      []string `json:"sectors,omitempty"` // section staff: supervised sectors
	EnterpriseID string   `json:"enterprise_id,omitempty"`
	Lang         string   `json:"lang,omitempty"`
	IP           string   `json:"-"`
	session      string   // hash of the session the principal came with; "" for tokens, jobs and the CLI
}

// Actor returns the audit actor for this principal.
func (p *Principal) Actor() audit.Actor {
	return audit.Actor{UserID: p.UserID, Username: p.Username, CountyCode: p.CountyCode, IP: p.IP}
}

// Is reports whether the principal holds one of the roles.
func (p *Principal) Is(roles ...Role) bool { return slices.Contains(roles, p.Role) }

// RegionPrefix is the region-code prefix the principal may see: the town
// code for town staff, the county code for everyone else. Region codes are
// hierarchical (county 6 digits, town 9, village 12), so a row is in scope
// when its region code starts with this prefix.
func (p *Principal) RegionPrefix() string {
	if p.Role == RoleTown && p.RegionCode != "" {
		return p.RegionCode
	}
	return p.CountyCode
}

// InRegion reports whether a region code lies in the principal's scope.
func (p *Principal) InRegion(code string) bool {
	return strings.HasPrefix(code, p.RegionPrefix())
}

// SeesWholeCounty reports a county-wide reader (not limited to a town,
// department or enterprise).
func (p *Principal) SeesWholeCounty() bool {
	return p.Is(RoleAdmin, RoleLeader, RoleSection, RoleEnforcer, RoleDuty, RoleReadOnly)
}
