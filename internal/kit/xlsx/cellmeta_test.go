package xlsx

import (
	"archive/zip"
	"bufio"
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestSheetScanner(t *testing.T) {
	xml := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!-- a comment with <row r="99"> inside -->
<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<x:dimension ref="A1:C7"/><x:cols><x:col min="1" max="3" width="10"/></x:cols>
<x:sheetData>
<x:row r="1" spans="1:3" x14ac:dyDescent="0.25"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="C1" s="2" t="inlineStr"><x:is><x:t>a &lt;b&gt; c</x:t></x:is></x:c></x:row>
<x:row r="3"/>
<x:row r='4'><x:c s='5'><x:v>1</x:v></x:c><x:c t="b"><x:v>1</x:v></x:c><x:c r="E4" s="7"/></x:row>
<x:row><x:c r="B5" s="1"><x:f>A4*2</x:f><x:v>2</x:v></x:c></x:row>
<x:row r="7" customFormat="1" note="a>b"><x:c r="AA7" s="12" t="d"><x:v>2024-03-15</x:v></x:c></x:row>
</x:sheetData>
<x:c r="Z99" s="1"/>
</x:worksheet>`
	sc := &sheetScanner{br: bufio.NewReaderSize(strings.NewReader(xml), 16)}
	want := map[int][]cellMeta{
		1: {{col: 1, typ: "s"}, {col: 3, style: 2, typ: "inlineStr"}},
		2: nil,
		3: nil,
		4: {{col: 1, style: 5}, {col: 2, typ: "b"}, {col: 5, style: 7}},
		5: {{col: 2, style: 1}},
		6: nil,
		7: {{col: 27, style: 12, typ: "d"}},
		8: nil,
		9: nil,
	}
	for n := 1; n <= 9; n++ {
		got, err := sc.rowMeta(n)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 && len(want[n]) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, want[n]) {
			t.Errorf("row %d: got %+v, want %+v", n, got, want[n])
		}
	}
}

func TestRefColumn(t *testing.T) {
	for ref, want := range map[string]int{"A1": 1, "z9": 26, "AA10": 27, "$B$2": 2, "XFD1": 16384, "XFE1": 0, "12": 0} {
		if got := refColumn([]byte(ref)); got != want {
			t.Errorf("refColumn(%q) = %d, want %d", ref, got, want)
		}
	}
}

// TestParseHandMadePackage parses a package as other producers write it:
// prefixed element names, cells and rows without r attributes, inline
// strings, the 1904 date system, a custom date format and an absolute
// relationship target.
func TestParseHandMadePackage(t *testing.T) {
	parts := map[string]string{
		"[Content_Types].xml":        `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/data.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>`,
		"_rels/.rels":                `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml":            `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr date1904="1"/><sheets><sheet name="台账" sheetId="1" r:id="rId7"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/data.xml"/><Relationship Id="rId8" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`,
		"xl/styles.xml":              `<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts><fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="176" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>`,
		"xl/worksheets/data.xml": `<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>` +
			`<x:row><x:c t="inlineStr"><x:is><x:t>名称</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>日期</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>编号</x:t></x:is></x:c></x:row>` +
			`<x:row><x:c t="inlineStr"><x:is><x:t>甲</x:t></x:is></x:c><x:c s="1"><x:v>43904</x:v></x:c><x:c><x:v>3.40123199001011E+17</x:v></x:c></x:row>` +
			`<x:row r="5"><x:c r="A5" t="inlineStr"><x:is><x:t>乙</x:t></x:is></x:c><x:c r="B5" s="1"><x:v>0</x:v></x:c><x:c r="C5" t="d"><x:v>2024-03-15T08:30:00</x:v></x:c></x:row>` +
			`</x:sheetData></x:worksheet>`,
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/worksheets/data.xml"} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(parts[name])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	s := Schema{Name: "台账", Columns: []Column{
		{Key: "name", Header: "名称", Required: true}, {Key: "date", Header: "日期"}, {Key: "no", Header: "编号"},
	}}
	rep, rows := collect(t, buf.Bytes(), s, nil)
	if !rep.OK() || len(rows) != 2 {
		t.Fatalf("report %+v rows %+v", rep, rows)
	}
	// 1904 system: serial 43904 is 2024-03-15, serial 0 is 1904-01-01.
	want := []map[string]string{
		{"name": "甲", "date": "2024-03-15", "no": "340123199001011000"},
		{"name": "乙", "date": "1904-01-01", "no": "2024-03-15 08:30:00"},
	}
	for i, r := range rows {
		if !reflect.DeepEqual(r.Values, want[i]) {
			t.Errorf("row %d = %v, want %v", r.Num, r.Values, want[i])
		}
	}
	if rows[1].Num != 5 {
		t.Errorf("second row number %d, want 5", rows[1].Num)
	}
}
