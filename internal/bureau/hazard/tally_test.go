package hazard_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"

	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/attach"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/demo"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

// tallyMatches checks that hazard_tally, kept in Go by every write, holds exactly
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

// monthMatches checks that hazard_month, kept in Go by every write, holds exactly
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
// for every scope and simple filter, after the demo, after every write
// path of the service (report, each step, extension, listing, self-check,
// import) and, through a repair, after raw changes of every tallied column
// and deletions.
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

		// Every write path of the service, each followed by the check: a
		// report (found in an earlier month), each step of the loop,
		// a return, a close dated in an earlier month, a major grade, an
		// approved extension, an enterprise's self-check, listing, an
		// import (the bulk path the demo also takes).
		jg1, zhifa, qiye, dept := f.p(t, "jg1"), f.p(t, "zhifa"), f.p(t, "qiye"), f.p(t, "dept")
		report := func(desc, found string) hazard.Record {
			t.Helper()
			h, err := f.svc.Report(ctx, jg1, hazard.NewHazard{EnterpriseID: demo.EnterpriseID, Source: hazard.SourceInspection,
				Category: hazard.CatThing, Description: desc, FoundOn: found})
			if err != nil {
				t.Fatal(err)
			}
			check("after a report")
			return h
		}
		do := func(p *auth.Principal, id string, in hazard.StepInput, files ...attach.Upload) {
			t.Helper()
			if _, err := f.svc.Do(ctx, p, id, in, files); err != nil {
				t.Fatalf("%s: %v", in.Action, err)
			}
			check("after " + string(in.Action))
		}
		h := report("井下安全出口标识缺失", "2022-03-01")
		do(jg1, h.ID, hazard.StepInput{Action: hazard.ActGrade, On: "2022-03-01", Grade: hazard.General})
		do(jg1, h.ID, hazard.StepInput{Action: hazard.ActOrder, On: "2022-03-02", Deadline: "2022-06-20", DocNumber: "（示）应急责改〔2022〕31号"})
		do(qiye, h.ID, hazard.StepInput{Action: hazard.ActStart, On: "2022-03-03"})
		do(qiye, h.ID, hazard.StepInput{Action: hazard.ActSubmit, On: "2022-04-10"}, photo(t))
		do(zhifa, h.ID, hazard.StepInput{Action: hazard.ActReturn, On: "2022-04-11", Reason: "照片不清"})
		do(qiye, h.ID, hazard.StepInput{Action: hazard.ActSubmit, On: "2022-04-20"}, photo(t))
		do(zhifa, h.ID, hazard.StepInput{Action: hazard.ActVerify, On: "2022-05-20", DocNumber: "（示）应急复查〔2022〕31号"})
		do(zhifa, h.ID, hazard.StepInput{Action: hazard.ActClose, On: "2022-05-21"})

		m := report("主要通风机未设置备用电源", "2022-04-02")
		do(jg1, m.ID, hazard.StepInput{Action: hazard.ActGrade, On: "2022-04-02", Grade: hazard.Major, Clause: "ks98-d-1"})

		x := report("提升机制动闸瓦磨损超限", "2022-06-01")
		do(jg1, x.ID, hazard.StepInput{Action: hazard.ActGrade, Grade: hazard.General})
		do(jg1, x.ID, hazard.StepInput{Action: hazard.ActOrder, Deadline: "2022-06-10", DocNumber: "（示）应急责改〔2022〕32号"})
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := f.svc.ExtendTx(ctx, tx, jg1, x.ID, hazard.Extension{RequestID: "01J0TALLYEXTENSION00000001", On: "2022-06-09",
				Deadline: "2022-07-10", Reason: "设备到货延迟"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		check("after an extension")
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := f.svc.SetListedTx(ctx, tx, jg1, m.ID, true)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		check("after listing")

		self, err := f.svc.Report(ctx, qiye, hazard.NewHazard{Source: hazard.SourceSelfCheck, Description: "配电箱未上锁", FoundOn: "2022-06-08"})
		if err != nil {
			t.Fatal(err)
		}
		check("after a self-check report")
		do(qiye, self.ID, hazard.StepInput{Action: hazard.ActSelfDone}, photo(t))

		var rows [][]any
		for i, st := range []struct{ status, done string }{{"未整改", ""}, {"已整改", "2022-04-20"}, {"已整改", "2022-05-03"}, {"未整改", ""}} {
			rows = append(rows, row("", fmt.Sprintf("第%02d号建筑工地", i), []string{"籍山镇", "弋江镇"}[i%2], "部门检查", "一般", "",
				"脚手架连墙件设置不足", "2022-04-01", "2022-04-30", st.status, st.done))
		}
		res, err := ledger.Run(ctx, f.svc.Ledger(), dept, bytes.NewReader(ledgerFile(t, rows)), ledger.Options{}, nil)
		if err != nil || res.Imported != len(rows) {
			t.Fatalf("import: %v %+v", err, res)
		}
		check("after an import")

		// Every tallied column changed outside the service, then rows
		// deleted: the tallies no longer hold (the check sees it) until
		// they are counted again (RepairTallies, yingji tally rebuild).
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
		repair := func(when string) {
			t.Helper()
			c, err := hazard.CheckTallies(ctx, db.R())
			if err != nil || c.Tally == 0 || c.Month == 0 {
				t.Fatalf("%s: the check must see the tallies differ: %+v %v", when, c, err)
			}
			if got, err := f.svc.RepairTallies(ctx); err != nil || got != c {
				t.Fatalf("%s: repair found %+v (%v), the check %+v", when, got, err, c)
			}
			if c, err := hazard.CheckTallies(ctx, db.R()); err != nil || !c.OK() {
				t.Fatalf("%s: after the repair: %+v %v", when, c, err)
			}
			check(when)
		}
		repair("after raw updates")
		for _, r := range all[len(all)-3:] {
			for _, q := range []string{`DELETE FROM hazard_card_event WHERE hazard_id = $1`, `DELETE FROM supervision_letter WHERE hazard_id = $1`,
				`DELETE FROM extension_request WHERE hazard_id = $1`, `DELETE FROM listing WHERE hazard_id = $1`, `DELETE FROM hazard_event WHERE hazard_id = $1`,
				`DELETE FROM hazard WHERE id = $1`} {
				if _, err := db.W().ExecContext(ctx, q, r.ID); err != nil {
					t.Fatal(fmt.Errorf("%s: %w", q, err))
				}
			}
		}
		repair("after deletions")
		if got, err := f.svc.RepairTallies(ctx); err != nil || !got.OK() {
			t.Fatalf("a repair of tallies that hold: %+v %v", got, err)
		}
	})
}
