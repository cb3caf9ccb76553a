package supervise

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/org"
	"yingji/internal/kit/pdfdoc"
	"yingji/internal/kit/store"
	"yingji/internal/kit/web"
)

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
		data["Proposals"], data["Sectors"] = list, org.Sectors.Values()
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
