package relief

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"yingji/internal/kit/errs"
	"yingji/internal/kit/store"
)

// The SQL of the tables this module owns (relief_*).

const progCols = `id, county_code, name, kind, period_from, period_to, budget, note, created_by, created_at, updated_at`

func scanProgramme(row interface{ Scan(...any) error }) (Programme, error) {
	var g Programme
	err := row.Scan(&g.ID, &g.CountyCode, &g.Name, &g.Kind, &g.PeriodFrom, &g.PeriodTo, &g.Budget, &g.Note, &g.CreatedBy, &g.CreatedAt, &g.UpdatedAt)
	return g, err
}

func (s *Service) programme(ctx context.Context, q store.Querier, id string) (Programme, error) {
	g, err := scanProgramme(q.QueryRowContext(ctx, `SELECT `+progCols+` FROM relief_programme WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return g, errs.New(errs.NotFound, "not_found")
	}
	if err != nil {
		return g, fmt.Errorf("relief programme: %w", err)
	}
	g.Standards, err = s.standards(ctx, q, id)
	return g, err
}

func (s *Service) standards(ctx context.Context, q store.Querier, id string) ([]Standard, error) {
	rows, err := q.QueryContext(ctx, `SELECT category, amount FROM relief_standard WHERE programme_id = $1`, id)
	if err != nil {
		return nil, fmt.Errorf("relief standards: %w", err)
	}
	defer rows.Close()
	byCat := map[string]int64{}
	for rows.Next() {
		var c string
		var a int64
		if err := rows.Scan(&c, &a); err != nil {
			return nil, err
		}
		byCat[c] = a
	}
	var out []Standard
	for _, c := range Categories { // code-list order
		if a, ok := byCat[c.Value]; ok {
			out = append(out, Standard{Category: c.Value, Amount: a})
		}
	}
	return out, rows.Err()
}

const hhCols = `h.id, h.county_code, h.programme_id, h.town_code, h.village_code, h.head_name, h.address, h.extreme_poor, h.min_living,
	h.out_of_poverty, h.disaster_hit, h.account_holder, h.account_no, h.step, h.publicity_from, h.publicity_to, h.note, h.entered_by,
	h.entered_by_name, h.edited_by, h.created_at, h.updated_at`

const hhInsertCols = `id, county_code, programme_id, town_code, village_code, head_name, address, extreme_poor, min_living,
	out_of_poverty, disaster_hit, account_holder, account_no, step, publicity_from, publicity_to, note, entered_by,
	entered_by_name, edited_by, created_at, updated_at`

func (s *Service) scanHousehold(row interface{ Scan(...any) error }) (Household, error) {
	var h Household
	err := row.Scan(&h.ID, &h.CountyCode, &h.ProgrammeID, &h.TownCode, &h.VillageCode, &h.HeadName, &h.Address, &h.ExtremePoor, &h.MinLiving,
		&h.OutOfPoverty, &h.DisasterHit, &h.AccountHolder, &h.AccountNo, &h.Step, &h.PublicityFrom, &h.PublicityTo, &h.Note, &h.EnteredBy,
		&h.EnteredByName, &h.EditedBy, &h.CreatedAt, &h.UpdatedAt)
	if err != nil {
		return h, err
	}
	h.AccountNo, err = s.open(h.AccountNo)
	return h, err
}

// loadMembers fills the members of the households (unmasked).
func (s *Service) loadMembers(ctx context.Context, q store.Querier, hs []Household) error {
	if len(hs) == 0 {
		return nil
	}
	at := map[string]int{}
	idList := make([]string, len(hs))
	for i, h := range hs {
		at[h.ID], idList[i] = i, h.ID
	}
	var w store.Where
	w.In("household_id", idList)
	rows, err := q.QueryContext(ctx, `SELECT household_id, id, name, id_number, relation FROM relief_member`+w.SQL()+` ORDER BY household_id, sort`, w.Args()...)
	if err != nil {
		return fmt.Errorf("members: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var hid string
		var m Member
		if err := rows.Scan(&hid, &m.ID, &m.Name, &m.IDNumber, &m.Relation); err != nil {
			return err
		}
		if m.IDNumber, err = s.open(m.IDNumber); err != nil {
			return fmt.Errorf("member %s: %w", m.ID, err)
		}
		hs[at[hid]].Members = append(hs[at[hid]].Members, m)
	}
	return rows.Err()
}

// insertHouseholds writes households and their members with multi-row
// INSERTs (forms, imports and the demo).
func (s *Service) insertHouseholds(ctx context.Context, q store.Querier, hs []Household) error {
	err := store.InsertRows(ctx, q, "relief_household", hhInsertCols, len(hs), func(i int) []any {
		h := hs[i]
		return []any{h.ID, h.CountyCode, h.ProgrammeID, h.TownCode, h.VillageCode, h.HeadName, h.Address, h.ExtremePoor, h.MinLiving,
			h.OutOfPoverty, h.DisasterHit, h.AccountHolder, s.seal(h.AccountNo), h.Step, h.PublicityFrom, h.PublicityTo, h.Note, h.EnteredBy,
			h.EnteredByName, h.EditedBy, h.CreatedAt, h.UpdatedAt}
	}, nil)
	if err != nil {
		return err
	}
	type mrow struct {
		h    *Household
		m    Member
		sort int
	}
	var ms []mrow
	for i := range hs {
		for j, m := range hs[i].Members {
			ms = append(ms, mrow{&hs[i], m, j})
		}
	}
	err = store.InsertRows(ctx, q, "relief_member", "id, household_id, programme_id, county_code, name, id_number, id_index, relation, sort", len(ms), func(i int) []any {
		x := ms[i]
		return []any{x.m.ID, x.h.ID, x.h.ProgrammeID, x.h.CountyCode, x.m.Name, s.seal(x.m.IDNumber), s.IndexOf(x.m.IDNumber), x.m.Relation, x.sort}
	}, nil)
	if store.IsUniqueViolation(err) {
		return errs.Field("members", "relief.member_elsewhere", map[string]any{"Head": "?"})
	}
	return err
}

// insertMembers writes the members of household h (a form's edit).
func (s *Service) insertMembers(ctx context.Context, q store.Querier, h Household) error {
	err := store.InsertRows(ctx, q, "relief_member", "id, household_id, programme_id, county_code, name, id_number, id_index, relation, sort", len(h.Members), func(i int) []any {
		m := h.Members[i]
		return []any{m.ID, h.ID, h.ProgrammeID, h.CountyCode, m.Name, s.seal(m.IDNumber), s.IndexOf(m.IDNumber), m.Relation, i}
	}, nil)
	if store.IsUniqueViolation(err) {
		return errs.Field("members", "relief.member_elsewhere", map[string]any{"Head": "?"})
	}
	return err
}

// insertPayments writes payments; idx are their people's ID indexes.
func (s *Service) insertPayments(ctx context.Context, q store.Querier, county string, ps []Payment, idx []string) error {
	return store.InsertRows(ctx, q, "relief_payment", `id, county_code, programme_id, household_id, member_id, id_index, town_code, category, mode,
		amount, item, quantity, dispatch_ref, paid_on, recorded_by, recorded_at`, len(ps), func(i int) []any {
		x := ps[i]
		return []any{x.ID, county, x.ProgrammeID, x.HouseholdID, x.MemberID, idx[i], x.TownCode, x.Category, x.Mode,
			x.Amount, x.Item, x.Quantity, x.DispatchRef, x.PaidOn, x.RecordedBy, x.RecordedAt}
	}, nil)
}
