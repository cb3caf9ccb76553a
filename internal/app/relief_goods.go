package app

import (
	"context"

	"yingji/internal/bureau/relief"
	"yingji/internal/bureau/supplies"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/store"
)

// reliefGoods issues a household's relief goods from stock, inside the
// payment's transaction (a stock refusal records no payment): the item
// chosen on the form, or the catalogue item of exactly that name; from the
// warehouse chosen, or else the household's town store, or else the county
// store; as a dispatch to the
// household's town for 救灾, its source the payment.
func (a *App) reliefGoods(ctx context.Context, tx *store.Tx, p *auth.Principal, r relief.GoodsRequest) (string, error) {
	item := r.ItemID
	if item == "" {
		items, _, err := a.Supplies.Items(ctx, p, supplies.ItemFilter{Q: r.Item, Limit: 100})
		if err != nil {
			return "", err
		}
		for _, it := range items {
			if it.Name == r.Item {
				item = it.ID
				break
			}
		}
		if item == "" {
			return "", errs.Field("item", "relief.goods_unknown_item", map[string]any{"Item": r.Item})
		}
	}
	from := r.WarehouseID
	// By default: the household's town store (乡镇储备点), else the county
	// store.
	for _, f := range []supplies.WarehouseFilter{{Kind: "town", Town: r.TownCode, Limit: 1}, {Kind: "county", Limit: 1}} {
		if from != "" {
			break
		}
		stores, _, err := a.Supplies.Warehouses(ctx, p, f)
		if err != nil {
			return "", err
		}
		if len(stores) > 0 {
			from = stores[0].ID
		}
	}
	if from == "" {
		return "", errs.Field("warehouse_id", "relief.goods_no_store", nil)
	}
	d, err := a.Supplies.IssueTx(ctx, tx, p, supplies.IssueInput{Source: r.Source, DispatchInput: supplies.DispatchInput{
		FromWarehouse: from, ToKind: "town", ToTown: r.TownCode, Purpose: "relief", Reason: "救助物资发放", Date: r.PaidOn,
		Lines: []supplies.LineInput{{ItemID: item, Quantity: r.Quantity}}}})
	if err != nil {
		return "", err
	}
	return d.Number, nil
}
