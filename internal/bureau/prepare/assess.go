package prepare

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/calendar"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/store"
)

// Rank is one town's or section's line of the monthly assessment.
type Rank struct {
	Key         string  `json:"key"` // town code or section unit id
	Name        string  `json:"name"`
	Enterprises int     `json:"enterprises"`
	Complete    int     `json:"complete"`  // score 100
	Score       float64 `json:"score"`     // mean completeness
	Freshness   float64 `json:"freshness"` // mean days since the last update (enterprises with any)
	Rank        int     `json:"rank"`
}

// Assessment is the monthly assessment (月考核) of the enterprises'
// emergency resources.
type Assessment struct {
	Month       string  `json:"month"` // YYYY-MM
	AsOf        string  `json:"as_of"` // the day it looks at
	Enterprises []Score `json:"enterprises"`
	Towns       []Rank  `json:"towns"`
	Sections    []Rank  `json:"sections"`
	Reminders   int     `json:"reminders"` // 督促家次 sent in the month
	Incomplete  int     `json:"incomplete"`
}

// monthEnd returns the month's first and last days; the month is YYYY-MM.
func monthEnd(month string) (string, string, error) {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return "", "", errs.Field("month", "prepare.month_invalid", nil)
	}
	return t.Format(calendar.DateLayout), t.AddDate(0, 1, -1).Format(calendar.DateLayout), nil
}

// Assess computes the monthly assessment for month (YYYY-MM) over the
// enterprises in p's scope: each enterprise's completeness (a current
// plan, a team, supplies through the Supplies hook) and freshness, and the
// towns and sections ranked by mean completeness, then by freshness.
// names maps town codes and section ids to names (may be nil).
func (s *Service) Assess(ctx context.Context, p *auth.Principal, month string, names map[string]string) (Assessment, error) {
	first, last, err := monthEnd(month)
	if err != nil {
		return Assessment{}, err
	}
	asOf := last
	if today := s.Today(); today < asOf {
		asOf = today
	}
	a := Assessment{Month: month, AsOf: asOf}
	// Plans and teams per enterprise, in two queries.
	type facts struct {
		plan, team bool
		updated    string
	}
	by := map[string]*facts{}
	get := func(id string) *facts {
		f := by[id]
		if f == nil {
			f = &facts{}
			by[id] = f
		}
		return f
	}
	var w store.Where
	scope(p, &w)
	w.Add("enterprise_id <> ''")
	rows, err := s.db.R().QueryContext(ctx, `SELECT enterprise_id, state, published_on, filed_on, drafted_on, next_assessment FROM prep_plan`+w.SQL(), w.Args()...)
	if err != nil {
		return a, fmt.Errorf("assessment plans: %w", err)
	}
	for rows.Next() {
		var id, state, pub, filed, drafted, next string
		if err := rows.Scan(&id, &state, &pub, &filed, &drafted, &next); err != nil {
			rows.Close()
			return a, err
		}
		f := get(id)
		if (state == StateFiled && filed <= asOf) && (next == "" || next >= asOf) {
			f.plan = true
		}
		for _, d := range []string{pub, filed, drafted} {
			if d <= asOf && d > f.updated {
				f.updated = d
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return a, err
	}
	rows, err = s.db.R().QueryContext(ctx, `SELECT enterprise_id, established_on, supplies_updated_on FROM prep_team`+w.SQL(), w.Args()...)
	if err != nil {
		return a, fmt.Errorf("assessment teams: %w", err)
	}
	for rows.Next() {
		var id, est, sup string
		if err := rows.Scan(&id, &est, &sup); err != nil {
			rows.Close()
			return a, err
		}
		if est > asOf {
			continue
		}
		f := get(id)
		f.team = true
		for _, d := range []string{est, sup} {
			if d <= asOf && d > f.updated {
				f.updated = d
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return a, err
	}
	var supplies map[string]SupplyFacts
	if s.Supplies != nil {
		if supplies, err = s.Supplies(ctx, p.CountyCode, asOf); err != nil {
			return a, fmt.Errorf("assessment supplies: %w", err)
		}
	}
	day := calendar.Day(asOf)
	err = s.ent.Each(ctx, p, enterprise.Filter{}, func(e enterprise.Enterprise) error {
		if e.Status == "closed" {
			return nil
		}
		f := get(e.ID)
		sc := Score{EnterpriseID: e.ID, Name: e.Name, TownCode: e.TownCode, SectionID: e.SectionID, Plan: f.plan, Team: f.team, Freshness: -1}
		updated := f.updated
		if sf, ok := supplies[e.ID]; ok {
			sc.Supplies = sf.Has
			if on := sf.UpdatedOn; on <= asOf && on > updated {
				updated = on
			}
		}
		if updated != "" {
			sc.Freshness = int(day.Sub(calendar.Day(updated)).Hours() / 24)
		}
		sc.Score = Completeness(sc.Plan, sc.Team, sc.Supplies)
		if sc.Score < 100 {
			a.Incomplete++
		}
		a.Enterprises = append(a.Enterprises, sc)
		return nil
	})
	if err != nil {
		return a, err
	}
	sort.SliceStable(a.Enterprises, func(i, j int) bool {
		x, y := a.Enterprises[i], a.Enterprises[j]
		if x.Score != y.Score {
			return x.Score < y.Score
		}
		return x.Name < y.Name
	})
	a.Towns = rank(a.Enterprises, func(sc Score) string { return sc.TownCode }, names)
	a.Sections = rank(a.Enterprises, func(sc Score) string { return sc.SectionID }, names)
	var rw store.Where
	rw.Add("county_code = ?", p.CountyCode)
	rw.Add("kind = ? AND sent_on >= ? AND sent_on <= ?", "resources", first, last)
	if p.Role == auth.RoleEnterprise || p.Role == auth.RoleTown || p.Role == auth.RoleSection {
		c, args := enterprise.ScopeSQL(p, "enterprise_id")
		rw.Add(c, args...)
	}
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM prep_reminder`+rw.SQL(), rw.Args()...).Scan(&a.Reminders); err != nil {
		return a, err
	}
	return a, nil
}

// rank groups scores by key and ranks the groups: higher mean
// completeness first, then fresher (fewer days since the last update).
func rank(list []Score, key func(Score) string, names map[string]string) []Rank {
	type acc struct {
		r            Rank
		sum, fresh   float64
		freshCounted int
	}
	groups := map[string]*acc{}
	for _, sc := range list {
		k := key(sc)
		if k == "" {
			continue
		}
		g := groups[k]
		if g == nil {
			g = &acc{r: Rank{Key: k, Name: names[k]}}
			if g.r.Name == "" {
				g.r.Name = k
			}
			groups[k] = g
		}
		g.r.Enterprises++
		g.sum += float64(sc.Score)
		if sc.Score == 100 {
			g.r.Complete++
		}
		if sc.Freshness >= 0 {
			g.fresh += float64(sc.Freshness)
			g.freshCounted++
		}
	}
	out := make([]Rank, 0, len(groups))
	for _, g := range groups {
		g.r.Score = round1(g.sum / float64(g.r.Enterprises))
		g.r.Freshness = -1
		if g.freshCounted > 0 {
			g.r.Freshness = round1(g.fresh / float64(g.freshCounted))
		}
		out = append(out, g.r)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		fa, fb := a.Freshness, b.Freshness
		if fa < 0 {
			fa = 1e9
		}
		if fb < 0 {
			fb = 1e9
		}
		if fa != fb {
			return fa < fb
		}
		return a.Key < b.Key
	})
	for i := range out {
		out[i].Rank = i + 1
	}
	return out
}

func round1(x float64) float64 { return float64(int(x*10+0.5)) / 10 }

// Remind sends a 督促 to every incomplete enterprise of the month's
// assessment in p's scope, at most once per enterprise and month, and
// returns how many were sent (家次).
func (s *Service) Remind(ctx context.Context, p *auth.Principal, month string) (int, error) {
	if !CanFile(p) {
		return 0, errs.New(errs.Forbidden, "forbidden")
	}
	a, err := s.Assess(ctx, p, month, nil)
	if err != nil {
		return 0, err
	}
	n := 0
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		n = 0
		for _, sc := range a.Enterprises {
			if sc.Score >= 100 {
				continue
			}
			var missing []string
			if !sc.Plan {
				missing = append(missing, "应急预案")
			}
			if !sc.Team {
				missing = append(missing, "救援队伍")
			}
			if !sc.Supplies {
				missing = append(missing, "应急物资")
			}
			sent, err := s.remindTx(ctx, tx, p, "resources", sc.EnterpriseID, "", s.Today(), strings.Join(missing, "、"),
				"resources:"+month+":"+sc.EnterpriseID)
			if err != nil {
				return err
			}
			if sent {
				n++
			}
		}
		return s.record(ctx, tx, p, "prep_assessment", month, "remind", nil, map[string]any{"month": month, "sent": n})
	})
	return n, err
}

// remindTx records one reminder (once per dedupe key) and notifies its
// recipients.
func (s *Service) remindTx(ctx context.Context, tx *store.Tx, p *auth.Principal, kind, enterpriseID, planID, on, reason, key string) (bool, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO prep_reminder (id, county_code, kind, enterprise_id, plan_id, sent_on, reason, dedupe_key, sent_by, created_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT (dedupe_key) DO NOTHING`,
		ids.New(), p.CountyCode, kind, enterpriseID, planID, on, reason, key, p.UserID, s.now().UTC())
	if err != nil {
		return false, fmt.Errorf("reminder: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if s.notify == nil || s.Recipients == nil {
		return true, nil
	}
	users, err := s.Recipients(ctx, p.CountyCode, enterpriseID)
	if err != nil {
		return false, err
	}
	title, link, entity, id := "请完善应急预案、队伍和物资的填报", "/preparedness/resources", "prep_reminder", enterpriseID
	body := "尚缺：" + reason
	switch kind {
	case "filing":
		title, body, link, entity, id = "应急预案备案期限临近", reason, "/plans/"+planID, "prep_plan", planID
	case "assessment":
		title, body, link, entity, id = "应急预案评估期限临近", reason, "/plans/"+planID, "prep_plan", planID
	case "task":
		title, body, link, entity, id = "演练发现问题整改期限临近", reason, "/drills/"+planID, "prep_drill", planID
	}
	for _, u := range users {
		if _, err := s.notify.Enqueue(ctx, tx, notify.Message{CountyCode: p.CountyCode, UserID: u, Topic: "prepare." + kind, Title: title,
			Body: body, Link: link, Entity: entity, EntityID: id, DedupeKey: key + ":" + u}); err != nil {
			return false, err
		}
	}
	return true, nil
}

// SweepKind is the daily job reminding of plan deadlines.
const SweepKind = "prepare_deadlines"

// ReminderDays is how long before a deadline reminders start: 5 working
// days before the 备案 limit, 30 days before the assessment.
const (
	FilingWarnWorkingDays = 5
	AssessWarnDays        = 30
)

// Sweep reminds of plans whose 备案 limit is near or past, and of plans
// whose assessment falls due within 30 days; each deadline is reminded
// once per stage (near, overdue).
func (s *Service) Sweep(ctx context.Context) (int, error) {
	today := s.Today()
	due, err := s.queryPlans(ctx, `SELECT `+planCols+` FROM prep_plan WHERE (state = $1 AND filing_due <> '')
		OR (state IN ($2, $1) AND next_assessment <> '' AND next_assessment <= $3)`, []any{StatePublished, StateFiled,
		calendar.Day(today).AddDate(0, 0, AssessWarnDays).Format(calendar.DateLayout)})
	if err != nil {
		return 0, fmt.Errorf("plan deadlines: %w", err)
	}
	n, err := s.sweepTasks(ctx, today)
	if err != nil {
		return n, err
	}
	for _, x := range due {
		sys := &auth.Principal{UserID: "system", Username: "system", Role: auth.RoleAdmin, CountyCode: x.CountyCode}
		cal, err := s.cal(ctx, x.CountyCode)
		if err != nil {
			return n, err
		}
		err = s.db.InTx(ctx, func(tx *store.Tx) error {
			if x.State == StatePublished && x.FilingDue != "" {
				stage := ""
				switch {
				case x.FilingDue < today:
					stage = "overdue"
				case cal.WorkingDaysBetween(calendar.Day(today), calendar.Day(x.FilingDue)) <= FilingWarnWorkingDays:
					stage = "near"
				}
				if stage != "" {
					sent, err := s.remindTx(ctx, tx, sys, "filing", x.EnterpriseID, x.ID, today,
						fmt.Sprintf("《%s》应于%s前报%s备案", x.Name, x.FilingDue, FilingBody(x.Category)), "filing:"+x.ID+":"+x.FilingDue+":"+stage)
					if err != nil {
						return err
					}
					if sent {
						n++
					}
				}
			}
			if x.NextAssessment != "" && x.NextAssessment <= calendar.Day(today).AddDate(0, 0, AssessWarnDays).Format(calendar.DateLayout) {
				sent, err := s.remindTx(ctx, tx, sys, "assessment", x.EnterpriseID, x.ID, today,
					fmt.Sprintf("《%s》应于%s前完成评估", x.Name, x.NextAssessment), "assessment:"+x.ID+":"+x.NextAssessment)
				if err != nil {
					return err
				}
				if sent {
					n++
				}
			}
			return nil
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Reminder is one 督促 or deadline reminder sent.
type Reminder struct {
	ID           string `json:"id"`
	Kind         string `json:"kind"`
	EnterpriseID string `json:"enterprise_id,omitempty"`
	PlanID       string `json:"plan_id,omitempty"`
	SentOn       string `json:"sent_on"`
	Reason       string `json:"reason"`
}

// ListReminders returns a page of reminders sent in [from, to] (either
// may be empty) of a kind ("" all), newest first, in p's scope.
func (s *Service) ListReminders(ctx context.Context, p *auth.Principal, kind, from, to string, limit, offset int) ([]Reminder, int, error) {
	var w store.Where
	w.Add("county_code = ?", p.CountyCode)
	if p.Role == auth.RoleEnterprise || p.Role == auth.RoleTown || p.Role == auth.RoleSection {
		c, args := enterprise.ScopeSQL(p, "enterprise_id")
		w.Add("(enterprise_id = '' OR "+c+")", args...)
	}
	if kind != "" {
		w.Add("kind = ?", kind)
	}
	if from != "" {
		w.Add("sent_on >= ?", from)
	}
	if to != "" {
		w.Add("sent_on <= ?", to)
	}
	var total int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM prep_reminder`+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	lim, off := w.Arg(limit), w.Arg(offset)
	out, err := store.QueryAll(ctx, s.db.R(), func(rows *sql.Rows) (Reminder, error) {
		var x Reminder
		return x, rows.Scan(&x.ID, &x.Kind, &x.EnterpriseID, &x.PlanID, &x.SentOn, &x.Reason)
	}, `SELECT id, kind, enterprise_id, plan_id, sent_on, reason FROM prep_reminder`+w.SQL()+
		` ORDER BY sent_on DESC, id LIMIT `+lim+` OFFSET `+off, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("reminders: %w", err)
	}
	return store.NonNil(out), total, nil
}

// TaskWarnDays is how long before its due date a drill's follow-up task
// is reminded.
const TaskWarnDays = 7

// sweepTasks reminds of open follow-up tasks of drills due within 7 days
// or overdue, once per stage; the reminder's plan_id holds the drill.
func (s *Service) sweepTasks(ctx context.Context, today string) (int, error) {
	type task struct{ id, county, drill, problem, owner, due, name, ent string }
	list, err := store.QueryAll(ctx, s.db.R(), func(rows *sql.Rows) (task, error) {
		var x task
		return x, rows.Scan(&x.id, &x.county, &x.drill, &x.problem, &x.owner, &x.due, &x.name, &x.ent)
	}, `SELECT t.id, t.county_code, t.drill_id, t.problem, t.owner, t.due_on, d.name, d.enterprise_id
		FROM prep_drill_task t JOIN prep_drill d ON d.id = t.drill_id WHERE t.done_on = '' AND t.due_on <= $1`,
		calendar.Day(today).AddDate(0, 0, TaskWarnDays).Format(calendar.DateLayout))
	if err != nil {
		return 0, fmt.Errorf("drill tasks: %w", err)
	}
	n := 0
	for _, x := range list {
		stage := "near"
		if x.due < today {
			stage = "overdue"
		}
		sys := &auth.Principal{UserID: "system", Username: "system", Role: auth.RoleAdmin, CountyCode: x.county}
		err := s.db.InTx(ctx, func(tx *store.Tx) error {
			sent, err := s.remindTx(ctx, tx, sys, "task", x.ent, x.drill, today,
				fmt.Sprintf("%s发现的问题“%s”（%s）应于%s前整改完成", x.name, x.problem, x.owner, x.due), "task:"+x.id+":"+x.due+":"+stage)
			if sent {
				n++
			}
			return err
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
