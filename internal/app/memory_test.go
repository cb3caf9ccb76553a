package app_test

import (
	"runtime"
	"testing"
	"yingji/internal/app"
)

// TestOpenReturnsStartupMemory: an app that has opened (migrations,
// templates, the admin's argon2id hash) keeps no large freed heap
// resident, so that an idle server's memory is what it uses (yingji
// bench reported 63 MB against its 60 MB goal while ~25 MB of it was
// start-up garbage not yet returned to the OS).
func TestOpenReturnsStartupMemory(t *testing.T) {
	a := openApp(t, false, app.Options{})
	_ = a
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	// Freed heap not returned to the OS: Open gives its start-up garbage
	// back (with 8 modules this was ~25 MB kept; now under a few MB).
	if kept := (m.HeapIdle - m.HeapReleased) >> 20; kept > 4 {
		t.Errorf("after Open %d MB of freed heap stay resident (in use %d MB, idle %d MB, released %d MB)", kept, m.HeapInuse>>20, m.HeapIdle>>20, m.HeapReleased>>20)
	}
	// The live heap: templates, messages and caches of every module
	// (~16 MB with 8 modules, ~30 MB with 17). A jump means a module keeps
	// something large at start.
	if live := m.HeapInuse >> 20; live > 36 {
		t.Errorf("after Open the live heap is %d MB", live)
	}
	t.Logf("heap resident %d MB, in use %d MB", (m.HeapSys-m.HeapReleased)>>20, m.HeapInuse>>20)
}
