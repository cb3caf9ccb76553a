package certificate

import (
	"context"
	"fmt"
	"net/url"
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

// Schema is the certificate ledger's Excel layout (人员证书台账).
func Schema() xlsx.Schema {
	return xlsx.Schema{Name: "人员证书台账", Columns: []xlsx.Column{
		{Key: "credit_code", Header: "企业统一社会信用代码", HeaderEN: "Enterprise credit code", Required: true, Width: 22, Example: "91349901100000001X", Help: "企业须已在企业台账登记"},
		{Key: "enterprise", Header: "企业名称", HeaderEN: "Enterprise", Width: 28, Help: "仅供核对，以统一社会信用代码为准"},
		{Key: "person_name", Header: "姓名", HeaderEN: "Name", Required: true, Example: "张建国"},
		{Key: "id_number", Header: "身份证号", HeaderEN: "ID number", Required: true, Width: 20, Example: "340223198001011234", Help: "18 位居民身份证号码，按 GB 11643 校验"},
		{Key: "person_role", Header: "人员类别", HeaderEN: "Person role", Required: true, Options: PersonRoles.ZHLabels(), Width: 14},
		{Key: "kind", Header: "证书类型", HeaderEN: "Certificate type", Required: true, Options: Kinds.ZHLabels(), Width: 32},
		{Key: "category", Header: "行业类别/作业类别", HeaderEN: "Category", Required: true, Options: append(CompetenceCategories.ZHLabels(), SpecialCategories.ZHLabels()...), Width: 20,
			Help: "合格证填行业类别：" + strings.Join(CompetenceCategories.ZHLabels(), "、") + "；特种作业操作证填作业类别：" + strings.Join(SpecialCategories.ZHLabels(), "、")},
		{Key: "number", Header: "证书编号", HeaderEN: "Certificate number", Required: true, Width: 22},
		{Key: "authority", Header: "发证机关", HeaderEN: "Issuing authority", Width: 18, Example: "芜湖市应急管理局"},
		{Key: "issued_on", Header: "发证日期", HeaderEN: "Issue date", Required: true, Example: "2021-06-10"},
		{Key: "expires_on", Header: "有效期至", HeaderEN: "Valid until", Example: "2024-06-10", Help: "不填时：合格证为发证日期加 3 年，特种作业操作证加 6 年"},
		{Key: "review_due_on", Header: "下次复审日期", HeaderEN: "Next review", Help: "仅特种作业操作证；不填时为发证日期加 3 年"},
		{Key: "status", Header: "状态", HeaderEN: "Status", Help: "导出时填写；导入时不读取"},
		{Key: "note", Header: "备注", HeaderEN: "Note", Width: 20},
	}}
}

// Ledger is the certificate register for the Excel kit.
func (s *Service) Ledger() *ledger.Ledger {
	return &ledger.Ledger{
		Kind:   "certificates",
		Title:  "nav.certificates",
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

func (s *Service) export(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
	ents := map[string]enterprise.Enterprise{}
	if err := s.ent.Each(ctx, p, enterprise.Filter{}, func(e enterprise.Enterprise) error {
		ents[e.ID] = e
		return nil
	}); err != nil {
		return err
	}
	today := s.Today()
	return s.Each(ctx, p, FilterOf(q), func(c Certificate) error {
		e := ents[c.EnterpriseID]
		return w.Write(e.CreditCode, e.Name, c.PersonName, c.IDNumber, RoleLabel(c.PersonRole, "zh"), KindLabel(c.Kind, "zh"),
			CategoryLabel(c.Kind, c.Category, "zh"), c.Number, c.Authority, c.IssuedOn.Time(), c.ExpiresOn.Time(), c.ReviewDueOn.Time(),
			exportStatus(c, today), c.Note)
	})
}

// exportStatus is the status column: 有效 / 即将到期 / 已过期 / 注销, and
// 待核验 for entries not yet checked.
func exportStatus(c Certificate, today Date) string {
	st := StatusLabel(StatusOf(c, today), "zh")
	if !c.Verified {
		st += "（待核验）"
	}
	return st
}

type certImport struct {
	s        *Service
	p        *auth.Principal
	today    Date
	byCode   map[string]enterprise.Enterprise // credit code → enterprise the importer may record for
	existing map[string]bool                  // kind/category/number in the county
	seen     map[string]int                   // kind/category/number → row in this file
	rows     []Certificate
}

func numberKey(kind, category, number string) string { return kind + "/" + category + "/" + number }

func (s *Service) newImport(ctx context.Context, p *auth.Principal) (*certImport, error) {
	im := &certImport{s: s, p: p, today: s.Today(), byCode: map[string]enterprise.Enterprise{}, existing: map[string]bool{}, seen: map[string]int{}}
	if err := s.ent.Each(ctx, p, enterprise.Filter{}, func(e enterprise.Enterprise) error {
		if CanEdit(p, e) {
			im.byCode[e.CreditCode] = e
		}
		return nil
	}); err != nil {
		return nil, err
	}
	rows, err := s.db.R().QueryContext(ctx, `SELECT kind, category, number FROM certificate WHERE county_code = $1`, p.CountyCode)
	if err != nil {
		return nil, fmt.Errorf("existing certificate numbers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, c, n string
		if err := rows.Scan(&k, &c, &n); err != nil {
			return nil, err
		}
		im.existing[numberKey(k, c, n)] = true
	}
	return im, rows.Err()
}

// cellKeys maps a model field to its Excel column.
var cellKeys = map[string]string{"enterprise_id": "credit_code"}

func (im *certImport) Check(ctx context.Context, row xlsx.Row) []xlsx.CellError {
	v := row.Values
	var out []xlsx.CellError
	bad := func(key, reason string) { out = append(out, xlsx.CellError{Key: key, Reason: reason}) }
	c := Certificate{PersonName: v["person_name"], IDNumber: v["id_number"], Number: v["number"], Authority: v["authority"], Note: v["note"]}
	if code := enterprise.NormalizeCreditCode(v["credit_code"]); code != "" {
		e, ok := im.byCode[code]
		if !ok {
			bad("credit_code", "未知企业：该统一社会信用代码未在企业台账登记，或不在您的监管范围内")
		}
		c.EnterpriseID = e.ID
	}
	if x := v["person_role"]; x != "" {
		c.PersonRole, _ = PersonRoles.Lookup(x)
	}
	if x := v["kind"]; x != "" {
		c.Kind, _ = Kinds.Lookup(x)
	}
	if x := v["category"]; x != "" && c.Kind != "" {
		cat, ok := categoriesOf(c.Kind).Lookup(x)
		if !ok {
			bad("category", "类别与证书类型不符："+KindLabel(c.Kind, "zh")+"应填 "+strings.Join(categoriesOf(c.Kind).ZHLabels(), "、"))
		}
		c.Category = cat
	}
	for _, x := range []struct {
		key string
		dst *Date
	}{{"issued_on", &c.IssuedOn}, {"expires_on", &c.ExpiresOn}, {"review_due_on", &c.ReviewDueOn}} {
		d, err := ParseDate(v[x.key])
		if err != nil {
			bad(x.key, "日期格式不正确，应如 2021-06-10")
		}
		*x.dst = d
	}
	if len(out) == 0 && len(row.Errors) == 0 {
		if err := Validate(&c, im.today); err != nil {
			for _, fe := range errs.Fields(err) {
				key := fe.Field
				if k, ok := cellKeys[key]; ok {
					key = k
				}
				bad(key, cellReason(fe))
			}
		}
	}
	if len(out) == 0 && len(row.Errors) == 0 {
		k := numberKey(c.Kind, c.Category, c.Number)
		switch first, dup := im.seen[k]; {
		case dup:
			bad("number", fmt.Sprintf("与第 %d 行的证书重复", first))
		case im.existing[k]:
			bad("number", "该证书编号已登记")
		default:
			im.seen[k] = row.Num
			im.rows = append(im.rows, c)
		}
	}
	return out
}

// cellReason renders a model field error in Chinese for the error report.
func cellReason(fe *errs.Error) string {
	switch fe.Message {
	case "certificate.id_invalid":
		return fmt.Sprint(fe.Args["Reason"])
	case "certificate.expiry_before_issue":
		return "有效期至早于（或等于）发证日期"
	case "certificate.validity_too_long":
		return fmt.Sprintf("有效期超过证书规定的 %v 年：发证日期起最晚至 %v（有效期至为最后有效日）", fe.Args["Years"], fe.Args["Max"])
	case "certificate.issued_future":
		return "发证日期晚于今天"
	case "certificate.review_out_of_range":
		return "下次复审日期应在发证日期之后、有效期届满之前"
	case "certificate.role_kind_mismatch":
		return "人员类别与证书类型不符：合格证属于主要负责人或安全管理人员，特种作业操作证属于特种作业人员"
	case "certificate.kind_invalid":
		return "未知证书类型"
	case "certificate.category_invalid":
		return "类别与证书类型不符"
	case "field.required":
		return "必填项为空"
	}
	return "取值无效"
}

func (im *certImport) Commit(ctx context.Context, progress func(done, total int64)) (int, error) {
	total := int64(len(im.rows))
	err := im.s.db.InTx(ctx, func(tx *store.Tx) error {
		now := im.s.now().UTC()
		entries := make([]audit.Entry, len(im.rows))
		touched := map[string]string{} // enterprise → a certificate of it
		err := store.InsertRows(ctx, tx, "certificate", cols+", id_index", len(im.rows), func(i int) []any {
			c := &im.rows[i]
			c.ID, c.CountyCode, c.Verified, c.CreatedAt, c.UpdatedAt = ids.New(), im.p.CountyCode, true, now, now
			entries[i] = audit.Entry{Entity: "certificate", EntityID: c.ID, Action: "import", After: audited(*c)}
			touched[c.EnterpriseID] = c.ID
			return []any{c.ID, c.CountyCode, c.EnterpriseID, c.PersonName, im.s.sealID(c.IDNumber), c.PersonRole, c.Kind, c.Category, c.Number,
				c.Authority, c.IssuedOn, c.ExpiresOn, c.ReviewDueOn, c.ValidUntil, c.Revoked, c.RevokedOn, c.RevokeReason, c.Verified, c.Note,
				c.CreatedAt, c.UpdatedAt, im.s.indexID(c.IDNumber)}
		}, func(done int) { progress(int64(done), total) })
		if store.IsUniqueViolation(err) {
			return errs.New(errs.Conflict, "certificate.import_conflict")
		}
		if err != nil {
			return err
		}
		if err := audit.RecordMany(ctx, tx, now, im.p.Actor(), entries); err != nil {
			return err
		}
		for ent, cert := range touched {
			if err := im.s.settle(ctx, tx, im.p, ent, cert, im.today); err != nil {
				return err
			}
		}
		return nil
	})
	return len(im.rows), err
}
