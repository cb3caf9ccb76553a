// Package supplies keeps the bureau's emergency supplies (应急物资): the
// item catalogue, the warehouses (county 储备库, town stores, enterprise
// stores and 社会号料 — goods held by others on call), the stock lines
// with batch, expiry and owner, the movement ledger (入库, 出库, 调拨,
// 盘点), the minimum-stock and expiry alerts, and dispatch orders (调拨单)
// from a warehouse to a town or unit, approved by a second person and
// confirmed by the receiver.
//
// Files: model.go (pure rules, table-tested), service.go (catalogue,
// warehouses, scope), stock.go (the ledger: every change of a stock line
// is a movement in the same transaction), dispatch.go (orders, approval,
// receipt, Issue for other modules), alerts.go (alerts and the sweep),
// figures.go (F-REL-2), ledger.go (Excel), pdf.go, http*.go, demo.go.
//
// Choices made here:
//
//   - A stock line is (warehouse, item, batch); its quantity is the sum of
//     its movements' deltas — the service never writes one without the
//     other, and TestLedgerBalances checks it on both engines.
//   - Stock never goes negative: a decrement is one guarded UPDATE
//     (quantity >= n) checked for its row count, under a CHECK constraint;
//     on PostgreSQL stock-changing transactions queue (store.Serial) so 100
//     concurrent dispatches neither fail on serialization nor oversell.
//   - A dispatch order takes goods out when it is approved (by someone
//     other than the requester: 四眼原则), first-expiring batches first; if
//     any line lacks stock nothing is taken and the refusal names the item.
//   - The receiver confirms what arrived (not more than was sent); a town
//     with a warehouse named on the order gets the goods into that store.
//   - Calendar dates are TEXT YYYY-MM-DD of the Shanghai calendar.
package supplies

import (
	"strings"
	"time"
	"unicode/utf8"

	"yingji/internal/kit/calendar"
	"yingji/internal/kit/codes"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/geo"
)

// Categories of items (物资类别): code, Chinese, English.
var Categories = codes.Triples([][3]string{
	{"clothing", "衣被", "Bedding and clothing"},
	{"tent", "帐篷", "Tents"},
	{"lifesaving", "救生", "Life-saving"},
	{"rescue", "抢险", "Rescue and repair"},
	{"lighting", "照明", "Lighting"},
	{"living", "生活", "Daily necessities"},
	{"other", "其他", "Other"},
})

// Warehouse kinds (仓库类型).
var WarehouseKinds = codes.Triples([][3]string{
	{"county", "县级储备库", "County store"},
	{"town", "乡镇储备点", "Town store"},
	{"enterprise", "企业储备", "Enterprise store"},
	{"social", "社会号料", "Goods on call (social)"},
})

// Movement kinds (出入库类型).
const (
	MoveIn          = "in"           // 入库
	MoveOut         = "out"          // 出库
	MoveTransferOut = "transfer_out" // 调拨出库
	MoveTransferIn  = "transfer_in"  // 调拨入库
	MoveCount       = "count"        // 盘点
)

// MoveKinds lists the movement kinds: code, Chinese, English.
var MoveKinds = codes.Triples([][3]string{
	{MoveIn, "入库", "Stock in"},
	{MoveOut, "出库", "Stock out"},
	{MoveTransferOut, "调拨出库", "Dispatched out"},
	{MoveTransferIn, "调拨入库", "Dispatched in"},
	{MoveCount, "盘点", "Stock count"},
})

// Dispatch purposes (用途).
var Purposes = codes.Triples([][3]string{
	{"relief", "救灾", "Disaster relief"},
	{"flood", "防汛抢险", "Flood control"},
	{"fire", "森林防火", "Forest fire"},
	{"other", "其他", "Other"},
})

// Dispatch states.
const (
	StateRequested  = "requested"  // 待审批
	StateDispatched = "dispatched" // 已发出 (approved, goods out)
	StateReceived   = "received"   // 已签收
	StateRejected   = "rejected"   // 未批准
)

// States lists the dispatch states: code, Chinese, English.
var States = codes.Triples([][3]string{
	{StateRequested, "待审批", "Awaiting approval"},
	{StateDispatched, "已发出", "Dispatched"},
	{StateReceived, "已签收", "Received"},
	{StateRejected, "未批准", "Rejected"},
})

// Receiver kinds of a dispatch.
const (
	ToTown = "town"
	ToUnit = "unit"
)

// CategoryLabel, WarehouseKindLabel, MoveKindLabel, PurposeLabel and
// StateLabel name codes for people.
func CategoryLabel(c, lang string) string      { return Categories.Label(c, lang) }
func WarehouseKindLabel(c, lang string) string { return WarehouseKinds.Label(c, lang) }
func MoveKindLabel(c, lang string) string      { return MoveKinds.Label(c, lang) }
func PurposeLabel(c, lang string) string       { return Purposes.Label(c, lang) }
func StateLabel(c, lang string) string         { return States.Label(c, lang) }

// maxText bounds short text fields.
const maxText = 200

func tooLong(s string) bool { return utf8.RuneCountInString(s) > maxText }

// Item is one kind of goods in the catalogue (物资目录).
type Item struct {
	ID         string    `json:"id"`
	CountyCode string    `json:"county_code"`
	Name       string    `json:"name"`
	Unit       string    `json:"unit"`
	Category   string    `json:"category"`
	Spec       string    `json:"spec"`
	MinQty     int64     `json:"min_qty"`
	StatKey    string    `json:"stat_key"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// ValidateItem checks an item's fields (and normalises them).
func ValidateItem(it *Item) error {
	var fe errs.FieldErrors
	it.Name, it.Unit, it.Spec, it.StatKey = strings.TrimSpace(it.Name), strings.TrimSpace(it.Unit), strings.TrimSpace(it.Spec), strings.TrimSpace(it.StatKey)
	if it.Name == "" {
		fe = append(fe, errs.Field("name", "field.required", nil))
	} else if tooLong(it.Name) {
		fe = append(fe, errs.Field("name", "supplies.too_long", nil))
	}
	if it.Unit == "" {
		fe = append(fe, errs.Field("unit", "field.required", nil))
	}
	if c, ok := Categories.Lookup(it.Category); ok {
		it.Category = c
	} else {
		fe = append(fe, errs.Field("category", "supplies.category_invalid", nil))
	}
	if it.MinQty < 0 {
		fe = append(fe, errs.Field("min_qty", "supplies.qty_negative", nil))
	}
	if it.StatKey != "" && strings.Trim(it.StatKey, "abcdefghijklmnopqrstuvwxyz_") != "" {
		fe = append(fe, errs.Field("stat_key", "supplies.stat_key_invalid", nil))
	}
	return fe.Err()
}

// Bounds checks that a point lies in the county (nil: not checked).
type Bounds interface {
	Contains(lat, lng float64) bool
}

// Warehouse is a store of goods (储备库/储备点/社会号料).
type Warehouse struct {
	ID         string    `json:"id"`
	CountyCode string    `json:"county_code"`
	Name       string    `json:"name"`
	Kind       string    `json:"kind"`
	OwnerUnit  string    `json:"owner_unit"`
	TownCode   string    `json:"town_code"`
	Address    string    `json:"address"`
	Lat        *float64  `json:"lat"`
	Lng        *float64  `json:"lng"`
	Keeper     string    `json:"keeper"`
	Phone      string    `json:"phone"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	// EnterpriseID names the enterprise keeping an enterprise store
	// (kind enterprise; '' for none); EnterpriseName is filled on save.
	EnterpriseID   string `json:"enterprise_id,omitempty"`
	EnterpriseName string `json:"enterprise_name,omitempty"`
}

// LayerFilter is the warehouses layer's select above the county map: the
// warehouse kind (县级储备库, 乡镇储备点, 企业储备, 社会号料).
func LayerFilter() geo.Filter {
	f := geo.Filter{Name: "warehouse_kind", All: "supplies.all_kinds"}
	for _, k := range WarehouseKinds {
		f.Choices = append(f.Choices, geo.Choice{Value: k.Value, MsgID: "supplies.kind." + k.Value})
	}
	return f
}

// ValidateWarehouse checks a warehouse's fields: a town store lies in a
// town; coordinates come in pairs and inside the county (inside may be
// nil when the county's extent is unknown).
func ValidateWarehouse(w *Warehouse, inside func(lat, lng float64) bool) error {
	var fe errs.FieldErrors
	w.Name, w.OwnerUnit, w.Address = strings.TrimSpace(w.Name), strings.TrimSpace(w.OwnerUnit), strings.TrimSpace(w.Address)
	if w.Name == "" {
		fe = append(fe, errs.Field("name", "field.required", nil))
	} else if tooLong(w.Name) {
		fe = append(fe, errs.Field("name", "supplies.too_long", nil))
	}
	if c, ok := WarehouseKinds.Lookup(w.Kind); ok {
		w.Kind = c
	} else {
		fe = append(fe, errs.Field("kind", "supplies.kind_invalid", nil))
	}
	if w.Kind == "town" && w.TownCode == "" {
		fe = append(fe, errs.Field("town_code", "supplies.town_required", nil))
	}
	w.EnterpriseID = strings.TrimSpace(w.EnterpriseID)
	if w.EnterpriseID != "" && w.Kind != "enterprise" {
		fe = append(fe, errs.Field("enterprise_id", "supplies.enterprise_kind", nil))
	}
	if w.OwnerUnit == "" {
		fe = append(fe, errs.Field("owner_unit", "field.required", nil))
	}
	switch {
	case (w.Lat == nil) != (w.Lng == nil):
		fe = append(fe, errs.Field("lat", "enterprise.latlng_pair", nil))
	case w.Lat != nil && (*w.Lat < -90 || *w.Lat > 90 || *w.Lng < -180 || *w.Lng > 180):
		fe = append(fe, errs.Field("lat", "enterprise.latlng_invalid", nil))
	case w.Lat != nil && inside != nil && !inside(*w.Lat, *w.Lng):
		fe = append(fe, errs.Field("lat", "supplies.latlng_outside", nil))
	}
	return fe.Err()
}

// Stock is one stock line (库存): an item's batch in a warehouse.
type Stock struct {
	ID          string    `json:"id"`
	CountyCode  string    `json:"county_code"`
	WarehouseID string    `json:"warehouse_id"`
	ItemID      string    `json:"item_id"`
	Batch       string    `json:"batch"`
	ExpiresOn   string    `json:"expires_on"`
	Owner       string    `json:"owner"`
	Quantity    int64     `json:"quantity"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// Read with the line, for lists.
	WarehouseName string `json:"warehouse_name"`
	ItemName      string `json:"item_name"`
	Unit          string `json:"unit"`
	TownCode      string `json:"town_code"`
	EnterpriseID  string `json:"enterprise_id,omitempty"` // the enterprise keeping the warehouse
}

// Movement is one entry of the stock ledger (出入库记录).
type Movement struct {
	ID          string    `json:"id"`
	CountyCode  string    `json:"county_code"`
	StockID     string    `json:"stock_id"`
	WarehouseID string    `json:"warehouse_id"`
	ItemID      string    `json:"item_id"`
	Kind        string    `json:"kind"`
	Delta       int64     `json:"delta"`
	MovedOn     string    `json:"moved_on"`
	DispatchID  string    `json:"dispatch_id"`
	Note        string    `json:"note"`
	ByUser      string    `json:"by_user"`
	ByName      string    `json:"by_name"`
	CreatedAt   time.Time `json:"created_at"`
	// Read with the entry, for lists.
	WarehouseName string `json:"warehouse_name"`
	ItemName      string `json:"item_name"`
	Unit          string `json:"unit"`
	Batch         string `json:"batch"`
	DispatchNo    string `json:"dispatch_number"`
}

// MoveInput is a movement asked for by a form, the API or an import.
// In (入库) names the warehouse, item and batch (the line is created when
// new); Out (出库) and Count (盘点) name the stock line.
type MoveInput struct {
	Kind        string `json:"kind"` // in | out | count
	StockID     string `json:"stock_id"`
	WarehouseID string `json:"warehouse_id"`
	ItemID      string `json:"item_id"`
	Batch       string `json:"batch"`
	ExpiresOn   string `json:"expires_on"`
	Owner       string `json:"owner"`
	Quantity    int64  `json:"quantity"` // in/out: how many; count: the counted quantity
	Date        string `json:"date"`
	Note        string `json:"note"`
}

// CheckMove checks a movement's own fields on day today (references and
// stock are the service's). It normalises dates.
func CheckMove(in *MoveInput, today string) error {
	var fe errs.FieldErrors
	switch in.Kind {
	case MoveIn:
		if in.WarehouseID == "" {
			fe = append(fe, errs.Field("warehouse_id", "field.required", nil))
		}
		if in.ItemID == "" {
			fe = append(fe, errs.Field("item_id", "field.required", nil))
		}
		if in.Quantity <= 0 {
			fe = append(fe, errs.Field("quantity", "supplies.qty_positive", nil))
		}
		if in.ExpiresOn != "" {
			d, ok := ParseDate(in.ExpiresOn)
			if !ok {
				fe = append(fe, errs.Field("expires_on", "supplies.date_invalid", nil))
			}
			in.ExpiresOn = d
		}
		in.Batch, in.Owner = strings.TrimSpace(in.Batch), strings.TrimSpace(in.Owner)
		if tooLong(in.Batch) || tooLong(in.Owner) {
			fe = append(fe, errs.Field("batch", "supplies.too_long", nil))
		}
	case MoveOut:
		if in.StockID == "" {
			fe = append(fe, errs.Field("stock_id", "field.required", nil))
		}
		if in.Quantity <= 0 {
			fe = append(fe, errs.Field("quantity", "supplies.qty_positive", nil))
		}
	case MoveCount:
		if in.StockID == "" {
			fe = append(fe, errs.Field("stock_id", "field.required", nil))
		}
		if in.Quantity < 0 {
			fe = append(fe, errs.Field("quantity", "supplies.qty_negative", nil))
		}
	default:
		fe = append(fe, errs.Field("kind", "supplies.move_kind_invalid", nil))
	}
	if err := checkDay(&in.Date, "date", today); err != nil {
		fe = append(fe, err)
	}
	return fe.Err()
}

// checkDay normalises a date field (empty: today) and refuses a date in
// the future.
func checkDay(d *string, field, today string) *errs.Error {
	if *d == "" {
		*d = today
		return nil
	}
	x, ok := ParseDate(*d)
	if !ok {
		return errs.Field(field, "supplies.date_invalid", nil)
	}
	*d = x
	if x > today {
		return errs.Field(field, "supplies.date_future", map[string]any{"Today": today})
	}
	return nil
}

// ParseDate reads a calendar date (2022-01-26, 2022/1/26, 2022年1月26日).
func ParseDate(s string) (string, bool) {
	t, err := calendar.ParseDay(strings.TrimSpace(s))
	if err != nil {
		return "", false
	}
	return t.Format(calendar.DateLayout), true
}

// Take is how much to take from one stock line.
type Take struct {
	StockID string
	Qty     int64
}

// Plan decides which stock lines give n of an item: the first-expiring
// batches first (lines without expiry last, then by batch), never more
// than a line holds. ok is false when the lines hold less than n in all.
// lines must all be of the same item and warehouse.
func Plan(lines []Stock, n int64) (takes []Take, available int64, ok bool) {
	sorted := make([]Stock, len(lines))
	copy(sorted, lines)
	less := func(a, b Stock) bool {
		switch {
		case a.ExpiresOn == "" && b.ExpiresOn != "":
			return false
		case a.ExpiresOn != "" && b.ExpiresOn == "":
			return true
		case a.ExpiresOn != b.ExpiresOn:
			return a.ExpiresOn < b.ExpiresOn
		}
		return a.Batch < b.Batch
	}
	for i := 1; i < len(sorted); i++ {
		for j := i; j > 0 && less(sorted[j], sorted[j-1]); j-- {
			sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
		}
	}
	for _, l := range sorted {
		available += l.Quantity
	}
	if n <= 0 || available < n {
		return nil, available, false
	}
	left := n
	for _, l := range sorted {
		if left == 0 {
			break
		}
		if l.Quantity <= 0 {
			continue
		}
		q := min(l.Quantity, left)
		takes = append(takes, Take{StockID: l.ID, Qty: q})
		left -= q
	}
	return takes, available, true
}

// Dispatch is a dispatch order (调拨单).
type Dispatch struct {
	ID            string         `json:"id"`
	CountyCode    string         `json:"county_code"`
	Number        string         `json:"number"`
	FromWarehouse string         `json:"from_warehouse"`
	ToKind        string         `json:"to_kind"`
	ToTown        string         `json:"to_town"`
	ToUnit        string         `json:"to_unit"`
	ToWarehouse   string         `json:"to_warehouse"`
	Purpose       string         `json:"purpose"`
	Partner       string         `json:"partner"`
	Reason        string         `json:"reason"`
	DispatchOn    string         `json:"dispatch_on"`
	State         string         `json:"state"`
	Source        string         `json:"source"`
	RequestedBy   string         `json:"requested_by"`
	RequestedName string         `json:"requested_name"`
	ApprovedBy    string         `json:"approved_by"`
	ApprovedName  string         `json:"approved_name"`
	ApprovedAt    *time.Time     `json:"approved_at"`
	RejectReason  string         `json:"reject_reason"`
	ReceivedBy    string         `json:"received_by"`
	ReceivedName  string         `json:"received_name"`
	ReceivedOn    string         `json:"received_on"`
	CreatedAt     time.Time      `json:"created_at"`
	UpdatedAt     time.Time      `json:"updated_at"`
	Lines         []DispatchLine `json:"lines"`
	// Read with the order, for lists and pages.
	FromName   string `json:"from_name"`
	ToName     string `json:"to_name"`
	ToWareName string `json:"to_warehouse_name"`
	FromTown   string `json:"from_town"`
}

// DispatchLine is one item of a dispatch order.
type DispatchLine struct {
	ID          string `json:"id"`
	DispatchID  string `json:"dispatch_id"`
	Seq         int    `json:"seq"`
	ItemID      string `json:"item_id"`
	Quantity    int64  `json:"quantity"`
	ReceivedQty int64  `json:"received_qty"`
	ItemName    string `json:"item_name"`
	Unit        string `json:"unit"`
}

// Total is the number of goods on the order.
func (d Dispatch) Total() int64 {
	var n int64
	for _, l := range d.Lines {
		n += l.Quantity
	}
	return n
}

// LineInput is one item asked for.
type LineInput struct {
	ItemID   string `json:"item_id"`
	Quantity int64  `json:"quantity"`
}

// DispatchInput is a dispatch order asked for.
type DispatchInput struct {
	FromWarehouse string      `json:"from_warehouse"`
	ToKind        string      `json:"to_kind"` // town | unit
	ToTown        string      `json:"to_town"`
	ToUnit        string      `json:"to_unit"`
	ToWarehouse   string      `json:"to_warehouse"`
	Purpose       string      `json:"purpose"`
	Partner       string      `json:"partner"`
	Reason        string      `json:"reason"`
	Date          string      `json:"date"`
	Lines         []LineInput `json:"lines"`
}

// CheckDispatch checks an order's own fields on day today: a receiver, a
// purpose, at least one line, positive quantities, each item once.
func CheckDispatch(in *DispatchInput, today string) error {
	var fe errs.FieldErrors
	if in.FromWarehouse == "" {
		fe = append(fe, errs.Field("from_warehouse", "field.required", nil))
	}
	in.ToUnit, in.Partner, in.Reason = strings.TrimSpace(in.ToUnit), strings.TrimSpace(in.Partner), strings.TrimSpace(in.Reason)
	switch in.ToKind {
	case ToTown:
		if in.ToTown == "" {
			fe = append(fe, errs.Field("to_town", "field.required", nil))
		}
		in.ToUnit = ""
	case ToUnit:
		if in.ToUnit == "" {
			fe = append(fe, errs.Field("to_unit", "field.required", nil))
		}
		in.ToTown, in.ToWarehouse = "", ""
	default:
		fe = append(fe, errs.Field("to_kind", "supplies.to_kind_invalid", nil))
	}
	if c, ok := Purposes.Lookup(in.Purpose); ok {
		in.Purpose = c
	} else {
		fe = append(fe, errs.Field("purpose", "supplies.purpose_invalid", nil))
	}
	if tooLong(in.Partner) || tooLong(in.ToUnit) {
		fe = append(fe, errs.Field("partner", "supplies.too_long", nil))
	}
	if err := checkDay(&in.Date, "date", today); err != nil {
		fe = append(fe, err)
	}
	var lines []LineInput
	seen := map[string]bool{}
	for _, l := range in.Lines {
		if l.ItemID == "" && l.Quantity == 0 {
			continue // an empty row of the form
		}
		switch {
		case l.ItemID == "":
			fe = append(fe, errs.Field("lines", "supplies.line_item_required", nil))
		case l.Quantity <= 0:
			fe = append(fe, errs.Field("lines", "supplies.qty_positive", nil))
		case seen[l.ItemID]:
			fe = append(fe, errs.Field("lines", "supplies.line_duplicate", nil))
		}
		seen[l.ItemID] = true
		lines = append(lines, l)
	}
	if len(lines) == 0 {
		fe = append(fe, errs.Field("lines", "supplies.lines_required", nil))
	}
	in.Lines = lines
	return fe.Err()
}

// CanApprove is the four-eyes rule: an order is approved by someone other
// than its requester, and only while it waits.
func CanApprove(d Dispatch, userID string) error {
	if d.State != StateRequested {
		return errs.New(errs.Conflict, "supplies.not_requested")
	}
	if d.RequestedBy == userID {
		return errs.New(errs.Conflict, "supplies.four_eyes")
	}
	return nil
}

// CheckReceipt checks the received quantities against what was sent: the
// order must be dispatched, and no line may receive more than was sent
// or less than nothing. got maps line ID → quantity; a missing line
// receives all that was sent.
func CheckReceipt(d Dispatch, got map[string]int64) (map[string]int64, error) {
	if d.State != StateDispatched {
		return nil, errs.New(errs.Conflict, "supplies.not_dispatched")
	}
	out := map[string]int64{}
	for id := range got {
		found := false
		for _, l := range d.Lines {
			found = found || l.ID == id
		}
		if !found {
			return nil, errs.Field("lines", "supplies.line_unknown", nil)
		}
	}
	for _, l := range d.Lines {
		q, ok := got[l.ID]
		if !ok {
			q = l.Quantity
		}
		if q < 0 {
			return nil, errs.Field("lines", "supplies.qty_negative", nil)
		}
		if q > l.Quantity {
			return nil, errs.Field("lines", "supplies.receipt_over", map[string]any{"Item": l.ItemName, "Sent": l.Quantity, "Got": q})
		}
		out[l.ID] = q
	}
	return out, nil
}

// Alert kinds.
const (
	AlertLow      = "low"      // below the item's minimum
	AlertExpiring = "expiring" // expires within ExpiryDays
	AlertExpired  = "expired"
)

// ExpiryDays is how long before expiry a batch is flagged.
const ExpiryDays = 90

// ExpiryState tells whether a batch expiring on exp is expired, expiring
// (within ExpiryDays of today) or fine ("").
func ExpiryState(exp, today string) string {
	if exp == "" {
		return ""
	}
	if exp < today {
		return AlertExpired
	}
	t, err := calendar.ParseDay(today)
	if err != nil {
		return ""
	}
	if exp <= t.AddDate(0, 0, ExpiryDays).Format(calendar.DateLayout) {
		return AlertExpiring
	}
	return ""
}
