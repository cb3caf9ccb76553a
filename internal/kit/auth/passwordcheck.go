package auth

import (
	"context"

	"yingji/internal/kit/errs"
)

// PasswordIs reports whether the account username exists and pw is its
// password (no session, no failure counting): `yingji serve --demo` tells
// which accounts the documented demo password opens.
func (s *Service) PasswordIs(ctx context.Context, username, pw string) (exists, ok bool, err error) {
	u, err := s.FindByUsername(ctx, username)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return false, false, nil
		}
		return false, false, err
	}
	return true, !u.Disabled && CheckPassword(u.passwordHash, pw), nil
}
