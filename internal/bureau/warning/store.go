package warning

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"yingji/internal/kit/errs"
	"yingji/internal/kit/store"
)

// All SQL of the warning and warning_recipient tables.

const warnCols = `id, county_code, COALESCE(identifier, ''), msg_type, ref_id, refs, source, wtype, level, towns, area_desc, departments, sectors,
	effective_at, expires_at, headline, description, instruction, headline_en, description_en, instruction_en, state, author_id, author_name,
	approver_id, approver_name, approved_at, published_at, closed_at, imported_from, created_at, updated_at`

type scanner interface{ Scan(...any) error }

func t0(n sql.NullTime) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return n.Time.UTC()
}

func nt(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func scanWarning(row scanner) (Warning, error) {
	var w Warning
	var towns, sectors string
	var eff, exp, appr, pub, closed sql.NullTime
	err := row.Scan(&w.ID, &w.CountyCode, &w.Identifier, &w.MsgType, &w.RefID, &w.References, &w.Source, &w.Type, &w.Level, &towns, &w.AreaDesc,
		&w.Departments, &sectors, &eff, &exp, &w.Headline, &w.Description, &w.Instruction, &w.HeadlineEN, &w.DescriptionEN, &w.InstructionEN,
		&w.State, &w.AuthorID, &w.AuthorName, &w.ApproverID, &w.ApproverName, &appr, &pub, &closed, &w.ImportedFrom, &w.CreatedAt, &w.UpdatedAt)
	w.Towns, w.Sectors = split(towns), split(sectors)
	w.EffectiveAt, w.ExpiresAt, w.ApprovedAt, w.PublishedAt, w.ClosedAt = t0(eff), t0(exp), t0(appr), t0(pub), t0(closed)
	w.CreatedAt, w.UpdatedAt = w.CreatedAt.UTC(), w.UpdatedAt.UTC()
	return w, err
}

func insertWarning(ctx context.Context, tx *store.Tx, w Warning) error {
	var ident any
	if w.Identifier != "" {
		ident = w.Identifier
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO warning (id, county_code, identifier, msg_type, ref_id, refs, source, wtype, level, towns, area_desc,
		departments, sectors, effective_at, expires_at, headline, description, instruction, headline_en, description_en, instruction_en, state,
		author_id, author_name, approver_id, approver_name, approved_at, published_at, closed_at, imported_from, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27,$28,$29,$30,$31,$32)`,
		w.ID, w.CountyCode, ident, w.MsgType, w.RefID, w.References, w.Source, w.Type, w.Level, strings.Join(w.Towns, ","), w.AreaDesc,
		w.Departments, strings.Join(w.Sectors, ","), nt(w.EffectiveAt), nt(w.ExpiresAt), w.Headline, w.Description, w.Instruction, w.HeadlineEN,
		w.DescriptionEN, w.InstructionEN, w.State, w.AuthorID, w.AuthorName, w.ApproverID, w.ApproverName, nt(w.ApprovedAt), nt(w.PublishedAt),
		nt(w.ClosedAt), w.ImportedFrom, w.CreatedAt.UTC(), w.UpdatedAt.UTC())
	if err != nil {
		return fmt.Errorf("insert warning: %w", err)
	}
	return nil
}

// saveState writes the fields a step changes.
func saveState(ctx context.Context, tx *store.Tx, w Warning) error {
	var ident any
	if w.Identifier != "" {
		ident = w.Identifier
	}
	_, err := tx.ExecContext(ctx, `UPDATE warning SET state = $2, identifier = $3, approver_id = $4, approver_name = $5, approved_at = $6,
		published_at = $7, closed_at = $8, updated_at = $9 WHERE id = $1`,
		w.ID, w.State, ident, w.ApproverID, w.ApproverName, nt(w.ApprovedAt), nt(w.PublishedAt), nt(w.ClosedAt), w.UpdatedAt.UTC())
	if store.IsUniqueViolation(err) {
		return errIdentifierTaken
	}
	if err != nil {
		return fmt.Errorf("update warning: %w", err)
	}
	return nil
}

var errIdentifierTaken = errors.New("identifier taken")

func getWarning(ctx context.Context, q store.Querier, id string) (Warning, error) {
	w, err := scanWarning(q.QueryRowContext(ctx, `SELECT `+warnCols+` FROM warning WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Warning{}, errs.New(errs.NotFound, "not_found")
	}
	if err != nil {
		return Warning{}, fmt.Errorf("warning: %w", err)
	}
	return w, nil
}

const recCols = `id, warning_id, kind, ref, name, users, notified_at, reminders, reminded_at, escalated_at, acked_at, acked_by, acked_via`

func scanRecipient(row scanner) (Recipient, error) {
	var r Recipient
	var rem, esc, ack sql.NullTime
	err := row.Scan(&r.ID, &r.WarningID, &r.Kind, &r.Ref, &r.Name, &r.Users, &r.NotifiedAt, &r.Reminders, &rem, &esc, &ack, &r.AckedBy, &r.AckedVia)
	r.NotifiedAt = r.NotifiedAt.UTC()
	r.RemindedAt, r.EscalatedAt, r.AckedAt = t0(rem), t0(esc), t0(ack)
	return r, err
}

func recipientsOf(ctx context.Context, q store.Querier, warningID string) ([]Recipient, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+recCols+` FROM warning_recipient WHERE warning_id = $1
		ORDER BY CASE kind WHEN 'town' THEN 0 WHEN 'department' THEN 1 ELSE 2 END, name, id`, warningID)
	if err != nil {
		return nil, fmt.Errorf("recipients: %w", err)
	}
	defer rows.Close()
	var out []Recipient
	for rows.Next() {
		r, err := scanRecipient(rows)
		if err != nil {
			return nil, fmt.Errorf("recipients: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
