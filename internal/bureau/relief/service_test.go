package relief_test

import (
	"context"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"yingji/internal/bureau/relief"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/crypt"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
	"yingji/internal/kit/xlsx"
)

const county = "349901"

type fixture struct {
	svc                          *relief.Service
	db                           *store.DB
	admin, town, town2, other    *auth.Principal
	leader, reliefSec, sec, read *auth.Principal
	prog                         relief.Programme
}

func setup(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2022, 6, 30, 2, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	o := org.New(db, clock)
	sys := audit.System(county)
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for _, r := range []org.Region{{Code: county, Kind: "县", Name: "示例县"}, {Code: county + "100", Kind: "镇", Name: "籍山镇"},
			{Code: county + "100201", Kind: "村", Name: "新林村"}, {Code: county + "101", Kind: "镇", Name: "弋江镇"}, {Code: county + "101201", Kind: "村", Name: "九连村"}} {
			if _, err := o.SaveRegionTx(ctx, tx, sys, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := crypt.Load("", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, svc: relief.New(db, o, clock).WithSealer(sealer),
		admin:     &auth.Principal{UserID: "u-admin", Username: "admin", Role: auth.RoleAdmin, CountyCode: county},
		town:      &auth.Principal{UserID: "u-town", Username: "town", Role: auth.RoleTown, CountyCode: county, RegionCode: county + "100"},
		town2:     &auth.Principal{UserID: "u-town2", Username: "town2", Role: auth.RoleTown, CountyCode: county, RegionCode: county + "100"},
		other:     &auth.Principal{UserID: "u-town3", Username: "town3", Role: auth.RoleTown, CountyCode: county, RegionCode: county + "101"},
		leader:    &auth.Principal{UserID: "u-leader", Username: "leader", Role: auth.RoleLeader, CountyCode: county},
		reliefSec: &auth.Principal{UserID: "u-jz", Username: "jz", Role: auth.RoleSection, UnitName: relief.ReliefSection, CountyCode: county},
		sec:       &auth.Principal{UserID: "u-jg2", Username: "jg2", Role: auth.RoleSection, UnitName: "监管二股", CountyCode: county},
		read:      &auth.Principal{UserID: "u-ro", Username: "readonly", Role: auth.RoleReadOnly, CountyCode: county},
	}
	f.prog, err = f.svc.CreateProgramme(ctx, f.reliefSec, relief.Programme{Name: "2021—2022年度冬春救助", Kind: "冬春救助", PeriodFrom: "2021-12-01",
		PeriodTo: "2022-06-30", Budget: 60000, Standards: []relief.Standard{{Category: "food", Amount: 30000}, {Category: "heating", Amount: 15000}}})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// decided enters a household in 籍山镇 and takes it to the county's
// decision.
func (f *fixture) decided(t *testing.T, prog string, ids ...string) relief.Household {
	t.Helper()
	ctx := context.Background()
	var ms []relief.Member
	for i, id := range ids {
		ms = append(ms, relief.Member{Name: relief.DemoName(i), IDNumber: id})
	}
	h, err := f.svc.CreateHousehold(ctx, f.town, relief.Household{ProgrammeID: prog, VillageCode: county + "100201", HeadName: ms[0].Name, Members: ms,
		AccountHolder: ms[0].Name, AccountNo: "6227001234567890123"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		p  *auth.Principal
		in relief.StepInput
	}{{f.town2, relief.StepInput{Step: "village", Approved: true}}, {f.town, relief.StepInput{Step: "publicity", Approved: true, PublicityFrom: "2022-06-01", PublicityTo: "2022-06-07"}},
		{f.town2, relief.StepInput{Step: "town", Approved: true}}, {f.leader, relief.StepInput{Step: "county", Approved: true}}} {
		if h, err = f.svc.TakeStep(ctx, s.p, h.ID, s.in); err != nil {
			t.Fatal(s.in.Step, err)
		}
	}
	return h
}

func kindMsg(err error) string {
	e, ok := errs.As(err)
	if !ok {
		return ""
	}
	return string(e.Kind) + " " + e.Message
}

func TestService(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		if _, err := f.svc.CreateProgramme(ctx, f.sec, relief.Programme{Name: "x"}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("a section outside relief creates a programme: %v", err)
		}
		h := f.decided(t, f.prog.ID, relief.DemoID(1), relief.DemoID(2))

		// At rest the ID and account numbers are sealed; search by ID works.
		var raw, acct string
		if err := db.R().QueryRowContext(ctx, `SELECT m.id_number, h.account_no FROM relief_member m JOIN relief_household h ON h.id = m.household_id WHERE m.household_id = $1 ORDER BY m.sort LIMIT 1`, h.ID).Scan(&raw, &acct); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(raw, relief.DemoID(1)[6:]) || strings.Contains(acct, "1234567890") {
			t.Fatalf("stored in clear: %q %q", raw, acct)
		}
		list, n, err := f.svc.Households(ctx, f.admin, relief.HouseholdFilter{Q: relief.DemoID(2)})
		if err != nil || n != 1 || list[0].ID != h.ID {
			t.Fatalf("search by ID: %d %v", n, err)
		}

		// Masking by role.
		for _, c := range []struct {
			p     *auth.Principal
			clear bool
		}{{f.admin, true}, {f.town, true}, {f.reliefSec, true}, {f.leader, false}, {f.sec, false}, {f.read, false}} {
			got, err := f.svc.Household(ctx, c.p, h.ID)
			if err != nil {
				t.Fatal(err)
			}
			if (got.Members[0].IDNumber == relief.DemoID(1)) != c.clear || got.Masked == c.clear {
				t.Errorf("%s reads %s / %s", c.p.Username, got.Members[0].IDNumber, got.AccountNo)
			}
			if !c.clear && (got.Members[0].IDNumber != relief.MaskedID(relief.DemoID(1)) || strings.Contains(got.AccountNo, "1234567890")) {
				t.Errorf("%s reads %s / %s", c.p.Username, got.Members[0].IDNumber, got.AccountNo)
			}
		}
		// Another town: out of scope (404).
		if _, err := f.svc.Household(ctx, f.other, h.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("another town reads: %v", err)
		}
		if _, err := f.svc.CreateHousehold(ctx, f.other, relief.Household{ProgrammeID: f.prog.ID, TownCode: county + "100", VillageCode: county + "100201",
			HeadName: "x", Members: []relief.Member{{Name: "x", IDNumber: relief.DemoID(9)}}}); errs.Fields(err) == nil || errs.Fields(err)[0].Field != "town_code" {
			t.Fatalf("another town enters here: %v", err)
		}
		// One ID in two households of the programme.
		_, err = f.svc.CreateHousehold(ctx, f.town, relief.Household{ProgrammeID: f.prog.ID, VillageCode: county + "100201", HeadName: "y",
			Members: []relief.Member{{Name: "y", IDNumber: relief.DemoID(3)}, {Name: "z", IDNumber: relief.DemoID(2)}}})
		if fe := errs.Fields(err); len(fe) != 1 || fe[0].Field != "members.1.id_number" || fe[0].Message != "relief.member_elsewhere" {
			t.Fatalf("member elsewhere: %v", err)
		}

		// Payments: cap, twice, budget.
		m0, m1 := h.Members[0].ID, h.Members[1].ID
		pay := func(p *auth.Principal, in relief.PaymentInput) error {
			_, err := f.svc.Pay(ctx, p, h.ID, in)
			return err
		}
		if err := pay(f.read, relief.PaymentInput{MemberID: m0, Category: "food", Amount: 100, PaidOn: "2022-01-10"}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("read-only pays: %v", err)
		}
		if got := kindMsg(pay(f.reliefSec, relief.PaymentInput{MemberID: m0, Category: "food", Amount: 30001, PaidOn: "2022-01-10"})); got != "conflict relief.rule.above_standard" {
			t.Fatalf("above the standard: %s", got)
		}
		if err := pay(f.reliefSec, relief.PaymentInput{MemberID: m0, Category: "food", Amount: 30000, PaidOn: "2022-01-10"}); err != nil {
			t.Fatal(err)
		}
		if got := kindMsg(pay(f.town, relief.PaymentInput{MemberID: m0, Category: "food", Amount: 100, PaidOn: "2022-02-10"})); got != "conflict relief.rule.paid_twice" {
			t.Fatalf("paid twice: %s", got)
		}
		if err := pay(f.town, relief.PaymentInput{MemberID: m0, Category: "heating", Amount: 15000, PaidOn: "2022-01-12"}); err != nil {
			t.Fatal(err)
		}
		if got := kindMsg(pay(f.town, relief.PaymentInput{MemberID: m1, Category: "food", Amount: 30000, PaidOn: "2022-01-12"})); got != "conflict relief.rule.over_budget" {
			t.Fatalf("over budget: %s", got)
		}
		// Goods go out through the warehouses' hook, inside the payment's
		// transaction: a refusal there records no payment.
		var asked relief.GoodsRequest
		f.svc.WithGoods(func(ctx context.Context, tx *store.Tx, p *auth.Principal, req relief.GoodsRequest) (string, error) {
			asked = req
			if req.Quantity > 5 {
				return "", errs.New(errs.Conflict, "supplies.insufficient_stock")
			}
			return "示调〔2022〕1号", nil
		})
		if got := kindMsg(pay(f.town, relief.PaymentInput{MemberID: m1, Category: "food", Mode: "goods", Item: "大米", Quantity: 9, PaidOn: "2022-01-12"})); got != "conflict supplies.insufficient_stock" {
			t.Fatalf("stock refused: %s", got)
		}
		if err := pay(f.town, relief.PaymentInput{MemberID: m1, Category: "food", Mode: "goods", Item: "大米", Quantity: 2, PaidOn: "2022-01-12", WarehouseID: "w1"}); err != nil {
			t.Fatal(err)
		}
		f.svc.WithGoods(nil)
		if asked.WarehouseID != "w1" || asked.Quantity != 2 || asked.TownCode != county+"100" || !strings.HasPrefix(asked.Source, "relief_payment:") {
			t.Fatalf("goods request: %+v", asked)
		}
		if ps, _, _ := f.svc.Payments(ctx, f.admin, relief.PaymentFilter{Mode: relief.ModeGoods}); len(ps) != 1 || ps[0].DispatchRef != "示调〔2022〕1号" || "relief_payment:"+ps[0].ID != asked.Source {
			t.Fatalf("goods payments: %+v", ps)
		}
		tot, err := f.svc.Totals(ctx, f.leader, relief.PaymentFilter{ProgrammeID: f.prog.ID})
		if err != nil || tot.All.Amount != 45000 || tot.All.People != 2 || tot.All.Payments != 3 || len(tot.ByCategory) != 2 || tot.ByTown[0].Key != county+"100" {
			t.Fatalf("totals: %+v %v", tot, err)
		}
		if tot, _ := f.svc.Totals(ctx, f.other, relief.PaymentFilter{}); tot.All.Payments != 0 {
			t.Fatalf("another town's totals: %+v", tot)
		}
		var rows []relief.PersonPaid
		if err := f.svc.EachPersonPaid(ctx, f.leader, relief.PaymentFilter{}, func(x relief.PersonPaid) error { rows = append(rows, x); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[0].Total+rows[1].Total != 45000 || strings.Contains(rows[0].IDNumber+rows[1].IDNumber, relief.DemoID(1)) {
			t.Fatalf("bank rows: %+v", rows)
		}

		// Flags: the same person in an overlapping programme of the same kind.
		g2, err := f.svc.CreateProgramme(ctx, f.admin, relief.Programme{Name: "冬春救助（追加）", Kind: relief.KindWinterSpring, PeriodFrom: "2022-03-01",
			PeriodTo: "2022-06-30", Standards: []relief.Standard{{Category: "food", Amount: 10000}}})
		if err != nil {
			t.Fatal(err)
		}
		f.decided(t, g2.ID, relief.DemoID(2))
		flags, err := f.svc.Flags(ctx, f.leader)
		if err != nil || len(flags) != 1 || flags[0].IDNumber != relief.MaskedID(relief.DemoID(2)) {
			t.Fatalf("flags: %+v %v", flags, err)
		}
		if c, err := f.svc.StepCounts(ctx, f.leader, f.prog.ID); err != nil || c[relief.StepCounty] != 1 || len(c) != 1 {
			t.Fatalf("step counts: %v %v", c, err)
		}
		if n, _, err := f.svc.Waiting(ctx, f.leader); err != nil || n != 0 {
			t.Fatalf("waiting: %d %v", n, err)
		}
	})
}

// BenchmarkPaymentExport writes the bank list of 10,000 households
// (27,500 people paid).
func BenchmarkPaymentExport(b *testing.B) {
	storetest.BenchEngines(b, func(b *testing.B, db *store.DB) {
		f := setup(b, db)
		ctx := context.Background()
		if err := relief.BenchData(ctx, f.svc, f.prog.ID, county, 10_000); err != nil {
			b.Fatal(err)
		}
		l := f.svc.Ledgers()[0]
		b.ResetTimer()
		for b.Loop() {
			w, err := xlsx.NewWriter(io.Discard, l.ExportSchema())
			if err != nil {
				b.Fatal(err)
			}
			if err := l.Export(ctx, f.admin, url.Values{"programme": {f.prog.ID}}, w); err != nil {
				b.Fatal(err)
			}
			if n := w.Rows(); n < 27_000 {
				b.Fatal(n)
			}
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDuplicateCheckDB is the duplicate check across 100,000 people
// in the database: 36,364 households (100,000 people) in one programme,
// 1,000 of those people again in an overlapping programme of the same
// kind; each run lists the 1,000 flagged people.
func BenchmarkDuplicateCheckDB(b *testing.B) {
	storetest.BenchEngines(b, func(b *testing.B, db *store.DB) {
		f := setup(b, db)
		ctx := context.Background()
		if err := relief.BenchPeople(ctx, f.svc, f.prog.ID, county, 0, 36_364, false); err != nil {
			b.Fatal(err)
		}
		g2, err := f.svc.CreateProgramme(ctx, f.admin, relief.Programme{Name: "冬春救助（追加）", Kind: relief.KindWinterSpring, PeriodFrom: "2022-03-01",
			PeriodTo: "2022-06-30", Standards: []relief.Standard{{Category: "food", Amount: 10000}}})
		if err != nil {
			b.Fatal(err)
		}
		if err := relief.BenchPeople(ctx, f.svc, g2.ID, county, 50_000, 364, false); err != nil {
			b.Fatal(err)
		}
		if db.Engine == store.Postgres { // what autovacuum does after a bulk load
			if _, err := db.W().ExecContext(ctx, "VACUUM ANALYZE relief_member"); err != nil {
				b.Fatal(err)
			}
		}
		var spent time.Duration
		n := 0
		for b.Loop() {
			t0 := time.Now()
			flags, err := f.svc.Flags(ctx, f.admin)
			if err != nil || len(flags) != 1000 {
				b.Fatal(len(flags), err)
			}
			spent += time.Since(t0)
			n++
		}
		b.ReportMetric(float64(spent.Milliseconds())/float64(n), "ms/check")
	})
}
