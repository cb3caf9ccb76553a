package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"yingji/internal/kit/store/storetest"
)

// Two counties publish their half-year to a province database — the demo
// county and a new, empty county — and the province report sums them:
// the demo's numbers (the empty county adds zeros) over two counties,
// each county's value beside the total; republishing replaces; a county
// that published another period only is listed as missing. On a SQLite
// province file, and on PostgreSQL when YINGJI_TEST_POSTGRES is set.
func TestProvinceVerbs(t *testing.T) {
	demo := t.TempDir()
	if code, _, e := cli(t, demo, "demo"); code != 0 {
		t.Fatalf("demo: %s", e)
	}
	empty := t.TempDir()
	if code, _, e := cli(t, empty, "migrate", "--county", "340102", "--county-name", "乙县"); code != 0 {
		t.Fatalf("migrate: %s", e)
	}
	other := t.TempDir()
	if code, _, e := cli(t, other, "migrate", "--county", "340103", "--county-name", "丙县"); code != 0 {
		t.Fatalf("migrate: %s", e)
	}
	run := func(t *testing.T, target string) {
		half := []string{"--from", "2022-01-01", "--to", "2022-06-30"}
		publish := func(data string, period ...string) {
			t.Helper()
			args := append([]string{"report", "publish", "--to-db", target}, period...)
			if code, _, e := cli(t, data, args...); code != 0 || !strings.Contains(e, "published") {
				t.Fatalf("publish from %s: %d %s", data, code, e)
			}
		}
		publish(demo, half...)
		publish(empty, half...)
		publish(empty, half...) // again: replaces
		publish(other, "--from", "2022-01-01", "--to", "2022-03-31")
		out := filepath.Join(t.TempDir(), "p.json")
		args := append([]string{"province", "report", "--db", target, "--format", "json", "--out", out}, half...)
		if code, _, e := cli(t, "", args...); code != 0 {
			t.Fatalf("province report json: %s", e)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		var r struct {
			Counties []struct{ Code, Name string }
			Missing  []struct{ Code, Name string }
			Figures  map[string]struct {
				Counties int
				Sentence string
				Problem  string
				Numbers  map[string]struct {
					Summed   bool
					Value    *float64
					ByCounty map[string]float64 `json:"by_county"`
				}
			}
		}
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		if len(r.Counties) != 2 || r.Counties[0].Code != "340102" || r.Counties[1].Name != "示例县" {
			t.Errorf("counties: %+v", r.Counties)
		}
		if len(r.Missing) != 1 || r.Missing[0].Code != "340103" {
			t.Errorf("missing: %+v", r.Missing)
		}
		big := r.Figures["F-BIG-1"]
		if n := big.Numbers["general"]; big.Counties != 2 || n.Value == nil || *n.Value != 3265 || n.ByCounty["349901"] != 3265 || n.ByCounty["340102"] != 0 {
			t.Errorf("F-BIG-1 general: %d counties, %+v", big.Counties, n)
		}
		if n := r.Figures["F-REL-1"].Numbers["amount"]; n.Value == nil || *n.Value != 1260000 {
			t.Errorf("F-REL-1 amount (元): %+v", n)
		}
		if n := r.Figures["F-IND-1"].Numbers["percent"]; n.Summed || n.Value != nil || n.ByCounty["349901"] != 55 {
			t.Errorf("F-IND-1 percent is per county: %+v", n)
		}
		// Exactly the numbers the registry marks PerCounty are not summed,
		// and every sentence the county writes, the province writes too.
		var perCounty []string
		for id, f := range r.Figures {
			for k, n := range f.Numbers {
				if !n.Summed {
					perCounty = append(perCounty, id+" "+k)
				}
			}
			if f.Problem != "" || f.Sentence == "" {
				t.Errorf("%s: no province sentence (%s)", id, f.Problem)
			}
		}
		slices.Sort(perCounty)
		if got := strings.Join(perCounty, ", "); got != "F-BIG-5 rounds, F-CHEM-4 coverage, F-IND-1 percent, F-RES-2 rollcall_day, F-RES-2 rollcall_month" {
			t.Errorf("numbers not summed: %s", got)
		}
		args = append([]string{"province", "report", "--db", target}, half...)
		code, text, e := cli(t, "", args...)
		for _, want := range []string{"全省（2个县区）2022-01-01至2022-06-30", "全省（2个县区）共排查自建房128053栋", "丙县（340103）"} {
			if code != 0 || !strings.Contains(text, want) {
				t.Errorf("province text lacks %q: %d %s\n%s", want, code, e, text)
			}
		}
		xlsx := filepath.Join(t.TempDir(), "p.xlsx")
		args = append([]string{"province", "report", "--db", target, "--format", "xlsx", "--out", xlsx}, half...)
		if code, _, e := cli(t, "", args...); code != 0 {
			t.Errorf("province xlsx: %s", e)
		}
		if code, _, e := cli(t, "", "province", "report", "--db", target, "--from", "2022-01-01"); code != 2 || !strings.Contains(e, "usage") {
			t.Errorf("no --to: %d %s", code, e)
		}
	}
	t.Run("sqlite", func(t *testing.T) { run(t, filepath.Join(t.TempDir(), "province.db")) })
	t.Run("postgres", func(t *testing.T) {
		_, u := storetest.PostgresSchema(t, storetest.PostgresURL(t))
		run(t, u)
	})
}
