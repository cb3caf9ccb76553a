package duty

// ShiftsAnswer answers GET /api/v1/duty/shifts: the roster's shifts
// between two days (from and to, YYYY-MM-DD) with their people.
type ShiftsAnswer struct {
	From  string  `json:"from"`
	Items []Shift `json:"items" schema:"notnull"`
	To    string  `json:"to"`
}
