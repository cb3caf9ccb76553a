package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"yingji/internal/bureau/hazard"
)

// On the demo records: a special campaign's findings (发现问题) and its
// hazard list (本活动隐患) are the same records; the 4 letters of F-SUP-1
// are 重大事故隐患督办函 (on major hazards).
func TestDemoSpecialFindingsAreTheHazardList(t *testing.T) {
	a := demoApp(t, false, time.Date(2022, 9, 1, 2, 0, 0, 0, time.UTC))
	ctx := context.Background()
	p := a.System()
	list, err := a.Campaign.Special.Campaigns(ctx, p)
	if err != nil || len(list) == 0 {
		t.Fatalf("campaigns: %v %d", err, len(list))
	}
	linked := 0
	for _, c := range list {
		if c.HazardCampaign == "" {
			continue
		}
		linked++
		cov, err := a.Campaign.Special.Coverage(ctx, p, c)
		if err != nil {
			t.Fatal(err)
		}
		counts, err := a.Hazard.Counts(ctx, p, hazard.Filter{Campaign: c.HazardCampaign})
		if err != nil {
			t.Fatal(err)
		}
		if !cov.HazardFindings || cov.Total.Findings != counts.Found {
			t.Errorf("%s: 发现问题 %d, 本活动隐患 %d", c.Name, cov.Total.Findings, counts.Found)
		}
	}
	if linked == 0 {
		t.Fatal("no demo campaign is linked to the hazard ledger")
	}
	// The overdue board shows the bureau's own clocks to the bureau, not
	// to an enterprise.
	leader, qiye := userToken(t, a, "leader"), userToken(t, a, "qiye")
	if rec := do(a, "GET", "/hazards/overdue", leader, nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), `id="late-listings"`) ||
		!strings.Contains(rec.Body.String(), `id="late-reviews"`) {
		t.Errorf("overdue board: %d", rec.Code)
	}
	if rec := do(a, "GET", "/hazards/overdue", qiye, nil); rec.Code != 200 || strings.Contains(rec.Body.String(), `id="late-reviews"`) {
		t.Errorf("enterprise's overdue board: %d", rec.Code)
	}
	ls, err := a.Supervise.LetterStats(ctx, p, "2022-01-01", "2022-06-30")
	if err != nil || ls.Major.Issued != 4 || ls.Major.Rectified != 3 || ls.General.Issued != 0 {
		t.Errorf("F-SUP-1 (4 重大事故隐患督办函, 3 rectified): %v %+v", err, ls)
	}
}
