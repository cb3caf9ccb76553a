// Command yingji runs the county emergency-management platform: the web
// server, the demo county, migrations, Excel import and export, users,
// API tokens, backups and the audit check.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"yingji/internal/app"
	"yingji/internal/kit/config"
	"yingji/internal/kit/crypt"
	"yingji/internal/kit/demo"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

const usage = `yingji — 县应急管理局业务平台 / county emergency-management platform

Usage:
  yingji serve [--addr 127.0.0.1:8080] [--data ./data] [--db postgres://…] [--demo] [--trusted-proxies CIDR,…]
  yingji demo [--data DIR | --db URL]          load the demo county 示例县
  yingji migrate [--data DIR | --db URL]
  yingji migrate-data --data DIR --to postgres://…
                                               copy a county's SQLite database into a new, empty PostgreSQL database
  yingji report --from YYYY-MM-DD --to YYYY-MM-DD [--scope CODE] --format text|json|pdf|docx [--out FILE]
                                               the period report written from the records
  yingji report publish --from YYYY-MM-DD --to YYYY-MM-DD --to-db postgres://…/province
                                               publish the county's figures for the period to the province
                                               database (replaces what the county published for that period)
  yingji province report --db postgres://…/province --from YYYY-MM-DD --to YYYY-MM-DD
                         [--format text|json|xlsx] [--out FILE] [--lang zh|en]
                                               the province roll-up: each figure summed over the counties that
                                               published the period, the counties missing, each county's share
  yingji import KIND FILE [--only-valid] [--campaign NAME] [--programme NAME]
                                               import an Excel ledger (all-or-nothing unless --only-valid;
                                               buildings: --campaign picks the survey when there are several;
                                               relief-households: --programme names the relief programme, required)
  yingji import KIND --template OUT.xlsx        write the ledger's Excel template
  yingji export KIND --out FILE.xlsx            export a ledger
  yingji user add NAME --role ROLE --display 姓名 [--unit 单位] [--town CODE] [--enterprise CREDIT-CODE] [--password PW]
                                               ROLE: admin, leader, section, enforcer, duty, town, department,
                                               enterprise, readonly (see yingji user add --help);
                                               --town takes a town's 9-digit or a village's 12-digit code
  yingji user passwd NAME [--password PW]
  yingji user list
  yingji user disable NAME | enable NAME
  yingji token create --user NAME [--name LABEL]   prints the token alone on its last line
  yingji token revoke ID
  yingji backup --out FILE [--passphrase-file FILE]
                                               one archive (mode 0600): database, field key, attachments;
                                               encrypted with a passphrase (or YINGJI_BACKUP_PASSPHRASE)
  yingji restore FILE --data DIR [--db URL] [--passphrase-file FILE] [--force]
                                               put back what backup wrote (refuses a key that does not fit)
  yingji audit verify
  yingji tally check | rebuild                 compare the hazard tallies (ledger figures, dashboard trend) with
                                               the hazards; rebuild counts them again where they differ
  yingji bench [--quick] [--rows N] [--clients N] [--duration D] [--db URL]
                                               one table: cold start, idle/peak memory, import vs floor,
                                               list at N rows, export vs raw excelize, key pages vs /healthz
  yingji load [--clients 200] [--duration 60s] [--writes 0.2] [--db URL]
                                               bounded loopback load on a fresh demo county: p50/p95/p99 per page
                                               and each page's p95 against /healthz in the same run
  yingji version

Every verb takes --data, --db, --county, --as-of (also YINGJI_DATA, YINGJI_DB, YINGJI_COUNTY, YINGJI_AS_OF).
A database remembers its county (another --county is refused) and its business date:
serve --demo runs on the demo's report day 2022-06-30; --as-of YYYY-MM-DD or --as-of today changes it.
`

type env struct {
	ctx    context.Context
	out    io.Writer
	errOut io.Writer
	getenv config.Getenv
}

func run(ctx context.Context, args []string, out, errOut io.Writer, getenv config.Getenv) int {
	e := env{ctx: ctx, out: out, errOut: errOut, getenv: getenv}
	if len(args) == 0 {
		fmt.Fprint(errOut, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = e.serve(args[1:])
	case "demo":
		err = e.demo(args[1:])
	case "migrate":
		err = e.migrate(args[1:])
	case "import":
		err = e.importCmd(args[1:])
	case "export":
		err = e.exportCmd(args[1:])
	case "user":
		err = e.user(args[1:])
	case "token":
		err = e.token(args[1:])
	case "backup":
		err = e.backup(args[1:])
	case "restore":
		err = e.restore(args[1:])
	case "audit":
		err = e.audit(args[1:])
	case "report":
		err = e.reportCmd(args[1:])
	case "province":
		err = e.provinceCmd(args[1:])
	case "bench":
		err = e.bench(args[1:])
	case "load":
		err = e.load(args[1:])
	case "migrate-data":
		err = e.migrateData(args[1:])
	case "tally":
		err = e.tally(args[1:])
	case "version":
		fmt.Fprintln(out, "yingji", app.Version)
	case "help", "-h", "--help":
		fmt.Fprint(out, usage)
	default:
		fmt.Fprintf(errOut, "unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(errOut, "yingji %s: %v\n", args[0], err)
			return 2
		}
		fmt.Fprintf(errOut, "yingji %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func (e env) logger(level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(e.errOut, &slog.HandlerOptions{Level: l}))
}

// open parses the common flags (plus extra ones registered by fn) and
// opens an existing installation: it creates nothing (no database, no
// key) where there is none.
func (e env) open(name string, args []string, extra func(fs *flagSet)) (*app.App, []string, error) {
	return e.openWith(name, args, extra, nil)
}

// firstStart names the verbs that may set up a new installation (database
// and field key).
var firstStart = map[string]bool{"serve": true, "demo": true, "migrate": true}

// existing checks, before anything is opened, that cfg names an existing
// installation: the SQLite database and the field key (or
// YINGJI_FIELD_KEY). It creates nothing.
func existing(cfg *config.Config) error {
	dir := cfg.DataDir
	if cfg.DB == "" {
		if _, err := os.Stat(filepath.Join(dir, "yingji.db")); err != nil {
			return fmt.Errorf("no Yingji database in %s (nothing was created): give the data directory with --data or YINGJI_DATA, or set up a new installation with yingji serve / migrate / demo", dir)
		}
	}
	if cfg.FieldKey == "" {
		if _, err := os.Stat(crypt.KeyPath(dir)); err != nil {
			return fmt.Errorf("no field key %s and no YINGJI_FIELD_KEY (nothing was created): put back the key that belongs to this database (yingji restore puts back database, key and attachments together)", crypt.KeyPath(dir))
		}
	}
	return nil
}

// openWith is open with a hook that may adjust the config after parsing.
func (e env) openWith(name string, args []string, extra func(fs *flagSet), adjust func(*config.Config)) (*app.App, []string, error) {
	fs := config.NewFlagSet(name, e.errOut)
	cfg := config.Flags(fs, e.getenv)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(interleave(fs, args)); err != nil {
		return nil, nil, usageError{err.Error()}
	}
	if adjust != nil {
		adjust(cfg)
	}
	verb, _, _ := strings.Cut(name, " ")
	if !firstStart[verb] {
		if err := existing(cfg); err != nil {
			return nil, nil, err
		}
	}
	a, err := app.Open(e.ctx, *cfg, app.Options{Log: e.logger(cfg.LogLevel), NoNewKey: !firstStart[verb]})
	if err != nil {
		return nil, nil, err
	}
	if a.AdminPassword != "" {
		fmt.Fprintf(e.out, "created the administrator account: admin / %s (shown once; change it after logging in)\n", a.AdminPassword)
	}
	return a, fs.Args(), nil
}

func (e env) serve(args []string) error {
	var demoFlag bool
	a, _, err := e.openWith("serve", args, func(fs *flagSet) {
		fs.BoolVar(&demoFlag, "demo", false, "load the demo county before serving")
	}, func(c *config.Config) {
		// The demo's administrator gets the documented demo password.
		if demoFlag && c.AdminPassword == "" {
			c.AdminPassword = demo.Password
		}
	})
	if err != nil {
		return err
	}
	defer a.Close()
	// Bind the address first: a busy port fails at once, not after the
	// demo has loaded.
	if err := a.Listen(); err != nil {
		return err
	}
	if demoFlag {
		if err := loadDemo(e.ctx, a, e.out); err != nil {
			return err
		}
	}
	if d := a.BusinessDate(); d != "" {
		fmt.Fprintf(e.out, "business date %s: deadlines, cards and reminders are judged on that day (--as-of today for the real date) / 业务日期 %s\n", d, d)
	}
	if err := a.Start(e.ctx); err != nil {
		return err
	}
	fmt.Fprintf(e.out, "Yingji %s serving %s on %s\n", app.Version, a.DB, a.URL())
	errc := make(chan error, 1)
	go func() { errc <- a.Serve() }()
	select {
	case err := <-errc:
		a.Stop()
		return err
	case <-e.ctx.Done():
	}
	fmt.Fprintln(e.out, "shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = a.Shutdown(sctx)
	a.Stop()
	return err
}

func (e env) demo(args []string) error {
	a, _, err := e.openWith("demo", args, nil, func(c *config.Config) {
		if c.AdminPassword == "" {
			c.AdminPassword = demo.Password
		}
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if err := loadDemo(e.ctx, a, e.out); err != nil {
		return err
	}
	if d := a.BusinessDate(); d != "" {
		fmt.Fprintf(e.out, "the data directory now runs on the demo's business date %s (yingji serve --as-of today for the real date) / 业务日期 %s\n", d, d)
	}
	return nil
}

func (e env) migrate(args []string) error {
	a, _, err := e.open("migrate", args, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	fmt.Fprintf(e.out, "migrated %s\n", a.DB)
	return nil
}

func (e env) audit(args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		return usageError{"usage: yingji audit verify"}
	}
	a, _, err := e.open("audit verify", args[1:], nil)
	if err != nil {
		return err
	}
	defer a.Close()
	res, err := a.VerifyAudit(e.ctx)
	if err != nil {
		return err
	}
	if !res.OK() {
		for _, p := range res.Problems {
			fmt.Fprintf(e.out, "row %d: %s\n", p.Seq, p.Reason)
		}
		return fmt.Errorf("audit log is NOT intact: %d problem(s) in %d rows", len(res.Problems), res.Checked)
	}
	fmt.Fprintf(e.out, "audit log intact: %d rows checked\n", res.Checked)
	return nil
}
