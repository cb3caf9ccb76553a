package app

import (
	"cmp"
	"context"
	"net/url"
	"slices"
	"strconv"
	"time"

	"yingji/internal/bureau/certificate"
	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/dashboard"
)

// An enterprise account's dashboard: its own hazards (found and closed by
// month: the hazard trend, which scopes itself to the enterprise), its open
// hazards by deadline and its certificates expiring — each through the
// module's service in the account's scope, so nothing of another
// enterprise can reach it. The town, section and county panels stay off.

// openHazardsPanel: the enterprise's open hazards, the nearest deadline
// first, red once past it, orange within a week; each opens its hazard.
func (a *App) openHazardsPanel(ctx context.Context, p *auth.Principal, today, lang string) (*dashboard.Panel, error) {
	if p.Role != auth.RoleEnterprise {
		return nil, nil
	}
	list, total, err := a.Hazard.List(ctx, p, hazard.Filter{OpenOnly: true, Limit: 1000})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(list, func(x, y hazard.Record) int {
		// Without a deadline last.
		return cmp.Or(boolCompare(x.Deadline == "", y.Deadline == ""), cmp.Compare(x.Deadline, y.Deadline), cmp.Compare(x.ID, y.ID))
	})
	soon := today
	if d, err := time.Parse(time.DateOnly, today); err == nil {
		soon = d.AddDate(0, 0, 7).Format(time.DateOnly)
	}
	overdue := 0
	pn := &dashboard.Panel{ID: "open-hazards", Title: "dashboard.open_hazards", More: "/hazards?open=1", Empty: total == 0, EmptyText: "dashboard.no_open_hazards"}
	for _, h := range list {
		it := dashboard.Item{Label: h.Description, Link: "/hazards/" + url.PathEscape(h.ID),
			Detail: a.UI.I18n.T(lang, "dashboard.hazard_deadline", map[string]any{"Deadline": cmp.Or(h.Deadline, "—"), "State": hazard.StateLabel(h.State, lang)})}
		switch {
		case h.Deadline != "" && h.Deadline < today && h.State.AwaitsRectification():
			it.Tone = dashboard.ToneRed
			overdue++
		case h.Deadline != "" && h.Deadline <= soon:
			it.Tone = dashboard.ToneOrange
		}
		pn.Items = append(pn.Items, it)
	}
	pn.Counts = []dashboard.Count{
		{Label: "dashboard.hazards_open", Value: total, Link: "/hazards?open=1", Tone: toneOf(total > 0, dashboard.ToneOrange)},
		{Label: "dashboard.hazards_overdue", Value: overdue, Link: "/hazards?overdue=1", Tone: toneOf(overdue > 0, dashboard.ToneRed)},
	}
	pn.Cut()
	return pn, nil
}

// expiringCertificatesPanel: the enterprise's certificates ending within
// certificate.ExpiringDays, the soonest first; each opens its certificate.
func (a *App) expiringCertificatesPanel(svc *certificate.Service) dashboard.PanelFunc {
	return func(ctx context.Context, p *auth.Principal, today, lang string) (*dashboard.Panel, error) {
		if p.Role != auth.RoleEnterprise {
			return nil, nil
		}
		list, total, err := svc.List(ctx, p, certificate.Filter{Within: certificate.ExpiringDays, Limit: 1000})
		if err != nil {
			return nil, err
		}
		slices.SortStableFunc(list, func(x, y certificate.Certificate) int {
			return cmp.Or(x.ValidUntil.Time().Compare(y.ValidUntil.Time()), cmp.Compare(x.ID, y.ID))
		})
		more := "/certificates?within=" + strconv.Itoa(certificate.ExpiringDays)
		pn := &dashboard.Panel{ID: "expiring-certificates", Title: "dashboard.expiring_certificates", More: more, Empty: total == 0,
			EmptyText: "dashboard.no_expiring_certificates"}
		for _, c := range list {
			tone := dashboard.ToneOrange
			if c.ValidUntil.String() < today {
				tone = dashboard.ToneRed
			}
			pn.Items = append(pn.Items, dashboard.Item{Label: c.PersonName + " · " + certificate.KindLabel(c.Kind, lang), Tone: tone,
				Link:   "/certificates/" + url.PathEscape(c.ID),
				Detail: a.UI.I18n.T(lang, "dashboard.certificate_until", map[string]any{"Until": c.ValidUntil.String(), "Number": c.Number})})
		}
		pn.Counts = []dashboard.Count{{Label: "dashboard.certificates_expiring", Value: total, Link: more, Tone: toneOf(total > 0, dashboard.ToneOrange)}}
		pn.Cut()
		return pn, nil
	}
}

// boolCompare orders false before true.
func boolCompare(x, y bool) int {
	switch {
	case x == y:
		return 0
	case x:
		return 1
	}
	return -1
}
