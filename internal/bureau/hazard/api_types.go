package hazard

// EnterpriseChoice is one enterprise offered by GET /hazards/enterprises
// (the report form's look-up) when it answers JSON.
type EnterpriseChoice struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	CreditCode string `json:"credit_code"`
	TownCode   string `json:"town_code"`
	Sector     string `json:"sector"`
}
