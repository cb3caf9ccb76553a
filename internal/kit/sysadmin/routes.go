package sysadmin

import (
	"net/http"

	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/jobs"
	"yingji/internal/kit/org"
	"yingji/internal/kit/web"
)

// Role groups of the routes.
var (
	admin      = []auth.Role{auth.RoleAdmin}
	leaders    = []auth.Role{auth.RoleAdmin, auth.RoleLeader}
	userReader = []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleTown}
	// orgReader: everyone but enterprise accounts sees the region tree
	// and units in their scope.
	orgReader = []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer, auth.RoleDuty,
		auth.RoleTown, auth.RoleDepartment, auth.RoleReadOnly}
)

// Routes declares the users', regions', units', audit log's and API
// tokens' routes, each once: pattern, roles, handler and API summary (the
// Excel routes of users, regions and units are the ledger kit's: no
// handler here).
func (h *Handlers) Routes() web.Routes {
	return web.Routes{
		// Users
		{Pattern: "GET /users", Roles: userReader, Handler: h.users},
		{Pattern: "GET /users/new", Roles: admin, Handler: h.newUser},
		{Pattern: "POST /users", Roles: admin, Handler: h.createUser},
		{Pattern: "GET /users/{id}", Roles: userReader, Handler: h.user},
		{Pattern: "GET /users/{id}/edit", Roles: admin, Handler: h.editUser},
		{Pattern: "POST /users/{id}", Roles: admin, Handler: h.updateUser},
		{Pattern: "POST /users/{id}/disable", Roles: admin, Handler: h.disableUser(true)},
		{Pattern: "POST /users/{id}/enable", Roles: admin, Handler: h.disableUser(false)},
		{Pattern: "POST /users/{id}/password", Roles: admin, Handler: h.resetPassword},
		{Pattern: "POST /users/{id}/logout-all", Roles: admin, Handler: h.logoutUser},
		{Pattern: "GET /api/v1/users", Out: web.PagedList[auth.User]{}, Roles: userReader, Handler: web.PagedJSON(h.UI, h.usersOf),
			API: "用户列表（q, role, unit, region, status, page, size） / List users"},
		{Pattern: "POST /api/v1/users", In: auth.UserInput{}, Out: auth.User{}, Roles: admin, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.createUserInput),
			API: "新建用户 / Create a user"},
		{Pattern: "GET /api/v1/users/{id}", Out: auth.User{}, Roles: userReader, Handler: web.GetJSON(h.UI, h.Auth.GetUser), API: "用户详情 / One user"},
		{Pattern: "PUT /api/v1/users/{id}", In: auth.UserInput{}, Out: auth.User{}, Roles: admin, Handler: web.BodyJSONByID(h.UI, http.StatusOK, h.updateUserInput),
			API: "修改用户 / Update a user"},
		{Pattern: "GET /users/export", Roles: leaders},

		// Regions and units
		{Pattern: "GET /regions", Roles: orgReader, Handler: h.regions},
		{Pattern: "POST /regions", Roles: admin, Handler: h.saveRegion},
		{Pattern: "GET /units", Roles: orgReader, Handler: h.units},
		{Pattern: "GET /units/new", Roles: admin, Handler: h.newUnit},
		{Pattern: "POST /units", Roles: admin, Handler: h.createUnit},
		{Pattern: "GET /units/{id}/edit", Roles: admin, Handler: h.editUnit},
		{Pattern: "POST /units/{id}", Roles: admin, Handler: h.updateUnit},
		{Pattern: "GET /api/v1/regions", Out: regionList{}, Roles: orgReader, Handler: h.apiRegions, API: "行政区划（level, parent, q） / Regions in scope"},
		{Pattern: "POST /api/v1/regions", In: regionInput{}, Out: org.Region{}, Roles: admin, Handler: h.apiSaveRegion, API: "新增或修改区划 / Create or rename a region"},
		{Pattern: "GET /api/v1/units", Out: unitList{}, Roles: orgReader, Handler: h.apiUnits, API: "单位列表（kind, q） / Units in scope"},
		{Pattern: "POST /api/v1/units", In: unitJSON{}, Out: org.Unit{}, Roles: admin, Handler: h.apiCreateUnit, API: "新建单位 / Create a unit"},
		{Pattern: "PUT /api/v1/units/{id}", In: unitJSON{}, Out: org.Unit{}, Roles: admin, Handler: h.apiUpdateUnit, API: "修改单位 / Update a unit"},
		{Pattern: "GET /regions/template", Roles: orgReader},
		{Pattern: "GET /regions/export", Roles: orgReader},
		{Pattern: "GET /regions/import", Roles: admin},
		{Pattern: "POST /regions/import", Roles: admin},
		{Pattern: "GET /units/template", Roles: orgReader},
		{Pattern: "GET /units/export", Roles: orgReader},
		{Pattern: "GET /units/import", Roles: admin},
		{Pattern: "POST /units/import", Roles: admin},

		// Audit log
		{Pattern: "GET /audit", Roles: leaders, Handler: h.auditLog},
		{Pattern: "GET /api/v1/audit", Roles: leaders, Out: web.PagedList[audit.Row]{}, Handler: web.PagedJSON(h.UI, h.auditRows),
			API: "操作日志（user, entity, entity_id, action, from, to） / Audit log"},

		// Everyone's own API tokens
		{Pattern: "GET /tokens", Roles: web.AnyUser, Handler: h.tokens},
		{Pattern: "POST /tokens", Roles: web.AnyUser, Handler: h.createToken},
		{Pattern: "POST /tokens/{id}/revoke", Roles: web.AnyUser, Handler: h.revokeToken},
	}
}

// Routes declares the background jobs', inbox's and delivery log's
// routes, each once.
func (h *Ops) Routes() web.Routes {
	return web.Routes{
		{Pattern: "GET /jobs", Roles: web.AnyUser, Handler: h.jobList},
		{Pattern: "GET /jobs/{id}", Roles: web.AnyUser, Handler: h.job},
		{Pattern: "POST /jobs/{id}/cancel", Roles: web.AnyUser, Handler: h.cancelJob},
		{Pattern: "GET /api/v1/jobs/{id}", Out: jobs.Job{}, Roles: web.AnyUser, Handler: h.apiJob, API: "后台任务进度 / A background job and its progress"},
		{Pattern: "GET /inbox", Roles: web.AnyUser, Handler: h.inbox},
		{Pattern: "POST /inbox/{id}/read", Roles: web.AnyUser, Handler: h.markRead},
		{Pattern: "POST /inbox/read-all", Roles: web.AnyUser, Handler: h.markAllRead},
		{Pattern: "GET /api/v1/notifications", Out: Inbox{}, Roles: web.AnyUser, Handler: h.apiInbox, API: "站内消息（unread=1 只看未读） / The user's inbox"},
		{Pattern: "GET /deliveries", Roles: admin, Handler: h.deliveries},
	}
}
