package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/internal/stores"
	"github.com/stratabackup/strata/notify"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/reconcile"
	"github.com/stratabackup/strata/spec"
)

// Floors of the time between two reconciles when something is due at once:
// after a success (a snapshot already exists this second), and the first
// back-off after a failure (doubling up to --interval).
const (
	minWake      = time.Second
	firstBackoff = 5 * time.Second
)

// watcher is the state of one `strata watch`.
type watcher struct {
	g       *globals
	o       watchOptions
	cfg     *spec.Config // the last valid configuration: the one that runs
	commit  string       // its git commit, "" outside git
	hash    string       // digest of the config files last loaded, valid or not
	failing int          // reconciles failed in a row
	stalled string       // what only a person can fix; "" when retrying may help
	tracker notify.Tracker
	status  *watchStatus
	metrics *watchMetrics
}

func newWatcher(g *globals, o watchOptions) *watcher {
	return &watcher{g: g, o: o, status: &watchStatus{Apps: []appStatus{}}, metrics: newWatchMetrics()}
}

// loadFirst loads the configuration at start; invalid, it is an error.
func (w *watcher) loadFirst(ctx context.Context) error {
	if ok, err := w.reload(ctx); err != nil || !ok {
		return errors.Join(err, failed(exitError))
	}
	return nil
}

// reload loads the configuration files if they changed since the last load.
// It reports whether a new valid configuration now runs; an invalid one is
// logged, shown in /status and notified, and the last valid one keeps running.
func (w *watcher) reload(ctx context.Context) (bool, error) {
	vars, err := w.g.varsMap()
	if err != nil {
		return false, err
	}
	hash := configDigest(w.g.dir)
	if hash == w.hash && w.cfg != nil {
		return false, nil
	}
	w.hash = hash
	cfg, files, diags := spec.Load(w.g.dir, spec.LoadOptions{Vars: vars})
	if len(diags) > 0 {
		w.g.printDiagnostics(files, diags)
	}
	valid := !diags.HasErrors()
	w.metrics.configValid.Set(boolGauge(valid))
	if !valid {
		w.configInvalid(ctx, diags)
		return false, nil
	}
	w.cfg, w.commit = cfg, reconcile.GitCommit(ctx, w.g.dir)
	w.status.update(func() {
		w.status.Config = configStatus{Dir: cfg.Dir, Valid: true, Diagnostics: jsonDiagnostics(diags),
			LoadedAt: time.Now().UTC(), Commit: w.commit, Applications: appNames(cfg)}
	})
	w.g.logger.Info("configuration loaded", "dir", w.g.dir, "applications", len(cfg.Applications), "commit", short(w.commit))
	w.fire(ctx, w.tracker.Config(true, nil, w.base()))
	return true, nil
}

func (w *watcher) configInvalid(ctx context.Context, diags hcl.Diagnostics) {
	w.status.update(func() {
		w.status.Config.Valid, w.status.Config.Diagnostics = false, jsonDiagnostics(diags)
	})
	if w.cfg == nil {
		return // at start: the caller stops
	}
	w.g.logger.Error("the configuration is invalid; the last valid one keeps running (see the diagnostics above)")
	var texts []string
	for _, d := range diags.Errs() {
		texts = append(texts, d.Error())
	}
	w.fire(ctx, w.tracker.Config(false, texts, w.base()))
}

// loop reconciles, then sleeps until the next reason to reconcile, until ctx
// is cancelled.
func (w *watcher) loop(ctx context.Context) error {
	changes, err := reconcile.WatchDir(ctx, w.g.dir, w.o.debounce)
	if err != nil {
		return err
	}
	var pulls <-chan time.Time
	if w.o.pull > 0 {
		t := time.NewTicker(w.o.pull)
		defer t.Stop()
		pulls = t.C
	}
	why := "start"
	for {
		w.reconcile(ctx, why)
		if ctx.Err() != nil {
			return errStopped
		}
		wake := w.nextWake()
		if why = w.sleep(ctx, wake, changes, pulls); why == "" {
			return errStopped
		}
	}
}

// sleep waits for the wake-up, a configuration change or a pulled commit and
// returns why to reconcile; "" when ctx is cancelled.
func (w *watcher) sleep(ctx context.Context, wake reconcile.Wake, changes <-chan struct{}, pulls <-chan time.Time) string {
	timer := time.NewTimer(time.Until(wake.At))
	defer timer.Stop()
	w.g.logger.Debug("sleeping", "until", wake.At.Format(time.RFC3339), "for", wake.Reason)
	for {
		select {
		case <-ctx.Done():
			return ""
		case <-timer.C:
			return wake.Reason
		case <-changes:
			if ok, err := w.reload(ctx); err != nil {
				w.g.logger.Error(err.Error())
			} else if ok {
				return "configuration changed"
			}
		case <-pulls:
			if why := w.pull(ctx); why != "" {
				return why
			}
		}
	}
}

// pull fetches the configuration repository and reloads it when the commit
// changed; it returns why to reconcile, or "".
func (w *watcher) pull(ctx context.Context) string {
	commit, err := reconcile.GitPull(ctx, w.g.dir)
	w.status.update(func() { w.status.Pull = &pullStatus{At: time.Now().UTC(), Commit: commit, Error: errString(err)} })
	if err != nil {
		if ctx.Err() == nil {
			w.g.logger.Error(err.Error())
		}
		return ""
	}
	if commit == w.commit {
		return ""
	}
	w.g.logger.Info("pulled a new commit", "commit", short(commit))
	if ok, err := w.reload(ctx); !ok || err != nil {
		return ""
	}
	return "pulled commit " + short(commit)
}

// needsPerson says whether err is one that retrying cannot fix.
func needsPerson(err error) bool {
	return errors.Is(err, stores.ErrUnsetEnv) || providers.NeedsPerson(err)
}

// markStalled marks the failure of the step (the last one) as stalled.
func markStalled(failures []notify.Failure, stalled bool) []notify.Failure {
	if stalled && len(failures) > 0 {
		failures[len(failures)-1].Stalled = true
	}
	return failures
}

// nextWake is when to reconcile next, never sooner than a floor that grows
// while reconciles keep failing.
func (w *watcher) nextWake() reconcile.Wake {
	w.status.mu.Lock()
	wake := w.status.NextWake
	w.status.mu.Unlock()
	floor := minWake
	if w.failing > 0 {
		floor = min(firstBackoff<<min(w.failing-1, 16), w.o.interval)
	}
	if earliest := time.Now().Add(floor); wake.At.Before(earliest) {
		wake.At = earliest
		if w.failing > 0 {
			wake.Reason = fmt.Sprintf("retry after %d failed reconcile(s): %s", w.failing, wake.Reason)
		}
	}
	w.status.update(func() { w.status.NextWake = wake })
	w.metrics.nextWake.Set(float64(wake.At.Unix()))
	return wake
}

// reconcile lists, plans and applies once, then records the outcome in the
// status and metrics and fires the notifications it calls for.
func (w *watcher) reconcile(ctx context.Context, why string) {
	start := time.Now()
	w.g.logger.Info("reconciling", "why", why)
	w.beat(ctx, runStart(w.base()))
	s, rep, failures := w.planAndApply(ctx, why)
	if ctx.Err() != nil {
		return // stopped: no verdict on a cancelled run
	}
	w.stalled = stalledBy(failures)
	switch {
	case w.stalled != "":
		w.failing = 0 // no back-off: it waits for a person
	case len(failures) > 0:
		w.failing++
	default:
		w.failing = 0
	}
	w.record(ctx, s, rep, failures, why, start, time.Now())
}

// stalledBy says which failure only a person can fix — an invalid or
// refused plan (mass purge), a missing secret, an unknown or unchecked host
// key, refused credentials — or "" when retrying may help.
func stalledBy(failures []notify.Failure) string {
	for _, f := range failures {
		if f.Stalled {
			return f.Action + ": " + f.Error
		}
	}
	return ""
}

// planAndApply is one reconcile: the survey, the plan and its execution
// under leases, as `strata apply` does them.
func (w *watcher) planAndApply(ctx context.Context, why string) (*survey, *executor.Report, []notify.Failure) {
	s, err := surveyConfig(ctx, w.cfg)
	if err != nil {
		return nil, nil, markStalled(runFailures(nil, nil, "open destinations", err), needsPerson(err))
	}
	p, planErr := w.g.plan(ctx, s, planFlags{maxPurge: -1})
	if p == nil {
		var mass *planner.MassPurgeError
		return s, nil, markStalled(runFailures(nil, s.inv, "plan", planErr), errors.As(planErr, &mass))
	}
	w.status.update(func() { w.status.LastPlan = newPlanStatus(p) })
	var rep *executor.Report
	if len(p.Actions) > 0 {
		w.g.logger.Info("applying", "why", why, "actions", len(p.Actions))
		w.beat(ctx, appStarts(p, w.base()))
		if rep, err = w.g.execute(ctx, s, p, w.o.parallel, w.g.clock); err != nil {
			return s, nil, runFailures(nil, s.inv, "apply", planErr, err)
		}
	}
	failures := runFailures(rep, s.inv, "plan", planErr)
	if ctx.Err() == nil {
		s.relist(ctx) // what the apply left, for the metrics, /status and stale
	}
	return s, rep, failures
}
