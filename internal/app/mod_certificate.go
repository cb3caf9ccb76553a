package app

import (
	"context"
	"io"
	"time"

	"yingji/internal/bureau/certificate"
	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/dashboard"
	"yingji/internal/kit/demo"
	"yingji/internal/kit/home"
	"yingji/internal/kit/jobs"
	"yingji/internal/kit/web"
)

// certificateModule wires the certificate register (人员证书): the pages,
// the Excel ledger, the demo records, the home figures, the enterprise
// page's counts and the daily expiry sweep.
func (a *App) certificateModule() (*module, error) {
	svc := certificate.New(a.DB, a.Enterprise, a.Notify, a.Now, a.certificateRecipients).WithSealer(a.Sealer)
	a.Certificate = svc
	h := &certificate.Handlers{DB: a.DB, Svc: svc, Ent: a.Enterprise, Org: a.Org}
	a.EnterpriseRelated = append(a.EnterpriseRelated, func(ctx context.Context, p *auth.Principal, e enterprise.Enterprise) ([]enterprise.Related, error) {
		n, principal, open, err := svc.ForEnterprise(ctx, p, e)
		if err != nil {
			return nil, err
		}
		out := []enterprise.Related{{Label: "certificate.related", Count: n, Link: "/certificates?enterprise=" + e.ID,
			Warn: principal.Missing && certificate.InSurvey(e.Sector, e.Scale)}}
		if principal.Missing && certificate.InSurvey(e.Sector, e.Scale) {
			out = append(out, enterprise.Related{Label: "certificate.related_no_principal", Count: 1, Link: "/certificates?enterprise=" + e.ID, Warn: true})
		}
		if open != nil {
			out = append(out, enterprise.Related{Label: "certificate.related_warning_plain", Count: 1, Link: "/certificates/warnings?enterprise=" + e.ID,
				Warn: open.StateOn(svc.Today()) == certificate.WarningOverdue})
		}
		return out, nil
	})
	return &module{
		name: "certificate",
		nav: []navEntry{{Area: "enterprise_area", Before: "enterprise_changes", Items: []web.NavItem{
			{Key: "certificates", Label: "nav.certificates", Path: "/certificates", Built: true},
		}}},
		templates: certificate.Templates,
		locales:   certificate.Locales,
		routes: func() web.Routes {
			h.UI = a.UI
			return h.Routes()
		},
		ledgers: []*ledgerT{svc.Ledger()},
		demo: func(ctx context.Context, out io.Writer) error {
			issuer, err := a.Auth.PrincipalFor(ctx, "jg2")
			if err != nil {
				issuer = nil // no 监管二股 demo user: the system signs
			}
			return svc.Demo(ctx, out, a.Cfg.County, demo.EnterpriseID, issuer)
		},
		audit: web.AuditNames{Codes: map[string]string{"certificate_warning.missing": "certificate.role."}},
		// The survey of missing certificates reads every enterprise in
		// scope: kept until a certificate, warning or enterprise changes.
		homeKinds: []string{"certificate", "certificate_warning", "certificate_check", "enterprise"},
		stats: func(ctx context.Context, p *auth.Principal) ([]home.Stat, error) {
			expiring, err := svc.Count(ctx, p, certificate.Filter{Within: certificate.ExpiringDays})
			if err != nil {
				return nil, err
			}
			if p.Role == auth.RoleEnterprise {
				mine, err := svc.Count(ctx, p, certificate.Filter{})
				return []home.Stat{{Label: "certificate.home_mine", Value: mine, Link: "/certificates"},
					{Label: "certificate.home_expiring", Value: expiring, Link: "/certificates?within=90"}}, err
			}
			stats := []home.Stat{{Label: "certificate.home_expiring", Value: expiring, Link: "/certificates?within=90"}}
			if a.UI.Policy.Allows("GET /certificates/missing", p.Role) {
				n, err := svc.WithoutPrincipal(ctx, p)
				if err != nil {
					return nil, err
				}
				stats = append(stats, home.Stat{Label: "certificate.home_missing_principal", Value: n, Link: "/certificates/missing?role=principal"})
			}
			return stats, nil
		},
		panels: []dashboard.PanelFunc{a.expiringCertificatesPanel(svc)},
		jobs:   map[string]jobs.Handler{certificate.SweepKind: svc.SweepJob()},
		every:  map[string]time.Duration{certificate.SweepKind: 6 * time.Hour},
	}, nil
}

// certificateRecipients finds whom to tell about an enterprise's
// certificates: its enabled enterprise accounts, and the enabled staff of
// its supervising section.
func (a *App) certificateRecipients(ctx context.Context, county, enterpriseID, sectionID string) (entUsers, secUsers []string, err error) {
	sys := &auth.Principal{UserID: "system", Username: "system", Role: auth.RoleAdmin, CountyCode: county}
	enabled := false
	users, _, err := a.Auth.ListUsers(ctx, sys, auth.UserFilter{Role: auth.RoleEnterprise, Disabled: &enabled, Limit: 1000})
	if err != nil {
		return nil, nil, err
	}
	for _, u := range users {
		if u.EnterpriseID == enterpriseID {
			entUsers = append(entUsers, u.ID)
		}
	}
	if sectionID != "" {
		staff, _, err := a.Auth.ListUsers(ctx, sys, auth.UserFilter{Role: auth.RoleSection, UnitID: sectionID, Disabled: &enabled, Limit: 1000})
		if err != nil {
			return nil, nil, err
		}
		for _, u := range staff {
			secUsers = append(secUsers, u.ID)
		}
	}
	return entUsers, secUsers, nil
}
