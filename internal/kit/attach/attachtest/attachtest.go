// Package attachtest builds attachment content for tests. It is imported by
// test files only.
package attachtest

import (
	"bytes"
	"image"
	"image/png"
	"testing"
)

// PNG returns a blank w×h PNG image.
func PNG(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
