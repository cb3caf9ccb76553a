package certificate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/store"
)

// MissingFilter selects the enterprises of the survey (持证情况摸底).
type MissingFilter struct {
	AsOf   Date   // the day looked at (zero: today)
	Sector string // one sector, any size; empty: the default survey scope (InSurvey)
	Town   string
	Scale  string
	State  string // "" any | none (not warned) | warned (open or overdue) | open | overdue
	Role   string // "" either | principal | safety_manager: only those lacking this one
}

// Finding is one enterprise of the survey: whether its principal and
// safety manager held a valid competence certificate, and its warning.
type Finding struct {
	Enterprise   enterprise.Enterprise `json:"enterprise"`
	Principal    Gap                   `json:"principal"`
	Safety       Gap                   `json:"safety_manager"`
	Warning      *Warning              `json:"warning,omitempty"`
	WarningState string                `json:"warning_state,omitempty"` // open | overdue ("" not warned)
}

// Lacking reports a finding with a missing certificate.
func (f Finding) Lacking() bool { return f.Principal.Missing || f.Safety.Missing }

// MissingResult is the survey on a day.
type MissingResult struct {
	AsOf     Date      `json:"as_of"`
	InScope  int       `json:"in_scope"` // enterprises looked at
	Lacking  int       `json:"lacking"`  // of them lacking a certificate
	Warned   int       `json:"warned"`   // of those, under an open warning
	Overdue  int       `json:"overdue"`  // of those, past the deadline
	Findings []Finding `json:"findings"` // the lacking ones matching State and Role
}

// survey assesses every enterprise in scope matching f on f.AsOf (closed
// enterprises are left out).
func (s *Service) survey(ctx context.Context, p *auth.Principal, f MissingFilter) ([]Finding, error) {
	var ents []enterprise.Enterprise
	err := s.ent.Each(ctx, p, enterprise.Filter{Sector: f.Sector, Town: f.Town, Scale: f.Scale}, func(e enterprise.Enterprise) error {
		if e.Status != enterprise.StatusClosed && (f.Sector != "" || InSurvey(e.Sector, e.Scale)) {
			ents = append(ents, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var w store.Where
	w.Add("county_code = ?", p.CountyCode)
	enterprise.ScopeSubquery(p, &w, "enterprise_id")
	h, err := held(ctx, s.db.R(), &w)
	if err != nil {
		return nil, err
	}
	warnings, err := s.latestWarnings(ctx, p, f.AsOf)
	if err != nil {
		return nil, err
	}
	out := make([]Finding, 0, len(ents))
	for _, e := range ents {
		fd := Finding{Enterprise: e, Principal: Assess(h[e.ID], RolePrincipal, f.AsOf), Safety: Assess(h[e.ID], RoleSafety, f.AsOf)}
		if w, ok := warnings[e.ID]; ok {
			if st := w.StateOn(f.AsOf); st != WarningCleared {
				fd.Warning, fd.WarningState = &w, st
			}
		}
		out = append(out, fd)
	}
	return out, nil
}

// latestWarnings returns each enterprise's latest warning given on or
// before day.
func (s *Service) latestWarnings(ctx context.Context, p *auth.Principal, day Date) (map[string]Warning, error) {
	var w store.Where
	w.Add("county_code = ?", p.CountyCode)
	enterprise.ScopeSubquery(p, &w, "enterprise_id")
	w.Add("warned_on <= ?", day)
	rows, err := s.db.R().QueryContext(ctx, `SELECT `+warningCols+` FROM certificate_warning`+w.SQL()+` ORDER BY warned_on, issued_at`, w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("warnings: %w", err)
	}
	defer rows.Close()
	out := map[string]Warning{}
	for rows.Next() {
		x, err := scanWarning(rows)
		if err != nil {
			return nil, fmt.Errorf("warnings: %w", err)
		}
		out[x.EnterpriseID] = x
	}
	return out, rows.Err()
}

// Missing lists the enterprises in scope whose principal or safety
// manager held no valid competence certificate on f.AsOf: overdue
// warnings first, then open ones, then those not warned, by name.
func (s *Service) Missing(ctx context.Context, p *auth.Principal, f MissingFilter) (MissingResult, error) {
	if f.AsOf.IsZero() {
		f.AsOf = s.Today()
	}
	res := MissingResult{AsOf: f.AsOf, Findings: []Finding{}}
	all, err := s.survey(ctx, p, f)
	if err != nil {
		return res, err
	}
	res.InScope = len(all)
	for _, fd := range all {
		if !fd.Lacking() {
			continue
		}
		res.Lacking++
		switch fd.WarningState {
		case WarningOpen:
			res.Warned++
		case WarningOverdue:
			res.Warned++
			res.Overdue++
		}
		if (f.Role == RolePrincipal && !fd.Principal.Missing) || (f.Role == RoleSafety && !fd.Safety.Missing) {
			continue
		}
		switch f.State {
		case "none":
			if fd.Warning != nil {
				continue
			}
		case "warned":
			if fd.Warning == nil {
				continue
			}
		case WarningOpen, WarningOverdue:
			if fd.WarningState != f.State {
				continue
			}
		}
		res.Findings = append(res.Findings, fd)
	}
	rank := map[string]int{WarningOverdue: 0, WarningOpen: 1, "": 2}
	slices.SortStableFunc(res.Findings, func(a, b Finding) int { return rank[a.WarningState] - rank[b.WarningState] })
	return res, nil
}

const warningCols = `id, county_code, enterprise_id, warned_on, deadline, missing, note, issued_by, issued_by_name, issued_at, cleared_on, cleared_by`

func scanWarning(row interface{ Scan(...any) error }) (Warning, error) {
	var w Warning
	var missing string
	err := row.Scan(&w.ID, &w.CountyCode, &w.EnterpriseID, &w.WarnedOn, &w.Deadline, &missing, &w.Note, &w.IssuedBy, &w.IssuedByName,
		&w.IssuedAt, &w.ClearedOn, &w.ClearedBy)
	for _, r := range strings.Split(missing, ",") {
		if r != "" {
			w.Missing = append(w.Missing, r)
		}
	}
	return w, err
}

// IssueWarning gives the enterprise a 警告 on warnedOn (zero: today) for
// the certificates it lacked that day, with the deadline three months
// later, and notifies its enterprise accounts. An enterprise has at most
// one open warning.
func (s *Service) IssueWarning(ctx context.Context, p *auth.Principal, enterpriseID string, warnedOn Date, note string) (Warning, error) {
	today := s.Today()
	if warnedOn.IsZero() {
		warnedOn = today
	}
	if warnedOn.After(today) {
		return Warning{}, errs.Field("warned_on", "certificate.warned_future", nil)
	}
	e, err := s.enterpriseOf(ctx, p, enterpriseID)
	if err != nil {
		return Warning{}, err
	}
	if !CanCheck(p, e) {
		return Warning{}, errs.New(errs.Forbidden, "forbidden")
	}
	w := Warning{ID: ids.New(), CountyCode: e.CountyCode, EnterpriseID: e.ID, WarnedOn: warnedOn, Deadline: Deadline(warnedOn),
		Note: strings.TrimSpace(note), IssuedBy: p.UserID, IssuedByName: displayName(p), IssuedAt: s.now().UTC()}
	entUsers, _, err := s.recipients(ctx, e.CountyCode, e.ID, e.SectionID)
	if err != nil {
		return w, err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		var cw store.Where
		cw.Add("enterprise_id = ?", e.ID)
		h, err := held(ctx, tx, &cw)
		if err != nil {
			return err
		}
		w.Missing = nil
		if Assess(h[e.ID], RolePrincipal, warnedOn).Missing {
			w.Missing = append(w.Missing, RolePrincipal)
		}
		if Assess(h[e.ID], RoleSafety, warnedOn).Missing {
			w.Missing = append(w.Missing, RoleSafety)
		}
		if len(w.Missing) == 0 {
			return errs.New(errs.Conflict, "certificate.warning_nothing_missing")
		}
		if err := s.insertWarning(ctx, tx, w, true); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, w.IssuedAt, p.Actor(), audit.Entry{Entity: "certificate_warning", EntityID: w.ID, Action: "warn", After: w}); err != nil {
			return err
		}
		return s.notifyWarning(ctx, tx, e, w, entUsers)
	})
	return w, err
}

func (s *Service) insertWarning(ctx context.Context, tx *store.Tx, w Warning, open bool) error {
	var openKey any
	if open {
		openKey = w.EnterpriseID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO certificate_warning (`+warningCols+`, open_key) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)`,
		w.ID, w.CountyCode, w.EnterpriseID, w.WarnedOn, w.Deadline, strings.Join(w.Missing, ","), w.Note, w.IssuedBy, w.IssuedByName,
		w.IssuedAt, w.ClearedOn, w.ClearedBy, openKey)
	if store.IsUniqueViolation(err) {
		return errs.New(errs.Conflict, "certificate.warning_open_exists")
	}
	if err != nil {
		return fmt.Errorf("insert warning: %w", err)
	}
	return nil
}

// notifyWarning tells the enterprise's accounts of a warning (in-app,
// written in the warning's transaction).
func (s *Service) notifyWarning(ctx context.Context, tx *store.Tx, e enterprise.Enterprise, w Warning, users []string) error {
	if s.notify == nil {
		return nil
	}
	var roles []string
	for _, r := range w.Missing {
		roles = append(roles, RoleLabel(r, "zh"))
	}
	body := fmt.Sprintf("%s：经%s核查，贵单位%s未持有有效的安全生产知识和管理能力考核合格证。请于%s前组织参加培训并取得合格证，逾期未取得的将依法处理。",
		e.Name, w.WarnedOn.Chinese(), strings.Join(roles, "、"), w.Deadline.Chinese())
	for _, uid := range users {
		_, err := s.notify.Enqueue(ctx, tx, notify.Message{CountyCode: e.CountyCode, UserID: uid, Topic: "certificate.warning",
			Title: "警告：主要负责人、安全管理人员须在三个月内取得合格证", Body: body, Link: "/certificates?enterprise=" + e.ID,
			Entity: "certificate_warning", EntityID: w.ID, DedupeKey: "certificate.warning:" + w.ID + ":" + uid})
		if err != nil {
			return err
		}
	}
	return nil
}

// WarningFilter selects warnings for their register.
type WarningFilter struct {
	From, To      Date   // warned_on within [From, To]; zero: open-ended
	State         string // open | overdue | cleared
	EnterpriseID  string
	Town, Sector  string
	Limit, Offset int
}

func (s *Service) warningWhere(ctx context.Context, p *auth.Principal, f WarningFilter) (*store.Where, error) {
	var w store.Where
	w.Add("county_code = ?", p.CountyCode)
	enterprise.ScopeSubquery(p, &w, "enterprise_id")
	if !f.From.IsZero() {
		w.Add("warned_on >= ?", f.From)
	}
	if !f.To.IsZero() {
		w.Add("warned_on <= ?", f.To)
	}
	today := s.Today()
	switch f.State {
	case WarningOpen:
		w.Add("open_key IS NOT NULL AND deadline >= ?", today)
	case WarningOverdue:
		w.Add("open_key IS NOT NULL AND deadline < ?", today)
	case WarningCleared:
		w.Add("open_key IS NULL")
	}
	if f.EnterpriseID != "" {
		w.Add("enterprise_id = ?", f.EnterpriseID)
	}
	if f.Town != "" || f.Sector != "" {
		var idList []string
		err := s.ent.Each(ctx, p, enterprise.Filter{Town: f.Town, Sector: f.Sector}, func(e enterprise.Enterprise) error {
			idList = append(idList, e.ID)
			return nil
		})
		if err != nil {
			return nil, err
		}
		w.In("enterprise_id", idList)
	}
	return &w, nil
}

// Warnings returns a page of warnings in scope, newest first, and the
// total.
func (s *Service) Warnings(ctx context.Context, p *auth.Principal, f WarningFilter) ([]Warning, int, error) {
	w, err := s.warningWhere(ctx, p, f)
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM certificate_warning`+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count warnings: %w", err)
	}
	if f.Limit <= 0 || f.Limit > 5000 {
		f.Limit = 50
	}
	lim, off := w.Arg(f.Limit), w.Arg(f.Offset)
	rows, err := s.db.R().QueryContext(ctx, `SELECT `+warningCols+` FROM certificate_warning`+w.SQL()+
		` ORDER BY warned_on DESC, issued_at DESC, id LIMIT `+lim+` OFFSET `+off, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("warnings: %w", err)
	}
	defer rows.Close()
	var out []Warning
	for rows.Next() {
		x, err := scanWarning(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("warnings: %w", err)
		}
		out = append(out, x)
	}
	return out, total, rows.Err()
}

// Warning returns one warning in scope and its enterprise.
func (s *Service) Warning(ctx context.Context, p *auth.Principal, id string) (Warning, enterprise.Enterprise, error) {
	w, err := scanWarning(s.db.R().QueryRowContext(ctx, `SELECT `+warningCols+` FROM certificate_warning WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Warning{}, enterprise.Enterprise{}, errs.New(errs.NotFound, "not_found")
	}
	if err != nil {
		return Warning{}, enterprise.Enterprise{}, fmt.Errorf("warning: %w", err)
	}
	if w.CountyCode != p.CountyCode {
		return Warning{}, enterprise.Enterprise{}, errs.OutOfScope("certificate_warning", id)
	}
	e, err := s.enterpriseOf(ctx, p, w.EnterpriseID)
	return w, e, errs.Rescope(err, "certificate_warning", id)
}

// RecordSurvey records every enterprise of the survey scope matching f as
// checked on f.AsOf (持证情况摸底), with what was found; an enterprise
// already checked that day is left as it is. It returns how many were
// recorded.
func (s *Service) RecordSurvey(ctx context.Context, p *auth.Principal, f MissingFilter) (int, error) {
	today := s.Today()
	if f.AsOf.IsZero() {
		f.AsOf = today
	}
	if f.AsOf.After(today) {
		return 0, errs.Field("as_of", "certificate.survey_future", nil)
	}
	if !p.Is(auth.RoleAdmin, auth.RoleSection) {
		return 0, errs.New(errs.Forbidden, "forbidden")
	}
	all, err := s.survey(ctx, p, f)
	if err != nil {
		return 0, err
	}
	n := 0
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		n = 0
		now := s.now().UTC()
		var entries []audit.Entry
		for _, fd := range all {
			if !CanCheck(p, fd.Enterprise) {
				continue
			}
			var exists int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM certificate_check WHERE county_code = $1 AND enterprise_id = $2 AND checked_on = $3`,
				p.CountyCode, fd.Enterprise.ID, f.AsOf).Scan(&exists); err != nil {
				return fmt.Errorf("survey: %w", err)
			}
			if exists > 0 {
				continue
			}
			id := ids.New()
			if _, err := tx.ExecContext(ctx, `INSERT INTO certificate_check (id, county_code, enterprise_id, checked_on, principal_ok, safety_ok, checked_by, checked_at)
				VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, id, p.CountyCode, fd.Enterprise.ID, f.AsOf, !fd.Principal.Missing, !fd.Safety.Missing, p.UserID, now); err != nil {
				return fmt.Errorf("survey: %w", err)
			}
			entries = append(entries, audit.Entry{Entity: "certificate_check", EntityID: id, Action: "survey",
				After: map[string]any{"enterprise_id": fd.Enterprise.ID, "checked_on": f.AsOf, "principal_ok": !fd.Principal.Missing, "safety_ok": !fd.Safety.Missing}})
			n++
		}
		return audit.RecordMany(ctx, tx, now, p.Actor(), entries)
	})
	return n, err
}

// SurveyCounts are the survey's figures for a period (the report's
// 持证情况摸底).
type SurveyCounts struct {
	Checked       int `json:"checked"`        // enterprises checked in the period
	Lacking       int `json:"lacking"`        // of them found lacking a certificate at their last check
	Warned        int `json:"warned"`         // warnings given in the period
	WarnedCleared int `json:"warned_cleared"` // of those, cleared since
}

// SurveyStats counts the survey's checks and warnings with dates in
// [from, to] in scope.
func (s *Service) SurveyStats(ctx context.Context, p *auth.Principal, from, to Date) (SurveyCounts, error) {
	var c SurveyCounts
	var w store.Where
	w.Add("county_code = ?", p.CountyCode)
	enterprise.ScopeSubquery(p, &w, "enterprise_id")
	w.Add("checked_on >= ? AND checked_on <= ?", from, to)
	rows, err := s.db.R().QueryContext(ctx, `SELECT enterprise_id, principal_ok, safety_ok FROM certificate_check`+w.SQL()+` ORDER BY checked_on`, w.Args()...)
	if err != nil {
		return c, fmt.Errorf("survey checks: %w", err)
	}
	last := map[string]bool{}
	for rows.Next() {
		var id string
		var pOK, sOK bool
		if err := rows.Scan(&id, &pOK, &sOK); err != nil {
			rows.Close()
			return c, fmt.Errorf("survey checks: %w", err)
		}
		last[id] = !pOK || !sOK
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return c, err
	}
	c.Checked = len(last)
	for _, lacking := range last {
		if lacking {
			c.Lacking++
		}
	}
	c.Warned, err = s.WarningsIssued(ctx, p, from, to)
	if err != nil {
		return c, err
	}
	var ww store.Where
	ww.Add("county_code = ?", p.CountyCode)
	enterprise.ScopeSubquery(p, &ww, "enterprise_id")
	ww.Add("warned_on >= ? AND warned_on <= ? AND open_key IS NULL", from, to)
	err = s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM certificate_warning`+ww.SQL(), ww.Args()...).Scan(&c.WarnedCleared)
	return c, err
}

// WarningsIssued counts the warnings given in [from, to] in scope.
func (s *Service) WarningsIssued(ctx context.Context, p *auth.Principal, from, to Date) (int, error) {
	w, err := s.warningWhere(ctx, p, WarningFilter{From: from, To: to})
	if err != nil {
		return 0, err
	}
	var n int
	err = s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM certificate_warning`+w.SQL(), w.Args()...).Scan(&n)
	return n, err
}

// EnterprisesChecked counts the enterprises checked in the survey in
// [from, to] in scope.
func (s *Service) EnterprisesChecked(ctx context.Context, p *auth.Principal, from, to Date) (int, error) {
	c, err := s.SurveyStats(ctx, p, from, to)
	return c.Checked, err
}

// WithoutPrincipal counts the enterprises of the default survey scope
// whose principal holds no valid competence certificate today (home page).
func (s *Service) WithoutPrincipal(ctx context.Context, p *auth.Principal) (int, error) {
	res, err := s.Missing(ctx, p, MissingFilter{Role: RolePrincipal})
	return len(res.Findings), err
}

// ForEnterprise tells an enterprise's certificate count and whether its
// principal lacks a valid certificate today (the enterprise page).
func (s *Service) ForEnterprise(ctx context.Context, p *auth.Principal, e enterprise.Enterprise) (count int, principal Gap, open *Warning, err error) {
	count, err = s.Count(ctx, p, Filter{EnterpriseID: e.ID})
	if err != nil {
		return
	}
	var w store.Where
	w.Add("enterprise_id = ?", e.ID)
	h, err := held(ctx, s.db.R(), &w)
	if err != nil {
		return
	}
	today := s.Today()
	principal = Assess(h[e.ID], RolePrincipal, today)
	ws, _, err := s.Warnings(ctx, p, WarningFilter{EnterpriseID: e.ID, Limit: 1})
	if err == nil && len(ws) > 0 && ws[0].ClearedOn.IsZero() {
		open = &ws[0]
	}
	return
}
