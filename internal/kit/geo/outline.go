package geo

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
)

//go:generate go run ./gen -o data/349901.geojson

// DemoCounty is the code of the fictional demo county whose outline is
// bundled.
const DemoCounty = "349901"

//go:embed data/349901.geojson
var bundled embed.FS

// ErrNoOutline means the county has no outline: no file in the data
// directory and no bundled one. The map then plots points on a plain
// latitude/longitude chart.
var ErrNoOutline = errors.New("geo: no outline for this county")

// Box is a latitude/longitude box. Its fields are those of
// enterprise.Bounds, in the same order, so one converts to the other.
type Box struct{ MinLat, MinLng, MaxLat, MaxLng float64 }

// Contains reports whether a point lies in the box (edges included).
func (b Box) Contains(lat, lng float64) bool {
	return lat >= b.MinLat && lat <= b.MaxLat && lng >= b.MinLng && lng <= b.MaxLng
}

// Intersects reports whether two boxes overlap.
func (b Box) Intersects(o Box) bool {
	return b.MinLat <= o.MaxLat && o.MinLat <= b.MaxLat && b.MinLng <= o.MaxLng && o.MinLng <= b.MaxLng
}

// Grow returns the box widened by d degrees on every side.
func (b Box) Grow(d float64) Box {
	return Box{b.MinLat - d, b.MinLng - d, b.MaxLat + d, b.MaxLng + d}
}

// Ring is a closed line of [lng, lat] positions (GeoJSON order); the last
// position may repeat the first.
type Ring [][2]float64

// Polygon is an outer ring followed by its holes.
type Polygon []Ring

// Area is one region of the outline (the county or a town) with its
// polygons (a GeoJSON Polygon is one, a MultiPolygon several).
type Area struct {
	Code     string
	Name     string
	Polygons []Polygon
	Label    [2]float64 // [lng, lat] where the map writes the name (GeoJSON "cp"); zero when not given
	box      Box
}

// Contains reports whether the point is inside the area: inside an odd
// number of the rings of one of its polygons, so holes are left out.
func (a *Area) Contains(lat, lng float64) bool {
	if !a.box.Contains(lat, lng) {
		return false
	}
	for _, p := range a.Polygons {
		if p.Contains(lat, lng) {
			return true
		}
	}
	return false
}

// Box returns the area's bounding box.
func (a *Area) Box() Box { return a.box }

// Outline is a county's map: its border and its towns.
type Outline struct {
	County string
	Name   string // the county's name, when the file gives it
	// Border is the county's own feature; nil when the file has only
	// towns (the county is then their union).
	Border *Area
	Towns  []*Area
	box    Box
	raw    []byte // the GeoJSON as loaded
	etag   string
}

// Load returns the outline of a county: DATA/geo/<county>.geojson when
// that file exists, else the bundled outline of the demo county, else
// ErrNoOutline.
func Load(county, dataDir string) (*Outline, error) {
	if dataDir != "" {
		path := filepath.Join(dataDir, "geo", county+".geojson")
		b, err := os.ReadFile(path)
		if err == nil {
			o, err := Parse(county, b)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			return o, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	if county != DemoCounty {
		return nil, ErrNoOutline
	}
	b, err := bundled.ReadFile("data/" + DemoCounty + ".geojson")
	if err != nil {
		return nil, err
	}
	return Parse(county, b)
}

var (
	countyCodeRE = regexp.MustCompile(`^[0-9]{6}$`)
	townCodeRE   = regexp.MustCompile(`^[0-9]{9}$`)
)

type geoJSON struct {
	Type     string `json:"type"`
	Features []struct {
		Type       string `json:"type"`
		Properties struct {
			Code string      `json:"code"`
			Name string      `json:"name"`
			CP   *[2]float64 `json:"cp"`
		} `json:"properties"`
		Geometry *struct {
			Type        string          `json:"type"`
			Coordinates json.RawMessage `json:"coordinates"`
		} `json:"geometry"`
	} `json:"features"`
}

// Parse reads a GeoJSON FeatureCollection of Polygon or MultiPolygon
// features whose properties carry "code" and "name": the feature whose
// code is the county's is the border, 9-digit codes of the county are
// towns, other features are refused.
func Parse(county string, b []byte) (*Outline, error) {
	if !countyCodeRE.MatchString(county) {
		return nil, fmt.Errorf("county code %q must be 6 digits", county)
	}
	var doc geoJSON
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("outline: %w", err)
	}
	if doc.Type != "FeatureCollection" {
		return nil, fmt.Errorf("outline: want a FeatureCollection, got %q", doc.Type)
	}
	o := &Outline{County: county, raw: b}
	seen := map[string]bool{}
	for i, f := range doc.Features {
		code := f.Properties.Code
		if f.Geometry == nil {
			return nil, fmt.Errorf("outline: feature %d (%s) has no geometry", i, code)
		}
		polys, err := parseGeometry(f.Geometry.Type, f.Geometry.Coordinates)
		if err != nil {
			return nil, fmt.Errorf("outline: feature %d (%s): %w", i, code, err)
		}
		if seen[code] {
			return nil, fmt.Errorf("outline: code %q appears twice", code)
		}
		seen[code] = true
		a := &Area{Code: code, Name: f.Properties.Name, Polygons: polys, box: boxOf(polys)}
		if f.Properties.CP != nil {
			a.Label = *f.Properties.CP
		}
		switch {
		case code == county:
			o.Border, o.Name = a, a.Name
		case townCodeRE.MatchString(code) && code[:6] == county:
			if a.Name == "" {
				return nil, fmt.Errorf("outline: town %s has no name", code)
			}
			o.Towns = append(o.Towns, a)
		default:
			return nil, fmt.Errorf("outline: feature %d: code %q is neither the county %s nor one of its towns", i, code, county)
		}
	}
	if len(o.Towns) == 0 && o.Border == nil {
		return nil, fmt.Errorf("outline: no features")
	}
	areas := o.Towns
	if o.Border != nil {
		areas = append([]*Area{o.Border}, o.Towns...)
	}
	o.box = areas[0].box
	for _, a := range areas[1:] {
		o.box = union(o.box, a.box)
	}
	sum := sha256.Sum256(b)
	o.etag = `"` + hex.EncodeToString(sum[:8]) + `"`
	return o, nil
}

func parseGeometry(typ string, raw json.RawMessage) ([]Polygon, error) {
	var polys [][][][2]float64
	switch typ {
	case "Polygon":
		var p [][][2]float64
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, err
		}
		polys = [][][][2]float64{p}
	case "MultiPolygon":
		if err := json.Unmarshal(raw, &polys); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("geometry %q: want Polygon or MultiPolygon", typ)
	}
	var out []Polygon
	for _, p := range polys {
		if len(p) == 0 {
			return nil, fmt.Errorf("empty polygon")
		}
		var poly Polygon
		for _, r := range p {
			if len(r) < 3 {
				return nil, fmt.Errorf("a ring needs at least 3 positions")
			}
			for _, c := range r {
				if math.IsNaN(c[0]) || math.IsNaN(c[1]) || c[0] < -180 || c[0] > 180 || c[1] < -90 || c[1] > 90 {
					return nil, fmt.Errorf("position %v is not a longitude, latitude pair", c)
				}
			}
			poly = append(poly, Ring(r))
		}
		out = append(out, poly)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no polygons")
	}
	return out, nil
}

// Bounds returns the county's bounding box.
func (o *Outline) Bounds() Box { return o.box }

// Contains reports whether a point lies in the county: in its border, or
// when the file has none, in one of its towns.
func (o *Outline) Contains(lat, lng float64) bool {
	if o.Border != nil {
		return o.Border.Contains(lat, lng)
	}
	_, ok := o.TownAt(lat, lng)
	return ok
}

// TownAt returns the code of the town the point lies in.
func (o *Outline) TownAt(lat, lng float64) (code string, ok bool) {
	for _, t := range o.Towns {
		if t.Contains(lat, lng) {
			return t.Code, true
		}
	}
	return "", false
}

// Town returns a town's area.
func (o *Outline) Town(code string) (*Area, bool) {
	for _, t := range o.Towns {
		if t.Code == code {
			return t, true
		}
	}
	return nil, false
}

// RandomPointIn returns a point drawn uniformly inside a town (rejection
// sampling in its box): the same r state gives the same point. ok is
// false for an unknown town or when no point was found.
func (o *Outline) RandomPointIn(townCode string, r *rand.Rand) (lat, lng float64, ok bool) {
	t, found := o.Town(townCode)
	if !found {
		return 0, 0, false
	}
	b := t.box
	for range 10000 {
		lat = b.MinLat + r.Float64()*(b.MaxLat-b.MinLat)
		lng = b.MinLng + r.Float64()*(b.MaxLng-b.MinLng)
		if t.Contains(lat, lng) {
			// Six decimals (about 0.1 m), as a person would type them.
			lat, lng = math.Round(lat*1e6)/1e6, math.Round(lng*1e6)/1e6
			if t.Contains(lat, lng) {
				return lat, lng, true
			}
		}
	}
	return 0, 0, false
}

// GeoJSON returns the outline's document as loaded and its entity tag.
func (o *Outline) GeoJSON() (doc []byte, etag string) {
	return bytes.Clone(o.raw), o.etag
}

// Contains reports whether the point is inside the polygon: inside its
// outer ring and not inside one of its holes. Even-odd counting over all
// rings gives that without telling them apart.
func (p Polygon) Contains(lat, lng float64) bool {
	in := false
	for _, r := range p {
		if r.crossings(lat, lng) {
			in = !in
		}
	}
	return in
}

// crossings reports whether a ray from the point towards east crosses the
// ring an odd number of times (ray casting).
func (r Ring) crossings(lat, lng float64) bool {
	in := false
	n := len(r)
	for i, j := 0, n-1; i < n; j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a[1] > lat) != (b[1] > lat) && lng < (b[0]-a[0])*(lat-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

// Area returns the ring's area in square degrees (shoelace; positive for
// counter-clockwise rings).
func (r Ring) Area() float64 {
	s := 0.0
	n := len(r)
	for i, j := 0, n-1; i < n; j, i = i, i+1 {
		s += r[j][0]*r[i][1] - r[i][0]*r[j][1]
	}
	return s / 2
}

func boxOf(polys []Polygon) Box {
	b := Box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, p := range polys {
		for _, r := range p {
			for _, c := range r {
				b.MinLng, b.MaxLng = math.Min(b.MinLng, c[0]), math.Max(b.MaxLng, c[0])
				b.MinLat, b.MaxLat = math.Min(b.MinLat, c[1]), math.Max(b.MaxLat, c[1])
			}
		}
	}
	return b
}

func union(a, b Box) Box {
	return Box{math.Min(a.MinLat, b.MinLat), math.Min(a.MinLng, b.MinLng), math.Max(a.MaxLat, b.MaxLat), math.Max(a.MaxLng, b.MaxLng)}
}
