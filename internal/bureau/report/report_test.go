package report

import (
	"context"
	"strings"
	"testing"

	"yingji/internal/kit/figure"
)

func TestApproxAndWan(t *testing.T) {
	for x, want := range map[float64]string{3: "3", 80: "80", 83: "80余", 6012: "6000余", 6000: "6000", 205: "200余", 130000: "130000", 131000: "130000余"} {
		if got := Approx(x); got != want {
			t.Errorf("Approx(%v) = %s, want %s", x, got, want)
		}
	}
	for x, want := range map[float64]string{1260000: "126万", 8000: "0.8万", 130000: "13万", 12345: "1.23万"} {
		if got := Wan(x); got != want {
			t.Errorf("Wan(%v) = %s, want %s", x, got, want)
		}
	}
}

func TestRender(t *testing.T) {
	it := Item{
		Value:    figure.Value{Numbers: []figure.Number{{Key: "accidents", Value: 0}, {Key: "fines", Value: 800000, Unit: figure.Fen, Link: "/cases?x=1&y=2"}, {Key: "plans", Value: 83}}},
		LastYear: &figure.Value{Numbers: []figure.Number{{Key: "accidents", Value: 2}}},
	}
	text := `{{if eq (val "accidents") 0.0}}未发生事故{{else}}发生事故{accidents}起{{end}}，同比{{if lt (diff "accidents") 0.0}}下降{{abs (diff "accidents")}}起{{end}}（去年{accidents.last}起）；罚款{{wan "fines"}}元；预案{{approx "plans"}}个`
	got, err := Render(text, it, false)
	if want := "未发生事故，同比下降2起（去年2起）；罚款0.8万元；预案80余个"; err != nil || got != want {
		t.Errorf("Render = %q, %v; want %q", got, err, want)
	}
	h, err := Render(text, it, true)
	if err != nil || !strings.Contains(h, `<a class="fig" href="/cases?x=1&amp;y=2">0.8万</a>`) {
		t.Errorf("Render with links = %q, %v", h, err)
	}
	if _, err := Render("{missing}", it, false); err == nil {
		t.Error("a sentence naming a number nobody counts rendered")
	}
}

func TestBuildOrdersSectionsAndCompares(t *testing.T) {
	reg := figure.NewRegistry()
	calls := 0
	count := func(_ context.Context, q figure.Query) (figure.Value, error) {
		calls++
		n := int64(5)
		if q.Period.FromDay() < "2022-01-01" {
			n = 7
		}
		return figure.Value{Numbers: []figure.Number{{Key: "k", Value: n}}}, nil
	}
	if err := reg.Add(figure.Figure{ID: "F-Z", Section: "zzz", Text: "z", Count: count},
		figure.Figure{ID: "F-DUTY-1", Section: "duty", Text: "t", Compare: true, Count: count},
		figure.Figure{ID: "F-ACC-1", Section: "accident", Text: "a", Count: count}); err != nil {
		t.Fatal(err)
	}
	p, _ := figure.NewPeriod("2022-01-01", "2022-06-30")
	tr := func(_, id string, _ map[string]any) string {
		switch id {
		case "t":
			return "值班{k}，去年{k.last}。"
		case "a":
			return "事故{k}。"
		}
		return id
	}
	r, err := Build(context.Background(), reg, figure.Query{Period: p}, tr, "zh")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, p := range r.Parts {
		keys = append(keys, p.Key)
	}
	if strings.Join(keys, ",") != "accident,duty,zzz" || calls != 4 {
		t.Errorf("sections %v, %d counts", keys, calls)
	}
	if s := r.Figures()["F-DUTY-1"].Sentence; s != "值班5，去年7。" {
		t.Errorf("sentence %q", s)
	}
	if txt := r.Text("报告"); !strings.Contains(txt, "事故5。") || strings.Contains(txt, "report.text") {
		t.Errorf("text:\n%s", txt)
	}
}
