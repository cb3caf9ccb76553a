package reduction

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
	"yingji/internal/kit/xlsx"
)

// Ledgers are the module's Excel registers.
func (s *Service) Ledgers() []*ledger.Ledger {
	return []*ledger.Ledger{s.officerLedger(), s.reportLedger(), s.communityLedger(), s.checkpointLedger(), s.trainingLedger(), s.publicityLedger()}
}

// regionNames is the county's region names by code.
func (s *Service) regionNames(ctx context.Context, p *auth.Principal) map[string]string {
	all, _ := s.org.ListRegions(ctx, &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}, org.RegionFilter{})
	out := map[string]string{}
	for _, r := range all {
		out[r.Code] = r.Name
	}
	return out
}

func exportAll(q url.Values) Filter {
	f := FilterOf(q)
	f.Limit = -1
	return f
}

// ---- officers (the contract: one row per officer)

func officerSchema() xlsx.Schema {
	return xlsx.Schema{Name: "灾害信息员台账", Columns: []xlsx.Column{
		{Key: "town", Header: "乡镇（街道）", HeaderEN: "Town", Required: true, Example: "籍山镇"},
		{Key: "village", Header: "村（社区）", HeaderEN: "Village", Required: true, Example: "新林村"},
		{Key: "name", Header: "姓名", HeaderEN: "Name", Required: true, Example: "王立新"},
		{Key: "phone", Header: "手机号码", HeaderEN: "Phone", Required: true, Width: 14, Example: "13905531234"},
		{Key: "role", Header: "岗位", HeaderEN: "Role", Required: true, Options: Roles.ZHLabels(), Help: "每村（社区）一名A岗（主要信息员），其余为B岗"},
		{Key: "position", Header: "职务", HeaderEN: "Position", Example: "村委会委员"},
		{Key: "registered_on", Header: "登记日期", HeaderEN: "Registered on", Example: "2022-03-01"},
		{Key: "trained_on", Header: "最近培训日期", HeaderEN: "Last trained on"},
		{Key: "note", Header: "备注", HeaderEN: "Note"},
	}}
}

func (s *Service) officerLedger() *ledger.Ledger {
	return &ledger.Ledger{Kind: KindOfficers, Title: "reduction.officers", Schema: officerSchema(),
		Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			list, _, err := s.ListOfficers(ctx, p, exportAll(q))
			if err != nil {
				return err
			}
			names := s.regionNames(ctx, p)
			for _, o := range list {
				if err := w.Write(names[o.TownCode], names[o.VillageCode], o.Name, o.Phone, Roles.ZH(o.Role), o.Position, o.RegisteredOn, o.TrainedOn, o.Note); err != nil {
					return err
				}
			}
			return nil
		},
		NewImport: func(ctx context.Context, p *auth.Principal, _ string) (ledger.Import, error) {
			if !p.Is(Editors...) {
				return nil, errs.New(errs.Forbidden, "forbidden")
			}
			return s.newRowImport(ctx, p, s.officerRow)
		},
	}
}

// rowImport checks each row with a row function (the forms' rules) and
// commits them all in one transaction through the same create functions.
type rowImport struct {
	s      *Service
	p      *auth.Principal
	villes map[string]string // "town/village" name → village code
	towns  map[string]string // town name → code
	check  func(im *rowImport, v map[string]string) (func(ctx context.Context, tx *store.Tx) error, []xlsx.CellError)
	rows   []func(ctx context.Context, tx *store.Tx) error
	seenA  map[string]int // village → row with an A officer in this file
	row    int
}

func (s *Service) newRowImport(ctx context.Context, p *auth.Principal, check func(im *rowImport, v map[string]string) (func(ctx context.Context, tx *store.Tx) error, []xlsx.CellError)) (*rowImport, error) {
	im := &rowImport{s: s, p: p, villes: map[string]string{}, towns: map[string]string{}, check: check, seenA: map[string]int{}}
	regions, err := s.org.ListRegions(ctx, p, org.RegionFilter{})
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, r := range regions {
		names[r.Code] = r.Name
		if r.Level == org.LevelTown {
			im.towns[r.Name] = r.Code
		}
	}
	for _, r := range regions {
		if r.Level == org.LevelVillage {
			im.villes[names[r.ParentCode]+"/"+r.Name] = r.Code
		}
	}
	return im, nil
}

func (im *rowImport) Check(ctx context.Context, row xlsx.Row) []xlsx.CellError {
	im.row = row.Num
	fn, bad := im.check(im, row.Values)
	if len(bad) == 0 && len(row.Errors) == 0 && fn != nil {
		im.rows = append(im.rows, fn)
	}
	return bad
}

func (im *rowImport) Commit(ctx context.Context, progress func(done, total int64)) (int, error) {
	err := im.s.db.InTx(ctx, func(tx *store.Tx) error {
		for i, fn := range im.rows {
			if err := fn(ctx, tx); err != nil {
				return err
			}
			progress(int64(i+1), int64(len(im.rows)))
		}
		return nil
	})
	return len(im.rows), err
}

// reasons turns a rule's field errors into cell errors (Chinese).
func reasons(err error, keys map[string]string) []xlsx.CellError {
	var out []xlsx.CellError
	fe := errs.Fields(err)
	if fe == nil {
		e, _ := errs.As(err)
		msg := err.Error()
		if e != nil {
			msg = zhRule[e.Message]
			if msg == "" {
				msg = e.Message
			}
		}
		return []xlsx.CellError{{Key: keys[""], Reason: msg}}
	}
	for _, x := range fe {
		k := x.Field
		if m, ok := keys[k]; ok {
			k = m
		}
		msg := zhRule[x.Message]
		if msg == "" {
			msg = "取值无效（" + x.Message + "）"
		}
		out = append(out, xlsx.CellError{Key: k, Reason: msg})
	}
	return out
}

// zhRule are the Chinese reasons of the rules an import can break.
var zhRule = map[string]string{
	"field.required":                   "必填项为空",
	"field.invalid":                    "取值无效",
	"reduction.phone_invalid":          "电话号码格式不正确",
	"reduction.date_invalid":           "日期格式不正确，应如 2022-03-01",
	"reduction.future":                 "日期晚于今天",
	"reduction.end_before_start":       "结束日期早于开始日期",
	"reduction.negative":               "不能为负数",
	"reduction.positive":               "应大于 0",
	"reduction.count_below_list":       "参训人数少于名单人数",
	"reduction.winners_invalid":        "获奖人数只用于网络知识竞答，且不超过参与人数",
	"reduction.rule.one_a_per_village": "该村（社区）已有A岗信息员，每村只设一名A岗",
	"reduction.officer_taken":          "该信息员已登记",
	"reduction.town_not_yours":         "不在您的乡镇范围内",
	"reduction.village_unknown":        "未知的村（社区）",
	"reduction.town_unknown":           "未知的乡镇",
	"reduction.hours_range":            "学时超出范围",
	"reduction.too_long":               "内容过长",
}

func (s *Service) officerRow(im *rowImport, v map[string]string) (func(ctx context.Context, tx *store.Tx) error, []xlsx.CellError) {
	code, ok := im.villes[strings.TrimSpace(v["town"])+"/"+strings.TrimSpace(v["village"])]
	if !ok {
		return nil, []xlsx.CellError{{Key: "village", Reason: "未知的村（社区）：请核对乡镇与村（社区）名称，或不在您的范围内"}}
	}
	role, _ := Roles.Lookup(v["role"])
	o := Officer{VillageCode: code, TownCode: code[:9], Name: v["name"], Phone: v["phone"], Role: role, Position: v["position"],
		RegisteredOn: v["registered_on"], TrainedOn: v["trained_on"], Note: v["note"]}
	if err := mayEdit(im.p, o.TownCode); err != nil {
		return nil, reasons(err, map[string]string{"": "town", "town_code": "town"})
	}
	var others []Officer
	if first, dup := im.seenA[code]; dup && role == RoleA {
		return nil, []xlsx.CellError{{Key: "role", Reason: fmt.Sprintf("与第 %d 行同为该村（社区）的A岗", first)}}
	}
	existing, err := villageOfficers(context.Background(), im.s.db.R(), code)
	if err != nil {
		return nil, []xlsx.CellError{{Key: "village", Reason: err.Error()}}
	}
	others = append(others, existing...)
	if err := ValidateOfficer(&o, others, s.Today()); err != nil {
		return nil, reasons(err, map[string]string{"": "role", "village_code": "village"})
	}
	if role == RoleA {
		im.seenA[code] = im.row
	}
	return func(ctx context.Context, tx *store.Tx) error {
		_, err := s.createOfficerTx(ctx, tx, im.p, o)
		return err
	}, nil
}

// ---- disaster reports (export)

func (s *Service) reportLedger() *ledger.Ledger {
	cols := []xlsx.Column{{Key: "event", Header: "灾害过程", Width: 24}, {Key: "hazard", Header: "灾种"}, {Key: "town", Header: "乡镇（街道）"},
		{Key: "kind", Header: "报送类型"}, {Key: "seq", Header: "序号"}, {Key: "reported_at", Header: "报送时间", Width: 18}}
	for _, k := range IndicatorKeys {
		cols = append(cols, xlsx.Column{Key: k, Header: zhIndicator[k], Width: 14})
	}
	cols = append(cols, xlsx.Column{Key: "zero", Header: "零报告"}, xlsx.Column{Key: "late", Header: "超时"}, xlsx.Column{Key: "explanation", Header: "数据变化说明", Width: 30},
		xlsx.Column{Key: "reporter", Header: "报送人"})
	return &ledger.Ledger{Kind: KindReports, Title: "reduction.reports", Schema: xlsx.Schema{Name: "灾情报送台账", Columns: cols},
		Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			list, _, err := s.ListReports(ctx, p, exportAll(q))
			if err != nil {
				return err
			}
			events, _, err := s.ListEvents(ctx, p, Filter{Limit: -1})
			if err != nil {
				return err
			}
			ev := map[string]Event{}
			for _, e := range events {
				ev[e.ID] = e
			}
			names := s.regionNames(ctx, p)
			for _, x := range list {
				row := []any{ev[x.EventID].Name, HazardKinds.ZH(ev[x.EventID].HazardKind), names[x.TownCode], ReportKinds.ZH(x.Kind), x.Seq, clock(x.ReportedAt)}
				for _, k := range IndicatorKeys {
					switch k {
					case "crop_tenths":
						row = append(row, Tenths(x.CropTenths))
					case "loss_fen":
						row = append(row, Yuan(x.LossFen))
					default:
						row = append(row, x.Get(k))
					}
				}
				row = append(row, zh(x.Zero), zh(x.Late), x.Explanation, x.Reporter)
				if err := w.Write(row...); err != nil {
					return err
				}
			}
			return nil
		}}
}

var zhIndicator = map[string]string{"affected": "受灾人口（人）", "evacuated": "紧急转移安置人口（人）", "need_aid": "需紧急生活救助人口（人）",
	"dead": "死亡人口（人）", "missing": "失踪人口（人）", "collapsed": "倒塌房屋（间）", "severe": "严重损坏房屋（间）", "damaged": "一般损坏房屋（间）",
	"crop_tenths": "农作物受灾面积（公顷）", "loss_fen": "直接经济损失（元）"}

func zh(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// ---- communities, checkpoints (export)

func (s *Service) communityLedger() *ledger.Ledger {
	return &ledger.Ledger{Kind: KindCommunities, Title: "reduction.communities", Schema: xlsx.Schema{Name: "综合减灾示范社区创建台账", Columns: []xlsx.Column{
		{Key: "town", Header: "乡镇（街道）"}, {Key: "village", Header: "村（社区）"}, {Key: "name", Header: "申报名称", Width: 24}, {Key: "applied_on", Header: "申报日期"},
		{Key: "score", Header: "创建标准得分"}, {Key: "stage", Header: "进展", Width: 16}, {Key: "failed", Header: "未通过"}, {Key: "result", Header: "结果", Width: 30}}},
		Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			list, _, err := s.ListCommunities(ctx, p, exportAll(q))
			if err != nil {
				return err
			}
			names := s.regionNames(ctx, p)
			for _, c := range list {
				if err := w.Write(names[c.TownCode], names[c.VillageCode], c.Name, c.AppliedOn, c.Score, Stages.ZH(c.Stage), zh(c.Failed), c.Result); err != nil {
					return err
				}
			}
			return nil
		}}
}

func (s *Service) checkpointLedger() *ledger.Ledger {
	return &ledger.Ledger{Kind: KindCheckpoints, Title: "reduction.checkpoints", Schema: xlsx.Schema{Name: "防火码卡口台账", Columns: []xlsx.Column{
		{Key: "town", Header: "乡镇（街道）"}, {Key: "name", Header: "卡口名称", Width: 22}, {Key: "place", Header: "位置", Width: 24}, {Key: "lng", Header: "经度"},
		{Key: "lat", Header: "纬度"}, {Key: "active_from", Header: "启用日期"}, {Key: "active_to", Header: "停用日期"}, {Key: "scans", Header: "扫码次数"}}},
		Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			list, _, err := s.ListCheckpoints(ctx, p, exportAll(q))
			if err != nil {
				return err
			}
			names := s.regionNames(ctx, p)
			for _, c := range list {
				if err := w.Write(names[c.TownCode], c.Name, c.Place, c.Lng, c.Lat, c.ActiveFrom, c.ActiveTo, c.Scans); err != nil {
					return err
				}
			}
			return nil
		}}
}

// ---- trainings and publicity (export and import)

func trainingSchema() xlsx.Schema {
	return xlsx.Schema{Name: "培训台账", Columns: []xlsx.Column{
		{Key: "topic", Header: "培训主题", HeaderEN: "Topic", Required: true, Width: 30, Example: "灾害信息员业务培训"},
		{Key: "held_on", Header: "开始日期", HeaderEN: "Held on", Required: true, Example: "2022-04-20"},
		{Key: "ends_on", Header: "结束日期", HeaderEN: "Ends on"},
		{Key: "organiser", Header: "主办单位", HeaderEN: "Organiser", Required: true, Example: "县应急管理局"},
		{Key: "audience", Header: "培训对象", HeaderEN: "Audience", Required: true, Options: Audiences.ZHLabels(), Width: 24},
		{Key: "town", Header: "乡镇（街道）", HeaderEN: "Town", Help: "全县性培训不填"},
		{Key: "attendees", Header: "参训人数", HeaderEN: "Attendees", Help: "填写名单时可不填"},
		{Key: "hours", Header: "学时", HeaderEN: "Hours", Example: "4"},
		{Key: "list", Header: "参训名单", HeaderEN: "Attendee list", Help: "姓名以、分隔", Width: 30},
		{Key: "note", Header: "备注", HeaderEN: "Note"},
	}}
}

func (s *Service) trainingLedger() *ledger.Ledger {
	return &ledger.Ledger{Kind: KindTrainings, Title: "reduction.trainings", Schema: trainingSchema(),
		Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			list, _, err := s.ListTrainings(ctx, p, exportAll(q))
			if err != nil {
				return err
			}
			names := s.regionNames(ctx, p)
			for _, t := range list {
				if err := w.Write(t.Topic, t.HeldOn, t.EndsOn, t.Organiser, Audiences.ZH(t.Audience), names[t.TownCode], t.Attendees, Tenths(t.HoursTenth),
					strings.Join(t.List, "、"), t.Note); err != nil {
					return err
				}
			}
			return nil
		},
		NewImport: func(ctx context.Context, p *auth.Principal, _ string) (ledger.Import, error) {
			if !p.Is(Editors...) {
				return nil, errs.New(errs.Forbidden, "forbidden")
			}
			return s.newRowImport(ctx, p, s.trainingRow)
		},
	}
}

func (im *rowImport) townOf(name string) (string, bool) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", true
	}
	c, ok := im.towns[name]
	return c, ok
}

func (s *Service) trainingRow(im *rowImport, v map[string]string) (func(ctx context.Context, tx *store.Tx) error, []xlsx.CellError) {
	town, ok := im.townOf(v["town"])
	if !ok {
		return nil, []xlsx.CellError{{Key: "town", Reason: "未知的乡镇（街道）"}}
	}
	aud, _ := Audiences.Lookup(v["audience"])
	var bad []xlsx.CellError
	n, err := strconv.ParseInt(strings.TrimSpace(orDefault(v["attendees"], "0")), 10, 64)
	if err != nil {
		bad = append(bad, xlsx.CellError{Key: "attendees", Reason: "应为整数"})
	}
	hours, ok := ParseDecimal(v["hours"], 1)
	if !ok {
		bad = append(bad, xlsx.CellError{Key: "hours", Reason: "应为数字，最多一位小数"})
	}
	if len(bad) > 0 {
		return nil, bad
	}
	t := Training{Topic: v["topic"], HeldOn: v["held_on"], EndsOn: v["ends_on"], Organiser: v["organiser"], Audience: aud, TownCode: town,
		Attendees: n, HoursTenth: hours, List: splitNames(v["list"]), Note: v["note"]}
	if err := mayEdit(im.p, town); err != nil {
		return nil, reasons(err, map[string]string{"": "town", "town_code": "town"})
	}
	if err := ValidateTraining(&t, s.Today()); err != nil {
		return nil, reasons(err, map[string]string{"": "topic", "hours": "hours"})
	}
	return func(ctx context.Context, tx *store.Tx) error {
		_, err := s.createTrainingTx(ctx, tx, im.p, t)
		return err
	}, nil
}

func publicitySchema() xlsx.Schema {
	return xlsx.Schema{Name: "宣传活动台账", Columns: []xlsx.Column{
		{Key: "title", Header: "活动名称", HeaderEN: "Title", Required: true, Width: 30, Example: "5·12防灾减灾日宣传单册发放"},
		{Key: "campaign", Header: "宣传主题", HeaderEN: "Campaign", Required: true, Options: Campaigns.ZHLabels(), Width: 16},
		{Key: "kind", Header: "宣传形式", HeaderEN: "Kind", Required: true, Options: PublicityKinds.ZHLabels(), Width: 16},
		{Key: "held_on", Header: "日期", HeaderEN: "Held on", Required: true, Example: "2022-05-12"},
		{Key: "town", Header: "乡镇（街道）", HeaderEN: "Town", Help: "全县性活动不填"},
		{Key: "quantity", Header: "数量", HeaderEN: "Quantity", Required: true, Help: "宣传单册：份；短信：条；咨询答疑：人次；知识竞答：参与人数；其他：场次"},
		{Key: "winners", Header: "获奖人数", HeaderEN: "Winners", Help: "仅网络知识竞答"},
		{Key: "note", Header: "备注", HeaderEN: "Note"},
	}}
}

func (s *Service) publicityLedger() *ledger.Ledger {
	return &ledger.Ledger{Kind: KindPublicity, Title: "reduction.publicity", Schema: publicitySchema(),
		Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			list, _, err := s.ListPublicity(ctx, p, exportAll(q))
			if err != nil {
				return err
			}
			names := s.regionNames(ctx, p)
			for _, x := range list {
				if err := w.Write(x.Title, Campaigns.ZH(x.Campaign), PublicityKinds.ZH(x.Kind), x.HeldOn, names[x.TownCode], x.Quantity, x.Winners, x.Note); err != nil {
					return err
				}
			}
			return nil
		},
		NewImport: func(ctx context.Context, p *auth.Principal, _ string) (ledger.Import, error) {
			if !p.Is(Editors...) {
				return nil, errs.New(errs.Forbidden, "forbidden")
			}
			return s.newRowImport(ctx, p, s.publicityRow)
		},
	}
}

func (s *Service) publicityRow(im *rowImport, v map[string]string) (func(ctx context.Context, tx *store.Tx) error, []xlsx.CellError) {
	town, ok := im.townOf(v["town"])
	if !ok {
		return nil, []xlsx.CellError{{Key: "town", Reason: "未知的乡镇（街道）"}}
	}
	camp, _ := Campaigns.Lookup(v["campaign"])
	kind, _ := PublicityKinds.Lookup(v["kind"])
	var bad []xlsx.CellError
	q, err := strconv.ParseInt(strings.TrimSpace(v["quantity"]), 10, 64)
	if err != nil {
		bad = append(bad, xlsx.CellError{Key: "quantity", Reason: "应为整数"})
	}
	wn, err := strconv.ParseInt(strings.TrimSpace(orDefault(v["winners"], "0")), 10, 64)
	if err != nil {
		bad = append(bad, xlsx.CellError{Key: "winners", Reason: "应为整数"})
	}
	if len(bad) > 0 {
		return nil, bad
	}
	x := Publicity{Title: v["title"], Campaign: camp, Kind: kind, HeldOn: v["held_on"], TownCode: town, Quantity: q, Winners: wn, Note: v["note"]}
	if err := mayEdit(im.p, town); err != nil {
		return nil, reasons(err, map[string]string{"": "town", "town_code": "town"})
	}
	if err := ValidatePublicity(&x, s.Today()); err != nil {
		return nil, reasons(err, map[string]string{"": "title"})
	}
	return func(ctx context.Context, tx *store.Tx) error {
		_, err := s.createPublicityTx(ctx, tx, im.p, x)
		return err
	}, nil
}
