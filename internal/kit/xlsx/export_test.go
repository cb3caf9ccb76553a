package xlsx

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

type town string

func (t town) String() string { return string(t) }

// TestRoundTrip exports rows with the Writer and parses them back.
func TestRoundTrip(t *testing.T) {
	s := ledgerSchema()
	towns := []string{"城关镇", "东关乡", "西河镇"}
	const n = 300
	var buf bytes.Buffer
	w, err := NewWriter(&buf, s)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]map[string]string, 0, n)
	for i := range n {
		code := fmt.Sprintf("91340000MA2N%05dX", i) // 18 characters
		founded := time.Date(2000+i%25, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.Local)
		license := int64(340102000000) + int64(i) // 12 digits, stored as a number
		var scale any = "规上"
		if i%3 == 0 {
			scale = nil
		}
		if err := w.Write(code, "企业"+strconv.Itoa(i), town(towns[i%3]), scale, i*10, license, founded); err != nil {
			t.Fatal(err)
		}
		row := map[string]string{
			"credit_code": code, "name": "企业" + strconv.Itoa(i), "town": towns[i%3], "scale": "规上",
			"employees": strconv.Itoa(i * 10), "license_no": strconv.FormatInt(license, 10),
			"founded": founded.Format("2006-01-02"),
		}
		if scale == nil {
			row["scale"] = ""
		}
		want = append(want, row)
	}
	if w.Rows() != n {
		t.Errorf("Rows() = %d", w.Rows())
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := w.Write("x"); err == nil {
		t.Error("Write after Close accepted")
	}
	data := buf.Bytes()

	// The file itself: numbers are numbers, dates are date cells, header
	// styled and frozen.
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	if typ, _ := f.GetCellType(s.Name, "F2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("license cell type = %v, want a number", typ)
	}
	if v, _ := f.GetCellValue(s.Name, "G2", excelize.Options{RawCellValue: true}); v != "36526" {
		t.Errorf("date serial = %q, want 36526 (2000-01-01)", v)
	}
	if v, _ := f.GetCellValue(s.Name, "G2"); v != "2000-01-01" {
		t.Errorf("date shown as %q", v)
	}
	if v, _ := f.GetCellValue(s.Name, "A1"); v != "*统一社会信用代码" {
		t.Errorf("A1 = %q", v)
	}
	if panes, _ := f.GetPanes(s.Name); !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes = %+v", panes)
	}
	if id, _ := f.GetCellStyle(s.Name, "A1"); id == 0 {
		t.Error("header not styled")
	} else if st, _ := f.GetStyle(id); st.Font == nil || !st.Font.Bold {
		t.Errorf("header style %+v", st)
	}
	if dvs, _ := f.GetDataValidations(s.Name); len(dvs) == 0 {
		t.Error("export lacks the drop-down lists")
	}

	rep, rows := collect(t, data, s, nil)
	if !rep.OK() || rep.Rows != n || rep.Valid != n {
		t.Fatalf("report %+v\n%s", rep, dump(rep.Errors))
	}
	for i, r := range rows {
		if r.Num != i+2 {
			t.Fatalf("row %d has Num %d", i, r.Num)
		}
		for k, v := range want[i] {
			if r.Values[k] != v {
				t.Errorf("row %d %s = %q, want %q", r.Num, k, r.Values[k], v)
			}
		}
	}
}

func TestWriterValues(t *testing.T) {
	s := Schema{Name: "值", Columns: []Column{
		{Key: "a", Header: "A"}, {Key: "b", Header: "B"}, {Key: "c", Header: "C"}, {Key: "d", Header: "D"},
	}}
	var buf bytes.Buffer
	w, err := NewWriter(&buf, s)
	if err != nil {
		t.Fatal(err)
	}
	bigID := int64(340123199001011234)
	str := "指针"
	var nilTime *time.Time
	rows := [][]any{
		{bigID, uint64(12345678901234567890), int64(-999999999999999), 12.5},
		{true, false, time.Date(2024, 3, 15, 8, 30, 5, 0, time.UTC), time.Time{}},
		{&str, nilTime, []byte("字节"), float32(0.25)},
		{"=1+1", "0012", "  保留空格  ", nil},
		{int8(-1), uint8(2), int32(3), uint16(4)},
	}
	for _, r := range rows {
		if err := w.Write(r...); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Write(1, 2, 3, 4, 5); err == nil {
		t.Error("too many values accepted")
	}
	if err := w.Write(struct{}{}); err == nil || !strings.Contains(err.Error(), "unsupported") {
		t.Errorf("unsupported type: %v", err)
	}
	if err := w.Write(1.0, nil, nil, "x"); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	_, got := collect(t, buf.Bytes(), s, nil)
	want := [][]string{
		{"340123199001011234", "12345678901234567890", "-999999999999999", "12.5"},
		{"TRUE", "FALSE", "2024-03-15 08:30:05", ""},
		{"指针", "", "字节", "0.25"},
		{"=1+1", "0012", "保留空格", ""},
		{"-1", "2", "3", "4"},
		{"1", "", "", "x"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d rows", len(got))
	}
	for i, r := range got {
		for j, k := range []string{"a", "b", "c", "d"} {
			if r.Values[k] != want[i][j] {
				t.Errorf("row %d %s = %q, want %q", r.Num, k, r.Values[k], want[i][j])
			}
		}
	}
	// Integers beyond 15 digits are text cells; the formula-like string is
	// text too (not a formula).
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	for _, cell := range []string{"A2", "A5"} {
		if typ, _ := f.GetCellType(s.Name, cell); typ == excelize.CellTypeNumber || typ == excelize.CellTypeUnset {
			t.Errorf("%s type %v, want text", cell, typ)
		}
		if formula, _ := f.GetCellFormula(s.Name, cell); formula != "" {
			t.Errorf("%s has formula %q", cell, formula)
		}
	}
}

func TestWriterDiscard(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, ledgerSchema())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write("a"); err != nil {
		t.Fatal(err)
	}
	w.Discard()
	if buf.Len() != 0 {
		t.Error("Discard wrote output")
	}
	if err := w.Close(); err != nil || buf.Len() != 0 {
		t.Errorf("Close after Discard: %v, %d bytes", err, buf.Len())
	}
}

func TestWriteErrorReportEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteErrorReport(&buf, nil); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	rows, _ := f.GetRows(ErrorReportSheet)
	if len(rows) != 1 || len(rows[0]) != 5 {
		t.Errorf("rows = %q", rows)
	}
}

func TestWriterRejects(t *testing.T) {
	w, err := NewWriter(&bytes.Buffer{}, ledgerSchema())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Discard()
	for _, v := range []any{math.NaN(), math.Inf(1), string([]byte{0xff}), strings.Repeat("长", 32768)} {
		if err := w.Write(v); err == nil {
			t.Errorf("Write(%.20q) accepted", fmt.Sprint(v))
		}
	}
	if _, err := NewWriter(&bytes.Buffer{}, Schema{Name: "x"}); err == nil {
		t.Error("NewWriter accepted a schema without columns")
	}
}
