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
	"time"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/home"
	"yingji/internal/kit/web"
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
	Chart json.RawMessage `json:"chart,omitempty"`
	// Links open the records behind each category of the chart (by the
	// category's index: a month, a town); a click on a bar follows it.
	Links []string `json:"links,omitempty"`
	// More opens the full register or statistics page.
	More string `json:"more,omitempty"`
	// Empty says there is nothing to chart (the panel shows a sentence).
	Empty bool `json:"empty,omitempty"`
	// EmptyText is the sentence shown when Empty (message ID; default
	// dashboard.empty).
	EmptyText string `json:"-"`
	// Counts are the panel's headline numbers, each opening the list of
	// the records it counts.
	Counts []Count `json:"counts,omitempty"`
	// Items are the panel's records (what runs now, what waits), each
	// opening exactly its record.
	Items []Item `json:"items,omitempty"`
	// MoreItems counts the records beyond Items (the list is cut short;
	// More or the counts open them all).
	MoreItems int `json:"more_items,omitempty"`
}

// Tones colour a number by its meaning.
const (
	ToneRed    = "red"    // overdue, below minimum, expired, not acknowledged past due
	ToneOrange = "orange" // due soon, expiring, waiting
	ToneGreen  = "green"  // all done
)

// Count is a headline number of a panel.
type Count struct {
	Label string `json:"label"` // message ID
	Value int    `json:"value"`
	Tone  string `json:"tone,omitempty"`
	Link  string `json:"link"`
}

// Item is one record on a panel.
type Item struct {
	Label  string `json:"label"`            // the record's name
	Detail string `json:"detail,omitempty"` // a line under it (in the page's language)
	// Value and Of: the number shown beside it ("3" or "3 / 12"); Unit is
	// the words after it (in the page's language).
	Value int    `json:"value"`
	Of    int    `json:"of,omitempty"`
	Unit  string `json:"unit,omitempty"`
	// Due is a deadline counted down live on the page (RFC 3339).
	Due  string `json:"due,omitempty"`
	Tone string `json:"tone,omitempty"`
	Link string `json:"link"`
}

// MaxItems is how many records a panel lists; the rest are counted.
const MaxItems = 8

// Cut keeps the first MaxItems items and counts the rest.
func (p *Panel) Cut() {
	if len(p.Items) > MaxItems {
		p.MoreItems = len(p.Items) - MaxItems
		p.Items = p.Items[:MaxItems]
	}
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
	// Now is the server's clock (the live countdowns' reference; nil: the
	// machine's).
	Now func() time.Time
}

// Routes declares the dashboard routes: the bureau's staff, towns,
// departments and enterprise accounts, each in their scope.
func (h *Handlers) Routes() web.Routes {
	staff := []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer, auth.RoleDuty,
		auth.RoleTown, auth.RoleDepartment, auth.RoleEnterprise, auth.RoleReadOnly}
	return web.Routes{
		{Pattern: "GET /dashboard", Roles: staff, Handler: h.page},
		{Pattern: "GET /api/v1/dashboard", Out: View{}, Roles: staff, Handler: h.api, API: "工作看板（图表、待办、当前情况）/ The dashboard: panels, work waiting, figures"},
	}
}

// View is what the dashboard shows.
type View struct {
	Today  string      `json:"today"`
	Now    string      `json:"now"` // RFC 3339, the countdowns' reference
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
	now := time.Now()
	if h.Now != nil {
		now = h.Now()
	}
	v := View{Today: h.Today(), Now: now.UTC().Format(time.RFC3339), Todos: []home.Todo{}, Stats: []home.Stat{}, Panels: []Panel{}}
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
