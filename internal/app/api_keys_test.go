package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/jobs"
)

// snakeKey is a JSON key as the API writes them: lower-case words joined
// by underscores ("county_code", "progress_done").
var snakeKey = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// dataKey is a map key that is data, not a field name: a region code, a
// date or month, a state or code value written as it is stored.
// Figure IDs of the period report (F-MINE-1) are data too: the ids of the
// source report's figures.
var dataKey = regexp.MustCompile(`^([0-9][0-9-]*|[a-z0-9_\-]+|F-[A-Z]+-[0-9]+)$`)

// badKeys walks a decoded JSON value and lists the object keys that are
// not snake_case, with their path.
func badKeys(path string, v any, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if !snakeKey.MatchString(k) && !dataKey.MatchString(k) {
				*out = append(*out, path+"."+k)
			}
			if k == "chart" {
				continue // an ECharts option: the chart library's own format (xAxis, itemStyle …)
			}
			badKeys(path+"."+k, val, out)
		}
	case []any:
		for _, val := range x {
			badKeys(path+"[]", val, out)
		}
	}
}

// TestAPIKeysAreSnakeCase walks the answers of every GET route of the
// JSON API, as several roles on the demo county, filling {id} with ids
// from the lists, and fails on any key that is not snake_case.
func TestAPIKeysAreSnakeCase(t *testing.T) {
	a := demoApp(t, false, time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC))
	ctx := context.Background()
	// Something in the inbox and a job to read.
	if _, err := a.Hazard.Report(ctx, principal(t, a, "qiye"), hazard.NewHazard{Description: "配电柜无接地", FoundOn: "2026-06-01",
		Source: hazard.SourceSelfCheck}); err != nil {
		t.Fatal(err)
	}
	leader := principal(t, a, "leader")
	jobID, err := a.Jobs.EnqueueNow(ctx, jobs.NewJob{CountyCode: leader.CountyCode, Kind: "test_walk", CreatedBy: leader.UserID,
		Payload: map[string]string{"filename": "企业台账.xlsx"}})
	if err != nil {
		t.Fatal(err)
	}
	// A monthly bulletin to read.
	if rec := do(a, http.MethodPost, "/bulletins", userToken(t, a, "leader"), strings.NewReader("month=2026-05")); rec.Code != http.StatusSeeOther {
		t.Fatalf("issue a bulletin: %d %s", rec.Code, rec.Body.String())
	}
	ids := map[string]string{"/api/v1/jobs": jobID}
	var routes []string
	for _, r := range a.Router.Routes() {
		if strings.HasPrefix(r, "GET /api/v1/") && r != "GET /api/v1/openapi.json" { // the OpenAPI document's keys are OpenAPI's
			routes = append(routes, strings.TrimPrefix(r, "GET "))
		}
	}
	// Lists before the records they list.
	sort.Slice(routes, func(i, j int) bool { return strings.Count(routes[i], "{") < strings.Count(routes[j], "{") })
	walked := map[string]bool{}
	for _, user := range []string{"admin", "leader", "jg1", "town", "qiye"} {
		tok := userToken(t, a, user)
		for _, pattern := range routes {
			path, ok := fill(pattern, ids)
			if !ok {
				continue
			}
			rec := do(a, http.MethodGet, path, tok, nil)
			if rec.Code != http.StatusOK {
				continue
			}
			var v any
			if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
				t.Errorf("GET %s as %s: not JSON: %v", path, user, err)
				continue
			}
			walked[pattern] = true
			var bad []string
			badKeys("", v, &bad)
			if len(bad) > 0 {
				sort.Strings(bad)
				bad = slices.Compact(bad)
				t.Errorf("GET %s as %s: keys not snake_case: %s", path, user, strings.Join(bad, ", "))
			}
			// Remember a record id of a list for its {id} routes.
			if m, ok := v.(map[string]any); ok {
				if items, ok := m["items"].([]any); ok && len(items) > 0 {
					if it, ok := items[0].(map[string]any); ok {
						if id, ok := it["id"].(string); ok && ids[pathKey(pattern, ids)] == "" {
							ids[pathKey(pattern, ids)] = id
						}
					}
				}
			}
		}
	}
	for _, pattern := range routes {
		if !walked[pattern] {
			t.Errorf("GET %s answered no role with 200: the walk misses it", pattern)
		}
	}
}

// fill replaces each {param} of pattern with the id remembered for the
// path before it; ok is false when one is unknown.
func fill(pattern string, ids map[string]string) (string, bool) {
	out := ""
	for {
		i := strings.Index(pattern, "{")
		if i < 0 {
			return out + pattern, true
		}
		j := strings.Index(pattern, "}")
		prefix := out + strings.TrimSuffix(pattern[:i], "/")
		id, ok := ids[prefix]
		if !ok || id == "" {
			return "", false
		}
		out = prefix + "/" + id
		pattern = pattern[j+1:]
	}
}

// pathKey is the concrete path of a list route (ids filled in).
func pathKey(pattern string, ids map[string]string) string {
	p, _ := fill(pattern, ids)
	return p
}
