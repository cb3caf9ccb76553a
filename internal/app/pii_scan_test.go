package app_test

import (
	"archive/zip"
	"bytes"
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"yingji/internal/app"
	"yingji/internal/bureau/campaign/housing"
	"yingji/internal/bureau/certificate"
	"yingji/internal/bureau/relief"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/person"
)

// scanRoles are the demo users the scan logs in as, one per role.
var scanRoles = []string{"admin", "leader", "jg1", "jg2", "zhifa", "zhiban", "town", "dept", "qiye", "readonly"}

// Crawl bounds: a route pattern is visited at most perPattern times
// (forced seeds aside), and a role at most maxPages times.
const (
	perPattern = 2
	maxPages   = 400
)

// TestNoClearIDNumbers logs in as every demo role, walks every page, API
// answer and Excel export that role can reach (the route table, with real
// record IDs found in lists and links), and checks that no answer holds a
// demo ID number (居民身份证号) in clear — alone or inside a longer value
// such as the 特种作业操作证 number — unless the role may read that
// person's ID number.
func TestNoClearIDNumbers(t *testing.T) {
	if testing.Short() {
		t.Skip("walks every page as every role")
	}
	a := demoApp(t, false, time.Date(2022, 9, 1, 2, 0, 0, 0, time.UTC))
	ctx := context.Background()
	if _, err := a.Certificate.Sweep(ctx); err != nil { // expiry notifications in the inboxes
		t.Fatal(err)
	}
	principal := func(name string) *auth.Principal {
		p, err := a.Auth.PrincipalFor(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}

	// A surveyed building whose owner's ID number is recorded (the demo
	// buildings carry names and phones only).
	town := principal("town")
	camps, err := a.Campaign.Housing.Campaigns(ctx, town)
	if err != nil || len(camps) == 0 {
		t.Fatalf("campaigns: %v %v", camps, err)
	}
	check, _ := person.IDCheckChar("34990119680512003")
	ownerID := "34990119680512003" + string(check)
	building, err := a.Campaign.Housing.Create(ctx, town, camps[0].ID, housing.Building{Code: "ZJPII0001", TownCode: town.RegionCode,
		Address: "籍山镇测试路1号", SurveyedOn: "2022-05-01", Owner: housing.Owner{Name: "方敏", Phone: "13955501234", IDNumber: ownerID}})
	if err != nil {
		t.Fatal(err)
	}

	// Every ID number in clear, read through the services as the
	// administrator, and a few special-operation certificates (their
	// number embeds the ID number).
	all := map[string]bool{ownerID: true}
	var special []string
	if err := a.Certificate.Each(ctx, a.System(), certificate.Filter{}, func(c certificate.Certificate) error {
		if c.IDMasked || !person.IDNumberOK(c.IDNumber) {
			t.Fatalf("the administrator reads %q", c.IDNumber)
		}
		all[c.IDNumber] = true
		if c.Kind == certificate.KindSpecial && len(special) < 3 {
			special = append(special, c.ID)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(all) < 20 || len(special) == 0 {
		t.Fatalf("demo ID numbers: %d, special certificates %d", len(all), len(special))
	}
	reliefIDs := reliefSample(t, a)
	for id := range reliefIDs {
		all[id] = true
	}

	// allowed is what a role may read in clear: the certificates it sees
	// in full, and the owner when it does the building's work.
	allowed := func(p *auth.Principal) map[string]bool {
		out := map[string]bool{}
		if certificate.SeesFullID(p) {
			_ = a.Certificate.Each(ctx, p, certificate.Filter{}, func(c certificate.Certificate) error {
				if !c.IDMasked {
					out[c.IDNumber] = true
				}
				return nil
			})
		}
		if housing.SeesOwner(p, building) {
			out[ownerID] = true
		}
		for id := range reliefIDs {
			if hs, _, err := a.Relief.Households(ctx, p, relief.HouseholdFilter{Q: id, Limit: 1}); err == nil && len(hs) == 1 && !hs[0].Masked {
				out[id] = true
			}
		}
		return out
	}

	mux := http.NewServeMux()
	policy := a.Router.Policy()
	for _, route := range a.Router.Routes() {
		if strings.HasPrefix(route, "GET ") {
			mux.Handle(route, http.NotFoundHandler())
		}
	}
	pages := 0
	start := time.Now()
	for _, name := range scanRoles {
		p := principal(name)
		tok := userToken(t, a, name)
		may := allowed(p)
		var forbidden []string
		for id := range all {
			if !may[id] {
				forbidden = append(forbidden, id)
			}
		}
		slices.Sort(forbidden)
		if len(forbidden) == 0 {
			continue // sees every ID number in clear
		}
		n := crawl(t, a, mux, policy.Allows, p.Role, tok, seeds(a, p.Role, special, building), func(path, kind string, body []byte) {
			text := string(body)
			for _, id := range forbidden {
				if strings.Contains(text, id) {
					i := strings.Index(text, id)
					t.Errorf("%s (%s) reads ID number %s in clear in %s %s: …%s…", name, p.Role, id, kind, path,
						text[max(0, i-60):min(len(text), i+len(id)+20)])
					return
				}
			}
		})
		pages += n
	}
	t.Logf("%d answers scanned in %v", pages, time.Since(start))
}

// reliefSample returns relief ID numbers the pages show first: the
// members of the first households and payments of the lists (as the
// administrator reads them), and every household of the demo's storm
// programme (籍山镇, the town user's own).
func reliefSample(t *testing.T, a *app.App) map[string]bool {
	t.Helper()
	ctx := context.Background()
	out := map[string]bool{}
	hs, _, err := a.Relief.Households(ctx, a.System(), relief.HouseholdFilter{Limit: 60})
	if err != nil {
		t.Fatal(err)
	}
	more, _, err := a.Relief.Households(ctx, a.System(), relief.HouseholdFilter{Step: relief.StepReported, Limit: 60})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range append(hs, more...) {
		for _, m := range h.Members {
			out[m.IDNumber] = true
		}
	}
	pays, _, err := a.Relief.Payments(ctx, a.System(), relief.PaymentFilter{Limit: 60})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range pays {
		out[x.IDNumber] = true
	}
	for id := range out {
		if !person.IDNumberOK(id) {
			t.Fatalf("the administrator reads relief ID %q", id)
		}
	}
	if len(out) < 50 {
		t.Fatalf("relief sample: %d", len(out))
	}
	return out
}

// seeds are the paths every crawl starts from: every GET route without a
// path value the role may open, and records whose pages must be seen
// (special-operation certificates, the building with an owner ID, the
// audit log of certificates), in scope or not.
func seeds(a *app.App, role auth.Role, special []string, b housing.Building) []string {
	var out []string
	for _, route := range a.Router.Routes() {
		method, pattern, _ := strings.Cut(route, " ")
		if method != "GET" || strings.Contains(strings.ReplaceAll(pattern, "{$}", ""), "{") || strings.HasSuffix(pattern, "/") && pattern != "/{$}" {
			continue
		}
		out = append(out, strings.ReplaceAll(pattern, "{$}", ""))
	}
	for _, id := range special {
		out = append(out, "/certificates/"+id, "/api/v1/certificates/"+id)
	}
	bp := "/housing/" + b.CampaignID + "/buildings/" + b.ID
	out = append(out, bp, "/api/v1"+bp,
		"/certificates?kind="+certificate.KindSpecial, "/api/v1/certificates?kind="+certificate.KindSpecial,
		"/certificates/export?kind="+certificate.KindSpecial,
		"/audit?entity=certificate", "/api/v1/audit?entity=certificate", "/audit?entity=housing_building")
	return out
}

// narrow are exports too large to write for every role: they are asked
// for the building with an owner ID only (the search text q).
var narrow = map[string]string{"GET /buildings/export": "ZJPII0001"}

var linkRE = regexp.MustCompile(`(?:href|hx-get|src|data-url)="(/[^"#]*)"`)

// crawl walks the pages reachable by a role from seeds (forced: always
// visited), calling check with every answer's text (an Excel export's
// cells), and returns the number of answers.
func crawl(t *testing.T, a *app.App, mux *http.ServeMux, allows func(string, auth.Role) bool, role auth.Role, tok string,
	seeds []string, check func(path, kind string, body []byte)) int {
	t.Helper()
	forced := map[string]bool{}
	for _, s := range seeds {
		forced[s] = true
	}
	queue := append([]string(nil), seeds...)
	seen := map[string]bool{}
	per := map[string]int{}
	n := 0
	for len(queue) > 0 && n < maxPages {
		path := queue[0]
		queue = queue[1:]
		if seen[path] {
			continue
		}
		seen[path] = true
		u, err := url.Parse(path)
		if err != nil {
			continue
		}
		_, pattern := mux.Handler(&http.Request{Method: "GET", URL: u, Host: "x"})
		if pattern == "" || strings.HasPrefix(pattern, "GET /static/") || !allows(pattern, role) || pattern == "GET /map/tiles/{z}/{x}/{y}" {
			continue
		}
		if per[pattern] >= perPattern && !forced[path] {
			continue
		}
		if extra, ok := narrow[pattern]; ok && u.Query().Get("q") == "" {
			// The whole register of a large survey takes a minute to
			// write: the export of the building with an owner ID instead.
			q := u.Query()
			q.Set("q", extra)
			u.RawQuery = q.Encode()
			path = u.String()
		}
		per[pattern]++
		t0 := time.Now()
		rec := do(a, "GET", path, tok, nil)
		if d := time.Since(t0); d > 300*time.Millisecond {
			t.Logf("slow: %s as %s %v (%d bytes)", path, role, d, rec.Body.Len())
		}
		n++
		body := rec.Body.Bytes()
		ct := rec.Header().Get("Content-Type")
		switch {
		case strings.Contains(ct, "spreadsheetml") || bytes.HasPrefix(body, []byte("PK\x03\x04")):
			check(path, "Excel", xlsxText(t, path, body))
		case strings.Contains(ct, "pdf"):
			// PDFs subset and encode their font's glyphs: not scanned.
		default:
			check(path, "answer", body)
		}
		if loc := rec.Header().Get("Location"); loc != "" && strings.HasPrefix(loc, "/") {
			queue = append(queue, loc)
		}
		if strings.Contains(ct, "html") {
			for _, m := range linkRE.FindAllSubmatch(body, -1) {
				queue = append(queue, html.UnescapeString(string(m[1])))
			}
		}
		// A record's page: its API twin too.
		if strings.Contains(pattern, "{") && !strings.HasPrefix(u.Path, "/api/") {
			twin := "/api/v1" + u.Path
			if _, tp := mux.Handler(&http.Request{Method: "GET", URL: &url.URL{Path: twin}, Host: "x"}); tp != "" && strings.Contains(tp, "{") {
				queue = append(queue, twin)
				forced[twin] = true
			}
		}
	}
	return n
}

// xlsxText is the text of an Excel answer: its parts unzipped (shared
// strings and sheets hold every cell's text as written).
func xlsxText(t *testing.T, path string, body []byte) []byte {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Errorf("%s: not an Excel file: %v", path, err)
		return nil
	}
	var out bytes.Buffer
	for _, f := range z.File {
		if !strings.HasSuffix(f.Name, ".xml") {
			continue
		}
		r, err := f.Open()
		if err != nil {
			t.Errorf("%s: %s: %v", path, f.Name, err)
			continue
		}
		_, err = out.ReadFrom(r)
		r.Close()
		if err != nil {
			t.Errorf("%s: %s: %v", path, f.Name, err)
		}
		out.WriteByte('\n')
	}
	return out.Bytes()
}
