package xlsx

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// exactIntLimit is 10^15: Excel keeps 15 significant digits, so integers
// from this magnitude on are exported as text.
const exactIntLimit = 1_000_000_000_000_000

// Writer streams one ledger sheet to an .xlsx file: the header row (styled
// like the template, frozen), then one row per Write. Memory stays constant
// (excelize's StreamWriter spills to a temporary file), so a 1,000,000-row
// export is fine. Close must be called to produce the file (or Discard to
// give up); either releases the temporary files.
type Writer struct {
	w      io.Writer
	s      Schema
	f      *excelize.File
	sw     *excelize.StreamWriter
	st     styles
	row    int // last written Excel row
	buf    []any
	cells  []excelize.Cell
	closed bool
}

// NewWriter starts an export of s to w. Nothing is written to w until Close.
func NewWriter(w io.Writer, s Schema) (*Writer, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	f := excelize.NewFile()
	ok := false
	defer func() {
		if !ok {
			_ = f.Close()
		}
	}()
	if err := f.SetSheetName("Sheet1", s.Name); err != nil {
		return nil, fmt.Errorf("xlsx: rename sheet: %w", err)
	}
	st, err := newStyles(f)
	if err != nil {
		return nil, err
	}
	// Drop-down lists and prompts as in the template, so an exported file
	// can be edited and imported again.
	if err := addValidations(f, s); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(s.Name)
	if err != nil {
		return nil, fmt.Errorf("xlsx: stream writer: %w", err)
	}
	for i, c := range s.Columns {
		if err := sw.SetColWidth(i+1, i+1, columnWidth(c)); err != nil {
			return nil, fmt.Errorf("xlsx: column width: %w", err)
		}
	}
	if err := sw.SetPanes(freezeHeader()); err != nil {
		return nil, fmt.Errorf("xlsx: freeze header: %w", err)
	}
	header := make([]any, len(s.Columns))
	for i, c := range s.Columns {
		header[i] = excelize.Cell{StyleID: st.headerStyle(c), Value: headerText(c)}
	}
	if err := sw.SetRow("A1", header, excelize.RowOpts{Height: 24}); err != nil {
		return nil, fmt.Errorf("xlsx: write header: %w", err)
	}
	ok = true
	return &Writer{
		w: w, s: s, f: f, sw: sw, st: st, row: 1,
		buf:   make([]any, len(s.Columns)),
		cells: make([]excelize.Cell, len(s.Columns)),
	}, nil
}

// Write appends one row; values are in schema column order and there may be
// fewer values than columns. Supported types: string, []byte, all integer
// types, float32, float64, bool, time.Time, fmt.Stringer, nil (empty cell)
// and pointers to those. Integers with more than 15 digits are written as
// text (Excel would round them); a time.Time at midnight is written as a
// date cell (yyyy-mm-dd), any other as a date-time cell
// (yyyy-mm-dd hh:mm:ss), in its own location's wall clock; the zero
// time.Time is an empty cell.
func (w *Writer) Write(values ...any) error {
	if w.closed {
		return errors.New("xlsx: write after Close")
	}
	if len(values) > len(w.s.Columns) {
		return fmt.Errorf("xlsx: row has %d values, schema %q has %d columns", len(values), w.s.Name, len(w.s.Columns))
	}
	if w.row >= excelize.TotalRows {
		return fmt.Errorf("xlsx: more than %d rows", excelize.TotalRows-1)
	}
	row := w.row + 1
	clear(w.buf)
	for i, v := range values {
		cv, style, err := w.cellValue(v)
		if err != nil {
			return fmt.Errorf("xlsx: row %d column %q: %w", row, w.s.Columns[i].Key, err)
		}
		if cv == nil {
			continue
		}
		if style != 0 {
			w.cells[i] = excelize.Cell{StyleID: style, Value: cv}
			w.buf[i] = &w.cells[i]
			continue
		}
		w.buf[i] = cv
	}
	if err := w.sw.SetRow("A"+strconv.Itoa(row), w.buf[:len(values)]); err != nil {
		return fmt.Errorf("xlsx: write row %d: %w", row, err)
	}
	w.row = row
	return nil
}

// Rows returns the number of data rows written so far.
func (w *Writer) Rows() int { return w.row - 1 }

// cellValue maps a Go value to what the stream writer takes, plus a style.
func (w *Writer) cellValue(v any) (any, int, error) {
	switch x := v.(type) {
	case nil:
		return nil, 0, nil
	case string:
		return textValue(x)
	case []byte:
		return textValue(string(x))
	case int:
		return intValue(int64(x))
	case int8:
		return intValue(int64(x))
	case int16:
		return intValue(int64(x))
	case int32:
		return intValue(int64(x))
	case int64:
		return intValue(x)
	case uint:
		return uintValue(uint64(x))
	case uint8:
		return uintValue(uint64(x))
	case uint16:
		return uintValue(uint64(x))
	case uint32:
		return uintValue(uint64(x))
	case uint64:
		return uintValue(x)
	case float32:
		return floatValue(float64(x))
	case float64:
		return floatValue(x)
	case bool:
		return x, 0, nil
	case time.Time:
		if x.IsZero() {
			return nil, 0, nil
		}
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x, w.st.date, nil
		}
		return x, w.st.dateTime, nil
	case *string:
		return deref(w, x)
	case *int:
		return deref(w, x)
	case *int64:
		return deref(w, x)
	case *float64:
		return deref(w, x)
	case *bool:
		return deref(w, x)
	case *time.Time:
		return deref(w, x)
	case fmt.Stringer:
		return textValue(x.String())
	}
	return nil, 0, fmt.Errorf("unsupported value type %T", v)
}

func deref[T any](w *Writer, p *T) (any, int, error) {
	if p == nil {
		return nil, 0, nil
	}
	return w.cellValue(*p)
}

func textValue(s string) (any, int, error) {
	if s == "" {
		return nil, 0, nil
	}
	if !utf8.ValidString(s) {
		return nil, 0, errors.New("text is not valid UTF-8")
	}
	s = escapeFormula(s)
	if utf8.RuneCountInString(s) > excelize.TotalCellChars {
		return nil, 0, fmt.Errorf("text longer than %d characters", excelize.TotalCellChars)
	}
	return s, 0, nil
}

// formulaStart reports whether text starting with b could be taken for a
// formula by a spreadsheet (or by a CSV conversion of the sheet): = + - @,
// tab and carriage return (OWASP "CSV injection").
func formulaStart(b byte) bool {
	switch b {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// escapeFormula makes exported text that a spreadsheet could run as a
// formula inert by putting an apostrophe in front of it. Text that already
// starts with an apostrophe followed by such a character gets one more, so
// that unescapeFormula gives back exactly what was exported. Numbers are
// written as numbers and never pass here.
func escapeFormula(s string) string {
	if s != "" && (formulaStart(s[0]) || len(s) > 1 && s[0] == '\'' && (formulaStart(s[1]) || s[1] == '\'')) {
		return "'" + s
	}
	return s
}

// unescapeFormula undoes escapeFormula on an imported value, so that a
// ledger exported by Yingji imports to the same values.
func unescapeFormula(s string) string {
	if len(s) > 1 && s[0] == '\'' && (formulaStart(s[1]) || s[1] == '\'') {
		return s[1:]
	}
	return s
}

func intValue(v int64) (any, int, error) {
	if v >= exactIntLimit || v <= -exactIntLimit {
		return strconv.FormatInt(v, 10), 0, nil
	}
	return v, 0, nil
}

func uintValue(v uint64) (any, int, error) {
	if v >= exactIntLimit {
		return strconv.FormatUint(v, 10), 0, nil
	}
	return int64(v), 0, nil
}

func floatValue(v float64) (any, int, error) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil, 0, fmt.Errorf("number %v cannot be stored in Excel", v)
	}
	return v, 0, nil
}

// Close finishes the sheet, writes the workbook to w and releases the
// temporary files. It is safe to call more than once; later calls do
// nothing.
func (w *Writer) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	defer func() { _ = w.f.Close() }()
	if err := w.sw.Flush(); err != nil {
		return fmt.Errorf("xlsx: flush sheet: %w", err)
	}
	if err := w.f.Write(w.w); err != nil {
		return fmt.Errorf("xlsx: write workbook: %w", err)
	}
	return nil
}

// Discard gives up the export without writing to w and releases the
// temporary files. Calling it after Close does nothing.
func (w *Writer) Discard() {
	if w.closed {
		return
	}
	w.closed = true
	_ = w.f.Close()
}

// errorReportSchema is the layout of WriteErrorReport's file.
func errorReportSchema() Schema {
	return Schema{Name: ErrorReportSheet, Columns: []Column{
		{Key: "row", Header: "行号", Width: 8},
		{Key: "col", Header: "列", Width: 6},
		{Key: "column", Header: "列名", Width: 24},
		{Key: "value", Header: "值", Width: 30},
		{Key: "reason", Header: "错误原因", Width: 60},
	}}
}

// ErrorReportSheet is the sheet name of WriteErrorReport's file.
const ErrorReportSheet = "错误报告"

// WriteErrorReport writes errs as an .xlsx with the columns 行号, 列, 列名,
// 值 and 错误原因, for users to download and fix their file.
func WriteErrorReport(w io.Writer, errs []CellError) error {
	xw, err := NewWriter(w, errorReportSchema())
	if err != nil {
		return err
	}
	for _, e := range errs {
		var row any
		if e.Row > 0 {
			row = e.Row
		}
		// The value goes in as text, exactly as the user's file had it.
		if err := xw.Write(row, e.Col, e.Column, e.Value, e.Reason); err != nil {
			xw.Discard()
			return err
		}
	}
	return xw.Close()
}
