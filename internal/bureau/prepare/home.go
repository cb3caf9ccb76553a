package prepare

import (
	"context"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/home"
)

// HomeStats are the preparedness figures on the home page of those who
// work on it (administrators, leaders, section and town staff, enterprise
// accounts — each in scope): plans awaiting 备案 (red when one is past its
// limit), plans whose 3-year assessment is due, drills with follow-up
// tasks still open and teams not roll-called (点验) this year; each links
// to the list filtered the same way.
func (s *Service) HomeStats(ctx context.Context, p *auth.Principal) ([]home.Stat, error) {
	if !p.Is(auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleTown, auth.RoleEnterprise) {
		return nil, nil
	}
	count := func(f PlanFilter) (int, error) {
		f.Limit = 1
		_, n, err := s.ListPlans(ctx, p, f)
		return n, err
	}
	toFile, err := count(PlanFilter{State: StatePublished})
	if err != nil {
		return nil, err
	}
	overdue, err := count(PlanFilter{Overdue: true})
	if err != nil {
		return nil, err
	}
	assess, err := count(PlanFilter{AssessDue: true})
	if err != nil {
		return nil, err
	}
	_, openTasks, err := s.ListDrills(ctx, p, DrillFilter{OpenTasks: true, Limit: 1})
	if err != nil {
		return nil, err
	}
	year := s.Today()[:4]
	_, noRollCall, err := s.ListTeams(ctx, p, TeamFilter{NoRollCall: year, Limit: 1})
	if err != nil {
		return nil, err
	}
	out := []home.Stat{{Label: "prepare.home_to_file", Value: toFile, Link: "/plans?state=" + StatePublished}}
	if overdue > 0 {
		out = append(out, home.Stat{Label: "prepare.home_filing_overdue", Value: overdue, Link: "/plans?overdue=1", Tone: home.ToneAlert})
	}
	out = append(out,
		home.Stat{Label: "prepare.home_assess_due", Value: assess, Link: "/plans?assess_due=1"},
		home.Stat{Label: "prepare.home_open_tasks", Value: openTasks, Link: "/drills?open_tasks=1"},
		home.Stat{Label: "prepare.home_no_rollcall", Value: noRollCall, Link: "/teams?no_rollcall=" + year})
	return out, nil
}
