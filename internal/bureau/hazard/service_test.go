package hazard_test

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/attach"
	"yingji/internal/kit/attach/attachtest"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/auth/authtest"
	"yingji/internal/kit/demo"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

type fx struct {
	db     *store.DB
	auth   *auth.Service
	ent    *enterprise.Service
	svc    *hazard.Service
	notify *notify.Service
}

var today = time.Date(2022, 6, 9, 9, 0, 0, 0, time.UTC)

func setup(t testing.TB, db *store.DB) *fx {
	t.Helper()
	ctx := context.Background()
	now := func() time.Time { return today }
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
	// The demo enterprises were registered long before the periods the
	// tests look at (an enterprise owes self-reports from the period of
	// its registration on).
	registered := func() time.Time { return time.Date(2020, 1, 6, 9, 0, 0, 0, time.UTC) }
	if err := enterprise.New(db, o, registered, nil).Demo(ctx, io.Discard, "349901", demo.EnterpriseID, nil); err != nil {
		t.Fatal(err)
	}
	ent := enterprise.New(db, o, now, nil)
	blobs, err := attach.NewDiskBlobs(filepath.Join(t.TempDir(), "att"))
	if err != nil {
		t.Fatal(err)
	}
	at := attach.NewService(db, blobs, attach.Config{})
	n, err := notify.New(db, notify.Config{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return &fx{db: db, auth: a, ent: ent, notify: n, svc: hazard.New(db, ent, at, n, a, now).WithOrg(o)}
}

func (f *fx) p(t testing.TB, name string) *auth.Principal {
	t.Helper()
	return authtest.Principal(t, f.auth, name)
}

func photo(t testing.TB) attach.Upload {
	t.Helper()
	return attach.Upload{Filename: "整改后.png", Reader: bytes.NewReader(attachtest.PNG(t, 4, 4))}
}

func TestLoopWithEvidenceNotificationAndScope(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		jg1, qiye, zhifa := f.p(t, "jg1"), f.p(t, "qiye"), f.p(t, "zhifa")
		h, err := f.svc.Report(ctx, jg1, hazard.NewHazard{EnterpriseID: demo.EnterpriseID, Source: hazard.SourceInspection,
			Category: hazard.CatThing, Description: "井下安全出口标识缺失", FoundOn: "2022-06-01"})
		if err != nil {
			t.Fatal(err)
		}
		if h.Sector != "mine" || h.TownCode == "" {
			t.Fatalf("copied from the enterprise: %+v", h)
		}
		if _, err := f.svc.Report(ctx, jg1, hazard.NewHazard{EnterpriseID: demo.EnterpriseID, Source: hazard.SourceInspection, Description: "x", FoundOn: "2022-07-01"}); errs.Fields(err) == nil {
			t.Fatal("a finding date in the future must be refused")
		}
		step := func(p *auth.Principal, in hazard.StepInput, files ...attach.Upload) (hazard.Record, error) {
			return f.svc.Do(ctx, p, h.ID, in, files)
		}
		// A mine's major hazard cannot cite the 工贸 standard.
		if _, err = step(jg1, hazard.StepInput{Action: hazard.ActGrade, Grade: hazard.Major, Clause: "gm10-3-1"}); len(errs.Fields(err)) != 1 ||
			errs.Fields(err)[0].Field != "clause" || errs.Fields(err)[0].Message != "hazard.clause_sector" {
			t.Fatalf("a 工贸 clause for a mine: %v", err)
		}
		if _, err = step(jg1, hazard.StepInput{Action: hazard.ActGrade, Grade: hazard.General}); err != nil {
			t.Fatal(err)
		}
		// A deadline before the finding date is refused, with the rule named, and changes nothing.
		_, err = step(jg1, hazard.StepInput{Action: hazard.ActOrder, Deadline: "2022-05-01", DocNumber: "（示）应急责改〔2022〕3号"})
		if e, ok := errs.As(err); !ok || e.Message != "hazard.rule.deadline_before_found" {
			t.Fatalf("deadline before found: %v", err)
		}
		if r, _ := f.svc.Get(ctx, jg1, h.ID); r.State != hazard.Graded {
			t.Fatalf("a refused step changed the state to %s", r.State)
		}
		if _, err = step(jg1, hazard.StepInput{Action: hazard.ActOrder, Deadline: "2022-06-20", DocNumber: "（示）应急责改〔2022〕3号"}); err != nil {
			t.Fatal(err)
		}
		inbox, _ := f.notify.Inbox(ctx, qiye.UserID, true, 10)
		if len(inbox) != 1 || inbox[0].Link != "/hazards/"+h.ID {
			t.Fatalf("the enterprise must be told of the order: %+v", inbox)
		}
		// Closing without evidence is refused; the enterprise reports with a photo.
		if _, err = step(qiye, hazard.StepInput{Action: hazard.ActSubmit}); !errs.Is(err, errs.Invalid) || errs.Fields(err) == nil ||
			errs.Fields(err)[0].Field != "photos" || errs.Fields(err)[0].Message != "hazard.rule.evidence_required" {
			t.Fatalf("rectification without evidence: %v", err)
		}
		if _, err = step(qiye, hazard.StepInput{Action: hazard.ActSubmit}, photo(t)); err != nil {
			t.Fatal(err)
		}
		if _, err = step(qiye, hazard.StepInput{Action: hazard.ActVerify}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("the enterprise may not verify: %v", err)
		}
		// A review dated before the rectification it reviews is refused,
		// naming the rule on the action.
		if _, err = step(zhifa, hazard.StepInput{Action: hazard.ActVerify, On: "2022-06-02", DocNumber: "（示）应急复查〔2022〕3号"}); errs.Fields(err) == nil ||
			errs.Fields(err)[0].Message != "hazard.rule.before_last_step" {
			t.Fatalf("a review before the rectification: %v", err)
		}
		if _, err = step(zhifa, hazard.StepInput{Action: hazard.ActVerify, DocNumber: "（示）应急复查〔2022〕3号"}); err != nil {
			t.Fatal(err)
		}
		r, err := step(zhifa, hazard.StepInput{Action: hazard.ActClose})
		if err != nil || r.State != hazard.Closed || r.ClosedOn != "2022-06-09" {
			t.Fatalf("close: %v %+v", err, r)
		}
		_, err = step(jg1, hazard.StepInput{Action: hazard.ActExtend, Deadline: "2022-08-01", Reason: "x"})
		if e, ok := errs.As(err); !ok || e.Message != "hazard.rule.extend_needs_request" || !errs.Is(err, errs.Conflict) {
			t.Fatalf("extending a closed hazard: %v", err)
		}
		// A step the hazard as it stands refuses is a conflict (409)
		// naming the rule; a missing field stays a bad input (422)
		// naming the field.
		_, err = step(zhifa, hazard.StepInput{Action: hazard.ActClose})
		if e, ok := errs.As(err); !ok || e.Kind != errs.Conflict || e.Message != "hazard.rule.closed" {
			t.Fatalf("closing a closed hazard: %v", err)
		}
		tl, err := f.svc.Timeline(ctx, qiye, h.ID)
		if err != nil || len(tl) != 6 || tl[0].Action != hazard.ActReport || tl[3].Action != hazard.ActSubmit || len(tl[3].Files) != 1 ||
			tl[3].Files[0].ContentType != "image/png" {
			t.Fatalf("timeline: %v %+v", err, tl)
		}
		// Scope: section 2 and another town see nothing of it.
		if _, err := f.svc.Get(ctx, f.p(t, "jg2"), h.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("section 2 sees a mine hazard: %v", err)
		}
		st, err := f.svc.StatsBy(ctx, jg1, hazard.Filter{From: "2022-06-01", To: "2022-06-30"}, "grade")
		if err != nil || len(st) != 1 || st[0].Found != 1 || st[0].Rectified != 1 {
			t.Fatalf("stats: %v %+v", err, st)
		}
		if res, _ := audit.Verify(ctx, db.R()); !res.OK() {
			t.Fatalf("audit: %+v", res)
		}
	})
}

func TestEnterpriseSelfCheck(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		qiye := f.p(t, "qiye")
		h, err := f.svc.Report(ctx, qiye, hazard.NewHazard{Source: hazard.SourceInspection, Description: "配电箱未上锁", FoundOn: "2022-06-08"})
		if err != nil || h.Source != hazard.SourceSelfCheck || h.EnterpriseID != demo.EnterpriseID {
			t.Fatalf("self check: %v %+v", err, h)
		}
		if _, err := f.svc.Do(ctx, qiye, h.ID, hazard.StepInput{Action: hazard.ActSelfDone}, nil); err == nil {
			t.Fatal("self-done without a photo")
		}
		r, err := f.svc.Do(ctx, qiye, h.ID, hazard.StepInput{Action: hazard.ActSelfDone}, []attach.Upload{photo(t)})
		if err != nil || r.State != hazard.Closed || r.Grade != hazard.General {
			t.Fatalf("self done: %v %+v", err, r)
		}
	})
}
