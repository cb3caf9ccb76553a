package app_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"yingji/internal/app"
	"yingji/internal/bureau/accident"
	"yingji/internal/bureau/duty"
	"yingji/internal/bureau/enforcement"
	"yingji/internal/bureau/enterprise"
	"yingji/internal/bureau/hazard"
	"yingji/internal/bureau/inspection"
	"yingji/internal/bureau/licence"
	"yingji/internal/bureau/prepare"
	"yingji/internal/bureau/reduction"
	"yingji/internal/bureau/relief"
	"yingji/internal/bureau/warning"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/demo"
	"yingji/internal/kit/figure"
	"yingji/internal/kit/org"
	"yingji/internal/kit/xlsx"
)

// The second dataset (issue 15, acceptance): a county generated with
// other sizes and mixes than the demo — seeded random numbers of
// enterprises per sector, hazards by source, grade, campaign and closure,
// accidents this year and last, duty shifts, flood teams, drills and
// trainings — written through the modules' Go services (forms and
// imports, with their rules). The test counts what it generates and the
// period report must give exactly those numbers, for the county and for a
// town, so no figure can be typed into code.
//
// YINGJI_GEN_SEED picks another county (the seed is logged on failure).
func TestGeneratedCountyReport(t *testing.T) { testGeneratedCounty(t, false) }

func TestGeneratedCountyReportOnPostgres(t *testing.T) { testGeneratedCounty(t, true) }

// genPeriod is the report's period; records are generated from a year
// before it (last year's period, 同比) to after it (outside the period).
var genPeriod = [2]string{"2025-01-01", "2025-06-30"}

const genToday = "2025-09-30"

// gen is the generated county and what the test counted while making it.
type gen struct {
	t    *testing.T
	a    *app.App
	ctx  context.Context
	rnd  *rand.Rand
	sys  *auth.Principal
	want map[string]map[string]int64 // figure → number key → value
	// town: the same for the town user's report (籍山镇).
	town     *auth.Principal
	townWant map[string]map[string]int64
	ents     []enterprise.Enterprise
	units    map[string]string // section name → unit id
}

func (g *gen) count(town bool, id, key string, n int64) {
	g.want[id][key] += n
	if town {
		g.townWant[id][key] += n
	}
}

// day is a random day in [from, to].
func (g *gen) day(from, to string) string {
	f, _ := time.Parse(time.DateOnly, from)
	l, _ := time.Parse(time.DateOnly, to)
	return f.AddDate(0, 0, g.rnd.IntN(int(l.Sub(f).Hours()/24)+1)).Format(time.DateOnly)
}

func inPeriod(day string) bool { return day >= genPeriod[0] && day <= genPeriod[1] }

func inLastYear(day string) bool { return day >= "2024-01-01" && day <= "2024-06-30" }

func between(r *rand.Rand, lo, hi int) int { return lo + r.IntN(hi-lo+1) }

func testGeneratedCounty(t *testing.T, pg bool) {
	seed := uint64(15)
	if s := os.Getenv("YINGJI_GEN_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("YINGJI_GEN_SEED: %v", err)
		}
		seed = v
	}
	now, _ := time.Parse(time.DateTime, genToday+" 04:00:00")
	clock := now // moved by the generator for what is stamped with the clock (warnings published)
	a := openApp(t, pg, app.Options{Now: func() time.Time { return clock }})
	ctx := context.Background()
	if err := demo.Load(ctx, demo.Services{DB: a.DB, Org: a.Org, Auth: a.Auth}, a.Cfg.County, io.Discard); err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	g := &gen{t: t, a: a, ctx: ctx, rnd: rand.New(rand.NewPCG(seed, 2025)), sys: a.System(),
		want: map[string]map[string]int64{}, townWant: map[string]map[string]int64{}, units: map[string]string{}}
	for _, id := range []string{"F-MINE-1", "F-MINE-3", "F-CHEM-1", "F-FLOOD-1", "F-FIRE-1", "F-BIG-1", "F-BIG-3", "F-ACC-1",
		"F-DUTY-1", "F-FLOOD-2", "F-MINE-4", "F-IND-1", "F-FLOOD-3", "F-PUB-2", "F-CHEM-5", "F-IND-2", "F-REL-1", "F-CHEM-2", "F-BIG-4", "F-PUB-3"} {
		g.want[id], g.townWant[id] = map[string]int64{}, map[string]int64{}
	}
	var err error
	if g.town, err = a.Auth.PrincipalFor(ctx, "town"); err != nil {
		t.Fatal(err)
	}
	units, err := a.Org.ListUnits(ctx, g.sys, org.UnitFilter{Kind: org.UnitSection})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range units {
		g.units[u.Name] = u.ID
	}
	g.enterprises()
	g.hazards()
	g.inspections()
	g.accidents()
	g.shifts()
	g.teamsAndDrills()
	g.trainings()
	g.relief()
	g.licences()
	g.measures()
	g.warnings(func(t time.Time) { clock = t })
	clock = now
	t.Logf("seed %d: generated in %v; expected %v", seed, time.Since(started).Round(time.Millisecond), g.want)

	p, _ := figure.NewPeriod(genPeriod[0], genPeriod[1])
	check := func(who *auth.Principal, region string, want map[string]map[string]int64) {
		rep, err := a.Report(ctx, who, figure.Query{Period: p, Region: region, Records: true}, "zh")
		if err != nil {
			t.Fatal(err)
		}
		figs := rep.Figures()
		for id, nums := range want {
			it, ok := figs[id]
			if !ok {
				t.Errorf("%s %s: %s not in the report", who.Role, region, id)
				continue
			}
			if it.Problem != "" {
				t.Errorf("%s: %s: %s", who.Role, id, it.Problem)
			}
			for k, v := range nums {
				n := it.Value.Get(k)
				if n.Key == "" {
					t.Errorf("%s %s (seed %d): %s has no number %q", who.Role, region, seed, id, k)
					continue
				}
				if n.Value != v {
					t.Errorf("%s %s (seed %d): %s %s = %d, generated %d", who.Role, region, seed, id, k, n.Value, v)
				}
				if (n.Kind == "hazard" || n.Kind == "accident" && !strings.HasPrefix(k, "deaths")) && int64(len(n.Records)) != n.Value {
					t.Errorf("%s: %s %s: %d records behind %d", who.Role, id, k, len(n.Records), n.Value)
				}
			}
		}
	}
	check(g.sys, "", g.want)
	// The town's staff see their town's part of the same records: the
	// town's incidents and its own staff's person-shifts, the town's
	// trainings (county-wide ones are the county's only).
	delete(g.townWant, "F-FLOOD-2")
	delete(g.townWant, "F-FLOOD-3")
	check(g.town, "", g.townWant)
	// The leader's report on the town is the town's (every figure, also
	// those that count within the reader's scope only).
	leader, err := a.Auth.PrincipalFor(ctx, "leader")
	if err != nil {
		t.Fatal(err)
	}
	check(leader, g.town.RegionCode, g.townWant)
	t.Logf("checked in %v", time.Since(started).Round(time.Millisecond))
}

// enterprises: a few to a dozen per sector, in random towns.
func (g *gen) enterprises() {
	towns, err := g.a.Org.ListRegions(g.ctx, g.sys, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		g.t.Fatal(err)
	}
	n := 5000
	for _, s := range []struct {
		sector, section string
		lo, hi          int
	}{{"mine", "监管一股", 3, 12}, {"chem_produce", "监管一股", 1, 6}, {"fireworks_retail", "监管一股", 2, 10}, {"petrol", "监管一股", 1, 7},
		{"metallurgy", "监管二股", 2, 9}, {"machinery", "监管二股", 1, 8}} {
		for i := range between(g.rnd, s.lo, s.hi) {
			n++
			town := towns[g.rnd.IntN(len(towns))]
			e, err := g.a.Enterprise.Create(g.ctx, g.sys, enterprise.Enterprise{Name: fmt.Sprintf("生成县%s%s%02d号企业", town.Name, s.sector, i+1),
				CreditCode: enterprise.DemoCreditCode(g.a.Cfg.County, n), TownCode: town.Code, Sector: s.sector, Scale: enterprise.ScaleAbove,
				SectionID: g.units[s.section], Status: enterprise.StatusOperating, Risk: enterprise.RiskGeneral, Address: town.Name + "工业路1号",
				PrincipalName: "张建国", PrincipalPhone: "13900000000", SafetyName: "李志强", SafetyPhone: "13800000000"})
			if err != nil {
				g.t.Fatalf("enterprise %s: %v", s.sector, err)
			}
			g.ents = append(g.ents, e)
		}
	}
}

// hazards are imported through the hazard ledger's import (the same
// rules as the form): the mine and chemicals section's own findings, and
// the administrator's of every sector (found by no section).
func (g *gen) hazards() {
	chem := inspection.ChemSectors
	sources := []struct {
		s     hazard.Source
		label string
	}{{hazard.SourceInspection, "监管检查"}, {hazard.SourceThirdParty, "第三方"}, {hazard.SourceSelfCheck, "企业自查"}, {hazard.SourceExpert, "专家检查"}}
	campaigns := []string{"", "", "2025年防汛隐患排查", "2025年安全生产大检查", "森林防灭火专项检查"}
	for _, k := range [][2]string{{"F-MINE-1", "general"}, {"F-MINE-1", "major"}, {"F-MINE-3", "hazards"}, {"F-MINE-3", "major"}, {"F-CHEM-1", "hazards"},
		{"F-FLOOD-1", "hazards"}, {"F-FLOOD-1", "plans"}, {"F-FIRE-1", "fire_hazards"}, {"F-BIG-1", "general"}, {"F-BIG-1", "rectified"},
		{"F-BIG-3", "general"}, {"F-BIG-3", "rectified"}} {
		g.count(true, k[0], k[1], 0) // every number is checked, zero or not
	}
	jg1, err := g.a.Auth.PrincipalFor(g.ctx, "jg1")
	if err != nil {
		g.t.Fatal(err)
	}
	for _, who := range []*auth.Principal{jg1, g.sys} {
		imp, err := g.a.Hazard.Ledger().NewImport(g.ctx, who, "")
		if err != nil {
			g.t.Fatal(err)
		}
		byUnit := who.UnitID != ""
		var ents []enterprise.Enterprise
		for _, e := range g.ents {
			if !byUnit || e.Sector == "mine" || slices.Contains(chem, e.Sector) {
				ents = append(ents, e)
			}
		}
		n := between(g.rnd, 150, 600)
		for i := range n {
			e := ents[g.rnd.IntN(len(ents))]
			src := sources[g.rnd.IntN(len(sources))]
			camp := campaigns[g.rnd.IntN(len(campaigns))]
			found := g.day("2024-01-01", genToday)
			v := map[string]string{"enterprise": e.Name, "source": src.label, "grade": "一般", "description": fmt.Sprintf("生成隐患%d", i+1),
				"found_on": found, "deadline": found, "status": "未整改", "campaign": camp,
				// The import replays the forms' rules: a deadline needs its
				// order (here rectified on the spot), a rectification its review.
				"order_number": "现场整改"}
			major := g.rnd.IntN(8) == 0
			if major {
				cl := hazard.ClausesOn(e.Sector, found)
				if len(cl) == 0 {
					major = false
				} else {
					v["grade"], v["clause"] = "重大", cl[g.rnd.IntN(len(cl))].Code
				}
			}
			if major {
				// A major hazard is ordered only once its 治理方案 is in
				// the system: these stay graded, without a deadline.
				delete(v, "deadline")
				delete(v, "order_number")
			}
			closedOn := ""
			if !major && g.rnd.IntN(10) < 6 {
				closedOn = found
				if d := g.day(found, min(genToday, addDays(found, 90))); d > found {
					closedOn = d
				}
				v["status"], v["rectified_on"], v["deadline"] = "已整改", closedOn, closedOn
				v["review_number"] = fmt.Sprintf("生成复查〔%s〕%d号", closedOn[:4], i+1)
			}
			if errs := imp.Check(g.ctx, xlsx.Row{Num: i + 2, Values: v}); len(errs) > 0 {
				g.t.Fatalf("hazard row %d %v: %v", i+2, v, errs)
			}
			if !inPeriod(found) {
				continue
			}
			inTown := strings.HasPrefix(e.TownCode, g.town.RegionCode)
			grade := "general"
			if major {
				grade = "major"
			}
			if byUnit && e.Sector == "mine" {
				g.count(inTown, "F-MINE-1", grade, 1)
			}
			if byUnit && slices.Contains(chem, e.Sector) {
				g.count(inTown, "F-CHEM-1", "hazards", 1)
			}
			if e.Sector == "mine" && src.s == hazard.SourceThirdParty {
				g.count(inTown, "F-MINE-3", "hazards", 1)
				if major {
					g.count(inTown, "F-MINE-3", "major", 1)
				}
			}
			switch {
			case strings.Contains(camp, "防汛"):
				g.count(inTown, "F-FLOOD-1", "hazards", 1)
			case strings.Contains(camp, "森林"):
				g.count(inTown, "F-FIRE-1", "fire_hazards", 1)
			case strings.Contains(camp, "大检查") && !major:
				for _, id := range []string{"F-BIG-1", "F-BIG-3"} {
					if id == "F-BIG-3" && src.s != hazard.SourceSelfCheck {
						continue
					}
					g.count(inTown, id, "general", 1)
					if closedOn != "" && closedOn <= genPeriod[1] {
						g.count(inTown, id, "rectified", 1)
					}
				}
			}
		}
		if _, err := imp.Commit(g.ctx, func(int64, int64) {}); err != nil {
			g.t.Fatal(err)
		}
	}
	// F-MINE-3 counts the mines with third-party findings: asked of the
	// ledger the test wrote, by enterprise.
	for _, who := range []struct {
		town bool
		p    *auth.Principal
	}{{false, g.sys}, {true, g.town}} {
		mines := map[string]bool{}
		err := g.a.Hazard.Each(g.ctx, who.p, hazard.Filter{Sector: "mine", Source: hazard.SourceThirdParty, From: genPeriod[0], To: genPeriod[1]}, func(r hazard.Record) error {
			mines[r.EnterpriseID] = true
			return nil
		})
		if err != nil {
			g.t.Fatal(err)
		}
		if who.town {
			g.townWant["F-MINE-3"]["mines"] = int64(len(mines))
		} else {
			g.want["F-MINE-3"]["mines"] = int64(len(mines))
		}
	}
	g.want["F-MINE-3"]["major_listed"] = 0
}

// inspections of every kind by the bureau: its own (家次 of the mine,
// chemicals and industry sections' figures) and superior inspections
// (上级督查) of mines with findings on enterprises and on governments.
func (g *gen) inspections() {
	for _, k := range [][2]string{{"F-MINE-1", "inspections"}, {"F-CHEM-1", "inspections"}, {"F-IND-1", "inspections"}, {"F-IND-1", "planned"},
		{"F-IND-1", "done"}, {"F-IND-1", "percent"}, {"F-MINE-4", "findings"}, {"F-MINE-4", "government"}, {"F-MINE-4", "enterprise"}, {"F-MINE-4", "enterprises"}} {
		g.count(true, k[0], k[1], 0)
	}
	kinds := []inspection.Kind{inspection.KindPlan, inspection.KindRandom, inspection.KindSpecial, inspection.KindHoliday, inspection.KindThirdParty, inspection.KindSuperior}
	officers := []inspection.Officer{{Name: "赵执法", CertNo: "34990100001"}, {Name: "钱执法", CertNo: "34990100002"}}
	seen := map[bool]map[string]bool{false: {}, true: {}}
	for i := range between(g.rnd, 60, 250) {
		e := g.ents[g.rnd.IntN(len(g.ents))]
		k := kinds[g.rnd.IntN(len(kinds))]
		on := g.day("2024-01-01", genToday)
		in := inspection.InspectionInput{ClientID: fmt.Sprintf("gen-%d", i), Kind: k, On: on, EnterpriseID: e.ID, Officers: officers}
		var gov, ent int
		if k == inspection.KindSuperior {
			for j := range g.rnd.IntN(4) {
				f := inspection.Finding{Text: fmt.Sprintf("督查发现问题%d", j+1), Party: inspection.PartyEnterprise}
				if g.rnd.IntN(3) == 0 {
					f.Party, f.PartyName = inspection.PartyGovernment, "籍山镇人民政府"
					gov++
				} else {
					ent++
				}
				in.Findings = append(in.Findings, f)
			}
		}
		if _, _, err := g.a.Inspection.Create(g.ctx, g.sys, in, nil); err != nil {
			g.t.Fatalf("inspection %+v: %v", in, err)
		}
		if !inPeriod(on) {
			continue
		}
		inTown := strings.HasPrefix(e.TownCode, g.town.RegionCode)
		own := k != inspection.KindThirdParty && k != inspection.KindSuperior
		switch {
		case own && e.Sector == "mine":
			g.count(inTown, "F-MINE-1", "inspections", 1)
		case own && slices.Contains(inspection.ChemSectors, e.Sector):
			g.count(inTown, "F-CHEM-1", "inspections", 1)
		case own && slices.Contains(inspection.IndustrySectors, e.Sector):
			g.count(inTown, "F-IND-1", "inspections", 1)
		case k == inspection.KindSuperior && e.Sector == "mine":
			g.count(inTown, "F-MINE-4", "findings", int64(gov+ent))
			g.count(inTown, "F-MINE-4", "government", int64(gov))
			g.count(inTown, "F-MINE-4", "enterprise", int64(ent))
			// enterprises: each inspected enterprise with findings on it once.
			if ent > 0 && !seen[false][e.ID] {
				seen[false][e.ID] = true
				g.want["F-MINE-4"]["enterprises"]++
			}
			if ent > 0 && inTown && !seen[true][e.ID] {
				seen[true][e.ID] = true
				g.townWant["F-MINE-4"]["enterprises"]++
			}
		}
	}
}

func addDays(day string, n int) string {
	d, _ := time.Parse(time.DateOnly, day)
	return d.AddDate(0, 0, n).Format(time.DateOnly)
}

// accidents: a few this year and last (同比), some outside both periods.
func (g *gen) accidents() {
	kinds := []string{"物体打击", "机械伤害", "高处坠落", "触电", "坍塌"}
	for i := range between(g.rnd, 3, 12) {
		e := g.ents[g.rnd.IntN(len(g.ents))]
		on := g.day("2024-01-01", addDays(genToday, -1))
		deaths := int64(g.rnd.IntN(3))
		_, err := g.a.Accident.Record(g.ctx, g.sys, accident.Input{OccurredOn: on, OccurredTime: "09:40", ReportedAt: on + " 10:30",
			Place: "生产车间", EnterpriseID: e.ID, Industry: "冶金工贸", Kind: kinds[g.rnd.IntN(len(kinds))], Deaths: deaths,
			SeriousInjuries: int64(g.rnd.IntN(2)), LossYuan: strconv.Itoa(10000 * (i + 1)), Summary: "生成的事故记录。"})
		if err != nil {
			g.t.Fatalf("accident on %s: %v", on, err)
		}
		inTown := strings.HasPrefix(e.TownCode, g.town.RegionCode)
		switch {
		case inPeriod(on):
			g.count(inTown, "F-ACC-1", "accidents", 1)
			g.count(inTown, "F-ACC-1", "deaths", deaths)
		case inLastYear(on):
			g.count(inTown, "F-ACC-1", "accidents_last", 1)
			g.count(inTown, "F-ACC-1", "deaths_last", deaths)
		}
	}
	for _, w := range []map[string]map[string]int64{g.want, g.townWant} {
		for _, k := range []string{"accidents", "deaths", "accidents_last", "deaths_last"} {
			w["F-ACC-1"][k] += 0
		}
	}
}

// shifts: a daily roster on random days around the period's end, two or
// three people a shift (人次).
func (g *gen) shifts() {
	svc := duty.New(g.a.DB, g.a.Notify, g.a.Now, g.a.Calendar, nil)
	names := []string{"王局长", "李股长", "陈股长", "赵执法", "周值班", "孙科员"}
	d, _ := time.Parse(time.DateOnly, "2025-06-01")
	for range 60 {
		d = d.AddDate(0, 0, 1)
		if g.rnd.IntN(3) == 0 {
			continue
		}
		start := time.Date(d.Year(), d.Month(), d.Day(), 8, 30, 0, 0, duty.Shanghai)
		perm := g.rnd.Perm(len(names))
		ms := []duty.Assignment{{Position: duty.PosLeader, Slot: 0, Name: names[perm[0]]}, {Position: duty.PosOfficer, Slot: 1, Name: names[perm[1]]}}
		town := false
		switch g.rnd.IntN(3) {
		case 0:
			ms = append(ms, duty.Assignment{Position: duty.PosOfficer, Slot: 2, Name: names[perm[2]]})
		case 1: // the town's own staff on the county's roster: the town's part of it
			ms = append(ms, duty.Assignment{Position: duty.PosOfficer, Slot: 2, Name: g.town.DisplayName, UserID: g.town.UserID})
			town = true
		}
		if _, err := svc.CreateShift(g.ctx, g.sys, duty.Shift{StartsAt: start, EndsAt: start.Add(24 * time.Hour), Members: ms}); err != nil {
			g.t.Fatalf("shift %s: %v", d.Format(time.DateOnly), err)
		}
		if inPeriod(d.Format(time.DateOnly)) {
			g.want["F-DUTY-1"]["shifts"] += int64(len(ms))
			if town {
				g.townWant["F-DUTY-1"]["shifts"]++
			}
		}
	}
	g.count(true, "F-DUTY-1", "shifts", 0)
	g.count(true, "F-DUTY-1", "incidents", 0)
	g.want["F-DUTY-1"]["incidents_on_time"] += 0
	// Incidents in random towns (the town user's among them) and some
	// with no town: those are the county's only.
	towns, _, _ := demo.Places(g.a.Cfg.County)
	for i := range between(g.rnd, 4, 12) {
		town := ""
		switch g.rnd.IntN(3) {
		case 0:
			town = g.town.RegionCode
		case 1:
			town = towns[g.rnd.IntN(len(towns))]
		}
		on := g.day("2024-06-01", "2025-09-01")
		at, _ := time.ParseInLocation(time.DateTime, on+" 10:00:00", duty.Shanghai)
		if _, err := svc.CreateIncident(g.ctx, g.sys, duty.Incident{Title: fmt.Sprintf("生成事件%d", i+1), ReceivedAt: at, Source: "乡镇上报",
			Category: "accident", Subtype: "traffic", Level: "general", TownCode: town}); err != nil {
			g.t.Fatalf("incident: %v", err)
		}
		if inPeriod(on) {
			g.count(town != "" && strings.HasPrefix(town, g.town.RegionCode), "F-DUTY-1", "incidents", 1)
		}
	}
}

// teamsAndDrills: flood teams (standing at the period's end when
// established by then) and drills of every form.
func (g *gen) teamsAndDrills() {
	towns, _, _ := demo.Places(g.a.Cfg.County)
	for _, k := range []string{"patrol_teams", "patrol_people", "town_teams", "town_people", "county_teams", "county_people"} {
		g.want["F-FLOOD-2"][k] += 0
	}
	n := between(g.rnd, 8, 30)
	for i := range n {
		x := prepare.Team{Name: fmt.Sprintf("生成队伍%d", i+1), Headcount: between(g.rnd, 5, 120), EstablishedOn: g.day("2023-01-01", genToday)}
		if i == n-1 {
			x.EstablishedOn = g.day("2025-07-01", genToday) // at least one team set up after the period
		}
		group := ""
		switch g.rnd.IntN(3) {
		case 0:
			x.Kind, x.Level, x.DykeSection, x.PatrolLine = prepare.KindDykePatrol, "village", "青弋江左岸", between(g.rnd, 1, 3)
			x.RegionCode = towns[g.rnd.IntN(len(towns))]
			group = "patrol"
		case 1:
			x.Kind, x.Level, x.RegionCode = prepare.KindFloodRescue, "town", towns[g.rnd.IntN(len(towns))]
			group = "town"
		default:
			x.Kind, x.Level = prepare.KindFloodRescue, "county"
			group = "county"
		}
		if _, err := g.a.Prepare.SaveTeam(g.ctx, g.sys, "", x); err != nil {
			g.t.Fatalf("team %+v: %v", x, err)
		}
		if x.EstablishedOn <= genPeriod[1] {
			g.want["F-FLOOD-2"][group+"_teams"]++
			g.want["F-FLOOD-2"][group+"_people"] += int64(x.Headcount)
		}
	}
	g.want["F-FLOOD-3"]["drills"] += 0
	for i := range between(g.rnd, 4, 16) {
		form := prepare.DrillForms[g.rnd.IntN(len(prepare.DrillForms))].Value
		on := g.day("2024-06-01", genToday)
		if _, err := g.a.Prepare.CreateDrill(g.ctx, g.sys, prepare.Drill{Name: fmt.Sprintf("生成演练%d", i+1), DrillOn: on, Form: form,
			Units: "县应急管理局", Participants: between(g.rnd, 10, 300)}); err != nil {
			g.t.Fatalf("drill: %v", err)
		}
		if form == "county_town" && inPeriod(on) {
			g.want["F-FLOOD-3"]["drills"]++
		}
	}
}

// trainings of every audience: F-PUB-2 counts them all, F-CHEM-5 and
// F-IND-2 their audiences' attendees.
func (g *gen) trainings() {
	svc := reduction.New(g.a.DB, g.a.Org, g.a.Hazard, g.a.Now)
	for _, k := range [][2]string{{"F-PUB-2", "trainings"}, {"F-PUB-2", "people"}, {"F-CHEM-5", "people"}, {"F-IND-2", "people"}} {
		g.want[k[0]][k[1]] += 0
	}
	// 灾害信息员: standing at the period's end when registered by then (one
	// A per village, the rest B).
	g.count(true, "F-PUB-3", "officers", 0)
	villages, err := g.a.Org.ListRegions(g.ctx, g.sys, org.RegionFilter{Level: org.LevelVillage})
	if err != nil {
		g.t.Fatal(err)
	}
	hasA := map[string]bool{}
	for i := range between(g.rnd, 10, 60) {
		v := villages[g.rnd.IntN(len(villages))]
		role := reduction.RoleB
		if !hasA[v.Code] && g.rnd.IntN(2) == 0 {
			role, hasA[v.Code] = reduction.RoleA, true
		}
		on := g.day("2023-01-01", genToday)
		if _, err := svc.CreateOfficer(g.ctx, g.sys, reduction.Officer{TownCode: v.ParentCode, VillageCode: v.Code, Name: relief.DemoName(200000 + i),
			Phone: fmt.Sprintf("139%08d", i), Role: role, Position: "网格员", RegisteredOn: on}); err != nil {
			g.t.Fatalf("officer: %v", err)
		}
		if on <= genPeriod[1] {
			g.count(strings.HasPrefix(v.Code, g.town.RegionCode), "F-PUB-3", "officers", 1)
		}
	}
	// Trainings of the county (no town: never a town's), of the town
	// user's town and of other towns.
	towns, _, _ := demo.Places(g.a.Cfg.County)
	for _, k := range [][2]string{{"F-PUB-2", "trainings"}, {"F-PUB-2", "people"}, {"F-CHEM-5", "people"}, {"F-IND-2", "people"}} {
		g.count(true, k[0], k[1], 0)
	}
	for i := range between(g.rnd, 10, 40) {
		aud := reduction.Audiences[g.rnd.IntN(len(reduction.Audiences))].Value
		on := g.day("2024-06-01", genToday)
		n := int64(between(g.rnd, 8, 400))
		town := ""
		switch g.rnd.IntN(3) {
		case 0:
			town = g.town.RegionCode
		case 1:
			town = towns[g.rnd.IntN(len(towns))]
		}
		if _, err := svc.CreateTraining(g.ctx, g.sys, reduction.Training{Topic: fmt.Sprintf("生成培训%d", i+1), HeldOn: on, Organiser: "县应急管理局",
			Audience: aud, Attendees: n, HoursTenth: 20, TownCode: town}); err != nil {
			g.t.Fatalf("training: %v", err)
		}
		if !inPeriod(on) {
			continue
		}
		inTown := town != "" && strings.HasPrefix(town, g.town.RegionCode)
		g.count(inTown, "F-PUB-2", "trainings", 1)
		g.count(inTown, "F-PUB-2", "people", n)
		switch aud {
		case "fireworks_petrol":
			g.count(inTown, "F-CHEM-5", "people", n)
		case "industry":
			g.count(inTown, "F-IND-2", "people", n)
		}
	}
}

// relief: a 冬春救助 programme; households of random sizes in random
// villages go through the chain (entered by one administrator, decided
// by another: four eyes) and are paid money in one or two categories on
// days inside and after the report's period. F-REL-1 sums the money and
// counts each person paid once.
func (g *gen) relief() {
	g.count(true, "F-REL-1", "amount", 0)
	g.count(true, "F-REL-1", "people", 0)
	admin, err := g.a.Auth.PrincipalFor(g.ctx, "admin")
	if err != nil {
		g.t.Fatal(err)
	}
	villages, err := g.a.Org.ListRegions(g.ctx, g.sys, org.RegionFilter{Level: org.LevelVillage})
	if err != nil {
		g.t.Fatal(err)
	}
	prog, err := g.a.Relief.CreateProgramme(g.ctx, g.sys, relief.Programme{Name: "2024—2025年度冬春救助", Kind: relief.KindWinterSpring,
		PeriodFrom: "2024-12-01", PeriodTo: genToday, Standards: []relief.Standard{{Category: "food", Amount: 80000}, {Category: "heating", Amount: 50000}}})
	if err != nil {
		g.t.Fatal(err)
	}
	n := 100000
	for i := range between(g.rnd, 5, 25) {
		v := villages[g.rnd.IntN(len(villages))]
		h := relief.Household{ProgrammeID: prog.ID, TownCode: v.ParentCode, VillageCode: v.Code, HeadName: relief.DemoName(n), DisasterHit: true}
		for j := range between(g.rnd, 1, 5) {
			h.Members = append(h.Members, relief.Member{Name: relief.DemoName(n), IDNumber: relief.DemoID(n), Relation: []string{"户主", "配偶", "子女", "父母", "其他"}[j]})
			n++
		}
		h, err := g.a.Relief.CreateHousehold(g.ctx, g.sys, h)
		if err != nil {
			g.t.Fatalf("household %d: %v", i, err)
		}
		for _, st := range []relief.StepInput{{Step: relief.StepVillage, Approved: true}, {Step: relief.StepPublicity, Approved: true, PublicityFrom: "2024-12-02", PublicityTo: "2024-12-08"},
			{Step: relief.StepTown, Approved: true}, {Step: relief.StepCounty, Approved: true}} {
			if _, err := g.a.Relief.TakeStep(g.ctx, admin, h.ID, st); err != nil {
				g.t.Fatalf("household %d step %s: %v", i, st.Step, err)
			}
		}
		inTown := strings.HasPrefix(h.TownCode, g.town.RegionCode)
		for _, m := range h.Members {
			paidInPeriod := false
			for _, c := range []string{"food", "heating"} {
				if c == "heating" && g.rnd.IntN(2) == 0 {
					continue
				}
				amount := int64(between(g.rnd, 100, 500)) * 100
				on := g.day("2024-12-10", genToday)
				if _, err := g.a.Relief.Pay(g.ctx, admin, h.ID, relief.PaymentInput{MemberID: m.ID, Category: c, Mode: relief.ModeMoney, Amount: amount, PaidOn: on}); err != nil {
					g.t.Fatalf("pay %s: %v", c, err)
				}
				if inPeriod(on) {
					g.count(inTown, "F-REL-1", "amount", amount) // 分
					paidInPeriod = true
				}
			}
			if paidInPeriod {
				g.count(inTown, "F-REL-1", "people", 1)
			}
		}
	}
}

// warnings drafted by the duty desk, approved by the leader (four eyes)
// and published at moments before, inside and after the period (the
// clock is moved to each moment); F-DUTY-1 counts those published in it.
func (g *gen) warnings(setClock func(time.Time)) {
	g.want["F-DUTY-1"]["warnings"] += 0
	zhiban, err := g.a.Auth.PrincipalFor(g.ctx, "zhiban")
	if err != nil {
		g.t.Fatal(err)
	}
	leader, err := g.a.Auth.PrincipalFor(g.ctx, "leader")
	if err != nil {
		g.t.Fatal(err)
	}
	towns, _, _ := demo.Places(g.a.Cfg.County)
	for i := range between(g.rnd, 4, 16) {
		day := g.day("2024-10-01", addDays(genToday, -1))
		at, _ := time.ParseInLocation(time.DateTime, day+" 00:00:00", duty.Shanghai)
		at = at.Add(time.Duration(g.rnd.IntN(24*60)) * time.Minute)
		setClock(at)
		w, err := g.a.Warning.Draft(g.ctx, zhiban, warning.Warning{Source: "县气象局", Type: "寒潮", Level: "蓝", Towns: towns[:between(g.rnd, 1, len(towns))],
			EffectiveAt: at.Add(time.Hour), ExpiresAt: at.Add(25 * time.Hour), Description: fmt.Sprintf("生成预警%d：气温将明显下降。", i+1), Instruction: "注意防寒保暖。"})
		if err != nil {
			g.t.Fatalf("warning %d: %v", i, err)
		}
		if _, err := g.a.Warning.Approve(g.ctx, leader, w.ID); err != nil {
			g.t.Fatal(err)
		}
		if _, err := g.a.Warning.Publish(g.ctx, zhiban, w.ID); err != nil {
			g.t.Fatal(err)
		}
		if inPeriod(day) {
			g.want["F-DUTY-1"]["warnings"]++
		}
	}
}

// licences: a fireworks retail application per retailer, accepted and
// reviewed by the section and decided by the leader (granted or refused)
// on days around the period; F-CHEM-2 counts the licences granted in it,
// for a town user their town's only.
func (g *gen) licences() {
	g.count(true, "F-CHEM-2", "fireworks_retail", 0)
	g.count(true, "F-CHEM-2", "petrol", 0)
	jg1, err := g.a.Auth.PrincipalFor(g.ctx, "jg1")
	if err != nil {
		g.t.Fatal(err)
	}
	leader, err := g.a.Auth.PrincipalFor(g.ctx, "leader")
	if err != nil {
		g.t.Fatal(err)
	}
	for _, e := range g.ents {
		if e.Sector != "fireworks_retail" {
			continue
		}
		on := g.day("2024-10-01", addDays(genToday, -20))
		x, err := g.a.Licence.CreateApplication(g.ctx, jg1, licence.NewApplication{EnterpriseID: e.ID, Type: licence.TypeFireworksRetail,
			Kind: licence.KindNew, SubmittedOn: on, Scope: "烟花爆竹零售"})
		if err != nil {
			g.t.Fatalf("application: %v", err)
		}
		decided := addDays(on, between(g.rnd, 2, 12))
		granted := g.rnd.IntN(4) != 0
		act := licence.Action{Name: licence.ActDecide, Date: decided, Decision: "granted"}
		if !granted {
			act.Decision, act.Reason = "refused", "储存场所不符合要求"
		}
		for _, a := range []struct {
			p   *auth.Principal
			act licence.Action
		}{{jg1, licence.Action{Name: licence.ActAccept, Date: on}}, {jg1, licence.Action{Name: licence.ActReview, Date: addDays(on, 1)}}, {leader, act}} {
			if _, err := g.a.Licence.Act(g.ctx, a.p, x.ID, a.act); err != nil {
				g.t.Fatalf("licence %s on %s: %v", a.act.Name, a.act.Date, err)
			}
		}
		if granted && inPeriod(decided) {
			g.count(strings.HasPrefix(e.TownCode, g.town.RegionCode), "F-CHEM-2", "fireworks_retail", 1)
		}
	}
}

// measures: 责令停产整顿 and 约谈 recorded by the enforcement module on
// random enterprises and days (F-BIG-4, 家次).
func (g *gen) measures() {
	g.count(true, "F-BIG-4", "suspensions", 0)
	g.count(true, "F-BIG-4", "interviews", 0)
	svc := enforcement.New(enforcement.Config{DB: g.a.DB, Enterprise: g.a.Enterprise, Now: g.a.Now, CountyName: g.a.Cfg.CountyName, Calendar: g.a.Calendar})
	for range between(g.rnd, 5, 40) {
		e := g.ents[g.rnd.IntN(len(g.ents))]
		on := g.day("2024-06-01", genToday)
		kind, key := enforcement.MeasureInterview, "interviews"
		if g.rnd.IntN(4) == 0 {
			kind, key = enforcement.MeasureSuspend, "suspensions"
		}
		if _, err := svc.RecordMeasure(g.ctx, g.sys, enforcement.NewMeasure{Kind: kind, EnterpriseID: e.ID, OnDay: on, Note: "生成"}); err != nil {
			g.t.Fatalf("measure: %v", err)
		}
		if inPeriod(on) {
			g.count(strings.HasPrefix(e.TownCode, g.town.RegionCode), "F-BIG-4", key, 1)
		}
	}
}
