package housing_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"yingji/internal/bureau/campaign/housing"
	"yingji/internal/kit/attach"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/crypt"
	"yingji/internal/kit/demo"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
	"yingji/internal/kit/xlsx"
	"yingji/internal/kit/xlsx/xlsxtest"
)

const county = "349901"

type fixture struct {
	db    *store.DB
	svc   *housing.Service
	admin *auth.Principal
	town  *auth.Principal // 籍山镇 staff
	other *auth.Principal // 弋江镇 staff
}

// clock is the fixed time of the tests: 2022-06-20 in Shanghai.
func clock() time.Time { return time.Date(2022, 6, 20, 10, 0, 0, 0, time.FixedZone("CST", 8*3600)) }

func setup(t testing.TB, db *store.DB) *fixture { return setupAt(t, db, clock) }

func setupAt(t testing.TB, db *store.DB, clock func() time.Time) *fixture {
	t.Helper()
	ctx := context.Background()
	o := org.New(db, clock)
	a := auth.New(db, o, clock, auth.Options{})
	if err := demo.Load(ctx, demo.Services{DB: db, Org: o, Auth: a}, county, io.Discard); err != nil {
		t.Fatal(err)
	}
	blobs, err := attach.NewDiskBlobs(filepath.Join(t.TempDir(), "att"))
	if err != nil {
		t.Fatal(err)
	}
	key := bytes.Repeat([]byte{7}, 32)
	sealer, err := crypt.New(key)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, svc: housing.New(db, o, attach.NewService(db, blobs, attach.Config{}), sealer, clock),
		admin: &auth.Principal{UserID: "system", Username: "system", DisplayName: "系统", Role: auth.RoleAdmin, CountyCode: county}}
	f.town, err = a.PrincipalFor(ctx, "town")
	if err != nil {
		t.Fatal(err)
	}
	f.other = &auth.Principal{UserID: "u-other", Username: "other", Role: auth.RoleTown, CountyCode: county, RegionCode: county + "101"}
	return f
}

// row is one building row in schema order (34 columns).
func row(code, town, village, area, surveyed string, stages ...string) []any {
	r := []any{"", code, town, village, area, "某路1号", "", "", "砖混", "2", "1998", "120", "否", "", "张三", "13912345678", "", surveyed}
	for _, s := range stages {
		r = append(r, s)
	}
	for len(r) < 34 {
		r = append(r, "")
	}
	// A 有隐患 row carries its 初判 grading and check items (columns 31–34).
	if r[18] == "有隐患" && r[30] == "" {
		r[30], r[31], r[32], r[33] = "一般隐患", "存在问题", "不涉及", "无问题"
	}
	return r
}

// generated returns n valid rows spread over two towns with some stages.
func generated(n int) [][]any {
	var out [][]any
	for i := 0; i < n; i++ {
		town, vil, area := "籍山镇", "新林村", "农村"
		if i%3 == 0 {
			town, vil, area = "弋江镇", "弋江社区", "城镇"
		}
		var r []any
		switch i % 10 {
		case 1:
			r = row(fmt.Sprintf("T%06d", i), town, vil, area, "2022-05-02", "有隐患", "2022-05-03", "需鉴定", "第三方机构", "2022-05-20",
				"C", "某鉴定所", "2022-06-01", "加固", "2022-06-10")
		case 2:
			r = row(fmt.Sprintf("T%06d", i), town, vil, area, "2022-05-02", "有隐患", "2022-05-03")
		default:
			r = row(fmt.Sprintf("T%06d", i), town, vil, area, "2022-05-02", "无隐患", "2022-05-02")
		}
		out = append(out, r)
	}
	return out
}

func (f *fixture) campaign(t testing.TB) housing.Campaign {
	t.Helper()
	c, err := f.svc.CreateCampaign(context.Background(), f.admin, housing.Campaign{Name: "测试排查", StartsOn: "2022-04-25"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func count(t testing.TB, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.R().QueryRowContext(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImport(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		c := f.campaign(t)
		l := f.svc.Ledger()
		res, err := ledger.Run(ctx, l, f.admin, bytes.NewReader(xlsxtest.Fill(t, housing.Schema(), generated(300))), ledger.Options{}, nil)
		if err != nil {
			t.Fatalf("import: %v %+v", err, res)
		}
		if res.Imported != 300 {
			t.Fatalf("imported %d", res.Imported)
		}
		// The counts kept on write agree with the buildings' own dates.
		for _, on := range []string{"2022-05-02", "2022-05-20", "2022-06-05", "2022-06-20"} {
			a, err := f.svc.Progress(ctx, f.admin, c.ID, on)
			if err != nil {
				t.Fatal(err)
			}
			b, err := f.svc.ProgressDirect(ctx, f.admin, c.ID, on)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range housing.AllMetrics {
				if a.ByTotal[m] != b.ByTotal[m] {
					t.Errorf("%s %s: daily counts %+v, buildings %+v", on, m, a.ByTotal[m], b.ByTotal[m])
				}
			}
		}
		pr, _ := f.svc.Progress(ctx, f.admin, c.ID, "2022-06-05")
		if got := pr.ByTotal[housing.MSurveyed]; got.Urban != 100 || got.Rural != 200 {
			t.Fatalf("surveyed %+v", got)
		}
		if pr.ByTotal[housing.MAppraised].Total() != 30 || pr.ByTotal[housing.MRemediated].Total() != 0 {
			t.Fatalf("appraised/remediated at 06-05: %+v %+v", pr.ByTotal[housing.MAppraised], pr.ByTotal[housing.MRemediated])
		}
		// Facet counts equal real counts.
		for _, fl := range []housing.Filter{{}, {Area: "urban"}, {Stage: housing.Remediated}, {Grade: "C"}, {Town: county + "100", Area: "rural"}} {
			n, err := f.svc.Count(ctx, f.admin, c.ID, fl)
			if err != nil {
				t.Fatal(err)
			}
			fl.Q = "T000" // a code prefix every row has: counts the rows themselves
			m, err := f.svc.Count(ctx, f.admin, c.ID, fl)
			if err != nil {
				t.Fatal(err)
			}
			if n != m {
				t.Errorf("filter %+v: facets %d, rows %d", fl, n, m)
			}
		}
		// Town staff see their town only; the owner is masked for readers.
		rows, total, err := f.svc.List(ctx, f.town, c.ID, housing.Filter{Limit: 500})
		if err != nil || total != 200 || len(rows) != 200 {
			t.Fatalf("town list: %d %d %v", total, len(rows), err)
		}
		for _, r := range rows {
			if r.TownCode != county+"100" || r.OwnerMask != "张* 139****5678" {
				t.Fatalf("town row %+v", r)
			}
		}
		if _, err := f.svc.Get(ctx, f.other, c.ID, rows[0].ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("other town reads a building: %v", err)
		}
		b, err := f.svc.Get(ctx, f.town, c.ID, rows[0].ID)
		if err != nil || b.Owner.Name != "张三" || b.OwnerMasked {
			t.Fatalf("town reads its building: %+v %v", b.Owner, err)
		}
		var stored string
		_ = db.R().QueryRowContext(ctx, `SELECT owner_name FROM housing_building WHERE id = $1`, b.ID).Scan(&stored)
		if !strings.HasPrefix(stored, "enc1:") {
			t.Fatalf("owner stored in clear: %q", stored)
		}
		// Re-importing the same file: every row a duplicate, nothing added.
		before := count(t, db, "housing_building")
		res, err = ledger.Run(ctx, l, f.admin, bytes.NewReader(xlsxtest.Fill(t, housing.Schema(), generated(5))), ledger.Options{}, nil)
		if !errs.Is(err, errs.Invalid) || res.ErrorCount != 5 || !strings.Contains(res.Errors[0].Reason, "已在本活动中登记") {
			t.Fatalf("duplicate import: %v %+v", err, res)
		}
		if count(t, db, "housing_building") != before {
			t.Fatal("a bad file committed rows")
		}
	})
}

func TestImportBadRows(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		f.campaign(t)
		rows := [][]any{
			row("B000001", "籍山镇", "新林村", "农村", "2022-05-02"),
			row("B000002", "无此镇", "", "农村", "2022-05-02"),                                                                       // unknown town
			row("B000001", "籍山镇", "", "农村", "2022-05-02"),                                                                       // duplicate code
			row("B000004", "籍山镇", "", "农村", "2022-05-02", "有隐患", "2022-05-03", "需鉴定", "", "2022-05-04", "E", "所", "2022-05-05"), // grade E
			row("B000005", "籍山镇", "", "农村", "2022-05-02", "有隐患", "2022-05-03", "", "", "", "C", "所", "2022-05-05"),              // 技术判定 skipped
			row("B000006", "籍山镇", "", "乡下", "2022-13-02"),                                                                       // area, date
			row("B000007", "籍山镇", "", "城镇", "2022-05-02", "有隐患", "2022-05-03", "需鉴定", "", "2022-05-04", "D", "所", "2022-05-05", "限用", "2022-05-06"),
		}
		before := count(t, db, "housing_building")
		audits := count(t, db, "audit_log")
		res, err := ledger.Run(ctx, f.svc.Ledger(), f.admin, bytes.NewReader(xlsxtest.Fill(t, housing.Schema(), rows)), ledger.Options{}, nil)
		if !errs.Is(err, errs.Invalid) || res.Committed {
			t.Fatalf("bad file: %v %+v", err, res)
		}
		want := map[int]string{3: "未知乡镇", 4: "与第 2 行重复", 5: "不在允许的取值中", 6: "须先经技术专家或第三方机构判定", 8: "D 级（整幢危房）"}
		got := map[int]string{}
		for _, e := range res.Errors {
			got[e.Row] += e.Column + ":" + e.Reason + ";"
		}
		for r, s := range want {
			if !strings.Contains(got[r], s) {
				t.Errorf("row %d: %q, want %q", r, got[r], s)
			}
		}
		if !strings.Contains(got[6], "鉴定等级") || !strings.Contains(got[7], "城镇/农村") || !strings.Contains(got[7], "排查日期") {
			t.Errorf("columns named: %v", got)
		}
		if count(t, db, "housing_building") != before || count(t, db, "audit_log") != audits || count(t, db, "housing_daily") != 0 {
			t.Fatal("a file with errors committed something")
		}
	})
}

// TestImportCancelled cancels an import while it checks and while it
// commits: nothing is left, and the same file imports afterwards.
func TestImportCancelled(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		f.campaign(t)
		data := xlsxtest.Fill(t, housing.Schema(), generated(2500))
		for _, when := range []string{"check", "commit"} {
			ctx, cancel := context.WithCancel(context.Background())
			_, err := ledger.Run(ctx, f.svc.Ledger(), f.admin, bytes.NewReader(data), ledger.Options{}, func(done, total int64) {
				if (when == "check" && total == 0 && done >= 1000) || (when == "commit" && total > 0 && done >= 1000) {
					cancel()
				}
			})
			cancel()
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled while %s: %v", when, err)
			}
			for _, table := range []string{"housing_building", "housing_daily", "housing_facet"} {
				if n := count(t, db, table); n != 0 {
					t.Fatalf("cancelled while %s: %d rows left in %s", when, n, table)
				}
			}
		}
		res, err := ledger.Run(context.Background(), f.svc.Ledger(), f.admin, bytes.NewReader(data), ledger.Options{}, nil)
		if err != nil || res.Imported != 2500 {
			t.Fatalf("re-run: %v %+v", err, res)
		}
	})
}

func TestSteps(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		c := f.campaign(t)
		b, err := f.svc.Create(ctx, f.town, c.ID, housing.Building{Code: "ZJ0001", TownCode: county + "100", VillageCode: county + "100203",
			SurveyedOn: "2022-05-01", Owner: housing.Owner{Name: "王建国", Phone: "13912345678"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Create(ctx, f.other, c.ID, housing.Building{Code: "ZJ0002", TownCode: county + "100", SurveyedOn: "2022-05-01"}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("other town creates here: %v", err)
		}
		if _, err := f.svc.Create(ctx, f.town, c.ID, housing.Building{Code: "ZJ0001", TownCode: county + "100", SurveyedOn: "2022-05-01"}); errs.Fields(err) == nil {
			t.Fatalf("duplicate code: %v", err)
		}
		yes := true
		do := func(p *auth.Principal, s housing.Step, files ...attach.Upload) (housing.Building, error) {
			return f.svc.Do(ctx, p, c.ID, b.ID, s, files)
		}
		if _, err := do(f.town, housing.Step{Action: housing.ActAppraise, On: "2022-05-02", Grade: "C", Agency: "所"}); !errs.Is(err, errs.Conflict) {
			t.Fatalf("skipped stage: %v", err)
		}
		if _, err := do(f.other, housing.Step{Action: housing.ActJudge, On: "2022-05-02", Hazard: &yes}); !errs.Is(err, errs.NotFound) {
			t.Fatalf("other town acts: %v", err)
		}
		judge := housing.Step{Action: housing.ActJudge, On: "2022-05-02", Level: housing.LevelCollapse, CheckStructure: housing.CheckProblem,
			CheckBusiness: housing.CheckNA, CheckLegal: housing.CheckProblem}
		for _, s := range []housing.Step{judge, {Action: housing.ActAssess, On: "2022-05-10", Need: &yes}} {
			if _, err := do(f.town, s); err != nil {
				t.Fatal(err)
			}
		}
		pdf := attach.Upload{Filename: "鉴定报告.pdf", Reader: bytes.NewReader([]byte("%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"))}
		if _, err := do(f.town, housing.Step{Action: housing.ActAppraise, On: "2022-06-01", Grade: "Z", Agency: "所"}, pdf); errs.Fields(err) == nil {
			t.Fatalf("grade Z: %v", err)
		}
		// A text file passed off as a photo is not a report; nothing is kept.
		fake := attach.Upload{Filename: "fake.png", Reader: bytes.NewReader([]byte("not a report at all"))}
		if _, err := do(f.town, housing.Step{Action: housing.ActAppraise, On: "2022-06-01", Grade: "D", Agency: "所"}, fake); len(errs.Fields(err)) != 1 ||
			errs.Fields(err)[0].Field != "files" || errs.Fields(err)[0].Args["Name"] != "fake.png" {
			t.Fatalf("a text file as the report: %v", err)
		}
		got, err := do(f.town, housing.Step{Action: housing.ActAppraise, On: "2022-06-01", Grade: "D", Agency: "芜湖市建设工程质量检测中心"}, pdf)
		if err != nil || got.Stage != housing.Appraised {
			t.Fatalf("appraise: %v %+v", err, got)
		}
		ev, err := f.svc.Events(ctx, f.town, got)
		if err != nil || len(ev) != 3 || len(ev[2].Files) != 1 || ev[2].ByName == "" {
			t.Fatalf("events: %v %+v", err, ev)
		}
		if _, err := f.svc.File(ctx, f.town, c.ID, b.ID, ev[2].Files[0].ID); err != nil {
			t.Fatalf("report file: %v", err)
		}
		pr, _ := f.svc.Progress(ctx, f.admin, c.ID, "2022-06-01")
		if pr.ByTotal[housing.MAppraised].Total() != 1 || pr.ByTotal[housing.MGradeD].Total() != 1 {
			t.Fatalf("progress after appraisal: %+v", pr.ByTotal)
		}
		if pr, _ := f.svc.Progress(ctx, f.admin, c.ID, "2022-05-31"); pr.ByTotal[housing.MAppraised].Total() != 0 {
			t.Fatal("appraisal counted before its date")
		}
		n, _ := f.svc.Count(ctx, f.admin, c.ID, housing.Filter{Stage: housing.Appraised, Grade: "D"})
		if n != 1 {
			t.Fatalf("facet count after the step: %d", n)
		}
	})
}

// TestDemoFigures loads the 128,053 demo buildings and checks F-HOUSE-1…5.
func TestDemoFigures(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 128,053 buildings")
	}
	ctx := context.Background()
	f := setupAt(t, storetest.SQLite(t), time.Now)
	t0 := time.Now()
	if err := f.svc.Demo(ctx, io.Discard, county); err != nil {
		t.Fatal(err)
	}
	t.Logf("demo load: %s", time.Since(t0))
	c, err := f.svc.CampaignByName(ctx, f.admin, housing.DemoCampaign)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := f.svc.Progress(ctx, f.admin, c.ID, housing.DemoAsOf)
	if err != nil {
		t.Fatal(err)
	}
	want := map[housing.Metric]housing.Split{housing.MSurveyed: {Urban: 11568, Rural: 116485}, housing.MSuspected: {Urban: 750, Rural: 1468},
		housing.MNeedAppraisal: {Urban: 385, Rural: 300}}
	for m, s := range want {
		if pr.ByTotal[m] != s {
			t.Errorf("%s at %s: %+v, want %+v", m, housing.DemoAsOf, pr.ByTotal[m], s)
		}
	}
	if n := pr.ByTotal[housing.MAppraised].Total(); n != 310 {
		t.Errorf("appraised by 6月9日: %d", n)
	}
	if n := pr.ByTotal[housing.MRemediated].Total(); n != 9 {
		t.Errorf("remediated by 6月9日: %d", n)
	}
	ws, err := f.svc.Warnings(ctx, f.admin, c)
	if err != nil || len(ws) != 2 || ws[0].Kind != "parts" || ws[1].Part != "rural" || ws[1].Records != 300 {
		t.Fatalf("F-HOUSE-5 warnings: %v %+v", err, ws)
	}
	direct, _ := f.svc.ProgressDirect(ctx, f.admin, c.ID, housing.DemoAsOf)
	for _, m := range housing.AllMetrics {
		if direct.ByTotal[m] != pr.ByTotal[m] {
			t.Errorf("%s: daily %+v, direct %+v", m, pr.ByTotal[m], direct.ByTotal[m])
		}
	}
	// The home page's "to appraise or remediate" figure and the list it
	// links to agree.
	tot, err := f.svc.Totals(ctx, f.admin, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	todo, err := f.svc.Count(ctx, f.admin, c.ID, housing.Filter{Stage: housing.Todo})
	if err != nil || todo != int(tot[housing.NeedAppraisal]+tot[housing.Appraised]) || todo == 0 {
		t.Fatalf("to appraise or remediate: %d (%v), totals %v", todo, err, tot)
	}
	// Loading twice changes nothing.
	n := count(t, f.db, "housing_building")
	if err := f.svc.Demo(ctx, io.Discard, county); err != nil || count(t, f.db, "housing_building") != n {
		t.Fatalf("second load: %v", err)
	}
}

// With several campaigns, a file goes into the one chosen for it (the
// import page's drop-down, the CLI's --campaign), or each row names its
// own; a row naming another campaign than the chosen one is refused.
func TestImportChosenCampaign(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		first := f.campaign(t)
		second, err := f.svc.CreateCampaign(ctx, f.admin, housing.Campaign{Name: "2023年复查", StartsOn: "2023-03-01"})
		if err != nil {
			t.Fatal(err)
		}
		l := f.svc.Ledger()
		choices, err := l.Target.Choices(ctx, f.admin)
		if err != nil || len(choices) != 2 {
			t.Fatalf("choices: %v %+v", err, choices)
		}
		// No choice and no column: every row is told to name its campaign,
		// nothing is written.
		res, err := ledger.Run(ctx, l, f.admin, bytes.NewReader(xlsxtest.Fill(t, housing.Schema(), generated(3))), ledger.Options{}, nil)
		if !errs.Is(err, errs.Invalid) || len(res.Errors) == 0 || !strings.Contains(res.Errors[0].Reason, "多个排查活动") {
			t.Fatalf("no campaign chosen: %v %+v", err, res)
		}
		res, err = ledger.Run(ctx, l, f.admin, bytes.NewReader(xlsxtest.Fill(t, housing.Schema(), generated(3))), ledger.Options{Target: second.ID}, nil)
		if err != nil || res.Imported != 3 {
			t.Fatalf("into the chosen campaign: %v %+v", err, res)
		}
		var inSecond, inFirst int
		_ = db.R().QueryRowContext(ctx, `SELECT count(*) FROM housing_building WHERE campaign_id = $1`, second.ID).Scan(&inSecond)
		_ = db.R().QueryRowContext(ctx, `SELECT count(*) FROM housing_building WHERE campaign_id = $1`, first.ID).Scan(&inFirst)
		if inSecond != 3 || inFirst != 0 {
			t.Fatalf("buildings in the chosen campaign %d, in the other %d", inSecond, inFirst)
		}
		// A row naming the other campaign is refused with its column.
		r := row("X000001", "籍山镇", "新林村", "农村", "2022-05-02")
		r[0] = first.Name
		res, err = ledger.Run(ctx, l, f.admin, bytes.NewReader(xlsxtest.Fill(t, housing.Schema(), [][]any{r})), ledger.Options{Target: second.ID}, nil)
		if !errs.Is(err, errs.Invalid) || len(res.Errors) != 1 || res.Errors[0].Col != "A" || !strings.Contains(res.Errors[0].Reason, "不一致") {
			t.Fatalf("row of another campaign: %v %+v", err, res)
		}
		// An unknown choice is refused before the file is read.
		if _, err := ledger.Run(ctx, l, f.admin, bytes.NewReader(xlsxtest.Fill(t, housing.Schema(), generated(1))), ledger.Options{Target: "无此活动"}, nil); !errs.Is(err, errs.Invalid) {
			t.Fatalf("unknown campaign: %v", err)
		}
		// A ledger without a choice refuses one.
		if _, err := ledger.Run(ctx, &ledger.Ledger{Kind: "x", NewImport: l.NewImport}, f.admin, bytes.NewReader(nil), ledger.Options{Target: second.ID}, nil); !errs.Is(err, errs.Invalid) {
			t.Fatalf("target on a ledger without one: %v", err)
		}
	})
}

// judgementRows are buildings at the stages that matter for the 待鉴定或整治
// count and the 初判 rules (schema order, see row).
func judgementRows() [][]any {
	grading := func(r []any, level, structure, business, legal string) []any {
		r[30], r[31], r[32], r[33] = level, structure, business, legal
		return r
	}
	return [][]any{
		// awaiting appraisal: to do
		grading(row("J000001", "籍山镇", "新林村", "农村", "2022-05-02", "有隐患", "2022-05-03", "需鉴定", "第三方机构", "2022-05-04"),
			"存在倒塌风险", "存在问题", "不涉及", "存在问题"),
		// appraised A and B: only closure left, not to do
		row("J000002", "籍山镇", "新林村", "农村", "2022-05-02", "有隐患", "2022-05-03", "需鉴定", "", "2022-05-04", "A", "所", "2022-05-10"),
		row("J000003", "籍山镇", "新林村", "农村", "2022-05-02", "有隐患", "2022-05-03", "需鉴定", "", "2022-05-04", "B", "所", "2022-05-10"),
		// appraised C, not remediated: to do
		row("J000004", "籍山镇", "新林村", "农村", "2022-05-02", "有隐患", "2022-05-03", "需鉴定", "", "2022-05-04", "C", "所", "2022-05-10"),
		// appraised D and remediated: not to do
		row("J000005", "籍山镇", "新林村", "农村", "2022-05-02", "有隐患", "2022-05-03", "需鉴定", "", "2022-05-04", "D", "所", "2022-05-10", "拆除", "2022-05-20"),
		// 无需鉴定 with a 一般隐患: to remediate before closing
		row("J000006", "籍山镇", "新林村", "农村", "2022-05-02", "有隐患", "2022-05-03", "无需鉴定", "技术专家", "2022-05-04"),
		// 无隐患
		row("J000007", "籍山镇", "新林村", "农村", "2022-05-02", "无隐患", "2022-05-02"),
	}
}

// The 初判 grading and check items are stored, filtered on, exported and
// imported again; 待鉴定或整治 counts only buildings awaiting appraisal and
// appraised C/D ones not yet remediated; a 一般隐患 judged not to need an
// appraisal is remediated before closure; an appraisal through the API
// (no report) is refused.
func TestJudgementTodoAndRules(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		c := f.campaign(t)
		l := f.svc.Ledger()
		res, err := ledger.Run(ctx, l, f.admin, bytes.NewReader(xlsxtest.Fill(t, housing.Schema(), judgementRows())), ledger.Options{}, nil)
		if err != nil || res.Imported != 7 {
			t.Fatalf("import: %v %+v", err, res)
		}
		// 待鉴定或整治: J000001 and J000004 only, in the count and in the list.
		n, err := f.svc.TodoCount(ctx, f.admin, c.ID)
		if err != nil || n != 2 {
			t.Fatalf("todo count: %d %v", n, err)
		}
		rows, total, err := f.svc.List(ctx, f.admin, c.ID, housing.Filter{Stage: housing.Todo})
		if err != nil || total != 2 || len(rows) != 2 || rows[0].Code != "J000001" || rows[1].Code != "J000004" {
			t.Fatalf("todo list: %d %+v %v", total, rows, err)
		}
		if m, _ := f.svc.Count(ctx, f.admin, c.ID, housing.Filter{Stage: housing.Todo, Q: "J000"}); m != 2 {
			t.Fatalf("todo by the buildings themselves: %d", m)
		}
		// Filters on the grading and on an item found wanting.
		if rows, total, _ := f.svc.List(ctx, f.admin, c.ID, housing.Filter{Level: housing.LevelCollapse}); total != 1 || rows[0].Code != "J000001" {
			t.Fatalf("collapse filter: %d %+v", total, rows)
		}
		if _, total, _ := f.svc.List(ctx, f.admin, c.ID, housing.Filter{Level: housing.LevelGeneral}); total != 5 {
			t.Fatalf("general filter: %d", total)
		}
		if rows, total, _ := f.svc.List(ctx, f.admin, c.ID, housing.Filter{Problem: housing.ItemLegal}); total != 1 || rows[0].Code != "J000001" {
			t.Fatalf("legal problem filter: %d %+v", total, rows)
		}
		byCode := map[string]housing.Row{}
		all, _, _ := f.svc.List(ctx, f.admin, c.ID, housing.Filter{})
		for _, r := range all {
			byCode[r.Code] = r
		}
		j1 := byCode["J000001"]
		if j1.HazardLevel != housing.LevelCollapse || j1.CheckStructure != housing.CheckProblem || j1.CheckBusiness != housing.CheckNA || j1.CheckLegal != housing.CheckProblem {
			t.Fatalf("stored grading: %+v", j1.Building)
		}
		if j7 := byCode["J000007"]; j7.HazardLevel != housing.LevelNone || j7.CheckStructure != housing.CheckOK || j7.CheckBusiness != housing.CheckNA {
			t.Fatalf("无隐患 defaults: %+v", j7.Building)
		}

		// 一般隐患, 无需鉴定: closing first is refused with the rule;
		// after the remediation it closes.
		j6 := byCode["J000006"]
		if _, err := f.svc.Do(ctx, f.town, c.ID, j6.ID, housing.Step{Action: housing.ActClose, On: "2022-06-01"}, nil); !errs.Is(err, errs.Conflict) ||
			!strings.Contains(err.Error(), "close_needs_remediation_hazard") {
			t.Fatalf("close a 一般隐患 without remediation: %v", err)
		}
		if _, err := f.svc.Do(ctx, f.town, c.ID, j6.ID, housing.Step{Action: housing.ActRemediate, On: "2022-06-01", Measure: "加固"}, nil); err != nil {
			t.Fatal(err)
		}
		if b, err := f.svc.Do(ctx, f.town, c.ID, j6.ID, housing.Step{Action: housing.ActClose, On: "2022-06-02"}, nil); err != nil || b.Stage != housing.Closed {
			t.Fatalf("close after remediation: %v", err)
		}

		// An appraisal without its report (the JSON API sends none) is refused.
		if _, err := f.svc.Do(ctx, f.town, c.ID, j1.ID, housing.Step{Action: housing.ActAppraise, On: "2022-06-01", Grade: "C", Agency: "所"}, nil); len(errs.Fields(err)) != 1 ||
			errs.Fields(err)[0].Field != "report" || errs.Fields(err)[0].Message != "housing.report_required" {
			t.Fatalf("appraisal without report: %v", err)
		}

		// Export, then import the exported rows into another campaign: the
		// grading and the items come back the same.
		var buf bytes.Buffer
		w, err := xlsx.NewWriter(&buf, l.Schema)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Export(ctx, f.admin, url.Values{"campaign": {c.ID}}, w); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		second, err := f.svc.CreateCampaign(ctx, f.admin, housing.Campaign{Name: "2023年复查", StartsOn: "2022-05-01"})
		if err != nil {
			t.Fatal(err)
		}
		im, err := l.NewImport(ctx, f.admin, second.ID)
		if err != nil {
			t.Fatal(err)
		}
		var exported map[string]string
		rep, err := xlsx.Parse(bytes.NewReader(buf.Bytes()), l.Schema, func(r xlsx.Row) []xlsx.CellError {
			if r.Values["code"] == "J000001" {
				exported = r.Values
			}
			r.Values["campaign"] = ""
			return im.Check(ctx, r)
		})
		if err != nil || !rep.OK() {
			t.Fatalf("re-import check: %v %+v", err, rep)
		}
		if exported["hazard_level"] != "存在倒塌风险" || exported["check_structure"] != "存在问题" || exported["check_business"] != "不涉及" || exported["check_legal"] != "存在问题" {
			t.Fatalf("exported columns: %v", exported)
		}
		if n, err := im.Commit(ctx, func(int64, int64) {}); err != nil || n != 7 {
			t.Fatalf("re-import: %d %v", n, err)
		}
		again, _, _ := f.svc.List(ctx, f.admin, second.ID, housing.Filter{Q: "J000001"})
		if len(again) != 1 || again[0].HazardLevel != j1.HazardLevel || again[0].CheckStructure != j1.CheckStructure ||
			again[0].CheckBusiness != j1.CheckBusiness || again[0].CheckLegal != j1.CheckLegal || again[0].Stage != j1.Stage {
			t.Fatalf("re-imported: %+v", again)
		}
	})
}
