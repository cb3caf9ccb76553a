package supervise_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/jobs"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store/storetest"
)

// TestTwoInstancesNotifyOnce runs two Yingji instances on one PostgreSQL
// schema: each with its own services, notification sender and job runner.
// Both sweep at once (directly and through the periodic job, which only
// one of them claims); every notification row exists once and every
// delivery reaches the webhook once.
func TestTwoInstancesNotifyOnce(t *testing.T) {
	ctx := context.Background()
	db1, db2 := storetest.SharedPostgres(t)

	var mu sync.Mutex
	received := map[string]int{} // notification id → requests
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p notify.GenericPayload
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &p); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		mu.Lock()
		received[p.ID]++
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	hook := func(now func() time.Time) []notify.Channel {
		wh, err := notify.NewWebhook([]notify.WebhookTarget{{Name: "hook", URL: srv.URL}}, nil, now)
		if err != nil {
			t.Fatal(err)
		}
		return []notify.Channel{wh}
	}

	// Instance 1 loads the demo county; instance 2 opens the same schema.
	f1 := setup(t, db1)
	f1 = build(t, db1, f1.clock, f1.org, f1.auth, f1.ent, hook(f1.clock.now))
	c2 := &clock{}
	c2.set("2022-06-09")
	o2 := org.New(db2, c2.now)
	a2 := auth.New(db2, o2, c2.now, auth.Options{})
	f2 := build(t, db2, c2, o2, a2, enterprise.New(db2, o2, c2.now, nil), hook(c2.now))

	// 20 hazards: overdue, yellow and due soon on 2022-06-12.
	for i := 0; i < 20; i++ {
		deadline := []string{"2022-06-05", "2022-06-12", "2022-06-14", "2022-06-30"}[i%4]
		f1.ordered(t, "隐患"+string(rune('甲'+i)), "2022-06-01", deadline, hazard.General)
	}
	f1.clock.set("2022-06-12")
	c2.set("2022-06-12")

	// Both sweep at once.
	var wg sync.WaitGroup
	errsCh := make(chan error, 4)
	for _, f := range []*fx{f1, f2} {
		wg.Add(1)
		go func(f *fx) {
			defer wg.Done()
			_, err := f.svc.SweepCounty(ctx, county, f.clock.now())
			errsCh <- err
		}(f)
	}
	wg.Wait()
	close(errsCh)
	for err := range errsCh {
		if err != nil {
			t.Fatal(err)
		}
	}
	// The periodic job: both runners enqueue the same slot; one claims it.
	handler := func(f *fx) jobs.Handler {
		return func(ctx context.Context, j *jobs.Job, p jobs.Progress) error {
			_, err := f.svc.Sweep(ctx, f.clock.now())
			return err
		}
	}
	runners := []*jobs.Runner{
		jobs.New(db1, jobs.Config{Instance: "one", Now: f1.clock.now, Handlers: map[string]jobs.Handler{"hazard_card_sweep": handler(f1)}}),
		jobs.New(db2, jobs.Config{Instance: "two", Now: c2.now, Handlers: map[string]jobs.Handler{"hazard_card_sweep": handler(f2)}}),
	}
	for _, r := range runners {
		r.Every("hazard_card_sweep", 15*time.Minute)
		if _, err := r.Poll(ctx); err != nil { // enqueues the next slot
			t.Fatal(err)
		}
	}
	f1.clock.set("2022-06-12")
	later := f1.clock.now().Add(16 * time.Minute)
	f1.clock.mu.Lock()
	f1.clock.t = later
	f1.clock.mu.Unlock()
	c2.mu.Lock()
	c2.t = later
	c2.mu.Unlock()
	var pw sync.WaitGroup
	for _, r := range runners {
		pw.Add(1)
		go func(r *jobs.Runner) {
			defer pw.Done()
			if _, err := r.Poll(ctx); err != nil {
				t.Error(err)
			}
		}(r)
	}
	pw.Wait()
	for _, r := range runners {
		r.Stop() // waits for the running handler
	}
	var runs, claimedBy int
	if err := db1.R().QueryRowContext(ctx, `SELECT count(*), count(DISTINCT claimed_by) FROM job WHERE kind = 'hazard_card_sweep' AND state = 'done'`).Scan(&runs, &claimedBy); err != nil {
		t.Fatal(err)
	}
	if runs != 1 || claimedBy != 1 {
		t.Fatalf("periodic sweep ran %d times by %d instances", runs, claimedBy)
	}

	// Both senders send at once until nothing is due.
	for round := 0; round < 5; round++ {
		var sw sync.WaitGroup
		for _, f := range []*fx{f1, f2} {
			sw.Add(1)
			go func(f *fx) {
				defer sw.Done()
				if _, _, err := f.notify.Sender().SendDue(ctx); err != nil {
					t.Error(err)
				}
			}(f)
		}
		sw.Wait()
	}

	// On 06-12: 5 hazards overdue (red), 5 due that day (yellow since
	// 06-11), 5 due on 06-14 (not yet yellow); the 10 due within 3 days are
	// reminded. qiye and jg1 are told of each card, qiye of each reminder.
	var cards, reminders, dupKeys int
	q := func(sql string, v *int) {
		if err := db1.R().QueryRowContext(ctx, sql).Scan(v); err != nil {
			t.Fatal(err)
		}
	}
	q(`SELECT count(*) FROM notification WHERE topic LIKE 'hazard.card.%'`, &cards)
	q(`SELECT count(*) FROM notification WHERE topic = 'hazard.remind'`, &reminders)
	q(`SELECT count(*) FROM (SELECT entity_id, topic, recipient_user_id FROM notification WHERE topic LIKE 'hazard.%' GROUP BY entity_id, topic, recipient_user_id HAVING count(*) > 1) d`, &dupKeys)
	if cards != 2*10 || reminders != 10 || dupKeys != 0 {
		t.Fatalf("notifications: %d card, %d reminders, %d duplicated", cards, reminders, dupKeys)
	}
	var total, sent int
	q(`SELECT count(*) FROM notification`, &total)
	q(`SELECT count(*) FROM delivery WHERE state = 'sent'`, &sent)
	mu.Lock()
	defer mu.Unlock()
	if len(received) != total || sent != total {
		t.Fatalf("%d notifications, %d deliveries sent, %d reached the webhook", total, sent, len(received))
	}
	for id, n := range received {
		if n != 1 {
			t.Fatalf("notification %s delivered %d times", id, n)
		}
	}
}
