package hazard

import (
	"context"
	"net/http"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/web"
)

func (h *Handlers) apiList(w http.ResponseWriter, r *http.Request) {
	f := FilterOf(r.URL.Query(), h.Svc.Today())
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.Size, pg.Offset()
	list, counts, err := h.Svc.Page(r.Context(), web.PrincipalFrom(r.Context()), f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if list == nil {
		list = []Record{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": list, "total": counts.Found, "counts": counts, "page": pg.Page, "size": pg.Size})
}

func (h *Handlers) apiGet(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	rec, tl, err := h.hazardOf(r, p)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	allowed := []Action{}
	for _, a := range Allowed(rec.Rules()) {
		if MayAct(p, rec, a) {
			allowed = append(allowed, a)
		}
	}
	if tl == nil {
		tl = []Event{}
	}
	card, err := h.Svc.CardOf(r.Context(), rec)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, map[string]any{"hazard": rec, "timeline": tl, "allowed": allowed, "card": card, "clause": ClauseText(rec.Clause)})
}

// apiStep takes a step sent as JSON (no files: those only through the
// web form); the clause may be given by its number or text.
func (h *Handlers) apiStep(ctx context.Context, p *auth.Principal, id string, in StepInput) (Record, error) {
	in.Clause, _ = FindClause(in.Clause)
	return h.Svc.Do(ctx, p, id, in, nil)
}

func (h *Handlers) apiStats(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := h.statsFilter(r.Context(), p, r.URL.Query())
	rows, err := h.Svc.StatsBy(r.Context(), p, f, r.URL.Query().Get("by"))
	if err != nil {
		h.UI.Error(w, r, errs.Field("by", "field.invalid", nil))
		return
	}
	if rows == nil {
		rows = []StatRow{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"from": f.From, "to": f.To, "by": r.URL.Query().Get("by"), "rows": rows})
}

func (h *Handlers) apiClauses(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	list := []Clause{}
	for _, c := range SearchClauses(q.Get("q")) {
		// found: only the clauses in force on that finding day.
		if ClauseInForce(c.Code, q.Get("found")) {
			list = append(list, c)
		}
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": list, "standards": Standards, "periods": standardPeriods})
}

func (h *Handlers) apiSelfReports(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	q := r.URL.Query()
	now := h.Svc.now()
	per, err := ParsePeriod(q.Get("period"))
	if err != nil {
		per = h.Svc.LatestReportedPeriod(r.Context(), p, now)
	}
	list, counts, err := h.Svc.SelfReportStatuses(r.Context(), p, per, SelfFilter{Town: q.Get("town"), Sector: q.Get("sector"), State: q.Get("state"), Q: q.Get("q")}, now)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if list == nil {
		list = []SelfReportStatus{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"period": per.String(), "due": Date(per.Due()), "items": list, "counts": counts})
}
