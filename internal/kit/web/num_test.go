package web

import "testing"

func TestNumThousandsSeparators(t *testing.T) {
	for _, c := range []struct {
		in   any
		want string
	}{
		{0, "0"}, {7, "7"}, {999, "999"}, {1000, "1,000"}, {12345, "12,345"}, {int64(1234567), "1,234,567"},
		{-1234, "-1,234"}, {int64(1000000000), "1,000,000,000"}, {"x", "x"},
		// Figures stored as decimal text (data-call values).
		{"3265", "3,265"}, {"1234.5", "1,234.5"}, {"-1000", "-1,000"}, {"12", "12"}, {"", ""}, {"0.25", "0.25"},
		{"007", "007"}, {"2022-06-05", "2022-06-05"}, {"1.", "1."}, {"abc", "abc"},
	} {
		if got := Num(c.in); got != c.want {
			t.Errorf("Num(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}
