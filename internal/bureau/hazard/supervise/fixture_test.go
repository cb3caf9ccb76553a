package supervise_test

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/bureau/hazard"
	"yingji/internal/bureau/hazard/supervise"
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
)

const county = "349901"

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// set moves the clock to 09:00 in Shanghai of a day.
func (c *clock) set(day string) {
	t, err := time.ParseInLocation("2006-01-02", day, time.FixedZone("CST", 8*3600))
	if err != nil {
		panic(err)
	}
	c.mu.Lock()
	c.t = t.Add(9 * time.Hour)
	c.mu.Unlock()
}

type fx struct {
	db     *store.DB
	clock  *clock
	org    *org.Service
	auth   *auth.Service
	ent    *enterprise.Service
	hz     *hazard.Service
	notify *notify.Service
	svc    *supervise.Service
}

// setup loads the demo county, its enterprises and users on db and builds
// the services with a clock standing on 2022-06-09.
func setup(t testing.TB, db *store.DB) *fx {
	t.Helper()
	ctx := context.Background()
	c := &clock{}
	c.set("2022-06-09")
	o := org.New(db, c.now)
	a := auth.New(db, o, c.now, auth.Options{})
	if err := demo.Load(ctx, demo.Services{DB: db, Org: o, Auth: a}, county, io.Discard); err != nil {
		t.Fatal(err)
	}
	ent := enterprise.New(db, o, c.now, nil)
	if err := ent.Demo(ctx, io.Discard, county, demo.EnterpriseID, nil); err != nil {
		t.Fatal(err)
	}
	return build(t, db, c, o, a, ent, nil)
}

func build(t testing.TB, db *store.DB, c *clock, o *org.Service, a *auth.Service, ent *enterprise.Service, channels []notify.Channel) *fx {
	t.Helper()
	blobs, err := attach.NewDiskBlobs(filepath.Join(t.TempDir(), "att"))
	if err != nil {
		t.Fatal(err)
	}
	at := attach.NewService(db, blobs, attach.Config{})
	cfg := notify.Config{Now: c.now, Channels: channels}
	if len(channels) > 0 {
		// Every user is reachable on the test webhook.
		cfg.Directory = notify.DirectoryFunc(func(ctx context.Context, userID, channel string) (string, error) {
			if channel == notify.ChannelWebhook {
				return "hook", nil
			}
			return "", nil
		})
	}
	n, err := notify.New(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	hz := hazard.New(db, ent, at, n, a, c.now)
	svc := supervise.New(supervise.Config{DB: db, Hazard: hz, Enterprise: ent, Org: o, Notify: n, People: a, Now: c.now, CountyName: "示例县"})
	return &fx{db: db, clock: c, org: o, auth: a, ent: ent, hz: hz, notify: n, svc: svc}
}

func (f *fx) p(t testing.TB, name string) *auth.Principal {
	t.Helper()
	return authtest.Principal(t, f.auth, name)
}

func photo(t testing.TB) attach.Upload {
	t.Helper()
	return attach.Upload{Filename: "整改后.png", Reader: bytes.NewReader(attachtest.PNG(t, 4, 4))}
}

// ordered reports a hazard of the demo enterprise (a mine, 监管一股) as
// jg1 and orders it with a deadline; major hazards get a complete plan.
func (f *fx) ordered(t testing.TB, desc, found, deadline string, grade hazard.Grade) hazard.Record {
	t.Helper()
	ctx := context.Background()
	jg1 := f.p(t, "jg1")
	h, err := f.hz.Report(ctx, jg1, hazard.NewHazard{EnterpriseID: demo.EnterpriseID, Source: hazard.SourceInspection, Category: hazard.CatThing,
		Description: desc, FoundOn: found})
	if err != nil {
		t.Fatal(err)
	}
	step := hazard.StepInput{Action: hazard.ActGrade, On: found, Grade: grade}
	if grade == hazard.Major {
		step.Clause = "ks98-d-1"
	}
	if _, err := f.hz.Do(ctx, jg1, h.ID, step, nil); err != nil {
		t.Fatal(err)
	}
	order := hazard.StepInput{Action: hazard.ActOrder, On: found, Deadline: deadline, DocNumber: "（示）应急责改〔2022〕" + desc[:3] + "号"}
	if grade == hazard.Major {
		order.PlanMeasures, order.PlanFunds, order.PlanDeadline, order.PlanPerson, order.PlanEmergency = "重新施工第二安全出口", "80万元", deadline, "张矿长", "已编制专项应急预案"
	}
	r, err := f.hz.Do(ctx, jg1, h.ID, order, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// get reads a hazard as the system.
func (f *fx) get(t testing.TB, id string) hazard.Record {
	t.Helper()
	r, err := f.hz.Get(context.Background(), &auth.Principal{Role: auth.RoleAdmin, CountyCode: county}, id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// close takes a hazard through rectification (with a photo), review and
// closure on a day.
func (f *fx) close(t testing.TB, id, on string) {
	t.Helper()
	ctx := context.Background()
	jg1, zhifa := f.p(t, "jg1"), f.p(t, "zhifa")
	if _, err := f.hz.Do(ctx, jg1, id, hazard.StepInput{Action: hazard.ActSubmit, On: on}, []attach.Upload{photo(t)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.hz.Do(ctx, zhifa, id, hazard.StepInput{Action: hazard.ActVerify, On: on, DocNumber: "（示）应急复查〔2022〕1号"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.hz.Do(ctx, zhifa, id, hazard.StepInput{Action: hazard.ActClose, On: on}, nil); err != nil {
		t.Fatal(err)
	}
}

// sweep runs the sweep on the clock's day.
func (f *fx) sweep(t testing.TB) supervise.SweepResult {
	t.Helper()
	r, err := f.svc.SweepCounty(context.Background(), county, f.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	// The sweep writes cards, which no tally counts: the hazards' tallies
	// (kept by the hazard package's writes) still hold after it.
	if c, err := hazard.CheckTallies(context.Background(), f.db.R()); err != nil || !c.OK() {
		t.Fatalf("hazard tallies after the sweep: %+v %v", c, err)
	}
	return r
}

// count runs a count query.
func (f *fx) count(t testing.TB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.R().QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// rule asserts err names the rule.
func wantRule(t testing.TB, err error, id string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok {
		t.Fatalf("want rule %s, got %v", id, err)
	}
	if e.Message == id {
		return
	}
	for _, fe := range errs.Fields(err) {
		if fe.Message == id {
			return
		}
	}
	t.Fatalf("want rule %s, got %v", id, err)
}

func auditOK(t testing.TB, db *store.DB) {
	t.Helper()
	res, err := audit.Verify(context.Background(), db.R())
	if err != nil || !res.OK() {
		t.Fatalf("audit chain: %v %+v", err, res)
	}
}
