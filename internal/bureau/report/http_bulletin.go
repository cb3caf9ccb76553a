package report

import (
	"io"
	"net/http"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/web"
	"yingji/internal/kit/xlsx"
)

// BulletinHandlers serve the monthly bulletins (月通报).
type BulletinHandlers struct {
	UI     *web.UI
	Svc    *Bulletins
	Issuer string
	// LastMonth is the month before the business date (YYYY-MM).
	LastMonth func() string
}

// Routes declares the bulletin routes: staff read the bulletins; leaders and admins issue one
// by hand (the monthly job issues them on the 1st).
func (h *BulletinHandlers) Routes() web.Routes {
	readers := []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer, auth.RoleDuty,
		auth.RoleTown, auth.RoleDepartment, auth.RoleReadOnly}
	issuers := []auth.Role{auth.RoleAdmin, auth.RoleLeader}
	return web.Routes{
		{Pattern: "GET /bulletins", Roles: readers, Handler: h.list},
		{Pattern: "POST /bulletins", Roles: issuers, Handler: h.issue},
		{Pattern: "GET /bulletins/{id}", Roles: readers, Handler: h.show},
		{Pattern: "GET /bulletins/{id}/pdf", Roles: readers, Handler: h.pdf},
		{Pattern: "GET /bulletins/{id}/xlsx", Roles: readers, Handler: h.xlsx},
		{Pattern: "GET /api/v1/bulletins", Out: web.ItemList[Bulletin]{}, Roles: readers, Handler: web.ItemsJSON(h.UI, h.Svc.List), API: "月通报列表 / Monthly bulletins issued"},
		{Pattern: "GET /api/v1/bulletins/{id}", Out: Bulletin{}, Roles: readers, Handler: web.GetJSON(h.UI, h.Svc.Get), API: "一期月通报（排名表）/ One monthly bulletin with its ranked tables"},
	}
}

func (h *BulletinHandlers) list(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, web.EmptyForm(map[string]string{"month": h.LastMonth()}))
}

func (h *BulletinHandlers) render(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	bs, err := h.Svc.List(r.Context(), p)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.Show(w, r, status, "bulletins", "report.bulletins", "bulletins", map[string]any{"Items": bs,
		"CanIssue": h.UI.Policy.Allows("POST /bulletins", p.Role)}, f)
}

func (h *BulletinHandlers) issue(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	b, err := h.Svc.Issue(r.Context(), web.PrincipalFrom(r.Context()), f.Get("month"))
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) { h.render(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/bulletins/"+b.ID, "report.bulletin_sent", "N", b.Recipients)
}

func (h *BulletinHandlers) show(w http.ResponseWriter, r *http.Request) {
	b, err := h.Svc.Get(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.Show(w, r, http.StatusOK, "bulletin", "report.bulletin", "bulletins", b, nil)
}

func (h *BulletinHandlers) pdf(w http.ResponseWriter, r *http.Request) {
	b, err := h.Svc.Get(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.SendPDF(w, r, b.Title+".pdf", func(out io.Writer) error { return b.PDF(out, h.Issuer) })
}

func (h *BulletinHandlers) xlsx(w http.ResponseWriter, r *http.Request) {
	b, err := h.Svc.Get(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.SendXLSX(w, r, b.Title+".xlsx", func(out io.Writer) (*xlsx.Writer, error) { return xlsx.NewWriter(out, BulletinSchema()) }, b.WriteXLSX)
}
