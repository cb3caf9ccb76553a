package supplies

import (
	"io"
	"net/http"
	"strconv"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/web"
)

// ---- dispatches

func (h *Handlers) dispatches(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := DispatchFilterOf(r.URL.Query())
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.Size, pg.Offset()
	list, total, err := h.Svc.Dispatches(r.Context(), p, f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	var sum int64
	for _, d := range list {
		sum += d.Total()
	}
	h.page(w, r, http.StatusOK, "supplies_dispatches", "supplies.nav_dispatches", "dispatches", map[string]any{"Dispatches": list, "Pager": web.PagerOf(pg, total),
		"Sum": sum}, nil)
}

// formLines is how many item rows the order form offers.
const formLines = 6

func (h *Handlers) dispatchForm(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	whs, _, err := h.Svc.Warehouses(r.Context(), p, WarehouseFilter{})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	var from []Warehouse
	for _, x := range whs {
		if CanKeep(p, x) {
			from = append(from, x)
		}
	}
	all, _, err := h.Svc.Warehouses(r.Context(), &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}, WarehouseFilter{Kind: "town"})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	items, _, err := h.Svc.Items(r.Context(), p, ItemFilter{})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	var rows []int
	for i := 1; i <= formLines; i++ {
		rows = append(rows, i)
	}
	h.page(w, r, status, "supplies_dispatch_form", "supplies.dispatch_new", "dispatches", map[string]any{"From": from, "TownWarehouses": all, "ItemList": items,
		"Rows": rows}, f)
}

func (h *Handlers) dispatchNew(w http.ResponseWriter, r *http.Request) {
	v := map[string]string{"to_kind": ToTown, "purpose": "relief", "date": h.Svc.Today()}
	if q := r.URL.Query().Get("from"); q != "" {
		v["from_warehouse"] = q
	}
	h.dispatchForm(w, r, http.StatusOK, web.EmptyForm(v))
}

func (h *Handlers) dispatchCreate(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	in := DispatchInput{FromWarehouse: f.Get("from_warehouse"), ToKind: f.Get("to_kind"), ToTown: f.Get("to_town"), ToUnit: f.Get("to_unit"),
		ToWarehouse: f.Get("to_warehouse"), Purpose: f.Get("purpose"), Partner: f.Get("partner"), Reason: f.Get("reason"), Date: f.Get("date")}
	var fe errs.FieldErrors
	for i := 1; i <= formLines; i++ {
		k := strconv.Itoa(i)
		in.Lines = append(in.Lines, LineInput{ItemID: f.Get("item_" + k), Quantity: intField(f, "qty_"+k, &fe)})
	}
	err := fe.Err()
	var d Dispatch
	if err == nil {
		d, err = h.Svc.RequestDispatch(r.Context(), web.PrincipalFrom(r.Context()), in)
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, func(err error) bool { return web.HasFieldErrors(err) || errs.Is(err, errs.Forbidden) }, func(status int) {
			h.dispatchForm(w, r, status, f)
		})
		return
	}
	h.UI.Redirect(w, r, "/dispatches/"+d.ID, "supplies.dispatch_requested", "Number", d.Number)
}

func (h *Handlers) dispatchShow(w http.ResponseWriter, r *http.Request) {
	h.renderDispatch(w, r, http.StatusOK, nil)
}

func (h *Handlers) renderDispatch(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	d, err := h.Svc.GetDispatch(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	moves, _, err := h.Svc.Movements(r.Context(), p, MovementFilter{Dispatch: d.ID})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if f == nil {
		v := map[string]string{"date": h.Svc.Today()}
		for _, l := range d.Lines {
			v["got_"+l.ID] = strconv.FormatInt(l.Quantity, 10)
		}
		f = web.EmptyForm(v)
	}
	h.page(w, r, status, "supplies_dispatch", "supplies.dispatch", "dispatches", map[string]any{"D": d, "Moves": moves,
		"CanApprove": d.State == StateRequested && CanApproveRole(p) && d.RequestedBy != p.UserID,
		"OwnRequest": d.State == StateRequested && d.RequestedBy == p.UserID,
		"CanReceive": d.State == StateDispatched && CanReceive(p, d)}, f)
}

func (h *Handlers) approve(w http.ResponseWriter, r *http.Request) {
	d, err := h.Svc.Approve(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		f := web.NewForm(r)
		h.UI.FormFailed(w, r, f, err, func(err error) bool { return errs.Is(err, errs.Conflict) }, func(status int) { h.renderDispatch(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/dispatches/"+d.ID, "supplies.dispatch_approved", "Number", d.Number)
}

func (h *Handlers) reject(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	d, err := h.Svc.Reject(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), f.Get("reason"))
	if err != nil {
		h.UI.FormFailed(w, r, f, err, func(err error) bool { return web.HasFieldErrors(err) || errs.Is(err, errs.Conflict) }, func(status int) {
			h.renderDispatch(w, r, status, f)
		})
		return
	}
	h.UI.Redirect(w, r, "/dispatches/"+d.ID, "supplies.dispatch_rejected", "Number", d.Number)
}

func (h *Handlers) receive(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := web.NewForm(r)
	d, err := h.Svc.GetDispatch(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	in := ReceiptInput{Lines: map[string]int64{}, Date: f.Get("date"), Note: f.Get("note")}
	var fe errs.FieldErrors
	for _, l := range d.Lines {
		if f.Get("got_"+l.ID) != "" {
			in.Lines[l.ID] = intField(f, "got_"+l.ID, &fe)
		}
	}
	err = fe.Err()
	if err == nil {
		d, err = h.Svc.Receive(r.Context(), p, d.ID, in)
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, func(err error) bool { return web.HasFieldErrors(err) || errs.Is(err, errs.Conflict) }, func(status int) {
			h.renderDispatch(w, r, status, f)
		})
		return
	}
	h.UI.Redirect(w, r, "/dispatches/"+d.ID, "supplies.dispatch_received", "Number", d.Number)
}

func (h *Handlers) dispatchPDF(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	d, err := h.Svc.GetDispatch(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	county := ""
	if h.CountyName != nil {
		county = h.CountyName(r.Context(), p.CountyCode)
	}
	h.UI.SendPDF(w, r, "调拨单-"+d.Number+".pdf", func(out io.Writer) error { return h.Svc.RenderDispatch(r.Context(), out, county, d) })
}
