package sysadmin

import (
	"net/http"
	"time"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/jobs"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/web"
)

// Ops are the handlers of background jobs, the inbox and the delivery log.
type Ops struct {
	UI     *web.UI
	Jobs   *jobs.Runner
	Notify *notify.Service
}

// visibleJob returns a job the principal may see: administrators and
// leaders see the county's jobs, others their own.
func (h *Ops) visibleJob(r *http.Request, id string) (*jobs.Job, error) {
	p := web.PrincipalFrom(r.Context())
	j, err := h.Jobs.Get(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if (j.CountyCode != p.CountyCode && !(j.CountyCode == "" && p.Is(auth.RoleAdmin))) || (!p.Is(auth.RoleAdmin, auth.RoleLeader) && j.CreatedBy != p.UserID) {
		return nil, errs.OutOfScope("job", id)
	}
	return j, nil
}

func (h *Ops) jobList(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := jobs.Filter{CountyCode: p.CountyCode, Kind: r.URL.Query().Get("kind"), Limit: 100}
	if p.Is(auth.RoleAdmin) {
		f.CountyCode = "" // administrators also see the periodic jobs, which belong to no county
	}
	if st := r.URL.Query().Get("state"); st != "" {
		f.States = []jobs.State{jobs.State(st)}
	}
	if !p.Is(auth.RoleAdmin, auth.RoleLeader) {
		f.CreatedBy = p.UserID
	}
	list, err := h.Jobs.List(r.Context(), f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	// A job about a file (an Excel import) is shown with the file's name.
	files := map[string]string{}
	for _, j := range list {
		var pl struct {
			Filename string `json:"filename"`
		}
		if j.Decode(&pl) == nil && pl.Filename != "" {
			files[j.ID] = pl.Filename
		}
	}
	data := map[string]any{"Jobs": list, "Files": files, "States": []jobs.State{jobs.Queued, jobs.Running, jobs.Done, jobs.Failed, jobs.Cancelled}}
	h.UI.Show(w, r, http.StatusOK, "jobs", "nav.jobs", "jobs", data, nil)
}

func (h *Ops) job(w http.ResponseWriter, r *http.Request) {
	j, err := h.visibleJob(r, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data := map[string]any{"Job": j}
	if res, pl := ledger.ResultOf(j); pl != nil {
		data["Payload"] = pl
		if res != nil {
			data["Import"] = res
		}
	}
	h.UI.Show(w, r, http.StatusOK, "job", "job.title", "jobs", data, nil)
}

func (h *Ops) cancelJob(w http.ResponseWriter, r *http.Request) {
	j, err := h.visibleJob(r, r.PathValue("id"))
	if err == nil {
		err = h.Jobs.Cancel(r.Context(), j.ID)
	}
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.Redirect(w, r, "/jobs/"+j.ID, "job.cancelled")
}

func (h *Ops) apiJob(w http.ResponseWriter, r *http.Request) {
	j, err := h.visibleJob(r, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, j)
}

func (h *Ops) inbox(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	unread := r.URL.Query().Get("unread") == "1"
	list, err := h.Notify.Inbox(r.Context(), p.UserID, unread, 200)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.Show(w, r, http.StatusOK, "inbox", "nav.inbox", "inbox", map[string]any{"Items": list}, nil)
}

func (h *Ops) markRead(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	err := h.Notify.MarkRead(r.Context(), p.UserID, r.PathValue("id"))
	h.UI.Done(w, r, err, "/inbox", "")
}

func (h *Ops) markAllRead(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	_, err := h.Notify.MarkAllRead(r.Context(), p.UserID)
	h.UI.Done(w, r, err, "/inbox", "inbox.all_read")
}

func (h *Ops) apiInbox(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	list, err := h.Notify.Inbox(r.Context(), p.UserID, r.URL.Query().Get("unread") == "1", 200)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if list == nil {
		list = []notify.Notification{}
	}
	web.JSON(w, http.StatusOK, Inbox{Items: list, Total: len(list)})
}

func (h *Ops) deliveries(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	q := r.URL.Query()
	pg := web.PagingOf(r)
	f := notify.LogFilter{CountyCode: p.CountyCode, State: notify.DeliveryState(q.Get("state")), Channel: q.Get("channel"), Limit: pg.Size, Offset: pg.Offset()}
	if t, err := time.ParseInLocation("2006-01-02", q.Get("from"), web.Shanghai); err == nil {
		f.From = t
	}
	if t, err := time.ParseInLocation("2006-01-02", q.Get("to"), web.Shanghai); err == nil {
		f.To = t.AddDate(0, 0, 1)
	}
	log, err := h.Notify.DeliveryLog(r.Context(), f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data := map[string]any{"Log": log, "Pager": web.PagerOf(pg, log.Total), "States": notify.States, "Channels": h.Notify.Enabled()}
	h.UI.Show(w, r, http.StatusOK, "deliveries", "nav.deliveries", "deliveries", data, nil)
}
