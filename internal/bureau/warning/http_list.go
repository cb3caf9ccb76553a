package warning

import (
	"context"
	"net/http"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/org"
	"yingji/internal/kit/web"
)

func (h *Handlers) townNames(ctx context.Context, county string) map[string]string {
	m, _ := h.Svc.towns(ctx, county)
	return m
}

func (h *Handlers) lookups(r *http.Request) map[string]any {
	p := web.PrincipalFrom(r.Context())
	towns, _ := h.Org.ListRegions(r.Context(), &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}, org.RegionFilter{Level: org.LevelTown})
	return map[string]any{"Types": Types, "Levels": Levels, "States": States, "Towns": towns, "Sectors": org.Sectors,
		"TownNames": h.townNames(r.Context(), p.CountyCode), "Lang": web.Lang(r.Context())}
}

// Row is a warning as the list shows it.
type Row struct {
	Warning
	Units, Acked int
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	pg := web.PagingOf(r)
	f := FilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	list, total, err := h.Svc.List(r.Context(), p, f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	var rows []Row
	for _, x := range list {
		row := Row{Warning: x}
		if x.State != StateDraft && x.State != StateApproved {
			recs, err := h.Svc.Recipients(r.Context(), p, x.ID)
			if err != nil {
				h.UI.Error(w, r, err)
				return
			}
			row.Units = len(recs)
			for _, rc := range recs {
				if rc.Acked() {
					row.Acked++
				}
			}
		}
		rows = append(rows, row)
	}
	data := h.lookups(r)
	data["Rows"], data["Pager"], data["Total"] = rows, web.PagerOf(pg, total), total
	h.UI.Show(w, r, http.StatusOK, "warnings", "nav.warnings_list", "warnings", data, nil)
}
