package supplies

import (
	"net/http"

	"yingji/internal/kit/errs"
	"yingji/internal/kit/web"
)

func (h *Handlers) move(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	x, err := h.Svc.Warehouse(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	f := web.NewForm(r)
	var fe errs.FieldErrors
	in := MoveInput{Kind: f.Get("kind"), StockID: f.Get("stock_id"), WarehouseID: x.ID, ItemID: f.Get("item_id"), Batch: f.Get("batch"),
		ExpiresOn: f.Get("expires_on"), Owner: f.Get("owner"), Date: f.Get("date"), Note: f.Get("note")}
	in.Quantity = intField(f, "quantity", &fe)
	err = fe.Err()
	if err == nil && in.Kind != MoveIn {
		var st Stock
		st, err = h.Svc.StockLine(r.Context(), p, in.StockID)
		if err == nil && st.WarehouseID != x.ID {
			err = errs.FieldErrors{errs.Field("stock_id", "supplies.stock_unknown", nil)}
		} else if errs.Is(err, errs.NotFound) {
			err = errs.FieldErrors{errs.Field("stock_id", "supplies.stock_unknown", nil)}
		}
	}
	if err == nil {
		_, err = h.Svc.Move(r.Context(), p, in)
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, func(err error) bool { return web.HasFieldErrors(err) || errs.Is(err, errs.Conflict) }, func(status int) {
			h.renderWarehouse(w, r, status, f)
		})
		return
	}
	h.UI.Redirect(w, r, "/warehouses/"+x.ID, "supplies.moved")
}

// ---- stock, alerts, movements

func (h *Handlers) stock(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := StockFilterOf(r.URL.Query())
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.Size, pg.Offset()
	list, total, err := h.Svc.StockLines(r.Context(), p, f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	whs, _, err := h.Svc.Warehouses(r.Context(), p, WarehouseFilter{})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	items, _, err := h.Svc.Items(r.Context(), p, ItemFilter{})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	today := h.Svc.Today()
	expiry := map[string]string{}
	var sum int64
	for _, l := range list {
		expiry[l.ID] = ExpiryState(l.ExpiresOn, today)
		sum += l.Quantity
	}
	h.page(w, r, http.StatusOK, "supplies_stock", "supplies.nav_stock", "stock", map[string]any{"Lines": list, "Pager": web.PagerOf(pg, total),
		"WarehouseList": whs, "ItemList": items, "Expiry": expiry, "Sum": sum, "ItemChosen": f.Item != ""}, nil)
}

func (h *Handlers) alerts(w http.ResponseWriter, r *http.Request) {
	list, err := h.Svc.Alerts(r.Context(), web.PrincipalFrom(r.Context()))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.page(w, r, http.StatusOK, "supplies_alerts", "supplies.nav_alerts", "stock-alerts", map[string]any{"Alerts": list}, nil)
}

func (h *Handlers) movements(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := MovementFilterOf(r.URL.Query())
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.Size, pg.Offset()
	list, total, err := h.Svc.Movements(r.Context(), p, f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	whs, _, err := h.Svc.Warehouses(r.Context(), p, WarehouseFilter{})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.page(w, r, http.StatusOK, "supplies_movements", "supplies.nav_movements", "movements", map[string]any{"Moves": list, "Pager": web.PagerOf(pg, total),
		"WarehouseList": whs}, nil)
}
