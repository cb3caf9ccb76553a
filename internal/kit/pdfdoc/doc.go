// Package pdfdoc prints official documents (执法文书, 督办函, licences) as A4
// PDF files with an embedded Chinese font.
//
// It is a small document model, not a layout engine: a Doc has a header
// (issuer, title, document number) and a list of blocks — paragraphs,
// headings, bordered label/value tables, data tables, a signature block and
// spacers — laid out top to bottom with automatic page breaks. Page margins
// follow GB/T 9704 approximately (top 37 mm, left 28 mm, right 26 mm,
// bottom 35 mm) and every page carries its number as "— 1 —" centred below
// the type area.
//
// The font is AR PL SungtiL GB (Arphic Public License, see
// fonts/LICENSE-arphic.txt). It covers GB 2312: the ideographic zero 〇
// prints as ○ (so text copied from the PDF has ○) and other characters
// outside GB 2312 print as "□".
package pdfdoc

import (
	"strconv"
	"strings"
	"time"
)

// Doc is one official document.
type Doc struct {
	// Issuer is the issuing authority, e.g. "示例县应急管理局". With
	// RedHeader it is printed as a red header (红头) over a red rule;
	// otherwise in black above the title.
	Issuer    string
	RedHeader bool
	// Title is the document title, e.g. "责令限期整改指令书".
	Title string
	// Number is the document number, e.g. "（示）应急责改〔2022〕5号",
	// printed centred under the title.
	Number string
	Blocks []Block
	// Footer is an optional note printed in small type at the bottom of the
	// last page, e.g. "本文书一式两份…".
	Footer string
}

// Block is one element of the document body: Paragraph, Heading, Fields,
// Table, Signature, Spacer or PageBreak.
type Block interface{ block() }

// Paragraph is body text that wraps at the right margin. Lines may break
// between any two CJK characters; Latin words and numbers are kept whole,
// and punctuation that may not start (or end) a line is kept with its
// neighbour. Full lines are justified. A newline in Text starts a new
// paragraph with the same settings.
type Paragraph struct {
	Text string
	// Indent indents the first line by two characters (首行缩进).
	Indent bool
}

// Heading is a one-line (wrapping if long) section heading in bold-looking
// body type, e.g. "一、检查发现的问题".
type Heading struct {
	Text string
	// Center centres the heading; otherwise it is indented two characters
	// like the body text.
	Center bool
}

// Field is one label/value row of a Fields block.
type Field struct {
	Label string
	Value string
}

// Fields is a bordered two-column table of labels and values, e.g. the
// "被检查单位 / 地址 / 法定代表人" part of an enforcement document. Values
// wrap inside their cell.
type Fields struct {
	Rows []Field
	// LabelWidth is the label column's share of the type area width
	// (0 < LabelWidth < 1); zero means 0.25.
	LabelWidth float64
}

// Table is a bordered data table with a header row that is repeated on
// every page the table spans. Cells wrap.
type Table struct {
	Header []string
	// Widths are the columns' shares of the type area width; they are
	// normalised to sum to 1. Nil or a length that does not match the
	// number of columns means equal widths.
	Widths []float64
	Rows   [][]string
}

// Signature is the right-aligned signing block: the unit's name centred
// above the date, in the official Chinese form (二〇二二年六月九日).
type Signature struct {
	Unit string
	// Date is printed with ChineseDate; DateText, when set, is printed
	// instead. With both zero no date line is printed.
	Date     time.Time
	DateText string
}

// Spacer is vertical white space.
type Spacer struct {
	// Lines is the height in body lines; zero means one line.
	Lines float64
}

// PageBreak starts a new page.
type PageBreak struct{}

func (Paragraph) block() {}
func (Heading) block()   {}
func (Fields) block()    {}
func (Table) block()     {}
func (Signature) block() {}
func (Spacer) block()    {}
func (PageBreak) block() {}

// ChineseDate writes a date the way official documents do: the year digit by
// digit with 〇 for zero, month and day as numbers in words, e.g.
// 2022-06-09 → 二〇二二年六月九日, 2022-10-31 → 二〇二二年十月三十一日. The
// date is taken in t's own location.
func ChineseDate(t time.Time) string {
	const digits = "〇一二三四五六七八九"
	d := []rune(digits)
	y, m, day := t.Date()
	var b strings.Builder
	for _, c := range strconv.Itoa(y) {
		if c >= '0' && c <= '9' {
			b.WriteRune(d[c-'0'])
		} else {
			b.WriteRune(c)
		}
	}
	b.WriteString("年")
	b.WriteString(chineseNumber(int(m), d))
	b.WriteString("月")
	b.WriteString(chineseNumber(day, d))
	b.WriteString("日")
	return b.String()
}

// chineseNumber writes 1..99 in words: 九, 十, 十一, 二十, 三十一.
func chineseNumber(n int, d []rune) string {
	switch {
	case n < 10:
		return string(d[n])
	case n == 10:
		return "十"
	case n < 20:
		return "十" + string(d[n-10])
	case n%10 == 0:
		return string(d[n/10]) + "十"
	default:
		return string(d[n/10]) + "十" + string(d[n%10])
	}
}
