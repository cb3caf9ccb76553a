package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"yingji/internal/bureau/province"
	"yingji/internal/bureau/report"
	"yingji/internal/kit/config"
	"yingji/internal/kit/figure"
)

// reportPublish publishes the county's figures for a period to the
// province database (逐级上报):
//
//	yingji report publish --from 2022-01-01 --to 2022-06-30 --to-db postgres://…/province
func (e env) reportPublish(args []string) error {
	var from, to, target string
	a, rest, err := e.open("report publish", args, func(fs *flagSet) {
		fs.StringVar(&from, "from", "", "first day of the period (YYYY-MM-DD)")
		fs.StringVar(&to, "to", "", "last day of the period (YYYY-MM-DD)")
		fs.StringVar(&target, "to-db", "", "the province database: postgres://… (or a SQLite file)")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if len(rest) != 0 || from == "" || to == "" || target == "" {
		return usageError{"usage: yingji report publish --from YYYY-MM-DD --to YYYY-MM-DD --to-db postgres://…/province"}
	}
	p, err := figure.NewPeriod(from, to)
	if err != nil {
		return usageError{err.Error()}
	}
	t0 := time.Now()
	db, err := province.Open(e.ctx, target)
	if err != nil {
		return err
	}
	defer db.Close()
	pub, err := a.PublishToProvince(e.ctx, db, p)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.errOut, "published %s %s: %d numbers of %d figures for %s…%s to %s in %s\n", pub.County.Code, pub.County.Name,
		len(pub.Rows), len(pub.Defs), p.FromDay(), p.ToDay(), db, time.Since(t0).Round(time.Millisecond))
	return nil
}

// provinceCmd runs the province's verbs:
//
//	yingji province report --db postgres://…/province --from … --to … [--format text|json|xlsx] [--out F]
func (e env) provinceCmd(args []string) error {
	const usage = "usage: yingji province report --db postgres://…/province --from YYYY-MM-DD --to YYYY-MM-DD [--format text|json|xlsx] [--out FILE] [--lang zh|en]"
	if len(args) == 0 || args[0] != "report" {
		return usageError{usage}
	}
	fs := config.NewFlagSet("province report", e.errOut)
	var target, from, to, format, out, lang string
	fs.StringVar(&target, "db", e.getenv("YINGJI_PROVINCE_DB"), "the province database: postgres://… (or a SQLite file); env YINGJI_PROVINCE_DB")
	fs.StringVar(&from, "from", "", "first day of the period (YYYY-MM-DD)")
	fs.StringVar(&to, "to", "", "last day of the period (YYYY-MM-DD)")
	fs.StringVar(&format, "format", "text", "text, json or xlsx")
	fs.StringVar(&out, "out", "", "the file to write (default: standard output for text and json)")
	fs.StringVar(&lang, "lang", "zh", "zh or en")
	if err := fs.Parse(interleave(fs, args[1:])); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() != 0 || target == "" || from == "" || to == "" {
		return usageError{usage}
	}
	switch format {
	case "text", "json", "xlsx":
	default:
		return usageError{fmt.Sprintf("unknown format %q: text, json or xlsx", format)}
	}
	if format == "xlsx" && out == "" {
		return usageError{"--format xlsx needs --out FILE"}
	}
	if lang != "zh" && lang != "en" {
		return usageError{fmt.Sprintf("unknown language %q: zh or en", lang)}
	}
	p, err := figure.NewPeriod(from, to)
	if err != nil {
		return usageError{err.Error()}
	}
	msgs, err := province.LoadMessages()
	if err != nil {
		return err
	}
	db, err := province.Open(e.ctx, target)
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := province.Load(e.ctx, db, p, report.Sections)
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
	switch format {
	case "text":
		_, err = bw.WriteString(r.Text(msgs, lang))
	case "json":
		enc := json.NewEncoder(bw)
		enc.SetIndent("", " ")
		err = enc.Encode(r.JSON(msgs, lang))
	case "xlsx":
		err = r.XLSX(bw, msgs, lang)
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
			fmt.Fprintf(e.errOut, "wrote the province %s report %s…%s (%d counties, %d missing) to %s\n", format, p.FromDay(), p.ToDay(), len(r.Published), len(r.Missing), out)
		}
	}
	return err
}
