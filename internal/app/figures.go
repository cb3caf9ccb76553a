package app

import (
	"context"
	"fmt"
	"slices"

	"yingji/internal/bureau/campaign/datacall"
	"yingji/internal/bureau/campaign/housing"
	"yingji/internal/bureau/campaign/special"
	"yingji/internal/bureau/facility"
	"yingji/internal/bureau/hazard"
	"yingji/internal/bureau/hazard/supervise"
	"yingji/internal/bureau/licence"
	"yingji/internal/kit/figure"
)

// hazardNumbers counts the hazards of f found in the period: found,
// general and major, with their records and ledger links.
func (a *App) hazardNumbers(ctx context.Context, q figure.Query, f hazard.Filter, keys map[string]string) ([]figure.Number, error) {
	if f.From == "" && f.To == "" {
		f.From, f.To = q.Period.FromDay(), q.Period.ToDay()
	}
	if q.Region != "" {
		f.Town = q.Region
	}
	rows, err := a.Hazard.StatsBy(ctx, q.P, f, "")
	if err != nil {
		return nil, err
	}
	var r hazard.StatRow
	if len(rows) > 0 {
		r = rows[0]
	}
	// The records behind the numbers: one read of the hazards of f.
	var ids hazard.RecordIDs
	if q.Records {
		if ids, err = a.Hazard.IDsSplit(ctx, q.P, f, f.To); err != nil {
			return nil, err
		}
	}
	var out []figure.Number
	for _, k := range []struct {
		key   string
		grade hazard.Grade
		n     int
		ids   []string
	}{{"found", "", r.Found, ids.All}, {"general", hazard.General, r.Found - r.Major, ids.General}, {"major", hazard.Major, r.Major, ids.Major},
		{"rectified", "", r.Rectified, ids.Rectified}} {
		name, ok := keys[k.key]
		if !ok {
			continue
		}
		sub := f
		if k.grade != "" {
			sub.Grade = k.grade
		}
		if k.key == "rectified" {
			sub.ClosedBy = f.To
		}
		out = append(out, figure.Number{Key: name, Value: int64(k.n), Kind: "hazard", Link: sub.Link(), Records: k.ids})
	}
	return out, nil
}

// hazardFigures are the hazard ledger's parts of the report's figures.
func (a *App) hazardFigures() []figure.Figure {
	// campaign counts the hazards of the period's campaigns whose name
	// carries one of the words (防汛, 森林 …: the county names its hazard
	// campaigns after their subject).
	campaign := func(words []string, keys map[string]string) func(ctx context.Context, q figure.Query) (figure.Value, error) {
		return func(ctx context.Context, q figure.Query) (figure.Value, error) {
			// The period's campaigns named with a word come from the
			// campaign index (grouping the period's hazards by campaign
			// read every hazard of the period from the table).
			var names []string
			for _, word := range words {
				found, err := a.Hazard.CampaignsNamed(ctx, q.P, hazard.Filter{From: q.Period.FromDay(), To: q.Period.ToDay(), Town: q.Region}, word)
				if err != nil {
					return figure.Value{}, err
				}
				for _, n := range found {
					if !slices.Contains(names, n) {
						names = append(names, n)
					}
				}
			}
			slices.Sort(names)
			var v figure.Value
			for _, name := range names {
				ns, err := a.hazardNumbers(ctx, q, hazard.Filter{Campaign: name}, keys)
				if err != nil {
					return figure.Value{}, err
				}
				v.Numbers = addNumbers(v.Numbers, ns)
			}
			if len(v.Numbers) == 0 {
				for _, k := range keys {
					v.Numbers = append(v.Numbers, figure.Number{Key: k, Kind: "hazard"})
				}
			}
			return v, nil
		}
	}
	thirdParty := func(ctx context.Context, q figure.Query) (figure.Value, error) {
		f := hazard.Filter{Sector: "mine", Source: hazard.SourceThirdParty}
		ns, err := a.hazardNumbers(ctx, q, f, map[string]string{"found": "hazards", "major": "major"})
		if err != nil {
			return figure.Value{}, err
		}
		f.From, f.To, f.Town = q.Period.FromDay(), q.Period.ToDay(), q.Region
		byEnt, err := a.Hazard.StatsBy(ctx, q.P, f, "enterprise_id")
		if err != nil {
			return figure.Value{}, err
		}
		mines := figure.Number{Key: "mines", Value: int64(len(byEnt)), Kind: "enterprise", Link: f.Link()}
		f.Grade, f.Listed = hazard.Major, true
		listed, err := a.Hazard.StatsBy(ctx, q.P, f, "")
		if err != nil {
			return figure.Value{}, err
		}
		n := figure.Number{Key: "major_listed", Kind: "hazard", Link: f.Link()}
		if len(listed) > 0 {
			n.Value = int64(listed[0].Found)
		}
		if q.Records {
			if n.Records, err = a.Hazard.IDs(ctx, q.P, f); err != nil {
				return figure.Value{}, err
			}
		}
		return figure.Value{Numbers: append(ns, mines, n)}, nil
	}
	return []figure.Figure{
		{ID: "F-MINE-3", Section: "mine", Order: 3, Text: "report.text.F-MINE-3", Count: thirdParty},
		{ID: "F-FLOOD-1", Section: "flood", Order: 1, Count: campaign([]string{"防汛"}, map[string]string{"found": "hazards"})},
		{ID: "F-FIRE-1", Section: "fire", Order: 1, Count: campaign([]string{"森林", "防火", "防灭火"}, map[string]string{"found": "fire_hazards"})},
		{ID: "F-BIG-1", Section: "big", Order: 1, Text: "report.text.F-BIG-1", Count: func(ctx context.Context, q figure.Query) (figure.Value, error) {
			return a.bigCampaign(ctx, q, false)
		}},
		{ID: "F-BIG-3", Section: "big", Order: 3, Text: "report.text.F-BIG-3", Count: func(ctx context.Context, q figure.Query) (figure.Value, error) {
			return a.bigCampaign(ctx, q, true)
		}},
	}
}

// bigWindow is a 安全生产大检查 (a hazard campaign whose name says 大检查)
// and the days of it inside the report's period: the data call that
// rolls the campaign up gives its period (1–5月), and rectification is
// counted by the end of it, as the roll-up does.
type bigWindow struct{ campaign, from, to string }

func (a *App) bigWindows(ctx context.Context, q figure.Query) ([]bigWindow, error) {
	// F-BIG-1, -2 and -3 of one report read the same windows.
	return figure.Shared(ctx, figure.SharedKey("big-windows", q), func() ([]bigWindow, error) { return a.readBigWindows(ctx, q) })
}

func (a *App) readBigWindows(ctx context.Context, q figure.Query) ([]bigWindow, error) {
	names, err := a.Hazard.CampaignsNamed(ctx, q.P, hazard.Filter{From: q.Period.FromDay(), To: q.Period.ToDay(), Town: q.Region}, "大检查")
	if err != nil {
		return nil, err
	}
	var calls []datacall.CallView
	if a.Campaign != nil {
		if calls, err = a.Campaign.Calls.Calls(ctx, q.P); err != nil {
			return nil, err
		}
	}
	var out []bigWindow
	for _, name := range names {
		w := bigWindow{campaign: name, from: q.Period.FromDay(), to: q.Period.ToDay()}
		for _, c := range calls {
			if c.Campaign == name && c.From != "" && c.To != "" && c.From <= w.to && c.To >= w.from {
				w.from, w.to = max(w.from, c.From), min(w.to, c.To)
				break
			}
		}
		out = append(out, w)
	}
	return out, nil
}

// bigCampaign counts the general hazards of the period's 安全生产大检查
// and how many were rectified by the campaign's end; selfCheck keeps the
// enterprises' own findings (企业自查).
func (a *App) bigCampaign(ctx context.Context, q figure.Query, selfCheck bool) (figure.Value, error) {
	ws, err := a.bigWindows(ctx, q)
	if err != nil {
		return figure.Value{}, err
	}
	v := figure.Value{Numbers: []figure.Number{{Key: "general", Kind: "hazard"}, {Key: "rectified", Kind: "hazard"}}}
	for _, w := range ws {
		f := hazard.Filter{Campaign: w.campaign, Grade: hazard.General, From: w.from, To: w.to}
		if selfCheck {
			f.Source = hazard.SourceSelfCheck
		}
		ns, err := a.hazardNumbers(ctx, q, f, map[string]string{"found": "general", "rectified": "rectified"})
		if err != nil {
			return figure.Value{}, err
		}
		v.Numbers = addNumbers(v.Numbers, ns)
	}
	return v, nil
}

// addNumbers adds numbers with the same key (records joined, the link
// kept only when one set is behind the sum).
func addNumbers(to, from []figure.Number) []figure.Number {
	for _, n := range from {
		i := slices.IndexFunc(to, func(o figure.Number) bool { return o.Key == n.Key })
		if i < 0 {
			to = append(to, n)
			continue
		}
		if to[i].Value != 0 || len(to[i].Records) > 0 {
			to[i].Link = ""
		} else {
			to[i].Link = n.Link
		}
		to[i].Value += n.Value
		to[i].Records = append(to[i].Records, n.Records...)
	}
	return to
}

// superviseFigures are the supervision registers' parts: 督办函 and
// 挂牌督办 with extensions.
func (a *App) superviseFigures() []figure.Figure {
	return []figure.Figure{
		{ID: "F-SUP-1", Section: "supervise", Order: 1, Text: "report.text.F-SUP-1", Count: func(ctx context.Context, q figure.Query) (figure.Value, error) {
			ls, err := a.Supervise.LetterStats(ctx, q.P, q.Period.FromDay(), q.Period.ToDay())
			if err != nil {
				return figure.Value{}, err
			}
			return figure.Value{Numbers: []figure.Number{
				{Key: "letters", Value: int64(ls.Major.Issued), Kind: "letter", Link: ls.Major.Link},
				{Key: "rectified", Value: int64(ls.Major.Rectified), Kind: "letter", Link: ls.Major.Link}}}, nil
		}},
		{ID: "F-BIG-2", Section: "big", Order: 2, Text: "report.text.F-BIG-2", Count: func(ctx context.Context, q figure.Query) (figure.Value, error) {
			ws, err := a.bigWindows(ctx, q)
			if err != nil {
				return figure.Value{}, err
			}
			var sum supervise.ListingStat
			link := ""
			for _, w := range ws {
				st, err := a.Supervise.ListingStatsBy(ctx, q.P, supervise.ListingStatFilter{From: w.from, To: w.to, Campaign: w.campaign})
				if err != nil {
					return figure.Value{}, err
				}
				sum.Major += st.Major
				sum.Listed += st.Listed
				sum.Rectified += st.Rectified
				sum.Extended += st.Extended
				link = st.Link
			}
			var nums []figure.Number
			for _, k := range []struct {
				key  string
				n    int
				sets func(f *hazard.Filter, w bigWindow)
			}{
				{"major", sum.Major, func(*hazard.Filter, bigWindow) {}},
				{"listed", sum.Listed, func(f *hazard.Filter, _ bigWindow) { f.Listed = true }},
				{"rectified", sum.Rectified, func(f *hazard.Filter, w bigWindow) { f.ClosedBy = w.to }},
				{"extended", sum.Extended, func(f *hazard.Filter, _ bigWindow) { f.Extended = true }},
			} {
				n := figure.Number{Key: k.key, Value: int64(k.n), Kind: "hazard", Link: link}
				if q.Records {
					for _, w := range ws {
						f := hazard.Filter{Campaign: w.campaign, Grade: hazard.Major, From: w.from, To: w.to, Town: q.Region}
						k.sets(&f, w)
						ids, err := a.Hazard.IDs(ctx, q.P, f)
						if err != nil {
							return figure.Value{}, err
						}
						n.Records = append(n.Records, ids...)
					}
				}
				nums = append(nums, n)
			}
			return figure.Value{Numbers: nums}, nil
		}},
	}
}

// facilityFigures are the facility register's: tailings ponds delisted
// (销号) in the period and under closure (闭库治理) at its end; open-pit
// mines whose closing started in the period.
func (a *App) facilityFigures() []figure.Figure {
	changes := func(ctx context.Context, q figure.Query, kind, status string) (figure.Number, error) {
		cs, err := a.Facility.StatusChangesBetween(ctx, q.P, q.Period.Start(), q.Period.End().Add(-1), kind, status)
		if err != nil {
			return figure.Number{}, err
		}
		n := figure.Number{Value: int64(len(cs)), Kind: "facility", Link: "/facilities?kind=" + kind}
		if q.Records {
			for _, c := range cs {
				n.Records = append(n.Records, c.FacilityID)
			}
		}
		return n, nil
	}
	return []figure.Figure{
		{ID: "F-MINE-5", Section: "mine", Order: 5, Text: "report.text.F-MINE-5", Count: func(ctx context.Context, q figure.Query) (figure.Value, error) {
			delisted, err := changes(ctx, q, facility.KindTailings, facility.StatusDelisted)
			if err != nil {
				return figure.Value{}, err
			}
			delisted.Key = "delisted"
			c, err := a.Facility.CountsAt(ctx, q.P, q.Period.End().Add(-1))
			if err != nil {
				return figure.Value{}, err
			}
			closure := figure.Number{Key: "closure", Value: int64(c.Get(facility.KindTailings, facility.StatusClosure)), Kind: "facility",
				Link: "/facilities?kind=" + facility.KindTailings + "&status=" + facility.StatusClosure}
			return figure.Value{Numbers: []figure.Number{delisted, closure}}, nil
		}},
		{ID: "F-MINE-6", Section: "mine", Order: 6, Text: "report.text.F-MINE-6", Count: func(ctx context.Context, q figure.Query) (figure.Value, error) {
			n, err := changes(ctx, q, facility.KindOpenPit, facility.StatusClosing)
			n.Key = "closing"
			return figure.Value{Numbers: []figure.Number{n}}, err
		}},
	}
}

// licenceFigures: fireworks retail licences granted; petrol-station
// applications preliminarily reviewed (初审).
func (a *App) licenceFigures() []figure.Figure {
	return []figure.Figure{{ID: "F-CHEM-2", Section: "chem", Order: 2, Text: "report.text.F-CHEM-2", Count: func(ctx context.Context, q figure.Query) (figure.Value, error) {
		to := q.Period.To.AddDate(0, 0, 1)
		dec, err := a.Licence.Decisions(ctx, q.P, q.Region, q.Period.From, to)
		if err != nil {
			return figure.Value{}, err
		}
		granted := figure.Number{Key: "fireworks_retail", Kind: "licence_application", Link: "/licence-applications?type=" + licence.TypeFireworksRetail}
		for _, d := range dec {
			if d.Type == licence.TypeFireworksRetail {
				granted.Value += int64(d.Granted)
				if q.Records {
					granted.Records = append(granted.Records, d.Grants...)
				}
			}
		}
		pc, err := a.Licence.PrelimReviewed(ctx, q.P, q.Region, q.Period.From, to)
		if err != nil {
			return figure.Value{}, err
		}
		petrol := figure.Number{Key: "petrol", Value: int64(pc.Total), Kind: "licence_application", Link: "/licence-applications?type=" + licence.TypePetrolStation}
		if q.Records {
			petrol.Records = pc.IDs
		}
		return figure.Value{Numbers: []figure.Number{granted, petrol}}, nil
	}}}
}

// specialFigures: the special campaigns of the period — over a sector of
// the register (烟花爆竹零售 coverage) and over places (隔离点).
func (a *App) specialFigures(svc *special.Service) []figure.Figure {
	pick := func(ctx context.Context, q figure.Query, match func(special.Campaign) bool) ([]special.Campaign, error) {
		all, err := svc.Campaigns(ctx, q.P)
		if err != nil {
			return nil, err
		}
		var out []special.Campaign
		for _, c := range all {
			ends := c.EndsOn
			if ends == "" {
				ends = "9999-12-31"
			}
			if c.StartsOn <= q.Period.ToDay() && ends >= q.Period.FromDay() && match(c) {
				out = append(out, c)
			}
		}
		return out, nil
	}
	return []figure.Figure{
		{ID: "F-CHEM-4", Section: "chem", Order: 4, Text: "report.text.F-CHEM-4", PerCounty: []string{"coverage"}, Count: func(ctx context.Context, q figure.Query) (figure.Value, error) {
			cs, err := pick(ctx, q, func(c special.Campaign) bool { return c.Sector == "fireworks_retail" })
			if err != nil {
				return figure.Value{}, err
			}
			var checked, inScope figure.Number
			checked.Key, inScope.Key = "checked", "retailers"
			for _, c := range cs {
				cov, err := svc.CoverageCounts(ctx, q.P, c)
				if err != nil {
					return figure.Value{}, err
				}
				checked.Value += int64(cov.Total.Any)
				inScope.Value += int64(cov.Total.InScope)
				checked.Link, inScope.Link = "/special-campaigns/"+c.ID, "/special-campaigns/"+c.ID
			}
			pct := figure.Number{Key: "coverage"}
			if inScope.Value > 0 {
				pct.Value = checked.Value * 100 / inScope.Value
			}
			return figure.Value{Numbers: []figure.Number{checked, inScope, pct}}, nil
		}},
		{ID: "F-BIG-5", Section: "big", Order: 5, Text: "report.text.F-BIG-5", PerCounty: []string{"rounds"}, Count: func(ctx context.Context, q figure.Query) (figure.Value, error) {
			cs, err := pick(ctx, q, func(c special.Campaign) bool { return c.ScopeKind == special.ScopePlaces })
			if err != nil {
				return figure.Value{}, err
			}
			sites, rounds := figure.Number{Key: "sites"}, figure.Number{Key: "rounds"}
			for _, c := range cs {
				cov, err := svc.CoverageCounts(ctx, q.P, c)
				if err != nil {
					return figure.Value{}, err
				}
				sites.Value += int64(cov.Total.InScope)
				rounds.Value = max(rounds.Value, int64(len(cov.Rounds)))
				sites.Link = "/special-campaigns/" + c.ID
			}
			return figure.Value{Numbers: []figure.Number{sites, rounds}}, nil
		}},
	}
}

// housingFigures: the self-built housing survey (自建房排查) of the
// campaigns running in the period, counted as of the period's end — or
// of the last cut-off the campaign reported inside the period (截止6月9日),
// with the reported figures checked against the records (F-HOUSE-5).
func (a *App) housingFigures(svc *housing.Service) []figure.Figure {
	type counted struct {
		pr   housing.Progress
		c    housing.Campaign
		on   string
		warn []housing.Warning
	}
	var read func(ctx context.Context, q figure.Query) ([]counted, error)
	load := func(ctx context.Context, q figure.Query) ([]counted, error) {
		// The five housing figures of one report read the same progress.
		return figure.Shared(ctx, figure.SharedKey("housing", q), func() ([]counted, error) { return read(ctx, q) })
	}
	read = func(ctx context.Context, q figure.Query) ([]counted, error) {
		all, err := svc.Campaigns(ctx, q.P)
		if err != nil {
			return nil, err
		}
		var out []counted
		for _, c := range all {
			if c.StartsOn > q.Period.ToDay() || (c.EndsOn != "" && c.EndsOn < q.Period.FromDay()) {
				continue
			}
			on := min(q.Period.ToDay(), svc.Today())
			if c.Reported != nil && q.Period.Contains(c.Reported.AsOf) {
				on = c.Reported.AsOf
			}
			pr, err := svc.Progress(ctx, q.P, c.ID, on)
			if err != nil {
				return nil, err
			}
			ws, err := svc.Warnings(ctx, q.P, c)
			if err != nil {
				return nil, err
			}
			out = append(out, counted{pr: pr, c: c, on: on, warn: ws})
		}
		return out, nil
	}
	metric := func(id string, order int, m housing.Metric, split bool) figure.Figure {
		return figure.Figure{ID: id, Section: "housing", Order: order, Text: "report.text." + id, Count: func(ctx context.Context, q figure.Query) (figure.Value, error) {
			cs, err := load(ctx, q)
			if err != nil {
				return figure.Value{}, err
			}
			var s housing.Split
			v := figure.Value{Words: map[string]string{}}
			link := ""
			for _, c := range cs {
				got := c.pr.ByTotal[m]
				s.Urban += got.Urban
				s.Rural += got.Rural
				v.Words["as_of"] = c.on
				link = "/housing/" + c.c.ID
				if m == housing.MNeedAppraisal && split {
					for _, w := range c.warn {
						v.Warnings = append(v.Warnings, fmt.Sprintf("%s: %s %s reported %d, records %d", c.c.Name, w.Metric, w.Part, w.Reported, w.Records))
					}
				}
			}
			v.Numbers = []figure.Number{{Key: "total", Value: s.Total(), Kind: "building", Link: link}}
			if split {
				v.Numbers = append(v.Numbers, figure.Number{Key: "urban", Value: s.Urban, Kind: "building", Link: link},
					figure.Number{Key: "rural", Value: s.Rural, Kind: "building", Link: link})
			}
			return v, nil
		}}
	}
	h4 := func(ctx context.Context, q figure.Query) (figure.Value, error) {
		cs, err := load(ctx, q)
		if err != nil {
			return figure.Value{}, err
		}
		v := figure.Value{Words: map[string]string{"as_of": q.Period.ToDay()}}
		var appraised, remediated int64
		link := ""
		for _, c := range cs {
			appraised += c.pr.ByTotal[housing.MAppraised].Total()
			remediated += c.pr.ByTotal[housing.MRemediated].Total()
			v.Words["as_of"] = c.on
			link = "/housing/" + c.c.ID
		}
		v.Numbers = []figure.Number{{Key: "appraised", Value: appraised, Kind: "building", Link: link}, {Key: "remediated", Value: remediated, Kind: "building", Link: link}}
		return v, nil
	}
	return []figure.Figure{
		metric("F-HOUSE-1", 1, housing.MSurveyed, true),
		metric("F-HOUSE-2", 2, housing.MSuspected, true),
		metric("F-HOUSE-3", 3, housing.MNeedAppraisal, false),
		metric("F-HOUSE-5", 5, housing.MNeedAppraisal, true),
		{ID: "F-HOUSE-4", Section: "housing", Order: 4, Text: "report.text.F-HOUSE-4", Count: h4},
	}
}
