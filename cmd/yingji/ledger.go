package main

import (
	"fmt"
	"os"
	"strings"

	"yingji/internal/errs"
	"yingji/internal/ledger"
	"yingji/internal/xlsx"
)

func (e env) importCmd(args []string) error {
	var template string
	var onlyValid bool
	a, rest, err := e.open("import", args, func(fs *flagSet) {
		fs.StringVar(&template, "template", "", "write the ledger's Excel template to this file instead of importing")
		fs.BoolVar(&onlyValid, "only-valid", false, "import the valid rows even when some rows have errors")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if len(rest) == 0 {
		return usageError{"usage: yingji import KIND FILE | yingji import KIND --template OUT.xlsx; kinds: " + importable(a.Ledgers)}
	}
	l, ok := a.Ledgers.Get(rest[0])
	if !ok || l.NewImport == nil {
		return usageError{fmt.Sprintf("unknown or not importable ledger %q; importable: %s", rest[0], importable(a.Ledgers))}
	}
	if template != "" {
		f, err := os.Create(template)
		if err != nil {
			return err
		}
		if err := xlsx.WriteTemplate(f, l.Schema); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintf(e.out, "template for %s written to %s\n", l.Kind, template)
		return nil
	}
	if len(rest) != 2 {
		return usageError{"usage: yingji import " + l.Kind + " FILE [--only-valid]"}
	}
	f, err := os.Open(rest[1])
	if err != nil {
		return err
	}
	defer f.Close()
	res, err := ledger.Run(e.ctx, l, a.System(), f, onlyValid, func(done, total int64) {
		if total > 0 {
			fmt.Fprintf(e.errOut, "\rwriting %d/%d rows", done, total)
		}
	})
	if res != nil && len(res.Errors) > 0 {
		fmt.Fprintln(e.out)
		for _, ce := range res.Errors {
			fmt.Fprintln(e.out, ce.String())
		}
		if res.ErrorCount > len(res.Errors) {
			fmt.Fprintf(e.out, "… %d errors in all\n", res.ErrorCount)
		}
	}
	if err != nil {
		if res != nil && res.FileError != "" {
			return fmt.Errorf("%s", res.FileError)
		}
		if errs.Is(err, errs.Invalid) && res != nil {
			return fmt.Errorf("%d error(s) in %d rows: nothing was imported (fix the file, or use --only-valid) / 发现 %d 处错误，未导入任何数据", res.ErrorCount, res.Rows, res.ErrorCount)
		}
		return a.Explain(err)
	}
	fmt.Fprintf(e.out, "\nimported %d of %d rows into %s (%d skipped)\n", res.Imported, res.Rows, l.Kind, res.Skipped)
	return nil
}

func importable(r *ledger.Registry) string {
	var out []string
	for _, k := range r.Kinds() {
		if l, _ := r.Get(k); l.NewImport != nil {
			out = append(out, k)
		}
	}
	return strings.Join(out, ", ")
}

func (e env) exportCmd(args []string) error {
	var out string
	a, rest, err := e.open("export", args, func(fs *flagSet) {
		fs.StringVar(&out, "out", "", "the .xlsx file to write")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if len(rest) != 1 || out == "" {
		return usageError{"usage: yingji export KIND --out FILE.xlsx; kinds: " + strings.Join(a.Ledgers.Kinds(), ", ")}
	}
	l, ok := a.Ledgers.Get(rest[0])
	if !ok || l.Export == nil {
		return usageError{fmt.Sprintf("unknown ledger %q; kinds: %s", rest[0], strings.Join(a.Ledgers.Kinds(), ", "))}
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	w, err := xlsx.NewWriter(f, l.Schema)
	if err != nil {
		f.Close()
		return err
	}
	if err := l.Export(e.ctx, a.System(), nil, w); err != nil {
		w.Discard()
		f.Close()
		os.Remove(out)
		return err
	}
	n := w.Rows()
	if err := w.Close(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(e.out, "exported %d rows of %s to %s\n", n, l.Kind, out)
	return nil
}
