package duty

import (
	"net/http"

	"yingji/internal/kit/calendar"
	"yingji/internal/kit/web"
)

// ---- API ----

// NowView is who is on duty now, for the API.
type NowView struct {
	OnDuty   bool     `json:"on_duty"`
	Shift    *Shift   `json:"shift,omitempty"`
	Leader   string   `json:"leader,omitempty"`
	Officers []string `json:"officers"`
}

func (h *Handlers) apiNow(w http.ResponseWriter, r *http.Request) {
	sh, ok, err := h.Svc.NowOnDuty(r.Context(), web.PrincipalFrom(r.Context()))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	v := NowView{OnDuty: ok, Officers: []string{}}
	if ok {
		for i := range sh.Members {
			sh.Members[i].UserID = "" // who to call, not their accounts
		}
		v.Shift = &sh
		if l, has := sh.Leader(); has {
			v.Leader = l.Name
		}
		for _, o := range sh.Officers() {
			v.Officers = append(v.Officers, o.Name)
		}
	}
	web.JSON(w, http.StatusOK, v)
}

func (h *Handlers) apiShifts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, to := q.Get("from"), q.Get("to")
	if from == "" || to == "" {
		m := monthOf(q.Get("month"), h.Svc.Now())
		from, to = m.Format(calendar.DateLayout), m.AddDate(0, 1, -1).Format(calendar.DateLayout)
	}
	list, err := h.Svc.Shifts(r.Context(), web.PrincipalFrom(r.Context()), from, to)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if list == nil {
		list = []Shift{}
	}
	web.JSON(w, http.StatusOK, ShiftsAnswer{From: from, Items: list, To: to})
}
