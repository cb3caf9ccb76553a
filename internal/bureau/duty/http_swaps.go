package duty

import (
	"net/http"
	"strings"

	"yingji/internal/kit/web"
)

// ---- Swaps ----

func (h *Handlers) swaps(w http.ResponseWriter, r *http.Request) {
	list, err := h.Svc.Swaps(r.Context(), web.PrincipalFrom(r.Context()), r.URL.Query().Get("state"), 200)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data := h.common(r)
	data["Swaps"] = list
	h.UI.Show(w, r, http.StatusOK, "duty_swaps", "duty.nav_swaps", "duty_swaps", data, nil)
}

func (h *Handlers) requestSwap(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	sw := Swap{AssignmentID: f.Get("assignment_id"), WithID: f.Get("with_assignment_id"), Reason: f.Get("reason")}
	var err error
	if s := strings.TrimSpace(f.Get("substitute")); s != "" {
		var pr Person
		pr, err = h.person(r.Context(), s)
		sw.SubstituteFor, sw.SubstituteUID = pr.Name, pr.UserID
	}
	if err == nil {
		_, err = h.Svc.RequestSwap(r.Context(), web.PrincipalFrom(r.Context()), sw)
	}
	h.UI.Done(w, r, err, "/duty/swaps?state=pending", "duty.swap_requested")
}

func (h *Handlers) decide(approve bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, err := h.Svc.DecideSwap(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), approve)
		h.UI.Done(w, r, err, "/duty/swaps", map[bool]string{true: "duty.swap_approved", false: "duty.swap_rejected"}[approve])
	}
}
