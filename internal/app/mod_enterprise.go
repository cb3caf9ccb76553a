package app

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/demo"
	"yingji/internal/kit/home"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
	"yingji/internal/kit/web"
)

// enterpriseModule wires the enterprise register (生产经营单位).
func (a *App) enterpriseModule() (*module, error) {
	a.Enterprise = enterprise.New(a.DB, a.Org, a.Now, func() *enterprise.Bounds { return a.CountyBounds })
	a.Enterprise.OnChangeRequest(a.announceEnterpriseChange)
	h := &enterprise.Handlers{DB: a.DB, Svc: a.Enterprise, Org: a.Org, Related: func() []enterprise.RelatedFunc { return a.EnterpriseRelated }}
	return &module{
		name: "enterprise",
		nav: []navEntry{{Area: "enterprise_area", Items: []web.NavItem{
			{Key: "enterprises", Label: "nav.enterprises", Path: "/enterprises", Built: true},
			{Key: "my_enterprise", Label: "nav.my_enterprise", Path: "/my-enterprise", Built: true},
			{Key: "enterprise_changes", Label: "nav.enterprise_changes", Path: "/enterprise-changes", Built: true},
		}}},
		templates: enterprise.Templates,
		locales:   enterprise.Locales,
		routes: func() web.Routes {
			h.UI = a.UI
			return h.Routes()
		},
		ledgers: []*ledgerT{a.Enterprise.Ledger()},
		demo: func(ctx context.Context, out io.Writer) error {
			return a.Enterprise.Demo(ctx, out, a.Cfg.County, demo.EnterpriseID, a.DemoLocate)
		},
		audit: web.AuditNames{Codes: map[string]string{"enterprise.specials": "enterprise.special."}},
		stats: func(ctx context.Context, p *auth.Principal) ([]home.Stat, error) {
			if p.Role == auth.RoleEnterprise {
				return nil, nil // its own enterprise is one: no figure to show
			}
			total, _, suspended, err := a.Enterprise.Counts(ctx, p)
			return []home.Stat{{Label: "enterprise.home_total", Value: total, Link: "/enterprises"},
				{Label: "enterprise.home_suspended", Value: suspended, Link: "/enterprises?status=suspended"}}, err
		},
		todo: func(ctx context.Context, p *auth.Principal) ([]home.Todo, error) {
			if !a.UI.Policy.Allows("POST /enterprise-changes/{id}/approve", p.Role) {
				return nil, nil
			}
			reqs, err := a.Enterprise.ChangeRequests(ctx, p, enterprise.ChangePending, "")
			n := 0
			for _, r := range reqs {
				if r.RequestedBy != p.UserID {
					n++
				}
			}
			return []home.Todo{{Label: "enterprise.todo_changes", Count: n, Link: "/enterprise-changes"}}, err
		},
	}, nil
}

// announceEnterpriseChange tells the supervising section of an enterprise
// account's change request (the leaders when the enterprise has no
// section), and the enterprise account of the decision, through the
// outbox.
func (a *App) announceEnterpriseChange(ctx context.Context, tx *store.Tx, e enterprise.Enterprise, r enterprise.ChangeRequest) error {
	var users []string
	var err error
	var title, link string
	switch r.State {
	case enterprise.ChangePending:
		if e.SectionID != "" {
			users, err = a.Auth.UserIDsWhere(ctx, e.CountyCode, "", e.SectionID, "", auth.RoleSection)
		}
		if err == nil && len(users) == 0 {
			users, err = a.Auth.UserIDsWhere(ctx, e.CountyCode, "", "", "", auth.RoleLeader)
		}
		title, link = e.Name+"申请变更关键信息，请审核", "/enterprise-changes"
	case enterprise.ChangeApproved, enterprise.ChangeRejected:
		users, err = a.Auth.UserIDsWhere(ctx, e.CountyCode, e.ID, "", "", auth.RoleEnterprise)
		title, link = "企业关键信息变更申请已批准", "/my-enterprise"
		if r.State == enterprise.ChangeRejected {
			title = "企业关键信息变更申请被退回：" + r.Reason
		}
	default:
		return nil
	}
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(r.Fields))
	for k := range r.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var body strings.Builder
	for _, k := range keys {
		from, to := r.Fields[k].From, r.Fields[k].To
		if k == "sector" {
			from, to = org.SectorLabel(from, "zh"), org.SectorLabel(to, "zh")
		}
		fmt.Fprintf(&body, "%s：%s → %s\n", enterprise.FieldLabel(k), from, to)
	}
	for _, u := range users {
		if _, err := a.Notify.Enqueue(ctx, tx, notify.Message{CountyCode: e.CountyCode, UserID: u, Topic: "enterprise.change." + r.State,
			Title: title, Body: body.String(), Link: link, Entity: "enterprise", EntityID: e.ID,
			DedupeKey: "enterprise-change:" + r.ID + ":" + r.State + ":" + u}); err != nil {
			return err
		}
	}
	return nil
}
