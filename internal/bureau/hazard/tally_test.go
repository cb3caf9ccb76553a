package hazard_test

import (
	"context"
	"fmt"
	"io"
	"testing"

	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

// tallyMatches checks that hazard_tally, kept by triggers, holds exactly
// the counts of the hazard table.
func tallyMatches(t *testing.T, db *store.DB) {
	t.Helper()
	q := `SELECT count(*) FROM (
		SELECT county_code, town_code, sector, unit_id, state, grade, count(*) AS n FROM hazard
			GROUP BY county_code, town_code, sector, unit_id, state, grade) h
		FULL OUTER JOIN (SELECT * FROM hazard_tally WHERE n <> 0) t
		ON h.county_code = t.county_code AND h.town_code = t.town_code AND h.sector = t.sector AND h.unit_id = t.unit_id
			AND h.state = t.state AND h.grade = t.grade
		WHERE h.n IS NULL OR t.n IS NULL OR h.n <> t.n`
	var diff int
	if err := db.R().QueryRow(q).Scan(&diff); err != nil {
		t.Fatal(err)
	}
	if diff != 0 {
		t.Fatalf("hazard_tally differs from the hazards in %d groups", diff)
	}
}

// monthMatches checks that hazard_month, kept by triggers, holds exactly
// the hazards found (major apart) and closed per month.
func monthMatches(t *testing.T, db *store.DB) {
	t.Helper()
	q := `SELECT count(*) FROM (
		SELECT county_code, town_code, sector, unit_id, month, sum(found) AS found, sum(major) AS major, sum(closed) AS closed FROM (
			SELECT county_code, town_code, sector, unit_id, substr(found_on, 1, 7) AS month, 1 AS found,
				CASE WHEN grade = 'major' THEN 1 ELSE 0 END AS major, 0 AS closed FROM hazard
			UNION ALL
			SELECT county_code, town_code, sector, unit_id, substr(closed_on, 1, 7), 0, 0, 1 FROM hazard WHERE state = 'closed' AND closed_on <> ''
		) x GROUP BY county_code, town_code, sector, unit_id, month) h
		FULL OUTER JOIN (SELECT * FROM hazard_month WHERE found <> 0 OR major <> 0 OR closed <> 0) t
		ON h.county_code = t.county_code AND h.town_code = t.town_code AND h.sector = t.sector AND h.unit_id = t.unit_id AND h.month = t.month
		WHERE h.found IS NULL OR t.found IS NULL OR h.found <> t.found OR h.major <> t.major OR h.closed <> t.closed`
	var diff int
	if err := db.R().QueryRow(q).Scan(&diff); err != nil {
		t.Fatal(err)
	}
	if diff != 0 {
		t.Fatalf("hazard_month differs from the hazards in %d groups", diff)
	}
}

// The ledger's counts from the tally equal the counts over the hazards,
// for every scope and simple filter, through the demo's loop steps and
// through raw changes of every tallied column and deletions.
func TestTallyKeepsCounts(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		who := hazard.DemoPeople{Section1: f.p(t, "jg1"), Section2: f.p(t, "jg2"), Enforcer: f.p(t, "zhifa"), Town: f.p(t, "town"),
			Department: f.p(t, "dept"), Enterprise: f.p(t, "qiye")}
		if err := f.svc.Demo(ctx, io.Discard, "349901", who); err != nil {
			t.Fatal(err)
		}
		tallyMatches(t, db)

		admin := &auth.Principal{UserID: "system", Role: auth.RoleAdmin, CountyCode: "349901"}
		people := []*auth.Principal{admin, f.p(t, "leader"), f.p(t, "jg1"), f.p(t, "jg2"), f.p(t, "town"), f.p(t, "dept")}
		filters := []hazard.Filter{{}, {Town: "349901100"}, {Town: "3499011"}, {Sector: "mine"}, {Grade: hazard.Major},
			{State: hazard.Closed}, {OpenOnly: true}, {Unit: who.Department.UnitID}, {Sectors: []string{"fireworks_retail", "petrol"}, OpenOnly: true}}
		check := func(when string) {
			t.Helper()
			tallyMatches(t, db)
			monthMatches(t, db)
			// The 12-month trend (whole months from hazard_month, the last
			// from the hazards) equals each month counted on its own (a
			// single month is always counted from the hazards).
			for _, p := range people {
				trend, err := f.svc.Monthly(ctx, p, "2021-07-01", "2022-06-30")
				if err != nil || len(trend) != 12 {
					t.Fatalf("trend: %v %d", err, len(trend))
				}
				for _, r := range trend {
					one, err := f.svc.Monthly(ctx, p, r.Month+"-01", r.Month+"-31")
					if err != nil || len(one) != 1 || one[0] != r {
						t.Errorf("%s: %s trend %+v, counted alone %+v (%v)", when, p.Username, r, one, err)
					}
				}
			}
			for _, p := range people {
				for _, fl := range filters {
					got, err := f.svc.Counts(ctx, p, fl)
					if err != nil {
						t.Fatal(err)
					}
					// The same figures by scanning: a filter the tally cannot
					// answer (a period covering every date) forces the scan.
					scan := fl
					scan.From = "0000-01-01"
					want, err := f.svc.Counts(ctx, p, scan)
					if err != nil {
						t.Fatal(err)
					}
					if got != want {
						t.Errorf("%s: %s %+v: tally %+v, scan %+v", when, p.Username, fl, got, want)
					}
				}
			}
		}
		all, c, err := f.svc.Page(ctx, admin, hazard.Filter{Limit: 1000})
		if err != nil || len(all) < 10 || c.Found < len(all) || c.Open == 0 || c.Major == 0 || c.Overdue == 0 {
			t.Fatalf("demo ledger: %v %d rows, counts %+v", err, len(all), c)
		}
		check("after the demo")

		// Every tallied column changed outside the service, then rows deleted.
		steps := []string{
			`UPDATE hazard SET state = 'closed', closed_on = '2022-06-09' WHERE id = $1`,
			`UPDATE hazard SET town_code = '349901104' WHERE id = $1`,
			`UPDATE hazard SET sector = 'petrol', unit_id = '' WHERE id = $1`,
			`UPDATE hazard SET grade = 'major' WHERE id = $1`,
			`UPDATE hazard SET found_on = '2021-12-05' WHERE id = $1`,
			`UPDATE hazard SET state = 'closed', closed_on = '2022-03-01' WHERE id = $1`,
			`UPDATE hazard SET closed_on = '2022-04-02' WHERE id = $1`,
			`UPDATE hazard SET description = 'x' WHERE id = $1`, // not tallied: no change
		}
		for i, r := range all[:len(steps)] {
			if _, err := db.W().ExecContext(ctx, steps[i], r.ID); err != nil {
				t.Fatal(err)
			}
		}
		check("after raw updates")
		for _, r := range all[len(all)-3:] {
			for _, q := range []string{`DELETE FROM hazard_card_event WHERE hazard_id = $1`, `DELETE FROM supervision_letter WHERE hazard_id = $1`,
				`DELETE FROM extension_request WHERE hazard_id = $1`, `DELETE FROM listing WHERE hazard_id = $1`, `DELETE FROM hazard_event WHERE hazard_id = $1`,
				`DELETE FROM hazard WHERE id = $1`} {
				if _, err := db.W().ExecContext(ctx, q, r.ID); err != nil {
					t.Fatal(fmt.Errorf("%s: %w", q, err))
				}
			}
		}
		check("after deletions")
	})
}
