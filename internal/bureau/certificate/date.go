package certificate

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"yingji/internal/kit/web"
	"yingji/internal/kit/xlsx"
)

// Date is a calendar date of the Asia/Shanghai calendar (issue, expiry,
// warning and deadline dates). It is stored as TEXT 'YYYY-MM-DD' (” for
// no date): text of that form sorts and compares like the dates
// themselves on both engines, and carries no time zone to drift.
type Date struct{ t time.Time } // midnight UTC of the day; zero: no date

// NewDate returns the date y-m-d (normalised like time.Date).
func NewDate(y int, m time.Month, d int) Date { return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)} }

// Today returns the Shanghai calendar date of the instant now.
func Today(now time.Time) Date {
	l := now.In(web.Shanghai)
	return NewDate(l.Year(), l.Month(), l.Day())
}

// ParseDate reads a date as users type it: 2022-06-10, 2022/6/10,
// 2022.6.10, 2022年6月10日 or 20220610. Empty text is the zero Date.
func ParseDate(s string) (Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Date{}, nil
	}
	t, err := xlsx.ParseDate(s, time.UTC)
	if err != nil || t.Hour() != 0 || t.Minute() != 0 || t.Second() != 0 {
		return Date{}, fmt.Errorf("not a date: %q", s)
	}
	return NewDate(t.Year(), t.Month(), t.Day()), nil
}

// MustDate parses 'YYYY-MM-DD' and panics on bad input (tests, demo).
func MustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil || d.IsZero() {
		panic("certificate: bad date " + s)
	}
	return d
}

// IsZero reports no date.
func (d Date) IsZero() bool { return d.t.IsZero() }

// String is 'YYYY-MM-DD', or "" for no date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format("2006-01-02")
}

// Chinese is the date as 2022年6月10日.
func (d Date) Chinese() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d年%d月%d日", d.t.Year(), int(d.t.Month()), d.t.Day())
}

// Time returns midnight of the date in Shanghai (for Excel cells).
func (d Date) Time() time.Time {
	if d.IsZero() {
		return time.Time{}
	}
	return time.Date(d.t.Year(), d.t.Month(), d.t.Day(), 0, 0, 0, 0, time.UTC)
}

// Before, After and Equal compare two dates.
func (d Date) Before(o Date) bool { return d.t.Before(o.t) }
func (d Date) After(o Date) bool  { return d.t.After(o.t) }
func (d Date) Equal(o Date) bool  { return d.t.Equal(o.t) }

// AddDays moves the date by n days.
func (d Date) AddDays(n int) Date { return Date{d.t.AddDate(0, 0, n)} }

// AddMonths moves the date by n calendar months; a day that does not
// exist in the target month becomes that month's last day (2022-11-30
// plus 3 months is 2023-02-28, not 2023-03-02).
func (d Date) AddMonths(n int) Date {
	if d.IsZero() {
		return d
	}
	y, m, day := d.t.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return NewDate(first.Year(), first.Month(), min(day, last))
}

// AddYears moves the date by n years (29 February becomes 28 February
// in a common year).
func (d Date) AddYears(n int) Date { return d.AddMonths(12 * n) }

// DaysUntil is the number of days from d to o (negative when o is
// earlier).
func (d Date) DaysUntil(o Date) int { return int(o.t.Sub(d.t).Hours() / 24) }

// Value stores the date as 'YYYY-MM-DD' text (” for no date).
func (d Date) Value() (driver.Value, error) { return d.String(), nil }

// Scan reads 'YYYY-MM-DD' text.
func (d *Date) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case nil:
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("certificate: cannot scan %T into a Date", src)
	}
	x, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = x
	return nil
}

// MarshalJSON writes "YYYY-MM-DD" (or "").
func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads "YYYY-MM-DD" (or "").
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	x, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = x
	return nil
}

// minDate returns the earlier of two dates, ignoring zero dates.
func minDate(a, b Date) Date {
	switch {
	case a.IsZero():
		return b
	case b.IsZero() || a.Before(b):
		return a
	}
	return b
}
