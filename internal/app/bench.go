package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"yingji/internal/config"
)

// BenchOptions tune Bench.
type BenchOptions struct {
	Runs     int           // cold starts to time (median reported)
	Clients  int           // concurrent /healthz clients
	Duration time.Duration // length of the /healthz load
}

// Bench measures cold start to serving on an empty SQLite database, idle
// resident memory, and /healthz throughput with concurrent clients on
// loopback, and writes a short report. It is the `yingji bench` verb.
func Bench(ctx context.Context, out io.Writer, o BenchOptions) error {
	if o.Runs <= 0 {
		o.Runs = 5
	}
	if o.Clients <= 0 {
		o.Clients = 50
	}
	if o.Duration <= 0 {
		o.Duration = 5 * time.Second
	}
	var starts []time.Duration
	var last *App
	for i := 0; i < o.Runs; i++ {
		dir, err := os.MkdirTemp("", "yingji-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		t0 := time.Now()
		a, err := Open(ctx, config.Config{Addr: "127.0.0.1:0", DataDir: dir, County: "349901", CountyName: "示例县", AdminPassword: "Bench2022x"}, Options{})
		if err != nil {
			return err
		}
		if err := a.Listen(); err != nil {
			return err
		}
		go func() { _ = a.Serve() }()
		res, err := http.Get(a.URL() + "healthz")
		if err != nil {
			return err
		}
		res.Body.Close()
		starts = append(starts, time.Since(t0))
		if i == 0 {
			runtime.GC()
			time.Sleep(2 * time.Second)
			fmt.Fprintf(out, "idle resident memory (VmRSS of this process with one server, after GC): %s (goal ≤ 60 MB)\n", rss())
		}
		if last != nil {
			_ = last.Shutdown(ctx)
			last.Close()
		}
		last = a
	}
	defer func() { _ = last.Shutdown(ctx); last.Close() }()
	sort.Slice(starts, func(i, j int) bool { return starts[i] < starts[j] })
	fmt.Fprintf(out, "cold start to first /healthz on an empty SQLite database: median %v (min %v, max %v, %d runs; goal ≤ 1s)\n",
		starts[len(starts)/2].Round(time.Millisecond), starts[0].Round(time.Millisecond), starts[len(starts)-1].Round(time.Millisecond), len(starts))

	url := last.URL() + "healthz"
	tr := &http.Transport{MaxIdleConnsPerHost: o.Clients, MaxConnsPerHost: o.Clients}
	client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	var n, failed atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	deadline := time.Now().Add(o.Duration)
	var wg sync.WaitGroup
	for c := 0; c < o.Clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(deadline) {
				t := time.Now()
				res, err := client.Get(url)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					failed.Add(1)
					continue
				}
				mine = append(mine, time.Since(t))
				n.Add(1)
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) == 0 {
		return fmt.Errorf("no /healthz request succeeded")
	}
	fmt.Fprintf(out, "/healthz with %d concurrent clients on loopback for %v: %.0f req/s, p50 %v, p95 %v, %d failed (client and server share the machine's cores)\n",
		o.Clients, o.Duration, float64(n.Load())/o.Duration.Seconds(), lat[len(lat)/2].Round(time.Microsecond), lat[len(lat)*95/100].Round(time.Microsecond), failed.Load())
	fmt.Fprintf(out, "resident memory after the load: %s\n", rss())
	return nil
}

// rss reads VmRSS of this process (Linux).
func rss() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.Atoi(f[1])
				return fmt.Sprintf("%.1f MB", float64(kb)/1024)
			}
		}
	}
	return "unknown"
}
