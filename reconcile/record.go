package reconcile

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/notify"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/spec"
)

// record puts the pass's outcome into the metrics and the status, works out
// the next wake-up and logs the outcome.
func (l *Loop) record(ctx context.Context, p *pass) Result {
	l.stalled = ""
	switch p.result.Kind {
	case Stalled:
		l.stalled, l.failing = p.result.Reason, 0 // no back-off: it waits for a person
	case Requeue:
		l.failing++
	default:
		l.failing = 0
	}
	ok := len(p.failures) == 0
	l.metrics.observeRun(p.report, ok, p.end.Sub(p.start), p.end, l.commit)
	apps, checks := []AppStatus{}, []CheckStatus{}
	var standbys []StandbyStatus
	if s := p.survey; s != nil {
		standbys = Standbys(l.cfg, s.Inventory, p.end)
		checks = Checks(ctx, l.cfg, s.Inventory, s.Stores, p.end)
		rows := Locations(s.Inventory, l.cfg.Applications)
		l.drives.observe(l.cfg, s, p.end)
		p.stale = append(Stale(l.cfg, s.Inventory, p.end), detachedStale(l.cfg, s.Inventory, &l.drives, p.end)...)
		apps = appStatuses(l.cfg, s.Inventory, rows, p.stale, p.end)
		l.describe(ctx, apps, s)
		l.metrics.observeStored(apps) // after describe: the logical sizes come from the history
	} else if p.result.Err != nil && l.cfg != nil {
		inv := unlisted(l.cfg, p.result.Err)
		apps = appStatuses(l.cfg, inv, Locations(inv, l.cfg.Applications), nil, p.end)
	}
	l.wake = l.floor(l.wakeAfter(p.survey, p.end))
	last := newApplyStatus(p.report, p.failures, p.why, p.start, p.end)
	l.stored = storedAfter(l.stored, p.report, p.end)
	stored := slices.Clone(l.stored)
	l.status.update(func() {
		l.status.LastApply, l.status.Apps, l.status.NextWake = last, apps, l.wake
		l.status.Standbys = standbys
		l.status.Checks = checks
		l.status.Stored = stored
		l.status.Reconciles++
		if ok {
			l.status.LastSuccess = timePtr(p.end)
		} else {
			l.status.LastFailure = timePtr(p.end)
		}
	})
	l.metrics.nextWake.Set(float64(l.wake.At.Unix()))
	l.logOutcome(last, p.stale)
	return proceed
}

// describe adds to apps (in configuration order) what the status page
// shows of each beyond the listing: the retention's decisions, as the
// planner makes them now, and the history from the manifests.
func (l *Loop) describe(ctx context.Context, apps []AppStatus, s *Survey) {
	addRetention(apps, l.cfg, s.Inventory, l.o.Now())
	names := map[string]bool{}
	for i, app := range l.cfg.Applications {
		apps[i].History = l.history.history(ctx, s, app)
		addLogical(apps[i], s.Inventory)
		names[app.Name] = true
	}
	for name := range l.history {
		if !names[name] {
			delete(l.history, name)
		}
	}
}

// OwnStale is the part of stale that node notifies, for `watch` and
// `apply` alike: in a fleet every node sees every application's staleness
// (the status shows it all), but only the node that writes a copy, or any
// node when no node is named for it, notifies it — not every host once per
// stale copy. Without nodes in cfg, or without a node, it is all of stale.
func OwnStale(cfg *spec.Config, node string, stale []notify.Stale) []notify.Stale {
	if !cfg.UsesNodes() || node == "" {
		return stale
	}
	var out []notify.Stale
	for _, s := range stale {
		if o := planner.TierOwner(cfg, cfg.Application(s.App), s.Tier); o == "" || o == node {
			out = append(out, s)
		}
	}
	return out
}

// notify fires the notifications of any change of state the pass made.
func (l *Loop) notify(ctx context.Context, p *pass) Result {
	l.fire(ctx, append(l.tracker.Run(notify.Outcome{Failures: p.failures, Stale: OwnStale(l.cfg, l.o.Node, p.stale)}, l.base()), CheckEvents(p.report, l.base())...))
	l.beat(ctx, RunFinish(p.report, p.failures, l.base()))
	return proceed
}

// wakeAfter is when the next pass is due, as the planner says: the plan of
// what the apply left has the next wake-up (schedule tick, verification
// due by the sampling rule). Actions still due mean at once (floor backs off
// while passes fail); a stalled pass waits for a configuration change or
// the periodic reconcile, never for a back-off.
func (l *Loop) wakeAfter(s *Survey, end time.Time) Wake {
	periodic := Wake{At: end.Add(l.o.Interval), Reason: fmt.Sprintf("periodic reconcile (--interval %s)", l.o.Interval)}
	if l.stalled != "" {
		periodic.Reason = "stalled until the configuration changes (" + l.stalled + "); or " + periodic.Reason
		return periodic
	}
	if s == nil {
		return Wake{At: end, Reason: "retry: the reconcile could not list the destinations"}
	}
	p, _ := planner.BuildPlan(l.cfg, s.Inventory, end, planner.Options{Node: l.o.Node})
	switch {
	case p == nil:
		return Wake{At: end, Reason: "retry: the plan failed"}
	case len(p.Actions) > 0:
		return Wake{At: end, Reason: fmt.Sprintf("retry: %d action(s) still due, first %s", len(p.Actions), p.Actions[0].Key)}
	case p.NextWakeup != nil && p.NextWakeup.At.Before(periodic.At):
		return Wake{At: p.NextWakeup.At, Reason: p.NextWakeup.Reason}
	}
	return periodic
}

// floor moves wake no sooner than a floor that grows while passes keep
// failing.
func (l *Loop) floor(wake Wake) Wake {
	floor := minWake
	if l.failing > 0 {
		floor = min(firstBackoff<<min(l.failing-1, 16), l.o.Interval)
	}
	if earliest := time.Now().Add(floor); wake.At.Before(earliest) {
		wake.At = earliest
		if l.failing > 0 {
			wake.Reason = fmt.Sprintf("retry after %d failed reconcile(s): %s", l.failing, wake.Reason)
		}
	}
	return wake
}

func newApplyStatus(rep *executor.Report, failures []notify.Failure, why string, start, end time.Time) *ApplyStatus {
	a := &ApplyStatus{Started: start.UTC(), Finished: end.UTC(), Seconds: end.Sub(start).Seconds(), Reason: why,
		OK: len(failures) == 0, Failures: failures}
	if rep != nil {
		a.Done, a.Failed = rep.Count(executor.Done), rep.Count(executor.Failed)
		a.Skipped, a.NotStarted = rep.Count(executor.Skipped), rep.Count(executor.NotStarted)
	}
	return a
}

func (l *Loop) logOutcome(a *ApplyStatus, stale []notify.Stale) {
	for _, f := range a.Failures {
		l.o.Log.Error(f.Action+" failed", "err", f.Error)
	}
	for _, s := range stale {
		l.o.Log.Warn("stale: no newer snapshot since "+s.Newest.UTC().Format(time.RFC3339), "app", s.App, "tier", s.Tier)
	}
	msg := "reconciled"
	if !a.OK {
		msg = "reconcile failed"
	}
	l.o.Log.Info(msg, "done", a.Done, "failed", a.Failed, "skipped", a.Skipped, "took", time.Duration(a.Seconds*float64(time.Second)).Round(time.Millisecond))
}

// fire sends events, logging what could not be delivered.
func (l *Loop) fire(ctx context.Context, evs []notify.Event) {
	if len(evs) == 0 || l.cfg == nil {
		return
	}
	for _, ev := range evs {
		l.o.Log.Info("notifying", "event", ev.Event, "summary", ev.Summary)
	}
	if err := notify.SendAll(ctx, l.cfg.Notifications, evs); err != nil {
		l.o.Log.Warn("a notification was not delivered", "err", err)
	}
}

func (l *Loop) base() notify.Event {
	dir := l.o.Dir
	if l.cfg != nil {
		dir = l.cfg.Dir
	}
	return notify.Base(time.Now(), dir, l.commit)
}
