package web

import (
	"context"

	"yingji/internal/kit/auth"
)

type authStub struct{}

func (authStub) Authenticate(ctx context.Context, token, ip string) (*auth.Principal, error) {
	return nil, nil
}

func (authStub) AuthenticateToken(ctx context.Context, raw, ip string) (*auth.Principal, error) {
	return nil, nil
}
