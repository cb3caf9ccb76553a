package supplies

import (
	"net/http"
	"strconv"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/web"
)

// ---- warehouses

func (h *Handlers) warehouses(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pg := web.PagingOf(r)
	list, total, err := h.Svc.Warehouses(r.Context(), web.PrincipalFrom(r.Context()), WarehouseFilter{Q: q.Get("q"), Kind: q.Get("kind"), Town: q.Get("town"),
		Limit: pg.Size, Offset: pg.Offset()})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.page(w, r, http.StatusOK, "supplies_warehouses", "supplies.nav_warehouses", "warehouses", map[string]any{"Warehouses": list, "Pager": web.PagerOf(pg, total)}, nil)
}

func whValues(x Warehouse) map[string]string {
	v := map[string]string{"name": x.Name, "kind": x.Kind, "owner_unit": x.OwnerUnit, "town_code": x.TownCode, "address": x.Address, "keeper": x.Keeper, "phone": x.Phone,
		"enterprise_id": x.EnterpriseID}
	if x.Lat != nil {
		v["lat"], v["lng"] = strconv.FormatFloat(*x.Lat, 'f', -1, 64), strconv.FormatFloat(*x.Lng, 'f', -1, 64)
	}
	return v
}

func (h *Handlers) warehouseNew(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	v := map[string]string{"kind": "county"}
	if p.Role == auth.RoleTown {
		v = map[string]string{"kind": "town", "town_code": p.RegionCode, "owner_unit": p.UnitName}
	}
	if p.Role == auth.RoleEnterprise {
		v = map[string]string{"kind": "enterprise", "enterprise_id": p.EnterpriseID, "owner_unit": p.UnitName}
	}
	h.page(w, r, http.StatusOK, "supplies_warehouse_form", "supplies.warehouse_new", "warehouses", nil, web.EmptyForm(v))
}

func (h *Handlers) warehouseEdit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	x, err := h.Svc.Warehouse(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if !CanKeep(p, x) {
		h.UI.Fail(w, r, http.StatusForbidden, "supplies.keep_forbidden")
		return
	}
	v := whValues(x)
	if x.EnterpriseID != "" && h.Svc.Enterprise != nil && p.Role != auth.RoleEnterprise {
		// Staff see (and may type) the enterprise's name, not its id.
		if _, name, _, found, err := h.Svc.Enterprise(r.Context(), x.CountyCode, x.EnterpriseID); err == nil && found {
			v["enterprise_id"] = name
		}
	}
	h.page(w, r, http.StatusOK, "supplies_warehouse_form", "supplies.warehouse_edit", "warehouses", map[string]any{"W": x}, web.EmptyForm(v))
}

func (h *Handlers) warehouseSave(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := web.NewForm(r)
	x := Warehouse{ID: r.PathValue("id"), Name: f.Get("name"), Kind: f.Get("kind"), OwnerUnit: f.Get("owner_unit"), TownCode: f.Get("town_code"),
		Address: f.Get("address"), Keeper: f.Get("keeper"), Phone: f.Get("phone"), EnterpriseID: f.Get("enterprise_id")}
	var err error
	if f.Get("lat") != "" || f.Get("lng") != "" {
		la, err1 := strconv.ParseFloat(f.Get("lat"), 64)
		lo, err2 := strconv.ParseFloat(f.Get("lng"), 64)
		if err1 != nil || err2 != nil {
			err = errs.FieldErrors{errs.Field("lat", "enterprise.latlng_invalid", nil)}
		} else {
			x.Lat, x.Lng = &la, &lo
		}
	}
	if err == nil && x.ID != "" {
		_, err = h.Svc.Warehouse(r.Context(), p, x.ID)
	}
	if err == nil {
		x, err = h.Svc.SaveWarehouse(r.Context(), p, x)
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, func(err error) bool { return web.HasFieldErrors(err) || errs.Is(err, errs.Forbidden) }, func(status int) {
			h.page(w, r, status, "supplies_warehouse_form", "supplies.warehouse_new", "warehouses", map[string]any{"W": x}, f)
		})
		return
	}
	h.UI.Redirect(w, r, "/warehouses/"+x.ID, "action.saved")
}

func (h *Handlers) warehouseShow(w http.ResponseWriter, r *http.Request) {
	h.renderWarehouse(w, r, http.StatusOK, nil)
}

func (h *Handlers) renderWarehouse(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	x, err := h.Svc.Warehouse(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	lines, _, err := h.Svc.StockLines(r.Context(), p, StockFilter{Warehouse: x.ID})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	moves, _, err := h.Svc.Movements(r.Context(), p, MovementFilter{Warehouse: x.ID, Limit: 20})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	items, _, err := h.Svc.Items(r.Context(), p, ItemFilter{})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if f == nil {
		f = web.EmptyForm(map[string]string{"kind": MoveIn, "date": h.Svc.Today()})
	}
	today := h.Svc.Today()
	expiry := map[string]string{}
	for _, l := range lines {
		expiry[l.ID] = ExpiryState(l.ExpiresOn, today)
	}
	if x.EnterpriseID != "" && h.Svc.Enterprise != nil {
		if _, name, _, found, err := h.Svc.Enterprise(r.Context(), x.CountyCode, x.EnterpriseID); err == nil && found {
			x.EnterpriseName = name
		}
	}
	h.page(w, r, status, "supplies_warehouse", "supplies.warehouse", "warehouses", map[string]any{"W": x, "Lines": lines, "Moves": moves, "ItemList": items,
		"CanKeep": CanKeep(p, x), "Expiry": expiry}, f)
}
