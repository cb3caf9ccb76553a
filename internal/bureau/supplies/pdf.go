package supplies

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"yingji/internal/kit/calendar"
	"yingji/internal/kit/pdfdoc"
)

// DispatchDoc is the printed dispatch order (应急物资调拨单).
func DispatchDoc(issuer string, d Dispatch, towns map[string]string) pdfdoc.Doc {
	rows := []pdfdoc.Field{
		{Label: "调出仓库", Value: d.FromName},
		{Label: "接收单位", Value: ReceiverName(d, towns)},
	}
	if d.ToWareName != "" {
		rows = append(rows, pdfdoc.Field{Label: "接收仓库", Value: d.ToWareName})
	}
	if d.Partner != "" {
		rows = append(rows, pdfdoc.Field{Label: "会同单位", Value: d.Partner})
	}
	rows = append(rows, pdfdoc.Field{Label: "用途", Value: PurposeLabel(d.Purpose, "zh")},
		pdfdoc.Field{Label: "调拨日期", Value: pdfdoc.ChineseDate(calendar.Day(d.DispatchOn))})
	if d.Reason != "" {
		rows = append(rows, pdfdoc.Field{Label: "调拨事由", Value: d.Reason})
	}
	table := pdfdoc.Table{Header: []string{"序号", "物资名称", "计量单位", "调拨数量", "实收数量"}, Widths: []float64{0.1, 0.34, 0.16, 0.2, 0.2}}
	for i, l := range d.Lines {
		got := ""
		if d.State == StateReceived {
			got = strconv.FormatInt(l.ReceivedQty, 10)
		}
		table.Rows = append(table.Rows, []string{strconv.Itoa(i + 1), l.ItemName, l.Unit, strconv.FormatInt(l.Quantity, 10), got})
	}
	table.Rows = append(table.Rows, []string{"合计", "", "", strconv.FormatInt(d.Total(), 10), ""})
	sign := []pdfdoc.Field{
		{Label: "申请人", Value: d.RequestedName},
		{Label: "审批人", Value: d.ApprovedName},
		{Label: "状态", Value: StateLabel(d.State, "zh")},
	}
	if d.State == StateReceived {
		sign = append(sign, pdfdoc.Field{Label: "签收人", Value: d.ReceivedName}, pdfdoc.Field{Label: "签收日期", Value: pdfdoc.ChineseDate(calendar.Day(d.ReceivedOn))})
	}
	if d.State == StateRejected {
		sign = append(sign, pdfdoc.Field{Label: "未批准原因", Value: d.RejectReason})
	}
	return pdfdoc.Doc{Issuer: issuer, Title: "应急物资调拨单", Number: d.Number,
		Blocks: []pdfdoc.Block{
			pdfdoc.Fields{Rows: rows, LabelWidth: 0.22},
			pdfdoc.Spacer{Lines: 0.5},
			table,
			pdfdoc.Spacer{Lines: 0.5},
			pdfdoc.Fields{Rows: sign, LabelWidth: 0.22},
			pdfdoc.Spacer{},
			pdfdoc.Signature{Unit: issuer, Date: calendar.Day(d.DispatchOn)},
		},
		Footer: "本调拨单一式三联：调出仓库、接收单位、财务各执一联。接收单位清点无误后签收。",
	}
}

// RenderDispatch prints an order in scope as PDF. countyName is the
// county's name ("示例县"), for the issuer.
func (s *Service) RenderDispatch(ctx context.Context, w io.Writer, countyName string, d Dispatch) error {
	issuer := fmt.Sprintf("%s应急管理局", countyName)
	return pdfdoc.Render(w, DispatchDoc(issuer, d, s.townNames(ctx, d.CountyCode)))
}
