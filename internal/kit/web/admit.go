package web

import (
	"net/http"
	"strings"
)

// Admit lets at most limit requests run at once and queues the others in
// the order they arrived (goroutines blocked on a channel are served
// FIFO). Without it every request runs at once and each of its queries
// waits for a database connection on its own, and database/sql hands a
// freed connection to a random waiter: a page of twenty queries waited
// twenty times, each time possibly behind newer requests, so its latency
// under 200 clients grew with its number of queries rather than its work.
// Admitted, a request waits once, in turn, and then finds connections
// free. Static files skip the queue (no database), and so does /healthz:
// a health check (a load balancer's, a supervisor's) must answer while the
// pages queue, or a busy server would be taken for a dead one and
// restarted; and `yingji load` compares pages with it as the machine's
// floor, which it would not be if it waited its turn among them. A client
// that leaves while queued is not served. limit ≤ 0 admits everything.
func Admit(limit int, next http.Handler) http.Handler {
	if limit <= 0 {
		return next
	}
	slots := make(chan struct{}, limit)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/static/") || r.URL.Path == "/healthz" {
			next.ServeHTTP(w, r)
			return
		}
		select {
		case slots <- struct{}{}:
		case <-r.Context().Done():
			return
		}
		defer func() { <-slots }()
		next.ServeHTTP(w, r)
	})
}
