package prepare

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/calendar"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/store"
	"yingji/internal/kit/xlsx"
)

// Excel imports of plans, drills and experts. Each row is built into the
// record the form builds and checked by the form's rule (ValidatePlan,
// ValidateDrill, ValidateExpert) and the same scope checks; Commit replays
// the kept rows through the service's own create functions in one
// transaction (ledger.Kept), so a file either goes in whole or not at
// all, and a failure names the file row it came from.

// fieldErrs turns a rule's field errors into cell errors; keys maps a
// field to its column key where the two differ.
func fieldErrs(err error, keys map[string]string) []xlsx.CellError {
	var out []xlsx.CellError
	for _, fe := range errs.Fields(err) {
		key := keys[fe.Field]
		if key == "" {
			key = fe.Field
		}
		out = append(out, xlsx.CellError{Key: key, Reason: zhText(fe.Message)})
	}
	if len(out) == 0 && err != nil {
		reason := err.Error()
		if e, ok := errs.As(err); ok {
			reason = zhText(e.Message)
		}
		out = append(out, xlsx.CellError{Key: "name", Reason: reason})
	}
	return out
}

// yes reads a 是/否 cell.
func yes(v string) bool {
	switch strings.TrimSpace(strings.ToLower(v)) {
	case "是", "y", "yes", "1", "true", "√":
		return true
	}
	return false
}

// existing runs q (two text columns) and returns its rows as
// "a\x00b" keys (the "already registered" checks).
func (s *Service) existing(ctx context.Context, q string, args ...any) (map[string]bool, error) {
	rows, err := s.db.R().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("existing rows: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var a, b string
		if err := rows.Scan(&a, &b); err != nil {
			return nil, err
		}
		out[a+"\x00"+b] = true
	}
	return out, rows.Err()
}

// ---- plans

type planImport struct {
	s        *Service
	p        *auth.Principal
	region   RegionCodeFunc
	existing map[string]bool // name \x00 enterprise id
	seen     map[string]int
	kept     ledger.Kept[Plan]
}

func (im *planImport) Check(ctx context.Context, row xlsx.Row) []xlsx.CellError {
	v := row.Values
	var out []xlsx.CellError
	bad := func(key, reason string) { out = append(out, xlsx.CellError{Key: key, Reason: reason}) }
	x := Plan{Name: v["name"], OwnerUnit: strings.TrimSpace(v["owner"]), Flood: yes(v["flood"]), DraftedOn: v["drafted"]}
	x.Category = CategoryNames.Value(v["category"])
	if x.Category == "" {
		x.Category = CategoryNames.Value(v["category"] + "应急预案")
	}
	if r := strings.TrimSpace(v["region"]); r != "" {
		if x.RegionCode = im.region(ctx, im.p.CountyCode, r); x.RegionCode == "" {
			bad("region", "本县没有该乡镇或村："+r)
		}
	} else if im.p.Role == auth.RoleTown {
		x.RegionCode = im.p.RegionCode
	}
	if e := strings.TrimSpace(v["enterprise"]); e != "" {
		id, _, _, found, err := im.s.ent.Resolve(ctx, im.p.CountyCode, e)
		if err != nil {
			return append(out, xlsx.CellError{Key: "enterprise", Reason: err.Error()})
		}
		if !found {
			bad("enterprise", "本县没有该企业（请填写企业全称或统一社会信用代码）："+e)
		} else {
			x.EnterpriseID = id
		}
	}
	if x.DraftedOn == "" {
		x.DraftedOn = im.s.Today()
	}
	if err := ValidatePlan(&x); err != nil {
		out = append(out, fieldErrs(err, map[string]string{"region_code": "region", "enterprise_id": "enterprise", "drafted_on": "drafted"})...)
	}
	if len(out) == 0 && x.EnterpriseID != "" {
		e, err := im.s.ent.Get(ctx, im.p, x.EnterpriseID)
		if err != nil {
			bad("enterprise", "该企业不在您的范围内")
		} else {
			x.RegionCode = e.TownCode
			if x.OwnerUnit == "" {
				x.OwnerUnit = e.Name
			}
		}
	}
	if len(out) == 0 && !CanWriteRow(im.p, x.RegionCode, x.EnterpriseID) {
		bad("region", "该乡镇不在您的范围内")
	}
	key := x.Name + "\x00" + x.EnterpriseID
	if first, dup := im.seen[key]; dup {
		bad("name", fmt.Sprintf("与第 %d 行重复", first))
	} else if im.existing[key] {
		bad("name", "已登记同名预案")
	} else if x.Name != "" {
		im.seen[key] = row.Num
	}
	if len(out) == 0 && len(row.Errors) == 0 {
		im.kept.Add(row.Num, x)
	}
	return out
}

func (im *planImport) Commit(ctx context.Context, progress func(done, total int64)) (int, error) {
	return im.kept.Commit(ctx, im.s.db, progress, func(tx *store.Tx, x Plan) error {
		_, err := im.s.createPlanTx(ctx, tx, im.p, x)
		return err
	})
}

// ---- drills

type drillImport struct {
	s        *Service
	p        *auth.Principal
	region   RegionCodeFunc
	plans    map[string]string // plan name → id ("" when several plans have it)
	existing map[string]bool   // name \x00 date
	at       map[string]int    // name \x00 date → index in kept (a later row adds a problem)
	first    map[string]int    // name \x00 date → its first row number
	drill    map[string]Drill  // name \x00 date → its first row
	kept     ledger.Kept[Drill]
}

func (im *drillImport) Check(ctx context.Context, row xlsx.Row) []xlsx.CellError {
	v := row.Values
	var out []xlsx.CellError
	bad := func(key, reason string) { out = append(out, xlsx.CellError{Key: key, Reason: reason}) }
	keys := map[string]string{"drill_on": "date", "participants": "people", "task_owner": "owner", "task_due": "due", "plan_id": "plan"}
	x := Drill{Name: v["name"], DrillOn: v["date"], Form: v["form"], Units: strings.TrimSpace(v["units"]), Evaluation: strings.TrimSpace(v["evaluation"])}
	if n := strings.TrimSpace(v["people"]); n != "" {
		k, err := strconv.Atoi(n)
		if err != nil {
			bad("people", "参演人数须为整数")
		}
		x.Participants = k
	}
	if r := strings.TrimSpace(v["region"]); r != "" {
		if x.RegionCode = im.region(ctx, im.p.CountyCode, r); x.RegionCode == "" {
			bad("region", "本县没有该乡镇："+r)
		}
	} else if im.p.Role == auth.RoleTown {
		x.RegionCode = im.p.RegionCode
	}
	if pn := strings.TrimSpace(v["plan"]); pn != "" {
		id, ok := im.plans[pn]
		switch {
		case !ok:
			bad("plan", "未找到该预案："+pn)
		case id == "":
			bad("plan", "有多个同名预案，请在系统中登记演练："+pn)
		default:
			x.PlanID = id
		}
	}
	day := strings.TrimSpace(x.DrillOn)
	if d, err := calendar.NormalizeDay(day); err == nil {
		day = d
	}
	key := strings.TrimSpace(x.Name) + "\x00" + day
	if d, again := im.drill[key]; again && strings.TrimSpace(x.Form) == "" {
		x.Form = d.Form // a further row of a drill need not repeat its form
	}
	if pr := strings.TrimSpace(v["problem"]); pr != "" || strings.TrimSpace(v["owner"]) != "" || strings.TrimSpace(v["due"]) != "" {
		x.Tasks = []DrillTask{{Problem: pr, Owner: strings.TrimSpace(v["owner"]), DueOn: v["due"]}}
		if pr == "" {
			bad("problem", "填写了整改责任单位或期限，须填写发现的问题")
		}
	}
	if err := ValidateDrill(&x); err != nil {
		out = append(out, fieldErrs(err, keys)...)
	}
	if len(out) == 0 && !CanWriteRow(im.p, x.RegionCode, "") {
		bad("region", "该乡镇不在您的范围内")
	}
	if i, again := im.at[key]; again {
		// A further row of the same drill (same name and date) adds its
		// problem; the drill's other columns come from its first row.
		if len(x.Tasks) == 0 {
			bad("problem", fmt.Sprintf("与第 %d 行是同一演练，续行须填写发现的问题", im.first[key]))
		}
		if len(out) == 0 && len(row.Errors) == 0 && i >= 0 {
			im.kept.Rows[i].Tasks = append(im.kept.Rows[i].Tasks, x.Tasks...)
		}
		return out
	}
	if im.existing[key] {
		bad("name", "已登记同名同日的演练")
	}
	if x.Name != "" && x.DrillOn != "" {
		im.first[key], im.at[key], im.drill[key] = row.Num, -1, x
	}
	if len(out) == 0 && len(row.Errors) == 0 {
		im.at[key] = len(im.kept.Rows)
		im.kept.Add(row.Num, x)
	}
	return out
}

func (im *drillImport) Commit(ctx context.Context, progress func(done, total int64)) (int, error) {
	return im.kept.Commit(ctx, im.s.db, progress, func(tx *store.Tx, x Drill) error {
		_, err := im.s.createDrillTx(ctx, tx, im.p, x)
		return err
	})
}

// ---- experts

type expertImport struct {
	s        *Service
	p        *auth.Principal
	existing map[string]bool // name \x00 unit
	seen     map[string]int
	kept     ledger.Kept[Expert]
}

func (im *expertImport) Check(ctx context.Context, row xlsx.Row) []xlsx.CellError {
	v := row.Values
	var out []xlsx.CellError
	x := Expert{Name: v["name"], Field: v["field"], Unit: strings.TrimSpace(v["unit"]), Title: strings.TrimSpace(v["title"]), Phone: v["phone"]}
	if err := ValidateExpert(&x); err != nil {
		out = append(out, fieldErrs(err, nil)...)
	}
	key := x.Name + "\x00" + x.Unit
	if first, dup := im.seen[key]; dup {
		out = append(out, xlsx.CellError{Key: "name", Reason: fmt.Sprintf("与第 %d 行重复（同一姓名和工作单位）", first)})
	} else if im.existing[key] {
		out = append(out, xlsx.CellError{Key: "name", Reason: "专家库已有该专家（同一姓名和工作单位）"})
	} else if x.Name != "" {
		im.seen[key] = row.Num
	}
	if len(out) == 0 && len(row.Errors) == 0 {
		im.kept.Add(row.Num, x)
	}
	return out
}

func (im *expertImport) Commit(ctx context.Context, progress func(done, total int64)) (int, error) {
	return im.kept.Commit(ctx, im.s.db, progress, func(tx *store.Tx, x Expert) error {
		_, err := im.s.createExpertTx(ctx, tx, im.p, x)
		return err
	})
}

// withRegisterImports makes the plans, drills and experts ledgers
// importable (the columns a form fills are required and offer their
// choices; the rest are exported only).
func (s *Service) withRegisterImports(plans, drills, experts *ledger.Ledger, region RegionCodeFunc) {
	set := func(l *ledger.Ledger, required []string, options map[string][]string, help map[string]string) {
		for i := range l.Schema.Columns {
			c := &l.Schema.Columns[i]
			for _, k := range required {
				if c.Key == k {
					c.Required = true
				}
			}
			if o, ok := options[c.Key]; ok {
				c.Options = o
			}
			if h, ok := help[c.Key]; ok {
				c.Help = h
			}
		}
	}
	set(plans, []string{"name", "category"}, map[string][]string{"category": CategoryNames.ZHLabels(), "flood": {"是", "否"}},
		map[string]string{"region": "乡镇、村级预案填写乡镇或村（社区）名称", "enterprise": "企业预案填写企业全称或统一社会信用代码",
			"drafted": "如 2022-04-15；不填为今天", "owner": "企业预案不填时为企业名称"})
	plans.NewImport = func(ctx context.Context, p *auth.Principal, _ string) (ledger.Import, error) {
		if !p.Is(auth.RoleAdmin, auth.RoleSection, auth.RoleTown) {
			return nil, errs.New(errs.Forbidden, "forbidden")
		}
		ex, err := s.existing(ctx, `SELECT name, enterprise_id FROM prep_plan WHERE county_code = $1`, p.CountyCode)
		if err != nil {
			return nil, err
		}
		return &planImport{s: s, p: p, region: region, existing: ex, seen: map[string]int{}}, nil
	}
	set(drills, []string{"name", "date"}, map[string][]string{"form": DrillForms.ZHLabels()},
		map[string]string{"date": "如 2022-05-20", "plan": "已登记的预案名称（可不填）", "problem": "一行一个问题；同一演练的多个问题另起一行，演练名称和日期相同",
			"owner": "有问题时必填", "due": "有问题时必填，不早于演练日期", "region": "乡镇名称；县级演练不填", "form": "必填；同一演练的续行可不填"})
	drills.NewImport = func(ctx context.Context, p *auth.Principal, _ string) (ledger.Import, error) {
		if !p.Is(auth.RoleAdmin, auth.RoleSection, auth.RoleTown) {
			return nil, errs.New(errs.Forbidden, "forbidden")
		}
		ex, err := s.existing(ctx, `SELECT name, drill_on FROM prep_drill WHERE county_code = $1`, p.CountyCode)
		if err != nil {
			return nil, err
		}
		all, err := s.AllPlans(ctx, p, PlanFilter{})
		if err != nil {
			return nil, err
		}
		plans := map[string]string{}
		for _, x := range all {
			if _, twice := plans[x.Name]; twice {
				plans[x.Name] = ""
			} else {
				plans[x.Name] = x.ID
			}
		}
		return &drillImport{s: s, p: p, region: region, plans: plans, existing: ex, at: map[string]int{}, first: map[string]int{}, drill: map[string]Drill{}}, nil
	}
	set(experts, []string{"name", "field"}, map[string][]string{"field": ExpertFields.ZHLabels()}, map[string]string{"phone": "11 位手机号或区号-号码"})
	experts.NewImport = func(ctx context.Context, p *auth.Principal, _ string) (ledger.Import, error) {
		if !CanFile(p) {
			return nil, errs.New(errs.Forbidden, "forbidden")
		}
		ex, err := s.existing(ctx, `SELECT name, unit FROM prep_expert WHERE county_code = $1`, p.CountyCode)
		if err != nil {
			return nil, err
		}
		return &expertImport{s: s, p: p, existing: ex, seen: map[string]int{}}, nil
	}
}
