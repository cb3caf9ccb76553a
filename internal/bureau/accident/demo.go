package accident

import (
	"context"
	"fmt"
	"io"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/store"
)

// Demo loads the accidents behind F-ACC-1: none in January–June 2022, and
// two general accidents with one death each in the same half of 2021. An
// existing register is left alone, so loading twice changes nothing.
func (s *Service) Demo(ctx context.Context, out io.Writer, county string) error {
	var n int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM accident WHERE county_code = $1`, county).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintln(out, "demo: accidents exist, left alone")
		return nil
	}
	sys := &auth.Principal{UserID: "system", Username: "system", DisplayName: "系统", Role: auth.RoleAdmin, CountyCode: county}
	pick := map[string]enterprise.Enterprise{}
	if err := s.ent.Each(ctx, sys, enterprise.Filter{}, func(e enterprise.Enterprise) error {
		if _, ok := pick[e.Sector]; !ok {
			pick[e.Sector] = e
		}
		return nil
	}); err != nil {
		return err
	}
	inputs := []Input{
		{OccurredOn: "2021-03-18", OccurredTime: "09:40", ReportedAt: "2021-03-18 10:20", Place: "采场运输平台", EnterpriseID: pick["building_materials"].ID,
			Industry: "冶金工贸", Kind: "机械伤害", Deaths: 1, LossYuan: "1200000", Summary: "一名作业人员在设备检修时被卷入皮带输送机，经抢救无效死亡。"},
		{OccurredOn: "2021-05-26", OccurredTime: "15:10", ReportedAt: "2021-05-26 15:55", Place: "露天采场边坡", EnterpriseID: pick["mine"].ID,
			Industry: "非煤矿山", Kind: "物体打击", Deaths: 1, LossYuan: "1350000", Summary: "边坡浮石滚落砸中一名清渣作业人员，经抢救无效死亡。"},
	}
	var list []Accident
	for _, in := range inputs {
		a, err := s.prepare(ctx, sys, in)
		if err != nil {
			return fmt.Errorf("demo accident: %w", err)
		}
		list = append(list, a)
	}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		for i := range list {
			if err := s.insert(ctx, tx, sys, &list[i], "create"); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		fmt.Fprintf(out, "demo: %d accidents (2021)\n", len(list))
	}
	return err
}
