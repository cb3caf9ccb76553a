package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"yingji/internal/kit/config"
)

// LoadOptions tune LoadTest.
type LoadOptions struct {
	Clients    int           // concurrent clients (default 200)
	Duration   time.Duration // how long the load runs (default 60s, at most 10 minutes)
	WriteShare float64       // share of requests that report a hazard (default 0.2)
	DB         string        // a PostgreSQL URL to run on; "" = SQLite in a temporary directory
	Seed       uint64        // random seed of the request mix (0 = 1)
}

// loadUsers are the demo accounts the clients act as, with the pages each
// one reads. Every page is a real page of the demo county.
var loadUsers = []struct {
	name  string
	pages []string
}{
	{"leader", []string{"/", "/hazards", "/hazards/overdue", "/hazards/stats", "/cards", "/supervision", "/housing", "/enterprises"}},
	{"jg1", []string{"/", "/hazards", "/hazards/overdue", "/enterprises", "/licences", "/supervision"}},
	{"jg2", []string{"/", "/hazards", "/enterprises", "/certificates"}},
	{"town", []string{"/", "/hazards", "/buildings", "/housing", "/datacalls"}},
	{"qiye", []string{"/", "/hazards", "/my-enterprise", "/self-reports"}},
}

// LoadTest starts a demo county on this machine (loopback only), then runs
// o.Clients clients for o.Duration: each request is, at random, a page
// read by one of the demo users or (o.WriteShare of them) a hazard reported
// through the API by section staff, while one more client measures /healthz
// in the same run. It stops by itself and prints, per page, the count,
// errors and p50/p95/p99, and each page's p95 as a multiple of /healthz's.
// It is the `yingji load` verb.
func LoadTest(ctx context.Context, out io.Writer, o LoadOptions) error {
	if o.Clients <= 0 {
		o.Clients = 200
	}
	if o.Duration <= 0 {
		o.Duration = 60 * time.Second
	}
	if o.Duration > 10*time.Minute {
		return errors.New("load: --duration is at most 10m")
	}
	if o.WriteShare < 0 || o.WriteShare > 1 {
		return errors.New("load: --writes is a share between 0 and 1")
	}
	if o.WriteShare == 0 {
		o.WriteShare = 0.2
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	dir, err := os.MkdirTemp("", "yingji-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	engine := "SQLite"
	if o.DB != "" {
		engine = "PostgreSQL"
	}
	fmt.Fprintf(out, "loading the demo county on %s …\n", engine)
	a, base, runCtx, stop, err := serveDemo(ctx, dir, o.DB, "Load2022x")
	if err != nil {
		return err
	}
	defer stop()

	cpu0 := processCPU()
	lat, err := a.runLoad(runCtx, base, o)
	if err != nil {
		return err
	}
	lat.cpu = processCPU() - cpu0
	return lat.report(out, o, engine)
}

// runLoad runs the clients of LoadTest against a served demo county at base
// and returns their latencies.
func (a *App) runLoad(runCtx context.Context, base string, o LoadOptions) (*latencies, error) {
	ctx := runCtx
	tokens := map[string]string{}
	for _, u := range loadUsers {
		user, err := a.Auth.FindByUsername(ctx, u.name)
		if err != nil {
			return nil, fmt.Errorf("load: demo user %s: %w", u.name, err)
		}
		_, secret, err := a.Auth.CreateToken(ctx, a.System(), user.ID, "load")
		if err != nil {
			return nil, err
		}
		tokens[u.name] = secret
	}
	tr := &http.Transport{MaxIdleConnsPerHost: o.Clients + 1, MaxConnsPerHost: o.Clients + 1}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	enterprises, err := loadEnterprises(ctx, client, base, tokens["jg1"])
	if err != nil {
		return nil, err
	}

	lat := &latencies{byPage: map[string][]time.Duration{}, errors: map[string]int{}}
	deadline := time.Now().Add(o.Duration)
	var wg sync.WaitGroup
	var writes atomic.Int64
	for c := range o.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(o.Seed, uint64(c)))
			for time.Now().Before(deadline) && runCtx.Err() == nil {
				if rng.Float64() < o.WriteShare {
					n := writes.Add(1)
					body, _ := json.Marshal(map[string]string{
						"enterprise_id": enterprises[rng.IntN(len(enterprises))],
						"source":        "inspection", "category": "thing",
						"description": fmt.Sprintf("压测隐患 %d：消防通道堵塞", n),
						"found_on":    "2022-06-20", // before the demo's business date and today alike
					})
					lat.do(runCtx, client, "POST /api/v1/hazards", http.MethodPost, base+"api/v1/hazards", tokens["jg1"], body, http.StatusCreated)
					continue
				}
				u := loadUsers[rng.IntN(len(loadUsers))]
				page := u.pages[rng.IntN(len(u.pages))]
				lat.do(runCtx, client, "GET "+page, http.MethodGet, base+page[1:], tokens[u.name], nil, http.StatusOK)
			}
		}()
	}
	// /healthz measured in the same run, by one more client at a steady pace.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for time.Now().Before(deadline) && runCtx.Err() == nil {
			lat.do(runCtx, client, "GET /healthz", http.MethodGet, base+"healthz", "", nil, http.StatusOK)
			time.Sleep(20 * time.Millisecond)
		}
	}()
	wg.Wait()
	return lat, nil
}

// loopbackOnly refuses to send load anywhere but this machine.
func loopbackOnly(base string) error {
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	ip := net.ParseIP(u.Hostname())
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("load: %s is not a loopback address", base)
	}
	return nil
}

// loadEnterprises returns IDs of enterprises the section user may report on.
func loadEnterprises(ctx context.Context, c *http.Client, base, token string) ([]string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"api/v1/enterprises?size=100", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var page struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := json.NewDecoder(res.Body).Decode(&page); err != nil {
		return nil, fmt.Errorf("load: list enterprises: %w", err)
	}
	var ids []string
	for _, e := range page.Items {
		ids = append(ids, e.ID)
	}
	if len(ids) == 0 {
		return nil, errors.New("load: the section user sees no enterprise")
	}
	return ids, nil
}

// latencies collects request times and failures per page.
type latencies struct {
	mu     sync.Mutex
	byPage map[string][]time.Duration
	errors map[string]int
	sample []string // first few failures, for the report
	// cpu is the process's CPU time over the run (server and clients
	// together): per request, it is what a page costs whatever the
	// machine's load, where the latencies mostly say how busy it was.
	cpu time.Duration
}

func (l *latencies) do(ctx context.Context, c *http.Client, name, method, target, token string, body []byte, want int) {
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	if err != nil {
		return
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	t0 := time.Now()
	res, err := c.Do(req)
	d := time.Since(t0)
	status := 0
	if err == nil {
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		status = res.StatusCode
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if ctx.Err() != nil {
		return
	}
	if err != nil || status != want {
		l.errors[name]++
		if len(l.sample) < 5 {
			l.sample = append(l.sample, fmt.Sprintf("%s: status %d %v", name, status, err))
		}
		return
	}
	l.byPage[name] = append(l.byPage[name], d)
}

func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}

func (l *latencies) report(out io.Writer, o LoadOptions, engine string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	names := make([]string, 0, len(l.byPage))
	for n := range l.byPage {
		names = append(names, n)
	}
	for n := range l.errors {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, d := range l.byPage {
		slices.Sort(d)
	}
	health := pct(l.byPage["GET /healthz"], 95)
	total, failed := 0, 0
	fmt.Fprintf(out, "\n%d clients for %v on %s (%.0f%% hazard reports), loopback:\n", o.Clients, o.Duration, engine, o.WriteShare*100)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "request\tcount\terrors\tp50\tp95\tp99\tp95 ÷ /healthz p95\t")
	for _, n := range names {
		d := l.byPage[n]
		total += len(d) + l.errors[n]
		failed += l.errors[n]
		ratio := "-"
		if health > 0 && n != "GET /healthz" {
			ratio = fmt.Sprintf("%.1f×", float64(pct(d, 95))/float64(health))
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%v\t%v\t%v\t%s\t\n", n, len(d), l.errors[n],
			pct(d, 50).Round(100*time.Microsecond), pct(d, 95).Round(100*time.Microsecond), pct(d, 99).Round(100*time.Microsecond), ratio)
	}
	_ = tw.Flush()
	fmt.Fprintf(out, "%d requests, %d failed (%.1f req/s)", total, failed, float64(total)/o.Duration.Seconds())
	if l.cpu > 0 && total > 0 {
		fmt.Fprintf(out, ", CPU %.1f ms a request (server and clients)", float64(l.cpu)/float64(time.Millisecond)/float64(total))
	}
	fmt.Fprintln(out)
	for _, s := range l.sample {
		fmt.Fprintln(out, "  failure:", s)
	}
	if failed > 0 {
		return fmt.Errorf("load: %d of %d requests failed", failed, total)
	}
	return nil
}

// loadSummary is what Bench reports of a load run.
type loadSummary struct {
	worst                 string        // the page with the highest p95 ratio
	worstP95, health      time.Duration // its p95, /healthz p95
	worstRatio, homeRatio float64       // p95 ÷ /healthz p95
	total, failed         int
	failures              []string // the first few, for the report
}

// summary reduces the latencies to the worst page and the home page against
// /healthz in the same run.
func (l *latencies) summary() loadSummary {
	l.mu.Lock()
	defer l.mu.Unlock()
	var s loadSummary
	for _, d := range l.byPage {
		slices.Sort(d)
	}
	s.health = pct(l.byPage["GET /healthz"], 95)
	for n, d := range l.byPage {
		s.total += len(d)
		if n == "GET /healthz" || s.health == 0 {
			continue
		}
		r := float64(pct(d, 95)) / float64(s.health)
		if r > s.worstRatio {
			s.worst, s.worstP95, s.worstRatio = n, pct(d, 95), r
		}
		if n == "GET /" {
			s.homeRatio = r
		}
	}
	for _, n := range l.errors {
		s.total += n
		s.failed += n
	}
	s.failures = append(s.failures, l.sample...)
	return s
}

// serveDemo opens a county in dir (or on the PostgreSQL at db), loads the
// demo, serves it on a loopback port with its background work running,
// and returns it with its URL and the context of its run; stop ends it
// all. The load test and the bench table use it.
func serveDemo(ctx context.Context, dir, db, adminPassword string) (a *App, base string, runCtx context.Context, stop func(), err error) {
	a, err = Open(ctx, config.Config{Addr: "127.0.0.1:0", DataDir: dir, DB: db, County: "349901", CountyName: "示例县",
		AdminPassword: adminPassword, LogLevel: "error"}, Options{})
	if err != nil {
		return nil, "", nil, nil, err
	}
	fail := func(err error) (*App, string, context.Context, func(), error) {
		a.Close()
		return nil, "", nil, nil, err
	}
	if err := a.LoadDemo(ctx, io.Discard); err != nil {
		return fail(err)
	}
	if err := a.Listen(); err != nil {
		return fail(err)
	}
	go func() { _ = a.Serve() }()
	runCtx, cancel := context.WithCancel(ctx)
	stop = func() {
		cancel()
		a.Stop()
		_ = a.Shutdown(context.Background())
		a.Close()
	}
	if err := a.Start(runCtx); err != nil {
		stop()
		return nil, "", nil, nil, err
	}
	base = a.URL()
	if err := loopbackOnly(base); err != nil {
		stop()
		return nil, "", nil, nil, err
	}
	return a, base, runCtx, stop, nil
}
