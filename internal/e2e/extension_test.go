package e2e_test

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"yingji/internal/bureau/hazard"
	"yingji/internal/bureau/hazard/supervise"
	"yingji/internal/kit/auth/authtest"
	"yingji/internal/kit/demo"
)

// TestListedHazardExtensionFourEyes: jg1 asks for an extension of a listed
// major hazard from its page; jg1 is not offered the decision; the leader
// finds the request on the home page, opens it and approves it; the
// listing shows the new deadline.
func TestListedHazardExtensionFourEyes(t *testing.T) {
	exe := chromiumPath(t)
	ctx := budget(t)
	a, base := startApp(t, ctx)
	if err := a.Enterprise.Demo(ctx, io.Discard, "349901", demo.EnterpriseID, nil); err != nil {
		t.Fatal(err)
	}
	day := func(d int) string { return hazard.Date(time.Now().AddDate(0, 0, d)) }
	jg1, leader := authtest.Principal(t, a.Auth, "jg1"), authtest.Principal(t, a.Auth, "leader")
	h, err := a.Hazard.Report(ctx, jg1, hazard.NewHazard{EnterpriseID: demo.EnterpriseID, Source: hazard.SourceInspection,
		Category: hazard.CatThing, Description: "第二安全出口与设计不一致", FoundOn: day(-20)})
	if err != nil {
		t.Fatal(err)
	}
	deadline, wanted := day(10), day(70)
	for _, st := range []hazard.StepInput{{Action: hazard.ActGrade, Grade: hazard.Major, Clause: "ks88-d-1", On: day(-20)},
		{Action: hazard.ActOrder, On: day(-19), Deadline: deadline, DocNumber: "（示）应急责改〔2022〕E2号", PlanMeasures: "重新施工第二安全出口",
			PlanFunds: "80万元", PlanDeadline: deadline, PlanPerson: "张矿长", PlanEmergency: "已编制专项应急预案"}} {
		if _, err := a.Hazard.Do(ctx, jg1, h.ID, st, nil); err != nil {
			t.Fatalf("%s: %v", st.Action, err)
		}
	}
	l, err := a.Supervise.ListHazard(ctx, leader, supervise.ListingInput{HazardID: h.ID, Level: supervise.LevelCounty, ListedOn: day(-15)})
	if err != nil {
		t.Fatal(err)
	}

	// jg1 asks from the hazard's page.
	b := newTab(t, ctx, exe, base)
	b.signIn("jg1", demo.Password)
	b.openOK("/hazards/" + h.ID)
	if n := b.count("#form-extend"); n != 0 {
		t.Fatal("the hazard page offers the extend step")
	}
	if st := b.submit("open the request form", "#extension-link"); st != 200 {
		t.Fatalf("request form: %d", st)
	}
	js[bool](b, "set the requested deadline", fmt.Sprintf(`(() => { document.querySelector("#f-requested_deadline").value = %s; return true })()`, jsString(wanted)))
	b.fill("#f-reason", "设备供货周期长")
	if st := b.submit("file the request", "#extension-save"); st != 200 {
		t.Fatalf("file the request: %d", st)
	}
	if n := b.count("#form-decide"); n != 0 {
		t.Fatal("the requester is offered the decision")
	}
	if note := b.text("#decide-note"); !strings.Contains(note, "局领导") {
		t.Errorf("the requester is told %q, want the leaders named", note)
	}

	// The leader sees it on the home page and approves it.
	lb := newTab(t, ctx, exe, base)
	lb.signIn("leader", demo.Password)
	lb.openOK("/")
	tile := `a.stat[href="/supervision?tab=extensions&todo=1"]`
	if got := lb.text(tile + " .num"); got != "1" {
		t.Fatalf("pending extensions on the leader's home page: %q", got)
	}
	if st := lb.submit("open the to-do list", tile); st != 200 {
		t.Fatalf("to-do list: %d", st)
	}
	if st := lb.submit("open the request", "#extensions-table tbody a"); st != 200 {
		t.Fatalf("the request: %d", st)
	}
	if st := lb.submit("approve", "#decide"); st != 200 {
		t.Fatalf("approve: %d", st)
	}
	lb.openOK("/supervision/listings/" + l.ID)
	if got := lb.text("#listing-deadline"); got != wanted {
		t.Fatalf("the listing's deadline: %q, want %q", got, wanted)
	}
	lb.openOK("/")
	if got := lb.text(tile + " .num"); got != "0" {
		t.Errorf("pending extensions after the approval: %q", got)
	}
	lb.screenshot("extension-approved.png")
}
