package app

import (
	"context"
	"errors"
	"fmt"

	"yingji/internal/kit/audit"
	"yingji/internal/kit/errs"
)

// VerifyAudit checks the audit chain.
func (a *App) VerifyAudit(ctx context.Context) (audit.Result, error) {
	return audit.VerifyKeyed(ctx, a.DB.R(), a.DB.MAC)
}

// Explain renders a service error for the command line in Chinese and
// English; internal errors keep their detail.
func (a *App) Explain(err error) error {
	e, ok := errs.As(err)
	if !ok || e.Kind == errs.Internal {
		return err
	}
	msg := a.UI.I18n.T("zh", e.Message, e.Args) + " / " + a.UI.I18n.T("en", e.Message, e.Args)
	for _, fe := range errs.Fields(err) {
		msg += fmt.Sprintf("\n  %s: %s / %s", fe.Field, a.UI.I18n.T("zh", fe.Message, fe.Args), a.UI.I18n.T("en", fe.Message, fe.Args))
	}
	return errors.New(msg)
}
