package hazard

import (
	"context"
	"io"
	"net/url"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/org"
	"yingji/internal/kit/xlsx"
)

var selfStateLabels = map[string]string{SelfOnTime: "按时报送", SelfLate: "逾期报送", SelfMissing: "应报未报", SelfPending: "未到期"}

// SelfSchema is the Excel layout of a period's self-report list.
func SelfSchema() xlsx.Schema {
	return xlsx.Schema{Name: "企业隐患自查自报", Columns: []xlsx.Column{
		{Key: "enterprise", Header: "企业名称", HeaderEN: "Enterprise", Width: 30},
		{Key: "town", Header: "所在乡镇", HeaderEN: "Town", Width: 12},
		{Key: "sector", Header: "监管行业", HeaderEN: "Sector", Width: 14},
		{Key: "period", Header: "报告期", HeaderEN: "Period", Width: 10},
		{Key: "due", Header: "报送截止日期", HeaderEN: "Due", Width: 12},
		{Key: "state", Header: "报送情况", HeaderEN: "State", Width: 10},
		{Key: "submitted_on", Header: "报送日期", HeaderEN: "Submitted on", Width: 12},
		{Key: "found", Header: "排查隐患", HeaderEN: "Found"},
		{Key: "rectified", Header: "已整改", HeaderEN: "Rectified"},
		{Key: "major", Header: "重大隐患", HeaderEN: "Major"},
		{Key: "major_rectified", Header: "重大隐患已整改", HeaderEN: "Major rectified"},
		{Key: "signed_by", Header: "主要负责人", HeaderEN: "Signed by"},
	}}
}

// SelfLedger exports a period's self-report list (?period=, town,
// sector, state, q) as shown on /self-reports; it has no import.
func (s *Service) SelfLedger() *ledger.Ledger {
	return &ledger.Ledger{
		Kind:   "self-reports",
		Title:  "hazard.self_title",
		Schema: SelfSchema(),
		Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			now := s.now()
			per, err := ParsePeriod(q.Get("period"))
			if err != nil {
				per = s.LatestReportedPeriod(ctx, p, now)
			}
			list, _, err := s.SelfReportStatuses(ctx, p, per, SelfFilter{Town: q.Get("town"), Sector: q.Get("sector"), State: q.Get("state"), Q: q.Get("q")}, now)
			if err != nil {
				return err
			}
			n, err := s.names(ctx, p.CountyCode)
			if err != nil {
				return err
			}
			for _, x := range list {
				vals := []any{x.EnterpriseName, n.region[x.TownCode], org.SectorLabel(x.Sector, "zh"), x.Period, x.Due, selfStateLabels[x.State]}
				if r := x.Report; r != nil {
					vals = append(vals, r.SubmittedOn, r.Found, r.Rectified, r.Major, r.MajorRectified, r.SignedBy)
				} else {
					vals = append(vals, "", "", "", "", "", "")
				}
				if err := w.Write(vals...); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// statsSchema is the Excel layout of the statistics page.
func statsSchema() xlsx.Schema {
	return xlsx.Schema{Name: "隐患统计", Columns: []xlsx.Column{
		{Key: "period", Header: "统计期间", HeaderEN: "Period", Width: 24},
		{Key: "by", Header: "分组", HeaderEN: "Grouping", Width: 10},
		{Key: "name", Header: "名称", HeaderEN: "Name", Width: 20},
		{Key: "found", Header: "发现隐患", HeaderEN: "Found"},
		{Key: "rectified", Header: "已整改", HeaderEN: "Rectified"},
		{Key: "rate", Header: "整改率", HeaderEN: "Rate"},
		{Key: "major", Header: "重大隐患", HeaderEN: "Major"},
		{Key: "major_done", Header: "重大隐患已整改", HeaderEN: "Major rectified"},
		{Key: "overdue", Header: "逾期未整改", HeaderEN: "Overdue"},
	}}
}

func newStatsWriter(w io.Writer) (*xlsx.Writer, error) { return xlsx.NewWriter(w, statsSchema()) }
