package pdfdoc

import (
	"strings"
	"unicode"
)

// tokKind classifies a unit of line breaking.
type tokKind uint8

const (
	tkCJK   tokKind = iota // one CJK character or full-width mark: breakable on both sides
	tkWord                 // a run of Latin letters, digits and ASCII marks: kept whole
	tkSpace                // a run of spaces: a break opportunity, dropped at line ends
)

type token struct {
	s    string
	w    float64
	kind tokKind
}

// line is one laid-out line: its tokens, natural width and whether it
// ends the paragraph (last lines are not justified).
type line struct {
	toks []token
	w    float64
	last bool
}

func (l line) text() string {
	var b strings.Builder
	for _, t := range l.toks {
		b.WriteString(t.s)
	}
	return b.String()
}

// isCJK reports characters that may be broken around on their own.
func isCJK(r rune) bool {
	switch {
	case unicode.Is(unicode.Han, r),
		r >= 0x2E80 && r <= 0x2FFF,            // radicals
		r >= 0x3000 && r <= 0x303F,            // CJK symbols and punctuation: 、。〈〉《》〔〕〇
		r >= 0x3040 && r <= 0x31FF,            // kana, bopomofo
		r >= 0xAC00 && r <= 0xD7AF,            // hangul
		r >= 0xFF00 && r <= 0xFFEF,            // full-width forms: ，（）：；
		r >= 0x2460 && r <= 0x24FF,            // ①②
		r >= 0x25A0 && r <= 0x25FF,            // □○
		r >= 0x2010 && r <= 0x206F,            // “”‘’—…
		r == 0x00B7, r == 0x2103, r == 0x2116: // · ℃ №
		return true
	}
	return false
}

// noStart holds marks that may not begin a line (行首禁则).
func noStart(s string) bool {
	return len(s) > 0 && strings.Contains("，。、；：？！）》」』〕】〗｝］”’…—·％‰℃,.;:?!)]}%", s) && len([]rune(s)) == 1
}

// noEnd holds marks that may not end a line (行尾禁则).
func noEnd(s string) bool {
	return len(s) > 0 && strings.Contains("（《「『〔【〖｛［“‘([{", s) && len([]rune(s)) == 1
}

// tokenize splits text into breaking units, measuring them with width.
// Control characters are dropped and tabs become spaces.
func tokenize(text string, width func(rune) float64) []token {
	var toks []token
	var word []rune
	var ww float64
	flush := func() {
		if len(word) > 0 {
			toks = append(toks, token{s: string(word), w: ww, kind: tkWord})
			word, ww = word[:0], 0
		}
	}
	for _, r := range text {
		switch {
		case r == ' ' || r == '\t' || r == '\u00a0':
			flush()
			w := width(' ')
			if n := len(toks); n > 0 && toks[n-1].kind == tkSpace {
				continue // collapse runs of spaces
			}
			toks = append(toks, token{s: " ", w: w, kind: tkSpace})
		case unicode.IsControl(r):
			continue
		case isCJK(r):
			flush()
			toks = append(toks, token{s: string(r), w: width(r), kind: tkCJK})
		default:
			word = append(word, r)
			ww += width(r)
		}
	}
	flush()
	return toks
}

// splitLong breaks words wider than max into pieces that fit, so that a
// long URL or number cannot run off the page.
func splitLong(toks []token, max float64, width func(rune) float64) []token {
	out := toks[:0:0]
	for _, t := range toks {
		if t.kind != tkWord || t.w <= max {
			out = append(out, t)
			continue
		}
		var piece []rune
		var pw float64
		for _, r := range t.s {
			w := width(r)
			if pw+w > max && len(piece) > 0 {
				out = append(out, token{s: string(piece), w: pw, kind: tkCJK})
				piece, pw = nil, 0
			}
			piece = append(piece, r)
			pw += w
		}
		if len(piece) > 0 {
			out = append(out, token{s: string(piece), w: pw, kind: tkCJK})
		}
	}
	return out
}

// maxCarry is how many tokens the line-breaking rules may carry over to
// the next line.
const maxCarry = 3

// wrap breaks tokens into lines no wider than max; the first line is
// shorter by indent. It applies the basic Chinese line-breaking rules:
// closing marks are not left at the start of a line and opening marks not
// at the end, by carrying the neighbouring character to the next line.
func wrap(toks []token, max, indent float64, width func(rune) float64) []line {
	toks = splitLong(toks, max-indent, width)
	var lines []line
	var cur []token
	var curW float64
	avail := max - indent
	push := func(rest []token) {
		cur = trimSpaces(cur)
		lines = append(lines, line{toks: cur, w: sumW(cur)})
		cur = append([]token(nil), rest...)
		curW = sumW(cur)
		avail = max
	}
	for _, t := range toks {
		if t.kind == tkSpace && len(cur) == 0 {
			continue
		}
		if t.kind == tkSpace || curW+t.w <= avail+0.01 || len(cur) == 0 {
			cur = append(cur, t)
			curW += t.w
			continue
		}
		// t does not fit: break before it, carrying characters over so that
		// neither line edge breaks the rules.
		cut := len(cur)
		if noStart(t.s) {
			for cut > 1 && cur[cut-1].kind != tkSpace {
				cut--
				if !noStart(cur[cut].s) {
					break
				}
			}
		}
		for cut > 1 && noEnd(cur[cut-1].s) {
			cut--
		}
		if len(cur)-cut > maxCarry {
			// A long run of marks: break the rule rather than leave a
			// half-empty line.
			cut = len(cur)
		}
		rest := append(append([]token(nil), cur[cut:]...), t)
		cur = cur[:cut]
		push(rest)
	}
	if len(trimSpaces(cur)) > 0 || len(lines) == 0 {
		push(nil)
	}
	lines[len(lines)-1].last = true
	return lines
}

func trimSpaces(ts []token) []token {
	for len(ts) > 0 && ts[0].kind == tkSpace {
		ts = ts[1:]
	}
	for len(ts) > 0 && ts[len(ts)-1].kind == tkSpace {
		ts = ts[:len(ts)-1]
	}
	return ts
}

func sumW(ts []token) float64 {
	var w float64
	for _, t := range ts {
		w += t.w
	}
	return w
}
