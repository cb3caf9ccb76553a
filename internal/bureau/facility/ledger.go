package facility

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/store"
	"yingji/internal/kit/xlsx"
)

// Schema is the facilities ledger's Excel layout (设施台账): one sheet for
// every kind, with a kind column; the enterprise is referenced by its
// credit code.
func Schema() xlsx.Schema {
	var rules []string
	for _, k := range Kinds {
		rules = append(rules, k.ZH+"："+StatusesLabel(k.Value, "zh"))
	}
	return xlsx.Schema{Name: "设施台账", Columns: []xlsx.Column{
		{Key: "name", Header: "设施名称", HeaderEN: "Name", Required: true, Width: 30, Example: "示例县某某矿业选厂尾矿库"},
		{Key: "kind", Header: "设施类型", HeaderEN: "Kind", Required: true, Options: Kinds.ZHLabels(), Width: 12, Example: "尾矿库"},
		{Key: "credit_code", Header: "企业统一社会信用代码", HeaderEN: "Enterprise credit code", Required: true, Width: 22,
			Example: "91350100M000100Y43", Help: "设施所属企业，须已在企业台账登记"},
		{Key: "enterprise", Header: "企业名称", HeaderEN: "Enterprise", Width: 28, Help: "仅供核对，导入时以统一社会信用代码为准"},
		{Key: "lng", Header: "经度", HeaderEN: "Longitude", Example: "118.33", Help: "小数度，须在本县范围内；不填则在地图上使用企业的坐标"},
		{Key: "lat", Header: "纬度", HeaderEN: "Latitude", Example: "30.92"},
		{Key: "status", Header: "当前状态", HeaderEN: "Status", Options: Statuses.ZHLabels(), Width: 10, Example: "运行",
			Help: "须为该类型的状态（" + strings.Join(rules, "；") + "）；不填为该类型的第一个状态"},
		{Key: "status_date", Header: "状态日期", HeaderEN: "Status date", Width: 12, Example: "2022-04-15", Help: "当前状态的生效日期；不填为导入当日"},
		{Key: "mineral", Header: "开采矿种", HeaderEN: "Mineral", Example: "铜矿", Help: "矿山填写"},
		{Key: "capacity", Header: "生产规模（万吨/年）", HeaderEN: "Capacity (10kt/yr)", Width: 14, Example: "30", Help: "矿山填写"},
		{Key: "grade", Header: "尾矿库等别", HeaderEN: "Pond grade", Options: Grades, Example: "四等", Help: "尾矿库填写"},
		{Key: "design_capacity", Header: "设计库容（万立方米）", HeaderEN: "Design capacity (10k m³)", Width: 14, Example: "120", Help: "尾矿库填写"},
		{Key: "dam_height", Header: "坝高（米）", HeaderEN: "Dam height (m)", Example: "35", Help: "尾矿库填写"},
		{Key: "level", Header: "危险源级别", HeaderEN: "Hazard level", Options: Levels, Example: "二级", Help: "重大危险源填写（必填）"},
		{Key: "substances", Header: "主要危险物质", HeaderEN: "Main substances", Width: 20, Example: "丙烷", Help: "重大危险源填写"},
	}}
}

// Ledger is the facilities register for the Excel kit.
func (s *Service) Ledger() *ledger.Ledger {
	return &ledger.Ledger{
		Kind:   "facilities",
		Title:  "nav.facilities",
		Schema: Schema(),
		Export: s.export,
		NewImport: func(ctx context.Context, p *auth.Principal, _ string) (ledger.Import, error) {
			if !p.Is(auth.RoleAdmin, auth.RoleSection) {
				return nil, errs.New(errs.Forbidden, "forbidden")
			}
			return s.newImport(ctx, p)
		},
	}
}

// FilterOf reads the list filter from query parameters.
func FilterOf(q url.Values) Filter {
	return Filter{Kind: q.Get("kind"), Status: q.Get("status"), Town: q.Get("town"), Enterprise: q.Get("enterprise"), Q: q.Get("q")}
}

func num(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

func (s *Service) export(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
	list, err := s.All(ctx, p, FilterOf(q))
	if err != nil {
		return err
	}
	codes := map[string]string{}
	err = s.ent.Each(ctx, p, enterprise.Filter{}, func(e enterprise.Enterprise) error {
		codes[e.ID] = e.CreditCode
		return nil
	})
	if err != nil {
		return err
	}
	for _, f := range list {
		if err := w.Write(f.Name, KindLabel(f.Kind, "zh"), codes[f.EnterpriseID], f.EnterpriseName, num(f.Lng), num(f.Lat),
			StatusLabel(f.Status, "zh"), f.StatusDate, f.Mineral, num(f.Capacity), GradeLabel(f.Grade, "zh"), num(f.DesignCapacity),
			num(f.DamHeight), LevelLabel(f.Level, "zh"), f.Substances); err != nil {
			return err
		}
	}
	return nil
}

type facImport struct {
	s        *Service
	p        *auth.Principal
	today    string
	byCode   map[string]enterprise.Enterprise // credit code → enterprise in the county
	existing map[string]bool                  // enterprise id + "/" + facility name
	seen     map[string]int                   // the same, → row in this file
	rows     []Facility
}

func (s *Service) newImport(ctx context.Context, p *auth.Principal) (*facImport, error) {
	im := &facImport{s: s, p: p, today: s.today(), byCode: map[string]enterprise.Enterprise{}, existing: map[string]bool{}, seen: map[string]int{}}
	all := &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}
	err := s.ent.Each(ctx, all, enterprise.Filter{}, func(e enterprise.Enterprise) error {
		im.byCode[e.CreditCode] = e
		return nil
	})
	if err != nil {
		return nil, err
	}
	rows, err := s.db.R().QueryContext(ctx, `SELECT enterprise_id, name FROM facility WHERE county_code = $1`, p.CountyCode)
	if err != nil {
		return nil, fmt.Errorf("existing facilities: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e, n string
		if err := rows.Scan(&e, &n); err != nil {
			return nil, err
		}
		im.existing[e+"/"+n] = true
	}
	return im, rows.Err()
}

func (im *facImport) Check(ctx context.Context, row xlsx.Row) []xlsx.CellError {
	v := row.Values
	var out []xlsx.CellError
	bad := func(key, reason string) { out = append(out, xlsx.CellError{Key: key, Reason: reason}) }
	f := Facility{Name: strings.TrimSpace(v["name"]), CountyCode: im.p.CountyCode, Mineral: v["mineral"], Substances: v["substances"]}
	if x := v["kind"]; x != "" {
		c, ok := KindOf(x)
		if !ok {
			bad("kind", "设施类型应为："+strings.Join(Kinds.ZHLabels(), "、"))
		}
		f.Kind = c
	}
	if x := v["credit_code"]; x != "" {
		code := enterprise.NormalizeCreditCode(x)
		e, ok := im.byCode[code]
		switch {
		case !ok:
			if reason, valid := enterprise.CheckCreditCode(code); !valid {
				bad("credit_code", reason)
			} else {
				bad("credit_code", "企业台账中没有该统一社会信用代码的企业："+code)
			}
		case !CanWrite(im.p, e):
			bad("credit_code", "该企业不在您的监管范围内："+e.Name)
		default:
			f.EnterpriseID = e.ID
		}
	}
	if f.EnterpriseID != "" && f.Name != "" {
		key := f.EnterpriseID + "/" + f.Name
		if first, dup := im.seen[key]; dup {
			bad("name", fmt.Sprintf("与第 %d 行重复（同一企业的同名设施）", first))
		} else if im.existing[key] {
			bad("name", "该企业已登记同名设施")
		} else {
			im.seen[key] = row.Num
		}
	}
	if x := v["status"]; x != "" {
		c, ok := StatusOf(x)
		if !ok {
			bad("status", "未知状态："+x)
		} else if f.Kind != "" && !StatusAllowed(f.Kind, c) {
			bad("status", fmt.Sprintf("%s的状态只能是：%s", KindLabel(f.Kind, "zh"), StatusesLabel(f.Kind, "zh")))
		}
		f.Status = c
	}
	if x := v["status_date"]; x != "" {
		d, ok := ParseDate(x)
		switch {
		case !ok:
			bad("status_date", "日期无效，应写作 2022-04-15")
		case d > im.today:
			bad("status_date", "状态日期不能晚于今天")
		}
		f.StatusDate = d
	}
	number := func(key string) *float64 {
		x := strings.TrimSpace(v[key])
		if x == "" {
			return nil
		}
		n, err := strconv.ParseFloat(x, 64)
		if err != nil || n < 0 {
			bad(key, "应为不小于 0 的数字")
			return nil
		}
		return &n
	}
	f.Capacity, f.DesignCapacity, f.DamHeight = number("capacity"), number("design_capacity"), number("dam_height")
	if x := v["grade"]; x != "" {
		n, ok := GradeOf(x)
		if !ok {
			bad("grade", "尾矿库等别应为：一等至五等")
		}
		f.Grade = n
	}
	if x := v["level"]; x != "" {
		n, ok := LevelOf(x)
		if !ok {
			bad("level", "危险源级别应为：一级至四级")
		}
		f.Level = n
	}
	if f.Kind == KindHazard && v["level"] == "" {
		bad("level", "重大危险源须填写级别（一级至四级）")
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
			f.Lat, f.Lng = &la, &lo
		}
	}
	// The model's own rules (coordinates in the county …), mapped to their
	// columns; problems already reported above are not repeated.
	if len(out) == 0 && len(row.Errors) == 0 {
		if err := im.s.prepareNew(&f); err != nil {
			for _, fe := range errs.Fields(err) {
				key := map[string]string{"enterprise_id": "credit_code"}[fe.Field]
				if key == "" {
					key = fe.Field
				}
				bad(key, cellReason(fe))
			}
		}
	}
	if len(out) == 0 && len(row.Errors) == 0 {
		im.rows = append(im.rows, f)
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
	case "facility.status_not_for_kind":
		return fmt.Sprintf("%v的状态只能是：%v", fe.Args["Kind"], fe.Args["Allowed"])
	case "facility.date_invalid":
		return "日期无效，应写作 2022-04-15"
	case "facility.date_future":
		return "日期不能晚于今天"
	case "facility.level_invalid":
		return "重大危险源须填写级别（一级至四级）"
	case "facility.grade_invalid":
		return "尾矿库等别应为：一等至五等"
	case "facility.number_invalid":
		return "应为不小于 0 的数字"
	case "field.required", "facility.enterprise_required":
		return "必填项为空"
	}
	return "取值无效"
}

func (im *facImport) Commit(ctx context.Context, progress func(done, total int64)) (int, error) {
	total := int64(len(im.rows))
	err := im.s.db.InTx(ctx, func(tx *store.Tx) error {
		now := im.s.now().UTC()
		entries := make([]audit.Entry, len(im.rows))
		err := store.InsertRows(ctx, tx, "facility", cols, len(im.rows), func(i int) []any {
			f := &im.rows[i]
			f.ID, f.CreatedAt, f.UpdatedAt = ids.New(), now, now
			entries[i] = audit.Entry{Entity: "facility", EntityID: f.ID, Action: "import", After: f}
			return values(f)
		}, func(done int) { progress(int64(done), total) })
		if store.IsUniqueViolation(err) {
			return errs.New(errs.Conflict, "facility.import_conflict")
		}
		if err != nil {
			return err
		}
		// Each facility's first status, dated, in its history.
		err = store.InsertRows(ctx, tx, "facility_status", "id, county_code, facility_id, seq, status, effective_date, note, recorded_by, recorded_name, recorded_at",
			len(im.rows), func(i int) []any {
				f := &im.rows[i]
				return []any{ids.New(), f.CountyCode, f.ID, 1, f.Status, f.StatusDate, "导入", im.p.UserID, displayName(im.p), now}
			}, nil)
		if err != nil {
			return err
		}
		return audit.RecordMany(ctx, tx, now, im.p.Actor(), entries)
	})
	return len(im.rows), err
}
