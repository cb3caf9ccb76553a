package certificate

import (
	"fmt"
	"io"
	"strings"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/org"
	"yingji/internal/kit/pdfdoc"
	"yingji/internal/kit/xlsx"
)

// MissingSchema is the layout of the exported survey list (缺证企业).
func MissingSchema() xlsx.Schema {
	return xlsx.Schema{Name: "缺证企业", Columns: []xlsx.Column{
		{Key: "as_of", Header: "核查日期", HeaderEN: "As of"},
		{Key: "name", Header: "企业名称", HeaderEN: "Enterprise", Width: 30},
		{Key: "credit_code", Header: "统一社会信用代码", HeaderEN: "Credit code", Width: 22},
		{Key: "town", Header: "所在乡镇", HeaderEN: "Town"},
		{Key: "sector", Header: "监管行业", HeaderEN: "Sector"},
		{Key: "scale", Header: "规模", HeaderEN: "Size"},
		{Key: "principal", Header: "主要负责人", HeaderEN: "Principal"},
		{Key: "principal_gap", Header: "主要负责人持证情况", HeaderEN: "Principal's certificate", Width: 24},
		{Key: "safety", Header: "安全管理人员", HeaderEN: "Safety manager"},
		{Key: "safety_gap", Header: "安全管理人员持证情况", HeaderEN: "Safety manager's certificate", Width: 24},
		{Key: "warned_on", Header: "警告日期", HeaderEN: "Warned on"},
		{Key: "deadline", Header: "取证期限", HeaderEN: "Deadline"},
		{Key: "state", Header: "状态", HeaderEN: "State", Width: 14},
	}}
}

func newMissingWriter(w io.Writer) (*xlsx.Writer, error) { return xlsx.NewWriter(w, MissingSchema()) }

// GapText describes a gap in Chinese: 有效（张三） / 无证 / 已过期（2021-05-01 到期）…
func GapText(g Gap) string {
	switch g.Reason {
	case "":
		return "有效（" + g.Name + "）"
	case GapNone:
		return "无证"
	case GapExpired:
		return "已过期（" + g.Since.String() + " 到期）"
	case GapRevoked:
		return "已注销（" + g.Since.String() + "）"
	case GapUnverified:
		return "待核验（" + g.Name + "）"
	}
	return g.Reason
}

// warningStateText is a warning state in Chinese.
func warningStateText(state string) string {
	switch state {
	case WarningOpen:
		return "整改期内"
	case WarningOverdue:
		return "逾期未取证"
	case WarningCleared:
		return "已取证"
	}
	return "未警告"
}

func writeMissing(w *xlsx.Writer, res MissingResult, towns map[string]string) error {
	for _, fd := range res.Findings {
		e := fd.Enterprise
		var warned, deadline any
		if fd.Warning != nil {
			warned, deadline = fd.Warning.WarnedOn.Time(), fd.Warning.Deadline.Time()
		}
		if err := w.Write(res.AsOf.Time(), e.Name, e.CreditCode, towns[e.TownCode], org.SectorLabel(e.Sector, "zh"), enterprise.ScaleLabel(e.Scale, "zh"),
			e.PrincipalName, GapText(fd.Principal), e.SafetyName, GapText(fd.Safety), warned, deadline, warningStateText(fd.WarningState)); err != nil {
			return err
		}
	}
	return nil
}

// WarningsSchema is the layout of the exported warnings register.
func WarningsSchema() xlsx.Schema {
	return xlsx.Schema{Name: "证书警告记录", Columns: []xlsx.Column{
		{Key: "name", Header: "企业名称", HeaderEN: "Enterprise", Width: 30},
		{Key: "warned_on", Header: "警告日期", HeaderEN: "Warned on"},
		{Key: "missing", Header: "缺证人员", HeaderEN: "Lacking", Width: 22},
		{Key: "deadline", Header: "取证期限", HeaderEN: "Deadline"},
		{Key: "state", Header: "状态", HeaderEN: "State"},
		{Key: "cleared_on", Header: "取证日期", HeaderEN: "Cleared on"},
		{Key: "issued_by", Header: "发出人", HeaderEN: "Issued by"},
		{Key: "note", Header: "备注", HeaderEN: "Note", Width: 24},
	}}
}

func newWarningsWriter(w io.Writer) (*xlsx.Writer, error) { return xlsx.NewWriter(w, WarningsSchema()) }

func missingLabels(roles []string, lang string) string {
	var out []string
	for _, r := range roles {
		out = append(out, RoleLabel(r, lang))
	}
	return strings.Join(out, "、")
}

func writeWarnings(w *xlsx.Writer, rows []WarningRow) error {
	for _, x := range rows {
		if err := w.Write(x.EnterpriseName, x.WarnedOn.Time(), missingLabels(x.Missing, "zh"), x.Deadline.Time(), warningStateText(x.State),
			x.ClearedOn.Time(), x.IssuedByName, x.Note); err != nil {
			return err
		}
	}
	return nil
}

// renderWarning prints the 警告通知书 of a warning.
func renderWarning(w io.Writer, county string, e enterprise.Enterprise, wn Warning) error {
	issuer := county + "应急管理局"
	body := fmt.Sprintf("经%s核查，你单位%s未持有有效的安全生产知识和管理能力考核合格证，不符合《中华人民共和国安全生产法》第二十七条的规定。现予以警告，"+
		"责令你单位于%s前组织上述人员参加安全生产培训，经考核合格取得安全生产知识和管理能力考核合格证，并将取证情况报我局。逾期未取得的，我局将依法处理。",
		wn.WarnedOn.Chinese(), missingLabels(wn.Missing, "zh"), wn.Deadline.Chinese())
	d := pdfdoc.Doc{Issuer: issuer, RedHeader: true, Title: "警告通知书",
		Blocks: []pdfdoc.Block{
			pdfdoc.Paragraph{Text: e.Name + "："},
			pdfdoc.Paragraph{Text: body, Indent: true},
			pdfdoc.Fields{Rows: []pdfdoc.Field{
				{Label: "单位名称", Value: e.Name},
				{Label: "统一社会信用代码", Value: e.CreditCode},
				{Label: "缺少合格证的人员", Value: missingLabels(wn.Missing, "zh")},
				{Label: "取证期限", Value: wn.Deadline.Chinese()},
			}, LabelWidth: 0.3},
			pdfdoc.Spacer{},
			pdfdoc.Signature{Unit: issuer, Date: wn.WarnedOn.Time()},
		},
		Footer: "本通知书一式两份，一份送达被警告单位，一份存档。",
	}
	return pdfdoc.Render(w, d)
}
