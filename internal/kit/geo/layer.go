// Package geo holds the county's outline (towns as polygons), point
// checks, and the map's layers: each piece of work that has places
// (enterprises, facilities …) gives a Layer of points.
package geo

import (
	"context"
	"net/url"

	"yingji/internal/kit/auth"
)

// Point is one marker on the map.
type Point struct {
	Lat    float64 `json:"lat"`
	Lng    float64 `json:"lng"`
	Name   string  `json:"name"`
	Kind   string  `json:"kind"`   // layer key
	Colour string  `json:"colour"` // red | orange | yellow | blue | green | grey
	Link   string  `json:"link"`   // the record's page
	Detail string  `json:"detail"` // one line shown on hover
}

// Layer gives the points of one kind of record in the principal's scope,
// filtered by the map page's query parameters.
type Layer struct {
	Key    string // e.g. "enterprises"
	Label  string // message ID
	Points func(ctx context.Context, p *auth.Principal, q url.Values) ([]Point, error)
	// Missing counts the records in scope matching q that have no
	// coordinates, so the map can say how many it cannot show (optional).
	Missing func(ctx context.Context, p *auth.Principal, q url.Values) (int, error)
	// Filters are this layer's own selects above the map (e.g. a team's
	// type and level), shown to staff; their query parameters reach
	// Points. When one of them is set and no layer is asked for, the map
	// shows only the layers so filtered (optional).
	Filters []Filter
}

// filtered reports whether q sets one of the layer's own filters.
func (l Layer) filtered(q url.Values) bool {
	for _, f := range l.Filters {
		if q.Get(f.Name) != "" {
			return true
		}
	}
	return false
}
