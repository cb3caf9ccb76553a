package hazard_test

import (
	"context"
	"fmt"
	"io"
	"testing"

	"yingji/internal/auth"
	"yingji/internal/hazard"
	"yingji/internal/store"
	"yingji/internal/store/storetest"
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
