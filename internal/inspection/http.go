package inspection

import (
	"embed"
	"errors"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"yingji/internal/attach"
	"yingji/internal/auth"
	"yingji/internal/enterprise"
	"yingji/internal/errs"
	"yingji/internal/ids"
	"yingji/internal/org"
	"yingji/internal/web"
)

// Templates and Locales of the inspection pages.
//
//go:embed templates/*.html
var Templates embed.FS

//go:embed locales/*.json
var Locales embed.FS

//go:embed static/*
var staticFS embed.FS

// Handlers serve the pages and the API.
type Handlers struct {
	UI  *web.UI
	Svc *Service
	Ent *enterprise.Service
	Org *org.Service
	// DocumentLink, when set, is the 执法文书 page an inspection links to
	// (the documents module); nil: no link.
	DocumentLink func(x Inspection) string
}

// Policy declares the routes.
func Policy() web.Policy {
	readers := append(append([]auth.Role(nil), Staff...), auth.RoleEnterprise)
	return web.Policy{
		"GET /inspections":                           readers,
		"GET /inspections/new":                       Inspectors,
		"POST /inspections":                          Inspectors,
		"GET /inspections/{id}":                      readers,
		"GET /inspections/{id}/files/{file}":         readers,
		"GET /inspections/sw.js":                     {web.Public},
		"GET /inspections/static/{file}":             {web.Public},
		"GET /inspection-plans":                      Staff,
		"GET /inspection-plans/new":                  Planners,
		"POST /inspection-plans":                     Planners,
		"GET /inspection-plans/{id}":                 Staff,
		"POST /inspection-plans/{id}/approve":        Approvers,
		"GET /inspection-draws":                      Staff,
		"POST /inspection-draws":                     Planners,
		"GET /inspection-draws/{id}":                 Staff,
		"POST /inspection-draws/{id}/publish":        Planners,
		"GET /inspectors":                            Staff,
		"POST /inspectors":                           Planners,
		"GET /inspections/export":                    readers,
		"GET /inspections/template":                  Inspectors,
		"GET /inspections/import":                    Inspectors,
		"POST /inspections/import":                   Inspectors,
		"GET /inspection-plan-items/export":          Staff,
		"GET /inspection-plan-items/template":        Planners,
		"GET /inspection-plan-items/import":          Planners,
		"POST /inspection-plan-items/import":         Planners,
		"GET /inspection-plans/export":               Staff,
		"GET /api/v1/inspections":                    readers,
		"POST /api/v1/inspections":                   Inspectors,
		"GET /api/v1/inspections/{id}":               readers,
		"GET /api/v1/inspection-templates":           readers,
		"GET /api/v1/inspection-plans":               Staff,
		"POST /api/v1/inspection-plans":              Planners,
		"GET /api/v1/inspection-plans/{id}":          Staff,
		"POST /api/v1/inspection-plans/{id}/approve": Approvers,
		"GET /api/v1/inspection-draws":               Staff,
		"POST /api/v1/inspection-draws":              Planners,
		"GET /api/v1/inspection-draws/{id}":          Staff,
		"GET /api/v1/inspection-draws/{id}/replay":   Staff,
		"POST /api/v1/inspection-draws/{id}/publish": Planners,
		"GET /api/v1/inspectors":                     Staff,
		"POST /api/v1/inspectors":                    Planners,
	}
}

// APISummaries are the OpenAPI summaries of the API routes.
var APISummaries = map[string]string{
	"GET /api/v1/inspections":                    "List inspections (家次) in scope; filters kind, from, to, sector, enterprise, plan, draw",
	"POST /api/v1/inspections":                   "Record an inspection (JSON, or multipart with data + photos); a known client_id answers 200 with the recorded one",
	"GET /api/v1/inspections/{id}":               "One inspection with checklist, findings and raised hazards",
	"GET /api/v1/inspection-templates":           "The shipped checklists (major-hazard standards and general)",
	"GET /api/v1/inspection-plans":               "Annual enforcement plans with progress",
	"POST /api/v1/inspection-plans":              "Create or update a section's annual plan",
	"GET /api/v1/inspection-plans/{id}":          "One plan with progress",
	"POST /api/v1/inspection-plans/{id}/approve": "Record the county government's approval of a plan",
	"GET /api/v1/inspection-draws":               "双随机 draws",
	"POST /api/v1/inspection-draws":              "Draw enterprises and inspectors (seed and pools stored)",
	"GET /api/v1/inspection-draws/{id}":          "One draw with its tasks and results",
	"GET /api/v1/inspection-draws/{id}/replay":   "Replay a draw from its stored seed and pools",
	"POST /api/v1/inspection-draws/{id}/publish": "Publish a draw's task list",
	"GET /api/v1/inspectors":                     "The inspector register (执法人员库)",
	"POST /api/v1/inspectors":                    "Put a user in the inspector register with an 执法证号",
}

// Register adds the routes (the Excel exports are added by the ledger kit).
func (h *Handlers) Register(rt *web.Router) {
	rt.Handle("GET /inspections", h.list)
	rt.Handle("GET /inspections/new", h.newForm)
	rt.Handle("POST /inspections", h.create)
	rt.Handle("GET /inspections/{id}", h.show)
	rt.Handle("GET /inspections/{id}/files/{file}", h.file)
	rt.Handle("GET /inspections/sw.js", h.serviceWorker)
	rt.Handle("GET /inspections/static/{file}", h.static)
	rt.Handle("GET /inspection-plans", h.plans)
	rt.Handle("GET /inspection-plans/new", h.planForm)
	rt.Handle("POST /inspection-plans", h.savePlan)
	rt.Handle("GET /inspection-plans/{id}", h.plan)
	rt.Handle("POST /inspection-plans/{id}/approve", h.approve)
	rt.Handle("GET /inspection-draws", h.draws)
	rt.Handle("POST /inspection-draws", h.draw)
	rt.Handle("GET /inspection-draws/{id}", h.drawPage)
	rt.Handle("POST /inspection-draws/{id}/publish", h.publish)
	rt.Handle("GET /inspectors", h.inspectors)
	rt.Handle("POST /inspectors", h.saveInspector)

	rt.Handle("GET /api/v1/inspections", web.PagedJSON(h.UI, func(r *http.Request, pg web.Paging) ([]Inspection, int, error) {
		f := FilterOf(r.URL.Query())
		f.Limit, f.Offset = pg.Size, pg.Offset()
		return h.Svc.List(r.Context(), web.PrincipalFrom(r.Context()), f)
	}))
	rt.Handle("POST /api/v1/inspections", h.apiCreate)
	rt.Handle("GET /api/v1/inspections/{id}", web.GetJSON(h.UI, h.Svc.Get))
	rt.Handle("GET /api/v1/inspection-templates", func(w http.ResponseWriter, r *http.Request) {
		web.JSON(w, http.StatusOK, map[string]any{"items": Checklists()})
	})
	rt.Handle("GET /api/v1/inspection-plans", web.ItemsJSON(h.UI, func(ctx ctxT, p *auth.Principal) ([]PlanView, error) {
		return h.Svc.Plans(ctx, p, 0)
	}))
	rt.Handle("POST /api/v1/inspection-plans", web.BodyJSON(h.UI, http.StatusOK, h.Svc.SavePlan))
	rt.Handle("GET /api/v1/inspection-plans/{id}", web.GetJSON(h.UI, h.Svc.Plan))
	rt.Handle("POST /api/v1/inspection-plans/{id}/approve", web.BodyJSONByID(h.UI, http.StatusOK, func(ctx ctxT, p *auth.Principal, id string, in struct {
		ApprovedOn  string `json:"approved_on"`
		ApprovalRef string `json:"approval_ref"`
	}) (Plan, error) {
		return h.Svc.ApprovePlan(ctx, p, id, in.ApprovedOn, in.ApprovalRef)
	}))
	rt.Handle("GET /api/v1/inspection-draws", web.ItemsJSON(h.UI, h.Svc.Draws))
	rt.Handle("POST /api/v1/inspection-draws", web.BodyJSON(h.UI, http.StatusCreated, h.Svc.NewDraw))
	rt.Handle("GET /api/v1/inspection-draws/{id}", web.GetJSON(h.UI, h.Svc.GetDraw))
	rt.Handle("GET /api/v1/inspection-draws/{id}/replay", web.GetJSON(h.UI, func(ctx ctxT, p *auth.Principal, id string) (map[string]any, error) {
		tasks, same, err := h.Svc.Replay(ctx, p, id)
		return map[string]any{"tasks": tasks, "identical": same}, err
	}))
	rt.Handle("POST /api/v1/inspection-draws/{id}/publish", web.BodyJSONByID(h.UI, http.StatusOK, func(ctx ctxT, p *auth.Principal, id string, _ struct{}) (DrawRecord, error) {
		return h.Svc.Publish(ctx, p, id)
	}))
	rt.Handle("GET /api/v1/inspectors", web.ItemsJSON(h.UI, h.Svc.Inspectors))
	rt.Handle("POST /api/v1/inspectors", web.BodyJSON(h.UI, http.StatusOK, h.Svc.SaveInspector))
}

// FilterOf reads the list filter from query parameters.
func FilterOf(q url.Values) Filter {
	f := Filter{Q: q.Get("q"), Kind: Kind(q.Get("kind")), From: q.Get("from"), To: q.Get("to"), Enterprise: q.Get("enterprise"),
		Sector: q.Get("sector"), Town: q.Get("town"), Unit: q.Get("unit"), Plan: q.Get("plan"), Draw: q.Get("draw"), Own: q.Get("own") == "1"}
	if s := q.Get("sectors"); s != "" {
		f.Sectors = strings.Split(s, ",")
	}
	return f
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	pg := web.PagingOf(r)
	f := FilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	rows, total, err := h.Svc.List(r.Context(), p, f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data := map[string]any{"Rows": rows, "Pager": web.PagerOf(pg, total), "Kinds": Kinds, "Sectors": org.Sectors}
	h.UI.Show(w, r, http.StatusOK, "insp_list", "inspection.title", "inspections", data, nil)
}

// formData are the lists the inspection form needs.
func (h *Handlers) formData(r *http.Request) (map[string]any, error) {
	p := web.PrincipalFrom(r.Context())
	var ents []enterprise.Enterprise
	if err := h.Ent.Each(r.Context(), p, enterprise.Filter{}, func(e enterprise.Enterprise) error {
		if len(ents) < 3000 {
			ents = append(ents, e)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	insp, err := h.Svc.Inspectors(r.Context(), p)
	if err != nil {
		return nil, err
	}
	towns, err := h.Org.ListRegions(r.Context(), p, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Enterprises": ents, "Inspectors": insp, "Kinds": Kinds, "Templates": Checklists(), "Towns": towns,
		"FindingRows": []int{0, 1, 2, 3, 4}}, nil
}

func (h *Handlers) newForm(w http.ResponseWriter, r *http.Request) {
	data, err := h.formData(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	p := web.PrincipalFrom(r.Context())
	vals := map[string]string{"client_id": ids.New(), "kind": q.Get("kind"), "on": h.Svc.Today(), "enterprise_id": q.Get("enterprise"),
		"draw_id": q.Get("draw"), "plan_id": q.Get("plan"), "template": q.Get("template"), "raise_hazards": "1"}
	if vals["kind"] == "" {
		vals["kind"] = string(KindPlan)
		if vals["draw_id"] != "" {
			vals["kind"] = string(KindRandom)
		}
	}
	if vals["template"] == "" && vals["enterprise_id"] != "" {
		if e, err := h.Ent.Get(r.Context(), p, vals["enterprise_id"]); err == nil {
			vals["template"] = TemplateFor(e.Sector, vals["on"])
		}
	}
	if vals["template"] == "" {
		vals["template"] = "general"
	}
	if d := q.Get("draw"); d != "" {
		if dr, err := h.Svc.GetDraw(r.Context(), p, d); err == nil {
			for _, t := range dr.Tasks {
				if t.EnterpriseID == vals["enterprise_id"] {
					vals["officers"] = strings.Join(t.Inspectors, ",")
				}
			}
		}
	}
	if vals["officers"] == "" && p.Is(auth.RoleEnforcer, auth.RoleSection) {
		vals["officers"] = p.UserID
	}
	h.UI.Show(w, r, http.StatusOK, "insp_form", "inspection.new", "inspections", data, web.EmptyForm(vals))
}

// inputOf reads the inspection form (the offline queue posts the same
// fields).
func inputOf(r *http.Request) InspectionInput {
	pf := r.PostForm
	in := InspectionInput{ClientID: pf.Get("client_id"), Kind: Kind(pf.Get("kind")), On: pf.Get("on"), EnterpriseID: pf.Get("enterprise_id"),
		PlaceName: pf.Get("place_name"), TownCode: pf.Get("town_code"), Template: pf.Get("template"), Note: pf.Get("note"), Signer: pf.Get("signer"),
		Signature: pf.Get("signature"), PlanID: pf.Get("plan_id"), DrawID: pf.Get("draw_id"), RaiseHazards: pf.Get("raise_hazards") == "1"}
	for _, id := range pf["officers"] {
		for _, x := range strings.Split(id, ",") {
			if x = strings.TrimSpace(x); x != "" {
				in.Officers = append(in.Officers, Officer{UserID: x})
			}
		}
	}
	names, certs := pf["officer_name"], pf["officer_cert"]
	for i, n := range names {
		if strings.TrimSpace(n) != "" && i < len(certs) {
			in.Officers = append(in.Officers, Officer{Name: strings.TrimSpace(n), CertNo: strings.TrimSpace(certs[i])})
		}
	}
	if tpl, ok := TemplateOf(in.Template); ok {
		for _, it := range tpl.Items {
			res := Result(pf.Get("item_" + it.Code))
			if res == "" {
				continue
			}
			in.Items = append(in.Items, Item{Code: it.Code, Result: res, Note: pf.Get("note_" + it.Code)})
		}
	}
	texts, parties, pnames, raises := pf["finding_text"], pf["finding_party"], pf["finding_party_name"], pf["finding_raise"]
	for i, t := range texts {
		f := Finding{Text: t}
		if i < len(parties) {
			f.Party = Party(parties[i])
		}
		if i < len(pnames) {
			f.PartyName = pnames[i]
		}
		f.Raise = slices.Contains(raises, strconv.Itoa(i))
		in.Findings = append(in.Findings, f)
	}
	return in
}

const maxUpload = 64 << 20

func readForm(w http.ResponseWriter, r *http.Request) ([]attach.Upload, func(), error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	done := func() {}
	if err := r.ParseMultipartForm(8 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return nil, done, errs.Field("photos", "inspection.upload_failed", nil)
	}
	_ = r.ParseForm()
	var ups []attach.Upload
	var opened []multipart.File
	done = func() {
		for _, o := range opened {
			o.Close()
		}
		if r.MultipartForm != nil {
			_ = r.MultipartForm.RemoveAll()
		}
	}
	if r.MultipartForm != nil {
		for k, v := range r.MultipartForm.Value {
			r.PostForm[k] = v
		}
		for _, fh := range r.MultipartForm.File["photos"] {
			if fh.Size == 0 && fh.Filename == "" {
				continue
			}
			file, err := fh.Open()
			if err != nil {
				done()
				return nil, func() {}, errs.Field("photos", "inspection.upload_failed", nil)
			}
			opened = append(opened, file)
			ups = append(ups, attach.Upload{Filename: fh.Filename, Reader: file})
		}
	}
	return ups, done, nil
}

func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	photos, done, err := readForm(w, r)
	defer done()
	in := inputOf(r)
	f := web.NewForm(r)
	if err == nil {
		var x Inspection
		var created bool
		x, created, err = h.Svc.Create(r.Context(), p, in, photos)
		if err == nil {
			if wantsJSON(r) {
				web.JSON(w, map[bool]int{true: http.StatusCreated, false: http.StatusOK}[created], map[string]any{"id": x.ID, "created": created, "hazards": x.Hazards})
				return
			}
			h.UI.Redirect(w, r, "/inspections/"+x.ID, map[bool]string{true: "inspection.saved", false: "inspection.already_saved"}[created])
			return
		}
	}
	if wantsJSON(r) {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) {
		data, derr := h.formData(r)
		if derr != nil {
			h.UI.Error(w, r, derr)
			return
		}
		f.Values["officers"] = strings.Join(r.PostForm["officers"], ",")
		h.UI.Show(w, r, status, "insp_form", "inspection.new", "inspections", data, f)
	})
}

func (h *Handlers) apiCreate(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	var in InspectionInput
	var photos []attach.Upload
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		ups, done, err := readForm(w, r)
		defer done()
		if err != nil {
			h.UI.Error(w, r, err)
			return
		}
		in, photos = inputOf(r), ups
	} else if !h.UI.ReadJSON(w, r, &in) {
		return
	}
	x, created, err := h.Svc.Create(r.Context(), p, in, photos)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	web.JSON(w, map[bool]int{true: http.StatusCreated, false: http.StatusOK}[created], x)
}

func (h *Handlers) show(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	x, err := h.Svc.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	photos, err := h.Svc.Photos(r.Context(), p, x)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data := map[string]any{"X": x, "Photos": photos, "KindLabel": KindLabel(x.Kind)}
	if h.DocumentLink != nil {
		// Offered only to those who may open the form it leads to.
		if link := h.DocumentLink(x); link != "" {
			path, _, _ := strings.Cut(link, "?")
			if h.UI.Policy.Allows("GET "+path, p.Role) {
				data["DocLink"] = link
			}
		}
	}
	h.UI.Show(w, r, http.StatusOK, "insp_show", "inspection.detail", "inspections", data, nil)
}

func (h *Handlers) file(w http.ResponseWriter, r *http.Request) {
	a, b, err := h.Svc.File(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), r.PathValue("file"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Disposition", "inline; filename*=UTF-8''"+url.PathEscape(a.Filename))
	_, _ = w.Write(b)
}

func (h *Handlers) serviceWorker(w http.ResponseWriter, r *http.Request) {
	b, err := staticFS.ReadFile("static/sw.js")
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Service-Worker-Allowed", "/inspections/")
	_, _ = w.Write(b)
}

func (h *Handlers) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, err := staticFS.ReadFile("static/" + name)
	if err != nil || strings.Contains(name, "/") {
		h.UI.Error(w, r, errs.New(errs.NotFound, "not_found"))
		return
	}
	ct := "text/javascript; charset=utf-8"
	if strings.HasSuffix(name, ".css") {
		ct = "text/css; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(b)
}
