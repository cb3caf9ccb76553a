package prepare

import (
	"context"
	"fmt"
	"net/url"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/figure"
	"yingji/internal/kit/geo"
	"yingji/internal/kit/store"
)

// HazardsFunc returns the hazards of the flood campaign found in a period
// in p's scope (IDs), asked of the hazard module; nil: the figure has no
// hazards number.
type HazardsFunc func(ctx context.Context, p *auth.Principal, from, to string) ([]string, error)

// ids runs a query returning one column of IDs.
func (s *Service) ids(ctx context.Context, q string, args ...any) ([]string, error) {
	return store.QueryAll(ctx, s.db.R(), store.ScanString, q, args...)
}

func number(key, kind string, list []string, records bool, link string) figure.Number {
	n := figure.Number{Key: key, Value: int64(len(list)), Kind: kind, Link: link}
	if records {
		n.Records = list
	}
	return n
}

// regionScope narrows rows to the figure query's region (town code) and
// section (the rows of the section's enterprises, read through the
// enterprise service).
func (s *Service) regionScope(ctx context.Context, q figure.Query, w *store.Where) error {
	if q.Region != "" {
		w.Add("region_code LIKE ?", q.Region+"%")
	}
	if q.Section != "" {
		var list []string
		err := s.ent.Each(ctx, q.P, enterprise.Filter{Section: q.Section}, func(e enterprise.Enterprise) error {
			list = append(list, e.ID)
			return nil
		})
		if err != nil {
			return err
		}
		w.In("enterprise_id", list)
	}
	return nil
}

// Figures are the report's figures computed from this module's records.
func (s *Service) Figures(hazards HazardsFunc) []figure.Figure {
	return []figure.Figure{
		{ID: "F-PLAN-1", Section: "preparedness", Order: 10, Label: "prepare.fig.plan1", Text: "prepare.fig.plan1_text", Count: s.figPlan1},
		// F-FLOOD-1's sentence is the report's (it writes 80余 from 83 and
		// joins the hazard ledger's count).
		{ID: "F-FLOOD-1", Section: "flood", Order: 10, Label: "prepare.fig.flood1",
			Count: func(ctx context.Context, q figure.Query) (figure.Value, error) { return s.figFlood1(ctx, q, hazards) }},
		{ID: "F-FLOOD-2", Section: "flood", Order: 20, Label: "prepare.fig.flood2", Text: "prepare.fig.flood2_text", Count: s.figFlood2},
		{ID: "F-FLOOD-3", Section: "flood", Order: 30, Label: "prepare.fig.flood3", Text: "prepare.fig.flood3_text", Count: s.figFlood3},
		{ID: "F-RES-1", Section: "preparedness", Order: 20, Label: "prepare.fig.res1", Text: "prepare.fig.res1_text", Count: s.figRes1},
		{ID: "F-RES-2", Section: "preparedness", Order: 30, Label: "prepare.fig.res2", Text: "prepare.fig.res2_text", PerCounty: []string{"rollcall_month", "rollcall_day"}, Count: s.figRes2},
	}
}

// F-PLAN-1: county plans (总体, 专项, 部门) drafted or revised, reviewed by
// experts and passed by a deliberation (县政府常务会议) in the period.
func (s *Service) figPlan1(ctx context.Context, q figure.Query) (figure.Value, error) {
	var w store.Where
	scope(q.P, &w)
	if err := s.regionScope(ctx, q, &w); err != nil {
		return figure.Value{}, err
	}
	w.Add("category IN (?, ?, ?)", CatOverall, CatSpecial, CatDepartment)
	inner := w.SQL()
	from, to := q.Period.FromDay(), q.Period.ToDay()
	a1, a2 := w.Arg(from), w.Arg(to)
	list, err := s.ids(ctx, `SELECT DISTINCT d.plan_id FROM prep_plan_step d WHERE d.step = 'deliberation' AND d.on_date >= `+a1+` AND d.on_date <= `+a2+`
		AND EXISTS (SELECT 1 FROM prep_plan_step r WHERE r.plan_id = d.plan_id AND r.version = d.version AND r.step = 'review')
		AND d.plan_id IN (SELECT id FROM prep_plan`+inner+`) ORDER BY d.plan_id`, w.Args()...)
	if err != nil {
		return figure.Value{}, fmt.Errorf("F-PLAN-1: %w", err)
	}
	link := "/plans?county=1&deliberated=" + url.QueryEscape(from+".."+to)
	return figure.Value{Numbers: []figure.Number{number("plans", "prep_plan", list, q.Records, link)}}, nil
}

// F-FLOOD-1: flood plans (防汛抗旱) drafted or revised in the period, and
// the hazards of the flood campaign (from the hazard module).
func (s *Service) figFlood1(ctx context.Context, q figure.Query, hazards HazardsFunc) (figure.Value, error) {
	var w store.Where
	scope(q.P, &w)
	if err := s.regionScope(ctx, q, &w); err != nil {
		return figure.Value{}, err
	}
	w.Add("flood = ?", true)
	inner := w.SQL()
	from, to := q.Period.FromDay(), q.Period.ToDay()
	a1, a2 := w.Arg(from), w.Arg(to)
	list, err := s.ids(ctx, `SELECT DISTINCT plan_id FROM prep_plan_step WHERE step IN ('draft', 'revising') AND on_date >= `+a1+` AND on_date <= `+a2+`
		AND plan_id IN (SELECT id FROM prep_plan`+inner+`) ORDER BY plan_id`, w.Args()...)
	if err != nil {
		return figure.Value{}, fmt.Errorf("F-FLOOD-1: %w", err)
	}
	v := figure.Value{Numbers: []figure.Number{number("plans", "prep_plan", list, q.Records,
		"/plans?flood=1&drafted_from="+from+"&drafted_to="+to)}}
	if hazards != nil {
		h, err := hazards(ctx, q.P, from, to)
		if err != nil {
			return v, fmt.Errorf("F-FLOOD-1 hazards: %w", err)
		}
		v.Numbers = append(v.Numbers, number("hazards", "hazard", h, q.Records, ""))
	}
	return v, nil
}

// teamsOf returns the teams of a kind (and level) standing at the end of
// the period, with their total headcount.
func (s *Service) teamsOf(ctx context.Context, q figure.Query, kind, level string) ([]string, int64, error) {
	var w store.Where
	scope(q.P, &w)
	if err := s.regionScope(ctx, q, &w); err != nil {
		return nil, 0, err
	}
	w.Add("kind = ? AND established_on <= ?", kind, q.Period.ToDay())
	if level != "" {
		w.Add("level = ?", level)
	}
	rows, err := s.db.R().QueryContext(ctx, `SELECT id, headcount FROM prep_team`+w.SQL()+` ORDER BY id`, w.Args()...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var list []string
	var sum int64
	for rows.Next() {
		var id string
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, 0, err
		}
		list, sum = append(list, id), sum+n
	}
	return list, sum, rows.Err()
}

// F-FLOOD-2: 巡堤查险 teams, town and county 防汛抢险 teams and their people.
func (s *Service) figFlood2(ctx context.Context, q figure.Query) (figure.Value, error) {
	var v figure.Value
	to := q.Period.ToDay()
	for _, g := range []struct{ key, kind, level string }{{"patrol", KindDykePatrol, ""}, {"town", KindFloodRescue, "town"}, {"county", KindFloodRescue, "county"}} {
		list, people, err := s.teamsOf(ctx, q, g.kind, g.level)
		if err != nil {
			return v, fmt.Errorf("F-FLOOD-2: %w", err)
		}
		link := "/teams?kind=" + g.kind + "&until=" + to
		if g.level != "" {
			link += "&level=" + g.level
		}
		n := number(g.key+"_teams", "prep_team", list, q.Records, link)
		p := figure.Number{Key: g.key + "_people", Value: people, Kind: "prep_team", Link: link}
		if q.Records {
			p.Records = list
		}
		v.Numbers = append(v.Numbers, n, p)
	}
	return v, nil
}

// F-FLOOD-3: county–town joint drills (县镇联动) in the period.
func (s *Service) figFlood3(ctx context.Context, q figure.Query) (figure.Value, error) {
	var w store.Where
	scope(q.P, &w)
	if err := s.regionScope(ctx, q, &w); err != nil {
		return figure.Value{}, err
	}
	w.Add("form = ? AND drill_on >= ? AND drill_on <= ?", "county_town", q.Period.FromDay(), q.Period.ToDay())
	list, err := s.ids(ctx, `SELECT id FROM prep_drill`+w.SQL()+` ORDER BY id`, w.Args()...)
	if err != nil {
		return figure.Value{}, fmt.Errorf("F-FLOOD-3: %w", err)
	}
	return figure.Value{Numbers: []figure.Number{number("drills", "prep_drill", list, q.Records,
		"/drills?form=county_town&from="+q.Period.FromDay()+"&to="+q.Period.ToDay())}}, nil
}

// F-RES-1: 督促 reminders sent to enterprises about their resources
// (家次), and rescue teams that updated their supplies in the period.
func (s *Service) figRes1(ctx context.Context, q figure.Query) (figure.Value, error) {
	from, to := q.Period.FromDay(), q.Period.ToDay()
	var w store.Where
	w.Add("county_code = ?", q.P.CountyCode)
	w.Add("kind = 'resources' AND sent_on >= ? AND sent_on <= ?", from, to)
	if q.P.Role == auth.RoleEnterprise || q.P.Role == auth.RoleTown || q.P.Role == auth.RoleSection || q.Section != "" {
		c, args := enterprise.ScopeSQL(q.P, "enterprise_id")
		w.Add(c, args...)
	}
	rem, err := s.ids(ctx, `SELECT id FROM prep_reminder`+w.SQL()+` ORDER BY id`, w.Args()...)
	if err != nil {
		return figure.Value{}, fmt.Errorf("F-RES-1: %w", err)
	}
	var tw store.Where
	scope(q.P, &tw)
	if err := s.regionScope(ctx, q, &tw); err != nil {
		return figure.Value{}, err
	}
	tw.Add("supplies_updated_on >= ? AND supplies_updated_on <= ?", from, to)
	teams, err := s.ids(ctx, `SELECT id FROM prep_team`+tw.SQL()+` ORDER BY id`, tw.Args()...)
	if err != nil {
		return figure.Value{}, fmt.Errorf("F-RES-1: %w", err)
	}
	return figure.Value{Numbers: []figure.Number{
		number("reminders", "prep_reminder", rem, q.Records, "/preparedness/reminders?from="+from+"&to="+to),
		number("teams_updated", "prep_team", teams, q.Records, "/teams?supplies_from="+from+"&supplies_to="+to),
	}}, nil
}

// F-RES-2: rescue teams (综合, 专业) formed in the period and passed at a
// roll call (点验) in the period: how many, their people, and the day of
// the latest roll call.
func (s *Service) figRes2(ctx context.Context, q figure.Query) (figure.Value, error) {
	from, to := q.Period.FromDay(), q.Period.ToDay()
	var w store.Where
	scope(q.P, &w)
	if err := s.regionScope(ctx, q, &w); err != nil {
		return figure.Value{}, err
	}
	w.Add("kind IN (?, ?) AND established_on >= ? AND established_on <= ?", KindComprehensive, KindProfessional, from, to)
	a1, a2 := w.Arg(from), w.Arg(to)
	rows, err := s.db.R().QueryContext(ctx, `SELECT t.id, t.headcount, (SELECT MAX(r.on_date) FROM prep_rollcall r WHERE r.team_id = t.id AND r.result = 'pass'
		AND r.on_date >= `+a1+` AND r.on_date <= `+a2+`) FROM prep_team t`+w.SQL()+` ORDER BY t.id`, w.Args()...)
	if err != nil {
		return figure.Value{}, fmt.Errorf("F-RES-2: %w", err)
	}
	defer rows.Close()
	var list []string
	var people int64
	last := ""
	for rows.Next() {
		var id string
		var n int64
		var rc *string
		if err := rows.Scan(&id, &n, &rc); err != nil {
			return figure.Value{}, err
		}
		if rc == nil || *rc == "" {
			continue
		}
		list, people = append(list, id), people+n
		if *rc > last {
			last = *rc
		}
	}
	if err := rows.Err(); err != nil {
		return figure.Value{}, err
	}
	link := "/teams?kind=" + KindComprehensive + "," + KindProfessional + "&established_from=" + from + "&until=" + to +
		"&rollcall_from=" + from + "&rollcall_to=" + to
	v := figure.Value{Numbers: []figure.Number{number("teams", "prep_team", list, q.Records, link),
		{Key: "people", Value: people, Kind: "prep_team", Link: link}}}
	if q.Records {
		v.Numbers[1].Records = list
	}
	var month, day int64
	if len(last) == 10 {
		fmt.Sscanf(last[5:7], "%d", &month)
		fmt.Sscanf(last[8:10], "%d", &day)
	}
	v.Numbers = append(v.Numbers, figure.Number{Key: "rollcall_month", Value: month}, figure.Number{Key: "rollcall_day", Value: day})
	return v, nil
}

// Points are the map layer: rescue teams and patrolled dyke sections with
// coordinates, in p's scope; the map's kind filter (team_kind) narrows
// them.
func (s *Service) Points(ctx context.Context, p *auth.Principal, q url.Values) ([]geo.Point, error) {
	list, err := s.AllTeams(ctx, p, layerFilter(q))
	if err != nil {
		return nil, err
	}
	out := []geo.Point{}
	for _, t := range list {
		if t.Lat == nil || t.Lng == nil {
			continue
		}
		colour, detail := "blue", TeamKinds.ZH(t.Kind)+"队伍 · "+fmt.Sprint(t.Headcount)+"人"
		if t.Kind == KindDykePatrol {
			colour, detail = "orange", "巡堤查险 · "+t.DykeSection+" · 第"+fmt.Sprint(t.PatrolLine)+"线 · "+fmt.Sprint(t.Headcount)+"人"
		}
		out = append(out, geo.Point{Lat: *t.Lat, Lng: *t.Lng, Name: t.Name, Kind: "teams", Colour: colour, Link: "/teams/" + t.ID, Detail: detail})
	}
	return out, nil
}

// layerFilter is the teams' map filter: the map's search and town, and
// the layer's own selects (team_kind, team_level).
func layerFilter(q url.Values) TeamFilter {
	return TeamFilter{Q: q.Get("q"), Kind: q.Get("team_kind"), Level: q.Get("team_level"), Town: q.Get("town")}
}

// Missing counts the teams the map filter selects that have no
// coordinates (the map says how many it cannot show).
func (s *Service) Missing(ctx context.Context, p *auth.Principal, q url.Values) (int, error) {
	list, err := s.AllTeams(ctx, p, layerFilter(q))
	n := 0
	for _, t := range list {
		if t.Lat == nil || t.Lng == nil {
			n++
		}
	}
	return n, err
}

// LayerFilters are the teams layer's selects above the county map: team
// type (巡堤查险 shows the patrolled dyke sections) and level.
func LayerFilters() []geo.Filter {
	kind := geo.Filter{Name: "team_kind", All: "prepare.all_kinds"}
	for _, k := range TeamKinds {
		kind.Choices = append(kind.Choices, geo.Choice{Value: k.Value, MsgID: "prepare.kind." + k.Value})
	}
	level := geo.Filter{Name: "team_level", All: "prepare.all_levels"}
	for _, l := range Levels {
		level.Choices = append(level.Choices, geo.Choice{Value: l.Value, MsgID: "prepare.level." + l.Value})
	}
	return []geo.Filter{kind, level}
}
