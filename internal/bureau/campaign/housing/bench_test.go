package housing

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"yingji/internal/bureau/campaign/day"
	"yingji/internal/kit/attach"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/crypt"
	"yingji/internal/kit/demo"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
	"yingji/internal/kit/xlsx"
)

// The benchmarks run only with -bench, at full size:
//
//	go test ./internal/bureau/campaign/housing -run XXX -bench . -benchtime 1x -timeout 60m
//
// They report their figures with b.ReportMetric (seconds, ratios, MB, ms);
// nothing is asserted on time.

const benchCounty = "349901"

// benchCampaign is the campaign the benchmark file names.
const benchCampaign = "基准导入"

func benchEngines(b *testing.B, fn func(b *testing.B, db *store.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, storetest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) {
		if os.Getenv("YINGJI_TEST_POSTGRES") == "" {
			b.Skip("YINGJI_TEST_POSTGRES not set")
		}
		fn(b, storetest.Postgres(b))
	})
}

func benchService(b *testing.B, db *store.DB) (*Service, *auth.Principal) {
	b.Helper()
	ctx := context.Background()
	o := org.New(db, time.Now)
	a := auth.New(db, o, time.Now, auth.Options{})
	if err := demo.Load(ctx, demo.Services{DB: db, Org: o, Auth: a}, benchCounty, io.Discard); err != nil {
		b.Fatal(err)
	}
	blobs, err := attach.NewDiskBlobs(filepath.Join(b.TempDir(), "att"))
	if err != nil {
		b.Fatal(err)
	}
	sealer, err := crypt.New(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		b.Fatal(err)
	}
	p := &auth.Principal{UserID: "system", Username: "system", DisplayName: "系统", Role: auth.RoleAdmin, CountyCode: benchCounty}
	return New(db, o, attach.NewService(db, blobs, attach.Config{}), sealer, time.Now), p
}

// peak samples the process's resident memory and Go heap while it runs.
type peak struct {
	stop      chan struct{}
	done      sync.WaitGroup
	rss, heap atomic.Int64
	base      int64 // RSS when sampling started
}

func rssBytes() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func startPeak() *peak {
	runtime.GC()
	p := &peak{stop: make(chan struct{}), base: rssBytes()}
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		var ms runtime.MemStats
		t := time.NewTicker(25 * time.Millisecond)
		defer t.Stop()
		for {
			if r := rssBytes(); r > p.rss.Load() {
				p.rss.Store(r)
			}
			runtime.ReadMemStats(&ms)
			if h := int64(ms.HeapInuse); h > p.heap.Load() {
				p.heap.Store(h)
			}
			select {
			case <-p.stop:
				return
			case <-t.C:
			}
		}
	}()
	return p
}

func (p *peak) end() (rssMB, heapMB, baseMB float64) {
	close(p.stop)
	p.done.Wait()
	return float64(p.rss.Load()) / (1 << 20), float64(p.heap.Load()) / (1 << 20), float64(p.base) / (1 << 20)
}

// benchFile writes the demo's 128,053 buildings as an import file.
func benchFile(b *testing.B, s *Service, p *auth.Principal) string {
	b.Helper()
	recs, err := s.demoRecs(context.Background(), p)
	if err != nil {
		b.Fatal(err)
	}
	names, err := s.RegionNames(context.Background(), p)
	if err != nil {
		b.Fatal(err)
	}
	f := excelize.NewFile()
	sheet := Schema().Name
	_ = f.SetSheetName("Sheet1", sheet)
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		b.Fatal(err)
	}
	head := make([]any, 0, 30)
	for _, h := range Schema().Headers() {
		head = append(head, h)
	}
	if err := sw.SetRow("A1", head); err != nil {
		b.Fatal(err)
	}
	yes := func(v bool, a, c string) string {
		if v {
			return a
		}
		return c
	}
	for i := range recs {
		r := recs[i].building()
		row := []any{benchCampaign, r.Code, names[r.TownCode], names[r.VillageCode], yes(r.Urban, "城镇", "农村"), r.Address, "", "", r.Structure,
			strconv.Itoa(r.Storeys), strconv.Itoa(r.YearBuilt), strconv.FormatFloat(r.FloorArea, 'f', -1, 64), yes(r.Business, "是", "否"),
			r.BusinessType, recs[i].ownerName, recs[i].ownerPhone, "", r.SurveyedOn}
		if r.JudgedOn != "" {
			row = append(row, yes(r.Hazard, "有隐患", "无隐患"), r.JudgedOn)
		} else {
			row = append(row, "", "")
		}
		if r.AssessedOn != "" {
			row = append(row, yes(r.NeedAppraisal, "需鉴定", "无需鉴定"), Assessors.Label(r.AssessedBy, "zh"), r.AssessedOn)
		} else {
			row = append(row, "", "", "")
		}
		row = append(row, r.Grade, r.Agency, r.AppraisedOn, Measures.Label(r.Measure, "zh"), r.RemediatedOn, r.ClosedOn)
		if r.Measure == "" {
			row[26] = ""
		}
		// 当前阶段 (export only), then 初判: the grading and the three check items.
		row = append(row, "", Levels.Label(r.HazardLevel, "zh"), CheckResults.Label(r.CheckStructure, "zh"),
			CheckResults.Label(r.CheckBusiness, "zh"), CheckResults.Label(r.CheckLegal, "zh"))
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, row); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "buildings.xlsx")
	if err := f.SaveAs(path); err != nil {
		b.Fatal(err)
	}
	return path
}

// floorImport is the floor the import is measured against: read the file
// with excelize's streaming reader and insert the rows in one transaction
// (same table, same batches), without checks, counts or audit.
func floorImport(b *testing.B, s *Service, campaign, path string) int {
	ctx := context.Background()
	x, err := excelize.OpenFile(path)
	if err != nil {
		b.Fatal(err)
	}
	defer x.Close()
	rows, err := x.Rows(Schema().Name)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		batch := store.BatchRows(tx.Engine, nBuildingCols)
		st, err := tx.PrepareContext(ctx, insertSQL(batch))
		if err != nil {
			return err
		}
		defer st.Close()
		now := time.Now().UTC()
		args := make([]any, 0, batch*nBuildingCols)
		flush := func() error {
			if len(args) == 0 {
				return nil
			}
			var err error
			if len(args) == batch*nBuildingCols {
				_, err = st.ExecContext(ctx, args...)
			} else {
				_, err = tx.ExecContext(ctx, insertSQL(len(args)/nBuildingCols), args...)
			}
			args = args[:0]
			return err
		}
		first := true
		for rows.Next() {
			c, err := rows.Columns()
			if err != nil {
				return err
			}
			if first {
				first = false
				continue
			}
			for len(c) < 34 {
				c = append(c, "")
			}
			n++
			args = append(args, fmt.Sprintf("F%025d", n), campaign, benchCounty, c[1], c[2], c[3], c[4] == "城镇", c[5], nil, nil, c[8],
				c[9], c[10], c[11], c[12] == "是", c[13], c[14], c[15], c[16], "", "surveyed", c[17], c[19], c[18] == "有隐患", c[22],
				c[20] == "需鉴定", c[21], c[25], c[23], c[24], c[26], c[27], c[28], now, now,
				c[30], c[31], c[32], c[33]) // 初判: grading and the three check items
			if len(args) == batch*nBuildingCols {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return flush()
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkImport128k imports the demo's 128,053 buildings from Excel
// through the ledger kit (check every row, then one transaction with the
// counts and one audit entry a building) and compares it with the floor.
func BenchmarkImport128k(b *testing.B) {
	benchEngines(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		s, p := benchService(b, db)
		path := benchFile(b, s, p)
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			fc, err := s.CreateCampaign(ctx, p, Campaign{Name: "floor", StartsOn: "2022-04-25"})
			if err != nil {
				b.Fatal(err)
			}
			t0 := time.Now()
			n := floorImport(b, s, fc.ID, path)
			floor := time.Since(t0)
			ic, err := s.CreateCampaign(ctx, p, Campaign{Name: benchCampaign, StartsOn: "2022-04-25"})
			if err != nil {
				b.Fatal(err)
			}
			pk := startPeak()
			t0 = time.Now()
			res, err := ledger.Run(ctx, s.Ledger(), p, bytes.NewReader(data), ledger.Options{}, nil)
			took := time.Since(t0)
			rss, heap, base := pk.end()
			if err != nil {
				if res != nil && len(res.Errors) > 0 {
					b.Fatalf("import: %v: %v", err, res.Errors[0])
				}
				b.Fatalf("import: %v", err)
			}
			if res.Imported != n {
				b.Fatalf("imported %d, floor %d", res.Imported, n)
			}
			b.ReportMetric(floor.Seconds(), "floor_s")
			b.ReportMetric(took.Seconds(), "import_s")
			b.ReportMetric(took.Seconds()/floor.Seconds(), "x_floor")
			b.ReportMetric(rss, "peak_rss_MB")
			b.ReportMetric(heap, "peak_heap_MB")
			b.ReportMetric(base, "rss_before_MB")
			b.ReportMetric(float64(len(data))/(1<<20), "file_MB")
			b.StopTimer()
			for _, q := range []string{`DELETE FROM housing_building WHERE campaign_id IN ($1, $2)`, `DELETE FROM housing_daily WHERE campaign_id IN ($1, $2)`,
				`DELETE FROM housing_facet WHERE campaign_id IN ($1, $2)`, `DELETE FROM housing_campaign WHERE id IN ($1, $2)`} {
				if _, err := s.db.W().ExecContext(ctx, q, fc.ID, ic.ID); err != nil {
					b.Fatal(err)
				}
			}
			b.StartTimer()
		}
	})
}

// benchRecs makes n buildings spread like the demo's over the towns and
// villages (9% urban, 2% suspected, half a percent to appraise).
func benchRecs(b *testing.B, s *Service, p *auth.Principal, campaign string, n int) []rec {
	gen := benchGen(b, s, p, campaign)
	out := make([]rec, n)
	for i := range out {
		out[i] = gen(i)
	}
	return out
}

// benchGen returns the generator of benchRecs: the same rows, in order,
// one at a time.
func benchGen(b *testing.B, s *Service, p *auth.Principal, campaign string) func(i int) rec {
	regions, err := s.org.ListRegions(context.Background(), p, org.RegionFilter{Level: org.LevelVillage})
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 1))
	return func(i int) rec {
		v := regions[r.IntN(len(regions))]
		x := rec{campaign: campaign, code: fmt.Sprintf("ZJ%09d", i), town: v.ParentCode, village: v.Code, urban: r.IntN(100) < 9,
			address: v.Name + strconv.Itoa(r.IntN(500)) + "号", structure: Structures[r.IntN(4)], storeys: int32(1 + r.IntN(5)),
			year: int32(1970 + r.IntN(50)), area: float64(50 + r.IntN(500)), business: r.IntN(100) < 5, ownerName: "王建国", ownerPhone: "13912345678",
			surveyed: day.Number(demoDay(r, "2022-04-25", "2022-05-31"))}
		x.judged, x.stage = x.surveyed, indexOf(Stages, NoHazard)
		if r.IntN(100) < 2 {
			x.hazard, x.stage = true, indexOf(Stages, Suspected)
			if r.IntN(3) == 0 {
				x.assessed, x.need, x.stage = x.judged+10, true, indexOf(Stages, NeedAppraisal)
				if r.IntN(2) == 0 {
					x.appraised, x.grade, x.agency, x.stage = x.assessed+10, uint8(1+r.IntN(4)), "某鉴定所", indexOf(Stages, Appraised)
				}
			}
		}
		return x
	}
}

// fillMillion writes n buildings (with their counts) in transactions of
// 50,000 and returns the campaign.
func fillMillion(b *testing.B, s *Service, p *auth.Principal, n int) Campaign {
	ctx := context.Background()
	c, err := s.CreateCampaign(ctx, p, Campaign{Name: "百万栋", StartsOn: "2022-04-25"})
	if err != nil {
		b.Fatal(err)
	}
	recs := benchRecs(b, s, p, c.ID, n)
	t0 := time.Now()
	for start := 0; start < n; start += 50000 {
		part := recs[start:min(start+50000, n)]
		if err := s.db.InTx(ctx, func(tx *store.Tx) error { return s.writeRecs(ctx, tx, p, [][]rec{part}, "demo", nil) }); err != nil {
			b.Fatal(err)
		}
	}
	if s.db.Engine == store.Postgres {
		if _, err := s.db.W().ExecContext(ctx, `ANALYZE`); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("filled %d buildings in %s", n, time.Since(t0))
	return c
}

func percentile(d []time.Duration, q float64) float64 {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return float64(d[int(float64(len(d)-1)*q)].Microseconds()) / 1000
}

// BenchmarkScale1M fills 1,000,000 buildings and measures the filtered
// list (a page and its total), the counts and the progress table (p50 and
// p95 in ms), and on SQLite the export of all of them against excelize's
// raw streaming write of the same rows.
func BenchmarkScale1M(b *testing.B) {
	benchEngines(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		s, p := benchService(b, db)
		c := fillMillion(b, s, p, 1_000_000)
		town := &auth.Principal{UserID: "t", Role: auth.RoleTown, CountyCode: benchCounty, RegionCode: benchCounty + "100"}
		cases := []struct {
			name string
			run  func() error
		}{
			{"list_all", func() error { _, _, err := s.List(ctx, p, c.ID, Filter{Limit: 50}); return err }},
			{"list_town_rural", func() error {
				_, _, err := s.List(ctx, p, c.ID, Filter{Town: benchCounty + "102", Area: "rural", Limit: 50})
				return err
			}},
			{"list_town_user_page20", func() error { _, _, err := s.List(ctx, town, c.ID, Filter{Limit: 50, Offset: 950}); return err }},
			{"list_stage", func() error { _, _, err := s.List(ctx, p, c.ID, Filter{Stage: NeedAppraisal, Limit: 50}); return err }},
			{"list_grade_urban", func() error {
				_, _, err := s.List(ctx, p, c.ID, Filter{Grade: "D", Area: "urban", Limit: 50})
				return err
			}},
			{"list_business_village", func() error {
				_, _, err := s.List(ctx, p, c.ID, Filter{Business: "1", Village: benchCounty + "105202", Limit: 50})
				return err
			}},
			{"list_code", func() error { _, _, err := s.List(ctx, p, c.ID, Filter{Q: "ZJ000777", Limit: 50}); return err }},
			{"count_filters", func() error { _, err := s.Count(ctx, p, c.ID, Filter{Area: "urban", Business: "0"}); return err }},
			{"totals", func() error { _, err := s.Totals(ctx, p, c.ID); return err }},
			{"progress_county", func() error { _, err := s.Progress(ctx, p, c.ID, "2022-06-09"); return err }},
			{"progress_town", func() error { _, err := s.Progress(ctx, town, c.ID, ""); return err }},
		}
		for _, cs := range cases {
			b.Run(cs.name, func(b *testing.B) {
				var d []time.Duration
				for i := 0; i < 5; i++ { // warm up
					if err := cs.run(); err != nil {
						b.Fatal(err)
					}
				}
				b.ResetTimer()
				for i := 0; i < max(b.N, 100); i++ {
					t0 := time.Now()
					if err := cs.run(); err != nil {
						b.Fatal(err)
					}
					d = append(d, time.Since(t0))
				}
				b.ReportMetric(percentile(d, 0.5), "p50_ms")
				b.ReportMetric(percentile(d, 0.95), "p95_ms")
			})
		}
		b.Run("export", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				raw, err := rawExport(b, s, p, c.ID, 1_000_000)
				if err != nil {
					b.Fatal(err)
				}
				t0 := time.Now()
				xw, err := xlsx.NewWriter(io.Discard, Schema())
				if err != nil {
					b.Fatal(err)
				}
				if err := s.export(ctx, p, map[string][]string{"campaign": {c.ID}}, xw); err != nil {
					b.Fatal(err)
				}
				if err := xw.Close(); err != nil {
					b.Fatal(err)
				}
				ours := time.Since(t0)
				if xw.Rows() != 1_000_000 {
					b.Fatalf("exported %d rows", xw.Rows())
				}
				b.ReportMetric(raw.Seconds(), "raw_s")
				b.ReportMetric(ours.Seconds(), "export_s")
				b.ReportMetric(ours.Seconds()/raw.Seconds(), "x_raw")
			}
		})
	})
}

// rawRow is a row of the raw export, prepared before the clock starts.
type rawRow struct {
	code, town, village, area, address, structure, mask, surveyed, judged, assessed, grade, agency, appraised string
	storeys, year                                                                                             int
	floor                                                                                                     float64
}

// rawExport writes the same rows with excelize's StreamWriter, prepared
// in memory first; it returns the time of the writing alone (the floor:
// no database, no labels, no styles, no drop-down lists).
func rawExport(b *testing.B, s *Service, p *auth.Principal, campaign string, n int) (time.Duration, error) {
	names, err := s.RegionNames(context.Background(), p)
	if err != nil {
		return 0, err
	}
	gen := benchGen(b, s, p, campaign)
	rows := make([]rawRow, n)
	for i := range rows {
		r := gen(i)
		x := r.building()
		area := "农村"
		if x.Urban {
			area = "城镇"
		}
		rows[i] = rawRow{x.Code, names[x.TownCode], names[x.VillageCode], area, x.Address, x.Structure, OwnerMask(Owner{Name: r.ownerName, Phone: r.ownerPhone}),
			x.SurveyedOn, x.JudgedOn, x.AssessedOn, x.Grade, x.Agency, x.AppraisedOn, x.Storeys, x.YearBuilt, x.FloorArea}
	}
	t0 := time.Now()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return 0, err
	}
	head := make([]any, 0, 30)
	for _, h := range Schema().Headers() {
		head = append(head, h)
	}
	if err := sw.SetRow("A1", head); err != nil {
		return 0, err
	}
	vals := make([]any, 30)
	for i := range rows {
		x := &rows[i]
		clear(vals)
		vals[0], vals[1], vals[2], vals[3], vals[4], vals[5] = "百万栋", x.code, x.town, x.village, x.area, x.address
		vals[8], vals[9], vals[10], vals[11], vals[12] = x.structure, x.storeys, x.year, x.floor, "否"
		vals[14], vals[17], vals[18], vals[19] = x.mask, x.surveyed, "无隐患", x.judged
		vals[22], vals[23], vals[24], vals[25], vals[29] = x.assessed, x.grade, x.agency, x.appraised, "无隐患（排查完成）"
		if err := sw.SetRow("A"+strconv.Itoa(i+2), vals); err != nil {
			return 0, err
		}
	}
	if err := sw.Flush(); err != nil {
		return 0, err
	}
	if err := f.Write(io.Discard); err != nil {
		return 0, err
	}
	return time.Since(t0), nil
}

// insertSQL is the INSERT of n buildings.
func insertSQL(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO housing_building (` + buildingCols + `) VALUES `)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		placeholders(&b, i*nBuildingCols, nBuildingCols)
	}
	return b.String()
}
