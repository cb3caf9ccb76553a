package web

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/xlsx"
)

// Helpers for the shapes of handler the modules repeat. Each answers a
// service error with ui.Error, so the status comes from StatusOf as
// everywhere else. A module that answers some errors differently (e.g.
// auditing an enterprise account's reach into another enterprise) keeps
// its own handler for those routes.

// GetJSON returns a handler answering one record as JSON (200): get is
// called with the caller and the path's {id}.
//
//	rt.Handle("GET /api/v1/things/{id}", web.GetJSON(h.UI, h.Svc.Get))
func GetJSON[T any](ui *UI, get func(ctx context.Context, p *auth.Principal, id string) (T, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := get(r.Context(), PrincipalFrom(r.Context()), r.PathValue("id"))
		if err != nil {
			ui.Error(w, r, err)
			return
		}
		JSON(w, http.StatusOK, v)
	}
}

// PagedJSON returns a handler answering one page of a list as ListJSON
// does. list gets the request (for its filter) and the paging read from
// ?page=&size=, and returns the page's items and the total.
func PagedJSON[T any](ui *UI, list func(r *http.Request, pg Paging) ([]T, int, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		pg := PagingOf(r)
		items, total, err := list(r, pg)
		if err != nil {
			ui.Error(w, r, err)
			return
		}
		ListJSON(w, items, total, pg)
	}
}

// ItemsJSON returns a handler answering a whole (unpaged) list as
// {"items": […]}; a nil list is sent as [] (never null).
func ItemsJSON[T any](ui *UI, list func(ctx context.Context, p *auth.Principal) ([]T, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		items, err := list(r.Context(), PrincipalFrom(r.Context()))
		if err != nil {
			ui.Error(w, r, err)
			return
		}
		if items == nil {
			items = []T{}
		}
		JSON(w, http.StatusOK, map[string]any{"items": items})
	}
}

// BodyJSON returns a handler for a JSON request body (create, act): the
// body is decoded strictly into In (a bad body is answered by BadJSON,
// 400), call is called with the caller and it, and its result is answered
// as JSON with status (e.g. 201 for a create).
func BodyJSON[In, Out any](ui *UI, status int, call func(ctx context.Context, p *auth.Principal, in In) (Out, error)) http.HandlerFunc {
	return BodyJSONByID(ui, status, func(ctx context.Context, p *auth.Principal, _ string, in In) (Out, error) {
		return call(ctx, p, in)
	})
}

// BodyJSONByID is BodyJSON for a route on one record: call also gets the
// path's {id}.
func BodyJSONByID[In, Out any](ui *UI, status int, call func(ctx context.Context, p *auth.Principal, id string, in In) (Out, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in In
		if !ui.ReadJSON(w, r, &in) {
			return
		}
		out, err := call(r.Context(), PrincipalFrom(r.Context()), r.PathValue("id"), in)
		if err != nil {
			ui.Error(w, r, err)
			return
		}
		JSON(w, status, out)
	}
}

// ReadJSON decodes the request's JSON body into v (see DecodeJSON); when
// it cannot, the request is answered — 400 by BadJSON for malformed JSON,
// 413 for a body over the limit, 422 for a bad text value — and ReadJSON
// reports false.
func (ui *UI) ReadJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := DecodeJSON(r, v); err != nil {
		if e, ok := errs.As(err); ok && (e.Kind == errs.TooLarge || e.Message != "" && strings.HasPrefix(e.Message, "text.")) {
			ui.Error(w, r, err) // 413, or 422 naming the field
			return false
		}
		ui.BadJSON(w, r, err)
		return false
	}
	return true
}

// Show renders the page name with data and the form f (nil for none),
// titled by the message titleID and marked active in the navigation.
func (ui *UI) Show(w http.ResponseWriter, r *http.Request, status int, name, titleID, active string, data any, f *Form) {
	page := ui.NewPage(r, "", data)
	page.Title = page.T(titleID)
	page.Active = active
	page.Form = f
	ui.Render(w, r, status, name, page)
}

// FormFailed answers a form post that failed with err. When onForm(err)
// holds, the error belongs on the form: f takes its field errors (or its
// message, see Form.SetErrors) and show renders the form again with the
// status StatusOf(err) (422, 409 …). Any other error is answered by Error.
// AnyError, HasFieldErrors and IsInvalid are the usual onForm choices.
func (ui *UI) FormFailed(w http.ResponseWriter, r *http.Request, f *Form, err error, onForm func(error) bool, show func(status int)) {
	if !onForm(err) {
		ui.Error(w, r, err)
		return
	}
	f.SetErrors(ui, Lang(r.Context()), err)
	show(StatusOf(err))
}

// AnyError is FormFailed's onForm for a form that shows every error.
func AnyError(error) bool { return true }

// HasFieldErrors is FormFailed's onForm for a form that shows only errors
// naming fields.
func HasFieldErrors(err error) bool { return errs.Fields(err) != nil }

// IsInvalid is FormFailed's onForm for a form that shows every Invalid
// error, with or without fields.
func IsInvalid(err error) bool { return errs.KindOf(err) == errs.Invalid }

// Done ends a POST that changes something: a non-nil err is answered by
// Error, otherwise the client is sent to `to` with the flash message
// flashID (see Redirect).
func (ui *UI) Done(w http.ResponseWriter, r *http.Request, err error, to, flashID string, kv ...any) {
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	ui.Redirect(w, r, to, flashID, kv...)
}

// SendXLSX answers a spreadsheet download named name: open makes the
// writer on the response (e.g. xlsx.NewWriter with a schema) and write
// fills it. Nothing is sent before write has succeeded, so an error (from
// open or write) is answered by Error as usual; a failure while sending the
// file can only be logged.
func (ui *UI) SendXLSX(w http.ResponseWriter, r *http.Request, name string, open func(io.Writer) (*xlsx.Writer, error), write func(xw *xlsx.Writer) error) {
	xw, err := open(w)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	if err := write(xw); err != nil {
		xw.Discard()
		ui.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	if err := xw.Close(); err != nil {
		ui.Log.Error("export", "file", name, "err", err)
	}
}

// SendPDF answers a PDF shown in the browser, named name (with ".pdf"):
// render writes the document; its error is answered by Error (nothing has
// been sent yet).
func (ui *UI) SendPDF(w http.ResponseWriter, r *http.Request, name string, render func(out io.Writer) error) {
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		ui.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", "inline; filename*=UTF-8''"+url.PathEscape(name))
	_, _ = w.Write(buf.Bytes())
}
