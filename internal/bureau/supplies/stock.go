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
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/store"
)

// The stock ledger. Every change of supply_stock.quantity goes through
// change (a guarded UPDATE and a supply_movement row in the same
// transaction), so a line's quantity is always the sum of its deltas.

const stockCols = `s.id, s.county_code, s.warehouse_id, s.item_id, s.batch, s.expires_on, s.owner, s.quantity, s.created_at, s.updated_at,
	w.name, i.name, i.unit, w.town_code, w.enterprise_id`

const stockFrom = ` FROM supply_stock s JOIN supply_warehouse w ON w.id = s.warehouse_id JOIN supply_item i ON i.id = s.item_id`

func scanStock(row interface{ Scan(...any) error }) (Stock, error) {
	var x Stock
	err := row.Scan(&x.ID, &x.CountyCode, &x.WarehouseID, &x.ItemID, &x.Batch, &x.ExpiresOn, &x.Owner, &x.Quantity, &x.CreatedAt, &x.UpdatedAt,
		&x.WarehouseName, &x.ItemName, &x.Unit, &x.TownCode, &x.EnterpriseID)
	return x, err
}

// StockFilter selects stock lines.
type StockFilter struct {
	Warehouse string
	Item      string
	Town      string
	Category  string
	Expiry    string // expiring | expired
	NonZero   bool   // only lines holding something
	Q         string
	Limit     int
	Offset    int
}

func (s *Service) stockWhere(p *auth.Principal, f StockFilter) *store.Where {
	var w store.Where
	warehouseScope(p, &w, "w")
	if f.Warehouse != "" {
		w.Add("s.warehouse_id = ?", f.Warehouse)
	}
	if f.Item != "" {
		w.Add("s.item_id = ?", f.Item)
	}
	if f.Town != "" {
		w.Add("w.town_code = ?", f.Town)
	}
	if f.Category != "" {
		w.Add("i.category = ?", f.Category)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		w.Add(`(i.name LIKE ? ESCAPE '\' OR s.batch LIKE ? ESCAPE '\')`, store.Like(q), store.Like(q))
	}
	today := s.Today()
	switch f.Expiry {
	case AlertExpired:
		w.Add("s.expires_on <> '' AND s.expires_on < ? AND s.quantity > 0", today)
	case AlertExpiring:
		w.Add("s.expires_on >= ? AND s.expires_on <= ? AND s.quantity > 0", today, addDays(today, ExpiryDays))
	}
	if f.NonZero {
		w.Add("s.quantity > 0")
	}
	return &w
}

func addDays(day string, n int) string {
	t, err := time.Parse("2006-01-02", day)
	if err != nil {
		return day
	}
	return t.AddDate(0, 0, n).Format("2006-01-02")
}

// StockLines returns a page of the stock lines in scope and the total.
func (s *Service) StockLines(ctx context.Context, p *auth.Principal, f StockFilter) ([]Stock, int, error) {
	w := s.stockWhere(p, f)
	var total int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*)`+stockFrom+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count stock: %w", err)
	}
	if f.Limit <= 0 || f.Limit > 100000 {
		f.Limit = 100000
	}
	lim, off := w.Arg(f.Limit), w.Arg(f.Offset)
	rows, err := s.db.R().QueryContext(ctx, `SELECT `+stockCols+stockFrom+w.SQL()+` ORDER BY w.name, i.category, i.name, s.batch LIMIT `+lim+` OFFSET `+off, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("stock: %w", err)
	}
	defer rows.Close()
	var out []Stock
	for rows.Next() {
		x, err := scanStock(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, x)
	}
	return out, total, rows.Err()
}

func (s *Service) stock(ctx context.Context, q store.Querier, id string) (Stock, error) {
	x, err := scanStock(q.QueryRowContext(ctx, `SELECT `+stockCols+stockFrom+` WHERE s.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Stock{}, errs.New(errs.NotFound, "not_found")
	}
	if err != nil {
		return Stock{}, fmt.Errorf("stock line: %w", err)
	}
	return x, nil
}

// StockLine returns one stock line in scope.
func (s *Service) StockLine(ctx context.Context, p *auth.Principal, id string) (Stock, error) {
	x, err := s.stock(ctx, s.db.R(), id)
	if err != nil {
		return x, err
	}
	if !seesWarehouse(p, Warehouse{CountyCode: x.CountyCode, TownCode: x.TownCode, EnterpriseID: x.EnterpriseID}) {
		return Stock{}, errs.OutOfScope("supply_stock", id)
	}
	return x, nil
}

// change adds delta to a stock line and records the movement. A decrease
// beyond what the line holds changes nothing and returns ok false.
func (s *Service) change(ctx context.Context, tx *store.Tx, p *auth.Principal, x Stock, kind string, delta int64, day, dispatchID, note string) (ok bool, err error) {
	now := s.now().UTC()
	res, err := tx.ExecContext(ctx, `UPDATE supply_stock SET quantity = quantity + $2, updated_at = $3 WHERE id = $1 AND quantity + $2 >= 0`,
		x.ID, delta, now)
	if err != nil {
		return false, fmt.Errorf("change stock: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return false, err
	}
	m := Movement{ID: ids.New(), CountyCode: x.CountyCode, StockID: x.ID, WarehouseID: x.WarehouseID, ItemID: x.ItemID, Kind: kind, Delta: delta,
		MovedOn: day, DispatchID: dispatchID, Note: note, ByUser: p.UserID, ByName: displayName(p), CreatedAt: now}
	_, err = tx.ExecContext(ctx, `INSERT INTO supply_movement (id, county_code, stock_id, warehouse_id, item_id, kind, delta, moved_on, dispatch_id, note, by_user, by_name, created_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)`,
		m.ID, m.CountyCode, m.StockID, m.WarehouseID, m.ItemID, m.Kind, m.Delta, m.MovedOn, m.DispatchID, m.Note, m.ByUser, m.ByName, m.CreatedAt)
	if err != nil {
		return false, fmt.Errorf("insert movement: %w", err)
	}
	return true, nil
}

// lineFor returns the stock line (warehouse, item, batch), creating it
// empty when new (expiry and owner are taken from the first receipt).
func (s *Service) lineFor(ctx context.Context, tx *store.Tx, county, warehouseID, itemID, batch, expires, owner string) (Stock, error) {
	var id string
	err := tx.QueryRowContext(ctx, `SELECT id FROM supply_stock WHERE warehouse_id = $1 AND item_id = $2 AND batch = $3`, warehouseID, itemID, batch).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		now := s.now().UTC()
		id = ids.New()
		_, err = tx.ExecContext(ctx, `INSERT INTO supply_stock (id, county_code, warehouse_id, item_id, batch, expires_on, owner, quantity, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,0,$8,$8)`, id, county, warehouseID, itemID, batch, expires, owner, now)
	}
	if err != nil {
		return Stock{}, fmt.Errorf("stock line: %w", err)
	}
	return s.stock(ctx, tx, id)
}

// Move records 入库, 出库 or 盘点 (see MoveInput) and returns the stock
// line after it. An 出库 beyond the line's quantity is refused (409
// naming the item and what is there) and changes nothing.
func (s *Service) Move(ctx context.Context, p *auth.Principal, in MoveInput) (Stock, error) {
	var out Stock
	err := s.db.InTx(store.Serial(ctx), func(tx *store.Tx) error {
		var err error
		out, err = s.MoveTx(ctx, tx, p, in)
		return err
	})
	return out, err
}

// MoveTx is Move inside tx (imports and the demo replay rows through it).
func (s *Service) MoveTx(ctx context.Context, tx *store.Tx, p *auth.Principal, in MoveInput) (Stock, error) {
	if err := CheckMove(&in, s.Today()); err != nil {
		return Stock{}, err
	}
	var x Stock
	var wh Warehouse
	var err error
	if in.Kind == MoveIn {
		wh, err = s.warehouse(ctx, tx, in.WarehouseID)
		if errs.Is(err, errs.NotFound) || err == nil && !seesWarehouse(p, wh) {
			return x, errs.Field("warehouse_id", "supplies.warehouse_unknown", nil)
		}
		if err != nil {
			return x, err
		}
		it, err := s.item(ctx, tx, in.ItemID)
		if errs.Is(err, errs.NotFound) || err == nil && it.CountyCode != p.CountyCode {
			return x, errs.Field("item_id", "supplies.item_unknown", nil)
		}
		if err != nil {
			return x, err
		}
		if !CanKeep(p, wh) {
			return x, errs.New(errs.Forbidden, "supplies.keep_forbidden")
		}
		if in.Owner == "" {
			in.Owner = wh.OwnerUnit
		}
		if x, err = s.lineFor(ctx, tx, p.CountyCode, wh.ID, it.ID, in.Batch, in.ExpiresOn, in.Owner); err != nil {
			return x, err
		}
	} else {
		x, err = s.stock(ctx, tx, in.StockID)
		if errs.Is(err, errs.NotFound) || err == nil && !seesWarehouse(p, Warehouse{CountyCode: x.CountyCode, TownCode: x.TownCode, EnterpriseID: x.EnterpriseID}) {
			return Stock{}, errs.Field("stock_id", "supplies.stock_unknown", nil)
		}
		if err != nil {
			return x, err
		}
		if wh, err = s.warehouse(ctx, tx, x.WarehouseID); err != nil {
			return x, err
		}
		if !CanKeep(p, wh) {
			return x, errs.New(errs.Forbidden, "supplies.keep_forbidden")
		}
	}
	delta := in.Quantity
	switch in.Kind {
	case MoveOut:
		delta = -in.Quantity
	case MoveCount:
		delta = in.Quantity - x.Quantity
	}
	// A count that finds what the books say is still recorded (delta 0).
	ok, err := s.change(ctx, tx, p, x, in.Kind, delta, in.Date, "", in.Note)
	if err != nil {
		return x, err
	}
	if !ok {
		return x, insufficient(x.ItemName, x.Unit, x.Quantity, -delta)
	}
	after, err := s.stock(ctx, tx, x.ID)
	if err != nil {
		return x, err
	}
	return after, audit.Record(ctx, tx, s.now().UTC(), p.Actor(), audit.Entry{Entity: "supply_stock", EntityID: x.ID, Action: "move_" + in.Kind,
		Before: map[string]any{"quantity": x.Quantity}, After: map[string]any{"quantity": after.Quantity, "kind": in.Kind, "date": in.Date, "note": in.Note,
			"item": x.ItemName, "warehouse": x.WarehouseName, "batch": x.Batch}})
}

// insufficient is the refusal of taking more than there is (409, naming
// the item, what is there and what was asked for).
func insufficient(item, unit string, have, want int64) error {
	return errs.New(errs.Conflict, "supplies.insufficient_stock").With(map[string]any{"Item": item, "Unit": unit, "Have": have, "Want": want})
}

// MovementFilter selects movements.
type MovementFilter struct {
	Warehouse string
	Item      string
	Stock     string
	Kind      string
	Dispatch  string
	From, To  string // dates
	Limit     int
	Offset    int
}

const moveCols = `m.id, m.county_code, m.stock_id, m.warehouse_id, m.item_id, m.kind, m.delta, m.moved_on, m.dispatch_id, m.note, m.by_user, m.by_name, m.created_at,
	w.name, i.name, i.unit, s.batch, COALESCE(d.number, '')`

const moveFrom = ` FROM supply_movement m JOIN supply_stock s ON s.id = m.stock_id JOIN supply_warehouse w ON w.id = m.warehouse_id
	JOIN supply_item i ON i.id = m.item_id LEFT JOIN supply_dispatch d ON d.id = m.dispatch_id`

// Movements returns a page of the stock ledger in scope (newest first) and
// the total.
func (s *Service) Movements(ctx context.Context, p *auth.Principal, f MovementFilter) ([]Movement, int, error) {
	var w store.Where
	warehouseScope(p, &w, "w")
	for col, v := range map[string]string{"m.warehouse_id": f.Warehouse, "m.item_id": f.Item, "m.stock_id": f.Stock, "m.kind": f.Kind, "m.dispatch_id": f.Dispatch} {
		if v != "" {
			w.Add(col+" = ?", v)
		}
	}
	if f.From != "" {
		w.Add("m.moved_on >= ?", f.From)
	}
	if f.To != "" {
		w.Add("m.moved_on <= ?", f.To)
	}
	var total int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*)`+moveFrom+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count movements: %w", err)
	}
	if f.Limit <= 0 || f.Limit > 100000 {
		f.Limit = 100000
	}
	lim, off := w.Arg(f.Limit), w.Arg(f.Offset)
	rows, err := s.db.R().QueryContext(ctx, `SELECT `+moveCols+moveFrom+w.SQL()+` ORDER BY m.moved_on DESC, m.created_at DESC, m.id DESC LIMIT `+lim+` OFFSET `+off, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("movements: %w", err)
	}
	defer rows.Close()
	var out []Movement
	for rows.Next() {
		var m Movement
		if err := rows.Scan(&m.ID, &m.CountyCode, &m.StockID, &m.WarehouseID, &m.ItemID, &m.Kind, &m.Delta, &m.MovedOn, &m.DispatchID, &m.Note, &m.ByUser,
			&m.ByName, &m.CreatedAt, &m.WarehouseName, &m.ItemName, &m.Unit, &m.Batch, &m.DispatchNo); err != nil {
			return nil, 0, err
		}
		out = append(out, m)
	}
	return out, total, rows.Err()
}

// Imbalance lists the stock lines of a county whose quantity is not the
// sum of their movements (the ledger invariant; empty when it holds).
func (s *Service) Imbalance(ctx context.Context, county string) ([]string, error) {
	rows, err := s.db.R().QueryContext(ctx, `SELECT s.id, s.quantity, COALESCE(sum(m.delta), 0) FROM supply_stock s LEFT JOIN supply_movement m ON m.stock_id = s.id
		WHERE s.county_code = $1 GROUP BY s.id, s.quantity`, county)
	if err != nil {
		return nil, fmt.Errorf("ledger balance: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		var q, sum int64
		if err := rows.Scan(&id, &q, &sum); err != nil {
			return nil, err
		}
		if q != sum {
			out = append(out, fmt.Sprintf("%s: quantity %d, movements %d", id, q, sum))
		}
	}
	return out, rows.Err()
}
