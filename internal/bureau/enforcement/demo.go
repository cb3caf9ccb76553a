package enforcement

import (
	"context"
	"fmt"
	"io"
	"sort"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/store"
)

// DemoPeople sign the demo records: the 监管一股 (mines, chemicals) and
// 监管二股 (工贸) staff, and the leader who approves.
type DemoPeople struct {
	Mine, Industry, Leader *auth.Principal
}

// Demo loads the demo records of January–June 2022 behind the report's
// figures: the mine section's 20 documents and its 2 duty-keeping cases
// fined 4,000 元 each (F-MINE-1, F-MINE-2), a chemicals case under
// investigation (F-CHEM-3), the 工贸 section's 51 inspection records and
// 5 orders (F-IND-1), 11 停产整顿 and 315 约谈 (F-BIG-4). An existing
// register is left alone, so loading twice changes nothing.
func (s *Service) Demo(ctx context.Context, out io.Writer, county string, who DemoPeople) error {
	sys := &auth.Principal{UserID: "system", Username: "system", DisplayName: "系统", Role: auth.RoleAdmin, CountyCode: county}
	if who.Mine == nil {
		who.Mine = &auth.Principal{UserID: "demo-jg1", DisplayName: "监管一股", Role: auth.RoleAdmin, CountyCode: county}
	}
	if who.Industry == nil {
		who.Industry = &auth.Principal{UserID: "demo-jg2", DisplayName: "监管二股", Role: auth.RoleAdmin, CountyCode: county}
	}
	if who.Leader == nil {
		who.Leader = &auth.Principal{UserID: "demo-leader", DisplayName: "局领导", Role: auth.RoleAdmin, CountyCode: county}
	}
	var n int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM enf_document WHERE county_code = $1`, county).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintln(out, "demo: enforcement documents exist, left alone")
		return nil
	}
	bySector := map[string][]enterprise.Enterprise{}
	var all []enterprise.Enterprise
	if err := s.ent.Each(ctx, sys, enterprise.Filter{}, func(e enterprise.Enterprise) error {
		bySector[e.Sector] = append(bySector[e.Sector], e)
		all = append(all, e)
		return nil
	}); err != nil {
		return err
	}
	var industry []enterprise.Enterprise
	for _, sec := range IndustrySectors {
		industry = append(industry, bySector[sec]...)
	}
	mines, chem := bySector["mine"], bySector["chem_produce"]
	if len(mines) < 4 || len(chem) == 0 || len(industry) < 10 || len(all) < 50 {
		return fmt.Errorf("enforcement demo needs the demo enterprises")
	}
	type action struct {
		day string
		do  func(tx *store.Tx) error
	}
	var acts []action
	add := func(day string, do func(tx *store.Tx) error) { acts = append(acts, action{day, do}) }
	issue := func(p *auth.Principal, in NewDocument) func(tx *store.Tx) error {
		return func(tx *store.Tx) error { _, err := s.IssueTx(ctx, tx, p, in); return err }
	}
	day := func(m, d int) string { return fmt.Sprintf("2022-%02d-%02d", m, d) }
	officers := "李股长（执法证号 34019901）、王志强（执法证号 34019907）"
	// Mines: 6 inspection records, 4 orders, 2 reviews.
	for i := 0; i < 6; i++ {
		e := mines[i%len(mines)]
		add(day(1+i, 12), issue(who.Mine, NewDocument{Kind: KindInspectionRecord, EnterpriseID: e.ID, IssuedOn: day(1+i, 12), Officers: officers,
			Body: "检查情况：对" + e.Name + "采掘作业、通风、提升运输、值班值守等情况进行了现场检查。"}))
	}
	for i := 0; i < 4; i++ {
		e := mines[i]
		add(day(1+i, 13), issue(who.Mine, NewDocument{Kind: KindOrder, EnterpriseID: e.ID, IssuedOn: day(1+i, 13), Deadline: day(2+i, 13), Officers: officers}))
	}
	for i := 0; i < 2; i++ {
		e := mines[i]
		add(day(2+i, 15), issue(who.Mine, NewDocument{Kind: KindReview, EnterpriseID: e.ID, IssuedOn: day(2+i, 15), Officers: officers}))
	}
	// Mines: two duty-keeping cases, fined 4,000 元 each, paid and closed.
	for i := 0; i < 2; i++ {
		e := mines[2+i]
		m := 3 + i
		var c Case
		add(day(m, 1), func(tx *store.Tx) (err error) {
			c, err = s.OpenCaseTx(ctx, tx, who.Mine, NewCase{EnterpriseID: e.ID, Cause: "未按规定安排人员值班值守，值班人员脱岗", CauseKind: "duty_keeping",
				LegalBasis: "penalty_45", FoundOn: day(m, 1)})
			return err
		})
		step := func(p *auth.Principal, in StepInput) func(tx *store.Tx) error {
			return func(tx *store.Tx) error { _, err := s.StepTx(ctx, tx, p, c.ID, in); return err }
		}
		fine := int64(400000)
		add(day(m, 3), step(who.Leader, StepInput{Action: ActApproveFiling, On: day(m, 3), Officers: officers}))
		add(day(m, 10), step(who.Mine, StepInput{Action: ActNotify, On: day(m, 10), FineFen: &fine, Officers: officers}))
		add(day(m, 18), step(who.Mine, StepInput{Action: ActDecide, On: day(m, 18), FineFen: &fine, Payment: PayOnce, Officers: officers}))
		add(day(m, 25), step(who.Mine, StepInput{Action: ActPay, On: day(m, 25), Amount: "4000"}))
		add(day(m, 27), step(who.Mine, StepInput{Action: ActClose, On: day(m, 27)}))
		add(day(m, 28), step(who.Leader, StepInput{Action: ActApproveClose, On: day(m, 28), Officers: officers}))
	}
	// Chemicals: one case filed, under investigation.
	{
		var c Case
		e := chem[0]
		add(day(5, 9), func(tx *store.Tx) (err error) {
			c, err = s.OpenCaseTx(ctx, tx, who.Mine, NewCase{EnterpriseID: e.ID, Cause: "重大危险源未按规定登记建档和定期检测", CauseKind: "major_hazard_source",
				LegalBasis: "aqsc_101", FoundOn: day(5, 9)})
			return err
		})
		add(day(5, 11), func(tx *store.Tx) error {
			_, err := s.StepTx(ctx, tx, who.Leader, c.ID, StepInput{Action: ActApproveFiling, On: day(5, 11), Officers: officers})
			return err
		})
	}
	// 工贸: 51 inspection records and 5 orders.
	ind := "陈股长（执法证号 34019902）、周文斌（执法证号 34019911）"
	for i := 0; i < 51; i++ {
		e := industry[i%len(industry)]
		d := day(1+i*6/51, 5+(i*7)%20)
		add(d, issue(who.Industry, NewDocument{Kind: KindInspectionRecord, EnterpriseID: e.ID, IssuedOn: d, Officers: ind,
			Body: "检查情况：对" + e.Name + "安全生产主体责任落实、粉尘防爆、有限空间作业等情况进行了现场检查。"}))
		if i%10 == 3 && i < 50 {
			add(d, issue(who.Industry, NewDocument{Kind: KindOrder, EnterpriseID: e.ID, IssuedOn: d, Officers: ind}))
		}
	}
	// 停产整顿 11 家次 and 约谈 315 家次 across the county.
	for i := 0; i < 11; i++ {
		e := all[(i*37)%len(all)]
		d := day(1+i%6, 8+i)
		add(d, func(tx *store.Tx) error {
			_, err := s.RecordMeasureTx(ctx, tx, sys, NewMeasure{Kind: MeasureSuspend, EnterpriseID: e.ID, OnDay: d, Note: "存在重大事故隐患，责令停产整顿"})
			return err
		})
	}
	for i := 0; i < 315; i++ {
		e := all[(i*13)%len(all)]
		d := day(1+i%6, 1+i%27)
		add(d, func(tx *store.Tx) error {
			_, err := s.RecordMeasureTx(ctx, tx, sys, NewMeasure{Kind: MeasureInterview, EnterpriseID: e.ID, OnDay: d, Note: "约谈主要负责人"})
			return err
		})
	}
	sort.SliceStable(acts, func(i, j int) bool { return acts[i].day < acts[j].day })
	err := s.db.InTx(store.Serial(ctx), func(tx *store.Tx) error {
		for _, a := range acts {
			if err := a.do(tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("enforcement demo: %w", err)
	}
	fmt.Fprintf(out, "demo: %d enforcement records (documents, cases, measures)\n", len(acts))
	return nil
}
