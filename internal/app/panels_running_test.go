package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"yingji/internal/app"
	"yingji/internal/bureau/duty"
	"yingji/internal/bureau/warning"
	"yingji/internal/kit/store/storetest"
)

type dashPanel struct {
	ID     string `json:"id"`
	Empty  bool   `json:"empty"`
	Counts []struct {
		Label string `json:"label"`
		Value int    `json:"value"`
		Tone  string `json:"tone"`
		Link  string `json:"link"`
	} `json:"counts"`
	Items []struct {
		Label string `json:"label"`
		Value int    `json:"value"`
		Of    int    `json:"of"`
		Due   string `json:"due"`
		Tone  string `json:"tone"`
		Link  string `json:"link"`
	} `json:"items"`
	MoreItems int `json:"more_items"`
}

func dashPanels(t *testing.T, a *app.App, token string) map[string]dashPanel {
	t.Helper()
	rec := do(a, http.MethodGet, "/api/v1/dashboard", token, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("dashboard: %d %s", rec.Code, rec.Body.String())
	}
	var v struct {
		Panels []dashPanel `json:"panels"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	out := map[string]dashPanel{}
	for _, p := range v.Panels {
		out[p.ID] = p
	}
	return out
}

// apiTotal reads the total of a paged list API.
func apiTotal(t *testing.T, a *app.App, path, token string) (int, []map[string]any) {
	t.Helper()
	rec := do(a, http.MethodGet, path, token, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("%s: %d %s", path, rec.Code, rec.Body.String())
	}
	var v struct {
		Total int              `json:"total"`
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	return v.Total, v.Items
}

func countOf(t *testing.T, p dashPanel, label string) int {
	t.Helper()
	for _, c := range p.Counts {
		if c.Label == label {
			return c.Value
		}
	}
	t.Fatalf("panel %s has no count %s", p.ID, label)
	return 0
}

// The running panels (incidents with their report timers, warnings in
// force with the units not yet acknowledged, stock alerts, decisions
// waiting) count exactly the records behind them, each item opens its
// own record, and a town user sees only its town.
func TestRunningPanels(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testRunningPanels(t, false) })
	t.Run("postgres", func(t *testing.T) {
		storetest.PostgresURL(t)
		testRunningPanels(t, true)
	})
}

func testRunningPanels(t *testing.T, pg bool) {
	now := time.Date(2022, 6, 30, 4, 0, 0, 0, time.UTC)
	a := demoApp(t, pg, now)
	ctx := context.Background()
	zhiban, err := a.Auth.PrincipalFor(ctx, "zhiban")
	if err != nil {
		t.Fatal(err)
	}
	townP, err := a.Auth.PrincipalFor(ctx, "town")
	if err != nil {
		t.Fatal(err)
	}
	other := "349901100"
	if strings.HasPrefix(townP.RegionCode, other) {
		other = "349901101"
	}
	// Two incidents: one in another town received three hours ago (its
	// first report is overdue) with a 批示 to follow, one in the town
	// user's town received a minute ago.
	late, err := a.Duty.CreateIncident(ctx, zhiban, duty.Incident{Title: "测试甲镇厂房火灾", ReceivedAt: now.Add(-3 * time.Hour), Source: "电话",
		Category: "accident", Subtype: "work_safety", Level: "general", TownCode: other})
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := a.Duty.CreateIncident(ctx, zhiban, duty.Incident{Title: "测试本镇道路塌陷", ReceivedAt: now.Add(-time.Minute), Source: "电话",
		Category: "accident", Subtype: "work_safety", Level: "general", TownCode: townP.RegionCode})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Duty.AddInstruction(ctx, zhiban, late.ID, duty.Instruction{GivenBy: "县长", GivenAt: now.Add(-time.Hour), Content: "全力救治伤员，查明原因。"}); err != nil {
		t.Fatal(err)
	}
	// A warning drafted by the duty desk waits for the leader's approval.
	draft, err := a.Warning.Draft(ctx, zhiban, warning.Warning{Source: "县气象局", Type: "rainstorm", Level: "yellow", Towns: []string{townP.RegionCode}, AreaDesc: "测试",
		EffectiveAt: now, ExpiresAt: now.Add(24 * time.Hour), Description: "预计未来6小时降雨量将达50毫米以上。", Instruction: "注意防范。"})
	if err != nil {
		t.Fatal(err)
	}

	leaderTok, townTok, zhibanTok := userToken(t, a, "leader"), userToken(t, a, "town"), userToken(t, a, "zhiban")
	for _, c := range []struct {
		who, tok string
		open     []string // the incidents the user sees running
	}{{"leader", leaderTok, []string{late.ID, fresh.ID}}, {"town", townTok, []string{fresh.ID}}} {
		ps := dashPanels(t, a, c.tok)
		inc := ps["incidents"]
		open, _ := apiTotal(t, a, "/api/v1/duty/incidents?state=open", c.tok)
		overdue, _ := apiTotal(t, a, "/api/v1/duty/incidents?state=overdue", c.tok)
		if countOf(t, inc, "dashboard.incidents_open") != open || countOf(t, inc, "dashboard.incidents_overdue") != overdue || len(inc.Items) != open {
			t.Errorf("%s incidents panel: %+v; records: %d open, %d overdue", c.who, inc, open, overdue)
		}
		var links []string
		for _, it := range inc.Items {
			links = append(links, it.Link)
			if it.Due == "" {
				t.Errorf("%s: incident %s without its countdown", c.who, it.Label)
			}
		}
		// Overdue first (the earliest deadline leads), in red.
		want := make([]string, 0, len(c.open))
		for _, id := range c.open {
			want = append(want, "/duty/incidents/"+id)
		}
		if strings.Join(links, " ") != strings.Join(want, " ") {
			t.Errorf("%s incident links: %v, want %v", c.who, links, want)
		}
		if c.who == "leader" && (inc.Items[0].Tone != "red" || inc.Items[1].Tone == "red" || overdue != 1) {
			t.Errorf("leader: the late incident is red, the fresh one not: %+v (overdue %d)", inc.Items, overdue)
		}

		// Warnings in force: the count is the register's, each item's
		// number the units (for a town: its own) not yet acknowledged.
		wp := ps["warnings"]
		active, list := apiTotal(t, a, "/api/v1/warnings?active=1", c.tok)
		if countOf(t, wp, "dashboard.warnings_active") != active || len(wp.Items) != active || active == 0 {
			t.Errorf("%s warnings: %d active records, panel %+v", c.who, active, wp)
		}
		p, _ := a.Auth.PrincipalFor(ctx, c.who)
		for i, w := range list {
			recs, err := a.Warning.Recipients(ctx, p, w["id"].(string))
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, r := range recs {
				if !r.Acked() {
					n++
				}
			}
			if wp.Items[i].Link != "/warnings/"+w["id"].(string) || wp.Items[i].Value != n || wp.Items[i].Of != len(recs) {
				t.Errorf("%s warning %d: panel %+v, records %d of %d not acknowledged", c.who, i, wp.Items[i], n, len(recs))
			}
			if c.who == "town" && len(recs) != 1 {
				t.Errorf("a town sees its own 签收 only: %d", len(recs))
			}
		}

		// Stock alerts: the same alerts as the alerts register, by kind.
		sp := ps["stock-alerts"]
		rec := do(a, http.MethodGet, "/api/v1/stock/alerts", c.tok, nil)
		var al struct {
			Items []struct{ Kind, WarehouseID string } `json:"items"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &al)
		kinds := map[string]int{}
		for _, x := range al.Items {
			kinds[x.Kind]++
		}
		if countOf(t, sp, "dashboard.stock_low_n") != kinds["low"] || countOf(t, sp, "dashboard.stock_expired_n") != kinds["expired"] ||
			countOf(t, sp, "dashboard.stock_expiring_n") != kinds["expiring"] || len(sp.Items)+sp.MoreItems != len(al.Items) || len(al.Items) == 0 {
			t.Errorf("%s stock panel %+v; alerts %v", c.who, sp, kinds)
		}
		for _, it := range sp.Items {
			if !strings.Contains(it.Link, "warehouse=") || !strings.Contains(it.Link, "item=") {
				t.Errorf("stock item link: %s", it.Link)
			}
		}

		// Decisions: the 批示 to follow is on the other town's incident.
		dp := ps["decisions"]
		instr := countOf(t, dp, "dashboard.instructions")
		withInstr, _ := apiTotal(t, a, "/api/v1/duty/incidents?instructions=open", c.tok)
		switch c.who {
		case "leader":
			ext, err := a.Supervise.PendingExtensionsFor(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if instr != 1 || withInstr != 1 || countOf(t, dp, "dashboard.warnings_to_approve") != 1 || countOf(t, dp, "dashboard.extensions") != len(ext) {
				t.Errorf("leader decisions: %+v", dp)
			}
			found := map[string]bool{}
			for _, it := range dp.Items {
				found[it.Link] = true
			}
			if !found["/warnings/"+draft.ID] || !found["/duty/incidents/"+late.ID+"#instructions"] {
				t.Errorf("leader decision links: %+v", dp.Items)
			}
		case "town":
			if instr != 0 || withInstr != 0 || len(dp.Items) != 0 || len(dp.Counts) != 1 {
				t.Errorf("town decisions (the 批示 is another town's; no approvals): %+v", dp)
			}
		}
	}
	// The author never sees their own draft to approve (and the duty desk
	// does not approve warnings at all).
	for _, c := range dashPanels(t, a, zhibanTok)["decisions"].Counts {
		if c.Label == "dashboard.warnings_to_approve" {
			t.Errorf("the duty desk is offered a warning to approve: %+v", c)
		}
	}
	// The page: countdowns, numbers coloured, wall mode.
	page := do(a, http.MethodGet, "/dashboard?wall=1", leaderTok, nil).Body.String()
	for _, s := range []string{`id="panel-incidents"`, `data-due="`, `class="dash-count red"`, `href="/duty/incidents/` + late.ID + `"`, `data-refresh="60"`, `/duty/countdown.js`} {
		if !strings.Contains(page, s) {
			t.Errorf("dashboard page lacks %s", s)
		}
	}
}
