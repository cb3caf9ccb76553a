// Package campaign serves the bureau's campaigns at scale (专项排查与填报):
// the self-built housing survey (sub-package housing), data calls to
// departments and towns (datacall) and special campaigns with their
// checks and coverage (special). The sub-packages hold the rules and the
// services; this package holds their pages, API and messages.
package campaign

import (
	"context"
	"embed"
	"io/fs"
	"net/http"
	"strings"

	"yingji/internal/attach"
	"yingji/internal/auth"
	"yingji/internal/campaign/datacall"
	"yingji/internal/campaign/housing"
	"yingji/internal/campaign/msg"
	"yingji/internal/campaign/special"
	"yingji/internal/org"
	"yingji/internal/store"
	"yingji/internal/web"
)

// Service bundles the campaign services (the app's domain field).
type Service struct {
	Housing *housing.Service
	Calls   *datacall.Service
	Special *special.Service
}

// Templates of the campaign pages.
//
//go:embed templates/*.html
var Templates embed.FS

// Locales are the campaign messages (zh, en).
var Locales fs.FS = msg.Locales

//go:embed static/campaign.css
var styles []byte

// Handlers serve the campaign pages and API.
type Handlers struct {
	UI     *web.UI
	DB     *store.DB
	Org    *org.Service
	Attach *attach.Service
	Svc    *Service
	// HazardCount counts the hazards whose campaign field names a special
	// campaign, and those still open (nil: the page only links to them).
	HazardCount func(ctx context.Context, p *auth.Principal, campaign string) (found, open int, err error)
}

// Roles of the campaign routes.
var (
	staff = []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer, auth.RoleDuty, auth.RoleTown,
		auth.RoleDepartment, auth.RoleReadOnly}
	managers        = []auth.Role{auth.RoleAdmin, auth.RoleLeader}
	housingWriters  = []auth.Role{auth.RoleAdmin, auth.RoleTown, auth.RoleDepartment}
	callIssuers     = []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection}
	callFillers     = []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleTown, auth.RoleDepartment}
	specialManagers = []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection}
	specialCheckers = []auth.Role{auth.RoleAdmin, auth.RoleSection, auth.RoleEnforcer, auth.RoleTown, auth.RoleDepartment}
)

// Policy declares the campaign routes (the buildings ledger's Excel
// routes included: the ledger kit registers them under /buildings).
func Policy() web.Policy {
	return web.Policy{
		"GET /campaigns":    staff,
		"GET /campaign.css": {web.Public},

		"GET /housing":                                    staff,
		"POST /housing":                                   managers,
		"GET /housing/{id}":                               staff,
		"POST /housing/{id}/reported":                     managers,
		"GET /housing/{id}/progress.xlsx":                 staff,
		"GET /housing/{id}/buildings":                     staff,
		"GET /housing/{id}/buildings/{bid}":               staff,
		"POST /housing/{id}/buildings/{bid}/steps":        housingWriters,
		"GET /housing/{id}/buildings/{bid}/files/{fid}":   staff,
		"GET /buildings":                                  staff,
		"GET /buildings/export":                           staff,
		"GET /buildings/template":                         housingWriters,
		"GET /buildings/import":                           housingWriters,
		"POST /buildings/import":                          housingWriters,
		"GET /api/v1/housing":                             staff,
		"POST /api/v1/housing":                            managers,
		"GET /api/v1/housing/{id}":                        staff,
		"PUT /api/v1/housing/{id}/reported":               managers,
		"GET /api/v1/housing/{id}/buildings":              staff,
		"POST /api/v1/housing/{id}/buildings":             housingWriters,
		"GET /api/v1/housing/{id}/buildings/{bid}":        staff,
		"POST /api/v1/housing/{id}/buildings/{bid}/steps": housingWriters,

		"GET /datacalls":                      staff,
		"GET /datacalls/new":                  callIssuers,
		"POST /datacalls":                     callIssuers,
		"GET /datacalls/{id}":                 staff,
		"GET /datacalls/{id}/export":          staff,
		"GET /datacalls/{id}/fill":            callFillers,
		"POST /datacalls/{id}/fill":           callFillers,
		"POST /datacalls/{id}/remind":         callIssuers,
		"POST /datacalls/{id}/return":         callIssuers,
		"GET /datacall-forms":                 callIssuers,
		"GET /datacall-forms/new":             callIssuers,
		"POST /datacall-forms":                callIssuers,
		"GET /datacall-forms/{id}":            staff,
		"GET /api/v1/datacalls":               staff,
		"POST /api/v1/datacalls":              callIssuers,
		"GET /api/v1/datacalls/{id}":          staff,
		"PUT /api/v1/datacalls/{id}/response": callFillers,
		"GET /api/v1/datacall-forms":          callIssuers,
		"POST /api/v1/datacall-forms":         callIssuers,

		"GET /special-campaigns":                     staff,
		"GET /special-campaigns/new":                 specialManagers,
		"POST /special-campaigns":                    specialManagers,
		"GET /special-campaigns/{id}":                staff,
		"POST /special-campaigns/{id}/checks":        specialCheckers,
		"GET /special-campaigns/{id}/export":         staff,
		"GET /api/v1/special-campaigns":              staff,
		"GET /api/v1/special-campaigns/{id}":         staff,
		"POST /api/v1/special-campaigns/{id}/checks": specialCheckers,
	}
}

// APISummaries describe the API operations (Chinese / English).
var APISummaries = map[string]string{
	"GET /api/v1/housing":                             "自建房排查活动列表 / Housing survey campaigns",
	"POST /api/v1/housing":                            "新建排查活动（name, starts_on, ends_on, note） / Create a campaign",
	"GET /api/v1/housing/{id}":                        "活动及截至某日（on=YYYY-MM-DD）的分乡镇进度、上报数核对 / A campaign with its progress at a cut-off date",
	"PUT /api/v1/housing/{id}/reported":               "登记上报数（as_of, figures） / Record the figures reported upward",
	"GET /api/v1/housing/{id}/buildings":              "房屋列表（town, village, area, stage（todo：待鉴定或整治）, grade, business, hazard_level, problem, q, page, size） / List buildings (stage=todo: to appraise or remediate)",
	"POST /api/v1/housing/{id}/buildings":             "登记一栋房屋（含已完成的各阶段） / Record a building",
	"GET /api/v1/housing/{id}/buildings/{bid}":        "房屋详情及办理过程 / A building with its steps",
	"POST /api/v1/housing/{id}/buildings/{bid}/steps": "办理一个环节（action: judge（hazard_level, check_structure, check_business, check_legal）, assess, appraise（须 multipart/form-data 附 report 鉴定报告）, remediate, close） / Take a step (an appraisal is sent as multipart/form-data with its report file)",
	"GET /api/v1/datacalls":                           "数据填报任务（发给本单位的，或全部） / Data calls",
	"POST /api/v1/datacalls":                          "下发填报任务（form_id, period, deadline, units） / Issue a data call",
	"GET /api/v1/datacalls/{id}":                      "填报汇总（分单位、合计、核对、逾期） / A data call's roll-up",
	"PUT /api/v1/datacalls/{id}/response":             "填报或提交本单位数据（values, submit） / Fill or submit a unit's row",
	"GET /api/v1/datacall-forms":                      "填报表样 / Data-call forms",
	"POST /api/v1/datacall-forms":                     "定义填报表样（name, fields） / Define a form",
	"GET /api/v1/special-campaigns":                   "专项整治活动 / Special campaigns",
	"GET /api/v1/special-campaigns/{id}":              "专项整治覆盖情况（分乡镇、分轮次） / A special campaign's coverage",
	"POST /api/v1/special-campaigns/{id}/checks":      "登记一次检查（target_id, checked_on, round, checked_by, findings） / Record a check",
}

// Register adds the routes (the buildings ledger's are added by the kit).
func (h *Handlers) Register(rt *web.Router) {
	rt.Handle("GET /campaigns", h.hub)
	rt.Handle("GET /campaign.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		_, _ = w.Write(styles)
	})
	// The Excel kit's job page links back to /buildings: the newest
	// campaign's buildings.
	rt.Handle("GET /buildings", func(w http.ResponseWriter, r *http.Request) {
		list, err := h.Svc.Housing.Campaigns(r.Context(), web.PrincipalFrom(r.Context()))
		if err != nil {
			h.UI.Error(w, r, err)
			return
		}
		to := "/housing"
		if len(list) > 0 {
			to = "/housing/" + list[0].ID + "/buildings"
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
	})
	h.registerHousing(rt)
	h.registerCalls(rt)
	h.registerSpecial(rt)
}

// render shows a page with its navigation entry active.
func (h *Handlers) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data map[string]any, f *web.Form) {
	page := h.UI.NewPage(r, title, data)
	switch {
	case strings.HasPrefix(name, "housing"):
		// The key of the housing survey's navigation entry is the kind of
		// its buildings ledger, so that the ledger's import pages (which
		// set the kind) highlight it too.
		page.Active = "buildings"
	case strings.HasPrefix(name, "datacall"):
		page.Active = "datacalls"
	case strings.HasPrefix(name, "special"):
		page.Active = "special_campaigns"
	}
	if f != nil {
		page.Form = f
	} else {
		page.Form = web.EmptyForm(nil)
	}
	h.UI.Render(w, r, status, name, page)
}

// t translates a message for the request.
func (h *Handlers) t(r *http.Request, id string, kv ...any) string {
	return h.UI.NewPage(r, "", nil).T(id, kv...)
}

// hub is the campaigns area's landing page.
func (h *Handlers) hub(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	ctx := r.Context()
	data := map[string]any{}
	camps, err := h.Svc.Housing.Campaigns(ctx, p)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if len(camps) > 0 {
		tot, err := h.Svc.Housing.Totals(ctx, p, camps[0].ID)
		if err != nil {
			h.UI.Error(w, r, err)
			return
		}
		var n int64
		for _, v := range tot {
			n += v
		}
		data["Housing"], data["HousingTotal"] = camps[0], n
	}
	calls, err := h.Svc.Calls.Calls(ctx, p)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	pending := 0
	for _, c := range calls {
		if c.Mine != nil && c.Mine.State != datacall.Submitted {
			pending++
		}
	}
	data["Calls"], data["Pending"] = len(calls), pending
	sps, err := h.Svc.Special.Campaigns(ctx, p)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data["Specials"] = len(sps)
	h.render(w, r, http.StatusOK, "campaigns", h.t(r, "nav.campaigns"), data, nil)
}
