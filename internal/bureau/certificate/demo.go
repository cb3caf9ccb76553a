package certificate

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/person"
	"yingji/internal/kit/store"
)

// The demo's story (consistent with the source report): principals and
// safety managers of most 工贸 and high-risk enterprises hold competence
// certificates renewed every three years; a few never held one, some let
// theirs lapse in 2021/2022. In May 2022 监管二股 surveyed the 规上 工贸
// enterprises (持证情况摸底) and in June 2022 warned those lacking a
// certificate, giving them three months; some obtained one in time (the
// warning cleared), the others are overdue. Mines, chemical plants and
// the big machinery and metallurgy works also hold special-operation
// certificates (电工, 焊接 …), reviewed every three years.
var (
	demoSurveyDays = []string{"2022-05-16", "2022-05-17", "2022-05-18", "2022-05-19", "2022-05-20", "2022-05-23", "2022-05-24", "2022-05-25", "2022-05-26", "2022-05-27"}
	demoWarnDays   = []string{"2022-06-06", "2022-06-07", "2022-06-08", "2022-06-09", "2022-06-13", "2022-06-14"}
	// demoExpiring are the days from today at which a few current
	// certificates end, so the expiry warnings have something to say.
	demoExpiring = []int{15, 28, 50, 66, 84}
	demoSurnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾汪")
	demoGiven    = []string{"长江", "玉峰", "红军", "志刚", "小平", "秀英", "金华", "德明", "海波", "春花", "国平", "建军", "永生", "新民", "富贵", "良才"}
)

// Demo fates of an enterprise's competence certificates.
const (
	fateValid          = iota // both hold certificates renewed on time
	fateNone                  // neither ever held one
	fatePrincipalLapse        // the principal's lapsed in 2021/2022
	fateSafetyLapse           // the safety manager's lapsed in 2021/2022
	fateLate                  // the principal had none at the survey, obtained one after the warning
)

type demoGen struct {
	county string
	today  Date
	n      int // persons so far
	certs  []Certificate
	renews []Renewal
	held   map[string][]Held // enterprise → competence certificates, for the survey
}

// person returns a demo person's ID number (fictional region 349901, a
// valid check character) and the person's own random source for dates,
// both fixed by the person's number so that loading again on another day
// gives the same people.
func (g *demoGen) person() (string, *rand.Rand) {
	g.n++
	birth := time.Date(1962, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, (g.n*389)%11000)
	body := fmt.Sprintf("349901%s%03d", birth.Format("20060102"), g.n%1000)
	c, _ := person.IDCheckChar(body)
	return body + string(c), rand.New(rand.NewPCG(uint64(g.n), 0x6a2022))
}

// demoNumber is a competence certificate's number: 皖WH and the last
// digits of the holder's ID number.
func demoNumber(id string) string { return "皖WH" + id[len(id)-8:len(id)-1] }

func randDay(r *rand.Rand, from, to string) Date {
	a, b := MustDate(from), MustDate(to)
	return a.AddDays(r.IntN(a.DaysUntil(b) + 1))
}

// competence adds a competence certificate first issued on first; with
// keep it is renewed (three-yearly, a few weeks early) until its period
// covers today. end, when not zero, makes the current period end on that
// day instead.
func (g *demoGen) competence(e enterprise.Enterprise, role, name, id string, r *rand.Rand, first Date, keep bool, end Date) Certificate {
	c := Certificate{ID: ids.New(), CountyCode: g.county, EnterpriseID: e.ID, PersonName: name, IDNumber: id, PersonRole: role,
		Kind: KindCompetence, Category: CategoryForSector(e.Sector), Number: demoNumber(id), Authority: "芜湖市应急管理局", Verified: true,
		IssuedOn: first, ExpiresOn: EndOfYears(first, 3)}
	if !end.IsZero() {
		c.IssuedOn, c.ExpiresOn = end.AddYears(-6).AddDays(1), end.AddYears(-3)
	}
	h := Held{ID: c.ID, PersonRole: role, PersonName: name, Verified: true}
	for keep && !c.ExpiresOn.After(g.today) || (!end.IsZero() && c.ExpiresOn.Before(end)) {
		done := c.ExpiresOn.AddDays(-5 - r.IntN(35))
		if !end.IsZero() {
			done = c.ExpiresOn.AddDays(1)
		}
		h.Periods = append(h.Periods, Period{From: c.IssuedOn, Until: c.ExpiresOn})
		g.renews = append(g.renews, Renewal{ID: ids.New(), CertificateID: c.ID, Kind: RenewRenew, DoneOn: done,
			OldNumber: c.Number, OldIssuedOn: c.IssuedOn, OldExpiresOn: c.ExpiresOn, NewNumber: c.Number, NewIssuedOn: done,
			NewExpiresOn: EndOfYears(done, 3), Note: "到期换证", RecordedBy: "system", RecordedByName: "系统"})
		c.IssuedOn, c.ExpiresOn = done, EndOfYears(done, 3)
	}
	c.ValidUntil = c.ExpiresOn
	h.Periods = append(h.Periods, Period{From: c.IssuedOn, Until: c.ExpiresOn})
	g.held[e.ID] = append(g.held[e.ID], h)
	g.certs = append(g.certs, c)
	return c
}

// special adds a special-operation certificate issued on first, reviewed
// and renewed on time unless lapse (then its first due review is missed).
func (g *demoGen) special(e enterprise.Enterprise, category, id string, r *rand.Rand, first Date, lapse bool) {
	name := string(demoSurnames[r.IntN(len(demoSurnames))]) + demoGiven[r.IntN(len(demoGiven))]
	c := Certificate{ID: ids.New(), CountyCode: g.county, EnterpriseID: e.ID, PersonName: name, IDNumber: id, PersonRole: RoleOperator,
		Kind: KindSpecial, Category: category, Number: "T" + id, Authority: "安徽省应急管理厅", Verified: true,
		IssuedOn: first, ExpiresOn: DefaultExpiry(KindSpecial, first), ReviewDueOn: DefaultReviewDue(KindSpecial, first)}
	for {
		if !c.ReviewDueOn.IsZero() && !c.ReviewDueOn.After(g.today) {
			if lapse {
				break
			}
			done := c.ReviewDueOn.AddDays(-10 - r.IntN(40))
			next := Date{}
			if n := c.ReviewDueOn.AddYears(3); n.Before(c.ExpiresOn) {
				next = n
			}
			g.renews = append(g.renews, Renewal{ID: ids.New(), CertificateID: c.ID, Kind: RenewReview, DoneOn: done, OldNumber: c.Number,
				OldIssuedOn: c.IssuedOn, OldExpiresOn: c.ExpiresOn, OldReviewDueOn: c.ReviewDueOn, NewNumber: c.Number, NewIssuedOn: c.IssuedOn,
				NewExpiresOn: c.ExpiresOn, NewReviewDueOn: next, Note: "复审合格", RecordedBy: "system", RecordedByName: "系统"})
			c.ReviewDueOn = next
			continue
		}
		if !c.ExpiresOn.After(g.today) {
			done := c.ExpiresOn.AddDays(-20 - r.IntN(30))
			g.renews = append(g.renews, Renewal{ID: ids.New(), CertificateID: c.ID, Kind: RenewRenew, DoneOn: done, OldNumber: c.Number,
				OldIssuedOn: c.IssuedOn, OldExpiresOn: c.ExpiresOn, OldReviewDueOn: c.ReviewDueOn, NewNumber: c.Number, NewIssuedOn: done,
				NewExpiresOn: DefaultExpiry(KindSpecial, done), NewReviewDueOn: DefaultReviewDue(KindSpecial, done), Note: "期满换证", RecordedBy: "system", RecordedByName: "系统"})
			c.IssuedOn, c.ExpiresOn, c.ReviewDueOn = done, DefaultExpiry(KindSpecial, done), DefaultReviewDue(KindSpecial, done)
			continue
		}
		break
	}
	c.ValidUntil = ValidUntil(c.ExpiresOn, c.ReviewDueOn)
	g.certs = append(g.certs, c)
}

// Demo loads the demo certificates, the May 2022 survey and the June 2022
// warnings. It runs after the enterprise demo. A certificate whose number
// is recorded, a check or a warning of the same enterprise and day is
// left alone, so loading twice changes nothing. enterpriseID is the demo
// enterprise account's enterprise; issuer is who made the survey (the
// 监管二股 demo user, or the system).
func (s *Service) Demo(ctx context.Context, out io.Writer, county, enterpriseID string, issuer *auth.Principal) error {
	sys := &auth.Principal{UserID: "system", Username: "system", DisplayName: "系统", Role: auth.RoleAdmin, CountyCode: county}
	if issuer == nil {
		issuer = sys
	}
	var ents []enterprise.Enterprise
	if err := s.ent.Each(ctx, sys, enterprise.Filter{}, func(e enterprise.Enterprise) error {
		ents = append(ents, e)
		return nil
	}); err != nil {
		return err
	}
	if len(ents) == 0 {
		return fmt.Errorf("demo certificates need the demo enterprises")
	}
	slices.SortFunc(ents, func(a, b enterprise.Enterprise) int { return strings.Compare(a.CreditCode, b.CreditCode) })
	g := &demoGen{county: county, today: s.Today(), held: map[string][]Held{}}
	rnd := rand.New(rand.NewPCG(2022, 610))
	special := map[string][]string{"mine": {"mine_safety", "electrician"}, "chem_produce": {"hazchem_ops", "electrician"},
		"metallurgy": {"welding", "electrician"}, "machinery": {"welding"}, "nonferrous": {"metallurgy_ops"}}
	expiring := 0
	for i, e := range ents {
		competent := slices.Contains(IndustrySectors, e.Sector) || slices.Contains([]string{"mine", "chem_produce", "chem_trade", "fireworks_wholesale"}, e.Sector)
		x := rnd.Float64() // drawn for every enterprise: the sequence does not depend on the data
		pickSpecial := rnd.IntN(3) == 0
		if !competent {
			continue
		}
		fate := fateValid
		switch {
		case e.ID == enterpriseID:
		case x < 0.05:
			fate = fateNone
		case x < 0.12:
			fate = fatePrincipalLapse
		case x < 0.19:
			fate = fateSafetyLapse
		case x < 0.28:
			fate = fateLate
		}
		pid, pr := g.person()
		sid, sr := g.person()
		var pEnd, sEnd Date
		if fate == fateValid && (e.ID == enterpriseID || (x > 0.5 && expiring < len(demoExpiring))) {
			if e.ID == enterpriseID {
				sEnd = g.today.AddDays(40)
			} else {
				pEnd = g.today.AddDays(demoExpiring[expiring])
				expiring++
			}
		}
		switch fate {
		case fateValid:
			g.competence(e, RolePrincipal, e.PrincipalName, pid, pr, randDay(pr, "2019-01-01", "2022-03-31"), true, pEnd)
			g.competence(e, RoleSafety, e.SafetyName, sid, sr, randDay(sr, "2019-01-01", "2022-03-31"), true, sEnd)
		case fatePrincipalLapse:
			g.competence(e, RolePrincipal, e.PrincipalName, pid, pr, randDay(pr, "2018-03-01", "2019-11-30"), false, Date{})
			g.competence(e, RoleSafety, e.SafetyName, sid, sr, randDay(sr, "2019-01-01", "2022-03-31"), true, Date{})
		case fateSafetyLapse:
			g.competence(e, RolePrincipal, e.PrincipalName, pid, pr, randDay(pr, "2019-01-01", "2022-03-31"), true, Date{})
			g.competence(e, RoleSafety, e.SafetyName, sid, sr, randDay(sr, "2018-03-01", "2019-11-30"), false, Date{})
		case fateLate:
			g.competence(e, RolePrincipal, e.PrincipalName, pid, pr, randDay(pr, "2022-07-04", "2022-08-26"), true, Date{})
			g.competence(e, RoleSafety, e.SafetyName, sid, sr, randDay(sr, "2019-01-01", "2022-03-31"), true, Date{})
		}
		cats := special[e.Sector]
		if e.Sector == "machinery" || e.Sector == "metallurgy" {
			if !pickSpecial {
				cats = nil
			}
		}
		if e.ID == enterpriseID {
			cats = []string{"mine_safety", "mine_safety", "electrician", "welding"}
		}
		for j, cat := range cats {
			id, r := g.person()
			g.special(e, cat, id, r, randDay(r, "2019-06-01", "2025-12-31"), (i+j)%9 == 4)
		}
	}
	if len(g.certs) > 0 && enterpriseID != "" {
		// The demo enterprise account entered its newest welder itself:
		// waiting for the section's check.
		for k := len(g.certs) - 1; k >= 0; k-- {
			if c := &g.certs[k]; c.EnterpriseID == enterpriseID && c.Category == "welding" {
				c.Verified = false
				break
			}
		}
	}
	// One special operator left his employer: certificate revoked.
	for k := range g.certs {
		if c := &g.certs[k]; c.Kind == KindSpecial && c.Category == "welding" && c.EnterpriseID != enterpriseID && c.ValidUntil.After(g.today) &&
			c.IssuedOn.Before(MustDate("2024-01-01")) {
			c.Revoked, c.RevokedOn, c.RevokeReason = true, MustDate("2024-03-15"), "人员离职"
			break
		}
	}
	if err := s.saveDemo(ctx, out, g, ents, issuer); err != nil {
		return err
	}
	// The expiry reminders the daily sweep would send today.
	n, err := s.Sweep(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "demo: %d certificate expiry reminders sent\n", n)
	return nil
}

// surveyAndWarnings derives the May 2022 checks and the June 2022
// warnings of the 规上 工贸 enterprises from the demo certificates.
func (g *demoGen) surveyAndWarnings(ents []enterprise.Enterprise, issuer *auth.Principal) ([]surveyCheck, []Warning) {
	var checks []surveyCheck
	var warnings []Warning
	k := 0
	for _, e := range ents {
		if e.Scale != enterprise.ScaleAbove || !slices.Contains(IndustrySectors, e.Sector) {
			continue
		}
		on := MustDate(demoSurveyDays[k%len(demoSurveyDays)])
		pGap, sGap := Assess(g.held[e.ID], RolePrincipal, on), Assess(g.held[e.ID], RoleSafety, on)
		checks = append(checks, surveyCheck{enterpriseID: e.ID, on: on, principalOK: !pGap.Missing, safetyOK: !sGap.Missing})
		if pGap.Missing || sGap.Missing {
			w := Warning{ID: ids.New(), CountyCode: g.county, EnterpriseID: e.ID, WarnedOn: MustDate(demoWarnDays[len(warnings)%len(demoWarnDays)]),
				IssuedBy: issuer.UserID, IssuedByName: displayName(issuer), Note: "2022年持证情况摸底"}
			w.Deadline = Deadline(w.WarnedOn)
			w.IssuedAt = w.WarnedOn.Time().Add(2 * time.Hour) // 10:00 in Shanghai
			if pGap.Missing {
				w.Missing = append(w.Missing, RolePrincipal)
			}
			if sGap.Missing {
				w.Missing = append(w.Missing, RoleSafety)
			}
			// It clears on the first day after the warning both hold a
			// valid certificate (the day the late one was issued).
			var days []Date
			for _, h := range g.held[e.ID] {
				for _, p := range h.Periods {
					if p.From.After(w.WarnedOn) {
						days = append(days, p.From)
					}
				}
			}
			slices.SortFunc(days, func(a, b Date) int { return a.t.Compare(b.t) })
			for _, d := range days {
				if !Assess(g.held[e.ID], RolePrincipal, d).Missing && !Assess(g.held[e.ID], RoleSafety, d).Missing {
					w.ClearedOn = d
					for _, h := range g.held[e.ID] {
						if h.Periods[0].From.Equal(d) {
							w.ClearedBy = h.ID
						}
					}
					break
				}
			}
			warnings = append(warnings, w)
		}
		k++
	}
	return checks, warnings
}

type surveyCheck struct {
	enterpriseID          string
	on                    Date
	principalOK, safetyOK bool
}

// saveDemo writes what is not there yet, in one transaction.
func (s *Service) saveDemo(ctx context.Context, out io.Writer, g *demoGen, ents []enterprise.Enterprise, issuer *auth.Principal) error {
	checks, warnings := g.surveyAndWarnings(ents, issuer)
	nc, nw, nk := 0, 0, 0
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		nc, nw, nk = 0, 0, 0
		now := s.now().UTC()
		var entries []audit.Entry
		existing := map[string]bool{}
		rows, err := tx.QueryContext(ctx, `SELECT kind, category, number FROM certificate WHERE county_code = $1`, g.county)
		if err != nil {
			return err
		}
		for rows.Next() {
			var k, c, n string
			if err := rows.Scan(&k, &c, &n); err != nil {
				rows.Close()
				return err
			}
			existing[numberKey(k, c, n)] = true
		}
		rows.Close()
		added := map[string]bool{}
		for _, c := range g.certs {
			if existing[numberKey(c.Kind, c.Category, c.Number)] {
				continue
			}
			c.CreatedAt, c.UpdatedAt = now, now
			if err := s.insert(ctx, tx, c); err != nil {
				return fmt.Errorf("demo certificate %s: %w", c.Number, err)
			}
			added[c.ID] = true
			entries = append(entries, audit.Entry{Entity: "certificate", EntityID: c.ID, Action: "create", After: audited(c)})
			nc++
		}
		for _, r := range g.renews {
			if !added[r.CertificateID] {
				continue
			}
			r.RecordedAt = r.DoneOn.Time().Add(2 * time.Hour)
			if err := s.insertRenewal(ctx, tx, g.county, r); err != nil {
				return err
			}
			entries = append(entries, audit.Entry{Entity: "certificate", EntityID: r.CertificateID, Action: r.Kind, After: auditedRenewal(r)})
		}
		for _, w := range warnings {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM certificate_warning WHERE enterprise_id = $1 AND warned_on = $2`,
				w.EnterpriseID, w.WarnedOn).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			if err := s.insertWarning(ctx, tx, w, w.ClearedOn.IsZero()); err != nil {
				return fmt.Errorf("demo warning: %w", err)
			}
			entries = append(entries, audit.Entry{Entity: "certificate_warning", EntityID: w.ID, Action: "warn", After: w})
			nw++
		}
		for _, c := range checks {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM certificate_check WHERE county_code = $1 AND enterprise_id = $2 AND checked_on = $3`,
				g.county, c.enterpriseID, c.on).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			id := ids.New()
			if _, err := tx.ExecContext(ctx, `INSERT INTO certificate_check (id, county_code, enterprise_id, checked_on, principal_ok, safety_ok, checked_by, checked_at)
				VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, id, g.county, c.enterpriseID, c.on, c.principalOK, c.safetyOK, issuer.UserID,
				c.on.Time().Add(time.Hour)); err != nil {
				return fmt.Errorf("demo check: %w", err)
			}
			entries = append(entries, audit.Entry{Entity: "certificate_check", EntityID: id, Action: "survey",
				After: map[string]any{"enterprise_id": c.enterpriseID, "checked_on": c.on, "principal_ok": c.principalOK, "safety_ok": c.safetyOK}})
			nk++
		}
		return audit.RecordMany(ctx, tx, now, audit.System(g.county), entries)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "demo: %d certificates, %d survey checks, %d warnings created (%d certificates in the demo set, dates as of %s)\n",
		nc, nk, nw, len(g.certs), g.today.Chinese())
	return nil
}
