package app

import (
	"context"
	"io"
	"math/rand/v2"
	"time"

	"yingji/internal/bureau/duty"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/dashboard"
	"yingji/internal/kit/jobs"
	"yingji/internal/kit/org"
	"yingji/internal/kit/web"
)

// dutyModule wires the duty desk (值班值守): roster, duty log and incident
// reports with their deadline sweep; "on duty now" on every home page;
// the person-shift, incident and log Excel exports; its part of F-DUTY-1.
func (a *App) dutyModule() (*module, error) {
	svc := duty.New(a.DB, a.Notify, a.Now, a.Calendar, a.dutyLeaders)
	a.Duty = svc
	if a.Accident != nil {
		svc.WithAccidents(func(ctx context.Context, p *auth.Principal, id string) error {
			_, err := a.Accident.Get(ctx, p, id)
			return err
		})
	}
	svc.WithAccounts(func(ctx context.Context, county string) ([]duty.Account, error) {
		sys := &auth.Principal{UserID: "system", Username: "system", Role: auth.RoleAdmin, CountyCode: county}
		enabled := false
		var out []duty.Account
		for offset := 0; ; offset += 1000 {
			users, total, err := a.Auth.ListUsers(ctx, sys, auth.UserFilter{Disabled: &enabled, Limit: 1000, Offset: offset})
			if err != nil {
				return nil, err
			}
			for _, u := range users {
				out = append(out, duty.Account{UserID: u.ID, Username: u.Username, Name: u.DisplayName})
			}
			if len(users) == 0 || offset+len(users) >= total {
				return out, nil
			}
		}
	})
	// A town's part of the roster: the person-shifts of its own staff.
	svc.WithRegionPeople(func(ctx context.Context, county, region string) ([]string, error) {
		return a.Auth.UserIDsWhere(ctx, county, "", "", region)
	})
	svc.WithTowns(func(ctx context.Context, county string) (map[string]string, error) {
		all, err := a.Org.ListRegions(ctx, &auth.Principal{Role: auth.RoleLeader, CountyCode: county}, org.RegionFilter{Level: org.LevelTown})
		if err != nil {
			return nil, err
		}
		names := map[string]string{}
		for _, x := range all {
			names[x.Code] = x.Name
		}
		return names, nil
	})
	a.MapLayers = append(a.MapLayers, svc.Layer())
	h := &duty.Handlers{Svc: svc, Org: a.Org,
		Users: func(ctx context.Context, username string) (string, error) {
			u, err := a.Auth.FindByUsername(ctx, username)
			if err != nil {
				return "", nil
			}
			return u.ID, nil
		},
		UsernameOf: func(ctx context.Context, id string) string {
			u, err := a.Auth.GetUser(ctx, &auth.Principal{UserID: "system", Username: "system", Role: auth.RoleAdmin, CountyCode: a.Cfg.County}, id)
			if err != nil {
				return ""
			}
			return u.Username
		},
		Issuer: func(ctx context.Context, county string) string {
			name, err := a.Org.RegionName(ctx, county)
			if err != nil || name == "" {
				return "应急管理局"
			}
			return name + "应急管理局"
		},
	}
	return &module{
		name:      "duty",
		templates: duty.Templates,
		locales:   duty.Locales,
		routes: func() web.Routes {
			h.UI = a.UI
			return h.Routes()
		},
		ledgers: svc.Ledgers(),
		demo: func(ctx context.Context, out io.Writer) error {
			var locate func(string) (float64, float64, bool)
			if a.DemoLocate != nil {
				r := rand.New(rand.NewPCG(12, 2022)) // the same points every time
				locate = func(town string) (float64, float64, bool) { return a.DemoLocate(town, r) }
			}
			return svc.Demo(ctx, out, a.Cfg.County, a.dutyDemoPeople(ctx), locate)
		},
		audit: web.AuditNames{Codes: map[string]string{
			"duty_incident.category": "duty.cat.", "duty_incident.subtype": "duty.sub.", "duty_incident.level": "duty.level.",
			"duty_incident.kind": "duty.rkind.", "duty_incident.via": "duty.via.", "duty_log.kind": "duty.kind.",
			"duty_shift.position": "duty.pos.", "duty_setting.position": "duty.pos.", "duty_swap.state": "duty.swap_state.",
		}},
		stats:   svc.Stats,
		todo:    svc.Todo,
		jobs:    map[string]jobs.Handler{duty.SweepKind: svc.SweepJob()},
		every:   map[string]time.Duration{duty.SweepKind: 5 * time.Minute},
		figures: svc.Figures(),
		panels:  []dashboard.PanelFunc{a.incidentsPanel(svc)},
		nav: []navEntry{{Area: "duty", Items: []web.NavItem{
			{Key: "duty_desk", Label: "nav.duty_desk", Path: "/duty", Built: true},
			{Key: "duty_roster", Label: "nav.duty_roster", Path: "/duty/roster", Built: true},
			{Key: "duty_log", Label: "nav.duty_log", Path: "/duty/log", Built: true},
			{Key: "duty_incidents", Label: "nav.duty_incidents", Path: "/duty/incidents", Built: true},
		}}},
	}, nil
}

// dutyLeaders are the enabled bureau leaders of a county (told of an
// overdue report when the leader on duty has no account).
func (a *App) dutyLeaders(ctx context.Context, county string) ([]string, error) {
	sys := &auth.Principal{UserID: "system", Username: "system", Role: auth.RoleAdmin, CountyCode: county}
	enabled := false
	users, _, err := a.Auth.ListUsers(ctx, sys, auth.UserFilter{Role: auth.RoleLeader, Disabled: &enabled, Limit: 1000})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, u := range users {
		out = append(out, u.ID)
	}
	return out, nil
}

// dutyDemoPeople maps the demo's duty people to their accounts: the
// leader on duty 王局长 is the demo user leader, the duty officer 周值班
// the demo user zhiban.
func (a *App) dutyDemoPeople(ctx context.Context) map[string]string {
	out := map[string]string{}
	for name, username := range map[string]string{"王局长": "leader", "周值班": "zhiban"} {
		if u, err := a.Auth.FindByUsername(ctx, username); err == nil {
			out[name] = u.ID
		}
	}
	return out
}
