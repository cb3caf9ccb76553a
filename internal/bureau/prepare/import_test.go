package prepare_test

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"yingji/internal/bureau/prepare"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
	"yingji/internal/kit/xlsx"
	"yingji/internal/kit/xlsx/xlsxtest"
)

// exported runs a ledger's export as p and reads the workbook back with
// excelize: the data rows under the header.
func exported(t *testing.T, f *fixture, l *ledger.Ledger) [][]string {
	t.Helper()
	var buf bytes.Buffer
	w, err := xlsx.NewWriter(&buf, l.ExportSchema())
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Export(context.Background(), f.admin, url.Values{}, w); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = x.Close() }()
	rows, err := x.GetRows(x.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	return rows[1:]
}

// refused imports rows, wants the file refused with an error naming row,
// column and a reason containing want, and nothing committed (count).
func refused(t *testing.T, f *fixture, l *ledger.Ledger, rows [][]any, row int, column, want string, count func() int) {
	t.Helper()
	r, err := ledger.Run(context.Background(), l, f.admin, bytes.NewReader(xlsxtest.Fill(t, l.Schema, rows)), ledger.Options{}, nil)
	if errs.KindOf(err) != errs.Invalid {
		t.Fatalf("%s: a bad file was not refused: %v", l.Kind, err)
	}
	found := false
	for _, ce := range r.Errors {
		found = found || (ce.Row == row && ce.Column == column && strings.Contains(ce.Reason, want))
	}
	if !found {
		t.Errorf("%s: no error at row %d column %s (%q): %+v", l.Kind, row, column, want, r.Errors)
	}
	if n := count(); n != 0 {
		t.Errorf("%s: a refused file committed %d rows", l.Kind, n)
	}
}

// TestRegisterImports: plans, drills and experts come in from Excel by the
// forms' rules, all rows or none, errors naming row, column and reason;
// what was imported exports again (read back by excelize) and the same
// file a second time is refused as already registered.
func TestRegisterImports(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		regionCode := func(_ context.Context, _, name string) string {
			return map[string]string{"籍山镇": county + "100", "弋江镇": county + "101"}[name]
		}
		regionName := func(_ context.Context, _, code string) string {
			return map[string]string{county + "100": "籍山镇", county + "101": "弋江镇"}[code]
		}
		ls := f.svc.Ledgers(regionName, regionCode)
		plans, drills, experts := ls[0], ls[1], ls[3]
		for _, l := range []*ledger.Ledger{plans, drills, experts} {
			if l.NewImport == nil {
				t.Fatalf("%s is not importable", l.Kind)
			}
		}
		nPlans := func() int { _, n, _ := f.svc.ListPlans(ctx, f.admin, prepare.PlanFilter{}); return n }
		nDrills := func() int { _, n, _ := f.svc.ListDrills(ctx, f.admin, prepare.DrillFilter{}); return n }
		nExperts := func() int { _, n, _ := f.svc.ListExperts(ctx, f.admin, prepare.ExpertFilter{}); return n }

		// Plans: 预案名称 预案类别 编制单位 乡镇/村 防汛抗旱 编制/修订日期 所属企业
		planRows := [][]any{
			{"示例县防汛抗旱应急预案", "专项应急预案", "县应急管理局", "", "是", "2022-03-15", ""},
			{"籍山镇突发事件总体应急预案", "乡镇应急预案", "籍山镇人民政府", "籍山镇", "否", "2022-04-01", ""},
			{"宏达铸造生产安全事故应急预案", "企业应急预案", "", "", "", "2022-02-10", "示例县宏达铸造有限公司"},
		}
		bad := append([][]any{}, planRows...)
		bad = append(bad, []any{"村级预案", "村（社区）应急预案", "某村", "", "", "2022-04-01", ""}) // a village plan needs its place
		refused(t, f, plans, bad, 5, "乡镇/村", "须选择乡镇", nPlans)
		bad[3] = []any{"示例县防汛抗旱应急预案", "专项应急预案", "", "", "", "2022/4/1", ""}
		refused(t, f, plans, bad, 5, "预案名称", "第 2 行", nPlans)
		r, err := ledger.Run(ctx, plans, f.admin, bytes.NewReader(xlsxtest.Fill(t, plans.Schema, planRows)), ledger.Options{}, nil)
		if err != nil || r.Imported != 3 {
			t.Fatalf("plans: %+v %v", r, err)
		}
		mill, err := f.svc.AllPlans(ctx, f.admin, prepare.PlanFilter{Enterprise: f.mill.ID})
		if err != nil || len(mill) != 1 || mill[0].OwnerUnit != f.mill.Name || mill[0].RegionCode != f.mill.TownCode || mill[0].State != prepare.StateDraft {
			t.Fatalf("the enterprise plan: %+v %v", mill, err)
		}
		got := exported(t, f, plans)
		if len(got) != 3 {
			t.Fatalf("plans exported: %v", got)
		}
		byName := map[string][]string{}
		for _, row := range got {
			byName[row[0]] = row
		}
		if row := byName["宏达铸造生产安全事故应急预案"]; len(row) < 9 || row[1] != "企业应急预案" || row[2] != f.mill.Name || row[5] != "2022-02-10" ||
			row[6] != f.mill.Name || row[8] != "起草" {
			t.Errorf("exported enterprise plan: %q", row)
		}
		if row := byName["籍山镇突发事件总体应急预案"]; len(row) < 5 || row[1] != "乡镇应急预案" || row[3] != "籍山镇" || row[4] != "否" {
			t.Errorf("exported town plan: %q", row)
		}
		refused(t, f, plans, planRows[:1], 2, "预案名称", "已登记", func() int { return nPlans() - 3 })

		// Drills: 演练名称 演练日期 演练形式 乡镇 参演单位 参演人数 演练评估 关联预案 发现问题 整改责任单位 整改期限
		drillRows := [][]any{
			{"示例县防汛抢险综合演练", "2022-05-20", "县镇联动", "", "县应急管理局、县水利局", 120, "达到预期", "示例县防汛抗旱应急预案", "通信不畅", "县应急管理局", "2022-06-30"},
			{"示例县防汛抢险综合演练", "2022-05-20", "", "", "", "", "", "", "物资调运慢", "县发改委", "2022-07-15"},
			{"籍山镇桌面推演", "2022-04-10", "桌面推演", "籍山镇", "籍山镇人民政府", 30, "", "", "", "", ""},
		}
		badD := append([][]any{}, drillRows...)
		badD = append(badD, []any{"弋江镇演练", "2022-05-01", "实战演练", "弋江镇", "", 20, "", "", "堤段巡查不到位", "", "2022-04-01"})
		refused(t, f, drills, badD, 5, "整改责任单位", "责任单位", nDrills)
		refused(t, f, drills, badD, 5, "整改期限", "早于演练日期", nDrills)
		badD[3] = []any{"弋江镇演练", "2022-05-01", "实战演练", "弋江镇", "", 20, "", "没有这个预案", "", "", ""}
		refused(t, f, drills, badD, 5, "关联预案", "未找到", nDrills)
		r, err = ledger.Run(ctx, drills, f.admin, bytes.NewReader(xlsxtest.Fill(t, drills.Schema, drillRows)), ledger.Options{}, nil)
		if err != nil || r.Imported != 2 {
			t.Fatalf("drills: %+v %v", r, err)
		}
		list, _ := f.svc.AllDrills(ctx, f.admin, prepare.DrillFilter{})
		var big prepare.Drill
		for _, d := range list {
			if d.Name == "示例县防汛抢险综合演练" {
				big, _ = f.svc.GetDrill(ctx, f.admin, d.ID)
			}
		}
		if len(big.Tasks) != 2 || big.PlanID == "" || big.Participants != 120 || big.Form != "county_town" {
			t.Fatalf("the county drill: %+v", big)
		}
		got = exported(t, f, drills)
		if len(got) != 3 { // one row per problem, one for the drill without
			t.Fatalf("drills exported: %q", got)
		}
		// The export imports again as the same drills: refused as already registered.
		var again [][]any
		for _, row := range got {
			var r []any
			for _, c := range row[:min(len(row), 11)] {
				r = append(r, c)
			}
			again = append(again, r)
		}
		refused(t, f, drills, again, 2, "演练名称", "已登记", func() int { return nDrills() - 2 })

		// Experts: 姓名 专业领域 工作单位 职称 联系电话
		expertRows := [][]any{
			{"张明", "防汛抗旱", "县水利局", "高级工程师", "13955301234"},
			{"李华", "非煤矿山", "县应急管理局", "工程师", ""},
		}
		badE := append([][]any{}, expertRows...)
		badE = append(badE, []any{"王强", "天文", "", "", "1234"})
		refused(t, f, experts, badE, 4, "专业领域", "不在允许的取值中", nExperts)
		refused(t, f, experts, badE, 4, "联系电话", "电话", nExperts)
		r, err = ledger.Run(ctx, experts, f.admin, bytes.NewReader(xlsxtest.Fill(t, experts.Schema, expertRows)), ledger.Options{}, nil)
		if err != nil || r.Imported != 2 {
			t.Fatalf("experts: %+v %v", r, err)
		}
		got = exported(t, f, experts)
		if len(got) != 2 || got[0][0] != "张明" && got[1][0] != "张明" {
			t.Fatalf("experts exported: %q", got)
		}
		for _, row := range got {
			if row[0] == "张明" && (row[1] != "防汛抗旱" || row[2] != "县水利局" || row[4] != "13955301234") {
				t.Errorf("exported expert: %q", row)
			}
		}
		// Town staff may not import the expert pool.
		if _, err := ledger.Run(ctx, experts, f.town, bytes.NewReader(xlsxtest.Fill(t, experts.Schema, expertRows)), ledger.Options{}, nil); !errs.Is(err, errs.Forbidden) {
			t.Errorf("town staff importing experts: %v", err)
		}
	})
}

// TestRegisterImportNamesFileRow: when a kept row fails at commit (here an
// expert registered by someone else between the check and the commit),
// the error names the row of the file, header counted, not the row's
// place among the kept rows: a blank row and a skipped row before it do
// not shift the number. Nothing of the file is committed.
func TestRegisterImportNamesFileRow(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		none := func(context.Context, string, string) string { return "" }
		experts := f.svc.Ledgers(none, none)[3]
		// Experts: 姓名 专业领域 工作单位 职称 联系电话
		file := xlsxtest.Fill(t, experts.Schema, [][]any{
			{"张明", "防汛抗旱", "县水利局", "高级工程师", "13955301234"}, // row 2
			{"", "", "", "", ""},     // row 3: blank
			{"王强", "天文", "", "", ""}, // row 4: refused, skipped
			{"李华", "非煤矿山", "县应急管理局", "工程师", ""}, // row 5
		})
		imp, err := experts.NewImport(ctx, f.admin, "")
		if err != nil {
			t.Fatal(err)
		}
		rep, err := xlsx.Parse(bytes.NewReader(file), experts.Schema, func(row xlsx.Row) []xlsx.CellError { return imp.Check(ctx, row) })
		if err != nil || rep.Valid != 2 || rep.ErrorCount == 0 {
			t.Fatalf("check: %+v %v", rep, err)
		}
		if _, err := f.svc.CreateExpert(ctx, f.admin, prepare.Expert{Name: "李华", Field: "mine", Unit: "县应急管理局"}); err != nil {
			t.Fatal(err)
		}
		n, err := imp.Commit(ctx, func(done, total int64) {})
		if err == nil || n != 0 {
			t.Fatalf("the commit did not fail: %d %v", n, err)
		}
		if !strings.Contains(err.Error(), "row 5:") || errs.KindOf(err) != errs.Invalid {
			t.Errorf("the error does not name file row 5 (or lost its kind): %v", err)
		}
		if _, total, _ := f.svc.ListExperts(ctx, f.admin, prepare.ExpertFilter{}); total != 1 {
			t.Errorf("%d experts after the failed commit, want the one registered meanwhile", total)
		}
	})
}
