package supervise

import (
	"context"
	"net/http"
	"strings"

	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/web"
)

// Listings

func (h *Handlers) listingForm(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	set, err := h.Svc.Settings(r.Context(), p.CountyCode)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := map[string]string{"hazard_id": r.URL.Query().Get("hazard"), "listed_on": h.Svc.today(), "level": LevelCounty, "issuer": set.Issuer}
	h.formPage(w, r, http.StatusOK, "listing", "sup_listing_form", "supervise.listing_new", web.EmptyForm(v), h.listingExtra(set))
}

func (h *Handlers) listingExtra(set Settings) map[string]any {
	return map[string]any{"Levels": Levels, "NumberSample": FormatNumber(set.ListingPrefix, day(h.Svc.today()).Year(), 1)}
}

func (h *Handlers) listHazard(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	p := web.PrincipalFrom(r.Context())
	l, err := h.Svc.ListHazard(r.Context(), p, ListingInput{HazardID: f.Get("hazard_id"), Level: f.Get("level"), Issuer: f.Get("issuer"),
		Responsible: f.Get("responsible"), Number: f.Get("number"), ListedOn: f.Get("listed_on"), Requirements: r.PostForm.Get("requirements"),
		PublishedOn: f.Get("published_on")})
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.IsInvalid, func(status int) {
			set, serr := h.Svc.Settings(r.Context(), p.CountyCode)
			if serr != nil {
				h.fail(w, r, serr)
				return
			}
			h.formPage(w, r, status, "listing", "sup_listing_form", "supervise.listing_new", f, h.listingExtra(set))
		})
		return
	}
	h.UI.Redirect(w, r, "/supervision/listings/"+l.ID, "supervise.listed", "Number", l.Number)
}

// listingPage renders a listing with a step's form kept after a refusal.
func (h *Handlers) listingPage(w http.ResponseWriter, r *http.Request, status int, id string, forms map[string]*web.Form) {
	p := web.PrincipalFrom(r.Context())
	v, err := h.Svc.GetListing(r.Context(), p, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data, err := h.lookups(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if forms == nil {
		forms = map[string]*web.Form{}
	}
	for _, k := range []string{"publish", "request_acceptance", "accept", "delist"} {
		if forms[k] == nil {
			forms[k] = web.EmptyForm(map[string]string{"on": h.Svc.today(), "pass": "1"})
		}
	}
	data["V"], data["Forms"] = v, forms
	data["CanDecide"] = p.Is(Deciders...)
	data["CanRequest"] = p.Is(accepters...)
	data["CanExtend"] = p.Is(Requesters...) && (v.Hazard.State == hazard.Ordered || v.Hazard.State == hazard.Rectifying)
	page := h.UI.NewPage(r, v.Number, data)
	page.Active = "supervision"
	page.Form = web.EmptyForm(nil)
	h.UI.Render(w, r, status, "sup_listing", page)
}

func (h *Handlers) listing(w http.ResponseWriter, r *http.Request) {
	id, asPDF := strings.CutSuffix(r.PathValue("id"), ".pdf")
	if asPDF {
		v, err := h.Svc.GetListing(r.Context(), web.PrincipalFrom(r.Context()), id)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		h.sendPDF(w, r, "挂牌督办通知书-"+v.Number, ListingDoc(v.Listing, v.Hazard, h.docContext(r, v.Hazard)))
		return
	}
	h.listingPage(w, r, http.StatusOK, id, nil)
}

func (h *Handlers) listingStep(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f := web.NewForm(r)
		p := web.PrincipalFrom(r.Context())
		id := r.PathValue("id")
		in := StepInput{On: f.Get("on"), Note: r.PostForm.Get("note"), DocNumber: f.Get("doc_number"), Pass: f.Get("pass") != "0"}
		steps := map[string]func(context.Context, *auth.Principal, string, StepInput) (Listing, error){
			"publish": h.Svc.Publish, "request_acceptance": h.Svc.RequestAcceptance, "accept": h.Svc.Accept, "delist": h.Svc.Delist}
		msg := map[string]string{"publish": "supervise.published", "request_acceptance": "supervise.acceptance_requested",
			"accept": "supervise.accepted", "delist": "supervise.delisted"}[action]
		if action == "accept" && !in.Pass {
			msg = "supervise.acceptance_failed"
		}
		_, err := steps[action](r.Context(), p, id, in)
		if err != nil {
			h.UI.FormFailed(w, r, f, err, web.IsInvalid, func(status int) {
				h.withMessage(r, f, err)
				h.listingPage(w, r, status, id, map[string]*web.Form{action: f})
			})
			return
		}
		h.UI.Redirect(w, r, "/supervision/listings/"+id, msg)
	}
}
