package xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func TestParseBadRows(t *testing.T) {
	s := ledgerSchema()
	data := buildFile(t, s.Name, [][]any{
		header(s),
		{"91340000MA2N1AAAAA", "甲公司", "城关镇", "规上", 10, nil, "2020-01-02"}, // 2: valid
		{"", "乙公司", "南山镇", "规上", "十个", nil, nil},                          // 3: required, option, domain
		{"91340000MA2N1CCCCC", "  ", "东关乡", "中型", 5, nil, nil},            // 4: required (blank text), option
		{"91340000MA2N1DDDDD", "丁公司", "西河镇", nil, "abc", nil, nil},        // 5: domain error only
		{"91340000MA2N1AAAAA", "戊公司", "西河镇", nil, nil, nil, nil},          // 6: row-level duplicate
	})
	seen := map[string]int{}
	rep, rows := collect(t, data, s, func(r Row) []CellError {
		var errs []CellError
		if v := r.Values["employees"]; v != "" && !isDigits(v) {
			errs = append(errs, CellError{Key: "employees", Reason: "应为整数"})
		}
		if r.Values["credit_code"] == "" {
			// Already flagged by the kit: must be dropped.
			errs = append(errs, CellError{Key: "credit_code", Reason: "格式不正确"})
		}
		if r.Values["town"] == "南山镇" {
			// Named by header instead of key, full-width variant.
			errs = append(errs, CellError{Column: "所属乡镇", Reason: "未知乡镇"})
		}
		if first, dup := seen[r.Values["credit_code"]]; dup && r.Values["credit_code"] != "" {
			errs = append(errs, CellError{Reason: fmt.Sprintf("与第 %d 行重复", first)})
		}
		seen[r.Values["credit_code"]] = r.Num
		return errs
	})
	if len(rows) != 5 {
		t.Fatalf("fn called for %d rows, want 5 (always, also for rows with kit errors)", len(rows))
	}
	if rows[1].Num != 3 || len(rows[1].Errors) != 2 {
		t.Errorf("row 3 as seen by fn: %+v", rows[1])
	}
	want := []CellError{
		{Row: 3, Col: "A", Key: "credit_code", Column: "统一社会信用代码", Value: "", Reason: "必填项为空"},
		{Row: 3, Col: "C", Key: "town", Column: "所属乡镇", Value: "南山镇", Reason: "不在允许的取值中：城关镇、东关乡、西河镇"},
		{Row: 3, Col: "E", Key: "employees", Column: "从业人数(人)", Value: "十个", Reason: "应为整数"},
		{Row: 4, Col: "B", Key: "name", Column: "企业名称", Value: "", Reason: "必填项为空"},
		{Row: 4, Col: "D", Key: "scale", Column: "企业规模", Value: "中型", Reason: "不在允许的取值中：规上、规下"},
		{Row: 5, Col: "E", Key: "employees", Column: "从业人数(人)", Value: "abc", Reason: "应为整数"},
		{Row: 6, Reason: "与第 2 行重复"},
	}
	if !reflect.DeepEqual(rep.Errors, want) {
		t.Fatalf("errors:\n%s\nwant:\n%s", dump(rep.Errors), dump(want))
	}
	if rep.Rows != 5 || rep.Valid != 1 || rep.ErrorCount != 7 || rep.OK() || rep.Truncated() {
		t.Errorf("report = %+v", rep)
	}
	if rep.HeaderRow != 1 || rep.Sheet != s.Name {
		t.Errorf("header row %d sheet %q", rep.HeaderRow, rep.Sheet)
	}
	if got := want[0].String(); got != "第 3 行 A 列（统一社会信用代码）：必填项为空" {
		t.Errorf("String() = %q", got)
	}

	// The downloadable error report.
	var buf bytes.Buffer
	if err := WriteErrorReport(&buf, rep.Errors); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	got, err := f.GetRows(ErrorReportSheet)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got[0], "|") != "行号|列|列名|值|错误原因" {
		t.Errorf("report header %q", got[0])
	}
	if strings.Join(got[2], "|") != "3|C|所属乡镇|南山镇|不在允许的取值中：城关镇、东关乡、西河镇" {
		t.Errorf("report row %q", got[2])
	}
	if strings.Join(got[7], "|") != "6|||与第 2 行重复" && strings.Join(got[7], "|") != "6||||与第 2 行重复" {
		t.Errorf("report row-level error %q", got[7])
	}
	if len(got) != 8 {
		t.Errorf("report has %d rows, want 8", len(got))
	}
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func TestParseMissingRequiredColumn(t *testing.T) {
	s := ledgerSchema()
	data := buildFile(t, s.Name, [][]any{
		{"*企业名称", "企业规模", "从业人数(人)"},
		{"甲公司", "规上", 3},
	})
	_, err := Parse(bytes.NewReader(data), s, nil)
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v (%T), want *FileError", err, err)
	}
	if fe.Msg != "缺少必填列：统一社会信用代码、所属乡镇" || fe.Error() != fe.Msg {
		t.Errorf("message = %q", fe.Msg)
	}
	if !reflect.DeepEqual(fe.Missing, []string{"统一社会信用代码", "所属乡镇"}) {
		t.Errorf("missing = %q", fe.Missing)
	}
}

func TestParseNotXLSX(t *testing.T) {
	s := ledgerSchema()
	var zipNoXLSX bytes.Buffer
	zw := zip.NewWriter(&zipNoXLSX)
	w, _ := zw.Create("hello.txt")
	_, _ = w.Write([]byte("hi"))
	_ = zw.Close()
	cases := map[string]struct {
		data []byte
		msg  string
	}{
		"csv":    {[]byte("统一社会信用代码,企业名称\n1,2\n"), msgNotXLSX},
		"empty":  {nil, msgNotXLSX},
		"zip":    {zipNoXLSX.Bytes(), msgNotXLSX},
		"xls":    {append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 600)...), msgLegacyXLS},
		"broken": {[]byte("PK\x03\x04garbage"), msgNotXLSX},
	}
	for name, c := range cases {
		_, err := Parse(bytes.NewReader(c.data), s, nil)
		var fe *FileError
		if !errors.As(err, &fe) {
			t.Errorf("%s: err = %v, want *FileError", name, err)
			continue
		}
		if fe.Msg != c.msg {
			t.Errorf("%s: message %q, want %q", name, fe.Msg, c.msg)
		}
	}
	if msgNotXLSX != "文件不是有效的 Excel (.xlsx) 文件" {
		t.Error("message changed")
	}
}

func TestParseReorderedEnglishHeaders(t *testing.T) {
	s := ledgerSchema()
	data := buildFile(t, s.Name, [][]any{
		{"Town", " remark ", "COMPANY NAME", "从业人数（人）", "*Credit Code"},
		{"西河镇", "随便写", "甲公司", 12, "91340000MA2N1XXXXX"},
	})
	rep, rows := collect(t, data, s, nil)
	if !rep.OK() || rep.Rows != 1 {
		t.Fatalf("report %+v", rep)
	}
	want := map[string]string{"town": "西河镇", "name": "甲公司", "employees": "12", "credit_code": "91340000MA2N1XXXXX"}
	if !reflect.DeepEqual(rows[0].Values, want) {
		t.Errorf("values = %v, want %v", rows[0].Values, want)
	}
	if !reflect.DeepEqual(rep.Columns, []string{"credit_code", "name", "town", "employees"}) {
		t.Errorf("columns = %v", rep.Columns)
	}
	if !reflect.DeepEqual(rep.Ignored, []string{"remark"}) {
		t.Errorf("ignored = %v", rep.Ignored)
	}
	// Errors point at the file's own column letters.
	rep, _ = collect(t, data, s, func(Row) []CellError {
		return []CellError{{Key: "credit_code", Reason: "x"}, {Key: "founded", Reason: "absent column"}}
	})
	if e := rep.Errors[0]; e.Col != "E" || e.Value != "91340000MA2N1XXXXX" {
		t.Errorf("error = %+v", e)
	}
	if e := rep.Errors[1]; e.Col != "" || e.Column != "成立日期" || e.Row != 2 {
		t.Errorf("error on absent column = %+v", e)
	}
}

func TestParseSkipsBlankRowsAndTitle(t *testing.T) {
	s := ledgerSchema()
	data := buildFile(t, "Sheet1", [][]any{
		{"某某县企业安全生产台账（2024 年）"},
		nil,
		header(s),
		{"91340000MA2N1AAAAA", "甲公司", "城关镇"},
		{" ", "\u3000", nil, "", nil, nil, nil, nil, " "}, // only spaces: blank
		nil,
		nil,
		{"91340000MA2N1BBBBB", " 乙公司 ", "东关乡"},
		{nil, nil, nil, nil, nil, nil, nil, nil, "旁注"}, // not blank: content in an unknown column
	})
	rep, rows := collect(t, data, s, nil)
	if rep.HeaderRow != 3 {
		t.Fatalf("header row = %d", rep.HeaderRow)
	}
	if rep.Sheet != "Sheet1" {
		t.Errorf("sheet = %q", rep.Sheet)
	}
	var nums []int
	for _, r := range rows {
		nums = append(nums, r.Num)
	}
	if !reflect.DeepEqual(nums, []int{4, 8, 9}) {
		t.Errorf("row numbers = %v, want [4 8 9]", nums)
	}
	if rows[1].Values["name"] != "乙公司" {
		t.Errorf("not trimmed: %q", rows[1].Values["name"])
	}
	if rep.Rows != 3 || rep.Valid != 2 || rep.ErrorCount != 3 {
		t.Errorf("report = %+v\n%s", rep, dump(rep.Errors))
	}
}

func TestParseNoHeader(t *testing.T) {
	s := ledgerSchema()
	rows := make([][]any, 12)
	for i := range rows {
		rows[i] = []any{"标题", i}
	}
	for name, data := range map[string][]byte{
		"no header": buildFile(t, "Sheet1", rows),
		"empty":     buildFile(t, "Sheet1", nil),
	} {
		_, err := Parse(bytes.NewReader(data), s, nil)
		var fe *FileError
		if !errors.As(err, &fe) || fe.Msg != msgNoHeader {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestParseDuplicateHeader(t *testing.T) {
	s := ledgerSchema()
	data := buildFile(t, s.Name, [][]any{
		{"统一社会信用代码", "企业名称", "所属乡镇", "Company Name"},
	})
	_, err := Parse(bytes.NewReader(data), s, nil)
	var fe *FileError
	if !errors.As(err, &fe) || fe.Msg != "表头「企业名称」重复出现（B 列和 D 列）" {
		t.Errorf("err = %v", err)
	}
}

func TestParsePicksNamedSheet(t *testing.T) {
	s := ledgerSchema()
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	fillSheet(t, f, "Sheet1", [][]any{{"说明：请填写第二个工作表"}})
	if _, err := f.NewSheet(s.Name); err != nil {
		t.Fatal(err)
	}
	fillSheet(t, f, s.Name, [][]any{header(s), {"91340000MA2N1AAAAA", "甲公司", "城关镇"}})
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	rep, rows := collect(t, buf.Bytes(), s, nil)
	if rep.Sheet != s.Name || len(rows) != 1 || rows[0].Values["name"] != "甲公司" {
		t.Errorf("report %+v rows %+v", rep, rows)
	}

	// Without a sheet of that name, the first visible sheet is read.
	if err := f.SetSheetName(s.Name, "数据"); err != nil {
		t.Fatal(err)
	}
	f.SetActiveSheet(1) // the active sheet cannot be hidden
	if err := f.SetSheetVisible("Sheet1", false); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	rep, rows = collect(t, buf.Bytes(), s, nil)
	if rep.Sheet != "数据" || len(rows) != 1 {
		t.Errorf("report %+v rows %+v", rep, rows)
	}
}

// TestParseCellValues covers how numbers, dates and other stored types come
// back as text.
func TestParseCellValues(t *testing.T) {
	s := Schema{Name: "值", Columns: []Column{{Key: "k", Header: "键"}, {Key: "v", Header: "值"}}}
	date := 45366.0 // 2024-03-15
	cases := []struct {
		name string
		cell any
		want string
	}{
		{"credit code text", "91340000MA2N1XXXXX", "91340000MA2N1XXXXX"},
		{"18-digit number written by a program", int64(340123199001011234), "340123199001011234"},
		{"18-digit number as Excel stores it", raw("3.40123199001011E+17"), "340123199001011000"},
		{"17 significant digits from Excel", raw("1.2345678901234568E+17"), "123456789012346000"},
		{"12-digit id", int64(340102000123), "340102000123"},
		{"id in 0 format", styled{v: int64(340102000123), numFmt: 1}, "340102000123"},
		{"leading zeros as text", "0012", "0012"},
		{"float noise", raw("0.30000000000000004"), "0.3"},
		{"small float", raw("1E-7"), "0.0000001"},
		{"negative", -12.5, "-12.5"},
		{"two decimals format", styled{v: 3.14159, numFmt: 2}, "3.14159"},
		{"thousands format", styled{v: 1234567, numFmt: 3}, "1234567"},
		{"percent", styled{v: 0.5, numFmt: 9}, "0.5"},
		{"currency custom", styled{v: 1234.5, custom: `#,##0.00"元"`}, "1234.5"},
		{"scientific format", styled{v: 12345.678, numFmt: 11}, "12345.678"},
		{"date 14", styled{v: date, numFmt: 14}, "2024-03-15"},
		{"date custom iso", styled{v: date, custom: "yyyy-mm-dd"}, "2024-03-15"},
		{"date custom slash", styled{v: date, custom: "yyyy/m/d;@"}, "2024-03-15"},
		{"date zh 31", styled{v: date, numFmt: 31}, "2024-03-15"},
		{"date zh custom", styled{v: date, custom: `yyyy"年"m"月"d"日"`}, "2024-03-15"},
		{"date locale prefix", styled{v: date, custom: `[$-804]yyyy"年"m"月"d"日";@`}, "2024-03-15"},
		{"datetime 22", styled{v: date + 0.75, numFmt: 22}, "2024-03-15 18:00:00"},
		{"datetime custom", styled{v: date + 0.5, custom: "yyyy-mm-dd hh:mm"}, "2024-03-15 12:00:00"},
		{"date format with time part", styled{v: date + 0.5, numFmt: 14}, "2024-03-15"},
		{"time 20", styled{v: 0.75, numFmt: 20}, "18:00:00"},
		{"minutes format", styled{v: 0.5, custom: "mm:ss"}, "12:00:00"},
		{"elapsed hours", styled{v: 1.5, custom: "[h]:mm"}, "36:00:00"},
		{"time.Time cell", time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC), "2024-03-15"},
		{"date text", "2024/3/15", "2024/3/15"},
		{"date number out of range", styled{v: 20240315, numFmt: 14}, "20240315"},
		{"bool true", true, "TRUE"},
		{"bool false", false, "FALSE"},
		{"spaces", "  甲  ", "甲"},
	}
	rows := [][]any{{"键", "值"}}
	for _, c := range cases {
		rows = append(rows, []any{c.name, c.cell})
	}
	// A formula with a cached string result, and an error cell.
	data := buildFile(t, s.Name, rows)
	_, got := collect(t, data, s, nil)
	if len(got) != len(cases) {
		t.Fatalf("got %d rows, want %d", len(got), len(cases))
	}
	for i, c := range cases {
		if v := got[i].Values["v"]; v != c.want {
			t.Errorf("%s: got %q, want %q", c.name, v, c.want)
		}
	}
}

func TestParseErrorCap(t *testing.T) {
	s := Schema{Name: "x", Columns: []Column{{Key: "a", Header: "A", Required: true}, {Key: "b", Header: "B", Required: true}}}
	n := MaxErrors/2 + 1
	// Both required cells empty; the row is not blank thanks to column C.
	rows := [][]any{{"A", "B", "备注"}}
	for range n {
		rows = append(rows, []any{nil, nil, "x"})
	}
	rep, _ := collect(t, buildFile(t, "x", rows), s, nil)
	if rep.ErrorCount != 2*n || len(rep.Errors) != MaxErrors || !rep.Truncated() || rep.Rows != n {
		t.Errorf("count %d kept %d rows %d", rep.ErrorCount, len(rep.Errors), rep.Rows)
	}
	last := rep.Errors[len(rep.Errors)-1]
	if last.Row != MaxErrors/2+1 || last.Col != "B" {
		t.Errorf("last kept error %+v", last)
	}
}

func TestParseDate(t *testing.T) {
	want := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)
	for _, in := range []string{"2024-03-05", "2024-3-5", "2024/3/5", "2024/03/05", "2024.3.5", "2024年3月5日", "20240305", " 2024-03-05 "} {
		got, err := ParseDate(in, time.UTC)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseDate(%q) = %v, %v", in, got, err)
		}
	}
	got, err := ParseDate("2024-03-05 08:30:15", time.UTC)
	if err != nil || !got.Equal(want.Add(8*time.Hour+30*time.Minute+15*time.Second)) {
		t.Errorf("datetime: %v %v", got, err)
	}
	for _, in := range []string{"", "2024-13-01", "三月五日", "45356"} {
		if _, err := ParseDate(in, time.UTC); err == nil {
			t.Errorf("ParseDate(%q) accepted", in)
		}
	}
}

func TestFormatDateKind(t *testing.T) {
	for code, want := range map[string]dateKind{
		"General":                     notDate,
		"0.00":                        notDate,
		"#,##0.00_);[Red](#,##0.00)":  notDate,
		"0.00E+00":                    notDate,
		`#,##0"元"`:                    notDate,
		`0"天"`:                        notDate,
		"[$¥-804]#,##0.00":            notDate,
		"@":                           notDate,
		"yyyy-mm-dd":                  kindDate,
		"yyyy/m/d;@":                  kindDate,
		"mmm-yy":                      kindDate,
		`yyyy"年"m"月"`:                 kindDate,
		"[$-F800]dddd, mmmm dd, yyyy": kindDate,
		"[DBNum1][$-804]yyyy\"年\"m\"月\"d\"日\"": kindDate,
		"h:mm:ss":             kindTime,
		"mm:ss":               kindTime,
		"[h]:mm:ss":           kindElapsed,
		"[Red][h]:mm":         kindElapsed,
		"[mm]:ss":             kindElapsed,
		"yyyy-mm-dd hh:mm:ss": kindDateTime,
		"m/d/yy h:mm":         kindDateTime,
		`e"年"m"月"d"日"`:        kindDate,
	} {
		if got := formatDateKind(code); got != want {
			t.Errorf("formatDateKind(%q) = %v, want %v", code, got, want)
		}
	}
}

func TestNumberText(t *testing.T) {
	for in, want := range map[string]string{
		"0": "0", "-0": "0", "+12": "12", "007": "007", "12345678901234567890": "12345678901234567890",
		"1.5": "1.5", "1E+21": "1000000000000000000000", "-2.5E-3": "-0.0025", "abc": "abc", "0.1": "0.1",
		"123456789012.123": "123456789012.123",
	} {
		if got := numberText(in); got != want {
			t.Errorf("numberText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSmallHelpers(t *testing.T) {
	_, err := Parse(bytes.NewReader([]byte("PK\x03\x04garbage")), ledgerSchema(), nil)
	if errors.Unwrap(err) == nil {
		t.Error("FileError hides its cause")
	}
	s := ledgerSchema()
	if c, ok := s.Column("town"); !ok || c.Header != "所属乡镇" {
		t.Errorf("Column(town) = %+v %v", c, ok)
	}
	if _, ok := s.Column("nope"); ok {
		t.Error("Column(nope) found")
	}
	if h := s.Headers(); len(h) != 7 || h[0] != "统一社会信用代码" {
		t.Errorf("Headers() = %q", h)
	}
	if ColumnLetter(28) != "AB" || ColumnLetter(0) != "" {
		t.Error("ColumnLetter")
	}
	for in, want := range map[string]string{
		"2024-03-15": "2024-03-15", "2024-03-15T00:00:00Z": "2024-03-15",
		"2024-03-15T08:30:00.5+08:00": "2024-03-15 08:30:00", "08:30:00": "08:30:00", "junk": "junk",
	} {
		if got := isoDateText(in); got != want {
			t.Errorf("isoDateText(%q) = %q, want %q", in, got, want)
		}
	}
	long := make([]string, 25)
	for i := range long {
		long[i] = fmt.Sprint(i)
	}
	if got := optionsReason(long); !strings.HasSuffix(got, "19 等 25 项") {
		t.Errorf("optionsReason = %q", got)
	}
}
