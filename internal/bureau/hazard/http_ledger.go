package hazard

import (
	"net/http"
	"sort"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/web"
)

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := FilterOf(r.URL.Query(), h.Svc.Today())
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.Size, pg.Offset()
	list, counts, err := h.Svc.Page(r.Context(), p, f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.lookups(r.Context(), p)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if f.Enterprise != "" {
		if n, err := h.Ent.Names(r.Context(), p, []string{f.Enterprise}); err == nil {
			data["EnterpriseName"] = n[f.Enterprise]
		}
	}
	rows, err := h.rows(r.Context(), p, list)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data["Rows"], data["Counts"], data["Pager"] = rows, counts, web.PagerOf(pg, counts.Found)
	h.render(w, r, http.StatusOK, "hazards", "hazard.ledger_title", "hazards", data, nil)
}

// Forms

// overdueGroup is one town's or section's overdue hazards.
type overdueGroup struct {
	Key, Name string
	Rows      []Row
	MaxDays   int
}

func (h *Handlers) overdue(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	q := r.URL.Query()
	f := FilterOf(q, h.Svc.Today())
	list, total, err := h.Svc.OverdueList(r.Context(), p, f, 2000)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.lookups(r.Context(), p)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	by := q.Get("by")
	if by != "section" {
		by = "town"
	}
	names, sectionOf, units := data["RegionNames"].(map[string]string), data["SectionOf"].(map[string]string), data["UnitNames"].(map[string]string)
	groups := map[string]*overdueGroup{}
	var order []*overdueGroup
	rows, err := h.rows(r.Context(), p, list)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	for _, row := range rows {
		key, name := row.R.TownCode, names[row.R.TownCode]
		if by == "section" {
			key = sectionOf[row.R.Sector]
			if key == "" {
				key = units[row.R.UnitID]
			}
			name = key
		}
		g := groups[key]
		if g == nil {
			g = &overdueGroup{Key: key, Name: name}
			groups[key] = g
			order = append(order, g)
		}
		g.Rows = append(g.Rows, row)
		g.MaxDays = max(g.MaxDays, row.Days)
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i].MaxDays > order[j].MaxDays })
	data["Groups"], data["Total"], data["Shown"], data["By"] = order, total, len(list), by
	// The bureau's own clocks (not the enterprise's card): majors not
	// listed for supervision in time, rectifications not verified in time.
	if p.Role != auth.RoleEnterprise {
		unlisted, err := h.Svc.LateListings(r.Context(), p, f)
		if err != nil {
			h.UI.Error(w, r, err)
			return
		}
		reviews, err := h.Svc.LateReviews(r.Context(), p, f)
		if err != nil {
			h.UI.Error(w, r, err)
			return
		}
		clocks, err := h.Svc.clocksOf(r.Context(), p.CountyCode)
		if err != nil {
			h.UI.Error(w, r, err)
			return
		}
		data["LateListings"], data["LateReviews"], data["Clocks"] = unlisted, reviews, clocks
	}
	h.render(w, r, http.StatusOK, "hazard_overdue", "hazard.overdue_title", "hazards_overdue", data, nil)
}

// Statistics
