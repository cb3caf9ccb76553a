package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"yingji/internal/app"
	"yingji/internal/bureau/certificate"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/demo"
	"yingji/internal/kit/web"
)

type certList struct {
	Items []struct {
		ID           string `json:"id"`
		EnterpriseID string `json:"enterprise_id"`
		IDNumber     string `json:"id_number"`
		Status       string `json:"status"`
	} `json:"items"`
	Total int `json:"total"`
}

func getJSON(t *testing.T, a *app.App, path, token string, v any) {
	t.Helper()
	rec := do(a, "GET", path, token, nil)
	if rec.Code != 200 {
		t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body.String())
	}
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

func TestCertificatePages(t *testing.T) {
	a := start(t, false)
	ctx := context.Background()
	if err := a.LoadDemo(ctx, io.Discard); err != nil {
		t.Fatal(err)
	}
	toks := tokens(t, a)
	admin, jg2, qiye, town := toks[auth.RoleAdmin], toks[auth.RoleSection], toks[auth.RoleEnterprise], toks[auth.RoleTown]
	// tokens gives the section role to the last demo section user, jg2
	// of 监管二股 (工贸).

	// Loading the demo twice changes nothing.
	var all certList
	getJSON(t, a, "/api/v1/certificates?size=500", admin, &all)
	if err := a.LoadDemo(ctx, io.Discard); err != nil {
		t.Fatal(err)
	}
	var again certList
	getJSON(t, a, "/api/v1/certificates?size=1", admin, &again)
	if all.Total < 200 || again.Total != all.Total {
		t.Fatalf("demo certificates: %d, then %d after loading again", all.Total, again.Total)
	}
	// The checks below act on the real date, after the demo's business
	// date (the 2022 warnings' deadlines have passed).
	if err := a.SetBusinessDate(ctx, ""); err != nil {
		t.Fatal(err)
	}

	// The survey page of 监管二股: the 2022 warnings are overdue.
	rec := do(a, "GET", "/certificates/missing", jg2, nil)
	if body := rec.Body.String(); rec.Code != 200 || !strings.Contains(body, "逾期未取证") || !strings.Contains(body, "记录本次摸底") || strings.Contains(body, "非煤矿山 ·") {
		t.Fatalf("missing page: %d", rec.Code)
	}
	// A filter matching no enterprise says so (not "everyone holds a
	// certificate") and offers no survey of nothing.
	rec = do(a, "GET", "/certificates/missing?town=349901999", jg2, nil)
	if body := rec.Body.String(); rec.Code != 200 || !strings.Contains(body, `id="missing-none-in-scope"`) || strings.Contains(body, `id="record-survey"`) {
		t.Fatalf("missing page, empty scope: %d", rec.Code)
	}
	var missing certificate.MissingResult
	getJSON(t, a, "/api/v1/certificates/missing", jg2, &missing)
	if missing.Lacking == 0 || missing.Overdue == 0 || missing.InScope != 88 {
		t.Errorf("survey of 监管二股: %d in scope, %d lacking, %d overdue", missing.InScope, missing.Lacking, missing.Overdue)
	}
	rec = do(a, "GET", "/certificates/missing/export?state=overdue", jg2, nil)
	if rec.Code != 200 || !strings.Contains(rec.Header().Get("Content-Type"), "spreadsheetml") || rec.Body.Len() < 1000 {
		t.Errorf("missing export: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	// Warn an enterprise not warned yet: back to the list with the
	// deadline three months on.
	var unwarned certificate.MissingResult
	getJSON(t, a, "/api/v1/certificates/missing?state=none&sector=machinery", jg2, &unwarned)
	if len(unwarned.Findings) > 0 {
		e := unwarned.Findings[0].Enterprise
		form := url.Values{"enterprise_id": {e.ID}, "warned_on": {""}, "back": {"/certificates/missing"}}
		rec = do(a, "POST", "/certificates/warnings", jg2, strings.NewReader(form.Encode()))
		deadline := certificate.Deadline(certificate.Today(time.Now())).String()
		if rec.Code != 303 || !strings.Contains(cookie(rec, "flash"), deadline) {
			t.Errorf("warn: %d %q", rec.Code, cookie(rec, "flash"))
		}
	}
	var warnings struct {
		Items []certificate.Warning `json:"items"`
		Total int                   `json:"total"`
	}
	getJSON(t, a, "/api/v1/certificates/warnings?from=2022-06-01&to=2022-06-30", admin, &warnings)
	if warnings.Total < 10 {
		t.Fatalf("June 2022 warnings: %d", warnings.Total)
	}
	rec = do(a, "GET", "/certificates/warnings/"+warnings.Items[0].ID+"/pdf", admin, nil)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/pdf" || !strings.HasPrefix(rec.Body.String(), "%PDF") {
		t.Errorf("warning notice: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}

	// The enterprise account sees its own certificates only; reaching for
	// another enterprise's is refused (403) and audited.
	var own certList
	getJSON(t, a, "/api/v1/certificates?size=500", qiye, &own)
	if own.Total == 0 {
		t.Fatal("the demo enterprise has no certificates")
	}
	for _, c := range own.Items {
		if c.EnterpriseID != demo.EnterpriseID || strings.Contains(c.IDNumber, "*") {
			t.Errorf("enterprise account sees %s of %s (%s)", c.ID, c.EnterpriseID, c.IDNumber)
		}
	}
	other := ""
	for _, c := range all.Items {
		if c.EnterpriseID != demo.EnterpriseID {
			other = c.ID
			break
		}
	}
	for _, path := range []string{"/certificates/" + other, "/api/v1/certificates/" + other, "/certificates/" + other + "/edit"} {
		rec = do(a, "GET", path, qiye, nil)
		if rec.Code != 403 || rec.Header().Get(web.DeniedByHeader) != "" {
			t.Errorf("enterprise account GET %s: %d", path, rec.Code)
		}
	}
	var denied int
	if err := a.DB.R().QueryRow(`SELECT count(*) FROM audit_log WHERE entity = 'certificate' AND action = 'denied' AND entity_id = $1`, other).Scan(&denied); err != nil || denied != 3 {
		t.Errorf("denied attempts audited: %d %v", denied, err)
	}
	if rec := do(a, "GET", "/certificates/missing", qiye, nil); rec.Code != 403 {
		t.Errorf("enterprise account on the survey page: %d", rec.Code)
	}
	rec = do(a, "GET", "/enterprises/"+demo.EnterpriseID, qiye, nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "人员证书") {
		t.Errorf("enterprise page lacks the certificates: %d", rec.Code)
	}

	// Town staff see ID numbers masked.
	var masked certList
	getJSON(t, a, "/api/v1/certificates?size=5", town, &masked)
	if masked.Total == 0 || !strings.Contains(masked.Items[0].IDNumber, "********") {
		t.Errorf("town sees %+v", masked.Items)
	}

	// The form keeps what was typed and names the field at fault.
	form := url.Values{"enterprise_id": {demo.EnterpriseID}, "person_name": {"测试人员"}, "id_number": {"110105194912310021"},
		"person_role": {"principal"}, "kind": {"safety_competence"}, "category": {"mining"}, "number": {"TEST-1"}, "issued_on": {"2022-01-05"}}
	rec = do(a, "POST", "/certificates", admin, strings.NewReader(form.Encode()))
	if body := rec.Body.String(); rec.Code != 422 || !strings.Contains(body, `value="测试人员"`) || !strings.Contains(body, "校验位错误") {
		t.Errorf("bad form: %d", rec.Code)
	}
	form.Set("id_number", "11010519491231002X")
	// Valid longer than 3 years: refused on the form, naming the limit.
	form.Set("expires_on", "2025-01-05")
	rec = do(a, "POST", "/certificates", admin, strings.NewReader(form.Encode()))
	if body := rec.Body.String(); rec.Code != 422 || !strings.Contains(body, "不能超过 3 年") || !strings.Contains(body, "2025-01-04") || !strings.Contains(body, `value="2025-01-05"`) {
		t.Errorf("validity over the limit: %d", rec.Code)
	}
	form.Set("expires_on", "")
	rec = do(a, "POST", "/certificates", admin, strings.NewReader(form.Encode()))
	if rec.Code != 303 || !strings.HasPrefix(rec.Header().Get("Location"), "/certificates/") {
		t.Fatalf("good form: %d %s", rec.Code, rec.Body.String())
	}
	rec = do(a, "GET", rec.Header().Get("Location"), admin, nil)
	if body := rec.Body.String(); rec.Code != 200 || !strings.Contains(body, "2025-01-04") || !strings.Contains(body, "11010519491231002X") {
		t.Errorf("detail page: %d", rec.Code)
	}

	// Pages render in both languages.
	for _, path := range []string{"/certificates", "/certificates/missing", "/certificates/warnings", "/certificates/new", "/certificates/" + other, "/certificates/" + other + "/renew", "/"} {
		for _, lang := range []string{"zh", "en"} {
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set("Authorization", "Bearer "+jg2)
			req.AddCookie(&http.Cookie{Name: "lang", Value: lang})
			rec := httptest.NewRecorder()
			a.Handler.ServeHTTP(rec, req)
			body := rec.Body.String()
			if path == "/certificates/"+other || path == "/certificates/"+other+"/renew" {
				if rec.Code == 404 { // another section's certificate
					continue
				}
			}
			if rec.Code != 200 || strings.Contains(body, "certificate.") || strings.Contains(body, "sector.") {
				t.Errorf("%s in %s: %d, untranslated: %v", path, lang, rec.Code, strings.Contains(body, "certificate."))
			}
		}
	}
	if a.JobHandlers[certificate.SweepKind] == nil {
		t.Error("the expiry sweep is not registered")
	}
	res, err := a.VerifyAudit(ctx)
	if err != nil || !res.OK() {
		t.Errorf("audit chain: %+v %v", res, err)
	}
}

func cookie(rec *httptest.ResponseRecorder, name string) string {
	for _, c := range rec.Result().Cookies() {
		if c.Name == name {
			v, _ := url.QueryUnescape(c.Value)
			return v
		}
	}
	return ""
}
