package app

import (
	"context"
	"fmt"
	"io"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/bureau/hazard"
	"yingji/internal/bureau/hazard/supervise"
	"yingji/internal/bureau/report"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/home"
	"yingji/internal/kit/jobs"
	"yingji/internal/kit/web"
)

// cardSweepJob is the periodic deadline sweep of the hazard cards.
const cardSweepJob = "hazard_card_sweep"

// superviseModule wires the escalation of the hazard loop: red and
// yellow cards with their deadline sweep, supervision letters (督办函),
// listed supervision (挂牌督办) and extension requests. It needs the
// hazard module (a.Hazard), wired before it.
func (a *App) superviseModule() (*module, error) {
	svc := supervise.New(supervise.Config{DB: a.DB, Hazard: a.Hazard, Enterprise: a.Enterprise, Org: a.Org, Notify: a.Notify, People: a.Auth,
		SelfReports: a.Hazard, Now: a.Now, CountyName: a.Cfg.CountyName, Log: a.Log})
	a.Supervise = svc
	// The bureau's clocks of the hazard loop (挂牌督办, 复查): the periods
	// of the supervision settings in the county's working-day calendar.
	a.Hazard.WithClocks(func(ctx context.Context, county string) (hazard.Clocks, error) {
		cal, err := a.Calendar(ctx, county)
		if err != nil {
			return hazard.Clocks{}, err
		}
		return svc.Clocks(ctx, county, cal)
	})
	a.Enterprise.OnRename(svc.RenameEnterpriseTx)
	h := &supervise.Handlers{DB: a.DB, Svc: svc, Org: a.Org, Ent: a.Enterprise}
	a.EnterpriseRelated = append(a.EnterpriseRelated, func(ctx context.Context, p *auth.Principal, e enterprise.Enterprise) ([]enterprise.Related, error) {
		_, n, err := svc.Cards(ctx, p, supervise.CardFilter{Enterprise: e.ID, Limit: 1})
		if err != nil || n == 0 {
			return nil, err
		}
		return []enterprise.Related{{Label: "supervise.cards", Count: n, Link: "/cards?enterprise=" + e.ID, Warn: true}}, nil
	})
	return &module{
		bulletin: []report.BulletinPart{a.cardBulletin},
		figures:  a.superviseFigures(),
		name:     "supervise",
		nav: []navEntry{{Area: "hazard_area", Before: "self_reports", Items: []web.NavItem{
			{Key: "cards", Label: "nav.cards", Path: "/cards", Built: true},
			{Key: "supervision", Label: "nav.supervision", Path: "/supervision", Built: true},
		}}, {Area: "hazard_area", Items: []web.NavItem{
			{Key: "card_settings", Label: "nav.card_settings", Path: "/settings/cards", Built: true},
		}}},
		templates: supervise.Templates,
		locales:   supervise.Locales,
		routes: func() web.Routes {
			h.UI = a.UI
			return h.Routes()
		},
		ledgers: svc.Ledgers(),
		demo: func(ctx context.Context, out io.Writer) error {
			var who supervise.DemoPeople
			for name, p := range map[string]**auth.Principal{"jg1": &who.Section1, "jg2": &who.Section2, "zhifa": &who.Enforcer, "leader": &who.Leader} {
				if x, err := a.Auth.PrincipalFor(ctx, name); err == nil {
					*p = x
				}
			}
			return svc.Demo(ctx, out, a.Cfg.County, who)
		},
		stats: func(ctx context.Context, p *auth.Principal) ([]home.Stat, error) {
			red, yellow, err := svc.CardCounts(ctx, p)
			if err != nil {
				return nil, err
			}
			out := []home.Stat{{Label: "supervise.home_red", Value: red, Link: "/cards?card=red", Tone: home.ToneAlert},
				{Label: "supervise.home_yellow", Value: yellow, Link: "/cards?card=yellow"}}
			if p.Is(supervise.Deciders...) {
				props, err := svc.Proposals(ctx, p)
				if err != nil {
					return nil, err
				}
				out = append(out, home.Stat{Label: "supervise.home_proposals", Value: len(props), Link: "/supervision?tab=proposals"})
				// 待审批延期: the extension requests this user may decide.
				pending, err := svc.PendingExtensionsFor(ctx, p)
				if err != nil {
					return nil, err
				}
				out = append(out, home.Stat{Label: "supervise.home_extensions", Value: len(pending), Link: "/supervision?tab=extensions&todo=1"})
			}
			return out, nil
		},
		todo: func(ctx context.Context, p *auth.Principal) ([]home.Todo, error) {
			if !p.Is(supervise.Deciders...) {
				return nil, nil
			}
			// 延期申请 waiting for this user's decision: in scope, never the
			// user's own, a listed hazard's only for the listing body.
			pending, err := svc.PendingExtensionsFor(ctx, p)
			n := len(pending)
			return []home.Todo{{Label: "supervise.todo_extensions", Count: n, Link: "/supervision?tab=extensions&todo=1"}}, err
		},
		audit: web.AuditNames{Codes: map[string]string{
			"extension_request.state": "supervise.state.", "listing.state": "supervise.state.", "supervision_letter.state": "supervise.state.",
			"listing.level": "supervise.level.",
		}},
		jobs: map[string]jobs.Handler{cardSweepJob: func(ctx context.Context, j *jobs.Job, pr jobs.Progress) error {
			// Each run is bounded (Config.SweepBudget, its batches
			// committed one by one); the job runs them one after the
			// other until the backlog is done, showing what is left.
			var total supervise.SweepResult
			for run := 1; ; run++ {
				r, err := svc.Sweep(ctx, a.Now())
				if err != nil {
					return err
				}
				total.Add(r)
				total.Done, total.Left = r.Done, r.Left
				checked := int64(total.Checked)
				if r.Done || pr.Cancelled() || run >= 1000 {
					pr.Set(checked, checked+int64(r.Left), "")
					break
				}
				pr.Set(checked, checked+int64(r.Left), fmt.Sprintf("第 %d 轮：已评定 %d 条隐患，还剩 %d 条（Run %d: %d hazards assessed, %d left）",
					run, checked, r.Left, run, checked, r.Left))
			}
			return j.SetResult(total)
		}},
		every: map[string]time.Duration{cardSweepJob: 15 * time.Minute},
	}, nil
}
