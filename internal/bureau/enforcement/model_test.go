package enforcement

import (
	"errors"
	"testing"
)

func rule(err error) string {
	var re *RuleError
	if errors.As(err, &re) {
		return re.Rule
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func TestFormatNumber(t *testing.T) {
	k, _ := KindOf("责令限期整改指令书")
	if got := FormatNumber("示", k.Word, 2022, 5); got != "（示）应急责改〔2022〕5号" {
		t.Errorf("number %q", got)
	}
	k, _ = KindOf(KindInspectionRecord)
	if got := FormatNumber("示", k.Word, 2022, 12); got != "（示）应急检记〔2022〕12号" {
		t.Errorf("number %q", got)
	}
	if len(Kinds) < 9 {
		t.Errorf("%d kinds, want the 9 of the issue", len(Kinds))
	}
}

func TestPrerequisites(t *testing.T) {
	kind := func(c string) Kind { k, _ := KindOf(c); return k }
	order := Document{Kind: KindOrder, HazardIDs: []string{"h1", "h2"}}
	whole := Document{Kind: KindOnSite}
	investigating := &Case{State: StateInvestigating}
	for _, tc := range []struct {
		name    string
		kind    string
		hazards []string
		pr      Prior
		want    string
	}{
		{"review without order", KindReview, nil, Prior{}, "enforcement.rule.review_needs_order"},
		{"review after order", KindReview, []string{"h1"}, Prior{Orders: []Document{order}}, ""},
		{"review of other hazard", KindReview, []string{"h3"}, Prior{Orders: []Document{order}}, "enforcement.rule.review_needs_order"},
		{"review after on-site decision", KindReview, []string{"h3"}, Prior{Orders: []Document{whole}}, ""},
		{"inspection record needs nothing", KindInspectionRecord, nil, Prior{}, ""},
		{"notice without case", KindNotice, nil, Prior{}, "enforcement.rule.case_required"},
		{"notice before filing", KindNotice, nil, Prior{Case: &Case{State: StateFiling}}, "enforcement.rule.notice_needs_filing"},
		{"notice after filing", KindNotice, nil, Prior{Case: investigating, CaseDocs: []string{KindFiling}}, ""},
		{"decision before notice", KindDecision, nil, Prior{Case: investigating, CaseDocs: []string{KindFiling}}, "enforcement.rule.decision_needs_notice"},
		{"decision after notice", KindDecision, nil, Prior{Case: investigating, CaseDocs: []string{KindFiling, KindNotice}}, ""},
		{"closing before decision", KindClosing, nil, Prior{Case: investigating, CaseDocs: []string{KindFiling, KindNotice}}, "enforcement.rule.closing_needs_decision"},
		{"second notice", KindNotice, nil, Prior{Case: investigating, CaseDocs: []string{KindFiling, KindNotice}}, "enforcement.rule.case_document_exists"},
	} {
		if got := rule(CheckPrerequisites(kind(tc.kind), tc.hazards, tc.pr)); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestCaseSteps(t *testing.T) {
	c := Case{State: StateFiling, DraftedBy: "a"}
	if got := rule(func() error {
		_, err := ApplyCase(c, CaseStep{Action: ActApproveFiling, By: "a", On: "2022-03-01"})
		return err
	}()); got != "enforcement.rule.four_eyes" {
		t.Fatalf("own filing approved: %q", got)
	}
	c, err := ApplyCase(c, CaseStep{Action: ActApproveFiling, By: "b", On: "2022-03-01"})
	if err != nil || c.State != StateInvestigating || c.FiledOn != "2022-03-01" {
		t.Fatalf("filing: %v %+v", err, c)
	}
	for _, tc := range []struct {
		fine, cap int64
		want      string
	}{
		{-1, 0, "enforcement.rule.fine_negative"},
		{3_000_001, 3_000_000, "enforcement.rule.fine_above_cap"},
		{3_000_000, 3_000_000, ""},
		{0, 3_000_000, ""},
	} {
		_, err := ApplyCase(c, CaseStep{Action: ActNotify, On: "2022-03-05", FineFen: tc.fine, Cap: tc.cap})
		if got := rule(err); got != tc.want {
			t.Errorf("fine %d cap %d: %q, want %q", tc.fine, tc.cap, got, tc.want)
		}
	}
	if _, err := ApplyCase(c, CaseStep{Action: ActDecide, On: "2022-03-05", FineFen: 100}); rule(err) != "enforcement.rule.decide_needs_notice" {
		t.Errorf("decided before notice: %v", err)
	}
	c, _ = ApplyCase(c, CaseStep{Action: ActNotify, On: "2022-03-05", FineFen: 400000, Cap: 3_000_000})
	if _, err := ApplyCase(c, CaseStep{Action: ActDecide, On: "2022-03-10", FineFen: 5_000_000, Cap: 3_000_000}); rule(err) != "enforcement.rule.fine_above_cap" {
		t.Errorf("decision above cap: %v", err)
	}
	if _, err := ApplyCase(c, CaseStep{Action: ActDecide, On: "2022-03-10", FineFen: 400000, Payment: PayInstallment}); rule(err) != "enforcement.rule.pay_due_required" {
		t.Errorf("instalments without a date: %v", err)
	}
	c, err = ApplyCase(c, CaseStep{Action: ActDecide, On: "2022-03-10", FineFen: 400000, Payment: PayInstallment, PayDue: "2022-06-30"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ApplyCase(c, CaseStep{Action: ActClose, By: "a"}); rule(err) != "enforcement.rule.close_needs_payment" {
		t.Errorf("closed unpaid: %v", err)
	}
	c, _ = ApplyCase(c, CaseStep{Action: ActPay, Amount: 100000})
	c, _ = ApplyCase(c, CaseStep{Action: ActPay, Amount: 300000})
	if _, err := ApplyCase(c, CaseStep{Action: ActPay, Amount: 1}); rule(err) != "enforcement.rule.payment_exceeds_fine" {
		t.Errorf("overpaid: %v", err)
	}
	c, err = ApplyCase(c, CaseStep{Action: ActClose, By: "a"})
	if err != nil || c.State != StateClosing {
		t.Fatal(err, c.State)
	}
	if _, err := ApplyCase(c, CaseStep{Action: ActApproveClose, By: "a"}); rule(err) != "enforcement.rule.four_eyes" {
		t.Errorf("own closing approved: %v", err)
	}
	if c, err = ApplyCase(c, CaseStep{Action: ActApproveClose, By: "b", On: "2022-04-01"}); err != nil || c.State != StateClosed {
		t.Errorf("closing: %v %s", err, c.State)
	}
}

func TestYuan(t *testing.T) {
	for in, want := range map[string]int64{"4000": 400000, "4,000.5": 400050, "0.01": 1, "": 0, "-3": -300} {
		if got, err := ParseYuan(in); err != nil || got != want {
			t.Errorf("ParseYuan(%q) = %d, %v", in, got, err)
		}
	}
	for _, bad := range []string{"abc", "1.234", "."} {
		if _, err := ParseYuan(bad); err == nil {
			t.Errorf("ParseYuan(%q) accepted", bad)
		}
	}
	if Yuan(800000) != "8000.00" {
		t.Error(Yuan(800000))
	}
}
