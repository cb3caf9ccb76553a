package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"yingji/internal/app"
	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/demo"
	"yingji/internal/kit/geo"
)

// mapPoints is the answer of GET /api/v1/map/points.
type mapPoints struct {
	Layers []struct {
		Key     string      `json:"key"`
		Label   string      `json:"label"`
		Count   int         `json:"count"`
		Missing int         `json:"missing"`
		Points  []geo.Point `json:"points"`
	} `json:"layers"`
}

func getPoints(t *testing.T, a *app.App, token, query string) mapPoints {
	t.Helper()
	rec := do(a, "GET", "/api/v1/map/points?layer=enterprises&"+query, token, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("points %s: %d %s", query, rec.Code, rec.Body)
	}
	var out mapPoints
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Layers) != 1 || out.Layers[0].Key != "enterprises" || out.Layers[0].Count != len(out.Layers[0].Points) {
		t.Fatalf("points %s: layers %+v", query, out.Layers)
	}
	return out
}

func TestMapOutline(t *testing.T) {
	a := start(t, false)
	toks := tokens(t, a)
	rec := do(a, "GET", "/map/outline.geojson", toks[auth.RoleTown], nil)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/geo+json") {
		t.Fatalf("outline: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	var doc struct {
		Features []struct {
			Properties struct{ Code, Name, Level string } `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	var towns []string
	for _, f := range doc.Features {
		if len(f.Properties.Code) == 9 {
			towns = append(towns, f.Properties.Code+" "+f.Properties.Name)
		}
	}
	want := []string{"349901100 籍山镇", "349901101 弋江镇", "349901102 许镇镇", "349901103 家发镇", "349901104 工山镇",
		"349901105 三里镇", "349901106 何湾镇", "349901107 烟墩镇", "349901400 经济开发区"}
	if !slices.Equal(towns, want) {
		t.Errorf("towns %v, want %v", towns, want)
	}
	// Cached: the entity tag answers 304.
	etag := rec.Header().Get("ETag")
	req := httptest.NewRequest("GET", "/map/outline.geojson", nil)
	req.Header.Set("Authorization", "Bearer "+toks[auth.RoleAdmin])
	req.Header.Set("If-None-Match", etag)
	rec2 := httptest.NewRecorder()
	a.Handler.ServeHTTP(rec2, req)
	if etag == "" || rec2.Code != http.StatusNotModified || !strings.Contains(rec.Header().Get("Cache-Control"), "max-age") {
		t.Errorf("revalidation with %q: %d, Cache-Control %q", etag, rec2.Code, rec.Header().Get("Cache-Control"))
	}
	if rec := do(a, "GET", "/map/outline.geojson", "", nil); rec.Code == http.StatusOK {
		t.Error("the outline was served without a login")
	}
}

// TestMapPoints loads the demo and checks the points in each scope.
func TestMapPoints(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			a := start(t, engine == "postgres")
			ctx := context.Background()
			if err := a.LoadDemo(ctx, io.Discard); err != nil {
				t.Fatal(err)
			}
			outline, err := geo.Load("349901", "")
			if err != nil {
				t.Fatal(err)
			}
			toks := tokens(t, a)
			all := getPoints(t, a, toks[auth.RoleAdmin], "").Layers[0]
			total, _, _, err := a.Enterprise.Counts(ctx, a.System())
			if err != nil {
				t.Fatal(err)
			}
			if all.Count != total || all.Missing != 0 || total < 400 {
				t.Errorf("admin: %d points, %d missing, %d enterprises", all.Count, all.Missing, total)
			}
			// Every demo enterprise lies inside its own town.
			for _, p := range all.Points {
				id := strings.TrimPrefix(p.Link, "/enterprises/")
				e, err := a.Enterprise.Get(ctx, a.System(), id)
				if err != nil {
					t.Fatalf("%s: %v", p.Link, err)
				}
				if town, _ := outline.TownAt(p.Lat, p.Lng); town != e.TownCode {
					t.Errorf("%s (%s) at %v, %v lies in town %q", e.Name, e.TownCode, p.Lat, p.Lng, town)
				}
				if !strings.Contains(p.Detail, " · ") || p.Kind != "enterprises" {
					t.Errorf("%s: detail %q kind %q", e.Name, p.Detail, p.Kind)
				}
				want := map[string]string{"major": "red", "large": "orange", "general": "yellow", "low": "blue"}[e.Risk]
				if p.Colour != want {
					t.Errorf("%s: risk %s colour %s", e.Name, e.Risk, p.Colour)
				}
			}
			// A town's staff see only their town's enterprises.
			town := getPoints(t, a, toks[auth.RoleTown], "").Layers[0]
			_, inTown, err := a.Enterprise.List(ctx, a.System(), enterprise.Filter{Town: "349901100", Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			if town.Count != inTown || town.Count == 0 || town.Count >= all.Count {
				t.Errorf("town: %d points, %d enterprises in 籍山镇, %d in all", town.Count, inTown, all.Count)
			}
			for _, p := range town.Points {
				if c, _ := outline.TownAt(p.Lat, p.Lng); c != "349901100" || !strings.HasSuffix(p.Detail, "籍山镇") {
					t.Errorf("town user sees %s in %s (%s)", p.Name, c, p.Detail)
				}
			}
			// Asking for another town does not widen the scope.
			if other := getPoints(t, a, toks[auth.RoleTown], "town=349901104").Layers[0]; other.Count != 0 {
				t.Errorf("town user got %d points of another town", other.Count)
			}
			// An enterprise account sees its own enterprise only.
			own := getPoints(t, a, toks[auth.RoleEnterprise], "").Layers[0]
			if own.Count != 1 || own.Points[0].Link != "/enterprises/"+demo.EnterpriseID {
				t.Errorf("enterprise account: %+v", own.Points)
			}
			// Filters are those of the enterprise list.
			large := getPoints(t, a, toks[auth.RoleAdmin], "risk=large&sector=mine").Layers[0]
			if large.Count != 9 {
				t.Errorf("large-risk mines: %d points, want 9", large.Count)
			}
			for _, p := range large.Points {
				if p.Colour != "orange" {
					t.Errorf("large risk drawn %s", p.Colour)
				}
			}
			// Records without coordinates are counted, not drawn.
			body := `{"name":"示例县无坐标测试有限公司","credit_code":"` + enterprise.DemoCreditCode("349901", 9001) +
				`","town_code":"349901100","sector":"machinery"}`
			if rec := do(a, "POST", "/api/v1/enterprises", toks[auth.RoleAdmin], strings.NewReader(body)); rec.Code != http.StatusCreated {
				t.Fatalf("create without coordinates: %d %s", rec.Code, rec.Body)
			}
			after := getPoints(t, a, toks[auth.RoleTown], "").Layers[0]
			if after.Count != town.Count || after.Missing != 1 {
				t.Errorf("after one without coordinates: %d points, %d missing", after.Count, after.Missing)
			}
			if rec := do(a, "GET", "/api/v1/map/points?layer=nosuch", toks[auth.RoleAdmin], nil); rec.Code != http.StatusUnprocessableEntity ||
				!strings.Contains(rec.Body.String(), `"field":"layer"`) {
				t.Errorf("unknown layer: %d %s", rec.Code, rec.Body)
			}
			// Without layer=… every layer is given.
			rec := do(a, "GET", "/api/v1/map/points", toks[auth.RoleAdmin], nil)
			if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"key":"enterprises"`) {
				t.Errorf("all layers: %d", rec.Code)
			}
		})
	}
}

func TestMapCoordinatesOutsideCounty(t *testing.T) {
	a := start(t, false)
	if a.CountyBounds == nil {
		t.Fatal("the map module did not set the county's bounds")
	}
	toks := tokens(t, a)
	body := func(n int, lat, lng float64) io.Reader {
		b, _ := json.Marshal(map[string]any{"name": "示例县坐标测试有限公司", "credit_code": enterprise.DemoCreditCode("349901", n),
			"town_code": "349901100", "sector": "machinery", "lat": lat, "lng": lng})
		return strings.NewReader(string(b))
	}
	tests := []struct {
		lat, lng float64
		want     int
	}{
		{39.9, 116.4, http.StatusUnprocessableEntity}, // Beijing
		{30.5, 118.3, http.StatusUnprocessableEntity}, // south of the county
		{30.95, 118.3, http.StatusCreated},            // the county seat
	}
	for i, tc := range tests {
		rec := do(a, "POST", "/api/v1/enterprises", toks[auth.RoleAdmin], body(9100+i, tc.lat, tc.lng))
		if rec.Code != tc.want {
			t.Errorf("(%v, %v): %d %s, want %d", tc.lat, tc.lng, rec.Code, rec.Body, tc.want)
			continue
		}
		if tc.want == http.StatusUnprocessableEntity && !strings.Contains(rec.Body.String(), `"field":"lat"`) {
			t.Errorf("(%v, %v): the error does not name the field: %s", tc.lat, tc.lng, rec.Body)
		}
	}
}

func TestMapPage(t *testing.T) {
	a := start(t, false)
	toks := tokens(t, a)
	rec := do(a, "GET", "/map?town=349901104&risk=large&focus=01J0DEMOENTERPRISE00000001&page=2", toks[auth.RoleAdmin], nil)
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("map page: %d", rec.Code)
	}
	for _, want := range []string{`data-points="/api/v1/map/points?risk=large&amp;town=349901104"`, `data-outline="/map/outline.geojson"`,
		`data-focus="01J0DEMOENTERPRISE00000001"`, `data-town="349901104"`, `/static/map.js`, `name="sector"`, `id="map-list"`} {
		if !strings.Contains(body, want) {
			t.Errorf("map page lacks %s", want)
		}
	}
	if strings.Contains(body, "data-tiles") {
		t.Error("tiles drawn without a tile server")
	}
	// Town staff start on their town; enterprise accounts get no filters.
	if rec := do(a, "GET", "/map", toks[auth.RoleTown], nil); !strings.Contains(rec.Body.String(), `data-town="349901100"`) {
		t.Errorf("town page: %d", rec.Code)
	}
	rec = do(a, "GET", "/map?focus=<script>", toks[auth.RoleEnterprise], nil)
	if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `id="map-filters"`) || !strings.Contains(rec.Body.String(), `data-focus=""`) {
		t.Errorf("enterprise page: %d", rec.Code)
	}
}

func TestMapPolicyFollowsEnterpriseReaders(t *testing.T) {
	want := (&enterprise.Handlers{}).Routes().Policy()["GET /enterprises/{id}"]
	for route, roles := range (&geo.Handlers{}).Routes().Policy() {
		if !slices.Equal(roles, want) {
			t.Errorf("%s: roles %v, want those who read enterprises %v", route, roles, want)
		}
	}
}

func TestMapConfigFrom(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := app.MapConfigFrom(env(nil))
	if err != nil || c.Tiles != "" || c.TileTimeout != 10*time.Second {
		t.Errorf("empty: %+v %v", c, err)
	}
	c, err = app.MapConfigFrom(env(map[string]string{"YINGJI_MAP_TILES": " http://tiles.local/{z}/{x}/{y}.png ",
		"YINGJI_MAP_ATTRIBUTION": "© 测绘", "YINGJI_MAP_TILE_TIMEOUT": "3s"}))
	if err != nil || c.Tiles != "http://tiles.local/{z}/{x}/{y}.png" || c.Attribution != "© 测绘" || c.TileTimeout != 3*time.Second {
		t.Errorf("set: %+v %v", c, err)
	}
	for _, bad := range []map[string]string{{"YINGJI_MAP_TILES": "http://tiles.local/{z}/{x}.png"}, {"YINGJI_MAP_TILES": "tiles.local/{z}/{x}/{y}"},
		{"YINGJI_MAP_TILE_TIMEOUT": "soon"}, {"YINGJI_MAP_TILE_TIMEOUT": "-1s"}} {
		if _, err := app.MapConfigFrom(env(bad)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestMapTilesNotConfigured(t *testing.T) {
	t.Setenv("YINGJI_MAP_TILES", "")
	a := start(t, false)
	toks := tokens(t, a)
	if rec := do(a, "GET", "/map/tiles/12/3393/1677", toks[auth.RoleAdmin], nil); rec.Code != http.StatusNotFound {
		t.Errorf("tile without a tile server: %d", rec.Code)
	}
	if _, err := os.Stat(filepath.Join(a.Cfg.DataDir, "geo", "tiles")); err == nil {
		t.Error("a tile cache was made without a tile server")
	}
}

func TestMapTileProxy(t *testing.T) {
	var hits atomic.Int32
	var down atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if r.URL.Path != "/osm/12/3393/1677.png" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00"))
	}))
	defer srv.Close()
	t.Setenv("YINGJI_MAP_TILES", srv.URL+"/osm/{z}/{x}/{y}.png")
	t.Setenv("YINGJI_MAP_ATTRIBUTION", "测试底图")
	a := start(t, false)
	toks := tokens(t, a)
	rec := do(a, "GET", "/map/tiles/12/3393/1677", toks[auth.RoleTown], nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/png" {
		t.Fatalf("tile: %d %s %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	if _, err := os.Stat(filepath.Join(a.Cfg.DataDir, "geo", "tiles", "12", "3393", "1677.tile")); err != nil {
		t.Errorf("tile not cached under DATA/geo/tiles: %v", err)
	}
	// Cached: served while the tile server is down.
	down.Store(true)
	if rec := do(a, "GET", "/map/tiles/12/3393/1677", toks[auth.RoleTown], nil); rec.Code != http.StatusOK || hits.Load() != 1 {
		t.Errorf("cached tile: %d after %d fetches", rec.Code, hits.Load())
	}
	tests := []struct {
		path string
		want int
	}{
		{"/map/tiles/12/3393/1678", http.StatusBadGateway}, // the server is down
		{"/map/tiles/12/100/100", http.StatusNotFound},     // far from the county
		{"/map/tiles/30/0/0", http.StatusNotFound},
		{"/map/tiles/a/b/c", http.StatusNotFound},
	}
	for _, tc := range tests {
		if rec := do(a, "GET", tc.path, toks[auth.RoleAdmin], nil); rec.Code != tc.want {
			t.Errorf("%s: %d, want %d", tc.path, rec.Code, tc.want)
		}
	}
	if rec := do(a, "GET", "/map/tiles/12/3393/1677", "", nil); rec.Code == http.StatusOK {
		t.Error("a tile was served without a login")
	}
	page := do(a, "GET", "/map", toks[auth.RoleAdmin], nil).Body.String()
	if !strings.Contains(page, `data-tiles="/map/tiles/"`) || !strings.Contains(page, "测试底图") {
		t.Error("the map page does not draw the tiles")
	}
}
