package home

// Credentials are the body of POST /api/v1/login.
type Credentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
}
