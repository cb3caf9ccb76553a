package xlsx

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestWriteTemplate(t *testing.T) {
	s := ledgerSchema()
	var buf bytes.Buffer
	if err := WriteTemplate(&buf, s); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()

	if got := f.GetSheetList(); len(got) != 2 || got[0] != s.Name || got[1] != InstructionsSheet {
		t.Fatalf("sheets = %v", got)
	}
	rows, err := f.GetRows(s.Name)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("template has %d rows, want only the header", len(rows))
	}
	want := []string{"*统一社会信用代码", "*企业名称", "*所属乡镇", "企业规模", "从业人数(人)", "许可证编号", "成立日期"}
	if strings.Join(rows[0], "|") != strings.Join(want, "|") {
		t.Fatalf("header = %q, want %q", rows[0], want)
	}

	// Required headers: bold and red; optional: bold, default colour.
	for cell, red := range map[string]bool{"A1": true, "C1": true, "D1": false} {
		id, err := f.GetCellStyle(s.Name, cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		if st.Font == nil || !st.Font.Bold {
			t.Errorf("%s not bold", cell)
		}
		if isRed := st.Font != nil && strings.EqualFold(st.Font.Color, "FFC00000") || st.Font != nil && strings.EqualFold(st.Font.Color, "C00000"); isRed != red {
			t.Errorf("%s font colour %q, red=%v", cell, st.Font.Color, red)
		}
	}

	panes, err := f.GetPanes(s.Name)
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != 1 || panes.TopLeftCell != "A2" {
		t.Errorf("panes = %+v, want row 1 frozen", panes)
	}
	if w, _ := f.GetColWidth(s.Name, "A"); w != 24 {
		t.Errorf("width A = %v, want 24", w)
	}
	if w, _ := f.GetColWidth(s.Name, "B"); w < 12 {
		t.Errorf("width B = %v, want the derived width >= 12", w)
	}
	// Data cells are text-formatted so long codes stay intact.
	colStyle, err := f.GetColStyle(s.Name, "A")
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := f.GetStyle(colStyle); st == nil || st.NumFmt != textNumFmt {
		t.Errorf("column A style = %+v, want text format", st)
	}

	dvs, err := f.GetDataValidations(s.Name)
	if err != nil {
		t.Fatal(err)
	}
	lists := map[string]string{}
	for _, dv := range dvs {
		if dv.Type == "list" {
			lists[dv.Sqref] = dv.Formula1
		}
	}
	if got := lists["C2:C1048576"]; !strings.Contains(got, "城关镇,东关乡,西河镇") {
		t.Errorf("town drop-down = %q (all lists %v)", got, lists)
	}
	if got := lists["D2:D1048576"]; !strings.Contains(got, "规上,规下") {
		t.Errorf("scale drop-down = %q", got)
	}
	if len(lists) != 2 {
		t.Errorf("lists = %v, want exactly town and scale", lists)
	}

	ins, err := f.GetRows(InstructionsSheet)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(ins[0], "|") != "列名|英文列名|是否必填|示例|填写说明" {
		t.Errorf("instructions header = %q", ins[0])
	}
	byHeader := map[string][]string{}
	for _, r := range ins[1:] {
		if len(r) > 0 {
			byHeader[r[0]] = r
		}
	}
	for _, c := range s.Columns {
		r, ok := byHeader[c.Header]
		if !ok {
			t.Errorf("instructions miss %s", c.Header)
			continue
		}
		for len(r) < 5 {
			r = append(r, "")
		}
		req := map[bool]string{true: "是", false: "否"}[c.Required]
		if r[1] != c.HeaderEN || r[2] != req || r[3] != c.Example {
			t.Errorf("instructions row %q", r)
		}
		if c.Help != "" && !strings.Contains(r[4], c.Help) {
			t.Errorf("instructions help of %s = %q", c.Header, r[4])
		}
		if len(c.Options) > 0 && !strings.Contains(r[4], "可选值："+strings.Join(c.Options, "、")) {
			t.Errorf("instructions of %s lack options: %q", c.Header, r[4])
		}
	}
	// The example credit code must survive as text.
	if got := byHeader["统一社会信用代码"][3]; got != "91340000MA2N1XXXXX" {
		t.Errorf("example = %q", got)
	}

	// The empty template imports cleanly (no data rows).
	rep, err := Parse(bytes.NewReader(buf.Bytes()), s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 0 || !rep.OK() || len(rep.Columns) != len(s.Columns) {
		t.Errorf("template report = %+v", rep)
	}
}

func TestWriteTemplateLongOptions(t *testing.T) {
	var towns []string
	for i := range 40 {
		towns = append(towns, fmt.Sprintf("第%02d号乡镇街道", i+1))
	}
	towns = append(towns, "含,逗号")
	s := Schema{Name: "乡镇", Columns: []Column{
		{Key: "town", Header: "乡镇", Required: true, Options: towns},
	}}
	var buf bytes.Buffer
	if err := WriteTemplate(&buf, s); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	dvs, err := f.GetDataValidations(s.Name)
	if err != nil || len(dvs) != 1 {
		t.Fatalf("validations %v %v", dvs, err)
	}
	if want := optionsSheet + "!$A$1:$A$41"; dvs[0].Formula1 != want {
		t.Errorf("formula = %q, want %q", dvs[0].Formula1, want)
	}
	vis, err := f.GetSheetVisible(optionsSheet)
	if err != nil || vis {
		t.Errorf("options sheet visible=%v err=%v", vis, err)
	}
	if v, _ := f.GetCellValue(optionsSheet, "A41"); v != "含,逗号" {
		t.Errorf("A41 = %q", v)
	}
}

func TestSchemaValidate(t *testing.T) {
	ok := ledgerSchema()
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := map[string]Schema{
		"empty name":    {Name: "", Columns: ok.Columns},
		"bad name":      {Name: "a/b", Columns: ok.Columns},
		"reserved name": {Name: InstructionsSheet, Columns: ok.Columns},
		"no columns":    {Name: "x"},
		"no key":        {Name: "x", Columns: []Column{{Header: "a"}}},
		"dup key":       {Name: "x", Columns: []Column{{Key: "a", Header: "A"}, {Key: "a", Header: "B"}}},
		"dup header":    {Name: "x", Columns: []Column{{Key: "a", Header: "名称"}, {Key: "b", Header: "*名称"}}},
		"header vs en":  {Name: "x", Columns: []Column{{Key: "a", Header: "A", HeaderEN: "Name"}, {Key: "b", Header: "name"}}},
		"bad width":     {Name: "x", Columns: []Column{{Key: "a", Header: "A", Width: -1}}},
	}
	for name, s := range bad {
		if err := s.Validate(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if err := WriteTemplate(&bytes.Buffer{}, bad["dup key"]); err == nil {
		t.Error("WriteTemplate accepted an invalid schema")
	}
}

func TestNormalizeHeader(t *testing.T) {
	for in, want := range map[string]string{
		" *企业名称 ":      "企业名称",
		"＊企业名称":        "企业名称",
		"从业人数（人）":      "从业人数(人)",
		"从业人数 (人)":     "从业人数(人)",
		"统一社会\n信用代码":   "统一社会信用代码",
		"Credit  Code": "creditcode",
		"\u3000所属乡镇":   "所属乡镇",
	} {
		if got := normalizeHeader(in); got != want {
			t.Errorf("normalizeHeader(%q) = %q, want %q", in, got, want)
		}
	}
}
