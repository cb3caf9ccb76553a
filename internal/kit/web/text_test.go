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
	Ref  string   `json:"ref" maxlen:"5"`
	Refs []string `json:"refs" maxlen:"3"`
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
	code, answer, _ := readTextBody(t, `{"tags":["`+long+`"]}`)
	if code != http.StatusUnprocessableEntity || answer["field"] != "tags" {
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

// A field named in the shared table (internal/kit/textlimit) has its own limit,
// named in the message; a struct's maxlen tag overrides it; the length
// counts characters, not bytes, of the text without surrounding blanks.
func TestReadJSONFieldLimits(t *testing.T) {
	for _, tc := range []struct {
		body, field, limit string
	}{
		{`{"name":"` + strings.Repeat("名", 101) + `"}`, "name", "100"},
		{`{"nested":{"place_name":"` + strings.Repeat("地", 201) + `"}}`, "nested.place_name", "200"},
		{`{"note":"` + strings.Repeat("注", 2001) + `"}`, "note", "2000"},
		{`{"extra":{"phone":"` + strings.Repeat("1", 31) + `"}}`, "extra.phone", "30"},
		{`{"ref":"123456"}`, "ref", "5"},
		{`{"refs":["abc","abcd"]}`, "refs", "3"},
	} {
		code, answer, _ := readTextBody(t, tc.body)
		if code != http.StatusUnprocessableEntity || answer["field"] != tc.field {
			t.Errorf("%.40s: %d %v, want 422 naming %s", tc.body, code, answer, tc.field)
			continue
		}
		if msg, _ := answer["error"].(string); !strings.Contains(msg, "最多 "+tc.limit+" 个字符") {
			t.Errorf("%.40s: the limit %s is not in the message %q", tc.body, tc.limit, msg)
		}
	}
	at := strings.Repeat("名", 100)
	if code, answer, got := readTextBody(t, `{"name":"  `+at+` ","ref":"12345","note":"`+strings.Repeat("注", 2000)+`"}`); code != 0 || got.Ref != "12345" {
		t.Errorf("values at their limits refused: %d %v", code, answer)
	}
}

// A form field has the same limit as the JSON field and the Excel column of
// its key: refused before the handler with the limit in the message.
func TestTextGuardFieldLimits(t *testing.T) {
	ui := testUI(t)
	reached := 0
	h := TextGuard(ui, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached++
		_, _ = w.Write([]byte(NewForm(r).Get("name")))
	}))
	post := func(body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/api/v1/enterprises", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	w := post("name=" + url.QueryEscape(strings.Repeat("企", 101)))
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "最多 100 个字符") || !strings.Contains(w.Body.String(), "name") {
		t.Errorf("101-character name: %d %s", w.Code, w.Body.String())
	}
	if reached != 0 {
		t.Fatalf("handler reached with a refused name")
	}
	if w := post("name=" + url.QueryEscape(strings.Repeat("企", 100))); w.Code != http.StatusOK || w.Body.String() != strings.Repeat("企", 100) {
		t.Errorf("100-character name: %d", w.Code)
	}
}
