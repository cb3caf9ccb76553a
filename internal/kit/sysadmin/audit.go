package sysadmin

import (
	"net/http"
	"strconv"
	"time"

	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/web"
)

func strconvFormat(n int64) string { return strconv.FormatInt(n, 10) }

// AuditEntities are the kinds of record the audit log's filter offers
// (each has a name "audit.entity.<kind>"; a test checks).
var AuditEntities = []string{"enterprise", "facility", "licence", "licence_application", "certificate", "certificate_check",
	"certificate_warning", "hazard", "hazard_event", "hazard_card", "hazard_self_report", "supervision_letter", "listing",
	"extension_request", "housing_campaign", "housing_building", "datacall_form", "datacall_call", "datacall_response",
	"special_campaign", "special_check", "user", "api_token", "unit", "region", "setting", "import"}

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

// auditRows reads one page of the audit log (the page's and the API's).
func (h *Handlers) auditRows(r *http.Request, pg web.Paging) ([]audit.Row, int, error) {
	f := auditFilter(r, web.PrincipalFrom(r.Context()))
	f.Limit, f.Offset = pg.Size, pg.Offset()
	return audit.List(r.Context(), h.DB.R(), f)
}

func (h *Handlers) auditLog(w http.ResponseWriter, r *http.Request) {
	pg := web.PagingOf(r)
	rows, total, err := h.auditRows(r, pg)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.Show(w, r, http.StatusOK, "audit", "nav.audit", "audit", map[string]any{"Rows": rows, "Pager": web.PagerOf(pg, total),
		"Entities": AuditEntities}, nil)
}

// history returns an entity's change history (shown on its page).
func (h *Handlers) history(r *http.Request, entity, id string) ([]audit.Row, error) {
	return audit.ForEntity(r.Context(), h.DB.R(), entity, id)
}
