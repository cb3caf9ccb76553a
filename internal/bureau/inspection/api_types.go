package inspection

// PlanApproval is the body of POST /api/v1/inspection-plans/{id}/approve:
// the day the county government approved the plan and its reference.
type PlanApproval struct {
	ApprovedOn  string `json:"approved_on"`
	ApprovalRef string `json:"approval_ref"`
}

// Replayed answers GET /api/v1/inspection-draws/{id}/replay: the tasks
// drawn again from the stored seed and pools, and whether they are the
// stored ones.
type Replayed struct {
	Identical bool   `json:"identical"`
	Tasks     []Task `json:"tasks"`
}

// Saved answers POST /inspections when the client asks for JSON (the
// phone's offline queue): the inspection's ID, whether this request
// created it (false: its client_id was already recorded) and the hazards
// it raised.
type Saved struct {
	Created bool   `json:"created"`
	Hazards int    `json:"hazards"`
	ID      string `json:"id"`
}
