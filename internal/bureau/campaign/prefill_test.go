package campaign

import (
	"context"
	"testing"

	"yingji/internal/bureau/campaign/datacall"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/org"
)

// figures answers every query of a unit with fixed figures and every
// self-check query with none.
type figures struct{ all HazardFigures }

func (f figures) Figures(_ context.Context, _ *auth.Principal, q HazardQuery) (HazardFigures, error) {
	if q.Source != "" {
		return HazardFigures{}, nil
	}
	return f.all, nil
}

// The data call's 延期整改 field (hazard.major_extended) is pre-filled from
// the records like its siblings.
func TestPrefillMajorExtended(t *testing.T) {
	stats := figures{HazardFigures{Found: 10, Rectified: 8, Major: 3, MajorDone: 1, Listed: 3, MajorExtended: 2}}
	fill := HazardPrefill(stats, nil, "self_check")
	form := datacall.Form{Fields: []datacall.Field{{Key: "major", Source: "hazard.major"}, {Key: "major_listed", Source: "hazard.major_listed"},
		{Key: "major_extended", Source: "hazard.major_extended"}}}
	got, err := fill(context.Background(), datacall.Call{CountyCode: "349901", Campaign: "2022年安全生产大检查", From: "2022-01-01", To: "2022-05-31"},
		form, org.Unit{ID: "u1", Kind: org.UnitDepartment})
	if err != nil {
		t.Fatal(err)
	}
	if got["major"] != "3" || got["major_listed"] != "3" || got["major_extended"] != "2" {
		t.Fatalf("pre-fill: %v", got)
	}
}
