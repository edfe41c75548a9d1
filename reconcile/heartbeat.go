package reconcile

import (
	"context"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/notify"
	"github.com/stratabackup/strata/planner"
)

// The heartbeats of a run (notify `start`/`success`, and the run's own
// failure a ping sends as URL/fail): `strata apply` and `strata watch` fire
// them at the same three points — the run begins (RunStart), the plan's
// applications are about to run (AppStarts), the run ended (RunFinish).

// RunStart is the heartbeat of a run that begins.
func RunStart(base notify.Event) []notify.Event { return []notify.Event{notify.Start(base, "")} }

// AppStarts are the heartbeats of the applications that have actions in p,
// in plan order.
func AppStarts(p *planner.Plan, base notify.Event) []notify.Event {
	var evs []notify.Event
	for _, app := range planApps(p.Actions) {
		evs = append(evs, notify.Start(base, app))
	}
	return evs
}

// RunFinish are the heartbeats of a run that ended: one per application
// that had actions in rep (success, or the failure of its actions), then
// the whole run's, failing with failures.
func RunFinish(rep *executor.Report, failures []notify.Failure, base notify.Event) []notify.Event {
	var evs []notify.Event
	if rep != nil {
		var actions []planner.Action
		for _, r := range rep.Results {
			actions = append(actions, r.Action)
		}
		for _, app := range planApps(actions) {
			evs = append(evs, notify.Finish(base, app, appFailures(rep, app)))
		}
	}
	return append(evs, notify.Finish(base, "", failures))
}

// planApps lists the applications of actions, first appearance first.
func planApps(actions []planner.Action) []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range actions {
		if a.App != "" && !seen[a.App] {
			seen[a.App] = true
			out = append(out, a.App)
		}
	}
	return out
}

// appFailures are app's actions in rep that did not succeed.
func appFailures(rep *executor.Report, app string) []notify.Failure {
	var out []notify.Failure
	for _, r := range rep.Results {
		if r.Action.App != app || r.Status == executor.Done {
			continue
		}
		msg := r.Error
		if msg == "" {
			msg = r.Status.String()
		}
		out = append(out, notify.Failure{Action: r.Action.Key, Error: msg})
	}
	return out
}

// beat sends heartbeats (start, success, a run's failure: every pass, so
// not logged one by one), logging what could not be delivered: a
// notification that fails is said, never a failed backup.
func (l *Loop) beat(ctx context.Context, evs []notify.Event) {
	if l.cfg == nil || len(evs) == 0 {
		return
	}
	if err := notify.SendAll(ctx, l.cfg.Notifications, evs); err != nil {
		l.o.Log.Warn("a notification was not delivered", "err", err)
	}
}
