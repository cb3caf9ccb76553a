package licence

import (
	"context"
	"net/http"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/web"
)

// API

// licencesOf reads the page pg of the licences the request's query
// selects (for the page and the API).
func (h *Handlers) licencesOf(r *http.Request, pg web.Paging) ([]LicRow, int, error) {
	f := LicFilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	return h.Svc.ListLicences(r.Context(), web.PrincipalFrom(r.Context()), f)
}

// applicationsOf reads the page pg of the applications the request's
// query selects (for the page and the API).
func (h *Handlers) applicationsOf(r *http.Request, pg web.Paging) ([]AppRow, int, error) {
	f := AppFilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	return h.Svc.ListApplications(r.Context(), web.PrincipalFrom(r.Context()), f)
}

// apiApplication is an application with its events and allowed steps as
// lists (never null).
func (h *Handlers) apiApplication(ctx context.Context, p *auth.Principal, id string) (AppView, error) {
	v, err := h.Svc.GetApplication(ctx, p, id)
	if v.Events == nil {
		v.Events = []Event{}
	}
	if v.Allowed == nil {
		v.Allowed = []string{}
	}
	return v, err
}
