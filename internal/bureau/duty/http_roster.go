package duty

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"yingji/internal/kit/calendar"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/web"
)

// ---- Desk ----

func (h *Handlers) desk(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	data := h.common(r)
	sh, ok, err := h.Svc.NowOnDuty(r.Context(), p)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if ok {
		data["Shift"] = sh
	}
	open, _, err := h.Svc.Incidents(r.Context(), p, IncidentFilter{State: "open", Limit: 20})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	logs, _, err := h.Svc.Logs(r.Context(), p, LogFilter{Limit: 10})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data["Open"], data["Logs"] = open, logs
	h.UI.Show(w, r, http.StatusOK, "duty", "duty.desk", "duty_desk", data, web.EmptyForm(map[string]string{"at": localInput(h.Svc.Now()), "kind": LogCall}))
}

// ---- Roster ----

func monthOf(s string, now time.Time) time.Time {
	if m, err := time.Parse("2006-01", s); err == nil {
		return m
	}
	l := now.In(Shanghai)
	return time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, time.UTC)
}

func (h *Handlers) monthShifts(r *http.Request) (time.Time, []Shift, error) {
	m := monthOf(r.URL.Query().Get("month"), h.Svc.Now())
	shifts, err := h.Svc.Shifts(r.Context(), web.PrincipalFrom(r.Context()), m.Format(calendar.DateLayout), m.AddDate(0, 1, -1).Format(calendar.DateLayout))
	return m, shifts, err
}

func (h *Handlers) roster(w http.ResponseWriter, r *http.Request) {
	h.rosterWith(w, r, http.StatusOK, web.EmptyForm(nil))
}

func (h *Handlers) rosterWith(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	m, shifts, err := h.monthShifts(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data := h.common(r)
	n := 0
	for _, s := range shifts {
		n += len(s.Members)
	}
	data["Month"], data["Prev"], data["Next"] = m.Format("2006-01"), m.AddDate(0, -1, 0).Format("2006-01"), m.AddDate(0, 1, 0).Format("2006-01")
	data["Shifts"], data["PersonShifts"], data["From"], data["To"] = shifts, n, m.Format(calendar.DateLayout), m.AddDate(0, 1, -1).Format(calendar.DateLayout)
	if f.Get("month") == "" {
		f.Values["month"] = m.Format("2006-01")
	}
	h.UI.Show(w, r, status, "duty_roster", "duty.nav_roster", "duty_roster", data, f)
}

func (h *Handlers) rosterPDF(w http.ResponseWriter, r *http.Request) {
	m, shifts, err := h.monthShifts(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	p := web.PrincipalFrom(r.Context())
	h.UI.SendPDF(w, r, "值班表-"+m.Format("2006-01")+".pdf", func(out io.Writer) error {
		return RosterPDF(out, h.issuer(r.Context(), p.CountyCode), m.Format("2006年1月"), shifts, h.Svc.Now())
	})
}

func (h *Handlers) issuer(ctx context.Context, county string) string {
	if h.Issuer != nil {
		return h.Issuer(ctx, county)
	}
	return "应急管理局"
}

func (h *Handlers) generate(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	shifts, err := h.Svc.GenerateMonth(r.Context(), web.PrincipalFrom(r.Context()), f.Get("month"))
	if err != nil {
		r.URL.RawQuery = url.Values{"month": {f.Get("month")}}.Encode()
		h.UI.FormFailed(w, r, f, err, func(e error) bool { return errs.Is(e, errs.Invalid) || errs.Is(e, errs.Conflict) },
			func(status int) { h.rosterWith(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/duty/roster?month="+url.QueryEscape(f.Get("month")), "duty.generated", "N", len(shifts))
}

func (h *Handlers) personShifts(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	q := r.URL.Query()
	pg := web.PagingOf(r)
	var rows []PersonShift
	total := 0
	err := h.Svc.EachPersonShift(r.Context(), p, q.Get("from"), q.Get("to"), func(x PersonShift) error {
		if total >= pg.Offset() && total < pg.Offset()+pg.Size {
			rows = append(rows, x)
		}
		total++
		return nil
	})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data := h.common(r)
	data["Rows"], data["Total"], data["Pager"] = rows, total, web.PagerOf(pg, total)
	h.UI.Show(w, r, http.StatusOK, "duty_shifts", "duty.person_shifts", "duty_roster", data, nil)
}

func (h *Handlers) shiftForm(w http.ResponseWriter, r *http.Request) {
	st, _, _, err := h.Svc.Settings(r.Context(), web.PrincipalFrom(r.Context()).CountyCode)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	day := calendar.Today(h.Svc.Now())
	if d, err := calendar.ParseDay(r.URL.Query().Get("day")); err == nil {
		day = d
	}
	start := ShiftStart(day, st, 0)
	h.showShiftForm(w, r, http.StatusOK, web.EmptyForm(map[string]string{"starts_at": localInput(start),
		"ends_at": localInput(start.Add(time.Duration(st.Hours) * time.Hour))}))
}

func (h *Handlers) showShiftForm(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	h.UI.Show(w, r, status, "duty_shift_form", "duty.new_shift", "duty_roster", h.common(r), f)
}

// person reads "name" or "name @username" into a Person.
func (h *Handlers) person(ctx context.Context, s string) (Person, error) {
	s = strings.TrimSpace(s)
	name, user, found := strings.Cut(s, "@")
	pr := Person{Name: strings.TrimSpace(name)}
	if found && strings.TrimSpace(user) != "" && h.Users != nil {
		id, err := h.Users(ctx, strings.TrimSpace(user))
		if err != nil {
			return pr, err
		}
		if id == "" {
			return pr, errs.New(errs.Invalid, "duty.user_unknown").With(map[string]any{"User": strings.TrimSpace(user)})
		}
		pr.UserID = id
	}
	return pr, nil
}

func personText(p Person, usernames map[string]string) string {
	if u := usernames[p.UserID]; u != "" {
		return p.Name + " @" + u
	}
	return p.Name
}

func (h *Handlers) createShift(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	var fe errs.FieldErrors
	sh := Shift{StartsAt: timeField(f, "starts_at", &fe), EndsAt: timeField(f, "ends_at", &fe)}
	for i, k := range []string{"leader", "officer1", "officer2"} {
		pr, err := h.person(r.Context(), f.Get(k))
		if err != nil {
			fe = append(fe, errs.Field(k, "duty.user_unknown", map[string]any{"User": f.Get(k)}))
		}
		pos := PosOfficer
		if i == 0 {
			pos = PosLeader
		}
		sh.Members = append(sh.Members, Assignment{Position: pos, Slot: i, Name: pr.Name, UserID: pr.UserID})
	}
	err := fe.Err()
	if err == nil {
		sh, err = h.Svc.CreateShift(r.Context(), web.PrincipalFrom(r.Context()), sh)
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) { h.showShiftForm(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/duty/shifts/"+sh.ID, "duty.shift_saved")
}

func (h *Handlers) shiftPage(w http.ResponseWriter, r *http.Request) {
	h.showShift(w, r, http.StatusOK, web.EmptyForm(nil))
}

func (h *Handlers) showShift(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	sh, err := h.Svc.Shift(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	logs, _, err := h.Svc.Logs(r.Context(), p, LogFilter{ShiftID: sh.ID, Limit: 200})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	// Other assignments of the same month to exchange with.
	d := calendar.Day(sh.Day)
	first := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
	month, err := h.Svc.Shifts(r.Context(), p, first.AddDate(0, 0, -7).Format(calendar.DateLayout), first.AddDate(0, 2, 0).Format(calendar.DateLayout))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data := h.common(r)
	data["Shift"], data["Logs"], data["Others"] = sh, logs, month
	page := h.UI.NewPage(r, "", data)
	page.Title = page.T("duty.shift_title", "Day", sh.Day)
	page.Active, page.Form = "duty_roster", f
	h.UI.Render(w, r, status, "duty_shift", page)
}

func (h *Handlers) handover(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	_, err := h.Svc.Handover(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), f.Get("content"))
	if err != nil {
		h.UI.FormFailed(w, r, f, err, func(e error) bool { return errs.Is(e, errs.Invalid) || errs.Is(e, errs.Conflict) },
			func(status int) { h.showShift(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/duty/shifts/"+r.PathValue("id"), "duty.handed_over")
}
