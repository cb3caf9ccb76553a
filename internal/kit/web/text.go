package web

import (
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"yingji/internal/kit/errs"
	"yingji/internal/kit/textlimit"
)

// Limits every request body and text value meets before a handler sees it.
// A field's own, smaller limit is its module's rule.
const (
	// MaxJSONBody bounds a JSON request body; a larger one answers 413.
	MaxJSONBody = 1 << 20
	// MaxFormBody bounds a URL-encoded form body (uploads are multipart
	// and bounded by their handlers).
	MaxFormBody = 1 << 20
	// MaxTextChars bounds any single text value in a form or JSON body
	// whose field the shared table (internal/kit/textlimit) does not name.
	MaxTextChars = textlimit.Fallback
)

// limitLabel is how the body limits are named in messages.
const limitLabel = "1 MB"

// TextProblem reports what is wrong with one text value of a field the
// limits table does not name (limit MaxTextChars); see LimitProblem.
func TextProblem(s string) (string, map[string]any) {
	return LimitProblem(s, MaxTextChars)
}

// FieldProblem is TextProblem with the limit of the field's key in the
// shared table (internal/kit/textlimit): the same limit forms, JSON bodies and
// Excel imports apply to that key.
func FieldProblem(field, s string) (string, map[string]any) {
	return LimitProblem(s, textlimit.For(field))
}

// LimitProblem reports what is wrong with one text value: "" when it is
// acceptable, else the message ID (text.encoding, text.control,
// text.too_long) and its arguments (Limit and Count for too_long). Tabs and
// line breaks are allowed; every other control character (NUL, ESC, DEL,
// C1) is not: PostgreSQL refuses NUL outright and the others only hide text
// from the people reading it. Length counts characters (runes) of the text
// as stored: after CleanText.
func LimitProblem(s string, limit int) (string, map[string]any) {
	if !utf8.ValidString(s) {
		return "text.encoding", nil
	}
	for _, r := range s {
		if r == '\t' || r == '\n' || r == '\r' {
			continue
		}
		if unicode.IsControl(r) {
			return "text.control", nil
		}
	}
	if n := utf8.RuneCountInString(CleanText(s)); n > limit {
		return "text.too_long", map[string]any{"Limit": limit, "Count": n}
	}
	return "", nil
}

// invisible reports whether r shows nothing: white space, zero-width
// characters and the byte-order mark.
func invisible(r rune) bool {
	switch r {
	case '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u180E':
		return true
	}
	return unicode.IsSpace(r)
}

// CleanText trims white space and zero-width characters from both ends, so
// that text made only of invisible characters counts as empty (a required
// field then says so).
func CleanText(s string) string {
	return strings.TrimFunc(s, invisible)
}

// textError is the Invalid error for a field whose text has a problem.
func textError(field, msg string, args map[string]any) error {
	if args == nil {
		args = map[string]any{}
	}
	args["Field"] = field
	return &errs.Error{Kind: errs.Invalid, Message: msg, Args: args, Field: field}
}

// checkDecoded walks a decoded JSON value: every string is checked with
// LimitProblem (the error names its JSON field) and a string made only of
// invisible characters becomes empty. The limit of a string is the
// `maxlen:"N"` tag of its struct field when it has one (a module's own
// limit), else the shared table's for its key (internal/kit/textlimit); limit
// carries a tag's value down to the strings of a slice or map.
func checkDecoded(v reflect.Value, field string, limit int) error {
	lim := func(name string) int {
		if limit > 0 {
			return limit
		}
		return textlimit.For(name)
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return checkDecoded(v.Elem(), field, limit)
	case reflect.String:
		s := v.String()
		if msg, args := LimitProblem(s, lim(field)); msg != "" {
			return textError(field, msg, args)
		}
		if s != "" && CleanText(s) == "" && v.CanSet() {
			v.SetString("")
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name := jsonName(f)
			if name == "-" {
				continue
			}
			if f.Anonymous && f.Tag.Get("json") == "" {
				name = field
			} else if field != "" {
				name = field + "." + name
			}
			n, _ := strconv.Atoi(f.Tag.Get("maxlen"))
			if err := checkDecoded(v.Field(i), name, n); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return nil // []byte: binary, base64 in JSON
		}
		for i := range v.Len() {
			if err := checkDecoded(v.Index(i), field, limit); err != nil {
				return err
			}
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			k := iter.Key()
			if k.Kind() == reflect.String {
				if msg, args := TextProblem(k.String()); msg != "" {
					return textError(field, msg, args)
				}
			}
			name := field
			if k.Kind() == reflect.String {
				name = strings.TrimPrefix(field+"."+k.String(), ".")
			}
			val := iter.Value()
			if val.Kind() == reflect.String || val.Kind() == reflect.Interface && val.Elem().Kind() == reflect.String {
				s := val.String()
				if val.Kind() == reflect.Interface {
					s = val.Elem().String()
				}
				if msg, args := LimitProblem(s, lim(name)); msg != "" {
					return textError(name, msg, args)
				}
				if s != "" && CleanText(s) == "" {
					v.SetMapIndex(k, reflect.Zero(val.Type()))
				}
				continue
			}
			// Map values are not addressable: check a copy.
			c := reflect.New(val.Type()).Elem()
			c.Set(val)
			if err := checkDecoded(c, name, limit); err != nil {
				return err
			}
			v.SetMapIndex(k, c)
		}
	}
	return nil
}

// jsonName is the JSON key of a struct field.
func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	if name, _, _ := strings.Cut(tag, ","); name != "" {
		return name
	}
	return f.Name
}

// TextGuard refuses, before any handler runs, a URL-encoded form body over
// MaxFormBody (413) and a form value with control characters or over its
// field's limit in the shared table (internal/kit/textlimit; 422, naming the
// field and the limit). JSON bodies are checked by
// DecodeJSON; multipart uploads by their handlers.
func TextGuard(ui *UI, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		ct := r.Header.Get("Content-Type")
		if !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
			next.ServeHTTP(w, r)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxFormBody)
		if err := r.ParseForm(); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				ui.Error(w, r, &errs.Error{Kind: errs.TooLarge, Message: "body.too_large", Args: map[string]any{"Limit": limitLabel}})
				return
			}
			ui.Error(w, r, &errs.Error{Kind: errs.Invalid, Message: "form.malformed", Err: err})
			return
		}
		for k, vs := range r.PostForm {
			for _, v := range vs {
				if msg, args := FieldProblem(k, v); msg != "" {
					ui.Error(w, r, textError(k, msg, args))
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}
