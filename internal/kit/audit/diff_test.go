package audit

import (
	"reflect"
	"testing"
)

type rec struct {
	Name    string   `json:"name"`
	Phone   string   `json:"phone,omitempty"`
	Count   int      `json:"count"`
	Tags    []string `json:"tags"`
	Updated string   `json:"updated_at"`
}

func TestDiff(t *testing.T) {
	before := rec{Name: "甲", Phone: "123", Count: 1, Tags: []string{"a"}, Updated: "t1"}
	after := rec{Name: "甲", Count: 2, Tags: []string{"a", "b"}, Updated: "t2"}
	b, a := Diff(before, after, "updated_at")
	wantB := map[string]any{"phone": "123", "count": float64(1), "tags": []any{"a"}}
	wantA := map[string]any{"phone": nil, "count": float64(2), "tags": []any{"a", "b"}}
	if !reflect.DeepEqual(b, wantB) || !reflect.DeepEqual(a, wantA) {
		t.Fatalf("Diff = %v / %v, want %v / %v", b, a, wantB, wantA)
	}
	b, a = Diff(before, before)
	if len(b) != 0 || len(a) != 0 {
		t.Fatalf("no change gave %v / %v", b, a)
	}
	if _, a := Diff(before, rec{Name: "甲", Phone: "123", Count: 1, Tags: []string{"a"}, Updated: "t9"}); len(a) != 1 || a["updated_at"] != "t9" {
		t.Fatalf("without ignore updated_at must show: %v", a)
	}
	if !Same(before, before) || Same(before, after) {
		t.Fatal("Same")
	}
}
