package supervise

import (
	"embed"
	"net/http"
	"sync"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/org"
	"yingji/internal/kit/pdfdoc"
	"yingji/internal/kit/store"
	"yingji/internal/kit/web"
)

// Templates, Locales and the page's stylesheet.
//
//go:embed templates/*.html
var Templates embed.FS

//go:embed locales/*.json
var Locales embed.FS

//go:embed static/sup.css
var stylesheet []byte

// Handlers serve the card and supervision pages, PDFs and API.
type Handlers struct {
	UI  *web.UI
	DB  *store.DB
	Svc *Service
	Org *org.Service
	Ent *enterprise.Service

	pdfOnce sync.Once
	pdf     *pdfdoc.Renderer
	pdfErr  error
}

// Role sets of the routes.
var (
	allRoles = auth.AllRoles
	staff    = []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer, auth.RoleDuty, auth.RoleTown,
		auth.RoleDepartment, auth.RoleReadOnly}
	adminOnly = []auth.Role{auth.RoleAdmin}
	accepters = append(append([]auth.Role{}, Deciders...), auth.RoleEnterprise)
)

// Routes declares the supervision routes, each once: pattern, roles, handler and
// API summary (the Excel routes are the ledger kit's: no handler here).
func (h *Handlers) Routes() web.Routes {
	return web.Routes{
		{Pattern: "GET /cards", Roles: allRoles, Handler: h.cards},
		{Pattern: "GET /cards/export", Roles: allRoles},
		{Pattern: "GET /cards/monthly", Roles: staff, Handler: h.monthly},
		{Pattern: "GET /cards/monthly/export", Roles: staff},
		{Pattern: "GET /settings/cards", Roles: adminOnly, Handler: h.settingsForm},
		{Pattern: "POST /settings/cards", Roles: adminOnly, Handler: h.saveSettings},
		{Pattern: "GET /supervision/static/sup.css", Roles: allRoles, Handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/css; charset=utf-8")
			w.Header().Set("Cache-Control", "public, max-age=3600")
			_, _ = w.Write(stylesheet)
		}},
		{Pattern: "GET /supervision", Roles: allRoles, Handler: h.supervision},
		{Pattern: "GET /supervision/letters/new", Roles: Deciders, Handler: h.letterForm},
		{Pattern: "POST /supervision/letters", Roles: Deciders, Handler: h.issueLetter},
		{Pattern: "GET /supervision/letters/{id}", Roles: allRoles, Handler: h.letter}, // also {id}.pdf: the letter as PDF
		{Pattern: "GET /supervision/letters/export", Roles: allRoles},
		{Pattern: "GET /supervision/proposals/export", Roles: staff},
		{Pattern: "GET /supervision/listings/new", Roles: Deciders, Handler: h.listingForm},
		{Pattern: "POST /supervision/listings", Roles: Deciders, Handler: h.listHazard},
		{Pattern: "GET /supervision/listings/{id}", Roles: allRoles, Handler: h.listing}, // also {id}.pdf: the notice as PDF
		{Pattern: "GET /supervision/listings/export", Roles: allRoles},
		{Pattern: "POST /supervision/listings/{id}/publish", Roles: Deciders, Handler: h.listingStep("publish")},
		{Pattern: "POST /supervision/listings/{id}/request-acceptance", Roles: accepters, Handler: h.listingStep("request_acceptance")},
		{Pattern: "POST /supervision/listings/{id}/accept", Roles: Deciders, Handler: h.listingStep("accept")},
		{Pattern: "POST /supervision/listings/{id}/delist", Roles: Deciders, Handler: h.listingStep("delist")},
		{Pattern: "GET /supervision/extensions/new", Roles: Requesters, Handler: h.extensionForm},
		{Pattern: "POST /supervision/extensions", Roles: Requesters, Handler: h.requestExtension},
		{Pattern: "GET /supervision/extensions/{id}", Roles: allRoles, Handler: h.extension},
		{Pattern: "GET /supervision/extensions/export", Roles: allRoles},
		{Pattern: "POST /supervision/extensions/{id}/decide", Roles: Deciders, Handler: h.decide},
		{Pattern: "GET /api/v1/cards", Out: web.PagedList[CardRow]{}, Roles: allRoles, Handler: web.PagedJSON(h.UI, h.cardsOf), API: "当前红黄牌（town, section, sector, card, reason, enterprise, q, page, size） / Cards standing"},
		{Pattern: "GET /api/v1/cards/monthly", Out: Monthly{}, Roles: staff, Handler: h.apiMonthly, API: "红黄牌月度统计（year） / Cards per month, town and section"},
		{Pattern: "GET /api/v1/supervision/proposals", Out: web.PagedList[Proposal]{}, Roles: staff, Handler: h.apiProposals, API: "建议发督办函的红牌隐患 / Red cards calling for a supervision letter"},
		{Pattern: "GET /api/v1/supervision/stats", Out: Stats{}, Roles: staff, Handler: h.apiStats, API: "督办函、挂牌督办统计（from, to, campaign） / Letters and listings in a period"},
		{Pattern: "GET /api/v1/supervision/letters", Out: web.PagedList[Letter]{}, Roles: allRoles, Handler: web.PagedJSON(h.UI, h.lettersOf), API: "督办函（state, grade, from, to, hazard, q） / Supervision letters"},
		{Pattern: "POST /api/v1/supervision/letters", In: LetterInput{}, Out: Letter{}, Roles: Deciders, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.Svc.IssueLetter), API: "发督办函 / Issue a supervision letter"},
		{Pattern: "GET /api/v1/supervision/letters/{id}", Out: LetterView{}, Roles: allRoles, Handler: web.GetJSON(h.UI, h.Svc.GetLetter), API: "督办函详情 / One letter"},
		{Pattern: "GET /api/v1/supervision/listings", Out: web.PagedList[Listing]{}, Roles: allRoles, Handler: web.PagedJSON(h.UI, h.listingsOf), API: "挂牌督办（state, level, from, to, hazard, q） / Listed major hazards"},
		{Pattern: "GET /api/v1/supervision/listings/{id}", Out: ListingView{}, Roles: allRoles, Handler: web.GetJSON(h.UI, h.Svc.GetListing), API: "挂牌督办详情 / One listing"},
		{Pattern: "POST /api/v1/supervision/listings", In: ListingInput{}, Out: Listing{}, Roles: Deciders, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.Svc.ListHazard), API: "挂牌督办重大隐患（hazard_id, level, issuer, responsible, number, listed_on, requirements, published_on） / List a major hazard"},
		{Pattern: "POST /api/v1/supervision/listings/{id}/publish", In: StepInput{}, Out: Listing{}, Roles: Deciders, Handler: web.BodyJSONByID(h.UI, http.StatusOK, h.Svc.Publish), API: "挂牌督办公开（on, note） / Record the publication of a listing"},
		{Pattern: "POST /api/v1/supervision/listings/{id}/request-acceptance", In: StepInput{}, Out: Listing{}, Roles: accepters, Handler: web.BodyJSONByID(h.UI, http.StatusOK, h.Svc.RequestAcceptance), API: "申请验收（on, note；隐患须已报告整改完成） / Ask for the acceptance check"},
		{Pattern: "POST /api/v1/supervision/listings/{id}/accept", In: StepInput{}, Out: Listing{}, Roles: Deciders, Handler: web.BodyJSONByID(h.UI, http.StatusOK, h.Svc.Accept), API: "验收（on, pass, doc_number, note；pass=false 为验收未通过并退回整改，须写明 note） / Record the acceptance check"},
		{Pattern: "POST /api/v1/supervision/listings/{id}/delist", In: StepInput{}, Out: Listing{}, Roles: Deciders, Handler: web.BodyJSONByID(h.UI, http.StatusOK, h.Svc.Delist), API: "摘牌销号（on, note；须已验收） / Delist and close the hazard"},
		{Pattern: "GET /api/v1/supervision/extensions", Out: web.PagedList[Extension]{}, Roles: allRoles, Handler: web.PagedJSON(h.UI, h.extensionsOf), API: "延期申请（state, from, to, hazard, q） / Extension requests"},
		{Pattern: "POST /api/v1/supervision/extensions", In: ExtensionInput{}, Out: Extension{}, Roles: Requesters, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.Svc.RequestExtension), API: "申请延期 / Request an extension"},
		{Pattern: "GET /api/v1/supervision/extensions/{id}", Out: ExtensionView{}, Roles: allRoles, Handler: web.GetJSON(h.UI, h.Svc.GetExtension), API: "延期申请详情 / One extension request"},
		{Pattern: "POST /api/v1/supervision/extensions/{id}/decide", In: DecisionInput{}, Out: Extension{}, Roles: Deciders, Handler: web.BodyJSONByID(h.UI, http.StatusOK, h.Svc.DecideExtension), API: "审批延期申请（approve, on, reason） / Decide an extension request"},
	}
}

// lookups are the names the pages show: towns, sections, regions.
func (h *Handlers) lookups(r *http.Request) (map[string]any, error) {
	p := web.PrincipalFrom(r.Context())
	county := &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}
	towns, err := h.Org.ListRegions(r.Context(), p, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		return nil, err
	}
	all, err := h.Org.ListRegions(r.Context(), county, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, t := range all {
		names[t.Code] = t.Name
	}
	units, err := h.Org.ListUnits(r.Context(), county, org.UnitFilter{Kind: org.UnitSection})
	if err != nil {
		return nil, err
	}
	var sections []org.Unit
	for _, u := range units {
		if len(u.Sectors) > 0 {
			sections = append(sections, u)
		}
	}
	return map[string]any{"Towns": towns, "RegionNames": names, "Sections": sections, "Today": h.Svc.today()}, nil
}

func (h *Handlers) render(w http.ResponseWriter, r *http.Request, status int, name, titleID string, data map[string]any, f *web.Form) {
	if f == nil {
		f = web.EmptyForm(nil)
	}
	h.UI.Show(w, r, status, name, titleID, navKey(name), data, f)
}

// navKey is the navigation entry a page highlights: the cards pages
// their own, the card rules theirs, every supervision page "supervision".
func navKey(name string) string {
	switch name {
	case "sup_cards", "sup_monthly":
		return "cards"
	case "sup_settings":
		return "card_settings"
	}
	return "supervision"
}

func (h *Handlers) fail(w http.ResponseWriter, r *http.Request, err error) { h.UI.Error(w, r, err) }

// withMessage also shows err's message above a step's form that has
// field errors (the page shows the form's error, not only the fields').
func (h *Handlers) withMessage(r *http.Request, f *web.Form, err error) {
	if f.Error == "" {
		f.Error = h.UI.Message(web.Lang(r.Context()), err)
	}
}
