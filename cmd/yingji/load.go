package main

import (
	"flag"
	"io"
	"time"

	"yingji/internal/app"
)

// load runs the bounded loopback load test (see app.LoadTest).
func (e env) load(args []string) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	clients := fs.Int("clients", 200, "concurrent clients")
	duration := fs.Duration("duration", 60*time.Second, "how long the load runs (at most 10m)")
	writes := fs.Float64("writes", 0.2, "share of requests that report a hazard")
	db := fs.String("db", "", "run on this PostgreSQL URL instead of SQLite in a temporary directory")
	seed := fs.Uint64("seed", 1, "random seed of the request mix")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{"unexpected argument " + fs.Arg(0)}
	}
	return app.LoadTest(e.ctx, e.out, app.LoadOptions{Clients: *clients, Duration: *duration, WriteShare: *writes, DB: *db, Seed: *seed})
}
