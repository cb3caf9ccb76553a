package ledger_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/xlsx"
	"yingji/internal/kit/xlsx/xlsxtest"
)

// groupImport keeps rows by group; Finish refuses a group without a row
// marked "lead", naming its first row.
type groupImport struct {
	first     map[string]int
	lead      map[string]bool
	rows      map[string]int
	committed int
}

func (g *groupImport) Check(_ context.Context, row xlsx.Row) []xlsx.CellError {
	k := row.Values["group"]
	if _, ok := g.first[k]; !ok {
		g.first[k] = row.Num
	}
	g.rows[k]++
	if row.Values["role"] == "lead" {
		g.lead[k] = true
	}
	return nil
}

func (g *groupImport) Finish(context.Context) []xlsx.CellError {
	var out []xlsx.CellError
	for k, n := range g.first {
		if !g.lead[k] {
			out = append(out, xlsx.CellError{Row: n, Key: "role", Value: k, Reason: "no lead"})
			delete(g.rows, k)
		}
	}
	return out
}

func (g *groupImport) Commit(context.Context, func(done, total int64)) (int, error) {
	for _, n := range g.rows {
		g.committed += n
	}
	return g.committed, nil
}

func TestFinisherErrorsNameRowAndColumn(t *testing.T) {
	schema := xlsx.Schema{Name: "组", Columns: []xlsx.Column{{Key: "group", Header: "组"}, {Key: "note", Header: "备注"}, {Key: "role", Header: "角色"}}}
	var imp *groupImport
	l := &ledger.Ledger{Kind: "groups", Schema: schema, NewImport: func(context.Context, *auth.Principal, string) (ledger.Import, error) {
		imp = &groupImport{first: map[string]int{}, lead: map[string]bool{}, rows: map[string]int{}}
		return imp, nil
	}}
	file := xlsxtest.Fill(t, schema, [][]any{{"a", "", "lead"}, {"a", "", "x"}, {"b", "", "x"}, {"b", "", "x"}})
	res, err := ledger.Run(context.Background(), l, &auth.Principal{}, bytes.NewReader(file), ledger.Options{}, nil)
	if !errors.Is(err, ledger.ErrRowsInvalid) || res.Committed || imp.committed != 0 {
		t.Fatalf("a whole-file error must commit nothing: %v %+v", err, res)
	}
	if res.ErrorCount != 1 || res.Errors[0].Row != 4 || res.Errors[0].Col != "C" || res.Errors[0].Column != "角色" {
		t.Fatalf("errors %+v", res.Errors)
	}
	res, err = ledger.Run(context.Background(), l, &auth.Principal{}, bytes.NewReader(file), ledger.Options{OnlyValid: true}, nil)
	if err != nil || !res.Committed || res.Imported != 2 || res.Skipped != 1 {
		t.Fatalf("only valid: %v %+v", err, res)
	}
}
