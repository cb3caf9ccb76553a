package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/store"
	"yingji/internal/kit/textlimit"
)

//go:embed templates/*.html
var baseTemplates embed.FS

// Shanghai is the zone dates are shown in.
var Shanghai = time.FixedZone("CST", 8*3600)

// NavItem is an entry of the left navigation.
type NavItem struct {
	Key   string
	Label string // message ID
	Path  string
	Icon  string
	Built bool
	Items []NavItem
}

// UI renders pages and errors.
type UI struct {
	I18n   *I18n
	Policy Policy
	Nav    []NavItem
	Log    *slog.Logger
	// Unread returns the user's unread notification count (layout badge).
	Unread func(r *http.Request, userID string) int
	// BusinessDate returns the date the app runs on when it is not the
	// real date (a demo database); the header shows it.
	BusinessDate func() string
	// Refused records a read or change refused because the record lies
	// outside the user's scope (errs.OutOfScope) in the audit log; the
	// answer stays a plain 404. Nil: not recorded.
	Refused func(r *http.Request, ref errs.Ref) error
	// Audit names recorded fields and codes in the audit log and histories.
	Audit AuditNames
	// Now is the app's clock (placeholders show its year); nil: time.Now.
	Now   func() time.Time
	base  *template.Template
	pages map[string]*template.Template
}

// NewUI parses the layout and shared partials.
func NewUI(t *I18n, policy Policy, nav []NavItem, log *slog.Logger) (*UI, error) {
	base, err := template.New("").Funcs(funcs()).ParseFS(baseTemplates, "templates/_*.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	ui := &UI{I18n: t, Policy: policy, Nav: nav, Log: log, base: base, pages: map[string]*template.Template{}}
	if err := ui.AddPages(baseTemplates, "templates"); err != nil {
		return nil, err
	}
	return ui, nil
}

// AddPages parses every page file (not starting with "_") under dir of
// fsys; a page is named by its file name without ".html", e.g. "users"
// for templates/users.html. Files starting with "_" in the same directory
// are partials parsed into each of its pages.
func (ui *UI) AddPages(fsys fs.FS, dir string) error {
	var partials, pages []string
	err := fs.WalkDir(fsys, dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		if strings.HasPrefix(d.Name(), "_") {
			partials = append(partials, path)
		} else {
			pages = append(pages, path)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, path := range pages {
		name := strings.TrimSuffix(strings.TrimPrefix(path, dir+"/"), ".html")
		if _, dup := ui.pages[name]; dup {
			return fmt.Errorf("page %s defined twice", name)
		}
		t, err := ui.base.Clone()
		if err != nil {
			return err
		}
		if fsys == fs.FS(baseTemplates) {
			partials = nil // the layout's own partials are in base already
		}
		if len(partials) > 0 {
			if _, err := t.ParseFS(fsys, partials...); err != nil {
				return fmt.Errorf("parse partials of %s: %w", dir, err)
			}
		}
		if _, err := t.ParseFS(fsys, path); err != nil {
			return fmt.Errorf("parse %s: %w", path, err)
		}
		ui.pages[name] = t
	}
	return nil
}

// Page is what every template receives.
type Page struct {
	ui      *UI
	Title   string
	Lang    string
	User    *auth.Principal
	Active  string
	Path    string
	Query   url.Values
	Flash   string
	Error   string
	Data    any
	Form    *Form
	Unread  int
	Request *http.Request
}

// T translates a message ID; extra arguments are key, value pairs.
func (p *Page) T(id string, kv ...any) string {
	var data map[string]any
	if len(kv) > 1 {
		data = map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			data[fmt.Sprint(kv[i])] = kv[i+1]
		}
	}
	return p.ui.I18n.T(p.Lang, id, data)
}

// BusinessDate is the date the app runs on when it is not the real date
// (YYYY-MM-DD), "" otherwise.
func (p *Page) BusinessDate() string {
	if p.ui.BusinessDate == nil {
		return ""
	}
	return p.ui.BusinessDate()
}

// Year is the current year by the app's clock (China time): placeholders
// and examples show it rather than a year written into a template.
func (p *Page) Year() int {
	now := time.Now
	if p.ui.Now != nil {
		now = p.ui.Now
	}
	return now().In(Shanghai).Year()
}

// Role returns the role label.
func (p *Page) Role(r auth.Role) string { return r.Label(p.Lang) }

// Can reports whether the user may call route ("GET /users").
func (p *Page) Can(route string) bool {
	return p.User != nil && p.ui.Policy.Allows(route, p.User.Role)
}

// NavItems returns the navigation the user may see.
func (p *Page) NavItems() []NavItem {
	var out []NavItem
	for _, n := range p.ui.Nav {
		if len(n.Items) > 0 {
			var sub []NavItem
			for _, s := range n.Items {
				if p.Can(navRoute(s.Path)) {
					sub = append(sub, s)
				}
			}
			if len(sub) > 0 {
				n.Items = sub
				out = append(out, n)
			}
			continue
		}
		if p.Can(navRoute(n.Path)) || (!n.Built && p.Can("GET /area/{area}")) {
			out = append(out, n)
		}
	}
	return out
}

// navRoute is the policy route a navigation path opens.
func navRoute(path string) string {
	if path == "/" {
		return "GET /{$}"
	}
	return "GET " + path
}

// NewPage returns a page for the request.
func (ui *UI) NewPage(r *http.Request, title string, data any) *Page {
	p := &Page{ui: ui, Title: title, Lang: Lang(r.Context()), User: PrincipalFrom(r.Context()), Path: r.URL.Path,
		Query: r.URL.Query(), Data: data, Request: r}
	if p.User != nil && ui.Unread != nil {
		p.Unread = ui.Unread(r, p.User.UserID)
	}
	if c, err := r.Cookie("flash"); err == nil {
		if v, err := url.QueryUnescape(c.Value); err == nil {
			p.Flash = v
		}
	}
	return p
}

// Render writes page with status. A partial (htmx) request renders only
// the "content" block.
func (ui *UI) Render(w http.ResponseWriter, r *http.Request, status int, name string, p *Page) {
	t, ok := ui.pages[name]
	if !ok {
		ui.Log.Error("unknown page", "page", name)
		http.Error(w, "unknown page "+name, http.StatusInternalServerError)
		return
	}
	if p.Flash != "" {
		http.SetCookie(w, &http.Cookie{Name: "flash", Path: "/", MaxAge: -1})
	}
	block := "layout"
	if r.Header.Get("HX-Request") != "" && r.Header.Get("HX-Target") != "" && t.Lookup("fragment") != nil {
		block = "fragment"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, p); err != nil {
		ui.Log.Error("render", "page", name, "err", err)
		http.Error(w, "render error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// SetFlash shows a one-time message on the next page.
func SetFlash(w http.ResponseWriter, msg string) {
	http.SetCookie(w, &http.Cookie{Name: "flash", Value: url.QueryEscape(msg), Path: "/", MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// Redirect after a successful form post (303), with a flash message.
func (ui *UI) Redirect(w http.ResponseWriter, r *http.Request, to, flashID string, kv ...any) {
	if flashID != "" {
		p := ui.NewPage(r, "", nil)
		SetFlash(w, p.T(flashID, kv...))
	}
	if r.Header.Get("HX-Request") != "" {
		w.Header().Set("HX-Redirect", to)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// JSON writes v as JSON.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// StatusOf maps an error kind to an HTTP status: the one place this is done.
func StatusOf(err error) int {
	switch errs.KindOf(err) {
	case errs.Invalid:
		return http.StatusUnprocessableEntity
	case errs.NotFound:
		return http.StatusNotFound
	case errs.Forbidden:
		return http.StatusForbidden
	case errs.Unauthorized:
		return http.StatusUnauthorized
	case errs.Conflict:
		return http.StatusConflict
	case errs.TooMany:
		return http.StatusTooManyRequests
	case errs.TooLarge:
		return http.StatusRequestEntityTooLarge
	case errs.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// APIError is the JSON error body.
type APIError struct {
	Error  string       `json:"error"`
	Code   string       `json:"code"`
	Field  string       `json:"field,omitempty"`
	Fields []FieldError `json:"fields,omitempty"`
}

// FieldError is one field's problem in a JSON error body.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Message localises an error for the user; internal errors are not shown.
func (ui *UI) Message(lang string, err error) string {
	e, ok := errs.As(err)
	if !ok || e.Kind == errs.Internal {
		return ui.I18n.T(lang, "error.internal", nil)
	}
	return ui.I18n.T(lang, e.Message, e.Args)
}

// Error answers err as HTML or JSON with the mapped status.
func (ui *UI) Error(w http.ResponseWriter, r *http.Request, err error) {
	err = store.Classify(err) // a full disk or a database away: 503, not 500
	status := StatusOf(err)
	lang := Lang(r.Context())
	if ref, ok := errs.RefusedOf(err); ok && ui.Refused != nil {
		if aerr := ui.Refused(r, ref); aerr != nil {
			ui.Log.Error("audit refused access", "entity", ref.Entity, "id", ref.ID, "err", aerr)
		}
	}
	if status >= 500 {
		ui.Log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if IsAPI(r) {
		body := APIError{Error: ui.Message(lang, err), Code: string(errs.KindOf(err))}
		for _, fe := range errs.Fields(err) {
			body.Fields = append(body.Fields, FieldError{Field: fe.Field, Reason: ui.I18n.T(lang, fe.Message, fe.Args)})
		}
		if len(body.Fields) > 0 {
			body.Field = body.Fields[0].Field
		}
		JSON(w, status, body)
		return
	}
	ui.fail(w, r, status, ui.Message(lang, err))
}

// kindOfStatus is the error code an API answer carries for a status the
// router answers itself (the inverse of StatusOf).
func kindOfStatus(status int) errs.Kind {
	switch status {
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return errs.Invalid
	case http.StatusUnauthorized:
		return errs.Unauthorized
	case http.StatusForbidden:
		return errs.Forbidden
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		return errs.NotFound
	case http.StatusConflict:
		return errs.Conflict
	case http.StatusTooManyRequests:
		return errs.TooMany
	case http.StatusRequestEntityTooLarge:
		return errs.TooLarge
	case http.StatusServiceUnavailable:
		return errs.Unavailable
	}
	return errs.Internal
}

// Fail answers with a status and a message ID (404, 403 …).
func (ui *UI) Fail(w http.ResponseWriter, r *http.Request, status int, msgID string) {
	lang := Lang(r.Context())
	msg := ui.I18n.T(lang, msgID, nil)
	if IsAPI(r) {
		JSON(w, status, APIError{Error: msg, Code: string(kindOfStatus(status))})
		return
	}
	ui.fail(w, r, status, msg)
}

func (ui *UI) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	p := ui.NewPage(r, fmt.Sprint(status), map[string]any{"Status": status, "Message": msg})
	ui.Render(w, r, status, "error", p)
}

func funcs() template.FuncMap {
	return template.FuncMap{
		// textLimits is the shared table of field limits as JSON, for the
		// pages' maxlength attributes (app.js).
		"textLimits": func() (string, error) {
			b, err := json.Marshal(textlimit.Table())
			return string(b), err
		},
		"date": func(t any) string {
			switch v := t.(type) {
			case time.Time:
				if v.IsZero() {
					return ""
				}
				return v.In(Shanghai).Format("2006-01-02")
			case *time.Time:
				if v == nil || v.IsZero() {
					return ""
				}
				return v.In(Shanghai).Format("2006-01-02")
			}
			return ""
		},
		"datetime": func(t any) string {
			switch v := t.(type) {
			case time.Time:
				if v.IsZero() {
					return ""
				}
				return v.In(Shanghai).Format("2006-01-02 15:04")
			case *time.Time:
				if v == nil || v.IsZero() {
					return ""
				}
				return v.In(Shanghai).Format("2006-01-02 15:04")
			}
			return ""
		},
		"add": func(a, b int) int { return a + b },
		// num shows a count with thousands separators (12,345): use it
		// wherever a count is shown.
		"num": Num,
		// pair passes two values to a sub-template: (pair $ .Status).
		"pair": func(a, b any) []any { return []any{a, b} },
		"join": strings.Join,
		"pct": func(done, total int64) int64 {
			if total <= 0 {
				return 0
			}
			return done * 100 / total
		},
		// with replaces one query parameter (filter and pagination links).
		"qs": func(q url.Values, kv ...any) string {
			c := url.Values{}
			for k, v := range q {
				c[k] = v
			}
			for i := 0; i+1 < len(kv); i += 2 {
				k, v := fmt.Sprint(kv[i]), fmt.Sprint(kv[i+1])
				if v == "" {
					c.Del(k)
				} else {
					c.Set(k, v)
				}
			}
			if len(c) == 0 {
				return "?"
			}
			return "?" + c.Encode()
		},
		// changes turns an audit summary into what changed (the
		// "changes" partial shows it).
		"changes": audit.Changes,
		// auditTitle names the record of an audit entry (not its id).
		"auditTitle": audit.Title,
		"json": func(v any) (template.JS, error) {
			b, err := json.Marshal(v)
			return template.JS(b), err
		},
	}
}

// Num formats a count with thousands separators: 1234567 → "1,234,567".
// It takes any integer type, or a decimal number as text ("1234.5" →
// "1,234.5", a stored figure); any other value is shown as it is.
func Num(v any) string {
	var n int64
	switch x := v.(type) {
	case int:
		n = int64(x)
	case int64:
		n = x
	case int32:
		n = int64(x)
	case uint:
		n = int64(x)
	case uint32:
		n = int64(x)
	case uint64:
		n = int64(x)
	case string:
		return numText(x)
	default:
		return fmt.Sprint(v)
	}
	neg := n < 0
	if neg {
		n = -n
	}
	digits := fmt.Sprint(n)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// numText separates the thousands of a decimal number written as text;
// text that is not one comes back unchanged.
func numText(s string) string {
	sign, rest := "", s
	if strings.HasPrefix(rest, "-") {
		sign, rest = "-", rest[1:]
	}
	whole, frac, hasFrac := strings.Cut(rest, ".")
	if whole == "" || strings.Trim(whole, "0123456789") != "" || (hasFrac && (frac == "" || strings.Trim(frac, "0123456789") != "")) {
		return s
	}
	if len(whole) > 1 && whole[0] == '0' {
		return s // a code with leading zeros, not a number
	}
	var b strings.Builder
	b.WriteString(sign)
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteString("." + frac)
	}
	return b.String()
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
