package duty

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"yingji/internal/kit/pdfdoc"
)

// IncidentPDF prints the 信息专报 of an incident: what happened, the
// chain of reports made upward and the 领导批示 with their state.
func IncidentPDF(w io.Writer, issuer string, d IncidentDetail, now time.Time) error {
	in := d.Incident
	cat := CategoryLabel(in.Category)
	if sub := SubtypeLabel(in.Subtype); sub != "" {
		cat += "／" + sub
	}
	occurred := local(in.OccurredAt)
	if occurred == "" {
		occurred = "—"
	}
	state := "处置中，下次报告时限 " + local(in.NextDue)
	if in.Closed {
		state = "已终报"
	}
	onTime := "均按时报告"
	if !in.OnTime {
		onTime = "有超时报告"
	}
	doc := pdfdoc.Doc{Issuer: issuer, RedHeader: true, Title: "突发事件信息专报",
		Number: fmt.Sprintf("接报时间 %s", local(in.ReceivedAt)),
		Blocks: []pdfdoc.Block{
			pdfdoc.Heading{Text: in.Title, Center: true},
			pdfdoc.Fields{Rows: []pdfdoc.Field{
				{Label: "事件类别", Value: cat},
				{Label: "事件级别", Value: LevelLabel(in.Level)},
				{Label: "发生时间", Value: occurred},
				{Label: "发生地点", Value: in.Place},
				{Label: "信息来源", Value: in.Source},
				{Label: "伤亡情况", Value: fmt.Sprintf("死亡 %d 人，受伤 %d 人，失踪 %d 人", in.Deaths, in.Injuries, in.Missing)},
				{Label: "报告状态", Value: state + "；" + onTime},
			}},
			pdfdoc.Heading{Text: "一、基本情况"},
			pdfdoc.Paragraph{Text: or(in.Summary, "（无）"), Indent: true},
			pdfdoc.Heading{Text: "二、报告情况"},
		},
	}
	var rows [][]string
	for _, r := range d.ReportList {
		ok := "按时"
		if !r.OnTime {
			ok = "超时"
		}
		rows = append(rows, []string{KindLabel(r.Kind) + strconv.Itoa(r.Seq), local(r.ReportedAt), local(r.DueAt), ok, r.To + "（" + ViaLabel(r.Via) + "）", r.Content})
	}
	if len(rows) == 0 {
		doc.Blocks = append(doc.Blocks, pdfdoc.Paragraph{Text: "尚未报告。", Indent: true})
	} else {
		doc.Blocks = append(doc.Blocks, pdfdoc.Table{Header: []string{"报告", "报告时间", "时限", "按时", "报送对象（方式）", "内容"},
			Widths: []float64{0.09, 0.15, 0.15, 0.07, 0.2, 0.34}, Rows: rows})
	}
	doc.Blocks = append(doc.Blocks, pdfdoc.Heading{Text: "三、领导批示及落实"})
	if len(d.Instructions) == 0 {
		doc.Blocks = append(doc.Blocks, pdfdoc.Paragraph{Text: "无。", Indent: true})
	} else {
		var xr [][]string
		for _, x := range d.Instructions {
			done := "未落实"
			if !x.DoneAt.IsZero() {
				done = "已落实（" + local(x.DoneAt) + "）：" + x.DoneNote
			}
			xr = append(xr, []string{x.GivenBy, local(x.GivenAt), x.Content, x.Assignee, done})
		}
		doc.Blocks = append(doc.Blocks, pdfdoc.Table{Header: []string{"批示人", "时间", "批示内容", "落实人", "落实情况"},
			Widths: []float64{0.12, 0.16, 0.32, 0.12, 0.28}, Rows: xr})
	}
	doc.Blocks = append(doc.Blocks, pdfdoc.Spacer{}, pdfdoc.Signature{Unit: issuer + "应急指挥中心", Date: now.In(Shanghai)})
	return pdfdoc.Render(w, doc)
}

// RosterPDF prints a month's roster (值班表).
func RosterPDF(w io.Writer, issuer, month string, shifts []Shift, now time.Time) error {
	var rows [][]string
	n := 0
	for _, sh := range shifts {
		l, _ := sh.Leader()
		var names string
		for i, o := range sh.Officers() {
			if i > 0 {
				names += "、"
			}
			names += o.Name
		}
		d, _ := time.Parse("2006-01-02", sh.Day)
		day := sh.Day + " 星期" + weekdayZH[d.Weekday()]
		if sh.Holiday {
			day += "（节假日）"
		}
		rows = append(rows, []string{day, sh.StartsAt.In(Shanghai).Format("01-02 15:04") + "—" + sh.EndsAt.In(Shanghai).Format("01-02 15:04"), l.Name, names})
		n += len(sh.Members)
	}
	doc := pdfdoc.Doc{Issuer: issuer, Title: month + " 值班表",
		Blocks: []pdfdoc.Block{
			pdfdoc.Paragraph{Text: "严格执行24小时专人值班，实行带班领导和值班人员两级值班制度。值班电话保持24小时畅通。", Indent: true},
			pdfdoc.Table{Header: []string{"日期", "值班时间", "带班领导", "值班员"}, Widths: []float64{0.3, 0.3, 0.15, 0.25}, Rows: rows},
			pdfdoc.Paragraph{Text: fmt.Sprintf("本月共 %d 班，%d 人次。", len(shifts), n)},
			pdfdoc.Signature{Unit: issuer, Date: now.In(Shanghai)},
		}}
	return pdfdoc.Render(w, doc)
}
