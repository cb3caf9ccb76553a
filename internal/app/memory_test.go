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
	// Resident heap: in use (live or garbage not yet collected) plus
	// freed but not returned. The live heap after Open is ~16 MB.
	if kept := (m.HeapSys - m.HeapReleased) >> 20; kept > 28 {
		t.Errorf("after Open %d MB of heap stay resident (in use %d MB, idle %d MB, released %d MB)", kept, m.HeapInuse>>20, m.HeapIdle>>20, m.HeapReleased>>20)
	}
	t.Logf("heap resident %d MB, in use %d MB", (m.HeapSys-m.HeapReleased)>>20, m.HeapInuse>>20)
}
