package prepare

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/store"
)

// DemoPlaces are the demo county's towns and their villages.
type DemoPlaces struct {
	TownCodes []string
	TownNames []string
	Villages  [][]string // per town
}

// demoCountyPlans are the 8 county plans of F-PLAN-1: drafted (new) or
// revised in 2022, reviewed by experts online, passed by the county
// government's executive meeting.
var demoCountyPlans = []struct {
	name, cat, owner string
	flood, revised   bool
}{
	{"示例县突发事件总体应急预案", CatOverall, "县人民政府办公室", false, true},
	{"示例县防汛抗旱应急预案", CatSpecial, "县防汛抗旱指挥部办公室", true, true},
	{"示例县森林火灾应急预案", CatSpecial, "县森林防灭火指挥部办公室", false, true},
	{"示例县地质灾害应急预案", CatSpecial, "县自然资源和规划局", false, true},
	{"示例县自然灾害救助应急预案", CatSpecial, "县应急管理局", false, true},
	{"示例县生产安全事故应急预案", CatSpecial, "县应急管理局", false, false},
	{"示例县危险化学品事故应急预案", CatSpecial, "县应急管理局", false, false},
	{"示例县地震应急预案", CatSpecial, "县应急管理局", false, false},
}

// Demo loads the demo records (January–June 2022): the 8 county plans, 83
// flood plans, enterprise plans, the teams of F-FLOOD-2 and F-RES-2, the
// county–town joint drill, experts and the 74 督促 reminders. Nothing is
// loaded when the county already has teams (loading twice changes
// nothing).
func (s *Service) Demo(ctx context.Context, out io.Writer, county string, places DemoPlaces, locate enterprise.Locate) error {
	var n int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM prep_team WHERE county_code = $1`, county).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	sys := &auth.Principal{UserID: "system", Username: "system", DisplayName: "系统", Role: auth.RoleAdmin, CountyCode: county}
	var ents []enterprise.Enterprise
	if err := s.ent.Each(ctx, sys, enterprise.Filter{}, func(e enterprise.Enterprise) error {
		if e.Status != "closed" {
			ents = append(ents, e)
		}
		return nil
	}); err != nil {
		return err
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].ID < ents[j].ID })
	rnd := rand.New(rand.NewPCG(2022, 13))
	var plans, teams int
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		plans, teams = 0, 0
		step := func(x Plan, st Step) (Plan, error) {
			return s.takeStepTx(ctx, tx, sys, x, st)
		}
		create := func(x Plan) (Plan, error) {
			plans++
			return s.createPlanTx(ctx, tx, sys, x)
		}
		// 1. The county plans (F-PLAN-1).
		for i, d := range demoCountyPlans {
			x := Plan{Name: d.name, Category: d.cat, OwnerUnit: d.owner, Flood: d.flood, DraftedOn: "2022-02-10"}
			if d.revised {
				x.DraftedOn = "2019-03-01"
			}
			x, err := create(x)
			if err != nil {
				return fmt.Errorf("demo plan %s: %w", d.name, err)
			}
			if d.revised { // the 2019 version, then its 2022 revision
				for _, st := range []Step{{To: StateReview, On: "2019-04-10", Experts: "县应急专家组", Minutes: "2019年评审纪要"},
					{To: StateDeliberation, On: "2019-05-08", Body: "县政府常务会议"}, {To: StatePublished, On: "2019-05-20"},
					{To: StateFiled, On: "2019-06-05"}, {To: StateRevising, On: fmt.Sprintf("2022-02-%02d", 14+i), Trigger: "law",
						Note: "《突发事件应急预案管理办法》及机构改革后指挥体系调整"}} {
					if x, err = step(x, st); err != nil {
						return fmt.Errorf("demo plan %s: %w", d.name, err)
					}
				}
			}
			for _, st := range []Step{
				{To: StateConsultation, On: "2022-03-01", Opinion: "征求县直各部门及各乡镇意见"},
				{To: StateReview, On: fmt.Sprintf("2022-03-%02d", 21+i%3), Online: true, Experts: "张建国、李明华、王立新（县应急专家库）",
					Minutes: "专家通过线上对预案进行评审，同意修改完善后提交审议", Opinion: "完善响应分级和处置流程"},
				{To: StateDeliberation, On: "2022-04-22", Body: "县政府常务会议"},
				{To: StatePublished, On: "2022-04-28"},
				{To: StateFiled, On: "2022-05-20"},
			} {
				if x, err = step(x, st); err != nil {
					return fmt.Errorf("demo plan %s: %w", d.name, err)
				}
			}
		}
		// A department plan published in June, not yet filed (its 备案
		// limit runs into July).
		x, err := create(Plan{Name: "县应急管理局安全生产执法应急工作预案", Category: CatDepartment, OwnerUnit: "县应急管理局", DraftedOn: "2021-11-10"})
		if err != nil {
			return err
		}
		for _, st := range []Step{{To: StateReview, On: "2021-12-15", Experts: "县应急专家组", Minutes: "评审纪要"}, {To: StatePublished, On: "2022-06-20"}} {
			if x, err = step(x, st); err != nil {
				return err
			}
		}
		// 2. The town and village flood plans (F-FLOOD-1: 82 more, 83 in
		// all with the county's), revised March–May 2022.
		k := 0
		flood := func(name, cat, region, owner string) error {
			k++
			day := fmt.Sprintf("2022-%02d-%02d", 3+k%3, 1+k%27)
			x, err := create(Plan{Name: name, Category: cat, RegionCode: region, OwnerUnit: owner, Flood: true, DraftedOn: day})
			if err != nil {
				return fmt.Errorf("demo plan %s: %w", name, err)
			}
			_, err = step(x, Step{To: StatePublished, On: fmt.Sprintf("2022-%02d-%02d", 3+k%3, 2+k%27)})
			return err
		}
		for i, code := range places.TownCodes {
			town := places.TownNames[i]
			if err := flood(town+"防汛抗旱应急预案（2022年修订）", CatTown, code, town+"人民政府"); err != nil {
				return err
			}
			if err := flood(town+"山洪地质灾害防御预案（2022年修订）", CatTown, code, town+"人民政府"); err != nil {
				return err
			}
		}
		extra := 82 - 2*len(places.TownCodes)
		for i, code := range places.TownCodes {
			for _, v := range places.Villages[i] {
				if extra <= 0 {
					break
				}
				if err := flood(places.TownNames[i]+v+"防汛应急预案", CatVillage, code, v); err != nil {
					return err
				}
				extra--
			}
		}
		for i, code := range places.TownCodes {
			for _, v := range places.Villages[i] {
				if extra <= 0 {
					break
				}
				if err := flood(places.TownNames[i]+v+"山塘度汛预案", CatVillage, code, v); err != nil {
					return err
				}
				extra--
			}
		}
		// 3. Enterprise plans: about half the enterprises hold a filed plan.
		for i, e := range ents {
			if i%2 == 1 && e.ID != demoEnterpriseID {
				continue
			}
			x, err := create(Plan{Name: e.Name + "生产安全事故应急预案", Category: CatEnterprise, EnterpriseID: e.ID, DraftedOn: "2021-10-08"})
			if err != nil {
				return fmt.Errorf("demo plan of %s: %w", e.Name, err)
			}
			minutes := ""
			if x.ReviewKind == ReviewExpert {
				minutes = "评审纪要"
			}
			for _, st := range []Step{{To: StateReview, On: "2021-11-12", Experts: "企业聘请专家3名", Minutes: minutes},
				{To: StatePublished, On: "2021-11-20"}, {To: StateFiled, On: "2021-12-03", FiledTo: "县应急管理局"}} {
				if x, err = step(x, st); err != nil {
					return fmt.Errorf("demo plan of %s: %w", e.Name, err)
				}
			}
		}
		// 4. Teams (F-FLOOD-2, F-RES-2; F-RES-1: 7 updated their supplies).
		add := func(t Team) error {
			teams++
			if locate != nil && t.RegionCode != "" {
				if la, lo, ok := locate(t.RegionCode, rnd); ok {
					t.Lat, t.Lng = &la, &lo
				}
			}
			_, err := s.saveTeamTx(ctx, tx, sys, "", t)
			if err != nil {
				return fmt.Errorf("demo team %s: %w", t.Name, err)
			}
			return nil
		}
		nt := len(places.TownCodes)
		dykes := []string{"长江干堤", "漳河右岸", "青弋江左岸", "黄池河", "水阳江"}
		for i := 0; i < 49; i++ {
			head := 63
			if i < 20 {
				head = 64
			}
			ti := i % nt
			t := Team{Name: fmt.Sprintf("%s巡堤查险第%d队", places.TownNames[ti], i/nt+1), Kind: KindDykePatrol, Level: "village",
				RegionCode: places.TownCodes[ti], Headcount: head, Leader: demoLeader(i), Phone: demoPhone(i),
				DykeSection: fmt.Sprintf("%s%s段 K%d+000—K%d+500", dykes[i%len(dykes)], places.TownNames[ti], i, i+1), PatrolLine: 1 + i%3,
				Equipment: "救生衣、手电、铁锹、编织袋", EstablishedOn: "2022-05-10"}
			if err := add(t); err != nil {
				return err
			}
		}
		for i := 0; i < 40; i++ {
			head := 34
			if i < 16 {
				head = 35
			}
			ti := i % nt
			t := Team{Name: fmt.Sprintf("%s防汛抢险队（%d）", places.TownNames[ti], i/nt+1), Kind: KindFloodRescue, Level: "town",
				RegionCode: places.TownCodes[ti], Headcount: head, Leader: demoLeader(100 + i), Phone: demoPhone(100 + i),
				Equipment: "冲锋舟、抽水泵、发电机、编织袋", EstablishedOn: "2021-04-15"}
			if i < 5 {
				t.SuppliesUpdatedOn = fmt.Sprintf("2022-%02d-18", 2+i)
			}
			if err := add(t); err != nil {
				return err
			}
		}
		for i, c := range []struct {
			name string
			n    int
		}{{"县消防救援大队防汛抢险队", 120}, {"县武装部民兵防汛应急分队", 116}, {"县水利局防汛抢险队", 118}, {"县城投公司防汛抢险队", 112}} {
			t := Team{Name: c.name, Kind: KindFloodRescue, Level: "county", Headcount: c.n, Leader: demoLeader(200 + i), Phone: demoPhone(200 + i),
				Equipment: "冲锋舟、橡皮艇、大功率水泵、应急照明车", EstablishedOn: "2020-05-01"}
			if i == 0 {
				t.SuppliesUpdatedOn = "2022-05-30"
			}
			if err := add(t); err != nil {
				return err
			}
		}
		special := Team{Name: "示例县应急救援专业队", Kind: KindComprehensive, Level: "county", Headcount: 60, Leader: demoLeader(300),
			Phone: demoPhone(300), Equipment: "破拆、照明、通信、救生装备", EstablishedOn: "2022-05-06", SuppliesUpdatedOn: "2022-05-20"}
		if err := add(special); err != nil {
			return err
		}
		var specialID string
		if err := tx.QueryRowContext(ctx, `SELECT id FROM prep_team WHERE county_code = $1 AND name = $2`, county, special.Name).Scan(&specialID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO prep_rollcall (id, county_code, team_id, on_date, present, result, note, recorded_by, recorded_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`, ids.New(), county, specialID, "2022-05-24", 60, "pass", "人员、装备点验合格", "system", s.now().UTC()); err != nil {
			return err
		}
		// Enterprise teams of a few enterprises (supplies not updated in
		// the period).
		for i, e := range ents {
			if i%3 != 0 && e.ID != demoEnterpriseID {
				continue
			}
			if err := add(Team{Name: e.Name + "应急救援队", Kind: KindEnterprise, Level: "town", EnterpriseID: e.ID, Headcount: 8 + i%7,
				Leader: demoLeader(400 + i), Phone: demoPhone(400 + i), Equipment: "灭火器、急救箱", EstablishedOn: "2021-03-01"}); err != nil {
				return err
			}
		}
		// 5. Drills (F-FLOOD-3: the June county–town joint drill).
		drills := []Drill{
			{Name: "2022年县镇联动防汛抢险暨应急救援演练", DrillOn: "2022-06-16", Form: "county_town", RegionCode: places.TownCodes[0],
				Units: "县防指成员单位、" + places.TownNames[0] + "人民政府、县应急救援专业队", Participants: 260,
				Evaluation: "响应迅速，县镇协同顺畅；通信保障和物资转运存在不足",
				Tasks: []DrillTask{{Problem: "卫星电话操作不熟练", Owner: "县应急指挥中心", DueOn: "2022-07-15"},
					{Problem: "防汛物资转运车辆调度时间偏长", Owner: places.TownNames[0] + "人民政府", DueOn: "2022-07-31"}}},
			{Name: "森林火灾应急预案桌面推演", DrillOn: "2022-03-18", Form: "tabletop", Units: "县森林防灭火指挥部成员单位", Participants: 35,
				Evaluation: "流程清晰，职责明确"},
		}
		if len(ents) > 0 {
			drills = append(drills, Drill{Name: ents[0].Name + "危化品泄漏现场处置演练", DrillOn: "2022-05-12", Form: "field", EnterpriseID: ents[0].ID,
				Units: ents[0].Name, Participants: 40, Evaluation: "处置基本规范"})
		}
		for _, d := range drills {
			if _, err := s.createDrillTx(ctx, tx, sys, d); err != nil {
				return fmt.Errorf("demo drill %s: %w", d.Name, err)
			}
		}
		// 6. Experts.
		experts := []Expert{{Name: "张建国", Field: "flood", Unit: "县水利局"}, {Name: "李明华", Field: "rescue", Unit: "县消防救援大队"},
			{Name: "王立新", Field: "chemical", Unit: "市化工设计院"}, {Name: "赵文斌", Field: "mine", Unit: "省地矿局三二二地质队"},
			{Name: "陈红", Field: "medical", Unit: "县人民医院"}, {Name: "刘志强", Field: "fire", Unit: "县林业局"},
			{Name: "周建平", Field: "geology", Unit: "县自然资源和规划局"}, {Name: "吴海涛", Field: "industry", Unit: "市特种设备检验所"}}
		for i, e := range experts {
			e.Title, e.Phone = "高级工程师", demoPhone(500+i)
			if _, err := s.createExpertTx(ctx, tx, sys, e); err != nil {
				return fmt.Errorf("demo expert %s: %w", e.Name, err)
			}
		}
		// 7. The 督促 of enterprises without complete resources (F-RES-1:
		// 74 enterprise-times, January–June).
		perMonth := []int{12, 12, 12, 13, 12, 13}
		j := 0
		for m, c := range perMonth {
			for r := 0; r < c && len(ents) > 0; r++ {
				e := ents[(j*2+1)%len(ents)]
				j++
				month := fmt.Sprintf("2022-%02d", m+1)
				if _, err := tx.ExecContext(ctx, `INSERT INTO prep_reminder (id, county_code, kind, enterprise_id, plan_id, sent_on, reason, dedupe_key, sent_by, created_at)
					VALUES ($1,$2,'resources',$3,'',$4,$5,$6,'system',$7)`, ids.New(), county, e.ID, month+"-25", "应急预案、救援队伍、应急物资",
					"resources:"+month+":"+e.ID, s.now().UTC()); err != nil {
					return fmt.Errorf("demo reminder: %w", err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "preparedness: %d plans, %d teams, 3 drills, 8 experts, 74 reminders\n", plans, teams)
	return nil
}

// demoEnterpriseID is the demo enterprise account's enterprise (qiye).
const demoEnterpriseID = "01J0DEMOENTERPRISE00000001"

func demoLeader(i int) string {
	family := []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙"}
	given := []string{"建华", "国强", "志明", "海军", "立新", "永红", "文军", "春生", "德胜", "长江"}
	return family[i%len(family)] + given[(i/len(family))%len(given)]
}

func demoPhone(i int) string { return fmt.Sprintf("139%08d", 55300000+i*7919%1000000) }
