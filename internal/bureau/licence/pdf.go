package licence

import (
	"strings"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/pdfdoc"
)

// cnDate writes a stored date the way a document body does: 2022年3月1日.
func cnDate(s string) string {
	t := day(s)
	if t.IsZero() {
		return s
	}
	return t.Format("2006年1月2日")
}

// validityText is 自2022年3月22日至2024年3月21日.
func validityText(l Licence) string {
	return "自" + cnDate(l.ValidFrom) + "至" + cnDate(l.ValidTo)
}

// LicenceDoc is the printable licence (许可证) as of today. A licence the
// city issued prints as the county's record of it (登记信息) under the
// county's name, not as the certificate. An expired, cancelled or replaced
// licence says so on the page.
func LicenceDoc(l Licence, e enterprise.Enterprise, county string, today time.Time) pdfdoc.Doc {
	t, _ := TypeOf(l.Type)
	scope := l.Scope
	if scope == "" {
		scope = "—"
	}
	d := pdfdoc.Doc{Issuer: l.IssuerName, RedHeader: l.Issuer == IssuerCounty, Title: t.Name, Number: l.Number}
	d.Blocks = []pdfdoc.Block{
		pdfdoc.Fields{LabelWidth: 0.28, Rows: []pdfdoc.Field{
			{Label: "单位名称", Value: e.Name},
			{Label: "统一社会信用代码", Value: e.CreditCode},
			{Label: "主要负责人", Value: e.PrincipalName},
			{Label: "经营场所", Value: e.Address},
			{Label: "许可范围", Value: scope},
			{Label: "有效期限", Value: validityText(l)},
			{Label: "发证机关", Value: l.IssuerName},
			{Label: "发证日期", Value: cnDate(l.IssuedOn)},
		}},
		pdfdoc.Spacer{Lines: 1},
	}
	switch l.Status {
	case LicenceCancelled:
		d.Blocks = append(d.Blocks, pdfdoc.Paragraph{Text: "本许可证已于" + cnDate(l.EndedOn) + "注销。注销原因：" + l.EndReason, Indent: true})
	case LicenceReplaced:
		d.Blocks = append(d.Blocks, pdfdoc.Paragraph{Text: "本许可证已于" + cnDate(l.EndedOn) + "换发新证，本证同时失效。", Indent: true})
	default:
		if Show(l, today) == ShowExpired {
			d.Title += "（已过期）"
			d.Blocks = append(d.Blocks, pdfdoc.Paragraph{Text: "本许可证有效期已于" + cnDate(l.ValidTo) + "届满，本证已失效；继续经营须重新申请许可。", Indent: true})
		}
	}
	if l.Issuer == IssuerCity {
		d.Issuer, d.Title = county, "行政许可登记信息"
		d.Blocks = append([]pdfdoc.Block{pdfdoc.Paragraph{Text: "许可证名称：" + t.Name}}, d.Blocks...)
		d.Footer = "本页为" + county + "登记的" + l.IssuerName + "发证信息，以" + l.IssuerName + "颁发的许可证为准。"
		return d
	}
	d.Blocks = append(d.Blocks, pdfdoc.Signature{Unit: l.IssuerName, Date: day(l.IssuedOn)})
	d.Footer = "有效期届满需要继续经营的，应当在有效期届满前向发证机关提出延期申请。本证不得涂改、转让、出租、出借。"
	return d
}

// countyGovernment is the people's government above the bureau, where an
// administrative review (行政复议) is asked for.
func countyGovernment(issuer string) string {
	if c, ok := strings.CutSuffix(issuer, "应急管理局"); ok && c != "" {
		return c + "人民政府"
	}
	return "本级人民政府"
}

// DecisionDoc is the licensing decision (准予/不予行政许可决定书) of a
// county-decided application. lic is the licence issued, if any.
func DecisionDoc(a Application, e enterprise.Enterprise, lic *Licence, set Settings) pdfdoc.Doc {
	t, _ := TypeOf(a.Type)
	kind := kindZH[a.Kind]
	intro := "你单位于" + cnDate(a.SubmittedOn) + "提出的" + t.Name + kind + "申请，本机关于" + cnDate(a.AcceptedOn) + "依法受理。"
	d := pdfdoc.Doc{Issuer: set.IssuerName, RedHeader: true, Number: a.DecisionNumber}
	var body []pdfdoc.Block
	if a.Decision == DecisionGranted {
		d.Title = "准予行政许可决定书"
		text := intro + "经审查，你单位的申请符合" + t.Basis + "规定的条件和标准。根据《中华人民共和国行政许可法》第三十八条第一款的规定，本机关决定准予行政许可。"
		body = append(body, pdfdoc.Paragraph{Text: text, Indent: true})
		if lic != nil {
			body = append(body, pdfdoc.Paragraph{Text: "许可证编号：" + lic.Number + "；有效期限" + validityText(*lic) + "。", Indent: true})
		} else {
			body = append(body, pdfdoc.Paragraph{Text: "请持本决定书到本机关领取许可证。", Indent: true})
		}
	} else {
		d.Title = "不予行政许可决定书"
		text := intro + "经审查，你单位的申请不符合" + t.Basis + "规定的条件，理由如下：" + strings.TrimRight(a.DecisionReason, "。.") + "。" +
			"根据《中华人民共和国行政许可法》第三十八条第二款的规定，本机关决定不予行政许可。"
		body = append(body, pdfdoc.Paragraph{Text: text, Indent: true},
			pdfdoc.Paragraph{Text: "如不服本决定，可以自收到本决定书之日起六十日内依法向" + countyGovernment(set.IssuerName) +
				"申请行政复议，或者在六个月内依法向人民法院提起行政诉讼。", Indent: true})
	}
	d.Blocks = append([]pdfdoc.Block{pdfdoc.Paragraph{Text: e.Name + "："}}, body...)
	d.Blocks = append(d.Blocks, pdfdoc.Spacer{Lines: 1}, pdfdoc.Signature{Unit: set.IssuerName, Date: day(a.DecidedOn)})
	d.Footer = "本决定书一式两份，一份送达申请人，一份存档。"
	return d
}
