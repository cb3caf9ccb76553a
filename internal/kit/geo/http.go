package geo

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/web"
)

// Templates and Locales of the map page.
//
//go:embed templates/*.html
var Templates embed.FS

//go:embed locales/*.json
var Locales embed.FS

// Choice is one option of a filter: Label is shown as it is, or MsgID is
// translated when set.
type Choice struct {
	Value, Label, MsgID string
}

// Filter is one select above the map (its query parameter, the message ID
// of its "all" option, and its options).
type Filter struct {
	Name    string
	All     string
	Choices []Choice
}

// KeyItem is one entry of the colour key under the map.
type KeyItem struct {
	Colour string
	MsgID  string
}

// Handlers serve the map page, the outline, the points and the tiles.
type Handlers struct {
	UI      *web.UI
	Outline *Outline // nil: no outline (points on a plain chart)
	// Layers returns the map's layers; read at request time, so modules
	// built later still add theirs.
	Layers func() []Layer
	// Filters returns the selects above the map for the request's user
	// (nil: no filters); the text search "q" is always offered to staff.
	Filters func(r *http.Request) ([]Filter, error)
	// Key is the colour key shown under the map.
	Key []KeyItem
	// ListLink is the list page the map's filters come from ("/enterprises").
	ListLink string
	Tiles    *TileProxy // nil: no tile server configured
	// Attribution is shown under the map when tiles are drawn (the tile
	// data's licence usually asks for it).
	Attribution string
}

// readers may open the map: every role that may read an enterprise (see
// enterprise.Policy, "GET /enterprises/{id}"); the layers limit what each
// sees to their scope.
var readers = []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer, auth.RoleDuty, auth.RoleTown,
	auth.RoleDepartment, auth.RoleEnterprise, auth.RoleReadOnly}

// Routes declares the map routes.
func (h *Handlers) Routes() web.Routes {
	return web.Routes{
		{Pattern: "GET /map", Roles: readers, Handler: h.page},
		{Pattern: "GET /map/outline.geojson", Roles: readers, Handler: h.outline},
		{Pattern: "GET /map/tiles/{z}/{x}/{y}", Roles: readers, Handler: h.tile},
		{Pattern: "GET /api/v1/map/points", Out: MapPoints{}, Roles: readers, Handler: h.points, API: "地图点位（layer, q, town, sector, status, risk） / Map points of the layers in scope"},
	}
}

// idRE is what a record ID to focus on looks like (ULIDs and the like).
var idRE = regexp.MustCompile(`^[0-9A-Za-z_-]{1,64}$`)

// pageQuery is the query passed on to the points: the filters without
// the page's own parameters.
func pageQuery(q url.Values) url.Values {
	c := url.Values{}
	for k, v := range q {
		if k == "focus" || k == "page" || k == "size" {
			continue
		}
		var keep []string
		for _, s := range v {
			if s != "" {
				keep = append(keep, s)
			}
		}
		if len(keep) > 0 {
			c[k] = keep
		}
	}
	return c
}

// texts are the page script's words, translated for the request.
var texts = []string{"loading", "shown", "missing", "sep", "none", "focus_missing", "error", "open", "lat", "lng", "tiles_failed"}

func (h *Handlers) page(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	lang := web.Lang(r.Context())
	q := r.URL.Query()
	var filters []Filter
	if h.Filters != nil {
		var err error
		if filters, err = h.Filters(r); err != nil {
			h.UI.Error(w, r, err)
			return
		}
	}
	if p.Role != auth.RoleEnterprise && h.Layers != nil {
		// Which layer to show, then each layer's own selects.
		layers := h.Layers()
		if len(layers) > 1 {
			pick := Filter{Name: "layer", All: "map.all_layers"}
			for _, l := range layers {
				pick.Choices = append(pick.Choices, Choice{Value: l.Key, MsgID: l.Label})
			}
			filters = append([]Filter{pick}, filters...)
		}
		for _, l := range layers {
			filters = append(filters, l.Filters...)
		}
	}
	focus := q.Get("focus")
	if !idRE.MatchString(focus) {
		focus = ""
	}
	town := q.Get("town")
	if town == "" && p.Role == auth.RoleTown {
		town = p.RegionCode
	}
	words := map[string]string{}
	for _, k := range texts {
		words[k] = h.UI.I18n.T(lang, "map.js."+k, nil)
	}
	i18n, _ := json.Marshal(words)
	pq := pageQuery(q)
	points := "/api/v1/map/points"
	if len(pq) > 0 {
		points += "?" + pq.Encode()
	}
	list := ""
	if h.ListLink != "" {
		list = h.ListLink
		if len(pq) > 0 {
			list += "?" + pq.Encode()
		}
	}
	data := map[string]any{
		"HasOutline": h.Outline != nil, "Filters": filters, "Search": p.Role != auth.RoleEnterprise,
		"PointsURL": points, "Focus": focus, "Town": town, "I18n": string(i18n), "Key": h.Key, "ListLink": list,
		"Tiles": h.Tiles != nil && h.Outline != nil, "Attribution": h.Attribution, "County": "",
	}
	if h.Outline != nil {
		data["County"] = h.Outline.County
	}
	page := h.UI.NewPage(r, "", data)
	page.Title = page.T("nav.map")
	page.Active = "map"
	h.UI.Render(w, r, http.StatusOK, "map", page)
}

func (h *Handlers) outline(w http.ResponseWriter, r *http.Request) {
	if h.Outline == nil {
		h.UI.Fail(w, r, http.StatusNotFound, "map.no_outline")
		return
	}
	doc, etag := h.Outline.GeoJSON()
	w.Header().Set("Content-Type", "application/geo+json")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	w.Header().Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(doc))
}

// LayerPoints are one layer's points in GET /api/v1/map/points (Missing:
// its records in scope without coordinates).
type LayerPoints struct {
	Key     string  `json:"key"`
	Label   string  `json:"label"`
	Count   int     `json:"count"`
	Missing int     `json:"missing"` // records without coordinates
	Points  []Point `json:"points" schema:"notnull"`
}

func (h *Handlers) points(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	lang := web.Lang(r.Context())
	q := r.URL.Query()
	var want []string
	for _, v := range q["layer"] {
		for _, k := range strings.Split(v, ",") {
			if k = strings.TrimSpace(k); k != "" {
				want = append(want, k)
			}
		}
	}
	var layers []Layer
	if h.Layers != nil {
		layers = h.Layers()
	}
	for _, k := range want {
		if !slices.ContainsFunc(layers, func(l Layer) bool { return l.Key == k }) {
			h.UI.Error(w, r, errs.Field("layer", "map.layer_unknown", map[string]any{"Layer": k}))
			return
		}
	}
	if len(want) == 0 {
		// A layer's own filter set (a team type, a warehouse kind) and no
		// layer asked for: the map shows the layers so filtered.
		for _, l := range layers {
			if l.filtered(q) {
				want = append(want, l.Key)
			}
		}
	}
	out := []LayerPoints{}
	for _, l := range layers {
		if len(want) > 0 && !slices.Contains(want, l.Key) {
			continue
		}
		pts, err := l.Points(r.Context(), p, q)
		if err != nil {
			h.UI.Error(w, r, err)
			return
		}
		if pts == nil {
			pts = []Point{}
		}
		lj := LayerPoints{Key: l.Key, Label: h.UI.I18n.T(lang, l.Label, nil), Count: len(pts), Points: pts}
		if l.Missing != nil {
			if lj.Missing, err = l.Missing(r.Context(), p, q); err != nil {
				h.UI.Error(w, r, err)
				return
			}
		}
		out = append(out, lj)
	}
	web.JSON(w, http.StatusOK, MapPoints{Layers: out})
}

func (h *Handlers) tile(w http.ResponseWriter, r *http.Request) {
	if h.Tiles == nil {
		http.Error(w, "no tile server is configured", http.StatusNotFound)
		return
	}
	z, x, y, err := ParseTile(r.PathValue("z"), r.PathValue("x"), r.PathValue("y"))
	var b []byte
	var ctype string
	if err == nil {
		b, ctype, err = h.Tiles.Tile(r.Context(), z, x, y)
	}
	switch {
	case errors.Is(err, ErrTileNotFound):
		http.Error(w, "no such tile", http.StatusNotFound)
		return
	case errors.Is(err, ErrTileUpstream):
		h.UI.Log.Warn("map tile", "err", err)
		http.Error(w, "the tile server did not answer", http.StatusBadGateway)
		return
	case err != nil:
		h.UI.Log.Error("map tile", "err", err)
		http.Error(w, "tile error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "private, max-age=604800")
	_, _ = w.Write(b)
}
