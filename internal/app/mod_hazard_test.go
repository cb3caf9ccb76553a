package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"yingji/internal/app"
	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/attach/attachtest"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/demo"
	"yingji/internal/kit/org"
)

// hzRowCounts counts the hazard tables' rows (idempotency of the demo).
func hzRowCounts(t *testing.T, a *app.App) [3]int {
	t.Helper()
	var out [3]int
	for i, table := range []string{"hazard", "hazard_event", "hazard_self_report"} {
		if err := a.DB.R().QueryRowContext(context.Background(), "SELECT count(*) FROM "+table).Scan(&out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// hzStats returns StatsBy rows by key.
func hzStats(t *testing.T, a *app.App, f hazard.Filter, by string) map[string]hazard.StatRow {
	t.Helper()
	rows, err := a.Hazard.StatsBy(context.Background(), a.System(), f, by)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]hazard.StatRow{}
	for _, r := range rows {
		out[r.Key] = r
	}
	return out
}

func testHazardDemo(t *testing.T, pg bool) {
	ctx := context.Background()
	a := start(t, pg)
	out := &bytes.Buffer{}
	if err := a.LoadDemo(ctx, out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "3542 hazards created") {
		t.Fatalf("demo output: %s", out.String())
	}
	before := hzRowCounts(t, a)
	out.Reset()
	if err := a.LoadDemo(ctx, out); err != nil {
		t.Fatal(err)
	}
	if after := hzRowCounts(t, a); after != before || !strings.Contains(out.String(), "0 hazards created") {
		t.Fatalf("second demo load: %v → %v (%s)", before, after, out.String())
	}

	// F-BIG-1: the 2022 大检查, January to May: 3265 general hazards, 2979
	// rectified by 31 May; 3 major (F-BIG-2: the supervision demo lists
	// them, closes one and extends two).
	big := hazard.Filter{Campaign: hazard.CampaignBig, From: "2022-01-01", To: "2022-05-31"}
	g := hzStats(t, a, big, "grade")
	if g["general"].Found != 3265 || g["general"].Rectified != 2979 || g["major"].Found != 3 {
		t.Errorf("F-BIG-1/2: %+v", g)
	}
	// F-BIG-3: the enterprises' self-checks (a subset of the campaign):
	// 2276 general, 2158 rectified.
	self := big
	self.Source = hazard.SourceSelfCheck
	if g := hzStats(t, a, self, "grade"); g["general"].Found != 2276 || g["general"].Rectified != 2158 || len(g) != 1 {
		t.Errorf("F-BIG-3: %+v", g)
	}
	// The campaign spreads over towns, sectors and departments.
	if towns := hzStats(t, a, big, "town_code"); len(towns) != 9 {
		t.Errorf("campaign towns: %d", len(towns))
	}
	if src := hzStats(t, a, big, "source"); src["department"].Found == 0 || src["inspection"].Found == 0 {
		t.Errorf("campaign sources: %+v", src)
	}
	// F-MINE-1: the mine section's hazards of the half year: 166 general, 5 major.
	units, err := a.Org.ListUnits(ctx, a.System(), org.UnitFilter{})
	if err != nil {
		t.Fatal(err)
	}
	unit := map[string]string{}
	for _, u := range units {
		unit[u.Name] = u.ID
	}
	mine := hazard.Filter{Unit: unit["监管一股"], Sector: "mine", From: "2022-01-01", To: "2022-06-30"}
	if m := hzStats(t, a, mine, ""); m["total"].Found != 171 || m["total"].Major != 5 {
		t.Errorf("F-MINE-1: %+v", m)
	}
	// F-MINE-3: the third party's 90 hazards at the 4 underground mines, 5 major.
	tp := hazard.Filter{Sector: "mine", Source: hazard.SourceThirdParty, From: "2022-01-01", To: "2022-06-30"}
	if m := hzStats(t, a, tp, ""); m["total"].Found != 90 || m["total"].Major != 5 {
		t.Errorf("F-MINE-3: %+v", m)
	}
	var mines int
	if err := a.DB.R().QueryRowContext(ctx, `SELECT count(DISTINCT enterprise_id) FROM hazard WHERE source = 'third_party'`).Scan(&mines); err != nil || mines != 4 {
		t.Errorf("F-MINE-3 mines: %d %v", mines, err)
	}
	// The 5 majors are F-MINE-1's; they and the campaign's 3 have fixed ids
	// and complete plans (the supervision demo lists them).
	for _, id := range append(append([]string{}, hazard.DemoMineMajorIDs...), hazard.DemoBigMajorIDs...) {
		r, err := a.Hazard.Get(ctx, a.System(), id)
		if err != nil || r.Grade != hazard.Major || !r.PlanComplete() || r.Clause == "" {
			t.Errorf("major %s: %v %+v", id, err, r)
		}
	}
	// F-CHEM-1: 51 hazards of the chemicals and fireworks sectors.
	chem := hazard.Filter{Unit: unit["监管一股"], Sectors: []string{"chem_produce", "chem_trade", "fireworks_wholesale", "fireworks_retail", "petrol"},
		From: "2022-01-01", To: "2022-06-30"}
	if m := hzStats(t, a, chem, ""); m["total"].Found != 51 {
		t.Errorf("F-CHEM-1: %+v", m)
	}
	// F-FLOOD-1 and F-FIRE-1.
	if m := hzStats(t, a, hazard.Filter{Campaign: hazard.CampaignFlood}, ""); m["total"].Found != 47 {
		t.Errorf("F-FLOOD-1: %+v", m)
	}
	if m := hzStats(t, a, hazard.Filter{Campaign: hazard.CampaignForest}, ""); m["total"].Found != 5 || m["total"].Rectified != 5 {
		t.Errorf("F-FIRE-1: %+v", m)
	}
	// The department user of 县住建局 sees only its unit's hazards.
	dept, _ := a.Auth.PrincipalFor(ctx, "dept")
	c, err := a.Hazard.Counts(ctx, dept, hazard.Filter{})
	if err != nil || c.Found != 160 {
		t.Errorf("县住建局's hazards: %+v %v", c, err)
	}
	// Self-reports: 2022Q1 has submitted and late enterprises. The demo's
	// enterprises are registered on the day the demo is loaded, so none
	// owed the report of 2022Q1: those that did not report are not
	// missing (an enterprise's obligation starts with the period of its
	// registration), and only those that reported are listed.
	_, sc, err := a.Hazard.SelfReportStatuses(ctx, a.System(), hazard.Period{Year: 2022, Quarter: 1}, hazard.SelfFilter{}, time.Date(2022, 6, 30, 12, 0, 0, 0, time.UTC))
	if err != nil || sc.OnTime == 0 || sc.Late == 0 || sc.Missing != 0 || sc.OnTime+sc.Late != sc.Enterprises {
		t.Errorf("self-reports 2022Q1: %+v %v", sc, err)
	}
	// Renaming an enterprise renames it on its hazards and cards: the
	// ledger finds them by the new name.
	e, err := a.Enterprise.Get(ctx, a.System(), demo.EnterpriseID)
	if err != nil {
		t.Fatal(err)
	}
	own, err := a.Hazard.Counts(ctx, a.System(), hazard.Filter{Enterprise: e.ID})
	if err != nil || own.Found == 0 {
		t.Fatalf("the demo enterprise's hazards: %+v %v", own, err)
	}
	e.Name += "（更名）"
	if _, err := a.Enterprise.Update(ctx, a.System(), e.ID, e); err != nil {
		t.Fatal(err)
	}
	if byName, err := a.Hazard.Counts(ctx, a.System(), hazard.Filter{Q: e.Name}); err != nil || byName.Found != own.Found {
		t.Errorf("hazards found by the new name: %+v of %d (%v)", byName, own.Found, err)
	}
	var stale int
	_ = a.DB.R().QueryRowContext(ctx, `SELECT count(*) FROM hazard_card_event WHERE enterprise_id = $1 AND place_name <> $2`, e.ID, e.Name).Scan(&stale)
	if stale != 0 {
		t.Errorf("%d card events keep the old name", stale)
	}
	if res, err := a.VerifyAudit(ctx); err != nil || !res.OK() {
		t.Fatalf("audit: %+v %v", res, err)
	}
}

func TestHazardDemoFigures(t *testing.T) { testHazardDemo(t, false) }

func TestHazardDemoFiguresPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	testHazardDemo(t, true)
}

// hzPost posts a multipart form (with photos under "photos") with a
// bearer token.
func hzPost(t *testing.T, a *app.App, path, token string, fields map[string]string, photos ...[]byte) *httptest.ResponseRecorder {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	for i, p := range photos {
		fw, _ := mw.CreateFormFile("photos", []string{"整改后.png", "现场.png", "b.png"}[i%3])
		_, _ = fw.Write(p)
	}
	mw.Close()
	req := httptest.NewRequest("POST", path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	a.Handler.ServeHTTP(rec, req)
	return rec
}

var fileLink = regexp.MustCompile(`/hazards/files/([0-9A-Z]{26})`)

func TestHazardPagesLoop(t *testing.T) {
	ctx := context.Background()
	a := start(t, false)
	if err := a.Enterprise.Demo(ctx, io.Discard, a.Cfg.County, demo.EnterpriseID, nil); err != nil {
		t.Fatal(err)
	}
	toks := tokens(t, a)
	jg1, jg2, qiye, zhifa, town := userToken(t, a, "jg1"), userToken(t, a, "jg2"), userToken(t, a, "qiye"), userToken(t, a, "zhifa"), userToken(t, a, "town")
	today := a.Hazard.Today()

	// The enterprise search answers JSON in scope, and <option>s for htmx.
	rec := do(a, "GET", "/hazards/enterprises?q=兆丰", jg1, nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), demo.EnterpriseID) {
		t.Fatalf("enterprise search: %d %s", rec.Code, rec.Body.String())
	}
	if rec := do(a, "GET", "/hazards/enterprises?q=兆丰", jg2, nil); strings.Contains(rec.Body.String(), demo.EnterpriseID) {
		t.Fatal("section 2 finds a mine")
	}

	// Section 1 reports a hazard at the demo mine with a photo.
	rec = hzPost(t, a, "/hazards", jg1, map[string]string{"where": "enterprise", "enterprise_id": demo.EnterpriseID, "source": "inspection",
		"description": "井下避灾路线标识不清", "found_on": today, "category": "thing"}, attachtest.PNG(t, 8, 6))
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/hazards/") {
		t.Fatalf("report: %d %s", rec.Code, rec.Body.String())
	}
	path := rec.Header().Get("Location")
	id := strings.TrimPrefix(path, "/hazards/")
	step := func(token string, fields map[string]string, photos ...[]byte) *httptest.ResponseRecorder {
		return hzPost(t, a, path+"/steps", token, fields, photos...)
	}
	if rec := step(jg1, map[string]string{"action": "grade", "grade": "general"}); rec.Code != http.StatusSeeOther {
		t.Fatalf("grade: %d %s", rec.Code, rec.Body.String())
	}
	// A step no longer possible (grading twice, from a page left open)
	// says why above the steps that are.
	// It is a conflict with the hazard as it stands (409), not a bad field.
	if rec := step(jg1, map[string]string{"action": "grade", "grade": "general"}); rec.Code != http.StatusConflict ||
		!strings.Contains(rec.Body.String(), `id="step-error">隐患当前的状态不能办理这一步`) {
		t.Fatalf("a stale step: %d", rec.Code)
	}
	// A refused step names the rule and keeps what was typed.
	// (Without a typed number the enforcement register numbers the order;
	// without a deadline it is refused.)
	rec = step(jg1, map[string]string{"action": "order", "doc_number": "（示）应急责改〔2022〕9号", "reason": "限期整改"})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "请填写整改期限") ||
		!strings.Contains(rec.Body.String(), `value="（示）应急责改〔2022〕9号"`) || !strings.Contains(rec.Body.String(), "限期整改</textarea>") {
		t.Fatalf("order without a document: %d %s", rec.Code, rec.Body.String())
	}
	if rec := step(jg1, map[string]string{"action": "order", "deadline": "2099-01-01", "doc_number": "（示）应急责改〔2022〕9号"}); rec.Code != http.StatusSeeOther {
		t.Fatalf("order: %d %s", rec.Code, rec.Body.String())
	}
	// The enterprise reports the rectification: refused without a photo,
	// accepted with one (multipart, as a phone sends it).
	rec = step(qiye, map[string]string{"action": "submit", "reason": "已更换标识"})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "请上传整改后的照片作为证据") || !strings.Contains(rec.Body.String(), "已更换标识") {
		t.Fatalf("submit without evidence: %d", rec.Code)
	}
	if rec := step(qiye, map[string]string{"action": "submit", "reason": "已更换标识"}, attachtest.PNG(t, 8, 6)); rec.Code != http.StatusSeeOther {
		t.Fatalf("submit: %d %s", rec.Code, rec.Body.String())
	}
	if rec := step(qiye, map[string]string{"action": "verify"}); rec.Code != http.StatusForbidden {
		t.Fatalf("the enterprise verifies: %d", rec.Code)
	}
	// The inspector verifies and closes.
	if rec := step(zhifa, map[string]string{"action": "verify", "doc_number": "（示）应急复查〔2022〕9号"}); rec.Code != http.StatusSeeOther {
		t.Fatalf("verify: %d %s", rec.Code, rec.Body.String())
	}
	if rec := step(zhifa, map[string]string{"action": "close"}); rec.Code != http.StatusSeeOther {
		t.Fatalf("close: %d %s", rec.Code, rec.Body.String())
	}
	r, err := a.Hazard.Get(ctx, a.System(), id)
	if err != nil || r.State != hazard.Closed || r.ClosedOn != today || r.ReviewNumber == "" {
		t.Fatalf("after the loop: %v %+v", err, r)
	}
	// The page shows the timeline with the photos; the files are served
	// inline in scope and refused outside it.
	rec = do(a, "GET", path, qiye, nil)
	body := rec.Body.String()
	if rec.Code != 200 || strings.Count(body, `<li class="ev-`) != 6 || !strings.Contains(body, "（示）应急复查〔2022〕9号") {
		t.Fatalf("detail: %d", rec.Code)
	}
	files := fileLink.FindAllStringSubmatch(body, -1)
	if len(files) < 2 {
		t.Fatalf("thumbnails: %v", files)
	}
	rec = do(a, "GET", "/hazards/files/"+files[0][1], qiye, nil)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "image/png" || !strings.HasPrefix(rec.Header().Get("Content-Disposition"), "inline") {
		t.Fatalf("file: %d %v", rec.Code, rec.Header())
	}
	if rec := do(a, "GET", "/hazards/files/"+files[0][1], jg2, nil); rec.Code != http.StatusNotFound {
		t.Fatalf("a file of a hazard outside the scope: %d", rec.Code)
	}
	if rec := do(a, "GET", path, jg2, nil); rec.Code != http.StatusNotFound {
		t.Fatalf("a hazard outside the scope: %d", rec.Code)
	}

	// A town user sees only the town's hazards and reports only there.
	rec = hzPost(t, a, "/hazards", town, map[string]string{"where": "place", "place_name": "籍山镇农贸市场", "town_code": "349901100", "source": "inspection",
		"description": "消防通道堵塞", "found_on": today})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("town report: %d %s", rec.Code, rec.Body.String())
	}
	rec = hzPost(t, a, "/hazards", town, map[string]string{"where": "place", "place_name": "弋江镇某工地", "town_code": "349901101", "source": "inspection",
		"description": "临边防护缺失", "found_on": today})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "只能上报本乡镇的隐患") || !strings.Contains(rec.Body.String(), "弋江镇某工地") {
		t.Fatalf("another town's hazard: %d", rec.Code)
	}
	if _, err := a.Hazard.Report(ctx, a.System(), hazard.NewHazard{PlaceName: "弋江镇某工地", TownCode: "349901101", Source: hazard.SourceDepartment,
		Description: "临边防护缺失", FoundOn: today}); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Items  []hazard.Record `json:"items"`
		Total  int             `json:"total"`
		Counts hazard.Counts   `json:"counts"`
	}
	rec = do(a, "GET", "/api/v1/hazards", town, nil)
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || list.Total != 1 || list.Items[0].TownCode != "349901100" {
		t.Fatalf("town scope: %s", rec.Body.String())
	}
	rec = do(a, "GET", "/hazards", town, nil)
	if rec.Code != 200 || strings.Contains(rec.Body.String(), "弋江镇某工地") || !strings.Contains(rec.Body.String(), "籍山镇农贸市场") {
		t.Fatalf("town ledger: %d", rec.Code)
	}
	if rec := do(a, "GET", "/api/v1/hazards", toks[auth.RoleAdmin], nil); json.Unmarshal(rec.Body.Bytes(), &list) != nil || list.Total != 3 {
		t.Fatalf("county ledger: %s", rec.Body.String())
	}
	// The API takes a step from JSON.
	rec = do(a, "POST", "/api/v1/hazards/"+list.Items[0].ID+"/steps", toks[auth.RoleAdmin], strings.NewReader(`{"action":"grade","grade":"major"}`))
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), "重大隐患必须选择判定标准条款") {
		t.Fatalf("api step: %d %s", rec.Code, rec.Body.String())
	}
	rec = do(a, "POST", "/api/v1/hazards/"+list.Items[0].ID+"/steps", toks[auth.RoleAdmin], strings.NewReader(`{"action":"grade","grade":"major","clause":"化工121号第二十项"}`))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"clause":"hg-20"`) {
		t.Fatalf("api step: %d %s", rec.Code, rec.Body.String())
	}
	// The other pages answer.
	for _, p := range []string{"/hazards/overdue", "/hazards/stats?from=2020-01-01", "/hazards/new", "/self-reports", "/hazards/export", "/hazards/stats/export"} {
		if rec := do(a, "GET", p, jg1, nil); rec.Code != 200 {
			t.Errorf("%s: %d", p, rec.Code)
		}
	}
	// The enterprise, registered today, owes no period yet: the page says
	// from which period on it reports.
	if rec := do(a, "GET", "/self-reports", qiye, nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), `id="self-none"`) {
		t.Errorf("enterprise self-report page: %d", rec.Code)
	}
	// The enterprise page counts the enterprise's hazards.
	if rec := do(a, "GET", "/enterprises/"+demo.EnterpriseID, jg1, nil); !strings.Contains(rec.Body.String(), "/hazards?enterprise="+demo.EnterpriseID) {
		t.Errorf("enterprise page: no hazard counts")
	}
}
