package inspection

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/figure"
	"yingji/internal/kit/org"
)

// Sector sets of the report's sections.
var (
	MineSectors     = []string{"mine"}
	ChemSectors     = []string{"chem_produce", "chem_trade", "chem_use", "fireworks_wholesale", "fireworks_retail", "petrol"}
	IndustrySectors = []string{"metallurgy", "nonferrous", "building_materials", "machinery", "light", "textile", "tobacco", "commerce"}
)

// Figures are the module's statistics for the period report: its parts
// of the seed-facts figures (F-MINE-1 and F-IND-1 are joined with the
// enforcement documents' counts by the figure registry; F-MINE-3, the
// third party's hazards and their listing, is the hazard ledger's).
func (s *Service) Figures() []figure.Figure {
	return []figure.Figure{
		// F-MINE-1 and F-IND-1 also count 执法文书 (the enforcement
		// module's part); their sentence is the report's.
		{ID: "F-MINE-1", Section: "mine", Order: 10, Label: "inspection.figure.mine", Count: s.figMine},
		{ID: "F-MINE-4", Section: "mine", Order: 40, Label: "inspection.figure.mine4", Text: "inspection.figure.mine4_text", Count: s.figMine4},
		{ID: "F-CHEM-1", Section: "chem", Order: 10, Label: "inspection.figure.chem", Text: "inspection.figure.chem_text", Count: s.figChem},
		{ID: "F-IND-1", Section: "industry", Order: 10, Label: "inspection.figure.industry", PerCounty: []string{"percent"}, Count: s.figIndustry},
	}
}

// sectorsOf narrows a sector set to a section's sectors (q.Section).
func (s *Service) sectorsOf(ctx context.Context, q figure.Query, set []string) ([]string, error) {
	if q.Section == "" {
		return set, nil
	}
	_, _, _, secs, err := s.org.UnitInfo(ctx, q.Section)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, x := range set {
		if slices.Contains(secs, x) {
			out = append(out, x)
		}
	}
	if out == nil {
		out = []string{"-"} // nothing
	}
	return out, nil
}

// sectionOf is the supervising section (股室) of a sector: hazards found
// by it are the section's own findings (the hazard demo's filter).
func (s *Service) sectionOf(ctx context.Context, p *auth.Principal, sector string) (string, error) {
	units, err := s.org.ListUnits(ctx, &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}, org.UnitFilter{Kind: org.UnitSection})
	if err != nil {
		return "", err
	}
	for _, u := range units {
		if slices.Contains(u.Sectors, sector) {
			return u.ID, nil
		}
	}
	return "", nil
}

func inspLink(q figure.Query, sectors []string, extra string) string {
	v := url.Values{}
	v.Set("sectors", strings.Join(sectors, ","))
	v.Set("from", q.Period.FromDay())
	v.Set("to", q.Period.ToDay())
	if q.Region != "" {
		v.Set("town", q.Region)
	}
	return "/inspections?" + v.Encode() + extra
}

func (s *Service) countInsp(ctx context.Context, q figure.Query, f Filter, key string, link string) (figure.Number, error) {
	f.From, f.To, f.Town = q.Period.FromDay(), q.Period.ToDay(), q.Region
	n, idList, err := s.Count(ctx, q.P, f, q.Records)
	return figure.Number{Key: key, Value: int64(n), Kind: "inspection", Records: idList, Link: link}, err
}

// hazards counts hazards through the hazard service.
func (s *Service) hazards(ctx context.Context, q figure.Query, f hazard.Filter, link string) (all, major figure.Number, err error) {
	f.From, f.To, f.Town = q.Period.FromDay(), q.Period.ToDay(), q.Region
	c, err := s.haz.Counts(ctx, q.P, f)
	if err != nil {
		return all, major, err
	}
	all = figure.Number{Key: "hazards", Value: int64(c.Found), Kind: "hazard", Link: link}
	major = figure.Number{Key: "major", Value: int64(c.Major), Kind: "hazard", Link: link + "&grade=major"}
	if q.Records {
		err = s.haz.Each(ctx, q.P, f, func(r hazard.Record) error {
			all.Records = append(all.Records, r.ID)
			if r.Grade == hazard.Major {
				major.Records = append(major.Records, r.ID)
			}
			return nil
		})
	}
	return all, major, err
}

func hazLink(q figure.Query, f hazard.Filter) string {
	v := url.Values{}
	if f.Sector != "" {
		v.Set("sector", f.Sector)
	}
	if f.Source != "" {
		v.Set("source", string(f.Source))
	}
	if f.Unit != "" {
		v.Set("unit", f.Unit)
	}
	v.Set("from", q.Period.FromDay())
	v.Set("to", q.Period.ToDay())
	if q.Region != "" {
		v.Set("town", q.Region)
	}
	return "/hazards?" + v.Encode()
}

// figMine: the mine section's own inspections (家次) and the hazards of
// mines found by the section (general and major) — F-MINE-1 without its
// documents.
func (s *Service) figMine(ctx context.Context, q figure.Query) (figure.Value, error) {
	secs, err := s.sectorsOf(ctx, q, MineSectors)
	if err != nil {
		return figure.Value{}, err
	}
	insp, err := s.countInsp(ctx, q, Filter{Sectors: secs, Own: true}, "inspections", inspLink(q, secs, "&own=1"))
	if err != nil {
		return figure.Value{}, err
	}
	unit, err := s.sectionOf(ctx, q.P, "mine")
	if err != nil {
		return figure.Value{}, err
	}
	hf := hazard.Filter{Sector: "mine", Unit: unit}
	all, major, err := s.hazards(ctx, q, hf, hazLink(q, hf))
	if err != nil {
		return figure.Value{}, err
	}
	general := figure.Number{Key: "general", Value: all.Value - major.Value, Kind: "hazard", Link: all.Link + "&grade=general"}
	for _, id := range all.Records {
		if !slices.Contains(major.Records, id) {
			general.Records = append(general.Records, id)
		}
	}
	return figure.Value{Numbers: []figure.Number{insp, general, major}}, nil
}

// figMine4: findings of superior inspections (上级督查) of mines, by the
// party they fall on.
func (s *Service) figMine4(ctx context.Context, q figure.Query) (figure.Value, error) {
	secs, err := s.sectorsOf(ctx, q, MineSectors)
	if err != nil {
		return figure.Value{}, err
	}
	f := Filter{Sectors: secs, Kind: KindSuperior, From: q.Period.FromDay(), To: q.Period.ToDay(), Town: q.Region}
	rows, _, err := s.List(ctx, q.P, f)
	if err != nil {
		return figure.Value{}, err
	}
	link := inspLink(q, secs, "&kind=superior")
	total := figure.Number{Key: "findings", Kind: "inspection_finding", Link: link}
	gov := figure.Number{Key: "government", Kind: "inspection_finding", Link: link}
	ent := figure.Number{Key: "enterprise", Kind: "inspection_finding", Link: link}
	ents := figure.Number{Key: "enterprises", Kind: "enterprise", Link: link}
	seen := map[string]bool{}
	for _, x := range rows {
		fs, err := findings(ctx, s.db.R(), x.ID)
		if err != nil {
			return figure.Value{}, err
		}
		for _, fd := range fs {
			total.Value++
			n := &ent
			if fd.Party == PartyGovernment {
				n = &gov
			} else if key := fd.EnterpriseID + "|" + fd.PartyName; !seen[key] {
				seen[key] = true
				ents.Value++
				if q.Records {
					ents.Records = append(ents.Records, fd.EnterpriseID)
				}
			}
			n.Value++
			if q.Records {
				total.Records = append(total.Records, fd.ID)
				n.Records = append(n.Records, fd.ID)
			}
		}
	}
	return figure.Value{Numbers: []figure.Number{total, gov, ent, ents}}, nil
}

// figChem: chemicals and fireworks inspections (家次) and the hazards the
// section found in those sectors.
func (s *Service) figChem(ctx context.Context, q figure.Query) (figure.Value, error) {
	secs, err := s.sectorsOf(ctx, q, ChemSectors)
	if err != nil {
		return figure.Value{}, err
	}
	insp, err := s.countInsp(ctx, q, Filter{Sectors: secs, Own: true}, "inspections", inspLink(q, secs, "&own=1"))
	if err != nil {
		return figure.Value{}, err
	}
	unit, err := s.sectionOf(ctx, q.P, "chem_produce")
	if err != nil {
		return figure.Value{}, err
	}
	hf := hazard.Filter{Sectors: secs, Unit: unit}
	all, _, err := s.hazards(ctx, q, hf, hazLink(q, hf))
	if err != nil {
		return figure.Value{}, err
	}
	return figure.Value{Numbers: []figure.Number{insp, all}}, nil
}

// figIndustry: 冶金工贸 inspections (家次) and the year's plan progress
// (planned, done up to the period's end, percent) of the plans whose
// section supervises those sectors.
func (s *Service) figIndustry(ctx context.Context, q figure.Query) (figure.Value, error) {
	secs, err := s.sectorsOf(ctx, q, IndustrySectors)
	if err != nil {
		return figure.Value{}, err
	}
	insp, err := s.countInsp(ctx, q, Filter{Sectors: secs, Own: true}, "inspections", inspLink(q, secs, "&own=1"))
	if err != nil {
		return figure.Value{}, err
	}
	unit, err := s.sectionOf(ctx, q.P, IndustrySectors[0])
	if err != nil {
		return figure.Value{}, err
	}
	plans, err := s.PlansUntil(ctx, q.P, q.Period.To.Year(), q.Period.ToDay())
	if err != nil {
		return figure.Value{}, err
	}
	planned := figure.Number{Key: "planned", Kind: "enterprise"}
	done := figure.Number{Key: "done", Kind: "enterprise"}
	for _, x := range plans {
		if x.SectionID != unit {
			continue
		}
		planned.Link = "/inspection-plans/" + x.ID
		done.Link = fmt.Sprintf("/inspection-plans/%s#plan-items", x.ID)
		planned.Value += int64(x.Progress.Planned)
		done.Value += int64(x.Progress.Done)
		if q.Records {
			for _, id := range append(append([]string(nil), x.Key...), x.General...) {
				planned.Records = append(planned.Records, id)
				if x.Done[id] {
					done.Records = append(done.Records, id)
				}
			}
		}
	}
	pct := figure.Number{Key: "percent", Link: planned.Link}
	if planned.Value > 0 {
		pct.Value = done.Value * 100 / planned.Value
	}
	return figure.Value{Numbers: []figure.Number{insp, planned, done, pct}}, nil
}
