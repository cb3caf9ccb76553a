package certificate_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"
	"yingji/internal/kit/crypt"

	"github.com/xuri/excelize/v2"

	"yingji/internal/bureau/certificate"
	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/org"
	"yingji/internal/kit/person"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
	"yingji/internal/kit/xlsx"
	"yingji/internal/kit/xlsx/xlsxtest"
)

const county = "349901"

// fixture is a small county: one town, two sections, three enterprises
// and the principals who act on them.
type fixture struct {
	db       *store.DB
	svc      *certificate.Service
	ent      *enterprise.Service
	now      time.Time
	mill     enterprise.Enterprise // metallurgy, above size: in the survey
	mine     enterprise.Enterprise // another section's sector
	shop     enterprise.Enterprise // fireworks retail, small: in the survey (安全生产法 §27, dangerous goods)
	admin    *auth.Principal
	sec      *auth.Principal // 监管二股: metallurgy
	otherSec *auth.Principal // 监管一股: mines
	town     *auth.Principal
	millAcct *auth.Principal // the mill's enterprise account
}

// shanghai is the bureau's zone.
var shanghai = time.FixedZone("CST", 8*3600)

func setup(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: db, now: time.Date(2022, 6, 15, 10, 0, 0, 0, shanghai)}
	clock := func() time.Time { return f.now }
	o := org.New(db, clock)
	sys := audit.System(county)
	var secID string
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for _, r := range []org.Region{{Code: county, Kind: "县", Name: "示例县"}, {Code: county + "100", Kind: "镇", Name: "籍山镇"}} {
			if _, err := o.SaveRegionTx(ctx, tx, sys, r); err != nil {
				return err
			}
		}
		u, err := o.SaveUnitTx(ctx, tx, sys, org.Unit{Kind: org.UnitSection, Name: "监管二股", Sectors: []string{"metallurgy"}})
		secID = u.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f.ent = enterprise.New(db, o, clock, nil)
	f.admin = &auth.Principal{UserID: "u-admin", Username: "admin", DisplayName: "管理员", Role: auth.RoleAdmin, CountyCode: county}
	mk := func(n int, name, sector, scale string) enterprise.Enterprise {
		e, err := f.ent.Create(ctx, f.admin, enterprise.Enterprise{Name: name, CreditCode: enterprise.DemoCreditCode(county, n), TownCode: county + "100",
			Sector: sector, Scale: scale, SectionID: map[bool]string{true: secID}[sector == "metallurgy"], PrincipalName: "王建国", SafetyName: "李志强"})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	f.mill = mk(1, "示例县钢铁厂", "metallurgy", enterprise.ScaleAbove)
	f.mine = mk(2, "示例县石料矿", "mine", enterprise.ScaleAbove)
	f.shop = mk(3, "示例县烟花零售点", "fireworks_retail", enterprise.ScaleBelow)
	f.sec = &auth.Principal{UserID: "u-sec", Username: "jg2", DisplayName: "陈股长", Role: auth.RoleSection, CountyCode: county, Sectors: []string{"metallurgy"}}
	f.otherSec = &auth.Principal{UserID: "u-sec1", Username: "jg1", Role: auth.RoleSection, CountyCode: county, Sectors: []string{"mine"}}
	f.town = &auth.Principal{UserID: "u-town", Username: "town", Role: auth.RoleTown, CountyCode: county, RegionCode: county + "100"}
	f.millAcct = &auth.Principal{UserID: "u-mill", Username: "qiye", Role: auth.RoleEnterprise, CountyCode: county, EnterpriseID: f.mill.ID}
	n, err := notify.New(db, notify.Config{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	recipients := func(ctx context.Context, c, entID, sectionID string) ([]string, []string, error) {
		var sec []string
		if sectionID != "" {
			sec = []string{"u-sec"}
		}
		if entID == f.mill.ID {
			return []string{"u-mill"}, sec, nil
		}
		return nil, sec, nil
	}
	sealer, err := crypt.Load("", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f.svc = certificate.New(db, f.ent, n, clock, recipients).WithSealer(sealer)
	return f
}

// id makes a valid ID number from a 17-digit body.
func id(body string) string {
	c, _ := person.IDCheckChar(body)
	return body + string(c)
}

func competence(ent, role, name, body, issued string) certificate.Certificate {
	return certificate.Certificate{EnterpriseID: ent, PersonName: name, IDNumber: id(body), PersonRole: role, Kind: certificate.KindCompetence,
		Category: "smelting", Number: "皖WH" + body[10:], Authority: "芜湖市应急管理局", IssuedOn: certificate.MustDate(issued)}
}

func notifications(t *testing.T, db *store.DB, topic string) int {
	t.Helper()
	var n int
	if err := db.R().QueryRow(`SELECT count(*) FROM notification WHERE topic = $1`, topic).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestScopeAndMasking(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		c, err := f.svc.Create(ctx, f.sec, competence(f.mill.ID, certificate.RolePrincipal, "王建国", "34990119700101001", "2021-03-01"))
		if err != nil {
			t.Fatal(err)
		}
		if !c.Verified || c.ExpiresOn.String() != "2024-02-29" {
			t.Errorf("created by the section: %+v", c)
		}
		// Section staff of another sector: not found. Out of scope on
		// create too.
		if _, _, err := f.svc.Get(ctx, f.otherSec, c.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("other section reads: %v", err)
		}
		if list, _, _ := f.svc.List(ctx, f.otherSec, certificate.Filter{}); len(list) != 0 {
			t.Errorf("other section lists %d", len(list))
		}
		if _, err := f.svc.Create(ctx, f.sec, competence(f.mine.ID, certificate.RolePrincipal, "赵", "34990119700101002", "2021-03-01")); errs.Fields(err) == nil {
			t.Errorf("section records for another sector's enterprise: %v", err)
		}
		// Town staff sees it, masked.
		got, _, err := f.svc.Get(ctx, f.town, c.ID)
		if err != nil || got.IDNumber != person.MaskID(c.IDNumber) || !strings.HasPrefix(got.IDNumber, "3499****") || !got.IDMasked {
			t.Errorf("town reads: %+v %v", got.IDNumber, err)
		}
		// The enterprise account sees its own in full, never another's.
		if got, _, err := f.svc.Get(ctx, f.millAcct, c.ID); err != nil || got.IDNumber != c.IDNumber {
			t.Errorf("own enterprise reads: %v %v", got.IDNumber, err)
		}
		other, err := f.svc.Create(ctx, f.admin, competence(f.mine.ID, certificate.RolePrincipal, "赵", "34990119700101003", "2021-03-01"))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Get(ctx, f.millAcct, other.ID); errs.KindOf(err) != errs.Forbidden {
			t.Errorf("enterprise account reads another's: %v", err)
		}
		if _, err := f.svc.Create(ctx, f.millAcct, competence(f.mine.ID, certificate.RoleSafety, "钱", "34990119700101004", "2021-03-01")); errs.KindOf(err) != errs.Forbidden {
			t.Errorf("enterprise account records for another: %v", err)
		}
		if _, err := f.svc.Update(ctx, f.millAcct, other.ID, other); errs.KindOf(err) != errs.Forbidden {
			t.Errorf("enterprise account updates another's: %v", err)
		}
		list, total, err := f.svc.List(ctx, f.millAcct, certificate.Filter{})
		if err != nil || total != 1 || list[0].ID != c.ID {
			t.Errorf("enterprise account lists %d: %v", total, err)
		}
		// Its own entry waits for the section's check.
		mine, err := f.svc.Create(ctx, f.millAcct, competence(f.mill.ID, certificate.RoleSafety, "李志强", "34990119800101005", "2022-01-10"))
		if err != nil || mine.Verified {
			t.Fatalf("enterprise entry: %+v %v", mine, err)
		}
		if n, _ := f.svc.Count(ctx, f.sec, certificate.Filter{Pending: true}); n != 1 {
			t.Errorf("pending count %d", n)
		}
		if err := f.svc.Verify(ctx, f.millAcct, mine.ID); errs.KindOf(err) != errs.Forbidden {
			t.Errorf("enterprise verifies itself: %v", err)
		}
		if err := f.svc.Verify(ctx, f.sec, mine.ID); err != nil {
			t.Fatal(err)
		}
		// Duplicate numbers are refused on the number field.
		dup := competence(f.mill.ID, certificate.RoleSafety, "孙", "34990119800101006", "2022-01-10")
		dup.Number = c.Number
		if _, err := f.svc.Create(ctx, f.sec, dup); errs.Fields(err)[0].Field != "number" {
			t.Errorf("duplicate number: %v", err)
		}
		// Filters: status, within, query by ID number.
		if n, _ := f.svc.Count(ctx, f.admin, certificate.Filter{Q: c.IDNumber}); n != 1 {
			t.Errorf("search by ID number: %d", n)
		}
		if n, _ := f.svc.Count(ctx, f.admin, certificate.Filter{Status: certificate.StatusValid}); n != 3 {
			t.Errorf("valid: %d", n)
		}
		if n, _ := f.svc.Count(ctx, f.admin, certificate.Filter{Sector: "mine"}); n != 1 {
			t.Errorf("sector filter: %d", n)
		}
		if err := f.svc.Revoke(ctx, f.sec, c.ID, "人员离职"); err != nil {
			t.Fatal(err)
		}
		if n, _ := f.svc.Count(ctx, f.admin, certificate.Filter{Status: certificate.StatusRevoked}); n != 1 {
			t.Errorf("revoked: %d", n)
		}
		if res, err := audit.Verify(ctx, db.R()); err != nil || !res.OK() {
			t.Errorf("audit chain: %+v %v", res, err)
		}
	})
}

func TestWarningDeadlineAndClearing(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		// The principal holds one; the safety manager's lapsed in 2021.
		if _, err := f.svc.Create(ctx, f.sec, competence(f.mill.ID, certificate.RolePrincipal, "王建国", "34990119700101001", "2021-03-01")); err != nil {
			t.Fatal(err)
		}
		old := competence(f.mill.ID, certificate.RoleSafety, "李志强", "34990119800101005", "2018-04-01")
		if _, err := f.svc.Create(ctx, f.sec, old); err != nil {
			t.Fatal(err)
		}
		res, err := f.svc.Missing(ctx, f.admin, certificate.MissingFilter{})
		if err != nil {
			t.Fatal(err)
		}
		// The mine (no certificate, high-risk), the mill, and the fireworks
		// shop: a small retailer still deals in dangerous goods.
		if res.InScope != 3 || res.Lacking != 3 || len(res.Findings) != 3 {
			t.Fatalf("missing: %+v", res)
		}
		var mill certificate.Finding
		for _, fd := range res.Findings {
			if fd.Enterprise.ID == f.mill.ID {
				mill = fd
			}
		}
		if mill.Principal.Missing || mill.Safety.Reason != certificate.GapExpired || mill.Safety.Since.String() != "2021-03-31" {
			t.Errorf("mill finding: %+v", mill)
		}
		if res, _ := f.svc.Missing(ctx, f.sec, certificate.MissingFilter{}); res.InScope != 1 {
			t.Errorf("section's survey scope: %d", res.InScope)
		}
		if res, _ := f.svc.Missing(ctx, f.admin, certificate.MissingFilter{Sector: "fireworks_retail"}); res.Lacking != 1 {
			t.Errorf("sector filter reaches outside the default scope: %+v", res)
		}
		if res, _ := f.svc.Missing(ctx, f.admin, certificate.MissingFilter{Role: certificate.RolePrincipal}); len(res.Findings) != 2 {
			t.Errorf("principal filter: %d", len(res.Findings))
		}
		// As of 2020 the safety manager's certificate was valid.
		if res, _ := f.svc.Missing(ctx, f.sec, certificate.MissingFilter{AsOf: certificate.MustDate("2020-01-01")}); res.Lacking != 1 || !res.Findings[0].Principal.Missing || res.Findings[0].Safety.Missing {
			t.Errorf("as of 2020: %+v", res.Findings)
		}

		// Warn on 2022-06-10: deadline 2022-09-10, the enterprise account
		// is told once.
		if _, err := f.svc.IssueWarning(ctx, f.town, f.mill.ID, certificate.Date{}, ""); errs.KindOf(err) != errs.Forbidden {
			t.Errorf("town staff warns: %v", err)
		}
		w, err := f.svc.IssueWarning(ctx, f.sec, f.mill.ID, certificate.MustDate("2022-06-10"), "摸底发现")
		if err != nil {
			t.Fatal(err)
		}
		if w.Deadline.String() != "2022-09-10" || len(w.Missing) != 1 || w.Missing[0] != certificate.RoleSafety || w.IssuedByName != "陈股长" {
			t.Errorf("warning: %+v", w)
		}
		if n := notifications(t, db, "certificate.warning"); n != 1 {
			t.Errorf("%d warning notifications, want 1", n)
		}
		if _, err := f.svc.IssueWarning(ctx, f.sec, f.mill.ID, certificate.Date{}, ""); !errs.Is(err, errs.Conflict) {
			t.Errorf("second open warning: %v", err)
		}
		if _, err := f.svc.IssueWarning(ctx, f.sec, f.mill.ID, certificate.MustDate("2022-06-16"), ""); errs.Fields(err) == nil {
			t.Errorf("warning dated tomorrow: %v", err)
		}
		res, _ = f.svc.Missing(ctx, f.sec, certificate.MissingFilter{})
		if res.Warned != 1 || res.Overdue != 0 || res.Findings[0].WarningState != certificate.WarningOpen {
			t.Errorf("after warning: %+v", res)
		}
		// After the deadline it is overdue.
		if res, _ := f.svc.Missing(ctx, f.sec, certificate.MissingFilter{AsOf: certificate.MustDate("2022-09-11"), State: certificate.WarningOverdue}); len(res.Findings) != 1 {
			t.Errorf("overdue on 2022-09-11: %+v", res)
		}
		// The enterprise enters a new certificate: not checked, the
		// warning stays; the section checks it: the warning clears.
		entry := competence(f.mill.ID, certificate.RoleSafety, "李志强", "34990119800101005", "2022-06-12")
		entry.Number = "皖WH-NEW"
		c, err := f.svc.Create(ctx, f.millAcct, entry)
		if err != nil {
			t.Fatal(err)
		}
		res, _ = f.svc.Missing(ctx, f.sec, certificate.MissingFilter{})
		if len(res.Findings) != 1 || res.Findings[0].Safety.Reason != certificate.GapUnverified {
			t.Fatalf("unchecked entry: %+v", res.Findings)
		}
		if err := f.svc.Verify(ctx, f.sec, c.ID); err != nil {
			t.Fatal(err)
		}
		res, _ = f.svc.Missing(ctx, f.sec, certificate.MissingFilter{})
		if res.Lacking != 0 {
			t.Errorf("still lacking after the check: %+v", res.Findings)
		}
		ws, _, err := f.svc.Warnings(ctx, f.sec, certificate.WarningFilter{})
		if err != nil || len(ws) != 1 || ws[0].ClearedOn.String() != "2022-06-15" || ws[0].ClearedBy != c.ID {
			t.Errorf("warning not cleared: %+v %v", ws, err)
		}
		if n, _ := f.svc.WarningsIssued(ctx, f.admin, certificate.MustDate("2022-01-01"), certificate.MustDate("2022-06-30")); n != 1 {
			t.Errorf("warnings issued in H1: %d", n)
		}
		if n, _ := f.svc.WarningsIssued(ctx, f.admin, certificate.MustDate("2022-07-01"), certificate.MustDate("2022-12-31")); n != 0 {
			t.Errorf("warnings issued in H2: %d", n)
		}
		// Nothing is missing any more: no new warning.
		if _, err := f.svc.IssueWarning(ctx, f.sec, f.mill.ID, certificate.Date{}, ""); !errs.Is(err, errs.Conflict) {
			t.Errorf("warning with nothing missing: %v", err)
		}
	})
}

func TestRenewalKeepsThePastPeriods(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		p, err := f.svc.Create(ctx, f.sec, competence(f.mill.ID, certificate.RolePrincipal, "王建国", "34990119700101001", "2019-02-01"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Create(ctx, f.sec, competence(f.mill.ID, certificate.RoleSafety, "李志强", "34990119800101005", "2021-02-01")); err != nil {
			t.Fatal(err)
		}
		// Valid to 2022-01-31 (last valid day), renewed on 2022-06-01.
		after, err := f.svc.Renew(ctx, f.sec, p.ID, certificate.RenewInput{Kind: certificate.RenewRenew, DoneOn: certificate.MustDate("2022-06-01"), Number: "皖WH-2022"})
		if err != nil {
			t.Fatal(err)
		}
		if after.ExpiresOn.String() != "2025-05-31" || after.Number != "皖WH-2022" {
			t.Errorf("renewed: %+v", after)
		}
		rs, err := f.svc.Renewals(ctx, f.sec, p.ID)
		if err != nil || len(rs) != 1 || rs[0].OldExpiresOn.String() != "2022-01-31" || rs[0].RecordedByName != "陈股长" {
			t.Errorf("renewal history: %+v %v", rs, err)
		}
		for day, lacking := range map[string]int{"2021-06-01": 0, "2022-03-01": 1, "2022-06-15": 0} {
			res, err := f.svc.Missing(ctx, f.sec, certificate.MissingFilter{AsOf: certificate.MustDate(day)})
			if err != nil || res.Lacking != lacking {
				t.Errorf("as of %s: %d lacking, want %d (%v)", day, res.Lacking, lacking, err)
			}
		}
		if _, err := f.svc.Renew(ctx, f.sec, p.ID, certificate.RenewInput{Kind: certificate.RenewReview, DoneOn: certificate.MustDate("2022-06-01")}); errs.Fields(err) == nil {
			t.Errorf("review of a competence certificate: %v", err)
		}
	})
}

func TestExpirySweepNotifiesOnce(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		// Ends 2022-07-05 (the last valid day): 20 days after 2022-06-15, threshold 30.
		c, err := f.svc.Create(ctx, f.sec, competence(f.mill.ID, certificate.RolePrincipal, "王建国", "34990119700101001", "2019-07-06"))
		if err != nil {
			t.Fatal(err)
		}
		// Ends in 2025: nothing to say.
		if _, err := f.svc.Create(ctx, f.sec, competence(f.mill.ID, certificate.RoleSafety, "李志强", "34990119800101005", "2022-01-05")); err != nil {
			t.Fatal(err)
		}
		n, err := f.svc.Sweep(ctx)
		if err != nil || n != 2 { // the enterprise account and the section
			t.Fatalf("sweep: %d %v", n, err)
		}
		if n, err := f.svc.Sweep(ctx); err != nil || n != 0 {
			t.Errorf("second sweep: %d %v", n, err)
		}
		var key, body string
		if err := db.R().QueryRow(`SELECT dedupe_key, body FROM notification WHERE topic = 'certificate.expiry' AND recipient_user_id = 'u-mill'`).Scan(&key, &body); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(key, c.ID+":2022-07-05:30:") || !strings.Contains(body, "2022年7月5日") || !strings.Contains(body, "20 天") {
			t.Errorf("notification %q: %s", key, body)
		}
		// Ten days later it is still in the 30-day band: nothing new. A
		// renewal starts a new cycle.
		f.now = f.now.AddDate(0, 0, 10)
		if n, _ := f.svc.Sweep(ctx); n != 0 {
			t.Errorf("same threshold notified again: %d", n)
		}
		if _, err := f.svc.Renew(ctx, f.sec, c.ID, certificate.RenewInput{Kind: certificate.RenewRenew, DoneOn: certificate.MustDate("2022-06-20")}); err != nil {
			t.Fatal(err)
		}
		if n, _ := f.svc.Sweep(ctx); n != 0 {
			t.Errorf("renewed certificate notified: %d", n)
		}
	})
}

func TestSurveyRecordsAndStats(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		if _, err := f.svc.RecordSurvey(ctx, f.town, certificate.MissingFilter{}); errs.KindOf(err) != errs.Forbidden {
			t.Errorf("town records the survey: %v", err)
		}
		n, err := f.svc.RecordSurvey(ctx, f.admin, certificate.MissingFilter{AsOf: certificate.MustDate("2022-05-20")})
		if err != nil || n != 3 { // the mine, the mill and the fireworks shop
			t.Fatalf("survey: %d %v", n, err)
		}
		if n, err := f.svc.RecordSurvey(ctx, f.admin, certificate.MissingFilter{AsOf: certificate.MustDate("2022-05-20")}); err != nil || n != 0 {
			t.Errorf("survey again: %d %v", n, err)
		}
		if _, err := f.svc.RecordSurvey(ctx, f.admin, certificate.MissingFilter{AsOf: certificate.MustDate("2022-07-01")}); errs.Fields(err) == nil {
			t.Errorf("survey in the future: %v", err)
		}
		st, err := f.svc.SurveyStats(ctx, f.admin, certificate.MustDate("2022-01-01"), certificate.MustDate("2022-06-30"))
		if err != nil || st.Checked != 3 || st.Lacking != 3 {
			t.Errorf("stats: %+v %v", st, err)
		}
		if n, _ := f.svc.EnterprisesChecked(ctx, f.sec, certificate.MustDate("2022-01-01"), certificate.MustDate("2022-06-30")); n != 1 {
			t.Errorf("checked in the section's scope: %d", n)
		}
	})
}

func TestImportWithRowErrors(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		l := f.svc.Ledger()
		good := []any{f.mill.CreditCode, f.mill.Name, "王建国", id("34990119700101001"), "主要负责人", "安全生产知识和管理能力考核合格证", "金属冶炼", "皖WH0001", "芜湖市应急管理局", "2021-06-10", "", "", "", ""}
		bad := [][]any{
			good,
			{enterprise.DemoCreditCode(county, 99), "", "赵", id("34990119700101002"), "主要负责人", "安全生产知识和管理能力考核合格证", "金属冶炼", "皖WH0002", "", "2021-06-10"},
			{f.mill.CreditCode, "", "钱", "349901197001010021", "安全管理人员", "安全生产知识和管理能力考核合格证", "金属冶炼", "皖WH0003", "", "2021-06-10"},
			{f.mill.CreditCode, "", "孙", id("34990119700101004"), "安全管理人员", "安全生产知识和管理能力考核合格证", "金属冶炼", "皖WH0004", "", "2021-06-10", "2021-01-01"},
			{f.mill.CreditCode, "", "李", id("34990119700101005"), "安全管理人员", "驾驶证", "金属冶炼", "皖WH0005", "", "2021-06-10"},
			{f.mill.CreditCode, "", "周", id("34990119700101006"), "特种作业人员", "特种作业操作证", "金属冶炼", "T1", "", "2021-06-10"},
			{f.mill.CreditCode, "", "吴", id("34990119700101007"), "安全管理人员", "安全生产知识和管理能力考核合格证", "金属冶炼", "皖WH0001", "", "2021-06-10"},
			// Valid one day longer than 3 years: refused, naming the limit.
			{f.mill.CreditCode, "", "郑", id("34990119700101008"), "安全管理人员", "安全生产知识和管理能力考核合格证", "金属冶炼", "皖WH0008", "", "2021-06-10", "2024-06-10"},
		}
		res, err := ledger.Run(ctx, l, f.sec, bytes.NewReader(xlsxtest.Fill(t, certificate.Schema(), bad)), ledger.Options{}, nil)
		if !errs.Is(err, errs.Invalid) || res == nil || res.Committed {
			t.Fatalf("bad file: %+v %v", res, err)
		}
		want := map[int]string{3: "credit_code", 4: "id_number", 5: "expires_on", 6: "kind", 7: "category", 8: "number", 9: "expires_on"}
		got := map[int]string{}
		for _, e := range res.Errors {
			got[e.Row] = e.Key
			if e.Row == 9 && !strings.Contains(e.Reason, "3 年") || e.Row == 9 && !strings.Contains(e.Reason, "2024-06-09") {
				t.Errorf("row 9: %q does not name the limit", e.Reason)
			}
		}
		for row, key := range want {
			if got[row] != key {
				t.Errorf("row %d: error on %q, want %q (all: %+v)", row, got[row], key, res.Errors)
			}
		}
		if n, _ := f.svc.Count(ctx, f.admin, certificate.Filter{}); n != 0 {
			t.Errorf("a bad file imported %d rows", n)
		}
		res, err = ledger.Run(ctx, l, f.sec, bytes.NewReader(xlsxtest.Fill(t, certificate.Schema(), [][]any{good})), ledger.Options{}, nil)
		if err != nil || res.Imported != 1 {
			t.Fatalf("good file: %+v %v", res, err)
		}
		// The town may not import; the export masks ID numbers for it.
		if _, err := ledger.Run(ctx, l, f.town, bytes.NewReader(xlsxtest.Fill(t, certificate.Schema(), [][]any{good})), ledger.Options{}, nil); errs.KindOf(err) != errs.Forbidden {
			t.Errorf("town imports: %v", err)
		}
		var buf bytes.Buffer
		w, err := xlsx.NewWriter(&buf, l.Schema)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Export(ctx, f.town, nil, w); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		x, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := x.GetRows(x.GetSheetName(0))
		if len(rows) != 2 || rows[1][3] != "3499**********"+id("34990119700101001")[14:] || rows[1][12] != "有效" {
			t.Errorf("export: %v", rows)
		}
	})
}

func TestDemoIsIdempotent(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	f := setup(t, db)
	if err := f.svc.Demo(ctx, io.Discard, county, f.mill.ID, f.sec); err != nil {
		t.Fatal(err)
	}
	n1, _ := f.svc.Count(ctx, f.admin, certificate.Filter{})
	var a1 int
	_ = db.R().QueryRow(`SELECT count(*) FROM audit_log`).Scan(&a1)
	if err := f.svc.Demo(ctx, io.Discard, county, f.mill.ID, f.sec); err != nil {
		t.Fatal(err)
	}
	n2, _ := f.svc.Count(ctx, f.admin, certificate.Filter{})
	var a2 int
	_ = db.R().QueryRow(`SELECT count(*) FROM audit_log`).Scan(&a2)
	if n1 == 0 || n1 != n2 || a1 != a2 {
		t.Errorf("demo twice: %d then %d certificates, %d then %d audit rows", n1, n2, a1, a2)
	}
}

func TestIDNumbersAreSealedAtRest(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		idn := id("34022319800101123")
		c, err := f.svc.Create(ctx, f.admin, competence(f.mill.ID, certificate.RolePrincipal, "王五", "34022319800101123", "2021-03-01"))
		if err != nil {
			t.Fatal(err)
		}
		var stored string
		if err := db.R().QueryRowContext(ctx, `SELECT id_number FROM certificate WHERE id = $1`, c.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored == idn || strings.Contains(stored, "3402231980") {
			t.Fatalf("the ID number is stored in clear: %q", stored)
		}
		got, _, err := f.svc.Get(ctx, f.admin, c.ID)
		if err != nil || got.IDNumber != idn {
			t.Fatalf("admin reads the full number: %v %q", err, got.IDNumber)
		}
		list, _, err := f.svc.List(ctx, f.admin, certificate.Filter{Q: idn})
		if err != nil || len(list) != 1 {
			t.Fatalf("lookup by ID number through the blind index: %v %d", err, len(list))
		}
	})
}

// The form and the API (both Service.Create) refuse a validity longer than
// the kind's, naming it; the last allowed day is accepted.
func TestCreateRefusesValidityOverLimit(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		c := competence(f.mill.ID, certificate.RolePrincipal, "王建国", "34990119700101001", "2022-03-01")
		c.ExpiresOn = certificate.MustDate("2025-03-01")
		_, err := f.svc.Create(ctx, f.sec, c)
		if fe := errs.Fields(err); len(fe) != 1 || fe[0].Field != "expires_on" || fe[0].Message != "certificate.validity_too_long" || fe[0].Args["Max"] != "2025-02-28" {
			t.Fatalf("over the limit: %v", err)
		}
		c.ExpiresOn = certificate.MustDate("2025-02-28")
		if _, err := f.svc.Create(ctx, f.sec, c); err != nil {
			t.Fatalf("the last allowed day: %v", err)
		}
	})
}

// TestSpecialNumberMasked: a 特种作业操作证 number is the holder's ID
// number with a T in front; whoever may not read the ID number sees the
// number masked the same way, in the register, the renewals, the audit
// log and the expiry notification.
func TestSpecialNumberMasked(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		idNo := id("34990119750101001")
		c, err := f.svc.Create(ctx, f.sec, certificate.Certificate{EnterpriseID: f.mill.ID, PersonName: "孙电工", IDNumber: idNo,
			PersonRole: certificate.RoleOperator, Kind: certificate.KindSpecial, Category: "electrician", Number: "T" + idNo,
			Authority: "安徽省应急管理厅", IssuedOn: certificate.MustDate("2019-06-20"), Note: "原证 " + idNo})
		if err != nil {
			t.Fatal(err)
		}
		// Its 复审 falls due within 90 days: the reminder masks the number
		// (notifications also leave by SMS and group robots).
		if n, err := f.svc.Sweep(ctx); err != nil || n == 0 {
			t.Fatalf("sweep: %d %v", n, err)
		}
		var bodies []string
		rows, err := db.R().QueryContext(ctx, `SELECT title || ' ' || body FROM notification WHERE entity_id = $1`, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var b string
			if err := rows.Scan(&b); err != nil {
				t.Fatal(err)
			}
			bodies = append(bodies, b)
		}
		rows.Close()
		for _, b := range bodies {
			if person.ContainsID(b) || !strings.Contains(b, "T"+person.MaskID(idNo)) {
				t.Errorf("reminder: %s", b)
			}
		}
		if len(bodies) == 0 {
			t.Error("no reminder")
		}
		if _, err := f.svc.Renew(ctx, f.sec, c.ID, certificate.RenewInput{Kind: certificate.RenewReview, DoneOn: certificate.MustDate("2022-06-01"),
			Note: "复审 T" + idNo}); err != nil {
			t.Fatal(err)
		}
		want := "T" + person.MaskID(idNo)
		got, _, err := f.svc.Get(ctx, f.town, c.ID)
		if err != nil || got.Number != want || strings.Contains(got.Note, idNo) {
			t.Errorf("town reads number %q note %q (%v), want %q", got.Number, got.Note, err, want)
		}
		list, _, err := f.svc.List(ctx, f.town, certificate.Filter{})
		if err != nil || len(list) != 1 || list[0].Number != want {
			t.Errorf("town lists %+v %v", list, err)
		}
		rs, err := f.svc.Renewals(ctx, f.town, c.ID)
		if err != nil || len(rs) != 1 || rs[0].OldNumber != want || rs[0].NewNumber != want || strings.Contains(rs[0].Note, idNo) {
			t.Errorf("town reads renewals %+v %v", rs, err)
		}
		// The section reads it in full.
		if got, _, err := f.svc.Get(ctx, f.sec, c.ID); err != nil || got.Number != "T"+idNo {
			t.Errorf("section reads %q %v", got.Number, err)
		}
		if rs, _ := f.svc.Renewals(ctx, f.sec, c.ID); len(rs) != 1 || rs[0].OldNumber != "T"+idNo {
			t.Errorf("section reads renewals %+v", rs)
		}
		// The audit log never holds it in clear.
		hist, err := audit.ForEntity(ctx, db.R(), "certificate", c.ID)
		if err != nil || len(hist) != 2 {
			t.Fatalf("history %d %v", len(hist), err)
		}
		for _, h := range hist {
			if person.ContainsID(h.Summary) || !strings.Contains(h.Summary, want) {
				t.Errorf("audit %s: %s", h.Action, h.Summary)
			}
		}
	})
}
