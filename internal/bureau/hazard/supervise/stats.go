package supervise

import (
	"context"
	"fmt"
	"net/url"

	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/store"
)

// LetterStat are the supervision letters of a period (F-SUP-1: "县安委办
// 共发放重大安全隐患督办函4次，截至目前已整改3处").
//
// A letter may be issued on any overdue hazard (domain.md §1.3: the county
// 安委办 writes to a unit whose hazard is overdue without explanation),
// but only a letter on a major hazard is a 重大事故隐患督办函 (its print is
// titled so, see LetterDoc): the figures are split by the hazard's grade,
// and a report of "重大安全隐患督办函" quotes Major.
type LetterStat struct {
	From      string `json:"from"`
	To        string `json:"to"`
	Issued    int    `json:"issued"`    // letters issued in [from, to]
	Rectified int    `json:"rectified"` // of them, rectified by to
	Overdue   int    `json:"overdue"`   // of them, open past their deadline on to
	// Major are the letters on major hazards (重大事故隐患督办函), General
	// those on general hazards (一般隐患); Major + General = the whole.
	Major   LetterCount `json:"major"`
	General LetterCount `json:"general"`
	Link    string      `json:"link"` // the letters behind the figures
}

// LetterCount are the letters of one grade of hazard.
type LetterCount struct {
	Issued    int    `json:"issued"`
	Rectified int    `json:"rectified"`
	Overdue   int    `json:"overdue"`
	Link      string `json:"link"`
}

// LetterStats counts the letters issued in [from, to] (dates YYYY-MM-DD)
// in the principal's scope and how many of them were rectified by to, in
// all and by the grade of their hazard.
func (s *Service) LetterStats(ctx context.Context, p *auth.Principal, from, to string) (LetterStat, error) {
	st := LetterStat{From: from, To: to}
	w := LetterFilter{From: from, To: to}.where(p)
	toP := w.Arg(to)
	major := w.Arg(string(hazard.Major))
	// The grade is the hazard's (graded once, before it can be overdue).
	isMajor := `EXISTS (SELECT 1 FROM hazard h WHERE h.id = supervision_letter.hazard_id AND h.grade = ` + major + `)`
	done := `state = 'rectified' AND rectified_on <= ` + toP
	late := `(state <> 'rectified' OR rectified_on > ` + toP + `) AND deadline < ` + toP
	err := s.cfg.DB.R().QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE `+done+`), count(*) FILTER (WHERE `+late+`),
		count(*) FILTER (WHERE `+isMajor+`), count(*) FILTER (WHERE `+isMajor+` AND `+done+`), count(*) FILTER (WHERE `+isMajor+` AND `+late+`)
		FROM supervision_letter`+w.SQL(), w.Args()...).Scan(&st.Issued, &st.Rectified, &st.Overdue, &st.Major.Issued, &st.Major.Rectified, &st.Major.Overdue)
	if err != nil {
		return st, fmt.Errorf("letter statistics: %w", err)
	}
	st.General = LetterCount{Issued: st.Issued - st.Major.Issued, Rectified: st.Rectified - st.Major.Rectified, Overdue: st.Overdue - st.Major.Overdue}
	q := url.Values{"tab": {"letters"}, "from": {from}, "to": {to}}
	st.Link = "/supervision?" + q.Encode()
	q.Set("grade", string(hazard.Major))
	st.Major.Link = "/supervision?" + q.Encode()
	q.Set("grade", string(hazard.General))
	st.General.Link = "/supervision?" + q.Encode()
	return st, nil
}

// ListingStatFilter narrows the major hazards of ListingStatsBy.
type ListingStatFilter struct {
	From, To string // found in [From, To]; the figures stand on To
	Campaign string
	Source   hazard.Source
	Sector   string
}

// ListingStat are the major hazards of a period or campaign and their
// supervision (F-BIG-2: "发现重大隐患3个，挂牌督办3个，已整改1个，延期整改
// 2个"; F-MINE-3: the 5 majors of the mines all under 挂牌督办).
type ListingStat struct {
	Major     int    `json:"major"`     // major hazards found
	Listed    int    `json:"listed"`    // of them, listed by To
	Rectified int    `json:"rectified"` // of them, closed (摘牌销号 or 销号) by To
	Extended  int    `json:"extended"`  // of them, with an extension approved by To (延期整改)
	Link      string `json:"link"`      // the hazards behind the figures
}

// ListingStats counts the major hazards found in [from, to] (of a
// campaign, when given) in the principal's scope, and how many of them
// were listed, rectified and extended by to.
func (s *Service) ListingStats(ctx context.Context, p *auth.Principal, from, to, campaign string) (ListingStat, error) {
	return s.ListingStatsBy(ctx, p, ListingStatFilter{From: from, To: to, Campaign: campaign})
}

// ListingStatsBy is ListingStats with more filters.
func (s *Service) ListingStatsBy(ctx context.Context, p *auth.Principal, f ListingStatFilter) (ListingStat, error) {
	var st ListingStat
	var w store.Where
	scope(p, &w, "h.")
	w.Add("h.grade = ?", string(hazard.Major))
	if f.From != "" {
		w.Add("h.found_on >= ?", f.From)
	}
	to := f.To
	if to == "" {
		to = "9999-12-31"
	}
	w.Add("h.found_on <= ?", to)
	if f.Campaign != "" {
		w.Add("h.campaign = ?", f.Campaign)
	}
	if f.Source != "" {
		w.Add("h.source = ?", string(f.Source))
	}
	if f.Sector != "" {
		w.Add("h.sector = ?", f.Sector)
	}
	toP := w.Arg(to)
	err := s.cfg.DB.R().QueryRowContext(ctx, `SELECT count(*),
		count(*) FILTER (WHERE EXISTS (SELECT 1 FROM listing l WHERE l.hazard_id = h.id AND l.listed_on <= `+toP+`)),
		count(*) FILTER (WHERE h.state = 'closed' AND h.closed_on <= `+toP+`),
		count(*) FILTER (WHERE EXISTS (SELECT 1 FROM extension_request x WHERE x.hazard_id = h.id AND x.state = 'approved' AND x.decided_on <= `+toP+`))
		FROM hazard h`+w.SQL(), w.Args()...).Scan(&st.Major, &st.Listed, &st.Rectified, &st.Extended)
	if err != nil {
		return st, fmt.Errorf("listing statistics: %w", err)
	}
	q := url.Values{"grade": {string(hazard.Major)}, "from": {f.From}, "to": {f.To}}
	if f.Campaign != "" {
		q.Set("campaign", f.Campaign)
	}
	if f.Source != "" {
		q.Set("source", string(f.Source))
	}
	if f.Sector != "" {
		q.Set("sector", f.Sector)
	}
	st.Link = "/hazards?" + q.Encode()
	return st, nil
}
