// Command gen writes the bundled outline of the fictional demo county
// 示例县 (349901): the county and its eight towns and development zone as
// GeoJSON polygons that tile the county without gaps or overlaps.
//
//	go run ./internal/kit/geo/gen -o internal/kit/geo/data/349901.geojson
//
// How: the county is a wavy star-shaped polygon; each town is the county
// clipped to the town's cell of a power diagram (Voronoi cells with
// weights, so the development zone is small) around a seed point. Shared
// vertices are snapped together, every edge is cut into short steps in a
// direction-independent way, and one smooth warp is applied to all points,
// so the straight cell borders become plausible curves while neighbours
// keep exactly the same border. The output is deterministic.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
)

const (
	county   = "349901"
	name     = "示例县"
	lng0     = 118.30 // centre of the county
	lat0     = 30.925
	rxDeg    = 0.165 // half-width in degrees of longitude (before the waves)
	ryDeg    = 0.140 // half-height in degrees of latitude
	vertices = 120   // of the county polygon before the warp
	step     = 0.003 // densify step (degrees, local frame)
)

// kx turns degrees of longitude into the local frame where one unit is one
// degree of latitude (so distances are isotropic).
var kx = math.Cos(lat0 * math.Pi / 180)

// town is one town's seed; weight enlarges (+) or shrinks (−) its cell.
type town struct {
	code, name string
	lng, lat   float64
	weight     float64
}

// The towns must match internal/kit/demo (codes and names).
var towns = []town{
	{"349901100", "籍山镇", 118.300, 30.950, 0.0000},
	{"349901101", "弋江镇", 118.215, 31.035, 0.0010},
	{"349901102", "许镇镇", 118.395, 31.045, 0.0010},
	{"349901103", "家发镇", 118.455, 30.925, 0.0008},
	{"349901104", "工山镇", 118.380, 30.825, 0.0010},
	{"349901105", "三里镇", 118.255, 30.800, 0.0010},
	{"349901106", "何湾镇", 118.150, 30.880, 0.0006},
	{"349901107", "烟墩镇", 118.180, 30.975, 0.0000},
	{"349901400", "经济开发区", 118.348, 30.968, -0.0016},
}

type pt struct{ x, y float64 }

func toLocal(lng, lat float64) pt { return pt{(lng - lng0) * kx, lat - lat0} }
func toLngLat(p pt) (float64, float64) {
	return p.x/kx + lng0, p.y + lat0
}

// countyRing is the county before the warp, counter-clockwise.
func countyRing() []pt {
	out := make([]pt, vertices)
	for i := range out {
		t := 2 * math.Pi * float64(i) / vertices
		r := 1 + 0.09*math.Sin(2*t+2.6) + 0.07*math.Sin(3*t+0.5) + 0.05*math.Sin(5*t+1.3) + 0.025*math.Sin(8*t+2.1)
		out[i] = pt{rxDeg * kx * r * math.Cos(t), ryDeg * r * math.Sin(t)}
	}
	return out
}

// warp bends the plane smoothly; its displacement is small and its
// Jacobian stays positive (checked by checkWarp), so it keeps the tiling.
func warp(p pt) pt {
	dx := 0.006*math.Sin(p.y*50+0.7) + 0.0015*math.Sin((p.x+p.y)*140+1.9) + 0.0004*math.Sin(p.y*330+0.2)
	dy := 0.006*math.Sin(p.x*48+2.3) + 0.0015*math.Sin((p.x-p.y)*150+0.4) + 0.0004*math.Sin(p.x*310+1.1)
	return pt{p.x + dx, p.y + dy}
}

// checkWarp makes sure the warp does not fold the plane over the county.
func checkWarp() error {
	const h = 1e-6
	for x := -0.25; x <= 0.25; x += 0.001 {
		for y := -0.2; y <= 0.2; y += 0.001 {
			p, px, py := warp(pt{x, y}), warp(pt{x + h, y}), warp(pt{x, y + h})
			a, b := (px.x-p.x)/h, (py.x-p.x)/h
			c, d := (px.y-p.y)/h, (py.y-p.y)/h
			if a*d-b*c < 0.2 {
				return fmt.Errorf("warp folds near %.3f,%.3f", x, y)
			}
		}
	}
	return nil
}

// clip keeps the part of polygon poly where a·p ≤ b (Sutherland–Hodgman).
func clip(poly []pt, ax, ay, b float64) []pt {
	var out []pt
	in := func(p pt) bool { return ax*p.x+ay*p.y <= b }
	for i := range poly {
		cur, next := poly[i], poly[(i+1)%len(poly)]
		ci, ni := in(cur), in(next)
		if ci {
			out = append(out, cur)
		}
		if ci != ni {
			fc, fn := ax*cur.x+ay*cur.y-b, ax*next.x+ay*next.y-b
			t := fc / (fc - fn)
			out = append(out, pt{cur.x + t*(next.x-cur.x), cur.y + t*(next.y-cur.y)})
		}
	}
	return out
}

// cell is town i's part of the county: the points whose power distance to
// seed i is the smallest.
func cell(countyPoly []pt, i int) []pt {
	si := toLocal(towns[i].lng, towns[i].lat)
	poly := countyPoly
	for j := range towns {
		if j == i {
			continue
		}
		sj := toLocal(towns[j].lng, towns[j].lat)
		// |p−si|² − wi ≤ |p−sj|² − wj  ⇔  2p·(sj−si) ≤ |sj|² − |si|² − wj + wi
		ax, ay := 2*(sj.x-si.x), 2*(sj.y-si.y)
		b := sj.x*sj.x + sj.y*sj.y - si.x*si.x - si.y*si.y - towns[j].weight + towns[i].weight
		poly = clip(poly, ax, ay, b)
	}
	return poly
}

// pool snaps vertices that are equal up to rounding noise to one value.
type pool struct{ pts []pt }

func (pl *pool) snap(p pt) pt {
	for _, q := range pl.pts {
		if math.Abs(q.x-p.x) < 1e-9 && math.Abs(q.y-p.y) < 1e-9 {
			return q
		}
	}
	pl.pts = append(pl.pts, p)
	return p
}

func less(a, b pt) bool { return a.x < b.x || (a.x == b.x && a.y < b.y) }

// densify returns the inner points of edge a→b at about step apart,
// computed from the lesser endpoint so that b→a gives the same points.
func densify(a, b pt) []pt {
	rev := false
	if less(b, a) {
		a, b, rev = b, a, true
	}
	n := int(math.Ceil(math.Hypot(b.x-a.x, b.y-a.y) / step))
	var out []pt
	for k := 1; k < n; k++ {
		t := float64(k) / float64(n)
		out = append(out, pt{a.x + t*(b.x-a.x), a.y + t*(b.y-a.y)})
	}
	if rev {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out
}

// finish densifies, warps and rounds a ring, closing it (GeoJSON).
func finish(ring []pt) [][2]float64 {
	var out [][2]float64
	add := func(p pt) {
		lng, lat := toLngLat(warp(p))
		c := [2]float64{round6(lng), round6(lat)}
		if len(out) > 0 && out[len(out)-1] == c {
			return
		}
		out = append(out, c)
	}
	for i := range ring {
		a, b := ring[i], ring[(i+1)%len(ring)]
		add(a)
		for _, p := range densify(a, b) {
			add(p)
		}
	}
	if len(out) > 1 && out[len(out)-1] == out[0] {
		out = out[:len(out)-1]
	}
	return append(out, out[0])
}

func round6(f float64) float64 { return math.Round(f*1e6) / 1e6 }

// dedupe drops consecutive equal vertices of a ring.
func dedupe(ring []pt) []pt {
	var out []pt
	for _, p := range ring {
		if len(out) == 0 || out[len(out)-1] != p {
			out = append(out, p)
		}
	}
	for len(out) > 1 && out[len(out)-1] == out[0] {
		out = out[:len(out)-1]
	}
	return out
}

// onSegment reports whether p lies on segment a–b (strictly inside).
func onSegment(p, a, b pt) (float64, bool) {
	dx, dy := b.x-a.x, b.y-a.y
	l2 := dx*dx + dy*dy
	t := ((p.x-a.x)*dx + (p.y-a.y)*dy) / l2
	if t <= 1e-12 || t >= 1-1e-12 {
		return 0, false
	}
	cx, cy := a.x+t*dx-p.x, a.y+t*dy-p.y
	return t, cx*cx+cy*cy < 1e-18
}

// simple reports whether a closed ring has no crossing edges.
func simple(r [][2]float64) bool {
	n := len(r) - 1
	cross := func(a, b, c [2]float64) float64 {
		return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
	}
	for i := 0; i < n; i++ {
		for j := i + 2; j < n; j++ {
			if i == 0 && j == n-1 {
				continue
			}
			a, b, c, d := r[i], r[i+1], r[j], r[j+1]
			if cross(a, b, c)*cross(a, b, d) < 0 && cross(c, d, a)*cross(c, d, b) < 0 {
				return false
			}
		}
	}
	return true
}

func inRing(lng, lat float64, r [][2]float64) bool {
	in := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a[1] > lat) != (b[1] > lat) && lng < (b[0]-a[0])*(lat-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

// labelPoint finds a point well inside the ring (the grid point farthest
// from the border), where the map writes the town's name.
func labelPoint(r [][2]float64) [2]float64 {
	minLng, minLat, maxLng, maxLat := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, c := range r {
		minLng, maxLng = math.Min(minLng, c[0]), math.Max(maxLng, c[0])
		minLat, maxLat = math.Min(minLat, c[1]), math.Max(maxLat, c[1])
	}
	best, bestD := [2]float64{}, -1.0
	for lng := minLng; lng <= maxLng; lng += 0.002 {
		for lat := minLat; lat <= maxLat; lat += 0.002 {
			if !inRing(lng, lat, r) {
				continue
			}
			d := math.Inf(1)
			for i := 0; i+1 < len(r); i++ {
				d = math.Min(d, segDist(lng, lat, r[i], r[i+1]))
			}
			if d > bestD {
				best, bestD = [2]float64{lng, lat}, d
			}
		}
	}
	return [2]float64{math.Round(best[0]*1e4) / 1e4, math.Round(best[1]*1e4) / 1e4}
}

func segDist(lng, lat float64, a, b [2]float64) float64 {
	px, py := (lng-a[0])*kx, lat-a[1]
	dx, dy := (b[0]-a[0])*kx, b[1]-a[1]
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = math.Max(0, math.Min(1, (px*dx+py*dy)/l))
	}
	return math.Hypot(px-t*dx, py-t*dy)
}

type feature struct {
	code, name, level string
	ring              [][2]float64
	cp                [2]float64
}

// generate builds the GeoJSON document.
func generate() ([]byte, error) {
	if err := checkWarp(); err != nil {
		return nil, err
	}
	base := countyRing()
	var pl pool
	cells := make([][]pt, len(towns))
	for i := range towns {
		c := cell(base, i)
		if len(c) < 3 {
			return nil, fmt.Errorf("town %s has an empty cell", towns[i].code)
		}
		for k := range c {
			c[k] = pl.snap(c[k])
		}
		cells[i] = dedupe(c)
	}
	// The county ring gets every town vertex that lies on its edges, so
	// that its border is cut exactly where the towns' borders are.
	var ring []pt
	for i := range base {
		a, b := pl.snap(base[i]), pl.snap(base[(i+1)%len(base)])
		ring = append(ring, a)
		type at struct {
			t float64
			p pt
		}
		var on []at
		for _, p := range pl.pts {
			if t, ok := onSegment(p, a, b); ok {
				on = append(on, at{t, p})
			}
		}
		sort.Slice(on, func(i, j int) bool { return on[i].t < on[j].t })
		for _, x := range on {
			ring = append(ring, x.p)
		}
	}
	feats := []feature{{code: county, name: name, level: "county", ring: finish(dedupe(ring))}}
	for i, t := range towns {
		r := finish(cells[i])
		feats = append(feats, feature{code: t.code, name: t.name, level: "town", ring: r, cp: labelPoint(r)})
	}
	for _, f := range feats {
		if !simple(f.ring) {
			return nil, fmt.Errorf("%s: the ring crosses itself", f.code)
		}
		if f.level == "town" && !inRing(f.cp[0], f.cp[1], f.ring) {
			return nil, fmt.Errorf("%s: label point outside", f.code)
		}
	}
	return encode(feats), nil
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// encode writes the features, one per line, in a fixed order.
func encode(feats []feature) []byte {
	var b bytes.Buffer
	b.WriteString(`{"type":"FeatureCollection","name":"` + county + `","features":[` + "\n")
	for i, f := range feats {
		b.WriteString(`{"type":"Feature","properties":{"code":"` + f.code + `","name":"` + f.name + `","level":"` + f.level + `"`)
		if f.level == "town" {
			b.WriteString(`,"cp":[` + num(f.cp[0]) + `,` + num(f.cp[1]) + `]`)
		}
		b.WriteString(`},"geometry":{"type":"Polygon","coordinates":[[`)
		for k, c := range f.ring {
			if k > 0 {
				b.WriteByte(',')
			}
			b.WriteString("[" + num(c[0]) + "," + num(c[1]) + "]")
		}
		b.WriteString("]]}}")
		if i < len(feats)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("]}\n")
	return b.Bytes()
}

func main() {
	out := flag.String("o", "", "output file (default: standard output)")
	flag.Parse()
	doc, err := generate()
	if err == nil {
		if *out == "" {
			_, err = os.Stdout.Write(doc)
		} else {
			err = os.WriteFile(*out, doc, 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
