package app

import (
	"context"
	"strings"
	"time"

	"yingji/internal/kit/jobs"

	"yingji/internal/bureau/report"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/figure"
	"yingji/internal/kit/org"
	"yingji/internal/kit/web"
)

// reportModule wires the period report: every module's figures for a
// period and a scope, written as the report's sentences, with exports and
// the figures API.
func (a *App) reportModule() (*module, error) {
	h := &report.Handlers{Build: a.Report, Today: func() string { return a.Now().In(web.Shanghai).Format("2006-01-02") },
		Drafts: &report.Drafts{DB: a.DB, Now: a.Now}, Issuer: a.Cfg.CountyName + "应急管理局",
		Scopes: a.reportScopes, CheckScope: a.checkReportScope}
	bulletins := a.bulletins()
	bh := &report.BulletinHandlers{Svc: bulletins, Issuer: a.Cfg.CountyName + "应急管理局", LastMonth: a.lastMonth}
	return &module{
		name:      "report",
		templates: report.Templates,
		locales:   report.Locales,
		routes: func() web.Routes {
			// Called twice (policy, then registration): gather afresh.
			h.UI, bh.UI = a.UI, a.UI
			bulletins.Parts = nil
			for _, m := range a.mods {
				bulletins.Parts = append(bulletins.Parts, m.bulletin...)
			}
			return append(h.Routes(), bh.Routes()...)
		},
		jobs:  map[string]jobs.Handler{bulletinKind: a.bulletinJob(bulletins)},
		every: map[string]time.Duration{bulletinKind: 6 * time.Hour},
		nav: []navEntry{{Area: "reports", Items: []web.NavItem{{Key: "reports", Label: "nav.report", Path: "/reports", Built: true},
			{Key: "bulletins", Label: "nav.bulletins", Path: "/bulletins", Built: true}}}},
	}, nil
}

// Report writes the period report for p: every registered figure for the
// query's period and region, in lang.
func (a *App) Report(ctx context.Context, p *auth.Principal, q figure.Query, lang string) (report.Report, error) {
	q.P = p
	if q.Region != "" {
		// A region outside p's scope is not a scope: the figures would be
		// empty (or, for a figure that forgot the scope, another town's).
		if err := a.checkReportScope(ctx, p, q.Region); err != nil {
			return report.Report{}, err
		}
		// Not every figure follows q.Region (the housing survey, the
		// facilities, the supervision letters and the special campaigns
		// count within the principal's scope): a county-wide reader's
		// report on a town is the report the town's staff see. Section
		// staff keep their own principal: their sectors must not widen.
		if p.Is(auth.RoleAdmin, auth.RoleLeader, auth.RoleEnforcer, auth.RoleDuty, auth.RoleReadOnly) {
			view := &auth.Principal{UserID: p.UserID, Username: p.Username, DisplayName: p.DisplayName, Role: auth.RoleTown,
				CountyCode: p.CountyCode, RegionCode: q.Region}
			// The town government's unit: what is addressed to the town
			// (data calls, warnings) is the town's too.
			units, err := a.Org.ListUnits(ctx, p, org.UnitFilter{Kind: org.UnitTown})
			if err != nil {
				return report.Report{}, err
			}
			for _, u := range units {
				if u.RegionCode != "" && strings.HasPrefix(q.Region, u.RegionCode) {
					view.UnitID = u.ID
				}
			}
			q.P = view
		}
	}
	return report.Build(ctx, a.Figures, q, a.UI.I18n.T, lang)
}

// reportScopes are the scopes p may choose for the period report: the
// whole county ("") and its towns for the county's staff; a town's (or
// village's) staff only their own region.
func (a *App) reportScopes(ctx context.Context, p *auth.Principal) ([]report.Scope, error) {
	if p.Role == auth.RoleTown && p.RegionCode != "" {
		name, err := a.Org.RegionName(ctx, p.RegionCode)
		if err != nil {
			return nil, err
		}
		return []report.Scope{{Code: p.RegionCode, Name: name}}, nil
	}
	towns, err := a.Org.ListRegions(ctx, p, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		return nil, err
	}
	out := []report.Scope{{Code: "", Name: a.Cfg.CountyName}}
	for _, t := range towns {
		out = append(out, report.Scope{Code: t.Code, Name: t.Name})
	}
	return out, nil
}

// checkReportScope refuses a region that is not one of p's county's
// regions inside p's scope (a town or village; the county is "").
func (a *App) checkReportScope(ctx context.Context, p *auth.Principal, region string) error {
	bad := errs.Field("region", "report.bad_scope", map[string]any{"Code": region})
	if !p.InRegion(region) || len(region) <= len(p.CountyCode) {
		return bad
	}
	level, err := a.Org.RegionLevel(ctx, region)
	if errs.KindOf(err) == errs.NotFound || (err == nil && level != org.LevelTown && level != org.LevelVillage) {
		return bad
	}
	return err
}
