package app

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"time"

	"yingji/internal/bureau/report"
	"yingji/internal/kit/dashboard"
	"yingji/internal/kit/demo"
	"yingji/internal/kit/figure"
	"yingji/internal/kit/home"
	"yingji/internal/kit/jobs"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/web"
)

// module is one piece of the bureau's work plugged into the app. Each
// piece has its own mod_*.go file that builds its services and fills in
// a module; app.go never changes when a piece is added.
type module struct {
	name string
	// routes declares each of its routes once (pattern, roles, handler,
	// API summary): the policy, the registration and the OpenAPI
	// summaries derive from it. It is called once for the policy before
	// a.UI exists (the handlers are then dropped) and once after, to
	// register the handlers; so a handler must take a.UI (or the module's
	// UI field) when the table is built, not before, and anything else it
	// does must give the same result when done twice (start from empty).
	routes    func() web.Routes
	templates fs.FS            // holds templates/*.html
	locales   fs.FS            // holds locales/{zh,en}.json
	ledgers   []*ledger.Ledger // Excel registers under /KIND
	demo      func(ctx context.Context, out io.Writer) error
	stats     home.StatsFunc // figures on the home page
	todo      home.TodoFunc  // work waiting for the user (待办), on the home page
	// homeKinds are the kinds of records (audit entities) its stats and
	// todo are computed from, when they are costly to compute: they are
	// then kept per user and day until a write touches one of those kinds
	// (see memoHome).
	homeKinds []string
	audit     web.AuditNames           // how its audit entries' fields and codes read
	jobs      map[string]jobs.Handler  // background job kinds
	every     map[string]time.Duration // periodic jobs (sweeps)
	// figures are the statistics it declares for the period report, the
	// dashboards and the figures API (computed from its own records).
	figures []figure.Figure
	// nav puts its pages in the left navigation: each entry's items are
	// added under the area with that key (an area with items becomes a
	// group and stops saying 建设中).
	nav []navEntry
	// panels are its charts on the dashboard.
	panels []dashboard.PanelFunc
	// bulletin gives its ranked tables of the monthly bulletin (月通报).
	bulletin []report.BulletinPart
}

// navEntry adds navigation items under an area of Nav(): at the end, or
// before the item keyed Before (another module's, wired earlier).
type navEntry struct {
	Area   string
	Before string
	Items  []web.NavItem
}

// modules lists the pieces of work in the order they are wired.
func (a *App) modules() []func() (*module, error) {
	return []func() (*module, error){
		a.enterpriseModule,
		a.facilityModule,
		a.licenceModule,
		a.certificateModule,
		a.mapModule,
		a.hazardModule,
		a.superviseModule,
		a.campaignModule,
		a.enforcementModule,
		a.accidentModule,
		a.suppliesModule,
		a.inspectionModule,
		a.warningModule,
		a.prepareModule,
		a.reductionModule,
		a.reliefModule,
		a.dutyModule,
		a.reportModule,    // it reads every module's figures
		a.provinceModule,  // publishes the report's figures to the province
		a.dashboardModule, // last: it gathers every module's panels
	}
}

// addModules builds every module's services and collects what they add.
func (a *App) addModules() error {
	for _, build := range a.modules() {
		m, err := build()
		if err != nil {
			return err
		}
		if m == nil {
			continue
		}
		for k, h := range m.jobs {
			a.JobHandlers[k] = h
		}
		for _, l := range m.ledgers {
			a.Ledgers.Add(l)
		}
		if err := a.Figures.Add(m.figures...); err != nil {
			return fmt.Errorf("%s figures: %w", m.name, err)
		}
		a.mods = append(a.mods, m)
	}
	return nil
}

// DemoLoaders returns the modules' demo loaders in wiring order.
func (a *App) DemoLoaders() []func(ctx context.Context, out io.Writer) error {
	var out []func(ctx context.Context, out io.Writer) error
	for _, m := range a.mods {
		if m.demo != nil {
			out = append(out, m.demo)
		}
	}
	return out
}

// LoadDemo loads the demo county and then every module's demo records.
// Loading twice changes nothing. Unless --as-of chose a date, the
// database then runs on the demo's business date (demo.AsOf, the day of
// the report its records reproduce) and remembers it.
func (a *App) LoadDemo(ctx context.Context, out io.Writer) error {
	if a.Cfg.AsOf == "" {
		if err := a.SetBusinessDate(ctx, demo.AsOf); err != nil {
			return err
		}
	}
	if err := demo.Load(ctx, demo.Services{DB: a.DB, Org: a.Org, Auth: a.Auth}, a.Cfg.County, out); err != nil {
		return err
	}
	for _, load := range a.DemoLoaders() {
		if err := load(ctx, out); err != nil {
			return err
		}
	}
	return nil
}

// DemoLogins reports which of the README's demo accounts (admin and the
// demo users) the documented demo password opens, and which exist with a
// password of their own (an admin created by an earlier start of the same
// data directory, an account whose password was changed).
func (a *App) DemoLogins(ctx context.Context) (open, own []string, err error) {
	names := []string{"admin"}
	for _, u := range demo.Users {
		names = append(names, u.Username)
	}
	for _, n := range names {
		exists, ok, err := a.Auth.PasswordIs(ctx, n, demo.Password)
		if err != nil {
			return nil, nil, err
		}
		switch {
		case ok:
			open = append(open, n)
		case exists:
			own = append(own, n)
		}
	}
	return open, own, nil
}

// nav returns the navigation with every module's items in their areas.
func (a *App) nav() []web.NavItem {
	nav := Nav()
	for _, m := range a.mods {
		for _, e := range m.nav {
			for i := range nav {
				if nav[i].Key != e.Area {
					continue
				}
				if len(nav[i].Items) == 0 {
					nav[i].Path, nav[i].Built = "", false
				}
				at := len(nav[i].Items)
				if e.Before != "" {
					if j := slices.IndexFunc(nav[i].Items, func(it web.NavItem) bool { return it.Key == e.Before }); j >= 0 {
						at = j
					}
				}
				nav[i].Items = slices.Insert(slices.Clone(nav[i].Items), at, e.Items...)
			}
		}
	}
	return nav
}
