package warning

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/store"
)

// Unit is a unit a warning goes to, with the accounts to notify.
type Unit struct {
	Kind    string
	Ref     string
	Name    string
	UserIDs []string
}

// Resolver finds the units of a warning's area: the town governments of
// its towns, the member departments when asked, and the enterprises of
// the chosen sectors in its towns (through the auth, org and enterprise
// services, wired in the app).
type Resolver func(ctx context.Context, county string, w Warning) ([]Unit, error)

// Towns lists a county's towns (region code → name).
type Towns func(ctx context.Context, county string) (map[string]string, error)

// Config holds the reminder settings (zero: defaults).
type Config struct {
	// RemindAfter is how long an unacknowledged unit waits before the
	// first reminder, and between reminders (default 1 h).
	RemindAfter time.Duration
	// EscalateAfter reminders without 签收 raise the unit to the author
	// and the approver (default 2).
	EscalateAfter int
}

// Service runs the warnings desk.
type Service struct {
	db      *store.DB
	notify  *notify.Service
	now     func() time.Time
	resolve Resolver
	towns   Towns
	cfg     Config
}

// New returns a Service. resolve and towns may be nil (no recipients, no
// town check: tests of other parts).
func New(db *store.DB, n *notify.Service, now func() time.Time, resolve Resolver, towns Towns, cfg Config) *Service {
	if resolve == nil {
		resolve = func(context.Context, string, Warning) ([]Unit, error) { return nil, nil }
	}
	if towns == nil {
		towns = func(context.Context, string) (map[string]string, error) { return nil, nil }
	}
	if cfg.RemindAfter <= 0 {
		cfg.RemindAfter = time.Hour
	}
	if cfg.EscalateAfter <= 0 {
		cfg.EscalateAfter = 2
	}
	return &Service{db: db, notify: n, now: now, resolve: resolve, towns: towns, cfg: cfg}
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Who may do what.

// CanDraft: the duty officers, section staff and administrators draft
// warnings (and updates, cancels and imports).
func CanDraft(p *auth.Principal) bool {
	return p.Is(auth.RoleAdmin, auth.RoleDuty, auth.RoleSection)
}

// CanApprove: the bureau leaders (and administrators) approve.
func CanApprove(p *auth.Principal) bool { return p.Is(auth.RoleAdmin, auth.RoleLeader) }

// CanPublish: whoever may draft or approve publishes an approved warning.
func CanPublish(p *auth.Principal) bool { return CanDraft(p) || CanApprove(p) }

// Staff sees every warning of the county; the receiving units (towns,
// departments, enterprises) see the published warnings sent to them.
func Staff(p *auth.Principal) bool {
	return p.Is(auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer, auth.RoleDuty, auth.RoleReadOnly)
}

// unitOf is the recipient kind and ref a receiving account acts for.
func unitOf(p *auth.Principal) (kind, ref string) {
	switch p.Role {
	case auth.RoleTown:
		// Village staff act for their town (the region code's first 9 digits).
		if len(p.RegionCode) > 9 {
			return RecipientTown, p.RegionCode[:9]
		}
		return RecipientTown, p.RegionCode
	case auth.RoleDepartment:
		return RecipientDepartment, p.UnitID
	case auth.RoleEnterprise:
		return RecipientEnterprise, p.EnterpriseID
	}
	return "", ""
}

// Filter selects warnings.
type Filter struct {
	State    string
	Type     string
	Level    string
	MsgType  string
	From     time.Time // published at or after
	To       time.Time // published before
	Active   bool      // in force now
	Open     bool      // with units yet to acknowledge
	MineOpen bool      // not yet acknowledged by the caller's own unit
	Q        string
	Limit    int
	Offset   int
}

func (s *Service) where(p *auth.Principal, f Filter) *store.Where {
	var w store.Where
	w.Add("county_code = ?", p.CountyCode)
	if !Staff(p) {
		kind, ref := unitOf(p)
		w.Add("state IN ('published', 'superseded', 'cancelled') AND EXISTS (SELECT 1 FROM warning_recipient r WHERE r.warning_id = warning.id AND r.kind = ? AND r.ref = ?)", kind, ref)
	}
	if f.State != "" {
		w.Add("state = ?", f.State)
	}
	if f.Type != "" {
		w.Add("wtype = ?", f.Type)
	}
	if f.Level != "" {
		w.Add("level = ?", f.Level)
	}
	if f.MsgType != "" {
		w.Add("msg_type = ?", f.MsgType)
	}
	if !f.From.IsZero() {
		w.Add("published_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		w.Add("published_at < ?", f.To.UTC())
	}
	if f.Active {
		w.Add("state = 'published' AND msg_type <> 'Cancel' AND expires_at > ?", s.clock())
	}
	if f.Open {
		w.Add("EXISTS (SELECT 1 FROM warning_recipient r WHERE r.warning_id = warning.id AND r.acked_at IS NULL)")
	}
	if f.MineOpen {
		kind, ref := unitOf(p)
		w.Add("EXISTS (SELECT 1 FROM warning_recipient r WHERE r.warning_id = warning.id AND r.kind = ? AND r.ref = ? AND r.acked_at IS NULL)", kind, ref)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		w.Add(`(headline LIKE ? ESCAPE '\' OR identifier = ? OR source LIKE ? ESCAPE '\')`, store.Like(q), q, store.Like(q))
	}
	return &w
}

// List returns a page of warnings, the newest first, and the total.
func (s *Service) List(ctx context.Context, p *auth.Principal, f Filter) ([]Warning, int, error) {
	w := s.where(p, f)
	var total int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM warning`+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count warnings: %w", err)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 50
	}
	lim, off := w.Arg(f.Limit), w.Arg(f.Offset)
	out, err := s.query(ctx, `SELECT `+warnCols+` FROM warning`+w.SQL()+` ORDER BY COALESCE(published_at, created_at) DESC, id DESC LIMIT `+lim+` OFFSET `+off, w.Args()...)
	return out, total, err
}

// Each streams the warnings matching f, the oldest published first.
func (s *Service) Each(ctx context.Context, p *auth.Principal, f Filter, fn func(Warning) error) error {
	w := s.where(p, f)
	list, err := s.query(ctx, `SELECT `+warnCols+` FROM warning`+w.SQL()+` ORDER BY COALESCE(published_at, created_at), id`, w.Args()...)
	if err != nil {
		return err
	}
	for _, x := range list {
		if err := fn(x); err != nil {
			return err
		}
	}
	return nil
}

// Count returns the number of warnings matching f, with their IDs when
// ids is set.
func (s *Service) Count(ctx context.Context, p *auth.Principal, f Filter, withIDs bool) (int, []string, error) {
	w := s.where(p, f)
	rows, err := s.db.R().QueryContext(ctx, `SELECT id FROM warning`+w.SQL()+` ORDER BY published_at, id`, w.Args()...)
	if err != nil {
		return 0, nil, fmt.Errorf("count warnings: %w", err)
	}
	defer rows.Close()
	n := 0
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return 0, nil, err
		}
		n++
		if withIDs {
			out = append(out, id)
		}
	}
	return n, out, rows.Err()
}

func (s *Service) query(ctx context.Context, q string, args ...any) ([]Warning, error) {
	rows, err := s.db.R().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("warnings: %w", err)
	}
	defer rows.Close()
	var out []Warning
	for rows.Next() {
		w, err := scanWarning(rows)
		if err != nil {
			return nil, fmt.Errorf("warnings: %w", err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// visible loads a warning p may read (404 otherwise).
func (s *Service) visible(ctx context.Context, q store.Querier, p *auth.Principal, id string) (Warning, error) {
	w, err := getWarning(ctx, q, id)
	if err != nil {
		return w, err
	}
	if w.CountyCode != p.CountyCode {
		return Warning{}, errs.OutOfScope("warning", id)
	}
	if Staff(p) {
		return w, nil
	}
	kind, ref := unitOf(p)
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM warning_recipient WHERE warning_id = $1 AND kind = $2 AND ref = $3`, id, kind, ref).Scan(&n); err != nil {
		return Warning{}, err
	}
	if n == 0 || w.State == StateDraft || w.State == StateApproved {
		return Warning{}, errs.OutOfScope("warning", id)
	}
	return w, nil
}

// Get returns a warning p may read.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id string) (Warning, error) {
	return s.visible(ctx, s.db.R(), p, id)
}

// Recipients returns a warning's units and their 签收 (a receiving unit
// sees its own row only).
func (s *Service) Recipients(ctx context.Context, p *auth.Principal, id string) ([]Recipient, error) {
	if _, err := s.Get(ctx, p, id); err != nil {
		return nil, err
	}
	list, err := recipientsOf(ctx, s.db.R(), id)
	if err != nil || Staff(p) {
		return list, err
	}
	kind, ref := unitOf(p)
	var mine []Recipient
	for _, r := range list {
		if r.Kind == kind && r.Ref == ref {
			mine = append(mine, r)
		}
	}
	return mine, nil
}

// FollowUps returns the updates and cancels referring to a warning.
func (s *Service) FollowUps(ctx context.Context, p *auth.Principal, id string) ([]Warning, error) {
	if _, err := s.Get(ctx, p, id); err != nil {
		return nil, err
	}
	all, err := s.query(ctx, `SELECT `+warnCols+` FROM warning WHERE ref_id = $1 ORDER BY created_at, id`, id)
	if err != nil || Staff(p) {
		return all, err
	}
	var out []Warning
	for _, w := range all {
		if _, err := s.Get(ctx, p, w.ID); err == nil {
			out = append(out, w)
		}
	}
	return out, nil
}

func (s *Service) knownTown(ctx context.Context, county string) (func(string) bool, map[string]string, error) {
	towns, err := s.towns(ctx, county)
	if err != nil {
		return nil, nil, err
	}
	if towns == nil {
		return nil, nil, nil
	}
	return func(c string) bool { _, ok := towns[c]; return ok }, towns, nil
}

// Draft records a new warning (草稿) by p.
func (s *Service) Draft(ctx context.Context, p *auth.Principal, w Warning) (Warning, error) {
	return s.draftAt(ctx, p, w, s.clock())
}

func (s *Service) draftAt(ctx context.Context, p *auth.Principal, w Warning, now time.Time) (Warning, error) {
	if !CanDraft(p) {
		return w, errs.New(errs.Forbidden, "forbidden")
	}
	known, _, err := s.knownTown(ctx, p.CountyCode)
	if err != nil {
		return w, err
	}
	w.MsgType, w.RefID, w.References, w.ImportedFrom = MsgAlert, "", "", ""
	if err := Validate(&w, now, known); err != nil {
		return w, err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		w, err = s.draftTx(ctx, tx, p, w, now, "create")
		return err
	})
	return w, err
}

func (s *Service) draftTx(ctx context.Context, tx *store.Tx, p *auth.Principal, w Warning, now time.Time, action string) (Warning, error) {
	if w.ID == "" {
		w.ID = ids.New()
	}
	w.CountyCode, w.State, w.Identifier = p.CountyCode, StateDraft, ""
	w.AuthorID, w.AuthorName = p.UserID, name(p)
	w.ApproverID, w.ApproverName, w.ApprovedAt, w.PublishedAt, w.ClosedAt = "", "", time.Time{}, time.Time{}, time.Time{}
	w.CreatedAt, w.UpdatedAt = now, now
	if err := insertWarning(ctx, tx, w); err != nil {
		return w, err
	}
	return w, audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "warning", EntityID: w.ID, Action: action, After: w})
}

func name(p *auth.Principal) string {
	if p.DisplayName != "" {
		return p.DisplayName
	}
	return p.Username
}

// FollowUp drafts an update (MsgUpdate, with the changed fields of w) or a
// cancel (MsgCancel) of a published warning in force; the draft refers to
// the original and goes through approval like any warning.
func (s *Service) FollowUp(ctx context.Context, p *auth.Principal, origID, msgType string, w Warning) (Warning, error) {
	if !CanDraft(p) {
		return w, errs.New(errs.Forbidden, "forbidden")
	}
	if msgType != MsgUpdate && msgType != MsgCancel {
		return w, errs.Field("msg_type", "warning.msg_type_unknown", nil)
	}
	known, _, err := s.knownTown(ctx, p.CountyCode)
	if err != nil {
		return w, err
	}
	now := s.clock()
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		orig, err := s.visible(ctx, tx, p, origID)
		if err != nil {
			return err
		}
		if err := CheckFollowUp(orig, now); err != nil {
			return err
		}
		var pending int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM warning WHERE ref_id = $1 AND state IN ('draft', 'approved')`, origID).Scan(&pending); err != nil {
			return err
		}
		if pending > 0 {
			return errs.New(errs.Conflict, "warning.followup_pending")
		}
		if msgType == MsgCancel {
			n := orig
			n.Description, n.Instruction, n.Headline = w.Description, w.Instruction, ""
			n.HeadlineEN, n.DescriptionEN, n.InstructionEN = "", "", ""
			w = n
			w.ExpiresAt = orig.ExpiresAt
			if w.Description == "" {
				w.Description = "解除" + orig.Headline
			}
		}
		w.ID, w.MsgType, w.RefID = "", msgType, orig.ID
		w.References = Reference{Sender(orig.CountyCode), orig.Identifier, FormatCAPTime(orig.PublishedAt)}.String()
		if orig.References != "" { // the chain: every earlier message of the warning
			w.References = orig.References + " " + w.References
		}
		w.Headline = ""
		if msgType == MsgUpdate && w.Source == "" {
			w.Source = orig.Source
		}
		if err := Validate(&w, now, known); err != nil {
			return err
		}
		w, err = s.draftTx(ctx, tx, p, w, now, strings.ToLower(msgType))
		return err
	})
	return w, err
}

// Import reads a CAP 1.2 message and records it as a draft warning.
func (s *Service) Import(ctx context.Context, p *auth.Principal, r io.Reader) (Warning, error) {
	if !CanDraft(p) {
		return Warning{}, errs.New(errs.Forbidden, "forbidden")
	}
	a, err := ParseCAP(r)
	if err != nil {
		var ce *CAPError
		if errors.As(err, &ce) {
			return Warning{}, errs.Field("file", "warning.cap_refused", map[string]any{"Element": ce.Element, "Reason": ce.Reason})
		}
		return Warning{}, err
	}
	known, towns, err := s.knownTown(ctx, p.CountyCode)
	if err != nil {
		return Warning{}, err
	}
	w := FromCAP(a, towns)
	now := s.clock()
	if err := ValidateImported(&w, now, known); err != nil {
		return w, err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM warning WHERE county_code = $1 AND imported_from = $2`, p.CountyCode, w.ImportedFrom).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.New(errs.Conflict, "warning.import_duplicate")
		}
		var err error
		w, err = s.draftTx(ctx, tx, p, w, now, "import")
		return err
	})
	return w, err
}

// Approve is the second pair of eyes: a leader approves a draft that
// someone else wrote; the whole warning is checked again at that moment.
func (s *Service) Approve(ctx context.Context, p *auth.Principal, id string) (Warning, error) {
	return s.approve(ctx, p, id, s.clock())
}

func (s *Service) approve(ctx context.Context, p *auth.Principal, id string, now time.Time) (Warning, error) {
	if !CanApprove(p) {
		return Warning{}, errs.New(errs.Forbidden, "forbidden")
	}
	known, _, err := s.knownTown(ctx, p.CountyCode)
	if err != nil {
		return Warning{}, err
	}
	var w Warning
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if w, err = s.visible(ctx, tx, p, id); err != nil {
			return err
		}
		if err := CheckApprove(w, p.UserID); err != nil {
			return err
		}
		if err := Validate(&w, now, known); err != nil {
			return err
		}
		before := w
		w.State, w.ApproverID, w.ApproverName, w.ApprovedAt, w.UpdatedAt = StateApproved, p.UserID, name(p), now, now
		if err := saveState(ctx, tx, w); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "warning", EntityID: w.ID, Action: "approve", Before: before, After: w})
	})
	return w, err
}

// Withdraw takes back a draft or an approved warning that was not
// published (its author or an administrator); nobody is told, nothing
// was sent.
func (s *Service) Withdraw(ctx context.Context, p *auth.Principal, id string) (Warning, error) {
	if !CanDraft(p) {
		return Warning{}, errs.New(errs.Forbidden, "forbidden")
	}
	now := s.clock()
	var w Warning
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if w, err = s.visible(ctx, tx, p, id); err != nil {
			return err
		}
		if err := CheckWithdraw(w, p.UserID, p.Is(auth.RoleAdmin)); err != nil {
			return err
		}
		before := w
		w.State, w.UpdatedAt = StateWithdrawn, now
		if err := saveState(ctx, tx, w); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "warning", EntityID: w.ID, Action: "withdraw", Before: before, After: w})
	})
	return w, err
}

// Publish sends an approved warning to the units of its area: one
// recipient row per unit with its own signed-link token, one notification
// per account of the unit (in-app and every external channel the account
// has an address on), all in one transaction with the state change. A
// published update or cancel closes the warning it refers to.
func (s *Service) Publish(ctx context.Context, p *auth.Principal, id string) (Warning, error) {
	return s.publish(ctx, p, id, s.clock(), true)
}

func (s *Service) publish(ctx context.Context, p *auth.Principal, id string, now time.Time, send bool) (Warning, error) {
	if !CanPublish(p) {
		return Warning{}, errs.New(errs.Forbidden, "forbidden")
	}
	var w Warning
	var units []Unit
	resolved := false
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if w, err = s.visible(ctx, tx, p, id); err != nil {
			return err
		}
		if err := CheckPublish(w, now); err != nil {
			return err
		}
		if !resolved { // outside services are asked once, not on every retry
			if units, err = s.resolve(ctx, w.CountyCode, w); err != nil {
				return err
			}
			resolved = true
		}
		before := w
		w.State, w.PublishedAt, w.UpdatedAt = StatePublished, now, now
		for seq := 0; ; seq++ {
			w.Identifier = Identifier(w.CountyCode, UnitCode, now, seq)
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM warning WHERE county_code = $1 AND identifier = $2`, w.CountyCode, w.Identifier).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				break
			}
		}
		if err := saveState(ctx, tx, w); err != nil {
			return err
		}
		if w.RefID != "" {
			orig, err := getWarning(ctx, tx, w.RefID)
			if err != nil {
				return err
			}
			if err := CheckFollowUp(orig, now); err != nil && !errors.Is(err, ErrNotActive) {
				return err
			}
			ob := orig
			orig.State, orig.ClosedAt, orig.UpdatedAt = StateSuperseded, now, now
			if w.MsgType == MsgCancel {
				orig.State = StateCancelled
			}
			if err := saveState(ctx, tx, orig); err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "warning", EntityID: orig.ID, Action: "warning_close", Before: ob, After: orig}); err != nil {
				return err
			}
		}
		if err := s.sendTx(ctx, tx, w, units, now, send); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "warning", EntityID: w.ID, Action: "warning_publish", Before: before, After: struct {
			Warning
			Units int `json:"units"`
		}{w, len(units)}})
	})
	return w, err
}

// NewToken returns a random signed-link token and its stored hash.
func NewToken() (token, hash string) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is the stored form of a token.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// AckPath is the signed link of a recipient's token.
func AckPath(token string) string { return "/ack/" + token }

func (s *Service) sendTx(ctx context.Context, tx *store.Tx, w Warning, units []Unit, now time.Time, send bool) error {
	seen := map[string]bool{}
	for _, u := range units {
		key := u.Kind + "|" + u.Ref
		if seen[key] {
			continue
		}
		seen[key] = true
		token, hash := NewToken()
		rid := ids.New()
		if _, err := tx.ExecContext(ctx, `INSERT INTO warning_recipient (id, warning_id, county_code, kind, ref, name, users, token_hash, notified_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`, rid, w.ID, w.CountyCode, u.Kind, u.Ref, u.Name, len(u.UserIDs), hash, now); err != nil {
			return fmt.Errorf("insert recipient: %w", err)
		}
		if !send || s.notify == nil {
			continue
		}
		for _, uid := range u.UserIDs {
			if _, err := s.notify.Enqueue(ctx, tx, notify.Message{CountyCode: w.CountyCode, UserID: uid, Topic: "warning.published",
				Title: titleOf(w), Body: bodyOf(w), Link: AckPath(token), Entity: "warning", EntityID: w.ID,
				DedupeKey: "warning:" + w.ID + ":" + rid + ":" + uid}); err != nil {
				return err
			}
		}
	}
	return nil
}

func titleOf(w Warning) string {
	prefix := "【预警】"
	switch w.MsgType {
	case MsgUpdate:
		prefix = "【预警更新】"
	case MsgCancel:
		prefix = "【预警解除】"
	}
	return prefix + w.Headline
}

func bodyOf(w Warning) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s，生效时间%s，失效时间%s。", w.Headline, w.EffectiveAt.In(cst).Format("2006-01-02 15:04"), w.ExpiresAt.In(cst).Format("2006-01-02 15:04"))
	if w.Description != "" {
		b.WriteString(w.Description)
	}
	if w.Instruction != "" {
		b.WriteString(" 防御指引：" + w.Instruction)
	}
	b.WriteString(" 请点击链接签收。")
	return b.String()
}

// Ack records 签收 by p for its own unit.
func (s *Service) Ack(ctx context.Context, p *auth.Principal, id string) (Recipient, error) {
	kind, ref := unitOf(p)
	if kind == "" || ref == "" {
		return Recipient{}, errs.New(errs.Forbidden, "warning.ack_not_recipient")
	}
	now := s.clock()
	var rec Recipient
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := s.visible(ctx, tx, p, id); err != nil {
			return err
		}
		r, err := scanRecipient(tx.QueryRowContext(ctx, `SELECT `+recCols+` FROM warning_recipient WHERE warning_id = $1 AND kind = $2 AND ref = $3`, id, kind, ref))
		if err != nil {
			return errs.OutOfScope("warning", id)
		}
		rec, err = s.ackTx(ctx, tx, p.Actor(), r, name(p), "app", now)
		return err
	})
	return rec, err
}

func (s *Service) ackTx(ctx context.Context, tx *store.Tx, actor audit.Actor, r Recipient, by, via string, now time.Time) (Recipient, error) {
	if r.Acked() {
		return r, ErrAcked
	}
	before := r
	r.AckedAt, r.AckedBy, r.AckedVia = now, by, via
	if _, err := tx.ExecContext(ctx, `UPDATE warning_recipient SET acked_at = $2, acked_by = $3, acked_via = $4 WHERE id = $1 AND acked_at IS NULL`,
		r.ID, now, by, via); err != nil {
		return r, fmt.Errorf("ack: %w", err)
	}
	return r, audit.Record(ctx, tx, now, actor, audit.Entry{Entity: "warning_recipient", EntityID: r.ID, Action: "ack", Before: before, After: r})
}

// ByToken returns the warning and recipient of a signed link (no login):
// NotFound for an unknown token.
func (s *Service) ByToken(ctx context.Context, token string) (Warning, Recipient, error) {
	if token == "" || len(token) > 100 {
		return Warning{}, Recipient{}, errs.New(errs.NotFound, "not_found")
	}
	r, err := scanRecipient(s.db.R().QueryRowContext(ctx, `SELECT `+recCols+` FROM warning_recipient WHERE token_hash = $1`, HashToken(token)))
	if err != nil {
		return Warning{}, Recipient{}, errs.New(errs.NotFound, "not_found")
	}
	w, err := getWarning(ctx, s.db.R(), r.WarningID)
	return w, r, err
}

// AckByToken records 签收 through a signed link; who signs is the name
// typed on the page (or the unit).
func (s *Service) AckByToken(ctx context.Context, token, by, ip string) (Warning, Recipient, error) {
	w, r, err := s.ByToken(ctx, token)
	if err != nil {
		return w, r, err
	}
	by = strings.TrimSpace(by)
	if by == "" {
		by = r.Name
	}
	if len([]rune(by)) > 50 {
		return w, r, errs.Field("by", "warning.too_long", map[string]any{"Max": 50})
	}
	now := s.clock()
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		cur, err := scanRecipient(tx.QueryRowContext(ctx, `SELECT `+recCols+` FROM warning_recipient WHERE id = $1`, r.ID))
		if err != nil {
			return err
		}
		actor := audit.Actor{UserID: "link", Username: "link:" + r.Name, CountyCode: w.CountyCode, IP: ip}
		r, err = s.ackTx(ctx, tx, actor, cur, by, "link", now)
		return err
	})
	return w, r, err
}

// Remind is the periodic sweep (催签): every unit that has not
// acknowledged a warning in force for RemindAfter is reminded (its
// accounts again, with a fresh link), at most once per RemindAfter; after
// EscalateAfter reminders the unit is raised once to the warning's author
// and approver. It is idempotent within a round.
func (s *Service) Remind(ctx context.Context, units Resolver) (reminded, escalated int, err error) {
	now := s.clock()
	rows, err := s.db.R().QueryContext(ctx, `SELECT r.id FROM warning_recipient r JOIN warning w ON w.id = r.warning_id
		WHERE r.acked_at IS NULL AND w.state = 'published' AND w.msg_type <> 'Cancel' AND w.expires_at > $1
		AND r.notified_at <= $2 AND (r.reminded_at IS NULL OR r.reminded_at <= $2) ORDER BY r.notified_at, r.id`, now, now.Add(-s.cfg.RemindAfter))
	if err != nil {
		return 0, 0, fmt.Errorf("remind: %w", err)
	}
	var due []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, 0, err
		}
		due = append(due, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	cache := map[string][]Unit{}
	for _, rid := range due {
		var esc bool
		err := s.db.InTx(ctx, func(tx *store.Tx) error {
			r, err := scanRecipient(tx.QueryRowContext(ctx, `SELECT `+recCols+` FROM warning_recipient WHERE id = $1`, rid))
			if err != nil {
				return err
			}
			if r.Acked() || (!r.RemindedAt.IsZero() && r.RemindedAt.After(now.Add(-s.cfg.RemindAfter))) {
				return nil
			}
			w, err := getWarning(ctx, tx, r.WarningID)
			if err != nil {
				return err
			}
			list, ok := cache[w.ID]
			if !ok && units != nil {
				if list, err = units(ctx, w.CountyCode, w); err != nil {
					return err
				}
				cache[w.ID] = list
			}
			token, hash := NewToken()
			r.Reminders++
			if _, err := tx.ExecContext(ctx, `UPDATE warning_recipient SET reminders = $2, reminded_at = $3, token_hash = $4 WHERE id = $1`,
				r.ID, r.Reminders, now, hash); err != nil {
				return err
			}
			for _, u := range list {
				if u.Kind != r.Kind || u.Ref != r.Ref || s.notify == nil {
					continue
				}
				for _, uid := range u.UserIDs {
					if _, err := s.notify.Enqueue(ctx, tx, notify.Message{CountyCode: w.CountyCode, UserID: uid, Topic: "warning.remind",
						Title: "【请签收】" + w.Headline, Body: bodyOf(w), Link: AckPath(token), Entity: "warning", EntityID: w.ID,
						DedupeKey: fmt.Sprintf("warning:%s:%s:remind%d:%s", w.ID, r.ID, r.Reminders, uid)}); err != nil {
						return err
					}
				}
			}
			if r.Reminders >= s.cfg.EscalateAfter && r.EscalatedAt.IsZero() {
				esc = true
				if _, err := tx.ExecContext(ctx, `UPDATE warning_recipient SET escalated_at = $2 WHERE id = $1`, r.ID, now); err != nil {
					return err
				}
				for _, uid := range []string{w.AuthorID, w.ApproverID} {
					if uid == "" || s.notify == nil {
						continue
					}
					if _, err := s.notify.Enqueue(ctx, tx, notify.Message{CountyCode: w.CountyCode, UserID: uid, Topic: "warning.unacked",
						Title: "【预警未签收】" + r.Name, Body: fmt.Sprintf("%s 经 %d 次提醒仍未签收：%s", r.Name, r.Reminders, w.Headline),
						Link: "/warnings/" + w.ID + "?unacked=1", Entity: "warning", EntityID: w.ID,
						DedupeKey: "warning:" + w.ID + ":" + r.ID + ":escalate:" + uid}); err != nil {
						return err
					}
				}
			}
			return audit.Record(ctx, tx, now, audit.System(w.CountyCode), audit.Entry{Entity: "warning_recipient", EntityID: r.ID, Action: "warning_remind", After: r})
		})
		if err != nil {
			return reminded, escalated, err
		}
		reminded++
		if esc {
			escalated++
		}
	}
	return reminded, escalated, nil
}

// CAP returns the CAP 1.2 document of a warning p may read.
func (s *Service) CAP(ctx context.Context, p *auth.Principal, id string) ([]byte, Warning, error) {
	w, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, w, err
	}
	doc, err := s.capOf(ctx, w)
	return doc, w, err
}

func (s *Service) capOf(ctx context.Context, w Warning) ([]byte, error) {
	towns, err := s.towns(ctx, w.CountyCode)
	if err != nil {
		return nil, err
	}
	return MarshalCAP(ToCAP(w, func(c string) string {
		if n, ok := towns[c]; ok {
			return n
		}
		return c
	}))
}

// PublicCAP returns the CAP document of a published warning (the feed's
// links: warnings are public once published).
func (s *Service) PublicCAP(ctx context.Context, county, id string) ([]byte, Warning, error) {
	w, err := getWarning(ctx, s.db.R(), id)
	if err != nil {
		return nil, w, err
	}
	if w.CountyCode != county || !slices.Contains([]string{StatePublished, StateSuperseded, StateCancelled}, w.State) {
		return nil, Warning{}, errs.New(errs.NotFound, "not_found")
	}
	doc, err := s.capOf(ctx, w)
	return doc, w, err
}

// ActiveList returns the published warnings of a county in force now
// (the Atom feed), the newest first.
func (s *Service) ActiveList(ctx context.Context, county string) ([]Warning, error) {
	return s.query(ctx, `SELECT `+warnCols+` FROM warning WHERE county_code = $1 AND state = 'published' AND msg_type <> 'Cancel' AND expires_at > $2
		ORDER BY published_at DESC, id DESC LIMIT 200`, county, s.clock())
}

// WriteCAPFiles writes one CAP file per published warning p may read
// (every message: alerts, updates and cancels) into dir via write.
func (s *Service) WriteCAPFiles(ctx context.Context, p *auth.Principal, write func(name string, doc []byte) error) (int, error) {
	n := 0
	err := s.Each(ctx, p, Filter{}, func(w Warning) error {
		if w.PublishedAt.IsZero() {
			return nil
		}
		doc, err := s.capOf(ctx, w)
		if err != nil {
			return err
		}
		n++
		return write(w.Identifier+".xml", doc)
	})
	return n, err
}

// ParseTime reads a form or JSON time: RFC 3339, or "2006-01-02T15:04" /
// "2006-01-02 15:04" in Beijing time.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	for _, l := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(l, s, cst); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("bad time")
}
