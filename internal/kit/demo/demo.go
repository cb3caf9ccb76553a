// Package demo loads the demo county 示例县: towns, the development zone
// and villages with division codes, the bureau's sections, the member
// departments of the county safety committee, town governments and one
// demo user per role. Loading twice changes nothing. Later parts of the
// bureau's work add their records here.
package demo

import (
	"context"
	"fmt"
	"io"

	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
)

// AsOf is the demo's business date: the day of the source report its
// records reproduce (records end in June 2022). A demo database runs on
// it, so that deadlines, cards and reminders are judged on that day.
const AsOf = "2022-06-30"

// Password is the documented password of every demo user (README).
const Password = "yingji2022"

// EnterpriseID is the demo enterprise account's enterprise; the enterprise
// ledger's demo records create that enterprise.
const EnterpriseID = "01J0DEMOENTERPRISE00000001"

type town struct {
	suffix, kind, name string
	villages           []string // names; kind from the suffix 村/社区
}

// The county's towns and zone with some of their villages and communities.
var towns = []town{
	{"100", "镇", "籍山镇", []string{"城东社区", "城西社区", "新林村", "奎湖村", "荷花村"}},
	{"101", "镇", "弋江镇", []string{"弋江社区", "九连村", "奚滩村", "籍泉村"}},
	{"102", "镇", "许镇镇", []string{"许镇社区", "黄墓村", "南塘村", "太丰村"}},
	{"103", "镇", "家发镇", []string{"家发社区", "东塘村", "恒鑫村"}},
	{"104", "镇", "工山镇", []string{"工山社区", "新岭村", "牛头山村", "戴镇村"}},
	{"105", "镇", "三里镇", []string{"三里街道社区", "吕山村", "峨岭村", "丫山村"}},
	{"106", "镇", "何湾镇", []string{"何湾社区", "胜成村", "绿岭村", "梅塘村"}},
	{"107", "镇", "烟墩镇", []string{"烟墩社区", "板石村", "桂山村"}},
	{"400", "开发区", "经济开发区", []string{"开发区社区", "园区一社区"}},
}

type unit struct {
	kind, name string
	sectors    []string
}

var sections = []unit{
	{org.UnitBureau, "县应急管理局", nil},
	{org.UnitSection, "办公室", nil},
	{org.UnitSection, "监管一股", []string{"mine", "chem_produce", "chem_trade", "chem_use", "fireworks_wholesale", "fireworks_retail", "petrol"}},
	{org.UnitSection, "监管二股", []string{"metallurgy", "nonferrous", "building_materials", "machinery", "light", "textile", "tobacco", "commerce", "other"}},
	{org.UnitSection, "执法大队", nil},
	{org.UnitSection, "救灾减灾股", nil},
	{org.UnitSection, "应急指挥中心", nil},
}

// Member departments of the county safety committee (县安委会成员单位).
var departments = []string{"县住建局", "县卫健委", "县消防救援大队", "县发改委", "县林业局", "县交通局", "县市场监管局",
	"县公安局", "县教育局", "县水利局", "县农业农村局", "县文旅局", "县气象局"}

// User is a demo account.
type User struct {
	Username, Name string
	Role           auth.Role
	Unit           string // unit name
	Town           string // town suffix for town staff
	Enterprise     string
}

// Users is one demo user per role (README lists them).
var Users = []User{
	{"leader", "王局长", auth.RoleLeader, "县应急管理局", "", ""},
	{"jg1", "李股长", auth.RoleSection, "监管一股", "", ""},
	{"jg2", "陈股长", auth.RoleSection, "监管二股", "", ""},
	{"zhifa", "赵执法", auth.RoleEnforcer, "执法大队", "", ""},
	{"zhiban", "周值班", auth.RoleDuty, "应急指挥中心", "", ""},
	{"town", "籍山镇安监员", auth.RoleTown, "籍山镇人民政府", "100", ""},
	{"dept", "住建局联络员", auth.RoleDepartment, "县住建局", "", ""},
	{"qiye", "企业安全员", auth.RoleEnterprise, "", "", EnterpriseID},
	{"readonly", "只读查看", auth.RoleReadOnly, "县应急管理局", "", ""},
}

// Services are what the loader needs.
type Services struct {
	DB   *store.DB
	Org  *org.Service
	Auth *auth.Service
}

// Load loads the demo county under the given county code. out receives a
// short progress log.
func Load(ctx context.Context, s Services, county string, out io.Writer) error {
	sys := audit.System(county)
	unitIDs := map[string]string{}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := s.Org.SaveRegionTx(ctx, tx, sys, org.Region{Code: county, Kind: "县", Name: "示例县"}); err != nil {
			return err
		}
		for i, t := range towns {
			code := county + t.suffix
			if _, err := s.Org.SaveRegionTx(ctx, tx, sys, org.Region{Code: code, Kind: t.kind, Name: t.name, Sort: int64(i)}); err != nil {
				return err
			}
			for j, v := range t.villages {
				kind := "村"
				if len(v) > 6 && v[len(v)-6:] == "社区" {
					kind = "社区"
				}
				vc := fmt.Sprintf("%s%03d", code, 201+j)
				if _, err := s.Org.SaveRegionTx(ctx, tx, sys, org.Region{Code: vc, Kind: kind, Name: v, Sort: int64(j)}); err != nil {
					return err
				}
			}
			gov := t.name + "人民政府"
			if t.kind == "开发区" {
				gov = t.name + "管委会"
			}
			u, err := s.Org.SaveUnitTx(ctx, tx, sys, org.Unit{Kind: org.UnitTown, Name: gov, RegionCode: code, Sort: int64(i)})
			if err != nil {
				return err
			}
			unitIDs[u.Name] = u.ID
		}
		for i, su := range sections {
			u, err := s.Org.SaveUnitTx(ctx, tx, sys, org.Unit{Kind: su.kind, Name: su.name, Sectors: su.sectors, Sort: int64(i)})
			if err != nil {
				return err
			}
			unitIDs[u.Name] = u.ID
		}
		for i, d := range departments {
			u, err := s.Org.SaveUnitTx(ctx, tx, sys, org.Unit{Kind: org.UnitDepartment, Name: d, Sort: int64(i)})
			if err != nil {
				return err
			}
			unitIDs[u.Name] = u.ID
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("demo regions and units: %w", err)
	}
	fmt.Fprintf(out, "demo: %d towns and zones, %d units\n", len(towns), len(unitIDs))
	admin := &auth.Principal{UserID: "system", Username: "system", Role: auth.RoleAdmin, CountyCode: county}
	created := 0
	for _, du := range Users {
		if _, err := s.Auth.FindByUsername(ctx, du.Username); err == nil {
			continue
		} else if !errs.Is(err, errs.NotFound) {
			return err
		}
		in := auth.UserInput{Username: du.Username, DisplayName: du.Name, Role: du.Role, UnitID: unitIDs[du.Unit], EnterpriseID: du.Enterprise, Password: Password}
		if du.Town != "" {
			in.RegionCode = county + du.Town
		}
		if _, err := s.Auth.CreateUser(ctx, admin, in); err != nil {
			return fmt.Errorf("demo user %s: %w", du.Username, err)
		}
		created++
	}
	fmt.Fprintf(out, "demo: %d demo users created (password %s)\n", created, Password)
	return nil
}

// Places returns the demo county's town codes (9 digits under county),
// town names and village names: the names the modules' examples use, so
// that a real county's templates can show its own instead.
func Places(county string) (townCodes, townNames, villageNames []string) {
	for _, t := range towns {
		townCodes = append(townCodes, county+t.suffix)
		townNames = append(townNames, t.name)
		villageNames = append(villageNames, t.villages...)
	}
	return townCodes, townNames, villageNames
}
