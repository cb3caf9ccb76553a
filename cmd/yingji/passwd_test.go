package main

import (
	"context"
	"testing"
	"time"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
)

// `yingji user passwd` ends the user's sessions (a reset from the console
// is an administrator's reset).
func TestUserPasswdEndsSessions(t *testing.T) {
	data := t.TempDir()
	if code, _, e := cli(t, data, "migrate"); code != 0 {
		t.Fatalf("migrate: %s", e)
	}
	if code, out, e := cli(t, data, "user", "add", "ops01", "--role", "leader", "--display", "值班领导", "--password", "Passw0rd9"); code != 0 {
		t.Fatalf("user add: %s %s", out, e)
	}
	ctx := context.Background()
	withAuth := func(fn func(a *auth.Service)) {
		db, err := store.Open(ctx, store.Options{DataDir: data})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		fn(auth.New(db, org.New(db, time.Now), time.Now, auth.Options{}))
	}
	var session string
	withAuth(func(a *auth.Service) {
		var err error
		if session, _, err = a.Login(ctx, "ops01", "Passw0rd9", "10.2.0.1", "ua"); err != nil {
			t.Fatal(err)
		}
	})
	if code, out, e := cli(t, data, "user", "passwd", "ops01", "--password", "N3wPassw0rd"); code != 0 {
		t.Fatalf("passwd: %s %s", out, e)
	}
	withAuth(func(a *auth.Service) {
		if _, err := a.Authenticate(ctx, session, ""); err != auth.ErrNoSession {
			t.Fatalf("a session survived `user passwd`: %v", err)
		}
		if _, _, err := a.Login(ctx, "ops01", "N3wPassw0rd", "10.2.0.1", "ua"); err != nil {
			t.Fatalf("new password: %v", err)
		}
	})
}
