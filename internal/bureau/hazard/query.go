package hazard

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/store"
)

// Filter selects hazards for the ledger (台账).
type Filter struct {
	Q          string // description, place or enterprise name fragment
	Town       string
	Sector     string
	Grade      Grade
	State      State
	OpenOnly   bool
	Source     Source
	Enterprise string
	Campaign   string
	Card       Card
	Overdue    bool     // open and past the deadline (as of Today)
	Today      string   // YYYY-MM-DD, for Overdue
	From, To   string   // found_on in [From, To]
	Listed     bool     // 挂牌督办 only
	Extended   bool     // with an extension (延期整改) granted by To (any time when To is empty)
	Unit       string   // recording unit (a section, department or town government)
	Sectors    []string // any of these sectors (report figures of a section)
	ClosedBy   string   // closed (销号) on or before this day (rectified by a period's end)
	Limit      int
	Offset     int
}

// FilterOf reads the ledger filter from query parameters; today is the
// day overdue is judged on.
func FilterOf(q url.Values, today string) Filter {
	return Filter{Q: q.Get("q"), Town: q.Get("town"), Sector: q.Get("sector"), Grade: Grade(q.Get("grade")), State: State(q.Get("state")),
		OpenOnly: q.Get("open") == "1", Source: Source(q.Get("source")), Enterprise: q.Get("enterprise"), Campaign: q.Get("campaign"),
		Card: Card(q.Get("card")), Overdue: q.Get("overdue") == "1", Today: today, From: q.Get("from"), To: q.Get("to"), Listed: q.Get("listed") == "1",
		Extended: q.Get("extended") == "1", Unit: q.Get("unit"), Sectors: splitList(q.Get("sectors")), ClosedBy: q.Get("closed_by")}
}

// Where builds the filter's conditions within the principal's scope.
func (f Filter) Where(p *auth.Principal) *store.Where {
	var w store.Where
	Scope(p, &w)
	if q := strings.TrimSpace(f.Q); q != "" {
		like := store.Like(q)
		w.Add(`(description LIKE ? ESCAPE '\' OR place_name LIKE ? ESCAPE '\' OR place LIKE ? ESCAPE '\')`, like, like, like)
	}
	if f.Town != "" {
		townCond(&w, f.Town)
	}
	if f.Sector != "" {
		w.Add("sector = ?", f.Sector)
	}
	if f.Grade != "" {
		w.Add("grade = ?", f.Grade)
	}
	if f.State != "" {
		w.Add("state = ?", f.State)
	}
	if f.OpenOnly || (f.State != "" && f.State != Closed) {
		// Literal, as the partial indexes of open hazards say it, so that
		// the planner may use them (it cannot see through a parameter).
		w.Add("state <> 'closed'")
	}
	if f.Source != "" {
		w.Add("source = ?", f.Source)
	}
	if f.Enterprise != "" {
		w.Add("enterprise_id = ?", f.Enterprise)
	}
	if f.Campaign != "" {
		w.Add("campaign = ?", f.Campaign)
	}
	if f.Card != "" {
		w.Add("card = ?", f.Card)
	}
	if f.Overdue {
		// The states listed and the deadline as a range, so that the
		// covering (county_code, state, deadline, grade, …) index serves
		// the ledger's counts of overdue hazards.
		w.In("state", awaitingStates)
		w.Add("deadline > '' AND deadline < ?", f.Today)
	}
	if f.From != "" {
		w.Add("found_on >= ?", f.From)
	}
	if f.To != "" {
		w.Add("found_on <= ?", f.To)
	}
	if f.Listed {
		w.Add("listed = ?", true)
	}
	if f.Extended {
		to := f.To
		if to == "" {
			to = "9999-12-31"
		}
		w.Add("EXISTS (SELECT 1 FROM hazard_event x WHERE x.hazard_id = hazard.id AND x.action = ? AND x.on_day <= ?)", string(ActExtend), to)
	}
	if f.Unit != "" {
		w.Add("unit_id = ?", f.Unit)
	}
	if f.ClosedBy != "" {
		w.Add("state = 'closed' AND closed_on <= ?", f.ClosedBy)
	}
	if len(f.Sectors) > 0 {
		w.In("sector", f.Sectors)
	}
	return &w
}

// awaitingStates are the states of a hazard awaiting its rectification
// (State.AwaitsRectification): only these can be overdue.
var awaitingStates = []string{string(Reported), string(Graded), string(Ordered), string(Rectifying)}

// AwaitingSQL is the SQL condition of State.AwaitsRectification.
const AwaitingSQL = "state IN ('reported', 'graded', 'ordered', 'rectifying')"

// overdueOpen limits w to hazards awaiting rectification past their
// deadline on today, written so that the partial indexes of open hazards
// ("state <> 'closed'", migration 00017, with the state as their last
// column) serve a count or a list by deadline: of the county by deadline,
// of a section, town or department by its column.
func overdueOpen(w *store.Where, today string) {
	w.Add("state <> 'closed' AND "+AwaitingSQL+" AND deadline > '' AND deadline < ?", today)
}

// townCond limits hazards to a town (or any region code prefix). A
// hazard's town_code is always its town's 9-digit code, so a town is an
// equality (an index serves it with the page's order by found_on).
func townCond(w *store.Where, code string) {
	if len(code) == 9 {
		w.Add("town_code = ?", code)
		return
	}
	PrefixRange(w, "town_code", code)
}

// PrefixRange adds "col starts with prefix" for a region code as a range
// (col >= prefix AND col < the next prefix), which an index serves; LIKE
// 'prefix%' is not used by SQLite's planner on a default-collated column.
// Region codes are digits, so the next prefix drops trailing 9s and
// increments the last digit ("349901109" → "34990111").
func PrefixRange(w *store.Where, col, prefix string) {
	next := strings.TrimRight(prefix, "9")
	if next == "" || strings.IndexFunc(prefix, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		w.Add(col+" LIKE ?", prefix+"%") // not a digit code: fall back
		return
	}
	next = next[:len(next)-1] + string(next[len(next)-1]+1)
	w.Add(col+" >= ? AND "+col+" < ?", prefix, next)
}

// List returns a page of hazards, newest finding first, and the total.
func (s *Service) List(ctx context.Context, p *auth.Principal, f Filter) ([]Record, int, error) {
	w := f.Where(p)
	var total int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM hazard`+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count hazards: %w", err)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 50
	}
	lim, off := w.Arg(f.Limit), w.Arg(f.Offset)
	rows, err := s.db.R().QueryContext(ctx, `SELECT `+Cols+` FROM hazard`+w.SQL()+` ORDER BY found_on DESC, id DESC LIMIT `+lim+` OFFSET `+off, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("list hazards: %w", err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		r, err := Scan(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("list hazards: %w", err)
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// Each streams every hazard matching f (exports), newest first.
func (s *Service) Each(ctx context.Context, p *auth.Principal, f Filter, fn func(Record) error) error {
	w := f.Where(p)
	rows, err := s.db.R().QueryContext(ctx, `SELECT `+Cols+` FROM hazard`+w.SQL()+` ORDER BY found_on DESC, id DESC`, w.Args()...)
	if err != nil {
		return fmt.Errorf("hazards: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := Scan(rows)
		if err != nil {
			return fmt.Errorf("hazards: %w", err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Row of the statistics: hazards found in the period and, of them, those
// rectified (closed) by the end of the period.
type StatRow struct {
	Key       string `json:"key"`
	Found     int    `json:"found"`
	Rectified int    `json:"rectified"`
	Major     int    `json:"major"`
	MajorDone int    `json:"major_done"`
	Overdue   int    `json:"overdue"`
}

// Rate is the rectification rate in percent (0 when nothing was found).
func (r StatRow) Rate() float64 {
	if r.Found == 0 {
		return 0
	}
	return float64(r.Rectified) * 100 / float64(r.Found)
}

// StatsBy counts hazards found in [from, to] (and matching f) grouped by
// one of: grade, source, sector, town_code, state, campaign, "" (total).
// Rectified counts those closed on or before to.
func (s *Service) StatsBy(ctx context.Context, p *auth.Principal, f Filter, by string) ([]StatRow, error) {
	switch by {
	case "grade", "source", "sector", "town_code", "state", "campaign", "category", "enterprise_id":
	case "":
	default:
		return nil, fmt.Errorf("unknown grouping %q", by)
	}
	w := f.Where(p)
	to := f.To
	if to == "" {
		to = "9999-12-31"
	}
	today := f.Today
	if today == "" {
		today = to
	}
	toP, todayP := w.Arg(to), w.Arg(today)
	key, group := by, " GROUP BY "+by+" ORDER BY "+by
	if by == "" {
		key, group = "'total'", ""
	}
	q := fmt.Sprintf(`SELECT %[1]s, count(*),
		count(*) FILTER (WHERE state = 'closed' AND closed_on <= %[2]s),
		count(*) FILTER (WHERE grade = 'major'),
		count(*) FILTER (WHERE grade = 'major' AND state = 'closed' AND closed_on <= %[2]s),
		count(*) FILTER (WHERE `+AwaitingSQL+` AND deadline <> '' AND deadline < %[3]s)
		FROM hazard%[4]s%[5]s`, key, toP, todayP, w.SQL(), group)
	rows, err := s.db.R().QueryContext(ctx, q, w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("hazard statistics: %w", err)
	}
	defer rows.Close()
	var out []StatRow
	for rows.Next() {
		var r StatRow
		if err := rows.Scan(&r.Key, &r.Found, &r.Rectified, &r.Major, &r.MajorDone, &r.Overdue); err != nil {
			return nil, fmt.Errorf("hazard statistics: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// IDs returns the IDs of the hazards matching f in p's scope, oldest
// first (the records behind a report figure).
func (s *Service) IDs(ctx context.Context, p *auth.Principal, f Filter) ([]string, error) {
	w := f.Where(p)
	rows, err := s.db.R().QueryContext(ctx, `SELECT id FROM hazard`+w.SQL()+` ORDER BY found_on, id`, w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("hazard ids: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("hazard ids: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// RecordIDs are the IDs of the hazards of a filter, oldest first, split
// as the report's numbers count them.
type RecordIDs struct {
	All, General, Major []string
	// Rectified are those closed (销号) on or before the day IDsSplit was
	// given.
	Rectified []string
}

// IDsSplit lists the hazards matching f in p's scope in one read (one
// query, however many of the report's numbers they make): all of them,
// by grade, and those closed on or before closedBy.
func (s *Service) IDsSplit(ctx context.Context, p *auth.Principal, f Filter, closedBy string) (RecordIDs, error) {
	w := f.Where(p)
	by := w.Arg(closedBy)
	rows, err := s.db.R().QueryContext(ctx, `SELECT id, grade, state = 'closed' AND closed_on <= `+by+` FROM hazard`+w.SQL()+` ORDER BY found_on, id`, w.Args()...)
	if err != nil {
		return RecordIDs{}, fmt.Errorf("hazard ids: %w", err)
	}
	defer rows.Close()
	var out RecordIDs
	for rows.Next() {
		var id string
		var g Grade
		var closed bool
		if err := rows.Scan(&id, &g, &closed); err != nil {
			return RecordIDs{}, fmt.Errorf("hazard ids: %w", err)
		}
		out.All = append(out.All, id)
		if g == Major {
			out.Major = append(out.Major, id)
		} else {
			out.General = append(out.General, id)
		}
		if closed {
			out.Rectified = append(out.Rectified, id)
		}
	}
	return out, rows.Err()
}

// Link is the hazard ledger's address listing exactly the hazards of f
// (the filters FilterOf reads back).
func (f Filter) Link() string {
	q := url.Values{}
	for k, v := range map[string]string{"q": f.Q, "town": f.Town, "sector": f.Sector, "grade": string(f.Grade), "state": string(f.State),
		"source": string(f.Source), "enterprise": f.Enterprise, "campaign": f.Campaign, "from": f.From, "to": f.To, "unit": f.Unit,
		"sectors": strings.Join(f.Sectors, ","), "closed_by": f.ClosedBy} {
		if v != "" {
			q.Set(k, v)
		}
	}
	for k, v := range map[string]bool{"open": f.OpenOnly, "overdue": f.Overdue, "listed": f.Listed, "extended": f.Extended} {
		if v {
			q.Set(k, "1")
		}
	}
	return "/hazards?" + q.Encode()
}

// splitList splits a comma-separated parameter ("" → none).
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// MonthRow is one month of the hazard trend: hazards found in the month
// (and of them, major) and hazards closed (销号) in the month.
type MonthRow struct {
	Month  string `json:"month"` // YYYY-MM
	Found  int    `json:"found"`
	Major  int    `json:"major"`
	Closed int    `json:"closed"`
}

// Monthly counts, for each month from the month of from to the month of
// to (dates YYYY-MM-DD), the hazards found and the hazards closed in p's
// scope: the trend of the leader's dashboard.
func (s *Service) Monthly(ctx context.Context, p *auth.Principal, from, to string) ([]MonthRow, error) {
	first, last := from[:7]+"-01", to
	rows := map[string]*MonthRow{}
	var months []string
	for m := first[:7]; m <= last[:7]; {
		rows[m] = &MonthRow{Month: m}
		months = append(months, m)
		y, mo := 0, 0
		fmt.Sscanf(m, "%d-%d", &y, &mo)
		if mo == 12 {
			y, mo = y+1, 1
		} else {
			mo++
		}
		m = fmt.Sprintf("%04d-%02d", y, mo)
	}
	// count counts by month of col; major is the SQL of the second figure.
	// The closed hazards are counted without their grade: the partial
	// index hazard_closed_on then answers alone (with the grade, SQLite
	// read each of a month's ~13,000 closed rows from the table: 30–50 ms
	// of CPU and, cold, a second of I/O at 1,000,000 hazards).
	count := func(col, major, extra string, add func(r *MonthRow, n, major int)) error {
		var w store.Where
		Scope(p, &w)
		w.Add(col+" >= ? AND "+col+" <= ?", first, last)
		q := `SELECT substr(` + col + `, 1, 7), count(*), ` + major + ` FROM hazard` + w.SQL() + extra + ` GROUP BY 1`
		rs, err := s.db.R().QueryContext(ctx, q, w.Args()...)
		if err != nil {
			return fmt.Errorf("hazard trend: %w", err)
		}
		defer rs.Close()
		for rs.Next() {
			var m string
			var n, major int
			if err := rs.Scan(&m, &n, &major); err != nil {
				return fmt.Errorf("hazard trend: %w", err)
			}
			if r, ok := rows[m]; ok {
				add(r, n, major)
			}
		}
		return rs.Err()
	}
	// The whole months before the last come from hazard_month (kept in
	// Go by every write) when the scope uses only its columns; the last month —
	// cut at the day `to`, and where today's records land — is counted
	// from the hazards themselves (at most a month of the index). The
	// three queries run side by side on the reader pool; each writes its
	// own months or fields.
	var wg sync.WaitGroup
	var tallyErr, foundErr, closedErr error
	if lastFirst := last[:7] + "-01"; first < lastFirst && p.Role != auth.RoleEnterprise && !IsVillageStaff(p) {
		from := first[:7]
		first = lastFirst
		wg.Go(func() { tallyErr = s.monthTally(ctx, p, from, last[:7], rows) })
	}
	wg.Go(func() {
		foundErr = count("found_on", "count(*) FILTER (WHERE grade = 'major')", "", func(r *MonthRow, n, major int) { r.Found, r.Major = n, major })
	})
	closedErr = count("closed_on", "0", " AND state = 'closed'", func(r *MonthRow, n, _ int) { r.Closed = n })
	wg.Wait()
	for _, err := range []error{tallyErr, foundErr, closedErr} {
		if err != nil {
			return nil, err
		}
	}
	out := make([]MonthRow, 0, len(months))
	for _, m := range months {
		out = append(out, *rows[m])
	}
	return out, nil
}

// monthTally fills rows with the months from (inclusive) to before
// (exclusive), YYYY-MM, from hazard_month in p's scope.
func (s *Service) monthTally(ctx context.Context, p *auth.Principal, from, before string, rows map[string]*MonthRow) error {
	var w store.Where
	Scope(p, &w)
	w.Add("month >= ? AND month < ?", from, before)
	rs, err := s.db.R().QueryContext(ctx, `SELECT month, CAST(sum(found) AS BIGINT), CAST(sum(major) AS BIGINT), CAST(sum(closed) AS BIGINT)
		FROM hazard_month`+w.SQL()+` GROUP BY month`, w.Args()...)
	if err != nil {
		return fmt.Errorf("hazard trend: %w", err)
	}
	defer rs.Close()
	for rs.Next() {
		var m string
		var found, major, closed int
		if err := rs.Scan(&m, &found, &major, &closed); err != nil {
			return fmt.Errorf("hazard trend: %w", err)
		}
		if r, ok := rows[m]; ok {
			r.Found, r.Major, r.Closed = found, major, closed
		}
	}
	if err := rs.Err(); err != nil {
		return fmt.Errorf("hazard trend: %w", err)
	}
	return nil
}

// CampaignsNamed returns the campaigns whose name contains part among the
// hazards in scope matching f (a report finds its period's 大检查 this
// way). The county has a handful of campaign names and tens of thousands
// of hazards in each: the names are read by a loose scan of the campaign
// index (one seek per name, a recursive query both engines run), and each
// name that fits is kept when one hazard of f in p's scope carries it.
func (s *Service) CampaignsNamed(ctx context.Context, p *auth.Principal, f Filter, part string) ([]string, error) {
	all, err := store.QueryAll(ctx, s.db.R(), func(r *sql.Rows) (string, error) {
		var c string
		return c, r.Scan(&c)
	}, `WITH RECURSIVE c (name) AS (
		SELECT min(campaign) FROM hazard WHERE county_code = $1 AND campaign > ''
		UNION ALL
		SELECT (SELECT min(h.campaign) FROM hazard h WHERE h.county_code = $1 AND h.campaign > c.name) FROM c WHERE c.name IS NOT NULL
	) SELECT name FROM c WHERE name IS NOT NULL`, p.CountyCode)
	if err != nil {
		return nil, fmt.Errorf("hazard campaigns: %w", err)
	}
	var out []string
	for _, name := range all {
		if !strings.Contains(name, part) {
			continue
		}
		w := f.Where(p)
		w.Add("campaign = ?", name)
		var one int
		err := s.db.R().QueryRowContext(ctx, `SELECT 1 FROM hazard`+w.SQL()+` LIMIT 1`, w.Args()...).Scan(&one)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return nil, fmt.Errorf("hazard campaigns: %w", err)
		default:
			out = append(out, name)
		}
	}
	return out, nil
}
