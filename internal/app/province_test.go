package app_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"yingji/internal/app"
	"yingji/internal/bureau/province"
	"yingji/internal/kit/config"
	"yingji/internal/kit/figure"
)

type quietProgress struct{}

func (quietProgress) Set(int64, int64, string) {}
func (quietProgress) Cancelled() bool          { return false }

// The scheduled publish files each closed period once: on 2022-07-15 the
// month of June, the second quarter, the first half-year and 2021; a
// second run leaves them as they are; without --province-db it does
// nothing.
func TestProvincePublishJob(t *testing.T) {
	ctx := context.Background()
	target := filepath.Join(t.TempDir(), "province.db")
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), County: "340102", CountyName: "乙县", AdminPassword: "Admin2022x",
		LogLevel: "error", ProvinceDB: target}
	now := time.Date(2022, 7, 15, 2, 0, 0, 0, time.UTC)
	a, err := app.Open(ctx, cfg, app.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	job := a.JobHandlers["province.publish"]
	if job == nil {
		t.Fatal("no province.publish job")
	}
	if err := job(ctx, nil, quietProgress{}); err != nil {
		t.Fatal(err)
	}
	db, err := province.Open(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stamp := func() string {
		var s string
		if err := db.R().QueryRowContext(ctx, `SELECT min(computed_at) || '/' || count(*) FROM province_number`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, p := range [][2]string{{"2022-06-01", "2022-06-30"}, {"2022-04-01", "2022-06-30"}, {"2022-01-01", "2022-06-30"}, {"2021-01-01", "2021-12-31"}} {
		per, _ := figure.NewPeriod(p[0], p[1])
		if ok, err := province.HasPublished(ctx, db, "340102", per); err != nil || !ok {
			t.Errorf("%v not published: %v", p, err)
		}
	}
	before := stamp()
	if err := job(ctx, nil, quietProgress{}); err != nil {
		t.Fatal(err)
	}
	if after := stamp(); after != before {
		t.Errorf("the second run published again: %s → %s", before, after)
	}
}
