package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"yingji/internal/app"
	"yingji/internal/bureau/supplies"
	"yingji/internal/kit/figure"
)

func supJSON(t *testing.T, a *app.App, method, path, token string, body any, want int, out any) string {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	r := do(a, method, path, token, rd)
	if r.Code != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, r.Code, want, r.Body.String())
	}
	if out != nil {
		if err := json.Unmarshal(r.Body.Bytes(), out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return r.Body.String()
}

type supList[T any] struct {
	Items []T `json:"items"`
	Total int `json:"total"`
}

// supStock sums a warehouse's stock of an item through the API.
func supStock(t *testing.T, a *app.App, token, warehouse, item string) int64 {
	t.Helper()
	var l supList[supplies.Stock]
	supJSON(t, a, "GET", "/api/v1/stock?size=500&warehouse="+warehouse+"&item="+item, token, nil, 200, &l)
	var n int64
	for _, x := range l.Items {
		n += x.Quantity
	}
	return n
}

// TestSuppliesDispatchFlow runs a dispatch order through the API on the
// demo: requested by section staff, refused to its requester (four eyes)
// and beyond stock, approved by the leader, received by the town (not more
// than was sent), both stores updated, printed; the export and the
// F-REL-2 figure come from the demo's records.
func TestSuppliesDispatchFlow(t *testing.T) {
	a := demoApp(t, false, time.Date(2022, 6, 30, 2, 0, 0, 0, time.UTC))
	ctx := context.Background()
	jg2, leader, town, duty := userToken(t, a, "jg2"), userToken(t, a, "leader"), userToken(t, a, "town"), userToken(t, a, "zhiban")

	var whs supList[supplies.Warehouse]
	supJSON(t, a, "GET", "/api/v1/warehouses?size=100", jg2, nil, 200, &whs)
	ids := map[string]string{}
	for _, w := range whs.Items {
		ids[w.Name] = w.ID
	}
	store, townStore := ids["示例县救灾物资储备库"], ids["籍山镇救灾物资储备点"]
	if store == "" || townStore == "" {
		t.Fatalf("demo warehouses: %v", ids)
	}
	var items supList[supplies.Item]
	supJSON(t, a, "GET", "/api/v1/supply-items?q="+url.QueryEscape("棉被"), jg2, nil, 200, &items)
	if len(items.Items) != 1 {
		t.Fatalf("items %+v", items)
	}
	quilt := items.Items[0].ID
	before, beforeTown := supStock(t, a, jg2, store, quilt), supStock(t, a, jg2, townStore, quilt)
	if before != 1800-1379 {
		t.Errorf("county store quilts %d, want %d (received 1800, dispatched 1379)", before, 1800-1379)
	}

	in := map[string]any{"from_warehouse": store, "to_kind": "town", "to_town": "349901100", "to_warehouse": townStore, "purpose": "relief",
		"date": "2022-06-30", "lines": []map[string]any{{"item_id": quilt, "quantity": 10}}}
	var d supplies.Dispatch
	supJSON(t, a, "POST", "/api/v1/dispatches", jg2, in, 201, &d)
	if body := supJSON(t, a, "POST", "/api/v1/dispatches/"+d.ID+"/approve", jg2, map[string]any{}, 409, nil); !strings.Contains(body, "四眼") {
		t.Errorf("four eyes refusal does not name the rule: %s", body)
	}
	// Beyond stock: refused naming the item; nothing taken.
	in["lines"] = []map[string]any{{"item_id": quilt, "quantity": 100000}}
	var big supplies.Dispatch
	supJSON(t, a, "POST", "/api/v1/dispatches", jg2, in, 201, &big)
	if body := supJSON(t, a, "POST", "/api/v1/dispatches/"+big.ID+"/approve", leader, map[string]any{}, 409, nil); !strings.Contains(body, "库存不足") || !strings.Contains(body, "棉被") {
		t.Errorf("beyond-stock refusal: %s", body)
	}
	// The duty officer may not approve (policy).
	if rec := do(a, "POST", "/api/v1/dispatches/"+d.ID+"/approve", duty, strings.NewReader("{}")); rec.Code != 403 {
		t.Errorf("duty approving: %d", rec.Code)
	}
	supJSON(t, a, "POST", "/api/v1/dispatches/"+d.ID+"/approve", leader, map[string]any{}, 200, &d)
	if d.State != supplies.StateDispatched {
		t.Fatalf("state %s", d.State)
	}
	if got := supStock(t, a, jg2, store, quilt); got != before-10 {
		t.Errorf("county store after dispatch %d, want %d", got, before-10)
	}
	// Receipt by the town: more than sent is refused.
	supJSON(t, a, "POST", "/api/v1/dispatches/"+d.ID+"/receive", town, map[string]any{"lines": map[string]int64{d.Lines[0].ID: 11}}, 422, nil)
	supJSON(t, a, "POST", "/api/v1/dispatches/"+d.ID+"/receive", jg2, map[string]any{}, 403, nil)
	supJSON(t, a, "POST", "/api/v1/dispatches/"+d.ID+"/receive", town, map[string]any{"note": "已清点"}, 200, &d)
	if d.State != supplies.StateReceived {
		t.Fatalf("state %s", d.State)
	}
	if got := supStock(t, a, jg2, townStore, quilt); got != beforeTown+10 {
		t.Errorf("town store after receipt %d, want %d", got, beforeTown+10)
	}
	// The printed order.
	rec := do(a, "GET", "/dispatches/"+d.ID+"/pdf", town, nil)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(rec.Body.Bytes(), []byte("%PDF")) {
		t.Errorf("pdf: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	// The pages render for the town and the leader.
	for _, p := range []string{"/dispatches", "/dispatches/" + d.ID, "/warehouses", "/warehouses/" + townStore, "/stock", "/stock/alerts", "/movements", "/supply-items", "/dispatches/new"} {
		page(t, a, town, p)
		if p != "/dispatches/new" {
			page(t, a, leader, p)
		}
	}

	// Export: one row per dispatched line with the contract's columns.
	rec = do(a, "GET", "/dispatches/export", leader, nil)
	if rec.Code != 200 {
		t.Fatalf("export: %d", rec.Code)
	}
	f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil || len(rows) < 2 {
		t.Fatalf("export rows: %v %d", err, len(rows))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, h := range []string{"物资名称", "数量", "调拨日期"} {
		if _, ok := col[h]; !ok {
			t.Errorf("export lacks column %s: %v", h, rows[0])
		}
	}
	if len(rows)-1 != 19 { // 8 cold-wave orders × 2 lines, the flood order's 2 lines, this order's 1
		t.Errorf("exported %d lines, want 19", len(rows)-1)
	}

	// F-REL-2 from the registry.
	fig, ok := a.Figures.Get("F-REL-2")
	if !ok {
		t.Fatal("F-REL-2 not registered")
	}
	p, err := a.Auth.PrincipalFor(ctx, "leader")
	if err != nil {
		t.Fatal(err)
	}
	period, _ := figure.NewPeriod("2022-01-01", "2022-06-30")
	v, err := fig.Count(ctx, figure.Query{Period: period, P: p})
	if err != nil {
		t.Fatal(err)
	}
	// The order above is relief too, dispatched on 2022-06-30.
	if v.Get("total").Value != 2384 || v.Get("quilts").Value != 1389 || v.Get("coats").Value != 995 {
		t.Errorf("F-REL-2 = %+v", v.Numbers)
	}
	jan, _ := figure.NewPeriod("2022-01-26", "2022-01-28")
	if v, _ := fig.Count(ctx, figure.Query{Period: jan, P: p}); v.Get("total").Value != 2374 || v.Get("quilts").Value != 1379 {
		t.Errorf("F-REL-2 26–28 Jan = %+v", v.Numbers)
	}
	// 100 concurrent API issues of 3 against one line of 150: 50 pass, 50
	// are refused (409), the line ends at 0.
	var line supplies.Stock
	supJSON(t, a, "POST", "/api/v1/movements", jg2, map[string]any{"kind": "in", "warehouse_id": store, "item_id": quilt, "batch": "并发测试",
		"quantity": 150, "date": "2022-06-30"}, 201, &line)
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := do(a, "POST", "/api/v1/movements", jg2, strings.NewReader(`{"kind":"out","stock_id":"`+line.ID+`","quantity":3,"note":"并发出库"}`))
			mu.Lock()
			codes[rec.Code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes[201] != 50 || codes[409] != 50 {
		t.Errorf("concurrent issues answered %v, want 50×201 and 50×409", codes)
	}
	supJSON(t, a, "GET", "/api/v1/stock/"+line.ID, jg2, nil, 200, &line)
	if line.Quantity != 0 {
		t.Errorf("line after concurrent issues: %d", line.Quantity)
	}
	if bad, err := a.Supplies.Imbalance(ctx, "349901"); err != nil || len(bad) > 0 {
		t.Errorf("ledger: %v %v", bad, err)
	}

	// The alerts sweep tells the staff once: the flood store's life jackets
	// are below the minimum, two batches of the county store expire soon.
	n, err := a.Supplies.Sweep(ctx, "349901")
	if err != nil || n == 0 {
		t.Errorf("sweep: %d %v", n, err)
	}
	if again, err := a.Supplies.Sweep(ctx, "349901"); err != nil || again != 0 {
		t.Errorf("second sweep notified %d (%v), want 0", again, err)
	}
	if body := page(t, a, jg2, "/"); !strings.Contains(body, "物资库存预警") {
		t.Error("the home page lacks the supplies alerts figure")
	}
	// The warehouses are a layer of the map (in scope).
	var pts struct {
		Layers []struct {
			Key   string `json:"key"`
			Count int    `json:"count"`
		} `json:"layers"`
	}
	supJSON(t, a, "GET", "/api/v1/map/points?layer=warehouses", leader, nil, 200, &pts)
	if len(pts.Layers) != 1 || a.CountyBounds != nil && pts.Layers[0].Count != 7 {
		t.Errorf("map layer: %+v", pts)
	}
}
