package relief

import (
	"context"
	"fmt"
	"net/url"

	"yingji/internal/kit/figure"
	"yingji/internal/kit/store"
)

// Figures are the relief figures of the period report.
//
// F-REL-1 (发放冬春救助资金{amount}，共计{people}人): money paid in the
// period under 冬春救助 programmes, and the people it reached (each person
// counted once), in the asker's scope (a town user: the town).
func (s *Service) Figures() []figure.Figure {
	return []figure.Figure{{
		ID: "F-REL-1", Section: "relief", Order: 1, Label: "relief.figure.rel1", Text: "relief.figure.rel1_text",
		Count: func(ctx context.Context, q figure.Query) (figure.Value, error) {
			return s.countPaid(ctx, q, KindWinterSpring)
		},
	}}
}

// countPaid sums the money payments of programmes of kind paid in q's
// period and counts the people paid.
func (s *Service) countPaid(ctx context.Context, q figure.Query, kind string) (figure.Value, error) {
	f := PaymentFilter{Kind: kind, Mode: ModeMoney, From: q.Period.FromDay(), To: q.Period.ToDay()}
	w := s.paymentWhere(q.P, f)
	if q.Region != "" { // a town, or a village (12 digits)
		w.Add("h.village_code LIKE ?", q.Region+"%")
	}
	var amount int64
	var people int64
	if err := s.db.R().QueryRowContext(ctx, `SELECT COALESCE(SUM(x.amount), 0), count(DISTINCT x.id_index)`+payJoin+w.SQL(), w.Args()...).Scan(&amount, &people); err != nil {
		return figure.Value{}, fmt.Errorf("F-REL-1: %w", err)
	}
	link := "/relief/payments?" + url.Values{"kind": {kind}, "mode": {ModeMoney}, "from": {f.From}, "to": {f.To}}.Encode()
	if q.Region != "" {
		link += "&town=" + url.QueryEscape(q.Region)
	}
	v := figure.Value{Numbers: []figure.Number{
		{Key: "amount", Value: amount, Unit: figure.Fen, Kind: "relief_payment", Link: link},
		{Key: "people", Value: people, Kind: "relief_payment", Link: link},
	}}
	if q.Records {
		idList, err := store.QueryAll(ctx, s.db.R(), store.ScanString, `SELECT x.id`+payJoin+w.SQL()+` ORDER BY x.id`, w.Args()...)
		if err != nil {
			return v, fmt.Errorf("F-REL-1 records: %w", err)
		}
		v.Numbers[0].Records, v.Numbers[1].Records = idList, idList
	}
	return v, nil
}
