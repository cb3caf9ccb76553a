package campaign

import (
	"context"
	"strconv"
	"strings"

	"yingji/internal/bureau/campaign/datacall"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/org"
)

// HazardStats is the part of the hazard service the pre-fill uses: its
// statistics of hazards found in a period (hazard.Service.StatsBy, with a
// filter the adapter builds).
type HazardStats interface {
	// Figures returns, for the hazards of a campaign found in [from, to]
	// and recorded by unit (or, when town is set, found in town) with the
	// source (empty: any), the number found, rectified by to, major,
	// major rectified by to, listed (挂牌督办), and major with an
	// extension (延期整改) granted by to.
	Figures(ctx context.Context, p *auth.Principal, q HazardQuery) (HazardFigures, error)
}

// HazardQuery selects hazards for a pre-fill.
type HazardQuery struct {
	Campaign, From, To string
	Unit, Town, Source string
}

// HazardFigures are the counts of a HazardQuery.
type HazardFigures struct {
	Found, Rectified, Major, MajorDone, Listed, MajorExtended int
}

func (f HazardFigures) minus(g HazardFigures) HazardFigures {
	return HazardFigures{f.Found - g.Found, f.Rectified - g.Rectified, f.Major - g.Major, f.MajorDone - g.MajorDone, f.Listed - g.Listed,
		f.MajorExtended - g.MajorExtended}
}

func (f HazardFigures) plus(g HazardFigures) HazardFigures {
	return HazardFigures{f.Found + g.Found, f.Rectified + g.Rectified, f.Major + g.Major, f.MajorDone + g.MajorDone, f.Listed + g.Listed,
		f.MajorExtended + g.MajorExtended}
}

// HazardPrefill pre-fills a data call's unit rows from the hazards of the
// call's campaign (Call.Campaign) found in the call's period, so that
// every hazard is counted in one row only:
//
//   - enterprises' self-checks (企业自查) count in the row of the town they
//     are in (and in its 企业自查 fields);
//   - every other hazard counts in the row of the unit that recorded it;
//     the bureau's row (县应急管理局, when addressed) takes its sections'.
//
// Fields name what they take in Field.Source: hazard.general,
// hazard.general_done, hazard.major, hazard.major_done,
// hazard.major_listed, hazard.major_extended, hazard.self_general,
// hazard.self_done. A call
// without a campaign, or a form without such fields, gets nothing.
func HazardPrefill(stats HazardStats, o *org.Service, selfCheck string) datacall.Prefiller {
	return func(ctx context.Context, c datacall.Call, f datacall.Form, u org.Unit) (map[string]string, error) {
		wanted := false
		for _, x := range f.Fields {
			wanted = wanted || strings.HasPrefix(x.Source, "hazard.")
		}
		if c.Campaign == "" || !wanted {
			return nil, nil
		}
		sys := &auth.Principal{UserID: "system", Username: "system", Role: auth.RoleAdmin, CountyCode: c.CountyCode}
		base := HazardQuery{Campaign: c.Campaign, From: c.From, To: c.To}
		// recorded: what a unit recorded, less the self-checks it entered.
		recorded := func(unit string) (HazardFigures, error) {
			q := base
			q.Unit = unit
			all, err := stats.Figures(ctx, sys, q)
			if err != nil {
				return all, err
			}
			q.Source = selfCheck
			self, err := stats.Figures(ctx, sys, q)
			return all.minus(self), err
		}
		var own, self HazardFigures
		switch u.Kind {
		case org.UnitBureau:
			units, err := o.ListUnits(ctx, sys, org.UnitFilter{Kind: org.UnitSection})
			if err != nil {
				return nil, err
			}
			ids := []string{u.ID}
			for _, x := range units {
				ids = append(ids, x.ID)
			}
			for _, id := range ids {
				fg, err := recorded(id)
				if err != nil {
					return nil, err
				}
				own = own.plus(fg)
			}
		default:
			fg, err := recorded(u.ID)
			if err != nil {
				return nil, err
			}
			own = fg
			if u.Kind == org.UnitTown && u.RegionCode != "" {
				q := base
				q.Town, q.Source = u.RegionCode, selfCheck
				if self, err = stats.Figures(ctx, sys, q); err != nil {
					return nil, err
				}
			}
		}
		all := own.plus(self)
		values := map[string]int{
			"hazard.general":      all.Found - all.Major,
			"hazard.general_done": all.Rectified - all.MajorDone,
			"hazard.major":        all.Major,
			"hazard.major_done":   all.MajorDone,
			"hazard.major_listed": all.Listed,
			// 延期整改: major hazards with an extension granted by the
			// period's end.
			"hazard.major_extended": all.MajorExtended,
			"hazard.self_general":   self.Found - self.Major,
			"hazard.self_done":      self.Rectified - self.MajorDone,
		}
		out := map[string]string{}
		for _, x := range f.Fields {
			if v, ok := values[x.Source]; ok {
				out[x.Key] = strconv.Itoa(max(v, 0))
			}
		}
		return out, nil
	}
}
