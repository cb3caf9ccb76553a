// Package xlsxtest builds Excel workbooks for tests. It is imported by test
// files only.
package xlsxtest

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"

	"yingji/internal/kit/xlsx"
)

// Fill writes the import template of s (xlsx.WriteTemplate) and then rows
// under its header, one row per slice from row 2 of the first sheet, and
// returns the workbook. Any failure ends the test.
func Fill(t testing.TB, s xlsx.Schema, rows [][]any) []byte {
	t.Helper()
	var tpl bytes.Buffer
	if err := xlsx.WriteTemplate(&tpl, s); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&tpl)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	sheet := f.GetSheetName(0)
	for i, r := range rows {
		cell, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.SetSheetRow(sheet, cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if err := f.Write(&out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
