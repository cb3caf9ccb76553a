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

	"yingji/internal/bureau/campaign/datacall"
	"yingji/internal/bureau/campaign/housing"
	"yingji/internal/bureau/campaign/msg"
	"yingji/internal/bureau/campaign/special"
	"yingji/internal/kit/attach"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
	"yingji/internal/kit/web"
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

// Routes declares the campaign routes, each once: pattern, roles, handler and
// API summary (the Excel routes are the ledger kit's: no handler here).
func (h *Handlers) Routes() web.Routes {
	return web.Routes{
		{Pattern: "GET /campaigns", Roles: staff, Handler: h.hub},
		{Pattern: "GET /campaign.css", Roles: []auth.Role{web.Public}, Handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/css; charset=utf-8")
			w.Header().Set("Cache-Control", "public, max-age=3600")
			_, _ = w.Write(styles)
		}},
		{Pattern: "GET /housing", Roles: staff, Handler: h.housingList},
		{Pattern: "POST /housing", Roles: managers, Handler: h.housingCreate},
		{Pattern: "GET /housing/{id}", Roles: staff, Handler: h.housingCampaign},
		{Pattern: "POST /housing/{id}/reported", Roles: managers, Handler: h.housingReported},
		{Pattern: "GET /housing/{id}/progress.xlsx", Roles: staff, Handler: h.housingProgressXLSX},
		{Pattern: "GET /housing/{id}/buildings", Roles: staff, Handler: h.housingBuildings},
		{Pattern: "GET /housing/{id}/buildings/{bid}", Roles: staff, Handler: h.housingBuilding},
		{Pattern: "POST /housing/{id}/buildings/{bid}/steps", Roles: housingWriters, Handler: h.housingStep},
		{Pattern: "GET /housing/{id}/buildings/{bid}/files/{fid}", Roles: staff, Handler: h.housingFile},
		// The Excel kit's job page links back to /buildings: the newest
		// campaign's buildings.
		{Pattern: "GET /buildings", Roles: staff, Handler: func(w http.ResponseWriter, r *http.Request) {
			list, err := h.Svc.Housing.Campaigns(r.Context(), web.PrincipalFrom(r.Context()))
			if err != nil {
				h.UI.Error(w, r, err)
				return
			}
			if len(list) == 0 {
				http.Redirect(w, r, "/housing", http.StatusSeeOther)
				return
			}
			// In place, not redirected: under load a second request
			// queues a second time.
			r.SetPathValue("id", list[0].ID)
			h.housingBuildings(w, r)
		}},
		{Pattern: "GET /buildings/export", Roles: staff},
		{Pattern: "GET /buildings/template", Roles: housingWriters},
		{Pattern: "GET /buildings/import", Roles: housingWriters},
		{Pattern: "POST /buildings/import", Roles: housingWriters},
		{Pattern: "GET /api/v1/housing", Out: web.ItemList[housing.Campaign]{}, Roles: staff, Handler: web.ItemsJSON(h.UI, h.Svc.Housing.Campaigns), API: "自建房排查活动列表 / Housing survey campaigns"},
		{Pattern: "POST /api/v1/housing", In: housing.Campaign{}, Out: housing.Campaign{}, Roles: managers, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.Svc.Housing.CreateCampaign), API: "新建排查活动（name, starts_on, ends_on, note） / Create a campaign"},
		{Pattern: "GET /api/v1/housing/{id}", Out: HousingProgress{}, Roles: staff, Handler: h.apiHousingCampaign, API: "活动及截至某日（on=YYYY-MM-DD）的分乡镇进度、上报数核对 / A campaign with its progress at a cut-off date"},
		{Pattern: "PUT /api/v1/housing/{id}/reported", In: housing.Reported{}, Out: housing.Campaign{}, Roles: managers, Handler: web.BodyJSONByID(h.UI, http.StatusOK, h.Svc.Housing.SetReported), API: "登记上报数（as_of, figures） / Record the figures reported upward"},
		{Pattern: "GET /api/v1/housing/{id}/buildings", Out: web.PagedList[housing.Row]{}, Roles: staff, Handler: web.PagedJSON(h.UI, h.apiHousingBuildings), API: "房屋列表（town, village, area, stage（todo：待鉴定或整治）, grade, business, hazard_level, problem, q, page, size） / List buildings (stage=todo: to appraise or remediate)"},
		{Pattern: "POST /api/v1/housing/{id}/buildings", In: housing.Building{}, Out: housing.Building{}, Roles: housingWriters, Handler: web.BodyJSONByID(h.UI, http.StatusCreated, h.apiHousingCreateBuilding), API: "登记一栋房屋（含已完成的各阶段） / Record a building"},
		{Pattern: "GET /api/v1/housing/{id}/buildings/{bid}", Out: BuildingDetail{}, Roles: staff, Handler: h.apiHousingBuilding, API: "房屋详情及办理过程 / A building with its steps"},
		{Pattern: "POST /api/v1/housing/{id}/buildings/{bid}/steps", In: housing.Step{}, Out: housing.Building{}, Roles: housingWriters, Handler: h.apiHousingStep, API: "办理一个环节（action: judge（hazard_level, check_structure, check_business, check_legal）, assess, appraise（须 multipart/form-data 附 report 鉴定报告）, remediate, close） / Take a step (an appraisal is sent as multipart/form-data with its report file)"},
		{Pattern: "GET /datacalls", Roles: staff, Handler: h.calls},
		{Pattern: "GET /datacalls/new", Roles: callIssuers, Handler: h.callNew},
		{Pattern: "POST /datacalls", Roles: callIssuers, Handler: h.callIssue},
		{Pattern: "GET /datacalls/{id}", Roles: staff, Handler: h.callRollUp},
		{Pattern: "GET /datacalls/{id}/export", Roles: staff, Handler: h.callExport},
		{Pattern: "GET /datacalls/{id}/fill", Roles: callFillers, Handler: h.callFill},
		{Pattern: "POST /datacalls/{id}/fill", Roles: callFillers, Handler: h.callSave},
		{Pattern: "POST /datacalls/{id}/remind", Roles: callIssuers, Handler: h.callRemind},
		{Pattern: "POST /datacalls/{id}/return", Roles: callIssuers, Handler: h.callReturn},
		{Pattern: "GET /datacall-forms", Roles: callIssuers, Handler: h.forms},
		{Pattern: "GET /datacall-forms/new", Roles: callIssuers, Handler: h.formNew},
		{Pattern: "POST /datacall-forms", Roles: callIssuers, Handler: h.formCreate},
		{Pattern: "GET /datacall-forms/{id}", Roles: staff, Handler: h.formHistory},
		{Pattern: "GET /api/v1/datacalls", Out: web.ItemList[datacall.CallView]{}, Roles: staff, Handler: web.ItemsJSON(h.UI, h.Svc.Calls.Calls), API: "数据填报任务（发给本单位的，或全部） / Data calls"},
		{Pattern: "POST /api/v1/datacalls", In: datacall.NewCall{}, Out: datacall.Call{}, Roles: callIssuers, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.Svc.Calls.Issue), API: "下发填报任务（form_id, period, deadline, units） / Issue a data call"},
		{Pattern: "GET /api/v1/datacalls/{id}", Out: datacall.RollUp{}, Roles: staff, Handler: web.GetJSON(h.UI, h.apiRollUp), API: "填报汇总（分单位、合计、核对、逾期） / A data call's roll-up"},
		{Pattern: "PUT /api/v1/datacalls/{id}/response", In: fillInput{}, Out: datacall.Response{}, Roles: callFillers, Handler: web.BodyJSONByID(h.UI, http.StatusOK, h.apiFill), API: "填报或提交本单位数据（values, submit） / Fill or submit a unit's row"},
		{Pattern: "GET /api/v1/datacall-forms", Out: web.ItemList[datacall.Form]{}, Roles: callIssuers, Handler: web.ItemsJSON(h.UI, h.Svc.Calls.Forms), API: "填报表样 / Data-call forms"},
		{Pattern: "POST /api/v1/datacall-forms", In: datacall.Form{}, Out: datacall.Form{}, Roles: callIssuers, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.Svc.Calls.CreateForm), API: "定义填报表样（name, fields） / Define a form"},
		{Pattern: "GET /special-campaigns", Roles: staff, Handler: h.specials},
		{Pattern: "GET /special-campaigns/new", Roles: specialManagers, Handler: h.specialNew},
		{Pattern: "POST /special-campaigns", Roles: specialManagers, Handler: h.specialCreate},
		{Pattern: "GET /special-campaigns/{id}", Roles: staff, Handler: h.specialPage},
		{Pattern: "POST /special-campaigns/{id}/checks", Roles: specialCheckers, Handler: h.specialCheck},
		{Pattern: "GET /special-campaigns/{id}/export", Roles: staff, Handler: h.specialExport},
		{Pattern: "GET /api/v1/special-campaigns", Out: web.ItemList[special.Campaign]{}, Roles: staff, Handler: web.ItemsJSON(h.UI, h.Svc.Special.Campaigns), API: "专项整治活动 / Special campaigns"},
		{Pattern: "GET /api/v1/special-campaigns/{id}", Out: SpecialCoverage{}, Roles: staff, Handler: h.apiSpecial, API: "专项整治覆盖情况（分乡镇、分轮次） / A special campaign's coverage"},
		{Pattern: "POST /api/v1/special-campaigns/{id}/checks", In: special.Check{}, Out: special.Check{}, Roles: specialCheckers, Handler: web.BodyJSONByID(h.UI, http.StatusCreated, h.Svc.Special.RecordCheck), API: "登记一次检查（target_id, checked_on, round, checked_by, findings） / Record a check"},
	}
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
