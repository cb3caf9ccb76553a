package reduction

import (
	"embed"
	"net/http"

	"yingji/internal/kit/web"
)

// Templates and Locales of the disaster-reduction pages.
//
//go:embed templates/*.html
var Templates embed.FS

//go:embed locales/*.json
var Locales embed.FS

// The pages share three templates: a list (filters, table, pager), a form
// and a record (fields, tables, forms). Handlers describe what to show;
// the templates only lay it out, so six registers share one look.

// Opt is a choice of a select.
type Opt struct{ Value, Label string }

// Field is one input of a form or a filter.
type Field struct {
	Name     string
	Label    string
	Type     string // text | date | datetime | number | select | textarea | hidden
	Options  []Opt
	Required bool
	Help     string
	Wide     bool
}

// Cell is one cell of a table.
type Cell struct {
	Text  string
	Link  string
	Class string
}

// Table is a titled table.
type Table struct {
	ID    string
	Title string
	Cols  []string
	Rows  [][]Cell
}

// FormSpec is a form on a record page.
type FormSpec struct {
	ID     string
	Title  string
	Action string
	Fields []Field
	Submit string
	Help   string
}

// Link is an action link or a POST button.
type Link struct {
	ID    string
	Label string
	Href  string
	Post  bool
}

// listView is what red_list shows.
type listView struct {
	Heading string
	Action  string // the filter form's action
	Filters []Field
	Links   []Link
	Table   Table
	Pager   web.Pager
	Notes   []string
}

// showView is what red_show shows.
type showView struct {
	Heading string
	Pairs   [][2]string
	Links   []Link
	Tables  []Table
	Forms   []FormSpec
	Notes   []string
}

// formView is what red_form shows.
type formView struct {
	Heading string
	ID      string
	Action  string
	Back    string
	Fields  []Field
	Help    string
}

// tr translates a message for the request.
func (h *Handlers) tr(r *http.Request, id string, kv ...any) string {
	var data map[string]any
	if len(kv) > 1 {
		data = map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			data[kv[i].(string)] = kv[i+1]
		}
	}
	return h.UI.I18n.T(web.Lang(r.Context()), id, data)
}

// opts makes options from codes, labelled by prefix+code.
func (h *Handlers) opts(r *http.Request, prefix string, codes []string, all string) []Opt {
	var out []Opt
	if all != "" {
		out = append(out, Opt{"", h.tr(r, all)})
	}
	for _, c := range codes {
		out = append(out, Opt{c, h.tr(r, prefix+c)})
	}
	return out
}

func (h *Handlers) renderList(w http.ResponseWriter, r *http.Request, active string, v listView) {
	page := h.UI.NewPage(r, v.Heading, map[string]any{"V": v, "Pager": v.Pager})
	page.Active = active
	h.UI.Render(w, r, http.StatusOK, "red_list", page)
}

func (h *Handlers) renderShow(w http.ResponseWriter, r *http.Request, status int, active string, v showView, f *web.Form) {
	page := h.UI.NewPage(r, v.Heading, map[string]any{"V": v})
	page.Active = active
	if f == nil {
		f = web.EmptyForm(nil)
	}
	page.Form = f
	h.UI.Render(w, r, status, "red_show", page)
}

func (h *Handlers) renderForm(w http.ResponseWriter, r *http.Request, status int, active string, v formView, f *web.Form) {
	page := h.UI.NewPage(r, v.Heading, map[string]any{"V": v})
	page.Active = active
	page.Form = f
	h.UI.Render(w, r, status, "red_form", page)
}
