package xlsx

import (
	"archive/zip"
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// writeLedger exports n rows of the test ledger to w.
func writeLedger(w io.Writer, n int) error {
	s := ledgerSchema()
	xw, err := NewWriter(w, s)
	if err != nil {
		return err
	}
	towns := []string{"城关镇", "东关乡", "西河镇"}
	base := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		err := xw.Write(
			fmt.Sprintf("91340000MA2N%06d", i),
			fmt.Sprintf("某某应急物资有限公司%d", i),
			towns[i%3],
			"规上",
			i%500,
			int64(340102000000+i),
			base.AddDate(0, 0, i%9000),
		)
		if err != nil {
			xw.Discard()
			return err
		}
	}
	return xw.Close()
}

// writeExcelLikeLedger writes n rows of the test ledger the way Excel and
// WPS store a workbook: text in the shared string table, numbers as numbers
// and the date column as serial numbers with the built-in date format 14.
func writeExcelLikeLedger(w io.Writer, n int) error {
	zw := zip.NewWriter(w)
	put := func(name, body string) error {
		fw, err := zw.Create(name)
		if err != nil {
			return err
		}
		_, err = io.WriteString(fw, body)
		return err
	}
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	const rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
	static := [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="` + rel + `officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook ` + ns + ` xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="企业台账" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="` + rel + `worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="` + rel + `styles" Target="styles.xml"/><Relationship Id="rId3" Type="` + rel + `sharedStrings" Target="sharedStrings.xml"/></Relationships>`},
		{"xl/styles.xml", `<?xml version="1.0" encoding="UTF-8"?><styleSheet ` + ns + `><fonts count="1"><font><sz val="11"/><name val="等线"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>`},
	}
	for _, p := range static {
		if err := put(p[0], p[1]); err != nil {
			return err
		}
	}
	// Shared strings: 7 headers, 3 towns, 1 scale, then code and name of
	// every row.
	fw, err := zw.Create("xl/sharedStrings.xml")
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(fw)
	fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8"?><sst %s count="%d" uniqueCount="%d">`, ns, 7+5*n, 11+2*n)
	for _, h := range append(ledgerSchema().Headers(), "城关镇", "东关乡", "西河镇", "规上") {
		fmt.Fprintf(bw, "<si><t>%s</t></si>", h)
	}
	for i := range n {
		fmt.Fprintf(bw, "<si><t>91340000MA2N%06d</t></si><si><t>某某应急物资有限公司%d</t></si>", i, i)
	}
	bw.WriteString("</sst>")
	if err := bw.Flush(); err != nil {
		return err
	}
	if fw, err = zw.Create("xl/worksheets/sheet1.xml"); err != nil {
		return err
	}
	bw = bufio.NewWriter(fw)
	fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8"?><worksheet %s><dimension ref="A1:G%d"/><sheetData><row r="1">`, ns, n+1)
	for c := range 7 {
		fmt.Fprintf(bw, `<c r="%c1" t="s"><v>%d</v></c>`, 'A'+c, c)
	}
	bw.WriteString("</row>")
	for i := range n {
		r := i + 2
		fmt.Fprintf(bw, `<row r="%d"><c r="A%d" t="s"><v>%d</v></c><c r="B%d" t="s"><v>%d</v></c><c r="C%d" t="s"><v>%d</v></c><c r="D%d" t="s"><v>10</v></c><c r="E%d"><v>%d</v></c><c r="F%d"><v>%d</v></c><c r="G%d" s="1"><v>%d</v></c></row>`,
			r, r, 11+2*i, r, 12+2*i, r, 7+i%3, r, r, i%500, r, 340102000000+i, r, 36526+i%9000)
	}
	bw.WriteString("</sheetData></worksheet>")
	if err := bw.Flush(); err != nil {
		return err
	}
	return zw.Close()
}

// BenchmarkParse130k parses a 130,000 × 7 ledger (text, numbers and a date
// column) and reports the peak heap seen during the parse. Sub-benchmarks:
// a workbook stored like Excel/WPS (shared strings) and one exported by
// Writer (inline strings).
func BenchmarkParse130k(b *testing.B) {
	const n = 130_000
	gens := []struct {
		name string
		gen  func(io.Writer, int) error
	}{
		{"excel", writeExcelLikeLedger},
		{"kit-export", writeLedger},
	}
	for _, g := range gens {
		b.Run(g.name, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "ledger.xlsx")
			out, err := os.Create(path)
			if err != nil {
				b.Fatal(err)
			}
			if err := g.gen(out, n); err != nil {
				b.Fatal(err)
			}
			if err := out.Close(); err != nil {
				b.Fatal(err)
			}
			st, _ := os.Stat(path)
			benchParse(b, path, st.Size(), n)
		})
	}
}

func benchParse(b *testing.B, path string, size int64, n int) {
	s := ledgerSchema()
	var peak uint64
	var ms runtime.MemStats
	b.ReportAllocs()
	b.SetBytes(size)
	for b.Loop() {
		in, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		rows := 0
		rep, err := Parse(in, s, func(r Row) []CellError {
			rows++
			if rows%10_000 == 0 {
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
			if rows == n && r.Values["founded"] == "" {
				b.Errorf("last row: %v", r.Values)
			}
			return nil
		})
		_ = in.Close()
		if err != nil {
			b.Fatal(err)
		}
		if rep.Rows != n || !rep.OK() {
			b.Fatalf("report %+v", rep)
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(size)/(1<<20), "file-MB")
}

// BenchmarkExport100k streams a 100,000 × 7 ledger.
func BenchmarkExport100k(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if err := writeLedger(io.Discard, 100_000); err != nil {
			b.Fatal(err)
		}
	}
}
