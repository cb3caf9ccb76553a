package xlsx

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// Layouts of the normalized text that Parse returns for date-formatted cells.
const (
	DateLayout     = "2006-01-02"
	DateTimeLayout = "2006-01-02 15:04:05"
	TimeLayout     = "15:04:05"
)

// maxSerial is the serial number of 9999-12-31, the last date Excel knows.
const maxSerial = 2958465

// dateKind classifies a number format.
type dateKind uint8

const (
	notDate dateKind = iota
	kindDate
	kindTime
	kindDateTime
	kindElapsed // [h]:mm:ss and friends: a duration, not a time of day
)

// builtInDateKind classifies the built-in number formats that show dates or
// times: 14-22 and 45-47 of ECMA-376, plus the East Asian ones (27-36,
// 50-58) that Chinese Excel and WPS write.
func builtInDateKind(id int) dateKind {
	switch {
	case id >= 14 && id <= 17, id >= 27 && id <= 31, id == 36, id >= 50 && id <= 58:
		return kindDate
	case id >= 18 && id <= 21, id >= 32 && id <= 35, id >= 45 && id <= 47:
		return kindTime
	case id == 22:
		return kindDateTime
	}
	return notDate
}

// formatDateKind classifies a custom number format code. Like other xlsx
// readers it looks at the first section only, ignores quoted literals,
// escaped characters, fill/padding directives and bracketed parts (colours,
// locales, conditions; elapsed-time brackets like [h] mark a duration), and
// then looks for date tokens (y, d, e, and m without h/s) and time tokens
// (h, s).
func formatDateKind(code string) dateKind {
	if strings.EqualFold(strings.TrimSpace(code), "general") {
		return notDate
	}
	var date, timeTok, month, elapsed bool
	inQuote := false
	for i := 0; i < len(code); i++ {
		ch := code[i]
		if inQuote {
			if ch == '"' {
				inQuote = false
			}
			continue
		}
		switch ch {
		case '"':
			inQuote = true
		case '\\', '_', '*':
			i++ // the next character is a literal, padding or fill
		case ';':
			i = len(code)
		case '[':
			end := strings.IndexByte(code[i:], ']')
			if end < 0 {
				i = len(code)
				continue
			}
			inner := strings.ToLower(code[i+1 : i+end])
			if inner != "" && strings.Trim(inner, "hms") == "" {
				elapsed = true
			}
			i += end
		case 'y', 'Y', 'd', 'D', 'e', 'E':
			// "E+" / "e-" is scientific notation, not the era year.
			if (ch == 'e' || ch == 'E') && i+1 < len(code) && (code[i+1] == '+' || code[i+1] == '-') {
				continue
			}
			date = true
		case 'h', 'H', 's', 'S':
			timeTok = true
		case 'm', 'M':
			month = true
		}
	}
	switch {
	case elapsed && !date:
		return kindElapsed
	case date && timeTok:
		return kindDateTime
	case date:
		return kindDate
	case timeTok: // "m" next to h or s means minutes
		return kindTime
	case month:
		return kindDate
	}
	return notDate
}

// numberText renders a numeric cell value (as stored in the XML) the way
// a person reads it, never in scientific notation: an integer literal is
// kept digit for digit (so an 18-digit number written by a program survives),
// any other number is rounded to Excel's 15 significant digits and printed
// in plain decimal form ("3.40123199001011E+17" → "340123199001011000",
// "0.30000000000000004" → "0.3").
func numberText(v string) string {
	if isIntegerLiteral(v) {
		v = strings.TrimPrefix(v, "+")
		if strings.Trim(v, "-0") == "" {
			return "0"
		}
		return v
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return v
	}
	f, _ = strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	if f == 0 {
		return "0"
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func isIntegerLiteral(v string) bool {
	if v != "" && (v[0] == '-' || v[0] == '+') {
		v = v[1:]
	}
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}

// serialText renders an Excel serial date number according to kind. ok is
// false when v is not a number in Excel's date range.
func serialText(v string, kind dateKind, date1904 bool) (string, bool) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f > maxSerial {
		return "", false
	}
	if kind == kindElapsed {
		secs := int64(math.Round(f * 86400))
		return fmt.Sprintf("%d:%02d:%02d", secs/3600, secs/60%60, secs%60), true
	}
	t, err := excelize.ExcelDateToTime(f, date1904)
	if err != nil {
		return "", false
	}
	switch kind {
	case kindTime:
		return t.Format(TimeLayout), true
	case kindDateTime:
		return t.Format(DateTimeLayout), true
	}
	return t.Format(DateLayout), true
}

// isoDateText normalizes the ISO 8601 text of a t="d" cell.
func isoDateText(v string) string {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
				return t.Format(DateLayout)
			}
			return t.Format(DateTimeLayout)
		}
	}
	if t, err := time.Parse("15:04:05", v); err == nil {
		return t.Format(TimeLayout)
	}
	return v
}

// ParseDate parses the date text users put into ledgers: the kit's own
// 2006-01-02 and 2006-01-02 15:04:05, and the usual variants with "/" or
// "." separators, unpadded months and days, 2006年1月2日 and 20060102.
// Values are taken as local wall-clock time in loc (time.Local when nil).
func ParseDate(s string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.Local
	}
	// "1" and "2" in a layout also accept zero-padded months and days.
	layouts := [...]string{
		"2006-1-2", "2006/1/2", "2006.1.2", "2006年1月2日", "20060102",
		"2006-1-2 15:04:05", "2006-1-2 15:04", "2006/1/2 15:04:05", "2006/1/2 15:04",
		"2006-1-2T15:04:05", "2006.1.2 15:04:05", "2006.1.2 15:04",
		"2006年1月2日 15:04:05", "2006年1月2日 15:04",
	}
	s = trimCell(s)
	for _, layout := range layouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("xlsx: %q is not a date", s)
}
