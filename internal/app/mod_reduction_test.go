package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"yingji/internal/bureau/reduction"
	"yingji/internal/kit/figure"
)

// TestReductionDemoFigures: the demo records reproduce the report's
// figures F-PUB-1…3, F-COMM-1, F-FIRE-1, F-CHEM-5 and F-IND-2, and a
// second load changes nothing.
func TestReductionDemoFigures(t *testing.T) {
	now := time.Date(2022, 6, 30, 10, 0, 0, 0, time.UTC)
	a := demoApp(t, false, now)
	ctx := context.Background()
	if err := a.LoadDemo(ctx, io.Discard); err != nil {
		t.Fatal(err)
	}
	leader, err := a.Auth.PrincipalFor(ctx, "leader")
	if err != nil {
		t.Fatal(err)
	}
	per, _ := figure.NewPeriod("2022-01-01", "2022-06-30")
	want := map[string]map[string]int64{
		"F-PUB-1":  {"leaflets": 6120, "sms": 130000, "answered": 986, "winners": 39},
		"F-PUB-2":  {"trainings": 6, "people": 802},
		"F-PUB-3":  {"officers": 328},
		"F-COMM-1": {"towns": 7, "communities": 11, "city": 1},
		"F-FIRE-1": {"leaflets": 2150, "sms": 200000, "fire_hazards": 5, "checkpoints": 20},
		"F-CHEM-5": {"people": 28},
		"F-IND-2":  {"people": 206},
	}
	for id, nums := range want {
		f, ok := a.Figures.Get(id)
		if !ok {
			t.Fatalf("%s not registered", id)
		}
		v, err := f.Count(ctx, figure.Query{Period: per, P: leader, Records: true})
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		for k, n := range nums {
			if got := v.Get(k); got.Value != n || got.Link == "" {
				t.Errorf("%s %s = %d (link %q), want %d", id, k, got.Value, got.Link, n)
			}
		}
	}
}

// TestReductionPagesAndAPI: the registers' pages answer each reading role,
// the officers' export has one row per officer with phones masked for a
// role without the permission, and a refused report names its rule (409).
func TestReductionPagesAndAPI(t *testing.T) {
	a := demoApp(t, false, time.Date(2022, 6, 30, 10, 0, 0, 0, time.UTC))
	leader, town, ro, jg := userToken(t, a, "leader"), userToken(t, a, "town"), userToken(t, a, "readonly"), userToken(t, a, "jg1")
	first := func(list string) string {
		t.Helper()
		rec := do(a, http.MethodGet, "/api/v1/reduction/"+list+"?size=1", leader, nil)
		var out struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
			Total int `json:"total"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || len(out.Items) != 1 {
			t.Fatalf("%s: %d %s", list, rec.Code, rec.Body.String())
		}
		return out.Items[0].ID
	}
	type item struct{ ID string }
	events, comms, cps := []item{{first("events")}}, []item{{first("communities")}}, []item{{first("checkpoints")}}
	trs, pubs, offs := []item{{first("trainings")}}, []item{{first("publicity")}}, []item{{first("officers")}}
	paths := []string{"/reduction/events", "/reduction/events/" + events[0].ID, "/reduction/reports", "/reduction/officers", "/reduction/officers/coverage",
		"/reduction/officers/" + offs[0].ID, "/reduction/communities", "/reduction/checkpoints", "/reduction/checkpoints/" + cps[0].ID,
		"/reduction/trainings", "/reduction/trainings/" + trs[0].ID, "/reduction/publicity", "/reduction/publicity/" + pubs[0].ID}
	for _, tok := range []string{leader, ro} {
		for _, p := range append(paths, "/reduction/communities/"+comms[0].ID) {
			page(t, a, tok, p)
		}
	}
	for _, p := range []string{"/reduction/officers/new", "/reduction/checkpoints/new", "/reduction/trainings/new", "/reduction/publicity/new", "/reduction/communities/new"} {
		page(t, a, town, p)
	}
	if body := page(t, a, town, "/reduction/officers?size=500"); strings.Contains(body, "弋江镇 · ") {
		t.Error("town staff see another town's officers")
	}
	if body := page(t, a, ro, "/reduction/officers"); !strings.Contains(body, "139****") {
		t.Error("phones are not masked for the read-only role")
	}

	// The officers' export: one row per officer.
	for _, c := range []struct {
		tok    string
		masked bool
	}{{leader, false}, {ro, true}} {
		rec := do(a, http.MethodGet, "/officers/export", c.tok, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("export: %d %s", rec.Code, rec.Body.String())
		}
		x, err := excelize.OpenReader(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := x.GetRows(x.GetSheetName(0))
		if err != nil || len(rows) != 1+reduction.DemoOfficers {
			t.Fatalf("export rows: %v %d", err, len(rows))
		}
		if !strings.HasSuffix(rows[0][2], "姓名") || strings.Contains(rows[1][3], "*") == !c.masked {
			t.Errorf("export row (masked %v): %v / %v", c.masked, rows[0], rows[1])
		}
	}

	// A large jump without an explanation is refused, naming the rule.
	rec := do(a, http.MethodPost, "/api/v1/reduction/events/"+events[0].ID+"/reports", jg,
		strings.NewReader(`{"town_code":"`+a.Cfg.County+`101","kind":"followup","affected":5000,"reported_at":"2022-06-13T08:00:00+08:00"}`))
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "大幅变化") {
		t.Errorf("jump: %d %s", rec.Code, rec.Body.String())
	}
	rec = do(a, http.MethodPost, "/api/v1/reduction/events/"+events[0].ID+"/reports", jg,
		strings.NewReader(`{"town_code":"`+a.Cfg.County+`101","kind":"followup","affected":5000,"explanation":"新增核查村组","reported_at":"2022-06-13T08:00:00+08:00"}`))
	if rec.Code != http.StatusCreated {
		t.Errorf("explained: %d %s", rec.Code, rec.Body.String())
	}
	// A fire hazard found at a checkpoint goes into the hazard ledger.
	rec = do(a, http.MethodPost, "/api/v1/reduction/checkpoints/"+cps[0].ID+"/hazards", jg, strings.NewReader(`{"found_on":"2022-06-20"}`))
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `"description"`) {
		t.Errorf("no description: %d %s", rec.Code, rec.Body.String())
	}
	rec = do(a, http.MethodPost, "/api/v1/reduction/checkpoints/"+cps[0].ID+"/hazards", jg,
		strings.NewReader(`{"description":"卡口旁堆放易燃杂草","found_on":"2022-06-20","measures":"清理"}`))
	var hz struct {
		HazardID string `json:"hazard_id"`
	}
	if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &hz) != nil || hz.HazardID == "" {
		t.Fatalf("fire hazard: %d %s", rec.Code, rec.Body.String())
	}
	if rec := do(a, http.MethodGet, "/api/v1/hazards/"+hz.HazardID, leader, nil); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "森林防灭火") {
		t.Errorf("the hazard is not in the ledger's forest-fire campaign: %d %s", rec.Code, rec.Body.String())
	}
	if body := page(t, a, leader, "/reduction/checkpoints/"+cps[0].ID); !strings.Contains(body, "/hazards/"+hz.HazardID) {
		t.Error("the checkpoint does not link its hazard")
	}
	rec = do(a, http.MethodGet, "/api/v1/reduction/officers/coverage?missing=1", ro, nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"items":[]`) {
		t.Errorf("coverage: %d %s", rec.Code, rec.Body.String())
	}
}

// TestCheckpointMapLayer: the 防火码 checkpoints are a layer of the county
// map, green while active today and grey otherwise, with the active /
// inactive select; enterprise accounts see none.
func TestCheckpointMapLayer(t *testing.T) {
	a := demoApp(t, false, time.Date(2022, 6, 30, 10, 0, 0, 0, time.UTC))
	admin := userToken(t, a, "admin")
	// The demo's 20 checkpoints ran 2022-01-10 to 2022-05-31; one more is
	// active today.
	rec := do(a, http.MethodPost, "/api/v1/reduction/checkpoints", admin, strings.NewReader(
		`{"town_code":"349901100","name":"夏季巡查卡口","place":"籍山镇","lng":118.2,"lat":30.9,"active_from":"2022-06-01","active_to":""}`))
	if rec.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", rec.Code, rec.Body.String())
	}
	points := func(tok, filter string) (pts []struct{ Name, Colour, Link string }) {
		t.Helper()
		rec := do(a, http.MethodGet, "/api/v1/map/points?layer=checkpoints"+filter, tok, nil)
		var out struct {
			Layers []struct {
				Key    string
				Points []struct{ Name, Colour, Link string }
			}
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || rec.Code != 200 || len(out.Layers) != 1 || out.Layers[0].Key != "checkpoints" {
			t.Fatalf("points%s: %d %s", filter, rec.Code, rec.Body.String())
		}
		return out.Layers[0].Points
	}
	all, active, inactive := points(admin, ""), points(admin, "&checkpoint=active"), points(admin, "&checkpoint=inactive")
	if len(all) != 21 || len(active) != 1 || len(inactive) != 20 {
		t.Fatalf("all %d, active %d, inactive %d", len(all), len(active), len(inactive))
	}
	if active[0].Name != "夏季巡查卡口" || active[0].Colour != "green" || !strings.HasPrefix(active[0].Link, "/reduction/checkpoints/") || inactive[0].Colour != "grey" {
		t.Fatalf("points: %+v %+v", active[0], inactive[0])
	}
	if n := len(points(userToken(t, a, "town"), "&town=349901100")); n == 0 || n > 21 {
		t.Errorf("town user's points: %d", n)
	}
	if rec := do(a, http.MethodGet, "/map", admin, nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), "全部卡口") {
		t.Errorf("map page has no checkpoint select: %d", rec.Code)
	}
}
