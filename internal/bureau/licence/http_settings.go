package licence

import (
	"net/http"
	"strconv"
	"strings"

	"yingji/internal/kit/web"
)

func settingsValues(s Settings) map[string]string {
	v := map[string]string{"issuer_abbr": s.IssuerAbbr, "issuer_name": s.IssuerName, "city_name": s.CityName,
		"extra_holidays": strings.Join(s.ExtraHolidays, "\n"), "extra_workdays": strings.Join(s.ExtraWorkdays, "\n")}
	for _, t := range Types {
		v["limit_"+t.Code] = strconv.Itoa(s.Limit(t.Code))
		v["validity_"+t.Code] = strconv.Itoa(s.Years(t.Code))
	}
	return v
}

func (h *Handlers) settingsPage(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	data := map[string]any{"Types": Types, "Sample": FormatNumber(f.Get("issuer_abbr"), "LS", Today(h.Svc.now()).Year(), 1)}
	h.render(w, r, status, "licence_settings", "licence.settings", data, f)
}

func (h *Handlers) settingsForm(w http.ResponseWriter, r *http.Request) {
	s, err := h.Svc.Settings(r.Context(), web.PrincipalFrom(r.Context()).CountyCode)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.settingsPage(w, r, http.StatusOK, web.EmptyForm(settingsValues(s)))
}

func (h *Handlers) saveSettings(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	s := Settings{IssuerAbbr: f.Get("issuer_abbr"), IssuerName: f.Get("issuer_name"), CityName: f.Get("city_name"),
		Limits: map[string]int{}, Validity: map[string]int{},
		ExtraHolidays: SplitDates(r.PostForm.Get("extra_holidays")), ExtraWorkdays: SplitDates(r.PostForm.Get("extra_workdays"))}
	for _, t := range Types {
		s.Limits[t.Code], _ = strconv.Atoi(f.Get("limit_" + t.Code))
		s.Validity[t.Code], _ = strconv.Atoi(f.Get("validity_" + t.Code))
	}
	if _, err := h.Svc.SaveSettings(r.Context(), web.PrincipalFrom(r.Context()), s); err != nil {
		h.UI.FormFailed(w, r, f, err, web.HasFieldErrors, func(status int) { h.settingsPage(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/licence-settings", "action.saved")
}
