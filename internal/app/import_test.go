package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/org"
	"yingji/internal/kit/xlsx/xlsxtest"
)

// upload posts an Excel file to an import form, with the form's other
// fields given as name, value pairs.
func upload(t *testing.T, url, token string, file []byte, fields ...string) *http.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for i := 0; i+1 < len(fields); i += 2 {
		_ = mw.WriteField(fields[i], fields[i+1])
	}
	fw, _ := mw.CreateFormFile("file", "单位.xlsx")
	_, _ = fw.Write(file)
	mw.Close()
	req, _ := http.NewRequest("POST", url, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func waitResult(t *testing.T, base, token, jobPath string) ledger.Result {
	t.Helper()
	id := strings.TrimPrefix(jobPath, "/jobs/")
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest("GET", base+"api/v1/jobs/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var j struct {
			State   string          `json:"state"`
			Result  json.RawMessage `json:"result"`
			Message string          `json:"message"`
		}
		_ = json.NewDecoder(res.Body).Decode(&j)
		res.Body.Close()
		if j.State == "done" || j.State == "failed" {
			var r ledger.Result
			if err := json.Unmarshal(j.Result, &r); err != nil {
				t.Fatalf("job %s: %s (%s)", j.State, j.Message, j.Result)
			}
			return r
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("import job did not finish")
	return ledger.Result{}
}

func testWebImport(t *testing.T, pg bool) {
	a := start(t, pg)
	toks := tokens(t, a)
	base := serveWithJobs(t, a)
	admin := toks[auth.RoleAdmin]
	count := func() int {
		list, err := a.Org.ListUnits(context.Background(), a.System(), org.UnitFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	before := count()
	bad := xlsxtest.Fill(t, (&org.Service{}).UnitLedger().Schema, [][]any{
		{"县应急局新股室", "股室", "", "非煤矿山、加油站", "0553-1234567"},
		{"某村委会", "村（社区）", "无此镇", "", ""},
		{"县住建局", "成员单位", "", "", ""},
	})
	// A town user may not import units.
	if res := upload(t, base+"units/import", toks[auth.RoleTown], bad); res.StatusCode != http.StatusForbidden {
		t.Fatalf("town import: %d", res.StatusCode)
	}
	res := upload(t, base+"units/import", admin, bad)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d", res.StatusCode)
	}
	r := waitResult(t, base, admin, res.Header.Get("Location"))
	if r.Committed || r.ErrorCount != 1 || r.Errors[0].Row != 3 || r.Errors[0].Col != "C" || !strings.Contains(r.Errors[0].Reason, "未知乡镇") {
		t.Fatalf("bad file result: %+v", r)
	}
	if n := count(); n != before {
		t.Fatalf("bad file committed: %d units, want %d", n, before)
	}
	// The error report downloads as a real workbook.
	jobID := strings.TrimPrefix(res.Header.Get("Location"), "/jobs/")
	req, _ := http.NewRequest("GET", base+"imports/"+jobID+"/errors.xlsx", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	rep, err := http.DefaultClient.Do(req)
	if err != nil || rep.StatusCode != 200 {
		t.Fatalf("error report: %v %d", err, rep.StatusCode)
	}
	ef, err := excelize.OpenReader(rep.Body)
	rep.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := ef.GetRows(ef.GetSheetName(0))
	if len(rows) != 2 || rows[1][0] != "3" {
		t.Fatalf("error report rows: %v", rows)
	}
	// Import only the valid rows of the same upload.
	req, _ = http.NewRequest("POST", base+"imports/"+jobID+"/only-valid", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err = c.Do(req)
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("only valid: %v %d", err, res.StatusCode)
	}
	r = waitResult(t, base, admin, res.Header.Get("Location"))
	if !r.Committed || r.Imported != 2 || r.Skipped != 1 {
		t.Fatalf("only-valid result: %+v", r)
	}
	if n := count(); n != before+1 { // 县住建局 existed: updated, not added
		t.Fatalf("after only-valid: %d units, want %d", n, before+1)
	}
	// A file that is not Excel is refused at upload with a clear message.
	res = upload(t, base+"units/import", admin, []byte("<html>not excel</html>"))
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("non-excel upload: %d", res.StatusCode)
	}
}

func TestWebImportSQLite(t *testing.T)   { testWebImport(t, false) }
func TestWebImportPostgres(t *testing.T) { testWebImport(t, true) }
