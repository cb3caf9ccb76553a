package campaign

import (
	"yingji/internal/bureau/campaign/housing"
	"yingji/internal/bureau/campaign/special"
)

// SpecialCoverage answers GET /api/v1/special-campaigns/{id}: the
// campaign and its coverage by town and round.
type SpecialCoverage struct {
	Campaign special.Campaign `json:"campaign"`
	Coverage special.Coverage `json:"coverage"`
}

// HousingProgress answers GET /api/v1/housing/{id}: the campaign, its
// progress by town at the cut-off day and the checks of the figures
// reported upward.
type HousingProgress struct {
	Campaign housing.Campaign  `json:"campaign"`
	Progress housing.Progress  `json:"progress"`
	Warnings []housing.Warning `json:"warnings" schema:"notnull"`
}

// BuildingDetail answers GET /api/v1/housing/{id}/buildings/{bid}: the
// building, its steps so far and the steps it may take next.
type BuildingDetail struct {
	Building housing.Building `json:"building"`
	Events   []housing.Event  `json:"events" schema:"notnull"`
	Next     []housing.Action `json:"next" schema:"notnull"`
}
