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
	"syscall"
	"time"

	"yingji/internal/app"
	"yingji/internal/config"
	"yingji/internal/demo"
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
  yingji import KIND FILE [--only-valid] [--campaign NAME]
                                               import an Excel ledger (all-or-nothing unless --only-valid;
                                               buildings: --campaign picks the survey when there are several)
  yingji import KIND --template OUT.xlsx        write the ledger's Excel template
  yingji export KIND --out FILE.xlsx            export a ledger
  yingji user add NAME --role ROLE --display 姓名 [--unit 单位] [--town CODE] [--password PW]
  yingji user passwd NAME [--password PW]
  yingji user list
  yingji user disable NAME | enable NAME
  yingji token create --user NAME [--name LABEL]   prints the token alone on its last line
  yingji token revoke ID
  yingji backup --out FILE
  yingji audit verify
  yingji bench                                  measure cold start, idle memory and /healthz throughput
  yingji version

Every verb takes --data, --db, --county (also YINGJI_DATA, YINGJI_DB, YINGJI_COUNTY).
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
	case "audit":
		err = e.audit(args[1:])
	case "bench":
		err = app.Bench(ctx, out, app.BenchOptions{})
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
// opens the app.
func (e env) open(name string, args []string, extra func(fs *flagSet)) (*app.App, []string, error) {
	return e.openWith(name, args, extra, nil)
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
	a, err := app.Open(e.ctx, *cfg, app.Options{Log: e.logger(cfg.LogLevel)})
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
	if demoFlag {
		if err := loadDemo(e.ctx, a, e.out); err != nil {
			return err
		}
	}
	if err := a.Listen(); err != nil {
		return err
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
	return loadDemo(e.ctx, a, e.out)
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
