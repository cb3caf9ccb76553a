package certificate

import (
	"embed"
	"net/http"
	"net/url"
	"strconv"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
	"yingji/internal/kit/web"
)

// Templates and Locales of the certificate pages.
//
//go:embed templates/*.html
var Templates embed.FS

//go:embed locales/*.json
var Locales embed.FS

// Handlers serve the certificate pages and API.
type Handlers struct {
	UI  *web.UI
	DB  *store.DB
	Svc *Service
	Ent *enterprise.Service
	Org *org.Service
}

// Routes declares the certificate routes, each once: pattern, roles, handler and
// API summary (the Excel routes are the ledger kit's: no handler here).
func (h *Handlers) Routes() web.Routes {
	staffReaders := []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer, auth.RoleDuty, auth.RoleTown,
		auth.RoleDepartment, auth.RoleReadOnly}
	readers := append(append([]auth.Role(nil), staffReaders...), auth.RoleEnterprise)
	editors := []auth.Role{auth.RoleAdmin, auth.RoleSection, auth.RoleEnterprise}
	checkers := []auth.Role{auth.RoleAdmin, auth.RoleSection}
	return web.Routes{
		{Pattern: "GET /certificates", Roles: readers, Handler: h.list},
		{Pattern: "GET /certificates/new", Roles: editors, Handler: h.newForm},
		{Pattern: "POST /certificates", Roles: editors, Handler: h.create},
		{Pattern: "GET /certificates/{id}", Roles: readers, Handler: h.show},
		{Pattern: "GET /certificates/{id}/edit", Roles: editors, Handler: h.editForm},
		{Pattern: "POST /certificates/{id}", Roles: editors, Handler: h.update},
		{Pattern: "GET /certificates/{id}/renew", Roles: editors, Handler: h.renewForm},
		{Pattern: "POST /certificates/{id}/renew", Roles: editors, Handler: h.renew},
		{Pattern: "POST /certificates/{id}/verify", Roles: checkers, Handler: h.verify},
		{Pattern: "POST /certificates/{id}/revoke", Roles: checkers, Handler: h.revoke},
		{Pattern: "GET /certificates/missing", Roles: staffReaders, Handler: h.missing},
		{Pattern: "GET /certificates/missing/export", Roles: staffReaders, Handler: h.missingExport},
		{Pattern: "POST /certificates/survey", Roles: checkers, Handler: h.survey},
		{Pattern: "GET /certificates/warnings", Roles: readers, Handler: h.warnings},
		{Pattern: "POST /certificates/warnings", Roles: checkers, Handler: h.warn},
		{Pattern: "GET /certificates/warnings/export", Roles: staffReaders, Handler: h.warningsExport},
		{Pattern: "GET /certificates/warnings/{id}/pdf", Roles: readers, Handler: h.warningPDF},
		{Pattern: "GET /certificates/export", Roles: readers},
		{Pattern: "GET /certificates/template", Roles: checkers},
		{Pattern: "GET /certificates/import", Roles: checkers},
		{Pattern: "POST /certificates/import", Roles: checkers},
		{Pattern: "GET /api/v1/certificates", Out: web.PagedList[apiCertificate]{}, Roles: readers, Handler: web.PagedJSON(h.UI, h.apiList)},
		{Pattern: "POST /api/v1/certificates", In: Certificate{}, Out: apiCertificate{}, Roles: editors, Handler: h.apiCreate},
		{Pattern: "GET /api/v1/certificates/{id}", Out: apiCertificate{}, Roles: readers, Handler: h.apiGet},
		{Pattern: "PUT /api/v1/certificates/{id}", In: Certificate{}, Out: apiCertificate{}, Roles: editors, Handler: h.apiUpdate},
		{Pattern: "POST /api/v1/certificates/{id}/renew", In: RenewInput{}, Out: apiCertificate{}, Roles: editors, Handler: h.apiRenew},
		{Pattern: "GET /api/v1/certificates/missing", Out: MissingResult{}, Roles: staffReaders, Handler: h.apiMissing},
		{Pattern: "GET /api/v1/certificates/warnings", Out: web.PagedList[Warning]{}, Roles: readers, Handler: web.PagedJSON(h.UI, h.warningsOf)},
		{Pattern: "POST /api/v1/certificates/warnings", In: warnInput{}, Out: Warning{}, Roles: checkers, Handler: h.apiWarn},
	}
}

// FilterOf reads the list filter from query parameters.
func FilterOf(q url.Values) Filter {
	within, _ := strconv.Atoi(q.Get("within"))
	return Filter{Q: q.Get("q"), Kind: q.Get("kind"), PersonRole: q.Get("role"), Status: q.Get("status"), Within: max(within, 0),
		EnterpriseID: q.Get("enterprise"), EnterpriseName: q.Get("ent"), Town: q.Get("town"), Sector: q.Get("sector"),
		Pending: q.Get("pending") == "1"}
}

// MissingFilterOf reads the survey filter; a bad date is ignored (today).
func MissingFilterOf(q url.Values) MissingFilter {
	asOf, _ := ParseDate(q.Get("as_of"))
	return MissingFilter{AsOf: asOf, Sector: q.Get("sector"), Town: q.Get("town"), Scale: q.Get("scale"), State: q.Get("state"), Role: q.Get("role")}
}

// WarningFilterOf reads the warnings register's filter.
func WarningFilterOf(q url.Values) WarningFilter {
	from, _ := ParseDate(q.Get("from"))
	to, _ := ParseDate(q.Get("to"))
	return WarningFilter{From: from, To: to, State: q.Get("state"), EnterpriseID: q.Get("enterprise"), Town: q.Get("town"), Sector: q.Get("sector")}
}

// lookups are the code lists and names the pages need.
func (h *Handlers) lookups(r *http.Request) (map[string]any, error) {
	p := web.PrincipalFrom(r.Context())
	towns, err := h.Org.ListRegions(r.Context(), p, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		return nil, err
	}
	all, err := h.Org.ListRegions(r.Context(), &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, x := range all {
		names[x.Code] = x.Name
	}
	sectors := org.Sectors
	if p.Role == auth.RoleSection {
		sectors = org.Sectors.Subset(p.Sectors)
	}
	return map[string]any{"Towns": towns, "RegionNames": names, "Sectors": sectors, "Kinds": Kinds, "Roles": PersonRoles,
		"Statuses": Statuses, "CompetenceCategories": CompetenceCategories, "SpecialCategories": SpecialCategories,
		"Today": h.Svc.Today(), "CanCheck": p.Is(auth.RoleAdmin, auth.RoleSection),
		"MissingStates": []string{"none", "warned", WarningOpen, WarningOverdue}, "WarningStates": []string{WarningOpen, WarningOverdue, WarningCleared}}, nil
}
