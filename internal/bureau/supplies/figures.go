package supplies

import (
	"context"
	"fmt"
	"net/url"
	"slices"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/figure"
)

// Figures are the report figures computed from dispatch orders.
func (s *Service) Figures() []figure.Figure {
	return []figure.Figure{{
		ID: "F-REL-2", Section: "relief", Order: 20, Label: "supplies.fig_rel2", Text: "supplies.fig_rel2_text",
		Count: s.reliefDispatched,
	}}
}

// reliefDispatched is F-REL-2: the goods dispatched for disaster relief
// (用途 救灾) in the period — orders dispatched or received, by their
// dispatch date — in all ("total") and by the items' 统计口径 (stat_key:
// "quilts", "coats" …), with the partner units named on the orders.
func (s *Service) reliefDispatched(ctx context.Context, q figure.Query) (figure.Value, error) {
	f := DispatchFilter{State: "out", Purpose: "relief", From: q.Period.FromDay(), To: q.Period.ToDay(), Orders: true}
	w := f.where(q.P)
	region := figureRegion(q)
	if region != "" {
		// A town's relief is what was sent to it: an order from a county
		// warehouse that stands in the town, or to no town at all, is the
		// county's (counted in the county's report only).
		w.Add("d.to_town LIKE ?", region+"%")
	}
	rows, err := s.db.R().QueryContext(ctx, `SELECT d.id, i.stat_key, l.quantity`+dispFrom+`
		JOIN supply_dispatch_line l ON l.dispatch_id = d.id JOIN supply_item i ON i.id = l.item_id`+w.SQL()+` ORDER BY d.dispatch_on, d.id, l.seq`, w.Args()...)
	if err != nil {
		return figure.Value{}, fmt.Errorf("F-REL-2: %w", err)
	}
	defer rows.Close()
	total := figure.Number{Key: "total", Kind: "supply_dispatch"}
	byKey := map[string]*figure.Number{}
	var keys []string
	for rows.Next() {
		var id, key string
		var n int64
		if err := rows.Scan(&id, &key, &n); err != nil {
			return figure.Value{}, err
		}
		total.Value += n
		addRecord(&total, id, q.Records)
		if key == "" {
			continue
		}
		if byKey[key] == nil {
			byKey[key] = &figure.Number{Key: key, Kind: "supply_dispatch"}
			keys = append(keys, key)
		}
		byKey[key].Value += n
		addRecord(byKey[key], id, q.Records)
	}
	if err := rows.Err(); err != nil {
		return figure.Value{}, err
	}
	link := "/dispatches?" + url.Values{"purpose": {"relief"}, "state": {"out"}, "from": {f.From}, "to": {f.To}, "orders": {"1"}}.Encode()
	if region != "" {
		link += "&town=" + url.QueryEscape(region)
	}
	total.Link = link
	v := figure.Value{Numbers: []figure.Number{total}}
	slices.Sort(keys)
	for _, k := range keys {
		n := *byKey[k]
		n.Link = link
		v.Numbers = append(v.Numbers, n)
	}
	// The sentence names quilts and coats: say 0 rather than leave a hole.
	for _, k := range []string{"quilts", "coats"} {
		if byKey[k] == nil {
			v.Numbers = append(v.Numbers, figure.Number{Key: k, Kind: "supply_dispatch", Link: link})
		}
	}
	return v, nil
}

// figureRegion is the region a figure is counted for: the query's, or a
// town's staff's own town when the query names none (their whole scope).
func figureRegion(q figure.Query) string {
	if q.Region == "" && q.P != nil && q.P.Role == auth.RoleTown {
		return q.P.RegionPrefix()
	}
	return q.Region
}

func addRecord(n *figure.Number, id string, want bool) {
	if want && (len(n.Records) == 0 || n.Records[len(n.Records)-1] != id) {
		n.Records = append(n.Records, id)
	}
}
