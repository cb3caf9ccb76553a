package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRouterFillsPathValuesAndRefusesUndeclaredRoutes(t *testing.T) {
	tr, err := NewI18n()
	if err != nil {
		t.Fatal(err)
	}
	policy := Policy{"GET /things/{id}": {Public}}
	ui, err := NewUI(tr, policy, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	rt := NewRouter(policy, authStub{}, ui)
	got := ""
	rt.Handle("GET /things/{id}", func(w http.ResponseWriter, r *http.Request) { got = r.PathValue("id") })
	rt.Handle("GET /undeclared", func(w http.ResponseWriter, r *http.Request) {})
	rec := httptest.NewRecorder()
	rt.ServeHTTP(rec, httptest.NewRequest("GET", "/things/abc", nil))
	if rec.Code != 200 || got != "abc" {
		t.Fatalf("path value: status %d, id %q", rec.Code, got)
	}
	if err := rt.Check(); err == nil {
		t.Fatal("a route missing from the policy must be reported")
	}
	rec = httptest.NewRecorder()
	rt.ServeHTTP(rec, httptest.NewRequest("GET", "/nowhere", nil))
	if rec.Code != 404 {
		t.Fatalf("unknown path: %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	rt.ServeHTTP(rec, httptest.NewRequest("DELETE", "/things/abc", nil))
	if rec.Code != 405 {
		t.Fatalf("wrong method: %d", rec.Code)
	}
}
