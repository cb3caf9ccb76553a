package enforcement

import (
	"context"
	"net/url"
	"strings"

	"yingji/internal/kit/figure"
)

// Sector groups of the report's sections.
var (
	MineSectors     = []string{"mine"}
	ChemSectors     = []string{"chem_produce", "chem_trade", "chem_use"}
	IndustrySectors = []string{"metallurgy", "nonferrous", "building_materials", "machinery", "light", "textile", "tobacco", "commerce", "other"}
)

func link(path string, kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			v.Set(kv[i], kv[i+1])
		}
	}
	return path + "?" + v.Encode()
}

func (s *Service) docNumber(ctx context.Context, q figure.Query, key string, f DocFilter) (figure.Number, error) {
	f.From, f.To, f.Section, f.Region = q.Period.FromDay(), q.Period.ToDay(), q.Section, q.Region
	n, ids, err := s.CountDocuments(ctx, q.P, f, q.Records)
	return figure.Number{Key: key, Value: n, Kind: "enf_document", Records: ids,
		Link: link("/enforcement/documents", "kind", f.Kind, "sector", f.Sector, "section", f.Section, "from", f.From, "to", f.To)}, err
}

func (s *Service) caseNumbers(ctx context.Context, q figure.Query, f CaseFilter, countKey, fineKey string) ([]figure.Number, error) {
	f.From, f.To, f.Section, f.Region = q.Period.FromDay(), q.Period.ToDay(), q.Section, q.Region
	t, err := s.TotalCases(ctx, q.P, f)
	l := link("/enforcement/cases", "state", f.State, "cause_kind", f.CauseKind, "sector", f.Sector, "section", f.Section, "from", f.From, "to", f.To)
	var ids []string
	if q.Records {
		ids = t.IDs
	}
	out := []figure.Number{{Key: countKey, Value: t.Count, Kind: "enf_case", Records: ids, Link: l}}
	if fineKey != "" {
		out = append(out, figure.Number{Key: fineKey, Value: t.FineFen, Unit: figure.Fen, Kind: "enf_case", Records: ids, Link: l})
	}
	return out, err
}

func (s *Service) measureNumber(ctx context.Context, q figure.Query, key, kind string) (figure.Number, error) {
	f := MeasureFilter{Kind: kind, From: q.Period.FromDay(), To: q.Period.ToDay(), Section: q.Section, Region: q.Region}
	ids, err := s.CountMeasures(ctx, q.P, f)
	n := figure.Number{Key: key, Value: int64(len(ids)), Kind: "enf_measure",
		Link: link("/enforcement/measures", "kind", kind, "section", f.Section, "from", f.From, "to", f.To)}
	if q.Records {
		n.Records = ids
	}
	return n, err
}

// Figures are the module's statistics for the period report; their
// sentences are the report's (report.text.<ID>), whose keys they fill.
func (s *Service) Figures() []figure.Figure {
	join := func(l []string) string { return strings.Join(l, ",") }
	return []figure.Figure{
		// F-MINE-1 and F-IND-1 are made of parts: the inspections and the
		// plan are package inspection's, the hazards package hazard's; these
		// parts give no text, label or section (the owner of the
		// sentence, report.text.F-…, and the other parts do).
		{ID: "F-MINE-1", Section: "mine", Order: 1,
			Count: func(ctx context.Context, q figure.Query) (figure.Value, error) {
				n, err := s.docNumber(ctx, q, "documents", DocFilter{Sector: join(MineSectors)})
				return figure.Value{Numbers: []figure.Number{n}}, err
			}},
		{ID: "F-MINE-2", Section: "mine", Order: 2,
			Count: func(ctx context.Context, q figure.Query) (figure.Value, error) {
				ns, err := s.caseNumbers(ctx, q, CaseFilter{CauseKind: "duty_keeping", Sector: join(MineSectors)}, "cases", "fines")
				return figure.Value{Numbers: ns}, err
			}},
		{ID: "F-CHEM-3", Section: "chem", Order: 3,
			Count: func(ctx context.Context, q figure.Query) (figure.Value, error) {
				ns, err := s.caseNumbers(ctx, q, CaseFilter{Sector: join(ChemSectors)}, "cases", "")
				if err != nil {
					return figure.Value{}, err
				}
				inv, err := s.caseNumbers(ctx, q, CaseFilter{Sector: join(ChemSectors), State: StateInvestigating}, "investigating", "")
				return figure.Value{Numbers: append(ns, inv...)}, err
			}},
		{ID: "F-IND-1", Section: "industry", Order: 1,
			Count: func(ctx context.Context, q figure.Query) (figure.Value, error) {
				rec, err := s.docNumber(ctx, q, "records", DocFilter{Kind: KindInspectionRecord, Sector: join(IndustrySectors)})
				if err != nil {
					return figure.Value{}, err
				}
				ord, err := s.docNumber(ctx, q, "orders", DocFilter{Kind: KindOrder, Sector: join(IndustrySectors)})
				return figure.Value{Numbers: []figure.Number{rec, ord}}, err
			}},
		{ID: "F-BIG-4", Section: "big", Order: 4,
			Count: func(ctx context.Context, q figure.Query) (figure.Value, error) {
				a, err := s.measureNumber(ctx, q, "suspensions", MeasureSuspend)
				if err != nil {
					return figure.Value{}, err
				}
				b, err := s.measureNumber(ctx, q, "interviews", MeasureInterview)
				return figure.Value{Numbers: []figure.Number{a, b}}, err
			}},
	}
}
