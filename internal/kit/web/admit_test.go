package web

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Admit runs at most its limit of requests at once and serves the queued
// ones in arrival order; static files and the health check do not queue.
// Requests are let go one at a time, so only one slot frees at a time and
// the order in which the queued ones start is the order of admission (two
// admitted at once could start in either order).
func TestAdmitLimitsAndQueuesInOrder(t *testing.T) {
	var running, most atomic.Int64
	var mu sync.Mutex
	var order []string
	started := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(order)
	}
	paths := []string{"/a", "/b", "/c", "/d", "/e"}
	gate := map[string]chan struct{}{}
	for _, p := range paths {
		gate[p] = make(chan struct{})
	}
	h := Admit(2, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		mu.Lock()
		order = append(order, r.URL.Path)
		mu.Unlock()
		if g, ok := gate[r.URL.Path]; ok {
			<-g
		}
	}))
	// waitFor waits until n requests have started.
	waitFor := func(n int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for len(started()) < n {
			if time.Now().After(deadline) {
				t.Fatalf("%d requests started, want %d: %v", len(started()), n, started())
			}
			time.Sleep(time.Millisecond)
		}
	}
	var wg sync.WaitGroup
	for _, p := range paths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
		}()
		time.Sleep(30 * time.Millisecond) // each one is queued before the next arrives
	}
	waitFor(2)
	// Two run, three wait; a static file and the health check go past the queue.
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/static/app.css", nil))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/healthz", nil))
	if got := len(started()); got != 4 {
		t.Fatalf("%d requests started before any slot freed, want the limit 2 + static file + health check: %v", got, started())
	}
	for i, p := range paths {
		close(gate[p]) // one slot frees: the next in line starts
		if want := min(4+i+1, 4+3); i < 3 {
			waitFor(want)
		}
	}
	wg.Wait()
	if most.Load() != 2+1 {
		t.Errorf("at most %d ran at once, want the limit 2 (+1 static file or health check)", most.Load())
	}
	if want := []string{"/a", "/b", "/static/app.css", "/healthz", "/c", "/d", "/e"}; !slices.Equal(started(), want) {
		t.Fatalf("served in the order %v, want %v", started(), want)
	}
}
