package app

import (
	"context"
	"io"

	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/home"
	"yingji/internal/kit/web"
)

// hazardModule wires the hazard closed loop (隐患排查治理): the ledger
// with its Excel import and export, the report form and the timeline with
// one form per step, the overdue board, statistics, enterprises'
// self-reports, the demo records, the home figures and the enterprise
// page's counts. Cards, supervision letters and listed supervision live in
// hazard/supervise, which uses a.Hazard.
func (a *App) hazardModule() (*module, error) {
	svc := hazard.New(a.DB, a.Enterprise, a.Attach, a.Notify, a.Auth, a.Now).WithOrg(a.Org)
	a.Hazard = svc
	a.Enterprise.OnRename(svc.RenameEnterpriseTx)
	h := &hazard.Handlers{Svc: svc, Org: a.Org, Ent: a.Enterprise}
	a.EnterpriseRelated = append(a.EnterpriseRelated, svc.Related)
	return &module{
		figures: a.hazardFigures(),
		name:    "hazard",
		nav: []navEntry{{Area: "hazard_area", Items: []web.NavItem{
			{Key: "hazards", Label: "nav.hazard_ledger", Path: "/hazards", Built: true},
			{Key: "hazards_overdue", Label: "nav.hazards_overdue", Path: "/hazards/overdue", Built: true},
			{Key: "self_reports", Label: "nav.self_reports", Path: "/self-reports", Built: true},
			{Key: "hazard_stats", Label: "nav.hazard_stats", Path: "/hazards/stats", Built: true},
		}}},
		routes: func() web.Routes {
			h.UI = a.UI
			return h.Routes()
		},
		templates: hazard.Templates,
		locales:   hazard.Locales,
		ledgers:   []*ledgerT{svc.Ledger(), svc.SelfLedger()},
		demo: func(ctx context.Context, out io.Writer) error {
			var who hazard.DemoPeople
			for name, p := range map[string]**auth.Principal{"jg1": &who.Section1, "jg2": &who.Section2, "zhifa": &who.Enforcer,
				"town": &who.Town, "dept": &who.Department, "qiye": &who.Enterprise} {
				if x, err := a.Auth.PrincipalFor(ctx, name); err == nil {
					*p = x
				}
			}
			return svc.Demo(ctx, out, a.Cfg.County, who)
		},
		stats: func(ctx context.Context, p *auth.Principal) ([]home.Stat, error) {
			c, err := svc.Counts(ctx, p, hazard.Filter{})
			return []home.Stat{{Label: "hazard.home_open", Value: c.Open, Link: "/hazards?open=1"},
				{Label: "hazard.home_overdue", Value: c.Overdue, Link: "/hazards/overdue", Tone: home.ToneAlert}}, err
		},
		todo: func(ctx context.Context, p *auth.Principal) ([]home.Todo, error) {
			// Government staff who take the hazard loop's steps: 定级 of
			// reported hazards and 复查 of reported rectifications.
			if !p.Is(auth.RoleSection, auth.RoleEnforcer, auth.RoleTown, auth.RoleDepartment) {
				return nil, nil
			}
			grade, err := svc.Counts(ctx, p, hazard.Filter{State: hazard.Reported})
			if err != nil {
				return nil, err
			}
			verify, err := svc.Counts(ctx, p, hazard.Filter{State: hazard.PendingReview})
			return []home.Todo{{Label: "hazard.todo_grade", Count: grade.Found, Link: "/hazards?state=" + string(hazard.Reported)},
				{Label: "hazard.todo_verify", Count: verify.Found, Link: "/hazards?state=" + string(hazard.PendingReview)}}, err
		},
		audit: web.AuditNames{Values: map[string]web.NameFunc{
			// A cited clause (ks98-d-1) reads as its standard, article and text.
			"clause": func(_ context.Context, _ string, code string) (string, bool) {
				c, ok := hazard.ClauseOf(code)
				return c.Label(), ok
			},
		}},
	}, nil
}
