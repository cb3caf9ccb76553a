package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
)

// authFails is an authenticator whose lookups fail with err.
type authFails struct{ err error }

func (a authFails) Authenticate(ctx context.Context, token, ip string) (*auth.Principal, error) {
	return nil, a.err
}

func (a authFails) AuthenticateToken(ctx context.Context, raw, ip string) (*auth.Principal, error) {
	return nil, a.err
}

// TestCredentialCheckFailureIsNotALogout: when a session or token cannot be
// checked (the database restarts), a guarded request answers 503 with a
// message — not 401 or a redirect to the login page, which would log a
// user out during a database blip. An unknown credential still gets 401 or
// the login page, and public routes still answer.
func TestCredentialCheckFailureIsNotALogout(t *testing.T) {
	tr, err := NewI18n()
	if err != nil {
		t.Fatal(err)
	}
	policy := Policy{"GET /things": AnyUser, "GET /api/v1/things": AnyUser, "GET /open": {Public}}
	ui, err := NewUI(tr, policy, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ok := func(w http.ResponseWriter, r *http.Request) {}
	router := func(a Authenticator) *Router {
		rt := NewRouter(policy, a, ui)
		rt.Handle("GET /things", ok)
		rt.Handle("GET /api/v1/things", ok)
		rt.Handle("GET /open", ok)
		return rt
	}
	get := func(rt *Router, path string, cookie bool) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", path, nil)
		if cookie {
			req.AddCookie(&http.Cookie{Name: SessionCookie, Value: "s"})
		} else {
			req.Header.Set("Authorization", "Bearer yj_x")
		}
		rec := httptest.NewRecorder()
		rt.ServeHTTP(rec, req)
		return rec
	}
	down := router(authFails{errors.New("token: dial tcp 127.0.0.1:5432: connect: connection refused")})
	if rec := get(down, "/api/v1/things", false); rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "unavailable") {
		t.Fatalf("bearer while the database is down: %d %s", rec.Code, rec.Body)
	}
	if rec := get(down, "/things", true); rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Location") != "" || !strings.Contains(rec.Body.String(), "暂时无法核验登录状态") {
		t.Fatalf("session while the database is down: %d %q %s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	if rec := get(down, "/open", true); rec.Code != http.StatusOK {
		t.Fatalf("public route while the database is down: %d", rec.Code)
	}
	gone := router(authFails{errs.New(errs.Unauthorized, "session.expired")})
	if rec := get(gone, "/api/v1/things", false); rec.Code != http.StatusUnauthorized {
		t.Fatalf("unknown token: %d", rec.Code)
	}
	if rec := get(gone, "/things", true); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
		t.Fatalf("expired session: %d %q", rec.Code, rec.Header().Get("Location"))
	}
}

// TestDatabaseAwayAnswers503: a read that fails because PostgreSQL is
// restarting (or the disk is full) answers 503 with a message saying so,
// not 500 "internal error".
func TestDatabaseAwayAnswers503(t *testing.T) {
	tr, err := NewI18n()
	if err != nil {
		t.Fatal(err)
	}
	policy := Policy{"GET /api/v1/list": {Public}}
	ui, err := NewUI(tr, policy, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	rt := NewRouter(policy, authStub{}, ui)
	rt.Handle("GET /api/v1/list", func(w http.ResponseWriter, r *http.Request) {
		ui.Error(w, r, fmt.Errorf("list hazards: %w", &pgconn.PgError{Severity: "FATAL", Code: "57P03", Message: "the database system is starting up"}))
	})
	rec := httptest.NewRecorder()
	rt.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/list", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "数据库暂时无法连接") {
		t.Fatalf("read while PostgreSQL starts up: %d %s", rec.Code, rec.Body)
	}
}
