package housing

// Metric is a counted event of the work: a building reaching a stage on
// a day. The progress at a cut-off date counts the events on or before it.
type Metric string

const (
	MSurveyed      Metric = "surveyed"       // 排查
	MJudged        Metric = "judged"         // 初判 done
	MSuspected     Metric = "suspected"      // 初判有隐患
	MAssessed      Metric = "assessed"       // 技术判定 done
	MNeedAppraisal Metric = "need_appraisal" // 需专业鉴定
	MAppraised     Metric = "appraised"      // 已鉴定
	MGradeA        Metric = "grade_a"
	MGradeB        Metric = "grade_b"
	MGradeC        Metric = "grade_c"
	MGradeD        Metric = "grade_d"
	MRemediated    Metric = "remediated" // 整治完成
	MClosed        Metric = "closed"     // 销号
)

// ProgressMetrics are the columns of the progress table.
var ProgressMetrics = []Metric{MSurveyed, MSuspected, MNeedAppraisal, MAppraised, MRemediated, MClosed}

// GradeMetrics count appraisals by grade.
var GradeMetrics = []Metric{MGradeA, MGradeB, MGradeC, MGradeD}

// AllMetrics are every metric kept.
var AllMetrics = []Metric{MSurveyed, MJudged, MSuspected, MAssessed, MNeedAppraisal, MAppraised, MGradeA, MGradeB, MGradeC, MGradeD, MRemediated, MClosed}

// Mark is one dated event of a building.
type Mark struct {
	Metric Metric
	On     string
}

// Marks lists a building's dated events.
func Marks(b Building) []Mark {
	out := make([]Mark, 0, 8)
	add := func(m Metric, on string) {
		if on != "" {
			out = append(out, Mark{m, on})
		}
	}
	add(MSurveyed, b.SurveyedOn)
	add(MJudged, b.JudgedOn)
	if b.Hazard {
		add(MSuspected, b.JudgedOn)
	}
	add(MAssessed, b.AssessedOn)
	if b.NeedAppraisal {
		add(MNeedAppraisal, b.AssessedOn)
	}
	add(MAppraised, b.AppraisedOn)
	switch b.Grade {
	case "A":
		add(MGradeA, b.AppraisedOn)
	case "B":
		add(MGradeB, b.AppraisedOn)
	case "C":
		add(MGradeC, b.AppraisedOn)
	case "D":
		add(MGradeD, b.AppraisedOn)
	}
	add(MRemediated, b.RemediatedOn)
	add(MClosed, b.ClosedOn)
	return out
}

// Facet is the key of the current-state counts behind the list's
// filters (town, village, urban/rural, business use, stage, grade).
type Facet struct {
	Town, Village   string
	Urban, Business bool
	Stage           Stage
	Grade           string
}

// FacetOf returns a building's facet key.
func FacetOf(b Building) Facet {
	return Facet{Town: b.TownCode, Village: b.VillageCode, Urban: b.Urban, Business: b.Business, Stage: b.Stage, Grade: b.Grade}
}

// Split is a count split into urban (城镇) and rural (农村).
type Split struct {
	Urban int64 `json:"urban"`
	Rural int64 `json:"rural"`
}

// Total is urban + rural.
func (s Split) Total() int64 { return s.Urban + s.Rural }

// Add counts n buildings, urban or rural.
func (s *Split) Add(urban bool, n int64) {
	if urban {
		s.Urban += n
	} else {
		s.Rural += n
	}
}

// TownProgress is one row of the progress table.
type TownProgress struct {
	Town  string           `json:"town"`
	Name  string           `json:"name"`
	Cells []Split          `json:"cells"` // in ProgressMetrics order
	By    map[Metric]Split `json:"-"`
}

// Progress is the progress of a campaign at a cut-off date.
type Progress struct {
	On      string           `json:"on"`
	Metrics []Metric         `json:"metrics"`
	Towns   []TownProgress   `json:"towns"`
	Total   []Split          `json:"total"` // in ProgressMetrics order
	ByTotal map[Metric]Split `json:"by_metric"`
}

// newProgress lays counts (town → metric → split) out in the table's
// order: towns as given (names), then any other town with counts.
func newProgress(on string, counts map[string]map[Metric]Split, towns [][2]string) Progress {
	p := Progress{On: on, Metrics: ProgressMetrics, ByTotal: map[Metric]Split{}}
	seen := map[string]bool{}
	add := func(code, name string) {
		seen[code] = true
		by := counts[code]
		if by == nil {
			by = map[Metric]Split{}
		}
		tp := TownProgress{Town: code, Name: name, By: by}
		for _, m := range ProgressMetrics {
			tp.Cells = append(tp.Cells, by[m])
		}
		p.Towns = append(p.Towns, tp)
	}
	for _, t := range towns {
		add(t[0], t[1])
	}
	for code := range counts {
		if !seen[code] {
			add(code, code)
		}
	}
	for _, tp := range p.Towns {
		for m, s := range tp.By {
			t := p.ByTotal[m]
			t.Urban += s.Urban
			t.Rural += s.Rural
			p.ByTotal[m] = t
		}
	}
	for _, m := range ProgressMetrics {
		p.Total = append(p.Total, p.ByTotal[m])
	}
	return p
}

// Reported are figures a campaign reported upward (汇报材料), as of a day,
// kept to be checked against the records.
type Reported struct {
	AsOf    string                    `json:"as_of"`
	Note    string                    `json:"note,omitempty"`
	Figures map[Metric]ReportedFigure `json:"figures"`
}

// ReportedFigure is one reported count: a total and its urban/rural split,
// each optional.
type ReportedFigure struct {
	Total *int64 `json:"total,omitempty"`
	Urban *int64 `json:"urban,omitempty"`
	Rural *int64 `json:"rural,omitempty"`
}

// Warning is a disagreement between reported figures and records.
type Warning struct {
	Metric   Metric `json:"metric"`
	Kind     string `json:"kind"` // parts: urban + rural ≠ total; records: a reported figure ≠ the records
	Part     string `json:"part"` // total | urban | rural
	Reported int64  `json:"reported"`
	Records  int64  `json:"records"`
	Urban    int64  `json:"urban,omitempty"` // parts: the reported urban and rural
	Rural    int64  `json:"rural,omitempty"`
}

// Check compares reported figures with the records' counts at the
// reported day (F-HOUSE-5: a split that does not add up to its total,
// and a figure the records do not bear out).
func Check(rep Reported, records map[Metric]Split) []Warning {
	var out []Warning
	for _, m := range AllMetrics {
		f, ok := rep.Figures[m]
		if !ok {
			continue
		}
		rec := records[m]
		if f.Total != nil && f.Urban != nil && f.Rural != nil && *f.Urban+*f.Rural != *f.Total {
			out = append(out, Warning{Metric: m, Kind: "parts", Part: "total", Reported: *f.Total, Records: *f.Urban + *f.Rural,
				Urban: *f.Urban, Rural: *f.Rural})
		}
		for _, x := range []struct {
			part string
			v    *int64
			rec  int64
		}{{"total", f.Total, rec.Total()}, {"urban", f.Urban, rec.Urban}, {"rural", f.Rural, rec.Rural}} {
			if x.v != nil && *x.v != x.rec {
				out = append(out, Warning{Metric: m, Kind: "records", Part: x.part, Reported: *x.v, Records: x.rec})
			}
		}
	}
	return out
}
