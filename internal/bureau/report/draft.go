package report

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/store"
)

// Draft is one saved version of a period report's narrative: the
// paragraphs staff write around the computed figures, by section. The
// figures themselves are never stored: they are computed from the
// records whenever the report is shown or exported.
type Draft struct {
	ID        string            `json:"id"`
	From      string            `json:"from"`
	To        string            `json:"to"`
	Region    string            `json:"region,omitempty"`
	Version   int               `json:"version"`
	Title     string            `json:"title"`
	Narrative map[string]string `json:"narrative"`
	CreatedBy string            `json:"created_by"`
	Creator   string            `json:"creator"`
	CreatedAt time.Time         `json:"created_at"`
}

// Limits of a draft.
const (
	MaxTitle     = 100
	MaxParagraph = 5000
)

// Drafts keeps the report drafts.
type Drafts struct {
	DB  *store.DB
	Now func() time.Time
}

// validate checks a draft's fields (Sections are the only keys a
// narrative may have, plus "intro" and "outro").
func (d *Draft) validate() error {
	var fe errs.FieldErrors
	d.Title = strings.TrimSpace(d.Title)
	if d.Title == "" {
		fe = append(fe, errs.Field("title", "report.title_required", nil))
	} else if utf8.RuneCountInString(d.Title) > MaxTitle {
		fe = append(fe, errs.Field("title", "report.too_long", map[string]any{"Max": MaxTitle}))
	}
	clean := map[string]string{}
	for k, v := range d.Narrative {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if !knownSection(k) {
			fe = append(fe, errs.Field("narrative."+k, "report.unknown_section", nil))
			continue
		}
		if utf8.RuneCountInString(v) > MaxParagraph {
			fe = append(fe, errs.Field("narrative."+k, "report.too_long", map[string]any{"Max": MaxParagraph}))
		}
		clean[k] = v
	}
	d.Narrative = clean
	return fe.Err()
}

func knownSection(k string) bool {
	if k == "intro" || k == "outro" || k == "other" {
		return true
	}
	for _, s := range Sections {
		if s == k {
			return true
		}
	}
	return false
}

// Save stores a new version of the draft of d's period and region.
func (s *Drafts) Save(ctx context.Context, p *auth.Principal, d Draft) (Draft, error) {
	if err := d.validate(); err != nil {
		return Draft{}, err
	}
	now := s.Now()
	d.ID, d.CreatedBy, d.Creator, d.CreatedAt = ids.New(), p.UserID, p.DisplayName, now
	text, err := json.Marshal(d.Narrative)
	if err != nil {
		return Draft{}, err
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(max(version), 0) + 1 FROM report_draft
			WHERE county_code = $1 AND period_from = $2 AND period_to = $3 AND region = $4`, p.CountyCode, d.From, d.To, d.Region).Scan(&d.Version); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO report_draft (id, county_code, period_from, period_to, region, version, title, narrative, created_by, creator, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, d.ID, p.CountyCode, d.From, d.To, d.Region, d.Version, d.Title, string(text),
			d.CreatedBy, d.Creator, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "report_draft", EntityID: d.ID, Action: "create",
			After: map[string]any{"from": d.From, "to": d.To, "region": d.Region, "version": d.Version, "title": d.Title}})
	})
	if err != nil {
		return Draft{}, fmt.Errorf("save report draft: %w", err)
	}
	return d, nil
}

// Versions lists the saved versions of a period's report, newest first.
func (s *Drafts) Versions(ctx context.Context, p *auth.Principal, from, to, region string) ([]Draft, error) {
	out, err := store.QueryAll(ctx, s.DB.R(), func(r *sql.Rows) (Draft, error) { return scanDraft(r) }, `SELECT `+draftCols+` FROM report_draft
		WHERE county_code = $1 AND period_from = $2 AND period_to = $3 AND region = $4 ORDER BY version DESC`, p.CountyCode, from, to, region)
	if err != nil {
		return nil, fmt.Errorf("report drafts: %w", err)
	}
	return out, nil
}

// Get returns one version.
func (s *Drafts) Get(ctx context.Context, p *auth.Principal, id string) (Draft, error) {
	d, err := scanDraft(s.DB.R().QueryRowContext(ctx, `SELECT `+draftCols+` FROM report_draft WHERE id = $1 AND county_code = $2`, id, p.CountyCode))
	if errors.Is(err, sql.ErrNoRows) {
		return Draft{}, errs.New(errs.NotFound, "not_found")
	}
	return d, err
}

const draftCols = `id, period_from, period_to, region, version, title, narrative, created_by, creator, created_at`

func scanDraft(r interface{ Scan(...any) error }) (Draft, error) {
	var d Draft
	var text string
	if err := r.Scan(&d.ID, &d.From, &d.To, &d.Region, &d.Version, &d.Title, &text, &d.CreatedBy, &d.Creator, &d.CreatedAt); err != nil {
		return Draft{}, err
	}
	if err := json.Unmarshal([]byte(text), &d.Narrative); err != nil {
		return Draft{}, fmt.Errorf("report draft %s: %w", d.ID, err)
	}
	return d, nil
}
