package housing

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"yingji/internal/bureau/campaign/day"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
)

// DemoCampaign is the demo county's survey campaign.
const DemoCampaign = "2022年城乡自建房安全专项排查整治"

// DemoAsOf is the cut-off date of the figures the source report gives.
const DemoAsOf = "2022-06-09"

// Demo figures (seed facts F-HOUSE-1…5). The records' urban/rural split of
// the 685 buildings needing appraisal is 385 + 300; the source's report
// says 385 + 310 = 695, which the campaign's reported figures keep so
// that the mismatch shows as a warning.
const (
	DemoUrban            = 11568 // F-HOUSE-1
	DemoRural            = 116485
	DemoSuspectedUrban   = 750 // F-HOUSE-2
	DemoSuspectedRural   = 1468
	DemoNeedUrban        = 385 // F-HOUSE-3: 685
	DemoNeedRural        = 300
	DemoAppraisedByAsOf  = 310 // F-HOUSE-4
	DemoRemediatedByAsOf = 9
	// DemoPendingAppraisal buildings of 籍山镇 still wait for their
	// appraisal (work for the town's staff in the demo).
	DemoPendingAppraisal = 8
)

// demoTowns are the buildings per town (suffix of the town code): urban,
// rural. They add up to F-HOUSE-1.
var demoTowns = []struct {
	suffix       string
	urban, rural int
}{
	{"100", 4200, 14000}, {"101", 1300, 17500}, {"102", 1100, 18000}, {"103", 700, 13500}, {"104", 900, 14200},
	{"105", 800, 12800}, {"106", 600, 13100}, {"107", 500, 13385}, {"400", 1468, 0},
}

var demoSurnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾")
var demoGiven = []string{"建国", "志强", "海涛", "春生", "明华", "文斌", "立新", "红梅", "玉兰", "国庆", "德胜", "晓东", "永红", "卫东", "家兴", "金山"}
var demoAgencies = []string{"安徽省建筑工程质量监督检测站", "芜湖市建设工程质量检测中心", "示例县房屋安全鉴定所"}

// Demo loads the demo campaign with its 128,053 buildings and the figures
// the source reported. Loading twice changes nothing: a campaign of that
// name is left alone.
func (s *Service) Demo(ctx context.Context, out io.Writer, county string) error {
	p := &auth.Principal{UserID: "system", Username: "system", DisplayName: "系统", Role: auth.RoleAdmin, CountyCode: county}
	if _, err := s.CampaignByName(ctx, p, DemoCampaign); err == nil {
		return nil
	} else if !errs.Is(err, errs.NotFound) {
		return err
	}
	t0 := time.Now()
	recs, err := s.demoRecs(ctx, p)
	if err != nil {
		return err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		c, err := s.CreateCampaignTx(ctx, tx, p, Campaign{Name: DemoCampaign, StartsOn: "2022-04-25", EndsOn: "2022-08-31",
			Note: "按《示例县城乡自建房屋安全专项整治工作方案》及“百日攻坚行动”实施方案开展，排查全部城乡自建房，经营性自建房为重点。"})
		if err != nil {
			return err
		}
		for i := range recs {
			recs[i].campaign = c.ID
		}
		if err := s.writeRecs(ctx, tx, p, [][]rec{recs}, "demo", nil); err != nil {
			return err
		}
		if _, err := s.SetReportedTx(ctx, tx, p, c.ID, DemoReported()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.now(), p.Actor(), audit.Entry{Entity: "housing_campaign", EntityID: c.ID, Action: "demo_load",
			After: map[string]any{"buildings": len(recs)}})
	})
	if err != nil {
		return fmt.Errorf("demo buildings: %w", err)
	}
	fmt.Fprintf(out, "demo: %d self-built houses in %s (%.1fs)\n", len(recs), DemoCampaign, time.Since(t0).Seconds())
	return nil
}

func i64(v int64) *int64 { return &v }

// DemoReported are the figures of the source report as of 6月9日, with its
// inconsistent split of the buildings needing appraisal (F-HOUSE-5).
func DemoReported() Reported {
	return Reported{AsOf: DemoAsOf, Note: "县应急管理局2022年上半年工作总结", Figures: map[Metric]ReportedFigure{
		MSurveyed:      {Total: i64(128053), Urban: i64(11568), Rural: i64(116485)},
		MSuspected:     {Total: i64(2218), Urban: i64(750), Rural: i64(1468)},
		MNeedAppraisal: {Total: i64(685), Urban: i64(385), Rural: i64(310)},
		MAppraised:     {Total: i64(310)},
		MRemediated:    {Total: i64(9)},
	}}
}

// demoDay is a day between from and to (inclusive).
func demoDay(r *rand.Rand, from, to string) string {
	n := day.Between(from, to)
	if n <= 0 {
		return from
	}
	return day.Add(from, r.IntN(n+1))
}

// later is a day 1…span days after d, not after limit (d itself when no
// room).
func later(r *rand.Rand, d string, span int, limit string) string {
	x := day.Add(d, 1+r.IntN(span))
	if limit != "" && x > limit {
		x = limit
	}
	if x < d {
		return d
	}
	return x
}

// demoRecs generates the buildings; their stages reproduce F-HOUSE-1…4.
func (s *Service) demoRecs(ctx context.Context, p *auth.Principal) ([]rec, error) {
	regions, err := s.org.ListRegions(ctx, p, org.RegionFilter{})
	if err != nil {
		return nil, err
	}
	communities, villages := map[string][]string{}, map[string][]string{}
	names := map[string]string{}
	for _, x := range regions {
		names[x.Code] = x.Name
		if x.Level != org.LevelVillage {
			continue
		}
		if x.Kind == "社区" || strings.HasSuffix(x.Name, "社区") {
			communities[x.ParentCode] = append(communities[x.ParentCode], x.Code)
		} else {
			villages[x.ParentCode] = append(villages[x.ParentCode], x.Code)
		}
	}
	r := rand.New(rand.NewPCG(2022, 609))
	// The 初判 gradings and the remediation of buildings judged not to
	// need an appraisal draw from their own source, so the buildings
	// chosen above stay the same.
	r2 := rand.New(rand.NewPCG(2022, 610))
	// The records are generated up to the end of 2022 at least and then
	// cut at today: a step after today is not taken yet.
	today := s.Today()
	upto := max(today, "2022-12-31")
	var recs []rec
	var urban, rural []int // indexes into recs
	for _, t := range demoTowns {
		town := p.CountyCode + t.suffix
		if names[town] == "" {
			return nil, fmt.Errorf("demo buildings need the demo towns (no %s)", town)
		}
		seq := 0
		for i := 0; i < t.urban+t.rural; i++ {
			isUrban := i < t.urban
			pool := villages[town]
			if isUrban {
				pool = communities[town]
			}
			vil := ""
			if len(pool) > 0 {
				vil = pool[r.IntN(len(pool))]
			}
			seq++
			business := r.IntN(100) < 3
			if isUrban {
				business = r.IntN(100) < 22
			}
			b := rec{code: fmt.Sprintf("ZJ%s%06d", town, seq), town: town, village: vil, urban: isUrban, business: business,
				address: fmt.Sprintf("%s%s%d号", names[town], names[vil], 1+r.IntN(400)), structure: Structures[r.IntN(4)],
				storeys: int32(1 + r.IntN(4)), year: int32(1975 + r.IntN(46)), area: float64(60+r.IntN(540)) + float64(r.IntN(10))/10,
				ownerName:  string(demoSurnames[r.IntN(len(demoSurnames))]) + demoGiven[r.IntN(len(demoGiven))],
				ownerPhone: fmt.Sprintf("13%d%08d", 5+r.IntN(5), r.IntN(100000000))}
			if isUrban {
				b.storeys = int32(2 + r.IntN(6))
			}
			if business {
				b.businessType = BusinessTypes[r.IntN(len(BusinessTypes))]
			}
			b.surveyed = day.Number(demoDay(r, "2022-04-25", "2022-05-31"))
			b.judged = b.surveyed // 初判 at the survey
			b.stage = indexOf(Stages, NoHazard)
			b.level, b.cStructure, b.cLegal = indexOf(levelCodes, LevelNone), indexOf(checkCodes, CheckOK), indexOf(checkCodes, CheckOK)
			b.cBusiness = indexOf(checkCodes, CheckNA)
			if business {
				b.cBusiness = indexOf(checkCodes, CheckOK)
			}
			if isUrban {
				urban = append(urban, len(recs))
			} else {
				rural = append(rural, len(recs))
			}
			recs = append(recs, b)
		}
	}
	// Choose the suspected and, of them, those needing appraisal.
	pick := func(pool []int, n int) ([]int, []int) {
		r.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
		return pool[:n], pool[n:]
	}
	suspU, _ := pick(urban, DemoSuspectedUrban)
	suspR, _ := pick(rural, DemoSuspectedRural)
	needU, noU := pick(append([]int(nil), suspU...), DemoNeedUrban)
	needR, noR := pick(append([]int(nil), suspR...), DemoNeedRural)
	for _, i := range append(append([]int(nil), suspU...), suspR...) {
		b := &recs[i]
		b.hazard = true
		b.assessed = day.Number(later(r, day.FromNumber(b.judged), 20, "2022-06-08"))
		if day.FromNumber(b.assessed) < "2022-05-20" {
			b.assessed = day.Number(demoDay(r, max("2022-05-20", day.FromNumber(b.judged)), "2022-06-08"))
		}
		b.assessor = uint8(1 + r.IntN(2))
		b.stage = indexOf(Stages, NoAppraisal)
		// 初判: mostly 一般隐患, some 存在倒塌风险; the items found wanting.
		b.level = indexOf(levelCodes, LevelGeneral)
		if r2.IntN(100) < 12 {
			b.level = indexOf(levelCodes, LevelCollapse)
		}
		check := func(problemPct int) uint8 {
			if r2.IntN(100) < problemPct {
				return indexOf(checkCodes, CheckProblem)
			}
			return indexOf(checkCodes, CheckOK)
		}
		b.cStructure, b.cLegal = check(80), check(35)
		b.cBusiness = indexOf(checkCodes, CheckNA)
		if b.business {
			b.cBusiness = check(50)
		}
		if b.cStructure != indexOf(checkCodes, CheckProblem) && b.cBusiness != indexOf(checkCodes, CheckProblem) && b.cLegal != indexOf(checkCodes, CheckProblem) {
			b.cStructure = indexOf(checkCodes, CheckProblem)
		}
	}
	// No appraisal needed: the hazard found at the 初判 is still
	// remediated (整治) before closure; the work starts after 6月9日 (the
	// source's 9 remediated buildings are appraised ones), a few still open.
	noNeed := append(append([]int(nil), noU...), noR...)
	for k, i := range noNeed {
		b := &recs[i]
		if k < 20 {
			continue
		}
		ms := []uint8{1, 2, 3, 4}
		if b.level == indexOf(levelCodes, LevelCollapse) {
			ms = ms[:3] // a collapse risk is not merely restricted
		}
		b.measure = ms[r2.IntN(len(ms))]
		b.remediated = day.Number(later(r2, max(day.FromNumber(b.assessed), DemoAsOf), 40, upto))
		b.closed = day.Number(later(r2, day.FromNumber(b.remediated), 20, upto))
		b.stage = indexOf(Stages, Closed)
	}
	need := append(append([]int(nil), needU...), needR...)
	sort.Slice(need, func(a, b int) bool { return recs[need[a]].assessed < recs[need[b]].assessed })
	// The earliest assessed are appraised by 6月9日; 8 of 籍山镇's wait.
	jishan := p.CountyCode + "100"
	pending := 0
	var early, late []int
	for k, i := range need {
		if k < DemoAppraisedByAsOf {
			early = append(early, i)
			continue
		}
		if recs[i].town == jishan && pending < DemoPendingAppraisal {
			recs[i].need, recs[i].stage = true, indexOf(Stages, NeedAppraisal)
			pending++
			continue
		}
		late = append(late, i)
	}
	grade := func() uint8 {
		switch x := r.IntN(100); {
		case x < 14:
			return 1
		case x < 54:
			return 2
		case x < 87:
			return 3
		}
		return 4
	}
	appraise := func(i int, from, to string) {
		b := &recs[i]
		b.need = true
		from = max(from, day.Add(day.FromNumber(b.assessed), 1))
		b.appraised = day.Number(demoDay(r, from, max(from, to)))
		b.grade = grade()
		b.agency = demoAgencies[r.IntN(len(demoAgencies))]
		b.stage = indexOf(Stages, Appraised)
	}
	for _, i := range early {
		appraise(i, "2022-05-21", DemoAsOf)
	}
	for _, i := range late {
		appraise(i, "2022-06-10", "2022-08-31")
	}
	// Remediation of C and D: 9 done by 6月9日, the rest later, a few open.
	remediate := func(i int, to string) {
		b := &recs[i]
		ms := []uint8{1, 2, 3, 4}
		if b.grade == 4 {
			ms = ms[:3] // a D building is not merely restricted
		}
		b.measure = ms[r.IntN(len(ms))]
		b.remediated = day.Number(later(r, day.FromNumber(b.appraised), 120, to))
		b.stage = indexOf(Stages, Remediated)
	}
	done := 0
	sort.Slice(early, func(a, b int) bool { return recs[early[a]].appraised < recs[early[b]].appraised })
	for _, i := range early {
		b := &recs[i]
		if done < DemoRemediatedByAsOf && b.grade >= 3 && day.FromNumber(b.appraised) < DemoAsOf {
			remediate(i, DemoAsOf)
			done++
		}
	}
	open := 0
	for _, i := range append(append([]int(nil), early...), late...) {
		b := &recs[i]
		switch {
		case b.grade >= 3 && b.remediated == 0:
			if open < 12 {
				open++
				continue
			}
			remediate(i, upto)
			b.remediated = max(b.remediated, day.Number("2022-06-10"))
			b.closed = day.Number(later(r, day.FromNumber(b.remediated), 20, upto))
			b.stage = indexOf(Stages, Closed)
		case b.grade >= 3:
			// remediated by 6月9日: closed after it
			b.closed = day.Number(later(r, max(day.FromNumber(b.remediated), DemoAsOf), 20, upto))
			b.stage = indexOf(Stages, Closed)
		default:
			b.closed = day.Number(later(r, max(day.FromNumber(b.appraised), DemoAsOf), 30, upto))
			b.stage = indexOf(Stages, Closed)
		}
	}
	if done != DemoRemediatedByAsOf {
		return nil, fmt.Errorf("demo buildings: only %d remediated by %s", done, DemoAsOf)
	}
	// Cut every building at today, and check it obeys the rules (a cheap
	// self-check of the generator).
	for i := range recs {
		b := recs[i].building()
		steps := StepsOf(b)
		kept := steps[:0]
		for _, st := range steps {
			if st.On > today {
				break
			}
			kept = append(kept, st)
		}
		nb, _, err := Replay(b, kept, today)
		if err != nil {
			return nil, fmt.Errorf("demo building %s breaks the rules: %w", b.Code, err)
		}
		recs[i].setStages(nb)
	}
	return recs, nil
}
