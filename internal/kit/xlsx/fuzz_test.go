package xlsx

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzParse: whatever the bytes, Parse returns a report or an error, never
// panics, and every value it hands on is within its column's limit and
// free of control characters.
func FuzzParse(f *testing.F) {
	s := ledgerSchema()
	f.Add(buildFile(f, s.Name, [][]any{header(s), {"91340000MA2N1AAAAA", "甲公司", "城关镇", "规上", 10, nil, "2020-01-02"}}))
	f.Add(buildFile(f, s.Name, [][]any{{"标题"}, header(s), {"x", "'=1+1", "城关镇"}}))
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	f.Add([]byte("not a workbook"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := Parse(bytes.NewReader(data), s, func(r Row) []CellError {
			for _, c := range s.Columns {
				v := r.Values[c.Key]
				if len([]rune(v)) > c.maxLen() || hasControl(v) {
					t.Fatalf("row %d handed on %q for %s", r.Num, v, c.Key)
				}
			}
			return nil
		})
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) || fe.Msg == "" {
				t.Fatalf("error without a user message: %v", err)
			}
			return
		}
		if rep.Valid > rep.Rows || rep.ErrorCount < len(rep.Errors) {
			t.Fatalf("inconsistent report %+v", rep)
		}
	})
}
