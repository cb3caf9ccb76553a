package enforcement

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/calendar"
	"yingji/internal/kit/codes"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/store"
	"yingji/internal/kit/xlsx"
)

func kindLabels() []string {
	var out []string
	for _, k := range Kinds {
		out = append(out, k.Label)
	}
	return out
}

// DocumentSchema is the documents register (执法文书登记簿). Its headers
// are a contract (文书类型, 文书编号 exactly): no column is marked
// required with "*", as the register is only exported.
func DocumentSchema() xlsx.Schema {
	return xlsx.Schema{Name: "执法文书登记簿", Columns: []xlsx.Column{
		{Key: "kind", Header: "文书类型", HeaderEN: "Document type", Options: kindLabels(), Width: 20},
		{Key: "number", Header: "文书编号", HeaderEN: "Document number", Width: 26},
		{Key: "issued_on", Header: "制发日期", HeaderEN: "Issued on", Required: true},
		{Key: "enterprise", Header: "企业名称", HeaderEN: "Enterprise", Width: 28},
		{Key: "sector", Header: "行业", HeaderEN: "Sector"},
		{Key: "deadline", Header: "整改期限", HeaderEN: "Deadline"},
		{Key: "officers", Header: "执法人员", HeaderEN: "Officers", Width: 20},
		{Key: "inspection", Header: "检查记录编号", HeaderEN: "Inspection"},
		{Key: "case", Header: "案件编号", HeaderEN: "Case"},
		{Key: "hazards", Header: "隐患编号", HeaderEN: "Hazards"},
	}}
}

// DocumentLedger is the documents register for the Excel kit (export).
func (s *Service) DocumentLedger() *ledger.Ledger {
	return &ledger.Ledger{Kind: "documents", Title: "enforcement.documents", Schema: DocumentSchema(),
		Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			return s.EachDocument(ctx, p, DocFilterOf(q), func(d Document) error {
				return w.Write(d.KindLabel(), d.Number, d.IssuedOn, d.EnterpriseName, d.Sector, d.Deadline, d.Officers, d.InspectionID, d.CaseID,
					strings.Join(d.HazardIDs, ","))
			})
		}}
}

// stateCodes are the Chinese names of the case states.
var stateCodes = codes.Pairs([][2]string{{StateFiling, "立案待审批"}, {StateInvestigating, "调查取证"}, {StateNotified, "已告知"},
	{StateDecided, "已决定（执行中）"}, {StateClosing, "结案待审批"}, {StateClosed, "已结案"}, {StateRejected, "不予立案"}})

// causeCodes are the Chinese names of the cause kinds, in the order of CauseKinds.
var causeCodes = codes.Pairs([][2]string{{"duty_keeping", "违规值班值守"}, {"hazard_unremedied", "未消除事故隐患"}, {"training", "未按规定教育培训"},
	{"major_hazard_source", "重大危险源管理"}, {"licence", "无证或超范围经营"}, {"other", "其他"}})

// CaseSchema is the cases register (行政处罚案件台账).
func CaseSchema() xlsx.Schema {
	causes := causeCodes.ZHLabels()
	return xlsx.Schema{Name: "行政处罚案件台账", Columns: []xlsx.Column{
		{Key: "credit_code", Header: "企业统一社会信用代码", HeaderEN: "Enterprise credit code", Required: true, Width: 22},
		{Key: "enterprise", Header: "企业名称", HeaderEN: "Enterprise", Width: 28, Help: "仅供核对，以统一社会信用代码为准"},
		{Key: "cause", Header: "案由", HeaderEN: "Cause", Required: true, Width: 30},
		{Key: "cause_kind", Header: "违法类型", HeaderEN: "Cause kind", Options: causes},
		{Key: "legal_basis", Header: "处罚依据", HeaderEN: "Legal basis", Required: true, Width: 30, Help: "填写执法设置中的处罚依据代码或名称"},
		{Key: "found_on", Header: "发现日期", HeaderEN: "Found on", Required: true, Example: "2022-03-01"},
		{Key: "fine", Header: "罚款金额（元）", HeaderEN: "Fine (yuan)", Help: "导出时填写；导入的案件为立案待审批，罚款在告知、决定环节填写"},
		{Key: "state", Header: "案件状态", HeaderEN: "State", Help: "导出时填写；导入时不读取"},
		{Key: "filed_on", Header: "立案日期", HeaderEN: "Filed on", Help: "导出时填写"},
		{Key: "decided_on", Header: "决定日期", HeaderEN: "Decided on", Help: "导出时填写"},
		{Key: "paid", Header: "已缴金额（元）", HeaderEN: "Paid (yuan)", Help: "导出时填写"},
	}}
}

// CaseLedger is the cases register for the Excel kit.
func (s *Service) CaseLedger() *ledger.Ledger {
	return &ledger.Ledger{Kind: "cases", Title: "enforcement.cases", Schema: CaseSchema(),
		Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			creditCodes := map[string]string{}
			if err := s.ent.Each(ctx, p, enterprise.Filter{}, func(e enterprise.Enterprise) error { creditCodes[e.ID] = e.CreditCode; return nil }); err != nil {
				return err
			}
			set, err := s.Settings(ctx, p.CountyCode)
			if err != nil {
				return err
			}
			f := CaseFilterOf(q)
			rows, _, err := s.ListCases(ctx, p, f)
			if err != nil {
				return err
			}
			for _, c := range rows {
				b, _ := set.BasisOf(c.LegalBasis)
				fine := ""
				if c.DecidedOn != "" || c.NotifiedOn != "" {
					fine = Yuan(c.FineFen)
				}
				if err := w.Write(creditCodes[c.EnterpriseID], c.EnterpriseName, c.Cause, causeCodes.ZH(c.CauseKind), b.Label, c.FoundOn, fine,
					stateCodes.ZH(c.State), c.FiledOn, c.DecidedOn, Yuan(c.PaidFen)); err != nil {
					return err
				}
			}
			return nil
		},
		NewImport: func(ctx context.Context, p *auth.Principal, _ string) (ledger.Import, error) {
			if !CanWrite(p) {
				return nil, errs.New(errs.Forbidden, "forbidden")
			}
			im := &caseImport{s: s, p: p, byCode: map[string]string{}}
			if err := s.ent.Each(ctx, p, enterprise.Filter{}, func(e enterprise.Enterprise) error { im.byCode[e.CreditCode] = e.ID; return nil }); err != nil {
				return nil, err
			}
			set, err := s.Settings(ctx, p.CountyCode)
			im.set = set
			return im, err
		},
	}
}

type caseImport struct {
	s      *Service
	p      *auth.Principal
	set    Settings
	byCode map[string]string
	rows   []NewCase
}

func (im *caseImport) Check(ctx context.Context, row xlsx.Row) []xlsx.CellError {
	v := row.Values
	var out []xlsx.CellError
	bad := func(k, reason string) { out = append(out, xlsx.CellError{Key: k, Reason: reason}) }
	in := NewCase{Cause: v["cause"], Note: "Excel 导入"}
	if id, ok := im.byCode[enterprise.NormalizeCreditCode(v["credit_code"])]; ok {
		in.EnterpriseID = id
	} else if v["credit_code"] != "" {
		bad("credit_code", "未知企业：该统一社会信用代码未在企业台账登记，或不在您的监管范围内")
	}
	if x := v["cause_kind"]; x != "" {
		if k, ok := causeCodes.Lookup(x); ok {
			in.CauseKind = k
		} else {
			bad("cause_kind", "未知违法类型")
		}
	}
	if b, ok := im.set.BasisOf(v["legal_basis"]); ok {
		in.LegalBasis = b.Code
	} else if v["legal_basis"] != "" {
		bad("legal_basis", "未知处罚依据：请填写执法设置中的处罚依据")
	}
	if d, err := calendar.NormalizeDay(v["found_on"]); err == nil {
		in.FoundOn = d
		if d > im.s.Today() {
			bad("found_on", "发现日期晚于今天")
		}
	} else if v["found_on"] != "" {
		bad("found_on", "日期格式不正确，应如 2022-03-01")
	}
	if x := v["fine"]; x != "" {
		n, err := ParseYuan(x)
		b, _ := im.set.BasisOf(in.LegalBasis)
		switch {
		case err != nil:
			bad("fine", "金额格式不正确")
		case n < 0:
			bad("fine", "罚款金额不能为负数")
		case b.CapFen > 0 && n > b.CapFen:
			bad("fine", fmt.Sprintf("罚款金额超过该处罚依据的上限 %s 元", Yuan(b.CapFen)))
		}
	}
	if len(out) == 0 && len(row.Errors) == 0 {
		im.rows = append(im.rows, in)
	}
	return out
}

func (im *caseImport) Commit(ctx context.Context, progress func(done, total int64)) (int, error) {
	err := im.s.db.InTx(ctx, func(tx *store.Tx) error {
		for i, in := range im.rows {
			if _, err := im.s.OpenCaseTx(ctx, tx, im.p, in); err != nil {
				return err
			}
			progress(int64(i+1), int64(len(im.rows)))
		}
		return nil
	})
	return len(im.rows), err
}
