package reduction

import (
	"context"
	"net/http"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/web"
)

// The JSON API: every register listed (paged, the pages' filters), read
// by ID and created; the steps of events, communities and checkpoints.

func paged[T any](list func(ctx context.Context, p *auth.Principal, f Filter) ([]T, int, error)) func(r *http.Request, pg web.Paging) ([]T, int, error) {
	return func(r *http.Request, pg web.Paging) ([]T, int, error) {
		f := FilterOf(r.URL.Query())
		f.Limit, f.Offset = pg.Size, pg.Offset()
		return list(r.Context(), web.PrincipalFrom(r.Context()), f)
	}
}
