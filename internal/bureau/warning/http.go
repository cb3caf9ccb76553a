package warning

import (
	"context"
	"embed"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/org"
	"yingji/internal/kit/web"
	"yingji/internal/kit/xlsx"
)

// Templates and Locales of the warning pages.
//
//go:embed templates/*.html
var Templates embed.FS

//go:embed locales/*.json
var Locales embed.FS

// Handlers serve the warning pages, the API, the Atom feed and the signed
// 签收 links.
type Handlers struct {
	UI     *web.UI
	Svc    *Service
	Org    *org.Service
	Notify *notify.Service
	County string // the installation's county (the public feed's)
	Base   string // absolute base URL of links in the feed ("" = relative)
}

var (
	readers    = auth.AllRoles
	staff      = []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer, auth.RoleDuty, auth.RoleReadOnly}
	drafters   = []auth.Role{auth.RoleAdmin, auth.RoleDuty, auth.RoleSection}
	approvers  = []auth.Role{auth.RoleAdmin, auth.RoleLeader}
	publishers = []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleDuty, auth.RoleSection}
	ackers     = []auth.Role{auth.RoleTown, auth.RoleDepartment, auth.RoleEnterprise}
	public     = []auth.Role{web.Public}
)

// Routes declares the warning routes. The Atom feed, a published
// warning's CAP file and the signed 签收 links are public: warnings are
// public once published, and a link's token is its own credential.
func (h *Handlers) Routes() web.Routes {
	return web.Routes{
		{Pattern: "GET /warnings", Roles: readers, Handler: h.list},
		{Pattern: "GET /warnings/new", Roles: drafters, Handler: h.newForm},
		{Pattern: "POST /warnings", Roles: drafters, Handler: h.create},
		{Pattern: "GET /warnings/import", Roles: drafters, Handler: h.importForm},
		{Pattern: "POST /warnings/import", Roles: drafters, Handler: h.importPost},
		{Pattern: "GET /warnings/export", Roles: staff},
		{Pattern: "GET /warnings/feed.atom", Roles: public, Handler: h.feed},
		{Pattern: "GET /warnings/{id}", Roles: readers, Handler: h.show},
		{Pattern: "GET /warnings/{id}/cap.xml", Roles: public, Handler: h.capFile},
		{Pattern: "GET /warnings/{id}/recipients/export", Roles: staff, Handler: h.recipientsExport},
		{Pattern: "POST /warnings/{id}/approve", Roles: approvers, Handler: h.step("approve")},
		{Pattern: "POST /warnings/{id}/withdraw", Roles: drafters, Handler: h.step("withdraw")},
		{Pattern: "POST /warnings/{id}/publish", Roles: publishers, Handler: h.step("publish")},
		{Pattern: "POST /warnings/{id}/ack", Roles: ackers, Handler: h.step("ack")},
		{Pattern: "GET /warnings/{id}/update", Roles: drafters, Handler: h.updateForm},
		{Pattern: "POST /warnings/{id}/update", Roles: drafters, Handler: h.updatePost},
		{Pattern: "POST /warnings/{id}/cancel", Roles: drafters, Handler: h.cancelPost},
		{Pattern: "GET /ack/{token}", Roles: public, Handler: h.ackPage},
		{Pattern: "POST /ack/{token}", Roles: public, Handler: h.ackLink},
		{Pattern: "GET /api/v1/warnings", Roles: readers, Handler: web.PagedJSON(h.UI, h.apiList), API: "List warnings (预警信息): ?state=&type=&level=&from=&to=&open=1"},
		{Pattern: "POST /api/v1/warnings", Roles: drafters, Handler: web.BodyJSON(h.UI, http.StatusCreated, func(ctx context.Context, p *auth.Principal, in Input) (Warning, error) {
			w, err := in.Warning()
			if err != nil {
				return w, err
			}
			return h.Svc.Draft(ctx, p, w)
		}), API: "Draft a warning (起草)"},
		{Pattern: "POST /api/v1/warnings/import", Roles: drafters, Handler: h.apiImport, API: "Import a CAP 1.2 message (application/xml body) as a draft warning"},
		{Pattern: "GET /api/v1/warnings/{id}", Roles: readers, Handler: web.GetJSON(h.UI, h.apiGet), API: "One warning with its recipients and their 签收"},
		{Pattern: "GET /api/v1/warnings/{id}/recipients", Roles: readers, Handler: web.GetJSON(h.UI, func(ctx context.Context, p *auth.Principal, id string) (map[string]any, error) {
			list, err := h.Svc.Recipients(ctx, p, id)
			if list == nil {
				list = []Recipient{}
			}
			return map[string]any{"items": list}, err
		}), API: "A warning's recipient units and their 签收"},
		{Pattern: "POST /api/v1/warnings/{id}/approve", Roles: approvers, Handler: h.apiStep(h.Svc.Approve), API: "Approve a draft (never its author: 409 warning.self_approval)"},
		{Pattern: "POST /api/v1/warnings/{id}/withdraw", Roles: drafters, Handler: h.apiStep(h.Svc.Withdraw), API: "撤回: the author takes back a warning not yet published"},
		{Pattern: "POST /api/v1/warnings/{id}/publish", Roles: publishers, Handler: h.apiStep(h.Svc.Publish), API: "Publish an approved warning to the units of its area"},
		{Pattern: "POST /api/v1/warnings/{id}/ack", Roles: ackers, Handler: func(w http.ResponseWriter, r *http.Request) {
			rec, err := h.Svc.Ack(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
			if err != nil {
				h.UI.Error(w, r, err)
				return
			}
			web.JSON(w, http.StatusOK, rec)
		}, API: "签收: acknowledge a warning for the caller's unit"},
		{Pattern: "POST /api/v1/warnings/{id}/update", Roles: drafters, Handler: web.BodyJSONByID(h.UI, http.StatusCreated, func(ctx context.Context, p *auth.Principal, id string, in Input) (Warning, error) {
			w, err := in.Warning()
			if err != nil {
				return w, err
			}
			return h.Svc.FollowUp(ctx, p, id, MsgUpdate, w)
		}), API: "Draft an update of a published warning (CAP msgType Update)"},
		{Pattern: "POST /api/v1/warnings/{id}/cancel", Roles: drafters, Handler: web.BodyJSONByID(h.UI, http.StatusCreated, func(ctx context.Context, p *auth.Principal, id string, in CancelInput) (Warning, error) {
			return h.Svc.FollowUp(ctx, p, id, MsgCancel, Warning{Description: in.Description, Instruction: in.Instruction})
		}), API: "Draft the cancel of a published warning (CAP msgType Cancel)"},
	}
}

// Input is a warning as the API takes it; times are RFC 3339 or
// "2022-01-07 08:00" (Beijing time).
type Input struct {
	Source        string   `json:"source"`
	Type          string   `json:"type"`
	Level         string   `json:"level"`
	Towns         []string `json:"towns"`
	AreaDesc      string   `json:"area_desc"`
	Departments   bool     `json:"departments"`
	Sectors       []string `json:"sectors"`
	EffectiveAt   string   `json:"effective_at"`
	ExpiresAt     string   `json:"expires_at"`
	Headline      string   `json:"headline"`
	Description   string   `json:"description"`
	Instruction   string   `json:"instruction"`
	HeadlineEN    string   `json:"headline_en"`
	DescriptionEN string   `json:"description_en"`
	InstructionEN string   `json:"instruction_en"`
}

// CancelInput is the body of a cancel.
type CancelInput struct {
	Description string `json:"description"`
	Instruction string `json:"instruction"`
}

// Warning turns the input into a warning (a bad time names its field).
func (in Input) Warning() (Warning, error) {
	w := Warning{Source: in.Source, Type: in.Type, Level: in.Level, Towns: in.Towns, AreaDesc: in.AreaDesc, Departments: in.Departments,
		Sectors: in.Sectors, Headline: in.Headline, Description: in.Description, Instruction: in.Instruction, HeadlineEN: in.HeadlineEN,
		DescriptionEN: in.DescriptionEN, InstructionEN: in.InstructionEN}
	var fe errs.FieldErrors
	var err error
	if w.EffectiveAt, err = ParseTime(in.EffectiveAt); err != nil {
		fe = append(fe, errs.Field("effective_at", "warning.bad_time", nil))
	}
	if w.ExpiresAt, err = ParseTime(in.ExpiresAt); err != nil {
		fe = append(fe, errs.Field("expires_at", "warning.bad_time", nil))
	}
	return w, fe.Err()
}

// FilterOf reads the list filter from query parameters (dates are
// calendar days in Beijing time, both included).
func FilterOf(q url.Values) Filter {
	f := Filter{State: q.Get("state"), Type: q.Get("type"), Level: q.Get("level"), MsgType: q.Get("msg_type"), Q: q.Get("q"),
		Open: q.Get("open") == "1", Active: q.Get("active") == "1", MineOpen: q.Get("mine") == "1"}
	if t, err := time.ParseInLocation("2006-01-02", q.Get("from"), cst); err == nil {
		f.From = t
	}
	if t, err := time.ParseInLocation("2006-01-02", q.Get("to"), cst); err == nil {
		f.To = t.AddDate(0, 0, 1)
	}
	return f
}

func (h *Handlers) townNames(ctx context.Context, county string) map[string]string {
	m, _ := h.Svc.towns(ctx, county)
	return m
}

func (h *Handlers) lookups(r *http.Request) map[string]any {
	p := web.PrincipalFrom(r.Context())
	towns, _ := h.Org.ListRegions(r.Context(), &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}, org.RegionFilter{Level: org.LevelTown})
	return map[string]any{"Types": Types, "Levels": Levels, "States": States, "Towns": towns, "Sectors": org.Sectors,
		"TownNames": h.townNames(r.Context(), p.CountyCode), "Lang": web.Lang(r.Context())}
}

// Row is a warning as the list shows it.
type Row struct {
	Warning
	Units, Acked int
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	pg := web.PagingOf(r)
	f := FilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	list, total, err := h.Svc.List(r.Context(), p, f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	var rows []Row
	for _, x := range list {
		row := Row{Warning: x}
		if x.State != StateDraft && x.State != StateApproved {
			recs, err := h.Svc.Recipients(r.Context(), p, x.ID)
			if err != nil {
				h.UI.Error(w, r, err)
				return
			}
			row.Units = len(recs)
			for _, rc := range recs {
				if rc.Acked() {
					row.Acked++
				}
			}
		}
		rows = append(rows, row)
	}
	data := h.lookups(r)
	data["Rows"], data["Pager"], data["Total"] = rows, web.PagerOf(pg, total), total
	h.UI.Show(w, r, http.StatusOK, "warnings", "nav.warnings_list", "warnings", data, nil)
}

func formValues(x Warning) map[string]string {
	v := map[string]string{"source": x.Source, "type": x.Type, "level": x.Level, "towns": strings.Join(x.Towns, ","), "area_desc": x.AreaDesc,
		"sectors": strings.Join(x.Sectors, ","), "headline": x.Headline, "description": x.Description, "instruction": x.Instruction,
		"headline_en": x.HeadlineEN, "description_en": x.DescriptionEN, "instruction_en": x.InstructionEN}
	if x.Departments {
		v["departments"] = "1"
	}
	if !x.EffectiveAt.IsZero() {
		v["effective_at"] = x.EffectiveAt.In(cst).Format("2006-01-02T15:04")
	}
	if !x.ExpiresAt.IsZero() {
		v["expires_at"] = x.ExpiresAt.In(cst).Format("2006-01-02T15:04")
	}
	return v
}

func fromForm(f *web.Form) (Warning, error) {
	in := Input{Source: f.Get("source"), Type: f.Get("type"), Level: f.Get("level"), AreaDesc: f.Get("area_desc"),
		Departments: f.Get("departments") == "1", EffectiveAt: f.Get("effective_at"), ExpiresAt: f.Get("expires_at"),
		Headline: f.Get("headline"), Description: f.Get("description"), Instruction: f.Get("instruction"),
		HeadlineEN: f.Get("headline_en"), DescriptionEN: f.Get("description_en"), InstructionEN: f.Get("instruction_en")}
	if s := f.Get("towns"); s != "" {
		in.Towns = strings.Split(s, ",")
	}
	if s := f.Get("sectors"); s != "" {
		in.Sectors = strings.Split(s, ",")
	}
	return in.Warning()
}

func (h *Handlers) form(w http.ResponseWriter, r *http.Request, status int, f *web.Form, orig *Warning) {
	data := h.lookups(r)
	data["Orig"] = orig
	title := "warning.new"
	if orig != nil {
		title = "warning.update_title"
	}
	h.UI.Show(w, r, status, "warning_form", title, "warnings", data, f)
}

func (h *Handlers) newForm(w http.ResponseWriter, r *http.Request) {
	now := h.Svc.clock()
	start := now.Truncate(time.Hour).Add(time.Hour)
	h.form(w, r, http.StatusOK, web.EmptyForm(formValues(Warning{Source: "县气象局", Departments: true,
		EffectiveAt: start, ExpiresAt: start.Add(24 * time.Hour)})), nil)
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := web.NewForm(r)
	x, err := fromForm(f)
	if err == nil {
		x, err = h.Svc.Draft(r.Context(), p, x)
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) { h.form(w, r, status, f, nil) })
		return
	}
	h.UI.Redirect(w, r, "/warnings/"+x.ID, "warning.drafted")
}

func (h *Handlers) updateForm(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	x, err := h.Svc.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	v := formValues(x)
	v["headline"], v["headline_en"] = "", ""
	h.form(w, r, http.StatusOK, web.EmptyForm(v), &x)
}

func (h *Handlers) updatePost(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	orig, err := h.Svc.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	f := web.NewForm(r)
	x, err := fromForm(f)
	if err == nil {
		x, err = h.Svc.FollowUp(r.Context(), p, orig.ID, MsgUpdate, x)
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) { h.form(w, r, status, f, &orig) })
		return
	}
	h.UI.Redirect(w, r, "/warnings/"+x.ID, "warning.drafted")
}

func (h *Handlers) cancelPost(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := web.NewForm(r)
	x, err := h.Svc.FollowUp(r.Context(), p, r.PathValue("id"), MsgCancel, Warning{Description: f.Get("description"), Instruction: f.Get("instruction")})
	h.UI.Done(w, r, err, "/warnings/"+x.ID, "warning.drafted")
}

// step posts a state change from the detail page.
func (h *Handlers) step(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := web.PrincipalFrom(r.Context())
		id := r.PathValue("id")
		var err error
		switch action {
		case "approve":
			_, err = h.Svc.Approve(r.Context(), p, id)
		case "withdraw":
			_, err = h.Svc.Withdraw(r.Context(), p, id)
		case "publish":
			_, err = h.Svc.Publish(r.Context(), p, id)
		case "ack":
			_, err = h.Svc.Ack(r.Context(), p, id)
		}
		h.UI.Done(w, r, err, "/warnings/"+id, "warning.done_"+action)
	}
}

// Detail is the detail page's data.
type Detail struct {
	W          Warning
	Orig       *Warning
	FollowUps  []Warning
	Recipients []Recipient
	Unacked    []Recipient
	Shown      []Recipient // the recipients the 签收 filter (?ack=open|acked) keeps
	Ack        string      // that filter
	Mine       *Recipient
	Delivered  map[notify.DeliveryState]int
	Deliveries []notify.LogEntry
	UnitOf     map[string]string // recipient account → unit name (delivery log)
	Active     bool
}

func (h *Handlers) show(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	x, err := h.Svc.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	d := Detail{W: x, Active: x.Active(h.Svc.clock())}
	if d.Recipients, err = h.Svc.Recipients(r.Context(), p, x.ID); err != nil {
		h.UI.Error(w, r, err)
		return
	}
	kind, ref := unitOf(p)
	d.Ack = r.URL.Query().Get("ack")
	for i, rc := range d.Recipients {
		if !rc.Acked() {
			d.Unacked = append(d.Unacked, rc)
		}
		if d.Ack == "" || (d.Ack == "open") != rc.Acked() {
			d.Shown = append(d.Shown, rc)
		}
		if rc.Kind == kind && rc.Ref == ref {
			d.Mine = &d.Recipients[i]
		}
	}
	if x.RefID != "" {
		if o, err := h.Svc.Get(r.Context(), p, x.RefID); err == nil {
			d.Orig = &o
		}
	}
	if d.FollowUps, err = h.Svc.FollowUps(r.Context(), p, x.ID); err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if Staff(p) && h.Notify != nil && !x.PublishedAt.IsZero() {
		page, err := h.Notify.DeliveryLog(r.Context(), notify.LogFilter{CountyCode: x.CountyCode, Entity: "warning", EntityID: x.ID, Limit: 100})
		if err != nil {
			h.UI.Error(w, r, err)
			return
		}
		d.Delivered, d.Deliveries = page.Counts, page.Entries
		d.UnitOf = map[string]string{}
		if units, err := h.Svc.resolve(r.Context(), x.CountyCode, x); err == nil {
			for _, u := range units {
				for _, uid := range u.UserIDs {
					d.UnitOf[uid] = u.Name
				}
			}
		}
	}
	data := h.lookups(r)
	data["D"] = d
	h.UI.Show(w, r, http.StatusOK, "warning", "warning.detail", "warnings", data, nil)
}

// RecipientsSchema is the layout of a warning's 签收情况 export.
func RecipientsSchema() xlsx.Schema {
	return xlsx.Schema{Name: "签收情况", Columns: []xlsx.Column{
		{Key: "name", Header: "接收单位", HeaderEN: "Recipient", Width: 24},
		{Key: "kind", Header: "单位类别", HeaderEN: "Kind"},
		{Key: "users", Header: "通知账号数", HeaderEN: "Accounts notified"},
		{Key: "notified_at", Header: "通知时间", HeaderEN: "Notified", Width: 17},
		{Key: "state", Header: "签收情况", HeaderEN: "Acknowledged"},
		{Key: "acked_at", Header: "签收时间", HeaderEN: "Acknowledged at", Width: 17},
		{Key: "acked_by", Header: "签收人", HeaderEN: "Acknowledged by"},
		{Key: "acked_via", Header: "签收方式", HeaderEN: "Via"},
		{Key: "reminders", Header: "提醒次数", HeaderEN: "Reminders"},
		{Key: "escalated", Header: "已上报领导", HeaderEN: "Escalated"},
	}}
}

var recipientKindZH = map[string]string{"town": "乡镇", "department": "部门", "enterprise": "企业"}
var ackViaZH = map[string]string{"app": "系统内签收", "link": "链接签收"}

// recipientsExport writes a warning's recipient units and their 签收
// (the page's ?ack filter applies) as an Excel file.
func (h *Handlers) recipientsExport(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	x, err := h.Svc.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	list, err := h.Svc.Recipients(r.Context(), p, x.ID)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	ack := r.URL.Query().Get("ack")
	at := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(cst).Format("2006-01-02 15:04")
	}
	h.UI.SendXLSX(w, r, "签收情况-"+x.Identifier+".xlsx", func(out io.Writer) (*xlsx.Writer, error) { return xlsx.NewWriter(out, RecipientsSchema()) },
		func(xw *xlsx.Writer) error {
			for _, rc := range list {
				if ack != "" && (ack == "open") == rc.Acked() {
					continue
				}
				state, escalated := "未签收", "否"
				if rc.Acked() {
					state = "已签收"
				}
				if !rc.EscalatedAt.IsZero() {
					escalated = "是"
				}
				if err := xw.Write(rc.Name, recipientKindZH[rc.Kind], rc.Users, at(rc.NotifiedAt), state, at(rc.AckedAt), rc.AckedBy, ackViaZH[rc.AckedVia],
					rc.Reminders, escalated); err != nil {
					return err
				}
			}
			return nil
		})
}

func (h *Handlers) capFile(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	var doc []byte
	var x Warning
	var err error
	county := h.County
	if p != nil {
		county = p.CountyCode
	}
	// Published warnings are public; drafts only for those who may read them.
	doc, x, err = h.Svc.PublicCAP(r.Context(), county, r.PathValue("id"))
	if err != nil && p != nil {
		doc, x, err = h.Svc.CAP(r.Context(), p, r.PathValue("id"))
	}
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	name := x.Identifier
	if name == "" {
		name = "draft-" + x.ID
	}
	w.Header().Set("Content-Type", "application/cap+xml; charset=utf-8")
	w.Header().Set("Content-Disposition", "inline; filename=\""+name+".xml\"")
	_, _ = w.Write(doc)
}

func (h *Handlers) importForm(w http.ResponseWriter, r *http.Request) {
	h.UI.Show(w, r, http.StatusOK, "warning_import", "warning.import_title", "warnings", nil, web.EmptyForm(nil))
}

func (h *Handlers) importPost(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := web.EmptyForm(nil)
	file, _, err := r.FormFile("file")
	if err != nil {
		f.Errors["file"] = h.UI.I18n.T(web.Lang(r.Context()), "warning.file_required", nil)
		h.UI.Show(w, r, http.StatusUnprocessableEntity, "warning_import", "warning.import_title", "warnings", nil, f)
		return
	}
	defer file.Close()
	x, err := h.Svc.Import(r.Context(), p, file)
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) {
			h.UI.Show(w, r, status, "warning_import", "warning.import_title", "warnings", nil, f)
		})
		return
	}
	h.UI.Redirect(w, r, "/warnings/"+x.ID, "warning.imported")
}

func (h *Handlers) apiImport(w http.ResponseWriter, r *http.Request) {
	x, err := h.Svc.Import(r.Context(), web.PrincipalFrom(r.Context()), http.MaxBytesReader(w, r.Body, MaxCAPBytes+1))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, x)
}

func (h *Handlers) apiList(r *http.Request, pg web.Paging) ([]Warning, int, error) {
	f := FilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	return h.Svc.List(r.Context(), web.PrincipalFrom(r.Context()), f)
}

// APIWarning is a warning with its recipients.
type APIWarning struct {
	Warning
	Recipients []Recipient `json:"recipients"`
	CAP        string      `json:"cap_url"`
}

func (h *Handlers) apiGet(ctx context.Context, p *auth.Principal, id string) (APIWarning, error) {
	x, err := h.Svc.Get(ctx, p, id)
	if err != nil {
		return APIWarning{}, err
	}
	recs, err := h.Svc.Recipients(ctx, p, id)
	if recs == nil {
		recs = []Recipient{}
	}
	return APIWarning{Warning: x, Recipients: recs, CAP: "/warnings/" + id + "/cap.xml"}, err
}

func (h *Handlers) apiStep(call func(ctx context.Context, p *auth.Principal, id string) (Warning, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		x, err := call(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
		if err != nil {
			h.UI.Error(w, r, err)
			return
		}
		web.JSON(w, http.StatusOK, x)
	}
}

// The signed link (签收链接): no login; the token names the unit.

func (h *Handlers) ackPage(w http.ResponseWriter, r *http.Request) {
	x, rec, err := h.Svc.ByToken(r.Context(), r.PathValue("token"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data := map[string]any{"W": x, "R": rec}
	h.UI.Show(w, r, http.StatusOK, "warning_ack", "warning.ack_title", "", data, web.EmptyForm(nil))
}

func (h *Handlers) ackLink(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	token := r.PathValue("token")
	_, _, err := h.Svc.AckByToken(r.Context(), token, f.Get("by"), web.ClientIP(r))
	if err != nil && !errs.Is(err, errs.Conflict) {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.Redirect(w, r, "/ack/"+token, "warning.done_ack")
}

// Atom feed (RFC 4287) of the warnings in force.

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  atomPerson  `xml:"author"`
	Link    []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	ID        string     `xml:"id"`
	Title     string     `xml:"title"`
	Updated   string     `xml:"updated"`
	Published string     `xml:"published"`
	Author    atomPerson `xml:"author"`
	Summary   string     `xml:"summary"`
	Link      []atomLink `xml:"link"`
}

func (h *Handlers) feed(w http.ResponseWriter, r *http.Request) {
	county := h.County
	if p := web.PrincipalFrom(r.Context()); p != nil {
		county = p.CountyCode
	}
	list, err := h.Svc.ActiveList(r.Context(), county)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	base := h.Base
	if base == "" { // Atom wants absolute links: the address the reader used
		scheme := "http"
		if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	updated := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	f := atomFeed{ID: "urn:yingji:warnings:" + county, Title: "预警信息 / Warnings in force", Author: atomPerson{Name: Sender(county)},
		Link: []atomLink{{Rel: "self", Type: "application/atom+xml", Href: base + "/warnings/feed.atom"}}}
	for _, x := range list {
		if x.UpdatedAt.After(updated) {
			updated = x.UpdatedAt
		}
		f.Entries = append(f.Entries, atomEntry{ID: "urn:cap:" + x.Identifier, Title: x.Headline, Updated: x.UpdatedAt.UTC().Format(time.RFC3339),
			Published: x.PublishedAt.UTC().Format(time.RFC3339), Author: atomPerson{Name: x.Source},
			Summary: fmt.Sprintf("%s 生效 %s，失效 %s", x.Headline, x.EffectiveAt.In(cst).Format("2006-01-02 15:04"), x.ExpiresAt.In(cst).Format("2006-01-02 15:04")),
			Link:    []atomLink{{Rel: "alternate", Type: "application/cap+xml", Href: base + "/warnings/" + x.ID + "/cap.xml"}}})
	}
	f.Updated = updated.UTC().Format(time.RFC3339)
	body, err := xml.MarshalIndent(f, "", "  ")
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	_, _ = io.WriteString(w, xml.Header)
	_, _ = w.Write(body)
}
