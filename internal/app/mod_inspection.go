package app

import (
	"strings"

	"context"
	"io"
	"net/url"
	"strconv"
	"yingji/internal/bureau/enforcement"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/bureau/inspection"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/calendar"
	"yingji/internal/kit/home"
	"yingji/internal/kit/web"
)

// inspectionModule wires supervision (监管执法, first half): the annual
// enforcement plans, the inspector register, the 双随机 draws and the
// inspections with their checklists, offline queue, Excel registers,
// figures, home progress and demo records.
func (a *App) inspectionModule() (*module, error) {
	users := func(ctx context.Context, county string) ([]auth.User, error) {
		sys := &auth.Principal{UserID: "system", Username: "system", Role: auth.RoleAdmin, CountyCode: county}
		list, _, err := a.Auth.ListUsers(ctx, sys, auth.UserFilter{Limit: 5000})
		return list, err
	}
	svc := inspection.New(a.DB, a.Enterprise, a.Hazard, a.Attach, a.Org, a.Now, a.Calendar, users)
	a.Inspection = svc
	h := &inspection.Handlers{Svc: svc, Ent: a.Enterprise, Org: a.Org}
	// The enterprise page counts its inspections (家次).
	a.EnterpriseRelated = append(a.EnterpriseRelated, func(ctx context.Context, p *auth.Principal, e enterprise.Enterprise) ([]enterprise.Related, error) {
		if !p.Is(append(inspection.Staff, auth.RoleEnterprise)...) {
			return nil, nil
		}
		n, _, err := svc.Count(ctx, p, inspection.Filter{Enterprise: e.ID}, false)
		return []enterprise.Related{{Label: "inspection.related", Count: n, Link: "/inspections?enterprise=" + e.ID}}, err
	})
	ledgers := svc.Ledgers()
	out := make([]*ledgerT, len(ledgers))
	copy(out, ledgers)
	return &module{
		name:      "inspection",
		templates: inspection.Templates,
		locales:   inspection.Locales,
		routes: func() web.Routes {
			h.UI = a.UI
			// An inspection of an enterprise links to its 现场检查记录 in the
			// enforcement documents register, with the hazards it raised
			// (known once a.UI holds the whole policy: the second call).
			if a.UI == nil {
				return h.Routes()
			}
			if _, ok := a.UI.Policy["GET /enforcement/documents/new"]; ok {
				h.DocumentLink = func(x inspection.Inspection) string {
					if x.EnterpriseID == "" {
						return ""
					}
					var hz []string
					for _, it := range x.Items {
						if it.HazardID != "" {
							hz = append(hz, it.HazardID)
						}
					}
					for _, f := range x.Findings {
						if f.HazardID != "" {
							hz = append(hz, f.HazardID)
						}
					}
					q := url.Values{"inspection": {x.ID}, "kind": {enforcement.KindInspectionRecord}, "enterprise": {x.EnterpriseID}}
					if len(hz) > 0 {
						q.Set("hazards", strings.Join(hz, ","))
					}
					return "/enforcement/documents/new?" + q.Encode()
				}
			}
			return h.Routes()
		},
		ledgers: out,
		figures: svc.Figures(),
		demo: func(ctx context.Context, w io.Writer) error {
			return svc.Demo(ctx, w, a.Cfg.County)
		},
		stats: func(ctx context.Context, p *auth.Principal) ([]home.Stat, error) {
			if !p.Is(inspection.Staff...) {
				return nil, nil
			}
			year := calendar.Today(a.Now()).Year()
			pr, err := svc.YearProgress(ctx, p, year)
			if err != nil || pr.Planned == 0 {
				return nil, err
			}
			link := "/inspection-plans?year=" + strconv.Itoa(year)
			return []home.Stat{{Label: "inspection.home_planned", Value: pr.Planned, Link: link},
				{Label: "inspection.home_done", Value: pr.Done, Link: link, Tone: home.ToneDone},
				{Label: "inspection.home_percent", Value: pr.Percent, Link: link}}, nil
		},
		nav: []navEntry{{Area: "enforcement", Items: []web.NavItem{
			{Key: "inspection-plans", Label: "inspection.nav.plans", Path: "/inspection-plans", Built: true},
			{Key: "inspection-draws", Label: "inspection.nav.draws", Path: "/inspection-draws", Built: true},
			{Key: "inspections", Label: "inspection.nav.inspections", Path: "/inspections", Built: true},
			{Key: "inspectors", Label: "inspection.nav.inspectors", Path: "/inspectors", Built: true},
		}}},
	}, nil
}
