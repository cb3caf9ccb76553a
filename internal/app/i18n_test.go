package app_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"yingji/internal/kit/sysadmin"
)

// repoRoot is two levels up from internal/app.
const repoRoot = "../.."

// TestLocalesHaveTheSameKeys checks that every zh.json has an en.json with
// exactly the same message IDs.
func TestLocalesHaveTheSameKeys(t *testing.T) {
	n := 0
	err := filepath.WalkDir(repoRoot, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "zh.json" || !strings.Contains(path, "locales") {
			return err
		}
		n++
		zh, en := map[string]string{}, map[string]string{}
		read := func(p string, m map[string]string) {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
		}
		read(path, zh)
		read(filepath.Join(filepath.Dir(path), "en.json"), en)
		for k := range zh {
			if en[k] == "" {
				t.Errorf("%s: %q has no English text", path, k)
			}
		}
		for k := range en {
			if zh[k] == "" {
				t.Errorf("%s: %q has no Chinese text", path, k)
			}
		}
		return nil
	})
	if err != nil || n == 0 {
		t.Fatalf("no locale files found: %v", err)
	}
}

var tCall = regexp.MustCompile(`\.T "([a-z0-9_.]+)"`)

// TestTemplatesUseKnownMessages checks every literal message ID in the
// templates exists.
func TestTemplatesUseKnownMessages(t *testing.T) {
	a := start(t, false)
	seen := 0
	err := filepath.WalkDir(repoRoot, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range tCall.FindAllStringSubmatch(string(b), -1) {
			seen++
			if !a.UI.I18n.Has(m[1]) {
				t.Errorf("%s uses unknown message %q", path, m[1])
			}
		}
		return nil
	})
	if err != nil || seen < 100 {
		t.Fatalf("walked templates: %d messages, %v", seen, err)
	}
}

// TestJobKindsHaveNames checks every background job kind has a name in
// both languages (the jobs page shows it).
func TestJobKindsHaveNames(t *testing.T) {
	a := start(t, false)
	if len(a.JobHandlers) == 0 {
		t.Fatal("no job kinds")
	}
	for kind := range a.JobHandlers {
		for _, lang := range []string{"zh", "en"} {
			if id := "job.kind." + kind; !a.UI.I18n.Has(id) || a.UI.I18n.T(lang, id, nil) == id {
				t.Errorf("job kind %s has no %s name", kind, lang)
			}
		}
	}
}

// TestAuditNamesKnown checks the audit log names every kind of record its
// filter offers, every action code an audit.Entry in the tree can write
// (found by scanAuditCodes), and the codes older rows carry, in both
// languages.
func TestAuditNamesKnown(t *testing.T) {
	a := start(t, false)
	for _, e := range sysadmin.AuditEntities {
		if id := "audit.entity." + e; a.UI.I18n.T("zh", id, nil) == id || a.UI.I18n.T("en", id, nil) == id {
			t.Errorf("record kind %s has no name", e)
		}
	}
	written := auditCodesByModule(scanAuditCodes(t))
	if len(written) < 50 {
		t.Fatalf("the scan found only %d action codes", len(written))
	}
	codes := append([]string{}, retiredAuditCodes...)
	for c := range written {
		codes = append(codes, c)
	}
	for _, act := range codes {
		for _, lang := range []string{"zh", "en"} {
			if id := "audit.action." + act; a.UI.I18n.T(lang, id, nil) == id {
				t.Errorf("action %s (written by %v) has no %s name", act, written[act], lang)
			}
		}
	}
}

// TestOneTermPerConcept checks that the pages call a concept by one name:
// a hazard's grade is 一般隐患 / 重大隐患 wherever a page names it (the
// official documents keep the legal 一般事故隐患 in their own text), and
// no placeholder or example carries a year written into it.
func TestOneTermPerConcept(t *testing.T) {
	variants := map[string]string{"一般事故隐患": "一般隐患"}
	literalYear := regexp.MustCompile(`placeholder="[^"{]*20[0-9]{2}`)
	err := filepath.WalkDir(filepath.Join(repoRoot, "internal"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		isLocale := d.Name() == "zh.json" && strings.Contains(path, "locales")
		isPage := strings.HasSuffix(path, ".html") && strings.Contains(path, "templates")
		if !isLocale && !isPage {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for bad, good := range variants {
			if strings.Contains(string(b), `"`+bad+`"`) || strings.Contains(string(b), ">"+bad+"<") {
				t.Errorf("%s names %s %q; the pages call it %q", path, "a grade", bad, good)
			}
		}
		if isPage {
			if m := literalYear.FindString(string(b)); m != "" {
				t.Errorf("%s: a placeholder with a literal year (%s…); show the clock's year ({{.Year}})", path, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
