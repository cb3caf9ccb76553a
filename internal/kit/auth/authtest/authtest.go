// Package authtest holds auth helpers for tests. It is imported by test
// files only.
package authtest

import (
	"context"
	"testing"

	"yingji/internal/kit/auth"
)

// Principal returns the principal of the user with this username, ending
// the test when there is none.
func Principal(t testing.TB, s *auth.Service, username string) *auth.Principal {
	t.Helper()
	p, err := s.PrincipalFor(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
