package supplies

import (
	"testing"

	"yingji/internal/kit/errs"
)

func fieldOf(err error) string {
	if fs := errs.Fields(err); len(fs) > 0 {
		return fs[0].Field
	}
	if e, ok := errs.As(err); ok {
		return e.Message
	}
	return ""
}

func TestCheckDispatch(t *testing.T) {
	ok := func() DispatchInput {
		return DispatchInput{FromWarehouse: "w1", ToKind: ToTown, ToTown: "349901100", Purpose: "救灾", Date: "2022-01-26",
			Lines: []LineInput{{ItemID: "quilt", Quantity: 10}, {}}}
	}
	cases := []struct {
		name  string
		edit  func(*DispatchInput)
		field string // "" valid
	}{
		{"valid, purpose by label, empty form row dropped", func(*DispatchInput) {}, ""},
		{"no warehouse", func(d *DispatchInput) { d.FromWarehouse = "" }, "from_warehouse"},
		{"no town", func(d *DispatchInput) { d.ToTown = "" }, "to_town"},
		{"unit without name", func(d *DispatchInput) { d.ToKind = ToUnit }, "to_unit"},
		{"unknown receiver kind", func(d *DispatchInput) { d.ToKind = "x" }, "to_kind"},
		{"unknown purpose", func(d *DispatchInput) { d.Purpose = "party" }, "purpose"},
		{"future date", func(d *DispatchInput) { d.Date = "2022-07-01" }, "date"},
		{"bad date", func(d *DispatchInput) { d.Date = "2022-13-01" }, "date"},
		{"no lines", func(d *DispatchInput) { d.Lines = nil }, "lines"},
		{"zero quantity", func(d *DispatchInput) { d.Lines = []LineInput{{ItemID: "quilt"}} }, "lines"},
		{"negative quantity", func(d *DispatchInput) { d.Lines = []LineInput{{ItemID: "quilt", Quantity: -1}} }, "lines"},
		{"item twice", func(d *DispatchInput) { d.Lines = []LineInput{{ItemID: "q", Quantity: 1}, {ItemID: "q", Quantity: 2}} }, "lines"},
		{"quantity without item", func(d *DispatchInput) { d.Lines = []LineInput{{Quantity: 2}} }, "lines"},
	}
	for _, c := range cases {
		d := ok()
		c.edit(&d)
		err := CheckDispatch(&d, "2022-06-30")
		if got := fieldOf(err); got != c.field {
			t.Errorf("%s: field %q, want %q (%v)", c.name, got, c.field, err)
		}
		if c.field == "" && (d.Purpose != "relief" || len(d.Lines) != 1) {
			t.Errorf("%s: not normalised: %+v", c.name, d)
		}
	}
}

func TestFourEyes(t *testing.T) {
	d := Dispatch{State: StateRequested, RequestedBy: "u1"}
	if err := CanApprove(d, "u1"); !errs.Is(err, errs.Conflict) || fieldOf(err) != "supplies.four_eyes" {
		t.Errorf("requester approving: %v", err)
	}
	if err := CanApprove(d, "u2"); err != nil {
		t.Errorf("another person: %v", err)
	}
	for _, st := range []string{StateDispatched, StateReceived, StateRejected} {
		d.State = st
		if err := CanApprove(d, "u2"); !errs.Is(err, errs.Conflict) {
			t.Errorf("approving a %s order: %v", st, err)
		}
	}
}

func TestCheckReceipt(t *testing.T) {
	d := Dispatch{State: StateDispatched, Lines: []DispatchLine{{ID: "l1", Quantity: 10, ItemName: "棉被"}, {ID: "l2", Quantity: 5}}}
	cases := []struct {
		name  string
		got   map[string]int64
		want  map[string]int64
		field string
	}{
		{"all by default", nil, map[string]int64{"l1": 10, "l2": 5}, ""},
		{"less received", map[string]int64{"l1": 8}, map[string]int64{"l1": 8, "l2": 5}, ""},
		{"more than sent", map[string]int64{"l1": 11}, nil, "lines"},
		{"negative", map[string]int64{"l2": -1}, nil, "lines"},
		{"unknown line", map[string]int64{"x": 1}, nil, "lines"},
	}
	for _, c := range cases {
		out, err := CheckReceipt(d, c.got)
		if fieldOf(err) != c.field {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		for k, v := range c.want {
			if out[k] != v {
				t.Errorf("%s: %s = %d, want %d", c.name, k, out[k], v)
			}
		}
	}
	d.State = StateReceived
	if _, err := CheckReceipt(d, nil); !errs.Is(err, errs.Conflict) {
		t.Errorf("receiving twice: %v", err)
	}
}

func TestPlanTakesFirstExpiringFirst(t *testing.T) {
	lines := []Stock{
		{ID: "none", Batch: "a", Quantity: 100},
		{ID: "late", Batch: "b", ExpiresOn: "2023-01-01", Quantity: 5},
		{ID: "soon", Batch: "c", ExpiresOn: "2022-08-01", Quantity: 3},
	}
	cases := []struct {
		n     int64
		ok    bool
		takes []Take
	}{
		{2, true, []Take{{"soon", 2}}},
		{3, true, []Take{{"soon", 3}}},
		{7, true, []Take{{"soon", 3}, {"late", 4}}},
		{108, true, []Take{{"soon", 3}, {"late", 5}, {"none", 100}}},
		{109, false, nil},
		{0, false, nil},
	}
	for _, c := range cases {
		takes, avail, ok := Plan(lines, c.n)
		if ok != c.ok || avail != 108 || len(takes) != len(c.takes) {
			t.Errorf("n=%d: %v %d %v", c.n, takes, avail, ok)
			continue
		}
		for i := range takes {
			if takes[i] != c.takes[i] {
				t.Errorf("n=%d: take %d = %v, want %v", c.n, i, takes[i], c.takes[i])
			}
		}
	}
}

func TestCheckMove(t *testing.T) {
	cases := []struct {
		in    MoveInput
		field string
	}{
		{MoveInput{Kind: MoveIn, WarehouseID: "w", ItemID: "i", Quantity: 5}, ""},
		{MoveInput{Kind: MoveIn, WarehouseID: "w", ItemID: "i", Quantity: 0}, "quantity"},
		{MoveInput{Kind: MoveIn, ItemID: "i", Quantity: 1}, "warehouse_id"},
		{MoveInput{Kind: MoveIn, WarehouseID: "w", ItemID: "i", Quantity: 1, ExpiresOn: "soon"}, "expires_on"},
		{MoveInput{Kind: MoveOut, StockID: "s", Quantity: 1}, ""},
		{MoveInput{Kind: MoveOut, StockID: "s", Quantity: -3}, "quantity"},
		{MoveInput{Kind: MoveCount, StockID: "s", Quantity: 0}, ""},
		{MoveInput{Kind: MoveCount, StockID: "s", Quantity: -1}, "quantity"},
		{MoveInput{Kind: MoveTransferOut, StockID: "s", Quantity: 1}, "kind"},
		{MoveInput{Kind: MoveOut, StockID: "s", Quantity: 1, Date: "2022-07-01"}, "date"},
	}
	for i, c := range cases {
		if got := fieldOf(CheckMove(&c.in, "2022-06-30")); got != c.field {
			t.Errorf("case %d: field %q, want %q", i, got, c.field)
		}
	}
}

func TestValidateWarehouse(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	inside := func(lat, lng float64) bool { return lat > 30 && lat < 31 && lng > 118 && lng < 119 }
	cases := []struct {
		w     Warehouse
		field string
	}{
		{Warehouse{Name: "县储备库", Kind: "县级储备库", OwnerUnit: "县应急管理局", Lat: f(30.9), Lng: f(118.3)}, ""},
		{Warehouse{Name: "号料", Kind: "social", OwnerUnit: "超市"}, ""},
		{Warehouse{Name: "镇储备点", Kind: "town", OwnerUnit: "镇政府"}, "town_code"},
		{Warehouse{Name: "x", Kind: "county", OwnerUnit: "y", Lat: f(32), Lng: f(118.3)}, "lat"},
		{Warehouse{Name: "x", Kind: "county", OwnerUnit: "y", Lat: f(30.9)}, "lat"},
		{Warehouse{Name: "x", Kind: "depot", OwnerUnit: "y"}, "kind"},
		{Warehouse{Kind: "county", OwnerUnit: "y"}, "name"},
	}
	for i, c := range cases {
		if got := fieldOf(ValidateWarehouse(&c.w, inside)); got != c.field {
			t.Errorf("case %d: field %q, want %q", i, got, c.field)
		}
	}
}

func TestExpiryState(t *testing.T) {
	for _, c := range [][3]string{
		{"", "2022-06-30", ""},
		{"2022-06-29", "2022-06-30", AlertExpired},
		{"2022-06-30", "2022-06-30", AlertExpiring},
		{"2022-09-28", "2022-06-30", AlertExpiring},
		{"2022-09-29", "2022-06-30", ""},
	} {
		if got := ExpiryState(c[0], c[1]); got != c[2] {
			t.Errorf("ExpiryState(%s, %s) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
}

func TestValidateItem(t *testing.T) {
	it := Item{Name: " 棉被 ", Unit: "床", Category: "衣被", StatKey: "quilts"}
	if err := ValidateItem(&it); err != nil || it.Category != "clothing" || it.Name != "棉被" {
		t.Errorf("valid item: %v %+v", err, it)
	}
	for _, bad := range []Item{{Unit: "床", Category: "clothing"}, {Name: "x", Category: "clothing"}, {Name: "x", Unit: "y", Category: "food"},
		{Name: "x", Unit: "y", Category: "other", MinQty: -1}, {Name: "x", Unit: "y", Category: "other", StatKey: "Quilts!"}} {
		if ValidateItem(&bad) == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
}
