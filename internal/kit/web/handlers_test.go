package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/xlsx"
)

func testUI(t testing.TB) *UI {
	t.Helper()
	tr, err := NewI18n()
	if err != nil {
		t.Fatal(err)
	}
	ui, err := NewUI(tr, Policy{}, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return ui
}

// request builds a request as the router hands it on: with a principal
// and the path's {id}.
func request(method, target, body string) *http.Request {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r = r.WithContext(WithPrincipal(r.Context(), &auth.Principal{UserID: "u1", Role: auth.RoleAdmin}))
	r.SetPathValue("id", "x1")
	return r
}

func serve(h http.HandlerFunc, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h(rec, r)
	return rec
}

// decode reads a JSON body into a generic map.
func decode(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("body %q: %v", rec.Body.String(), err)
	}
	return m
}

type thing struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

var notFound = errs.New(errs.NotFound, "not_found")

func TestGetJSON(t *testing.T) {
	ui := testUI(t)
	var gotUser, gotID string
	h := GetJSON(ui, func(ctx context.Context, p *auth.Principal, id string) (thing, error) {
		gotUser, gotID = p.UserID, id
		if id == "missing" {
			return thing{}, notFound
		}
		return thing{ID: id, Name: "一"}, nil
	})
	rec := serve(h, request("GET", "/api/v1/things/x1", ""))
	if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `{"id":"x1","name":"一"}` {
		t.Fatalf("got %d %s", rec.Code, rec.Body)
	}
	if gotUser != "u1" || gotID != "x1" {
		t.Fatalf("called with user %q, id %q", gotUser, gotID)
	}
	r := request("GET", "/api/v1/things/missing", "")
	r.SetPathValue("id", "missing")
	rec = serve(h, r)
	if rec.Code != 404 || decode(t, rec)["code"] != "not_found" {
		t.Fatalf("not found: %d %s", rec.Code, rec.Body)
	}
}

func TestPagedJSON(t *testing.T) {
	ui := testUI(t)
	var got Paging
	h := PagedJSON(ui, func(r *http.Request, pg Paging) ([]thing, int, error) {
		got = pg
		if r.URL.Query().Get("q") == "fail" {
			return nil, 0, errors.New("database down")
		}
		if r.URL.Query().Get("q") == "none" {
			return nil, 0, nil
		}
		return []thing{{ID: "a"}}, 7, nil
	})
	rec := serve(h, request("GET", "/api/v1/things?page=2&size=3", ""))
	if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `{"items":[{"id":"a","name":""}],"page":2,"size":3,"total":7}` {
		t.Fatalf("got %d %s", rec.Code, rec.Body)
	}
	if got != (Paging{Page: 2, Size: 3}) {
		t.Fatalf("paging %+v", got)
	}
	rec = serve(h, request("GET", "/api/v1/things?q=none", ""))
	if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `{"items":[],"page":1,"size":50,"total":0}` {
		t.Fatalf("empty: %d %s", rec.Code, rec.Body)
	}
	rec = serve(h, request("GET", "/api/v1/things?q=fail", ""))
	if rec.Code != 500 || decode(t, rec)["code"] != "internal" || strings.Contains(rec.Body.String(), "database down") {
		t.Fatalf("internal error: %d %s", rec.Code, rec.Body)
	}
}

func TestItemsJSON(t *testing.T) {
	ui := testUI(t)
	var list []thing
	var fail error
	h := ItemsJSON(ui, func(ctx context.Context, p *auth.Principal) ([]thing, error) { return list, fail })
	rec := serve(h, request("GET", "/api/v1/things", ""))
	if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `{"items":[]}` {
		t.Fatalf("nil list: %d %s", rec.Code, rec.Body)
	}
	list = []thing{{ID: "a", Name: "b"}}
	rec = serve(h, request("GET", "/api/v1/things", ""))
	if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `{"items":[{"id":"a","name":"b"}]}` {
		t.Fatalf("list: %d %s", rec.Code, rec.Body)
	}
	fail = errs.New(errs.Forbidden, "error.forbidden")
	rec = serve(h, request("GET", "/api/v1/things", ""))
	if rec.Code != 403 || decode(t, rec)["code"] != "forbidden" {
		t.Fatalf("forbidden: %d %s", rec.Code, rec.Body)
	}
}

func TestBodyJSON(t *testing.T) {
	ui := testUI(t)
	calls := 0
	h := BodyJSON(ui, http.StatusCreated, func(ctx context.Context, p *auth.Principal, in thing) (thing, error) {
		calls++
		if in.Name == "" {
			return thing{}, errs.Field("name", "field.required", nil)
		}
		in.ID = "new"
		return in, nil
	})
	rec := serve(h, request("POST", "/api/v1/things", `{"name":"甲"}`))
	if rec.Code != 201 || strings.TrimSpace(rec.Body.String()) != `{"id":"new","name":"甲"}` {
		t.Fatalf("created: %d %s", rec.Code, rec.Body)
	}
	// A body that is not JSON, or names an unknown field, is a 400 and
	// the call is not made.
	for _, body := range []string{`{"name":`, `{"colour":"red"}`, ``} {
		before := calls
		rec = serve(h, request("POST", "/api/v1/things", body))
		if rec.Code != 400 || decode(t, rec)["code"] != "invalid" || calls != before {
			t.Fatalf("body %q: %d %s (calls %d)", body, rec.Code, rec.Body, calls-before)
		}
	}
	if f := decode(t, serve(h, request("POST", "/api/v1/things", `{"colour":"red"}`)))["field"]; f != "colour" {
		t.Fatalf("unknown field named %v", f)
	}
	rec = serve(h, request("POST", "/api/v1/things", `{}`))
	m := decode(t, rec)
	if rec.Code != 422 || m["code"] != "invalid" || m["field"] != "name" {
		t.Fatalf("refused: %d %s", rec.Code, rec.Body)
	}
}

func TestBodyJSONByID(t *testing.T) {
	ui := testUI(t)
	h := BodyJSONByID(ui, http.StatusOK, func(ctx context.Context, p *auth.Principal, id string, in thing) (thing, error) {
		if id != "x1" {
			return thing{}, notFound
		}
		in.ID = id
		return in, nil
	})
	rec := serve(h, request("PUT", "/api/v1/things/x1", `{"name":"乙"}`))
	if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `{"id":"x1","name":"乙"}` {
		t.Fatalf("updated: %d %s", rec.Code, rec.Body)
	}
	r := request("PUT", "/api/v1/things/x2", `{"name":"乙"}`)
	r.SetPathValue("id", "x2")
	if rec = serve(h, r); rec.Code != 404 {
		t.Fatalf("not found: %d %s", rec.Code, rec.Body)
	}
}

func TestReadJSON(t *testing.T) {
	ui := testUI(t)
	var in thing
	rec := httptest.NewRecorder()
	if !ui.ReadJSON(rec, request("POST", "/api/v1/things", `{"id":"a"}`), &in) || in.ID != "a" || rec.Body.Len() != 0 {
		t.Fatalf("read: %+v, answered %q", in, rec.Body)
	}
	rec = httptest.NewRecorder()
	if ui.ReadJSON(rec, request("POST", "/api/v1/things", `{"id":1}`), &in) || rec.Code != 400 || decode(t, rec)["field"] != "id" {
		t.Fatalf("wrong type: %d %s", rec.Code, rec.Body)
	}
}

func TestShow(t *testing.T) {
	ui := testUI(t)
	rec := httptest.NewRecorder()
	ui.Show(rec, request("GET", "/things", ""), http.StatusAccepted, "error", "error.not_found", "things",
		map[string]any{"Status": 202, "Message": "页面内容"}, nil)
	body := rec.Body.String()
	if rec.Code != 202 || !strings.Contains(body, "页面内容") || !strings.Contains(body, "<title>"+ui.I18n.T("zh", "error.not_found", nil)) {
		t.Fatalf("got %d %s", rec.Code, body)
	}
}

func TestFormFailed(t *testing.T) {
	ui := testUI(t)
	fieldErr := errs.FieldErrors{errs.Field("name", "field.required", nil)}.Err()
	conflict := errs.New(errs.Conflict, "error.conflict")
	cases := []struct {
		name       string
		err        error
		onForm     func(error) bool
		shown      bool
		status     int
		fieldError bool // f.Errors["name"] set; else f.Error
	}{
		{"field error on the form", fieldErr, HasFieldErrors, true, 422, true},
		{"invalid without fields on an invalid form", errs.New(errs.Invalid, "form.invalid"), IsInvalid, true, 422, false},
		{"invalid without fields is a page error", errs.New(errs.Invalid, "form.invalid"), HasFieldErrors, false, 422, false},
		{"conflict on any form", conflict, AnyError, true, 409, false},
		{"conflict is a page error", conflict, IsInvalid, false, 409, false},
		{"internal is a page error", errors.New("boom"), IsInvalid, false, 500, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := EmptyForm(map[string]string{"name": ""})
			rec := httptest.NewRecorder()
			shownWith := 0
			ui.FormFailed(rec, request("POST", "/things", ""), f, c.err, c.onForm, func(status int) {
				shownWith = status
				rec.WriteHeader(status)
			})
			if c.shown {
				if shownWith != c.status || rec.Code != c.status {
					t.Fatalf("form shown with %d, answered %d; want %d", shownWith, rec.Code, c.status)
				}
				if c.fieldError != (f.Errors["name"] != "") || c.fieldError == (f.Error != "") {
					t.Fatalf("field error %q, form error %q", f.Errors["name"], f.Error)
				}
				return
			}
			if shownWith != 0 || rec.Code != c.status || !strings.Contains(rec.Body.String(), "<html") {
				t.Fatalf("page error: shown %d, answered %d %q", shownWith, rec.Code, rec.Body)
			}
			if len(f.Errors) > 0 || f.Error != "" {
				t.Fatalf("form touched: %+v", f)
			}
		})
	}
}

func TestDone(t *testing.T) {
	ui := testUI(t)
	rec := httptest.NewRecorder()
	ui.Done(rec, request("POST", "/things/x1/close", ""), nil, "/things/x1", "action.saved")
	if rec.Code != 303 || rec.Header().Get("Location") != "/things/x1" || !strings.Contains(rec.Header().Get("Set-Cookie"), "flash=") {
		t.Fatalf("redirect: %d %v", rec.Code, rec.Header())
	}
	r := request("POST", "/things/x1/close", "")
	r.Header.Set("HX-Request", "true")
	rec = httptest.NewRecorder()
	ui.Done(rec, r, nil, "/things/x1", "")
	if rec.Code != 204 || rec.Header().Get("HX-Redirect") != "/things/x1" || rec.Header().Get("Set-Cookie") != "" {
		t.Fatalf("htmx redirect: %d %v", rec.Code, rec.Header())
	}
	rec = httptest.NewRecorder()
	ui.Done(rec, request("POST", "/things/x1/close", ""), notFound, "/things/x1", "action.saved")
	if rec.Code != 404 || rec.Header().Get("Location") != "" || rec.Header().Get("Set-Cookie") != "" {
		t.Fatalf("error: %d %v", rec.Code, rec.Header())
	}
}

func TestSendXLSX(t *testing.T) {
	ui := testUI(t)
	schema := xlsx.Schema{Name: "清单", Columns: []xlsx.Column{{Key: "name", Header: "名称"}}}
	open := func(w io.Writer) (*xlsx.Writer, error) { return xlsx.NewWriter(w, schema) }
	rec := httptest.NewRecorder()
	ui.SendXLSX(rec, request("GET", "/things/export", ""), "清单 1.xlsx", open, func(xw *xlsx.Writer) error { return xw.Write("甲") })
	if rec.Code != 200 || !strings.HasPrefix(rec.Body.String(), "PK") {
		t.Fatalf("file: %d %q", rec.Code, rec.Body.String()[:min(rec.Body.Len(), 40)])
	}
	if cd := rec.Header().Get("Content-Disposition"); cd != "attachment; filename*=UTF-8''%E6%B8%85%E5%8D%95%201.xlsx" {
		t.Fatalf("disposition %q", cd)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("type %q", ct)
	}
	// A failure while writing is answered as an error, not a broken file.
	rec = httptest.NewRecorder()
	ui.SendXLSX(rec, request("GET", "/things/export", ""), "清单.xlsx", open, func(xw *xlsx.Writer) error { return notFound })
	if rec.Code != 404 || rec.Header().Get("Content-Disposition") != "" || strings.HasPrefix(rec.Body.String(), "PK") {
		t.Fatalf("write error: %d %v", rec.Code, rec.Header())
	}
	rec = httptest.NewRecorder()
	failOpen := func(io.Writer) (*xlsx.Writer, error) { return nil, errors.New("no schema") }
	ui.SendXLSX(rec, request("GET", "/things/export", ""), "清单.xlsx", failOpen, func(*xlsx.Writer) error {
		t.Fatal("write called without a writer")
		return nil
	})
	if rec.Code != 500 {
		t.Fatalf("open error: %d", rec.Code)
	}
}

func TestSendPDF(t *testing.T) {
	ui := testUI(t)
	rec := httptest.NewRecorder()
	ui.SendPDF(rec, request("GET", "/things/x1.pdf", ""), "通知书-x1.pdf", func(out io.Writer) error {
		_, err := io.WriteString(out, "%PDF-1.7")
		return err
	})
	if rec.Code != 200 || rec.Body.String() != "%PDF-1.7" || rec.Header().Get("Content-Type") != "application/pdf" ||
		rec.Header().Get("Content-Disposition") != "inline; filename*=UTF-8''%E9%80%9A%E7%9F%A5%E4%B9%A6-x1.pdf" {
		t.Fatalf("pdf: %d %v %q", rec.Code, rec.Header(), rec.Body)
	}
	rec = httptest.NewRecorder()
	ui.SendPDF(rec, request("GET", "/things/x1.pdf", ""), "x.pdf", func(out io.Writer) error {
		_, _ = io.WriteString(out, "%PDF-partial")
		return notFound
	})
	if rec.Code != 404 || strings.Contains(rec.Body.String(), "%PDF") || rec.Header().Get("Content-Type") == "application/pdf" {
		t.Fatalf("error: %d %v %q", rec.Code, rec.Header(), rec.Body)
	}
}
