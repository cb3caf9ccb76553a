package certificate

import (
	"net/http"

	"yingji/internal/kit/web"
)

// API

func (h *Handlers) apiList(r *http.Request, pg web.Paging) ([]apiCertificate, int, error) {
	rows, total, err := h.certificatesOf(r, pg)
	if err != nil {
		return nil, 0, err
	}
	items := make([]apiCertificate, len(rows))
	for i, x := range rows {
		items[i] = apiCertificate{Certificate: x.Certificate, Status: x.Status, EnterpriseName: x.EnterpriseName}
	}
	return items, total, nil
}

// apiCertificate is a certificate in the API, with its computed status.
type apiCertificate struct {
	Certificate
	Status         string `json:"status"`
	EnterpriseName string `json:"enterprise_name,omitempty"`
}

func (h *Handlers) apiGet(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	c, e, err := h.Svc.Get(r.Context(), web.PrincipalFrom(r.Context()), id)
	if err != nil {
		h.fail(w, r, id, err)
		return
	}
	web.JSON(w, http.StatusOK, apiCertificate{Certificate: c, Status: StatusOf(c, h.Svc.Today()), EnterpriseName: e.Name})
}

func (h *Handlers) apiCreate(w http.ResponseWriter, r *http.Request) {
	var in Certificate
	if !h.UI.ReadJSON(w, r, &in) {
		return
	}
	in.ID = ""
	c, err := h.Svc.Create(r.Context(), web.PrincipalFrom(r.Context()), in)
	h.reply(w, r, http.StatusCreated, in.EnterpriseID, c, err)
}

func (h *Handlers) apiUpdate(w http.ResponseWriter, r *http.Request) {
	var in Certificate
	if !h.UI.ReadJSON(w, r, &in) {
		return
	}
	id := r.PathValue("id")
	c, err := h.Svc.Update(r.Context(), web.PrincipalFrom(r.Context()), id, in)
	h.reply(w, r, http.StatusOK, id, c, err)
}

func (h *Handlers) apiRenew(w http.ResponseWriter, r *http.Request) {
	var in RenewInput
	if !h.UI.ReadJSON(w, r, &in) {
		return
	}
	id := r.PathValue("id")
	c, err := h.Svc.Renew(r.Context(), web.PrincipalFrom(r.Context()), id, in)
	h.reply(w, r, http.StatusOK, id, c, err)
}

// reply answers a certificate written through the API with its status,
// or err (see fail: id is the certificate or enterprise reached for).
func (h *Handlers) reply(w http.ResponseWriter, r *http.Request, status int, id string, c Certificate, err error) {
	if err != nil {
		h.fail(w, r, id, err)
		return
	}
	web.JSON(w, status, apiCertificate{Certificate: c, Status: StatusOf(c, h.Svc.Today())})
}

func (h *Handlers) apiMissing(w http.ResponseWriter, r *http.Request) {
	res, err := h.Svc.Missing(r.Context(), web.PrincipalFrom(r.Context()), MissingFilterOf(r.URL.Query()))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, res)
}

// warningsOf reads the page pg of the warnings the request's query
// selects (for the page and the API).
func (h *Handlers) warningsOf(r *http.Request, pg web.Paging) ([]Warning, int, error) {
	f := WarningFilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	return h.Svc.Warnings(r.Context(), web.PrincipalFrom(r.Context()), f)
}

// warnInput is the API's warning request.
type warnInput struct {
	EnterpriseID string `json:"enterprise_id"`
	WarnedOn     Date   `json:"warned_on"`
	Note         string `json:"note"`
}

func (h *Handlers) apiWarn(w http.ResponseWriter, r *http.Request) {
	var in warnInput
	if !h.UI.ReadJSON(w, r, &in) {
		return
	}
	wn, err := h.Svc.IssueWarning(r.Context(), web.PrincipalFrom(r.Context()), in.EnterpriseID, in.WarnedOn, in.Note)
	if err != nil {
		h.fail(w, r, in.EnterpriseID, err)
		return
	}
	web.JSON(w, http.StatusCreated, wn)
}
