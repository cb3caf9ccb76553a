package auth_test

import (
	"context"
	"testing"
	"time"

	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func setup(t *testing.T, db *store.DB) (*auth.Service, *org.Service, *clock, *auth.Principal) {
	t.Helper()
	ctx := context.Background()
	c := &clock{t: time.Date(2022, 6, 9, 8, 0, 0, 0, time.UTC)}
	o := org.New(db, c.now)
	a := auth.New(db, o, c.now, auth.Options{})
	sys := audit.System("349901")
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for _, r := range []org.Region{{Code: "349901", Kind: "县", Name: "示例县"}, {Code: "349901100", Kind: "镇", Name: "甲镇"},
			{Code: "349901101", Kind: "镇", Name: "乙镇"}, {Code: "349901100201", Kind: "村", Name: "甲村"}} {
			if _, err := o.SaveRegionTx(ctx, tx, sys, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	admin := &auth.Principal{UserID: "system", Username: "system", Role: auth.RoleAdmin, CountyCode: "349901"}
	return a, o, c, admin
}

func TestLoginThrottleSessionsTokensAndScope(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, o, c, admin := setup(t, db)
		_, err := a.CreateUser(ctx, admin, auth.UserInput{Username: "town1", DisplayName: "甲镇安监员", Role: auth.RoleTown, RegionCode: "349901100", Password: "weak"})
		if fe := errs.Fields(err); len(fe) != 1 || fe[0].Field != "password" {
			t.Fatalf("weak password: %v", err)
		}
		_, err = a.CreateUser(ctx, admin, auth.UserInput{Username: "town1", DisplayName: "甲镇安监员", Role: auth.RoleTown, RegionCode: "349901", Password: "Passw0rd!"})
		if fe := errs.Fields(err); len(fe) != 1 || fe[0].Field != "region_code" {
			t.Fatalf("town user on the county: %v", err)
		}
		u, err := a.CreateUser(ctx, admin, auth.UserInput{Username: "town1", DisplayName: "甲镇安监员", Role: auth.RoleTown, RegionCode: "349901100", Password: "Passw0rd!"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.CreateUser(ctx, admin, auth.UserInput{Username: "town1", DisplayName: "x", Role: auth.RoleReadOnly, Password: "Passw0rd!"}); errs.Fields(err) == nil {
			t.Fatalf("duplicate username accepted: %v", err)
		}
		// Wrong password: one generic error; after 5 failures from one
		// address that address is throttled for this name, but the
		// account is not locked: the right password from another
		// address logs in.
		for i := 0; i < 4; i++ {
			if _, _, err := a.Login(ctx, "town1", "nope", "10.0.0.1", "ua"); err != auth.ErrBadLogin {
				t.Fatalf("attempt %d: %v", i, err)
			}
		}
		if _, _, err := a.Login(ctx, "nobody", "nope", "10.0.0.1", "ua"); err != auth.ErrBadLogin {
			t.Fatalf("unknown user must look the same: %v", err)
		}
		if _, _, err := a.Login(ctx, "town1", "nope", "10.0.0.1", "ua"); err != auth.ErrBadLogin {
			t.Fatalf("5th failure is still evaluated: %v", err)
		}
		if _, _, err := a.Login(ctx, "town1", "Passw0rd!", "10.0.0.1", "ua"); !auth.IsThrottled(err) {
			t.Fatalf("6th attempt from the same address must be throttled: %v", err)
		}
		tok, p, err := a.Login(ctx, "town1", "Passw0rd!", "10.0.0.2", "ua")
		if err != nil || p.RegionName != "甲镇" || p.RegionPrefix() != "349901100" {
			t.Fatalf("login from another address: %v %+v", err, p)
		}
		tok2, _, err := a.Login(ctx, "town1", "Passw0rd!", "10.0.0.2", "ua")
		if err != nil || tok2 == tok {
			t.Fatal("each login must give a new session id")
		}
		// Scope: the town user sees its town and village only.
		regions, err := o.ListRegions(ctx, p, org.RegionFilter{})
		if err != nil || len(regions) != 2 || regions[0].Code != "349901100" || regions[1].Code != "349901100201" {
			t.Fatalf("town scope: %+v %v", regions, err)
		}
		if _, err := o.Region(ctx, p, "349901101"); !errs.Is(err, errs.NotFound) {
			t.Fatalf("other town visible: %v", err)
		}
		// Idle timeout.
		if _, err := a.Authenticate(ctx, tok, ""); err != nil {
			t.Fatal(err)
		}
		c.t = c.t.Add(31 * time.Minute)
		if _, err := a.Authenticate(ctx, tok, ""); err != auth.ErrNoSession {
			t.Fatalf("idle session still valid: %v", err)
		}
		tok3, p3, _ := a.Login(ctx, "town1", "Passw0rd!", "10.0.0.2", "ua")
		// Log out everywhere ends every session.
		if err := a.LogoutEverywhere(ctx, p3, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Authenticate(ctx, tok3, ""); err != auth.ErrNoSession {
			t.Fatalf("session survived logout everywhere: %v", err)
		}
		// API tokens: stored hashed, revocable.
		tk, raw, err := a.CreateToken(ctx, admin, u.ID, "cli")
		if err != nil {
			t.Fatal(err)
		}
		if tp, err := a.AuthenticateToken(ctx, raw, ""); err != nil || tp.Username != "town1" {
			t.Fatalf("token: %v", err)
		}
		if err := a.RevokeToken(ctx, admin, tk.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := a.AuthenticateToken(ctx, raw, ""); err != auth.ErrNoSession {
			t.Fatalf("revoked token works: %v", err)
		}
		// A non-admin cannot create users; a disabled user cannot log in.
		if _, err := a.CreateUser(ctx, p3, auth.UserInput{Username: "x1x", DisplayName: "x", Role: auth.RoleAdmin, Password: "Passw0rd!"}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("town user created a user: %v", err)
		}
		if err := a.SetDisabled(ctx, admin, u.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Login(ctx, "town1", "Passw0rd!", "10.0.0.3", "ua"); err != auth.ErrBadLogin {
			t.Fatalf("disabled user logged in: %v", err)
		}
		res, err := audit.Verify(ctx, db.R())
		if err != nil || !res.OK() || res.Checked < 10 {
			t.Fatalf("audit: %+v %v", res, err)
		}
	})
}

func TestAddressThrottle(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	c := &clock{t: time.Now()}
	o := org.New(db, c.now)
	a := auth.New(db, o, c.now, auth.Options{AddrMaxFailures: 3})
	for i := 0; i < 3; i++ {
		_, _, _ = a.Login(ctx, "ghost", "x", "10.9.9.9", "")
	}
	if _, _, err := a.Login(ctx, "ghost", "x", "10.9.9.9", ""); !auth.IsThrottled(err) {
		t.Fatalf("address not throttled: %v", err)
	}
	if _, _, err := a.Login(ctx, "ghost", "x", "10.9.9.8", ""); err != auth.ErrBadLogin {
		t.Fatalf("other address throttled: %v", err)
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := auth.HashPassword("Passw0rd!")
	if err != nil || !auth.CheckPassword(h, "Passw0rd!") || auth.CheckPassword(h, "Passw0rd") {
		t.Fatal("hash check failed")
	}
}

// An account's unit must fit its role: a section user a bureau section, a
// department user a member department, a town user its own town's
// government.
func TestUnitFitsRole(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, o, _, admin := setup(t, db)
		unit := func(kind, name, region string, sectors ...string) string {
			u, err := o.SaveUnit(ctx, admin, org.Unit{Kind: kind, Name: name, RegionCode: region, Sectors: sectors})
			if err != nil {
				t.Fatal(err)
			}
			return u.ID
		}
		section := unit(org.UnitSection, "监管一股", "", "mine")
		dept := unit(org.UnitDepartment, "县住建局", "")
		townA := unit(org.UnitTown, "甲镇人民政府", "349901100")
		for _, c := range []struct {
			role         auth.Role
			unit, region string
			want         string
		}{
			{auth.RoleDepartment, section, "", "user.unit_not_department"},
			{auth.RoleSection, dept, "", "user.unit_not_section"},
			{auth.RoleTown, townA, "349901101", "user.unit_not_town"},
			{auth.RoleTown, dept, "349901100", "user.unit_not_town"},
			{auth.RoleDepartment, dept, "", ""},
			{auth.RoleSection, section, "", ""},
			{auth.RoleTown, townA, "349901100", ""},
		} {
			_, err := a.CreateUser(ctx, admin, auth.UserInput{Username: "u" + string(c.role) + c.region + c.unit[len(c.unit)-4:], DisplayName: "x", Role: c.role,
				UnitID: c.unit, RegionCode: c.region, Password: "Passw0rd!"})
			got := ""
			if fe := errs.Fields(err); len(fe) > 0 {
				got = fe[0].Message
			} else if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("%s in %s (%s): %q, want %q", c.role, c.unit, c.region, got, c.want)
			}
		}
		_, err := a.CreateUser(ctx, admin, auth.UserInput{Username: "phone1", DisplayName: "x", Role: auth.RoleReadOnly, Phone: "1390000", Password: "Passw0rd!"})
		if fe := errs.Fields(err); len(fe) != 1 || fe[0].Field != "phone" {
			t.Fatalf("a truncated mobile number: %v", err)
		}
	})
}
