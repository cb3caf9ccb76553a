package supplies

import (
	"context"
	"embed"
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
		{Pattern: "GET /api/v1/supply-items", Out: web.PagedList[Item]{}, Roles: storeReaders, Handler: web.PagedJSON(h.UI, func(r *http.Request, pg web.Paging) ([]Item, int, error) {
			q := r.URL.Query()
			return h.Svc.Items(r.Context(), web.PrincipalFrom(r.Context()), ItemFilter{Q: q.Get("q"), Category: q.Get("category"), Limit: pg.Size, Offset: pg.Offset()})
		}), API: "物资目录（q, category, page, size） / Item catalogue"},
		{Pattern: "POST /api/v1/supply-items", In: Item{}, Out: Item{}, Roles: managers, Handler: web.BodyJSON(h.UI, http.StatusCreated, func(ctx context.Context, p *auth.Principal, in Item) (Item, error) {
			in.ID = ""
			return h.Svc.SaveItem(ctx, p, in)
		}), API: "新增物资（name, unit, category, spec, min_qty, stat_key） / Add an item"},
		{Pattern: "GET /api/v1/supply-items/{id}", Out: Item{}, Roles: storeReaders, Handler: web.GetJSON(h.UI, h.Svc.Item), API: "物资详情 / One item"},
		{Pattern: "PUT /api/v1/supply-items/{id}", In: Item{}, Out: Item{}, Roles: managers, Handler: web.BodyJSONByID(h.UI, http.StatusOK, func(ctx context.Context, p *auth.Principal, id string, in Item) (Item, error) {
			if _, err := h.Svc.Item(ctx, p, id); err != nil {
				return Item{}, err
			}
			in.ID = id
			return h.Svc.SaveItem(ctx, p, in)
		}), API: "修改物资 / Update an item"},
		{Pattern: "GET /api/v1/warehouses", Out: web.PagedList[Warehouse]{}, Roles: storeReaders, Handler: web.PagedJSON(h.UI, func(r *http.Request, pg web.Paging) ([]Warehouse, int, error) {
			q := r.URL.Query()
			return h.Svc.Warehouses(r.Context(), web.PrincipalFrom(r.Context()), WarehouseFilter{Q: q.Get("q"), Kind: q.Get("kind"), Town: q.Get("town"),
				Limit: pg.Size, Offset: pg.Offset()})
		}), API: "物资仓库（q, kind, town） / Warehouses"},
		{Pattern: "POST /api/v1/warehouses", In: Warehouse{}, Out: Warehouse{}, Roles: storeKeepers, Handler: web.BodyJSON(h.UI, http.StatusCreated, func(ctx context.Context, p *auth.Principal, in Warehouse) (Warehouse, error) {
			in.ID = ""
			return h.Svc.SaveWarehouse(ctx, p, in)
		}), API: "登记仓库（name, kind, owner_unit, town_code, lat, lng …） / Register a warehouse"},
		{Pattern: "GET /api/v1/warehouses/{id}", Out: Warehouse{}, Roles: storeReaders, Handler: web.GetJSON(h.UI, h.Svc.Warehouse), API: "仓库详情 / One warehouse"},
		{Pattern: "PUT /api/v1/warehouses/{id}", In: Warehouse{}, Out: Warehouse{}, Roles: storeKeepers, Handler: web.BodyJSONByID(h.UI, http.StatusOK, func(ctx context.Context, p *auth.Principal, id string, in Warehouse) (Warehouse, error) {
			if _, err := h.Svc.Warehouse(ctx, p, id); err != nil {
				return Warehouse{}, err
			}
			in.ID = id
			return h.Svc.SaveWarehouse(ctx, p, in)
		}), API: "修改仓库 / Update a warehouse"},
		{Pattern: "GET /api/v1/stock", Out: web.PagedList[Stock]{}, Roles: storeReaders, Handler: web.PagedJSON(h.UI, func(r *http.Request, pg web.Paging) ([]Stock, int, error) {
			f := StockFilterOf(r.URL.Query())
			f.Limit, f.Offset = pg.Size, pg.Offset()
			return h.Svc.StockLines(r.Context(), web.PrincipalFrom(r.Context()), f)
		}), API: "库存（warehouse, item, town, category, expiry=expiring|expired, nonzero=1） / Stock lines"},
		{Pattern: "GET /api/v1/stock/alerts", Out: web.ItemList[Alert]{}, Roles: readers, Handler: web.ItemsJSON(h.UI, h.Svc.Alerts), API: "库存预警（低于最低库存、临期、过期） / Stock alerts"},
		{Pattern: "GET /api/v1/stock/{id}", Out: Stock{}, Roles: storeReaders, Handler: web.GetJSON(h.UI, h.Svc.StockLine), API: "库存明细 / One stock line"},
		{Pattern: "GET /api/v1/movements", Out: web.PagedList[Movement]{}, Roles: storeReaders, Handler: web.PagedJSON(h.UI, func(r *http.Request, pg web.Paging) ([]Movement, int, error) {
			f := MovementFilterOf(r.URL.Query())
			f.Limit, f.Offset = pg.Size, pg.Offset()
			return h.Svc.Movements(r.Context(), web.PrincipalFrom(r.Context()), f)
		}), API: "出入库记录（warehouse, item, stock, kind, dispatch, from, to） / Stock ledger"},
		{Pattern: "POST /api/v1/movements", In: MoveInput{}, Out: Stock{}, Roles: storeKeepers, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.Svc.Move), API: "入库/出库/盘点（kind=in|out|count; in: warehouse_id, item_id, batch, expires_on, owner; out/count: stock_id; quantity, date, note） / Record a movement"},
		{Pattern: "GET /api/v1/dispatches", Out: web.PagedList[Dispatch]{}, Roles: readers, Handler: web.PagedJSON(h.UI, func(r *http.Request, pg web.Paging) ([]Dispatch, int, error) {
			f := DispatchFilterOf(r.URL.Query())
			f.Limit, f.Offset = pg.Size, pg.Offset()
			return h.Svc.Dispatches(r.Context(), web.PrincipalFrom(r.Context()), f)
		}), API: "调拨单（state, purpose, town, warehouse, from, to, q） / Dispatch orders"},
		{Pattern: "POST /api/v1/dispatches", In: DispatchInput{}, Out: Dispatch{}, Roles: keepers, Handler: web.BodyJSON(h.UI, http.StatusCreated, h.Svc.RequestDispatch), API: "申请调拨（from_warehouse, to_kind=town|unit, to_town, to_unit, to_warehouse, purpose, partner, reason, date, lines[{item_id, quantity}]） / Request a dispatch"},
		{Pattern: "GET /api/v1/dispatches/{id}", Out: Dispatch{}, Roles: readers, Handler: web.GetJSON(h.UI, h.Svc.GetDispatch), API: "调拨单详情 / One dispatch order"},
		{Pattern: "POST /api/v1/dispatches/{id}/approve", In: web.Empty{}, Out: Dispatch{}, Roles: approvers, Handler: web.BodyJSONByID(h.UI, http.StatusOK, func(ctx context.Context, p *auth.Principal, id string, _ web.Empty) (Dispatch, error) {
			return h.Svc.Approve(ctx, p, id)
		}), API: "审批调拨（不能由申请人审批，库存不足时拒绝） / Approve (four eyes; goods leave the warehouse)"},
		{Pattern: "POST /api/v1/dispatches/{id}/reject", In: Rejection{}, Out: Dispatch{}, Roles: approvers, Handler: web.BodyJSONByID(h.UI, http.StatusOK, func(ctx context.Context, p *auth.Principal, id string, in Rejection) (Dispatch, error) {
			return h.Svc.Reject(ctx, p, id, in.Reason)
		}), API: "不予批准（reason） / Reject"},
		{Pattern: "POST /api/v1/dispatches/{id}/receive", In: ReceiptInput{}, Out: Dispatch{}, Roles: receivers, Handler: web.BodyJSONByID(h.UI, http.StatusOK, h.Svc.Receive), API: "接收方签收（lines{line_id: 数量}, date, note；不得多于调拨数量） / Confirm receipt"},
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
