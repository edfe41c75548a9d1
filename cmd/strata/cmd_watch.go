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
	"github.com/stratabackup/strata/web"
)

type watchOptions struct {
	listen   string
	interval time.Duration
	pull     time.Duration
	parallel int
	debounce time.Duration
	webAuth  string
	actions  bool
	node     string
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

It serves a status page at / (what is stored where, what runs now, live),
/metrics (Prometheus), /healthz and /status (JSON) on --listen, a loopback
address by default; any other address needs --web-auth FILE, lines
NAME:BCRYPT-HASH as 'htpasswd -nB NAME' writes them. --web-actions adds
buttons to the page: snapshot now, verify now, apply the current plan.

It fires the notify blocks of the configuration when the state changes
(failure, recovered, stale, config_invalid), when a restore test fails
(check_failed), and on every reconcile for the heartbeats (start, success;
a ping: GET URL/start, then URL or URL/fail).

SIGINT or SIGTERM stops it cleanly: running actions are cancelled, their
temporary objects deleted and the leases released.

Exit codes: 0 stopped by SIGINT/SIGTERM, 1 invalid configuration at start or
another error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runWatch(cmd.Context(), g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:9300", "serve the status page /, /metrics, /healthz and /status on `ADDR` (\"\" to serve nothing)")
	f.DurationVar(&o.interval, "interval", 15*time.Minute, "reconcile at least this often, even if nothing is due")
	f.DurationVar(&o.pull, "pull", 0, "run 'git pull --ff-only' in the configuration's work tree this often (0: never)")
	f.IntVar(&o.parallel, "parallelism", 4, "run at most `N` actions at once")
	f.DurationVar(&o.debounce, "debounce", 500*time.Millisecond, "wait this long after the last change of a burst of edits before reloading")
	f.StringVar(&o.webAuth, "web-auth", "", "require a login from the users of `FILE` (NAME:BCRYPT-HASH lines); needed when --listen is not a loopback address")
	f.BoolVar(&o.actions, "web-actions", false, "let the status page queue requests: snapshot now, verify now, apply the current plan")
	addNodeFlag(f, &o.node)
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
	node, err := resolveNode(o.node)
	if err != nil {
		return err
	}
	l := reconcile.New(reconcile.Options{Dir: g.dir, Vars: vars, Interval: o.interval, Pull: o.pull,
		Debounce: o.debounce, Parallel: o.parallel, Version: strataVersion(), Now: g.clock, Node: node,
		Log: g.logger, UI: watchUI{g}})
	if err := l.Start(ctx); err != nil {
		return failed(exitError)
	}
	stopHTTP, err := g.serve(o, l)
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

// serve starts the HTTP server over the loop's status page, status and
// metrics; the returned function stops it. Beyond loopback it requires a
// login (--web-auth) for everything but /healthz.
func (g *globals) serve(o watchOptions, l *reconcile.Loop) (func(), error) {
	if o.listen == "" {
		return func() {}, nil
	}
	var users *web.Users
	if o.webAuth != "" {
		var err error
		if users, err = web.LoadUsers(o.webAuth); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return nil, fmt.Errorf("--listen %s: %v; choose a free address with --listen HOST:PORT", o.listen, err)
	}
	loopback := ln.Addr().(*net.TCPAddr).IP.IsLoopback()
	if !loopback && users == nil {
		ln.Close()
		return nil, fmt.Errorf("--listen %s is not a loopback address: anyone who reaches it would see the backup state; "+
			"give --web-auth FILE with lines NAME:BCRYPT-HASH ('htpasswd -nB NAME' writes one), or listen on 127.0.0.1", o.listen)
	}
	handler, err := watchHandler(l, o, web.GuardOptions{Users: users, Loopback: loopback})
	if err != nil {
		ln.Close()
		return nil, err
	}
	base, cancel := context.WithCancel(context.Background())
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context { return base }}
	go func() { _ = srv.Serve(ln) }()
	g.logger.Info(fmt.Sprintf("serving /metrics, /healthz and /status on http://%s", ln.Addr()))
	g.logger.Info(fmt.Sprintf("status page on http://%s/", ln.Addr()), "login", loginNote(users, o.webAuth), "actions", actionsNote(o.actions))
	return func() {
		cancel() // ends the event streams, which never go idle
		ctx, stop := context.WithTimeout(context.Background(), 5*time.Second)
		defer stop()
		_ = srv.Shutdown(ctx)
	}, nil
}

// watchHandler is the mux of watch: the page, /status and /metrics behind
// the guard, /healthz open.
func watchHandler(l *reconcile.Loop, o watchOptions, guard web.GuardOptions) (http.Handler, error) {
	page, err := web.New(web.Options{Loop: l, Actions: o.actions})
	if err != nil {
		return nil, err
	}
	inner := http.NewServeMux()
	page.Register(inner)
	inner.Handle("/metrics", l.Metrics().Handler())
	inner.Handle("/status", l.Status())
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(rw http.ResponseWriter, _ *http.Request) { fmt.Fprintln(rw, "ok") })
	mux.Handle("/", web.Guard(inner, guard))
	return mux, nil
}

func loginNote(users *web.Users, file string) string {
	if users == nil {
		return "none (loopback only)"
	}
	return fmt.Sprintf("required: %d user(s) of %s", users.Len(), file)
}

func actionsNote(on bool) string {
	if on {
		return "on (--web-actions): snapshot now, verify now, apply"
	}
	return "off (read only; --web-actions turns them on)"
}
