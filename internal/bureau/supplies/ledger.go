package supplies

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/calendar"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/store"
	"yingji/internal/kit/xlsx"
)

// townNames returns the county's town code → name (empty without a
// lookup).
func (s *Service) townNames(ctx context.Context, county string) map[string]string {
	if s.Towns == nil {
		return map[string]string{}
	}
	m, err := s.Towns(ctx, county)
	if err != nil || m == nil {
		return map[string]string{}
	}
	return m
}

// townCode finds a town of the county by name or code ("" when none).
func townCode(towns map[string]string, v string) string {
	v = strings.TrimSpace(v)
	for code, name := range towns {
		if v == code || v == name {
			return code
		}
	}
	return ""
}

// Ledgers are the Excel registers of supplies: the catalogue, the
// warehouses and the stock (importable), the movements and the dispatch
// lines (export only).
func (s *Service) Ledgers() []*ledger.Ledger {
	return []*ledger.Ledger{s.itemLedger(), s.warehouseLedger(), s.stockLedger(), s.movementLedger(), s.dispatchLedger()}
}

// cellReason renders a rule's field error in Chinese for the error report.
func cellReason(fe *errs.Error) string {
	switch fe.Message {
	case "field.required":
		return "必填项为空"
	case "supplies.category_invalid":
		return "物资类别应为：" + strings.Join(Categories.ZHLabels(), "、")
	case "supplies.kind_invalid":
		return "仓库类型应为：" + strings.Join(WarehouseKinds.ZHLabels(), "、")
	case "supplies.town_required":
		return "乡镇储备点须填写所在乡镇"
	case "supplies.latlng_outside":
		return "坐标不在本县范围内"
	case "enterprise.latlng_pair":
		return "经度和纬度须同时填写"
	case "enterprise.latlng_invalid":
		return "经纬度超出有效范围"
	case "supplies.qty_negative":
		return "数量不能小于 0"
	case "supplies.qty_positive":
		return "数量应为大于 0 的整数"
	case "supplies.date_invalid":
		return "日期无效，应写作 2022-01-26"
	case "supplies.date_future":
		return "日期不能晚于今天"
	case "supplies.stat_key_invalid":
		return "统计口径只能用小写英文字母和下划线"
	case "supplies.too_long":
		return fmt.Sprintf("不能超过 %d 个字", maxText)
	}
	return "取值无效"
}

func fieldErrors(err error, keyOf map[string]string) []xlsx.CellError {
	var out []xlsx.CellError
	for _, fe := range errs.Fields(err) {
		key := keyOf[fe.Field]
		if key == "" {
			key = fe.Field
		}
		out = append(out, xlsx.CellError{Key: key, Reason: cellReason(fe)})
	}
	return out
}

func intCell(v string) (int64, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, true
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && f == float64(int64(f)) {
		return int64(f), true
	}
	return 0, false
}

// ---- items

// ItemSchema is the catalogue's layout (物资目录).
func ItemSchema() xlsx.Schema {
	return xlsx.Schema{Name: "物资目录", Columns: []xlsx.Column{
		{Key: "name", Header: "物资名称", HeaderEN: "Item", Required: true, Width: 20, Example: "棉被"},
		{Key: "unit", Header: "计量单位", HeaderEN: "Unit", Required: true, Example: "床"},
		{Key: "category", Header: "物资类别", HeaderEN: "Category", Required: true, Options: Categories.ZHLabels(), Example: "衣被"},
		{Key: "spec", Header: "规格型号", HeaderEN: "Specification", Width: 20, Example: "2.0×2.3米，4斤"},
		{Key: "min_qty", Header: "最低库存", HeaderEN: "Minimum stock", Example: "200", Help: "每个仓库的最低库存，低于时提醒；不填为不提醒"},
		{Key: "stat_key", Header: "统计口径", HeaderEN: "Report key", Example: "quilts", Help: "统计报告中的口径（如 quilts 棉被、coats 棉大衣），可不填"},
	}}
}

func (s *Service) itemLedger() *ledger.Ledger {
	return &ledger.Ledger{Kind: "supply-items", Title: "supplies.nav_items", Schema: ItemSchema(),
		Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			list, _, err := s.Items(ctx, p, ItemFilter{Q: q.Get("q"), Category: q.Get("category")})
			if err != nil {
				return err
			}
			for _, it := range list {
				if err := w.Write(it.Name, it.Unit, CategoryLabel(it.Category, "zh"), it.Spec, it.MinQty, it.StatKey); err != nil {
					return err
				}
			}
			return nil
		},
		NewImport: func(ctx context.Context, p *auth.Principal, _ string) (ledger.Import, error) {
			if !CanManage(p) {
				return nil, errs.New(errs.Forbidden, "forbidden")
			}
			existing, _, err := s.Items(ctx, p, ItemFilter{})
			if err != nil {
				return nil, err
			}
			im := &itemImport{s: s, p: p, byName: map[string]Item{}, seen: map[string]int{}}
			for _, it := range existing {
				im.byName[it.Name] = it
			}
			return im, nil
		}}
}

type itemImport struct {
	s      *Service
	p      *auth.Principal
	byName map[string]Item
	seen   map[string]int
	kept   ledger.Kept[Item]
}

// Check replays a row through ValidateItem; a name already in the
// catalogue updates that item.
func (im *itemImport) Check(_ context.Context, row xlsx.Row) []xlsx.CellError {
	v := row.Values
	it := Item{Name: v["name"], Unit: v["unit"], Category: v["category"], Spec: v["spec"], StatKey: v["stat_key"]}
	var out []xlsx.CellError
	n, ok := intCell(v["min_qty"])
	if !ok {
		out = append(out, xlsx.CellError{Key: "min_qty", Reason: "最低库存应为整数"})
	}
	it.MinQty = n
	out = append(out, fieldErrors(ValidateItem(&it), nil)...)
	if first, dup := im.seen[it.Name]; dup && it.Name != "" {
		out = append(out, xlsx.CellError{Key: "name", Reason: fmt.Sprintf("与第 %d 行重复", first)})
	}
	im.seen[it.Name] = row.Num
	if old, ok := im.byName[it.Name]; ok {
		it.ID = old.ID
	}
	if len(out) == 0 && len(row.Errors) == 0 {
		im.kept.Add(row.Num, it)
	}
	return out
}

func (im *itemImport) Commit(ctx context.Context, progress func(done, total int64)) (int, error) {
	return im.kept.Commit(ctx, im.s.db, progress, func(tx *store.Tx, it Item) error {
		_, err := im.s.SaveItemTx(ctx, tx, im.p, it)
		return err
	})
}

// ---- warehouses

// WarehouseSchema is the warehouses' layout (仓库台账).
func WarehouseSchema() xlsx.Schema {
	return xlsx.Schema{Name: "物资仓库", Columns: []xlsx.Column{
		{Key: "name", Header: "仓库名称", HeaderEN: "Warehouse", Required: true, Width: 26, Example: "籍山镇救灾物资储备点"},
		{Key: "kind", Header: "仓库类型", HeaderEN: "Kind", Required: true, Options: WarehouseKinds.ZHLabels(), Width: 12, Example: "乡镇储备点"},
		{Key: "owner_unit", Header: "管理单位", HeaderEN: "Owner unit", Required: true, Width: 20, Example: "籍山镇人民政府"},
		{Key: "town", Header: "所在乡镇", HeaderEN: "Town", Example: "籍山镇", Help: "乡镇储备点必填"},
		{Key: "address", Header: "地址", HeaderEN: "Address", Width: 26},
		{Key: "lng", Header: "经度", HeaderEN: "Longitude", Example: "118.33", Help: "小数度，须在本县范围内"},
		{Key: "lat", Header: "纬度", HeaderEN: "Latitude", Example: "30.92"},
		{Key: "keeper", Header: "仓库管理员", HeaderEN: "Keeper"},
		{Key: "phone", Header: "联系电话", HeaderEN: "Phone"},
		{Key: "enterprise", Header: "所属企业", HeaderEN: "Enterprise", Width: 26, Help: "企业储备填写企业全称或统一社会信用代码"},
	}}
}

func (s *Service) warehouseLedger() *ledger.Ledger {
	return &ledger.Ledger{Kind: "warehouses", Title: "supplies.nav_warehouses", Schema: WarehouseSchema(),
		Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			list, _, err := s.Warehouses(ctx, p, WarehouseFilter{Q: q.Get("q"), Kind: q.Get("kind"), Town: q.Get("town")})
			if err != nil {
				return err
			}
			towns := s.townNames(ctx, p.CountyCode)
			ents := map[string]string{}
			for _, x := range list {
				if x.EnterpriseID != "" && s.Enterprise != nil {
					if _, ok := ents[x.EnterpriseID]; !ok {
						_, name, _, _, err := s.Enterprise(ctx, p.CountyCode, x.EnterpriseID)
						if err != nil {
							return err
						}
						ents[x.EnterpriseID] = name
					}
				}
				if err := w.Write(x.Name, WarehouseKindLabel(x.Kind, "zh"), x.OwnerUnit, towns[x.TownCode], x.Address, numOrNil(x.Lng), numOrNil(x.Lat),
					x.Keeper, x.Phone, ents[x.EnterpriseID]); err != nil {
					return err
				}
			}
			return nil
		},
		NewImport: func(ctx context.Context, p *auth.Principal, _ string) (ledger.Import, error) {
			if !p.Is(auth.RoleAdmin, auth.RoleSection, auth.RoleTown) {
				return nil, errs.New(errs.Forbidden, "forbidden")
			}
			existing, _, err := s.Warehouses(ctx, &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}, WarehouseFilter{})
			if err != nil {
				return nil, err
			}
			im := &whImport{s: s, p: p, towns: s.townNames(ctx, p.CountyCode), byName: map[string]Warehouse{}, seen: map[string]int{}}
			for _, x := range existing {
				im.byName[x.Name] = x
			}
			return im, nil
		}}
}

func numOrNil(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

// enterprise resolves an enterprise of the importer's county (found false
// when the service has no enterprise hook).
func (im *whImport) enterprise(ctx context.Context, ref string) (id, name, town string, found bool, err error) {
	if im.s.Enterprise == nil {
		return "", "", "", false, nil
	}
	return im.s.Enterprise(ctx, im.p.CountyCode, ref)
}

type whImport struct {
	s      *Service
	p      *auth.Principal
	towns  map[string]string
	byName map[string]Warehouse
	seen   map[string]int
	kept   ledger.Kept[Warehouse]
}

// Check replays a row through ValidateWarehouse and the keeping rule; a
// name already registered updates that warehouse.
func (im *whImport) Check(ctx context.Context, row xlsx.Row) []xlsx.CellError {
	v := row.Values
	x := Warehouse{Name: v["name"], Kind: v["kind"], OwnerUnit: v["owner_unit"], Address: v["address"], Keeper: v["keeper"], Phone: v["phone"],
		CountyCode: im.p.CountyCode}
	var out []xlsx.CellError
	if e := strings.TrimSpace(v["enterprise"]); e != "" {
		// The enterprise by name or credit code, as the form takes it.
		id, _, town, found, err := im.enterprise(ctx, e)
		switch {
		case err != nil:
			out = append(out, xlsx.CellError{Key: "enterprise", Reason: err.Error()})
		case !found:
			out = append(out, xlsx.CellError{Key: "enterprise", Reason: "本县没有该企业（请填写企业全称或统一社会信用代码）：" + e})
		default:
			x.EnterpriseID = id
			if v["town"] == "" {
				x.TownCode = town
			}
		}
	}
	if t := v["town"]; t != "" {
		if x.TownCode = townCode(im.towns, t); x.TownCode == "" {
			out = append(out, xlsx.CellError{Key: "town", Reason: "本县没有该乡镇：" + t})
		}
	} else if im.p.Role == auth.RoleTown {
		x.TownCode = im.p.RegionCode
	}
	if v["lat"] != "" || v["lng"] != "" {
		la, err1 := strconv.ParseFloat(v["lat"], 64)
		lo, err2 := strconv.ParseFloat(v["lng"], 64)
		switch {
		case err1 != nil:
			out = append(out, xlsx.CellError{Key: "lat", Reason: "纬度应为数字"})
		case err2 != nil:
			out = append(out, xlsx.CellError{Key: "lng", Reason: "经度应为数字"})
		default:
			x.Lat, x.Lng = &la, &lo
		}
	}
	out = append(out, fieldErrors(ValidateWarehouse(&x, im.s.inside()), map[string]string{"town_code": "town", "enterprise_id": "enterprise"})...)
	if first, dup := im.seen[x.Name]; dup && x.Name != "" {
		out = append(out, xlsx.CellError{Key: "name", Reason: fmt.Sprintf("与第 %d 行重复", first)})
	}
	im.seen[x.Name] = row.Num
	if old, ok := im.byName[x.Name]; ok {
		x.ID = old.ID
		if !CanKeep(im.p, old) {
			out = append(out, xlsx.CellError{Key: "name", Reason: "该仓库不在您的管理范围内"})
		}
	}
	if len(out) == 0 && x.Kind != "" && !CanKeep(im.p, x) {
		out = append(out, xlsx.CellError{Key: "town", Reason: "只能登记本乡镇的仓库"})
	}
	if len(out) == 0 && len(row.Errors) == 0 {
		im.kept.Add(row.Num, x)
	}
	return out
}

func (im *whImport) Commit(ctx context.Context, progress func(done, total int64)) (int, error) {
	return im.kept.Commit(ctx, im.s.db, progress, func(tx *store.Tx, x Warehouse) error {
		_, err := im.s.SaveWarehouseTx(ctx, tx, im.p, x)
		return err
	})
}

// ---- stock

// StockSchema is the stock lines' layout (库存台账). Imported rows are
// receipts (入库) through the same rule as the form.
func StockSchema() xlsx.Schema {
	return xlsx.Schema{Name: "物资库存", Columns: []xlsx.Column{
		{Key: "warehouse", Header: "仓库名称", HeaderEN: "Warehouse", Required: true, Width: 26, Example: "示例县救灾物资储备库"},
		{Key: "item", Header: "物资名称", HeaderEN: "Item", Required: true, Width: 16, Example: "棉被"},
		{Key: "batch", Header: "批次", HeaderEN: "Batch", Width: 14, Example: "2021-省调拨"},
		{Key: "expires_on", Header: "有效期至", HeaderEN: "Expires on", Width: 12, Example: "2026-10-31", Help: "不填为无有效期"},
		{Key: "owner", Header: "产权单位", HeaderEN: "Owner", Width: 18, Example: "县应急管理局", Help: "不填为仓库的管理单位"},
		{Key: "quantity", Header: "数量", HeaderEN: "Quantity", Required: true, Example: "500", Help: "导入时记为入库"},
		{Key: "date", Header: "入库日期", HeaderEN: "Date", Width: 12, Example: "2021-10-15", Help: "不填为导入当日"},
	}}
}

func (s *Service) stockLedger() *ledger.Ledger {
	return &ledger.Ledger{Kind: "stock", Title: "supplies.nav_stock", Schema: StockSchema(),
		ExportColumns: []xlsx.Column{{Key: "unit", Header: "计量单位", HeaderEN: "Unit"}, {Key: "town", Header: "所在乡镇", HeaderEN: "Town"}},
		Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			list, _, err := s.StockLines(ctx, p, StockFilterOf(q))
			if err != nil {
				return err
			}
			towns := s.townNames(ctx, p.CountyCode)
			for _, x := range list {
				if err := w.Write(x.WarehouseName, x.ItemName, x.Batch, calendar.Day(x.ExpiresOn), x.Owner, x.Quantity, calendar.Today(x.CreatedAt), x.Unit, towns[x.TownCode]); err != nil {
					return err
				}
			}
			return nil
		},
		NewImport: func(ctx context.Context, p *auth.Principal, _ string) (ledger.Import, error) {
			if !p.Is(auth.RoleAdmin, auth.RoleSection, auth.RoleTown) {
				return nil, errs.New(errs.Forbidden, "forbidden")
			}
			whs, _, err := s.Warehouses(ctx, p, WarehouseFilter{})
			if err != nil {
				return nil, err
			}
			items, _, err := s.Items(ctx, p, ItemFilter{})
			if err != nil {
				return nil, err
			}
			im := &stockImport{s: s, p: p, today: s.Today(), wh: map[string]Warehouse{}, items: map[string]Item{}}
			for _, x := range whs {
				im.wh[x.Name] = x
			}
			for _, x := range items {
				im.items[x.Name] = x
			}
			return im, nil
		}}
}

// StockFilterOf reads the stock list's filter from query parameters.
func StockFilterOf(q url.Values) StockFilter {
	return StockFilter{Warehouse: q.Get("warehouse"), Item: q.Get("item"), Town: q.Get("town"), Category: q.Get("category"), Expiry: q.Get("expiry"),
		Q: q.Get("q"), NonZero: q.Get("nonzero") == "1"}
}

type stockImport struct {
	s     *Service
	p     *auth.Principal
	today string
	wh    map[string]Warehouse
	items map[string]Item
	kept  ledger.Kept[MoveInput]
}

// Check replays a row through CheckMove (an 入库) and the keeping rule.
func (im *stockImport) Check(_ context.Context, row xlsx.Row) []xlsx.CellError {
	v := row.Values
	in := MoveInput{Kind: MoveIn, Batch: v["batch"], ExpiresOn: v["expires_on"], Owner: v["owner"], Date: v["date"]}
	var out []xlsx.CellError
	if x, ok := im.wh[strings.TrimSpace(v["warehouse"])]; ok {
		in.WarehouseID = x.ID
		if !CanKeep(im.p, x) {
			out = append(out, xlsx.CellError{Key: "warehouse", Reason: "该仓库不在您的管理范围内"})
		}
	} else if v["warehouse"] != "" {
		out = append(out, xlsx.CellError{Key: "warehouse", Reason: "没有该仓库：" + v["warehouse"]})
	}
	if it, ok := im.items[strings.TrimSpace(v["item"])]; ok {
		in.ItemID = it.ID
	} else if v["item"] != "" {
		out = append(out, xlsx.CellError{Key: "item", Reason: "物资目录中没有：" + v["item"]})
	}
	n, ok := intCell(v["quantity"])
	if !ok {
		out = append(out, xlsx.CellError{Key: "quantity", Reason: "数量应为整数"})
	}
	in.Quantity = n
	if len(out) == 0 {
		out = append(out, fieldErrors(CheckMove(&in, im.today), map[string]string{"warehouse_id": "warehouse", "item_id": "item"})...)
	}
	if len(out) == 0 && len(row.Errors) == 0 {
		im.kept.Add(row.Num, in)
	}
	return out
}

func (im *stockImport) Commit(ctx context.Context, progress func(done, total int64)) (int, error) {
	return im.kept.Commit(store.Serial(ctx), im.s.db, progress, func(tx *store.Tx, in MoveInput) error {
		_, err := im.s.MoveTx(ctx, tx, im.p, in)
		return err
	})
}

// ---- movements (export only)

// MovementSchema is the stock ledger's layout (出入库记录).
func MovementSchema() xlsx.Schema {
	return xlsx.Schema{Name: "出入库记录", Columns: []xlsx.Column{
		{Key: "date", Header: "日期", HeaderEN: "Date"},
		{Key: "kind", Header: "类型", HeaderEN: "Kind"},
		{Key: "warehouse", Header: "仓库名称", HeaderEN: "Warehouse", Width: 26},
		{Key: "item", Header: "物资名称", HeaderEN: "Item", Width: 16},
		{Key: "batch", Header: "批次", HeaderEN: "Batch", Width: 14},
		{Key: "delta", Header: "数量变动", HeaderEN: "Change"},
		{Key: "unit", Header: "计量单位", HeaderEN: "Unit"},
		{Key: "dispatch", Header: "调拨单号", HeaderEN: "Dispatch order", Width: 18},
		{Key: "note", Header: "备注", HeaderEN: "Note", Width: 24},
		{Key: "by", Header: "经办人", HeaderEN: "By"},
	}}
}

// MovementFilterOf reads the movement list's filter.
func MovementFilterOf(q url.Values) MovementFilter {
	return MovementFilter{Warehouse: q.Get("warehouse"), Item: q.Get("item"), Stock: q.Get("stock"), Kind: q.Get("kind"), Dispatch: q.Get("dispatch"),
		From: q.Get("from"), To: q.Get("to")}
}

func (s *Service) movementLedger() *ledger.Ledger {
	return &ledger.Ledger{Kind: "movements", Title: "supplies.nav_movements", Schema: MovementSchema(),
		Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			list, _, err := s.Movements(ctx, p, MovementFilterOf(q))
			if err != nil {
				return err
			}
			for _, m := range list {
				if err := w.Write(calendar.Day(m.MovedOn), MoveKindLabel(m.Kind, "zh"), m.WarehouseName, m.ItemName, m.Batch, m.Delta, m.Unit, m.DispatchNo, m.Note, m.ByName); err != nil {
					return err
				}
			}
			return nil
		}}
}

// ---- dispatches (export only: one row per item line)

// DispatchSchema is the dispatch lines' layout (调拨明细): the contract
// columns 物资名称, 数量 and 调拨日期 among them.
func DispatchSchema() xlsx.Schema {
	return xlsx.Schema{Name: "物资调拨明细", Columns: []xlsx.Column{
		{Key: "number", Header: "调拨单号", HeaderEN: "Order", Width: 18},
		{Key: "date", Header: "调拨日期", HeaderEN: "Dispatch date", Width: 12},
		{Key: "from", Header: "调出仓库", HeaderEN: "From", Width: 24},
		{Key: "to", Header: "接收单位", HeaderEN: "To", Width: 20},
		{Key: "to_warehouse", Header: "接收仓库", HeaderEN: "Receiving warehouse", Width: 24},
		{Key: "partner", Header: "会同单位", HeaderEN: "Together with", Width: 14},
		{Key: "purpose", Header: "用途", HeaderEN: "Purpose"},
		{Key: "item", Header: "物资名称", HeaderEN: "Item", Width: 16},
		{Key: "unit", Header: "计量单位", HeaderEN: "Unit"},
		{Key: "quantity", Header: "数量", HeaderEN: "Quantity"},
		{Key: "received", Header: "实收数量", HeaderEN: "Received"},
		{Key: "state", Header: "状态", HeaderEN: "State"},
		{Key: "received_on", Header: "签收日期", HeaderEN: "Received on", Width: 12},
	}}
}

// DispatchFilterOf reads the dispatch list's filter.
func DispatchFilterOf(q url.Values) DispatchFilter {
	return DispatchFilter{State: q.Get("state"), Purpose: q.Get("purpose"), Town: q.Get("town"), Warehouse: q.Get("warehouse"), From: q.Get("from"),
		To: q.Get("to"), Q: q.Get("q"), Orders: q.Get("orders") == "1"}
}

// ReceiverName names an order's receiver (the town's name, or the unit).
func ReceiverName(d Dispatch, towns map[string]string) string {
	if d.ToKind == ToTown {
		if n := towns[d.ToTown]; n != "" {
			return n
		}
		return d.ToTown
	}
	return d.ToUnit
}

func (s *Service) dispatchLedger() *ledger.Ledger {
	return &ledger.Ledger{Kind: "dispatches", Title: "supplies.nav_dispatches", Schema: DispatchSchema(),
		Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			f := DispatchFilterOf(q)
			if f.State == "" {
				f.State = "out" // dispatched item lines
			} else if f.State == "all" {
				f.State = ""
			}
			list, _, err := s.Dispatches(ctx, p, f)
			if err != nil {
				return err
			}
			towns := s.townNames(ctx, p.CountyCode)
			for i := len(list) - 1; i >= 0; i-- { // oldest first
				d := list[i]
				for _, l := range d.Lines {
					var received any
					if d.State == StateReceived {
						received = l.ReceivedQty
					}
					if err := w.Write(d.Number, calendar.Day(d.DispatchOn), d.FromName, ReceiverName(d, towns), d.ToWareName, d.Partner, PurposeLabel(d.Purpose, "zh"),
						l.ItemName, l.Unit, l.Quantity, received, StateLabel(d.State, "zh"), calendar.Day(d.ReceivedOn)); err != nil {
						return err
					}
				}
			}
			return nil
		}}
}
