package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"yingji/internal/kit/figure"
)

// seedFacts are the source report's figures (../shared/docs/seed-facts.md)
// that the demo records must reproduce: figure ID → number key → value
// (money in 元).
var seedFacts = map[string]map[string]float64{
	"F-ACC-1":   {"accidents": 0, "deaths": 0},
	"F-MINE-1":  {"inspections": 25, "documents": 20, "general": 166, "major": 5},
	"F-MINE-2":  {"cases": 2, "fines": 8000},
	"F-MINE-3":  {"mines": 4, "hazards": 90, "major": 5, "major_listed": 5},
	"F-MINE-4":  {"findings": 28, "government": 4, "enterprises": 3, "enterprise": 24},
	"F-MINE-5":  {"delisted": 3, "closure": 2},
	"F-MINE-6":  {"closing": 2},
	"F-CHEM-1":  {"inspections": 42, "hazards": 51},
	"F-CHEM-2":  {"fireworks_retail": 3, "petrol": 11},
	"F-CHEM-3":  {"cases": 1},
	"F-CHEM-4":  {"checked": 330, "retailers": 330, "coverage": 100},
	"F-CHEM-5":  {"people": 28},
	"F-IND-1":   {"inspections": 56, "records": 51, "orders": 5, "planned": 92, "done": 51, "percent": 55},
	"F-BIG-1":   {"general": 3265, "rectified": 2979},
	"F-BIG-2":   {"major": 3, "listed": 3, "rectified": 1, "extended": 2},
	"F-BIG-3":   {"general": 2276, "rectified": 2158},
	"F-BIG-4":   {"suspensions": 11, "interviews": 315},
	"F-BIG-5":   {"sites": 26, "rounds": 2},
	"F-HOUSE-1": {"total": 128053, "urban": 11568, "rural": 116485},
	"F-HOUSE-2": {"total": 2218, "urban": 750, "rural": 1468},
	"F-HOUSE-3": {"total": 685},
	"F-HOUSE-4": {"appraised": 310, "remediated": 9},
	"F-HOUSE-5": {"total": 685, "urban": 385, "rural": 300},
	"F-SUP-1":   {"letters": 4, "rectified": 3},
	"F-DUTY-1":  {"shifts": 543, "incidents": 13, "incidents_on_time": 13, "warnings": 17},
	"F-PLAN-1":  {"plans": 8},
	"F-FLOOD-1": {"hazards": 47},
	"F-FLOOD-2": {"patrol_teams": 49, "patrol_people": 3107, "town_teams": 40, "town_people": 1376, "county_teams": 4, "county_people": 466},
	"F-FLOOD-3": {"drills": 1},
	"F-REL-1":   {"amount": 1260000, "people": 5452},
	"F-REL-2":   {"total": 2374, "quilts": 1379, "coats": 995},
	"F-RES-1":   {"reminders": 74, "teams_updated": 7},
	"F-RES-2":   {"people": 60},
	"F-PUB-1":   {"sms": 130000, "winners": 39},
	"F-PUB-2":   {"trainings": 6},
	"F-PUB-3":   {"officers": 328},
	"F-COMM-1":  {"towns": 7, "communities": 11, "city": 1},
	"F-FIRE-1":  {"sms": 200000, "fire_hazards": 5, "checkpoints": 20},
}

// seedRanges are the source's round figures (80余, 6000余, 200多, 左右,
// 近千): the records must fall in the range the words allow.
var seedRanges = map[string]map[string][2]float64{
	"F-FLOOD-1": {"plans": {81, 89}},
	"F-PUB-1":   {"leaflets": {6001, 6999}, "answered": {900, 999}},
	"F-PUB-2":   {"people": {750, 850}},
	"F-FIRE-1":  {"leaflets": {2001, 2999}},
	"F-IND-2":   {"people": {201, 299}},
}

// seedLastYear are the figures compared with the same period of 2021.
var seedLastYear = map[string]map[string]float64{
	"F-ACC-1": {"accidents": 2, "deaths": 2},
}

func TestPeriodReportReproducesSeedFacts(t *testing.T) { testPeriodReport(t, false) }
func TestPeriodReportOnPostgres(t *testing.T)          { testPeriodReport(t, true) }

func testPeriodReport(t *testing.T, pg bool) {
	a := demoApp(t, pg, time.Date(2022, 6, 30, 4, 0, 0, 0, time.UTC))
	ctx := context.Background()
	p, _ := figure.NewPeriod("2022-01-01", "2022-06-30")
	rep, err := a.Report(ctx, a.System(), figure.Query{Period: p, Records: true}, "zh")
	if err != nil {
		t.Fatal(err)
	}
	figs := rep.Figures()
	for id := range seedRanges {
		if _, ok := seedFacts[id]; !ok {
			seedFacts[id] = map[string]float64{}
		}
	}
	for id, want := range seedFacts {
		it, ok := figs[id]
		if !ok {
			t.Errorf("%s: not in the report", id)
			continue
		}
		if it.Problem != "" || it.Sentence == "" {
			t.Errorf("%s: no sentence (%s)", id, it.Problem)
		}
		for k, v := range want {
			n := it.Value.Get(k)
			got := float64(n.Value)
			if n.Unit == figure.Fen {
				got /= 100
			}
			if n.Key == "" || got != v {
				t.Errorf("%s %s = %v, want %v", id, k, got, v)
			}
			if n.Kind == "hazard" && int64(len(n.Records)) != n.Value {
				t.Errorf("%s %s: %d records behind %d", id, k, len(n.Records), n.Value)
			}
		}
		for k, r := range seedRanges[id] {
			n := it.Value.Get(k)
			if n.Key == "" || float64(n.Value) < r[0] || float64(n.Value) > r[1] {
				t.Errorf("%s %s = %d, want %v…%v", id, k, n.Value, r[0], r[1])
			}
		}
		for k, v := range seedLastYear[id] {
			if it.LastYear == nil || float64(it.LastYear.Get(k).Value) != v {
				t.Errorf("%s %s last year: %+v, want %v", id, k, it.LastYear, v)
			}
		}
	}
	// F-HOUSE-5: the reported split disagrees with the records; the
	// report says so next to the figure.
	if ws := figs["F-HOUSE-5"].Value.Warnings; len(ws) == 0 {
		t.Error("F-HOUSE-5: no consistency warning")
	}
	text := rep.Text("报告")
	for _, s := range []string{"发现一般隐患166处，重大隐患5处", "已整改2979个", "128053栋（城镇11568栋，农村116485栋）", "截止6月9日，已鉴定310栋"} {
		if !strings.Contains(text, s) {
			t.Errorf("report text lacks %q:\n%s", s, text)
		}
	}

	// A town's report counts only its records; the page and API answer
	// the town user, and enterprise accounts have no report.
	town := userToken(t, a, "town")
	rec := do(a, http.MethodGet, "/api/v1/reports/figures?from=2022-01-01&to=2022-06-30", town, nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"F-HOUSE-1"`) {
		t.Fatalf("town figures API: %d %s", rec.Code, rec.Body.String()[:min(300, rec.Body.Len())])
	}
	townP, err := a.Auth.PrincipalFor(ctx, "town")
	if err != nil {
		t.Fatal(err)
	}
	mine, err := a.Report(ctx, townP, figure.Query{Period: p}, "zh")
	if err != nil {
		t.Fatal(err)
	}
	if all, own := figs["F-HOUSE-1"].Value.Get("total").Value, mine.Figures()["F-HOUSE-1"].Value.Get("total").Value; own <= 0 || own >= all {
		t.Errorf("town's surveyed buildings %d of the county's %d", own, all)
	}
	// The county's report on that town is the town's own (the page and
	// the API give a town user their town as the region), also for the
	// figures that count within the reader's scope (the housing survey,
	// the facilities, the special campaigns).
	onTown, err := a.Report(ctx, a.System(), figure.Query{Period: p, Region: townP.RegionCode}, "zh")
	if err != nil {
		t.Fatal(err)
	}
	townOwn, err := a.Report(ctx, townP, figure.Query{Period: p, Region: townP.RegionCode}, "zh")
	if err != nil {
		t.Fatal(err)
	}
	if n := onTown.Figures()["F-HOUSE-1"].Value.Get("total").Value; n != mine.Figures()["F-HOUSE-1"].Value.Get("total").Value {
		t.Errorf("the county's report on the town counts %d buildings", n)
	}
	// The town user's report without a region (their whole scope) is the
	// same: county-wide records (a training or relief goods without a
	// town) are the county's, never a town's.
	for id, it := range townOwn.Figures() {
		got, own := onTown.Figures()[id], mine.Figures()[id]
		for _, n := range it.Value.Numbers {
			if g := got.Value.Get(n.Key); g.Value != n.Value {
				t.Errorf("%s %s: county's report on the town %d, the town's %d", id, n.Key, g.Value, n.Value)
			}
			if g := own.Value.Get(n.Key); g.Value != n.Value {
				t.Errorf("%s %s: the town's report on its whole scope %d, on the town %d", id, n.Key, g.Value, n.Value)
			}
		}
	}
	for id, key := range map[string]string{"F-REL-2": "total", "F-PUB-2": "trainings"} {
		if all, own := figs[id].Value.Get(key).Value, mine.Figures()[id].Value.Get(key).Value; own >= all {
			t.Errorf("%s %s: the town's %d of the county's %d", id, key, own, all)
		}
	}
	if rec := do(a, http.MethodGet, "/reports?from=2022-01-01&to=2022-06-30", userToken(t, a, "leader"), nil); rec.Code != http.StatusOK ||
		!strings.Contains(rec.Body.String(), `class="fig"`) {
		t.Errorf("report page: %d %s", rec.Code, rec.Body.String())
	}
	if rec := do(a, http.MethodGet, "/reports?from=2022-06-30&to=2022-01-01", userToken(t, a, "leader"), nil); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("a period ending before it starts: %d", rec.Code)
	}
}
