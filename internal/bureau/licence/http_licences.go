package licence

import (
	"io"
	"net/http"

	"yingji/internal/kit/audit"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/pdfdoc"
	"yingji/internal/kit/web"
)

func (h *Handlers) licences(w http.ResponseWriter, r *http.Request) {
	pg := web.PagingOf(r)
	list, total, err := h.licencesOf(r, pg)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.listLookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data["Licences"], data["Pager"] = list, web.PagerOf(pg, total)
	h.render(w, r, http.StatusOK, "licences", "nav.licences", data, nil)
}

// listLookups are the lookups of a list page, with the enterprise the
// list is filtered by (?enterprise=) when there is one.
func (h *Handlers) listLookups(r *http.Request) (map[string]any, error) {
	data, err := h.lookups(r)
	if err != nil {
		return nil, err
	}
	if id := r.URL.Query().Get("enterprise"); id != "" {
		if e, err := h.Ent.Get(r.Context(), web.PrincipalFrom(r.Context()), id); err == nil {
			data["Enterprise"] = e
		}
	}
	return data, nil
}

func (h *Handlers) licence(w http.ResponseWriter, r *http.Request) {
	h.licencePage(w, r, http.StatusOK, nil)
}

func (h *Handlers) licencePage(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	v, err := h.Svc.GetLicence(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	hist, err := audit.ForEntity(r.Context(), h.DB.R(), "licence", v.ID)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if f == nil {
		f = web.EmptyForm(map[string]string{"date": data["Today"].(string)})
	}
	data["L"], data["History"] = v, hist
	data["CanApply"] = v.Status == LicenceActive && CanSubmit(p, v.Enterprise)
	// An expired licence cannot be extended (延期 is asked for before it
	// expires): the enterprise applies anew.
	today := Today(h.Svc.now())
	data["Expired"] = Show(v.Licence, today) == ShowExpired
	// 延期 of a 危险化学品经营许可证 is offered from 3 months before expiry;
	// before that the page says when it opens.
	data["RenewalOpen"] = RenewalOpen(v.Licence, today)
	if opens, ok := RenewalOpensOn(v.Type, v.ValidTo); ok {
		data["RenewalOpens"] = opens.Format(DateLayout)
	}
	h.render(w, r, status, "licence", v.Number, data, f)
}

// onForm tells the errors a licence form shows: field errors, and a
// conflict with the application's or licence's state.
func onForm(err error) bool { return errs.Fields(err) != nil || errs.KindOf(err) == errs.Conflict }

func (h *Handlers) cancel(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	_, err := h.Svc.CancelLicence(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), f.Get("date"), f.Get("reason"))
	if err != nil {
		h.UI.FormFailed(w, r, f, err, onForm, func(status int) { h.licencePage(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/licences/"+r.PathValue("id"), "licence.cancelled")
}

// renderer returns the PDF renderer, parsing the font on first use.
func (h *Handlers) renderer() (*pdfdoc.Renderer, error) {
	h.pdfOnce.Do(func() { h.pdf, h.pdfErr = pdfdoc.NewRenderer() })
	return h.pdf, h.pdfErr
}

func (h *Handlers) sendPDF(w http.ResponseWriter, r *http.Request, name string, d pdfdoc.Doc) {
	h.UI.SendPDF(w, r, name+".pdf", func(out io.Writer) error {
		rd, err := h.renderer()
		if err != nil {
			return err
		}
		return rd.Render(out, d)
	})
}

func (h *Handlers) licencePDF(w http.ResponseWriter, r *http.Request) {
	v, err := h.Svc.GetLicence(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	set, err := h.Svc.Settings(r.Context(), v.CountyCode)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.sendPDF(w, r, "许可证-"+v.Number, LicenceDoc(v.Licence, v.Enterprise, set.IssuerName, Today(h.Svc.now())))
}

func (h *Handlers) decisionPDF(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	v, err := h.Svc.GetApplication(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if v.Decision == "" {
		h.UI.Error(w, r, errs.New(errs.Conflict, "licence.no_decision"))
		return
	}
	set, err := h.Svc.Settings(r.Context(), v.CountyCode)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.sendPDF(w, r, "行政许可决定书-"+v.DecisionNumber, DecisionDoc(v.Application, v.Enterprise, v.Licence, set))
}
