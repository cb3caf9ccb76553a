package facility

import (
	"context"
	"fmt"
	"sort"
	"time"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/store"
)

// Counts are numbers of facilities by kind and status: kind → status → n.
type Counts map[string]map[string]int

func (c Counts) add(kind, status string, n int) {
	if c[kind] == nil {
		c[kind] = map[string]int{}
	}
	c[kind][status] += n
}

// Get returns the number of facilities of kind in status.
func (c Counts) Get(kind, status string) int { return c[kind][status] }

// Kind returns the number of facilities of kind, all statuses.
func (c Counts) Kind(kind string) int {
	n := 0
	for _, v := range c[kind] {
		n += v
	}
	return n
}

// ByKind lists every kind (in the order of Kinds) with its total and its
// non-zero statuses in lifecycle order.
func (c Counts) ByKind() []KindCount {
	out := make([]KindCount, 0, len(Kinds))
	for _, k := range Kinds {
		kc := KindCount{Kind: k.Value, Total: c.Kind(k.Value), Statuses: []StatusCount{}}
		for _, s := range Rules[k.Value].Statuses {
			if n := c.Get(k.Value, s); n > 0 {
				kc.Statuses = append(kc.Statuses, StatusCount{Status: s, N: n})
			}
		}
		out = append(out, kc)
	}
	return out
}

// scoped returns id → facility (without enterprise names) for the
// facilities in the principal's scope, of one kind when kind is not "".
func (s *Service) scoped(ctx context.Context, p *auth.Principal, kind string) (map[string]Facility, error) {
	w, err := s.where(ctx, p, Filter{Kind: kind}, false)
	if err != nil {
		return nil, err
	}
	list, err := s.query(ctx, `SELECT `+cols+` FROM facility`+w.SQL(), w.Args()...)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Facility, len(list))
	for _, f := range list {
		out[f.ID] = f
	}
	return out, nil
}

// eachStatus streams the county's status rows effective up to a date
// (inclusive; "" for all) in facility and recording order.
func (s *Service) eachStatus(ctx context.Context, p *auth.Principal, upTo string, fn func(StatusChange) error) error {
	var w store.Where
	w.Add("county_code = ?", p.CountyCode)
	if upTo != "" {
		w.Add("effective_date <= ?", upTo)
	}
	rows, err := s.db.R().QueryContext(ctx, `SELECT id, facility_id, seq, status, effective_date, note, recorded_by, recorded_name, recorded_at
		FROM facility_status`+w.SQL()+` ORDER BY facility_id, seq`, w.Args()...)
	if err != nil {
		return fmt.Errorf("facility statuses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c StatusChange
		if err := rows.Scan(&c.ID, &c.FacilityID, &c.Seq, &c.Status, &c.Date, &c.Note, &c.RecordedBy, &c.RecordedName, &c.RecordedAt); err != nil {
			return err
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return rows.Err()
}

// CountsAt counts the facilities in the principal's scope by kind and by
// the status each was in at the end of date (the calendar date of date in
// its own location). A facility whose first status took effect after that
// date is not counted. Statistics for reports: e.g. the tailings ponds
// under closure works on 2022-06-30.
func (s *Service) CountsAt(ctx context.Context, p *auth.Principal, date time.Time) (Counts, error) {
	facs, err := s.scoped(ctx, p, "")
	if err != nil {
		return nil, err
	}
	at := map[string]string{} // facility → status at the date
	err = s.eachStatus(ctx, p, DateOf(date), func(c StatusChange) error {
		if _, ok := facs[c.FacilityID]; ok {
			at[c.FacilityID] = c.Status // rows come in seq order: the last one wins
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := Counts{}
	for id, st := range at {
		out.add(facs[id].Kind, st, 1)
	}
	return out, nil
}

// Change is one status change of a facility, for statistics.
type Change struct {
	FacilityID     string `json:"facility_id"`
	FacilityName   string `json:"facility_name"`
	Kind           string `json:"kind"`
	EnterpriseID   string `json:"enterprise_id"`
	EnterpriseName string `json:"enterprise_name"`
	From           string `json:"from"` // "" for the facility's first recorded status
	To             string `json:"to"`
	Date           string `json:"date"` // effective date, YYYY-MM-DD
	Note           string `json:"note,omitempty"`
}

// StatusChangesBetween lists the status changes of the facilities in the
// principal's scope that took effect from from to to (calendar dates,
// both included), of one kind and to one status when those are not "",
// by date. A facility's first recorded status is included with From "".
// Statistics for reports: e.g. the tailings ponds 销号 in 2022 H1 are
// StatusChangesBetween(ctx, p, 2022-01-01, 2022-06-30, KindTailings,
// StatusDelisted).
func (s *Service) StatusChangesBetween(ctx context.Context, p *auth.Principal, from, to time.Time, kind, toStatus string) ([]Change, error) {
	facs, err := s.scoped(ctx, p, kind)
	if err != nil {
		return nil, err
	}
	lo, hi := DateOf(from), DateOf(to)
	out := []Change{}
	prev := map[string]string{}
	err = s.eachStatus(ctx, p, hi, func(c StatusChange) error {
		f, ok := facs[c.FacilityID]
		if !ok {
			return nil
		}
		before := prev[c.FacilityID]
		prev[c.FacilityID] = c.Status
		if c.Date < lo || (toStatus != "" && c.Status != toStatus) {
			return nil
		}
		out = append(out, Change{FacilityID: f.ID, FacilityName: f.Name, Kind: f.Kind, EnterpriseID: f.EnterpriseID,
			From: before, To: c.Status, Date: c.Date, Note: c.Note})
		return nil
	})
	if err != nil {
		return nil, err
	}
	var idList []string
	for _, c := range out {
		idList = append(idList, c.EnterpriseID)
	}
	names, err := s.ent.Names(ctx, p, idList)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].EnterpriseName = names[out[i].EnterpriseID]
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Date != out[j].Date {
			return out[i].Date < out[j].Date
		}
		return out[i].FacilityName < out[j].FacilityName
	})
	return out, nil
}

// CountByEnterprise returns kind → number of an enterprise's facilities
// (the enterprise page). The caller has checked the enterprise is in scope.
func (s *Service) CountByEnterprise(ctx context.Context, enterpriseID string) (map[string]int, error) {
	rows, err := s.db.R().QueryContext(ctx, `SELECT kind, count(*) FROM facility WHERE enterprise_id = $1 GROUP BY kind`, enterpriseID)
	if err != nil {
		return nil, fmt.Errorf("facility counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		out[k] = n
	}
	return out, rows.Err()
}
