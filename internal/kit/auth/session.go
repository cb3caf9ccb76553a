package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"yingji/internal/kit/audit"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/store"
)

// ErrBadLogin is the one generic answer to a failed login: it does not say
// whether the account exists, is disabled or the password is wrong.
var ErrBadLogin = errs.New(errs.Unauthorized, "login.failed")

// dummyHash is checked when the name is unknown, so that an unknown name
// costs the same time as a wrong password.
var dummyHash = sync.OnceValue(func() string {
	h, err := HashPassword(RandomSecret(16))
	if err != nil {
		panic(err)
	}
	return h
})

// Login checks a username and password and opens a new session. It returns
// the new session token (the cookie value); its hash is what is stored, so
// each login rotates the session id.
//
// The attempt is first reserved with the throttle (throttle.go); a refused
// attempt answers ErrThrottled (429) without looking at the password. Known
// and unknown names, disabled accounts and wrong passwords take the same
// path and give the same answer, ErrBadLogin.
func (s *Service) Login(ctx context.Context, username, password, ip, userAgent string) (string, *Principal, error) {
	now := s.now()
	username = strings.TrimSpace(username)
	account := throttleAccount(username)
	if err := s.reserve(ctx, account, ip, now); err != nil {
		return "", nil, err
	}
	u, err := s.FindByUsername(ctx, username)
	known := err == nil
	if err != nil && !errs.Is(err, errs.NotFound) {
		return "", nil, err
	}
	hash := dummyHash()
	if known {
		hash = u.passwordHash
	}
	if !CheckPassword(hash, password) || !known || u.Disabled {
		if !known {
			return "", nil, ErrBadLogin
		}
		err := s.db.InTx(ctx, func(tx *store.Tx) error {
			return audit.Record(ctx, tx, now, audit.Actor{UserID: u.ID, Username: u.Username, CountyCode: u.CountyCode, IP: ip},
				audit.Entry{Entity: "user", EntityID: u.ID, Action: "login_failed"})
		})
		if err != nil {
			return "", nil, err
		}
		return "", nil, ErrBadLogin
	}
	if err := s.succeeded(ctx, account, ip, now); err != nil {
		return "", nil, err
	}
	p, err := s.principal(ctx, u)
	if err != nil {
		return "", nil, err
	}
	p.IP = ip
	token := RandomSecret(32)
	p.session = hashToken(token)
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		t := now.UTC()
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_session (id_hash, user_id, epoch, created_at, last_seen_at, expires_at, ip, user_agent)
			VALUES ($1,$2,$3,$4,$4,$5,$6,$7)`, hashToken(token), u.ID, u.epoch, t, t.Add(s.opt.AbsoluteTimeout), ip, truncate(userAgent, 250)); err != nil {
			return fmt.Errorf("create session: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE app_user SET last_login_at=$1 WHERE id=$2`, t, u.ID); err != nil {
			return fmt.Errorf("record login: %w", err)
		}
		// Old sessions past their time are cleaned up on the way.
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_session WHERE user_id=$1 AND (expires_at < $2 OR last_seen_at < $3)`,
			u.ID, t, t.Add(-s.opt.IdleTimeout)); err != nil {
			return fmt.Errorf("clean sessions: %w", err)
		}
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "user", EntityID: u.ID, Action: "login"})
	})
	if err != nil {
		return "", nil, err
	}
	return token, p, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// ErrNoSession means the session is unknown, expired or idle too long.
var ErrNoSession = errs.New(errs.Unauthorized, "session.expired")

// Authenticate returns the principal of a session token and refreshes its
// idle timer.
func (s *Service) Authenticate(ctx context.Context, token, ip string) (*Principal, error) {
	if token == "" {
		return nil, ErrNoSession
	}
	now := s.now().UTC()
	h := hashToken(token)
	var userID string
	var epoch int64
	var lastSeen, expires time.Time
	err := s.db.R().QueryRowContext(ctx, `SELECT user_id, epoch, last_seen_at, expires_at FROM user_session WHERE id_hash = $1`, h).
		Scan(&userID, &epoch, &lastSeen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	if now.After(expires) || now.Sub(lastSeen) > s.opt.IdleTimeout {
		_ = s.db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `DELETE FROM user_session WHERE id_hash = $1`, h)
			return err
		})
		return nil, ErrNoSession
	}
	u, err := scanUser(s.db.R().QueryRowContext(ctx, `SELECT `+userCols+` FROM app_user WHERE id = $1`, userID))
	if err != nil {
		return nil, fmt.Errorf("session user: %w", err)
	}
	if u.Disabled || u.epoch != epoch {
		return nil, ErrNoSession
	}
	if now.Sub(lastSeen) > time.Minute {
		if err := s.db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE user_session SET last_seen_at = $1 WHERE id_hash = $2`, now, h)
			return err
		}); err != nil {
			return nil, fmt.Errorf("touch session: %w", err)
		}
	}
	p, err := s.principal(ctx, u)
	if err != nil {
		return nil, err
	}
	p.IP = ip
	p.session = h
	return p, nil
}

// Logout ends one session.
func (s *Service) Logout(ctx context.Context, p *Principal, token string) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_session WHERE id_hash = $1`, hashToken(token)); err != nil {
			return fmt.Errorf("logout: %w", err)
		}
		return audit.Record(ctx, tx, s.now(), p.Actor(), audit.Entry{Entity: "user", EntityID: p.UserID, Action: "logout"})
	})
}

// LogoutEverywhere ends every session of the user (退出所有设备).
func (s *Service) LogoutEverywhere(ctx context.Context, p *Principal, userID string) error {
	if userID != p.UserID && !p.Is(RoleAdmin) {
		return errs.New(errs.Forbidden, "forbidden")
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE app_user SET session_epoch = session_epoch + 1 WHERE id = $1`, userID); err != nil {
			return fmt.Errorf("logout everywhere: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_session WHERE user_id = $1`, userID); err != nil {
			return fmt.Errorf("logout everywhere: %w", err)
		}
		return audit.Record(ctx, tx, s.now(), p.Actor(), audit.Entry{Entity: "user", EntityID: userID, Action: "logout_all"})
	})
}

// Token is an API token (the secret itself is shown once, never stored).
type Token struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	Username   string     `json:"username"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// CreateToken makes a bearer token for a user and returns its id and the
// secret (prefixed "yj_").
func (s *Service) CreateToken(ctx context.Context, p *Principal, userID, name string) (Token, string, error) {
	if userID != p.UserID && !p.Is(RoleAdmin) {
		return Token{}, "", errs.New(errs.Forbidden, "forbidden")
	}
	if strings.TrimSpace(name) == "" {
		name = "api"
	}
	raw := "yj_" + RandomSecret(32)
	t := Token{ID: ids.New(), UserID: userID, Name: name, CreatedAt: s.now().UTC()}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := s.getTx(ctx, tx, p, userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO api_token (id, user_id, name, token_hash, created_at) VALUES ($1,$2,$3,$4,$5)`,
			t.ID, userID, name, hashToken(raw), t.CreatedAt); err != nil {
			return fmt.Errorf("create token: %w", err)
		}
		return audit.Record(ctx, tx, t.CreatedAt, p.Actor(), audit.Entry{Entity: "api_token", EntityID: t.ID, Action: "create",
			After: map[string]any{"user_id": userID, "name": name}})
	})
	return t, raw, err
}

// RevokeToken revokes a token by id.
func (s *Service) RevokeToken(ctx context.Context, p *Principal, id string) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		var userID string
		var revoked sql.NullTime
		err := tx.QueryRowContext(ctx, `SELECT user_id, revoked_at FROM api_token WHERE id = $1`, id).Scan(&userID, &revoked)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.NotFound, "not_found")
		}
		if err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		if userID != p.UserID && !p.Is(RoleAdmin) {
			return errs.New(errs.NotFound, "not_found")
		}
		if revoked.Valid {
			return errs.New(errs.Conflict, "token.already_revoked")
		}
		now := s.now().UTC()
		if _, err := tx.ExecContext(ctx, `UPDATE api_token SET revoked_at = $1 WHERE id = $2`, now, id); err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "api_token", EntityID: id, Action: "token_revoke"})
	})
}

// ListTokens lists tokens (all for administrators, own otherwise).
func (s *Service) ListTokens(ctx context.Context, p *Principal) ([]Token, error) {
	q := `SELECT t.id, t.user_id, u.username, t.name, t.created_at, t.last_used_at, t.revoked_at
		FROM api_token t JOIN app_user u ON u.id = t.user_id WHERE u.county_code = $1`
	args := []any{p.CountyCode}
	if !p.Is(RoleAdmin) {
		q += ` AND t.user_id = $2`
		args = append(args, p.UserID)
	}
	rows, err := s.db.R().QueryContext(ctx, q+` ORDER BY t.created_at DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		var used, revoked sql.NullTime
		if err := rows.Scan(&t.ID, &t.UserID, &t.Username, &t.Name, &t.CreatedAt, &used, &revoked); err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		if used.Valid {
			t.LastUsedAt = &used.Time
		}
		if revoked.Valid {
			t.RevokedAt = &revoked.Time
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// AuthenticateToken returns the principal of a bearer token.
func (s *Service) AuthenticateToken(ctx context.Context, raw, ip string) (*Principal, error) {
	if !strings.HasPrefix(raw, "yj_") {
		return nil, ErrNoSession
	}
	var id, userID string
	var revoked, used sql.NullTime
	err := s.db.R().QueryRowContext(ctx, `SELECT id, user_id, revoked_at, last_used_at FROM api_token WHERE token_hash = $1`, hashToken(raw)).
		Scan(&id, &userID, &revoked, &used)
	if errors.Is(err, sql.ErrNoRows) || revoked.Valid {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, fmt.Errorf("token: %w", err)
	}
	u, err := scanUser(s.db.R().QueryRowContext(ctx, `SELECT `+userCols+` FROM app_user WHERE id = $1`, userID))
	if err != nil {
		return nil, fmt.Errorf("token user: %w", err)
	}
	if u.Disabled {
		return nil, ErrNoSession
	}
	now := s.now().UTC()
	if !used.Valid || now.Sub(used.Time) > time.Minute {
		_ = s.db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE api_token SET last_used_at = $1 WHERE id = $2`, now, id)
			return err
		})
	}
	p, err := s.principal(ctx, u)
	if err != nil {
		return nil, err
	}
	p.IP = ip
	return p, nil
}
