package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"yingji/internal/app"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/config"
	"yingji/internal/kit/demo"
	"yingji/internal/kit/web"
)

// start opens an app with the demo county on SQLite, or on PostgreSQL
// when pg is true.
func start(t *testing.T, pg bool) *app.App {
	t.Helper()
	a := openApp(t, pg, app.Options{})
	if err := demo.Load(context.Background(), demo.Services{DB: a.DB, Org: a.Org, Auth: a.Auth}, a.Cfg.County, io.Discard); err != nil {
		t.Fatal(err)
	}
	return a
}

// tokens returns a bearer token per role, using the demo users.
func tokens(t *testing.T, a *app.App) map[auth.Role]string {
	t.Helper()
	out := map[auth.Role]string{}
	names := map[auth.Role]string{auth.RoleAdmin: "admin"}
	for _, u := range demo.Users {
		names[u.Role] = u.Username
	}
	for _, role := range auth.AllRoles {
		name, ok := names[role]
		if !ok {
			t.Fatalf("no demo user for role %s", role)
		}
		out[role] = userToken(t, a, name)
	}
	return out
}

// concrete turns a route pattern into a request path.
func concrete(pattern string) string {
	r := strings.NewReplacer("{$}", "", "{id}", "01J0NOSUCHRECORD0000000000", "{area}", "hazards")
	p := r.Replace(pattern)
	if strings.HasSuffix(p, "/static/") {
		p += "app.css"
	}
	return p
}

func do(a *app.App, method, path, token string, body io.Reader) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, body)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if strings.HasPrefix(path, "/api/") {
			req.Header.Set("Content-Type", "application/json")
		}
	}
	rec := httptest.NewRecorder()
	a.Handler.ServeHTTP(rec, req)
	return rec
}

// TestRouteRoleTable walks every registered route with every role and
// with no login, and checks allow/deny against the declared policy.
func TestRouteRoleTable(t *testing.T) {
	a := start(t, false)
	policy := a.Router.Policy()
	if missing := a.Router.Missing(); len(missing) > 0 {
		t.Fatalf("routes missing from the policy table: %v", missing)
	}
	routes := a.Router.Routes()
	registered := map[string]bool{}
	for _, r := range routes {
		registered[r] = true
	}
	for r := range policy {
		if !registered[r] {
			t.Errorf("policy declares %q but no handler is registered", r)
		}
	}
	toks := tokens(t, a)
	for _, route := range routes {
		method, pattern, _ := strings.Cut(route, " ")
		path := concrete(pattern)
		for _, role := range auth.AllRoles {
			var body io.Reader
			if method != http.MethodGet {
				body = strings.NewReader("")
			}
			rec := do(a, method, path, toks[role], body)
			allowed := policy.Allows(route, role)
			byPolicy := rec.Code == http.StatusForbidden && rec.Header().Get(web.DeniedByHeader) == "policy"
			switch {
			case allowed && (byPolicy || (rec.Code == http.StatusUnauthorized && !policy.IsPublic(route))):
				t.Errorf("%s as %s: got %d, policy allows it", route, role, rec.Code)
			case !allowed && !byPolicy:
				t.Errorf("%s as %s: got %d, policy denies it (want 403 by the policy)", route, role, rec.Code)
			}
		}
		// Without a login: public routes answer, others ask to log in.
		var body io.Reader
		if method != http.MethodGet {
			body = strings.NewReader("")
		}
		rec := do(a, method, path, "", body)
		if policy.IsPublic(route) {
			if rec.Code == http.StatusForbidden {
				t.Errorf("%s anonymous: public route answered 403", route)
			}
			continue
		}
		want := http.StatusSeeOther
		if strings.HasPrefix(pattern, "/api/") || pattern == "/metrics" {
			want = http.StatusUnauthorized // machine endpoints: 401, not the login page
		}
		if method != http.MethodGet && !strings.HasPrefix(pattern, "/api/") {
			// A POST without any cookie is still a same-origin form post here.
			want = http.StatusSeeOther
		}
		if rec.Code != want {
			t.Errorf("%s anonymous: got %d, want %d", route, rec.Code, want)
		}
	}
}

func TestBadInputAnswers(t *testing.T) {
	a := start(t, false)
	toks := tokens(t, a)
	admin := toks[auth.RoleAdmin]

	// Unknown route: the 404 page, in HTML and in JSON.
	rec := do(a, "GET", "/no/such/page", admin, nil)
	if rec.Code != 404 || !strings.Contains(rec.Body.String(), "页面不存在") {
		t.Fatalf("unknown page: %d %s", rec.Code, rec.Body.String())
	}
	rec = do(a, "GET", "/api/v1/nothing", admin, nil)
	if rec.Code != 404 || !strings.Contains(rec.Header().Get("Content-Type"), "json") || !strings.Contains(rec.Body.String(), `"code":"not_found"`) {
		t.Fatalf("unknown API route: %d %s %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
	}
	// Without a login: 401 with the documented code.
	if rec := do(a, "GET", "/api/v1/me", "", nil); rec.Code != 401 || !strings.Contains(rec.Body.String(), `"code":"unauthorized"`) {
		t.Fatalf("API without login: %d %s", rec.Code, rec.Body.String())
	}

	// Malformed JSON: 400 naming the field and the reason.
	rec = do(a, "POST", "/api/v1/users", admin, strings.NewReader(`{"username": 12}`))
	var e web.APIError
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || rec.Code != 400 || e.Field != "username" || e.Error == "" {
		t.Fatalf("type error: %d %s", rec.Code, rec.Body.String())
	}
	rec = do(a, "POST", "/api/v1/users", admin, strings.NewReader(`{"username": "x",`))
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "JSON") {
		t.Fatalf("syntax error: %d %s", rec.Code, rec.Body.String())
	}
	rec = do(a, "POST", "/api/v1/users", admin, strings.NewReader(`{"usernam": "x"}`))
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || rec.Code != 400 || e.Field != "usernam" {
		t.Fatalf("unknown field: %d %s", rec.Code, rec.Body.String())
	}
	// Valid JSON, invalid values: 422 with every field.
	rec = do(a, "POST", "/api/v1/users", admin, strings.NewReader(`{"username": "a", "display_name": "", "role": "town", "password": "x"}`))
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || rec.Code != 422 || len(e.Fields) < 4 {
		t.Fatalf("invalid user: %d %s", rec.Code, rec.Body.String())
	}

	// A cross-origin form post with a session cookie is refused.
	req := httptest.NewRequest("POST", "/users", strings.NewReader(url.Values{"username": {"evil"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: "whatever"})
	rec = httptest.NewRecorder()
	a.Handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Fatalf("cross-origin post: %d", rec.Code)
	}

	// Security headers on every page.
	rec = do(a, "GET", "/login", "", nil)
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || rec.Header().Get("X-Frame-Options") != "DENY" {
		t.Fatalf("security headers missing: %v", rec.Header())
	}
}

func TestLoginLogoutWithCookies(t *testing.T) {
	a := start(t, false)
	srv := httptest.NewServer(a.Handler)
	defer srv.Close()
	jar := newJar()
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.PostForm(srv.URL+"/login", url.Values{"username": {"town"}, "password": {"wrong"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 401 || !strings.Contains(string(b), "用户名或密码错误") || !strings.Contains(string(b), `value="town"`) {
		t.Fatalf("wrong password: %d", res.StatusCode)
	}
	res, err = c.PostForm(srv.URL+"/login", url.Values{"username": {"town"}, "password": {demo.Password}, "next": {"/regions"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 303 || res.Header.Get("Location") != "/regions" {
		t.Fatalf("login: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	res, err = c.Get(srv.URL + "/regions")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(b), "城东社区") || strings.Contains(string(b), "弋江社区") {
		t.Fatalf("town scope on /regions: %d", res.StatusCode)
	}
	// An open redirect through next is refused.
	res, _ = c.PostForm(srv.URL+"/login", url.Values{"username": {"town"}, "password": {demo.Password}, "next": {"//evil.example"}})
	res.Body.Close()
	if res.Header.Get("Location") != "/" {
		t.Fatalf("open redirect: %s", res.Header.Get("Location"))
	}
	req, _ := http.NewRequest("POST", srv.URL+"/logout", nil)
	req.Header.Set("Origin", srv.URL)
	res, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	res, _ = c.Get(srv.URL + "/regions")
	res.Body.Close()
	if res.StatusCode != 303 {
		t.Fatalf("after logout: %d", res.StatusCode)
	}
}

func TestStartupErrors(t *testing.T) {
	ctx := context.Background()
	_, err := app.Open(ctx, config.Config{DB: "postgres://u@127.0.0.1:1/db?connect_timeout=2", County: "349901", CountyName: "x"}, app.Options{})
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("unreachable database: %v", err)
	}
	a := start(t, false)
	ln, err := (&net0{}).listen()
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	a.Cfg.Addr = ln.Addr().String()
	if err := a.Listen(); err == nil || !strings.Contains(err.Error(), "already in use") {
		t.Fatalf("port in use: %v", err)
	}
}

func TestHealthMetricsOpenAPI(t *testing.T) {
	a := start(t, false)
	toks := tokens(t, a)
	rec := do(a, "GET", "/healthz", "", nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"ok"`) {
		t.Fatalf("healthz: %d %s", rec.Code, rec.Body.String())
	}
	rec = do(a, "GET", "/metrics", toks[auth.RoleAdmin], nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "yingji_http_requests_total{") {
		t.Fatalf("metrics: %d %s", rec.Code, rec.Body.String())
	}
	rec = do(a, "GET", "/api/v1/openapi.json", "", nil)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || doc.OpenAPI == "" {
		t.Fatalf("openapi: %v", err)
	}
	for _, route := range a.Router.Routes() {
		method, path, _ := strings.Cut(route, " ")
		if !strings.HasPrefix(path, "/api/v1/") {
			continue
		}
		if _, ok := doc.Paths[path][strings.ToLower(method)]; !ok {
			t.Errorf("openapi lacks %s", route)
		}
	}
}

func TestAppOnPostgres(t *testing.T) {
	a := start(t, true)
	toks := tokens(t, a)
	rec := do(a, "GET", "/api/v1/regions?level=town", toks[auth.RoleTown], nil)
	var body struct {
		Items []struct{ Code string } `json:"items"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body.Items) != 1 || body.Items[0].Code != "349901100" {
		t.Fatalf("town scope on postgres: %s", rec.Body.String())
	}
	res, err := a.VerifyAudit(context.Background())
	if err != nil || !res.OK() {
		t.Fatalf("audit on postgres: %+v %v", res, err)
	}
}

// An administrator names an enterprise account's enterprise by what staff
// know — its credit code or full name — and the account gets the
// enterprise's ID; an enterprise the register does not know is refused on
// the field, in the API and on the form (which keeps what was typed).
func TestEnterpriseAccountNamedByCreditCode(t *testing.T) {
	a := start(t, false)
	ctx := context.Background()
	if err := a.Enterprise.Demo(ctx, io.Discard, a.Cfg.County, demo.EnterpriseID, nil); err != nil {
		t.Fatal(err)
	}
	id, name, code, found, err := a.Enterprise.Resolve(ctx, a.Cfg.County, demo.EnterpriseID)
	if err != nil || !found || code == "" {
		t.Fatalf("demo enterprise: %v %v %q", err, found, code)
	}
	admin := tokens(t, a)[auth.RoleAdmin]
	for i, ref := range []string{code, strings.ToLower(code), name} {
		body := fmt.Sprintf(`{"username": "qy%d", "display_name": "安全员", "role": "enterprise", "enterprise_id": %q, "password": "Yingji-2022-pass"}`, i, ref)
		rec := do(a, "POST", "/api/v1/users", admin, strings.NewReader(body))
		var u auth.User
		if err := json.Unmarshal(rec.Body.Bytes(), &u); err != nil || rec.Code != http.StatusCreated || u.EnterpriseID != id {
			t.Fatalf("account named by %q: %d %s", ref, rec.Code, rec.Body.String())
		}
	}
	rec := do(a, "POST", "/api/v1/users", admin, strings.NewReader(`{"username": "qyx", "display_name": "安全员", "role": "enterprise",
		"enterprise_id": "913499019999999999", "password": "Yingji-2022-pass"}`))
	var e web.APIError
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || rec.Code != 422 || len(e.Fields) != 1 || e.Fields[0].Field != "enterprise_id" {
		t.Fatalf("unknown enterprise: %d %s", rec.Code, rec.Body.String())
	}
	form := url.Values{"username": {"qyform"}, "display_name": {"安全员"}, "role": {"enterprise"}, "enterprise_id": {"913499019999999999"},
		"password": {"Yingji-2022-pass"}}
	rec = do(a, "POST", "/users", admin, strings.NewReader(form.Encode()))
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), "企业台账中没有") || !strings.Contains(rec.Body.String(), `value="913499019999999999"`) {
		t.Fatalf("form with an unknown enterprise: %d", rec.Code)
	}
	// The account's page names the enterprise; its edit form shows the credit code.
	var list struct {
		Items []auth.User `json:"items"`
	}
	_ = json.Unmarshal(do(a, "GET", "/api/v1/users?size=200", admin, nil).Body.Bytes(), &list)
	for _, u := range list.Items {
		if u.Username == "qy0" {
			if page := do(a, "GET", "/users/"+u.ID, admin, nil).Body.String(); !strings.Contains(page, name) {
				t.Fatalf("user page does not name the enterprise %s", name)
			}
			if page := do(a, "GET", "/users/"+u.ID+"/edit", admin, nil).Body.String(); !strings.Contains(page, `value="`+code+`"`) {
				t.Fatalf("edit form does not show the credit code %s", code)
			}
		}
	}
}

// An enterprise account's home page names its scope as its own enterprise
// and offers no figure it may not open (the region and unit registers).
func TestEnterpriseHomeShowsOwnScope(t *testing.T) {
	a := start(t, false)
	toks := tokens(t, a)
	page := do(a, "GET", "/", toks[auth.RoleEnterprise], nil).Body.String()
	if !strings.Contains(page, "本企业") || strings.Contains(page, `href="/regions`) || strings.Contains(page, `href="/units"`) {
		t.Fatalf("enterprise home:\n%s", page)
	}
	page = do(a, "GET", "/", toks[auth.RoleAdmin], nil).Body.String()
	if !strings.Contains(page, `href="/regions?level=town"`) || !strings.Contains(page, `href="/units"`) {
		t.Fatal("the administrator's home lost the register figures")
	}
}

// The change requests' empty list says what is empty: no pending requests
// by default, no matching records for another state.
func TestChangeRequestsEmptyStates(t *testing.T) {
	a := start(t, false)
	admin := tokens(t, a)[auth.RoleAdmin]
	if page := do(a, "GET", "/enterprise-changes", admin, nil).Body.String(); !strings.Contains(page, "没有待审核的变更申请") {
		t.Fatal("pending list: no 'no pending requests'")
	}
	if page := do(a, "GET", "/enterprise-changes?state=rejected", admin, nil).Body.String(); strings.Contains(page, "没有待审核的变更申请") ||
		!strings.Contains(page, "没有符合条件的记录") {
		t.Fatal("rejected list says there is nothing pending")
	}
}

// An enterprise account's change request reaches its supervising section,
// and the decision reaches the enterprise, in their inboxes.
func TestChangeRequestNotifications(t *testing.T) {
	a := start(t, false)
	ctx := context.Background()
	if err := a.Enterprise.Demo(ctx, io.Discard, a.Cfg.County, demo.EnterpriseID, nil); err != nil {
		t.Fatal(err)
	}
	qiye, jg1 := tokens(t, a)[auth.RoleEnterprise], userToken(t, a, "jg1")
	inbox := func(token string) string {
		return do(a, "GET", "/api/v1/notifications?unread=1", token, nil).Body.String()
	}
	e, err := a.Enterprise.Get(ctx, a.System(), demo.EnterpriseID)
	if err != nil {
		t.Fatal(err)
	}
	e.Name += "（新）"
	body, _ := json.Marshal(e)
	if rec := do(a, "PUT", "/api/v1/enterprises/"+e.ID, qiye, bytes.NewReader(body)); rec.Code != 200 {
		t.Fatalf("change request: %d %s", rec.Code, rec.Body.String())
	}
	if got := inbox(jg1); !strings.Contains(got, "申请变更关键信息") || !strings.Contains(got, e.Name) {
		t.Fatalf("the section is not told of the request: %s", got)
	}
	reqs, err := a.Enterprise.ChangeRequests(ctx, a.System(), "pending", e.ID)
	if err != nil || len(reqs) != 1 {
		t.Fatalf("requests: %v %d", err, len(reqs))
	}
	if rec := do(a, "POST", "/enterprise-changes/"+reqs[0].ID+"/approve", jg1, strings.NewReader("")); rec.Code != http.StatusSeeOther {
		t.Fatalf("approve: %d", rec.Code)
	}
	if got := inbox(qiye); !strings.Contains(got, "变更申请已批准") {
		t.Fatalf("the enterprise is not told of the decision: %s", got)
	}
}
