package app

import (
	"context"
	"strings"
	"time"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/home"
	"yingji/internal/kit/store"
	"yingji/internal/kit/web"
)

// homeMemoAge bounds how long a kept home figure may miss writes this
// process does not see (another process on the same PostgreSQL database).
const homeMemoAge = 30 * time.Second

// homeStale bounds how old the home page's figures may be when they are
// served while one refresh of them runs: under a stream of writes, the
// users of one scope share one count every so often instead of each
// counting the county (the page says when they were counted).
const homeStale = 2 * time.Second

// homeKey names everything a user's home figures depend on besides the
// records: the user, the role, the scope (county, region, unit,
// enterprise, sectors) and the business day. Two principals that differ in
// any of these never share a kept value.
func (a *App) homeKey(p *auth.Principal) string {
	return strings.Join([]string{p.UserID, string(p.Role), p.CountyCode, p.RegionCode, p.UnitID, p.EnterpriseID,
		strings.Join(p.Sectors, ","), a.Now().Format(time.DateOnly)}, "|")
}

// memoHome keeps a module's home figures and 待办 per user, scope and
// business day until a write touches one of the kinds they are computed
// from. The home page is every user's first page: its figures should cost
// a lookup, not a survey of the county, when nothing they count changed.
func (a *App) memoHome(kinds []string, stats home.StatsFunc, todo home.TodoFunc) (home.StatsFunc, home.TodoFunc) {
	var ms home.StatsFunc
	if stats != nil {
		m := store.NewMemo[[]home.Stat](a.DB, homeMemoAge, kinds...)
		ms = func(ctx context.Context, p *auth.Principal) ([]home.Stat, error) {
			return m.Get(a.homeKey(p), func() ([]home.Stat, error) { return stats(ctx, p) })
		}
	}
	var mt home.TodoFunc
	if todo != nil {
		m := store.NewMemo[[]home.Todo](a.DB, homeMemoAge, kinds...)
		mt = func(ctx context.Context, p *auth.Principal) ([]home.Todo, error) {
			return m.Get(a.homeKey(p), func() ([]home.Todo, error) { return todo(ctx, p) })
		}
	}
	return ms, mt
}

// homeFigures keeps the whole home page's figures per user and scope (see
// homeKey) until any write commits: concurrent renders of one scope count
// once, and while one refresh runs the others are served the last count if
// it is younger than homeStale. A render with no refresh running counts
// again after any write, so a user who reloads sees what was just saved.
func (a *App) homeFigures() home.MemoFunc {
	m := store.NewMemo[home.Figures](a.DB, homeMemoAge)
	m.SetStale(homeStale)
	return func(ctx context.Context, p *auth.Principal, compute func() (home.Figures, error)) (home.Figures, error) {
		// The language too: a figure's detail may be worded in it.
		return m.Get(a.homeKey(p)+"|"+web.Lang(ctx), compute)
	}
}
