package xlsx

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// A cancelled import stops reading: the rows after the cancellation are
// not handed to fn, and the context's error comes back.
func TestParseContextStopsWhenCancelled(t *testing.T) {
	s := ledgerSchema()
	rows := [][]any{header(s)}
	for i := 0; i < 3000; i++ {
		rows = append(rows, []any{"91340000MA2N1AAAAA", "甲公司", "城关镇", "规上", 10, nil, "2020-01-02"})
	}
	data := buildFile(t, s.Name, rows)
	ctx, cancel := context.WithCancel(context.Background())
	seen := 0
	rep, err := ParseContext(ctx, bytes.NewReader(data), s, func(r Row) []CellError {
		seen++
		if seen == 1000 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || rep != nil {
		t.Fatalf("cancelled parse: %v %+v", err, rep)
	}
	if seen >= 1300 {
		t.Fatalf("%d rows read after cancelling at 1000", seen-1000)
	}
	// Not cancelled: every row.
	seen = 0
	if rep, err := ParseContext(context.Background(), bytes.NewReader(data), s, func(Row) []CellError { seen++; return nil }); err != nil || rep.Rows != 3000 || seen != 3000 {
		t.Fatalf("whole parse: %v %d rows seen", err, seen)
	}
}
