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

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/attach"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/org"
	"yingji/internal/kit/web"
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

// Routes declares the inspection routes, each once: pattern, roles, handler and
// API summary (the Excel routes are the ledger kit's: no handler here).
func (h *Handlers) Routes() web.Routes {
	readers := append(append([]auth.Role(nil), Staff...), auth.RoleEnterprise)
	return web.Routes{
		{Pattern: "GET /inspections", Roles: readers, Handler: h.list},
		{Pattern: "GET /inspections/new", Roles: Inspectors, Handler: h.newForm},
		{Pattern: "POST /inspections", Out: Saved{}, Roles: Inspectors, Handler: h.create},
		{Pattern: "GET /inspections/{id}", Roles: readers, Handler: h.show},
		{Pattern: "GET /inspections/{id}/files/{file}", Roles: readers, Handler: h.file},
		{Pattern: "GET /inspections/sw.js", Roles: []auth.Role{web.Public}, Handler: h.serviceWorker},
		{Pattern: "GET /inspections/static/{file}", Roles: []auth.Role{web.Public}, Handler: h.static},
		{Pattern: "GET /inspection-plans", Roles: Staff, Handler: h.plans},
		{Pattern: "GET /inspection-plans/new", Roles: Planners, Handler: h.planForm},
		{Pattern: "POST /inspection-plans", Roles: Planners, Handler: h.savePlan},
		{Pattern: "GET /inspection-plans/{id}", Roles: Staff, Handler: h.plan},
		{Pattern: "POST /inspection-plans/{id}/approve", Roles: Approvers, Handler: h.approve},
		{Pattern: "GET /inspection-draws", Roles: Staff, Handler: h.draws},
		{Pattern: "POST /inspection-draws", Roles: Planners, Handler: h.draw},
		{Pattern: "GET /inspection-draws/{id}", Roles: Staff, Handler: h.drawPage},
		{Pattern: "POST /inspection-draws/{id}/publish", Roles: Planners, Handler: h.publish},
		{Pattern: "GET /inspectors", Roles: Staff, Handler: h.inspectors},
		{Pattern: "POST /inspectors", Roles: Planners, Handler: h.saveInspector},
		{Pattern: "GET /inspections/export", Roles: readers},
		{Pattern: "GET /inspections/template", Roles: Inspectors},
		{Pattern: "GET /inspections/import", Roles: Inspectors},
		{Pattern: "POST /inspections/import", Roles: Inspectors},
		{Pattern: "GET /inspection-plan-items/export", Roles: Staff},
		{Pattern: "GET /inspection-plan-items/template", Roles: Planners},
		{Pattern: "GET /inspection-plan-items/import", Roles: Planners},
		{Pattern: "POST /inspection-plan-items/import", Roles: Planners},
		{Pattern: "GET /inspection-plans/export", Roles: Staff},
		{Pattern: "GET /api/v1/inspections", Out: web.PagedList[Inspection]{}, Roles: readers, Handler: web.PagedJSON(h.UI, func(r *http.Request, pg web.Paging) ([]Inspection, int, error) {
			f := FilterOf(r.URL.Query())
			f.Limit, f.Offset = pg.Size, pg.Offset()
			return h.Svc.List(r.Context(), web.PrincipalFrom(r.Context()), f)
		}), API: "List inspections (家次) in scope; filters kind, from, to, sector, enterprise, plan, draw"},
		{Pattern: "POST /api/v1/inspections", In: InspectionInput{}, Out: Inspection{}, Roles: Inspectors, Handler: h.apiCreate, API: "Record an inspection (JSON, or multipart with data + photos); a known client_id answers 200 with the recorded one"},
		{Pattern: "GET /api/v1/inspections/{id}", Out: Inspection{}, Roles: readers, Handler: web.GetJSON(h.UI, h.Svc.Get), API: "One inspection with checklist, findings and raised hazards"},
		{Pattern: "GET /api/v1/inspection-templates", Out: web.ItemList[Template]{}, Roles: readers, Handler: func(w http.ResponseWriter, r *http.Request) {
			web.JSON(w, http.StatusOK, web.ItemList[Template]{Items: Checklists()})
		}, API: "The shipped checklists (major-hazard standards and general)"},
		{Pattern: "GET /api/v1/inspection-plans", Out: web.ItemList[PlanView]{}, Roles: Staff, Handler: web.ItemsJSON(h.UI, func(ctx ctxT, p *auth.Principal) ([]PlanView, error) {
			return h.Svc.Plans(ctx, p, 0)
		}), API: "Annual enforcement plans with progress"},
		{Pattern: "POST /api/v1/inspection-plans", In: Plan{}, Out: Plan{}, Roles: Planners, Handler: web.BodyJSON(h.UI, http.StatusOK, h.Svc.SavePlan), API: "Create or update a section's annual plan"},
		{Pattern: "GET /api/v1/inspection-plans/{id}", Out: PlanView{}, Roles: Staff, Handler: web.GetJSON(h.UI, h.Svc.Plan), API: "One plan with progress"},
		{Pattern: "POST /api/v1/inspection-plans/{id}/approve", In: PlanApproval{}, Out: Plan{}, Roles: Approvers, Handler: web.BodyJSONByID(h.UI, http.StatusOK, func(ctx ctxT, p *auth.Principal, id string, in PlanApproval) (Plan, error) {
			return h.Svc.ApprovePlan(ctx, p, id, in.ApprovedOn, in.ApprovalRef)
		}), API: "Record the county government's approval of a plan"},
		{Pattern: "GET /api/v1/inspection-draws", Out: web.ItemList[DrawRecord]{}, Roles: Staff, Handler: web.ItemsJSON(h.UI, h.Svc.Draws), API: "双随机 draws"},
		{Pattern: "POST /api/v1/inspection-draws", In: DrawRequest{}, Out: DrawRecord{}, Roles: Planners, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.Svc.NewDraw), API: "Draw enterprises and inspectors (seed and pools stored)"},
		{Pattern: "GET /api/v1/inspection-draws/{id}", Out: DrawRecord{}, Roles: Staff, Handler: web.GetJSON(h.UI, h.Svc.GetDraw), API: "One draw with its tasks and results"},
		{Pattern: "GET /api/v1/inspection-draws/{id}/replay", Out: Replayed{}, Roles: Staff, Handler: web.GetJSON(h.UI, func(ctx ctxT, p *auth.Principal, id string) (Replayed, error) {
			tasks, same, err := h.Svc.Replay(ctx, p, id)
			return Replayed{Identical: same, Tasks: tasks}, err
		}), API: "Replay a draw from its stored seed and pools"},
		{Pattern: "POST /api/v1/inspection-draws/{id}/publish", In: web.Empty{}, Out: DrawRecord{}, Roles: Planners, Handler: web.BodyJSONByID(h.UI, http.StatusOK, func(ctx ctxT, p *auth.Principal, id string, _ web.Empty) (DrawRecord, error) {
			return h.Svc.Publish(ctx, p, id)
		}), API: "Publish a draw's task list"},
		{Pattern: "GET /api/v1/inspectors", Out: web.ItemList[Inspector]{}, Roles: Staff, Handler: web.ItemsJSON(h.UI, h.Svc.Inspectors), API: "The inspector register (执法人员库)"},
		{Pattern: "POST /api/v1/inspectors", In: Inspector{}, Out: Inspector{}, Roles: Planners, Handler: web.BodyJSON(h.UI, http.StatusOK, h.Svc.SaveInspector), API: "Put a user in the inspector register with an 执法证号"},
	}
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
				web.JSON(w, map[bool]int{true: http.StatusCreated, false: http.StatusOK}[created], Saved{Created: created, Hazards: x.Hazards, ID: x.ID})
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
