package report

// FiguresAnswer is the period report as GET /api/v1/reports/figures (and
// the page's export.json) answers it: every figure by its ID.
type FiguresAnswer struct {
	Figures map[string]FigureAnswer `json:"figures" schema:"notnull"`
	From    string                  `json:"from"`
	Region  string                  `json:"region"`
	To      string                  `json:"to"`
}

// FigureAnswer is one figure of the report: its numbers by key, last
// year's numbers where the figure compares (同比), its sentence, and what
// kept the sentence from being written (problem) or looks inconsistent
// (warnings).
type FigureAnswer struct {
	LastYear map[string]float64      `json:"last_year,omitzero"`
	Label    string                  `json:"label"`
	Numbers  map[string]NumberAnswer `json:"numbers" schema:"notnull"`
	Problem  string                  `json:"problem,omitempty"`
	Section  string                  `json:"section"`
	Sentence string                  `json:"sentence"`
	Warnings []string                `json:"warnings,omitempty"`
	Words    map[string]string       `json:"words,omitempty"`
}

// NumberAnswer is one number of a figure: its value in its unit (count,
// yuan, decimal), the kind of record counted, the IDs of those records
// and the page listing them.
type NumberAnswer struct {
	Kind    string   `json:"kind"`
	Link    string   `json:"link"`
	Records []string `json:"records" schema:"notnull"`
	Unit    string   `json:"unit"`
	Value   float64  `json:"value"`
}
