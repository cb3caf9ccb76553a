package supplies

import (
	"context"
	"fmt"
	"slices"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/jobs"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/store"
)

// Alert is a warehouse's item below its minimum (库存不足), or a batch
// expiring soon or expired (临期/过期).
type Alert struct {
	Kind          string `json:"kind"` // low | expiring | expired
	WarehouseID   string `json:"warehouse_id"`
	WarehouseName string `json:"warehouse_name"`
	TownCode      string `json:"town_code"`
	ItemID        string `json:"item_id"`
	ItemName      string `json:"item_name"`
	Unit          string `json:"unit"`
	StockID       string `json:"stock_id,omitempty"`
	Batch         string `json:"batch,omitempty"`
	ExpiresOn     string `json:"expires_on,omitempty"`
	Quantity      int64  `json:"quantity"`
	MinQty        int64  `json:"min_qty,omitempty"`
}

// Alerts returns the alerts of the warehouses in scope on the service's
// day: for each warehouse and item with a minimum that the warehouse
// stocks (has a line of), the total below the minimum — minimums apply
// to the county stores (县级储备库), towns keep what they are sent; and every batch
// with stock that is expired or expires within ExpiryDays.
func (s *Service) Alerts(ctx context.Context, p *auth.Principal) ([]Alert, error) {
	var w store.Where
	warehouseScope(p, &w, "w")
	w.Add("i.min_qty > 0 AND w.kind = ?", "county")
	rows, err := s.db.R().QueryContext(ctx, `SELECT w.id, w.name, w.town_code, i.id, i.name, i.unit, i.min_qty, sum(s.quantity)`+stockFrom+w.SQL()+`
		GROUP BY w.id, w.name, w.town_code, i.id, i.name, i.unit, i.min_qty HAVING sum(s.quantity) < i.min_qty ORDER BY w.name, i.name`, w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("low stock: %w", err)
	}
	var out []Alert
	for rows.Next() {
		a := Alert{Kind: AlertLow}
		if err := rows.Scan(&a.WarehouseID, &a.WarehouseName, &a.TownCode, &a.ItemID, &a.ItemName, &a.Unit, &a.MinQty, &a.Quantity); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	lines, _, err := s.StockLines(ctx, p, StockFilter{NonZero: true, Expiry: AlertExpiring})
	if err != nil {
		return nil, err
	}
	expired, _, err := s.StockLines(ctx, p, StockFilter{NonZero: true, Expiry: AlertExpired})
	if err != nil {
		return nil, err
	}
	today := s.Today()
	for _, x := range append(expired, lines...) {
		out = append(out, Alert{Kind: ExpiryState(x.ExpiresOn, today), WarehouseID: x.WarehouseID, WarehouseName: x.WarehouseName, TownCode: x.TownCode,
			ItemID: x.ItemID, ItemName: x.ItemName, Unit: x.Unit, StockID: x.ID, Batch: x.Batch, ExpiresOn: x.ExpiresOn, Quantity: x.Quantity})
	}
	return out, nil
}

// SweepKind is the periodic job that sends the stock alerts.
const SweepKind = "supplies_alerts"

// Sweep notifies about every alert of a county: one notification per
// alert and recipient, deduplicated by the alert's key (the quantity for
// low stock, the expiry for a batch), so a sweep run twice notifies once
// and a new shortage is told again. It returns the notifications written.
func (s *Service) Sweep(ctx context.Context, county string) (int, error) {
	if s.notify == nil {
		return 0, nil
	}
	sys := &auth.Principal{UserID: "system", Username: "system", Role: auth.RoleAdmin, CountyCode: county}
	alerts, err := s.Alerts(ctx, sys)
	if err != nil {
		return 0, err
	}
	users := map[string][]string{}
	for _, a := range alerts {
		if _, ok := users[a.TownCode]; ok {
			continue
		}
		u, err := s.recipients(ctx, county, a.TownCode)
		if err != nil {
			return 0, err
		}
		slices.Sort(u)
		users[a.TownCode] = slices.Compact(u)
	}
	n := 0
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		n = 0
		for _, a := range alerts {
			title, body, key := alertText(a)
			for _, uid := range users[a.TownCode] {
				created, err := s.notify.Enqueue(ctx, tx, notify.Message{CountyCode: county, UserID: uid, Topic: "supplies." + a.Kind, Title: title, Body: body,
					Link: "/stock/alerts", Entity: "supply_warehouse", EntityID: a.WarehouseID, DedupeKey: key + ":" + uid})
				if err != nil {
					return err
				}
				if created {
					n++
				}
			}
		}
		return nil
	})
	return n, err
}

func alertText(a Alert) (title, body, key string) {
	switch a.Kind {
	case AlertLow:
		return fmt.Sprintf("物资库存不足：%s %s", a.WarehouseName, a.ItemName),
			fmt.Sprintf("%s的%s现有 %d%s，低于最低库存 %d%s，请及时补充。", a.WarehouseName, a.ItemName, a.Quantity, a.Unit, a.MinQty, a.Unit),
			fmt.Sprintf("supplies.low:%s:%s:%d", a.WarehouseID, a.ItemID, a.Quantity)
	case AlertExpired:
		return fmt.Sprintf("物资已过期：%s %s", a.WarehouseName, a.ItemName),
			fmt.Sprintf("%s的%s（批次 %s）%d%s已于 %s 过期，请及时处理。", a.WarehouseName, a.ItemName, a.Batch, a.Quantity, a.Unit, a.ExpiresOn),
			fmt.Sprintf("supplies.expired:%s:%s", a.StockID, a.ExpiresOn)
	}
	return fmt.Sprintf("物资临近有效期：%s %s", a.WarehouseName, a.ItemName),
		fmt.Sprintf("%s的%s（批次 %s）%d%s将于 %s 到期，请及时轮换。", a.WarehouseName, a.ItemName, a.Batch, a.Quantity, a.Unit, a.ExpiresOn),
		fmt.Sprintf("supplies.expiring:%s:%s", a.StockID, a.ExpiresOn)
}

// SweepJob is the job handler running Sweep for every county with
// warehouses.
func (s *Service) SweepJob() jobs.Handler {
	return func(ctx context.Context, j *jobs.Job, prog jobs.Progress) error {
		rows, err := s.db.R().QueryContext(ctx, `SELECT DISTINCT county_code FROM supply_warehouse ORDER BY county_code`)
		if err != nil {
			return err
		}
		var counties []string
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				rows.Close()
				return err
			}
			counties = append(counties, c)
		}
		rows.Close()
		total := 0
		for _, c := range counties {
			n, err := s.Sweep(ctx, c)
			if err != nil {
				return err
			}
			total += n
		}
		prog.Set(1, 1, fmt.Sprintf("已发送 %d 条物资库存提醒", total))
		return j.SetResult(map[string]int{"notified": total})
	}
}
