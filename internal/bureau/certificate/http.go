package certificate

import (
	"embed"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
	"yingji/internal/kit/web"
	"yingji/internal/kit/xlsx"
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
		sectors = nil
		for _, s := range org.Sectors {
			for _, mine := range p.Sectors {
				if s[0] == mine {
					sectors = append(sectors, s)
				}
			}
		}
	}
	return map[string]any{"Towns": towns, "RegionNames": names, "Sectors": sectors, "Kinds": Kinds, "Roles": PersonRoles,
		"Statuses": Statuses, "CompetenceCategories": CompetenceCategories, "SpecialCategories": SpecialCategories,
		"Today": h.Svc.Today(), "CanCheck": p.Is(auth.RoleAdmin, auth.RoleSection),
		"MissingStates": []string{"none", "warned", WarningOpen, WarningOverdue}, "WarningStates": []string{WarningOpen, WarningOverdue, WarningCleared}}, nil
}

// Row is a certificate as the pages show it.
type Row struct {
	Certificate
	Status         string
	DaysLeft       int
	EnterpriseName string
}

func (h *Handlers) rows(r *http.Request, list []Certificate) ([]Row, error) {
	p := web.PrincipalFrom(r.Context())
	var idList []string
	for _, c := range list {
		idList = append(idList, c.EnterpriseID)
	}
	names, err := h.Ent.Names(r.Context(), p, idList)
	if err != nil {
		return nil, err
	}
	today := h.Svc.Today()
	out := make([]Row, len(list))
	for i, c := range list {
		out[i] = Row{Certificate: c, Status: StatusOf(c, today), DaysLeft: today.DaysUntil(c.ValidUntil), EnterpriseName: names[c.EnterpriseID]}
	}
	return out, nil
}

// certificatesOf reads the page pg of the certificates the request's
// query selects (for the page and the API).
func (h *Handlers) certificatesOf(r *http.Request, pg web.Paging) ([]Row, int, error) {
	f := FilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	list, total, err := h.Svc.List(r.Context(), web.PrincipalFrom(r.Context()), f)
	if err != nil {
		return nil, 0, err
	}
	rows, err := h.rows(r, list)
	return rows, total, err
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	pg := web.PagingOf(r)
	rows, total, err := h.certificatesOf(r, pg)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if id := FilterOf(r.URL.Query()).EnterpriseID; id != "" {
		if e, err := h.Ent.Get(r.Context(), p, id); err == nil {
			data["Enterprise"] = e
			ws, _, err := h.Svc.Warnings(r.Context(), p, WarningFilter{EnterpriseID: e.ID, State: "", Limit: 5})
			if err != nil {
				h.UI.Error(w, r, err)
				return
			}
			var open []Warning
			for _, x := range ws {
				if x.ClearedOn.IsZero() {
					open = append(open, x)
				}
			}
			wrows, err := h.warningRows(r, open)
			if err != nil {
				h.UI.Error(w, r, err)
				return
			}
			data["OpenWarnings"] = wrows
		}
	}
	data["Rows"], data["Pager"] = rows, web.PagerOf(pg, total)
	h.UI.Show(w, r, http.StatusOK, "certificates", "nav.certificates", "certificates", data, nil)
}

// denied answers an enterprise account reaching for another enterprise's
// certificate: 403, and the attempt is audited.
func (h *Handlers) denied(w http.ResponseWriter, r *http.Request, id string, err error) bool {
	p := web.PrincipalFrom(r.Context())
	e, ok := errs.As(err)
	if p.Role != auth.RoleEnterprise || !ok || e.Message != "certificate.other_forbidden" {
		return false
	}
	if err := h.Svc.RecordDenied(r.Context(), p, id, r.Method+" "+r.URL.Path); err != nil {
		h.UI.Log.Error("audit denied", "err", err)
	}
	h.UI.Fail(w, r, http.StatusForbidden, "certificate.other_forbidden")
	return true
}

// get reads a certificate again to show its form after a refused post;
// when it cannot, the error is answered (see fail) and ok is false.
func (h *Handlers) get(w http.ResponseWriter, r *http.Request, id string) (c Certificate, ok bool) {
	c, _, err := h.Svc.Get(r.Context(), web.PrincipalFrom(r.Context()), id)
	if err != nil {
		h.fail(w, r, id, err)
		return c, false
	}
	return c, true
}

// fail answers a service error, auditing an enterprise account's reach
// into another enterprise.
func (h *Handlers) fail(w http.ResponseWriter, r *http.Request, id string, err error) {
	if !h.denied(w, r, id, err) {
		h.UI.Error(w, r, err)
	}
}

func (h *Handlers) show(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	c, e, err := h.Svc.Get(r.Context(), p, id)
	if err != nil {
		h.fail(w, r, id, err)
		return
	}
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	renewals, err := h.Svc.Renewals(r.Context(), p, id)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	hist, err := audit.ForEntity(r.Context(), h.DB.R(), "certificate", id)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	today := h.Svc.Today()
	data["C"] = Row{Certificate: c, Status: StatusOf(c, today), DaysLeft: today.DaysUntil(c.ValidUntil), EnterpriseName: e.Name}
	data["E"], data["Renewals"], data["History"] = e, renewals, hist
	data["CanEdit"], data["CanCheck"] = CanEdit(p, e), CanCheck(p, e)
	page := h.UI.NewPage(r, c.PersonName+" · "+translate(r, h.UI, "certificate.kind_short."+c.Kind), data)
	page.Active = "certificates"
	h.UI.Render(w, r, http.StatusOK, "certificate", page)
}

// translate translates a message for the request's language.
func translate(r *http.Request, ui *web.UI, id string) string {
	return ui.I18n.T(web.Lang(r.Context()), id, nil)
}

// editableEnterprises are the enterprises p may record certificates for
// (the form's choice).
func (h *Handlers) editableEnterprises(r *http.Request) ([]enterprise.Enterprise, error) {
	p := web.PrincipalFrom(r.Context())
	var out []enterprise.Enterprise
	err := h.Ent.Each(r.Context(), p, enterprise.Filter{}, func(e enterprise.Enterprise) error {
		if CanEdit(p, e) && e.Status != enterprise.StatusClosed {
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

func (h *Handlers) form(w http.ResponseWriter, r *http.Request, status int, f *web.Form, c *Certificate) {
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	ents, err := h.editableEnterprises(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data["Enterprises"], data["C"] = ents, c
	title := "certificate.new"
	if c != nil {
		title = "certificate.edit"
	}
	h.UI.Show(w, r, status, "certificate_form", title, "certificates", data, f)
}

// formValues turns a certificate into form values.
func formValues(c Certificate) map[string]string {
	return map[string]string{"enterprise_id": c.EnterpriseID, "person_name": c.PersonName, "id_number": c.IDNumber,
		"person_role": c.PersonRole, "kind": c.Kind, "category": c.Category, "number": c.Number, "authority": c.Authority,
		"issued_on": c.IssuedOn.String(), "expires_on": c.ExpiresOn.String(), "review_due_on": c.ReviewDueOn.String(), "note": c.Note}
}

// dateFields reads date fields of a form; a value that is not a date is
// a field error.
func dateFields(f *web.Form, fields map[string]*Date) errs.FieldErrors {
	var fe errs.FieldErrors
	for _, k := range []string{"issued_on", "expires_on", "review_due_on", "done_on", "warned_on", "as_of"} {
		dst, ok := fields[k]
		if !ok {
			continue
		}
		d, err := ParseDate(f.Get(k))
		if err != nil {
			fe = append(fe, errs.Field(k, "certificate.date_invalid", nil))
		}
		*dst = d
	}
	return fe
}

// fromForm reads a certificate from a posted form.
func fromForm(f *web.Form) (Certificate, error) {
	c := Certificate{EnterpriseID: f.Get("enterprise_id"), PersonName: f.Get("person_name"), IDNumber: f.Get("id_number"),
		PersonRole: f.Get("person_role"), Kind: f.Get("kind"), Category: f.Get("category"), Number: f.Get("number"),
		Authority: f.Get("authority"), Note: f.Get("note")}
	fe := dateFields(f, map[string]*Date{"issued_on": &c.IssuedOn, "expires_on": &c.ExpiresOn, "review_due_on": &c.ReviewDueOn})
	return c, fe.Err()
}

func (h *Handlers) newForm(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	v := map[string]string{"kind": KindCompetence, "person_role": RolePrincipal, "category": "other", "authority": "芜湖市应急管理局"}
	ent := r.URL.Query().Get("enterprise")
	if p.Role == auth.RoleEnterprise {
		ent = p.EnterpriseID
	}
	if ent != "" {
		if e, err := h.Ent.Get(r.Context(), p, ent); err == nil {
			v["enterprise_id"], v["category"] = e.ID, CategoryForSector(e.Sector)
		}
	}
	if k := r.URL.Query().Get("kind"); k == KindSpecial {
		v["kind"], v["person_role"], v["category"], v["authority"] = KindSpecial, RoleOperator, "electrician", "安徽省应急管理厅"
	}
	h.form(w, r, http.StatusOK, web.EmptyForm(v), nil)
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := web.NewForm(r)
	c, err := fromForm(f)
	if p.Role == auth.RoleEnterprise && c.EnterpriseID == "" {
		c.EnterpriseID = p.EnterpriseID
	}
	if err == nil {
		c, err = h.Svc.Create(r.Context(), p, c)
	}
	if err != nil {
		if !h.denied(w, r, c.EnterpriseID, err) {
			h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) { h.form(w, r, status, f, nil) })
		}
		return
	}
	msg := "certificate.created"
	if !c.Verified {
		msg = "certificate.created_pending"
	}
	h.UI.Redirect(w, r, "/certificates/"+c.ID, msg, "Name", c.PersonName)
}

func (h *Handlers) editForm(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	c, e, err := h.Svc.Get(r.Context(), p, id)
	if err != nil {
		h.fail(w, r, id, err)
		return
	}
	if !CanEdit(p, e) {
		h.UI.Fail(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	h.form(w, r, http.StatusOK, web.EmptyForm(formValues(c)), &c)
}

func (h *Handlers) update(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	f := web.NewForm(r)
	in, err := fromForm(f)
	if err == nil {
		_, err = h.Svc.Update(r.Context(), p, id, in)
	}
	if err != nil {
		if !h.denied(w, r, id, err) {
			h.UI.FormFailed(w, r, f, err, web.HasFieldErrors, func(status int) {
				if c, ok := h.get(w, r, id); ok {
					h.form(w, r, status, f, &c)
				}
			})
		}
		return
	}
	h.UI.Redirect(w, r, "/certificates/"+id, "action.saved")
}

func (h *Handlers) renderRenew(w http.ResponseWriter, r *http.Request, status int, f *web.Form, c Certificate) {
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	today := h.Svc.Today()
	data["C"] = Row{Certificate: c, Status: StatusOf(c, today), DaysLeft: today.DaysUntil(c.ValidUntil)}
	page := h.UI.NewPage(r, "", data)
	page.Form = f
	page.Title = page.T("certificate.renew_title", "Name", c.PersonName)
	page.Active = "certificates"
	h.UI.Render(w, r, status, "certificate_renew", page)
}

func (h *Handlers) renewForm(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	c, e, err := h.Svc.Get(r.Context(), p, id)
	if err != nil {
		h.fail(w, r, id, err)
		return
	}
	if !CanEdit(p, e) {
		h.UI.Fail(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	kind := RenewRenew
	if c.Kind == KindSpecial && !c.ReviewDueOn.IsZero() && c.ReviewDueOn.Before(c.ExpiresOn) {
		kind = RenewReview
	}
	h.renderRenew(w, r, http.StatusOK, web.EmptyForm(map[string]string{"kind": kind, "done_on": h.Svc.Today().String()}), c)
}

// renewFromForm reads a renewal from a posted form.
func renewFromForm(f *web.Form) (RenewInput, error) {
	in := RenewInput{Kind: f.Get("kind"), Number: f.Get("number"), Note: f.Get("note")}
	fe := dateFields(f, map[string]*Date{"done_on": &in.DoneOn, "issued_on": &in.IssuedOn, "expires_on": &in.ExpiresOn, "review_due_on": &in.ReviewDueOn})
	return in, fe.Err()
}

func (h *Handlers) renew(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	f := web.NewForm(r)
	in, err := renewFromForm(f)
	if err == nil {
		_, err = h.Svc.Renew(r.Context(), p, id, in)
	}
	if err != nil {
		if !h.denied(w, r, id, err) {
			// A renewal the dates do not allow (409) is shown on the form too.
			onForm := func(err error) bool { return errs.Fields(err) != nil || errs.KindOf(err) == errs.Conflict }
			h.UI.FormFailed(w, r, f, err, onForm, func(status int) {
				if c, ok := h.get(w, r, id); ok {
					h.renderRenew(w, r, status, f, c)
				}
			})
		}
		return
	}
	msg := "certificate.renewed"
	if in.Kind == RenewReview {
		msg = "certificate.reviewed"
	}
	h.UI.Redirect(w, r, "/certificates/"+id, msg)
}

func (h *Handlers) verify(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := h.Svc.Verify(r.Context(), web.PrincipalFrom(r.Context()), id)
	h.UI.Done(w, r, err, "/certificates/"+id, "certificate.verified")
}

func (h *Handlers) revoke(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f := web.NewForm(r)
	err := h.Svc.Revoke(r.Context(), web.PrincipalFrom(r.Context()), id, f.Get("reason"))
	h.UI.Done(w, r, err, "/certificates/"+id, "certificate.revoked_done")
}

// missingPageSize bounds one page of the survey list.
const missingPageSize = 50

func (h *Handlers) missing(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := MissingFilterOf(r.URL.Query())
	res, err := h.Svc.Missing(r.Context(), p, f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	pg := web.PagingOf(r)
	if r.URL.Query().Get("size") == "" {
		pg.Size = missingPageSize
	}
	from := min(pg.Offset(), len(res.Findings))
	to := min(from+pg.Size, len(res.Findings))
	canWarn := map[string]bool{}
	for _, fd := range res.Findings[from:to] {
		canWarn[fd.Enterprise.ID] = CanCheck(p, fd.Enterprise) && fd.Warning == nil
	}
	data["Result"], data["Findings"], data["Pager"], data["CanWarn"] = res, res.Findings[from:to], web.PagerOf(pg, len(res.Findings)), canWarn
	data["Past"] = res.AsOf.Before(h.Svc.Today())
	data["HighRisk"], data["Industry"] = HighRiskSectors, IndustrySectors
	h.UI.Show(w, r, http.StatusOK, "certificates_missing", "certificate.missing_title", "certificates", data, nil)
}

func (h *Handlers) warn(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := web.NewForm(r)
	var on Date
	fe := dateFields(f, map[string]*Date{"warned_on": &on})
	back := f.Get("back")
	if !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") {
		back = "/certificates/missing"
	}
	err := fe.Err()
	var wn Warning
	if err == nil {
		wn, err = h.Svc.IssueWarning(r.Context(), p, f.Get("enterprise_id"), on, f.Get("note"))
	}
	if err != nil {
		if h.denied(w, r, f.Get("enterprise_id"), err) {
			return
		}
		if k := errs.KindOf(err); k == errs.Invalid || k == errs.Conflict {
			web.SetFlash(w, h.UI.Message(web.Lang(r.Context()), err))
			http.Redirect(w, r, back, http.StatusSeeOther)
			return
		}
		h.UI.Error(w, r, err)
		return
	}
	h.UI.Redirect(w, r, back, "certificate.warned", "Deadline", wn.Deadline.String())
}

func (h *Handlers) survey(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := web.NewForm(r)
	mf := MissingFilter{Sector: f.Get("sector"), Town: f.Get("town"), Scale: f.Get("scale")}
	err := dateFields(f, map[string]*Date{"as_of": &mf.AsOf}).Err()
	n := 0
	if err == nil {
		n, err = h.Svc.RecordSurvey(r.Context(), p, mf)
	}
	back := "/certificates/missing?" + url.Values{"as_of": {f.Get("as_of")}, "sector": {mf.Sector}, "town": {mf.Town}, "scale": {mf.Scale}}.Encode()
	if err != nil {
		if errs.KindOf(err) == errs.Invalid {
			web.SetFlash(w, h.UI.Message(web.Lang(r.Context()), err))
			http.Redirect(w, r, back, http.StatusSeeOther)
			return
		}
		h.UI.Error(w, r, err)
		return
	}
	h.UI.Redirect(w, r, back, "certificate.surveyed", "Count", n)
}

// WarningRow is a warning as the register shows it.
type WarningRow struct {
	Warning
	State          string
	EnterpriseName string
}

func (h *Handlers) warningRows(r *http.Request, list []Warning) ([]WarningRow, error) {
	p := web.PrincipalFrom(r.Context())
	var idList []string
	for _, x := range list {
		idList = append(idList, x.EnterpriseID)
	}
	names, err := h.Ent.Names(r.Context(), p, idList)
	if err != nil {
		return nil, err
	}
	today := h.Svc.Today()
	out := make([]WarningRow, len(list))
	for i, x := range list {
		out[i] = WarningRow{Warning: x, State: x.StateOn(today), EnterpriseName: names[x.EnterpriseID]}
	}
	return out, nil
}

func (h *Handlers) warnings(w http.ResponseWriter, r *http.Request) {
	pg := web.PagingOf(r)
	list, total, err := h.warningsOf(r, pg)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	rows, err := h.warningRows(r, list)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data["Rows"], data["Pager"] = rows, web.PagerOf(pg, total)
	h.UI.Show(w, r, http.StatusOK, "certificate_warnings", "certificate.warnings_title", "certificates", data, nil)
}

func (h *Handlers) missingExport(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	res, err := h.Svc.Missing(r.Context(), p, MissingFilterOf(r.URL.Query()))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.SendXLSX(w, r, fmt.Sprintf("缺证企业-%s.xlsx", res.AsOf.String()), newMissingWriter, func(xw *xlsx.Writer) error {
		return writeMissing(xw, res, h.names(r))
	})
}

// names returns town names by code.
func (h *Handlers) names(r *http.Request) map[string]string {
	p := web.PrincipalFrom(r.Context())
	all, err := h.Org.ListRegions(r.Context(), &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}, org.RegionFilter{Level: org.LevelTown})
	out := map[string]string{}
	if err != nil {
		return out
	}
	for _, x := range all {
		out[x.Code] = x.Name
	}
	return out
}

func (h *Handlers) warningsExport(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := WarningFilterOf(r.URL.Query())
	f.Limit = 5000
	list, _, err := h.Svc.Warnings(r.Context(), p, f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	rows, err := h.warningRows(r, list)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	name := fmt.Sprintf("证书警告记录-%s.xlsx", time.Now().In(web.Shanghai).Format("20060102"))
	h.UI.SendXLSX(w, r, name, newWarningsWriter, func(xw *xlsx.Writer) error { return writeWarnings(xw, rows) })
}

func (h *Handlers) warningPDF(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	wn, e, err := h.Svc.Warning(r.Context(), p, id)
	if err != nil {
		h.fail(w, r, id, err)
		return
	}
	county, err := h.Org.RegionName(r.Context(), p.CountyCode)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.SendPDF(w, r, "警告通知书-"+e.Name+".pdf", func(out io.Writer) error { return renderWarning(out, county, e, wn) })
}

// API

func (h *Handlers) apiList(r *http.Request, pg web.Paging) ([]apiCertificate, int, error) {
	rows, total, err := h.certificatesOf(r, pg)
	if err != nil {
		return nil, 0, err
	}
	items := make([]apiCertificate, len(rows))
	for i, x := range rows {
		items[i] = apiCertificate{Certificate: x.Certificate, Status: x.Status, EnterpriseName: x.EnterpriseName}
	}
	return items, total, nil
}

// apiCertificate is a certificate in the API, with its computed status.
type apiCertificate struct {
	Certificate
	Status         string `json:"status"`
	EnterpriseName string `json:"enterprise_name,omitempty"`
}

func (h *Handlers) apiGet(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	c, e, err := h.Svc.Get(r.Context(), web.PrincipalFrom(r.Context()), id)
	if err != nil {
		h.fail(w, r, id, err)
		return
	}
	web.JSON(w, http.StatusOK, apiCertificate{Certificate: c, Status: StatusOf(c, h.Svc.Today()), EnterpriseName: e.Name})
}

func (h *Handlers) apiCreate(w http.ResponseWriter, r *http.Request) {
	var in Certificate
	if !h.UI.ReadJSON(w, r, &in) {
		return
	}
	in.ID = ""
	c, err := h.Svc.Create(r.Context(), web.PrincipalFrom(r.Context()), in)
	h.reply(w, r, http.StatusCreated, in.EnterpriseID, c, err)
}

func (h *Handlers) apiUpdate(w http.ResponseWriter, r *http.Request) {
	var in Certificate
	if !h.UI.ReadJSON(w, r, &in) {
		return
	}
	id := r.PathValue("id")
	c, err := h.Svc.Update(r.Context(), web.PrincipalFrom(r.Context()), id, in)
	h.reply(w, r, http.StatusOK, id, c, err)
}

func (h *Handlers) apiRenew(w http.ResponseWriter, r *http.Request) {
	var in RenewInput
	if !h.UI.ReadJSON(w, r, &in) {
		return
	}
	id := r.PathValue("id")
	c, err := h.Svc.Renew(r.Context(), web.PrincipalFrom(r.Context()), id, in)
	h.reply(w, r, http.StatusOK, id, c, err)
}

// reply answers a certificate written through the API with its status,
// or err (see fail: id is the certificate or enterprise reached for).
func (h *Handlers) reply(w http.ResponseWriter, r *http.Request, status int, id string, c Certificate, err error) {
	if err != nil {
		h.fail(w, r, id, err)
		return
	}
	web.JSON(w, status, apiCertificate{Certificate: c, Status: StatusOf(c, h.Svc.Today())})
}

func (h *Handlers) apiMissing(w http.ResponseWriter, r *http.Request) {
	res, err := h.Svc.Missing(r.Context(), web.PrincipalFrom(r.Context()), MissingFilterOf(r.URL.Query()))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, res)
}

// warningsOf reads the page pg of the warnings the request's query
// selects (for the page and the API).
func (h *Handlers) warningsOf(r *http.Request, pg web.Paging) ([]Warning, int, error) {
	f := WarningFilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	return h.Svc.Warnings(r.Context(), web.PrincipalFrom(r.Context()), f)
}

// warnInput is the API's warning request.
type warnInput struct {
	EnterpriseID string `json:"enterprise_id"`
	WarnedOn     Date   `json:"warned_on"`
	Note         string `json:"note"`
}

func (h *Handlers) apiWarn(w http.ResponseWriter, r *http.Request) {
	var in warnInput
	if !h.UI.ReadJSON(w, r, &in) {
		return
	}
	wn, err := h.Svc.IssueWarning(r.Context(), web.PrincipalFrom(r.Context()), in.EnterpriseID, in.WarnedOn, in.Note)
	if err != nil {
		h.fail(w, r, in.EnterpriseID, err)
		return
	}
	web.JSON(w, http.StatusCreated, wn)
}
