package sysadmin

import (
	"net/http"

	"yingji/internal/kit/web"
)

func (h *Handlers) tokensPage(w http.ResponseWriter, r *http.Request, status int, secret string) {
	list, err := h.Auth.ListTokens(r.Context(), web.PrincipalFrom(r.Context()))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.Show(w, r, status, "tokens", "nav.tokens", "tokens", map[string]any{"Tokens": list, "Secret": secret}, web.EmptyForm(nil))
}

func (h *Handlers) tokens(w http.ResponseWriter, r *http.Request) {
	h.tokensPage(w, r, http.StatusOK, "")
}

func (h *Handlers) createToken(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := web.NewForm(r)
	_, secret, err := h.Auth.CreateToken(r.Context(), p, p.UserID, f.Get("name"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	// The secret is shown once, on this response only.
	h.tokensPage(w, r, http.StatusCreated, secret)
}

func (h *Handlers) revokeToken(w http.ResponseWriter, r *http.Request) {
	err := h.Auth.RevokeToken(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	h.UI.Done(w, r, err, "/tokens", "token.revoked")
}
