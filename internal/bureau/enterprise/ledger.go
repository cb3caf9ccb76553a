package enterprise

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
	"yingji/internal/kit/xlsx"
)

// Schema is the enterprise ledger's Excel layout (企业台账).
func Schema() xlsx.Schema {
	risks := Risks.ZHLabels()
	return xlsx.Schema{Name: "企业台账", Columns: []xlsx.Column{
		{Key: "name", Header: "企业名称", HeaderEN: "Name", Required: true, Width: 28, Example: "示例县某某矿业有限公司"},
		{Key: "credit_code", Header: "统一社会信用代码", HeaderEN: "Credit code", Required: true, Width: 22, Example: "91350100M000100Y43", Help: "18 位，按 GB 32100 校验", HelpEN: "18 characters, checked as in GB 32100"},
		{Key: "town", Header: "所在乡镇", HeaderEN: "Town", Required: true, Width: 12, Example: "工山镇", Help: "乡镇名称或 9 位区划代码", HelpEN: "Town name or its 9-digit region code"},
		{Key: "village", Header: "所在村（社区）", HeaderEN: "Village", Width: 12, Example: "新岭村"},
		{Key: "address", Header: "地址", HeaderEN: "Address", Width: 30},
		{Key: "lng", Header: "经度", HeaderEN: "Longitude", Example: "118.33", Help: "小数度，须在本县范围内", HelpEN: "Decimal degrees, inside the county"},
		{Key: "lat", Header: "纬度", HeaderEN: "Latitude", Example: "30.92"},
		{Key: "sector", Header: "监管行业", HeaderEN: "Sector", Required: true, Options: org.Sectors.ZHLabels(), Width: 14},
		{Key: "scale", Header: "规模", HeaderEN: "Size", Options: Scales.ZHLabels(), Example: "规上"},
		{Key: "specials", Header: "专项类别", HeaderEN: "Special categories", Width: 20, Example: "粉尘涉爆、有限空间作业", Help: "多个用顿号分隔：" + strings.Join(Specials.ZHLabels(), "、"), HelpEN: "One or more, separated by “、”: " + strings.Join(Specials.ZHLabels(), "、")},
		{Key: "section", Header: "监管股室", HeaderEN: "Section", Width: 12, Example: "监管一股"},
		{Key: "principal_name", Header: "主要负责人", HeaderEN: "Principal"},
		{Key: "principal_phone", Header: "主要负责人电话", HeaderEN: "Principal's phone", Width: 15},
		{Key: "safety_name", Header: "安全管理人员", HeaderEN: "Safety manager"},
		{Key: "safety_phone", Header: "安全管理人员电话", HeaderEN: "Safety manager's phone", Width: 15},
		{Key: "status", Header: "经营状态", HeaderEN: "Status", Options: Statuses.ZHLabels(), Example: "在营"},
		{Key: "risk", Header: "风险等级", HeaderEN: "Risk level", Options: risks, Example: "一般"},
	}}
}

// Ledger is the enterprise register for the Excel kit.
func (s *Service) Ledger() *ledger.Ledger {
	return &ledger.Ledger{
		Kind:   "enterprises",
		Title:  "nav.enterprises",
		Schema: Schema(),
		Export: s.export,
		NewImport: func(ctx context.Context, p *auth.Principal, _ string) (ledger.Import, error) {
			if !p.Is(auth.RoleAdmin, auth.RoleSection, auth.RoleTown) {
				return nil, errs.New(errs.Forbidden, "forbidden")
			}
			return s.newImport(ctx, p)
		},
	}
}

// refs are the names the Excel columns refer to.
type refs struct {
	regions       []org.Region
	townByName    map[string]string // name or code → town code
	villageByKey  map[string]string // town code + "/" + village name → village code
	regionName    map[string]string
	sectionByName map[string]string
	sectionName   map[string]string
}

func (s *Service) refs(ctx context.Context, p *auth.Principal) (*refs, error) {
	all := &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}
	regions, err := s.org.ListRegions(ctx, all, org.RegionFilter{})
	if err != nil {
		return nil, err
	}
	units, err := s.org.ListUnits(ctx, all, org.UnitFilter{Kind: org.UnitSection})
	if err != nil {
		return nil, err
	}
	r := &refs{regions: regions, townByName: map[string]string{}, villageByKey: map[string]string{}, regionName: map[string]string{},
		sectionByName: map[string]string{}, sectionName: map[string]string{}}
	for _, x := range regions {
		r.regionName[x.Code] = x.Name
		switch x.Level {
		case org.LevelTown:
			r.townByName[x.Name], r.townByName[x.Code] = x.Code, x.Code
		case org.LevelVillage:
			r.villageByKey[x.ParentCode+"/"+x.Name], r.villageByKey[x.ParentCode+"/"+x.Code] = x.Code, x.Code
		}
	}
	for _, u := range units {
		r.sectionByName[u.Name], r.sectionName[u.ID] = u.ID, u.Name
	}
	return r, nil
}

func (s *Service) export(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
	r, err := s.refs(ctx, p)
	if err != nil {
		return err
	}
	return s.Each(ctx, p, FilterOf(q), func(e Enterprise) error {
		var lat, lng any
		if e.Lat != nil {
			lat, lng = *e.Lat, *e.Lng
		}
		var sp []string
		for _, x := range e.Specials {
			sp = append(sp, SpecialLabel(x, "zh"))
		}
		risk, _ := RiskLabel(e.Risk, "zh")
		return w.Write(e.Name, e.CreditCode, r.regionName[e.TownCode], r.regionName[e.VillageCode], e.Address, lng, lat,
			org.SectorLabel(e.Sector, "zh"), ScaleLabel(e.Scale, "zh"), strings.Join(sp, "、"), r.sectionName[e.SectionID],
			e.PrincipalName, e.PrincipalPhone, e.SafetyName, e.SafetyPhone, StatusLabel(e.Status, "zh"), risk)
	})
}

type entImport struct {
	s        *Service
	p        *auth.Principal
	refs     *refs
	existing map[string]bool // credit codes in the county
	seen     map[string]int  // credit code → row in this file
	rows     []Enterprise
}

func (s *Service) newImport(ctx context.Context, p *auth.Principal) (*entImport, error) {
	r, err := s.refs(ctx, p)
	if err != nil {
		return nil, err
	}
	existing := map[string]bool{}
	rows, err := s.db.R().QueryContext(ctx, `SELECT credit_code FROM enterprise WHERE county_code = $1`, p.CountyCode)
	if err != nil {
		return nil, fmt.Errorf("existing credit codes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		existing[c] = true
	}
	return &entImport{s: s, p: p, refs: r, existing: existing, seen: map[string]int{}}, rows.Err()
}

func (im *entImport) Check(ctx context.Context, row xlsx.Row) []xlsx.CellError {
	v := row.Values
	var out []xlsx.CellError
	bad := func(key, reason string) { out = append(out, xlsx.CellError{Key: key, Reason: reason}) }
	e := Enterprise{Name: v["name"], CreditCode: NormalizeCreditCode(v["credit_code"]), Address: v["address"], CountyCode: im.p.CountyCode,
		PrincipalName: v["principal_name"], PrincipalPhone: v["principal_phone"], SafetyName: v["safety_name"], SafetyPhone: v["safety_phone"]}
	if e.CreditCode != "" {
		if reason, ok := CheckCreditCode(e.CreditCode); !ok {
			bad("credit_code", reason)
		} else if first, dup := im.seen[e.CreditCode]; dup {
			bad("credit_code", fmt.Sprintf("与第 %d 行重复", first))
		} else if im.existing[e.CreditCode] {
			bad("credit_code", "该统一社会信用代码已在本县登记")
		} else {
			im.seen[e.CreditCode] = row.Num
		}
	}
	if t := v["town"]; t != "" {
		code, ok := im.refs.townByName[t]
		if !ok {
			bad("town", "未知乡镇："+t)
		}
		e.TownCode = code
		if vil := v["village"]; vil != "" && ok {
			vc, ok := im.refs.villageByKey[code+"/"+vil]
			if !ok {
				bad("village", "该乡镇下没有此村（社区）："+vil)
			}
			e.VillageCode = vc
		}
	}
	if v["sector"] != "" {
		if c, ok := org.SectorByLabel(v["sector"]); ok {
			e.Sector = c
		}
	}
	if x := v["scale"]; x != "" {
		e.Scale, _ = Scales.Lookup(x)
	}
	for _, part := range splitList(v["specials"]) {
		c, ok := Specials.Lookup(part)
		if !ok {
			bad("specials", "未知专项类别："+part)
			continue
		}
		e.Specials = append(e.Specials, c)
	}
	if x := v["section"]; x != "" {
		id, ok := im.refs.sectionByName[x]
		if !ok {
			bad("section", "未知监管股室："+x)
		}
		e.SectionID = id
	}
	if x := v["status"]; x != "" {
		e.Status, _ = Statuses.Lookup(x)
	}
	if x := v["risk"]; x != "" {
		c, ok := riskOf(x)
		if !ok {
			bad("risk", "风险等级应为：重大、较大、一般、低")
		}
		e.Risk = c
	}
	lat, lng := v["lat"], v["lng"]
	if lat != "" || lng != "" {
		la, err1 := strconv.ParseFloat(lat, 64)
		lo, err2 := strconv.ParseFloat(lng, 64)
		switch {
		case err1 != nil:
			bad("lat", "纬度应为数字")
		case err2 != nil:
			bad("lng", "经度应为数字")
		default:
			e.Lat, e.Lng = &la, &lo
		}
	}
	// The model's own rules (coordinates in the county, phones …), mapped
	// to their columns, so that one pass reports every bad cell of the
	// row; a column already reported above (or by the kit) is not
	// reported twice.
	reported := map[string]bool{}
	for _, ce := range append(append([]xlsx.CellError(nil), row.Errors...), out...) {
		reported[ce.Key] = true
	}
	if err := Validate(&e, im.s.bounds()); err != nil {
		for _, fe := range errs.Fields(err) {
			key := map[string]string{"town_code": "town", "village_code": "village"}[fe.Field]
			if key == "" {
				key = fe.Field
			}
			if !reported[key] {
				reported[key] = true
				bad(key, cellReason(fe))
			}
		}
	}
	if len(out) == 0 && len(row.Errors) == 0 && !mayCreate(im.p, e) {
		bad("", "您只能导入本股室监管行业或本乡镇的企业")
	}
	if len(out) == 0 && len(row.Errors) == 0 {
		im.rows = append(im.rows, e)
	}
	return out
}

// cellReason renders a model field error in Chinese for the error report.
func cellReason(fe *errs.Error) string {
	switch fe.Message {
	case "enterprise.latlng_outside":
		return fmt.Sprintf("坐标不在本县范围内（纬度 %v~%v，经度 %v~%v）", fe.Args["MinLat"], fe.Args["MaxLat"], fe.Args["MinLng"], fe.Args["MaxLng"])
	case "enterprise.latlng_invalid":
		return "经纬度超出有效范围"
	case "enterprise.latlng_pair":
		return "经度和纬度须同时填写"
	case "enterprise.phone_invalid":
		return "电话号码格式不正确"
	case "enterprise.credit_code_invalid":
		return fmt.Sprint(fe.Args["Reason"])
	case "field.required":
		return "必填项为空"
	}
	return "取值无效"
}

func (im *entImport) Commit(ctx context.Context, progress func(done, total int64)) (int, error) {
	total := int64(len(im.rows))
	err := im.s.db.InTx(ctx, func(tx *store.Tx) error {
		now := im.s.now().UTC()
		entries := make([]audit.Entry, len(im.rows))
		err := store.InsertRows(ctx, tx, "enterprise", cols, len(im.rows), func(i int) []any {
			e := &im.rows[i]
			e.ID, e.CreatedAt, e.UpdatedAt = ids.New(), now, now
			entries[i] = audit.Entry{Entity: "enterprise", EntityID: e.ID, Action: "import", After: e}
			return []any{e.ID, e.CountyCode, e.Name, e.CreditCode, e.Address, e.TownCode, e.VillageCode, nullF(e.Lat), nullF(e.Lng),
				e.Sector, e.Scale, joinSpecials(e.Specials), e.SectionID, e.PrincipalName, e.PrincipalPhone, e.SafetyName, e.SafetyPhone,
				e.Status, e.Risk, now, now}
		}, func(done int) { progress(int64(done), total) })
		if store.IsUniqueViolation(err) {
			return errs.New(errs.Conflict, "enterprise.import_conflict")
		}
		if err != nil {
			return err
		}
		return audit.RecordMany(ctx, tx, now, im.p.Actor(), entries)
	})
	return len(im.rows), err
}

// splitList splits "a、b,c，d" into its parts.
func splitList(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == '、' || r == ',' || r == '，' || r == ';' || r == '；' || r == '/' })
	var out []string
	for _, p := range f {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
