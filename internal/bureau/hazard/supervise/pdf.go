package supervise

import (
	"strings"

	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/pdfdoc"
)

// cnDate writes a stored date the way a document body does: 2022年3月10日.
func cnDate(s string) string {
	t := day(s)
	if t.IsZero() {
		return s
	}
	return t.Format("2006年1月2日")
}

// DocContext is what a document prints besides the record: names of the
// county, the town and the enterprise's address.
type DocContext struct {
	CountyName string // 示例县
	TownName   string // 籍山镇
	Address    string // the enterprise's address ('' when unknown)
}

func paragraphs(text string) []pdfdoc.Block {
	var out []pdfdoc.Block
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, pdfdoc.Paragraph{Text: line, Indent: true})
		}
	}
	return out
}

// gradeText is the hazard's grade as a document names it.
func gradeText(h hazard.Record) string {
	if h.Grade == hazard.Major {
		return "重大事故隐患"
	}
	return "一般事故隐患"
}

func hazardText(h hazard.Record) string {
	d := strings.TrimRight(strings.TrimSpace(h.Description), "。.；;")
	if h.Place != "" {
		d += "（" + h.Place + "）"
	}
	return d
}

// clauseRef is the citation of a major hazard's determination clause
// (工贸2017版专项类（粉尘防爆）第3项), or the clause as typed.
func clauseRef(code string) string {
	if c, ok := hazard.ClauseOf(code); ok {
		return strings.ReplaceAll(c.Ref(), " ", "")
	}
	return code
}

// LetterDoc is the printable supervision letter (重大事故隐患督办函) in
// the name of the county safety committee's office, with its red header.
// It keeps to two pages: the facts in one paragraph, then the measures,
// the deadline and the requirements.
func LetterDoc(l Letter, h hazard.Record, c DocContext) pdfdoc.Doc {
	title := "事故隐患督办函"
	if h.Grade == hazard.Major {
		title = "重大事故隐患督办函"
	}
	d := pdfdoc.Doc{Issuer: l.Issuer, RedHeader: true, Title: title, Number: l.Number}
	basis := ""
	if h.Grade == hazard.Major && h.Clause != "" {
		basis = "（判定依据：" + clauseRef(h.Clause) + "）"
	}
	order := "已责令你单位限期整改"
	if h.OrderNumber != "" {
		order = "已下达" + h.OrderNumber + "责令限期整改指令书"
	}
	where := ""
	if c.Address != "" {
		where = "（地址：" + c.Address + "）"
	}
	intro := cnDate(h.FoundOn) + "，经检查发现你单位" + where + "存在" + gradeText(h) + "：" + hazardText(h) + basis + "。" + order +
		"，要求于" + cnDate(h.Deadline) + "前整改完毕。截至" + cnDate(l.IssuedOn) + "，该隐患逾期未完成整改。"
	county := c.CountyName
	d.Blocks = []pdfdoc.Block{
		pdfdoc.Paragraph{Text: l.PlaceName + "："},
		pdfdoc.Paragraph{Text: intro, Indent: true},
		pdfdoc.Paragraph{Text: "为督促你单位落实安全生产主体责任，及时消除事故隐患，根据《中华人民共和国安全生产法》第四十一条和《安全生产事故隐患排查治理暂行规定》" +
			"的规定，现对该隐患实施督办。有关事项如下：", Indent: true},
		pdfdoc.Heading{Text: "一、整改措施"},
	}
	d.Blocks = append(d.Blocks, paragraphs(l.Measures)...)
	d.Blocks = append(d.Blocks,
		pdfdoc.Heading{Text: "二、整改期限"},
		pdfdoc.Paragraph{Text: "请于" + cnDate(l.Deadline) + "前完成整改，整改完成后向" + county + "应急管理局提出复查申请，并将整改情况书面报告县安委办。", Indent: true},
		pdfdoc.Heading{Text: "三、工作要求"},
		pdfdoc.Paragraph{Text: "整改期间，你单位应当采取相应的安全防范措施，防止事故发生；不能保证安全的，应当停止使用相关设施、设备，局部或者全部停产停业。" +
			"逾期仍未完成整改的，将依法依规严肃处理，并纳入安全生产不良记录。", Indent: true},
		pdfdoc.Spacer{Lines: 1},
		pdfdoc.Signature{Unit: l.Issuer, Date: day(l.IssuedOn)},
	)
	cc := county + "应急管理局"
	if c.TownName != "" {
		cc += "，" + c.TownName + "人民政府"
	}
	d.Footer = "抄送：" + cc + "。"
	return d
}

// docDate writes a typed date as a document does; other text as it is.
func docDate(s string) string {
	if day(s).IsZero() {
		return s
	}
	return cnDate(s)
}

var levelZH = map[string]string{LevelCounty: "县级", LevelCity: "市级", LevelProvince: "省级"}

// ListingDoc is the printable listing notice (重大事故隐患挂牌督办通知书).
func ListingDoc(l Listing, h hazard.Record, c DocContext) pdfdoc.Doc {
	d := pdfdoc.Doc{Issuer: l.Issuer, RedHeader: true, Title: "重大事故隐患挂牌督办通知书", Number: l.Number}
	basis := ""
	if h.Clause != "" {
		basis = "（判定依据：" + clauseRef(h.Clause) + "）"
	}
	d.Blocks = []pdfdoc.Block{
		pdfdoc.Paragraph{Text: l.Responsible + "："},
		pdfdoc.Paragraph{Text: "经排查认定，" + l.PlaceName + "存在重大事故隐患：" + hazardText(h) + basis + "。根据《中华人民共和国安全生产法》第四十一条和" +
			"《安全生产事故隐患排查治理暂行规定》的规定，决定对该重大事故隐患实行" + levelZH[l.Level] + "挂牌督办。", Indent: true},
		pdfdoc.Fields{LabelWidth: 0.22, Rows: []pdfdoc.Field{
			{Label: "督办单位", Value: l.Issuer + "（" + levelZH[l.Level] + "）"},
			{Label: "责任单位", Value: l.Responsible},
			{Label: "挂牌日期", Value: cnDate(l.ListedOn)},
			{Label: "整改期限", Value: cnDate(l.Deadline)},
			{Label: "治理措施", Value: h.PlanMeasures},
			{Label: "资金·时限", Value: h.PlanFunds + "；" + docDate(h.PlanDeadline) + "前完成"},
			{Label: "责任人", Value: h.PlanPerson},
			{Label: "应急预案", Value: h.PlanEmergency},
		}},
		pdfdoc.Heading{Text: "督办要求"},
	}
	req := l.Requirements
	if strings.TrimSpace(req) == "" {
		req = "一、严格按照治理方案落实整改措施、责任、资金、时限和预案“五到位”，按期完成整改。\n" +
			"二、整改期间采取有效的安全防范和监控措施，制定应急预案，落实应急救援队伍和装备；不能保证安全的，应当停产停业或者停止使用相关设施、设备。\n" +
			"三、整改完成后，向督办单位提出验收申请；经验收合格的，予以摘牌销号。"
	}
	d.Blocks = append(d.Blocks, paragraphs(req)...)
	d.Blocks = append(d.Blocks, pdfdoc.Spacer{Lines: 1}, pdfdoc.Signature{Unit: l.Issuer, Date: day(l.ListedOn)})
	cc := c.CountyName + "应急管理局"
	if c.TownName != "" {
		cc += "，" + c.TownName + "人民政府"
	}
	d.Footer = "本通知书自挂牌之日起" + "5个工作日内向社会公开。抄送：" + cc + "。"
	return d
}
