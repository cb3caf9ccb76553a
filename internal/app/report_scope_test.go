package app_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// The report's scope is chosen from a list of what the user may see: the
// county and its towns for the bureau, only their town for a town's
// staff; any other scope is refused with a message naming it, on the
// page, the API and the draft form.
func TestReportScopeChoices(t *testing.T) { testReportScopeChoices(t, false) }

func TestReportScopeChoicesOnPostgres(t *testing.T) { testReportScopeChoices(t, true) }

func testReportScopeChoices(t *testing.T, pg bool) {
	a := start(t, pg)
	leader, town := userToken(t, a, "leader"), userToken(t, a, "town")
	options := regexp.MustCompile(`<option value="([0-9]*)"( selected)?>([^<]*)</option>`)
	choices := func(token, query string) (codes []string, selected string, body string) {
		t.Helper()
		rec := do(a, http.MethodGet, "/reports?from=2022-01-01&to=2022-06-30"+query, token, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("report page%s: %d", query, rec.Code)
		}
		body = rec.Body.String()
		i := strings.Index(body, `id="report-scope"`)
		j := strings.Index(body[max(i, 0):], "</select>")
		if i < 0 || j < 0 {
			t.Fatalf("no scope list on the page")
		}
		for _, m := range options.FindAllStringSubmatch(body[i:i+j], -1) {
			codes = append(codes, m[1]+"="+m[3])
			if m[2] != "" {
				selected = m[1]
			}
		}
		return codes, selected, body
	}
	got, sel, _ := choices(leader, "")
	if len(got) != 10 || got[0] != "=全县" || got[1] != "349901100=籍山镇" || got[9] != "349901400=经济开发区" || sel != "" {
		t.Errorf("leader's scopes: %v (selected %q)", got, sel)
	}
	if _, sel, _ := choices(leader, "&region=349901103"); sel != "349901103" {
		t.Errorf("leader's chosen town not selected: %q", sel)
	}
	got, sel, _ = choices(town, "")
	if len(got) != 1 || got[0] != "349901100=籍山镇" || sel != "349901100" {
		t.Errorf("town's scopes: %v (selected %q)", got, sel)
	}

	for _, c := range []struct{ who, token, region string }{
		{"town asks for another town", town, "349901101"},
		{"town asks for the county", town, "349901"},
		{"leader asks for another county", leader, "349902100"},
		{"leader asks for a town that does not exist", leader, "349901999"},
		{"leader types letters", leader, "abc"},
	} {
		rec := do(a, http.MethodGet, "/reports?from=2022-01-01&to=2022-06-30&region="+c.region, c.token, nil)
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "范围“"+c.region+"”不可选") ||
			!strings.Contains(rec.Body.String(), `<option value="`+c.region+`" selected>`) {
			t.Errorf("%s: page %d %s", c.who, rec.Code, rec.Body.String())
		}
		if rec := do(a, http.MethodGet, "/api/v1/reports/figures?from=2022-01-01&to=2022-06-30&region="+c.region, c.token, nil); rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("%s: API %d", c.who, rec.Code)
		}
		if rec := doForm(a, "/reports/drafts", c.token, "from=2022-01-01&to=2022-06-30&title=t&region="+c.region); rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("%s: draft %d", c.who, rec.Code)
		}
	}
	// A village inside the town is still a scope (the CLI and API take it).
	if rec := do(a, http.MethodGet, "/api/v1/reports/figures?from=2022-01-01&to=2022-06-30&region=349901100201", town, nil); rec.Code != http.StatusOK {
		t.Errorf("town's village: %d", rec.Code)
	}
}
