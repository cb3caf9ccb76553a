package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/geo"
	"yingji/internal/kit/org"
	"yingji/internal/kit/web"
)

// MapConfig is the map's settings, read from the environment.
type MapConfig struct {
	// Tiles is an XYZ raster tile server on the bureau's network
	// (YINGJI_MAP_TILES, e.g. http://tiles.local/{z}/{x}/{y}.png); empty:
	// no base map, and nothing tries to reach a network.
	Tiles string
	// Attribution is shown under the map when tiles are drawn
	// (YINGJI_MAP_ATTRIBUTION, e.g. "© OpenStreetMap contributors").
	Attribution string
	// TileTimeout bounds one fetch from the tile server
	// (YINGJI_MAP_TILE_TIMEOUT, a Go duration; default 10s).
	TileTimeout time.Duration
}

// MapConfigFrom reads the map settings with getenv (os.Getenv).
func MapConfigFrom(getenv func(string) string) (MapConfig, error) {
	c := MapConfig{Tiles: strings.TrimSpace(getenv("YINGJI_MAP_TILES")), Attribution: strings.TrimSpace(getenv("YINGJI_MAP_ATTRIBUTION")),
		TileTimeout: 10 * time.Second}
	if c.Tiles != "" {
		if err := geo.CheckTileURL(c.Tiles); err != nil {
			return c, fmt.Errorf("YINGJI_MAP_TILES: %w", err)
		}
	}
	if s := strings.TrimSpace(getenv("YINGJI_MAP_TILE_TIMEOUT")); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("YINGJI_MAP_TILE_TIMEOUT %q: want a duration such as 10s", s)
		}
		c.TileTimeout = d
	}
	return c, nil
}

// tileMargin is how far (degrees) around the county the tile proxy serves.
const tileMargin = 0.5

// mapModule wires the map (企业地图): the county's outline, which also
// gives the county's extent for coordinate checks and places the demo
// records inside their towns; the enterprise layer; and the pages.
func (a *App) mapModule() (*module, error) {
	cfg, err := MapConfigFrom(os.Getenv)
	if err != nil {
		return nil, err
	}
	outline, err := geo.Load(a.Cfg.County, a.Cfg.DataDir)
	switch {
	case errors.Is(err, geo.ErrNoOutline):
		outline = nil
	case err != nil:
		return nil, fmt.Errorf("map outline: %w", err)
	}
	var limit *geo.Box
	if outline != nil {
		box := outline.Bounds()
		a.CountyBounds = &enterprise.Bounds{MinLat: box.MinLat, MinLng: box.MinLng, MaxLat: box.MaxLat, MaxLng: box.MaxLng, Inside: outline.Contains}
		a.DemoLocate = outline.RandomPointIn
		l := outline.Bounds().Grow(tileMargin)
		limit = &l
	}
	var tiles *geo.TileProxy
	if cfg.Tiles != "" {
		if tiles, err = geo.NewTileProxy(cfg.Tiles, filepath.Join(a.Cfg.DataDir, "geo", "tiles"), limit, cfg.TileTimeout); err != nil {
			return nil, fmt.Errorf("YINGJI_MAP_TILES: %w", err)
		}
	}
	// The enterprise layer comes first; modules built earlier may have
	// added theirs already, later ones add theirs after.
	a.MapLayers = append([]geo.Layer{a.enterpriseLayer()}, a.MapLayers...)
	var key []geo.KeyItem
	for _, r := range enterprise.Risks {
		key = append(key, geo.KeyItem{Colour: r.Tag, MsgID: "enterprise.risk." + r.Value})
	}
	h := &geo.Handlers{Outline: outline, Layers: func() []geo.Layer { return a.MapLayers }, Filters: a.mapFilters,
		Key: key, ListLink: "/enterprises", Tiles: tiles, Attribution: cfg.Attribution}
	return &module{
		name: "map",
		nav: []navEntry{{Area: "enterprise_area", Before: "enterprise_changes", Items: []web.NavItem{
			{Key: "map", Label: "nav.map", Path: "/map", Built: true},
		}}},
		templates: geo.Templates,
		locales:   geo.Locales,
		routes: func() web.Routes {
			h.UI = a.UI
			return h.Routes()
		},
	}, nil
}

// townNames returns town code → name of the principal's county.
func (a *App) townNames(ctx context.Context, p *auth.Principal) (map[string]string, error) {
	towns, err := a.Org.ListRegions(ctx, &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(towns))
	for _, t := range towns {
		out[t.Code] = t.Name
	}
	return out, nil
}

// enterpriseLayer puts the enterprises in scope that have coordinates on
// the map, coloured by risk level, filtered like the enterprise list.
func (a *App) enterpriseLayer() geo.Layer {
	return geo.Layer{
		Key:   "enterprises",
		Label: "map.layer.enterprises",
		Points: func(ctx context.Context, p *auth.Principal, q url.Values) ([]geo.Point, error) {
			lang := web.Lang(ctx)
			towns, err := a.townNames(ctx, p)
			if err != nil {
				return nil, err
			}
			f := enterprise.FilterOf(q)
			f.HasPoint = true
			var out []geo.Point
			err = a.Enterprise.Each(ctx, p, f, func(e enterprise.Enterprise) error {
				if e.Lat == nil || e.Lng == nil {
					return nil
				}
				_, colour := enterprise.RiskLabel(e.Risk, lang)
				if colour == "" {
					colour = "grey"
				}
				detail := org.SectorLabel(e.Sector, lang)
				if t := towns[e.TownCode]; t != "" {
					detail += " · " + t
				}
				out = append(out, geo.Point{Lat: *e.Lat, Lng: *e.Lng, Name: e.Name, Kind: "enterprises", Colour: colour,
					Link: "/enterprises/" + e.ID, Detail: detail})
				return nil
			})
			return out, err
		},
		Missing: func(ctx context.Context, p *auth.Principal, q url.Values) (int, error) {
			f := enterprise.FilterOf(q)
			f.Limit = 1
			_, all, err := a.Enterprise.List(ctx, p, f)
			if err != nil {
				return 0, err
			}
			f.HasPoint = true
			_, placed, err := a.Enterprise.List(ctx, p, f)
			return all - placed, err
		},
	}
}

// mapFilters are the selects above the map: those of the enterprise list
// (town, sector, status, risk) within the user's scope. Enterprise
// accounts see only their own enterprise and get none.
func (a *App) mapFilters(r *http.Request) ([]geo.Filter, error) {
	p := web.PrincipalFrom(r.Context())
	if p.Role == auth.RoleEnterprise {
		return nil, nil
	}
	towns, err := a.Org.ListRegions(r.Context(), p, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		return nil, err
	}
	town := geo.Filter{Name: "town", All: "user.all_towns"}
	for _, t := range towns {
		town.Choices = append(town.Choices, geo.Choice{Value: t.Code, Label: t.Name})
	}
	sector := geo.Filter{Name: "sector", All: "enterprise.all_sectors"}
	for _, s := range org.Sectors {
		if p.Role == auth.RoleSection && !slices.Contains(p.Sectors, s.Value) {
			continue
		}
		sector.Choices = append(sector.Choices, geo.Choice{Value: s.Value, MsgID: "sector." + s.Value})
	}
	status := geo.Filter{Name: "status", All: "user.all_status"}
	for _, s := range enterprise.Statuses {
		status.Choices = append(status.Choices, geo.Choice{Value: s.Value, MsgID: "enterprise.status." + s.Value})
	}
	risk := geo.Filter{Name: "risk", All: "enterprise.all_risks"}
	for _, s := range enterprise.Risks {
		risk.Choices = append(risk.Choices, geo.Choice{Value: s.Value, MsgID: "enterprise.risk." + s.Value})
	}
	// The 防火码 checkpoints' layer: active today or not.
	checkpoint := geo.Filter{Name: "checkpoint", All: "reduction.map_all_checkpoints",
		Choices: []geo.Choice{{Value: "active", MsgID: "reduction.checkpoint_active"}, {Value: "inactive", MsgID: "reduction.checkpoint_inactive"}}}
	return []geo.Filter{town, sector, status, risk, checkpoint}, nil
}
