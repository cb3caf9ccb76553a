package prepare

import (
	"io"
	"net/http"

	"yingji/internal/kit/org"
	"yingji/internal/kit/web"
	"yingji/internal/kit/xlsx"
)

// ---- monthly assessment ----

func (h *Handlers) month(r *http.Request) string {
	if m := r.URL.Query().Get("month"); m != "" {
		return m
	}
	return h.Svc.Today()[:7]
}

func (h *Handlers) assessment(r *http.Request) (Assessment, error) {
	names, _ := h.regionNames(r)
	p := web.PrincipalFrom(r.Context())
	units, err := h.Org.ListUnits(r.Context(), p, org.UnitFilter{})
	if err == nil {
		for _, u := range units {
			names[u.ID] = u.Name
		}
	}
	return h.Svc.Assess(r.Context(), p, h.month(r), names)
}

func (h *Handlers) resources(w http.ResponseWriter, r *http.Request) {
	a, err := h.assessment(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data := h.lookups(r)
	data["A"] = a
	data["Worst"] = a.Enterprises
	if len(a.Enterprises) > 50 {
		data["Worst"] = a.Enterprises[:50]
	}
	h.UI.Show(w, r, http.StatusOK, "prep_resources", "prepare.resources", "prep_resources", data, nil)
}

func (h *Handlers) remind(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	m := f.Get("month")
	if m == "" {
		m = h.Svc.Today()[:7]
	}
	n, err := h.Svc.Remind(r.Context(), web.PrincipalFrom(r.Context()), m)
	h.UI.Done(w, r, err, "/preparedness/resources?month="+m, "prepare.reminded", "N", n)
}

func (h *Handlers) bulletinPDF(w http.ResponseWriter, r *http.Request) {
	a, err := h.assessment(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.UI.SendPDF(w, r, "应急资源月通报-"+a.Month+".pdf", func(out io.Writer) error { return BulletinPDF(out, a) })
}

func (h *Handlers) bulletinXLSX(w http.ResponseWriter, r *http.Request) {
	a, err := h.assessment(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.UI.SendXLSX(w, r, "应急资源月通报-"+a.Month+".xlsx", func(out io.Writer) (*xlsx.Writer, error) {
		return xlsx.NewWriter(out, BulletinSchema())
	}, func(xw *xlsx.Writer) error { return WriteBulletin(xw, a) })
}

func (h *Handlers) reminders(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pg := web.PagingOf(r)
	list, total, err := h.Svc.ListReminders(r.Context(), web.PrincipalFrom(r.Context()), q.Get("kind"), q.Get("from"), q.Get("to"), pg.Size, pg.Offset())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data := h.lookups(r)
	data["Reminders"], data["Pager"] = list, web.PagerOf(pg, total)
	h.UI.Show(w, r, http.StatusOK, "prep_reminders", "prepare.reminders", "prep_resources", data, nil)
}
