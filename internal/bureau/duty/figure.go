package duty

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/figure"
	"yingji/internal/kit/geo"
	"yingji/internal/kit/home"
	"yingji/internal/kit/jobs"
)

// FigureID is the seed-facts figure the duty desk computes its part of
// (共排班543人次，收到突发事件信息报告13起，均按规定做到及时、准确上报).
// The warnings published (17次) belong to the warnings module.
const FigureID = "F-DUTY-1"

// Figures are the duty desk's figures for the period report: its part
// of F-DUTY-1. The sentence is the report's ("report.text.F-DUTY-1", which
// also names the warnings part's number), so no part of the figure gives
// its own Text and the parts cannot clash; duty.figure_text is the duty
// desk's half of it, for a report without the warnings module.
func (s *Service) Figures() []figure.Figure {
	return []figure.Figure{{
		ID: FigureID, Section: "duty", Order: 10, Label: "duty.figure_label",
		Count: s.countFigure,
	}}
}

func (s *Service) countFigure(ctx context.Context, q figure.Query) (figure.Value, error) {
	p := q.P
	if p == nil || !CanRead(p) {
		return figure.Value{}, nil
	}
	from, to := q.Period.FromDay(), q.Period.ToDay()
	period := url.Values{"from": {from}, "to": {to}}
	// A town's report (a town's staff, or a report on a town) counts the
	// town's duty records: the incidents in the town and the person-shifts
	// its own staff kept on the roster. The county duty desk's shifts have
	// no town: they are the county's.
	region := q.Region
	if region == "" && p.Role == auth.RoleTown {
		region = p.RegionPrefix()
	}
	var users []string
	if region != "" {
		users = []string{}
		if s.regionPeople != nil {
			ids, err := s.regionPeople(ctx, p.CountyCode, region)
			if err != nil {
				return figure.Value{}, err
			}
			users = append(users, ids...)
		}
	}
	n, shiftIDs, err := s.personShifts(ctx, p.CountyCode, from, to, users, q.Records)
	if err != nil {
		return figure.Value{}, err
	}
	f := IncidentFilter{From: from, To: to}
	if q.Region != "" {
		f.Town = q.Region
		period.Set("town", q.Region)
	}
	ni, incIDs, err := s.CountIncidents(ctx, p, f, q.Records)
	if err != nil {
		return figure.Value{}, err
	}
	f.OnTime = "1"
	nt, okIDs, err := s.CountIncidents(ctx, p, f, q.Records)
	if err != nil {
		return figure.Value{}, err
	}
	onTime := url.Values{}
	for k, v := range period {
		onTime[k] = v
	}
	onTime.Set("on_time", "1")
	v := figure.Value{Numbers: []figure.Number{
		{Key: "shifts", Value: int64(n), Kind: "duty_assignment", Records: shiftIDs, Link: "/duty/shifts?" + url.Values{"from": {from}, "to": {to}}.Encode()},
		{Key: "incidents", Value: int64(ni), Kind: "duty_incident", Records: incIDs, Link: "/duty/incidents?" + period.Encode()},
		{Key: "incidents_on_time", Value: int64(nt), Kind: "duty_incident", Records: okIDs, Link: "/duty/incidents?" + onTime.Encode()},
	}}
	if nt != ni {
		v.Warnings = append(v.Warnings, fmt.Sprintf("%d 起突发事件未按时报告", ni-nt))
	}
	return v, nil
}

// Stats put "on duty now" on every home page: the number of people on
// duty, with their names (带班领导 first) under it.
func (s *Service) Stats(ctx context.Context, p *auth.Principal) ([]home.Stat, error) {
	sh, ok, err := s.NowOnDuty(ctx, p)
	if err != nil {
		return nil, err
	}
	link := "/duty"
	if !CanRead(p) {
		link = "/api/v1/duty/now"
	}
	if !ok {
		return []home.Stat{{Label: "duty.home_now_none", Value: 0, Link: link}}, nil
	}
	var names []string
	if l, ok := sh.Leader(); ok {
		names = append(names, "带班 "+l.Name)
	}
	for _, o := range sh.Officers() {
		names = append(names, o.Name)
	}
	return []home.Stat{{Label: "duty.home_now", Value: len(sh.Members), Link: link, Detail: strings.Join(names, "、")}}, nil
}

// Todo lists the duty work waiting for p: overdue incident reports (the
// leader on duty, the duty desk and administrators), swaps to decide and
// 批示 not yet carried out.
func (s *Service) Todo(ctx context.Context, p *auth.Principal) ([]home.Todo, error) {
	if !CanWrite(p) {
		return nil, nil
	}
	var out []home.Todo
	sh, on, err := s.NowOnDuty(ctx, p)
	if err != nil {
		return nil, err
	}
	leaderOnDuty := false
	if l, ok := sh.Leader(); on && ok && l.UserID == p.UserID {
		leaderOnDuty = true
	}
	if leaderOnDuty || p.Is(auth.RoleDuty, auth.RoleAdmin) {
		n, err := s.Overdue(ctx, p)
		if err != nil {
			return nil, err
		}
		out = append(out, home.Todo{Label: "duty.todo_overdue", Count: n, Link: "/duty/incidents?state=overdue"})
	}
	n, err := s.PendingSwapsFor(ctx, p)
	if err != nil {
		return nil, err
	}
	out = append(out, home.Todo{Label: "duty.todo_swaps", Count: n, Link: "/duty/swaps?state=pending"})
	if leaderOnDuty || p.Is(auth.RoleDuty) {
		n, err := s.OpenInstructions(ctx, p)
		if err != nil {
			return nil, err
		}
		out = append(out, home.Todo{Label: "duty.todo_instructions", Count: n, Link: "/duty/incidents?state=open"})
	}
	return out, nil
}

// SweepJob is the job handler running Sweep.
func (s *Service) SweepJob() jobs.Handler {
	return func(ctx context.Context, j *jobs.Job, prog jobs.Progress) error {
		n, err := s.Sweep(ctx)
		if err != nil {
			return err
		}
		prog.Set(1, 1, fmt.Sprintf("已提醒 %d 条逾期报告", n))
		return j.SetResult(map[string]int{"notified": n})
	}
}

// LayerKey is the map layer of incidents.
const LayerKey = "incidents"

// Layer puts the incidents in scope that have a map point on the map:
// red while a report is overdue, orange while open, grey once the 终报 is
// made. The map's town filter applies.
func (s *Service) Layer() geo.Layer {
	filter := func(q url.Values) IncidentFilter {
		return IncidentFilter{From: q.Get("from"), To: q.Get("to"), Town: q.Get("town"), Category: q.Get("incident_category")}
	}
	return geo.Layer{Key: LayerKey, Label: "duty.layer",
		Points: func(ctx context.Context, p *auth.Principal, q url.Values) ([]geo.Point, error) {
			if !CanRead(p) {
				return nil, nil
			}
			var out []geo.Point
			err := s.EachIncident(ctx, p, filter(q), func(in Incident) error {
				if in.Lat == 0 && in.Lng == 0 {
					return nil
				}
				colour := "orange"
				switch {
				case in.Overdue:
					colour = "red"
				case in.Closed:
					colour = "grey"
				}
				out = append(out, geo.Point{Lat: in.Lat, Lng: in.Lng, Name: in.Title, Kind: LayerKey, Colour: colour,
					Link: "/duty/incidents/" + in.ID, Detail: local(in.ReceivedAt) + " " + CategoryLabel(in.Category) + " " + LevelLabel(in.Level)})
				return nil
			})
			return out, err
		},
		Missing: func(ctx context.Context, p *auth.Principal, q url.Values) (int, error) {
			if !CanRead(p) {
				return 0, nil
			}
			n := 0
			err := s.EachIncident(ctx, p, filter(q), func(in Incident) error {
				if in.Lat == 0 && in.Lng == 0 {
					n++
				}
				return nil
			})
			return n, err
		},
	}
}
