package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"yingji/internal/app"
	"yingji/internal/kit/config"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/xlsx"
)

func (e env) importCmd(args []string) error {
	var template string
	var onlyValid bool
	var campaign, programme string
	extra := func(fs *flagSet) {
		fs.StringVar(&campaign, "campaign", "", "buildings: the survey campaign (name or ID) to import into; needed when there are several")
		fs.StringVar(&programme, "programme", "", "relief-households: the relief programme (name or ID) the households are entered into (required)")
		fs.StringVar(&template, "template", "", "write the ledger's Excel template to this file instead of importing (touches no database)")
		fs.BoolVar(&onlyValid, "only-valid", false, "import the valid rows even when some rows have errors")
	}
	// A template is made without opening (or creating) the database.
	fs := config.NewFlagSet("import", e.errOut)
	cfg := config.Flags(fs, e.getenv)
	extra(fs)
	if err := fs.Parse(interleave(fs, args)); err != nil {
		return usageError{err.Error()}
	}
	if template != "" {
		return e.writeTemplate(*cfg, fs.Args(), template)
	}
	a, rest, err := e.open("import", args, extra)
	if err != nil {
		return err
	}
	defer a.Close()
	if len(rest) == 0 {
		return usageError{"usage: yingji import KIND FILE | yingji import KIND --template OUT.xlsx; kinds: " + importable(a.Ledgers)}
	}
	if rest[0] == "warnings" && len(rest) == 2 { // a CAP 1.2 message, not a spreadsheet
		return e.importWarning(a, rest[1])
	}
	l, ok := a.Ledgers.Get(rest[0])
	if !ok || l.NewImport == nil {
		return usageError{fmt.Sprintf("unknown or not importable ledger %q; importable: %s", rest[0], importable(a.Ledgers))}
	}
	if len(rest) != 2 {
		return usageError{"usage: yingji import " + l.Kind + " FILE [--only-valid]" + targetUsage(l)}
	}
	target, err := cliTarget(e, a, l, "campaign", campaign)
	if err != nil {
		return err
	}
	if target == "" {
		if target, err = cliTarget(e, a, l, "programme", programme); err != nil {
			return err
		}
	}
	f, err := os.Open(rest[1])
	if err != nil {
		return err
	}
	defer f.Close()
	res, err := ledger.Run(e.ctx, l, a.System(), f, ledger.Options{OnlyValid: onlyValid, Target: target}, func(done, total int64) {
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

// writeTemplate writes the template of the ledger named in rest to out.
func (e env) writeTemplate(cfg config.Config, rest []string, out string) error {
	if len(rest) != 1 {
		return usageError{"usage: yingji import KIND --template OUT.xlsx"}
	}
	var buf bytes.Buffer
	found, kinds, err := app.WriteTemplate(e.ctx, cfg, rest[0], &buf)
	if err != nil {
		return err
	}
	if !found {
		return usageError{fmt.Sprintf("unknown or not importable ledger %q; importable: %s", rest[0], kinds)}
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(e.out, "template for %s written to %s\n", rest[0], out)
	return nil
}

func targetUsage(l *ledger.Ledger) string {
	if l.Target == nil {
		return ""
	}
	return " [--" + l.Target.Param + " NAME]"
}

// targetNames says what a Target's choices are, in the CLI's messages.
var targetNames = map[string][2]string{
	"campaign":  {"campaign", "排查活动"},
	"programme": {"programme", "救助项目"},
}

// targetRequired names the Target flags that must be given (the file
// cannot say where its rows belong).
var targetRequired = map[string]bool{"programme": true}

// cliTarget resolves the --campaign or --programme flag (param) to the
// ledger's Target value: a choice's value or label (an ID or a name).
// A required flag left out, or an unknown name, is refused with the
// choices listed.
func cliTarget(e env, a *app.App, l *ledger.Ledger, param, given string) (string, error) {
	wanted := l.Target != nil && l.Target.Param == param
	if given == "" && !(wanted && targetRequired[param]) {
		return "", nil
	}
	if !wanted {
		return "", usageError{fmt.Sprintf("ledger %s takes no --%s", l.Kind, param)}
	}
	choices, err := l.Target.Choices(e.ctx, a.System())
	if err != nil {
		return "", err
	}
	var names []string
	for _, c := range choices {
		if given != "" && (c.Value == given || c.Label == given) {
			return c.Value, nil
		}
		names = append(names, c.Label)
	}
	list := strings.Join(names, ", ")
	if len(names) == 0 {
		list = "(none)"
	}
	n := targetNames[param]
	if given == "" {
		return "", usageError{fmt.Sprintf("%s needs --%s NAME; %ss: %s / 请用 --%s 指定%s", l.Kind, param, n[0], list, param, n[1])}
	}
	return "", usageError{fmt.Sprintf("unknown %s %q; %ss: %s / 未知%s", n[0], given, n[0], list, n[1])}
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
	var out, capDir string
	a, rest, err := e.open("export", args, func(fs *flagSet) {
		fs.StringVar(&out, "out", "", "the .xlsx file to write")
		fs.StringVar(&capDir, "cap", "", "warnings: write one CAP 1.2 file per published warning into this folder")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if capDir != "" {
		return e.exportWarningsCAP(a, rest, capDir)
	}
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
	w, err := xlsx.NewWriter(f, l.ExportSchema())
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
