package reduction

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/org"
	"yingji/internal/kit/web"
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

// Routes declares the reduction routes, each once: pattern, roles, handler
// and API summary (the ledgers' Excel routes are the kit's: no handler).
func (h *Handlers) Routes() web.Routes {
	readers, editors, deciders := Readers, Editors, Deciders
	s, ui := h.Svc, h.UI
	rs := web.Routes{
		{Pattern: "GET /reduction/events", Roles: readers, Handler: h.events},
		{Pattern: "GET /reduction/events/new", Roles: deciders, Handler: h.eventNew},
		{Pattern: "POST /reduction/events", Roles: deciders, Handler: h.eventCreate},
		{Pattern: "GET /reduction/events/{id}", Roles: readers, Handler: h.eventShow},
		{Pattern: "POST /reduction/events/{id}", Roles: deciders, Handler: h.eventUpdate},
		{Pattern: "POST /reduction/events/{id}/reports", Roles: editors, Handler: h.reportCreate},
		{Pattern: "GET /reduction/reports", Roles: readers, Handler: h.reports},
		{Pattern: "GET /reduction/officers", Roles: readers, Handler: h.officers},
		{Pattern: "GET /reduction/officers/new", Roles: editors, Handler: h.officerNew},
		{Pattern: "POST /reduction/officers", Roles: editors, Handler: h.officerCreate},
		{Pattern: "GET /reduction/officers/coverage", Roles: readers, Handler: h.coverage},
		{Pattern: "GET /reduction/officers/{id}", Roles: readers, Handler: h.officerShow},
		{Pattern: "GET /reduction/officers/{id}/edit", Roles: editors, Handler: h.officerEdit},
		{Pattern: "POST /reduction/officers/{id}", Roles: editors, Handler: h.officerUpdate},
		{Pattern: "POST /reduction/officers/{id}/delete", Roles: editors, Handler: h.officerDelete},
		{Pattern: "GET /reduction/communities", Roles: readers, Handler: h.communities},
		{Pattern: "GET /reduction/communities/new", Roles: editors, Handler: h.communityNew},
		{Pattern: "POST /reduction/communities", Roles: editors, Handler: h.communityCreate},
		{Pattern: "GET /reduction/communities/{id}", Roles: readers, Handler: h.communityShow},
		{Pattern: "POST /reduction/communities/{id}/score", Roles: deciders, Handler: h.communityScore},
		{Pattern: "POST /reduction/communities/{id}/decide", Roles: deciders, Handler: h.communityDecide},
		{Pattern: "GET /reduction/checkpoints", Roles: readers, Handler: h.checkpoints},
		{Pattern: "GET /reduction/checkpoints/new", Roles: editors, Handler: h.checkpointNew},
		{Pattern: "POST /reduction/checkpoints", Roles: editors, Handler: h.checkpointCreate},
		{Pattern: "GET /reduction/checkpoints/{id}", Roles: readers, Handler: h.checkpointShow},
		{Pattern: "POST /reduction/checkpoints/{id}/scans", Roles: editors, Handler: h.scanCreate},
		{Pattern: "POST /reduction/checkpoints/{id}/hazards", Roles: editors, Handler: h.fireHazardCreate},
		{Pattern: "GET /reduction/trainings", Roles: readers, Handler: h.trainings},
		{Pattern: "GET /reduction/trainings/new", Roles: editors, Handler: h.trainingNew},
		{Pattern: "POST /reduction/trainings", Roles: editors, Handler: h.trainingCreate},
		{Pattern: "GET /reduction/trainings/{id}", Roles: readers, Handler: h.trainingShow},
		{Pattern: "GET /reduction/publicity", Roles: readers, Handler: h.publicity},
		{Pattern: "GET /reduction/publicity/new", Roles: editors, Handler: h.publicityNew},
		{Pattern: "POST /reduction/publicity", Roles: editors, Handler: h.publicityCreate},
		{Pattern: "GET /reduction/publicity/{id}", Roles: readers, Handler: h.publicityShow},
		{Pattern: "GET /api/v1/reduction/events", Out: web.PagedList[Event]{}, Roles: readers, Handler: web.PagedJSON(ui, paged(s.ListEvents)), API: "Disaster events (灾害过程)"},
		{Pattern: "POST /api/v1/reduction/events", In: Event{}, Out: Event{}, Roles: deciders, Handler: web.BodyJSON(ui, http.StatusCreated, s.CreateEvent), API: "Open a disaster event"},
		{Pattern: "GET /api/v1/reduction/events/{id}", Out: Event{}, Roles: readers, Handler: web.GetJSON(ui, s.GetEvent), API: "One disaster event"},
		{Pattern: "PUT /api/v1/reduction/events/{id}", In: Event{}, Out: Event{}, Roles: deciders, Handler: web.BodyJSONByID(ui, http.StatusOK, s.UpdateEvent), API: "Change an event (e.g. the day it became stable)"},
		{Pattern: "GET /api/v1/reduction/events/{id}/towns", Out: web.ItemList[TownStatus]{}, Roles: readers, Handler: web.GetJSON(ui, func(ctx context.Context, p *auth.Principal, id string) (web.ItemList[TownStatus], error) {
			ts, err := s.Towns(ctx, p, id)
			if ts == nil {
				ts = []TownStatus{}
			}
			return web.ItemList[TownStatus]{Items: ts}, err
		}), API: "Each town's reports on an event, with zero reports and deadlines"},
		{Pattern: "POST /api/v1/reduction/events/{id}/reports", In: Report{}, Out: Report{}, Roles: editors, Handler: web.BodyJSONByID(ui, http.StatusCreated, s.AddReport), API: "A town's 初报/续报/核报 (409 naming the rule when refused)"},
		{Pattern: "GET /api/v1/reduction/reports", Out: web.PagedList[Report]{}, Roles: readers, Handler: web.PagedJSON(ui, paged(s.ListReports)), API: "Disaster reports"},
		{Pattern: "GET /api/v1/reduction/reports/{id}", Out: Report{}, Roles: readers, Handler: web.GetJSON(ui, s.GetReport), API: "One disaster report"},
		{Pattern: "GET /api/v1/reduction/officers", Out: web.PagedList[Officer]{}, Roles: readers, Handler: web.PagedJSON(ui, paged(s.ListOfficers)), API: "Disaster information officers (phones masked unless the role may see them)"},
		{Pattern: "POST /api/v1/reduction/officers", In: Officer{}, Out: Officer{}, Roles: editors, Handler: web.BodyJSON(ui, http.StatusCreated, s.CreateOfficer), API: "Register an officer"},
		{Pattern: "GET /api/v1/reduction/officers/coverage", Out: web.ItemList[VillageCoverage]{}, Roles: readers, Handler: func(w http.ResponseWriter, r *http.Request) {
			list, err := s.Coverage(r.Context(), web.PrincipalFrom(r.Context()), r.URL.Query().Get("missing") == "1")
			if err != nil {
				ui.Error(w, r, err)
				return
			}
			if list == nil {
				list = []VillageCoverage{}
			}
			web.JSON(w, http.StatusOK, web.ItemList[VillageCoverage]{Items: list})
		}, API: "Villages with their officer counts (?missing=1: villages without one)"},
		{Pattern: "GET /api/v1/reduction/officers/{id}", Out: Officer{}, Roles: readers, Handler: web.GetJSON(ui, s.GetOfficer), API: "One officer"},
		{Pattern: "PUT /api/v1/reduction/officers/{id}", In: Officer{}, Out: Officer{}, Roles: editors, Handler: web.BodyJSONByID(ui, http.StatusOK, s.UpdateOfficer), API: "Change an officer"},
		{Pattern: "DELETE /api/v1/reduction/officers/{id}", Out: web.NoBody{}, Roles: editors, Handler: func(w http.ResponseWriter, r *http.Request) {
			if err := s.DeleteOfficer(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id")); err != nil {
				ui.Error(w, r, err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}, API: "Remove an officer (not a village's last)"},
		{Pattern: "GET /api/v1/reduction/communities", Out: web.PagedList[Community]{}, Roles: readers, Handler: web.PagedJSON(ui, paged(s.ListCommunities)), API: "Demonstration community applications"},
		{Pattern: "POST /api/v1/reduction/communities", In: Community{}, Out: Community{}, Roles: editors, Handler: web.BodyJSON(ui, http.StatusCreated, s.CreateCommunity), API: "Record an application"},
		{Pattern: "GET /api/v1/reduction/communities/{id}", Out: Community{}, Roles: readers, Handler: web.GetJSON(ui, s.GetCommunity), API: "One application"},
		{Pattern: "POST /api/v1/reduction/communities/{id}/score", In: map[string]int{}, Out: Community{}, Roles: deciders, Handler: web.BodyJSONByID(ui, http.StatusOK, s.ScoreCommunity), API: "Checklist scores of the county check"},
		{Pattern: "POST /api/v1/reduction/communities/{id}/decide", In: StageDecision{}, Out: Community{}, Roles: deciders, Handler: web.BodyJSONByID(ui, http.StatusOK, s.DecideCommunity), API: "A stage decision (county, city, province, national)"},
		{Pattern: "GET /api/v1/reduction/checkpoints", Out: web.PagedList[Checkpoint]{}, Roles: readers, Handler: web.PagedJSON(ui, paged(s.ListCheckpoints)), API: "防火码 checkpoints"},
		{Pattern: "POST /api/v1/reduction/checkpoints", In: Checkpoint{}, Out: Checkpoint{}, Roles: editors, Handler: web.BodyJSON(ui, http.StatusCreated, s.CreateCheckpoint), API: "Record a checkpoint"},
		{Pattern: "GET /api/v1/reduction/checkpoints/{id}", Out: Checkpoint{}, Roles: readers, Handler: web.GetJSON(ui, s.GetCheckpoint), API: "One checkpoint"},
		{Pattern: "GET /api/v1/reduction/checkpoints/{id}/scans", Out: web.ItemList[ScanCount]{}, Roles: readers, Handler: web.GetJSON(ui, func(ctx context.Context, p *auth.Principal, id string) (web.ItemList[ScanCount], error) {
			list, err := s.Scans(ctx, p, id)
			if list == nil {
				list = []ScanCount{}
			}
			return web.ItemList[ScanCount]{Items: list}, err
		}), API: "A checkpoint's scan counts"},
		{Pattern: "POST /api/v1/reduction/checkpoints/{id}/scans", In: ScanCount{}, Out: ScanCount{}, Roles: editors, Handler: web.BodyJSONByID(ui, http.StatusCreated, s.AddScan), API: "Enter a scan count for a period"},
		{Pattern: "POST /api/v1/reduction/checkpoints/{id}/hazards", In: FireHazard{}, Out: FireHazardReported{}, Roles: editors, Handler: web.BodyJSONByID(ui, http.StatusCreated,
			func(ctx context.Context, p *auth.Principal, id string, in FireHazard) (FireHazardReported, error) {
				hid, err := s.ReportFireHazard(ctx, p, id, in)
				return FireHazardReported{HazardID: hid}, err
			}), API: "Report a fire hazard found there (into the hazard ledger)"},
		{Pattern: "GET /api/v1/reduction/trainings", Out: web.PagedList[Training]{}, Roles: readers, Handler: web.PagedJSON(ui, paged(s.ListTrainings)), API: "Training events"},
		{Pattern: "POST /api/v1/reduction/trainings", In: Training{}, Out: Training{}, Roles: editors, Handler: web.BodyJSON(ui, http.StatusCreated, s.CreateTraining), API: "Record a training"},
		{Pattern: "GET /api/v1/reduction/trainings/{id}", Out: Training{}, Roles: readers, Handler: web.GetJSON(ui, s.GetTraining), API: "One training"},
		{Pattern: "GET /api/v1/reduction/publicity", Out: web.PagedList[Publicity]{}, Roles: readers, Handler: web.PagedJSON(ui, paged(s.ListPublicity)), API: "Publicity activities"},
		{Pattern: "POST /api/v1/reduction/publicity", In: Publicity{}, Out: Publicity{}, Roles: editors, Handler: web.BodyJSON(ui, http.StatusCreated, s.CreatePublicity), API: "Record a publicity activity"},
		{Pattern: "GET /api/v1/reduction/publicity/{id}", Out: Publicity{}, Roles: readers, Handler: web.GetJSON(ui, s.GetPublicity), API: "One publicity activity"},
	}
	for _, k := range []string{KindOfficers, KindReports, KindCommunities, KindCheckpoints, KindTrainings, KindPublicity} {
		rs = append(rs, web.Endpoint{Pattern: "GET /" + k + "/export", Roles: readers})
	}
	for _, k := range []string{KindOfficers, KindTrainings, KindPublicity} {
		rs = append(rs, web.Endpoint{Pattern: "GET /" + k + "/template", Roles: editors})
		rs = append(rs, web.Endpoint{Pattern: "GET /" + k + "/import", Roles: editors})
		rs = append(rs, web.Endpoint{Pattern: "POST /" + k + "/import", Roles: editors})
	}
	return rs
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
