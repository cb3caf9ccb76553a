package supervise

import (
	"net/http"

	"yingji/internal/kit/web"
)

// API

// cardsOf reads the page pg of the cards the request's query selects
// (for the page and the API).
func (h *Handlers) cardsOf(r *http.Request, pg web.Paging) ([]CardRow, int, error) {
	f, err := h.cardFilter(r)
	if err != nil {
		return nil, 0, err
	}
	f.Limit, f.Offset = pg.Size, pg.Offset()
	return h.Svc.Cards(r.Context(), web.PrincipalFrom(r.Context()), f)
}

func (h *Handlers) apiMonthly(w http.ResponseWriter, r *http.Request) {
	m, err := h.Svc.MonthlyCounts(r.Context(), web.PrincipalFrom(r.Context()), h.yearOf(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, m)
}

func (h *Handlers) apiProposals(w http.ResponseWriter, r *http.Request) {
	pg := web.PagingOf(r)
	f := ProposalFilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	list, total, err := h.Svc.ProposalPage(r.Context(), web.PrincipalFrom(r.Context()), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	web.ListJSON(w, list, total, pg)
}

func (h *Handlers) apiStats(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	q := r.URL.Query()
	from, to := q.Get("from"), q.Get("to")
	if to == "" {
		to = h.Svc.today()
	}
	letters, err := h.Svc.LetterStats(r.Context(), p, from, to)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	listings, err := h.Svc.ListingStats(r.Context(), p, from, to, q.Get("campaign"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, Stats{Letters: letters, Listings: listings})
}

// lettersOf reads the page pg of the letters the request's query selects
// (for the page and the API).
func (h *Handlers) lettersOf(r *http.Request, pg web.Paging) ([]Letter, int, error) {
	f := LetterFilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	return h.Svc.Letters(r.Context(), web.PrincipalFrom(r.Context()), f)
}

// listingsOf reads the page pg of the listings the request's query selects
// (for the page and the API).
func (h *Handlers) listingsOf(r *http.Request, pg web.Paging) ([]Listing, int, error) {
	f := ListingFilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	return h.Svc.Listings(r.Context(), web.PrincipalFrom(r.Context()), f)
}

// extensionsOf reads the page pg of the extension requests the request's query selects
// (for the page and the API).
func (h *Handlers) extensionsOf(r *http.Request, pg web.Paging) ([]Extension, int, error) {
	f := ExtensionFilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	return h.Svc.Extensions(r.Context(), web.PrincipalFrom(r.Context()), f)
}
