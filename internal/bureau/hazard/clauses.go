package hazard

import (
	"slices"
	"strings"
)

// Clause is one item of a major-hazard determination standard
// (重大事故隐患判定标准) that a major hazard cites. A hazard stores the
// clause's Code; a clause typed by hand (a standard not in the list, e.g.
// another department's) is stored as typed.
type Clause struct {
	Code     string `json:"code"`
	Standard string `json:"standard"` // short name of the standard
	Article  string `json:"article"`  // article or section
	Item     string `json:"item"`     // item within it
	Text     string `json:"text"`     // the item, abridged
}

// Label is how a clause is shown: standard, article, item and text.
func (c Clause) Label() string {
	return strings.TrimSpace(c.Standard + " " + c.Article + c.Item + " " + c.Text)
}

// Ref is the short citation: standard, article and item.
func (c Clause) Ref() string { return strings.TrimSpace(c.Standard + " " + c.Article + c.Item) }

// Standards cited by the clauses below (full titles).
var Standards = map[string]string{
	"gm10": "《工贸企业重大事故隐患判定标准》（应急管理部令第10号，2023年5月15日起施行）",
	"gm17": "《工贸行业重大生产安全事故隐患判定标准（2017版）》（安监总管四〔2017〕129号，2023年5月15日起被10号令取代）",
	"hg":   "《化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）》（安监总管三〔2017〕121号）",
	"yh":   "《烟花爆竹生产经营单位重大生产安全事故隐患判定标准（试行）》（安监总管三〔2017〕121号）",
	"ks88": "《金属非金属矿山重大事故隐患判定标准》（矿安〔2022〕88号，2022年9月1日起施行）",
	"ks98": "《金属非金属矿山重大生产安全事故隐患判定标准（试行）》（安监总管一〔2017〕98号，2022年9月1日起被88号取代）",
}

// InForce is the period a standard applies in: from its first day in force to its
// last (either empty when open). A clause applies to a hazard found in its
// standard's period; a hazard found before a standard took effect cites
// its predecessor.
type InForce struct {
	From  string `json:"from,omitempty"`  // first day in force (YYYY-MM-DD)
	Until string `json:"until,omitempty"` // last day in force (YYYY-MM-DD)
}

// standardPeriods are the periods of the standards (domain.md §1.2 [V]:
// 10号令 in force 2023-05-15, replacing the 2017 工贸 standard; 矿安
// 〔2022〕88号 in force 2022-09-01, replacing 98号). The first days of the
// 2017 standards are not verified in domain.md and are left open rather
// than guessed.
var standardPeriods = map[string]InForce{
	"gm10": {From: "2023-05-15"},
	"gm17": {Until: "2023-05-14"},
	"hg":   {},
	"yh":   {},
	"ks88": {From: "2022-09-01"},
	"ks98": {Until: "2022-08-31"},
}

// StandardOf is the key of a listed clause's standard ("" when the clause
// is not in the list).
func StandardOf(code string) string {
	if _, ok := ClauseOf(code); !ok {
		return ""
	}
	std, _, _ := strings.Cut(strings.TrimSpace(code), "-")
	return std
}

// PeriodOf is the period in force of a listed clause's standard.
func PeriodOf(code string) InForce { return standardPeriods[StandardOf(code)] }

// ClauseInForce reports whether a clause may be cited for a hazard found
// on a day (YYYY-MM-DD): a listed clause only within its standard's
// period; a clause typed by hand, or an unknown day, is not checked.
func ClauseInForce(code, foundOn string) bool {
	p := PeriodOf(code)
	if foundOn == "" {
		return true
	}
	return (p.From == "" || foundOn >= p.From) && (p.Until == "" || foundOn <= p.Until)
}

// ClausesOn lists the clauses that fit a sector and are in force on a
// day (the form's choices for a hazard found that day).
func ClausesOn(sector, foundOn string) []Clause {
	var out []Clause
	for _, c := range ClausesFor(sector) {
		if ClauseInForce(c.Code, foundOn) {
			out = append(out, c)
		}
	}
	return out
}

// standardSectors are the supervised sectors each standard applies to: 工贸
// (10号令, 2017版) to the 工贸 industries, 化工 to hazardous chemicals and
// petrol stations, 烟花 to fireworks, the mine standards to 非煤矿山.
var standardSectors = map[string][]string{
	"gm10": {"metallurgy", "nonferrous", "building_materials", "machinery", "light", "textile", "tobacco", "commerce"},
	"gm17": {"metallurgy", "nonferrous", "building_materials", "machinery", "light", "textile", "tobacco", "commerce"},
	"hg":   {"chem_produce", "chem_trade", "chem_use", "petrol"},
	"yh":   {"fireworks_wholesale", "fireworks_retail"},
	"ks88": {"mine"},
	"ks98": {"mine"},
}

// ClauseFits reports whether a clause may be cited for a hazard of a
// sector: a listed clause only for the sectors its standard applies to;
// a clause typed by hand, or a hazard outside the supervised sectors
// (other departments' sites), is not checked.
func ClauseFits(code, sector string) bool {
	std, _, _ := strings.Cut(code, "-")
	sectors, listed := standardSectors[std]
	if _, known := ClauseOf(code); !known || !listed {
		return true
	}
	covered := false
	for _, list := range standardSectors {
		if slices.Contains(list, sector) {
			covered = true
		}
	}
	return !covered || slices.Contains(sectors, sector)
}

// ClausesFor lists the clauses that fit a sector (all of them when the
// sector has no standard of its own).
func ClausesFor(sector string) []Clause {
	var out []Clause
	for _, c := range Clauses {
		if ClauseFits(c.Code, sector) {
			out = append(out, c)
		}
	}
	return out
}

// Clauses is the code list of determination-standard items (domain.md
// §1.2). The texts are abridged from the published standards; the
// article numbers of 10号令 §12–14 and the item numbering of 88号 were
// taken from secondary copies and should be checked against the official
// texts before they are relied on in documents. Hazards found before a
// standard took effect cite its predecessor (e.g. a mine hazard found in
// 2022-03 cites 98号, not 88号).
var Clauses = []Clause{
	// 工贸企业 (10号令): 管理类, then the special categories.
	{"gm10-3-1", "工贸10号令", "第三条", "第（一）项", "未对承包单位、承租单位的安全生产工作统一协调、管理，或者未定期进行安全检查"},
	{"gm10-3-2", "工贸10号令", "第三条", "第（二）项", "特种作业人员未按照规定经专门的安全作业培训并取得相应资格，上岗作业"},
	{"gm10-3-3", "工贸10号令", "第三条", "第（三）项", "金属冶炼企业主要负责人、安全生产管理人员未按照规定经考核合格"},
	{"gm10-12-1", "工贸10号令", "第十二条", "第（一）项", "粉尘爆炸危险场所设置在非框架结构的多层建（构）筑物内，或者粉尘爆炸危险场所内设有员工宿舍、会议室、办公室、休息室等人员聚集场所"},
	{"gm10-12-2", "工贸10号令", "第十二条", "第（二）项", "不同类别的可燃性粉尘、可燃性粉尘与可燃气体等易加剧爆炸危险的介质共用一套除尘系统，或者不同建（构）筑物、不同防火分区共用一套除尘系统、除尘系统互联互通"},
	{"gm10-12-3", "工贸10号令", "第十二条", "第（三）项", "干式除尘系统未采取泄爆、惰化、抑爆等任一种爆炸防控措施"},
	{"gm10-13-1", "工贸10号令", "第十三条", "第（一）项", "包装、分割、产品整理场所的空调系统采用氨直接蒸发制冷"},
	{"gm10-13-2", "工贸10号令", "第十三条", "第（二）项", "快速冻结装置未设置在单独的作业间内，或者快速冻结装置作业间内作业人员数量超过9人"},
	{"gm10-14-1", "工贸10号令", "第十四条", "第（一）项", "未对有限空间进行辨识、建立安全管理台账，并且未设置明显的安全警示标志"},
	{"gm10-14-2", "工贸10号令", "第十四条", "第（二）项", "未落实有限空间作业审批，或者未执行“先通风、再检测、后作业”要求，或者作业现场未设置监护人员"},
	// 工贸行业 2017版 (in force until 2023-05-15; cited by hazards found in 2022).
	{"gm17-dust-3", "工贸2017版", "专项类（粉尘防爆）", "第3项", "干式除尘系统未规范采用泄爆、隔爆、惰化、抑爆等任一种控爆措施"},
	{"gm17-nh3-1", "工贸2017版", "专项类（液氨制冷）", "第1项", "包装间、分割间、产品整理间等人员较多生产场所的空调系统采用氨直接蒸发制冷系统"},
	{"gm17-space-2", "工贸2017版", "专项类（有限空间）", "第2项", "未对有限空间作业场所进行辨识，并设置明显安全警示标志"},
	// 化工和危险化学品 (2017-121号, 20 items). Items 6–11, 13 and 19 were
	// completed from a public code copy of the standard (a secondary
	// source): check their wording against the official text.
	{"hg-1", "化工121号", "", "第一项", "危险化学品生产、经营单位主要负责人和安全生产管理人员未依法经考核合格"},
	{"hg-2", "化工121号", "", "第二项", "特种作业人员未持证上岗"},
	{"hg-3", "化工121号", "", "第三项", "涉及“两重点一重大”的生产装置、储存设施外部安全防护距离不符合国家标准要求"},
	{"hg-4", "化工121号", "", "第四项", "涉及重点监管危险化工工艺的装置未实现自动化控制，系统未实现紧急停车功能，装备的自动化控制系统、紧急停车系统未投入使用"},
	{"hg-5", "化工121号", "", "第五项", "构成一级、二级重大危险源的危险化学品罐区未实现紧急切断功能；涉及毒性气体、液化气体、剧毒液体的一级、二级重大危险源的危险化学品罐区未配备独立的安全仪表系统"},
	{"hg-6", "化工121号", "", "第六项", "全压力式液化烃储罐未按国家标准设置注水措施"},
	{"hg-7", "化工121号", "", "第七项", "液化烃、液氨、液氯等易燃易爆、有毒有害液化气体的充装未使用万向管道充装系统"},
	{"hg-8", "化工121号", "", "第八项", "光气、氯气等剧毒气体及硫化氢气体管道穿越除厂区（包括化工园区、工业园区）外的公共区域"},
	{"hg-9", "化工121号", "", "第九项", "地区架空电力线路穿越生产区且不符合国家标准要求"},
	{"hg-10", "化工121号", "", "第十项", "在役化工装置未经正规设计且未进行安全设计诊断"},
	{"hg-11", "化工121号", "", "第十一项", "使用淘汰落后安全技术工艺、设备目录列出的工艺、设备"},
	{"hg-12", "化工121号", "", "第十二项", "涉及可燃和有毒有害气体泄漏的场所未按国家标准设置检测报警装置，爆炸危险场所未按国家标准安装使用防爆电气设备"},
	{"hg-13", "化工121号", "", "第十三项", "控制室或机柜间面向具有火灾、爆炸危险性装置一侧不满足国家标准关于防火防爆的要求"},
	{"hg-14", "化工121号", "", "第十四项", "化工生产装置未按国家标准要求设置双重电源供电，自动化控制系统未设置不间断电源"},
	{"hg-15", "化工121号", "", "第十五项", "安全阀、爆破片等安全附件未正常投用"},
	{"hg-16", "化工121号", "", "第十六项", "未建立与岗位相匹配的全员安全生产责任制或者未制定实施生产安全事故隐患排查治理制度"},
	{"hg-17", "化工121号", "", "第十七项", "未制定操作规程和工艺控制指标"},
	{"hg-18", "化工121号", "", "第十八项", "未按照国家标准制定动火、进入受限空间等特殊作业管理制度，或者制度未有效执行"},
	{"hg-19", "化工121号", "", "第十九项", "新开发的危险化学品生产工艺未经小试、中试、工业化试验直接进行工业化生产；国内首次使用的化工工艺未经过省级人民政府有关部门组织的安全可靠性论证；新建装置未制定试生产方案投料开车；精细化工企业未按规范性文件要求开展反应安全风险评估"},
	{"hg-20", "化工121号", "", "第二十项", "未按国家标准分区分类储存危险化学品，超量、超品种储存危险化学品，相互禁配物质混放混存"},
	// 烟花爆竹 (2017-121号 附件, 20 items). Items 3, 4, 9, 11–13, 16 and 17
	// were completed from a public code copy of the standard (a secondary
	// source; domain.md §1.2 notes a summary that counts 10 items): check
	// their wording against the official text. That copy words item 8
	// "擅自改变工（库）房用途或者违规私搭乱建".
	{"yh-1", "烟花爆竹121号", "", "第一项", "主要负责人、安全生产管理人员未依法经考核合格"},
	{"yh-2", "烟花爆竹121号", "", "第二项", "特种作业人员未持证上岗，作业人员带药检维修设备设施"},
	{"yh-3", "烟花爆竹121号", "", "第三项", "职工自行携带工器具、机器设备进厂进行涉药作业"},
	{"yh-4", "烟花爆竹121号", "", "第四项", "工（库）房实际作业人员数量超过核定人数"},
	{"yh-5", "烟花爆竹121号", "", "第五项", "工（库）房实际滞留、存储药量超过核定药量"},
	{"yh-6", "烟花爆竹121号", "", "第六项", "工（库）房内、外部安全距离不足，防护屏障缺失或者不符合要求"},
	{"yh-7", "烟花爆竹121号", "", "第七项", "防静电、防火、防雷设备设施缺失或者失效"},
	{"yh-8", "烟花爆竹121号", "", "第八项", "擅自改变工（库）房设计用途"},
	{"yh-9", "烟花爆竹121号", "", "第九项", "工厂围墙缺失或者分区设置不符合国家标准"},
	{"yh-10", "烟花爆竹121号", "", "第十项", "将氧化剂、还原剂同库储存、违规预混或者在同一工房内粉碎、称量"},
	{"yh-11", "烟花爆竹121号", "", "第十一项", "在用涉药机械设备未经安全性论证或者擅自更改、改变用途"},
	{"yh-12", "烟花爆竹121号", "", "第十二项", "中转库、药物总库和成品总库的存储能力与设计产能不匹配"},
	{"yh-13", "烟花爆竹121号", "", "第十三项", "未建立与岗位相匹配的全员安全生产责任制或者未制定实施生产安全事故隐患排查治理制度"},
	{"yh-14", "烟花爆竹121号", "", "第十四项", "出租、出借、转让、买卖、冒用或者伪造许可证"},
	{"yh-15", "烟花爆竹121号", "", "第十五项", "生产经营的产品种类、危险等级超许可范围或者生产使用违禁药物"},
	{"yh-16", "烟花爆竹121号", "", "第十六项", "分包转包生产线、工房、库房组织生产经营"},
	{"yh-17", "烟花爆竹121号", "", "第十七项", "一证多厂或者多股东各自独立组织生产经营"},
	{"yh-18", "烟花爆竹121号", "", "第十八项", "许可证过期、整顿改造、恶劣天气等停产停业期间组织生产经营"},
	{"yh-19", "烟花爆竹121号", "", "第十九项", "烟花爆竹仓库存放其他爆炸物等危险物品或者生产经营违禁超标产品"},
	{"yh-20", "烟花爆竹121号", "", "第二十项", "零售点与居民居住场所设置在同一建筑物内或者在零售场所使用明火"},
	// 金属非金属矿山 (矿安〔2022〕88号): underground, open pit, tailings.
	{"ks88-d-1", "矿山88号", "地下矿山", "第（一）项", "安全出口不符合要求：矿井直达地面的独立安全出口少于2个，或者与设计不一致"},
	{"ks88-d-2", "矿山88号", "地下矿山", "第（二）项", "使用国家明令禁止使用的设备、材料或者工艺"},
	{"ks88-d-3", "矿山88号", "地下矿山", "第（三）项", "不同矿权主体的相邻矿山井巷相互贯通，或者同一矿权主体相邻独立生产系统的井巷擅自贯通"},
	{"ks88-d-4", "矿山88号", "地下矿山", "第（四）项", "地下矿山现状图纸未按规定保存，或者生产矿山每3个月、基建矿山每1个月未更新，或者图纸与实际严重不符"},
	{"ks88-d-6", "矿山88号", "地下矿山", "第（六）项", "矿区及其附近的地表水或者大气降水危及井下安全时，未按照设计采取防治水措施"},
	{"ks88-d-7", "矿山88号", "地下矿山", "第（七）项", "井下主要排水系统与设计不符或者排水能力不足"},
	{"ks88-d-18", "矿山88号", "地下矿山", "第（十八）项", "主要通风系统不符合要求：未按设计形成通风系统，或者主通风机不能正常运转"},
	{"ks88-d-20", "矿山88号", "地下矿山", "第（二十）项", "担负提升人员的提升系统安全保护装置缺失或者失效"},
	{"ks88-l-1", "矿山88号", "露天矿山", "第（一）项", "地下开采转露天开采前，未探明采空区和溶洞，或者未按设计处理对露天开采安全有威胁的采空区和溶洞"},
	{"ks88-l-3", "矿山88号", "露天矿山", "第（三）项", "未采用自上而下的开采顺序分台阶或者分层开采"},
	{"ks88-l-7", "矿山88号", "露天矿山", "第（七）项", "边坡出现滑移现象或者存在较大范围的裂缝，未采取有效处理措施"},
	{"ks88-l-9", "矿山88号", "露天矿山", "第（九）项", "凹陷露天矿山未按照设计建设防洪、排洪设施"},
	{"ks88-w-1", "矿山88号", "尾矿库", "第（一）项", "库区或者尾矿坝上存在未按设计进行开采、挖掘、爆破等活动"},
	{"ks88-w-3", "矿山88号", "尾矿库", "第（三）项", "坝体的平均外坡比或者堆积子坝的外坡比陡于设计坡比"},
	{"ks88-w-4", "矿山88号", "尾矿库", "第（四）项", "坝体高度超过设计总坝高，或者尾矿库超设计库容贮存尾矿"},
	// 金属非金属矿山 (安监总管一〔2017〕98号), for hazards found before 2022-09-01.
	{"ks98-d-1", "矿山98号", "一、地下矿山", "（一）", "安全出口不符合国家标准、行业标准或者设计要求"},
	{"ks98-d-2", "矿山98号", "一、地下矿山", "（二）", "使用国家明令禁止使用的设备、材料和工艺"},
	{"ks98-d-3", "矿山98号", "一、地下矿山", "（三）", "相邻矿山的井巷相互贯通"},
	{"ks98-d-4", "矿山98号", "一、地下矿山", "（四）", "没有及时填绘图纸，现状图与实际严重不符"},
	{"ks98-d-7", "矿山98号", "一、地下矿山", "（七）", "排水系统与设计要求不符，导致排水能力降低"},
}

var clauseByCode = func() map[string]Clause {
	m := make(map[string]Clause, len(Clauses))
	for _, c := range Clauses {
		m[c.Code] = c
	}
	return m
}()

// ClauseOf returns the clause with a code.
func ClauseOf(code string) (Clause, bool) {
	c, ok := clauseByCode[strings.TrimSpace(code)]
	return c, ok
}

// ClauseText is how a stored clause is shown: the code list's label, or
// the clause as typed.
func ClauseText(code string) string {
	if c, ok := ClauseOf(code); ok {
		return c.Label()
	}
	return code
}

// FindClause reads a clause from an Excel cell or a form: a code, the
// full label, or a citation (standard short name, article and item, e.g.
// "化工121号第二十项"). It returns the code when found; otherwise the text
// as typed (a clause of a standard outside the list) and false.
func FindClause(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	if c, ok := ClauseOf(s); ok {
		return c.Code, true
	}
	flat := func(x string) string { return strings.Join(strings.Fields(x), "") }
	fs := flat(s)
	for _, c := range Clauses {
		if fs == flat(c.Label()) || fs == flat(c.Ref()) {
			return c.Code, true
		}
	}
	return s, false
}

// SearchClauses returns the clauses whose label contains every word of q
// (all of them for an empty q).
func SearchClauses(q string) []Clause {
	words := strings.Fields(q)
	var out []Clause
	for _, c := range Clauses {
		l := c.Code + " " + c.Label()
		ok := true
		for _, w := range words {
			if !strings.Contains(l, w) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, c)
		}
	}
	return out
}
