package app

import (
	"net/http"

	"yingji/internal/kit/audit"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/store"
	"yingji/internal/kit/web"
)

// auditRefused records an access refused because the record lies outside
// the user's scope (拒绝并记入操作日志): a "denied" entry naming the user,
// the record and the attempted request. The user is answered a plain 404
// all the same, so the entry is the only trace that the record exists.
func (a *App) auditRefused(r *http.Request, ref errs.Ref) error {
	p := web.PrincipalFrom(r.Context())
	if p == nil {
		return nil
	}
	return a.DB.InTx(r.Context(), func(tx *store.Tx) error {
		return audit.Record(r.Context(), tx, a.Now(), p.Actor(), audit.Entry{Entity: ref.Entity, EntityID: ref.ID, Action: "denied",
			After: map[string]any{"attempt": r.Method + " " + r.URL.Path}})
	})
}
