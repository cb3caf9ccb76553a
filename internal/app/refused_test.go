package app_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"yingji/internal/bureau/campaign/housing"
	"yingji/internal/bureau/enterprise"
	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/audit"
)

// TestCrossScopeReadsAreAudited: a town user reading another town's
// record by ID is answered 404, like for a record that does not exist,
// and one "denied" entry naming the user and the record is written to
// the audit log (拒绝并记入操作日志). A record that does not exist leaves
// no entry.
func TestCrossScopeReadsAreAudited(t *testing.T) {
	a := demoApp(t, false, time.Date(2022, 9, 1, 2, 0, 0, 0, time.UTC))
	ctx := context.Background()
	town, err := a.Auth.PrincipalFor(ctx, "town")
	if err != nil {
		t.Fatal(err)
	}
	sys := a.System()
	stop := errors.New("found")
	var ent enterprise.Enterprise
	if err := a.Enterprise.Each(ctx, sys, enterprise.Filter{}, func(e enterprise.Enterprise) error {
		if e.TownCode != town.RegionCode {
			ent = e
			return stop
		}
		return nil
	}); err != nil && !errors.Is(err, stop) {
		t.Fatal(err)
	}
	hz, _, err := a.Hazard.List(ctx, sys, hazard.Filter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	var hzID string
	for _, h := range hz {
		if h.TownCode != town.RegionCode {
			hzID = h.ID
			break
		}
	}
	camps, err := a.Campaign.Housing.Campaigns(ctx, sys)
	if err != nil || len(camps) == 0 {
		t.Fatalf("campaigns %v", err)
	}
	var other string
	if ent.ID != "" {
		other = ent.TownCode
	}
	bs, _, err := a.Campaign.Housing.List(ctx, sys, camps[0].ID, housing.Filter{Town: other, Limit: 1})
	if err != nil || len(bs) == 0 || ent.ID == "" || hzID == "" {
		t.Fatalf("records of another town: enterprise %q hazard %q buildings %d %v", ent.ID, hzID, len(bs), err)
	}
	building := bs[0].ID
	tok := userToken(t, a, "town")

	denied := func(entity, id string) []audit.Row {
		rows, _, err := audit.List(ctx, a.DB.R(), audit.Filter{Entity: entity, EntityID: id, Action: "denied"})
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	for _, x := range []struct{ path, entity, id string }{
		{"/enterprises/" + ent.ID, "enterprise", ent.ID},
		{"/api/v1/enterprises/" + ent.ID, "enterprise", ent.ID},
		{"/hazards/" + hzID, "hazard", hzID},
		{"/api/v1/hazards/" + hzID, "hazard", hzID},
		{"/housing/" + camps[0].ID + "/buildings/" + building, "housing_building", building},
	} {
		before := len(denied(x.entity, x.id))
		rec := do(a, "GET", x.path, tok, nil)
		if rec.Code != http.StatusNotFound {
			t.Errorf("%s as town: %d, want 404", x.path, rec.Code)
		}
		// The answer is the one for a record that does not exist.
		const none = "01J0NOSUCHRECORD0000000000"
		missing := do(a, "GET", strings.ReplaceAll(x.path, x.id, none), tok, nil)
		if got := strings.ReplaceAll(rec.Body.String(), x.id, none); missing.Code != rec.Code || got != missing.Body.String() {
			t.Errorf("%s: the 404 differs from a missing record's:\n%s\n%s", x.path, got, missing.Body.String())
		}
		rows := denied(x.entity, x.id)
		if len(rows) != before+1 {
			t.Errorf("%s: %d denied entries, want %d", x.path, len(rows), before+1)
			continue
		}
		r := rows[0] // newest first
		if r.Username != "town" || r.UserID != town.UserID || !strings.Contains(r.Summary, "GET "+x.path) {
			t.Errorf("%s: denied entry %+v", x.path, r)
		}
	}
	// A record that does not exist: 404, nothing recorded.
	n, _, _ := audit.List(ctx, a.DB.R(), audit.Filter{Action: "denied"})
	if rec := do(a, "GET", "/hazards/01J0NOSUCHRECORD0000000000", tok, nil); rec.Code != http.StatusNotFound {
		t.Errorf("missing hazard: %d", rec.Code)
	}
	if m, _, _ := audit.List(ctx, a.DB.R(), audit.Filter{Action: "denied"}); len(m) != len(n) {
		t.Errorf("a missing record was audited as denied")
	}
}
