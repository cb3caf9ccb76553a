package reduction

import (
	"context"
	"fmt"
	"io"
	"time"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
)

// Demo records (January–June 2022) from which the report's figures come:
//
//	F-PUB-3  328 officers: one A officer in each of the county's villages
//	         and communities, the rest B officers, registered in March.
//	F-PUB-2  6 trainings with 802 attendees (约800人); two of them are
//	         F-CHEM-5 (28 fireworks and petrol-station principals, January)
//	         and F-IND-2 (206 industry staff, 6月10日–11日): the report's
//	         "各类培训共计6次" counts every training of the half-year.
//	F-PUB-1  5·12 campaign: 6 leaflet records (6120 份), 2 SMS records
//	         (130,000 条), 3 consultation days (986 人次), 1 quiz (39 winners).
//	F-FIRE-1 forest-fire campaign: 4 leaflet records (2150 份), 2 SMS
//	         records (200,000 条), 20 防火码 checkpoints; the 5 fire hazards
//	         are the hazard ledger's own demo records (campaign
//	         hazard.CampaignForest), not made again here.
//	F-COMM-1 11 applications from 7 towns; 三里街道社区 passed the county
//	         check and the city's initial evaluation.
//
// Loading twice changes nothing (nothing is loaded when the county has
// officers already).
func (s *Service) Demo(ctx context.Context, out io.Writer, county string) error {
	var n int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM reduction_officer WHERE county_code = $1`, county).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	entry := &auth.Principal{UserID: "demo-reduction-entry", Username: "system", DisplayName: "乡镇录入", Role: auth.RoleAdmin, CountyCode: county}
	county2 := &auth.Principal{UserID: "demo-reduction-county", Username: "system", DisplayName: "救灾减灾股", Role: auth.RoleAdmin, CountyCode: county}
	villages, err := s.org.ListRegions(ctx, entry, org.RegionFilter{Level: org.LevelVillage})
	if err != nil {
		return err
	}
	towns, err := s.org.ListRegions(ctx, entry, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		return err
	}
	if len(villages) == 0 || len(towns) == 0 {
		return nil
	}
	byName := map[string]org.Region{}
	for _, v := range villages {
		byName[v.Name] = v
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := s.demoOfficers(ctx, tx, entry, villages); err != nil {
			return err
		}
		if err := s.demoTrainings(ctx, tx, entry); err != nil {
			return err
		}
		if err := s.demoPublicity(ctx, tx, entry); err != nil {
			return err
		}
		if err := s.demoCheckpoints(ctx, tx, entry, towns); err != nil {
			return err
		}
		if err := s.demoCommunities(ctx, tx, entry, county2, byName); err != nil {
			return err
		}
		return s.demoEvent(ctx, tx, county2, towns)
	})
	if err != nil {
		return fmt.Errorf("reduction demo: %w", err)
	}
	fmt.Fprintf(out, "demo: disaster reduction (%d officers, 6 trainings, 20 checkpoints, 11 community applications)\n", DemoOfficers)
	return nil
}

// DemoOfficers is how many officers the demo registers (F-PUB-3).
const DemoOfficers = 328

var (
	surnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗"}
	given    = []string{"立新", "建国", "文华", "志强", "秀英", "春梅", "海波", "国庆", "丽娟", "明", "军", "芳", "红梅", "德胜", "玉兰", "长江", "永红", "家宝", "学军", "桂芝", "卫东", "俊", "晓燕"}
	posts    = []string{"村委会主任", "村委会委员", "网格员", "村民小组长", "妇女主任", "社区工作者"}
)

func (s *Service) demoOfficers(ctx context.Context, tx *store.Tx, p *auth.Principal, villages []org.Region) error {
	// Every village gets its A officer, then B officers in turn until 328.
	per := make([]int, len(villages))
	for i := 0; i < DemoOfficers; i++ {
		per[i%len(villages)]++
	}
	k := 0
	for i, v := range villages {
		for j := 0; j < per[i]; j++ {
			role := RoleB
			if j == 0 {
				role = RoleA
			}
			trained := ""
			if k%4 != 3 {
				trained = "2022-04-20"
			}
			o := Officer{VillageCode: v.Code, Name: surnames[k%len(surnames)] + given[(k/len(surnames)+k)%len(given)], Phone: fmt.Sprintf("1390553%04d", 1000+k),
				Role: role, Position: posts[(k+j)%len(posts)], RegisteredOn: fmt.Sprintf("2022-03-%02d", 1+k%20), TrainedOn: trained}
			if _, err := s.createOfficerTx(ctx, tx, p, o); err != nil {
				return fmt.Errorf("officer %d: %w", k, err)
			}
			k++
		}
	}
	return nil
}

func (s *Service) demoTrainings(ctx context.Context, tx *store.Tx, p *auth.Principal) error {
	for _, t := range []Training{
		{Topic: "烟花爆竹经营单位、加油站主要负责人安全培训", HeldOn: "2022-01-18", Organiser: "县应急管理局", Audience: "fireworks_petrol", Attendees: 28, HoursTenth: 40},
		{Topic: "森林防灭火知识培训", HeldOn: "2022-02-24", Organiser: "县应急管理局、县林业局", Audience: "community", Attendees: 150, HoursTenth: 30},
		{Topic: "乡镇（街道）应急管理人员防灾减灾业务培训", HeldOn: "2022-03-16", Organiser: "县应急管理局", Audience: "town_staff", Attendees: 120, HoursTenth: 60},
		{Topic: "灾害信息员业务培训", HeldOn: "2022-04-20", Organiser: "县应急管理局", Audience: "officers", Attendees: 148, HoursTenth: 40},
		{Topic: "综合减灾示范社区创建培训", HeldOn: "2022-05-10", Organiser: "县应急管理局", Audience: "community", Attendees: 150, HoursTenth: 30},
		{Topic: "工贸企业安全生产培训", HeldOn: "2022-06-10", EndsOn: "2022-06-11", Organiser: "县应急管理局", Audience: "industry", Attendees: 206, HoursTenth: 120},
	} {
		if _, err := s.createTrainingTx(ctx, tx, p, t); err != nil {
			return fmt.Errorf("training %s: %w", t.Topic, err)
		}
	}
	return nil
}

func (s *Service) demoPublicity(ctx context.Context, tx *store.Tx, p *auth.Principal) error {
	var list []Publicity
	for i, q := range []int64{1200, 1100, 1050, 980, 900, 890} { // 6120 份
		list = append(list, Publicity{Campaign: "disaster_day", Kind: "leaflets", HeldOn: fmt.Sprintf("2022-05-%02d", 8+i), Quantity: q,
			Title: fmt.Sprintf("5·12防灾减灾日宣传单册发放（第%d批）", i+1)})
	}
	list = append(list,
		Publicity{Campaign: "disaster_day", Kind: "sms", HeldOn: "2022-05-11", Quantity: 80000, Title: "防灾减灾日公益短信（移动）"},
		Publicity{Campaign: "disaster_day", Kind: "sms", HeldOn: "2022-05-12", Quantity: 50000, Title: "防灾减灾日公益短信（电信、联通）"},
		Publicity{Campaign: "disaster_day", Kind: "consultation", HeldOn: "2022-05-12", Quantity: 420, Title: "县城广场集中宣传咨询日"},
		Publicity{Campaign: "disaster_day", Kind: "consultation", HeldOn: "2022-05-13", Quantity: 318, Title: "“五进”现场答疑（社区）"},
		Publicity{Campaign: "disaster_day", Kind: "consultation", HeldOn: "2022-05-14", Quantity: 248, Title: "“五进”现场答疑（学校、企业）"},
		Publicity{Campaign: "disaster_day", Kind: "quiz", HeldOn: "2022-05-16", Quantity: 1260, Winners: 39, Title: "防灾减灾网络知识竞答"},
	)
	for i, q := range []int64{600, 550, 520, 480} { // 2150 份
		list = append(list, Publicity{Campaign: "forest_fire", Kind: "leaflets", HeldOn: fmt.Sprintf("2022-0%d-15", 1+i), Quantity: q,
			Title: fmt.Sprintf("森林防灭火宣传单发放（%d月）", 1+i)})
	}
	list = append(list,
		Publicity{Campaign: "forest_fire", Kind: "sms", HeldOn: "2022-02-01", Quantity: 120000, Title: "春节期间森林防火提示短信"},
		Publicity{Campaign: "forest_fire", Kind: "sms", HeldOn: "2022-04-01", Quantity: 80000, Title: "清明期间森林防火提示短信"},
	)
	for _, x := range list {
		if _, err := s.createPublicityTx(ctx, tx, p, x); err != nil {
			return fmt.Errorf("publicity %s: %w", x.Title, err)
		}
	}
	return nil
}

func (s *Service) demoCheckpoints(ctx context.Context, tx *store.Tx, p *auth.Principal, towns []org.Region) error {
	places := []string{"林场入口", "水库路口", "山口", "茶园路口"}
	months := [][2]string{{"2022-01-10", "2022-01-31"}, {"2022-02-01", "2022-02-28"}, {"2022-03-01", "2022-03-31"}, {"2022-04-01", "2022-04-30"}}
	for i := 0; i < 20; i++ {
		t := towns[(3+i)%len(towns)] // the hilly towns first
		c := Checkpoint{TownCode: t.Code, Name: fmt.Sprintf("%s%s防火码卡口%d", t.Name, places[i%len(places)], i/len(places)+1), Place: t.Name + places[i%len(places)],
			Lng: 118.1 + float64(i)*0.013, Lat: 30.85 + float64(i%7)*0.021, ActiveFrom: "2022-01-10", ActiveTo: "2022-05-31"}
		c, err := s.createCheckpointTx(ctx, tx, p, c)
		if err != nil {
			return fmt.Errorf("checkpoint %d: %w", i, err)
		}
		for j, m := range months {
			if _, err := s.addScanTx(ctx, tx, p, c.ID, ScanCount{From: m[0], To: m[1], Scans: int64(180 + 37*i + 61*j)}); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Service) demoCommunities(ctx context.Context, tx *store.Tx, entry, county *auth.Principal, byName map[string]org.Region) error {
	full := map[string]int{"organisation": 10, "risk_map": 14, "plan": 14, "drills": 9, "shelter": 9, "supplies": 8, "officer": 10, "publicity": 8, "volunteers": 3, "participation": 3} // 88
	for i, name := range []string{"三里街道社区", "城东社区", "城西社区", "荷花村", "弋江社区", "许镇社区", "家发社区", "工山社区", "吕山村", "何湾社区", "胜成村"} {
		v, ok := byName[name]
		if !ok {
			continue // another county's demo places
		}
		c, err := s.createCommunityTx(ctx, tx, entry, Community{VillageCode: v.Code, Name: name + "综合减灾示范社区创建", AppliedOn: fmt.Sprintf("2022-04-%02d", 6+i)})
		if err != nil {
			return fmt.Errorf("community %s: %w", name, err)
		}
		scores := map[string]int{}
		for k, x := range full {
			scores[k] = x
			if i%3 == 2 && k == "plan" {
				scores[k] = x - 10 // 78: below the pass mark
			}
		}
		if i == 0 || i%2 == 1 || i%3 == 2 {
			c.Scores, c.Score = scores, 0
			for _, x := range scores {
				c.Score += x
			}
			c.UpdatedAt = s.now().UTC()
			if err := updateCommunity(ctx, tx, c); err != nil {
				return err
			}
		}
		if i == 0 {
			if _, err := s.decideTx(ctx, tx, county, c.ID, StageDecision{Stage: StageCounty, Passed: true, On: "2022-05-20", Note: "县级审核及现场核查通过"}); err != nil {
				return err
			}
			if _, err := s.decideTx(ctx, tx, county, c.ID, StageDecision{Stage: StageCity, Passed: true, On: "2022-06-20", Note: "已通过市级初期评估"}); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Service) demoEvent(ctx context.Context, tx *store.Tx, p *auth.Principal, towns []org.Region) error {
	at := func(day string, h int) time.Time {
		t, _ := time.ParseInLocation("2006-01-02", day, shanghai)
		return t.Add(time.Duration(h) * time.Hour)
	}
	e := Event{Name: "2022年6月12日强降雨过程", HazardKind: "rainstorm_flood", StartedAt: at("2022-06-12", 6), StableOn: "2022-06-20",
		Note: "受持续强降雨影响，部分乡镇农田受淹、房屋受损"}
	if err := ValidateEvent(&e, s.now()); err != nil {
		return err
	}
	e.ID, e.CountyCode, e.CreatedBy, e.CreatedAt = "01J0DEMOREDUCTIONEVENT0001", p.CountyCode, p.UserID, s.now().UTC()
	e.StartedAt = e.StartedAt.UTC()
	if err := insertEvent(ctx, tx, e); err != nil {
		return err
	}
	if err := s.record(ctx, tx, p, "reduction_event", e.ID, "create", nil, e); err != nil {
		return err
	}
	for i, t := range towns {
		var chain []Report
		switch i % 3 {
		case 0: // affected: 初报, 续报, 核报
			base := Indicators{Affected: int64(800 + 150*i), Evacuated: int64(20 + 5*i), NeedAid: int64(10 + 2*i), Damaged: int64(3 + i), CropTenths: int64(1200 + 100*i), LossFen: int64(120_000_00 + i*10_000_00)}
			more := base
			more.Affected, more.CropTenths, more.LossFen = base.Affected+100, base.CropTenths+300, base.LossFen+30_000_00
			chain = []Report{{Kind: KindInitial, Indicators: base, ReportedAt: at("2022-06-12", 8), Reporter: "灾害信息员"},
				{Kind: KindFollowup, Indicators: more, ReportedAt: at("2022-06-14", 10), Reporter: "灾害信息员"},
				{Kind: KindFinal, Indicators: more, ReportedAt: at("2022-06-23", 16), Reporter: "乡镇民政办"}}
		case 1: // nothing happened: 零报告
			chain = []Report{{Kind: KindInitial, ReportedAt: at("2022-06-12", 7), Reporter: "灾害信息员"}}
		}
		for _, r := range chain {
			r.TownCode = t.Code
			if _, err := s.addReportTx(ctx, tx, p, e.ID, r); err != nil {
				return fmt.Errorf("report %s: %w", t.Name, err)
			}
		}
	}
	return nil
}
