package app_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"testing"
	"time"

	"yingji/internal/app"
	"yingji/internal/kit/config"
	"yingji/internal/kit/store/storetest"
)

type net0 struct{}

func (net0) listen() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }

func newJar() http.CookieJar {
	j, _ := cookiejar.New(nil)
	return j
}

// openApp opens an app for the demo county (示例县) on SQLite, or on a fresh
// PostgreSQL schema when pg is true; it is closed when the test ends.
func openApp(t *testing.T, pg bool, opts app.Options) *app.App {
	t.Helper()
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), County: "349901", CountyName: "示例县", AdminPassword: "Admin2022x", LogLevel: "error"}
	if pg {
		_, u := storetest.PostgresSchema(t, storetest.PostgresURL(t))
		cfg.DB = u
	}
	a, err := app.Open(context.Background(), cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// demoApp opens an app (see openApp) whose clock stands still at now and
// loads the whole demo.
func demoApp(t *testing.T, pg bool, now time.Time) *app.App {
	t.Helper()
	a := openApp(t, pg, app.Options{Now: func() time.Time { return now }})
	if err := a.LoadDemo(context.Background(), io.Discard); err != nil {
		t.Fatal(err)
	}
	return a
}

// userToken returns a new bearer token of the user with this username.
func userToken(t *testing.T, a *app.App, username string) string {
	t.Helper()
	ctx := context.Background()
	u, err := a.Auth.FindByUsername(ctx, username)
	if err != nil {
		t.Fatal(err)
	}
	_, secret, err := a.Auth.CreateToken(ctx, a.System(), u.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// serveWithJobs serves a on 127.0.0.1:0 with its background work (job
// runner, notification sender) running until the test ends, and returns its
// URL (with the trailing slash).
func serveWithJobs(t *testing.T, a *app.App) string {
	t.Helper()
	if err := a.Listen(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = a.Serve() }()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); a.Stop(); _ = a.Shutdown(context.Background()) })
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return a.URL()
}
