// Package day handles the calendar days the campaigns record: dates are
// TEXT 'YYYY-MM-DD' of the Asia/Shanghai calendar, compared as strings
// and computed in Go.
package day

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Layout is the stored form of a day.
const Layout = "2006-01-02"

// zone is China Standard Time (no daylight saving).
var zone = time.FixedZone("CST", 8*3600)

// Zone returns the zone days are counted in.
func Zone() *time.Location { return zone }

// Of returns the Shanghai calendar day of t.
func Of(t time.Time) string { return t.In(zone).Format(Layout) }

// Time returns midnight of a stored day in Shanghai (zero when invalid).
func Time(s string) time.Time {
	t, err := time.ParseInLocation(Layout, s, zone)
	if err != nil {
		return time.Time{}
	}
	return t
}

// Add returns the day n days after s (before when n < 0).
func Add(s string, n int) string {
	t := Time(s)
	if t.IsZero() {
		return ""
	}
	return t.AddDate(0, 0, n).Format(Layout)
}

// Between returns the number of days from a to b (negative when b < a).
func Between(a, b string) int {
	ta, tb := Time(a), Time(b)
	if ta.IsZero() || tb.IsZero() {
		return 0
	}
	return int(tb.Sub(ta).Hours() / 24)
}

// Parse reads a day as users type it: 2022-06-09, 2022/6/9, 2022.6.9,
// 2022年6月9日 or 20220609. It returns the stored form.
func Parse(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("empty date")
	}
	if len(s) == 8 && isDigits(s) {
		s = s[:4] + "-" + s[4:6] + "-" + s[6:]
	}
	s = strings.NewReplacer("年", "-", "月", "-", "日", "", "/", "-", ".", "-").Replace(s)
	// A date-time cell (2022-06-09 00:00:00) keeps its day.
	if i := strings.IndexAny(s, " T"); i > 0 {
		s = s[:i]
	}
	parts := strings.Split(s, "-")
	if len(parts) != 3 {
		return "", fmt.Errorf("not a date: %q", s)
	}
	y, e1 := strconv.Atoi(parts[0])
	m, e2 := strconv.Atoi(parts[1])
	d, e3 := strconv.Atoi(parts[2])
	if e1 != nil || e2 != nil || e3 != nil || y < 1900 || y > 2200 {
		return "", fmt.Errorf("not a date: %q", s)
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, zone)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return "", fmt.Errorf("no such day: %q", s)
	}
	return t.Format(Layout), nil
}

// Valid reports a stored day.
func Valid(s string) bool {
	v, err := Parse(s)
	return err == nil && v == s
}

// Number converts a stored day to days since 1970-01-01 (0 for "").
// Compact per-row structs keep days as int32.
func Number(s string) int32 {
	t := Time(s)
	if t.IsZero() {
		return 0
	}
	return int32(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// FromNumber is the inverse of Number ("" for 0).
func FromNumber(n int32) string {
	if n == 0 {
		return ""
	}
	return time.Unix(int64(n)*86400, 0).UTC().Format(Layout)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
