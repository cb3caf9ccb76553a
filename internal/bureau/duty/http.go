package duty

import (
	"context"
	"embed"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/calendar"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/org"
	"yingji/internal/kit/web"
)

// Templates and Locales of the duty pages.
//
//go:embed templates/*.html
var Templates embed.FS

//go:embed locales/*.json
var Locales embed.FS

//go:embed countdown.js
var countdownJS []byte

// UserLookup finds a user ID by username ("" and no error: none).
type UserLookup func(ctx context.Context, username string) (string, error)

// Handlers serve the duty pages and API.
type Handlers struct {
	UI    *web.UI
	Svc   *Service
	Org   *org.Service
	Users UserLookup
	// UsernameOf names a user ID (the settings page shows "name @username").
	UsernameOf func(ctx context.Context, id string) string
	Issuer     func(ctx context.Context, county string) string
}

var (
	readers = []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer, auth.RoleDuty, auth.RoleTown,
		auth.RoleDepartment, auth.RoleReadOnly}
	writers  = []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleDuty}
	everyone = append(append([]auth.Role(nil), readers...), auth.RoleEnterprise)
)

// Routes declares the duty routes: staff in scope read; the duty desk,
// leaders and administrators write; who is on duty now is everyone's.
func (h *Handlers) Routes() web.Routes {
	return web.Routes{
		{Pattern: "GET /duty", Roles: readers, Handler: h.desk},
		{Pattern: "GET /duty/countdown.js", Roles: everyone, Handler: h.script},
		{Pattern: "GET /duty/roster", Roles: readers, Handler: h.roster},
		{Pattern: "GET /duty/roster/pdf", Roles: readers, Handler: h.rosterPDF},
		{Pattern: "POST /duty/roster/generate", Roles: writers, Handler: h.generate},
		{Pattern: "GET /duty/shifts", Roles: readers, Handler: h.personShifts},
		{Pattern: "GET /duty/shifts/new", Roles: writers, Handler: h.shiftForm},
		{Pattern: "POST /duty/shifts", Roles: writers, Handler: h.createShift},
		{Pattern: "GET /duty/shifts/{id}", Roles: readers, Handler: h.shiftPage},
		{Pattern: "POST /duty/shifts/{id}/handover", Roles: writers, Handler: h.handover},
		{Pattern: "GET /duty/swaps", Roles: readers, Handler: h.swaps},
		{Pattern: "POST /duty/swaps", Roles: writers, Handler: h.requestSwap},
		{Pattern: "POST /duty/swaps/{id}/approve", Roles: writers, Handler: h.decide(true)},
		{Pattern: "POST /duty/swaps/{id}/reject", Roles: writers, Handler: h.decide(false)},
		{Pattern: "GET /duty/settings", Roles: writers, Handler: h.settingsPage},
		{Pattern: "POST /duty/settings", Roles: writers, Handler: h.saveSettings},
		{Pattern: "GET /duty/log", Roles: readers, Handler: h.logPage},
		{Pattern: "POST /duty/log", Roles: writers, Handler: h.addLog},
		{Pattern: "GET /duty/log/{id}", Roles: readers, Handler: h.logEntry},
		{Pattern: "POST /duty/log/{id}", Roles: writers, Handler: h.updateLog},
		{Pattern: "POST /duty/log/{id}/correct", Roles: writers, Handler: h.correctLog},
		{Pattern: "GET /duty/incidents", Roles: readers, Handler: h.incidents},
		{Pattern: "GET /duty/incidents/new", Roles: writers, Handler: h.incidentForm},
		{Pattern: "POST /duty/incidents", Roles: writers, Handler: h.createIncident},
		{Pattern: "GET /duty/incidents/{id}", Roles: readers, Handler: h.incidentPage},
		{Pattern: "GET /duty/incidents/{id}/edit", Roles: writers, Handler: h.editIncident},
		{Pattern: "POST /duty/incidents/{id}", Roles: writers, Handler: h.updateIncident},
		{Pattern: "PUT /api/v1/duty/incidents/{id}", Roles: writers, Handler: web.BodyJSONByID(h.UI, http.StatusOK, h.Svc.UpdateIncident), API: "Change an open incident (level, casualties …); the next deadline follows"},
		{Pattern: "GET /duty/incidents/{id}/pdf", Roles: readers, Handler: h.incidentPDF},
		{Pattern: "POST /duty/incidents/{id}/reports", Roles: writers, Handler: h.addReport},
		{Pattern: "POST /duty/incidents/{id}/instructions", Roles: writers, Handler: h.addInstruction},
		{Pattern: "POST /duty/instructions/{id}/done", Roles: writers, Handler: h.doneInstruction},
		{Pattern: "GET /shifts/export", Roles: readers},
		{Pattern: "GET /incidents/export", Roles: readers},
		{Pattern: "GET /dutylog/export", Roles: readers},
		{Pattern: "GET /duty-swaps/export", Roles: readers},
		{Pattern: "GET /shifts/template", Roles: writers},
		{Pattern: "GET /shifts/import", Roles: writers},
		{Pattern: "POST /shifts/import", Roles: writers},
		{Pattern: "GET /incidents/template", Roles: writers},
		{Pattern: "GET /incidents/import", Roles: writers},
		{Pattern: "POST /incidents/import", Roles: writers},
		{Pattern: "GET /dutylog/template", Roles: writers},
		{Pattern: "GET /dutylog/import", Roles: writers},
		{Pattern: "POST /dutylog/import", Roles: writers},
		{Pattern: "GET /api/v1/duty/now", Roles: everyone, Handler: h.apiNow, API: "Who is on duty now (带班领导 and 值班员)"},
		{Pattern: "GET /api/v1/duty/shifts", Roles: readers, Handler: h.apiShifts, API: "Roster: shifts between from and to (YYYY-MM-DD) with their people"},
		{Pattern: "POST /api/v1/duty/shifts", Roles: writers, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.Svc.CreateShift), API: "Record a shift (one leader, one or two officers)"},
		{Pattern: "POST /api/v1/duty/swaps", Roles: writers, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.Svc.RequestSwap), API: "Request a shift swap"},
		{Pattern: "POST /api/v1/duty/swaps/{id}/approve", Roles: writers, Handler: func(w http.ResponseWriter, r *http.Request) {
			sw, err := h.Svc.DecideSwap(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), true)
			if err != nil {
				h.UI.Error(w, r, err)
				return
			}
			web.JSON(w, http.StatusOK, sw)
		}, API: "Approve a swap (never the requester: 409 duty.swap_self_approval)"},
		{Pattern: "GET /api/v1/duty/log", Roles: readers, Handler: web.PagedJSON(h.UI, func(r *http.Request, pg web.Paging) ([]LogEntry, int, error) {
			f := LogFilterOf(r.URL.Query())
			f.Limit, f.Offset = pg.Size, pg.Offset()
			return h.Svc.Logs(r.Context(), web.PrincipalFrom(r.Context()), f)
		}), API: "Duty log entries (from, to, kind, shift)"},
		{Pattern: "POST /api/v1/duty/log", Roles: writers, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.Svc.AddLog), API: "Write a duty log entry (corrects: the entry it corrects)"},
		{Pattern: "GET /api/v1/duty/incidents", Roles: readers, Handler: web.PagedJSON(h.UI, func(r *http.Request, pg web.Paging) ([]Incident, int, error) {
			f := IncidentFilterOf(r.URL.Query())
			f.Limit, f.Offset = pg.Size, pg.Offset()
			return h.Svc.Incidents(r.Context(), web.PrincipalFrom(r.Context()), f)
		}), API: "Incident reports (from, to, category, level, state, on_time)"},
		{Pattern: "POST /api/v1/duty/incidents", Roles: writers, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.Svc.CreateIncident), API: "Record a received incident"},
		{Pattern: "GET /api/v1/duty/incidents/{id}", Roles: readers, Handler: web.GetJSON(h.UI, h.Svc.Incident), API: "An incident with its reports and 领导批示"},
		{Pattern: "POST /api/v1/duty/incidents/{id}/reports", Roles: writers, Handler: web.BodyJSONByID(h.UI, http.StatusCreated, h.Svc.AddReport), API: "Add the next report (首报/续报/终报); a 续报 before the 首报 is 409"},
	}
}

func (h *Handlers) script(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "max-age=3600")
	_, _ = w.Write(countdownJS)
}

// parseLocal reads a datetime-local value ("2022-06-30T10:15", also
// with a space or seconds) as Shanghai time; "" is the zero time.
func parseLocal(s string) (time.Time, error) {
	s = strings.TrimSpace(strings.Replace(s, " ", "T", 1))
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, Shanghai); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errs.New(errs.Invalid, "duty.time_invalid")
}

func localInput(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Shanghai).Format("2006-01-02T15:04")
}

func timeField(f *web.Form, k string, fe *errs.FieldErrors) time.Time {
	t, err := parseLocal(f.Get(k))
	if err != nil {
		*fe = append(*fe, errs.Field(k, "duty.time_invalid", nil))
	}
	return t
}

func intField(f *web.Form, k string, fe *errs.FieldErrors) int {
	v := strings.TrimSpace(f.Get(k))
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		*fe = append(*fe, errs.Field(k, "duty.number_invalid", nil))
	}
	return n
}

func floatField(f *web.Form, k string, fe *errs.FieldErrors) float64 {
	v := strings.TrimSpace(f.Get(k))
	if v == "" {
		return 0
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil {
		*fe = append(*fe, errs.Field(k, "duty.number_invalid", nil))
	}
	return n
}

// common are what every duty page needs.
func (h *Handlers) common(r *http.Request) map[string]any {
	p := web.PrincipalFrom(r.Context())
	now := h.Svc.Now()
	return map[string]any{"Now": now, "NowRFC": now.UTC().Format(time.RFC3339), "CanWrite": CanWrite(p), "Categories": Categories,
		"Levels": Levels, "Vias": Vias, "LogKinds": LogKinds}
}

func (h *Handlers) towns(r *http.Request) ([]org.Region, map[string]string) {
	p := web.PrincipalFrom(r.Context())
	all, err := h.Org.ListRegions(r.Context(), &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		return nil, nil
	}
	names := map[string]string{}
	for _, x := range all {
		names[x.Code] = x.Name
	}
	return all, names
}

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

// ---- Swaps ----

func (h *Handlers) swaps(w http.ResponseWriter, r *http.Request) {
	list, err := h.Svc.Swaps(r.Context(), web.PrincipalFrom(r.Context()), r.URL.Query().Get("state"), 200)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data := h.common(r)
	data["Swaps"] = list
	h.UI.Show(w, r, http.StatusOK, "duty_swaps", "duty.nav_swaps", "duty_swaps", data, nil)
}

func (h *Handlers) requestSwap(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	sw := Swap{AssignmentID: f.Get("assignment_id"), WithID: f.Get("with_assignment_id"), Reason: f.Get("reason")}
	var err error
	if s := strings.TrimSpace(f.Get("substitute")); s != "" {
		var pr Person
		pr, err = h.person(r.Context(), s)
		sw.SubstituteFor, sw.SubstituteUID = pr.Name, pr.UserID
	}
	if err == nil {
		_, err = h.Svc.RequestSwap(r.Context(), web.PrincipalFrom(r.Context()), sw)
	}
	h.UI.Done(w, r, err, "/duty/swaps?state=pending", "duty.swap_requested")
}

func (h *Handlers) decide(approve bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, err := h.Svc.DecideSwap(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), approve)
		h.UI.Done(w, r, err, "/duty/swaps", map[bool]string{true: "duty.swap_approved", false: "duty.swap_rejected"}[approve])
	}
}

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

// ---- Duty log ----

func logFromForm(f *web.Form) (LogEntry, error) {
	var fe errs.FieldErrors
	e := LogEntry{Kind: f.Get("kind"), At: timeField(f, "at", &fe), Caller: f.Get("caller"), Unit: f.Get("unit"), Place: f.Get("place"),
		Nature: f.Get("nature"), Action: f.Get("action"), Content: f.Get("content")}
	return e, fe.Err()
}

func logValues(e LogEntry) map[string]string {
	return map[string]string{"kind": e.Kind, "at": localInput(e.At), "caller": e.Caller, "unit": e.Unit, "place": e.Place, "nature": e.Nature,
		"action": e.Action, "content": e.Content}
}

func (h *Handlers) logPage(w http.ResponseWriter, r *http.Request) {
	h.showLog(w, r, http.StatusOK, web.EmptyForm(map[string]string{"at": localInput(h.Svc.Now()), "kind": LogCall}))
}

func (h *Handlers) showLog(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	pg := web.PagingOf(r)
	lf := LogFilterOf(r.URL.Query())
	lf.Limit, lf.Offset = pg.Size, pg.Offset()
	list, total, err := h.Svc.Logs(r.Context(), web.PrincipalFrom(r.Context()), lf)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data := h.common(r)
	data["Rows"], data["Pager"] = list, web.PagerOf(pg, total)
	h.UI.Show(w, r, status, "duty_log", "duty.nav_log", "duty_log", data, f)
}

func (h *Handlers) addLog(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	e, err := logFromForm(f)
	if err == nil {
		_, err = h.Svc.AddLog(r.Context(), web.PrincipalFrom(r.Context()), e)
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) { h.showLog(w, r, status, f) })
		return
	}
	back := "/duty/log"
	if f.Get("back") == "desk" {
		back = "/duty"
	}
	h.UI.Redirect(w, r, back, "duty.log_saved")
}

func (h *Handlers) logEntry(w http.ResponseWriter, r *http.Request) {
	e, err := h.Svc.Log(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.showEntry(w, r, http.StatusOK, e, web.EmptyForm(logValues(e)))
}

func (h *Handlers) showEntry(w http.ResponseWriter, r *http.Request, status int, e LogEntry, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	data := h.common(r)
	data["E"] = e
	if e.Corrects != "" {
		if old, err := h.Svc.Log(r.Context(), p, e.Corrects); err == nil {
			data["Old"] = old
		}
	}
	h.UI.Show(w, r, status, "duty_log_entry", "duty.log_entry", "duty_log", data, f)
}

func (h *Handlers) updateLog(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := web.NewForm(r)
	e, err := logFromForm(f)
	if err == nil {
		_, err = h.Svc.UpdateLog(r.Context(), p, r.PathValue("id"), e)
	}
	if err != nil {
		old, gerr := h.Svc.Log(r.Context(), p, r.PathValue("id"))
		if gerr != nil {
			h.UI.Error(w, r, gerr)
			return
		}
		h.UI.FormFailed(w, r, f, err, func(e error) bool { return errs.Is(e, errs.Invalid) || errs.Is(e, errs.Conflict) },
			func(status int) { h.showEntry(w, r, status, old, f) })
		return
	}
	h.UI.Redirect(w, r, "/duty/log/"+r.PathValue("id"), "duty.log_saved")
}

func (h *Handlers) correctLog(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := web.NewForm(r)
	e, err := logFromForm(f)
	e.Corrects = r.PathValue("id")
	if err == nil {
		old, gerr := h.Svc.Log(r.Context(), p, e.Corrects)
		if gerr != nil {
			h.UI.Error(w, r, gerr)
			return
		}
		e.Kind = old.Kind
		e, err = h.Svc.AddLog(r.Context(), p, e)
	}
	if err != nil {
		old, gerr := h.Svc.Log(r.Context(), p, r.PathValue("id"))
		if gerr != nil {
			h.UI.Error(w, r, gerr)
			return
		}
		h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) { h.showEntry(w, r, status, old, f) })
		return
	}
	h.UI.Redirect(w, r, "/duty/log/"+e.ID, "duty.log_corrected")
}

// ---- Incidents ----

func (h *Handlers) incidents(w http.ResponseWriter, r *http.Request) {
	pg := web.PagingOf(r)
	f := IncidentFilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	list, total, err := h.Svc.Incidents(r.Context(), web.PrincipalFrom(r.Context()), f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data := h.common(r)
	data["Towns"], data["TownNames"] = h.towns(r)
	data["Rows"], data["Pager"], data["Total"] = list, web.PagerOf(pg, total), total
	h.UI.Show(w, r, http.StatusOK, "duty_incidents", "duty.nav_incidents", "duty_incidents", data, nil)
}

func (h *Handlers) incidentForm(w http.ResponseWriter, r *http.Request) {
	h.showIncidentForm(w, r, http.StatusOK, web.EmptyForm(map[string]string{"received_at": localInput(h.Svc.Now()), "level": "general",
		"category": "accident", "source": "电话报告"}))
}

func (h *Handlers) showIncidentForm(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	data := h.common(r)
	data["Towns"], _ = h.towns(r)
	title := "duty.new_incident"
	if f.Get("id") != "" {
		title = "duty.edit_incident"
	}
	h.UI.Show(w, r, status, "duty_incident_form", title, "duty_incidents", data, f)
}

func incidentFromForm(f *web.Form) (Incident, error) {
	var fe errs.FieldErrors
	cat, sub, _ := strings.Cut(f.Get("category"), "/")
	in := Incident{Title: f.Get("title"), ReceivedAt: timeField(f, "received_at", &fe), OccurredAt: timeField(f, "occurred_at", &fe),
		Source: f.Get("source"), Category: cat, Subtype: sub, Level: f.Get("level"), TownCode: f.Get("town_code"), Place: f.Get("place"),
		Lat: floatField(f, "lat", &fe), Lng: floatField(f, "lng", &fe), Deaths: intField(f, "deaths", &fe), Injuries: intField(f, "injuries", &fe),
		Missing: intField(f, "missing", &fe), Summary: f.Get("summary"), AccidentID: f.Get("accident_id")}
	return in, fe.Err()
}

func (h *Handlers) createIncident(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	in, err := incidentFromForm(f)
	if err == nil {
		in, err = h.Svc.CreateIncident(r.Context(), web.PrincipalFrom(r.Context()), in)
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) { h.showIncidentForm(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/duty/incidents/"+in.ID, "duty.incident_saved")
}

func (h *Handlers) editIncident(w http.ResponseWriter, r *http.Request) {
	d, err := h.Svc.Incident(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	cat := d.Category
	if d.Subtype != "" {
		cat += "/" + d.Subtype
	}
	lat, lng := "", ""
	if d.Lat != 0 || d.Lng != 0 {
		lat, lng = strconv.FormatFloat(d.Lat, 'f', -1, 64), strconv.FormatFloat(d.Lng, 'f', -1, 64)
	}
	f := web.EmptyForm(map[string]string{"title": d.Title, "received_at": localInput(d.ReceivedAt), "occurred_at": localInput(d.OccurredAt),
		"source": d.Source, "category": cat, "level": d.Level, "town_code": d.TownCode, "place": d.Place, "lat": lat, "lng": lng,
		"deaths": strconv.Itoa(d.Deaths), "injuries": strconv.Itoa(d.Injuries), "missing": strconv.Itoa(d.Missing), "summary": d.Summary,
		"accident_id": d.AccidentID, "id": d.ID})
	h.showIncidentForm(w, r, http.StatusOK, f)
}

func (h *Handlers) updateIncident(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	f.Values["id"] = r.PathValue("id")
	in, err := incidentFromForm(f)
	if err == nil {
		_, err = h.Svc.UpdateIncident(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), in)
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, func(e error) bool { return errs.Is(e, errs.Invalid) || errs.Is(e, errs.Conflict) },
			func(status int) { h.showIncidentForm(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/duty/incidents/"+r.PathValue("id"), "duty.incident_updated")
}

func (h *Handlers) incidentPage(w http.ResponseWriter, r *http.Request) {
	h.showIncident(w, r, http.StatusOK, web.EmptyForm(map[string]string{"reported_at": localInput(h.Svc.Now()), "via": "phone",
		"to": "市应急管理局总值班室", "given_at": localInput(h.Svc.Now())}))
}

func (h *Handlers) showIncident(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	d, err := h.Svc.Incident(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if f.Get("deaths") == "" {
		f.Values["deaths"], f.Values["injuries"], f.Values["missing"] = strconv.Itoa(d.Deaths), strconv.Itoa(d.Injuries), strconv.Itoa(d.Missing)
	}
	data := h.common(r)
	_, names := h.towns(r)
	data["I"], data["TownName"] = d, names[d.TownCode]
	page := h.UI.NewPage(r, d.Title, data)
	page.Active, page.Form = "duty_incidents", f
	h.UI.Render(w, r, status, "duty_incident", page)
}

func (h *Handlers) incidentPDF(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	d, err := h.Svc.Incident(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.SendPDF(w, r, "信息专报-"+d.ReceivedAt.In(Shanghai).Format("20060102")+".pdf", func(out io.Writer) error {
		return IncidentPDF(out, h.issuer(r.Context(), p.CountyCode), d, h.Svc.Now())
	})
}

func (h *Handlers) addReport(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	var fe errs.FieldErrors
	rep := Report{Kind: f.Get("kind"), ReportedAt: timeField(f, "reported_at", &fe), To: f.Get("to"), Via: f.Get("via"), Content: f.Get("report_content"),
		Deaths: intField(f, "deaths", &fe), Injuries: intField(f, "injuries", &fe), Missing: intField(f, "missing", &fe)}
	err := fe.Err()
	if err == nil {
		_, err = h.Svc.AddReport(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), rep)
	}
	if e, ok := errs.As(err); ok && e.Field == "content" {
		e.Field = "report_content"
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, func(e error) bool { return errs.Is(e, errs.Invalid) || errs.Is(e, errs.Conflict) },
			func(status int) { h.showIncident(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/duty/incidents/"+r.PathValue("id"), "duty.report_saved")
}

func (h *Handlers) addInstruction(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	var fe errs.FieldErrors
	x := Instruction{GivenBy: f.Get("given_by"), GivenAt: timeField(f, "given_at", &fe), Content: f.Get("instruction"), Assignee: f.Get("assignee")}
	err := fe.Err()
	if err == nil {
		_, err = h.Svc.AddInstruction(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), x)
	}
	if e, ok := errs.As(err); ok && e.Field == "content" {
		e.Field = "instruction"
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.IsInvalid, func(status int) { h.showIncident(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/duty/incidents/"+r.PathValue("id"), "duty.instruction_saved")
}

func (h *Handlers) doneInstruction(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	x, err := h.Svc.DoneInstruction(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), f.Get("done_note"))
	h.UI.Done(w, r, err, "/duty/incidents/"+x.IncidentID, "duty.instruction_done")
}

// ---- API ----

// NowView is who is on duty now, for the API.
type NowView struct {
	OnDuty   bool     `json:"on_duty"`
	Shift    *Shift   `json:"shift,omitempty"`
	Leader   string   `json:"leader,omitempty"`
	Officers []string `json:"officers"`
}

func (h *Handlers) apiNow(w http.ResponseWriter, r *http.Request) {
	sh, ok, err := h.Svc.NowOnDuty(r.Context(), web.PrincipalFrom(r.Context()))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	v := NowView{OnDuty: ok, Officers: []string{}}
	if ok {
		for i := range sh.Members {
			sh.Members[i].UserID = "" // who to call, not their accounts
		}
		v.Shift = &sh
		if l, has := sh.Leader(); has {
			v.Leader = l.Name
		}
		for _, o := range sh.Officers() {
			v.Officers = append(v.Officers, o.Name)
		}
	}
	web.JSON(w, http.StatusOK, v)
}

func (h *Handlers) apiShifts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, to := q.Get("from"), q.Get("to")
	if from == "" || to == "" {
		m := monthOf(q.Get("month"), h.Svc.Now())
		from, to = m.Format(calendar.DateLayout), m.AddDate(0, 1, -1).Format(calendar.DateLayout)
	}
	list, err := h.Svc.Shifts(r.Context(), web.PrincipalFrom(r.Context()), from, to)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if list == nil {
		list = []Shift{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": list, "from": from, "to": to})
}
