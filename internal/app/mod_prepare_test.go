package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/figure"
)

// TestPrepareDemoFigures loads the demo and computes the preparedness
// figures of the 2022 half-year report from its records: F-PLAN-1,
// F-FLOOD-1…3 and F-RES-1…2.
func TestPrepareDemoFigures(t *testing.T) {
	a := demoApp(t, false, time.Date(2022, 6, 30, 12, 0, 0, 0, time.UTC))
	ctx := context.Background()
	// Loading twice changes nothing.
	if err := a.LoadDemo(ctx, io.Discard); err != nil {
		t.Fatal(err)
	}
	period, _ := figure.NewPeriod("2022-01-01", "2022-06-30")
	leader, err := a.Auth.PrincipalFor(ctx, "leader")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]int64{
		"F-PLAN-1":  {"plans": 8},
		"F-FLOOD-1": {"plans": 83, "hazards": 47},
		"F-FLOOD-2": {"patrol_teams": 49, "patrol_people": 3107, "town_teams": 40, "town_people": 1376, "county_teams": 4, "county_people": 466},
		"F-FLOOD-3": {"drills": 1},
		"F-RES-1":   {"reminders": 74, "teams_updated": 7},
		"F-RES-2":   {"teams": 1, "people": 60, "rollcall_month": 5, "rollcall_day": 24},
	}
	for id, nums := range want {
		f, ok := a.Figures.Get(id)
		if !ok {
			t.Fatalf("%s not registered", id)
		}
		v, err := f.Count(ctx, figure.Query{Period: period, P: leader, Records: true})
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		for k, n := range nums {
			if got := v.Get(k); got.Value != n {
				t.Errorf("%s %s = %d, want %d", id, k, got.Value, n)
			}
		}
		for _, n := range v.Numbers {
			if n.Link == "" || (n.Kind != "" && strings.HasPrefix(n.Kind, "prep_") && int64(len(n.Records)) != n.Value && !strings.HasSuffix(n.Key, "_people") && n.Key != "people") {
				if n.Kind != "" && n.Kind != "hazard" {
					t.Errorf("%s %s: link %q, %d records for %d", id, n.Key, n.Link, len(n.Records), n.Value)
				}
			}
		}
	}
	// Every link lists exactly the records counted.
	toks := tokens(t, a)
	for id := range want {
		f, _ := a.Figures.Get(id)
		v, _ := f.Count(ctx, figure.Query{Period: period, P: leader, Records: true})
		for _, n := range v.Numbers {
			if !strings.HasPrefix(n.Kind, "prep_") || strings.HasSuffix(n.Key, "people") {
				continue
			}
			var list struct {
				Total int `json:"total"`
			}
			getJSON(t, a, "/api/v1"+n.Link, toks[auth.RoleLeader], &list)
			if list.Total != len(n.Records) {
				t.Errorf("%s %s: the link %s lists %d records, the figure counts %d", id, n.Key, n.Link, list.Total, len(n.Records))
			}
		}
	}
	// The demo's enterprise store counts in the monthly assessment: its
	// enterprise has supplies, the others none.
	as, err := a.Prepare.Assess(ctx, leader, "2022-06", nil)
	if err != nil {
		t.Fatal(err)
	}
	withSupplies := []string{}
	for _, sc := range as.Enterprises {
		if sc.Supplies {
			withSupplies = append(withSupplies, sc.Name)
		}
	}
	if len(withSupplies) != 1 || withSupplies[0] != "安徽华林特种气体有限公司" {
		t.Errorf("enterprises with supplies in 2022-06: %v", withSupplies)
	}
}

// TestPreparePages opens the pages, the exports and the bulletin as the
// demo users, and checks the enterprise account's scope and phone masking.
func TestPreparePages(t *testing.T) {
	a := demoApp(t, false, time.Date(2022, 6, 30, 12, 0, 0, 0, time.UTC))
	toks := tokens(t, a)
	admin, qiye, ro := toks[auth.RoleAdmin], toks[auth.RoleEnterprise], toks[auth.RoleReadOnly]
	for _, path := range []string{"/preparedness", "/plans", "/plans?flood=1", "/plans/new", "/drills", "/drills/new", "/teams", "/teams/new",
		"/experts", "/experts/new", "/preparedness/resources?month=2022-06", "/preparedness/reminders?from=2022-01-01&to=2022-06-30"} {
		if rec := do(a, "GET", path, admin, nil); rec.Code != 200 {
			t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body.String())
		}
	}
	rec := do(a, "GET", "/preparedness/resources/bulletin.pdf?month=2022-06", admin, nil)
	if rec.Code != 200 || !bytes.HasPrefix(rec.Body.Bytes(), []byte("%PDF")) {
		t.Fatalf("bulletin pdf: %d", rec.Code)
	}
	rec = do(a, "GET", "/preparedness/resources/bulletin.xlsx?month=2022-06", admin, nil)
	if rec.Code != 200 {
		t.Fatalf("bulletin xlsx: %d", rec.Code)
	}
	// The teams export has 队伍类型 and 人数.
	rec = do(a, "GET", "/teams/export", admin, nil)
	if rec.Code != 200 {
		t.Fatalf("teams export: %d", rec.Code)
	}
	x, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows(x.GetSheetName(0))
	head := strings.Join(rows[0], ",")
	if !strings.Contains(head, "队伍类型") || !strings.Contains(head, "人数") || len(rows) < 95 {
		t.Fatalf("teams export header %q, %d rows", head, len(rows))
	}
	if rec := do(a, "GET", "/plans/export", admin, nil); rec.Code != 200 {
		t.Fatalf("plans export: %d", rec.Code)
	}
	// The enterprise account sees its own plan and team only.
	var plans struct {
		Total int `json:"total"`
		Items []struct {
			ID           string `json:"id"`
			EnterpriseID string `json:"enterprise_id"`
		} `json:"items"`
	}
	getJSON(t, a, "/api/v1/plans?size=100", qiye, &plans)
	if plans.Total < 1 {
		t.Fatal("enterprise account sees no plan")
	}
	for _, p := range plans.Items {
		if p.EnterpriseID != "01J0DEMOENTERPRISE00000001" {
			t.Fatalf("enterprise account sees plan %s of %s", p.ID, p.EnterpriseID)
		}
	}
	var all struct {
		Items []struct {
			ID           string `json:"id"`
			EnterpriseID string `json:"enterprise_id"`
			Phone        string `json:"phone"`
		} `json:"items"`
	}
	getJSON(t, a, "/api/v1/plans?category=enterprise&size=100", admin, &all)
	for _, p := range all.Items {
		if p.EnterpriseID != "01J0DEMOENTERPRISE00000001" {
			if rec := do(a, "GET", "/api/v1/plans/"+p.ID, qiye, nil); rec.Code != 404 {
				t.Fatalf("enterprise account reads another's plan: %d", rec.Code)
			}
			break
		}
	}
	getJSON(t, a, "/api/v1/teams?size=5", ro, &all)
	for _, tm := range all.Items {
		if tm.Phone != "" && !strings.Contains(tm.Phone, "*") {
			t.Fatalf("read-only reads phone %s", tm.Phone)
		}
	}
	// A negative headcount is refused naming the field.
	rec = do(a, "POST", "/api/v1/teams", admin, strings.NewReader(`{"name":"测试队","kind":"flood_rescue","level":"county","headcount":-1,"established_on":"2022-06-01"}`))
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), "headcount") {
		t.Fatalf("negative headcount: %d %s", rec.Code, rec.Body.String())
	}
	// A special plan published without a review: 409 naming the rule.
	rec = do(a, "POST", "/api/v1/plans", admin, strings.NewReader(`{"name":"测试专项预案","category":"special","drafted_on":"2022-06-01"}`))
	if rec.Code != 201 {
		t.Fatalf("create plan: %d %s", rec.Code, rec.Body.String())
	}
	var created struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &created)
	rec = do(a, "POST", "/api/v1/plans/"+created.ID+"/steps", admin, strings.NewReader(`{"to":"published","on":"2022-06-10"}`))
	if rec.Code != 409 || !strings.Contains(rec.Body.String(), "评审") {
		t.Fatalf("publish without review: %d %s", rec.Code, rec.Body.String())
	}
	// A file of the plan's version: uploaded, listed, downloaded.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "预案文本.pdf")
	_, _ = fw.Write([]byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"))
	_ = mw.Close()
	req := httptest.NewRequest("POST", "/plans/"+created.ID+"/files", &body)
	req.Header.Set("Authorization", "Bearer "+admin)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	up := httptest.NewRecorder()
	a.Handler.ServeHTTP(up, req)
	if up.Code != 303 {
		t.Fatalf("upload: %d %s", up.Code, up.Body.String())
	}
	var steps []struct {
		Step         string `json:"step"`
		Version      int    `json:"version"`
		AttachmentID string `json:"attachment_id"`
	}
	getJSON(t, a, "/api/v1/plans/"+created.ID+"/steps", admin, &steps)
	last := steps[len(steps)-1]
	if last.Step != "file" || last.Version != 1 || last.AttachmentID == "" {
		t.Fatalf("steps after upload: %+v", steps)
	}
	if rec := do(a, "GET", "/plans/"+created.ID+"/files/"+last.AttachmentID, admin, nil); rec.Code != 200 || !bytes.HasPrefix(rec.Body.Bytes(), []byte("%PDF")) {
		t.Fatalf("download: %d", rec.Code)
	}
	if rec := do(a, "GET", "/plans/"+created.ID+"/files/"+last.AttachmentID, qiye, nil); rec.Code != 404 {
		t.Fatalf("enterprise account downloads a county plan's file: %d", rec.Code)
	}
}
