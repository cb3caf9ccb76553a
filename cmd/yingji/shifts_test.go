package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestShiftsImportCLI: `yingji import shifts FILE.xlsx` reads the layout
// of `yingji export shifts` (one row per person-shift, a 日期 column),
// resolves people to the county's users, refuses a day without a 带班领导
// naming the row and writes nothing then; the export imports again.
func TestShiftsImportCLI(t *testing.T) {
	data := t.TempDir()
	if code, _, e := cli(t, data, "migrate"); code != 0 {
		t.Fatalf("migrate: %s", e)
	}
	for _, u := range [][]string{{"wangjz", "leader", "王局长"}, {"zhouzb", "duty", "周值班"}} {
		if code, _, e := cli(t, data, "user", "add", u[0], "--role", u[1], "--display", u[2], "--password", "Duty2022xx"); code != 0 {
			t.Fatalf("user add: %s", e)
		}
	}
	tpl := filepath.Join(t.TempDir(), "tpl.xlsx")
	if code, _, e := cli(t, data, "import", "shifts", "--template", tpl); code != 0 {
		t.Fatalf("template: %s", e)
	}
	write := func(rows [][]string) string {
		f, err := excelize.OpenFile(tpl)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sheet := f.GetSheetName(0)
		for i, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+2)
			row := make([]any, len(r))
			for j, v := range r {
				row[j] = v
			}
			if err := f.SetSheetRow(sheet, cell, &row); err != nil {
				t.Fatal(err)
			}
		}
		out := filepath.Join(t.TempDir(), "roster.xlsx")
		if err := f.SaveAs(out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	bad := write([][]string{
		{"2022-07-01", "", "", "", "", "带班领导", "王局长", ""},
		{"2022-07-01", "", "", "", "", "值班员", "zhouzb", ""},
		{"2022-07-02", "", "", "", "", "值班员", "周值班", ""},
		{"2022-07-03", "", "", "", "", "带班领导", "无此人", ""},
	})
	code, out, _ := cli(t, data, "import", "shifts", bad)
	if code == 0 || !strings.Contains(out, "第 4 行 F 列（岗位）：2022-07-02 的班次没有带班领导") || !strings.Contains(out, "第 5 行 G 列（姓名）：“无此人”不是本县的用户") {
		t.Fatalf("bad roster: %d %s", code, out)
	}
	good := write([][]string{
		{"2022-07-01", "", "", "", "", "带班领导", "王局长", ""},
		{"2022-07-01", "", "", "", "", "值班员", "zhouzb", ""},
		{"2022-07-02", "", "", "2022-07-02 08:30", "2022-07-03 08:30", "带班领导", "wangjz", ""},
		{"2022-07-02", "", "", "2022-07-02 08:30", "2022-07-03 08:30", "值班员", "周值班", ""},
	})
	if code, out, e := cli(t, data, "import", "shifts", good); code != 0 || !strings.Contains(out, "imported 4 of 4 rows into shifts") {
		t.Fatalf("good roster: %d %s %s", code, out, e)
	}
	exp := filepath.Join(t.TempDir(), "shifts.xlsx")
	if code, out, e := cli(t, data, "export", "shifts", "--out", exp); code != 0 || !strings.Contains(out, "exported 4 rows") {
		t.Fatalf("export: %d %s %s", code, out, e)
	}
	f, err := excelize.OpenFile(exp)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows(f.GetSheetName(0))
	f.Close()
	if len(rows) != 5 || rows[0][0] != "日期" || rows[1][0] != "2022-07-01" || rows[1][6] != "王局长" || rows[1][7] != "wangjz" {
		t.Fatalf("export rows %v", rows)
	}
	// Importing the export again is refused: the shifts are already there.
	if code, out, _ := cli(t, data, "import", "shifts", exp); code == 0 || !strings.Contains(out, "与系统中已有的班次时间重叠") {
		t.Fatalf("re-import into the same county: %d %s", code, out)
	}
}
