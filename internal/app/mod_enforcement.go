package app

import (
	"context"
	"io"

	"yingji/internal/bureau/enforcement"
	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/home"
	"yingji/internal/kit/web"
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
	a.EnterpriseRelated = append(a.EnterpriseRelated, func(ctx context.Context, p *auth.Principal, e enterprise.Enterprise) ([]enterprise.Related, error) {
		n, _, err := svc.CountDocuments(ctx, p, enforcement.DocFilter{EnterpriseID: e.ID}, false)
		if err != nil {
			return nil, err
		}
		out := []enterprise.Related{{Label: "enforcement.related_documents", Count: int(n), Link: "/enforcement/documents?enterprise=" + e.ID}}
		if a.UI != nil && a.UI.Policy.Allows("GET /enforcement/cases", p.Role) {
			_, c, err := svc.ListCases(ctx, p, enforcement.CaseFilter{EnterpriseID: e.ID, Limit: 1})
			if err != nil {
				return nil, err
			}
			out = append(out, enterprise.Related{Label: "enforcement.related_cases", Count: c, Link: "/enforcement/cases?enterprise=" + e.ID})
		}
		return out, nil
	})
	return &module{
		name:      "enforcement",
		templates: enforcement.Templates,
		locales:   enforcement.Locales,
		routes: func() web.Routes {
			h.UI = a.UI
			return h.Routes()
		},
		ledgers: []*ledgerT{svc.DocumentLedger(), svc.CaseLedger()},
		figures: svc.Figures(),
		audit: web.AuditNames{Codes: map[string]string{"enf_document.kind": "enforcement.kind.", "enf_case.state": "enforcement.state.",
			"enf_case.cause_kind": "enforcement.cause.", "enf_case.payment": "enforcement.pay.", "enf_measure.kind": "enforcement.measure."},
			Values: map[string]web.NameFunc{"legal_basis": func(ctx context.Context, _, code string) (string, bool) {
				set, err := svc.Settings(ctx, a.Cfg.County)
				if err != nil {
					return "", false
				}
				b, ok := set.BasisOf(code)
				return b.Label, ok
			}}},
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
		stats: func(ctx context.Context, p *auth.Principal) ([]home.Stat, error) {
			if a.UI == nil || !a.UI.Policy.Allows("GET /enforcement/cases", p.Role) {
				return nil, nil
			}
			year := svc.Today()[:4]
			n, _, err := svc.CountDocuments(ctx, p, enforcement.DocFilter{From: year + "-01-01", To: year + "-12-31"}, false)
			if err != nil {
				return nil, err
			}
			open := enforcement.StateFiling + "," + enforcement.StateInvestigating + "," + enforcement.StateNotified + "," +
				enforcement.StateDecided + "," + enforcement.StateClosing
			_, c, err := svc.ListCases(ctx, p, enforcement.CaseFilter{State: open, Limit: 1})
			if err != nil {
				return nil, err
			}
			return []home.Stat{{Label: "enforcement.home_documents", Value: int(n), Link: "/enforcement/documents?from=" + year + "-01-01&to=" + year + "-12-31"},
				{Label: "enforcement.home_open_cases", Value: c, Link: "/enforcement/cases?state=" + open}}, nil
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
