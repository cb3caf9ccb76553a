package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"yingji/internal/app"
	"yingji/internal/kit/config"
	"yingji/internal/kit/demo"
)

// A missing, unknown or revoked bearer token answers 401 on /metrics and
// on the API (JSON), never the login page; a browser still gets the page.
func TestBearerFailuresAnswer401(t *testing.T) {
	a := start(t, false)
	ctx := context.Background()
	raw := userToken(t, a, "admin")
	toks, err := a.Auth.ListTokens(ctx, a.System())
	if err != nil || len(toks) == 0 {
		t.Fatalf("tokens: %v", err)
	}
	if rec := do(a, "GET", "/metrics", raw, nil); rec.Code != http.StatusOK {
		t.Fatalf("metrics with a valid token: %d", rec.Code)
	}
	if err := a.Auth.RevokeToken(ctx, a.System(), toks[0].ID); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, token string }{
		{"/metrics", ""},
		{"/metrics", raw},
		{"/metrics", "yj_unknown"},
		{"/api/v1/me", ""},
		{"/api/v1/me", raw},
		{"/api/v1/me", "not-a-token"},
		{"/profile", raw}, // a page asked for with a bearer token: 401 too
	} {
		rec := do(a, "GET", c.path, c.token, nil)
		if rec.Code != http.StatusUnauthorized || !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s with token %q: %d %s, want 401 with WWW-Authenticate", c.path, c.token, rec.Code, rec.Header().Get("Location"))
			continue
		}
		if c.path != "/profile" {
			var body struct{ Code string }
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Code != "unauthorized" {
				t.Errorf("%s: not a JSON error: %s", c.path, rec.Body.String())
			}
		}
	}
	if rec := do(a, "GET", "/profile", "", nil); rec.Code != http.StatusSeeOther {
		t.Errorf("a browser without a session: %d, want the login page", rec.Code)
	}
}

// Behind a trusted reverse proxy each client has its own throttle bucket
// (X-Forwarded-For); from any other peer the header is ignored. Known and
// unknown names answer the same, and a throttled answer says when to retry.
func TestLoginBehindTrustedProxy(t *testing.T) {
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), County: "349901", CountyName: "示例县", AdminPassword: "Admin2022x",
		LogLevel: "error", TrustedProxies: "10.9.0.0/16, ::1"}
	a, err := app.Open(context.Background(), cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	login := func(peer, xff, user, password string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/api/v1/login", strings.NewReader(`{"username":"`+user+`","password":"`+password+`"}`))
		req.Header.Set("Content-Type", "application/json")
		req.RemoteAddr = peer
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		rec := httptest.NewRecorder()
		a.Handler.ServeHTTP(rec, req)
		return rec
	}
	const proxy = "10.9.0.1:5000"
	for _, name := range []string{"admin", "nosuchuser"} {
		var codes []int
		for range 6 {
			codes = append(codes, login(proxy, "198.51.100.1", name, "wrongpass1").Code)
		}
		if want := []int{401, 401, 401, 401, 401, 429}; !equalInts(codes, want) {
			t.Fatalf("%s from a client behind the proxy: %v, want %v", name, codes, want)
		}
	}
	if rec := login(proxy, "198.51.100.1", "admin", "Admin2022x"); rec.Code != 429 || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("throttled client: %d Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	// Another client behind the same proxy is not affected.
	if rec := login(proxy, "198.51.100.2", "admin", "Admin2022x"); rec.Code != 200 {
		t.Fatalf("another client behind the proxy: %d %s", rec.Code, rec.Body.String())
	}
	// An untrusted peer cannot claim the throttled client's address, nor
	// escape its own bucket by inventing one.
	if rec := login("203.0.113.9:5000", "198.51.100.1", "admin", "wrongpass1"); rec.Code != 401 {
		t.Fatalf("untrusted peer forging X-Forwarded-For: %d", rec.Code)
	}
	for i := range 4 {
		login("203.0.113.9:5000", "198.51.100."+string(rune('3'+i)), "admin", "wrongpass1")
	}
	if rec := login("203.0.113.9:5000", "198.51.100.9", "admin", "wrongpass1"); rec.Code != 429 {
		t.Fatalf("untrusted peer rotating X-Forwarded-For: %d", rec.Code)
	}
}

func equalInts(a, b []int) bool {
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

// Changing one's password on the profile page ends one's other sessions
// and keeps this one; the page lists one's API tokens for revocation.
func TestProfilePasswordChangeEndsOtherSessions(t *testing.T) {
	a := start(t, false)
	ctx := context.Background()
	raw := userToken(t, a, "town")
	post := func(path, cookie string, form url.Values) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: "yingji_session", Value: cookie})
		}
		rec := httptest.NewRecorder()
		a.Handler.ServeHTTP(rec, req)
		return rec
	}
	get := func(path, cookie string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", path, nil)
		req.AddCookie(&http.Cookie{Name: "yingji_session", Value: cookie})
		rec := httptest.NewRecorder()
		a.Handler.ServeHTTP(rec, req)
		return rec
	}
	session := func() string {
		rec := post("/login", "", url.Values{"username": {"town"}, "password": {demo.Password}})
		for _, c := range rec.Result().Cookies() {
			if c.Name == "yingji_session" && c.Value != "" {
				return c.Value
			}
		}
		t.Fatalf("login: %d", rec.Code)
		return ""
	}
	here, there := session(), session()
	page := get("/profile", here)
	toks, _ := a.Auth.ListTokens(ctx, a.System())
	var tokenID string
	for _, tk := range toks {
		if tk.Username == "town" {
			tokenID = tk.ID
		}
	}
	if page.Code != 200 || tokenID == "" || !strings.Contains(page.Body.String(), "/profile/tokens/"+tokenID+"/revoke") {
		t.Fatalf("profile does not list the token for revocation: %d", page.Code)
	}
	rec := post("/profile/password", here, url.Values{"current": {demo.Password}, "password": {"Chang3dPass"}, "confirm": {"Chang3dPass"}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("change password: %d %s", rec.Code, rec.Body.String())
	}
	if rec := get("/profile", here); rec.Code != 200 {
		t.Fatalf("this session ended with the password change: %d", rec.Code)
	}
	if rec := get("/profile", there); rec.Code != http.StatusSeeOther {
		t.Fatalf("another session survived the password change: %d", rec.Code)
	}
	// The token still works until revoked from the profile.
	if rec := do(a, "GET", "/api/v1/me", raw, nil); rec.Code != 200 {
		t.Fatalf("token before revocation: %d", rec.Code)
	}
	if rec := post("/profile/tokens/"+tokenID+"/revoke", here, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("revoke from the profile: %d", rec.Code)
	}
	if rec := do(a, "GET", "/api/v1/me", raw, nil); rec.Code != http.StatusUnauthorized {
		t.Fatalf("revoked token: %d", rec.Code)
	}
}
