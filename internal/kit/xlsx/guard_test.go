package xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"yingji/internal/kit/textlimit"
)

// rewritePart returns the package data with the part named name replaced by
// what write produces (streamed into the zip, so a huge part costs no
// memory here).
func rewritePart(t testing.TB, data []byte, name string, write func(w io.Writer) error) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	found := false
	for _, f := range zr.File {
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == name {
			found = true
			if err := write(w); err != nil {
				t.Fatal(err)
			}
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, rc); err != nil {
			t.Fatal(err)
		}
		_ = rc.Close()
	}
	if !found {
		t.Fatalf("no part %s in the package", name)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// repeat writes n bytes of c.
func repeat(w io.Writer, c byte, n int) error {
	chunk := bytes.Repeat([]byte{c}, 1<<20)
	for n > 0 {
		k := min(n, len(chunk))
		if _, err := w.Write(chunk[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

func wantFileError(t *testing.T, err error, contains string) {
	t.Helper()
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v, want a *FileError", err)
	}
	if !strings.Contains(fe.Msg, contains) {
		t.Fatalf("message %q does not say %q", fe.Msg, contains)
	}
}

// A shared string of 64 MiB (a 919 KB upload held a 900 MiB one) is
// refused before excelize holds it, in memory far below its size.
func TestParseRefusesSharedStringBomb(t *testing.T) {
	s := ledgerSchema()
	data := buildFile(t, s.Name, [][]any{header(s), {"91340000MA2N1AAAAA", "甲公司", "城关镇"}})
	const size = 64 << 20
	bomb := rewritePart(t, data, "xl/sharedStrings.xml", func(w io.Writer) error {
		if _, err := io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>`); err != nil {
			return err
		}
		if err := repeat(w, 'A', size); err != nil {
			return err
		}
		_, err := io.WriteString(w, `</t></si></sst>`)
		return err
	})
	if len(bomb) > 2<<20 {
		t.Fatalf("bomb is %d bytes: not a bomb", len(bomb))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := Parse(bytes.NewReader(bomb), s, nil)
	runtime.ReadMemStats(&after)
	wantFileError(t, err, "32767")
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 32<<20 {
		t.Errorf("refusing the bomb allocated %d MiB", grew>>20)
	}
}

// Rich text split into many small runs is one string: the runs add up.
func TestParseRefusesSharedStringOfManyRuns(t *testing.T) {
	s := ledgerSchema()
	data := buildFile(t, s.Name, [][]any{header(s), {"91340000MA2N1AAAAA", "甲公司", "城关镇"}})
	bomb := rewritePart(t, data, "xl/sharedStrings.xml", func(w io.Writer) error {
		io.WriteString(w, `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si>`)
		for range 30000 {
			io.WriteString(w, `<r><t>ABCDEFGHIJ</t></r>`)
		}
		_, err := io.WriteString(w, `</si></sst>`)
		return err
	})
	_, err := Parse(bytes.NewReader(bomb), s, nil)
	wantFileError(t, err, "32767")
}

// An inline string in the worksheet itself is refused before its row is
// decoded.
func TestParseRefusesInlineStringBomb(t *testing.T) {
	s := ledgerSchema()
	data := buildFile(t, s.Name, [][]any{header(s)})
	hdr := header(s)
	bomb := rewritePart(t, data, "xl/worksheets/sheet1.xml", func(w io.Writer) error {
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">`)
		for i, h := range hdr {
			cell, _ := excelize.CoordinatesToCellName(i+1, 1)
			io.WriteString(w, `<c r="`+cell+`" t="inlineStr"><is><t>`+h.(string)+`</t></is></c>`)
		}
		io.WriteString(w, `</row><row r="2"><c r="A2" t="inlineStr"><is><t>91340000MA2N1AAAAA</t></is></c><c r="B2" t="inlineStr"><is><t>`)
		if err := repeat(w, 'B', 50<<20); err != nil {
			return err
		}
		_, err := io.WriteString(w, `</t></is></c></row></sheetData></worksheet>`)
		return err
	})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := Parse(bytes.NewReader(bomb), s, nil)
	runtime.ReadMemStats(&after)
	wantFileError(t, err, "32767")
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 32<<20 {
		t.Errorf("refusing the bomb allocated %d MiB", grew>>20)
	}
}

// A value longer than its column allows is a cell error naming the limit;
// the value handed to fn is empty, so it can never be stored.
func TestParseColumnMaxLen(t *testing.T) {
	s := ledgerSchema()
	for i := range s.Columns {
		if s.Columns[i].Key == "name" {
			s.Columns[i].MaxLen = 10
		}
	}
	long := strings.Repeat("长", 11)
	data := buildFile(t, s.Name, [][]any{header(s),
		{"91340000MA2N1AAAAA", strings.Repeat("名", 10), "城关镇"},
		{"91340000MA2N1BBBBB", long, "城关镇"},
		{"91340000MA2N1CCCCC", "丙公司", strings.Repeat("镇", textlimit.For("town")+1)},
	})
	rep, rows := collect(t, data, s, nil)
	if rep.Valid != 1 || rep.ErrorCount != 2 {
		t.Fatalf("valid %d, errors %d: %s", rep.Valid, rep.ErrorCount, dump(rep.Errors))
	}
	e := rep.Errors[0]
	if e.Row != 3 || e.Key != "name" || e.Reason != "超过长度上限：最多 10 个字符，实际 11 个" {
		t.Errorf("error = %+v", e)
	}
	if rows[1].Values["name"] != "" {
		t.Errorf("over-long value handed on: %q", rows[1].Values["name"])
	}
	// A column without MaxLen takes its key's limit from the shared table.
	if want := fmt.Sprintf("最多 %d 个字符", textlimit.For("town")); !strings.Contains(rep.Errors[1].Reason, want) || rep.Errors[1].Key != "town" {
		t.Errorf("default limit: %+v", rep.Errors[1])
	}
}

func TestSchemaRejectsMaxLenBeyondExcel(t *testing.T) {
	s := ledgerSchema()
	s.Columns[0].MaxLen = MaxCellChars + 1
	if err := s.Validate(); err == nil {
		t.Fatal("MaxLen beyond Excel's cell limit accepted")
	}
}

// Exported text that a spreadsheet could run as a formula is made inert;
// numbers stay numbers; the import gives back exactly what was exported.
func TestExportEscapesFormulas(t *testing.T) {
	s := Schema{Name: "台账", Columns: []Column{{Key: "text", Header: "文字"}, {Key: "n", Header: "数字"}}}
	texts := []string{"=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "'=already", "''", "plain", "a=b", "'plain"}
	var buf bytes.Buffer
	w, err := NewWriter(&buf, s)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range texts {
		if err := w.Write(v, -i); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	wantStored := []string{"'=HYPERLINK(\"http://x\",\"y\")", "'+1+1", "'-2+3", "'@SUM(A1)", "'\tTAB", "''=already", "'''", "plain", "a=b", "'plain"}
	for i, want := range wantStored {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		got, _ := f.GetCellValue(s.Name, cell)
		if got != want {
			t.Errorf("%s stored %q, want %q", cell, got, want)
		}
		if formula, _ := f.GetCellFormula(s.Name, cell); formula != "" {
			t.Errorf("%s holds a formula %q", cell, formula)
		}
		ncell, _ := excelize.CoordinatesToCellName(2, i+2)
		if typ, _ := f.GetCellType(s.Name, ncell); i > 0 && typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
			t.Errorf("%s: number stored as %v", ncell, typ)
		}
	}
	_, rows := collect(t, buf.Bytes(), s, nil)
	for i, r := range rows {
		want := strings.TrimSpace(texts[i])
		if texts[i] == "\tTAB" {
			want = "\tTAB" // escaped, so not trimmed: exactly what was exported
		}
		if r.Values["text"] != want {
			t.Errorf("row %d re-imported %q, want %q", r.Num, r.Values["text"], want)
		}
	}
}

// A control character (stored by Excel as an _x0000_ escape) is a cell
// error; the value is not handed on.
func TestParseRefusesControlCharacters(t *testing.T) {
	s := ledgerSchema()
	data := buildFile(t, s.Name, [][]any{header(s)})
	hdr := header(s)
	file := rewritePart(t, data, "xl/worksheets/sheet1.xml", func(w io.Writer) error {
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">`)
		for i, h := range hdr {
			cell, _ := excelize.CoordinatesToCellName(i+1, 1)
			io.WriteString(w, `<c r="`+cell+`" t="inlineStr"><is><t>`+h.(string)+`</t></is></c>`)
		}
		_, err := io.WriteString(w, `</row>`+
			`<row r="2"><c r="A2" t="inlineStr"><is><t>91340000MA2N1AAAAA</t></is></c><c r="B2" t="inlineStr"><is><t>甲_x0001_公司</t></is></c><c r="C2" t="inlineStr"><is><t>城关镇</t></is></c></row>`+
			`<row r="3"><c r="A3" t="inlineStr"><is><t>91340000MA2N1BBBBB</t></is></c><c r="B3" t="inlineStr"><is><t>乙公司&#10;二部</t></is></c><c r="C3" t="inlineStr"><is><t>城关镇</t></is></c></row>`+
			`</sheetData></worksheet>`)
		return err
	})
	rep, rows := collect(t, file, s, nil)
	if rep.ErrorCount != 1 || rep.Errors[0].Row != 2 || rep.Errors[0].Key != "name" || !strings.Contains(rep.Errors[0].Reason, "控制字符") {
		t.Fatalf("errors: %s (values %q)", dump(rep.Errors), rows[0].Values["name"])
	}
	if rows[0].Values["name"] != "" || rows[1].Values["name"] != "乙公司\n二部" {
		t.Errorf("values: %q %q", rows[0].Values["name"], rows[1].Values["name"])
	}
}
