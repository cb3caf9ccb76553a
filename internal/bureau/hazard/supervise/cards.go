package supervise

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
)

// scope adds the principal's row limits to w for a table (alias t, e.g.
// "e.") carrying the hazard's scope columns. It is hazard.Scope with a
// table prefix (a join has two sets of these columns).
func scope(p *auth.Principal, w *store.Where, t string) {
	w.Add(t+"county_code = ?", p.CountyCode)
	switch p.Role {
	case auth.RoleSection:
		w.In(t+"sector", p.Sectors)
	case auth.RoleTown:
		w.Add(t+"town_code LIKE ?", p.RegionCode+"%")
	case auth.RoleDepartment:
		w.Add(t+"unit_id = ?", p.UnitID)
	case auth.RoleEnterprise:
		w.Add(t+"enterprise_id = ?", p.EnterpriseID)
	}
}

// CardFilter selects current cards.
type CardFilter struct {
	Town       string
	Sectors    []string // a section's sectors (the section filter)
	Sector     string
	Card       hazard.Card
	Reason     string
	Enterprise string
	Q          string // enterprise or place name fragment
	Limit      int
	Offset     int
}

// CardFilterOf reads the filter from query parameters; sectors are the
// sectors of the section chosen (section=UNIT).
func CardFilterOf(q url.Values, sectors []string) CardFilter {
	return CardFilter{Town: q.Get("town"), Sectors: sectors, Sector: q.Get("sector"), Card: hazard.Card(q.Get("card")), Reason: q.Get("reason"),
		Enterprise: q.Get("enterprise"), Q: q.Get("q")}
}

// CardRow is a card standing today: on a hazard, or for a missing
// self-report (HazardID ”).
type CardRow struct {
	ID           string      `json:"id"`
	HazardID     string      `json:"hazard_id,omitempty"`
	EnterpriseID string      `json:"enterprise_id,omitempty"`
	PlaceName    string      `json:"place_name"`
	TownCode     string      `json:"town_code"`
	Sector       string      `json:"sector,omitempty"`
	Card         hazard.Card `json:"card"`
	Reason       string      `json:"reason"`
	Period       string      `json:"period,omitempty"`
	IssuedOn     string      `json:"issued_on"`
	Description  string      `json:"description,omitempty"`
	Grade        string      `json:"grade,omitempty"`
	Deadline     string      `json:"deadline,omitempty"`
	State        string      `json:"state,omitempty"`
	Days         int         `json:"days"`                 // days standing
	LetterDue    bool        `json:"letter_due,omitempty"` // a red card standing LetterAfter days without a letter
}

func (f CardFilter) where(p *auth.Principal) *store.Where {
	var w store.Where
	scope(p, &w, "e.")
	w.Add("e.cleared_on = ''")
	// A hazard closed since the last sweep shows no card.
	w.Add("(e.hazard_id = '' OR h.card = e.card)")
	if f.Town != "" {
		w.Add("e.town_code LIKE ?", f.Town+"%")
	}
	if f.Sectors != nil {
		w.In("e.sector", f.Sectors)
	}
	if f.Sector != "" {
		w.Add("e.sector = ?", f.Sector)
	}
	if f.Card != "" {
		w.Add("e.card = ?", string(f.Card))
	}
	if f.Reason != "" {
		w.Add("e.reason = ?", f.Reason)
	}
	if f.Enterprise != "" {
		w.Add("e.enterprise_id = ?", f.Enterprise)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		like := store.Like(q)
		w.Add(`(e.place_name LIKE ? ESCAPE '\' OR h.description LIKE ? ESCAPE '\')`, like, like)
	}
	return &w
}

const cardFrom = ` FROM hazard_card_event e LEFT JOIN hazard h ON h.id = e.hazard_id`
const cardCols = `e.id, e.hazard_id, e.enterprise_id, e.place_name, e.town_code, e.sector, e.card, e.reason, e.period, e.issued_on,
	COALESCE(h.description, ''), COALESCE(h.grade, ''), COALESCE(h.deadline, ''), COALESCE(h.state, ''),
	CASE WHEN e.hazard_id <> '' AND EXISTS (SELECT 1 FROM supervision_letter l WHERE l.hazard_id = e.hazard_id) THEN 1 ELSE 0 END`

func (s *Service) scanCard(sc interface{ Scan(...any) error }, today, letterDue string) (CardRow, error) {
	var c CardRow
	var lettered int
	err := sc.Scan(&c.ID, &c.HazardID, &c.EnterpriseID, &c.PlaceName, &c.TownCode, &c.Sector, &c.Card, &c.Reason, &c.Period, &c.IssuedOn,
		&c.Description, &c.Grade, &c.Deadline, &c.State, &lettered)
	if err != nil {
		return c, err
	}
	if t, i := day(today), day(c.IssuedOn); !t.IsZero() && !i.IsZero() {
		c.Days = int(t.Sub(i).Hours()/24) + 1
	}
	c.LetterDue = c.Card == hazard.Red && c.HazardID != "" && lettered == 0 && c.IssuedOn <= letterDue
	return c, nil
}

// letterDueDay is the last day of issue of a red card that calls for a
// letter today.
func letterDueDay(today string, r hazard.CardRules) string { return addDays(today, -r.LetterAfter) }

// Cards lists the cards standing in the principal's scope, red first,
// longest standing first, and the total.
func (s *Service) Cards(ctx context.Context, p *auth.Principal, f CardFilter) ([]CardRow, int, error) {
	rules, err := s.Rules(ctx, p.CountyCode)
	if err != nil {
		return nil, 0, err
	}
	w := f.where(p)
	var total int
	if err := s.cfg.DB.R().QueryRowContext(ctx, `SELECT count(*)`+cardFrom+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count cards: %w", err)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 50
	}
	lim, off := w.Arg(f.Limit), w.Arg(f.Offset)
	rows, err := s.cfg.DB.R().QueryContext(ctx, `SELECT `+cardCols+cardFrom+w.SQL()+` ORDER BY e.card, e.issued_on, e.id LIMIT `+lim+` OFFSET `+off, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("cards: %w", err)
	}
	defer rows.Close()
	today := s.today()
	due := letterDueDay(today, rules)
	var out []CardRow
	for rows.Next() {
		c, err := s.scanCard(rows, today, due)
		if err != nil {
			return nil, 0, fmt.Errorf("cards: %w", err)
		}
		out = append(out, c)
	}
	return out, total, rows.Err()
}

// EachCard streams the cards of the filter (exports).
func (s *Service) EachCard(ctx context.Context, p *auth.Principal, f CardFilter, fn func(CardRow) error) error {
	rules, err := s.Rules(ctx, p.CountyCode)
	if err != nil {
		return err
	}
	w := f.where(p)
	rows, err := s.cfg.DB.R().QueryContext(ctx, `SELECT `+cardCols+cardFrom+w.SQL()+` ORDER BY e.card, e.issued_on, e.id`, w.Args()...)
	if err != nil {
		return fmt.Errorf("cards: %w", err)
	}
	defer rows.Close()
	today := s.today()
	due := letterDueDay(today, rules)
	for rows.Next() {
		c, err := s.scanCard(rows, today, due)
		if err != nil {
			return fmt.Errorf("cards: %w", err)
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return rows.Err()
}

// CardCounts are the numbers of red and yellow cards standing in scope.
func (s *Service) CardCounts(ctx context.Context, p *auth.Principal) (red, yellow int, err error) {
	w := CardFilter{}.where(p)
	rows, err := s.cfg.DB.R().QueryContext(ctx, `SELECT e.card, count(*)`+cardFrom+w.SQL()+` GROUP BY e.card`, w.Args()...)
	if err != nil {
		return 0, 0, fmt.Errorf("card counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c string
		var n int
		if err := rows.Scan(&c, &n); err != nil {
			return 0, 0, err
		}
		switch hazard.Card(c) {
		case hazard.Red:
			red = n
		case hazard.Yellow:
			yellow = n
		}
	}
	return red, yellow, rows.Err()
}

// HazardCards returns the card history of one hazard, newest first.
func (s *Service) HazardCards(ctx context.Context, p *auth.Principal, hazardID string) ([]CardRow, error) {
	if _, err := s.Hazard(ctx, p, hazardID); err != nil {
		return nil, err
	}
	rows, err := s.cfg.DB.R().QueryContext(ctx, `SELECT id, card, reason, issued_on, cleared_on FROM hazard_card_event WHERE hazard_id = $1
		ORDER BY issued_on DESC, id DESC`, hazardID)
	if err != nil {
		return nil, fmt.Errorf("hazard cards: %w", err)
	}
	defer rows.Close()
	var out []CardRow
	for rows.Next() {
		var c CardRow
		var cleared string
		if err := rows.Scan(&c.ID, &c.Card, &c.Reason, &c.IssuedOn, &cleared); err != nil {
			return nil, err
		}
		c.HazardID, c.State = hazardID, cleared
		out = append(out, c)
	}
	return out, rows.Err()
}

// MonthRow is one line of the monthly counts: cards issued (yellow, red)
// and cleared in each month of a year.
type MonthRow struct {
	Key     string  `json:"key"` // town code or section unit id ('' for the total)
	Name    string  `json:"name"`
	Yellow  [12]int `json:"yellow"`
	Red     [12]int `json:"red"`
	Cleared [12]int `json:"cleared"`
}

func sum12(a [12]int) int {
	n := 0
	for _, v := range a {
		n += v
	}
	return n
}

// TotalYellow is the row's yellow cards issued in the year.
func (m MonthRow) TotalYellow() int { return sum12(m.Yellow) }

// TotalRed is the row's red cards issued in the year.
func (m MonthRow) TotalRed() int { return sum12(m.Red) }

// TotalCleared is the row's cards cleared in the year.
func (m MonthRow) TotalCleared() int { return sum12(m.Cleared) }

// Monthly is the monthly card count of a year per town and per section:
// the input of the monthly assessment and bulletin (月考核、月通报).
type Monthly struct {
	Year     int        `json:"year"`
	Total    MonthRow   `json:"total"`
	Towns    []MonthRow `json:"towns"`
	Sections []MonthRow `json:"sections"`
}

// MonthlyCounts counts the cards issued and cleared per month of a year
// in the principal's scope, per town and per supervising section.
func (s *Service) MonthlyCounts(ctx context.Context, p *auth.Principal, year int) (Monthly, error) {
	out := Monthly{Year: year, Total: MonthRow{Name: "合计"}}
	from, to := fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-01-01", year+1)
	towns := map[string]*MonthRow{}
	sections := map[string]*MonthRow{}
	secOf, secRows, err := s.sectionsOf(ctx, p.CountyCode)
	if err != nil {
		return out, err
	}
	for _, r := range secRows {
		sections[r.Key] = &MonthRow{Key: r.Key, Name: r.Name}
	}
	regions, err := s.cfg.Org.ListRegions(ctx, p, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		return out, err
	}
	for _, r := range regions {
		towns[r.Code] = &MonthRow{Key: r.Code, Name: r.Name}
	}
	add := func(town, sector, card string, dayS string, n int, cleared bool) {
		m, err := strconv.Atoi(dayS[5:7])
		if err != nil || m < 1 || m > 12 {
			return
		}
		rows := []*MonthRow{&out.Total}
		t := towns[town]
		if t == nil {
			t = &MonthRow{Key: town, Name: town}
			towns[town] = t
		}
		rows = append(rows, t)
		key := secOf[sector]
		sec := sections[key]
		if sec == nil {
			sec = &MonthRow{Key: key, Name: "其他（无分管股室）"}
			sections[key] = sec
		}
		rows = append(rows, sec)
		for _, r := range rows {
			switch {
			case cleared:
				r.Cleared[m-1] += n
			case card == string(hazard.Red):
				r.Red[m-1] += n
			default:
				r.Yellow[m-1] += n
			}
		}
	}
	for _, q := range []struct {
		col     string
		cleared bool
	}{{"issued_on", false}, {"cleared_on", true}} {
		var w store.Where
		scope(p, &w, "")
		w.Add(q.col+" >= ?", from)
		w.Add(q.col+" < ?", to)
		rows, err := s.cfg.DB.R().QueryContext(ctx, `SELECT town_code, sector, card, `+q.col+`, count(*) FROM hazard_card_event`+w.SQL()+
			` GROUP BY town_code, sector, card, `+q.col, w.Args()...)
		if err != nil {
			return out, fmt.Errorf("monthly cards: %w", err)
		}
		for rows.Next() {
			var town, sector, card, d string
			var n int
			if err := rows.Scan(&town, &sector, &card, &d, &n); err != nil {
				rows.Close()
				return out, err
			}
			if len(d) >= 7 {
				add(town, sector, card, d, n, q.cleared)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return out, err
		}
	}
	for _, r := range regions {
		out.Towns = append(out.Towns, *towns[r.Code])
		delete(towns, r.Code)
	}
	var rest []string
	for k := range towns {
		rest = append(rest, k)
	}
	sort.Strings(rest)
	for _, k := range rest {
		out.Towns = append(out.Towns, *towns[k])
	}
	for _, r := range secRows {
		out.Sections = append(out.Sections, *sections[r.Key])
		delete(sections, r.Key)
	}
	if sec := sections[""]; sec != nil {
		out.Sections = append(out.Sections, *sec)
	}
	return out, nil
}

// sectionsOf maps each sector to the section supervising it and lists the
// sections that supervise sectors, in their order.
func (s *Service) sectionsOf(ctx context.Context, county string) (map[string]string, []MonthRow, error) {
	units, err := s.cfg.Org.ListUnits(ctx, &auth.Principal{Role: auth.RoleLeader, CountyCode: county}, org.UnitFilter{Kind: org.UnitSection})
	if err != nil {
		return nil, nil, err
	}
	of := map[string]string{}
	var list []MonthRow
	for _, u := range units {
		if len(u.Sectors) == 0 {
			continue
		}
		list = append(list, MonthRow{Key: u.ID, Name: u.Name})
		for _, sec := range u.Sectors {
			if _, ok := of[sec]; !ok {
				of[sec] = u.ID
			}
		}
	}
	return of, list, nil
}

// SectionSectors returns the sectors a section unit supervises (the
// section filter); nil when the unit is not a section of the county.
func (s *Service) SectionSectors(ctx context.Context, county, unitID string) ([]string, error) {
	if unitID == "" {
		return nil, nil
	}
	units, err := s.cfg.Org.ListUnits(ctx, &auth.Principal{Role: auth.RoleLeader, CountyCode: county}, org.UnitFilter{Kind: org.UnitSection})
	if err != nil {
		return nil, err
	}
	for _, u := range units {
		if u.ID == unitID {
			return append([]string{}, u.Sectors...), nil
		}
	}
	return []string{}, nil
}

// Proposal is a red card that has stood LetterAfter days without a
// supervision letter: a 督办函 is proposed.
type Proposal struct {
	Hazard   hazard.Record `json:"hazard"`
	RedSince string        `json:"red_since"`
	Days     int           `json:"days"`
}

// ProposalFilter narrows the proposals to a town or a sector; Limit and
// Offset page them (no limit: all).
type ProposalFilter struct {
	Town, Sector  string
	Limit, Offset int
}

// ProposalFilterOf reads the proposals' filter from query parameters.
func ProposalFilterOf(q url.Values) ProposalFilter {
	return ProposalFilter{Town: q.Get("town"), Sector: q.Get("sector")}
}

// Proposals lists the letters proposed today in the principal's scope,
// longest standing first.
func (s *Service) Proposals(ctx context.Context, p *auth.Principal) ([]Proposal, error) {
	list, _, err := s.ProposalPage(ctx, p, ProposalFilter{})
	return list, err
}

// ProposalPage returns the proposals matching f (a page of them when
// f.Limit is set), longest standing first, and how many match.
func (s *Service) ProposalPage(ctx context.Context, p *auth.Principal, f ProposalFilter) ([]Proposal, int, error) {
	rules, err := s.Rules(ctx, p.CountyCode)
	if err != nil {
		return nil, 0, err
	}
	today := s.today()
	var w store.Where
	hazard.Scope(p, &w)
	w.Add(hazard.AwaitingSQL+" AND card = 'red' AND card_since <> '' AND card_since <= ?", letterDueDay(today, rules))
	w.Add("NOT EXISTS (SELECT 1 FROM supervision_letter l WHERE l.hazard_id = hazard.id)")
	if f.Town != "" {
		hazard.PrefixRange(&w, "town_code", f.Town)
	}
	if f.Sector != "" {
		w.Add("sector = ?", f.Sector)
	}
	var total int
	if err := s.cfg.DB.R().QueryRowContext(ctx, `SELECT count(*) FROM hazard`+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("proposals: %w", err)
	}
	page := ""
	if f.Limit > 0 {
		page = " LIMIT " + w.Arg(f.Limit) + " OFFSET " + w.Arg(f.Offset)
	}
	rows, err := s.cfg.DB.R().QueryContext(ctx, `SELECT `+hazard.Cols+` FROM hazard`+w.SQL()+` ORDER BY card_since, id`+page, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("proposals: %w", err)
	}
	defer rows.Close()
	var out []Proposal
	for rows.Next() {
		h, err := hazard.Scan(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, Proposal{Hazard: h, RedSince: h.CardSince, Days: int(day(today).Sub(day(h.CardSince)).Hours()/24) + 1})
	}
	return out, total, rows.Err()
}
