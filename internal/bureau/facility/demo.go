package facility

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/store"
)

// demoStep is one status of a demo facility's history.
type demoStep struct{ status, date, note string }

// demoFacility is one demo facility of a demo enterprise (by name).
type demoFacility struct {
	enterprise string
	name       string
	kind       string
	mineral    string
	capacity   float64
	grade      int
	design     float64
	dam        float64
	level      int
	substances string
	history    []demoStep
}

func f64(v float64) *float64 {
	if v == 0 {
		return nil
	}
	return &v
}

// DemoFacilities are the demo county's facilities, consistent with the
// source report (2022 上半年): 4 underground mines (F-MINE-3); 5 open-pit
// mines, 2 of them closing since 2022-04 (F-MINE-6); 5 tailings ponds, 3
// delisted in 2022 H1 and 2 under closure works (F-MINE-5); and the major
// hazard sources of the 3 hazardous-chemicals producers, the propane tank
// farm of 安徽华林特种气体有限公司 eliminated in 2022-05.
var DemoFacilities = []demoFacility{
	// 地下矿山
	{enterprise: "示例县兆丰矿业有限公司", name: "示例县兆丰矿业铜矿（地下开采）", kind: KindUnderground, mineral: "铜矿", capacity: 30,
		history: []demoStep{{StatusProducing, "2010-05-01", "采矿许可证登记"}}},
	{enterprise: "示例县铜南矿业有限公司", name: "示例县铜南矿业铜矿（地下开采）", kind: KindUnderground, mineral: "铜矿", capacity: 15,
		history: []demoStep{{StatusProducing, "2012-03-01", "采矿许可证登记"}}},
	{enterprise: "示例县近山矿业有限公司", name: "示例县近山矿业铁矿（地下开采）", kind: KindUnderground, mineral: "铁矿", capacity: 20,
		history: []demoStep{{StatusProducing, "2011-08-01", "采矿许可证登记"}}},
	{enterprise: "示例县汇成矿业有限公司", name: "示例县汇成矿业铅锌矿（地下开采）", kind: KindUnderground, mineral: "铅锌矿", capacity: 9,
		history: []demoStep{{StatusProducing, "2013-06-01", "采矿许可证登记"}}},
	// 露天矿山
	{enterprise: "工山镇新岭石灰石厂", name: "工山镇新岭石灰石矿（露天开采）", kind: KindOpenPit, mineral: "水泥用灰岩", capacity: 50,
		history: []demoStep{{StatusProducing, "2008-04-01", "采矿许可证登记"},
			{StatusClosing, "2022-04-12", "按矿山关闭退出和整合重组奖励补助办法启动关闭工作"}}},
	{enterprise: "家发镇恒鑫矿业有限公司", name: "家发镇恒鑫矿业建筑石料矿（露天开采）", kind: KindOpenPit, mineral: "建筑石料用灰岩", capacity: 40,
		history: []demoStep{{StatusProducing, "2009-09-01", "采矿许可证登记"},
			{StatusClosing, "2022-04-26", "按矿山关闭退出和整合重组奖励补助办法启动关闭工作"}}},
	{enterprise: "何湾镇胜成矿业有限公司", name: "何湾镇胜成矿业石料矿（露天开采）", kind: KindOpenPit, mineral: "建筑石料用灰岩", capacity: 30,
		history: []demoStep{{StatusProducing, "2010-07-01", "采矿许可证登记"}}},
	{enterprise: "示例县牛头山石料有限公司", name: "示例县牛头山玄武岩矿（露天开采）", kind: KindOpenPit, mineral: "建筑石料用玄武岩", capacity: 60,
		history: []demoStep{{StatusProducing, "2014-03-01", "采矿许可证登记"}}},
	{enterprise: "示例县桂山建材矿业有限公司", name: "示例县桂山建材矿业石料矿（露天开采）", kind: KindOpenPit, mineral: "建筑石料用灰岩", capacity: 45,
		history: []demoStep{{StatusProducing, "2015-05-01", "采矿许可证登记"}}},
	// 尾矿库
	{enterprise: "示例县兆丰矿业有限公司", name: "示例县兆丰矿业选厂尾矿库", kind: KindTailings, grade: 4, design: 180, dam: 38,
		history: []demoStep{{StatusRunning, "2010-05-01", "投入运行"}, {StatusClosure, "2021-03-15", "闭库设计批复，开始闭库治理"},
			{StatusDelisted, "2022-03-18", "闭库验收合格，予以销号"}}},
	{enterprise: "示例县铜南矿业有限公司", name: "示例县铜南选厂尾矿库", kind: KindTailings, grade: 5, design: 60, dam: 22,
		history: []demoStep{{StatusRunning, "2012-03-01", "投入运行"}, {StatusClosure, "2021-05-10", "闭库设计批复，开始闭库治理"},
			{StatusDelisted, "2022-05-20", "闭库验收合格，予以销号"}}},
	{enterprise: "示例县近山矿业有限公司", name: "示例县近山矿业第一选厂尾矿库", kind: KindTailings, grade: 5, design: 45, dam: 18,
		history: []demoStep{{StatusRunning, "2011-08-01", "投入运行"}, {StatusClosure, "2021-06-08", "闭库设计批复，开始闭库治理"},
			{StatusDelisted, "2022-06-15", "闭库验收合格，予以销号"}}},
	{enterprise: "示例县近山矿业有限公司", name: "示例县近山矿业第二选厂尾矿库", kind: KindTailings, grade: 4, design: 120, dam: 32,
		history: []demoStep{{StatusRunning, "2014-04-01", "投入运行"}, {StatusClosure, "2022-02-21", "开始闭库治理，主体工程预计8月底前完成"}}},
	{enterprise: "示例县汇成矿业有限公司", name: "示例县汇成矿业桂山选矿厂尾矿库", kind: KindTailings, grade: 4, design: 150, dam: 35,
		history: []demoStep{{StatusRunning, "2013-06-01", "投入运行"}, {StatusClosure, "2022-03-07", "开始闭库治理，主体工程预计8月底前完成"}}},
	// 重大危险源
	{enterprise: "安徽华林特种气体有限公司", name: "安徽华林特种气体丙烷储罐区", kind: KindHazard, level: 2, substances: "丙烷",
		history: []demoStep{{StatusInUse, "2016-09-01", "重大危险源备案"},
			{StatusEliminated, "2022-05-16", "经技术服务，企业减少丙烷储存量，消除了丙烷储罐区危险化学品重大危险源"}}},
	{enterprise: "芜湖市永格节能材料有限公司", name: "芜湖市永格节能材料溶剂罐区", kind: KindHazard, level: 3, substances: "二甲苯、乙酸丁酯",
		history: []demoStep{{StatusInUse, "2017-11-01", "重大危险源备案"}}},
	{enterprise: "示例县恒泰化工有限公司", name: "示例县恒泰化工甲醇储罐区", kind: KindHazard, level: 4, substances: "甲醇",
		history: []demoStep{{StatusInUse, "2018-06-01", "重大危险源备案"}}},
}

// Demo loads the demo facilities of the demo enterprises (which must be
// loaded first). A facility that exists (same enterprise and name) is left
// alone, so loading twice changes nothing. locate places a facility inside
// its enterprise's town (nil: the enterprise's own coordinates, if any).
func (s *Service) Demo(ctx context.Context, out io.Writer, county string, locate enterprise.Locate) error {
	p := &auth.Principal{UserID: "system", Username: "system", DisplayName: "系统", Role: auth.RoleAdmin, CountyCode: county}
	ents := map[string]enterprise.Enterprise{}
	err := s.ent.Each(ctx, p, enterprise.Filter{}, func(e enterprise.Enterprise) error {
		ents[e.Name] = e
		return nil
	})
	if err != nil {
		return err
	}
	existing := map[string]bool{}
	rows, err := s.db.R().QueryContext(ctx, `SELECT enterprise_id, name FROM facility WHERE county_code = $1`, county)
	if err != nil {
		return fmt.Errorf("existing facilities: %w", err)
	}
	for rows.Next() {
		var e, n string
		if err := rows.Scan(&e, &n); err != nil {
			rows.Close()
			return err
		}
		existing[e+"/"+n] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rnd := rand.New(rand.NewPCG(2022, 7))
	created := 0
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		created = 0
		for _, d := range DemoFacilities {
			e, ok := ents[d.enterprise]
			if !ok {
				return fmt.Errorf("demo facility %s: demo enterprise %s is missing (load the enterprise demo first)", d.name, d.enterprise)
			}
			f := Facility{EnterpriseID: e.ID, Name: d.name, Kind: d.kind, Mineral: d.mineral, Capacity: f64(d.capacity),
				Grade: d.grade, DesignCapacity: f64(d.design), DamHeight: f64(d.dam), Level: d.level, Substances: d.substances,
				Status: d.history[0].status, StatusDate: d.history[0].date}
			// Draw the point even for an existing facility, so that the
			// others get the same points whatever exists already.
			var lat, lng float64
			var placed bool
			if locate != nil {
				lat, lng, placed = locate(e.TownCode, rnd)
			}
			if existing[e.ID+"/"+d.name] {
				continue
			}
			switch {
			case placed:
				f.Lat, f.Lng = &lat, &lng
			case e.Lat != nil:
				la, lo := *e.Lat, *e.Lng
				f.Lat, f.Lng = &la, &lo
			}
			f, err := s.CreateTx(ctx, tx, p, f, d.history[0].note)
			if err != nil {
				return fmt.Errorf("demo facility %s: %w", d.name, err)
			}
			for _, st := range d.history[1:] {
				if _, err := s.ChangeStatusTx(ctx, tx, p, f.ID, StatusInput{Status: st.status, Date: st.date, Note: st.note}); err != nil {
					return fmt.Errorf("demo facility %s → %s: %w", d.name, st.status, err)
				}
			}
			created++
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "demo: %d facilities created (%d in the demo set)\n", created, len(DemoFacilities))
	return nil
}
