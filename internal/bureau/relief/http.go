package relief

import (
	"embed"
	"net/http"
	"sync"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/org"
	"yingji/internal/kit/pdfdoc"
	"yingji/internal/kit/store"
	"yingji/internal/kit/web"
)

// Templates and Locales of the relief pages.
//
//go:embed templates/*.html
var Templates embed.FS

//go:embed locales/*.json
var Locales embed.FS

// Handlers serve the relief pages and API.
type Handlers struct {
	UI  *web.UI
	DB  *store.DB
	Svc *Service
	Org *org.Service

	pdfOnce sync.Once
	pdf     *pdfdoc.Renderer
	pdfErr  error
}

// Routes declares the relief routes. Who reads: the bureau's staff and
// the towns (their town), read-only accounts; enterprises, departments,
// enforcement and duty officers have no business with relief lists.
// Inside a route the service applies the step's rule (the 县定 is the
// leader's or the 救灾减灾股's; 村评/公示/乡审 the town's).
func (h *Handlers) Routes() web.Routes {
	readers := []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleTown, auth.RoleReadOnly}
	enterers := []auth.Role{auth.RoleAdmin, auth.RoleTown}
	managers := []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection}
	steppers := []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleTown}
	payers := []auth.Role{auth.RoleAdmin, auth.RoleSection, auth.RoleTown}
	return web.Routes{
		{Pattern: "GET /relief/programmes", Roles: readers, Handler: h.programmes},
		{Pattern: "GET /relief/programmes/new", Roles: managers, Handler: h.programmeForm},
		{Pattern: "POST /relief/programmes", Roles: managers, Handler: h.createProgramme},
		{Pattern: "GET /relief/programmes/{id}", Roles: readers, Handler: h.programme},
		{Pattern: "GET /relief/households", Roles: readers, Handler: h.households},
		{Pattern: "GET /relief/households/new", Roles: enterers, Handler: h.householdForm},
		{Pattern: "POST /relief/households", Roles: enterers, Handler: h.createHousehold},
		{Pattern: "GET /relief/households/{id}", Roles: readers, Handler: h.household},
		{Pattern: "GET /relief/households/{id}/edit", Roles: enterers, Handler: h.editForm},
		{Pattern: "POST /relief/households/{id}", Roles: enterers, Handler: h.updateHousehold},
		{Pattern: "POST /relief/households/{id}/return", Roles: steppers, Handler: h.sendBack},
		{Pattern: "GET /relief/publicity", Roles: readers, Handler: h.publicity},
		{Pattern: "POST /relief/households/{id}/steps", Roles: steppers, Handler: h.step},
		{Pattern: "POST /relief/households/{id}/objections", Roles: enterers, Handler: h.objection},
		{Pattern: "POST /relief/households/{id}/payments", Roles: payers, Handler: h.pay},
		{Pattern: "GET /relief/payments", Roles: readers, Handler: h.payments},
		{Pattern: "GET /relief/duplicates", Roles: readers, Handler: h.duplicates},
		{Pattern: "GET /" + PaymentsKind + "/export", Roles: readers},
		{Pattern: "GET /" + HouseholdsKind + "/export", Roles: readers},
		{Pattern: "GET /" + HouseholdsKind + "/template", Roles: enterers},
		{Pattern: "GET /" + HouseholdsKind + "/import", Roles: enterers},
		{Pattern: "POST /" + HouseholdsKind + "/import", Roles: enterers},
		{Pattern: "GET /api/v1/relief/programmes", Out: web.ItemList[Programme]{}, Roles: readers, Handler: web.ItemsJSON(h.UI, h.Svc.Programmes), API: "Relief programmes (救助项目) with their standards"},
		{Pattern: "POST /api/v1/relief/programmes", In: Programme{}, Out: Programme{}, Roles: managers, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.Svc.CreateProgramme), API: "Create a relief programme"},
		{Pattern: "GET /api/v1/relief/programmes/{id}", Out: ProgrammeTotals{}, Roles: readers, Handler: h.apiProgramme, API: "A programme with its totals by town and category"},
		{Pattern: "GET /api/v1/relief/households", Out: web.PagedList[Household]{}, Roles: readers, Handler: web.PagedJSON(h.UI, h.householdsOf), API: "Households on relief lists (ID numbers masked unless the role may see them)"},
		{Pattern: "POST /api/v1/relief/households", In: Household{}, Out: Household{}, Roles: enterers, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.Svc.CreateHousehold), API: "Enter a household (户报)"},
		{Pattern: "GET /api/v1/relief/households/{id}", Out: HouseholdDetail{}, Roles: readers, Handler: h.apiHousehold, API: "A household with its members, steps, objections and payments"},
		{Pattern: "PUT /api/v1/relief/households/{id}", In: Household{}, Out: Household{}, Roles: enterers, Handler: web.BodyJSONByID(h.UI, http.StatusOK, h.Svc.UpdateHousehold), API: "Change a household's entries (at 户报 or 村评, or after it was sent back)"},
		{Pattern: "POST /api/v1/relief/households/{id}/return", In: ReturnInput{}, Out: Household{}, Roles: steppers, Handler: web.BodyJSONByID(h.UI, http.StatusOK, h.Svc.ReturnHousehold), API: "Send a household at 公示 or 乡审 back to 户报 (退回) with a reason"},
		{Pattern: "POST /api/v1/relief/households/{id}/steps", In: StepInput{}, Out: Household{}, Roles: steppers, Handler: web.BodyJSONByID(h.UI, http.StatusOK, h.Svc.TakeStep), API: "Take the next approval step (村评, 公示, 乡审, 县定)"},
		{Pattern: "POST /api/v1/relief/households/{id}/objections", In: ObjectionInput{}, Out: Objection{}, Roles: enterers, Handler: web.BodyJSONByID(h.UI, http.StatusCreated, h.Svc.RecordObjection), API: "Record or resolve an objection raised during the 公示"},
		{Pattern: "POST /api/v1/relief/households/{id}/payments", In: PaymentInput{}, Out: Payment{}, Roles: payers, Handler: web.BodyJSONByID(h.UI, http.StatusCreated, h.Svc.Pay), API: "Record a payment (money in 分 or goods)"},
		{Pattern: "GET /api/v1/relief/payments", Out: web.PagedList[Payment]{}, Roles: readers, Handler: web.PagedJSON(h.UI, h.paymentsOf), API: "Payments"},
		{Pattern: "GET /api/v1/relief/totals", Out: Totals{}, Roles: readers, Handler: h.apiTotals, API: "Totals by town, category and programme kind"},
		{Pattern: "GET /api/v1/relief/duplicates", Out: web.ItemList[Flag]{}, Roles: readers, Handler: web.ItemsJSON(h.UI, h.Svc.Flags), API: "People flagged in two programmes of one kind with overlapping periods"},
	}
}

// lookups are the code lists and names the pages need.
func (h *Handlers) lookups(r *http.Request) (map[string]any, error) {
	p := web.PrincipalFrom(r.Context())
	towns, err := h.Org.ListRegions(r.Context(), p, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		return nil, err
	}
	villages, err := h.Org.ListRegions(r.Context(), p, org.RegionFilter{Level: org.LevelVillage})
	if err != nil {
		return nil, err
	}
	progs, err := h.Svc.Programmes(r.Context(), p)
	if err != nil {
		return nil, err
	}
	names := h.Svc.Places(r.Context(), p)
	progNames := map[string]string{}
	for _, g := range progs {
		progNames[g.ID] = g.Name
	}
	return map[string]any{"Towns": towns, "Villages": villages, "Names": names, "Programmes": progs, "ProgrammeNames": progNames,
		"Kinds": Kinds, "Categories": Categories, "Steps": Steps, "Modes": Modes, "Today": h.Svc.Today(),
		"SeesFullID": SeesFullID(p), "CanEnter": CanEnter(p), "CanManage": CanManage(p), "CanPay": CanPay(p)}, nil
}
