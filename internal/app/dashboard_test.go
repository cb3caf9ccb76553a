package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"yingji/internal/app"
	"yingji/internal/bureau/enterprise"
	"yingji/internal/bureau/hazard"
)

// The dashboard charts the hazards by month, the cards by town and the
// survey by town, each bar opening its records; the wall mode refreshes
// itself; a town user sees its own town only; an enterprise its own.
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
	testEnterpriseDashboard(t, a)
}

// An enterprise account sees its own dashboard: its hazards by month,
// its open hazards by deadline and its certificates expiring, each item
// opening its own record — and nothing of any other enterprise, in the
// JSON or the page.
func testEnterpriseDashboard(t *testing.T, a *app.App) {
	ctx := context.Background()
	qiye := userToken(t, a, "qiye")
	rec := do(a, http.MethodGet, "/api/v1/dashboard", qiye, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("enterprise dashboard API: %d %s", rec.Code, rec.Body.String())
	}
	var v struct {
		Panels []struct {
			ID     string   `json:"id"`
			Links  []string `json:"links"`
			Counts []struct {
				Value int    `json:"value"`
				Link  string `json:"link"`
			} `json:"counts"`
			Items []struct{ Link string } `json:"items"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, p := range v.Panels {
		got[p.ID] = true
		for _, it := range p.Items {
			if !strings.HasPrefix(it.Link, "/hazards/") && !strings.HasPrefix(it.Link, "/certificates/") && !strings.HasPrefix(it.Link, "/warnings/") {
				t.Errorf("%s: item opens %s", p.ID, it.Link)
			}
		}
	}
	for _, id := range []string{"hazard-trend", "open-hazards", "expiring-certificates"} {
		if !got[id] {
			t.Errorf("enterprise dashboard lacks %s: %v", id, got)
		}
	}
	for _, id := range []string{"cards-by-town", "housing", "incidents", "decisions"} {
		if got[id] {
			t.Errorf("enterprise dashboard shows the county's %s", id)
		}
	}
	// Its own open hazards are the ledger's, counted in its scope.
	own, err := a.Auth.PrincipalFor(ctx, "qiye")
	if err != nil {
		t.Fatal(err)
	}
	_, open, err := a.Hazard.List(ctx, own, hazard.Filter{OpenOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range v.Panels {
		if p.ID == "open-hazards" && (len(p.Counts) == 0 || p.Counts[0].Value != open) {
			t.Errorf("open hazards: %+v, the ledger has %d", p.Counts, open)
		}
	}
	page := do(a, http.MethodGet, "/dashboard", qiye, nil)
	if page.Code != http.StatusOK {
		t.Fatalf("enterprise dashboard page: %d", page.Code)
	}
	// The scan: no other enterprise's name, nor any ID of its hazards,
	// appears in what the account is shown.
	shown := rec.Body.String() + page.Body.String()
	others, leaks := 0, 0
	err = a.Enterprise.Each(ctx, a.System(), enterprise.Filter{}, func(e enterprise.Enterprise) error {
		if e.ID == own.EnterpriseID {
			return nil
		}
		others++
		if strings.Contains(shown, e.Name) || strings.Contains(shown, e.ID) {
			leaks++
			t.Errorf("enterprise dashboard shows another enterprise: %s", e.Name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	hazards := 0
	err = a.Hazard.Each(ctx, a.System(), hazard.Filter{}, func(h hazard.Record) error {
		if h.EnterpriseID == own.EnterpriseID {
			return nil
		}
		hazards++
		if strings.Contains(shown, h.ID) {
			t.Errorf("enterprise dashboard shows another's hazard %s", h.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if others == 0 || hazards == 0 {
		t.Fatalf("the scan checked %d enterprises and %d hazards", others, hazards)
	}
}
