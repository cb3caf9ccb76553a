package province_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"yingji/internal/bureau/province"
	"yingji/internal/bureau/report"
	"yingji/internal/kit/figure"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

// engines runs fn on a fresh province database: a SQLite file always, a
// PostgreSQL schema when YINGJI_TEST_POSTGRES is set (skipped otherwise,
// failed under CI).
func engines(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		db, err := province.Open(context.Background(), filepath.Join(t.TempDir(), "province.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		fn(t, db)
	})
	t.Run("postgres", func(t *testing.T) {
		db, _ := storetest.PostgresSchema(t, storetest.PostgresURL(t))
		if err := province.Migrate(context.Background(), db); err != nil {
			t.Fatal(err)
		}
		fn(t, db)
	})
}

func i64(v int64) *int64 { return &v }

var defs = []province.Def{
	{ID: "F-ACC-1", Section: "accident", Order: 1, Compare: true,
		Label: map[string]string{"zh": "生产安全事故", "en": "Accidents"},
		Text:  map[string]string{"zh": "全县发生生产安全事故{accidents}起。", "en": "{accidents} accidents."}},
	{ID: "F-CHEM-4", Section: "chem", Order: 4, PerCounty: []string{"coverage"},
		Label: map[string]string{"zh": "烟花爆竹零售户检查", "en": "Fireworks retailers"},
		Text:  map[string]string{"zh": "共检查烟花爆竹零售户{checked}家，覆盖率{coverage}%。", "en": "{checked} checked ({coverage}%)."}},
	{ID: "F-REL-1", Section: "relief", Order: 1,
		Label: map[string]string{"zh": "冬春救助", "en": "Winter relief"},
		Text:  map[string]string{"zh": "发放冬春救助资金[[wan \"amount\"]]元，共计{people}人。", "en": "{amount} yuan to {people} people."}},
	{ID: "F-HOUSE-4", Section: "housing", Order: 4,
		Label: map[string]string{"zh": "鉴定整治", "en": "Appraised"},
		Text:  map[string]string{"zh": "截止[[md (s \"as_of\")]]，已鉴定{appraised}栋。", "en": "By [[s \"as_of\"]]: {appraised} appraised."}},
}

// county makes a county's publication for the first half of 2022.
func county(code, name string, accidents, lastAccidents, checked, coverage, amountFen, people, appraised int64, asOf string) province.Publication {
	p, _ := figure.NewPeriod("2022-01-01", "2022-06-30")
	return province.Publication{County: province.County{Code: code, Name: name}, Period: p,
		ComputedAt: time.Date(2022, 6, 30, 8, 0, 0, 0, time.UTC), Version: "test", Defs: defs,
		Rows: []province.Row{
			{FigureID: "F-ACC-1", Key: "accidents", Value: accidents, LastYear: i64(lastAccidents)},
			{FigureID: "F-ACC-1", Key: "deaths", Value: 0, LastYear: i64(0)},
			{FigureID: "F-CHEM-4", Key: "checked", Value: checked},
			{FigureID: "F-CHEM-4", Key: "retailers", Value: checked},
			{FigureID: "F-CHEM-4", Key: "coverage", Value: coverage},
			{FigureID: "F-REL-1", Key: "amount", Value: amountFen, Unit: string(figure.Fen)},
			{FigureID: "F-REL-1", Key: "people", Value: people},
			{FigureID: "F-HOUSE-4", Key: "appraised", Value: appraised},
			{FigureID: "F-HOUSE-4", Key: "as_of", Unit: province.WordUnit, Word: asOf},
		}}
}

// Two counties publish the half-year, a third only the first quarter:
// the roll-up sums each number exactly over the two, keeps the coverage
// per county, lists the third as missing, and writes the province's
// sentences (全省（2个县区）…); republishing a county's half-year replaces
// its rows (fewer rows too); the Excel shows each county's share.
func TestPublishAndRollUp(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2022, 7, 1, 0, 0, 0, 0, time.UTC)
		a := county("340101", "甲县", 2, 3, 100, 100, 126000000, 5452, 310, "2022-06-09")
		b := county("340102", "乙县", 1, 0, 40, 80, 50050, 48, 7, "2022-06-20")
		for _, p := range []province.Publication{a, b} {
			if err := province.Publish(ctx, db, p, now); err != nil {
				t.Fatal(err)
			}
		}
		q1 := county("340103", "丙县", 5, 5, 5, 5, 5, 5, 5, "2022-03-31")
		q1.Period, _ = figure.NewPeriod("2022-01-01", "2022-03-31")
		if err := province.Publish(ctx, db, q1, now); err != nil {
			t.Fatal(err)
		}
		half, _ := figure.NewPeriod("2022-01-01", "2022-06-30")
		r, err := province.Load(ctx, db, half, report.Sections)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Published) != 2 || r.Published[0].Code != "340101" || r.Published[1].Name != "乙县" {
			t.Fatalf("published: %+v", r.Published)
		}
		if len(r.Missing) != 1 || r.Missing[0].Code != "340103" {
			t.Fatalf("missing: %+v", r.Missing)
		}
		get := func(fig, key string) province.NumberSum {
			t.Helper()
			for _, s := range r.Figures {
				if s.Def.ID == fig {
					n, ok := s.Number(key)
					if !ok {
						t.Fatalf("%s has no %s", fig, key)
					}
					return n
				}
			}
			t.Fatalf("no figure %s", fig)
			return province.NumberSum{}
		}
		if n := get("F-ACC-1", "accidents"); n.Total != 3 || n.LastYear == nil || *n.LastYear != 3 || !n.Summed {
			t.Errorf("accidents: %+v", n)
		}
		if n := get("F-REL-1", "amount"); n.Total != 126050050 || n.Unit != figure.Fen {
			t.Errorf("relief amount: %+v", n)
		}
		if n := get("F-CHEM-4", "checked"); n.Total != 140 {
			t.Errorf("checked: %+v", n)
		}
		if n := get("F-CHEM-4", "coverage"); n.Summed || n.Total != 0 || n.ByCounty["340101"] != 100 || n.ByCounty["340102"] != 80 {
			t.Errorf("coverage must stay per county: %+v", n)
		}
		msgs, err := province.LoadMessages()
		if err != nil {
			t.Fatal(err)
		}
		text := r.Text(msgs, "zh")
		for _, want := range []string{
			"全省（2个县区）2022-01-01至2022-06-30工作情况汇总",
			"全省（2个县区）发生生产安全事故3起", // the province's own sentence
			"同比事故起数持平",
			"共检查烟花爆竹零售户140家（在册140家）",   // the province's sentence leaves the coverage out
			"发放冬春救助资金126.05万元，共计5500人", // 1,260,500.50 元
			"截止6月20日，已鉴定317栋",          // the later of the two cut-offs
			"未报送本期数据的县区（1个）：丙县（340103）",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("text lacks %q:\n%s", want, text)
			}
		}
		if strings.Contains(text, "全县") {
			t.Errorf("the province text says 全县:\n%s", text)
		}
		j := r.JSON(msgs, "zh")
		if v := j.Figures["F-REL-1"].Numbers["amount"]; v.Value == nil || *v.Value != 1260500.5 || v.ByCounty["340102"] != 500.5 {
			t.Errorf("json amount: %+v", v)
		}
		if v := j.Figures["F-CHEM-4"].Numbers["coverage"]; v.Value != nil || v.Summed {
			t.Errorf("json coverage: %+v", v)
		}

		// Republish 乙县 with other numbers and without F-HOUSE-4: its rows
		// are replaced, not added to.
		b2 := county("340102", "乙县", 4, 0, 10, 90, 100, 2, 0, "")
		b2.Rows = b2.Rows[:7]
		if err := province.Publish(ctx, db, b2, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		r, err = province.Load(ctx, db, half, report.Sections)
		if err != nil {
			t.Fatal(err)
		}
		if n := get("F-ACC-1", "accidents"); n.Total != 6 {
			t.Errorf("accidents after republishing: %+v", n)
		}
		if n := get("F-CHEM-4", "checked"); n.Total != 110 || len(n.ByCounty) != 2 {
			t.Errorf("checked after republishing: %+v", n)
		}
		if n := get("F-HOUSE-4", "appraised"); n.Total != 310 || len(n.ByCounty) != 1 {
			t.Errorf("F-HOUSE-4 after 乙县 republished without it: %+v", n)
		}
		var nrows int
		if err := db.R().QueryRowContext(ctx, `SELECT count(*) FROM province_number WHERE county_code = '340102'`).Scan(&nrows); err != nil || nrows != 7 {
			t.Errorf("乙县's rows: %d %v", nrows, err)
		}

		var buf bytes.Buffer
		if err := r.XLSX(&buf, msgs, "zh"); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.GetRows("全省汇总")
		if err != nil {
			t.Fatal(err)
		}
		if h := strings.Join(rows[0], "|"); !strings.Contains(h, "全省合计|报送县区数|甲县|甲县占比（%）|乙县|乙县占比（%）") {
			t.Errorf("header: %s", h)
		}
		found := false
		for _, row := range rows[1:] {
			if row[0] == "F-ACC-1" && row[2] == "accidents" {
				found = true
				if got := strings.Join(row[4:], "|"); got != "6|2|2|33.3|4|66.7" {
					t.Errorf("accidents row: %s", got)
				}
			}
			if row[0] == "F-CHEM-4" && row[2] == "coverage" && (row[4] != "按县区列示，不汇总" || row[6] != "100" || row[8] != "90") {
				t.Errorf("coverage row: %v", row)
			}
		}
		if !found {
			t.Errorf("no accidents row: %v", rows)
		}
		missing, _ := f.GetRows("未报送县区")
		if len(missing) != 2 || missing[1][0] != "340103" {
			t.Errorf("missing sheet: %v", missing)
		}
	})
}

// A publication the province cannot file is refused before anything is
// written.
func TestPublishRefuses(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		bad := county("3401", "短码县", 1, 1, 1, 1, 1, 1, 1, "")
		if err := province.Publish(ctx, db, bad, time.Now()); err == nil {
			t.Error("a four-digit county code was filed")
		}
		twice := county("340101", "甲县", 1, 1, 1, 1, 1, 1, 1, "")
		twice.Rows = append(twice.Rows, twice.Rows[0])
		if err := province.Publish(ctx, db, twice, time.Now()); err == nil || !strings.Contains(err.Error(), "twice") {
			t.Errorf("a number published twice: %v", err)
		}
		var n int
		if err := db.R().QueryRowContext(ctx, `SELECT count(*) FROM province_county`).Scan(&n); err != nil || n != 0 {
			t.Errorf("counties filed: %d %v", n, err)
		}
	})
}

// The scheduled publish's periods: the last closed month, quarter,
// half-year and year, across a year's turn too.
func TestClosedPeriods(t *testing.T) {
	for today, want := range map[string]string{
		"2022-06-30": "2022-05-01…2022-05-31 2022-01-01…2022-03-31 2021-07-01…2021-12-31 2021-01-01…2021-12-31",
		"2022-07-01": "2022-06-01…2022-06-30 2022-04-01…2022-06-30 2022-01-01…2022-06-30 2021-01-01…2021-12-31",
		"2023-01-15": "2022-12-01…2022-12-31 2022-10-01…2022-12-31 2022-07-01…2022-12-31 2022-01-01…2022-12-31",
	} {
		d, _ := time.Parse("2006-01-02", today)
		var got []string
		for _, p := range province.ClosedPeriods(d) {
			got = append(got, p.FromDay()+"…"+p.ToDay())
		}
		if strings.Join(got, " ") != want {
			t.Errorf("%s: %v, want %s", today, got, want)
		}
	}
}
