package figure

import (
	"context"
	"testing"
	"time"
)

func TestPeriod(t *testing.T) {
	p, err := NewPeriod("2024-01-01", "2024-02-29")
	if err != nil {
		t.Fatal(err)
	}
	if ly := p.LastYear(); ly.FromDay() != "2023-01-01" || ly.ToDay() != "2023-02-28" {
		t.Errorf("last year = %s…%s", ly.FromDay(), ly.ToDay())
	}
	if pr := p.Previous(); pr.FromDay() != "2023-11-02" || pr.ToDay() != "2023-12-31" {
		t.Errorf("previous = %s…%s", pr.FromDay(), pr.ToDay())
	}
	for day, in := range map[string]bool{"2024-01-01": true, "2024-02-29T23:59:00+08:00": true, "2024-03-01": false, "2023-12-31": false} {
		if p.Contains(day) != in {
			t.Errorf("Contains(%s) = %v", day, !in)
		}
	}
	if got := p.End().Sub(p.Start()).Hours(); got != 60*24 {
		t.Errorf("period lasts %v hours", got)
	}
	if _, err := NewPeriod("2024-02-01", "2024-01-31"); err == nil {
		t.Error("a period ending before it starts was accepted")
	}
	if _, err := NewPeriod("2024-02-30", "2024-03-01"); err == nil {
		t.Error("30 February was accepted")
	}
}

func TestRegistry(t *testing.T) {
	r := NewRegistry()
	count := func(context.Context, Query) (Value, error) { return Value{}, nil }
	if err := r.Add(Figure{ID: "F-B", Section: "b", Count: count}, Figure{ID: "F-A2", Section: "a", Order: 2, Count: count},
		Figure{ID: "F-A1", Section: "a", Order: 1, Count: count}); err != nil {
		t.Fatal(err)
	}
	if err := r.Add(Figure{ID: "F-B", Section: "c", Count: count}); err == nil {
		t.Error("a figure registered twice in two sections was accepted")
	}
	if err := r.Add(Figure{ID: "F-T", Text: "a", Count: count}, Figure{ID: "F-T", Text: "b", Count: count}); err == nil {
		t.Error("two parts giving a text were accepted")
	}
	if err := r.Add(Figure{ID: "F-C"}); err == nil {
		t.Error("a figure without Count was accepted")
	}
	var ids []string
	for _, f := range r.All() {
		ids = append(ids, f.ID)
	}
	if want := "[F-A1 F-A2 F-B]"; fmtIDs(ids) != want {
		t.Errorf("order %v, want %s", ids, want)
	}
}

func fmtIDs(ids []string) string {
	s := "["
	for i, id := range ids {
		if i > 0 {
			s += " "
		}
		s += id
	}
	return s + "]"
}

func TestRegistryJoinsParts(t *testing.T) {
	r := NewRegistry()
	part := func(keys ...string) func(context.Context, Query) (Value, error) {
		return func(context.Context, Query) (Value, error) {
			var v Value
			for i, k := range keys {
				v.Numbers = append(v.Numbers, Number{Key: k, Value: int64(i + 1)})
			}
			return v, nil
		}
	}
	if err := r.Add(Figure{ID: "F-MINE-1", Section: "mine", Text: "t", Count: part("inspections")},
		Figure{ID: "F-MINE-1", Count: part("documents")}, Figure{ID: "F-X", Count: part("a")}, Figure{ID: "F-X", Count: part("a")}); err != nil {
		t.Fatal(err)
	}
	f, ok := r.Get("F-MINE-1")
	if !ok || f.Text != "t" || f.Section != "mine" {
		t.Fatalf("joined figure: %+v", f)
	}
	v, err := f.Count(context.Background(), Query{})
	if err != nil || v.Get("inspections").Value != 1 || v.Get("documents").Value != 1 {
		t.Errorf("joined value: %+v %v", v, err)
	}
	x, _ := r.Get("F-X")
	if _, err := x.Count(context.Background(), Query{}); err == nil {
		t.Error("a number counted by two parts was accepted")
	}
	if n := len(r.All()); n != 2 {
		t.Errorf("All: %d figures", n)
	}
}

// A read shared by the figures of one report is made once per report
// (per key), and anew outside one.
func TestSharedReadsOncePerReport(t *testing.T) {
	reads := 0
	read := func() (int, error) { reads++; return reads, nil }
	ctx := WithShared(context.Background())
	q := Query{Period: Period{From: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2022, 6, 30, 0, 0, 0, 0, time.UTC)}}
	for range 3 {
		if v, err := Shared(ctx, SharedKey("x", q), read); v != 1 || err != nil {
			t.Fatalf("shared read: %d %v", v, err)
		}
	}
	if v, _ := Shared(ctx, SharedKey("x", Query{Period: q.Period.LastYear()}), read); v != 2 {
		t.Errorf("another period read %d", v)
	}
	if v, _ := Shared(context.Background(), SharedKey("x", q), read); v != 3 {
		t.Errorf("outside a report read %d", v)
	}
}
