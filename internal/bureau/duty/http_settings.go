package duty

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/web"
)

// ---- Settings ----

func (h *Handlers) settingsPage(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	st, _, _, err := h.Svc.Settings(r.Context(), p.CountyCode)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.showSettings(w, r, http.StatusOK, settingsForm(st, h.usernames(r.Context(), p, st)))
}

func (h *Handlers) usernames(ctx context.Context, _ *auth.Principal, st Settings) map[string]string {
	out := map[string]string{}
	if h.UsernameOf == nil {
		return out
	}
	for _, x := range append(append([]Person(nil), st.Leaders...), st.Officers...) {
		if x.UserID != "" {
			out[x.UserID] = h.UsernameOf(ctx, x.UserID)
		}
	}
	return out
}

func settingsForm(st Settings, usernames map[string]string) *web.Form {
	v := map[string]string{"starts_at": st.StartsAt, "hours": strconv.Itoa(st.Hours), "officers_workday": strconv.Itoa(st.OfficersWorkday),
		"officers_holiday": strconv.Itoa(st.OfficersHoliday)}
	var l, o []string
	for _, x := range st.Leaders {
		l = append(l, personText(x, usernames))
	}
	for _, x := range st.Officers {
		o = append(o, personText(x, usernames))
	}
	v["leaders"], v["officers"] = strings.Join(l, "\n"), strings.Join(o, "\n")
	for _, d := range st.Deadlines.First {
		v["first_"+d.Category+"_"+d.Level] = strconv.Itoa(d.Minutes)
	}
	for _, fr := range st.Deadlines.Follow {
		v["follow_"+fr.Level] = strings.Join(fr.Times, " ")
	}
	return web.EmptyForm(v)
}

func (h *Handlers) showSettings(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	h.UI.Show(w, r, status, "duty_settings", "duty.nav_settings", "duty_settings", h.common(r), f)
}

func (h *Handlers) saveSettings(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := web.NewForm(r)
	var fe errs.FieldErrors
	st, _, _, err := h.Svc.Settings(r.Context(), p.CountyCode)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	st.StartsAt = strings.TrimSpace(f.Get("starts_at"))
	st.Hours = intField(f, "hours", &fe)
	st.OfficersWorkday, st.OfficersHoliday = intField(f, "officers_workday", &fe), intField(f, "officers_holiday", &fe)
	list := func(k string) []Person {
		var out []Person
		for _, line := range strings.Split(strings.ReplaceAll(r.PostFormValue(k), "\r", ""), "\n") {
			if strings.TrimSpace(line) == "" {
				continue
			}
			pr, err := h.person(r.Context(), line)
			if err != nil {
				fe = append(fe, errs.Field(k, "duty.user_unknown", map[string]any{"User": line}))
			}
			out = append(out, pr)
		}
		return out
	}
	st.Leaders, st.Officers = list("leaders"), list("officers")
	for i, d := range st.Deadlines.First {
		st.Deadlines.First[i].Minutes = intField(f, "first_"+d.Category+"_"+d.Level, &fe)
	}
	for i, fr := range st.Deadlines.Follow {
		st.Deadlines.Follow[i].Times = strings.Fields(f.Get("follow_" + fr.Level))
	}
	err = fe.Err()
	if err == nil {
		_, err = h.Svc.SaveSettings(r.Context(), p, st)
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) { h.showSettings(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/duty/settings", "duty.settings_saved")
}
