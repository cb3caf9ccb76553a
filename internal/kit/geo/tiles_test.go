package geo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// png is the start of a PNG file: enough for content sniffing.
var png = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00")

func TestCheckTileURL(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"http://tiles.local/{z}/{x}/{y}.png", true},
		{"https://10.0.0.5:8443/osm/{z}/{x}/{y}", true},
		{"http://tiles.local/{z}/{x}.png", false},
		{"ftp://tiles.local/{z}/{x}/{y}", false},
		{"/tiles/{z}/{x}/{y}", false},
		{"tiles.local/{z}/{x}/{y}", false},
	}
	for _, tc := range tests {
		if err := CheckTileURL(tc.url); (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok %v", tc.url, err, tc.ok)
		}
	}
}

func TestTileMath(t *testing.T) {
	tests := []struct {
		z, x, y int
		want    Box
	}{
		{0, 0, 0, Box{-85.0511287798, -180, 85.0511287798, 180}},
		{1, 1, 0, Box{0, 0, 85.0511287798, 180}},
		{1, 0, 1, Box{-85.0511287798, -180, 0, 0}},
	}
	for _, tc := range tests {
		got := TileBox(tc.z, tc.x, tc.y)
		for i, v := range []float64{got.MinLat - tc.want.MinLat, got.MinLng - tc.want.MinLng, got.MaxLat - tc.want.MaxLat, got.MaxLng - tc.want.MaxLng} {
			if math.Abs(v) > 1e-8 {
				t.Errorf("TileBox(%d,%d,%d) = %+v, want %+v (field %d)", tc.z, tc.x, tc.y, got, tc.want, i)
			}
		}
	}
	// The tile holding the demo county's seat at zoom 12.
	b := TileBox(12, 3393, 1677)
	if !b.Contains(30.95, 118.3) {
		t.Errorf("tile 12/3393/1677 = %+v does not hold 30.95, 118.3", b)
	}
	parse := []struct {
		z, x, y string
		ok      bool
	}{
		{"12", "3393", "1677", true},
		{"12", "3393", "1677.png", true},
		{"0", "0", "0", true},
		{"0", "1", "0", false},
		{"19", "0", "0", false},
		{"-1", "0", "0", false},
		{"a", "0", "0", false},
		{"3", "8", "0", false},
	}
	for _, tc := range parse {
		_, _, _, err := ParseTile(tc.z, tc.x, tc.y)
		if (err == nil) != tc.ok {
			t.Errorf("ParseTile(%s,%s,%s): err = %v, want ok %v", tc.z, tc.x, tc.y, err, tc.ok)
		}
	}
}

func TestTileProxy(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/12/3393/1677.png":
			if r.Header.Get("User-Agent") == "" {
				t.Error("no User-Agent")
			}
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write(png)
		case "/12/3393/1678.png":
			w.WriteHeader(http.StatusInternalServerError)
		case "/12/3394/1677.png":
			_, _ = w.Write([]byte("<html>login page of a captive portal</html>"))
		case "/12/3394/1678.png":
			time.Sleep(300 * time.Millisecond)
			_, _ = w.Write(png)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	limit := Box{30.75, 118.1, 31.1, 118.5}
	p, err := NewTileProxy(srv.URL+"/{z}/{x}/{y}.png", dir, &limit, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	b, ctype, err := p.Tile(ctx, 12, 3393, 1677)
	if err != nil || ctype != "image/png" || string(b) != string(png) {
		t.Fatalf("tile: %q %v", ctype, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "12", "3393", "1677.tile")); err != nil {
		t.Errorf("not cached: %v", err)
	}
	// The second time comes from the disk.
	if _, _, err := p.Tile(ctx, 12, 3393, 1677); err != nil || hits.Load() != 1 {
		t.Errorf("cached tile: %v, %d fetches", err, hits.Load())
	}
	tests := []struct {
		z, x, y int
		want    error
	}{
		{12, 3393, 1678, ErrTileUpstream}, // server error
		{12, 3394, 1677, ErrTileUpstream}, // not an image
		{12, 3394, 1678, ErrTileUpstream}, // too slow
		{12, 3393, 1676, ErrTileNotFound}, // the server has none
		{12, 100, 100, ErrTileNotFound},   // far outside the county: not fetched
		{19, 0, 0, ErrTileNotFound},       // too deep
		{2, 4, 0, ErrTileNotFound},        // no such tile
	}
	for _, tc := range tests {
		before := hits.Load()
		_, _, err := p.Tile(ctx, tc.z, tc.x, tc.y)
		if !errors.Is(err, tc.want) {
			t.Errorf("%d/%d/%d: err = %v, want %v", tc.z, tc.x, tc.y, err, tc.want)
		}
		if fetched := hits.Load() != before; fetched != (tc.z == 12 && tc.x > 3000) {
			t.Errorf("%d/%d/%d: fetched %v", tc.z, tc.x, tc.y, fetched)
		}
		if _, err := os.Stat(filepath.Join(dir, fmt.Sprint(tc.z), fmt.Sprint(tc.x), fmt.Sprint(tc.y)+".tile")); err == nil {
			t.Errorf("%d/%d/%d: a failed tile was cached", tc.z, tc.x, tc.y)
		}
	}
	if _, err := NewTileProxy("http://x/{z}/{x}", dir, nil, time.Second); err == nil {
		t.Error("a URL without {y} was accepted")
	}
}
