package app

import (
	"testing"
	"time"

	"yingji/internal/kit/auth"
)

// Two principals that differ in any part of their scope never share a
// kept home figure: each part of the scope changes the memo key.
func TestHomeMemoKeyNamesTheScope(t *testing.T) {
	a := &App{}
	a.Now = func() time.Time { return time.Date(2022, 6, 30, 9, 0, 0, 0, time.UTC) }
	base := auth.Principal{UserID: "u1", Role: auth.RoleSection, CountyCode: "349901", RegionCode: "",
		UnitID: "unit1", EnterpriseID: "", Sectors: []string{"mining"}}
	variants := map[string]func(p *auth.Principal){
		"user":       func(p *auth.Principal) { p.UserID = "u2" },
		"role":       func(p *auth.Principal) { p.Role = auth.RoleLeader },
		"county":     func(p *auth.Principal) { p.CountyCode = "349902" },
		"region":     func(p *auth.Principal) { p.RegionCode = "349901100" },
		"unit":       func(p *auth.Principal) { p.UnitID = "unit2" },
		"enterprise": func(p *auth.Principal) { p.EnterpriseID = "e1" },
		"sectors":    func(p *auth.Principal) { p.Sectors = []string{"mining", "chemical"} },
		"no sectors": func(p *auth.Principal) { p.Sectors = nil },
	}
	k0 := a.homeKey(&base)
	seen := map[string]string{k0: "base"}
	for name, change := range variants {
		p := base
		p.Sectors = append([]string(nil), base.Sectors...)
		change(&p)
		k := a.homeKey(&p)
		if other, ok := seen[k]; ok {
			t.Errorf("a principal with another %s shares the memo key of %s: %q", name, other, k)
		}
		seen[k] = name
	}
	day := a.homeKey(&base)
	a.Now = func() time.Time { return time.Date(2022, 7, 1, 9, 0, 0, 0, time.UTC) }
	if a.homeKey(&base) == day {
		t.Error("the next business day shares the memo key")
	}
}
