package textlimit

import "testing"

func TestFor(t *testing.T) {
	cases := []struct {
		key  string
		want int
	}{
		{"name", Name},
		{"credit_code", Code},
		{"address", Place},
		{"description", Text},
		{"items.name", Name},
		{"rows[3].note", Text},
		{"name[]", Name},
		{"no_such_field", Fallback},
		{"", Fallback},
	}
	for _, c := range cases {
		if got := For(c.key); got != c.want {
			t.Errorf("For(%q) = %d, want %d", c.key, got, c.want)
		}
	}
}

func TestLimitsOverride(t *testing.T) {
	l := Limits{"name": 40, "items.code": 12}
	if got := l.For("name"); got != 40 {
		t.Errorf("override name = %d, want 40", got)
	}
	if got := l.For("x.name"); got != 40 {
		t.Errorf("override by last segment = %d, want 40", got)
	}
	if got := l.For("items.code"); got != 12 {
		t.Errorf("override by full key = %d, want 12", got)
	}
	if got := l.For("address"); got != Place {
		t.Errorf("fallback to the shared table = %d, want %d", got, Place)
	}
	var none Limits
	if got := none.For("phone"); got != Code {
		t.Errorf("nil Limits = %d, want %d", got, Code)
	}
}

// Every limit in the table is positive, within the fallback and within
// Excel's cell limit (32,767), so an Excel column can take it as is.
func TestTableBounds(t *testing.T) {
	for k, n := range shared {
		if n <= 0 || n > Fallback || n > 32767 {
			t.Errorf("%s: limit %d outside 1..%d", k, n, Fallback)
		}
		if Base(k) != k {
			t.Errorf("key %q is not a plain field key", k)
		}
	}
}
