package main

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// A hazard written around the service leaves the tallies behind: tally
// check says so (exit 1), tally rebuild counts them again, and the check
// then holds.
func TestTallyCheckAndRebuild(t *testing.T) {
	data := t.TempDir()
	if code, _, e := cli(t, data, "migrate"); code != 0 {
		t.Fatalf("migrate: %s", e)
	}
	if code, out, e := cli(t, data, "tally", "check"); code != 0 || !strings.Contains(out, "the tallies hold") {
		t.Fatalf("check of an empty database: %d %s %s", code, out, e)
	}
	db, err := sql.Open("sqlite", filepath.Join(data, "yingji.db"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(`INSERT INTO hazard (id, county_code, town_code, source, description, found_on, state, closed_on, reported_by, created_at, updated_at)
		VALUES ('01J0TALLYCLI0000000000000001', '349901', '349901100', 'inspection', '手工写入', '2022-05-03', 'closed', '2022-05-20', 'system',
		'2022-05-03 08:00:00', '2022-05-20 08:00:00')`)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	code, out, e := cli(t, data, "tally", "check")
	if code != 1 || !strings.Contains(out, "hazard_tally: 1 rows differ") || !strings.Contains(out, "hazard_month: 1 rows differ") ||
		!strings.Contains(e, "yingji tally rebuild") {
		t.Fatalf("check after a hand-written hazard: %d\n%s\n%s", code, out, e)
	}
	if code, out, e := cli(t, data, "tally", "rebuild"); code != 0 || !strings.Contains(out, "counted again") {
		t.Fatalf("rebuild: %d %s %s", code, out, e)
	}
	if code, out, e := cli(t, data, "tally", "check"); code != 0 || !strings.Contains(out, "the tallies hold") {
		t.Fatalf("check after the rebuild: %d %s %s", code, out, e)
	}
	if code, _, e := cli(t, data, "tally"); code != 2 || !strings.Contains(e, "usage") {
		t.Fatalf("tally without a verb: %d %s", code, e)
	}
}
