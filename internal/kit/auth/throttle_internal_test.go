package auth

import (
	"testing"
	"time"
)

func TestThrottlePolicy(t *testing.T) {
	p := throttlePolicy{Budget: 3, Base: time.Minute, Max: 5 * time.Minute, Forget: time.Hour}
	now := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	var b bucket
	var ok bool
	var wait time.Duration
	for i := range 3 {
		if b, ok, _ = p.admit(b, now); !ok {
			t.Fatalf("attempt %d refused", i)
		}
	}
	for _, want := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 5 * time.Minute, 5 * time.Minute} {
		if _, ok, wait = p.admit(b, now); ok || wait != want {
			t.Fatalf("closed bucket: ok=%v wait=%v, want %v", ok, wait, want)
		}
		now = now.Add(want)
		if b, ok, _ = p.admit(b, now); !ok {
			t.Fatal("open bucket refused")
		}
	}
	if b = p.refund(b); b.Tries != 7 || b.BlockedUntil.IsZero() {
		t.Fatalf("refund past the budget keeps the bucket closed: %+v", b)
	}
	now = now.Add(time.Hour)
	if b, ok, _ = p.admit(b, now); !ok || b.Tries != 1 {
		t.Fatalf("an idle bucket is forgotten: %+v", b)
	}
	if throttleAccount(" Admin ") != throttleAccount("admin") {
		t.Fatal("names differing in case or spaces share a bucket")
	}
}
