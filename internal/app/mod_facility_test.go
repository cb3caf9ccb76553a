package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"yingji/internal/app"
	"yingji/internal/bureau/enterprise"
	"yingji/internal/bureau/facility"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/demo"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/web"
	"yingji/internal/kit/xlsx/xlsxtest"
)

// facDay is a calendar date in the bureau's zone.
func facDay(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02", s, web.Shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

// facRowCounts counts the facility, status and audit rows (idempotency).
func facRowCounts(t *testing.T, a *app.App) [3]int {
	t.Helper()
	var out [3]int
	for i, table := range []string{"facility", "facility_status", "audit_log"} {
		if err := a.DB.R().QueryRowContext(context.Background(), "SELECT count(*) FROM "+table).Scan(&out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

type facList struct {
	Items []facility.Facility `json:"items"`
	Total int                 `json:"total"`
}

func facGetList(t *testing.T, a *app.App, token, query string) facList {
	t.Helper()
	rec := do(a, "GET", "/api/v1/facilities?size=500&"+query, token, nil)
	var l facList
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &l) != nil {
		t.Fatalf("facility list %q: %d %s", query, rec.Code, rec.Body.String())
	}
	return l
}

func facByName(t *testing.T, l facList, name string) facility.Facility {
	t.Helper()
	for _, f := range l.Items {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no facility %s", name)
	return facility.Facility{}
}

func facJSON(v any) io.Reader {
	b, _ := json.Marshal(v)
	return bytes.NewReader(b)
}

func testFacilities(t *testing.T, pg bool) {
	ctx := context.Background()
	a := start(t, pg)
	out := &bytes.Buffer{}
	if err := a.LoadDemo(ctx, out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "17 facilities created") {
		t.Fatalf("demo output: %s", out.String())
	}
	// Loading twice changes nothing.
	before := facRowCounts(t, a)
	out.Reset()
	if err := a.LoadDemo(ctx, out); err != nil {
		t.Fatal(err)
	}
	if after := facRowCounts(t, a); after != before || !strings.Contains(out.String(), "0 facilities created") {
		t.Fatalf("second demo load: %v → %v (%s)", before, after, out.String())
	}
	sys := a.System()
	// The status changes below are dated after the demo's business date:
	// they run on the real date.
	if err := a.SetBusinessDate(ctx, ""); err != nil {
		t.Fatal(err)
	}

	// The report's figures from the records: F-MINE-3, F-MINE-5, F-MINE-6.
	c, err := a.Facility.CountsAt(ctx, sys, facDay("2022-06-30"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[[2]string]int{
		{facility.KindUnderground, facility.StatusProducing}: 4,
		{facility.KindOpenPit, facility.StatusProducing}:     3,
		{facility.KindOpenPit, facility.StatusClosing}:       2,
		{facility.KindTailings, facility.StatusDelisted}:     3,
		{facility.KindTailings, facility.StatusClosure}:      2,
		{facility.KindHazard, facility.StatusInUse}:          2,
		{facility.KindHazard, facility.StatusEliminated}:     1,
	}
	for k, n := range want {
		if got := c.Get(k[0], k[1]); got != n {
			t.Errorf("2022-06-30 %s %s: %d, want %d", k[0], k[1], got, n)
		}
	}
	c, _ = a.Facility.CountsAt(ctx, sys, facDay("2021-12-31"))
	if c.Get(facility.KindTailings, facility.StatusClosure) != 3 || c.Get(facility.KindTailings, facility.StatusRunning) != 2 ||
		c.Get(facility.KindOpenPit, facility.StatusProducing) != 5 || c.Kind(facility.KindHazard) != 3 {
		t.Errorf("2021-12-31: %v", c)
	}
	if c, _ := a.Facility.CountsAt(ctx, sys, facDay("2009-01-01")); c.Kind(facility.KindOpenPit) != 1 || c.Kind(facility.KindTailings) != 0 {
		t.Errorf("2009-01-01: facilities not registered yet are counted: %v", c)
	}
	h1 := func(kind, to string) []facility.Change {
		t.Helper()
		list, err := a.Facility.StatusChangesBetween(ctx, sys, facDay("2022-01-01"), facDay("2022-06-30"), kind, to)
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	delisted := h1(facility.KindTailings, facility.StatusDelisted)
	if len(delisted) != 3 || delisted[0].FacilityName != "示例县兆丰矿业选厂尾矿库" || delisted[0].From != facility.StatusClosure ||
		delisted[0].EnterpriseName != "示例县兆丰矿业有限公司" {
		t.Errorf("tailings ponds delisted in 2022 H1: %+v", delisted)
	}
	names := map[string]bool{}
	for _, c := range delisted {
		names[c.FacilityName] = true
	}
	for _, n := range []string{"示例县兆丰矿业选厂尾矿库", "示例县铜南选厂尾矿库", "示例县近山矿业第一选厂尾矿库"} {
		if !names[n] {
			t.Errorf("%s not delisted in 2022 H1", n)
		}
	}
	if closing := h1(facility.KindOpenPit, facility.StatusClosing); len(closing) != 2 || closing[0].FacilityName != "工山镇新岭石灰石矿（露天开采）" ||
		!strings.HasPrefix(closing[0].Date, "2022-04-") {
		t.Errorf("open-pit mines closing in 2022 H1: %+v", closing)
	}
	if el := h1(facility.KindHazard, facility.StatusEliminated); len(el) != 1 || el[0].EnterpriseName != "安徽华林特种气体有限公司" ||
		!strings.HasPrefix(el[0].Date, "2022-05-") {
		t.Errorf("major hazard sources eliminated: %+v", el)
	}
	if all := h1("", ""); len(all) != 8 { // 2 closing, 3 delisted, 2 closure, 1 eliminated
		t.Errorf("all changes in 2022 H1: %d %+v", len(all), all)
	}

	// Scope: who sees which facilities.
	toks := tokens(t, a)
	jg1 := userToken(t, a, "jg1") // 监管一股: mines and hazardous chemicals
	if l := facGetList(t, a, jg1, ""); l.Total != 17 {
		t.Errorf("监管一股 sees %d facilities", l.Total)
	}
	for role, n := range map[auth.Role]int{auth.RoleAdmin: 17, auth.RoleLeader: 17, auth.RoleReadOnly: 17, auth.RoleEnforcer: 17, auth.RoleDuty: 17,
		auth.RoleTown: 0, auth.RoleEnterprise: 2} {
		if l := facGetList(t, a, toks[role], ""); l.Total != n || len(l.Items) != n {
			t.Errorf("%s sees %d facilities, want %d", role, l.Total, n)
		}
	}
	jg2Tok := userToken(t, a, "jg2")
	if l := facGetList(t, a, jg2Tok, ""); l.Total != 0 {
		t.Errorf("监管二股 sees %d mine/chemical facilities", l.Total)
	}
	// The enterprise account sees its own facilities only, read-only.
	qiye := toks[auth.RoleEnterprise]
	own := facGetList(t, a, qiye, "")
	for _, f := range own.Items {
		if f.EnterpriseID != demo.EnterpriseID || f.EnterpriseName != "示例县兆丰矿业有限公司" {
			t.Errorf("enterprise account sees %s of %s", f.Name, f.EnterpriseName)
		}
	}
	all := facGetList(t, a, toks[auth.RoleAdmin], "")
	other := facByName(t, all, "示例县铜南选厂尾矿库")
	rec := do(a, "GET", "/api/v1/facilities/"+other.ID, qiye, nil)
	if rec.Code != 403 || rec.Header().Get(web.DeniedByHeader) != "" {
		t.Errorf("enterprise account reading another's facility: %d %s", rec.Code, rec.Body.String())
	}
	var denied int
	_ = a.DB.R().QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE entity = 'facility' AND entity_id = $1 AND action = 'denied'`, other.ID).Scan(&denied)
	if denied != 1 {
		t.Errorf("refused attempt audited %d times", denied)
	}
	if rec := do(a, "GET", "/facilities/"+own.Items[0].ID, qiye, nil); rec.Code != 200 || strings.Contains(rec.Body.String(), `id="status-form"`) ||
		strings.Contains(rec.Body.String(), `id="edit-facility"`) {
		t.Errorf("enterprise account's own facility page: %d", rec.Code)
	}
	if rec := do(a, "POST", "/api/v1/facilities/"+own.Items[0].ID+"/statuses", qiye, facJSON(map[string]string{"status": "suspended"})); rec.Code != 403 ||
		rec.Header().Get(web.DeniedByHeader) != "policy" {
		t.Errorf("enterprise account changing a status: %d", rec.Code)
	}
	if rec := do(a, "GET", "/facilities", qiye, nil); rec.Code != 200 || strings.Contains(rec.Body.String(), "铜南") {
		t.Errorf("enterprise account's facility list: %d", rec.Code)
	}
	// Town staff see the facilities of their town's enterprises only.
	if rec := do(a, "GET", "/api/v1/facilities/"+other.ID, toks[auth.RoleTown], nil); rec.Code != 404 {
		t.Errorf("town staff reading a facility outside the town: %d", rec.Code)
	}

	// Status changes: the rules, named when they refuse.
	change := func(tok, id string, in map[string]string) (int, string) {
		rec := do(a, "POST", "/api/v1/facilities/"+id+"/statuses", tok, facJSON(in))
		return rec.Code, rec.Body.String()
	}
	pond := facByName(t, all, "示例县兆丰矿业选厂尾矿库")
	if code, body := change(jg1, pond.ID, map[string]string{"status": "running", "date": "2022-07-01"}); code != 422 ||
		!strings.Contains(body, "尾矿库状态规则") || !strings.Contains(body, "已销号") {
		t.Errorf("delisted pond back to running: %d %s", code, body)
	}
	pit := facByName(t, all, "工山镇新岭石灰石矿（露天开采）")
	if code, body := change(jg1, pit.ID, map[string]string{"status": "closed", "date": "2022-03-01"}); code != 422 || !strings.Contains(body, "2022-04-12") {
		t.Errorf("closed before closing began: %d %s", code, body)
	}
	if code, body := change(jg1, pit.ID, map[string]string{"status": "producing", "date": "2022-07-01"}); code != 422 || !strings.Contains(body, "矿山状态规则") {
		t.Errorf("closing mine back to producing: %d %s", code, body)
	}
	if code, body := change(jg1, pit.ID, map[string]string{"status": "closed", "date": "2099-01-01"}); code != 422 || !strings.Contains(body, "今天") {
		t.Errorf("future date: %d %s", code, body)
	}
	if code, _ := change(jg2Tok, pit.ID, map[string]string{"status": "closed", "date": "2022-07-01"}); code != 404 {
		t.Errorf("another section changing the status: %d", code)
	}
	mine := facByName(t, all, "示例县近山矿业铁矿（地下开采）")
	if code, body := change(jg1, mine.ID, map[string]string{"status": "停产", "date": "2022-07-01", "note": "停产整顿"}); code != 201 {
		t.Fatalf("producing → suspended: %d %s", code, body)
	}
	if code, body := change(jg1, mine.ID, map[string]string{"status": "producing", "date": "2022-08-01", "note": "复产验收"}); code != 201 {
		t.Fatalf("suspended → producing: %d %s", code, body)
	}
	if c, _ := a.Facility.CountsAt(ctx, sys, facDay("2022-07-15")); c.Get(facility.KindUnderground, facility.StatusSuspended) != 1 {
		t.Errorf("2022-07-15: %v", c)
	}
	if c, _ := a.Facility.CountsAt(ctx, sys, facDay("2022-06-30")); c.Get(facility.KindUnderground, facility.StatusProducing) != 4 {
		t.Errorf("a later change altered 2022-06-30: %v", c)
	}
	rec = do(a, "GET", "/api/v1/facilities/"+mine.ID+"/statuses", jg1, nil)
	var hist struct{ Items []facility.StatusChange }
	if json.Unmarshal(rec.Body.Bytes(), &hist) != nil || len(hist.Items) != 3 || hist.Items[1].Status != "suspended" ||
		hist.Items[1].RecordedName != "李股长" || hist.Items[2].Date != "2022-08-01" {
		t.Errorf("history: %s", rec.Body.String())
	}
	var audited int
	_ = a.DB.R().QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE entity = 'facility' AND entity_id = $1 AND action = 'status_change'`, mine.ID).Scan(&audited)
	if audited != 2 {
		t.Errorf("status changes audited %d times", audited)
	}
	// The page's form refuses a change with the rule, keeping the input.
	rec = do(a, "POST", "/facilities/"+pond.ID+"/status", jg1, strings.NewReader(url.Values{"status": {"running"}, "date": {"2022-07-01"}}.Encode()))
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), "尾矿库状态规则") {
		t.Errorf("status form: %d", rec.Code)
	}
	rec = do(a, "POST", "/facilities/"+pit.ID+"/status", jg1, strings.NewReader(url.Values{"status": {"closed"}, "date": {"2022-06-20"}, "note": {"闭坑验收"}}.Encode()))
	if rec.Code != 303 {
		t.Errorf("status form: %d %s", rec.Code, rec.Body.String())
	}
	rec = do(a, "GET", "/facilities/"+pit.ID, jg1, nil)
	if body := rec.Body.String(); rec.Code != 200 || !strings.Contains(body, "闭坑验收") || !strings.Contains(body, "2022-04-12") ||
		!strings.Contains(body, "当前状态为终态") {
		t.Errorf("facility page after closing: %d", rec.Code)
	}
	// The change history says what changed, in words, not the summary JSON.
	if body := rec.Body.String(); !strings.Contains(body, `状态：</span>关闭中 → 已关闭`) ||
		!strings.Contains(body, `日期：</span>2022-04-12 → 2022-06-20`) || !strings.Contains(body, `备注：</span>闭坑验收`) ||
		strings.Contains(body, "&#34;before&#34;") || strings.Contains(body, `"before"`) {
		_, hist, _ := strings.Cut(body, `id="facility-history"`)
		t.Errorf("facility history is not readable: %s", hist)
	}

	// Registering and editing.
	hazard := map[string]any{"enterprise_id": demo.EnterpriseID, "name": "兆丰矿业炸药库", "kind": "major_hazard", "substances": "乳化炸药"}
	rec = do(a, "POST", "/api/v1/facilities", jg1, facJSON(hazard))
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), `"level"`) {
		t.Errorf("major hazard source without a level: %d %s", rec.Code, rec.Body.String())
	}
	hazard["level"], hazard["status"], hazard["status_date"] = 3, "在用", "2020-05-01"
	rec = do(a, "POST", "/api/v1/facilities", jg1, facJSON(hazard))
	var created facility.Facility
	if rec.Code != 201 || json.Unmarshal(rec.Body.Bytes(), &created) != nil || created.Status != facility.StatusInUse || created.StatusDate != "2020-05-01" {
		t.Fatalf("register: %d %s", rec.Code, rec.Body.String())
	}
	if rec := do(a, "POST", "/api/v1/facilities", jg1, facJSON(hazard)); rec.Code != 422 || !strings.Contains(rec.Body.String(), "兆丰矿业炸药库") {
		t.Errorf("same name twice: %d %s", rec.Code, rec.Body.String())
	}
	bad := map[string]any{"enterprise_id": demo.EnterpriseID, "name": "新尾矿库", "kind": "tailings_pond", "status": "producing"}
	if rec := do(a, "POST", "/api/v1/facilities", jg1, facJSON(bad)); rec.Code != 422 || !strings.Contains(rec.Body.String(), "运行、闭库治理、已销号") {
		t.Errorf("a pond that is producing: %d %s", rec.Code, rec.Body.String())
	}
	if rec := do(a, "POST", "/api/v1/facilities", jg2Tok, facJSON(hazard)); rec.Code != 422 && rec.Code != 403 {
		t.Errorf("another section registering: %d %s", rec.Code, rec.Body.String())
	}
	saved := a.CountyBounds
	a.CountyBounds = &enterprise.Bounds{MinLat: 30.7, MinLng: 118.0, MaxLat: 31.2, MaxLng: 118.6}
	outside := map[string]any{"enterprise_id": demo.EnterpriseID, "name": "某露天矿", "kind": "mine_openpit", "lat": 39.9, "lng": 116.4}
	if rec := do(a, "POST", "/api/v1/facilities", jg1, facJSON(outside)); rec.Code != 422 || !strings.Contains(rec.Body.String(), "本县范围") {
		t.Errorf("coordinates outside the county: %d %s", rec.Code, rec.Body.String())
	}
	created.Substances, created.Level = "乳化炸药、导爆索", 2
	rec = do(a, "PUT", "/api/v1/facilities/"+created.ID, jg1, facJSON(created))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "导爆索") {
		t.Errorf("update: %d %s", rec.Code, rec.Body.String())
	}
	created.Status = facility.StatusEliminated
	if rec := do(a, "PUT", "/api/v1/facilities/"+created.ID, jg1, facJSON(created)); rec.Code != 422 {
		t.Errorf("status changed by an update: %d %s", rec.Code, rec.Body.String())
	}
	// The form: new, with the enterprise typed as its credit code.
	ent, _ := a.Enterprise.Get(ctx, sys, demo.EnterpriseID)
	form := url.Values{"name": {"兆丰矿业二号尾矿库"}, "kind": {"tailings_pond"}, "enterprise": {strings.ToLower(ent.CreditCode)},
		"status": {"running"}, "status_date": {"2015-01-01"}, "grade": {"5"}, "dam_height": {"12"}, "mineral": {"ignored"}}
	rec = do(a, "POST", "/facilities", jg1, strings.NewReader(form.Encode()))
	if rec.Code != 303 {
		t.Fatalf("new facility form: %d %s", rec.Code, rec.Body.String())
	}
	form.Set("lat", "39.9")
	form.Set("lng", "116.4")
	form.Set("name", "兆丰矿业三号尾矿库")
	if rec := do(a, "POST", "/facilities", jg1, strings.NewReader(form.Encode())); rec.Code != 422 || !strings.Contains(rec.Body.String(), "本县范围") {
		t.Errorf("form with coordinates outside the county: %d", rec.Code)
	}
	a.CountyBounds = saved
	for _, path := range []string{"/facilities/new", "/facilities/" + created.ID + "/edit"} {
		if rec := do(a, "GET", path, jg1, nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), `id="facility-form"`) {
			t.Errorf("%s: %d", path, rec.Code)
		}
	}

	// The list: counts by kind and status above the table, filters.
	rec = do(a, "GET", "/facilities?kind=tailings_pond&status=delisted", toks[auth.RoleLeader], nil)
	body := rec.Body.String()
	if rec.Code != 200 || strings.Count(body, `<tr><td><a href="/facilities/`) != 3 || !strings.Contains(body, `id="facility-counts"`) ||
		!strings.Contains(body, "闭库治理 2") {
		t.Errorf("filtered list: %d", rec.Code)
	}
	if l := facGetList(t, a, jg1, "town=349901104"); l.Total == 0 || l.Total >= 17 {
		t.Errorf("town filter: %d", l.Total)
	}
	if l := facGetList(t, a, jg1, "q="+url.QueryEscape("兆丰")); l.Total != 4 { // by the enterprise's name: 2 demo + 2 registered above
		t.Errorf("q filter: %d %+v", l.Total, l.Items)
	}
	if l := facGetList(t, a, jg1, "enterprise="+demo.EnterpriseID+"&kind=tailings_pond"); l.Total != 2 {
		t.Errorf("enterprise filter: %d", l.Total)
	}
	rec = do(a, "GET", "/api/v1/facilities/counts?date=2022-06-30", jg1, nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"delisted":3`) {
		t.Errorf("counts API: %d %s", rec.Code, rec.Body.String())
	}
	rec = do(a, "GET", "/api/v1/facilities/changes?from=2022-01-01&to=2022-06-30&kind=mine_openpit&status=closing", jg1, nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"total":2`) {
		t.Errorf("changes API: %d %s", rec.Code, rec.Body.String())
	}

	// The enterprise page counts its facilities by kind.
	rec = do(a, "GET", "/enterprises/"+demo.EnterpriseID, qiye, nil)
	if body := rec.Body.String(); rec.Code != 200 || !strings.Contains(body, `href="/facilities?enterprise=`+demo.EnterpriseID+`"`) ||
		!strings.Contains(body, "地下矿山") || !strings.Contains(body, "尾矿库") {
		t.Errorf("enterprise page: %d", rec.Code)
	}
	// The map layer.
	var layer bool
	for _, l := range a.MapLayers {
		if l.Key == "facilities" {
			layer = a.UI.I18n.Has(l.Label)
			pts, err := l.Points(ctx, sys, url.Values{})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range pts {
				if p.Kind != "facilities" || p.Colour == "" || !strings.HasPrefix(p.Link, "/facilities/") {
					t.Errorf("map point %+v", p)
				}
			}
		}
	}
	if !layer {
		t.Error("no facilities map layer with a known label")
	}

	// Export: every facility in scope, with the enterprise's credit code.
	rec = do(a, "GET", "/facilities/export?kind=tailings_pond", toks[auth.RoleLeader], nil)
	xf, err := excelize.OpenReader(rec.Body)
	if err != nil {
		t.Fatalf("export: %d %v", rec.Code, err)
	}
	rows, _ := xf.GetRows(xf.GetSheetName(0))
	if len(rows) != 7 || rows[1][1] != "尾矿库" { // header + 6 ponds
		t.Errorf("export rows: %v", rows)
	}

	// Import: per-row errors, then only the valid rows.
	file := xlsxtest.Fill(t, facility.Schema(), [][]any{
		{"兆丰矿业四号尾矿库", "尾矿库", ent.CreditCode, "", "", "", "运行", "2018-03-01", "", "", "四等", "80", "25", "", ""},
		{"某尾矿库", "尾矿库", enterprise.DemoCreditCode("349901", 9999), "", "", "", "", "", "", "", "", "", "", "", ""},
		{"某设施", "水库", ent.CreditCode, "", "", "", "", "", "", "", "", "", "", "", ""},
		{"兆丰矿业五号尾矿库", "尾矿库", ent.CreditCode, "", "", "", "生产", "", "", "", "", "", "", "", ""},
		{"兆丰矿业六号尾矿库", "尾矿库", ent.CreditCode, "", "", "", "运行", "2022-02-30", "", "", "", "", "", "", ""},
		{"兆丰矿业七号尾矿库", "尾矿库", ent.CreditCode, "", "116.4", "39.9", "运行", "", "", "", "", "", "", "", ""},
	})
	a.CountyBounds = &enterprise.Bounds{MinLat: 30.7, MinLng: 118.0, MaxLat: 31.2, MaxLng: 118.6}
	defer func() { a.CountyBounds = saved }()
	l, _ := a.Ledgers.Get("facilities")
	jg1P, err := a.Auth.PrincipalFor(ctx, "jg1")
	if err != nil {
		t.Fatal(err)
	}
	n0 := facRowCounts(t, a)
	res, err := ledger.Run(ctx, l, jg1P, bytes.NewReader(file), ledger.Options{}, nil)
	if err == nil || res.Committed {
		t.Fatalf("bad file committed: %+v", res)
	}
	reasons := map[int]string{}
	for _, e := range res.Errors {
		reasons[e.Row] += e.Key + ":" + e.Reason + " "
	}
	for row, want := range map[int]string{3: "credit_code:企业台账中没有", 4: "kind:", 5: "status:尾矿库的状态只能是", 6: "status_date:日期无效",
		7: "lat:坐标不在本县范围内"} {
		if !strings.Contains(reasons[row], want) {
			t.Errorf("row %d: %q, want %q", row, reasons[row], want)
		}
	}
	if reasons[2] != "" || len(reasons) != 5 {
		t.Errorf("errors: %v", reasons)
	}
	if facRowCounts(t, a) != n0 {
		t.Error("a bad file changed the database")
	}
	res, err = ledger.Run(ctx, l, jg1P, bytes.NewReader(file), ledger.Options{OnlyValid: true}, nil)
	if err != nil || res.Imported != 1 {
		t.Fatalf("only valid rows: %+v %v", res, err)
	}
	got := facGetList(t, a, jg1, "q="+url.QueryEscape("四号尾矿库"))
	if got.Total != 1 || got.Items[0].Grade != 4 || got.Items[0].StatusDate != "2018-03-01" || *got.Items[0].DamHeight != 25 {
		t.Errorf("imported: %+v", got.Items)
	}
	// A section staff member may not import another section's facilities.
	jg2P, _ := a.Auth.PrincipalFor(ctx, "jg2")
	res, _ = ledger.Run(ctx, l, jg2P, bytes.NewReader(xlsxtest.Fill(t, facility.Schema(), [][]any{{"兆丰矿业八号尾矿库", "尾矿库", ent.CreditCode}})), ledger.Options{}, nil)
	if res == nil || res.ErrorCount != 1 || !strings.Contains(res.Errors[0].Reason, "监管范围") {
		t.Errorf("another section's import: %+v", res)
	}

	if r, err := a.VerifyAudit(ctx); err != nil || !r.OK() {
		t.Errorf("audit chain: %+v %v", r, err)
	}
}

func TestFacilitiesSQLite(t *testing.T)   { testFacilities(t, false) }
func TestFacilitiesPostgres(t *testing.T) { testFacilities(t, true) }
