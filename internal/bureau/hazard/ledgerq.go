package hazard

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/attach"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
)

// WithOrg gives the service the region and unit register (Excel ledgers
// and demo data name towns and units). It returns s.
func (s *Service) WithOrg(o *org.Service) *Service {
	s.org = o
	return s
}

// Today is the service's current calendar day (YYYY-MM-DD, Asia/Shanghai).
func (s *Service) Today() string { return Date(s.now()) }

// Counts are the figures above the ledger: hazards matching the filter,
// of them still open, open and overdue (as of Filter.Today), and major.
type Counts struct {
	Found   int `json:"found"`
	Open    int `json:"open"`
	Overdue int `json:"overdue"`
	Major   int `json:"major"`
}

// Counts counts the hazards matching f in scope. When the filter and the
// scope use only the tally's columns (town, sector, department, grade,
// state), found, open and major are sums over hazard_tally (kept in Go
// by every write, store_tally.go) and overdue a count over the index of open hazards: a
// county-wide ledger at a million hazards then costs a few milliseconds
// instead of a scan.
func (s *Service) Counts(ctx context.Context, p *auth.Principal, f Filter) (Counts, error) {
	if f.Today == "" {
		f.Today = s.Today()
	}
	if f.tallied(p) {
		return s.tallyCounts(ctx, p, f)
	}
	w := f.Where(p)
	today := w.Arg(f.Today)
	var c Counts
	err := s.db.R().QueryRowContext(ctx, `SELECT count(*),
		count(*) FILTER (WHERE state <> 'closed'),
		count(*) FILTER (WHERE `+AwaitingSQL+` AND deadline <> '' AND deadline < `+today+`),
		count(*) FILTER (WHERE grade = 'major')
		FROM hazard`+w.SQL(), w.Args()...).Scan(&c.Found, &c.Open, &c.Overdue, &c.Major)
	if err != nil {
		return c, fmt.Errorf("count hazards: %w", err)
	}
	return c, nil
}

// tallied reports whether f and the principal's scope condition only the
// columns of hazard_tally.
func (f Filter) tallied(p *auth.Principal) bool {
	return p.Role != auth.RoleEnterprise && !IsVillageStaff(p) && strings.TrimSpace(f.Q) == "" && f.Source == "" && f.Enterprise == "" && f.Campaign == "" &&
		f.Card == "" && !f.Overdue && f.From == "" && f.To == "" && !f.Listed
}

// tallyCounts answers Counts from hazard_tally (found, open, major) and
// the open-hazard index (overdue).
func (s *Service) tallyCounts(ctx context.Context, p *auth.Principal, f Filter) (Counts, error) {
	var c Counts
	w := f.Where(p)
	err := s.db.R().QueryRowContext(ctx, `SELECT CAST(COALESCE(sum(n), 0) AS BIGINT),
		CAST(COALESCE(sum(n) FILTER (WHERE state <> 'closed'), 0) AS BIGINT),
		CAST(COALESCE(sum(n) FILTER (WHERE grade = 'major'), 0) AS BIGINT)
		FROM hazard_tally`+w.SQL(), w.Args()...).Scan(&c.Found, &c.Open, &c.Major)
	if err != nil {
		return c, fmt.Errorf("count hazards: %w", err)
	}
	overdueOpen(w, f.Today)
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM hazard`+w.SQL(), w.Args()...).Scan(&c.Overdue); err != nil {
		return c, fmt.Errorf("count overdue hazards: %w", err)
	}
	return c, nil
}

// Page returns one page of the ledger (newest finding first) and the
// counts of the whole filtered set. The two queries run side by side on
// the reader pool.
func (s *Service) Page(ctx context.Context, p *auth.Principal, f Filter) ([]Record, Counts, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 50
	}
	var c Counts
	var cerr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, cerr = s.Counts(ctx, p, f)
	}()
	w := f.Where(p)
	lim, off := w.Arg(f.Limit), w.Arg(f.Offset)
	list, err := s.query(ctx, `SELECT `+Cols+` FROM hazard`+w.SQL()+` ORDER BY found_on DESC, id DESC LIMIT `+lim+` OFFSET `+off, w.Args()...)
	<-done
	if err == nil {
		err = cerr
	}
	return list, c, err
}

func (s *Service) query(ctx context.Context, q string, args ...any) ([]Record, error) {
	rows, err := s.db.R().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("hazards: %w", err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		r, err := Scan(rows)
		if err != nil {
			return nil, fmt.Errorf("hazards: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// OverdueList returns open hazards in scope past their deadline on
// f.Today (today when empty), matching f, the longest overdue first, at
// most limit of them, and how many there are.
func (s *Service) OverdueList(ctx context.Context, p *auth.Principal, f Filter, limit int) ([]Record, int, error) {
	if f.Today == "" {
		f.Today = s.Today()
	}
	f.Overdue = false
	w := f.Where(p)
	overdueOpen(w, f.Today)
	var total int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM hazard`+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("overdue hazards: %w", err)
	}
	if limit <= 0 {
		limit = 500
	}
	lim := w.Arg(limit)
	list, err := s.query(ctx, `SELECT `+Cols+` FROM hazard`+w.SQL()+` ORDER BY deadline, found_on, id LIMIT `+lim, w.Args()...)
	return list, total, err
}

// LatestYear is the year of the most recent finding in scope (this year
// when there is none).
func (s *Service) LatestYear(ctx context.Context, p *auth.Principal) int {
	var w store.Where
	Scope(p, &w)
	var last string
	_ = s.db.R().QueryRowContext(ctx, `SELECT COALESCE(max(found_on), '') FROM hazard`+w.SQL(), w.Args()...).Scan(&last)
	if len(last) < 4 {
		last = s.Today()
	}
	y, _ := strconv.Atoi(last[:4])
	return y
}

// DaysOverdue is how many days a hazard awaiting rectification is past its
// deadline on a day (0 when it is not).
func DaysOverdue(r Record, today string) int {
	if !r.State.AwaitsRectification() || r.Deadline == "" || r.Deadline >= today {
		return 0
	}
	d, t := mustDate(r.Deadline), mustDate(today)
	return int(t.Sub(d).Hours()+12) / 24
}

// Campaigns lists the campaigns (专项行动) of the hazards in scope, most
// hazards first.
func (s *Service) Campaigns(ctx context.Context, p *auth.Principal) ([]string, error) {
	var w store.Where
	Scope(p, &w)
	w.Add("campaign <> ''")
	rows, err := s.db.R().QueryContext(ctx, `SELECT campaign, count(*) FROM hazard`+w.SQL()+` GROUP BY campaign`, w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("campaigns: %w", err)
	}
	defer rows.Close()
	type kv struct {
		k string
		n int
	}
	var list []kv
	for rows.Next() {
		var x kv
		if err := rows.Scan(&x.k, &x.n); err != nil {
			return nil, err
		}
		list = append(list, x)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].n > list[j].n || (list[i].n == list[j].n && list[i].k < list[j].k) })
	out := make([]string, len(list))
	for i, x := range list {
		out[i] = x.k
	}
	return out, rows.Err()
}

// File opens an evidence file of a hazard in the principal's scope; a
// file of a hazard outside it is not found.
func (s *Service) File(ctx context.Context, p *auth.Principal, id string) (attach.Attachment, io.ReadCloser, error) {
	a, err := s.attach.Get(ctx, id)
	if err != nil || a.OwnerEntity != "hazard_event" || a.CountyCode != p.CountyCode {
		return attach.Attachment{}, nil, errs.New(errs.NotFound, "not_found")
	}
	var hazardID string
	if err := s.db.R().QueryRowContext(ctx, `SELECT hazard_id FROM hazard_event WHERE id = $1`, a.OwnerID).Scan(&hazardID); err != nil {
		return attach.Attachment{}, nil, errs.New(errs.NotFound, "not_found")
	}
	if _, err := s.Get(ctx, p, hazardID); err != nil {
		return attach.Attachment{}, nil, err
	}
	return s.attach.Open(ctx, id)
}

// Related gives an enterprise's hazards on its page: all, open and
// overdue (shown in red when there are any), linking to the ledger.
func (s *Service) Related(ctx context.Context, p *auth.Principal, e enterprise.Enterprise) ([]enterprise.Related, error) {
	c, err := s.Counts(ctx, p, Filter{Enterprise: e.ID})
	if err != nil {
		return nil, err
	}
	link := "/hazards?enterprise=" + url.QueryEscape(e.ID)
	out := []enterprise.Related{{Label: "hazard.related_all", Count: c.Found, Link: link},
		{Label: "hazard.related_open", Count: c.Open, Link: link + "&open=1"}}
	if c.Overdue > 0 {
		out = append(out, enterprise.Related{Label: "hazard.related_overdue", Count: c.Overdue, Link: link + "&overdue=1", Warn: true})
	}
	return out, nil
}
