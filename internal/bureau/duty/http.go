package duty

import (
	"context"
	"embed"
	"net/http"
	"strconv"
	"strings"
	"time"

	"yingji/internal/kit/auth"
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
		{Pattern: "PUT /api/v1/duty/incidents/{id}", In: Incident{}, Out: Incident{}, Roles: writers, Handler: web.BodyJSONByID(h.UI, http.StatusOK, h.Svc.UpdateIncident), API: "Change an open incident (level, casualties …); the next deadline follows"},
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
		{Pattern: "GET /api/v1/duty/now", Out: NowView{}, Roles: everyone, Handler: h.apiNow, API: "Who is on duty now (带班领导 and 值班员)"},
		{Pattern: "GET /api/v1/duty/shifts", Out: ShiftsAnswer{}, Roles: readers, Handler: h.apiShifts, API: "Roster: shifts between from and to (YYYY-MM-DD) with their people"},
		{Pattern: "POST /api/v1/duty/shifts", In: Shift{}, Out: Shift{}, Roles: writers, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.Svc.CreateShift), API: "Record a shift (one leader, one or two officers)"},
		{Pattern: "POST /api/v1/duty/swaps", In: Swap{}, Out: Swap{}, Roles: writers, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.Svc.RequestSwap), API: "Request a shift swap"},
		{Pattern: "POST /api/v1/duty/swaps/{id}/approve", In: web.NoBody{}, Out: Swap{}, Roles: writers, Handler: func(w http.ResponseWriter, r *http.Request) {
			sw, err := h.Svc.DecideSwap(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), true)
			if err != nil {
				h.UI.Error(w, r, err)
				return
			}
			web.JSON(w, http.StatusOK, sw)
		}, API: "Approve a swap (never the requester: 409 duty.swap_self_approval)"},
		{Pattern: "GET /api/v1/duty/log", Out: web.PagedList[LogEntry]{}, Roles: readers, Handler: web.PagedJSON(h.UI, func(r *http.Request, pg web.Paging) ([]LogEntry, int, error) {
			f := LogFilterOf(r.URL.Query())
			f.Limit, f.Offset = pg.Size, pg.Offset()
			return h.Svc.Logs(r.Context(), web.PrincipalFrom(r.Context()), f)
		}), API: "Duty log entries (from, to, kind, shift)"},
		{Pattern: "POST /api/v1/duty/log", In: LogEntry{}, Out: LogEntry{}, Roles: writers, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.Svc.AddLog), API: "Write a duty log entry (corrects: the entry it corrects)"},
		{Pattern: "GET /api/v1/duty/incidents", Out: web.PagedList[Incident]{}, Roles: readers, Handler: web.PagedJSON(h.UI, func(r *http.Request, pg web.Paging) ([]Incident, int, error) {
			f := IncidentFilterOf(r.URL.Query())
			f.Limit, f.Offset = pg.Size, pg.Offset()
			return h.Svc.Incidents(r.Context(), web.PrincipalFrom(r.Context()), f)
		}), API: "Incident reports (from, to, category, level, state, on_time)"},
		{Pattern: "POST /api/v1/duty/incidents", In: Incident{}, Out: Incident{}, Roles: writers, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.Svc.CreateIncident), API: "Record a received incident"},
		{Pattern: "GET /api/v1/duty/incidents/{id}", Out: IncidentDetail{}, Roles: readers, Handler: web.GetJSON(h.UI, h.Svc.Incident), API: "An incident with its reports and 领导批示"},
		{Pattern: "POST /api/v1/duty/incidents/{id}/reports", In: Report{}, Out: Report{}, Roles: writers, Handler: web.BodyJSONByID(h.UI, http.StatusCreated, h.Svc.AddReport), API: "Add the next report (首报/续报/终报); a 续报 before the 首报 is 409"},
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
