package enforcement

import (
	"context"
	"embed"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/web"
)

// Templates and Locales of the enforcement pages.
//
//go:embed templates/*.html
var Templates embed.FS

//go:embed locales/*.json
var Locales embed.FS

// Handlers serve the documents, cases and measures pages and API.
type Handlers struct {
	UI  *web.UI
	Svc *Service
	Ent *enterprise.Service
}

// Roles of the routes.
var (
	readers  = []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer, auth.RoleTown, auth.RoleReadOnly, auth.RoleEnterprise}
	staff    = []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer, auth.RoleTown, auth.RoleReadOnly}
	writers  = []auth.Role{auth.RoleAdmin, auth.RoleSection, auth.RoleEnforcer}
	steppers = []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer}
	admins   = []auth.Role{auth.RoleAdmin}
)

// Routes declares the enforcement routes, each once: pattern, roles, handler and
// API summary (the Excel routes are the ledger kit's: no handler here).
func (h *Handlers) Routes() web.Routes {
	return web.Routes{
		{Pattern: "GET /enforcement/documents", Roles: readers, Handler: h.documents},
		{Pattern: "GET /enforcement/documents/new", Roles: writers, Handler: h.newDocument},
		{Pattern: "POST /enforcement/documents", Roles: writers, Handler: h.issue},
		{Pattern: "GET /enforcement/documents/{id}", Roles: readers, Handler: h.document},
		{Pattern: "GET /enforcement/documents/{id}/pdf", Roles: readers, Handler: h.pdf},
		{Pattern: "GET /enforcement/cases", Roles: staff, Handler: h.cases},
		{Pattern: "GET /enforcement/cases/new", Roles: writers, Handler: h.newCase},
		{Pattern: "POST /enforcement/cases", Roles: writers, Handler: h.openCase},
		{Pattern: "GET /enforcement/cases/{id}", Roles: staff, Handler: h.caseView},
		{Pattern: "POST /enforcement/cases/{id}/steps", Roles: steppers, Handler: h.step},
		{Pattern: "GET /enforcement/measures", Roles: staff, Handler: h.measures},
		{Pattern: "POST /enforcement/measures", Roles: writers, Handler: h.recordMeasure},
		{Pattern: "GET /documents/export", Roles: readers},
		{Pattern: "GET /cases/export", Roles: staff},
		{Pattern: "GET /cases/template", Roles: writers},
		{Pattern: "GET /cases/import", Roles: writers},
		{Pattern: "POST /cases/import", Roles: writers},
		{Pattern: "GET /api/v1/enforcement/documents", Out: web.PagedList[Document]{}, Roles: readers, Handler: web.PagedJSON(h.UI, func(r *http.Request, pg web.Paging) ([]Document, int, error) {
			f := DocFilterOf(r.URL.Query())
			f.Limit, f.Offset = pg.Size, pg.Offset()
			return h.Svc.ListDocuments(r.Context(), web.PrincipalFrom(r.Context()), f)
		}), API: "执法文书登记簿（kind, enterprise, inspection, case, from, to, q） / Enforcement documents"},
		{Pattern: "POST /api/v1/enforcement/documents", In: NewDocument{}, Out: Document{}, Roles: writers, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.Svc.Issue), API: "制发执法文书（自动编号，前置文书检查） / Issue a numbered document"},
		{Pattern: "GET /api/v1/enforcement/documents/{id}", Out: Document{}, Roles: readers, Handler: web.GetJSON(h.UI, h.Svc.GetDocument), API: "执法文书详情 / One document"},
		{Pattern: "GET /api/v1/enforcement/cases", Out: web.PagedList[Case]{}, Roles: staff, Handler: web.PagedJSON(h.UI, func(r *http.Request, pg web.Paging) ([]Case, int, error) {
			f := CaseFilterOf(r.URL.Query())
			f.Limit, f.Offset = pg.Size, pg.Offset()
			return h.Svc.ListCases(r.Context(), web.PrincipalFrom(r.Context()), f)
		}), API: "行政处罚案件（state, cause_kind, enterprise, from, to, q） / Penalty cases"},
		{Pattern: "POST /api/v1/enforcement/cases", In: NewCase{}, Out: Case{}, Roles: writers, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.Svc.OpenCase), API: "立案（待审批） / Draft a case"},
		{Pattern: "GET /api/v1/enforcement/cases/{id}", Out: CaseView{}, Roles: staff, Handler: web.GetJSON(h.UI, h.caseJSON), API: "案件详情与法定时限 / A case with its clocks"},
		{Pattern: "POST /api/v1/enforcement/cases/{id}/steps", In: StepInput{}, Out: Case{}, Roles: steppers, Handler: web.BodyJSONByID(h.UI, http.StatusOK, h.Svc.Step), API: "办理一个环节（approve_filing, reject_filing, notify, decide, pay, close, approve） / Take a step"},
		{Pattern: "GET /api/v1/enforcement/cases/{id}/payments", Out: web.ItemList[Payment]{}, Roles: staff, Handler: web.GetJSON(h.UI, func(ctx context.Context, p *auth.Principal, id string) (web.ItemList[Payment], error) {
			list, err := h.Svc.Payments(ctx, p, id)
			if list == nil {
				list = []Payment{}
			}
			return web.ItemList[Payment]{Items: list}, err
		}), API: "罚款缴纳记录 / The case's payments"},
		{Pattern: "GET /api/v1/enforcement/measures", Out: web.PagedList[Measure]{}, Roles: staff, Handler: web.PagedJSON(h.UI, func(r *http.Request, pg web.Paging) ([]Measure, int, error) {
			f := MeasureFilterOf(r.URL.Query())
			f.Limit, f.Offset = pg.Size, pg.Offset()
			return h.Svc.ListMeasures(r.Context(), web.PrincipalFrom(r.Context()), f)
		}), API: "责令停产整顿、约谈（家次） / Measures"},
		{Pattern: "GET /api/v1/enforcement/fines", Out: FinesAnswer{}, Roles: staff, Handler: func(w http.ResponseWriter, r *http.Request) {
			items, total, err := h.Svc.FinesLedger(r.Context(), web.PrincipalFrom(r.Context()), r.URL.Query().Get("from"), r.URL.Query().Get("to"))
			if err != nil {
				h.UI.Error(w, r, err)
				return
			}
			if items == nil {
				items = []LedgerPayment{}
			}
			web.JSON(w, http.StatusOK, FinesAnswer{Items: items, TotalFen: total})
		}, API: "罚款台账：各案件缴纳记录及合计（from, to） / Fines ledger"},
		{Pattern: "POST /api/v1/enforcement/measures", In: NewMeasure{}, Out: Measure{}, Roles: writers, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.Svc.RecordMeasure), API: "登记责令停产整顿或约谈 / Record a measure"},
		{Pattern: "GET /enforcement/settings", Roles: staff, Handler: h.settingsPage},
		{Pattern: "POST /enforcement/settings", Roles: admins, Handler: h.saveSettings},
		{Pattern: "GET /api/v1/enforcement/settings", Out: Settings{}, Roles: staff, Handler: func(w http.ResponseWriter, r *http.Request) {
			set, err := h.Svc.Settings(r.Context(), web.PrincipalFrom(r.Context()).CountyCode)
			if err != nil {
				h.UI.Error(w, r, err)
				return
			}
			web.JSON(w, http.StatusOK, set)
		}, API: "执法设置（地区简称、处罚依据及罚款上限） / Settings"},
		{Pattern: "PUT /api/v1/enforcement/settings", In: Settings{}, Out: Settings{}, Roles: admins, Handler: web.BodyJSON(h.UI, http.StatusOK, h.Svc.SaveSettings), API: "修改执法设置 / Change the settings"},
		{Pattern: "GET /api/v1/enforcement/documents/{id}/numbers", Out: NumberParts{}, Roles: readers, Handler: web.GetJSON(h.UI, h.numberParts), API: "文书编号组成（地区简称、代字、年份、序号） / Parts of a document's number"},
	}
}

// DocFilterOf reads the documents filter.
func DocFilterOf(q url.Values) DocFilter {
	return DocFilter{Kind: q.Get("kind"), EnterpriseID: q.Get("enterprise"), InspectionID: q.Get("inspection"), CaseID: q.Get("case"),
		Sector: q.Get("sector"), Section: q.Get("section"), From: q.Get("from"), To: q.Get("to"), Q: q.Get("q")}
}

// CaseFilterOf reads the cases filter.
func CaseFilterOf(q url.Values) CaseFilter {
	return CaseFilter{State: q.Get("state"), CauseKind: q.Get("cause_kind"), EnterpriseID: q.Get("enterprise"), Sector: q.Get("sector"),
		Section: q.Get("section"), From: q.Get("from"), To: q.Get("to"), Q: q.Get("q")}
}

// MeasureFilterOf reads the measures filter.
func MeasureFilterOf(q url.Values) MeasureFilter {
	return MeasureFilter{Kind: q.Get("kind"), Section: q.Get("section"), From: q.Get("from"), To: q.Get("to")}
}

func (h *Handlers) numberParts(ctx context.Context, p *auth.Principal, id string) (NumberParts, error) {
	d, err := h.Svc.GetDocument(ctx, p, id)
	if err != nil {
		return NumberParts{}, err
	}
	set, err := h.Svc.Settings(ctx, d.CountyCode)
	k, _ := KindOf(d.Kind)
	return NumberParts{Abbr: set.Abbr, Number: d.Number, Serial: d.Serial, Word: k.Word, Year: d.Year}, err
}

// CaseView is a case with its clocks, payments and documents.
type CaseView struct {
	Case
	Clocks    []Clock    `json:"clocks"`
	Payments  []Payment  `json:"payments"`
	Documents []Document `json:"documents"`
	Basis     Basis      `json:"basis"`
}

func (h *Handlers) caseJSON(ctx context.Context, p *auth.Principal, id string) (CaseView, error) {
	c, err := h.Svc.GetCase(ctx, p, id)
	if err != nil {
		return CaseView{}, err
	}
	v := CaseView{Case: c}
	if v.Clocks, err = h.Svc.Clocks(ctx, c); err != nil {
		return v, err
	}
	if v.Payments, err = h.Svc.Payments(ctx, p, id); err != nil {
		return v, err
	}
	if v.Documents, _, err = h.Svc.ListDocuments(ctx, p, DocFilter{CaseID: id}); err != nil {
		return v, err
	}
	set, err := h.Svc.Settings(ctx, c.CountyCode)
	v.Basis, _ = set.BasisOf(c.LegalBasis)
	return v, err
}

// enterprises are the enterprises p may write for (the forms' choice).
func (h *Handlers) enterprises(r *http.Request) ([]enterprise.Enterprise, error) {
	var out []enterprise.Enterprise
	err := h.Ent.Each(r.Context(), web.PrincipalFrom(r.Context()), enterprise.Filter{}, func(e enterprise.Enterprise) error {
		if e.Status != enterprise.StatusClosed {
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

func (h *Handlers) documents(w http.ResponseWriter, r *http.Request) {
	pg := web.PagingOf(r)
	f := DocFilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	rows, total, err := h.Svc.ListDocuments(r.Context(), web.PrincipalFrom(r.Context()), f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.Show(w, r, http.StatusOK, "enf_documents", "enforcement.documents", "enforcement-documents",
		map[string]any{"Rows": rows, "Pager": web.PagerOf(pg, total), "Kinds": Kinds}, nil)
}

func (h *Handlers) docForm(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	ents, err := h.enterprises(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	var kinds []Kind
	for _, k := range Kinds {
		if !k.Case {
			kinds = append(kinds, k)
		}
	}
	h.UI.Show(w, r, status, "enf_document_form", "enforcement.new_document", "enforcement-documents",
		map[string]any{"Enterprises": ents, "Kinds": kinds}, f)
}

func (h *Handlers) newDocument(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := web.PrincipalFrom(r.Context())
	h.docForm(w, r, http.StatusOK, web.EmptyForm(map[string]string{"kind": q.Get("kind"), "enterprise_id": q.Get("enterprise"),
		"inspection_id": q.Get("inspection"), "hazard_ids": q.Get("hazards"), "issued_on": h.Svc.Today(), "officers": p.DisplayName}))
}

func (h *Handlers) issue(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	in := NewDocument{Kind: f.Get("kind"), EnterpriseID: f.Get("enterprise_id"), InspectionID: f.Get("inspection_id"),
		HazardIDs: cleanIDs([]string{f.Get("hazard_ids")}), IssuedOn: f.Get("issued_on"), Deadline: f.Get("deadline"),
		Officers: f.Get("officers"), Body: f.Get("body")}
	d, err := h.Svc.Issue(r.Context(), web.PrincipalFrom(r.Context()), in)
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) { h.docForm(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/enforcement/documents/"+d.ID, "enforcement.issued", "Number", d.Number)
}

func (h *Handlers) document(w http.ResponseWriter, r *http.Request) {
	d, err := h.Svc.GetDocument(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	page := h.UI.NewPage(r, d.KindLabel()+" "+d.Number, map[string]any{"D": d})
	page.Active = "enforcement-documents"
	h.UI.Render(w, r, http.StatusOK, "enf_document", page)
}

func (h *Handlers) pdf(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	d, err := h.Svc.GetDocument(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	e, _ := h.Ent.Get(r.Context(), p, d.EnterpriseID)
	set, err := h.Svc.Settings(r.Context(), d.CountyCode)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.SendPDF(w, r, d.Number+".pdf", func(out io.Writer) error { return RenderPDF(out, set, d, e) })
}

func (h *Handlers) cases(w http.ResponseWriter, r *http.Request) {
	pg := web.PagingOf(r)
	f := CaseFilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	rows, total, err := h.Svc.ListCases(r.Context(), web.PrincipalFrom(r.Context()), f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.Show(w, r, http.StatusOK, "enf_cases", "enforcement.cases", "enforcement-cases",
		map[string]any{"Rows": rows, "Pager": web.PagerOf(pg, total), "States": States, "CauseKinds": CauseKinds}, nil)
}

func (h *Handlers) caseForm(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	ents, err := h.enterprises(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	set, err := h.Svc.Settings(r.Context(), web.PrincipalFrom(r.Context()).CountyCode)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.Show(w, r, status, "enf_case_form", "enforcement.new_case", "enforcement-cases",
		map[string]any{"Enterprises": ents, "Bases": set.Bases, "CauseKinds": CauseKinds}, f)
}

func (h *Handlers) newCase(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	h.caseForm(w, r, http.StatusOK, web.EmptyForm(map[string]string{"enterprise_id": q.Get("enterprise"), "inspection_id": q.Get("inspection"),
		"found_on": h.Svc.Today()}))
}

func (h *Handlers) openCase(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	c, err := h.Svc.OpenCase(r.Context(), web.PrincipalFrom(r.Context()), NewCase{EnterpriseID: f.Get("enterprise_id"),
		InspectionID: f.Get("inspection_id"), Cause: f.Get("cause"), CauseKind: f.Get("cause_kind"), LegalBasis: f.Get("legal_basis"),
		FoundOn: f.Get("found_on"), Note: f.Get("note")})
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) { h.caseForm(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/enforcement/cases/"+c.ID, "enforcement.case_opened")
}

func (h *Handlers) caseView(w http.ResponseWriter, r *http.Request) {
	h.showCase(w, r, http.StatusOK, nil)
}

func (h *Handlers) showCase(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	v, err := h.caseJSON(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if f == nil {
		f = web.EmptyForm(map[string]string{"on": h.Svc.Today(), "officers": p.DisplayName})
	}
	page := h.UI.NewPage(r, v.EnterpriseName+" · "+v.Cause, map[string]any{"V": v, "CanApprove": CanApprove(p) && v.DraftedBy != p.UserID,
		"CanApproveClose": CanApprove(p) && v.CloseBy != p.UserID, "CanWrite": CanWrite(p)})
	page.Active, page.Form = "enforcement-cases", f
	h.UI.Render(w, r, status, "enf_case", page)
}

func (h *Handlers) step(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	id := r.PathValue("id")
	_, err := h.Svc.Step(r.Context(), web.PrincipalFrom(r.Context()), id, StepInput{Action: f.Get("action"), On: f.Get("on"),
		Hearing: f.Get("hearing") == "1", FineYuan: f.Get("fine_yuan"), Payment: f.Get("payment"), PayDue: f.Get("pay_due"),
		Amount: f.Get("amount_yuan"), Officers: f.Get("officers"), Note: f.Get("note")})
	if err != nil {
		h.UI.FormFailed(w, r, f, err, func(err error) bool { return web.StatusOf(err) == 409 || web.StatusOf(err) == 422 },
			func(status int) { h.showCase(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/enforcement/cases/"+id, "enforcement.step_done")
}

func (h *Handlers) measures(w http.ResponseWriter, r *http.Request) {
	h.showMeasures(w, r, http.StatusOK, web.EmptyForm(map[string]string{"on_day": h.Svc.Today()}))
}

func (h *Handlers) showMeasures(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	pg := web.PagingOf(r)
	mf := MeasureFilterOf(r.URL.Query())
	mf.Limit, mf.Offset = pg.Size, pg.Offset()
	rows, total, err := h.Svc.ListMeasures(r.Context(), web.PrincipalFrom(r.Context()), mf)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data := map[string]any{"Rows": rows, "Pager": web.PagerOf(pg, total), "Total": strconv.Itoa(total)}
	if CanWrite(web.PrincipalFrom(r.Context())) {
		if data["Enterprises"], err = h.enterprises(r); err != nil {
			h.UI.Error(w, r, err)
			return
		}
	}
	h.UI.Show(w, r, status, "enf_measures", "enforcement.measures", "enforcement-measures", data, f)
}

func (h *Handlers) recordMeasure(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	_, err := h.Svc.RecordMeasure(r.Context(), web.PrincipalFrom(r.Context()), NewMeasure{Kind: f.Get("kind"), EnterpriseID: f.Get("enterprise_id"),
		OnDay: f.Get("on_day"), Note: f.Get("note")})
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) { h.showMeasures(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/enforcement/measures", "enforcement.measure_recorded")
}

// basesText writes the legal bases one a line: code|label|cap in 元.
func basesText(list []Basis) string {
	var b strings.Builder
	for _, x := range list {
		fmt.Fprintf(&b, "%s|%s|%s\n", x.Code, x.Label, Yuan(x.CapFen))
	}
	return b.String()
}

// parseBases reads basesText back; a bad line is a field error.
func parseBases(text string) ([]Basis, error) {
	var out []Basis
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		parts := strings.Split(line, "|")
		if len(parts) != 3 {
			return nil, errs.Field("bases", "enforcement.settings.basis_invalid", map[string]any{"Code": line})
		}
		capFen, err := ParseYuan(parts[2])
		if err != nil {
			return nil, errs.Field("bases", "enforcement.settings.basis_invalid", map[string]any{"Code": parts[0]})
		}
		out = append(out, Basis{Code: strings.TrimSpace(parts[0]), Label: strings.TrimSpace(parts[1]), CapFen: capFen})
	}
	return out, nil
}

func (h *Handlers) settingsPage(w http.ResponseWriter, r *http.Request) {
	set, err := h.Svc.Settings(r.Context(), web.PrincipalFrom(r.Context()).CountyCode)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.Show(w, r, http.StatusOK, "enf_settings", "enforcement.settings", "enforcement-documents", nil,
		web.EmptyForm(map[string]string{"abbr": set.Abbr, "issuer": set.Issuer, "bases": basesText(set.Bases)}))
}

func (h *Handlers) saveSettings(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	bases, err := parseBases(r.PostFormValue("bases"))
	if err == nil {
		_, err = h.Svc.SaveSettings(r.Context(), web.PrincipalFrom(r.Context()), Settings{Abbr: f.Get("abbr"), Issuer: f.Get("issuer"), Bases: bases})
	}
	if err != nil {
		f.Values["bases"] = r.PostFormValue("bases")
		h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) {
			h.UI.Show(w, r, status, "enf_settings", "enforcement.settings", "enforcement-documents", nil, f)
		})
		return
	}
	h.UI.Redirect(w, r, "/enforcement/settings", "enforcement.settings_saved")
}
