package xlsx

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// MaxErrors is how many CellErrors a Report keeps; ErrorCount counts all.
const MaxErrors = 10000

// headerSearchRows is how far down Parse looks for the header row when row
// 1 holds a title instead.
const headerSearchRows = 10

// maxUnzipSize bounds the uncompressed size of an uploaded package (zip
// bomb guard); a 1,000,000-row ledger stays well below it.
const maxUnzipSize = 1 << 30

// unzipXMLLimit is the size from which excelize keeps a package part in a
// temporary file instead of memory. excelize's default (16 MiB) keeps the
// shared strings of a 130,000-row Excel file in memory as structs and a map
// (about 155 MB of heap); at 4 MiB the same file parses in about 33 MB,
// for roughly 25% more time.
const unzipXMLLimit = 4 << 20

// User-facing file-level messages.
const (
	msgNotXLSX   = "文件不是有效的 Excel (.xlsx) 文件"
	msgLegacyXLS = "文件是旧版 Excel (.xls) 格式或已加密，请用 Excel 或 WPS 另存为 .xlsx 格式后重新导入"
	msgTooLarge  = "文件解压后超过 1 GB，请拆分后分批导入"
	msgNoSheet   = "文件中没有工作表"
	msgCorrupt   = "文件内容已损坏，读取第 %d 行时出错"
	msgNoHeader  = "未在前 10 行找到表头，请使用本系统下载的导入模板"
	msgMissing   = "缺少必填列：%s"
	msgDupHeader = "表头「%s」重复出现（%s 列和 %s 列）"
)

// FileError is a problem with the uploaded file as a whole (not an Excel
// file, missing required columns, ...). Msg is Chinese and meant for the
// user; Err, when set, is the underlying cause for logs.
type FileError struct {
	Msg     string   // message shown to the user
	Missing []string // headers of missing required columns, if that is the problem
	Err     error    // cause, may be nil
}

func (e *FileError) Error() string { return e.Msg }

// Unwrap returns the cause.
func (e *FileError) Unwrap() error { return e.Err }

// CellError is one problem in one data row. Domain checks may return a
// CellError with only Key (or Column) and Reason set; Parse fills in the
// row number, the column letter in the uploaded file, the header and the
// cell value. A CellError with neither Key nor Column concerns the whole row.
type CellError struct {
	Row    int    `json:"row"`    // 1-based Excel row number
	Col    string `json:"col"`    // column letter in the uploaded file, e.g. "C"
	Key    string `json:"key"`    // Column.Key
	Column string `json:"column"` // Column.Header
	Value  string `json:"value"`  // the (trimmed) cell value
	Reason string `json:"reason"` // Chinese explanation
	// Rule is the code of the business rule that refused the row, when a
	// rule did (the same code the form and the API answer), e.g.
	// "hazard.rule.order_needs_document".
	Rule string `json:"rule,omitempty"`
}

// String renders the error the way users read it: 第 5 行 C 列（企业名称）：必填项为空.
func (e CellError) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "第 %d 行", e.Row)
	if e.Col != "" {
		fmt.Fprintf(&b, " %s 列", e.Col)
	}
	if e.Column != "" {
		fmt.Fprintf(&b, "（%s）", e.Column)
	}
	b.WriteString("：")
	b.WriteString(e.Reason)
	return b.String()
}

// Row is one non-blank data row handed to the domain callback.
type Row struct {
	Num int // 1-based Excel row number
	// Values holds the trimmed text of every schema column present in the
	// file, by Column.Key; columns absent from the file have no entry. The
	// map is fresh for each row and may be kept.
	Values map[string]string
	// Errors are the kit's own findings for this row (required, options);
	// read-only. The callback runs for every row so users get all problems
	// in one pass; it can skip collecting rows with len(Errors) > 0.
	Errors []CellError
}

// Report summarizes one Parse.
type Report struct {
	Sheet      string      `json:"sheet"`       // the sheet that was read
	HeaderRow  int         `json:"header_row"`  // Excel row number of the header
	Columns    []string    `json:"columns"`     // keys of schema columns found in the file
	Ignored    []string    `json:"ignored"`     // headers that match no column (ignored)
	Rows       int         `json:"rows"`        // non-blank data rows seen
	Valid      int         `json:"valid"`       // rows without any error
	ErrorCount int         `json:"error_count"` // all errors, including those not kept
	Errors     []CellError `json:"errors"`      // the first MaxErrors errors, in row order

	// Letters are the column letters in the file of the schema columns
	// found, by key (for errors found after the rows were read).
	Letters map[string]string `json:"-"`
}

// OK reports whether no row had an error. A file with no data rows is OK;
// callers that need data check Rows.
func (r *Report) OK() bool { return r.ErrorCount == 0 }

// Truncated reports whether errors were dropped because of MaxErrors.
func (r *Report) Truncated() bool { return r.ErrorCount > len(r.Errors) }

// Parse reads an uploaded workbook row by row and reports every problem.
//
// It reads the sheet named s.Name when there is one (case-insensitive),
// otherwise the first visible sheet. The header row is row 1, or the first of rows
// 2-10 that contains a known header when row 1 is a title. Headers match
// Column.Header or Column.HeaderEN ignoring spaces, a leading "*", letter
// case and full-width/half-width parentheses; columns may come in any
// order and unknown columns are ignored (listed in Report.Ignored). A
// missing required column, a duplicated header, no header at all, or a
// file that is not an .xlsx workbook is a *FileError.
//
// Before excelize reads the package, a shared string or inline cell longer
// than Excel's 32,767 characters (an "xlsx bomb") refuses the whole file
// with a *FileError, in constant memory (guard.go).
//
// Fully blank rows are skipped. For every other row Parse trims the values,
// undoes the export's formula escape (a leading apostrophe before = + - @),
// checks Required ("必填项为空"), the length limit (Column.MaxLen, by default
// the shared table's limit for its key: "超过长度上限：最多 N 个字符，实际 M 个"; the value is then
// handed on empty) and Options ("不在允许的取值中：…"), then calls
// fn (when not nil) — always, even when the kit already found errors in
// the row, so that one upload reports all problems; an error from fn on a
// cell the kit already flagged is dropped. Errors from fn are completed
// from the schema (see CellError).
//
// Cell values come back as text:
//   - text cells as typed (trimmed);
//   - numbers in plain decimal form without scientific notation or number
//     formatting (no thousands separators, %, currency): an integer written
//     digit for digit by a program keeps all its digits, other numbers are
//     rounded to Excel's 15 significant digits, e.g. "340123199001011000";
//   - numbers in date/time-formatted cells as "2006-01-02", "15:04:05" or
//     "2006-01-02 15:04:05", according to the cell's format (elapsed-time
//     formats like [h]:mm as "36:00:00"); the format is read from the
//     cell's style, not guessed from the value;
//   - booleans as TRUE/FALSE, error cells as shown (#N/A), formulas as their
//     cached result.
//
// The whole upload is read into memory (compressed; callers should bound
// it, e.g. with http.MaxBytesReader); rows are streamed with excelize's
// Rows iterator, which keeps large worksheets in a temporary file, so
// memory does not grow with the number of rows. The kit keeps no rows: fn
// collects what the caller needs.
func Parse(r io.Reader, s Schema, fn func(row Row) []CellError) (*Report, error) {
	return ParseContext(context.Background(), r, s, fn)
}

// ParseContext is Parse that stops reading when ctx is done (a cancelled
// import job), returning ctx's error.
func ParseContext(ctx context.Context, r io.Reader, s Schema, fn func(row Row) []CellError) (*Report, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("xlsx: read upload: %w", err)
	}
	if !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		if bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}) {
			return nil, &FileError{Msg: msgLegacyXLS}
		}
		return nil, &FileError{Msg: msgNotXLSX}
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, &FileError{Msg: msgNotXLSX, Err: err}
	}
	if err := guardSharedStrings(zr); err != nil {
		return nil, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: maxUnzipSize, UnzipXMLSizeLimit: unzipXMLLimit})
	if err != nil {
		if f != nil {
			_ = f.Close()
		}
		if strings.Contains(err.Error(), "unzip size exceeds") {
			return nil, &FileError{Msg: msgTooLarge, Err: err}
		}
		return nil, &FileError{Msg: msgNotXLSX, Err: err}
	}
	defer func() { _ = f.Close() }()

	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, &FileError{Msg: msgNoSheet}
	}
	sheet := pickSheet(f, sheets, s.Name)
	sc, err := openSheetPart(zr, sheet)
	if err != nil {
		return nil, &FileError{Msg: msgNotXLSX, Err: err}
	}
	defer func() { _ = sc.Close() }()
	props, err := f.GetWorkbookProps()
	if err != nil {
		return nil, &FileError{Msg: msgNotXLSX, Err: err}
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, &FileError{Msg: msgNotXLSX, Err: err}
	}
	defer func() { _ = rows.Close() }()

	p := &parser{
		s:        s,
		fn:       fn,
		f:        f,
		date1904: props.Date1904 != nil && *props.Date1904,
		kinds:    make(map[int]dateKind),
		rep:      &Report{Sheet: sheet, Errors: []CellError{}},
	}
	num := 0
	for rows.Next() {
		num++
		if num%256 == 0 && ctx.Err() != nil {
			return nil, fmt.Errorf("xlsx: stopped at row %d: %w", num, ctx.Err())
		}
		// The scanner reads the row first: it refuses an oversized cell
		// before excelize decodes it.
		meta, err := sc.rowMeta(num)
		if err != nil {
			var fe *FileError
			if errors.As(err, &fe) {
				return nil, fe
			}
			return nil, &FileError{Msg: fmt.Sprintf(msgCorrupt, num), Err: err}
		}
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, &FileError{Msg: fmt.Sprintf(msgCorrupt, num), Err: err}
		}
		if p.rep.HeaderRow == 0 {
			if err := p.header(num, cells, meta); err != nil {
				return nil, err
			}
			continue
		}
		p.row(num, cells, meta)
	}
	if err := rows.Error(); err != nil {
		return nil, &FileError{Msg: fmt.Sprintf(msgCorrupt, num+1), Err: err}
	}
	if p.rep.HeaderRow == 0 {
		return nil, &FileError{Msg: msgNoHeader}
	}
	return p.rep, nil
}

// pickSheet returns the sheet named name (ignoring case and surrounding
// spaces), else the first visible sheet, else the first sheet.
func pickSheet(f *excelize.File, sheets []string, name string) string {
	for _, sh := range sheets {
		if strings.EqualFold(strings.TrimSpace(sh), name) {
			return sh
		}
	}
	for _, sh := range sheets {
		if visible, err := f.GetSheetVisible(sh); err == nil && visible {
			return sh
		}
	}
	return sheets[0]
}

// parser is the state of one Parse.
type parser struct {
	s        Schema
	fn       func(Row) []CellError
	f        *excelize.File
	date1904 bool
	kinds    map[int]dateKind // style index → date kind
	rep      *Report

	fileCol []int // schema index → 1-based column in the file, 0 if absent
	present []int // schema indexes present in the file, in schema order
	maxCol  int   // largest mapped file column
	rowMeta []cellMeta
	metaSet []bool
}

// header tries to take row num as the header row. It returns a *FileError
// when the header is found but unusable, or when none was found in time.
func (p *parser) header(num int, cells []string, meta []cellMeta) error {
	p.indexMeta(meta, len(cells))
	byHeader := make(map[string]int, 2*len(p.s.Columns))
	for i, c := range p.s.Columns {
		byHeader[normalizeHeader(c.Header)] = i
		if c.HeaderEN != "" {
			byHeader[normalizeHeader(c.HeaderEN)] = i
		}
	}
	fileCol := make([]int, len(p.s.Columns))
	var ignored []string
	matched := 0
	for ci, raw := range cells {
		text := trimCell(p.text(ci+1, raw))
		if text == "" {
			continue
		}
		i, ok := byHeader[normalizeHeader(text)]
		if !ok {
			ignored = append(ignored, text)
			continue
		}
		if fileCol[i] != 0 {
			return &FileError{Msg: fmt.Sprintf(msgDupHeader, p.s.Columns[i].Header, ColumnLetter(fileCol[i]), ColumnLetter(ci+1))}
		}
		fileCol[i] = ci + 1
		matched++
	}
	if matched == 0 {
		if num >= headerSearchRows {
			return &FileError{Msg: msgNoHeader}
		}
		return nil
	}
	var missing []string
	for i, c := range p.s.Columns {
		if c.Required && fileCol[i] == 0 {
			missing = append(missing, c.Header)
		}
	}
	if len(missing) > 0 {
		return &FileError{Msg: fmt.Sprintf(msgMissing, strings.Join(missing, "、")), Missing: missing}
	}
	p.fileCol = fileCol
	p.rep.Letters = map[string]string{}
	for i, c := range fileCol {
		if c == 0 {
			continue
		}
		p.rep.Letters[p.s.Columns[i].Key] = ColumnLetter(c)
		p.present = append(p.present, i)
		p.rep.Columns = append(p.rep.Columns, p.s.Columns[i].Key)
		p.maxCol = max(p.maxCol, c)
	}
	p.rep.HeaderRow = num
	p.rep.Ignored = ignored
	return nil
}

// indexMeta makes the scanner's cells of the current row addressable by
// column number (up to n columns).
func (p *parser) indexMeta(meta []cellMeta, n int) {
	if cap(p.rowMeta) < n+1 {
		p.rowMeta = make([]cellMeta, n+1)
		p.metaSet = make([]bool, n+1)
	}
	p.rowMeta = p.rowMeta[:n+1]
	p.metaSet = p.metaSet[:n+1]
	clear(p.metaSet)
	for _, m := range meta {
		if m.col <= n {
			p.rowMeta[m.col] = m
			p.metaSet[m.col] = true
		}
	}
}

// text converts the raw value of column col (1-based) of the current row.
func (p *parser) text(col int, raw string) string {
	if raw == "" || col >= len(p.metaSet) || !p.metaSet[col] {
		return raw
	}
	m := p.rowMeta[col]
	switch m.typ {
	case "": // number
		if k := p.kind(m.style); k != notDate {
			if t, ok := serialText(raw, k, p.date1904); ok {
				return t
			}
		}
		return numberText(raw)
	case "b":
		switch raw {
		case "1":
			return "TRUE"
		case "0":
			return "FALSE"
		}
	case "d":
		return isoDateText(raw)
	}
	return raw
}

// kind returns the (cached) date kind of a cell style.
func (p *parser) kind(style int) dateKind {
	if k, ok := p.kinds[style]; ok {
		return k
	}
	k := notDate
	if st, err := p.f.GetStyle(style); err == nil && st != nil {
		if st.CustomNumFmt != nil {
			k = formatDateKind(*st.CustomNumFmt)
		} else {
			k = builtInDateKind(st.NumFmt)
		}
	}
	p.kinds[style] = k
	return k
}

// row checks one data row and records its errors.
func (p *parser) row(num int, cells []string, meta []cellMeta) {
	blank := true
	for _, c := range cells {
		if trimCell(c) != "" {
			blank = false
			break
		}
	}
	if blank {
		return
	}
	p.rep.Rows++
	p.indexMeta(meta, min(len(cells), p.maxCol))
	values := make(map[string]string, len(p.present))
	var errs []CellError
	for _, i := range p.present {
		c := p.s.Columns[i]
		col := p.fileCol[i]
		v := ""
		if col <= len(cells) {
			v = unescapeFormula(trimCell(p.text(col, cells[col-1])))
		}
		values[c.Key] = v
		switch {
		case v == "":
			if c.Required {
				errs = append(errs, p.cellError(num, i, v, "必填项为空"))
			}
		case hasControl(v):
			values[c.Key] = ""
			errs = append(errs, p.cellError(num, i, strings.Map(visibleRune, v), msgControl))
		case utf8.RuneCountInString(v) > c.maxLen():
			n := utf8.RuneCountInString(v)
			values[c.Key] = ""
			errs = append(errs, p.cellError(num, i, truncate(v, 50), fmt.Sprintf(msgValueTooLong, c.maxLen(), n)))
		case len(c.Options) > 0 && !contains(c.Options, v):
			errs = append(errs, p.cellError(num, i, v, optionsReason(c.Options)))
		}
	}
	if p.fn != nil {
		kit := len(errs)
		for _, e := range p.fn(Row{Num: num, Values: values, Errors: errs[:kit:kit]}) {
			e = p.complete(e, num, values)
			if e.Key != "" && flagged(errs[:kit], e.Key) {
				continue
			}
			errs = append(errs, e)
		}
	}
	if len(errs) == 0 {
		p.rep.Valid++
		return
	}
	p.rep.ErrorCount += len(errs)
	if room := MaxErrors - len(p.rep.Errors); room > 0 {
		p.rep.Errors = append(p.rep.Errors, errs[:min(room, len(errs))]...)
	}
}

func (p *parser) cellError(num, i int, v, reason string) CellError {
	c := p.s.Columns[i]
	return CellError{Row: num, Col: ColumnLetter(p.fileCol[i]), Key: c.Key, Column: c.Header, Value: v, Reason: reason}
}

// complete fills in what a domain error left out.
func (p *parser) complete(e CellError, num int, values map[string]string) CellError {
	if e.Row == 0 {
		e.Row = num
	}
	i := -1
	switch {
	case e.Key != "":
		i = p.schemaIndex(func(c Column) bool { return c.Key == e.Key })
	case e.Column != "":
		h := normalizeHeader(e.Column)
		i = p.schemaIndex(func(c Column) bool {
			return c.Key == e.Column || normalizeHeader(c.Header) == h || c.HeaderEN != "" && normalizeHeader(c.HeaderEN) == h
		})
	}
	if i < 0 {
		return e
	}
	c := p.s.Columns[i]
	e.Key, e.Column = c.Key, c.Header
	if e.Col == "" && p.fileCol[i] > 0 {
		e.Col = ColumnLetter(p.fileCol[i])
	}
	if e.Value == "" {
		e.Value = values[c.Key]
	}
	return e
}

func (p *parser) schemaIndex(match func(Column) bool) int {
	for i, c := range p.s.Columns {
		if match(c) {
			return i
		}
	}
	return -1
}

func flagged(errs []CellError, key string) bool {
	for _, e := range errs {
		if e.Key == key {
			return true
		}
	}
	return false
}

func contains(list []string, v string) bool {
	for _, o := range list {
		if o == v {
			return true
		}
	}
	return false
}

// optionsReason lists the allowed values, shortened for very long lists.
func optionsReason(options []string) string {
	const show = 20
	if len(options) <= show {
		return "不在允许的取值中：" + strings.Join(options, "、")
	}
	return fmt.Sprintf("不在允许的取值中：%s 等 %d 项", strings.Join(options[:show], "、"), len(options))
}
