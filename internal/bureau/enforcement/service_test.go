package enforcement_test

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"yingji/internal/bureau/enforcement"
	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/figure"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

const county = "349901"

type fixture struct {
	db     *store.DB
	svc    *enforcement.Service
	ent    *enterprise.Service
	mine   enterprise.Enterprise
	mill   enterprise.Enterprise
	admin  *auth.Principal
	jg1    *auth.Principal // 监管一股: mines
	jg2    *auth.Principal // 监管二股: metallurgy
	leader *auth.Principal
}

func setup(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2022, 6, 30, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
	clock := func() time.Time { return now }
	o := org.New(db, clock)
	sys := audit.System(county)
	secs := map[string]string{}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for _, r := range []org.Region{{Code: county, Kind: "县", Name: "示例县"}, {Code: county + "100", Kind: "镇", Name: "籍山镇"}} {
			if _, err := o.SaveRegionTx(ctx, tx, sys, r); err != nil {
				return err
			}
		}
		for name, sector := range map[string]string{"监管一股": "mine", "监管二股": "metallurgy"} {
			u, err := o.SaveUnitTx(ctx, tx, sys, org.Unit{Kind: org.UnitSection, Name: name, Sectors: []string{sector}})
			if err != nil {
				return err
			}
			secs[sector] = u.ID
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, ent: enterprise.New(db, o, clock, nil)}
	f.admin = &auth.Principal{UserID: "u-admin", Username: "admin", DisplayName: "管理员", Role: auth.RoleAdmin, CountyCode: county}
	f.jg1 = &auth.Principal{UserID: "u-jg1", DisplayName: "李股长", Role: auth.RoleSection, CountyCode: county, Sectors: []string{"mine"}}
	f.jg2 = &auth.Principal{UserID: "u-jg2", DisplayName: "陈股长", Role: auth.RoleSection, CountyCode: county, Sectors: []string{"metallurgy"}}
	f.leader = &auth.Principal{UserID: "u-leader", DisplayName: "局长", Role: auth.RoleLeader, CountyCode: county}
	mk := func(n int, name, sector string) enterprise.Enterprise {
		e, err := f.ent.Create(ctx, f.admin, enterprise.Enterprise{Name: name, CreditCode: enterprise.DemoCreditCode(county, n), TownCode: county + "100",
			Sector: sector, SectionID: secs[sector], PrincipalName: "王建国", SafetyName: "李志强", Address: "籍山镇工业路1号"})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	f.mine = mk(1, "示例县兆丰矿业有限公司", "mine")
	f.mill = mk(2, "示例县籍山镇001号金属制品有限公司", "metallurgy")
	f.svc = enforcement.New(enforcement.Config{DB: db, Enterprise: f.ent, Now: clock, CountyName: "示例县"})
	return f
}

func kindOf(err error) errs.Kind { return errs.KindOf(err) }

func message(err error) string {
	if e, ok := errs.As(err); ok {
		if fs := errs.Fields(err); len(fs) > 0 {
			return fs[0].Message
		}
		return e.Message
	}
	return fmt.Sprint(err)
}

// TestNumberingConcurrent issues 1,000 documents of one kind from 50
// goroutines: every number 1…1000 exactly once, on both engines.
func TestNumberingConcurrent(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		issueMany(t, f, 1000, 50)
	})
}

func issueMany(t testing.TB, f *fixture, total, workers int) time.Duration {
	ctx := context.Background()
	var mu sync.Mutex
	serials := map[int]string{}
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	start := time.Now()
	per := total / workers
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				d, err := f.svc.Issue(ctx, f.jg1, enforcement.NewDocument{Kind: enforcement.KindInspectionRecord, EnterpriseID: f.mine.ID, Officers: "李股长"})
				if err != nil {
					errc <- err
					return
				}
				mu.Lock()
				if prev, dup := serials[d.Serial]; dup {
					errc <- fmt.Errorf("serial %d issued twice (%s, %s)", d.Serial, prev, d.Number)
				}
				serials[d.Serial] = d.Number
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	for i := 1; i <= total; i++ {
		want := fmt.Sprintf("（示）应急检记〔2022〕%d号", i)
		if serials[i] != want {
			t.Fatalf("serial %d: %q, want %q (gap or wrong number)", i, serials[i], want)
		}
	}
	var n, distinct int
	if err := f.db.R().QueryRowContext(ctx, `SELECT count(*), count(DISTINCT number) FROM enf_document`).Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	if n != total || distinct != total {
		t.Fatalf("%d rows, %d distinct numbers, want %d", n, distinct, total)
	}
	return took
}

// BenchmarkIssueConcurrent measures documents issued per second from 50
// concurrent writers.
func BenchmarkIssueConcurrent(b *testing.B) {
	storetest.BenchEngines(b, func(b *testing.B, db *store.DB) {
		f := setup(b, db)
		b.ResetTimer()
		took := issueMany(b, f, 1000, 50)
		b.ReportMetric(1000/took.Seconds(), "docs/s")
	})
}

func TestPrerequisitesRefused(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		_, err := f.svc.Issue(ctx, f.jg1, enforcement.NewDocument{Kind: enforcement.KindReview, EnterpriseID: f.mine.ID, HazardIDs: []string{"h1"}})
		if kindOf(err) != errs.Conflict || message(err) != "enforcement.rule.review_needs_order" {
			t.Fatalf("review without order: %v", err)
		}
		var n int
		_ = db.R().QueryRowContext(ctx, `SELECT count(*) FROM enf_doc_counter`).Scan(&n)
		if n != 0 {
			t.Errorf("a refused document left a counter row")
		}
		o, err := f.svc.Issue(ctx, f.jg1, enforcement.NewDocument{Kind: enforcement.KindOrder, EnterpriseID: f.mine.ID, HazardIDs: []string{"h1", "h2"},
			Deadline: "2022-07-30", InspectionID: "insp-1"})
		if err != nil || o.Number != "（示）应急责改〔2022〕1号" {
			t.Fatalf("order: %v %q", err, o.Number)
		}
		if _, err := f.svc.Issue(ctx, f.jg1, enforcement.NewDocument{Kind: enforcement.KindReview, EnterpriseID: f.mine.ID, HazardIDs: []string{"h3"}}); message(err) != "enforcement.rule.review_needs_order" {
			t.Errorf("review of a hazard not ordered: %v", err)
		}
		r, err := f.svc.Issue(ctx, f.jg1, enforcement.NewDocument{Kind: enforcement.KindReview, EnterpriseID: f.mine.ID, HazardIDs: []string{"h2"}})
		if err != nil || r.Number != "（示）应急复查〔2022〕1号" {
			t.Fatalf("review: %v %q", err, r.Number)
		}
		if _, err := f.svc.Issue(ctx, f.jg1, enforcement.NewDocument{Kind: enforcement.KindDecision, EnterpriseID: f.mine.ID}); kindOf(err) != errs.Conflict {
			t.Errorf("decision outside a case: %v", err)
		}
		// Scope: 监管二股 issues nothing for a mine, and reads no mine document.
		if _, err := f.svc.Issue(ctx, f.jg2, enforcement.NewDocument{Kind: enforcement.KindOrder, EnterpriseID: f.mine.ID}); err == nil {
			t.Error("another section issued for a mine")
		}
		if _, err := f.svc.GetDocument(ctx, f.jg2, o.ID); kindOf(err) != errs.NotFound {
			t.Errorf("another section read a mine document: %v", err)
		}
		list, _, err := f.svc.ListDocuments(ctx, f.jg1, enforcement.DocFilter{InspectionID: "insp-1"})
		if err != nil || len(list) != 1 || list[0].ID != o.ID {
			t.Errorf("by inspection: %v %d", err, len(list))
		}
		// A hazard step's number comes from the register in its transaction.
		var num string
		err = db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			num, err = f.svc.HazardNumber(ctx, tx, f.jg1, "order", f.mine.ID, []string{"h9"})
			return err
		})
		if err != nil || num != "（示）应急责改〔2022〕2号" {
			t.Errorf("hazard order number: %v %q", err, num)
		}
	})
}

func TestCaseFlow(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		if _, err := f.svc.OpenCase(ctx, f.jg1, enforcement.NewCase{EnterpriseID: f.mine.ID, Cause: "x", LegalBasis: "nope"}); kindOf(err) != errs.Invalid {
			t.Fatalf("unknown basis: %v", err)
		}
		c, err := f.svc.OpenCase(ctx, f.jg1, enforcement.NewCase{EnterpriseID: f.mine.ID, Cause: "值班人员脱岗", CauseKind: "duty_keeping",
			LegalBasis: "penalty_45", FoundOn: "2022-03-01"})
		if err != nil {
			t.Fatal(err)
		}
		step := func(p *auth.Principal, in enforcement.StepInput) (enforcement.Case, error) {
			return f.svc.Step(ctx, p, c.ID, in)
		}
		if _, err := step(f.jg1, enforcement.StepInput{Action: enforcement.ActApproveFiling}); kindOf(err) != errs.Forbidden {
			t.Errorf("section approved: %v", err)
		}
		admin2 := *f.admin
		admin2.UserID = "u-jg1" // the drafter, as administrator
		if _, err := step(&admin2, enforcement.StepInput{Action: enforcement.ActApproveFiling}); message(err) != "enforcement.rule.four_eyes" {
			t.Errorf("own draft approved: %v", err)
		}
		if _, err := step(f.jg1, enforcement.StepInput{Action: enforcement.ActNotify, FineYuan: "4000"}); message(err) != "enforcement.rule.notify_needs_investigation" {
			t.Errorf("notified before filing: %v", err)
		}
		if _, err := step(f.leader, enforcement.StepInput{Action: enforcement.ActApproveFiling, On: "2022-03-03"}); err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"-1", "30000.01"} {
			_, err := step(f.jg1, enforcement.StepInput{Action: enforcement.ActNotify, FineYuan: bad})
			if kindOf(err) != errs.Invalid || !strings.HasPrefix(message(err), "enforcement.rule.fine_") {
				t.Errorf("fine %s: %v", bad, err)
			}
		}
		if _, err := step(f.jg1, enforcement.StepInput{Action: enforcement.ActNotify, FineYuan: "4000", On: "2022-03-10"}); err != nil {
			t.Fatal(err)
		}
		if _, err := step(f.jg1, enforcement.StepInput{Action: enforcement.ActDecide, FineYuan: "4000", Payment: "once", On: "2022-03-18"}); err != nil {
			t.Fatal(err)
		}
		if _, err := step(f.jg1, enforcement.StepInput{Action: enforcement.ActPay, Amount: "1000"}); message(err) != "enforcement.rule.pay_whole_fine" {
			t.Errorf("part of a once fine: %v", err)
		}
		for _, in := range []enforcement.StepInput{{Action: enforcement.ActPay, Amount: "4000", On: "2022-03-25"}, {Action: enforcement.ActClose}} {
			if _, err := step(f.jg1, in); err != nil {
				t.Fatal(in.Action, err)
			}
		}
		c, err = step(f.leader, enforcement.StepInput{Action: enforcement.ActApproveClose})
		if err != nil || c.State != enforcement.StateClosed || c.FineFen != 400000 || c.PaidFen != 400000 {
			t.Fatalf("closed: %v %+v", err, c)
		}
		docs, _, err := f.svc.ListDocuments(ctx, f.admin, enforcement.DocFilter{CaseID: c.ID})
		if err != nil || len(docs) != 4 {
			t.Fatalf("case documents: %v %d", err, len(docs))
		}
		var got []string
		for _, d := range docs {
			got = append(got, d.Number)
		}
		for _, want := range []string{"（示）应急立审〔2022〕1号", "（示）应急罚告〔2022〕1号", "（示）应急罚决〔2022〕1号", "（示）应急结审〔2022〕1号"} {
			if !strings.Contains(strings.Join(got, " "), want) {
				t.Errorf("no %s in %v", want, got)
			}
		}
		pays, err := f.svc.Payments(ctx, f.admin, c.ID)
		if err != nil || len(pays) != 1 || pays[0].AmountFen != 400000 {
			t.Errorf("fines ledger: %v %+v", err, pays)
		}
		// Figures from records: F-MINE-2 and the measures of F-BIG-4.
		for i := 0; i < 3; i++ {
			if _, err := f.svc.RecordMeasure(ctx, f.jg1, enforcement.NewMeasure{Kind: enforcement.MeasureInterview, EnterpriseID: f.mine.ID, OnDay: "2022-04-01"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.svc.RecordMeasure(ctx, f.jg1, enforcement.NewMeasure{Kind: "other", EnterpriseID: f.mine.ID}); kindOf(err) != errs.Invalid {
			t.Errorf("unknown measure: %v", err)
		}
		per, _ := figure.NewPeriod("2022-01-01", "2022-06-30")
		vals := map[string]figure.Value{}
		for _, fig := range f.svc.Figures() {
			v, err := fig.Count(ctx, figure.Query{Period: per, P: f.admin, Records: true})
			if err != nil {
				t.Fatal(fig.ID, err)
			}
			vals[fig.ID] = v
		}
		if v := vals["F-MINE-2"]; v.Get("cases").Value != 1 || v.Get("fines").Value != 400000 || len(v.Get("cases").Records) != 1 {
			t.Errorf("F-MINE-2: %+v", v)
		}
		if v := vals["F-BIG-4"]; v.Get("interviews").Value != 3 || v.Get("suspensions").Value != 0 {
			t.Errorf("F-BIG-4: %+v", v)
		}
		if v := vals["F-MINE-1"]; v.Get("documents").Value != 4 {
			t.Errorf("mine documents: %+v", v)
		}
	})
}

// TestDocumentPDF prints a 指令书 and reads it back with pdftotext: the
// number and the enterprise are in the text.
func TestDocumentPDF(t *testing.T) {
	db := storetest.SQLite(t)
	f := setup(t, db)
	ctx := context.Background()
	d, err := f.svc.Issue(ctx, f.jg1, enforcement.NewDocument{Kind: enforcement.KindOrder, EnterpriseID: f.mine.ID, Deadline: "2022-07-15",
		Officers: "李股长（执法证号 34019901）、王志强（执法证号 34019907）"})
	if err != nil {
		t.Fatal(err)
	}
	set, _ := f.svc.Settings(ctx, county)
	var buf bytes.Buffer
	if err := enforcement.RenderPDF(&buf, set, d, f.mine); err != nil {
		t.Fatal(err)
	}
	path, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatal("pdftotext is needed (poppler-utils)")
	}
	cmd := exec.Command(path, "-", "-")
	cmd.Stdin = &buf
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(out)), "")
	for _, want := range []string{"（示）应急责改〔2022〕1号", "示例县兆丰矿业有限公司", "责令限期整改指令书", "示例县应急管理局"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q:\n%s", want, out)
		}
	}
}
