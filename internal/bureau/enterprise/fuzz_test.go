package enterprise

import (
	"strings"
	"testing"
)

// FuzzCreditCode: the validator never panics; it accepts a code exactly
// when the code is 18 allowed characters with region digits and the check
// character computed from the first 17; changing the check character of a
// valid code always makes it invalid.
func FuzzCreditCode(f *testing.F) {
	for _, s := range []string{"91340223MA2N1XXXXX", "913402236836218477", "", "9134022368362184", "ÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿ", "91340223683621847I"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		reason, ok := CheckCreditCode(code)
		if ok != (reason == "") {
			t.Fatalf("%q: ok %v with reason %q", code, ok, reason)
		}
		if len(code) < 17 {
			return
		}
		prefix := code[:17]
		want, computable := CreditCheckChar(prefix)
		if !computable {
			return
		}
		valid := prefix + string(want)
		regionDigits := true
		for i := 2; i < 8; i++ {
			regionDigits = regionDigits && valid[i] >= '0' && valid[i] <= '9'
		}
		if _, ok := CheckCreditCode(valid); ok != regionDigits {
			t.Fatalf("%q with its own check character: ok %v", valid, ok)
		}
		if !regionDigits {
			return
		}
		for _, c := range creditChars {
			if byte(c) == want {
				continue
			}
			if _, ok := CheckCreditCode(prefix + string(c)); ok {
				t.Fatalf("%q accepted with the wrong check character %c (want %c)", prefix+string(c), c, want)
			}
		}
		if n := NormalizeCreditCode(" " + strings.ToLower(valid) + " "); n != valid {
			t.Fatalf("normalize %q → %q", valid, n)
		}
	})
}
