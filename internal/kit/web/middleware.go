package web

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// CSP allows only the binary's own scripts and styles.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// SecureHeaders sets CSP and the usual security headers.
func SecureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "geolocation=(self), camera=(self), microphone=()")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// CrossOrigin rejects cross-origin unsafe requests (POST, PUT, DELETE …)
// with http.CrossOriginProtection. Requests with a bearer token carry no
// ambient credentials and are let through.
func CrossOrigin(ui *UI, next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ui.Fail(w, r, http.StatusForbidden, "error.cross_origin")
	}))
	protected := cop.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			next.ServeHTTP(w, r)
			return
		}
		protected.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Observe logs requests, counts them for /metrics and turns panics into
// the 500 page.
func Observe(ui *UI, m *Metrics, log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		m.inflight.Add(1)
		defer m.inflight.Add(-1)
		defer func() {
			if p := recover(); p != nil {
				log.Error("panic", "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
				if sw.status == 0 {
					ui.Fail(sw, r, http.StatusInternalServerError, "error.internal")
				}
			}
			d := time.Since(start)
			if sw.status == 0 {
				sw.status = http.StatusOK
			}
			m.observe(r.Method, sw.status, d)
			if r.URL.Path != "/healthz" && !strings.HasPrefix(r.URL.Path, "/static/") {
				log.Info("http", "method", r.Method, "path", r.URL.Path, "status", sw.status, "ms", d.Milliseconds(), "ip", ClientIP(r))
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// Metrics counts requests for the Prometheus text endpoint.
type Metrics struct {
	mu       sync.Mutex
	requests map[string]int64 // "method|status"
	seconds  float64
	count    int64
	inflight atomic.Int64
	started  time.Time
	gauges   map[string]func() float64
}

// NewMetrics returns empty metrics.
func NewMetrics() *Metrics {
	return &Metrics{requests: map[string]int64{}, started: time.Now(), gauges: map[string]func() float64{}}
}

// Gauge registers a value read at scrape time.
func (m *Metrics) Gauge(name string, f func() float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gauges[name] = f
}

func (m *Metrics) observe(method string, status int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[fmt.Sprintf("%s|%d", method, status)]++
	m.seconds += d.Seconds()
	m.count++
}

// Write writes the Prometheus text exposition format.
func (m *Metrics) Write(w http.ResponseWriter) {
	m.mu.Lock()
	keys := make([]string, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("# HELP yingji_http_requests_total HTTP requests by method and status.\n# TYPE yingji_http_requests_total counter\n")
	for _, k := range keys {
		parts := strings.SplitN(k, "|", 2)
		fmt.Fprintf(&b, "yingji_http_requests_total{method=%q,status=%q} %d\n", parts[0], parts[1], m.requests[k])
	}
	fmt.Fprintf(&b, "# HELP yingji_http_request_seconds Time spent serving requests.\n# TYPE yingji_http_request_seconds summary\nyingji_http_request_seconds_sum %g\nyingji_http_request_seconds_count %d\n", m.seconds, m.count)
	gk := make([]string, 0, len(m.gauges))
	for k := range m.gauges {
		gk = append(gk, k)
	}
	sort.Strings(gk)
	for _, k := range gk {
		fmt.Fprintf(&b, "# TYPE %s gauge\n%s %g\n", k, k, m.gauges[k]())
	}
	m.mu.Unlock()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(&b, "# TYPE yingji_http_requests_in_flight gauge\nyingji_http_requests_in_flight %d\n", m.inflight.Load())
	fmt.Fprintf(&b, "# TYPE yingji_go_goroutines gauge\nyingji_go_goroutines %d\n", runtime.NumGoroutine())
	fmt.Fprintf(&b, "# TYPE yingji_go_heap_bytes gauge\nyingji_go_heap_bytes %d\n", ms.HeapAlloc)
	fmt.Fprintf(&b, "# TYPE yingji_uptime_seconds gauge\nyingji_uptime_seconds %g\n", time.Since(m.started).Seconds())
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = w.Write([]byte(b.String()))
}
