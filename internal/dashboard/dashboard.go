// Package dashboard is the leader's dashboard (and every staff member's,
// in their own scope): trends as charts whose bars open the records they
// count, what waits for a decision, what runs now (duty, incidents,
// warnings, stock alerts — each module contributes), and a full-screen
// mode for the command centre's wall (大屏) that refreshes itself.
package dashboard

import (
	"context"
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"strconv"
	"sync"

	"yingji/internal/auth"
	"yingji/internal/home"
	"yingji/internal/web"
)

//go:embed templates/*.html
var Templates embed.FS

//go:embed locales/*.json
var localeFiles embed.FS

// Locales are the dashboard's messages.
var Locales fs.FS = localeFiles

// Panel is one chart of the dashboard.
type Panel struct {
	ID    string `json:"id"`
	Title string `json:"title"` // message ID
	// Chart is the ECharts option (JSON).
	Chart json.RawMessage `json:"chart"`
	// Links open the records behind each category of the chart (by the
	// category's index: a month, a town); a click on a bar follows it.
	Links []string `json:"links,omitempty"`
	// More opens the full register or statistics page.
	More string `json:"more,omitempty"`
	// Empty says there is nothing to chart (the panel shows a sentence).
	Empty bool `json:"empty,omitempty"`
}

// PanelFunc builds a panel for p (nil: not for this user). today is the
// business date (YYYY-MM-DD); lang the page's language.
type PanelFunc func(ctx context.Context, p *auth.Principal, today, lang string) (*Panel, error)

// Handlers serve the dashboard.
type Handlers struct {
	UI     *web.UI
	Panels []PanelFunc
	Stats  []home.StatsFunc
	Todos  []home.TodoFunc
	Today  func() string
}

// Routes declares the dashboard routes: the bureau's staff, towns and
// departments, each in their scope.
func (h *Handlers) Routes() web.Routes {
	staff := []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer, auth.RoleDuty,
		auth.RoleTown, auth.RoleDepartment, auth.RoleReadOnly}
	return web.Routes{
		{Pattern: "GET /dashboard", Roles: staff, Handler: h.page},
		{Pattern: "GET /api/v1/dashboard", Roles: staff, Handler: h.api, API: "工作看板（图表、待办、当前情况）/ The dashboard: panels, work waiting, figures"},
	}
}

// View is what the dashboard shows.
type View struct {
	Today  string      `json:"today"`
	Todos  []home.Todo `json:"todos"`
	Stats  []home.Stat `json:"stats"`
	Panels []Panel     `json:"panels"`
	Wall   bool        `json:"-"`
	// Refresh is the wall mode's refresh period in seconds.
	Refresh int `json:"-"`
}

// build gathers the panels, figures and work waiting, concurrently (each
// is a few queries; the page waits for the slowest, not for the sum).
func (h *Handlers) build(ctx context.Context, p *auth.Principal, lang string) (View, error) {
	v := View{Today: h.Today(), Todos: []home.Todo{}, Stats: []home.Stat{}, Panels: []Panel{}}
	panels := make([]*Panel, len(h.Panels))
	stats := make([][]home.Stat, len(h.Stats))
	todos := make([][]home.Todo, len(h.Todos))
	errs := make([]error, len(h.Panels)+len(h.Stats)+len(h.Todos))
	var wg sync.WaitGroup
	for i, f := range h.Panels {
		wg.Go(func() { panels[i], errs[i] = f(ctx, p, v.Today, lang) })
	}
	for i, f := range h.Stats {
		wg.Go(func() { stats[i], errs[len(h.Panels)+i] = f(ctx, p) })
	}
	for i, f := range h.Todos {
		wg.Go(func() { todos[i], errs[len(h.Panels)+len(h.Stats)+i] = f(ctx, p) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return View{}, err
		}
	}
	for _, pn := range panels {
		if pn != nil {
			v.Panels = append(v.Panels, *pn)
		}
	}
	for _, s := range stats {
		v.Stats = append(v.Stats, s...)
	}
	for _, t := range todos {
		for _, x := range t {
			if x.Count > 0 {
				v.Todos = append(v.Todos, x)
			}
		}
	}
	return v, nil
}

func (h *Handlers) page(w http.ResponseWriter, r *http.Request) {
	v, err := h.build(r.Context(), web.PrincipalFrom(r.Context()), web.Lang(r.Context()))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if r.URL.Query().Get("wall") == "1" {
		v.Wall, v.Refresh = true, 60
		if n, err := strconv.Atoi(r.URL.Query().Get("refresh")); err == nil && n >= 10 && n <= 3600 {
			v.Refresh = n
		}
	}
	h.UI.Show(w, r, http.StatusOK, "dashboard", "dashboard.title", "dashboard", v, nil)
}

func (h *Handlers) api(w http.ResponseWriter, r *http.Request) {
	v, err := h.build(r.Context(), web.PrincipalFrom(r.Context()), web.Lang(r.Context()))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, v)
}

// Option marshals an ECharts option.
func Option(opt map[string]any) json.RawMessage {
	b, _ := json.Marshal(opt)
	return b
}
