package supervise

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
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
		{Pattern: "GET /api/v1/cards/monthly", Roles: staff, Handler: h.apiMonthly, API: "红黄牌月度统计（year） / Cards per month, town and section"},
		{Pattern: "GET /api/v1/supervision/proposals", Roles: staff, Handler: h.apiProposals, API: "建议发督办函的红牌隐患 / Red cards calling for a supervision letter"},
		{Pattern: "GET /api/v1/supervision/stats", Roles: staff, Handler: h.apiStats, API: "督办函、挂牌督办统计（from, to, campaign） / Letters and listings in a period"},
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

// Cards

func (h *Handlers) cardFilter(r *http.Request) (CardFilter, error) {
	p := web.PrincipalFrom(r.Context())
	var sectors []string
	if sec := r.URL.Query().Get("section"); sec != "" {
		var err error
		if sectors, err = h.Svc.SectionSectors(r.Context(), p.CountyCode, sec); err != nil {
			return CardFilter{}, err
		}
	}
	return CardFilterOf(r.URL.Query(), sectors), nil
}

func (h *Handlers) cards(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	pg := web.PagingOf(r)
	list, total, err := h.cardsOf(r, pg)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	red, yellow, err := h.Svc.CardCounts(r.Context(), p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data, err := h.lookups(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rules, err := h.Svc.Rules(r.Context(), p.CountyCode)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data["Cards"], data["Pager"], data["Red"], data["Yellow"], data["Rules"] = list, web.PagerOf(pg, total), red, yellow, rules
	data["SharePct"] = int(rules.YellowShare*100 + 0.5)
	h.render(w, r, http.StatusOK, "sup_cards", "supervise.cards", data, nil)
}

func (h *Handlers) yearOf(r *http.Request) int {
	y, err := strconv.Atoi(r.URL.Query().Get("year"))
	if err != nil || y < 2000 || y > 2100 {
		y = day(h.Svc.today()).Year()
	}
	return y
}

// chart is the ECharts option of the monthly counts (stacked bars).
func chart(m Monthly, lang string) string {
	months := make([]string, 12)
	for i := range months {
		if lang == "en" {
			months[i] = time.Month(i + 1).String()[:3]
		} else {
			months[i] = strconv.Itoa(i+1) + "月"
		}
	}
	yl, rl, cl := "黄牌", "红牌", "销牌"
	if lang == "en" {
		yl, rl, cl = "Yellow", "Red", "Cleared"
	}
	opt := map[string]any{
		"animation": false,
		"tooltip":   map[string]any{"trigger": "axis"},
		"legend":    map[string]any{"data": []string{yl, rl, cl}, "top": 0},
		"grid":      map[string]any{"left": 40, "right": 20, "top": 40, "bottom": 30},
		"xAxis":     map[string]any{"type": "category", "data": months},
		"yAxis":     map[string]any{"type": "value", "minInterval": 1},
		"series": []map[string]any{
			{"name": yl, "type": "bar", "stack": "issued", "data": m.Total.Yellow, "itemStyle": map[string]any{"color": "#f9a825"}},
			{"name": rl, "type": "bar", "stack": "issued", "data": m.Total.Red, "itemStyle": map[string]any{"color": "#c62828"}},
			{"name": cl, "type": "line", "data": m.Total.Cleared, "itemStyle": map[string]any{"color": "#2e7d32"}},
		},
	}
	b, _ := json.Marshal(opt)
	return string(b)
}

func (h *Handlers) monthly(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	year := h.yearOf(r)
	m, err := h.Svc.MonthlyCounts(r.Context(), p, year)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	this := day(h.Svc.today()).Year()
	var years []int
	for y := this; y >= this-5; y-- {
		years = append(years, y)
	}
	if year < this-5 {
		years = append(years, year)
	}
	type part struct {
		Key  string
		Rows []MonthRow
	}
	data := map[string]any{"M": m, "Year": year, "Years": years, "Chart": chart(m, web.Lang(r.Context())), "Months": []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12},
		"Parts": []part{{"towns", m.Towns}, {"sections", m.Sections}}}
	h.render(w, r, http.StatusOK, "sup_monthly", "supervise.monthly", data, nil)
}

// Settings

func settingsValues(s Settings) map[string]string {
	v := map[string]string{"yellow_share": strconv.FormatFloat(s.Rules.YellowShare*100, 'f', -1, 64), "letter_after": strconv.Itoa(s.Rules.LetterAfter),
		"remind_before": strconv.Itoa(s.Rules.RemindBefore), "issuer": s.Issuer, "letter_prefix": s.LetterPrefix, "listing_prefix": s.ListingPrefix,
		"list_within": strconv.Itoa(s.ListWithin), "verify_within": strconv.Itoa(s.VerifyWithin),
		"listed_approver": string(s.ListedApprover)}
	if s.Rules.SelfReportCard {
		v["self_report"] = "1"
	}
	return v
}

func (h *Handlers) settingsPage(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	year := day(h.Svc.today()).Year()
	data := map[string]any{"LetterSample": FormatNumber(f.Get("letter_prefix"), year, 1), "ListingSample": FormatNumber(f.Get("listing_prefix"), year, 1),
		"ListedApprovers": ListedApprovers}
	h.render(w, r, status, "sup_settings", "supervise.settings", data, f)
}

func (h *Handlers) settingsForm(w http.ResponseWriter, r *http.Request) {
	s, err := h.Svc.Settings(r.Context(), web.PrincipalFrom(r.Context()).CountyCode)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.settingsPage(w, r, http.StatusOK, web.EmptyForm(settingsValues(s)))
}

func (h *Handlers) saveSettings(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	var set Settings
	var fe errs.FieldErrors
	share, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(f.Get("yellow_share")), "%"), 64)
	if err != nil {
		fe = append(fe, errs.Field("yellow_share", "supervise.settings.share_invalid", nil))
	}
	set.Rules.YellowShare = share / 100
	if set.Rules.LetterAfter, err = strconv.Atoi(strings.TrimSpace(f.Get("letter_after"))); err != nil {
		fe = append(fe, errs.Field("letter_after", "supervise.settings.days_invalid", nil))
	}
	if set.Rules.RemindBefore, err = strconv.Atoi(strings.TrimSpace(f.Get("remind_before"))); err != nil {
		fe = append(fe, errs.Field("remind_before", "supervise.settings.days_invalid", nil))
	}
	// The department's time limits; left empty, the defaults.
	clocks := hazard.DefaultClocks()
	for _, x := range []struct {
		field string
		to    *int
		def   int
	}{{"list_within", &set.ListWithin, clocks.ListWithin}, {"verify_within", &set.VerifyWithin, clocks.VerifyWithin}} {
		v := strings.TrimSpace(f.Get(x.field))
		if v == "" {
			*x.to = x.def
		} else if *x.to, err = strconv.Atoi(v); err != nil {
			fe = append(fe, errs.Field(x.field, "supervise.settings.working_days_invalid", nil))
		}
	}
	set.Rules.SelfReportCard = f.Get("self_report") == "1"
	set.Issuer, set.LetterPrefix, set.ListingPrefix = f.Get("issuer"), f.Get("letter_prefix"), f.Get("listing_prefix")
	set.ListedApprover = auth.Role(f.Get("listed_approver"))
	err = fe.Err()
	if err == nil {
		_, err = h.Svc.SaveSettings(r.Context(), web.PrincipalFrom(r.Context()), set)
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.HasFieldErrors, func(status int) { h.settingsPage(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/settings/cards", "action.saved")
}

// Supervision (tabs)

// Tabs of /supervision.
var tabs = []string{"letters", "listings", "extensions", "proposals"}

func (h *Handlers) supervision(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	q := r.URL.Query()
	tab := q.Get("tab")
	if !contains(tabs, tab) || (tab == "proposals" && p.Role == auth.RoleEnterprise) {
		tab = "letters"
	}
	data, err := h.lookups(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	pg := web.PagingOf(r)
	var total int
	switch tab {
	case "letters":
		var list []Letter
		list, total, err = h.lettersOf(r, pg)
		data["Letters"], data["States"] = list, LetterStates
	case "listings":
		var list []Listing
		list, total, err = h.listingsOf(r, pg)
		late := map[string]bool{}
		for _, l := range list {
			late[l.ID] = PublishLate(h.Svc.Calendar(), l.ListedOn, l.PublishedOn, h.Svc.today())
		}
		data["Listings"], data["States"], data["Levels"], data["Late"] = list, ListingStates, Levels, late
	case "extensions":
		var list []Extension
		if q.Get("todo") == "1" {
			// 待我审批: the requests this user may decide.
			list, err = h.Svc.PendingExtensionsFor(r.Context(), p)
			total = len(list)
			from, to := min(pg.Offset(), total), min(pg.Offset()+pg.Size, total)
			list = list[from:to]
		} else {
			list, total, err = h.extensionsOf(r, pg)
		}
		data["Extensions"], data["States"], data["Todo"] = list, ExtensionStates, q.Get("todo") == "1"
		data["CanApprove"] = p.Is(Deciders...)
	case "proposals":
		var list []Proposal
		f := ProposalFilterOf(q)
		f.Limit, f.Offset = pg.Size, pg.Offset()
		list, total, err = h.Svc.ProposalPage(r.Context(), p, f)
		sectors := make([]string, len(org.Sectors))
		for i, s := range org.Sectors {
			sectors[i] = s[0]
		}
		data["Proposals"], data["Sectors"] = list, sectors
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data["Tab"], data["Pager"] = tab, web.PagerOf(pg, total)
	if p.Role != auth.RoleEnterprise {
		if props, err := h.Svc.Proposals(r.Context(), p); err == nil {
			data["ProposalCount"] = len(props)
		}
	}
	h.render(w, r, http.StatusOK, "sup_supervision", "supervise.title", data, nil)
}

// hazardChoices lists hazards a form may pick from when no hazard was
// given: red-carded ones (letters), open majors not listed (listings),
// hazards being rectified (extensions).
func (h *Handlers) hazardChoices(r *http.Request, kind string) ([]hazard.Record, error) {
	p := web.PrincipalFrom(r.Context())
	var w store.Where
	hazard.Scope(p, &w)
	switch kind {
	case "letter":
		w.Add(hazard.AwaitingSQL+" AND deadline <> '' AND deadline < ?", h.Svc.today())
	case "listing":
		w.Add("state <> 'closed' AND grade = 'major' AND listed = ? AND deadline <> ''", false)
	case "extension":
		w.Add("state IN ('ordered', 'rectifying')")
	}
	rows, err := h.DB.R().QueryContext(r.Context(), `SELECT `+hazard.Cols+` FROM hazard`+w.SQL()+` ORDER BY deadline, id LIMIT 300`, w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("hazards: %w", err)
	}
	defer rows.Close()
	var out []hazard.Record
	for rows.Next() {
		x, err := hazard.Scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// formPage renders a new-record form for a hazard (or a choice of them).
func (h *Handlers) formPage(w http.ResponseWriter, r *http.Request, status int, kind, page, title string, f *web.Form, extra map[string]any) {
	data, err := h.lookups(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for k, v := range extra {
		data[k] = v
	}
	p := web.PrincipalFrom(r.Context())
	if id := f.Get("hazard_id"); id != "" {
		hz, err := h.Svc.Hazard(r.Context(), p, id)
		if err == nil {
			data["Hazard"] = hz
		}
	}
	if data["Hazard"] == nil {
		choices, err := h.hazardChoices(r, kind)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		data["Choices"] = choices
	}
	h.render(w, r, status, page, title, data, f)
}

// Letters

func (h *Handlers) letterForm(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	id := r.URL.Query().Get("hazard")
	v := map[string]string{"hazard_id": id, "issued_on": h.Svc.today(), "deadline": addDays(h.Svc.today(), 15)}
	if id != "" {
		if hz, err := h.Svc.Hazard(r.Context(), p, id); err == nil {
			v["measures"] = strings.TrimSpace(hz.PlanMeasures)
			if v["measures"] == "" {
				v["measures"] = strings.TrimSpace(hz.Measures)
			}
		}
	}
	h.formPage(w, r, http.StatusOK, "letter", "sup_letter_form", "supervise.letter_new", web.EmptyForm(v), nil)
}

func (h *Handlers) issueLetter(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	l, err := h.Svc.IssueLetter(r.Context(), web.PrincipalFrom(r.Context()), LetterInput{HazardID: f.Get("hazard_id"), IssuedOn: f.Get("issued_on"),
		Deadline: f.Get("deadline"), Measures: r.PostForm.Get("measures")})
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.IsInvalid, func(status int) {
			h.formPage(w, r, status, "letter", "sup_letter_form", "supervise.letter_new", f, nil)
		})
		return
	}
	h.UI.Redirect(w, r, "/supervision/letters/"+l.ID, "supervise.letter_issued", "Number", l.Number)
}

// docContext gives a document the county, town and address.
func (h *Handlers) docContext(r *http.Request, hz hazard.Record) DocContext {
	c := DocContext{}
	county := &auth.Principal{Role: auth.RoleLeader, CountyCode: hz.CountyCode}
	if name, err := h.Svc.countyName(r.Context(), h.DB.R(), hz.CountyCode); err == nil {
		c.CountyName = name
	}
	if towns, err := h.Org.ListRegions(r.Context(), county, org.RegionFilter{Level: org.LevelTown}); err == nil {
		for _, t := range towns {
			if t.Code == hz.TownCode {
				c.TownName = t.Name
			}
		}
	}
	if hz.EnterpriseID != "" && h.Ent != nil {
		if e, err := h.Ent.Get(r.Context(), county, hz.EnterpriseID); err == nil {
			c.Address = e.Address
		}
	}
	return c
}

func (h *Handlers) renderer() (*pdfdoc.Renderer, error) {
	h.pdfOnce.Do(func() { h.pdf, h.pdfErr = pdfdoc.NewRenderer() })
	return h.pdf, h.pdfErr
}

func (h *Handlers) sendPDF(w http.ResponseWriter, r *http.Request, name string, d pdfdoc.Doc) {
	h.UI.SendPDF(w, r, name+".pdf", func(out io.Writer) error {
		rd, err := h.renderer()
		if err != nil {
			return err
		}
		return rd.Render(out, d)
	})
}

func (h *Handlers) letter(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	id, asPDF := strings.CutSuffix(r.PathValue("id"), ".pdf")
	v, err := h.Svc.GetLetter(r.Context(), p, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if asPDF {
		h.sendPDF(w, r, "督办函-"+v.Number, LetterDoc(v.Letter, v.Hazard, h.docContext(r, v.Hazard)))
		return
	}
	data, err := h.lookups(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data["V"] = v
	page := h.UI.NewPage(r, v.Number, data)
	page.Active = "supervision"
	page.Form = web.EmptyForm(nil)
	h.UI.Render(w, r, http.StatusOK, "sup_letter", page)
}

// Listings

func (h *Handlers) listingForm(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	set, err := h.Svc.Settings(r.Context(), p.CountyCode)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := map[string]string{"hazard_id": r.URL.Query().Get("hazard"), "listed_on": h.Svc.today(), "level": LevelCounty, "issuer": set.Issuer}
	h.formPage(w, r, http.StatusOK, "listing", "sup_listing_form", "supervise.listing_new", web.EmptyForm(v), h.listingExtra(set))
}

func (h *Handlers) listingExtra(set Settings) map[string]any {
	return map[string]any{"Levels": Levels, "NumberSample": FormatNumber(set.ListingPrefix, day(h.Svc.today()).Year(), 1)}
}

func (h *Handlers) listHazard(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	p := web.PrincipalFrom(r.Context())
	l, err := h.Svc.ListHazard(r.Context(), p, ListingInput{HazardID: f.Get("hazard_id"), Level: f.Get("level"), Issuer: f.Get("issuer"),
		Responsible: f.Get("responsible"), Number: f.Get("number"), ListedOn: f.Get("listed_on"), Requirements: r.PostForm.Get("requirements"),
		PublishedOn: f.Get("published_on")})
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.IsInvalid, func(status int) {
			set, serr := h.Svc.Settings(r.Context(), p.CountyCode)
			if serr != nil {
				h.fail(w, r, serr)
				return
			}
			h.formPage(w, r, status, "listing", "sup_listing_form", "supervise.listing_new", f, h.listingExtra(set))
		})
		return
	}
	h.UI.Redirect(w, r, "/supervision/listings/"+l.ID, "supervise.listed", "Number", l.Number)
}

// listingPage renders a listing with a step's form kept after a refusal.
func (h *Handlers) listingPage(w http.ResponseWriter, r *http.Request, status int, id string, forms map[string]*web.Form) {
	p := web.PrincipalFrom(r.Context())
	v, err := h.Svc.GetListing(r.Context(), p, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data, err := h.lookups(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if forms == nil {
		forms = map[string]*web.Form{}
	}
	for _, k := range []string{"publish", "request_acceptance", "accept", "delist"} {
		if forms[k] == nil {
			forms[k] = web.EmptyForm(map[string]string{"on": h.Svc.today(), "pass": "1"})
		}
	}
	data["V"], data["Forms"] = v, forms
	data["CanDecide"] = p.Is(Deciders...)
	data["CanRequest"] = p.Is(accepters...)
	data["CanExtend"] = p.Is(Requesters...) && (v.Hazard.State == hazard.Ordered || v.Hazard.State == hazard.Rectifying)
	page := h.UI.NewPage(r, v.Number, data)
	page.Active = "supervision"
	page.Form = web.EmptyForm(nil)
	h.UI.Render(w, r, status, "sup_listing", page)
}

func (h *Handlers) listing(w http.ResponseWriter, r *http.Request) {
	id, asPDF := strings.CutSuffix(r.PathValue("id"), ".pdf")
	if asPDF {
		v, err := h.Svc.GetListing(r.Context(), web.PrincipalFrom(r.Context()), id)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		h.sendPDF(w, r, "挂牌督办通知书-"+v.Number, ListingDoc(v.Listing, v.Hazard, h.docContext(r, v.Hazard)))
		return
	}
	h.listingPage(w, r, http.StatusOK, id, nil)
}

func (h *Handlers) listingStep(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f := web.NewForm(r)
		p := web.PrincipalFrom(r.Context())
		id := r.PathValue("id")
		in := StepInput{On: f.Get("on"), Note: r.PostForm.Get("note"), DocNumber: f.Get("doc_number"), Pass: f.Get("pass") != "0"}
		steps := map[string]func(context.Context, *auth.Principal, string, StepInput) (Listing, error){
			"publish": h.Svc.Publish, "request_acceptance": h.Svc.RequestAcceptance, "accept": h.Svc.Accept, "delist": h.Svc.Delist}
		msg := map[string]string{"publish": "supervise.published", "request_acceptance": "supervise.acceptance_requested",
			"accept": "supervise.accepted", "delist": "supervise.delisted"}[action]
		if action == "accept" && !in.Pass {
			msg = "supervise.acceptance_failed"
		}
		_, err := steps[action](r.Context(), p, id, in)
		if err != nil {
			h.UI.FormFailed(w, r, f, err, web.IsInvalid, func(status int) {
				h.withMessage(r, f, err)
				h.listingPage(w, r, status, id, map[string]*web.Form{action: f})
			})
			return
		}
		h.UI.Redirect(w, r, "/supervision/listings/"+id, msg)
	}
}

// Extensions

func (h *Handlers) extensionForm(w http.ResponseWriter, r *http.Request) {
	v := map[string]string{"hazard_id": r.URL.Query().Get("hazard"), "requested_on": h.Svc.today()}
	h.formPage(w, r, http.StatusOK, "extension", "sup_extension_form", "supervise.extension_new", web.EmptyForm(v), nil)
}

func (h *Handlers) requestExtension(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	e, err := h.Svc.RequestExtension(r.Context(), web.PrincipalFrom(r.Context()), ExtensionInput{HazardID: f.Get("hazard_id"),
		RequestedOn: f.Get("requested_on"), RequestedDeadline: f.Get("requested_deadline"), Reason: r.PostForm.Get("reason")})
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.IsInvalid, func(status int) {
			h.formPage(w, r, status, "extension", "sup_extension_form", "supervise.extension_new", f, nil)
		})
		return
	}
	h.UI.Redirect(w, r, "/supervision/extensions/"+e.ID, "supervise.extension_requested")
}

func (h *Handlers) extensionPage(w http.ResponseWriter, r *http.Request, status int, id string, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	v, err := h.Svc.GetExtension(r.Context(), p, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data, err := h.lookups(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if f == nil {
		f = web.EmptyForm(map[string]string{"on": h.Svc.today(), "approve": "1"})
	}
	data["V"] = v
	if v.State == ExtPending {
		// The four-eyes rule: the form only for who may decide; the others
		// are told who does.
		switch err := h.Svc.MayDecide(r.Context(), p, v.Extension, v.Hazard); {
		case err == nil:
			data["CanDecide"] = true
		case errs.Is(err, errs.Conflict):
			lang := web.Lang(r.Context())
			note := h.UI.Message(lang, err)
			if set, serr := h.Svc.Settings(r.Context(), p.CountyCode); serr == nil && v.Hazard.Listed && p.Role != set.ListedApprover {
				// Tell who decides a listed hazard's request.
				note += " " + h.UI.Message(lang, conflict("listed_approver", "RoleZH", set.ListedApprover.Label("zh"), "RoleEN", set.ListedApprover.Label("en")))
			}
			data["DecideNote"] = note
		case !errs.Is(err, errs.Forbidden):
			h.fail(w, r, err)
			return
		}
	}
	page := h.UI.NewPage(r, "", data)
	page.Title = page.T("supervise.extension")
	page.Active = "supervision"
	page.Form = f
	h.UI.Render(w, r, status, "sup_extension", page)
}

func (h *Handlers) extension(w http.ResponseWriter, r *http.Request) {
	h.extensionPage(w, r, http.StatusOK, r.PathValue("id"), nil)
}

func (h *Handlers) decide(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	id := r.PathValue("id")
	approve := f.Get("approve") == "1"
	_, err := h.Svc.DecideExtension(r.Context(), web.PrincipalFrom(r.Context()), id, DecisionInput{Approve: approve, On: f.Get("on"),
		Reason: r.PostForm.Get("reason")})
	if err != nil {
		// A refusal by the four-eyes rule (409) is shown on the request's
		// page with the rule, like a refusal of the form.
		onPage := func(err error) bool { return web.IsInvalid(err) || errs.Is(err, errs.Conflict) }
		h.UI.FormFailed(w, r, f, err, onPage, func(status int) {
			h.withMessage(r, f, err)
			h.extensionPage(w, r, status, id, f)
		})
		return
	}
	msg := "supervise.extension_refused"
	if approve {
		msg = "supervise.extension_approved"
	}
	h.UI.Redirect(w, r, "/supervision/extensions/"+id, msg)
}

// API

// cardsOf reads the page pg of the cards the request's query selects
// (for the page and the API).
func (h *Handlers) cardsOf(r *http.Request, pg web.Paging) ([]CardRow, int, error) {
	f, err := h.cardFilter(r)
	if err != nil {
		return nil, 0, err
	}
	f.Limit, f.Offset = pg.Size, pg.Offset()
	return h.Svc.Cards(r.Context(), web.PrincipalFrom(r.Context()), f)
}

func (h *Handlers) apiMonthly(w http.ResponseWriter, r *http.Request) {
	m, err := h.Svc.MonthlyCounts(r.Context(), web.PrincipalFrom(r.Context()), h.yearOf(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, m)
}

func (h *Handlers) apiProposals(w http.ResponseWriter, r *http.Request) {
	pg := web.PagingOf(r)
	f := ProposalFilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	list, total, err := h.Svc.ProposalPage(r.Context(), web.PrincipalFrom(r.Context()), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	web.ListJSON(w, list, total, pg)
}

func (h *Handlers) apiStats(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	q := r.URL.Query()
	from, to := q.Get("from"), q.Get("to")
	if to == "" {
		to = h.Svc.today()
	}
	letters, err := h.Svc.LetterStats(r.Context(), p, from, to)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	listings, err := h.Svc.ListingStats(r.Context(), p, from, to, q.Get("campaign"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, map[string]any{"letters": letters, "listings": listings})
}

// lettersOf reads the page pg of the letters the request's query selects
// (for the page and the API).
func (h *Handlers) lettersOf(r *http.Request, pg web.Paging) ([]Letter, int, error) {
	f := LetterFilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	return h.Svc.Letters(r.Context(), web.PrincipalFrom(r.Context()), f)
}

// listingsOf reads the page pg of the listings the request's query selects
// (for the page and the API).
func (h *Handlers) listingsOf(r *http.Request, pg web.Paging) ([]Listing, int, error) {
	f := ListingFilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	return h.Svc.Listings(r.Context(), web.PrincipalFrom(r.Context()), f)
}

// extensionsOf reads the page pg of the extension requests the request's query selects
// (for the page and the API).
func (h *Handlers) extensionsOf(r *http.Request, pg web.Paging) ([]Extension, int, error) {
	f := ExtensionFilterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	return h.Svc.Extensions(r.Context(), web.PrincipalFrom(r.Context()), f)
}
