package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
	"yingji/internal/bureau/supplies"

	"github.com/xuri/excelize/v2"

	"yingji/internal/app"
	"yingji/internal/bureau/relief"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/figure"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/org"
	"yingji/internal/kit/person"
	"yingji/internal/kit/xlsx/xlsxtest"
)

// reliefUsers creates a second 籍山镇 user (four eyes inside the town)
// and a 救灾减灾股 staff member, and returns tokens of them and of the demo
// users town, leader, jg2 and readonly.
func reliefUsers(t *testing.T, a *app.App) map[string]string {
	t.Helper()
	ctx := context.Background()
	units, err := a.Org.ListUnits(ctx, a.System(), org.UnitFilter{})
	if err != nil {
		t.Fatal(err)
	}
	unitOf := map[string]string{}
	for _, u := range units {
		unitOf[u.Name] = u.ID
	}
	for _, in := range []auth.UserInput{
		{Username: "town2", DisplayName: "籍山镇民政办", Role: auth.RoleTown, UnitID: unitOf["籍山镇人民政府"], RegionCode: "349901100", Password: "Yingji2022x!"},
		{Username: "jzjz", DisplayName: "救灾减灾股", Role: auth.RoleSection, UnitID: unitOf[relief.ReliefSection], Password: "Yingji2022x!"},
	} {
		if _, err := a.Auth.CreateUser(ctx, a.System(), in); err != nil {
			t.Fatal(in.Username, err)
		}
	}
	out := map[string]string{}
	for _, n := range []string{"admin", "town", "town2", "jzjz", "leader", "jg2", "readonly", "qiye"} {
		out[n] = userToken(t, a, n)
	}
	return out
}

func apiDo(t *testing.T, a *app.App, method, path, tok string, body any) (int, map[string]any, string) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	rec := do(a, method, path, tok, rd)
	var m map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &m)
	return rec.Code, m, rec.Body.String()
}

func reliefID(n int) string { return relief.DemoID(900000 + n) }

// TestReliefFlow walks a household up the approval chain through the API
// (户报 → 村评 → 公示 → 乡审 → 县定) with the refusals on the way, pays it,
// and checks masking, the figure and the bank list.
func TestReliefFlow(t *testing.T) {
	a := demoApp(t, false, time.Date(2022, 6, 30, 2, 0, 0, 0, time.UTC))
	ctx := context.Background()
	tok := reliefUsers(t, a)

	// F-REL-1 from the demo records.
	f, ok := a.Figures.Get("F-REL-1")
	if !ok {
		t.Fatal("F-REL-1 not registered")
	}
	per, _ := figure.NewPeriod("2022-01-01", "2022-06-30")
	v, err := f.Count(ctx, figure.Query{Period: per, P: a.System(), Records: true})
	if err != nil {
		t.Fatal(err)
	}
	if amt, ppl := v.Get("amount"), v.Get("people"); amt.Value != 126_000_000 || amt.Unit != figure.Fen || ppl.Value != 5452 || len(amt.Records) != 5452 {
		t.Fatalf("F-REL-1 = %d 分 to %d people (%d records)", amt.Value, ppl.Value, len(amt.Records))
	}
	// The figure's link lists exactly those payments.
	var list struct {
		Total int `json:"total"`
	}
	getJSON(t, a, "/api/v1/relief/payments"+v.Get("amount").Link[len("/relief/payments"):], tok["admin"], &list)
	if list.Total != 5452 {
		t.Fatalf("figure link lists %d payments", list.Total)
	}
	// Loading the demo again adds nothing.
	if err := a.LoadDemo(ctx, io.Discard); err != nil {
		t.Fatal(err)
	}
	if v2, _ := f.Count(ctx, figure.Query{Period: per, P: a.System()}); v2.Get("people").Value != 5452 {
		t.Fatalf("after a second load: %d people", v2.Get("people").Value)
	}

	// The storm programme (demo) takes the new household.
	var progs struct {
		Items []relief.Programme `json:"items"`
	}
	getJSON(t, a, "/api/v1/relief/programmes", tok["town"], &progs)
	var storm relief.Programme
	for _, g := range progs.Items {
		if g.Name == relief.DemoStormName {
			storm = g
		}
	}
	if storm.ID == "" {
		t.Fatalf("programmes: %+v", progs.Items)
	}
	bad := person.NormalizeID(reliefID(2))
	bad = bad[:17] + string("0123456789"[(strings.IndexByte("0123456789X", bad[17])+1)%10])
	in := map[string]any{"programme_id": storm.ID, "village_code": "349901100203", "head_name": "方守田", "disaster_hit": true,
		"account_holder": "方守田", "account_no": "6227001234567890123",
		"members": []map[string]any{{"name": "方守田", "id_number": reliefID(1), "relation": "户主"}, {"name": "方小梅", "id_number": bad, "relation": "子女"}}}
	code, m, body := apiDo(t, a, "POST", "/api/v1/relief/households", tok["town"], in)
	if code != 422 || m["field"] != "members.1.id_number" || !strings.Contains(body, "校验位") {
		t.Fatalf("bad check digit: %d %s", code, body)
	}
	// A person already in another household of the programme.
	var hs struct {
		Items []relief.Household `json:"items"`
	}
	getJSON(t, a, "/api/v1/relief/households?programme="+storm.ID, tok["town"], &hs)
	if len(hs.Items) == 0 || hs.Items[0].Masked || !person.IDNumberOK(hs.Items[0].Members[0].IDNumber) {
		t.Fatalf("town reads its households: %+v", hs.Items)
	}
	in["members"] = []map[string]any{{"name": "方守田", "id_number": reliefID(1)}, {"name": "某人", "id_number": hs.Items[0].Members[0].IDNumber}}
	if code, m, body = apiDo(t, a, "POST", "/api/v1/relief/households", tok["town"], in); code != 422 || m["field"] != "members.1.id_number" || !strings.Contains(body, "其他户") {
		t.Fatalf("member elsewhere: %d %s", code, body)
	}
	in["members"] = []map[string]any{{"name": "方守田", "id_number": reliefID(1), "relation": "户主"}, {"name": "方小梅", "id_number": reliefID(2), "relation": "子女"}}
	code, m, body = apiDo(t, a, "POST", "/api/v1/relief/households", tok["town"], in)
	if code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	id := m["id"].(string)
	path := "/api/v1/relief/households/" + id

	steps := []struct {
		who  string
		in   map[string]any
		code int
		want string
	}{
		{"town", map[string]any{"step": "village", "approved": true}, 409, "四眼原则"},                  // own entry
		{"town2", map[string]any{"step": "town", "approved": true}, 409, "不能跳过"},                    // skipping 村评, 公示
		{"leader", map[string]any{"step": "village", "approved": true}, 403, "本乡镇人员"},               // not the town's
		{"town2", map[string]any{"step": "village", "approved": true, "note": "村民代表评议通过"}, 200, ""}, // 村评
		{"town", map[string]any{"step": "publicity", "approved": true, "publicity_from": "2022-06-20", "publicity_to": "2022-06-22"}, 422, "不少于"},
		{"town", map[string]any{"step": "publicity", "approved": true, "publicity_from": "2022-06-20", "publicity_to": "2022-06-26"}, 200, ""},
		{"town2", map[string]any{"step": "county", "approved": true}, 409, "不能跳过"},
	}
	for i, s := range steps {
		code, _, body := apiDo(t, a, "POST", path+"/steps", tok[s.who], s.in)
		if code != s.code || !strings.Contains(body, s.want) {
			t.Fatalf("step %d (%s %v): %d %s", i, s.who, s.in["step"], code, body)
		}
	}
	// An objection during the notice blocks the town's review until resolved.
	code, m, body = apiDo(t, a, "POST", path+"/objections", tok["town2"], map[string]any{"raised_on": "2022-06-21", "content": "反映该户有营运车辆"})
	if code != 201 {
		t.Fatalf("objection: %d %s", code, body)
	}
	oid := m["id"].(string)
	if code, _, body = apiDo(t, a, "POST", path+"/steps", tok["town2"], map[string]any{"step": "town", "approved": true}); code != 409 || !strings.Contains(body, "异议") {
		t.Fatalf("town review with an open objection: %d %s", code, body)
	}
	if code, _, body = apiDo(t, a, "POST", path+"/objections", tok["town2"], map[string]any{"id": oid, "resolution": "经核实车辆已于2021年转让，异议不成立"}); code != 201 {
		t.Fatalf("resolve: %d %s", code, body)
	}
	for i, s := range []struct {
		who  string
		in   map[string]any
		code int
	}{
		{"town2", map[string]any{"step": "town", "approved": true}, 200},
		{"jg2", map[string]any{"step": "county", "approved": true}, 403}, // a section other than 救灾减灾股
		{"jzjz", map[string]any{"step": "county", "approved": true}, 200},
		{"leader", map[string]any{"step": "county", "approved": true}, 409}, // decided already
	} {
		if code, _, body := apiDo(t, a, "POST", path+"/steps", tok[s.who], s.in); code != s.code {
			t.Fatalf("step %d (%s): %d %s", i, s.who, code, body)
		}
	}

	// Payments: the cap, once per person and category.
	var d struct {
		Household relief.Household `json:"household"`
	}
	getJSON(t, a, path, tok["town"], &d)
	mem := d.Household.Members[0].ID
	pay := map[string]any{"member_id": mem, "category": "living", "mode": "money", "amount": 60001, "paid_on": "2022-06-30"}
	if code, _, body = apiDo(t, a, "POST", path+"/payments", tok["jzjz"], pay); code != 409 || !strings.Contains(body, "超出救助标准") {
		t.Fatalf("above the standard: %d %s", code, body)
	}
	pay["amount"] = 60000
	if code, _, body = apiDo(t, a, "POST", path+"/payments", tok["jzjz"], pay); code != 201 {
		t.Fatalf("pay: %d %s", code, body)
	}
	pay["amount"] = 100
	if code, _, body = apiDo(t, a, "POST", path+"/payments", tok["town"], pay); code != 409 || !strings.Contains(body, "重复发放") {
		t.Fatalf("paid twice: %d %s", code, body)
	}
	goods := map[string]any{"member_id": d.Household.Members[1].ID, "category": "living", "mode": "goods", "item": "棉被", "quantity": 2, "paid_on": "2022-06-30"}
	// Goods beyond the store's stock: refused, nothing paid, nothing issued.
	goods["quantity"] = 100000
	if code, _, body = apiDo(t, a, "POST", path+"/payments", tok["town"], goods); code != 409 {
		t.Fatalf("goods beyond stock: %d %s", code, body)
	}
	issued := func() []supplies.Dispatch {
		ds, _, err := a.Supplies.Dispatches(ctx, a.System(), supplies.DispatchFilter{Purpose: "relief", Town: "349901100", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var out []supplies.Dispatch
		for _, d := range ds {
			if strings.HasPrefix(d.Source, "relief_payment:") {
				out = append(out, d)
			}
		}
		return out
	}
	if n := len(issued()); n != 0 {
		t.Fatalf("a refused payment issued %d dispatches", n)
	}
	goods["quantity"] = 2
	if code, _, body = apiDo(t, a, "POST", path+"/payments", tok["town"], goods); code != 201 {
		t.Fatalf("goods: %d %s", code, body)
	}
	// The quilts left the town's store through a dispatch for the payment;
	// the report's emergency dispatches (F-REL-2) do not count it.
	if ds := issued(); len(ds) != 1 || len(ds[0].Lines) != 1 || ds[0].Lines[0].Quantity != 2 {
		t.Fatalf("goods issued from stock: %+v", ds)
	}
	rel2, _ := a.Figures.Get("F-REL-2")
	if v, err := rel2.Count(ctx, figure.Query{Period: per, P: a.System()}); err != nil || v.Get("total").Value != 2374 {
		t.Errorf("F-REL-2 after a household's goods: %v %v", v.Get("total").Value, err)
	}

	// Masking: the leader, a section outside relief and read-only read
	// 3499**********1234; the 救灾减灾股 and the town in clear.
	for who, clear := range map[string]bool{"leader": false, "jg2": false, "readonly": false, "jzjz": true, "town": true, "admin": true} {
		code, _, body := apiDo(t, a, "GET", path, tok[who], nil)
		if code != 200 {
			t.Fatalf("%s reads the household: %d", who, code)
		}
		if strings.Contains(body, reliefID(1)) != clear || strings.Contains(body, "6227001234567890123") != clear {
			t.Errorf("%s: clear ID number %v, want %v: %s", who, !clear, clear, body)
		}
		if !clear && !strings.Contains(body, person.MaskID(reliefID(1))) {
			t.Errorf("%s: masked ID missing", who)
		}
	}
	// An enterprise account may not read relief lists at all.
	if code, _, _ := apiDo(t, a, "GET", path, tok["qiye"], nil); code != 403 {
		t.Errorf("enterprise reads relief: %d", code)
	}
	// Search by ID number (sealed at rest, found through its index).
	getJSON(t, a, "/api/v1/relief/households?q="+reliefID(2), tok["admin"], &hs)
	if len(hs.Items) != 1 || hs.Items[0].ID != id {
		t.Fatalf("search by ID number: %+v", hs.Items)
	}
	var raw string
	if err := a.DB.R().QueryRowContext(ctx, `SELECT id_number FROM relief_member WHERE household_id = $1 ORDER BY sort LIMIT 1`, id).Scan(&raw); err != nil || strings.Contains(raw, reliefID(1)) {
		t.Fatalf("ID number at rest: %q %v", raw, err)
	}

	// The bank list of the storm programme: one row per person paid.
	rows := exportRows(t, a, "/relief-payments/export?programme="+storm.ID, tok["jzjz"])
	if len(rows) != 3 || rows[0][1] != "救助类型" || rows[0][9] != "金额（元）" || rows[0][10] != "发放日期" {
		t.Fatalf("bank list: %v", rows)
	}
	if rows[1][1] != "应急救助" || rows[1][9] != "600" || rows[1][6] != reliefID(1) {
		t.Fatalf("bank row: %v", rows[1])
	}
	masked := exportRows(t, a, "/relief-payments/export?programme="+storm.ID, tok["leader"])
	if masked[1][6] != person.MaskID(reliefID(1)) {
		t.Fatalf("leader's bank list: %v", masked[1])
	}
	var tot relief.Totals
	getJSON(t, a, "/api/v1/relief/totals?programme="+storm.ID, tok["leader"], &tot)
	if tot.All.Amount != 60000 || tot.All.People != 2 || len(tot.ByTown) != 1 || tot.ByTown[0].Key != "349901100" {
		t.Fatalf("totals: %+v", tot)
	}

	// Pages render for the roles that read them.
	for _, p := range []string{"/relief/programmes", "/relief/programmes/" + storm.ID, "/relief/households", "/relief/households/" + id, "/relief/payments", "/relief/duplicates", "/relief/households/new", "/"} {
		if rec := do(a, "GET", p, tok["town"], nil); rec.Code != 200 {
			t.Errorf("GET %s as town: %d %s", p, rec.Code, rec.Body.String())
		}
	}
	// A refused step on the page keeps the household shown with the rule (409).
	rec := do(a, "POST", "/relief/households/"+id+"/payments", tok["town"], strings.NewReader(url.Values{"member_id": {mem}, "category": {"living"},
		"mode": {"money"}, "amount": {"1.00"}, "paid_on": {"2022-06-30"}}.Encode()))
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "重复发放") {
		t.Fatalf("page refusal: %d", rec.Code)
	}
}

// exportRows downloads an export and reads its first sheet as text.
func exportRows(t *testing.T, a *app.App, path, tok string) [][]string {
	t.Helper()
	rec := do(a, "GET", path, tok, nil)
	if rec.Code != 200 {
		t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body.String())
	}
	x, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.GetRows(x.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// runImport runs a household import into the programme as p.
func runImport(t *testing.T, a *app.App, l *ledger.Ledger, p *auth.Principal, programme string, file []byte) *ledger.Result {
	t.Helper()
	res, err := ledger.Run(context.Background(), l, p, bytes.NewReader(file), ledger.Options{Target: programme}, nil)
	if res == nil {
		t.Fatal(err)
	}
	return res
}

func anyRows(rows [][]string) [][]any {
	out := make([][]any, len(rows))
	for i, r := range rows {
		out[i] = make([]any, len(r))
		for j, v := range r {
			out[i][j] = v
		}
	}
	return out
}

// TestReliefImport imports households: a bad ID number is reported with
// row, column and reason and nothing is committed; a good file goes in.
func TestReliefImport(t *testing.T) {
	a := demoApp(t, false, time.Date(2022, 6, 30, 2, 0, 0, 0, time.UTC))
	ctx := context.Background()
	town, err := a.Auth.PrincipalFor(ctx, "town")
	if err != nil {
		t.Fatal(err)
	}
	l, ok := a.Ledgers.Get(relief.HouseholdsKind)
	if !ok {
		t.Fatal("no household ledger")
	}
	progs, err := a.Relief.Programmes(ctx, town)
	if err != nil {
		t.Fatal(err)
	}
	var storm string
	for _, g := range progs {
		if g.Name == relief.DemoStormName {
			storm = g.ID
		}
	}
	good := func(n int) string { return reliefID(100 + n) }
	badID := good(3)[:17] + "Y"
	file := func(third string) []byte {
		return xlsxtest.Fill(t, l.Schema, anyRows([][]string{
			{"1", "籍山镇", "新林村", "刘德明", "刘德明", good(1), "户主", "否", "是", "否", "是", "刘德明", "6227000000000000001", "", ""},
			{"1", "籍山镇", "新林村", "刘德明", "刘小红", good(2), "子女", "", "", "", "", "", "", "", ""},
			{"2", "籍山镇", "奎湖村", "何淑珍", "何淑珍", third, "户主", "", "", "", "", "", "", "", ""},
		}))
	}
	before, _, _ := a.Relief.Households(ctx, town, relief.HouseholdFilter{ProgrammeID: storm})
	res := runImport(t, a, l, town, storm, file(badID))
	if res.Committed || len(res.Errors) != 1 || res.Errors[0].Row != 4 || res.Errors[0].Key != "id_number" || !strings.Contains(res.Errors[0].Reason, "身份证号") {
		t.Fatalf("bad file: %+v", res)
	}
	after, _, _ := a.Relief.Households(ctx, town, relief.HouseholdFilter{ProgrammeID: storm})
	if len(after) != len(before) {
		t.Fatal("a bad file committed rows")
	}
	res = runImport(t, a, l, town, storm, file(good(3)))
	if !res.Committed || res.Imported != 3 {
		t.Fatalf("good file: %+v", res)
	}
	after, _, _ = a.Relief.Households(ctx, town, relief.HouseholdFilter{ProgrammeID: storm, Q: good(2)})
	if len(after) != 1 || len(after[0].Members) != 2 || !after[0].MinLiving || after[0].Step != relief.StepReported {
		t.Fatalf("imported: %+v", after)
	}
	// The same file again: everyone is already on the list.
	res = runImport(t, a, l, town, storm, file(good(3)))
	if res.Committed || len(res.Errors) != 3 || !strings.Contains(res.Errors[0].Reason, "其他户") {
		t.Fatalf("again: %+v", res)
	}
	// Without a chosen programme the file is refused (no silent default).
	if _, err := ledger.Run(ctx, l, town, bytes.NewReader(file(good(4))), ledger.Options{}, nil); errs.KindOf(err) != errs.Invalid {
		t.Fatalf("no programme chosen: %v", err)
	}
}

// TestReliefEditReturnPublicityPages: on the pages, a household at 户报 is
// changed through its form; one in 公示 refuses the change naming the rule
// until it is sent back; the printable 公示 list (page, PDF, Excel) shows
// every ID number masked, whoever prints it.
func TestReliefEditReturnPublicityPages(t *testing.T) {
	a := demoApp(t, false, time.Date(2022, 6, 30, 2, 0, 0, 0, time.UTC))
	ctx := context.Background()
	admin, err := a.Auth.PrincipalFor(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	town, ro := userToken(t, a, "town"), userToken(t, a, "readonly")
	var storm string
	progs, _ := a.Relief.Programmes(ctx, admin)
	for _, g := range progs {
		if g.Name == relief.DemoStormName {
			storm = g.ID
		}
	}
	hs, _, err := a.Relief.Households(ctx, admin, relief.HouseholdFilter{ProgrammeID: storm, Limit: 100})
	if err != nil || len(hs) != 8 {
		t.Fatalf("storm households: %d %v", len(hs), err)
	}
	var reported, inNotice relief.Household
	var clear []string
	listed := 0
	for _, h := range hs {
		switch h.Step {
		case relief.StepReported:
			reported = h
		case relief.StepPublicity:
			inNotice = h
		}
		for _, m := range h.Members {
			clear = append(clear, m.IDNumber)
			if slices.Contains(relief.PublicitySteps, h.Step) {
				listed++
			}
		}
	}
	// The 公示 list.
	q := "/relief/publicity?programme=" + storm + "&town=" + reported.TownCode
	for _, tok := range []string{ro, userToken(t, a, "admin")} {
		body := page(t, a, tok, q)
		if !strings.Contains(body, `id="publicity-table"`) || strings.Count(body, "**********") < listed {
			t.Fatalf("publicity page: %d masked, want %d", strings.Count(body, "**********"), listed)
		}
		rows := exportRows(t, a, q+"&format=xlsx", tok)
		if len(rows) != 1+listed+2 || rows[0][5] != "身份证号" {
			t.Fatalf("publicity xlsx: %d rows, want %d", len(rows), 1+listed+2)
		}
		rec := do(a, "GET", q+"&format=pdf", tok, nil)
		if rec.Code != 200 || !strings.HasPrefix(rec.Body.String(), "%PDF") {
			t.Fatalf("publicity pdf: %d", rec.Code)
		}
		text := strings.Join(strings.Fields(pdfText(t, rec.Body.Bytes())), "")
		for _, id := range clear {
			if strings.Contains(body, id) || strings.Contains(text, id) || strings.Contains(fmt.Sprint(rows), id) {
				t.Fatalf("clear ID number %s on the 公示 list", person.MaskID(id))
			}
		}
		if !strings.Contains(text, person.MaskID(inNotice.Members[0].IDNumber)) || !strings.Contains(text, "异议") {
			t.Fatalf("pdf text: %s", text)
		}
	}

	// Change at 户报 through the form.
	form := page(t, a, town, "/relief/households/"+reported.ID+"/edit")
	if !strings.Contains(form, `action="/relief/households/`+reported.ID+`"`) || !strings.Contains(form, reported.Members[0].IDNumber) {
		t.Fatal("edit form does not show the household")
	}
	v := url.Values{"town_code": {reported.TownCode}, "village_code": {reported.VillageCode}, "head_name": {reported.HeadName}, "min_living": {"1"}}
	for i, m := range reported.Members {
		k := fmt.Sprintf("members.%d.", i)
		v.Set(k+"name", m.Name)
		v.Set(k+"id_number", m.IDNumber)
	}
	bad := url.Values{}
	for k, x := range v {
		bad[k] = x
	}
	bad.Set("members.0.id_number", reported.Members[0].IDNumber[:17]+map[bool]string{true: "1", false: "0"}[reported.Members[0].IDNumber[17] == '0'])
	if rec := do(a, "POST", "/relief/households/"+reported.ID, town, strings.NewReader(bad.Encode())); rec.Code != http.StatusUnprocessableEntity ||
		!strings.Contains(rec.Body.String(), bad.Get("members.0.id_number")) {
		t.Fatalf("bad ID on edit: %d (the form keeps what was typed)", rec.Code)
	}
	if rec := do(a, "POST", "/relief/households/"+reported.ID, town, strings.NewReader(v.Encode())); rec.Code != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", rec.Code, rec.Body.String())
	}
	if h, _ := a.Relief.Household(ctx, admin, reported.ID); !h.MinLiving || h.Step != relief.StepReported {
		t.Fatalf("after edit: %+v", h)
	}
	// In 公示: refused with the rule, until sent back.
	if rec := do(a, "GET", "/relief/households/"+inNotice.ID+"/edit", town, nil); rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "退回") {
		t.Fatalf("edit in 公示: %d", rec.Code)
	}
	if body := page(t, a, town, "/relief/households/"+inNotice.ID); !strings.Contains(body, `id="return-form"`) || strings.Contains(body, `id="household-edit"`) {
		t.Fatal("the household in 公示 offers no send-back, or offers an edit")
	}
	if rec := do(a, "POST", "/relief/households/"+inNotice.ID+"/return", town, strings.NewReader("return_note=户主姓名录错")); rec.Code != http.StatusSeeOther {
		t.Fatalf("return: %d %s", rec.Code, rec.Body.String())
	}
	if rec := do(a, "GET", "/relief/households/"+inNotice.ID+"/edit", town, nil); rec.Code != 200 {
		t.Fatalf("edit after return: %d", rec.Code)
	}
}
