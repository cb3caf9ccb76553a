package inspection_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/bureau/hazard"
	"yingji/internal/bureau/inspection"
	"yingji/internal/kit/attach"
	"yingji/internal/kit/attach/attachtest"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/auth/authtest"
	"yingji/internal/kit/demo"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
	"yingji/internal/kit/xlsx/xlsxtest"
)

const county = "349901"

type fx struct {
	auth *auth.Service
	ent  *enterprise.Service
	haz  *hazard.Service
	svc  *inspection.Service
}

func setup(t testing.TB, db *store.DB) *fx {
	t.Helper()
	ctx := context.Background()
	now := func() time.Time { return time.Date(2022, 6, 30, 2, 0, 0, 0, time.UTC) }
	o := org.New(db, now)
	a := auth.New(db, o, now, auth.Options{})
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		_, err := o.SaveRegionTx(ctx, tx, audit.System(county), org.Region{Code: county, Kind: "县", Name: "示例县"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := demo.Load(ctx, demo.Services{DB: db, Org: o, Auth: a}, county, io.Discard); err != nil {
		t.Fatal(err)
	}
	registered := func() time.Time { return time.Date(2020, 1, 6, 9, 0, 0, 0, time.UTC) }
	if err := enterprise.New(db, o, registered, nil).Demo(ctx, io.Discard, county, demo.EnterpriseID, nil); err != nil {
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
	hz := hazard.New(db, ent, at, n, a, now).WithOrg(o)
	users := func(ctx context.Context, c string) ([]auth.User, error) {
		l, _, err := a.ListUsers(ctx, &auth.Principal{Role: auth.RoleAdmin, CountyCode: c}, auth.UserFilter{Limit: 1000})
		return l, err
	}
	return &fx{auth: a, ent: ent, haz: hz, svc: inspection.New(db, ent, hz, at, o, now, nil, users)}
}

func rule(err error) string {
	if fs := errs.Fields(err); len(fs) > 0 {
		return fs[0].Field + ":" + fs[0].Message
	}
	if e, ok := errs.As(err); ok {
		return e.Message
	}
	return ""
}

func TestInspectionServiceOnBothEngines(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		p := func(n string) *auth.Principal { return authtest.Principal(t, f.auth, n) }
		jg1, jg2, zhifa, leader, qiye := p("jg1"), p("jg2"), p("zhifa"), p("leader"), p("qiye")
		admin := &auth.Principal{UserID: "u-admin", Username: "admin", Role: auth.RoleAdmin, CountyCode: county}

		// The register: 执法证号 required; only enforcement or section staff.
		if _, err := f.svc.SaveInspector(ctx, jg1, inspection.Inspector{UserID: zhifa.UserID, Active: true}); rule(err) != "cert_no:inspection.cert_required" {
			t.Fatalf("no certificate: %v", err)
		}
		if _, err := f.svc.SaveInspector(ctx, jg1, inspection.Inspector{UserID: leader.UserID, CertNo: "X1", Active: true}); rule(err) != "user_id:inspection.not_enforcement_staff" {
			t.Fatalf("a leader: %v", err)
		}
		for i, u := range []*auth.Principal{jg1, jg2, zhifa} {
			x := inspection.Inspector{UserID: u.UserID, CertNo: "皖应急执字00" + string(rune('1'+i)), Active: true}
			if u == zhifa {
				x.Related = []string{demo.EnterpriseID} // zhifa must stand aside for the demo mine
			}
			if _, err := f.svc.SaveInspector(ctx, jg1, x); err != nil {
				t.Fatal(err)
			}
		}

		// A 监管二股 plan: workdays from the calendar; approval by another person.
		var ind []string
		_ = f.ent.Each(ctx, jg2, enterprise.Filter{Sector: "machinery"}, func(e enterprise.Enterprise) error {
			ind = append(ind, e.ID)
			return nil
		})
		plan, err := f.svc.SavePlan(ctx, jg2, inspection.Plan{Year: 2022, Key: ind[:2], General: ind[2:10], Staff: 4, OtherDays: 100, NonEnfDays: 200, RandomShare: 70})
		if err != nil {
			t.Fatal(err)
		}
		if plan.Statutory < 240 || plan.Statutory > 255 || plan.Workdays != plan.Statutory*4-300 || plan.SectionID != jg2.UnitID {
			t.Fatalf("plan %+v", plan)
		}
		if _, err := f.svc.SavePlan(ctx, jg2, inspection.Plan{Year: 2022, Key: []string{demo.EnterpriseID}}); rule(err) != "key:inspection.enterprise_unknown" {
			t.Fatalf("another section's enterprise: %v", err)
		}
		if _, err := f.svc.ApprovePlan(ctx, jg2, plan.ID, "2022-02-28", "示政秘〔2022〕12号"); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("section approves: %v", err)
		}
		if _, err := f.svc.ApprovePlan(ctx, leader, plan.ID, "2022-02-28", "示政秘〔2022〕12号"); err != nil {
			t.Fatal(err)
		}

		// An inspection of a planned enterprise with a failed item: a
		// hazard is raised; the resend is the same inspection.
		sig := "data:image/png;base64," + base64.StdEncoding.EncodeToString(attachtest.PNG(t, 8, 4))
		in := inspection.InspectionInput{ClientID: "c-1", Kind: inspection.KindPlan, On: "2022-06-20", EnterpriseID: ind[0], Template: "general",
			RaiseHazards: true, Officers: []inspection.Officer{{UserID: jg2.UserID}, {UserID: zhifa.UserID}}, Signature: sig, Signer: "王厂长",
			Items:    []inspection.Item{{Code: "gen-9", Result: inspection.Fail, Note: "二楼安全出口上锁"}, {Code: "gen-1", Result: inspection.Pass}},
			Findings: []inspection.Finding{{Text: "配电箱无防护门", Raise: true}, {Text: "台账不全"}}}
		photo := attach.Upload{Filename: "现场.png", Reader: bytes.NewReader(attachtest.PNG(t, 4, 4))}
		x, created, err := f.svc.Create(ctx, jg2, in, []attach.Upload{photo})
		if err != nil || !created {
			t.Fatalf("create: %v %v", created, err)
		}
		if x.Hazards != 2 || x.Items[0].HazardID == "" || x.Findings[0].HazardID == "" || x.Findings[1].HazardID != "" || x.SignatureID == "" {
			t.Fatalf("inspection %+v", x)
		}
		if x.Officers[0].CertNo == "" || x.Officers[1].Name == "" {
			t.Fatalf("officers from the register: %+v", x.Officers)
		}
		h, err := f.haz.Get(ctx, jg2, x.Items[0].HazardID)
		if err != nil || h.Source != hazard.SourceInspection || h.FoundOn != "2022-06-20" || h.Grade == hazard.Major {
			t.Fatalf("hazard %+v %v", h, err)
		}
		again, created, err := f.svc.Create(ctx, jg2, in, []attach.Upload{photo})
		if err != nil || created || again.ID != x.ID {
			t.Fatalf("resend: %v %v %s", created, err, again.ID)
		}
		if c, _ := f.haz.Counts(ctx, jg2, hazard.Filter{Enterprise: ind[0]}); c.Found != 2 {
			t.Fatalf("hazards after the resend: %d", c.Found)
		}
		// Two copies of one offline submission arriving at once: one
		// inspection, the other copy answered with it.
		in2 := in
		in2.ClientID, in2.Signature = "c-race", ""
		type result struct {
			id      string
			created bool
			err     error
		}
		out := make(chan result, 2)
		for range 2 {
			go func() {
				x, c, err := f.svc.Create(ctx, jg2, in2, nil)
				out <- result{x.ID, c, err}
			}()
		}
		r1, r2 := <-out, <-out
		if r1.err != nil || r2.err != nil || r1.id != r2.id || r1.created == r2.created {
			t.Fatalf("concurrent resend: %+v %+v", r1, r2)
		}
		photos, _ := f.svc.Photos(ctx, jg2, x)
		if len(photos) != 1 {
			t.Fatalf("photos %d", len(photos))
		}
		v, _ := f.svc.Plan(ctx, leader, plan.ID)
		if v.Progress != (inspection.Progress{Planned: 10, Done: 1, Percent: 10}) || v.ApprovalRef == "" {
			t.Fatalf("progress %+v", v.Progress)
		}

		// A major-hazard item of the mine standard grades the hazard major
		// with its clause.
		m, _, err := f.svc.Create(ctx, jg1, inspection.InspectionInput{ClientID: "c-2", Kind: inspection.KindSpecial, On: "2022-06-21",
			EnterpriseID: demo.EnterpriseID, Template: "ks98", RaiseHazards: true, Officers: []inspection.Officer{{UserID: jg1.UserID}, {UserID: jg2.UserID}},
			Items: []inspection.Item{{Code: "ks98-d-2", Result: inspection.Fail}}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if h, _ := f.haz.Get(ctx, jg1, m.Items[0].HazardID); h.Grade != hazard.Major || h.Clause != "ks98-d-2" {
			t.Fatalf("major hazard %+v", h)
		}
		// Scope: 监管二股 does not see the mine's inspection; the enterprise sees its own.
		if _, err := f.svc.Get(ctx, jg2, m.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("out of scope: %v", err)
		}
		if _, err := f.svc.Get(ctx, qiye, m.ID); err != nil {
			t.Fatalf("own enterprise: %v", err)
		}
		if _, err := f.svc.Get(ctx, qiye, x.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("another enterprise: %v", err)
		}
		if _, _, err := f.svc.Create(ctx, qiye, in, nil); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("an enterprise records an inspection: %v", err)
		}

		// A draw of the mines: the related inspector is never drawn for the
		// demo mine; the draw replays; an inspection of the task by the
		// related inspector is refused.
		d, err := f.svc.NewDraw(ctx, jg1, inspection.DrawRequest{Sector: "mine", Count: 9, PerTask: 2, Seed: "seed-1"})
		if err != nil {
			t.Fatal(err)
		}
		for _, task := range d.Tasks {
			if task.EnterpriseID == demo.EnterpriseID && slices.Contains(task.Inspectors, zhifa.UserID) {
				t.Fatal("related inspector drawn")
			}
		}
		if _, same, err := f.svc.Replay(ctx, leader, d.ID); err != nil || !same {
			t.Fatalf("replay %v %v", same, err)
		}
		d2, _ := f.svc.NewDraw(ctx, jg1, inspection.DrawRequest{Sector: "mine", Count: 9, PerTask: 2, Seed: "seed-1"})
		if !slices.EqualFunc(d.Tasks, d2.Tasks, func(a, b inspection.Task) bool {
			return a.EnterpriseID == b.EnterpriseID && slices.Equal(a.Inspectors, b.Inspectors)
		}) {
			t.Fatal("the same seed and pools drew differently")
		}
		_, _, err = f.svc.Create(ctx, jg1, inspection.InspectionInput{ClientID: "c-3", Kind: inspection.KindRandom, On: "2022-06-22", DrawID: d.ID,
			EnterpriseID: demo.EnterpriseID, Officers: []inspection.Officer{{UserID: jg1.UserID}, {UserID: zhifa.UserID}}}, nil)
		if rule(err) != "inspection.rule.related_inspector" || !errs.Is(err, errs.Conflict) {
			t.Fatalf("related inspector on the task: %v", err)
		}
		if _, err := f.svc.NewDraw(ctx, jg2, inspection.DrawRequest{Sector: "mine", Count: 1, PerTask: 2}); rule(err) != "inspection.rule.empty_pool" {
			t.Fatalf("empty pool: %v", err)
		}
		if _, err := f.svc.Publish(ctx, jg1, d.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Publish(ctx, jg1, d.ID); rule(err) != "inspection.rule.already_published" {
			t.Fatalf("publish twice: %v", err)
		}
		// The own-plan rule (four eyes).
		p2, err := f.svc.SavePlan(ctx, admin, inspection.Plan{Year: 2023, SectionID: jg2.UnitID, Key: ind[:1]})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.ApprovePlan(ctx, admin, p2.ID, "2023-02-01", "x"); rule(err) != "inspection.rule.own_plan" {
			t.Fatalf("own plan: %v", err)
		}
		n, _, _ := f.svc.Count(ctx, leader, inspection.Filter{}, false)
		if n != 3 {
			t.Fatalf("inspections %d", n)
		}

		// Import: rows replay the form's rules; a bad row commits nothing;
		// the same file twice is refused row by row.
		var l *ledger.Ledger
		for _, x := range f.svc.Ledgers() {
			if x.Kind == "inspections" {
				l = x
			}
		}
		e0, _ := f.ent.Get(ctx, jg2, ind[1])
		good := []any{"2022-06-10", "计划检查", e0.Name, e0.CreditCode, "", jg2.DisplayName + "、" + zhifa.DisplayName}
		one := []any{"2022-06-11", "双随机抽查", e0.Name, e0.CreditCode, "", jg2.DisplayName}
		file := xlsxtest.Fill(t, inspection.InspectionSchema(), [][]any{good, one})
		res, err := ledger.Run(ctx, l, jg2, bytes.NewReader(file), ledger.Options{}, nil)
		if err == nil || res.Committed || len(res.Errors) != 1 || res.Errors[0].Row != 3 || res.Errors[0].Key != "officers" {
			t.Fatalf("a single officer in the file: %+v %v", res, err)
		}
		if n, _, _ := f.svc.Count(ctx, leader, inspection.Filter{}, false); n != 3 {
			t.Fatalf("a bad file wrote %d", n-3)
		}
		file = xlsxtest.Fill(t, inspection.InspectionSchema(), [][]any{good})
		if res, err := ledger.Run(ctx, l, jg2, bytes.NewReader(file), ledger.Options{}, nil); err != nil || res.Imported != 1 {
			t.Fatalf("import: %+v %v", res, err)
		}
		if res, err := ledger.Run(ctx, l, jg2, bytes.NewReader(file), ledger.Options{}, nil); err == nil || res.Committed {
			t.Fatalf("the same file twice: %+v", res)
		}
		if n, _, _ := f.svc.Count(ctx, leader, inspection.Filter{}, false); n != 4 {
			t.Fatalf("after the import: %d", n)
		}

		// A plan's enterprise list from Excel: another section's row is
		// refused and nothing is written; then the list makes the plan.
		var pl *ledger.Ledger
		for _, x := range f.svc.Ledgers() {
			if x.Kind == "inspection-plan-items" {
				pl = x
			}
		}
		e1, _ := f.ent.Get(ctx, jg2, ind[2])
		rows := [][]any{{"2024", "监管二股", e0.CreditCode, "", "重点检查"}, {"2024", "监管二股", e1.CreditCode, "", "一般检查"}}
		file = xlsxtest.Fill(t, inspection.PlanItemSchema(), append(rows, []any{"2024", "监管一股", e1.CreditCode, "", "一般检查"}))
		if res, err := ledger.Run(ctx, pl, jg2, bytes.NewReader(file), ledger.Options{}, nil); err == nil || res.Errors[0].Key != "section" {
			t.Fatalf("another section: %+v %v", res, err)
		}
		if list, _ := f.svc.Plans(ctx, leader, 2024); len(list) != 0 {
			t.Fatalf("a refused file made a plan")
		}
		file = xlsxtest.Fill(t, inspection.PlanItemSchema(), rows)
		if res, err := ledger.Run(ctx, pl, jg2, bytes.NewReader(file), ledger.Options{}, nil); err != nil || res.Imported != 2 {
			t.Fatalf("plan import: %+v %v", res, err)
		}
		if list, _ := f.svc.Plans(ctx, leader, 2024); len(list) != 1 || len(list[0].Key) != 1 || len(list[0].General) != 1 {
			t.Fatalf("imported plan %+v", list)
		}
	})
}
