package app

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// The load command runs a small mix against a fresh demo county, stops by
// itself and reports every request kind, /healthz included, without a
// failure.
func TestLoadTestBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the whole demo county")
	}
	var out bytes.Buffer
	start := time.Now()
	err := LoadTest(context.Background(), &out, LoadOptions{Clients: 6, Duration: 3 * time.Second, WriteShare: 0.3})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"GET /healthz", "POST /api/v1/hazards", "GET /hazards", "p95 ÷ /healthz p95", " 0 failed"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	if d := time.Since(start); d > 5*time.Minute {
		t.Errorf("did not stop by itself in time: %v", d)
	}
}

func TestLoadTestRefusesBadOptions(t *testing.T) {
	for _, o := range []LoadOptions{{Duration: 11 * time.Minute}, {WriteShare: 1.5}, {WriteShare: -0.1}} {
		if err := LoadTest(context.Background(), &bytes.Buffer{}, o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	if err := loopbackOnly("http://10.1.2.3:8080/"); err == nil {
		t.Error("a private address was accepted as a load target")
	}
	if err := loopbackOnly("http://127.0.0.1:8080/"); err != nil {
		t.Error(err)
	}
}
