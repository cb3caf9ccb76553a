package xlsx

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/xuri/excelize/v2"
)

// ledgerSchema is the test schema: an enterprise ledger.
func ledgerSchema() Schema {
	return Schema{Name: "企业台账", Columns: []Column{
		{Key: "credit_code", Header: "统一社会信用代码", HeaderEN: "Credit Code", Required: true, Width: 24,
			Example: "91340000MA2N1XXXXX", Help: "18 位统一社会信用代码"},
		{Key: "name", Header: "企业名称", HeaderEN: "Company Name", Required: true, Example: "某某化工有限公司"},
		{Key: "town", Header: "所属乡镇", HeaderEN: "Town", Required: true, Example: "城关镇",
			Options: []string{"城关镇", "东关乡", "西河镇"}},
		{Key: "scale", Header: "企业规模", HeaderEN: "Scale", Options: []string{"规上", "规下"}},
		{Key: "employees", Header: "从业人数(人)", HeaderEN: "Employees", Example: "120", Help: "填写整数"},
		{Key: "license_no", Header: "许可证编号", HeaderEN: "License No", Example: "340102000123"},
		{Key: "founded", Header: "成立日期", HeaderEN: "Founded", Example: "2015-06-01", Help: "格式 2006-01-02"},
	}}
}

// styled is a cell value with a number format for buildFile.
type styled struct {
	v      any
	numFmt int
	custom string
}

// raw is a numeric cell whose XML value is written verbatim (as Excel would
// store it, e.g. "3.40123199001011E+17").
type raw string

// buildFile writes a workbook whose first sheet (named sheet) holds rows
// starting at A1; nil values leave the cell empty.
func buildFile(t testing.TB, sheet string, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		t.Fatal(err)
	}
	fillSheet(t, f, sheet, rows)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func fillSheet(t testing.TB, f *excelize.File, sheet string, rows [][]any) {
	t.Helper()
	for r, row := range rows {
		for c, v := range row {
			if v == nil {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			var err error
			switch x := v.(type) {
			case raw:
				err = f.SetCellDefault(sheet, cell, string(x))
			case styled:
				if err = f.SetCellValue(sheet, cell, x.v); err != nil {
					break
				}
				st := &excelize.Style{NumFmt: x.numFmt}
				if x.custom != "" {
					st = &excelize.Style{CustomNumFmt: &x.custom}
				}
				var id int
				if id, err = f.NewStyle(st); err == nil {
					err = f.SetCellStyle(sheet, cell, cell, id)
				}
			default:
				err = f.SetCellValue(sheet, cell, v)
			}
			if err != nil {
				t.Fatalf("cell %s: %v", cell, err)
			}
		}
	}
}

// collect parses data and returns the report and the rows given to fn.
func collect(t testing.TB, data []byte, s Schema, check func(Row) []CellError) (*Report, []Row) {
	t.Helper()
	var rows []Row
	rep, err := Parse(bytes.NewReader(data), s, func(r Row) []CellError {
		rows = append(rows, r)
		if check != nil {
			return check(r)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return rep, rows
}

// header returns the template header row of s.
func header(s Schema) []any {
	out := make([]any, len(s.Columns))
	for i, c := range s.Columns {
		out[i] = headerText(c)
	}
	return out
}

func dump(errs []CellError) string {
	var b bytes.Buffer
	for _, e := range errs {
		fmt.Fprintf(&b, "%+v\n", e)
	}
	return b.String()
}
