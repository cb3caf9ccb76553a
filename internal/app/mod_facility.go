package app

import (
	"context"
	"io"
	"yingji/internal/kit/web"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/bureau/facility"
)

// facilityModule wires the facilities ledger (设施台账): mines, tailings
// ponds and major hazard sources of the enterprises, with their dated
// status history. It adds the facilities to the enterprise page and a
// layer to the map.
func (a *App) facilityModule() (*module, error) {
	a.Facility = facility.New(a.DB, a.Enterprise, a.Now, func() *enterprise.Bounds { return a.CountyBounds })
	h := &facility.Handlers{Svc: a.Facility, Ent: a.Enterprise, Org: a.Org}
	a.EnterpriseRelated = append(a.EnterpriseRelated, a.Facility.Related)
	a.MapLayers = append(a.MapLayers, a.Facility.Layer())
	return &module{
		figures: a.facilityFigures(),
		name:    "facility",
		nav: []navEntry{{Area: "enterprise_area", Before: "enterprise_changes", Items: []web.NavItem{
			{Key: "facilities", Label: "nav.facilities", Path: "/facilities", Built: true},
		}}},
		templates: facility.Templates,
		locales:   facility.Locales,
		routes: func() web.Routes {
			h.UI = a.UI
			return h.Routes()
		},
		ledgers: []*ledgerT{a.Facility.Ledger()},
		demo: func(ctx context.Context, out io.Writer) error {
			return a.Facility.Demo(ctx, out, a.Cfg.County, a.DemoLocate)
		},
	}, nil
}
