package supplies_test

import (
	"context"
	"strings"
	"testing"

	"yingji/internal/auth"
	"yingji/internal/errs"
	"yingji/internal/store"
	"yingji/internal/store/storetest"
	"yingji/internal/supplies"
)

// TestEnterpriseStores: a warehouse of kind enterprise names its
// enterprise; that enterprise's accounts see and keep it (and nothing
// else), other enterprises never see it, and EnterpriseStocks reads what
// it held on a day from the ledger.
func TestEnterpriseStores(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		known := map[string][3]string{"甲化工有限公司": {"e1", "甲化工有限公司", "349901101"}, "e1": {"e1", "甲化工有限公司", "349901101"},
			"e2": {"e2", "乙矿业有限公司", "349901102"}}
		f.svc.Enterprise = func(_ context.Context, c, ref string) (string, string, string, bool, error) {
			x, ok := known[ref]
			if c != county || !ok {
				return "", "", "", false, nil
			}
			return x[0], x[1], x[2], true, nil
		}
		ent1 := &auth.Principal{UserID: "u-e1", Username: "e1", Role: auth.RoleEnterprise, CountyCode: county, EnterpriseID: "e1", UnitName: "甲化工有限公司"}
		ent2 := &auth.Principal{UserID: "u-e2", Username: "e2", Role: auth.RoleEnterprise, CountyCode: county, EnterpriseID: "e2"}

		// Staff name the enterprise by name; the town comes from the enterprise.
		w1, err := f.svc.SaveWarehouse(ctx, admin, supplies.Warehouse{Name: "甲化工应急物资库", Kind: "enterprise", OwnerUnit: "甲化工有限公司", EnterpriseID: "甲化工有限公司"})
		if err != nil {
			t.Fatal(err)
		}
		if w1.EnterpriseID != "e1" || w1.TownCode != "349901101" {
			t.Fatalf("enterprise store: %+v", w1)
		}
		// Only an enterprise store names an enterprise; an unknown one is refused.
		_, err = f.svc.SaveWarehouse(ctx, admin, supplies.Warehouse{Name: "错", Kind: "county", OwnerUnit: "县局", EnterpriseID: "e1"})
		if err == nil || !strings.Contains(err.Error(), "(enterprise_id)") {
			t.Fatalf("county store naming an enterprise: %v", err)
		}
		_, err = f.svc.SaveWarehouse(ctx, admin, supplies.Warehouse{Name: "错2", Kind: "enterprise", OwnerUnit: "丙", EnterpriseID: "丙公司"})
		if err == nil || !strings.Contains(err.Error(), "(enterprise_id)") {
			t.Fatalf("unknown enterprise: %v", err)
		}

		// The enterprise account sees its store only.
		list, _, err := f.svc.Warehouses(ctx, ent1, supplies.WarehouseFilter{})
		if err != nil || len(list) != 1 || list[0].ID != w1.ID {
			t.Fatalf("ent1 warehouses: %v %+v", err, list)
		}
		if list, _, _ := f.svc.Warehouses(ctx, ent2, supplies.WarehouseFilter{}); len(list) != 0 {
			t.Fatalf("ent2 sees %+v", list)
		}
		if _, err := f.svc.Warehouse(ctx, ent2, w1.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("ent2 reads ent1's store: %v", err)
		}
		if _, err := f.svc.Warehouse(ctx, ent1, f.store.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("ent1 reads the county store: %v", err)
		}
		// ent2 keeps its own store: kind and enterprise are forced.
		w2, err := f.svc.SaveWarehouse(ctx, ent2, supplies.Warehouse{Name: "乙矿业物资室", Kind: "county", OwnerUnit: "乙矿业有限公司", EnterpriseID: "e1"})
		if err != nil {
			t.Fatal(err)
		}
		if w2.Kind != "enterprise" || w2.EnterpriseID != "e2" || w2.TownCode != "349901102" {
			t.Fatalf("ent2's own store: %+v", w2)
		}
		// ent2 cannot rename ent1's store.
		w1b := w1
		w1b.Name = "改名"
		if _, err := f.svc.SaveWarehouse(ctx, ent2, w1b); err == nil {
			t.Fatal("ent2 changed ent1's store")
		}

		// Stock: ent1 stocks its own store, not the county store.
		if _, err := f.svc.Move(ctx, ent1, supplies.MoveInput{Kind: supplies.MoveIn, WarehouseID: f.store.ID, ItemID: f.quilt.ID, Quantity: 5, Date: "2022-03-01"}); err == nil {
			t.Fatal("ent1 stocked the county store")
		}
		line, err := f.svc.Move(ctx, ent1, supplies.MoveInput{Kind: supplies.MoveIn, WarehouseID: w1.ID, ItemID: f.quilt.ID, Quantity: 20, Date: "2022-03-01"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Move(ctx, ent1, supplies.MoveInput{Kind: supplies.MoveOut, StockID: line.ID, Quantity: 20, Date: "2022-05-10"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.StockLine(ctx, ent2, line.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("ent2 reads ent1's stock: %v", err)
		}
		lines, _, err := f.svc.StockLines(ctx, ent1, supplies.StockFilter{})
		if err != nil || len(lines) != 1 {
			t.Fatalf("ent1 stock: %v %+v", err, lines)
		}
		// What the stores held, by day, from the ledger.
		for _, c := range []struct {
			asOf string
			qty  int64
			on   string
		}{{"2022-02-28", 0, ""}, {"2022-03-31", 20, "2022-03-01"}, {"2022-05-31", 0, "2022-05-10"}} {
			held, err := f.svc.EnterpriseStocks(ctx, county, c.asOf)
			if err != nil {
				t.Fatal(err)
			}
			if got := held["e1"]; got.Quantity != c.qty || got.UpdatedOn != c.on {
				t.Errorf("as of %s: %+v, want %d on %q", c.asOf, got, c.qty, c.on)
			}
			if _, ok := held["e2"]; ok {
				t.Errorf("as of %s: e2 without movements listed", c.asOf)
			}
		}
	})
}
