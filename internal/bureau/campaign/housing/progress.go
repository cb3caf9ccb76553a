package housing

import (
	"context"
	"fmt"
	"strings"

	"yingji/internal/bureau/campaign/day"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
)

// towns returns the towns in p's scope as (code, name), in the county's
// order.
func (s *Service) towns(ctx context.Context, p *auth.Principal) ([][2]string, error) {
	list, err := s.org.ListRegions(ctx, p, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		return nil, err
	}
	out := make([][2]string, 0, len(list))
	for _, t := range list {
		out = append(out, [2]string{t.Code, t.Name})
	}
	return out, nil
}

// Progress returns a campaign's progress by town at the end of day on
// (today when empty), split urban/rural, from the daily counts. Village
// staff get their village's counts from the buildings themselves.
func (s *Service) Progress(ctx context.Context, p *auth.Principal, campaignID, on string) (Progress, error) {
	if _, err := s.Campaign(ctx, p, campaignID); err != nil {
		return Progress{}, err
	}
	if on == "" {
		on = s.Today()
	}
	if p.Role == auth.RoleTown && len(p.RegionCode) == 12 {
		return s.ProgressDirect(ctx, p, campaignID, on)
	}
	var w store.Where
	w.Add("campaign_id = ?", campaignID)
	w.Add("on_day <= ?", on)
	if p.Role == auth.RoleTown {
		w.Add("town_code = ?", p.RegionCode)
	}
	rows, err := s.db.R().QueryContext(ctx, `SELECT town_code, urban, metric, CAST(sum(n) AS BIGINT) FROM housing_daily`+w.SQL()+
		` GROUP BY town_code, urban, metric`, w.Args()...)
	if err != nil {
		return Progress{}, fmt.Errorf("housing progress: %w", err)
	}
	defer rows.Close()
	counts := map[string]map[Metric]Split{}
	for rows.Next() {
		var town, metric string
		var urban bool
		var n int64
		if err := rows.Scan(&town, &urban, &metric, &n); err != nil {
			return Progress{}, fmt.Errorf("housing progress: %w", err)
		}
		by := counts[town]
		if by == nil {
			by = map[Metric]Split{}
			counts[town] = by
		}
		sp := by[Metric(metric)]
		sp.Add(urban, n)
		by[Metric(metric)] = sp
	}
	if err := rows.Err(); err != nil {
		return Progress{}, err
	}
	towns, err := s.towns(ctx, p)
	if err != nil {
		return Progress{}, err
	}
	return newProgress(on, counts, towns), nil
}

// ProgressDirect computes the same table from the buildings' own dates
// (village scope, and the check that the daily counts are right).
func (s *Service) ProgressDirect(ctx context.Context, p *auth.Principal, campaignID, on string) (Progress, error) {
	if _, err := s.Campaign(ctx, p, campaignID); err != nil {
		return Progress{}, err
	}
	if on == "" {
		on = s.Today()
	}
	var w store.Where
	w.Add("campaign_id = ?", campaignID)
	scope(p, &w)
	d := w.Arg(on)
	cond := map[Metric]string{
		MSurveyed:      "surveyed_on <> '' AND surveyed_on <= " + d,
		MJudged:        "judged_on <> '' AND judged_on <= " + d,
		MSuspected:     "hazard = TRUE AND judged_on <> '' AND judged_on <= " + d,
		MAssessed:      "assessed_on <> '' AND assessed_on <= " + d,
		MNeedAppraisal: "need_appraisal = TRUE AND assessed_on <> '' AND assessed_on <= " + d,
		MAppraised:     "appraised_on <> '' AND appraised_on <= " + d,
		MGradeA:        "grade = 'A' AND appraised_on <> '' AND appraised_on <= " + d,
		MGradeB:        "grade = 'B' AND appraised_on <> '' AND appraised_on <= " + d,
		MGradeC:        "grade = 'C' AND appraised_on <> '' AND appraised_on <= " + d,
		MGradeD:        "grade = 'D' AND appraised_on <> '' AND appraised_on <= " + d,
		MRemediated:    "remediated_on <> '' AND remediated_on <= " + d,
		MClosed:        "closed_on <> '' AND closed_on <= " + d,
	}
	var sel []string
	for _, m := range AllMetrics {
		sel = append(sel, "count(*) FILTER (WHERE "+cond[m]+")")
	}
	rows, err := s.db.R().QueryContext(ctx, `SELECT town_code, urban, `+strings.Join(sel, ", ")+` FROM housing_building`+w.SQL()+
		` GROUP BY town_code, urban`, w.Args()...)
	if err != nil {
		return Progress{}, fmt.Errorf("housing progress: %w", err)
	}
	defer rows.Close()
	counts := map[string]map[Metric]Split{}
	for rows.Next() {
		var town string
		var urban bool
		ns := make([]int64, len(AllMetrics))
		dest := []any{&town, &urban}
		for i := range ns {
			dest = append(dest, &ns[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return Progress{}, fmt.Errorf("housing progress: %w", err)
		}
		by := counts[town]
		if by == nil {
			by = map[Metric]Split{}
			counts[town] = by
		}
		for i, m := range AllMetrics {
			sp := by[m]
			sp.Add(urban, ns[i])
			by[m] = sp
		}
	}
	if err := rows.Err(); err != nil {
		return Progress{}, err
	}
	towns, err := s.towns(ctx, p)
	if err != nil {
		return Progress{}, err
	}
	if p.Role == auth.RoleTown && len(p.RegionCode) == 12 {
		towns = [][2]string{{p.RegionCode[:9], p.RegionName}}
	}
	return newProgress(on, counts, towns), nil
}

// Warnings compares a campaign's reported figures with the records at the
// reported day. Only county-wide readers get them (a town's slice of the
// records says nothing about the county's report).
func (s *Service) Warnings(ctx context.Context, p *auth.Principal, c Campaign) ([]Warning, error) {
	if c.Reported == nil || !p.SeesWholeCounty() || !day.Valid(c.Reported.AsOf) {
		return nil, nil
	}
	pr, err := s.Progress(ctx, p, c.ID, c.Reported.AsOf)
	if err != nil {
		return nil, err
	}
	return Check(*c.Reported, pr.ByTotal), nil
}

// Totals returns the current number of buildings in scope by stage (home
// page, hub), from the facet counts.
func (s *Service) Totals(ctx context.Context, p *auth.Principal, campaignID string) (map[Stage]int64, error) {
	var w store.Where
	w.Add("campaign_id = ?", campaignID)
	scope(p, &w)
	rows, err := s.db.R().QueryContext(ctx, `SELECT stage, CAST(sum(n) AS BIGINT) FROM housing_facet`+w.SQL()+` GROUP BY stage`, w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("housing totals: %w", err)
	}
	defer rows.Close()
	out := map[Stage]int64{}
	for rows.Next() {
		var st string
		var n int64
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[Stage(st)] = n
	}
	return out, rows.Err()
}
