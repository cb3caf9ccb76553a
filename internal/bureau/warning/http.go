package warning

import (
	"context"
	"embed"
	"net/http"
	"net/url"
	"time"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/org"
	"yingji/internal/kit/web"
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
		{Pattern: "GET /api/v1/warnings", Out: web.PagedList[Warning]{}, Roles: readers, Handler: web.PagedJSON(h.UI, h.apiList), API: "List warnings (预警信息): ?state=&type=&level=&from=&to=&open=1"},
		{Pattern: "POST /api/v1/warnings", In: Input{}, Out: Warning{}, Roles: drafters, Handler: web.BodyJSON(h.UI, http.StatusCreated, func(ctx context.Context, p *auth.Principal, in Input) (Warning, error) {
			w, err := in.Warning()
			if err != nil {
				return w, err
			}
			return h.Svc.Draft(ctx, p, w)
		}), API: "Draft a warning (起草)"},
		{Pattern: "POST /api/v1/warnings/import", In: web.Content("application/xml"), Out: Warning{}, Roles: drafters, Handler: h.apiImport, API: "Import a CAP 1.2 message (application/xml body) as a draft warning"},
		{Pattern: "GET /api/v1/warnings/{id}", Out: APIWarning{}, Roles: readers, Handler: web.GetJSON(h.UI, h.apiGet), API: "One warning with its recipients and their 签收"},
		{Pattern: "GET /api/v1/warnings/{id}/recipients", Out: web.ItemList[Recipient]{}, Roles: readers, Handler: web.GetJSON(h.UI, func(ctx context.Context, p *auth.Principal, id string) (web.ItemList[Recipient], error) {
			list, err := h.Svc.Recipients(ctx, p, id)
			if list == nil {
				list = []Recipient{}
			}
			return web.ItemList[Recipient]{Items: list}, err
		}), API: "A warning's recipient units and their 签收"},
		{Pattern: "POST /api/v1/warnings/{id}/approve", In: web.NoBody{}, Out: Warning{}, Roles: approvers, Handler: h.apiStep(h.Svc.Approve), API: "Approve a draft (never its author: 409 warning.self_approval)"},
		{Pattern: "POST /api/v1/warnings/{id}/withdraw", In: web.NoBody{}, Out: Warning{}, Roles: drafters, Handler: h.apiStep(h.Svc.Withdraw), API: "撤回: the author takes back a warning not yet published"},
		{Pattern: "POST /api/v1/warnings/{id}/publish", In: web.NoBody{}, Out: Warning{}, Roles: publishers, Handler: h.apiStep(h.Svc.Publish), API: "Publish an approved warning to the units of its area"},
		{Pattern: "POST /api/v1/warnings/{id}/ack", In: web.NoBody{}, Out: Recipient{}, Roles: ackers, Handler: func(w http.ResponseWriter, r *http.Request) {
			rec, err := h.Svc.Ack(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
			if err != nil {
				h.UI.Error(w, r, err)
				return
			}
			web.JSON(w, http.StatusOK, rec)
		}, API: "签收: acknowledge a warning for the caller's unit"},
		{Pattern: "POST /api/v1/warnings/{id}/update", In: Input{}, Out: Warning{}, Roles: drafters, Handler: web.BodyJSONByID(h.UI, http.StatusCreated, func(ctx context.Context, p *auth.Principal, id string, in Input) (Warning, error) {
			w, err := in.Warning()
			if err != nil {
				return w, err
			}
			return h.Svc.FollowUp(ctx, p, id, MsgUpdate, w)
		}), API: "Draft an update of a published warning (CAP msgType Update)"},
		{Pattern: "POST /api/v1/warnings/{id}/cancel", In: CancelInput{}, Out: Warning{}, Roles: drafters, Handler: web.BodyJSONByID(h.UI, http.StatusCreated, func(ctx context.Context, p *auth.Principal, id string, in CancelInput) (Warning, error) {
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
