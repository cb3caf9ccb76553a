package enterprise

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
)

// Service reads and changes enterprises within the caller's scope.
type Service struct {
	db      *store.DB
	org     *org.Service
	now     func() time.Time
	bounds  func() *Bounds
	renamed []RenameFunc
	changed []ChangeFunc
}

// ChangeFunc is told, inside the transaction, that an enterprise account
// asked for a key-field change (r.State pending) or that the section
// decided it (approved or rejected): the notifications are sent from
// there, so that the enterprise package needs no outbox of its own.
type ChangeFunc func(ctx context.Context, tx *store.Tx, e Enterprise, r ChangeRequest) error

// OnChangeRequest registers fn for change requests and their decisions.
func (s *Service) OnChangeRequest(fn ChangeFunc) { s.changed = append(s.changed, fn) }

func (s *Service) announceChange(ctx context.Context, tx *store.Tx, e Enterprise, r ChangeRequest) error {
	for _, fn := range s.changed {
		if err := fn(ctx, tx, e, r); err != nil {
			return fmt.Errorf("announce change request: %w", err)
		}
	}
	return nil
}

// RenameFunc is told, inside the renaming transaction, that an enterprise
// has a new name: records that show the name beside the enterprise's ID
// (hazards, cards, letters) keep up with it.
type RenameFunc func(ctx context.Context, tx *store.Tx, enterpriseID, name string) error

// OnRename registers fn to run whenever an enterprise's name changes.
func (s *Service) OnRename(fn RenameFunc) { s.renamed = append(s.renamed, fn) }

// New returns a Service. bounds gives the county's extent for coordinate
// checks (nil: no check).
func New(db *store.DB, o *org.Service, now func() time.Time, bounds func() *Bounds) *Service {
	if bounds == nil {
		bounds = func() *Bounds { return nil }
	}
	return &Service{db: db, org: o, now: now, bounds: bounds}
}

const cols = `id, county_code, name, credit_code, address, town_code, village_code, lat, lng, sector, scale, specials, section_id,
	principal_name, principal_phone, safety_name, safety_phone, status, risk, created_at, updated_at`

func scan(row interface{ Scan(...any) error }) (Enterprise, error) {
	var e Enterprise
	var lat, lng sql.NullFloat64
	var specials string
	err := row.Scan(&e.ID, &e.CountyCode, &e.Name, &e.CreditCode, &e.Address, &e.TownCode, &e.VillageCode, &lat, &lng, &e.Sector,
		&e.Scale, &specials, &e.SectionID, &e.PrincipalName, &e.PrincipalPhone, &e.SafetyName, &e.SafetyPhone, &e.Status, &e.Risk,
		&e.CreatedAt, &e.UpdatedAt)
	if lat.Valid && lng.Valid {
		e.Lat, e.Lng = &lat.Float64, &lng.Float64
	}
	e.Specials = splitSpecials(specials)
	return e, err
}

func splitSpecials(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

func joinSpecials(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return "," + strings.Join(list, ",") + ","
}

func nullF(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

type cond struct {
	sql  string
	args []any
}

// scopeConds are the principal's row limits on enterprises, written with
// ? placeholders; col prefixes the column names (e.g. "e.").
func scopeConds(p *auth.Principal, col string) []cond {
	out := []cond{{col + "county_code = ?", []any{p.CountyCode}}}
	switch p.Role {
	case auth.RoleSection:
		if len(p.Sectors) == 0 {
			return append(out, cond{"1 = 0", nil})
		}
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(p.Sectors)), ", ")
		args := make([]any, len(p.Sectors))
		for i, s := range p.Sectors {
			args[i] = s
		}
		out = append(out, cond{col + "sector IN (" + ph + ")", args})
	case auth.RoleTown:
		if len(p.RegionCode) == villageCodeLen {
			// Village staff (村级): the village's enterprises only.
			out = append(out, cond{col + "village_code = ?", []any{p.RegionCode}})
			break
		}
		out = append(out, cond{col + "town_code LIKE ?", []any{p.RegionCode + "%"}})
	case auth.RoleEnterprise:
		out = append(out, cond{col + "id = ?", []any{p.EnterpriseID}})
	}
	return out
}

// Scope adds the principal's row limits on enterprises to w.
func Scope(p *auth.Principal, w *store.Where, col string) {
	for _, c := range scopeConds(p, col) {
		w.Add(c.sql, c.args...)
	}
}

// ScopeSubquery adds "idCol IN (SELECT id FROM enterprise WHERE scope)"
// to w, so another domain can limit its rows to the enterprises the
// principal may see without reading this table itself.
func ScopeSubquery(p *auth.Principal, w *store.Where, idCol string) {
	cond, args := ScopeSQL(p, idCol)
	w.Add(cond, args...)
}

// ScopeSQL returns the condition "idCol IN (SELECT id FROM enterprise WHERE
// scope)" with its arguments (? placeholders, for store.Where.Add), for a
// domain that combines it with conditions of its own.
func ScopeSQL(p *auth.Principal, idCol string) (string, []any) {
	var parts []string
	var args []any
	for _, c := range scopeConds(p, "") {
		parts = append(parts, c.sql)
		args = append(args, c.args...)
	}
	return idCol + " IN (SELECT id FROM enterprise WHERE " + strings.Join(parts, " AND ") + ")", args
}

// CanSee reports whether an enterprise is in the principal's scope.
func CanSee(p *auth.Principal, e Enterprise) bool {
	if e.CountyCode != p.CountyCode {
		return false
	}
	switch p.Role {
	case auth.RoleSection:
		return contains(p.Sectors, e.Sector)
	case auth.RoleTown:
		if len(p.RegionCode) == villageCodeLen {
			return e.VillageCode == p.RegionCode
		}
		return strings.HasPrefix(e.TownCode, p.RegionCode)
	case auth.RoleEnterprise:
		return e.ID == p.EnterpriseID
	}
	return true
}

// villageCodeLen is the length of a village's code: town staff with one
// are limited to the village.
const villageCodeLen = 12

// CanEdit reports whether the principal may change an enterprise (an
// enterprise account only its own, and key fields by request).
func CanEdit(p *auth.Principal, e Enterprise) bool {
	return p.Is(auth.RoleAdmin, auth.RoleSection, auth.RoleTown, auth.RoleEnterprise) && CanSee(p, e)
}

// CanApprove reports whether the principal decides key-field changes of e.
func CanApprove(p *auth.Principal, e Enterprise) bool {
	return p.Is(auth.RoleAdmin, auth.RoleLeader, auth.RoleSection) && CanSee(p, e)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Filter selects enterprises for the list.
type Filter struct {
	Q        string // name fragment or credit code
	Town     string
	Sector   string
	Scale    string
	Special  string
	Section  string
	Status   string
	Risk     string
	HasPoint bool     // only those with coordinates (map)
	IDs      []string // only these (other modules' lists look up their rows' enterprises in one query)
	Limit    int
	Offset   int
}

func (f Filter) where(p *auth.Principal) *store.Where {
	var w store.Where
	Scope(p, &w, "")
	if q := strings.TrimSpace(f.Q); q != "" {
		if code := NormalizeCreditCode(q); len(code) == 18 {
			w.Add("credit_code = ?", code)
		} else {
			w.Add(`name LIKE ? ESCAPE '\'`, store.Like(q))
		}
	}
	if f.Town != "" {
		w.Add("town_code LIKE ?", f.Town+"%")
	}
	if f.Sector != "" {
		w.Add("sector = ?", f.Sector)
	}
	if f.Scale != "" {
		w.Add("scale = ?", f.Scale)
	}
	if f.Special != "" {
		w.Add("specials LIKE ?", "%,"+f.Special+",%")
	}
	if f.Section != "" {
		w.Add("section_id = ?", f.Section)
	}
	if f.Status != "" {
		w.Add("status = ?", f.Status)
	}
	if f.Risk != "" {
		w.Add("risk = ?", f.Risk)
	}
	if f.HasPoint {
		w.Add("lat IS NOT NULL")
	}
	if f.IDs != nil {
		w.In("id", f.IDs)
	}
	return &w
}

// List returns a page of the enterprises in scope matching f, by name,
// and the total count.
func (s *Service) List(ctx context.Context, p *auth.Principal, f Filter) ([]Enterprise, int, error) {
	w := f.where(p)
	var total int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM enterprise`+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count enterprises: %w", err)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 50
	}
	lim, off := w.Arg(f.Limit), w.Arg(f.Offset)
	rows, err := s.db.R().QueryContext(ctx, `SELECT `+cols+` FROM enterprise`+w.SQL()+` ORDER BY name, id LIMIT `+lim+` OFFSET `+off, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("list enterprises: %w", err)
	}
	defer rows.Close()
	var out []Enterprise
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("list enterprises: %w", err)
		}
		out = append(out, e)
	}
	return out, total, rows.Err()
}

// Each streams every enterprise in scope matching f (export, map),
// in name order, without a page limit.
func (s *Service) Each(ctx context.Context, p *auth.Principal, f Filter, fn func(Enterprise) error) error {
	w := f.where(p)
	rows, err := s.db.R().QueryContext(ctx, `SELECT `+cols+` FROM enterprise`+w.SQL()+` ORDER BY name, id`, w.Args()...)
	if err != nil {
		return fmt.Errorf("enterprises: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return fmt.Errorf("enterprises: %w", err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Counts returns the number of enterprises in scope by status.
func (s *Service) Counts(ctx context.Context, p *auth.Principal) (total, operating, suspended int, err error) {
	var w store.Where
	Scope(p, &w, "")
	err = s.db.R().QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE status = 'operating'), count(*) FILTER (WHERE status = 'suspended')
		FROM enterprise`+w.SQL(), w.Args()...).Scan(&total, &operating, &suspended)
	return
}

func (s *Service) get(ctx context.Context, q store.Querier, id string) (Enterprise, error) {
	e, err := scan(q.QueryRowContext(ctx, `SELECT `+cols+` FROM enterprise WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Enterprise{}, errs.New(errs.NotFound, "not_found")
	}
	if err != nil {
		return Enterprise{}, fmt.Errorf("enterprise: %w", err)
	}
	return e, nil
}

// Get returns one enterprise in scope.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id string) (Enterprise, error) {
	e, err := s.get(ctx, s.db.R(), id)
	if err != nil {
		return e, err
	}
	if !CanSee(p, e) {
		return Enterprise{}, errs.OutOfScope("enterprise", id)
	}
	return e, nil
}

// Resolve finds an enterprise of a county by what staff know of it: its
// ID, its 统一社会信用代码 or its exact name (when one enterprise has it).
// found is false when none (or, by name, more than one) matches.
func (s *Service) Resolve(ctx context.Context, county, ref string) (id, name, creditCode string, found bool, err error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return "", "", "", false, nil
	}
	rows, err := s.db.R().QueryContext(ctx, `SELECT id, name, credit_code FROM enterprise
		WHERE county_code = $1 AND (id = $2 OR credit_code = $3 OR name = $2) ORDER BY id LIMIT 2`, county, ref, strings.ToUpper(ref))
	if err != nil {
		return "", "", "", false, fmt.Errorf("resolve enterprise: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		if err := rows.Scan(&id, &name, &creditCode); err != nil {
			return "", "", "", false, fmt.Errorf("resolve enterprise: %w", err)
		}
		n++
	}
	if err := rows.Err(); err != nil || n != 1 {
		return "", "", "", false, err
	}
	return id, name, creditCode, true, nil
}

// Names returns id → name for the given ids in scope (other domains'
// lists show the enterprise's name).
func (s *Service) Names(ctx context.Context, p *auth.Principal, idList []string) (map[string]string, error) {
	out := map[string]string{}
	if len(idList) == 0 {
		return out, nil
	}
	var w store.Where
	Scope(p, &w, "")
	w.In("id", idList)
	rows, err := s.db.R().QueryContext(ctx, `SELECT id, name FROM enterprise`+w.SQL(), w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("enterprise names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, rows.Err()
}

// checkRefs checks the references of an enterprise inside tx: the town and
// village exist in the county, and the supervising section is a section.
func (s *Service) checkRefs(ctx context.Context, q store.Querier, e *Enterprise) error {
	var fe errs.FieldErrors
	level, err := org.LevelIn(ctx, q, e.TownCode, e.CountyCode)
	if err != nil {
		return err
	}
	if level != org.LevelTown {
		fe = append(fe, errs.Field("town_code", "enterprise.town_unknown", map[string]any{"Town": e.TownCode}))
	}
	if e.VillageCode != "" {
		if level, err := org.LevelIn(ctx, q, e.VillageCode, e.CountyCode); err != nil {
			return err
		} else if level != org.LevelVillage {
			fe = append(fe, errs.Field("village_code", "enterprise.village_unknown", nil))
		}
	}
	if e.SectionID != "" {
		if kind, err := org.UnitKindIn(ctx, q, e.SectionID, e.CountyCode); err != nil {
			return err
		} else if kind != org.UnitSection {
			fe = append(fe, errs.Field("section_id", "enterprise.section_unknown", nil))
		}
	}
	return fe.Err()
}

// mayCreate reports whether p may register e: administrators anywhere,
// sections in their sectors, towns in their town.
func mayCreate(p *auth.Principal, e Enterprise) bool {
	switch p.Role {
	case auth.RoleAdmin:
		return true
	case auth.RoleSection:
		return contains(p.Sectors, e.Sector)
	case auth.RoleTown:
		return strings.HasPrefix(e.TownCode, p.RegionCode)
	}
	return false
}

// Create registers an enterprise.
func (s *Service) Create(ctx context.Context, p *auth.Principal, e Enterprise) (Enterprise, error) {
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		e, err = s.CreateTx(ctx, tx, p, e)
		return err
	})
	return e, err
}

// CreateTx registers an enterprise inside tx (imports and demo data).
func (s *Service) CreateTx(ctx context.Context, tx *store.Tx, p *auth.Principal, e Enterprise) (Enterprise, error) {
	e.CountyCode = p.CountyCode
	if err := Validate(&e, s.bounds()); err != nil {
		return e, err
	}
	if !mayCreate(p, e) {
		return e, errs.New(errs.Forbidden, "enterprise.create_forbidden")
	}
	if err := s.checkRefs(ctx, tx, &e); err != nil {
		return e, err
	}
	now := s.now().UTC()
	if e.ID == "" {
		e.ID = ids.New()
	}
	e.CreatedAt, e.UpdatedAt = now, now
	_, err := tx.ExecContext(ctx, `INSERT INTO enterprise (`+cols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$20)`,
		e.ID, e.CountyCode, e.Name, e.CreditCode, e.Address, e.TownCode, e.VillageCode, nullF(e.Lat), nullF(e.Lng), e.Sector, e.Scale,
		joinSpecials(e.Specials), e.SectionID, e.PrincipalName, e.PrincipalPhone, e.SafetyName, e.SafetyPhone, e.Status, e.Risk, now)
	if store.IsUniqueViolation(err) {
		return e, errs.Field("credit_code", "enterprise.credit_code_taken", map[string]any{"Code": e.CreditCode})
	}
	if err != nil {
		return e, fmt.Errorf("insert enterprise: %w", err)
	}
	return e, audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "enterprise", EntityID: e.ID, Action: "create", After: e})
}

// UpdateResult tells what an update did.
type UpdateResult struct {
	Enterprise Enterprise
	Request    *ChangeRequest // key fields sent for approval (enterprise accounts)
}

// Update changes an enterprise. For an enterprise account, changes of key
// fields (name, credit code, sector) are not applied but become a change
// request for the supervising section; the other fields are applied.
func (s *Service) Update(ctx context.Context, p *auth.Principal, id string, in Enterprise) (UpdateResult, error) {
	var res UpdateResult
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		before, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if !CanSee(p, before) {
			if p.Role == auth.RoleEnterprise {
				return errs.New(errs.Forbidden, "enterprise.other_forbidden")
			}
			return errs.OutOfScope("enterprise", id)
		}
		if !CanEdit(p, before) {
			return errs.New(errs.Forbidden, "forbidden")
		}
		in.ID, in.CountyCode, in.CreatedAt = before.ID, before.CountyCode, before.CreatedAt
		if err := Validate(&in, s.bounds()); err != nil {
			return err
		}
		keys := KeyChanges(before, in)
		if p.Role == auth.RoleEnterprise && len(keys) > 0 {
			req := ChangeRequest{ID: ids.New(), CountyCode: before.CountyCode, EnterpriseID: id, State: ChangePending,
				RequestedBy: p.UserID, RequestedAt: s.now().UTC(), Fields: map[string]FieldChange{}}
			for _, k := range keys {
				req.Fields[k] = FieldChange{From: fieldValue(before, k), To: fieldValue(in, k)}
			}
			if err := s.insertRequest(ctx, tx, p, req); err != nil {
				return err
			}
			if err := s.announceChange(ctx, tx, before, req); err != nil {
				return err
			}
			res.Request = &req
			// Keep the key fields as they are until approved.
			in.Name, in.CreditCode, in.Sector = before.Name, before.CreditCode, before.Sector
		}
		if p.Role == auth.RoleEnterprise {
			// An enterprise does not move itself to another section or
			// change its own risk level or status.
			in.SectionID, in.Risk, in.Status = before.SectionID, before.Risk, before.Status
		}
		if p.Role == auth.RoleSection && !contains(p.Sectors, in.Sector) {
			return errs.Field("sector", "enterprise.sector_not_yours", nil)
		}
		if p.Role == auth.RoleTown && !strings.HasPrefix(in.TownCode, p.RegionCode) {
			return errs.Field("town_code", "enterprise.town_not_yours", nil)
		}
		if err := s.checkRefs(ctx, tx, &in); err != nil {
			return err
		}
		after, err := s.write(ctx, tx, p, before, in)
		res.Enterprise = after
		return err
	})
	return res, err
}

// write stores in over before and audits the change (nothing when equal).
func (s *Service) write(ctx context.Context, tx *store.Tx, p *auth.Principal, before, in Enterprise) (Enterprise, error) {
	in.UpdatedAt = before.UpdatedAt
	if audit.Same(before, in) {
		return before, nil
	}
	now := s.now().UTC()
	in.UpdatedAt = now
	_, err := tx.ExecContext(ctx, `UPDATE enterprise SET name=$1, credit_code=$2, address=$3, town_code=$4, village_code=$5, lat=$6, lng=$7,
		sector=$8, scale=$9, specials=$10, section_id=$11, principal_name=$12, principal_phone=$13, safety_name=$14, safety_phone=$15,
		status=$16, risk=$17, updated_at=$18 WHERE id=$19`,
		in.Name, in.CreditCode, in.Address, in.TownCode, in.VillageCode, nullF(in.Lat), nullF(in.Lng), in.Sector, in.Scale,
		joinSpecials(in.Specials), in.SectionID, in.PrincipalName, in.PrincipalPhone, in.SafetyName, in.SafetyPhone, in.Status, in.Risk, now, in.ID)
	if store.IsUniqueViolation(err) {
		return in, errs.Field("credit_code", "enterprise.credit_code_taken", map[string]any{"Code": in.CreditCode})
	}
	if err != nil {
		return in, fmt.Errorf("update enterprise: %w", err)
	}
	if in.Name != before.Name {
		for _, fn := range s.renamed {
			if err := fn(ctx, tx, in.ID, in.Name); err != nil {
				return in, fmt.Errorf("rename enterprise: %w", err)
			}
		}
	}
	b, a := audit.Diff(before, in, "updated_at")
	return in, audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "enterprise", EntityID: in.ID, Action: "update", Before: b, After: a})
}

func fieldValue(e Enterprise, k string) string {
	switch k {
	case "name":
		return e.Name
	case "credit_code":
		return e.CreditCode
	case "sector":
		return e.Sector
	}
	return ""
}

// RecordDenied audits a refused attempt on another enterprise (an
// enterprise account reaching outside its own).
func (s *Service) RecordDenied(ctx context.Context, p *auth.Principal, id, action string) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		return audit.Record(ctx, tx, s.now(), p.Actor(), audit.Entry{Entity: "enterprise", EntityID: id, Action: "denied",
			After: map[string]any{"attempt": action}})
	})
}
