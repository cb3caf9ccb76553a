package notify_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"yingji/internal/kit/clocktest"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

// newClock returns a test clock standing on 2024-07-01 08:30 UTC.
func newClock() *clocktest.Clock { return clocktest.New(time.Date(2024, 7, 1, 8, 30, 0, 0, time.UTC)) }

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))
}

// recorder is a fake external channel that records what it sends.
type recorder struct {
	name  string
	delay time.Duration
	mu    sync.Mutex
	calls map[string]int // by delivery id
	sent  []string       // address|title
}

func newRecorder(name string) *recorder { return &recorder{name: name, calls: map[string]int{}} }

func (r *recorder) Name() string { return r.name }

func (r *recorder) Send(ctx context.Context, d notify.Delivery, n notify.Notification) error {
	if r.delay > 0 {
		time.Sleep(r.delay)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls[d.ID]++
	r.sent = append(r.sent, d.Address+"|"+n.Title)
	return nil
}

func (r *recorder) Sent() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.sent...)
}

// directory: u1 has an e-mail and a phone, u2 a phone only, u3 nothing.
var directory = notify.DirectoryFunc(func(ctx context.Context, userID, channel string) (string, error) {
	book := map[string]map[string]string{
		"u1": {notify.ChannelSMTP: "zhang@example.gov.cn", notify.ChannelSMS: "13800000001"},
		"u2": {notify.ChannelSMS: "13800000002"},
	}
	if userID == "broken" {
		return "", errors.New("directory down")
	}
	return book[userID][channel], nil
})

func count(t *testing.T, db *store.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.R().QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func enqueue(t *testing.T, db *store.DB, s *notify.Service, m notify.Message) bool {
	t.Helper()
	var created bool
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		created, err = s.Enqueue(context.Background(), tx, m)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return created
}

func TestEnqueueRolledBackLeavesNothing(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sms := newRecorder(notify.ChannelSMS)
		s, err := notify.New(db, notify.Config{Channels: []notify.Channel{sms}, Directory: directory, Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		boom := errors.New("business rule failed")
		err = db.InTx(ctx, func(tx *store.Tx) error {
			if _, err := s.Enqueue(ctx, tx, notify.Message{UserID: "u1", Topic: "hazard.deadline", Title: "隐患整改到期", DedupeKey: "k1"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if n := count(t, db, `SELECT count(*) FROM notification`) + count(t, db, `SELECT count(*) FROM delivery`); n != 0 {
			t.Fatalf("%d rows left after rollback", n)
		}
		if sent, failed, err := s.Sender().SendDue(ctx); sent+failed != 0 || err != nil {
			t.Fatalf("SendDue after rollback: %d %d %v", sent, failed, err)
		}
		// The dedupe key of the rolled-back notification is free again.
		if !enqueue(t, db, s, notify.Message{UserID: "u1", Topic: "hazard.deadline", Title: "隐患整改到期", DedupeKey: "k1"}) {
			t.Fatal("dedupe key of a rolled-back notification still taken")
		}
	})
}

func TestDedupeKeyNotifiesOnce(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sms := newRecorder(notify.ChannelSMS)
		s, err := notify.New(db, notify.Config{Channels: []notify.Channel{sms}, Directory: directory, Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		m := notify.Message{CountyCode: "341122", UserID: "u2", Topic: "hazard.deadline", Title: "隐患整改期限将至",
			Entity: "hazard", EntityID: "H1", DedupeKey: "hazard.deadline:H1:2024-07-01"}
		if !enqueue(t, db, s, m) {
			t.Fatal("first enqueue not created")
		}
		if enqueue(t, db, s, m) {
			t.Fatal("second enqueue with the same key reported created")
		}
		// Twice in one transaction as well.
		m2 := m
		m2.DedupeKey = "other"
		err = db.InTx(ctx, func(tx *store.Tx) error {
			a, err := s.Enqueue(ctx, tx, m2)
			if err != nil {
				return err
			}
			b, err := s.Enqueue(ctx, tx, m2)
			if err != nil {
				return err
			}
			if !a || b {
				return fmt.Errorf("created %v then %v", a, b)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, `SELECT count(*) FROM notification WHERE dedupe_key = $1`, m.DedupeKey); n != 1 {
			t.Fatalf("%d notifications", n)
		}
		if n := count(t, db, `SELECT count(*) FROM delivery`); n != 2 {
			t.Fatalf("%d deliveries, want one per notification", n)
		}
		sent, failed, err := s.Sender().SendDue(ctx)
		if sent != 2 || failed != 0 || err != nil {
			t.Fatalf("SendDue: %d %d %v", sent, failed, err)
		}
		if got := sms.Sent(); len(got) != 2 || got[0] != "13800000002|隐患整改期限将至" {
			t.Fatalf("sent %v", got)
		}
	})
}

func TestFanOutAndValidation(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		mail, sms := newRecorder(notify.ChannelSMTP), newRecorder(notify.ChannelSMS)
		s, err := notify.New(db, notify.Config{Channels: []notify.Channel{mail, sms}, Directory: directory, Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range []string{"u1", "u2", "u3"} {
			enqueue(t, db, s, notify.Message{UserID: u, Topic: "t", Title: "to " + u})
		}
		// An explicit channel without address resolves the user's one.
		enqueue(t, db, s, notify.Message{UserID: "u1", Channel: notify.ChannelSMS, Topic: "t", Title: "sms only"})
		// An explicit address with no user.
		enqueue(t, db, s, notify.Message{Channel: notify.ChannelSMS, Address: "13900000000", Topic: "t", Title: "值班电话"})
		// A channel that is not enabled: recorded, nothing to send.
		enqueue(t, db, s, notify.Message{Channel: notify.ChannelWebhook, Address: "duty", Topic: "t", Title: "群通知"})

		byChannel := func(ch string) int {
			return count(t, db, `SELECT count(*) FROM delivery WHERE channel = $1`, ch)
		}
		if byChannel(notify.ChannelSMTP) != 1 || byChannel(notify.ChannelSMS) != 4 || byChannel(notify.ChannelWebhook) != 0 {
			t.Fatalf("deliveries: smtp %d sms %d webhook %d", byChannel(notify.ChannelSMTP), byChannel(notify.ChannelSMS), byChannel(notify.ChannelWebhook))
		}
		if _, _, err := s.Sender().SendDue(ctx); err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{"zhang@example.gov.cn|to u1": true}
		for _, got := range mail.Sent() {
			if !want[got] {
				t.Errorf("unexpected mail %s", got)
			}
		}
		wantSMS := map[string]bool{"13800000001|to u1": true, "13800000002|to u2": true, "13800000001|sms only": true, "13900000000|值班电话": true}
		for _, got := range sms.Sent() {
			if !wantSMS[got] {
				t.Errorf("unexpected sms %s", got)
			}
			delete(wantSMS, got)
		}
		if len(wantSMS) != 0 {
			t.Errorf("not sent: %v", wantSMS)
		}

		bad := []notify.Message{
			{UserID: "u1", Topic: "t"},                             // no title
			{UserID: "u1", Title: "x"},                             // no topic
			{Topic: "t", Title: "x"},                               // in-app without user
			{Channel: "fax", Address: "1", Topic: "t", Title: "x"}, // unknown channel
			{Channel: notify.ChannelSMS, Topic: "t", Title: "x"},   // neither user nor address
		}
		for _, m := range bad {
			err := db.InTx(ctx, func(tx *store.Tx) error { _, err := s.Enqueue(ctx, tx, m); return err })
			if !errs.Is(err, errs.Invalid) {
				t.Errorf("%+v: want invalid, got %v", m, err)
			}
		}
		// A directory failure aborts the business transaction.
		err = db.InTx(ctx, func(tx *store.Tx) error {
			_, err := s.Enqueue(ctx, tx, notify.Message{UserID: "broken", Topic: "t", Title: "x"})
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "directory down") {
			t.Fatalf("directory error: %v", err)
		}
		if _, err := notify.New(db, notify.Config{Channels: []notify.Channel{sms, newRecorder(notify.ChannelSMS)}}); err == nil {
			t.Fatal("two channels with one name accepted")
		}
	})
}

func TestInbox(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := newClock()
		s, err := notify.New(db, notify.Config{Now: clk.Now, Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for i := 1; i <= 3; i++ {
			enqueue(t, db, s, notify.Message{CountyCode: "341122", UserID: "u1", Topic: "hazard.deadline",
				Title: fmt.Sprintf("通知 %d", i), Body: "请及时处理", Link: "/hazards/" + fmt.Sprint(i)})
			clk.Add(time.Minute)
		}
		enqueue(t, db, s, notify.Message{UserID: "u2", Topic: "t", Title: "给 u2"})
		enqueue(t, db, s, notify.Message{Channel: notify.ChannelWebhook, Address: "duty", Topic: "t", Title: "群"})

		box, err := s.Inbox(ctx, "u1", false, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(box) != 3 || box[0].Title != "通知 3" || box[2].Title != "通知 1" || box[0].Link != "/hazards/3" ||
			box[0].Read() || box[0].Channel != notify.ChannelInApp || !box[2].CreatedAt.Equal(newClock().Now()) {
			t.Fatalf("inbox: %+v", box)
		}
		for _, n := range box {
			ids = append(ids, n.ID)
		}
		if n, err := s.UnreadCount(ctx, "u1"); n != 3 || err != nil {
			t.Fatalf("unread %d %v", n, err)
		}
		if err := s.MarkRead(ctx, "u1", ids[1]); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkRead(ctx, "u1", ids[1]); err != nil {
			t.Fatalf("mark read twice: %v", err)
		}
		if err := s.MarkRead(ctx, "u2", ids[0]); !errs.Is(err, errs.NotFound) {
			t.Fatalf("another user's notification: %v", err)
		}
		if n, _ := s.UnreadCount(ctx, "u1"); n != 2 {
			t.Fatalf("unread after mark read: %d", n)
		}
		unread, err := s.Inbox(ctx, "u1", true, 10)
		if err != nil || len(unread) != 2 || unread[0].ID != ids[0] || unread[1].ID != ids[2] {
			t.Fatalf("unread inbox: %+v %v", unread, err)
		}
		all, _ := s.Inbox(ctx, "u1", false, 10)
		if !all[1].Read() || !all[1].ReadAt.Equal(clk.Now()) {
			t.Fatalf("read_at: %+v", all[1])
		}
		if n, err := s.MarkAllRead(ctx, "u1"); n != 2 || err != nil {
			t.Fatalf("mark all read: %d %v", n, err)
		}
		if n, _ := s.UnreadCount(ctx, "u1"); n != 0 {
			t.Fatalf("unread after mark all: %d", n)
		}
		if n, _ := s.UnreadCount(ctx, "u2"); n != 1 {
			t.Fatalf("u2 unread: %d", n)
		}
		if box, _ := s.Inbox(ctx, "u1", false, 2); len(box) != 2 {
			t.Fatalf("limit: %d", len(box))
		}
	})
}

func TestFailingEndpointBacksOffThenGivesUp(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := newClock()
		var hits atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, "系统维护中")
		}))
		defer srv.Close()
		hook, err := notify.NewWebhook([]notify.WebhookTarget{{Name: "ops", URL: srv.URL + "/hook?token=SECRET"}}, nil, clk.Now)
		if err != nil {
			t.Fatal(err)
		}
		s, err := notify.New(db, notify.Config{Now: clk.Now, Channels: []notify.Channel{hook}, MaxAttempts: 3,
			Backoff: time.Minute, Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		enqueue(t, db, s, notify.Message{CountyCode: "341122", Channel: notify.ChannelWebhook, Address: "ops", Topic: "t", Title: "测试"})
		delivery := func() notify.Delivery {
			page, err := s.DeliveryLog(ctx, notify.LogFilter{})
			if err != nil || len(page.Entries) != 1 {
				t.Fatalf("log: %+v %v", page, err)
			}
			return page.Entries[0].Delivery
		}
		step := func(wantFailed int) {
			t.Helper()
			sent, failed, err := s.Sender().SendDue(ctx)
			if sent != 0 || failed != wantFailed || err != nil {
				t.Fatalf("SendDue: sent %d failed %d (want %d) err %v", sent, failed, wantFailed, err)
			}
		}
		step(1)
		d := delivery()
		if d.State != notify.Failed || d.Attempts != 1 || !d.NextAttemptAt.Equal(clk.Now().Add(time.Minute)) ||
			!strings.Contains(d.LastError, "503") || !strings.Contains(d.LastError, "系统维护中") {
			t.Fatalf("after 1st failure: %+v", d)
		}
		if strings.Contains(d.LastError, "SECRET") {
			t.Fatalf("last_error leaks the URL token: %s", d.LastError)
		}
		step(0) // not due yet
		clk.Add(time.Minute)
		step(1)
		if d = delivery(); d.State != notify.Failed || d.Attempts != 2 || !d.NextAttemptAt.Equal(clk.Now().Add(2*time.Minute)) {
			t.Fatalf("after 2nd failure: %+v", d)
		}
		clk.Add(2 * time.Minute)
		step(1)
		if d = delivery(); d.State != notify.GaveUp || d.Attempts != 3 || !strings.Contains(d.LastError, "503") || !d.SentAt.IsZero() {
			t.Fatalf("after 3rd failure: %+v", d)
		}
		clk.Add(24 * time.Hour)
		step(0)
		if hits.Load() != 3 {
			t.Fatalf("endpoint hit %d times", hits.Load())
		}
		page, err := s.DeliveryLog(ctx, notify.LogFilter{State: notify.GaveUp, Channel: notify.ChannelWebhook, CountyCode: "341122"})
		if err != nil || page.Total != 1 || page.Counts[notify.GaveUp] != 1 || page.Counts[notify.Sent] != 0 ||
			page.Entries[0].Title != "测试" || page.Entries[0].Address != "ops" {
			t.Fatalf("gave_up in log: %+v %v", page, err)
		}
	})
}

func TestDeliveryLogFilters(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := newClock()
		sms := newRecorder(notify.ChannelSMS)
		mail := newRecorder(notify.ChannelSMTP)
		s, err := notify.New(db, notify.Config{Now: clk.Now, Channels: []notify.Channel{mail, sms}, Directory: directory, Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		enqueue(t, db, s, notify.Message{CountyCode: "A", UserID: "u1", Topic: "t", Title: "1"}) // smtp + sms
		clk.Add(time.Hour)
		enqueue(t, db, s, notify.Message{CountyCode: "B", UserID: "u2", Topic: "t", Title: "2"}) // sms
		if sent, _, err := s.Sender().SendDue(ctx); sent != 3 || err != nil {
			t.Fatalf("sent %d %v", sent, err)
		}
		enqueue(t, db, s, notify.Message{CountyCode: "B", UserID: "u2", Topic: "t", Title: "3"}) // pending
		page, err := s.DeliveryLog(ctx, notify.LogFilter{})
		if err != nil || page.Total != 4 || page.Counts[notify.Sent] != 3 || page.Counts[notify.Pending] != 1 || page.Entries[0].Title != "3" {
			t.Fatalf("all: %+v %v", page, err)
		}
		page, _ = s.DeliveryLog(ctx, notify.LogFilter{State: notify.Sent, Channel: notify.ChannelSMS})
		if page.Total != 2 || len(page.Entries) != 2 || page.Counts[notify.Pending] != 1 {
			t.Fatalf("sent sms: %+v", page)
		}
		page, _ = s.DeliveryLog(ctx, notify.LogFilter{To: newClock().Now().Add(time.Minute)})
		if page.Total != 2 || page.Entries[0].CountyCode != "A" {
			t.Fatalf("period: %+v", page)
		}
		page, _ = s.DeliveryLog(ctx, notify.LogFilter{CountyCode: "B", Limit: 1})
		if page.Total != 2 || len(page.Entries) != 1 {
			t.Fatalf("county B: %+v", page)
		}
		// One record's deliveries (a warning's delivery log).
		enqueue(t, db, s, notify.Message{CountyCode: "B", UserID: "u2", Topic: "t", Title: "4", Entity: "warning", EntityID: "w1"})
		page, _ = s.DeliveryLog(ctx, notify.LogFilter{Entity: "warning", EntityID: "w1"})
		if page.Total != 1 || page.Entries[0].Title != "4" {
			t.Fatalf("entity: %+v", page)
		}
		if page, _ = s.DeliveryLog(ctx, notify.LogFilter{Entity: "warning", EntityID: "w2"}); page.Total != 0 {
			t.Fatalf("other entity: %+v", page)
		}
	})
}

func TestTwoSendersSendEachDeliveryOnce(t *testing.T) {
	storetest.Shared(t, func(t *testing.T, db1, db2 *store.DB) {
		ctx := context.Background()
		ch := newRecorder(notify.ChannelSMS) // shared: it counts sends per delivery across both instances
		ch.delay = time.Millisecond
		mk := func(db *store.DB, ins string) *notify.Service {
			s, err := notify.New(db, notify.Config{Instance: ins, Channels: []notify.Channel{ch}, Directory: directory,
				BatchSize: 25, Workers: 4, Logger: quietLogger()})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		s1, s2 := mk(db1, "a"), mk(db2, "b")
		const n = 150
		if err := db1.InTx(ctx, func(tx *store.Tx) error {
			for i := 0; i < n; i++ {
				if _, err := s1.Enqueue(ctx, tx, notify.Message{Channel: notify.ChannelSMS, Address: fmt.Sprintf("139%08d", i),
					Topic: "drill", Title: fmt.Sprintf("演练通知 %d", i)}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		var (
			wg    sync.WaitGroup
			total atomic.Int64
		)
		for _, s := range []*notify.Service{s1, s2, s1, s2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 50 {
					sent, _, err := s.Sender().SendDue(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					total.Add(int64(sent))
					var left int
					if err := db1.R().QueryRowContext(ctx, `SELECT count(*) FROM delivery WHERE state <> 'sent'`).Scan(&left); err != nil {
						t.Error(err)
						return
					}
					if left == 0 {
						return
					}
				}
			}()
		}
		wg.Wait()
		if got := total.Load(); got != n {
			t.Errorf("senders report %d sent, want %d", got, n)
		}
		if left := count(t, db1, `SELECT count(*) FROM delivery WHERE state <> 'sent' OR attempts <> 1`); left != 0 {
			t.Errorf("%d deliveries not sent exactly once", left)
		}
		ch.mu.Lock()
		defer ch.mu.Unlock()
		if len(ch.calls) != n {
			t.Errorf("%d distinct deliveries sent, want %d", len(ch.calls), n)
		}
		for id, c := range ch.calls {
			if c != 1 {
				t.Errorf("delivery %s sent %d times", id, c)
			}
		}
		byIns := map[string]int{}
		rows, err := db1.R().QueryContext(ctx, `SELECT claimed_by, count(*) FROM delivery GROUP BY claimed_by`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var ins string
			var c int
			if err := rows.Scan(&ins, &c); err != nil {
				t.Fatal(err)
			}
			byIns[ins] = c
		}
		t.Logf("sent by instance: %v", byIns)
	})
}

func TestRunWakesOnCommit(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		sms := newRecorder(notify.ChannelSMS)
		s, err := notify.New(db, notify.Config{Channels: []notify.Channel{sms}, Directory: directory,
			PollInterval: time.Hour, Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { s.Sender().Run(ctx); close(done) }()
		time.Sleep(20 * time.Millisecond) // let the first (empty) round pass
		enqueue(t, db, s, notify.Message{UserID: "u2", Topic: "t", Title: "唤醒"})
		deadline := time.Now().Add(10 * time.Second)
		for len(sms.Sent()) == 0 {
			if time.Now().After(deadline) {
				t.Fatal("Run was not woken by the commit")
			}
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
		<-done
	})
}

// A notice never carries an ID number in clear, whatever the module passed
// in: it may leave by SMS or a group robot.
func TestNoticesMaskIDNumbers(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, err := notify.New(db, notify.Config{Now: newClock().Now, Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		enqueue(t, db, s, notify.Message{CountyCode: "349901", UserID: "u1", Topic: "hazard.reported",
			Title: "企业上报隐患：T349901197511060130", Body: "特种作业操作证 T349901197511060130 已过期，持证人身份证 11010519491231002X"})
		box, err := s.Inbox(ctx, "u1", false, 10)
		if err != nil || len(box) != 1 {
			t.Fatalf("inbox: %+v %v", box, err)
		}
		for _, text := range []string{box[0].Title, box[0].Body} {
			if strings.Contains(text, "197511060130") || strings.Contains(text, "19491231002X") {
				t.Errorf("a notice holds an ID number in clear: %q", text)
			}
		}
		if !strings.Contains(box[0].Body, "T3499**********0130") {
			t.Errorf("body: %q", box[0].Body)
		}
	})
}
