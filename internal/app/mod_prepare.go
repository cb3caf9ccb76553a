package app

import (
	"context"
	"io"
	"time"

	"yingji/internal/bureau/prepare"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/demo"
	"yingji/internal/kit/geo"
	"yingji/internal/kit/jobs"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/org"
	"yingji/internal/kit/web"
)

// preparedness is the preparedness service (plans, drills, teams,
// experts); set by prepareModule. The supplies module may set
// preparedness.Supplies to answer the completeness question.
func (a *App) prepareModule() (*module, error) {
	svc := prepare.New(a.DB, a.Enterprise, a.Notify, a.Now, a.Calendar)
	svc.Recipients = a.prepareRecipients
	svc.Files = a.Attach
	// Enterprise supplies come from the supplies service (its enterprise
	// stores' ledger), never from its tables.
	svc.Supplies = func(ctx context.Context, county, asOf string) (map[string]prepare.SupplyFacts, error) {
		if a.Supplies == nil {
			return nil, nil
		}
		held, err := a.Supplies.EnterpriseStocks(ctx, county, asOf)
		if err != nil {
			return nil, err
		}
		out := make(map[string]prepare.SupplyFacts, len(held))
		for id, x := range held {
			out[id] = prepare.SupplyFacts{Has: x.Quantity > 0, UpdatedOn: x.UpdatedOn}
		}
		return out, nil
	}
	a.Prepare = svc
	h := &prepare.Handlers{Svc: svc, Org: a.Org}
	a.MapLayers = append(a.MapLayers, geo.Layer{Key: "teams", Label: "prepare.layer", Points: svc.Points, Missing: svc.Missing, Filters: prepare.LayerFilters()})
	regionName := func(ctx context.Context, _ string, code string) string {
		if code == "" {
			return ""
		}
		n, err := a.Org.RegionName(ctx, code)
		if err != nil {
			return code
		}
		return n
	}
	items := []web.NavItem{
		{Key: "prep_plans", Label: "prepare.plans", Path: "/plans", Built: true},
		{Key: "prep_drills", Label: "prepare.drills", Path: "/drills", Built: true},
		{Key: "prep_teams", Label: "prepare.teams", Path: "/teams", Built: true},
		{Key: "prep_experts", Label: "prepare.experts", Path: "/experts", Built: true},
		{Key: "prep_resources", Label: "prepare.resources", Path: "/preparedness/resources", Built: true},
	}
	return &module{
		name:      "prepare",
		templates: prepare.Templates,
		locales:   prepare.Locales,
		routes: func() web.Routes {
			h.UI = a.UI
			return h.Routes()
		},
		ledgers: []*ledger.Ledger(svc.Ledgers(regionName, func(ctx context.Context, county, name string) string {
			list, err := a.Org.ListRegions(ctx, &auth.Principal{Role: auth.RoleLeader, CountyCode: county}, org.RegionFilter{})
			if err != nil {
				return ""
			}
			for _, r := range list {
				if r.Name == name || r.Code == name {
					return r.Code
				}
			}
			return ""
		})),
		bulletin: a.prepareBulletin(svc), // resource completeness by town and section (prepare_bulletin.go)
		demo: func(ctx context.Context, out io.Writer) error {
			codes, names, _ := demo.Places(a.Cfg.County)
			sys := &auth.Principal{Role: auth.RoleLeader, CountyCode: a.Cfg.County}
			villages := make([][]string, len(codes))
			for i, c := range codes {
				list, err := a.Org.ListRegions(ctx, sys, org.RegionFilter{Parent: c})
				if err != nil {
					return err
				}
				for _, v := range list {
					villages[i] = append(villages[i], v.Name)
				}
			}
			return svc.Demo(ctx, out, a.Cfg.County, prepare.DemoPlaces{TownCodes: codes, TownNames: names, Villages: villages}, a.DemoLocate)
		},
		stats:   svc.HomeStats,
		figures: svc.Figures(nil), // F-FLOOD-1's hazards are the hazard ledger's part of the figure
		audit: web.AuditNames{Codes: map[string]string{
			"prep_plan.category": "prepare.cat.", "prep_plan.state": "prepare.state.", "prep_plan.review_kind": "prepare.review.",
			"prep_plan.revision_trigger": "prepare.trigger.", "prep_team.kind": "prepare.kind.", "prep_team.level": "prepare.level.",
			"prep_team.readiness": "prepare.ready.", "prep_team.result": "prepare.result.", "prep_drill.form": "prepare.form.",
			"prep_expert.field": "prepare.field.",
		}},
		jobs:  map[string]jobs.Handler{prepare.SweepKind: func(ctx context.Context, _ *jobs.Job, _ jobs.Progress) error { _, err := svc.Sweep(ctx); return err }},
		every: map[string]time.Duration{prepare.SweepKind: 12 * time.Hour},
		nav:   []navEntry{{Area: "preparedness", Items: items}},
	}, nil
}

// prepareRecipients finds whom a preparedness reminder goes to: the
// enterprise's enabled accounts, or (no enterprise) the enabled
// administrators.
func (a *App) prepareRecipients(ctx context.Context, county, enterpriseID string) ([]string, error) {
	sys := &auth.Principal{UserID: "system", Username: "system", Role: auth.RoleAdmin, CountyCode: county}
	enabled := false
	role := auth.RoleAdmin
	if enterpriseID != "" {
		role = auth.RoleEnterprise
	}
	users, _, err := a.Auth.ListUsers(ctx, sys, auth.UserFilter{Role: role, Disabled: &enabled, Limit: 1000})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, u := range users {
		if enterpriseID == "" || u.EnterpriseID == enterpriseID {
			out = append(out, u.ID)
		}
	}
	return out, nil
}
