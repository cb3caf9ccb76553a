package licence_test

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/bureau/licence"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/auth/authtest"
	"yingji/internal/kit/clocktest"
	"yingji/internal/kit/demo"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
	"yingji/internal/kit/xlsx"
	"yingji/internal/kit/xlsx/xlsxtest"
)

const county = "349901"

type fixture struct {
	db    *store.DB
	auth  *auth.Service
	ent   *enterprise.Service
	svc   *licence.Service
	admin *auth.Principal
	now   *clocktest.Clock
	users []string // who the expiry warnings go to
}

func (f *fixture) clock() time.Time { return f.now.Now() }

func (f *fixture) setNow(t time.Time) { f.now.Set(t) }

func setup(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: db, now: clocktest.New(time.Date(2022, 6, 9, 2, 0, 0, 0, time.UTC))}
	o := org.New(db, f.clock)
	f.auth = auth.New(db, o, f.clock, auth.Options{})
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		_, err := o.SaveRegionTx(ctx, tx, audit.System(county), org.Region{Code: county, Kind: "县", Name: "示例县"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := demo.Load(ctx, demo.Services{DB: db, Org: o, Auth: f.auth}, county, io.Discard); err != nil {
		t.Fatal(err)
	}
	f.ent = enterprise.New(db, o, f.clock, nil)
	f.admin = &auth.Principal{UserID: "system", Username: "system", Role: auth.RoleAdmin, CountyCode: county}
	if err := f.ent.Demo(ctx, io.Discard, county, demo.EnterpriseID, nil); err != nil {
		t.Fatal(err)
	}
	n, err := notify.New(db, notify.Config{Now: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	f.users = []string{f.principal(t, "jg1").UserID}
	f.svc = licence.New(licence.Config{DB: db, Enterprise: f.ent, Notify: n, Now: f.clock, CountyName: "示例县",
		Recipients: func(ctx context.Context, county, sectionID, enterpriseID string) ([]string, error) {
			return f.users, nil
		}})
	return f
}

func (f *fixture) principal(t testing.TB, username string) *auth.Principal {
	t.Helper()
	return authtest.Principal(t, f.auth, username)
}

func (f *fixture) enterprises(t testing.TB, sector string) []enterprise.Enterprise {
	t.Helper()
	var out []enterprise.Enterprise
	if err := f.ent.Each(context.Background(), f.admin, enterprise.Filter{Sector: sector}, func(e enterprise.Enterprise) error {
		out = append(out, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(out, func(a, b enterprise.Enterprise) int { return strings.Compare(a.CreditCode, b.CreditCode) })
	return out
}

func (f *fixture) count(t testing.TB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.R().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func step(t *testing.T, f *fixture, p *auth.Principal, id string, act licence.Action) licence.Application {
	t.Helper()
	a, err := f.svc.Act(context.Background(), p, id, act)
	if err != nil {
		t.Fatalf("%s: %v", act.Name, err)
	}
	return a
}

func TestCountyFlowNumbersAndLateDecision(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		jg1, leader, jg2 := f.principal(t, "jg1"), f.principal(t, "leader"), f.principal(t, "jg2")
		retail := f.enterprises(t, "fireworks_retail")

		a, err := f.svc.CreateApplication(ctx, jg1, licence.NewApplication{EnterpriseID: retail[0].ID, Type: licence.TypeFireworksRetail,
			Kind: licence.KindNew, SubmittedOn: "2022-03-01", Scope: "烟花爆竹零售"})
		if err != nil {
			t.Fatal(err)
		}
		// A second open application of the same type is refused.
		if _, err := f.svc.CreateApplication(ctx, jg1, licence.NewApplication{EnterpriseID: retail[0].ID, Type: licence.TypeFireworksRetail,
			Kind: licence.KindNew, SubmittedOn: "2022-03-02"}); errs.Fields(err) == nil || errs.Fields(err)[0].Message != "licence.open_exists" {
			t.Fatalf("second open application: %v", err)
		}
		// The licence type must fit the enterprise's sector.
		if _, err := f.svc.CreateApplication(ctx, jg1, licence.NewApplication{EnterpriseID: retail[1].ID, Type: licence.TypePetrolStation,
			Kind: licence.KindNew, SubmittedOn: "2022-03-02"}); errs.Fields(err) == nil || errs.Fields(err)[0].Field != "type" {
			t.Fatalf("petrol licence for a fireworks retailer: %v", err)
		}
		// A section outside the sector does not see the application at all.
		if _, err := f.svc.GetApplication(ctx, jg2, a.ID); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("other section: %v", err)
		}
		if _, err := f.svc.Act(ctx, jg2, a.ID, licence.Action{Name: licence.ActAccept, Date: "2022-03-01"}); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("other section accepts: %v", err)
		}
		// Leaders decide but do not accept.
		if _, err := f.svc.Act(ctx, leader, a.ID, licence.Action{Name: licence.ActAccept, Date: "2022-03-01"}); errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("leader accepts: %v", err)
		}
		a = step(t, f, jg1, a.ID, licence.Action{Name: licence.ActAccept, Date: "2022-03-01"})
		if a.LimitDays != 20 {
			t.Fatalf("limit fixed at acceptance: %d", a.LimitDays)
		}
		// Deciding before the review is refused by the rule, changing nothing.
		if _, err := f.svc.Act(ctx, leader, a.ID, licence.Action{Name: licence.ActDecide, Date: "2022-03-05", Decision: "granted"}); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("decide before review: %v", err)
		}
		step(t, f, jg1, a.ID, licence.Action{Name: licence.ActReview, Date: "2022-03-02"})

		// A decision after the 20 working days without 超期说明: refused, nothing changes.
		events := f.count(t, `SELECT count(*) FROM licence_event WHERE application_id = $1`, a.ID)
		audits := f.count(t, `SELECT count(*) FROM audit_log`)
		_, err = f.svc.Act(ctx, leader, a.ID, licence.Action{Name: licence.ActDecide, Date: "2022-04-01", Decision: "granted"})
		fe := errs.Fields(err)
		if len(fe) != 1 || fe[0].Field != "overdue_reason" || fe[0].Args["Used"] != 23 || fe[0].Args["Deadline"] != "2022-03-29" {
			t.Fatalf("late decision without a reason: %v", err)
		}
		v, _ := f.svc.GetApplication(ctx, jg1, a.ID)
		if v.State != licence.StateUnderReview || v.DecidedOn != "" || v.DecisionNumber != "" ||
			f.count(t, `SELECT count(*) FROM licence_event WHERE application_id = $1`, a.ID) != events || f.count(t, `SELECT count(*) FROM audit_log`) != audits {
			t.Fatalf("a refused decision changed something: %+v", v.Application)
		}
		if v.Timer == nil || v.Timer.Level != licence.TimerRed || !v.Timer.Overdue {
			t.Fatalf("timer of an overdue application: %+v", v.Timer)
		}
		a = step(t, f, leader, a.ID, licence.Action{Name: licence.ActDecide, Date: "2022-04-01", Decision: "granted", OverdueReason: "现场核查因疫情防控推迟"})
		if a.DecisionNumber != "（示）应急许决〔2022〕1号" || a.OverdueReason == "" {
			t.Fatalf("decision: %+v", a)
		}
		a = step(t, f, jg1, a.ID, licence.Action{Name: licence.ActIssue, Date: "2022-04-02"})
		l, err := f.svc.GetLicence(ctx, jg1, a.LicenceID)
		if err != nil || l.Number != "（示）LS〔2022〕1号" || l.ValidFrom != "2022-04-02" || l.ValidTo != "2024-04-01" || l.Scope != "烟花爆竹零售" ||
			l.Show != licence.ShowValid {
			t.Fatalf("licence: %+v %v", l.Licence, err)
		}
		v, _ = f.svc.GetApplication(ctx, jg1, a.ID)
		var acts []string
		for _, e := range v.Events {
			acts = append(acts, e.Action)
		}
		if !slices.Equal(acts, []string{"submit", "accept", "review", "decide", "issue"}) || v.Events[3].ByName != "王局长" || v.Events[3].On != "2022-04-01" {
			t.Fatalf("timeline: %v %+v", acts, v.Events)
		}

		// Issuing several licences at once gives consecutive serials.
		var ids []string
		for _, e := range retail[1:5] {
			b, err := f.svc.CreateApplication(ctx, jg1, licence.NewApplication{EnterpriseID: e.ID, Type: licence.TypeFireworksRetail, Kind: licence.KindNew, SubmittedOn: "2022-05-05"})
			if err != nil {
				t.Fatal(err)
			}
			step(t, f, jg1, b.ID, licence.Action{Name: licence.ActAccept, Date: "2022-05-05"})
			step(t, f, jg1, b.ID, licence.Action{Name: licence.ActReview, Date: "2022-05-06"})
			step(t, f, jg1, b.ID, licence.Action{Name: licence.ActDecide, Date: "2022-05-20", Decision: "granted"})
			ids = append(ids, b.ID)
		}
		var wg sync.WaitGroup
		errc := make(chan error, len(ids))
		for _, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := f.svc.Act(ctx, jg1, id, licence.Action{Name: licence.ActIssue, Date: "2022-05-23"})
				errc <- err
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Fatalf("concurrent issue: %v", err)
			}
		}
		list, total, err := f.svc.ListLicences(ctx, jg1, licence.LicFilter{Type: licence.TypeFireworksRetail, IssuedFrom: "2022-01-01"})
		var numbers []string
		for _, r := range list {
			numbers = append(numbers, r.Number)
		}
		slices.Sort(numbers)
		want := []string{"（示）LS〔2022〕1号", "（示）LS〔2022〕2号", "（示）LS〔2022〕3号", "（示）LS〔2022〕4号", "（示）LS〔2022〕5号"}
		if err != nil || total != 5 || !slices.Equal(numbers, want) {
			t.Fatalf("numbers: %v %d %v", numbers, total, err)
		}

		// Refusal: a reason, and a decision document number of its own.
		c, _ := f.svc.CreateApplication(ctx, jg1, licence.NewApplication{EnterpriseID: retail[6].ID, Type: licence.TypeFireworksRetail, Kind: licence.KindNew, SubmittedOn: "2022-05-05"})
		step(t, f, jg1, c.ID, licence.Action{Name: licence.ActAccept, Date: "2022-05-05"})
		step(t, f, jg1, c.ID, licence.Action{Name: licence.ActReview, Date: "2022-05-06"})
		if _, err := f.svc.Act(ctx, jg1, c.ID, licence.Action{Name: licence.ActDecide, Date: "2022-05-10", Decision: "refused"}); errs.Fields(err) == nil {
			t.Fatal("a refusal without a reason")
		}
		c = step(t, f, jg1, c.ID, licence.Action{Name: licence.ActDecide, Date: "2022-05-10", Decision: "refused", Reason: "距离学校不足100米"})
		if c.State != licence.StateRefused || c.DecisionNumber != "（示）应急许决〔2022〕6号" {
			t.Fatalf("refusal: %+v", c)
		}
		if _, err := f.svc.Act(ctx, jg1, c.ID, licence.Action{Name: licence.ActIssue, Date: "2022-05-11"}); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("issue after refusal: %v", err)
		}

		// Scope of reading: the enterprise account sees only its own; a town its town.
		qiye := f.principal(t, "qiye")
		if list, _, err := f.svc.ListLicences(ctx, qiye, licence.LicFilter{}); err != nil || len(list) != 0 {
			t.Fatalf("enterprise account sees %d licences (%v)", len(list), err)
		}
		if _, err := f.svc.GetLicence(ctx, qiye, a.LicenceID); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("enterprise account reads another's licence: %v", err)
		}
		town := f.principal(t, "town")
		_, townTotal, _ := f.svc.ListLicences(ctx, town, licence.LicFilter{})
		_, allTotal, _ := f.svc.ListLicences(ctx, f.admin, licence.LicFilter{})
		_, filtered, _ := f.svc.ListLicences(ctx, f.admin, licence.LicFilter{Town: town.RegionCode})
		if townTotal != filtered || allTotal != 5 {
			t.Fatalf("town scope: town sees %d, filter gives %d, all %d", townTotal, filtered, allTotal)
		}
		// Search by enterprise name or number.
		if _, n, _ := f.svc.ListLicences(ctx, f.admin, licence.LicFilter{Q: "LS〔2022〕1号"}); n != 1 {
			t.Fatalf("search by number: %d", n)
		}
		if _, n, _ := f.svc.ListLicences(ctx, f.admin, licence.LicFilter{Q: retail[0].Name}); n != 1 {
			t.Fatalf("search by name: %d", n)
		}

		// Cancellation (注销): a reason, then only once.
		if _, err := f.svc.CancelLicence(ctx, jg1, a.LicenceID, "2022-06-01", ""); errs.Fields(err) == nil {
			t.Fatal("cancel without a reason")
		}
		if _, err := f.svc.CancelLicence(ctx, leader, a.LicenceID, "2022-06-01", "停业"); errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("leader cancels: %v", err)
		}
		if _, err := f.svc.CancelLicence(ctx, jg1, a.LicenceID, "2022-06-01", "企业申请停业注销"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CancelLicence(ctx, jg1, a.LicenceID, "2022-06-02", "again"); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("cancel twice: %v", err)
		}
		if _, n, _ := f.svc.ListLicences(ctx, f.admin, licence.LicFilter{Show: licence.ShowCancelled}); n != 1 {
			t.Fatalf("cancelled filter: %d", n)
		}
		res, err := audit.Verify(ctx, db.R())
		if err != nil || !res.OK() {
			t.Fatalf("audit chain: %+v %v", res, err)
		}
	})
}

func TestPetrolFlowAndExtension(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		jg1 := f.principal(t, "jg1")
		station := f.enterprises(t, "petrol")[0]
		// The station's current city licence, from the register import.
		im, err := f.svc.LicenceLedger(nil).NewImport(ctx, jg1, "")
		if err != nil {
			t.Fatal(err)
		}
		row := xlsx.Row{Num: 2, Values: map[string]string{"credit_code": station.CreditCode, "type": "危险化学品经营许可证（加油站）",
			"number": "（示市）WH安经〔2019〕7号", "issuer": "市应急管理局", "issued_on": "2019-04-01", "valid_from": "2019-04-01", "valid_to": "2022-03-31"}}
		if errs := im.Check(ctx, row); len(errs) > 0 {
			t.Fatalf("import check: %v", errs)
		}
		if n, err := im.Commit(ctx, func(int64, int64) {}); err != nil || n != 1 {
			t.Fatalf("import: %d %v", n, err)
		}
		// An extension names the licence it extends.
		if _, err := f.svc.CreateApplication(ctx, jg1, licence.NewApplication{EnterpriseID: station.ID, Type: licence.TypePetrolStation,
			Kind: licence.KindExtension, PrevNumber: "（示市）WH安经〔2019〕8号", SubmittedOn: "2022-01-10"}); errs.Fields(err) == nil || errs.Fields(err)[0].Field != "prev_number" {
			t.Fatalf("unknown previous licence: %v", err)
		}
		a, err := f.svc.CreateApplication(ctx, jg1, licence.NewApplication{EnterpriseID: station.ID, Type: licence.TypePetrolStation,
			Kind: licence.KindExtension, PrevNumber: "（示市）WH安经〔2019〕7号", SubmittedOn: "2022-01-10"})
		if err != nil {
			t.Fatal(err)
		}
		step(t, f, jg1, a.ID, licence.Action{Name: licence.ActAccept, Date: "2022-01-11"})
		// The county does not decide petrol stations: the rule says so.
		_, err = f.svc.Act(ctx, jg1, a.ID, licence.Action{Name: licence.ActReview, Date: "2022-01-12"})
		if e, ok := errs.As(err); !ok || e.Message != "licence.rule.city_flow" {
			t.Fatalf("county review of a petrol station: %v", err)
		}
		step(t, f, jg1, a.ID, licence.Action{Name: licence.ActPrelim, Date: "2022-01-18", Opinion: "同意延期，报市局审批"})
		if _, err := f.svc.Act(ctx, jg1, a.ID, licence.Action{Name: licence.ActCityResult, Date: "2022-01-20", Decision: "granted"}); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("city result before forwarding: %v", err)
		}
		step(t, f, jg1, a.ID, licence.Action{Name: licence.ActForward, Date: "2022-01-19", Note: "示应急〔2022〕3号"})
		// The city's number must be new.
		_, err = f.svc.Act(ctx, jg1, a.ID, licence.Action{Name: licence.ActCityResult, Date: "2022-02-25", Decision: "granted",
			Number: "（示市）WH安经〔2019〕7号", ValidFrom: "2022-04-01", ValidTo: "2025-03-31"})
		if fe := errs.Fields(err); len(fe) == 0 || fe[0].Message != "licence.number_taken" {
			t.Fatalf("city number taken: %v", err)
		}
		a = step(t, f, jg1, a.ID, licence.Action{Name: licence.ActCityResult, Date: "2022-02-25", Decision: "granted",
			Number: "（示市）WH安经〔2022〕11号", ValidFrom: "2022-04-01", ValidTo: "2025-03-31"})
		l, err := f.svc.GetLicence(ctx, jg1, a.LicenceID)
		if err != nil || l.Issuer != licence.IssuerCity || l.Replaces == nil || l.Replaces.Number != "（示市）WH安经〔2019〕7号" {
			t.Fatalf("city licence: %+v %v", l, err)
		}
		old, _ := f.svc.GetLicence(ctx, jg1, l.ReplacesID)
		if old.Show != licence.ShowReplaced || old.ReplacedBy == nil || old.ReplacedBy.ID != l.ID {
			t.Fatalf("old licence: %+v", old)
		}
		pc, err := f.svc.PrelimReviewed(ctx, f.admin, "", time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2022, 7, 1, 0, 0, 0, 0, time.UTC))
		if err != nil || pc.Total != 1 || pc.Extension != 1 || pc.Forwarded != 1 || pc.IDs[0] != a.ID {
			t.Fatalf("preliminary reviews: %+v %v", pc, err)
		}
		rel, err := f.svc.Related(ctx, jg1, station)
		if err != nil || len(rel) != 2 || rel[0].Count != 1 || rel[1].Count != 0 {
			t.Fatalf("related: %+v %v", rel, err)
		}
	})
}

func TestDemoReproducesFCHEM2AndExpiryWarnings(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		f.setNow(time.Date(2022, 7, 1, 2, 0, 0, 0, time.UTC)) // the report's day; the demo's steps are all before it
		who := licence.DemoPeople{Section: f.principal(t, "jg1"), Leader: f.principal(t, "leader")}
		if err := f.svc.Demo(ctx, io.Discard, county, who); err != nil {
			t.Fatal(err)
		}
		licences := f.count(t, `SELECT count(*) FROM licence`)
		apps := f.count(t, `SELECT count(*) FROM licence_application`)
		events := f.count(t, `SELECT count(*) FROM licence_event`)
		if err := f.svc.Demo(ctx, io.Discard, county, who); err != nil {
			t.Fatal(err)
		}
		if f.count(t, `SELECT count(*) FROM licence`) != licences || f.count(t, `SELECT count(*) FROM licence_application`) != apps ||
			f.count(t, `SELECT count(*) FROM licence_event`) != events {
			t.Fatal("loading the demo twice changed something")
		}
		h1, h2 := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2022, 7, 1, 0, 0, 0, 0, time.UTC)
		dec, err := f.svc.Decisions(ctx, f.admin, "", h1, h2)
		if err != nil || len(dec) != 1 || dec[0].Type != licence.TypeFireworksRetail || dec[0].Granted != 3 || len(dec[0].Grants) != 3 {
			t.Fatalf("F-CHEM-2 fireworks: %+v %v", dec, err)
		}
		pc, err := f.svc.PrelimReviewed(ctx, f.admin, "", h1, h2)
		if err != nil || pc.Total != 11 || pc.Extension+pc.New+pc.Change != 11 || pc.Extension == 0 || pc.New == 0 {
			t.Fatalf("F-CHEM-2 petrol: %+v %v", pc, err)
		}
		// Nothing is counted outside the period.
		if pc, _ := f.svc.PrelimReviewed(ctx, f.admin, "", h2, h2.AddDate(1, 0, 0)); pc.Total != 0 {
			t.Fatalf("second half: %+v", pc)
		}
		// The timers of the demo stayed within the limit.
		list, _, err := f.svc.ListApplications(ctx, f.admin, licence.AppFilter{Limit: 100})
		if err != nil || len(list) != 14 {
			t.Fatalf("applications: %d %v", len(list), err)
		}
		// A town's staff count only their town's applications; the
		// town filter gives the same for the county's staff.
		town := f.principal(t, "town")
		inTown := map[string]bool{}
		for _, r := range list {
			if strings.HasPrefix(r.TownCode, town.RegionCode) {
				inTown[r.ID] = true
			}
		}
		for _, who := range []struct {
			p    *auth.Principal
			town string
		}{{town, ""}, {f.admin, town.RegionCode}} {
			dec, err := f.svc.Decisions(ctx, who.p, who.town, h1, h2)
			if err != nil {
				t.Fatal(err)
			}
			pc, err := f.svc.PrelimReviewed(ctx, who.p, who.town, h1, h2)
			if err != nil {
				t.Fatal(err)
			}
			ids := pc.IDs
			for _, d := range dec {
				ids = append(ids, d.IDs...)
			}
			for _, id := range ids {
				if !inTown[id] {
					t.Errorf("%s (town %q) counts application %s of another town", who.p.Role, who.town, id)
				}
			}
			want := 0
			for _, r := range list {
				if inTown[r.ID] && r.Type == licence.TypePetrolStation && r.PrelimOn >= "2022-01-01" && r.PrelimOn < "2022-07-01" {
					want++
				}
				if inTown[r.ID] && r.DecidedOn >= "2022-01-01" && r.DecidedOn < "2022-07-01" {
					want++
				}
			}
			t.Logf("%s (town %q): %d of the town's applications counted", who.p.Role, who.town, want)
			if len(ids) != want || want == 0 || len(inTown) == len(list) {
				t.Errorf("%s (town %q): %d applications counted, %d of the town's (of 14 in the county)", who.p.Role, who.town, len(ids), want)
			}
		}
		for _, r := range list {
			if r.Timer == nil || r.Timer.Overdue || !r.Timer.Stopped {
				t.Errorf("%s %s: timer %+v", r.EnterpriseName, r.Type, r.Timer)
			}
		}

		// On 2022-07-01 the first retail licences (issued from July 2020)
		// are within 90 days of expiry.
		_, nExpiring, _ := f.svc.ListLicences(ctx, f.admin, licence.LicFilter{Show: licence.ShowExpiring})
		if nExpiring == 0 {
			t.Fatal("no licence expiring in the demo on 2022-07-01")
		}
		_, within30, _ := f.svc.ListLicences(ctx, f.admin, licence.LicFilter{Within: 30})
		sent, err := f.svc.SweepExpiry(ctx, f.clock())
		if err != nil || sent != nExpiring*len(f.users) {
			t.Fatalf("sweep: %d notifications for %d expiring licences, %v", sent, nExpiring, err)
		}
		again, err := f.svc.SweepExpiry(ctx, f.clock())
		if err != nil || again != 0 {
			t.Fatalf("second sweep notified %d (%v)", again, err)
		}
		var key string
		if err := db.R().QueryRowContext(ctx, `SELECT dedupe_key FROM notification WHERE topic = 'licence.expiry' ORDER BY dedupe_key LIMIT 1`).Scan(&key); err != nil ||
			!strings.HasPrefix(key, "licence-expiry:") {
			t.Fatalf("dedupe key %q %v", key, err)
		}
		if n := f.count(t, `SELECT count(*) FROM notification WHERE dedupe_key LIKE '%:30:%'`); n != within30*len(f.users) {
			t.Fatalf("30-day warnings: %d, want %d", n, within30)
		}
		// Later, the same licences reach the next threshold: one more each.
		f.setNow(time.Date(2022, 8, 10, 2, 0, 0, 0, time.UTC))
		later, err := f.svc.SweepExpiry(ctx, f.clock())
		if err != nil || later == 0 {
			t.Fatalf("later sweep: %d %v", later, err)
		}
		if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'licence_expiry_notice'`); n == 0 {
			t.Fatal("sweep not audited")
		}
		open, exp, err := f.svc.HomeCounts(ctx, f.principal(t, "jg1"))
		if err != nil || open != 5 || exp == 0 {
			t.Fatalf("home counts: %d %d %v", open, exp, err)
		}
	})
}

func TestImportWithRowErrors(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		jg1 := f.principal(t, "jg1")
		retail := f.enterprises(t, "fireworks_retail")
		mine := f.enterprises(t, "mine")
		const fw = "烟花爆竹经营（零售）许可证"
		file := xlsxtest.Fill(t, licence.LicenceSchema(), [][]any{
			{"", retail[0].CreditCode, fw, "（示）LS〔2021〕1号", "零售", "", "2021-05-06", "2021-05-06", "2023-05-05", "", "有效", ""},
			{"", "91349901100000099X", fw, "（示）LS〔2021〕2号", "", "", "2021-05-06", "2021-05-06", "2023-05-05", "", "", ""},
			{"", retail[1].CreditCode, fw, "（示）LS〔2021〕1号", "", "", "2021-05-06", "2021-05-06", "2023-05-05", "", "", ""},
			{"", retail[2].CreditCode, fw, "（示）LS〔2021〕3号", "", "", "2021-05-06", "2023-05-06", "2021-05-05", "", "", ""},
			{"", mine[0].CreditCode, fw, "（示）LS〔2021〕4号", "", "", "2021-05-06", "2021-05-06", "2023-05-05", "", "", ""},
			{"", retail[3].CreditCode, "驾驶证", "（示）LS〔2021〕5号", "", "", "2021-05-06", "2021-05-06", "2023-05-05", "", "", ""},
		})
		l := f.svc.LicenceLedger(nil)
		res, err := ledger.Run(ctx, l, jg1, bytes.NewReader(file), ledger.Options{}, nil)
		if errs.KindOf(err) != errs.Invalid || res == nil || res.Committed {
			t.Fatalf("bad file: %+v %v", res, err)
		}
		rows := map[int]string{}
		for _, e := range res.Errors {
			rows[e.Row] += e.Key + ";"
		}
		for row, key := range map[int]string{3: "credit_code", 4: "number", 5: "valid_to", 6: "type", 7: "type"} {
			if !strings.Contains(rows[row], key) {
				t.Errorf("row %d: errors %q, want one on %s", row, rows[row], key)
			}
		}
		if rows[2] != "" {
			t.Errorf("good row reported: %s", rows[2])
		}
		if f.count(t, `SELECT count(*) FROM licence`) != 0 {
			t.Fatal("a bad file imported rows")
		}
		res, err = ledger.Run(ctx, l, jg1, bytes.NewReader(file), ledger.Options{OnlyValid: true}, nil)
		if err != nil || res.Imported != 1 {
			t.Fatalf("only valid rows: %+v %v", res, err)
		}
		// The imported serial is taken: the next issued number follows it
		// only within its own year.
		var y, n int64
		if err := db.R().QueryRowContext(ctx, `SELECT number_year, number_serial FROM licence`).Scan(&y, &n); err != nil || y != 2021 || n != 1 {
			t.Fatalf("imported serial: %d %d %v", y, n, err)
		}
		// Importing the same file again: the number is now in the register.
		res, _ = ledger.Run(ctx, l, jg1, bytes.NewReader(file), ledger.Options{}, nil)
		if res == nil || !strings.Contains(rows2(res), "该许可证编号已在台账中") {
			t.Fatalf("re-import: %+v", res)
		}
		// Export writes the filtered register.
		var buf bytes.Buffer
		w, err := xlsx.NewWriter(&buf, l.Schema)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Export(ctx, jg1, nil, w); err != nil || w.Rows() != 1 {
			t.Fatalf("export: %d rows %v", w.Rows(), err)
		}
		w.Discard()
	})
}

func rows2(res *ledger.Result) string {
	var b strings.Builder
	for _, e := range res.Errors {
		b.WriteString(e.Reason + ";")
	}
	return b.String()
}

// importOne imports one licence row and fails the test on errors.
func importOne(t *testing.T, f *fixture, p *auth.Principal, values map[string]string) []xlsx.CellError {
	t.Helper()
	ctx := context.Background()
	im, err := f.svc.LicenceLedger(nil).NewImport(ctx, p, "")
	if err != nil {
		t.Fatal(err)
	}
	if errs := im.Check(ctx, xlsx.Row{Num: 2, Values: values}); len(errs) > 0 {
		return errs
	}
	if n, err := im.Commit(ctx, func(int64, int64) {}); err != nil || n != 1 {
		t.Fatalf("import: %d %v", n, err)
	}
	return nil
}

// An enterprise holds one licence of a type at a time: a new licence
// overlapping one in force is refused, on the form and in the import,
// unless it names the licence it replaces; the extension window of the
// hazchem licence opens 3 months before expiry, not a day earlier.
func TestOneLicenceInForceAndRenewalWindow(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		jg1 := f.principal(t, "jg1")
		stations := f.enterprises(t, "petrol")
		const typ = "危险化学品经营许可证（加油站）"
		if e := importOne(t, f, jg1, map[string]string{"credit_code": stations[0].CreditCode, "type": typ,
			"number": "（示市）WH安经〔2019〕7号", "issuer": "市应急管理局", "issued_on": "2019-04-01", "valid_from": "2019-04-01", "valid_to": "2022-03-31"}); e != nil {
			t.Fatal(e)
		}
		if e := importOne(t, f, jg1, map[string]string{"credit_code": stations[1].CreditCode, "type": typ,
			"number": "（示市）WH安经〔2020〕3号", "issuer": "市应急管理局", "issued_on": "2020-04-01", "valid_from": "2020-04-01", "valid_to": "2023-03-31"}); e != nil {
			t.Fatal(e)
		}

		// Renewal window: valid to 2022-03-31 → open from 2021-12-31.
		_, err := f.svc.CreateApplication(ctx, jg1, licence.NewApplication{EnterpriseID: stations[0].ID, Type: licence.TypePetrolStation,
			Kind: licence.KindExtension, PrevNumber: "（示市）WH安经〔2019〕7号", SubmittedOn: "2021-12-30"})
		if fe := errs.Fields(err); len(fe) == 0 || fe[0].Message != "licence.renewal_not_open" || fe[0].Args["Opens"] != "2021-12-31" {
			t.Fatalf("extension a day before the window: %v", err)
		}
		ext, err := f.svc.CreateApplication(ctx, jg1, licence.NewApplication{EnterpriseID: stations[0].ID, Type: licence.TypePetrolStation,
			Kind: licence.KindExtension, PrevNumber: "（示市）WH安经〔2019〕7号", SubmittedOn: "2021-12-31"})
		if err != nil {
			t.Fatalf("extension on the first day of the window: %v", err)
		}

		// A new licence overlapping the one in force is refused.
		nw, err := f.svc.CreateApplication(ctx, jg1, licence.NewApplication{EnterpriseID: stations[1].ID, Type: licence.TypePetrolStation,
			Kind: licence.KindNew, SubmittedOn: "2022-05-05"})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{ext.ID, nw.ID} {
			step(t, f, jg1, id, licence.Action{Name: licence.ActAccept, Date: "2022-05-06"})
			step(t, f, jg1, id, licence.Action{Name: licence.ActPrelim, Date: "2022-05-09", Opinion: "同意"})
			step(t, f, jg1, id, licence.Action{Name: licence.ActForward, Date: "2022-05-10"})
		}
		_, err = f.svc.Act(ctx, jg1, nw.ID, licence.Action{Name: licence.ActCityResult, Date: "2022-06-01", Decision: "granted",
			Number: "（示市）WH安经〔2022〕40号", ValidFrom: "2022-06-01", ValidTo: "2025-05-31"})
		if e, ok := errs.As(err); !ok || e.Kind != errs.Conflict || e.Message != "licence.overlap" || e.Args["Number"] != "（示市）WH安经〔2020〕3号" {
			t.Fatalf("overlapping new licence: %v", err)
		}
		if f.count(t, `SELECT count(*) FROM licence WHERE number = $1`, "（示市）WH安经〔2022〕40号") != 0 {
			t.Fatal("the refused licence was written")
		}
		// From the day after the old one ends it is accepted.
		step(t, f, jg1, nw.ID, licence.Action{Name: licence.ActCityResult, Date: "2022-06-01", Decision: "granted",
			Number: "（示市）WH安经〔2022〕40号", ValidFrom: "2023-04-01", ValidTo: "2026-03-31"})

		// The extension replaces the old licence even where they overlap,
		// and ends it in the same step.
		a := step(t, f, jg1, ext.ID, licence.Action{Name: licence.ActCityResult, Date: "2022-06-01", Decision: "granted",
			Number: "（示市）WH安经〔2022〕41号", ValidFrom: "2022-03-01", ValidTo: "2025-02-28"})
		l, err := f.svc.GetLicence(ctx, jg1, a.LicenceID)
		if err != nil || l.Replaces == nil || l.Replaces.Status != licence.LicenceReplaced || l.Replaces.EndedOn != "2022-06-01" {
			t.Fatalf("replacement: %+v %v", l, err)
		}

		// Import: an overlapping row is refused with the rule; naming the
		// licence it replaces ends the old one.
		row := map[string]string{"credit_code": stations[1].CreditCode, "type": typ, "number": "（示市）WH安经〔2022〕50号",
			"issuer": "市应急管理局", "issued_on": "2022-05-01", "valid_from": "2022-05-01", "valid_to": "2025-04-30"}
		if e := importOne(t, f, jg1, row); len(e) != 1 || e[0].Key != "valid_from" || !strings.Contains(e[0].Reason, "（示市）WH安经〔2020〕3号") {
			t.Fatalf("overlapping import: %v", e)
		}
		row["replaces"] = "（示市）WH安经〔2020〕3号"
		if e := importOne(t, f, jg1, row); e == nil || !strings.Contains(e[0].Reason, "（示市）WH安经〔2022〕40号") {
			// the licence issued above (from 2023-04-01) overlaps too
			t.Fatalf("import overlapping a second licence: %v", e)
		}
		row["valid_to"], row["number"] = "2023-03-31", "（示市）WH安经〔2022〕51号"
		if e := importOne(t, f, jg1, row); e != nil {
			t.Fatalf("import replacing: %v", e)
		}
		if f.count(t, `SELECT count(*) FROM licence WHERE number = $1 AND status = $2 AND ended_on = $3`,
			"（示市）WH安经〔2020〕3号", licence.LicenceReplaced, "2022-05-01") != 1 {
			t.Fatal("the replaced licence was not ended by the import")
		}
	})
}
