package hazard

import "yingji/internal/web"

// The shapes of the API answers written as maps in http_api.go, for the
// OpenAPI document (Endpoint.Out).

// ListAnswer is GET /api/v1/hazards: a page of the ledger and its counts.
type ListAnswer struct {
	web.PagedList[Record]
	Counts Counts `json:"counts"`
}

// DetailAnswer is GET /api/v1/hazards/{id}.
type DetailAnswer struct {
	Hazard   Record   `json:"hazard"`
	Timeline []Event  `json:"timeline"`
	Allowed  []Action `json:"allowed"`
	Card     Card     `json:"card"`
	Clause   string   `json:"clause"`
}

// SelfReportsAnswer is GET /api/v1/self-reports.
type SelfReportsAnswer struct {
	Period string             `json:"period"`
	Due    string             `json:"due"`
	Items  []SelfReportStatus `json:"items"`
	Counts SelfCounts         `json:"counts"`
}
