package e2e_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"yingji/internal/kit/demo"
)

// TestDutyScreenshots saves full-page screenshots of the duty desk's pages
// of a running Yingji with the demo loaded, for a person to look at:
// YINGJI_DUTY_URL=http://127.0.0.1:18551 and YINGJI_SCREENSHOTS=DIR.
// Skipped otherwise.
func TestDutyScreenshots(t *testing.T) {
	base := os.Getenv("YINGJI_DUTY_URL")
	if base == "" {
		t.Skip("YINGJI_DUTY_URL not set")
	}
	exe := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	b := newTab(t, ctx, exe, strings.TrimSuffix(base, "/"))
	b.signIn("zhiban", demo.Password)
	for i, p := range []string{"/", "/duty", "/duty/roster?month=2022-06", "/duty/log", "/duty/incidents", "/duty/incidents/new", "/duty/settings", "/duty/swaps"} {
		b.openOK(p)
		b.screenshot(fmt.Sprintf("duty-%02d.png", i))
	}
	b.openOK("/duty/incidents")
	if href := js[string](b, "first incident", `(document.querySelector("#incidents-table tbody a") || {}).getAttribute?.("href") || ""`); href != "" {
		b.openOK(href)
		b.screenshot("duty-incident.png")
	}
	b.openOK("/duty")
	if href := js[string](b, "shift", `(document.querySelector("#on-duty a") || {}).getAttribute?.("href") || ""`); href != "" {
		b.openOK(href)
		b.screenshot("duty-shift.png")
	}
}
