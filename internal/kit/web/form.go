package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"yingji/internal/kit/errs"
)

// Form keeps what the user typed and the errors per field, so an invalid
// form is shown again with the input intact.
type Form struct {
	Values map[string]string
	Errors map[string]string
	Error  string // a message for the whole form
}

// NewForm reads a posted form (values trimmed of white space and zero-width
// characters, see CleanText; TextGuard has refused control characters).
func NewForm(r *http.Request) *Form {
	_ = r.ParseForm()
	f := &Form{Values: map[string]string{}, Errors: map[string]string{}}
	for k, v := range r.PostForm {
		f.Values[k] = CleanText(strings.Join(v, ","))
	}
	return f
}

// EmptyForm returns a form with initial values.
func EmptyForm(values map[string]string) *Form {
	if values == nil {
		values = map[string]string{}
	}
	return &Form{Values: values, Errors: map[string]string{}}
}

// Get returns a value.
func (f *Form) Get(k string) string {
	if f == nil {
		return ""
	}
	return f.Values[k]
}

// Err returns a field's error message.
func (f *Form) Err(k string) string {
	if f == nil {
		return ""
	}
	return f.Errors[k]
}

// Has reports whether a multi-value field (comma-joined) holds v.
func (f *Form) Has(k, v string) bool {
	for _, x := range strings.Split(f.Get(k), ",") {
		if x == v {
			return true
		}
	}
	return false
}

// SetErrors fills field errors from a service error; returns false when
// err carries no field errors (then the caller shows a page error).
func (f *Form) SetErrors(ui *UI, lang string, err error) {
	fields := errs.Fields(err)
	for _, fe := range fields {
		f.Errors[fe.Field] = ui.I18n.T(lang, fe.Message, fe.Args)
	}
	if len(fields) == 0 {
		f.Error = ui.Message(lang, err)
	}
}

// DecodeJSON reads a JSON body into v, strictly: unknown fields and wrong
// types give an Invalid error naming the field and reason (400); a body over
// MaxJSONBody a TooLarge error (413); a text value with control characters
// or over its field's limit (the `maxlen` tag, else the shared table of
// internal/kit/textlimit, else MaxTextChars) an Invalid error naming its field
// and the limit (422). Text made
// only of invisible characters is decoded as empty.
func DecodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, MaxJSONBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		return checkDecoded(reflect.ValueOf(v), "", 0)
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return &errs.Error{Kind: errs.TooLarge, Message: "body.too_large", Args: map[string]any{"Limit": limitLabel}, Field: "body", Err: err}
	case errors.As(err, &syn):
		return &errs.Error{Kind: errs.Invalid, Message: "json.syntax", Args: map[string]any{"Offset": syn.Offset}, Field: "body", Err: err}
	case errors.As(err, &typ):
		return &errs.Error{Kind: errs.Invalid, Message: "json.type", Args: map[string]any{"Field": typ.Field, "Type": typ.Type.String()}, Field: typ.Field, Err: err}
	case errors.Is(err, io.EOF):
		return &errs.Error{Kind: errs.Invalid, Message: "json.empty", Field: "body"}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &errs.Error{Kind: errs.Invalid, Message: "json.unknown_field", Args: map[string]any{"Field": name}, Field: name}
	}
	return &errs.Error{Kind: errs.Invalid, Message: "json.syntax", Args: map[string]any{"Offset": 0}, Field: "body", Err: fmt.Errorf("decode: %w", err)}
}

// BadJSON answers a JSON decode error with status 400.
func (ui *UI) BadJSON(w http.ResponseWriter, r *http.Request, err error) {
	e, _ := errs.As(err)
	lang := Lang(r.Context())
	msg := ui.Message(lang, err)
	field := ""
	if e != nil {
		field = e.Field
	}
	JSON(w, http.StatusBadRequest, APIError{Error: msg, Code: string(errs.Invalid), Field: field, Fields: []FieldError{{Field: field, Reason: msg}}})
}

// Paging reads page and size query parameters.
type Paging struct {
	Page, Size int
}

// PagingOf reads ?page=&size= (size 1…500, default 50).
func PagingOf(r *http.Request) Paging {
	p, _ := strconv.Atoi(r.URL.Query().Get("page"))
	s, _ := strconv.Atoi(r.URL.Query().Get("size"))
	if p < 1 {
		p = 1
	}
	if s < 1 || s > 500 {
		s = 50
	}
	return Paging{Page: p, Size: s}
}

// Offset is the row offset of the page.
func (p Paging) Offset() int { return (p.Page - 1) * p.Size }

// Pager describes page links for a total.
type Pager struct {
	Page, Size, Total, Pages int
}

// PagerOf returns the pager for a total.
func PagerOf(p Paging, total int) Pager {
	pages := (total + p.Size - 1) / p.Size
	if pages < 1 {
		pages = 1
	}
	return Pager{Page: p.Page, Size: p.Size, Total: total, Pages: pages}
}

// Prev and Next page numbers (0 when none).
func (p Pager) Prev() int {
	if p.Page > 1 {
		return p.Page - 1
	}
	return 0
}

// Next page number, 0 on the last page.
func (p Pager) Next() int {
	if p.Page < p.Pages {
		return p.Page + 1
	}
	return 0
}

// ListJSON answers one page of a list as {"items": […], "total": N,
// "page": P, "size": S}; a nil list is sent as [] (never null).
func ListJSON[T any](w http.ResponseWriter, items []T, total int, pg Paging) {
	if items == nil {
		items = []T{}
	}
	JSON(w, http.StatusOK, map[string]any{"items": items, "total": total, "page": pg.Page, "size": pg.Size})
}
