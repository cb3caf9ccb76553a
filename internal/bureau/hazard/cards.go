package hazard

import (
	"fmt"
	"time"
)

// Card is a red or yellow warning card (红黄牌) on an enterprise's hazard.
type Card string

const (
	NoCard Card = ""
	Yellow Card = "yellow" // 黄牌: most of the time allowed has passed, or a self-report is missing
	Red    Card = "red"    // 红牌: overdue
)

// CardRules are a county's settings; Defaults gives the usual ones.
type CardRules struct {
	YellowShare    float64 // share of the time allowed after which a yellow card is shown (0.9)
	LetterAfter    int     // days a red card may stand before a 督办函 is proposed (7)
	RemindBefore   int     // days before the deadline to remind the enterprise (3)
	SelfReportCard bool    // a missing periodic self-report gives a yellow card
}

// DefaultCardRules are the defaults of domain.md §3 (confirm with the bureau).
func DefaultCardRules() CardRules {
	return CardRules{YellowShare: 0.9, LetterAfter: 7, RemindBefore: 3, SelfReportCard: true}
}

// CardFor returns the card a hazard awaiting rectification carries on a
// day: red when overdue, yellow when YellowShare of the time from finding
// to deadline has passed. Hazards whose rectification is reported (待复查,
// 已复查) or closed, and hazards without a deadline, carry none.
func CardFor(h Hazard, on time.Time, r CardRules) Card {
	if !h.State.AwaitsRectification() || h.Deadline.IsZero() {
		return NoCard
	}
	today := day(on)
	if today.After(h.Deadline) {
		return Red
	}
	total := h.Deadline.Sub(day(h.FoundOn))
	if total <= 0 {
		return Yellow // due the day it was found
	}
	if float64(today.Sub(day(h.FoundOn))) >= r.YellowShare*float64(total) {
		return Yellow
	}
	return NoCard
}

// LetterDue reports whether a red card that stands since redSince calls
// for a supervision letter (督办函) on a day.
func LetterDue(redSince, on time.Time, r CardRules) bool {
	return !redSince.IsZero() && day(on).Sub(day(redSince)) >= time.Duration(r.LetterAfter)*24*time.Hour
}

// RemindOn is the day to remind the enterprise of its deadline.
func RemindOn(h Hazard, r CardRules) time.Time {
	if h.Deadline.IsZero() {
		return time.Time{}
	}
	return h.Deadline.AddDate(0, 0, -r.RemindBefore)
}

// Period is a self-report period: a quarter (Q 1..4) or a year (Q 0).
type Period struct {
	Year    int
	Quarter int
}

func (p Period) String() string {
	if p.Quarter == 0 {
		return fmt.Sprintf("%d", p.Year)
	}
	return fmt.Sprintf("%dQ%d", p.Year, p.Quarter)
}

// Due is the day a period's statistics are due (16号令): before the 15th
// of the month after the quarter, and the year's by 31 January.
func (p Period) Due() time.Time {
	if p.Quarter == 0 {
		return time.Date(p.Year+1, 1, 31, 0, 0, 0, 0, shanghai)
	}
	return time.Date(p.Year, time.Month(p.Quarter*3+1), 15, 0, 0, 0, 0, shanghai)
}

// Start and End bound the period's days [Start, End).
func (p Period) Start() time.Time {
	if p.Quarter == 0 {
		return time.Date(p.Year, 1, 1, 0, 0, 0, 0, shanghai)
	}
	return time.Date(p.Year, time.Month(p.Quarter*3-2), 1, 0, 0, 0, 0, shanghai)
}

// End is the first day after the period.
func (p Period) End() time.Time {
	if p.Quarter == 0 {
		return time.Date(p.Year+1, 1, 1, 0, 0, 0, 0, shanghai)
	}
	return p.Start().AddDate(0, 3, 0)
}

// PeriodsDue lists the periods whose self-report is due on or before a
// day, from a starting year (quarters and years).
func PeriodsDue(fromYear int, on time.Time) []Period {
	var out []Period
	today := day(on)
	for y := fromYear; y <= today.Year(); y++ {
		for q := 1; q <= 4; q++ {
			p := Period{y, q}
			if !p.Due().After(today) {
				out = append(out, p)
			}
		}
		if p := (Period{y, 0}); !p.Due().After(today) {
			out = append(out, p)
		}
	}
	return out
}
