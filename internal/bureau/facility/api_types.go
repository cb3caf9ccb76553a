package facility

// CountsAnswer answers GET /api/v1/facilities/counts: the facilities by
// kind and status on a day, as a map (kind → status → number) and as a
// list of kinds with their statuses.
type CountsAnswer struct {
	Counts Counts      `json:"counts"`
	Date   string      `json:"date"`
	Kinds  []KindCount `json:"kinds" schema:"notnull"`
}

// ChangesAnswer answers GET /api/v1/facilities/changes: the status
// changes between two days (from and to, YYYY-MM-DD) and their number.
type ChangesAnswer struct {
	From  string   `json:"from"`
	Items []Change `json:"items"`
	To    string   `json:"to"`
	Total int      `json:"total"`
}
