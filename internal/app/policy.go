package app

import (
	"net/http"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/web"
	"yingji/web/static"
)

// routes declares the app's own routes, each once: the static files,
// the health check, the metrics and the API description. Everything else
// is a module's (its Routes), the home package's (login, profile, areas),
// sysadmin's (users, regions, units, audit, tokens, jobs, inbox) or the
// ledger kit's (the Excel routes and the shared import routes).
func (a *App) routes() web.Routes {
	public := []auth.Role{web.Public}
	staticFiles := http.FileServerFS(static.FS)
	return web.Routes{
		{Pattern: "GET /healthz", Roles: public, Handler: a.healthz},
		{Pattern: "GET /static/", Roles: public, Handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "public, max-age=3600")
			http.StripPrefix("/static/", staticFiles).ServeHTTP(w, r)
		}},
		{Pattern: "GET /api/v1/openapi.json", Out: Document{}, Roles: public, Handler: a.openAPI, API: "本接口说明 / This description"},
		{Pattern: "GET /metrics", Roles: []auth.Role{auth.RoleAdmin}, Handler: func(w http.ResponseWriter, r *http.Request) { a.Metrics.Write(w) }},
	}
}

// Nav is the left navigation: every area of the bureau's work. Areas not
// built yet lead to a page that says so.
func Nav() []web.NavItem {
	return []web.NavItem{
		{Key: "home", Label: "nav.home", Path: "/", Icon: "⌂", Built: true},
		// The areas; each module puts its pages under one (its nav).
		{Key: "enterprise_area", Label: "nav.enterprise_area", Icon: "▦"},
		{Key: "enforcement", Label: "nav.enforcement", Path: "/enforcement", Icon: "⚖"},
		{Key: "hazard_area", Label: "nav.hazards", Icon: "⚠"},
		{Key: "duty", Label: "nav.duty", Path: "/duty", Icon: "☎"},
		{Key: "warnings", Label: "nav.warnings", Path: "/warnings", Icon: "⚑"},
		{Key: "preparedness", Label: "nav.preparedness", Path: "/preparedness", Icon: "✚"},
		{Key: "relief", Label: "nav.relief", Path: "/relief", Icon: "❤"},
		{Key: "campaign_area", Label: "nav.campaigns", Icon: "☷"},
		{Key: "reports", Label: "nav.reports", Path: "/reports", Icon: "▤"},
		// Groups show only the entries the role's policy lets it open, and
		// vanish when none is left: 系统管理 is for those who run the
		// system; the organisation's registers are read by staff in scope;
		// everyone's own things (inbox, jobs, tokens) are under 个人.
		{Key: "org", Label: "nav.org", Items: []web.NavItem{
			{Key: "users", Label: "nav.users", Path: "/users", Built: true},
			{Key: "units", Label: "nav.units", Path: "/units", Built: true},
			{Key: "regions", Label: "nav.regions", Path: "/regions", Built: true},
		}},
		{Key: "system", Label: "nav.system", Items: []web.NavItem{
			{Key: "audit", Label: "nav.audit", Path: "/audit", Built: true},
			{Key: "deliveries", Label: "nav.deliveries", Path: "/deliveries", Built: true},
		}},
		{Key: "mine", Label: "nav.mine", Items: []web.NavItem{
			{Key: "inbox", Label: "nav.inbox", Path: "/inbox", Built: true},
			{Key: "jobs", Label: "nav.jobs", Path: "/jobs", Built: true},
			{Key: "tokens", Label: "nav.tokens", Path: "/tokens", Built: true},
			{Key: "profile", Label: "nav.profile", Path: "/profile", Built: true},
		}},
	}
}
