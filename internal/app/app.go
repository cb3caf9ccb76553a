// Package app wires Yingji together: config → store → services → HTTP
// server and background work. Tests start it on 127.0.0.1:0.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"syscall"
	"time"
	"yingji/internal/kit/figure"

	"yingji/internal/kit/attach"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/config"
	"yingji/internal/kit/crypt"
	"yingji/internal/kit/home"
	"yingji/internal/kit/jobs"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
	"yingji/internal/kit/sysadmin"
	"yingji/internal/kit/web"
)

// App is a running Yingji.
type App struct {
	Cfg     config.Config
	DB      *store.DB
	Log     *slog.Logger
	Now     func() time.Time // the business date's clock (see BusinessDate)
	clock   *clock
	Org     *org.Service
	Auth    *auth.Service
	UI      *web.UI
	Router  *web.Router
	Metrics *web.Metrics
	Handler http.Handler
	Jobs    *jobs.Runner
	Notify  *notify.Service
	Attach  *attach.Service
	Ledgers *ledger.Registry
	// Figures are the statistics every module declares (period report,
	// dashboards, figures API).
	Figures *figure.Registry
	ledgerH *ledger.Handlers

	// JobHandlers are the background job kinds; domains add theirs before
	// the runner is built.
	JobHandlers map[string]jobs.Handler
	stop        context.CancelFunc
	mods        []*module
	apiDocs     map[string]string     // OpenAPI summaries of the modules' routes
	apiBodies   map[string]web.Bodies // request/response types of the modules' API routes

	// Domain services (one folder per piece of the bureau's work).
	domains

	// AdminPassword is set when the first start generated the admin's
	// password (printed once by the CLI).
	AdminPassword string

	srv *http.Server
	ln  net.Listener
}

// Options are the parts tests replace.
type Options struct {
	Log *slog.Logger
	// Now replaces the clock, business date included: a test's clock is
	// the whole clock (the database's business date is remembered but
	// not applied).
	Now func() time.Time
	// NoNewKey forbids creating the field key even on a new database: only
	// the first start (serve, migrate, demo) creates it.
	NoNewKey bool
}

// Open opens and migrates the database, makes sure the county and the
// admin account exist, and builds the services and the HTTP handler. It
// does not listen yet.
func Open(ctx context.Context, cfg config.Config, o Options) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	clk := &clock{wall: o.Now, applies: o.Now == nil}
	if clk.wall == nil {
		clk.wall = time.Now
	}
	db, err := store.Open(ctx, store.Options{DataDir: cfg.DataDir, URL: cfg.DB})
	if err != nil {
		return nil, err
	}
	fresh, err := db.Fresh(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	a := &App{Cfg: cfg, DB: db, Log: o.Log, Now: clk.now, clock: clk}
	if err := a.openKey(ctx, fresh && !o.NoNewKey); err != nil {
		db.Close()
		return nil, err
	}
	a.Org = org.New(db, a.Now)
	if err := a.resolveInstallation(ctx); err != nil {
		db.Close()
		return nil, err
	}
	a.Auth = auth.New(db, a.Org, a.Now, auth.Options{})
	if err := a.bootstrap(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := audit.StartSigning(ctx, db, a.Now(), audit.System(cfg.County)); err != nil {
		db.Close()
		return nil, err
	}
	if err := a.buildBackground(); err != nil {
		db.Close()
		return nil, err
	}
	if err := a.buildLedgers(); err != nil {
		db.Close()
		return nil, err
	}
	if err := a.addModules(); err != nil {
		db.Close()
		return nil, err
	}
	a.Jobs = jobs.New(db, jobs.Config{Now: a.Now, Handlers: a.JobHandlers, Logger: a.Log})
	a.Jobs.Every(attachSweepJob, time.Hour)
	for _, m := range a.mods {
		for kind, every := range m.every {
			a.Jobs.Every(kind, every)
		}
	}
	a.ledgerH.Jobs = a.Jobs
	if err := a.buildHTTP(); err != nil {
		db.Close()
		return nil, err
	}
	// Give the start-up's garbage back to the OS now rather than minutes
	// later: migrations, parsing every template and, on a first start,
	// the admin's password hash (argon2id takes 19 MB) leave ~25 MB of
	// freed heap that an idle server would otherwise keep resident.
	debug.FreeOSMemory()
	return a, nil
}

// openKey loads the field key (creating it only for a new database when
// create is set), checks it opens the database's sealed values, and gives
// the database the audit chain's MAC key.
func (a *App) openKey(ctx context.Context, create bool) error {
	var err error
	a.Sealer, err = crypt.Open(a.Cfg.FieldKey, a.Cfg.DataDir, create)
	if errors.Is(err, crypt.ErrNoKey) {
		return fmt.Errorf("字段加密密钥缺失，拒绝以新密钥启动（已加密的身份证号将无法打开）/ the field key is missing: %w. "+
			"Put back the field.key that belongs to this database (yingji restore puts back database, key and attachments together) or set YINGJI_FIELD_KEY; "+
			"a new key is created only on the first start of a new installation", err)
	}
	if err != nil {
		return fmt.Errorf("field encryption key: %w", err)
	}
	if err := a.Sealer.Remember(ctx, a.DB, a.Now()); err != nil {
		if errors.Is(err, crypt.ErrWrongKey) {
			return fmt.Errorf("字段加密密钥与数据库不符 / %w: this is not the key the database was written with (check DATA/field.key or YINGJI_FIELD_KEY)", err)
		}
		return err
	}
	a.DB.SetMACKey(a.Sealer.Derive("audit chain"))
	return nil
}

// System returns the principal the program itself acts as (CLI verbs,
// demo loading): an administrator of the county.
func (a *App) System() *auth.Principal {
	return &auth.Principal{UserID: "system", Username: "system", DisplayName: "系统", Role: auth.RoleAdmin, CountyCode: a.Cfg.County}
}

// bootstrap creates the county region and the first administrator on an
// empty database.
func (a *App) bootstrap(ctx context.Context) error {
	err := a.DB.InTx(ctx, func(tx *store.Tx) error {
		if name, err := org.NameIn(ctx, tx, a.Cfg.County); err != nil || name != "" {
			return err
		}
		_, err := a.Org.SaveRegionTx(ctx, tx, audit.System(a.Cfg.County), org.Region{Code: a.Cfg.County, Kind: "县", Name: a.Cfg.CountyName})
		return err
	})
	if err != nil {
		return fmt.Errorf("create county: %w", err)
	}
	n, err := a.Auth.CountUsers(ctx)
	if err != nil {
		return fmt.Errorf("count users: %w", err)
	}
	if n > 0 {
		return nil
	}
	pw := a.Cfg.AdminPassword
	if pw == "" {
		pw = auth.GeneratePassword()
		a.AdminPassword = pw
	}
	if _, err := a.Auth.CreateUser(ctx, a.System(), auth.UserInput{Username: "admin", DisplayName: "系统管理员", Role: auth.RoleAdmin, Password: pw}); err != nil {
		return fmt.Errorf("create admin (check YINGJI_ADMIN_PASSWORD: at least 8 characters with letters and digits): %w", err)
	}
	return nil
}

func (a *App) buildHTTP() error {
	t, err := web.NewI18n()
	if err != nil {
		return err
	}
	a.apiBodies = map[string]web.Bodies{}
	admin := &sysadmin.Handlers{DB: a.DB, Auth: a.Auth, Org: a.Org}
	if a.Enterprise != nil {
		admin.Enterprise = a.Enterprise.Resolve
	}
	ops := &sysadmin.Ops{Jobs: a.Jobs, Notify: a.Notify}
	hh := &home.Handlers{Auth: a.Auth, Org: a.Org, Secure: a.Cfg.SecureCookies}
	// Every route table, each route declared once. Built twice: for the
	// policy now (the handlers are dropped) and, once a.UI exists, for the
	// registration.
	tables := func() []web.Routes {
		out := []web.Routes{a.routes(), hh.Routes(), admin.Routes(), ops.Routes(), a.ledgerH.SharedRoutes()}
		for _, m := range a.mods {
			if m.routes != nil {
				out = append(out, m.routes())
			}
		}
		return out
	}
	policy := web.Policy{}
	a.apiDocs = map[string]string{}
	for _, rs := range tables() {
		policy.Merge(rs.Policy())
		maps.Copy(a.apiDocs, rs.API())
		maps.Copy(a.apiBodies, rs.Bodies())
	}
	for _, m := range a.mods {
		if m.locales != nil {
			if err := t.AddFS(m.name, m.locales, "locales"); err != nil {
				return err
			}
		}
	}
	ui, err := web.NewUI(t, policy, a.nav(), a.Log)
	if err != nil {
		return err
	}
	if err := ui.AddPages(home.Templates, "templates"); err != nil {
		return err
	}
	if err := ui.AddPages(sysadmin.Templates, "templates"); err != nil {
		return err
	}
	if err := ui.AddPages(ledger.Templates, "templates"); err != nil {
		return err
	}
	for _, m := range a.mods {
		if m.templates != nil {
			if err := ui.AddPages(m.templates, "templates"); err != nil {
				return fmt.Errorf("%s templates: %w", m.name, err)
			}
		}
	}
	ui.Audit.Add(web.AuditNames{Values: map[string]web.NameFunc{
		// Region codes read as names (籍山镇, not 349901100).
		"town_code": a.regionName, "region_code": a.regionName, "village_code": a.regionName, "town": a.regionName,
	}})
	for _, m := range a.mods {
		ui.Audit.Add(m.audit)
	}
	ui.Now = a.Now
	a.UI = ui
	ui.Refused = a.auditRefused
	rt := web.NewRouter(policy, a.Auth, ui)
	a.Router = rt
	a.Metrics = web.NewMetrics()

	hh.UI = ui
	hh.Memo = a.homeFigures()
	for _, m := range a.mods {
		stats, todo := m.stats, m.todo
		if len(m.homeKinds) > 0 {
			stats, todo = a.memoHome(m.homeKinds, stats, todo)
		}
		if stats != nil {
			hh.Stats = append(hh.Stats, stats)
		}
		if todo != nil {
			hh.Todos = append(hh.Todos, todo)
		}
	}
	admin.UI, ops.UI = ui, ui
	a.ledgerH.UI = ui
	for _, kind := range a.Ledgers.Kinds() {
		l, _ := a.Ledgers.Get(kind)
		a.ledgerH.Register(rt, "/"+kind, l)
	}
	for _, rs := range tables() {
		rs.Register(rt)
	}
	ui.BusinessDate = a.BusinessDate
	ui.Unread = func(r *http.Request, userID string) int {
		n, err := a.Notify.UnreadCount(r.Context(), userID)
		if err != nil {
			a.Log.Warn("unread count", "err", err)
		}
		return n
	}

	if err := rt.Check(); err != nil {
		return err
	}
	proxies, err := config.ParseProxies(a.Cfg.TrustedProxies)
	if err != nil {
		return err
	}
	a.Handler = web.TrustProxies(proxies, web.Observe(ui, a.Metrics, a.Log,
		web.Admit(activeRequests, web.SecureHeaders(web.CrossOrigin(ui, web.TextGuard(ui, rt))))))
	return nil
}

// activeRequests is how many requests run at once (web.Admit); the others
// queue in arrival order: a little above SQLite's reader pool (8) plus its
// one writer, so that an admitted request seldom waits for a connection.
// PostgreSQL keeps the same: 30 there (its two pools) lost half the
// throughput and let hazard reports time out (yingji load, 2026-12-07).
const activeRequests = 12

func (a *App) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := a.DB.Ping(ctx); err != nil {
		web.JSON(w, http.StatusServiceUnavailable, map[string]string{"status": "error", "database": err.Error()})
		return
	}
	web.JSON(w, http.StatusOK, map[string]string{"status": "ok", "database": string(a.DB.Engine)})
}

// Listen binds the address. A port in use gives a clear error.
func (a *App) Listen() error {
	ln, err := net.Listen("tcp", a.Cfg.Addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("cannot listen on %s: the port is already in use (another Yingji running? choose another with --addr): %w", a.Cfg.Addr, err)
		}
		return fmt.Errorf("cannot listen on %s: %w", a.Cfg.Addr, err)
	}
	a.ln = ln
	a.srv = &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn)}
	return nil
}

// URL is where the app serves (after Listen).
func (a *App) URL() string {
	addr := a.ln.Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return fmt.Sprintf("http://%s:%d/", host, addr.Port)
}

// Serve serves HTTP until Shutdown; it returns nil after a clean shutdown.
func (a *App) Serve() error {
	if err := a.srv.Serve(a.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Shutdown stops serving, waiting for requests in flight.
func (a *App) Shutdown(ctx context.Context) error {
	if a.srv != nil {
		return a.srv.Shutdown(ctx)
	}
	return nil
}

// Close releases the database and a listener that was never served
// (serve --demo binds before loading the demo).
func (a *App) Close() error {
	if a.ln != nil {
		_ = a.ln.Close()
	}
	return a.DB.Close()
}
