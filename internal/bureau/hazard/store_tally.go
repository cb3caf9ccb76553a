package hazard

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"yingji/internal/kit/store"
)

// The hazard package keeps two tallies of its hazards, in Go, in the
// transaction of every write that adds a hazard or changes a tallied
// column (the one way the project keeps derived counts; see
// docs/architecture.md, "Data"):
//
//   - hazard_tally: hazards per county, town, sector, recording unit,
//     state and grade (the ledger's found, open and major figures);
//   - hazard_month: per county, town, sector, unit and month, the hazards
//     found in the month of found_on (and of them major) and those closed
//     in the month of closed_on while their state is closed (the
//     dashboard's 12-month trend).
//
// A write collects its changes in a tally (+1 for a row as it is now, −1
// for the row as it was) and writes them with one upsert per key at the
// end, so a 10,000-row import writes one row per distinct key in a few
// statements instead of two upserts per hazard.
// Rows that reach the hazard table around the service (a benchmark's
// fixture, a repair) are counted again with RebuildTallies.

// tallyKey is a row of hazard_tally.
type tallyKey struct {
	county, town, sector, unit string
	state                      State
	grade                      Grade
}

// monthKey is a row of hazard_month.
type monthKey struct {
	county, town, sector, unit, month string
}

// monthCounts are the counts of a hazard_month row.
type monthCounts struct {
	found, major, closed int64
}

// tally collects the changes of a write to the two tallies.
type tally struct {
	n     map[tallyKey]int64
	month map[monthKey]monthCounts
}

func newTally() *tally {
	return &tally{n: map[tallyKey]int64{}, month: map[monthKey]monthCounts{}}
}

// monthOf is the YYYY-MM of a stored day (what substr(day, 1, 7) gives).
func monthOf(day string) string {
	if len(day) > 7 {
		return day[:7]
	}
	return day
}

// add counts a hazard (sign +1) or takes it away (−1).
func (t *tally) add(r Record, sign int64) {
	t.n[tallyKey{r.CountyCode, r.TownCode, r.Sector, r.UnitID, r.State, r.Grade}] += sign
	k := monthKey{r.CountyCode, r.TownCode, r.Sector, r.UnitID, monthOf(r.FoundOn)}
	c := t.month[k]
	c.found += sign
	if r.Grade == Major {
		c.major += sign
	}
	t.month[k] = c
	if r.State == Closed && r.ClosedOn != "" {
		k.month = monthOf(r.ClosedOn)
		c := t.month[k]
		c.closed += sign
		t.month[k] = c
	}
}

// step counts the change of a hazard from before to after.
func (t *tally) step(before, after Record) {
	t.add(before, -1)
	t.add(after, 1)
}

// write upserts the collected changes, one row per key that changed, in
// key order (two writers on PostgreSQL then take the rows' locks in the
// same order).
func (t *tally) write(ctx context.Context, tx *store.Tx) error {
	keys := make([]tallyKey, 0, len(t.n))
	for k, v := range t.n {
		if v != 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b tallyKey) int {
		return cmp.Or(cmp.Compare(a.county, b.county), cmp.Compare(a.town, b.town), cmp.Compare(a.sector, b.sector),
			cmp.Compare(a.unit, b.unit), cmp.Compare(a.state, b.state), cmp.Compare(a.grade, b.grade))
	})
	err := store.Bulk{Head: `INSERT INTO hazard_tally (county_code, town_code, sector, unit_id, state, grade, n)`, Width: 7,
		Tail: ` ON CONFLICT (county_code, town_code, sector, unit_id, state, grade) DO UPDATE SET n = hazard_tally.n + excluded.n`,
	}.Write(ctx, tx, len(keys), func(i int, args []any) []any {
		k := keys[i]
		return append(args, k.county, k.town, k.sector, k.unit, k.state, k.grade, t.n[k])
	}, nil)
	if err != nil {
		return fmt.Errorf("hazard tally: %w", err)
	}
	months := make([]monthKey, 0, len(t.month))
	for k, c := range t.month {
		if c != (monthCounts{}) {
			months = append(months, k)
		}
	}
	slices.SortFunc(months, func(a, b monthKey) int {
		return cmp.Or(cmp.Compare(a.county, b.county), cmp.Compare(a.month, b.month), cmp.Compare(a.town, b.town),
			cmp.Compare(a.sector, b.sector), cmp.Compare(a.unit, b.unit))
	})
	err = store.Bulk{Head: `INSERT INTO hazard_month (county_code, town_code, sector, unit_id, month, found, major, closed)`, Width: 8,
		Tail: ` ON CONFLICT (county_code, month, town_code, sector, unit_id) DO UPDATE SET found = hazard_month.found + excluded.found,
			major = hazard_month.major + excluded.major, closed = hazard_month.closed + excluded.closed`,
	}.Write(ctx, tx, len(months), func(i int, args []any) []any {
		k := months[i]
		c := t.month[k]
		return append(args, k.county, k.town, k.sector, k.unit, k.month, c.found, c.major, c.closed)
	}, nil)
	if err != nil {
		return fmt.Errorf("hazard month tally: %w", err)
	}
	return nil
}

// tallyRecords writes the tallies of newly inserted hazards.
func tallyRecords(ctx context.Context, tx *store.Tx, list []Record) error {
	t := newTally()
	for i := range list {
		t.add(list[i], 1)
	}
	return t.write(ctx, tx)
}

// tallyStep writes the tallies' change of one hazard from before to after.
func tallyStep(ctx context.Context, tx *store.Tx, before, after Record) error {
	t := newTally()
	t.step(before, after)
	return t.write(ctx, tx)
}

// RebuildTallies counts hazard_tally and hazard_month again from the
// hazards, inside tx: for rows that reached the hazard table around the
// service (a benchmark's fixture, a database put together by hand) and
// as a repair (`yingji tally rebuild`).
func RebuildTallies(ctx context.Context, tx *store.Tx) error {
	for _, q := range []string{
		`DELETE FROM hazard_tally`,
		`DELETE FROM hazard_month`,
		`INSERT INTO hazard_tally (county_code, town_code, sector, unit_id, state, grade, n)
			SELECT county_code, town_code, sector, unit_id, state, grade, count(*) FROM hazard
			GROUP BY county_code, town_code, sector, unit_id, state, grade`,
		`INSERT INTO hazard_month (county_code, town_code, sector, unit_id, month, found, major, closed)
			SELECT county_code, town_code, sector, unit_id, substr(found_on, 1, 7), count(*), count(*) FILTER (WHERE grade = 'major'), 0
			FROM hazard GROUP BY county_code, town_code, sector, unit_id, substr(found_on, 1, 7)`,
		`INSERT INTO hazard_month (county_code, town_code, sector, unit_id, month, found, major, closed)
			SELECT county_code, town_code, sector, unit_id, substr(closed_on, 1, 7), 0, 0, count(*)
			FROM hazard WHERE state = 'closed' AND closed_on <> '' GROUP BY county_code, town_code, sector, unit_id, substr(closed_on, 1, 7)
			ON CONFLICT (county_code, month, town_code, sector, unit_id) DO UPDATE SET closed = excluded.closed`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("rebuild hazard tallies: %w", err)
		}
	}
	return nil
}

// TallyCheck says how many rows of each tally differ from a count of the
// hazards (0 and 0: the tallies hold).
type TallyCheck struct {
	Tally int `json:"hazard_tally"`
	Month int `json:"hazard_month"`
}

// OK reports whether both tallies hold.
func (c TallyCheck) OK() bool { return c.Tally == 0 && c.Month == 0 }

// CheckTallies compares both tallies with a count of the hazards (a full
// scan: for repairs and tests, not for pages).
func CheckTallies(ctx context.Context, q store.Querier) (TallyCheck, error) {
	var c TallyCheck
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM (
		SELECT county_code, town_code, sector, unit_id, state, grade, count(*) AS n FROM hazard
			GROUP BY county_code, town_code, sector, unit_id, state, grade) h
		FULL OUTER JOIN (SELECT * FROM hazard_tally WHERE n <> 0) t
		ON h.county_code = t.county_code AND h.town_code = t.town_code AND h.sector = t.sector AND h.unit_id = t.unit_id
			AND h.state = t.state AND h.grade = t.grade
		WHERE h.n IS NULL OR t.n IS NULL OR h.n <> t.n`).Scan(&c.Tally)
	if err != nil {
		return c, fmt.Errorf("check hazard_tally: %w", err)
	}
	err = q.QueryRowContext(ctx, `SELECT count(*) FROM (
		SELECT county_code, town_code, sector, unit_id, month, sum(found) AS found, sum(major) AS major, sum(closed) AS closed FROM (
			SELECT county_code, town_code, sector, unit_id, substr(found_on, 1, 7) AS month, 1 AS found,
				CASE WHEN grade = 'major' THEN 1 ELSE 0 END AS major, 0 AS closed FROM hazard
			UNION ALL
			SELECT county_code, town_code, sector, unit_id, substr(closed_on, 1, 7), 0, 0, 1 FROM hazard WHERE state = 'closed' AND closed_on <> ''
		) x GROUP BY county_code, town_code, sector, unit_id, month) h
		FULL OUTER JOIN (SELECT * FROM hazard_month WHERE found <> 0 OR major <> 0 OR closed <> 0) t
		ON h.county_code = t.county_code AND h.town_code = t.town_code AND h.sector = t.sector AND h.unit_id = t.unit_id AND h.month = t.month
		WHERE h.found IS NULL OR t.found IS NULL OR h.found <> t.found OR h.major <> t.major OR h.closed <> t.closed`).Scan(&c.Month)
	if err != nil {
		return c, fmt.Errorf("check hazard_month: %w", err)
	}
	return c, nil
}

// RepairTallies checks both tallies and, when either differs from the
// hazards, counts them again, in one transaction; it returns what the
// check found before the repair.
func (s *Service) RepairTallies(ctx context.Context) (TallyCheck, error) {
	return store.InTxValue(ctx, s.db, func(tx *store.Tx) (TallyCheck, error) {
		c, err := CheckTallies(ctx, tx)
		if err != nil || c.OK() {
			return c, err
		}
		return c, RebuildTallies(ctx, tx)
	})
}
