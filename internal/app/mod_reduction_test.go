package app_test

import (
	"context"
	"io"
	"testing"
	"time"

	"yingji/internal/figure"
)

// TestReductionDemoFigures: the demo records reproduce the report's
// figures F-PUB-1…3, F-COMM-1, F-FIRE-1, F-CHEM-5 and F-IND-2, and a
// second load changes nothing.
func TestReductionDemoFigures(t *testing.T) {
	now := time.Date(2022, 6, 30, 10, 0, 0, 0, time.UTC)
	a := demoApp(t, false, now)
	ctx := context.Background()
	if err := a.LoadDemo(ctx, io.Discard); err != nil {
		t.Fatal(err)
	}
	leader, err := a.Auth.PrincipalFor(ctx, "leader")
	if err != nil {
		t.Fatal(err)
	}
	per, _ := figure.NewPeriod("2022-01-01", "2022-06-30")
	want := map[string]map[string]int64{
		"F-PUB-1":  {"leaflets": 6120, "sms": 130000, "answered": 986, "winners": 39},
		"F-PUB-2":  {"trainings": 6, "people": 802},
		"F-PUB-3":  {"officers": 328},
		"F-COMM-1": {"towns": 7, "communities": 11, "city": 1},
		"F-FIRE-1": {"leaflets": 2150, "sms": 200000, "hazards": 5, "checkpoints": 20},
		"F-CHEM-5": {"people": 28},
		"F-IND-2":  {"people": 206},
	}
	for id, nums := range want {
		f, ok := a.Figures.Get(id)
		if !ok {
			t.Fatalf("%s not registered", id)
		}
		v, err := f.Count(ctx, figure.Query{Period: per, P: leader, Records: true})
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		for k, n := range nums {
			if got := v.Get(k); got.Value != n || got.Link == "" {
				t.Errorf("%s %s = %d (link %q), want %d", id, k, got.Value, got.Link, n)
			}
		}
	}
}
