package app

import (
	"context"
	"io"

	"yingji/internal/bureau/accident"
	"yingji/internal/kit/web"
)

// accidentModule wires the accident register (生产安全事故): levels by
// 国务院令493号, reporting deadlines, counts and 同比, the Excel register,
// the 2021 demo accidents and F-ACC-1.
func (a *App) accidentModule() (*module, error) {
	svc := accident.New(a.DB, a.Enterprise, a.Now)
	a.Accident = svc
	h := &accident.Handlers{Svc: svc, Ent: a.Enterprise}
	sectors := func(ctx context.Context, sectionID string) ([]string, error) {
		_, _, _, list, err := a.Org.UnitInfo(ctx, sectionID)
		return list, err
	}
	return &module{
		name:      "accident",
		templates: accident.Templates,
		locales:   accident.Locales,
		routes: func() web.Routes {
			h.UI = a.UI
			return h.Routes()
		},
		ledgers: []*ledgerT{svc.Ledger()},
		figures: svc.Figures(sectors),
		audit:   web.AuditNames{Codes: map[string]string{"accident.level": "accident.level."}},
		nav: []navEntry{{Area: "enforcement", Items: []web.NavItem{
			{Key: "accidents", Label: "accident.title", Path: "/accidents", Built: true},
		}}},
		demo: func(ctx context.Context, out io.Writer) error { return svc.Demo(ctx, out, a.Cfg.County) },
	}, nil
}
