package certificate

import (
	"net/http"

	"yingji/internal/kit/web"
)

// Row is a certificate as the pages show it.
type Row struct {
	Certificate
	Status         string
	DaysLeft       int
	EnterpriseName string
}

func (h *Handlers) rows(r *http.Request, list []Certificate) ([]Row, error) {
	p := web.PrincipalFrom(r.Context())
	var idList []string
	for _, c := range list {
		idList = append(idList, c.EnterpriseID)
	}
	names, err := h.Ent.Names(r.Context(), p, idList)
	if err != nil {
		return nil, err
	}
	today := h.Svc.Today()
	out := make([]Row, len(list))
	for i, c := range list {
		out[i] = Row{Certificate: c, Status: StatusOf(c, today), DaysLeft: today.DaysUntil(c.ValidUntil), EnterpriseName: names[c.EnterpriseID]}
	}
	return out, nil
}

// certificatesOf reads the page pg of the certificates the request's
// query selects (for the page and the API).
func (h *Handlers) certificatesOf(r *http.Request, pg web.Paging) ([]Row, int, error) {
	f := FilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	list, total, err := h.Svc.List(r.Context(), web.PrincipalFrom(r.Context()), f)
	if err != nil {
		return nil, 0, err
	}
	rows, err := h.rows(r, list)
	return rows, total, err
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	pg := web.PagingOf(r)
	rows, total, err := h.certificatesOf(r, pg)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if id := FilterOf(r.URL.Query()).EnterpriseID; id != "" {
		if e, err := h.Ent.Get(r.Context(), p, id); err == nil {
			data["Enterprise"] = e
			ws, _, err := h.Svc.Warnings(r.Context(), p, WarningFilter{EnterpriseID: e.ID, State: "", Limit: 5})
			if err != nil {
				h.UI.Error(w, r, err)
				return
			}
			var open []Warning
			for _, x := range ws {
				if x.ClearedOn.IsZero() {
					open = append(open, x)
				}
			}
			wrows, err := h.warningRows(r, open)
			if err != nil {
				h.UI.Error(w, r, err)
				return
			}
			data["OpenWarnings"] = wrows
		}
	}
	data["Rows"], data["Pager"] = rows, web.PagerOf(pg, total)
	h.UI.Show(w, r, http.StatusOK, "certificates", "nav.certificates", "certificates", data, nil)
}
