package geo

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// square returns a counter-clockwise square ring [x0,x1]×[y0,y1] (lng×lat).
func square(x0, y0, x1, y1 float64) Ring {
	return Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
}

func TestPolygonContains(t *testing.T) {
	// A concave "U": the notch between x 1..2 above y 1 is outside.
	u := Polygon{Ring{{0, 0}, {3, 0}, {3, 3}, {2, 3}, {2, 1}, {1, 1}, {1, 3}, {0, 3}, {0, 0}}}
	holed := Polygon{square(0, 0, 10, 10), square(4, 4, 6, 6)}
	multi := Area{Polygons: []Polygon{{square(0, 0, 1, 1)}, {square(5, 5, 6, 6), square(5.4, 5.4, 5.6, 5.6)}}}
	multi.box = boxOf(multi.Polygons)
	open := Polygon{Ring{{0, 0}, {2, 0}, {2, 2}, {0, 2}}} // last position does not repeat the first
	tests := []struct {
		name     string
		in       func(lat, lng float64) bool
		lat, lng float64
		want     bool
	}{
		{"square inside", Polygon{square(0, 0, 1, 1)}.Contains, 0.5, 0.5, true},
		{"square outside east", Polygon{square(0, 0, 1, 1)}.Contains, 0.5, 1.5, false},
		{"square outside north", Polygon{square(0, 0, 1, 1)}.Contains, 1.5, 0.5, false},
		{"square outside west", Polygon{square(0, 0, 1, 1)}.Contains, 0.5, -0.5, false},
		{"square level with a vertex", Polygon{square(0, 0, 1, 1)}.Contains, 1, 2, false},
		{"clockwise ring", Polygon{Ring{{0, 0}, {0, 1}, {1, 1}, {1, 0}, {0, 0}}}.Contains, 0.5, 0.5, true},
		{"ring not closed", open.Contains, 1, 1, true},
		{"concave arm", u.Contains, 2, 0.5, true},
		{"concave notch", u.Contains, 2, 1.5, false},
		{"concave other arm", u.Contains, 2, 2.5, true},
		{"concave base", u.Contains, 0.5, 1.5, true},
		{"holed ring", holed.Contains, 2, 2, true},
		{"in the hole", holed.Contains, 5, 5, false},
		{"beside the hole", holed.Contains, 5, 7, true},
		{"multi first", multi.Contains, 0.5, 0.5, true},
		{"multi second", multi.Contains, 5.2, 5.2, true},
		{"multi second's hole", multi.Contains, 5.5, 5.5, false},
		{"multi between", multi.Contains, 3, 3, false},
	}
	for _, tc := range tests {
		if got := tc.in(tc.lat, tc.lng); got != tc.want {
			t.Errorf("%s: (%v, %v) inside = %v, want %v", tc.name, tc.lat, tc.lng, got, tc.want)
		}
	}
}

func TestRingArea(t *testing.T) {
	tests := []struct {
		ring Ring
		want float64
	}{
		{square(0, 0, 2, 3), 6},
		{Ring{{0, 0}, {0, 2}, {2, 2}, {2, 0}, {0, 0}}, -4},
		{Ring{{0, 0}, {4, 0}, {0, 3}}, 6},
	}
	for _, tc := range tests {
		if got := tc.ring.Area(); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("area of %v = %v, want %v", tc.ring, got, tc.want)
		}
	}
}

const twoTowns = `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"code":"123456","name":"测试县"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[2,0],[2,1],[0,1],[0,0]]]}},
{"type":"Feature","properties":{"code":"123456100","name":"西镇","cp":[0.5,0.5]},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}},
{"type":"Feature","properties":{"code":"123456101","name":"东镇"},"geometry":{"type":"MultiPolygon","coordinates":[[[[1,0],[2,0],[2,1],[1,1],[1,0]],[[1.4,0.4],[1.6,0.4],[1.6,0.6],[1.4,0.6],[1.4,0.4]]]]}}
]}`

func TestParse(t *testing.T) {
	o, err := Parse("123456", []byte(twoTowns))
	if err != nil {
		t.Fatal(err)
	}
	if o.Name != "测试县" || len(o.Towns) != 2 || o.Border == nil {
		t.Fatalf("parsed %+v", o)
	}
	if b := o.Bounds(); b != (Box{0, 0, 1, 2}) {
		t.Errorf("bounds %+v", b)
	}
	if o.Towns[0].Label != [2]float64{0.5, 0.5} {
		t.Errorf("label point %v", o.Towns[0].Label)
	}
	tests := []struct {
		lat, lng float64
		town     string
		county   bool
	}{
		{0.5, 0.5, "123456100", true},
		{0.2, 1.8, "123456101", true},
		{0.5, 1.5, "", true}, // in the east town's hole, still in the county's border
		{1.5, 0.5, "", false},
		{-0.1, 1, "", false},
	}
	for _, tc := range tests {
		code, ok := o.TownAt(tc.lat, tc.lng)
		if code != tc.town || ok != (tc.town != "") {
			t.Errorf("TownAt(%v, %v) = %q, %v; want %q", tc.lat, tc.lng, code, ok, tc.town)
		}
		if got := o.Contains(tc.lat, tc.lng); got != tc.county {
			t.Errorf("Contains(%v, %v) = %v, want %v", tc.lat, tc.lng, got, tc.county)
		}
	}
	// Without a border feature the county is the union of its towns.
	lines := strings.Split(twoTowns, "\n")
	noBorder := strings.Join(append(lines[:1:1], lines[2:]...), "\n")
	o2, err := Parse("123456", []byte(noBorder))
	if err != nil {
		t.Fatal(err)
	}
	if o2.Border != nil || o2.Contains(0.5, 1.5) || !o2.Contains(0.5, 0.5) {
		t.Errorf("union county: border %v, hole %v", o2.Border, o2.Contains(0.5, 1.5))
	}
}

func TestParseRefuses(t *testing.T) {
	feature := func(code, geom string) string {
		return `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"` + code + `","name":"x"},"geometry":` + geom + `}]}`
	}
	sq := `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`
	tests := []struct {
		name, county, doc, want string
	}{
		{"not JSON", "123456", `{`, "outline"},
		{"not a collection", "123456", `{"type":"Feature"}`, "FeatureCollection"},
		{"empty", "123456", `{"type":"FeatureCollection","features":[]}`, "no features"},
		{"bad county", "12345", feature("123456", sq), "6 digits"},
		{"other county's town", "123456", feature("654321100", sq), "neither"},
		{"no geometry", "123456", feature("123456100", `null`), "no geometry"},
		{"point", "123456", feature("123456100", `{"type":"Point","coordinates":[0,0]}`), "Polygon or MultiPolygon"},
		{"short ring", "123456", feature("123456100", `{"type":"Polygon","coordinates":[[[0,0],[1,0]]]}`), "at least 3"},
		{"latitude out of range", "123456", feature("123456100", `{"type":"Polygon","coordinates":[[[0,0],[1,95],[1,1],[0,0]]]}`), "longitude, latitude"},
		{"twice", "123456", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"123456100","name":"a"},"geometry":` + sq +
			`},{"type":"Feature","properties":{"code":"123456100","name":"a"},"geometry":` + sq + `}]}`, "twice"},
	}
	for _, tc := range tests {
		_, err := Parse(tc.county, []byte(tc.doc))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to mention %q", tc.name, err, tc.want)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load("123456", dir); !errors.Is(err, ErrNoOutline) {
		t.Errorf("no file: err = %v, want ErrNoOutline", err)
	}
	o, err := Load(DemoCounty, dir)
	if err != nil || len(o.Towns) != 9 {
		t.Fatalf("bundled: %v", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "geo"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "geo", "123456.geojson"), []byte(twoTowns), 0o644); err != nil {
		t.Fatal(err)
	}
	if o, err := Load("123456", dir); err != nil || len(o.Towns) != 2 {
		t.Errorf("file in the data directory: %v", err)
	}
	// A county's own file replaces the bundled one.
	if err := os.WriteFile(filepath.Join(dir, "geo", DemoCounty+".geojson"), []byte(strings.ReplaceAll(twoTowns, "123456", DemoCounty)), 0o644); err != nil {
		t.Fatal(err)
	}
	if o, err := Load(DemoCounty, dir); err != nil || len(o.Towns) != 2 {
		t.Errorf("own file for the demo county: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "geo", "654321.geojson"), []byte(`{"type":`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load("654321", dir); err == nil || errors.Is(err, ErrNoOutline) || !strings.Contains(err.Error(), "654321.geojson") {
		t.Errorf("broken file: err = %v, want a parse error naming the file", err)
	}
}

// The demo towns of internal/kit/demo.
var demoTowns = map[string]string{
	"349901100": "籍山镇", "349901101": "弋江镇", "349901102": "许镇镇", "349901103": "家发镇", "349901104": "工山镇",
	"349901105": "三里镇", "349901106": "何湾镇", "349901107": "烟墩镇", "349901400": "经济开发区",
}

func demoOutline(t *testing.T) *Outline {
	t.Helper()
	o, err := Load(DemoCounty, "")
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestBundledOutline(t *testing.T) {
	o := demoOutline(t)
	if o.Name != "示例县" || o.Border == nil {
		t.Errorf("county %q, border %v", o.Name, o.Border != nil)
	}
	if len(o.Towns) != len(demoTowns) {
		t.Fatalf("%d towns, want %d", len(o.Towns), len(demoTowns))
	}
	for _, tw := range o.Towns {
		if demoTowns[tw.Code] != tw.Name {
			t.Errorf("town %s %s is not a demo town", tw.Code, tw.Name)
		}
		if !tw.Contains(tw.Label[1], tw.Label[0]) {
			t.Errorf("%s: label point %v outside the town", tw.Name, tw.Label)
		}
		if n := len(tw.Polygons[0][0]); n < 40 {
			t.Errorf("%s: only %d positions, want a non-rectangular shape", tw.Name, n)
		}
	}
	b := o.Bounds()
	if b.MinLat < 30.70 || b.MaxLat > 31.15 || b.MinLng < 118.05 || b.MaxLng > 118.55 || b.MaxLat-b.MinLat < 0.25 || b.MaxLng-b.MinLng < 0.3 {
		t.Errorf("bounds %+v, want about lat 30.75–31.10, lng 118.10–118.50", b)
	}
	// The towns' areas add up to the county's.
	sum := 0.0
	for _, tw := range o.Towns {
		sum += math.Abs(tw.Polygons[0][0].Area())
	}
	county := math.Abs(o.Border.Polygons[0][0].Area())
	if math.Abs(sum-county) > county*1e-9 {
		t.Errorf("towns' area %.9f, county's %.9f", sum, county)
	}
}

// TestBundledOutlineTiles checks on a fine grid that every point of the
// county lies in exactly one town and no point outside it in any.
func TestBundledOutlineTiles(t *testing.T) {
	o := demoOutline(t)
	b := o.Bounds().Grow(0.01)
	inside, outside := 0, 0
	for lat := b.MinLat; lat <= b.MaxLat; lat += 0.0013 {
		for lng := b.MinLng; lng <= b.MaxLng; lng += 0.0011 {
			n := 0
			for _, tw := range o.Towns {
				if tw.Contains(lat, lng) {
					n++
				}
			}
			c := o.Contains(lat, lng)
			switch {
			case c && n != 1:
				t.Errorf("(%.4f, %.4f) in the county lies in %d towns", lat, lng, n)
			case !c && n != 0:
				t.Errorf("(%.4f, %.4f) outside the county lies in %d towns", lat, lng, n)
			}
			if c {
				inside++
			} else {
				outside++
			}
		}
	}
	if inside < 50000 || outside < 10000 {
		t.Errorf("grid: %d inside, %d outside", inside, outside)
	}
}

func TestRandomPointIn(t *testing.T) {
	o := demoOutline(t)
	for code := range demoTowns {
		r1, r2 := rand.New(rand.NewPCG(1, 2)), rand.New(rand.NewPCG(1, 2))
		for range 50 {
			lat, lng, ok := o.RandomPointIn(code, r1)
			lat2, lng2, ok2 := o.RandomPointIn(code, r2)
			if !ok || !ok2 || lat != lat2 || lng != lng2 {
				t.Fatalf("%s: (%v, %v, %v) then (%v, %v, %v): want the same point for the same seed", code, lat, lng, ok, lat2, lng2, ok2)
			}
			if got, _ := o.TownAt(lat, lng); got != code {
				t.Errorf("%s: point (%v, %v) lies in %q", code, lat, lng, got)
			}
			if !o.Contains(lat, lng) {
				t.Errorf("%s: point (%v, %v) outside the county", code, lat, lng)
			}
		}
	}
	if _, _, ok := o.RandomPointIn("349901999", rand.New(rand.NewPCG(1, 2))); ok {
		t.Error("a point in an unknown town")
	}
}

func TestBoxes(t *testing.T) {
	a := Box{0, 0, 1, 1}
	tests := []struct {
		b    Box
		want bool
	}{
		{Box{0.5, 0.5, 2, 2}, true},
		{Box{1, 1, 2, 2}, true},
		{Box{1.1, 0, 2, 1}, false},
		{Box{-2, -2, -1, -1}, false},
		{Box{-1, -1, 2, 2}, true},
	}
	for _, tc := range tests {
		if got := a.Intersects(tc.b); got != tc.want || tc.b.Intersects(a) != tc.want {
			t.Errorf("%+v ∩ %+v = %v, want %v", a, tc.b, got, tc.want)
		}
	}
	if g := a.Grow(0.5); g != (Box{-0.5, -0.5, 1.5, 1.5}) || !g.Contains(1.2, -0.2) || a.Contains(1.2, -0.2) {
		t.Errorf("grow %+v", g)
	}
}
