package app

import (
	"context"
	"io"
	"time"
	"yingji/internal/kit/web"

	"yingji/internal/bureau/licence"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/home"
	"yingji/internal/kit/jobs"
	"yingji/internal/kit/org"
)

// licenceJob is the periodic sweep that warns about expiring licences.
const licenceJob = "licence_expiry"

// licenceModule wires administrative licensing (行政许可): applications,
// the licence register, expiry warnings.
func (a *App) licenceModule() (*module, error) {
	svc := licence.New(licence.Config{DB: a.DB, Enterprise: a.Enterprise, Notify: a.Notify, Now: a.Now, CountyName: a.Cfg.CountyName,
		Recipients: a.licenceRecipients})
	a.Licence = svc
	h := &licence.Handlers{DB: a.DB, Svc: svc, Org: a.Org, Ent: a.Enterprise}
	a.EnterpriseRelated = append(a.EnterpriseRelated, svc.Related)
	regionNames := func(ctx context.Context, p *auth.Principal) (map[string]string, error) {
		towns, err := a.Org.ListRegions(ctx, p, org.RegionFilter{Level: org.LevelTown})
		names := map[string]string{}
		for _, t := range towns {
			names[t.Code] = t.Name
		}
		return names, err
	}
	return &module{
		figures: a.licenceFigures(),
		name:    "licence",
		nav: []navEntry{{Area: "enterprise_area", Before: "enterprise_changes", Items: []web.NavItem{
			{Key: "licences", Label: "nav.licences", Path: "/licences", Built: true},
		}}},
		templates: licence.Templates,
		locales:   licence.Locales,
		routes: func() web.Routes {
			h.UI = a.UI
			return h.Routes()
		},
		ledgers: []*ledgerT{svc.LicenceLedger(regionNames), svc.ApplicationLedger()},
		demo: func(ctx context.Context, out io.Writer) error {
			var who licence.DemoPeople
			if p, err := a.Auth.PrincipalFor(ctx, "jg1"); err == nil {
				who.Section = p
			}
			if p, err := a.Auth.PrincipalFor(ctx, "leader"); err == nil {
				who.Leader = p
			}
			return svc.Demo(ctx, out, a.Cfg.County, who)
		},
		stats: func(ctx context.Context, p *auth.Principal) ([]home.Stat, error) {
			open, expiring, err := svc.HomeCounts(ctx, p)
			return []home.Stat{{Label: "licence.home_open", Value: open, Link: "/licence-applications?open=1"},
				{Label: "licence.home_expiring", Value: expiring, Link: "/licences?status=expiring"}}, err
		},
		jobs: map[string]jobs.Handler{licenceJob: func(ctx context.Context, j *jobs.Job, pr jobs.Progress) error {
			n, err := svc.SweepExpiry(ctx, a.Now())
			if err != nil {
				return err
			}
			pr.Set(1, 1, "")
			return j.SetResult(map[string]int{"notified": n})
		}},
		every: map[string]time.Duration{licenceJob: 6 * time.Hour},
	}, nil
}

// licenceRecipients are the users warned about an enterprise's licence:
// the supervising section's staff and the enterprise's own accounts, or
// the county's administrators when there is nobody there.
func (a *App) licenceRecipients(ctx context.Context, county, sectionID, enterpriseID string) ([]string, error) {
	all := &auth.Principal{UserID: "system", Role: auth.RoleAdmin, CountyCode: county}
	active := false
	var out []string
	if sectionID != "" {
		users, _, err := a.Auth.ListUsers(ctx, all, auth.UserFilter{UnitID: sectionID, Role: auth.RoleSection, Disabled: &active, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			out = append(out, u.ID)
		}
	}
	users, _, err := a.Auth.ListUsers(ctx, all, auth.UserFilter{Role: auth.RoleEnterprise, Disabled: &active, Limit: 1000})
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		if u.EnterpriseID == enterpriseID {
			out = append(out, u.ID)
		}
	}
	if len(out) == 0 {
		admins, _, err := a.Auth.ListUsers(ctx, all, auth.UserFilter{Role: auth.RoleAdmin, Disabled: &active, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, u := range admins {
			out = append(out, u.ID)
		}
	}
	return out, nil
}
