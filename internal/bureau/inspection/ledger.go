package inspection

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/calendar"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
	"yingji/internal/kit/xlsx"
)

// InspectionSchema is the inspections register's Excel layout: one row
// per inspection (家次).
func InspectionSchema() xlsx.Schema {
	kinds := Kinds.ZHLabels()
	return xlsx.Schema{Name: "监督检查台账", Columns: []xlsx.Column{
		{Key: "on", Header: "检查日期", HeaderEN: "Date", Required: true, Example: "2022-06-16"},
		{Key: "kind", Header: "检查类型", HeaderEN: "Kind", Required: true, Options: kinds, Width: 14},
		{Key: "place", Header: "检查对象", HeaderEN: "Inspected", Width: 28, Help: "仅供核对，以统一社会信用代码为准"},
		{Key: "credit_code", Header: "统一社会信用代码", HeaderEN: "Credit code", Required: true, Width: 22, Help: "企业须已在企业台账登记"},
		{Key: "sector", Header: "行业", HeaderEN: "Sector", Width: 14},
		{Key: "officers", Header: "执法人员", HeaderEN: "Officers", Required: true, Width: 18, Help: "2 人以上，用顿号分隔；执法人员库中的人员自动取其执法证号"},
		{Key: "certs", Header: "执法证号", HeaderEN: "Certificate numbers", Width: 24, Help: "与执法人员一一对应，用顿号分隔"},
		{Key: "template", Header: "检查表", HeaderEN: "Checklist", Width: 24},
		{Key: "failed", Header: "不符合项", HeaderEN: "Failed items"},
		{Key: "hazards", Header: "上报隐患数", HeaderEN: "Hazards raised"},
		{Key: "findings", Header: "发现问题数", HeaderEN: "Findings"},
		{Key: "note", Header: "备注", HeaderEN: "Note", Width: 24},
		{Key: "id", Header: "记录编号", HeaderEN: "Record ID", Width: 28},
	}}
}

// PlanSchema is the plans register's Excel layout.
func PlanSchema() xlsx.Schema {
	cols := []xlsx.Column{
		{Key: "year", Header: "年度", HeaderEN: "Year"}, {Key: "section", Header: "股室", HeaderEN: "Section"},
		{Key: "title", Header: "计划名称", HeaderEN: "Title", Width: 32},
		{Key: "key", Header: "重点检查企业（家）", HeaderEN: "Key"}, {Key: "general", Header: "一般检查企业（家）", HeaderEN: "General"},
		{Key: "planned", Header: "计划检查企业（家）", HeaderEN: "Planned"}, {Key: "done", Header: "已完成（家）", HeaderEN: "Done"},
		{Key: "percent", Header: "完成率（%）", HeaderEN: "Done %"}, {Key: "random_share", Header: "随机抽查比例（%）", HeaderEN: "Random share %"},
		{Key: "staff", Header: "执法人员数", HeaderEN: "Staff"}, {Key: "statutory", Header: "法定工作日", HeaderEN: "Statutory workdays"},
		{Key: "workdays", Header: "监督检查工作日", HeaderEN: "Inspection workdays"},
	}
	for i := 1; i <= 12; i++ {
		m := string(rune('0'+i/10)) + string(rune('0'+i%10))
		cols = append(cols, xlsx.Column{Key: "m" + m, Header: strings.TrimPrefix(m, "0") + "月目标", HeaderEN: "Month " + m})
	}
	return xlsx.Schema{Name: "年度监督检查计划", Columns: append(cols,
		xlsx.Column{Key: "approved_on", Header: "批复日期", HeaderEN: "Approved on"}, xlsx.Column{Key: "approval_ref", Header: "批复文号", HeaderEN: "Approval ref"})}
}

// Ledgers are the module's Excel registers (export).
func (s *Service) Ledgers() []*ledger.Ledger {
	return []*ledger.Ledger{
		{Kind: "inspections", Title: "inspection.ledger", Schema: InspectionSchema(), Export: s.exportInspections,
			NewImport: func(ctx context.Context, p *auth.Principal, _ string) (ledger.Import, error) {
				return s.newImport(ctx, p)
			}},
		{Kind: "inspection-plans", Title: "inspection.ledger_plans", Schema: PlanSchema(), Export: s.exportPlans},
		s.planItemsLedger(),
	}
}

func (s *Service) exportInspections(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
	codes := map[string]string{}
	if err := s.ent.Each(ctx, p, enterprise.Filter{}, func(e enterprise.Enterprise) error {
		codes[e.ID] = e.CreditCode
		return nil
	}); err != nil {
		return err
	}
	f := FilterOf(q)
	const page = 500
	for off := 0; ; off += page {
		f.Limit, f.Offset = page, off
		rows, _, err := s.List(ctx, p, f)
		if err != nil {
			return err
		}
		for _, x := range rows {
			var names, certs []string
			for _, o := range x.Officers {
				names, certs = append(names, o.Name), append(certs, o.CertNo)
			}
			tpl := ""
			if t, ok := TemplateOf(x.Template); ok {
				tpl = t.Name
			}
			fs, err := findings(ctx, s.db.R(), x.ID)
			if err != nil {
				return err
			}
			sector := ""
			if x.Sector != "" {
				sector = org.SectorLabel(x.Sector, "zh")
			}
			if err := w.Write(calendar.Day(x.On), KindLabel(x.Kind), x.PlaceName, codes[x.EnterpriseID], sector, strings.Join(names, "、"),
				strings.Join(certs, "、"), tpl, x.Failed, x.Hazards, len(fs), x.Note, x.ID); err != nil {
				return err
			}
		}
		if len(rows) < page {
			return nil
		}
	}
}

func (s *Service) exportPlans(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
	plans, err := s.Plans(ctx, p, atoi(q.Get("year")))
	if err != nil {
		return err
	}
	for _, x := range plans {
		vals := []any{x.Year, x.SectionName, x.Title, len(x.Key), len(x.General), x.Progress.Planned, x.Progress.Done, x.Progress.Percent,
			x.RandomShare, x.Staff, x.Statutory, x.Workdays}
		for _, m := range x.Monthly {
			vals = append(vals, m)
		}
		vals = append(vals, calendar.Day(x.ApprovedOn), x.ApprovalRef)
		if err := w.Write(vals...); err != nil {
			return err
		}
	}
	return nil
}

// inspImport replays each row of an inspections file through the form's
// rules (prepare: CheckInspection, the register's certificates, scope of
// the enterprise) and commits all rows in one transaction. A row already
// imported (same date, enterprise, kind and officers) is refused.
type inspImport struct {
	s      *Service
	p      *auth.Principal
	byCode map[string]string // credit code → enterprise ID in scope
	reg    []Inspector
	seen   map[string]int
	rows   []importRow
}

type importRow struct {
	x  Inspection
	in InspectionInput
}

func (s *Service) newImport(ctx context.Context, p *auth.Principal) (ledger.Import, error) {
	if !p.Is(Inspectors...) {
		return nil, errs.New(errs.Forbidden, "forbidden")
	}
	im := &inspImport{s: s, p: p, byCode: map[string]string{}, seen: map[string]int{}}
	if err := s.ent.Each(ctx, p, enterprise.Filter{}, func(e enterprise.Enterprise) error {
		im.byCode[e.CreditCode] = e.ID
		return nil
	}); err != nil {
		return nil, err
	}
	var err error
	im.reg, err = listInspectors(ctx, s.db.R(), p.CountyCode)
	return im, err
}

func (im *inspImport) Check(ctx context.Context, row xlsx.Row) []xlsx.CellError {
	v := row.Values
	var out []xlsx.CellError
	bad := func(key, reason string) { out = append(out, xlsx.CellError{Key: key, Reason: reason}) }
	in := InspectionInput{On: strings.TrimSpace(v["on"]), Note: v["note"]}
	if len(in.On) > 10 {
		in.On = in.On[:10]
	}
	if k, ok := KindOf(v["kind"]); ok {
		in.Kind = k
	} else {
		bad("kind", "检查类型应为："+strings.Join(Kinds.ZHLabels(), "、"))
	}
	code := enterprise.NormalizeCreditCode(v["credit_code"])
	if id, ok := im.byCode[code]; ok {
		in.EnterpriseID = id
	} else {
		bad("credit_code", "未知企业：该统一社会信用代码未在企业台账登记，或不在您的监管范围内")
	}
	names := splitList(v["officers"])
	certs := splitList(v["certs"])
	for i, n := range names {
		o := Officer{Name: n}
		for _, r := range im.reg {
			if r.Name == n {
				o.UserID = r.UserID
			}
		}
		if i < len(certs) {
			o.CertNo = certs[i]
		}
		in.Officers = append(in.Officers, o)
	}
	if len(out) > 0 || len(row.Errors) > 0 {
		return out
	}
	sum := []string{in.On, string(in.Kind), in.EnterpriseID}
	for _, o := range in.Officers {
		sum = append(sum, o.Name)
	}
	in.ClientID = "xlsx-" + strconv.FormatUint(SeedOf(strings.Join(sum, "|")), 36)
	x, err := im.s.prepare(ctx, im.p, &in)
	if err != nil {
		for _, fe := range errs.Fields(err) {
			key := map[string]string{"on": "on", "kind": "kind", "officers": "officers", "enterprise_id": "credit_code"}[fe.Field]
			if key == "" {
				key = "note"
			}
			bad(key, im.s.reason(fe))
		}
		if len(errs.Fields(err)) == 0 {
			bad("on", err.Error())
		}
		return out
	}
	if first, dup := im.seen[in.ClientID]; dup {
		bad("on", fmt.Sprintf("与第 %d 行重复", first))
		return out
	}
	if _, err := getInspection(ctx, im.s.db.R(), `county_code = $1 AND client_id = $2`, im.p.CountyCode, in.ClientID); err == nil {
		bad("on", "该检查记录已导入")
		return out
	}
	im.seen[in.ClientID] = row.Num
	im.rows = append(im.rows, importRow{x: x, in: in})
	return out
}

func (im *inspImport) Commit(ctx context.Context, progress func(done, total int64)) (int, error) {
	err := im.s.db.InTx(ctx, func(tx *store.Tx) error {
		for i := range im.rows {
			r := &im.rows[i]
			if err := im.s.createTx(ctx, tx, im.p, &r.x, r.in, nil); err != nil {
				return err
			}
			progress(int64(i+1), int64(len(im.rows)))
		}
		return nil
	})
	return len(im.rows), err
}

// reason renders a field error of the rules in Chinese for the error report.
func (s *Service) reason(fe *errs.Error) string {
	switch fe.Message {
	case "inspection.two_officers":
		return "现场检查须有 2 名以上持证执法人员"
	case "inspection.officer_no_cert":
		return fmt.Sprintf("%v 没有执法证号", fe.Args["Name"])
	case "inspection.date_future":
		return "检查日期晚于今天"
	case "inspection.date_invalid":
		return "日期格式不正确，应如 2022-06-16"
	case "inspection.enterprise_unknown":
		return "企业不存在或不在您的范围内"
	}
	return "取值无效"
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.FieldsFunc(s, func(r rune) bool { return r == '、' || r == ',' || r == '，' || r == ';' || r == '；' }) {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// PlanItemSchema is the layout of a plan's enterprise list (计划检查企业
// 名单): one row per planned enterprise. Importing it sets the listed
// plans' enterprises (a plan not yet drawn up is created with the
// workday figures empty, to be completed on its page).
func PlanItemSchema() xlsx.Schema {
	return xlsx.Schema{Name: "年度计划检查企业名单", Columns: []xlsx.Column{
		{Key: "year", Header: "年度", HeaderEN: "Year", Required: true, Example: "2022"},
		{Key: "section", Header: "股室", HeaderEN: "Section", Required: true, Example: "监管二股"},
		{Key: "credit_code", Header: "统一社会信用代码", HeaderEN: "Credit code", Required: true, Width: 22},
		{Key: "enterprise", Header: "企业名称", HeaderEN: "Enterprise", Width: 28, Help: "仅供核对，以统一社会信用代码为准"},
		{Key: "kind", Header: "检查类别", HeaderEN: "Key or general", Required: true, Options: []string{"重点检查", "一般检查"}},
		{Key: "done", Header: "已检查", HeaderEN: "Inspected", Help: "导出时填写；导入时不读取"},
	}}
}

func (s *Service) planItemsLedger() *ledger.Ledger {
	return &ledger.Ledger{Kind: "inspection-plan-items", Title: "inspection.ledger_plan_items", Schema: PlanItemSchema(),
		Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			plans, err := s.Plans(ctx, p, atoi(q.Get("year")))
			if err != nil {
				return err
			}
			codes := map[string]string{}
			if err := s.ent.Each(ctx, p, enterprise.Filter{}, func(e enterprise.Enterprise) error {
				codes[e.ID] = e.CreditCode
				return nil
			}); err != nil {
				return err
			}
			for _, x := range plans {
				for _, l := range []struct {
					kind string
					ids  []string
				}{{"重点检查", x.Key}, {"一般检查", x.General}} {
					for _, id := range l.ids {
						if err := w.Write(x.Year, x.SectionName, codes[id], x.Names[id], l.kind, map[bool]string{true: "是", false: "否"}[x.Done[id]]); err != nil {
							return err
						}
					}
				}
			}
			return nil
		},
		NewImport: func(ctx context.Context, p *auth.Principal, _ string) (ledger.Import, error) {
			if !p.Is(Planners...) {
				return nil, errs.New(errs.Forbidden, "forbidden")
			}
			im := &planImport{s: s, p: p, byCode: map[string]string{}, sections: map[string]string{}, plans: map[string]*Plan{}, seen: map[string]int{}}
			if err := s.ent.Each(ctx, p, enterprise.Filter{}, func(e enterprise.Enterprise) error {
				im.byCode[e.CreditCode] = e.ID
				return nil
			}); err != nil {
				return nil, err
			}
			units, err := s.org.ListUnits(ctx, &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}, org.UnitFilter{Kind: org.UnitSection})
			if err != nil {
				return nil, err
			}
			for _, u := range units {
				if p.Role != auth.RoleSection || u.ID == p.UnitID {
					im.sections[u.Name] = u.ID
				}
			}
			return im, nil
		},
	}
}

type planImport struct {
	s        *Service
	p        *auth.Principal
	byCode   map[string]string
	sections map[string]string // name → unit ID the importer may plan for
	plans    map[string]*Plan  // year/section → plan being built
	order    []string
	seen     map[string]int
}

func (im *planImport) Check(ctx context.Context, row xlsx.Row) []xlsx.CellError {
	v := row.Values
	var out []xlsx.CellError
	bad := func(key, reason string) { out = append(out, xlsx.CellError{Key: key, Reason: reason}) }
	year := atoi(v["year"])
	if year < 2000 || year > 2100 {
		bad("year", "年度应为四位年份")
	}
	sec, ok := im.sections[strings.TrimSpace(v["section"])]
	if !ok {
		bad("section", "未知股室，或不是您所在的股室")
	}
	id, ok := im.byCode[enterprise.NormalizeCreditCode(v["credit_code"])]
	if !ok {
		bad("credit_code", "未知企业：该统一社会信用代码未在企业台账登记，或不在您的监管范围内")
	}
	if len(out) > 0 || len(row.Errors) > 0 {
		return out
	}
	key := strconv.Itoa(year) + "/" + sec
	if first, dup := im.seen[key+"/"+id]; dup {
		bad("credit_code", fmt.Sprintf("与第 %d 行重复", first))
		return out
	}
	im.seen[key+"/"+id] = row.Num
	x, ok := im.plans[key]
	if !ok {
		x = &Plan{Year: year, SectionID: sec}
		im.plans[key], im.order = x, append(im.order, key)
	}
	if strings.HasPrefix(v["kind"], "重点") {
		x.Key = append(x.Key, id)
	} else {
		x.General = append(x.General, id)
	}
	return out
}

func (im *planImport) Commit(ctx context.Context, progress func(done, total int64)) (int, error) {
	// Every plan is checked before anything is written: all or none.
	var ready []Plan
	n := 0
	for _, key := range im.order {
		in := *im.plans[key]
		old, err := getPlan(ctx, im.s.db.R(), `county_code = $1 AND year = $2 AND section_id = $3`, im.p.CountyCode, in.Year, in.SectionID)
		if err == nil {
			in.Title, in.RandomShare, in.Staff, in.OtherDays, in.NonEnfDays = old.Title, old.RandomShare, old.Staff, old.OtherDays, old.NonEnfDays
		}
		// Monthly targets are spread again over the new list.
		x, err := im.s.preparePlan(ctx, im.p, in)
		if err != nil {
			return 0, err
		}
		ready = append(ready, x)
		n += x.Planned()
	}
	err := im.s.db.InTx(ctx, func(tx *store.Tx) error {
		for i := range ready {
			if err := im.s.savePlanTx(ctx, tx, im.p, &ready[i]); err != nil {
				return err
			}
			progress(int64(i+1), int64(len(ready)))
		}
		return nil
	})
	return n, err
}
