package certificate

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
	"yingji/internal/kit/crypt"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/person"
	"yingji/internal/kit/store"
)

// Recipients returns the users to notify about an enterprise: its
// enterprise accounts, and the staff of its supervising section.
type Recipients func(ctx context.Context, countyCode, enterpriseID, sectionID string) (enterpriseUsers, sectionUsers []string, err error)

// Service reads and changes certificates within the caller's scope. The
// enterprises are read through the enterprise service.
type Service struct {
	db         *store.DB
	ent        *enterprise.Service
	notify     *notify.Service
	now        func() time.Time
	recipients Recipients
	sealer     *crypt.Sealer // seals ID numbers at rest (nil: plain)
}

// WithSealer makes the service seal ID numbers at rest (nil: plain, for
// tests of other parts); it returns s.
func (s *Service) WithSealer(x *crypt.Sealer) *Service {
	s.sealer = x
	return s
}

// sealID and indexID prepare an ID number for storage; openID reads it.
func (s *Service) sealID(id string) string  { return person.Seal(s.sealer, id) }
func (s *Service) indexID(id string) string { return person.Index(s.sealer, id) }

func (s *Service) openID(c *Certificate) error {
	plain, err := person.Open(s.sealer, c.IDNumber)
	if err != nil {
		return fmt.Errorf("certificate %s: %w", c.ID, err)
	}
	c.IDNumber = plain
	return nil
}

// scan reads a row and opens its sealed ID number.
func (s *Service) scan(row interface{ Scan(...any) error }) (Certificate, error) {
	c, err := scan(row)
	if err == nil {
		err = s.openID(&c)
	}
	return c, err
}

// New returns a Service. recipients may be nil (nobody is notified).
func New(db *store.DB, ent *enterprise.Service, n *notify.Service, now func() time.Time, recipients Recipients) *Service {
	if recipients == nil {
		recipients = func(context.Context, string, string, string) ([]string, []string, error) { return nil, nil, nil }
	}
	return &Service{db: db, ent: ent, notify: n, now: now, recipients: recipients}
}

// Today is the service's current Shanghai calendar date.
func (s *Service) Today() Date { return Today(s.now()) }

// Who may do what. Scope (which enterprises) comes from the enterprise
// package; these add the role.

// CanEdit reports whether p may record and change certificates of e:
// administrators, the sections supervising e, and e's own accounts (whose
// entries wait for the section's check).
func CanEdit(p *auth.Principal, e enterprise.Enterprise) bool {
	return p.Is(auth.RoleAdmin, auth.RoleSection, auth.RoleEnterprise) && enterprise.CanSee(p, e)
}

// CanCheck reports whether p may verify and revoke certificates of e,
// warn e and record e in the survey: administrators and the supervising
// sections.
func CanCheck(p *auth.Principal, e enterprise.Enterprise) bool {
	return p.Is(auth.RoleAdmin, auth.RoleSection) && enterprise.CanSee(p, e)
}

// SeesFullID reports whether p sees full ID numbers of the certificates
// in its scope: administrators, section staff (their sectors) and an
// enterprise account (its own people). Everyone else sees 3401**********1234.
func SeesFullID(p *auth.Principal) bool {
	return p.Is(auth.RoleAdmin, auth.RoleSection, auth.RoleEnterprise)
}

const cols = `id, county_code, enterprise_id, person_name, id_number, person_role, kind, category, number, authority,
	issued_on, expires_on, review_due_on, valid_until, revoked, revoked_on, revoke_reason, verified, note, created_at, updated_at`

func scan(row interface{ Scan(...any) error }) (Certificate, error) {
	var c Certificate
	err := row.Scan(&c.ID, &c.CountyCode, &c.EnterpriseID, &c.PersonName, &c.IDNumber, &c.PersonRole, &c.Kind, &c.Category,
		&c.Number, &c.Authority, &c.IssuedOn, &c.ExpiresOn, &c.ReviewDueOn, &c.ValidUntil, &c.Revoked, &c.RevokedOn,
		&c.RevokeReason, &c.Verified, &c.Note, &c.CreatedAt, &c.UpdatedAt)
	return c, err
}

// forReader masks the ID number unless p may see it, and with it every
// field that may embed one: the 特种作业操作证 number is the holder's ID
// number with a T in front, and notes are free text.
func forReader(p *auth.Principal, c Certificate) Certificate {
	if SeesFullID(p) {
		return c
	}
	return masked(c)
}

// masked is c with its ID number and every ID number embedded in its
// other fields masked (person.MaskID, person.MaskIDsIn).
func masked(c Certificate) Certificate {
	if !c.IDMasked {
		c.IDNumber, c.IDMasked = person.MaskID(c.IDNumber), true
	}
	c.Number, c.Note, c.RevokeReason = person.MaskIDsIn(c.Number), person.MaskIDsIn(c.Note), person.MaskIDsIn(c.RevokeReason)
	return c
}

// audited is the certificate as written to the audit log: the ID number
// (and any field embedding one) is masked there too, as leaders read the
// log.
func audited(c Certificate) Certificate { return masked(c) }

// renewalFor masks the ID numbers a renewal's certificate numbers and
// note embed unless p may see them.
func renewalFor(p *auth.Principal, r Renewal) Renewal {
	if SeesFullID(p) {
		return r
	}
	return auditedRenewal(r)
}

// auditedRenewal is a renewal with every embedded ID number masked.
func auditedRenewal(r Renewal) Renewal {
	r.OldNumber, r.NewNumber, r.Note = person.MaskIDsIn(r.OldNumber), person.MaskIDsIn(r.NewNumber), person.MaskIDsIn(r.Note)
	return r
}

// Filter selects certificates for the list and the export.
type Filter struct {
	Q              string // person name, certificate number or ID number
	Kind           string
	PersonRole     string
	Status         string // valid | expiring | expired | revoked
	Within         int    // ending within this many days (not yet ended)
	EnterpriseID   string
	EnterpriseName string
	Town           string
	Sector         string
	Pending        bool // entered by enterprises, not yet checked
	Limit, Offset  int
}

// where builds the conditions of f for p on day today.
func (s *Service) where(ctx context.Context, p *auth.Principal, f Filter, today Date) (*store.Where, error) {
	var w store.Where
	w.Add("county_code = ?", p.CountyCode)
	enterprise.ScopeSubquery(p, &w, "enterprise_id")
	if q := strings.TrimSpace(f.Q); q != "" {
		w.Add(`(person_name LIKE ? ESCAPE '\' OR number = ? OR id_index = ?)`, store.Like(q), q, s.indexID(person.NormalizeID(q)))
	}
	if f.Kind != "" {
		w.Add("kind = ?", f.Kind)
	}
	if f.PersonRole != "" {
		w.Add("person_role = ?", f.PersonRole)
	}
	switch f.Status {
	case StatusRevoked:
		w.Add("revoked = ?", true)
	case StatusExpired:
		w.Add("revoked = ? AND valid_until < ?", false, today)
	case StatusExpiring:
		w.Add("revoked = ? AND valid_until >= ? AND valid_until <= ?", false, today, today.AddDays(ExpiringDays))
	case StatusValid:
		w.Add("revoked = ? AND valid_until > ?", false, today.AddDays(ExpiringDays))
	}
	if f.Within > 0 {
		w.Add("revoked = ? AND valid_until >= ? AND valid_until <= ?", false, today, today.AddDays(f.Within))
	}
	if f.EnterpriseID != "" {
		w.Add("enterprise_id = ?", f.EnterpriseID)
	}
	if f.Pending {
		w.Add("verified = ?", false)
	}
	if f.EnterpriseName != "" || f.Town != "" || f.Sector != "" {
		var idList []string
		err := s.ent.Each(ctx, p, enterprise.Filter{Q: f.EnterpriseName, Town: f.Town, Sector: f.Sector}, func(e enterprise.Enterprise) error {
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

// listOrder is the list's order: certificates still valid first, the
// soonest to end at the top; then the expired ones, the latest to end
// first; revoked ones last.
func listOrder(w *store.Where, today Date) string {
	t := w.Arg(today)
	return `revoked, CASE WHEN valid_until < ` + t + ` THEN 1 ELSE 0 END, CASE WHEN valid_until < ` + t + ` THEN '' ELSE valid_until END,
		valid_until DESC, person_name, id`
}

// List returns a page of certificates in scope matching f and the total
// count.
func (s *Service) List(ctx context.Context, p *auth.Principal, f Filter) ([]Certificate, int, error) {
	w, err := s.where(ctx, p, f, s.Today())
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM certificate`+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count certificates: %w", err)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 50
	}
	lim, off := w.Arg(f.Limit), w.Arg(f.Offset)
	rows, err := s.db.R().QueryContext(ctx, `SELECT `+cols+` FROM certificate`+w.SQL()+
		` ORDER BY `+listOrder(w, s.Today())+` LIMIT `+lim+` OFFSET `+off, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("list certificates: %w", err)
	}
	defer rows.Close()
	var out []Certificate
	for rows.Next() {
		c, err := s.scan(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("list certificates: %w", err)
		}
		out = append(out, forReader(p, c))
	}
	return out, total, rows.Err()
}

// Each streams every certificate in scope matching f (export) in list
// order.
func (s *Service) Each(ctx context.Context, p *auth.Principal, f Filter, fn func(Certificate) error) error {
	w, err := s.where(ctx, p, f, s.Today())
	if err != nil {
		return err
	}
	rows, err := s.db.R().QueryContext(ctx, `SELECT `+cols+` FROM certificate`+w.SQL()+` ORDER BY `+listOrder(w, s.Today()), w.Args()...)
	if err != nil {
		return fmt.Errorf("certificates: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := s.scan(rows)
		if err != nil {
			return fmt.Errorf("certificates: %w", err)
		}
		if err := fn(forReader(p, c)); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Count returns the number of certificates in scope matching f.
func (s *Service) Count(ctx context.Context, p *auth.Principal, f Filter) (int, error) {
	w, err := s.where(ctx, p, f, s.Today())
	if err != nil {
		return 0, err
	}
	var n int
	err = s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM certificate`+w.SQL(), w.Args()...).Scan(&n)
	return n, err
}

func (s *Service) get(ctx context.Context, q store.Querier, id string) (Certificate, error) {
	c, err := s.scan(q.QueryRowContext(ctx, `SELECT `+cols+` FROM certificate WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Certificate{}, errs.New(errs.NotFound, "not_found")
	}
	if err != nil {
		return Certificate{}, fmt.Errorf("certificate: %w", err)
	}
	return c, nil
}

// enterpriseOf returns the enterprise of a certificate if p may see it.
// An enterprise account reaching for another enterprise gets Forbidden
// (the caller audits the attempt); anyone else out of scope NotFound.
func (s *Service) enterpriseOf(ctx context.Context, p *auth.Principal, enterpriseID string) (enterprise.Enterprise, error) {
	if p.Role == auth.RoleEnterprise && enterpriseID != p.EnterpriseID {
		return enterprise.Enterprise{}, errs.New(errs.Forbidden, "certificate.other_forbidden")
	}
	return s.ent.Get(ctx, p, enterpriseID)
}

// Get returns one certificate in scope and its enterprise.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id string) (Certificate, enterprise.Enterprise, error) {
	c, err := s.get(ctx, s.db.R(), id)
	if err != nil {
		return c, enterprise.Enterprise{}, err
	}
	if c.CountyCode != p.CountyCode {
		return Certificate{}, enterprise.Enterprise{}, errs.OutOfScope("certificate", id)
	}
	e, err := s.enterpriseOf(ctx, p, c.EnterpriseID)
	if err != nil {
		return Certificate{}, e, errs.Rescope(err, "certificate", id)
	}
	return forReader(p, c), e, nil
}

// Renewals returns a certificate's renewals and reviews, oldest first.
func (s *Service) Renewals(ctx context.Context, p *auth.Principal, id string) ([]Renewal, error) {
	if _, _, err := s.Get(ctx, p, id); err != nil {
		return nil, err
	}
	rows, err := s.db.R().QueryContext(ctx, `SELECT id, certificate_id, kind, done_on, old_number, old_issued_on, old_expires_on, old_review_due_on,
		new_number, new_issued_on, new_expires_on, new_review_due_on, note, recorded_by, recorded_by_name, recorded_at
		FROM certificate_renewal WHERE certificate_id = $1 ORDER BY done_on, recorded_at`, id)
	if err != nil {
		return nil, fmt.Errorf("renewals: %w", err)
	}
	defer rows.Close()
	var out []Renewal
	for rows.Next() {
		var r Renewal
		if err := rows.Scan(&r.ID, &r.CertificateID, &r.Kind, &r.DoneOn, &r.OldNumber, &r.OldIssuedOn, &r.OldExpiresOn, &r.OldReviewDueOn,
			&r.NewNumber, &r.NewIssuedOn, &r.NewExpiresOn, &r.NewReviewDueOn, &r.Note, &r.RecordedBy, &r.RecordedByName, &r.RecordedAt); err != nil {
			return nil, fmt.Errorf("renewals: %w", err)
		}
		out = append(out, renewalFor(p, r))
	}
	return out, rows.Err()
}

// Create records a certificate. One entered by an enterprise account
// waits for the section's check (Verified false).
func (s *Service) Create(ctx context.Context, p *auth.Principal, c Certificate) (Certificate, error) {
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		c, err = s.createTx(ctx, tx, p, c)
		return err
	})
	return c, err
}

func (s *Service) createTx(ctx context.Context, tx *store.Tx, p *auth.Principal, c Certificate) (Certificate, error) {
	today := s.Today()
	c.CountyCode, c.Revoked, c.RevokedOn, c.RevokeReason, c.IDMasked = p.CountyCode, false, Date{}, "", false
	if err := Validate(&c, today); err != nil {
		return c, err
	}
	e, err := s.enterpriseOf(ctx, p, c.EnterpriseID)
	if errs.Is(err, errs.NotFound) {
		return c, errs.Field("enterprise_id", "certificate.enterprise_unknown", nil)
	}
	if err != nil {
		return c, err
	}
	if !CanEdit(p, e) {
		return c, errs.New(errs.Forbidden, "forbidden")
	}
	now := s.now().UTC()
	if c.ID == "" {
		c.ID = ids.New()
	}
	c.Verified = p.Role != auth.RoleEnterprise
	c.CreatedAt, c.UpdatedAt = now, now
	if err := s.insert(ctx, tx, c); err != nil {
		return c, err
	}
	if err := audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "certificate", EntityID: c.ID, Action: "create", After: audited(c)}); err != nil {
		return c, err
	}
	return c, s.settle(ctx, tx, p, c.EnterpriseID, c.ID, today)
}

func (s *Service) insert(ctx context.Context, tx *store.Tx, c Certificate) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO certificate (`+cols+`, id_index) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22)`,
		c.ID, c.CountyCode, c.EnterpriseID, c.PersonName, s.sealID(c.IDNumber), c.PersonRole, c.Kind, c.Category, c.Number, c.Authority,
		c.IssuedOn, c.ExpiresOn, c.ReviewDueOn, c.ValidUntil, c.Revoked, c.RevokedOn, c.RevokeReason, c.Verified, c.Note, c.CreatedAt, c.UpdatedAt,
		s.indexID(c.IDNumber))
	if store.IsUniqueViolation(err) {
		return errs.Field("number", "certificate.number_taken", map[string]any{"Number": c.Number})
	}
	if err != nil {
		return fmt.Errorf("insert certificate: %w", err)
	}
	return nil
}

// editable loads a certificate for a change by p inside tx.
func (s *Service) editable(ctx context.Context, tx *store.Tx, p *auth.Principal, id string, check bool) (Certificate, enterprise.Enterprise, error) {
	c, err := s.get(ctx, tx, id)
	if err != nil {
		return c, enterprise.Enterprise{}, err
	}
	if c.CountyCode != p.CountyCode {
		return c, enterprise.Enterprise{}, errs.OutOfScope("certificate", id)
	}
	e, err := s.enterpriseOf(ctx, p, c.EnterpriseID)
	if err != nil {
		return c, e, errs.Rescope(err, "certificate", id)
	}
	if (check && !CanCheck(p, e)) || (!check && !CanEdit(p, e)) {
		return c, e, errs.New(errs.Forbidden, "forbidden")
	}
	return c, e, nil
}

// Update changes a certificate's recorded fields (not its revocation:
// see Revoke). Saved by an enterprise account it waits for the section's
// check again; saved by the section it counts as checked.
func (s *Service) Update(ctx context.Context, p *auth.Principal, id string, in Certificate) (Certificate, error) {
	var out Certificate
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		before, _, err := s.editable(ctx, tx, p, id, false)
		if err != nil {
			return err
		}
		today := s.Today()
		in.ID, in.CountyCode, in.CreatedAt, in.IDMasked = before.ID, before.CountyCode, before.CreatedAt, false
		in.Revoked, in.RevokedOn, in.RevokeReason = before.Revoked, before.RevokedOn, before.RevokeReason
		if err := Validate(&in, today); err != nil {
			return err
		}
		if in.EnterpriseID != before.EnterpriseID {
			e, err := s.enterpriseOf(ctx, p, in.EnterpriseID)
			if errs.Is(err, errs.NotFound) {
				return errs.Field("enterprise_id", "certificate.enterprise_unknown", nil)
			}
			if err != nil {
				return err
			}
			if !CanEdit(p, e) {
				return errs.Field("enterprise_id", "certificate.enterprise_not_yours", nil)
			}
		}
		in.Verified = p.Role != auth.RoleEnterprise
		in.UpdatedAt = before.UpdatedAt
		if in == before {
			out = forReader(p, before)
			return nil
		}
		now := s.now().UTC()
		in.UpdatedAt = now
		_, err = tx.ExecContext(ctx, `UPDATE certificate SET enterprise_id=$1, person_name=$2, id_number=$3, person_role=$4, kind=$5,
			category=$6, number=$7, authority=$8, issued_on=$9, expires_on=$10, review_due_on=$11, valid_until=$12, verified=$13,
			note=$14, updated_at=$15, id_index=$17 WHERE id=$16`,
			in.EnterpriseID, in.PersonName, s.sealID(in.IDNumber), in.PersonRole, in.Kind, in.Category, in.Number, in.Authority,
			in.IssuedOn, in.ExpiresOn, in.ReviewDueOn, in.ValidUntil, in.Verified, in.Note, now, in.ID, s.indexID(in.IDNumber))
		if store.IsUniqueViolation(err) {
			return errs.Field("number", "certificate.number_taken", map[string]any{"Number": in.Number})
		}
		if err != nil {
			return fmt.Errorf("update certificate: %w", err)
		}
		if err := audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "certificate", EntityID: in.ID, Action: "update",
			Before: audited(before), After: audited(in)}); err != nil {
			return err
		}
		if err := s.settle(ctx, tx, p, in.EnterpriseID, in.ID, today); err != nil {
			return err
		}
		out = forReader(p, in)
		return nil
	})
	return out, err
}

// Renew records a 续证/换证 or 复审 with the new dates, keeping the old
// ones in the renewal history.
func (s *Service) Renew(ctx context.Context, p *auth.Principal, id string, in RenewInput) (Certificate, error) {
	var out Certificate
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		before, _, err := s.editable(ctx, tx, p, id, false)
		if err != nil {
			return err
		}
		today := s.Today()
		after, r, err := ApplyRenewal(before, in, today)
		if err != nil {
			return err
		}
		if p.Role == auth.RoleEnterprise {
			after.Verified = false
		}
		now := s.now().UTC()
		after.UpdatedAt = now
		r.ID, r.RecordedBy, r.RecordedByName, r.RecordedAt = ids.New(), p.UserID, displayName(p), now
		_, err = tx.ExecContext(ctx, `UPDATE certificate SET number=$1, issued_on=$2, expires_on=$3, review_due_on=$4, valid_until=$5,
			verified=$6, updated_at=$7 WHERE id=$8`,
			after.Number, after.IssuedOn, after.ExpiresOn, after.ReviewDueOn, after.ValidUntil, after.Verified, now, after.ID)
		if store.IsUniqueViolation(err) {
			return errs.Field("number", "certificate.number_taken", map[string]any{"Number": after.Number})
		}
		if err != nil {
			return fmt.Errorf("renew certificate: %w", err)
		}
		if err := s.insertRenewal(ctx, tx, before.CountyCode, r); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "certificate", EntityID: after.ID, Action: r.Kind,
			Before: audited(before), After: auditedRenewal(r)}); err != nil {
			return err
		}
		if err := s.settle(ctx, tx, p, after.EnterpriseID, after.ID, today); err != nil {
			return err
		}
		out = forReader(p, after)
		return nil
	})
	return out, err
}

func (s *Service) insertRenewal(ctx context.Context, tx *store.Tx, county string, r Renewal) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO certificate_renewal (id, certificate_id, county_code, kind, done_on, old_number, old_issued_on,
		old_expires_on, old_review_due_on, new_number, new_issued_on, new_expires_on, new_review_due_on, note, recorded_by, recorded_by_name, recorded_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)`,
		r.ID, r.CertificateID, county, r.Kind, r.DoneOn, r.OldNumber, r.OldIssuedOn, r.OldExpiresOn, r.OldReviewDueOn,
		r.NewNumber, r.NewIssuedOn, r.NewExpiresOn, r.NewReviewDueOn, r.Note, r.RecordedBy, r.RecordedByName, r.RecordedAt)
	if err != nil {
		return fmt.Errorf("insert renewal: %w", err)
	}
	return nil
}

func displayName(p *auth.Principal) string {
	if p.DisplayName != "" {
		return p.DisplayName
	}
	return p.Username
}

// Verify marks a certificate entered by an enterprise as checked by the
// section.
func (s *Service) Verify(ctx context.Context, p *auth.Principal, id string) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		c, _, err := s.editable(ctx, tx, p, id, true)
		if err != nil || c.Verified {
			return err
		}
		now := s.now().UTC()
		if _, err := tx.ExecContext(ctx, `UPDATE certificate SET verified = $1, updated_at = $2 WHERE id = $3`, true, now, id); err != nil {
			return fmt.Errorf("verify certificate: %w", err)
		}
		if err := audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "certificate", EntityID: id, Action: "certificate_verify",
			Before: map[string]any{"verified": false}, After: map[string]any{"verified": true}}); err != nil {
			return err
		}
		return s.settle(ctx, tx, p, c.EnterpriseID, id, s.Today())
	})
}

// Revoke records a certificate's 注销 (cancelled by the issuer, the
// holder left the enterprise …) from today.
func (s *Service) Revoke(ctx context.Context, p *auth.Principal, id, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return errs.Field("reason", "certificate.revoke_reason_required", nil)
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		c, _, err := s.editable(ctx, tx, p, id, true)
		if err != nil {
			return err
		}
		if c.Revoked {
			return errs.New(errs.Conflict, "certificate.already_revoked")
		}
		now, today := s.now().UTC(), s.Today()
		if _, err := tx.ExecContext(ctx, `UPDATE certificate SET revoked = $1, revoked_on = $2, revoke_reason = $3, updated_at = $4 WHERE id = $5`,
			true, today, reason, now, id); err != nil {
			return fmt.Errorf("revoke certificate: %w", err)
		}
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "certificate", EntityID: id, Action: "revoke",
			Before: map[string]any{"revoked": false}, After: map[string]any{"revoked": true, "revoked_on": today, "reason": reason}})
	})
}

// RecordDenied audits a refused attempt of an enterprise account on
// another enterprise's certificate.
func (s *Service) RecordDenied(ctx context.Context, p *auth.Principal, id, action string) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		return audit.Record(ctx, tx, s.now(), p.Actor(), audit.Entry{Entity: "certificate", EntityID: id, Action: "denied",
			After: map[string]any{"attempt": action}})
	})
}

// held loads the competence certificates matching w (conditions on
// certificate columns) with the periods they covered, by enterprise.
func held(ctx context.Context, q store.Querier, w *store.Where) (map[string][]Held, error) {
	w.Add("kind = ?", KindCompetence)
	rows, err := q.QueryContext(ctx, `SELECT id, enterprise_id, person_role, person_name, issued_on, valid_until, revoked, revoked_on, verified
		FROM certificate`+w.SQL(), w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("held certificates: %w", err)
	}
	byID := map[string]*Held{}
	var order []string
	entOf := map[string]string{}
	for rows.Next() {
		var h Held
		var ent string
		var from, until Date
		if err := rows.Scan(&h.ID, &ent, &h.PersonRole, &h.PersonName, &from, &until, &h.Revoked, &h.RevokedOn, &h.Verified); err != nil {
			rows.Close()
			return nil, fmt.Errorf("held certificates: %w", err)
		}
		h.Periods = []Period{{From: from, Until: until}}
		byID[h.ID], entOf[h.ID] = &h, ent
		order = append(order, h.ID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := map[string][]Held{}
	if len(order) == 0 {
		return out, nil
	}
	// The periods before each renewal.
	rrows, err := q.QueryContext(ctx, `SELECT certificate_id, old_issued_on, old_expires_on FROM certificate_renewal
		WHERE kind = '`+RenewRenew+`' AND certificate_id IN (SELECT id FROM certificate`+w.SQL()+`)`, w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("renewal periods: %w", err)
	}
	defer rrows.Close()
	for rrows.Next() {
		var id string
		var p Period
		if err := rrows.Scan(&id, &p.From, &p.Until); err != nil {
			return nil, fmt.Errorf("renewal periods: %w", err)
		}
		if h := byID[id]; h != nil {
			h.Periods = append(h.Periods, p)
		}
	}
	if err := rrows.Err(); err != nil {
		return nil, err
	}
	for _, id := range order {
		out[entOf[id]] = append(out[entOf[id]], *byID[id])
	}
	return out, nil
}

// settle clears the enterprise's open warning once its principal and
// safety manager both hold a valid certificate on day (a warning clears
// when a valid certificate is recorded).
func (s *Service) settle(ctx context.Context, tx *store.Tx, p *auth.Principal, enterpriseID, certID string, day Date) error {
	var open Warning
	err := tx.QueryRowContext(ctx, `SELECT id, warned_on FROM certificate_warning WHERE open_key = $1`, enterpriseID).Scan(&open.ID, &open.WarnedOn)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open warning: %w", err)
	}
	var w store.Where
	w.Add("enterprise_id = ?", enterpriseID)
	h, err := held(ctx, tx, &w)
	if err != nil {
		return err
	}
	if Assess(h[enterpriseID], RolePrincipal, day).Missing || Assess(h[enterpriseID], RoleSafety, day).Missing {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE certificate_warning SET open_key = NULL, cleared_on = $1, cleared_by = $2 WHERE id = $3`,
		day, certID, open.ID); err != nil {
		return fmt.Errorf("clear warning: %w", err)
	}
	return audit.Record(ctx, tx, s.now(), p.Actor(), audit.Entry{Entity: "certificate_warning", EntityID: open.ID, Action: "clear",
		After: map[string]any{"cleared_on": day, "certificate_id": certID}})
}
