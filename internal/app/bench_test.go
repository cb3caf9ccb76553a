package app

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// `yingji bench` ends with one table holding every measurement, each with
// a figure, on a small run; the import it times commits every row.
func TestBenchPrintsOneTable(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the whole demo county")
	}
	var out bytes.Buffer
	err := Bench(context.Background(), &out, BenchOptions{Runs: 1, Rows: 300, Clients: 3, Duration: 2 * time.Second})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	s := out.String()
	_, table, ok := strings.Cut(s, "\nyingji bench on SQLite")
	if !ok {
		t.Fatalf("no table:\n%s", s)
	}
	for _, want := range []string{
		"cold start to first /healthz", "idle memory", "enterprise import, 300 rows, vs floor",
		"enterprise list at", "Excel export", "vs raw excelize", "key pages, 3 clients, p95 ÷ /healthz p95", "0 failed",
		"peak memory", " MB", "×",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q:\n%s", want, table)
		}
	}
	if strings.Contains(table, "unknown") {
		t.Errorf("a figure is missing:\n%s", table)
	}
}
