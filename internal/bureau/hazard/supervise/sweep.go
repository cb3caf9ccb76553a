package supervise

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"yingji/internal/kit/org"

	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/store"
)

// The deadline sweep (截止日扫描) gives every open hazard the card of
// hazard.CardFor on today, records the cards issued and cleared in
// hazard_card_event, reminds enterprises of near deadlines, gives yellow
// cards for missing periodic self-reports and moves supervision letters
// to overdue or rectified.
//
// Design. A card depends on the hazard (state, finding date, deadline)
// and on the day. So a card can only change when the day changes or when
// the hazard changes, and the sweep does two kinds of passes:
//
//   - a full pass, the first sweep of a day (or after the county's rules
//     changed): every open hazard with a deadline, read from a partial
//     index of open hazards (county, deadline, …) that covers the columns
//     the rule needs;
//   - an incremental pass, the other sweeps of the day: the hazards
//     updated since the last sweep (index on updated_at; every step of the
//     hazard loop bumps it: an order, an extension, a closure), with an
//     hour of overlap for clocks of several instances.
//
// SQL cannot do date arithmetic portably, so the card is computed in Go
// (YellowOn, CardOn: the same answer as hazard.CardFor); SQL only reads
// and compares TEXT dates. Only the hazards whose card changes are
// written, in batches of Config.Batch, one transaction each: an UPDATE
// that re-checks the card, deadline and finding date the new card was
// computed from (compare-and-swap; on PostgreSQL one UPDATE … FROM
// (VALUES …) … RETURNING per batch, on SQLite a prepared statement per
// row, see rowsExec), then the card events, the notifications and one
// audit entry for the rows it changed. Events have a unique key (hazard,
// card, day of issue) and notifications a dedupe key, so a repeated run,
// or two instances sweeping at once (on PostgreSQL the loser of a write
// conflict retries its transaction and then finds nothing to change),
// give the same cards and one notification each.
//
// Bounded runs. A run stops once it has spent Config.SweepBudget (or
// looked at Config.SweepRows hazards), after the batch in hand: the writer
// is never held longer than one batch. A full pass reads the open hazards
// in (deadline, id) order and remembers where it stopped (the marker's
// pass cursor, saved in each batch's own transaction and at the end of the
// run), so that the next run of the same day carries on from there until
// the backlog is done; a run killed mid-pass loses at most the cursor of
// the batches that changed nothing, which the next run reads again and
// again finds unchanged. An incremental pass that stops keeps its "since",
// and reminders resume by themselves (remind_for). SweepResult.Done and
// Left tell the job how much is left.
//
// A card's day of issue is the day its rule began to hold (the yellow day,
// the day after the deadline), not the day the sweep noticed it; a card
// noticed more than FreshDays late is recorded but not announced.

// SweepResult counts what a sweep did.
type SweepResult struct {
	Counties   int  `json:"counties"`
	Full       bool `json:"full"`    // every open hazard was looked at
	Checked    int  `json:"checked"` // hazards looked at
	Red        int  `json:"red"`
	Yellow     int  `json:"yellow"`
	Cleared    int  `json:"cleared"`
	Reminded   int  `json:"reminded"`
	SelfReport int  `json:"self_report"` // self-report cards issued
	Letters    int  `json:"letters"`     // letters moved to overdue or rectified
	Notified   int  `json:"notified"`
	// Done is false when the run stopped at its budget with work left;
	// Left is then the number of open hazards the card pass has still to
	// look at (0 when only reminders are left).
	Done bool `json:"done"`
	Left int  `json:"left"`
	// Resumed is true when the run carried on a full pass an earlier run
	// of the day left unfinished.
	Resumed bool `json:"resumed,omitempty"`
	// Seconds are the time each step took (cards, closed, reminders,
	// self_reports, letters), summed over counties.
	Seconds map[string]float64 `json:"seconds,omitempty"`
}

// Add adds the counts of another run or county.
func (r *SweepResult) Add(o SweepResult) {
	r.Counties += o.Counties
	r.Full = r.Full || o.Full
	r.Checked += o.Checked
	r.Red += o.Red
	r.Yellow += o.Yellow
	r.Cleared += o.Cleared
	r.Reminded += o.Reminded
	r.SelfReport += o.SelfReport
	r.Letters += o.Letters
	r.Notified += o.Notified
	r.Left += o.Left
	r.Resumed = r.Resumed || o.Resumed
	for k, v := range o.Seconds {
		if r.Seconds == nil {
			r.Seconds = map[string]float64{}
		}
		r.Seconds[k] += v
	}
}

// Changed reports whether the sweep changed any card, letter or reminder.
func (r SweepResult) Changed() bool {
	return r.Red+r.Yellow+r.Cleared+r.Reminded+r.SelfReport+r.Letters > 0
}

// sweepMarker is the sweep's memory per county (setting hazard.card_sweep).
type sweepMarker struct {
	Day   string    `json:"day"`   // day of the last full pass
	Since time.Time `json:"since"` // start of the last sweep
	Share float64   `json:"share"` // yellow share of the last full pass
	// Pass is the full pass in progress, when a run stopped at its
	// budget before the end.
	Pass *sweepPass `json:"pass,omitempty"`
}

// sweepPass is an unfinished full pass: its day and yellow share, when
// its first run started, and the last hazard looked at (in the order of
// the pass: deadline, id).
type sweepPass struct {
	Day      string    `json:"day"`
	Share    float64   `json:"share"`
	Started  time.Time `json:"started"`
	Deadline string    `json:"deadline"`
	ID       string    `json:"id"`
}

// errBudget stops a step whose run has spent its budget.
var errBudget = errors.New("sweep budget spent")

// Sweep sweeps every county in the database (instances of several
// counties may share one PostgreSQL; one periodic job covers them all).
func (s *Service) Sweep(ctx context.Context, now time.Time) (SweepResult, error) {
	counties, err := org.Counties(ctx, s.cfg.DB.R())
	if err != nil {
		return SweepResult{}, err
	}
	total := SweepResult{Done: true}
	for _, c := range counties {
		r, err := s.SweepCounty(ctx, c, now)
		if err != nil {
			return total, fmt.Errorf("sweep %s: %w", c, err)
		}
		total.Add(r)
		total.Done = total.Done && r.Done
	}
	return total, nil
}

// SweepCounty sweeps one county as of now.
func (s *Service) SweepCounty(ctx context.Context, county string, now time.Time) (SweepResult, error) {
	res := SweepResult{Counties: 1}
	td := hazard.Date(now)
	rules, err := s.Rules(ctx, county)
	if err != nil {
		return res, err
	}
	var m sweepMarker
	if err := readSetting(ctx, s.cfg.DB.R(), county, sweepKey, &m); err != nil {
		return res, err
	}
	res.Full = m.Day != td || m.Share != rules.YellowShare || m.Since.IsZero()
	start := now.UTC()
	w := &sweep{s: s, county: county, today: td, now: now, rules: rules, people: s.newPeople(county), res: &res,
		full: res.Full, first: m.Since.IsZero(), since: m.Since.Add(-time.Hour), marker: m, t0: time.Now()}
	if res.Full {
		if p := m.Pass; p != nil && p.Day == td && p.Share == rules.YellowShare {
			c := *p
			w.pass, res.Resumed = &c, true
		} else {
			w.pass = &sweepPass{Day: td, Share: rules.YellowShare, Started: start}
		}
	}
	res.Seconds = map[string]float64{}
	for _, step := range []struct {
		name string
		run  func(context.Context) error
	}{
		// closed first: on a county's first sweep it reads every open
		// event, and there are none yet.
		{"closed", w.closed}, {"cards", w.cards}, {"reminders", w.reminders}, {"self_reports", w.selfReports}, {"letters", w.letters},
	} {
		t0 := time.Now()
		if err := step.run(ctx); err != nil {
			return res, err
		}
		res.Seconds[step.name] += time.Since(t0).Seconds()
	}
	next := sweepMarker{Day: m.Day, Since: start, Share: m.Share}
	switch {
	case w.cardsLeft && res.Full: // the pass goes on in the next run
		next.Since, next.Pass = m.Since, w.pass
		if next.Since.IsZero() {
			// The county's first run has cleared the events of every
			// closed hazard: the next runs look at those updated since.
			next.Since = w.pass.Started
		}
	case w.cardsLeft: // the same hazards again
		next.Since = m.Since
	case res.Full: // the pass is done: the next incremental pass looks at what changed since it began
		next.Day, next.Share, next.Since = td, rules.YellowShare, w.pass.Started
	}
	res.Done = !w.cardsLeft && !w.remindersLeft
	if w.cardsLeft {
		if res.Left, err = w.left(ctx); err != nil {
			return res, err
		}
	}
	err = s.cfg.DB.InTx(ctx, func(tx *store.Tx) error { return store.WriteSetting(ctx, tx, county, sweepKey, next, now) })
	return res, err
}

// over reports whether the run has spent its budget.
func (w *sweep) over() bool {
	b := w.s.cfg
	// By rows only in a full pass: an incremental pass that stops reads
	// its window again from the start, and only time moves it on.
	return (b.SweepBudget > 0 && time.Since(w.t0) >= b.SweepBudget) || (b.SweepRows > 0 && w.pass != nil && w.res.Checked >= b.SweepRows)
}

// left counts the open hazards the card pass has still to look at.
func (w *sweep) left(ctx context.Context) (int, error) {
	var n int
	var err error
	if w.pass != nil {
		err = w.s.cfg.DB.R().QueryRowContext(ctx, `SELECT count(*) FROM hazard WHERE county_code = $1 AND state <> 'closed'
			AND deadline > '' AND (deadline > $2 OR (deadline = $2 AND id > $3))`, w.county, w.pass.Deadline, w.pass.ID).Scan(&n)
	} else {
		err = w.s.cfg.DB.R().QueryRowContext(ctx, `SELECT count(*) FROM hazard WHERE county_code = $1 AND updated_at >= $2
			AND state <> 'closed' AND deadline > ''`, w.county, w.since.UTC()).Scan(&n)
		n = max(n-w.res.Checked, 1) // some are left, how many is a guess
	}
	if err != nil {
		return 0, fmt.Errorf("hazards left to sweep: %w", err)
	}
	return n, nil
}

// sweep is one county's sweep in progress.
type sweep struct {
	s      *Service
	county string
	today  string
	now    time.Time
	rules  hazard.CardRules
	people *people
	res    *SweepResult
	full   bool      // a full pass
	first  bool      // the county's first sweep
	since  time.Time // hazards updated since (the last sweep, less an hour)

	marker        sweepMarker // as read at the start of the run
	pass          *sweepPass  // the full pass and its cursor (full passes)
	t0            time.Time   // start of the run (budget)
	cardsLeft     bool        // the card pass stopped at the budget
	remindersLeft bool        // the reminders stopped at the budget
}

func (w *sweep) actor() audit.Actor { return audit.System(w.county) }

// stream runs a query on the reader and hands its rows to fn in batches
// of the configured size, then the rest.
func stream[T any](ctx context.Context, w *sweep, q string, args []any, scan func(scanner interface{ Scan(...any) error }) (T, error), flush func([]T) error) error {
	rows, err := w.s.cfg.DB.R().QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	batch := make([]T, 0, w.s.cfg.Batch)
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return err
		}
		batch = append(batch, v)
		if len(batch) == w.s.cfg.Batch {
			if err := flush(batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	if len(batch) > 0 {
		return flush(batch)
	}
	return nil
}

// candidate is an open hazard whose card may change: the columns the
// rule needs (covered by the partial index of open hazards).
type candidate struct {
	ID, FoundOn, Deadline string
	State                 hazard.State
	Card                  hazard.Card
	CardSince             string
	YellowOn              string // computed
}

const candidateCols = `id, found_on, deadline, state, card, card_since`

func scanCandidate(sc interface{ Scan(...any) error }) (candidate, error) {
	var c candidate
	err := sc.Scan(&c.ID, &c.FoundOn, &c.Deadline, &c.State, &c.Card, &c.CardSince)
	return c, err
}

func rank(c hazard.Card) int {
	switch c {
	case hazard.Yellow:
		return 1
	case hazard.Red:
		return 2
	}
	return 0
}

// change is a card change to write.
type change struct {
	c     candidate
	want  hazard.Card
	since string // the new card's day of issue ('' when cleared)
	clear string // the day the old card's event is cleared
}

// plan decides a candidate's new card; ok is false when it keeps its card.
func (w *sweep) plan(c candidate) (change, bool) {
	c.YellowOn = hazard.Date(YellowOn(day(c.FoundOn), day(c.Deadline), w.rules.YellowShare))
	want := CardOn(c.Deadline, c.YellowOn, w.today)
	if !c.State.AwaitsRectification() {
		want = hazard.NoCard // rectification reported: the card clears
	}
	if want == c.Card {
		return change{}, false
	}
	ch := change{c: c, want: want, clear: w.today}
	switch want {
	case hazard.Red:
		ch.since = addDays(c.Deadline, 1)
	case hazard.Yellow:
		ch.since = c.YellowOn
	}
	if rank(want) < rank(c.Card) && want != hazard.NoCard {
		ch.since = w.today // a downgrade (an extension): the new card starts now
	}
	if want == hazard.NoCard && !c.State.AwaitsRectification() {
		// Cleared because the rectification was reported: card_since
		// remembers the day, so that a card given again when the hazard is
		// sent back (退回) starts then, not on its old day of issue.
		ch.since = w.today
	}
	if c.Card == hazard.NoCard && want != hazard.NoCard && c.CardSince > ch.since {
		ch.since = c.CardSince
	}
	if rank(want) > rank(c.Card) && c.Card != hazard.NoCard {
		ch.clear = ch.since // an upgrade: the old card ends when the new one starts
	}
	return ch, true
}

// cards gives the hazards of the pass their card.
func (w *sweep) cards(ctx context.Context) error {
	// deadline > '' (not <> ''): a range, so that the planner reads the
	// covering partial index of open hazards.
	// In (deadline, id) order from the pass's cursor, so that a pass
	// stopped at the budget carries on where it stopped.
	q := `SELECT ` + candidateCols + ` FROM hazard WHERE county_code = $1 AND state <> 'closed' AND deadline > ''
		AND (deadline > $2 OR (deadline = $2 AND id > $3)) ORDER BY deadline, id`
	args := []any{w.county, "", ""}
	if w.pass != nil {
		args = []any{w.county, w.pass.Deadline, w.pass.ID}
	}
	if !w.full {
		q = `SELECT ` + candidateCols + ` FROM hazard WHERE county_code = $1 AND updated_at >= $2 AND state <> 'closed' AND deadline > ''`
		args = []any{w.county, w.since.UTC()}
	}
	err := stream(ctx, w, q, args, func(sc interface{ Scan(...any) error }) (candidate, error) {
		w.res.Checked++
		return scanCandidate(sc)
	}, func(batch []candidate) error {
		var chs []change
		for _, c := range batch {
			if ch, ok := w.plan(c); ok {
				chs = append(chs, ch)
			}
		}
		last := batch[len(batch)-1]
		if len(chs) > 0 {
			if err := w.apply(ctx, chs, last); err != nil {
				return err
			}
		}
		if w.pass != nil {
			w.pass.Deadline, w.pass.ID = last.Deadline, last.ID
		}
		if w.s.afterBatch != nil {
			w.s.afterBatch(w.res.Checked)
		}
		if w.over() {
			return errBudget
		}
		return nil
	})
	if errors.Is(err, errBudget) {
		w.cardsLeft = true
		return nil
	}
	if err != nil {
		return fmt.Errorf("cards: %w", err)
	}
	return nil
}

// cardEvent is a row of hazard_card_event to insert.
type cardEvent struct {
	key, hazardID, enterpriseID, placeName, townCode, sector, unitID string
	card                                                             hazard.Card
	reason, period, issued, cleared                                  string
}

func insertEvents(ctx context.Context, tx *store.Tx, county string, now time.Time, evs []cardEvent) error {
	const cols = `id, county_code, event_key, hazard_id, enterprise_id, place_name, town_code, sector, unit_id, card, reason, period,
		issued_on, cleared_on, created_at`
	rows := make([][]any, 0, len(evs))
	for _, e := range evs {
		rows = append(rows, []any{ids.New(), county, e.key, e.hazardID, e.enterpriseID, e.placeName, e.townCode, e.sector, e.unitID,
			string(e.card), e.reason, e.period, e.issued, e.cleared, now.UTC()})
	}
	_, err := rowsExec(ctx, tx, rows, func(n int) string {
		return `INSERT INTO hazard_card_event (` + cols + `) VALUES ` + placeholders(n, 15, 0) + ` ON CONFLICT (event_key) DO NOTHING`
	}, `INSERT INTO hazard_card_event (`+cols+`) VALUES `+placeholders(1, 15, 0)+` ON CONFLICT (event_key) DO NOTHING`, false)
	if err != nil {
		return fmt.Errorf("card events: %w", err)
	}
	return nil
}

func hazardEventKey(id string, card hazard.Card, issued string) string {
	return "h:" + id + ":" + string(card) + ":" + issued
}

// apply writes one batch of card changes in a transaction; in a full
// pass the same transaction moves the pass's cursor past last, the last
// hazard of the batch, so that a run killed after it does not look at the
// batch again.
func (w *sweep) apply(ctx context.Context, chs []change, last candidate) error {
	var n applied
	err := w.s.cfg.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if n, err = w.applyTx(ctx, tx, chs); err != nil {
			return err
		}
		if w.pass == nil {
			return nil
		}
		m, p := w.marker, *w.pass
		p.Deadline, p.ID = last.Deadline, last.ID
		m.Pass = &p
		return store.WriteSetting(ctx, tx, w.county, sweepKey, m, w.now)
	})
	if err != nil {
		return err
	}
	w.res.Red += n.red
	w.res.Yellow += n.yellow
	w.res.Cleared += n.cleared
	w.res.Notified += n.told
	return nil
}

// applied counts the changes a batch made.
type applied struct{ red, yellow, cleared, told int }

// details are the columns of a changed hazard its events and
// notifications need.
type details struct{ enterpriseID, placeName, townCode, sector, unitID, description string }

// applyTx writes card changes inside tx: the cards (compare-and-swap on
// what they were computed from), the card events, the notifications and
// one audit entry.
func (w *sweep) applyTx(ctx context.Context, tx *store.Tx, chs []change) (applied, error) {
	var n applied
	rows := make([][]any, 0, len(chs))
	for _, ch := range chs {
		rows = append(rows, []any{ch.c.ID, string(ch.want), ch.since, string(ch.c.Card), ch.c.Deadline, ch.c.FoundOn, string(ch.c.State)})
	}
	// The UPDATE returns the details the events and notifications need
	// of the rows it changed (no second read of each hazard).
	const ret = `id, enterprise_id, place_name, town_code, sector, unit_id, description`
	det := map[string]details{}
	err := rowsQuery(ctx, tx, rows, func(n int) string {
		return `UPDATE hazard SET card = v.column2, card_since = v.column3 FROM (VALUES ` + placeholders(n, 7, 0) + `) AS v
			WHERE hazard.id = v.column1 AND hazard.card = v.column4 AND hazard.deadline = v.column5 AND hazard.found_on = v.column6
			AND hazard.state = v.column7 AND hazard.state <> 'closed' RETURNING hazard.` + strings.ReplaceAll(ret, ", ", ", hazard.")
	}, `UPDATE hazard SET card = $2, card_since = $3 WHERE id = $1 AND card = $4 AND deadline = $5 AND found_on = $6 AND state = $7
		AND state <> 'closed' RETURNING `+ret, func(sc interface{ Scan(...any) error }) error {
		var id string
		var d details
		if err := sc.Scan(&id, &d.enterpriseID, &d.placeName, &d.townCode, &d.sector, &d.unitID, &d.description); err != nil {
			return err
		}
		det[id] = d
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("update cards: %w", err)
	}
	if len(det) == 0 {
		return n, nil
	}
	done := func(id string) bool { _, ok := det[id]; return ok }
	var clears [][]any
	var evs []cardEvent
	var summary [][4]string
	for _, ch := range chs {
		if !done(ch.c.ID) {
			continue
		}
		c, d := ch.c, det[ch.c.ID]
		summary = append(summary, [4]string{c.ID, string(c.Card), string(ch.want), ch.since})
		if c.Card != hazard.NoCard {
			clears = append(clears, []any{c.ID, ch.clear})
			n.cleared++
		}
		ev := cardEvent{hazardID: c.ID, enterpriseID: d.enterpriseID, placeName: d.placeName, townCode: d.townCode, sector: d.sector, unitID: d.unitID}
		switch ch.want {
		case hazard.Red:
			n.red++
			if c.Card == hazard.NoCard && c.YellowOn != "" && c.YellowOn < ch.since {
				// Never seen yellow (first sweep, or noticed late): the
				// yellow card it went through is history.
				y := ev
				y.card, y.reason, y.issued, y.cleared = hazard.Yellow, ReasonShare, c.YellowOn, ch.since
				y.key = hazardEventKey(c.ID, hazard.Yellow, c.YellowOn)
				evs = append(evs, y)
			}
			ev.card, ev.reason, ev.issued = hazard.Red, ReasonOverdue, ch.since
		case hazard.Yellow:
			n.yellow++
			ev.card, ev.reason, ev.issued = hazard.Yellow, ReasonShare, ch.since
		}
		if ch.want != hazard.NoCard {
			ev.key = hazardEventKey(c.ID, ch.want, ch.since)
			evs = append(evs, ev)
			k, err := w.announce(ctx, tx, c, d, ch.want, ch.since)
			if err != nil {
				return n, err
			}
			n.told += k
		}
	}
	if _, err := rowsExec(ctx, tx, clears, func(n int) string {
		return `UPDATE hazard_card_event SET cleared_on = v.column2 FROM (VALUES ` + placeholders(n, 2, 0) + `) AS v
			WHERE hazard_card_event.hazard_id = v.column1 AND hazard_card_event.cleared_on = ''`
	}, `UPDATE hazard_card_event SET cleared_on = $2 WHERE hazard_id = $1 AND cleared_on = ''`, false); err != nil {
		return n, fmt.Errorf("clear card events: %w", err)
	}
	if err := insertEvents(ctx, tx, w.county, w.now, evs); err != nil {
		return n, err
	}
	return n, audit.Record(ctx, tx, w.now, w.actor(), audit.Entry{Entity: "hazard_card", EntityID: w.county, Action: "sweep",
		After: map[string]any{"day": w.today, "changes": summary}})
}

// RecardTx gives hazards their card at once, inside the transaction
// that changed them (a step, a report, an import, an approved extension,
// 摘牌销号): the hazard package calls it through hazard.Service.OnChange,
// so that the pages and counts never wait for the periodic sweep, which is
// only for the time passing. The card is the sweep's (plan, applyTx), on
// today, under the county's rules; a closed hazard's open card events are
// cleared on its day of closure.
func (s *Service) RecardTx(ctx context.Context, tx *store.Tx, hazardIDs []string) error {
	now := s.now()
	sweeps := map[string]*sweep{} // per county
	var chs []change
	var county string
	for _, id := range hazardIDs {
		h, err := getHazard(ctx, tx, id)
		if err != nil {
			return err
		}
		if h.State == hazard.Closed {
			if _, err := tx.ExecContext(ctx, `UPDATE hazard_card_event SET cleared_on = $1 WHERE hazard_id = $2 AND cleared_on = ''`, h.ClosedOn, h.ID); err != nil {
				return fmt.Errorf("clear cards of a closed hazard: %w", err)
			}
			continue
		}
		if h.Deadline == "" && h.Card == hazard.NoCard {
			continue
		}
		w := sweeps[h.CountyCode]
		if w == nil {
			rules, err := hazard.ReadCardRules(ctx, tx, h.CountyCode)
			if err != nil {
				return err
			}
			w = &sweep{s: s, county: h.CountyCode, today: hazard.Date(now), now: now, rules: rules, people: s.newPeople(h.CountyCode), res: &SweepResult{}}
			sweeps[h.CountyCode] = w
		}
		if len(chs) > 0 && county != h.CountyCode {
			if _, err := sweeps[county].applyTx(ctx, tx, chs); err != nil {
				return err
			}
			chs = chs[:0]
		}
		county = h.CountyCode
		if ch, ok := w.plan(candidate{ID: h.ID, FoundOn: h.FoundOn, Deadline: h.Deadline, State: h.State, Card: h.Card, CardSince: h.CardSince}); ok {
			chs = append(chs, ch)
		}
	}
	if len(chs) == 0 {
		return nil
	}
	_, err := sweeps[county].applyTx(ctx, tx, chs)
	return err
}

// fresh reports whether a card issued on day is announced.
func (w *sweep) fresh(issued string) bool { return issued >= addDays(w.today, -FreshDays) }

// announce tells the enterprise, its supervising section and its town of
// a new card.
func (w *sweep) announce(ctx context.Context, tx *store.Tx, c candidate, d details, card hazard.Card, since string) (int, error) {
	if !w.fresh(since) || w.s.cfg.Notify == nil {
		return 0, nil
	}
	users, err := w.people.card(ctx, d.enterpriseID, d.sector, d.townCode)
	if err != nil || len(users) == 0 {
		return 0, err
	}
	m := notify.Message{CountyCode: w.county, Link: "/hazards/" + c.ID, Entity: "hazard", EntityID: c.ID}
	if card == hazard.Red {
		m.Topic, m.Title = "hazard.card.red", "红牌警告：隐患逾期未整改"
		m.Body = fmt.Sprintf("%s：%s。整改期限 %s，已逾期，亮红牌。", d.placeName, d.description, c.Deadline)
	} else {
		m.Topic, m.Title = "hazard.card.yellow", "黄牌预警：隐患整改期限将至"
		m.Body = fmt.Sprintf("%s：%s。整改期限 %s，已用去整改时限的%.0f%%以上，亮黄牌。", d.placeName, d.description, c.Deadline, w.rules.YellowShare*100)
	}
	return w.s.tell(ctx, tx, users, m, "hazard.card:"+c.ID+":"+string(card)+":"+since)
}

// closed clears the open card events of hazards whose card was taken off
// outside the sweep: closed (销号) through the hazard loop, which bumps
// updated_at. It looks at the events of the hazards updated since the
// last sweep; the first sweep of a county at every open event.
func (w *sweep) closed(ctx context.Context) error {
	type row struct{ id, closedOn, issued string }
	q := `SELECT e.id, h.closed_on, e.issued_on FROM hazard_card_event e JOIN hazard h ON h.id = e.hazard_id
		WHERE e.county_code = $1 AND e.cleared_on = '' AND e.hazard_id <> '' AND h.card <> e.card`
	args := []any{w.county}
	if !w.first {
		q = `SELECT e.id, h.closed_on, e.issued_on FROM hazard h JOIN hazard_card_event e ON e.hazard_id = h.id
			WHERE h.county_code = $1 AND h.updated_at >= $2 AND e.cleared_on = '' AND h.card <> e.card`
		args = append(args, w.since.UTC())
	}
	return stream(ctx, w, q, args,
		func(sc interface{ Scan(...any) error }) (row, error) {
			var r row
			return r, sc.Scan(&r.id, &r.closedOn, &r.issued)
		}, func(batch []row) error {
			rows := make([][]any, 0, len(batch))
			for _, r := range batch {
				on := r.closedOn
				if on == "" || on < r.issued || on > w.today {
					on = w.today
				}
				rows = append(rows, []any{r.id, on})
			}
			var n int
			err := w.s.cfg.DB.InTx(ctx, func(tx *store.Tx) error {
				done, err := rowsExec(ctx, tx, rows, func(k int) string {
					return `UPDATE hazard_card_event SET cleared_on = v.column2 FROM (VALUES ` + placeholders(k, 2, 0) + `) AS v
						WHERE hazard_card_event.id = v.column1 AND hazard_card_event.cleared_on = '' RETURNING hazard_card_event.id`
				}, `UPDATE hazard_card_event SET cleared_on = $2 WHERE id = $1 AND cleared_on = ''`, true)
				if err != nil {
					return fmt.Errorf("clear cards of closed hazards: %w", err)
				}
				if n = len(done); n == 0 {
					return nil
				}
				return audit.Record(ctx, tx, w.now, w.actor(), audit.Entry{Entity: "hazard_card", EntityID: w.county, Action: "card_clear",
					After: map[string]any{"day": w.today, "events": n}})
			})
			w.res.Cleared += n
			return err
		})
}

// reminders tell enterprises of deadlines RemindBefore days ahead, once
// per deadline.
func (w *sweep) reminders(ctx context.Context) error {
	if w.over() {
		w.remindersLeft = true // the next run reminds (remind_for is not set yet)
		return nil
	}
	to := addDays(w.today, w.rules.RemindBefore)
	type row struct{ id, ent, place, town, desc, deadline string }
	err := stream(ctx, w, `SELECT id, enterprise_id, place_name, town_code, description, deadline FROM hazard
		WHERE county_code = $1 AND `+hazard.AwaitingSQL+` AND card IN ('', 'yellow') AND deadline >= $2 AND deadline <= $3 AND remind_for <> deadline`,
		[]any{w.county, w.today, to}, func(sc interface{ Scan(...any) error }) (row, error) {
			var r row
			return r, sc.Scan(&r.id, &r.ent, &r.place, &r.town, &r.desc, &r.deadline)
		}, func(batch []row) error {
			rows := make([][]any, 0, len(batch))
			for _, r := range batch {
				rows = append(rows, []any{r.id, r.deadline})
			}
			var n, told int
			err := w.s.cfg.DB.InTx(ctx, func(tx *store.Tx) error {
				n, told = 0, 0
				done, err := rowsExec(ctx, tx, rows, func(k int) string {
					return `UPDATE hazard SET remind_for = v.column2 FROM (VALUES ` + placeholders(k, 2, 0) + `) AS v
						WHERE hazard.id = v.column1 AND hazard.deadline = v.column2 RETURNING hazard.id`
				}, `UPDATE hazard SET remind_for = $2 WHERE id = $1 AND deadline = $2`, true)
				if err != nil {
					return fmt.Errorf("reminders: %w", err)
				}
				for _, r := range batch {
					if !done[r.id] {
						continue
					}
					n++
					users, err := w.people.enterprise(ctx, r.ent)
					if err == nil && len(users) == 0 {
						users, err = w.people.townUsers(ctx, r.town)
					}
					if err != nil {
						return err
					}
					left := int(day(r.deadline).Sub(day(w.today)).Hours() / 24)
					k, err := w.s.tell(ctx, tx, users, notify.Message{CountyCode: w.county, Topic: "hazard.remind", Title: "整改期限提醒",
						Body: fmt.Sprintf("%s：%s。整改期限 %s，还有 %d 天，请按期完成整改并上报整改情况。", r.place, r.desc, r.deadline, left),
						Link: "/hazards/" + r.id, Entity: "hazard", EntityID: r.id}, "hazard.remind:"+r.id+":"+r.deadline)
					if err != nil {
						return err
					}
					told += k
				}
				if n == 0 {
					return nil
				}
				return audit.Record(ctx, tx, w.now, w.actor(), audit.Entry{Entity: "hazard_card", EntityID: w.county, Action: "remind",
					After: map[string]any{"day": w.today, "hazards": n}})
			})
			w.res.Reminded += n
			w.res.Notified += told
			if err == nil && w.over() {
				return errBudget
			}
			return err
		})
	if errors.Is(err, errBudget) {
		w.remindersLeft = true
		return nil
	}
	return err
}

// selfReportPeriods are the periods a self-report card is given for: the
// latest quarter and the latest year whose report is due. A card of an
// older period is superseded (cleared) when a newer one becomes due.
func selfReportPeriods(today time.Time) []hazard.Period {
	var q, y hazard.Period
	for _, p := range hazard.PeriodsDue(today.Year()-2, today) {
		if p.Quarter == 0 {
			y = p
		} else {
			q = p
		}
	}
	var out []hazard.Period
	for _, p := range []hazard.Period{q, y} {
		if p.Year > 0 {
			out = append(out, p)
		}
	}
	return out
}

// selfReports gives a yellow card to each enterprise whose periodic
// self-report is missing, and clears it when the report arrives.
func (w *sweep) selfReports(ctx context.Context) error {
	if w.s.cfg.SelfReports == nil {
		return nil
	}
	if !w.rules.SelfReportCard {
		return w.supersede(ctx, nil) // the rule was turned off
	}
	sys := &auth.Principal{UserID: "system", Username: "system", Role: auth.RoleAdmin, CountyCode: w.county}
	periods := selfReportPeriods(day(w.today))
	for _, p := range periods {
		missing, err := w.s.cfg.SelfReports.MissingSelfReports(ctx, sys, p, w.now)
		if err != nil {
			return fmt.Errorf("missing self-reports %s: %w", p, err)
		}
		miss := map[string]bool{}
		for _, m := range missing {
			miss[m.EnterpriseID] = true
		}
		open := map[string]string{} // enterprise → event id
		rows, err := w.s.cfg.DB.R().QueryContext(ctx, `SELECT id, enterprise_id FROM hazard_card_event WHERE county_code = $1 AND reason = $2
			AND period = $3 AND cleared_on = ''`, w.county, ReasonSelfReport, p.String())
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, ent string
			if err := rows.Scan(&id, &ent); err != nil {
				rows.Close()
				return err
			}
			open[ent] = id
		}
		rows.Close()
		var clear []string
		for ent, id := range open {
			if !miss[ent] {
				clear = append(clear, id)
			}
		}
		sort.Strings(clear)
		issued := hazard.Date(p.Due().AddDate(0, 0, 1))
		var evs []cardEvent
		for _, m := range missing {
			if _, ok := open[m.EnterpriseID]; ok {
				continue
			}
			evs = append(evs, cardEvent{key: "s:" + w.county + ":" + m.EnterpriseID + ":" + p.String(), enterpriseID: m.EnterpriseID,
				placeName: m.EnterpriseName, townCode: m.TownCode, sector: m.Sector, card: hazard.Yellow, reason: ReasonSelfReport,
				period: p.String(), issued: issued})
		}
		if len(clear) == 0 && len(evs) == 0 {
			continue
		}
		var issuedN, told int
		err = w.s.cfg.DB.InTx(ctx, func(tx *store.Tx) error {
			issuedN, told = 0, 0
			for _, id := range clear {
				if _, err := tx.ExecContext(ctx, `UPDATE hazard_card_event SET cleared_on = $1 WHERE id = $2 AND cleared_on = ''`, w.today, id); err != nil {
					return err
				}
			}
			for _, e := range evs {
				res, err := tx.ExecContext(ctx, `INSERT INTO hazard_card_event (id, county_code, event_key, hazard_id, enterprise_id, place_name,
					town_code, sector, unit_id, card, reason, period, issued_on, cleared_on, created_at)
					VALUES ($1, $2, $3, '', $4, $5, $6, $7, '', $8, $9, $10, $11, '', $12) ON CONFLICT (event_key) DO NOTHING`,
					ids.New(), w.county, e.key, e.enterpriseID, e.placeName, e.townCode, e.sector, string(e.card), e.reason, e.period, e.issued, w.now.UTC())
				if err != nil {
					return fmt.Errorf("self-report card: %w", err)
				}
				if n, _ := res.RowsAffected(); n == 0 {
					continue
				}
				issuedN++
				if !w.fresh(e.issued) {
					continue
				}
				users, err := w.people.card(ctx, e.enterpriseID, e.sector, e.townCode)
				if err != nil {
					return err
				}
				k, err := w.s.tell(ctx, tx, users, notify.Message{CountyCode: w.county, Topic: "hazard.card.self_report", Title: "黄牌预警：隐患排查治理统计分析表未报",
					Body: fmt.Sprintf("%s：%s 隐患排查治理统计分析表应于 %s 前报送，至今未报，亮黄牌。", e.placeName, p.String(), hazard.Date(p.Due())),
					Link: "/cards?enterprise=" + e.enterpriseID, Entity: "enterprise", EntityID: e.enterpriseID}, "selfreport.card:"+e.key)
				if err != nil {
					return err
				}
				told += k
			}
			return audit.Record(ctx, tx, w.now, w.actor(), audit.Entry{Entity: "hazard_card", EntityID: w.county, Action: "self_report",
				After: map[string]any{"day": w.today, "period": p.String(), "issued": len(evs), "cleared": len(clear)}})
		})
		if err != nil {
			return err
		}
		w.res.SelfReport += issuedN
		w.res.Cleared += len(clear)
		w.res.Notified += told
	}
	return w.supersede(ctx, periods)
}

// supersede clears the self-report cards of periods no longer examined.
func (w *sweep) supersede(ctx context.Context, periods []hazard.Period) error {
	var w2 store.Where
	w2.Add("county_code = ?", w.county)
	w2.Add("reason = ?", ReasonSelfReport)
	w2.Add("cleared_on = ''")
	var keep []string
	for _, p := range periods {
		keep = append(keep, p.String())
	}
	if len(keep) > 0 {
		ph := ""
		args := make([]any, len(keep))
		for i, k := range keep {
			if i > 0 {
				ph += ", "
			}
			ph += "?"
			args[i] = k
		}
		w2.Add("period NOT IN ("+ph+")", args...)
	}
	var n int64
	err := w.s.cfg.DB.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE hazard_card_event SET cleared_on = `+w2.Arg(w.today)+w2.SQL(), w2.Args()...)
		if err != nil {
			return fmt.Errorf("supersede self-report cards: %w", err)
		}
		if n, err = res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return audit.Record(ctx, tx, w.now, w.actor(), audit.Entry{Entity: "hazard_card", EntityID: w.county, Action: "self_report",
			After: map[string]any{"day": w.today, "superseded": n}})
	})
	w.res.Cleared += int(n)
	return err
}

// letters marks letters rectified when their hazard is closed, and
// overdue when their deadline passed with the hazard still open.
func (w *sweep) letters(ctx context.Context) error {
	var n int
	err := w.s.cfg.DB.InTx(ctx, func(tx *store.Tx) error {
		n = 0
		var changed []string
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`UPDATE supervision_letter SET state = 'rectified', rectified_on = hazard.closed_on, updated_at = $2 FROM hazard
				WHERE hazard.id = supervision_letter.hazard_id AND supervision_letter.county_code = $1 AND supervision_letter.state <> 'rectified'
				AND hazard.state = 'closed' RETURNING supervision_letter.id`, []any{w.county, w.now.UTC()}},
			{`UPDATE supervision_letter SET state = 'overdue', updated_at = $3 WHERE county_code = $1 AND state = 'issued' AND deadline < $2
				RETURNING id`, []any{w.county, w.today, w.now.UTC()}},
		} {
			rows, err := tx.QueryContext(ctx, q.sql, q.args...)
			if err != nil {
				return fmt.Errorf("letter states: %w", err)
			}
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				changed = append(changed, id)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		n = len(changed)
		if n == 0 {
			return nil
		}
		return audit.Record(ctx, tx, w.now, w.actor(), audit.Entry{Entity: "supervision_letter", EntityID: w.county, Action: "sweep",
			After: map[string]any{"day": w.today, "letters": changed}})
	})
	w.res.Letters += n
	return err
}
