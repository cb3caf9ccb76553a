package app

import (
	"cmp"
	"context"
	"net/url"
	"slices"
	"time"

	"yingji/internal/bureau/duty"
	"yingji/internal/bureau/hazard/supervise"
	"yingji/internal/bureau/supplies"
	"yingji/internal/bureau/warning"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/dashboard"
	"yingji/internal/kit/web"
)

// The dashboard's "what runs now" and "what waits for a decision" panels:
// lists of records, each opening exactly its record, with headline
// numbers opening the lists they count. Each is registered by the module
// owning the records (duty, warning, supplies); the decisions panel by
// the dashboard, reading the duty, warning and supervision services.

// regionNamer names region codes (cached for one panel).
func (a *App) regionNamer(ctx context.Context) func(code string) string {
	names := map[string]string{}
	return func(code string) string {
		if code == "" {
			return ""
		}
		if n, ok := names[code]; ok {
			return n
		}
		n, err := a.Org.RegionName(ctx, code)
		if err != nil || n == "" {
			n = code
		}
		names[code] = n
		return n
	}
}

// incidentsPanel: the open incidents in scope with their next report's
// deadline counted down live (red once overdue, orange within 30 minutes).
func (a *App) incidentsPanel(svc *duty.Service) dashboard.PanelFunc {
	return func(ctx context.Context, p *auth.Principal, _, lang string) (*dashboard.Panel, error) {
		if !duty.CanRead(p) {
			return nil, nil
		}
		open, _, err := svc.Running(ctx, p)
		if err != nil {
			return nil, err
		}
		now := a.Now()
		town := a.regionNamer(ctx)
		overdue := 0
		pn := &dashboard.Panel{ID: "incidents", Title: "dashboard.incidents", More: "/duty/incidents?state=open",
			Empty: len(open) == 0, EmptyText: "dashboard.no_incidents"}
		for _, in := range open {
			it := dashboard.Item{Label: in.Title, Link: "/duty/incidents/" + url.PathEscape(in.ID),
				Detail: a.UI.I18n.T(lang, "dashboard.incident_detail", map[string]any{"Town": town(in.TownCode), "N": in.Reports,
					"At": in.ReceivedAt.In(web.Shanghai).Format("01-02 15:04")})}
			if !in.NextDue.IsZero() {
				it.Due = in.NextDue.UTC().Format(time.RFC3339)
				switch {
				case in.Overdue:
					it.Tone = dashboard.ToneRed
				case in.NextDue.Sub(now) < 30*time.Minute:
					it.Tone = dashboard.ToneOrange
				}
			}
			if in.Overdue {
				overdue++
			}
			pn.Items = append(pn.Items, it)
		}
		pn.Counts = []dashboard.Count{
			{Label: "dashboard.incidents_open", Value: len(open), Link: "/duty/incidents?state=open", Tone: toneOf(len(open) > 0, dashboard.ToneOrange)},
			{Label: "dashboard.incidents_overdue", Value: overdue, Link: "/duty/incidents?state=overdue", Tone: toneOf(overdue > 0, dashboard.ToneRed)},
		}
		pn.Cut()
		return pn, nil
	}
}

// toneOf is tone when cond holds, green otherwise (nothing running, nothing late).
func toneOf(cond bool, tone string) string {
	if cond {
		return tone
	}
	return dashboard.ToneGreen
}

// warningsPanel: the warnings in force with, for each, the units that
// have not acknowledged (签收) it. Staff see every unit; a town, department
// or enterprise sees the warnings sent to it and its own 签收.
func (a *App) warningsPanel(svc *warning.Service) dashboard.PanelFunc {
	return func(ctx context.Context, p *auth.Principal, _, lang string) (*dashboard.Panel, error) {
		list, _, err := svc.List(ctx, p, warning.Filter{Active: true, Limit: 1000})
		if err != nil {
			return nil, err
		}
		pn := &dashboard.Panel{ID: "warnings", Title: "dashboard.warnings", More: "/warnings?active=1", Empty: len(list) == 0, EmptyText: "dashboard.no_warnings"}
		unacked, waiting := 0, 0
		for _, w := range list {
			recs, err := svc.Recipients(ctx, p, w.ID)
			if err != nil {
				return nil, err
			}
			n, escalated := 0, false
			for _, r := range recs {
				if !r.Acked() {
					n++
					escalated = escalated || !r.EscalatedAt.IsZero()
				}
			}
			unacked += n
			if n > 0 {
				waiting++
			}
			tone := dashboard.ToneGreen
			if n > 0 {
				tone = dashboard.ToneOrange
				if escalated {
					tone = dashboard.ToneRed
				}
			}
			headline := w.Headline
			if headline == "" {
				headline = warning.DefaultHeadline(w)
			}
			pn.Items = append(pn.Items, dashboard.Item{Label: headline, Value: n, Of: len(recs), Tone: tone,
				Unit: a.UI.I18n.T(lang, "dashboard.not_acked", nil), Link: "/warnings/" + url.PathEscape(w.ID),
				Detail: a.UI.I18n.T(lang, "dashboard.warning_detail", map[string]any{"Level": warning.LevelLabel(w.Level, lang),
					"Until": w.ExpiresAt.In(web.Shanghai).Format("01-02 15:04")})})
		}
		// Those still waiting for 签收 first, the most units first.
		slices.SortStableFunc(pn.Items, func(x, y dashboard.Item) int { return cmp.Compare(y.Value, x.Value) })
		if warning.Staff(p) {
			pn.Counts = []dashboard.Count{
				{Label: "dashboard.warnings_active", Value: len(list), Link: "/warnings?active=1"},
				{Label: "dashboard.warnings_unacked", Value: waiting, Link: "/warnings?active=1&open=1", Tone: toneOf(waiting > 0, dashboard.ToneRed)},
			}
		} else {
			pn.Counts = []dashboard.Count{
				{Label: "dashboard.warnings_active", Value: len(list), Link: "/warnings?active=1"},
				{Label: "dashboard.warnings_mine", Value: unacked, Link: "/warnings?active=1&mine=1", Tone: toneOf(unacked > 0, dashboard.ToneRed)},
			}
		}
		pn.Cut()
		return pn, nil
	}
}

// stockPanel: the stock alerts in scope (below minimum, expired,
// expiring), each opening the warehouse's lines of that item.
func (a *App) stockPanel(svc *supplies.Service) dashboard.PanelFunc {
	return func(ctx context.Context, p *auth.Principal, _, lang string) (*dashboard.Panel, error) {
		if !a.UI.Policy.Allows("GET /stock/alerts", p.Role) {
			return nil, nil
		}
		alerts, err := svc.Alerts(ctx, p)
		if err != nil {
			return nil, err
		}
		pn := &dashboard.Panel{ID: "stock-alerts", Title: "dashboard.stock_alerts", More: "/stock/alerts", Empty: len(alerts) == 0, EmptyText: "dashboard.no_stock_alerts"}
		n := map[string]int{}
		rank := map[string]int{supplies.AlertLow: 0, supplies.AlertExpired: 1, supplies.AlertExpiring: 2}
		slices.SortStableFunc(alerts, func(x, y supplies.Alert) int { return cmp.Compare(rank[x.Kind], rank[y.Kind]) })
		for _, al := range alerts {
			n[al.Kind]++
			q := url.Values{"warehouse": {al.WarehouseID}, "item": {al.ItemID}, "nonzero": {"1"}}
			it := dashboard.Item{Label: al.WarehouseName + " · " + al.ItemName, Value: int(al.Quantity), Unit: al.Unit, Tone: dashboard.ToneRed}
			switch al.Kind {
			case supplies.AlertLow:
				it.Detail = a.UI.I18n.T(lang, "dashboard.stock_low", map[string]any{"Min": al.MinQty, "Unit": al.Unit})
			case supplies.AlertExpired:
				it.Detail = a.UI.I18n.T(lang, "dashboard.stock_expired", map[string]any{"Batch": al.Batch, "On": al.ExpiresOn})
				q.Set("expiry", supplies.AlertExpired)
			default:
				it.Detail = a.UI.I18n.T(lang, "dashboard.stock_expiring", map[string]any{"Batch": al.Batch, "On": al.ExpiresOn})
				it.Tone = dashboard.ToneOrange
				q.Set("expiry", supplies.AlertExpiring)
			}
			it.Link = "/stock?" + q.Encode()
			pn.Items = append(pn.Items, it)
		}
		pn.Counts = []dashboard.Count{
			{Label: "dashboard.stock_low_n", Value: n[supplies.AlertLow], Link: "/stock/alerts", Tone: toneOf(n[supplies.AlertLow] > 0, dashboard.ToneRed)},
			{Label: "dashboard.stock_expired_n", Value: n[supplies.AlertExpired], Link: "/stock?expiry=expired&nonzero=1", Tone: toneOf(n[supplies.AlertExpired] > 0, dashboard.ToneRed)},
			{Label: "dashboard.stock_expiring_n", Value: n[supplies.AlertExpiring], Link: "/stock?expiry=expiring&nonzero=1", Tone: toneOf(n[supplies.AlertExpiring] > 0, dashboard.ToneOrange)},
		}
		pn.Cut()
		return pn, nil
	}
}

// decisionsPanel: what waits for p's decision — extension requests p may
// decide, warnings p may approve (never p's own), and 领导批示 not yet
// carried out — each record opening itself.
func (a *App) decisionsPanel(ctx context.Context, p *auth.Principal, _, lang string) (*dashboard.Panel, error) {
	pn := &dashboard.Panel{ID: "decisions", Title: "dashboard.decisions", EmptyText: "dashboard.nothing_waiting"}
	var items []dashboard.Item
	if a.Supervise != nil && p.Is(supervise.Deciders...) {
		ext, err := a.Supervise.PendingExtensionsFor(ctx, p)
		if err != nil {
			return nil, err
		}
		for _, e := range ext {
			items = append(items, dashboard.Item{Label: e.PlaceName, Tone: dashboard.ToneOrange, Link: "/supervision/extensions/" + url.PathEscape(e.ID),
				Unit:   a.UI.I18n.T(lang, "dashboard.kind_extension", nil),
				Detail: a.UI.I18n.T(lang, "dashboard.extension_detail", map[string]any{"From": e.CurrentDeadline, "To": e.RequestedDeadline, "By": e.RequestedByName})})
		}
		pn.Counts = append(pn.Counts, dashboard.Count{Label: "dashboard.extensions", Value: len(ext), Link: "/supervision?tab=extensions&todo=1",
			Tone: toneOf(len(ext) > 0, dashboard.ToneOrange)})
	}
	if a.Warning != nil && warning.CanApprove(p) {
		drafts, _, err := a.Warning.List(ctx, p, warning.Filter{State: warning.StateDraft, Limit: 1000})
		if err != nil {
			return nil, err
		}
		n := 0
		for _, w := range drafts {
			if w.AuthorID == p.UserID {
				continue // nobody approves their own
			}
			n++
			headline := w.Headline
			if headline == "" {
				headline = warning.DefaultHeadline(w)
			}
			items = append(items, dashboard.Item{Label: headline, Tone: dashboard.ToneOrange, Link: "/warnings/" + url.PathEscape(w.ID),
				Unit:   a.UI.I18n.T(lang, "dashboard.kind_warning", nil),
				Detail: a.UI.I18n.T(lang, "dashboard.warning_draft_detail", map[string]any{"By": w.AuthorName, "Level": warning.LevelLabel(w.Level, lang)})})
		}
		pn.Counts = append(pn.Counts, dashboard.Count{Label: "dashboard.warnings_to_approve", Value: n, Link: "/warnings?state=draft",
			Tone: toneOf(n > 0, dashboard.ToneOrange)})
	}
	if a.Duty != nil && duty.CanRead(p) {
		_, instr, err := a.Duty.Running(ctx, p)
		if err != nil {
			return nil, err
		}
		total := 0
		for _, in := range instr {
			total += in.OpenInstructions
			items = append(items, dashboard.Item{Label: in.Title, Value: in.OpenInstructions, Tone: dashboard.ToneOrange,
				Unit: a.UI.I18n.T(lang, "dashboard.kind_instruction", nil), Link: "/duty/incidents/" + url.PathEscape(in.ID) + "#instructions"})
		}
		pn.Counts = append(pn.Counts, dashboard.Count{Label: "dashboard.instructions", Value: total, Link: "/duty/incidents?instructions=open",
			Tone: toneOf(total > 0, dashboard.ToneOrange)})
	}
	if len(pn.Counts) == 0 {
		return nil, nil
	}
	pn.Items, pn.Empty = items, len(items) == 0
	pn.Cut()
	return pn, nil
}
