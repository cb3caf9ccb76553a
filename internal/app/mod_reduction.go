package app

import (
	"context"
	"io"
	"net/url"

	"yingji/internal/bureau/reduction"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/calendar"
	"yingji/internal/kit/geo"
	"yingji/internal/kit/home"
	"yingji/internal/kit/web"
)

// reductionModule wires disaster reduction (防灾减灾): disaster reports,
// information officers, demonstration communities, 防火码 checkpoints,
// trainings and publicity, under the relief area of the navigation.
func (a *App) reductionModule() (*module, error) {
	svc := reduction.New(a.DB, a.Org, a.Hazard, a.Now)
	h := &reduction.Handlers{Svc: svc, Org: a.Org}
	a.MapLayers = append(a.MapLayers, a.checkpointLayer(svc))
	return &module{
		name:      "reduction",
		templates: reduction.Templates,
		locales:   reduction.Locales,
		routes: func() web.Routes {
			h.UI = a.UI
			return h.Routes()
		},
		ledgers: svc.Ledgers(),
		demo: func(ctx context.Context, out io.Writer) error {
			return svc.Demo(ctx, out, a.Cfg.County)
		},
		stats: func(ctx context.Context, p *auth.Principal) ([]home.Stat, error) {
			if !p.Is(reduction.Readers...) {
				return nil, nil
			}
			missing, err := svc.Coverage(ctx, p, true)
			if err != nil {
				return nil, err
			}
			return []home.Stat{{Label: "reduction.home_villages_without", Value: len(missing), Link: "/reduction/officers/coverage?missing=1"}}, nil
		},
		todo: func(ctx context.Context, p *auth.Principal) ([]home.Todo, error) {
			n, event, err := svc.OverdueTowns(ctx, p)
			link := "/reduction/events"
			if event != "" {
				link += "/" + event
			}
			return []home.Todo{{Label: "reduction.todo_overdue_reports", Count: n, Link: link}}, err
		},
		audit: web.AuditNames{Codes: map[string]string{
			"reduction_event.hazard_kind": "reduction.hazard.", "reduction_report.kind": "reduction.kind.",
			"reduction_officer.role": "reduction.role.", "reduction_community.stage": "reduction.stage.",
			"reduction_training.audience": "reduction.audience.", "reduction_publicity.kind": "reduction.pkind.",
			"reduction_publicity.campaign": "reduction.campaign.",
		}},
		figures: svc.Figures(),
		nav: []navEntry{{Area: "relief", Items: []web.NavItem{
			{Key: "reduction-events", Label: "reduction.nav.events", Path: "/reduction/events", Built: true},
			{Key: "reduction-officers", Label: "reduction.nav.officers", Path: "/reduction/officers", Built: true},
			{Key: "reduction-communities", Label: "reduction.nav.communities", Path: "/reduction/communities", Built: true},
			{Key: "reduction-checkpoints", Label: "reduction.nav.checkpoints", Path: "/reduction/checkpoints", Built: true},
			{Key: "reduction-trainings", Label: "reduction.nav.trainings", Path: "/reduction/trainings", Built: true},
			{Key: "reduction-publicity", Label: "reduction.nav.publicity", Path: "/reduction/publicity", Built: true},
		}}},
	}, nil
}

// checkpointLayer puts the 防火码 checkpoints (卡口) in scope that have
// coordinates on the map: green while active today, grey outside their
// active period; the map's "checkpoint" select keeps the active or the
// inactive ones (town: the town select). Enterprise accounts get none.
func (a *App) checkpointLayer(svc *reduction.Service) geo.Layer {
	list := func(ctx context.Context, p *auth.Principal, q url.Values) ([]reduction.Checkpoint, string, error) {
		if !p.Is(reduction.Readers...) {
			return nil, "", nil
		}
		today := calendar.Today(a.Now()).Format(calendar.DateLayout)
		all, _, err := svc.ListCheckpoints(ctx, p, reduction.Filter{Town: q.Get("town"), Limit: -1})
		if err != nil {
			return nil, "", err
		}
		want := q.Get("checkpoint")
		var out []reduction.Checkpoint
		for _, c := range all {
			if (want == "active" && !c.ActiveOn(today)) || (want == "inactive" && c.ActiveOn(today)) {
				continue
			}
			out = append(out, c)
		}
		return out, today, nil
	}
	return geo.Layer{
		Key:   "checkpoints",
		Label: "reduction.layer",
		Points: func(ctx context.Context, p *auth.Principal, q url.Values) ([]geo.Point, error) {
			cs, today, err := list(ctx, p, q)
			if err != nil {
				return nil, err
			}
			towns, err := a.townNames(ctx, p)
			if err != nil {
				return nil, err
			}
			lang := web.Lang(ctx)
			out := []geo.Point{}
			for _, c := range cs {
				if c.Lat == 0 && c.Lng == 0 {
					continue
				}
				colour, state := "grey", a.UI.I18n.T(lang, "reduction.checkpoint_inactive", nil)
				if c.ActiveOn(today) {
					colour, state = "green", a.UI.I18n.T(lang, "reduction.checkpoint_active", nil)
				}
				period := c.ActiveFrom + " – " + c.ActiveTo
				if c.ActiveTo == "" {
					period = c.ActiveFrom + " –"
				}
				detail := state + " · " + period
				if t := towns[c.TownCode]; t != "" {
					detail += " · " + t
				}
				if c.Place != "" && c.Place != towns[c.TownCode] {
					detail += " · " + c.Place
				}
				out = append(out, geo.Point{Lat: c.Lat, Lng: c.Lng, Name: c.Name, Kind: "checkpoints", Colour: colour, Link: "/reduction/checkpoints/" + c.ID, Detail: detail})
			}
			return out, nil
		},
		Missing: func(ctx context.Context, p *auth.Principal, q url.Values) (int, error) {
			cs, _, err := list(ctx, p, q)
			n := 0
			for _, c := range cs {
				if c.Lat == 0 && c.Lng == 0 {
					n++
				}
			}
			return n, err
		},
	}
}
