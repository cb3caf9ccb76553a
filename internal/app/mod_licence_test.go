package app_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"yingji/internal/app"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/jobs"
)

// licStart opens an app whose clock stands on 2022-07-01 (the day the
// half-year report is written) and loads the whole demo.
func licStart(t *testing.T, pg bool) (*app.App, map[auth.Role]string) {
	t.Helper()
	a := demoApp(t, pg, time.Date(2022, 7, 1, 2, 0, 0, 0, time.UTC))
	toks := tokens(t, a)
	// tokens gives the last demo user of a role: jg2 for sections. The
	// licences are supervised by jg1's section (监管一股).
	toks[auth.RoleSection] = userToken(t, a, "jg1")
	return a, toks
}

type licList struct {
	Items []struct {
		ID, Number, Type, State, Kind string
		EnterpriseID                  string `json:"enterprise_id"`
		Show                          string `json:"display_status"`
		EnterpriseName                string `json:"enterprise_name"`
	} `json:"items"`
	Total int `json:"total"`
}

func licGet(t *testing.T, a *app.App, path, token string) licList {
	t.Helper()
	rec := do(a, "GET", path, token, nil)
	var l licList
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &l) != nil {
		t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body.String())
	}
	return l
}

type licProgress struct{}

func (licProgress) Set(done, total int64, message string) {}
func (licProgress) Cancelled() bool                       { return false }

func TestLicences(t *testing.T) { testLicences(t, false) }

func TestLicencesOnPostgres(t *testing.T) { testLicences(t, true) }

func testLicences(t *testing.T, pg bool) {
	a, toks := licStart(t, pg)
	admin, jg1, leader, qiye, town := toks[auth.RoleAdmin], toks[auth.RoleSection], toks[auth.RoleLeader], toks[auth.RoleEnterprise], toks[auth.RoleTown]
	jg2 := tokens(t, a)[auth.RoleSection]
	if l := licGet(t, a, "/api/v1/licences", jg2); l.Total != 0 {
		t.Fatalf("监管二股 sees %d licences of sectors it does not supervise", l.Total)
	}

	// The register and its scope.
	all := licGet(t, a, "/api/v1/licences?size=5", admin)
	if all.Total != 349 {
		t.Fatalf("register: %d licences", all.Total)
	}
	if l := licGet(t, a, "/api/v1/licences", qiye); l.Total != 0 {
		t.Fatalf("the enterprise account (a mine) sees %d licences", l.Total)
	}
	if l := licGet(t, a, "/api/v1/licences", town); l.Total == 0 || l.Total >= all.Total {
		t.Fatalf("town staff see %d of %d", l.Total, all.Total)
	}
	rec := do(a, "GET", "/api/v1/licences/"+all.Items[0].ID, qiye, nil)
	if rec.Code != 404 {
		t.Fatalf("enterprise account reads another's licence: %d", rec.Code)
	}
	if l := licGet(t, a, "/api/v1/licences?status=expiring", admin); l.Total == 0 {
		t.Fatal("no licence expiring on 2022-07-01")
	}
	if l := licGet(t, a, "/api/v1/licence-applications?open=1", admin); l.Total != 5 {
		t.Fatalf("applications in progress: %d", l.Total)
	}

	// Pages, export and the PDFs.
	rec = do(a, "GET", "/licences?status=expiring", jg1, nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "即将到期") || !strings.Contains(rec.Body.String(), "（示）LS〔2020〕") {
		t.Fatalf("register page: %d", rec.Code)
	}
	rec = do(a, "GET", "/licences?q=nothing-like-this", jg1, nil)
	if !strings.Contains(rec.Body.String(), `class="empty"`) {
		t.Fatal("empty register has no empty state")
	}
	rec = do(a, "GET", "/licences/export?type=fireworks_retail", jg1, nil)
	if rec.Code != 200 || !strings.Contains(rec.Header().Get("Content-Type"), "spreadsheet") {
		t.Fatalf("export: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	rec = do(a, "GET", "/licence-applications/export", jg1, nil)
	if rec.Code != 200 || !strings.Contains(rec.Header().Get("Content-Type"), "spreadsheet") {
		t.Fatalf("application export: %d", rec.Code)
	}
	rec = do(a, "GET", "/licence-applications", jg1, nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "工作日") || !strings.Contains(rec.Body.String(), "已转报市局") {
		t.Fatalf("application list: %d", rec.Code)
	}
	rec = do(a, "GET", "/", jg1, nil)
	if !strings.Contains(rec.Body.String(), "许可申请办理中") {
		t.Fatal("home page lacks the licence figures")
	}
	rec = do(a, "GET", "/licences/"+all.Items[0].ID+"/pdf", jg1, nil)
	if rec.Code != 200 || !strings.HasPrefix(rec.Body.String(), "%PDF") {
		t.Fatalf("licence pdf: %d", rec.Code)
	}

	// A licence still valid offers an extension; an expired one a new
	// application instead (an extension is asked for before expiry).
	retail := licGet(t, a, "/api/v1/licences?type=fireworks_retail&status=expiring&size=1", jg1).Items[0]
	if page := do(a, "GET", "/licences/"+retail.ID, jg1, nil).Body.String(); !strings.Contains(page, `id="apply-extension"`) || strings.Contains(page, `id="apply-new"`) {
		t.Fatal("a valid licence does not offer an extension")
	}
	// A hazchem (petrol station) licence far from expiry offers its
	// extension only from 3 months before expiry, and says from when.
	if valid := licGet(t, a, "/api/v1/licences?type=petrol_station&status=valid&size=1", jg1); valid.Total > 0 {
		page := do(a, "GET", "/licences/"+valid.Items[0].ID, jg1, nil).Body.String()
		if strings.Contains(page, `id="apply-extension"`) || !strings.Contains(page, `id="renewal-opens"`) || !strings.Contains(page, "延期申请自") {
			t.Fatal("a petrol-station licence offers an extension before its window")
		}
	} else {
		t.Fatal("the demo has no petrol-station licence far from expiry")
	}
	if expired := licGet(t, a, "/api/v1/licences?status=expired&size=1", jg1); expired.Total > 0 {
		if page := do(a, "GET", "/licences/"+expired.Items[0].ID, jg1, nil).Body.String(); strings.Contains(page, `id="apply-extension"`) || !strings.Contains(page, `id="apply-new"`) {
			t.Fatal("an expired licence offers an extension")
		}
	} else {
		t.Fatal("the demo has no expired licence on 2022-07-01")
	}

	// A new application through the forms, as the section's staff.
	form := url.Values{"enterprise_id": {retail.EnterpriseID}, "type": {"fireworks_retail"}, "kind": {"extension"},
		"prev_number": {retail.Number}, "submitted_on": {"2022-04-06"}, "scope": {"烟花爆竹零售"}}
	rec = do(a, "POST", "/licence-applications", jg1, strings.NewReader(form.Encode()))
	if rec.Code != 303 {
		t.Fatalf("create application: %d %s", rec.Code, rec.Body.String())
	}
	appPath := rec.Header().Get("Location")
	id := strings.TrimPrefix(appPath, "/licence-applications/")
	post := func(token, step string, v url.Values) int {
		t.Helper()
		rec := do(a, "POST", appPath+"/"+step, token, strings.NewReader(v.Encode()))
		return rec.Code
	}
	if c := post(leader, "accept", url.Values{"date": {"2022-04-07"}}); c != 403 {
		t.Fatalf("leader accepts: %d", c)
	}
	if c := post(jg1, "accept", url.Values{"date": {"2022-04-07"}}); c != 303 {
		t.Fatalf("accept: %d", c)
	}
	if c := post(jg1, "decide", url.Values{"date": {"2022-04-08"}, "decision": {"granted"}}); c != 409 {
		t.Fatalf("decide before review: %d", c)
	}
	if c := post(jg1, "review", url.Values{"date": {"2022-04-08"}}); c != 303 {
		t.Fatalf("review: %d", c)
	}
	// The decision after the statutory limit without 超期说明 is refused
	// with the rule's words, the typed values stay, nothing changes.
	rec = do(a, "POST", appPath+"/decide", leader, strings.NewReader(url.Values{"date": {"2022-06-20"}, "decision": {"granted"},
		"reason": {""}, "overdue_reason": {""}}.Encode()))
	body := rec.Body.String()
	if rec.Code != 422 || !strings.Contains(body, "已超过法定时限") || !strings.Contains(body, "超期作出决定须填写超期说明") ||
		!strings.Contains(body, `value="2022-06-20"`) || !strings.Contains(body, `value="granted" checked`) {
		t.Fatalf("late decision: %d %s", rec.Code, body)
	}
	var v struct {
		State  string `json:"state"`
		Events []any  `json:"events"`
	}
	rec = do(a, "GET", "/api/v1/licence-applications/"+id, jg1, nil)
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil || v.State != "under_review" || len(v.Events) != 3 {
		t.Fatalf("after the refused decision: %s", rec.Body.String())
	}
	if c := post(leader, "decide", url.Values{"date": {"2022-06-20"}, "decision": {"granted"}, "overdue_reason": {"申请人补正材料"}}); c != 303 {
		t.Fatalf("late decision with a reason: %d", c)
	}
	if c := post(jg1, "issue", url.Values{"date": {"2022-06-21"}, "valid_from": {"2022-06-21"}, "valid_to": {"2024-06-20"}}); c != 303 {
		t.Fatalf("issue: %d", c)
	}
	rec = do(a, "GET", appPath, jg1, nil)
	if !strings.Contains(rec.Body.String(), "（示）LS〔2022〕4号") || !strings.Contains(rec.Body.String(), "王局长") ||
		!strings.Contains(rec.Body.String(), "（示）应急许决〔2022〕4号") {
		t.Fatal("application page lacks the number, the decider or the decision number")
	}
	rec = do(a, "GET", appPath+"/decision.pdf", qiye, nil)
	if rec.Code != 404 {
		t.Fatalf("enterprise account prints another's decision: %d", rec.Code)
	}
	rec = do(a, "GET", appPath+"/decision.pdf", jg1, nil)
	if rec.Code != 200 || !strings.HasPrefix(rec.Body.String(), "%PDF") {
		t.Fatalf("decision pdf: %d", rec.Code)
	}
	// The extended licence is replaced by the new one.
	old := do(a, "GET", "/api/v1/licences/"+retail.ID, jg1, nil).Body.String()
	if !strings.Contains(old, `"display_status":"replaced"`) {
		t.Fatalf("the extended licence: %s", old)
	}

	// The enterprise account may file for itself only, and only a fitting type.
	rec = do(a, "POST", "/api/v1/licence-applications", qiye, strings.NewReader(`{"type":"fireworks_retail","kind":"new","submitted_on":"2022-06-01","enterprise_id":"`+retail.EnterpriseID+`"}`))
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), "监管行业") {
		t.Fatalf("enterprise files for a fireworks licence (it is a mine): %d %s", rec.Code, rec.Body.String())
	}

	// Expiry warnings: the periodic job notifies once per licence and threshold.
	run := func() int {
		j := &jobs.Job{ID: "t", Kind: "licence_expiry"}
		if err := a.JobHandlers["licence_expiry"](context.Background(), j, licProgress{}); err != nil {
			t.Fatal(err)
		}
		var res struct{ Notified int }
		_ = json.Unmarshal(j.Result, &res)
		return res.Notified
	}
	if n := run(); n == 0 {
		t.Fatal("no expiry warning sent")
	}
	if n := run(); n != 0 {
		t.Fatalf("second run notified %d", n)
	}
	rec = do(a, "GET", "/api/v1/notifications", jg1, nil)
	if !strings.Contains(rec.Body.String(), "许可证") || !strings.Contains(rec.Body.String(), "天内到期") {
		t.Fatalf("jg1's inbox: %s", rec.Body.String())
	}
	// The enterprise page shows the licences in red when one is expiring.
	rec = do(a, "GET", "/enterprises/"+all.Items[0].EnterpriseID, jg1, nil)
	if !strings.Contains(rec.Body.String(), "有效许可证") {
		t.Fatal("enterprise page lacks the licences")
	}

	// Settings: administrators only; a bad value is shown with its reason.
	if c := do(a, "GET", "/licence-settings", jg1, nil).Code; c != 403 {
		t.Fatalf("settings as section: %d", c)
	}
	rec = do(a, "POST", "/licence-settings", admin, strings.NewReader(url.Values{"issuer_abbr": {"示"}, "issuer_name": {"示例县应急管理局"},
		"city_name": {"示例市应急管理局"}, "limit_fireworks_retail": {"0"}, "validity_fireworks_retail": {"2"}, "limit_hazchem_no_storage": {"30"},
		"validity_hazchem_no_storage": {"3"}, "limit_petrol_station": {"20"}, "validity_petrol_station": {"3"}, "extra_holidays": {"2026-01-01"}}.Encode()))
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), "1 至 90 个工作日") || !strings.Contains(rec.Body.String(), "2026-01-01") {
		t.Fatalf("bad settings: %d", rec.Code)
	}

	res, err := a.VerifyAudit(context.Background())
	if err != nil || !res.OK() {
		t.Fatalf("audit chain: %+v %v", res, err)
	}
}
