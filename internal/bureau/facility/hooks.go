package facility

import (
	"context"
	"net/url"
	"strings"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/geo"
	"yingji/internal/kit/web"
)

// LayerKey is the map layer of facilities.
const LayerKey = "facilities"

// Layer is the facilities' map layer: one point per facility in scope,
// at its own coordinates or else its enterprise's, coloured by kind and
// status (see Colour).
func (s *Service) Layer() geo.Layer {
	return geo.Layer{Key: LayerKey, Label: "facility.layer", Points: s.points}
}

// mapKindStatus reads the facility kind and status of the map page's
// query (facility_kind, facility_status; kind too, which the enterprise
// layer does not use). The map's other filters (town, sector, status,
// risk …) are the enterprise list's: a facility is shown when its
// enterprise matches them.
func mapKindStatus(q url.Values) Filter {
	var f Filter
	for _, k := range []string{"facility_kind", "kind"} {
		if _, ok := Rules[q.Get(k)]; ok {
			f.Kind = q.Get(k)
			break
		}
	}
	if c, ok := StatusOf(q.Get("facility_status")); ok {
		f.Status = c
	}
	return f
}

// placed returns the facilities in scope matching the map's query, each
// with the point it is shown at (nil: neither it nor its enterprise has
// coordinates).
func (s *Service) placed(ctx context.Context, p *auth.Principal, q url.Values) ([]Facility, [][2]*float64, error) {
	ents := map[string]enterprise.Enterprise{}
	err := s.ent.Each(ctx, p, enterprise.FilterOf(q), func(e enterprise.Enterprise) error {
		ents[e.ID] = e
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	f := mapKindStatus(q)
	if id := q.Get("enterprise"); id != "" {
		f.Enterprise = id
	}
	list, err := s.All(ctx, p, f)
	if err != nil {
		return nil, nil, err
	}
	var out []Facility
	var at [][2]*float64
	for _, x := range list {
		e, ok := ents[x.EnterpriseID]
		if !ok {
			continue // its enterprise does not match the map's filters
		}
		pt := [2]*float64{x.Lat, x.Lng}
		if x.Lat == nil {
			pt = [2]*float64{e.Lat, e.Lng}
		}
		out = append(out, x)
		at = append(at, pt)
	}
	return out, at, nil
}

func (s *Service) points(ctx context.Context, p *auth.Principal, q url.Values) ([]geo.Point, error) {
	list, at, err := s.placed(ctx, p, q)
	if err != nil {
		return nil, err
	}
	lang := web.Lang(ctx)
	out := []geo.Point{}
	for i, f := range list {
		lat, lng := at[i][0], at[i][1]
		if lat == nil || lng == nil {
			continue
		}
		detail := []string{KindLabel(f.Kind, lang), StatusLabel(f.Status, lang)}
		switch {
		case f.Kind == KindHazard:
			detail = append(detail, LevelLabel(f.Level, lang))
		case f.Kind == KindTailings && f.Grade > 0:
			detail = append(detail, GradeLabel(f.Grade, lang))
		}
		detail = append(detail, f.EnterpriseName)
		out = append(out, geo.Point{Lat: *lat, Lng: *lng, Name: f.Name, Kind: LayerKey, Colour: Colour(f),
			Link: "/facilities/" + f.ID, Detail: strings.Join(detail, " · ")})
	}
	return out, nil
}

// Related gives an enterprise's facilities on its page: the number of
// each kind it has, linking to its facility list.
func (s *Service) Related(ctx context.Context, p *auth.Principal, e enterprise.Enterprise) ([]enterprise.Related, error) {
	counts, err := s.CountByEnterprise(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	var out []enterprise.Related
	for _, k := range Kinds {
		if n := counts[k.Value]; n > 0 {
			out = append(out, enterprise.Related{Label: "facility.kind." + k.Value, Count: n, Link: "/facilities?enterprise=" + url.QueryEscape(e.ID)})
		}
	}
	return out, nil
}
