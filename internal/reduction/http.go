package reduction

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"yingji/internal/auth"
	"yingji/internal/errs"
	"yingji/internal/org"
	"yingji/internal/web"
)

// Handlers serve the disaster-reduction pages and API.
type Handlers struct {
	UI  *web.UI
	Svc *Service
	Org *org.Service
}

// Ledger kinds (URL segment and CLI name). "officers" is the contract's.
const (
	KindOfficers    = "officers"
	KindReports     = "disaster-reports"
	KindCommunities = "reduction-communities"
	KindCheckpoints = "fire-checkpoints"
	KindTrainings   = "reduction-trainings"
	KindPublicity   = "reduction-publicity"
)

// Policy declares the routes × roles.
func Policy() web.Policy {
	readers, editors, deciders := Readers, Editors, Deciders
	p := web.Policy{
		"GET /reduction/events":                           readers,
		"GET /reduction/events/new":                       deciders,
		"POST /reduction/events":                          deciders,
		"GET /reduction/events/{id}":                      readers,
		"POST /reduction/events/{id}":                     deciders,
		"POST /reduction/events/{id}/reports":             editors,
		"GET /reduction/reports":                          readers,
		"GET /reduction/officers":                         readers,
		"GET /reduction/officers/new":                     editors,
		"POST /reduction/officers":                        editors,
		"GET /reduction/officers/coverage":                readers,
		"GET /reduction/officers/{id}":                    readers,
		"GET /reduction/officers/{id}/edit":               editors,
		"POST /reduction/officers/{id}":                   editors,
		"POST /reduction/officers/{id}/delete":            editors,
		"GET /reduction/communities":                      readers,
		"GET /reduction/communities/new":                  editors,
		"POST /reduction/communities":                     editors,
		"GET /reduction/communities/{id}":                 readers,
		"POST /reduction/communities/{id}/score":          deciders,
		"POST /reduction/communities/{id}/decide":         deciders,
		"GET /reduction/checkpoints":                      readers,
		"GET /reduction/checkpoints/new":                  editors,
		"POST /reduction/checkpoints":                     editors,
		"GET /reduction/checkpoints/{id}":                 readers,
		"POST /reduction/checkpoints/{id}/scans":          editors,
		"POST /reduction/checkpoints/{id}/hazards":        editors,
		"GET /reduction/trainings":                        readers,
		"GET /reduction/trainings/new":                    editors,
		"POST /reduction/trainings":                       editors,
		"GET /reduction/trainings/{id}":                   readers,
		"GET /reduction/publicity":                        readers,
		"GET /reduction/publicity/new":                    editors,
		"POST /reduction/publicity":                       editors,
		"GET /reduction/publicity/{id}":                   readers,
		"GET /api/v1/reduction/events":                    readers,
		"POST /api/v1/reduction/events":                   deciders,
		"GET /api/v1/reduction/events/{id}":               readers,
		"PUT /api/v1/reduction/events/{id}":               deciders,
		"GET /api/v1/reduction/events/{id}/towns":         readers,
		"POST /api/v1/reduction/events/{id}/reports":      editors,
		"GET /api/v1/reduction/reports":                   readers,
		"GET /api/v1/reduction/reports/{id}":              readers,
		"GET /api/v1/reduction/officers":                  readers,
		"POST /api/v1/reduction/officers":                 editors,
		"GET /api/v1/reduction/officers/coverage":         readers,
		"GET /api/v1/reduction/officers/{id}":             readers,
		"PUT /api/v1/reduction/officers/{id}":             editors,
		"DELETE /api/v1/reduction/officers/{id}":          editors,
		"GET /api/v1/reduction/communities":               readers,
		"POST /api/v1/reduction/communities":              editors,
		"GET /api/v1/reduction/communities/{id}":          readers,
		"POST /api/v1/reduction/communities/{id}/score":   deciders,
		"POST /api/v1/reduction/communities/{id}/decide":  deciders,
		"GET /api/v1/reduction/checkpoints":               readers,
		"POST /api/v1/reduction/checkpoints":              editors,
		"GET /api/v1/reduction/checkpoints/{id}":          readers,
		"GET /api/v1/reduction/checkpoints/{id}/scans":    readers,
		"POST /api/v1/reduction/checkpoints/{id}/scans":   editors,
		"POST /api/v1/reduction/checkpoints/{id}/hazards": editors,
		"GET /api/v1/reduction/trainings":                 readers,
		"POST /api/v1/reduction/trainings":                editors,
		"GET /api/v1/reduction/trainings/{id}":            readers,
		"GET /api/v1/reduction/publicity":                 readers,
		"POST /api/v1/reduction/publicity":                editors,
		"GET /api/v1/reduction/publicity/{id}":            readers,
	}
	for _, k := range []string{KindOfficers, KindReports, KindCommunities, KindCheckpoints, KindTrainings, KindPublicity} {
		p["GET /"+k+"/export"] = readers
	}
	for _, k := range []string{KindOfficers, KindTrainings, KindPublicity} {
		p["GET /"+k+"/template"] = editors
		p["GET /"+k+"/import"] = editors
		p["POST /"+k+"/import"] = editors
	}
	return p
}

// API summarises the JSON routes for the OpenAPI document.
func API() map[string]string {
	return map[string]string{
		"GET /api/v1/reduction/events":                    "Disaster events (灾害过程)",
		"POST /api/v1/reduction/events":                   "Open a disaster event",
		"GET /api/v1/reduction/events/{id}":               "One disaster event",
		"PUT /api/v1/reduction/events/{id}":               "Change an event (e.g. the day it became stable)",
		"GET /api/v1/reduction/events/{id}/towns":         "Each town's reports on an event, with zero reports and deadlines",
		"POST /api/v1/reduction/events/{id}/reports":      "A town's 初报/续报/核报 (409 naming the rule when refused)",
		"GET /api/v1/reduction/reports":                   "Disaster reports",
		"GET /api/v1/reduction/reports/{id}":              "One disaster report",
		"GET /api/v1/reduction/officers":                  "Disaster information officers (phones masked unless the role may see them)",
		"POST /api/v1/reduction/officers":                 "Register an officer",
		"GET /api/v1/reduction/officers/coverage":         "Villages with their officer counts (?missing=1: villages without one)",
		"GET /api/v1/reduction/officers/{id}":             "One officer",
		"PUT /api/v1/reduction/officers/{id}":             "Change an officer",
		"DELETE /api/v1/reduction/officers/{id}":          "Remove an officer (not a village's last)",
		"GET /api/v1/reduction/communities":               "Demonstration community applications",
		"POST /api/v1/reduction/communities":              "Record an application",
		"GET /api/v1/reduction/communities/{id}":          "One application",
		"POST /api/v1/reduction/communities/{id}/score":   "Checklist scores of the county check",
		"POST /api/v1/reduction/communities/{id}/decide":  "A stage decision (county, city, province, national)",
		"GET /api/v1/reduction/checkpoints":               "防火码 checkpoints",
		"POST /api/v1/reduction/checkpoints":              "Record a checkpoint",
		"GET /api/v1/reduction/checkpoints/{id}":          "One checkpoint",
		"GET /api/v1/reduction/checkpoints/{id}/scans":    "A checkpoint's scan counts",
		"POST /api/v1/reduction/checkpoints/{id}/scans":   "Enter a scan count for a period",
		"POST /api/v1/reduction/checkpoints/{id}/hazards": "Report a fire hazard found there (into the hazard ledger)",
		"GET /api/v1/reduction/trainings":                 "Training events",
		"POST /api/v1/reduction/trainings":                "Record a training",
		"GET /api/v1/reduction/trainings/{id}":            "One training",
		"GET /api/v1/reduction/publicity":                 "Publicity activities",
		"POST /api/v1/reduction/publicity":                "Record a publicity activity",
		"GET /api/v1/reduction/publicity/{id}":            "One publicity activity",
	}
}

// Register adds the routes (the ledgers' Excel routes come from the kit).
func (h *Handlers) Register(rt *web.Router) {
	rt.Handle("GET /reduction/events", h.events)
	rt.Handle("GET /reduction/events/new", h.eventNew)
	rt.Handle("POST /reduction/events", h.eventCreate)
	rt.Handle("GET /reduction/events/{id}", h.eventShow)
	rt.Handle("POST /reduction/events/{id}", h.eventUpdate)
	rt.Handle("POST /reduction/events/{id}/reports", h.reportCreate)
	rt.Handle("GET /reduction/reports", h.reports)
	rt.Handle("GET /reduction/officers", h.officers)
	rt.Handle("GET /reduction/officers/new", h.officerNew)
	rt.Handle("POST /reduction/officers", h.officerCreate)
	rt.Handle("GET /reduction/officers/coverage", h.coverage)
	rt.Handle("GET /reduction/officers/{id}", h.officerShow)
	rt.Handle("GET /reduction/officers/{id}/edit", h.officerEdit)
	rt.Handle("POST /reduction/officers/{id}", h.officerUpdate)
	rt.Handle("POST /reduction/officers/{id}/delete", h.officerDelete)
	rt.Handle("GET /reduction/communities", h.communities)
	rt.Handle("GET /reduction/communities/new", h.communityNew)
	rt.Handle("POST /reduction/communities", h.communityCreate)
	rt.Handle("GET /reduction/communities/{id}", h.communityShow)
	rt.Handle("POST /reduction/communities/{id}/score", h.communityScore)
	rt.Handle("POST /reduction/communities/{id}/decide", h.communityDecide)
	rt.Handle("GET /reduction/checkpoints", h.checkpoints)
	rt.Handle("GET /reduction/checkpoints/new", h.checkpointNew)
	rt.Handle("POST /reduction/checkpoints", h.checkpointCreate)
	rt.Handle("GET /reduction/checkpoints/{id}", h.checkpointShow)
	rt.Handle("POST /reduction/checkpoints/{id}/scans", h.scanCreate)
	rt.Handle("POST /reduction/checkpoints/{id}/hazards", h.fireHazardCreate)
	rt.Handle("GET /reduction/trainings", h.trainings)
	rt.Handle("GET /reduction/trainings/new", h.trainingNew)
	rt.Handle("POST /reduction/trainings", h.trainingCreate)
	rt.Handle("GET /reduction/trainings/{id}", h.trainingShow)
	rt.Handle("GET /reduction/publicity", h.publicity)
	rt.Handle("GET /reduction/publicity/new", h.publicityNew)
	rt.Handle("POST /reduction/publicity", h.publicityCreate)
	rt.Handle("GET /reduction/publicity/{id}", h.publicityShow)
	h.registerAPI(rt)
}

// ---------------------------------------------------------------------
// shared bits

// names are the county's region names by code.
func (h *Handlers) names(ctx context.Context, p *auth.Principal) map[string]string {
	all, err := h.Org.ListRegions(ctx, &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}, org.RegionFilter{})
	out := map[string]string{}
	if err != nil {
		return out
	}
	for _, r := range all {
		out[r.Code] = r.Name
	}
	return out
}

// townOpts are the towns in p's scope.
func (h *Handlers) townOpts(r *http.Request, all string) []Opt {
	p := web.PrincipalFrom(r.Context())
	towns, _ := h.Org.ListRegions(r.Context(), p, org.RegionFilter{Level: org.LevelTown})
	var out []Opt
	if all != "" || p.Role != auth.RoleTown {
		out = append(out, Opt{"", h.tr(r, orDefault(all, "reduction.county_wide"))})
	}
	for _, t := range towns {
		out = append(out, Opt{t.Code, t.Name})
	}
	return out
}

// villageOpts are the villages in p's scope, named with their town.
func (h *Handlers) villageOpts(r *http.Request) []Opt {
	p := web.PrincipalFrom(r.Context())
	names := h.names(r.Context(), p)
	vs, _ := h.Org.ListRegions(r.Context(), p, org.RegionFilter{Level: org.LevelVillage})
	out := []Opt{{"", "—"}}
	for _, v := range vs {
		out = append(out, Opt{v.Code, names[v.ParentCode] + " · " + v.Name})
	}
	return out
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// filterFields are the usual filters: a search box, the town, a period.
func (h *Handlers) filterFields(r *http.Request, q bool, extra ...Field) []Field {
	var out []Field
	if q {
		out = append(out, Field{Name: "q", Label: h.tr(r, "reduction.search")})
	}
	out = append(out, extra...)
	if web.PrincipalFrom(r.Context()).Role != auth.RoleTown {
		out = append(out, Field{Name: "town", Type: "select", Label: h.tr(r, "reduction.town"), Options: h.townOpts(r, "user.all_towns")})
	}
	return append(out, Field{Name: "from", Type: "date", Label: h.tr(r, "reduction.from")}, Field{Name: "to", Type: "date", Label: h.tr(r, "reduction.to")})
}

// newLink and exportLink are the list pages' actions.
func (h *Handlers) can(r *http.Request, route string) bool {
	return h.UI.Policy.Allows(route, web.PrincipalFrom(r.Context()).Role)
}

func (h *Handlers) listLinks(r *http.Request, base, kind string, importable bool) []Link {
	var out []Link
	if h.can(r, "GET /"+kind+"/export") {
		q := r.URL.Query()
		q.Del("page")
		href := "/" + kind + "/export"
		if enc := q.Encode(); enc != "" {
			href += "?" + enc
		}
		out = append(out, Link{ID: "export", Label: h.tr(r, "action.export"), Href: href})
	}
	if importable && h.can(r, "POST /"+kind+"/import") {
		out = append(out, Link{ID: "import", Label: h.tr(r, "action.import"), Href: "/" + kind + "/import"})
	}
	if h.can(r, "POST "+base) {
		out = append(out, Link{ID: "new", Label: h.tr(r, "reduction.new"), Href: base + "/new"})
	}
	return out
}

// pagedFilter is the request's filter with the page's limits.
func pagedFilter(r *http.Request) (Filter, web.Paging) {
	pg := web.PagingOf(r)
	f := FilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	return f, pg
}

// num parses an integer form value ("" is 0); bad values are field errors.
func num(f *web.Form, k string, fe *errs.FieldErrors) int64 {
	s := strings.ReplaceAll(strings.TrimSpace(f.Get(k)), ",", "")
	if s == "" {
		return 0
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		*fe = append(*fe, errs.Field(k, "reduction.number_invalid", nil))
	}
	return v
}

// ParseDecimal parses "12.3" into units of 1/10^places (tenths: 1,
// fen: 2).
func ParseDecimal(s string, places int) (int64, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	if s == "" {
		return 0, true
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > places || whole == "" && frac == "" {
		return 0, false
	}
	for len(frac) < places {
		frac += "0"
	}
	v, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

func decimal(f *web.Form, k string, places int, fe *errs.FieldErrors) int64 {
	v, ok := ParseDecimal(f.Get(k), places)
	if !ok {
		*fe = append(*fe, errs.Field(k, "reduction.number_invalid", nil))
	}
	return v
}

// parseTime reads a datetime-local value (Shanghai time) or a day.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, shanghai); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(shanghai).Format("2006-01-02 15:04")
}

func yesNo(h *Handlers, r *http.Request, b bool) string {
	if b {
		return h.tr(r, "reduction.yes")
	}
	return h.tr(r, "reduction.no")
}

// failed answers a form post's error: field and rule errors go back on
// the form (shown by show with the error's status), others to Error.
func (h *Handlers) failed(w http.ResponseWriter, r *http.Request, f *web.Form, err error, show func(status int)) {
	h.UI.FormFailed(w, r, f, err, func(err error) bool {
		k := errs.KindOf(err)
		return k == errs.Invalid || k == errs.Conflict
	}, show)
}
