package calendar

import (
	"testing"
	"time"
)

func d(s string) time.Time {
	t, err := ParseDay(s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestCalendar(t *testing.T) {
	cal := New(nil, nil)
	for _, c := range []struct {
		day  string
		work bool
	}{
		{"2022-01-28", true},  // Friday
		{"2022-01-29", true},  // Saturday, 春节调休上班
		{"2022-01-31", false}, // Monday, 春节
		{"2022-02-05", false}, // Saturday in 春节
		{"2022-04-02", true},  // Saturday, 清明调休
		{"2022-04-04", false}, // Monday, 清明
		{"2022-06-03", false}, // Friday, 端午
		{"2022-06-04", false}, // Saturday
		{"2022-06-06", true},  // Monday
		{"2022-10-08", true},  // Saturday, 国庆调休
		{"2023-04-05", false}, // Wednesday, 清明
		{"2023-06-25", true},  // Sunday, 端午调休
		{"2022-12-31", false}, // Saturday, 元旦 2023
		{"2023-01-02", false}, // Monday, 元旦 2023
	} {
		if got := cal.IsWorkingDay(d(c.day)); got != c.work {
			t.Errorf("%s working = %v, want %v", c.day, got, c.work)
		}
	}
	// A county adds a holiday and a make-up day of a later year.
	more := New([]string{"2030-01-02"}, []string{"2030-01-05"})
	if more.IsWorkingDay(d("2030-01-02")) || !more.IsWorkingDay(d("2030-01-05")) {
		t.Error("extra holiday or working day not applied")
	}
}

func TestWorkingDays(t *testing.T) {
	cal := New(nil, nil)
	cases := []struct {
		from, to string
		want     int
	}{
		{"2022-03-01", "2022-03-01", 0},
		{"2022-03-01", "2022-03-02", 1},
		{"2022-03-04", "2022-03-07", 1},  // Friday → Monday
		{"2022-01-28", "2022-02-08", 4},  // 29, 30 (调休), 7, 8
		{"2022-03-01", "2022-03-29", 20}, // a plain month
		{"2022-04-29", "2022-05-09", 4},  // 劳动节 4-30..5-4 off; 5-5, 5-6, 5-7 (调休), 5-9
		{"2022-03-10", "2022-03-01", 0},  // backwards
	}
	for _, c := range cases {
		if got := cal.WorkingDaysBetween(d(c.from), d(c.to)); got != c.want {
			t.Errorf("working days %s..%s = %d, want %d", c.from, c.to, got, c.want)
		}
	}
	adds := []struct {
		from string
		n    int
		want string
	}{
		{"2022-03-01", 20, "2022-03-29"},
		{"2022-03-31", 3, "2022-04-06"}, // 4-1, 4-2 (调休), 4-6
		{"2022-09-08", 2, "2022-09-13"}, // 9-9, 中秋 9-10..12, 9-13
		{"2022-01-27", 2, "2022-01-29"}, // 1-28, 1-29 (调休)
		{"2022-03-01", 0, "2022-03-01"},
	}
	for _, c := range adds {
		if got := cal.AddWorkingDays(d(c.from), c.n).Format(DateLayout); got != c.want {
			t.Errorf("%s + %d working days = %s, want %s", c.from, c.n, got, c.want)
		}
		if c.n > 0 && cal.WorkingDaysBetween(d(c.from), d(c.want)) != c.n {
			t.Errorf("AddWorkingDays and WorkingDaysBetween disagree at %s + %d", c.from, c.n)
		}
	}
}
