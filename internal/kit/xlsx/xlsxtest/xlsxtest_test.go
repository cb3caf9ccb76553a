package xlsxtest_test

import (
	"bytes"
	"reflect"
	"testing"

	"yingji/internal/kit/xlsx"
	"yingji/internal/kit/xlsx/xlsxtest"
)

func TestFillWritesRowsUnderTheHeader(t *testing.T) {
	s := xlsx.Schema{Name: "台账", Columns: []xlsx.Column{
		{Key: "name", Header: "名称", Required: true},
		{Key: "code", Header: "代码"},
	}}
	data := xlsxtest.Fill(t, s, [][]any{{"甲", "001"}, {"乙", 2}})
	var got []xlsx.Row
	if _, err := xlsx.Parse(bytes.NewReader(data), s, func(r xlsx.Row) []xlsx.CellError {
		got = append(got, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []xlsx.Row{
		{Num: 2, Values: map[string]string{"name": "甲", "code": "001"}},
		{Num: 3, Values: map[string]string{"name": "乙", "code": "2"}},
	}
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i].Num != want[i].Num || !reflect.DeepEqual(got[i].Values, want[i].Values) || len(got[i].Errors) != 0 {
			t.Errorf("row %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}
