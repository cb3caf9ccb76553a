package inspection

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/store"
)

// Inspection is a recorded inspection (one 家次).
type Inspection struct {
	ID           string    `json:"id"`
	CountyCode   string    `json:"county_code"`
	ClientID     string    `json:"client_id"`
	Kind         Kind      `json:"kind"`
	On           string    `json:"on"`
	EnterpriseID string    `json:"enterprise_id,omitempty"`
	PlaceName    string    `json:"place_name"`
	TownCode     string    `json:"town_code,omitempty"`
	Sector       string    `json:"sector,omitempty"`
	UnitID       string    `json:"unit_id,omitempty"`
	PlanID       string    `json:"plan_id,omitempty"`
	DrawID       string    `json:"draw_id,omitempty"`
	Template     string    `json:"template,omitempty"`
	Officers     []Officer `json:"officers"`
	Items        []Item    `json:"items"`
	Findings     []Finding `json:"findings"`
	Failed       int       `json:"failed"`
	Hazards      int       `json:"hazards"`
	Note         string    `json:"note,omitempty"`
	Signer       string    `json:"signer,omitempty"`
	SignatureID  string    `json:"signature_id,omitempty"`
	CreatedBy    string    `json:"created_by"`
	CreatedAt    time.Time `json:"created_at"`
}

const inspCols = `id, county_code, client_id, kind, on_day, enterprise_id, place_name, town_code, sector, unit_id, plan_id, draw_id, template,
	officers, items, failed, hazards, note, signer, signature_id, created_by, created_at`

func scanInspection(sc interface{ Scan(...any) error }) (Inspection, error) {
	var x Inspection
	var officers, items string
	err := sc.Scan(&x.ID, &x.CountyCode, &x.ClientID, &x.Kind, &x.On, &x.EnterpriseID, &x.PlaceName, &x.TownCode, &x.Sector, &x.UnitID,
		&x.PlanID, &x.DrawID, &x.Template, &officers, &items, &x.Failed, &x.Hazards, &x.Note, &x.Signer, &x.SignatureID, &x.CreatedBy, &x.CreatedAt)
	if err != nil {
		return x, err
	}
	_ = json.Unmarshal([]byte(officers), &x.Officers)
	_ = json.Unmarshal([]byte(items), &x.Items)
	return x, nil
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func insertInspection(ctx context.Context, q store.Querier, x Inspection) error {
	_, err := q.ExecContext(ctx, `INSERT INTO inspection (`+inspCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22)`,
		x.ID, x.CountyCode, x.ClientID, x.Kind, x.On, x.EnterpriseID, x.PlaceName, x.TownCode, x.Sector, x.UnitID, x.PlanID, x.DrawID, x.Template,
		mustJSON(x.Officers), mustJSON(x.Items), x.Failed, x.Hazards, x.Note, x.Signer, x.SignatureID, x.CreatedBy, x.CreatedAt.UTC())
	if err != nil {
		return fmt.Errorf("insert inspection: %w", err)
	}
	for i, f := range x.Findings {
		if _, err := q.ExecContext(ctx, `INSERT INTO inspection_finding (id, inspection_id, county_code, party, party_name, enterprise_id, text, hazard_id, seq)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`, f.ID, x.ID, x.CountyCode, f.Party, f.PartyName, f.EnterpriseID, f.Text, f.HazardID, i); err != nil {
			return fmt.Errorf("insert finding: %w", err)
		}
	}
	return nil
}

func findings(ctx context.Context, q store.Querier, id string) ([]Finding, error) {
	return store.QueryAll(ctx, q, func(rows *sql.Rows) (Finding, error) {
		var f Finding
		err := rows.Scan(&f.ID, &f.Party, &f.PartyName, &f.EnterpriseID, &f.Text, &f.HazardID)
		return f, err
	}, `SELECT id, party, party_name, enterprise_id, text, hazard_id FROM inspection_finding WHERE inspection_id = $1 ORDER BY seq`, id)
}

func getInspection(ctx context.Context, q store.Querier, cond string, args ...any) (Inspection, error) {
	x, err := scanInspection(q.QueryRowContext(ctx, `SELECT `+inspCols+` FROM inspection WHERE `+cond, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return x, errs.New(errs.NotFound, "not_found")
	}
	if err != nil {
		return x, fmt.Errorf("get inspection: %w", err)
	}
	x.Findings, err = findings(ctx, q, x.ID)
	return x, err
}

// Filter selects inspections.
type Filter struct {
	Q          string
	Kind       Kind
	From, To   string
	Enterprise string
	Sector     string
	Sectors    []string
	Town       string
	Unit       string
	Plan       string
	Draw       string
	Own        bool // the bureau's own inspections: not third-party 体检 nor superior 督查
	Limit      int
	Offset     int
}

// Scope limits inspections to what the principal may read: county-wide
// staff the county; section staff their sectors (and the places their
// unit recorded); town staff their town; an enterprise its own.
func Scope(p *auth.Principal, w *store.Where) {
	w.Add("county_code = ?", p.CountyCode)
	switch p.Role {
	case auth.RoleSection:
		if len(p.Sectors) == 0 {
			w.Add("unit_id = ?", p.UnitID)
			return
		}
		ph := make([]string, len(p.Sectors))
		args := make([]any, 0, len(p.Sectors)+1)
		for i, s := range p.Sectors {
			ph[i] = "?"
			args = append(args, s)
		}
		args = append(args, p.UnitID)
		w.Add("(sector IN ("+strings.Join(ph, ", ")+") OR unit_id = ?)", args...)
	case auth.RoleTown:
		w.Add("town_code LIKE ?", p.RegionCode+"%")
	case auth.RoleEnterprise:
		w.Add("enterprise_id = ?", p.EnterpriseID)
	case auth.RoleDepartment:
		w.Add("unit_id = ?", p.UnitID)
	}
}

// Where builds the filter's conditions within the principal's scope.
func (f Filter) Where(p *auth.Principal) *store.Where {
	var w store.Where
	Scope(p, &w)
	if q := strings.TrimSpace(f.Q); q != "" {
		w.Add(`place_name LIKE ? ESCAPE '\'`, store.Like(q))
	}
	if f.Kind != "" {
		w.Add("kind = ?", f.Kind)
	}
	if f.From != "" {
		w.Add("on_day >= ?", f.From)
	}
	if f.To != "" {
		w.Add("on_day <= ?", f.To)
	}
	if f.Enterprise != "" {
		w.Add("enterprise_id = ?", f.Enterprise)
	}
	if f.Sector != "" {
		w.Add("sector = ?", f.Sector)
	}
	if len(f.Sectors) > 0 {
		w.In("sector", f.Sectors)
	}
	if f.Town != "" {
		w.Add("town_code LIKE ?", f.Town+"%")
	}
	if f.Unit != "" {
		w.Add("unit_id = ?", f.Unit)
	}
	if f.Plan != "" {
		w.Add("plan_id = ?", f.Plan)
	}
	if f.Draw != "" {
		w.Add("draw_id = ?", f.Draw)
	}
	if f.Own {
		w.Add(ownSQL)
	}
	return &w
}

func listInspections(ctx context.Context, q store.Querier, p *auth.Principal, f Filter) ([]Inspection, int, error) {
	w := f.Where(p)
	var total int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM inspection`+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count inspections: %w", err)
	}
	sqlText := `SELECT ` + inspCols + ` FROM inspection` + w.SQL() + ` ORDER BY on_day DESC, id DESC`
	if f.Limit > 0 {
		sqlText += " LIMIT " + w.Arg(f.Limit) + " OFFSET " + w.Arg(f.Offset)
	}
	rows, err := q.QueryContext(ctx, sqlText, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("list inspections: %w", err)
	}
	out, err := store.Collect(rows, func(r *sql.Rows) (Inspection, error) { return scanInspection(r) })
	return out, total, err
}

// ---- inspectors ----

func scanInspector(sc interface{ Scan(...any) error }) (Inspector, error) {
	var x Inspector
	var related string
	err := sc.Scan(&x.UserID, &x.Name, &x.CertNo, &x.UnitID, &related, &x.Active)
	if related != "" {
		x.Related = strings.Split(related, ",")
	}
	return x, err
}

func listInspectors(ctx context.Context, q store.Querier, county string) ([]Inspector, error) {
	rows, err := q.QueryContext(ctx, `SELECT user_id, name, cert_no, unit_id, related, active FROM inspector WHERE county_code = $1 ORDER BY user_id`, county)
	if err != nil {
		return nil, fmt.Errorf("list inspectors: %w", err)
	}
	return store.Collect(rows, func(r *sql.Rows) (Inspector, error) { return scanInspector(r) })
}

func upsertInspector(ctx context.Context, q store.Querier, id, county string, x Inspector, now time.Time) error {
	res, err := q.ExecContext(ctx, `UPDATE inspector SET name = $1, cert_no = $2, unit_id = $3, related = $4, active = $5, updated_at = $6
		WHERE county_code = $7 AND user_id = $8`, x.Name, x.CertNo, x.UnitID, strings.Join(x.Related, ","), x.Active, now.UTC(), county, x.UserID)
	if err != nil {
		return fmt.Errorf("update inspector: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	_, err = q.ExecContext(ctx, `INSERT INTO inspector (id, county_code, user_id, name, cert_no, unit_id, related, active, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$9)`, id, county, x.UserID, x.Name, x.CertNo, x.UnitID, strings.Join(x.Related, ","), x.Active, now.UTC())
	if err != nil {
		return fmt.Errorf("insert inspector: %w", err)
	}
	return nil
}

// ---- plans ----

const planCols = `id, county_code, year, section_id, section_name, title, random_share, staff, statutory, other_days, non_enf_days, workdays,
	monthly, approved_on, approval_ref, created_by`

func getPlan(ctx context.Context, q store.Querier, cond string, args ...any) (Plan, error) {
	var x Plan
	var monthly string
	err := q.QueryRowContext(ctx, `SELECT `+planCols+` FROM insp_plan WHERE `+cond, args...).Scan(&x.ID, &x.CountyCode, &x.Year, &x.SectionID,
		&x.SectionName, &x.Title, &x.RandomShare, &x.Staff, &x.Statutory, &x.OtherDays, &x.NonEnfDays, &x.Workdays, &monthly, &x.ApprovedOn,
		&x.ApprovalRef, &x.CreatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return x, errs.New(errs.NotFound, "not_found")
	}
	if err != nil {
		return x, fmt.Errorf("get plan: %w", err)
	}
	_ = json.Unmarshal([]byte(monthly), &x.Monthly)
	rows, err := q.QueryContext(ctx, `SELECT enterprise_id, kind FROM insp_plan_item WHERE plan_id = $1 ORDER BY enterprise_id`, x.ID)
	if err != nil {
		return x, fmt.Errorf("plan items: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, kind string
		if err := rows.Scan(&id, &kind); err != nil {
			return x, err
		}
		if kind == "key" {
			x.Key = append(x.Key, id)
		} else {
			x.General = append(x.General, id)
		}
	}
	return x, rows.Err()
}

func planIDs(ctx context.Context, q store.Querier, county string, year int) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT id FROM insp_plan WHERE county_code = $1 AND ($2 = 0 OR year = $2) ORDER BY year DESC, section_name`, county, year)
	if err != nil {
		return nil, fmt.Errorf("list plans: %w", err)
	}
	return store.Collect(rows, func(r *sql.Rows) (string, error) {
		var id string
		err := r.Scan(&id)
		return id, err
	})
}

func savePlan(ctx context.Context, q store.Querier, x Plan, now time.Time, insert bool) error {
	var err error
	if insert {
		_, err = q.ExecContext(ctx, `INSERT INTO insp_plan (`+planCols+`, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$17)`,
			x.ID, x.CountyCode, x.Year, x.SectionID, x.SectionName, x.Title, x.RandomShare, x.Staff, x.Statutory, x.OtherDays, x.NonEnfDays, x.Workdays,
			mustJSON(x.Monthly), x.ApprovedOn, x.ApprovalRef, x.CreatedBy, now.UTC())
	} else {
		_, err = q.ExecContext(ctx, `UPDATE insp_plan SET title = $1, random_share = $2, staff = $3, statutory = $4, other_days = $5, non_enf_days = $6,
			workdays = $7, monthly = $8, approved_on = $9, approval_ref = $10, updated_at = $11 WHERE id = $12`,
			x.Title, x.RandomShare, x.Staff, x.Statutory, x.OtherDays, x.NonEnfDays, x.Workdays, mustJSON(x.Monthly), x.ApprovedOn, x.ApprovalRef, now.UTC(), x.ID)
	}
	if err != nil {
		if store.IsUniqueViolation(err) {
			return errs.New(errs.Conflict, "inspection.rule.plan_exists")
		}
		return fmt.Errorf("save plan: %w", err)
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM insp_plan_item WHERE plan_id = $1`, x.ID); err != nil {
		return err
	}
	for _, list := range []struct {
		kind string
		ids  []string
	}{{"key", x.Key}, {"general", x.General}} {
		for _, id := range list.ids {
			if _, err := q.ExecContext(ctx, `INSERT INTO insp_plan_item (plan_id, enterprise_id, kind) VALUES ($1,$2,$3)`, x.ID, id, list.kind); err != nil {
				return fmt.Errorf("plan item: %w", err)
			}
		}
	}
	return nil
}

// inspectedIn returns the enterprises inspected in a year (any kind
// except third-party 体检 and superior 督查, which are not the bureau's
// own enforcement), within the given scope.
// ownSQL selects the bureau's own inspections.
const ownSQL = "kind NOT IN ('third_party', 'superior')"

func inspectedIn(ctx context.Context, q store.Querier, county string, year int, until string) (map[string]bool, error) {
	to := fmt.Sprintf("%04d-12-31", year)
	if until != "" && until < to {
		to = until
	}
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT enterprise_id FROM inspection WHERE county_code = $1 AND on_day >= $2 AND on_day <= $3
		AND enterprise_id <> '' AND `+ownSQL, county, fmt.Sprintf("%04d-01-01", year), to)
	if err != nil {
		return nil, fmt.Errorf("inspected enterprises: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// ---- draws ----

// DrawRecord is a stored draw.
type DrawRecord struct {
	ID          string    `json:"id"`
	CountyCode  string    `json:"county_code"`
	PlanID      string    `json:"plan_id,omitempty"`
	Title       string    `json:"title"`
	DrawnOn     string    `json:"drawn_on"`
	Seed        string    `json:"seed"`
	Input       DrawInput `json:"input"`
	Tasks       []Task    `json:"tasks"`
	PublishedOn string    `json:"published_on,omitempty"`
	CreatedBy   string    `json:"created_by"`
}

const drawCols = `id, county_code, plan_id, title, drawn_on, seed, input, tasks, published_on, created_by`

func scanDraw(sc interface{ Scan(...any) error }) (DrawRecord, error) {
	var d DrawRecord
	var input, tasks string
	if err := sc.Scan(&d.ID, &d.CountyCode, &d.PlanID, &d.Title, &d.DrawnOn, &d.Seed, &input, &tasks, &d.PublishedOn, &d.CreatedBy); err != nil {
		return d, err
	}
	_ = json.Unmarshal([]byte(input), &d.Input)
	_ = json.Unmarshal([]byte(tasks), &d.Tasks)
	return d, nil
}

func getDraw(ctx context.Context, q store.Querier, county, id string) (DrawRecord, error) {
	d, err := scanDraw(q.QueryRowContext(ctx, `SELECT `+drawCols+` FROM insp_draw WHERE county_code = $1 AND id = $2`, county, id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, errs.New(errs.NotFound, "not_found")
	}
	return d, err
}

func listDraws(ctx context.Context, q store.Querier, county string) ([]DrawRecord, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+drawCols+` FROM insp_draw WHERE county_code = $1 ORDER BY drawn_on DESC, id DESC`, county)
	if err != nil {
		return nil, fmt.Errorf("list draws: %w", err)
	}
	defer rows.Close()
	var out []DrawRecord
	for rows.Next() {
		d, err := scanDraw(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func insertDraw(ctx context.Context, q store.Querier, d DrawRecord, now time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO insp_draw (`+drawCols+`, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
		d.ID, d.CountyCode, d.PlanID, d.Title, d.DrawnOn, d.Seed, mustJSON(d.Input), mustJSON(d.Tasks), d.PublishedOn, d.CreatedBy, now.UTC())
	if err != nil {
		return fmt.Errorf("insert draw: %w", err)
	}
	return nil
}

func updateDrawTasks(ctx context.Context, q store.Querier, d DrawRecord) error {
	_, err := q.ExecContext(ctx, `UPDATE insp_draw SET tasks = $1, published_on = $2 WHERE id = $3`, mustJSON(d.Tasks), d.PublishedOn, d.ID)
	return err
}

// lastInspectors returns, per enterprise, the officers of its latest
// random inspection (for "not the same inspector twice running").
func lastInspectors(ctx context.Context, q store.Querier, county string) (map[string][]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT enterprise_id, officers FROM inspection WHERE county_code = $1 AND kind = 'random' AND enterprise_id <> ''
		ORDER BY on_day, created_at`, county)
	if err != nil {
		return nil, fmt.Errorf("last inspectors: %w", err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var id, officers string
		if err := rows.Scan(&id, &officers); err != nil {
			return nil, err
		}
		var os []Officer
		_ = json.Unmarshal([]byte(officers), &os)
		var ids []string
		for _, o := range os {
			ids = append(ids, o.UserID)
		}
		out[id] = ids
	}
	return out, rows.Err()
}
