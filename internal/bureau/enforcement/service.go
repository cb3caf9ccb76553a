package enforcement

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/calendar"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/store"
)

// Config builds a Service.
type Config struct {
	DB         *store.DB
	Enterprise *enterprise.Service
	Now        func() time.Time
	CountyName string
	// Calendar returns a county's working-day calendar (nil: the built-in).
	Calendar func(ctx context.Context, county string) (calendar.Calendar, error)
}

// Service issues documents and runs cases within the caller's scope.
type Service struct {
	db         *store.DB
	ent        *enterprise.Service
	now        func() time.Time
	countyName string
	calendar   func(ctx context.Context, county string) (calendar.Calendar, error)
}

// New returns a Service.
func New(c Config) *Service {
	if c.Calendar == nil {
		c.Calendar = func(context.Context, string) (calendar.Calendar, error) { return calendar.New(nil, nil), nil }
	}
	if c.CountyName == "" {
		c.CountyName = "示例县"
	}
	return &Service{db: c.DB, ent: c.Enterprise, now: c.Now, countyName: c.CountyName, calendar: c.Calendar}
}

// Today is the service's Shanghai calendar date.
func (s *Service) Today() string { return calendar.Today(s.now()).Format(calendar.DateLayout) }

// Who may do what.

// CanWrite reports whether p issues documents and runs cases: the
// administrators, the sections (their sectors) and the enforcement
// officers (执法大队).
func CanWrite(p *auth.Principal) bool {
	return p.Is(auth.RoleAdmin, auth.RoleSection, auth.RoleEnforcer)
}

// CanApprove reports whether p approves 立案 and 结案: the bureau's
// leaders and administrators (never their own drafts).
func CanApprove(p *auth.Principal) bool { return p.Is(auth.RoleAdmin, auth.RoleLeader) }

// scope adds p's row limits on the copied enterprise columns to w.
func scope(p *auth.Principal, w *store.Where) {
	w.Add("county_code = ?", p.CountyCode)
	switch p.Role {
	case auth.RoleSection:
		w.In("sector", p.Sectors)
	case auth.RoleTown:
		if len(p.RegionCode) > 9 {
			w.Add("village_code = ?", p.RegionCode)
		} else {
			w.Add("town_code LIKE ?", p.RegionCode+"%")
		}
	case auth.RoleEnterprise:
		w.Add("enterprise_id = ?", p.EnterpriseID)
	}
}

// inScope is scope for one record.
func inScope(p *auth.Principal, county, town, village, sector, entID string) bool {
	if county != p.CountyCode {
		return false
	}
	switch p.Role {
	case auth.RoleSection:
		for _, x := range p.Sectors {
			if x == sector {
				return true
			}
		}
		return false
	case auth.RoleTown:
		if len(p.RegionCode) > 9 {
			return village == p.RegionCode
		}
		return strings.HasPrefix(town, p.RegionCode)
	case auth.RoleEnterprise:
		return entID == p.EnterpriseID
	}
	return true
}

// enterpriseFor reads an enterprise p may write for.
func (s *Service) enterpriseFor(ctx context.Context, p *auth.Principal, id string) (enterprise.Enterprise, error) {
	if strings.TrimSpace(id) == "" {
		return enterprise.Enterprise{}, errs.Field("enterprise_id", "field.required", nil)
	}
	e, err := s.ent.Get(ctx, p, id)
	if errs.KindOf(err) == errs.NotFound {
		return e, errs.Field("enterprise_id", "enforcement.enterprise_unknown", nil)
	}
	return e, err
}

const docCols = `id, county_code, kind, year, serial, number, enterprise_id, enterprise_name, town_code, village_code, sector, section_id,
	inspection_id, case_id, hazard_ids, issued_on, deadline, officers, body, created_by, created_name, created_at`

func scanDoc(row interface{ Scan(...any) error }) (Document, error) {
	var d Document
	var year, serial int64
	var hz string
	err := row.Scan(&d.ID, &d.CountyCode, &d.Kind, &year, &serial, &d.Number, &d.EnterpriseID, &d.EnterpriseName, &d.TownCode, &d.VillageCode,
		&d.Sector, &d.SectionID, &d.InspectionID, &d.CaseID, &hz, &d.IssuedOn, &d.Deadline, &d.Officers, &d.Body, &d.CreatedBy, &d.CreatedName, &d.CreatedAt)
	d.Year, d.Serial = int(year), int(serial)
	if hz != "" {
		d.HazardIDs = strings.Split(hz, ",")
	}
	return d, err
}

// NewDocument is what the form or the API sends to issue a document.
type NewDocument struct {
	Kind         string   `json:"kind"`
	EnterpriseID string   `json:"enterprise_id"`
	InspectionID string   `json:"inspection_id"`
	CaseID       string   `json:"case_id"`
	HazardIDs    []string `json:"hazard_ids"`
	IssuedOn     string   `json:"issued_on"`
	Deadline     string   `json:"deadline"`
	Officers     string   `json:"officers"`
	Body         string   `json:"body"`
}

// Issue issues a document: checks, numbers, stores and audits it in one
// transaction. A missing prerequisite is refused (409) naming the rule.
func (s *Service) Issue(ctx context.Context, p *auth.Principal, in NewDocument) (Document, error) {
	if k, ok := KindOf(in.Kind); ok && k.Case {
		// Case documents are issued by the case's steps.
		return Document{}, &errs.Error{Kind: errs.Conflict, Message: "enforcement.rule.case_document_by_step", Field: "kind"}
	}
	var d Document
	err := s.db.InTx(store.Serial(ctx), func(tx *store.Tx) error {
		var err error
		d, err = s.IssueTx(ctx, tx, p, in)
		return err
	})
	return d, err
}

// IssueTx issues a document inside tx (the case steps and the hazard
// loop call it in their own transactions).
func (s *Service) IssueTx(ctx context.Context, tx *store.Tx, p *auth.Principal, in NewDocument) (Document, error) {
	k, ok := KindOf(in.Kind)
	if !CanWrite(p) && !(ok && k.Case && CanApprove(p)) { // an approval issues its 审批表
		return Document{}, errs.New(errs.Forbidden, "forbidden")
	}
	if !ok {
		return Document{}, errs.Field("kind", "enforcement.kind_invalid", nil)
	}
	e, err := s.enterpriseFor(ctx, p, in.EnterpriseID)
	if err != nil {
		return Document{}, err
	}
	issued := s.Today()
	if strings.TrimSpace(in.IssuedOn) != "" {
		if issued, err = calendar.NormalizeDay(in.IssuedOn); err != nil {
			return Document{}, errs.Field("issued_on", "enforcement.date_invalid", nil)
		}
		if issued > s.Today() {
			return Document{}, errs.Field("issued_on", "enforcement.date_future", nil)
		}
	}
	deadline := ""
	if strings.TrimSpace(in.Deadline) != "" {
		if deadline, err = calendar.NormalizeDay(in.Deadline); err != nil {
			return Document{}, errs.Field("deadline", "enforcement.date_invalid", nil)
		}
		if deadline < issued {
			return Document{}, errs.Field("deadline", "enforcement.deadline_before_issue", nil)
		}
	}
	hazards := cleanIDs(in.HazardIDs)
	var pr Prior
	if k.Code == KindReview {
		if pr.Orders, err = s.ordersOf(ctx, tx, p.CountyCode, e.ID); err != nil {
			return Document{}, err
		}
	}
	if k.Case {
		c, err := s.getCase(ctx, tx, in.CaseID)
		if err == nil && c.EnterpriseID == e.ID {
			pr.Case = &c
			if pr.CaseDocs, err = s.caseKinds(ctx, tx, c.ID); err != nil {
				return Document{}, err
			}
		} else if err != nil && !errors.Is(err, sql.ErrNoRows) && errs.KindOf(err) != errs.NotFound {
			return Document{}, err
		}
	}
	if err := CheckPrerequisites(k, hazards, pr); err != nil {
		var re *RuleError
		errors.As(err, &re)
		return Document{}, &errs.Error{Kind: errs.Conflict, Message: re.Rule, Args: re.Args, Field: "kind", Err: err}
	}
	year := calendar.Day(issued).Year()
	serial, err := s.nextSerial(ctx, tx, p.CountyCode, k.Code, year)
	if err != nil {
		return Document{}, err
	}
	set, err := s.settings(ctx, tx, p.CountyCode)
	if err != nil {
		return Document{}, err
	}
	now := s.now().UTC()
	d := Document{ID: ids.New(), CountyCode: p.CountyCode, Kind: k.Code, Year: year, Serial: serial, Number: FormatNumber(set.Abbr, k.Word, year, serial),
		EnterpriseID: e.ID, EnterpriseName: e.Name, TownCode: e.TownCode, VillageCode: e.VillageCode, Sector: e.Sector, SectionID: e.SectionID,
		InspectionID: strings.TrimSpace(in.InspectionID), CaseID: strings.TrimSpace(in.CaseID), HazardIDs: hazards, IssuedOn: issued,
		Deadline: deadline, Officers: strings.TrimSpace(in.Officers), Body: strings.TrimSpace(in.Body), CreatedBy: p.UserID,
		CreatedName: p.DisplayName, CreatedAt: now}
	if !k.Case {
		d.CaseID = strings.TrimSpace(in.CaseID)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO enf_document (`+docCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22)`,
		d.ID, d.CountyCode, d.Kind, int64(d.Year), int64(d.Serial), d.Number, d.EnterpriseID, d.EnterpriseName, d.TownCode, d.VillageCode, d.Sector,
		d.SectionID, d.InspectionID, d.CaseID, strings.Join(d.HazardIDs, ","), d.IssuedOn, d.Deadline, d.Officers, d.Body, d.CreatedBy,
		d.CreatedName, d.CreatedAt); err != nil {
		return Document{}, fmt.Errorf("insert document: %w", err)
	}
	if err := audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "enf_document", EntityID: d.ID, Action: "issue", After: d}); err != nil {
		return Document{}, err
	}
	return d, nil
}

// nextSerial raises the counter of (county, kind, year) inside tx and
// returns the new number. The row lock (PostgreSQL) or the single writer
// (SQLite) keeps two transactions from taking the same number; a
// rolled-back transaction gives its number back.
func (s *Service) nextSerial(ctx context.Context, tx *store.Tx, county, kind string, year int) (int, error) {
	var n int64
	err := tx.QueryRowContext(ctx, `INSERT INTO enf_doc_counter (county_code, kind, year, last) VALUES ($1, $2, $3, 1)
		ON CONFLICT (county_code, kind, year) DO UPDATE SET last = enf_doc_counter.last + 1 RETURNING last`, county, kind, int64(year)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("document counter: %w", err)
	}
	return int(n), nil
}

func cleanIDs(list []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, x := range list {
		for _, y := range strings.Split(x, ",") {
			y = strings.TrimSpace(y)
			if y != "" && !seen[y] {
				seen[y] = true
				out = append(out, y)
			}
		}
	}
	return out
}

// ordersOf returns the enterprise's 指令书 and 现场处理措施决定书.
func (s *Service) ordersOf(ctx context.Context, q store.Querier, county, entID string) ([]Document, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+docCols+` FROM enf_document WHERE county_code = $1 AND enterprise_id = $2 AND kind IN ($3, $4)`,
		county, entID, KindOrder, KindOnSite)
	if err != nil {
		return nil, fmt.Errorf("orders: %w", err)
	}
	defer rows.Close()
	var out []Document
	for rows.Next() {
		d, err := scanDoc(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func (s *Service) caseKinds(ctx context.Context, q store.Querier, caseID string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT kind FROM enf_document WHERE case_id = $1`, caseID)
	if err != nil {
		return nil, fmt.Errorf("case documents: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// HazardNumber is the hook of the hazard loop (hazard.Service.
// WithDocumentNumbers): the order (指令书) and review (复查意见书) steps
// take their number from the register, issued in the step's transaction.
func (s *Service) HazardNumber(ctx context.Context, tx *store.Tx, p *auth.Principal, step, enterpriseID string, hazardIDs []string) (string, error) {
	kind := KindOrder
	if step == "review" {
		kind = KindReview
	}
	if enterpriseID == "" || !CanWrite(p) {
		return "", nil // no enterprise (a public place) or not an officer: the number stays typed
	}
	d, err := s.IssueTx(ctx, tx, p, NewDocument{Kind: kind, EnterpriseID: enterpriseID, HazardIDs: hazardIDs})
	return d.Number, err
}

// GetDocument returns a document within p's scope.
func (s *Service) GetDocument(ctx context.Context, p *auth.Principal, id string) (Document, error) {
	d, err := scanDoc(s.db.R().QueryRowContext(ctx, `SELECT `+docCols+` FROM enf_document WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) || err == nil && !inScope(p, d.CountyCode, d.TownCode, d.VillageCode, d.Sector, d.EnterpriseID) {
		return Document{}, errs.OutOfScope("enf_document", id)
	}
	return d, err
}

// DocFilter selects documents.
type DocFilter struct {
	Kind         string
	EnterpriseID string
	InspectionID string
	CaseID       string
	Sector       string
	Section      string
	Region       string // town or village code prefix
	From, To     string
	Q            string
	Limit        int
	Offset       int
}

func (f DocFilter) where(p *auth.Principal) *store.Where {
	var w store.Where
	scope(p, &w)
	if f.Region != "" {
		w.Add("(town_code LIKE ? OR village_code = ?)", f.Region+"%", f.Region)
	}
	if f.Kind != "" {
		w.Add("kind = ?", f.Kind)
	}
	if f.EnterpriseID != "" {
		w.Add("enterprise_id = ?", f.EnterpriseID)
	}
	if f.InspectionID != "" {
		w.Add("inspection_id = ?", f.InspectionID)
	}
	if f.CaseID != "" {
		w.Add("case_id = ?", f.CaseID)
	}
	if f.Sector != "" {
		w.In("sector", strings.Split(f.Sector, ","))
	}
	if f.Section != "" {
		w.Add("section_id = ?", f.Section)
	}
	if f.From != "" {
		w.Add("issued_on >= ?", f.From)
	}
	if f.To != "" {
		w.Add("issued_on <= ?", f.To)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		w.Add(`(number LIKE ? ESCAPE '\' OR enterprise_name LIKE ? ESCAPE '\')`, store.Like(q), store.Like(q))
	}
	return &w
}

// ListDocuments returns a page of documents and the total.
func (s *Service) ListDocuments(ctx context.Context, p *auth.Principal, f DocFilter) ([]Document, int, error) {
	w := f.where(p)
	var total int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM enf_document`+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count documents: %w", err)
	}
	var out []Document
	err := s.eachDoc(ctx, p, f, func(d Document) error { out = append(out, d); return nil })
	return out, total, err
}

// EachDocument calls fn for every document of the filter (no paging).
func (s *Service) EachDocument(ctx context.Context, p *auth.Principal, f DocFilter, fn func(Document) error) error {
	f.Limit, f.Offset = 0, 0
	return s.eachDoc(ctx, p, f, fn)
}

func (s *Service) eachDoc(ctx context.Context, p *auth.Principal, f DocFilter, fn func(Document) error) error {
	w := f.where(p)
	q := `SELECT ` + docCols + ` FROM enf_document` + w.SQL() + ` ORDER BY issued_on DESC, kind, serial DESC`
	if f.Limit > 0 {
		q += ` LIMIT ` + w.Arg(int64(f.Limit)) + ` OFFSET ` + w.Arg(int64(f.Offset))
	}
	rows, err := s.db.R().QueryContext(ctx, q, w.Args()...)
	if err != nil {
		return fmt.Errorf("list documents: %w", err)
	}
	defer rows.Close()
	var list []Document
	for rows.Next() {
		d, err := scanDoc(rows)
		if err != nil {
			return err
		}
		list = append(list, d)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, d := range list {
		if err := fn(d); err != nil {
			return err
		}
	}
	return nil
}

// CountDocuments counts documents of the filter and returns their IDs
// when ids is set.
func (s *Service) CountDocuments(ctx context.Context, p *auth.Principal, f DocFilter, withIDs bool) (int64, []string, error) {
	w := f.where(p)
	if !withIDs {
		var n int64
		err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM enf_document`+w.SQL(), w.Args()...).Scan(&n)
		return n, nil, err
	}
	list, err := idList(ctx, s.db.R(), `SELECT id FROM enf_document`+w.SQL()+` ORDER BY id`, w.Args())
	return int64(len(list)), list, err
}

func idList(ctx context.Context, q store.Querier, query string, args []any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
