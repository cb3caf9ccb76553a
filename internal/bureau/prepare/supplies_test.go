package prepare_test

import (
	"context"
	"testing"
	"time"

	"yingji/internal/bureau/prepare"
	"yingji/internal/bureau/supplies"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

// TestAssessmentCountsEnterpriseSupplies wires the Supplies hook to the
// supplies service (as internal/app does): an enterprise whose own store
// holds goods scores more than one without, a store emptied by the
// assessed month no longer counts, and the store's last movement counts
// for freshness.
func TestAssessmentCountsEnterpriseSupplies(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		now := time.Date(2022, 6, 30, 2, 0, 0, 0, time.UTC)
		sup := supplies.New(db, nil, func() time.Time { return now }, nil, nil)
		sup.Enterprise = func(ctx context.Context, county, ref string) (string, string, string, bool, error) {
			e, err := f.ent.Get(ctx, f.admin, ref)
			if err != nil {
				return "", "", "", false, nil
			}
			return e.ID, e.Name, e.TownCode, true, nil
		}
		f.svc.Supplies = func(ctx context.Context, county, asOf string) (map[string]prepare.SupplyFacts, error) {
			held, err := sup.EnterpriseStocks(ctx, county, asOf)
			out := map[string]prepare.SupplyFacts{}
			for id, x := range held {
				out[id] = prepare.SupplyFacts{Has: x.Quantity > 0, UpdatedOn: x.UpdatedOn}
			}
			return out, err
		}
		quilt, err := sup.SaveItem(ctx, f.admin, supplies.Item{Name: "棉被", Unit: "床", Category: "clothing"})
		if err != nil {
			t.Fatal(err)
		}
		// The mill's own account keeps its store.
		w, err := sup.SaveWarehouse(ctx, f.millAcct, supplies.Warehouse{Name: "宏达铸造应急物资室", OwnerUnit: "示例县宏达铸造有限公司"})
		if err != nil {
			t.Fatal(err)
		}
		line, err := sup.Move(ctx, f.millAcct, supplies.MoveInput{Kind: supplies.MoveIn, WarehouseID: w.ID, ItemID: quilt.ID, Quantity: 20, Date: "2022-03-01"})
		if err != nil {
			t.Fatal(err)
		}
		score := func(month string) map[string]prepare.Score {
			t.Helper()
			a, err := f.svc.Assess(ctx, f.admin, month, nil)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]prepare.Score{}
			for _, sc := range a.Enterprises {
				out[sc.EnterpriseID] = sc
			}
			return out
		}
		s := score("2022-04")
		mill, mine := s[f.mill.ID], s[f.mine.ID]
		if !mill.Supplies || mill.Score <= mine.Score || mill.Score != prepare.WeightSupplies || mine.Supplies {
			t.Fatalf("April: mill %+v, mine %+v", mill, mine)
		}
		if mill.Freshness != 60 || mine.Freshness != -1 { // 2022-03-01 → 2022-04-30
			t.Fatalf("April freshness: mill %d, mine %d", mill.Freshness, mine.Freshness)
		}
		// Before the goods came in, nothing counted.
		if s := score("2022-02"); s[f.mill.ID].Supplies || s[f.mill.ID].Score != 0 || s[f.mill.ID].Freshness != -1 {
			t.Fatalf("February: %+v", s[f.mill.ID])
		}
		// Emptied on 5-10: no supplies in June, but the movement is fresh.
		if _, err := sup.Move(ctx, f.millAcct, supplies.MoveInput{Kind: supplies.MoveOut, StockID: line.ID, Quantity: 20, Date: "2022-05-10"}); err != nil {
			t.Fatal(err)
		}
		if s := score("2022-06"); s[f.mill.ID].Supplies || s[f.mill.ID].Freshness != 51 {
			t.Fatalf("June: %+v", s[f.mill.ID])
		}
		// The mine's account cannot see or stock the mill's store.
		mineAcct := *f.millAcct
		mineAcct.EnterpriseID = f.mine.ID
		if _, err := sup.Move(ctx, &mineAcct, supplies.MoveInput{Kind: supplies.MoveIn, WarehouseID: w.ID, ItemID: quilt.ID, Quantity: 1, Date: "2022-06-01"}); err == nil {
			t.Fatal("the mine stocked the mill's store")
		}
	})
}
