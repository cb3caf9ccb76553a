package app

import (
	"context"
	"io"

	"yingji/internal/bureau/relief"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/home"
	"yingji/internal/kit/web"
)

// reliefModule wires household relief (救助): programmes, households and
// their approval chain, payments, the bank's payment list, the F-REL-1
// figure and the demo's 2021–2022 winter-spring relief. Goods payments
// issue stock through the supplies module (reliefGoods) in the payment's
// transaction; a payment that names a dispatch already made keeps it.
func (a *App) reliefModule() (*module, error) {
	svc := relief.New(a.DB, a.Org, a.Now).WithSealer(a.Sealer)
	if a.Supplies != nil {
		svc.WithGoods(a.reliefGoods)
	}
	a.Relief = svc
	h := &relief.Handlers{DB: a.DB, Svc: svc, Org: a.Org}
	return &module{
		name:      "relief",
		templates: relief.Templates,
		locales:   relief.Locales,
		routes: func() web.Routes {
			h.UI = a.UI
			return h.Routes()
		},
		ledgers: svc.Ledgers(),
		demo: func(ctx context.Context, out io.Writer) error {
			decider, err := a.Auth.PrincipalFor(ctx, "leader")
			if err != nil {
				decider = nil // no leader demo user: the system decides
			}
			town, err := a.Auth.PrincipalFor(ctx, "town")
			if err != nil {
				town = nil
			}
			return svc.Demo(ctx, out, a.Cfg.County, decider, town)
		},
		todo: func(ctx context.Context, p *auth.Principal) ([]home.Todo, error) {
			if !a.UI.Policy.Allows("GET /relief/households", p.Role) {
				return nil, nil
			}
			n, link, err := svc.Waiting(ctx, p)
			if err != nil || n == 0 {
				return nil, err
			}
			return []home.Todo{{Label: "relief.todo_waiting", Count: n, Link: link}}, nil
		},
		audit: web.AuditNames{Codes: map[string]string{"relief_household.step": "relief.step.", "relief_programme.kind": "relief.kind.",
			"relief_programme.category": "relief.category.", "relief_payment.category": "relief.category.", "relief_payment.mode": "relief.mode.",
			"relief_payment.programme_kind": "relief.kind."}},
		figures: svc.Figures(),
		nav: []navEntry{{Area: "relief", Items: []web.NavItem{
			{Key: "relief_programmes", Label: "nav.relief_programmes", Path: "/relief/programmes", Built: true},
			{Key: "relief_households", Label: "nav.relief_households", Path: "/relief/households", Built: true},
			{Key: "relief_payments", Label: "nav.relief_payments", Path: "/relief/payments", Built: true},
		}}},
	}, nil
}
