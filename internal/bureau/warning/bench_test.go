package warning_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"yingji/internal/bureau/warning"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

// BenchmarkFanOut2000 publishes one warning to 2,000 recipient units (one
// account each, reached by a webhook) and sends the outbox to a local
// webhook receiver: queue_ms is the publish transaction (recipients,
// notifications and deliveries written), deliver_ms the time until the
// receiver has every message.
func BenchmarkFanOut2000(b *testing.B) {
	storetest.BenchEngines(b, func(b *testing.B, db *store.DB) {
		const n = 2000
		var got atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got.Add(1) }))
		defer srv.Close()
		wh, err := notify.NewWebhook([]notify.WebhookTarget{{Name: "bench", URL: srv.URL}}, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		ns, err := notify.New(db, notify.Config{Channels: []notify.Channel{wh}, Logger: quiet(), BatchSize: 500, Workers: 8,
			Directory: notify.DirectoryFunc(func(context.Context, string, string) (string, error) { return "bench", nil })})
		if err != nil {
			b.Fatal(err)
		}
		units := make([]warning.Unit, n)
		for i := range units {
			units[i] = warning.Unit{Kind: warning.RecipientEnterprise, Ref: fmt.Sprintf("ent-%04d", i), Name: fmt.Sprintf("企业%04d", i),
				UserIDs: []string{fmt.Sprintf("user-%04d", i)}}
		}
		resolve := func(context.Context, string, warning.Warning) ([]warning.Unit, error) { return units, nil }
		svc := warning.New(db, ns, time.Now, resolve, townsOf, warning.Config{})
		ctx := context.Background()
		var queue, deliver time.Duration
		for b.Loop() {
			b.StopTimer()
			got.Store(0)
			now := time.Now()
			w, err := svc.Draft(ctx, zhiban, warning.Warning{Source: "县气象局", Type: "rainstorm", Level: "red", Towns: []string{county + "100"},
				EffectiveAt: now, ExpiresAt: now.Add(24 * time.Hour)})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := svc.Approve(ctx, leader, w.ID); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			t0 := time.Now()
			if _, err := svc.Publish(ctx, zhiban, w.ID); err != nil {
				b.Fatal(err)
			}
			queue += time.Since(t0)
			for got.Load() < n {
				if _, _, err := ns.Sender().SendDue(ctx); err != nil {
					b.Fatal(err)
				}
			}
			deliver += time.Since(t0)
		}
		b.ReportMetric(float64(queue.Milliseconds())/float64(b.N), "queue_ms")
		b.ReportMetric(float64(deliver.Milliseconds())/float64(b.N), "deliver_ms")
	})
}
