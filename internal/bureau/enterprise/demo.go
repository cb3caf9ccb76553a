package enterprise

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
)

// Locate returns a point inside a town for demo records (ok false when
// the county has no outline).
type Locate func(townCode string, r *rand.Rand) (lat, lng float64, ok bool)

// DemoSpec is one group of demo enterprises.
type DemoSpec struct {
	Sector   string
	Count    int
	Names    []string // fixed names first (from the source report), then generated
	Suffix   string   // generated names: 示例县<town><n><suffix>
	Scale    string
	Specials []string
	Section  string // supervising section's name
	Risk     string
	Towns    []string // town suffixes to place them in (empty: all)
}

// DemoSpecs are the demo county's enterprises, consistent with the source
// report: 4 underground and 5 open-pit mines (with the tailings ponds'
// owners), 3 hazardous-chemicals producers, 330 fireworks retailers,
// 11 petrol stations and the 工贸 enterprises of the section's plan.
var DemoSpecs = []DemoSpec{
	// Each named mine in the town its name and its village say (新岭村,
	// 牛头山村 工山镇; 恒鑫村 家发镇; 胜成村 何湾镇; 桂山村 烟墩镇).
	{Sector: "mine", Count: 9, Section: "监管一股", Risk: "large", Scale: ScaleAbove, Towns: []string{"104", "103", "106", "107", "104", "103", "106", "104", "107"},
		Names: []string{"示例县兆丰矿业有限公司", "示例县铜南矿业有限公司", "示例县近山矿业有限公司", "示例县汇成矿业有限公司",
			"工山镇新岭石灰石厂", "家发镇恒鑫矿业有限公司", "何湾镇胜成矿业有限公司", "示例县牛头山石料有限公司", "示例县桂山建材矿业有限公司"}},
	{Sector: "chem_produce", Count: 3, Section: "监管一股", Risk: "large", Scale: ScaleAbove, Specials: []string{"major_hazard"},
		Names: []string{"安徽华林特种气体有限公司", "芜湖市永格节能材料有限公司", "示例县恒泰化工有限公司"}, Towns: []string{"400"}},
	{Sector: "chem_trade", Count: 6, Section: "监管一股", Risk: "general", Suffix: "化工贸易有限公司"},
	{Sector: "fireworks_wholesale", Count: 1, Section: "监管一股", Risk: "large", Names: []string{"示例县烟花爆竹批发有限公司"}, Towns: []string{"100"}},
	{Sector: "fireworks_retail", Count: 330, Section: "监管一股", Risk: "low", Suffix: "烟花爆竹零售点"},
	{Sector: "petrol", Count: 11, Section: "监管一股", Risk: "general", Suffix: "加油站"},
	{Sector: "metallurgy", Count: 8, Section: "监管二股", Risk: "general", Scale: ScaleAbove, Specials: []string{"smelting"}, Suffix: "金属制品有限公司"},
	{Sector: "building_materials", Count: 22, Section: "监管二股", Risk: "general", Scale: ScaleAbove, Suffix: "新型建材有限公司"},
	{Sector: "machinery", Count: 24, Section: "监管二股", Risk: "low", Scale: ScaleAbove, Specials: []string{"dust"}, Suffix: "机械制造有限公司"},
	{Sector: "light", Count: 20, Section: "监管二股", Risk: "low", Scale: ScaleAbove, Specials: []string{"confined"}, Suffix: "食品有限公司"},
	{Sector: "textile", Count: 10, Section: "监管二股", Risk: "low", Scale: ScaleAbove, Specials: []string{"dust"}, Suffix: "纺织有限公司"},
	{Sector: "commerce", Count: 12, Section: "监管二股", Risk: "low", Scale: ScaleBelow, Specials: []string{"ammonia"}, Suffix: "冷链物流有限公司"},
	{Sector: "nonferrous", Count: 4, Section: "监管二股", Risk: "general", Scale: ScaleAbove, Specials: []string{"smelting"}, Suffix: "有色金属有限公司"},
}

var surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾")
var given = []string{"建国", "志强", "海涛", "春生", "明华", "文斌", "立新", "红梅", "玉兰", "国庆", "德胜", "晓东", "永红", "卫东", "家兴", "金山"}

// DemoCreditCode makes a valid credit code for demo enterprise n.
func DemoCreditCode(county string, n int) string {
	body := fmt.Sprintf("91%s%09d", county, 100000000+n)
	c, _ := CreditCheckChar(body[:17])
	return body[:17] + string(c)
}

// Demo loads the demo enterprises; an enterprise whose credit code exists
// is left alone, so loading twice changes nothing. The enterprise account
// of the demo users gets the first mine (enterpriseID).
func (s *Service) Demo(ctx context.Context, out io.Writer, county, enterpriseID string, locate Locate) error {
	p := &auth.Principal{UserID: "system", Username: "system", Role: auth.RoleAdmin, CountyCode: county}
	r, err := s.refs(ctx, p)
	if err != nil {
		return err
	}
	var towns []string
	for _, reg := range r.regions {
		if reg.Level == org.LevelTown {
			towns = append(towns, reg.Code)
		}
	}
	if len(towns) == 0 {
		return fmt.Errorf("demo enterprises need the demo towns")
	}
	existing, err := s.newImport(ctx, p)
	if err != nil {
		return err
	}
	rnd := rand.New(rand.NewPCG(2022, 6))
	created, n := 0, 0
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		for _, spec := range DemoSpecs {
			for i := 0; i < spec.Count; i++ {
				n++
				code := DemoCreditCode(county, n)
				town := towns[rnd.IntN(len(towns))]
				if len(spec.Towns) > 0 {
					town = county + spec.Towns[i%len(spec.Towns)]
				}
				name := ""
				if i < len(spec.Names) {
					name = spec.Names[i]
				} else {
					name = fmt.Sprintf("%s%s%03d号%s", "示例县", r.regionName[town], i+1, spec.Suffix)
				}
				principal := string(surnames[rnd.IntN(len(surnames))]) + given[rnd.IntN(len(given))]
				safety := string(surnames[rnd.IntN(len(surnames))]) + given[rnd.IntN(len(given))]
				e := Enterprise{Name: name, CreditCode: code, TownCode: town, Sector: spec.Sector, Scale: spec.Scale, Specials: spec.Specials,
					SectionID: r.sectionByName[spec.Section], Risk: spec.Risk, Status: StatusOperating, Address: r.regionName[town] + "工业路" + fmt.Sprint(10+i) + "号",
					PrincipalName: principal, PrincipalPhone: fmt.Sprintf("139%08d", rnd.IntN(100000000)),
					SafetyName: safety, SafetyPhone: fmt.Sprintf("138%08d", rnd.IntN(100000000))}
				if spec.Sector == "mine" && i < 4 {
					e.Name = spec.Names[i]
				}
				if locate != nil {
					if lat, lng, ok := locate(town, rnd); ok {
						e.Lat, e.Lng = &lat, &lng
					}
				}
				if n == 1 {
					e.ID = enterpriseID // the demo enterprise account's own enterprise
				}
				if existing.existing[code] {
					continue
				}
				if _, err := s.CreateTx(ctx, tx, p, e); err != nil {
					return fmt.Errorf("demo enterprise %s: %w", name, err)
				}
				created++
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "demo: %d enterprises created (%d in the demo set)\n", created, n)
	return nil
}
