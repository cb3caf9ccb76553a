package accident

import (
	"embed"
	"net/http"
	"strconv"
	"yingji/internal/kit/errs"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/figure"
	"yingji/internal/kit/web"
)

// Templates and Locales of the accident pages.
//
//go:embed templates/*.html
var Templates embed.FS

//go:embed locales/*.json
var Locales embed.FS

// Handlers serve the accident pages and API.
type Handlers struct {
	UI  *web.UI
	Svc *Service
	Ent *enterprise.Service
}

var (
	readers = []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer, auth.RoleDuty, auth.RoleTown,
		auth.RoleDepartment, auth.RoleReadOnly, auth.RoleEnterprise}
	writers = []auth.Role{auth.RoleAdmin, auth.RoleSection, auth.RoleEnforcer, auth.RoleDuty}
)

// Routes declares the accident routes, each once: pattern, roles, handler and
// API summary (the Excel routes are the ledger kit's: no handler here).
func (h *Handlers) Routes() web.Routes {
	return web.Routes{
		{Pattern: "GET /accidents", Roles: readers, Handler: h.list},
		{Pattern: "GET /accidents/new", Roles: writers, Handler: h.newForm},
		{Pattern: "POST /accidents", Roles: writers, Handler: h.create},
		{Pattern: "GET /accidents/{id}", Roles: readers, Handler: h.show},
		{Pattern: "GET /accidents/export", Roles: readers},
		{Pattern: "GET /accidents/template", Roles: writers},
		{Pattern: "GET /accidents/import", Roles: writers},
		{Pattern: "POST /accidents/import", Roles: writers},
		{Pattern: "GET /api/v1/accidents", Out: web.PagedList[Accident]{}, Roles: readers, Handler: web.PagedJSON(h.UI, func(r *http.Request, pg web.Paging) ([]Accident, int, error) {
			f := FilterOf(r.URL.Query())
			f.Limit, f.Offset = pg.Size, pg.Offset()
			return h.Svc.List(r.Context(), web.PrincipalFrom(r.Context()), f)
		}), API: "生产安全事故台账（from, to, level, industry, town） / Accident register"},
		{Pattern: "POST /api/v1/accidents", In: Input{}, Out: Accident{}, Roles: writers, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.Svc.Record), API: "登记事故（等级按493号令自动判定，填写的等级与数据矛盾时拒绝） / Record an accident"},
		{Pattern: "GET /api/v1/accidents/{id}", Out: View{}, Roles: readers, Handler: web.GetJSON(h.UI, h.Svc.Get), API: "事故详情与报告时限 / An accident with its reporting deadlines"},
		{Pattern: "GET /api/v1/accidents/stats", Out: Stats{}, Roles: readers, Handler: func(w http.ResponseWriter, r *http.Request) {
			st, err := h.stats(r)
			if err != nil {
				h.UI.Error(w, r, err)
				return
			}
			web.JSON(w, http.StatusOK, st)
		}, API: "任意期间事故起数、死亡人数及同比（from, to） / Counts and year-on-year for a period"},
		{Pattern: "GET /api/v1/accidents/level", Out: LevelAnswer{}, Roles: readers, Handler: func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			d, _ := strconv.ParseInt(q.Get("deaths"), 10, 64)
			i, _ := strconv.ParseInt(q.Get("injuries"), 10, 64)
			l, _ := ParseYuan(q.Get("loss_yuan"))
			lv := LevelOf(d, i, l)
			web.JSON(w, http.StatusOK, LevelAnswer{Level: lv, Label: LevelLabel(lv)})
		}, API: "按死亡、重伤、直接经济损失判定事故等级（deaths, injuries, loss_yuan） / Level of given figures"},
		{Pattern: "GET /api/v1/accidents/deadline", Out: DeadlineRules{}, Roles: readers, Handler: func(w http.ResponseWriter, r *http.Request) {
			web.JSON(w, http.StatusOK, Rules)
		}, API: "报告时限说明 / Reporting deadlines"},
	}
}

func (h *Handlers) stats(r *http.Request) (Stats, error) {
	q := r.URL.Query()
	from, to := q.Get("from"), q.Get("to")
	today := h.Svc.Today()
	if from == "" {
		from = today[:4] + "-01-01"
	}
	if to == "" {
		to = today
	}
	per, err := figure.NewPeriod(from, to)
	if err != nil {
		return Stats{}, errs.Field("from", "accident.period_invalid", nil)
	}
	return h.Svc.StatsFor(r.Context(), web.PrincipalFrom(r.Context()), per, Filter{Level: q.Get("level"), Industry: q.Get("industry"), Region: q.Get("town")})
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	pg := web.PagingOf(r)
	f := FilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	rows, total, err := h.Svc.List(r.Context(), web.PrincipalFrom(r.Context()), f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	st, err := h.stats(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.Show(w, r, http.StatusOK, "accidents", "accident.title", "accidents",
		map[string]any{"Rows": rows, "Pager": web.PagerOf(pg, total), "Stats": st, "Levels": Levels, "Industries": Industries}, nil)
}

func (h *Handlers) form(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	var ents []enterprise.Enterprise
	err := h.Ent.Each(r.Context(), web.PrincipalFrom(r.Context()), enterprise.Filter{}, func(e enterprise.Enterprise) error {
		ents = append(ents, e)
		return nil
	})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.Show(w, r, status, "accident_form", "accident.new", "accidents",
		map[string]any{"Enterprises": ents, "Levels": Levels, "Industries": Industries, "Kinds": Kinds}, f)
}

func (h *Handlers) newForm(w http.ResponseWriter, r *http.Request) {
	h.form(w, r, http.StatusOK, web.EmptyForm(map[string]string{"occurred_on": h.Svc.Today(), "deaths": "0", "serious_injuries": "0", "loss_yuan": "0"}))
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	in := Input{OccurredOn: f.Get("occurred_on"), OccurredTime: f.Get("occurred_time"), ReportedAt: f.Get("reported_at"), Place: f.Get("place"),
		EnterpriseID: f.Get("enterprise_id"), Industry: f.Get("industry"), Kind: f.Get("kind"), LossYuan: f.Get("loss_yuan"), Level: f.Get("level"),
		Investigation: f.Get("investigation"), Summary: f.Get("summary")}
	var err error
	if in.Deaths, err = strconv.ParseInt(orZero(f.Get("deaths")), 10, 64); err != nil {
		in.Deaths = -1
	}
	if in.SeriousInjuries, err = strconv.ParseInt(orZero(f.Get("serious_injuries")), 10, 64); err != nil {
		in.SeriousInjuries = -1
	}
	a, err := h.Svc.Record(r.Context(), web.PrincipalFrom(r.Context()), in)
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) { h.form(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/accidents/"+a.ID, "accident.recorded")
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}

func (h *Handlers) show(w http.ResponseWriter, r *http.Request) {
	v, err := h.Svc.Get(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	page := h.UI.NewPage(r, v.OccurredOn+" "+v.Place, map[string]any{"A": v})
	page.Active = "accidents"
	h.UI.Render(w, r, http.StatusOK, "accident", page)
}
