package supplies

import (
	"context"
	"embed"
	"io"
	"net/http"
	"strconv"
	"strings"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/org"
	"yingji/internal/kit/web"
)

// Templates and Locales of the supplies pages.
//
//go:embed templates/*.html
var Templates embed.FS

//go:embed locales/*.json
var Locales embed.FS

// Handlers serve the supplies pages and API.
type Handlers struct {
	UI  *web.UI
	Svc *Service
	Org *org.Service
	// CountyName names the county for printed orders ("示例县").
	CountyName func(ctx context.Context, county string) string
}

var (
	readers   = []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection, auth.RoleEnforcer, auth.RoleDuty, auth.RoleTown, auth.RoleDepartment, auth.RoleReadOnly}
	managers  = []auth.Role{auth.RoleAdmin, auth.RoleSection}
	keepers   = []auth.Role{auth.RoleAdmin, auth.RoleSection, auth.RoleTown}
	approvers = []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSection}
	receivers = []auth.Role{auth.RoleAdmin, auth.RoleSection, auth.RoleTown}
	// Enterprise accounts keep their own enterprise store (企业储备) and
	// its stock; they read the catalogue to stock it. Never dispatches.
	storeReaders = append(append([]auth.Role{}, readers...), auth.RoleEnterprise)
	storeKeepers = append(append([]auth.Role{}, keepers...), auth.RoleEnterprise)
)

// Routes declares the supplies routes. Everyone of the county's staff
// reads (town staff their town's warehouses and orders); administrators
// and section staff keep the catalogue; they and town staff keep
// warehouses and stock and request orders; administrators, leaders and
// section staff approve; the receiving town confirms receipt.
func (h *Handlers) Routes() web.Routes {
	return web.Routes{
		{Pattern: "GET /supply-items", Roles: storeReaders, Handler: h.items},
		{Pattern: "GET /supply-items/new", Roles: managers, Handler: h.itemNew},
		{Pattern: "POST /supply-items", Roles: managers, Handler: h.itemSave},
		{Pattern: "GET /supply-items/{id}/edit", Roles: managers, Handler: h.itemEdit},
		{Pattern: "POST /supply-items/{id}", Roles: managers, Handler: h.itemSave},
		{Pattern: "GET /supply-items/export", Roles: readers},
		{Pattern: "GET /supply-items/template", Roles: managers},
		{Pattern: "GET /supply-items/import", Roles: managers},
		{Pattern: "POST /supply-items/import", Roles: managers},
		{Pattern: "GET /warehouses", Roles: storeReaders, Handler: h.warehouses},
		{Pattern: "GET /warehouses/new", Roles: storeKeepers, Handler: h.warehouseNew},
		{Pattern: "POST /warehouses", Roles: storeKeepers, Handler: h.warehouseSave},
		{Pattern: "GET /warehouses/{id}", Roles: storeReaders, Handler: h.warehouseShow},
		{Pattern: "GET /warehouses/{id}/edit", Roles: storeKeepers, Handler: h.warehouseEdit},
		{Pattern: "POST /warehouses/{id}", Roles: storeKeepers, Handler: h.warehouseSave},
		{Pattern: "POST /warehouses/{id}/move", Roles: storeKeepers, Handler: h.move},
		{Pattern: "GET /warehouses/export", Roles: storeReaders},
		{Pattern: "GET /warehouses/template", Roles: keepers},
		{Pattern: "GET /warehouses/import", Roles: keepers},
		{Pattern: "POST /warehouses/import", Roles: keepers},
		{Pattern: "GET /stock", Roles: storeReaders, Handler: h.stock},
		{Pattern: "GET /stock/alerts", Roles: readers, Handler: h.alerts},
		{Pattern: "GET /stock/export", Roles: storeReaders},
		{Pattern: "GET /stock/template", Roles: keepers},
		{Pattern: "GET /stock/import", Roles: keepers},
		{Pattern: "POST /stock/import", Roles: keepers},
		{Pattern: "GET /movements", Roles: storeReaders, Handler: h.movements},
		{Pattern: "GET /movements/export", Roles: storeReaders},
		{Pattern: "GET /dispatches", Roles: readers, Handler: h.dispatches},
		{Pattern: "GET /dispatches/new", Roles: keepers, Handler: h.dispatchNew},
		{Pattern: "POST /dispatches", Roles: keepers, Handler: h.dispatchCreate},
		{Pattern: "GET /dispatches/{id}", Roles: readers, Handler: h.dispatchShow},
		{Pattern: "GET /dispatches/{id}/pdf", Roles: readers, Handler: h.dispatchPDF},
		{Pattern: "POST /dispatches/{id}/approve", Roles: approvers, Handler: h.approve},
		{Pattern: "POST /dispatches/{id}/reject", Roles: approvers, Handler: h.reject},
		{Pattern: "POST /dispatches/{id}/receive", Roles: receivers, Handler: h.receive},
		{Pattern: "GET /dispatches/export", Roles: readers},
		{Pattern: "GET /api/v1/supply-items", Roles: storeReaders, Handler: web.PagedJSON(h.UI, func(r *http.Request, pg web.Paging) ([]Item, int, error) {
			q := r.URL.Query()
			return h.Svc.Items(r.Context(), web.PrincipalFrom(r.Context()), ItemFilter{Q: q.Get("q"), Category: q.Get("category"), Limit: pg.Size, Offset: pg.Offset()})
		}), API: "物资目录（q, category, page, size） / Item catalogue"},
		{Pattern: "POST /api/v1/supply-items", Roles: managers, Handler: web.BodyJSON(h.UI, http.StatusCreated, func(ctx context.Context, p *auth.Principal, in Item) (Item, error) {
			in.ID = ""
			return h.Svc.SaveItem(ctx, p, in)
		}), API: "新增物资（name, unit, category, spec, min_qty, stat_key） / Add an item"},
		{Pattern: "GET /api/v1/supply-items/{id}", Roles: storeReaders, Handler: web.GetJSON(h.UI, h.Svc.Item), API: "物资详情 / One item"},
		{Pattern: "PUT /api/v1/supply-items/{id}", Roles: managers, Handler: web.BodyJSONByID(h.UI, http.StatusOK, func(ctx context.Context, p *auth.Principal, id string, in Item) (Item, error) {
			if _, err := h.Svc.Item(ctx, p, id); err != nil {
				return Item{}, err
			}
			in.ID = id
			return h.Svc.SaveItem(ctx, p, in)
		}), API: "修改物资 / Update an item"},
		{Pattern: "GET /api/v1/warehouses", Roles: storeReaders, Handler: web.PagedJSON(h.UI, func(r *http.Request, pg web.Paging) ([]Warehouse, int, error) {
			q := r.URL.Query()
			return h.Svc.Warehouses(r.Context(), web.PrincipalFrom(r.Context()), WarehouseFilter{Q: q.Get("q"), Kind: q.Get("kind"), Town: q.Get("town"),
				Limit: pg.Size, Offset: pg.Offset()})
		}), API: "物资仓库（q, kind, town） / Warehouses"},
		{Pattern: "POST /api/v1/warehouses", Roles: storeKeepers, Handler: web.BodyJSON(h.UI, http.StatusCreated, func(ctx context.Context, p *auth.Principal, in Warehouse) (Warehouse, error) {
			in.ID = ""
			return h.Svc.SaveWarehouse(ctx, p, in)
		}), API: "登记仓库（name, kind, owner_unit, town_code, lat, lng …） / Register a warehouse"},
		{Pattern: "GET /api/v1/warehouses/{id}", Roles: storeReaders, Handler: web.GetJSON(h.UI, h.Svc.Warehouse), API: "仓库详情 / One warehouse"},
		{Pattern: "PUT /api/v1/warehouses/{id}", Roles: storeKeepers, Handler: web.BodyJSONByID(h.UI, http.StatusOK, func(ctx context.Context, p *auth.Principal, id string, in Warehouse) (Warehouse, error) {
			if _, err := h.Svc.Warehouse(ctx, p, id); err != nil {
				return Warehouse{}, err
			}
			in.ID = id
			return h.Svc.SaveWarehouse(ctx, p, in)
		}), API: "修改仓库 / Update a warehouse"},
		{Pattern: "GET /api/v1/stock", Roles: storeReaders, Handler: web.PagedJSON(h.UI, func(r *http.Request, pg web.Paging) ([]Stock, int, error) {
			f := StockFilterOf(r.URL.Query())
			f.Limit, f.Offset = pg.Size, pg.Offset()
			return h.Svc.StockLines(r.Context(), web.PrincipalFrom(r.Context()), f)
		}), API: "库存（warehouse, item, town, category, expiry=expiring|expired, nonzero=1） / Stock lines"},
		{Pattern: "GET /api/v1/stock/alerts", Roles: readers, Handler: web.ItemsJSON(h.UI, h.Svc.Alerts), API: "库存预警（低于最低库存、临期、过期） / Stock alerts"},
		{Pattern: "GET /api/v1/stock/{id}", Roles: storeReaders, Handler: web.GetJSON(h.UI, h.Svc.StockLine), API: "库存明细 / One stock line"},
		{Pattern: "GET /api/v1/movements", Roles: storeReaders, Handler: web.PagedJSON(h.UI, func(r *http.Request, pg web.Paging) ([]Movement, int, error) {
			f := MovementFilterOf(r.URL.Query())
			f.Limit, f.Offset = pg.Size, pg.Offset()
			return h.Svc.Movements(r.Context(), web.PrincipalFrom(r.Context()), f)
		}), API: "出入库记录（warehouse, item, stock, kind, dispatch, from, to） / Stock ledger"},
		{Pattern: "POST /api/v1/movements", Roles: storeKeepers, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.Svc.Move), API: "入库/出库/盘点（kind=in|out|count; in: warehouse_id, item_id, batch, expires_on, owner; out/count: stock_id; quantity, date, note） / Record a movement"},
		{Pattern: "GET /api/v1/dispatches", Roles: readers, Handler: web.PagedJSON(h.UI, func(r *http.Request, pg web.Paging) ([]Dispatch, int, error) {
			f := DispatchFilterOf(r.URL.Query())
			f.Limit, f.Offset = pg.Size, pg.Offset()
			return h.Svc.Dispatches(r.Context(), web.PrincipalFrom(r.Context()), f)
		}), API: "调拨单（state, purpose, town, warehouse, from, to, q） / Dispatch orders"},
		{Pattern: "POST /api/v1/dispatches", Roles: keepers, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.Svc.RequestDispatch), API: "申请调拨（from_warehouse, to_kind=town|unit, to_town, to_unit, to_warehouse, purpose, partner, reason, date, lines[{item_id, quantity}]） / Request a dispatch"},
		{Pattern: "GET /api/v1/dispatches/{id}", Roles: readers, Handler: web.GetJSON(h.UI, h.Svc.GetDispatch), API: "调拨单详情 / One dispatch order"},
		{Pattern: "POST /api/v1/dispatches/{id}/approve", Roles: approvers, Handler: web.BodyJSONByID(h.UI, http.StatusOK, func(ctx context.Context, p *auth.Principal, id string, _ struct{}) (Dispatch, error) {
			return h.Svc.Approve(ctx, p, id)
		}), API: "审批调拨（不能由申请人审批，库存不足时拒绝） / Approve (four eyes; goods leave the warehouse)"},
		{Pattern: "POST /api/v1/dispatches/{id}/reject", Roles: approvers, Handler: web.BodyJSONByID(h.UI, http.StatusOK, func(ctx context.Context, p *auth.Principal, id string, in struct {
			Reason string `json:"reason"`
		}) (Dispatch, error) {
			return h.Svc.Reject(ctx, p, id, in.Reason)
		}), API: "不予批准（reason） / Reject"},
		{Pattern: "POST /api/v1/dispatches/{id}/receive", Roles: receivers, Handler: web.BodyJSONByID(h.UI, http.StatusOK, h.Svc.Receive), API: "接收方签收（lines{line_id: 数量}, date, note；不得多于调拨数量） / Confirm receipt"},
	}
}

// towns returns the county's towns (for selects) and their names by code.
func (h *Handlers) towns(r *http.Request) ([]org.Region, map[string]string, error) {
	p := web.PrincipalFrom(r.Context())
	list, err := h.Org.ListRegions(r.Context(), &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		return nil, nil, err
	}
	names := map[string]string{}
	for _, t := range list {
		names[t.Code] = t.Name
	}
	return list, names, nil
}

// base is the data every page gets: code lists and town names.
func (h *Handlers) base(r *http.Request) (map[string]any, error) {
	towns, names, err := h.towns(r)
	if err != nil {
		return nil, err
	}
	p := web.PrincipalFrom(r.Context())
	if p.Role == auth.RoleTown {
		var mine []org.Region
		for _, t := range towns {
			if strings.HasPrefix(t.Code, p.RegionCode) {
				mine = append(mine, t)
			}
		}
		return map[string]any{"Towns": mine, "AllTowns": towns, "TownNames": names, "Categories": Categories, "Kinds": WarehouseKinds,
			"MoveKinds": MoveKinds, "Purposes": Purposes, "States": States}, nil
	}
	return map[string]any{"Towns": towns, "AllTowns": towns, "TownNames": names, "Categories": Categories, "Kinds": WarehouseKinds,
		"MoveKinds": MoveKinds, "Purposes": Purposes, "States": States}, nil
}

func (h *Handlers) page(w http.ResponseWriter, r *http.Request, status int, name, title, active string, data map[string]any, f *web.Form) {
	base, err := h.base(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	for k, v := range data {
		base[k] = v
	}
	h.UI.Show(w, r, status, name, title, active, base, f)
}

func intField(f *web.Form, key string, fe *errs.FieldErrors) int64 {
	v := strings.TrimSpace(f.Get(key))
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		*fe = append(*fe, errs.Field(key, "supplies.qty_integer", nil))
	}
	return n
}

// ---- items

func (h *Handlers) items(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pg := web.PagingOf(r)
	list, total, err := h.Svc.Items(r.Context(), web.PrincipalFrom(r.Context()), ItemFilter{Q: q.Get("q"), Category: q.Get("category"), Limit: pg.Size, Offset: pg.Offset()})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.page(w, r, http.StatusOK, "supplies_items", "supplies.nav_items", "supply-items", map[string]any{"Items": list, "Pager": web.PagerOf(pg, total)}, nil)
}

func itemValues(it Item) map[string]string {
	return map[string]string{"name": it.Name, "unit": it.Unit, "category": it.Category, "spec": it.Spec, "min_qty": strconv.FormatInt(it.MinQty, 10), "stat_key": it.StatKey}
}

func (h *Handlers) itemNew(w http.ResponseWriter, r *http.Request) {
	h.page(w, r, http.StatusOK, "supplies_item_form", "supplies.item_new", "supply-items", nil, web.EmptyForm(map[string]string{"category": "clothing"}))
}

func (h *Handlers) itemEdit(w http.ResponseWriter, r *http.Request) {
	it, err := h.Svc.Item(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.page(w, r, http.StatusOK, "supplies_item_form", "supplies.item_edit", "supply-items", map[string]any{"Item": it}, web.EmptyForm(itemValues(it)))
}

func (h *Handlers) itemSave(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := web.NewForm(r)
	var fe errs.FieldErrors
	it := Item{ID: r.PathValue("id"), Name: f.Get("name"), Unit: f.Get("unit"), Category: f.Get("category"), Spec: f.Get("spec"), StatKey: f.Get("stat_key")}
	it.MinQty = intField(f, "min_qty", &fe)
	err := fe.Err()
	if err == nil && it.ID != "" {
		_, err = h.Svc.Item(r.Context(), p, it.ID)
	}
	if err == nil {
		it, err = h.Svc.SaveItem(r.Context(), p, it)
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.HasFieldErrors, func(status int) {
			h.page(w, r, status, "supplies_item_form", "supplies.item_new", "supply-items", map[string]any{"Item": it}, f)
		})
		return
	}
	h.UI.Redirect(w, r, "/supply-items", "action.saved")
}

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
