package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

type textBody struct {
	Name   string            `json:"name"`
	Note   *string           `json:"note"`
	Tags   []string          `json:"tags"`
	Extra  map[string]string `json:"extra"`
	Nested struct {
		Place string `json:"place_name"`
	} `json:"nested"`
}

func readTextBody(t *testing.T, body string) (int, map[string]any, textBody) {
	t.Helper()
	ui := testUI(t)
	var got textBody
	w := httptest.NewRecorder()
	r := request(http.MethodPost, "/api/v1/x", body)
	if ui.ReadJSON(w, r, &got) {
		return 0, nil, got
	}
	var answer map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &answer); err != nil {
		t.Fatalf("answer %q: %v", w.Body.String(), err)
	}
	return w.Code, answer, got
}

func TestReadJSONRefusesControlCharacters(t *testing.T) {
	for _, tc := range []struct{ body, field string }{
		{`{"name":"a\u0000b"}`, "name"},
		{`{"note":"x\u001bY"}`, "note"},
		{`{"tags":["ok","bad\u0007"]}`, "tags"},
		{`{"extra":{"k":"v\u0000"}}`, "extra.k"},
		{`{"nested":{"place_name":"\u007f"}}`, "nested.place_name"},
	} {
		code, answer, _ := readTextBody(t, tc.body)
		if code != http.StatusUnprocessableEntity || answer["field"] != tc.field {
			t.Errorf("%s: %d %v, want 422 naming %s", tc.body, code, answer, tc.field)
		}
		if msg, _ := answer["error"].(string); !strings.Contains(msg, "控制字符") {
			t.Errorf("%s: message %q", tc.body, msg)
		}
	}
	// Tabs and line breaks are text.
	if code, answer, got := readTextBody(t, `{"name":"第一行\n第二行\t完"}`); code != 0 || got.Name != "第一行\n第二行\t完" {
		t.Errorf("multi-line text refused: %d %v", code, answer)
	}
}

func TestReadJSONEmptiesInvisibleText(t *testing.T) {
	code, answer, got := readTextBody(t, `{"name":"\u200b\u200b \ufeff","tags":["\u200b"],"extra":{"k":"\u200d"},"note":"  x\u200b"}`)
	if code != 0 {
		t.Fatalf("refused: %d %v", code, answer)
	}
	if got.Name != "" || got.Tags[0] != "" || got.Extra["k"] != "" {
		t.Errorf("invisible text kept: %+v", got)
	}
	if *got.Note != "  x\u200b" {
		t.Errorf("visible text changed: %q", *got.Note)
	}
}

func TestReadJSONLimits(t *testing.T) {
	long := strings.Repeat("长", MaxTextChars+1)
	code, answer, _ := readTextBody(t, `{"name":"`+long+`"}`)
	if code != http.StatusUnprocessableEntity || answer["field"] != "name" {
		t.Fatalf("over-long text: %d %v", code, answer)
	}
	if msg, _ := answer["error"].(string); !strings.Contains(msg, "20000") {
		t.Errorf("the limit is not in the message: %q", msg)
	}
	big := `{"name":"` + strings.Repeat("a", MaxJSONBody) + `"}`
	code, answer, _ = readTextBody(t, big)
	if code != http.StatusRequestEntityTooLarge || answer["code"] != "too_large" {
		t.Fatalf("1 MiB body: %d %v", code, answer)
	}
	if msg, _ := answer["error"].(string); !strings.Contains(msg, "1 MB") {
		t.Errorf("the limit is not in the message: %q", msg)
	}
}

func TestTextGuardForms(t *testing.T) {
	ui := testUI(t)
	reached := 0
	h := TextGuard(ui, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached++
		f := NewForm(r)
		_, _ = w.Write([]byte(f.Get("name")))
	}))
	post := func(body string, api bool) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/enterprises", strings.NewReader(body))
		if api {
			r = httptest.NewRequest(http.MethodPost, "/api/v1/enterprises", strings.NewReader(body))
		}
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	if w := post("name="+url.QueryEscape("a\x00b"), false); w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "name") {
		t.Errorf("NUL in a form: %d %s", w.Code, w.Body.String())
	}
	if w := post("name="+strings.Repeat("x", MaxFormBody+1), true); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("form over 1 MiB: %d", w.Code)
	}
	if reached != 0 {
		t.Fatalf("handler reached %d times with a refused body", reached)
	}
	if w := post("name="+url.QueryEscape("\u200b 甲公司 \u200b"), false); w.Code != http.StatusOK || w.Body.String() != "甲公司" {
		t.Errorf("clean form: %d %q", w.Code, w.Body.String())
	}
}
