package e2e_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"yingji/internal/bureau/supplies"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/demo"
)

// TestSuppliesDispatchReceipt: section staff (jg2) write a dispatch order
// from the county store to 籍山镇 and its store; jg2 is not offered the
// approval; the leader approves it (the goods leave the county store);
// the town's account confirms receipt (they arrive in the town store);
// both stock pages show it; the order prints as a PDF.
func TestSuppliesDispatchReceipt(t *testing.T) {
	exe := chromiumPath(t)
	ctx := budget(t)
	a, base := startApp(t, ctx)
	if err := a.Supplies.Demo(ctx, io.Discard, "349901", supplies.DemoPeople{}, nil); err != nil {
		t.Fatal(err)
	}
	sys := &auth.Principal{Role: auth.RoleLeader, CountyCode: "349901"}
	whs, _, err := a.Supplies.Warehouses(ctx, sys, supplies.WarehouseFilter{})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, w := range whs {
		ids[w.Name] = w.ID
	}
	items, _, err := a.Supplies.Items(ctx, sys, supplies.ItemFilter{Q: "棉被"})
	if err != nil || len(items) != 1 {
		t.Fatalf("items: %v %v", items, err)
	}
	quilt := items[0].ID
	county, town := ids["示例县救灾物资储备库"], ids["籍山镇救灾物资储备点"]
	stock := func(warehouse string) int64 {
		lines, _, err := a.Supplies.StockLines(context.Background(), sys, supplies.StockFilter{Warehouse: warehouse, Item: quilt})
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		for _, l := range lines {
			n += l.Quantity
		}
		return n
	}
	countyBefore, townBefore := stock(county), stock(town)

	// jg2 writes the order.
	b := newTab(t, ctx, exe, base)
	b.signIn("jg2", demo.Password)
	b.openOK("/dispatches/new")
	b.choose("#d-from", "示例县救灾物资储备库")
	b.choose("#d-to-town", "籍山镇")
	b.choose("#d-to-warehouse", "籍山镇救灾物资储备点")
	b.choose("#d-purpose", "救灾")
	b.fill("#d-partner", "县发改委")
	b.choose("#d-item-1", "棉被（床）")
	b.fill("#d-qty-1", "25")
	if st := b.submit("submit the order", "#dispatch-save"); st != 200 {
		t.Fatalf("submit: %d", st)
	}
	orderPath := b.path()
	if !strings.HasPrefix(orderPath, "/dispatches/") {
		t.Fatalf("after submitting: %s", orderPath)
	}
	if b.count("#approve") != 0 || b.count("#own-request") != 1 {
		t.Error("the requester is offered the approval")
	}
	if got := b.text("#dispatch-state"); !strings.Contains(got, "待审批") {
		t.Errorf("state %q", got)
	}

	// The leader approves: the goods leave the county store.
	lb := b
	lb.switchUser("leader")
	lb.openOK(orderPath)
	if st := lb.submit("approve", "#approve"); st != 200 {
		t.Fatalf("approve: %d", st)
	}
	if got := lb.text("#dispatch-state"); !strings.Contains(got, "已发出") {
		t.Errorf("state after approval %q", got)
	}
	if got := stock(county); got != countyBefore-25 {
		t.Errorf("county store %d, want %d", got, countyBefore-25)
	}

	// The town confirms receipt.
	tb := b
	tb.switchUser("town")
	tb.openOK(orderPath)
	if tb.count("#receive") != 1 {
		t.Fatal("the town is not offered the receipt")
	}
	tb.fill("#got-1", "26")
	if st := tb.submit("receive too many", "#receive"); st != 422 {
		t.Errorf("receiving more than sent: %d, want 422", st)
	}
	tb.fill("#got-1", "25")
	if st := tb.submit("receive", "#receive"); st != 200 {
		t.Fatalf("receive: %d", st)
	}
	if got := tb.text("#dispatch-state"); !strings.Contains(got, "已签收") {
		t.Errorf("state after receipt %q", got)
	}
	tb.screenshot("supplies-dispatch-received.png")
	if got := stock(town); got != townBefore+25 {
		t.Errorf("town store %d, want %d", got, townBefore+25)
	}
	// Both stock pages show the new totals.
	for _, c := range []struct {
		who       *tab
		warehouse string
		want      int64
	}{{tb, county, countyBefore - 25}, {tb, town, townBefore + 25}} {
		c.who.openOK("/stock?warehouse=" + c.warehouse + "&item=" + quilt)
		if got := c.who.text("#stock-table tfoot th.num"); got != fmt.Sprintf("%d", c.want) && got != groupDigits(c.want) {
			t.Errorf("stock page of %s shows %q, want %d", c.warehouse, got, c.want)
		}
	}
	// The printed order.
	tb.openOK(orderPath)
	href := js[string](tb, "print link", `document.querySelector("#dispatch-pdf").getAttribute("href")`)
	got := js[string](tb, "fetch the PDF", fmt.Sprintf(`(() => { const x = new XMLHttpRequest(); x.open("GET", %s, false); x.send();
		return x.status + " " + x.getResponseHeader("Content-Type") + " " + x.responseText.slice(0, 4) })()`, jsString(href)))
	if got != "200 application/pdf %PDF" {
		t.Errorf("the printed order: %q", got)
	}
}

// switchUser logs out and logs in as user (one browser: three would not
// start within the test's budget on a busy machine).
func (b *tab) switchUser(user string) {
	b.t.Helper()
	if st := b.submit("log out", "#logout"); st != 200 {
		b.t.Fatalf("logout: %d", st)
	}
	b.signIn(user, demo.Password)
}

// groupDigits writes n with thousands separators (the pages' num).
func groupDigits(n int64) string {
	s := fmt.Sprintf("%d", n)
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
