package xlsx

// Why this file exists: excelize's Rows().Columns() returns either raw cell
// values or values rendered through the cell's number format, but never the
// cell's type or style. Rendering is both lossy (numbers with more than 15
// significant digits come back as "3.40123199001011E+17") and slow for date
// cells (about 55µs per cell in v2.11.1, over 9s for 130,000 dates), while
// raw values cannot tell a date from a number. So Parse reads raw values with
// Rows() and runs this small scanner over the same worksheet XML in lockstep
// to learn each cell's type (t) and style (s) attributes; the style's number
// format then decides whether a number is a date.

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// cellMeta is what the scanner learns about one cell.
type cellMeta struct {
	col   int    // 1-based column number
	style int    // index into cellXfs (0 = default)
	typ   string // the t attribute: "" or "n" number, "s", "str", "inlineStr", "b", "e", "d"
}

// sheetScanner reads <row> and <c> start tags of a worksheet part.
type sheetScanner struct {
	rc      io.ReadCloser
	br      *bufio.Reader
	done    bool
	row     int        // number of the pending row (0 = none read yet)
	pending bool       // cells holds the pending row
	cells   []cellMeta // cells of the pending row
	inRow   bool
	lastCol int
	started bool // inside <sheetData>
	attrBuf []byte
	nameBuf []byte
	run     int // bytes of character data since the last <c> start tag
}

// openSheetPart finds the worksheet part of the named sheet in the package
// and opens a scanner on it.
func openSheetPart(zr *zip.Reader, sheet string) (*sheetScanner, error) {
	files := make(map[string]*zip.File, len(zr.File))
	lower := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		name := strings.TrimPrefix(strings.ReplaceAll(f.Name, `\`, "/"), "/")
		files[name] = f
		lower[strings.ToLower(name)] = f
	}
	lookup := func(name string) *zip.File {
		if f, ok := files[name]; ok {
			return f
		}
		return lower[strings.ToLower(name)]
	}
	wbPath := "xl/workbook.xml"
	if rels, err := readRels(lookup("_rels/.rels")); err == nil {
		for _, r := range rels {
			if strings.HasSuffix(r.Type, "/officeDocument") {
				wbPath = resolveTarget("", r.Target)
				break
			}
		}
	}
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := readXML(lookup(wbPath), &wb); err != nil {
		return nil, fmt.Errorf("read workbook: %w", err)
	}
	rid := ""
	for _, s := range wb.Sheets {
		if strings.EqualFold(s.Name, sheet) {
			rid = s.RID
			break
		}
	}
	dir, base := path.Split(wbPath)
	rels, err := readRels(lookup(dir + "_rels/" + base + ".rels"))
	if err != nil {
		return nil, fmt.Errorf("read workbook relationships: %w", err)
	}
	for _, r := range rels {
		if r.ID == rid && rid != "" {
			part := lookup(resolveTarget(dir, r.Target))
			if part == nil {
				return nil, fmt.Errorf("worksheet part %q not found", r.Target)
			}
			rc, err := part.Open()
			if err != nil {
				return nil, fmt.Errorf("open worksheet part: %w", err)
			}
			return &sheetScanner{rc: rc, br: bufio.NewReaderSize(rc, 64<<10)}, nil
		}
	}
	return nil, fmt.Errorf("worksheet %q not found in workbook relationships", sheet)
}

type relationship struct {
	ID     string `xml:"Id,attr"`
	Type   string `xml:"Type,attr"`
	Target string `xml:"Target,attr"`
}

func readRels(f *zip.File) ([]relationship, error) {
	var rels struct {
		Rel []relationship `xml:"Relationship"`
	}
	err := readXML(f, &rels)
	return rels.Rel, err
}

// readXML decodes a small package part.
func readXML(f *zip.File, v any) error {
	if f == nil {
		return errors.New("part missing")
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer func() { _ = rc.Close() }()
	dec := xml.NewDecoder(io.LimitReader(rc, 64<<20))
	dec.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) { return in, nil }
	return dec.Decode(v)
}

// resolveTarget resolves a relationship target against the source part's
// directory; absolute targets start at the package root.
func resolveTarget(dir, target string) string {
	target = strings.ReplaceAll(target, `\`, "/")
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(path.Clean(target), "/")
	}
	return strings.TrimPrefix(path.Clean(dir+target), "/")
}

// Close releases the worksheet part.
func (sc *sheetScanner) Close() error {
	if sc == nil || sc.rc == nil {
		return nil
	}
	err := sc.rc.Close()
	sc.rc = nil
	return err
}

// rowMeta returns the cells of row n; rows must be asked for in increasing
// order. A row absent from the XML has no cells.
func (sc *sheetScanner) rowMeta(n int) ([]cellMeta, error) {
	for !sc.done && (!sc.pending || sc.row < n) {
		if err := sc.nextRow(); err != nil {
			return nil, err
		}
	}
	if sc.pending && sc.row == n {
		return sc.cells, nil
	}
	return nil, nil
}

// nextRow reads the next <row> with all its <c> start tags.
func (sc *sheetScanner) nextRow() error {
	sc.pending = false
	sc.cells = sc.cells[:0]
	for {
		name, closing, err := sc.nextTag()
		if err == io.EOF {
			sc.done = true
			sc.pending = sc.inRow
			sc.inRow = false
			return nil
		}
		if err != nil {
			return err
		}
		switch {
		case !sc.started:
			if !closing && name == "sheetData" {
				sc.started = true
			}
		case closing && name == "sheetData":
			sc.done = true
			sc.pending = sc.inRow
			sc.inRow = false
			return nil
		case closing && name == "row":
			sc.inRow = false
			sc.pending = true
			return nil
		case !closing && name == "row":
			// A <row> inside an unterminated row only occurs in malformed
			// parts; the new row simply replaces it.
			r := 0
			sc.eachAttr(func(key, val []byte) {
				if string(key) == "r" {
					r = atoiBytes(val)
				}
			})
			if r <= 0 {
				r = sc.row + 1
			}
			sc.row, sc.inRow, sc.lastCol = r, true, 0
			sc.cells = sc.cells[:0]
			if sc.selfClosing() {
				sc.inRow = false
				sc.pending = true
				return nil
			}
		case !closing && name == "c" && sc.inRow:
			m := cellMeta{col: sc.lastCol + 1}
			sc.eachAttr(func(key, val []byte) {
				switch string(key) {
				case "r":
					if c := refColumn(val); c > 0 {
						m.col = c
					}
				case "s":
					m.style = atoiBytes(val)
				case "t":
					m.typ = cellType(val)
				}
			})
			sc.lastCol = m.col
			sc.cells = append(sc.cells, m)
		}
	}
}

// cellType maps the t attribute to a constant string (no allocation).
func cellType(v []byte) string {
	switch string(v) {
	case "", "n":
		return ""
	case "s":
		return "s"
	case "str":
		return "str"
	case "inlineStr":
		return "inlineStr"
	case "b":
		return "b"
	case "e":
		return "e"
	case "d":
		return "d"
	}
	return "other"
}

// atoiBytes parses a non-negative decimal number (0 on anything else).
func atoiBytes(v []byte) int {
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' || n > 1<<30 {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// nextTag advances to the next element tag and returns its local name.
// The raw attribute text of a start tag is kept in attrBuf.
func (sc *sheetScanner) nextTag() (name string, closing bool, err error) {
	for {
		closing = false
		n, err := sc.skipTo('<')
		if err != nil {
			return "", false, err
		}
		// Text of one cell (its <v>, or the runs of an inline string) must
		// not exceed what any cell may hold: refuse it before excelize
		// decodes the row as one token.
		if sc.run += n - 1; sc.run > maxCellBytes {
			return "", false, &FileError{Msg: fmt.Sprintf(msgCellTooLong, MaxCellChars)}
		}
		b, err := sc.br.ReadByte()
		if err != nil {
			return "", false, err
		}
		switch b {
		case '?':
			if _, err := sc.skipPast("?>"); err != nil {
				return "", false, err
			}
			continue
		case '!':
			next, _ := sc.br.Peek(2)
			var skipped int
			if string(next) == "--" {
				skipped, err = sc.skipPast("-->")
			} else if p, _ := sc.br.Peek(7); string(p) == "[CDATA[" {
				skipped, err = sc.skipPast("]]>")
			} else {
				skipped, err = sc.skipPast(">")
			}
			if sc.run += skipped; err == nil && sc.run > maxCellBytes {
				err = &FileError{Msg: fmt.Sprintf(msgCellTooLong, MaxCellChars)}
			}
			if err != nil {
				return "", false, err
			}
			continue
		case '/':
			closing = true
		default:
			if err := sc.br.UnreadByte(); err != nil {
				return "", false, err
			}
		}
		sc.nameBuf = sc.nameBuf[:0]
		for {
			b, err := sc.br.ReadByte()
			if err != nil {
				return "", false, err
			}
			if b == '>' || b == '/' || b == ' ' || b == '\t' || b == '\n' || b == '\r' {
				_ = sc.br.UnreadByte()
				break
			}
			sc.nameBuf = append(sc.nameBuf, b)
		}
		if err := sc.readTagRest(); err != nil {
			return "", false, err
		}
		local := sc.nameBuf
		if i := bytes.LastIndexByte(local, ':'); i >= 0 {
			local = local[i+1:]
		}
		// Only a few names matter; avoid allocating for the others.
		switch string(local) {
		case "row":
			return "row", closing, nil
		case "c":
			if !closing {
				sc.run = 0
			}
			return "c", closing, nil
		case "sheetData":
			return "sheetData", closing, nil
		}
	}
}

// readTagRest reads up to and including the '>' that ends the tag, keeping
// the attribute text (quotes may contain '>').
func (sc *sheetScanner) readTagRest() error {
	sc.attrBuf = sc.attrBuf[:0]
	var quote byte
	for {
		b, err := sc.br.ReadByte()
		if err != nil {
			return err
		}
		switch {
		case quote != 0:
			if b == quote {
				quote = 0
			}
		case b == '"' || b == '\'':
			quote = b
		case b == '>':
			return nil
		}
		if len(sc.attrBuf) >= maxTagBytes {
			return &FileError{Msg: fmt.Sprintf(msgTagTooLong, maxTagBytes>>10)}
		}
		sc.attrBuf = append(sc.attrBuf, b)
	}
}

// selfClosing reports whether the last tag ended with "/>".
func (sc *sheetScanner) selfClosing() bool {
	t := bytes.TrimRight(sc.attrBuf, " \t\r\n")
	return len(t) > 0 && t[len(t)-1] == '/'
}

// eachAttr calls fn with the local name and raw value of every attribute
// of the last start tag.
func (sc *sheetScanner) eachAttr(fn func(key, val []byte)) {
	a := sc.attrBuf
	for len(a) > 0 {
		a = bytes.TrimLeft(a, " \t\r\n/")
		eq := bytes.IndexByte(a, '=')
		if eq < 0 {
			return
		}
		key := bytes.TrimSpace(a[:eq])
		if bytes.IndexByte(key, ':') >= 0 {
			// A prefixed attribute (x14ac:dyDescent) is never r, s or t.
			key = nil
		}
		a = bytes.TrimLeft(a[eq+1:], " \t\r\n")
		if len(a) == 0 || (a[0] != '"' && a[0] != '\'') {
			return
		}
		end := bytes.IndexByte(a[1:], a[0])
		if end < 0 {
			return
		}
		if key != nil {
			fn(key, a[1:1+end])
		}
		a = a[end+2:]
	}
}

// skipTo discards input up to and including the byte c.
func (sc *sheetScanner) skipTo(c byte) (int, error) {
	n := 0
	for {
		chunk, err := sc.br.ReadSlice(c)
		n += len(chunk)
		if err == nil {
			return n, nil
		}
		if err != bufio.ErrBufferFull {
			return n, err
		}
	}
}

// skipPast discards input up to and including the string end, returning
// how many bytes it discarded.
func (sc *sheetScanner) skipPast(end string) (int, error) {
	last := end[len(end)-1]
	var tail []byte
	n := 0
	for {
		chunk, err := sc.br.ReadSlice(last)
		n += len(chunk)
		if err != nil && err != bufio.ErrBufferFull {
			return n, err
		}
		tail = append(tail, chunk...)
		if len(tail) > len(end) {
			tail = tail[len(tail)-len(end):]
		}
		if err == nil && bytes.HasSuffix(tail, []byte(end)) {
			return n, nil
		}
	}
}

// refColumn returns the column number of a cell reference like "AB12"
// (0 when there are no letters or the column is out of range).
func refColumn(ref []byte) int {
	col := 0
	for i := 0; i < len(ref); i++ {
		c := ref[i]
		switch {
		case c >= 'A' && c <= 'Z':
			col = col*26 + int(c-'A') + 1
		case c >= 'a' && c <= 'z':
			col = col*26 + int(c-'a') + 1
		case c == '$':
		default:
			return col
		}
		if col > 16384 {
			return 0
		}
	}
	return col
}
