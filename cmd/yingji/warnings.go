package main

import (
	"fmt"
	"os"
	"path/filepath"

	"yingji/internal/app"
	"yingji/internal/kit/errs"
)

// importWarning imports a CAP 1.2 message as a draft warning (yingji
// import warnings FILE.xml); anything else is refused with the reason,
// naming the element.
func (e env) importWarning(a *app.App, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	w, err := a.Warning.Import(e.ctx, a.System(), f)
	if err != nil {
		if fe, ok := errs.As(err); ok && fe.Message == "warning.cap_refused" {
			where := ""
			if el, _ := fe.Args["Element"].(string); el != "" {
				where = " <" + el + ">"
			}
			return fmt.Errorf("%s: not imported: CAP 1.2%s: %v / 不是有效的 CAP 1.2 消息，未导入", file, where, fe.Args["Reason"])
		}
		return fmt.Errorf("%s: not imported: %w", file, a.Explain(err))
	}
	fmt.Fprintf(e.out, "imported %s as draft warning %s: %s (waiting for approval)\n", file, w.ID, w.Headline)
	return nil
}

// exportWarningsCAP writes one CAP 1.2 file per published warning into
// dir (yingji export warnings --cap DIR).
func (e env) exportWarningsCAP(a *app.App, rest []string, dir string) error {
	if len(rest) != 1 || rest[0] != "warnings" {
		return usageError{"usage: yingji export warnings --cap DIR (--cap is for warnings only)"}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	n, err := a.Warning.WriteCAPFiles(e.ctx, a.System(), func(name string, doc []byte) error {
		return os.WriteFile(filepath.Join(dir, name), doc, 0o644)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "exported %d CAP 1.2 files of warnings to %s\n", n, dir)
	return nil
}
