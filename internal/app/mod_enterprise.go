package app

import (
	"context"
	"io"

	"yingji/internal/auth"
	"yingji/internal/demo"
	"yingji/internal/enterprise"
	"yingji/internal/home"
)

// enterpriseModule wires the enterprise register (生产经营单位).
func (a *App) enterpriseModule() (*module, error) {
	a.Enterprise = enterprise.New(a.DB, a.Org, a.Now, func() *enterprise.Bounds { return a.CountyBounds })
	h := &enterprise.Handlers{DB: a.DB, Svc: a.Enterprise, Org: a.Org, Related: func() []enterprise.RelatedFunc { return a.EnterpriseRelated }}
	return &module{
		name:      "enterprise",
		policy:    enterprise.Policy(),
		templates: enterprise.Templates,
		locales:   enterprise.Locales,
		register: func(rt *webRouter) {
			h.UI = a.UI
			h.Register(rt)
		},
		ledgers: []*ledgerT{a.Enterprise.Ledger()},
		demo: func(ctx context.Context, out io.Writer) error {
			return a.Enterprise.Demo(ctx, out, a.Cfg.County, demo.EnterpriseID, a.DemoLocate)
		},
		stats: func(ctx context.Context, p *auth.Principal) ([]home.Stat, error) {
			if p.Role == auth.RoleEnterprise {
				return []home.Stat{{Label: "nav.my_enterprise", Value: 1, Link: "/my-enterprise"}}, nil
			}
			total, _, suspended, err := a.Enterprise.Counts(ctx, p)
			return []home.Stat{{Label: "enterprise.home_total", Value: total, Link: "/enterprises"},
				{Label: "enterprise.home_suspended", Value: suspended, Link: "/enterprises?status=suspended"}}, err
		},
	}, nil
}
