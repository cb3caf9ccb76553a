package xlsx

// Why this file exists: excelize reads a workbook's whole shared-strings
// part into memory (as bytes, then as structs and a map) before the first
// row, and its row iterator decodes a cell's text as one XML token. A 1 MB
// upload can therefore hold a 900 MiB string that costs gigabytes of memory
// and ends up in the database. guardSharedStrings refuses such a package
// before excelize opens it, and the worksheet scanner (cellmeta.go) refuses
// an oversized inline cell before excelize decodes its row.

import (
	"archive/zip"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"yingji/internal/kit/textlimit"
)

const (
	// MaxCellChars is the most text any cell may hold: Excel's own limit.
	// Every Column.MaxLen is at most this.
	MaxCellChars = 32767
	// maxCellBytes bounds the raw XML text of one cell or shared string:
	// MaxCellChars characters of up to 4 UTF-8 bytes, with room for entity
	// escapes and rich-text markup.
	maxCellBytes = 6 * MaxCellChars
	// maxSharedStrings bounds the uncompressed shared-strings part, which
	// excelize holds in memory whole. A 130,000-row ledger saved by Excel
	// has a few tens of MB of unique text.
	maxSharedStrings = 256 << 20
	// maxTagBytes bounds one start tag (its attributes) in a scanned part.
	maxTagBytes = 64 << 10
	// DefaultMaxLen is the length limit, in characters, of a column that
	// declares none and whose key the shared table (internal/kit/textlimit) does
	// not name: the limit forms and JSON bodies apply to such a field.
	DefaultMaxLen = textlimit.Fallback
)

// User-facing messages of the guards.
const (
	msgCellTooLong  = "文件中有单元格的文字超过 %d 个字符（Excel 的上限），已拒绝导入，请检查文件"
	msgSharedTooBig = "文件中的文字内容解压后超过 %d MB，请拆分后分批导入"
	msgTagTooLong   = "文件结构异常（单个标记超过 %d KB），请用 Excel 或 WPS 另存为 .xlsx 后重新导入"
	msgValueTooLong = "超过长度上限：最多 %d 个字符，实际 %d 个"
	msgControl      = "含有不可见的控制字符，请删除后重新导入"
)

// guardSharedStrings streams every shared-strings part of the package and
// refuses one that is larger than maxSharedStrings, or that holds a single
// string (<si>, all its runs together) longer than maxCellBytes, or a tag
// longer than maxTagBytes. It reads the part once, in constant memory.
func guardSharedStrings(zr *zip.Reader) error {
	for _, f := range zr.File {
		name := strings.ToLower(strings.ReplaceAll(f.Name, `\`, "/"))
		if !strings.HasSuffix(name, "sharedstrings.xml") {
			continue
		}
		if f.UncompressedSize64 > maxSharedStrings {
			return &FileError{Msg: fmt.Sprintf(msgSharedTooBig, maxSharedStrings>>20)}
		}
		rc, err := f.Open()
		if err != nil {
			return &FileError{Msg: msgNotXLSX, Err: err}
		}
		err = scanTextRuns(io.LimitReader(rc, maxSharedStrings+1), "si", maxSharedStrings)
		_ = rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// scanTextRuns reads XML and checks that the character data between two
// start tags named boundary stays within maxCellBytes, that no tag is longer
// than maxTagBytes and that the whole input is at most total bytes.
func scanTextRuns(r io.Reader, boundary string, total int64) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var read int64
	run := 0
	name := make([]byte, 0, 16)
	for {
		chunk, err := br.ReadSlice('<')
		read += int64(len(chunk))
		run += len(chunk)
		if err == bufio.ErrBufferFull {
			if run > maxCellBytes {
				return &FileError{Msg: fmt.Sprintf(msgCellTooLong, MaxCellChars)}
			}
			continue
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return &FileError{Msg: msgNotXLSX, Err: err}
		}
		run-- // the '<'
		if run > maxCellBytes {
			return &FileError{Msg: fmt.Sprintf(msgCellTooLong, MaxCellChars)}
		}
		// Read the tag up to its '>' (quotes may hold '>').
		name = name[:0]
		inName, tag := true, 0
		var quote byte
		for {
			b, err := br.ReadByte()
			if err != nil {
				if err == io.EOF {
					return nil // truncated part: excelize reports it
				}
				return &FileError{Msg: msgNotXLSX, Err: err}
			}
			read++
			tag++
			if tag > maxTagBytes {
				return &FileError{Msg: fmt.Sprintf(msgTagTooLong, maxTagBytes>>10)}
			}
			if quote != 0 {
				if b == quote {
					quote = 0
				}
				continue
			}
			if b == '>' {
				break
			}
			if b == '"' || b == '\'' {
				quote = b
			}
			if inName {
				if b == ' ' || b == '\t' || b == '\r' || b == '\n' || b == '/' && len(name) > 0 {
					inName = false
				} else {
					name = append(name, b)
				}
			}
		}
		local := name
		if i := bytes.LastIndexByte(local, ':'); i >= 0 {
			local = local[i+1:]
		}
		if string(local) == boundary {
			run = 0
		}
	}
	if read > total {
		return &FileError{Msg: fmt.Sprintf(msgSharedTooBig, total>>20)}
	}
	if run > maxCellBytes {
		return &FileError{Msg: fmt.Sprintf(msgCellTooLong, MaxCellChars)}
	}
	return nil
}

// truncate shortens s to n characters with an ellipsis, for echoing an
// over-long value in an error report.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// hasControl reports whether s holds a control character other than tab and
// line breaks (Excel stores them as _x0000_ escapes; PostgreSQL refuses NUL).
func hasControl(s string) bool {
	for _, r := range s {
		if r != '\t' && r != '\n' && r != '\r' && unicode.IsControl(r) {
			return true
		}
	}
	return false
}

// visibleRune shows a control character as U+FFFD in an error report.
func visibleRune(r rune) rune {
	if r != '\t' && r != '\n' && r != '\r' && unicode.IsControl(r) {
		return '\uFFFD'
	}
	return r
}
