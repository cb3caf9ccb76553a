package app_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"yingji/internal/bureau/prepare"
	"yingji/internal/bureau/supplies"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/calendar"
	"yingji/internal/kit/demo"
)

// TestEnterpriseStoreOverHTTP: the enterprise account keeps its own store
// (企业储备) and stock through the API — kind and enterprise forced, nothing
// else of the county's supplies visible, no dispatches — and the monthly
// assessment, asking the supplies service through the app's hook, counts
// those supplies.
func TestEnterpriseStoreOverHTTP(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			a := start(t, engine == "postgres")
			ctx := context.Background()
			if err := a.Enterprise.Demo(ctx, io.Discard, a.Cfg.County, demo.EnterpriseID, nil); err != nil {
				t.Fatal(err)
			}
			toks := tokens(t, a)
			ent, admin, leader := toks[auth.RoleEnterprise], toks[auth.RoleAdmin], toks[auth.RoleLeader]
			today := calendar.Today(a.Now()).Format(time.DateOnly)
			score := func() prepare.Score {
				t.Helper()
				var as prepare.Assessment
				supJSON(t, a, "GET", "/api/v1/preparedness/assessment?month="+today[:7], leader, nil, http.StatusOK, &as)
				for _, sc := range as.Enterprises {
					if sc.EnterpriseID == demo.EnterpriseID {
						return sc
					}
				}
				t.Fatal("the demo enterprise is not assessed")
				return prepare.Score{}
			}
			before := score()
			if before.Supplies {
				t.Fatalf("supplies before any store: %+v", before)
			}

			var county supplies.Warehouse
			supJSON(t, a, "POST", "/api/v1/warehouses", admin, map[string]any{"name": "县救灾物资储备库", "kind": "county", "owner_unit": "县应急管理局"}, http.StatusCreated, &county)
			var item supplies.Item
			supJSON(t, a, "POST", "/api/v1/supply-items", admin, map[string]any{"name": "救生衣", "unit": "件", "category": "lifesaving"}, http.StatusCreated, &item)

			var w supplies.Warehouse
			supJSON(t, a, "POST", "/api/v1/warehouses", ent, map[string]any{"name": "企业应急物资室", "kind": "county", "owner_unit": "本企业",
				"enterprise_id": "someone-else"}, http.StatusCreated, &w)
			if w.Kind != "enterprise" || w.EnterpriseID != demo.EnterpriseID || w.TownCode == "" {
				t.Fatalf("the enterprise's store: %+v", w)
			}
			var list supList[supplies.Warehouse]
			supJSON(t, a, "GET", "/api/v1/warehouses", ent, nil, http.StatusOK, &list)
			if list.Total != 1 || list.Items[0].ID != w.ID {
				t.Fatalf("the enterprise sees %+v", list)
			}
			supJSON(t, a, "GET", "/api/v1/warehouses/"+county.ID, ent, nil, http.StatusNotFound, nil)
			supJSON(t, a, "GET", "/api/v1/supply-items", ent, nil, http.StatusOK, nil)
			supJSON(t, a, "POST", "/api/v1/movements", ent, map[string]any{"kind": "in", "warehouse_id": county.ID, "item_id": item.ID, "quantity": 5, "date": today},
				http.StatusUnprocessableEntity, nil)
			supJSON(t, a, "POST", "/api/v1/movements", ent, map[string]any{"kind": "in", "warehouse_id": w.ID, "item_id": item.ID, "quantity": 40, "date": today},
				http.StatusCreated, nil)
			if rec := do(a, "GET", "/api/v1/dispatches", ent, nil); rec.Code != http.StatusForbidden {
				t.Errorf("the enterprise reads dispatches: %d", rec.Code)
			}

			after := score()
			if !after.Supplies || after.Score != before.Score+prepare.WeightSupplies || after.Freshness != 0 {
				t.Errorf("after stocking: %+v (before %+v)", after, before)
			}

			// The forms: the enterprise's own store has no enterprise field; staff name one.
			if body := do(a, "GET", "/warehouses/new", ent, nil).Body.String(); !strings.Contains(body, `type="hidden" name="enterprise_id"`) {
				t.Error("the enterprise's form offers another enterprise")
			}
			if body := do(a, "GET", "/warehouses/"+w.ID, ent, nil).Body.String(); !strings.Contains(body, `id="warehouse-enterprise"`) || !strings.Contains(body, `id="move-form"`) {
				t.Error("the enterprise's store page lacks its enterprise or the stock form")
			}
			if rec := do(a, "GET", "/warehouses/"+county.ID, ent, nil); rec.Code != http.StatusNotFound {
				t.Errorf("the enterprise opens the county store: %d", rec.Code)
			}
			if body := do(a, "GET", "/warehouses/new", admin, nil).Body.String(); !strings.Contains(body, `id="f-enterprise"`) {
				t.Error("the staff form has no enterprise field")
			}
		})
	}
}
