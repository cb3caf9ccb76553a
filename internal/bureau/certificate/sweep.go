package certificate

import (
	"context"
	"fmt"
	"slices"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/jobs"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/person"
	"yingji/internal/kit/store"
)

// SweepKind is the periodic job that sends the expiry warnings.
const SweepKind = "certificate_expiry"

// Sweep notifies about every certificate (all counties) ending within 90
// days: one in-app notification per certificate, threshold (90, 60, 30
// days) and recipient — the enterprise's accounts and its supervising
// section's staff. The dedupe key holds the end date, so a renewed
// certificate is warned about again in its next period, and running the
// sweep twice notifies once. It returns the number of notifications
// written.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	if s.notify == nil {
		return 0, nil
	}
	today := s.Today()
	rows, err := s.db.R().QueryContext(ctx, `SELECT `+cols+` FROM certificate WHERE revoked = $1 AND valid_until >= $2 AND valid_until <= $3
		ORDER BY county_code, enterprise_id, valid_until`, false, today, today.AddDays(Thresholds[0]))
	if err != nil {
		return 0, fmt.Errorf("expiring certificates: %w", err)
	}
	var due []Certificate
	for rows.Next() {
		c, err := s.scan(rows)
		if err != nil {
			rows.Close()
			return 0, fmt.Errorf("expiring certificates: %w", err)
		}
		due = append(due, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	// Enterprises and recipients, read before the write transaction.
	type target struct {
		e     enterprise.Enterprise
		users []string
	}
	targets := map[string]target{}
	for _, c := range due {
		if _, ok := targets[c.EnterpriseID]; ok {
			continue
		}
		sys := &auth.Principal{UserID: "system", Username: "system", Role: auth.RoleAdmin, CountyCode: c.CountyCode}
		e, err := s.ent.Get(ctx, sys, c.EnterpriseID)
		if err != nil {
			return 0, err
		}
		entUsers, secUsers, err := s.recipients(ctx, c.CountyCode, e.ID, e.SectionID)
		if err != nil {
			return 0, err
		}
		users := append(slices.Clone(entUsers), secUsers...)
		slices.Sort(users)
		targets[c.EnterpriseID] = target{e: e, users: slices.Compact(users)}
	}
	n := 0
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		n = 0
		for _, c := range due {
			days := today.DaysUntil(c.ValidUntil)
			th, ok := Threshold(days)
			if !ok {
				continue
			}
			t := targets[c.EnterpriseID]
			title, body := expiryText(t.e, c, days)
			for _, uid := range t.users {
				created, err := s.notify.Enqueue(ctx, tx, notify.Message{CountyCode: c.CountyCode, UserID: uid, Topic: "certificate.expiry",
					Title: title, Body: body, Link: "/certificates/" + c.ID, Entity: "certificate", EntityID: c.ID,
					DedupeKey: fmt.Sprintf("certificate.expiry:%s:%s:%d:%s", c.ID, c.ValidUntil, th, uid)})
				if err != nil {
					return err
				}
				if created {
					n++
				}
			}
		}
		return nil
	})
	return n, err
}

// expiryText is the notification about a certificate ending in days.
// The certificate number is masked where it embeds the holder's ID number:
// notifications also leave by SMS and group robots, and the link leads
// those who may read it to the record.
func expiryText(e enterprise.Enterprise, c Certificate, days int) (title, body string) {
	what := "到期"
	if !c.ReviewDueOn.IsZero() && c.ValidUntil.Equal(c.ReviewDueOn) && c.ReviewDueOn.Before(c.ExpiresOn) {
		what = "复审到期"
	}
	title = fmt.Sprintf("证书%s提醒：%s %s（%d 天后）", what, c.PersonName, KindLabel(c.Kind, "zh"), days)
	body = fmt.Sprintf("%s %s %s 的%s（%s，编号 %s）将于%s%s，还有 %d 天。请及时办理%s。",
		e.Name, RoleLabel(c.PersonRole, "zh"), c.PersonName, KindLabel(c.Kind, "zh"), CategoryLabel(c.Kind, c.Category, "zh"), person.MaskIDsIn(c.Number),
		c.ValidUntil.Chinese(), what, days, map[bool]string{true: "复审", false: "延期换证"}[what == "复审到期"])
	return title, body
}

// SweepJob is the job handler running Sweep.
func (s *Service) SweepJob() jobs.Handler {
	return func(ctx context.Context, j *jobs.Job, prog jobs.Progress) error {
		n, err := s.Sweep(ctx)
		if err != nil {
			return err
		}
		prog.Set(1, 1, fmt.Sprintf("已发送 %d 条证书到期提醒", n))
		return j.SetResult(map[string]int{"notified": n})
	}
}
