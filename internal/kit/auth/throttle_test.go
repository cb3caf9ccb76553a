package auth_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

// outcome names a login answer for comparison: ok, bad (401) or throttled (429).
func outcome(t *testing.T, err error) string {
	t.Helper()
	switch {
	case err == nil:
		return "ok"
	case err == auth.ErrBadLogin:
		return "bad"
	case auth.IsThrottled(err):
		return "throttled"
	}
	t.Fatalf("unexpected login error: %v", err)
	return ""
}

// Of 40 parallel wrong passwords for one account from one address at most
// 5 are evaluated and the rest refused; the right password from another
// address still logs in.
func TestLoginBurstIsCountedAtomically(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, _, _, admin := setup(t, db)
		if _, err := a.CreateUser(ctx, admin, auth.UserInput{Username: "leader1", DisplayName: "领导", Role: auth.RoleLeader, Password: "Passw0rd!"}); err != nil {
			t.Fatal(err)
		}
		const n = 40
		results := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, results[i] = a.Login(ctx, "leader1", "wrong-pass1", "198.51.100.7", "ua")
			}()
		}
		wg.Wait()
		count := map[string]int{}
		for _, err := range results {
			count[outcome(t, err)]++
		}
		if count["bad"] > 5 || count["bad"] == 0 || count["bad"]+count["throttled"] != n {
			t.Fatalf("40 parallel wrong passwords: %v (want at most 5 evaluated, the rest throttled)", count)
		}
		// The right password from the same address waits…
		_, _, err := a.Login(ctx, "leader1", "Passw0rd!", "198.51.100.7", "ua")
		if d, ok := auth.RetryAfter(err); !ok || d <= 0 {
			t.Fatalf("right password from the attacking address: %v", err)
		}
		// … but not from another address: there is no account lock.
		if _, _, err := a.Login(ctx, "leader1", "Passw0rd!", "198.51.100.8", "ua"); err != nil {
			t.Fatalf("right password from another address: %v", err)
		}
	})
}

// Known and unknown names (and disabled accounts) answer the same for the
// same sequence of attempts, so the answers do not enumerate users.
func TestUnknownNamesAnswerLikeKnownOnes(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, _, _, admin := setup(t, db)
		if _, err := a.CreateUser(ctx, admin, auth.UserInput{Username: "known1", DisplayName: "甲", Role: auth.RoleReadOnly, Password: "Passw0rd!"}); err != nil {
			t.Fatal(err)
		}
		off, err := a.CreateUser(ctx, admin, auth.UserInput{Username: "off1", DisplayName: "乙", Role: auth.RoleReadOnly, Password: "Passw0rd!"})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.SetDisabled(ctx, admin, off.ID, true); err != nil {
			t.Fatal(err)
		}
		seq := func(name, password, ip string) []string {
			var out []string
			for range 7 {
				_, _, err := a.Login(ctx, name, password, ip, "ua")
				out = append(out, outcome(t, err))
			}
			return out
		}
		known := seq("known1", "wrong1234", "192.0.2.1")
		want := []string{"bad", "bad", "bad", "bad", "bad", "throttled", "throttled"}
		if !equal(known, want) {
			t.Fatalf("known name: %v, want %v", known, want)
		}
		if unknown := seq("ghost1", "wrong1234", "192.0.2.2"); !equal(unknown, known) {
			t.Fatalf("unknown name answers %v, known %v", unknown, known)
		}
		if disabled := seq("off1", "Passw0rd!", "192.0.2.3"); !equal(disabled, known) {
			t.Fatalf("disabled account answers %v, known %v", disabled, known)
		}
	})
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// After the budget the (name, address) bucket backs off: one attempt per
// closed period, the period doubling up to the maximum; a success clears
// it; an administrator's password reset clears it at once.
func TestLoginBackoff(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, _, c, admin := setup(t, db)
		u, err := a.CreateUser(ctx, admin, auth.UserInput{Username: "duty1", DisplayName: "值班员", Role: auth.RoleDuty, Password: "Passw0rd!"})
		if err != nil {
			t.Fatal(err)
		}
		const ip = "203.0.113.5"
		for i := range 5 {
			if _, _, err := a.Login(ctx, "duty1", "wrong1234", ip, ""); err != auth.ErrBadLogin {
				t.Fatalf("attempt %d: %v", i, err)
			}
		}
		for _, want := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute} {
			_, _, err := a.Login(ctx, "duty1", "Passw0rd!", ip, "")
			if d, ok := auth.RetryAfter(err); !ok || d != want {
				t.Fatalf("retry after %v, want %v (%v)", d, want, err)
			}
			c.t = c.t.Add(want)
			if _, _, err := a.Login(ctx, "duty1", "wrong1234", ip, ""); err != auth.ErrBadLogin {
				t.Fatalf("attempt after back-off: %v", err)
			}
		}
		// The administrator resets the password: the bucket is forgotten.
		if err := a.SetPassword(ctx, admin, u.ID, "", "N3wPassword"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Login(ctx, "duty1", "N3wPassword", ip, ""); err != nil {
			t.Fatalf("after reset: %v", err)
		}
		// A success cleared the bucket: a full budget again.
		for i := range 5 {
			if _, _, err := a.Login(ctx, "duty1", "wrong1234", ip, ""); err != auth.ErrBadLogin {
				t.Fatalf("attempt %d after success: %v", i, err)
			}
		}
		// The closed period is capped at 15 minutes and forgotten after an idle hour.
		c.t = c.t.Add(time.Hour)
		if _, _, err := a.Login(ctx, "duty1", "N3wPassword", ip, ""); err != nil {
			t.Fatalf("after an idle hour: %v", err)
		}
	})
}

// The address ceiling counts failures across names from one address and
// does not touch other addresses; successes are not charged.
func TestAddressCeiling(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, o, c, admin := setup(t, db)
		a := auth.New(db, o, c.now, auth.Options{AddrMaxFailures: 6})
		if _, err := a.CreateUser(ctx, admin, auth.UserInput{Username: "enf1", DisplayName: "执法员", Role: auth.RoleEnforcer, Password: "Passw0rd!"}); err != nil {
			t.Fatal(err)
		}
		const ip = "203.0.113.77"
		for i := range 10 { // successes do not use up the address
			if _, _, err := a.Login(ctx, "enf1", "Passw0rd!", ip, ""); err != nil {
				t.Fatalf("login %d: %v", i, err)
			}
		}
		for i := range 6 { // one guess each for six names
			if _, _, err := a.Login(ctx, "name"+string(rune('a'+i))+"x", "wrong1234", ip, ""); err != auth.ErrBadLogin {
				t.Fatalf("spray %d: %v", i, err)
			}
		}
		if _, _, err := a.Login(ctx, "enf1", "Passw0rd!", ip, ""); !auth.IsThrottled(err) {
			t.Fatalf("address past its ceiling: %v", err)
		}
		if _, _, err := a.Login(ctx, "enf1", "Passw0rd!", "203.0.113.78", ""); err != nil {
			t.Fatalf("another address: %v", err)
		}
	})
}

// Changing one's own password ends one's other sessions and keeps the
// current one; an administrator's reset ends them all.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, _, _, admin := setup(t, db)
		u, err := a.CreateUser(ctx, admin, auth.UserInput{Username: "sec1", DisplayName: "股室", Role: auth.RoleLeader, Password: "Passw0rd!"})
		if err != nil {
			t.Fatal(err)
		}
		here, _, err := a.Login(ctx, "sec1", "Passw0rd!", "10.1.0.1", "desktop")
		if err != nil {
			t.Fatal(err)
		}
		there, _, err := a.Login(ctx, "sec1", "Passw0rd!", "10.1.0.2", "phone")
		if err != nil {
			t.Fatal(err)
		}
		p, err := a.Authenticate(ctx, here, "10.1.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if err := a.SetPassword(ctx, p, u.ID, "Passw0rd!", "Chang3dPass"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Authenticate(ctx, here, "10.1.0.1"); err != nil {
			t.Fatalf("the session that changed the password ended: %v", err)
		}
		if _, err := a.Authenticate(ctx, there, "10.1.0.2"); err != auth.ErrNoSession {
			t.Fatalf("another session survived the password change: %v", err)
		}
		// An administrator's reset ends every session, the current one too.
		again, _, err := a.Login(ctx, "sec1", "Chang3dPass", "10.1.0.2", "phone")
		if err != nil {
			t.Fatal(err)
		}
		if err := a.SetPassword(ctx, admin, u.ID, "", "Res3tPass"); err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{here, again} {
			if _, err := a.Authenticate(ctx, tok, ""); err != auth.ErrNoSession {
				t.Fatalf("a session survived the administrator's reset: %v", err)
			}
		}
	})
}
