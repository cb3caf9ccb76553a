package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"yingji/internal/kit/figure"
)

// reportCmd writes the period report from the records:
//
//	yingji report --from 2022-01-01 --to 2022-06-30 [--scope CODE] --format text|json|pdf|docx --out F
func (e env) reportCmd(args []string) error {
	if len(args) > 0 && args[0] == "publish" {
		return e.reportPublish(args[1:])
	}
	var from, to, scope, format, out, lang string
	a, rest, err := e.open("report", args, func(fs *flagSet) {
		fs.StringVar(&from, "from", "", "first day of the period (YYYY-MM-DD)")
		fs.StringVar(&to, "to", "", "last day of the period (YYYY-MM-DD)")
		fs.StringVar(&scope, "scope", "", "a town's region code (default: the whole county)")
		fs.StringVar(&format, "format", "text", "text, json, pdf or docx")
		fs.StringVar(&out, "out", "", "the file to write (default: standard output for text and json)")
		fs.StringVar(&lang, "lang", "zh", "zh or en")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if len(rest) != 0 || from == "" || to == "" {
		return usageError{"usage: yingji report --from YYYY-MM-DD --to YYYY-MM-DD [--scope CODE] --format text|json|pdf|docx --out FILE"}
	}
	switch format {
	case "text", "json", "pdf", "docx":
	default:
		return usageError{fmt.Sprintf("unknown format %q: text, json, pdf or docx", format)}
	}
	if (format == "pdf" || format == "docx") && out == "" {
		return usageError{"--format " + format + " needs --out FILE"}
	}
	p, err := figure.NewPeriod(from, to)
	if err != nil {
		return usageError{err.Error()}
	}
	rep, err := a.Report(e.ctx, a.System(), figure.Query{Period: p, Region: scope, Records: format == "json"}, lang)
	if err != nil {
		return err
	}
	w := e.out
	var f *os.File
	if out != "" {
		if f, err = os.Create(out); err != nil {
			return err
		}
		w = f
	}
	bw := bufio.NewWriter(w)
	title := a.UI.I18n.T(lang, "report.title", map[string]any{"From": rep.From, "To": rep.To})
	switch format {
	case "text":
		_, err = bw.WriteString(rep.Text(title))
	case "json":
		enc := json.NewEncoder(bw)
		enc.SetIndent("", " ")
		err = enc.Encode(rep.JSON())
	case "pdf":
		err = rep.PDF(bw, a.Cfg.CountyName+"应急管理局", title)
	case "docx":
		err = rep.DOCX(bw, title)
	}
	if err == nil {
		err = bw.Flush()
	}
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(out)
		} else {
			fmt.Fprintf(e.errOut, "wrote the %s report %s…%s to %s\n", strings.ToUpper(format), rep.From, rep.To, out)
		}
	}
	return err
}
