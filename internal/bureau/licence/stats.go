package licence

import (
	"context"
	"fmt"
	"sort"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/store"
)

// Related gives an enterprise's licences and open applications for its
// page; the licences are shown in red when one is expired or expiring.
func (s *Service) Related(ctx context.Context, p *auth.Principal, e enterprise.Enterprise) ([]enterprise.Related, error) {
	today := s.today()
	var active, warn, open int
	err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE status = $2), count(*) FILTER (WHERE status = $2 AND valid_to <= $3)
		FROM licence WHERE enterprise_id = $1`, e.ID, LicenceActive, today.AddDate(0, 0, ExpiringDays).Format(DateLayout)).Scan(&active, &warn)
	if err != nil {
		return nil, fmt.Errorf("related licences: %w", err)
	}
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM licence_application WHERE enterprise_id = $1 AND state IN (`+
		placeholders(1, len(OpenStates))+`)`, append([]any{e.ID}, toAny(OpenStates)...)...).Scan(&open); err != nil {
		return nil, fmt.Errorf("related applications: %w", err)
	}
	fits := false
	for _, t := range Types {
		fits = fits || TypeFits(t.Code, e.Sector)
	}
	if !fits && active == 0 && open == 0 {
		return nil, nil
	}
	return []enterprise.Related{
		{Label: "licence.related_licences", Count: active, Link: "/licences?enterprise=" + e.ID, Warn: warn > 0},
		{Label: "licence.related_applications", Count: open, Link: "/licence-applications?open=1&enterprise=" + e.ID},
	}, nil
}

// HomeCounts returns, in scope, the applications in progress and the
// licences in force expiring within 90 days.
func (s *Service) HomeCounts(ctx context.Context, p *auth.Principal) (open, expiring int, err error) {
	var w store.Where
	if err := s.scope(ctx, p, &w, "", "", ""); err != nil {
		return 0, 0, err
	}
	w.In("state", OpenStates)
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM licence_application`+w.SQL(), w.Args()...).Scan(&open); err != nil {
		return 0, 0, fmt.Errorf("open applications: %w", err)
	}
	var w2 store.Where
	if err := s.scope(ctx, p, &w2, "", "", ""); err != nil {
		return 0, 0, err
	}
	today := s.today()
	w2.Add("status = ? AND valid_to >= ? AND valid_to <= ?", LicenceActive, today.Format(DateLayout), today.AddDate(0, 0, ExpiringDays).Format(DateLayout))
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM licence`+w2.SQL(), w2.Args()...).Scan(&expiring); err != nil {
		return 0, 0, fmt.Errorf("expiring licences: %w", err)
	}
	return open, expiring, nil
}

// DecisionCount is what the county decided on one licence type in a
// period, with the applications behind each figure.
type DecisionCount struct {
	Type    string   `json:"type"`
	Decided int      `json:"decided"`
	Granted int      `json:"granted"`
	Refused int      `json:"refused"`
	IDs     []string `json:"ids"`         // every application decided
	Grants  []string `json:"granted_ids"` // the applications granted
}

// Decisions counts, per county-issued type, the applications decided in
// [from, to) (calendar dates; the report gives the period explicitly, so
// the figures do not depend on today), of the enterprises in p's scope
// and, when town is given, of that town's enterprises.
func (s *Service) Decisions(ctx context.Context, p *auth.Principal, town string, from, to time.Time) ([]DecisionCount, error) {
	var w store.Where
	if err := s.scope(ctx, p, &w, town, "", ""); err != nil {
		return nil, err
	}
	w.Add("decided_on >= ? AND decided_on < ?", from.Format(DateLayout), to.Format(DateLayout))
	rows, err := s.db.R().QueryContext(ctx, `SELECT id, type, decision FROM licence_application`+w.SQL()+` ORDER BY decided_on, id`, w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("decisions: %w", err)
	}
	defer rows.Close()
	by := map[string]*DecisionCount{}
	for rows.Next() {
		var id, typ, decision string
		if err := rows.Scan(&id, &typ, &decision); err != nil {
			return nil, err
		}
		c := by[typ]
		if c == nil {
			c = &DecisionCount{Type: typ}
			by[typ] = c
		}
		c.Decided++
		c.IDs = append(c.IDs, id)
		switch decision {
		case DecisionGranted:
			c.Granted++
			c.Grants = append(c.Grants, id)
		case DecisionRefused:
			c.Refused++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []DecisionCount
	for _, t := range Types {
		if c := by[t.Code]; c != nil {
			out = append(out, *c)
		}
	}
	return out, nil
}

// PrelimCount is the petrol-station applications the county reviewed
// first (初审) in a period, by kind, with the applications behind it.
type PrelimCount struct {
	Total     int      `json:"total"`
	New       int      `json:"new"`
	Extension int      `json:"extension"`
	Change    int      `json:"change"`
	Forwarded int      `json:"forwarded"` // of them, forwarded to the city
	IDs       []string `json:"ids"`
}

// PrelimReviewed counts the petrol-station applications preliminarily
// reviewed in [from, to) (F-CHEM-2).
func (s *Service) PrelimReviewed(ctx context.Context, p *auth.Principal, town string, from, to time.Time) (PrelimCount, error) {
	var c PrelimCount
	var w store.Where
	if err := s.scope(ctx, p, &w, town, "", ""); err != nil {
		return c, err
	}
	w.Add("type = ? AND prelim_on >= ? AND prelim_on < ?", TypePetrolStation, from.Format(DateLayout), to.Format(DateLayout))
	rows, err := s.db.R().QueryContext(ctx, `SELECT id, kind, forwarded_on FROM licence_application`+w.SQL()+` ORDER BY prelim_on, id`, w.Args()...)
	if err != nil {
		return c, fmt.Errorf("preliminary reviews: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, kind, fwd string
		if err := rows.Scan(&id, &kind, &fwd); err != nil {
			return c, err
		}
		c.Total++
		c.IDs = append(c.IDs, id)
		switch kind {
		case KindNew:
			c.New++
		case KindExtension:
			c.Extension++
		case KindChange:
			c.Change++
		}
		if fwd != "" {
			c.Forwarded++
		}
	}
	return c, rows.Err()
}

// expiring is a licence due for a warning.
type expiring struct {
	Licence
	daysLeft  int
	threshold int
}

// SweepExpiry warns about licences in force expiring within 90, 60 and 30
// days: one in-app notification per licence, threshold and recipient (the
// supervising section's staff and the enterprise's accounts), with the
// dedupe key licence-expiry:<licence>:<threshold>:<user>, so running it
// again notifies nobody twice. It returns the notifications created.
func (s *Service) SweepExpiry(ctx context.Context, now time.Time) (int, error) {
	if s.notify == nil || s.recipients == nil {
		return 0, nil
	}
	today := Today(now)
	rows, err := s.db.R().QueryContext(ctx, `SELECT `+licCols+` FROM licence WHERE status = $1 AND valid_to >= $2 AND valid_to <= $3
		ORDER BY county_code, valid_to, id`, LicenceActive, today.Format(DateLayout), today.AddDate(0, 0, Thresholds[0]).Format(DateLayout))
	if err != nil {
		return 0, fmt.Errorf("expiring licences: %w", err)
	}
	var due []expiring
	for rows.Next() {
		l, err := scanLic(rows)
		if err != nil {
			rows.Close()
			return 0, err
		}
		left := DaysLeft(l.ValidTo, today)
		if th := Threshold(left); th > 0 {
			due = append(due, expiring{Licence: l, daysLeft: left, threshold: th})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	type message struct {
		lic   expiring
		m     notify.Message
		users int
	}
	var msgs []message
	for _, x := range due {
		sys := &auth.Principal{UserID: "system", Username: "system", Role: auth.RoleAdmin, CountyCode: x.CountyCode}
		e, err := s.ent.Get(ctx, sys, x.EnterpriseID)
		if errs.KindOf(err) == errs.NotFound {
			continue
		}
		if err != nil {
			return 0, err
		}
		users, err := s.recipients(ctx, x.CountyCode, e.SectionID, e.ID)
		if err != nil {
			return 0, err
		}
		t, _ := TypeOf(x.Type)
		for _, u := range users {
			msgs = append(msgs, message{lic: x, users: len(users), m: notify.Message{
				CountyCode: x.CountyCode, UserID: u, Topic: "licence.expiry",
				Title: fmt.Sprintf("许可证%d天内到期：%s", x.threshold, e.Name),
				Body: fmt.Sprintf("%s的%s（%s）将于%s到期，还剩%d天。请督促企业在有效期届满前办理延期。",
					e.Name, t.Name, x.Number, x.ValidTo, x.daysLeft),
				Link: "/licences/" + x.ID, Entity: "licence", EntityID: x.ID,
				DedupeKey: fmt.Sprintf("licence-expiry:%s:%d:%s", x.ID, x.threshold, u)}})
		}
	}
	if len(msgs) == 0 {
		return 0, nil
	}
	created := 0
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		created = 0
		per := map[string]int{}
		for _, m := range msgs {
			ok, err := s.notify.Enqueue(ctx, tx, m.m)
			if err != nil {
				return err
			}
			if ok {
				created++
				per[m.lic.ID]++
			}
		}
		ts := now.UTC()
		idList := make([]string, 0, len(per))
		for id := range per {
			idList = append(idList, id)
		}
		sort.Strings(idList)
		for _, id := range idList {
			var x expiring
			for _, m := range msgs {
				if m.lic.ID == id {
					x = m.lic
					break
				}
			}
			if err := audit.Record(ctx, tx, ts, audit.System(x.CountyCode), audit.Entry{Entity: "licence", EntityID: id, Action: auditAction(ActExpiryAlert),
				After: map[string]any{"threshold": x.threshold, "days_left": x.daysLeft, "valid_to": x.ValidTo, "notified": per[id]}}); err != nil {
				return err
			}
		}
		return nil
	})
	return created, err
}
