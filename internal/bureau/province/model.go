// Package province is the province roll-up of the counties' period
// reports (逐级上报): a county publishes the figures of its report for a
// period into a province database, and the province sums each figure over
// the counties that published that exact period, lists the counties that
// did not, and writes the report's prose, JSON and Excel from the sums.
//
// The province database holds numbers only: record IDs stay in the county
// (the province links back by county and figure id). It needs no county
// records and no figure registry of its own: every publication brings the
// figures' definitions (section, order, label, sentence, the numbers that
// cannot be summed) with it.
package province

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"yingji/internal/kit/calendar"
	"yingji/internal/kit/figure"
)

// WordUnit marks a row that carries a word of the figure (the cut-off
// date of a survey) instead of a number.
const WordUnit = "word"

// County is a county of the province (GB/T 2260 code and name).
type County struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Def is how a figure reads: what the county's registry declares and its
// locales say, carried with every publication.
type Def struct {
	ID      string
	Section string
	Order   int
	Compare bool
	// PerCounty are the numbers that cannot be summed (figure.Figure.PerCounty).
	PerCounty []string
	// Label and Text by language ("zh", "en"); Text is the sentence's
	// template ("" when the figure has none).
	Label, Text map[string]string
}

// Row is one number (or word) of a figure as a county computed it.
type Row struct {
	FigureID string
	Key      string
	Value    int64
	LastYear *int64 // the same number last year, when the figure compares
	Unit     string // figure.Unit, or WordUnit
	Word     string
}

// Publication is what a county publishes for a period.
type Publication struct {
	County     County
	Period     figure.Period
	ComputedAt time.Time
	Version    string
	Defs       []Def
	Rows       []Row
}

// Check refuses a publication the province could not file: a county code
// that is not six digits, a row without a figure or a key, a key twice.
func (p Publication) Check() error {
	if len(p.County.Code) != 6 || strings.Trim(p.County.Code, "0123456789") != "" {
		return fmt.Errorf("county code %q: six digits (GB/T 2260) expected", p.County.Code)
	}
	if strings.TrimSpace(p.County.Name) == "" {
		return fmt.Errorf("county %s has no name", p.County.Code)
	}
	seen := map[[2]string]bool{}
	for _, r := range p.Rows {
		if r.FigureID == "" || r.Key == "" {
			return fmt.Errorf("a row without figure id or number key (%q, %q)", r.FigureID, r.Key)
		}
		k := [2]string{r.FigureID, r.Key}
		if seen[k] {
			return fmt.Errorf("figure %s number %q published twice", r.FigureID, r.Key)
		}
		seen[k] = true
	}
	return nil
}

// Stored is a row as the province keeps it: with the county and when the
// county computed it.
type Stored struct {
	Row
	County     County
	Ord        int
	ComputedAt time.Time
	Version    string
}

// Published is a county that published the period.
type Published struct {
	County
	ComputedAt time.Time `json:"computed_at"`
	Version    string    `json:"version"`
}

// NumberSum is one number of a figure over the counties.
type NumberSum struct {
	Key  string
	Unit figure.Unit
	// Summed is false for a number that cannot be summed (a ratio, a
	// rank): Total is then 0 and only ByCounty holds values.
	Summed   bool
	Total    int64
	LastYear *int64 // sum of last year's numbers (figures that compare)
	// ByCounty is each publishing county's number, by county code.
	ByCounty map[string]int64
}

// Sum is one figure summed over the counties that published it.
type Sum struct {
	Def Def
	// Counties is how many counties published this figure.
	Counties int
	Numbers  []NumberSum
	// Words are the figure's words: the counties' word when they agree,
	// the latest when they are dates (a survey's cut-off); a word they
	// disagree on otherwise is left out (the sentence then cannot be
	// written and the figure shows in the tables only).
	Words map[string]string
}

// Number returns the number with key k.
func (s Sum) Number(k string) (NumberSum, bool) {
	for _, n := range s.Numbers {
		if n.Key == k {
			return n, true
		}
	}
	return NumberSum{}, false
}

// Rollup is the province's figures for one period.
type Rollup struct {
	Period    figure.Period
	Published []Published // the counties that published the period, by code
	Missing   []County    // known counties that did not, by code
	Figures   []Sum       // by section (report order), order, id
}

// Roll adds up what the counties published for the period. known are the
// counties the province knows (those that ever published); defs the
// figures' definitions; rows every row published for exactly the period.
// A figure with rows but no definition is summed all the same (its id
// is its label).
func Roll(period figure.Period, known []County, defs []Def, rows []Stored, sections []string) Rollup {
	out := Rollup{Period: period}
	pub := map[string]Published{}
	byFig := map[string][]Stored{}
	for _, r := range rows {
		if _, ok := pub[r.County.Code]; !ok {
			pub[r.County.Code] = Published{County: r.County, ComputedAt: r.ComputedAt, Version: r.Version}
		}
		byFig[r.FigureID] = append(byFig[r.FigureID], r)
	}
	for _, p := range pub {
		out.Published = append(out.Published, p)
	}
	slices.SortFunc(out.Published, func(a, b Published) int { return cmp.Compare(a.Code, b.Code) })
	for _, c := range known {
		if _, ok := pub[c.Code]; !ok {
			out.Missing = append(out.Missing, c)
		}
	}
	slices.SortFunc(out.Missing, func(a, b County) int { return cmp.Compare(a.Code, b.Code) })
	defByID := map[string]Def{}
	for _, d := range defs {
		defByID[d.ID] = d
	}
	for id, rs := range byFig {
		d, ok := defByID[id]
		if !ok {
			d = Def{ID: id, Section: "other", Order: 1 << 30, Label: map[string]string{"zh": id, "en": id}}
		}
		out.Figures = append(out.Figures, sumFigure(d, rs))
	}
	rank := func(s string) int {
		if i := slices.Index(sections, s); i >= 0 {
			return i
		}
		return len(sections)
	}
	slices.SortFunc(out.Figures, func(a, b Sum) int {
		return cmp.Or(cmp.Compare(rank(a.Def.Section), rank(b.Def.Section)), cmp.Compare(a.Def.Section, b.Def.Section),
			cmp.Compare(a.Def.Order, b.Def.Order), cmp.Compare(a.Def.ID, b.Def.ID))
	})
	return out
}

// sumFigure sums one figure's rows (every row of one figure).
func sumFigure(d Def, rs []Stored) Sum {
	s := Sum{Def: d}
	counties := map[string]bool{}
	words := map[string][]string{}
	nums := map[string]*NumberSum{}
	ord := map[string]int{}
	for _, r := range rs {
		counties[r.County.Code] = true
		if r.Unit == WordUnit {
			words[r.Key] = append(words[r.Key], r.Word)
			continue
		}
		n, ok := nums[r.Key]
		if !ok {
			n = &NumberSum{Key: r.Key, Unit: figure.Unit(r.Unit), Summed: !slices.Contains(d.PerCounty, r.Key), ByCounty: map[string]int64{}}
			nums[r.Key] = n
			ord[r.Key] = r.Ord
		}
		n.ByCounty[r.County.Code] = r.Value
		if n.Summed {
			n.Total += r.Value
			if r.LastYear != nil {
				ly := *r.LastYear
				if n.LastYear != nil {
					ly += *n.LastYear
				}
				n.LastYear = &ly
			}
		}
		ord[r.Key] = min(ord[r.Key], r.Ord)
	}
	s.Counties = len(counties)
	for _, n := range nums {
		s.Numbers = append(s.Numbers, *n)
	}
	slices.SortFunc(s.Numbers, func(a, b NumberSum) int {
		return cmp.Or(cmp.Compare(ord[a.Key], ord[b.Key]), cmp.Compare(a.Key, b.Key))
	})
	for k, ws := range words {
		if w, ok := joinWords(ws); ok {
			if s.Words == nil {
				s.Words = map[string]string{}
			}
			s.Words[k] = w
		}
	}
	return s
}

// joinWords is the province's value of a word the counties published:
// the word when they all agree; the latest when they are all dates (a
// survey's cut-off: every county's cumulative count had been reached by
// the latest of them); otherwise none.
func joinWords(ws []string) (string, bool) {
	latest := ""
	for _, w := range ws {
		if _, err := calendar.ParseDay(w); err != nil || len(w) != len(calendar.DateLayout) {
			if slices.ContainsFunc(ws, func(o string) bool { return o != ws[0] }) {
				return "", false
			}
			return ws[0], true
		}
		latest = max(latest, w)
	}
	return latest, true
}

// Share is a county's part of a summed number, in percent (0 when the
// total is 0).
func Share(part, total int64) float64 {
	if total == 0 {
		return 0
	}
	return float64(part) * 100 / float64(total)
}

// ClosedPeriods are the periods a county publishes on its own (the
// scheduled publish): the last month, quarter, half-year and year that
// ended before today (a calendar date).
func ClosedPeriods(today time.Time) []figure.Period {
	y, m, _ := today.Date()
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	span := func(y int, m time.Month, months int) figure.Period {
		from := day(y, m, 1)
		return figure.Period{From: from, To: from.AddDate(0, months, -1)}
	}
	month := span(y, m-1, 1) // time.Date normalises month 0 to December of y-1
	qStart := time.Month((int(m)-1)/3*3 + 1)
	quarter := span(y, qStart-3, 3)
	hStart := time.Month((int(m)-1)/6*6 + 1)
	half := span(y, hStart-6, 6)
	year := span(y-1, time.January, 12)
	return []figure.Period{month, quarter, half, year}
}
