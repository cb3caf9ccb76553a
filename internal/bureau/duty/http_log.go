package duty

import (
	"net/http"

	"yingji/internal/kit/errs"
	"yingji/internal/kit/web"
)

// ---- Duty log ----

func logFromForm(f *web.Form) (LogEntry, error) {
	var fe errs.FieldErrors
	e := LogEntry{Kind: f.Get("kind"), At: timeField(f, "at", &fe), Caller: f.Get("caller"), Unit: f.Get("unit"), Place: f.Get("place"),
		Nature: f.Get("nature"), Action: f.Get("action"), Content: f.Get("content")}
	return e, fe.Err()
}

func logValues(e LogEntry) map[string]string {
	return map[string]string{"kind": e.Kind, "at": localInput(e.At), "caller": e.Caller, "unit": e.Unit, "place": e.Place, "nature": e.Nature,
		"action": e.Action, "content": e.Content}
}

func (h *Handlers) logPage(w http.ResponseWriter, r *http.Request) {
	h.showLog(w, r, http.StatusOK, web.EmptyForm(map[string]string{"at": localInput(h.Svc.Now()), "kind": LogCall}))
}

func (h *Handlers) showLog(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	pg := web.PagingOf(r)
	lf := LogFilterOf(r.URL.Query())
	lf.Limit, lf.Offset = pg.Size, pg.Offset()
	list, total, err := h.Svc.Logs(r.Context(), web.PrincipalFrom(r.Context()), lf)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data := h.common(r)
	data["Rows"], data["Pager"] = list, web.PagerOf(pg, total)
	h.UI.Show(w, r, status, "duty_log", "duty.nav_log", "duty_log", data, f)
}

func (h *Handlers) addLog(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	e, err := logFromForm(f)
	if err == nil {
		_, err = h.Svc.AddLog(r.Context(), web.PrincipalFrom(r.Context()), e)
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) { h.showLog(w, r, status, f) })
		return
	}
	back := "/duty/log"
	if f.Get("back") == "desk" {
		back = "/duty"
	}
	h.UI.Redirect(w, r, back, "duty.log_saved")
}

func (h *Handlers) logEntry(w http.ResponseWriter, r *http.Request) {
	e, err := h.Svc.Log(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.showEntry(w, r, http.StatusOK, e, web.EmptyForm(logValues(e)))
}

func (h *Handlers) showEntry(w http.ResponseWriter, r *http.Request, status int, e LogEntry, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	data := h.common(r)
	data["E"] = e
	if e.Corrects != "" {
		if old, err := h.Svc.Log(r.Context(), p, e.Corrects); err == nil {
			data["Old"] = old
		}
	}
	h.UI.Show(w, r, status, "duty_log_entry", "duty.log_entry", "duty_log", data, f)
}

func (h *Handlers) updateLog(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := web.NewForm(r)
	e, err := logFromForm(f)
	if err == nil {
		_, err = h.Svc.UpdateLog(r.Context(), p, r.PathValue("id"), e)
	}
	if err != nil {
		old, gerr := h.Svc.Log(r.Context(), p, r.PathValue("id"))
		if gerr != nil {
			h.UI.Error(w, r, gerr)
			return
		}
		h.UI.FormFailed(w, r, f, err, func(e error) bool { return errs.Is(e, errs.Invalid) || errs.Is(e, errs.Conflict) },
			func(status int) { h.showEntry(w, r, status, old, f) })
		return
	}
	h.UI.Redirect(w, r, "/duty/log/"+r.PathValue("id"), "duty.log_saved")
}

func (h *Handlers) correctLog(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := web.NewForm(r)
	e, err := logFromForm(f)
	e.Corrects = r.PathValue("id")
	if err == nil {
		old, gerr := h.Svc.Log(r.Context(), p, e.Corrects)
		if gerr != nil {
			h.UI.Error(w, r, gerr)
			return
		}
		e.Kind = old.Kind
		e, err = h.Svc.AddLog(r.Context(), p, e)
	}
	if err != nil {
		old, gerr := h.Svc.Log(r.Context(), p, r.PathValue("id"))
		if gerr != nil {
			h.UI.Error(w, r, gerr)
			return
		}
		h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) { h.showEntry(w, r, status, old, f) })
		return
	}
	h.UI.Redirect(w, r, "/duty/log/"+e.ID, "duty.log_corrected")
}
