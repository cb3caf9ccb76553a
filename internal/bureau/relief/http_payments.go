package relief

import (
	"fmt"
	"io"
	"net/http"
	"net/url"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/pdfdoc"
	"yingji/internal/kit/web"
	"yingji/internal/kit/xlsx"
)

func (h *Handlers) paymentsOf(r *http.Request, pg web.Paging) ([]Payment, int, error) {
	f := PaymentFilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	list, t, err := h.Svc.Payments(r.Context(), web.PrincipalFrom(r.Context()), f)
	return list, t.Payments, err
}

func (h *Handlers) payments(w http.ResponseWriter, r *http.Request) {
	pg := web.PagingOf(r)
	f := PaymentFilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	list, t, err := h.Svc.Payments(r.Context(), web.PrincipalFrom(r.Context()), f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	q.Del("page")
	data["Rows"], data["Total"], data["Pager"], data["ExportQuery"] = list, t, web.PagerOf(pg, t.Payments), q.Encode()
	h.UI.Show(w, r, http.StatusOK, "relief_payments", "relief.payments_title", "relief_payments", data, nil)
}

func (h *Handlers) duplicates(w http.ResponseWriter, r *http.Request) {
	flags, err := h.Svc.Flags(r.Context(), web.PrincipalFrom(r.Context()))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data["Rows"] = flags
	h.UI.Show(w, r, http.StatusOK, "relief_duplicates", "relief.duplicates_title", "relief_households", data, nil)
}

// Link builds a list link with query values (figures, home).
func Link(path string, kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return path
	}
	return fmt.Sprintf("%s?%s", path, q.Encode())
}

// publicity shows the 公示 list of a programme for a town or village, and
// prints it (format=pdf) or exports it (format=xlsx). ID numbers are
// masked whatever the reader's role: the list is posted publicly.
func (h *Handlers) publicity(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	q := r.URL.Query()
	town := q.Get("town")
	if town == "" && p.Role == auth.RoleTown {
		town = p.RegionCode
	}
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data["Town"] = town
	if prog := q.Get("programme"); prog != "" {
		l, err := h.Svc.Publicity(r.Context(), p, prog, town, q.Get("village"), q.Get("contact"))
		if err != nil {
			h.UI.Error(w, r, err)
			return
		}
		name := l.Programme.Name + "-公示-" + l.Place
		switch q.Get("format") {
		case "pdf":
			h.UI.SendPDF(w, r, name+".pdf", func(out io.Writer) error {
				h.pdfOnce.Do(func() { h.pdf, h.pdfErr = pdfdoc.NewRenderer() })
				if h.pdfErr != nil {
					return h.pdfErr
				}
				return h.pdf.Render(out, l.Doc())
			})
			return
		case "xlsx":
			h.UI.SendXLSX(w, r, name+".xlsx", func(out io.Writer) (*xlsx.Writer, error) { return xlsx.NewWriter(out, PublicitySchema()) },
				l.WriteXLSX)
			return
		}
		data["List"] = l
	}
	h.UI.Show(w, r, http.StatusOK, "relief_publicity", "relief.publicity_title", "relief_households", data, nil)
}
