package figure

import (
	"context"
	"slices"
	"testing"
)

// A figure made of parts keeps every part's PerCounty numbers: a
// province roll-up sums the others only.
func TestPerCountyJoinsParts(t *testing.T) {
	count := func(context.Context, Query) (Value, error) { return Value{}, nil }
	r := NewRegistry()
	if err := r.Add(
		Figure{ID: "F-X", Section: "industry", Text: "x", Count: count, PerCounty: []string{"percent"}},
		Figure{ID: "F-X", Count: count, PerCounty: []string{"rank"}},
		Figure{ID: "F-Y", Count: count},
	); err != nil {
		t.Fatal(err)
	}
	x, _ := r.Get("F-X")
	if !slices.Equal(x.PerCounty, []string{"percent", "rank"}) || x.Summable("percent") || x.Summable("rank") || !x.Summable("done") {
		t.Errorf("F-X: %v", x.PerCounty)
	}
	if y, _ := r.Get("F-Y"); !y.Summable("anything") {
		t.Error("F-Y marks nothing")
	}
}
