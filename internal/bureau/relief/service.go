package relief

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/calendar"
	"yingji/internal/kit/crypt"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/org"
	"yingji/internal/kit/person"
	"yingji/internal/kit/store"
)

// ReliefSection is the name of the bureau section that decides relief
// for the county (救灾减灾股); its staff take 县定 and see ID numbers.
const ReliefSection = "救灾减灾股"

// GoodsRequest asks the warehouses to issue goods for a relief payment.
type GoodsRequest struct {
	CountyCode  string
	ProgrammeID string
	HouseholdID string
	MemberID    string
	TownCode    string
	VillageCode string
	Item        string // the item's name as entered (棉被)
	ItemID      string // the warehouse item, when the form chose one
	WarehouseID string // the warehouse to issue from, when chosen
	Quantity    int64
	PaidOn      string
	// Source names the payment ("relief_payment:<id>") for the dispatch.
	Source string
}

// IssueGoods issues goods from stock through a dispatch, inside the
// payment's transaction, and returns the dispatch's reference. It is
// wired by the app to the supplies module; nil: goods payments record
// the dispatch reference entered by hand (or none).
type IssueGoods func(ctx context.Context, tx *store.Tx, p *auth.Principal, req GoodsRequest) (dispatchRef string, err error)

// Service reads and changes relief records within the caller's scope.
type Service struct {
	db     *store.DB
	org    *org.Service
	now    func() time.Time
	sealer *crypt.Sealer
	issue  IssueGoods
}

// New returns a Service. org may be nil in tests (region codes are then
// not checked against the region register).
func New(db *store.DB, o *org.Service, now func() time.Time) *Service {
	return &Service{db: db, org: o, now: now}
}

// WithSealer makes the service seal ID and account numbers at rest.
func (s *Service) WithSealer(x *crypt.Sealer) *Service { s.sealer = x; return s }

// WithGoods sets the hook that issues goods from stock (nil-safe).
func (s *Service) WithGoods(f IssueGoods) *Service { s.issue = f; return s }

// Today is the service's current Shanghai calendar date (YYYY-MM-DD).
func (s *Service) Today() string { return calendar.Today(s.now()).Format(calendar.DateLayout) }

// Who may do what (routes are limited by the policy; these add the rules
// inside a route).

// SeesFullID reports whether p reads ID and bank account numbers in
// clear: administrators, the 救灾减灾股 (who pay through the bank) and town
// staff (who enter their own town's households; they never see others').
// Everyone else reads 3402**********1234.
func SeesFullID(p *auth.Principal) bool {
	return p.Is(auth.RoleAdmin, auth.RoleTown) || isReliefSection(p)
}

func isReliefSection(p *auth.Principal) bool {
	return p.Role == auth.RoleSection && p.UnitName == ReliefSection
}

// CanEnter reports whether p may enter households (户报): town staff for
// their town, administrators.
func CanEnter(p *auth.Principal) bool { return p.Is(auth.RoleAdmin, auth.RoleTown) }

// CanManage reports whether p may set up programmes and their standards:
// administrators, leaders and the 救灾减灾股.
func CanManage(p *auth.Principal) bool {
	return p.Is(auth.RoleAdmin, auth.RoleLeader) || isReliefSection(p)
}

// CanPay reports whether p may record payments: administrators, the
// 救灾减灾股 and town staff (their town).
func CanPay(p *auth.Principal) bool {
	return p.Is(auth.RoleAdmin, auth.RoleTown) || isReliefSection(p)
}

// actorOf is p as the approval rules see it.
func actorOf(p *auth.Principal) Actor {
	a := Actor{UserID: p.UserID}
	switch {
	case p.Role == auth.RoleAdmin:
		a.TownStaff, a.County = true, true
	case p.Role == auth.RoleTown:
		a.TownStaff, a.Town = true, p.RegionCode
	case p.Role == auth.RoleLeader || isReliefSection(p):
		a.County = true
	}
	return a
}

func (s *Service) seal(v string) string {
	if v == "" {
		return ""
	}
	return person.Seal(s.sealer, v)
}
func (s *Service) open(v string) (string, error) { return person.Open(s.sealer, v) }

// IndexOf is the blind index of an ID number (search, duplicates).
func (s *Service) IndexOf(id string) string { return person.Index(s.sealer, person.NormalizeID(id)) }

// maskHousehold masks the ID and account numbers of h, and any ID number
// embedded in its free text.
func maskHousehold(h Household) Household {
	if h.Masked {
		return h
	}
	h.Masked = true
	h.AccountNo = person.MaskID(h.AccountNo)
	h.AccountHolder, h.Address, h.Note = person.MaskIDsIn(h.AccountHolder), person.MaskIDsIn(h.Address), person.MaskIDsIn(h.Note)
	ms := make([]Member, len(h.Members))
	for i, m := range h.Members {
		m.IDNumber, m.Name, m.Relation = person.MaskID(m.IDNumber), person.MaskIDsIn(m.Name), person.MaskIDsIn(m.Relation)
		ms[i] = m
	}
	h.Members = ms
	return h
}

func forReader(p *auth.Principal, h Household) Household {
	if SeesFullID(p) {
		return h
	}
	return maskHousehold(h)
}

func maskPayment(x Payment) Payment {
	x.IDNumber, x.AccountNo = person.MaskID(x.IDNumber), person.MaskID(x.AccountNo)
	x.AccountHolder, x.DispatchRef, x.Item = person.MaskIDsIn(x.AccountHolder), person.MaskIDsIn(x.DispatchRef), person.MaskIDsIn(x.Item)
	return x
}

func paymentFor(p *auth.Principal, x Payment) Payment {
	if SeesFullID(p) {
		return x
	}
	return maskPayment(x)
}

// ---- programmes

// Programmes returns the county's programmes, the latest first.
func (s *Service) Programmes(ctx context.Context, p *auth.Principal) ([]Programme, error) {
	out, err := store.QueryAll(ctx, s.db.R(), func(r *sql.Rows) (Programme, error) { return scanProgramme(r) },
		`SELECT `+progCols+` FROM relief_programme WHERE county_code = $1 ORDER BY period_from DESC, name`, p.CountyCode)
	if err != nil {
		return nil, fmt.Errorf("relief programmes: %w", err)
	}
	for i := range out {
		if out[i].Standards, err = s.standards(ctx, s.db.R(), out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Programme returns one programme of p's county.
func (s *Service) Programme(ctx context.Context, p *auth.Principal, id string) (Programme, error) {
	g, err := s.programme(ctx, s.db.R(), id)
	if err != nil {
		return g, err
	}
	if g.CountyCode != p.CountyCode {
		return Programme{}, errs.OutOfScope("relief_programme", id)
	}
	return g, nil
}

// CreateProgramme records a programme with its standards.
func (s *Service) CreateProgramme(ctx context.Context, p *auth.Principal, g Programme) (Programme, error) {
	if !CanManage(p) {
		return g, errs.New(errs.Forbidden, "forbidden")
	}
	if err := ValidateProgramme(&g); err != nil {
		return g, err
	}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		now := s.now().UTC()
		g.ID, g.CountyCode, g.CreatedBy, g.CreatedAt, g.UpdatedAt = ids.New(), p.CountyCode, p.UserID, now, now
		if err := s.insertProgramme(ctx, tx, g); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "relief_programme", EntityID: g.ID, Action: "create", After: g})
	})
	return g, err
}

func (s *Service) insertProgramme(ctx context.Context, tx *store.Tx, g Programme) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO relief_programme (`+progCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
		g.ID, g.CountyCode, g.Name, g.Kind, g.PeriodFrom, g.PeriodTo, g.Budget, g.Note, g.CreatedBy, g.CreatedAt, g.UpdatedAt)
	if store.IsUniqueViolation(err) {
		return errs.Field("name", "relief.programme_name_taken", map[string]any{"Name": g.Name})
	}
	if err != nil {
		return fmt.Errorf("insert relief programme: %w", err)
	}
	for _, st := range g.Standards {
		if _, err := tx.ExecContext(ctx, `INSERT INTO relief_standard (programme_id, category, amount) VALUES ($1,$2,$3)`, g.ID, st.Category, st.Amount); err != nil {
			return fmt.Errorf("insert relief standard: %w", err)
		}
	}
	return nil
}

// ---- households

// HouseholdFilter selects households.
type HouseholdFilter struct {
	ProgrammeID   string
	Town          string
	Village       string
	Step          string
	Q             string // head's or member's name, or an ID number
	Flag          string // extreme_poor | min_living | out_of_poverty | disaster_hit
	Limit, Offset int
}

func (s *Service) householdWhere(p *auth.Principal, f HouseholdFilter) *store.Where {
	var w store.Where
	w.Add("h.county_code = ?", p.CountyCode)
	w.Add("h.town_code LIKE ?", p.RegionPrefix()+"%")
	if f.ProgrammeID != "" {
		w.Add("h.programme_id = ?", f.ProgrammeID)
	}
	if f.Town != "" {
		w.Add("h.town_code = ?", f.Town)
	}
	if f.Village != "" {
		w.Add("h.village_code = ?", f.Village)
	}
	if f.Step != "" {
		w.Add("h.step = ?", f.Step)
	}
	switch f.Flag {
	case "extreme_poor", "min_living", "out_of_poverty", "disaster_hit":
		w.Add("h."+f.Flag+" = ?", true)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		w.Add(`(h.head_name LIKE ? ESCAPE '\' OR h.id IN (SELECT household_id FROM relief_member WHERE county_code = ? AND (name = ? OR id_index = ?)))`,
			store.Like(q), p.CountyCode, q, s.IndexOf(q))
	}
	return &w
}

// Households returns a page of households in scope and the total.
func (s *Service) Households(ctx context.Context, p *auth.Principal, f HouseholdFilter) ([]Household, int, error) {
	w := s.householdWhere(p, f)
	var total int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM relief_household h`+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count households: %w", err)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 50
	}
	lim, off := w.Arg(f.Limit), w.Arg(f.Offset)
	out, err := store.QueryAll(ctx, s.db.R(), func(r *sql.Rows) (Household, error) { return s.scanHousehold(r) }, `SELECT `+hhCols+` FROM relief_household h`+w.SQL()+
		` ORDER BY h.town_code, h.village_code, h.head_name, h.id LIMIT `+lim+` OFFSET `+off, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("list households: %w", err)
	}
	if err := s.loadMembers(ctx, s.db.R(), out); err != nil {
		return nil, 0, err
	}
	for i := range out {
		out[i] = forReader(p, out[i])
	}
	return out, total, nil
}

// Household returns one household in scope with its members.
func (s *Service) Household(ctx context.Context, p *auth.Principal, id string) (Household, error) {
	h, err := s.household(ctx, s.db.R(), p, id)
	if err != nil {
		return h, err
	}
	return forReader(p, h), nil
}

// household loads a household in p's scope (unmasked).
func (s *Service) household(ctx context.Context, q store.Querier, p *auth.Principal, id string) (Household, error) {
	h, err := s.scanHousehold(q.QueryRowContext(ctx, `SELECT `+hhCols+` FROM relief_household h WHERE h.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return h, errs.New(errs.NotFound, "not_found")
	}
	if err != nil {
		return h, err
	}
	if h.CountyCode != p.CountyCode || !p.InRegion(h.TownCode) {
		return Household{}, errs.OutOfScope("relief_household", id)
	}
	list := []Household{h}
	if err := s.loadMembers(ctx, q, list); err != nil {
		return h, err
	}
	return list[0], nil
}

// checkPlace checks that the town and village exist and lie in p's scope.
func (s *Service) checkPlace(ctx context.Context, p *auth.Principal, h *Household) error {
	if !p.InRegion(h.TownCode) || !strings.HasPrefix(h.TownCode, p.CountyCode) {
		return errs.Field("town_code", "relief.town_not_yours", nil)
	}
	if s.org == nil {
		return nil
	}
	v, err := s.org.Region(ctx, p, h.VillageCode)
	if err != nil || v.ParentCode != h.TownCode {
		return errs.Field("village_code", "relief.village_not_in_town", nil)
	}
	return nil
}

// CreateHousehold enters a household (户报) on a programme's list. A
// person already in another household of the programme is refused with
// that household named.
func (s *Service) CreateHousehold(ctx context.Context, p *auth.Principal, h Household) (Household, error) {
	if !CanEnter(p) {
		return h, errs.New(errs.Forbidden, "forbidden")
	}
	if p.Role == auth.RoleTown && h.TownCode == "" {
		h.TownCode = p.RegionCode
	}
	if err := ValidateHousehold(&h, s.now()); err != nil {
		return h, err
	}
	if _, err := s.Programme(ctx, p, h.ProgrammeID); err != nil {
		if errs.Is(err, errs.NotFound) {
			return h, errs.Field("programme_id", "relief.programme_unknown", nil)
		}
		return h, err
	}
	if err := s.checkPlace(ctx, p, &h); err != nil {
		return h, err
	}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		now := s.now().UTC()
		h.ID, h.CountyCode, h.Step, h.EnteredBy, h.EnteredByName = ids.New(), p.CountyCode, StepReported, p.UserID, displayName(p)
		h.PublicityFrom, h.PublicityTo, h.CreatedAt, h.UpdatedAt = "", "", now, now
		for i := range h.Members {
			h.Members[i].ID = ids.New()
		}
		if err := s.checkMembersFree(ctx, tx, h.ProgrammeID, "", h.Members); err != nil {
			return err
		}
		if err := s.insertHouseholds(ctx, tx, []Household{h}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "relief_household", EntityID: h.ID, Action: "create", After: maskHousehold(h)})
	})
	if err != nil {
		return h, err
	}
	return forReader(p, h), nil
}

// checkMembersFree refuses members already listed in another household of
// the programme than household (relief.member_elsewhere, naming the
// member's row); household is "" for a new one.
func (s *Service) checkMembersFree(ctx context.Context, q store.Querier, programmeID, household string, ms []Member) error {
	for i, m := range ms {
		var head string
		err := q.QueryRowContext(ctx, `SELECT h.head_name FROM relief_member m JOIN relief_household h ON h.id = m.household_id
			WHERE m.programme_id = $1 AND m.id_index = $2 AND m.household_id <> $3`, programmeID, s.IndexOf(m.IDNumber), household).Scan(&head)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("member check: %w", err)
		}
		return errs.Field(fmt.Sprintf("members.%d.id_number", i), "relief.member_elsewhere", map[string]any{"Head": person.MaskName(head)})
	}
	return nil
}

// UpdateHousehold changes a household's entries (place, head, flags,
// members, account, note) with the checks of its entry (GB 11643, a
// person in another household of the programme refused). It is allowed
// at 户报 and 村评 only (CheckEdit): after the 公示 has started the
// household must be sent back first (ReturnHousehold). A change made at
// 村评 sends the household back to 户报, the village assessing what was
// changed; the editor, like the entrant, may then not take the 村评, 乡审
// or 县定 (four eyes). The programme does not change.
func (s *Service) UpdateHousehold(ctx context.Context, p *auth.Principal, id string, in Household) (Household, error) {
	if !CanEnter(p) {
		return in, errs.New(errs.Forbidden, "forbidden")
	}
	var out Household
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		old, err := s.household(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if err := CheckEdit(old); err != nil {
			return err
		}
		h := in
		if p.Role == auth.RoleTown && h.TownCode == "" {
			h.TownCode = p.RegionCode
		}
		h.ProgrammeID = old.ProgrammeID
		if err := ValidateHousehold(&h, s.now()); err != nil {
			return err
		}
		if err := s.checkPlace(ctx, p, &h); err != nil {
			return err
		}
		if err := s.checkMembersFree(ctx, tx, old.ProgrammeID, id, h.Members); err != nil {
			return err
		}
		now := s.now().UTC()
		h.ID, h.CountyCode, h.Step, h.EnteredBy, h.EnteredByName, h.EditedBy = id, old.CountyCode, StepReported, old.EnteredBy, old.EnteredByName, p.UserID
		h.PublicityFrom, h.PublicityTo, h.CreatedAt, h.UpdatedAt = "", "", old.CreatedAt, now
		// Members keep their IDs where the ID number is unchanged.
		kept := map[string]string{}
		for _, m := range old.Members {
			kept[m.IDNumber] = m.ID
		}
		for i := range h.Members {
			if mid, ok := kept[h.Members[i].IDNumber]; ok {
				h.Members[i].ID = mid
			} else {
				h.Members[i].ID = ids.New()
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE relief_household SET town_code = $1, village_code = $2, head_name = $3, address = $4, extreme_poor = $5,
			min_living = $6, out_of_poverty = $7, disaster_hit = $8, account_holder = $9, account_no = $10, step = $11, publicity_from = '', publicity_to = '',
			note = $12, edited_by = $13, updated_at = $14 WHERE id = $15`,
			h.TownCode, h.VillageCode, h.HeadName, h.Address, h.ExtremePoor, h.MinLiving, h.OutOfPoverty, h.DisasterHit, h.AccountHolder, s.seal(h.AccountNo),
			h.Step, h.Note, h.EditedBy, now, id); err != nil {
			return fmt.Errorf("update household: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM relief_member WHERE household_id = $1`, id); err != nil {
			return fmt.Errorf("update members: %w", err)
		}
		if err := s.insertMembers(ctx, tx, h); err != nil {
			return err
		}
		out = forReader(p, h)
		before, after := maskHousehold(old), maskHousehold(h)
		before.Masked, after.Masked = false, false
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "relief_household", EntityID: id, Action: "update", Before: before, After: after})
	})
	return out, err
}

// ReturnInput sends a household back (退回) with its reason.
type ReturnInput struct {
	Note string `json:"note"`
}

// ReturnHousehold sends a household at 公示 or 乡审 back to 户报 (退回)
// with a reason (CheckReturn): its 公示 period is cleared and the chain
// runs again from 村评 once it has been corrected. Objections stay on
// record.
func (s *Service) ReturnHousehold(ctx context.Context, p *auth.Principal, id string, in ReturnInput) (Household, error) {
	note := in.Note
	var out Household
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		h, err := s.household(ctx, tx, p, id)
		if err != nil {
			return err
		}
		note = strings.TrimSpace(note)
		if err := CheckReturn(h, actorOf(p), note); err != nil {
			return err
		}
		now := s.now().UTC()
		before := h.Step
		h.Step, h.PublicityFrom, h.PublicityTo, h.UpdatedAt = StepReported, "", "", now
		if _, err := tx.ExecContext(ctx, `UPDATE relief_household SET step = $1, publicity_from = '', publicity_to = '', updated_at = $2 WHERE id = $3`,
			h.Step, now, id); err != nil {
			return fmt.Errorf("return: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO relief_step (id, household_id, step, approved, note, done_by, done_by_name, done_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
			ids.New(), id, StepReturn, false, note, p.UserID, displayName(p), now); err != nil {
			return fmt.Errorf("return: %w", err)
		}
		out = forReader(p, h)
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "relief_household", EntityID: id, Action: "step_return",
			Before: map[string]any{"step": before}, After: map[string]any{"step": h.Step, "note": person.MaskIDsIn(note)}})
	})
	return out, err
}

// TakeStep takes the next step of the approval chain on a household.
func (s *Service) TakeStep(ctx context.Context, p *auth.Principal, id string, in StepInput) (Household, error) {
	var out Household
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		h, err := s.household(ctx, tx, p, id)
		if err != nil {
			return err
		}
		var open int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM relief_objection WHERE household_id = $1 AND resolution = ''`, id).Scan(&open); err != nil {
			return fmt.Errorf("objections: %w", err)
		}
		next, err := CheckStep(h, actorOf(p), &in, s.Today(), open)
		if err != nil {
			return err
		}
		now := s.now().UTC()
		before := h.Step
		h.Step, h.UpdatedAt = next, now
		if in.Step == StepPublicity && in.Approved {
			h.PublicityFrom, h.PublicityTo = in.PublicityFrom, in.PublicityTo
		}
		if _, err := tx.ExecContext(ctx, `UPDATE relief_household SET step = $1, publicity_from = $2, publicity_to = $3, updated_at = $4 WHERE id = $5`,
			h.Step, h.PublicityFrom, h.PublicityTo, now, id); err != nil {
			return fmt.Errorf("step: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO relief_step (id, household_id, step, approved, note, done_by, done_by_name, done_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
			ids.New(), id, in.Step, in.Approved, in.Note, p.UserID, displayName(p), now); err != nil {
			return fmt.Errorf("step: %w", err)
		}
		out = forReader(p, h)
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "relief_household", EntityID: id, Action: "step_" + in.Step,
			Before: map[string]any{"step": before}, After: map[string]any{"step": h.Step, "approved": in.Approved, "note": person.MaskIDsIn(in.Note),
				"publicity_from": h.PublicityFrom, "publicity_to": h.PublicityTo}})
	})
	return out, err
}

// StepDone is a step as taken.
type StepDone struct {
	Step       string    `json:"step"`
	Approved   bool      `json:"approved"`
	Note       string    `json:"note,omitempty"`
	DoneBy     string    `json:"done_by"`
	DoneByName string    `json:"done_by_name"`
	DoneAt     time.Time `json:"done_at"`
}

// Objection is an objection raised during the 公示.
type Objection struct {
	ID         string    `json:"id"`
	RaisedOn   string    `json:"raised_on"`
	Content    string    `json:"content"`
	Resolution string    `json:"resolution,omitempty"`
	RecordedBy string    `json:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at"`
}

// History returns a household's steps and objections.
func (s *Service) History(ctx context.Context, p *auth.Principal, id string) ([]StepDone, []Objection, error) {
	if _, err := s.household(ctx, s.db.R(), p, id); err != nil {
		return nil, nil, err
	}
	full := SeesFullID(p)
	steps, err := store.QueryAll(ctx, s.db.R(), func(rows *sql.Rows) (StepDone, error) {
		var x StepDone
		err := rows.Scan(&x.Step, &x.Approved, &x.Note, &x.DoneBy, &x.DoneByName, &x.DoneAt)
		if !full {
			x.Note = person.MaskIDsIn(x.Note)
		}
		return x, err
	}, `SELECT step, approved, note, done_by, done_by_name, done_at FROM relief_step WHERE household_id = $1 ORDER BY done_at, id`, id)
	if err != nil {
		return nil, nil, fmt.Errorf("steps: %w", err)
	}
	obj, err := store.QueryAll(ctx, s.db.R(), func(rows *sql.Rows) (Objection, error) {
		var o Objection
		err := rows.Scan(&o.ID, &o.RaisedOn, &o.Content, &o.Resolution, &o.RecordedBy, &o.RecordedAt)
		if !full {
			o.Content, o.Resolution = person.MaskIDsIn(o.Content), person.MaskIDsIn(o.Resolution)
		}
		return o, err
	}, `SELECT id, raised_on, content, resolution, recorded_by, recorded_at FROM relief_objection WHERE household_id = $1 ORDER BY raised_on, recorded_at`, id)
	if err != nil {
		return nil, nil, fmt.Errorf("objections: %w", err)
	}
	return steps, obj, nil
}

// ObjectionInput records an objection (or resolves one when ID is set).
type ObjectionInput struct {
	ID         string `json:"id,omitempty"`
	RaisedOn   string `json:"raised_on"`
	Content    string `json:"content"`
	Resolution string `json:"resolution"`
}

// RecordObjection records an objection raised during the household's
// 公示, or resolves an open one (in.ID set): town staff and
// administrators; only while the household waits for the town's review.
func (s *Service) RecordObjection(ctx context.Context, p *auth.Principal, id string, in ObjectionInput) (Objection, error) {
	var o Objection
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		h, err := s.household(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if !actorOf(p).TownStaff {
			return errs.New(errs.Forbidden, "relief.rule.role_town")
		}
		if h.Step != StepPublicity {
			return errs.New(errs.Conflict, "relief.rule.objection_not_in_publicity")
		}
		now := s.now().UTC()
		in.Content, in.Resolution = strings.TrimSpace(in.Content), strings.TrimSpace(in.Resolution)
		if in.ID != "" {
			if in.Resolution == "" {
				return errs.Field("resolution", "field.required", nil)
			}
			res, err := tx.ExecContext(ctx, `UPDATE relief_objection SET resolution = $1 WHERE id = $2 AND household_id = $3 AND resolution = ''`, in.Resolution, in.ID, id)
			if err != nil {
				return fmt.Errorf("resolve objection: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return errs.New(errs.NotFound, "not_found")
			}
			o = Objection{ID: in.ID, Resolution: in.Resolution}
			return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "relief_household", EntityID: id, Action: "objection_resolve",
				After: map[string]any{"objection": in.ID, "resolution": person.MaskIDsIn(in.Resolution)}})
		}
		if in.Content == "" {
			return errs.Field("content", "field.required", nil)
		}
		d, err := calendar.ParseDay(in.RaisedOn)
		if err != nil {
			return errs.Field("raised_on", "relief.date_invalid", nil)
		}
		o = Objection{ID: ids.New(), RaisedOn: d.Format(calendar.DateLayout), Content: in.Content, Resolution: in.Resolution, RecordedBy: p.UserID, RecordedAt: now}
		if _, err := tx.ExecContext(ctx, `INSERT INTO relief_objection (id, household_id, raised_on, content, resolution, recorded_by, recorded_at) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
			o.ID, id, o.RaisedOn, o.Content, o.Resolution, o.RecordedBy, now); err != nil {
			return fmt.Errorf("objection: %w", err)
		}
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "relief_household", EntityID: id, Action: "objection",
			After: map[string]any{"raised_on": o.RaisedOn, "content": person.MaskIDsIn(o.Content), "resolution": person.MaskIDsIn(o.Resolution)}})
	})
	return o, err
}

// ---- payments

// Pay records a payment to a member of a household decided by the
// county. A money payment above the programme's standard, a second
// payment of one person in one category of the programme, or money
// beyond the programme's budget is refused with the rule named.
func (s *Service) Pay(ctx context.Context, p *auth.Principal, householdID string, in PaymentInput) (Payment, error) {
	if !CanPay(p) {
		return Payment{}, errs.New(errs.Forbidden, "forbidden")
	}
	var out Payment
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		h, err := s.household(ctx, tx, p, householdID)
		if err != nil {
			return err
		}
		prog, err := s.programme(ctx, tx, h.ProgrammeID)
		if err != nil {
			return err
		}
		if err := CheckPayment(prog, h, &in); err != nil {
			return err
		}
		var m Member
		for _, x := range h.Members {
			if x.ID == in.MemberID {
				m = x
			}
		}
		idx := s.IndexOf(m.IDNumber)
		var earlier string
		err = tx.QueryRowContext(ctx, `SELECT paid_on FROM relief_payment WHERE programme_id = $1 AND id_index = $2 AND category = $3`, prog.ID, idx, in.Category).Scan(&earlier)
		if err == nil {
			return errs.New(errs.Conflict, "relief.rule.paid_twice").With(map[string]any{"Date": earlier, "Category": CategoryLabel(in.Category, "zh")})
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("payment check: %w", err)
		}
		if in.Mode == ModeMoney && prog.Budget > 0 {
			var paid int64
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM relief_payment WHERE programme_id = $1`, prog.ID).Scan(&paid); err != nil {
				return fmt.Errorf("budget: %w", err)
			}
			if paid+in.Amount > prog.Budget {
				return errs.New(errs.Conflict, "relief.rule.over_budget").With(map[string]any{"Budget": Yuan(prog.Budget), "Left": Yuan(prog.Budget - paid)})
			}
		}
		payID := ids.New()
		if in.Mode == ModeGoods && in.DispatchRef == "" && s.issue != nil {
			ref, err := s.issue(ctx, tx, p, GoodsRequest{CountyCode: h.CountyCode, ProgrammeID: prog.ID, HouseholdID: h.ID, MemberID: m.ID,
				TownCode: h.TownCode, VillageCode: h.VillageCode, Item: in.Item, ItemID: in.ItemID, WarehouseID: in.WarehouseID,
				Quantity: in.Quantity, PaidOn: in.PaidOn, Source: "relief_payment:" + payID})
			if err != nil {
				return err
			}
			in.DispatchRef = ref
		}
		now := s.now().UTC()
		out = Payment{ID: payID, ProgrammeID: prog.ID, HouseholdID: h.ID, MemberID: m.ID, TownCode: h.TownCode, Category: in.Category, Mode: in.Mode,
			Amount: in.Amount, Item: in.Item, Quantity: in.Quantity, DispatchRef: in.DispatchRef, PaidOn: in.PaidOn, RecordedBy: p.UserID, RecordedAt: now,
			ProgrammeName: prog.Name, ProgrammeKind: prog.Kind, VillageCode: h.VillageCode, HeadName: h.HeadName, MemberName: m.Name, IDNumber: m.IDNumber,
			AccountHolder: h.AccountHolder, AccountNo: h.AccountNo}
		if err := s.insertPayments(ctx, tx, h.CountyCode, []Payment{out}, []string{idx}); err != nil {
			if store.IsUniqueViolation(err) {
				return errs.New(errs.Conflict, "relief.rule.paid_twice").With(map[string]any{"Date": in.PaidOn, "Category": CategoryLabel(in.Category, "zh")})
			}
			return err
		}
		out = paymentFor(p, out)
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "relief_payment", EntityID: out.ID, Action: "create", After: maskPayment(out)})
	})
	return out, err
}

// PaymentFilter selects payments.
type PaymentFilter struct {
	ProgrammeID string
	Kind        string
	Town        string
	Category    string
	Mode        string
	From, To    string // paid between (YYYY-MM-DD, both ends)
	HouseholdID string
	Q           string // member's name or ID number
	Limit       int
	Offset      int
}

func (s *Service) paymentWhere(p *auth.Principal, f PaymentFilter) *store.Where {
	var w store.Where
	w.Add("x.county_code = ?", p.CountyCode)
	w.Add("x.town_code LIKE ?", p.RegionPrefix()+"%")
	if f.ProgrammeID != "" {
		w.Add("x.programme_id = ?", f.ProgrammeID)
	}
	if f.Kind != "" {
		w.Add("g.kind = ?", f.Kind)
	}
	if f.Town != "" {
		w.Add("x.town_code = ?", f.Town)
	}
	if f.Category != "" {
		w.Add("x.category = ?", f.Category)
	}
	if f.Mode != "" {
		w.Add("x.mode = ?", f.Mode)
	}
	if f.From != "" {
		w.Add("x.paid_on >= ?", f.From)
	}
	if f.To != "" {
		w.Add("x.paid_on <= ?", f.To)
	}
	if f.HouseholdID != "" {
		w.Add("x.household_id = ?", f.HouseholdID)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		w.Add("(m.name = ? OR x.id_index = ?)", q, s.IndexOf(q))
	}
	return &w
}

const payJoin = ` FROM relief_payment x JOIN relief_programme g ON g.id = x.programme_id JOIN relief_household h ON h.id = x.household_id
	JOIN relief_member m ON m.id = x.member_id`

const payCols = `x.id, x.programme_id, x.household_id, x.member_id, x.town_code, x.category, x.mode, x.amount, x.item, x.quantity, x.dispatch_ref,
	x.paid_on, x.recorded_by, x.recorded_at, g.name, g.kind, h.village_code, h.head_name, m.name, m.id_number, h.account_holder, h.account_no`

func (s *Service) scanPayment(row interface{ Scan(...any) error }) (Payment, error) {
	var x Payment
	err := row.Scan(&x.ID, &x.ProgrammeID, &x.HouseholdID, &x.MemberID, &x.TownCode, &x.Category, &x.Mode, &x.Amount, &x.Item, &x.Quantity, &x.DispatchRef,
		&x.PaidOn, &x.RecordedBy, &x.RecordedAt, &x.ProgrammeName, &x.ProgrammeKind, &x.VillageCode, &x.HeadName, &x.MemberName, &x.IDNumber,
		&x.AccountHolder, &x.AccountNo)
	if err != nil {
		return x, fmt.Errorf("payment: %w", err)
	}
	if x.IDNumber, err = s.open(x.IDNumber); err != nil {
		return x, err
	}
	x.AccountNo, err = s.open(x.AccountNo)
	return x, err
}

// Payments returns a page of payments in scope and the count, the sum of
// money and the number of people paid of all the filter selects.
func (s *Service) Payments(ctx context.Context, p *auth.Principal, f PaymentFilter) ([]Payment, Total, error) {
	w := s.paymentWhere(p, f)
	var t Total
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*), COALESCE(SUM(x.amount), 0), count(DISTINCT x.id_index)`+payJoin+w.SQL(), w.Args()...).
		Scan(&t.Payments, &t.Amount, &t.People); err != nil {
		return nil, t, fmt.Errorf("count payments: %w", err)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 50
	}
	lim, off := w.Arg(f.Limit), w.Arg(f.Offset)
	out, err := store.QueryAll(ctx, s.db.R(), func(rows *sql.Rows) (Payment, error) {
		x, err := s.scanPayment(rows)
		return paymentFor(p, x), err
	}, `SELECT `+payCols+payJoin+w.SQL()+` ORDER BY x.paid_on DESC, x.town_code, h.village_code, h.head_name, m.sort, x.id LIMIT `+lim+` OFFSET `+off, w.Args()...)
	if err != nil {
		return nil, t, fmt.Errorf("list payments: %w", err)
	}
	return out, t, nil
}

// EachPayment streams the payments in scope matching f in the bank list's
// order (programme, town, village, household, member).
func (s *Service) EachPayment(ctx context.Context, p *auth.Principal, f PaymentFilter, fn func(Payment) error) error {
	w := s.paymentWhere(p, f)
	rows, err := s.db.R().QueryContext(ctx, `SELECT `+payCols+payJoin+w.SQL()+` ORDER BY g.period_from, x.programme_id, x.town_code, h.village_code, h.head_name, x.household_id, m.sort, x.member_id, x.paid_on, x.category`, w.Args()...)
	if err != nil {
		return fmt.Errorf("payments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		x, err := s.scanPayment(rows)
		if err != nil {
			return err
		}
		if err := fn(paymentFor(p, x)); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Total is money paid and people paid.
type Total struct {
	Key      string `json:"key,omitempty"` // town code or category
	Payments int    `json:"payments"`
	Amount   int64  `json:"amount"` // 分
	People   int    `json:"people"` // distinct people
}

// Totals are a programme's (or every programme's) totals by town and by
// category.
type Totals struct {
	All        Total   `json:"all"`
	ByTown     []Total `json:"by_town"`
	ByCategory []Total `json:"by_category"`
	ByKind     []Total `json:"by_kind"`
}

// Totals sums the payments in scope matching f by town, category and kind.
func (s *Service) Totals(ctx context.Context, p *auth.Principal, f PaymentFilter) (Totals, error) {
	var t Totals
	w := s.paymentWhere(p, f)
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*), COALESCE(SUM(x.amount), 0), count(DISTINCT x.id_index)`+payJoin+w.SQL(), w.Args()...).
		Scan(&t.All.Payments, &t.All.Amount, &t.All.People); err != nil {
		return t, fmt.Errorf("totals: %w", err)
	}
	for _, g := range []struct {
		col string
		dst *[]Total
	}{{"x.town_code", &t.ByTown}, {"x.category", &t.ByCategory}, {"g.kind", &t.ByKind}} {
		list, err := store.QueryAll(ctx, s.db.R(), func(rows *sql.Rows) (Total, error) {
			var x Total
			return x, rows.Scan(&x.Key, &x.Payments, &x.Amount, &x.People)
		}, `SELECT `+g.col+`, count(*), COALESCE(SUM(x.amount), 0), count(DISTINCT x.id_index)`+payJoin+w.SQL()+
			` GROUP BY `+g.col+` ORDER BY `+g.col, w.Args()...)
		if err != nil {
			return t, fmt.Errorf("totals: %w", err)
		}
		*g.dst = list
	}
	return t, nil
}

// Flag is a person flagged by the duplicate check: listed in households
// of two programmes of the same kind whose periods overlap.
type Flag struct {
	Name       string   `json:"name"`
	IDNumber   string   `json:"id_number"` // masked unless the reader may see it
	Households []string `json:"households"`
	Programmes []string `json:"programmes"`
	Reason     string   `json:"reason"`
}

// Flags lists the people in scope listed in households of two programmes
// of one kind with overlapping periods (a person cannot be twice in one
// programme: that is refused when entered).
func (s *Service) Flags(ctx context.Context, p *auth.Principal) ([]Flag, error) {
	// Only the people in play: first the pairs of programmes of one kind
	// whose periods overlap (a handful), then, per pair, the people of
	// both, each found through the UNIQUE (programme_id, id_index) index.
	// With the programmes named, the planner walks the smaller list and
	// looks each person up in the other: no pass over every person of
	// the county (1.3–1.9 s per 100,000 people on PostgreSQL before).
	type pair struct{ a, an, b, bn string }
	pairs, err := store.QueryAll(ctx, s.db.R(), func(rows *sql.Rows) (pair, error) {
		var x pair
		return x, rows.Scan(&x.a, &x.an, &x.b, &x.bn)
	}, `SELECT ga.id, ga.name, gb.id, gb.name FROM relief_programme ga
		JOIN relief_programme gb ON gb.county_code = ga.county_code AND gb.kind = ga.kind AND gb.id > ga.id
			AND ga.period_from <= gb.period_to AND gb.period_from <= ga.period_to
		WHERE ga.county_code = $1 ORDER BY ga.id, gb.id`, p.CountyCode)
	if err != nil {
		return nil, fmt.Errorf("flags: %w", err)
	}
	type flagged struct {
		f   Flag
		idx string
	}
	var all []flagged
	for _, g := range pairs {
		found, err := s.overlap(ctx, g.a, g.b)
		if err != nil {
			return nil, err
		}
		towns, err := s.townsOf(ctx, found)
		if err != nil {
			return nil, err
		}
		for _, x := range found {
			if !strings.HasPrefix(towns[x.ha], p.RegionPrefix()) {
				continue
			}
			f := Flag{Name: x.name, Households: []string{x.ha, x.hb}, Programmes: []string{g.an, g.bn}, Reason: "relief.flag_overlap"}
			if f.IDNumber, err = s.open(x.id); err != nil {
				return nil, err
			}
			if !SeesFullID(p) {
				f.IDNumber = person.MaskID(f.IDNumber)
			}
			all = append(all, flagged{f, x.idx})
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].f.Name != all[j].f.Name {
			return all[i].f.Name < all[j].f.Name
		}
		return all[i].idx < all[j].idx
	})
	out := make([]Flag, len(all))
	for i, x := range all {
		out[i] = x.f
	}
	return out, nil
}

// listed is a person of programme a also listed in programme b.
type listed struct{ idx, name, id, ha, hb string }

// overlap finds the people listed in both programmes a and b: it reads
// the smaller list and looks its people up in the other through the
// UNIQUE (programme_id, id_index) index, 500 at a time.
func (s *Service) overlap(ctx context.Context, a, b string) ([]listed, error) {
	// Which list is smaller: counted up to a cap (past it either will do).
	var na, nb int
	const capped = `SELECT count(*) FROM (SELECT 1 FROM relief_member WHERE programme_id = $1 LIMIT 20001) x`
	if err := s.db.R().QueryRowContext(ctx, capped, a).Scan(&na); err != nil {
		return nil, fmt.Errorf("flags: %w", err)
	}
	if err := s.db.R().QueryRowContext(ctx, capped, b).Scan(&nb); err != nil {
		return nil, fmt.Errorf("flags: %w", err)
	}
	small, big, swapped := a, b, false
	if nb < na {
		small, big, swapped = b, a, true
	}
	type mem struct{ idx, name, id, hh string }
	scanMem := func(rows *sql.Rows) (mem, error) {
		var m mem
		return m, rows.Scan(&m.idx, &m.name, &m.id, &m.hh)
	}
	ms, err := store.QueryAll(ctx, s.db.R(), scanMem, `SELECT id_index, name, id_number, household_id FROM relief_member WHERE programme_id = $1`, small)
	if err != nil {
		return nil, fmt.Errorf("flags: %w", err)
	}
	var out []listed
	for len(ms) > 0 {
		chunk := ms[:min(500, len(ms))]
		ms = ms[len(chunk):]
		at := make(map[string]mem, len(chunk))
		keys := make([]string, len(chunk))
		for i, m := range chunk {
			at[m.idx], keys[i] = m, m.idx
		}
		var w store.Where
		w.Add("programme_id = ?", big)
		w.In("id_index", keys)
		others, err := store.QueryAll(ctx, s.db.R(), scanMem, `SELECT id_index, name, id_number, household_id FROM relief_member`+w.SQL(), w.Args()...)
		if err != nil {
			return nil, fmt.Errorf("flags: %w", err)
		}
		for _, o := range others {
			m := at[o.idx]
			if swapped { // a's member first
				m, o = o, m
			}
			out = append(out, listed{idx: m.idx, name: m.name, id: m.id, ha: m.hh, hb: o.hh})
		}
	}
	return out, nil
}

// townsOf maps the first households of found to their towns.
func (s *Service) townsOf(ctx context.Context, found []listed) (map[string]string, error) {
	out := map[string]string{}
	var hs []string
	for _, x := range found {
		if _, ok := out[x.ha]; !ok {
			out[x.ha] = ""
			hs = append(hs, x.ha)
		}
	}
	for len(hs) > 0 {
		chunk := hs[:min(500, len(hs))]
		hs = hs[len(chunk):]
		var w store.Where
		w.In("id", chunk)
		rows, err := s.db.R().QueryContext(ctx, `SELECT id, town_code FROM relief_household`+w.SQL(), w.Args()...)
		if err != nil {
			return nil, fmt.Errorf("flags: %w", err)
		}
		for rows.Next() {
			var id, town string
			if err := rows.Scan(&id, &town); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = town
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func displayName(p *auth.Principal) string {
	if p.DisplayName != "" {
		return p.DisplayName
	}
	return p.Username
}

// Waiting counts the households in scope waiting for a step p may take:
// 村评, 公示 and 乡审 for town staff (not their own entries where four eyes
// apply), 县定 for the county's deciders. link is the list showing them.
func (s *Service) Waiting(ctx context.Context, p *auth.Principal) (n int, link string, err error) {
	a := actorOf(p)
	var w store.Where
	w.Add("county_code = ?", p.CountyCode)
	w.Add("town_code LIKE ?", p.RegionPrefix()+"%")
	switch {
	case a.TownStaff && p.Role == auth.RoleTown:
		w.Add("(step = ? OR (step IN (?, ?) AND entered_by <> ? AND edited_by <> ?))", StepVillage, StepReported, StepPublicity, p.UserID, p.UserID)
		link = "/relief/households?step=" + StepReported
	case a.County:
		w.Add("step = ? AND entered_by <> ? AND edited_by <> ?", StepTown, p.UserID, p.UserID)
		link = "/relief/households?step=" + StepTown
	default:
		return 0, "", nil
	}
	err = s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM relief_household`+w.SQL(), w.Args()...).Scan(&n)
	return n, link, err
}

// StepCounts counts a programme's households in scope by step.
func (s *Service) StepCounts(ctx context.Context, p *auth.Principal, programmeID string) (map[string]int, error) {
	w := s.householdWhere(p, HouseholdFilter{ProgrammeID: programmeID})
	rows, err := s.db.R().QueryContext(ctx, `SELECT h.step, count(*) FROM relief_household h`+w.SQL()+` GROUP BY h.step`, w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("step counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, rows.Err()
}
