package supervise_test

import (
	"context"
	"strings"
	"testing"

	"yingji/internal/kit/store/storetest"
)

// TestSweepQueryPlans checks on SQLite that the sweep's queries use the
// indexes its speed depends on (a full table scan would still be right,
// but slow at a million hazards).
func TestSweepQueryPlans(t *testing.T) {
	db := storetest.SQLite(t)
	c := &clock{}
	c.set("2022-06-09")
	fixture(&testing.B{}, db, 2000, c.now())
	for q, want := range map[string]string{
		// the daily full pass: the covering partial index of open hazards
		`SELECT id, found_on, deadline, card, card_since FROM hazard WHERE county_code = '349901' AND state <> 'closed' AND deadline > ''`: "COVERING INDEX hazard_open_deadline",
		// the incremental pass: hazards updated since the last sweep
		`SELECT id, found_on, deadline, card, card_since FROM hazard WHERE county_code = '349901' AND updated_at >= '2022-06-09' AND state <> 'closed' AND deadline > ''`: "INDEX hazard_updated",
		`SELECT e.id, h.closed_on, e.issued_on FROM hazard h JOIN hazard_card_event e ON e.hazard_id = h.id
			WHERE h.county_code = '349901' AND h.updated_at >= '2022-06-09' AND e.cleared_on = '' AND h.card <> e.card`: "INDEX hazard_updated",
		// reminders: a range of deadlines
		`SELECT id FROM hazard WHERE county_code = '349901' AND state <> 'closed' AND card IN ('', 'yellow') AND deadline >= '2022-06-09'
			AND deadline <= '2022-06-12' AND remind_for <> deadline`: "INDEX hazard_open_deadline",
	} {
		rows, err := db.R().QueryContext(context.Background(), `EXPLAIN QUERY PLAN `+q)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var a, b, c int
			var d string
			if err := rows.Scan(&a, &b, &c, &d); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, d)
		}
		rows.Close()
		if !strings.Contains(strings.Join(plan, "; "), want) {
			t.Errorf("%s\nplan: %v, want %s", q, plan, want)
		}
	}
}
