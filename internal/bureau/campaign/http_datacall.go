package campaign

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"yingji/internal/bureau/campaign/datacall"
	"yingji/internal/bureau/campaign/day"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/org"
	"yingji/internal/kit/web"
	"yingji/internal/kit/xlsx"
)

func (h *Handlers) calls(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	list, err := h.Svc.Calls.Calls(r.Context(), p)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "datacalls", h.t(r, "datacall.title"), map[string]any{"Calls": list, "Today": h.Svc.Calls.Today(),
		"CanIssue": datacall.MayIssue(p)}, nil)
}

func (h *Handlers) callNew(w http.ResponseWriter, r *http.Request) {
	f := web.EmptyForm(map[string]string{"deadline": day.Add(h.Svc.Calls.Today(), 7), "form_id": r.URL.Query().Get("form")})
	h.callNewPage(w, r, http.StatusOK, f, nil)
}

func (h *Handlers) callNewPage(w http.ResponseWriter, r *http.Request, status int, f *web.Form, chosen map[string]bool) {
	p := web.PrincipalFrom(r.Context())
	forms, err := h.Svc.Calls.Forms(r.Context(), p)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	units, err := h.Svc.Calls.Addressable(r.Context(), p)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	var depts, towns []org.Unit
	for _, u := range units {
		if u.Kind == org.UnitTown {
			towns = append(towns, u)
		} else {
			depts = append(depts, u)
		}
	}
	if chosen == nil { // all addressed by default
		chosen = map[string]bool{}
		for _, u := range units {
			chosen[u.ID] = true
		}
	}
	h.render(w, r, status, "datacall_new", h.t(r, "datacall.new"), map[string]any{"Forms": forms, "Depts": depts, "Towns": towns, "Chosen": chosen}, f)
}

func (h *Handlers) callIssue(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	units := r.PostForm["units"]
	in := datacall.NewCall{FormID: f.Get("form_id"), Period: f.Get("period"), From: f.Get("from"), To: f.Get("to"), Deadline: f.Get("deadline"),
		Campaign: f.Get("campaign"), Note: f.Get("note"), Units: units}
	c, err := h.Svc.Calls.Issue(r.Context(), web.PrincipalFrom(r.Context()), in)
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) {
			chosen := map[string]bool{}
			for _, u := range units {
				chosen[u] = true
			}
			h.callNewPage(w, r, status, f, chosen)
		})
		return
	}
	h.UI.Redirect(w, r, "/datacalls/"+c.ID, "datacall.issued", "Units", len(units))
}

func (h *Handlers) callRollUp(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	ru, err := h.Svc.Calls.RollUp(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "datacall", ru.Call.FormName+" · "+ru.Call.Period, map[string]any{"R": ru, "CanIssue": datacall.MayIssue(p),
		"Numeric": ru.Form.Numeric(), "Today": h.Svc.Calls.Today(), "MyUnit": p.UnitID, "CanFill": p.Is(auth.RoleTown, auth.RoleDepartment, auth.RoleAdmin)}, nil)
}

// rollUpSchema is a roll-up's Excel layout: unit, state, day, then the
// form's fields.
func (h *Handlers) rollUpSchema(r *http.Request, f datacall.Form) xlsx.Schema {
	cols := []xlsx.Column{{Key: "_unit", Header: h.t(r, "datacall.unit"), Width: 18}, {Key: "_state", Header: h.t(r, "datacall.state"), Width: 12},
		{Key: "_on", Header: h.t(r, "datacall.submitted_on"), Width: 12}}
	for _, x := range f.Fields {
		head := x.Label
		if x.Unit != "" {
			head += "（" + x.Unit + "）"
		}
		cols = append(cols, xlsx.Column{Key: x.Key, Header: head, Width: 14})
	}
	return xlsx.Schema{Name: "填报汇总", Columns: cols}
}

func (h *Handlers) callExport(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	ru, err := h.Svc.Calls.RollUp(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	num := func(s string) any {
		if s == "" {
			return nil
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
		return s
	}
	name := fmt.Sprintf("%s-%s-汇总.xlsx", ru.Call.FormName, ru.Call.Period)
	h.UI.SendXLSX(w, r, name, h.xlsxWriter(h.rollUpSchema(r, ru.Form)), func(xw *xlsx.Writer) error {
		for _, row := range ru.Rows {
			state := h.t(r, "datacall.state."+row.State)
			if row.Late {
				state += "（" + h.t(r, "datacall.late") + "）"
			} else if row.Missing {
				state += "（" + h.t(r, "datacall.missing") + "）"
			}
			vals := []any{row.UnitName, state, row.SubmittedOn}
			for _, x := range ru.Form.Fields {
				v := ""
				if row.State == datacall.Submitted {
					v = row.Values[x.Key]
				}
				if x.Type.Numeric() {
					vals = append(vals, num(v))
				} else {
					vals = append(vals, v)
				}
			}
			if err := xw.Write(vals...); err != nil {
				return err
			}
		}
		total := []any{h.t(r, "housing.total"), fmt.Sprintf("%d/%d", ru.Done, ru.Units), nil}
		for _, x := range ru.Form.Fields {
			total = append(total, num(ru.Totals[x.Key]))
		}
		return xw.Write(total...)
	})
}

func (h *Handlers) callFill(w http.ResponseWriter, r *http.Request) {
	h.callFillPage(w, r, http.StatusOK, nil)
}

func (h *Handlers) callFillPage(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	unit := r.URL.Query().Get("unit")
	if f != nil && f.Get("unit") != "" {
		unit = f.Get("unit")
	}
	if unit == "" && p.Is(auth.RoleAdmin) && p.UnitID == "" {
		h.UI.Redirect(w, r, "/datacalls/"+r.PathValue("id"), "")
		return
	}
	c, form, row, err := h.Svc.Calls.Row(r.Context(), p, r.PathValue("id"), unit)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if f == nil {
		vals := map[string]string{"unit": row.UnitID}
		src := row.Values
		if len(src) == 0 {
			src = row.Prefilled
		}
		for k, v := range src {
			vals["v_"+k] = v
		}
		f = web.EmptyForm(vals)
	}
	h.render(w, r, status, "datacall_fill", form.Name+" · "+row.UnitName, map[string]any{"Call": c, "Form": form, "Row": row,
		"Locked": row.State == datacall.Submitted}, f)
}

// valuesOf reads a unit's values from the posted form.
func valuesOf(f *web.Form, form datacall.Form) map[string]string {
	out := map[string]string{}
	for _, x := range form.Fields {
		out[x.Key] = f.Get("v_" + x.Key)
	}
	return out
}

func (h *Handlers) callSave(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := web.NewForm(r)
	id := r.PathValue("id")
	_, form, err := h.Svc.Calls.Call(r.Context(), p, id)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	submit := f.Get("submit") == "1"
	_, err = h.Svc.Calls.Fill(r.Context(), p, id, f.Get("unit"), valuesOf(f, form), submit)
	if err != nil {
		h.UI.FormFailed(w, r, f, err, invalidOrConflict, func(status int) { h.callFillPage(w, r, status, f) })
		return
	}
	if submit {
		h.UI.Redirect(w, r, "/datacalls/"+id, "datacall.submitted")
		return
	}
	to := "/datacalls/" + id + "/fill"
	if u := f.Get("unit"); u != "" && u != p.UnitID {
		to += "?unit=" + u
	}
	h.UI.Redirect(w, r, to, "datacall.saved")
}

func (h *Handlers) callRemind(w http.ResponseWriter, r *http.Request) {
	n, err := h.Svc.Calls.Remind(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	h.UI.Done(w, r, err, "/datacalls/"+r.PathValue("id"), "datacall.reminded", "N", n)
}

func (h *Handlers) callReturn(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	err := h.Svc.Calls.Return(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), f.Get("unit"), f.Get("reason"))
	h.UI.Done(w, r, err, "/datacalls/"+r.PathValue("id"), "datacall.returned")
}

func (h *Handlers) forms(w http.ResponseWriter, r *http.Request) {
	list, err := h.Svc.Calls.Forms(r.Context(), web.PrincipalFrom(r.Context()))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "datacall_forms", h.t(r, "datacall.forms"), map[string]any{"Forms": list}, nil)
}

// formRows is how many field rows the new-form page offers.
const formRows = 16

func (h *Handlers) formNew(w http.ResponseWriter, r *http.Request) {
	h.formNewPage(w, r, http.StatusOK, nil)
}

func (h *Handlers) formNewPage(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	n := formRows
	if f == nil {
		f = web.EmptyForm(nil)
	}
	rows := make([]int, n)
	for i := range rows {
		rows[i] = i + 1
	}
	h.render(w, r, status, "datacall_form_new", h.t(r, "datacall.new_form"), map[string]any{"Rows": rows, "Types": datacall.Types}, f)
}

// formOf reads a form definition from the posted rows: row i has label_i,
// key_i, type_i, unit_i and parent_i (the number of its total's row).
func formOf(f *web.Form) datacall.Form {
	out := datacall.Form{Name: f.Get("name"), Note: f.Get("note")}
	rowKey := map[string]string{}
	type pending struct {
		field  int
		parent string
	}
	var parents []pending
	for i := 1; i <= formRows; i++ {
		n := strconv.Itoa(i)
		label := strings.TrimSpace(f.Get("label_" + n))
		if label == "" {
			continue
		}
		key := strings.TrimSpace(f.Get("key_" + n))
		if key == "" {
			key = "f" + n
		}
		rowKey[n] = key
		out.Fields = append(out.Fields, datacall.Field{Key: key, Label: label, Type: datacall.FieldType(f.Get("type_" + n)), Unit: f.Get("unit_" + n)})
		if par := f.Get("parent_" + n); par != "" {
			parents = append(parents, pending{len(out.Fields) - 1, par})
		}
	}
	for _, p := range parents {
		if k, ok := rowKey[p.parent]; ok {
			out.Fields[p.field].Parent = k
		} else {
			out.Fields[p.field].Parent = "row" + p.parent // an empty row: refused as unknown
		}
	}
	return out
}

func (h *Handlers) formCreate(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	form, err := h.Svc.Calls.CreateForm(r.Context(), web.PrincipalFrom(r.Context()), formOf(f))
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) { h.formNewPage(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/datacall-forms/"+form.ID, "datacall.form_created", "Name", form.Name)
}

func (h *Handlers) formHistory(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	form, periods, err := h.Svc.Calls.History(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	labels := map[string]string{}
	for _, x := range form.Fields {
		labels[x.Key] = x.Label
	}
	h.render(w, r, http.StatusOK, "datacall_form", form.Name, map[string]any{"Form": form, "Periods": periods, "Numeric": form.Numeric(),
		"Labels": labels, "CanIssue": datacall.MayIssue(p)}, nil)
}

// --- API

// apiRollUp is a call's roll-up with its rows as a list (never null).
func (h *Handlers) apiRollUp(ctx context.Context, p *auth.Principal, id string) (datacall.RollUp, error) {
	ru, err := h.Svc.Calls.RollUp(ctx, p, id)
	if ru.Rows == nil {
		ru.Rows = []datacall.Response{}
	}
	return ru, err
}

// fillInput is the API's body for a unit's row.
type fillInput struct {
	Unit   string            `json:"unit,omitempty"`
	Values map[string]string `json:"values"`
	Submit bool              `json:"submit"`
}

func (h *Handlers) apiFill(ctx context.Context, p *auth.Principal, id string, in fillInput) (datacall.Response, error) {
	return h.Svc.Calls.Fill(ctx, p, id, in.Unit, in.Values, in.Submit)
}
