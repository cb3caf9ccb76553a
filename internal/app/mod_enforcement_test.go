package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"yingji/internal/app"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/figure"
)

func xlsxHeaders(t *testing.T, body []byte) []string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil || len(rows) == 0 {
		t.Fatal(err, len(rows))
	}
	return rows[0]
}

func postJSON(t *testing.T, a *app.App, path, token string, in any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(in)
	rec := do(a, "POST", path, token, bytes.NewReader(b))
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out
}

// TestEnforcementDemoFigures loads the demo and computes the report's
// figures of documents, cases, measures and accidents from the records.
func TestEnforcementDemoFigures(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { enforcementDemoFigures(t, false) })
	t.Run("postgres", func(t *testing.T) { enforcementDemoFigures(t, true) })
}

func enforcementDemoFigures(t *testing.T, pg bool) {
	now := time.Date(2022, 6, 30, 16, 0, 0, 0, time.FixedZone("CST", 8*3600))
	a := demoApp(t, pg, now)
	ctx := context.Background()
	// Loading twice changes nothing.
	if err := a.LoadDemo(ctx, io.Discard); err != nil {
		t.Fatal(err)
	}
	admin, err := a.Auth.PrincipalFor(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	per, _ := figure.NewPeriod("2022-01-01", "2022-06-30")
	get := func(id string) figure.Value {
		f, ok := a.Figures.Get(id)
		if !ok {
			t.Fatalf("figure %s not registered", id)
		}
		v, err := f.Count(ctx, figure.Query{Period: per, P: admin, Records: true})
		if err != nil {
			t.Fatal(id, err)
		}
		return v
	}
	check := func(id, key string, want int64) {
		t.Helper()
		n := get(id).Get(key)
		if n.Value != want {
			t.Errorf("%s %s = %d, want %d", id, key, n.Value, want)
		}
		if want > 0 && n.Unit == "" && int64(len(n.Records)) != want && !strings.Contains(key, "fine") {
			t.Errorf("%s %s: %d records for %d", id, key, len(n.Records), want)
		}
	}
	check("F-ACC-1", "accidents", 0)
	check("F-ACC-1", "deaths", 0)
	check("F-ACC-1", "accidents_last", 2)
	check("F-ACC-1", "deaths_last", 2)
	check("F-MINE-2", "cases", 2)
	check("F-MINE-2", "fines", 800000)
	check("F-CHEM-3", "cases", 1)
	check("F-CHEM-3", "investigating", 1)
	check("F-BIG-4", "suspensions", 11)
	check("F-BIG-4", "interviews", 315)
	check("F-MINE-1", "documents", 20)
	check("F-IND-1", "records", 51)
	check("F-IND-1", "orders", 5)

	toks := tokens(t, a)
	adm, jg1 := toks[auth.RoleAdmin], userToken(t, a, "jg1")
	// The figure's link lists exactly its records.
	link := get("F-MINE-1").Get("documents").Link
	rec := do(a, "GET", "/api/v1/enforcement/documents"+link[strings.Index(link, "?"):], adm, nil)
	var list struct {
		Total int `json:"total"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || list.Total != 20 {
		t.Errorf("figure link: %d %s", list.Total, rec.Body.String())
	}
	// Pages.
	for _, p := range []string{"/enforcement/documents", "/enforcement/cases", "/enforcement/measures", "/accidents", "/enforcement/documents/new?inspection=INSP-1",
		"/enforcement/cases/new", "/accidents/new"} {
		rec := do(a, "GET", p, adm, nil)
		if rec.Code != 200 {
			t.Errorf("GET %s: %d", p, rec.Code)
		}
		if strings.Contains(p, "inspection=INSP-1") && !strings.Contains(rec.Body.String(), `value="INSP-1"`) {
			t.Errorf("the new-document form does not carry the inspection")
		}
	}
	// Exports with the contract's columns.
	for path, want := range map[string][]string{"/documents/export": {"文书类型", "文书编号"}, "/cases/export": {"罚款金额（元）"},
		"/accidents/export": {"事故日期", "死亡人数"}} {
		rec := do(a, "GET", path, adm, nil)
		if rec.Code != 200 {
			t.Fatalf("%s: %d", path, rec.Code)
		}
		h := strings.Join(xlsxHeaders(t, rec.Body.Bytes()), "|")
		for _, w := range want {
			if !strings.Contains("|"+h+"|", "|"+w+"|") {
				t.Errorf("%s headers %s lack %s", path, h, w)
			}
		}
	}
	// A review without an order: 409 naming the rule; a case step above
	// the cap: 422.
	var mines struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	getJSON(t, a, "/api/v1/enterprises?sector=mine&size=9", adm, &mines)
	last := mines.Items[len(mines.Items)-1].ID
	code, body := postJSON(t, a, "/api/v1/enforcement/documents", jg1, map[string]any{"kind": "review", "enterprise_id": last, "hazard_ids": []string{"x"}})
	if code != 409 || !strings.Contains(body["error"].(string), "指令书") {
		t.Errorf("review without order: %d %v", code, body)
	}
	code, c := postJSON(t, a, "/api/v1/enforcement/cases", jg1, map[string]any{"enterprise_id": last, "cause": "值班脱岗", "cause_kind": "duty_keeping",
		"legal_basis": "penalty_45"})
	if code != 201 {
		t.Fatalf("open case: %d %v", code, c)
	}
	id := c["id"].(string)
	if code, body := postJSON(t, a, "/api/v1/enforcement/cases/"+id+"/steps", jg1, map[string]any{"action": "approve_filing"}); code != 403 {
		t.Errorf("section approves: %d %v", code, body)
	}
	if code, body := postJSON(t, a, "/api/v1/enforcement/cases/"+id+"/steps", userToken(t, a, "leader"), map[string]any{"action": "approve_filing"}); code != 200 {
		t.Fatalf("leader approves: %d %v", code, body)
	}
	if code, body := postJSON(t, a, "/api/v1/enforcement/cases/"+id+"/steps", jg1, map[string]any{"action": "notify", "fine_fen": 3000001}); code != 422 {
		t.Errorf("fine above the cap: %d %v", code, body)
	}
	if code, body := postJSON(t, a, "/api/v1/enforcement/cases/"+id+"/steps", jg1, map[string]any{"action": "notify", "fine_fen": -5}); code != 422 {
		t.Errorf("negative fine: %d %v", code, body)
	}
	// The hazard loop's order step takes its number from the register.
	code, hz := postJSON(t, a, "/api/v1/hazards", jg1, map[string]any{"enterprise_id": last, "source": "inspection", "category": "thing",
		"description": "提升机保护装置失效", "found_on": "2022-06-29"})
	if code != 201 {
		t.Fatalf("report hazard: %d %v", code, hz)
	}
	hid := hz["id"].(string)
	if code, b := postJSON(t, a, "/api/v1/hazards/"+hid+"/steps", jg1, map[string]any{"action": "grade", "grade": "general"}); code != 200 {
		t.Fatalf("grade: %d %v", code, b)
	}
	code, after := postJSON(t, a, "/api/v1/hazards/"+hid+"/steps", jg1, map[string]any{"action": "order", "deadline": "2022-07-29"})
	if code != 200 || !strings.HasPrefix(after["order_number"].(string), "（示）应急责改〔2022〕") {
		t.Fatalf("order with a register number: %d %v", code, after)
	}
	var docs struct {
		Items []struct {
			ID        string   `json:"id"`
			Number    string   `json:"number"`
			HazardIDs []string `json:"hazard_ids"`
		} `json:"items"`
	}
	getJSON(t, a, "/api/v1/enforcement/documents?kind=order&enterprise="+last, adm, &docs)
	if len(docs.Items) != 1 || docs.Items[0].Number != after["order_number"] || docs.Items[0].HazardIDs[0] != hid {
		t.Errorf("the order in the register: %+v", docs.Items)
	}
	rec = do(a, "GET", "/enforcement/documents/"+docs.Items[0].ID+"/pdf", adm, nil)
	if rec.Code != 200 || !bytes.HasPrefix(rec.Body.Bytes(), []byte("%PDF")) {
		t.Errorf("pdf: %d", rec.Code)
	}
	// The fines ledger: the two demo payments of 4,000 元.
	var fines struct {
		Items    []any `json:"items"`
		TotalFen int64 `json:"total_fen"`
	}
	getJSON(t, a, "/api/v1/enforcement/fines?from=2022-01-01&to=2022-06-30", adm, &fines)
	if len(fines.Items) != 2 || fines.TotalFen != 800000 {
		t.Errorf("fines ledger: %d payments, %d 分", len(fines.Items), fines.TotalFen)
	}
	// The county abbreviation and the caps are settings (administrators).
	form := "abbr=%E8%8A%9C&issuer=%E7%A4%BA%E4%BE%8B%E5%8E%BF%E5%BA%94%E6%80%A5%E7%AE%A1%E7%90%86%E5%B1%80&bases=penalty_45%7C%E5%80%BC%E7%8F%AD%7C5000"
	if rec := do(a, "POST", "/enforcement/settings", jg1, strings.NewReader(form)); rec.Code != 403 {
		t.Errorf("section changes settings: %d", rec.Code)
	}
	if rec := do(a, "POST", "/enforcement/settings", adm, strings.NewReader("abbr=&issuer=x&bases=bad")); rec.Code != 422 {
		t.Errorf("bad settings: %d", rec.Code)
	}
	if rec := do(a, "POST", "/enforcement/settings", adm, strings.NewReader(form)); rec.Code != 303 {
		t.Fatalf("settings: %d %s", rec.Code, rec.Body.String())
	}
	code, body = postJSON(t, a, "/api/v1/enforcement/documents", jg1, map[string]any{"kind": "inspection_record", "enterprise_id": last})
	if code != 201 || !strings.HasPrefix(body["number"].(string), "（芜）应急检记〔2022〕") {
		t.Errorf("number after the abbreviation changed: %d %v", code, body)
	}
	// An accident whose typed level contradicts its figures: 422 naming the rule.
	code, body = postJSON(t, a, "/api/v1/accidents", toks[auth.RoleDuty], map[string]any{"occurred_on": "2022-06-01", "place": "x", "industry": "其他",
		"kind": "触电", "deaths": 3, "level": "一般"})
	if code != 422 || !strings.Contains(body["error"].(string)+body["fields"].([]any)[0].(map[string]any)["reason"].(string), "493") {
		t.Errorf("contradicting level: %d %v", code, body)
	}
}
