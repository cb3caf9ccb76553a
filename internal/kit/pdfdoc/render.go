package pdfdoc

import (
	_ "embed"
	"fmt"
	"io"
	"strings"

	"github.com/signintech/gopdf"
)

// fontTTF is AR PL SungtiL GB (Arphic Public License, fonts/LICENSE-arphic.txt).
//
//go:embed fonts/gbsn00lp.ttf
var fontTTF []byte

const family = "song"

// Page geometry in points, A4 portrait, margins after GB/T 9704.
const (
	mm     = 72.0 / 25.4
	pageW  = 210 * mm
	pageH  = 297 * mm
	left   = 28 * mm
	right  = pageW - 26*mm
	top    = 37 * mm
	bottom = pageH - 35*mm
	textW  = right - left
)

// Type sizes (points) and line pitches.
const (
	bodySize   = 16.0 // 三号
	bodyLead   = 29.0 // 22 lines in the 225 mm type area
	titleSize  = 22.0 // 二号
	titleLead  = 34.0
	fieldSize  = 14.0 // 四号
	fieldLead  = 21.0
	tableSize  = 12.0 // 小四
	tableLead  = 17.0
	footerSize = 10.5 // 五号
	footerLead = 15.0
	pageNoSize = 14.0 // 四号
	cellPadX   = 5.0
	cellPadY   = 4.0
	ruleWidth  = 0.6
	ascent     = 0.86 // baseline position within the em box of CJK glyphs
)

// Renderer renders documents with the embedded font, which it parses once.
// It is safe for concurrent use: each Render builds its own PDF and shares
// only the parsed font tables, which are read-only.
type Renderer struct {
	fonts *gopdf.FontContainer
}

// NewRenderer parses the embedded font.
func NewRenderer() (*Renderer, error) {
	fc := &gopdf.FontContainer{}
	opt := gopdf.TtfOption{
		OnGlyphNotFoundSubstitute: substitute,
	}
	if err := fc.AddTTFFontDataWithOption(family, fontTTF, opt); err != nil {
		return nil, fmt.Errorf("pdfdoc: load font: %w", err)
	}
	return &Renderer{fonts: fc}, nil
}

// substitute picks the glyph printed for a character the font lacks. The
// font covers GB 2312 only: the ideographic zero 〇 (U+3007, used in
// dates) is printed as the white circle ○ (U+25CB), as GB 2312 documents
// always did; anything else prints as a visible box instead of a blank.
func substitute(r rune) rune {
	if r == '〇' {
		return '○'
	}
	return '□'
}

// Render writes d as PDF to w, parsing the font for this one call. Use a
// Renderer to print many documents.
func Render(w io.Writer, d Doc) error {
	r, err := NewRenderer()
	if err != nil {
		return err
	}
	return r.Render(w, d)
}

// Render writes d as PDF to w.
func (r *Renderer) Render(w io.Writer, d Doc) error {
	gp := &gopdf.GoPdf{}
	gp.Start(gopdf.Config{Unit: gopdf.UnitPT, PageSize: gopdf.Rect{W: pageW, H: pageH}})
	gp.SetInfo(gopdf.PdfInfo{Title: d.Title, Author: d.Issuer, Creator: "Yingji"})
	if err := gp.AddTTFFontFromFontContainer(family, r.fonts); err != nil {
		return fmt.Errorf("pdfdoc: add font: %w", err)
	}
	l := &layout{gp: gp, widths: map[wkey]float64{}}
	l.newPage()
	l.head(d)
	for i, b := range d.Blocks {
		switch b := deref(b).(type) {
		case Paragraph:
			ind := 0.0
			if b.Indent {
				ind = 2
			}
			l.paragraph(b.Text, bodySize, bodyLead, ind, alignJustify, false)
		case Heading:
			// Keep the heading with the start of what follows.
			if i+1 < len(d.Blocks) {
				h := 0.0
				for _, p := range l.lines(b.Text, bodySize, textW, 2*bodySize) {
					h += float64(len(p)) * bodyLead
				}
				l.ensure(min(h+l.keepHeight(d.Blocks[i+1]), bottom-top))
			}
			if b.Center {
				l.paragraph(b.Text, bodySize, bodyLead, 0, alignCenter, true)
			} else {
				l.paragraph(b.Text, bodySize, bodyLead, 2, alignLeft, true)
			}
		case Fields:
			l.grid(l.fieldsPlan(b))
		case Table:
			l.grid(l.tablePlan(b))
		case Signature:
			l.signature(b)
		case Spacer:
			n := b.Lines
			if n <= 0 {
				n = 1
			}
			l.space(n * bodyLead)
		case PageBreak:
			if l.y > top {
				l.newPage()
			}
		case nil:
			// A nil pointer block prints nothing.
		default:
			l.fail(fmt.Errorf("block %d: unsupported type %T", i, b))
		}
	}
	l.footer(d.Footer)
	if l.err != nil {
		return fmt.Errorf("pdfdoc: render %q: %w", d.Title, l.err)
	}
	if _, err := gp.WriteTo(w); err != nil {
		return fmt.Errorf("pdfdoc: write %q: %w", d.Title, err)
	}
	return nil
}

// deref turns pointer blocks into values; a nil pointer becomes nil.
func deref(b Block) Block {
	switch p := b.(type) {
	case *Paragraph:
		if p != nil {
			return *p
		}
	case *Heading:
		if p != nil {
			return *p
		}
	case *Fields:
		if p != nil {
			return *p
		}
	case *Table:
		if p != nil {
			return *p
		}
	case *Signature:
		if p != nil {
			return *p
		}
	case *Spacer:
		if p != nil {
			return *p
		}
	case *PageBreak:
		if p != nil {
			return *p
		}
	default:
		return b
	}
	return nil
}

type align uint8

const (
	alignLeft align = iota
	alignJustify
	alignCenter
	alignRight
)

type wkey struct {
	r    rune
	size float64
}

// layout is the state of one Render call. Drawing errors are sticky: the
// first one is kept in err and later calls do nothing.
type layout struct {
	gp     *gopdf.GoPdf
	y      float64 // top of the next line box
	page   int
	size   float64 // current font size
	widths map[wkey]float64
	err    error
}

func (l *layout) fail(err error) {
	if l.err == nil {
		l.err = err
	}
}

func (l *layout) setSize(size float64) {
	if l.err != nil || size == l.size {
		return
	}
	if err := l.gp.SetFont(family, "", size); err != nil {
		l.fail(fmt.Errorf("set font: %w", err))
		return
	}
	l.size = size
}

// width returns the glyph advance function for a type size.
func (l *layout) width(size float64) func(rune) float64 {
	return func(r rune) float64 {
		k := wkey{r, size}
		if w, ok := l.widths[k]; ok {
			return w
		}
		l.setSize(size)
		if l.err != nil {
			return size
		}
		w, err := l.gp.MeasureTextWidth(string(r))
		if err != nil {
			l.fail(fmt.Errorf("measure %q: %w", r, err))
			return size
		}
		l.widths[k] = w
		return w
	}
}

func (l *layout) measure(s string, size float64) float64 {
	wf := l.width(size)
	var w float64
	for _, r := range s {
		w += wf(r)
	}
	return w
}

func (l *layout) newPage() {
	if l.err != nil {
		return
	}
	l.gp.AddPage()
	l.page++
	l.y = top
	// Page number: "— 1 —" centred, 7 mm below the type area.
	s := fmt.Sprintf("— %d —", l.page)
	w := l.measure(s, pageNoSize)
	l.text(left+(textW-w)/2, bottom+7*mm+ascent*pageNoSize, s, pageNoSize, false)
}

// ensure starts a new page unless h more points fit on this one or it is
// still empty.
func (l *layout) ensure(h float64) {
	if l.y+h > bottom+0.01 && l.y > top {
		l.newPage()
	}
}

func (l *layout) space(h float64) {
	l.y += h
	if l.y >= bottom {
		l.newPage()
	}
}

// text draws s with its baseline at y. Bold is simulated by drawing the
// text twice with a small horizontal offset.
func (l *layout) text(x, y float64, s string, size float64, bold bool) {
	if s == "" {
		return
	}
	l.setSize(size)
	if l.err != nil {
		return
	}
	l.gp.SetXY(x, y)
	if err := l.gp.Text(s); err != nil {
		l.fail(fmt.Errorf("draw text: %w", err))
		return
	}
	if bold {
		l.gp.SetXY(x+size*0.03, y)
		if err := l.gp.Text(s); err != nil {
			l.fail(fmt.Errorf("draw text: %w", err))
		}
	}
}

// baseline is the baseline of a line box of height lead starting at top.
func baseline(boxTop, lead, size float64) float64 {
	return boxTop + (lead-size)/2 + ascent*size
}

// drawLine draws one wrapped line into the span [x, x+avail).
func (l *layout) drawLine(ln line, x, avail, y, size float64, a align, bold bool) {
	switch a {
	case alignCenter:
		l.text(x+(avail-ln.w)/2, y, ln.text(), size, bold)
	case alignRight:
		l.text(x+avail-ln.w, y, ln.text(), size, bold)
	case alignJustify:
		n := len(ln.toks)
		extra := avail - ln.w
		if ln.last || n < 2 || extra <= 0.05 || extra/float64(n-1) > size/4 {
			l.text(x, y, ln.text(), size, bold)
			return
		}
		gap := extra / float64(n-1)
		for _, t := range ln.toks {
			if t.kind != tkSpace {
				l.text(x, y, t.s, size, bold)
			}
			x += t.w + gap
		}
	default:
		l.text(x, y, ln.text(), size, bold)
	}
}

// lines wraps text (each "\n" starts a new paragraph) into lines of at
// most w points; the first line of each paragraph is indented by indent
// points.
func (l *layout) lines(text string, size, w, indent float64) [][]line {
	wf := l.width(size)
	var out [][]line
	for _, p := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		out = append(out, wrap(tokenize(p, wf), w, indent, wf))
	}
	return out
}

// paragraph lays out text across the full type width with page breaks
// between lines. indent is in characters.
func (l *layout) paragraph(text string, size, lead, indent float64, a align, bold bool) {
	for _, para := range l.lines(text, size, textW, indent*size) {
		for i, ln := range para {
			l.ensure(lead)
			x, avail := left, textW
			if i == 0 && a != alignCenter {
				x += indent * size
				avail -= indent * size
			}
			l.drawLine(ln, x, avail, baseline(l.y, lead, size), size, a, bold)
			l.y += lead
		}
	}
}

// head prints the issuer, title and number.
func (l *layout) head(d Doc) {
	if d.Issuer != "" {
		if d.RedHeader {
			// Red header: as large as fits on one line, at most 36 pt.
			size := 36.0
			if w := l.measure(d.Issuer, size); w > textW {
				size = size * textW / w
			}
			lead := size * 1.5
			l.gp.SetTextColor(210, 0, 0)
			l.paragraph(d.Issuer, size, lead, 0, alignCenter, true)
			l.gp.SetTextColor(0, 0, 0)
			l.y += 3 * mm
			l.gp.SetStrokeColor(210, 0, 0)
			l.gp.SetLineWidth(1.5)
			l.gp.Line(left, l.y, right, l.y)
			l.gp.SetStrokeColor(0, 0, 0)
			l.y += 10 * mm
		} else {
			l.paragraph(d.Issuer, titleSize, titleLead, 0, alignCenter, true)
		}
	}
	if d.Title != "" {
		l.paragraph(d.Title, titleSize, titleLead, 0, alignCenter, true)
	}
	if d.Number != "" {
		l.paragraph(d.Number, bodySize, bodyLead, 0, alignCenter, false)
	}
	if d.Issuer != "" || d.Title != "" || d.Number != "" {
		l.y += bodyLead / 2
	}
}

// cell is one table cell's wrapped lines and alignment.
type cell struct {
	lines []line
	a     align
}

func (l *layout) cell(text string, w, size float64, a align) cell {
	var c cell
	for _, p := range l.lines(text, size, w-2*cellPadX, 0) {
		c.lines = append(c.lines, p...)
	}
	c.a = a
	return c
}

// grid draws bordered rows. cols are the column widths in points. header,
// when not nil, is drawn first and again after every page break.
type grid struct {
	cols   []float64
	size   float64
	lead   float64
	header []cell
}

// row draws one row, moving it to the next page when it does not fit and
// splitting it across pages when it is taller than a page.
func (l *layout) row(g grid, cells []cell, bold bool) {
	start := make([]int, len(cells))
	for l.err == nil {
		remaining := 0
		for i, c := range cells {
			remaining = max(remaining, len(c.lines)-start[i])
		}
		need := float64(remaining)*g.lead + 2*cellPadY
		avail := bottom - l.y
		if need <= avail+0.01 {
			l.chunk(g, cells, start, remaining, true, bold)
			return
		}
		fresh := bottom - top - l.rowHeight(g, g.header)
		if need <= fresh || avail < g.lead+2*cellPadY {
			l.newPage()
			if g.header != nil {
				l.chunk(g, g.header, make([]int, len(g.header)), maxLines(g.header), true, true)
			}
			if need <= fresh {
				continue
			}
			avail = bottom - l.y
		}
		k := max(1, int((avail-2*cellPadY)/g.lead))
		l.chunk(g, cells, start, k, false, bold)
		for i := range start {
			start[i] = min(start[i]+k, len(cells[i].lines))
		}
		l.newPage()
		if g.header != nil {
			l.chunk(g, g.header, make([]int, len(g.header)), maxLines(g.header), true, true)
		}
	}
}

func maxLines(cells []cell) int {
	n := 0
	for _, c := range cells {
		n = max(n, len(c.lines))
	}
	return n
}

func (l *layout) rowHeight(g grid, cells []cell) float64 {
	if cells == nil {
		return 0
	}
	return float64(maxLines(cells))*g.lead + 2*cellPadY
}

// chunk draws k lines of each cell from start, with borders. whole says
// the chunk is the whole row, whose cells are then centred vertically.
func (l *layout) chunk(g grid, cells []cell, start []int, k int, whole, bold bool) {
	if l.err != nil {
		return
	}
	h := float64(k)*g.lead + 2*cellPadY
	x := left
	l.gp.SetLineWidth(ruleWidth)
	for i, c := range cells {
		w := g.cols[i]
		l.gp.RectFromUpperLeftWithStyle(x, l.y, w, h, "D")
		end := min(start[i]+k, len(c.lines))
		y := l.y + cellPadY
		if whole {
			y += float64(k-(end-start[i])) * g.lead / 2
		}
		for _, ln := range c.lines[start[i]:end] {
			l.drawLine(ln, x+cellPadX, w-2*cellPadX, baseline(y, g.lead, g.size), g.size, c.a, bold)
			y += g.lead
		}
		x += w
	}
	l.y += h
}

// plan is a Fields or Table block ready to draw: its grid and a function
// wrapping a row into cells.
type plan struct {
	g     grid
	rows  int
	cells func(i int) []cell
}

func (l *layout) fieldsPlan(f Fields) plan {
	lw := f.LabelWidth
	if lw <= 0 || lw >= 1 {
		lw = 0.25
	}
	g := grid{cols: []float64{textW * lw, textW * (1 - lw)}, size: fieldSize, lead: fieldLead}
	return plan{g: g, rows: len(f.Rows), cells: func(i int) []cell {
		return []cell{
			l.cell(f.Rows[i].Label, g.cols[0], g.size, alignCenter),
			l.cell(f.Rows[i].Value, g.cols[1], g.size, alignLeft),
		}
	}}
}

func (l *layout) tablePlan(t Table) plan {
	n := len(t.Header)
	for _, r := range t.Rows {
		n = max(n, len(r))
	}
	if n == 0 {
		return plan{}
	}
	ws := t.Widths
	if len(ws) != n {
		ws = nil
	}
	var sum float64
	for _, w := range ws {
		if w <= 0 {
			ws = nil
			break
		}
		sum += w
	}
	g := grid{size: tableSize, lead: tableLead}
	for i := range n {
		if ws == nil {
			g.cols = append(g.cols, textW/float64(n))
		} else {
			g.cols = append(g.cols, textW*ws[i]/sum)
		}
	}
	if len(t.Header) > 0 {
		for i := range n {
			h := ""
			if i < len(t.Header) {
				h = t.Header[i]
			}
			g.header = append(g.header, l.cell(h, g.cols[i], g.size, alignCenter))
		}
	}
	return plan{g: g, rows: len(t.Rows), cells: func(j int) []cell {
		cells := make([]cell, n)
		for i := range n {
			v := ""
			if i < len(t.Rows[j]) {
				v = t.Rows[j][i]
			}
			cells[i] = l.cell(v, g.cols[i], g.size, alignLeft)
		}
		return cells
	}}
}

// startHeight is the height of the header and first row (or its first
// line, when the row is taller than a page): what must stay together.
func (l *layout) startHeight(p plan) float64 {
	hh := l.rowHeight(p.g, p.g.header)
	if p.rows == 0 {
		return hh
	}
	h := l.rowHeight(p.g, p.cells(0))
	if h > bottom-top-hh {
		h = p.g.lead + 2*cellPadY
	}
	return hh + h
}

// grid draws a Fields or Table plan.
func (l *layout) grid(p plan) {
	if p.g.cols == nil {
		return
	}
	l.y += bodyLead / 4
	l.ensure(l.startHeight(p))
	if p.g.header != nil {
		l.chunk(p.g, p.g.header, make([]int, len(p.g.header)), maxLines(p.g.header), true, true)
	}
	for i := range p.rows {
		l.row(p.g, p.cells(i), false)
	}
	l.y += bodyLead / 2
}

// keepHeight is how much of block b must follow a heading on its page.
func (l *layout) keepHeight(b Block) float64 {
	switch b := deref(b).(type) {
	case Paragraph:
		return 2 * bodyLead
	case Heading:
		return 2 * bodyLead
	case Fields:
		return bodyLead/4 + l.startHeight(l.fieldsPlan(b))
	case Table:
		return bodyLead/4 + l.startHeight(l.tablePlan(b))
	case Signature:
		return 3 * bodyLead
	}
	return 0
}

// signature prints the unit centred over the date, the date four
// characters from the right margin (GB/T 9704: 右空四字).
func (l *layout) signature(s Signature) {
	date := s.DateText
	if date == "" && !s.Date.IsZero() {
		date = ChineseDate(s.Date)
	}
	n := 1.0 // a blank line before, room for the seal
	if s.Unit != "" {
		n++
	}
	if date != "" {
		n++
	}
	l.ensure(n * bodyLead)
	l.y += bodyLead
	dw := l.measure(date, bodySize)
	dx := right - 4*bodySize - dw
	center := dx + dw/2
	if date == "" {
		center = right - 4*bodySize - l.measure(s.Unit, bodySize)/2
	}
	if s.Unit != "" {
		uw := l.measure(s.Unit, bodySize)
		ux := min(center-uw/2, right-uw)
		ux = max(ux, left)
		l.text(ux, baseline(l.y, bodyLead, bodySize), s.Unit, bodySize, false)
		l.y += bodyLead
	}
	if date != "" {
		l.text(max(dx, left), baseline(l.y, bodyLead, bodySize), date, bodySize, false)
		l.y += bodyLead
	}
}

// footer prints the note at the bottom of the last page under a thin rule.
func (l *layout) footer(text string) {
	if strings.TrimSpace(text) == "" {
		return
	}
	var lines []line
	for _, p := range l.lines(text, footerSize, textW, 0) {
		lines = append(lines, p...)
	}
	h := float64(len(lines))*footerLead + 3*mm
	if l.y+h > bottom {
		l.newPage()
	}
	y := bottom - h
	l.gp.SetLineWidth(ruleWidth)
	l.gp.Line(left, y, right, y)
	y += 3 * mm
	for _, ln := range lines {
		l.drawLine(ln, left, textW, baseline(y, footerLead, footerSize), footerSize, alignJustify, false)
		y += footerLead
	}
}
