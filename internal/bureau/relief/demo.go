package relief

import (
	"context"
	"fmt"
	"io"
	"time"

	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/org"
	"yingji/internal/kit/person"
	"yingji/internal/kit/store"
)

// The demo's story (the source report: "本次发放冬春救助资金126万元，共计
// 5452人"): the 2021–2022 winter-spring programme ran December to May;
// the towns listed the households in need in autumn, the villages
// assessed them, the lists were publicised, the towns reviewed and the
// county decided; in January 2022, before the Spring Festival, every
// listed person was paid once in money (口粮, 取暖, 衣被 at the standard;
// 医疗 by need) and some also received a quilt. In June 2022 a storm
// programme (应急救助) opened; 籍山镇's households are on their way up
// the chain.

// Demo programme names (loading twice finds them and adds nothing).
const (
	DemoWinterName = "2021—2022年度冬春救助"
	DemoStormName  = "2022年6月强降雨应急救助"
	// DemoPeople and DemoAmount are what the winter programme paid (the
	// figures the records must reproduce).
	DemoPeople = 5452
	DemoAmount = 126_000_000 // 分: 126万元
)

var (
	demoSurnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾汪程")
	demoGiven    = []string{"长江", "玉峰", "红军", "志刚", "小平", "秀英", "金华", "德明", "海波", "春花", "国平", "建军", "永生", "新民",
		"富贵", "良才", "桂兰", "淑珍", "家旺", "文斌", "凤英", "光明", "学文", "玉兰"}
	demoRelations = []string{"户主", "配偶", "子女", "子女", "父母"}
	demoSizes     = []int{3, 2, 4, 1, 3, 2, 5, 2}
	demoStandards = []Standard{{"food", 30000}, {"clothing", 20000}, {"heating", 15000}, {"medical", 50000}}
)

// DemoID is the n-th demo person's ID number: fictional region 349905, a
// date of birth from 1945 to 2000 and a valid check character; distinct
// for every n below 20,000,000.
func DemoID(n int) string {
	day := (n * 7919) % 20000 // 7919 is prime to 20000: a bijection
	birth := time.Date(1945, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, day)
	body := fmt.Sprintf("349905%s%03d", birth.Format("20060102"), (n/20000)%1000)
	c, _ := person.IDCheckChar(body)
	return body + string(c)
}

// DemoName is the n-th demo person's name.
func DemoName(n int) string {
	return string(demoSurnames[(n*7)%len(demoSurnames)]) + demoGiven[(n*13+n/len(demoSurnames))%len(demoGiven)]
}

// demoCategory is the winter category of the i-th person paid: 4 in 11
// 口粮, 3 取暖, 2 衣被, 2 医疗.
func demoCategory(i int) string {
	switch r := i % 11; {
	case r < 4:
		return "food"
	case r < 7:
		return "heating"
	case r < 9:
		return "clothing"
	}
	return "medical"
}

// DemoAmounts returns the winter payment of each of n people: the
// standard for 口粮, 取暖 and 衣被, and the rest of total shared among the
// 医疗 payments in whole 元 (the first ones one 元 more), so that the
// payments add up to total exactly.
func DemoAmounts(n int, total int64) (cats []string, amounts []int64) {
	cats, amounts = make([]string, n), make([]int64, n)
	std := map[string]int64{}
	for _, s := range demoStandards {
		std[s.Category] = s.Amount
	}
	rest, medical := total, 0
	for i := range n {
		cats[i] = demoCategory(i)
		if cats[i] == "medical" {
			medical++
			continue
		}
		amounts[i] = std[cats[i]]
		rest -= amounts[i]
	}
	if medical == 0 {
		return cats, amounts
	}
	yuan := rest / 100
	each, extra := yuan/int64(medical), yuan%int64(medical)
	k := int64(0)
	for i := range n {
		if cats[i] != "medical" {
			continue
		}
		amounts[i] = each * 100
		if k < extra {
			amounts[i] += 100
		}
		k++
	}
	amounts[n-1] += rest % 100 // whole 元 unless total has 分
	return cats, amounts
}

// Demo loads the demo programmes, households and payments. decider is
// who took the county's decisions (the leader; nil: the system).
func (s *Service) Demo(ctx context.Context, out io.Writer, county string, decider, townUser *auth.Principal) error {
	if decider == nil {
		decider = &auth.Principal{UserID: "system", Username: "system", DisplayName: "系统", Role: auth.RoleAdmin, CountyCode: county}
	}
	var have int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM relief_programme WHERE county_code = $1 AND name = $2`, county, DemoWinterName).Scan(&have); err != nil {
		return err
	}
	if have > 0 {
		fmt.Fprintln(out, "demo: relief programmes already loaded")
		return nil
	}
	viewer := &auth.Principal{Role: auth.RoleLeader, CountyCode: county}
	var towns []org.Region
	villages := map[string][]org.Region{}
	if s.org != nil {
		all, err := s.org.ListRegions(ctx, viewer, org.RegionFilter{})
		if err != nil {
			return err
		}
		for _, r := range all {
			switch r.Level {
			case org.LevelTown:
				towns = append(towns, r)
			case org.LevelVillage:
				villages[r.ParentCode] = append(villages[r.ParentCode], r)
			}
		}
	}
	if len(towns) == 0 {
		return fmt.Errorf("relief demo: the county %s has no towns (load the demo county first)", county)
	}
	start := time.Now()
	now := s.now().UTC()
	winter := Programme{ID: ids.New(), CountyCode: county, Name: DemoWinterName, Kind: KindWinterSpring, PeriodFrom: "2021-12-01", PeriodTo: "2022-05-31",
		Budget: 130_000_000, Note: "芜湖市下达冬春救助资金，按口粮、衣被、取暖、医疗分类救助", Standards: demoStandards, CreatedBy: decider.UserID,
		CreatedAt: time.Date(2021, 10, 15, 2, 0, 0, 0, time.UTC), UpdatedAt: now}
	storm := Programme{ID: ids.New(), CountyCode: county, Name: DemoStormName, Kind: KindEmergency, PeriodFrom: "2022-06-20", PeriodTo: "2022-09-30",
		Budget: 20_000_000, Standards: []Standard{{"living", 60000}, {"housing", 200000}}, CreatedBy: decider.UserID,
		CreatedAt: time.Date(2022, 6, 21, 2, 0, 0, 0, time.UTC), UpdatedAt: now}

	// The winter households: sizes cycle through demoSizes; towns and
	// villages in turn.
	var hs []Household
	var steps [][]any
	cats, amounts := DemoAmounts(DemoPeople, DemoAmount)
	var pays []Payment
	var payIdx []string
	n := 0
	for k := 0; n < DemoPeople; k++ {
		t := towns[k%len(towns)]
		vs := villages[t.Code]
		if len(vs) == 0 {
			vs = []org.Region{{Code: t.Code + "201"}}
		}
		v := vs[(k/len(towns))%len(vs)]
		size := min(demoSizes[k%len(demoSizes)], DemoPeople-n)
		entered := time.Date(2021, 10, 8+k%7, 1, 0, 0, 0, time.UTC)
		h := Household{ID: ids.New(), CountyCode: county, ProgrammeID: winter.ID, TownCode: t.Code, VillageCode: v.Code, Step: StepCounty,
			ExtremePoor: k%17 == 0, MinLiving: k%5 == 0, OutOfPoverty: k%7 == 0, DisasterHit: k%3 == 0,
			PublicityFrom: "2021-10-18", PublicityTo: "2021-10-24", EnteredBy: "demo-town-" + t.Code, EnteredByName: t.Name + "民政办",
			CreatedAt: entered, UpdatedAt: entered}
		for j := range size {
			m := Member{ID: ids.New(), Name: DemoName(n), IDNumber: DemoID(n), Relation: demoRelations[j%len(demoRelations)]}
			if j == 0 {
				h.HeadName, h.AccountHolder = m.Name, m.Name
				h.AccountNo = fmt.Sprintf("62270%014d", 1000000+n)
			}
			h.Members = append(h.Members, m)
			paid := fmt.Sprintf("2022-01-%02d", 10+k%len(towns)*2)
			pays = append(pays, Payment{ID: ids.New(), ProgrammeID: winter.ID, HouseholdID: h.ID, MemberID: m.ID, TownCode: t.Code, Category: cats[n],
				Mode: ModeMoney, Amount: amounts[n], PaidOn: paid, RecordedBy: decider.UserID, RecordedAt: time.Date(2022, 1, 10+k%len(towns)*2, 3, 0, 0, 0, time.UTC)})
			payIdx = append(payIdx, s.IndexOf(m.IDNumber))
			if cats[n] == "food" && n%50 == 0 { // a quilt too
				pays = append(pays, Payment{ID: ids.New(), ProgrammeID: winter.ID, HouseholdID: h.ID, MemberID: m.ID, TownCode: t.Code, Category: "clothing",
					Mode: ModeGoods, Item: "棉被", Quantity: 1, DispatchRef: "", PaidOn: paid, RecordedBy: decider.UserID, RecordedAt: time.Date(2022, 1, 10+k%len(towns)*2, 3, 0, 0, 0, time.UTC)})
				payIdx = append(payIdx, s.IndexOf(m.IDNumber))
			}
			n++
		}
		for _, st := range []struct {
			step, by, name string
			at             time.Time
		}{{StepVillage, "demo-village-" + v.Code, v.Name + "村民委员会", entered.AddDate(0, 0, 5)},
			{StepPublicity, "demo-village-" + v.Code, v.Name + "村民委员会", entered.AddDate(0, 0, 6)},
			{StepTown, "demo-town-review-" + t.Code, t.Name + "人民政府", time.Date(2021, 10, 27, 2, 0, 0, 0, time.UTC)},
			{StepCounty, decider.UserID, displayName(decider), time.Date(2021, 11, 5+k%2, 2, 0, 0, 0, time.UTC)}} {
			steps = append(steps, []any{ids.New(), h.ID, st.step, true, "", st.by, st.name, st.at})
		}
		hs = append(hs, h)
	}

	// The storm programme: 籍山镇's households on their way, entered by the
	// town's user.
	entrant := townUser
	if entrant == nil {
		entrant = &auth.Principal{UserID: "demo-town", DisplayName: "籍山镇民政办", Role: auth.RoleTown, CountyCode: county, RegionCode: towns[0].Code}
	}
	stormTown := towns[0]
	for _, t := range towns {
		if t.Code == entrant.RegionCode {
			stormTown = t
		}
	}
	var objections [][]any
	stormSteps := []string{StepReported, StepReported, StepVillage, StepVillage, StepPublicity, StepPublicity, StepTown, StepCounty}
	for k, step := range stormSteps {
		vs := villages[stormTown.Code]
		if len(vs) == 0 {
			vs = []org.Region{{Code: stormTown.Code + "201"}}
		}
		v := vs[k%len(vs)]
		entered := time.Date(2022, 6, 22, 1+k, 0, 0, 0, time.UTC)
		h := Household{ID: ids.New(), CountyCode: county, ProgrammeID: storm.ID, TownCode: stormTown.Code, VillageCode: v.Code, Step: step,
			DisasterHit: true, MinLiving: k%3 == 0, EnteredBy: entrant.UserID, EnteredByName: displayName(entrant), Address: v.Name + fmt.Sprintf("%d组", k+1),
			CreatedAt: entered, UpdatedAt: entered}
		size := demoSizes[k%len(demoSizes)]
		for j := range size {
			m := Member{ID: ids.New(), Name: DemoName(n), IDNumber: DemoID(n), Relation: demoRelations[j%len(demoRelations)]}
			if j == 0 {
				h.HeadName, h.AccountHolder, h.AccountNo = m.Name, m.Name, fmt.Sprintf("62270%014d", 1000000+n)
			}
			h.Members = append(h.Members, m)
			n++
		}
		for i, st := range chain[1:] {
			if indexOf(h.Step) > i {
				at := entered.AddDate(0, 0, 1+i)
				by, name := "demo-village-"+v.Code, v.Name+"村民委员会"
				if st == StepTown {
					by, name = "demo-town-review-"+stormTown.Code, stormTown.Name+"人民政府"
				}
				if st == StepCounty {
					by, name = decider.UserID, displayName(decider)
				}
				steps = append(steps, []any{ids.New(), h.ID, st, true, "", by, name, at})
			}
		}
		if indexOf(h.Step) >= indexOf(StepPublicity) {
			h.PublicityFrom, h.PublicityTo = "2022-06-24", "2022-06-28"
			if h.Step == StepPublicity {
				h.PublicityTo = "2022-07-02" // still running on the demo date
			}
		}
		if h.Step == StepPublicity && k%2 == 1 {
			objections = append(objections, []any{ids.New(), h.ID, "2022-06-27", "村民反映该户房屋未受损，申请复核", "", entrant.UserID, time.Date(2022, 6, 27, 2, 0, 0, 0, time.UTC)})
		}
		hs = append(hs, h)
	}

	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		for _, g := range []Programme{winter, storm} {
			if err := s.insertProgramme(ctx, tx, g); err != nil {
				return err
			}
		}
		if err := s.insertHouseholds(ctx, tx, hs); err != nil {
			return err
		}
		if err := store.InsertRows(ctx, tx, "relief_step", "id, household_id, step, approved, note, done_by, done_by_name, done_at", len(steps),
			func(i int) []any { return steps[i] }, nil); err != nil {
			return err
		}
		if err := store.InsertRows(ctx, tx, "relief_objection", "id, household_id, raised_on, content, resolution, recorded_by, recorded_at", len(objections),
			func(i int) []any { return objections[i] }, nil); err != nil {
			return err
		}
		if err := s.insertPayments(ctx, tx, county, pays, payIdx); err != nil {
			return err
		}
		// One audit entry per programme and per household of the storm
		// list; the winter list's 2,000 households are summed up in one.
		entries := []audit.Entry{
			{Entity: "relief_programme", EntityID: winter.ID, Action: "create", After: winter},
			{Entity: "relief_programme", EntityID: storm.ID, Action: "create", After: storm},
			{Entity: "relief_programme", EntityID: winter.ID, Action: "demo_load", After: map[string]any{"households": len(hs) - len(stormSteps), "payments": len(pays)}},
		}
		for _, h := range hs[len(hs)-len(stormSteps):] {
			entries = append(entries, audit.Entry{Entity: "relief_household", EntityID: h.ID, Action: "create", After: maskHousehold(h)})
		}
		return audit.RecordMany(ctx, tx, now, audit.System(county), entries)
	})
	if err != nil {
		return fmt.Errorf("relief demo: %w", err)
	}
	fmt.Fprintf(out, "demo: relief programmes 2, households %d, people %d, payments %d (%v)\n", len(hs), n, len(pays), time.Since(start).Round(time.Millisecond))
	return nil
}

func indexOf(step string) int {
	for i, s := range chain {
		if s == step {
			return i
		}
	}
	return -1
}
