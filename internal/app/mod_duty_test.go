package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"yingji/internal/app"
	"yingji/internal/bureau/duty"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/config"
	"yingji/internal/kit/demo"
	"yingji/internal/kit/figure"
	"yingji/internal/kit/store/storetest"
)

var dutyNow = time.Date(2022, 6, 30, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

// dutyApp opens an app on the demo's report day with the demo county and
// the duty desk's demo records (not the other modules': they are slow).
func dutyApp(t testing.TB, now func() time.Time) *app.App {
	return dutyAppOn(t, "", now)
}

// dutyAppOn is dutyApp on the PostgreSQL database url ("" for SQLite).
func dutyAppOn(t testing.TB, url string, now func() time.Time) *app.App {
	t.Helper()
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), County: "349901", CountyName: "示例县", AdminPassword: "Admin2022x", LogLevel: "error", DB: url}
	a, err := app.Open(context.Background(), cfg, app.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	ctx := context.Background()
	if err := demo.Load(ctx, demo.Services{DB: a.DB, Org: a.Org, Auth: a.Auth}, a.Cfg.County, io.Discard); err != nil {
		t.Fatal(err)
	}
	people := map[string]string{}
	for name, user := range map[string]string{"王局长": "leader", "周值班": "zhiban"} {
		u, err := a.Auth.FindByUsername(ctx, user)
		if err != nil {
			t.Fatal(err)
		}
		people[name] = u.ID
	}
	svc := duty.New(a.DB, a.Notify, a.Now, a.Calendar, nil)
	if err := svc.Demo(ctx, io.Discard, a.Cfg.County, people, nil); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestDutyDemoAndPages(t *testing.T) {
	a := dutyApp(t, func() time.Time { return dutyNow })
	ctx := context.Background()
	// Loading twice changes nothing.
	svc := duty.New(a.DB, a.Notify, a.Now, a.Calendar, nil)
	if err := svc.Demo(ctx, io.Discard, a.Cfg.County, nil, nil); err != nil {
		t.Fatal(err)
	}

	// F-DUTY-1 (the duty desk's part) from the records.
	fig, ok := a.Figures.Get("F-DUTY-1")
	if !ok {
		t.Fatal("F-DUTY-1 not registered")
	}
	period, _ := figure.NewPeriod("2022-01-01", "2022-06-30")
	v, err := fig.Count(ctx, figure.Query{Period: period, P: principal(t, a, "leader"), Records: true})
	if err != nil {
		t.Fatal(err)
	}
	if v.Get("shifts").Value != 543 || v.Get("incidents").Value != 13 || v.Get("incidents_on_time").Value != 13 || len(v.Get("shifts").Records) != 543 {
		t.Errorf("F-DUTY-1: shifts %d incidents %d on time %d", v.Get("shifts").Value, v.Get("incidents").Value, v.Get("incidents_on_time").Value)
	}
	tok := tokens(t, a)
	// The figure's links list exactly its records.
	var list struct {
		Total int `json:"total"`
	}
	getJSON(t, a, "/api/v1/duty/incidents?"+v.Get("incidents_on_time").Link[len("/duty/incidents?"):], tok[auth.RoleLeader], &list)
	if list.Total != 13 {
		t.Errorf("on-time link lists %d", list.Total)
	}
	if body := page(t, a, tok[auth.RoleLeader], v.Get("shifts").Link); !strings.Contains(body, "共 543 人次") {
		t.Error("the person-shift link does not show 543")
	}

	// The person-shift export: one row per person-shift with a 日期 column.
	rec := do(a, "GET", "/shifts/export?from=2022-01-01&to=2022-06-30", tok[auth.RoleDuty], nil)
	if rec.Code != 200 {
		t.Fatalf("export: %d %s", rec.Code, rec.Body.String())
	}
	xf, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := xf.GetRows(xf.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 544 || rows[0][0] != "日期" || rows[1][0] != "2022-01-01" {
		t.Errorf("export: %d rows, header %v, first %v", len(rows), rows[0], rows[1])
	}
	for _, kind := range []string{"/incidents/export", "/dutylog/export"} {
		if rec := do(a, "GET", kind, tok[auth.RoleLeader], nil); rec.Code != 200 {
			t.Errorf("%s: %d", kind, rec.Code)
		}
	}

	// On duty now on every home page and in the API (enterprise accounts too).
	for role, token := range tok {
		body := page(t, a, token, "/")
		if !strings.Contains(body, "当前值班人员") || !strings.Contains(body, "带班 王局长") {
			t.Errorf("%s: the home page does not say who is on duty", role)
		}
	}
	var now duty.NowView
	getJSON(t, a, "/api/v1/duty/now", tok[auth.RoleEnterprise], &now)
	if !now.OnDuty || now.Leader != "王局长" || len(now.Officers) != 2 || now.Shift.Members[0].UserID != "" {
		t.Errorf("duty now: %+v", now)
	}

	// Every duty page renders for its readers.
	var inc struct {
		Items []duty.Incident `json:"items"`
	}
	getJSON(t, a, "/api/v1/duty/incidents", tok[auth.RoleDuty], &inc)
	for _, path := range []string{"/duty", "/duty/roster?month=2022-06", "/duty/log", "/duty/incidents", "/duty/swaps", "/duty/incidents/" + inc.Items[0].ID,
		"/duty/shifts/" + now.Shift.ID} {
		body := page(t, a, tok[auth.RoleReadOnly], path)
		if strings.Contains(body, "duty.") {
			t.Errorf("%s shows a message ID", path)
		}
	}
	for _, path := range []string{"/duty/settings", "/duty/shifts/new", "/duty/incidents/new", "/duty/incidents/" + inc.Items[0].ID + "/edit"} {
		page(t, a, tok[auth.RoleDuty], path)
	}
	for _, path := range []string{"/duty/roster/pdf?month=2022-06", "/duty/incidents/" + inc.Items[0].ID + "/pdf"} {
		rec := do(a, "GET", path, tok[auth.RoleLeader], nil)
		if rec.Code != 200 || !bytes.HasPrefix(rec.Body.Bytes(), []byte("%PDF")) {
			t.Errorf("%s: %d", path, rec.Code)
		}
	}
}

// TestDutyDemoPostgres: the demo records give the same figure on
// PostgreSQL.
func TestDutyDemoPostgres(t *testing.T) {
	_, u := storetest.PostgresSchema(t, storetest.PostgresURL(t))
	a := dutyAppOn(t, u, func() time.Time { return dutyNow })
	fig, _ := a.Figures.Get("F-DUTY-1")
	period, _ := figure.NewPeriod("2022-01-01", "2022-06-30")
	v, err := fig.Count(context.Background(), figure.Query{Period: period, P: principal(t, a, "zhiban")})
	if err != nil {
		t.Fatal(err)
	}
	if v.Get("shifts").Value != 543 || v.Get("incidents").Value != 13 || v.Get("incidents_on_time").Value != 13 {
		t.Errorf("F-DUTY-1 on PostgreSQL: %+v", v)
	}
	var now duty.NowView
	getJSON(t, a, "/api/v1/duty/now", userToken(t, a, "qiye"), &now)
	if now.Leader != "王局长" {
		t.Errorf("on duty now: %+v", now)
	}
}

func postDutyJSON(a *app.App, path, token string, v any) *httptest.ResponseRecorder {
	b, _ := json.Marshal(v)
	return do(a, "POST", path, token, bytes.NewReader(b))
}

func TestDutyRulesOverHTTP(t *testing.T) {
	a := dutyApp(t, func() time.Time { return dutyNow })
	tok := tokens(t, a)
	var now duty.NowView
	getJSON(t, a, "/api/v1/duty/now", tok[auth.RoleDuty], &now)
	// A swap: requested by zhiban, refused to zhiban (409 naming the rule),
	// approved by the leader.
	rec := postDutyJSON(a, "/api/v1/duty/swaps", tok[auth.RoleDuty], map[string]any{"assignment_id": now.Shift.Members[1].ID, "substitute_name": "钱芳", "reason": "培训"})
	if rec.Code != 201 {
		t.Fatalf("request swap: %d %s", rec.Code, rec.Body.String())
	}
	var sw duty.Swap
	_ = json.Unmarshal(rec.Body.Bytes(), &sw)
	rec = do(a, "POST", "/api/v1/duty/swaps/"+sw.ID+"/approve", tok[auth.RoleDuty], nil)
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "不能审批自己提交的换班申请") {
		t.Errorf("self approval: %d %s", rec.Code, rec.Body.String())
	}
	// The leaders are told of the request, the requester of the decision.
	if rec := do(a, "GET", "/api/v1/notifications", tok[auth.RoleLeader], nil); !strings.Contains(rec.Body.String(), "换班申请待审批") {
		t.Errorf("the leader was not told of the swap: %s", rec.Body.String())
	}
	if rec := do(a, "POST", "/api/v1/duty/swaps/"+sw.ID+"/approve", tok[auth.RoleLeader], nil); rec.Code != 200 {
		t.Errorf("leader approves: %d %s", rec.Code, rec.Body.String())
	}
	if rec := do(a, "GET", "/api/v1/notifications", tok[auth.RoleDuty], nil); !strings.Contains(rec.Body.String(), "换班申请已批准") {
		t.Errorf("the requester was not told of the decision: %s", rec.Body.String())
	}
	// A shift without a leader: 422 naming the field.
	rec = postDutyJSON(a, "/api/v1/duty/shifts", tok[auth.RoleDuty], map[string]any{"starts_at": "2022-07-01T00:30:00Z", "ends_at": "2022-07-02T00:30:00Z",
		"members": []map[string]any{{"position": "officer", "slot": 1, "name": "周值班"}}})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `"field":"leader"`) {
		t.Errorf("shift without a leader: %d %s", rec.Code, rec.Body.String())
	}
	// An incident: a 续报 before its 首报 is 409.
	rec = postDutyJSON(a, "/api/v1/duty/incidents", tok[auth.RoleDuty], map[string]any{"title": "测试事件", "received_at": dutyNow.Add(-time.Hour),
		"source": "电话", "category": "accident", "subtype": "fire", "level": "general"})
	if rec.Code != 201 {
		t.Fatalf("incident: %d %s", rec.Code, rec.Body.String())
	}
	var in duty.Incident
	_ = json.Unmarshal(rec.Body.Bytes(), &in)
	report := map[string]any{"kind": "follow", "reported_at": dutyNow.Add(-10 * time.Minute), "to": "市局", "via": "phone", "content": "续报"}
	rec = postDutyJSON(a, "/api/v1/duty/incidents/"+in.ID+"/reports", tok[auth.RoleDuty], report)
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "续报、终报须在首报之后") {
		t.Errorf("续报 before 首报: %d %s", rec.Code, rec.Body.String())
	}
	report["kind"] = "first"
	if rec := postDutyJSON(a, "/api/v1/duty/incidents/"+in.ID+"/reports", tok[auth.RoleDuty], report); rec.Code != 201 {
		t.Errorf("首报: %d %s", rec.Code, rec.Body.String())
	}
	// An incident with a map point is on the map's incidents layer.
	rec = postDutyJSON(a, "/api/v1/duty/incidents", tok[auth.RoleDuty], map[string]any{"title": "地图上的事件", "received_at": dutyNow.Add(-time.Hour),
		"source": "电话", "category": "natural", "subtype": "geological", "level": "general", "lat": 31.1, "lng": 118.2})
	if rec.Code != 201 {
		t.Fatalf("incident with a point: %d %s", rec.Code, rec.Body.String())
	}
	if rec := do(a, "GET", "/api/v1/map/points?layer=incidents", tok[auth.RoleLeader], nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), "地图上的事件") {
		t.Errorf("map layer: %d %s", rec.Code, rec.Body.String())
	}
	// An incident links to the accident register: an unknown record is
	// refused naming the field; a known one is a link on the incident.
	accident := map[string]any{"title": "某厂机械伤害", "received_at": dutyNow.Add(-time.Hour), "source": "电话", "category": "accident",
		"subtype": "work_safety", "level": "general", "accident_id": "no-such-accident"}
	if rec := postDutyJSON(a, "/api/v1/duty/incidents", tok[auth.RoleDuty], accident); rec.Code != 422 || !strings.Contains(rec.Body.String(), "accident_id") {
		t.Errorf("unknown accident: %d %s", rec.Code, rec.Body.String())
	}
	if err := a.Enterprise.Demo(context.Background(), io.Discard, a.Cfg.County, demo.EnterpriseID, nil); err != nil {
		t.Fatal(err)
	}
	if err := a.Accident.Demo(context.Background(), io.Discard, a.Cfg.County); err != nil {
		t.Fatal(err)
	}
	var accs struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	getJSON(t, a, "/api/v1/accidents?from=2021-01-01&to=2021-12-31", tok[auth.RoleLeader], &accs)
	if len(accs.Items) == 0 {
		t.Fatal("no demo accident")
	}
	accident["accident_id"] = accs.Items[0].ID
	rec = postDutyJSON(a, "/api/v1/duty/incidents", tok[auth.RoleDuty], accident)
	if rec.Code != 201 {
		t.Fatalf("incident on a known accident: %d %s", rec.Code, rec.Body.String())
	}
	var linked duty.Incident
	_ = json.Unmarshal(rec.Body.Bytes(), &linked)
	if page := do(a, "GET", "/duty/incidents/"+linked.ID, tok[auth.RoleLeader], nil); !strings.Contains(page.Body.String(), `href="/accidents/`+accs.Items[0].ID+`"`) {
		t.Errorf("the incident does not link to its accident")
	}
	// Signing in from the desk's form: one click, the officer's name.
	rec = do(a, "POST", "/duty/log", tok[auth.RoleDuty], strings.NewReader("back=desk&kind=sign_in&at=2022-06-30T09:55&caller=&nature="))
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/duty" {
		t.Errorf("sign in: %d %s", rec.Code, rec.Body.String())
	}
	// Town staff read but do not write.
	if rec := postDutyJSON(a, "/api/v1/duty/log", tok[auth.RoleTown], map[string]any{"kind": "event", "at": dutyNow, "content": "x"}); rec.Code != http.StatusForbidden {
		t.Errorf("town writes the log: %d", rec.Code)
	}
	// A frozen log entry cannot be changed through the form either.
	var logs struct {
		Items []duty.LogEntry `json:"items"`
	}
	getJSON(t, a, "/api/v1/duty/log?kind=call", tok[auth.RoleDuty], &logs)
	var frozen string
	for _, e := range logs.Items {
		if e.Frozen {
			frozen = e.ID
		}
	}
	if frozen == "" {
		t.Fatal("the demo has no frozen entry")
	}
	rec = do(a, "POST", "/duty/log/"+frozen, tok[auth.RoleDuty], strings.NewReader("at=2022-06-28T10:12&caller=x&nature=y"))
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "请新增更正记录") {
		t.Errorf("editing a frozen entry: %d", rec.Code)
	}
}

// BenchmarkDutyHomeUnderLoad measures the duty desk's page and the home
// page (both show who is on duty) under 50 concurrent clients, against
// /healthz in the same run.
func BenchmarkDutyHomeUnderLoad(b *testing.B) {
	a := dutyApp(b, func() time.Time { return dutyNow })
	u, err := a.Auth.FindByUsername(context.Background(), "zhiban")
	if err != nil {
		b.Fatal(err)
	}
	_, token, err := a.Auth.CreateToken(context.Background(), a.System(), u.ID, "bench")
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	defer srv.Close()
	for _, path := range []string{"/healthz", "/duty", "/"} {
		b.Run(strings.Trim(strings.ReplaceAll(path, "/", "_"), "_")+"_50clients", func(b *testing.B) {
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			var wg sync.WaitGroup
			jobs := make(chan struct{}, b.N)
			for i := 0; i < b.N; i++ {
				jobs <- struct{}{}
			}
			close(jobs)
			var fail error
			var mu sync.Mutex
			start := time.Now()
			b.ResetTimer()
			for c := 0; c < 50; c++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range jobs {
						req, _ := http.NewRequest("GET", srv.URL+path, nil)
						req.Header.Set("Authorization", "Bearer "+token)
						resp, err := client.Do(req)
						if err == nil {
							_, _ = io.Copy(io.Discard, resp.Body)
							resp.Body.Close()
							if resp.StatusCode != 200 {
								err = fmt.Errorf("%s: %d", path, resp.StatusCode)
							}
						}
						if err != nil {
							mu.Lock()
							fail = err
							mu.Unlock()
						}
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			if fail != nil {
				b.Fatal(fail)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
		})
	}
}
