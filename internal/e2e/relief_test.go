package e2e_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"yingji/internal/bureau/relief"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/auth/authtest"
	"yingji/internal/kit/demo"
	"yingji/internal/kit/org"
)

// TestReliefChainToBankList: a town user enters a household; the entrant
// may not assess it (four eyes); a second town user takes the village
// assessment, the notice and the town review; the leader decides; the
// town pays (a payment above the standard is refused) and the bank list
// exports the right total.
func TestReliefChainToBankList(t *testing.T) {
	exe := chromiumPath(t)
	ctx := budget(t)
	a, base := startApp(t, ctx)
	day := func(d int) string {
		return time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, d).Format("2006-01-02")
	}
	leader := authtest.Principal(t, a.Auth, "leader")
	prog, err := a.Relief.CreateProgramme(ctx, leader, relief.Programme{Name: "冬春救助（浏览器测试）", Kind: relief.KindWinterSpring,
		PeriodFrom: day(-60), PeriodTo: day(60), Standards: []relief.Standard{{Category: "food", Amount: 30000}, {Category: "heating", Amount: 15000}}})
	if err != nil {
		t.Fatal(err)
	}
	units, err := a.Org.ListUnits(ctx, a.System(), org.UnitFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range units {
		if u.Name == "籍山镇人民政府" {
			if _, err := a.Auth.CreateUser(ctx, a.System(), auth.UserInput{Username: "town2", DisplayName: "籍山镇民政办", Role: auth.RoleTown,
				UnitID: u.ID, RegionCode: "349901100", Password: demo.Password}); err != nil {
				t.Fatal(err)
			}
		}
	}

	b := newTab(t, ctx, exe, base)
	b.signIn("town", demo.Password)
	b.openOK("/relief/households/new?programme=" + prog.ID)
	b.choose("#f-village", "349901100203")
	b.fill("#f-head", "方守田")
	b.fill("#f-m0-name", "方守田")
	good := relief.DemoID(900001)
	bad := good[:17] + map[bool]string{true: "1", false: "0"}[good[17] == '0']
	b.fill("#f-m0-id", bad) // a wrong check digit first
	b.fill("#f-m1-name", "方小梅")
	b.fill("#f-m1-id", relief.DemoID(900002))
	if st := b.submit("enter with a bad ID number", "#household-save"); st != 422 {
		t.Fatalf("bad ID number: %d", st)
	}
	if got := b.text("#household-form"); !strings.Contains(got, "身份证号无效") {
		t.Fatalf("form after a bad ID number: %q", got)
	}
	if got := b.value("#f-head"); got != "方守田" {
		t.Fatalf("the form lost its input: %q", got)
	}
	b.fill("#f-m0-id", good)
	if st := b.submit("enter the household", "#household-save"); st != 200 {
		t.Fatalf("enter: %d", st)
	}
	hhPath := b.path()
	if !strings.HasPrefix(hhPath, "/relief/households/") {
		t.Fatalf("after entering: %s", hhPath)
	}
	if st := b.submit("assess my own entry", "#step-save"); st != 409 {
		t.Fatalf("own entry: %d", st)
	}
	if got := b.text("#action-error"); !strings.Contains(got, "四眼原则") {
		t.Fatalf("four eyes: %q", got)
	}
	// Still at 户报: the entrant corrects a member's name.
	b.openOK(hhPath + "/edit")
	if got := b.value("#f-m0-id"); got != good {
		t.Fatalf("edit form: %q", got)
	}
	b.fill("#f-m1-name", "方晓梅")
	if st := b.submit("correct the household", "#household-save"); st != 200 || b.path() != hhPath {
		t.Fatalf("edit: %d %s", st, b.path())
	}
	if got := b.text("#members-table"); !strings.Contains(got, "方晓梅") {
		t.Fatalf("members after the edit: %q", got)
	}
	if st := b.submit("log out", "#logout"); st != 200 {
		t.Fatalf("log out: %d", st)
	}

	// The second town user: 村评, 公示, 乡审.
	b.signIn("town2", demo.Password)
	b.openOK(hhPath)
	b.fill("#f-step-note", "村民代表评议通过")
	if st := b.submit("village", "#step-save"); st != 200 {
		t.Fatalf("village: %d %s", st, b.text("main"))
	}
	setDate(b, "#f-publicity_from", day(-10))
	setDate(b, "#f-publicity_to", day(-3))
	if st := b.submit("notice", "#step-save"); st != 200 {
		t.Fatalf("notice: %d %s", st, b.text("main"))
	}
	if st := b.submit("town review", "#step-save"); st != 200 {
		t.Fatalf("town review: %d %s", st, b.text("main"))
	}
	if got := b.text("#waiting"); !strings.Contains(got, "县定") {
		t.Fatalf("after the town review: %q", got)
	}
	if st := b.submit("log out", "#logout"); st != 200 {
		t.Fatalf("log out: %d", st)
	}

	// The leader decides.
	b.signIn("leader", demo.Password)
	b.openOK(hhPath)
	if got := b.text("#members-table"); strings.Contains(got, relief.DemoID(900001)) || !strings.Contains(got, "3499**********") {
		t.Fatalf("the leader reads ID numbers: %q", got)
	}
	if st := b.submit("county", "#step-save"); st != 200 {
		t.Fatalf("county: %d %s", st, b.text("main"))
	}
	if st := b.submit("log out", "#logout"); st != 200 {
		t.Fatalf("log out: %d", st)
	}

	// The town pays.
	b.signIn("town", demo.Password)
	b.openOK(hhPath)
	b.fill("#f-amount", "300.01")
	if st := b.submit("pay above the standard", "#pay-save"); st != 409 {
		t.Fatalf("above the standard: %d", st)
	}
	if got := b.text("#action-error"); !strings.Contains(got, "超出救助标准") {
		t.Fatalf("cap: %q", got)
	}
	b.fill("#f-amount", "300")
	if st := b.submit("pay", "#pay-save"); st != 200 {
		t.Fatalf("pay: %d %s", st, b.text("main"))
	}
	b.choose("#f-member", "方晓梅")
	b.choose("#f-category", "heating")
	b.fill("#f-amount", "150")
	if st := b.submit("pay the second", "#pay-save"); st != 200 {
		t.Fatalf("pay the second: %d %s", st, b.text("main"))
	}
	b.openOK("/relief/programmes/" + prog.ID)
	if got := b.text("#programme-total"); !strings.Contains(got, "450.00") || !strings.Contains(got, "2 人") {
		t.Fatalf("programme total: %q", got)
	}

	// The bank list.
	u, err := a.Auth.FindByUsername(ctx, "town")
	if err != nil {
		t.Fatal(err)
	}
	_, tok, err := a.Auth.CreateToken(ctx, a.System(), u.ID, "e2e")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/relief-payments/export?programme="+prog.ID, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	x, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("bank list: %d %v", resp.StatusCode, err)
	}
	rows, _ := x.GetRows(x.GetSheetName(0))
	if len(rows) != 3 || rows[0][9] != "金额（元）" || rows[1][9]+"+"+rows[2][9] != "300+150" || rows[1][6] != relief.DemoID(900001) {
		t.Fatalf("bank list: %v", rows)
	}
}

// setDate sets a date input's value (typing into a date field depends on
// the browser's locale).
func setDate(b *tab, css, v string) {
	b.t.Helper()
	if !js[bool](b, "set "+css, fmt.Sprintf(`(() => { const e = document.querySelector(%s); if (!e) return false; e.value = %s; return true })()`, jsString(css), jsString(v))) {
		b.t.Fatalf("no field %s", css)
	}
}
