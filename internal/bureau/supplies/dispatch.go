package supplies

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/store"
)

// Dispatch orders (调拨单): requested → dispatched (approved by another
// person; the goods leave the warehouse) → received (the receiver confirms
// what arrived); or requested → rejected.

const dispCols = `d.id, d.county_code, d.number, d.from_warehouse, d.to_kind, d.to_town, d.to_unit, d.to_warehouse, d.purpose, d.partner, d.reason,
	d.dispatch_on, d.state, d.source, d.requested_by, d.requested_name, d.approved_by, d.approved_name, d.approved_at, d.reject_reason,
	d.received_by, d.received_name, d.received_on, d.created_at, d.updated_at, w.name, w.town_code, COALESCE(tw.name, '')`

const dispFrom = ` FROM supply_dispatch d JOIN supply_warehouse w ON w.id = d.from_warehouse LEFT JOIN supply_warehouse tw ON tw.id = d.to_warehouse`

func scanDispatch(row interface{ Scan(...any) error }) (Dispatch, error) {
	var d Dispatch
	var approved sql.NullTime
	err := row.Scan(&d.ID, &d.CountyCode, &d.Number, &d.FromWarehouse, &d.ToKind, &d.ToTown, &d.ToUnit, &d.ToWarehouse, &d.Purpose, &d.Partner, &d.Reason,
		&d.DispatchOn, &d.State, &d.Source, &d.RequestedBy, &d.RequestedName, &d.ApprovedBy, &d.ApprovedName, &approved, &d.RejectReason,
		&d.ReceivedBy, &d.ReceivedName, &d.ReceivedOn, &d.CreatedAt, &d.UpdatedAt, &d.FromName, &d.FromTown, &d.ToWareName)
	if approved.Valid {
		t := approved.Time
		d.ApprovedAt = &t
	}
	d.ToName = d.ToUnit
	return d, err
}

// dispatchScope limits dispatch rows to p: the county's staff see all,
// town staff the orders to their town or from its warehouses.
func dispatchScope(p *auth.Principal, w *store.Where) {
	w.Add("d.county_code = ?", p.CountyCode)
	switch p.Role {
	case auth.RoleTown:
		pre := p.RegionPrefix() + "%"
		w.Add("(d.to_town LIKE ? OR w.town_code LIKE ?)", pre, pre)
	case auth.RoleEnterprise:
		w.Add("1 = 0")
	}
}

func seesDispatch(p *auth.Principal, d Dispatch) bool {
	if d.CountyCode != p.CountyCode || p.Role == auth.RoleEnterprise {
		return false
	}
	if p.Role == auth.RoleTown {
		return p.RegionCode != "" && (strings.HasPrefix(d.ToTown, p.RegionCode) || strings.HasPrefix(d.FromTown, p.RegionCode))
	}
	return true
}

// DispatchFilter selects dispatch orders.
type DispatchFilter struct {
	State     string // a state, or "out" for dispatched and received
	Purpose   string
	Town      string // receiving town
	Warehouse string // from
	From, To  string // dispatch dates
	Q         string // number, receiver or partner
	// Orders keeps the dispatch orders written as such (调拨单), leaving out
	// the issues another module made for its own records (relief goods
	// handed to a household).
	Orders bool
	Limit  int
	Offset int
}

func (f DispatchFilter) where(p *auth.Principal) *store.Where {
	var w store.Where
	dispatchScope(p, &w)
	switch f.State {
	case "":
	case "out":
		w.Add("d.state IN (?, ?)", StateDispatched, StateReceived)
	default:
		w.Add("d.state = ?", f.State)
	}
	if f.Purpose != "" {
		w.Add("d.purpose = ?", f.Purpose)
	}
	if f.Orders {
		w.Add("d.source = ''")
	}
	if f.Town != "" {
		w.Add("d.to_town = ?", f.Town)
	}
	if f.Warehouse != "" {
		w.Add("d.from_warehouse = ?", f.Warehouse)
	}
	if f.From != "" {
		w.Add("d.dispatch_on >= ?", f.From)
	}
	if f.To != "" {
		w.Add("d.dispatch_on <= ?", f.To)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		l := store.Like(q)
		w.Add(`(d.number LIKE ? ESCAPE '\' OR d.to_unit LIKE ? ESCAPE '\' OR d.partner LIKE ? ESCAPE '\')`, l, l, l)
	}
	return &w
}

// Dispatches returns a page of orders in scope (newest first), with
// their lines, and the total.
func (s *Service) Dispatches(ctx context.Context, p *auth.Principal, f DispatchFilter) ([]Dispatch, int, error) {
	w := f.where(p)
	var total int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*)`+dispFrom+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count dispatches: %w", err)
	}
	if f.Limit <= 0 || f.Limit > 100000 {
		f.Limit = 100000
	}
	lim, off := w.Arg(f.Limit), w.Arg(f.Offset)
	rows, err := s.db.R().QueryContext(ctx, `SELECT `+dispCols+dispFrom+w.SQL()+` ORDER BY d.dispatch_on DESC, d.year DESC, d.seq DESC LIMIT `+lim+` OFFSET `+off, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("dispatches: %w", err)
	}
	var out []Dispatch
	for rows.Next() {
		d, err := scanDispatch(rows)
		if err != nil {
			rows.Close()
			return nil, 0, err
		}
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	for i := range out {
		if out[i].Lines, err = s.lines(ctx, s.db.R(), out[i].ID); err != nil {
			return nil, 0, err
		}
	}
	return out, total, nil
}

func (s *Service) lines(ctx context.Context, q store.Querier, dispatchID string) ([]DispatchLine, error) {
	rows, err := q.QueryContext(ctx, `SELECT l.id, l.dispatch_id, l.seq, l.item_id, l.quantity, l.received_qty, i.name, i.unit
		FROM supply_dispatch_line l JOIN supply_item i ON i.id = l.item_id WHERE l.dispatch_id = $1 ORDER BY l.seq`, dispatchID)
	if err != nil {
		return nil, fmt.Errorf("dispatch lines: %w", err)
	}
	defer rows.Close()
	var out []DispatchLine
	for rows.Next() {
		var l DispatchLine
		if err := rows.Scan(&l.ID, &l.DispatchID, &l.Seq, &l.ItemID, &l.Quantity, &l.ReceivedQty, &l.ItemName, &l.Unit); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

func (s *Service) dispatch(ctx context.Context, q store.Querier, id string) (Dispatch, error) {
	d, err := scanDispatch(q.QueryRowContext(ctx, `SELECT `+dispCols+dispFrom+` WHERE d.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Dispatch{}, errs.New(errs.NotFound, "not_found")
	}
	if err != nil {
		return Dispatch{}, fmt.Errorf("dispatch: %w", err)
	}
	d.Lines, err = s.lines(ctx, q, id)
	return d, err
}

// GetDispatch returns one order in scope with its lines.
func (s *Service) GetDispatch(ctx context.Context, p *auth.Principal, id string) (Dispatch, error) {
	d, err := s.dispatch(ctx, s.db.R(), id)
	if err != nil {
		return d, err
	}
	if !seesDispatch(p, d) {
		return Dispatch{}, errs.OutOfScope("supply_dispatch", id)
	}
	return d, nil
}

// RequestDispatch records an order awaiting approval (nothing leaves the
// warehouse yet). The requester keeps the warehouse it goes from.
func (s *Service) RequestDispatch(ctx context.Context, p *auth.Principal, in DispatchInput) (Dispatch, error) {
	var d Dispatch
	err := s.db.InTx(store.Serial(ctx), func(tx *store.Tx) error {
		var err error
		d, err = s.requestTx(ctx, tx, p, in, "")
		return err
	})
	return d, err
}

func (s *Service) requestTx(ctx context.Context, tx *store.Tx, p *auth.Principal, in DispatchInput, source string) (Dispatch, error) {
	if err := CheckDispatch(&in, s.Today()); err != nil {
		return Dispatch{}, err
	}
	from, err := s.warehouse(ctx, tx, in.FromWarehouse)
	if errs.Is(err, errs.NotFound) || err == nil && !seesWarehouse(p, from) {
		return Dispatch{}, errs.Field("from_warehouse", "supplies.warehouse_unknown", nil)
	}
	if err != nil {
		return Dispatch{}, err
	}
	if !CanKeep(p, from) {
		return Dispatch{}, errs.New(errs.Forbidden, "supplies.keep_forbidden")
	}
	if in.ToKind == ToTown && !strings.HasPrefix(in.ToTown, p.CountyCode) || in.ToTown != "" && len(in.ToTown) != 9 {
		return Dispatch{}, errs.Field("to_town", "supplies.town_unknown", nil)
	}
	if in.ToWarehouse != "" { // a town store (乡镇储备点) of the receiving town
		tw, err := s.warehouse(ctx, tx, in.ToWarehouse)
		switch {
		case errs.Is(err, errs.NotFound) || err == nil && (tw.CountyCode != p.CountyCode || tw.TownCode != in.ToTown || tw.Kind != "town"):
			return Dispatch{}, errs.Field("to_warehouse", "supplies.to_warehouse_not_in_town", nil)
		case err != nil:
			return Dispatch{}, err
		case tw.ID == from.ID:
			return Dispatch{}, errs.Field("to_warehouse", "supplies.to_warehouse_same", nil)
		}
	}
	for _, l := range in.Lines {
		it, err := s.item(ctx, tx, l.ItemID)
		if errs.Is(err, errs.NotFound) || err == nil && it.CountyCode != p.CountyCode {
			return Dispatch{}, errs.Field("lines", "supplies.item_unknown", nil)
		}
		if err != nil {
			return Dispatch{}, err
		}
	}
	year := in.Date[:4]
	var seq int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(max(seq), 0) + 1 FROM supply_dispatch WHERE county_code = $1 AND year = $2`, p.CountyCode, atoi(year)).Scan(&seq); err != nil {
		return Dispatch{}, fmt.Errorf("dispatch number: %w", err)
	}
	now := s.now().UTC()
	d := Dispatch{ID: ids.New(), CountyCode: p.CountyCode, Number: fmt.Sprintf("应急调〔%s〕%d号", year, seq), FromWarehouse: from.ID, ToKind: in.ToKind,
		ToTown: in.ToTown, ToUnit: in.ToUnit, ToWarehouse: in.ToWarehouse, Purpose: in.Purpose, Partner: in.Partner, Reason: in.Reason,
		DispatchOn: in.Date, State: StateRequested, Source: source, RequestedBy: p.UserID, RequestedName: displayName(p), CreatedAt: now, UpdatedAt: now,
		FromName: from.Name, FromTown: from.TownCode}
	_, err = tx.ExecContext(ctx, `INSERT INTO supply_dispatch (id, county_code, number, year, seq, from_warehouse, to_kind, to_town, to_unit, to_warehouse,
		purpose, partner, reason, dispatch_on, state, source, requested_by, requested_name, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20)`,
		d.ID, d.CountyCode, d.Number, atoi(year), seq, d.FromWarehouse, d.ToKind, d.ToTown, d.ToUnit, d.ToWarehouse, d.Purpose, d.Partner, d.Reason,
		d.DispatchOn, d.State, d.Source, d.RequestedBy, d.RequestedName, d.CreatedAt, d.UpdatedAt)
	if err != nil {
		return d, fmt.Errorf("insert dispatch: %w", err) // a number clash is retried by InTx as a serialization failure on PostgreSQL
	}
	for i, l := range in.Lines {
		line := DispatchLine{ID: ids.New(), DispatchID: d.ID, Seq: i + 1, ItemID: l.ItemID, Quantity: l.Quantity}
		if _, err := tx.ExecContext(ctx, `INSERT INTO supply_dispatch_line (id, dispatch_id, seq, item_id, quantity, received_qty) VALUES ($1,$2,$3,$4,$5,0)`,
			line.ID, line.DispatchID, line.Seq, line.ItemID, line.Quantity); err != nil {
			return d, fmt.Errorf("insert dispatch line: %w", err)
		}
	}
	if d.Lines, err = s.lines(ctx, tx, d.ID); err != nil {
		return d, err
	}
	return d, audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "supply_dispatch", EntityID: d.ID, Action: "create", After: d})
}

func atoi(s string) int64 {
	var n int64
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0
		}
		n = n*10 + int64(r-'0')
	}
	return n
}

// Approve approves an order (four eyes: not by its requester) and takes
// its goods out of the warehouse on its dispatch date, first-expiring
// batches first. If any line lacks stock nothing is taken (409 naming the
// item and what is there).
func (s *Service) Approve(ctx context.Context, p *auth.Principal, id string) (Dispatch, error) {
	var d Dispatch
	err := s.db.InTx(store.Serial(ctx), func(tx *store.Tx) error {
		var err error
		d, err = s.approveTx(ctx, tx, p, id)
		return err
	})
	return d, err
}

func (s *Service) approveTx(ctx context.Context, tx *store.Tx, p *auth.Principal, id string) (Dispatch, error) {
	d, err := s.dispatch(ctx, tx, id)
	if err != nil {
		return d, err
	}
	if !seesDispatch(p, d) {
		return Dispatch{}, errs.OutOfScope("supply_dispatch", id)
	}
	if !CanApproveRole(p) {
		return d, errs.New(errs.Forbidden, "supplies.approve_forbidden")
	}
	if err := CanApprove(d, p.UserID); err != nil {
		return d, err
	}
	if err := s.takeOut(ctx, tx, p, d); err != nil {
		return d, err
	}
	now := s.now().UTC()
	res, err := tx.ExecContext(ctx, `UPDATE supply_dispatch SET state = $2, approved_by = $3, approved_name = $4, approved_at = $5, updated_at = $5
		WHERE id = $1 AND state = $6`, d.ID, StateDispatched, p.UserID, displayName(p), now, StateRequested)
	if err != nil {
		return d, fmt.Errorf("approve dispatch: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return d, errs.New(errs.Conflict, "supplies.not_requested")
	}
	before := d.State
	d.State, d.ApprovedBy, d.ApprovedName, d.ApprovedAt = StateDispatched, p.UserID, displayName(p), &now
	return d, audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "supply_dispatch", EntityID: d.ID, Action: "approve",
		Before: map[string]any{"state": before}, After: map[string]any{"state": d.State, "number": d.Number}})
}

// takeOut takes every line of d out of its warehouse (调拨出库), all or
// nothing: the caller's transaction is rolled back on a refusal.
func (s *Service) takeOut(ctx context.Context, tx *store.Tx, p *auth.Principal, d Dispatch) error {
	for _, l := range d.Lines {
		rows, err := tx.QueryContext(ctx, `SELECT `+stockCols+stockFrom+` WHERE s.warehouse_id = $1 AND s.item_id = $2 AND s.quantity > 0`, d.FromWarehouse, l.ItemID)
		if err != nil {
			return fmt.Errorf("stock of %s: %w", l.ItemName, err)
		}
		var have []Stock
		for rows.Next() {
			x, err := scanStock(rows)
			if err != nil {
				rows.Close()
				return err
			}
			have = append(have, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		takes, available, ok := Plan(have, l.Quantity)
		if !ok {
			return insufficient(l.ItemName, l.Unit, available, l.Quantity)
		}
		byID := map[string]Stock{}
		for _, x := range have {
			byID[x.ID] = x
		}
		for _, t := range takes {
			done, err := s.change(ctx, tx, p, byID[t.StockID], MoveTransferOut, -t.Qty, d.DispatchOn, d.ID, d.Number)
			if err != nil {
				return err
			}
			if !done { // cannot happen inside one serial transaction; refuse rather than oversell
				return insufficient(l.ItemName, l.Unit, available, l.Quantity)
			}
		}
	}
	return nil
}

// Reject refuses an order awaiting approval (with a reason).
func (s *Service) Reject(ctx context.Context, p *auth.Principal, id, reason string) (Dispatch, error) {
	var d Dispatch
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		d, err = s.dispatch(ctx, tx, id)
		if err != nil {
			return err
		}
		if !seesDispatch(p, d) {
			return errs.OutOfScope("supply_dispatch", id)
		}
		if !CanApproveRole(p) {
			return errs.New(errs.Forbidden, "supplies.approve_forbidden")
		}
		if d.State != StateRequested {
			return errs.New(errs.Conflict, "supplies.not_requested")
		}
		if strings.TrimSpace(reason) == "" {
			return errs.Field("reason", "supplies.reject_reason_required", nil)
		}
		now := s.now().UTC()
		if _, err := tx.ExecContext(ctx, `UPDATE supply_dispatch SET state = $2, reject_reason = $3, approved_by = $4, approved_name = $5, approved_at = $6, updated_at = $6 WHERE id = $1`,
			id, StateRejected, strings.TrimSpace(reason), p.UserID, displayName(p), now); err != nil {
			return fmt.Errorf("reject dispatch: %w", err)
		}
		d.State, d.RejectReason = StateRejected, strings.TrimSpace(reason)
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "supply_dispatch", EntityID: id, Action: "reject",
			Before: map[string]any{"state": StateRequested}, After: map[string]any{"state": StateRejected, "reason": d.RejectReason}})
	})
	return d, err
}

// ReceiptInput is what the receiver confirms: per line ID the quantity
// that arrived (a missing line: all that was sent), the day and a note.
type ReceiptInput struct {
	Lines map[string]int64 `json:"lines"`
	Date  string           `json:"date"`
	Note  string           `json:"note"`
}

// CanReceive reports whether p confirms receipt of d: staff of the
// receiving town for an order to a town; administrators and section staff
// for an order to a unit (they record the unit's receipt).
func CanReceive(p *auth.Principal, d Dispatch) bool {
	switch d.ToKind {
	case ToTown:
		return p.Role == auth.RoleTown && p.RegionCode != "" && strings.HasPrefix(d.ToTown, p.RegionCode) ||
			p.Role == auth.RoleAdmin
	case ToUnit:
		return p.Is(auth.RoleAdmin, auth.RoleSection)
	}
	return false
}

// Receive confirms receipt. No line may receive more than was sent; a
// town warehouse named on the order takes the goods in (调拨入库, batch =
// the order number).
func (s *Service) Receive(ctx context.Context, p *auth.Principal, id string, in ReceiptInput) (Dispatch, error) {
	var d Dispatch
	err := s.db.InTx(store.Serial(ctx), func(tx *store.Tx) error {
		var err error
		d, err = s.receiveTx(ctx, tx, p, id, in)
		return err
	})
	return d, err
}

func (s *Service) receiveTx(ctx context.Context, tx *store.Tx, p *auth.Principal, id string, in ReceiptInput) (Dispatch, error) {
	d, err := s.dispatch(ctx, tx, id)
	if err != nil {
		return d, err
	}
	if !seesDispatch(p, d) {
		return Dispatch{}, errs.OutOfScope("supply_dispatch", id)
	}
	if !CanReceive(p, d) {
		return d, errs.New(errs.Forbidden, "supplies.receive_forbidden")
	}
	got, err := CheckReceipt(d, in.Lines)
	if err != nil {
		return d, err
	}
	if fe := checkDay(&in.Date, "date", s.Today()); fe != nil {
		return d, fe
	}
	if in.Date < d.DispatchOn {
		return d, errs.Field("date", "supplies.receipt_before_dispatch", map[string]any{"Date": d.DispatchOn})
	}
	now := s.now().UTC()
	for i, l := range d.Lines {
		q := got[l.ID]
		if _, err := tx.ExecContext(ctx, `UPDATE supply_dispatch_line SET received_qty = $2 WHERE id = $1`, l.ID, q); err != nil {
			return d, fmt.Errorf("receipt line: %w", err)
		}
		d.Lines[i].ReceivedQty = q
		if d.ToWarehouse == "" || q == 0 {
			continue
		}
		x, err := s.lineFor(ctx, tx, d.CountyCode, d.ToWarehouse, l.ItemID, d.Number, "", "")
		if err != nil {
			return d, err
		}
		if _, err := s.change(ctx, tx, p, x, MoveTransferIn, q, in.Date, d.ID, strings.TrimSpace(d.Number+" "+in.Note)); err != nil {
			return d, err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE supply_dispatch SET state = $2, received_by = $3, received_name = $4, received_on = $5, updated_at = $6 WHERE id = $1`,
		d.ID, StateReceived, p.UserID, displayName(p), in.Date, now); err != nil {
		return d, fmt.Errorf("receive dispatch: %w", err)
	}
	d.State, d.ReceivedBy, d.ReceivedName, d.ReceivedOn = StateReceived, p.UserID, displayName(p), in.Date
	return d, audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "supply_dispatch", EntityID: d.ID, Action: "receive",
		Before: map[string]any{"state": StateDispatched}, After: map[string]any{"state": StateReceived, "received": got, "date": in.Date, "note": in.Note}})
}

// IssueInput is goods issued by another module (e.g. relief goods to
// households): the module has approved the issue by its own procedure;
// Source names its record (e.g. "relief_payment:01J…").
type IssueInput struct {
	DispatchInput
	Source string `json:"source"`
}

// Issue takes goods out of a warehouse at once for another module: it
// records a dispatch order already dispatched (approved by p, the
// module's approver), with the same stock rules as Approve — all lines or
// nothing, never below zero, safe under concurrent calls. Other modules
// call it as
//
//	d, err := a.Supplies.Issue(ctx, p, supplies.IssueInput{DispatchInput: supplies.DispatchInput{
//		FromWarehouse: whID, ToKind: supplies.ToUnit, ToUnit: "某村委会", Purpose: "relief",
//		Date: "2022-01-26", Lines: []supplies.LineInput{{ItemID: quilt, Quantity: 2}}}, Source: "relief_household:01J…"})
//
// A refusal is an *errs.Error: 409 supplies.insufficient_stock (Args Item,
// Have, Want), 422 with fields, 403 when p does not keep the warehouse.
func (s *Service) Issue(ctx context.Context, p *auth.Principal, in IssueInput) (Dispatch, error) {
	var d Dispatch
	err := s.db.InTx(store.Serial(ctx), func(tx *store.Tx) error {
		var err error
		d, err = s.IssueTx(ctx, tx, p, in)
		return err
	})
	return d, err
}

// IssueTx is Issue inside the caller's transaction (which should be
// store.Serial on PostgreSQL when many run at once).
func (s *Service) IssueTx(ctx context.Context, tx *store.Tx, p *auth.Principal, in IssueInput) (Dispatch, error) {
	if strings.TrimSpace(in.Source) == "" {
		in.Source = "api"
	}
	d, err := s.requestTx(ctx, tx, p, in.DispatchInput, in.Source)
	if err != nil {
		return d, err
	}
	if err := s.takeOut(ctx, tx, p, d); err != nil {
		return d, err
	}
	now := s.now().UTC()
	if _, err := tx.ExecContext(ctx, `UPDATE supply_dispatch SET state = $2, approved_by = $3, approved_name = $4, approved_at = $5, updated_at = $5 WHERE id = $1`,
		d.ID, StateDispatched, p.UserID, displayName(p), now); err != nil {
		return d, fmt.Errorf("issue: %w", err)
	}
	d.State, d.ApprovedBy, d.ApprovedName, d.ApprovedAt = StateDispatched, p.UserID, displayName(p), &now
	return d, audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "supply_dispatch", EntityID: d.ID, Action: "dispatch_issue",
		After: map[string]any{"state": d.State, "number": d.Number, "source": d.Source}})
}
