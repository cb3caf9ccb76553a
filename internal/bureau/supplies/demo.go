package supplies

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/store"
)

// The demo county's supplies: the county store and the flood store, three
// town stores, an enterprise store and goods on call at a supermarket;
// their receipts in autumn 2021; the cold-wave dispatches of 26–28
// January 2022 made together with the county 发改委 to the towns, all
// received (the source report's 紧急调拨救灾物资 figure, F-REL-2, is
// computed from these order lines); and June's flood-season orders.

type demoItem struct {
	name, unit, category, spec, statKey string
	min                                 int64
}

var demoItems = []demoItem{
	{"棉被", "床", "clothing", "2.0×2.3米，4斤", "quilts", 300},
	{"棉大衣", "件", "clothing", "军绿色，均码", "coats", 200},
	{"单帐篷", "顶", "tent", "12平方米", "", 50},
	{"折叠床", "张", "living", "钢架", "", 0},
	{"救生衣", "件", "lifesaving", "成人", "", 200},
	{"救生圈", "个", "lifesaving", "", "", 0},
	{"冲锋舟", "艘", "rescue", "橡皮艇，配40马力发动机", "", 0},
	{"编织袋", "条", "rescue", "", "", 5000},
	{"铁锹", "把", "rescue", "", "", 0},
	{"应急照明灯", "台", "lighting", "移动式", "", 0},
	{"手电筒", "只", "lighting", "强光", "", 0},
	{"方便食品", "箱", "living", "", "", 0},
	{"瓶装水", "箱", "living", "550毫升×24瓶", "", 0},
}

type demoWarehouse struct {
	name, kind, owner, town, address, keeper string // town: suffix of the town code
}

var demoWarehouses = []demoWarehouse{
	{"示例县救灾物资储备库", "county", "县应急管理局", "100", "籍山镇城东路", "孙保管"},
	{"示例县防汛抢险物资仓库", "county", "县应急管理局", "101", "弋江镇江堤路", "钱保管"},
	{"籍山镇救灾物资储备点", "town", "籍山镇人民政府", "100", "籍山镇人民政府院内", "籍山镇民政办"},
	{"弋江镇救灾物资储备点", "town", "弋江镇人民政府", "101", "弋江镇人民政府院内", "弋江镇民政办"},
	{"许镇镇救灾物资储备点", "town", "许镇镇人民政府", "102", "许镇镇人民政府院内", "许镇镇民政办"},
	{"安徽华林特种气体有限公司应急物资库", "enterprise", "安徽华林特种气体有限公司", "104", "工山镇工业园", "企业安全员"},
	{"示例县惠民超市（社会号料）", "social", "示例县惠民超市", "100", "籍山镇中心街", "超市经理"},
}

type demoReceipt struct {
	warehouse, item, batch, expires, date string
	qty                                   int64
}

var demoReceipts = []demoReceipt{
	{"示例县救灾物资储备库", "棉被", "2021-省下拨", "", "2021-10-15", 1800},
	{"示例县救灾物资储备库", "棉大衣", "2021-省下拨", "", "2021-10-15", 1300},
	{"示例县救灾物资储备库", "单帐篷", "2021-省下拨", "", "2021-10-15", 120},
	{"示例县救灾物资储备库", "折叠床", "2021-省下拨", "", "2021-10-15", 300},
	{"示例县救灾物资储备库", "手电筒", "2021-县采购", "", "2021-11-20", 500},
	{"示例县救灾物资储备库", "应急照明灯", "2021-县采购", "", "2021-11-20", 40},
	{"示例县救灾物资储备库", "方便食品", "2021-县采购", "2022-08-31", "2021-11-20", 200},
	{"示例县救灾物资储备库", "瓶装水", "2021-县采购", "2022-07-20", "2021-11-20", 300},
	{"示例县防汛抢险物资仓库", "冲锋舟", "2020-县采购", "", "2021-04-10", 6},
	{"示例县防汛抢险物资仓库", "救生衣", "2020-县采购", "2025-04-30", "2021-04-10", 230},
	{"示例县防汛抢险物资仓库", "救生圈", "2020-县采购", "", "2021-04-10", 200},
	{"示例县防汛抢险物资仓库", "编织袋", "2021-县采购", "", "2021-05-08", 30000},
	{"示例县防汛抢险物资仓库", "铁锹", "2021-县采购", "", "2021-05-08", 300},
	{"籍山镇救灾物资储备点", "棉被", "2021-镇采购", "", "2021-11-02", 50},
	{"籍山镇救灾物资储备点", "手电筒", "2021-镇采购", "", "2021-11-02", 20},
	{"弋江镇救灾物资储备点", "棉被", "2021-镇采购", "", "2021-11-05", 40},
	{"弋江镇救灾物资储备点", "救生衣", "2021-镇采购", "", "2021-11-05", 60},
	{"许镇镇救灾物资储备点", "棉被", "2021-镇采购", "", "2021-11-08", 30},
	{"安徽华林特种气体有限公司应急物资库", "应急照明灯", "2021-企业自储", "", "2021-09-01", 10},
	{"示例县惠民超市（社会号料）", "瓶装水", "2022-协议储备", "2022-12-31", "2022-03-01", 500},
	{"示例县惠民超市（社会号料）", "方便食品", "2022-协议储备", "2022-10-31", "2022-03-01", 300},
}

// demoColdWave are the orders of the cold wave (寒潮) of 26–28 January
// 2022: from the county store to the towns, together with the 发改委.
var demoColdWave = []struct {
	date, town    string // town suffix
	quilts, coats int64
	townWarehouse bool
}{
	{"2022-01-26", "100", 220, 160, true},
	{"2022-01-26", "101", 180, 130, true},
	{"2022-01-26", "102", 200, 140, true},
	{"2022-01-27", "103", 160, 115, false},
	{"2022-01-27", "104", 170, 120, false},
	{"2022-01-27", "105", 150, 110, false},
	{"2022-01-28", "106", 150, 110, false},
	{"2022-01-28", "107", 149, 110, false},
}

// DemoPeople are who acts in the demo: the requester (a section's staff),
// the approver (a leader) and the town account of 籍山镇; nil ones are
// replaced by system principals.
type DemoPeople struct {
	Requester, Approver, Town *auth.Principal
}

// Demo loads the demo supplies once (nothing happens when the county store
// exists). locate places a warehouse inside its town (nil: no coordinates).
func (s *Service) Demo(ctx context.Context, out io.Writer, county string, people DemoPeople, locate func(town string, r *rand.Rand) (float64, float64, bool)) error {
	var n int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM supply_warehouse WHERE county_code = $1 AND name = $2`, county, demoWarehouses[0].name).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintln(out, "demo: supplies already loaded")
		return nil
	}
	sys := &auth.Principal{UserID: "system", Username: "system", DisplayName: "系统", Role: auth.RoleAdmin, CountyCode: county}
	req, appr := people.Requester, people.Approver
	if req == nil {
		req = &auth.Principal{UserID: "demo-requester", Username: "demo", DisplayName: "救灾减灾股", Role: auth.RoleSection, CountyCode: county}
	}
	if appr == nil {
		appr = &auth.Principal{UserID: "demo-approver", Username: "demo", DisplayName: "局领导", Role: auth.RoleLeader, CountyCode: county}
	}
	towns := s.townNames(ctx, county)
	rnd := rand.New(rand.NewPCG(2022, 13))
	items := map[string]string{}
	whs := map[string]string{}
	orders := 0
	err := s.db.InTx(store.Serial(ctx), func(tx *store.Tx) error {
		orders = 0
		for _, d := range demoItems {
			it, err := s.SaveItemTx(ctx, tx, sys, Item{Name: d.name, Unit: d.unit, Category: d.category, Spec: d.spec, StatKey: d.statKey, MinQty: d.min})
			if err != nil {
				return fmt.Errorf("demo item %s: %w", d.name, err)
			}
			items[d.name] = it.ID
		}
		for _, d := range demoWarehouses {
			w := Warehouse{Name: d.name, Kind: d.kind, OwnerUnit: d.owner, TownCode: county + d.town, Address: d.address, Keeper: d.keeper}
			if d.kind == "enterprise" && s.Enterprise != nil {
				// The enterprise store belongs to its enterprise when the
				// enterprise register has it (the assessment counts it).
				id, _, _, found, err := s.Enterprise(ctx, county, d.owner)
				if err != nil {
					return err
				}
				if found {
					w.EnterpriseID = id
				}
			}
			if locate != nil {
				if lat, lng, ok := locate(w.TownCode, rnd); ok {
					w.Lat, w.Lng = &lat, &lng
				}
			}
			w, err := s.SaveWarehouseTx(ctx, tx, sys, w)
			if err != nil {
				return fmt.Errorf("demo warehouse %s: %w", d.name, err)
			}
			whs[d.name] = w.ID
		}
		for _, r := range demoReceipts {
			if _, err := s.MoveTx(ctx, tx, sys, MoveInput{Kind: MoveIn, WarehouseID: whs[r.warehouse], ItemID: items[r.item], Batch: r.batch,
				ExpiresOn: r.expires, Quantity: r.qty, Date: r.date, Note: "入库"}); err != nil {
				return fmt.Errorf("demo receipt %s %s: %w", r.warehouse, r.item, err)
			}
		}
		for _, o := range demoColdWave {
			town := county + o.town
			in := DispatchInput{FromWarehouse: whs["示例县救灾物资储备库"], ToKind: ToTown, ToTown: town, Purpose: "relief", Partner: "县发改委",
				Reason: "应对寒潮天气，紧急调拨救灾物资保障受灾群众基本生活", Date: o.date,
				Lines: []LineInput{{ItemID: items["棉被"], Quantity: o.quilts}, {ItemID: items["棉大衣"], Quantity: o.coats}}}
			if o.townWarehouse {
				in.ToWarehouse = whs[towns[town]+"救灾物资储备点"]
			}
			d, err := s.requestTx(ctx, tx, req, in, "")
			if err != nil {
				return fmt.Errorf("demo dispatch %s: %w", o.town, err)
			}
			if _, err := s.approveTx(ctx, tx, appr, d.ID); err != nil {
				return fmt.Errorf("demo approve %s: %w", d.Number, err)
			}
			receiver := people.Town
			if receiver == nil || receiver.RegionCode != town {
				receiver = &auth.Principal{UserID: "demo-town-" + o.town, Username: "demo", DisplayName: towns[town] + "人民政府", Role: auth.RoleTown,
					CountyCode: county, RegionCode: town}
			}
			if _, err := s.receiveTx(ctx, tx, receiver, d.ID, ReceiptInput{Date: o.date, Note: "已清点入库"}); err != nil {
				return fmt.Errorf("demo receive %s: %w", d.Number, err)
			}
			orders++
		}
		// Flood season: sandbags and life jackets to 何湾镇 (sent, not yet
		// received), and a boat for the fire brigade awaiting approval.
		d, err := s.requestTx(ctx, tx, req, DispatchInput{FromWarehouse: whs["示例县防汛抢险物资仓库"], ToKind: ToTown, ToTown: county + "106", Purpose: "flood",
			Reason: "入汛前预置防汛物资", Date: "2022-06-20",
			Lines: []LineInput{{ItemID: items["编织袋"], Quantity: 2000}, {ItemID: items["救生衣"], Quantity: 50}}}, "")
		if err != nil {
			return fmt.Errorf("demo flood dispatch: %w", err)
		}
		if _, err := s.approveTx(ctx, tx, appr, d.ID); err != nil {
			return fmt.Errorf("demo flood approve: %w", err)
		}
		if _, err := s.requestTx(ctx, tx, req, DispatchInput{FromWarehouse: whs["示例县防汛抢险物资仓库"], ToKind: ToUnit, ToUnit: "县消防救援大队", Purpose: "flood",
			Reason: "汛期前置备勤", Date: "2022-06-28", Lines: []LineInput{{ItemID: items["冲锋舟"], Quantity: 2}, {ItemID: items["救生衣"], Quantity: 20}}}, ""); err != nil {
			return fmt.Errorf("demo flood request: %w", err)
		}
		orders += 2
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "demo: supplies — %d items, %d warehouses, %d receipts, %d dispatch orders\n", len(demoItems), len(demoWarehouses), len(demoReceipts), orders)
	return nil
}
