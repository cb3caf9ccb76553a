package datacall

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"yingji/internal/bureau/campaign/day"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
)

// Prefiller gives the values Yingji's own records hold for a unit's row
// (e.g. hazards of the call's campaign found in the unit's area). It
// returns only the fields it knows.
type Prefiller func(ctx context.Context, c Call, f Form, u org.Unit) (map[string]string, error)

// Config configures the service.
type Config struct {
	DB     *store.DB
	Org    *org.Service
	Notify *notify.Service
	Now    func() time.Time
	// Recipients returns the enabled users of a unit (reminders).
	Recipients func(ctx context.Context, county, unitID string) ([]string, error)
	// Prefill pre-fills a unit's row from records (nil: no pre-fill).
	Prefill Prefiller
}

// Service runs data calls.
type Service struct{ cfg Config }

// New returns a Service.
func New(cfg Config) *Service { return &Service{cfg: cfg} }

// Today is the current Shanghai day.
func (s *Service) Today() string { return day.Of(s.cfg.Now()) }

// RemindDays is how many days before and after the deadline the periodic
// job reminds units that have not submitted.
const RemindDays = 3

// MayIssue reports whether p defines forms and issues calls (the county
// safety office: administrators, leaders, sections).
func MayIssue(p *auth.Principal) bool { return p.Is(auth.RoleAdmin, auth.RoleLeader, auth.RoleSection) }

// MayFill reports whether p fills the row of a unit (id, kind): the
// unit's own department or town staff, the bureau's leaders and sections
// for the bureau's row, or an administrator on a unit's behalf.
func MayFill(p *auth.Principal, unitID, kind string) bool {
	switch {
	case p.Is(auth.RoleAdmin):
		return true
	case kind == org.UnitBureau:
		return p.Is(auth.RoleLeader, auth.RoleSection)
	}
	return p.Is(auth.RoleTown, auth.RoleDepartment) && p.UnitID != "" && p.UnitID == unitID
}

// unitScoped reports a principal who sees only its own unit's rows.
func unitScoped(p *auth.Principal) bool { return p.Is(auth.RoleTown, auth.RoleDepartment) }

// Call is one issue of a form for a period.
type Call struct {
	ID         string    `json:"id"`
	CountyCode string    `json:"county_code"`
	FormID     string    `json:"form_id"`
	FormName   string    `json:"form_name"`
	Period     string    `json:"period"`
	From       string    `json:"from,omitempty"`
	To         string    `json:"to,omitempty"`
	Deadline   string    `json:"deadline"`
	Campaign   string    `json:"campaign,omitempty"`
	Note       string    `json:"note,omitempty"`
	IssuedBy   string    `json:"issued_by"`
	IssuedName string    `json:"issued_name"`
	IssuedAt   time.Time `json:"issued_at"`
}

// Response is a unit's row of a call.
type Response struct {
	CallID        string            `json:"call_id"`
	UnitID        string            `json:"unit_id"`
	UnitName      string            `json:"unit_name"`
	UnitKind      string            `json:"unit_kind"`
	State         string            `json:"state"`
	Values        map[string]string `json:"values"`
	Prefilled     map[string]string `json:"prefilled,omitempty"`
	SubmittedOn   string            `json:"submitted_on,omitempty"`
	SubmittedBy   string            `json:"submitted_by,omitempty"`
	SubmittedName string            `json:"submitted_name,omitempty"`
	ReturnReason  string            `json:"return_reason,omitempty"`
	UpdatedAt     time.Time         `json:"updated_at"`
	Late          bool              `json:"late"`
	Missing       bool              `json:"missing"`
}

// --- forms

func scanForm(row interface{ Scan(...any) error }) (Form, error) {
	var f Form
	var fields string
	err := row.Scan(&f.ID, &f.CountyCode, &f.Name, &f.Note, &fields, &f.CreatedBy)
	if err == nil {
		err = json.Unmarshal([]byte(fields), &f.Fields)
	}
	return f, err
}

// Forms lists the county's forms by name.
func (s *Service) Forms(ctx context.Context, p *auth.Principal) ([]Form, error) {
	rows, err := s.cfg.DB.R().QueryContext(ctx, `SELECT id, county_code, name, note, fields, created_by FROM datacall_form WHERE county_code = $1 ORDER BY name`, p.CountyCode)
	if err != nil {
		return nil, fmt.Errorf("data-call forms: %w", err)
	}
	defer rows.Close()
	var out []Form
	for rows.Next() {
		f, err := scanForm(rows)
		if err != nil {
			return nil, fmt.Errorf("data-call forms: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// Form returns one of the county's forms.
func (s *Service) Form(ctx context.Context, p *auth.Principal, id string) (Form, error) {
	return s.form(ctx, s.cfg.DB.R(), p, id)
}

func (s *Service) form(ctx context.Context, q store.Querier, p *auth.Principal, id string) (Form, error) {
	f, err := scanForm(q.QueryRowContext(ctx, `SELECT id, county_code, name, note, fields, created_by FROM datacall_form WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Form{}, errs.New(errs.NotFound, "not_found")
	}
	if err == nil && f.CountyCode != p.CountyCode {
		return Form{}, errs.OutOfScope("datacall_form", id)
	}
	if err != nil {
		return Form{}, fmt.Errorf("data-call form: %w", err)
	}
	return f, nil
}

// CreateForm defines a form.
func (s *Service) CreateForm(ctx context.Context, p *auth.Principal, f Form) (Form, error) {
	err := s.cfg.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		f, err = s.CreateFormTx(ctx, tx, p, f)
		return err
	})
	return f, err
}

// CreateFormTx defines a form inside tx.
func (s *Service) CreateFormTx(ctx context.Context, tx *store.Tx, p *auth.Principal, f Form) (Form, error) {
	if !MayIssue(p) {
		return f, errs.New(errs.Forbidden, "datacall.issue_forbidden")
	}
	if err := ValidateForm(&f); err != nil {
		return f, err
	}
	b, _ := json.Marshal(f.Fields)
	now := s.cfg.Now().UTC()
	f.ID, f.CountyCode, f.CreatedBy = ids.New(), p.CountyCode, p.UserID
	_, err := tx.ExecContext(ctx, `INSERT INTO datacall_form (id, county_code, name, note, fields, created_by, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$7)`, f.ID, f.CountyCode, f.Name, f.Note, string(b), f.CreatedBy, now)
	if store.IsUniqueViolation(err) {
		return f, errs.Field("name", "datacall.form_taken", map[string]any{"Name": f.Name})
	}
	if err != nil {
		return f, fmt.Errorf("insert data-call form: %w", err)
	}
	return f, audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "datacall_form", EntityID: f.ID, Action: "create", After: f})
}

// --- calls

const callCols = `c.id, c.county_code, c.form_id, f.name, c.period, c.period_from, c.period_to, c.deadline, c.campaign, c.note,
	c.issued_by, c.issued_name, c.issued_at`

func scanCall(row interface{ Scan(...any) error }) (Call, error) {
	var c Call
	err := row.Scan(&c.ID, &c.CountyCode, &c.FormID, &c.FormName, &c.Period, &c.From, &c.To, &c.Deadline, &c.Campaign, &c.Note,
		&c.IssuedBy, &c.IssuedName, &c.IssuedAt)
	return c, err
}

// CallView is a call in the list, with its counts and the viewer's own
// row when the call is addressed to the viewer's unit.
type CallView struct {
	Call
	Units     int       `json:"units"`
	Submitted int       `json:"submitted"`
	Late      int       `json:"late"`
	Missing   int       `json:"missing"`
	Mine      *Response `json:"mine,omitempty"`
}

// Calls lists the calls p sees, newest deadline first: all of the
// county's for its staff, those addressed to their unit for department
// and town staff.
func (s *Service) Calls(ctx context.Context, p *auth.Principal) ([]CallView, error) {
	if p.Role == auth.RoleEnterprise {
		return nil, nil
	}
	var w store.Where
	w.Add("c.county_code = ?", p.CountyCode)
	if unitScoped(p) {
		w.Add("c.id IN (SELECT call_id FROM datacall_response WHERE unit_id = ?)", p.UnitID)
	}
	rows, err := s.cfg.DB.R().QueryContext(ctx, `SELECT `+callCols+` FROM datacall_call c JOIN datacall_form f ON f.id = c.form_id`+w.SQL()+
		` ORDER BY c.deadline DESC, c.issued_at DESC`, w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("data calls: %w", err)
	}
	var out []CallView
	for rows.Next() {
		c, err := scanCall(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("data calls: %w", err)
		}
		out = append(out, CallView{Call: c})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	today := s.Today()
	for i := range out {
		resp, err := s.responses(ctx, s.cfg.DB.R(), out[i].ID)
		if err != nil {
			return nil, err
		}
		for _, r := range resp {
			out[i].Units++
			if r.State == Submitted {
				out[i].Submitted++
			}
			if Late(r.State, r.SubmittedOn, out[i].Deadline) {
				out[i].Late++
			}
			if Missing(r.State, out[i].Deadline, today) {
				out[i].Missing++
			}
			if r.UnitID == p.UnitID {
				mine := r
				out[i].Mine = &mine
			}
		}
	}
	return out, nil
}

// Call returns a call the principal sees, with its form.
func (s *Service) Call(ctx context.Context, p *auth.Principal, id string) (Call, Form, error) {
	return s.call(ctx, s.cfg.DB.R(), p, id)
}

func (s *Service) call(ctx context.Context, q store.Querier, p *auth.Principal, id string) (Call, Form, error) {
	c, err := scanCall(q.QueryRowContext(ctx, `SELECT `+callCols+` FROM datacall_call c JOIN datacall_form f ON f.id = c.form_id WHERE c.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Call{}, Form{}, errs.New(errs.NotFound, "not_found")
	}
	if err == nil && (c.CountyCode != p.CountyCode || p.Role == auth.RoleEnterprise) {
		return Call{}, Form{}, errs.OutOfScope("datacall_call", id)
	}
	if err != nil {
		return Call{}, Form{}, fmt.Errorf("data call: %w", err)
	}
	if unitScoped(p) {
		var n int
		if err := q.QueryRowContext(ctx, `SELECT count(*) FROM datacall_response WHERE call_id = $1 AND unit_id = $2`, id, p.UnitID).Scan(&n); err != nil {
			return Call{}, Form{}, err
		}
		if n == 0 {
			return Call{}, Form{}, errs.OutOfScope("datacall_call", id)
		}
	}
	f, err := s.form(ctx, q, p, c.FormID)
	return c, f, err
}

// NewCall is what issuing a call takes.
type NewCall struct {
	FormID   string   `json:"form_id"`
	Period   string   `json:"period"`
	From     string   `json:"from,omitempty"`
	To       string   `json:"to,omitempty"`
	Deadline string   `json:"deadline"`
	Campaign string   `json:"campaign,omitempty"`
	Note     string   `json:"note,omitempty"`
	Units    []string `json:"units"`
}

// Addressable lists the units a call may be sent to: the bureau itself
// (a member of the county safety committee), the member departments and
// the town governments.
func (s *Service) Addressable(ctx context.Context, p *auth.Principal) ([]org.Unit, error) {
	all := &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}
	var out []org.Unit
	for _, k := range []string{org.UnitBureau, org.UnitDepartment, org.UnitTown} {
		list, err := s.cfg.Org.ListUnits(ctx, all, org.UnitFilter{Kind: k})
		if err != nil {
			return nil, err
		}
		for _, u := range list {
			if !u.Disabled {
				out = append(out, u)
			}
		}
	}
	return out, nil
}

// units returns id → unit of the county's units.
func (s *Service) units(ctx context.Context, county string) (map[string]org.Unit, error) {
	list, err := s.cfg.Org.ListUnits(ctx, &auth.Principal{Role: auth.RoleLeader, CountyCode: county}, org.UnitFilter{})
	if err != nil {
		return nil, err
	}
	out := make(map[string]org.Unit, len(list))
	for _, u := range list {
		out[u.ID] = u
	}
	return out, nil
}

// Issue sends a form for a period to units with a deadline; each unit's
// staff are told through the outbox.
func (s *Service) Issue(ctx context.Context, p *auth.Principal, in NewCall) (Call, error) {
	var c Call
	err := s.cfg.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		c, err = s.IssueTx(ctx, tx, p, in, s.cfg.Now())
		return err
	})
	return c, err
}

// IssueTx issues a call inside tx, as of the time at (the demo issues its
// call back in 2022).
func (s *Service) IssueTx(ctx context.Context, tx *store.Tx, p *auth.Principal, in NewCall, at time.Time) (Call, error) {
	if !MayIssue(p) {
		return Call{}, errs.New(errs.Forbidden, "datacall.issue_forbidden")
	}
	f, err := s.form(ctx, tx, p, in.FormID)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return Call{}, errs.Field("form_id", "datacall.form_unknown", nil)
		}
		return Call{}, err
	}
	var fe errs.FieldErrors
	in.Period, in.Note, in.Campaign = strings.TrimSpace(in.Period), strings.TrimSpace(in.Note), strings.TrimSpace(in.Campaign)
	if in.Period == "" {
		fe = append(fe, errs.Field("period", "field.required", nil))
	} else if utf8.RuneCountInString(in.Period) > 40 {
		fe = append(fe, errs.Field("period", "datacall.too_long", map[string]any{"Max": 40}))
	}
	if d, err := day.Parse(in.Deadline); err != nil {
		fe = append(fe, errs.Field("deadline", "datacall.date_invalid", nil))
	} else {
		in.Deadline = d
	}
	for _, x := range []*string{&in.From, &in.To} {
		if strings.TrimSpace(*x) == "" {
			*x = ""
			continue
		}
		d, err := day.Parse(*x)
		if err != nil {
			fe = append(fe, errs.Field("from", "datacall.date_invalid", nil))
			continue
		}
		*x = d
	}
	if in.From != "" && in.To != "" && in.To < in.From {
		fe = append(fe, errs.Field("to", "datacall.period_backwards", nil))
	}
	// A deadline already past would make every unit late at once; one
	// before the period begins cannot be met with the period's figures.
	if issued := day.Of(at); in.Deadline != "" && day.Valid(in.Deadline) && in.Deadline < issued {
		fe = append(fe, errs.Field("deadline", "datacall.deadline_past", map[string]any{"Day": issued}))
	} else if in.From != "" && in.Deadline != "" && in.Deadline < in.From {
		fe = append(fe, errs.Field("deadline", "datacall.deadline_before_period", map[string]any{"Day": in.From}))
	}
	units, err := s.units(ctx, p.CountyCode)
	if err != nil {
		return Call{}, err
	}
	seen := map[string]bool{}
	var addressed []string
	for _, u := range in.Units {
		x, ok := units[u]
		if !ok || (x.Kind != org.UnitBureau && x.Kind != org.UnitDepartment && x.Kind != org.UnitTown) {
			fe = append(fe, errs.Field("units", "datacall.unit_unknown", nil))
			break
		}
		if !seen[u] {
			seen[u] = true
			addressed = append(addressed, u)
		}
	}
	if len(in.Units) == 0 {
		fe = append(fe, errs.Field("units", "datacall.units_required", nil))
	}
	if len(fe) > 0 {
		return Call{}, fe.Err()
	}
	now := at.UTC()
	c := Call{ID: ids.New(), CountyCode: p.CountyCode, FormID: f.ID, FormName: f.Name, Period: in.Period, From: in.From, To: in.To,
		Deadline: in.Deadline, Campaign: in.Campaign, Note: in.Note, IssuedBy: p.UserID, IssuedName: p.DisplayName, IssuedAt: now}
	_, err = tx.ExecContext(ctx, `INSERT INTO datacall_call (id, county_code, form_id, period, period_from, period_to, deadline, campaign, note,
		issued_by, issued_name, issued_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
		c.ID, c.CountyCode, c.FormID, c.Period, c.From, c.To, c.Deadline, c.Campaign, c.Note, c.IssuedBy, c.IssuedName, now)
	if store.IsUniqueViolation(err) {
		return Call{}, errs.Field("period", "datacall.period_taken", map[string]any{"Period": c.Period})
	}
	if err != nil {
		return Call{}, fmt.Errorf("insert data call: %w", err)
	}
	for _, u := range addressed {
		if _, err := tx.ExecContext(ctx, `INSERT INTO datacall_response (call_id, unit_id, county_code, state, updated_at) VALUES ($1,$2,$3,$4,$5)`,
			c.ID, u, c.CountyCode, Pending, now); err != nil {
			return Call{}, fmt.Errorf("insert data-call response: %w", err)
		}
		title := fmt.Sprintf("数据填报：%s（%s）", f.Name, c.Period)
		body := fmt.Sprintf("请于 %s 前填报本单位数据。", c.Deadline)
		if err := s.tellUnit(ctx, tx, c, u, "datacall.issued", "datacall:issued:"+c.ID, title, body); err != nil {
			return Call{}, err
		}
	}
	return c, audit.Record(ctx, tx, s.cfg.Now(), p.Actor(), audit.Entry{Entity: "datacall_call", EntityID: c.ID, Action: "datacall_issue",
		After: map[string]any{"form": f.Name, "period": c.Period, "deadline": c.Deadline, "units": len(addressed)}})
}

// tellUnit notifies a unit's users; key (with the user) dedupes.
func (s *Service) tellUnit(ctx context.Context, tx *store.Tx, c Call, unitID, topic, key, title, body string) error {
	if s.cfg.Notify == nil || s.cfg.Recipients == nil {
		return nil
	}
	users, err := s.cfg.Recipients(ctx, c.CountyCode, unitID)
	if err != nil {
		return err
	}
	for _, u := range users {
		if _, err := s.cfg.Notify.Enqueue(ctx, tx, notify.Message{CountyCode: c.CountyCode, UserID: u, Topic: topic, Title: title, Body: body,
			Link: "/datacalls/" + c.ID + "/fill", Entity: "datacall_call", EntityID: c.ID, DedupeKey: key + ":" + unitID + ":" + u}); err != nil {
			return err
		}
	}
	return nil
}

// responses reads a call's rows (unit names not filled in).
func (s *Service) responses(ctx context.Context, q store.Querier, callID string) ([]Response, error) {
	rows, err := q.QueryContext(ctx, `SELECT call_id, unit_id, state, answers, prefilled, submitted_on, submitted_by, submitted_name, return_reason, updated_at
		FROM datacall_response WHERE call_id = $1`, callID)
	if err != nil {
		return nil, fmt.Errorf("data-call responses: %w", err)
	}
	defer rows.Close()
	var out []Response
	for rows.Next() {
		var r Response
		var answers, pre string
		if err := rows.Scan(&r.CallID, &r.UnitID, &r.State, &answers, &pre, &r.SubmittedOn, &r.SubmittedBy, &r.SubmittedName, &r.ReturnReason, &r.UpdatedAt); err != nil {
			return nil, fmt.Errorf("data-call responses: %w", err)
		}
		r.Values, r.Prefilled = map[string]string{}, map[string]string{}
		if answers != "" {
			_ = json.Unmarshal([]byte(answers), &r.Values)
		}
		if pre != "" {
			_ = json.Unmarshal([]byte(pre), &r.Prefilled)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RollUp is a call's breakdown by unit with its totals and checks.
type RollUp struct {
	Call    Call              `json:"call"`
	Form    Form              `json:"form"`
	Rows    []Response        `json:"rows"`
	Totals  map[string]string `json:"totals"` // field key → total of the submitted rows
	Checks  []PartCheck       `json:"checks"`
	Units   int               `json:"units"`
	Done    int               `json:"submitted"`
	Late    int               `json:"late"`
	Missing int               `json:"missing"`
	Partial bool              `json:"partial"` // the viewer sees only its own unit's row
}

// RollUp returns a call's roll-up; department and town staff see only
// their own unit's row.
func (s *Service) RollUp(ctx context.Context, p *auth.Principal, id string) (RollUp, error) {
	c, f, err := s.Call(ctx, p, id)
	if err != nil {
		return RollUp{}, err
	}
	rows, err := s.responses(ctx, s.cfg.DB.R(), id)
	if err != nil {
		return RollUp{}, err
	}
	units, err := s.units(ctx, p.CountyCode)
	if err != nil {
		return RollUp{}, err
	}
	today := s.Today()
	out := RollUp{Call: c, Form: f, Totals: map[string]string{}, Partial: unitScoped(p)}
	for _, r := range rows {
		if unitScoped(p) && r.UnitID != p.UnitID {
			continue
		}
		u := units[r.UnitID]
		r.UnitName, r.UnitKind = u.Name, u.Kind
		if r.UnitName == "" {
			r.UnitName = r.UnitID
		}
		r.Late, r.Missing = Late(r.State, r.SubmittedOn, c.Deadline), Missing(r.State, c.Deadline, today)
		out.Units++
		if r.State == Submitted {
			out.Done++
		}
		if r.Late {
			out.Late++
		}
		if r.Missing {
			out.Missing++
		}
		out.Rows = append(out.Rows, r)
	}
	kindOrder := map[string]int{org.UnitBureau: 0, org.UnitDepartment: 1, org.UnitTown: 2}
	sort.SliceStable(out.Rows, func(i, j int) bool {
		a, b := out.Rows[i], out.Rows[j]
		if kindOrder[a.UnitKind] != kindOrder[b.UnitKind] {
			return kindOrder[a.UnitKind] < kindOrder[b.UnitKind]
		}
		ua, ub := units[a.UnitID], units[b.UnitID]
		if ua.Sort != ub.Sort {
			return ua.Sort < ub.Sort
		}
		return a.UnitName < b.UnitName
	})
	totals := map[string]int64{}
	for _, x := range f.Numeric() {
		var vals []string
		for _, r := range out.Rows {
			if r.State == Submitted {
				vals = append(vals, r.Values[x.Key])
			}
		}
		totals[x.Key] = Sum(vals)
		out.Totals[x.Key] = FormatNumber(totals[x.Key])
	}
	out.Checks = CheckTotals(f, totals)
	return out, nil
}

// Row returns a unit's row for its fill page, with the values pre-filled
// from records when the unit has not saved anything yet.
func (s *Service) Row(ctx context.Context, p *auth.Principal, id, unitID string) (Call, Form, Response, error) {
	c, f, err := s.Call(ctx, p, id)
	if err != nil {
		return c, f, Response{}, err
	}
	if unitID == "" {
		unitID = p.UnitID
	}
	units, err := s.units(ctx, p.CountyCode)
	if err != nil {
		return c, f, Response{}, err
	}
	if !MayFill(p, unitID, units[unitID].Kind) {
		return c, f, Response{}, errs.New(errs.Forbidden, "datacall.fill_forbidden")
	}
	rows, err := s.responses(ctx, s.cfg.DB.R(), id)
	if err != nil {
		return c, f, Response{}, err
	}
	for _, r := range rows {
		if r.UnitID != unitID {
			continue
		}
		u := units[unitID]
		r.UnitName, r.UnitKind = u.Name, u.Kind
		r.Late, r.Missing = Late(r.State, r.SubmittedOn, c.Deadline), Missing(r.State, c.Deadline, s.Today())
		if r.State == Pending && len(r.Values) == 0 && s.cfg.Prefill != nil {
			pre, err := s.cfg.Prefill(ctx, c, f, u)
			if err != nil {
				return c, f, r, err
			}
			r.Prefilled = pre
		}
		return c, f, r, nil
	}
	return c, f, Response{}, errs.New(errs.NotFound, "datacall.not_addressed")
}

// Fill saves a unit's values as a draft, or submits them (all numbers
// required). A submitted row is changed only after the office returns it.
func (s *Service) Fill(ctx context.Context, p *auth.Principal, id, unitID string, values map[string]string, submit bool) (Response, error) {
	var out Response
	err := s.cfg.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		out, err = s.FillTx(ctx, tx, p, id, unitID, values, submit, s.cfg.Now())
		return err
	})
	return out, err
}

// FillTx saves a unit's row inside tx as of the time at.
func (s *Service) FillTx(ctx context.Context, tx *store.Tx, p *auth.Principal, id, unitID string, values map[string]string, submit bool, at time.Time) (Response, error) {
	if unitID == "" {
		unitID = p.UnitID
	}
	units, err := s.units(ctx, p.CountyCode)
	if err != nil {
		return Response{}, err
	}
	if !MayFill(p, unitID, units[unitID].Kind) {
		return Response{}, errs.New(errs.Forbidden, "datacall.fill_forbidden")
	}
	c, f, err := s.call(ctx, tx, p, id)
	if err != nil {
		return Response{}, err
	}
	var r Response
	var answers, pre string
	err = tx.QueryRowContext(ctx, `SELECT state, answers, prefilled FROM datacall_response WHERE call_id = $1 AND unit_id = $2`, id, unitID).Scan(&r.State, &answers, &pre)
	if errors.Is(err, sql.ErrNoRows) {
		return Response{}, errs.New(errs.NotFound, "datacall.not_addressed")
	}
	if err != nil {
		return Response{}, fmt.Errorf("data-call response: %w", err)
	}
	if r.State == Submitted {
		return Response{}, errs.New(errs.Conflict, "datacall.rule.submitted")
	}
	vals, err := CheckValues(f, values, submit)
	if err != nil {
		return Response{}, err
	}
	b, _ := json.Marshal(vals)
	r.CallID, r.UnitID, r.Values, r.State = id, unitID, vals, Draft
	now := s.cfg.Now().UTC()
	if submit {
		r.State, r.SubmittedOn, r.SubmittedBy, r.SubmittedName = Submitted, day.Of(at), p.UserID, p.DisplayName
	}
	if _, err := tx.ExecContext(ctx, `UPDATE datacall_response SET state = $1, answers = $2, submitted_on = $3, submitted_by = $4, submitted_name = $5,
		return_reason = '', updated_at = $6 WHERE call_id = $7 AND unit_id = $8`,
		r.State, string(b), r.SubmittedOn, r.SubmittedBy, r.SubmittedName, now, id, unitID); err != nil {
		return Response{}, fmt.Errorf("save data-call response: %w", err)
	}
	r.UpdatedAt, r.Late = now, Late(r.State, r.SubmittedOn, c.Deadline)
	action := "datacall_save"
	if submit {
		action = "datacall_submit"
	}
	return r, audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "datacall_response", EntityID: id + "/" + unitID, Action: action, After: vals})
}

// SetPrefilledTx records which values of a row came from the records.
func (s *Service) SetPrefilledTx(ctx context.Context, tx *store.Tx, id, unitID string, pre map[string]string) error {
	b, _ := json.Marshal(pre)
	_, err := tx.ExecContext(ctx, `UPDATE datacall_response SET prefilled = $1 WHERE call_id = $2 AND unit_id = $3`, string(b), id, unitID)
	return err
}

// Return sends a submitted row back to its unit for correction.
func (s *Service) Return(ctx context.Context, p *auth.Principal, id, unitID, reason string) error {
	if !MayIssue(p) {
		return errs.New(errs.Forbidden, "datacall.issue_forbidden")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return errs.Field("reason", "datacall.reason_required", nil)
	}
	return s.cfg.DB.InTx(ctx, func(tx *store.Tx) error {
		c, _, err := s.call(ctx, tx, p, id)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE datacall_response SET state = $1, return_reason = $2, updated_at = $3 WHERE call_id = $4 AND unit_id = $5 AND state = $6`,
			Returned, reason, s.cfg.Now().UTC(), id, unitID, Submitted)
		if err != nil {
			return fmt.Errorf("return data-call response: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.Conflict, "datacall.rule.return")
		}
		if err := s.tellUnit(ctx, tx, c, unitID, "datacall.returned", "datacall:returned:"+c.ID+":"+ids.New(),
			fmt.Sprintf("数据填报被退回：%s（%s）", c.FormName, c.Period), "退回原因："+reason); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.cfg.Now(), p.Actor(), audit.Entry{Entity: "datacall_response", EntityID: id + "/" + unitID, Action: "datacall_return",
			After: map[string]any{"reason": reason}})
	})
}

// Remind tells every unit of a call that has not submitted (once a day
// per unit and user: the dedupe key holds the day). It returns the number
// of units reminded.
func (s *Service) Remind(ctx context.Context, p *auth.Principal, id string) (int, error) {
	if !MayIssue(p) {
		return 0, errs.New(errs.Forbidden, "datacall.issue_forbidden")
	}
	n := 0
	err := s.cfg.DB.InTx(ctx, func(tx *store.Tx) error {
		c, _, err := s.call(ctx, tx, p, id)
		if err != nil {
			return err
		}
		n, err = s.remindTx(ctx, tx, c, "manual")
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.cfg.Now(), p.Actor(), audit.Entry{Entity: "datacall_call", EntityID: id, Action: "datacall_remind",
			After: map[string]any{"units": n}})
	})
	return n, err
}

func (s *Service) remindTx(ctx context.Context, tx *store.Tx, c Call, how string) (int, error) {
	rows, err := s.responses(ctx, tx, c.ID)
	if err != nil {
		return 0, err
	}
	today := s.Today()
	n := 0
	for _, r := range rows {
		if r.State == Submitted {
			continue
		}
		body := fmt.Sprintf("填报截止日期 %s，本单位尚未提交。", c.Deadline)
		if today > c.Deadline {
			body = fmt.Sprintf("填报已于 %s 截止，本单位尚未提交，请尽快填报。", c.Deadline)
		}
		if err := s.tellUnit(ctx, tx, c, r.UnitID, "datacall.remind", "datacall:remind:"+how+":"+c.ID+":"+today,
			fmt.Sprintf("催报：%s（%s）", c.FormName, c.Period), body); err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}

// Sweep reminds units that have not submitted, from RemindDays days
// before a call's deadline to RemindDays days after it, once a day (the
// periodic job). It returns the number of unit reminders.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	today := s.Today()
	rows, err := s.cfg.DB.R().QueryContext(ctx, `SELECT c.id, c.county_code FROM datacall_call c WHERE c.deadline >= $1 AND c.deadline <= $2`,
		day.Add(today, -RemindDays), day.Add(today, RemindDays))
	if err != nil {
		return 0, fmt.Errorf("data-call sweep: %w", err)
	}
	type due struct{ id, county string }
	var list []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.county); err != nil {
			rows.Close()
			return 0, err
		}
		list = append(list, d)
	}
	rows.Close()
	total := 0
	for _, d := range list {
		sys := &auth.Principal{UserID: "system", Username: "system", Role: auth.RoleAdmin, CountyCode: d.county}
		err := s.cfg.DB.InTx(ctx, func(tx *store.Tx) error {
			c, _, err := s.call(ctx, tx, sys, d.id)
			if err != nil {
				return err
			}
			n, err := s.remindTx(ctx, tx, c, "auto")
			total += n
			return err
		})
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// Period is one call of a form in its history, with its totals.
type Period struct {
	Call      Call              `json:"call"`
	Totals    map[string]string `json:"totals"`
	Units     int               `json:"units"`
	Submitted int               `json:"submitted"`
}

// History lists a form's calls by period with their totals (the viewer's
// own row only, for department and town staff).
func (s *Service) History(ctx context.Context, p *auth.Principal, formID string) (Form, []Period, error) {
	f, err := s.Form(ctx, p, formID)
	if err != nil {
		return f, nil, err
	}
	calls, err := s.Calls(ctx, p)
	if err != nil {
		return f, nil, err
	}
	var out []Period
	for _, c := range calls {
		if c.FormID != formID {
			continue
		}
		ru, err := s.RollUp(ctx, p, c.ID)
		if err != nil {
			return f, nil, err
		}
		out = append(out, Period{Call: c.Call, Totals: ru.Totals, Units: ru.Units, Submitted: ru.Done})
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Call, out[j].Call
		if a.From != b.From {
			return a.From > b.From
		}
		return a.IssuedAt.After(b.IssuedAt)
	})
	return f, out, nil
}
