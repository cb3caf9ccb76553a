package enterprise_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
	"yingji/internal/kit/xlsx"
)

var benchTowns = []string{"100", "101", "102", "103", "104", "105", "106", "107", "400"}
var benchSectors = []string{"mine", "chem_trade", "fireworks_retail", "petrol", "machinery", "light", "textile", "commerce", "building_materials"}

// fill inserts n enterprises straight into the table (a fixture for the
// list benchmark; the import path is measured by BenchmarkImport10k).
func fill(b *testing.B, db *store.DB, n int) {
	b.Helper()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	now := time.Now().UTC()
	const per = 500
	for start := 0; start < n; start += per {
		err := db.InTx(ctx, func(tx *store.Tx) error {
			var sb strings.Builder
			sb.WriteString(`INSERT INTO enterprise (id, county_code, name, credit_code, town_code, sector, scale, specials, status, risk, created_at, updated_at) VALUES `)
			var args []any
			for i := start; i < min(start+per, n); i++ {
				if i > start {
					sb.WriteString(",")
				}
				k := len(args)
				sb.WriteString("(")
				for j := 1; j <= 12; j++ {
					if j > 1 {
						sb.WriteString(",")
					}
					sb.WriteString("$" + strconv.Itoa(k+j))
				}
				sb.WriteString(")")
				status := "operating"
				if r.IntN(20) == 0 {
					status = "suspended"
				}
				args = append(args, fmt.Sprintf("B%025d", i), "349901", fmt.Sprintf("示例县第%06d号%s有限公司", r.IntN(1000000), []string{"机械", "矿业", "化工", "纺织", "食品"}[r.IntN(5)]),
					enterprise.DemoCreditCode("349901", 200000+i), "349901"+benchTowns[r.IntN(len(benchTowns))],
					benchSectors[r.IntN(len(benchSectors))], "below", "", status, []string{"major", "large", "general", "low"}[r.IntN(4)], now, now)
			}
			_, err := tx.ExecContext(ctx, sb.String(), args...)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkList100k measures the filtered enterprise list (count + one
// page) at 100,000 enterprises and reports p50 and p95 in ms.
func BenchmarkList100k(b *testing.B) {
	storetest.BenchEngines(b, func(b *testing.B, db *store.DB) {
		f := setupDB(b, db)
		fill(b, db, 100000)
		if db.Engine == store.Postgres {
			_, _ = db.W().Exec("ANALYZE enterprise")
		} else {
			_, _ = db.W().Exec("ANALYZE")
		}
		filters := []enterprise.Filter{
			{},                  // first page, all
			{Town: "349901104"}, // one town
			{Sector: "machinery", Status: "operating"}, // sector + status
			{Q: "机械"},                    // name fragment
			{Risk: "major", Offset: 500}, // a later page
			{Q: enterprise.DemoCreditCode("349901", 250000)}, // credit code
		}
		var lat []time.Duration
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			flt := filters[i%len(filters)]
			flt.Limit = 50
			t0 := time.Now()
			if _, _, err := f.svc.List(context.Background(), f.admin, flt); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
		b.StopTimer()
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
	})
}

// BenchmarkImport10k imports a 10,000-row enterprise ledger (check every
// row, then commit all with their audit entries).
func BenchmarkImport10k(b *testing.B) {
	var file bytes.Buffer
	w, err := xlsx.NewWriter(&file, enterprise.Schema())
	if err != nil {
		b.Fatal(err)
	}
	towns := []string{"籍山镇", "弋江镇", "许镇镇", "家发镇", "工山镇", "三里镇", "何湾镇", "烟墩镇", "经济开发区"}
	for i := 0; i < 10000; i++ {
		if err := w.Write(fmt.Sprintf("导入测试第%05d号机械有限公司", i), enterprise.DemoCreditCode("349901", 300000+i), towns[i%len(towns)], "", "工业路", 118.3, 30.9,
			"机械", "规上", "粉尘涉爆", "监管二股", "张三", "13900000000", "李四", "13800000000", "在营", "一般"); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	storetest.BenchEngines(b, func(b *testing.B, db *store.DB) {
		f := setupDB(b, db)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			if _, err := db.W().Exec(`DELETE FROM enterprise`); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			res, err := ledger.Run(context.Background(), f.svc.Ledger(), f.admin, bytes.NewReader(file.Bytes()), ledger.Options{}, nil)
			if err != nil || res.Imported != 10000 {
				b.Fatalf("%v %+v", err, res)
			}
		}
	})
}
