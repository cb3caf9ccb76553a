package web

import "testing"

func TestNumThousandsSeparators(t *testing.T) {
	for _, c := range []struct {
		in   any
		want string
	}{
		{0, "0"}, {7, "7"}, {999, "999"}, {1000, "1,000"}, {12345, "12,345"}, {int64(1234567), "1,234,567"},
		{-1234, "-1,234"}, {int64(1000000000), "1,000,000,000"}, {"x", "x"},
	} {
		if got := Num(c.in); got != c.want {
			t.Errorf("Num(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}
