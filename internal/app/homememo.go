package app

import (
	"context"
	"strings"
	"time"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/home"
	"yingji/internal/kit/store"
)

// homeMemoAge bounds how long a kept home figure may miss writes this
// process does not see (another process on the same PostgreSQL database).
const homeMemoAge = 30 * time.Second

// memoHome keeps a module's home figures and 待办 per user, scope and
// business day until a write touches one of the kinds they are computed
// from. The home page is every user's first page: its figures should cost
// a lookup, not a survey of the county, when nothing they count changed.
func (a *App) memoHome(kinds []string, stats home.StatsFunc, todo home.TodoFunc) (home.StatsFunc, home.TodoFunc) {
	key := func(p *auth.Principal) string {
		return strings.Join([]string{p.UserID, string(p.Role), p.CountyCode, p.RegionCode, p.UnitID, p.EnterpriseID,
			strings.Join(p.Sectors, ","), a.Now().Format(time.DateOnly)}, "|")
	}
	var ms home.StatsFunc
	if stats != nil {
		m := store.NewMemo[[]home.Stat](a.DB, homeMemoAge, kinds...)
		ms = func(ctx context.Context, p *auth.Principal) ([]home.Stat, error) {
			return m.Get(key(p), func() ([]home.Stat, error) { return stats(ctx, p) })
		}
	}
	var mt home.TodoFunc
	if todo != nil {
		m := store.NewMemo[[]home.Todo](a.DB, homeMemoAge, kinds...)
		mt = func(ctx context.Context, p *auth.Principal) ([]home.Todo, error) {
			return m.Get(key(p), func() ([]home.Todo, error) { return todo(ctx, p) })
		}
	}
	return ms, mt
}
