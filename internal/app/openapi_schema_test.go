package app_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// openAPIDoc fetches and decodes /api/v1/openapi.json.
func openAPIDoc(t *testing.T, get func(path string) (int, []byte)) map[string]any {
	t.Helper()
	code, body := get("/api/v1/openapi.json")
	var doc map[string]any
	if code != http.StatusOK || json.Unmarshal(body, &doc) != nil {
		t.Fatalf("openapi: %d %.200s", code, body)
	}
	return doc
}

// at follows keys (object keys) through a decoded JSON value.
func at(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// deref resolves a schema's $ref against the document's components.
func deref(doc map[string]any, sc any) map[string]any {
	m, _ := sc.(map[string]any)
	for m != nil {
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		m, _ = at(doc, "components", "schemas", strings.TrimPrefix(ref, "#/components/schemas/")).(map[string]any)
	}
	return m
}

func propNames(sc map[string]any) []string {
	props, _ := sc["properties"].(map[string]any)
	var out []string
	for k := range props {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestOpenAPISchemas: the document names the fields of the declared
// request and response types, every $ref resolves and no declared body
// is left as a bare object.
func TestOpenAPISchemas(t *testing.T) {
	a := start(t, false)
	size := 0
	began := time.Now()
	doc := openAPIDoc(t, func(path string) (int, []byte) {
		rec := do(a, "GET", path, "", nil)
		size = rec.Body.Len()
		return rec.Code, rec.Body.Bytes()
	})
	t.Logf("openapi.json: %d bytes in %v", size, time.Since(began))
	comps, _ := at(doc, "components", "schemas").(map[string]any)
	if comps["Error"] == nil || comps["enterprise.Enterprise"] == nil || len(comps) < 30 {
		t.Fatalf("components: %d schemas, Error and enterprise.Enterprise expected", len(comps))
	}
	// The enterprise list: a page whose items are enterprises.
	list := deref(doc, at(doc, "paths", "/api/v1/enterprises", "get", "responses", "200", "content", "application/json", "schema"))
	if !slices.Equal(propNames(list), []string{"items", "page", "size", "total"}) {
		t.Fatalf("enterprise list: %v", list)
	}
	ent := deref(doc, at(list, "properties", "items", "items"))
	for _, f := range []string{"id", "name", "credit_code", "town_code", "sector"} {
		if !slices.Contains(propNames(ent), f) {
			t.Errorf("enterprise list items lack %s: %v", f, propNames(ent))
		}
	}
	// The hazard report request.
	rep := deref(doc, at(doc, "paths", "/api/v1/hazards", "post", "requestBody", "content", "application/json", "schema"))
	for _, f := range []string{"enterprise_id", "place_name", "town_code", "source", "description", "found_on"} {
		if !slices.Contains(propNames(rep), f) {
			t.Errorf("hazard report request lacks %s: %v", f, propNames(rep))
		}
	}
	if at(rep, "properties", "found_on", "type") != "string" {
		t.Errorf("found_on: %v", at(rep, "properties", "found_on"))
	}
	// Every $ref resolves; every object of a declared type has its fields.
	var walk func(path string, v any)
	refs := 0
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				refs++
				name, found := strings.CutPrefix(ref, "#/components/schemas/")
				if !found || comps[name] == nil {
					t.Errorf("%s: $ref %s does not resolve", path, ref)
				}
			}
			for k, val := range x {
				walk(path+"/"+k, val)
			}
		case []any:
			for i, val := range x {
				walk(fmt.Sprintf("%s/%d", path, i), val)
			}
		}
	}
	walk("#", doc)
	if refs < 50 {
		t.Errorf("only %d $refs: the types are not described", refs)
	}
	for name, sc := range comps {
		if reflect.DeepEqual(sc, map[string]any{"type": "object"}) {
			t.Errorf("component %s is a bare object", name)
		}
	}
	// Every operation describes its bodies: a JSON answer (200) and a JSON
	// request (POST, PUT, PATCH) have a schema with fields. A route that
	// reads no body (web.NoBody) has no requestBody, one that answers 204
	// (web.NoBody) no 200, and a body that is not JSON (web.Content) is a
	// string of its media type. No exception is needed today: no /api/v1
	// route sends a file (the Excel and PDF downloads are pages).
	typedIn, typedOut, noBody := 0, 0, 0
	for path, ops := range at(doc, "paths").(map[string]any) {
		for method, op := range ops.(map[string]any) {
			route := strings.ToUpper(method) + " " + path
			if at(op, "responses", "200") == nil {
				if at(op, "responses", "204") == nil {
					t.Errorf("%s: neither 200 nor 204", route)
				}
			} else if out := at(op, "responses", "200", "content", "application/json", "schema"); !described(doc, out) {
				t.Errorf("%s: the answer has no described schema: %v", route, out)
			} else {
				typedOut++
			}
			if method != "post" && method != "put" && method != "patch" {
				continue
			}
			content, _ := at(op, "requestBody", "content").(map[string]any)
			if at(op, "requestBody") == nil {
				noBody++
				continue
			}
			for media, c := range content {
				in := at(c, "schema")
				if media != "application/json" {
					if at(in, "type") != "string" {
						t.Errorf("%s: %s body: %v", route, media, in)
					}
					continue
				}
				if !described(doc, in) {
					t.Errorf("%s: the request has no described schema: %v", route, in)
					continue
				}
				typedIn++
			}
		}
	}
	if typedIn < 90 || typedOut < 220 {
		t.Errorf("described bodies: %d requests, %d responses", typedIn, typedOut)
	}
	// The answer check below can fail: a wrong type, an unknown field and
	// a missing one are all reported.
	var bad []string
	conforms(doc, "", list, map[string]any{"items": []any{map[string]any{"credit_code": 5.0, "bogus": true}}, "total": 1.5, "page": 1.0, "size": 50.0}, &bad)
	for _, want := range []string{"[0].credit_code: number", "[0].bogus: not in the schema", "[0].name: required but missing", ".total: number"} {
		if !slices.ContainsFunc(bad, func(s string) bool { return strings.Contains(s, want) }) {
			t.Errorf("conforms misses %q: %v", want, bad)
		}
	}
	t.Logf("%d components, %d $refs, %d typed requests, %d typed responses, %d steps without a body", len(comps), refs, typedIn, typedOut, noBody)
}

// described reports whether a schema says what the body holds: an object
// with fields (or a map of described values), a list of described items,
// a scalar, or the empty object web.Empty (a step that needs no fields).
// A bare {"type": "object"} or an empty schema (any value) is not.
func described(doc map[string]any, sc any) bool {
	if ref, _ := at(sc, "$ref").(string); ref == "#/components/schemas/web.Empty" {
		return true
	}
	m := deref(doc, sc)
	if len(m) == 0 {
		return false
	}
	if alts, ok := m["anyOf"].([]any); ok {
		for _, alt := range alts {
			if at(alt, "type") != "null" && !described(doc, alt) {
				return false
			}
		}
		return true
	}
	var types []string
	switch typ := m["type"].(type) {
	case string:
		types = []string{typ}
	case []any:
		for _, x := range typ {
			types = append(types, x.(string))
		}
	}
	switch {
	case slices.Contains(types, "object"):
		if props, _ := m["properties"].(map[string]any); len(props) > 0 {
			return true
		}
		return m["additionalProperties"] != nil && described(doc, m["additionalProperties"])
	case slices.Contains(types, "array"):
		return described(doc, m["items"])
	}
	return len(types) > 0
}

// conforms lists where v does not match the schema sc (type, required
// and unknown fields), resolving $refs against doc.
func conforms(doc map[string]any, path string, sc map[string]any, v any, out *[]string) {
	sc = deref(doc, sc)
	if len(sc) == 0 {
		return
	}
	if alts, ok := sc["anyOf"].([]any); ok {
		for _, alt := range alts {
			var errs []string
			conforms(doc, path, alt.(map[string]any), v, &errs)
			if len(errs) == 0 {
				return
			}
		}
		*out = append(*out, fmt.Sprintf("%s: %T matches no alternative", path, v))
		return
	}
	var types []string
	switch typ := sc["type"].(type) {
	case string:
		types = []string{typ}
	case []any:
		for _, x := range typ {
			types = append(types, x.(string))
		}
	}
	kind := "null"
	switch x := v.(type) {
	case string:
		kind = "string"
	case bool:
		kind = "boolean"
	case float64:
		kind = "number"
		if x == math.Trunc(x) && slices.Contains(types, "integer") {
			kind = "integer"
		}
	case []any:
		kind = "array"
	case map[string]any:
		kind = "object"
	}
	if len(types) > 0 && !slices.Contains(types, kind) {
		*out = append(*out, fmt.Sprintf("%s: %s, schema says %v", path, kind, types))
		return
	}
	switch x := v.(type) {
	case []any:
		items, _ := sc["items"].(map[string]any)
		for i, it := range x {
			if i > 2 {
				break
			}
			conforms(doc, fmt.Sprintf("%s[%d]", path, i), items, it, out)
		}
	case map[string]any:
		props, hasProps := sc["properties"].(map[string]any)
		add, _ := sc["additionalProperties"].(map[string]any)
		for k, val := range x {
			if p, ok := props[k].(map[string]any); ok {
				conforms(doc, path+"."+k, p, val, out)
			} else if add != nil {
				conforms(doc, path+"."+k, add, val, out)
			} else if hasProps {
				*out = append(*out, path+"."+k+": not in the schema")
			}
		}
		if req, ok := sc["required"].([]any); ok {
			for _, r := range req {
				if _, ok := x[r.(string)]; !ok {
					*out = append(*out, path+"."+r.(string)+": required but missing")
				}
			}
		}
	}
}

// TestOpenAPIResponsesMatch reads every GET route of the JSON API that
// declares its answer, as several roles on the demo county, and checks
// the answers against the schemas the document gives.
func TestOpenAPIResponsesMatch(t *testing.T) {
	for _, pg := range []bool{false, true} {
		t.Run(map[bool]string{false: "sqlite", true: "postgres"}[pg], func(t *testing.T) {
			a := demoApp(t, pg, time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC))
			doc := openAPIDoc(t, func(path string) (int, []byte) {
				rec := do(a, "GET", path, "", nil)
				return rec.Code, rec.Body.Bytes()
			})
			var routes []string
			for path, ops := range at(doc, "paths").(map[string]any) {
				if at(ops, "get", "responses", "200", "content", "application/json", "schema") != nil {
					routes = append(routes, path)
				}
			}
			sort.Slice(routes, func(i, j int) bool {
				if ci, cj := strings.Count(routes[i], "{"), strings.Count(routes[j], "{"); ci != cj {
					return ci < cj
				}
				return routes[i] < routes[j]
			})
			ids := map[string]string{}
			checked := map[string]bool{}
			for _, user := range []string{"admin", "leader", "jg1", "qiye"} {
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
						t.Fatalf("GET %s: %v", path, err)
					}
					checked[pattern] = true
					sc, _ := at(doc, "paths", pattern, "get", "responses", "200", "content", "application/json", "schema").(map[string]any)
					var bad []string
					conforms(doc, "", sc, v, &bad)
					if len(bad) > 0 {
						sort.Strings(bad)
						t.Errorf("GET %s as %s does not match its schema:\n  %s", path, user, strings.Join(slices.Compact(bad), "\n  "))
					}
					if id, ok := at(v, "items").([]any); ok && len(id) > 0 {
						if s, ok := at(id[0], "id").(string); ok && ids[path] == "" {
							ids[path] = s
						}
					}
				}
			}
			for _, r := range routes {
				if !checked[r] {
					t.Logf("not reached: GET %s", r)
				}
			}
			t.Logf("%d of %d GET routes checked", len(checked), len(routes))
			if len(checked) < 20 {
				t.Errorf("only %d routes checked", len(checked))
			}
		})
	}
}
