package reduction

import (
	"context"
	"net/http"

	"yingji/internal/auth"
	"yingji/internal/web"
)

// The JSON API: every register listed (paged, the pages' filters), read
// by ID and created; the steps of events, communities and checkpoints.

func paged[T any](list func(ctx context.Context, p *auth.Principal, f Filter) ([]T, int, error)) func(r *http.Request, pg web.Paging) ([]T, int, error) {
	return func(r *http.Request, pg web.Paging) ([]T, int, error) {
		f := FilterOf(r.URL.Query())
		f.Limit, f.Offset = pg.Size, pg.Offset()
		return list(r.Context(), web.PrincipalFrom(r.Context()), f)
	}
}

func (h *Handlers) registerAPI(rt *web.Router) {
	s, ui := h.Svc, h.UI
	rt.Handle("GET /api/v1/reduction/events", web.PagedJSON(ui, paged(s.ListEvents)))
	rt.Handle("POST /api/v1/reduction/events", web.BodyJSON(ui, http.StatusCreated, s.CreateEvent))
	rt.Handle("GET /api/v1/reduction/events/{id}", web.GetJSON(ui, s.GetEvent))
	rt.Handle("PUT /api/v1/reduction/events/{id}", web.BodyJSONByID(ui, http.StatusOK, s.UpdateEvent))
	rt.Handle("GET /api/v1/reduction/events/{id}/towns", web.GetJSON(ui, func(ctx context.Context, p *auth.Principal, id string) (map[string]any, error) {
		ts, err := s.Towns(ctx, p, id)
		if ts == nil {
			ts = []TownStatus{}
		}
		return map[string]any{"items": ts}, err
	}))
	rt.Handle("POST /api/v1/reduction/events/{id}/reports", web.BodyJSONByID(ui, http.StatusCreated, s.AddReport))
	rt.Handle("GET /api/v1/reduction/reports", web.PagedJSON(ui, paged(s.ListReports)))
	rt.Handle("GET /api/v1/reduction/reports/{id}", web.GetJSON(ui, s.GetReport))
	rt.Handle("GET /api/v1/reduction/officers", web.PagedJSON(ui, paged(s.ListOfficers)))
	rt.Handle("POST /api/v1/reduction/officers", web.BodyJSON(ui, http.StatusCreated, s.CreateOfficer))
	rt.Handle("GET /api/v1/reduction/officers/coverage", func(w http.ResponseWriter, r *http.Request) {
		list, err := s.Coverage(r.Context(), web.PrincipalFrom(r.Context()), r.URL.Query().Get("missing") == "1")
		if err != nil {
			ui.Error(w, r, err)
			return
		}
		if list == nil {
			list = []VillageCoverage{}
		}
		web.JSON(w, http.StatusOK, map[string]any{"items": list})
	})
	rt.Handle("GET /api/v1/reduction/officers/{id}", web.GetJSON(ui, s.GetOfficer))
	rt.Handle("PUT /api/v1/reduction/officers/{id}", web.BodyJSONByID(ui, http.StatusOK, s.UpdateOfficer))
	rt.Handle("DELETE /api/v1/reduction/officers/{id}", func(w http.ResponseWriter, r *http.Request) {
		if err := s.DeleteOfficer(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id")); err != nil {
			ui.Error(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	rt.Handle("GET /api/v1/reduction/communities", web.PagedJSON(ui, paged(s.ListCommunities)))
	rt.Handle("POST /api/v1/reduction/communities", web.BodyJSON(ui, http.StatusCreated, s.CreateCommunity))
	rt.Handle("GET /api/v1/reduction/communities/{id}", web.GetJSON(ui, s.GetCommunity))
	rt.Handle("POST /api/v1/reduction/communities/{id}/score", web.BodyJSONByID(ui, http.StatusOK, s.ScoreCommunity))
	rt.Handle("POST /api/v1/reduction/communities/{id}/decide", web.BodyJSONByID(ui, http.StatusOK, s.DecideCommunity))
	rt.Handle("GET /api/v1/reduction/checkpoints", web.PagedJSON(ui, paged(s.ListCheckpoints)))
	rt.Handle("POST /api/v1/reduction/checkpoints", web.BodyJSON(ui, http.StatusCreated, s.CreateCheckpoint))
	rt.Handle("GET /api/v1/reduction/checkpoints/{id}", web.GetJSON(ui, s.GetCheckpoint))
	rt.Handle("GET /api/v1/reduction/checkpoints/{id}/scans", web.GetJSON(ui, func(ctx context.Context, p *auth.Principal, id string) (map[string]any, error) {
		list, err := s.Scans(ctx, p, id)
		if list == nil {
			list = []ScanCount{}
		}
		return map[string]any{"items": list}, err
	}))
	rt.Handle("POST /api/v1/reduction/checkpoints/{id}/scans", web.BodyJSONByID(ui, http.StatusCreated, s.AddScan))
	rt.Handle("POST /api/v1/reduction/checkpoints/{id}/hazards", web.BodyJSONByID(ui, http.StatusCreated,
		func(ctx context.Context, p *auth.Principal, id string, in FireHazard) (map[string]string, error) {
			hid, err := s.ReportFireHazard(ctx, p, id, in)
			return map[string]string{"hazard_id": hid}, err
		}))
	rt.Handle("GET /api/v1/reduction/trainings", web.PagedJSON(ui, paged(s.ListTrainings)))
	rt.Handle("POST /api/v1/reduction/trainings", web.BodyJSON(ui, http.StatusCreated, s.CreateTraining))
	rt.Handle("GET /api/v1/reduction/trainings/{id}", web.GetJSON(ui, s.GetTraining))
	rt.Handle("GET /api/v1/reduction/publicity", web.PagedJSON(ui, paged(s.ListPublicity)))
	rt.Handle("POST /api/v1/reduction/publicity", web.BodyJSON(ui, http.StatusCreated, s.CreatePublicity))
	rt.Handle("GET /api/v1/reduction/publicity/{id}", web.GetJSON(ui, s.GetPublicity))
}
