// Package figure is the registry of the statistics the bureau reports:
// every figure of the period report, the dashboards, the data-call
// pre-fill and the figures API is declared once by the module that owns
// its records, and computed from those records for a period and a scope.
// Nothing here knows a number; it only knows how to ask for one.
package figure

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/calendar"
)

// Period is a span of calendar dates, both ends included (From and To are
// midnight UTC of their dates, the form calendar.ParseDay returns).
type Period struct {
	From, To time.Time
}

// NewPeriod parses two dates (YYYY-MM-DD or any form calendar.ParseDay
// accepts); To may not be before From.
func NewPeriod(from, to string) (Period, error) {
	f, err := calendar.ParseDay(from)
	if err != nil {
		return Period{}, fmt.Errorf("period start: %w", err)
	}
	t, err := calendar.ParseDay(to)
	if err != nil {
		return Period{}, fmt.Errorf("period end: %w", err)
	}
	if t.Before(f) {
		return Period{}, fmt.Errorf("period ends (%s) before it starts (%s)", to, from)
	}
	return Period{From: f, To: t}, nil
}

// FromDay and ToDay are the ends as stored dates (YYYY-MM-DD).
func (p Period) FromDay() string { return p.From.Format(calendar.DateLayout) }

// ToDay is the last day as a stored date (YYYY-MM-DD).
func (p Period) ToDay() string { return p.To.Format(calendar.DateLayout) }

// Contains reports whether a stored date (YYYY-MM-DD, or a timestamp
// starting with one) falls inside the period.
func (p Period) Contains(day string) bool {
	if len(day) > 10 {
		day = day[:10]
	}
	return day >= p.FromDay() && day <= p.ToDay()
}

// Start and End are the period's instants in China Standard Time: Start
// is the first moment, End the first moment after the period (use
// t >= Start AND t < End on stored timestamps).
func (p Period) Start() time.Time {
	return time.Date(p.From.Year(), p.From.Month(), p.From.Day(), 0, 0, 0, 0, cst)
}

// End is the first instant after the period, in China Standard Time.
func (p Period) End() time.Time {
	return time.Date(p.To.Year(), p.To.Month(), p.To.Day()+1, 0, 0, 0, 0, cst)
}

// LastYear is the same period one year earlier (同比); 29 February ends
// on 28 February.
func (p Period) LastYear() Period {
	back := func(t time.Time) time.Time {
		y, m, d := t.Date()
		out := time.Date(y-1, m, d, 0, 0, 0, 0, time.UTC)
		if out.Month() != m { // 29 Feb → 28 Feb
			out = time.Date(y-1, m+1, 0, 0, 0, 0, 0, time.UTC)
		}
		return out
	}
	return Period{From: back(p.From), To: back(p.To)}
}

// Previous is the period of the same length just before this one (环比).
func (p Period) Previous() Period {
	days := int(p.To.Sub(p.From).Hours()/24) + 1
	return Period{From: p.From.AddDate(0, 0, -days), To: p.From.AddDate(0, 0, -1)}
}

var cst = time.FixedZone("CST", 8*3600)

// Query asks for a figure.
type Query struct {
	Period Period
	// Region narrows the figure to a town's (or village's) records: a
	// region code inside the principal's scope; "" is the principal's
	// whole scope.
	Region string
	// Section narrows the figure to the enterprises a supervising section
	// (股室 unit id) supervises; "" is every section.
	Section string
	// P is who asks; a figure never counts a record P may not read.
	P *auth.Principal
	// Records asks for the IDs of the records behind each number (the
	// report's JSON and drill-down); dashboards leave it off.
	Records bool
}

// Unit of a number, which decides how the report writes it.
type Unit string

// Units.
const (
	Count Unit = ""    // a plain count (起, 处, 家次, 人 … come from the text)
	Fen   Unit = "fen" // money in 分, written in 元 or 万元
	Tenth Unit = "0.1" // a decimal kept as tenths (areas, hectares)
)

// Number is one number of a figure, with the records that make it.
type Number struct {
	// Key names the number inside its figure ("inspections"); the
	// figure's Text refers to it as {inspections}.
	Key   string `json:"key"`
	Value int64  `json:"value"`
	Unit  Unit   `json:"unit,omitempty"`
	// Kind is the kind of record counted ("inspection", "hazard" …).
	Kind string `json:"kind,omitempty"`
	// Records are the IDs of the records counted (only when the query
	// asked for them). A number that sums a field (people paid, items
	// dispatched) lists the records whose field it sums.
	Records []string `json:"records,omitempty"`
	// Link opens a page listing exactly those records.
	Link string `json:"link,omitempty"`
}

// Value is a figure computed for one period and scope.
type Value struct {
	Numbers []Number `json:"numbers"`
	// Words are values that are not numbers, for the sentence ({{s "as_of"}}:
	// the cut-off date a campaign's figures were reported at).
	Words map[string]string `json:"words,omitempty"`
	// Warnings are consistency warnings (message IDs or sentences): an
	// entered total that disagrees with its parts or with the records.
	Warnings []string `json:"warnings,omitempty"`
}

// Get returns the number with key k (zero Number when absent).
func (v Value) Get(k string) Number {
	for _, n := range v.Numbers {
		if n.Key == k {
			return n
		}
	}
	return Number{}
}

// Figure is a statistic a module declares.
type Figure struct {
	// ID is the figure's id: the seed-facts id ("F-MINE-1") where the
	// figure is one of the source report's, else "module.name".
	ID string
	// Section groups figures in the report ("accident", "mine", "chem",
	// "industry", "inspection", "housing", "duty", "preparedness",
	// "flood", "relief", "reduction", "publicity" …); see the report
	// package for the order of sections.
	Section string
	// Order places the figure inside its section (ascending).
	Order int
	// Label is the message ID of the figure's name (tables, dashboards).
	Label string
	// Text is the message ID of the sentence that states the figure in
	// the report, with {key} for each number (and {key.last} for the
	// same number last year), e.g. "非煤矿山：开展执法检查{inspections}家次".
	Text string
	// Compare asks the report to write 同比 against last year.
	Compare bool
	// PerCounty names the numbers that cannot be summed across counties
	// (a percentage, a ratio, a rank, a day of the month): a province
	// roll-up shows them per county only, and its sentence does not use
	// them.
	PerCounty []string
	// Count computes the figure from records.
	Count func(ctx context.Context, q Query) (Value, error)
}

// Registry holds the figures of every module.
//
// A figure of the source report may be made of numbers kept by several
// modules (非煤矿山: inspections, documents and hazards): each module
// registers its part under the same ID with its own keys, and the
// registry computes them together. A key may come from one part only, and
// at most one part gives the Text, Label and Section.
type Registry struct {
	parts map[string][]Figure
	ids   []string
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{parts: map[string][]Figure{}} }

// Add registers figures (or parts of figures): all of them, or none
// when one is refused.
func (r *Registry) Add(figs ...Figure) error {
	ids := len(r.ids)
	parts := map[string]int{}
	for _, f := range figs {
		if _, ok := parts[f.ID]; !ok {
			parts[f.ID] = len(r.parts[f.ID])
		}
		if err := r.add(f); err != nil {
			for _, id := range r.ids[ids:] {
				delete(r.parts, id)
			}
			r.ids = r.ids[:ids]
			for id, n := range parts {
				if _, ok := r.parts[id]; ok {
					r.parts[id] = r.parts[id][:n]
				}
			}
			return err
		}
	}
	return nil
}

func (r *Registry) add(f Figure) error {
	if f.ID == "" || f.Count == nil {
		return fmt.Errorf("figure %q: an ID and a Count are required", f.ID)
	}
	for _, o := range r.parts[f.ID] {
		if (f.Text != "" && o.Text != "") || (f.Section != "" && o.Section != "" && f.Section != o.Section) {
			return fmt.Errorf("figure %q registered twice (two parts give its text or section)", f.ID)
		}
	}
	if _, ok := r.parts[f.ID]; !ok {
		r.ids = append(r.ids, f.ID)
	}
	r.parts[f.ID] = append(r.parts[f.ID], f)
	return nil
}

// Get returns a figure by ID, its parts joined into one.
func (r *Registry) Get(id string) (Figure, bool) {
	parts, ok := r.parts[id]
	if !ok {
		return Figure{}, false
	}
	if len(parts) == 1 {
		return parts[0], true
	}
	out := Figure{ID: id, Order: parts[0].Order}
	for _, p := range parts {
		out.Section = cmp.Or(out.Section, p.Section)
		out.Label = cmp.Or(out.Label, p.Label)
		out.Text = cmp.Or(out.Text, p.Text)
		out.Compare = out.Compare || p.Compare
		out.PerCounty = append(out.PerCounty, p.PerCounty...)
		if p.Text != "" {
			out.Order = p.Order
		}
	}
	out.Count = func(ctx context.Context, q Query) (Value, error) {
		var v Value
		seen := map[string]bool{}
		for _, p := range parts {
			pv, err := p.Count(ctx, q)
			if err != nil {
				return Value{}, fmt.Errorf("figure %s: %w", id, err)
			}
			for _, n := range pv.Numbers {
				if seen[n.Key] {
					return Value{}, fmt.Errorf("figure %s: number %q is counted by two modules", id, n.Key)
				}
				seen[n.Key] = true
				v.Numbers = append(v.Numbers, n)
			}
			v.Warnings = append(v.Warnings, pv.Warnings...)
		}
		return v, nil
	}
	return out, true
}

// Summable reports whether the number with key k can be summed across
// counties (it is not one of PerCounty).
func (f Figure) Summable(k string) bool { return !slices.Contains(f.PerCounty, k) }

// All returns every figure (parts joined), by section then order then ID.
func (r *Registry) All() []Figure {
	out := make([]Figure, 0, len(r.ids))
	for _, id := range r.ids {
		f, _ := r.Get(id)
		out = append(out, f)
	}
	slices.SortStableFunc(out, func(a, b Figure) int {
		switch {
		case a.Section != b.Section:
			return compare(a.Section, b.Section)
		case a.Order != b.Order:
			return a.Order - b.Order
		}
		return compare(a.ID, b.ID)
	})
	return out
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// sharedKey is the context key of a report's shared reads.
type sharedKey struct{}

// shared holds the reads several figures of one report make alike (the
// housing survey's progress, the period's 大检查 windows), each made once.
type shared struct {
	mu sync.Mutex
	m  map[string]*sharedEntry
}

type sharedEntry struct {
	once sync.Once
	v    any
	err  error
}

// WithShared returns a context in which Shared makes each read once: the
// report counts all its figures in it; a figure counted alone reads anew.
func WithShared(ctx context.Context) context.Context {
	return context.WithValue(ctx, sharedKey{}, &shared{m: map[string]*sharedEntry{}})
}

// Shared returns read()'s result for key, read once per WithShared
// context (every time without one). The key must name everything the
// read depends on: the principal, the period and the region at least
// (SharedKey).
func Shared[T any](ctx context.Context, key string, read func() (T, error)) (T, error) {
	s, ok := ctx.Value(sharedKey{}).(*shared)
	if !ok {
		return read()
	}
	s.mu.Lock()
	e, ok := s.m[key]
	if !ok {
		e = &sharedEntry{}
		s.m[key] = e
	}
	s.mu.Unlock()
	e.once.Do(func() { e.v, e.err = read() })
	v, _ := e.v.(T)
	return v, e.err
}

// SharedKey names a read of kind for q: who asks, the period and the
// region.
func SharedKey(kind string, q Query) string {
	return fmt.Sprintf("%s|%p|%s|%s|%s|%s", kind, q.P, q.Period.FromDay(), q.Period.ToDay(), q.Region, q.Section)
}
