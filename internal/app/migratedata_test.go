package app_test

import (
	"context"
	"testing"
	"time"

	"yingji/internal/app"
	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/config"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

// A county moved from SQLite to PostgreSQL with the copy shows the same
// ledger figures, opens its sealed ID numbers with the same field key and
// keeps an intact audit chain.
func TestMigrateDataToPostgres(t *testing.T) {
	pgURL := storetest.PostgresURL(t)
	ctx := context.Background()
	now := time.Date(2022, 6, 30, 10, 0, 0, 0, time.UTC)
	src := demoApp(t, false, now)

	_, u := storetest.PostgresSchema(t, pgURL)
	dst, err := store.Open(ctx, store.Options{URL: u})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if err := dst.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := store.CopySQLiteToPostgres(ctx, src.DB, dst, nil); err != nil {
		t.Fatal(err)
	}
	cfg := src.Cfg
	cfg.DB = u
	moved, err := app.Open(ctx, config.Config{Addr: "127.0.0.1:0", DataDir: cfg.DataDir, DB: u, County: cfg.County, CountyName: cfg.CountyName, LogLevel: "error"}, app.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer moved.Close()
	if moved.DB.Engine != store.Postgres {
		t.Fatalf("moved app runs on %s", moved.DB.Engine)
	}

	before, after := userToken(t, src, "leader"), userToken(t, moved, "leader")
	type page struct {
		Total int `json:"total"`
	}
	for _, q := range []string{"", "?grade=major", "?state=closed", "?source=self_check", "?town=349901101"} {
		var a, b page
		getJSON(t, src, "/api/v1/hazards"+q, before, &a)
		getJSON(t, moved, "/api/v1/hazards"+q, after, &b)
		if a.Total != b.Total {
			t.Errorf("hazards%s: %d on SQLite, %d on PostgreSQL", q, a.Total, b.Total)
		}
		if q == "" && a.Total == 0 {
			t.Fatal("the demo has no hazards")
		}
	}
	for _, path := range []string{"/api/v1/enterprises", "/api/v1/certificates", "/api/v1/licences"} {
		var a, b page
		getJSON(t, src, path, before, &a)
		getJSON(t, moved, path, after, &b)
		if a.Total != b.Total || a.Total == 0 {
			t.Errorf("%s: %d on SQLite, %d on PostgreSQL", path, a.Total, b.Total)
		}
	}
	// Sealed ID numbers open with the data directory's key.
	adminSrc, adminDst := userToken(t, src, "admin"), userToken(t, moved, "admin")
	var certs struct {
		Items []struct {
			ID       string `json:"id"`
			IDNumber string `json:"id_number"`
		} `json:"items"`
	}
	getJSON(t, moved, "/api/v1/certificates?size=5", adminDst, &certs)
	if len(certs.Items) == 0 {
		t.Fatal("no certificates after the move")
	}
	var one, same struct {
		IDNumber string `json:"id_number"`
	}
	getJSON(t, src, "/api/v1/certificates/"+certs.Items[0].ID, adminSrc, &one)
	getJSON(t, moved, "/api/v1/certificates/"+certs.Items[0].ID, adminDst, &same)
	if one.IDNumber == "" || one.IDNumber != same.IDNumber {
		t.Errorf("ID number %q on SQLite, %q on PostgreSQL", one.IDNumber, same.IDNumber)
	}
	// The tallies were copied with the hazards they count, and hold.
	if c, err := hazard.CheckTallies(ctx, dst.R()); err != nil || !c.OK() {
		t.Errorf("hazard tallies after the move: %+v %v", c, err)
	}
	res, err := moved.VerifyAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() {
		t.Errorf("audit chain broken after the move: %+v", res.Problems)
	}
}
