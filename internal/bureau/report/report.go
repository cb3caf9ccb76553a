// Package report writes the period report (工作总结的统计部分) from the
// figure registry: for a period and a scope it computes every figure,
// last year's beside it where the figure compares (同比), and writes each
// section's sentences in the style of the bureau's own reports, every
// number tied to the records it counts.
package report

import (
	"context"
	"embed"
	"fmt"
	"html"
	htmltemplate "html/template"
	"io/fs"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"text/template"

	"yingji/internal/kit/calendar"
	"yingji/internal/kit/figure"
)

// Sections are the report's sections in the order of the bureau's
// half-year report; a figure's Section names one of them (unknown
// sections come last, in name order).
var Sections = []string{
	"accident",     // 安全生产形势
	"mine",         // 非煤矿山
	"chem",         // 危化和烟花爆竹
	"industry",     // 冶金工贸
	"big",          // 安全生产大检查
	"housing",      // 自建房安全专项整治
	"supervise",    // 重大隐患督办
	"duty",         // 值班值守和预警
	"preparedness", // 应急准备：预案、队伍、资源
	"flood",        // 防汛抗旱
	"relief",       // 救灾救助
	"reduction",    // 防灾减灾：信息员、示范社区
	"fire",         // 森林防火
	"publicity",    // 宣传培训
}

//go:embed locales/*.json
var localeFiles embed.FS

// Locales are the report's messages (section titles, sentences).
var Locales fs.FS = localeFiles

// Translate returns a message in a language (web.I18n.T fits).
type Translate func(lang, id string, data map[string]any) string

// Item is one figure in the report.
type Item struct {
	ID       string            `json:"id"`
	Section  string            `json:"section"`
	Label    string            `json:"label"`
	Sentence string            `json:"sentence"`
	HTML     htmltemplate.HTML `json:"-"`
	Value    figure.Value      `json:"value"`
	LastYear *figure.Value     `json:"last_year,omitempty"`
	// Problem says why the sentence could not be written (a number its
	// text names is counted by no module): a defect, shown to the reader.
	Problem string `json:"problem,omitempty"`
}

// Part is a section of the report with its sentences.
type Part struct {
	Key   string `json:"key"`
	Title string `json:"title"`
	Items []Item `json:"items"`
}

// Report is the statistical part of a period's work report.
type Report struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Region string `json:"region,omitempty"`
	Lang   string `json:"lang"`
	Parts  []Part `json:"sections"`
	// Narrative are the paragraphs staff wrote around the figures (a
	// saved draft), by section key, with "intro" and "outro".
	Narrative map[string]string `json:"narrative,omitempty"`
}

// WithDraft returns the report with a draft's narrative.
func (r Report) WithDraft(d Draft) Report {
	r.Narrative = d.Narrative
	return r
}

// Figures maps every figure ID to its item (the JSON contract of
// `yingji report --format json`).
func (r Report) Figures() map[string]Item {
	out := map[string]Item{}
	for _, p := range r.Parts {
		for _, it := range p.Items {
			out[it.ID] = it
		}
	}
	return out
}

// Build computes every figure of the registry for the query's period and
// scope and writes the report's sentences in lang.
func Build(ctx context.Context, reg *figure.Registry, q figure.Query, tr Translate, lang string) (Report, error) {
	r := Report{From: q.Period.FromDay(), To: q.Period.ToDay(), Region: q.Region, Lang: lang}
	parts := map[string]*Part{}
	var order []string
	all := reg.All()
	values, err := countAll(ctx, all, q)
	if err != nil {
		return Report{}, err
	}
	for i, f := range all {
		it := Item{ID: f.ID, Section: f.Section, Label: tr(lang, cmpOr(f.Label, "report.figure."+f.ID), nil), Value: values[i].this}
		it.LastYear = values[i].lastYear
		text := tr(lang, cmpOr(f.Text, "report.text."+f.ID), nil)
		if strings.HasPrefix(text, "report.text.") || text == f.Text {
			text = "" // no sentence: the figure shows in the table only
		}
		if text != "" {
			it.Sentence, err = Render(text, it, false)
			if err == nil {
				var h string
				h, err = Render(text, it, true)
				it.HTML = htmltemplate.HTML(h) // the locale's text (trusted), numbers and escaped links
			}
			if err != nil {
				it.Sentence, it.HTML, it.Problem = "", "", err.Error()
			}
		}
		sec := cmpOr(f.Section, "other")
		p, ok := parts[sec]
		if !ok {
			p = &Part{Key: sec, Title: tr(lang, "report.section."+sec, nil)}
			parts[sec] = p
			order = append(order, sec)
		}
		p.Items = append(p.Items, it)
	}
	for _, key := range Sections {
		if p, ok := parts[key]; ok {
			r.Parts = append(r.Parts, *p)
			delete(parts, key)
		}
	}
	for _, key := range order {
		if p, ok := parts[key]; ok {
			r.Parts = append(r.Parts, *p)
		}
	}
	return r, nil
}

// counted is a figure's value for the period and, when it is compared,
// for the same period last year.
type counted struct {
	this     figure.Value
	lastYear *figure.Value
}

// countAll counts every figure (and last year's, where compared) on as
// many goroutines as the machine has processors: the figures read
// different records and are independent, and a report at ten times the
// demo's volume spends its time in them. The first error stops the rest.
func countAll(ctx context.Context, all []figure.Figure, q figure.Query) ([]counted, error) {
	out := make([]counted, len(all))
	type job struct {
		i    int
		last bool
	}
	var jobs []job
	for i, f := range all {
		jobs = append(jobs, job{i, false})
		if f.Compare {
			jobs = append(jobs, job{i, true})
		}
	}
	ctx, cancel := context.WithCancelCause(figure.WithShared(ctx))
	defer cancel(nil)
	next := make(chan job)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for range min(runtime.GOMAXPROCS(0), len(jobs)) {
		wg.Go(func() {
			for j := range next {
				f := all[j.i]
				fq := q
				if j.last {
					fq.Period, fq.Records = q.Period.LastYear(), false
				}
				v, err := f.Count(ctx, fq)
				if err != nil {
					what := "figure " + f.ID
					if j.last {
						what += " last year"
					}
					cancel(fmt.Errorf("%s: %w", what, err))
					continue
				}
				mu.Lock()
				if j.last {
					out[j.i].lastYear = &v
				} else {
					out[j.i].this = v
				}
				mu.Unlock()
			}
		})
	}
	for _, j := range jobs {
		if ctx.Err() != nil {
			break
		}
		next <- j
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	return out, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Text returns the report as prose: the title, the introduction, a
// heading per section with its narrative and its sentences, the closing
// paragraph.
func (r Report) Text(title string) string {
	var b strings.Builder
	b.WriteString(title + "\n\n")
	if t := r.Narrative["intro"]; t != "" {
		b.WriteString(t + "\n\n")
	}
	for _, p := range r.Parts {
		text := r.partText(p)
		if text == "" {
			continue
		}
		b.WriteString(p.Title + "\n")
		b.WriteString(text + "\n\n")
	}
	if t := r.Narrative["outro"]; t != "" {
		b.WriteString(t + "\n")
	}
	return b.String()
}

// partText is a section's narrative followed by its figures' sentences.
func (r Report) partText(p Part) string {
	s := r.Narrative[p.Key]
	for _, it := range p.Items {
		s += it.Sentence
	}
	return s
}

// placeholder is the short form {key} / {key.last} of a figure's text.
var placeholder = regexp.MustCompile(`\{([a-z][a-z0-9_]*)(\.last)?\}`)

// Render fills a figure's sentence. The text is a text/template (from the
// locales, trusted; actions written [[ ]] there) with the short forms {key} and {key.last}, and these
// functions of a number's key:
//
//	n "k"      the number as counted (money in 元)
//	last "k"   last year's number
//	approx "k" a round figure, with 余 only where the records exceed it
//	           (83 → 80余, 80 → 80)
//	wan "k"    in 万 (8000 元 → 0.8万; 130000 → 13万)
//	diff "k"   this year minus last year (signed)
//	abs x      the absolute value of a number
//
// With links set, each number is a link to the records it counts.
func Render(text string, it Item, links bool) (string, error) {
	// The locales write actions as [[ ]]: the translator would run {{ }}.
	text = expand(strings.NewReplacer("[[", "{{", "]]", "}}").Replace(text))
	get := func(v *figure.Value, k string) (figure.Number, error) {
		if v == nil {
			return figure.Number{}, fmt.Errorf("last year's %q was not computed (the figure does not compare)", k)
		}
		for _, n := range v.Numbers {
			if n.Key == k {
				return n, nil
			}
		}
		return figure.Number{}, fmt.Errorf("no number %q", k)
	}
	link := func(n figure.Number, s string) string {
		if !links || n.Link == "" {
			if links {
				return html.EscapeString(s)
			}
			return s
		}
		return `<a class="fig" href="` + html.EscapeString(n.Link) + `">` + html.EscapeString(s) + `</a>`
	}
	funcs := template.FuncMap{
		"n": func(k string) (string, error) {
			n, err := get(&it.Value, k)
			return link(n, plain(n)), err
		},
		"last": func(k string) (string, error) {
			n, err := get(it.LastYear, k)
			return plain(n), err
		},
		"approx": func(k string) (string, error) {
			n, err := get(&it.Value, k)
			return link(n, Approx(amount(n))), err
		},
		"wan": func(k string) (string, error) {
			n, err := get(&it.Value, k)
			return link(n, Wan(amount(n))), err
		},
		"s": func(k string) (string, error) {
			w, ok := it.Value.Words[k]
			if !ok {
				return "", fmt.Errorf("no word %q", k)
			}
			if links {
				return html.EscapeString(w), nil
			}
			return w, nil
		},
		"md": func(day string) string { // 2022-06-09 → 6月9日
			t, err := calendar.ParseDay(day)
			if err != nil {
				return day
			}
			return fmt.Sprintf("%d月%d日", t.Month(), t.Day())
		},
		"val": func(k string) (float64, error) {
			n, err := get(&it.Value, k)
			return amount(n), err
		},
		"diff": func(k string) (float64, error) {
			n, err := get(&it.Value, k)
			if err != nil {
				return 0, err
			}
			l, err := get(it.LastYear, k)
			return amount(n) - amount(l), err
		},
		"abs": func(x float64) string {
			if x < 0 {
				x = -x
			}
			return trim(x)
		},
	}
	t, err := template.New("").Funcs(funcs).Option("missingkey=error").Parse(text)
	if err != nil {
		return "", fmt.Errorf("sentence template: %w", err)
	}
	var b strings.Builder
	if err := t.Execute(&b, nil); err != nil {
		return "", err
	}
	return b.String(), nil
}

// amount is a number in the unit the report writes (元 for money).
func amount(n figure.Number) float64 {
	switch n.Unit {
	case figure.Fen:
		return float64(n.Value) / 100
	case figure.Tenth:
		return float64(n.Value) / 10
	}
	return float64(n.Value)
}

func plain(n figure.Number) string { return trim(amount(n)) }

func trim(x float64) string {
	return strconv.FormatFloat(x, 'f', -1, 64)
}

// Approx writes a round figure: the number cut to its leading digit
// (two leading digits from 10,000 on), followed by 余 when the number is
// above it. Numbers under 10 are written as they are.
func Approx(x float64) string {
	if x < 10 {
		return trim(x)
	}
	digits := len(strconv.FormatInt(int64(x), 10))
	keep := 1
	if digits >= 5 {
		keep = 2
	}
	unit := 1.0
	for range digits - keep {
		unit *= 10
	}
	round := float64(int64(x/unit)) * unit
	if x > round {
		return trim(round) + "余"
	}
	return trim(round)
}

// Wan writes a number in 万 with at most two decimals (126 万, 0.8 万).
func Wan(x float64) string {
	return strconv.FormatFloat(float64(int64(x/100+0.5))/100, 'f', -1, 64) + "万"
}

// expand turns the short forms {key} and {key.last} into template calls,
// leaving template actions ({{if …}}, {{end}}) alone.
func expand(text string) string {
	var b strings.Builder
	last := 0
	for _, m := range placeholder.FindAllStringSubmatchIndex(text, -1) {
		start, end := m[0], m[1]
		if (start > 0 && text[start-1] == '{') || (end < len(text) && text[end] == '}') {
			continue
		}
		b.WriteString(text[last:start])
		fn := "n"
		if m[4] >= 0 {
			fn = "last"
		}
		b.WriteString(`{{` + fn + ` "` + text[m[2]:m[3]] + `"}}`)
		last = end
	}
	b.WriteString(text[last:])
	return b.String()
}
