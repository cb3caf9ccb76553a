package crypt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpenIndexAndKeyFile(t *testing.T) {
	dir := t.TempDir()
	s, err := Load("", dir)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(filepath.Join(dir, "field.key"))
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v", st.Mode())
	}
	a, b := s.Seal("340223198001011234"), s.Seal("340223198001011234")
	if a == b || strings.Contains(a, "3402231980") {
		t.Fatal("sealing must hide the value and be randomised")
	}
	if got, err := s.Open(a); err != nil || got != "340223198001011234" {
		t.Fatalf("open: %q %v", got, err)
	}
	x1, x2 := s.Index("x"), s.Index("x")
	if x1 != x2 || x1 == s.Index("y") {
		t.Fatal("blind index must be deterministic and distinguish values")
	}
	if got, _ := s.Open("plain legacy"); got != "plain legacy" {
		t.Fatal("legacy plain values pass through")
	}
	s2, err := Load("", dir) // the same key from the file
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s2.Open(a); err != nil || got != "340223198001011234" {
		t.Fatalf("reopen with the stored key: %v", err)
	}
	other, _ := Load("", t.TempDir())
	if _, err := other.Open(a); err == nil {
		t.Fatal("another key must not open the value")
	}
	if _, err := Load("not base64!", dir); err == nil {
		t.Fatal("a bad env key must be refused")
	}
}
