package supplies

import (
	"context"
	"fmt"
)

// EnterpriseStock is what an enterprise's own stores (企业储备) held on a
// day, computed from the stock ledger.
type EnterpriseStock struct {
	Quantity  int64  // units held on the day (sum of the movements up to it)
	UpdatedOn string // the last movement on or before the day ('' none)
}

// EnterpriseStocks returns, for every enterprise of the county keeping a
// store, what its stores held on asOf (YYYY-MM-DD) and when they last
// moved: the sum of the ledger's movements up to that day (the ledger
// always balances, so this is the stock of the day) and the last
// movement's date. The preparedness assessment scores enterprise
// supplies through it. Enterprises without a store are absent. The join
// goes through the stock lines so both engines use their indexes
// (warehouse → its lines → their movements).
func (s *Service) EnterpriseStocks(ctx context.Context, county, asOf string) (map[string]EnterpriseStock, error) {
	rows, err := s.db.R().QueryContext(ctx, `SELECT w.enterprise_id, COALESCE(SUM(m.delta), 0), COALESCE(MAX(m.moved_on), '')
		FROM supply_warehouse w JOIN supply_stock s ON s.warehouse_id = w.id JOIN supply_movement m ON m.stock_id = s.id
		WHERE w.county_code = $1 AND w.enterprise_id <> '' AND m.moved_on <= $2
		GROUP BY w.enterprise_id`, county, asOf)
	if err != nil {
		return nil, fmt.Errorf("enterprise stocks: %w", err)
	}
	defer rows.Close()
	out := map[string]EnterpriseStock{}
	for rows.Next() {
		var id string
		var x EnterpriseStock
		if err := rows.Scan(&id, &x.Quantity, &x.UpdatedOn); err != nil {
			return nil, err
		}
		out[id] = x
	}
	return out, rows.Err()
}
