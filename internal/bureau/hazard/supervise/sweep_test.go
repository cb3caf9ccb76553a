package supervise_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"yingji/internal/bureau/hazard"
	"yingji/internal/bureau/hazard/supervise"
	"yingji/internal/kit/attach"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/demo"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

// TestYellowOnAgreesWithCardFor checks the stored yellow day gives, by
// plain date comparison, the card hazard.CardFor gives on every day.
func TestYellowOnAgreesWithCardFor(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	cst := time.FixedZone("CST", 8*3600)
	for i := 0; i < 3000; i++ {
		found := time.Date(2022, 1, 1, 0, 0, 0, 0, cst).AddDate(0, 0, rnd.IntN(400))
		deadline := found.AddDate(0, 0, rnd.IntN(120))
		share := 0.5 + float64(rnd.IntN(50))/100
		r := hazard.CardRules{YellowShare: share}
		h := hazard.Hazard{State: hazard.Rectifying, FoundOn: found, Deadline: deadline}
		y := hazard.Date(supervise.YellowOn(found, deadline, share))
		for d := found.AddDate(0, 0, -1); !d.After(deadline.AddDate(0, 0, 2)); d = d.AddDate(0, 0, 1) {
			if d.Before(found) {
				continue
			}
			want := hazard.CardFor(h, d, r)
			got := supervise.CardOn(hazard.Date(deadline), y, hazard.Date(d))
			if got != want {
				t.Fatalf("found %s deadline %s share %.2f on %s: CardOn %q, CardFor %q (yellow_on %s)",
					hazard.Date(found), hazard.Date(deadline), share, hazard.Date(d), got, want, y)
			}
		}
	}
}

func TestSweepCards(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		// Found 06-01, due 06-11: 10 days, yellow from 06-10 (90 %), red from 06-12.
		h := f.ordered(t, "井下安全出口标识缺失", "2022-06-01", "2022-06-11", hazard.General)
		// Another, far from its deadline.
		far := f.ordered(t, "配电箱未上锁", "2022-06-01", "2022-07-30", hazard.General)
		qiye, jg1, jg2 := f.p(t, "qiye"), f.p(t, "jg1"), f.p(t, "jg2")

		f.clock.set("2022-06-09")
		r := f.sweep(t)
		if r.Red+r.Yellow != 0 || r.Reminded != 1 {
			t.Fatalf("06-09: no card, one reminder (3 days before): %+v", r)
		}
		if c := f.get(t, h.ID); c.Card != hazard.NoCard {
			t.Fatalf("06-09 card %q", c.Card)
		}
		if n := f.count(t, `SELECT count(*) FROM notification WHERE topic = 'hazard.remind' AND recipient_user_id = $1`, qiye.UserID); n != 1 {
			t.Fatalf("the enterprise is reminded once: %d", n)
		}

		f.clock.set("2022-06-10")
		r = f.sweep(t)
		if r.Yellow != 1 || r.Red != 0 {
			t.Fatalf("06-10: one yellow: %+v", r)
		}
		c := f.get(t, h.ID)
		if c.Card != hazard.Yellow || c.CardSince != "2022-06-10" {
			t.Fatalf("06-10: %q since %s", c.Card, c.CardSince)
		}
		// The enterprise and the supervising section (监管一股) are told, not 监管二股.
		for _, u := range []string{qiye.UserID, jg1.UserID} {
			if n := f.count(t, `SELECT count(*) FROM notification WHERE topic = 'hazard.card.yellow' AND recipient_user_id = $1`, u); n != 1 {
				t.Fatalf("yellow notification to %s: %d", u, n)
			}
		}
		if n := f.count(t, `SELECT count(*) FROM notification WHERE recipient_user_id = $1`, jg2.UserID); n != 0 {
			t.Fatalf("监管二股 told of a mine's card: %d", n)
		}
		// Idempotent: the same day again changes nothing and tells nobody again.
		before := f.count(t, `SELECT count(*) FROM notification`)
		r = f.sweep(t)
		if r.Changed() || r.Notified != 0 {
			t.Fatalf("second run changed something: %+v", r)
		}
		if n := f.count(t, `SELECT count(*) FROM notification`); n != before {
			t.Fatalf("second run notified: %d → %d", before, n)
		}

		f.clock.set("2022-06-11") // the deadline itself: still yellow
		if r = f.sweep(t); r.Changed() {
			t.Fatalf("06-11 (deadline day): %+v", r)
		}
		f.clock.set("2022-06-12")
		r = f.sweep(t)
		if r.Red != 1 || r.Cleared != 1 {
			t.Fatalf("06-12: red, yellow cleared: %+v", r)
		}
		if c := f.get(t, h.ID); c.Card != hazard.Red || c.CardSince != "2022-06-12" {
			t.Fatalf("06-12: %q since %s", c.Card, c.CardSince)
		}
		if n := f.count(t, `SELECT count(*) FROM notification WHERE topic = 'hazard.card.red'`); n != 2 {
			t.Fatalf("red notifications: %d, want 2 (enterprise, section)", n)
		}
		if c := f.get(t, far.ID); c.Card != hazard.NoCard {
			t.Fatalf("far hazard carded %q", c.Card)
		}
		// The cards are visible to the enterprise and the section, not to 监管二股.
		for _, p := range []string{"qiye", "jg1", "leader"} {
			list, total, err := f.svc.Cards(ctx, f.p(t, p), supervise.CardFilter{})
			if err != nil || total != 1 || list[0].HazardID != h.ID || list[0].Card != hazard.Red || list[0].Days != 1 {
				t.Fatalf("%s sees %d cards %+v %v", p, total, list, err)
			}
		}
		if _, total, _ := f.svc.Cards(ctx, jg2, supervise.CardFilter{}); total != 0 {
			t.Fatalf("监管二股 sees %d cards", total)
		}
		// Proposals: a red card standing 7 days.
		f.clock.set("2022-06-18")
		f.sweep(t)
		if ps, _ := f.svc.Proposals(ctx, jg1); len(ps) != 0 {
			t.Fatalf("06-18: proposed after 6 days: %+v", ps)
		}
		f.clock.set("2022-06-19")
		f.sweep(t)
		if ps, _ := f.svc.Proposals(ctx, jg1); len(ps) != 1 || ps[0].Hazard.ID != h.ID || ps[0].Days != 8 {
			t.Fatalf("06-19: proposal: %+v", ps)
		}
		// Filtered by the hazard's town and sector, or by others.
		for _, c := range []struct {
			f    supervise.ProposalFilter
			want int
		}{{supervise.ProposalFilter{Town: h.TownCode}, 1}, {supervise.ProposalFilter{Sector: h.Sector, Limit: 10}, 1},
			{supervise.ProposalFilter{Town: "349901999"}, 0}, {supervise.ProposalFilter{Sector: "textile"}, 0},
			{supervise.ProposalFilter{Limit: 10, Offset: 10}, 0}} {
			list, total, err := f.svc.ProposalPage(ctx, jg1, c.f)
			if err != nil || len(list) != c.want || (c.f.Offset == 0 && total != c.want) || (c.f.Offset > 0 && total != 1) {
				t.Fatalf("proposals %+v: %d of %d, %v", c.f, len(list), total, err)
			}
		}

		// Reporting the rectification clears the card (a late review is
		// not the enterprise's lateness); sent back, the red card returns.
		// The step itself takes the card off, in its transaction: the
		// sweep that follows finds nothing to do.
		if _, err := f.hz.Do(ctx, jg1, h.ID, hazard.StepInput{Action: hazard.ActSubmit, On: "2022-06-19"}, []attach.Upload{photo(t)}); err != nil {
			t.Fatal(err)
		}
		if c := f.get(t, h.ID); c.Card != hazard.NoCard {
			t.Fatalf("pending review still carded %q", c.Card)
		}
		if n := f.count(t, `SELECT count(*) FROM hazard_card_event WHERE hazard_id = $1 AND cleared_on = ''`, h.ID); n != 0 {
			t.Fatalf("open card events after the rectification was reported: %d", n)
		}
		if r = f.sweep(t); r.Changed() {
			t.Fatalf("rectification reported: the sweep changed %+v", r)
		}
		if ps, _ := f.svc.Proposals(ctx, jg1); len(ps) != 0 {
			t.Fatalf("a letter proposed for a reported rectification: %+v", ps)
		}
		if c, err := f.hz.Counts(ctx, jg1, hazard.Filter{Overdue: true}); err != nil || c.Found != 0 {
			t.Fatalf("overdue after the rectification was reported: %+v %v", c, err)
		}
		if _, err := f.hz.Do(ctx, f.p(t, "zhifa"), h.ID, hazard.StepInput{Action: hazard.ActReturn, On: "2022-06-19", Reason: "整改不到位"}, nil); err != nil {
			t.Fatal(err)
		}
		if c := f.get(t, h.ID); c.Card != hazard.Red || c.CardSince != "2022-06-19" {
			t.Fatalf("sent back: %q since %s, want red at once", c.Card, c.CardSince)
		}
		if r = f.sweep(t); r.Changed() {
			t.Fatalf("sent back: the sweep changed %+v", r)
		}
		if c, err := f.hz.Counts(ctx, jg1, hazard.Filter{}); err != nil || c.Overdue != 1 {
			t.Fatalf("overdue again after being sent back: %+v %v", c, err)
		}

		// Closing the hazard clears the card.
		f.close(t, h.ID, "2022-06-19")
		if r = f.sweep(t); r.Changed() {
			t.Fatalf("closure: the sweep changed %+v", r)
		}
		if _, total, _ := f.svc.Cards(ctx, jg1, supervise.CardFilter{}); total != 0 {
			t.Fatalf("cards after closure: %d", total)
		}
		if n := f.count(t, `SELECT count(*) FROM hazard_card_event WHERE hazard_id = $1 AND cleared_on = ''`, h.ID); n != 0 {
			t.Fatalf("open events after closure: %d", n)
		}
		// History: yellow 06-10 → 06-12, red 06-12 → 06-19 (rectification
		// reported), red again 06-19 (sent back) → 06-19 (closed), and the
		// monthly counts.
		hist, err := f.svc.HazardCards(ctx, jg1, h.ID)
		if err != nil || len(hist) != 3 || hist[0].Card != hazard.Red || hist[0].IssuedOn != "2022-06-19" || hist[0].State != "2022-06-19" ||
			hist[1].Card != hazard.Red || hist[1].IssuedOn != "2022-06-12" || hist[1].State != "2022-06-19" || hist[2].IssuedOn != "2022-06-10" {
			t.Fatalf("history: %v %+v", err, hist)
		}
		m, err := f.svc.MonthlyCounts(ctx, f.p(t, "leader"), 2022)
		if err != nil {
			t.Fatal(err)
		}
		if m.Total.Yellow[5] != 1 || m.Total.Red[5] != 2 || m.Total.Cleared[5] != 3 {
			t.Fatalf("June counts: %+v", m.Total)
		}
		var mineSection bool
		for _, s := range m.Sections {
			if s.Name == "监管一股" && s.Red[5] == 2 {
				mineSection = true
			}
		}
		if !mineSection {
			t.Fatalf("section counts: %+v", m.Sections)
		}
		auditOK(t, db)
	})
}

func TestSweepAfterExtensionAndLateNotice(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		// Ordered when already overdue: red at once, in the order's
		// transaction, with its history, and announced only when fresh.
		f.clock.set("2022-06-05")
		old := f.ordered(t, "采空区未及时充填", "2022-03-01", "2022-04-01", hazard.General)
		h := f.ordered(t, "主通风机未设反风装置", "2022-05-01", "2022-06-01", hazard.General)
		if red, _, err := f.svc.CardCounts(ctx, f.p(t, "jg1")); err != nil || red != 2 {
			t.Fatalf("two red at once: %d %v", red, err)
		}
		if r := f.sweep(t); r.Changed() {
			t.Fatalf("the sweep after the orders changed: %+v", r)
		}
		if c := f.get(t, old.ID); c.CardSince != "2022-04-02" {
			t.Fatalf("red since the day after the deadline: %s", c.CardSince)
		}
		if n := f.count(t, `SELECT count(*) FROM notification WHERE entity_id = $1 AND topic LIKE 'hazard.card.%'`, old.ID); n != 0 {
			t.Fatalf("a card noticed two months late was announced: %d", n)
		}
		if n := f.count(t, `SELECT count(*) FROM notification WHERE entity_id = $1 AND topic = 'hazard.card.red'`, h.ID); n != 2 {
			t.Fatalf("a fresh red card is announced: %d", n)
		}
		if n := f.count(t, `SELECT count(*) FROM hazard_card_event WHERE hazard_id = $1 AND card = 'yellow' AND cleared_on = '2022-04-02'`, old.ID); n != 1 {
			t.Fatalf("the yellow card before the red is history: %d", n)
		}
		// An approved extension takes the red card off at once.
		qiye, jg1 := f.p(t, "qiye"), f.p(t, "jg1")
		x, err := f.svc.RequestExtension(ctx, qiye, supervise.ExtensionInput{HazardID: h.ID, RequestedDeadline: "2022-06-30", Reason: "设备到货延迟"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.DecideExtension(ctx, jg1, x.ID, supervise.DecisionInput{Approve: true}); err != nil {
			t.Fatal(err)
		}
		c := f.get(t, h.ID)
		if c.Deadline != "2022-06-30" || c.Card != hazard.NoCard || c.Extensions != 1 {
			t.Fatalf("after the extension: %+v", c)
		}
		if r := f.sweep(t); r.Changed() {
			t.Fatalf("the sweep after the extension changed: %+v", r)
		}
		// Yellow again near the new deadline (found 05-01, 60 days: 54 → 06-24).
		f.clock.set("2022-06-24")
		if r := f.sweep(t); r.Yellow != 1 {
			t.Fatalf("06-24: %+v", r)
		}
		// New rules are validated, audited and make the next sweep recompute.
		admin := &auth.Principal{UserID: "admin", Username: "admin", Role: auth.RoleAdmin, CountyCode: county}
		set, _ := f.svc.Settings(ctx, county)
		if set.Issuer != "示例县人民政府安全生产委员会办公室" || set.LetterPrefix != "示安委办督" {
			t.Fatalf("default settings: %+v", set)
		}
		set.Rules.YellowShare = 1
		if _, err := f.svc.SaveSettings(ctx, admin, set); err == nil {
			t.Fatal("a yellow share of 100 % accepted")
		}
		if _, err := f.svc.SaveSettings(ctx, jg1, set); err == nil {
			t.Fatal("section staff changed the rules")
		}
		set.Rules.YellowShare = 0.5
		if _, err := f.svc.SaveSettings(ctx, admin, set); err != nil {
			t.Fatal(err)
		}
		if r := f.sweep(t); !r.Full || r.Checked == 0 {
			t.Fatalf("after new rules: %+v", r)
		}
		auditOK(t, db)
	})
}

func TestSweepSkipsUnchangedQuickly(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		f.clock.set("2022-06-01")
		for i := 0; i < 30; i++ {
			f.ordered(t, "隐患"+string(rune('A'+i)), "2022-05-01", "2022-06-0"+string(rune('1'+i%9)), hazard.General)
		}
		f.clock.set("2022-06-05")
		first := f.sweep(t)
		if !first.Full || first.Checked != 30 || first.Red == 0 {
			t.Fatalf("first: %+v", first)
		}
		second := f.sweep(t)
		if second.Full || second.Checked != 0 || second.Changed() {
			t.Fatalf("second: %+v", second)
		}
	})
}

var _ = demo.EnterpriseID
