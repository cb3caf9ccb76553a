package inspection

import (
	"context"
	"net/url"
	"strings"

	"yingji/internal/auth"
	"yingji/internal/calendar"
	"yingji/internal/enterprise"
	"yingji/internal/ledger"
	"yingji/internal/org"
	"yingji/internal/xlsx"
)

// InspectionSchema is the inspections register's Excel layout: one row
// per inspection (家次).
func InspectionSchema() xlsx.Schema {
	var kinds []string
	for _, k := range Kinds {
		kinds = append(kinds, k[1])
	}
	return xlsx.Schema{Name: "监督检查台账", Columns: []xlsx.Column{
		{Key: "on", Header: "检查日期", HeaderEN: "Date", Required: true, Example: "2022-06-16"},
		{Key: "kind", Header: "检查类型", HeaderEN: "Kind", Required: true, Options: kinds, Width: 14},
		{Key: "place", Header: "检查对象", HeaderEN: "Inspected", Required: true, Width: 28},
		{Key: "credit_code", Header: "统一社会信用代码", HeaderEN: "Credit code", Width: 22},
		{Key: "sector", Header: "行业", HeaderEN: "Sector", Width: 14},
		{Key: "officers", Header: "执法人员", HeaderEN: "Officers", Width: 18},
		{Key: "certs", Header: "执法证号", HeaderEN: "Certificate numbers", Width: 24},
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
		{Kind: "inspections", Title: "inspection.ledger", Schema: InspectionSchema(), Export: s.exportInspections},
		{Kind: "inspection-plans", Title: "inspection.ledger_plans", Schema: PlanSchema(), Export: s.exportPlans},
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
