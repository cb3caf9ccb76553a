package hazard

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/attach"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
)

// Demo campaigns (专项行动) of the source report's half year.
const (
	CampaignBig    = "2022年安全生产大检查"   // F-BIG-1…3 (1–5月)
	CampaignFlood  = "2022年汛前防汛隐患排查"  // F-FLOOD-1
	CampaignForest = "2022年森林防灭火隐患排查" // F-FIRE-1
)

// The demo's major hazards have fixed IDs so that the supervision demo
// (挂牌督办, extensions) can find them: the 3 of the 2022 大检查 (F-BIG-2)
// and the 5 of the 4 underground mines found by the third party in
// 2022-03 (F-MINE-1, F-MINE-3). The demo leaves them ordered, with
// complete plans (五到位), open and not listed.
var (
	DemoBigMajorIDs  = []string{"01J0DEMOHAZARDBIGMAJOR0001", "01J0DEMOHAZARDBIGMAJOR0002", "01J0DEMOHAZARDBIGMAJOR0003"}
	DemoMineMajorIDs = []string{"01J0DEMOHAZARDMINEMAJOR001", "01J0DEMOHAZARDMINEMAJOR002", "01J0DEMOHAZARDMINEMAJOR003",
		"01J0DEMOHAZARDMINEMAJOR004", "01J0DEMOHAZARDMINEMAJOR005"}
)

// Demo loads the demo county's hazards, their timelines and the
// enterprises' self-reports. Loading twice changes nothing: the 2022
// 大检查's hazards are the marker. The records reproduce the source
// report's hazard figures (seed-facts.md) with these filters:
//
//	F-BIG-1  StatsBy(Filter{Campaign: CampaignBig, From: 2022-01-01, To: 2022-05-31}, "grade"):
//	         general found 3265, rectified (closed by 05-31) 2979; major 3.
//	F-BIG-3  the same with Source: SourceSelfCheck: general 2276, rectified 2158.
//	         The enterprises' self-checks are a SUBSET of the 3265: the
//	         campaign's total is everything found in the county during it,
//	         and 企业自查 is its largest source (2276 of 3265; the other 989
//	         were found by towns, member departments and the bureau).
//	F-MINE-1 Filter{Unit: 监管一股, Sector: "mine", From: 2022-01-01, To: 2022-06-30}:
//	         general 166 (81 by the section's 25 inspections + 85 by the
//	         third party), major 5 (the third party's).
//	F-MINE-3 Filter{Sector: "mine", Source: SourceThirdParty, 2022 H1}: 90 at the
//	         4 underground mines, 5 major.
//	F-CHEM-1 Filter{Unit: 监管一股, Sectors: chemicals, fireworks and petrol, 2022 H1}: 51.
//	F-FLOOD-1 Filter{Campaign: CampaignFlood}: 47.
//	F-FIRE-1 Filter{Campaign: CampaignForest}: 5.
//
// The sets do not overlap: the campaigns are told apart by Campaign, the
// mine and chemicals sections' own findings are outside every campaign.
func (s *Service) Demo(ctx context.Context, out io.Writer, county string, who DemoPeople) error {
	return s.demo(ctx, out, county, who)
}

// DemoPeople are the demo users who appear in the demo timelines (any
// may be nil).
type DemoPeople struct {
	Section1, Section2, Enforcer, Town, Department, Enterprise *auth.Principal
}

// demoActor is who records or checks a hazard.
type demoActor struct {
	unitID, unitName string
	userID, name     string
	docPrefix        string // 责令整改 / 复查 document prefix
}

type demoGen struct {
	rnd      *rand.Rand
	county   string
	recs     []Record
	evs      []Event
	files    []demoFile
	towns    []string // town codes
	townName map[string]string
	docSeq   map[string]int
}

type demoFile struct {
	eventIdx int
	name     string
	shade    color.RGBA
}

// spec is one demo hazard to generate.
type spec struct {
	id         string
	ent        *enterprise.Enterprise
	place      string // place-only hazards
	town       string
	actor      demoActor
	source     Source
	sourceRef  string
	campaign   string
	grade      Grade
	clause     string
	category   Category
	desc, spot string
	found      string
	closeOn    string // "" while open
	openState  State  // when open: Graded, Ordered, Rectifying or PendingReview
	deadline   string
	fixer      string // who rectified (enterprise's safety manager, site manager)
	fixerID    string // their user id when they have an account
	plan       bool   // complete 治理方案 (majors)
	selfCheck  bool
	photos     []string // file names of photos at the report, submit and verify steps
}

func dayStr(t time.Time) string { return t.Format(DateLayout) }

func addDays(s string, n int) string { return dayStr(mustDate(s).AddDate(0, 0, n)) }

func minStr(a, b string) string {
	if a < b {
		return a
	}
	return b
}

func maxStr(a, b string) string {
	if a > b {
		return a
	}
	return b
}

// randDay is a day in [from, to], more often towards late when late.
func (g *demoGen) randDay(from, to string, late bool) string {
	a, b := mustDate(from), mustDate(to)
	n := int(b.Sub(a).Hours()/24+0.5) + 1
	k := g.rnd.IntN(n)
	if late {
		k = max(k, g.rnd.IntN(n))
	}
	return dayStr(a.AddDate(0, 0, k))
}

func (g *demoGen) doc(prefix, kind string) string {
	g.docSeq[prefix+kind]++
	return fmt.Sprintf("（示）%s%s〔2022〕%d号", prefix, kind, g.docSeq[prefix+kind])
}

// emit builds the stored hazard and its dated events from a spec.
func (g *demoGen) emit(s spec) {
	r := Record{ID: s.id, CountyCode: g.county, Source: s.source, SourceRef: s.sourceRef, Campaign: s.campaign, Grade: s.grade,
		Clause: s.clause, Category: s.category, Description: s.desc, Place: s.spot, FoundOn: s.found, UnitID: s.actor.unitID,
		ReportedBy: s.actor.userID, Responsible: s.fixer}
	if s.ent != nil {
		r.EnterpriseID, r.PlaceName, r.TownCode, r.Sector = s.ent.ID, s.ent.Name, s.ent.TownCode, s.ent.Sector
	} else {
		r.PlaceName, r.TownCode = s.place, s.town
	}
	if s.selfCheck {
		r.ReportedBy = s.fixerID
	}
	if r.ID == "" {
		r.ID = demoID(mustDate(s.found), g.rnd)
	}
	var at time.Time
	step := func(a Action, from, to State, on, note, doc, deadline string, by, byName string, photos int) int {
		t := mustDate(on).Add(9*time.Hour + time.Duration(g.rnd.IntN(480))*time.Minute)
		if !t.After(at) {
			t = at.Add(time.Duration(1+g.rnd.IntN(90)) * time.Minute)
		}
		at = t
		g.evs = append(g.evs, Event{ID: demoID(t, g.rnd), HazardID: r.ID, Action: a, From: from, To: to, OnDay: on, At: t.UTC(), ByUser: by,
			ByName: byName, Note: note, DocNumber: doc, Deadline: deadline, Evidence: photos})
		return len(g.evs) - 1
	}
	photo := func(i int, name string) {
		g.files = append(g.files, demoFile{eventIdx: i, name: name, shade: color.RGBA{uint8(60 + g.rnd.IntN(120)), uint8(80 + g.rnd.IntN(120)), uint8(60 + g.rnd.IntN(100)), 255}})
	}
	inspector, inspectorName := s.actor.userID, s.actor.name
	fixer, fixerName := s.fixerID, s.fixer
	if fixerName == "" {
		fixerName = "整改责任人"
	}
	reportBy, reportName := inspector, inspectorName
	if s.selfCheck {
		reportBy, reportName = fixer, fixerName+"（企业自查）"
	}
	nPhotos := func(k int) int {
		if k < len(s.photos) && s.photos[k] != "" {
			return 1
		}
		return 0
	}
	ev := step(ActReport, "", Reported, s.found, "", s.sourceRef, "", reportBy, reportName, nPhotos(0))
	if nPhotos(0) > 0 {
		photo(ev, s.photos[0])
	}
	r.State = Reported
	if s.selfCheck && s.closeOn != "" {
		// 企业自查自改: closed by the enterprise with its photos.
		r.Grade = General
		step(ActSelfDone, Reported, Closed, s.closeOn, "自查发现后立即整改完毕", "", "", fixer, fixerName, 0)
		r.State, r.RectifiedBy, r.RectifiedOn, r.VerifiedOn, r.ClosedOn = Closed, fixer, s.closeOn, s.closeOn, s.closeOn
		g.recs = append(g.recs, r)
		return
	}
	gradeOn := s.found
	if s.grade == Major {
		gradeOn = minStr(addDays(s.found, 2+g.rnd.IntN(4)), maxStr(s.found, s.closeOrLimit()))
	}
	step(ActGrade, Reported, Graded, gradeOn, "", "", "", reportBy, reportName, 0)
	r.State = Graded
	if s.plan {
		r.PlanMeasures = "停止相关区域作业，编制专项整改方案，委托有资质单位设计施工，整改完成后组织专家验收"
		r.PlanFunds = fmt.Sprintf("%d万元，企业自筹，专款专用", 20+g.rnd.IntN(180))
		r.PlanDeadline = s.deadline
		r.PlanPerson = s.fixer + "（主要负责人）"
		r.PlanEmergency = "已制定现场处置方案，落实专人监护，配备应急物资，险情时立即撤人"
	}
	if s.openState == Graded && s.closeOn == "" {
		g.recs = append(g.recs, r)
		return
	}
	orderBy, orderName := inspector, inspectorName
	doc, onSite := "", false
	switch {
	case s.selfCheck:
		orderBy, orderName = fixer, fixerName
	case s.grade == Major || g.rnd.IntN(5) < 2:
		doc = g.doc(s.actor.docPrefix, "责改")
	default:
		onSite = true
	}
	orderOn := gradeOn
	if s.grade == Major {
		orderOn = minStr(addDays(gradeOn, 1+g.rnd.IntN(3)), maxStr(gradeOn, s.closeOrLimit()))
	}
	note := ""
	if onSite {
		note = "现场责令整改"
	}
	step(ActOrder, Graded, Ordered, orderOn, note, doc, s.deadline, orderBy, orderName, 0)
	r.State, r.Deadline, r.OrderNumber, r.OnSite = Ordered, s.deadline, doc, onSite
	if s.closeOn == "" {
		if s.openState == Rectifying || s.openState == PendingReview {
			step(ActStart, Ordered, Rectifying, minStr(addDays(orderOn, 1), maxStr(orderOn, "2022-06-30")), "", "", s.deadline, fixer, fixerName, 0)
			r.State = Rectifying
		}
		if s.openState == PendingReview {
			sub := maxStr(orderOn, minStr(addDays(orderOn, 5), "2022-06-30"))
			i := step(ActSubmit, Rectifying, PendingReview, sub, "已按要求整改完毕，申请复查", "", s.deadline, fixer, fixerName, nPhotos(1))
			if nPhotos(1) > 0 {
				photo(i, s.photos[1])
			}
			r.State, r.RectifiedBy, r.RectifiedOn = PendingReview, fixer, sub
		}
		g.recs = append(g.recs, r)
		return
	}
	submit := maxStr(orderOn, addDays(s.closeOn, -g.rnd.IntN(3)))
	i := step(ActSubmit, Ordered, PendingReview, submit, "整改完毕", "", s.deadline, fixer, fixerName, nPhotos(1))
	if nPhotos(1) > 0 {
		photo(i, s.photos[1])
	}
	review := ""
	if doc != "" {
		review = g.doc(s.actor.docPrefix, "复查")
	}
	i = step(ActVerify, PendingReview, Verified, s.closeOn, "经复查，隐患已整改到位", review, s.deadline, inspector, inspectorName, nPhotos(2))
	if nPhotos(2) > 0 {
		photo(i, s.photos[2])
	}
	step(ActClose, Verified, Closed, s.closeOn, "", "", s.deadline, inspector, inspectorName, 0)
	r.State, r.RectifiedBy, r.RectifiedOn, r.VerifiedOn, r.ReviewNumber, r.ClosedOn = Closed, fixer, submit, s.closeOn, review, s.closeOn
	g.recs = append(g.recs, r)
}

func (s spec) closeOrLimit() string {
	if s.closeOn != "" {
		return s.closeOn
	}
	return "2022-06-30"
}

// demoID makes a ULID-like key for a demo record at t from the demo's own
// random source (deterministic demo data).
func demoID(t time.Time, r *rand.Rand) string {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	ms := uint64(t.UnixMilli())
	var b [26]byte
	for i := 9; i >= 0; i-- {
		b[i] = alphabet[ms&31]
		ms >>= 5
	}
	for i := 10; i < 26; i++ {
		b[i] = alphabet[r.IntN(32)]
	}
	return string(b[:])
}

// group generates n hazards of one kind found in [from, to]: k of them
// closed on or before closedBy, m more closed after it up to lateBy, the
// rest open (more often those found late). gen fills in a spec for
// hazard i (it may set its own finding day).
func (g *demoGen) group(n, k, m int, from, to, closedBy, lateBy string, gen func(i int, found string) spec) {
	found := make([]string, n)
	for i := range found {
		found[i] = g.randDay(from, to, false)
	}
	sort.Strings(found)
	// The hazards not closed by closedBy come from the later 40%.
	idx := g.rnd.Perm(n)
	tail := n - n*6/10
	if tail < n-k {
		tail = n - k
	}
	late := map[int]bool{}
	for _, i := range idx {
		if len(late) == n-k {
			break
		}
		if i >= n-tail {
			late[i] = true
		}
	}
	lateClosed := 0
	for i := 0; i < n; i++ {
		s := gen(i, found[i])
		if s.found == "" {
			s.found = found[i]
		}
		if s.deadline == "" {
			s.deadline = addDays(s.found, 7+g.rnd.IntN(24))
		}
		switch {
		case !late[i]:
			s.closeOn = minStr(addDays(s.found, 1+g.rnd.IntN(20)), closedBy)
		case lateClosed < m:
			lateClosed++
			s.closeOn = g.randDay(maxStr(addDays(closedBy, 1), s.found), lateBy, false)
		default:
			s.closeOn = ""
			if s.openState == "" {
				s.openState = []State{Ordered, Ordered, Rectifying, PendingReview}[g.rnd.IntN(4)]
			}
		}
		g.emit(s)
	}
}

// weighted picks an index by weight.
func (g *demoGen) weighted(w []float64) int {
	total := 0.0
	for _, x := range w {
		total += x
	}
	v := g.rnd.Float64() * total
	for i, x := range w {
		if v < x {
			return i
		}
		v -= x
	}
	return len(w) - 1
}

// Descriptions by kind of place.
var (
	descWorkplace = []string{"配电箱未设置漏电保护装置", "消防通道被货物堵塞", "灭火器压力不足未及时更换", "安全出口指示标志损坏",
		"机械设备防护罩缺失", "员工未按规定佩戴劳动防护用品", "安全生产责任制未及时修订", "隐患排查治理台账记录不全",
		"特种作业人员证书过期", "应急预案未按规定开展演练", "车间电气线路私拉乱接", "有限空间作业未设置警示标志",
		"危险作业未办理审批手续", "安全警示标志缺失", "气瓶未固定放置", "登高作业平台护栏缺失", "除尘系统未定期清灰",
		"叉车司机无证驾驶", "仓库物品堆放超高", "安全培训记录不完整"}
	descMine = []string{"井下巷道局部支护锚杆松动", "主扇风机备用电机未定期试运转", "井下避灾路线标识不清", "提升机房灭火器过期",
		"炸药库值班记录不全", "采空区未及时封闭", "井下作业人员未携带自救器", "排水泵房积水未及时清理", "人员定位系统部分基站故障",
		"露天边坡局部有浮石未清理", "破碎站防护栏杆缺失", "尾矿库排洪设施巡查记录不全", "井口信号装置不清晰", "安全检查记录未签字"}
	// Chemicals producers and traders, petrol stations and fireworks
	// dealers each get their own kind of finding (descFor).
	descChem = []string{"储罐区可燃气体报警仪未定期校验", "防爆区域使用非防爆手电", "动火作业票填写不规范", "危化品仓库未张贴安全周知卡",
		"静电接地线连接松动", "装卸作业未设专人监护", "应急池未保持空置"}
	descPetrol = []string{"加油站卸油口未设置静电接地报警器", "加油机防撞设施缺失", "油罐区可燃气体报警仪未定期校验",
		"卸油作业未设专人监护", "静电接地线连接松动", "站内配电箱未设置漏电保护装置"}
	descFireworks = []string{"烟花爆竹经营场所灭火器配备不足", "超量存放烟花爆竹", "烟花爆竹与其他商品混存混放",
		"经营场所未张贴禁止烟火警示标志"}
	descSite = []string{"脚手架连墙件设置不足", "施工现场临时用电未做到一机一闸一漏", "塔吊限位装置失效", "基坑临边防护不到位",
		"高处作业人员未系安全带", "施工升降机防坠器超过检定期", "模板支撑体系未按方案搭设", "施工现场消防器材不足"}
	descFire = []string{"疏散通道堆放杂物", "消防设施未定期维护保养", "电动自行车在楼道内充电", "安全出口上锁",
		"自动喷水灭火系统末端压力不足", "火灾自动报警系统故障未修复", "厨房油烟管道未定期清洗", "消防控制室值班人员无证上岗"}
	descRoad       = []string{"道路临水临崖路段护栏缺失", "客运站安检设备故障", "桥梁伸缩缝损坏", "渡口救生设备配备不足", "急弯路段警示标志缺失"}
	descQuarantine = []string{"隔离点消防通道被占用", "隔离房间电热水器漏电保护失效", "隔离点应急照明不足", "隔离点燃气管道未设报警装置",
		"隔离点疏散指示标志缺失"}
	descFlood = []string{"圩堤局部渗漏", "山塘溢洪道淤堵", "小型水库放水涵管老化", "排涝泵站备用电源未到位", "河道行洪断面被侵占",
		"在建涉水工程度汛方案未报备", "地质灾害隐患点监测设施损坏", "低洼地段排水沟堵塞", "防汛物资储备不足"}
	descForest = []string{"林区输电线路下方可燃物未清理", "林缘农田焚烧秸秆", "林区祭祀用火管控不到位", "防火隔离带杂草丛生",
		"林区防火检查站值守人员不足"}
	peopleNames = []string{"王建国", "李志强", "张海涛", "刘春生", "陈明华", "杨文斌", "黄立新", "赵红梅", "吴玉兰", "周国庆", "徐德胜", "孙晓东"}
)

// descFor is the list of findings of the chemicals, petrol and fireworks
// sectors (nil for the others).
func descFor(sector string) []string {
	switch {
	case sector == "petrol":
		return descPetrol
	case strings.HasPrefix(sector, "fireworks"):
		return descFireworks
	case strings.HasPrefix(sector, "chem"):
		return descChem
	}
	return nil
}

// catOf guesses the category of a description.
func catOf(desc string) Category {
	switch {
	case strings.Contains(desc, "未按规定佩戴") || strings.Contains(desc, "无证") || strings.Contains(desc, "未系") || strings.Contains(desc, "未携带") ||
		strings.Contains(desc, "焚烧") || strings.Contains(desc, "充电"):
		return CatBehaviour
	case strings.Contains(desc, "记录") || strings.Contains(desc, "制度") || strings.Contains(desc, "责任制") || strings.Contains(desc, "审批") ||
		strings.Contains(desc, "预案") || strings.Contains(desc, "培训") || strings.Contains(desc, "证书") || strings.Contains(desc, "方案") ||
		strings.Contains(desc, "票"):
		return CatManagement
	}
	return CatThing
}

func (g *demoGen) pickDesc(list []string) string { return list[g.rnd.IntN(len(list))] }

func (s *Service) demo(ctx context.Context, out io.Writer, county string, who DemoPeople) error {
	sys := &auth.Principal{UserID: "system", Username: "system", DisplayName: "系统", Role: auth.RoleAdmin, CountyCode: county}
	var n int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM hazard WHERE county_code = $1 AND campaign = $2`, county, CampaignBig).Scan(&n); err != nil {
		return fmt.Errorf("demo hazards: %w", err)
	}
	if n > 0 {
		fmt.Fprintf(out, "demo: 0 hazards created (already loaded)\n")
		return nil
	}
	if s.org == nil {
		return fmt.Errorf("demo hazards need the region register (WithOrg)")
	}
	g := &demoGen{rnd: rand.New(rand.NewPCG(2022, 4)), county: county, townName: map[string]string{}, docSeq: map[string]int{}}
	regions, err := s.org.ListRegions(ctx, sys, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		return err
	}
	for _, r := range regions {
		g.towns = append(g.towns, r.Code)
		g.townName[r.Code] = r.Name
	}
	villages := map[string][]string{}
	vs, err := s.org.ListRegions(ctx, sys, org.RegionFilter{Level: org.LevelVillage})
	if err != nil {
		return err
	}
	for _, v := range vs {
		villages[v.ParentCode] = append(villages[v.ParentCode], v.Name)
	}
	village := func(t string) string {
		if l := villages[t]; len(l) > 0 {
			return l[g.rnd.IntN(len(l))]
		}
		return ""
	}
	units, err := s.org.ListUnits(ctx, sys, org.UnitFilter{})
	if err != nil {
		return err
	}
	unitByName := map[string]string{}
	townGov := map[string]org.Unit{}
	for _, u := range units {
		unitByName[u.Name] = u.ID
		if u.Kind == org.UnitTown {
			townGov[u.RegionCode] = u
		}
	}
	var ents []enterprise.Enterprise
	if err := s.ent.Each(ctx, sys, enterprise.Filter{}, func(e enterprise.Enterprise) error {
		ents = append(ents, e)
		return nil
	}); err != nil {
		return err
	}
	if len(g.towns) == 0 || len(ents) == 0 || unitByName["监管一股"] == "" {
		return fmt.Errorf("demo hazards need the demo towns, units and enterprises")
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].CreditCode < ents[j].CreditCode })
	byName := map[string]*enterprise.Enterprise{}
	bySector := map[string][]*enterprise.Enterprise{}
	byTown := map[string][]*enterprise.Enterprise{}
	for i := range ents {
		e := &ents[i]
		byName[e.Name] = e
		bySector[e.Sector] = append(bySector[e.Sector], e)
		byTown[e.TownCode] = append(byTown[e.TownCode], e)
	}
	actor := func(unit, prefix string, p *auth.Principal) demoActor {
		a := demoActor{unitID: unitByName[unit], unitName: unit, docPrefix: prefix}
		if p != nil && p.UnitID == a.unitID {
			a.userID, a.name = p.UserID, p.DisplayName
		} else {
			a.name = unit + " " + peopleNames[g.rnd.IntN(len(peopleNames))]
		}
		return a
	}
	jg1, jg2, zhifa := actor("监管一股", "应急", who.Section1), actor("监管二股", "应急", who.Section2), actor("执法大队", "应急", who.Enforcer)
	underground := []*enterprise.Enterprise{byName["示例县兆丰矿业有限公司"], byName["示例县铜南矿业有限公司"], byName["示例县近山矿业有限公司"],
		byName["示例县汇成矿业有限公司"]}
	for _, e := range underground {
		if e == nil {
			return fmt.Errorf("demo hazards need the 4 underground mines of the demo enterprises")
		}
	}
	qiyeID := ""
	if who.Enterprise != nil {
		qiyeID = who.Enterprise.UserID
	}
	fixerOf := func(e *enterprise.Enterprise) (string, string) {
		if e == nil {
			return peopleNames[g.rnd.IntN(len(peopleNames))], ""
		}
		if who.Enterprise != nil && e.ID == who.Enterprise.EnterpriseID {
			return e.SafetyName, qiyeID
		}
		return e.SafetyName, ""
	}
	var operating []*enterprise.Enterprise
	for i := range ents {
		if ents[i].Status == enterprise.StatusOperating {
			operating = append(operating, &ents[i])
		}
	}

	// 1. The 2022 大检查 (Jan–May): enterprises' self-checks, 2276 general,
	// 2158 closed by 05-31 (80 more in June).
	sectorWeight := map[string]float64{"mine": 25, "chem_produce": 30, "chem_trade": 8, "fireworks_wholesale": 15, "fireworks_retail": 1.2,
		"petrol": 6, "metallurgy": 14, "building_materials": 10, "machinery": 9, "light": 8, "textile": 7, "commerce": 6, "nonferrous": 12}
	w := make([]float64, len(operating))
	for i, e := range operating {
		w[i] = sectorWeight[e.Sector]
		if w[i] == 0 {
			w[i] = 3
		}
	}
	g.group(2276, 2158, 80, "2022-01-04", "2022-05-31", "2022-05-31", "2022-06-28", func(i int, found string) spec {
		e := operating[g.weighted(w)]
		desc := g.pickDesc(descWorkplace)
		if e.Sector == "mine" {
			desc = g.pickDesc(descMine)
		} else if list := descFor(e.Sector); list != nil {
			desc = g.pickDesc(list)
		}
		fixer, fixerID := fixerOf(e)
		return spec{ent: e, source: SourceSelfCheck, campaign: CampaignBig, grade: General, desc: desc, category: catOf(desc),
			fixer: fixer, fixerID: fixerID, selfCheck: true}
	})
	// Towns (属地检查): 420 general, 350 closed by 05-31.
	townWeight := map[string]float64{"100": 3, "101": 1.2, "102": 1, "103": 1, "104": 1.3, "105": 1.2, "106": 1, "107": 0.9, "400": 1.6}
	tw := make([]float64, len(g.towns))
	for i, t := range g.towns {
		tw[i] = townWeight[strings.TrimPrefix(t, county)]
		if tw[i] == 0 {
			tw[i] = 1
		}
	}
	townActors := map[string]demoActor{}
	for _, t := range g.towns {
		u := townGov[t]
		a := demoActor{unitID: u.ID, unitName: u.Name, docPrefix: strings.TrimSuffix(strings.TrimSuffix(g.townName[t], "镇"), "区")}
		if who.Town != nil && who.Town.UnitID == u.ID {
			a.userID, a.name = who.Town.UserID, who.Town.DisplayName
		} else {
			a.name = g.townName[t] + "安监员 " + peopleNames[g.rnd.IntN(len(peopleNames))]
		}
		townActors[t] = a
	}
	townPlaces := []string{"小作坊", "出租房", "农家乐", "农贸市场", "小餐饮店", "仓储点"}
	g.group(420, 350, 50, "2022-01-10", "2022-05-31", "2022-05-31", "2022-06-29", func(i int, found string) spec {
		t := g.towns[g.weighted(tw)]
		sp := spec{actor: townActors[t], source: SourceInspection, campaign: CampaignBig, grade: General}
		if list := byTown[t]; len(list) > 0 && g.rnd.IntN(3) > 0 {
			sp.ent = list[g.rnd.IntN(len(list))]
			sp.desc = g.pickDesc(descWorkplace)
		} else {
			sp.place, sp.town = g.townName[t]+village(t)+townPlaces[g.rnd.IntN(len(townPlaces))], t
			sp.desc = g.pickDesc(append(append([]string{}, descFire...), descWorkplace[:6]...))
		}
		sp.category = catOf(sp.desc)
		sp.fixer, sp.fixerID = fixerOf(sp.ent)
		return sp
	})
	// Member departments: 495 general, 420 closed by 05-31.
	type deptSpec struct {
		unit, prefix string
		n, k         int
		places       []string
		descs        []string
		atEnterprise bool
	}
	quarantine := make([]string, 26) // F-BIG-5: the 26 quarantine sites
	for i := range quarantine {
		quarantine[i] = fmt.Sprintf("第%d集中隔离点", i+1)
	}
	depts := []deptSpec{
		{"县住建局", "建安", 160, 136, []string{"城东安置房二期建筑工地", "经济开发区标准化厂房三期工地", "县第一中学新校区工地", "滨河花园小区工地",
			"农贸市场改造工程工地", "城南污水处理厂扩建工地", "县人民医院门诊楼工地", "工业园区道路工程"}, descSite, false},
		{"县消防救援大队", "消", 150, 128, []string{"示例县百货商场", "示例县宾馆", "城东KTV", "县老年公寓", "县体育馆", "示例县大酒店", "城西网吧",
			"县图书馆", "县客运站候车厅", "镇中心敬老院"}, descFire, false},
		{"县交通局", "交", 60, 50, []string{"G205国道K1826路段", "县汽车客运站", "弋江渡口", "青弋江大桥", "S321省道K45路段", "县公交停车场"}, descRoad, false},
		{"县市场监管局", "市监", 40, 34, nil, []string{"叉车未定期检验", "压力容器安全阀未校验", "电梯维保记录缺失", "锅炉水位表损坏", "起重机械限位失效"}, true},
		{"县教育局", "教", 20, 17, []string{"县实验小学", "县第二中学", "镇中心小学", "县幼儿园", "县职业中学"}, descFire, false},
		{"县卫健委", "卫", 30, 25, quarantine, descQuarantine, false},
		{"县文旅局", "文旅", 20, 17, []string{"丫山风景区", "县博物馆", "城区文化广场", "影剧院"}, descFire, false},
		{"县农业农村局", "农", 15, 13, []string{"农机专业合作社", "村级沼气站", "粮食烘干中心", "农产品冷库"}, descWorkplace[:8], false},
	}
	var workplaces []*enterprise.Enterprise
	for _, sec := range []string{"machinery", "light", "commerce", "building_materials", "metallurgy", "textile"} {
		workplaces = append(workplaces, bySector[sec]...)
	}
	for _, d := range depts {
		a := actor(d.unit, d.prefix, who.Department)
		g.group(d.n, d.k, (d.n-d.k)*7/10, "2022-01-17", "2022-05-31", "2022-05-31", "2022-06-30", func(i int, found string) spec {
			sp := spec{actor: a, source: SourceDepartment, campaign: CampaignBig, grade: General, desc: g.pickDesc(d.descs)}
			if d.atEnterprise {
				sp.ent = workplaces[g.rnd.IntN(len(workplaces))]
			} else {
				k := g.rnd.IntN(len(d.places))
				sp.place, sp.town = d.places[k], g.towns[(k*5+len(d.unit))%len(g.towns)] // each place in one town
			}
			sp.category = catOf(sp.desc)
			sp.fixer, sp.fixerID = fixerOf(sp.ent)
			return sp
		})
	}
	// The bureau (监管二股, 执法大队) at 工贸 enterprises: 74 general, 51 closed by 05-31.
	g.group(74, 51, 16, "2022-02-14", "2022-05-31", "2022-05-31", "2022-06-30", func(i int, found string) spec {
		a, src := jg2, SourceInspection
		if i%4 == 3 {
			a, src = zhifa, SourceExpert
		}
		e := workplaces[g.rnd.IntN(len(workplaces))]
		desc := g.pickDesc(descWorkplace)
		fixer, fixerID := fixerOf(e)
		return spec{ent: e, actor: a, source: src, campaign: CampaignBig, grade: General, desc: desc, category: catOf(desc), fixer: fixer, fixerID: fixerID}
	})
	// The campaign's 3 major hazards (F-BIG-2), ordered with complete plans.
	bigMajors := []struct {
		sector, clause, desc, spot, found, deadline string
		a                                           demoActor
	}{
		{"machinery", "gm17-dust-3", "抛光车间干式除尘系统未设置泄爆、隔爆等任一种控爆措施", "抛光车间", "2022-03-18", "2022-06-30", jg2},
		{"commerce", "gm17-nh3-1", "分割包装间空调系统采用氨直接蒸发制冷", "分割包装间", "2022-04-07", "2022-07-31", jg2},
		{"chem_produce", "hg-20", "甲类仓库氧化剂与还原剂混存，且超量储存", "甲类仓库", "2022-04-20", "2022-08-31", zhifa},
	}
	for i, m := range bigMajors {
		e := bySector[m.sector][0]
		if m.sector == "chem_produce" {
			if x := byName["示例县恒泰化工有限公司"]; x != nil {
				e = x
			}
		}
		_, fixerID := fixerOf(e)
		g.emit(spec{id: DemoBigMajorIDs[i], ent: e, actor: m.a, source: SourceInspection, campaign: CampaignBig, grade: Major, clause: m.clause,
			category: CatThing, desc: m.desc, spot: m.spot, found: m.found, deadline: m.deadline, openState: Ordered, fixer: e.PrincipalName,
			fixerID: fixerID, plan: true})
	}

	// 2. The mine section (监管一股), outside any campaign. The third
	// party's 体检 of the 4 underground mines (2022-03): 85 general and 5
	// major.
	thirdRef := "江西某安全评价机构《地下矿山安全现状全面体检报告》"
	perMine := []int{25, 22, 20, 18}
	tp := demoActor{unitID: jg1.unitID, unitName: jg1.unitName, userID: jg1.userID, name: jg1.name, docPrefix: "应急"}
	for mi, e := range underground {
		fixer, fixerID := fixerOf(e)
		g.group(perMine[mi], perMine[mi]-2+min(mi, 1), 0, "2022-03-08", "2022-03-11", "2022-06-30", "2022-06-30", func(i int, found string) spec {
			desc := g.pickDesc(descMine)
			return spec{ent: e, actor: tp, source: SourceThirdParty, sourceRef: thirdRef, grade: General, desc: desc, category: catOf(desc),
				fixer: fixer, fixerID: fixerID, deadline: addDays(found, 20+g.rnd.IntN(40))}
		})
	}
	mineMajors := []struct {
		mine               int
		clause, desc, spot string
	}{
		{0, "ks98-d-1", "-250m中段至地表的第二安全出口与设计不一致，局部断面不满足通行要求", "-250m中段"},
		{0, "ks98-d-4", "井下采掘工程平面图未及时填绘，现状图与实际严重不符", "技术科图纸"},
		{1, "ks98-d-7", "主排水泵房工作水泵能力不足，排水能力低于设计要求", "-180m主排水泵房"},
		{2, "ks98-d-3", "与相邻矿山-120m中段井巷存在贯通", "-120m中段东翼"},
		{3, "ks98-d-2", "井下仍在使用国家明令淘汰的空气压缩机", "井下空压机硐室"},
	}
	for i, m := range mineMajors {
		e := underground[m.mine]
		_, fixerID := fixerOf(e)
		g.emit(spec{id: DemoMineMajorIDs[i], ent: e, actor: tp, source: SourceThirdParty, sourceRef: thirdRef, grade: Major, clause: m.clause,
			category: CatThing, desc: m.desc, spot: m.spot, found: "2022-03-10", deadline: []string{"2022-09-30", "2022-07-31", "2022-08-31", "2022-07-15", "2022-06-30"}[i],
			openState: Ordered, fixer: e.PrincipalName, fixerID: fixerID, plan: true})
	}
	// The section's own 25 inspections (家次) in H1: 81 general hazards;
	// the last visit, to the demo enterprise on 2022-06-16, found the 4
	// showcase hazards (open in several states, one closed with photos).
	mines := bySector["mine"]
	demoEnt := underground[0]
	if who.Enterprise != nil {
		if x, ok := byID(ents, who.Enterprise.EnterpriseID); ok {
			demoEnt = x
		}
	}
	type visit struct {
		e        *enterprise.Enterprise
		day, ref string
	}
	visits := make([]visit, 24)
	for i := range visits {
		visits[i] = visit{e: mines[i%len(mines)], day: g.randDay("2022-01-10", "2022-06-10", false)}
	}
	sort.Slice(visits, func(i, j int) bool { return visits[i].day < visits[j].day })
	for i := range visits {
		visits[i].ref = fmt.Sprintf("（示）应急检记〔2022〕K%02d号", i+1)
	}
	g.group(77, 66, 0, "2022-01-10", "2022-06-10", "2022-06-30", "2022-06-30", func(i int, found string) spec {
		v := visits[i*len(visits)/77]
		desc := g.pickDesc(descMine)
		fixer, fixerID := fixerOf(v.e)
		return spec{ent: v.e, actor: jg1, source: SourceInspection, sourceRef: v.ref, grade: General, desc: desc, category: catOf(desc),
			fixer: fixer, fixerID: fixerID, found: v.day}
	})
	fixer, fixerID := fixerOf(demoEnt)
	showcase := []spec{
		{desc: "井下-210m中段巷道局部支护锚杆松动", spot: "-210m中段", openState: Ordered, deadline: "2022-07-10", photos: []string{"现场-锚杆松动.png"}},
		{desc: "炸药库值班记录不全，交接班签字缺失", spot: "地面炸药库", openState: Rectifying, deadline: "2022-07-05", category: CatManagement},
		{desc: "提升机房灭火器过期未更换", spot: "主井提升机房", openState: PendingReview, deadline: "2022-06-30",
			photos: []string{"", "整改后-灭火器.png"}},
		{desc: "主扇风机备用电机未定期试运转", spot: "主扇风机房", closeOn: "2022-06-24", deadline: "2022-06-25",
			photos: []string{"整改前-风机房.png", "整改后-试运转记录.png", "复查-风机房.png"}},
	}
	for _, sp := range showcase {
		sp.ent, sp.actor, sp.source, sp.sourceRef, sp.grade, sp.found = demoEnt, jg1, SourceInspection, "（示）应急检记〔2022〕K25号", General, "2022-06-16"
		sp.fixer, sp.fixerID = fixer, fixerID
		if sp.category == "" {
			sp.category = CatThing
		}
		g.emit(sp)
	}

	// 3. The chemicals and fireworks sector of 监管一股 (F-CHEM-1): 51
	// hazards in H1, 49 closed.
	var chem []*enterprise.Enterprise
	for _, sec := range []string{"chem_produce", "chem_trade", "fireworks_wholesale", "fireworks_retail", "petrol"} {
		chem = append(chem, bySector[sec]...)
	}
	cw := make([]float64, len(chem))
	for i, e := range chem {
		cw[i] = map[string]float64{"chem_produce": 8, "chem_trade": 3, "fireworks_wholesale": 6, "fireworks_retail": 0.05, "petrol": 2}[e.Sector]
	}
	g.group(51, 49, 0, "2022-01-12", "2022-06-22", "2022-06-30", "2022-06-30", func(i int, found string) spec {
		e := chem[g.weighted(cw)]
		desc := g.pickDesc(descFor(e.Sector))
		src := SourceInspection
		if i%6 == 5 {
			src = SourceExpert
		}
		fixer, fixerID := fixerOf(e)
		return spec{ent: e, actor: jg1, source: src, grade: General, desc: desc, category: catOf(desc), fixer: fixer, fixerID: fixerID}
	})

	// 4. The flood campaign (F-FLOOD-1): 47, by towns and 县水利局.
	water := actor("县水利局", "水", nil)
	floodPlaces := []string{"圩堤", "山塘", "小型水库", "排涝泵站", "涵闸", "河道", "地质灾害隐患点", "低洼易涝区"}
	g.group(47, 40, 0, "2022-03-21", "2022-05-31", "2022-06-30", "2022-06-30", func(i int, found string) spec {
		t := g.towns[g.weighted(tw)]
		a := townActors[t]
		if i%5 < 2 {
			a = water
		}
		desc := g.pickDesc(descFlood)
		return spec{place: g.townName[t] + village(t) + floodPlaces[g.rnd.IntN(len(floodPlaces))], town: t, actor: a, source: SourceInspection,
			campaign: CampaignFlood, grade: General, desc: desc, category: catOf(desc), fixer: peopleNames[g.rnd.IntN(len(peopleNames))]}
	})
	// 5. Forest fire prevention (F-FIRE-1): 5 by 县林业局, all rectified.
	forest := actor("县林业局", "林", nil)
	g.group(5, 5, 0, "2022-02-08", "2022-04-15", "2022-06-30", "2022-06-30", func(i int, found string) spec {
		t := g.towns[[]int{3, 4, 5, 6, 7}[i%5]%len(g.towns)]
		desc := descForest[i%len(descForest)]
		return spec{place: g.townName[t] + "林区", town: t, actor: forest, source: SourceDepartment, campaign: CampaignForest, grade: General,
			desc: desc, category: catOf(desc), fixer: peopleNames[g.rnd.IntN(len(peopleNames))]}
	})

	// Self-reports: the year 2021 (due 2022-01-31) and 2022Q1 (due
	// 2022-04-15), most on time, some late, some missing (应报未报). The
	// quarter's figures come from the records above.
	q1 := map[string]*SelfReportInput{}
	for _, r := range g.recs {
		if r.EnterpriseID == "" || r.FoundOn > "2022-03-31" {
			continue
		}
		x := q1[r.EnterpriseID]
		if x == nil {
			x = &SelfReportInput{}
			q1[r.EnterpriseID] = x
		}
		x.Found++
		done := r.State == Closed && r.ClosedOn <= "2022-03-31"
		if done {
			x.Rectified++
		}
		if r.Grade == Major {
			x.Major++
			if done {
				x.MajorRectified++
			}
		}
	}
	now := s.now().UTC()
	var reports []SelfReport
	for _, e := range operating {
		by := ""
		if who.Enterprise != nil && e.ID == who.Enterprise.EnterpriseID {
			by = qiyeID
		}
		for _, per := range []Period{{2021, 0}, {2022, 1}} {
			roll := g.rnd.IntN(100)
			if e.ID == demoEnt.ID {
				roll = 0 // the demo enterprise reports on time
			}
			var on string
			due := Date(per.Due())
			switch {
			case roll < 86:
				on = g.randDay(maxStr(addDays(due, -20), Date(per.End())), due, true)
			case roll < 93:
				on = g.randDay(addDays(due, 1), addDays(due, 25), false)
			default:
				continue // missing
			}
			in := SelfReportInput{}
			if per.Quarter == 0 {
				in.Found = 3 + g.rnd.IntN(30)
				in.Rectified = in.Found - g.rnd.IntN(min(3, in.Found)+1)
			} else if x := q1[e.ID]; x != nil {
				in = *x
			}
			reports = append(reports, SelfReport{ID: demoID(mustDate(on), g.rnd), CountyCode: county, EnterpriseID: e.ID, Period: per.String(),
				Found: in.Found, Rectified: in.Rectified, Major: in.Major, MajorRectified: in.MajorRectified, SubmittedOn: on,
				SignedBy: e.PrincipalName, SubmittedBy: by, CreatedAt: now, UpdatedAt: now})
		}
	}

	entries := make([]audit.Entry, 0, len(g.recs)+len(reports))
	for i := range g.recs {
		g.recs[i].CreatedAt, g.recs[i].UpdatedAt = now, now
		r := g.recs[i]
		entries = append(entries, audit.Entry{Entity: "hazard", EntityID: r.ID, Action: "import",
			After: map[string]any{"demo": true, "place": r.PlaceName, "found_on": r.FoundOn, "state": r.State, "campaign": r.Campaign}})
	}
	for _, r := range reports {
		entries = append(entries, audit.Entry{Entity: "hazard_self_report", EntityID: r.ID, Action: "import", After: map[string]any{"demo": true, "period": r.Period}})
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := insertHazards(ctx, tx, g.recs, nil); err != nil {
			return err
		}
		if err := insertEvents(ctx, tx, g.evs); err != nil {
			return err
		}
		if err := insertSelf(ctx, tx, reports); err != nil {
			return err
		}
		// The open hazards get their card now, as after an import.
		var open []string
		for _, r := range g.recs {
			if r.State.AwaitsRectification() && r.Deadline != "" {
				open = append(open, r.ID)
			}
		}
		if err := s.changedTx(ctx, tx, open...); err != nil {
			return err
		}
		for _, f := range g.files {
			ev := g.evs[f.eventIdx]
			by := ev.ByUser
			if by == "" {
				by = "system"
			}
			if _, err := s.attach.Save(ctx, tx, attach.Upload{CountyCode: county, OwnerEntity: "hazard_event", OwnerID: ev.ID, Filename: f.name,
				Reader: bytes.NewReader(demoPhoto(f.shade, g.rnd)), UploadedBy: by}); err != nil {
				return err
			}
		}
		return audit.RecordMany(ctx, tx, now, sys.Actor(), entries)
	})
	if err != nil {
		return fmt.Errorf("demo hazards: %w", err)
	}
	fmt.Fprintf(out, "demo: %d hazards created (%d events, %d self-reports)\n", len(g.recs), len(g.evs), len(reports))
	return nil
}

func byID(list []enterprise.Enterprise, id string) (*enterprise.Enterprise, bool) {
	for i := range list {
		if list[i].ID == id {
			return &list[i], true
		}
	}
	return nil, false
}

// demoPhoto draws a small picture standing in for a site photo.
func demoPhoto(c color.RGBA, r *rand.Rand) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for y := 0; y < 240; y++ {
		for x := 0; x < 320; x++ {
			f := float64(y) / 240
			img.Set(x, y, color.RGBA{uint8(float64(c.R) * (1 - f*0.4)), uint8(float64(c.G) * (1 - f*0.3)), uint8(float64(c.B) * (1 - f*0.2)), 255})
		}
	}
	for k := 0; k < 6; k++ {
		x0, y0 := r.IntN(260), r.IntN(180)
		w, h := 20+r.IntN(60), 20+r.IntN(60)
		shade := color.RGBA{uint8(r.IntN(255)), uint8(r.IntN(255)), uint8(r.IntN(255)), 255}
		for y := y0; y < min(240, y0+h); y++ {
			for x := x0; x < min(320, x0+w); x++ {
				img.Set(x, y, shade)
			}
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}
