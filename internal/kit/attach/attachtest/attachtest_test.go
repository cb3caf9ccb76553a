package attachtest_test

import (
	"bytes"
	"image/png"
	"testing"

	"yingji/internal/kit/attach/attachtest"
)

func TestPNGHasTheAskedSize(t *testing.T) {
	img, err := png.Decode(bytes.NewReader(attachtest.PNG(t, 8, 6)))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 8 || b.Dy() != 6 {
		t.Fatalf("bounds %v, want 8×6", b)
	}
}
