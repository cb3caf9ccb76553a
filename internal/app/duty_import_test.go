package app_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"yingji/internal/bureau/duty"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/xlsx/xlsxtest"
)

// testDutyRosterWebImport: the roster page's import button takes a file
// in the export's layout (people by username or name), a day without its
// 带班领导 is refused naming the row and nothing is written; the template
// downloads; a town user may not import.
func testDutyRosterWebImport(t *testing.T, pg bool) {
	a := start(t, pg)
	toks := tokens(t, a)
	base := serveWithJobs(t, a)
	tok := toks[auth.RoleDuty]
	schema := duty.ShiftsSchema()
	if body := page(t, a, tok, "/duty/roster"); !strings.Contains(body, `href="/shifts/import"`) {
		t.Fatal("the roster page has no import button")
	}
	rec := do(a, "GET", "/shifts/template", tok, nil)
	if rec.Code != 200 {
		t.Fatalf("template: %d", rec.Code)
	}
	tf, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	head, _ := tf.GetRows(tf.GetSheetName(0))
	if len(head) == 0 || strings.TrimPrefix(head[0][0], "*") != "日期" {
		t.Fatalf("template header %v", head)
	}
	count := func() int {
		n := 0
		if err := duty.New(a.DB, a.Notify, a.Now, a.Calendar, nil).EachPersonShift(context.Background(), a.System(), "", "", func(duty.PersonShift) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	bad := xlsxtest.Fill(t, schema, [][]any{
		{"2022-07-01", "", "", "", "", "带班领导", "leader", ""},
		{"2022-07-01", "", "", "", "", "值班员", "zhiban", ""},
		{"2022-07-02", "", "", "", "", "值班员", "zhiban", ""},
	})
	if res := upload(t, base+"shifts/import", toks[auth.RoleTown], bad); res.StatusCode != http.StatusForbidden {
		t.Fatalf("town import: %d", res.StatusCode)
	}
	res := upload(t, base+"shifts/import", tok, bad)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d", res.StatusCode)
	}
	r := waitResult(t, base, tok, res.Header.Get("Location"))
	if r.Committed || r.ErrorCount != 1 || r.Errors[0].Row != 4 || !strings.Contains(r.Errors[0].Reason, "2022-07-02 的班次没有带班领导") {
		t.Fatalf("bad file: %+v", r)
	}
	if n := count(); n != 0 {
		t.Fatalf("a refused file wrote %d person-shifts", n)
	}
	good := xlsxtest.Fill(t, schema, [][]any{
		{"2022-07-01", "", "", "", "", "带班领导", "leader", ""},
		{"2022-07-01", "", "", "", "", "值班员", "zhiban", ""},
	})
	res = upload(t, base+"shifts/import", tok, good)
	r = waitResult(t, base, tok, res.Header.Get("Location"))
	if !r.Committed || r.Imported != 2 || count() != 2 {
		t.Fatalf("good file: %+v, %d person-shifts", r, count())
	}
	for _, kind := range []string{"incidents", "dutylog"} {
		if rec := do(a, "GET", "/"+kind+"/template", tok, nil); rec.Code != 200 {
			t.Errorf("%s template: %d", kind, rec.Code)
		}
		if rec := do(a, "GET", "/"+kind+"/import", tok, nil); rec.Code != 200 {
			t.Errorf("%s import page: %d", kind, rec.Code)
		}
	}
}

func TestDutyRosterWebImportSQLite(t *testing.T)   { testDutyRosterWebImport(t, false) }
func TestDutyRosterWebImportPostgres(t *testing.T) { testDutyRosterWebImport(t, true) }
