package licence

import (
	"bytes"
	"strings"
	"testing"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/pdfdoc"
)

func docText(d pdfdoc.Doc) string {
	var b strings.Builder
	b.WriteString(d.Issuer + "|" + d.Title + "|" + d.Number + "|")
	for _, x := range d.Blocks {
		switch x := x.(type) {
		case pdfdoc.Paragraph:
			b.WriteString(x.Text + "|")
		case pdfdoc.Fields:
			for _, f := range x.Rows {
				b.WriteString(f.Label + "=" + f.Value + "|")
			}
		case pdfdoc.Signature:
			b.WriteString("sign:" + x.Unit + " " + pdfdoc.ChineseDate(x.Date) + "|")
		}
	}
	return b.String()
}

func TestDocuments(t *testing.T) {
	set := DefaultSettings("示例县")
	e := enterprise.Enterprise{Name: "示例县籍山镇001号烟花爆竹零售点", CreditCode: "91349901100000001X", PrincipalName: "王建国", Address: "籍山镇工业路10号"}
	l := Licence{Type: TypeFireworksRetail, Number: "（示）LS〔2022〕1号", Issuer: IssuerCounty, IssuerName: set.IssuerName, Scope: "零售",
		IssuedOn: "2022-03-10", ValidFrom: "2022-03-10", ValidTo: "2024-03-09", Status: LicenceActive}
	got := docText(LicenceDoc(l, e, set.IssuerName, day("2023-01-01")))
	for _, want := range []string{"烟花爆竹经营（零售）许可证", "（示）LS〔2022〕1号", "有效期限=自2022年3月10日至2024年3月9日", "sign:示例县应急管理局 二〇二二年三月十日"} {
		if !strings.Contains(got, want) {
			t.Errorf("licence lacks %q: %s", want, got)
		}
	}
	if strings.Contains(got, "已过期") || strings.Contains(got, "届满") {
		t.Errorf("a valid licence marked expired: %s", got)
	}
	// Printed after it expired, the licence says so.
	got = docText(LicenceDoc(l, e, set.IssuerName, day("2024-03-10")))
	for _, want := range []string{"许可证（已过期）", "本许可证有效期已于2024年3月9日届满"} {
		if !strings.Contains(got, want) {
			t.Errorf("expired licence lacks %q: %s", want, got)
		}
	}
	a := Application{Type: TypeFireworksRetail, Kind: KindNew, SubmittedOn: "2022-03-01", AcceptedOn: "2022-03-02", DecidedOn: "2022-03-20",
		Decision: DecisionRefused, DecisionReason: "距离学校不足100米。", DecisionNumber: "（示）应急许决〔2022〕2号"}
	got = docText(DecisionDoc(a, e, nil, set))
	for _, want := range []string{"不予行政许可决定书", "理由如下：距离学校不足100米。根据", "第三十八条第二款", "示例县人民政府申请行政复议", "sign:示例县应急管理局 二〇二二年三月二十日"} {
		if !strings.Contains(got, want) {
			t.Errorf("refusal lacks %q: %s", want, got)
		}
	}
	a.Decision = DecisionGranted
	got = docText(DecisionDoc(a, e, &l, set))
	if !strings.Contains(got, "准予行政许可决定书") || !strings.Contains(got, "许可证编号：（示）LS〔2022〕1号") {
		t.Errorf("grant: %s", got)
	}
	var buf bytes.Buffer
	if err := pdfdoc.Render(&buf, DecisionDoc(a, e, &l, set)); err != nil || !bytes.HasPrefix(buf.Bytes(), []byte("%PDF")) {
		t.Fatalf("render: %v", err)
	}
	// A city licence prints as the county's record.
	l.Issuer, l.IssuerName = IssuerCity, "示例市应急管理局"
	if d := LicenceDoc(l, e, set.IssuerName, day("2023-01-01")); d.RedHeader || d.Issuer != "示例县应急管理局" || !strings.Contains(d.Footer, "以示例市应急管理局颁发的许可证为准") {
		t.Errorf("city record: %+v", d)
	}
}
