package warning

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"time"

	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/store"
)

// demoWarning is one of the demo county's warnings of January–June 2022
// (the source report: "发布寒潮、大风、暴雨等各类灾害天气预警信息17次").
type demoWarning struct {
	typ, level string
	at         string // effective time, Beijing
	hours      int    // in force for
	desc       string
	instr      string
}

var demoWarnings = []demoWarning{
	{"cold_wave", "blue", "2022-01-07 10:00", 48, "受强冷空气影响，预计未来48小时我县最低气温下降8℃以上，最低气温降至2℃以下，偏北风5～6级。", "注意添衣保暖；做好大棚、畜禽等防寒防冻；户外作业注意安全。"},
	{"gale", "blue", "2022-01-20 16:00", 24, "预计未来24小时我县平均风力可达6级，阵风7级。", "加固临时搭建物和广告牌；停止高空作业；注意防火。"},
	{"snowstorm", "yellow", "2022-01-26 20:00", 24, "预计未来12小时我县降雪量将达6毫米以上，道路积雪。", "做好道路除雪防滑；暂停户外施工；检查大棚和简易房屋承重。"},
	{"road_icing", "yellow", "2022-01-28 07:00", 24, "受降雪和低温影响，我县部分路段出现对交通有影响的道路结冰。", "车辆减速慢行；交通、公安部门加强道路巡查和交通疏导。"},
	{"cold_wave", "yellow", "2022-02-12 09:00", 48, "预计未来24小时我县最低气温下降10℃以上，最低气温降至0℃以下，偏北风6级。", "注意防寒保暖；做好水管、供电线路防冻；危化品企业做好防冻检查。"},
	{"fog", "yellow", "2022-02-20 05:30", 12, "预计未来12小时我县将出现能见度小于500米的浓雾。", "驾驶人员控制车速；机场、高速公路、渡口加强调度和管理。"},
	{"gale", "blue", "2022-03-03 14:00", 24, "预计未来24小时我县平均风力6级，阵风7～8级，并伴有森林高火险。", "加强野外用火管理；加固户外设施；停止高空和户外危险作业。"},
	{"cold_wave", "blue", "2022-03-16 10:00", 48, "受冷空气影响，预计未来48小时我县最低气温下降8℃以上。", "注意防寒保暖，做好春播作物和设施农业防冻。"},
	{"lightning", "yellow", "2022-04-05 13:00", 6, "预计未来6小时我县将出现雷电活动，可能发生雷电灾害事故。", "人员尽量留在室内；危化品、烟花爆竹企业暂停露天作业，检查防雷设施。"},
	{"gale", "yellow", "2022-04-11 12:00", 12, "预计未来12小时我县平均风力可达8级，阵风9级。", "停止露天集体活动和高空作业；加固围挡、塔吊和临时建筑。"},
	{"hail", "orange", "2022-04-25 15:00", 6, "预计未来6小时我县将出现冰雹，并伴有雷雨大风。", "人员切勿外出；妥善保护农作物、车辆；注意防范雷电。"},
	{"rainstorm", "blue", "2022-05-04 08:00", 12, "预计未来12小时我县降雨量将达50毫米以上。", "注意防范城市内涝和山洪；地质灾害隐患点加强巡查。"},
	{"lightning", "yellow", "2022-05-22 14:00", 6, "预计未来6小时我县将出现雷电活动，局部伴有短时强降水。", "人员避免户外活动；建筑工地暂停塔吊作业；检查防雷设施。"},
	{"rainstorm", "yellow", "2022-06-04 17:00", 12, "预计未来6小时我县降雨量将达50毫米以上。", "切断低洼地带有危险的室外电源；转移危险地带人员；防汛责任人上岗到位。"},
	{"rainstorm", "orange", "2022-06-13 02:00", 12, "预计未来3小时我县降雨量将达50毫米以上，局地有山洪和地质灾害风险。", "停止户外作业；转移危险区域群众；非煤矿山、尾矿库停产撤人。"},
	{"heat", "yellow", "2022-06-20 11:00", 48, "预计未来连续三天我县日最高气温将在35℃以上。", "避免午后高温时段户外作业；企业落实防暑降温措施；注意用电和防火安全。"},
	{"heat", "orange", "2022-06-29 10:00", 72, "预计未来24小时我县最高气温将升至37℃以上。", "高温时段停止户外露天作业；危化品企业加强温度监控和喷淋降温。"},
}

// DemoID is the fixed ID of the i-th demo warning (loading twice changes
// nothing).
func DemoID(i int) string { return fmt.Sprintf("01J0DEMOWARNING00000000%03d", i+1) }

func demoHash(s string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(s))
	return int(h.Sum32() % 1000)
}

// Demo loads the demo warnings: each drafted by the duty officer
// (author) about 20 minutes after the weather bureau's signal, approved
// by the leader, published (without sending: these are records of the
// past) to the towns and the member departments, and acknowledged by the
// units within the hour or two. On the last one (in force on the demo
// date) three units have not acknowledged yet.
func (s *Service) Demo(ctx context.Context, out io.Writer, author, approver *auth.Principal) error {
	if author == nil || approver == nil {
		fmt.Fprintln(out, "warnings: demo users zhiban and leader missing, skipped")
		return nil
	}
	towns, err := s.towns(ctx, author.CountyCode)
	if err != nil {
		return err
	}
	var all []string
	for code := range towns {
		all = append(all, code)
	}
	made := 0
	for i, d := range demoWarnings {
		id := DemoID(i)
		if _, err := getWarning(ctx, s.db.R(), id); err == nil {
			continue
		} else if !errs.Is(err, errs.NotFound) {
			return err
		}
		eff, err := time.ParseInLocation("2006-01-02 15:04", d.at, cst)
		if err != nil {
			return err
		}
		drafted := eff.Add(-40 * time.Minute)
		w := Warning{ID: id, Source: "县气象局", Type: d.typ, Level: d.level, Towns: all, AreaDesc: "全县", Departments: true,
			EffectiveAt: eff, ExpiresAt: eff.Add(time.Duration(d.hours) * time.Hour), Description: d.desc, Instruction: d.instr}
		if _, err := s.draftAt(ctx, author, w, drafted); err != nil {
			return fmt.Errorf("demo warning %d: %w", i+1, err)
		}
		if _, err := s.approve(ctx, approver, id, drafted.Add(12*time.Minute)); err != nil {
			return fmt.Errorf("demo warning %d approve: %w", i+1, err)
		}
		pub := drafted.Add(20 * time.Minute)
		if _, err := s.publish(ctx, author, id, pub, false); err != nil {
			return fmt.Errorf("demo warning %d publish: %w", i+1, err)
		}
		recs, err := recipientsOf(ctx, s.db.R(), id)
		if err != nil {
			return err
		}
		last := i == len(demoWarnings)-1
		err = s.db.InTx(ctx, func(tx *store.Tx) error {
			left := 0
			for _, r := range recs {
				if last && left < 3 && (r.Kind == RecipientDepartment || r.Ref == author.CountyCode+"100") {
					left++
					continue
				}
				by := r.Name + "值班员"
				if r.Ref == author.CountyCode+"100" {
					by = "籍山镇安监员"
				}
				at := pub.Add(time.Duration(8+demoHash(id+r.Ref)%100) * time.Minute).UTC()
				if _, err := s.ackTx(ctx, tx, audit.System(author.CountyCode), r, by, "app", at); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		made++
	}
	fmt.Fprintf(out, "warnings: %d demo warnings loaded\n", made)
	return nil
}
