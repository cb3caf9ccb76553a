package supervise_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"yingji/internal/bureau/hazard"
	"yingji/internal/bureau/hazard/supervise"
	"yingji/internal/kit/attach"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/pdfdoc"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

func TestLetters(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		jg1, jg2, qiye, leader := f.p(t, "jg1"), f.p(t, "jg2"), f.p(t, "qiye"), f.p(t, "leader")
		h := f.ordered(t, "井下安全出口标识缺失", "2022-05-01", "2022-06-01", hazard.General)
		in := supervise.LetterInput{HazardID: h.ID, IssuedOn: "2022-05-20", Deadline: "2022-07-01", Measures: "立即设置安全出口标识"}
		// Not overdue on the day of issue: refused, naming the rule.
		_, err := f.svc.IssueLetter(ctx, jg1, in)
		wantRule(t, err, "supervise.rule.letter_not_overdue")
		// The enterprise may not issue; 监管二股 does not see a mine's hazard.
		if _, err := f.svc.IssueLetter(ctx, qiye, in); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("enterprise issued a letter: %v", err)
		}
		in.IssuedOn = "2022-06-05"
		_, err = f.svc.IssueLetter(ctx, jg2, in)
		wantRule(t, err, "supervise.hazard_unknown")
		in.Deadline = "2022-06-05"
		_, err = f.svc.IssueLetter(ctx, jg1, in)
		wantRule(t, err, "supervise.rule.deadline_after_issue")
		in.Deadline, in.Measures = "2022-07-01", " "
		_, err = f.svc.IssueLetter(ctx, jg1, in)
		wantRule(t, err, "field.required")
		in.Measures = "立即设置安全出口标识"
		l, err := f.svc.IssueLetter(ctx, jg1, in)
		if err != nil || l.Number != "示安委办督〔2022〕1号" || l.State != supervise.LetterIssued || l.Issuer != "示例县人民政府安全生产委员会办公室" {
			t.Fatalf("letter: %v %+v", err, l)
		}
		_, err = f.svc.IssueLetter(ctx, leader, in)
		wantRule(t, err, "supervise.rule.letter_running")
		h2 := f.ordered(t, "主井提升机制动闸瓦磨损超限", "2022-05-01", "2022-05-20", hazard.Major)
		l2, err := f.svc.IssueLetter(ctx, leader, supervise.LetterInput{HazardID: h2.ID, IssuedOn: "2022-06-01", Deadline: "2022-06-08", Measures: "更换闸瓦"})
		if err != nil || l2.Number != "示安委办督〔2022〕2号" {
			t.Fatalf("second letter: %v %+v", err, l2)
		}
		// The enterprise sees its letters, 监管二股 none.
		if list, total, _ := f.svc.Letters(ctx, qiye, supervise.LetterFilter{}); total != 2 || list[0].Number != l.Number {
			t.Fatalf("enterprise letters: %d %+v", total, list)
		}
		if _, total, _ := f.svc.Letters(ctx, jg2, supervise.LetterFilter{}); total != 0 {
			t.Fatalf("监管二股 sees %d letters", total)
		}
		// The sweep: the hazard closed → rectified; the other past its deadline → overdue.
		f.close(t, h.ID, "2022-06-09")
		f.clock.set("2022-06-10")
		if r := f.sweep(t); r.Letters != 1 { // the other was overdue when issued
			t.Fatalf("letter states: %+v", r)
		}
		v, err := f.svc.GetLetter(ctx, qiye, l.ID)
		if err != nil || v.State != supervise.LetterRectified || v.RectifiedOn != "2022-06-09" || len(v.Events) != 1 {
			t.Fatalf("rectified: %v %+v", err, v)
		}
		if v, _ := f.svc.GetLetter(ctx, jg1, l2.ID); v.State != supervise.LetterOverdue {
			t.Fatalf("overdue: %+v", v.Letter)
		}
		// A closed hazard gets no letter.
		_, err = f.svc.IssueLetter(ctx, jg1, supervise.LetterInput{HazardID: h.ID, IssuedOn: "2022-06-10", Deadline: "2022-07-01", Measures: "x"})
		wantRule(t, err, "supervise.rule.closed")
		st, err := f.svc.LetterStats(ctx, leader, "2022-01-01", "2022-06-30")
		if err != nil || st.Issued != 2 || st.Rectified != 1 || st.Overdue != 1 {
			t.Fatalf("letter stats: %v %+v", err, st)
		}
		// The PDF: a letter with the number, the enterprise and the deadline.
		pdf := renderPDF(t, supervise.LetterDoc(v.Letter, v.Hazard, supervise.DocContext{CountyName: "示例县", TownName: "工山镇"}))
		text := pdfText(t, pdf)
		for _, want := range []string{"督办函", "示安委办督", "2022", "整改措施", "示例县人民政府安全生产委员会办公室"} {
			if !strings.Contains(text, want) {
				t.Fatalf("PDF text lacks %q:\n%s", want, text)
			}
		}
		auditOK(t, db)
	})
}

func TestListingLifecycle(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		jg1, qiye, leader := f.p(t, "jg1"), f.p(t, "qiye"), f.p(t, "leader")
		general := f.ordered(t, "井口未设置栅栏", "2022-05-01", "2022-06-30", hazard.General)
		in := supervise.ListingInput{HazardID: general.ID, Level: supervise.LevelCounty, ListedOn: "2022-05-10"}
		_, err := f.svc.ListHazard(ctx, jg1, in)
		wantRule(t, err, "supervise.rule.listing_not_major")
		// A major hazard graded but not ordered.
		r, err := f.hz.Report(ctx, jg1, hazard.NewHazard{EnterpriseID: general.EnterpriseID, Source: hazard.SourceThirdParty, Description: "与相邻矿山井巷贯通", FoundOn: "2022-05-02"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.hz.Do(ctx, jg1, r.ID, hazard.StepInput{Action: hazard.ActGrade, Grade: hazard.Major, Clause: "ks98-d-3"}, nil); err != nil {
			t.Fatal(err)
		}
		in.HazardID = r.ID
		_, err = f.svc.ListHazard(ctx, jg1, in)
		wantRule(t, err, "supervise.rule.listing_not_ordered")

		major := f.ordered(t, "第二安全出口与设计不一致", "2022-05-01", "2022-08-31", hazard.Major)
		in.HazardID = major.ID
		if _, err := f.svc.ListHazard(ctx, qiye, in); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("enterprise listed: %v", err)
		}
		in.ListedOn = "2022-04-30"
		_, err = f.svc.ListHazard(ctx, jg1, in)
		wantRule(t, err, "supervise.rule.before_found")
		in.ListedOn = "2022-05-10"
		l, err := f.svc.ListHazard(ctx, jg1, in)
		if err != nil || l.Number != "示安委办挂〔2022〕1号" || l.Deadline != "2022-08-31" || l.Responsible != major.PlaceName || l.State != supervise.ListingListed {
			t.Fatalf("listing: %v %+v", err, l)
		}
		if h := f.get(t, major.ID); !h.Listed {
			t.Fatal("the hazard is not marked listed")
		}
		_, err = f.svc.ListHazard(ctx, leader, in)
		wantRule(t, err, "supervise.rule.already_listed")
		// Not published within 5 working days (05-10 → 05-17): a warning, not a refusal.
		v, _ := f.svc.GetListing(ctx, qiye, l.ID)
		if !v.PublishLate || v.PublishBy != "2022-05-17" {
			t.Fatalf("publication warning: late %v by %s", v.PublishLate, v.PublishBy)
		}
		if _, err := f.svc.Publish(ctx, jg1, l.ID, supervise.StepInput{On: "2022-05-20"}); err != nil {
			t.Fatalf("a late publication is recorded: %v", err)
		}
		// Acceptance needs the rectification reported (待复查) first.
		_, err = f.svc.RequestAcceptance(ctx, qiye, l.ID, supervise.StepInput{On: "2022-06-01"})
		wantRule(t, err, "supervise.rule.acceptance_not_rectified")
		_, err = f.svc.Accept(ctx, leader, l.ID, supervise.StepInput{On: "2022-06-01", Pass: true})
		wantRule(t, err, "supervise.rule.acceptance_not_requested")
		if _, err := f.hz.Do(ctx, qiye, major.ID, hazard.StepInput{Action: hazard.ActSubmit, On: "2022-06-01"}, []attach.Upload{photo(t)}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.RequestAcceptance(ctx, qiye, l.ID, supervise.StepInput{On: "2022-06-02"}); err != nil {
			t.Fatal(err)
		}
		// Failed: returned for more work, a new request is needed.
		_, err = f.svc.Accept(ctx, leader, l.ID, supervise.StepInput{On: "2022-06-03", Pass: false})
		wantRule(t, err, "supervise.reason_required")
		if l, err = f.svc.Accept(ctx, leader, l.ID, supervise.StepInput{On: "2022-06-03", Pass: false, Note: "泄爆口未完成"}); err != nil || l.AcceptanceRequestedOn != "" {
			t.Fatalf("failed acceptance: %v %+v", err, l)
		}
		if h := f.get(t, major.ID); h.State != hazard.Rectifying {
			t.Fatalf("returned hazard state %s", h.State)
		}
		if _, err := f.hz.Do(ctx, qiye, major.ID, hazard.StepInput{Action: hazard.ActSubmit, On: "2022-06-05"}, []attach.Upload{photo(t)}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.RequestAcceptance(ctx, qiye, l.ID, supervise.StepInput{On: "2022-06-05"}); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Delist(ctx, leader, l.ID, supervise.StepInput{On: "2022-06-06"})
		wantRule(t, err, "supervise.rule.delist_not_accepted")
		if l, err = f.svc.Accept(ctx, leader, l.ID, supervise.StepInput{On: "2022-06-06", Pass: true, DocNumber: "（示）应急复查〔2022〕9号", Note: "整改到位"}); err != nil ||
			l.State != supervise.ListingAccepted || l.AcceptedBy != "王局长" {
			t.Fatalf("accept: %v %+v", err, l)
		}
		if l, err = f.svc.Delist(ctx, leader, l.ID, supervise.StepInput{On: "2022-06-08"}); err != nil || l.State != supervise.ListingDelisted {
			t.Fatalf("delist: %v %+v", err, l)
		}
		h := f.get(t, major.ID)
		if h.State != hazard.Closed || h.ClosedOn != "2022-06-08" || h.ReviewNumber != "（示）应急复查〔2022〕9号" {
			t.Fatalf("hazard after delisting: %+v", h)
		}
		// The hazard's own timeline shows the acceptance and the closure.
		tl, err := f.hz.Timeline(ctx, jg1, major.ID)
		if err != nil {
			t.Fatal(err)
		}
		acts := map[hazard.Action]int{}
		for _, e := range tl {
			acts[e.Action]++
		}
		// (The test clock stands still: the steps share one timestamp, so
		// their order on the timeline is not asserted.)
		if acts[hazard.ActSubmit] != 2 || acts[hazard.ActReturn] != 1 || acts[hazard.ActVerify] != 1 || acts[hazard.ActClose] != 1 {
			t.Fatalf("hazard timeline: %v", acts)
		}
		v, err = f.svc.GetListing(ctx, qiye, l.ID)
		if err != nil || len(v.Events) != 7 {
			t.Fatalf("listing timeline: %v %d %+v", err, len(v.Events), v.Events)
		}
		pdf := renderPDF(t, supervise.ListingDoc(v.Listing, v.Hazard, supervise.DocContext{CountyName: "示例县"}))
		if text := pdfText(t, pdf); !strings.Contains(text, "挂牌督办通知书") || !strings.Contains(text, "示安委办挂") {
			t.Fatalf("listing PDF:\n%s", text)
		}
		// City level needs the higher body's number and name.
		other := f.ordered(t, "主排水泵能力不足", "2022-05-01", "2022-09-30", hazard.Major)
		_, err = f.svc.ListHazard(ctx, jg1, supervise.ListingInput{HazardID: other.ID, Level: supervise.LevelCity, ListedOn: "2022-06-01"})
		wantRule(t, err, "field.required")
		if _, err := f.svc.ListHazard(ctx, jg1, supervise.ListingInput{HazardID: other.ID, Level: supervise.LevelCity, ListedOn: "2022-06-01",
			Issuer: "市安委办", Number: "市安办〔2022〕12号", PublishedOn: "2022-06-02"}); err != nil {
			t.Fatal(err)
		}
		st, err := f.svc.ListingStats(ctx, leader, "2022-01-01", "2022-06-30", "")
		if err != nil || st.Major != 3 || st.Listed != 2 || st.Rectified != 1 || st.Extended != 0 {
			t.Fatalf("listing stats: %v %+v", err, st)
		}
		auditOK(t, db)
	})
}

func TestExtensions(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		jg1, jg2, qiye, leader, town := f.p(t, "jg1"), f.p(t, "jg2"), f.p(t, "qiye"), f.p(t, "leader"), f.p(t, "town")
		h := f.ordered(t, "通风系统不完善", "2022-05-01", "2022-06-30", hazard.Major)
		in := supervise.ExtensionInput{HazardID: h.ID, RequestedDeadline: "2022-06-20", Reason: "设备到货延迟"}
		_, err := f.svc.RequestExtension(ctx, qiye, in)
		wantRule(t, err, "supervise.rule.extension_later")
		in.RequestedDeadline, in.Reason = "2022-08-31", ""
		_, err = f.svc.RequestExtension(ctx, qiye, in)
		wantRule(t, err, "field.required")
		if _, err := f.svc.RequestExtension(ctx, town, in); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("town requested: %v", err)
		}
		in.Reason = "设备到货延迟"
		x, err := f.svc.RequestExtension(ctx, qiye, in)
		if err != nil || x.State != supervise.ExtPending || x.CurrentDeadline != "2022-06-30" {
			t.Fatalf("request: %v %+v", err, x)
		}
		_, err = f.svc.RequestExtension(ctx, jg1, in)
		wantRule(t, err, "supervise.rule.extension_pending")
		if _, err := f.svc.DecideExtension(ctx, qiye, x.ID, supervise.DecisionInput{Approve: true}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("the enterprise decided: %v", err)
		}
		if _, err := f.svc.DecideExtension(ctx, jg2, x.ID, supervise.DecisionInput{Approve: true}); !errs.Is(err, errs.NotFound) {
			t.Fatalf("监管二股 decided a mine's request: %v", err)
		}
		_, err = f.svc.DecideExtension(ctx, jg1, x.ID, supervise.DecisionInput{Approve: false})
		wantRule(t, err, "supervise.reason_required")
		if x, err = f.svc.DecideExtension(ctx, jg1, x.ID, supervise.DecisionInput{Approve: false, Reason: "理由不充分"}); err != nil || x.State != supervise.ExtRefused {
			t.Fatalf("refuse: %v %+v", err, x)
		}
		if c := f.get(t, h.ID); c.Deadline != "2022-06-30" || c.Extensions != 0 {
			t.Fatalf("a refusal moved the deadline: %+v", c)
		}
		_, err = f.svc.DecideExtension(ctx, jg1, x.ID, supervise.DecisionInput{Approve: true})
		wantRule(t, err, "supervise.rule.extension_decided")
		// A second request, approved by a leader (not an actor of the loop).
		x2, err := f.svc.RequestExtension(ctx, qiye, supervise.ExtensionInput{HazardID: h.ID, RequestedOn: "2022-06-08", RequestedDeadline: "2022-08-31", Reason: "设备到货延迟，附到货证明"})
		if err != nil {
			t.Fatal(err)
		}
		if x2, err = f.svc.DecideExtension(ctx, leader, x2.ID, supervise.DecisionInput{Approve: true}); err != nil || x2.State != supervise.ExtApproved || x2.DecidedByName != "王局长" {
			t.Fatalf("approve: %v %+v", err, x2)
		}
		c := f.get(t, h.ID)
		if c.Deadline != "2022-08-31" || c.Extensions != 1 {
			t.Fatalf("after approval: %+v", c)
		}
		tl, _ := f.hz.Timeline(ctx, jg1, h.ID)
		if last := tl[len(tl)-1]; last.Action != hazard.ActExtend || last.ByName != "王局长" || last.Deadline != "2022-08-31" {
			t.Fatalf("timeline: %+v", last)
		}
		counts, err := f.svc.CountExtensions(ctx, qiye, h.ID)
		if err != nil || counts.Requested != 2 || counts.Approved != 1 || counts.Refused != 1 {
			t.Fatalf("history counted: %v %+v", err, counts)
		}
		v, err := f.svc.GetExtension(ctx, qiye, x2.ID)
		if err != nil || len(v.History) != 2 || len(v.Events) != 2 {
			t.Fatalf("view: %v %+v", err, v)
		}
		// Closed: refused with the rule.
		f.close(t, h.ID, "2022-06-09")
		_, err = f.svc.RequestExtension(ctx, qiye, supervise.ExtensionInput{HazardID: h.ID, RequestedDeadline: "2022-12-31", Reason: "x"})
		wantRule(t, err, "supervise.rule.extension_closed")
		auditOK(t, db)
	})
}

func TestScopeMatchesHazardScope(t *testing.T) {
	// The sweep's own scope on joined tables must limit like hazard.Scope.
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		h := f.ordered(t, "隐患甲", "2022-05-01", "2022-06-01", hazard.General)
		f.clock.set("2022-06-05")
		f.sweep(t)
		for _, name := range []string{"leader", "jg1", "jg2", "zhifa", "zhiban", "town", "dept", "qiye", "readonly"} {
			p := f.p(t, name)
			_, seeHazard := f.hz.Get(ctx, p, h.ID)
			_, total, err := f.svc.Cards(ctx, p, supervise.CardFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if (seeHazard == nil) != (total == 1) {
				t.Errorf("%s: sees the hazard %v, sees %d cards", name, seeHazard == nil, total)
			}
		}
		_ = auth.RoleAdmin
	})
}

func renderPDF(t *testing.T, d pdfdoc.Doc) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := pdfdoc.Render(&b, d); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b.Bytes(), []byte("%PDF")) {
		t.Fatal("not a PDF")
	}
	return b.Bytes()
}

// pdfText extracts a PDF's text with pdftotext (skips without it).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	exe, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext not installed")
	}
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(exe, "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}
