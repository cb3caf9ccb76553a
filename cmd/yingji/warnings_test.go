package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"yingji/internal/bureau/warning"
)

// TestWarningsExportAndCAP: `yingji export warnings --out` has a 发布时间
// column, `--cap DIR` writes one valid CAP 1.2 file per published warning,
// and `yingji import warnings FILE.xml` imports a CAP message as a draft
// and refuses anything else with the reason.
func TestWarningsExportAndCAP(t *testing.T) {
	data := t.TempDir()
	if code, _, e := cli(t, data, "demo"); code != 0 {
		t.Fatalf("demo: %s", e)
	}
	file := filepath.Join(t.TempDir(), "warnings.xlsx")
	if code, out, e := cli(t, data, "export", "warnings", "--out", file); code != 0 || !strings.Contains(out, "exported 17 rows") {
		t.Fatalf("export: %d %s %s", code, out, e)
	}
	f, err := excelize.OpenFile(file)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(f.GetSheetName(0))
	f.Close()
	if err != nil || len(rows) != 18 {
		t.Fatalf("rows: %d %v", len(rows), err)
	}
	col := -1
	for i, h := range rows[0] {
		if h == "发布时间" {
			col = i
		}
	}
	if col < 0 || !strings.HasPrefix(rows[1][col], "2022-01-07") {
		t.Fatalf("发布时间 column: %v / %v", rows[0], rows[1])
	}

	dir := filepath.Join(t.TempDir(), "cap")
	if code, out, e := cli(t, data, "export", "warnings", "--cap", dir); code != 0 || !strings.Contains(out, "exported 17 CAP") {
		t.Fatalf("export --cap: %d %s %s", code, out, e)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
	if len(files) != 17 {
		t.Fatalf("%d CAP files", len(files))
	}
	xmllint, lintErr := exec.LookPath("xmllint")
	if lintErr != nil && os.Getenv("CI") == "true" {
		t.Fatal("xmllint is required under CI")
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := warning.ParseCAP(strings.NewReader(string(b))); err != nil {
			t.Errorf("%s: %v", p, err)
		}
		if lintErr == nil {
			if out, err := exec.Command(xmllint, "--noout", "--schema", "../../internal/bureau/warning/testdata/cap/CAP-v1.2.xsd", p).CombinedOutput(); err != nil {
				t.Errorf("xmllint %s: %v %s", p, err, out)
			}
		}
	}

	code, out, e := cli(t, data, "import", "warnings", "../../internal/bureau/warning/testdata/cap/oasis-cap12-appendixA2-severe-thunderstorm.xml")
	if code != 0 || !strings.Contains(out, "draft warning") {
		t.Fatalf("import CAP: %d %s %s", code, out, e)
	}
	bad := filepath.Join(t.TempDir(), "bad.xml")
	if err := os.WriteFile(bad, []byte(`<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x</identifier><sender>s</sender>`+
		`<sent>2022-01-07T08:00:00+08:00</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>`+
		`<info><category>Met</category><event>暴雨</event><urgency>Soon</urgency></info></alert>`), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, e := cli(t, data, "import", "warnings", bad); code == 0 || !strings.Contains(e, "alert/info[1]/urgency") {
		t.Fatalf("bad CAP: %d %s", code, e)
	}
	if code, _, e := cli(t, data, "import", "warnings", file); code == 0 || !strings.Contains(e, "not imported") {
		t.Fatalf("an xlsx as CAP: %d %s", code, e)
	}
}
