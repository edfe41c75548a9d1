package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/notify"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/reconcile"
	"github.com/stratabackup/strata/spec"
)

// record puts one reconcile's outcome into the metrics and /status, works
// out the next wake-up and fires the notifications of any change of state.
func (w *watcher) record(ctx context.Context, s *survey, rep *executor.Report, failures []notify.Failure, why string, start, end time.Time) {
	ok := len(failures) == 0
	w.metrics.observeRun(rep, ok, end.Sub(start), end, w.commit)
	var stale []notify.Stale
	apps := []appStatus{}
	if s != nil {
		rows, _ := lsRows(s, nil)
		w.metrics.observeStored(rows)
		stale = reconcile.Stale(w.cfg, s.inv, end)
		apps = appStatuses(w.cfg, s, rows, stale, end)
	}
	wake := w.wakeAfter(s, end)
	last := newApplyStatus(rep, failures, why, start, end)
	w.status.update(func() {
		w.status.LastApply, w.status.Apps, w.status.NextWake = last, apps, wake
		w.status.Reconciles++
		if ok {
			w.status.LastSuccess = timePtr(end)
		} else {
			w.status.LastFailure = timePtr(end)
		}
	})
	w.logOutcome(last, stale)
	w.fire(ctx, w.tracker.Run(notify.Outcome{Failures: failures, Stale: stale}, w.base()))
	w.beat(ctx, runFinish(rep, failures, w.base()))
}

// wakeAfter is when the next reconcile is due, as the planner says: the plan
// of what the apply left has the next wake-up (schedule tick, verification
// due by the sampling rule). Actions still due mean at once (the caller
// backs off while reconciles fail); a stalled reconcile waits for a
// configuration change or the periodic reconcile, never for a back-off.
func (w *watcher) wakeAfter(s *survey, end time.Time) reconcile.Wake {
	periodic := reconcile.Wake{At: end.Add(w.o.interval), Reason: fmt.Sprintf("periodic reconcile (--interval %s)", w.o.interval)}
	if w.stalled != "" {
		periodic.Reason = "stalled until the configuration changes (" + w.stalled + "); or " + periodic.Reason
		return periodic
	}
	if s == nil {
		return reconcile.Wake{At: end, Reason: "retry: the reconcile could not list the destinations"}
	}
	p, _ := planner.BuildPlan(w.cfg, s.inv, end, planner.Options{})
	switch {
	case p == nil:
		return reconcile.Wake{At: end, Reason: "retry: the plan failed"}
	case len(p.Actions) > 0:
		return reconcile.Wake{At: end, Reason: fmt.Sprintf("retry: %d action(s) still due, first %s", len(p.Actions), p.Actions[0].Key)}
	case p.NextWakeup != nil && p.NextWakeup.At.Before(periodic.At):
		return reconcile.Wake{At: p.NextWakeup.At, Reason: p.NextWakeup.Reason}
	}
	return periodic
}

func newApplyStatus(rep *executor.Report, failures []notify.Failure, why string, start, end time.Time) *applyStatus {
	a := &applyStatus{Started: start.UTC(), Finished: end.UTC(), Seconds: end.Sub(start).Seconds(), Reason: why,
		OK: len(failures) == 0, Failures: failures}
	if rep != nil {
		a.Done, a.Failed = rep.Count(executor.Done), rep.Count(executor.Failed)
		a.Skipped, a.NotStarted = rep.Count(executor.Skipped), rep.Count(executor.NotStarted)
	}
	return a
}

func (w *watcher) logOutcome(a *applyStatus, stale []notify.Stale) {
	l := w.g.logger
	for _, f := range a.Failures {
		l.Error(f.Action+" failed", "err", f.Error)
	}
	for _, s := range stale {
		l.Warn("stale: no newer snapshot since "+s.Newest.UTC().Format(time.RFC3339), "app", s.App, "tier", s.Tier)
	}
	msg := "reconciled"
	if !a.OK {
		msg = "reconcile failed"
	}
	l.Info(msg, "done", a.Done, "failed", a.Failed, "skipped", a.Skipped, "took", time.Duration(a.Seconds*float64(time.Second)).Round(time.Millisecond))
}

// fire sends events, logging what could not be delivered.
func (w *watcher) fire(ctx context.Context, evs []notify.Event) {
	if len(evs) == 0 || w.cfg == nil {
		return
	}
	for _, ev := range evs {
		w.g.logger.Info("notifying", "event", ev.Event, "summary", ev.Summary)
	}
	if err := notify.SendAll(ctx, w.cfg.Notifications, evs); err != nil {
		w.g.logger.Warn("a notification was not delivered", "err", err)
	}
}

// beat sends heartbeats (start, success, a run's failure: every run, so
// not logged one by one), logging what could not be delivered. The
// reconcile loop calls it where a run begins (runStart), before its plan
// runs (appStarts) and in record (runFinish).
func (w *watcher) beat(ctx context.Context, evs []notify.Event) {
	if w.cfg == nil {
		return
	}
	if err := notify.SendAll(ctx, w.cfg.Notifications, evs); err != nil {
		w.g.logger.Warn("a notification was not delivered", "err", err)
	}
}

func (w *watcher) base() notify.Event {
	dir := w.g.dir
	if w.cfg != nil {
		dir = w.cfg.Dir
	}
	return notify.Base(time.Now(), dir, w.commit)
}

// configDigest is a digest of the names and contents of the files spec.Load
// reads, to tell an edit from a touch.
func configDigest(dir string) string {
	names, _ := filepath.Glob(filepath.Join(dir, "*.hcl"))
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		if strings.HasPrefix(filepath.Base(n), ".") {
			continue
		}
		b, _ := os.ReadFile(n)
		h.Write([]byte(filepath.Base(n) + "\x00"))
		h.Write(b)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func appNames(cfg *spec.Config) []string {
	names := []string{}
	for _, a := range cfg.Applications {
		names = append(names, a.Name)
	}
	return names
}

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// short is a commit's first 12 characters.
func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}
