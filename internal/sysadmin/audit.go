package sysadmin

import (
	"net/http"
	"strconv"
	"time"

	"yingji/internal/audit"
	"yingji/internal/auth"
	"yingji/internal/web"
)

func strconvFormat(n int64) string { return strconv.FormatInt(n, 10) }

func (h *Handlers) registerAudit(rt *web.Router) {
	rt.Handle("GET /audit", h.auditLog)
	rt.Handle("GET /api/v1/audit", h.apiAudit)
}

// auditFilter reads the filter; the dates are days in Asia/Shanghai and
// the upper bound includes its whole day.
func auditFilter(r *http.Request, p *auth.Principal) audit.Filter {
	q := r.URL.Query()
	f := audit.Filter{CountyCode: p.CountyCode, Entity: q.Get("entity"), EntityID: q.Get("entity_id"), User: q.Get("user"), Action: q.Get("action")}
	if t, err := time.ParseInLocation("2006-01-02", q.Get("from"), web.Shanghai); err == nil {
		f.From = t
	}
	if t, err := time.ParseInLocation("2006-01-02", q.Get("to"), web.Shanghai); err == nil {
		f.To = t.AddDate(0, 0, 1)
	}
	return f
}

func (h *Handlers) auditLog(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := auditFilter(r, p)
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.Size, pg.Offset()
	rows, total, err := audit.List(r.Context(), h.DB.R(), f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	page := h.UI.NewPage(r, "", map[string]any{"Rows": rows, "Pager": web.PagerOf(pg, total)})
	page.Title = page.T("nav.audit")
	page.Active = "audit"
	h.UI.Render(w, r, http.StatusOK, "audit", page)
}

func (h *Handlers) apiAudit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := auditFilter(r, p)
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.Size, pg.Offset()
	rows, total, err := audit.List(r.Context(), h.DB.R(), f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	web.ListJSON(w, rows, total, pg)
}

// history returns an entity's change history (shown on its page).
func (h *Handlers) history(r *http.Request, entity, id string) ([]audit.Row, error) {
	return audit.ForEntity(r.Context(), h.DB.R(), entity, id)
}
