package reduction

import (
	"context"

	"yingji/internal/kit/figure"
	"yingji/internal/kit/store"
)

// Figures are the report's figures computed from the module's records
// (and, for the forest-fire hazards, from the hazard ledger through its
// service).
// Figures are the reduction registers' figures. Most sentences are the
// report's own (they write 6000余, 13万 from the records); F-PUB-3's is
// this module's.
func (s *Service) Figures() []figure.Figure {
	return []figure.Figure{
		{ID: "F-PUB-1", Section: "publicity", Order: 1, Label: "reduction.fig.pub1", Count: s.figPub1},
		{ID: "F-PUB-2", Section: "publicity", Order: 2, Label: "reduction.fig.pub2", Count: s.figPub2},
		{ID: "F-PUB-3", Section: "reduction", Order: 1, Label: "reduction.fig.pub3", Text: "reduction.fig.pub3_text", Count: s.figPub3},
		{ID: "F-COMM-1", Section: "reduction", Order: 2, Label: "reduction.fig.comm1", Count: s.figComm1},
		{ID: "F-FIRE-1", Section: "fire", Order: 1, Label: "reduction.fig.fire1", Count: s.figFire1},
		{ID: "F-CHEM-5", Section: "chem", Order: 50, Label: "reduction.fig.chem5", Count: s.trainedFig("fireworks_petrol")},
		{ID: "F-IND-2", Section: "industry", Order: 20, Label: "reduction.fig.ind2", Count: s.trainedFig("industry")},
	}
}

// figWhere limits a figure's records to q's scope. A town's figures
// (a town's staff, or a report on a town) count the town's records only:
// county-wide records (trainings, publicity without a town) are the
// county's, counted in the county's report, never in a town's.
func (s *Service) figWhere(q figure.Query, townCol string) *store.Where {
	var w store.Where
	scope(q.P, &w, townCol, false)
	if q.Region != "" {
		w.Add(townCol+" LIKE ?", q.Region+"%")
	}
	return &w
}

func keep(q figure.Query, ids []string) []string {
	if q.Records {
		return ids
	}
	return nil
}

func period(q figure.Query) string { return "from=" + q.Period.FromDay() + "&to=" + q.Period.ToDay() }

// publicitySum sums a column of the publicity records of a campaign and
// kind in the period.
func (s *Service) publicitySum(ctx context.Context, q figure.Query, campaign, kind, col, key string) (figure.Number, error) {
	w := s.figWhere(q, "town_code")
	w.Add("campaign = ? AND kind = ? AND held_on >= ? AND held_on <= ?", campaign, kind, q.Period.FromDay(), q.Period.ToDay())
	v, _, ids, err := s.sum(ctx, "reduction_publicity", col, w, q.Records)
	return figure.Number{Key: key, Value: v, Kind: "reduction_publicity", Records: keep(q, ids),
		Link: "/reduction/publicity?campaign=" + campaign + "&kind=" + kind + "&" + period(q)}, err
}

// F-PUB-1: the 5·12 campaign's leaflets, SMS, questions answered and quiz
// winners.
func (s *Service) figPub1(ctx context.Context, q figure.Query) (figure.Value, error) {
	var v figure.Value
	for _, x := range []struct{ kind, col, key string }{{"leaflets", "quantity", "leaflets"}, {"sms", "quantity", "sms"},
		{"consultation", "quantity", "answered"}, {"quiz", "winners", "winners"}} {
		n, err := s.publicitySum(ctx, q, "disaster_day", x.kind, x.col, x.key)
		if err != nil {
			return v, err
		}
		v.Numbers = append(v.Numbers, n)
	}
	return v, nil
}

// F-PUB-2: every training of the period and its attendees.
func (s *Service) figPub2(ctx context.Context, q figure.Query) (figure.Value, error) {
	w := s.figWhere(q, "town_code")
	w.Add("held_on >= ? AND held_on <= ?", q.Period.FromDay(), q.Period.ToDay())
	people, n, ids, err := s.sum(ctx, "reduction_training", "attendees", w, q.Records)
	link := "/reduction/trainings?" + period(q)
	return figure.Value{Numbers: []figure.Number{{Key: "trainings", Value: n, Kind: "reduction_training", Records: keep(q, ids), Link: link},
		{Key: "people", Value: people, Kind: "reduction_training", Records: keep(q, ids), Link: link}}}, err
}

// trainedFig sums the attendees of the period's trainings of an audience
// (F-CHEM-5: fireworks and petrol-station principals; F-IND-2: industry).
func (s *Service) trainedFig(audience string) func(ctx context.Context, q figure.Query) (figure.Value, error) {
	return func(ctx context.Context, q figure.Query) (figure.Value, error) {
		w := s.figWhere(q, "town_code")
		w.Add("audience = ? AND held_on >= ? AND held_on <= ?", audience, q.Period.FromDay(), q.Period.ToDay())
		people, n, ids, err := s.sum(ctx, "reduction_training", "attendees", w, q.Records)
		link := "/reduction/trainings?audience=" + audience + "&" + period(q)
		return figure.Value{Numbers: []figure.Number{{Key: "people", Value: people, Kind: "reduction_training", Records: keep(q, ids), Link: link},
			{Key: "trainings", Value: n, Kind: "reduction_training", Records: keep(q, ids), Link: link}}}, err
	}
}

// F-PUB-3: the officers registered by the period's end.
func (s *Service) figPub3(ctx context.Context, q figure.Query) (figure.Value, error) {
	w := s.figWhere(q, "village_code")
	w.Add("registered_on <= ?", q.Period.ToDay())
	n, _, ids, err := s.sum(ctx, "reduction_officer", "1", w, q.Records)
	return figure.Value{Numbers: []figure.Number{{Key: "officers", Value: n, Kind: "reduction_officer", Records: keep(q, ids),
		Link: "/reduction/officers?to=" + q.Period.ToDay()}}}, err
}

// F-COMM-1: applications of the period, their towns, and those that
// passed the city's evaluation.
func (s *Service) figComm1(ctx context.Context, q figure.Query) (figure.Value, error) {
	w := s.figWhere(q, "village_code")
	w.Add("applied_on >= ? AND applied_on <= ?", q.Period.FromDay(), q.Period.ToDay())
	link := "/reduction/communities?" + period(q)
	c, err := s.communityCounts(ctx, w, StageRanked(StageCity), q.Records)
	if err != nil {
		return figure.Value{}, err
	}
	return figure.Value{Numbers: []figure.Number{{Key: "towns", Value: c.towns, Kind: "reduction_community", Records: c.all, Link: link},
		{Key: "communities", Value: c.communities, Kind: "reduction_community", Records: c.all, Link: link},
		{Key: "city", Value: c.city, Kind: "reduction_community", Records: c.cityIDs, Link: link + "&stage=" + StageCity}}}, nil
}

// F-FIRE-1 (this module's part): the forest-fire campaign's leaflets and
// SMS and the checkpoints active in the period. The fire hazards
// ({fire_hazards}) are the hazard ledger's part of the figure, registered
// by the report wiring in app from the hazard service.
func (s *Service) figFire1(ctx context.Context, q figure.Query) (figure.Value, error) {
	var v figure.Value
	for _, x := range []struct{ kind, key string }{{"leaflets", "leaflets"}, {"sms", "sms"}} {
		n, err := s.publicitySum(ctx, q, "forest_fire", x.kind, "quantity", x.key)
		if err != nil {
			return v, err
		}
		v.Numbers = append(v.Numbers, n)
	}
	w := s.figWhere(q, "town_code")
	w.Add("active_from <= ? AND (active_to = '' OR active_to >= ?)", q.Period.ToDay(), q.Period.FromDay())
	n, _, ids, err := s.sum(ctx, "reduction_checkpoint", "1", w, q.Records)
	v.Numbers = append(v.Numbers, figure.Number{Key: "checkpoints", Value: n, Kind: "reduction_checkpoint", Records: keep(q, ids),
		Link: "/reduction/checkpoints?" + period(q)})
	return v, err
}
