package facility

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/store"
	"yingji/internal/kit/web"
)

// Service reads and changes facilities within the caller's scope: a
// facility is seen by whoever sees its enterprise, and changed by
// administrators and by the section staff supervising its enterprise.
type Service struct {
	db     *store.DB
	ent    *enterprise.Service
	now    func() time.Time
	bounds func() *enterprise.Bounds
}

// New returns a Service. bounds gives the county's extent for coordinate
// checks (nil, or returning nil: no check).
func New(db *store.DB, ent *enterprise.Service, now func() time.Time, bounds func() *enterprise.Bounds) *Service {
	if bounds == nil {
		bounds = func() *enterprise.Bounds { return nil }
	}
	return &Service{db: db, ent: ent, now: now, bounds: bounds}
}

// today is the current date in the bureau's zone.
func (s *Service) today() string { return DateOf(s.now().In(web.Shanghai)) }

const cols = `id, county_code, enterprise_id, name, kind, lat, lng, mineral, capacity, pond_grade, design_capacity, dam_height,
	hazard_level, substances, status, status_date, created_at, updated_at`

// kindOrder sorts by kind in the order of Kinds.
var kindOrder = func() string {
	var b strings.Builder
	b.WriteString("CASE kind")
	for i, k := range Kinds {
		fmt.Fprintf(&b, " WHEN '%s' THEN %d", k.Value, i)
	}
	b.WriteString(" ELSE 99 END")
	return b.String()
}()

func scan(row interface{ Scan(...any) error }) (Facility, error) {
	var f Facility
	var lat, lng, capacity, design, dam sql.NullFloat64
	var grade, level int64
	err := row.Scan(&f.ID, &f.CountyCode, &f.EnterpriseID, &f.Name, &f.Kind, &lat, &lng, &f.Mineral, &capacity, &grade, &design, &dam,
		&level, &f.Substances, &f.Status, &f.StatusDate, &f.CreatedAt, &f.UpdatedAt)
	if lat.Valid && lng.Valid {
		f.Lat, f.Lng = &lat.Float64, &lng.Float64
	}
	f.Capacity, f.DesignCapacity, f.DamHeight = ptr(capacity), ptr(design), ptr(dam)
	f.Grade, f.Level = int(grade), int(level)
	return f, err
}

func ptr(v sql.NullFloat64) *float64 {
	if !v.Valid {
		return nil
	}
	x := v.Float64
	return &x
}

func nullF(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

func values(f *Facility) []any {
	return []any{f.ID, f.CountyCode, f.EnterpriseID, f.Name, f.Kind, nullF(f.Lat), nullF(f.Lng), f.Mineral, nullF(f.Capacity),
		int64(f.Grade), nullF(f.DesignCapacity), nullF(f.DamHeight), int64(f.Level), f.Substances, f.Status, f.StatusDate,
		f.CreatedAt, f.UpdatedAt}
}

// Filter selects facilities for the list, the export and the map.
type Filter struct {
	Kind       string
	Status     string
	Town       string // town code of the enterprise
	Enterprise string // enterprise id
	Q          string // part of the facility's or the enterprise's name
	Limit      int
	Offset     int
}

// where builds the conditions: the principal's scope through the
// enterprise register, then the filter. Town and name-of-enterprise
// filters are resolved through the enterprise service.
func (s *Service) where(ctx context.Context, p *auth.Principal, f Filter, facets bool) (*store.Where, error) {
	var w store.Where
	w.Add("county_code = ?", p.CountyCode)
	enterprise.ScopeSubquery(p, &w, "enterprise_id")
	if !facets {
		if f.Kind != "" {
			w.Add("kind = ?", f.Kind)
		}
		if f.Status != "" {
			w.Add("status = ?", f.Status)
		}
	}
	if f.Enterprise != "" {
		w.Add("enterprise_id = ?", f.Enterprise)
	}
	if f.Town != "" {
		idList, err := s.enterpriseIDs(ctx, p, enterprise.Filter{Town: f.Town})
		if err != nil {
			return nil, err
		}
		w.In("enterprise_id", idList)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		idList, err := s.enterpriseIDs(ctx, p, enterprise.Filter{Q: q})
		if err != nil {
			return nil, err
		}
		if len(idList) == 0 {
			w.Add(`name LIKE ? ESCAPE '\'`, store.Like(q))
		} else {
			var b strings.Builder
			args := []any{store.Like(q)}
			b.WriteString(`(name LIKE ? ESCAPE '\' OR enterprise_id IN (`)
			for i, id := range idList {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("?")
				args = append(args, id)
			}
			b.WriteString("))")
			w.Add(b.String(), args...)
		}
	}
	return &w, nil
}

func (s *Service) enterpriseIDs(ctx context.Context, p *auth.Principal, f enterprise.Filter) ([]string, error) {
	var out []string
	err := s.ent.Each(ctx, p, f, func(e enterprise.Enterprise) error {
		out = append(out, e.ID)
		return nil
	})
	return out, err
}

// fillNames sets the enterprise names of a list.
func (s *Service) fillNames(ctx context.Context, p *auth.Principal, list []Facility) error {
	seen := map[string]bool{}
	var idList []string
	for _, f := range list {
		if !seen[f.EnterpriseID] {
			seen[f.EnterpriseID] = true
			idList = append(idList, f.EnterpriseID)
		}
	}
	names, err := s.ent.Names(ctx, p, idList)
	if err != nil {
		return err
	}
	for i := range list {
		list[i].EnterpriseName = names[list[i].EnterpriseID]
	}
	return nil
}

// List returns a page of the facilities in scope matching f (by kind,
// enterprise and name) and the total count.
func (s *Service) List(ctx context.Context, p *auth.Principal, f Filter) ([]Facility, int, error) {
	w, err := s.where(ctx, p, f, false)
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM facility`+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count facilities: %w", err)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 50
	}
	lim, off := w.Arg(f.Limit), w.Arg(f.Offset)
	list, err := s.query(ctx, `SELECT `+cols+` FROM facility`+w.SQL()+` ORDER BY `+kindOrder+`, name, id LIMIT `+lim+` OFFSET `+off, w.Args()...)
	if err != nil {
		return nil, 0, err
	}
	return list, total, s.fillNames(ctx, p, list)
}

// All returns every facility in scope matching f (export, map), without
// a page limit, with the enterprise names.
func (s *Service) All(ctx context.Context, p *auth.Principal, f Filter) ([]Facility, error) {
	w, err := s.where(ctx, p, f, false)
	if err != nil {
		return nil, err
	}
	list, err := s.query(ctx, `SELECT `+cols+` FROM facility`+w.SQL()+` ORDER BY `+kindOrder+`, name, id`, w.Args()...)
	if err != nil {
		return nil, err
	}
	return list, s.fillNames(ctx, p, list)
}

func (s *Service) query(ctx context.Context, q string, args ...any) ([]Facility, error) {
	rows, err := s.db.R().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("facilities: %w", err)
	}
	defer rows.Close()
	var out []Facility
	for rows.Next() {
		f, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("facilities: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// KindCount is the number of facilities of one kind, by status in the
// kind's lifecycle order (statuses without facilities left out).
type KindCount struct {
	Kind     string        `json:"kind"`
	Total    int           `json:"total"`
	Statuses []StatusCount `json:"statuses"`
}

// StatusCount is the number of facilities in one status.
type StatusCount struct {
	Status string `json:"status"`
	N      int    `json:"n"`
}

// Facets counts the facilities in scope matching f's other filters, by
// kind and current status (the figures above the list).
func (s *Service) Facets(ctx context.Context, p *auth.Principal, f Filter) ([]KindCount, error) {
	w, err := s.where(ctx, p, f, true)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.R().QueryContext(ctx, `SELECT kind, status, count(*) FROM facility`+w.SQL()+` GROUP BY kind, status`, w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("facility counts: %w", err)
	}
	defer rows.Close()
	c := Counts{}
	for rows.Next() {
		var kind, status string
		var n int
		if err := rows.Scan(&kind, &status, &n); err != nil {
			return nil, err
		}
		c.add(kind, status, n)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return c.ByKind(), nil
}

func (s *Service) get(ctx context.Context, q store.Querier, id string) (Facility, error) {
	f, err := scan(q.QueryRowContext(ctx, `SELECT `+cols+` FROM facility WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Facility{}, errs.New(errs.NotFound, "not_found")
	}
	if err != nil {
		return Facility{}, fmt.Errorf("facility: %w", err)
	}
	return f, nil
}

// Get returns one facility in scope with its enterprise's name; the
// enterprise is returned too. An enterprise account asking for another
// enterprise's facility gets Forbidden (and the attempt is audited by the
// caller, see RecordDenied); others out of scope get NotFound.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id string) (Facility, enterprise.Enterprise, error) {
	f, err := s.get(ctx, s.db.R(), id)
	if err != nil {
		return f, enterprise.Enterprise{}, err
	}
	if f.CountyCode != p.CountyCode {
		return Facility{}, enterprise.Enterprise{}, errs.OutOfScope("facility", id)
	}
	e, err := s.ent.Get(ctx, p, f.EnterpriseID)
	if err != nil {
		if errs.Is(err, errs.NotFound) && p.Role == auth.RoleEnterprise {
			return Facility{}, enterprise.Enterprise{}, errs.New(errs.Forbidden, "facility.other_forbidden")
		}
		return Facility{}, enterprise.Enterprise{}, errs.Rescope(err, "facility", id)
	}
	f.EnterpriseName = e.Name
	return f, e, nil
}

// RecordDenied audits a refused attempt on a facility (an enterprise
// account reaching for another enterprise's facility).
func (s *Service) RecordDenied(ctx context.Context, p *auth.Principal, id, attempt string) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		return audit.Record(ctx, tx, s.now(), p.Actor(), audit.Entry{Entity: "facility", EntityID: id, Action: "denied",
			After: map[string]any{"attempt": attempt}})
	})
}

// CanWrite reports whether the principal may change the facilities of an
// enterprise: administrators, and section staff supervising its sector.
func CanWrite(p *auth.Principal, e enterprise.Enterprise) bool {
	return p.Is(auth.RoleAdmin, auth.RoleSection) && enterprise.CanSee(p, e)
}

// writableEnterprise returns the enterprise a facility is to belong to,
// checking that the principal may write its facilities.
func (s *Service) writableEnterprise(ctx context.Context, p *auth.Principal, id string) (enterprise.Enterprise, error) {
	if id == "" {
		return enterprise.Enterprise{}, errs.Field("enterprise_id", "facility.enterprise_required", nil)
	}
	e, err := s.ent.Get(ctx, p, id)
	if errs.Is(err, errs.NotFound) {
		return e, errs.Field("enterprise_id", "facility.enterprise_unknown", nil)
	}
	if err != nil {
		return e, err
	}
	if !CanWrite(p, e) {
		return e, errs.New(errs.Forbidden, "facility.write_forbidden")
	}
	return e, nil
}

// Create registers a facility with its first status (f.Status, default
// the kind's usual first status) effective on f.StatusDate (default today).
func (s *Service) Create(ctx context.Context, p *auth.Principal, f Facility, note string) (Facility, error) {
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		f, err = s.CreateTx(ctx, tx, p, f, note)
		return err
	})
	return f, err
}

// CreateTx registers a facility inside tx (demo data).
func (s *Service) CreateTx(ctx context.Context, tx *store.Tx, p *auth.Principal, f Facility, note string) (Facility, error) {
	f.CountyCode = p.CountyCode
	if err := s.prepareNew(&f); err != nil {
		return f, err
	}
	if _, err := s.writableEnterprise(ctx, p, f.EnterpriseID); err != nil {
		return f, err
	}
	now := s.now().UTC()
	if f.ID == "" {
		f.ID = ids.New()
	}
	f.CreatedAt, f.UpdatedAt = now, now
	if err := insert(ctx, tx, f); err != nil {
		return f, err
	}
	first := StatusChange{ID: ids.New(), FacilityID: f.ID, Seq: 1, Status: f.Status, Date: f.StatusDate, Note: note,
		RecordedBy: p.UserID, RecordedName: displayName(p), RecordedAt: now}
	if err := insertStatus(ctx, tx, f.CountyCode, first); err != nil {
		return f, err
	}
	return f, audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "facility", EntityID: f.ID, Action: "create", After: f})
}

// prepareNew validates a new facility and its first status and date.
func (s *Service) prepareNew(f *Facility) error {
	var fe errs.FieldErrors
	if err := Validate(f, s.bounds()); err != nil {
		fe = append(fe, errs.Fields(err)...)
	}
	if _, ok := Rules[f.Kind]; ok {
		if f.Status == "" {
			f.Status = InitialStatus(f.Kind)
		} else if c, ok := StatusOf(f.Status); ok {
			f.Status = c
		}
		if !StatusAllowed(f.Kind, f.Status) {
			fe = append(fe, statusNotForKind("status", f.Kind, f.Status))
		}
	}
	if f.StatusDate == "" {
		f.StatusDate = s.today()
	} else if d, ok := ParseDate(f.StatusDate); ok {
		f.StatusDate = d
	}
	if err := CheckEffectiveDate(f.StatusDate, "", s.today()); err != nil {
		e, _ := errs.As(err)
		fe = append(fe, errs.Field("status_date", e.Message, e.Args))
	}
	return fe.Err()
}

func displayName(p *auth.Principal) string {
	if p.DisplayName != "" {
		return p.DisplayName
	}
	return p.Username
}

func insert(ctx context.Context, tx *store.Tx, f Facility) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO facility (`+cols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18)`, values(&f)...)
	if store.IsUniqueViolation(err) {
		return errs.Field("name", "facility.name_taken", map[string]any{"Name": f.Name})
	}
	if err != nil {
		return fmt.Errorf("insert facility: %w", err)
	}
	return nil
}

func insertStatus(ctx context.Context, tx *store.Tx, county string, c StatusChange) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO facility_status (id, county_code, facility_id, seq, status, effective_date, note,
		recorded_by, recorded_name, recorded_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
		c.ID, county, c.FacilityID, c.Seq, c.Status, c.Date, c.Note, c.RecordedBy, c.RecordedName, c.RecordedAt)
	if store.IsUniqueViolation(err) {
		return errs.New(errs.Conflict, "facility.status_conflict")
	}
	if err != nil {
		return fmt.Errorf("insert facility status: %w", err)
	}
	return nil
}

// Update changes a facility's details. The kind is fixed once registered
// and the status changes only through ChangeStatus; a different status in
// the input is refused.
func (s *Service) Update(ctx context.Context, p *auth.Principal, id string, in Facility) (Facility, error) {
	var out Facility
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		before, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if before.CountyCode != p.CountyCode {
			return errs.OutOfScope("facility", id)
		}
		if _, err := s.writableFacility(ctx, p, before); err != nil {
			return err
		}
		if in.Kind != "" && in.Kind != before.Kind {
			if c, ok := KindOf(in.Kind); !ok || c != before.Kind {
				return errs.Field("kind", "facility.kind_fixed", nil)
			}
		}
		if in.Status != "" && in.Status != before.Status {
			return errs.Field("status", "facility.status_via_change", nil)
		}
		in.ID, in.CountyCode, in.Kind, in.Status, in.StatusDate = before.ID, before.CountyCode, before.Kind, before.Status, before.StatusDate
		in.CreatedAt, in.UpdatedAt, in.EnterpriseName = before.CreatedAt, before.UpdatedAt, ""
		if in.EnterpriseID == "" {
			in.EnterpriseID = before.EnterpriseID
		}
		if err := Validate(&in, s.bounds()); err != nil {
			return err
		}
		if in.EnterpriseID != before.EnterpriseID {
			if _, err := s.writableEnterprise(ctx, p, in.EnterpriseID); err != nil {
				return err
			}
		}
		if audit.Same(before, in) {
			out = before
			return nil
		}
		now := s.now().UTC()
		in.UpdatedAt = now
		_, err = tx.ExecContext(ctx, `UPDATE facility SET enterprise_id=$1, name=$2, lat=$3, lng=$4, mineral=$5, capacity=$6, pond_grade=$7,
			design_capacity=$8, dam_height=$9, hazard_level=$10, substances=$11, updated_at=$12 WHERE id=$13`,
			in.EnterpriseID, in.Name, nullF(in.Lat), nullF(in.Lng), in.Mineral, nullF(in.Capacity), int64(in.Grade),
			nullF(in.DesignCapacity), nullF(in.DamHeight), int64(in.Level), in.Substances, now, in.ID)
		if store.IsUniqueViolation(err) {
			return errs.Field("name", "facility.name_taken", map[string]any{"Name": in.Name})
		}
		if err != nil {
			return fmt.Errorf("update facility: %w", err)
		}
		b, a := audit.Diff(before, in, "updated_at")
		out = in
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "facility", EntityID: in.ID, Action: "update", Before: b, After: a})
	})
	return out, err
}

// writableFacility checks the principal may change the facility: it must
// see it (else NotFound, or Forbidden for an enterprise account) and
// write its enterprise's facilities.
func (s *Service) writableFacility(ctx context.Context, p *auth.Principal, f Facility) (enterprise.Enterprise, error) {
	e, err := s.ent.Get(ctx, p, f.EnterpriseID)
	if err != nil {
		if errs.Is(err, errs.NotFound) && p.Role == auth.RoleEnterprise {
			return e, errs.New(errs.Forbidden, "facility.other_forbidden")
		}
		return e, errs.Rescope(err, "facility", f.ID)
	}
	if !CanWrite(p, e) {
		return e, errs.New(errs.Forbidden, "facility.write_forbidden")
	}
	return e, nil
}

// StatusInput is a status change as asked for.
type StatusInput struct {
	Status string `json:"status"`
	Date   string `json:"date"` // effective date, YYYY-MM-DD; default today
	Note   string `json:"note"`
}

// ChangeStatus records a status change of a facility, effective on a date
// that may be in the past but not before the current status's date. The
// rules of the facility's kind decide which moves are allowed; a refused
// move names the rule.
func (s *Service) ChangeStatus(ctx context.Context, p *auth.Principal, id string, in StatusInput) (StatusChange, error) {
	return store.InTxValue(ctx, s.db, func(tx *store.Tx) (StatusChange, error) {
		return s.ChangeStatusTx(ctx, tx, p, id, in)
	})
}

// ChangeStatusTx records a status change inside tx (demo data).
func (s *Service) ChangeStatusTx(ctx context.Context, tx *store.Tx, p *auth.Principal, id string, in StatusInput) (StatusChange, error) {
	f, err := s.get(ctx, tx, id)
	if err != nil {
		return StatusChange{}, err
	}
	if f.CountyCode != p.CountyCode {
		return StatusChange{}, errs.OutOfScope("facility", id)
	}
	if _, err := s.writableFacility(ctx, p, f); err != nil {
		return StatusChange{}, err
	}
	if c, ok := StatusOf(in.Status); ok {
		in.Status = c
	}
	in.Note = strings.TrimSpace(in.Note)
	if in.Date == "" {
		in.Date = s.today()
	} else if d, ok := ParseDate(in.Date); ok {
		in.Date = d
	}
	var fe errs.FieldErrors
	if in.Status == "" {
		fe = append(fe, errs.Field("status", "field.required", nil))
	} else if err := CheckTransition(f.Kind, f.Status, in.Status); err != nil {
		fe = append(fe, errs.Fields(err)...)
	}
	if err := CheckEffectiveDate(in.Date, f.StatusDate, s.today()); err != nil {
		fe = append(fe, errs.Fields(err)...)
	}
	if err := fe.Err(); err != nil {
		return StatusChange{}, err
	}
	var seq int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(max(seq), 0) FROM facility_status WHERE facility_id = $1`, f.ID).Scan(&seq); err != nil {
		return StatusChange{}, fmt.Errorf("facility status: %w", err)
	}
	now := s.now().UTC()
	c := StatusChange{ID: ids.New(), FacilityID: f.ID, Seq: seq + 1, Status: in.Status, Date: in.Date, Note: in.Note,
		RecordedBy: p.UserID, RecordedName: displayName(p), RecordedAt: now}
	if err := insertStatus(ctx, tx, f.CountyCode, c); err != nil {
		return c, err
	}
	res, err := tx.ExecContext(ctx, `UPDATE facility SET status = $1, status_date = $2, updated_at = $3 WHERE id = $4 AND status = $5`,
		c.Status, c.Date, now, f.ID, f.Status)
	if err != nil {
		return c, fmt.Errorf("update facility status: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return c, errs.New(errs.Conflict, "facility.status_conflict")
	}
	return c, audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "facility", EntityID: f.ID, Action: "status_change",
		Before: map[string]any{"status": f.Status, "date": f.StatusDate},
		After:  map[string]any{"status": c.Status, "date": c.Date, "note": c.Note}})
}

// History returns a facility's status changes in order (oldest first).
// The caller has checked the facility is in scope (Get).
func (s *Service) History(ctx context.Context, id string) ([]StatusChange, error) {
	rows, err := s.db.R().QueryContext(ctx, `SELECT id, facility_id, seq, status, effective_date, note, recorded_by, recorded_name, recorded_at
		FROM facility_status WHERE facility_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("facility history: %w", err)
	}
	defer rows.Close()
	var out []StatusChange
	for rows.Next() {
		var c StatusChange
		if err := rows.Scan(&c.ID, &c.FacilityID, &c.Seq, &c.Status, &c.Date, &c.Note, &c.RecordedBy, &c.RecordedName, &c.RecordedAt); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Audit returns the audit rows of a facility (newest first).
func (s *Service) Audit(ctx context.Context, id string) ([]audit.Row, error) {
	return audit.ForEntity(ctx, s.db.R(), "facility", id)
}
