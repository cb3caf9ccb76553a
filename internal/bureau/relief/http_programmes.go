package relief

import (
	"net/http"

	"yingji/internal/kit/errs"
	"yingji/internal/kit/web"
)

func (h *Handlers) programmes(w http.ResponseWriter, r *http.Request) {
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	p := web.PrincipalFrom(r.Context())
	t, err := h.Svc.Totals(r.Context(), p, PaymentFilter{})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	byProg := map[string]Total{}
	for _, g := range data["Programmes"].([]Programme) {
		x, err := h.Svc.Totals(r.Context(), p, PaymentFilter{ProgrammeID: g.ID})
		if err != nil {
			h.UI.Error(w, r, err)
			return
		}
		byProg[g.ID] = x.All
	}
	data["Totals"], data["ByProgramme"] = t, byProg
	h.UI.Show(w, r, http.StatusOK, "relief_programmes", "relief.programmes_title", "relief_programmes", data, nil)
}

func (h *Handlers) showProgrammeForm(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.Show(w, r, status, "relief_programme_form", "relief.programme_new", "relief_programmes", data, f)
}

func (h *Handlers) programmeForm(w http.ResponseWriter, r *http.Request) {
	h.showProgrammeForm(w, r, http.StatusOK, web.EmptyForm(map[string]string{"kind": KindWinterSpring}))
}

// programmeFromForm reads a programme; amounts are in 元.
func programmeFromForm(f *web.Form) (Programme, error) {
	g := Programme{Name: f.Get("name"), Kind: f.Get("kind"), PeriodFrom: f.Get("period_from"), PeriodTo: f.Get("period_to"), Note: f.Get("note")}
	var fe errs.FieldErrors
	if b := f.Get("budget"); b != "" {
		v, ok := ParseYuan(b)
		if !ok {
			fe = append(fe, errs.Field("budget", "relief.amount_invalid", nil))
		}
		g.Budget = v
	}
	for _, c := range Categories {
		s := f.Get("std_" + c.Value)
		if s == "" {
			continue
		}
		v, ok := ParseYuan(s)
		if !ok {
			fe = append(fe, errs.Field("std_"+c.Value, "relief.amount_invalid", nil))
			continue
		}
		g.Standards = append(g.Standards, Standard{Category: c.Value, Amount: v})
	}
	return g, fe.Err()
}

func (h *Handlers) createProgramme(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	g, err := programmeFromForm(f)
	if err == nil {
		g, err = h.Svc.CreateProgramme(r.Context(), web.PrincipalFrom(r.Context()), g)
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) { h.showProgrammeForm(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/relief/programmes/"+g.ID, "action.saved")
}

func (h *Handlers) programme(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	g, err := h.Svc.Programme(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	t, err := h.Svc.Totals(r.Context(), p, PaymentFilter{ProgrammeID: g.ID})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	counts, err := h.Svc.StepCounts(r.Context(), p, g.ID)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data["P"], data["Totals"], data["StepCounts"] = g, t, counts
	page := h.UI.NewPage(r, g.Name, data)
	page.Active = "relief_programmes"
	h.UI.Render(w, r, http.StatusOK, "relief_programme", page)
}

// ProgrammeTotals answers GET /api/v1/relief/programmes/{id}: the
// programme with its totals by town and category.
type ProgrammeTotals struct {
	Programme
	Totals Totals `json:"totals"`
}

func (h *Handlers) apiProgramme(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	g, err := h.Svc.Programme(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	t, err := h.Svc.Totals(r.Context(), p, PaymentFilter{ProgrammeID: g.ID})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, ProgrammeTotals{Programme: g, Totals: t})
}

func (h *Handlers) apiTotals(w http.ResponseWriter, r *http.Request) {
	t, err := h.Svc.Totals(r.Context(), web.PrincipalFrom(r.Context()), PaymentFilterOf(r.URL.Query()))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, t)
}
