package app_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The dashboard charts the hazards by month, the cards by town and the
// survey by town, each bar opening its records; the wall mode refreshes
// itself; a town user sees its own town only; enterprises have none.
func TestDashboard(t *testing.T) {
	a := demoApp(t, false, time.Date(2022, 6, 30, 4, 0, 0, 0, time.UTC))
	leader := userToken(t, a, "leader")
	rec := do(a, http.MethodGet, "/api/v1/dashboard", leader, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("dashboard API: %d %s", rec.Code, rec.Body.String())
	}
	var v struct {
		Panels []struct {
			ID    string          `json:"id"`
			Chart json.RawMessage `json:"chart"`
			Links []string        `json:"links"`
			Empty bool            `json:"empty"`
		} `json:"panels"`
		Todos []struct{ Count int } `json:"todos"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, p := range v.Panels {
		got[p.ID] = len(p.Links)
		// The charts have records on the demo; the lists of what runs now
		// may rightly be empty on its date (TestRunningPanels fills them).
		if p.Empty && len(p.Chart) > 0 {
			t.Errorf("panel %s is empty on the demo", p.ID)
		}
	}
	if got["hazard-trend"] != 12 || got["cards-by-town"] == 0 || got["housing"] != 9 {
		t.Errorf("panels and their drill-down links: %v", got)
	}
	// The trend's June bar opens June's hazards.
	for _, p := range v.Panels {
		if p.ID == "hazard-trend" && p.Links[11] != "/hazards?from=2022-06-01&to=2022-06-30" {
			t.Errorf("June link: %s", p.Links[11])
		}
	}
	page := do(a, http.MethodGet, "/dashboard?wall=1&refresh=30", leader, nil)
	if page.Code != http.StatusOK || !strings.Contains(page.Body.String(), `data-refresh="30"`) || !strings.Contains(page.Body.String(), "data-links=") {
		t.Errorf("wall mode: %d", page.Code)
	}
	town := do(a, http.MethodGet, "/api/v1/dashboard", userToken(t, a, "town"), nil)
	if town.Code != http.StatusOK || strings.Count(town.Body.String(), "buildings?town=") != 1 {
		t.Errorf("town dashboard: %d, %d towns", town.Code, strings.Count(town.Body.String(), "buildings?town="))
	}
	if rec := do(a, http.MethodGet, "/dashboard", userToken(t, a, "qiye"), nil); rec.Code != http.StatusForbidden {
		t.Errorf("enterprise dashboard: %d", rec.Code)
	}
}
