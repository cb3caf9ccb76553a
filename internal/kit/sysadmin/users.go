// Package sysadmin serves the system administration area: users, units,
// regions, the audit log, API tokens, background jobs and the notification
// delivery log — in HTML and under /api/v1.
package sysadmin

import (
	"context"
	"embed"
	"net/http"
	"strconv"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
	"yingji/internal/kit/web"
)

//go:embed templates/*.html
var Templates embed.FS

// Handlers of the administration area.
type Handlers struct {
	UI   *web.UI
	DB   *store.DB
	Auth *auth.Service
	Org  *org.Service
	// Enterprise finds an enterprise by ID, credit code or exact name
	// (nil: enterprise accounts name their enterprise by ID).
	Enterprise func(ctx context.Context, county, ref string) (id, name, creditCode string, found bool, err error)
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

// usersOf reads the page pg of the users the request's query selects
// (for the page and the API).
func (h *Handlers) usersOf(r *http.Request, pg web.Paging) ([]auth.User, int, error) {
	f := userFilter(r)
	f.Limit, f.Offset = pg.Size, pg.Offset()
	return h.Auth.ListUsers(r.Context(), web.PrincipalFrom(r.Context()), f)
}

func (h *Handlers) users(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	pg := web.PagingOf(r)
	list, total, err := h.usersOf(r, pg)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	units, towns, err := h.unitsAndTowns(r, p)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data := map[string]any{"Users": list, "Pager": web.PagerOf(pg, total), "Units": unitNames(units), "UnitList": units,
		"Towns": towns, "Roles": auth.AllRoles, "RegionNames": regionNames(towns)}
	h.UI.Show(w, r, http.StatusOK, "users", "nav.users", "users", data, nil)
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

// unitsAndTowns are the units and towns in p's scope (the user pages'
// choices and names).
func (h *Handlers) unitsAndTowns(r *http.Request, p *auth.Principal) ([]org.Unit, []org.Region, error) {
	units, err := h.Org.ListUnits(r.Context(), p, org.UnitFilter{})
	if err != nil {
		return nil, nil, err
	}
	all, err := h.Org.ListRegions(r.Context(), p, org.RegionFilter{})
	if err != nil {
		return nil, nil, err
	}
	// Towns, each followed by its villages ("籍山镇 · 新林村"): town staff
	// may be limited to a village.
	var towns []org.Region
	townName := map[string]string{}
	for _, reg := range all {
		switch reg.Level {
		case org.LevelTown:
			townName[reg.Code] = reg.Name
		case org.LevelVillage:
			reg.Name = townName[reg.ParentCode] + " · " + reg.Name
		default:
			continue
		}
		towns = append(towns, reg)
	}
	return units, towns, nil
}

func (h *Handlers) userForm(w http.ResponseWriter, r *http.Request, status int, f *web.Form, id string) {
	units, towns, err := h.unitsAndTowns(r, web.PrincipalFrom(r.Context()))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	title := "user.new"
	if id != "" {
		title = "user.edit"
	}
	h.UI.Show(w, r, status, "user_form", title, "users", map[string]any{"ID": id, "Units": units, "Towns": towns, "Roles": auth.AllRoles}, f)
}

func (h *Handlers) newUser(w http.ResponseWriter, r *http.Request) {
	h.userForm(w, r, http.StatusOK, web.EmptyForm(map[string]string{"role": string(auth.RoleReadOnly)}), "")
}

func inputOf(f *web.Form) auth.UserInput {
	return auth.UserInput{Username: f.Get("username"), DisplayName: f.Get("display_name"), Phone: f.Get("phone"),
		Role: auth.Role(f.Get("role")), UnitID: f.Get("unit_id"), RegionCode: f.Get("region_code"), EnterpriseID: f.Get("enterprise_id")}
}

// enterpriseOf turns what the administrator typed for an enterprise
// account's enterprise — its 统一社会信用代码, exact name or ID — into the
// enterprise's ID; an enterprise the register does not know is a field
// error.
func (h *Handlers) enterpriseOf(ctx context.Context, p *auth.Principal, in *auth.UserInput) error {
	if in.Role != auth.RoleEnterprise || in.EnterpriseID == "" || h.Enterprise == nil {
		return nil
	}
	id, _, _, found, err := h.Enterprise(ctx, p.CountyCode, in.EnterpriseID)
	if err != nil {
		return err
	}
	if !found {
		return errs.Field("enterprise_id", "user.enterprise_unknown", map[string]any{"Ref": in.EnterpriseID})
	}
	in.EnterpriseID = id
	return nil
}

// createUserInput creates an account, its enterprise named as staff know it.
func (h *Handlers) createUserInput(ctx context.Context, p *auth.Principal, in auth.UserInput) (auth.User, error) {
	if err := h.enterpriseOf(ctx, p, &in); err != nil {
		return auth.User{}, err
	}
	return h.Auth.CreateUser(ctx, p, in)
}

// updateUserInput updates an account, its enterprise named as staff know it.
func (h *Handlers) updateUserInput(ctx context.Context, p *auth.Principal, id string, in auth.UserInput) (auth.User, error) {
	if err := h.enterpriseOf(ctx, p, &in); err != nil {
		return auth.User{}, err
	}
	return h.Auth.UpdateUser(ctx, p, id, in)
}

func (h *Handlers) createUser(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	in := inputOf(f)
	in.Password = r.PostForm.Get("password")
	u, err := h.createUserInput(r.Context(), web.PrincipalFrom(r.Context()), in)
	if err != nil {
		delete(f.Values, "password")
		h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) { h.userForm(w, r, status, f, "") })
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
	if u.EnterpriseID != "" && h.Enterprise != nil {
		if _, name, code, found, err := h.Enterprise(r.Context(), u.CountyCode, u.EnterpriseID); err == nil && found {
			data["EnterpriseName"], data["EnterpriseCode"] = name, code
		}
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
		"role": string(u.Role), "unit_id": u.UnitID, "region_code": u.RegionCode, "enterprise_id": h.enterpriseRef(r.Context(), u)}), u.ID)
}

// enterpriseRef is how the edit form shows an account's enterprise: its
// credit code (what staff know), else its ID.
func (h *Handlers) enterpriseRef(ctx context.Context, u auth.User) string {
	if u.EnterpriseID == "" || h.Enterprise == nil {
		return u.EnterpriseID
	}
	if _, _, code, found, err := h.Enterprise(ctx, u.CountyCode, u.EnterpriseID); err == nil && found && code != "" {
		return code
	}
	return u.EnterpriseID
}

func (h *Handlers) updateUser(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f := web.NewForm(r)
	_, err := h.updateUserInput(r.Context(), web.PrincipalFrom(r.Context()), id, inputOf(f))
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.HasFieldErrors, func(status int) { h.userForm(w, r, status, f, id) })
		return
	}
	h.UI.Redirect(w, r, "/users/"+id, "action.saved")
}

func (h *Handlers) disableUser(disabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		err := h.Auth.SetDisabled(r.Context(), web.PrincipalFrom(r.Context()), id, disabled)
		msg := "user.enabled"
		if disabled {
			msg = "user.disabled_done"
		}
		h.UI.Done(w, r, err, "/users/"+id, msg)
	}
}

func (h *Handlers) resetPassword(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f := web.NewForm(r)
	pw := r.PostForm.Get("password")
	if pw == "" {
		pw = auth.GeneratePassword()
	}
	err := h.Auth.SetPassword(r.Context(), web.PrincipalFrom(r.Context()), id, "", pw)
	_ = f
	h.UI.Done(w, r, err, "/users/"+id, "user.password_reset", "Password", pw)
}

func (h *Handlers) logoutUser(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := h.Auth.LogoutEverywhere(r.Context(), web.PrincipalFrom(r.Context()), id)
	h.UI.Done(w, r, err, "/users/"+id, "user.logged_out")
}

// API

func atoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
