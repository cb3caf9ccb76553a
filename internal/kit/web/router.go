// Package web is the shared HTTP kit: routing with a declared role policy,
// authentication, rendering HTML or JSON, error mapping, forms, i18n and
// security headers. Domain packages register their handlers on a Router.
package web

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
)

// Public marks a route anyone may call without logging in.
const Public auth.Role = "public"

// AnyUser marks a route every logged-in role may call.
var AnyUser = auth.AllRoles

// Policy declares, for every route ("GET /users/{id}"), the roles allowed
// to call it. A registered route missing from the policy is a defect: the
// router refuses it and the route × role test fails.
type Policy map[string][]auth.Role

// Allows reports whether role may call route.
func (p Policy) Allows(route string, role auth.Role) bool {
	roles, ok := p[route]
	return ok && (slices.Contains(roles, Public) || slices.Contains(roles, role))
}

// Merge adds another package's routes; a route declared twice is a
// programming error.
func (p Policy) Merge(more Policy) Policy {
	for k, v := range more {
		if _, dup := p[k]; dup {
			panic("route declared twice in the policy: " + k)
		}
		p[k] = v
	}
	return p
}

// IsPublic reports a public route.
func (p Policy) IsPublic(route string) bool { return slices.Contains(p[route], Public) }

type ctxKey int

const (
	principalKey ctxKey = iota
	langKey
	routeKey
	tokenKey
	clientIPKey
	authErrKey // the error that kept a session or token from being checked
)

// PrincipalFrom returns the logged-in principal, or nil.
func PrincipalFrom(ctx context.Context) *auth.Principal {
	p, _ := ctx.Value(principalKey).(*auth.Principal)
	return p
}

// WithPrincipal stores a principal in ctx.
func WithPrincipal(ctx context.Context, p *auth.Principal) context.Context {
	return context.WithValue(ctx, principalKey, p)
}

// Lang returns the request language ("zh" or "en").
func Lang(ctx context.Context) string {
	if l, ok := ctx.Value(langKey).(string); ok {
		return l
	}
	return "zh"
}

// Route returns the matched route pattern of the request.
func Route(ctx context.Context) string {
	s, _ := ctx.Value(routeKey).(string)
	return s
}

// Authenticator turns a session cookie or bearer token into a principal.
type Authenticator interface {
	Authenticate(ctx context.Context, token, ip string) (*auth.Principal, error)
	AuthenticateToken(ctx context.Context, raw, ip string) (*auth.Principal, error)
}

// DeniedByHeader marks a 403 given by the route policy.
const DeniedByHeader = "X-Yingji-Denied-By"

// SessionCookie is the session cookie's name.
const SessionCookie = "yingji_session"

// Router registers handlers under the policy.
type Router struct {
	mux     *http.ServeMux
	policy  Policy
	authn   Authenticator
	ui      *UI
	routes  []string
	missing []string
}

// NewRouter returns a Router.
func NewRouter(policy Policy, authn Authenticator, ui *UI) *Router {
	return &Router{mux: http.NewServeMux(), policy: policy, authn: authn, ui: ui}
}

// Handle registers a handler for "METHOD /pattern".
func (rt *Router) Handle(route string, h http.HandlerFunc) {
	if _, ok := rt.policy[route]; !ok {
		rt.missing = append(rt.missing, route)
	}
	rt.routes = append(rt.routes, route)
	rt.mux.Handle(route, rt.guard(route, h))
}

// Routes returns every registered route.
func (rt *Router) Routes() []string {
	out := slices.Clone(rt.routes)
	sort.Strings(out)
	return out
}

// Missing returns registered routes that the policy does not declare.
func (rt *Router) Missing() []string { return rt.missing }

// Check returns an error naming routes missing from the policy.
func (rt *Router) Check() error {
	if len(rt.missing) > 0 {
		return fmt.Errorf("routes missing from the policy table: %s", strings.Join(rt.missing, ", "))
	}
	return nil
}

// ServeHTTP serves unknown paths with the 404 page.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, pattern := rt.mux.Handler(r)
	if pattern == "" {
		// Not found, or wrong method: let the mux answer 405 but render 404s ourselves.
		rec := &statusProbe{}
		h.ServeHTTP(rec, r.Clone(r.Context()))
		if rec.status == http.StatusMethodNotAllowed {
			h.ServeHTTP(w, r)
			return
		}
		rt.ui.Fail(w, r.WithContext(rt.identify(r)), http.StatusNotFound, "error.not_found")
		return
	}
	// ServeMux.ServeHTTP (not the handler found above) fills in the path
	// values that handlers read with r.PathValue.
	rt.mux.ServeHTTP(w, r)
}

type statusProbe struct {
	status int
	h      http.Header
}

func (s *statusProbe) Header() http.Header {
	if s.h == nil {
		s.h = http.Header{}
	}
	return s.h
}
func (s *statusProbe) Write(b []byte) (int, error) { return len(b), nil }
func (s *statusProbe) WriteHeader(code int)        { s.status = code }

// identify attaches the principal (if any) and the language to the context.
func (rt *Router) identify(r *http.Request) context.Context {
	ctx := r.Context()
	ip := ClientIP(r)
	var p *auth.Principal
	var authErr error
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		p, authErr = rt.authn.AuthenticateToken(ctx, strings.TrimPrefix(h, "Bearer "), ip)
	} else if c, err := r.Cookie(SessionCookie); err == nil {
		p, authErr = rt.authn.Authenticate(ctx, c.Value, ip)
		if p != nil {
			ctx = context.WithValue(ctx, tokenKey, c.Value)
		}
	}
	// An unknown, expired or revoked credential (or one whose user, unit
	// or region is gone) makes the request anonymous; an internal failure
	// (the database does not answer) is kept for guard, which must not send
	// a logged-in user to the login page.
	if p == nil && authErr != nil && errs.KindOf(authErr) == errs.Internal && !errors.Is(authErr, sql.ErrNoRows) {
		ctx = context.WithValue(ctx, authErrKey, authErr)
	}
	pref := ""
	if p != nil {
		ctx = WithPrincipal(ctx, p)
		pref = p.Lang
	}
	return context.WithValue(ctx, langKey, LangOf(r, pref))
}

// SessionToken returns the request's session cookie value (for logout).
func SessionToken(ctx context.Context) string {
	s, _ := ctx.Value(tokenKey).(string)
	return s
}

func (rt *Router) guard(route string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(rt.identify(r), routeKey, route)
		r = r.WithContext(ctx)
		if rt.policy.IsPublic(route) {
			h(w, r)
			return
		}
		p := PrincipalFrom(ctx)
		if err, ok := ctx.Value(authErrKey).(error); ok && p == nil {
			rt.ui.Error(w, r, &errs.Error{Kind: errs.Unavailable, Message: "error.auth_unavailable", Err: err})
			return
		}
		if p == nil {
			// A client that sent a bearer token (missing, unknown or
			// revoked) and machine endpoints get 401, not the login page.
			bearer := strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ")
			if bearer || IsAPI(r) || r.Header.Get("HX-Request") != "" {
				if bearer || IsAPI(r) {
					w.Header().Set("WWW-Authenticate", `Bearer realm="yingji"`)
				}
				if r.Header.Get("HX-Request") != "" {
					w.Header().Set("HX-Redirect", "/login")
				}
				rt.ui.Fail(w, r, http.StatusUnauthorized, "error.login_required")
				return
			}
			next := r.URL.RequestURI()
			http.Redirect(w, r, "/login?next="+urlQueryEscape(next), http.StatusSeeOther)
			return
		}
		if !rt.policy.Allows(route, p.Role) {
			// The header tells a refusal by the route policy from one by
			// a service rule (e.g. an enterprise account reaching for
			// another enterprise); the route × role test reads it.
			w.Header().Set(DeniedByHeader, "policy")
			rt.ui.Fail(w, r, http.StatusForbidden, "error.forbidden")
			return
		}
		h(w, r)
	})
}

// IsAPI reports a JSON API request (machine endpoints included).
func IsAPI(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") || r.URL.Path == "/healthz" || r.URL.Path == "/metrics"
}

// ClientIP returns the client's address without port: the one found by
// TrustProxies when the request came through a trusted reverse proxy,
// the peer's address otherwise.
func ClientIP(r *http.Request) string {
	if ip, ok := r.Context().Value(clientIPKey).(string); ok {
		return ip
	}
	return peerIP(r)
}

func peerIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

// PolicyRoles returns the roles declared for a route.
func (rt *Router) PolicyRoles(route string) []auth.Role { return rt.policy[route] }

// Policy returns the router's policy table (all packages' routes).
func (rt *Router) Policy() Policy { return rt.policy }
