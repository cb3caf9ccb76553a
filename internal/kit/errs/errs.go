// Package errs defines the application error kinds. Services return them
// wrapped with %w; the web layer maps a kind to an HTTP status in one place.
package errs

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the caller.
type Kind string

const (
	Invalid      Kind = "invalid"      // bad input: 400/422
	NotFound     Kind = "not_found"    // 404
	Forbidden    Kind = "forbidden"    // 403
	Unauthorized Kind = "unauthorized" // 401
	Conflict     Kind = "conflict"     // 409
	TooMany      Kind = "too_many"     // 429
	TooLarge     Kind = "too_large"    // 413
	Internal     Kind = "internal"     // 500
	Unavailable  Kind = "unavailable"  // 503: the disk is full or the database takes no writes
)

// Error is a user-facing error. Message is a message ID understood by the
// i18n bundle (or a literal text); Args fill its template; Field names the
// form or JSON field at fault, when there is one.
type Error struct {
	Kind    Kind
	Message string
	Args    map[string]any
	Field   string
	Err     error // optional cause
	// Refused names the record a NotFound error stands for when the
	// record exists but lies outside the caller's scope (see OutOfScope);
	// the web layer audits the attempt and answers a plain 404.
	Refused *Ref
}

// Ref names a record: its audit entity name and its ID.
type Ref struct{ Entity, ID string }

// OutOfScope is the NotFound answered for a record that exists but that
// the caller may not see: to the caller it reads exactly like a missing
// record (拒绝), and the web layer records the attempt in the audit log
// (记入操作日志) from the Ref it carries.
func OutOfScope(entity, id string) *Error {
	return &Error{Kind: NotFound, Message: "not_found", Refused: &Ref{Entity: entity, ID: id}}
}

// Rescope renames an out-of-scope refusal after the record the caller
// was reaching for (a facility refused because its enterprise is out of
// scope is recorded as the facility); any other error is returned as it
// is.
func Rescope(err error, entity, id string) error {
	if _, ok := RefusedOf(err); ok {
		return OutOfScope(entity, id)
	}
	return err
}

// RefusedOf returns the record an out-of-scope refusal in err's chain
// names; ok is false for any other error.
func RefusedOf(err error) (Ref, bool) {
	e, ok := As(err)
	if !ok || e.Refused == nil {
		return Ref{}, false
	}
	return *e.Refused, true
}

func (e *Error) Error() string {
	s := string(e.Kind) + ": " + e.Message
	if e.Field != "" {
		s += " (" + e.Field + ")"
	}
	if len(e.Args) > 0 {
		s += fmt.Sprintf(" %v", e.Args)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an *Error of the kind with a message ID.
func New(kind Kind, msg string) *Error { return &Error{Kind: kind, Message: msg} }

// Field returns an Invalid error naming the field at fault.
func Field(field, msg string, args map[string]any) *Error {
	return &Error{Kind: Invalid, Message: msg, Field: field, Args: args}
}

// With returns a copy of e carrying template arguments.
func (e *Error) With(args map[string]any) *Error {
	c := *e
	c.Args = args
	return &c
}

// KindOf reports the kind of err: the kind of the first *Error in its chain,
// Internal otherwise.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// As returns the first *Error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Is reports whether err is an *Error of the kind.
func Is(err error, kind Kind) bool {
	e, ok := As(err)
	return ok && e.Kind == kind
}

// FieldErrors collects several field errors (for forms and row checks).
type FieldErrors []*Error

func (fe FieldErrors) Error() string {
	if len(fe) == 0 {
		return "no errors"
	}
	return fmt.Sprintf("%d invalid fields, first: %v", len(fe), fe[0])
}

// Err returns nil when there is nothing collected, or an Invalid error
// wrapping the list.
func (fe FieldErrors) Err() error {
	if len(fe) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Message: "form.invalid", Field: fe[0].Field, Err: fe}
}

// Fields returns the field errors inside err, if any.
func Fields(err error) FieldErrors {
	var fe FieldErrors
	if errors.As(err, &fe) {
		return fe
	}
	if e, ok := As(err); ok && e.Field != "" {
		return FieldErrors{e}
	}
	return nil
}
