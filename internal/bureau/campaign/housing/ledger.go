package housing

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"yingji/internal/bureau/campaign/day"
	"yingji/internal/bureau/campaign/msg"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
	"yingji/internal/kit/xlsx"
)

// LedgerKind is the buildings ledger's kind: /buildings/import,
// `yingji import buildings FILE`.
const LedgerKind = "buildings"

// Schema is the buildings ledger's Excel layout (自建房排查台账). The stage
// columns are optional; a row that fills a later stage must fill the
// earlier ones (the rules are checked row by row).
func Schema() xlsx.Schema {
	return xlsx.Schema{Name: "自建房排查台账", Columns: []xlsx.Column{
		{Key: "campaign", Header: "排查活动", HeaderEN: "Campaign", Width: 22, Help: "系统中只有一个排查活动时可不填；有多个时必填，写活动名称", HelpEN: "May be left empty when there is only one campaign; otherwise required: the campaign's name"},
		{Key: "code", Header: "房屋编号", HeaderEN: "Building code", Required: true, Width: 20, Example: "ZJ34990110000001", Help: "4–40 位字母、数字，活动内唯一", HelpEN: "4–40 letters and digits, unique within the campaign"},
		{Key: "town", Header: "所在乡镇", HeaderEN: "Town", Required: true, Width: 12, Example: "籍山镇", Help: "乡镇名称或 9 位区划代码", HelpEN: "Town name or its 9-digit region code"},
		{Key: "village", Header: "所在村（社区）", HeaderEN: "Village", Width: 12, Example: "新林村"},
		{Key: "area", Header: "城镇/农村", HeaderEN: "Urban/rural", Required: true, Options: []string{"城镇", "农村"}, Example: "农村"},
		{Key: "address", Header: "地址", HeaderEN: "Address", Width: 28},
		{Key: "lng", Header: "经度", HeaderEN: "Longitude", Example: "118.33"},
		{Key: "lat", Header: "纬度", HeaderEN: "Latitude", Example: "30.92"},
		{Key: "structure", Header: "结构类型", HeaderEN: "Structure", Options: Structures, Example: "砖混"},
		{Key: "storeys", Header: "层数", HeaderEN: "Storeys", Example: "3"},
		{Key: "year_built", Header: "建成年份", HeaderEN: "Year built", Example: "1998"},
		{Key: "floor_area", Header: "建筑面积（平方米）", HeaderEN: "Floor area (m²)", Example: "240.5"},
		{Key: "business", Header: "是否经营性", HeaderEN: "Business use", Options: []string{"是", "否"}, Example: "否"},
		{Key: "business_type", Header: "经营类型", HeaderEN: "Business type", Options: BusinessTypes},
		{Key: "owner_name", Header: "产权人", HeaderEN: "Owner"},
		{Key: "owner_phone", Header: "产权人电话", HeaderEN: "Owner's phone", Width: 15},
		{Key: "owner_id", Header: "产权人身份证号", HeaderEN: "Owner's ID number", Width: 20},
		{Key: "surveyed_on", Header: "排查日期", HeaderEN: "Surveyed on", Required: true, Example: "2022-05-10", Help: "2022-05-10 或 2022/5/10", HelpEN: "2022-05-10 or 2022/5/10"},
		{Key: "hazard", Header: "初判结果", HeaderEN: "Preliminary finding", Options: []string{"有隐患", "无隐患"}},
		{Key: "judged_on", Header: "初判日期", HeaderEN: "Judged on"},
		{Key: "need_appraisal", Header: "技术判定", HeaderEN: "Technical judgement", Options: []string{"需鉴定", "无需鉴定"}, Help: "初判有隐患的房屋经技术专家或第三方机构判定", HelpEN: "For buildings found hazardous at the preliminary survey, judged by technical experts or a third-party agency"},
		{Key: "assessed_by", Header: "判定方式", HeaderEN: "Judged by", Options: Assessors.ZHLabels()},
		{Key: "assessed_on", Header: "技术判定日期", HeaderEN: "Assessed on"},
		{Key: "grade", Header: "鉴定等级", HeaderEN: "Grade", Options: Grades, Help: "JGJ 125-2016：A、B、C、D；仅限技术判定为需鉴定的房屋", HelpEN: "JGJ 125-2016: A, B, C or D; only for buildings judged to need an appraisal"},
		{Key: "agency", Header: "鉴定机构", HeaderEN: "Appraisal agency", Width: 20},
		{Key: "appraised_on", Header: "鉴定日期", HeaderEN: "Appraised on"},
		{Key: "measure", Header: "整治措施", HeaderEN: "Remediation", Options: Measures.ZHLabels(), Help: "仅限 C、D 级；D 级不能仅限用", HelpEN: "Grades C and D only; 限用 (restrict use) is not enough for grade D"},
		{Key: "remediated_on", Header: "整治完成日期", HeaderEN: "Remediated on"},
		{Key: "closed_on", Header: "销号日期", HeaderEN: "Closed on"},
		{Key: "stage", Header: "当前阶段", HeaderEN: "Stage", Help: "导出时填写，导入时忽略（由各阶段日期得出）", HelpEN: "Filled on export, ignored on import (derived from the stage dates)"},
		{Key: "hazard_level", Header: "初判隐患等级", HeaderEN: "Preliminary grading", Options: Levels.ZHLabels(), Help: "初判必填：无隐患、一般隐患、存在倒塌风险", HelpEN: "Required with the preliminary finding: no hazard, general hazard, collapse risk"},
		{Key: "check_structure", Header: "结构安全", HeaderEN: "Structural safety", Options: CheckResults.ZHLabels(), Help: "有隐患时必填；无隐患时空白视为无问题", HelpEN: "Required for a hazard; empty means no problem when there is none"},
		{Key: "check_business", Header: "经营安全", HeaderEN: "Business safety", Options: CheckResults.ZHLabels(), Help: "有隐患时必填；非经营性房屋填不涉及", HelpEN: "Required for a hazard; not applicable for a building not in business use"},
		{Key: "check_legal", Header: "手续合法", HeaderEN: "Legal permits", Options: CheckResults.ZHLabels(), Help: "用地、规划、建设手续；有隐患时必填", HelpEN: "Land, planning and building permits; required for a hazard"},
	}}
}

// Ledger is the buildings register for the Excel kit.
func (s *Service) Ledger() *ledger.Ledger {
	return &ledger.Ledger{
		Kind:   LedgerKind,
		Title:  "housing.ledger",
		Schema: Schema(),
		Export: s.export,
		NewImport: func(ctx context.Context, p *auth.Principal, target string) (ledger.Import, error) {
			if !p.Is(auth.RoleAdmin, auth.RoleTown, auth.RoleDepartment) {
				return nil, errs.New(errs.Forbidden, "housing.write_forbidden")
			}
			return s.newImport(ctx, p, target)
		},
		Target: &ledger.Target{Param: "campaign", Label: "housing.import_campaign", Choices: s.campaignChoices},
	}
}

// campaignChoices are the surveys a buildings file may go into, newest
// first.
func (s *Service) campaignChoices(ctx context.Context, p *auth.Principal) ([]ledger.Choice, error) {
	list, err := s.Campaigns(ctx, p)
	if err != nil {
		return nil, err
	}
	out := make([]ledger.Choice, len(list))
	for i, c := range list {
		out[i] = ledger.Choice{Value: c.ID, Label: c.Name}
	}
	return out, nil
}

// FilterOf reads the list filter from query parameters.
func FilterOf(q url.Values) Filter {
	return Filter{Town: q.Get("town"), Village: q.Get("village"), Area: q.Get("area"), Stage: Stage(q.Get("stage")),
		Grade: q.Get("grade"), Business: q.Get("business"), Level: q.Get("hazard_level"), Problem: q.Get("problem"), Q: q.Get("q")}
}

// refs are the names the Excel columns refer to.
type refs struct {
	townByName   map[string]string // name or code → town code
	villageByKey map[string]string // town code + "/" + village name or code → village code
	regionName   map[string]string
}

func (s *Service) refs(ctx context.Context, p *auth.Principal) (*refs, error) {
	all := &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}
	regions, err := s.org.ListRegions(ctx, all, org.RegionFilter{})
	if err != nil {
		return nil, err
	}
	r := &refs{townByName: map[string]string{}, villageByKey: map[string]string{}, regionName: map[string]string{}}
	for _, x := range regions {
		r.regionName[x.Code] = x.Name
		switch x.Level {
		case org.LevelTown:
			r.townByName[x.Name], r.townByName[x.Code] = x.Code, x.Code
		case org.LevelVillage:
			r.villageByKey[x.ParentCode+"/"+x.Name], r.villageByKey[x.ParentCode+"/"+x.Code] = x.Code, x.Code
		}
	}
	return r, nil
}

// RegionNames returns code → name of the county's regions.
func (s *Service) RegionNames(ctx context.Context, p *auth.Principal) (map[string]string, error) {
	r, err := s.refs(ctx, p)
	if err != nil {
		return nil, err
	}
	return r.regionName, nil
}

// StageLabel is the Chinese name of a stage.
func StageLabel(st Stage) string { return msg.ZH("housing.stage."+string(st), nil) }

// export writes the filtered buildings of one campaign (?campaign=ID), or
// of every campaign when none is named; the owner only masked.
func (s *Service) export(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
	r, err := s.refs(ctx, p)
	if err != nil {
		return err
	}
	var list []Campaign
	if id := q.Get("campaign"); id != "" {
		c, err := s.Campaign(ctx, p, id)
		if err != nil {
			return err
		}
		list = []Campaign{c}
	} else if list, err = s.Campaigns(ctx, p); err != nil {
		return err
	}
	f := FilterOf(q)
	stageNames := map[Stage]string{}
	for _, st := range Stages {
		stageNames[st] = StageLabel(st)
	}
	yes := func(b bool, y, n string) string {
		if b {
			return y
		}
		return n
	}
	vals := make([]any, len(Schema().Columns))
	for _, c := range list {
		err := s.Each(ctx, p, c.ID, f, func(b *Row) error {
			clear(vals)
			vals[0], vals[1], vals[2], vals[3] = c.Name, b.Code, r.regionName[b.TownCode], r.regionName[b.VillageCode]
			vals[4], vals[5] = yes(b.Urban, "城镇", "农村"), b.Address
			if b.Lat != nil {
				vals[6], vals[7] = *b.Lng, *b.Lat
			}
			vals[8] = b.Structure
			if b.Storeys > 0 {
				vals[9] = b.Storeys
			}
			if b.YearBuilt > 0 {
				vals[10] = b.YearBuilt
			}
			if b.FloorArea > 0 {
				vals[11] = b.FloorArea
			}
			vals[12], vals[13], vals[14] = yes(b.Business, "是", "否"), b.BusinessType, b.OwnerMask
			vals[17] = b.SurveyedOn
			if b.JudgedOn != "" {
				vals[18], vals[19] = yes(b.Hazard, "有隐患", "无隐患"), b.JudgedOn
			}
			if b.AssessedOn != "" {
				vals[20], vals[21], vals[22] = yes(b.NeedAppraisal, "需鉴定", "无需鉴定"), Assessors.Label(b.AssessedBy, "zh"), b.AssessedOn
				if b.AssessedBy == "" {
					vals[21] = nil
				}
			}
			vals[23], vals[24], vals[25] = b.Grade, b.Agency, b.AppraisedOn
			if b.Measure != "" {
				vals[26] = Measures.Label(b.Measure, "zh")
			}
			vals[27], vals[28], vals[29] = b.RemediatedOn, b.ClosedOn, stageNames[b.Stage]
			if b.HazardLevel != "" {
				vals[30] = Levels.Label(b.HazardLevel, "zh")
			}
			for i, c := range []string{b.CheckStructure, b.CheckBusiness, b.CheckLegal} {
				if c != "" {
					vals[31+i] = CheckResults.Label(c, "zh")
				}
			}
			return w.Write(vals...)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

type bImport struct {
	s        *Service
	p        *auth.Principal
	refs     *refs
	today    string
	byName   map[string]string           // campaign name or id → id
	single   string                      // the only campaign, or the chosen one
	chosen   string                      // the campaign chosen for the whole file ("" when none)
	existing map[string]map[string]bool  // campaign → codes already recorded (loaded when first needed)
	seen     map[string]map[string]int32 // campaign → code → row in this file
	rows     [][]rec                     // in chunks, so the rows are never copied to grow
	n        int
	stopped  bool              // a file-wide problem was reported; keep checking nothing
	agencies map[string]string // appraisal agencies seen (one string each)
}

// newImport starts an import into target (a campaign's ID or name; ""
// for the only campaign, or each row's own 排查活动 column).
func (s *Service) newImport(ctx context.Context, p *auth.Principal, target string) (*bImport, error) {
	r, err := s.refs(ctx, p)
	if err != nil {
		return nil, err
	}
	list, err := s.Campaigns(ctx, p)
	if err != nil {
		return nil, err
	}
	im := &bImport{s: s, p: p, refs: r, today: s.Today(), byName: map[string]string{}, existing: map[string]map[string]bool{},
		seen: map[string]map[string]int32{}}
	for _, c := range list {
		im.byName[c.Name], im.byName[c.ID] = c.ID, c.ID
	}
	if len(list) == 1 {
		im.single = list[0].ID
	}
	if target != "" {
		id, ok := im.byName[target]
		if !ok {
			return nil, errs.New(errs.Invalid, "housing.unknown_campaign").With(map[string]any{"Name": target})
		}
		im.single, im.chosen = id, id
	}
	return im, nil
}

// existingCodes loads the codes a campaign already holds.
func (im *bImport) existingCodes(ctx context.Context, campaign string) (map[string]bool, error) {
	if m, ok := im.existing[campaign]; ok {
		return m, nil
	}
	m := map[string]bool{}
	rows, err := im.s.db.R().QueryContext(ctx, `SELECT code FROM housing_building WHERE campaign_id = $1`, campaign)
	if err != nil {
		return nil, fmt.Errorf("existing building codes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		m[c] = true
	}
	im.existing[campaign] = m
	return m, rows.Err()
}

// stepColumns map a step's fields to the file's columns.
var stepColumns = map[Action]map[string]string{
	ActJudge: {"": "hazard_level", "on": "judged_on", "hazard": "hazard", "hazard_level": "hazard_level", "check_structure": "check_structure",
		"check_business": "check_business", "check_legal": "check_legal"},
	ActAssess:    {"": "need_appraisal", "on": "assessed_on", "need": "need_appraisal", "assessed_by": "assessed_by"},
	ActAppraise:  {"": "grade", "on": "appraised_on", "grade": "grade", "agency": "agency"},
	ActRemediate: {"": "measure", "on": "remediated_on", "measure": "measure"},
	ActClose:     {"": "closed_on", "on": "closed_on"},
}

var modelColumns = map[string]string{"code": "code", "town_code": "town", "village_code": "village", "surveyed_on": "surveyed_on",
	"storeys": "storeys", "year_built": "year_built", "floor_area": "floor_area", "lat": "lat", "lng": "lng", "address": "address",
	"owner_phone": "owner_phone", "owner_id_number": "owner_id"}

func (im *bImport) Check(ctx context.Context, row xlsx.Row) []xlsx.CellError {
	if im.stopped || ctx.Err() != nil {
		// Cancelled: nothing more is checked (the kit stops reading
		// within a few hundred rows) and Commit refuses to write.
		return nil
	}
	v := row.Values
	var out []xlsx.CellError
	bad := func(key, reason string) { out = append(out, xlsx.CellError{Key: key, Reason: reason}) }
	campaign := im.single
	if name := v["campaign"]; name != "" {
		id, ok := im.byName[name]
		switch {
		case !ok:
			bad("campaign", "未知排查活动："+name)
		case im.chosen != "" && id != im.chosen:
			bad("campaign", "本行的排查活动「"+name+"」与导入时选择的活动不一致")
		}
		campaign = id
	} else if campaign == "" {
		im.stopped = true
		if len(im.byName) == 0 {
			bad("", "尚未建立排查活动：请先在「自建房排查」中新建活动")
		} else {
			bad("campaign", "系统中有多个排查活动：请在「排查活动」列填写本行房屋所属的活动名称")
		}
		return out
	}
	b := Building{CampaignID: campaign, CountyCode: im.p.CountyCode, Code: v["code"], Address: v["address"], Structure: v["structure"],
		BusinessType: v["business_type"], SurveyedOn: v["surveyed_on"], Urban: v["area"] == "城镇", Business: v["business"] == "是",
		Owner: Owner{Name: v["owner_name"], Phone: v["owner_phone"], IDNumber: strings.ToUpper(v["owner_id"])}}
	if t := v["town"]; t != "" {
		code, ok := im.refs.townByName[t]
		if !ok {
			bad("town", "未知乡镇："+t)
		} else if im.p.Role == auth.RoleTown && !InScope(im.p, Building{TownCode: code, VillageCode: im.refs.villageByKey[code+"/"+v["village"]]}) {
			bad("town", "您只能导入本乡镇（村）的房屋")
		}
		b.TownCode = code
		if vil := v["village"]; vil != "" && ok {
			vc, ok := im.refs.villageByKey[code+"/"+vil]
			if !ok {
				bad("village", "该乡镇下没有此村（社区）："+vil)
			}
			b.VillageCode = vc
		}
	}
	num := func(key string, bits int, set func(float64)) {
		x := v[key]
		if x == "" {
			return
		}
		f, err := strconv.ParseFloat(x, 64)
		if err != nil {
			bad(key, "应为数字")
			return
		}
		if bits > 0 && f != float64(int64(f)) {
			bad(key, "应为整数")
			return
		}
		set(f)
	}
	num("storeys", 32, func(f float64) { b.Storeys = int(f) })
	num("year_built", 32, func(f float64) { b.YearBuilt = int(f) })
	num("floor_area", 0, func(f float64) { b.FloorArea = f })
	var lat, lng float64
	hasLat, hasLng := v["lat"] != "", v["lng"] != ""
	num("lat", 0, func(f float64) { lat = f })
	num("lng", 0, func(f float64) { lng = f })
	if hasLat && hasLng {
		b.Lat, b.Lng = &lat, &lng
	} else if hasLat != hasLng {
		bad("lat", "经度和纬度须同时填写")
	}
	// The model's own rules, mapped to their columns; problems already
	// reported are not repeated.
	if err := Validate(&b, im.today); err != nil {
		for _, fe := range errs.Fields(err) {
			key := modelColumns[fe.Field]
			if key == "" || flagged(out, key) || flagged(row.Errors, key) {
				continue
			}
			bad(key, msg.Reason(fe))
		}
	}
	if b.Code != "" && CodeOK(b.Code) && campaign != "" {
		seen := im.seen[campaign]
		if seen == nil {
			seen = map[string]int32{}
			im.seen[campaign] = seen
		}
		existing, err := im.existingCodes(ctx, campaign)
		switch {
		case err != nil:
			bad("code", "无法核对已有房屋编号，请重试")
		case existing[b.Code]:
			bad("code", "该房屋编号已在本活动中登记")
		case seen[b.Code] > 0:
			bad("code", fmt.Sprintf("与第 %d 行重复", seen[b.Code]))
		default:
			seen[b.Code] = int32(row.Num)
		}
	}
	// Stages: the steps the row records, checked by the rules in order.
	steps, stepErrs := rowSteps(v)
	out = append(out, stepErrs...)
	if len(out) == 0 && len(row.Errors) == 0 {
		after, i, err := Replay(b, steps, im.today)
		if err != nil {
			cols := stepColumns[steps[i].Action]
			fields := errs.Fields(err)
			if len(fields) == 0 {
				bad(cols[""], msg.Reason(err))
			}
			for _, fe := range fields {
				key := cols[fe.Field]
				if key == "" {
					key = cols[""]
				}
				bad(key, msg.Reason(fe))
			}
		} else {
			b = after
		}
	}
	if len(out) == 0 && len(row.Errors) == 0 {
		r := recOf(b)
		// Values from short code lists share one string.
		r.structure, r.businessType, r.agency = intern(Structures, r.structure), intern(BusinessTypes, r.businessType), im.internAgency(r.agency)
		if len(im.rows) == 0 || len(im.rows[len(im.rows)-1]) == chunk {
			im.rows = append(im.rows, make([]rec, 0, chunk))
		}
		last := &im.rows[len(im.rows)-1]
		*last = append(*last, r)
		im.n++
	}
	return out
}

// chunk is how many rows an import keeps in one slice.
const chunk = 4096

func intern(list []string, s string) string {
	for _, x := range list {
		if x == s {
			return x
		}
	}
	return s
}

func (im *bImport) internAgency(s string) string {
	if s == "" {
		return ""
	}
	if im.agencies == nil {
		im.agencies = map[string]string{}
	}
	if x, ok := im.agencies[s]; ok {
		return x
	}
	im.agencies[s] = s
	return s
}

// rowSteps reads the stage columns of a row as steps; a value that is not
// understood is reported on its column.
func rowSteps(v map[string]string) ([]Step, []xlsx.CellError) {
	var out []Step
	var bad []xlsx.CellError
	t, f := true, false
	dayOf := func(key string) string {
		x := v[key]
		if x == "" {
			return ""
		}
		d, err := day.Parse(x)
		if err != nil {
			bad = append(bad, xlsx.CellError{Key: key, Reason: "日期无效，应写作 2022-05-10"})
			return ""
		}
		return d
	}
	if v["hazard"] != "" || v["judged_on"] != "" || v["hazard_level"] != "" {
		s := Step{Action: ActJudge, On: dayOf("judged_on"), Level: v["hazard_level"], CheckStructure: v["check_structure"],
			CheckBusiness: v["check_business"], CheckLegal: v["check_legal"]}
		switch v["hazard"] {
		case "有隐患":
			s.Hazard = &t
		case "无隐患":
			s.Hazard = &f
		}
		out = append(out, s)
	}
	if v["need_appraisal"] != "" || v["assessed_on"] != "" || v["assessed_by"] != "" {
		s := Step{Action: ActAssess, On: dayOf("assessed_on"), AssessedBy: v["assessed_by"]}
		switch v["need_appraisal"] {
		case "需鉴定":
			s.Need = &t
		case "无需鉴定":
			s.Need = &f
		}
		out = append(out, s)
	}
	if v["grade"] != "" || v["agency"] != "" || v["appraised_on"] != "" {
		out = append(out, Step{Action: ActAppraise, On: dayOf("appraised_on"), Grade: v["grade"], Agency: v["agency"]})
	}
	if v["measure"] != "" || v["remediated_on"] != "" {
		out = append(out, Step{Action: ActRemediate, On: dayOf("remediated_on"), Measure: v["measure"]})
	}
	if v["closed_on"] != "" {
		out = append(out, Step{Action: ActClose, On: dayOf("closed_on")})
	}
	return out, bad
}

func flagged(list []xlsx.CellError, key string) bool {
	for _, e := range list {
		if e.Key == key {
			return true
		}
	}
	return false
}

// auditChunk is how many buildings one audit entry of a bulk write names.
const auditChunk = 1000

// Commit writes every checked row in one transaction: the buildings in
// multi-row INSERTs, the daily and facet counts, and the audit entries
// naming every building written. A cancelled context (the job cancelled,
// the program stopped) rolls everything back.
func (im *bImport) Commit(ctx context.Context, progress func(done, total int64)) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	total := int64(im.n)
	err := im.s.db.InTx(ctx, func(tx *store.Tx) error {
		return im.s.writeRecs(ctx, tx, im.p, im.rows, "import", func(done int) {
			progress(int64(done), total)
		})
	})
	if err != nil {
		if store.IsUniqueViolation(err) {
			return 0, errs.New(errs.Conflict, "housing.import_conflict")
		}
		return 0, err
	}
	return im.n, nil
}

// writeRecs writes buildings, their counts and their audit entries inside
// tx. The audit log gets one entry per campaign and thousand buildings,
// naming each building's code (and town), written with audit.RecordMany;
// action "demo" audits the load as a whole (the caller does).
func (s *Service) writeRecs(ctx context.Context, tx *store.Tx, p *auth.Principal, chunks [][]rec, action string, progress func(done int)) error {
	now := s.now().UTC()
	t := newTally()
	codes := map[string][]string{}
	var order []string
	done := 0
	for _, recs := range chunks {
		idList, err := insertRecs(ctx, tx, p.CountyCode, s.sealer, now, recs, func(n int) error {
			if progress != nil {
				progress(done + n)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for i := range recs {
			r := &recs[i]
			t.add(r.building(), 1)
			if action == "import" {
				if _, ok := codes[r.campaign]; !ok {
					order = append(order, r.campaign)
				}
				codes[r.campaign] = append(codes[r.campaign], r.code+"@"+r.town+"#"+idList[i])
			}
		}
		done += len(recs)
	}
	if err := t.write(ctx, tx); err != nil {
		return err
	}
	if action != "import" {
		return nil
	}
	var entries []audit.Entry
	for _, c := range order {
		list := codes[c]
		for start := 0; start < len(list); start += auditChunk {
			part := list[start:min(start+auditChunk, len(list))]
			entries = append(entries, audit.Entry{Entity: "housing_campaign", EntityID: c, Action: "import",
				After: map[string]any{"buildings": len(part), "code@town#id": part}})
		}
	}
	return audit.RecordMany(ctx, tx, now, p.Actor(), entries)
}
