package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzReadJSON: any body is either refused with a 4xx answer or decoded
// into strings that are free of control characters and within the limit.
func FuzzReadJSON(f *testing.F) {
	for _, s := range []string{`{"name":"甲"}`, `{"name":"a\u0000b"}`, `{"tags":["\u200b"]}`, `{"extra":{"k":"v"}}`, `{`, ``, `null`, `{"nested":{"place_name":1}}`} {
		f.Add(s)
	}
	ui := testUI(f)
	f.Fuzz(func(t *testing.T, body string) {
		var got textBody
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPost, "/api/v1/x", strings.NewReader(body))
		if !ui.ReadJSON(w, r, &got) {
			if w.Code < 400 || w.Code >= 500 {
				t.Fatalf("refused with %d", w.Code)
			}
			return
		}
		check := func(s string) {
			if msg, _ := TextProblem(s); msg != "" {
				t.Fatalf("decoded %q (%s)", s, msg)
			}
		}
		check(got.Name)
		check(got.Nested.Place)
		for _, s := range got.Tags {
			check(s)
		}
		for k, v := range got.Extra {
			check(k)
			check(v)
		}
	})
}
