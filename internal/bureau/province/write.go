package province

import (
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"yingji/internal/bureau/report"
	"yingji/internal/kit/figure"
)

//go:embed locales/*.json
var localeFiles embed.FS

// Locales are the province's messages (the county's app registers them
// for its job's name).
var Locales fs.FS = localeFiles

// Messages are the texts the province writes with, by language: the
// report's own (section titles) and the province's (title, missing
// counties, the sentences that read differently for a province).
type Messages map[string]map[string]string

// LoadMessages reads the report's and the province's locales.
func LoadMessages() (Messages, error) {
	out := Messages{}
	for _, src := range []fs.FS{report.Locales, localeFiles} {
		for _, lang := range []string{"zh", "en"} {
			b, err := fs.ReadFile(src, "locales/"+lang+".json")
			if err != nil {
				return nil, fmt.Errorf("province locales: %w", err)
			}
			m := map[string]string{}
			if err := json.Unmarshal(b, &m); err != nil {
				return nil, fmt.Errorf("province locales %s: %w", lang, err)
			}
			if out[lang] == nil {
				out[lang] = map[string]string{}
			}
			for k, v := range m {
				out[lang][k] = v
			}
		}
	}
	return out, nil
}

// T returns a message with {name} replaced from args (pairs of name,
// value); the ID itself when the message is missing.
func (m Messages) T(lang, id string, args ...string) string {
	s, ok := m[lang][id]
	if !ok {
		if s, ok = m["zh"][id]; !ok {
			return id
		}
	}
	for i := 0; i+1 < len(args); i += 2 {
		s = strings.ReplaceAll(s, "{"+args[i]+"}", args[i+1])
	}
	return s
}

// CountiesKey is the number every province item carries besides the
// figure's own: how many counties published it. A province sentence
// writes it as {counties} (全省（12个县区）…).
const CountiesKey = "counties"

// Report writes the roll-up as a period report (the report package's
// items and parts, so its Text writes the prose): each figure's sums,
// with the province's own sentence where the county's would read wrong
// (province.text.<id>) and the county's elsewhere. A sentence that needs a
// number the province does not sum (or a word the counties disagree on)
// is not written; its item says why.
func (r Rollup) Report(m Messages, lang string) report.Report {
	rep := report.Report{From: r.Period.FromDay(), To: r.Period.ToDay(), Lang: lang}
	var part *report.Part
	for _, s := range r.Figures {
		it := report.Item{ID: s.Def.ID, Section: s.Def.Section, Label: cmpOr(s.Def.Label[lang], s.Def.Label["zh"], s.Def.ID)}
		it.Value.Words = s.Words
		var last figure.Value
		for _, n := range s.Numbers {
			if !n.Summed {
				continue
			}
			it.Value.Numbers = append(it.Value.Numbers, figure.Number{Key: n.Key, Value: n.Total, Unit: n.Unit})
			if n.LastYear != nil {
				last.Numbers = append(last.Numbers, figure.Number{Key: n.Key, Value: *n.LastYear, Unit: n.Unit})
			}
		}
		if _, own := s.Number(CountiesKey); !own { // a figure's own number of that name wins
			it.Value.Numbers = append(it.Value.Numbers, figure.Number{Key: CountiesKey, Value: int64(s.Counties)})
		}
		if s.Def.Compare {
			it.LastYear = &last
		}
		text := m.T(lang, "province.text."+s.Def.ID)
		if text == "province.text."+s.Def.ID {
			text = cmpOr(s.Def.Text[lang], s.Def.Text["zh"])
		}
		if text != "" {
			sentence, err := report.Render(text, it, false)
			if err != nil {
				it.Problem = err.Error()
			} else {
				it.Sentence = sentence
			}
		}
		sec := cmpOr(s.Def.Section, "other")
		if part == nil || part.Key != sec {
			rep.Parts = append(rep.Parts, report.Part{Key: sec, Title: m.T(lang, "report.section."+sec)})
			part = &rep.Parts[len(rep.Parts)-1]
		}
		part.Items = append(part.Items, it)
	}
	return rep
}

// Title is the roll-up's title: 全省（12个县区）… with the counties counted.
func (r Rollup) Title(m Messages, lang string) string {
	return m.T(lang, "province.title", "counties", strconv.Itoa(len(r.Published)), "from", r.Period.FromDay(), "to", r.Period.ToDay())
}

// Text writes the roll-up as prose: the report's text (title, a heading
// per section, its sentences), then the counties summed and the counties
// missing.
func (r Rollup) Text(m Messages, lang string) string {
	var b strings.Builder
	b.WriteString(r.Report(m, lang).Text(r.Title(m, lang)))
	b.WriteString(m.T(lang, "province.counties_line", "n", strconv.Itoa(len(r.Published)), "names", names(lang, publishedCounties(r.Published))) + "\n")
	if len(r.Missing) == 0 {
		b.WriteString(m.T(lang, "province.none_missing") + "\n")
	} else {
		b.WriteString(m.T(lang, "province.missing", "n", strconv.Itoa(len(r.Missing)), "names", names(lang, r.Missing)) + "\n")
	}
	return b.String()
}

func publishedCounties(ps []Published) []County {
	out := make([]County, len(ps))
	for i, p := range ps {
		out[i] = p.County
	}
	return out
}

func names(lang string, cs []County) string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name + "（" + c.Code + "）"
		if lang == "en" {
			out[i] = c.Name + " (" + c.Code + ")"
		}
	}
	sep := "、"
	if lang == "en" {
		sep = ", "
	}
	return strings.Join(out, sep)
}

// JSONNumber is one number of a figure in the roll-up's JSON.
type JSONNumber struct {
	Unit string `json:"unit"`
	// Summed is false for a number shown per county only; Value is then
	// absent.
	Summed   bool               `json:"summed"`
	Value    *float64           `json:"value,omitempty"`
	LastYear *float64           `json:"last_year,omitempty"`
	ByCounty map[string]float64 `json:"by_county"`
}

// JSONFigure is a figure in the roll-up's JSON.
type JSONFigure struct {
	Section  string                `json:"section"`
	Label    string                `json:"label"`
	Sentence string                `json:"sentence,omitempty"`
	Problem  string                `json:"problem,omitempty"`
	Counties int                   `json:"counties"`
	Numbers  map[string]JSONNumber `json:"numbers"`
	Words    map[string]string     `json:"words,omitempty"`
}

// JSON is the roll-up as `yingji province report --format json` writes it:
// amounts in the unit the report writes (元 for money), each number's
// total and each county's value by county code.
type JSON struct {
	From     string                `json:"from"`
	To       string                `json:"to"`
	Title    string                `json:"title"`
	Counties []Published           `json:"counties"`
	Missing  []County              `json:"missing"`
	Figures  map[string]JSONFigure `json:"figures"`
}

// JSON returns the roll-up's JSON form.
func (r Rollup) JSON(m Messages, lang string) JSON {
	out := JSON{From: r.Period.FromDay(), To: r.Period.ToDay(), Title: r.Title(m, lang), Counties: r.Published,
		Missing: r.Missing, Figures: map[string]JSONFigure{}}
	if out.Counties == nil {
		out.Counties = []Published{}
	}
	if out.Missing == nil {
		out.Missing = []County{}
	}
	items := map[string]report.Item{}
	for _, p := range r.Report(m, lang).Parts {
		for _, it := range p.Items {
			items[it.ID] = it
		}
	}
	for _, s := range r.Figures {
		f := JSONFigure{Section: s.Def.Section, Label: items[s.Def.ID].Label, Sentence: items[s.Def.ID].Sentence,
			Problem: items[s.Def.ID].Problem, Counties: s.Counties, Numbers: map[string]JSONNumber{}, Words: s.Words}
		for _, n := range s.Numbers {
			jn := JSONNumber{Unit: unitName(n.Unit), Summed: n.Summed, ByCounty: map[string]float64{}}
			if n.Summed {
				v := amount(n.Total, n.Unit)
				jn.Value = &v
				if n.LastYear != nil {
					ly := amount(*n.LastYear, n.Unit)
					jn.LastYear = &ly
				}
			}
			for c, v := range n.ByCounty {
				jn.ByCounty[c] = amount(v, n.Unit)
			}
			f.Numbers[n.Key] = jn
		}
		out.Figures[s.Def.ID] = f
	}
	return out
}

// amount is a number in the unit the report writes (元 for money).
func amount(v int64, u figure.Unit) float64 {
	switch u {
	case figure.Fen:
		return float64(v) / 100
	case figure.Tenth:
		return float64(v) / 10
	}
	return float64(v)
}

func unitName(u figure.Unit) string {
	switch u {
	case figure.Fen:
		return "yuan"
	case figure.Tenth:
		return "decimal"
	}
	return "count"
}

// XLSX writes the roll-up as a workbook: one row a number (figure, label,
// number, unit, the province's total, how many counties published it),
// then each county's value and its share of the total; numbers that
// cannot be summed show per county only. A second sheet lists the
// counties missing.
func (r Rollup) XLSX(w io.Writer, m Messages, lang string) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := m.T(lang, "province.sheet")
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	head := []any{m.T(lang, "province.col.figure"), m.T(lang, "province.col.label"), m.T(lang, "province.col.key"),
		m.T(lang, "province.col.unit"), m.T(lang, "province.col.total"), m.T(lang, "province.col.counties")}
	for _, p := range r.Published {
		head = append(head, p.Name, m.T(lang, "province.col.share", "name", p.Name))
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	rep := r.Report(m, lang)
	labels := map[string]string{}
	for _, p := range rep.Parts {
		for _, it := range p.Items {
			labels[it.ID] = it.Label
		}
	}
	row := 2
	for _, s := range r.Figures {
		for _, n := range s.Numbers {
			cells := []any{s.Def.ID, labels[s.Def.ID], n.Key, m.T(lang, "province.unit."+unitName(n.Unit))}
			if n.Summed {
				cells = append(cells, amount(n.Total, n.Unit), len(n.ByCounty))
			} else {
				cells = append(cells, m.T(lang, "province.per_county"), len(n.ByCounty))
			}
			for _, p := range r.Published {
				v, ok := n.ByCounty[p.Code]
				switch {
				case !ok:
					cells = append(cells, nil, nil)
				case n.Summed:
					cells = append(cells, amount(v, n.Unit), round1(Share(v, n.Total)))
				default:
					cells = append(cells, amount(v, n.Unit), nil)
				}
			}
			cell, err := excelize.CoordinatesToCellName(1, row)
			if err != nil {
				return err
			}
			if err := sw.SetRow(cell, cells); err != nil {
				return err
			}
			row++
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	missing := m.T(lang, "province.sheet_missing")
	if _, err := f.NewSheet(missing); err != nil {
		return err
	}
	rows := [][]any{{m.T(lang, "province.col.code"), m.T(lang, "province.col.name")}}
	for _, c := range r.Missing {
		rows = append(rows, []any{c.Code, c.Name})
	}
	for i, rr := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(missing, cell, &rr); err != nil {
			return err
		}
	}
	_, err = f.WriteTo(w)
	return err
}

func round1(x float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', 1, 64), 64)
	return v
}

func cmpOr(s ...string) string {
	if i := slices.IndexFunc(s, func(x string) bool { return x != "" }); i >= 0 {
		return s[i]
	}
	return ""
}
