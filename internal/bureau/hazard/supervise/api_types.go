package supervise

// Stats answers GET /api/v1/supervision/stats: the letters (督办函) and
// listings (挂牌督办) of a period.
type Stats struct {
	Letters  LetterStat  `json:"letters"`
	Listings ListingStat `json:"listings"`
}
