package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"yingji/internal/app"
	"yingji/internal/bureau/prepare"
)

// Staff write the words around the figures and save versions; the
// exports carry words and figures; the figures cannot be typed.
func TestReportDraftsAndExports(t *testing.T) {
	a := demoApp(t, false, time.Date(2022, 6, 30, 4, 0, 0, 0, time.UTC))
	leader := userToken(t, a, "leader")
	form := "from=2022-01-01&to=2022-06-30&region=&title=上半年工作总结&narrative.intro=今年以来，我局坚持人民至上。&narrative.housing=自建房整治扎实推进。"
	rec := doForm(a, "/reports/drafts", leader, form)
	if rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Location"), "draft=") {
		t.Fatalf("save draft: %d %s", rec.Code, rec.Body.String())
	}
	loc := rec.Header().Get("Location")
	rec = doForm(a, "/reports/drafts", leader, strings.Replace(form, "扎实推进", "全面完成", 1))
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("second version: %d", rec.Code)
	}
	page := do(a, http.MethodGet, loc, leader, nil)
	if page.Code != http.StatusOK || !strings.Contains(page.Body.String(), "自建房整治扎实推进。") || !strings.Contains(page.Body.String(), "v2") {
		t.Fatalf("version 1 page: %d", page.Code)
	}
	// An invalid draft keeps what was typed and names the field.
	rec = doForm(a, "/reports/drafts", leader, "from=2022-01-01&to=2022-06-30&title=&narrative.intro=保留这段文字")
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "保留这段文字") || !strings.Contains(rec.Body.String(), "请填写报告标题") {
		t.Errorf("invalid draft: %d", rec.Code)
	}
	// A town user may read the report but an enterprise account may not.
	if rec := do(a, http.MethodGet, "/reports", userToken(t, a, "qiye"), nil); rec.Code != http.StatusForbidden {
		t.Errorf("enterprise account: %d", rec.Code)
	}
	q := strings.TrimPrefix(loc, "/reports?")
	txt := do(a, http.MethodGet, "/reports/export.txt?"+q, leader, nil)
	if !strings.Contains(txt.Body.String(), "今年以来，我局坚持人民至上。") || !strings.Contains(txt.Body.String(), "自建房整治扎实推进。全县共排查自建房128053栋") {
		t.Errorf("text export:\n%s", txt.Body.String())
	}
	pdf := do(a, http.MethodGet, "/reports/export.pdf?"+q, leader, nil)
	if got := pdfText(t, pdf.Body.Bytes()); !strings.Contains(squashSpace(got), "128053") || !strings.Contains(squashSpace(got), "人民至上") {
		t.Errorf("PDF text lacks the figures or the words:\n%s", got)
	}
	docx := do(a, http.MethodGet, "/reports/export.docx?"+q, leader, nil)
	if got := docxText(t, docx.Body.Bytes()); !strings.Contains(got, "128053") || !strings.Contains(got, "人民至上") {
		t.Errorf("DOCX text lacks the figures or the words:\n%s", got)
	}
}

func doForm(a *app.App, path, token, form string) *httptest.ResponseRecorder {
	return do(a, http.MethodPost, path, token, strings.NewReader(form))
}

// needCommand returns a tool's path; outside CI a missing tool skips the
// test, under CI it fails it.
func needCommand(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not found but CI is set: apt-get install %s", name, pkg)
		}
		t.Skipf("%s not found (apt-get install %s)", name, pkg)
	}
	return p
}

// pdfText is a PDF's text by pdftotext (a real reader).
func pdfText(t *testing.T, pdf []byte) string {
	return toolText(t, needCommand(t, "pdftotext", "poppler-utils"), "report.pdf", pdf, "-")
}

// docxText is a DOCX's text by docx2txt (a real reader).
func docxText(t *testing.T, docx []byte) string {
	return toolText(t, needCommand(t, "docx2txt", "docx2txt"), "report.docx", docx, "-")
}

func toolText(t *testing.T, tool, name string, data []byte, args ...string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(f, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, append([]string{f}, args...)...).Output()
	if err != nil {
		t.Fatalf("%s: %v (%d bytes in)", tool, err, len(data))
	}
	return string(out)
}

func squashSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// The monthly bulletin ranks towns and sections by the month's cards from
// the records, goes to leaders, sections and towns through the outbox,
// prints and exports, and is issued once a month.
func TestMonthlyBulletin(t *testing.T) {
	a := demoApp(t, false, time.Date(2022, 6, 30, 4, 0, 0, 0, time.UTC))
	leader := userToken(t, a, "leader")
	rec := doForm(a, "/bulletins", leader, "month=2022-05")
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("issue: %d %s", rec.Code, rec.Body.String())
	}
	loc := rec.Header().Get("Location")
	page := do(a, http.MethodGet, loc, leader, nil)
	if page.Code != http.StatusOK || !strings.Contains(page.Body.String(), "5月红黄牌情况（按乡镇）") {
		t.Fatalf("bulletin page: %d", page.Code)
	}
	type table struct {
		Title string     `json:"title"`
		Rows  [][]string `json:"rows"`
	}
	var b struct {
		Tables     []table `json:"tables"`
		Recipients int     `json:"recipients"`
	}
	api := do(a, http.MethodGet, "/api/v1"+loc, leader, nil)
	if err := json.Unmarshal(api.Body.Bytes(), &b); err != nil || len(b.Tables) != 4 || len(b.Tables[0].Rows) == 0 || b.Tables[0].Rows[0][0] != "1" || b.Recipients == 0 {
		t.Fatalf("bulletin API: %v %s", err, api.Body.String())
	}
	// Resource completeness (the preparedness module's monthly
	// assessment) ranked by town and by section, as the assessment ranks
	// them.
	as, err := a.Prepare.Assess(context.Background(), a.System(), "2022-05", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct {
		title string
		ranks []prepare.Rank
	}{{"5月应急资源建设和填报情况（按乡镇）", as.Towns}, {"5月应急资源建设和填报情况（按股室）", as.Sections}} {
		i := slices.IndexFunc(b.Tables, func(x table) bool { return x.Title == want.title })
		if i < 0 || len(want.ranks) == 0 || len(b.Tables[i].Rows) != len(want.ranks) {
			t.Fatalf("%s: not in the bulletin or %d rows for %d ranked", want.title, len(b.Tables[max(i, 0)].Rows), len(want.ranks))
		}
		for j, r := range want.ranks {
			row := b.Tables[i].Rows[j]
			if row[0] != strconv.Itoa(r.Rank) || row[2] != strconv.Itoa(r.Enterprises) || row[3] != strconv.Itoa(r.Complete) ||
				row[4] != strconv.FormatFloat(r.Score, 'f', 1, 64) || row[1] == "" || row[1] == r.Key {
				t.Errorf("%s row %d: %v, assessment %+v", want.title, j, row, r)
			}
		}
	}
	if !strings.Contains(page.Body.String(), "5月应急资源建设和填报情况（按股室）") {
		t.Error("the bulletin page lacks the resource completeness ranking")
	}
	// The town user was told and reads it.
	town := userToken(t, a, "town")
	inbox := do(a, http.MethodGet, "/api/v1/notifications", town, nil)
	if !strings.Contains(inbox.Body.String(), "2022年5月工作通报") {
		t.Errorf("the town was not told: %s", inbox.Body.String())
	}
	if rec := do(a, http.MethodGet, loc, town, nil); rec.Code != http.StatusOK {
		t.Errorf("town reads the bulletin: %d", rec.Code)
	}
	if got := pdfText(t, do(a, http.MethodGet, loc+"/pdf", leader, nil).Body.Bytes()); !strings.Contains(squashSpace(got), "红黄牌情况") {
		t.Errorf("PDF: %s", got)
	}
	x := do(a, http.MethodGet, loc+"/xlsx", leader, nil)
	if x.Code != http.StatusOK || !strings.Contains(x.Header().Get("Content-Type"), "spreadsheetml") {
		t.Errorf("Excel: %d", x.Code)
	}
	// Once a month; a month not over yet is refused; a town may not issue.
	if rec := doForm(a, "/bulletins", leader, "month=2022-05"); rec.Code != http.StatusConflict {
		t.Errorf("second bulletin of May: %d", rec.Code)
	}
	if rec := doForm(a, "/bulletins", leader, "month=2022-06"); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("June, not over: %d", rec.Code)
	}
	if rec := doForm(a, "/bulletins", town, "month=2022-04"); rec.Code != http.StatusForbidden {
		t.Errorf("town issues: %d", rec.Code)
	}
}
