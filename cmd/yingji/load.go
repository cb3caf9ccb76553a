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

// bench prints the one table of measurements (see app.Bench).
func (e env) bench(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	quick := fs.Bool("quick", false, "a small run: 5,000 rows, 50 clients for 15s")
	rows := fs.Int("rows", 0, "enterprises imported, listed and exported (default 100,000; up to 1,000,000)")
	clients := fs.Int("clients", 0, "concurrent clients of the load (default 200)")
	duration := fs.Duration("duration", 0, "how long the load runs (default 60s, at most 10m)")
	db := fs.String("db", "", "run on this empty PostgreSQL database instead of SQLite in a temporary directory")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{"unexpected argument " + fs.Arg(0)}
	}
	if *rows < 0 || *rows > 1000000 {
		return usageError{"--rows is between 1 and 1000000"}
	}
	if *duration > 10*time.Minute {
		return usageError{"--duration is at most 10m"}
	}
	return app.Bench(e.ctx, e.out, app.BenchOptions{Quick: *quick, Rows: *rows, Clients: *clients, Duration: *duration, DB: *db})
}
