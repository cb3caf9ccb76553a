package campaign

import (
	"context"
	"net/http"
	"strings"

	"yingji/internal/bureau/campaign/day"
	"yingji/internal/bureau/campaign/housing"
	"yingji/internal/kit/attach"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/web"
)

// --- API

func (h *Handlers) apiHousingCampaign(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	c, err := h.Svc.Housing.Campaign(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	on := r.URL.Query().Get("on")
	if on != "" {
		d, err := day.Parse(on)
		if err != nil {
			h.UI.Error(w, r, errs.Field("on", "housing.date_invalid", nil))
			return
		}
		on = d
	}
	pr, err := h.Svc.Housing.Progress(r.Context(), p, c.ID, on)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	warns, err := h.Svc.Housing.Warnings(r.Context(), p, c)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if warns == nil {
		warns = []housing.Warning{}
	}
	web.JSON(w, http.StatusOK, HousingProgress{Campaign: c, Progress: pr, Warnings: warns})
}

func (h *Handlers) apiHousingBuildings(r *http.Request, pg web.Paging) ([]housing.Row, int, error) {
	f := housing.FilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	return h.Svc.Housing.List(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), f)
}

// apiHousingCreateBuilding adds a building to the campaign {id}; an ID or
// stage in the body is ignored.
func (h *Handlers) apiHousingCreateBuilding(ctx context.Context, p *auth.Principal, campaignID string, in housing.Building) (housing.Building, error) {
	in.ID, in.Stage = "", ""
	return h.Svc.Housing.Create(ctx, p, campaignID, in)
}

func (h *Handlers) apiHousingBuilding(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	b, err := h.Svc.Housing.Get(r.Context(), p, r.PathValue("id"), r.PathValue("bid"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	events, err := h.Svc.Housing.Events(r.Context(), p, b)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if events == nil {
		events = []housing.Event{}
	}
	next := housing.Allowed(b)
	if next == nil {
		next = []housing.Action{}
	}
	web.JSON(w, http.StatusOK, BuildingDetail{Building: b, Events: events, Next: next})
}

// apiHousingStep takes a step sent as JSON, or as multipart/form-data
// with the page's fields and the report files (field "report"): an
// appraisal needs its report, which JSON cannot carry.
func (h *Handlers) apiHousingStep(w http.ResponseWriter, r *http.Request) {
	var in housing.Step
	var files []attach.Upload
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		list, closers, ok := h.reportFiles(w, r)
		defer closeAll(closers)
		if !ok {
			return
		}
		in, files = stepOf(web.NewForm(r)), list
	} else if !h.UI.ReadJSON(w, r, &in) {
		return
	}
	b, err := h.Svc.Housing.Do(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), r.PathValue("bid"), in, files)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, b)
}
