package app

import (
	"context"
	"io"
	"time"

	"yingji/internal/bureau/campaign"
	"yingji/internal/bureau/campaign/datacall"
	"yingji/internal/bureau/campaign/housing"
	"yingji/internal/bureau/campaign/special"
	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/home"
	"yingji/internal/kit/jobs"
	"yingji/internal/kit/web"
)

// datacallRemindJob is the periodic job that reminds units missing a data
// call around its deadline.
const datacallRemindJob = "datacall_remind"

// campaignModule wires the campaigns at scale (专项排查与填报): the
// self-built housing survey with its buildings ledger, data calls to
// departments and towns (pre-filled from the hazard records) and special
// campaigns with their checks and coverage.
func (a *App) campaignModule() (*module, error) {
	svc := &campaign.Service{
		Housing: housing.New(a.DB, a.Org, a.Attach, a.Sealer, a.Now),
		Special: special.New(a.DB, a.Org, a.Enterprise, a.Now),
	}
	if a.Hazard != nil {
		svc.Special.WithHazards(hazardStats{a.Hazard})
	}
	var prefill datacall.Prefiller
	if a.Hazard != nil {
		prefill = campaign.HazardPrefill(hazardStats{a.Hazard}, a.Org, string(hazard.SourceSelfCheck))
	}
	svc.Calls = datacall.New(datacall.Config{DB: a.DB, Org: a.Org, Notify: a.Notify, Now: a.Now, Recipients: a.unitUsers, Prefill: prefill})
	a.Campaign = svc
	h := &campaign.Handlers{DB: a.DB, Org: a.Org, Attach: a.Attach, Svc: svc}
	if a.Hazard != nil {
		h.HazardCount = func(ctx context.Context, p *auth.Principal, name string) (int, int, error) {
			c, err := a.Hazard.Counts(ctx, p, hazard.Filter{Campaign: name})
			return c.Found, c.Open, err
		}
	}
	return &module{
		figures: append(a.specialFigures(svc.Special), a.housingFigures(svc.Housing)...),
		name:    "campaign",
		nav: []navEntry{{Area: "campaign_area", Items: []web.NavItem{
			{Key: "buildings", Label: "nav.housing", Path: "/housing", Built: true},
			{Key: "datacalls", Label: "nav.datacalls", Path: "/datacalls", Built: true},
			{Key: "special_campaigns", Label: "nav.special_campaigns", Path: "/special-campaigns", Built: true},
		}}},
		templates: campaign.Templates,
		locales:   campaign.Locales,
		routes: func() web.Routes {
			h.UI = a.UI
			return h.Routes()
		},
		ledgers: []*ledgerT{svc.Housing.Ledger()},
		demo: func(ctx context.Context, out io.Writer) error {
			if err := svc.Housing.Demo(ctx, out, a.Cfg.County); err != nil {
				return err
			}
			issuer, err := a.Auth.PrincipalFor(ctx, "leader")
			if err != nil {
				issuer = nil // no demo leader: the system issues
			}
			if err := svc.Calls.Demo(ctx, out, a.Cfg.County, issuer); err != nil {
				return err
			}
			return svc.Special.Demo(ctx, out, a.Cfg.County)
		},
		stats: func(ctx context.Context, p *auth.Principal) ([]home.Stat, error) {
			var out []home.Stat
			if p.Role == auth.RoleEnterprise {
				return nil, nil
			}
			camps, err := svc.Housing.Campaigns(ctx, p)
			if err != nil || len(camps) == 0 {
				return out, err
			}
			tot, err := svc.Housing.Totals(ctx, p, camps[0].ID)
			if err != nil {
				return out, err
			}
			var n int64
			for _, v := range tot {
				n += v
			}
			open, err := svc.Housing.TodoCount(ctx, p, camps[0].ID)
			if err != nil {
				return out, err
			}
			return append(out, home.Stat{Label: "housing.home_surveyed", Value: int(n), Link: "/housing/" + camps[0].ID},
				home.Stat{Label: "housing.home_open", Value: int(open), Link: "/housing/" + camps[0].ID + "/buildings?stage=" + string(housing.Todo)}), nil
		},
		audit: web.AuditNames{Codes: map[string]string{"special_campaign.scope_kind": "special.scope_"}},
		todo: func(ctx context.Context, p *auth.Principal) ([]home.Todo, error) {
			// 填报: data calls addressed to the user's unit not yet submitted.
			calls, err := svc.Calls.Calls(ctx, p)
			pending := 0
			for _, c := range calls {
				if c.Mine != nil && c.Mine.State != datacall.Submitted {
					pending++
				}
			}
			return []home.Todo{{Label: "datacall.todo_fill", Count: pending, Link: "/datacalls"}}, err
		},
		jobs: map[string]jobs.Handler{datacallRemindJob: func(ctx context.Context, j *jobs.Job, pr jobs.Progress) error {
			n, err := svc.Calls.Sweep(ctx)
			if err != nil {
				return err
			}
			pr.Set(1, 1, "")
			return j.SetResult(map[string]int{"reminded": n})
		}},
		every: map[string]time.Duration{datacallRemindJob: 6 * time.Hour},
	}, nil
}

// unitUsers are the enabled users of a unit (data-call reminders).
func (a *App) unitUsers(ctx context.Context, county, unitID string) ([]string, error) {
	sys := &auth.Principal{UserID: "system", Username: "system", Role: auth.RoleAdmin, CountyCode: county}
	enabled := false
	users, _, err := a.Auth.ListUsers(ctx, sys, auth.UserFilter{UnitID: unitID, Disabled: &enabled, Limit: 1000})
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(users))
	for _, u := range users {
		out = append(out, u.ID)
	}
	return out, nil
}

// hazardStats gives the data-call pre-fill the hazard statistics.
type hazardStats struct{ svc *hazard.Service }

func (h hazardStats) Figures(ctx context.Context, p *auth.Principal, q campaign.HazardQuery) (campaign.HazardFigures, error) {
	f := hazard.Filter{Campaign: q.Campaign, From: q.From, To: q.To, Unit: q.Unit, Town: q.Town, Source: hazard.Source(q.Source)}
	var out campaign.HazardFigures
	rows, err := h.svc.StatsBy(ctx, p, f, "")
	if err != nil {
		return out, err
	}
	for _, r := range rows {
		out.Found += r.Found
		out.Rectified += r.Rectified
		out.Major += r.Major
		out.MajorDone += r.MajorDone
	}
	f.Listed = true
	listed, err := h.svc.StatsBy(ctx, p, f, "")
	if err != nil {
		return out, err
	}
	for _, r := range listed {
		out.Listed += r.Found
	}
	f.Listed, f.Extended = false, true
	extended, err := h.svc.StatsBy(ctx, p, f, "")
	if err != nil {
		return out, err
	}
	for _, r := range extended {
		out.MajorExtended += r.Major
	}
	return out, nil
}

// CampaignHazardsByTown counts a hazard campaign's hazards in p's scope by
// town: the ledger's records filtered by the campaign (a special
// campaign's findings).
func (h hazardStats) CampaignHazardsByTown(ctx context.Context, p *auth.Principal, campaign string) (map[string]int, error) {
	rows, err := h.svc.StatsBy(ctx, p, hazard.Filter{Campaign: campaign}, "town_code")
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Key] += r.Found
	}
	return out, nil
}
