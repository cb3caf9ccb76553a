package hazard_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"yingji/internal/enterprise"
	"yingji/internal/errs"
	"yingji/internal/ledger"
	"yingji/internal/store"
	"yingji/internal/store/storetest"
)

// twoEnterprises returns two enterprises of the demo register.
func twoEnterprises(t *testing.T, f *fx) (a, b enterprise.Enterprise) {
	t.Helper()
	var list []enterprise.Enterprise
	if err := f.ent.Each(context.Background(), f.p(t, "leader"), enterprise.Filter{}, func(e enterprise.Enterprise) error {
		list = append(list, e)
		return nil
	}); err != nil || len(list) < 2 {
		t.Fatalf("enterprises: %v %d", err, len(list))
	}
	return list[0], list[1]
}

// A row whose name and credit code name two different enterprises is
// refused naming both; a code with a wrong check character is reported
// as such.
func TestImportNameAndCodeMustAgree(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		sec := f.p(t, "zhifa")
		a, b := twoEnterprises(t, f)
		badCheck := b.CreditCode[:17] + string("0123456789ABCDEFGHJKLMNPQRTUWXY"[(strings.IndexByte("0123456789ABCDEFGHJKLMNPQRTUWXY", b.CreditCode[17])+1)%31])
		rowWith := func(name, code, desc string) []any {
			return []any{name, code, "", "", "", "一般", "", "", desc, "", "", "", "2022-03-01", "", "", "", "", ""}
		}
		file := ledgerFile(t, [][]any{
			rowWith(a.Name, b.CreditCode, "名称与代码不符"),
			rowWith("", badCheck, "校验位错误"),
			rowWith(a.Name, a.CreditCode, "一致"),
		})
		res, err := ledger.Run(ctx, f.svc.Ledger(), sec, bytes.NewReader(file), ledger.Options{}, nil)
		if !errs.Is(err, errs.Invalid) || res == nil || len(res.Errors) != 2 {
			t.Fatalf("want 2 refused rows: %v %+v", err, res)
		}
		mismatch, check := res.Errors[0], res.Errors[1]
		if mismatch.Row != 2 || !strings.Contains(mismatch.Reason, a.Name) || !strings.Contains(mismatch.Reason, b.Name) ||
			!strings.Contains(mismatch.Reason, b.CreditCode) {
			t.Errorf("mismatch must name both enterprises: %+v", mismatch)
		}
		if check.Row != 3 || !strings.Contains(check.Reason, "校验位") || strings.Contains(check.Reason, "没有此") {
			t.Errorf("a bad check character must be reported as such: %+v", check)
		}
		if n := countRows(t, db, "hazard"); n != 0 {
			t.Fatalf("a refused file committed %d hazards", n)
		}
	})
}
