package app

import (
	"context"
	"io"

	"yingji/internal/auth"
	"yingji/internal/enforcement"
	"yingji/internal/home"
	"yingji/internal/web"
)

// enforcementModule wires the enforcement documents (执法文书) with their
// numbering, the penalty cases (行政处罚案件) with the fines ledger, the
// measures counted in 家次 (责令停产整顿, 约谈), their Excel registers,
// demo records and report figures; and it makes the hazard loop's order
// and review steps take their document numbers from the register.
func (a *App) enforcementModule() (*module, error) {
	svc := enforcement.New(enforcement.Config{DB: a.DB, Enterprise: a.Enterprise, Now: a.Now, CountyName: a.Cfg.CountyName, Calendar: a.Calendar})
	if a.Hazard != nil {
		a.Hazard.WithDocumentNumbers(svc.HazardNumber)
	}
	h := &enforcement.Handlers{Svc: svc, Ent: a.Enterprise}
	return &module{
		name:      "enforcement",
		policy:    enforcement.Policy(),
		templates: enforcement.Templates,
		locales:   enforcement.Locales,
		api:       enforcement.API(),
		register: func(rt *webRouter) {
			h.UI = a.UI
			h.Register(rt)
		},
		ledgers: []*ledgerT{svc.DocumentLedger(), svc.CaseLedger()},
		figures: svc.Figures(),
		nav: []navEntry{{Area: "enforcement", Items: []web.NavItem{
			{Key: "enforcement-documents", Label: "enforcement.documents", Path: "/enforcement/documents", Built: true},
			{Key: "enforcement-cases", Label: "enforcement.cases", Path: "/enforcement/cases", Built: true},
			{Key: "enforcement-measures", Label: "enforcement.measures", Path: "/enforcement/measures", Built: true},
		}}},
		demo: func(ctx context.Context, out io.Writer) error {
			var who enforcement.DemoPeople
			if p, err := a.Auth.PrincipalFor(ctx, "jg1"); err == nil {
				who.Mine = p
			}
			if p, err := a.Auth.PrincipalFor(ctx, "jg2"); err == nil {
				who.Industry = p
			}
			if p, err := a.Auth.PrincipalFor(ctx, "leader"); err == nil {
				who.Leader = p
			}
			return svc.Demo(ctx, out, a.Cfg.County, who)
		},
		todo: func(ctx context.Context, p *auth.Principal) ([]home.Todo, error) {
			if !enforcement.CanApprove(p) {
				return nil, nil
			}
			_, n, err := svc.ListCases(ctx, p, enforcement.CaseFilter{State: enforcement.StateFiling + "," + enforcement.StateClosing, Limit: 1})
			if err != nil || n == 0 {
				return nil, err
			}
			return []home.Todo{{Label: "enforcement.todo_approve", Count: n, Link: "/enforcement/cases?state=filing,closing"}}, nil
		},
	}, nil
}
