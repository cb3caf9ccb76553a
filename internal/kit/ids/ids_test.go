package ids

import (
	"sync"
	"testing"
)

func TestNewIsStrictlyIncreasing(t *testing.T) {
	prev := New()
	for i := 0; i < 100000; i++ {
		id := New()
		if id <= prev {
			t.Fatalf("key %d: %s is not after %s", i, id, prev)
		}
		prev = id
	}
}

func TestNewConcurrentUnique(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]string, 0, 5000)
			for i := 0; i < 5000; i++ {
				local = append(local, New())
			}
			mu.Lock()
			defer mu.Unlock()
			for _, id := range local {
				if seen[id] {
					t.Errorf("duplicate key %s", id)
				}
				seen[id] = true
			}
		}()
	}
	wg.Wait()
	if len(seen) != 40000 {
		t.Fatalf("got %d keys, want 40000", len(seen))
	}
}
