package errs

import (
	"fmt"
	"testing"
)

func TestOutOfScope(t *testing.T) {
	err := fmt.Errorf("read: %w", OutOfScope("enterprise", "e1"))
	if KindOf(err) != NotFound {
		t.Fatalf("kind %s", KindOf(err))
	}
	if e, _ := As(err); e.Message != "not_found" {
		t.Fatalf("message %q: reads like a missing record", e.Message)
	}
	if ref, ok := RefusedOf(err); !ok || ref != (Ref{"enterprise", "e1"}) {
		t.Fatalf("refused %+v %v", ref, ok)
	}
	if ref, ok := RefusedOf(Rescope(err, "facility", "f1")); !ok || ref != (Ref{"facility", "f1"}) {
		t.Fatalf("rescoped %+v %v", ref, ok)
	}
	plain := New(NotFound, "not_found")
	if _, ok := RefusedOf(plain); ok || Rescope(plain, "facility", "f1") != error(plain) || Rescope(nil, "x", "y") != nil {
		t.Fatal("a missing record is not a refusal")
	}
}
