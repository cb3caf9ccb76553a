package app_test

import (
	"context"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"yingji/internal/bureau/certificate"
	"yingji/internal/kit/auth"
)

// The home page keeps the certificate survey's figure between requests
// (it reads every enterprise in scope), yet a new certificate changes it
// on the next request.
func TestHomeFigureKeptUntilItsRecordsChange(t *testing.T) {
	a := start(t, false)
	ctx := context.Background()
	if err := a.LoadDemo(ctx, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := a.SetBusinessDate(ctx, ""); err != nil {
		t.Fatal(err)
	}
	toks := tokens(t, a)
	admin, jg2 := toks[auth.RoleAdmin], toks[auth.RoleSection]
	figure := regexp.MustCompile(`href="/certificates/missing\?role=principal"><span class="num">([0-9,]+)</span>`)
	missing := func() int {
		t.Helper()
		rec := do(a, "GET", "/", jg2, nil)
		m := figure.FindStringSubmatch(rec.Body.String())
		if rec.Code != 200 || m == nil {
			t.Fatalf("home: %d, no missing-principal figure", rec.Code)
		}
		n, _ := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
		return n
	}
	var survey certificate.MissingResult
	getJSON(t, a, "/api/v1/certificates/missing?role=principal", jg2, &survey)
	before := missing()
	if before == 0 || before != missing() || len(survey.Findings) == 0 {
		t.Fatalf("missing principals: %d on the home page, %d in the survey", before, len(survey.Findings))
	}
	ent := survey.Findings[0].Enterprise
	form := url.Values{"enterprise_id": {ent.ID}, "person_name": {"测试负责人"}, "id_number": {"11010519491231002X"},
		"person_role": {"principal"}, "kind": {"safety_competence"}, "category": {"mining"}, "number": {"MEMO-1"},
		"issued_on": {time.Now().AddDate(0, -1, 0).Format(time.DateOnly)}}
	if rec := do(a, "POST", "/certificates", admin, strings.NewReader(form.Encode())); rec.Code != 303 {
		t.Fatalf("certificate for %s: %d %s", ent.Name, rec.Code, rec.Body.String())
	}
	if after := missing(); after != before-1 {
		t.Fatalf("after a principal's certificate for %s the home page says %d missing (was %d)", ent.Name, after, before)
	}
}

// Home pages rendered side by side for users of different scopes (the
// county's leader, a town, an enterprise) each show their own figures,
// never another scope's kept ones, and say when they were counted.
func TestHomeMemoKeepsScopesApart(t *testing.T) {
	a := start(t, false)
	leader, town, qiye := userToken(t, a, "leader"), userToken(t, a, "town"), userToken(t, a, "qiye")
	counted := regexp.MustCompile(`id="counted-at">统计于 \d\d:\d\d:\d\d<`)
	want := map[string]string{}
	for name, tok := range map[string]string{"leader": leader, "town": town, "qiye": qiye} {
		rec := do(a, "GET", "/", tok, nil)
		if rec.Code != 200 || !counted.MatchString(rec.Body.String()) {
			t.Fatalf("%s home: %d, no 统计于 footnote", name, rec.Code)
		}
		want[name] = stripCounted(rec.Body.String())
	}
	if want["leader"] == want["town"] || want["town"] == want["qiye"] {
		t.Fatal("the demo users' homes do not differ: the test shows nothing")
	}
	var wg sync.WaitGroup
	for range 6 {
		for name, tok := range map[string]string{"leader": leader, "town": town, "qiye": qiye} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rec := do(a, "GET", "/", tok, nil)
				if got := stripCounted(rec.Body.String()); rec.Code != 200 || got != want[name] {
					t.Errorf("%s home under concurrent renders: %d, not its own page", name, rec.Code)
				}
			}()
		}
	}
	wg.Wait()
}

var countedAt = regexp.MustCompile(`\d\d:\d\d:\d\d`)

func stripCounted(s string) string { return countedAt.ReplaceAllString(s, "") }
