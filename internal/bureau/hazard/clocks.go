package hazard

import (
	"context"
	"fmt"
	"sort"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/calendar"
)

// Clocks are a county's time limits of the bureau's own steps of the loop,
// in working days (工作日, the licence module's calendar of weekends,
// public holidays and make-up days). They are the department's clocks:
// they never change the enterprise's card.
type Clocks struct {
	// ListWithin: a major hazard is listed for supervision (挂牌督办)
	// within this many working days of its grading (定级). No national
	// period exists (domain.md §1.3: the procedure is set locally; Qingdao
	// publishes an order within 5 working days): the default is 10.
	ListWithin int
	// VerifyWithin: the rectification is verified (复查) within this many
	// working days of the enterprise's report that it is done (domain.md
	// §1.3 Hubei: acceptance within 10 days of the review request; §1.4:
	// re-inspection within 10 days, 72号). The default is 10.
	VerifyWithin int
	Calendar     calendar.Calendar
}

// DefaultClocks are the clocks of a county that set none.
func DefaultClocks() Clocks {
	return Clocks{ListWithin: 10, VerifyWithin: 10, Calendar: calendar.New(nil, nil)}
}

// WithClocks sets where a county's clocks come from (the supervision
// settings and the county's working-day calendar).
func (s *Service) WithClocks(fn func(ctx context.Context, county string) (Clocks, error)) *Service {
	s.clocks = fn
	return s
}

func (s *Service) clocksOf(ctx context.Context, county string) (Clocks, error) {
	if s.clocks == nil {
		return DefaultClocks(), nil
	}
	c, err := s.clocks(ctx, county)
	if err != nil {
		return c, err
	}
	def := DefaultClocks()
	if c.ListWithin <= 0 {
		c.ListWithin = def.ListWithin
	}
	if c.VerifyWithin <= 0 {
		c.VerifyWithin = def.VerifyWithin
	}
	return c, nil
}

// Late is a hazard whose step by the bureau is past its clock.
type Late struct {
	R     Record `json:"hazard"`
	Since string `json:"since"` // the day the clock started (graded / rectification reported)
	Due   string `json:"due"`   // the last day of the limit
	Days  int    `json:"days"`  // working days past Due
}

// LateDue is the last day of a limit of n working days from a day, and
// how many working days today is past it (0 when not late).
func LateDue(cal calendar.Calendar, from string, n int, today string) (string, int) {
	due := cal.AddWorkingDays(mustDate(from), n)
	t := mustDate(today)
	if !t.After(due) {
		return Date(due), 0
	}
	return Date(due), max(cal.WorkingDaysBetween(due, t), 1)
}

// LateListings are the open major hazards in scope, matching f, not listed
// for supervision (挂牌督办) within the county's period after their grading,
// on f.Today (today when empty), the longest late first.
func (s *Service) LateListings(ctx context.Context, p *auth.Principal, f Filter) ([]Late, error) {
	f.Grade, f.OpenOnly, f.Overdue, f.Listed = Major, true, false, false
	w := f.Where(p)
	w.Add("listed = ?", false)
	return s.late(ctx, p, f, w.SQL(), w.Args(),
		`(SELECT min(e.on_day) FROM hazard_event e WHERE e.hazard_id = hazard.id AND e.action = 'grade')`,
		func(c Clocks) int { return c.ListWithin })
}

// LateReviews are the hazards in scope, matching f, whose rectification
// was reported and not verified (复查) within the county's period, on
// f.Today: the department's clock, shown on its board; the enterprise's
// card does not change (its rectification was reported).
func (s *Service) LateReviews(ctx context.Context, p *auth.Principal, f Filter) ([]Late, error) {
	f.State, f.Overdue = PendingReview, false
	w := f.Where(p)
	return s.late(ctx, p, f, w.SQL(), w.Args(), "rectified_on", func(c Clocks) int { return c.VerifyWithin })
}

func (s *Service) late(ctx context.Context, p *auth.Principal, f Filter, where string, args []any, sinceSQL string, limit func(Clocks) int) ([]Late, error) {
	today := f.Today
	if today == "" {
		today = s.Today()
	}
	c, err := s.clocksOf(ctx, p.CountyCode)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.R().QueryContext(ctx, `SELECT `+Cols+`, COALESCE(`+sinceSQL+`, '') FROM hazard`+where+` ORDER BY found_on, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("late hazards: %w", err)
	}
	defer rows.Close()
	var out []Late
	for rows.Next() {
		var since string
		r, err := Scan(scanPlus{rows, &since})
		if err != nil {
			return nil, fmt.Errorf("late hazards: %w", err)
		}
		if since == "" {
			continue
		}
		if due, days := LateDue(c.Calendar, since, limit(c), today); days > 0 {
			out = append(out, Late{R: r, Since: since, Due: due, Days: days})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Days > out[j].Days })
	return out, nil
}

// scanPlus scans the Cols of a row and one more column.
type scanPlus struct {
	row  interface{ Scan(...any) error }
	more *string
}

func (x scanPlus) Scan(dest ...any) error { return x.row.Scan(append(dest, x.more)...) }
