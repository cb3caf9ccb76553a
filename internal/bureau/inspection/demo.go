package inspection

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
)

// Demo seeds of the source report's half year (2022-01-01 … 06-30).
const (
	demoFrom, demoTo = "2022-01-01", "2022-06-30"
	demoDrawSeed     = "2022年第一批双随机"
)

// DemoUnderground are the 4 underground mines of the third party's 体检.
var DemoUnderground = []string{"示例县兆丰矿业有限公司", "示例县铜南矿业有限公司", "示例县近山矿业有限公司", "示例县汇成矿业有限公司"}

// Demo loads the inspector register, the 监管二股 plan for 2022 and its
// 双随机 draw, and the inspections of 2022 H1, so that the figures come
// out of records:
//
//	inspection.mine (F-MINE-1)  25 own inspections of mines, one per
//	                            现场检查记录 the hazard demo cites (its 81
//	                            findings are linked as findings);
//	                            hazards 166 general + 5 major are the
//	                            hazard demo's (Unit 监管一股, sector mine).
//	F-MINE-3                    4 third-party 体检 of the 4 underground
//	                            mines (2022-03-08…11) with the hazard
//	                            demo's 90 third-party hazards linked;
//	                            5 major.
//	F-MINE-4                    3 上级督查 visits (2022-05-17…18): 28
//	                            findings, 4 on government, 24 on the three
//	                            enterprises (no hazards raised: they are
//	                            the superior's findings, kept here).
//	F-CHEM-1                    42 inspections of chemicals, fireworks and
//	                            petrol; the 51 hazards are the hazard
//	                            demo's (Unit 监管一股, those sectors).
//	inspection.industry         56 inspections of 工贸 enterprises, 51
//	(F-IND-1)                   distinct planned enterprises of the 92 in
//	                            the 监管二股 plan (55%).
//
// Loading twice changes nothing (the plan of 2022 is the marker).
func (s *Service) Demo(ctx context.Context, out io.Writer, county string) error {
	var n int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM inspection WHERE county_code = $1 AND client_id LIKE 'demo-%'`, county).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintln(out, "inspections: demo records already loaded")
		return nil
	}
	sys := &auth.Principal{UserID: "system", Username: "system", Role: auth.RoleAdmin, CountyCode: county}
	users, err := s.users(ctx, county)
	if err != nil {
		return err
	}
	byName := map[string]auth.User{}
	for _, u := range users {
		byName[u.Username] = u
	}
	jg1, ok1 := byName["jg1"]
	jg2, ok2 := byName["jg2"]
	zhifa, ok3 := byName["zhifa"]
	if !ok1 || !ok2 || !ok3 {
		return fmt.Errorf("inspection demo needs the demo users jg1, jg2 and zhifa")
	}
	var ents []enterprise.Enterprise
	if err := s.ent.Each(ctx, sys, enterprise.Filter{}, func(e enterprise.Enterprise) error {
		ents = append(ents, e)
		return nil
	}); err != nil {
		return err
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].CreditCode < ents[j].CreditCode })
	bySector := map[string][]enterprise.Enterprise{}
	byEntName := map[string]enterprise.Enterprise{}
	byID := map[string]enterprise.Enterprise{}
	for _, e := range ents {
		bySector[e.Sector] = append(bySector[e.Sector], e)
		byEntName[e.Name] = e
		byID[e.ID] = e
	}
	units, err := s.org.ListUnits(ctx, &auth.Principal{Role: auth.RoleLeader, CountyCode: county}, org.UnitFilter{Kind: org.UnitSection})
	if err != nil {
		return err
	}
	unitOf := map[string]string{}
	for _, u := range units {
		unitOf[u.Name] = u.ID
	}
	now := s.now()
	reg := []Inspector{
		{UserID: jg1.ID, Name: jg1.DisplayName, CertNo: "皖应急执字340010001", UnitID: jg1.UnitID, Active: true},
		{UserID: jg2.ID, Name: jg2.DisplayName, CertNo: "皖应急执字340010002", UnitID: jg2.UnitID, Active: true},
		{UserID: zhifa.ID, Name: zhifa.DisplayName, CertNo: "皖应急执字340010003", UnitID: zhifa.UnitID, Active: true},
	}
	off := func(x ...Inspector) []Officer {
		var o []Officer
		for _, i := range x {
			o = append(o, Officer{UserID: i.UserID, Name: i.Name, CertNo: i.CertNo})
		}
		return o
	}
	rJG1, rJG2, rZF := reg[0], reg[1], reg[2]
	rnd := rand.New(rand.NewPCG(2022, 11))
	var recs []Inspection
	add := func(kind Kind, on string, e enterprise.Enterprise, unit string, officers []Officer, note string, fs []Finding, hazards int) *Inspection {
		x := Inspection{ID: ids.NewAt(calendarTime(on)), CountyCode: county, ClientID: fmt.Sprintf("demo-%03d", len(recs)+1), Kind: kind, On: on,
			EnterpriseID: e.ID, PlaceName: e.Name, TownCode: e.TownCode, Sector: e.Sector, UnitID: unit, Officers: officers, Note: note,
			Findings: fs, Hazards: hazards, CreatedBy: officers[0].UserID, CreatedAt: calendarTime(on).Add(10 * time.Hour)}
		recs = append(recs, x)
		return &recs[len(recs)-1]
	}
	hazOf := func(f hazard.Filter) ([]hazard.Record, error) {
		var out []hazard.Record
		f.From, f.To = demoFrom, demoTo
		err := s.haz.Each(ctx, sys, f, func(r hazard.Record) error {
			out = append(out, r)
			return nil
		})
		sort.Slice(out, func(i, j int) bool { return out[i].FoundOn+out[i].ID < out[j].FoundOn+out[j].ID })
		return out, err
	}
	asFinding := func(r hazard.Record) Finding {
		return Finding{ID: ids.New(), Party: PartyEnterprise, PartyName: r.PlaceName, EnterpriseID: r.EnterpriseID, Text: r.Description, HazardID: r.ID}
	}

	// 1. Mines (监管一股): one inspection per 现场检查记录 the hazard demo cites.
	mineHaz, err := hazOf(hazard.Filter{Sector: "mine", Source: hazard.SourceInspection, Unit: unitOf["监管一股"]})
	if err != nil {
		return err
	}
	visits := map[string][]hazard.Record{}
	var refs []string
	for _, r := range mineHaz {
		if r.Campaign != "" || !strings.Contains(r.SourceRef, "应急检记") {
			continue
		}
		if _, ok := visits[r.SourceRef]; !ok {
			refs = append(refs, r.SourceRef)
		}
		visits[r.SourceRef] = append(visits[r.SourceRef], r)
	}
	sort.Strings(refs)
	mines := bySector["mine"]
	for i := len(refs); i < 25 && len(mines) > 0; i++ { // without the hazard demo: visits of their own
		refs = append(refs, fmt.Sprintf("（示）应急检记〔2022〕K%02d号", i+1))
	}
	for i, ref := range refs {
		if i >= 25 {
			break
		}
		hs := visits[ref]
		var e enterprise.Enterprise
		on := ""
		if len(hs) > 0 {
			e, on = byID[hs[0].EnterpriseID], hs[0].FoundOn
		} else {
			e, on = mines[i%len(mines)], randDay(rnd, "2022-01-10", "2022-06-10")
		}
		var fs []Finding
		for _, r := range hs {
			fs = append(fs, asFinding(r))
		}
		kind := KindPlan
		if i%5 == 2 {
			kind = KindSpecial
		}
		add(kind, on, e, unitOf["监管一股"], off(rJG1, rZF), "现场检查记录 "+ref, fs, len(fs))
	}

	// 2. The third party's 体检 of the 4 underground mines (F-MINE-3).
	tpHaz, err := hazOf(hazard.Filter{Sector: "mine", Source: hazard.SourceThirdParty})
	if err != nil {
		return err
	}
	for i, name := range DemoUnderground {
		e, ok := byEntName[name]
		if !ok {
			continue
		}
		var fs []Finding
		for _, r := range tpHaz {
			if r.EnterpriseID == e.ID {
				fs = append(fs, asFinding(r))
			}
		}
		add(KindThirdParty, fmt.Sprintf("2022-03-%02d", 8+i), e, unitOf["监管一股"], off(rJG1),
			"江西某安全评价机构《地下矿山安全现状全面体检报告》（政府购买服务）", fs, len(fs))
	}

	// 3. The state mine inspection (上级督查, F-MINE-4): 28 findings.
	govFindings := []Finding{
		{Party: PartyGovernment, PartyName: "示例县人民政府", Text: "非煤矿山安全生产属地管理责任落实不到位，县级领导包保责任制未覆盖全部地下矿山"},
		{Party: PartyGovernment, PartyName: "示例县应急管理局", Text: "对地下矿山重大事故隐患排查整治专项执法检查频次不足"},
		{Party: PartyGovernment, PartyName: "示例县应急管理局", Text: "执法检查中对发现的问题未全部依法下达执法文书"},
		{Party: PartyGovernment, PartyName: "示例县自然资源和规划局", Text: "对相邻矿山越界开采问题的联合核查机制未建立"},
	}
	entTexts := []string{"安全出口标识不清，部分中段避灾路线图未更新", "井下作业人员未全部佩戴自救器", "提升系统安全保护装置未按期检测",
		"主通风机未配备同等能力的备用电机", "井下采空区未及时充填或封闭", "排水设施未在雨季前进行联合试运转", "特种作业人员台账与实际不符",
		"安全风险分级管控清单未动态更新"}
	for i, name := range DemoUnderground[:3] {
		e, ok := byEntName[name]
		if !ok {
			continue
		}
		var fs []Finding
		if i == 0 {
			for _, g := range govFindings {
				g.ID = ids.New()
				fs = append(fs, g)
			}
		}
		for _, t := range entTexts {
			fs = append(fs, Finding{ID: ids.New(), Party: PartyEnterprise, PartyName: e.Name, EnterpriseID: e.ID, Text: t})
		}
		add(KindSuperior, fmt.Sprintf("2022-05-%02d", 17+i/2), e, unitOf["监管一股"],
			append(off(rJG1, rZF), Officer{Name: "国家矿山安全监察局安徽局督查组", CertNo: "国家矿山安全监察局安徽局"}),
			"国家矿山安全监察局安徽局督查（陪同检查）", fs, 0)
	}

	// 4. Chemicals, fireworks and petrol (F-CHEM-1): 42 inspections; the
	// visits that found the section's hazards carry them as findings.
	var chemSecs []string
	chemSecs = append(chemSecs, ChemSectors...)
	chemHaz, err := hazOf(hazard.Filter{Sectors: chemSecs, Unit: unitOf["监管一股"]})
	if err != nil {
		return err
	}
	type cvisit struct {
		ent, on string
		hs      []hazard.Record
	}
	var cv []cvisit
	at := map[string]int{}
	for _, r := range chemHaz {
		if r.Campaign != "" || r.EnterpriseID == "" {
			continue
		}
		k := r.EnterpriseID + r.FoundOn
		if i, ok := at[k]; ok {
			cv[i].hs = append(cv[i].hs, r)
			continue
		}
		at[k] = len(cv)
		cv = append(cv, cvisit{ent: r.EnterpriseID, on: r.FoundOn, hs: []hazard.Record{r}})
	}
	var chemEnts []enterprise.Enterprise
	for _, sec := range []string{"chem_produce", "chem_trade", "fireworks_wholesale", "petrol", "fireworks_retail"} {
		chemEnts = append(chemEnts, bySector[sec]...)
	}
	for i := 0; len(cv) < 42 && len(chemEnts) > 0; i++ {
		cv = append(cv, cvisit{ent: chemEnts[i%len(chemEnts)].ID, on: randDay(rnd, "2022-01-12", "2022-06-22")})
	}
	holidays := map[string]bool{}
	for i, v := range cv {
		if i >= 42 {
			break
		}
		kind := KindPlan
		switch {
		case len(v.hs) > 0 && v.hs[0].Source == hazard.SourceExpert:
			kind = KindExpert
		case v.on < "2022-02-10" && !holidays[v.ent]:
			kind, holidays[v.ent] = KindHoliday, true
		case i%7 == 3:
			kind = KindSpecial
		}
		var fs []Finding
		for _, r := range v.hs {
			fs = append(fs, asFinding(r))
		}
		add(kind, v.on, byID[v.ent], unitOf["监管一股"], off(rJG1, rZF), "", fs, len(fs))
	}

	// 5. 冶金工贸 (监管二股): the 2022 plan of 92, a 双随机 draw from its
	// general enterprises, and 56 inspections of 51 planned enterprises.
	var ind []enterprise.Enterprise
	for _, sec := range IndustrySectors {
		ind = append(ind, bySector[sec]...)
	}
	sort.Slice(ind, func(i, j int) bool { return ind[i].CreditCode < ind[j].CreditCode })
	if len(ind) > 92 {
		ind = ind[:92]
	}
	plan := Plan{ID: ids.New(), CountyCode: county, Year: 2022, SectionID: unitOf["监管二股"], SectionName: "监管二股", RandomShare: 70, Staff: 4,
		OtherDays: 180, NonEnfDays: 300, CreatedBy: jg2.ID, ApprovedOn: "2022-02-28", ApprovalRef: "示政秘〔2022〕12号"}
	plan.Title = "2022年度监管二股（冶金工贸）安全生产监督检查计划"
	for _, e := range ind {
		if e.Sector == "metallurgy" || e.Sector == "nonferrous" || e.Sector == "commerce" {
			plan.Key = append(plan.Key, e.ID)
		} else {
			plan.General = append(plan.General, e.ID)
		}
	}
	if plan.Statutory, err = s.StatutoryDays(ctx, county, 2022); err != nil {
		return err
	}
	if plan.Planned() > 0 {
		if err := CheckPlan(&plan); err != nil {
			return fmt.Errorf("demo plan: %w", err)
		}
	}
	var pool []PoolEnterprise
	for _, id := range plan.General {
		pool = append(pool, PoolEnterprise{ID: id, Name: byID[id].Name})
	}
	sort.Slice(pool, func(i, j int) bool { return pool[i].ID < pool[j].ID })
	var draw *DrawRecord
	if len(pool) >= 12 {
		di := DrawInput{Seed: SeedOf(demoDrawSeed), Enterprises: pool, Inspectors: reg, Count: 12, PerTask: 2, AvoidRepeat: true}
		tasks, err := Draw(di)
		if err != nil {
			return fmt.Errorf("demo draw: %w", err)
		}
		draw = &DrawRecord{ID: ids.New(), CountyCode: county, PlanID: plan.ID, Title: "2022年第一批双随机抽查（冶金工贸）", DrawnOn: "2022-03-01",
			Seed: demoDrawSeed, Input: di, Tasks: tasks, PublishedOn: "2022-03-02", CreatedBy: jg2.ID}
	}
	// 51 distinct planned enterprises: the drawn 12 first (random), then
	// key and general ones; 5 of them visited twice (56 家次).
	var order []string
	seen := map[string]bool{}
	if draw != nil {
		for _, t := range draw.Tasks {
			order, seen[t.EnterpriseID] = append(order, t.EnterpriseID), true
		}
	}
	for _, id := range append(append([]string(nil), plan.Key...), plan.General...) {
		if !seen[id] {
			order, seen[id] = append(order, id), true
		}
	}
	if len(order) > 51 {
		order = order[:51]
	}
	regByID := map[string]Inspector{}
	for _, x := range reg {
		regByID[x.UserID] = x
	}
	gm := func(on string) []Item {
		tpl, _ := TemplateOf(TemplateFor("machinery", on))
		var items []Item
		for _, it := range tpl.Items {
			items = append(items, Item{Code: it.Code, Text: it.Text, Clause: it.Clause, Result: Pass})
		}
		return items
	}
	for i, id := range order {
		e := byID[id]
		on := randDay(rnd, "2022-01-10", "2022-06-24")
		kind, officers, drawID := KindPlan, off(rJG2, rZF), ""
		if draw != nil && i < len(draw.Tasks) {
			t := draw.Tasks[i]
			kind, drawID, on = KindRandom, draw.ID, randDay(rnd, "2022-03-07", "2022-04-29")
			officers = off(regByID[t.Inspectors[0]], regByID[t.Inspectors[1]])
		}
		x := add(kind, on, e, unitOf["监管二股"], officers, "", nil, 0)
		x.PlanID, x.DrawID, x.Template = plan.ID, drawID, TemplateFor(e.Sector, on)
		x.Items = gm(on)
		if i%10 == 4 && i/10 < 5 { // 5 revisits (复查)
			y := add(KindPlan, laterDay(on, 20), e, unitOf["监管二股"], off(rJG2, rZF), "整改复查", nil, 0)
			y.PlanID = plan.ID
		}
	}

	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		for _, x := range reg {
			if err := upsertInspector(ctx, tx, ids.New(), county, x, now); err != nil {
				return err
			}
		}
		if plan.Planned() > 0 {
			if err := savePlan(ctx, tx, plan, now, true); err != nil {
				return err
			}
		}
		if draw != nil {
			if err := insertDraw(ctx, tx, *draw, now); err != nil {
				return err
			}
		}
		for i := range recs {
			if err := insertInspection(ctx, tx, recs[i]); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, now, sys.Actor(), audit.Entry{Entity: "inspection", EntityID: "demo", Action: "demo",
			After: map[string]any{"inspections": len(recs), "plan": plan.Planned()}})
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "inspections: %d inspections, 1 plan of %d enterprises, %d inspectors\n", len(recs), plan.Planned(), len(reg))
	return nil
}

func calendarTime(day string) time.Time {
	t, _ := time.Parse("2006-01-02", day)
	return t
}

func randDay(r *rand.Rand, from, to string) string {
	a, b := calendarTime(from), calendarTime(to)
	for {
		d := a.AddDate(0, 0, r.IntN(int(b.Sub(a).Hours()/24)+1))
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			return d.Format("2006-01-02")
		}
	}
}

func laterDay(day string, n int) string {
	d := calendarTime(day).AddDate(0, 0, n)
	if d.After(calendarTime("2022-06-29")) {
		d = calendarTime("2022-06-29")
	}
	return d.Format("2006-01-02")
}
