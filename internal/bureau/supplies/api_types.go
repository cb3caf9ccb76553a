package supplies

// Rejection is the body of POST /api/v1/dispatches/{id}/reject: why the
// dispatch is not approved.
type Rejection struct {
	Reason string `json:"reason"`
}
