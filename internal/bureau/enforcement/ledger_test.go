package enforcement_test

import (
	"bytes"
	"context"
	"testing"

	"yingji/internal/bureau/enforcement"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
	"yingji/internal/kit/xlsx/xlsxtest"
)

// TestCaseImport replays the rows through the case rules: a bad row is
// reported with its column and nothing of the file is committed.
func TestCaseImport(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		l := f.svc.CaseLedger()
		good := []any{f.mine.CreditCode, "", "值班人员脱岗", "违规值班值守", "penalty_45", "2022-03-01", "4000"}
		bad := [][]any{
			good,
			{"91349901999999999X", "", "x", "", "penalty_45", "2022-03-01"},
			{f.mine.CreditCode, "", "x", "", "无此依据", "2022-03-01"},
			{f.mine.CreditCode, "", "x", "", "penalty_45", "2022-03-01", "-1"},
			{f.mine.CreditCode, "", "x", "", "penalty_45", "2022-03-01", "30000.01"},
			{f.mine.CreditCode, "", "x", "", "penalty_45", "2099-03-01"},
		}
		res, err := ledger.Run(ctx, l, f.jg1, bytes.NewReader(xlsxtest.Fill(t, enforcement.CaseSchema(), bad)), ledger.Options{}, nil)
		if !errs.Is(err, errs.Invalid) || res == nil || res.Committed {
			t.Fatalf("bad file: %+v %v", res, err)
		}
		want := map[int]string{3: "credit_code", 4: "legal_basis", 5: "fine", 6: "fine", 7: "found_on"}
		got := map[int]string{}
		for _, e := range res.Errors {
			got[e.Row] = e.Key
		}
		for row, key := range want {
			if got[row] != key {
				t.Errorf("row %d: %q, want %q (%+v)", row, got[row], key, res.Errors)
			}
		}
		if _, n, _ := f.svc.ListCases(ctx, f.admin, enforcement.CaseFilter{}); n != 0 {
			t.Fatalf("a bad file imported %d cases", n)
		}
		res, err = ledger.Run(ctx, l, f.jg1, bytes.NewReader(xlsxtest.Fill(t, enforcement.CaseSchema(), [][]any{good})), ledger.Options{}, nil)
		if err != nil || res.Imported != 1 {
			t.Fatalf("good file: %+v %v", res, err)
		}
		cases, _, _ := f.svc.ListCases(ctx, f.admin, enforcement.CaseFilter{})
		if len(cases) != 1 || cases[0].State != enforcement.StateFiling || cases[0].CauseKind != "duty_keeping" || cases[0].DraftedBy != f.jg1.UserID {
			t.Errorf("imported case: %+v", cases)
		}
		if _, err := ledger.Run(ctx, l, f.leader, bytes.NewReader(xlsxtest.Fill(t, enforcement.CaseSchema(), [][]any{good})), ledger.Options{}, nil); errs.KindOf(err) != errs.Forbidden {
			t.Errorf("leader imports: %v", err)
		}
	})
}
