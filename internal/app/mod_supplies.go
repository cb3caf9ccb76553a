package app

import (
	"context"
	"io"
	"net/url"
	"strings"
	"time"

	"yingji/internal/bureau/supplies"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/dashboard"
	"yingji/internal/kit/geo"
	"yingji/internal/kit/home"
	"yingji/internal/kit/jobs"
	"yingji/internal/kit/web"
)

// suppliesModule wires emergency supplies (应急物资): the catalogue,
// warehouses, stock and its ledger, dispatch orders with approval, PDF
// and receipt, the alerts sweep, the home figures, the warehouses' map
// layer and the F-REL-2 report figure. Other modules issue goods through
// a.Supplies.Issue.
func (a *App) suppliesModule() (*module, error) {
	inside := func() func(lat, lng float64) bool {
		if a.CountyBounds == nil {
			return nil
		}
		return a.CountyBounds.Contains
	}
	svc := supplies.New(a.DB, a.Notify, a.Now, inside, a.suppliesRecipients)
	svc.Towns = func(ctx context.Context, county string) (map[string]string, error) {
		return a.townNames(ctx, &auth.Principal{Role: auth.RoleLeader, CountyCode: county})
	}
	svc.Enterprise = func(ctx context.Context, county, ref string) (string, string, string, bool, error) {
		id, _, _, found, err := a.Enterprise.Resolve(ctx, county, ref) // id, credit code or exact name
		if err != nil || !found {
			return "", "", "", false, err
		}
		e, err := a.Enterprise.Get(ctx, &auth.Principal{Role: auth.RoleLeader, CountyCode: county}, id)
		if err != nil {
			return "", "", "", false, err
		}
		return e.ID, e.Name, e.TownCode, true, nil
	}
	a.Supplies = svc
	h := &supplies.Handlers{Svc: svc, Org: a.Org, CountyName: func(ctx context.Context, county string) string {
		if name, err := a.Org.RegionName(ctx, county); err == nil && name != "" {
			return name
		}
		return a.Cfg.CountyName
	}}
	a.MapLayers = append(a.MapLayers, a.warehouseLayer(svc))
	return &module{
		name:      "supplies",
		templates: supplies.Templates,
		locales:   supplies.Locales,
		routes: func() web.Routes {
			h.UI = a.UI
			return h.Routes()
		},
		ledgers: svc.Ledgers(),
		demo: func(ctx context.Context, out io.Writer) error {
			var people supplies.DemoPeople
			if p, err := a.Auth.PrincipalFor(ctx, "jg2"); err == nil {
				people.Requester = p
			}
			if p, err := a.Auth.PrincipalFor(ctx, "leader"); err == nil {
				people.Approver = p
			}
			if p, err := a.Auth.PrincipalFor(ctx, "town"); err == nil {
				people.Town = p
			}
			return svc.Demo(ctx, out, a.Cfg.County, people, a.DemoLocate)
		},
		stats: func(ctx context.Context, p *auth.Principal) ([]home.Stat, error) {
			if !a.UI.Policy.Allows("GET /stock/alerts", p.Role) {
				return nil, nil
			}
			alerts, err := svc.Alerts(ctx, p)
			if err != nil {
				return nil, err
			}
			// Stock below its minimum or near expiry needs attention
			// before it is late: orange, not red.
			tone := ""
			if len(alerts) > 0 {
				tone = home.ToneWarn
			}
			return []home.Stat{{Label: "supplies.home_alerts", Value: len(alerts), Link: "/stock/alerts", Tone: tone}}, nil
		},
		todo: func(ctx context.Context, p *auth.Principal) ([]home.Todo, error) {
			var out []home.Todo
			if supplies.CanApproveRole(p) {
				list, _, err := svc.Dispatches(ctx, p, supplies.DispatchFilter{State: supplies.StateRequested})
				if err != nil {
					return nil, err
				}
				n := 0
				for _, d := range list {
					if d.RequestedBy != p.UserID {
						n++
					}
				}
				out = append(out, home.Todo{Label: "supplies.home_waiting", Count: n, Link: "/dispatches?state=requested"})
			}
			if p.Role == auth.RoleTown {
				_, n, err := svc.Dispatches(ctx, p, supplies.DispatchFilter{State: supplies.StateDispatched, Town: p.RegionCode, Limit: 1})
				if err != nil {
					return nil, err
				}
				out = append(out, home.Todo{Label: "supplies.home_to_receive", Count: n, Link: "/dispatches?state=dispatched&town=" + url.QueryEscape(p.RegionCode)})
			}
			return out, nil
		},
		audit: web.AuditNames{Codes: map[string]string{"supply_dispatch.state": "supplies.state.", "supply_stock.kind": "supplies.move.",
			"supply_item.category": "supplies.cat.", "supply_item.stat_key": "supplies.stat.", "supply_warehouse.kind": "supplies.kind.",
			"supply_dispatch.purpose": "supplies.purpose.", "supply_dispatch.to_kind": "supplies.to_kind_v."},
			Values: map[string]web.NameFunc{"to_town": a.regionName, "from_town": a.regionName}},
		jobs:    map[string]jobs.Handler{supplies.SweepKind: svc.SweepJob()},
		every:   map[string]time.Duration{supplies.SweepKind: 24 * time.Hour},
		figures: svc.Figures(),
		panels:  []dashboard.PanelFunc{a.stockPanel(svc)},
		nav: []navEntry{{Area: "preparedness", Items: []web.NavItem{
			{Key: "dispatches", Label: "supplies.nav_dispatches", Path: "/dispatches", Built: true},
			{Key: "stock", Label: "supplies.nav_stock", Path: "/stock", Built: true},
			{Key: "warehouses", Label: "supplies.nav_warehouses", Path: "/warehouses", Built: true},
			{Key: "movements", Label: "supplies.nav_movements", Path: "/movements", Built: true},
			{Key: "stock-alerts", Label: "supplies.nav_alerts", Path: "/stock/alerts", Built: true},
			{Key: "supply-items", Label: "supplies.nav_items", Path: "/supply-items", Built: true},
		}}},
	}, nil
}

// suppliesRecipients are whom the stock alerts go to: the county's
// administrators and section staff, and for a warehouse in a town that
// town's staff.
func (a *App) suppliesRecipients(ctx context.Context, county, town string) ([]string, error) {
	sys := &auth.Principal{UserID: "system", Username: "system", Role: auth.RoleAdmin, CountyCode: county}
	enabled := false
	var out []string
	for _, role := range []auth.Role{auth.RoleAdmin, auth.RoleSection, auth.RoleTown} {
		users, _, err := a.Auth.ListUsers(ctx, sys, auth.UserFilter{Role: role, Disabled: &enabled, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			if role == auth.RoleTown && (town == "" || u.RegionCode == "" || !strings.HasPrefix(town, u.RegionCode)) {
				continue
			}
			out = append(out, u.ID)
		}
	}
	return out, nil
}

// warehouseLayer puts the warehouses in scope that have coordinates on the
// county map, coloured by kind (filters: the map's search and town, and
// the layer's own warehouse kind).
func (a *App) warehouseLayer(svc *supplies.Service) geo.Layer {
	colour := map[string]string{"county": "red", "town": "orange", "enterprise": "blue", "social": "green"}
	return geo.Layer{
		Key:   "warehouses",
		Label: "supplies.layer",
		Points: func(ctx context.Context, p *auth.Principal, q url.Values) ([]geo.Point, error) {
			lang := web.Lang(ctx)
			towns, err := a.townNames(ctx, p)
			if err != nil {
				return nil, err
			}
			list, _, err := svc.Warehouses(ctx, p, supplies.WarehouseFilter{Q: q.Get("q"), Town: q.Get("town"), Kind: q.Get("warehouse_kind")})
			if err != nil {
				return nil, err
			}
			out := []geo.Point{}
			for _, w := range list {
				if w.Lat == nil || w.Lng == nil {
					continue
				}
				detail := supplies.WarehouseKindLabel(w.Kind, lang) + " · " + w.OwnerUnit
				if t := towns[w.TownCode]; t != "" {
					detail += " · " + t
				}
				out = append(out, geo.Point{Lat: *w.Lat, Lng: *w.Lng, Name: w.Name, Kind: "warehouses", Colour: colour[w.Kind], Link: "/warehouses/" + w.ID, Detail: detail})
			}
			return out, nil
		},
		Missing: func(ctx context.Context, p *auth.Principal, q url.Values) (int, error) {
			list, _, err := svc.Warehouses(ctx, p, supplies.WarehouseFilter{Q: q.Get("q"), Town: q.Get("town"), Kind: q.Get("warehouse_kind")})
			n := 0
			for _, w := range list {
				if w.Lat == nil {
					n++
				}
			}
			return n, err
		},
		Filters: []geo.Filter{supplies.LayerFilter()},
	}
}
