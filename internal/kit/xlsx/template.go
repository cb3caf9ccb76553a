package xlsx

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
)

// Number format codes written by the kit.
const (
	dateFormat     = "yyyy-mm-dd"
	dateTimeFormat = "yyyy-mm-dd hh:mm:ss"
	textNumFmt     = 49 // built-in "@"
)

// styles holds the style IDs the kit uses in one workbook.
type styles struct {
	header, required int // header row: bold on grey; required also red
	text             int // "@" text format for template data columns
	date, dateTime   int
}

func newStyles(f *excelize.File) (styles, error) {
	var st styles
	border := []excelize.Border{
		{Type: "left", Color: "BFBFBF", Style: 1},
		{Type: "right", Color: "BFBFBF", Style: 1},
		{Type: "top", Color: "BFBFBF", Style: 1},
		{Type: "bottom", Color: "BFBFBF", Style: 1},
	}
	fill := excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}}
	align := &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}
	dateFmt, dateTimeFmt := dateFormat, dateTimeFormat
	defs := []struct {
		dst *int
		def *excelize.Style
	}{
		{&st.header, &excelize.Style{Font: &excelize.Font{Bold: true}, Fill: fill, Border: border, Alignment: align}},
		{&st.required, &excelize.Style{Font: &excelize.Font{Bold: true, Color: "C00000"}, Fill: fill, Border: border, Alignment: align}},
		{&st.text, &excelize.Style{NumFmt: textNumFmt}},
		{&st.date, &excelize.Style{CustomNumFmt: &dateFmt}},
		{&st.dateTime, &excelize.Style{CustomNumFmt: &dateTimeFmt}},
	}
	for _, d := range defs {
		id, err := f.NewStyle(d.def)
		if err != nil {
			return st, fmt.Errorf("xlsx: create style: %w", err)
		}
		*d.dst = id
	}
	return st, nil
}

func (st styles) headerStyle(c Column) int {
	if c.Required {
		return st.required
	}
	return st.header
}

// WriteTemplate writes the import template of s to w: sheet s.Name with the
// header row (bold, frozen; required headers carry a leading "*" and a red
// font), column widths, text-formatted data columns, a drop-down list on
// every column with Options, and a second sheet 填写说明 that lists each
// column's header, whether it is required, an example and the help text.
func WriteTemplate(w io.Writer, s Schema) error {
	if err := s.Validate(); err != nil {
		return err
	}
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	if err := f.SetSheetName("Sheet1", s.Name); err != nil {
		return fmt.Errorf("xlsx: rename sheet: %w", err)
	}
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	for i, c := range s.Columns {
		col := ColumnLetter(i + 1)
		cell := col + "1"
		if err := f.SetColWidth(s.Name, col, col, columnWidth(c)); err != nil {
			return fmt.Errorf("xlsx: column width: %w", err)
		}
		// The text column style applies to the cells users type into (set
		// first: SetColStyle also restyles existing cells of the column).
		if err := f.SetColStyle(s.Name, col, st.text); err != nil {
			return fmt.Errorf("xlsx: column style: %w", err)
		}
		if err := f.SetCellStr(s.Name, cell, headerText(c)); err != nil {
			return fmt.Errorf("xlsx: write header: %w", err)
		}
		if err := f.SetCellStyle(s.Name, cell, cell, st.headerStyle(c)); err != nil {
			return fmt.Errorf("xlsx: style header: %w", err)
		}
	}
	if err := f.SetRowHeight(s.Name, 1, 24); err != nil {
		return fmt.Errorf("xlsx: header height: %w", err)
	}
	if err := f.SetPanes(s.Name, freezeHeader()); err != nil {
		return fmt.Errorf("xlsx: freeze header: %w", err)
	}
	if err := addValidations(f, s); err != nil {
		return err
	}
	if err := writeInstructions(f, s, st); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	if err := f.Write(w); err != nil {
		return fmt.Errorf("xlsx: write template: %w", err)
	}
	return nil
}

// freezeHeader freezes row 1.
func freezeHeader() *excelize.Panes {
	return &excelize.Panes{
		Freeze:      true,
		YSplit:      1,
		TopLeftCell: "A2",
		ActivePane:  "bottomLeft",
		Selection:   []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
	}
}

// addValidations adds the drop-down list of every column with Options, and
// an input prompt with the help text of every column that has one. Lists
// too long for Excel's 255-character inline form are written to the hidden
// sheet 下拉选项 and referenced from there.
func addValidations(f *excelize.File, s Schema) error {
	optCol := 0
	for i, c := range s.Columns {
		if len(c.Options) == 0 && c.Help == "" {
			continue
		}
		col := ColumnLetter(i + 1)
		dv := excelize.NewDataValidation(true)
		dv.SetSqref(fmt.Sprintf("%s2:%s%d", col, col, excelize.TotalRows))
		if c.Help != "" {
			dv.SetInput(truncateUTF16(c.Header, 32), truncateUTF16(c.Help, 255))
		}
		if len(c.Options) > 0 {
			if inlineList(c.Options) {
				if err := dv.SetDropList(c.Options); err != nil {
					return fmt.Errorf("xlsx: drop-down list of %q: %w", c.Key, err)
				}
			} else {
				optCol++
				ref, err := writeOptionList(f, optCol, c.Options)
				if err != nil {
					return err
				}
				dv.SetSqrefDropList(ref)
			}
			dv.SetError(excelize.DataValidationErrorStyleStop, "输入有误",
				truncateUTF16("请从下拉列表中选择："+strings.Join(c.Options, "、"), 255))
		}
		if err := f.AddDataValidation(s.Name, dv); err != nil {
			return fmt.Errorf("xlsx: data validation of %q: %w", c.Key, err)
		}
	}
	return nil
}

// inlineList reports whether options fit Excel's inline list form: at most
// 255 characters joined with commas, and no item containing a comma or a
// double quote (they cannot be escaped there).
func inlineList(options []string) bool {
	n := len(options) - 1
	for _, o := range options {
		if strings.ContainsAny(o, `,"`) {
			return false
		}
		n += len(utf16.Encode([]rune(o)))
	}
	return n <= excelize.MaxFieldLength
}

// writeOptionList writes options into column n of the hidden options sheet
// and returns the absolute reference of the range.
func writeOptionList(f *excelize.File, n int, options []string) (string, error) {
	if idx, _ := f.GetSheetIndex(optionsSheet); idx < 0 {
		if _, err := f.NewSheet(optionsSheet); err != nil {
			return "", fmt.Errorf("xlsx: options sheet: %w", err)
		}
		if err := f.SetSheetVisible(optionsSheet, false, true); err != nil {
			return "", fmt.Errorf("xlsx: hide options sheet: %w", err)
		}
	}
	col := ColumnLetter(n)
	for i, o := range options {
		if err := f.SetCellStr(optionsSheet, fmt.Sprintf("%s%d", col, i+1), o); err != nil {
			return "", fmt.Errorf("xlsx: write option: %w", err)
		}
	}
	return fmt.Sprintf("%s!$%s$1:$%s$%d", optionsSheet, col, col, len(options)), nil
}

// writeInstructions fills the 填写说明 sheet.
func writeInstructions(f *excelize.File, s Schema, st styles) error {
	const sh = InstructionsSheet
	if _, err := f.NewSheet(sh); err != nil {
		return fmt.Errorf("xlsx: instructions sheet: %w", err)
	}
	heads := []string{"列名", "英文列名", "是否必填", "示例", "填写说明"}
	widths := []float64{24, 22, 10, 28, 60}
	for i, h := range heads {
		col := ColumnLetter(i + 1)
		if err := f.SetCellStr(sh, col+"1", h); err != nil {
			return fmt.Errorf("xlsx: instructions: %w", err)
		}
		if err := f.SetColWidth(sh, col, col, widths[i]); err != nil {
			return fmt.Errorf("xlsx: instructions: %w", err)
		}
	}
	if err := f.SetCellStyle(sh, "A1", ColumnLetter(len(heads))+"1", st.header); err != nil {
		return fmt.Errorf("xlsx: instructions: %w", err)
	}
	wrap, err := f.NewStyle(&excelize.Style{NumFmt: textNumFmt, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return fmt.Errorf("xlsx: instructions style: %w", err)
	}
	for i, c := range s.Columns {
		req := "否"
		if c.Required {
			req = "是"
		}
		row := []any{c.Header, c.HeaderEN, req, c.Example, helpText(c)}
		cell := fmt.Sprintf("A%d", i+2)
		if err := f.SetSheetRow(sh, cell, &row); err != nil {
			return fmt.Errorf("xlsx: instructions: %w", err)
		}
	}
	last := len(s.Columns) + 1
	if err := f.SetCellStyle(sh, "A2", fmt.Sprintf("%s%d", ColumnLetter(len(heads)), last), wrap); err != nil {
		return fmt.Errorf("xlsx: instructions: %w", err)
	}
	notes := []string{
		"注意事项：",
		"1. 列名前带 * 号（红色字体）的为必填列，该列每一行都必须填写。",
		"2. 请勿修改表头；列的顺序可以调整，不需要的非必填列可以删除。",
		"3. 数据从第 2 行开始填写，空行会被自动跳过。",
		"4. 日期请按“年-月-日”格式填写，例如 2024-03-15。",
		"5. 带下拉列表的列请从列表中选择，不要手工输入其他内容。",
	}
	for i, n := range notes {
		if err := f.SetCellStr(sh, fmt.Sprintf("A%d", last+2+i), n); err != nil {
			return fmt.Errorf("xlsx: instructions: %w", err)
		}
	}
	if err := f.SetPanes(sh, freezeHeader()); err != nil {
		return fmt.Errorf("xlsx: instructions: %w", err)
	}
	return nil
}

// helpText is the 填写说明 text of a column: its Help plus the list of
// allowed values.
func helpText(c Column) string {
	h := c.Help
	if len(c.Options) > 0 {
		if h != "" && !strings.HasSuffix(h, "。") {
			h += "。"
		}
		h += "可选值：" + strings.Join(c.Options, "、")
	}
	return h
}

// truncateUTF16 cuts s to at most n UTF-16 code units (Excel's unit for
// validation texts), never splitting a character.
func truncateUTF16(s string, n int) string {
	units := 0
	for i, r := range s {
		u := 1
		if r >= 0x10000 {
			u = 2
		}
		if units+u > n {
			return s[:i]
		}
		units += u
	}
	return s
}
