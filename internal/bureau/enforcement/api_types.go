package enforcement

// FinesAnswer answers GET /api/v1/enforcement/fines: the payments of the
// period, case by case, and their total in 分.
type FinesAnswer struct {
	Items    []LedgerPayment `json:"items" schema:"notnull"`
	TotalFen int64           `json:"total_fen"`
}

// NumberParts answers GET /api/v1/enforcement/documents/{id}/numbers: a
// document's number and the parts it is made of (（示）应急检记〔2022〕5号:
// abbr 示, word 检记, year 2022, serial 5).
type NumberParts struct {
	Abbr   string `json:"abbr"`
	Number string `json:"number"`
	Serial int    `json:"serial"`
	Word   string `json:"word"`
	Year   int    `json:"year"`
}
