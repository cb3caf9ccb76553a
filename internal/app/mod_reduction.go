package app

import (
	"context"
	"io"

	"yingji/internal/auth"
	"yingji/internal/home"
	"yingji/internal/reduction"
	"yingji/internal/web"
)

// reductionModule wires disaster reduction (防灾减灾): disaster reports,
// information officers, demonstration communities, 防火码 checkpoints,
// trainings and publicity, under the relief area of the navigation.
func (a *App) reductionModule() (*module, error) {
	svc := reduction.New(a.DB, a.Org, a.Hazard, a.Now)
	h := &reduction.Handlers{Svc: svc, Org: a.Org}
	return &module{
		name:      "reduction",
		policy:    reduction.Policy(),
		templates: reduction.Templates,
		locales:   reduction.Locales,
		register: func(rt *webRouter) {
			h.UI = a.UI
			h.Register(rt)
		},
		ledgers: svc.Ledgers(),
		demo: func(ctx context.Context, out io.Writer) error {
			return svc.Demo(ctx, out, a.Cfg.County)
		},
		stats: func(ctx context.Context, p *auth.Principal) ([]home.Stat, error) {
			if !p.Is(reduction.Readers...) {
				return nil, nil
			}
			missing, err := svc.Coverage(ctx, p, true)
			if err != nil {
				return nil, err
			}
			return []home.Stat{{Label: "reduction.home_villages_without", Value: len(missing), Link: "/reduction/officers/coverage?missing=1"}}, nil
		},
		todo: func(ctx context.Context, p *auth.Principal) ([]home.Todo, error) {
			n, event, err := svc.OverdueTowns(ctx, p)
			link := "/reduction/events"
			if event != "" {
				link += "/" + event
			}
			return []home.Todo{{Label: "reduction.todo_overdue_reports", Count: n, Link: link}}, err
		},
		audit: web.AuditNames{Codes: map[string]string{
			"reduction_event.hazard_kind": "reduction.hazard.", "reduction_report.kind": "reduction.kind.",
			"reduction_officer.role": "reduction.role.", "reduction_community.stage": "reduction.stage.",
			"reduction_training.audience": "reduction.audience.", "reduction_publicity.kind": "reduction.pkind.",
			"reduction_publicity.campaign": "reduction.campaign.",
		}},
		api:     reduction.API(),
		figures: svc.Figures(),
		nav: []navEntry{{Area: "relief", Items: []web.NavItem{
			{Key: "reduction-events", Label: "reduction.nav.events", Path: "/reduction/events", Built: true},
			{Key: "reduction-officers", Label: "reduction.nav.officers", Path: "/reduction/officers", Built: true},
			{Key: "reduction-communities", Label: "reduction.nav.communities", Path: "/reduction/communities", Built: true},
			{Key: "reduction-checkpoints", Label: "reduction.nav.checkpoints", Path: "/reduction/checkpoints", Built: true},
			{Key: "reduction-trainings", Label: "reduction.nav.trainings", Path: "/reduction/trainings", Built: true},
			{Key: "reduction-publicity", Label: "reduction.nav.publicity", Path: "/reduction/publicity", Built: true},
		}}},
	}, nil
}
