package auth

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"yingji/internal/kit/audit"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/person"
	"yingji/internal/kit/store"
)

// OrgLookup is what auth needs from the org service to describe a user's
// unit and region; auth never reads those tables itself.
type OrgLookup interface {
	UnitInfo(ctx context.Context, id string) (name, kind, regionCode string, sectors []string, err error)
	RegionName(ctx context.Context, code string) (string, error)
	RegionLevel(ctx context.Context, code string) (string, error)
}

// Options tune sessions and throttling (see throttle.go).
type Options struct {
	IdleTimeout     time.Duration // default 30 min
	AbsoluteTimeout time.Duration // default 12 h
	MaxFailures     int           // per (account, address) before back-off; default 5
	BackoffBase     time.Duration // first closed period after MaxFailures; default 1 min
	BackoffMax      time.Duration // longest closed period; default 15 min
	AddrMaxFailures int           // per address across accounts before back-off; default 20
	ForgetAfter     time.Duration // a bucket idle this long starts afresh; default 1 h
}

// Service manages users, sessions and tokens.
type Service struct {
	db   *store.DB
	org  OrgLookup
	now  func() time.Time
	opt  Options
	acct throttlePolicy // per (account, address)
	addr throttlePolicy // per address, across accounts
}

// New returns a Service.
func New(db *store.DB, org OrgLookup, now func() time.Time, opt Options) *Service {
	if opt.IdleTimeout == 0 {
		opt.IdleTimeout = 30 * time.Minute
	}
	if opt.AbsoluteTimeout == 0 {
		opt.AbsoluteTimeout = 12 * time.Hour
	}
	if opt.MaxFailures == 0 {
		opt.MaxFailures = 5
	}
	if opt.BackoffBase == 0 {
		opt.BackoffBase = time.Minute
	}
	if opt.BackoffMax == 0 {
		opt.BackoffMax = 15 * time.Minute
	}
	if opt.AddrMaxFailures == 0 {
		opt.AddrMaxFailures = 20
	}
	if opt.ForgetAfter == 0 {
		opt.ForgetAfter = time.Hour
	}
	return &Service{db: db, org: org, now: now, opt: opt,
		acct: throttlePolicy{Budget: opt.MaxFailures, Base: opt.BackoffBase, Max: opt.BackoffMax, Forget: opt.ForgetAfter},
		addr: throttlePolicy{Budget: opt.AddrMaxFailures, Base: opt.BackoffBase, Max: opt.BackoffMax, Forget: opt.ForgetAfter}}
}

// IdleTimeout is the session idle timeout in force.
func (s *Service) IdleTimeout() time.Duration { return s.opt.IdleTimeout }

// User is a stored account.
type User struct {
	ID           string     `json:"id"`
	CountyCode   string     `json:"county_code"`
	Username     string     `json:"username"`
	DisplayName  string     `json:"display_name"`
	Phone        string     `json:"phone"`
	Role         Role       `json:"role"`
	UnitID       string     `json:"unit_id"`
	RegionCode   string     `json:"region_code"`
	EnterpriseID string     `json:"enterprise_id"`
	Disabled     bool       `json:"disabled"`
	LastLoginAt  *time.Time `json:"last_login_at"`
	CreatedAt    time.Time  `json:"created_at"`
	Lang         string     `json:"lang"`
	passwordHash string
	epoch        int64
}

const userCols = `id, county_code, username, display_name, phone, role, COALESCE(unit_id, ''), COALESCE(region_code, ''),
	COALESCE(enterprise_id, ''), disabled, last_login_at, created_at, lang, password_hash, session_epoch`

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	var last sql.NullTime
	var role string
	err := row.Scan(&u.ID, &u.CountyCode, &u.Username, &u.DisplayName, &u.Phone, &role, &u.UnitID, &u.RegionCode,
		&u.EnterpriseID, &u.Disabled, &last, &u.CreatedAt, &u.Lang, &u.passwordHash, &u.epoch)
	u.Role = Role(role)
	if last.Valid {
		t := last.Time
		u.LastLoginAt = &t
	}
	return u, err
}

// public returns the audit-safe view of a user (no hash).
func (u User) public() map[string]any {
	return map[string]any{"username": u.Username, "display_name": u.DisplayName, "role": u.Role, "unit_id": u.UnitID,
		"region_code": u.RegionCode, "enterprise_id": u.EnterpriseID, "disabled": u.Disabled, "phone": u.Phone}
}

var usernameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{2,31}$`)

// UserInput is a create/update form.
type UserInput struct {
	Username     string `json:"username"`
	DisplayName  string `json:"display_name"`
	Phone        string `json:"phone"`
	Role         Role   `json:"role"`
	UnitID       string `json:"unit_id"`
	RegionCode   string `json:"region_code"`
	EnterpriseID string `json:"enterprise_id"`
	Password     string `json:"password,omitempty"`
}

func (s *Service) validate(ctx context.Context, in *UserInput, creating bool) error {
	in.Username = strings.TrimSpace(in.Username)
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	in.Phone = strings.TrimSpace(in.Phone)
	var fe errs.FieldErrors
	if creating && !usernameRE.MatchString(in.Username) {
		fe = append(fe, errs.Field("username", "user.username_invalid", nil))
	}
	if in.DisplayName == "" {
		fe = append(fe, errs.Field("display_name", "field.required", nil))
	}
	if !in.Role.Valid() {
		fe = append(fe, errs.Field("role", "user.role_invalid", nil))
	}
	if in.Phone = strings.TrimSpace(in.Phone); in.Phone != "" && !person.PhoneOK(in.Phone) {
		fe = append(fe, errs.Field("phone", "user.phone_invalid", nil))
	}
	if in.Role == RoleTown {
		lvl, err := s.org.RegionLevel(ctx, in.RegionCode)
		// A town's staff, or a village's (村级): the 12-digit code limits
		// them to the village.
		if err != nil || (lvl != "town" && lvl != "village") {
			fe = append(fe, errs.Field("region_code", "user.town_required", nil))
		}
	}
	if in.UnitID != "" {
		_, kind, region, _, err := s.org.UnitInfo(ctx, in.UnitID)
		switch {
		case err != nil:
			fe = append(fe, errs.Field("unit_id", "user.unit_unknown", nil))
		case in.Role == RoleSection && kind != "section":
			// The unit decides the scope: a section's sectors, a
			// department's reporting, a town government's town.
			fe = append(fe, errs.Field("unit_id", "user.unit_not_section", nil))
		case in.Role == RoleDepartment && kind != "department":
			fe = append(fe, errs.Field("unit_id", "user.unit_not_department", nil))
		case in.Role == RoleTown && (kind != "town" || (in.RegionCode != "" && !strings.HasPrefix(in.RegionCode, region))):
			fe = append(fe, errs.Field("unit_id", "user.unit_not_town", nil))
		}
	} else if in.Role == RoleSection || in.Role == RoleDepartment {
		fe = append(fe, errs.Field("unit_id", "user.unit_required", nil))
	}
	if in.Role == RoleEnterprise && in.EnterpriseID == "" {
		fe = append(fe, errs.Field("enterprise_id", "user.enterprise_required", nil))
	}
	if creating || in.Password != "" {
		if err := CheckPasswordPolicy(in.Password); err != nil {
			fe = append(fe, errs.Field("password", "password.weak", nil))
		}
	}
	return fe.Err()
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// CreateUser adds an account. Only administrators may call it (the CLI
// acts as the system administrator).
func (s *Service) CreateUser(ctx context.Context, p *Principal, in UserInput) (User, error) {
	if !p.Is(RoleAdmin) {
		return User{}, errs.New(errs.Forbidden, "forbidden")
	}
	if err := s.validate(ctx, &in, true); err != nil {
		return User{}, err
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return User{}, err
	}
	now := s.now().UTC()
	u := User{ID: ids.New(), CountyCode: p.CountyCode, Username: in.Username, DisplayName: in.DisplayName, Phone: in.Phone,
		Role: in.Role, UnitID: in.UnitID, RegionCode: in.RegionCode, EnterpriseID: in.EnterpriseID, CreatedAt: now}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO app_user (id, county_code, username, display_name, phone, password_hash, role,
			unit_id, region_code, enterprise_id, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$11)`,
			u.ID, u.CountyCode, u.Username, u.DisplayName, u.Phone, hash, string(u.Role), nullStr(u.UnitID), nullStr(u.RegionCode), nullStr(u.EnterpriseID), now)
		if store.IsUniqueViolation(err) {
			return errs.Field("username", "user.username_taken", map[string]any{"Name": u.Username})
		}
		if err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "user", EntityID: u.ID, Action: "create", After: u.public()})
	})
	return u, err
}

// UpdateUser changes a user's profile, role and scope (administrators).
func (s *Service) UpdateUser(ctx context.Context, p *Principal, id string, in UserInput) (User, error) {
	if !p.Is(RoleAdmin) {
		return User{}, errs.New(errs.Forbidden, "forbidden")
	}
	in.Password = ""
	if err := s.validate(ctx, &in, false); err != nil {
		return User{}, err
	}
	var after User
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		before, err := s.getTx(ctx, tx, p, id)
		if err != nil {
			return err
		}
		now := s.now().UTC()
		after = before
		after.DisplayName, after.Phone, after.Role, after.UnitID, after.RegionCode, after.EnterpriseID =
			in.DisplayName, in.Phone, in.Role, in.UnitID, in.RegionCode, in.EnterpriseID
		if _, err := tx.ExecContext(ctx, `UPDATE app_user SET display_name=$1, phone=$2, role=$3, unit_id=$4, region_code=$5,
			enterprise_id=$6, updated_at=$7, session_epoch = session_epoch + 1 WHERE id=$8`,
			after.DisplayName, after.Phone, string(after.Role), nullStr(after.UnitID), nullStr(after.RegionCode), nullStr(after.EnterpriseID), now, id); err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		// A change of role or scope ends the user's sessions.
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_session WHERE user_id = $1`, id); err != nil {
			return fmt.Errorf("end sessions: %w", err)
		}
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "user", EntityID: id, Action: "update", Before: before.public(), After: after.public()})
	})
	return after, err
}

// SetDisabled disables or enables an account; disabling ends its sessions
// and tokens stop working.
func (s *Service) SetDisabled(ctx context.Context, p *Principal, id string, disabled bool) error {
	if !p.Is(RoleAdmin) {
		return errs.New(errs.Forbidden, "forbidden")
	}
	if id == p.UserID && disabled {
		return errs.New(errs.Invalid, "user.cannot_disable_self")
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		before, err := s.getTx(ctx, tx, p, id)
		if err != nil {
			return err
		}
		now := s.now().UTC()
		if _, err := tx.ExecContext(ctx, `UPDATE app_user SET disabled=$1, updated_at=$2 WHERE id=$3`, disabled, now, id); err != nil {
			return fmt.Errorf("disable user: %w", err)
		}
		if err := clearThrottleTx(ctx, tx, before.Username); err != nil {
			return err
		}
		if disabled {
			if _, err := tx.ExecContext(ctx, `DELETE FROM user_session WHERE user_id = $1`, id); err != nil {
				return fmt.Errorf("end sessions: %w", err)
			}
		}
		action := "enable"
		if disabled {
			action = "disable"
		}
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "user", EntityID: id, Action: action,
			Before: map[string]any{"disabled": before.Disabled}, After: map[string]any{"disabled": disabled}})
	})
}

// SetPassword sets a password. Administrators may set anyone's; a user may
// change their own when they give the current one.
func (s *Service) SetPassword(ctx context.Context, p *Principal, id, current, next string) error {
	self := id == p.UserID
	if !self && !p.Is(RoleAdmin) {
		return errs.New(errs.Forbidden, "forbidden")
	}
	if err := CheckPasswordPolicy(next); err != nil {
		return err
	}
	hash, err := HashPassword(next)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		u, err := s.getTx(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if self && !p.Is(RoleAdmin) && !CheckPassword(u.passwordHash, current) {
			return errs.Field("current", "password.current_wrong", nil)
		}
		now := s.now().UTC()
		if _, err := tx.ExecContext(ctx, `UPDATE app_user SET password_hash=$1, updated_at=$2, session_epoch = session_epoch + 1 WHERE id=$3`, hash, now, id); err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		// A new password ends the user's other sessions. The session that
		// changes its own password stays (moved to the new epoch); an
		// administrator's reset, or the CLI's, ends them all.
		keep := ""
		if self {
			keep = p.session
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM user_session WHERE user_id = $1 AND id_hash <> $2`, id, keep)
		if err != nil {
			return fmt.Errorf("end sessions: %w", err)
		}
		ended, _ := res.RowsAffected()
		if keep != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE user_session SET epoch = $1 WHERE id_hash = $2 AND user_id = $3`, u.epoch+1, keep, id); err != nil {
				return fmt.Errorf("keep session: %w", err)
			}
		}
		if err := clearThrottleTx(ctx, tx, u.Username); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "user", EntityID: id, Action: "password",
			After: map[string]any{"sessions_ended": ended}})
	})
}

// SetLang stores a user's language preference.
func (s *Service) SetLang(ctx context.Context, p *Principal, lang string) error {
	if lang != "zh" && lang != "en" {
		return errs.Field("lang", "field.invalid", nil)
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		now := s.now().UTC()
		if _, err := tx.ExecContext(ctx, `UPDATE app_user SET lang=$1, updated_at=$2 WHERE id=$3`, lang, now, p.UserID); err != nil {
			return fmt.Errorf("set lang: %w", err)
		}
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "user", EntityID: p.UserID, Action: "lang", After: map[string]any{"lang": lang}})
	})
}

func (s *Service) getTx(ctx context.Context, q store.Querier, p *Principal, id string) (User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userCols+` FROM app_user WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, errs.New(errs.NotFound, "not_found")
	}
	if err != nil {
		return User{}, fmt.Errorf("get user: %w", err)
	}
	if !s.canSeeUser(p, u) {
		return User{}, errs.OutOfScope("user", id)
	}
	return u, nil
}

func (s *Service) canSeeUser(p *Principal, u User) bool {
	if u.CountyCode != p.CountyCode {
		return false
	}
	switch {
	case p.Is(RoleAdmin, RoleLeader):
		return true
	case p.Role == RoleTown:
		return u.RegionCode != "" && strings.HasPrefix(u.RegionCode, p.RegionCode)
	default:
		return u.ID == p.UserID
	}
}

// GetUser returns a user the principal may see.
func (s *Service) GetUser(ctx context.Context, p *Principal, id string) (User, error) {
	return s.getTx(ctx, s.db.R(), p, id)
}

// UserFilter selects users.
type UserFilter struct {
	Q          string // username or name fragment
	Role       Role
	UnitID     string
	RegionCode string
	Disabled   *bool
	Limit      int
	Offset     int
}

// ListUsers returns the users the principal may see: everyone for
// administrators and leaders, the town's users for town staff, oneself
// otherwise.
func (s *Service) ListUsers(ctx context.Context, p *Principal, f UserFilter) ([]User, int, error) {
	w := []string{"county_code = $1"}
	args := []any{p.CountyCode}
	add := func(cond string, v any) {
		args = append(args, v)
		w = append(w, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	switch {
	case p.Is(RoleAdmin, RoleLeader):
	case p.Role == RoleTown:
		add("region_code LIKE ?", p.RegionCode+"%")
	default:
		add("id = ?", p.UserID)
	}
	if f.Q != "" {
		like := store.Like(f.Q)
		args = append(args, like)
		n := len(args)
		w = append(w, fmt.Sprintf(`(username LIKE $%d ESCAPE '\' OR display_name LIKE $%d ESCAPE '\')`, n, n))
	}
	if f.Role != "" {
		add("role = ?", string(f.Role))
	}
	if f.UnitID != "" {
		add("unit_id = ?", f.UnitID)
	}
	if f.RegionCode != "" {
		add("region_code LIKE ?", f.RegionCode+"%")
	}
	if f.Disabled != nil {
		add("disabled = ?", *f.Disabled)
	}
	where := strings.Join(w, " AND ")
	var total int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM app_user WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count users: %w", err)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 50
	}
	args = append(args, f.Limit, f.Offset)
	rows, err := s.db.R().QueryContext(ctx, fmt.Sprintf(`SELECT %s FROM app_user WHERE %s ORDER BY username LIMIT $%d OFFSET $%d`,
		userCols, where, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	return out, total, rows.Err()
}

// FindByUsername returns a user by name (CLI and tests; no scope).
func (s *Service) FindByUsername(ctx context.Context, username string) (User, error) {
	u, err := scanUser(s.db.R().QueryRowContext(ctx, `SELECT `+userCols+` FROM app_user WHERE username = $1`, username))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, errs.New(errs.NotFound, "user.not_found").With(map[string]any{"Name": username})
	}
	if err != nil {
		return User{}, fmt.Errorf("find user: %w", err)
	}
	return u, nil
}

// CountUsers returns the number of accounts (to detect an empty database).
func (s *Service) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM app_user`).Scan(&n)
	return n, err
}

// principal builds the Principal of a user.
func (s *Service) principal(ctx context.Context, u User) (*Principal, error) {
	p := &Principal{UserID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role, CountyCode: u.CountyCode,
		UnitID: u.UnitID, RegionCode: u.RegionCode, EnterpriseID: u.EnterpriseID, Lang: u.Lang}
	if u.UnitID != "" {
		name, _, _, sectors, err := s.org.UnitInfo(ctx, u.UnitID)
		if err != nil {
			return nil, err
		}
		p.UnitName, p.Sectors = name, sectors
	}
	if u.RegionCode != "" {
		name, err := s.org.RegionName(ctx, u.RegionCode)
		if err != nil {
			return nil, err
		}
		p.RegionName = name
	}
	return p, nil
}

// PrincipalFor returns the principal of a username (CLI).
func (s *Service) PrincipalFor(ctx context.Context, username string) (*Principal, error) {
	u, err := s.FindByUsername(ctx, username)
	if err != nil {
		return nil, err
	}
	return s.principal(ctx, u)
}

func hashToken(raw string) string {
	h := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(h[:])
}

// Phone returns a user's phone number (the SMS channel's address).
func (s *Service) Phone(ctx context.Context, userID string) (string, error) {
	var phone string
	err := s.db.R().QueryRowContext(ctx, `SELECT phone FROM app_user WHERE id = $1`, userID).Scan(&phone)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errs.New(errs.NotFound, "not_found")
	}
	return phone, err
}

// PrincipalByID returns the principal of a user id (background jobs act
// as the user who started them). A disabled user gets Unauthorized.
func (s *Service) PrincipalByID(ctx context.Context, id string) (*Principal, error) {
	u, err := scanUser(s.db.R().QueryRowContext(ctx, `SELECT `+userCols+` FROM app_user WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.New(errs.NotFound, "not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("user: %w", err)
	}
	if u.Disabled {
		return nil, ErrNoSession
	}
	return s.principal(ctx, u)
}

// UserIDsWhere returns the ids of active users of an enterprise, a unit or
// a town (notification recipients); empty arguments are not filtered on,
// at least one must be given.
func (s *Service) UserIDsWhere(ctx context.Context, county, enterpriseID, unitID, townCode string, roles ...Role) ([]string, error) {
	var w store.Where
	w.Add("county_code = ?", county)
	w.Add("disabled = ?", false)
	if enterpriseID != "" {
		w.Add("enterprise_id = ?", enterpriseID)
	}
	if unitID != "" {
		w.Add("unit_id = ?", unitID)
	}
	if townCode != "" {
		w.Add("region_code = ?", townCode)
	}
	if enterpriseID == "" && unitID == "" && townCode == "" && len(roles) == 0 {
		return nil, nil
	}
	if len(roles) > 0 {
		rs := make([]string, len(roles))
		for i, r := range roles {
			rs[i] = string(r)
		}
		w.In("role", rs)
	}
	rows, err := s.db.R().QueryContext(ctx, `SELECT id FROM app_user`+w.SQL()+` ORDER BY id`, w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("recipients: %w", err)
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
