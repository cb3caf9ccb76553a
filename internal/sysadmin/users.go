// Package sysadmin serves the system administration area: users, units,
// regions, the audit log, API tokens, background jobs and the notification
// delivery log — in HTML and under /api/v1.
package sysadmin

import (
	"embed"
	"net/http"
	"strconv"

	"yingji/internal/auth"
	"yingji/internal/errs"
	"yingji/internal/org"
	"yingji/internal/store"
	"yingji/internal/web"
)

//go:embed templates/*.html
var Templates embed.FS

// Handlers of the administration area.
type Handlers struct {
	UI   *web.UI
	DB   *store.DB
	Auth *auth.Service
	Org  *org.Service
}

// Register adds the routes.
func (h *Handlers) Register(rt *web.Router) {
	rt.Handle("GET /users", h.users)
	rt.Handle("GET /users/new", h.newUser)
	rt.Handle("POST /users", h.createUser)
	rt.Handle("GET /users/{id}", h.user)
	rt.Handle("GET /users/{id}/edit", h.editUser)
	rt.Handle("POST /users/{id}", h.updateUser)
	rt.Handle("POST /users/{id}/disable", h.disableUser(true))
	rt.Handle("POST /users/{id}/enable", h.disableUser(false))
	rt.Handle("POST /users/{id}/password", h.resetPassword)
	rt.Handle("POST /users/{id}/logout-all", h.logoutUser)
	rt.Handle("GET /api/v1/users", h.apiUsers)
	rt.Handle("POST /api/v1/users", h.apiCreateUser)
	rt.Handle("GET /api/v1/users/{id}", h.apiUser)
	rt.Handle("PUT /api/v1/users/{id}", h.apiUpdateUser)
	h.registerOrg(rt)
	h.registerAudit(rt)
	h.registerTokens(rt)
}

func userFilter(r *http.Request) auth.UserFilter {
	q := r.URL.Query()
	f := auth.UserFilter{Q: q.Get("q"), Role: auth.Role(q.Get("role")), UnitID: q.Get("unit"), RegionCode: q.Get("region")}
	switch q.Get("status") {
	case "disabled":
		t := true
		f.Disabled = &t
	case "active":
		fa := false
		f.Disabled = &fa
	}
	return f
}

func (h *Handlers) users(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := userFilter(r)
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.Size, pg.Offset()
	list, total, err := h.Auth.ListUsers(r.Context(), p, f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	units, err := h.Org.ListUnits(r.Context(), p, org.UnitFilter{})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	towns, err := h.Org.ListRegions(r.Context(), p, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	page := h.UI.NewPage(r, "", map[string]any{"Users": list, "Pager": web.PagerOf(pg, total), "Units": unitNames(units), "UnitList": units,
		"Towns": towns, "Roles": auth.AllRoles, "RegionNames": regionNames(towns)})
	page.Title = page.T("nav.users")
	page.Active = "users"
	h.UI.Render(w, r, http.StatusOK, "users", page)
}

func unitNames(units []org.Unit) map[string]string {
	m := map[string]string{}
	for _, u := range units {
		m[u.ID] = u.Name
	}
	return m
}

func regionNames(rs []org.Region) map[string]string {
	m := map[string]string{}
	for _, r := range rs {
		m[r.Code] = r.Name
	}
	return m
}

func (h *Handlers) userForm(w http.ResponseWriter, r *http.Request, status int, f *web.Form, id string) {
	p := web.PrincipalFrom(r.Context())
	units, err := h.Org.ListUnits(r.Context(), p, org.UnitFilter{})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	towns, err := h.Org.ListRegions(r.Context(), p, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	page := h.UI.NewPage(r, "", map[string]any{"ID": id, "Units": units, "Towns": towns, "Roles": auth.AllRoles})
	page.Form = f
	if id == "" {
		page.Title = page.T("user.new")
	} else {
		page.Title = page.T("user.edit")
	}
	page.Active = "users"
	h.UI.Render(w, r, status, "user_form", page)
}

func (h *Handlers) newUser(w http.ResponseWriter, r *http.Request) {
	h.userForm(w, r, http.StatusOK, web.EmptyForm(map[string]string{"role": string(auth.RoleReadOnly)}), "")
}

func inputOf(f *web.Form) auth.UserInput {
	return auth.UserInput{Username: f.Get("username"), DisplayName: f.Get("display_name"), Phone: f.Get("phone"),
		Role: auth.Role(f.Get("role")), UnitID: f.Get("unit_id"), RegionCode: f.Get("region_code"), EnterpriseID: f.Get("enterprise_id")}
}

func (h *Handlers) createUser(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	in := inputOf(f)
	in.Password = r.PostForm.Get("password")
	u, err := h.Auth.CreateUser(r.Context(), web.PrincipalFrom(r.Context()), in)
	if err != nil {
		delete(f.Values, "password")
		f.SetErrors(h.UI, web.Lang(r.Context()), err)
		h.userForm(w, r, web.StatusOf(err), f, "")
		return
	}
	h.UI.Redirect(w, r, "/users/"+u.ID, "user.created_ok", "Name", u.Username)
}

func (h *Handlers) user(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	u, err := h.Auth.GetUser(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data := map[string]any{"U": u}
	if u.UnitID != "" {
		name, _, _, _, _ := h.Org.UnitInfo(r.Context(), u.UnitID)
		data["UnitName"] = name
	}
	if u.RegionCode != "" {
		name, _ := h.Org.RegionName(r.Context(), u.RegionCode)
		data["RegionName"] = name
	}
	if p.Is(auth.RoleAdmin, auth.RoleLeader) {
		hist, err := h.history(r, "user", u.ID)
		if err != nil {
			h.UI.Error(w, r, err)
			return
		}
		data["History"] = hist
	}
	page := h.UI.NewPage(r, u.DisplayName, data)
	page.Active = "users"
	h.UI.Render(w, r, http.StatusOK, "user", page)
}

func (h *Handlers) editUser(w http.ResponseWriter, r *http.Request) {
	u, err := h.Auth.GetUser(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.userForm(w, r, http.StatusOK, web.EmptyForm(map[string]string{"username": u.Username, "display_name": u.DisplayName, "phone": u.Phone,
		"role": string(u.Role), "unit_id": u.UnitID, "region_code": u.RegionCode, "enterprise_id": u.EnterpriseID}), u.ID)
}

func (h *Handlers) updateUser(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f := web.NewForm(r)
	_, err := h.Auth.UpdateUser(r.Context(), web.PrincipalFrom(r.Context()), id, inputOf(f))
	if err != nil {
		if errs.Fields(err) == nil {
			h.UI.Error(w, r, err)
			return
		}
		f.SetErrors(h.UI, web.Lang(r.Context()), err)
		h.userForm(w, r, web.StatusOf(err), f, id)
		return
	}
	h.UI.Redirect(w, r, "/users/"+id, "action.saved")
}

func (h *Handlers) disableUser(disabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if err := h.Auth.SetDisabled(r.Context(), web.PrincipalFrom(r.Context()), id, disabled); err != nil {
			h.UI.Error(w, r, err)
			return
		}
		msg := "user.enabled"
		if disabled {
			msg = "user.disabled_done"
		}
		h.UI.Redirect(w, r, "/users/"+id, msg)
	}
}

func (h *Handlers) resetPassword(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f := web.NewForm(r)
	pw := r.PostForm.Get("password")
	if pw == "" {
		pw = auth.GeneratePassword()
	}
	if err := h.Auth.SetPassword(r.Context(), web.PrincipalFrom(r.Context()), id, "", pw); err != nil {
		h.UI.Error(w, r, err)
		return
	}
	_ = f
	h.UI.Redirect(w, r, "/users/"+id, "user.password_reset", "Password", pw)
}

func (h *Handlers) logoutUser(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := h.Auth.LogoutEverywhere(r.Context(), web.PrincipalFrom(r.Context()), id); err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.Redirect(w, r, "/users/"+id, "user.logged_out")
}

// API

func (h *Handlers) apiUsers(w http.ResponseWriter, r *http.Request) {
	f := userFilter(r)
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.Size, pg.Offset()
	list, total, err := h.Auth.ListUsers(r.Context(), web.PrincipalFrom(r.Context()), f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	web.ListJSON(w, list, total, pg)
}

func (h *Handlers) apiCreateUser(w http.ResponseWriter, r *http.Request) {
	var in auth.UserInput
	if err := web.DecodeJSON(r, &in); err != nil {
		h.UI.BadJSON(w, r, err)
		return
	}
	u, err := h.Auth.CreateUser(r.Context(), web.PrincipalFrom(r.Context()), in)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, u)
}

func (h *Handlers) apiUser(w http.ResponseWriter, r *http.Request) {
	u, err := h.Auth.GetUser(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, u)
}

func (h *Handlers) apiUpdateUser(w http.ResponseWriter, r *http.Request) {
	var in auth.UserInput
	if err := web.DecodeJSON(r, &in); err != nil {
		h.UI.BadJSON(w, r, err)
		return
	}
	u, err := h.Auth.UpdateUser(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), in)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, u)
}

func atoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
