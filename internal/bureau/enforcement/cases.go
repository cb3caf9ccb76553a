package enforcement

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/calendar"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/store"
)

const caseCols = `id, county_code, enterprise_id, enterprise_name, town_code, village_code, sector, section_id, inspection_id, cause, cause_kind,
	legal_basis, state, found_on, filed_on, drafted_by, drafted_name, approved_by, approved_name, notified_on, hearing, decided_on, fine_fen,
	payment, pay_due, paid_fen, close_by, close_name, closed_on, closed_by, note, created_at, updated_at`

func scanCase(row interface{ Scan(...any) error }) (Case, error) {
	var c Case
	err := row.Scan(&c.ID, &c.CountyCode, &c.EnterpriseID, &c.EnterpriseName, &c.TownCode, &c.VillageCode, &c.Sector, &c.SectionID, &c.InspectionID,
		&c.Cause, &c.CauseKind, &c.LegalBasis, &c.State, &c.FoundOn, &c.FiledOn, &c.DraftedBy, &c.DraftedName, &c.ApprovedBy, &c.ApprovedName,
		&c.NotifiedOn, &c.Hearing, &c.DecidedOn, &c.FineFen, &c.Payment, &c.PayDue, &c.PaidFen, &c.CloseBy, &c.CloseName, &c.ClosedOn,
		&c.ClosedBy, &c.Note, &c.CreatedAt, &c.UpdatedAt)
	return c, err
}

func caseArgs(c Case) []any {
	return []any{c.ID, c.CountyCode, c.EnterpriseID, c.EnterpriseName, c.TownCode, c.VillageCode, c.Sector, c.SectionID, c.InspectionID,
		c.Cause, c.CauseKind, c.LegalBasis, c.State, c.FoundOn, c.FiledOn, c.DraftedBy, c.DraftedName, c.ApprovedBy, c.ApprovedName,
		c.NotifiedOn, c.Hearing, c.DecidedOn, c.FineFen, c.Payment, c.PayDue, c.PaidFen, c.CloseBy, c.CloseName, c.ClosedOn,
		c.ClosedBy, c.Note, c.CreatedAt.UTC(), c.UpdatedAt.UTC()}
}

func (s *Service) getCase(ctx context.Context, q store.Querier, id string) (Case, error) {
	return scanCase(q.QueryRowContext(ctx, `SELECT `+caseCols+` FROM enf_case WHERE id = $1`, id))
}

// GetCase returns a case within p's scope.
func (s *Service) GetCase(ctx context.Context, p *auth.Principal, id string) (Case, error) {
	c, err := s.getCase(ctx, s.db.R(), id)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !inScope(p, c.CountyCode, c.TownCode, c.VillageCode, c.Sector, c.EnterpriseID) {
		return Case{}, errs.OutOfScope("enf_case", id)
	}
	return c, err
}

// NewCase is a case as drafted (立案审批表 awaiting approval).
type NewCase struct {
	EnterpriseID string `json:"enterprise_id"`
	InspectionID string `json:"inspection_id"`
	Cause        string `json:"cause"`
	CauseKind    string `json:"cause_kind"`
	LegalBasis   string `json:"legal_basis"`
	FoundOn      string `json:"found_on"`
	Note         string `json:"note"`
}

// CauseKinds are the kinds of violation the report counts.
var CauseKinds = []string{"duty_keeping", "hazard_unremedied", "training", "major_hazard_source", "licence", "other"}

// OpenCase drafts a case (立案待审批).
func (s *Service) OpenCase(ctx context.Context, p *auth.Principal, in NewCase) (Case, error) {
	return store.InTxValue(ctx, s.db, func(tx *store.Tx) (Case, error) {
		return s.OpenCaseTx(ctx, tx, p, in)
	})
}

// OpenCaseTx drafts a case inside tx.
func (s *Service) OpenCaseTx(ctx context.Context, tx *store.Tx, p *auth.Principal, in NewCase) (Case, error) {
	if !CanWrite(p) {
		return Case{}, errs.New(errs.Forbidden, "forbidden")
	}
	var fe errs.FieldErrors
	e, err := s.enterpriseFor(ctx, p, in.EnterpriseID)
	if err != nil {
		if errs.Fields(err) == nil {
			return Case{}, err
		}
		fe = append(fe, errs.Fields(err)...)
	}
	if strings.TrimSpace(in.Cause) == "" {
		fe = append(fe, errs.Field("cause", "field.required", nil))
	}
	set, err := s.settings(ctx, tx, p.CountyCode)
	if err != nil {
		return Case{}, err
	}
	if _, ok := set.BasisOf(in.LegalBasis); !ok {
		fe = append(fe, errs.Field("legal_basis", "enforcement.basis_unknown", nil))
	}
	if in.CauseKind != "" && !contains(CauseKinds, in.CauseKind) {
		fe = append(fe, errs.Field("cause_kind", "enforcement.cause_kind_invalid", nil))
	}
	found := s.Today()
	if strings.TrimSpace(in.FoundOn) != "" {
		if found, err = calendar.NormalizeDay(in.FoundOn); err != nil || found > s.Today() {
			fe = append(fe, errs.Field("found_on", "enforcement.date_invalid", nil))
		}
	}
	if len(fe) > 0 {
		return Case{}, fe.Err()
	}
	b, _ := set.BasisOf(in.LegalBasis)
	now := s.now().UTC()
	c := Case{ID: ids.New(), CountyCode: p.CountyCode, EnterpriseID: e.ID, EnterpriseName: e.Name, TownCode: e.TownCode, VillageCode: e.VillageCode,
		Sector: e.Sector, SectionID: e.SectionID, InspectionID: strings.TrimSpace(in.InspectionID), Cause: strings.TrimSpace(in.Cause),
		CauseKind: in.CauseKind, LegalBasis: b.Code, State: StateFiling, FoundOn: found, DraftedBy: p.UserID, DraftedName: p.DisplayName,
		Note: strings.TrimSpace(in.Note), CreatedAt: now, UpdatedAt: now}
	if _, err := tx.ExecContext(ctx, `INSERT INTO enf_case (`+caseCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,
		$19,$20,$21,$22,$23,$24,$25,$26,$27,$28,$29,$30,$31,$32,$33)`, caseArgs(c)...); err != nil {
		return Case{}, fmt.Errorf("insert case: %w", err)
	}
	if err := audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "enf_case", EntityID: c.ID, Action: "create", After: c}); err != nil {
		return Case{}, err
	}
	return c, nil
}

func contains(list []string, x string) bool {
	for _, y := range list {
		if y == x {
			return true
		}
	}
	return false
}

// StepInput is a step taken on a case from the form or the API.
type StepInput struct {
	Action   string `json:"action"`
	On       string `json:"on"`
	Hearing  bool   `json:"hearing"`
	FineYuan string `json:"fine_yuan"` // 元 (the form); or
	FineFen  *int64 `json:"fine_fen"`  // 分 (the API)
	Payment  string `json:"payment"`
	PayDue   string `json:"pay_due"`
	Amount   string `json:"amount_yuan"`
	Officers string `json:"officers"`
	Body     string `json:"body"`
	Note     string `json:"note"`
}

// Step applies a step to a case: the rule, the document it issues, the
// payment it records and the audit entry, in one transaction.
func (s *Service) Step(ctx context.Context, p *auth.Principal, id string, in StepInput) (Case, error) {
	var c Case
	err := s.db.InTx(store.Serial(ctx), func(tx *store.Tx) error {
		var err error
		c, err = s.StepTx(ctx, tx, p, id, in)
		return err
	})
	return c, err
}

// StepTx applies a step inside tx.
func (s *Service) StepTx(ctx context.Context, tx *store.Tx, p *auth.Principal, id string, in StepInput) (Case, error) {
	before, err := s.getCase(ctx, tx, id)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !inScope(p, before.CountyCode, before.TownCode, before.VillageCode, before.Sector, before.EnterpriseID) {
		return Case{}, errs.OutOfScope("enf_case", id)
	}
	if err != nil {
		return Case{}, err
	}
	switch in.Action {
	case ActApproveFiling, ActRejectFiling, ActApproveClose:
		if !CanApprove(p) {
			return before, errs.New(errs.Forbidden, "enforcement.approve_forbidden")
		}
	default:
		if !CanWrite(p) {
			return before, errs.New(errs.Forbidden, "forbidden")
		}
	}
	on := s.Today()
	if strings.TrimSpace(in.On) != "" {
		if on, err = calendar.NormalizeDay(in.On); err != nil || on > s.Today() {
			return before, errs.Field("on", "enforcement.date_invalid", nil)
		}
	}
	step := CaseStep{Action: in.Action, By: p.UserID, On: on, Hearing: in.Hearing, Payment: in.Payment}
	if in.FineFen != nil {
		step.FineFen = *in.FineFen
	} else if in.FineYuan != "" {
		if step.FineFen, err = ParseYuan(in.FineYuan); err != nil {
			return before, errs.Field("fine_yuan", "enforcement.amount_invalid", nil)
		}
	} else {
		step.FineFen = before.FineFen
	}
	if in.Amount != "" {
		if step.Amount, err = ParseYuan(in.Amount); err != nil {
			return before, errs.Field("amount_yuan", "enforcement.amount_invalid", nil)
		}
	}
	if in.PayDue != "" {
		if step.PayDue, err = calendar.NormalizeDay(in.PayDue); err != nil {
			return before, errs.Field("pay_due", "enforcement.date_invalid", nil)
		}
	}
	set, err := s.settings(ctx, tx, before.CountyCode)
	if err != nil {
		return before, err
	}
	if b, ok := set.BasisOf(before.LegalBasis); ok {
		step.Cap = b.CapFen
	}
	c, err := ApplyCase(before, step)
	var re *RuleError
	if errors.As(err, &re) {
		field := "action"
		if strings.HasPrefix(re.Rule, "enforcement.rule.fine_") {
			// A bad amount is a bad field (422), naming the rule.
			return before, &errs.Error{Kind: errs.Invalid, Message: re.Rule, Args: re.Args, Field: "fine_yuan", Err: err}
		}
		return before, &errs.Error{Kind: errs.Conflict, Message: re.Rule, Args: re.Args, Field: field, Err: err}
	}
	if err != nil {
		return before, err
	}
	switch in.Action {
	case ActApproveFiling, ActRejectFiling:
		c.ApprovedName = p.DisplayName
	case ActClose:
		c.CloseName = p.DisplayName
	}
	now := s.now().UTC()
	c.UpdatedAt = now
	if _, err := tx.ExecContext(ctx, `UPDATE enf_case SET state=$1, filed_on=$2, approved_by=$3, approved_name=$4, notified_on=$5, hearing=$6,
		decided_on=$7, fine_fen=$8, payment=$9, pay_due=$10, paid_fen=$11, close_by=$12, close_name=$13, closed_on=$14, closed_by=$15,
		updated_at=$16 WHERE id=$17`, c.State, c.FiledOn, c.ApprovedBy, c.ApprovedName, c.NotifiedOn, c.Hearing, c.DecidedOn, c.FineFen,
		c.Payment, c.PayDue, c.PaidFen, c.CloseBy, c.CloseName, c.ClosedOn, c.ClosedBy, now, c.ID); err != nil {
		return before, fmt.Errorf("update case: %w", err)
	}
	if in.Action == ActPay {
		if _, err := tx.ExecContext(ctx, `INSERT INTO enf_fine_payment (id, county_code, case_id, paid_on, amount_fen, note, created_by, created_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, ids.New(), c.CountyCode, c.ID, on, step.Amount, strings.TrimSpace(in.Note), p.UserID, now); err != nil {
			return before, fmt.Errorf("insert payment: %w", err)
		}
	}
	doc := ""
	if kind := DocumentFor(in.Action); kind != "" {
		body := strings.TrimSpace(in.Body)
		if body == "" {
			body = caseBody(kind, c, set)
		}
		d, err := s.IssueTx(ctx, tx, p, NewDocument{Kind: kind, EnterpriseID: c.EnterpriseID, CaseID: c.ID, InspectionID: c.InspectionID,
			IssuedOn: on, Officers: in.Officers, Body: body})
		if err != nil {
			return before, err
		}
		doc = d.Number
	}
	if err := audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "enf_case", EntityID: c.ID, Action: "enf_" + in.Action,
		Before: map[string]any{"state": before.State, "fine_fen": before.FineFen, "paid_fen": before.PaidFen},
		After:  map[string]any{"state": c.State, "fine_fen": c.FineFen, "paid_fen": c.PaidFen, "document": doc, "note": in.Note}}); err != nil {
		return before, err
	}
	return c, nil
}

// caseBody is the default text of a case document.
func caseBody(kind string, c Case, set Settings) string {
	b, _ := set.BasisOf(c.LegalBasis)
	switch kind {
	case KindFiling:
		return fmt.Sprintf("案由：%s。经初步调查，%s涉嫌违反安全生产法律法规，依据%s，建议立案调查。", c.Cause, c.EnterpriseName, b.Label)
	case KindNotice:
		t := fmt.Sprintf("%s：经查，你单位%s。依据%s，本局拟对你单位作出罚款人民币%s元的行政处罚。根据《中华人民共和国行政处罚法》的规定，你单位可在收到本告知书之日起三日内向本局进行陈述和申辩", c.EnterpriseName, c.Cause, b.Label, Yuan(c.FineFen))
		if c.Hearing {
			t += "，并有权在收到本告知书之日起五日内要求听证"
		}
		return t + "；逾期视为放弃上述权利。"
	case KindDecision:
		return fmt.Sprintf("%s：经查，你单位%s。依据%s，本局决定对你单位处以罚款人民币%s元。请于收到本决定书之日起十五日内缴纳罚款。如不服本决定，可以依法申请行政复议或者提起行政诉讼。", c.EnterpriseName, c.Cause, b.Label, Yuan(c.FineFen))
	case KindClosing:
		return fmt.Sprintf("案由：%s。处罚决定已执行完毕（罚款%s元，已缴%s元），建议结案。", c.Cause, Yuan(c.FineFen), Yuan(c.PaidFen))
	}
	return ""
}

// Clocks are the case's statutory time limits in working days (the
// county's calendar): 陈述申辩 3 days and 听证 request 5 days after the
// notice, the decision within 90 days of filing (行政处罚法第六十条), the
// payment within 15 days of the decision (or by the agreed day).
func (s *Service) Clocks(ctx context.Context, c Case) ([]Clock, error) {
	cal, err := s.calendar(ctx, c.CountyCode)
	if err != nil {
		return nil, err
	}
	today := calendar.Day(s.Today())
	left := func(due string) int {
		d := calendar.Day(due)
		if d.Before(today) {
			return -cal.WorkingDaysBetween(d, today)
		}
		return cal.WorkingDaysBetween(today, d)
	}
	var out []Clock
	add := func(label, due string, done bool) {
		out = append(out, Clock{Label: label, Due: due, Left: left(due), Done: done})
	}
	if c.FiledOn != "" {
		add("enforcement.clock.decision", calendar.Day(c.FiledOn).AddDate(0, 0, 90).Format(calendar.DateLayout), c.DecidedOn != "")
	}
	if c.NotifiedOn != "" {
		add("enforcement.clock.statement", cal.AddWorkingDays(calendar.Day(c.NotifiedOn), 3).Format(calendar.DateLayout), c.DecidedOn != "")
		if c.Hearing {
			add("enforcement.clock.hearing", cal.AddWorkingDays(calendar.Day(c.NotifiedOn), 5).Format(calendar.DateLayout), c.DecidedOn != "")
		}
	}
	if c.DecidedOn != "" && c.FineFen > 0 {
		due := c.PayDue
		if due == "" {
			due = calendar.Day(c.DecidedOn).AddDate(0, 0, 15).Format(calendar.DateLayout)
		}
		add("enforcement.clock.payment", due, c.PaidFen >= c.FineFen)
	}
	return out, nil
}

// Payment is one entry of the fines ledger.
type Payment struct {
	ID        string `json:"id"`
	CaseID    string `json:"case_id"`
	PaidOn    string `json:"paid_on"`
	AmountFen int64  `json:"amount_fen"`
	Note      string `json:"note"`
}

// Payments lists a case's payments (the case must be in scope).
func (s *Service) Payments(ctx context.Context, p *auth.Principal, caseID string) ([]Payment, error) {
	if _, err := s.GetCase(ctx, p, caseID); err != nil {
		return nil, err
	}
	rows, err := s.db.R().QueryContext(ctx, `SELECT id, case_id, paid_on, amount_fen, note FROM enf_fine_payment WHERE case_id = $1 ORDER BY paid_on, id`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Payment
	for rows.Next() {
		var x Payment
		if err := rows.Scan(&x.ID, &x.CaseID, &x.PaidOn, &x.AmountFen, &x.Note); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// CaseFilter selects cases.
type CaseFilter struct {
	State        string
	CauseKind    string
	EnterpriseID string
	Sector       string
	Section      string
	Region       string
	From, To     string // found_on
	Q            string
	Limit        int
	Offset       int
}

func (f CaseFilter) where(p *auth.Principal) *store.Where {
	var w store.Where
	scope(p, &w)
	if f.Region != "" {
		w.Add("(town_code LIKE ? OR village_code = ?)", f.Region+"%", f.Region)
	}
	if f.State != "" {
		w.In("state", strings.Split(f.State, ","))
	}
	if f.CauseKind != "" {
		w.Add("cause_kind = ?", f.CauseKind)
	}
	if f.EnterpriseID != "" {
		w.Add("enterprise_id = ?", f.EnterpriseID)
	}
	if f.Sector != "" {
		w.In("sector", strings.Split(f.Sector, ","))
	}
	if f.Section != "" {
		w.Add("section_id = ?", f.Section)
	}
	if f.From != "" {
		w.Add("found_on >= ?", f.From)
	}
	if f.To != "" {
		w.Add("found_on <= ?", f.To)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		w.Add(`(cause LIKE ? ESCAPE '\' OR enterprise_name LIKE ? ESCAPE '\')`, store.Like(q), store.Like(q))
	}
	return &w
}

// ListCases returns a page of cases and the total.
func (s *Service) ListCases(ctx context.Context, p *auth.Principal, f CaseFilter) ([]Case, int, error) {
	w := f.where(p)
	var total int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM enf_case`+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count cases: %w", err)
	}
	q := `SELECT ` + caseCols + ` FROM enf_case` + w.SQL() + ` ORDER BY found_on DESC, id DESC`
	if f.Limit > 0 {
		q += ` LIMIT ` + w.Arg(int64(f.Limit)) + ` OFFSET ` + w.Arg(int64(f.Offset))
	}
	rows, err := s.db.R().QueryContext(ctx, q, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("list cases: %w", err)
	}
	defer rows.Close()
	var out []Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, c)
	}
	return out, total, rows.Err()
}

// CaseTotals are a filter's count, fines and the records behind them.
type CaseTotals struct {
	Count   int64
	FineFen int64
	IDs     []string
}

// TotalCases counts cases and sums their decided fines.
func (s *Service) TotalCases(ctx context.Context, p *auth.Principal, f CaseFilter) (CaseTotals, error) {
	w := f.where(p)
	rows, err := s.db.R().QueryContext(ctx, `SELECT id, fine_fen, decided_on FROM enf_case`+w.SQL()+` ORDER BY id`, w.Args()...)
	if err != nil {
		return CaseTotals{}, err
	}
	defer rows.Close()
	var t CaseTotals
	for rows.Next() {
		var id, decided string
		var fine int64
		if err := rows.Scan(&id, &fine, &decided); err != nil {
			return t, err
		}
		t.Count++
		if decided != "" {
			t.FineFen += fine
		}
		t.IDs = append(t.IDs, id)
	}
	return t, rows.Err()
}

// NewMeasure records a 责令停产整顿 or an 约谈.
type NewMeasure struct {
	Kind         string `json:"kind"`
	EnterpriseID string `json:"enterprise_id"`
	OnDay        string `json:"on_day"`
	CaseID       string `json:"case_id"`
	DocumentID   string `json:"document_id"`
	Note         string `json:"note"`
}

// RecordMeasure writes a measure (counted in 家次).
func (s *Service) RecordMeasure(ctx context.Context, p *auth.Principal, in NewMeasure) (Measure, error) {
	return store.InTxValue(ctx, s.db, func(tx *store.Tx) (Measure, error) {
		return s.RecordMeasureTx(ctx, tx, p, in)
	})
}

// RecordMeasureTx writes a measure inside tx.
func (s *Service) RecordMeasureTx(ctx context.Context, tx *store.Tx, p *auth.Principal, in NewMeasure) (Measure, error) {
	if !CanWrite(p) {
		return Measure{}, errs.New(errs.Forbidden, "forbidden")
	}
	if in.Kind != MeasureSuspend && in.Kind != MeasureInterview {
		return Measure{}, errs.Field("kind", "enforcement.measure_kind_invalid", nil)
	}
	e, err := s.enterpriseFor(ctx, p, in.EnterpriseID)
	if err != nil {
		return Measure{}, err
	}
	on := s.Today()
	if strings.TrimSpace(in.OnDay) != "" {
		if on, err = calendar.NormalizeDay(in.OnDay); err != nil || on > s.Today() {
			return Measure{}, errs.Field("on_day", "enforcement.date_invalid", nil)
		}
	}
	now := s.now().UTC()
	m := Measure{ID: ids.New(), CountyCode: p.CountyCode, Kind: in.Kind, EnterpriseID: e.ID, EnterpriseName: e.Name, TownCode: e.TownCode,
		VillageCode: e.VillageCode, Sector: e.Sector, SectionID: e.SectionID, OnDay: on, CaseID: strings.TrimSpace(in.CaseID),
		DocumentID: strings.TrimSpace(in.DocumentID), Note: strings.TrimSpace(in.Note), CreatedBy: p.UserID, CreatedAt: now}
	if _, err := tx.ExecContext(ctx, `INSERT INTO enf_measure (id, county_code, kind, enterprise_id, enterprise_name, town_code, village_code, sector,
		section_id, on_day, case_id, document_id, note, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)`,
		m.ID, m.CountyCode, m.Kind, m.EnterpriseID, m.EnterpriseName, m.TownCode, m.VillageCode, m.Sector, m.SectionID, m.OnDay, m.CaseID,
		m.DocumentID, m.Note, m.CreatedBy, m.CreatedAt); err != nil {
		return Measure{}, fmt.Errorf("insert measure: %w", err)
	}
	if err := audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "enf_measure", EntityID: m.ID, Action: "create", After: m}); err != nil {
		return Measure{}, err
	}
	return m, nil
}

// MeasureFilter selects measures.
type MeasureFilter struct {
	Kind          string
	Section       string
	Region        string
	From, To      string
	Limit, Offset int
}

func (f MeasureFilter) where(p *auth.Principal) *store.Where {
	var w store.Where
	scope(p, &w)
	if f.Region != "" {
		w.Add("(town_code LIKE ? OR village_code = ?)", f.Region+"%", f.Region)
	}
	if f.Kind != "" {
		w.Add("kind = ?", f.Kind)
	}
	if f.Section != "" {
		w.Add("section_id = ?", f.Section)
	}
	if f.From != "" {
		w.Add("on_day >= ?", f.From)
	}
	if f.To != "" {
		w.Add("on_day <= ?", f.To)
	}
	return &w
}

// ListMeasures returns a page of measures and the total.
func (s *Service) ListMeasures(ctx context.Context, p *auth.Principal, f MeasureFilter) ([]Measure, int, error) {
	w := f.where(p)
	var total int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM enf_measure`+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, err
	}
	q := `SELECT id, county_code, kind, enterprise_id, enterprise_name, town_code, sector, section_id, on_day, case_id, document_id, note, created_by,
		created_at FROM enf_measure` + w.SQL() + ` ORDER BY on_day DESC, id DESC`
	if f.Limit > 0 {
		q += ` LIMIT ` + w.Arg(int64(f.Limit)) + ` OFFSET ` + w.Arg(int64(f.Offset))
	}
	rows, err := s.db.R().QueryContext(ctx, q, w.Args()...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Measure
	for rows.Next() {
		var m Measure
		if err := rows.Scan(&m.ID, &m.CountyCode, &m.Kind, &m.EnterpriseID, &m.EnterpriseName, &m.TownCode, &m.Sector, &m.SectionID, &m.OnDay,
			&m.CaseID, &m.DocumentID, &m.Note, &m.CreatedBy, &m.CreatedAt); err != nil {
			return nil, 0, err
		}
		out = append(out, m)
	}
	return out, total, rows.Err()
}

// CountMeasures counts measures (家次) and returns their IDs.
func (s *Service) CountMeasures(ctx context.Context, p *auth.Principal, f MeasureFilter) ([]string, error) {
	w := f.where(p)
	return idList(ctx, s.db.R(), `SELECT id FROM enf_measure`+w.SQL()+` ORDER BY id`, w.Args())
}

// LedgerPayment is a line of the fines ledger (罚款台账): a payment with
// its case.
type LedgerPayment struct {
	Payment
	EnterpriseName string `json:"enterprise_name"`
	Cause          string `json:"cause"`
	FineFen        int64  `json:"fine_fen"`
}

// FinesLedger lists the payments of the cases p may see, paid between
// from and to (YYYY-MM-DD, either may be empty).
func (s *Service) FinesLedger(ctx context.Context, p *auth.Principal, from, to string) ([]LedgerPayment, int64, error) {
	var w store.Where
	scope(p, &w)
	cw := w.SQL()
	args := w.Args()
	q := `SELECT f.id, f.case_id, f.paid_on, f.amount_fen, f.note, c.enterprise_name, c.cause, c.fine_fen FROM enf_fine_payment f
		JOIN enf_case c ON c.id = f.case_id WHERE f.case_id IN (SELECT id FROM enf_case` + cw + `)`
	if from != "" {
		args = append(args, from)
		q += fmt.Sprintf(" AND f.paid_on >= $%d", len(args))
	}
	if to != "" {
		args = append(args, to)
		q += fmt.Sprintf(" AND f.paid_on <= $%d", len(args))
	}
	rows, err := s.db.R().QueryContext(ctx, q+` ORDER BY f.paid_on, f.id`, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("fines ledger: %w", err)
	}
	defer rows.Close()
	var out []LedgerPayment
	var total int64
	for rows.Next() {
		var x LedgerPayment
		if err := rows.Scan(&x.ID, &x.CaseID, &x.PaidOn, &x.AmountFen, &x.Note, &x.EnterpriseName, &x.Cause, &x.FineFen); err != nil {
			return nil, 0, err
		}
		total += x.AmountFen
		out = append(out, x)
	}
	return out, total, rows.Err()
}
