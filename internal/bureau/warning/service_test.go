package warning_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"yingji/internal/bureau/warning"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/clocktest"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

const county = "340222"

var (
	zhiban         = &auth.Principal{UserID: "u-zhiban", Username: "zhiban", DisplayName: "周值班", Role: auth.RoleDuty, CountyCode: county}
	leader         = &auth.Principal{UserID: "u-leader", Username: "leader", DisplayName: "王局长", Role: auth.RoleLeader, CountyCode: county}
	leaderDrafting = &auth.Principal{UserID: "u-admin", Username: "admin", Role: auth.RoleAdmin, CountyCode: county}
	townA          = &auth.Principal{UserID: "u-townA", Username: "town", Role: auth.RoleTown, CountyCode: county, RegionCode: county + "100"}
	townB          = &auth.Principal{UserID: "u-townB", Username: "townb", Role: auth.RoleTown, CountyCode: county, RegionCode: county + "101"}
	dept           = &auth.Principal{UserID: "u-dept", Username: "dept", Role: auth.RoleDepartment, CountyCode: county, UnitID: "unit-zjj"}
)

var towns = map[string]string{county + "100": "籍山镇", county + "101": "弋江镇", county + "102": "许镇镇"}

func townsOf(context.Context, string) (map[string]string, error) { return towns, nil }

// resolver sends to the town governments of the area and, when asked,
// the housing department.
func resolver(_ context.Context, _ string, w warning.Warning) ([]warning.Unit, error) {
	var out []warning.Unit
	for _, t := range w.Towns {
		u := warning.Unit{Kind: warning.RecipientTown, Ref: t, Name: towns[t] + "人民政府"}
		switch t {
		case townA.RegionCode:
			u.UserIDs = []string{townA.UserID}
		case townB.RegionCode:
			u.UserIDs = []string{townB.UserID}
		}
		out = append(out, u)
	}
	if w.Departments {
		out = append(out, warning.Unit{Kind: warning.RecipientDepartment, Ref: dept.UnitID, Name: "县住建局", UserIDs: []string{dept.UserID}})
	}
	return out, nil
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

type fixture struct {
	db  *store.DB
	clk *clocktest.Clock
	n   *notify.Service
	svc *warning.Service
}

func newFixture(t *testing.T, db *store.DB, cfg notify.Config) *fixture {
	t.Helper()
	clk := clocktest.New(time.Date(2022, 1, 7, 0, 0, 0, 0, time.UTC))
	cfg.Now, cfg.Logger = clk.Now, quiet()
	n, err := notify.New(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{db: db, clk: clk, n: n, svc: warning.New(db, n, clk.Now, resolver, townsOf, warning.Config{})}
}

func coldWave(clk *clocktest.Clock) warning.Warning {
	return warning.Warning{Source: "县气象局", Type: "寒潮", Level: "蓝", Towns: []string{county + "100", county + "101"}, Departments: true,
		EffectiveAt: clk.Now().Add(time.Hour), ExpiresAt: clk.Now().Add(49 * time.Hour),
		Description: "受强冷空气影响，48小时内最低气温将下降8℃以上。", Instruction: "注意防寒保暖。"}
}

func wantKind(t *testing.T, err error, kind errs.Kind, msg string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Kind != kind {
		t.Fatalf("want %s %s, got %v", kind, msg, err)
	}
	if msg == "" {
		return
	}
	if e.Message == msg {
		return
	}
	for _, fe := range errs.Fields(err) {
		if fe.Message == msg {
			return
		}
	}
	t.Fatalf("want %s, got %v (%s)", msg, err, e.Message)
}

func (f *fixture) published(t *testing.T, w warning.Warning) warning.Warning {
	t.Helper()
	ctx := context.Background()
	d, err := f.svc.Draft(ctx, zhiban, w)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Approve(ctx, leader, d.ID); err != nil {
		t.Fatal(err)
	}
	p, err := f.svc.Publish(ctx, zhiban, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDraftRefusesBadTimesAndFields(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, notify.Config{})
		ctx := context.Background()
		for _, c := range []struct {
			name string
			mod  func(*warning.Warning)
			msg  string
		}{
			{"expiry before effect", func(w *warning.Warning) { w.ExpiresAt = w.EffectiveAt.Add(-time.Minute) }, "warning.expires_before_effect"},
			{"expiry equals effect", func(w *warning.Warning) { w.ExpiresAt = w.EffectiveAt }, "warning.expires_before_effect"},
			{"already expired", func(w *warning.Warning) {
				w.EffectiveAt, w.ExpiresAt = f.clk.Now().Add(-48*time.Hour), f.clk.Now().Add(-time.Hour)
			}, "warning.already_expired"},
			{"unknown type", func(w *warning.Warning) { w.Type = "火山" }, "warning.type_unknown"},
			{"unknown level", func(w *warning.Warning) { w.Level = "紫" }, "warning.level_unknown"},
			{"no area", func(w *warning.Warning) { w.Towns = nil }, "warning.area_required"},
			{"town of another county", func(w *warning.Warning) { w.Towns = []string{"110101001"} }, "warning.town_unknown"},
			{"no source", func(w *warning.Warning) { w.Source = " " }, "warning.source_required"},
		} {
			w := coldWave(f.clk)
			c.mod(&w)
			_, err := f.svc.Draft(ctx, zhiban, w)
			wantKind(t, err, errs.Invalid, c.msg)
		}
		if _, err := f.svc.Draft(ctx, townA, coldWave(f.clk)); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("a town account drafted: %v", err)
		}
		w, err := f.svc.Draft(ctx, zhiban, coldWave(f.clk))
		if err != nil {
			t.Fatal(err)
		}
		if w.Headline != "县气象局发布寒潮蓝色预警信号" || w.State != warning.StateDraft || w.Type != "cold_wave" || w.Level != "blue" {
			t.Fatalf("draft: %+v", w)
		}
	})
}

func TestFourEyesApproval(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, notify.Config{})
		ctx := context.Background()
		w, err := f.svc.Draft(ctx, leaderDrafting, coldWave(f.clk))
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Approve(ctx, leaderDrafting, w.ID)
		wantKind(t, err, errs.Conflict, "warning.self_approval")
		if _, err := f.svc.Approve(ctx, zhiban, w.ID); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("a duty officer approved: %v", err)
		}
		_, err = f.svc.Publish(ctx, zhiban, w.ID)
		wantKind(t, err, errs.Conflict, "warning.not_approved")
		a, err := f.svc.Approve(ctx, leader, w.ID)
		if err != nil || a.State != warning.StateApproved || a.ApproverID != leader.UserID {
			t.Fatalf("approve: %+v %v", a, err)
		}
		_, err = f.svc.Approve(ctx, leader, w.ID)
		wantKind(t, err, errs.Conflict, "warning.not_draft")
		// Approved but left until it expired: not published.
		f.clk.Add(50 * time.Hour)
		_, err = f.svc.Publish(ctx, zhiban, w.ID)
		wantKind(t, err, errs.Conflict, "warning.expired_unpublishable")
		// A draft that expired while waiting is refused at approval.
		f.clk.Add(-50 * time.Hour)
		w2, err := f.svc.Draft(ctx, zhiban, coldWave(f.clk))
		if err != nil {
			t.Fatal(err)
		}
		f.clk.Add(50 * time.Hour)
		_, err = f.svc.Approve(ctx, leader, w2.ID)
		wantKind(t, err, errs.Invalid, "warning.already_expired")
	})
}

func TestPublishAckRemindEscalate(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, notify.Config{})
		ctx := context.Background()
		w := f.published(t, coldWave(f.clk))
		if w.State != warning.StatePublished || !strings.HasPrefix(w.Identifier, county+warning.UnitCode+"_20220107") {
			t.Fatalf("published: %+v", w)
		}
		recs, err := f.svc.Recipients(ctx, zhiban, w.ID)
		if err != nil || len(recs) != 3 {
			t.Fatalf("recipients: %+v %v", recs, err)
		}
		inbox, err := f.n.Inbox(ctx, townA.UserID, true, 10)
		if err != nil || len(inbox) != 1 || !strings.HasPrefix(inbox[0].Link, "/ack/") || !strings.Contains(inbox[0].Title, "寒潮蓝色") {
			t.Fatalf("town inbox: %+v %v", inbox, err)
		}
		// A town of the area sees the warning; a town outside does not.
		if _, err := f.svc.Get(ctx, townA, w.ID); err != nil {
			t.Fatal(err)
		}
		other := &auth.Principal{UserID: "u-c", Role: auth.RoleTown, CountyCode: county, RegionCode: county + "102"}
		if _, err := f.svc.Get(ctx, other, w.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("town outside the area: %v", err)
		}
		if _, err := f.svc.Ack(ctx, other, w.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("ack outside the area: %v", err)
		}
		// 签收 in the app, twice.
		r, err := f.svc.Ack(ctx, townA, w.ID)
		if err != nil || r.AckedVia != "app" || !r.Acked() {
			t.Fatalf("ack: %+v %v", r, err)
		}
		_, err = f.svc.Ack(ctx, townA, w.ID)
		wantKind(t, err, errs.Conflict, "warning.already_acked")
		// 签收 through the signed link of the department's notification.
		dInbox, _ := f.n.Inbox(ctx, dept.UserID, true, 10)
		token := strings.TrimPrefix(dInbox[0].Link, "/ack/")
		if _, _, err := f.svc.AckByToken(ctx, "forged", "", "127.0.0.1"); !errs.Is(err, errs.NotFound) {
			t.Fatalf("forged token: %v", err)
		}
		_, dr, err := f.svc.AckByToken(ctx, token, "张三", "127.0.0.1")
		if err != nil || dr.AckedVia != "link" || dr.AckedBy != "张三" || dr.Kind != warning.RecipientDepartment {
			t.Fatalf("link ack: %+v %v", dr, err)
		}
		// One unit left: 弋江镇. Open filter lists the warning.
		n, _, err := f.svc.Count(ctx, zhiban, warning.Filter{Open: true}, false)
		if err != nil || n != 1 {
			t.Fatalf("open: %d %v", n, err)
		}
		rem, esc, err := f.svc.Remind(ctx, resolver)
		if err != nil || rem != 0 || esc != 0 {
			t.Fatalf("remind too early: %d %d %v", rem, esc, err)
		}
		f.clk.Add(61 * time.Minute)
		rem, esc, err = f.svc.Remind(ctx, resolver)
		if err != nil || rem != 1 || esc != 0 {
			t.Fatalf("first remind: %d %d %v", rem, esc, err)
		}
		if rem, _, _ = f.svc.Remind(ctx, resolver); rem != 0 {
			t.Fatal("reminded twice within the hour")
		}
		bInbox, _ := f.n.Inbox(ctx, townB.UserID, true, 10)
		if len(bInbox) != 2 || !strings.Contains(bInbox[0].Title, "请签收") {
			t.Fatalf("town B inbox: %+v", bInbox)
		}
		// The old link was replaced by the reminder's.
		oldToken := strings.TrimPrefix(bInbox[1].Link, "/ack/")
		if _, _, err := f.svc.ByToken(ctx, oldToken); !errs.Is(err, errs.NotFound) {
			t.Fatalf("old token still works: %v", err)
		}
		f.clk.Add(61 * time.Minute)
		rem, esc, err = f.svc.Remind(ctx, resolver)
		if err != nil || rem != 1 || esc != 1 {
			t.Fatalf("second remind: %d %d %v", rem, esc, err)
		}
		for _, uid := range []string{zhiban.UserID, leader.UserID} {
			in, _ := f.n.Inbox(ctx, uid, true, 10)
			if len(in) != 1 || !strings.Contains(in[0].Title, "弋江镇") {
				t.Fatalf("escalation to %s: %+v", uid, in)
			}
		}
		recs, _ = f.svc.Recipients(ctx, zhiban, w.ID)
		var open []string
		for _, r := range recs {
			if !r.Acked() {
				open = append(open, r.Name)
			}
		}
		if len(open) != 1 || open[0] != "弋江镇人民政府" {
			t.Fatalf("unacknowledged: %v", open)
		}
		// The town sees only its own row.
		mine, err := f.svc.Recipients(ctx, townA, w.ID)
		if err != nil || len(mine) != 1 {
			t.Fatalf("town's recipients: %+v %v", mine, err)
		}
	})
}

func TestUpdateAndCancelKeepReferences(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, notify.Config{})
		ctx := context.Background()
		orig := f.published(t, coldWave(f.clk))
		f.clk.Add(2 * time.Hour)
		up := coldWave(f.clk)
		up.Level = "yellow"
		d, err := f.svc.FollowUp(ctx, zhiban, orig.ID, warning.MsgUpdate, up)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.FollowUp(ctx, zhiban, orig.ID, warning.MsgCancel, warning.Warning{}); !errs.Is(err, errs.Conflict) {
			t.Fatalf("second pending follow-up: %v", err)
		}
		if _, err := f.svc.Approve(ctx, leader, d.ID); err != nil {
			t.Fatal(err)
		}
		upd, err := f.svc.Publish(ctx, zhiban, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if upd.MsgType != warning.MsgUpdate || upd.RefID != orig.ID || !strings.Contains(upd.References, orig.Identifier) {
			t.Fatalf("update: %+v", upd)
		}
		o, _ := f.svc.Get(ctx, zhiban, orig.ID)
		if o.State != warning.StateSuperseded || o.ClosedAt.IsZero() {
			t.Fatalf("original after update: %+v", o)
		}
		_, err = f.svc.FollowUp(ctx, zhiban, orig.ID, warning.MsgCancel, warning.Warning{})
		wantKind(t, err, errs.Conflict, "warning.closed")
		doc, _, err := f.svc.CAP(ctx, zhiban, upd.ID)
		if err != nil || !strings.Contains(string(doc), "<msgType>Update</msgType>") || !strings.Contains(string(doc), orig.Identifier) {
			t.Fatalf("update CAP: %s %v", doc, err)
		}
		f.clk.Add(time.Hour)
		c, err := f.svc.FollowUp(ctx, zhiban, upd.ID, warning.MsgCancel, warning.Warning{Description: "冷空气已过境。"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Approve(ctx, leader, c.ID); err != nil {
			t.Fatal(err)
		}
		cw, err := f.svc.Publish(ctx, zhiban, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(cw.References, orig.Identifier) || !strings.Contains(cw.References, upd.Identifier) || cw.Headline != "县气象局解除寒潮黄色预警信号" {
			t.Fatalf("cancel: %+v", cw)
		}
		u, _ := f.svc.Get(ctx, zhiban, upd.ID)
		if u.State != warning.StateCancelled {
			t.Fatalf("update after cancel: %s", u.State)
		}
		active, err := f.svc.ActiveList(ctx, county)
		if err != nil || len(active) != 0 {
			t.Fatalf("active after cancel: %+v %v", active, err)
		}
		// Every published message is a valid CAP file.
		var files []string
		n, err := f.svc.WriteCAPFiles(ctx, zhiban, func(name string, doc []byte) error {
			files = append(files, name)
			if _, err := warning.ParseCAP(strings.NewReader(string(doc))); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			return nil
		})
		if err != nil || n != 3 {
			t.Fatalf("CAP files: %d %v %v", n, files, err)
		}
	})
}

func TestImportCAPAsDraft(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, notify.Config{})
		ctx := context.Background()
		for _, name := range []string{"oasis-cap12-appendixA2-severe-thunderstorm.xml", "oasis-cap12-appendixA3-earthquake-update.xml", "oasis-cap12-appendixA4-amber-alert.xml"} {
			fh, err := os.Open(filepath.Join("testdata/cap", name))
			if err != nil {
				t.Fatal(err)
			}
			w, err := f.svc.Import(ctx, zhiban, fh)
			fh.Close()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if w.State != warning.StateDraft || w.ImportedFrom == "" {
				t.Fatalf("%s: %+v", name, w)
			}
			doc, _, err := f.svc.CAP(ctx, zhiban, w.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := warning.ParseCAP(strings.NewReader(string(doc))); err != nil {
				t.Fatalf("re-export of %s: %v", name, err)
			}
			// The 2003 examples are long expired: the approval refuses them.
			_, err = f.svc.Approve(ctx, leader, w.ID)
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("approval of an expired import: %v", err)
			}
		}
		fh, _ := os.Open(filepath.Join("testdata/cap", "oasis-cap12-appendixA2-severe-thunderstorm.xml"))
		defer fh.Close()
		_, err := f.svc.Import(ctx, zhiban, fh)
		wantKind(t, err, errs.Conflict, "warning.import_duplicate")
		_, err = f.svc.Import(ctx, zhiban, strings.NewReader(`<alert xmlns="urn:oasis:names:tc:emergency:cap:1.1"><identifier>x</identifier></alert>`))
		e, _ := errs.As(err)
		if e == nil || e.Field != "file" || e.Args["Element"] != "alert" {
			t.Fatalf("CAP 1.1 refused how? %v %+v", err, e)
		}
		_, err = f.svc.Import(ctx, zhiban, strings.NewReader(`PK\x03\x04 not xml`))
		wantKind(t, err, errs.Invalid, "warning.cap_refused")
	})
}

// smtpServer is a tiny SMTP server on 127.0.0.1:0 speaking enough of RFC
// 5321 for net/smtp.
func smtpServer(t *testing.T) (port int, got <-chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan string, 100)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func(conn net.Conn) {
				defer conn.Close()
				tp := textproto.NewConn(conn)
				_ = tp.PrintfLine("220 test ESMTP")
				var rcpt string
				for {
					line, err := tp.ReadLine()
					if err != nil {
						return
					}
					verb, arg, _ := strings.Cut(line, " ")
					switch strings.ToUpper(verb) {
					case "EHLO":
						_ = tp.PrintfLine("250-test")
						_ = tp.PrintfLine("250 8BITMIME")
					case "MAIL", "RSET", "NOOP", "HELO":
						_ = tp.PrintfLine("250 OK")
					case "RCPT":
						rcpt = arg
						_ = tp.PrintfLine("250 OK")
					case "DATA":
						_ = tp.PrintfLine("354 go ahead")
						data, err := tp.ReadDotBytes()
						if err != nil {
							return
						}
						_ = tp.PrintfLine("250 queued")
						ch <- rcpt + "\n" + string(data)
					case "QUIT":
						_ = tp.PrintfLine("221 bye")
						return
					default:
						_ = tp.PrintfLine("502 no")
					}
				}
			}(conn)
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port, ch
}

func TestDeliveryThroughSMTPAndWebhookWithRetry(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		port, mails := smtpServer(t)
		var hits atomic.Int32
		var mu sync.Mutex
		var bodies []map[string]any
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if hits.Add(1) == 1 { // the receiver is down the first time
				http.Error(w, "维护中", http.StatusBadGateway)
				return
			}
			var m map[string]any
			_ = json.NewDecoder(r.Body).Decode(&m)
			mu.Lock()
			bodies = append(bodies, m)
			mu.Unlock()
		}))
		defer hook.Close()
		mailer, err := notify.NewSMTP(notify.SMTPConfig{Host: "127.0.0.1", Port: port, From: "应急管理局 <noreply@example.gov.cn>"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		wh, err := notify.NewWebhook([]notify.WebhookTarget{{Name: "dept-robot", URL: hook.URL + "/robot"}}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		dir := notify.DirectoryFunc(func(_ context.Context, uid, ch string) (string, error) {
			switch {
			case uid == townA.UserID && ch == notify.ChannelSMTP:
				return "jishan@example.gov.cn", nil
			case uid == dept.UserID && ch == notify.ChannelWebhook:
				return "dept-robot", nil
			}
			return "", nil
		})
		f := newFixture(t, db, notify.Config{Channels: []notify.Channel{mailer, wh}, Directory: dir, Backoff: time.Minute,
			LinkBase: "https://yj.example.gov.cn"})
		w := f.published(t, coldWave(f.clk))
		sent, failed, err := f.n.Sender().SendDue(ctx)
		if err != nil || sent != 1 || failed != 1 {
			t.Fatalf("first round: sent %d failed %d %v", sent, failed, err)
		}
		select {
		case m := <-mails:
			_, b64, _ := strings.Cut(strings.ReplaceAll(m, "\r\n", "\n"), "\n\n")
			body, _ := base64.StdEncoding.DecodeString(strings.ReplaceAll(b64, "\n", ""))
			if !strings.Contains(m, "jishan@example.gov.cn") || !strings.Contains(string(body), "https://yj.example.gov.cn/ack/") ||
				!strings.Contains(string(body), "防御指引") {
				t.Fatalf("mail: %s", m)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no mail arrived")
		}
		log, err := f.n.DeliveryLog(ctx, notify.LogFilter{Entity: "warning", EntityID: w.ID})
		if err != nil || log.Counts[notify.Sent] != 1 || log.Counts[notify.Failed] != 1 {
			t.Fatalf("delivery log after round 1: %+v %v", log, err)
		}
		for _, e := range log.Entries {
			if e.Channel == notify.ChannelWebhook && (e.State != notify.Failed || !strings.Contains(e.LastError, "502")) {
				t.Fatalf("webhook entry: %+v", e)
			}
		}
		// Not due before the back-off; sent after it.
		if s, fl, _ := f.n.Sender().SendDue(ctx); s != 0 || fl != 0 {
			t.Fatalf("retried before back-off: %d %d", s, fl)
		}
		f.clk.Add(time.Minute)
		if s, fl, err := f.n.Sender().SendDue(ctx); s != 1 || fl != 0 || err != nil {
			t.Fatalf("retry: %d %d %v", s, fl, err)
		}
		log, _ = f.n.DeliveryLog(ctx, notify.LogFilter{Entity: "warning", EntityID: w.ID})
		if log.Counts[notify.Sent] != 2 || log.Total != 2 {
			t.Fatalf("delivery log after retry: %+v", log.Counts)
		}
		for _, e := range log.Entries {
			if e.Channel == notify.ChannelWebhook && (e.Attempts != 2 || e.RecipientUserID != dept.UserID) {
				t.Fatalf("webhook entry after retry: %+v", e)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		if len(bodies) != 1 || hits.Load() != 2 {
			t.Fatalf("webhook received %d bodies in %d hits", len(bodies), hits.Load())
		}
		if other, _ := f.n.DeliveryLog(ctx, notify.LogFilter{Entity: "warning", EntityID: "nope"}); other.Total != 0 {
			t.Fatalf("entity filter lets others through: %+v", other)
		}
	})
}
