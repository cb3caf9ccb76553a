package geo

// MapPoints answers GET /api/v1/map/points: the layers asked for (or
// all in scope), each with its points.
type MapPoints struct {
	Layers []LayerPoints `json:"layers" schema:"notnull"`
}
