package main

import (
	"bytes"
	"context"
	"database/sql"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"yingji/internal/app"
	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/config"
)

// cliEnv runs the command with a data dir and extra environment.
func cliEnv(t *testing.T, data string, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	get := func(k string) string {
		if k == "YINGJI_DATA" {
			return data
		}
		return env[k]
	}
	code := run(context.Background(), args, &out, &errOut, get)
	return code, out.String(), errOut.String()
}

func query(t *testing.T, data, q string, args ...any) int {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(data, "yingji.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// examples returns the 填写说明 sheet's example column of a template,
// joined.
func examples(t *testing.T, file string) string {
	t.Helper()
	f, err := excelize.OpenFile(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("填写说明")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, "|") + "\n")
	}
	return b.String()
}

// TestCountyRememberedByTheDataDirectory: a data directory created for
// 522727 exports that county's rows without YINGJI_COUNTY, and refuses
// another --county with the reason.
func TestCountyRememberedByTheDataDirectory(t *testing.T) {
	data := t.TempDir()
	if code, _, e := cliEnv(t, data, map[string]string{"YINGJI_COUNTY": "522727", "YINGJI_COUNTY_NAME": "某某县", "YINGJI_ADMIN_PASSWORD": "Admin2022x"}, "migrate"); code != 0 {
		t.Fatalf("migrate: %s", e)
	}
	file := filepath.Join(t.TempDir(), "regions.xlsx")
	if code, out, e := cli(t, data, "export", "regions", "--out", file); code != 0 || !strings.Contains(out, "exported 1 rows") {
		t.Fatalf("export without --county: %d %s %s", code, out, e)
	}
	f, err := excelize.OpenFile(file)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows(f.GetSheetName(0))
	f.Close()
	if len(rows) != 2 || rows[1][0] != "522727" {
		t.Fatalf("exported regions: %v", rows)
	}
	if n := query(t, data, `SELECT count(*) FROM region WHERE code = '349901'`); n != 0 {
		t.Errorf("a start without --county created the default county")
	}
	code, _, e := cli(t, data, "export", "regions", "--out", file, "--county", "349901")
	if code != 1 || !strings.Contains(e, "522727") || !strings.Contains(e, "--county") {
		t.Fatalf("another --county: %d %s", code, e)
	}
}

// TestTemplateTouchesNoDatabase: a template is made without creating a
// database or an admin; with no database its examples are neutral, with
// one they show the county's own towns.
func TestTemplateTouchesNoDatabase(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	tpl := filepath.Join(t.TempDir(), "regions.xlsx")
	code, out, e := cli(t, data, "import", "regions", "--template", tpl)
	if code != 0 {
		t.Fatalf("template: %s", e)
	}
	if _, err := os.Stat(filepath.Join(data, "yingji.db")); err == nil || strings.Contains(out, "admin") {
		t.Fatalf("making a template created a database: %s", out)
	}
	for _, kind := range []string{"regions", "enterprises", "hazards", "buildings", "licences", "certificates", "units"} {
		file := filepath.Join(t.TempDir(), kind+".xlsx")
		if code, _, e := cli(t, data, "import", kind, "--template", file); code != 0 {
			t.Fatalf("template %s: %s", kind, e)
		}
		if ex := examples(t, file); strings.Contains(ex, "籍山镇") || strings.Contains(ex, "349901") || strings.Contains(ex, "示例县") ||
			strings.Contains(ex, "工山镇") || strings.Contains(ex, "新林村") {
			t.Errorf("%s template shows the demo county without any database:\n%s", kind, ex)
		}
	}
	// A county with its own towns.
	env := map[string]string{"YINGJI_COUNTY": "522727", "YINGJI_COUNTY_NAME": "某某县", "YINGJI_ADMIN_PASSWORD": "Admin2022x"}
	if code, _, e := cliEnv(t, data, env, "migrate"); code != 0 {
		t.Fatalf("migrate: %s", e)
	}
	src := filepath.Join(t.TempDir(), "towns.xlsx")
	if code, _, e := cli(t, data, "import", "regions", "--template", src); code != 0 {
		t.Fatal(e)
	}
	f, _ := excelize.OpenFile(src)
	_ = f.SetSheetRow(f.GetSheetName(0), "A2", &[]any{"522727100", "王司镇", "镇", "1"})
	_ = f.SetSheetRow(f.GetSheetName(0), "A3", &[]any{"522727100201", "红光村", "村", "1"})
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if code, out, e := cli(t, data, "import", "regions", src); code != 0 {
		t.Fatalf("import towns: %s %s", out, e)
	}
	audits := query(t, data, `SELECT count(*) FROM audit_log`)
	for _, kind := range []string{"regions", "enterprises", "buildings", "licences"} {
		file := filepath.Join(t.TempDir(), kind+".xlsx")
		if code, _, e := cli(t, data, "import", kind, "--template", file); code != 0 {
			t.Fatalf("template %s: %s", kind, e)
		}
		ex := examples(t, file)
		if strings.Contains(ex, "籍山镇") || strings.Contains(ex, "349901") || strings.Contains(ex, "示例县") || !strings.Contains(ex, "王司镇") {
			t.Errorf("%s template of county 522727:\n%s", kind, ex)
		}
		if kind == "regions" && !strings.Contains(ex, "522727100") {
			t.Errorf("regions template without the county's town code:\n%s", ex)
		}
	}
	if n := query(t, data, `SELECT count(*) FROM audit_log`); n != audits {
		t.Errorf("making templates wrote %d audit rows", n-audits)
	}
	if code, _, e := cli(t, data, "import", "nosuch", "--template", tpl); code != 2 || !strings.Contains(e, "importable") {
		t.Errorf("template of an unknown ledger: %d %s", code, e)
	}
}

// TestServeOnBusyPortFailsBeforeLoading: serve --demo on a port in use
// fails at once, before the demo is loaded.
func TestServeOnBusyPortFailsBeforeLoading(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	data := t.TempDir()
	t0 := time.Now()
	code, out, e := cli(t, data, "serve", "--demo", "--addr", ln.Addr().String())
	if code != 1 || !strings.Contains(e, "already in use") {
		t.Fatalf("busy port: %d %s %s", code, out, e)
	}
	if strings.Contains(out, "demo:") || query(t, data, `SELECT count(*) FROM enterprise`) != 0 {
		t.Errorf("the demo was loaded before the port was checked (%v): %s", time.Since(t0), out)
	}
}

// TestUserRolesAndAccounts: a wrong role lists the role codes (so do the
// usage and README); an enterprise account is made from a credit code; a
// town user may be limited to a village and then sees only the village's
// enterprises; the demo on a data directory whose admin existed says
// which accounts keep their own password.
func TestUserRolesAndAccounts(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range auth.AllRoles {
		if !strings.Contains(usage, string(r)) || !strings.Contains(string(readme), "`"+string(r)+"`") {
			t.Errorf("role code %s missing from the usage or the README", r)
		}
	}
	data := t.TempDir()
	code, out, _ := cli(t, data, "migrate")
	if code != 0 || !strings.Contains(out, "admin / ") {
		t.Fatalf("migrate: %s", out)
	}
	code, out, e := cli(t, data, "demo")
	if code != 0 {
		t.Fatalf("demo: %s", e)
	}
	if !strings.Contains(out, "account admin existed before and keeps its own password") || !strings.Contains(out, "demo logins with password yingji2022: leader") ||
		strings.Contains(out, "yingji2022: admin") {
		t.Errorf("demo on a data directory with an admin:\n%s", out)
	}

	code, _, e = cli(t, data, "user", "add", "x1", "--role", "townn", "--display", "x", "--password", "Passw0rd9")
	if code != 2 {
		t.Fatalf("wrong role: exit %d", code)
	}
	for _, r := range auth.AllRoles {
		if !strings.Contains(e, string(r)) {
			t.Errorf("the wrong-role message does not list %s: %s", r, e)
		}
	}
	credit := enterprise.DemoCreditCode("349901", 2)
	if code, out, e := cli(t, data, "user", "add", "qiye2", "--role", "enterprise", "--display", "企业二", "--enterprise", credit, "--password", "Passw0rd9"); code != 0 {
		t.Fatalf("enterprise account: %s %s", out, e)
	}
	if n := query(t, data, `SELECT count(*) FROM app_user u JOIN enterprise e ON e.id = u.enterprise_id WHERE u.username = 'qiye2' AND e.credit_code = $1`, credit); n != 1 {
		t.Errorf("qiye2 is not the account of %s", credit)
	}
	if code, _, e := cli(t, data, "user", "add", "qiye3", "--role", "enterprise", "--display", "x", "--enterprise", "91349901000000000X", "--password", "Passw0rd9"); code != 1 || !strings.Contains(e, "credit code") {
		t.Errorf("unknown credit code: %d %s", code, e)
	}
	// A village's staff: 工山镇新岭村 holds the 工山镇新岭石灰石厂.
	if query(t, data, `SELECT count(*) FROM enterprise WHERE village_code = '349901104201'`) == 0 {
		db, err := sql.Open("sqlite", filepath.Join(data, "yingji.db"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`UPDATE enterprise SET village_code = '349901104201' WHERE name = '工山镇新岭石灰石厂'`); err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
	if code, out, e := cli(t, data, "user", "add", "cun1", "--role", "town", "--display", "新岭村安全员", "--town", "349901104201", "--password", "Passw0rd9"); code != 0 {
		t.Fatalf("village user: %s %s", out, e)
	}
	villageEnts := query(t, data, `SELECT count(*) FROM enterprise WHERE village_code = '349901104201'`)
	townEnts := query(t, data, `SELECT count(*) FROM enterprise WHERE town_code = '349901104'`)
	if villageEnts == 0 || villageEnts >= townEnts {
		t.Fatalf("test data: %d enterprises in the village, %d in the town", villageEnts, townEnts)
	}
	seen := villageSees(t, data, "cun1")
	if seen != villageEnts {
		t.Errorf("the village user sees %d enterprises, want the village's %d", seen, villageEnts)
	}
}

// villageSees counts the enterprises user may see.
func villageSees(t *testing.T, data, user string) int {
	t.Helper()
	ctx := context.Background()
	a, err := app.Open(ctx, config.Config{Addr: "127.0.0.1:0", DataDir: data, LogLevel: "error"}, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	p, err := a.Auth.PrincipalFor(ctx, user)
	if err != nil {
		t.Fatal(err)
	}
	total, _, _, err := a.Enterprise.Counts(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	return total
}
