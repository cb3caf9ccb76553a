package app_test

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"net/http"
	"net/http/httptest"

	"yingji/internal/app"
	"yingji/internal/bureau/enterprise"
	"yingji/internal/bureau/hazard"
	"yingji/internal/bureau/inspection"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/figure"
)

// TestInspectionDemoFigures: the demo's records give the source report's
// inspection figures; a second load changes nothing.
func TestInspectionDemoFigures(t *testing.T) {
	a := demoApp(t, false, time.Date(2022, 6, 30, 2, 0, 0, 0, time.UTC))
	ctx := context.Background()
	leader, err := a.Auth.PrincipalFor(ctx, "leader")
	if err != nil {
		t.Fatal(err)
	}
	per, _ := figure.NewPeriod("2022-01-01", "2022-06-30")
	want := map[string]map[string]int64{
		"F-MINE-1": {"inspections": 25, "general": 166, "major": 5},
		"F-MINE-3": {"mines": 4, "hazards": 90, "major": 5},
		"F-MINE-4": {"findings": 28, "government": 4, "enterprise": 24, "enterprises": 3},
		"F-CHEM-1": {"inspections": 42, "hazards": 51},
		"F-IND-1":  {"inspections": 56, "planned": 92, "done": 51, "percent": 55},
	}
	for id, nums := range want {
		f, ok := a.Figures.Get(id)
		if !ok {
			t.Fatalf("figure %s not registered", id)
		}
		v, err := f.Count(ctx, figure.Query{Period: per, P: leader, Records: true})
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		for k, n := range nums {
			got := v.Get(k)
			if got.Value != n {
				t.Errorf("%s %s = %d, want %d", id, k, got.Value, n)
			}
			if got.Link == "" {
				t.Errorf("%s %s has no link", id, k)
			}
		}
		if id == "F-CHEM-1" && len(v.Get("inspections").Records) != 42 {
			t.Errorf("F-CHEM-1 records: %d", len(v.Get("inspections").Records))
		}
	}
	// The list page the figure links to shows exactly its records.
	f, _ := a.Figures.Get("F-CHEM-1")
	v, _ := f.Count(ctx, figure.Query{Period: per, P: leader})
	tok := userToken(t, a, "leader")
	link := v.Get("inspections").Link
	var list struct {
		Total int `json:"total"`
	}
	getJSON(t, a, strings.Replace(link, "/inspections?", "/api/v1/inspections?", 1), tok, &list)
	if list.Total != 42 {
		t.Errorf("figure link %s lists %d", link, list.Total)
	}
	// Loading twice changes nothing.
	if err := a.LoadDemo(ctx, io.Discard); err != nil {
		t.Fatal(err)
	}
	getJSON(t, a, "/api/v1/inspections?size=1", tok, &list)
	if list.Total != 130 {
		t.Errorf("after a second load: %d inspections, want 130", list.Total)
	}
	// The home page shows the plan's progress.
	rec := do(a, "GET", "/", tok, nil)
	if body := rec.Body.String(); !strings.Contains(body, "年度计划检查企业") || !strings.Contains(body, ">92<") {
		t.Errorf("home page lacks the plan progress")
	}
	// Pages answer for the enforcement officer.
	zf := userToken(t, a, "zhifa")
	for _, path := range []string{"/inspections", "/inspections/new", "/inspection-plans", "/inspection-draws", "/inspectors"} {
		if rec := do(a, "GET", path, zf, nil); rec.Code != 200 {
			t.Errorf("GET %s as zhifa: %d", path, rec.Code)
		}
	}

	// An inspection with a failed major-hazard item raises a major hazard
	// citing the clause; the same client id sent again is not saved twice.
	mine := findEnterprise(t, a, "示例县兆丰矿业有限公司")
	if rec := do(a, "GET", "/enterprises/"+mine, tok, nil); !strings.Contains(rec.Body.String(), "监督检查（家次）") {
		t.Errorf("the enterprise page does not count its inspections")
	}
	// Plan, draw and inspection pages render.
	var plans struct {
		Items []inspection.PlanView `json:"items"`
	}
	getJSON(t, a, "/api/v1/inspection-plans", tok, &plans)
	if len(plans.Items) != 1 || plans.Items[0].Progress.Done != 51 {
		t.Fatalf("plans %+v", plans.Items)
	}
	var draws struct {
		Items []inspection.DrawRecord `json:"items"`
	}
	getJSON(t, a, "/api/v1/inspection-draws", tok, &draws)
	var insp struct {
		Items []inspection.Inspection `json:"items"`
	}
	getJSON(t, a, "/api/v1/inspections?kind=superior", tok, &insp)
	for _, path := range []string{"/inspection-plans/" + plans.Items[0].ID, "/inspection-draws/" + draws.Items[0].ID + "?replay=1",
		"/inspections/" + insp.Items[0].ID, "/inspection-plans/new", "/inspection-plans/export", "/inspection-plan-items/export"} {
		if rec := do(a, "GET", path, userToken(t, a, "admin"), nil); rec.Code != 200 {
			t.Errorf("GET %s: %d %s", path, rec.Code, rec.Body.String()[:min(300, rec.Body.Len())])
		}
	}
	if rec := do(a, "GET", "/inspection-draws/"+draws.Items[0].ID+"?replay=1", tok, nil); !strings.Contains(rec.Body.String(), "完全一致") {
		t.Errorf("the demo draw does not replay identically")
	}
	var reg struct {
		Items []inspection.Inspector `json:"items"`
	}
	getJSON(t, a, "/api/v1/inspectors", zf, &reg)
	if len(reg.Items) != 3 {
		t.Fatalf("inspector register: %d", len(reg.Items))
	}
	in := inspection.InspectionInput{ClientID: "phone-0001", Kind: inspection.KindSpecial, On: "2022-06-29", EnterpriseID: mine,
		Template: "ks98", RaiseHazards: true,
		Officers: []inspection.Officer{{UserID: reg.Items[0].UserID}, {UserID: reg.Items[2].UserID}},
		Items:    []inspection.Item{{Code: "ks98-d-1", Result: inspection.Fail, Note: "第二安全出口堵塞"}, {Code: "ks98-d-2", Result: inspection.Pass}}}
	body, _ := json.Marshal(in)
	rec = doJSON(a, "POST", "/api/v1/inspections", zf, string(body))
	if rec.Code != 201 {
		t.Fatalf("create: %d %s", rec.Code, rec.Body.String())
	}
	var x inspection.Inspection
	_ = json.Unmarshal(rec.Body.Bytes(), &x)
	if x.Hazards != 1 || x.Items[0].HazardID == "" {
		t.Fatalf("no hazard raised: %+v", x)
	}
	h, err := a.Hazard.Get(ctx, leader, x.Items[0].HazardID)
	if err != nil || h.Grade != hazard.Major || h.Clause != "ks98-d-1" || h.EnterpriseID != mine {
		t.Fatalf("hazard %+v %v", h, err)
	}
	rec = doJSON(a, "POST", "/api/v1/inspections", zf, string(body))
	var again inspection.Inspection
	_ = json.Unmarshal(rec.Body.Bytes(), &again)
	if rec.Code != 200 || again.ID != x.ID {
		t.Fatalf("resend: %d %s", rec.Code, again.ID)
	}
	c, _ := a.Hazard.Counts(ctx, leader, hazard.Filter{Enterprise: mine, From: "2022-06-29", To: "2022-06-29"})
	if c.Found != 1 {
		t.Errorf("resend raised hazards again: %d", c.Found)
	}
	// A single officer is refused naming the field.
	in.ClientID, in.Officers = "phone-0002", in.Officers[:1]
	body, _ = json.Marshal(in)
	if rec := doJSON(a, "POST", "/api/v1/inspections", zf, string(body)); rec.Code != 422 || !strings.Contains(rec.Body.String(), "officers") {
		t.Errorf("single officer: %d %s", rec.Code, rec.Body.String())
	}

	// A draw replays identically; an empty pool is refused.
	jg2 := userToken(t, a, "jg2")
	rec = doJSON(a, "POST", "/api/v1/inspection-draws", jg2, `{"sector":"machinery","count":5,"per_task":2}`)
	if rec.Code != 201 {
		t.Fatalf("draw: %d %s", rec.Code, rec.Body.String())
	}
	var d inspection.DrawRecord
	_ = json.Unmarshal(rec.Body.Bytes(), &d)
	var rp struct {
		Identical bool `json:"identical"`
	}
	getJSON(t, a, "/api/v1/inspection-draws/"+d.ID+"/replay", jg2, &rp)
	if !rp.Identical || len(d.Tasks) != 5 {
		t.Errorf("replay identical=%v tasks=%d", rp.Identical, len(d.Tasks))
	}
	if rec := doJSON(a, "POST", "/api/v1/inspection-draws", jg2, `{"sector":"mine","count":1,"per_task":2}`); rec.Code != 409 && rec.Code != 422 {
		t.Errorf("draw outside the section's sectors (empty pool): %d %s", rec.Code, rec.Body.String())
	}
	if rec := doJSON(a, "POST", "/api/v1/inspection-draws", jg2, `{"sector":"machinery","count":1,"per_task":1}`); rec.Code != 422 {
		t.Errorf("one inspector per task: %d", rec.Code)
	}
	// An export has the 检查日期 column and one row per inspection.
	if rec := do(a, "GET", "/inspections/export", tok, nil); rec.Code != 200 || rec.Body.Len() < 1000 {
		t.Errorf("export: %d", rec.Code)
	}
}

func findEnterprise(t *testing.T, a *app.App, name string) string {
	t.Helper()
	sys := &auth.Principal{Role: auth.RoleAdmin, CountyCode: a.Cfg.County}
	list, _, err := a.Enterprise.List(context.Background(), sys, enterprise.Filter{Q: name, Limit: 1})
	if err != nil || len(list) == 0 {
		t.Fatalf("enterprise %s: %v", name, err)
	}
	return list[0].ID
}

func doJSON(a *app.App, method, path, token, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	a.Handler.ServeHTTP(rec, req)
	return rec
}

// An inspection's page leads its officer to the 现场检查记录 form of the
// enforcement register, filled with the inspection, the enterprise and the
// hazards it raised; a read-only user is not offered it.
func TestInspectionLinksToItsRecord(t *testing.T) {
	a := demoApp(t, false, time.Date(2022, 6, 30, 2, 0, 0, 0, time.UTC))
	jg1 := userToken(t, a, "jg1")
	rec := do(a, http.MethodGet, "/api/v1/inspections?size=50", jg1, nil)
	var list struct {
		Items []struct {
			ID           string `json:"id"`
			EnterpriseID string `json:"enterprise_id"`
		} `json:"items"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || len(list.Items) == 0 {
		t.Fatalf("inspections: %v %s", err, rec.Body.String())
	}
	var id string
	for _, x := range list.Items {
		if x.EnterpriseID != "" {
			id = x.ID
			break
		}
	}
	page := do(a, http.MethodGet, "/inspections/"+id, jg1, nil).Body.String()
	if !strings.Contains(page, `id="doc-link"`) || !strings.Contains(page, "/enforcement/documents/new?") || !strings.Contains(page, "inspection="+id) {
		t.Fatalf("no link to the record form on the inspection page")
	}
	form := do(a, http.MethodGet, "/enforcement/documents/new?inspection="+id+"&kind=inspection_record", jg1, nil)
	if form.Code != http.StatusOK || !strings.Contains(form.Body.String(), id) {
		t.Errorf("the record form: %d", form.Code)
	}
	if ro := do(a, http.MethodGet, "/inspections/"+id, userToken(t, a, "readonly"), nil); ro.Code == http.StatusOK && strings.Contains(ro.Body.String(), `id="doc-link"`) {
		t.Error("a read-only user is offered the record form")
	}
}
