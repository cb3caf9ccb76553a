package special

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"yingji/internal/bureau/campaign/day"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
)

// Demo campaigns.
const (
	DemoQuarantine = "疫情防控隔离点安全督导检查" // F-BIG-5: 26 sites, 2 rounds
	DemoFireworks  = "烟花爆竹零售专项检查"    // F-CHEM-4: 330 retailers, all checked
	DemoSites      = 26
	DemoRetailers  = 330
)

// Demo loads the two demo campaigns with their checks. A campaign of the
// same name is left alone, so loading twice changes nothing. The fireworks
// campaign needs the demo enterprises.
func (s *Service) Demo(ctx context.Context, out io.Writer, county string) error {
	sys := &auth.Principal{UserID: "system", Username: "system", DisplayName: "县安委会办公室", Role: auth.RoleAdmin, CountyCode: county}
	have := map[string]bool{}
	list, err := s.Campaigns(ctx, sys)
	if err != nil {
		return err
	}
	for _, c := range list {
		have[c.Name] = true
	}
	towns, err := s.org.ListRegions(ctx, sys, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		return err
	}
	if len(towns) == 0 {
		return fmt.Errorf("demo special campaigns need the demo towns")
	}
	r := rand.New(rand.NewPCG(2022, 26))
	at := func(d string) time.Time { return day.Time(d).Add(10 * time.Hour) }
	if !have[DemoQuarantine] {
		var places []Place
		for i := 1; i <= DemoSites; i++ {
			t := towns[(i-1)%len(towns)]
			places = append(places, Place{Name: fmt.Sprintf("%s第%d集中隔离点", t.Name, 1+(i-1)/len(towns)), Town: t.Code,
				Address: fmt.Sprintf("%s%s路%d号", t.Name, []string{"人民", "建设", "解放", "和平"}[i%4], 10+i)})
		}
		err := s.db.InTx(ctx, func(tx *store.Tx) error {
			c, err := s.CreateTx(ctx, tx, sys, NewCampaign{Name: DemoQuarantine, StartsOn: "2022-03-15", EndsOn: "2022-05-31", ScopeKind: ScopePlaces,
				Places: places, Rounds: 2, Note: "疫情防控期间县安办牵头会同县住建局、县卫健委、消防救援大队对全县已启用隔离点开展安全督导检查。"})
			if err != nil {
				return err
			}
			targets, _, err := s.targets(ctx, tx, sys, c, TargetFilter{Limit: 1000})
			if err != nil {
				return err
			}
			for round, span := range [][2]string{{"2022-03-21", "2022-03-31"}, {"2022-04-18", "2022-04-29"}} {
				for _, t := range targets {
					on := day.Add(span[0], r.IntN(day.Between(span[0], span[1])+1))
					ch := Check{TargetID: t.ID, CheckedOn: on, Round: round + 1, CheckedBy: "县安办、县住建局、县卫健委、县消防救援大队", Findings: r.IntN(3)}
					if _, err := s.recordCheckTx(ctx, tx, sys, c, ch, at(on)); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("demo %s: %w", DemoQuarantine, err)
		}
		fmt.Fprintf(out, "demo: %s, %d sites × 2 rounds\n", DemoQuarantine, DemoSites)
	}
	if !have[DemoFireworks] {
		n := 0
		err := s.db.InTx(ctx, func(tx *store.Tx) error {
			c, err := s.CreateTx(ctx, tx, sys, NewCampaign{Name: DemoFireworks, StartsOn: "2022-01-04", EndsOn: "2022-01-28", ScopeKind: ScopeEnterprises,
				Sector: "fireworks_retail", Rounds: 1, HazardCampaign: DemoFireworks,
				Note: "春节前各镇督促零售户自查，县镇联合检查，实现烟花爆竹零售户全覆盖检查。"})
			if err != nil {
				return err
			}
			targets, _, err := s.targets(ctx, tx, sys, c, TargetFilter{Limit: 5000})
			if err != nil {
				return err
			}
			for _, t := range targets {
				// The campaign is linked to the hazard ledger: what the
				// checks found is counted from the hazard records of the
				// campaign, not typed with the check.
				on := day.Add("2022-01-05", r.IntN(22))
				ch := Check{TargetID: t.ID, CheckedOn: on, Round: 1, CheckedBy: "县应急管理局监管一股、所在镇安监站"}
				if _, err := s.recordCheckTx(ctx, tx, sys, c, ch, at(on)); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("demo %s: %w", DemoFireworks, err)
		}
		fmt.Fprintf(out, "demo: %s, %d retailers checked\n", DemoFireworks, n)
	}
	return nil
}
