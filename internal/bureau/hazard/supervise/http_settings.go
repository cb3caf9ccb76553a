package supervise

import (
	"net/http"
	"strconv"
	"strings"

	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/web"
)

// Settings

func settingsValues(s Settings) map[string]string {
	v := map[string]string{"yellow_share": strconv.FormatFloat(s.Rules.YellowShare*100, 'f', -1, 64), "letter_after": strconv.Itoa(s.Rules.LetterAfter),
		"remind_before": strconv.Itoa(s.Rules.RemindBefore), "issuer": s.Issuer, "letter_prefix": s.LetterPrefix, "listing_prefix": s.ListingPrefix,
		"list_within": strconv.Itoa(s.ListWithin), "verify_within": strconv.Itoa(s.VerifyWithin),
		"listed_approver": string(s.ListedApprover)}
	if s.Rules.SelfReportCard {
		v["self_report"] = "1"
	}
	return v
}

func (h *Handlers) settingsPage(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	year := day(h.Svc.today()).Year()
	data := map[string]any{"LetterSample": FormatNumber(f.Get("letter_prefix"), year, 1), "ListingSample": FormatNumber(f.Get("listing_prefix"), year, 1),
		"ListedApprovers": ListedApprovers}
	h.render(w, r, status, "sup_settings", "supervise.settings", data, f)
}

func (h *Handlers) settingsForm(w http.ResponseWriter, r *http.Request) {
	s, err := h.Svc.Settings(r.Context(), web.PrincipalFrom(r.Context()).CountyCode)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.settingsPage(w, r, http.StatusOK, web.EmptyForm(settingsValues(s)))
}

func (h *Handlers) saveSettings(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	var set Settings
	var fe errs.FieldErrors
	share, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(f.Get("yellow_share")), "%"), 64)
	if err != nil {
		fe = append(fe, errs.Field("yellow_share", "supervise.settings.share_invalid", nil))
	}
	set.Rules.YellowShare = share / 100
	if set.Rules.LetterAfter, err = strconv.Atoi(strings.TrimSpace(f.Get("letter_after"))); err != nil {
		fe = append(fe, errs.Field("letter_after", "supervise.settings.days_invalid", nil))
	}
	if set.Rules.RemindBefore, err = strconv.Atoi(strings.TrimSpace(f.Get("remind_before"))); err != nil {
		fe = append(fe, errs.Field("remind_before", "supervise.settings.days_invalid", nil))
	}
	// The department's time limits; left empty, the defaults.
	clocks := hazard.DefaultClocks()
	for _, x := range []struct {
		field string
		to    *int
		def   int
	}{{"list_within", &set.ListWithin, clocks.ListWithin}, {"verify_within", &set.VerifyWithin, clocks.VerifyWithin}} {
		v := strings.TrimSpace(f.Get(x.field))
		if v == "" {
			*x.to = x.def
		} else if *x.to, err = strconv.Atoi(v); err != nil {
			fe = append(fe, errs.Field(x.field, "supervise.settings.working_days_invalid", nil))
		}
	}
	set.Rules.SelfReportCard = f.Get("self_report") == "1"
	set.Issuer, set.LetterPrefix, set.ListingPrefix = f.Get("issuer"), f.Get("letter_prefix"), f.Get("listing_prefix")
	set.ListedApprover = auth.Role(f.Get("listed_approver"))
	err = fe.Err()
	if err == nil {
		_, err = h.Svc.SaveSettings(r.Context(), web.PrincipalFrom(r.Context()), set)
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.HasFieldErrors, func(status int) { h.settingsPage(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/settings/cards", "action.saved")
}
