package warning

import (
	"context"
	"net/http"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/web"
)

func (h *Handlers) apiImport(w http.ResponseWriter, r *http.Request) {
	x, err := h.Svc.Import(r.Context(), web.PrincipalFrom(r.Context()), http.MaxBytesReader(w, r.Body, MaxCAPBytes+1))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, x)
}

func (h *Handlers) apiList(r *http.Request, pg web.Paging) ([]Warning, int, error) {
	f := FilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	return h.Svc.List(r.Context(), web.PrincipalFrom(r.Context()), f)
}

// APIWarning is a warning with its recipients.
type APIWarning struct {
	Warning
	Recipients []Recipient `json:"recipients"`
	CAP        string      `json:"cap_url"`
}

func (h *Handlers) apiGet(ctx context.Context, p *auth.Principal, id string) (APIWarning, error) {
	x, err := h.Svc.Get(ctx, p, id)
	if err != nil {
		return APIWarning{}, err
	}
	recs, err := h.Svc.Recipients(ctx, p, id)
	if recs == nil {
		recs = []Recipient{}
	}
	return APIWarning{Warning: x, Recipients: recs, CAP: "/warnings/" + id + "/cap.xml"}, err
}

func (h *Handlers) apiStep(call func(ctx context.Context, p *auth.Principal, id string) (Warning, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		x, err := call(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
		if err != nil {
			h.UI.Error(w, r, err)
			return
		}
		web.JSON(w, http.StatusOK, x)
	}
}
