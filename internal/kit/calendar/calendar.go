// Package calendar holds the county's calendar: dates as the bureau
// writes them (YYYY-MM-DD, also 2022/3/1 and 2022年3月1日), today's date
// in China Standard Time, and working days (工作日) with the State
// Council's public holidays and make-up working days, so that every
// statutory limit counted in working days uses one calendar.
package calendar

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DateLayout is how calendar dates are written and stored.
const DateLayout = "2006-01-02"

// shanghai is the zone calendar dates are taken in.
var shanghai = time.FixedZone("CST", 8*3600)

// ParseDay parses a calendar date 'YYYY-MM-DD' (also 2022/3/1 and
// 2022年3月1日) to midnight UTC of that date.
func ParseDay(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	s = strings.NewReplacer("年", "-", "月", "-", "日", "", "/", "-", ".", "-").Replace(s)
	parts := strings.Split(s, "-")
	if len(parts) != 3 {
		return time.Time{}, fmt.Errorf("not a date: %q", s)
	}
	y, e1 := strconv.Atoi(parts[0])
	m, e2 := strconv.Atoi(parts[1])
	d, e3 := strconv.Atoi(parts[2])
	if e1 != nil || e2 != nil || e3 != nil || y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, fmt.Errorf("not a date: %q", s)
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return time.Time{}, fmt.Errorf("no such day: %q", s)
	}
	return t, nil
}

// NormalizeDay returns a date typed in any accepted form as YYYY-MM-DD.
func NormalizeDay(s string) (string, error) {
	t, err := ParseDay(s)
	if err != nil {
		return "", err
	}
	return t.Format(DateLayout), nil
}

// Today returns the calendar date in Shanghai of an instant, as midnight
// UTC (the form ParseDay returns).
func Today(now time.Time) time.Time {
	y, m, d := now.In(shanghai).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Day parses a stored date; an empty or bad string gives the zero time.
func Day(s string) time.Time {
	t, err := ParseDay(s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// Calendar tells working days (工作日) from rest days: weekends and public
// holidays are rest days, except the make-up working days (调休上班).
type Calendar struct {
	off map[string]bool
	on  map[string]bool
}

// New returns the built-in holiday table plus a county's extra
// holidays and make-up working days (dates as YYYY-MM-DD).
func New(extraHolidays, extraWorkdays []string) Calendar {
	c := Calendar{off: map[string]bool{}, on: map[string]bool{}}
	for _, d := range append(append([]string(nil), publicHolidays...), extraHolidays...) {
		c.off[d] = true
	}
	for _, d := range append(append([]string(nil), makeUpWorkdays...), extraWorkdays...) {
		c.on[d] = true
		delete(c.off, d)
	}
	return c
}

// IsWorkingDay reports whether a date is a working day.
func (c Calendar) IsWorkingDay(d time.Time) bool {
	k := d.Format(DateLayout)
	if c.on[k] {
		return true
	}
	if c.off[k] {
		return false
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// WorkingDaysBetween counts the working days after from up to and
// including to (the day of acceptance is not counted, the day of the act
// is). It is 0 when to is not after from.
func (c Calendar) WorkingDaysBetween(from, to time.Time) int {
	n := 0
	for d := from.AddDate(0, 0, 1); !d.After(to); d = d.AddDate(0, 0, 1) {
		if c.IsWorkingDay(d) {
			n++
		}
	}
	return n
}

// AddWorkingDays returns the n-th working day after from (the last day of
// a limit of n working days counted from from).
func (c Calendar) AddWorkingDays(from time.Time, n int) time.Time {
	d := from
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if c.IsWorkingDay(d) {
			n--
		}
	}
	return d
}
