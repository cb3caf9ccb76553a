package enterprise_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/auth/authtest"
	"yingji/internal/kit/demo"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
	"yingji/internal/kit/xlsx"
	"yingji/internal/kit/xlsx/xlsxtest"
)

type fixture struct {
	db    *store.DB
	org   *org.Service
	auth  *auth.Service
	svc   *enterprise.Service
	admin *auth.Principal
}

func setup(t *testing.T, db *store.DB) *fixture { return setupDB(t, db) }

func setupDB(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	now := func() time.Time { return time.Date(2022, 6, 9, 8, 0, 0, 0, time.UTC) }
	o := org.New(db, now)
	a := auth.New(db, o, now, auth.Options{})
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		_, err := o.SaveRegionTx(ctx, tx, audit.System("349901"), org.Region{Code: "349901", Kind: "县", Name: "示例县"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := demo.Load(ctx, demo.Services{DB: db, Org: o, Auth: a}, "349901", io.Discard); err != nil {
		t.Fatal(err)
	}
	bounds := &enterprise.Bounds{MinLat: 30.7, MaxLat: 31.1, MinLng: 118.1, MaxLng: 118.5}
	svc := enterprise.New(db, o, now, func() *enterprise.Bounds { return bounds })
	admin := &auth.Principal{UserID: "system", Username: "system", Role: auth.RoleAdmin, CountyCode: "349901"}
	return &fixture{db: db, org: o, auth: a, svc: svc, admin: admin}
}

func (f *fixture) principal(t testing.TB, username string) *auth.Principal {
	t.Helper()
	return authtest.Principal(t, f.auth, username)
}

func TestScopeAndChangeRequests(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		if err := f.svc.Demo(ctx, io.Discard, "349901", demo.EnterpriseID, nil); err != nil {
			t.Fatal(err)
		}
		// Loading the demo twice changes nothing.
		total1, _, _, _ := f.svc.Counts(ctx, f.admin)
		if err := f.svc.Demo(ctx, io.Discard, "349901", demo.EnterpriseID, nil); err != nil {
			t.Fatal(err)
		}
		total2, _, _, _ := f.svc.Counts(ctx, f.admin)
		if total1 != total2 || total1 < 450 {
			t.Fatalf("demo: %d then %d enterprises", total1, total2)
		}
		_, retail, _ := f.svc.List(ctx, f.admin, enterprise.Filter{Sector: "fireworks_retail"})
		if retail != 330 {
			t.Fatalf("fireworks retailers: %d, want 330", retail)
		}
		// Section 监管二股 sees 工贸 only; town staff their town only.
		jg2 := f.principal(t, "jg2")
		list, n, err := f.svc.List(ctx, jg2, enterprise.Filter{Limit: 1000})
		if err != nil || n == 0 {
			t.Fatal(err)
		}
		for _, e := range list {
			if e.Sector == "mine" || e.Sector == "fireworks_retail" || e.Sector == "petrol" {
				t.Fatalf("section 2 sees %s (%s)", e.Name, e.Sector)
			}
		}
		town := f.principal(t, "town")
		list, _, _ = f.svc.List(ctx, town, enterprise.Filter{Limit: 1000})
		for _, e := range list {
			if !strings.HasPrefix(e.TownCode, "349901100") {
				t.Fatalf("town user sees %s in %s", e.Name, e.TownCode)
			}
		}
		// The enterprise account: own enterprise only; key fields become a request.
		qiye := f.principal(t, "qiye")
		own, err := f.svc.Get(ctx, qiye, demo.EnterpriseID)
		if err != nil {
			t.Fatal(err)
		}
		other, _, _ := f.svc.List(ctx, f.admin, enterprise.Filter{Sector: "petrol", Limit: 1})
		if _, err := f.svc.Get(ctx, qiye, other[0].ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("enterprise sees another: %v", err)
		}
		if _, err := f.svc.Update(ctx, qiye, other[0].ID, other[0]); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("enterprise edits another: %v", err)
		}
		changed := own
		changed.Name = own.Name + "（更名）"
		changed.SafetyName = "新安全员"
		res, err := f.svc.Update(ctx, qiye, own.ID, changed)
		if err != nil || res.Request == nil {
			t.Fatalf("key change: %v %+v", err, res)
		}
		if res.Enterprise.Name != own.Name || res.Enterprise.SafetyName != "新安全员" {
			t.Fatalf("key field applied before approval: %+v", res.Enterprise)
		}
		if _, err := f.svc.Update(ctx, qiye, own.ID, changed); !errs.Is(err, errs.Conflict) {
			t.Fatalf("second pending request: %v", err)
		}
		reqs, _ := f.svc.ChangeRequests(ctx, jg2, enterprise.ChangePending, "")
		if len(reqs) != 0 {
			t.Fatal("section 2 sees a mine's change request")
		}
		jg1 := f.principal(t, "jg1")
		reqs, _ = f.svc.ChangeRequests(ctx, jg1, enterprise.ChangePending, "")
		if len(reqs) != 1 {
			t.Fatalf("section 1 pending: %d", len(reqs))
		}
		if err := f.svc.Decide(ctx, jg1, reqs[0].ID, false, ""); errs.Fields(err) == nil {
			t.Fatalf("reject without reason: %v", err)
		}
		if err := f.svc.Decide(ctx, jg1, reqs[0].ID, true, ""); err != nil {
			t.Fatal(err)
		}
		got, _ := f.svc.Get(ctx, f.admin, own.ID)
		if got.Name != changed.Name {
			t.Fatalf("approved name not applied: %s", got.Name)
		}
		if err := f.svc.Decide(ctx, jg1, reqs[0].ID, true, ""); !errs.Is(err, errs.Conflict) {
			t.Fatalf("decide twice: %v", err)
		}
		res2, _ := audit.Verify(ctx, db.R())
		if !res2.OK() {
			t.Fatalf("audit: %+v", res2)
		}
	})
}

func TestBadInputChangesNothing(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		lat, lng := 40.0, 118.3
		e := enterprise.Enterprise{Name: "测试公司", CreditCode: "91350100M000100Y44", TownCode: "349901999", Sector: "mine", Lat: &lat, Lng: &lng}
		_, err := f.svc.Create(ctx, f.admin, e)
		got := map[string]bool{}
		for _, fe := range errs.Fields(err) {
			got[fe.Field] = true
		}
		if !got["credit_code"] || !got["lat"] {
			t.Fatalf("want credit code and latitude errors, got %v", err)
		}
		e.CreditCode, e.Lat, e.Lng = "91350100M000100Y43", nil, nil
		_, err = f.svc.Create(ctx, f.admin, e)
		if fe := errs.Fields(err); len(fe) != 1 || fe[0].Field != "town_code" {
			t.Fatalf("unknown town: %v", err)
		}
		e.TownCode = "349901104"
		if _, err := f.svc.Create(ctx, f.admin, e); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Create(ctx, f.admin, e); errs.Fields(err) == nil || errs.Fields(err)[0].Field != "credit_code" {
			t.Fatalf("duplicate credit code: %v", err)
		}
		// A section may not register outside its sectors.
		e.CreditCode = enterprise.DemoCreditCode("349901", 99999)
		e.Sector = "machinery"
		if _, err := f.svc.Create(ctx, f.principal(t, "jg1"), e); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("section 1 registering a 工贸 enterprise: %v", err)
		}
		total, _, _, _ := f.svc.Counts(ctx, f.admin)
		if total != 1 {
			t.Fatalf("%d enterprises after the refusals, want 1", total)
		}
	})
}

func TestImportReportsEveryBadRowAndCommitsNothing(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		good := enterprise.DemoCreditCode("349901", 5001)
		rows := [][]any{
			{"甲机械有限公司", good, "籍山镇", "城东社区", "工业路1号", 118.3, 30.9, "机械", "规上", "粉尘涉爆", "监管二股", "张三", "13900000000", "", "", "在营", "一般"},
			{"乙公司", "91350100M000100Y44", "籍山镇", "", "", "", "", "机械", "", "", "", "", "", "", "", "", ""},
			// Every bad cell of a row is reported at once: town, longitude, phone.
			{"丙公司", enterprise.DemoCreditCode("349901", 5002), "无此镇", "", "", 120.5, 30.9, "机械", "", "", "", "张三", "1391111", "", "", "", ""},
			{"丁公司", good, "弋江镇", "", "", "", "", "机械", "", "", "", "", "", "", "", "", ""},
			{"戊公司", enterprise.DemoCreditCode("349901", 5003), "弋江镇", "", "", 120.5, 30.9, "机械", "", "", "", "", "", "", "", "", ""},
		}
		l := f.svc.Ledger()
		res, err := ledger.Run(ctx, l, f.admin, bytes.NewReader(xlsxtest.Fill(t, enterprise.Schema(), rows)), ledger.Options{}, nil)
		if !errs.Is(err, errs.Invalid) || res == nil || res.Committed {
			t.Fatalf("want rows invalid, got %v %+v", err, res)
		}
		want := map[int]string{3: "B", 4: "C F M", 5: "B", 6: "F"}
		got := map[int]string{}
		for _, e := range res.Errors {
			got[e.Row] = strings.TrimSpace(got[e.Row] + " " + e.Col)
		}
		for r, cols := range want {
			if got[r] != cols {
				t.Errorf("row %d: errors in columns %q, want %q (%+v)", r, got[r], cols, res.Errors)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("errors: %+v", res.Errors)
		}
		if total, _, _, _ := f.svc.Counts(ctx, f.admin); total != 0 {
			t.Fatalf("a file with bad rows committed %d enterprises", total)
		}
		res, err = ledger.Run(ctx, l, f.admin, bytes.NewReader(xlsxtest.Fill(t, enterprise.Schema(), rows)), ledger.Options{OnlyValid: true}, nil)
		if err != nil || res.Imported != 1 || res.Skipped != 4 {
			t.Fatalf("only valid: %v %+v", err, res)
		}
		list, _, _ := f.svc.List(ctx, f.admin, enterprise.Filter{Q: good})
		if len(list) != 1 || list[0].VillageCode != "349901100201" || list[0].Specials[0] != "dust" || list[0].SectionID == "" {
			t.Fatalf("imported row: %+v", list)
		}
		// The export re-reads to the same row.
		var buf bytes.Buffer
		w, _ := xlsx.NewWriter(&buf, l.Schema)
		if err := l.Export(ctx, f.admin, nil, w); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		back, err := ledger.Run(ctx, l, f.admin, bytes.NewReader(buf.Bytes()), ledger.Options{}, nil)
		if back.ErrorCount != 1 || !strings.Contains(back.Errors[0].Reason, "已在本县登记") {
			t.Fatalf("re-import of the export must find the duplicate only: %v %+v", err, back)
		}
		if res2, _ := audit.Verify(ctx, db.R()); !res2.OK() {
			t.Fatalf("audit: %+v", res2)
		}
	})
}
