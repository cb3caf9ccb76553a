package app

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/bureau/warning"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/dashboard"
	"yingji/internal/kit/figure"
	"yingji/internal/kit/home"
	"yingji/internal/kit/jobs"
	"yingji/internal/kit/org"
	"yingji/internal/kit/web"
)

// WarningRemindKind is the periodic job reminding the units that have
// not acknowledged a warning (催签) and escalating them.
const WarningRemindKind = "warning_remind"

// warningModule wires the warnings desk (预警信息): pages, API, Atom feed,
// signed 签收 links, the Excel register, the demo warnings, the figure
// warning.published (F-DUTY-1's warnings) and the reminder sweep.
func (a *App) warningModule() (*module, error) {
	svc := warning.New(a.DB, a.Notify, a.Now, a.warningUnits, a.warningTowns, warning.Config{})
	a.Warning = svc
	h := &warning.Handlers{Svc: svc, Org: a.Org, Notify: a.Notify, County: a.Cfg.County}
	return &module{
		name:      "warning",
		templates: warning.Templates,
		locales:   warning.Locales,
		routes: func() web.Routes {
			h.UI = a.UI
			return h.Routes()
		},
		ledgers: []*ledgerT{svc.Ledger()},
		demo: func(ctx context.Context, out io.Writer) error {
			author, err := a.Auth.PrincipalFor(ctx, "zhiban")
			if err != nil {
				author = nil
			}
			approver, err := a.Auth.PrincipalFor(ctx, "leader")
			if err != nil {
				approver = nil
			}
			return svc.Demo(ctx, out, author, approver)
		},
		figures: []figure.Figure{svc.Figure()},
		panels:  []dashboard.PanelFunc{a.warningsPanel(svc)},
		stats: func(ctx context.Context, p *auth.Principal) ([]home.Stat, error) {
			active, _, err := svc.Count(ctx, p, warning.Filter{Active: true}, false)
			if err != nil {
				return nil, err
			}
			stats := []home.Stat{{Label: "warning.home_active", Value: active, Link: "/warnings?active=1"}}
			if p.Is(auth.RoleTown, auth.RoleDepartment, auth.RoleEnterprise) {
				mine, _, err := svc.Count(ctx, p, warning.Filter{Active: true, MineOpen: true}, false)
				if err != nil {
					return nil, err
				}
				stats = append(stats, home.Stat{Label: "warning.home_to_ack", Value: mine, Link: "/warnings?active=1&mine=1", Tone: toneIf(mine > 0)})
			}
			if warning.Staff(p) {
				open, _, err := svc.Count(ctx, p, warning.Filter{Active: true, Open: true}, false)
				if err != nil {
					return nil, err
				}
				stats = append(stats, home.Stat{Label: "warning.home_unacked", Value: open, Link: "/warnings?active=1&open=1", Tone: toneIf(open > 0)})
			}
			return stats, nil
		},
		audit: web.AuditNames{Codes: map[string]string{"warning.msg_type": "warning.msg.", "warning_recipient.acked_via": "warning.via."}},
		jobs:  map[string]jobs.Handler{WarningRemindKind: a.warningRemindJob(svc)},
		every: map[string]time.Duration{WarningRemindKind: 15 * time.Minute},
		nav: []navEntry{{Area: "warnings", Items: []web.NavItem{
			{Key: "warnings", Label: "nav.warnings_list", Path: "/warnings"},
		}}},
	}, nil
}

func toneIf(alert bool) string {
	if alert {
		return home.ToneAlert
	}
	return ""
}

func (a *App) warningRemindJob(svc *warning.Service) jobs.Handler {
	return func(ctx context.Context, j *jobs.Job, prog jobs.Progress) error {
		reminded, escalated, err := svc.Remind(ctx, a.warningUnits)
		if err != nil {
			return err
		}
		prog.Set(1, 1, fmt.Sprintf("已催签 %d 个单位，上报 %d 个", reminded, escalated))
		return j.SetResult(map[string]int{"reminded": reminded, "escalated": escalated})
	}
}

// warningTowns lists the county's towns (code → name) through the org
// service.
func (a *App) warningTowns(ctx context.Context, county string) (map[string]string, error) {
	regions, err := a.Org.ListRegions(ctx, &auth.Principal{Role: auth.RoleLeader, CountyCode: county}, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(regions))
	for _, r := range regions {
		out[r.Code] = r.Name
	}
	return out, nil
}

// warningUnits finds the units a warning goes to, through the auth, org
// and enterprise services: the town governments of its towns (with their
// town accounts), the member departments when asked (with their
// department accounts), and the enterprises of the chosen sectors in its
// towns (with their enterprise accounts).
func (a *App) warningUnits(ctx context.Context, county string, w warning.Warning) ([]warning.Unit, error) {
	sys := &auth.Principal{UserID: "system", Username: "system", Role: auth.RoleAdmin, CountyCode: county}
	enabled := false
	users := func(role auth.Role) ([]auth.User, error) {
		var all []auth.User
		for off := 0; ; off += 1000 {
			list, _, err := a.Auth.ListUsers(ctx, sys, auth.UserFilter{Role: role, Disabled: &enabled, Limit: 1000, Offset: off})
			if err != nil {
				return nil, err
			}
			all = append(all, list...)
			if len(list) < 1000 {
				return all, nil
			}
		}
	}
	units, err := a.Org.ListUnits(ctx, sys, org.UnitFilter{})
	if err != nil {
		return nil, err
	}
	towns, err := a.warningTowns(ctx, county)
	if err != nil {
		return nil, err
	}
	townUsers, err := users(auth.RoleTown)
	if err != nil {
		return nil, err
	}
	var out []warning.Unit
	for _, code := range w.Towns {
		u := warning.Unit{Kind: warning.RecipientTown, Ref: code, Name: towns[code]}
		for _, un := range units {
			if un.Kind == org.UnitTown && un.RegionCode == code && !un.Disabled {
				u.Name = un.Name
			}
		}
		// The town's staff and its villages' staff (村级信息员 accounts
		// with a 12-digit code under the town) are told.
		for _, x := range townUsers {
			if strings.HasPrefix(x.RegionCode, code) {
				u.UserIDs = append(u.UserIDs, x.ID)
			}
		}
		out = append(out, u)
	}
	if w.Departments {
		deptUsers, err := users(auth.RoleDepartment)
		if err != nil {
			return nil, err
		}
		for _, un := range units {
			if un.Kind != org.UnitDepartment || un.Disabled {
				continue
			}
			u := warning.Unit{Kind: warning.RecipientDepartment, Ref: un.ID, Name: un.Name}
			for _, x := range deptUsers {
				if x.UnitID == un.ID {
					u.UserIDs = append(u.UserIDs, x.ID)
				}
			}
			out = append(out, u)
		}
	}
	if len(w.Sectors) > 0 && a.Enterprise != nil {
		entUsers, err := users(auth.RoleEnterprise)
		if err != nil {
			return nil, err
		}
		byEnt := map[string][]string{}
		for _, x := range entUsers {
			byEnt[x.EnterpriseID] = append(byEnt[x.EnterpriseID], x.ID)
		}
		for _, code := range w.Towns {
			err := a.Enterprise.Each(ctx, sys, enterprise.Filter{Town: code}, func(e enterprise.Enterprise) error {
				if w.Sectors[0] != warning.AllSectors && !slices.Contains(w.Sectors, e.Sector) {
					return nil
				}
				out = append(out, warning.Unit{Kind: warning.RecipientEnterprise, Ref: e.ID, Name: e.Name, UserIDs: byEnt[e.ID]})
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}
