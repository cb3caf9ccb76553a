package special_test

import (
	"context"
	"testing"

	"yingji/internal/bureau/campaign/special"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

// ledger stands for the hazard ledger: the hazards of a campaign by town.
type ledger map[string]map[string]int

func (l ledger) CampaignHazardsByTown(_ context.Context, _ *auth.Principal, campaign string) (map[string]int, error) {
	return l[campaign], nil
}

// A campaign linked to the hazard ledger counts its findings (发现问题)
// from the hazard records of the campaign, the same records as its hazard
// list: a check does not carry a number of its own.
func TestLinkedCampaignFindingsAreItsHazards(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc, admin, town := setup(t, db)
		const name = "烟花爆竹零售专项检查"
		svc.WithHazards(ledger{name: {county + "100": 2, county + "101": 1}})
		c, err := svc.Create(ctx, admin, special.NewCampaign{Name: name, StartsOn: "2022-01-04", ScopeKind: special.ScopeEnterprises,
			Sector: "fireworks_retail", Rounds: 1, HazardCampaign: name})
		if err != nil {
			t.Fatal(err)
		}
		mine, _, err := svc.Targets(ctx, town, c, special.TargetFilter{Limit: 1})
		if err != nil || len(mine) == 0 {
			t.Fatalf("targets: %v", err)
		}
		check := special.Check{TargetID: mine[0].ID, CheckedOn: "2022-01-10", Round: 1, CheckedBy: "籍山镇安监站", Findings: 5}
		if _, err := svc.RecordCheck(ctx, town, c.ID, check); fieldOf(err) != "findings:special.findings_are_hazards" {
			t.Fatalf("a typed number of findings on a linked campaign: %v", err)
		}
		check.Findings = 0
		if _, err := svc.RecordCheck(ctx, town, c.ID, check); err != nil {
			t.Fatal(err)
		}
		cov, err := svc.Coverage(ctx, admin, c)
		if err != nil || !cov.HazardFindings || cov.Total.Findings != 3 || cov.Checks != 1 {
			t.Fatalf("coverage: %v %+v", err, cov)
		}
		for _, tw := range cov.Towns {
			if want := map[string]int{county + "100": 2, county + "101": 1}[tw.Town]; tw.Findings != want {
				t.Errorf("town %s: %d findings, want %d", tw.Town, tw.Findings, want)
			}
		}
	})
}
