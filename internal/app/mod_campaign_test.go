package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"yingji/internal/app"
	"yingji/internal/bureau/campaign/datacall"
	"yingji/internal/bureau/campaign/housing"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/xlsx/xlsxtest"
)

// campJSON posts or puts v as JSON and decodes the answer into out.
func campJSON(t *testing.T, a *app.App, method, path, token string, v, out any) int {
	t.Helper()
	b, _ := json.Marshal(v)
	rec := do(a, method, path, token, bytes.NewReader(b))
	if out != nil && rec.Code < 300 {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			t.Fatalf("%s %s: %v %s", method, path, err, rec.Body.String())
		}
	}
	if rec.Code >= 300 && out != nil {
		if m, ok := out.(*map[string]any); ok {
			_ = json.Unmarshal(rec.Body.Bytes(), m)
		}
	}
	return rec.Code
}

// buildingRow is a row in the template's column order.
func buildingRow(code, town, area string, stages ...string) []any {
	r := []any{"", code, town, "", area, "测试路1号", "", "", "砖混", "2", "1990", "100", "否", "", "李四", "13800001111", "", "2022-05-02"}
	for _, s := range stages {
		r = append(r, s)
	}
	// A 有隐患 row carries its 初判 grading and check items (the last four columns).
	if len(r) > 18 && r[18] == "有隐患" {
		for len(r) < len(housing.Schema().Columns) {
			r = append(r, "")
		}
		n := len(r)
		r[n-4], r[n-3], r[n-2], r[n-1] = "一般隐患", "存在问题", "不涉及", "无问题"
	}
	return r
}

func testCampaigns(t *testing.T, pg bool) {
	a := start(t, pg)
	toks := tokens(t, a)
	base := serveWithJobs(t, a)
	admin, town, leader := toks[auth.RoleAdmin], toks[auth.RoleTown], toks[auth.RoleLeader]

	// A campaign: created by a leader, not by town staff (the policy).
	var c housing.Campaign
	if code := campJSON(t, a, "POST", "/api/v1/housing", town, map[string]any{"name": "x", "starts_on": "2022-05-01"}, nil); code != http.StatusForbidden {
		t.Fatalf("town creates a campaign: %d", code)
	}
	if code := campJSON(t, a, "POST", "/api/v1/housing", leader, map[string]any{"name": "测试排查", "starts_on": "2022-04-25"}, &c); code != http.StatusCreated {
		t.Fatalf("create campaign: %d", code)
	}

	// A file with bad rows commits nothing and reports every problem.
	bad := xlsxtest.Fill(t, housing.Schema(), [][]any{
		buildingRow("ZJ000001", "籍山镇", "农村"),
		buildingRow("ZJ000002", "无此镇", "农村"),
		buildingRow("ZJ000001", "籍山镇", "城镇"),
		buildingRow("ZJ000004", "籍山镇", "城镇", "有隐患", "2022-05-03", "", "", "", "C", "所", "2022-05-20"),
	})
	res := upload(t, base+"buildings/import", admin, bad)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d", res.StatusCode)
	}
	r := waitResult(t, base, admin, res.Header.Get("Location"))
	if r.Committed || r.ErrorCount != 3 {
		t.Fatalf("bad file: %+v", r)
	}
	reasons := map[int]string{}
	for _, e := range r.Errors {
		reasons[e.Row] = e.Col + " " + e.Column + " " + e.Reason
	}
	if !strings.Contains(reasons[3], "未知乡镇") || !strings.Contains(reasons[4], "与第 2 行重复") || !strings.Contains(reasons[5], "鉴定等级") {
		t.Fatalf("reasons: %v", reasons)
	}

	// A good file imports as a background job.
	var rows [][]any
	for i := 0; i < 60; i++ {
		townName, area := "籍山镇", "农村"
		if i%2 == 1 {
			townName, area = "弋江镇", "城镇"
		}
		if i%5 == 0 {
			rows = append(rows, buildingRow(fmt.Sprintf("ZJ1%05d", i), townName, area, "有隐患", "2022-05-03", "需鉴定", "技术专家", "2022-05-20"))
		} else {
			rows = append(rows, buildingRow(fmt.Sprintf("ZJ1%05d", i), townName, area, "无隐患", "2022-05-02"))
		}
	}
	res = upload(t, base+"buildings/import", admin, xlsxtest.Fill(t, housing.Schema(), rows))
	if r = waitResult(t, base, admin, res.Header.Get("Location")); !r.Committed || r.Imported != 60 {
		t.Fatalf("import: %+v", r)
	}
	// The jobs page names the file each import read.
	if page := do(a, "GET", "/jobs", admin, nil).Body.String(); !strings.Contains(page, `<span class="muted small">单位.xlsx</span>`) {
		t.Fatal("the jobs page does not name the imported file")
	}

	// A second survey: the import page offers the surveys and preselects
	// the one it was opened from; the file goes into the chosen one.
	var c2 housing.Campaign
	if code := campJSON(t, a, "POST", "/api/v1/housing", leader, map[string]any{"name": "2023年复查", "starts_on": "2023-03-01"}, &c2); code != http.StatusCreated {
		t.Fatalf("second campaign: %d", code)
	}
	req, _ := http.NewRequest("GET", base+"buildings/import?campaign="+c2.ID, nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	pres, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(pres.Body)
	pres.Body.Close()
	if !strings.Contains(string(html), `<select name="campaign"`) || !strings.Contains(string(html), `<option value="`+c2.ID+`" selected>2023年复查</option>`) ||
		!strings.Contains(string(html), `>测试排查</option>`) {
		t.Fatalf("import page offers the surveys: %d\n%s", pres.StatusCode, html)
	}
	res = upload(t, base+"buildings/import", admin, xlsxtest.Fill(t, housing.Schema(), [][]any{buildingRow("ZJ2000001", "籍山镇", "农村"), buildingRow("ZJ2000002", "弋江镇", "城镇")}),
		"campaign", c2.ID)
	if r = waitResult(t, base, admin, res.Header.Get("Location")); !r.Committed || r.Imported != 2 || r.Target != c2.ID {
		t.Fatalf("import into the chosen survey: %+v", r)
	}
	var second struct {
		Total int `json:"total"`
	}
	if code := campJSON(t, a, "GET", "/api/v1/housing/"+c2.ID+"/buildings", admin, nil, &second); code != 200 || second.Total != 2 {
		t.Fatalf("buildings of the chosen survey: %d %d", code, second.Total)
	}

	// Town staff see only their town's buildings.
	var list struct {
		Items []housing.Row `json:"items"`
		Total int           `json:"total"`
	}
	if code := campJSON(t, a, "GET", "/api/v1/housing/"+c.ID+"/buildings?size=500", town, nil, &list); code != 200 || list.Total != 30 {
		t.Fatalf("town list: %d %d", code, list.Total)
	}
	var all struct {
		Items []housing.Row `json:"items"`
		Total int           `json:"total"`
	}
	campJSON(t, a, "GET", "/api/v1/housing/"+c.ID+"/buildings?size=500&stage=need_appraisal&area=rural", admin, nil, &all)
	if all.Total != 6 {
		t.Fatalf("filtered list: %d", all.Total)
	}
	var target housing.Row
	for _, x := range list.Items {
		if x.Stage == housing.NeedAppraisal {
			target = x
		}
	}
	campJSON(t, a, "GET", "/api/v1/housing/"+c.ID+"/buildings?size=500&town=349901101&stage=need_appraisal", admin, nil, &all)
	other := all.Items[0]
	if code := campJSON(t, a, "GET", "/api/v1/housing/"+c.ID+"/buildings/"+other.ID, town, nil, nil); code != http.StatusNotFound {
		t.Fatalf("town reads another town's building: %d", code)
	}

	// Steps: the rules answer with the rule's name; a good step counts.
	stepURL := "/api/v1/housing/" + c.ID + "/buildings/" + target.ID + "/steps"
	var fail map[string]any
	if code := campJSON(t, a, "POST", stepURL, town, map[string]any{"action": "close", "on": "2022-06-01"}, &fail); code != http.StatusConflict ||
		!strings.Contains(fmt.Sprint(fail["error"]), "销号规则") {
		t.Fatalf("skipped stage: %d %v", code, fail)
	}
	if code := campJSON(t, a, "POST", stepURL, town, map[string]any{"action": "appraise", "on": "2022-06-01", "grade": "E", "agency": "所"}, &fail); code != 422 ||
		fail["field"] != "grade" {
		t.Fatalf("grade E: %d %v", code, fail)
	}
	// An appraisal needs its report on the API too: JSON (no file) is
	// refused naming the field; multipart with the report is taken.
	if code := campJSON(t, a, "POST", stepURL, town, map[string]any{"action": "appraise", "on": "2022-06-01", "grade": "C", "agency": "某鉴定所"}, &fail); code != 422 ||
		fail["field"] != "report" {
		t.Fatalf("appraise without report: %d %v", code, fail)
	}
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	for k, v := range map[string]string{"action": "appraise", "on": "2022-06-01", "grade": "C", "agency": "某鉴定所"} {
		_ = mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("report", "鉴定报告.pdf")
	_, _ = fw.Write([]byte("%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"))
	_ = mw.Close()
	sreq := httptest.NewRequest("POST", stepURL, &mp)
	sreq.Header.Set("Authorization", "Bearer "+town)
	sreq.Header.Set("Content-Type", mw.FormDataContentType())
	srec := httptest.NewRecorder()
	a.Handler.ServeHTTP(srec, sreq)
	var b housing.Building
	if err := json.Unmarshal(srec.Body.Bytes(), &b); srec.Code != 200 || err != nil || b.Stage != housing.Appraised {
		t.Fatalf("appraise with report: %d %s", srec.Code, srec.Body.String())
	}
	var camp struct {
		Progress housing.Progress  `json:"progress"`
		Warnings []housing.Warning `json:"warnings"`
	}
	campJSON(t, a, "GET", "/api/v1/housing/"+c.ID+"?on=2022-06-01", admin, nil, &camp)
	if got := camp.Progress.ByTotal[housing.MAppraised].Total(); got != 1 {
		t.Fatalf("appraised at 06-01: %d", got)
	}
	if got := camp.Progress.ByTotal[housing.MSurveyed]; got.Urban != 30 || got.Rural != 30 {
		t.Fatalf("surveyed: %+v", got)
	}
	// Reported figures that disagree with the records give warnings.
	rep := map[string]any{"as_of": "2022-06-01", "figures": map[string]any{"need_appraisal": map[string]int{"total": 12, "urban": 6, "rural": 7}}}
	if code := campJSON(t, a, "PUT", "/api/v1/housing/"+c.ID+"/reported", leader, rep, nil); code != 200 {
		t.Fatalf("reported: %d", code)
	}
	campJSON(t, a, "GET", "/api/v1/housing/"+c.ID, admin, nil, &camp)
	if len(camp.Warnings) != 2 {
		t.Fatalf("warnings: %+v", camp.Warnings)
	}

	// The pages answer, the form keeps input and names the rule.
	for _, p := range []string{"/campaigns", "/housing", "/housing/" + c.ID, "/housing/" + c.ID + "?on=2022-05-20", "/housing/" + c.ID + "/buildings?area=urban",
		"/housing/" + c.ID + "/buildings/" + target.ID} {
		if rec := do(a, "GET", p, admin, nil); rec.Code != 200 {
			t.Errorf("GET %s: %d", p, rec.Code)
		}
	}
	if body := do(a, "GET", "/housing/"+c.ID, admin, nil).Body.String(); !strings.Contains(body, "data-chart=") || !strings.Contains(body, "上报数与台账不一致") {
		t.Error("campaign page: no chart or warnings")
	}
	form := url.Values{"action": {"remediate"}, "on": {"2022-06-02"}, "measure": {"bogus"}, "note": {"保留的说明"}}
	rec := do(a, "POST", "/housing/"+c.ID+"/buildings/"+target.ID+"/steps", town, strings.NewReader(form.Encode()))
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), "保留的说明") {
		t.Fatalf("step form error: %d", rec.Code)
	}
	form = url.Values{"action": {"close"}, "on": {"2022-06-02"}}
	rec = do(a, "POST", "/housing/"+c.ID+"/buildings/"+target.ID+"/steps", town, strings.NewReader(form.Encode()))
	if rec.Code != 409 || !strings.Contains(rec.Body.String(), "须整治完成后才能销号") {
		t.Fatalf("close a C building: %d", rec.Code)
	}
	// 初判 on the page: the grading and the three check items are kept,
	// shown on the building page and found by the list's filters; a
	// grading that contradicts the items is refused with the rule and the
	// form keeps what was typed.
	var nb housing.Building
	if code := campJSON(t, a, "POST", "/api/v1/housing/"+c.ID+"/buildings", town, map[string]any{"code": "ZJ3000001", "town_code": "349901100",
		"surveyed_on": "2022-05-02", "address": "籍山镇测试路9号"}, &nb); code != http.StatusCreated && code != 200 {
		t.Fatalf("create building: %d", code)
	}
	judgeURL := "/housing/" + c.ID + "/buildings/" + nb.ID + "/steps"
	form = url.Values{"action": {"judge"}, "on": {"2022-05-03"}, "hazard_level": {"none"}, "check_structure": {"problem"}, "note": {"初判说明"}}
	rec = do(a, "POST", judgeURL, town, strings.NewReader(form.Encode()))
	if body := rec.Body.String(); rec.Code != 422 || !strings.Contains(body, "不能判为无隐患") || !strings.Contains(body, "初判说明") {
		t.Fatalf("contradictory 初判: %d", rec.Code)
	}
	form = url.Values{"action": {"judge"}, "on": {"2022-05-03"}, "hazard_level": {"general"}, "check_structure": {"problem"}, "check_business": {"na"}, "check_legal": {"ok"}}
	if rec = do(a, "POST", judgeURL, town, strings.NewReader(form.Encode())); rec.Code != 303 {
		t.Fatalf("初判 form: %d %s", rec.Code, rec.Body.String())
	}
	if body := do(a, "GET", "/housing/"+c.ID+"/buildings/"+nb.ID, town, nil).Body.String(); !strings.Contains(body, `id="judgement"`) ||
		!strings.Contains(body, "一般隐患") || !strings.Contains(body, `data-item="structure" class="err">存在问题`) {
		t.Fatal("the building page does not show the 初判 grading and items")
	}
	if body := do(a, "GET", "/housing/"+c.ID+"/buildings?hazard_level=general&problem=structure", town, nil).Body.String(); !strings.Contains(body, "ZJ3000001") ||
		!strings.Contains(body, `id="f-level"`) || !strings.Contains(body, `id="f-problem"`) {
		t.Fatal("the list's 初判 filters do not find the building")
	}
	// Exports: the progress table and the filtered list (the list page's
	// export link carries its filters).
	if page := do(a, "GET", "/housing/"+c.ID+"/buildings?area=urban&page=2", town, nil).Body.String(); !strings.Contains(page, `href="/buildings/export?area=urban&amp;campaign=`+c.ID+`"`) {
		t.Fatal("the buildings list's export link lost its filters")
	}
	for _, p := range []string{"/housing/" + c.ID + "/progress.xlsx", "/buildings/export?campaign=" + c.ID + "&area=urban"} {
		rec := do(a, "GET", p, town, nil)
		f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
		if rec.Code != 200 || err != nil {
			t.Fatalf("%s: %d %v", p, rec.Code, err)
		}
		got, _ := f.GetRows(f.GetSheetName(0))
		if strings.HasPrefix(p, "/buildings") && len(got) != 1 { // 籍山镇's buildings are all rural
			t.Errorf("%s: %d rows", p, len(got))
		}
		if strings.HasPrefix(p, "/housing") && len(got) != 3 { // header, 籍山镇, total
			t.Errorf("%s: %d rows", p, len(got))
		}
	}

	// Data calls: a form, a call, the town's row, the roll-up.
	var form2 datacall.Form
	if code := campJSON(t, a, "POST", "/api/v1/datacall-forms", leader, map[string]any{"name": "测试表", "fields": []map[string]any{
		{"key": "general", "label": "一般隐患", "type": "integer"}, {"key": "done", "label": "已整改", "type": "integer", "parent": "general"},
		{"key": "money", "label": "投入资金", "type": "decimal", "unit": "万元"}}}, &form2); code != 201 {
		t.Fatalf("form: %d", code)
	}
	townP, _ := a.Auth.PrincipalFor(context.Background(), "town")
	deptP, _ := a.Auth.PrincipalFor(context.Background(), "dept")
	var call datacall.Call
	if code := campJSON(t, a, "POST", "/api/v1/datacalls", leader, map[string]any{"form_id": form2.ID, "period": "2022年5月", "deadline": "2099-06-05",
		"units": []string{townP.UnitID, deptP.UnitID}}, &call); code != 201 {
		t.Fatalf("issue: %d", code)
	}
	fill := "/api/v1/datacalls/" + call.ID + "/response"
	if code := campJSON(t, a, "PUT", fill, town, map[string]any{"values": map[string]string{"general": "十", "done": "1"}}, &fail); code != 422 ||
		fail["field"] != "general" || !strings.Contains(fmt.Sprint(fail["fields"]), "「一般隐患」应填写不小于 0 的整数") {
		t.Fatalf("not a number: %d %v", code, fail)
	}
	if code := campJSON(t, a, "PUT", fill, town, map[string]any{"values": map[string]string{"general": "10", "done": "11"}}, &fail); code != 422 ||
		!strings.Contains(fmt.Sprint(fail["fields"]), "「已整改」11 不能大于「一般隐患」10") {
		t.Fatalf("part over total: %d %v", code, fail)
	}
	if code := campJSON(t, a, "PUT", fill, town, map[string]any{"values": map[string]string{"general": "10", "done": "8", "money": "2.5"}, "submit": true}, nil); code != 200 {
		t.Fatalf("submit: %d", code)
	}
	if code := campJSON(t, a, "PUT", fill, toks[auth.RoleSection], map[string]any{"unit": deptP.UnitID, "values": map[string]string{"general": "1"}}, nil); code != 403 {
		t.Fatalf("a section fills a department's row: %d", code)
	}
	var ru datacall.RollUp
	campJSON(t, a, "GET", "/api/v1/datacalls/"+call.ID, leader, nil, &ru)
	if ru.Done != 1 || ru.Totals["general"] != "10" || ru.Totals["money"] != "2.5" {
		t.Fatalf("roll-up: %+v", ru)
	}
	campJSON(t, a, "GET", "/api/v1/datacalls/"+call.ID, town, nil, &ru)
	if len(ru.Rows) != 1 {
		t.Fatalf("town sees %d rows", len(ru.Rows))
	}
	for _, p := range []string{"/datacalls", "/datacalls/" + call.ID, "/datacall-forms", "/datacall-forms/" + form2.ID, "/datacalls/new", "/datacall-forms/new"} {
		if rec := do(a, "GET", p, leader, nil); rec.Code != 200 {
			t.Errorf("GET %s: %d", p, rec.Code)
		}
	}
	if rec := do(a, "GET", "/datacalls/"+call.ID+"/fill", toks[auth.RoleDepartment], nil); rec.Code != 200 {
		t.Errorf("fill page: %d", rec.Code)
	}
	if rec := do(a, "POST", "/datacalls/"+call.ID+"/remind", leader, strings.NewReader("")); rec.Code != http.StatusSeeOther {
		t.Errorf("remind: %d", rec.Code)
	}
	if rec := do(a, "GET", "/datacalls/"+call.ID+"/export", leader, nil); rec.Code != 200 {
		t.Errorf("roll-up export: %d", rec.Code)
	}
	// A form's field that is not a number is refused on the fill page too,
	// keeping what was typed.
	rec = do(a, "POST", "/datacalls/"+call.ID+"/fill", toks[auth.RoleDepartment], strings.NewReader(url.Values{"v_general": {"abc"}, "v_done": {"1"}, "submit": {"0"}}.Encode()))
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), `value="abc"`) {
		t.Fatalf("fill form error: %d", rec.Code)
	}

	// Special campaigns: places typed one a line, a check, the coverage.
	rec = do(a, "POST", "/special-campaigns", leader, strings.NewReader(url.Values{"name": {"隔离点检查"}, "starts_on": {"2022-03-15"}, "rounds": {"2"},
		"scope_kind": {"places"}, "places": {"第1隔离点，籍山镇\n第2隔离点，弋江镇，某路"}}.Encode()))
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("special campaign: %d %s", rec.Code, rec.Body.String())
	}
	sid := strings.TrimPrefix(rec.Header().Get("Location"), "/special-campaigns/")
	var sp struct {
		Coverage struct {
			Total struct {
				InScope int   `json:"in_scope"`
				Checked []int `json:"checked"`
			} `json:"total"`
		} `json:"coverage"`
	}
	campJSON(t, a, "GET", "/api/v1/special-campaigns/"+sid, admin, nil, &sp)
	if sp.Coverage.Total.InScope != 2 {
		t.Fatalf("coverage: %+v", sp)
	}
	page := do(a, "GET", "/special-campaigns/"+sid, town, nil).Body.String()
	m := regexp.MustCompile(`<option value="([0-9A-Z]{26})"`).FindStringSubmatch(page)
	if m == nil || strings.Contains(page, "第2隔离点") {
		t.Fatal("the town's page should list its own target only")
	}
	targetID := m[1]
	if code := campJSON(t, a, "POST", "/api/v1/special-campaigns/"+sid+"/checks", town, map[string]any{"target_id": targetID, "checked_on": "2022-03-21",
		"round": 1, "checked_by": "县安办", "findings": 2}, nil); code != 201 {
		t.Fatalf("check: %d", code)
	}
	campJSON(t, a, "GET", "/api/v1/special-campaigns/"+sid, admin, nil, &sp)
	if sp.Coverage.Total.Checked[0] != 1 {
		t.Fatalf("coverage after the check: %+v", sp)
	}
}

func TestCampaignsSQLite(t *testing.T)   { testCampaigns(t, false) }
func TestCampaignsPostgres(t *testing.T) { testCampaigns(t, true) }
