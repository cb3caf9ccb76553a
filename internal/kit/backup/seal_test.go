package backup_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"yingji/internal/kit/backup"
)

func seal(t *testing.T, plain, pass []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := backup.NewSealWriter(&buf, pass)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(plain); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func open(ct, pass []byte) ([]byte, error) {
	r, err := backup.NewOpenReader(bytes.NewReader(ct), pass)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// Sizes around the chunk boundary round-trip; a wrong passphrase, a flipped
// byte, a cut-off or an extended file do not open.
func TestSealRoundTripAndTampering(t *testing.T) {
	pass := []byte("口令 passphrase")
	for _, n := range []int{0, 1, 64<<10 - 1, 64 << 10, 64<<10 + 1, 200 << 10} {
		plain := bytes.Repeat([]byte{byte(n)}, n)
		ct := seal(t, plain, pass)
		if !backup.IsEncrypted(ct) || (n > 16 && bytes.Contains(ct, plain[:16])) {
			t.Fatalf("%d bytes: not encrypted", n)
		}
		got, err := open(ct, pass)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("%d bytes: round trip: %v (%d bytes back)", n, err, len(got))
		}
		if _, err := open(ct, []byte("wrong")); !errors.Is(err, backup.ErrPassphrase) {
			t.Fatalf("%d bytes: wrong passphrase: %v", n, err)
		}
		if _, err := open(ct, nil); !errors.Is(err, backup.ErrNeedPassphrase) {
			t.Fatalf("%d bytes: no passphrase: %v", n, err)
		}
		flipped := append([]byte{}, ct...)
		flipped[len(flipped)-1] ^= 1
		if _, err := open(flipped, pass); !errors.Is(err, backup.ErrPassphrase) {
			t.Fatalf("%d bytes: flipped byte: %v", n, err)
		}
		if n > 64<<10 {
			// Cut at the end of a full (not last) chunk: the last chunk is missing.
			cut := ct[:31+4+64<<10+16]
			if _, err := open(cut, pass); !errors.Is(err, backup.ErrPassphrase) {
				t.Fatalf("%d bytes: cut-off file: %v", n, err)
			}
		}
		if _, err := open(append(append([]byte{}, ct...), 0), pass); !errors.Is(err, backup.ErrPassphrase) {
			t.Fatalf("%d bytes: trailing byte: %v", n, err)
		}
	}
}
