package accident_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"yingji/internal/bureau/accident"
	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store/storetest"
	"yingji/internal/kit/xlsx/xlsxtest"
)

// TestAccidentImport replays rows through Validate: a level contradicting
// the figures is reported on its cell and nothing is committed.
func TestAccidentImport(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	now := time.Date(2022, 6, 30, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
	clock := func() time.Time { return now }
	svc := accident.New(db, enterprise.New(db, org.New(db, clock), clock, nil), clock)
	duty := &auth.Principal{UserID: "u-duty", Role: auth.RoleDuty, CountyCode: county}
	good := []any{"2021-03-18", "09:40", "采场", "", "", "非煤矿山", "物体打击", "1", "0", "1200000", "一般事故"}
	rows := [][]any{
		good,
		{"2021-03-18", "", "采场", "", "", "非煤矿山", "物体打击", "3", "0", "0", "一般"},
		{"2021-03-18", "", "采场", "", "", "非煤矿山", "物体打击", "", "0", "0"},
		{"2021-03-18", "", "采场", "", "", "非煤矿山", "走失", "0"},
	}
	res, err := ledger.Run(ctx, svc.Ledger(), duty, bytes.NewReader(xlsxtest.Fill(t, accident.Schema(), rows)), ledger.Options{}, nil)
	if !errs.Is(err, errs.Invalid) || res.Committed {
		t.Fatalf("bad file: %+v %v", res, err)
	}
	got := map[int]string{}
	for _, e := range res.Errors {
		got[e.Row] = e.Key
	}
	for row, key := range map[int]string{3: "level", 4: "deaths", 5: "kind"} {
		if got[row] != key {
			t.Errorf("row %d: %q, want %q (%+v)", row, got[row], key, res.Errors)
		}
	}
	res, err = ledger.Run(ctx, svc.Ledger(), duty, bytes.NewReader(xlsxtest.Fill(t, accident.Schema(), [][]any{good})), ledger.Options{}, nil)
	if err != nil || res.Imported != 1 {
		t.Fatalf("good file: %+v %v", res, err)
	}
	list, _, _ := svc.List(ctx, duty, accident.Filter{})
	if len(list) != 1 || list[0].Level != accident.LevelGeneral || list[0].LossFen != 120000000 {
		t.Errorf("imported: %+v", list)
	}
}
