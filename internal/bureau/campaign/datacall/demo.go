package datacall

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"

	"yingji/internal/bureau/campaign/day"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
)

// Demo names.
const (
	DemoForm     = "安全生产大检查情况统计"
	DemoPeriod   = "2022年1-5月"
	DemoCampaign = "2022年安全生产大检查" // the hazards' campaign the pre-fill counts
	DemoDeadline = "2022-06-05"
)

// DemoFields are the 大检查 form's fields.
func DemoFields() []Field {
	return []Field{
		{Key: "general", Label: "排查一般隐患", Type: Integer, Unit: "个", Source: "hazard.general"},
		{Key: "general_done", Label: "一般隐患已整改", Type: Integer, Unit: "个", Parent: "general", Source: "hazard.general_done"},
		{Key: "major", Label: "重大隐患", Type: Integer, Unit: "个", Source: "hazard.major"},
		{Key: "major_listed", Label: "挂牌督办", Type: Integer, Unit: "个", Parent: "major", Source: "hazard.major_listed"},
		{Key: "major_done", Label: "重大隐患已整改", Type: Integer, Unit: "个", Parent: "major", Source: "hazard.major_done"},
		{Key: "major_extended", Label: "延期整改", Type: Integer, Unit: "个", Parent: "major", Source: "hazard.major_extended"},
		{Key: "self_general", Label: "企业自查一般隐患", Type: Integer, Unit: "个", Source: "hazard.self_general"},
		{Key: "self_done", Label: "企业自查隐患已整改", Type: Integer, Unit: "个", Parent: "self_general", Source: "hazard.self_done"},
		{Key: "stop_orders", Label: "责令停产整顿", Type: Integer, Unit: "家次"},
		{Key: "interviews", Label: "约谈", Type: Integer, Unit: "家次"},
		{Key: "note", Label: "备注", Type: Text},
	}
}

// DemoTotals are the roll-up's figures (F-BIG-1…4).
var DemoTotals = map[string]int64{"general": 3265, "general_done": 2979, "major": 3, "major_listed": 3, "major_done": 1, "major_extended": 2,
	"self_general": 2276, "self_done": 2158, "stop_orders": 11, "interviews": 315}

// split divides total into n parts by weights.
func split(total int64, weights []int) []int64 {
	sum := 0
	for _, w := range weights {
		sum += w
	}
	out := make([]int64, len(weights))
	var given int64
	for i, w := range weights {
		out[i] = total * int64(w) / int64(sum)
		given += out[i]
	}
	for i := 0; given < total; i = (i + 1) % len(out) {
		out[i]++
		given++
	}
	return out
}

// splitUnder divides done into parts no larger than the parts of total.
func splitUnder(done int64, totals []int64) []int64 {
	var sum int64
	for _, t := range totals {
		sum += t
	}
	out := make([]int64, len(totals))
	var given int64
	for i, t := range totals {
		if sum > 0 {
			out[i] = done * t / sum
		}
		given += out[i]
	}
	for i := 0; given < done; i = (i + 1) % len(out) {
		if out[i] < totals[i] {
			out[i]++
			given++
		}
	}
	return out
}

// Demo defines the 大检查 form and its call for 2022年1-5月 to the member
// departments and towns, with every unit's row submitted (two late), so
// that the roll-up gives F-BIG-1…4. Loading twice changes nothing.
func (s *Service) Demo(ctx context.Context, out io.Writer, county string, issuer *auth.Principal) error {
	sys := &auth.Principal{UserID: "system", Username: "system", DisplayName: "县安委会办公室", Role: auth.RoleAdmin, CountyCode: county}
	if issuer == nil {
		issuer = sys
	}
	forms, err := s.Forms(ctx, sys)
	if err != nil {
		return err
	}
	for _, f := range forms {
		if f.Name == DemoForm {
			return nil
		}
	}
	units, err := s.Addressable(ctx, sys)
	if err != nil {
		return err
	}
	if len(units) == 0 {
		return fmt.Errorf("demo data call needs the demo units")
	}
	r := rand.New(rand.NewPCG(2022, 5))
	weights := make([]int, len(units))
	selfW := make([]int, len(units))
	for i, u := range units {
		weights[i] = 5 + r.IntN(20)
		if u.Kind == org.UnitTown {
			weights[i] += 15
			selfW[i] = 20 + r.IntN(20)
		} else {
			selfW[i] = r.IntN(6)
		}
	}
	cols := map[string][]int64{}
	cols["general"] = split(DemoTotals["general"], weights)
	cols["general_done"] = splitUnder(DemoTotals["general_done"], cols["general"])
	cols["self_general"] = split(DemoTotals["self_general"], selfW)
	cols["self_done"] = splitUnder(DemoTotals["self_done"], cols["self_general"])
	cols["stop_orders"] = split(DemoTotals["stop_orders"], selfW)
	cols["interviews"] = split(DemoTotals["interviews"], weights)
	// The three major hazards: 县住建局, 工山镇 and 县消防救援大队 each
	// found and listed one; one was rectified, two extended.
	for _, k := range []string{"major", "major_listed", "major_done", "major_extended"} {
		cols[k] = make([]int64, len(units))
	}
	majors := 0
	for i, u := range units {
		switch u.Name {
		case "县住建局", "工山镇人民政府", "县消防救援大队":
			cols["major"][i], cols["major_listed"][i] = 1, 1
			if majors == 0 {
				cols["major_done"][i] = 1
			} else {
				cols["major_extended"][i] = 1
			}
			majors++
		}
	}
	if majors != 3 {
		return fmt.Errorf("demo data call: the demo units for the major hazards are missing")
	}
	// Where the hazard records of the 大检查 exist, the rows are the
	// pre-fill from them (the units confirm what Yingji counted) and the
	// figures the records cannot give (挂牌督办, 延期, 停产整顿, 约谈) are
	// entered; otherwise the rows are the split above.
	prefilled := make([]map[string]string, len(units))
	if pre, ok := s.demoPrefill(ctx, county, units); ok {
		prefilled = pre
		for _, k := range []string{"general", "general_done", "major", "self_general", "self_done"} {
			for i := range units {
				n, _ := strconv.ParseInt(pre[i][k], 10, 64)
				cols[k][i] = n
			}
		}
		left := map[string]int64{"major_listed": DemoTotals["major_listed"], "major_done": DemoTotals["major_done"], "major_extended": DemoTotals["major_extended"]}
		for _, k := range []string{"major_listed", "major_done", "major_extended"} {
			cols[k] = make([]int64, len(units))
		}
		for i := range units {
			room := cols["major"][i]
			take := func(k string, limit int64) int64 {
				n := min(left[k], limit)
				left[k] -= n
				cols[k][i] = n
				return n
			}
			take("major_listed", room)
			done := take("major_done", room)
			take("major_extended", room-done)
		}
	}
	issued := time.Date(2022, 5, 25, 9, 0, 0, 0, day.Zone())
	err = s.cfg.DB.InTx(ctx, func(tx *store.Tx) error {
		f, err := s.CreateFormTx(ctx, tx, issuer, Form{Name: DemoForm, Fields: DemoFields(),
			Note: "按《示例县安全生产大检查工作方案》，各成员单位、各镇每月汇总本行业、本辖区大检查情况。"})
		if err != nil {
			return err
		}
		var ids []string
		for _, u := range units {
			ids = append(ids, u.ID)
		}
		c, err := s.IssueTx(ctx, tx, issuer, NewCall{FormID: f.ID, Period: DemoPeriod, From: "2022-01-01", To: "2022-05-31", Deadline: DemoDeadline,
			Campaign: DemoCampaign, Units: ids, Note: "请各单位汇总1-5月大检查情况，6月5日前报县安委办。"}, issued)
		if err != nil {
			return err
		}
		for i, u := range units {
			vals := map[string]string{}
			for k, col := range cols {
				vals[k] = fmt.Sprint(col[i])
			}
			on := time.Date(2022, 5, 27+r.IntN(9), 10, 0, 0, 0, day.Zone()) // up to 6月4日
			if i == 3 || i == len(units)-2 {
				on = time.Date(2022, 6, 7+i%2, 16, 0, 0, 0, day.Zone()) // late
			}
			who := &auth.Principal{UserID: "system", Username: "system", DisplayName: u.Name + "联络员", Role: auth.RoleAdmin, CountyCode: county}
			if _, err := s.FillTx(ctx, tx, who, c.ID, u.ID, vals, true, on); err != nil {
				return fmt.Errorf("demo row of %s: %w", u.Name, err)
			}
			if len(prefilled[i]) > 0 {
				if err := s.SetPrefilledTx(ctx, tx, c.ID, u.ID, prefilled[i]); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("demo data call: %w", err)
	}
	how := "rows entered"
	if prefilled[0] != nil {
		how = "rows pre-filled from the hazard records"
	}
	fmt.Fprintf(out, "demo: data call %s (%s) to %d units, %s\n", DemoForm, DemoPeriod, len(units), how)
	return nil
}

// demoPrefill pre-fills every unit's row of the demo call from the
// records; ok is false when there is no pre-fill or when the rows do not
// add up to the source's figures (no hazard records, or other ones).
func (s *Service) demoPrefill(ctx context.Context, county string, units []org.Unit) ([]map[string]string, bool) {
	if s.cfg.Prefill == nil {
		return nil, false
	}
	c := Call{CountyCode: county, Period: DemoPeriod, From: "2022-01-01", To: "2022-05-31", Campaign: DemoCampaign}
	f := Form{Name: DemoForm, Fields: DemoFields()}
	out := make([]map[string]string, len(units))
	sums := map[string]int64{}
	for i, u := range units {
		pre, err := s.cfg.Prefill(ctx, c, f, u)
		if err != nil {
			return nil, false
		}
		out[i] = pre
		for k, v := range pre {
			n, _ := strconv.ParseInt(v, 10, 64)
			sums[k] += n
		}
	}
	for _, k := range []string{"general", "general_done", "major", "self_general", "self_done"} {
		if sums[k] != DemoTotals[k] {
			return nil, false
		}
	}
	return out, true
}
