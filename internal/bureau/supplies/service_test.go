package supplies_test

import (
	"bytes"
	"context"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"yingji/internal/bureau/supplies"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/figure"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
	"yingji/internal/kit/xlsx"
	"yingji/internal/kit/xlsx/xlsxtest"
)

const county = "349901"

var towns = map[string]string{"349901100": "籍山镇", "349901101": "弋江镇", "349901102": "许镇镇", "349901103": "家发镇", "349901104": "工山镇",
	"349901105": "三里镇", "349901106": "何湾镇", "349901107": "烟墩镇"}

var (
	admin  = &auth.Principal{UserID: "u-admin", Username: "admin", DisplayName: "管理员", Role: auth.RoleAdmin, CountyCode: county}
	leader = &auth.Principal{UserID: "u-leader", Username: "leader", DisplayName: "王局长", Role: auth.RoleLeader, CountyCode: county}
	town1  = &auth.Principal{UserID: "u-town1", Username: "town1", DisplayName: "弋江镇民政办", Role: auth.RoleTown, CountyCode: county, RegionCode: "349901101"}
	town2  = &auth.Principal{UserID: "u-town2", Username: "town2", DisplayName: "许镇镇民政办", Role: auth.RoleTown, CountyCode: county, RegionCode: "349901102"}
)

func newService(db *store.DB) *supplies.Service {
	now := time.Date(2022, 6, 30, 2, 0, 0, 0, time.UTC) // 10:00 in Shanghai
	svc := supplies.New(db, nil, func() time.Time { return now }, nil, nil)
	svc.Towns = func(context.Context, string) (map[string]string, error) { return towns, nil }
	return svc
}

// fixture is a county store and a town store with two items.
type fixture struct {
	svc          *supplies.Service
	quilt, coat  supplies.Item
	store, townW supplies.Warehouse
}

func setup(t testing.TB, db *store.DB) fixture {
	t.Helper()
	ctx := context.Background()
	f := fixture{svc: newService(db)}
	var err error
	if f.quilt, err = f.svc.SaveItem(ctx, admin, supplies.Item{Name: "棉被", Unit: "床", Category: "clothing", StatKey: "quilts", MinQty: 10}); err != nil {
		t.Fatal(err)
	}
	if f.coat, err = f.svc.SaveItem(ctx, admin, supplies.Item{Name: "棉大衣", Unit: "件", Category: "clothing", StatKey: "coats"}); err != nil {
		t.Fatal(err)
	}
	if f.store, err = f.svc.SaveWarehouse(ctx, admin, supplies.Warehouse{Name: "县储备库", Kind: "county", OwnerUnit: "县应急管理局", TownCode: "349901100"}); err != nil {
		t.Fatal(err)
	}
	if f.townW, err = f.svc.SaveWarehouse(ctx, town1, supplies.Warehouse{Name: "弋江镇储备点", Kind: "town", OwnerUnit: "弋江镇人民政府"}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f fixture) receive(t testing.TB, item supplies.Item, batch, expires string, n int64) supplies.Stock {
	t.Helper()
	x, err := f.svc.Move(context.Background(), admin, supplies.MoveInput{Kind: supplies.MoveIn, WarehouseID: f.store.ID, ItemID: item.ID, Batch: batch,
		ExpiresOn: expires, Quantity: n, Date: "2022-01-10"})
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// quantities returns the stock of a warehouse by item name and batch.
func quantities(t testing.TB, svc *supplies.Service, warehouse string) map[string]int64 {
	t.Helper()
	lines, _, err := svc.StockLines(context.Background(), admin, supplies.StockFilter{Warehouse: warehouse})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, l := range lines {
		out[l.ItemName+"/"+l.Batch] = l.Quantity
		if l.Quantity < 0 {
			t.Errorf("negative stock: %+v", l)
		}
	}
	return out
}

func balanced(t testing.TB, svc *supplies.Service) {
	t.Helper()
	bad, err := svc.Imbalance(context.Background(), county)
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Errorf("the stock ledger does not balance: %v", bad)
	}
}

func message(err error) string {
	if fs := errs.Fields(err); len(fs) > 0 {
		return fs[0].Message
	}
	if e, ok := errs.As(err); ok {
		return e.Message
	}
	return ""
}

// TestLedgerBalances walks receipts, issues, a count, a refused and an
// approved dispatch and a receipt, and checks after each that every stock
// line equals the sum of its movements and nothing went negative.
func TestLedgerBalances(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		svc := f.svc
		a := f.receive(t, f.quilt, "A", "2023-10-01", 100)
		b := f.receive(t, f.quilt, "B", "2022-08-01", 50)
		f.receive(t, f.coat, "A", "", 30)
		if _, err := svc.Move(ctx, admin, supplies.MoveInput{Kind: supplies.MoveOut, StockID: a.ID, Quantity: 10, Note: "发放"}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Move(ctx, admin, supplies.MoveInput{Kind: supplies.MoveCount, StockID: b.ID, Quantity: 48, Note: "盘亏2床"}); err != nil {
			t.Fatal(err)
		}
		// An issue beyond the line is refused and changes nothing.
		_, err := svc.Move(ctx, admin, supplies.MoveInput{Kind: supplies.MoveOut, StockID: b.ID, Quantity: 49})
		if !errs.Is(err, errs.Conflict) || message(err) != "supplies.insufficient_stock" {
			t.Fatalf("issue beyond stock: %v", err)
		}
		balanced(t, svc)
		if q := quantities(t, svc, f.store.ID); q["棉被/A"] != 90 || q["棉被/B"] != 48 || q["棉大衣/A"] != 30 {
			t.Fatalf("stock after moves: %v", q)
		}

		in := supplies.DispatchInput{FromWarehouse: f.store.ID, ToKind: supplies.ToTown, ToTown: "349901101", ToWarehouse: f.townW.ID, Purpose: "relief",
			Partner: "县发改委", Date: "2022-01-26", Lines: []supplies.LineInput{{ItemID: f.quilt.ID, Quantity: 60}, {ItemID: f.coat.ID, Quantity: 40}}}
		short, err := svc.RequestDispatch(ctx, admin, in)
		if err != nil {
			t.Fatal(err)
		}
		// Four eyes: the requester may not approve.
		if _, err := svc.Approve(ctx, admin, short.ID); !errs.Is(err, errs.Conflict) || message(err) != "supplies.four_eyes" {
			t.Errorf("requester approving: %v", err)
		}
		// Not enough coats: refused naming the item; the quilts stay.
		_, err = svc.Approve(ctx, leader, short.ID)
		if !errs.Is(err, errs.Conflict) || message(err) != "supplies.insufficient_stock" {
			t.Fatalf("approve beyond stock: %v", err)
		}
		if e, _ := errs.As(err); e.Args["Item"] != "棉大衣" || e.Args["Have"] != int64(30) || e.Args["Want"] != int64(40) {
			t.Errorf("refusal args: %v", e.Args)
		}
		if q := quantities(t, svc, f.store.ID); q["棉被/A"] != 90 || q["棉被/B"] != 48 {
			t.Errorf("a refused dispatch took something: %v", q)
		}
		if d, _ := svc.GetDispatch(ctx, admin, short.ID); d.State != supplies.StateRequested {
			t.Errorf("refused order state %s", d.State)
		}
		if _, err := svc.Reject(ctx, leader, short.ID, ""); message(err) != "supplies.reject_reason_required" {
			t.Errorf("reject without reason: %v", err)
		}
		if _, err := svc.Reject(ctx, leader, short.ID, "棉大衣库存不足"); err != nil {
			t.Fatal(err)
		}

		in.Lines[1].Quantity = 30
		d, err := svc.RequestDispatch(ctx, admin, in)
		if err != nil {
			t.Fatal(err)
		}
		if d, err = svc.Approve(ctx, leader, d.ID); err != nil || d.State != supplies.StateDispatched {
			t.Fatalf("approve: %v %s", err, d.State)
		}
		// First-expiring batch B goes first.
		if q := quantities(t, svc, f.store.ID); q["棉被/A"] != 78 || q["棉被/B"] != 0 || q["棉大衣/A"] != 0 {
			t.Errorf("stock after dispatch: %v", q)
		}
		balanced(t, svc)

		// Receipt: only the receiving town; not more than was sent.
		if _, err := svc.Receive(ctx, town2, d.ID, supplies.ReceiptInput{}); !errs.Is(err, errs.NotFound) {
			t.Errorf("another town receiving: %v", err)
		}
		if _, err := svc.Receive(ctx, leader, d.ID, supplies.ReceiptInput{}); !errs.Is(err, errs.Forbidden) {
			t.Errorf("leader receiving for a town: %v", err)
		}
		over := map[string]int64{d.Lines[0].ID: 61}
		if _, err := svc.Receive(ctx, town1, d.ID, supplies.ReceiptInput{Lines: over}); message(err) != "supplies.receipt_over" {
			t.Errorf("receipt over: %v", err)
		}
		if q := quantities(t, svc, f.townW.ID); len(q) != 0 {
			t.Errorf("a refused receipt stocked the town: %v", q)
		}
		got := map[string]int64{d.Lines[0].ID: 59}
		if d, err = svc.Receive(ctx, town1, d.ID, supplies.ReceiptInput{Lines: got, Note: "破损1床"}); err != nil || d.State != supplies.StateReceived {
			t.Fatalf("receive: %v", err)
		}
		if q := quantities(t, svc, f.townW.ID); q["棉被/"+d.Number] != 59 || q["棉大衣/"+d.Number] != 30 {
			t.Errorf("town stock after receipt: %v", q)
		}
		if _, err := svc.Receive(ctx, town1, d.ID, supplies.ReceiptInput{}); !errs.Is(err, errs.Conflict) {
			t.Errorf("receiving twice: %v", err)
		}
		balanced(t, svc)

		// Scope: town 2 sees neither the order nor the town 1 store.
		if _, err := svc.GetDispatch(ctx, town2, d.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("town 2 reads town 1's order: %v", err)
		}
		if _, err := svc.Warehouse(ctx, town2, f.townW.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("town 2 reads town 1's store: %v", err)
		}
		if list, _, _ := svc.Dispatches(ctx, town1, supplies.DispatchFilter{}); len(list) != 2 {
			t.Errorf("town 1 sees %d orders, want 2", len(list))
		}
		// Town staff keep only their own stores.
		if _, err := svc.Move(ctx, town1, supplies.MoveInput{Kind: supplies.MoveIn, WarehouseID: f.store.ID, ItemID: f.quilt.ID, Quantity: 1}); err == nil {
			t.Error("town staff stocked the county store")
		}
		// The alerts: quilts in the county store below the minimum of 10? 78: none; expiring batch B is empty.
		alerts, err := svc.Alerts(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range alerts {
			t.Errorf("unexpected alert %+v", a)
		}
	})
}

// TestConcurrentDispatches sends 100 issues of 3 against one stock line of
// 150 at once: exactly 50 pass, the others are refused for lack of stock,
// the line ends at 0 and never below, and the ledger balances.
func TestConcurrentDispatches(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		line := f.receive(t, f.quilt, "A", "", 150)
		ok, refused, other := concurrentIssues(t, f, 100, 3)
		if ok != 50 || refused != 50 || other != 0 {
			t.Errorf("issued %d, refused %d, other errors %d; want 50, 50, 0", ok, refused, other)
		}
		x, err := f.svc.StockLine(context.Background(), admin, line.ID)
		if err != nil {
			t.Fatal(err)
		}
		if x.Quantity != 0 {
			t.Errorf("final stock %d, want 0", x.Quantity)
		}
		balanced(t, f.svc)
	})
}

func concurrentIssues(t testing.TB, f fixture, n int, each int64) (ok, refused, other int) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := f.svc.Issue(context.Background(), admin, supplies.IssueInput{Source: "test", DispatchInput: supplies.DispatchInput{
				FromWarehouse: f.store.ID, ToKind: supplies.ToUnit, ToUnit: "某村委会", Purpose: "relief", Date: "2022-01-26",
				Lines: []supplies.LineInput{{ItemID: f.quilt.ID, Quantity: each}}}})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case message(err) == "supplies.insufficient_stock":
				refused++
			default:
				other++
				t.Log(err)
			}
		}()
	}
	close(start)
	wg.Wait()
	return ok, refused, other
}

// BenchmarkConcurrentDispatches measures 100 concurrent issues against one
// stock line (b.N rounds), checking the final stock each round.
func BenchmarkConcurrentDispatches(b *testing.B) {
	storetest.BenchEngines(b, func(b *testing.B, db *store.DB) {
		f := setup(b, db)
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			line := f.receive(b, f.quilt, "bench"+time.Now().Format("150405.000000"), "", 150)
			b.StartTimer()
			ok, refused, other := concurrentIssues(b, f, 100, 3)
			b.StopTimer()
			x, err := f.svc.StockLine(context.Background(), admin, line.ID)
			if err != nil || x.Quantity != 0 || ok != 50 || refused != 50 || other != 0 {
				b.Fatalf("round %d: stock %d, %d/%d/%d, %v", i, x.Quantity, ok, refused, other, err)
			}
			b.StartTimer()
		}
	})
}

// TestDemoFigure loads the demo supplies twice and computes F-REL-2 from
// the cold-wave orders: 2374 items, 1379 quilts and 995 coats.
func TestDemoFigure(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := newService(db)
		for range 2 {
			if err := svc.Demo(ctx, io.Discard, county, supplies.DemoPeople{}, nil); err != nil {
				t.Fatal(err)
			}
		}
		figs := svc.Figures()
		if len(figs) != 1 || figs[0].ID != "F-REL-2" {
			t.Fatalf("figures %+v", figs)
		}
		period, _ := figure.NewPeriod("2022-01-01", "2022-06-30")
		v, err := figs[0].Count(ctx, figure.Query{Period: period, P: leader, Records: true})
		if err != nil {
			t.Fatal(err)
		}
		for k, want := range map[string]int64{"total": 2374, "quilts": 1379, "coats": 995} {
			if got := v.Get(k).Value; got != want {
				t.Errorf("F-REL-2 %s = %d, want %d", k, got, want)
			}
		}
		if n := len(v.Get("total").Records); n != 8 {
			t.Errorf("F-REL-2 rests on %d orders, want 8", n)
		}
		if !strings.Contains(v.Get("total").Link, "purpose=relief") {
			t.Errorf("link %q", v.Get("total").Link)
		}
		// Last year nothing was dispatched.
		if v, _ := figs[0].Count(ctx, figure.Query{Period: period.LastYear(), P: leader}); v.Get("total").Value != 0 {
			t.Errorf("2021 total %d", v.Get("total").Value)
		}
		balanced(t, svc)
		alerts, err := svc.Alerts(ctx, leader)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, a := range alerts {
			kinds[a.Kind]++
		}
		if kinds["low"] != 1 || kinds["expiring"] != 2 {
			t.Errorf("demo alerts %v", kinds)
		}
		// The received orders stocked the town stores that have one.
		list, _, err := svc.Dispatches(ctx, leader, supplies.DispatchFilter{State: supplies.StateReceived})
		if err != nil || len(list) != 8 {
			t.Fatalf("received orders: %d %v", len(list), err)
		}
	})
}

// TestDispatchPDFAndExport prints an order (pdftotext finds its number and
// items) and exports the dispatch lines with the contract's columns.
func TestDispatchPDFAndExport(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	svc := newService(db)
	if err := svc.Demo(ctx, io.Discard, county, supplies.DemoPeople{}, nil); err != nil {
		t.Fatal(err)
	}
	list, _, err := svc.Dispatches(ctx, leader, supplies.DispatchFilter{Purpose: "relief"})
	if err != nil || len(list) == 0 {
		t.Fatal(err)
	}
	d := list[len(list)-1]
	var pdf bytes.Buffer
	if err := svc.RenderDispatch(ctx, &pdf, "示例县", d); err != nil {
		t.Fatal(err)
	}
	tool, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatal("pdftotext not found (apt-get install poppler-utils)")
	}
	path := filepath.Join(t.TempDir(), "d.pdf")
	if err := os.WriteFile(path, pdf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(out)), "")
	for _, want := range []string{d.Number, "应急物资调拨单", "棉被", "棉大衣", "220", "160", "籍山镇", "县发改委"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q: %s", want, text)
		}
	}

	var l *xlsxLedger
	for _, x := range svc.Ledgers() {
		if x.Kind == "dispatches" {
			l = &xlsxLedger{x.Schema, x.Export}
		}
	}
	if l == nil {
		t.Fatal("no dispatches ledger")
	}
	var buf bytes.Buffer
	w, err := xlsx.NewWriter(&buf, l.schema)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.export(ctx, leader, nil, w); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var sum int64
	rows := 0
	_, err = xlsx.Parse(bytes.NewReader(buf.Bytes()), l.schema, func(r xlsx.Row) []xlsx.CellError {
		if r.Values["item"] == "" || r.Values["date"] == "" {
			t.Errorf("row %d lacks item or date: %v", r.Num, r.Values)
		}
		if strings.HasPrefix(r.Values["date"], "2022-01-2") && r.Values["purpose"] == "救灾" {
			n, _ := parseInt(r.Values["quantity"])
			sum += n
		}
		rows++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// 8 cold-wave orders × 2 lines, and the flood order's 2 lines (the
	// order awaiting approval is not a dispatched line).
	if rows != 18 || sum != 2374 {
		t.Errorf("exported %d rows, cold-wave sum %d; want 18 and 2374", rows, sum)
	}
	for _, h := range []string{"物资名称", "数量", "调拨日期"} {
		found := false
		for _, c := range l.schema.Columns {
			found = found || c.Header == h
		}
		if !found {
			t.Errorf("no column %s", h)
		}
	}
}

type xlsxLedger struct {
	schema xlsx.Schema
	export func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error
}

func parseInt(s string) (int64, error) { return strconv.ParseInt(strings.TrimSpace(s), 10, 64) }

// TestImportsReplayTheRules imports items, warehouses and stock: a file
// with one bad row commits nothing and names row, column and reason; a
// good file goes through the same rules as the forms (stock rows are
// receipts in the ledger).
func TestImportsReplayTheRules(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		kinds := map[string]*ledger.Ledger{}
		for _, l := range f.svc.Ledgers() {
			kinds[l.Kind] = l
		}
		run := func(kind string, rows [][]any) (*ledger.Result, error) {
			l := kinds[kind]
			return ledger.Run(ctx, l, admin, bytes.NewReader(xlsxtest.Fill(t, l.Schema, rows)), ledger.Options{}, nil)
		}
		res, err := run("supply-items", [][]any{{"帐篷", "顶", "帐篷", "12平方米", 20, ""}, {"救生衣", "件", "食品", "", "", ""}})
		if err == nil || res.Committed || len(res.Errors) != 1 || res.Errors[0].Row != 3 || res.Errors[0].Key != "category" {
			t.Fatalf("bad item file: %v %+v", err, res)
		}
		if _, n, _ := f.svc.Items(ctx, admin, supplies.ItemFilter{}); n != 2 {
			t.Errorf("a refused file added items: %d", n)
		}
		if res, err = run("supply-items", [][]any{{"帐篷", "顶", "帐篷", "12平方米", 20, ""}}); err != nil || res.Imported != 1 {
			t.Fatalf("item file: %v %+v", err, res)
		}
		res, err = run("warehouses", [][]any{{"许镇镇储备点", "乡镇储备点", "许镇镇人民政府", "许镇镇", "", "", "", "", ""},
			{"无名点", "乡镇储备点", "某单位", "", "", "", "", "", ""}})
		if err == nil || len(res.Errors) != 1 || res.Errors[0].Key != "town" {
			t.Fatalf("bad warehouse file: %v %+v", err, res)
		}
		if res, err = run("warehouses", [][]any{{"许镇镇储备点", "乡镇储备点", "许镇镇人民政府", "许镇镇", "", "", "", "", ""}}); err != nil || res.Imported != 1 {
			t.Fatalf("warehouse file: %v %+v", err, res)
		}
		res, err = run("stock", [][]any{{"县储备库", "棉被", "2022-A", "2027-01-01", "", 40, "2022-03-01"}, {"县储备库", "棉被", "2022-B", "", "", -5, ""}})
		if err == nil || len(res.Errors) != 1 || res.Errors[0].Key != "quantity" {
			t.Fatalf("bad stock file: %v %+v", err, res)
		}
		if _, n, _ := f.svc.StockLines(ctx, admin, supplies.StockFilter{}); n != 0 {
			t.Errorf("a refused stock file left %d lines", n)
		}
		if res, err = run("stock", [][]any{{"县储备库", "棉被", "2022-A", "2027-01-01", "", 40, "2022-03-01"}}); err != nil || res.Imported != 1 {
			t.Fatalf("stock file: %v %+v", err, res)
		}
		if q := quantities(t, f.svc, f.store.ID); q["棉被/2022-A"] != 40 {
			t.Errorf("imported stock %v", q)
		}
		if m, _, _ := f.svc.Movements(ctx, admin, supplies.MovementFilter{}); len(m) != 1 || m[0].Kind != supplies.MoveIn || m[0].MovedOn != "2022-03-01" {
			t.Errorf("import movements %+v", m)
		}
		balanced(t, f.svc)
	})
}

// TestDispatchRefusals: the receiving warehouse must be a town store of
// the receiving town; unknown items and stores are field errors; town
// staff cannot send from the county store.
func TestDispatchRefusals(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	f := setup(t, db)
	base := supplies.DispatchInput{FromWarehouse: f.store.ID, ToKind: supplies.ToTown, ToTown: "349901100", Purpose: "relief",
		Lines: []supplies.LineInput{{ItemID: f.quilt.ID, Quantity: 1}}}
	cases := []struct {
		name string
		p    *auth.Principal
		edit func(*supplies.DispatchInput)
		msg  string
	}{
		{"county store as a town's receiving store", admin, func(d *supplies.DispatchInput) { d.ToWarehouse = f.store.ID }, "supplies.to_warehouse_not_in_town"},
		{"store of another town", admin, func(d *supplies.DispatchInput) { d.ToWarehouse = f.townW.ID }, "supplies.to_warehouse_not_in_town"},
		{"unknown item", admin, func(d *supplies.DispatchInput) { d.Lines[0].ItemID = "nope" }, "supplies.item_unknown"},
		{"unknown store", admin, func(d *supplies.DispatchInput) { d.FromWarehouse = "nope" }, "supplies.warehouse_unknown"},
		{"town outside the county", admin, func(d *supplies.DispatchInput) { d.ToTown = "340101100" }, "supplies.town_unknown"},
		{"town staff from the county store", town1, func(*supplies.DispatchInput) {}, "supplies.warehouse_unknown"},
	}
	for _, c := range cases {
		in := base
		in.Lines = []supplies.LineInput{base.Lines[0]}
		c.edit(&in)
		if _, err := f.svc.RequestDispatch(ctx, c.p, in); message(err) != c.msg {
			t.Errorf("%s: %v, want %s", c.name, err, c.msg)
		}
	}
	if list, _, _ := f.svc.Dispatches(ctx, admin, supplies.DispatchFilter{}); len(list) != 0 {
		t.Errorf("refused requests left %d orders", len(list))
	}
}
