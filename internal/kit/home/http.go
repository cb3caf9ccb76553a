// Package home serves the login page, the home page, the user's own
// profile (password, language, log out everywhere) and the placeholder
// pages of areas of work not built yet.
package home

import (
	"context"
	"embed"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/org"
	"yingji/internal/kit/web"
)

//go:embed templates/*.html
var Templates embed.FS

// Stat is one figure on the home page.
type Stat struct {
	Label string `json:"label"`
	Value int    `json:"value"`
	Link  string `json:"link"`
	// Tone colours the figure by what it means: ToneAlert (red) only for
	// what is late or grave (overdue, red cards, major hazards), ToneWarn
	// (orange) for what needs attention before it becomes late (stock
	// below its minimum, villages without an officer), ToneDone (green)
	// for work finished, "" (neutral) for plain counts.
	Tone string `json:"tone,omitempty"`
	// Detail is plain text shown under the label (e.g. the names of the
	// people on duty now); "" shows nothing.
	Detail string `json:"detail,omitempty"`
}

// Tones of a figure.
const (
	ToneAlert = "alert"
	ToneWarn  = "warn"
	ToneDone  = "done"
)

// Todo is one kind of work waiting for the user (待办): "3 hazards to
// grade", with the page where they are done.
type Todo struct {
	Label string `json:"label"` // message ID (zh and en in the module's locales); gets {{.N}}
	Count int    `json:"count"`
	Link  string `json:"link"`
}

// TodoFunc lists the work waiting for the user (other domains contribute,
// like StatsFunc). Items with a zero count are not shown.
type TodoFunc func(ctx context.Context, p *auth.Principal) ([]Todo, error)

// StatsFunc adds figures to the home page (other domains contribute).
type StatsFunc func(ctx context.Context, p *auth.Principal) ([]Stat, error)

// Figures are what the home page counts for one user: the figures, the
// work waiting, and when they were counted.
type Figures struct {
	Stats []Stat
	Todos []Todo
	At    time.Time
}

// MemoFunc returns the figures kept for p's scope, or those compute
// counts now (see Handlers.Memo).
type MemoFunc func(ctx context.Context, p *auth.Principal, compute func() (Figures, error)) (Figures, error)

// Handlers of this package.
type Handlers struct {
	UI    *web.UI
	Auth  *auth.Service
	Org   *org.Service
	Stats []StatsFunc
	Todos []TodoFunc
	// Memo, when set, keeps the figures between requests (the key must
	// name p's scope: nothing kept for one scope may be served to
	// another); nil counts them on every request. The page says when they
	// were counted.
	Memo MemoFunc
	// Now is the clock of "counted at" (nil: time.Now).
	Now func() time.Time
	// Secure marks cookies Secure (behind TLS).
	Secure bool
}

// Role groups of the routes.
var (
	public = []auth.Role{web.Public}
	// staff: everyone working in the bureau or in a town or department.
	staff = []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer, auth.RoleDuty,
		auth.RoleTown, auth.RoleDepartment, auth.RoleReadOnly}
)

// Routes declares the login, home, language, profile and area routes,
// each once: pattern, roles, handler and API summary.
func (h *Handlers) Routes() web.Routes {
	return web.Routes{
		{Pattern: "GET /login", Roles: public, Handler: h.loginPage},
		{Pattern: "POST /login", Roles: public, Handler: h.login},
		{Pattern: "POST /lang", Roles: public, Handler: h.setLang},
		{Pattern: "POST /api/v1/login", In: Credentials{}, Out: auth.Principal{}, Roles: public, Handler: h.apiLogin, API: "登录并取得会话 Cookie / Log in, get a session cookie"},
		{Pattern: "GET /{$}", Roles: web.AnyUser, Handler: h.home},
		{Pattern: "POST /logout", Roles: web.AnyUser, Handler: h.logout},
		{Pattern: "GET /profile", Roles: web.AnyUser, Handler: h.profile},
		{Pattern: "POST /profile/password", Roles: web.AnyUser, Handler: h.changePassword},
		{Pattern: "POST /profile/logout-all", Roles: web.AnyUser, Handler: h.logoutAll},
		// One's own tokens, revoked from the profile.
		{Pattern: "POST /profile/tokens/{id}/revoke", Roles: web.AnyUser, Handler: h.revokeToken},
		{Pattern: "GET /area/{area}", Roles: staff, Handler: h.area},
		{Pattern: "GET /api/v1/me", Out: auth.Principal{}, Roles: web.AnyUser, Handler: h.me, API: "当前用户及其数据范围 / The current user and scope"},
	}
}

func (h *Handlers) loginPage(w http.ResponseWriter, r *http.Request) {
	if web.PrincipalFrom(r.Context()) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	p := h.UI.NewPage(r, "", nil)
	p.Title = p.T("login.title")
	p.Form = web.EmptyForm(map[string]string{"next": r.URL.Query().Get("next")})
	h.UI.Render(w, r, http.StatusOK, "login", p)
}

func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func (h *Handlers) login(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	token, _, err := h.Auth.Login(r.Context(), f.Get("username"), r.PostForm.Get("password"), web.ClientIP(r), r.UserAgent())
	if err != nil {
		retryAfter(w, err)
		p := h.UI.NewPage(r, "", nil)
		p.Title = p.T("login.title")
		delete(f.Values, "password")
		p.Form = f
		f.Error = h.UI.Message(p.Lang, err)
		h.UI.Render(w, r, web.StatusOf(err), "login", p)
		return
	}
	h.setSession(w, token)
	http.Redirect(w, r, safeNext(f.Get("next")), http.StatusSeeOther)
}

// retryAfter tells a throttled client when to try again (whole seconds,
// rounded up).
func retryAfter(w http.ResponseWriter, err error) {
	if d, ok := auth.RetryAfter(err); ok {
		w.Header().Set("Retry-After", strconv.Itoa(int((d+time.Second-1)/time.Second)))
	}
}

func (h *Handlers) setSession(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: web.SessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: h.Secure,
		SameSite: http.SameSiteLaxMode})
}

func (h *Handlers) logout(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	if err := h.Auth.Logout(r.Context(), p, web.SessionToken(r.Context())); err != nil {
		h.UI.Error(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: web.SessionCookie, Path: "/", MaxAge: -1, HttpOnly: true})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (h *Handlers) setLang(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	lang := f.Get("lang")
	if lang != "en" {
		lang = "zh"
	}
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode})
	if p := web.PrincipalFrom(r.Context()); p != nil {
		if err := h.Auth.SetLang(r.Context(), p, lang); err != nil {
			h.UI.Error(w, r, err)
			return
		}
	}
	http.Redirect(w, r, safeNext(f.Get("next")), http.StatusSeeOther)
}

func (h *Handlers) home(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	page := h.UI.NewPage(r, "", nil)
	page.Title = page.T("nav.home")
	page.Active = "home"
	// Counted apart from this request's end: other renders of the same
	// scope may be waiting for this count (Memo), and must not fail
	// because this client left.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), time.Minute)
	defer cancel()
	compute := func() (Figures, error) { return h.figures(ctx, p, page.Can) }
	var f Figures
	var err error
	if h.Memo != nil {
		f, err = h.Memo(r.Context(), p, compute)
	} else {
		f, err = compute()
	}
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	page.Data = map[string]any{"Stats": f.Stats, "Todos": f.Todos, "CountedAt": f.At.In(web.Shanghai).Format(time.TimeOnly)}
	h.UI.Render(w, r, http.StatusOK, "home", page)
}

// figures counts the home page's figures and work waiting for p; can
// tells which routes p's role may open.
func (h *Handlers) figures(ctx context.Context, p *auth.Principal, can func(string) bool) (Figures, error) {
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	f := Figures{At: now()}
	towns, villages, units, err := h.Org.Counts(ctx, p)
	if err != nil {
		return f, err
	}
	// The register's figures, for those who may open the register.
	// Town staff see one town and their own unit: no figure in that.
	oneTown := p.Role == auth.RoleTown
	if can("GET /regions") {
		if !oneTown {
			f.Stats = append(f.Stats, Stat{Label: "home.towns", Value: towns, Link: "/regions?level=town"})
		}
		f.Stats = append(f.Stats, Stat{Label: "home.villages", Value: villages, Link: "/regions?level=village"})
	}
	if can("GET /units") && !oneTown {
		f.Stats = append(f.Stats, Stat{Label: "home.units", Value: units, Link: "/units"})
	}
	for _, sf := range h.Stats {
		more, err := sf(ctx, p)
		if err != nil {
			return f, err
		}
		f.Stats = append(f.Stats, more...)
	}
	f.Todos, err = h.todos(ctx, p)
	return f, err
}

// todos collects the work waiting for p from every module, leaving out
// what counts nothing.
func (h *Handlers) todos(ctx context.Context, p *auth.Principal) ([]Todo, error) {
	var out []Todo
	for _, f := range h.Todos {
		items, err := f(ctx, p)
		if err != nil {
			return nil, err
		}
		for _, t := range items {
			if t.Count > 0 {
				out = append(out, t)
			}
		}
	}
	return out, nil
}

func (h *Handlers) profile(w http.ResponseWriter, r *http.Request) {
	h.profilePage(w, r, http.StatusOK, web.EmptyForm(nil))
}

// profilePage shows the profile with the user's own active API tokens,
// which a password change does not end: they are listed for revocation.
func (h *Handlers) profilePage(w http.ResponseWriter, r *http.Request, status int, form *web.Form) {
	tokens, err := h.ownTokens(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	page := h.UI.NewPage(r, "", map[string]any{"Tokens": tokens})
	page.Title = page.T("profile.title")
	page.Form = form
	h.UI.Render(w, r, status, "profile", page)
}

// ownTokens returns the principal's own tokens not revoked (an
// administrator's list holds everyone's; the profile shows one's own).
func (h *Handlers) ownTokens(r *http.Request) ([]auth.Token, error) {
	p := web.PrincipalFrom(r.Context())
	all, err := h.Auth.ListTokens(r.Context(), p)
	if err != nil {
		return nil, err
	}
	var out []auth.Token
	for _, t := range all {
		if t.UserID == p.UserID && t.RevokedAt == nil {
			out = append(out, t)
		}
	}
	return out, nil
}

// changePassword changes the user's own password; the user's other
// sessions end (this one stays).
func (h *Handlers) changePassword(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	_ = web.NewForm(r)
	var err error
	if r.PostForm.Get("password") != r.PostForm.Get("confirm") {
		err = errs.Field("confirm", "password.mismatch", nil)
	} else {
		err = h.Auth.SetPassword(r.Context(), p, p.UserID, r.PostForm.Get("current"), r.PostForm.Get("password"))
	}
	if err != nil {
		form := web.EmptyForm(nil)
		form.SetErrors(h.UI, web.Lang(r.Context()), err)
		h.profilePage(w, r, web.StatusOf(err), form)
		return
	}
	msg := "profile.password_changed"
	if tokens, err := h.ownTokens(r); err == nil && len(tokens) > 0 {
		msg = "profile.password_changed_tokens"
	}
	h.UI.Redirect(w, r, "/profile", msg)
}

// revokeToken revokes one of the user's own tokens from the profile.
func (h *Handlers) revokeToken(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	own, err := h.ownTokens(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if !slices.ContainsFunc(own, func(t auth.Token) bool { return t.ID == id }) {
		h.UI.Fail(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	err = h.Auth.RevokeToken(r.Context(), p, id)
	h.UI.Done(w, r, err, "/profile", "token.revoked")
}

func (h *Handlers) logoutAll(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	if err := h.Auth.LogoutEverywhere(r.Context(), p, p.UserID); err != nil {
		h.UI.Error(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: web.SessionCookie, Path: "/", MaxAge: -1, HttpOnly: true})
	http.Redirect(w, r, "/login?"+url.Values{"next": {"/"}}.Encode(), http.StatusSeeOther)
}

// Areas describes the areas of work not built yet and what they will hold.
var Areas = map[string][]string{
	"enterprises":  {"area.enterprises.1", "area.enterprises.2", "area.enterprises.3"},
	"enforcement":  {"area.enforcement.1", "area.enforcement.2", "area.enforcement.3"},
	"hazards":      {"area.hazards.1", "area.hazards.2", "area.hazards.3"},
	"duty":         {"area.duty.1", "area.duty.2"},
	"warnings":     {"area.warnings.1", "area.warnings.2"},
	"preparedness": {"area.preparedness.1", "area.preparedness.2", "area.preparedness.3"},
	"relief":       {"area.relief.1", "area.relief.2", "area.relief.3"},
	"campaigns":    {"area.campaigns.1", "area.campaigns.2"},
	"reports":      {"area.reports.1", "area.reports.2"},
}

func (h *Handlers) area(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("area")
	items, ok := Areas[key]
	if !ok {
		h.UI.Fail(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	page := h.UI.NewPage(r, "", map[string]any{"Key": key, "Items": items})
	page.Title = page.T("nav." + key)
	page.Active = key
	h.UI.Render(w, r, http.StatusOK, "area", page)
}

func (h *Handlers) me(w http.ResponseWriter, r *http.Request) {
	web.JSON(w, http.StatusOK, web.PrincipalFrom(r.Context()))
}

// apiLogin exchanges a username and password for a session cookie (JSON
// clients that cannot hold a bearer token use it).
func (h *Handlers) apiLogin(w http.ResponseWriter, r *http.Request) {
	var in Credentials
	if err := web.DecodeJSON(r, &in); err != nil {
		h.UI.BadJSON(w, r, err)
		return
	}
	token, p, err := h.Auth.Login(r.Context(), in.Username, in.Password, web.ClientIP(r), r.UserAgent())
	if err != nil {
		retryAfter(w, err)
		h.UI.Error(w, r, err)
		return
	}
	h.setSession(w, token)
	web.JSON(w, http.StatusOK, p)
}
