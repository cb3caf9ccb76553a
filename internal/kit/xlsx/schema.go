// Package xlsx is the Excel kit shared by every ledger: a Schema describes
// the columns of one sheet, and the kit writes the import template
// (WriteTemplate), reads an uploaded workbook row by row (Parse), writes the
// downloadable error report (WriteErrorReport) and streams exports (Writer).
//
// Conventions fixed by the kit:
//
//   - Required headers are written with a leading "*" and in a red bold font;
//     on import the "*" is ignored, so both "*企业名称" and "企业名称" match.
//   - Template data cells are formatted as text ("@"), so that long codes
//     (credit codes, ID card numbers) and dates typed by users reach the kit
//     exactly as typed.
//   - Imported values are always text: numbers without scientific notation,
//     date-formatted cells as "2006-01-02" (see Parse for the full rules).
//   - User-facing messages (FileError, CellError.Reason) are Chinese.
//
// Reading and writing stream through excelize (Rows / StreamWriter), so a
// 130,000-row import or a 1,000,000-row export runs in small, constant memory.
package xlsx

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"yingji/internal/kit/textlimit"
)

// Column describes one column of a ledger sheet.
type Column struct {
	Key      string   // stable machine key, e.g. "credit_code"
	Header   string   // Chinese header shown in row 1, e.g. "统一社会信用代码"
	HeaderEN string   // English header, also accepted on import
	Required bool     // an empty cell is an error; a missing column is a file error
	Width    float64  // column width in characters; 0 = derived from the header
	Example  string   // example value, shown on the template's 填写说明 sheet
	Help     string   // Chinese explanation of the allowed values (填写说明 and cell prompt)
	HelpEN   string   // English explanation, shown on the import page in English only
	Options  []string // allowed values; the template gets a drop-down list
	// MaxLen is the most characters a value may have (0: the limit of the
	// column's key in the shared table, internal/kit/textlimit, the same that
	// forms and JSON bodies apply); a longer value is refused on import with
	// the limit in the message.
	MaxLen int
}

// maxLen returns the column's length limit in characters.
func (c Column) maxLen() int {
	if c.MaxLen > 0 {
		return c.MaxLen
	}
	return min(textlimit.For(c.Key), MaxCellChars)
}

// Limit is the column's length limit in characters (see MaxLen).
func (c Column) Limit() int { return c.maxLen() }

// Schema is the column layout of one ledger sheet.
type Schema struct {
	Name    string // sheet name, e.g. "企业台账"
	Columns []Column
}

// InstructionsSheet is the name of the template's second sheet.
const InstructionsSheet = "填写说明"

// optionsSheet is the hidden sheet holding drop-down values that do not fit
// into an inline list (Excel allows 255 characters there).
const optionsSheet = "下拉选项"

// Validate checks the schema itself (a programming error, not user input):
// a valid sheet name, at least one column, non-empty and unique keys and
// headers.
func (s Schema) Validate() error {
	if err := checkSheetName(s.Name); err != nil {
		return err
	}
	if s.Name == InstructionsSheet || s.Name == optionsSheet {
		return fmt.Errorf("xlsx: schema name %q is reserved", s.Name)
	}
	if len(s.Columns) == 0 {
		return fmt.Errorf("xlsx: schema %q has no columns", s.Name)
	}
	if len(s.Columns) > excelize.MaxColumns {
		return fmt.Errorf("xlsx: schema %q has %d columns, more than Excel allows", s.Name, len(s.Columns))
	}
	keys := make(map[string]bool, len(s.Columns))
	headers := make(map[string]string, 2*len(s.Columns))
	for i, c := range s.Columns {
		if c.Key == "" || c.Header == "" {
			return fmt.Errorf("xlsx: schema %q column %d needs both Key and Header", s.Name, i+1)
		}
		if keys[c.Key] {
			return fmt.Errorf("xlsx: schema %q has duplicate key %q", s.Name, c.Key)
		}
		keys[c.Key] = true
		for _, h := range []string{c.Header, c.HeaderEN} {
			n := normalizeHeader(h)
			if n == "" {
				if h != "" {
					return fmt.Errorf("xlsx: schema %q column %q has a blank header", s.Name, c.Key)
				}
				continue
			}
			if other, dup := headers[n]; dup && other != c.Key {
				return fmt.Errorf("xlsx: schema %q: header %q of column %q clashes with column %q", s.Name, h, c.Key, other)
			}
			headers[n] = c.Key
		}
		if c.MaxLen < 0 || c.MaxLen > MaxCellChars {
			return fmt.Errorf("xlsx: schema %q column %q has MaxLen %d outside 0..%d", s.Name, c.Key, c.MaxLen, MaxCellChars)
		}
		if c.Width < 0 || c.Width > 255 {
			return fmt.Errorf("xlsx: schema %q column %q has width %v outside 0..255", s.Name, c.Key, c.Width)
		}
	}
	return nil
}

// Column returns the column with the given key.
func (s Schema) Column(key string) (Column, bool) {
	for _, c := range s.Columns {
		if c.Key == key {
			return c, true
		}
	}
	return Column{}, false
}

// Headers returns the Chinese headers in column order, without the "*"
// marker.
func (s Schema) Headers() []string {
	out := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		out[i] = c.Header
	}
	return out
}

// ColumnLetter returns the Excel letter of the 1-based column number n
// ("A" for 1, "AA" for 27), or "" when n is out of range.
func ColumnLetter(n int) string {
	name, err := excelize.ColumnNumberToName(n)
	if err != nil {
		return ""
	}
	return name
}

// checkSheetName applies Excel's sheet name rules.
func checkSheetName(name string) error {
	if name == "" || strings.TrimSpace(name) != name {
		return fmt.Errorf("xlsx: invalid sheet name %q", name)
	}
	if utf8.RuneCountInString(name) > excelize.MaxSheetNameLength {
		return fmt.Errorf("xlsx: sheet name %q is longer than %d characters", name, excelize.MaxSheetNameLength)
	}
	if strings.ContainsAny(name, `:\/?*[]`) || strings.HasPrefix(name, "'") || strings.HasSuffix(name, "'") {
		return fmt.Errorf("xlsx: sheet name %q contains a character Excel forbids", name)
	}
	return nil
}

// headerText is the header as written into row 1: required columns get a
// leading "*".
func headerText(c Column) string {
	if c.Required {
		return "*" + c.Header
	}
	return c.Header
}

// columnWidth returns the configured width, or one derived from the header
// (CJK characters count double) with a floor that fits typical values.
func columnWidth(c Column) float64 {
	if c.Width > 0 {
		return c.Width
	}
	w := 0.0
	for _, r := range headerText(c) {
		if r > 0x2E80 {
			w += 2.1
		} else {
			w += 1.1
		}
	}
	w += 4
	if w < 12 {
		w = 12
	}
	if w > 60 {
		w = 60
	}
	return w
}

// normalizeHeader is the comparison form of a header: whitespace anywhere
// removed (including full-width and non-breaking spaces and line breaks
// from Alt+Enter), leading "*" markers dropped, full-width parentheses and
// punctuation folded to half-width, and Latin letters lower-cased.
func normalizeHeader(h string) string {
	h = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r), r == '\u200b', r == '\ufeff':
			return -1
		case r == '（':
			return '('
		case r == '）':
			return ')'
		case r == '【':
			return '['
		case r == '】':
			return ']'
		case r == '：':
			return ':'
		case r == '，':
			return ','
		case r == '／':
			return '/'
		case r == '＊':
			return '*'
		}
		return unicode.ToLower(r)
	}, h)
	return strings.TrimLeft(h, "*")
}

// trimCell trims a cell value: ASCII and Unicode spaces, including the
// full-width space and NBSP that pasted text often carries, plus
// zero-width characters.
func trimCell(v string) string {
	return strings.TrimFunc(v, func(r rune) bool {
		return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff'
	})
}
