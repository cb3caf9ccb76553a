package hazard

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
	"yingji/internal/kit/xlsx"
)

// ImportNote is the note of the events an import writes.
const ImportNote = "导入"

// Rectification status in the Excel ledger.
const (
	statusOpen = "未整改"
	statusDone = "已整改"
)

// onSiteCell in the order-number column records a 现场整改 (rectified on
// the spot, no written order): the row says so, the import does not
// assume it.
const onSiteCell = "现场整改"

// Schema is the hazard ledger's Excel layout (隐患台账): the same columns
// are imported (other departments' ledgers, 大检查 returns) and exported.
func Schema() xlsx.Schema {
	return xlsx.Schema{Name: "隐患台账", Columns: []xlsx.Column{
		{Key: "enterprise", Header: "企业名称", HeaderEN: "Enterprise", Width: 28, Example: "示例县兆丰矿业有限公司",
			Help: "本县已登记的企业；与统一社会信用代码填一项即可，两项都填时须为同一家企业。无企业的场所（建筑工地、隔离点等）留空并填写场所名称"},
		{Key: "credit_code", Header: "统一社会信用代码", HeaderEN: "Credit code", Width: 22},
		{Key: "place_name", Header: "场所名称", HeaderEN: "Place name", Width: 22, Example: "城东安置房二期建筑工地", Help: "无企业时必填"},
		{Key: "town", Header: "所在乡镇", HeaderEN: "Town", Width: 12, Example: "籍山镇", Help: "无企业时必填：乡镇名称或 9 位区划代码；有企业时以企业登记的乡镇为准"},
		{Key: "source", Header: "隐患来源", HeaderEN: "Source", Width: 12, Options: sourceCodes.ZHLabels(),
			Help: "不填时：部门账号为部门检查，其他为监管检查"},
		{Key: "grade", Header: "隐患等级", HeaderEN: "Grade", Options: gradeCodes.ZHLabels(), Example: "一般", Help: "不填为一般"},
		{Key: "clause", Header: "判定依据", HeaderEN: "Determination clause", Width: 30, Example: "化工121号第二十项",
			Help: "重大隐患必填：判定标准条款代码（如 hg-20）、条款引用（如 化工121号第二十项）或其他标准的条款原文"},
		{Key: "category", Header: "隐患类别", HeaderEN: "Category", Width: 16, Options: categoryCodes.ZHLabels()},
		{Key: "description", Header: "隐患描述", HeaderEN: "Description", Required: true, Width: 40, Example: "配电箱未设置漏电保护装置"},
		{Key: "place", Header: "隐患部位", HeaderEN: "Location", Width: 16},
		{Key: "responsible", Header: "整改责任人", HeaderEN: "Responsible person", Width: 12},
		{Key: "measures", Header: "整改措施", HeaderEN: "Measures", Width: 30},
		{Key: "found_on", Header: "发现日期", HeaderEN: "Found on", Required: true, Width: 12, Example: "2022-03-15"},
		{Key: "deadline", Header: "整改期限", HeaderEN: "Deadline", Width: 12, Example: "2022-03-31", Help: "不得早于发现日期"},
		{Key: "status", Header: "整改状态", HeaderEN: "Rectification", Options: []string{statusOpen, statusDone}, Example: statusOpen, Help: "不填为未整改"},
		{Key: "rectified_on", Header: "整改完成日期", HeaderEN: "Rectified on", Width: 12, Help: "已整改时必填，不得早于发现日期"},
		{Key: "inspector", Header: "检查单位", HeaderEN: "Inspected by", Width: 16, Example: "县住建局", Help: "检查单位或检查记录编号"},
		{Key: "campaign", Header: "专项行动", HeaderEN: "Campaign", Width: 22, Example: "2022年安全生产大检查"},
		{Key: "order_number", Header: "整改指令书编号", HeaderEN: "Order number", Width: 24, Example: "示应急责改〔2022〕15号",
			Help: "有整改期限或已整改时必填：责令限期整改指令书编号；当场整改、未下达指令书的填“" + onSiteCell + "”"},
		{Key: "review_number", Header: "复查意见书编号", HeaderEN: "Review number", Width: 24, Help: "已整改时必填：整改复查意见书编号"},
	}}
}

// ExportColumns are written after the template's columns by the export:
// the hazard's state (办理状态), days overdue (逾期天数) and card (红黄牌)
// on the day of the export.
func ExportColumns() []xlsx.Column {
	return []xlsx.Column{
		{Key: "x_state", Header: "办理状态", HeaderEN: "State", Width: 10},
		{Key: "x_days_overdue", Header: "逾期天数", HeaderEN: "Days overdue", Width: 10},
		{Key: "x_card", Header: "红黄牌", HeaderEN: "Card", Width: 8},
	}
}

// cardLabel is how a card is written in the export.
func cardLabel(c Card) string {
	switch c {
	case Red:
		return "红牌"
	case Yellow:
		return "黄牌"
	}
	return ""
}

// Importers may import hazard ledgers.
var Importers = []auth.Role{auth.RoleAdmin, auth.RoleSection, auth.RoleEnforcer, auth.RoleTown, auth.RoleDepartment}

// Ledger is the hazard ledger for the Excel kit (`yingji import hazards
// FILE`, the web import and the filtered export).
func (s *Service) Ledger() *ledger.Ledger {
	return &ledger.Ledger{
		Kind:   "hazards",
		Title:  "hazard.ledger_title",
		Schema: Schema(),
		Export: s.export,
		// After the template's columns: where the hazard stands today.
		// A re-import ignores them (the state is rebuilt from 整改状态).
		ExportColumns: ExportColumns(),
		NewImport: func(ctx context.Context, p *auth.Principal, _ string) (ledger.Import, error) {
			if !p.Is(Importers...) {
				return nil, errs.New(errs.Forbidden, "forbidden")
			}
			return s.newImport(ctx, p)
		},
	}
}

// names are the county's region and unit names.
type names struct {
	region     map[string]string // code → name
	townByName map[string]string // name or code → town code
	unit       map[string]string // id → name
}

func (s *Service) names(ctx context.Context, county string) (*names, error) {
	n := &names{region: map[string]string{}, townByName: map[string]string{}, unit: map[string]string{}}
	if s.org == nil {
		return n, nil
	}
	all := &auth.Principal{Role: auth.RoleLeader, CountyCode: county}
	regions, err := s.org.ListRegions(ctx, all, org.RegionFilter{})
	if err != nil {
		return nil, err
	}
	for _, r := range regions {
		n.region[r.Code] = r.Name
		if r.Level == org.LevelTown {
			n.townByName[r.Name], n.townByName[r.Code] = r.Code, r.Code
		}
	}
	units, err := s.org.ListUnits(ctx, all, org.UnitFilter{})
	if err != nil {
		return nil, err
	}
	for _, u := range units {
		n.unit[u.ID] = u.Name
	}
	return n, nil
}

func (s *Service) export(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
	n, err := s.names(ctx, p.CountyCode)
	if err != nil {
		return err
	}
	credit := map[string]string{}
	if err := s.ent.Each(ctx, p, enterprise.Filter{}, func(e enterprise.Enterprise) error {
		credit[e.ID] = e.CreditCode
		return nil
	}); err != nil {
		return err
	}
	rules, err := s.CardRules(ctx, p.CountyCode)
	if err != nil {
		return err
	}
	today := s.Today()
	return s.Each(ctx, p, FilterOf(q, today), func(r Record) error {
		ent, place := "", r.PlaceName
		if r.EnterpriseID != "" {
			ent, place = r.PlaceName, ""
		}
		status, done := statusOpen, ""
		if r.State == Closed {
			status, done = statusDone, r.ClosedOn
		}
		inspector := r.SourceRef
		if inspector == "" {
			inspector = n.unit[r.UnitID]
		}
		grade := ""
		if r.Grade != "" {
			grade = GradeLabel(r.Grade, "zh")
		}
		cat := ""
		if r.Category != "" {
			cat = CategoryLabel(r.Category, "zh")
		}
		clause := ""
		if c, ok := ClauseOf(r.Clause); ok {
			clause = c.Ref()
		} else {
			clause = r.Clause
		}
		order := r.OrderNumber
		if order == "" && r.OnSite {
			order = onSiteCell
		}
		return w.Write(ent, credit[r.EnterpriseID], place, n.region[r.TownCode], SourceLabel(r.Source, "zh"), grade, clause, cat,
			r.Description, r.Place, r.Responsible, r.Measures, r.FoundOn, r.Deadline, status, done, inspector, r.Campaign,
			order, r.ReviewNumber, StateLabel(r.State, "zh"), DaysOverdue(r, today), cardLabel(CardFor(r.Rules(), mustDate(today), rules)))
	})
}

// hzImport is one import in progress.
type hzImport struct {
	s      *Service
	p      *auth.Principal
	names  *names
	byName map[string][]enterprise.Enterprise
	byCode map[string]enterprise.Enterprise
	today  string
	now    time.Time
	rows   []importRow
	defSrc Source
}

type importRow struct {
	rec    Record
	events []Event
}

func (s *Service) newImport(ctx context.Context, p *auth.Principal) (*hzImport, error) {
	n, err := s.names(ctx, p.CountyCode)
	if err != nil {
		return nil, err
	}
	im := &hzImport{s: s, p: p, names: n, byName: map[string][]enterprise.Enterprise{}, byCode: map[string]enterprise.Enterprise{},
		today: s.Today(), now: s.now().UTC(), defSrc: SourceInspection}
	if p.Role == auth.RoleDepartment {
		im.defSrc = SourceDepartment
	}
	err = s.ent.Each(ctx, p, enterprise.Filter{}, func(e enterprise.Enterprise) error {
		im.byName[e.Name] = append(im.byName[e.Name], e)
		im.byCode[e.CreditCode] = e
		return nil
	})
	return im, err
}

// day reads a date cell ("" for an empty one; ok false for a bad one).
func cellDate(v string) (string, bool) {
	if strings.TrimSpace(v) == "" {
		return "", true
	}
	t, err := xlsx.ParseDate(v, shanghai)
	if err != nil {
		return "", false
	}
	return Date(t), true
}

func (im *hzImport) Check(ctx context.Context, row xlsx.Row) []xlsx.CellError {
	v := row.Values
	var out []xlsx.CellError
	bad := func(key, reason string) { out = append(out, xlsx.CellError{Key: key, Reason: reason}) }
	r := Record{CountyCode: im.p.CountyCode, UnitID: im.p.UnitID, Source: im.defSrc, SourceRef: v["inspector"], Campaign: v["campaign"],
		Grade: General, Description: v["description"], Place: v["place"], Responsible: v["responsible"], Measures: v["measures"],
		ReportedBy: im.p.UserID}
	// Where: an enterprise in scope, or a place in a town. When both the
	// name and the credit code are given they must name the same
	// enterprise: a wrong code would otherwise file the hazard on another
	// enterprise without a word.
	var ent *enterprise.Enterprise
	name := strings.TrimSpace(v["enterprise"])
	var byName []enterprise.Enterprise
	if name != "" {
		byName = im.byName[name]
	}
	switch code := enterprise.NormalizeCreditCode(v["credit_code"]); {
	case code != "":
		if reason, ok := enterprise.CheckCreditCode(code); !ok {
			// A mistyped code is reported as such, not as an unknown enterprise.
			bad("credit_code", "统一社会信用代码有误（"+code+"）："+reason)
			break
		}
		e, ok := im.byCode[code]
		switch {
		case !ok && name != "" && len(byName) > 0:
			bad("credit_code", fmt.Sprintf("统一社会信用代码 %s 与企业名称「%s」不符：本县（您的数据范围内）没有此代码的企业，「%s」登记的代码是 %s", code, name, name, byName[0].CreditCode))
		case !ok:
			bad("credit_code", "本县（您的数据范围内）没有此统一社会信用代码的企业："+code)
		case name != "" && e.Name != name:
			bad("credit_code", fmt.Sprintf("企业名称「%s」与统一社会信用代码 %s 不是同一家企业（该代码登记的企业是「%s」），请核对后再导入", name, code, e.Name))
		default:
			ent = &e
		}
	case name != "":
		switch len(byName) {
		case 0:
			bad("enterprise", "本县（您的数据范围内）没有此企业："+name)
		case 1:
			ent = &byName[0]
		default:
			bad("enterprise", "企业名称重复，请填写统一社会信用代码")
		}
	}
	if ent != nil {
		r.EnterpriseID, r.PlaceName, r.TownCode, r.Sector = ent.ID, ent.Name, ent.TownCode, ent.Sector
	} else if v["enterprise"] == "" && v["credit_code"] == "" {
		r.PlaceName = v["place_name"]
		if r.PlaceName == "" {
			bad("place_name", "未填写企业时，场所名称必填")
		}
		switch t := v["town"]; {
		case t == "":
			bad("town", "未填写企业时，所在乡镇必填")
		default:
			code, ok := im.names.townByName[t]
			if !ok {
				bad("town", "未知乡镇："+t)
			}
			r.TownCode = code
		}
		if im.p.Role == auth.RoleSection {
			bad("enterprise", "股室账号只能导入本股室监管行业企业的隐患，请填写企业")
		}
	}
	if im.p.Role == auth.RoleTown && r.TownCode != "" && !strings.HasPrefix(r.TownCode, im.p.RegionCode) {
		bad("town", "只能导入本乡镇的隐患")
	}
	if x := v["source"]; x != "" {
		if c, ok := sourceCodes.Lookup(x); ok {
			r.Source = Source(c)
		}
		if !SourceOffered(im.p.Role, r.Source) {
			bad("source", "部门账号不能导入来源为“企业自查”的隐患：企业自查隐患由企业自行上报，部门检查发现的隐患请填“部门检查”")
		}
	}
	if x := v["grade"]; x != "" {
		if c, ok := gradeCodes.Lookup(x); ok {
			r.Grade = Grade(c)
		}
	}
	if x := v["category"]; x != "" {
		if c, ok := categoryCodes.Lookup(x); ok {
			r.Category = Category(c)
		}
	}
	if r.Grade == Major {
		if v["clause"] == "" {
			bad("clause", "重大隐患必须填写判定依据（判定标准条款）")
		} else {
			r.Clause, _ = FindClause(v["clause"])
		}
	} else if v["clause"] != "" {
		r.Clause, _ = FindClause(v["clause"])
	}
	found, ok := cellDate(v["found_on"])
	switch {
	case !ok:
		bad("found_on", "日期格式不正确，应为 2022-03-15")
	case found > im.today:
		bad("found_on", "发现日期晚于今天")
	case r.Clause != "" && !ClauseInForce(r.Clause, found):
		p := PeriodOf(r.Clause)
		bad("clause", fmt.Sprintf("判定依据「%s」出自%s，发现日期 %s 不在其施行期间（%s 至 %s），请引用当时施行的判定标准",
			v["clause"], Standards[StandardOf(r.Clause)], found, orOpen(p.From), orOpen(p.Until)))
	}
	r.FoundOn = found
	deadline, ok := cellDate(v["deadline"])
	switch {
	case !ok:
		bad("deadline", "日期格式不正确，应为 2022-03-31")
	case deadline != "" && found != "" && deadline < found:
		bad("deadline", "整改期限早于发现日期")
	}
	r.Deadline = deadline
	done, ok := cellDate(v["rectified_on"])
	rectified := v["status"] == statusDone
	switch {
	case !ok:
		bad("rectified_on", "日期格式不正确，应为 2022-03-31")
	case rectified && done == "":
		bad("rectified_on", "已整改的隐患必须填写整改完成日期")
	case !rectified && done != "":
		bad("rectified_on", "未整改的隐患不应填写整改完成日期（如已整改，请将整改状态填为已整改）")
	case done != "" && found != "" && done < found:
		bad("rectified_on", "整改完成日期早于发现日期")
	case done > im.today:
		bad("rectified_on", "整改完成日期晚于今天")
	}
	if len(out) > 0 || len(row.Errors) > 0 {
		return out
	}
	rec, evs, err := replayImport(r, importSteps{done: done, order: strings.TrimSpace(v["order_number"]),
		review: strings.TrimSpace(v["review_number"])}, im.p, im.now)
	var re *RuleError
	if errors.As(err, &re) {
		// The rule that refuses the page's step refuses the row, under
		// the same code, at the column that carries what it missed.
		return append(out, xlsx.CellError{Key: ruleColumn(re.Rule, re.Step), Reason: RuleText(re), Rule: re.Rule})
	}
	if err != nil {
		return append(out, xlsx.CellError{Key: "status", Reason: err.Error()})
	}
	im.rows = append(im.rows, importRow{rec: rec, events: evs})
	return out
}

// importSteps is what a row says beyond the hazard itself.
type importSteps struct {
	done   string // rectified on ("" when open)
	order  string // 责令限期整改指令书 number, or onSiteCell
	review string // 整改复查意见书 number
}

// replayImport builds the stored hazard and its dated events by applying
// the steps the row implies with Apply, the rules of the forms: report →
// grade (→ order when there is a deadline); a rectified row continues
// submit → verify → close. A step the rules refuse refuses the row with
// the *RuleError (its Step names the action). The order carries the
// row's order number or its 现场整改; the review its review number; the
// rectification was the enterprise's, not the importer's (the rectifier is
// left unnamed, so the importer may record the review), and its evidence
// is the imported ledger row itself. The events are the importer's, with
// the note 导入; at is the recording time, a microsecond apart to keep
// their order.
func replayImport(r Record, in importSteps, p *auth.Principal, now time.Time) (Record, []Event, error) {
	r.ID = ids.NewAt(now)
	r.CreatedAt, r.UpdatedAt = now, now
	// The hazard as reported: no deadline before the order sets it.
	r.State = Reported
	deadline := r.Deadline
	r.Deadline = ""
	h := r.Rules()
	var evs []Event
	at := now
	add := func(a Action, from, to State, on, doc string) {
		evs = append(evs, Event{ID: ids.NewAt(now), HazardID: r.ID, Action: a, From: from, To: to, OnDay: on, At: at, ByUser: p.UserID,
			ByName: p.DisplayName, Note: ImportNote, DocNumber: doc, Deadline: Date(h.Deadline)})
		at = at.Add(time.Microsecond)
	}
	step := func(s Step, on string) error {
		s.On = mustDate(on)
		next, err := Apply(h, s)
		if err != nil {
			var re *RuleError
			if errors.As(err, &re) {
				re.Step = s.Action
			}
			return err
		}
		from := h.State
		h = next
		add(s.Action, from, h.State, on, s.DocNumber)
		return nil
	}
	add(ActReport, "", Reported, r.FoundOn, r.SourceRef)
	if err := step(Step{Action: ActGrade, By: p.UserID, Grade: r.Grade, Clause: r.Clause}, r.FoundOn); err != nil {
		return r, nil, err
	}
	if deadline == "" {
		deadline = in.done // rectified without a deadline: due the day it was
	}
	if deadline != "" {
		onSite := in.order == onSiteCell
		doc := in.order
		if onSite {
			doc = ""
		}
		if err := step(Step{Action: ActOrder, By: p.UserID, Deadline: mustDate(deadline), OnSite: onSite, DocNumber: doc}, r.FoundOn); err != nil {
			return r, nil, err
		}
		r.OrderNumber, r.OnSite = doc, onSite
	}
	if in.done != "" {
		if err := step(Step{Action: ActSubmit, Evidence: 1}, in.done); err != nil {
			return r, nil, err
		}
		if err := step(Step{Action: ActVerify, By: p.UserID, DocNumber: in.review}, in.done); err != nil {
			return r, nil, err
		}
		if err := step(Step{Action: ActClose, By: p.UserID}, in.done); err != nil {
			return r, nil, err
		}
		r.RectifiedOn, r.VerifiedOn, r.ReviewNumber, r.ClosedOn = in.done, in.done, in.review, in.done
	}
	r.State, r.Grade, r.Clause, r.Deadline, r.RectifiedBy = h.State, h.Grade, h.Clause, Date(h.Deadline), h.RectifiedBy
	if err := Valid(h); err != nil {
		return r, nil, fmt.Errorf("imported hazard: %w", err)
	}
	return r, evs, nil
}

// ruleColumn is the column of the hazard ledger that carries what a
// refused step of the import missed.
func ruleColumn(rule string, a Action) string {
	switch rule {
	case "hazard.rule.order_needs_document":
		return "order_number"
	case "hazard.rule.verify_needs_document":
		return "review_number"
	case "hazard.rule.major_needs_clause", "hazard.rule.clause_not_in_force":
		return "clause"
	case "hazard.rule.grade_required", "hazard.rule.major_needs_plan":
		return "grade"
	case "hazard.rule.deadline_required", "hazard.rule.deadline_before_found":
		return "deadline"
	case "hazard.rule.before_found", "hazard.rule.before_last_step":
		if a == ActSubmit || a == ActVerify || a == ActClose {
			return "rectified_on"
		}
		return "found_on"
	}
	return "status"
}

func (im *hzImport) Commit(ctx context.Context, progress func(done, total int64)) (int, error) {
	total := int64(len(im.rows))
	err := im.s.db.InTx(ctx, func(tx *store.Tx) error {
		recs := make([]Record, 0, len(im.rows))
		var evs []Event
		entries := make([]audit.Entry, 0, len(im.rows))
		for _, row := range im.rows {
			r := row.rec
			recs = append(recs, r)
			evs = append(evs, row.events...)
			entries = append(entries, audit.Entry{Entity: "hazard", EntityID: r.ID, Action: "import",
				After: map[string]any{"place": r.PlaceName, "description": r.Description, "found_on": r.FoundOn, "state": r.State, "campaign": r.Campaign}})
		}
		if err := insertHazards(ctx, tx, recs, func(n int) { progress(int64(n), total) }); err != nil {
			return err
		}
		if err := insertEvents(ctx, tx, evs); err != nil {
			return err
		}
		// The open hazards with a deadline get their card in this
		// transaction (red at once for those already overdue).
		var open []string
		for _, r := range recs {
			if r.State.AwaitsRectification() && r.Deadline != "" {
				open = append(open, r.ID)
			}
		}
		if err := im.s.changedTx(ctx, tx, open...); err != nil {
			return err
		}
		return audit.RecordMany(ctx, tx, im.now, im.p.Actor(), entries)
	})
	return len(im.rows), err
}

// insertHazards writes hazards in batches of multi-row INSERTs and counts
// them in the tallies (one upsert per key of the whole list).
func insertHazards(ctx context.Context, tx *store.Tx, list []Record, progress func(n int)) error {
	var progressErr func(int) error
	if progress != nil {
		progressErr = func(n int) error { progress(n); return nil }
	}
	err := store.Bulk{Head: `INSERT INTO hazard (` + Cols + `)`, Width: 39}.Write(ctx, tx, len(list), func(i int, args []any) []any {
		r := &list[i]
		return append(args, r.ID, r.CountyCode, r.EnterpriseID, r.PlaceName, r.TownCode, r.Sector, r.UnitID, r.Source, r.SourceRef, r.Campaign,
			r.Grade, r.Clause, r.Category, r.Description, r.Place, r.Responsible, r.Measures, r.FoundOn, r.Deadline, r.State, r.OrderNumber,
			r.OnSite, r.RectifiedBy, r.RectifiedOn, r.VerifiedOn, r.ReviewNumber, r.ClosedOn, r.PlanMeasures, r.PlanFunds, r.PlanDeadline,
			r.PlanPerson, r.PlanEmergency, r.Listed, r.Extensions, r.Card, r.CardSince, r.ReportedBy, r.CreatedAt.UTC(), r.UpdatedAt.UTC())
	}, progressErr)
	if err != nil {
		return fmt.Errorf("insert hazards: %w", err)
	}
	return tallyRecords(ctx, tx, list)
}

// insertEvents writes timeline events in batches.
func insertEvents(ctx context.Context, tx *store.Tx, list []Event) error {
	err := store.Bulk{Head: `INSERT INTO hazard_event (id, hazard_id, action, from_state, to_state, on_day, at, by_user, by_name, note, doc_number,
		deadline, evidence)`, Width: 13}.Write(ctx, tx, len(list), func(i int, args []any) []any {
		e := &list[i]
		return append(args, e.ID, e.HazardID, e.Action, e.From, e.To, e.OnDay, e.At.UTC(), e.ByUser, e.ByName, e.Note, e.DocNumber, e.Deadline, e.Evidence)
	}, nil)
	if err != nil {
		return fmt.Errorf("insert hazard events: %w", err)
	}
	return nil
}

// orOpen shows an open end of a period.
func orOpen(d string) string {
	if d == "" {
		return "—"
	}
	return d
}
