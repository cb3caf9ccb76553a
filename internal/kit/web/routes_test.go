package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"yingji/internal/kit/auth"
)

// TestRoutesDeclareOnce: one table gives the policy, the registration
// and the API summaries; a route a kit registers is in the policy only;
// a route declared twice is refused.
func TestRoutesDeclareOnce(t *testing.T) {
	called := ""
	rs := Routes{
		{Pattern: "GET /things/{id}", Roles: []auth.Role{Public}, Handler: func(w http.ResponseWriter, r *http.Request) { called = r.PathValue("id") }},
		{Pattern: "GET /api/v1/things", Roles: []auth.Role{Public}, API: "物品 / Things", Handler: func(w http.ResponseWriter, r *http.Request) {}},
		{Pattern: "GET /things/export", Roles: []auth.Role{auth.RoleAdmin}}, // the ledger kit's
	}
	p := rs.Policy()
	if len(p) != 3 || !p.Allows("GET /things/export", auth.RoleAdmin) || p.Allows("GET /things/export", auth.RoleLeader) || !p.IsPublic("GET /things/{id}") {
		t.Fatalf("policy: %v", p)
	}
	if api := rs.API(); len(api) != 1 || api["GET /api/v1/things"] != "物品 / Things" {
		t.Fatalf("api: %v", api)
	}
	tr, err := NewI18n()
	if err != nil {
		t.Fatal(err)
	}
	ui, err := NewUI(tr, p, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	rt := NewRouter(p, authStub{}, ui)
	rs.Register(rt)
	if got := rt.Routes(); !slices.Equal(got, []string{"GET /api/v1/things", "GET /things/{id}"}) {
		t.Fatalf("registered: %v (a route without a handler is the kit's to register)", got)
	}
	rec := httptest.NewRecorder()
	rt.ServeHTTP(rec, httptest.NewRequest("GET", "/things/abc", nil))
	if rec.Code != 200 || called != "abc" {
		t.Fatalf("handler: %d %q", rec.Code, called)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("a route declared twice must be refused")
		}
	}()
	_ = append(rs, Endpoint{Pattern: "GET /things/{id}", Roles: AnyUser}).Policy()
}
