package geo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// MaxZoom is the deepest tile zoom the proxy serves.
const MaxZoom = 18

// maxTileBytes bounds one tile read from the tile server.
const maxTileBytes = 4 << 20

// Tile errors: ErrTileNotFound when the tile does not exist (bad
// coordinates, outside the county, or the server has none),
// ErrTileUpstream when the tile server failed.
var (
	ErrTileNotFound = errors.New("geo: no such tile")
	ErrTileUpstream = errors.New("geo: tile server failed")
)

// TileProxy serves XYZ raster tiles (Web Mercator, 256 px) from a tile
// server on the local network through the application's own origin, so
// the page's CSP (img-src 'self') holds, and keeps each tile on disk: a
// tile is fetched from the server once.
type TileProxy struct {
	url    string // template with {z}, {x} and {y}
	dir    string
	client *http.Client
	limit  *Box
}

// CheckTileURL checks a tile server URL template: http or https, with
// the {z}, {x} and {y} placeholders.
func CheckTileURL(tmpl string) error {
	for _, p := range []string{"{z}", "{x}", "{y}"} {
		if !strings.Contains(tmpl, p) {
			return fmt.Errorf("tile URL %q lacks %s (want e.g. http://tiles.local/{z}/{x}/{y}.png)", tmpl, p)
		}
	}
	u, err := url.Parse(strings.NewReplacer("{z}", "0", "{x}", "0", "{y}", "0").Replace(tmpl))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("tile URL %q must be an http:// or https:// URL", tmpl)
	}
	return nil
}

// NewTileProxy returns a proxy for the tile server URL template, caching
// under dir. limit, when not nil, is the only area it serves tiles of (the
// county and some margin), so it is no open proxy for the whole world.
// timeout bounds one fetch from the tile server.
func NewTileProxy(tmpl, dir string, limit *Box, timeout time.Duration) (*TileProxy, error) {
	if err := CheckTileURL(tmpl); err != nil {
		return nil, err
	}
	if dir == "" {
		return nil, fmt.Errorf("tile proxy needs a cache directory")
	}
	return &TileProxy{url: tmpl, dir: dir, limit: limit, client: &http.Client{Timeout: timeout}}, nil
}

// TileBox returns the latitude/longitude box a tile covers.
func TileBox(z, x, y int) Box {
	n := math.Exp2(float64(z))
	lat := func(y float64) float64 { return math.Atan(math.Sinh(math.Pi*(1-2*y/n))) * 180 / math.Pi }
	return Box{MinLat: lat(float64(y + 1)), MinLng: float64(x)/n*360 - 180, MaxLat: lat(float64(y)), MaxLng: float64(x+1)/n*360 - 180}
}

// ParseTile reads tile coordinates from path segments and checks them.
func ParseTile(zs, xs, ys string) (z, x, y int, err error) {
	z, err1 := strconv.Atoi(zs)
	x, err2 := strconv.Atoi(xs)
	y, err3 := strconv.Atoi(strings.TrimSuffix(ys, ".png"))
	if err1 != nil || err2 != nil || err3 != nil || z < 0 || z > MaxZoom || x < 0 || y < 0 || x >= 1<<z || y >= 1<<z {
		return 0, 0, 0, ErrTileNotFound
	}
	return z, x, y, nil
}

// Tile returns one tile's bytes and content type, from the disk cache or
// else from the tile server.
func (t *TileProxy) Tile(ctx context.Context, z, x, y int) ([]byte, string, error) {
	if z < 0 || z > MaxZoom || x < 0 || y < 0 || x >= 1<<z || y >= 1<<z {
		return nil, "", ErrTileNotFound
	}
	if t.limit != nil && !t.limit.Intersects(TileBox(z, x, y)) {
		return nil, "", ErrTileNotFound
	}
	path := filepath.Join(t.dir, strconv.Itoa(z), strconv.Itoa(x), strconv.Itoa(y)+".tile")
	if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
		return b, http.DetectContentType(b), nil
	}
	b, err := t.fetch(ctx, z, x, y)
	if err != nil {
		return nil, "", err
	}
	if err := writeAtomic(path, b); err != nil {
		return nil, "", fmt.Errorf("cache tile: %w", err)
	}
	return b, http.DetectContentType(b), nil
}

func (t *TileProxy) fetch(ctx context.Context, z, x, y int) ([]byte, error) {
	u := strings.NewReplacer("{z}", strconv.Itoa(z), "{x}", strconv.Itoa(x), "{y}", strconv.Itoa(y)).Replace(t.url)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTileUpstream, err)
	}
	req.Header.Set("User-Agent", "Yingji tile proxy")
	res, err := t.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTileUpstream, err)
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusNotFound {
		return nil, ErrTileNotFound
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s answered %d", ErrTileUpstream, u, res.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(res.Body, maxTileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTileUpstream, err)
	}
	if len(b) > maxTileBytes {
		return nil, fmt.Errorf("%w: tile larger than %d bytes", ErrTileUpstream, maxTileBytes)
	}
	if !strings.HasPrefix(http.DetectContentType(b), "image/") {
		return nil, fmt.Errorf("%w: %s is not an image", ErrTileUpstream, u)
	}
	return b, nil
}

// writeAtomic writes a file through a temporary file and a rename, so a
// reader never sees half a tile.
func writeAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tile-*")
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}
