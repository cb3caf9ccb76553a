package reduction

import (
	"context"
	"net/url"
	"strings"
	"time"

	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/calendar"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/org"
	"yingji/internal/kit/person"
	"yingji/internal/kit/store"
)

// Service reads and changes the module's records within the caller's
// scope. Regions come from the org service, fire hazards go to the hazard
// service: this package writes only its own tables.
type Service struct {
	db     *store.DB
	org    *org.Service
	hazard *hazard.Service
	now    func() time.Time
}

// New returns a Service; hz may be nil (no fire hazards can be reported).
func New(db *store.DB, o *org.Service, hz *hazard.Service, now func() time.Time) *Service {
	return &Service{db: db, org: o, hazard: hz, now: now}
}

// Today is the service's current Shanghai day (YYYY-MM-DD).
func (s *Service) Today() string { return calendar.Today(s.now()).Format(calendar.DateLayout) }

// Who may do what.

// Readers of the registers: every government role (not enterprises).
var Readers = []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer, auth.RoleDuty, auth.RoleTown,
	auth.RoleDepartment, auth.RoleReadOnly}

// Editors record reports, officers, applications, checkpoints, trainings
// and publicity: administrators, section staff (救灾减灾股) and town staff
// (their town only).
var Editors = []auth.Role{auth.RoleAdmin, auth.RoleSection, auth.RoleTown}

// Deciders open events, score applications and record stage decisions.
var Deciders = []auth.Role{auth.RoleAdmin, auth.RoleSection}

// SeesPhone reports whether p sees officers' phone numbers in full: the
// staff who call them (administrators, leaders, section staff, the duty
// officer and town staff). Others see 139****5678.
func SeesPhone(p *auth.Principal) bool {
	return p.Is(auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleDuty, auth.RoleTown)
}

func mayRead(p *auth.Principal) error {
	if !p.Is(Readers...) {
		return errs.New(errs.Forbidden, "forbidden")
	}
	return nil
}

// mayEdit checks that p may write a record of town (a 9-digit town code,
// "" for county-wide records).
func mayEdit(p *auth.Principal, town string) error {
	if !p.Is(Editors...) {
		return errs.New(errs.Forbidden, "forbidden")
	}
	if p.Role == auth.RoleTown && (town == "" || !p.InRegion(town)) {
		return errs.Field("town_code", "reduction.town_not_yours", nil)
	}
	return nil
}

func mayDecide(p *auth.Principal) error {
	if !p.Is(Deciders...) {
		return errs.New(errs.Forbidden, "forbidden")
	}
	return nil
}

// inScope reports whether a record of county and town is p's to read;
// county-wide records ("" town) are read by everyone in the county.
func inScope(p *auth.Principal, county, town string) bool {
	return county == p.CountyCode && (town == "" || p.InRegion(town))
}

// inTx runs fn in a transaction on x and returns the x fn returned (as
// fn left it when the transaction fails).
func inTx[T any](ctx context.Context, db *store.DB, x T, fn func(tx *store.Tx, x T) (T, error)) (T, error) {
	err := db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		x, err = fn(tx, x)
		return err
	})
	return x, err
}

// getInScope reads the record id of table with get for p: refused
// without read rights or outside p's scope (place gives the record's
// county and its town or village code, "" for county-wide), and shown
// through view (the masks of what p may not read).
func getInScope[T any](ctx context.Context, s *Service, p *auth.Principal, table, id string, get func(context.Context, store.Querier, string) (T, error),
	place func(T) (string, string), view func(T) T) (T, error) {
	var zero T
	if err := mayRead(p); err != nil {
		return zero, err
	}
	x, err := get(ctx, s.db.R(), id)
	if err != nil {
		return x, err
	}
	if county, code := place(x); !inScope(p, county, code) {
		return zero, errs.OutOfScope(table, id)
	}
	return view(x), nil
}

// viewed is scan with view applied to each record read.
func viewed[T any](scan func(row) (T, error), view func(T) T) func(row) (T, error) {
	return func(r row) (T, error) {
		x, err := scan(r)
		return view(x), err
	}
}

// eventFor, checkpointFor and publicityFor mask any ID number typed into
// a note.
func eventFor(e Event) Event {
	e.Note = person.MaskIDsIn(e.Note)
	return e
}

func checkpointFor(c Checkpoint) Checkpoint {
	c.Note = person.MaskIDsIn(c.Note)
	return c
}

func publicityFor(x Publicity) Publicity {
	x.Note = person.MaskIDsIn(x.Note)
	return x
}

// Filter selects records of a register (fields a register has no use
// for are ignored).
type Filter struct {
	Q        string
	Town     string
	Village  string
	Kind     string // report kind, publicity kind, hazard kind
	Role     string // officer role
	Stage    string // communities that reached at least this stage
	Campaign string
	Audience string
	EventID  string
	From, To string // days
	Limit    int
	Offset   int
}

// FilterOf reads a filter from query parameters.
func FilterOf(q url.Values) Filter {
	return Filter{Q: q.Get("q"), Town: q.Get("town"), Village: q.Get("village"), Kind: q.Get("kind"), Role: q.Get("role"), Stage: q.Get("stage"),
		Campaign: q.Get("campaign"), Audience: q.Get("audience"), EventID: q.Get("event"), From: q.Get("from"), To: q.Get("to")}
}

// scope adds the county and, for town staff, the town.
func scope(p *auth.Principal, w *store.Where, townCol string, countyWide bool) {
	w.Add("county_code = ?", p.CountyCode)
	if p.Role == auth.RoleTown {
		if countyWide {
			w.Add("("+townCol+" = '' OR "+townCol+" LIKE ?)", p.RegionPrefix()+"%")
		} else {
			w.Add(townCol+" LIKE ?", p.RegionPrefix()+"%")
		}
	}
}

func (f Filter) town(w *store.Where, col string) {
	if f.Town != "" {
		w.Add(col+" LIKE ?", store.Like(f.Town)+"%")
	}
}

func (f Filter) days(w *store.Where, col string) {
	if f.From != "" {
		w.Add(col+" >= ?", f.From)
	}
	if f.To != "" {
		w.Add(col+" <= ?", f.To)
	}
}

func page(f Filter) (int, int) {
	if f.Limit == 0 {
		return 50, f.Offset
	}
	return f.Limit, f.Offset // < 0: all
}

func (s *Service) record(ctx context.Context, tx *store.Tx, p *auth.Principal, entity, id, action string, before, after any) error {
	return audit.Record(ctx, tx, s.now(), p.Actor(), audit.Entry{Entity: entity, EntityID: id, Action: action, Before: before, After: after})
}

// ---------------------------------------------------------------------
// Events and reports

// ListEvents lists disaster events, the latest first.
func (s *Service) ListEvents(ctx context.Context, p *auth.Principal, f Filter) ([]Event, int, error) {
	if err := mayRead(p); err != nil {
		return nil, 0, err
	}
	var w store.Where
	w.Add("county_code = ?", p.CountyCode)
	if f.Q != "" {
		w.Add(`name LIKE ? ESCAPE '\'`, store.Like(f.Q))
	}
	if f.Kind != "" {
		w.Add("hazard_kind = ?", f.Kind)
	}
	if f.From != "" {
		w.Add("started_at >= ?", dayStart(f.From))
	}
	if f.To != "" {
		w.Add("started_at < ?", dayStart(f.To).AddDate(0, 0, 1))
	}
	lim, off := page(f)
	return list(ctx, s.db.R(), eventCols, "reduction_event", &w, "started_at DESC, id", lim, off, viewed(scanEvent, eventFor))
}

func dayStart(day string) time.Time {
	d, err := calendar.ParseDay(day)
	if err != nil {
		return time.Time{}
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, shanghai).UTC()
}

// GetEvent returns an event of p's county.
func (s *Service) GetEvent(ctx context.Context, p *auth.Principal, id string) (Event, error) {
	return getInScope(ctx, s, p, "reduction_event", id, getEvent, func(e Event) (string, string) { return e.CountyCode, "" }, eventFor)
}

// CreateEvent opens a disaster event.
func (s *Service) CreateEvent(ctx context.Context, p *auth.Principal, e Event) (Event, error) {
	if err := mayDecide(p); err != nil {
		return e, err
	}
	if err := ValidateEvent(&e, s.now()); err != nil {
		return e, err
	}
	e.ID, e.CountyCode, e.CreatedBy, e.CreatedAt = ids.New(), p.CountyCode, p.UserID, s.now().UTC()
	e.StartedAt = e.StartedAt.UTC()
	return e, s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := insertEvent(ctx, tx, e); err != nil {
			return err
		}
		return s.record(ctx, tx, p, "reduction_event", e.ID, "create", nil, e)
	})
}

// UpdateEvent changes an event (its name, kind, start, stable day, note).
func (s *Service) UpdateEvent(ctx context.Context, p *auth.Principal, id string, in Event) (Event, error) {
	if err := mayDecide(p); err != nil {
		return in, err
	}
	var out Event
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		e, err := getEvent(ctx, tx, id)
		if err != nil {
			return err
		}
		if e.CountyCode != p.CountyCode {
			return errs.OutOfScope("reduction_event", id)
		}
		if err := ValidateEvent(&in, s.now()); err != nil {
			return err
		}
		out = e
		out.Name, out.HazardKind, out.StartedAt, out.StableOn, out.Note = in.Name, in.HazardKind, in.StartedAt.UTC(), in.StableOn, in.Note
		if err := updateEvent(ctx, tx, out); err != nil {
			return err
		}
		return s.record(ctx, tx, p, "reduction_event", id, "update", e, out)
	})
	return out, err
}

// TownStatus is a town's state of reporting on an event: no report yet
// (none), zero reports only (zero), reporting (reported) or verified
// (final); with the next deadline.
type TownStatus struct {
	TownCode string    `json:"town_code"`
	TownName string    `json:"town_name"`
	State    string    `json:"state"`
	Reports  []Report  `json:"reports"`
	Latest   *Report   `json:"latest,omitempty"`
	Due      time.Time `json:"due"`
	Overdue  bool      `json:"overdue"`
}

// Towns returns every town in p's scope with its reports on the event
// (zero reports tracked: towns that have not reported at all are "none").
func (s *Service) Towns(ctx context.Context, p *auth.Principal, eventID string) ([]TownStatus, error) {
	e, err := s.GetEvent(ctx, p, eventID)
	if err != nil {
		return nil, err
	}
	towns, err := s.org.ListRegions(ctx, p, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		return nil, err
	}
	var w store.Where
	w.Add("event_id = ?", e.ID)
	scope(p, &w, "town_code", false)
	reps, err := queryReports(ctx, s.db.R(), `SELECT `+reportCols+` FROM reduction_report`+w.SQL()+` ORDER BY town_code, seq`, w.Args()...)
	if err != nil {
		return nil, err
	}
	by := map[string][]Report{}
	for _, r := range reps {
		r.Note, r.Explanation = person.MaskIDsIn(r.Note), person.MaskIDsIn(r.Explanation)
		by[r.TownCode] = append(by[r.TownCode], r)
	}
	now := s.now()
	out := make([]TownStatus, 0, len(towns))
	for _, t := range towns {
		ts := TownStatus{TownCode: t.Code, TownName: t.Name, Reports: by[t.Code], State: "none"}
		if n := len(ts.Reports); n > 0 {
			last := ts.Reports[n-1]
			ts.Latest = &last
			switch {
			case last.Kind == KindFinal:
				ts.State = "final"
			case allZero(ts.Reports):
				ts.State = "zero"
			default:
				ts.State = "reported"
			}
		}
		ts.Due = DueOf(e, ts.Reports)
		ts.Overdue = !ts.Due.IsZero() && now.After(ts.Due)
		out = append(out, ts)
	}
	return out, nil
}

func allZero(rs []Report) bool {
	for _, r := range rs {
		if !r.Zero {
			return false
		}
	}
	return true
}

// AddReport records a town's report on an event through CheckReport.
func (s *Service) AddReport(ctx context.Context, p *auth.Principal, eventID string, r Report) (Report, error) {
	return inTx(ctx, s.db, r, func(tx *store.Tx, r Report) (Report, error) { return s.addReportTx(ctx, tx, p, eventID, r) })
}

func (s *Service) addReportTx(ctx context.Context, tx *store.Tx, p *auth.Principal, eventID string, r Report) (Report, error) {
	if err := mayEdit(p, r.TownCode); err != nil {
		return r, err
	}
	e, err := getEvent(ctx, tx, eventID)
	if err != nil {
		return r, err
	}
	if e.CountyCode != p.CountyCode {
		return r, errs.OutOfScope("reduction_event", eventID)
	}
	if err := s.townOK(ctx, p, r.TownCode); err != nil {
		return r, err
	}
	ch, err := chain(ctx, tx, eventID, r.TownCode)
	if err != nil {
		return r, err
	}
	if r.ReportedAt.IsZero() {
		r.ReportedAt = s.now()
	}
	if r.ReportedAt.After(s.now().Add(time.Minute)) {
		return r, errs.Field("reported_at", "reduction.future", nil)
	}
	if err := CheckReport(e, ch, &r); err != nil {
		return r, err
	}
	r.ID, r.CountyCode, r.EventID, r.CreatedBy, r.CreatedAt = ids.New(), p.CountyCode, eventID, p.UserID, s.now().UTC()
	r.ReportedAt = r.ReportedAt.UTC()
	if err := insertReport(ctx, tx, r); err != nil {
		return r, err
	}
	return r, s.record(ctx, tx, p, "reduction_report", r.ID, "create", nil, r)
}

// townOK checks that code is a town of p's county (and p's town).
func (s *Service) townOK(ctx context.Context, p *auth.Principal, code string) error {
	reg, err := s.org.Region(ctx, p, code)
	if err != nil || reg.Level != org.LevelTown {
		return errs.Field("town_code", "reduction.town_unknown", nil)
	}
	return nil
}

// ListReports lists reports (every event, or one), the latest first.
func (s *Service) ListReports(ctx context.Context, p *auth.Principal, f Filter) ([]Report, int, error) {
	if err := mayRead(p); err != nil {
		return nil, 0, err
	}
	var w store.Where
	scope(p, &w, "town_code", false)
	f.town(&w, "town_code")
	if f.EventID != "" {
		w.Add("event_id = ?", f.EventID)
	}
	if f.Kind != "" {
		w.Add("kind = ?", f.Kind)
	}
	if f.From != "" {
		w.Add("reported_at >= ?", dayStart(f.From))
	}
	if f.To != "" {
		w.Add("reported_at < ?", dayStart(f.To).AddDate(0, 0, 1))
	}
	lim, off := page(f)
	out, n, err := list(ctx, s.db.R(), reportCols, "reduction_report", &w, "reported_at DESC, id", lim, off, scanReport)
	for i := range out {
		out[i].Note, out[i].Explanation = person.MaskIDsIn(out[i].Note), person.MaskIDsIn(out[i].Explanation)
	}
	return out, n, err
}

// GetReport returns one report in scope.
func (s *Service) GetReport(ctx context.Context, p *auth.Principal, id string) (Report, error) {
	if err := mayRead(p); err != nil {
		return Report{}, err
	}
	rs, err := queryReports(ctx, s.db.R(), `SELECT `+reportCols+` FROM reduction_report WHERE id = $1`, id)
	if err != nil {
		return Report{}, err
	}
	if len(rs) == 0 {
		return Report{}, errs.New(errs.NotFound, "not_found")
	}
	if !inScope(p, rs[0].CountyCode, rs[0].TownCode) {
		return Report{}, errs.OutOfScope("reduction_report", id)
	}
	return rs[0], nil
}

// ---------------------------------------------------------------------
// Officers

// officerFor masks what p may not read: the phone number, and any ID
// number typed into the note.
func officerFor(p *auth.Principal, o Officer) Officer {
	if !SeesPhone(p) && !o.PhoneMasked {
		o.Phone, o.PhoneMasked = person.MaskPhone(o.Phone), true
	}
	o.Note = person.MaskIDsIn(o.Note)
	return o
}

// auditedOfficer is an officer as the audit log keeps it.
func auditedOfficer(o Officer) Officer {
	o.Phone, o.PhoneMasked = person.MaskPhone(o.Phone), true
	o.Note = person.MaskIDsIn(o.Note)
	return o
}

func officerWhere(p *auth.Principal, f Filter) *store.Where {
	var w store.Where
	scope(p, &w, "village_code", false)
	f.town(&w, "town_code")
	if f.Village != "" {
		w.Add("village_code = ?", f.Village)
	}
	if f.Role != "" {
		w.Add("role = ?", f.Role)
	}
	if f.Q != "" {
		w.Add(`(name LIKE ? ESCAPE '\' OR position LIKE ? ESCAPE '\')`, store.Like(f.Q), store.Like(f.Q))
	}
	if f.From != "" {
		w.Add("registered_on >= ?", f.From)
	}
	if f.To != "" {
		w.Add("registered_on <= ?", f.To)
	}
	switch f.Kind {
	case "trained":
		w.Add("trained_on <> ''")
	case "untrained":
		w.Add("trained_on = ''")
	}
	return &w
}

// ListOfficers lists officers by village.
func (s *Service) ListOfficers(ctx context.Context, p *auth.Principal, f Filter) ([]Officer, int, error) {
	if err := mayRead(p); err != nil {
		return nil, 0, err
	}
	lim, off := page(f)
	return list(ctx, s.db.R(), officerCols, "reduction_officer", officerWhere(p, f), "village_code, role, name, id", lim, off, viewed(scanOfficer, func(o Officer) Officer { return officerFor(p, o) }))
}

// GetOfficer returns one officer in scope.
func (s *Service) GetOfficer(ctx context.Context, p *auth.Principal, id string) (Officer, error) {
	return getInScope(ctx, s, p, "reduction_officer", id, getOfficer, func(o Officer) (string, string) { return o.CountyCode, o.VillageCode },
		func(o Officer) Officer { return officerFor(p, o) })
}

// village checks a village code in p's scope and returns its town.
func (s *Service) village(ctx context.Context, p *auth.Principal, code string) (string, error) {
	reg, err := s.org.Region(ctx, p, code)
	if err != nil || reg.Level != org.LevelVillage {
		return "", errs.Field("village_code", "reduction.village_unknown", nil)
	}
	return reg.ParentCode, nil
}

// CreateOfficer registers an officer.
func (s *Service) CreateOfficer(ctx context.Context, p *auth.Principal, o Officer) (Officer, error) {
	o, err := inTx(ctx, s.db, o, func(tx *store.Tx, o Officer) (Officer, error) { return s.createOfficerTx(ctx, tx, p, o) })
	return officerFor(p, o), err
}

func (s *Service) createOfficerTx(ctx context.Context, tx *store.Tx, p *auth.Principal, o Officer) (Officer, error) {
	town, err := s.village(ctx, p, o.VillageCode)
	if err != nil && len(o.VillageCode) == 12 {
		return o, err
	}
	o.TownCode = town
	if err := mayEdit(p, orCounty(town, o.VillageCode)); err != nil {
		return o, err
	}
	others, err := villageOfficers(ctx, tx, o.VillageCode)
	if err != nil {
		return o, err
	}
	if err := ValidateOfficer(&o, others, s.Today()); err != nil {
		return o, err
	}
	now := s.now().UTC()
	o.ID, o.CountyCode, o.CreatedBy, o.CreatedAt, o.UpdatedAt = ids.New(), p.CountyCode, p.UserID, now, now
	if err := insertOfficer(ctx, tx, o); err != nil {
		return o, err
	}
	return o, s.record(ctx, tx, p, "reduction_officer", o.ID, "create", nil, auditedOfficer(o))
}

func orCounty(town, village string) string {
	if town != "" {
		return town
	}
	if len(village) >= 9 {
		return village[:9]
	}
	return "-"
}

// UpdateOfficer changes an officer.
func (s *Service) UpdateOfficer(ctx context.Context, p *auth.Principal, id string, in Officer) (Officer, error) {
	var out Officer
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		o, err := getOfficer(ctx, tx, id)
		if err != nil {
			return err
		}
		if !inScope(p, o.CountyCode, o.VillageCode) {
			return errs.OutOfScope("reduction_officer", id)
		}
		if err := mayEdit(p, o.TownCode); err != nil {
			return err
		}
		town, err := s.village(ctx, p, in.VillageCode)
		if err != nil {
			return err
		}
		if err := mayEdit(p, town); err != nil {
			return err
		}
		if in.VillageCode != o.VillageCode {
			// leaving a village must not leave it without an officer
			old, err := villageOfficers(ctx, tx, o.VillageCode)
			if err != nil {
				return err
			}
			if err := CheckRemoveOfficer(o, old); err != nil {
				return err
			}
		}
		others, err := villageOfficers(ctx, tx, in.VillageCode)
		if err != nil {
			return err
		}
		out = o
		out.TownCode, out.VillageCode, out.Name, out.Phone, out.Role, out.Position = town, in.VillageCode, in.Name, in.Phone, in.Role, in.Position
		out.RegisteredOn, out.TrainedOn, out.Note = in.RegisteredOn, in.TrainedOn, in.Note
		if out.RegisteredOn == "" {
			out.RegisteredOn = o.RegisteredOn
		}
		if err := ValidateOfficer(&out, others, s.Today()); err != nil {
			return err
		}
		out.UpdatedAt = s.now().UTC()
		if err := updateOfficer(ctx, tx, out); err != nil {
			return err
		}
		return s.record(ctx, tx, p, "reduction_officer", id, "update", auditedOfficer(o), auditedOfficer(out))
	})
	return officerFor(p, out), err
}

// DeleteOfficer removes an officer (not the last of a village, not the A
// officer while others remain).
func (s *Service) DeleteOfficer(ctx context.Context, p *auth.Principal, id string) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		o, err := getOfficer(ctx, tx, id)
		if err != nil {
			return err
		}
		if !inScope(p, o.CountyCode, o.VillageCode) {
			return errs.OutOfScope("reduction_officer", id)
		}
		if err := mayEdit(p, o.TownCode); err != nil {
			return err
		}
		all, err := villageOfficers(ctx, tx, o.VillageCode)
		if err != nil {
			return err
		}
		if err := CheckRemoveOfficer(o, all); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM reduction_officer WHERE id = $1`, id); err != nil {
			return err
		}
		return s.record(ctx, tx, p, "reduction_officer", id, "delete", auditedOfficer(o), nil)
	})
}

// VillageCoverage is a village with its officers' count.
type VillageCoverage struct {
	TownCode    string `json:"town_code"`
	TownName    string `json:"town_name"`
	VillageCode string `json:"village_code"`
	VillageName string `json:"village_name"`
	Officers    int    `json:"officers"`
	HasA        bool   `json:"has_a"`
}

// Coverage lists every village in p's scope (from the org regions) with
// its officers; missingOnly keeps the villages without any officer.
func (s *Service) Coverage(ctx context.Context, p *auth.Principal, missingOnly bool) ([]VillageCoverage, error) {
	if err := mayRead(p); err != nil {
		return nil, err
	}
	villages, err := s.org.ListRegions(ctx, p, org.RegionFilter{Level: org.LevelVillage})
	if err != nil {
		return nil, err
	}
	towns, err := s.org.ListRegions(ctx, p, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		return nil, err
	}
	tn := map[string]string{}
	for _, t := range towns {
		tn[t.Code] = t.Name
	}
	var w store.Where
	scope(p, &w, "village_code", false)
	rows, err := s.db.R().QueryContext(ctx, `SELECT village_code, role, count(*) FROM reduction_officer`+w.SQL()+` GROUP BY village_code, role`, w.Args()...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	count, hasA := map[string]int{}, map[string]bool{}
	for rows.Next() {
		var v, role string
		var n int
		if err := rows.Scan(&v, &role, &n); err != nil {
			return nil, err
		}
		count[v] += n
		if role == RoleA {
			hasA[v] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []VillageCoverage
	for _, v := range villages {
		c := VillageCoverage{TownCode: v.ParentCode, TownName: tn[v.ParentCode], VillageCode: v.Code, VillageName: v.Name, Officers: count[v.Code], HasA: hasA[v.Code]}
		if missingOnly && c.Officers > 0 {
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// ---------------------------------------------------------------------
// Communities

func communityFor(c Community) Community {
	c.Note, c.Result = person.MaskIDsIn(c.Note), person.MaskIDsIn(c.Result)
	return c
}

// ListCommunities lists applications, the latest first.
func (s *Service) ListCommunities(ctx context.Context, p *auth.Principal, f Filter) ([]Community, int, error) {
	if err := mayRead(p); err != nil {
		return nil, 0, err
	}
	var w store.Where
	scope(p, &w, "village_code", false)
	f.town(&w, "town_code")
	f.days(&w, "applied_on")
	if r := StageRank(f.Stage); r > 0 {
		w.In("stage", Stages[r:].Values())
	}
	if f.Q != "" {
		w.Add(`name LIKE ? ESCAPE '\'`, store.Like(f.Q))
	}
	lim, off := page(f)
	return list(ctx, s.db.R(), communityCols, "reduction_community", &w, "applied_on DESC, town_code, name", lim, off, viewed(scanCommunity, communityFor))
}

// GetCommunity returns one application in scope.
func (s *Service) GetCommunity(ctx context.Context, p *auth.Principal, id string) (Community, error) {
	return getInScope(ctx, s, p, "reduction_community", id, getCommunity, func(c Community) (string, string) { return c.CountyCode, c.VillageCode }, communityFor)
}

// CreateCommunity records an application (社区申请).
func (s *Service) CreateCommunity(ctx context.Context, p *auth.Principal, c Community) (Community, error) {
	return inTx(ctx, s.db, c, func(tx *store.Tx, c Community) (Community, error) { return s.createCommunityTx(ctx, tx, p, c) })
}

func (s *Service) createCommunityTx(ctx context.Context, tx *store.Tx, p *auth.Principal, c Community) (Community, error) {
	town, err := s.village(ctx, p, c.VillageCode)
	if err != nil {
		return c, err
	}
	if err := mayEdit(p, town); err != nil {
		return c, err
	}
	var fe errs.FieldErrors
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" {
		fe = append(fe, errs.Field("name", "field.required", nil))
	}
	end := ""
	fe = checkPeriod(fe, &c.AppliedOn, &end, "applied_on", "", true)
	if c.AppliedOn > s.Today() {
		fe = append(fe, errs.Field("applied_on", "reduction.future", nil))
	}
	_ = checkText(&fe, map[string]*string{"note": &c.Note}, 1000)
	if err := fe.Err(); err != nil {
		return c, err
	}
	now := s.now().UTC()
	c.ID, c.CountyCode, c.TownCode, c.Stage, c.Failed, c.Score, c.Scores, c.Decisions = ids.New(), p.CountyCode, town, StageApplied, false, 0, map[string]int{}, nil
	c.CreatedBy, c.CreatedAt, c.UpdatedAt = p.UserID, now, now
	if err := insertCommunity(ctx, tx, c); err != nil {
		return c, err
	}
	return c, s.record(ctx, tx, p, "reduction_community", c.ID, "create", nil, c)
}

// ScoreCommunity records the checklist scores of the county check (only
// before the county's decision).
func (s *Service) ScoreCommunity(ctx context.Context, p *auth.Principal, id string, scores map[string]int) (Community, error) {
	if err := mayDecide(p); err != nil {
		return Community{}, err
	}
	var out Community
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		c, err := getCommunity(ctx, tx, id)
		if err != nil {
			return err
		}
		if c.CountyCode != p.CountyCode {
			return errs.OutOfScope("reduction_community", id)
		}
		if c.Stage != StageApplied || c.Failed {
			return rule("reduction.rule.score_after_check", nil)
		}
		total, err := ScoreOf(scores)
		if err != nil {
			return err
		}
		out = c
		out.Scores, out.Score, out.UpdatedAt = scores, total, s.now().UTC()
		if err := updateCommunity(ctx, tx, out); err != nil {
			return err
		}
		return s.record(ctx, tx, p, "reduction_community", id, "score", map[string]any{"score": c.Score}, map[string]any{"score": total, "scores": scores})
	})
	return out, err
}

// DecideCommunity records a stage decision (county check, city, province,
// national) through Decide.
func (s *Service) DecideCommunity(ctx context.Context, p *auth.Principal, id string, d StageDecision) (Community, error) {
	if err := mayDecide(p); err != nil {
		return Community{}, err
	}
	return inTx(ctx, s.db, Community{}, func(tx *store.Tx, _ Community) (Community, error) { return s.decideTx(ctx, tx, p, id, d) })
}

func (s *Service) decideTx(ctx context.Context, tx *store.Tx, p *auth.Principal, id string, d StageDecision) (Community, error) {
	c, err := getCommunity(ctx, tx, id)
	if err != nil {
		return c, err
	}
	if c.CountyCode != p.CountyCode {
		return c, errs.OutOfScope("reduction_community", id)
	}
	if d.On == "" {
		d.On = s.Today()
	}
	if d.On > s.Today() {
		return c, errs.Field("on", "reduction.future", nil)
	}
	d.By = p.DisplayName
	d.Note = strings.TrimSpace(d.Note)
	before := c
	if err := Decide(&c, d, p.UserID); err != nil {
		return c, err
	}
	c.UpdatedAt = s.now().UTC()
	if err := updateCommunity(ctx, tx, c); err != nil {
		return c, err
	}
	return c, s.record(ctx, tx, p, "reduction_community", id, "decide", map[string]any{"stage": before.Stage}, map[string]any{"stage": c.Stage, "failed": c.Failed, "decision": d})
}

// ---------------------------------------------------------------------
// Checkpoints

// ListCheckpoints lists checkpoints; From/To keep those active at some
// day of the period.
func (s *Service) ListCheckpoints(ctx context.Context, p *auth.Principal, f Filter) ([]Checkpoint, int, error) {
	if err := mayRead(p); err != nil {
		return nil, 0, err
	}
	var w store.Where
	w.Add("c.county_code = ?", p.CountyCode)
	if p.Role == auth.RoleTown {
		w.Add("c.town_code LIKE ?", p.RegionPrefix()+"%")
	}
	f.town(&w, "c.town_code")
	if f.To != "" {
		w.Add("c.active_from <= ?", f.To)
	}
	if f.From != "" {
		w.Add("(c.active_to = '' OR c.active_to >= ?)", f.From)
	}
	if f.Q != "" {
		w.Add(`(c.name LIKE ? ESCAPE '\' OR c.place LIKE ? ESCAPE '\')`, store.Like(f.Q), store.Like(f.Q))
	}
	lim, off := page(f)
	return list(ctx, s.db.R(), checkpointCols, "reduction_checkpoint c", &w, "c.town_code, c.name", lim, off, viewed(scanCheckpoint, checkpointFor))
}

// GetCheckpoint returns one checkpoint in scope.
func (s *Service) GetCheckpoint(ctx context.Context, p *auth.Principal, id string) (Checkpoint, error) {
	return getInScope(ctx, s, p, "reduction_checkpoint", id, getCheckpoint, func(c Checkpoint) (string, string) { return c.CountyCode, c.TownCode }, checkpointFor)
}

// CreateCheckpoint records a checkpoint.
func (s *Service) CreateCheckpoint(ctx context.Context, p *auth.Principal, c Checkpoint) (Checkpoint, error) {
	return inTx(ctx, s.db, c, func(tx *store.Tx, c Checkpoint) (Checkpoint, error) { return s.createCheckpointTx(ctx, tx, p, c) })
}

func (s *Service) createCheckpointTx(ctx context.Context, tx *store.Tx, p *auth.Principal, c Checkpoint) (Checkpoint, error) {
	if err := mayEdit(p, orCounty(c.TownCode, "")); err != nil {
		return c, err
	}
	if err := ValidateCheckpoint(&c); err != nil {
		return c, err
	}
	if err := s.townOK(ctx, p, c.TownCode); err != nil {
		return c, err
	}
	c.ID, c.CountyCode, c.CreatedBy, c.CreatedAt, c.Scans = ids.New(), p.CountyCode, p.UserID, s.now().UTC(), 0
	if err := insertCheckpoint(ctx, tx, c); err != nil {
		return c, err
	}
	return c, s.record(ctx, tx, p, "reduction_checkpoint", c.ID, "create", nil, c)
}

// Scans returns a checkpoint's scan counts.
func (s *Service) Scans(ctx context.Context, p *auth.Principal, id string) ([]ScanCount, error) {
	if _, err := s.GetCheckpoint(ctx, p, id); err != nil {
		return nil, err
	}
	return scansOf(ctx, s.db.R(), id)
}

// AddScan enters a scan count for a period at a checkpoint.
func (s *Service) AddScan(ctx context.Context, p *auth.Principal, id string, sc ScanCount) (ScanCount, error) {
	return inTx(ctx, s.db, sc, func(tx *store.Tx, sc ScanCount) (ScanCount, error) { return s.addScanTx(ctx, tx, p, id, sc) })
}

func (s *Service) addScanTx(ctx context.Context, tx *store.Tx, p *auth.Principal, id string, sc ScanCount) (ScanCount, error) {
	c, err := getCheckpoint(ctx, tx, id)
	if err != nil {
		return sc, err
	}
	if !inScope(p, c.CountyCode, c.TownCode) {
		return sc, errs.OutOfScope("reduction_checkpoint", id)
	}
	if err := mayEdit(p, c.TownCode); err != nil {
		return sc, err
	}
	existing, err := scansOf(ctx, tx, id)
	if err != nil {
		return sc, err
	}
	if err := CheckScan(c, &sc, existing); err != nil {
		return sc, err
	}
	if sc.To > s.Today() {
		return sc, errs.Field("to", "reduction.future", nil)
	}
	sc.ID, sc.CheckpointID, sc.CreatedBy, sc.CreatedAt = ids.New(), id, p.UserID, s.now().UTC()
	if err := insertScan(ctx, tx, sc); err != nil {
		return sc, err
	}
	return sc, s.record(ctx, tx, p, "reduction_checkpoint", id, "scan", nil, sc)
}

// FireHazard is a fire hazard found at a checkpoint.
type FireHazard struct {
	Description string `json:"description"`
	Place       string `json:"place"`
	FoundOn     string `json:"found_on"`
	Responsible string `json:"responsible"`
	Measures    string `json:"measures"`
}

// ForestCampaign is the hazard ledger's campaign of forest-fire hazards.
const ForestCampaign = hazard.CampaignForest

// ReportFireHazard puts a fire hazard found at a checkpoint into the
// hazard ledger through the hazard service (its rules and its audit), and
// links it to the checkpoint; it returns the hazard's ID.
func (s *Service) ReportFireHazard(ctx context.Context, p *auth.Principal, id string, in FireHazard) (string, error) {
	if s.hazard == nil {
		return "", errs.New(errs.Unavailable, "reduction.no_hazard_ledger")
	}
	var hid string
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		c, err := getCheckpoint(ctx, tx, id)
		if err != nil {
			return err
		}
		if !inScope(p, c.CountyCode, c.TownCode) {
			return errs.OutOfScope("reduction_checkpoint", id)
		}
		if err := mayEdit(p, c.TownCode); err != nil {
			return err
		}
		src := hazard.SourceInspection
		if p.Role == auth.RoleDepartment {
			src = hazard.SourceDepartment
		}
		place := strings.TrimSpace(in.Place)
		if place == "" {
			place = c.Place
		}
		r, err := s.hazard.ReportTx(ctx, tx, p, hazard.NewHazard{PlaceName: c.Name + "卡口周边", TownCode: c.TownCode, Source: src,
			SourceRef: "防火码卡口：" + c.Name, Campaign: ForestCampaign, Category: hazard.CatThing, Description: in.Description, Place: place,
			Responsible: in.Responsible, Measures: in.Measures, FoundOn: in.FoundOn})
		if err != nil {
			return err
		}
		hid = r.ID
		if _, err := tx.ExecContext(ctx, `INSERT INTO reduction_fire_hazard (checkpoint_id, hazard_id, created_at) VALUES ($1,$2,$3)`, id, r.ID, s.now().UTC()); err != nil {
			return err
		}
		return s.record(ctx, tx, p, "reduction_checkpoint", id, "fire_hazard", nil, map[string]any{"hazard_id": r.ID})
	})
	return hid, err
}

// FireHazards returns the hazard IDs found at a checkpoint.
func (s *Service) FireHazards(ctx context.Context, p *auth.Principal, id string) ([]string, error) {
	if _, err := s.GetCheckpoint(ctx, p, id); err != nil {
		return nil, err
	}
	return fireHazardIDs(ctx, s.db.R(), id)
}

// ---------------------------------------------------------------------
// Trainings and publicity

func trainingFor(p *auth.Principal, t Training) Training {
	t.Note = person.MaskIDsIn(t.Note)
	if !SeesPhone(p) {
		// attendee lists are names only; keep them to those who call people
		for i := range t.List {
			t.List[i] = person.MaskName(t.List[i])
		}
	}
	return t
}

func (s *Service) trainingWhere(p *auth.Principal, f Filter) *store.Where {
	var w store.Where
	scope(p, &w, "town_code", true)
	f.town(&w, "town_code")
	f.days(&w, "held_on")
	if f.Audience != "" {
		w.Add("audience = ?", f.Audience)
	}
	if f.Q != "" {
		w.Add(`(topic LIKE ? ESCAPE '\' OR organiser LIKE ? ESCAPE '\')`, store.Like(f.Q), store.Like(f.Q))
	}
	return &w
}

// ListTrainings lists trainings, the latest first.
func (s *Service) ListTrainings(ctx context.Context, p *auth.Principal, f Filter) ([]Training, int, error) {
	if err := mayRead(p); err != nil {
		return nil, 0, err
	}
	lim, off := page(f)
	return list(ctx, s.db.R(), trainingCols, "reduction_training", s.trainingWhere(p, f), "held_on DESC, id", lim, off, viewed(scanTraining, func(t Training) Training { return trainingFor(p, t) }))
}

// GetTraining returns one training in scope.
func (s *Service) GetTraining(ctx context.Context, p *auth.Principal, id string) (Training, error) {
	return getInScope(ctx, s, p, "reduction_training", id, getTraining, func(t Training) (string, string) { return t.CountyCode, t.TownCode },
		func(t Training) Training { return trainingFor(p, t) })
}

// CreateTraining records a training.
func (s *Service) CreateTraining(ctx context.Context, p *auth.Principal, t Training) (Training, error) {
	return inTx(ctx, s.db, t, func(tx *store.Tx, t Training) (Training, error) { return s.createTrainingTx(ctx, tx, p, t) })
}

func (s *Service) createTrainingTx(ctx context.Context, tx *store.Tx, p *auth.Principal, t Training) (Training, error) {
	if err := s.optTown(ctx, p, t.TownCode); err != nil {
		return t, err
	}
	if err := ValidateTraining(&t, s.Today()); err != nil {
		return t, err
	}
	t.ID, t.CountyCode, t.CreatedBy, t.CreatedAt = ids.New(), p.CountyCode, p.UserID, s.now().UTC()
	if err := insertTraining(ctx, tx, t); err != nil {
		return t, err
	}
	a := t
	a.List = nil
	return t, s.record(ctx, tx, p, "reduction_training", t.ID, "create", nil, map[string]any{"training": a, "list": len(t.List)})
}

// optTown checks the (optional) town of a county-wide record: town staff
// must give their own town.
func (s *Service) optTown(ctx context.Context, p *auth.Principal, town string) error {
	if err := mayEdit(p, town); err != nil {
		return err
	}
	if town == "" {
		return nil
	}
	return s.townOK(ctx, p, town)
}

func (s *Service) publicityWhere(p *auth.Principal, f Filter) *store.Where {
	var w store.Where
	scope(p, &w, "town_code", true)
	f.town(&w, "town_code")
	f.days(&w, "held_on")
	if f.Campaign != "" {
		w.Add("campaign = ?", f.Campaign)
	}
	if f.Kind != "" {
		w.Add("kind = ?", f.Kind)
	}
	if f.Q != "" {
		w.Add(`title LIKE ? ESCAPE '\'`, store.Like(f.Q))
	}
	return &w
}

// ListPublicity lists publicity activities, the latest first.
func (s *Service) ListPublicity(ctx context.Context, p *auth.Principal, f Filter) ([]Publicity, int, error) {
	if err := mayRead(p); err != nil {
		return nil, 0, err
	}
	lim, off := page(f)
	return list(ctx, s.db.R(), publicityCols, "reduction_publicity", s.publicityWhere(p, f), "held_on DESC, id", lim, off, viewed(scanPublicity, publicityFor))
}

// GetPublicity returns one publicity record in scope.
func (s *Service) GetPublicity(ctx context.Context, p *auth.Principal, id string) (Publicity, error) {
	return getInScope(ctx, s, p, "reduction_publicity", id, getPublicity, func(x Publicity) (string, string) { return x.CountyCode, x.TownCode }, publicityFor)
}

// CreatePublicity records a publicity activity.
func (s *Service) CreatePublicity(ctx context.Context, p *auth.Principal, x Publicity) (Publicity, error) {
	return inTx(ctx, s.db, x, func(tx *store.Tx, x Publicity) (Publicity, error) { return s.createPublicityTx(ctx, tx, p, x) })
}

func (s *Service) createPublicityTx(ctx context.Context, tx *store.Tx, p *auth.Principal, x Publicity) (Publicity, error) {
	if err := s.optTown(ctx, p, x.TownCode); err != nil {
		return x, err
	}
	if err := ValidatePublicity(&x, s.Today()); err != nil {
		return x, err
	}
	x.ID, x.CountyCode, x.CreatedBy, x.CreatedAt = ids.New(), p.CountyCode, p.UserID, s.now().UTC()
	if err := insertPublicity(ctx, tx, x); err != nil {
		return x, err
	}
	return x, s.record(ctx, tx, p, "reduction_publicity", x.ID, "create", nil, x)
}

// ---------------------------------------------------------------------
// Sums for the figures

// OverdueTowns counts, over the events still being reported (not stable,
// and begun in the last 30 days; or stable and within the 核报's 5 days),
// the towns in p's scope whose next report is past its deadline (待办).
// first is the event of the first such town (for a link).
func (s *Service) OverdueTowns(ctx context.Context, p *auth.Principal) (n int, first string, err error) {
	if !p.Is(Editors...) {
		return 0, "", nil
	}
	now := s.now()
	events, _, err := s.ListEvents(ctx, p, Filter{Limit: -1, From: now.AddDate(0, 0, -60).In(shanghai).Format(calendar.DateLayout)})
	if err != nil {
		return 0, "", err
	}
	for _, e := range events {
		open := e.StableOn == "" && now.Sub(e.StartedAt) < 30*24*time.Hour
		if e.StableOn != "" {
			open = !now.After(DueOf(e, []Report{{Kind: KindInitial}}))
		}
		if !open {
			continue
		}
		towns, err := s.Towns(ctx, p, e.ID)
		if err != nil {
			return 0, "", err
		}
		for _, t := range towns {
			if t.Overdue && t.State != "final" {
				n++
				if first == "" {
					first = e.ID
				}
			}
		}
	}
	return n, first, nil
}
