package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/stratabackup/strata/executor"

	"github.com/stratabackup/strata/reconcile"
)

type watchOptions struct {
	listen   string
	interval time.Duration
	pull     time.Duration
	parallel int
	debounce time.Duration
}

// errStopped is how watch says it stopped on SIGINT/SIGTERM as asked: exit 0.
var errStopped = errors.New("watch stopped")

func newWatchCommand(g *globals) *cobra.Command {
	var o watchOptions
	cmd := &cobra.Command{
		Use:   "watch",
		Short: "Keep the stored backups matching the configuration, continuously",
		Long: `Watch reconciles — plans, then applies with the same leases and safety rules
as 'strata apply' — at start, at every schedule tick and verification due
time, after every change of the configuration files, and at least every
--interval. Between reconciles it sleeps.

An edit that makes the configuration invalid is logged with its diagnostics
and the last valid configuration keeps running. With --pull, when the
configuration directory is in a git work tree, it runs 'git pull --ff-only'
that often and reconciles the new commit.

It serves /metrics (Prometheus), /healthz and /status (JSON) on --listen, a
loopback address by default, and fires the notify blocks of the
configuration when the state changes (failure, recovered, stale,
config_invalid).

SIGINT or SIGTERM stops it cleanly: running actions are cancelled, their
temporary objects deleted and the leases released.

Exit codes: 0 stopped by SIGINT/SIGTERM, 1 invalid configuration at start or
another error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runWatch(cmd.Context(), g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:9300", "serve /metrics, /healthz and /status on `ADDR` (\"\" to serve nothing)")
	f.DurationVar(&o.interval, "interval", 15*time.Minute, "reconcile at least this often, even if nothing is due")
	f.DurationVar(&o.pull, "pull", 0, "run 'git pull --ff-only' in the configuration's work tree this often (0: never)")
	f.IntVar(&o.parallel, "parallelism", 4, "run at most `N` actions at once")
	f.DurationVar(&o.debounce, "debounce", 500*time.Millisecond, "wait this long after the last change of a burst of edits before reloading")
	return cmd
}

func runWatch(ctx context.Context, g *globals, o watchOptions) error {
	if o.interval <= 0 || o.pull < 0 || o.debounce <= 0 {
		return errors.New("--interval and --debounce must be positive and --pull not negative")
	}
	if o.pull > 0 && !reconcile.IsGitWorkTree(ctx, g.dir) {
		return fmt.Errorf("--pull: %s is not in a git work tree; clone the configuration repository and run watch in it", g.dir)
	}
	vars, err := g.varsMap()
	if err != nil {
		return err
	}
	l := reconcile.New(reconcile.Options{Dir: g.dir, Vars: vars, Interval: o.interval, Pull: o.pull,
		Debounce: o.debounce, Parallel: o.parallel, Version: strataVersion(), Now: g.clock,
		Log: g.logger, UI: watchUI{g}})
	if err := l.Start(ctx); err != nil {
		return failed(exitError)
	}
	stopHTTP, err := g.serve(o.listen, l)
	if err != nil {
		return err
	}
	defer stopHTTP()
	if err := l.Run(ctx); err != nil {
		return err
	}
	g.logger.Info("stopped; leases released")
	return errStopped
}

// watchUI renders what the loop shows: diagnostics as every command prints
// them, the progress of an apply as `strata apply` shows it.
type watchUI struct{ g *globals }

func (u watchUI) Diagnostics(files map[string]*hcl.File, diags hcl.Diagnostics) {
	u.g.printDiagnostics(files, diags)
}

func (u watchUI) DiagnosticsJSON(diags hcl.Diagnostics) any { return jsonDiagnostics(diags) }

func (u watchUI) Progress(n int) (func(executor.Event), func()) { return u.g.progress(n) }

// serve starts the HTTP server over the loop's status and metrics; the
// returned function stops it.
func (g *globals) serve(addr string, l *reconcile.Loop) (func(), error) {
	if addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--listen %s: %v; choose a free address with --listen HOST:PORT", addr, err)
	}
	if ip := ln.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() {
		g.logger.Warn("serving metrics and status beyond this host; anyone who can reach it sees the backup state", "addr", ln.Addr())
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", l.Metrics().Handler())
	mux.Handle("/status", l.Status())
	mux.HandleFunc("/healthz", func(rw http.ResponseWriter, _ *http.Request) { fmt.Fprintln(rw, "ok") })
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	g.logger.Info(fmt.Sprintf("serving /metrics, /healthz and /status on http://%s", ln.Addr()))
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}
