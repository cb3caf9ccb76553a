package campaign

import "yingji/internal/bureau/campaign/special"

// SpecialCoverage answers GET /api/v1/special-campaigns/{id}: the
// campaign and its coverage by town and round.
type SpecialCoverage struct {
	Campaign special.Campaign `json:"campaign"`
	Coverage special.Coverage `json:"coverage"`
}
