package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	_ "modernc.org/sqlite"
	"yingji/internal/bureau/campaign/housing"
	"yingji/internal/bureau/relief"
)

// cli runs the command with a data dir and returns exit code and output.
func cli(t *testing.T, data string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := func(k string) string {
		if k == "YINGJI_DATA" {
			return data
		}
		return ""
	}
	code := run(context.Background(), args, &out, &errOut, env)
	return code, out.String(), errOut.String()
}

func countRegions(t *testing.T, data string) int {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(data, "yingji.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM region`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportExportRoundTripAndBadRows(t *testing.T) {
	data := t.TempDir()
	if code, _, e := cli(t, data, "demo"); code != 0 {
		t.Fatalf("demo: %s", e)
	}
	before := countRegions(t, data)
	file := filepath.Join(t.TempDir(), "regions.xlsx")
	if code, out, e := cli(t, data, "export", "regions", "--out", file); code != 0 || !strings.Contains(out, "exported") {
		t.Fatalf("export: %d %s %s", code, out, e)
	}
	// The export re-reads with a real reader to the same rows.
	f, err := excelize.OpenFile(file)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(f.GetSheetName(0))
	f.Close()
	if err != nil || len(rows) != before+1 || strings.TrimPrefix(rows[0][0], "*") != "区划代码" {
		t.Fatalf("export rows: %d (want %d + header), %v", len(rows), before, err)
	}
	// Add two new villages, one of them with a bad code (row 3 after the header).
	f, _ = excelize.OpenFile(file)
	sheet := f.GetSheetName(0)
	_ = f.InsertRows(sheet, 2, 2)
	_ = f.SetSheetRow(sheet, "A2", &[]any{"349901100299", "新建村", "村", 99})
	_ = f.SetSheetRow(sheet, "A3", &[]any{"34990110029", "坏代码村", "村", 98})
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	code, out, e := cli(t, data, "import", "regions", file)
	if code != 1 || !strings.Contains(out, "第 3 行 A 列（区划代码）") || !strings.Contains(e, "nothing was imported") {
		t.Fatalf("bad row: code %d\nout: %s\nerr: %s", code, out, e)
	}
	if n := countRegions(t, data); n != before {
		t.Fatalf("a file with a bad row committed something: %d regions, want %d", n, before)
	}
	code, out, e = cli(t, data, "import", "regions", file, "--only-valid")
	if code != 0 || !strings.Contains(out, "skipped") {
		t.Fatalf("only valid: %d %s %s", code, out, e)
	}
	if n := countRegions(t, data); n != before+1 {
		t.Fatalf("only-valid import: %d regions, want %d", n, before+1)
	}
	// Templates for every importable ledger.
	tpl := filepath.Join(t.TempDir(), "t.xlsx")
	if code, _, e := cli(t, data, "import", "units", "--template", tpl); code != 0 {
		t.Fatalf("template: %s", e)
	}
	if st, err := os.Stat(tpl); err != nil || st.Size() == 0 {
		t.Fatal("template not written")
	}
	if code, _, _ := cli(t, data, "import", "nosuch", "x.xlsx"); code != 2 {
		t.Fatalf("unknown kind: exit %d", code)
	}
	// Buildings go into the survey named by --campaign; an unknown name
	// lists the surveys; a ledger without surveys refuses the flag.
	bf := filepath.Join(t.TempDir(), "buildings.xlsx")
	if code, _, e := cli(t, data, "import", "buildings", "--template", bf); code != 0 {
		t.Fatalf("buildings template: %s", e)
	}
	f, _ = excelize.OpenFile(bf)
	_ = f.SetSheetRow(f.GetSheetName(0), "A2", &[]any{"", "CLI00001", "籍山镇", "", "农村", "某路1号", "", "", "砖混", "2", "1998", "120", "否", "", "张三",
		"13912345678", "", "2022-05-02"})
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if code, _, e := cli(t, data, "import", "buildings", bf, "--campaign", "无此活动"); code != 2 || !strings.Contains(e, housing.DemoCampaign) {
		t.Fatalf("unknown campaign: exit %d, %s", code, e)
	}
	if code, _, e := cli(t, data, "import", "regions", file, "--campaign", housing.DemoCampaign); code != 2 || !strings.Contains(e, "no --campaign") {
		t.Fatalf("--campaign on regions: exit %d, %s", code, e)
	}
	if code, out, e := cli(t, data, "import", "buildings", bf, "--campaign", housing.DemoCampaign); code != 0 || !strings.Contains(out, "imported 1 of 1") {
		t.Fatalf("buildings into the demo survey: exit %d\n%s\n%s", code, out, e)
	}
	// Relief households go into the programme named by --programme;
	// without it, or with an unknown name, the programmes are listed.
	rf := filepath.Join(t.TempDir(), "households.xlsx")
	if code, _, e := cli(t, data, "import", "relief-households", "--template", rf); code != 0 {
		t.Fatalf("households template: %s", e)
	}
	f, _ = excelize.OpenFile(rf)
	_ = f.SetSheetRow(f.GetSheetName(0), "A2", &[]any{"1", "籍山镇", "新林村", "钱守业", "钱守业", relief.DemoID(990001), "户主", "否", "是", "否", "是", "", "", "", ""})
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if code, _, e := cli(t, data, "import", "relief-households", rf); code != 2 || !strings.Contains(e, "--programme") || !strings.Contains(e, relief.DemoStormName) {
		t.Fatalf("no programme: exit %d, %s", code, e)
	}
	if code, _, e := cli(t, data, "import", "relief-households", rf, "--programme", "无此项目"); code != 2 || !strings.Contains(e, relief.DemoWinterName) {
		t.Fatalf("unknown programme: exit %d, %s", code, e)
	}
	if code, _, e := cli(t, data, "import", "buildings", bf, "--programme", relief.DemoStormName); code != 2 || !strings.Contains(e, "no --programme") {
		t.Fatalf("--programme on buildings: exit %d, %s", code, e)
	}
	if code, out, e := cli(t, data, "import", "relief-households", rf, "--programme", relief.DemoStormName); code != 0 || !strings.Contains(out, "imported 1 of 1") {
		t.Fatalf("households into the storm programme: exit %d\n%s\n%s", code, out, e)
	}
}

func TestUsersTokensAuditBackup(t *testing.T) {
	data := t.TempDir()
	if code, _, e := cli(t, data, "demo"); code != 0 {
		t.Fatalf("demo: %s", e)
	}
	code, out, e := cli(t, data, "user", "add", "wj01", "--role", "town", "--display", "弋江镇安监员", "--town", "349901101", "--password", "Passw0rd9")
	if code != 0 {
		t.Fatalf("user add: %s %s", out, e)
	}
	code, _, e = cli(t, data, "user", "add", "wj02", "--role", "town", "--display", "x", "--password", "Passw0rd9")
	if code != 1 || !strings.Contains(e, "乡镇人员必须选择所属乡镇") {
		t.Fatalf("town user without town: %d %s", code, e)
	}
	_, out, _ = cli(t, data, "user", "list")
	if !strings.Contains(out, "wj01") || !strings.Contains(out, "349901101") {
		t.Fatalf("user list: %s", out)
	}
	if code, _, e := cli(t, data, "user", "disable", "wj01"); code != 0 {
		t.Fatalf("disable: %s", e)
	}
	code, out, e = cli(t, data, "token", "create", "--user", "leader")
	if code != 0 {
		t.Fatalf("token: %s", e)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "yj_") || strings.Contains(last, " ") {
		t.Fatalf("token must be alone on the last line: %q", out)
	}
	if code, out, _ := cli(t, data, "audit", "verify"); code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("audit verify: %d %s", code, out)
	}
	backup := filepath.Join(t.TempDir(), "b.backup")
	if code, out, e := cli(t, data, "backup", "--out", backup); code != 0 || !strings.Contains(out, backup) {
		t.Fatalf("backup: %s %s", out, e)
	}
	if st, err := os.Stat(backup); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("backup mode: %v %v", st, err)
	}
	restored := filepath.Join(t.TempDir(), "restored")
	if code, out, e := cli(t, "", "restore", backup, "--data", restored); code != 0 || !strings.Contains(out, "restored") {
		t.Fatalf("restore: %d %s %s", code, out, e)
	}
	bdb, err := sql.Open("sqlite", filepath.Join(restored, "yingji.db"))
	if err != nil {
		t.Fatal(err)
	}
	var users int
	if err := bdb.QueryRow(`SELECT count(*) FROM app_user`).Scan(&users); err != nil || users < 10 {
		t.Fatalf("backup holds %d users: %v", users, err)
	}
	bdb.Close()
	if code, out, e := cli(t, restored, "audit", "verify"); code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("audit verify after restore: %d %s %s", code, out, e)
	}
	// Tamper with the audit log: verify fails.
	db, err := sql.Open("sqlite", filepath.Join(data, "yingji.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE audit_log SET username = 'mallory' WHERE seq = 3`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if code, out, _ := cli(t, data, "audit", "verify"); code != 1 || !strings.Contains(out, "row 3") {
		t.Fatalf("tampered audit: %d %s", code, out)
	}
	if code, _, _ := cli(t, data, "frobnicate"); code != 2 {
		t.Fatal("unknown verb must exit 2")
	}
}

// Commands other than serve, migrate and demo create nothing where there is
// no installation: audit verify on an empty directory says so and leaves it
// empty (no database, no stray key).
func TestVerbsCreateNoKeyOrDatabase(t *testing.T) {
	for _, args := range [][]string{{"audit", "verify"}, {"user", "list"}, {"backup", "--out", filepath.Join(t.TempDir(), "x")}} {
		data := t.TempDir()
		code, _, e := cli(t, data, args...)
		if code != 1 || !strings.Contains(e, "nothing was created") {
			t.Fatalf("%v on an empty dir: %d %s", args, code, e)
		}
		if entries, _ := os.ReadDir(data); len(entries) != 0 {
			t.Fatalf("%v created %v", args, entries)
		}
	}
	// A database whose key was lost: refused, and no new key appears.
	data := t.TempDir()
	if code, _, e := cli(t, data, "migrate"); code != 0 {
		t.Fatalf("migrate: %s", e)
	}
	if err := os.Remove(filepath.Join(data, "field.key")); err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"audit", "serve"} {
		args := []string{verb}
		if verb == "audit" {
			args = append(args, "verify")
		}
		code, _, e := cli(t, data, args...)
		if code != 1 || !strings.Contains(e, "field key") {
			t.Fatalf("%s without the key: %d %s", verb, code, e)
		}
		if _, err := os.Stat(filepath.Join(data, "field.key")); err == nil {
			t.Fatalf("%s created a key", verb)
		}
	}
}

// An encrypted backup restores only with its passphrase.
func TestBackupWithPassphraseFile(t *testing.T) {
	data := t.TempDir()
	if code, _, e := cli(t, data, "migrate"); code != 0 {
		t.Fatalf("migrate: %s", e)
	}
	pf := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(pf, []byte("s3cret passphrase\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "enc.backup")
	if code, out, e := cli(t, data, "backup", "--out", file, "--passphrase-file", pf); code != 0 || !strings.Contains(out, "encrypted") {
		t.Fatalf("backup: %d %s %s", code, out, e)
	}
	dir := t.TempDir()
	if code, _, e := cli(t, "", "restore", file, "--data", dir); code != 1 || !strings.Contains(e, "passphrase") {
		t.Fatalf("restore without passphrase: %d %s", code, e)
	}
	if code, out, e := cli(t, "", "restore", file, "--data", dir, "--passphrase-file", pf); code != 0 {
		t.Fatalf("restore: %d %s %s", code, out, e)
	}
	if code, out, e := cli(t, dir, "user", "list"); code != 0 || !strings.Contains(out, "admin") {
		t.Fatalf("restored installation: %d %s %s", code, out, e)
	}
}
