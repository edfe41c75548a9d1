package main

import (
	"context"
	"fmt"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/notify"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/spec"
)

// The heartbeats of a run (notify `start`/`success`, and the run's own
// failure a ping sends as URL/fail): `strata apply` and `strata watch` fire
// them at the same three points — the run begins (runStart), the plan's
// applications are about to run (appStarts), the run ended (runFinish).

// runStart is the heartbeat of a run that begins.
func runStart(base notify.Event) []notify.Event { return []notify.Event{notify.Start(base, "")} }

// appStarts are the heartbeats of the applications that have actions in p,
// in plan order.
func appStarts(p *planner.Plan, base notify.Event) []notify.Event {
	var evs []notify.Event
	for _, app := range planApps(p.Actions) {
		evs = append(evs, notify.Start(base, app))
	}
	return evs
}

// runFinish are the heartbeats of a run that ended: one per application
// that had actions in rep (success, or the failure of its actions), then
// the whole run's, failing with failures.
func runFinish(rep *executor.Report, failures []notify.Failure, base notify.Event) []notify.Event {
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

// notifier delivers the notifications of one `strata apply` and keeps
// what could not be delivered as warnings: a notification that fails is
// said, never a failed backup.
type notifier struct {
	blocks   []*spec.Notify
	base     func() notify.Event
	warnings []string
}

// send delivers evs, keeping a warning per failed delivery.
func (n *notifier) send(ctx context.Context, evs []notify.Event) {
	if n == nil || len(n.blocks) == 0 || len(evs) == 0 {
		return
	}
	err := notify.SendAll(ctx, n.blocks, evs)
	if err == nil {
		return
	}
	for _, e := range flatten(err) {
		n.warnings = append(n.warnings, fmt.Sprintf("a notification was not delivered: %v", e))
	}
}

// flatten unpacks errors joined (at any depth) into their leaves.
func flatten(err error) []error {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range j.Unwrap() {
		out = append(out, flatten(e)...)
	}
	return out
}
