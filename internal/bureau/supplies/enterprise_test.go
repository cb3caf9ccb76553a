package supplies_test

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"yingji/internal/bureau/supplies"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
	"yingji/internal/kit/xlsx"
	"yingji/internal/kit/xlsx/xlsxtest"
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

// TestEnterpriseStoreImport: the warehouses file names an enterprise store's
// enterprise by name (its town follows); an unknown enterprise or an
// enterprise on a county store is refused by row and column, nothing
// imported; the export writes the enterprise's name back.
func TestEnterpriseStoreImport(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		f.svc.Enterprise = func(_ context.Context, c, ref string) (string, string, string, bool, error) {
			if ref == "甲化工有限公司" || ref == "e1" {
				return "e1", "甲化工有限公司", "349901101", true, nil
			}
			return "", "", "", false, nil
		}
		var l *ledger.Ledger
		for _, x := range f.svc.Ledgers() {
			if x.Kind == "warehouses" {
				l = x
			}
		}
		// 仓库名称 仓库类型 管理单位 所在乡镇 地址 经度 纬度 仓库管理员 联系电话 所属企业
		rows := [][]any{
			{"甲化工应急物资库", "企业储备", "甲化工有限公司", "", "", "", "", "", "", "甲化工有限公司"},
			{"乙公司物资库", "企业储备", "乙公司", "", "", "", "", "", "", "乙公司"},
			{"县第二储备库", "县级储备库", "县应急管理局", "", "", "", "", "", "", "甲化工有限公司"},
		}
		r, err := ledger.Run(ctx, l, admin, bytes.NewReader(xlsxtest.Fill(t, l.Schema, rows)), ledger.Options{}, nil)
		if errs.KindOf(err) != errs.Invalid {
			t.Fatalf("bad file: %v", err)
		}
		want := map[int]bool{3: false, 4: false}
		for _, ce := range r.Errors {
			if ce.Column == "所属企业" {
				want[ce.Row] = true
			}
		}
		if !want[3] || !want[4] {
			t.Errorf("errors: %+v", r.Errors)
		}
		if list, _, _ := f.svc.Warehouses(ctx, admin, supplies.WarehouseFilter{Kind: "enterprise"}); len(list) != 0 {
			t.Fatalf("a refused file committed %+v", list)
		}
		r, err = ledger.Run(ctx, l, admin, bytes.NewReader(xlsxtest.Fill(t, l.Schema, rows[:1])), ledger.Options{}, nil)
		if err != nil || r.Imported != 1 {
			t.Fatalf("import: %+v %v", r, err)
		}
		list, _, _ := f.svc.Warehouses(ctx, admin, supplies.WarehouseFilter{Enterprise: "e1"})
		if len(list) != 1 || list[0].TownCode != "349901101" || list[0].Kind != "enterprise" {
			t.Fatalf("imported store: %+v", list)
		}
		var buf bytes.Buffer
		w, err := xlsx.NewWriter(&buf, l.ExportSchema())
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Export(ctx, admin, url.Values{"kind": {"enterprise"}}, w); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		x, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := x.GetRows(x.GetSheetName(0))
		if len(got) != 2 || got[1][len(got[1])-1] != "甲化工有限公司" {
			t.Errorf("export: %q", got)
		}
	})
}

// BenchmarkEnterpriseStocks5000 measures the assessment's one question to
// the supplies module over 5,000 enterprise stores (two movements each).
func BenchmarkEnterpriseStocks5000(b *testing.B) {
	storetest.BenchEngines(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		f := setup(b, db)
		f.svc.Enterprise = func(_ context.Context, _, ref string) (string, string, string, bool, error) {
			return ref, ref, "349901101", true, nil
		}
		const n = 5000
		for i := 0; i < n; i++ {
			id := fmt.Sprintf("e%05d", i)
			w, err := f.svc.SaveWarehouse(ctx, admin, supplies.Warehouse{Name: "企业储备" + id, Kind: "enterprise", OwnerUnit: id, EnterpriseID: id})
			if err != nil {
				b.Fatal(err)
			}
			line, err := f.svc.Move(ctx, admin, supplies.MoveInput{Kind: supplies.MoveIn, WarehouseID: w.ID, ItemID: f.quilt.ID, Quantity: 10, Date: "2022-03-01"})
			if err != nil {
				b.Fatal(err)
			}
			if i%2 == 0 {
				if _, err := f.svc.Move(ctx, admin, supplies.MoveInput{Kind: supplies.MoveOut, StockID: line.ID, Quantity: 10, Date: "2022-05-01"}); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			held, err := f.svc.EnterpriseStocks(ctx, county, "2022-06-30")
			if err != nil || len(held) != n {
				b.Fatalf("%d stores, %v", len(held), err)
			}
			empty := 0
			for _, x := range held {
				if x.Quantity == 0 {
					empty++
				}
			}
			if empty != n/2 {
				b.Fatalf("%d empty stores, want %d", empty, n/2)
			}
		}
	})
}
