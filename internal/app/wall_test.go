package app_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// kitTables are tables the kit owns and every module uses through the
// kit's functions only (so their SQL lives in one package too).
var kitTables = map[string]string{
	"audit_head": "audit", // store.Serial locks it before an import's snapshot
}

// TestEachModuleOwnsItsTables is the wall around each piece of the
// bureau's work: a table is written (INSERT INTO) by one module only, and
// no other module names it in SQL; others reach its rows through the
// owner's Go functions. A module is a folder under internal/kit or
// internal/bureau (its sub-folders belong to it: bureau/hazard/supervise
// is part of hazard); internal/app is one module of its own.
func TestEachModuleOwnsItsTables(t *testing.T) {
	root := filepath.Join("..")
	tables := map[string]bool{}
	create := regexp.MustCompile(`(?i)CREATE TABLE (?:IF NOT EXISTS )?([a-z_0-9]+)`)
	for _, dir := range []string{"kit/store/migrations", "kit/store/engine_migrations"} {
		files, err := filepath.Glob(filepath.Join(root, dir, "*.sql"))
		if err != nil || len(files) == 0 {
			t.Fatalf("migrations in %s: %v", dir, err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range create.FindAllStringSubmatch(string(b), -1) {
				tables[m[1]] = true
			}
		}
	}
	ref := regexp.MustCompile(`\b(FROM|JOIN|INTO|UPDATE|TABLE)\s+([a-z_0-9]+)\b`)
	writers := map[string]map[string]bool{}   // table → modules that insert
	users := map[string]map[string][]string{} // table → module → files
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		module := moduleOf(filepath.ToSlash(rel))
		if strings.HasSuffix(module, "test") { // test helpers (storetest, clocktest …)
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range ref.FindAllStringSubmatch(string(b), -1) {
			tbl := m[2]
			if !tables[tbl] {
				continue
			}
			if users[tbl] == nil {
				users[tbl], writers[tbl] = map[string][]string{}, map[string]bool{}
			}
			if !slices.Contains(users[tbl][module], rel) {
				users[tbl][module] = append(users[tbl][module], rel)
			}
			if m[1] == "INTO" {
				writers[tbl][module] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(users))
	for tbl := range users {
		names = append(names, tbl)
	}
	sort.Strings(names)
	for _, tbl := range names {
		owner := kitTables[tbl]
		if owner == "" {
			if len(writers[tbl]) > 1 {
				t.Errorf("table %s is written by several modules: %v", tbl, keys(writers[tbl]))
				continue
			}
			for m := range writers[tbl] {
				owner = m
			}
		}
		for m, files := range users[tbl] {
			if m == owner || (kitTables[tbl] != "" && m == "store") || owner == "" {
				continue
			}
			t.Errorf("module %s names table %s (owned by %s) in SQL: %v — use the owner's Go functions", m, tbl, owner, files)
		}
	}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// moduleOf names the module a file under internal/ belongs to: the folder
// below the group (kit/store/tx.go → store, bureau/hazard/supervise/x.go →
// hazard), or the top folder outside the groups (app, e2e).
func moduleOf(rel string) string {
	parts := strings.Split(rel, "/")
	if len(parts) > 2 && (parts[0] == "kit" || parts[0] == "bureau") {
		return parts[1]
	}
	return parts[0]
}

// TestKitImportsNoFunction keeps the two layers apart: the shared kit
// (internal/kit) never imports a bureau function (internal/bureau) or the
// app that composes them, so a function can be added or removed without
// touching the kit.
func TestKitImportsNoFunction(t *testing.T) {
	imp := regexp.MustCompile(`"yingji/internal/(bureau|app)(/[^"]*)?"`)
	n := 0
	err := filepath.WalkDir(filepath.Join("..", "kit"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		n++
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if m := imp.FindString(string(b)); m != "" {
			t.Errorf("%s imports %s: the kit may not depend on a bureau function", path, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Fatalf("read %d Go files under internal/kit; the layout changed?", n)
	}
	entries, err := os.ReadDir("..")
	if err != nil {
		t.Fatal(err)
	}
	var top []string
	for _, e := range entries {
		if e.IsDir() {
			top = append(top, e.Name())
		}
	}
	if want := []string{"app", "bureau", "e2e", "kit"}; !slices.Equal(top, want) {
		t.Errorf("internal/ holds %v; a new folder goes under kit/ (shared) or bureau/ (a function), want %v", top, want)
	}
}
