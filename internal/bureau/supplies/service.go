package supplies

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/calendar"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/store"
)

// Recipients returns whom to tell about a warehouse's alerts: the staff
// keeping county supplies, and for a warehouse in a town that town's staff.
type Recipients func(ctx context.Context, county, townCode string) ([]string, error)

// Service reads and changes supplies within the caller's scope.
type Service struct {
	db         *store.DB
	notify     *notify.Service
	now        func() time.Time
	inside     func() func(lat, lng float64) bool
	recipients Recipients
	// Towns returns a county's town code → name (pages, exports, PDF);
	// nil: codes are shown.
	Towns func(ctx context.Context, county string) (map[string]string, error)
	// Enterprise resolves an enterprise of the county by id, name or
	// credit code for an enterprise store (企业储备): its id, name and
	// town; found false when the county has no such enterprise. nil: no
	// warehouse can name an enterprise.
	Enterprise func(ctx context.Context, county, ref string) (id, name, town string, found bool, err error)
}

// New returns a Service. inside returns the county's point test (nil:
// coordinates are not checked); recipients may be nil (nobody is told).
func New(db *store.DB, n *notify.Service, now func() time.Time, inside func() func(lat, lng float64) bool, recipients Recipients) *Service {
	if inside == nil {
		inside = func() func(float64, float64) bool { return nil }
	}
	if recipients == nil {
		recipients = func(context.Context, string, string) ([]string, error) { return nil, nil }
	}
	return &Service{db: db, notify: n, now: now, inside: inside, recipients: recipients}
}

// Today is the service's Shanghai calendar date.
func (s *Service) Today() string { return calendar.Today(s.now()).Format(calendar.DateLayout) }

// Who may do what (the route policy admits the roles; these add scope).

// CanManage reports whether p may change the catalogue: administrators
// and section staff.
func CanManage(p *auth.Principal) bool { return p.Is(auth.RoleAdmin, auth.RoleSection) }

// CanKeep reports whether p may keep warehouse w (its stock and orders
// from it): administrators and section staff everywhere, town staff the
// town stores (乡镇储备点) of their own town — not a county store that
// happens to stand in it.
func CanKeep(p *auth.Principal, w Warehouse) bool {
	if w.CountyCode != p.CountyCode {
		return false
	}
	switch p.Role {
	case auth.RoleAdmin, auth.RoleSection:
		return true
	case auth.RoleTown:
		return w.Kind == "town" && p.RegionCode != "" && w.TownCode != "" && strings.HasPrefix(w.TownCode, p.RegionCode)
	case auth.RoleEnterprise:
		return w.Kind == "enterprise" && ownStore(p, w)
	}
	return false
}

// ownStore reports whether w is the store of p's own enterprise.
func ownStore(p *auth.Principal, w Warehouse) bool {
	return p.Role == auth.RoleEnterprise && p.EnterpriseID != "" && w.EnterpriseID == p.EnterpriseID
}

// CanApproveRole reports whether p's role approves dispatch orders:
// administrators, leaders and section staff.
func CanApproveRole(p *auth.Principal) bool {
	return p.Is(auth.RoleAdmin, auth.RoleLeader, auth.RoleSection)
}

// seesWarehouse reports whether p may read warehouse w: the county's
// staff every warehouse of the county, town staff those of their town,
// an enterprise account its own enterprise's stores.
func seesWarehouse(p *auth.Principal, w Warehouse) bool {
	if w.CountyCode != p.CountyCode {
		return false
	}
	if p.Role == auth.RoleEnterprise {
		return ownStore(p, w)
	}
	if p.Role == auth.RoleTown {
		return p.RegionCode != "" && strings.HasPrefix(w.TownCode, p.RegionCode)
	}
	return true
}

// warehouseScope limits warehouse rows (alias a, "" for none) to p.
func warehouseScope(p *auth.Principal, w *store.Where, alias string) {
	if alias != "" {
		alias += "."
	}
	w.Add(alias+"county_code = ?", p.CountyCode)
	switch p.Role {
	case auth.RoleTown:
		w.Add(alias+"town_code LIKE ?", p.RegionPrefix()+"%")
	case auth.RoleEnterprise:
		if p.EnterpriseID == "" {
			w.Add("1 = 0")
		} else {
			w.Add(alias+"enterprise_id = ?", p.EnterpriseID)
		}
	}
}

func displayName(p *auth.Principal) string {
	if p.DisplayName != "" {
		return p.DisplayName
	}
	return p.Username
}

// ---- catalogue

const itemCols = `id, county_code, name, unit, category, spec, min_qty, stat_key, created_at, updated_at`

func scanItem(row interface{ Scan(...any) error }) (Item, error) {
	var it Item
	err := row.Scan(&it.ID, &it.CountyCode, &it.Name, &it.Unit, &it.Category, &it.Spec, &it.MinQty, &it.StatKey, &it.CreatedAt, &it.UpdatedAt)
	return it, err
}

// ItemFilter selects items.
type ItemFilter struct {
	Q             string
	Category      string
	Limit, Offset int
}

// Items returns a page of the county's catalogue and the total.
func (s *Service) Items(ctx context.Context, p *auth.Principal, f ItemFilter) ([]Item, int, error) {
	var w store.Where
	w.Add("county_code = ?", p.CountyCode)
	if q := strings.TrimSpace(f.Q); q != "" {
		w.Add(`name LIKE ? ESCAPE '\'`, store.Like(q))
	}
	if f.Category != "" {
		w.Add("category = ?", f.Category)
	}
	var total int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM supply_item`+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count items: %w", err)
	}
	if f.Limit <= 0 || f.Limit > 5000 {
		f.Limit = 5000
	}
	lim, off := w.Arg(f.Limit), w.Arg(f.Offset)
	rows, err := s.db.R().QueryContext(ctx, `SELECT `+itemCols+` FROM supply_item`+w.SQL()+` ORDER BY category, name LIMIT `+lim+` OFFSET `+off, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("items: %w", err)
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, it)
	}
	return out, total, rows.Err()
}

// Item returns one item of p's county.
func (s *Service) Item(ctx context.Context, p *auth.Principal, id string) (Item, error) {
	it, err := s.item(ctx, s.db.R(), id)
	if err != nil {
		return it, err
	}
	if it.CountyCode != p.CountyCode {
		return Item{}, errs.OutOfScope("supply_item", id)
	}
	return it, nil
}

func (s *Service) item(ctx context.Context, q store.Querier, id string) (Item, error) {
	it, err := scanItem(q.QueryRowContext(ctx, `SELECT `+itemCols+` FROM supply_item WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Item{}, errs.New(errs.NotFound, "not_found")
	}
	if err != nil {
		return Item{}, fmt.Errorf("item: %w", err)
	}
	return it, nil
}

// SaveItem creates (no ID) or updates an item of the catalogue.
func (s *Service) SaveItem(ctx context.Context, p *auth.Principal, it Item) (Item, error) {
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		it, err = s.SaveItemTx(ctx, tx, p, it)
		return err
	})
	return it, err
}

// SaveItemTx is SaveItem inside tx.
func (s *Service) SaveItemTx(ctx context.Context, tx *store.Tx, p *auth.Principal, it Item) (Item, error) {
	if !CanManage(p) {
		return it, errs.New(errs.Forbidden, "forbidden")
	}
	if err := ValidateItem(&it); err != nil {
		return it, err
	}
	now := s.now().UTC()
	it.CountyCode, it.UpdatedAt = p.CountyCode, now
	action := "update"
	var before any
	if it.ID == "" {
		action, it.ID, it.CreatedAt = "create", ids.New(), now
		_, err := tx.ExecContext(ctx, `INSERT INTO supply_item (`+itemCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
			it.ID, it.CountyCode, it.Name, it.Unit, it.Category, it.Spec, it.MinQty, it.StatKey, it.CreatedAt, it.UpdatedAt)
		if store.IsUniqueViolation(err) {
			return it, errs.Field("name", "supplies.name_taken", nil)
		}
		if err != nil {
			return it, fmt.Errorf("insert item: %w", err)
		}
	} else {
		old, err := s.item(ctx, tx, it.ID)
		if err != nil {
			return it, err
		}
		if old.CountyCode != p.CountyCode {
			return it, errs.OutOfScope("supply_item", it.ID)
		}
		before, it.CreatedAt = old, old.CreatedAt
		_, err = tx.ExecContext(ctx, `UPDATE supply_item SET name=$2, unit=$3, category=$4, spec=$5, min_qty=$6, stat_key=$7, updated_at=$8 WHERE id=$1`,
			it.ID, it.Name, it.Unit, it.Category, it.Spec, it.MinQty, it.StatKey, it.UpdatedAt)
		if store.IsUniqueViolation(err) {
			return it, errs.Field("name", "supplies.name_taken", nil)
		}
		if err != nil {
			return it, fmt.Errorf("update item: %w", err)
		}
	}
	return it, audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "supply_item", EntityID: it.ID, Action: action, Before: before, After: it})
}

// ---- warehouses

const whCols = `id, county_code, name, kind, owner_unit, town_code, address, lat, lng, keeper, phone, created_at, updated_at, enterprise_id`

func scanWarehouse(row interface{ Scan(...any) error }) (Warehouse, error) {
	var w Warehouse
	var lat, lng sql.NullFloat64
	err := row.Scan(&w.ID, &w.CountyCode, &w.Name, &w.Kind, &w.OwnerUnit, &w.TownCode, &w.Address, &lat, &lng, &w.Keeper, &w.Phone, &w.CreatedAt, &w.UpdatedAt, &w.EnterpriseID)
	if lat.Valid && lng.Valid {
		w.Lat, w.Lng = &lat.Float64, &lng.Float64
	}
	return w, err
}

func nullF(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

// WarehouseFilter selects warehouses.
type WarehouseFilter struct {
	Q             string
	Kind          string
	Town          string
	Enterprise    string // the enterprise keeping the store
	Limit, Offset int
}

func (s *Service) warehouseWhere(p *auth.Principal, f WarehouseFilter) *store.Where {
	var w store.Where
	warehouseScope(p, &w, "")
	if q := strings.TrimSpace(f.Q); q != "" {
		w.Add(`(name LIKE ? ESCAPE '\' OR owner_unit LIKE ? ESCAPE '\')`, store.Like(q), store.Like(q))
	}
	if f.Kind != "" {
		w.Add("kind = ?", f.Kind)
	}
	if f.Town != "" {
		w.Add("town_code = ?", f.Town)
	}
	if f.Enterprise != "" {
		w.Add("enterprise_id = ?", f.Enterprise)
	}
	return &w
}

// Warehouses returns a page of the warehouses in scope and the total.
func (s *Service) Warehouses(ctx context.Context, p *auth.Principal, f WarehouseFilter) ([]Warehouse, int, error) {
	w := s.warehouseWhere(p, f)
	var total int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM supply_warehouse`+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count warehouses: %w", err)
	}
	if f.Limit <= 0 || f.Limit > 5000 {
		f.Limit = 5000
	}
	lim, off := w.Arg(f.Limit), w.Arg(f.Offset)
	rows, err := s.db.R().QueryContext(ctx, `SELECT `+whCols+` FROM supply_warehouse`+w.SQL()+
		` ORDER BY CASE kind WHEN 'county' THEN 0 WHEN 'town' THEN 1 WHEN 'enterprise' THEN 2 ELSE 3 END, town_code, name LIMIT `+lim+` OFFSET `+off, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("warehouses: %w", err)
	}
	defer rows.Close()
	var out []Warehouse
	for rows.Next() {
		x, err := scanWarehouse(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, x)
	}
	return out, total, rows.Err()
}

func (s *Service) warehouse(ctx context.Context, q store.Querier, id string) (Warehouse, error) {
	w, err := scanWarehouse(q.QueryRowContext(ctx, `SELECT `+whCols+` FROM supply_warehouse WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Warehouse{}, errs.New(errs.NotFound, "not_found")
	}
	if err != nil {
		return Warehouse{}, fmt.Errorf("warehouse: %w", err)
	}
	return w, nil
}

// Warehouse returns one warehouse in scope.
func (s *Service) Warehouse(ctx context.Context, p *auth.Principal, id string) (Warehouse, error) {
	w, err := s.warehouse(ctx, s.db.R(), id)
	if err != nil {
		return w, err
	}
	if !seesWarehouse(p, w) {
		return Warehouse{}, errs.OutOfScope("supply_warehouse", id)
	}
	return w, nil
}

// SaveWarehouse creates (no ID) or updates a warehouse.
func (s *Service) SaveWarehouse(ctx context.Context, p *auth.Principal, w Warehouse) (Warehouse, error) {
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		w, err = s.SaveWarehouseTx(ctx, tx, p, w)
		return err
	})
	return w, err
}

// SaveWarehouseTx is SaveWarehouse inside tx.
func (s *Service) SaveWarehouseTx(ctx context.Context, tx *store.Tx, p *auth.Principal, w Warehouse) (Warehouse, error) {
	if p.Role == auth.RoleTown && w.TownCode == "" {
		w.TownCode = p.RegionCode
	}
	if p.Role == auth.RoleEnterprise {
		// An enterprise account keeps its own enterprise's store only.
		w.Kind, w.EnterpriseID = "enterprise", p.EnterpriseID
		if p.EnterpriseID == "" {
			return w, errs.New(errs.Forbidden, "supplies.keep_forbidden")
		}
	}
	if err := ValidateWarehouse(&w, s.inside()); err != nil {
		return w, err
	}
	if w.EnterpriseID != "" {
		if s.Enterprise == nil {
			return w, errs.Field("enterprise_id", "supplies.enterprise_unknown", nil)
		}
		id, name, town, found, err := s.Enterprise(ctx, p.CountyCode, w.EnterpriseID)
		if err != nil {
			return w, err
		}
		if !found {
			return w, errs.Field("enterprise_id", "supplies.enterprise_unknown", nil)
		}
		w.EnterpriseID, w.EnterpriseName = id, name
		if w.TownCode == "" {
			w.TownCode = town
		}
		if w.OwnerUnit == "" {
			w.OwnerUnit = name
		}
	}
	w.CountyCode = p.CountyCode
	if w.TownCode != "" && !strings.HasPrefix(w.TownCode, p.CountyCode) {
		return w, errs.Field("town_code", "supplies.town_unknown", nil)
	}
	if !CanKeep(p, w) {
		return w, errs.New(errs.Forbidden, "supplies.keep_forbidden")
	}
	now := s.now().UTC()
	w.UpdatedAt = now
	action := "update"
	var before any
	if w.ID == "" {
		action, w.ID, w.CreatedAt = "create", ids.New(), now
		_, err := tx.ExecContext(ctx, `INSERT INTO supply_warehouse (`+whCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`,
			w.ID, w.CountyCode, w.Name, w.Kind, w.OwnerUnit, w.TownCode, w.Address, nullF(w.Lat), nullF(w.Lng), w.Keeper, w.Phone, w.CreatedAt, w.UpdatedAt, w.EnterpriseID)
		if store.IsUniqueViolation(err) {
			return w, errs.Field("name", "supplies.name_taken", nil)
		}
		if err != nil {
			return w, fmt.Errorf("insert warehouse: %w", err)
		}
	} else {
		old, err := s.warehouse(ctx, tx, w.ID)
		if err != nil {
			return w, err
		}
		if !CanKeep(p, old) {
			return w, errs.OutOfScope("supply_warehouse", w.ID)
		}
		before, w.CreatedAt = old, old.CreatedAt
		_, err = tx.ExecContext(ctx, `UPDATE supply_warehouse SET name=$2, kind=$3, owner_unit=$4, town_code=$5, address=$6, lat=$7, lng=$8,
			keeper=$9, phone=$10, updated_at=$11, enterprise_id=$12 WHERE id=$1`,
			w.ID, w.Name, w.Kind, w.OwnerUnit, w.TownCode, w.Address, nullF(w.Lat), nullF(w.Lng), w.Keeper, w.Phone, w.UpdatedAt, w.EnterpriseID)
		if store.IsUniqueViolation(err) {
			return w, errs.Field("name", "supplies.name_taken", nil)
		}
		if err != nil {
			return w, fmt.Errorf("update warehouse: %w", err)
		}
	}
	return w, audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "supply_warehouse", EntityID: w.ID, Action: action, Before: before, After: w})
}
