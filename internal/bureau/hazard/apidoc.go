package hazard

import "yingji/internal/kit/web"

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
	Timeline []Event  `json:"timeline" schema:"notnull"`
	Allowed  []Action `json:"allowed" schema:"notnull"`
	Card     Card     `json:"card"`
	Clause   string   `json:"clause"`
}

// SelfReportsAnswer is GET /api/v1/self-reports.
type SelfReportsAnswer struct {
	Period string             `json:"period"`
	Due    string             `json:"due"`
	Items  []SelfReportStatus `json:"items" schema:"notnull"`
	Counts SelfCounts         `json:"counts"`
}

// StatsAnswer is GET /api/v1/hazards/stats.
type StatsAnswer struct {
	From string    `json:"from"`
	To   string    `json:"to"`
	By   string    `json:"by"`
	Rows []StatRow `json:"rows" schema:"notnull"`
}

// ClausesAnswer is GET /api/v1/hazards/clauses.
type ClausesAnswer struct {
	Items     []Clause           `json:"items" schema:"notnull"`
	Standards map[string]string  `json:"standards"`
	Periods   map[string]InForce `json:"periods"`
}
