package duty

import (
	"context"
	"fmt"
	"io"
	"time"

	"yingji/internal/kit/auth"
)

// Demo loads the demo duty records: the rotation lists, the roster of
// January–June 2022 generated month by month from them (181 days × one
// 带班领导 and two 值班员 = 543 person-shifts), thirteen incidents each
// reported up 首报 → 续报 → 终报 within its deadlines, and a few duty log
// entries. people maps names to demo user IDs (王局长 → leader, 周值班 →
// zhiban); locate places an incident in its town on the map (nil: no
// points). Loading twice changes nothing.
func (s *Service) Demo(ctx context.Context, out io.Writer, county string, people map[string]string, locate func(town string) (lat, lng float64, ok bool)) error {
	sys := &auth.Principal{UserID: "system", Username: "system", DisplayName: "系统", Role: auth.RoleAdmin, CountyCode: county}
	_, _, _, err := s.Settings(ctx, county)
	if err != nil {
		return err
	}
	var n int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM duty_setting WHERE county_code = $1`, county).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		st := DefaultSettings()
		for _, name := range []string{"王局长", "张副局长", "李副局长", "刘副局长", "陶主任"} {
			st.Leaders = append(st.Leaders, Person{Name: name, UserID: people[name]})
		}
		for _, name := range []string{"周值班", "陈晓", "吴敏", "郑磊", "孙婷", "何强", "钱芳"} {
			st.Officers = append(st.Officers, Person{Name: name, UserID: people[name]})
		}
		if _, err := s.SaveSettings(ctx, sys, st); err != nil {
			return err
		}
	}
	shifts := 0
	for m := 1; m <= 6; m++ {
		list, err := s.GenerateMonth(ctx, sys, fmt.Sprintf("2022-%02d", m))
		if err != nil && errMessage(err) != "duty.month_exists" {
			return err
		}
		shifts += len(list)
	}
	ps, _, err := s.PersonShifts(ctx, county, "2022-01-01", "2022-06-30", false)
	if err != nil {
		return err
	}
	var have int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM duty_incident WHERE county_code = $1`, county).Scan(&have); err != nil {
		return err
	}
	made := 0
	if have == 0 {
		for _, d := range demoIncidents(county) {
			if locate != nil {
				if lat, lng, ok := locate(d.in.TownCode); ok {
					d.in.Lat, d.in.Lng = lat, lng
				}
			}
			if err := s.demoIncident(ctx, sys, d); err != nil {
				return fmt.Errorf("demo incident %s: %w", d.in.Title, err)
			}
			made++
		}
		if err := s.demoLog(ctx, sys); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "duty: %d shifts generated, %d person-shifts Jan–Jun 2022, %d incidents\n", shifts, ps, made)
	return nil
}

type demoReport struct {
	kind string
	text string
	d, i int
}

type demoInc struct {
	in      Incident
	reports []demoReport
	instr   string
}

func at(day string, hm string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", day+" "+hm, Shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

func demoIncidents(county string) []demoInc {
	town := func(s string) string { return county + s }
	std := func(d, i int, first, follow, final string) []demoReport {
		return []demoReport{
			{First, first, d, i},
			{Follow, follow, d, i},
			{Final, final, d, i},
		}
	}
	return []demoInc{
		{Incident{Title: "籍山镇某机械厂机械伤害事故", ReceivedAt: at("2022-01-08", "09:10"), OccurredAt: at("2022-01-08", "08:40"), Source: "企业报告",
			Category: "accident", Subtype: "work_safety", Level: "general", TownCode: town("100"), Place: "籍山镇工业集中区", Injuries: 1,
			Summary: "一名操作工在冲压作业时右手受伤，已送县人民医院救治，无生命危险。"},
			std(0, 1, "电话报告市应急管理局：机械伤害致1人受伤，已送医。", "伤者病情稳定，企业已停产整顿冲压车间。", "伤者脱离危险，事故调查由县应急管理局组织开展。"), "督促企业全面排查设备安全防护装置。"},
		{Incident{Title: "G205国道弋江段道路结冰车辆追尾", ReceivedAt: at("2022-01-22", "07:20"), OccurredAt: at("2022-01-22", "06:55"), Source: "110转警",
			Category: "accident", Subtype: "traffic", Level: "general", TownCode: town("101"), Place: "G205国道弋江段", Injuries: 2,
			Summary: "受寒潮影响路面结冰，三车追尾，2人轻伤，交警、路政已到场处置。"},
			std(0, 2, "三车追尾，2人轻伤，现场已管控。", "道路已撒盐除冰，恢复通行。", "伤员均已出院，交通秩序恢复正常。"), ""},
		{Incident{Title: "许镇镇黄墓村民房火灾", ReceivedAt: at("2022-02-14", "20:05"), OccurredAt: at("2022-02-14", "19:40"), Source: "119转警",
			Category: "accident", Subtype: "fire", Level: "general", TownCode: town("102"), Place: "许镇镇黄墓村",
			Summary: "一处两层民房起火，消防救援大队出动2车10人，明火已扑灭，无人员伤亡。"},
			std(0, 0, "民房起火，消防已到场，无人员被困。", "明火已扑灭，正在清理余火。", "火灾原因初步认定为电气线路故障，无人员伤亡。"), ""},
		{Incident{Title: "工山镇牛头山村山林火情", ReceivedAt: at("2022-03-05", "13:30"), OccurredAt: at("2022-03-05", "13:00"), Source: "乡镇上报",
			Category: "natural", Subtype: "forest_fire", Level: "general", TownCode: town("104"), Place: "工山镇牛头山村后山",
			Summary: "村民祭祀用火引发山林火情，过火面积约3亩，镇村扑火队和县森林消防队已扑灭。"},
			std(0, 0, "山林火情，扑火力量已出动。", "明火已扑灭，留守人员看守火场。", "过火面积约3亩，无人员伤亡，肇事者已由公安机关控制。"), "加强清明前后野外用火管控。"},
		{Incident{Title: "三里镇危化品运输车侧翻", ReceivedAt: at("2022-03-27", "10:15"), OccurredAt: at("2022-03-27", "09:50"), Source: "部门通报",
			Category: "accident", Subtype: "hazmat", Level: "general", TownCode: town("105"), Place: "S321省道三里镇段",
			Summary: "一辆运输液碱的槽罐车侧翻，少量泄漏，已围堵处置，无人员伤亡。"},
			std(0, 0, "槽罐车侧翻，少量液碱泄漏，已设置警戒。", "泄漏物已围堵中和，车辆已吊离。", "道路恢复通行，环境监测未见异常。"), ""},
		{Incident{Title: "何湾镇某建筑工地高处坠落事故", ReceivedAt: at("2022-04-12", "15:40"), OccurredAt: at("2022-04-12", "15:05"), Source: "企业报告",
			Category: "accident", Subtype: "work_safety", Level: "general", TownCode: town("106"), Place: "何湾镇安置小区项目", Deaths: 1,
			Summary: "一名工人在脚手架作业时坠落，经抢救无效死亡。"},
			std(1, 0, "高处坠落致1人死亡，县住建局、县应急管理局已赶赴现场。", "工地已全面停工，善后工作有序开展。", "事故调查组已成立，企业主要负责人已约谈。"), "成立事故调查组，依法依规调查处理。"},
		{Incident{Title: "家发镇一农家宴疑似食物中毒", ReceivedAt: at("2022-04-30", "21:00"), OccurredAt: at("2022-04-30", "19:30"), Source: "县卫健委通报",
			Category: "health", Subtype: "food", Level: "general", TownCode: town("103"), Place: "家发镇东塘村", Injuries: 6,
			Summary: "一农家宴后6人出现呕吐腹泻症状，已送医治疗，病情稳定。"},
			std(0, 6, "6人疑似食物中毒，已送医。", "患者病情稳定，样品已送检。", "患者全部出院，市场监管部门已完成调查。"), ""},
		{Incident{Title: "烟墩镇强对流大风致厂房彩钢瓦掀翻", ReceivedAt: at("2022-05-09", "16:20"), OccurredAt: at("2022-05-09", "15:50"), Source: "乡镇上报",
			Category: "natural", Subtype: "weather", Level: "general", TownCode: town("107"), Place: "烟墩镇板石村",
			Summary: "强对流天气伴有8级大风，一处厂房屋面彩钢瓦被掀翻，无人员伤亡。"},
			[]demoReport{{First, "大风致厂房屋面受损，无人员伤亡。", 0, 0}, {Final, "受损屋面已临时加固，灾情已核实。", 0, 0}}, ""},
		{Incident{Title: "工山镇新岭村山体滑坡", ReceivedAt: at("2022-05-20", "06:50"), OccurredAt: at("2022-05-20", "05:30"), Source: "群测群防员报告",
			Category: "natural", Subtype: "geological", Level: "general", TownCode: town("104"), Place: "工山镇新岭村",
			Summary: "连续降雨引发小型山体滑坡，约200立方米土石堵塞村道，已转移群众5户12人。"},
			std(0, 0, "小型山体滑坡，已转移5户12人。", "村道清障完成，专业队伍开展监测。", "险情已排除，转移群众已返回。"), ""},
		{Incident{Title: "S216省道许镇段较大道路交通事故", ReceivedAt: at("2022-06-02", "11:05"), OccurredAt: at("2022-06-02", "10:40"), Source: "110转警",
			Category: "accident", Subtype: "traffic", Level: "large", TownCode: town("102"), Place: "S216省道许镇段", Deaths: 3, Injuries: 2,
			Summary: "一辆货车与面包车相撞，造成3人死亡、2人受伤。"},
			[]demoReport{
				{First, "货车与面包车相撞，3人死亡2人受伤，县政府主要负责同志已赶赴现场。", 3, 2},
				{Follow, "伤员在县人民医院救治，现场已清理。", 3, 2},
				{Follow, "伤员病情稳定，善后工作有序开展。", 3, 2},
				{Final, "事故调查工作已移交，交通已恢复。", 3, 2},
			}, "全力救治伤员，做好善后，举一反三开展道路交通安全隐患排查。"},
		{Incident{Title: "籍山镇城区暴雨内涝", ReceivedAt: at("2022-06-12", "05:40"), OccurredAt: at("2022-06-12", "04:00"), Source: "县气象局通报",
			Category: "natural", Subtype: "flood", Level: "general", TownCode: town("100"), Place: "籍山镇城东社区",
			Summary: "短时强降雨致城区低洼路段积水，转移群众8人，无人员伤亡。"},
			std(0, 0, "城区低洼路段积水，已转移8人。", "积水已基本排除，交通恢复。", "内涝已消除，无人员伤亡。"), ""},
		{Incident{Title: "弋江镇某污水处理厂有限空间中毒", ReceivedAt: at("2022-06-18", "14:25"), OccurredAt: at("2022-06-18", "13:55"), Source: "企业报告",
			Category: "accident", Subtype: "work_safety", Level: "general", TownCode: town("101"), Place: "弋江镇污水处理厂", Injuries: 2,
			Summary: "两名工人进入污水井作业时出现中毒症状，已救出送医。"},
			std(0, 2, "有限空间作业2人中毒，已送医。", "两名伤者病情稳定。", "伤者已出院，企业已停产整改有限空间作业管理。"), "在全县开展有限空间作业专项检查。"},
		{Incident{Title: "三里镇农贸市场燃气泄漏", ReceivedAt: at("2022-06-24", "08:35"), OccurredAt: at("2022-06-24", "08:10"), Source: "119转警",
			Category: "accident", Subtype: "utility", Level: "general", TownCode: town("105"), Place: "三里镇农贸市场",
			Summary: "市场一商户液化气瓶阀门泄漏，已疏散人员并关阀处置，未发生燃爆。"},
			std(0, 0, "燃气泄漏，已疏散群众。", "泄漏已处置，市场恢复营业。", "已对全镇餐饮商户开展燃气安全检查。"), ""},
	}
}

func (s *Service) demoIncident(ctx context.Context, sys *auth.Principal, d demoInc) error {
	in, err := s.CreateIncident(ctx, sys, d.in)
	if err != nil {
		return err
	}
	st, _, _, err := s.Settings(ctx, sys.CountyCode)
	if err != nil {
		return err
	}
	var prev time.Time
	for i, r := range d.reports {
		// Each report goes up well inside its deadline: the first 35
		// minutes after receipt, the next 40 minutes before it is due.
		when := in.ReceivedAt.Add(35 * time.Minute)
		if i > 0 {
			when = st.Deadlines.NextFollow(in.Level, prev).Add(-40 * time.Minute)
		}
		prev = when
		if _, err := s.AddReport(ctx, sys, in.ID, Report{Kind: r.kind, ReportedAt: when, To: "市应急管理局总值班室",
			Via: map[bool]string{true: "phone", false: "written"}[r.kind == First], Content: r.text, Deaths: r.d, Injuries: r.i}); err != nil {
			return fmt.Errorf("%s: %w", r.kind, err)
		}
	}
	if d.instr != "" {
		x, err := s.AddInstruction(ctx, sys, in.ID, Instruction{GivenBy: "王局长", GivenAt: in.ReceivedAt.Add(50 * time.Minute), Content: d.instr, Assignee: "应急指挥中心"})
		if err != nil {
			return err
		}
		if _, err := s.DoneInstruction(ctx, sys, x.ID, "已按批示要求落实并报告。"); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) demoLog(ctx context.Context, sys *auth.Principal) error {
	entries := []LogEntry{
		{Kind: LogSignIn, At: at("2022-06-28", "08:25"), Content: "周值班"},
		{Kind: LogCall, At: at("2022-06-28", "10:12"), Caller: "李先生", Unit: "许镇镇南塘村", Place: "许镇镇南塘村", Nature: "反映村道边坡有落石",
			Action: "已通知许镇镇政府和县自然资源局现场查看"},
		{Kind: LogCall, At: at("2022-06-28", "15:40"), Caller: "县气象局值班室", Unit: "县气象局", Nature: "通报暴雨黄色预警", Action: "已转发各乡镇和成员单位"},
		{Kind: LogEvent, At: at("2022-06-28", "21:30"), Content: "夜间巡查值班电话、视频会商系统运行正常。"},
		{Kind: LogCall, At: at("2022-06-29", "09:05"), Caller: "王女士", Unit: "籍山镇城西社区", Place: "城西社区农贸市场", Nature: "咨询燃气安全检查安排",
			Action: "已答复，并告知县住建局联系电话"},
	}
	for _, e := range entries {
		if _, err := s.AddLog(ctx, sys, e); err != nil {
			return err
		}
	}
	sh, ok, err := s.OnDuty(ctx, sys.CountyCode, at("2022-06-28", "12:00"))
	if err != nil || !ok {
		return err
	}
	// The shift was handed over at its end.
	_, err = s.handover(ctx, sys, sh.ID, "本班接报来电2起、事件1起，均已处置；暴雨黄色预警已转发，请下一班继续关注雨情。", sh.EndsAt.Add(-10*time.Minute))
	return err
}
