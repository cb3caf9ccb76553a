package web

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Admit runs at most its limit of requests at once and serves the queued
// ones in arrival order; static files and the health check do not queue.
func TestAdmitLimitsAndQueuesInOrder(t *testing.T) {
	var running, most atomic.Int64
	var mu sync.Mutex
	var order []string
	release := make(chan struct{})
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
		if r.URL.Path != "/static/app.css" && r.URL.Path != "/healthz" {
			<-release
		}
	}))
	var wg sync.WaitGroup
	serve := func(path string) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
		}()
		time.Sleep(30 * time.Millisecond) // each one waits before the next arrives
	}
	for _, p := range []string{"/a", "/b", "/c", "/d", "/e"} {
		serve(p)
	}
	// Two run, three wait; a static file goes past the queue.
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/static/app.css", nil))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/healthz", nil))
	close(release)
	wg.Wait()
	if most.Load() != 2+1 {
		t.Errorf("at most %d ran at once, want the limit 2 (+1 static file or health check)", most.Load())
	}
	want := []string{"/a", "/b", "/static/app.css", "/healthz", "/c", "/d", "/e"}
	for i := range want {
		if i >= len(order) || order[i] != want[i] {
			t.Fatalf("served in the order %v, want %v", order, want)
		}
	}
}
