package enforcement

import (
	"io"
	"strings"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/calendar"
	"yingji/internal/kit/pdfdoc"
)

// RenderPDF prints a document in the official layout: the bureau, the
// title, the number, the party's particulars, the text, the officers and
// the seal line.
func RenderPDF(w io.Writer, set Settings, d Document, e enterprise.Enterprise) error {
	name := d.EnterpriseName
	if e.Name != "" {
		name = e.Name
	}
	fields := []pdfdoc.Field{{Label: "被检查（处罚）单位", Value: name}}
	if e.Address != "" {
		fields = append(fields, pdfdoc.Field{Label: "地址", Value: e.Address})
	}
	if e.PrincipalName != "" {
		fields = append(fields, pdfdoc.Field{Label: "主要负责人", Value: e.PrincipalName})
	}
	if e.CreditCode != "" {
		fields = append(fields, pdfdoc.Field{Label: "统一社会信用代码", Value: e.CreditCode})
	}
	if d.Deadline != "" {
		fields = append(fields, pdfdoc.Field{Label: "整改期限", Value: pdfdoc.ChineseDate(calendar.Day(d.Deadline))})
	}
	body := d.Body
	if body == "" {
		body = defaultBody(d, name)
	}
	blocks := []pdfdoc.Block{pdfdoc.Fields{Rows: fields}, pdfdoc.Spacer{}, pdfdoc.Paragraph{Text: body, Indent: true}}
	if d.Officers != "" {
		blocks = append(blocks, pdfdoc.Spacer{}, pdfdoc.Paragraph{Text: "执法人员（签名）：" + d.Officers})
	}
	blocks = append(blocks, pdfdoc.Paragraph{Text: "被检查（处罚）单位负责人（签名）：" + strings.Repeat(" ", 12)},
		pdfdoc.Spacer{Lines: 2}, pdfdoc.Signature{Unit: set.Issuer + "（印章）", Date: calendar.Day(d.IssuedOn)})
	return pdfdoc.Render(w, pdfdoc.Doc{Issuer: set.Issuer, Title: d.KindLabel(), Number: d.Number, Blocks: blocks,
		Footer: "本文书一式两份，一份交被检查（处罚）单位，一份存档。"})
}

// defaultBody is the standard text of a document typed without one.
func defaultBody(d Document, name string) string {
	switch d.Kind {
	case KindOrder:
		t := name + "：经查，你单位存在下列问题（隐患），现责令你单位"
		if d.Deadline != "" {
			t += "于" + pdfdoc.ChineseDate(calendar.Day(d.Deadline)) + "前"
		} else {
			t += "限期"
		}
		return t + "整改完毕，达到有关法律法规规章和标准规定的要求。整改期间，你单位应当采取措施，确保安全生产。"
	case KindReview:
		return name + "：本局对你单位责令限期整改的问题（隐患）进行了复查，复查意见如下：已按要求整改。"
	case KindInspectionRecord:
		return "检查情况：对" + name + "进行了现场检查。"
	case KindOnSite:
		return name + "：经现场检查，发现你单位存在安全生产违法行为（事故隐患），现作出现场处理决定。"
	case KindInterview:
		return "约谈对象：" + name + "主要负责人。约谈事由：安全生产工作。"
	}
	return ""
}
