package app_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/org"
	"yingji/internal/kit/textlimit"
	"yingji/internal/kit/xlsx/xlsxtest"
)

// The same over-long enterprise name is refused by the form, the JSON API
// and the Excel import, each naming the same limit (the shared table of
// internal/kit/textlimit): 101 characters refused, 100 kept.
func testTextLimitsAgree(t *testing.T, pg bool) {
	a := start(t, pg)
	toks := tokens(t, a)
	base := serveWithJobs(t, a)
	admin := toks[auth.RoleAdmin]
	limit := textlimit.For("name")
	if limit != 100 {
		t.Fatalf("enterprise name limit %d, want 100", limit)
	}
	want := "最多 100 个字符"
	tooLong := strings.Repeat("企", limit-4) + "有限公司X" // 101 characters
	atLimit := strings.Repeat("企", limit-4) + "有限公司"  // 100 characters
	sector := org.Sectors.ZH("machinery")

	// Form.
	form := url.Values{"name": {tooLong}, "credit_code": {enterprise.DemoCreditCode("349901", 9201)},
		"town_code": {"349901100"}, "sector": {"machinery"}}
	if rec := do(a, "POST", "/enterprises", admin, strings.NewReader(form.Encode())); rec.Code != 422 || !strings.Contains(rec.Body.String(), want) {
		t.Errorf("form, 101 characters: %d, message without %q: %.300s", rec.Code, want, rec.Body)
	}

	// JSON API.
	body := func(name string, n int) *strings.Reader {
		b, _ := json.Marshal(map[string]any{"name": name, "credit_code": enterprise.DemoCreditCode("349901", n),
			"town_code": "349901100", "sector": "machinery"})
		return strings.NewReader(string(b))
	}
	rec := do(a, "POST", "/api/v1/enterprises", admin, body(tooLong, 9202))
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), want) || !strings.Contains(rec.Body.String(), `"field":"name"`) {
		t.Errorf("API, 101 characters: %d %s", rec.Code, rec.Body)
	}
	rec = do(a, "POST", "/api/v1/enterprises", admin, body(atLimit, 9203))
	if rec.Code != 201 {
		t.Fatalf("API, 100 characters: %d %s", rec.Code, rec.Body)
	}
	var got enterprise.Enterprise
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.Name != atLimit {
		t.Fatalf("API kept %q (%v)", got.Name, err)
	}

	// Excel import (all or nothing: the file with the long row commits nothing).
	row := func(name string, n int) []any {
		return []any{name, enterprise.DemoCreditCode("349901", n), "349901100", "", "", "", "", sector}
	}
	file := xlsxtest.Fill(t, enterprise.Schema(), [][]any{row(atLimit+"", 9204), row(tooLong, 9205)})
	res := upload(t, base+"enterprises/import", admin, file)
	if res.StatusCode != 303 {
		t.Fatalf("upload: %d", res.StatusCode)
	}
	r := waitResult(t, base, admin, res.Header.Get("Location"))
	if r.Committed || r.ErrorCount != 1 || r.Errors[0].Row != 3 || !strings.Contains(r.Errors[0].Reason, want) {
		t.Fatalf("import with a 101-character name: %+v", r)
	}
	file = xlsxtest.Fill(t, enterprise.Schema(), [][]any{row(strings.Replace(atLimit, "企", "业", 1), 9204)})
	res = upload(t, base+"enterprises/import", admin, file)
	if r := waitResult(t, base, admin, res.Header.Get("Location")); !r.Committed || r.Imported != 1 {
		t.Fatalf("import with a 100-character name: %+v", r)
	}
	list, _, err := a.Enterprise.List(context.Background(), a.System(), enterprise.Filter{Q: strings.Replace(atLimit, "企", "业", 1), Limit: 10})
	if err != nil || len(list) != 1 {
		t.Fatalf("imported 100-character name not found: %d %v", len(list), err)
	}
}

func TestTextLimitsAgreeSQLite(t *testing.T)   { testTextLimitsAgree(t, false) }
func TestTextLimitsAgreePostgres(t *testing.T) { testTextLimitsAgree(t, true) }
