package app_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"yingji/internal/kit/auth"
)

// TestPrepareImportPages: the plans, drills and experts lists offer the
// import to those who may import, the import pages link the template, and
// the template is a workbook with the register's columns.
func TestPrepareImportPages(t *testing.T) {
	a := start(t, false)
	toks := tokens(t, a)
	for _, c := range []struct {
		kind, first string
		town        bool
	}{{"plans", "预案名称", true}, {"drills", "演练名称", true}, {"experts", "姓名", false}} {
		list := do(a, "GET", "/"+c.kind, toks[auth.RoleAdmin], nil).Body.String()
		if !strings.Contains(list, `href="/`+c.kind+`/import" id="import"`) {
			t.Errorf("%s: the list offers no import", c.kind)
		}
		if page := do(a, "GET", "/"+c.kind+"/import", toks[auth.RoleAdmin], nil); page.Code != http.StatusOK || !strings.Contains(page.Body.String(), `href="/`+c.kind+`/template"`) {
			t.Errorf("%s: import page %d", c.kind, page.Code)
		}
		rec := do(a, "GET", "/"+c.kind+"/template", toks[auth.RoleAdmin], nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s template: %d", c.kind, rec.Code)
		}
		x, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
		if err != nil {
			t.Fatalf("%s template: %v", c.kind, err)
		}
		head, _ := x.GetCellValue(x.GetSheetName(0), "A1")
		if !strings.HasPrefix(strings.TrimPrefix(head, "*"), c.first) {
			t.Errorf("%s template starts with %q", c.kind, head)
		}
		_ = x.Close()
		// Town staff import plans and drills, not the expert pool; read-only staff nothing.
		if rec := do(a, "GET", "/"+c.kind+"/import", toks[auth.RoleTown], nil); (rec.Code == http.StatusOK) != c.town {
			t.Errorf("%s: town staff get %d", c.kind, rec.Code)
		}
		if body := do(a, "GET", "/"+c.kind, toks[auth.RoleReadOnly], nil).Body.String(); strings.Contains(body, `id="import"`) {
			t.Errorf("%s: read-only staff are offered the import", c.kind)
		}
	}
}
