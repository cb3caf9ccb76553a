package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// yingji report writes the half-year report from the demo records: the
// JSON maps figure IDs to their numbers and the IDs of the records behind
// them; the text is the prose; bad arguments are refused with the usage.
func TestReportVerb(t *testing.T) {
	data := t.TempDir()
	if code, _, e := cli(t, data, "demo"); code != 0 {
		t.Fatalf("demo: %s", e)
	}
	out := filepath.Join(t.TempDir(), "r.json")
	if code, _, e := cli(t, data, "report", "--from", "2022-01-01", "--to", "2022-06-30", "--format", "json", "--out", out); code != 0 {
		t.Fatalf("report json: %s", e)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Figures map[string]struct {
			Numbers map[string]struct {
				Value   float64  `json:"value"`
				Records []string `json:"records"`
			} `json:"numbers"`
			Sentence string `json:"sentence"`
		} `json:"figures"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	big := r.Figures["F-BIG-1"].Numbers["general"]
	if big.Value != 3265 || len(big.Records) != 3265 {
		t.Errorf("F-BIG-1 general: %v with %d records", big.Value, len(big.Records))
	}
	code, text, e := cli(t, data, "report", "--from", "2022-01-01", "--to", "2022-06-30", "--format", "text")
	if code != 0 || !strings.Contains(text, "全县共排查自建房128053栋") {
		t.Errorf("report text: %d %s %s", code, e, text)
	}
	if code, _, e := cli(t, data, "report", "--from", "2022-06-30", "--to", "2022-01-01"); code == 0 || !strings.Contains(e, "before") {
		t.Errorf("a period ending before it starts: %d %s", code, e)
	}
	if code, _, e := cli(t, data, "report", "--from", "2022-01-01", "--to", "2022-06-30", "--format", "pdf"); code == 0 || !strings.Contains(e, "--out") {
		t.Errorf("pdf to standard output: %d %s", code, e)
	}
}
