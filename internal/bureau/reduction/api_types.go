package reduction

// FireHazardReported answers POST /api/v1/reduction/checkpoints/{id}/hazards:
// the ID of the hazard put into the hazard ledger.
type FireHazardReported struct {
	HazardID string `json:"hazard_id"`
}
