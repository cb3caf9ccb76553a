package main

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// TestBundledFileIsGenerated checks that the bundled outline is what the
// generator writes, so the generator kept here stays the way to make it.
// Coordinates may differ in the last digit on machines whose compiler
// fuses multiply-adds (arm64), so they are compared within 1e-5°.
func TestBundledFileIsGenerated(t *testing.T) {
	want, err := os.ReadFile("../data/" + county + ".geojson")
	if err != nil {
		t.Fatal(err)
	}
	got, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	if err := json.Unmarshal(got, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(want, &b); err != nil {
		t.Fatal(err)
	}
	if path, ok := same(a, b, "$"); !ok {
		t.Errorf("internal/kit/geo/data/349901.geojson differs from the generator's output at %s: run go generate ./internal/kit/geo", path)
	}
}

// same compares two decoded JSON values, numbers within 1e-5.
func same(a, b any, path string) (string, bool) {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return path, ok && math.Abs(x-y) <= 1e-5
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return path, false
		}
		for i := range x {
			if p, ok := same(x[i], y[i], path+"["+itoa(i)+"]"); !ok {
				return p, false
			}
		}
		return path, true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return path, false
		}
		for k := range x {
			if p, ok := same(x[k], y[k], path+"."+k); !ok {
				return p, false
			}
		}
		return path, true
	}
	return path, a == b
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
